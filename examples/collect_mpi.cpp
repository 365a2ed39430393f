// The outer loop's collection (meta-features and cross-validated plan evaluations, appended to
// a resumable record journal) spread over the ranks of an MPI job by a dynamic scheduler
// (metalearn/mpi/collect.hpp). Built when CMake finds MPI and METALEARN_MPI is ON.
//
//   mpirun -np 4 collect_mpi --datasets data --records records.jsonl     # one machine
//   srun -n 64 collect_mpi --datasets data --records records.jsonl       # Slurm
//   collect_mpi --single --threads 2 --datasets data --records ref.jsonl  # threads, no MPI
//
// The corpus (one task per data family, size limits) and the plan are those of the main example
// (hyperparameter_prediction) for logistic regression, so the journals are comparable. Rank 0
// writes the journal, every other rank r a shard <records>.rank<r>, merged into the journal at the
// end. Killed (any rank, or the whole job), the same command again resumes: it merges the shards
// and evaluates only what is missing. `--evaluate` then runs the leave-one-task-out regret table,
// its held-out tasks spread over the ranks too (mpi::evaluate).

#include "seed_option.hpp"

#include <metalearn/core/parallel.hpp>
#include <metalearn/core/progress.hpp>
#include <metalearn/data/corpus.hpp>
#include <metalearn/meta/evaluation.hpp>
#include <metalearn/meta/meta_learner.hpp>
#include <metalearn/models/logistic_regression.hpp>
#include <metalearn/mpi.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace metalearn;
using Model = models::LogisticRegression;

namespace {

struct Settings {
    std::vector<std::string> datasets{"data"};
    std::string records = "collect_mpi.jsonl";
    Index budget = 24;  // the main example's plan for logistic regression
    Index folds = 3;
    std::uint64_t seed = 0;
    Index threads = 0;  // --single: worker threads (0 = all cores); MPI: threads of the checksums
    Index max_samples = 5000;
    Index max_cells = 300000;
    double time_budget = 30.0;
    double mf_time_limit = 0;
    bool quick = false;
    bool single = false;
    bool evaluate = false;
    bool no_local = false;
    bool keep_shards = false;
};

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// The main example's corpus: classification files, one per data family, size limits.
std::vector<meta::Task> load_tasks(const Settings& s, bool verbose) {
    data::CorpusOptions options;
    options.task = data::TaskType::classification;
    options.max_samples = s.max_samples;
    options.max_cells = s.max_cells;
    options.subsample_seed = s.seed;
    if (verbose) options.read.on_warning = [](const std::string& w) { fmt::print(stderr, "warning: {}\n", w); };
    auto corpus = data::load_corpus(std::vector<fs::path>(s.datasets.begin(), s.datasets.end()), options);
    // files that could not be read, or hold no usable task, are named; copies, other tasks and
    // tables over the size limits are counted
    std::size_t others = 0;
    for (const auto& skipped : corpus.skipped) {
        const bool say = skipped.reason == data::SkipReason::unreadable_folder ||
                         skipped.reason == data::SkipReason::unreadable || skipped.reason == data::SkipReason::degenerate;
        if (!say) ++others;
        else if (verbose) fmt::print(stderr, "skip {}: {}\n", skipped.path.string(), skipped.message);
    }
    if (verbose && others > 0)
        fmt::print(stderr, "skipped {} more file(s): copies of kept data, regression tasks or over --max-samples/--max-cells\n",
                   others);
    std::vector<meta::Task> tasks;
    for (auto& t : corpus.tasks) tasks.push_back({std::move(t.id), std::move(t.dataset)});
    if (tasks.empty())
        throw DataError(fmt::format("no classification dataset found under --datasets {} ({} file(s) skipped)",
                                    fmt::join(s.datasets, ", "), corpus.skipped.size()));
    return tasks;
}

meta::MetaLearnerOptions learner_options(const Settings& s) {
    meta::MetaLearnerOptions opts;
    opts.n_folds = s.folds;
    opts.seed = s.seed;
    opts.n_threads = s.threads;
    opts.time_budget_seconds = s.time_budget;
    opts.meta_features.time_limit_per_group = std::chrono::milliseconds(static_cast<std::int64_t>(s.mf_time_limit * 1000));
    if (s.quick)
        opts.meta_features.groups = {metafeatures::Group::general, metafeatures::Group::statistical,
                                     metafeatures::Group::info_theory};
    return opts;
}

void print_evaluation(const meta::MetaLearner<Model>& learner, const Settings& s) {
    meta::EvaluationOptions eo;
    eo.seed = s.seed;
    eo.n_threads = s.threads;
    const auto t0 = std::chrono::steady_clock::now();
    const auto evaluation = learner.evaluate(learner.default_strategies(), eo);
    fmt::print("{}leave-one-task-out: {:.2f} s on {} threads\n", evaluation.format_table(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), resolve_threads(s.threads));
}

const auto warn_stderr = [](const std::string& w) {
    if (w.find("fewer than the") == std::string::npos) fmt::print(stderr, "warning: {}\n", w);
};

int run_single(const Settings& s) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto tasks = load_tasks(s, true);
    meta::RecordStore store(s.records, warn_stderr);
    meta::MetaLearner<Model> learner(store, learner_options(s));
    learner.set_plan(meta::PlanKind::sobol, s.budget);
    const double cpu0 = cpu_seconds();
    const auto c0 = std::chrono::steady_clock::now();
    const auto sum = learner.collect(tasks, StderrProgressBar("records"), warn_stderr);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
    fmt::print("evaluated {} reused {} planned {} failed {} timed_out {}\n", sum.evaluated, sum.reused, sum.planned,
               sum.failed, sum.timed_out);
    fmt::print("single process, {} threads: {} tasks x {} configs; collect {:.2f} s wall, {:.2f} s CPU; total {:.2f} s\n",
               resolve_threads(s.threads), tasks.size(), learner.plan().size(), wall, cpu_seconds() - cpu0,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (s.evaluate) print_evaluation(learner, s);
    return 0;
}

int run_mpi(const Settings& s, int& argc, char**& argv) {
    mpi::Environment env(argc, argv);
    const bool root = env.rank() == 0;
    try {
        const auto t0 = std::chrono::steady_clock::now();
        std::vector<meta::Task> tasks;
        mpi::all_or_none(MPI_COMM_WORLD, [&] { tasks = load_tasks(s, root); });
        mpi::ShardedJournal journal(MPI_COMM_WORLD, s.records, root ? WarningCallback(warn_stderr) : WarningCallback());
        if (root) fmt::print("record journal {} ({} records), {} ranks\n", s.records, journal.store().size(), env.size());
        std::fflush(stdout);
        meta::MetaLearner<Model> learner(journal.store(), learner_options(s));
        learner.set_plan(meta::PlanKind::sobol, s.budget);
        const double cpu0 = cpu_seconds();
        mpi::CollectOptions options;
        options.coordinator_evaluates = !s.no_local;
        const auto report = mpi::collect(journal, learner, tasks,
                                         root ? ProgressCallback(StderrProgressBar("records")) : ProgressCallback(),
                                         root ? WarningCallback(warn_stderr) : WarningCallback(), options);
        double cpu = cpu_seconds() - cpu0;
        double cpu_all = 0;
        MPI_Reduce(&cpu, &cpu_all, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (root) {
            const auto& sum = report.summary;
            fmt::print("evaluated {} reused {} planned {} failed {} timed_out {}\n", sum.evaluated, sum.reused,
                       sum.planned, sum.failed, sum.timed_out);
            fmt::print("{} ranks{}: {} tasks x {} configs; collect {:.2f} s wall, {:.2f} s CPU (all ranks); {} meta-feature "
                       "jobs; jobs per rank: {}; per-job overhead {:.1f} us, scheduling {:.1f} us per message\n",
                       env.size(), s.no_local ? "" : " (rank 0 evaluates too)", tasks.size(), learner.plan().size(),
                       report.seconds, cpu_all, report.meta_feature_jobs, fmt::join(report.jobs_per_rank, " "),
                       report.mean_job_overhead_us, report.mean_scheduling_us);
            fmt::print("total {:.2f} s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            std::fflush(stdout);
        }
        if (s.evaluate) {
            meta::EvaluationOptions eo;
            eo.seed = s.seed;
            const auto e0 = std::chrono::steady_clock::now();
            const auto evaluation = mpi::evaluate(MPI_COMM_WORLD, learner, learner.default_strategies(), eo);
            if (root)
                fmt::print("{}leave-one-task-out: {:.2f} s on {} ranks\n", evaluation.format_table(),
                           std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count(), env.size());
            std::fflush(stdout);
        }
        if (!s.keep_shards) journal.close();
        return 0;
    } catch (const std::exception& e) {
        // the collective steps throw the same error on every rank: rank 0 reports it
        if (root) fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    CLI::App app{"Collect meta-learning records over the ranks of an MPI job (or, with --single, over threads)"};
    app.add_option("--datasets", s.datasets, "folders scanned recursively for ARFF/CSV/TSV datasets")->capture_default_str();
    app.add_option("--records", s.records, "record journal (rank r > 0 writes <records>.rank<r>); resumable")
        ->capture_default_str();
    app.add_option("--budget", s.budget, "Sobol configurations of logistic regression's C (plus the default), >= 1")
        ->capture_default_str();
    app.add_option("--folds", s.folds, "stratified CV folds, >= 2")->capture_default_str();
    app.add_option("--seed", s.seed, "global seed")->capture_default_str()->check(non_negative_seed());
    app.add_option("--threads", s.threads, "--single: worker threads (0 = all cores)")->capture_default_str();
    app.add_option("--max-samples", s.max_samples, "skip datasets with more rows")->capture_default_str();
    app.add_option("--max-cells", s.max_cells, "skip datasets with more rows x features")->capture_default_str();
    app.add_option("--time-budget", s.time_budget, "seconds per evaluation, checked between folds (0 = none)")
        ->capture_default_str();
    app.add_option("--mf-time-limit", s.mf_time_limit, "seconds per meta-feature group (0 = none)")->capture_default_str();
    app.add_flag("--quick", s.quick, "the main example's --quick: cheap meta-features, at most 1000 rows, budget 10");
    app.add_flag("--single", s.single, "no MPI: MetaLearner::collect on --threads threads (the reference run)");
    app.add_flag("--evaluate", s.evaluate, "then the leave-one-task-out regret table (held-out tasks over the ranks)");
    app.add_flag("--no-local", s.no_local, "rank 0 only schedules (by default it evaluates too, in a second thread)");
    app.add_flag("--keep-shards", s.keep_shards, "leave the shards beside the journal (merged into it all the same)");
    CLI11_PARSE(app, argc, argv);
    if (s.folds < 2 || s.budget < 1 || s.threads < 0 || !(s.time_budget >= 0) || !(s.mf_time_limit >= 0) ||
        s.max_samples <= 0 || s.max_cells <= 0) {
        fmt::print(stderr, "error: expected --folds >= 2, --budget >= 1, --threads >= 0, --time-budget >= 0, "
                           "--mf-time-limit >= 0, --max-samples > 0, --max-cells > 0\n");
        return 2;
    }
    if (s.quick) {
        s.max_samples = std::min<Index>(s.max_samples, 1000);
        s.max_cells = std::min<Index>(s.max_cells, 40000);
        if (app.count("--budget") == 0) s.budget = 10;
    }
    try {
        return s.single ? run_single(s) : run_mpi(s, argc, argv);
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
}
