#pragma once
/// @file progress.hpp
/// @brief Progress reporting through a callback; the library itself never prints.
///
/// Long-running APIs take a `ProgressCallback`. It is called from the calling thread (never from
/// a worker) with the number of finished and total units; returning `true` asks the run to stop
/// early (it finishes the units in flight and returns what it has). `StderrProgressBar` is a
/// ready callback for command-line programs.

#include <fmt/format.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>

namespace metalearn {

/// One progress report.
struct Progress {
    std::size_t done = 0;   ///< units finished so far (including failed ones)
    std::size_t total = 0;  ///< units planned in this run
    std::size_t failed = 0; ///< units that failed (recorded, not dropped)
    std::string label;      ///< what is being done, e.g. a task name
};

/// Called with each report; return `true` to request an early stop.
using ProgressCallback = std::function<bool(const Progress&)>;

/// Diagnostics (warnings that are not errors, e.g. a skipped torn line) go to a callback too.
using WarningCallback = std::function<void(const std::string&)>;

/// A ready `ProgressCallback` that draws a one-line bar on stderr: done/total, rate, ETA.
///
/// Redraws at most every `min_interval` and always on the last unit, then ends the line (also
/// when there is nothing to do: 0 of 0). Never asks to stop.
class StderrProgressBar {
public:
    /// @param title shown before the bar.
    /// @param min_interval minimum time between redraws.
    explicit StderrProgressBar(std::string title = "",
                               std::chrono::milliseconds min_interval = std::chrono::milliseconds(200))
        : title_(std::move(title)), min_interval_(min_interval), start_(clock::now()), last_(start_) {}

    /// Draw the bar for `p`; returns false (never stops the run).
    bool operator()(const Progress& p) {
        const auto now = clock::now();
        const bool finished = p.done >= p.total;  // an empty run (0 of 0) is finished too: its line ends
        if (!finished && now - last_ < min_interval_ && p.done != 0) return false;
        last_ = now;
        const double elapsed = std::chrono::duration<double>(now - start_).count();
        const double rate = elapsed > 0 ? static_cast<double>(p.done) / elapsed : 0.0;
        const double eta = rate > 0 ? static_cast<double>(p.total - p.done) / rate : 0.0;
        constexpr int width = 30;
        const int filled = p.total ? static_cast<int>(width * p.done / p.total) : 0;
        fmt::print(stderr, "\r{}[{:<{}}] {}/{} {:.1f}/s ETA {:.0f}s{} {:<24.24}", title_.empty() ? "" : title_ + " ",
                   std::string(static_cast<std::size_t>(filled), '#'), width, p.done, p.total, rate, eta,
                   p.failed ? fmt::format(" ({} failed)", p.failed) : std::string(), p.label);
        if (finished) fmt::print(stderr, "\n");
        std::fflush(stderr);
        return false;
    }

private:
    using clock = std::chrono::steady_clock;
    std::string title_;
    std::chrono::milliseconds min_interval_;
    clock::time_point start_;
    clock::time_point last_;
};

}  // namespace metalearn
