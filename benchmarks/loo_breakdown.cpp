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
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

using namespace metalearn;

namespace {

double process_cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a.empty() ? "n/a" : a + " " + b + " " + c;
}

meta::TaskTable first_tasks(const meta::TaskTable& t, Index n) {
    if (n <= 0 || n >= t.n_tasks()) return t;
    meta::TaskTable out = t;
    out.task_ids.resize(static_cast<std::size_t>(n));
    out.task_names.resize(static_cast<std::size_t>(n));
    out.meta_features = t.meta_features.topRows(n);
    out.scores = t.scores.topRows(n);
    return out;
}

template <class Model>
int run(const std::string& records_path, Index n_tasks, Index threads, Index trees) {
    const auto wall0 = std::chrono::steady_clock::now();
    const double cpu0 = process_cpu_seconds();
    if (!std::filesystem::is_regular_file(records_path))
        throw IoError(fmt::format("loo_breakdown: '{}' is not a file", records_path));
    // read only: no lock, a torn last line skipped, the file left as it is
    const auto all = meta::RecordStore::read(records_path, [](const std::string& w) {
        fmt::print(stderr, "warning: {}\n", w);
    });
    // the model's records of one protocol (that of its first record) and each task's last data
    std::vector<meta::Record> records;
    std::map<std::string, std::string> checksum;
    const meta::Record* first = nullptr;
    for (const auto& r : all)
        if (r.model == Model::name) {
            first = &r;
            break;
        }
    const auto same_protocol = [&](const meta::Record& r) {
        return first && r.model == Model::name && r.metric == first->metric && r.n_folds == first->n_folds &&
               r.seed == first->seed && r.seed_scheme == first->seed_scheme;
    };
    for (const auto& r : all)
        if (same_protocol(r)) checksum[r.task_id] = r.data_checksum;
    for (const auto& r : all)
        if (same_protocol(r) && checksum[r.task_id] == r.data_checksum) records.push_back(r);
    // tasks in order of their ids, so that the table (and --tasks) does not depend on the order in
    // which threads wrote the journal; the plan: the model's default, then the other
    // configurations in the order of their JSON text
    std::stable_sort(records.begin(), records.end(),
                     [](const meta::Record& a, const meta::Record& b) { return a.task_id < b.task_id; });
    const auto space = Model::search_space();
    const nlohmann::json default_config = space.to_json(typename Model::params_type{});
    std::set<std::string> others;
    for (const auto& r : records)
        if (r.config != default_config) others.insert(r.config.dump());
    std::vector<nlohmann::json> plan{default_config};
    for (const auto& c : others) plan.push_back(nlohmann::json::parse(c));
    const meta::TaskTable table = first_tasks(
        meta::make_task_table(
            records, Model::name, [&](const nlohmann::json& c) { return space.encode(space.from_json(c)); }, plan,
            default_config),
        n_tasks);
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
