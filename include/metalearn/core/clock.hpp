#pragma once
/// @file
/// CPU-time clock of the calling thread, for time budgets that should not depend on the load of
/// a shared machine.

#include <chrono>

#if defined(__unix__) || defined(__APPLE__)
#include <ctime>
#endif

namespace metalearn {

/// CPU seconds used so far by the calling thread (POSIX `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`).
/// Only differences of two calls on the same thread are meaningful. Where the POSIX clock is not
/// available it falls back to the steady clock's seconds (wall time). Never throws.
[[nodiscard]] inline double thread_cpu_seconds() noexcept {
#if defined(__unix__) || defined(__APPLE__)
    timespec ts{};
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
        return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
#endif
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace metalearn
