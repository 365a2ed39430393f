#pragma once
/// @file farm.hpp
/// @brief `mpi::farm`: the dynamic scheduler under every distributed algorithm of metalearn
/// (`mpi::collect`, `mpi::leave_one_task_out`, `mpi::optimize`).
///
/// Rank 0 hands out jobs one at a time, to each rank as it finishes its previous one (a "task
/// farm", or master–worker scheduling): jobs whose costs differ by orders of magnitude leave no
/// rank idle, which a static split cannot promise. A job and its result are strings (the
/// algorithms above send JSON); rank 0 decides what comes next (`FarmCoordinator::next`: a job,
/// "wait" until another result has come in, or "stop"), and receives every result
/// (`FarmCoordinator::done`) on its main thread, in the order they arrive. Rank 0 also runs jobs,
/// in a second thread (`FarmOptions::coordinator_evaluates`), so one rank does the whole work
/// alone and two ranks keep two cores busy.
///
/// Errors: an exception thrown by `work` on any rank, or by a coordinator callback on rank 0,
/// stops the handing out of jobs (the jobs in flight finish and are delivered to `done`); once
/// every rank has stopped, every rank throws the first error — a ConfigError, DataError or
/// IoError as that (a ParseError as IoError), any other as `MpiError` — with its message
/// (prefixed with the rank it happened on when not 0).
///
/// Idle ranks poll for messages with sleeps of up to `FarmOptions::max_poll_interval` instead of
/// spinning in a blocking receive, so an oversubscribed machine keeps its cores for the work.
/// MPI ends the whole job when a rank dies; the algorithms built on the farm write every result
/// to a journal as it comes, so that a rerun repeats nothing finished.

#include "metalearn/mpi/environment.hpp"

#include <mpi.h>

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace metalearn::mpi {

/// Options of `mpi::farm` (and of the algorithms built on it).
struct FarmOptions {
    /// Rank 0 runs jobs too, in a second thread, besides scheduling (needs
    /// `MPI_THREAD_FUNNELED`, which `Environment` asks for). Turn it off for many ranks, where
    /// scheduling should answer at once. At least one rank must run jobs.
    bool coordinator_evaluates = true;
    /// Longest sleep of an idle rank between two polls for a message (a worker waiting for a job
    /// polls at once for about 50 µs, then sleeps doubling from 10 µs up to it; rank 0, with
    /// nothing to do, sleeps doubling from 10 µs): bounds the delay before a waiting rank sees a
    /// message; a rank waiting long polls 1 / max_poll_interval times a second (each poll costs
    /// about a microsecond).
    std::chrono::microseconds max_poll_interval{250};
};

/// Rank 0's answer when a rank asks for work: a job to run, "wait" (park the rank until the next
/// result has come in, then ask again), or "stop" (the rank has nothing more to do).
struct FarmJob {
    enum class Kind { run, wait, stop };
    Kind kind = Kind::stop;
    std::string payload;  ///< run: the job, as `work` receives it

    /// A job to run.
    [[nodiscard]] static FarmJob run(std::string payload) { return {Kind::run, std::move(payload)}; }
    /// Nothing to run until another result has come in.
    [[nodiscard]] static FarmJob wait() { return {Kind::wait, {}}; }
    /// Nothing more to run.
    [[nodiscard]] static FarmJob stop() { return {Kind::stop, {}}; }
};

/// Rank 0's side of a farm: every callback runs on rank 0's calling thread (never concurrently
/// with another callback; `work` may run concurrently on rank 0's second thread).
struct FarmCoordinator {
    /// The next job of `rank`, which has just become idle (first at the start, then after its
    /// result was given to `done`); parked ranks are asked again, in the order they parked,
    /// after every result. Required.
    std::function<FarmJob(int rank)> next;
    /// A result, as `work` returned it on `rank`; every result is given, also those of the jobs
    /// that finish after the farm began to stop. Required.
    std::function<void(int rank, std::string&& result)> done;
    /// Called after every event and at least every `max_poll_interval` while waiting; returning
    /// true stops the handing out of jobs (those in flight finish and reach `done`). Optional.
    std::function<bool()> poll;
};

/// What a farm did, the same on every rank.
struct FarmStats {
    std::vector<std::size_t> jobs_per_rank;  ///< jobs each rank ran
    /// Mean time from a rank's report of a finished job to the start of its next job (its message
    /// to rank 0, the scheduling, the reply, and the polling delay), microseconds, over the jobs
    /// handed out at once (not those of a parked rank); NaN when there were none.
    double mean_job_overhead_us = std::numeric_limits<double>::quiet_NaN();
    /// Mean time rank 0 spent on one message (receive, `done`, `next`, send), microseconds.
    double mean_scheduling_us = std::numeric_limits<double>::quiet_NaN();
    double seconds = 0;  ///< wall time of the farm on rank 0
};

namespace detail {

// Messages of a farm (on a communicator of its own). To a worker: 'R' + job (handed out at
// once), 'W' + job (handed out after the worker was parked), 'S' (stop). To rank 0: 'H' (hello),
// 'D' + result, 'E' + error kind (error_kind) + message.
inline constexpr int farm_tag_report = 7311;
inline constexpr int farm_tag_job = 7312;

/// An error as a message body: its kind (`error_kind`) then its text.
inline std::string describe_error(std::exception_ptr e) {
    try {
        std::rethrow_exception(std::move(e));
    } catch (const std::exception& x) {
        return std::string(1, error_kind(x)) + x.what();
    } catch (...) {
        return "man exception not derived from std::exception";
    }
}

/// Rank 0's own worker: a thread fed through a one-slot mailbox.
class FarmLocalWorker {
public:
    explicit FarmLocalWorker(const std::function<std::string(const std::string&)>& work)
        : thread_([this, &work] { loop(work); }) {}
    FarmLocalWorker(const FarmLocalWorker&) = delete;
    FarmLocalWorker& operator=(const FarmLocalWorker&) = delete;
    ~FarmLocalWorker() {
        {
            std::lock_guard lock(mutex_);
            quit_ = true;
        }
        cv_.notify_one();
        thread_.join();
    }

    /// Run `payload` (`waited`: handed out after the worker was parked).
    void give(std::string payload, bool waited) {
        {
            std::lock_guard lock(mutex_);
            job_ = std::move(payload);
            waited_ = waited;
        }
        cv_.notify_one();
    }

    /// The report of the last job ('D' + result or 'E' + error), once it is finished.
    std::optional<std::string> take() {
        std::lock_guard lock(mutex_);
        return std::exchange(report_, std::nullopt);
    }

    double overhead_us = 0;        ///< summed time from a report to the start of the next job
    std::size_t overhead_count = 0;

private:
    void loop(const std::function<std::string(const std::string&)>& work) {
        std::chrono::steady_clock::time_point reported{};
        for (;;) {
            std::string job;
            {
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [&] { return quit_ || job_.has_value(); });
                if (!job_) return;
                job = std::move(*job_);
                job_.reset();
                if (!waited_ && reported != std::chrono::steady_clock::time_point{}) {
                    overhead_us +=
                        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - reported).count();
                    ++overhead_count;
                }
            }
            std::string report;
            try {
                report = "D" + work(job);
            } catch (...) {
                report = "E" + describe_error(std::current_exception());
            }
            std::lock_guard lock(mutex_);
            report_ = std::move(report);
            reported = std::chrono::steady_clock::now();
        }
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    std::optional<std::string> job_;
    bool waited_ = false;
    bool quit_ = false;
    std::optional<std::string> report_;
    std::thread thread_;
};

/// A duplicated communicator, freed on destruction.
class OwnComm {
public:
    explicit OwnComm(MPI_Comm comm) { check(MPI_Comm_dup(comm, &comm_), "MPI_Comm_dup"); }
    OwnComm(const OwnComm&) = delete;
    OwnComm& operator=(const OwnComm&) = delete;
    ~OwnComm() {
        int finalized = 0;
        MPI_Finalized(&finalized);
        if (!finalized) MPI_Comm_free(&comm_);
    }
    [[nodiscard]] MPI_Comm get() const noexcept { return comm_; }

private:
    MPI_Comm comm_ = MPI_COMM_NULL;
};

}  // namespace detail

/// Run a task farm over the ranks of `comm` (see the file documentation). Collective: every rank
/// calls it; `coordinator` is used on rank 0 only.
/// @param comm        the ranks (duplicated for the farm's messages, which never mix with others).
/// @param work        runs one job and returns its result; called on every rank but 0 (and on
///                    rank 0's second thread with `coordinator_evaluates`), one job at a time per
///                    rank. An exception stops the farm (see the file documentation).
/// @param coordinator rank 0's callbacks (`next` and `done` required there).
/// @param options     see `FarmOptions`.
/// @return the same statistics on every rank.
/// @throws ConfigError (every rank) when no rank would run jobs, or rank 0 lacks `next` or
///         `done`; MpiError when the thread level is below `MPI_THREAD_FUNNELED` with
///         `coordinator_evaluates`, when every rank waits while no job is in flight (`next`
///         returned wait with nothing left to wait for), or when MPI fails; and, on every rank,
///         the first exception of `work` or of a callback (see the file documentation).
inline FarmStats farm(MPI_Comm comm, const std::function<std::string(const std::string&)>& work,
                      const FarmCoordinator& coordinator, const FarmOptions& options = {}) {
    using clock = std::chrono::steady_clock;
    const auto t_start = clock::now();
    const detail::OwnComm own(comm);
    const MPI_Comm c = own.get();
    const int me = rank(c);
    const int n_ranks = size(c);
    const bool local = options.coordinator_evaluates;
    all_or_none(c, [&] {
        if (!work) throw ConfigError("mpi::farm(): no work function");
        if (n_ranks == 1 && !local)
            throw ConfigError("mpi::farm(): one rank with coordinator_evaluates = false: no rank would run jobs");
        if (me == 0 && (!coordinator.next || !coordinator.done))
            throw ConfigError("mpi::farm(): rank 0 needs the coordinator's next and done");
        if (me == 0 && local) {
            int level = MPI_THREAD_SINGLE;
            check(MPI_Query_thread(&level), "MPI_Query_thread");
            if (level < MPI_THREAD_FUNNELED)
                throw MpiError(fmt::format("mpi::farm(): rank 0 runs jobs in a second thread and needs "
                                           "MPI_THREAD_FUNNELED (got thread level {}); initialise MPI with "
                                           "mpi::Environment or MPI_Init_thread, or set coordinator_evaluates = false",
                                           level));
        }
    });

    FarmStats stats;
    stats.jobs_per_rank.assign(static_cast<std::size_t>(n_ranks), 0);
    std::string error;  // the first error: kind, message
    double overhead_us = 0;
    std::size_t overhead_count = 0;

    if (me != 0) {
        detail::send_string(c, "H", 0, detail::farm_tag_report);
        auto reported = clock::now();
        bool first = true;  // the wait for the first job is not an overhead between jobs
        for (;;) {
            const std::string job = detail::receive_polling(c, 0, detail::farm_tag_job, options.max_poll_interval);
            if (job.empty() || job[0] == 'S') break;
            if (job[0] == 'R' && !first) {
                overhead_us += std::chrono::duration<double, std::micro>(clock::now() - reported).count();
                ++overhead_count;
            }
            first = false;
            std::string report;
            try {
                report = "D" + work(job.substr(1));
            } catch (...) {
                report = "E" + detail::describe_error(std::current_exception());
            }
            detail::send_string(c, report, 0, detail::farm_tag_report);
            reported = clock::now();
        }
    } else {
        int active = (n_ranks - 1) + (local ? 1 : 0);  // ranks not yet stopped
        int in_flight = 0;
        bool stopping = false;
        std::deque<int> parked;
        double scheduling_us = 0;
        std::size_t scheduling_count = 0;
        std::deque<std::pair<MPI_Request, std::unique_ptr<std::string>>> outgoing;  // sends in flight
        std::optional<detail::FarmLocalWorker> local_worker;
        if (local) local_worker.emplace(work);

        auto fail = [&](std::exception_ptr e, int where) {
            if (error.empty()) {
                error = detail::describe_error(std::move(e));
                if (where != 0) error = error.substr(0, 1) + fmt::format("rank {}: {}", where, error.substr(1));
            }
            stopping = true;
        };
        auto send = [&](int worker, char kind, std::string payload) {
            if (kind == 'S') --active;
            else {
                ++in_flight;
                ++stats.jobs_per_rank[static_cast<std::size_t>(worker)];
            }
            if (worker == 0) {
                if (kind != 'S') local_worker->give(std::move(payload), kind == 'W');
                return;
            }
            // non-blocking: a long message must not hold up the other ranks until this one receives it
            outgoing.emplace_back(MPI_REQUEST_NULL, std::make_unique<std::string>(kind + payload));
            auto& [request, text] = outgoing.back();
            check(MPI_Isend(text->data(), static_cast<int>(text->size()), MPI_CHAR, worker, detail::farm_tag_job, c,
                            &request),
                  "MPI_Isend");
        };
        auto reap = [&] {
            while (!outgoing.empty()) {
                int flag = 0;
                check(MPI_Test(&outgoing.front().first, &flag, MPI_STATUS_IGNORE), "MPI_Test");
                if (!flag) break;
                outgoing.pop_front();
            }
        };
        // give `worker` its next job, park it, or stop it
        auto serve = [&](int worker, bool waited) {
            FarmJob job = FarmJob::stop();
            if (!stopping) {
                try {
                    job = coordinator.next(worker);
                } catch (...) {
                    fail(std::current_exception(), 0);
                    job = FarmJob::stop();
                }
            }
            switch (job.kind) {
                case FarmJob::Kind::run: send(worker, waited ? 'W' : 'R', std::move(job.payload)); break;
                case FarmJob::Kind::wait: parked.push_back(worker); break;
                case FarmJob::Kind::stop: send(worker, 'S', {}); break;
            }
        };
        // ask the parked ranks again; when all ranks wait and no job runs, nothing can change: stop
        auto serve_parked = [&] {
            for (int round = 0; round < 2; ++round) {
                std::deque<int> waiting;
                waiting.swap(parked);
                for (int w : waiting) serve(w, true);
                if (parked.empty() || static_cast<int>(parked.size()) != active || in_flight != 0 || stopping) return;
                try {
                    throw MpiError("mpi::farm(): every rank waits for a result and no job is running (the "
                                   "coordinator's next() returned wait with nothing left to wait for)");
                } catch (...) {
                    fail(std::current_exception(), 0);
                }
            }
        };
        // a report from `worker`: hello, a result or an error
        auto handle = [&](int worker, std::string&& report) {
            if (report.empty() || report[0] == 'H') {
                serve(worker, false);
            } else {
                --in_flight;
                if (report[0] == 'D') {
                    try {
                        coordinator.done(worker, report.substr(1));
                    } catch (...) {
                        fail(std::current_exception(), 0);
                    }
                } else {
                    if (error.empty()) error = worker == 0 ? report.substr(1) : report.substr(1, 1) + fmt::format("rank {}: {}", worker, report.substr(2));
                    stopping = true;
                }
                serve(worker, false);
            }
            serve_parked();
        };
        auto poll = [&] {
            if (stopping || !coordinator.poll) return;
            bool stop = false;
            try {
                stop = coordinator.poll();
            } catch (...) {
                fail(std::current_exception(), 0);
            }
            if (stop) {
                stopping = true;
                serve_parked();
            }
        };

        if (local) serve(0, false);
        std::chrono::microseconds sleep{0};
        while (active > 0) {
            bool busy = false;
            if (local_worker)
                if (auto r = local_worker->take()) {
                    const auto t0 = clock::now();
                    handle(0, std::move(*r));
                    scheduling_us += std::chrono::duration<double, std::micro>(clock::now() - t0).count();
                    ++scheduling_count;
                    busy = true;
                }
            int flag = 0;
            MPI_Status status;
            check(MPI_Iprobe(MPI_ANY_SOURCE, detail::farm_tag_report, c, &flag, &status), "MPI_Iprobe");
            if (flag) {
                const auto t0 = clock::now();
                std::string r = detail::receive_probed(c, status);
                handle(status.MPI_SOURCE, std::move(r));
                scheduling_us += std::chrono::duration<double, std::micro>(clock::now() - t0).count();
                ++scheduling_count;
                busy = true;
            }
            reap();
            poll();
            if (busy) {
                sleep = std::chrono::microseconds(0);
            } else {
                sleep = std::min(options.max_poll_interval,
                                 sleep.count() == 0 ? std::chrono::microseconds(10) : sleep * 2);
                std::this_thread::sleep_for(sleep);
            }
        }
        for (auto& [request, text] : outgoing) check(MPI_Wait(&request, MPI_STATUS_IGNORE), "MPI_Wait");
        outgoing.clear();
        if (local_worker) {
            overhead_us += local_worker->overhead_us;
            overhead_count += local_worker->overhead_count;
            local_worker.reset();
        }
        if (scheduling_count > 0) stats.mean_scheduling_us = scheduling_us / static_cast<double>(scheduling_count);
    }

    // the outcome, the same on every rank
    double sums[2] = {overhead_us, static_cast<double>(overhead_count)};
    double totals[2] = {0, 0};
    check(MPI_Allreduce(sums, totals, 2, MPI_DOUBLE, MPI_SUM, c), "MPI_Allreduce");
    if (totals[1] > 0) stats.mean_job_overhead_us = totals[0] / totals[1];
    std::vector<std::uint64_t> counts(stats.jobs_per_rank.begin(), stats.jobs_per_rank.end());
    check(MPI_Bcast(counts.data(), static_cast<int>(counts.size()), MPI_UINT64_T, 0, c), "MPI_Bcast");
    for (std::size_t r = 0; r < counts.size(); ++r) stats.jobs_per_rank[r] = static_cast<std::size_t>(counts[r]);
    double timing[2] = {stats.mean_scheduling_us, std::chrono::duration<double>(clock::now() - t_start).count()};
    check(MPI_Bcast(timing, 2, MPI_DOUBLE, 0, c), "MPI_Bcast");
    stats.mean_scheduling_us = timing[0];
    stats.seconds = timing[1];
    detail::broadcast_string(c, error, 0);
    if (!error.empty()) detail::throw_error(error[0], error.substr(1));
    return stats;
}

}  // namespace metalearn::mpi
