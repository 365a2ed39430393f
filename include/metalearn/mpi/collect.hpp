#pragma once
/// @file collect.hpp
/// @brief `mpi::collect`: `meta::MetaLearner::collect` spread over the ranks of an MPI job by a
/// dynamic scheduler (`mpi::farm`).
///
/// Rank 0 plans the collection exactly as `MetaLearner::collect` does (`plan_collect`: the
/// evaluations missing from the journal, meta-features taken from stored records) and hands out
/// jobs one at a time, to each rank as it finishes its previous one: first the meta-feature
/// extractions still needed (one job per task), then the (task, configuration) evaluations, the
/// largest datasets (rows × features) first, so that the most expensive jobs do not come last.
/// An evaluation of a task waits for its meta-features; a rank with nothing ready waits too.
/// Each rank appends its records to its own store of the `ShardedJournal` (rank 0's is the
/// journal, the others' their shards); at the end rank 0 merges the shards into the journal.
/// Rank 0 also evaluates, in a second thread (`FarmOptions::coordinator_evaluates`), so one
/// rank does the whole work alone and two ranks keep two cores busy.
///
/// Results: a record depends only on (seed, task, configuration) (meta_learner.hpp), never on
/// which rank evaluated it or when, so the merged journal holds the records a single-process
/// `collect` with the same seed writes (their order and `fit_seconds` aside); meta-features
/// computed on one rank travel to the others exactly (every double, NaN and infinities included).
///
/// Faults: MPI ends the whole job when a rank dies (Open MPI's `mpirun` kills the other ranks;
/// Slurm's `srun` does the same with `--kill-on-bad-exit`). Every record a rank appended is in
/// its file at that moment (meta::RecordStore), so a killed run loses at most the evaluations in
/// flight; rerunning the same command merges the shards into the journal (`ShardedJournal`) and
/// evaluates only what is missing.
///
/// Idle ranks poll for messages with sleeps of up to `FarmOptions::max_poll_interval` instead
/// of spinning in a blocking receive, so an oversubscribed machine keeps its cores for work.

#include "metalearn/core/error.hpp"
#include "metalearn/core/parallel.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/data/checksum.hpp"
#include "metalearn/meta/meta_learner.hpp"
#include "metalearn/meta/record.hpp"
#include "metalearn/mpi/environment.hpp"
#include "metalearn/mpi/farm.hpp"
#include "metalearn/mpi/journal.hpp"

#include <mpi.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <deque>
#include <exception>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace metalearn::mpi {

/// Options of `mpi::collect`: those of its scheduler (`FarmOptions`: rank 0 evaluates too by
/// default; the longest sleep of an idle rank between two polls).
using CollectOptions = FarmOptions;

/// What `mpi::collect` did, the same on every rank.
struct CollectReport {
    meta::CollectSummary summary;           ///< as `MetaLearner::collect` reports it, over all ranks
    std::size_t meta_feature_jobs = 0;      ///< meta-feature extractions done
    std::vector<std::size_t> jobs_per_rank; ///< jobs (evaluations and extractions) each rank did
    /// Mean time from a rank's report of a finished job to the start of its next job (its message
    /// to rank 0, the scheduling, the reply, and the polling delay), microseconds, over the jobs
    /// handed out at once (not those that had to wait for meta-features); NaN when there were none.
    double mean_job_overhead_us = std::numeric_limits<double>::quiet_NaN();
    /// Mean time rank 0 spent on one message (decode, schedule, encode, send), microseconds.
    double mean_scheduling_us = std::numeric_limits<double>::quiet_NaN();
    double seconds = 0;                     ///< wall time of the call on rank 0
};

namespace detail {

inline nlohmann::json to_message(const meta::TaskMetaFeatures& mf) {
    nlohmann::json values = nlohmann::json::array();
    for (double v : mf.values) values.push_back(exact_number(v));
    return {{"names", mf.names}, {"values", std::move(values)}, {"timed_out", mf.timed_out}, {"error", mf.error}};
}

inline meta::TaskMetaFeatures meta_features_from_message(const nlohmann::json& j) {
    meta::TaskMetaFeatures mf;
    mf.names = j.at("names").get<std::vector<std::string>>();
    for (const auto& v : j.at("values")) mf.values.push_back(exact_number_from(v));
    mf.timed_out = j.at("timed_out").get<std::vector<std::string>>();
    mf.error = j.at("error").get<std::string>();
    if (mf.names.size() != mf.values.size())
        throw MpiError("mpi::collect(): malformed meta-features in a message (names and values differ in length)");
    return mf;
}

/// A 64-bit fingerprint of what a collection depends on: task ids and data, the plan, the
/// learner's key fields. Ranks that disagree would evaluate different things.
inline std::uint64_t fingerprint(const std::vector<meta::Task>& tasks, const std::vector<std::string>& checksums,
                                 const std::vector<nlohmann::json>& plan, const meta::RecordKey& key_fields) {
    std::string text = fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}", key_fields.model, key_fields.metric, key_fields.n_folds,
                                   key_fields.seed, key_fields.seed_scheme);
    for (std::size_t t = 0; t < tasks.size(); ++t) text += fmt::format("\x1e{}\x1f{}", tasks[t].id, checksums[t]);
    for (const auto& c : plan) text += "\x1d" + c.dump();
    return meta::fnv1a(text);
}

/// The job a worker is given, and what it reports back.
struct Job {
    enum class Kind { meta_features, evaluation } kind = Kind::evaluation;
    std::size_t task = 0;
    std::size_t config = 0;
    std::optional<meta::TaskMetaFeatures> meta_features;  // of `task`, when the worker has not had them
};

inline std::string encode(const Job& job) {
    nlohmann::json j;
    j["k"] = job.kind == Job::Kind::meta_features ? "mf" : "ev";
    j["t"] = job.task;
    j["c"] = job.config;
    if (job.meta_features) j["mf"] = to_message(*job.meta_features);
    return j.dump();
}

inline Job decode_job(const std::string& text) {
    try {
        const auto j = nlohmann::json::parse(text);
        Job job;
        job.kind = j.at("k").get<std::string>() == "mf" ? Job::Kind::meta_features : Job::Kind::evaluation;
        job.task = j.at("t").get<std::size_t>();
        job.config = j.at("c").get<std::size_t>();
        if (j.contains("mf")) job.meta_features = meta_features_from_message(j.at("mf"));
        return job;
    } catch (const nlohmann::json::exception& e) {
        throw MpiError(fmt::format("mpi::collect(): malformed job message ({})", e.what()));
    }
}

/// A worker's report of a finished job.
struct Report {
    enum class Kind { meta_features, evaluation } kind = Kind::evaluation;
    std::size_t task = 0;
    std::size_t config = 0;
    meta::RecordStatus status = meta::RecordStatus::ok;
    meta::TaskMetaFeatures meta_features;
};

inline std::string encode(const Report& r) {
    nlohmann::json j;
    if (r.kind == Report::Kind::meta_features) {
        j["k"] = "mf";
        j["mf"] = to_message(r.meta_features);
    } else {
        j["k"] = "ev";
        j["s"] = std::string(meta::to_string(r.status));
    }
    j["t"] = r.task;
    j["c"] = r.config;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

inline Report decode_report(const std::string& text) {
    try {
        const auto j = nlohmann::json::parse(text);
        Report r;
        r.kind = j.at("k").get<std::string>() == "mf" ? Report::Kind::meta_features : Report::Kind::evaluation;
        r.task = j.at("t").get<std::size_t>();
        r.config = j.at("c").get<std::size_t>();
        if (r.kind == Report::Kind::meta_features) r.meta_features = meta_features_from_message(j.at("mf"));
        else r.status = meta::record_status_from_string(j.at("s").get<std::string>());
        return r;
    } catch (const nlohmann::json::exception& e) {
        throw MpiError(fmt::format("mpi::collect(): malformed report message ({})", e.what()));
    }
}

/// What every rank needs to run jobs: the tasks, their checksums, folds made on first use, and
/// the meta-features received.
template <class Learner>
class JobRunner {
public:
    JobRunner(const Learner& learner, const std::vector<meta::Task>& tasks, const std::vector<std::string>& checksums)
        : learner_(&learner), tasks_(&tasks), checksums_(&checksums), folds_(tasks.size()), mf_(tasks.size()) {}

    /// Run a job; an evaluation is appended to `store`. Returns the report.
    /// @throws IoError when the store cannot be written.
    Report run(const Job& job, meta::RecordStore& store) {
        Report r;
        r.task = job.task;
        r.config = job.config;
        if (job.task >= tasks_->size())
            throw MpiError(fmt::format("mpi::collect(): job for task {} of {}", job.task, tasks_->size()));
        if (job.meta_features) mf_[job.task] = *job.meta_features;
        const meta::Task& task = (*tasks_)[job.task];
        if (job.kind == Job::Kind::meta_features) {
            r.kind = Report::Kind::meta_features;
            r.meta_features = learner_->extract_meta_features(task);
            return r;
        }
        if (!mf_[job.task])
            throw MpiError(fmt::format("mpi::collect(): evaluation of task {} before its meta-features", job.task));
        if (!folds_[job.task]) folds_[job.task] = learner_->task_folds(task);
        const meta::Record rec =
            learner_->evaluate_job(task, (*checksums_)[job.task], job.config, *folds_[job.task], *mf_[job.task]);
        try {
            store.append(rec);
        } catch (const std::exception& e) {
            throw IoError(fmt::format("mpi::collect(): {}", e.what()));
        }
        r.kind = Report::Kind::evaluation;
        r.status = rec.status;
        return r;
    }

private:
    const Learner* learner_;
    const std::vector<meta::Task>* tasks_;
    const std::vector<std::string>* checksums_;
    std::vector<std::optional<meta::TaskFolds>> folds_;
    std::vector<std::optional<meta::TaskMetaFeatures>> mf_;
};

}  // namespace detail

/// `learner.collect(tasks, progress, warn)` over the ranks of `journal`'s communicator, by a
/// dynamic scheduler on rank 0 (see the file documentation). Collective: every rank calls it
/// with the same tasks (same ids, same data) and a learner with the same options and plan,
/// constructed on `journal.store()`.
/// @tparam Learner a `meta::MetaLearner<Model, MM>`.
/// @param journal  the run's journal; `learner.store()` must be `journal.store()`.
/// @param learner  this rank's learner.
/// @param tasks    the tasks, identical on every rank (checked: ids, data checksums, plan).
/// @param progress rank 0 only: called when jobs finish; returning true stops handing out jobs
///                 (those in flight finish and are recorded).
/// @param warn     rank 0 only: the warnings `collect` gives (small classes, meta-features).
/// @param options  see `CollectOptions`.
/// @return the same report on every rank; `summary` counts as `MetaLearner::collect` does.
///         After it returns, rank 0's journal holds every record (shards merged), so rank 0's
///         `learner.table()`, `fit()` and `evaluate()` work as after a single-process collect.
/// @throws ConfigError (on every rank) when the learner is not on `journal.store()`, when the
///         ranks' tasks, data or plans differ, when no rank would evaluate, or as
///         `MetaLearner::plan_collect` (duplicate ids); IoError when a store cannot be written or
///         the shards cannot be merged (after the jobs in flight have finished); MpiError when
///         MPI fails or the thread level is below `MPI_THREAD_FUNNELED` with
///         `coordinator_evaluates`.
template <class Learner>
CollectReport collect(ShardedJournal& journal, Learner& learner, const std::vector<meta::Task>& tasks,
                      const ProgressCallback& progress = {}, const WarningCallback& warn = {},
                      const CollectOptions& options = {}) {
    using detail::Job;
    using detail::Report;
    const auto t_start = std::chrono::steady_clock::now();
    const MPI_Comm comm = journal.comm();
    const int me = journal.rank();
    const int n_ranks = journal.size();

    all_or_none(comm, [&] {
        if (&learner.store() != &journal.store())
            throw ConfigError("mpi::collect(): the learner must be constructed on journal.store() (rank 0 writes the "
                              "journal, the other ranks their shards)");
    });

    // rank 0 plans (shards of earlier collections merged first); the others need the checksums
    meta::CollectPlan plan;
    std::vector<std::string> checksums;
    all_or_none(comm, [&] {
        if (me == 0) {
            journal.merge_shards();
            plan = learner.plan_collect(tasks, warn);
            checksums = plan.checksums;
        } else {
            checksums.resize(tasks.size());
            parallel_for(static_cast<Index>(tasks.size()), learner.options().n_threads, [&](Index t) {
                checksums[static_cast<std::size_t>(t)] = data::table_checksum(tasks[static_cast<std::size_t>(t)].dataset);
            });
        }
    });
    const meta::RecordKey key_fields = learner.key("", "", nlohmann::json::object());
    std::uint64_t mine = detail::fingerprint(tasks, checksums, learner.plan_json(), key_fields);
    std::uint64_t root = mine;
    check(MPI_Bcast(&root, 1, MPI_UINT64_T, 0, comm), "MPI_Bcast");
    all_or_none(comm, [&] {
        if (mine != root)
            throw ConfigError(fmt::format(
                "mpi::collect(): this rank's tasks, data or plan differ from rank 0's ({} tasks, {} configurations, "
                "model {}, seed {}): every rank must read the same datasets with the same options",
                tasks.size(), learner.plan_json().size(), key_fields.model, key_fields.seed));
    });

    // every rank: run a job, append an evaluation to this rank's store
    detail::JobRunner runner(learner, tasks, checksums);
    auto work = [&](const std::string& text) { return detail::encode(runner.run(detail::decode_job(text), journal.store())); };

    // rank 0: meta-feature extractions first, then the evaluations of the tasks whose
    // meta-features are known, larger datasets first
    const std::size_t n_tasks = tasks.size();
    auto size_of = [&](std::size_t t) {
        return static_cast<double>(tasks[t].dataset.n_samples()) *
               static_cast<double>(std::max<Index>(1, tasks[t].dataset.n_features()));
    };
    auto larger_first = [&](std::vector<std::size_t>& v) {
        std::stable_sort(v.begin(), v.end(), [&](std::size_t a, std::size_t b) { return size_of(a) > size_of(b); });
    };
    std::deque<std::size_t> mf_queue;  // extractions not handed out yet
    std::vector<bool> mf_known(n_tasks, true);
    std::vector<std::deque<std::size_t>> pending(n_tasks);  // per task: configs not handed out yet
    std::vector<std::size_t> order;                         // tasks with evaluations, larger first
    std::size_t n_pending = 0;
    std::vector<std::vector<bool>> has_mf;  // per rank and task: the rank has the meta-features
    if (me == 0) {
        std::vector<std::size_t> first = plan.need_meta_features;
        larger_first(first);
        mf_queue.assign(first.begin(), first.end());
        for (std::size_t t : plan.need_meta_features) mf_known[t] = false;
        for (const auto& j : plan.jobs) pending[j.task].push_back(j.config);
        for (std::size_t t = 0; t < n_tasks; ++t)
            if (!pending[t].empty()) order.push_back(t);
        larger_first(order);
        n_pending = plan.jobs.size();
        has_mf.assign(static_cast<std::size_t>(n_ranks), std::vector<bool>(n_tasks, false));
    }
    CollectReport report;
    std::size_t done = 0, failed = 0, timed_out = 0;
    std::size_t reported_done = static_cast<std::size_t>(-1);
    std::string last_label;

    FarmCoordinator coordinator;
    coordinator.next = [&](int worker) {
        Job job;
        if (!mf_queue.empty()) {
            job.kind = Job::Kind::meta_features;
            job.task = mf_queue.front();
            mf_queue.pop_front();
            return FarmJob::run(detail::encode(job));
        }
        if (n_pending == 0) return FarmJob::stop();
        const auto it = std::find_if(order.begin(), order.end(), [&](std::size_t t) { return mf_known[t] && !pending[t].empty(); });
        if (it == order.end()) return FarmJob::wait();  // every evaluation left waits for meta-features in flight
        job.kind = Job::Kind::evaluation;
        job.task = *it;
        job.config = pending[*it].front();
        pending[*it].pop_front();
        --n_pending;
        last_label = tasks[*it].id;
        if (auto&& known = has_mf[static_cast<std::size_t>(worker)]; !known[job.task]) {
            job.meta_features = plan.meta_features[job.task];
            known[job.task] = true;
        }
        return FarmJob::run(detail::encode(job));
    };
    coordinator.done = [&](int, std::string&& text) {
        const Report r = detail::decode_report(text);
        if (r.task >= n_tasks) throw MpiError(fmt::format("mpi::collect(): report for task {} of {}", r.task, n_tasks));
        if (r.kind == Report::Kind::meta_features) {
            plan.meta_features[r.task] = r.meta_features;
            mf_known[r.task] = true;
            ++report.meta_feature_jobs;
            if (warn)
                if (auto w = meta::meta_features_warning(tasks[r.task].id, r.meta_features); !w.empty()) warn(w);
            return;
        }
        ++done;
        if (r.status == meta::RecordStatus::failed) ++failed;
        if (r.status == meta::RecordStatus::timeout) ++timed_out;
    };
    coordinator.poll = [&] {
        if (!progress || done == reported_done) return false;
        reported_done = done;
        if (!progress({done, plan.jobs.size(), failed + timed_out, last_label})) return false;
        report.summary.stopped = true;
        return true;
    };

    std::optional<FarmStats> stats;
    std::exception_ptr farm_error;
    try {
        stats = farm(comm, work, coordinator, options);
    } catch (...) {
        farm_error = std::current_exception();
    }
    // every rank has stopped: its records are in its shard; rank 0 merges them, even after an
    // error (which is then the one thrown: the merge's error is the later one)
    try {
        all_or_none(comm, [&] {
            if (me == 0) journal.merge_shards();
        });
    } catch (...) {
        if (!farm_error) throw;
    }
    if (farm_error) std::rethrow_exception(farm_error);

    report.summary.planned = plan.planned;
    report.summary.reused = plan.reused;
    report.summary.evaluated = done;
    report.summary.failed = failed;
    report.summary.timed_out = timed_out;
    std::vector<std::uint64_t> numbers{report.summary.planned, report.summary.reused, report.summary.evaluated,
                                       report.summary.failed, report.summary.timed_out,
                                       static_cast<std::uint64_t>(report.summary.stopped), report.meta_feature_jobs};
    check(MPI_Bcast(numbers.data(), static_cast<int>(numbers.size()), MPI_UINT64_T, 0, comm), "MPI_Bcast");
    report.summary.planned = numbers[0];
    report.summary.reused = numbers[1];
    report.summary.evaluated = numbers[2];
    report.summary.failed = numbers[3];
    report.summary.timed_out = numbers[4];
    report.summary.stopped = numbers[5] != 0;
    report.meta_feature_jobs = numbers[6];
    report.jobs_per_rank = stats->jobs_per_rank;
    report.mean_job_overhead_us = stats->mean_job_overhead_us;
    report.mean_scheduling_us = stats->mean_scheduling_us;
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    check(MPI_Bcast(&seconds, 1, MPI_DOUBLE, 0, comm), "MPI_Bcast");
    report.seconds = seconds;
    return report;
}

}  // namespace metalearn::mpi
