// Leave-one-task-out meta-evaluation from a record journal, with a breakdown of where the time
// goes: reading the journal and building the task table (preprocessing), the strategies' fits
// (for the meta-model strategies: normalising scores, imputing meta-features, fitting the
// meta-model) and their proposals (predictions, the guided search).
//
//   loo_breakdown --records JOURNAL [--model decision_tree|logistic_regression] [--tasks N]
//                 [--threads T] [--meta-trees 100]
//
// JOURNAL is a journal written by the outer loop (e.g. examples/hyperparameter_prediction
// --records), read without taking its lock or changing it. The table holds the model's records of
// one protocol (metric, folds, seed of its first record), tasks in order of their ids, the plan
// as the model's default followed by the other configurations in the order of their JSON text
// (so the table does not depend on how threads interleaved the journal; the example's own table
// orders tasks and configurations as it collected them, so tie-breaking can differ from it);
// --tasks keeps the first N tasks. The meta-model is the default one
// (`RandomForestMetaModel` with its default parameters unless --meta-trees says otherwise) and
// the strategies are `MetaLearner::default_strategies`. Prints the regret table, the CPU seconds
// per strategy, wall and process CPU time, peak memory and the load average.
#include "journal_table.hpp"
#include "peak_rss.hpp"

#include <metalearn/meta/evaluation.hpp>
#include <metalearn/meta/meta_learner.hpp>
#include <metalearn/meta/meta_learner_impl.hpp>  // MetaLearner of the tree (needed in the compiled mode)
#include <metalearn/models/decision_tree.hpp>
#include <metalearn/models/logistic_regression.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <chrono>
#include <ctime>
#include <algorithm>
#include <fstream>
#include <string>

using namespace metalearn;

namespace {

using bench::load_average;
using bench::process_cpu_seconds;

template <class Model>
int run(const std::string& records_path, Index n_tasks, Index threads, Index trees) {
    const auto wall0 = std::chrono::steady_clock::now();
    const double cpu0 = process_cpu_seconds();
    const meta::TaskTable table = bench::read_task_table<Model>(records_path, n_tasks);
    const double cpu_table = process_cpu_seconds() - cpu0;
    meta::RandomForestMetaModelParams mp;
    mp.n_estimators = trees;
    const auto strategies = meta::MetaLearner<Model>::default_strategies(meta::RandomForestMetaModel(mp));
    meta::EvaluationOptions opts;
    opts.n_threads = threads;
    const auto wall1 = std::chrono::steady_clock::now();
    const double cpu1 = process_cpu_seconds();
    const meta::MetaEvaluation ev = meta::leave_one_task_out(table, strategies, opts);
    const double loo_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall1).count();
    const double loo_cpu = process_cpu_seconds() - cpu1;
    fmt::print("{}", ev.format_table());
    fmt::print("\n{} tasks x {} configs, {} meta-features, {} threads, random-forest meta-model of {} trees\n",
               table.n_tasks(), table.n_configs(), table.meta_features.cols(), resolve_threads(threads), trees);
    fmt::print("journal read + task table: {:.3f} s CPU\n", cpu_table);
    fmt::print("{}", ev.format_timing());
    fmt::print("leave-one-task-out: {:.2f} s wall, {:.2f} s process CPU\n", loo_wall, loo_cpu);
    fmt::print("total: {:.2f} s wall; peak RSS {:.0f} MB; load average {}\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count(),
               bench::peak_rss_kb() / 1024.0, load_average());
    return 0;
}

}  // namespace

int main(int argc, char** argv) try {
    CLI::App app{"Leave-one-task-out meta-evaluation of a record journal, with a time breakdown"};
    std::string records;
    std::string model = "decision_tree";
    Index n_tasks = 0;
    Index threads = 2;
    Index trees = meta::RandomForestMetaModelParams{}.n_estimators;
    app.add_option("--records", records, "record journal")->required();
    app.add_option("--model", model, "decision_tree or logistic_regression")->capture_default_str();
    app.add_option("--tasks", n_tasks, "keep the first N tasks (in order of their ids; 0 = all)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    app.add_option("--threads", threads, "held-out tasks evaluated in parallel (0 = all cores)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    app.add_option("--meta-trees", trees, "trees of the random-forest meta-model")->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    if (model == "decision_tree" || model == "decision_tree_classifier")
        return run<models::DecisionTreeClassifier>(records, n_tasks, threads, trees);
    if (model == "logistic_regression")
        return run<models::LogisticRegression>(records, n_tasks, threads, trees);
    fmt::print(stderr, "error: unknown --model '{}' (expected decision_tree or logistic_regression)\n", model);
    return 2;
} catch (const metalearn::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
}
