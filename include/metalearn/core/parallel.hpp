#pragma once
/// @file parallel.hpp
/// @brief `parallel_for`: the one way metalearn runs independent work items on several threads.
///
/// **Meaning of `n_threads`** (every option named `n_threads` in the library means this):
/// - `0`: all hardware threads, `std::thread::hardware_concurrency()` (1 when unknown);
/// - `>= 1`: exactly that many threads doing the work (`parallel_for` counts the calling thread
///   among them; `parallel_for_monitored` spawns them all while the calling thread watches);
/// - negative: invalid, `ConfigError`.
///
/// No more threads than items are used, and `n_threads = 1` (or a single item) runs everything
/// inline on the calling thread without spawning any.
///
/// **Results do not depend on the thread count** as long as the work of item i depends only on i
/// and writes only to a slot of its own (e.g. `out[i]`): items run in unspecified order and
/// concurrently, but each runs exactly once. The *assignment* of items to workers depends on the
/// schedule (and, for `Schedule::dynamic`, on timing); results do not.
///
/// **Exceptions**: an exception thrown by `body(i)` never terminates the program. It is captured
/// (`std::exception_ptr`) and rethrown on the calling thread, with its real type, after every
/// worker has joined. When several items throw, the exception of the *lowest index* is rethrown;
/// to make this independent of the thread count and of timing, after item k fails no worker
/// starts an item above k, while items below k still run (under `Schedule::dynamic` these were
/// already handed out, so in effect only the items in flight finish). Provided that whether item i
/// throws depends only on i, the caller therefore sees the same exception for every thread count.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <limits>
#include <mutex>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace metalearn {

/// How `parallel_for` hands items out to its workers.
enum class Schedule {
    /// Worker w of T takes the contiguous block [w·count/T, (w+1)·count/T) and runs it in
    /// increasing order. The assignment is fixed for given (count, T); best for items of similar
    /// cost (rows of a matrix, trees of a forest, episodes of a meta-batch); neighbouring items
    /// stay on one worker, which avoids false sharing of adjacent output slots.
    static_blocks,
    /// Items are handed out in increasing order from a shared atomic counter, one at a time, to
    /// whichever worker is free. Balances items whose costs differ widely (whole evaluations of
    /// a task, meta-features of datasets of different sizes). The assignment varies from run to
    /// run; the results do not, since each item is independent.
    dynamic,
};

/// Check and resolve a thread count (see the file documentation for its meaning).
/// @param n_threads `0` = all hardware threads, `>= 1` = exactly that many.
/// @param where     the `"Class::method()"` named in the error message.
/// @return the number of threads to use, >= 1.
/// @throws ConfigError when `n_threads < 0`.
/// Complexity O(1).
[[nodiscard]] inline Index resolve_threads(Index n_threads, std::string_view where = "resolve_threads()") {
    if (n_threads < 0)
        throw ConfigError(fmt::format("{}: n_threads out of range (expected >= 0, 0 = all hardware threads; got {})",
                                      where, n_threads));
    if (n_threads > 0) return n_threads;
    return std::max<Index>(1, static_cast<Index>(std::thread::hardware_concurrency()));
}

/// Number of workers `parallel_for(count, n_threads, ...)` uses: min(resolve_threads(n_threads),
/// count), at least 1. Worker indices passed to a body are in [0, worker_count(count, n_threads)),
/// so this sizes per-worker scratch space.
/// @param count     number of items, >= 0.
/// @param n_threads as `resolve_threads`.
/// @throws ConfigError when `n_threads < 0`.
/// Complexity O(1).
[[nodiscard]] inline Index worker_count(Index count, Index n_threads) {
    return std::max<Index>(1, std::min(resolve_threads(n_threads, "worker_count()"), count));
}

// Internals. Not `metalearn::detail`: that would make `detail::` ambiguous in code that uses
// both `using namespace metalearn;` and a layer namespace with its own `detail`.
namespace parallel_detail {

/// A body is called as body(i, worker) when it accepts two indices, else as body(i).
template <class Body>
concept ParallelBody = std::invocable<Body&, Index, Index> || std::invocable<Body&, Index>;

template <class Body>
void invoke_parallel_body(Body& body, Index i, Index worker) {
    if constexpr (std::invocable<Body&, Index, Index>)
        body(i, worker);
    else
        body(i);
}

/// State shared by the workers of one parallel run.
class ParallelRun {
public:
    explicit ParallelRun(Index count) : count_(count), failed_at_(std::numeric_limits<Index>::max()) {}

    /// May item i start? False after a stop request or once an item below i has failed.
    [[nodiscard]] bool may_start(Index i) const noexcept {
        return !stop_.load(std::memory_order_relaxed) && i < failed_at_.load(std::memory_order_acquire);
    }

    /// Run item i, capturing its exception.
    template <class Body>
    void run(Body& body, Index i, Index worker) noexcept {
        try {
            invoke_parallel_body(body, i, worker);
        } catch (...) {
            fail(i, std::current_exception());
        }
    }

    /// Record that item i failed with `e`; the lowest failing index wins.
    void fail(Index i, std::exception_ptr e) noexcept {
        std::lock_guard lock(error_mutex_);
        if (i < failed_at_.load(std::memory_order_relaxed)) {
            error_ = std::move(e);
            failed_at_.store(i, std::memory_order_release);
        }
    }

    /// Stop handing out items (items in flight finish).
    void request_stop() noexcept { stop_.store(true, std::memory_order_relaxed); }

    /// Worker loop of one worker.
    template <class Body>
    void work(Body& body, Index worker, Index n_workers, Schedule schedule) noexcept {
        if (schedule == Schedule::static_blocks) {
            const Index begin = worker * count_ / n_workers;
            const Index end = (worker + 1) * count_ / n_workers;
            for (Index i = begin; i < end && may_start(i); ++i) run(body, i, worker);
        } else {
            for (;;) {
                const Index i = next_.fetch_add(1, std::memory_order_relaxed);
                if (i >= count_ || !may_start(i)) break;
                run(body, i, worker);
            }
        }
    }

    /// The captured exception of the lowest failing item, or null.
    [[nodiscard]] std::exception_ptr error() const { return error_; }

private:
    Index count_;
    std::atomic<Index> next_{0};
    std::atomic<Index> failed_at_;
    std::atomic<bool> stop_{false};
    std::mutex error_mutex_;
    std::exception_ptr error_;
};

/// Joins every thread of a pool on destruction (also when spawning a later one threw).
struct JoinAll {
    std::vector<std::thread>& pool;
    ~JoinAll() {
        for (auto& t : pool)
            if (t.joinable()) t.join();
    }
};

}  // namespace parallel_detail

/// Run `body` once for every index i in [0, count), on up to `n_threads` threads.
///
/// The calling thread is worker 0 and takes part in the work; `worker_count(count, n_threads) − 1`
/// threads are spawned (none when that is 0) and joined before returning.
/// @tparam Body callable as `body(i)` or, when it needs per-worker scratch space,
///         `body(i, worker)` with worker in [0, worker_count(count, n_threads)) — one worker
///         never runs two items at once. The two-index form is used when both are viable.
///         Items run concurrently: `body` must only write to state owned by item i or worker.
/// @param count     number of items, >= 0 (0 does nothing).
/// @param n_threads 0 = all hardware threads, >= 1 exactly (see the file documentation).
/// @param body      the work of one item.
/// @param schedule  `Schedule::static_blocks` (default) or `Schedule::dynamic`.
/// @throws ConfigError when `n_threads < 0` (before any item runs).
/// @throws the exception of the lowest failing item, with its type, after all workers joined;
///         `std::system_error` when a thread cannot be started (after the started ones joined).
/// Complexity: the sum of the items' costs spread over the workers, plus O(T) to start threads.
template <class Body>
    requires parallel_detail::ParallelBody<Body>
void parallel_for(Index count, Index n_threads, Body&& body, Schedule schedule = Schedule::static_blocks) {
    const Index resolved = resolve_threads(n_threads, "parallel_for()");
    if (count <= 0) return;
    const Index n_workers = std::min(resolved, count);
    if (n_workers == 1) {
        for (Index i = 0; i < count; ++i) parallel_detail::invoke_parallel_body(body, i, Index{0});
        return;
    }
    parallel_detail::ParallelRun run(count);
    {
        std::vector<std::thread> pool;
        pool.reserve(static_cast<std::size_t>(n_workers - 1));
        parallel_detail::JoinAll join{pool};
        try {
            for (Index w = 1; w < n_workers; ++w)
                pool.emplace_back([&run, &body, w, n_workers, schedule] { run.work(body, w, n_workers, schedule); });
        } catch (...) {
            run.request_stop();
            throw;  // JoinAll joins the workers already started
        }
        run.work(body, 0, n_workers, schedule);
    }
    if (auto e = run.error()) std::rethrow_exception(e);
}

/// `parallel_for` with dynamic scheduling while the calling thread watches: it takes no items
/// but calls `monitor()` — e.g. to report progress, which must happen on the calling thread —
/// and stops the run when `monitor()` returns true.
///
/// With `worker_count(count, n_threads) == 1` the items run inline on the calling thread, in
/// increasing order, and `monitor()` is called after each one. Otherwise `worker_count` threads
/// are spawned and `monitor()` is called on the calling thread whenever items have finished
/// (several completions may be seen by one call) and at least every `period` while the run goes
/// on; in both cases a last call follows the end of the run (after the last item finished or was
/// given up), so a final report sees the final counts — unless an item threw: then calls may
/// stop early, and the exception is what the caller gets. After `monitor()` threw it is not
/// called again.
/// @tparam Body    as for `parallel_for`; items are handed out in increasing order
///                 (`Schedule::dynamic`).
/// @tparam Monitor callable as `bool monitor()`; `true` asks the run to stop: no new item starts,
///                 items in flight finish, and the function returns normally.
/// @param count     number of items, >= 0 (0 only calls `monitor()` once).
/// @param n_threads 0 = all hardware threads, >= 1 exactly.
/// @param period    longest time between two calls of `monitor()` while items run, > 0.
/// @throws ConfigError when `n_threads < 0`.
/// @throws the exception of the lowest failing item, with its type, after all workers joined;
///         else an exception thrown by `monitor()` (which also stops the run).
/// Complexity: as `parallel_for`, plus one `monitor()` call per completion or period.
template <class Body, class Monitor>
    requires parallel_detail::ParallelBody<Body> && std::invocable<Monitor&>
void parallel_for_monitored(Index count, Index n_threads, Body&& body, Monitor&& monitor,
                            std::chrono::milliseconds period = std::chrono::milliseconds(200)) {
    const Index n_workers = std::max<Index>(1, std::min(resolve_threads(n_threads, "parallel_for_monitored()"), count));
    if (count <= 0) {
        (void)monitor();
        return;
    }
    if (n_workers == 1) {
        for (Index i = 0; i < count; ++i) {
            parallel_detail::invoke_parallel_body(body, i, Index{0});
            if (monitor()) break;
        }
        return;
    }
    parallel_detail::ParallelRun run(count);
    std::mutex m;
    std::condition_variable cv;
    Index completed = 0;  // guarded by m
    Index active = 0;     // workers still running, guarded by m
    auto counted = [&](Index i, Index w) {
        struct Notify {
            std::mutex& m;
            std::condition_variable& cv;
            Index& completed;
            ~Notify() {
                {
                    std::lock_guard lock(m);
                    ++completed;
                }
                cv.notify_one();
            }
        } notify{m, cv, completed};
        parallel_detail::invoke_parallel_body(body, i, w);
    };
    std::exception_ptr monitor_error;
    {
        std::vector<std::thread> pool;
        pool.reserve(static_cast<std::size_t>(n_workers));
        parallel_detail::JoinAll join{pool};
        try {
            for (Index w = 0; w < n_workers; ++w) {
                {
                    std::lock_guard lock(m);
                    ++active;
                }
                try {
                    pool.emplace_back([&, w] {
                        run.work(counted, w, n_workers, Schedule::dynamic);
                        {
                            std::lock_guard lock(m);
                            --active;
                        }
                        cv.notify_one();
                    });
                } catch (...) {
                    std::lock_guard lock(m);
                    --active;
                    throw;
                }
            }
        } catch (...) {
            run.request_stop();
            throw;
        }
        std::unique_lock lock(m);
        Index seen = 0;
        for (;;) {
            cv.wait_for(lock, period, [&] { return completed != seen || active == 0; });
            seen = completed;
            const bool finished = active == 0;
            lock.unlock();
            if (!monitor_error) {
                try {
                    if (monitor()) run.request_stop();
                } catch (...) {
                    monitor_error = std::current_exception();
                    run.request_stop();
                }
            }
            lock.lock();
            if (finished) break;
        }
    }
    if (auto e = run.error()) std::rethrow_exception(e);
    if (monitor_error) std::rethrow_exception(monitor_error);
}

}  // namespace metalearn
