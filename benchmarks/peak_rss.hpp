#pragma once
// Peak memory, CPU time and load average of a benchmark process, shared by the benchmark programs.
#include <ctime>
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

/// CPU seconds of this process so far (all threads; `std::clock`).
inline double process_cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

/// The 1, 5 and 15 minute load averages of /proc/loadavg ("n/a" where there is none).
inline std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a.empty() ? "n/a" : a + " " + b + " " + c;
}

}  // namespace metalearn::bench
