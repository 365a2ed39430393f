#pragma once
// Peak memory of a benchmark process, shared by the benchmark programs.
#include <fstream>
#include <string>

namespace metalearn::bench {

/// The peak resident set of this process image (VmHWM of /proc/self/status, kB; 0 where there
/// is none). Unlike getrusage's ru_maxrss it starts afresh at exec, so a parent's memory at fork
/// time does not count.
inline double peak_rss_kb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6));
    return 0.0;
}

}  // namespace metalearn::bench
