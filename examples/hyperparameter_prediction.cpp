// Hyperparameter prediction end to end on real datasets.
//
// For every classification dataset found (ARFF/CSV/TSV, recursively) and every chosen base
// model: meta-features, then a plan of configurations evaluated by stratified k-fold CV (records
// appended to a resumable JSON Lines journal), then a leave-one-task-out meta-evaluation of
// warm-start strategies — default config, random config, learned default, nearest datasets,
// greedy portfolio, the meta-model's top-1 and the meta-model-guided search — printed as a
// regret table, written as CSV, and plotted (best-so-far regret vs evaluations) by
// scripts/plot-regret.gp when gnuplot is installed. Finally the meta-model is refitted on every task and saved.
//
//   hyperparameter_prediction --datasets data --out results            # default run
//   hyperparameter_prediction --quick                                  # seconds
//   hyperparameter_prediction --datasets data --datasets <pmlb folder> # more tasks
//
// Interrupt it at any time: rerunning with the same --records file does only the missing work.

#include "seed_option.hpp"

#include <metalearn/data.hpp>
#include <metalearn/hpo.hpp>
#include <metalearn/meta.hpp>
#include <metalearn/meta/meta_learner_impl.hpp>  // MetaLearner of the tree, kNN, boosting and SVC (needed in the compiled mode)
#include <metalearn/metafeatures.hpp>
#include <metalearn/models.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>

namespace fs = std::filesystem;
using namespace metalearn;

namespace {

struct Timer {
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    [[nodiscard]] double seconds() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
};

// The base models this example can run, each with its plan size (quick run, full run). On the
// command line a model is named by `Model::name` or by that name without "_classifier".
template <models::BaseModel Model>
struct Candidate {
    using model_type = Model;
    Index quick_budget;
    Index budget;
};
const std::tuple candidates{Candidate<models::LogisticRegression>{10, 24},
                            Candidate<models::DecisionTreeClassifier>{16, 48},
                            Candidate<models::KNeighborsClassifier>{12, 30},
                            Candidate<models::GradientBoostingClassifier>{12, 32},
                            Candidate<models::SVC>{12, 32}};

template <class F>
void for_each_candidate(F&& f) {
    std::apply([&](const auto&... c) { (f(c), ...); }, candidates);
}

constexpr std::string_view short_name(std::string_view name) {
    constexpr std::string_view suffix = "_classifier";
    return name.ends_with(suffix) ? name.substr(0, name.size() - suffix.size()) : name;
}

template <class Model>
bool is_named(std::string_view name) {
    return name == Model::name || name == short_name(Model::name);
}

bool is_known_model(std::string_view name) {
    bool known = false;
    for_each_candidate([&](const auto& c) { known = known || is_named<typename std::decay_t<decltype(c)>::model_type>(name); });
    return known;
}

// "logistic_regression, decision_tree or knn", from the models' names.
std::string model_names(std::string_view last_separator) {
    std::vector<std::string_view> names;
    for_each_candidate([&](const auto& c) { names.push_back(short_name(std::decay_t<decltype(c)>::model_type::name)); });
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i)
        text += fmt::format("{}{}", i == 0 ? "" : i + 1 == names.size() ? last_separator : ", ", names[i]);
    return text;
}

struct Settings {
    std::vector<std::string> datasets{"data"};
    std::vector<std::string> models{std::string(short_name(models::LogisticRegression::name)),
                                    std::string(short_name(models::DecisionTreeClassifier::name))};
    std::string plan = "sobol";
    Index budget = 0;  // 0 = per-model default
    std::string plan_file;
    std::string metric = "balanced_accuracy";
    Index folds = 3;
    std::uint64_t seed = 0;
    Index threads = 0;
    std::string records;
    std::string out = "results";
    std::string plot_script;  // empty = scripts/plot-regret.gp, found by find_plot_script
    std::string meta_model = "rf";
    Index max_samples = 5000;
    Index max_cells = 300000;
    bool subsample = false;  // subsample tables over the limits instead of skipping them
    std::string target;      // target column of every file; empty = each format's default
    double time_budget = 30.0;
    double mf_time_limit = 0;  // seconds per meta-feature group; 0 = none (results independent of the load)
    bool quick = false;
    bool repair_journal = false;
};

// Write `text` to `file`; a file that cannot be opened or written is an IoError naming it.
void write_file(const fs::path& file, const std::string& text, std::string_view what) {
    std::ofstream out(file, std::ios::binary);
    if (!out)
        throw IoError(fmt::format("cannot write the {} to '{}': {}", what, file.string(), std::strerror(errno)));
    out << text;
    out.close();
    if (!out) throw IoError(fmt::format("cannot write the {} to '{}': the write failed", what, file.string()));
}

// Every classification dataset under the given folders, one task per data family (exact
// duplicates, other versions, projections and train/test splits of the same data are skipped,
// so leave-one-task-out never trains on a copy of the held-out data); every skipped file is
// listed on stderr with the reason.
std::vector<meta::Task> load_tasks(const Settings& s) {
    data::CorpusOptions options;
    options.task = data::TaskType::classification;
    options.max_samples = s.max_samples;
    options.max_cells = s.max_cells;
    options.subsample = s.subsample;
    options.subsample_seed = s.seed;
    options.read.target = s.target;
    options.read.on_warning = [](const std::string& w) { fmt::print(stderr, "warning: {}\n", w); };
    auto corpus = data::load_corpus(std::vector<fs::path>(s.datasets.begin(), s.datasets.end()), options);
    for (const auto& t : corpus.tasks)
        if (t.subsampled_from > 0)
            fmt::print(stderr, "subsampled {}: {} of {} rows (stratified, seed {}; --max-samples/--max-cells)\n", t.id,
                       t.dataset.n_samples(), t.subsampled_from, s.seed);
    for (const auto& skipped : corpus.skipped) {
        if (skipped.reason == data::SkipReason::unreadable_folder)
            fmt::print(stderr, "skip folder {}: {}\n", skipped.path.string(), skipped.message);
        else
            fmt::print(stderr, "skip {}: {}\n", skipped.id, skipped.message);
    }
    std::vector<meta::Task> tasks;
    tasks.reserve(corpus.tasks.size());
    for (auto& t : corpus.tasks) tasks.push_back({std::move(t.id), std::move(t.dataset)});
    return tasks;
}

struct ModelOutcome {
    std::string model;
    meta::MetaEvaluation evaluation;
};

// The plan file's entries for one model: the file's array, or, for an object keyed by model
// names, the array under this model's name (full or short). Validated against the model's
// declared space (tolerant bounds, valid ranges, fixed members); nullopt without a plan file.
// Throws ConfigError naming the file, the entry and the reason.
template <models::BaseModel Model>
std::optional<std::vector<typename Model::params_type>> plan_of(const Settings& s, const nlohmann::json& plan) {
    if (s.plan_file.empty()) return std::nullopt;
    const nlohmann::json* entries = &plan;
    if (plan.is_object()) {
        entries = nullptr;
        for (const auto& key : {std::string(Model::name), std::string(short_name(Model::name))})
            if (plan.contains(key)) entries = &plan.at(key);
        if (!entries)
            throw ConfigError(fmt::format("plan '{}': no configurations for model '{}' (expected an array, or an object "
                                          "with the key '{}' or '{}')",
                                          s.plan_file, Model::name, Model::name, short_name(Model::name)));
    }
    return meta::plan_from_json(*entries, Model::search_space(), s.plan_file);
}

template <models::BaseModel Model>
ModelOutcome run_model(const Settings& s, const std::vector<meta::Task>& tasks, meta::RecordStore& store, const meta::AnyMetaModel& mm,
                       Index default_budget, const nlohmann::json& plan) {
    meta::MetaLearnerOptions opts;
    opts.n_folds = s.folds;
    opts.metric = hpo::metric_from_string(s.metric);
    opts.seed = s.seed;
    opts.n_threads = s.threads;
    opts.time_budget_seconds = s.time_budget;
    opts.meta_features.time_limit_per_group = std::chrono::milliseconds(static_cast<std::int64_t>(s.mf_time_limit * 1000));
    if (s.quick)
        opts.meta_features.groups = {metafeatures::Group::general, metafeatures::Group::statistical,
                                     metafeatures::Group::info_theory};
    meta::MetaLearner<Model, meta::AnyMetaModel> learner(store, opts, Model(), mm);
    if (const auto configs = plan_of<Model>(s, plan))
        learner.set_plan(*configs, [](const std::string& w) { fmt::print(stderr, "plan: {}\n", w); });
    else
        learner.set_plan(meta::plan_kind_from_string(s.plan), s.budget > 0 ? s.budget : default_budget);

    const std::string name(Model::name);
    fmt::print("\n== {}: {} tasks x {} configs, {}-fold CV, metric {}\n", name, tasks.size(), learner.plan().size(),
               s.folds, s.metric);
    Timer timer;
    std::size_t small_class_warnings = 0;  // counted; every other warning is printed
    std::vector<std::string> warnings;
    const auto summary = learner.collect(tasks, StderrProgressBar("evaluations " + name), [&](const std::string& w) {
        if (w.find("fewer than the") != std::string::npos && w.find("folds") != std::string::npos)
            ++small_class_warnings;
        else
            warnings.push_back(w);
    });
    for (const auto& w : warnings) fmt::print(stderr, "warning: {}\n", w);
    fmt::print("evaluated {} (reused {} from the journal), {} failed, {} timed out, in {:.1f} s{}\n", summary.evaluated,
               summary.reused, summary.failed, summary.timed_out, timer.seconds(),
               small_class_warnings ? fmt::format(" ({} small-class warnings)", small_class_warnings) : "");
    if (summary.failed > 0) {
        // every failure of this run's plan and tasks, with its reason (e.g. k-NN with n_neighbors
        // above the rows of a training fold: not clipped, counted as the task's worst score)
        const std::string metric(hpo::to_string(opts.metric));
        std::set<std::string> ids;
        for (const auto& t : tasks) ids.insert(t.id);
        std::set<std::string> planned;
        for (const auto& c : learner.plan_json()) planned.insert(c.dump());
        std::size_t shown = 0;
        std::size_t total = 0;
        for (const auto& r : store.snapshot())
            if (r.model == name && r.metric == metric && r.n_folds == s.folds && r.seed == s.seed &&
                r.status == meta::RecordStatus::failed && ids.count(r.task_id) && planned.count(r.config.dump())) {
                if (++total <= 10) {
                    fmt::print(stderr, "failed: {} {}: {}\n", r.task_id, r.config.dump(), r.error);
                    ++shown;
                }
            }
        if (total > shown) fmt::print(stderr, "failed: ... and {} more (records.csv lists them)\n", total - shown);
    }
    std::fflush(stdout);

    meta::EvaluationOptions eo;
    eo.seed = s.seed;
    eo.n_threads = s.threads;
    eo.n_bootstrap = 2000;
    Timer eval_timer;
    auto evaluation = learner.evaluate(learner.default_strategies(mm), eo, StderrProgressBar("leave-one-task-out " + name));
    fmt::print("{}", evaluation.format_table());
    fmt::print("(leave-one-task-out in {:.1f} s)\n", eval_timer.seconds());
    std::fflush(stdout);  // the table is the result: do not leave it in a buffer

    // the deliverable: a meta-model fitted on every task, saved without the records
    const auto& predictor = learner.fit();
    const fs::path model_file = fs::path(s.out) / fmt::format("meta_model_{}.json", name);
    write_file(model_file, predictor.to_json().dump() + '\n', "meta-model");
    const auto suggestions = learner.suggest(tasks.front().dataset, 3, {.n_candidates = 256, .seed = s.seed});
    fmt::print("meta-model saved to {}; top-3 for {} (in-sample, for illustration; searched inside the plan's ranges):\n",
               model_file.string(), tasks.front().id);
    fmt::print("  (\"predicted\" is a normalised score: 1 = the best config of the task's plan, 0 = its worst)\n");
    for (const auto& sg : suggestions)
        fmt::print("  {}  predicted {:.3f} ± {:.3f}\n", sg.config.dump(), sg.predicted, sg.std);
    std::fflush(stdout);
    return {name, std::move(evaluation)};
}

bool have_gnuplot() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

// scripts/plot-regret.gp: as given, else from the current folder (scripts/run-example runs from
// the repository root), else relative to this program (build/<dir>/examples/ in the repository).
fs::path find_plot_script(const std::string& given, const char* argv0) {
    if (!given.empty()) return given;
    const fs::path relative = fs::path("scripts") / "plot-regret.gp";
    std::error_code ec;
    if (fs::is_regular_file(relative, ec)) return relative;
    const fs::path beside = fs::absolute(argv0, ec).parent_path() / ".." / ".." / ".." / relative;
    if (fs::is_regular_file(beside, ec)) return beside.lexically_normal();
    return {};
}

// One regret_curves_<model>.dat per model (k, then the curves of plot-regret.gp's columns), then
// the plot, by scripts/plot-regret.gp, when gnuplot is installed.
void plot(const std::vector<ModelOutcome>& outcomes, const fs::path& out, const fs::path& script) {
    const std::vector<std::string> curves{"random", "portfolio", "nearest datasets", "meta-model guided"};
    std::string models;
    std::string n_tasks;
    for (const auto& o : outcomes) {
        std::string d = "# k";
        for (const auto& c : curves) d += fmt::format(" \"{}\"", c);
        d += '\n';
        for (std::size_t b = 0; b < o.evaluation.budgets.size(); ++b) {
            d += fmt::format("{}", o.evaluation.budgets[b]);
            for (const auto& c : curves)
                for (const auto& st : o.evaluation.strategies)
                    if (st.name == c) d += fmt::format(" {:g}", st.curve[b].mean);  // as an ostream would
            d += '\n';
        }
        write_file(out / fmt::format("regret_curves_{}.dat", o.model), d, "regret curves");
        models += (models.empty() ? "" : " ") + o.model;
        n_tasks += (n_tasks.empty() ? "" : " ") + std::to_string(o.evaluation.task_ids.size());
    }
    const fs::path png = out / "regret_curves.png";
    const std::string command =
        fmt::format("gnuplot -e \"dir='{}'; models='{}'; tasks='{}'\" '{}'", out.string(), models, n_tasks,
                    script.empty() ? "scripts/plot-regret.gp" : script.string());
    if (script.empty()) {
        fmt::print("plot script not found (pass --plot-script); to plot the curves: {}\n", command);
        return;
    }
    if (!have_gnuplot()) {
        fmt::print("gnuplot not found: install it (Debian: apt-get install gnuplot-nox) and run {}\n", command);
        return;
    }
    if (std::system(command.c_str()) == 0)
        fmt::print("plot written to {}\n", png.string());
    else
        fmt::print("gnuplot failed; the command was {}\n", command);
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    CLI::App app{"Meta-learning of hyperparameters on real datasets: records, meta-model, leave-one-task-out regret"};
    app.add_option("--datasets", s.datasets, "folders scanned recursively for ARFF/CSV/TSV datasets")->capture_default_str();
    app.add_option("--model", s.models, "base models: " + model_names(", ") + " (or their full names)")->capture_default_str();
    app.add_option("--plan", s.plan, "plan of configurations: grid, random or sobol")->capture_default_str();
    std::string budgets;
    for_each_candidate([&](const auto& c) {
        budgets += fmt::format("{}{} {}", budgets.empty() ? "" : ", ", short_name(std::decay_t<decltype(c)>::model_type::name),
                               c.budget);
    });
    auto* budget_opt = app.add_option("--budget", s.budget, "configurations per plan, >= 1 (default per model: " + budgets + ")");
    app.add_option("--plan-file", s.plan_file,
                   "JSON file with an array of configurations (name -> value objects; names not given keep the "
                   "model's defaults), or an object mapping model names to such arrays (overrides --plan); checked "
                   "before any dataset is read; the default configuration is added when missing");
    app.add_option("--metric", s.metric, "accuracy, balanced_accuracy, log_loss, roc_auc")->capture_default_str();
    app.add_option("--folds", s.folds, "stratified CV folds")->capture_default_str();
    app.add_option("--seed", s.seed, "global seed")->capture_default_str()->check(non_negative_seed());
    auto* threads_opt = app.add_option("--threads", s.threads, "worker threads, 1..256 (default: all cores)");
    app.add_option("--records", s.records, "record journal (default <out>/records.jsonl); resumable");
    app.add_flag("--repair-journal", s.repair_journal,
                 "first keep every valid record of the journal and move damaged lines to <journal>.rejected");
    app.add_option("--out", s.out, "output folder")->capture_default_str();
    app.add_option("--plot-script", s.plot_script, "gnuplot script of the regret curves (default scripts/plot-regret.gp)");
    app.add_option("--meta-model", s.meta_model, "rf, gp, knn or ridge")->capture_default_str();
    app.add_option("--max-samples", s.max_samples, "skip datasets with more rows (or subsample them: --subsample)")
        ->capture_default_str();
    app.add_option("--max-cells", s.max_cells, "skip datasets with more rows x features (or subsample them: --subsample)")
        ->capture_default_str();
    app.add_flag("--subsample", s.subsample,
                 "keep datasets over --max-samples/--max-cells as a random subsample of that many rows (stratified by "
                 "class, seeded by --seed and the task id: the same rows in every run) instead of skipping them");
    app.add_option("--target", s.target,
                   "name of the target column in every file (default: ARFF's last attribute, PMLB's 'target', a CSV's "
                   "last column); files without it are skipped and listed");
    app.add_option("--time-budget", s.time_budget, "seconds per evaluation, checked between folds (0 = none)")
        ->capture_default_str();
    app.add_option("--mf-time-limit", s.mf_time_limit,
                   "seconds per meta-feature group (default 0 = none); a limit makes the meta-features, and so "
                   "the results, depend on the machine's load");
    app.add_flag("--quick", s.quick, "small plans and cheap meta-features (seconds)");
    CLI11_PARSE(app, argc, argv);

    // validate every option before reading any dataset
    std::string bad;
    if (s.folds < 2 || s.folds > 100) bad = fmt::format("--folds must be in 2..100 (got {})", s.folds);
    else if (threads_opt->count() > 0 && (s.threads < 1 || s.threads > 256))
        bad = fmt::format("--threads must be in 1..256 (got {})", s.threads);
    else if (budget_opt->count() > 0 && s.budget < 1) bad = fmt::format("--budget must be >= 1 (got {})", s.budget);
    else if (s.max_cells <= 0) bad = fmt::format("--max-cells must be > 0 (got {})", s.max_cells);
    else if (s.max_samples <= 0) bad = fmt::format("--max-samples must be > 0 (got {})", s.max_samples);
    else if (!(s.time_budget >= 0.0)) bad = fmt::format("--time-budget must be >= 0 (got {})", s.time_budget);
    else if (app.count("--mf-time-limit") > 0 && !(s.mf_time_limit >= 0.0))
        bad = fmt::format("--mf-time-limit must be >= 0 (got {})", s.mf_time_limit);
    else if (s.meta_model != "rf" && s.meta_model != "gp" && s.meta_model != "knn" && s.meta_model != "ridge")
        bad = fmt::format("unknown --meta-model '{}' (expected rf, gp, knn or ridge)", s.meta_model);
    else if (s.plan_file.empty() && s.plan != "grid" && s.plan != "random" && s.plan != "sobol")
        bad = fmt::format("unknown --plan '{}' (expected grid, random or sobol)", s.plan);
    if (bad.empty())
        for (const auto& m : s.models)
            if (!is_known_model(m)) {
                bad = fmt::format("unknown --model '{}' (expected {})", m, model_names(" or "));
                break;
            }
    if (bad.empty()) {
        try {
            if (!hpo::is_classification_metric(hpo::metric_from_string(s.metric)))
                bad = fmt::format("--metric '{}' is not a classification metric (expected accuracy, balanced_accuracy, "
                                  "log_loss or roc_auc)",
                                  s.metric);
        } catch (const Error& e) {
            bad = fmt::format("--metric: {}", e.what());
        }
    }
    if (!bad.empty()) {
        fmt::print(stderr, "error: {}\n", bad);
        return 2;
    }

    // the plan file, checked for every chosen model before any dataset is read
    nlohmann::json plan;
    if (!s.plan_file.empty()) {
        try {
            plan = meta::read_json_file(s.plan_file, "--plan-file");
            for (const auto& model : s.models)
                for_each_candidate([&](const auto& c) {
                    using Model = typename std::decay_t<decltype(c)>::model_type;
                    if (is_named<Model>(model)) (void)plan_of<Model>(s, plan);
                });
        } catch (const std::exception& e) {
            fmt::print(stderr, "error: {}\n", e.what());
            return 2;
        }
    }

    if (s.threads <= 0) s.threads = std::max<Index>(1, static_cast<Index>(std::thread::hardware_concurrency()));
    if (s.quick) {
        s.max_samples = std::min<Index>(s.max_samples, 1000);
        s.max_cells = std::min<Index>(s.max_cells, 40000);
    }
    try {
        fs::create_directories(s.out);
        if (s.records.empty()) s.records = (fs::path(s.out) / (s.quick ? "records_quick.jsonl" : "records.jsonl")).string();
        Timer total;
        auto tasks = load_tasks(s);
        fmt::print("{} classification tasks:", tasks.size());
        for (const auto& t : tasks) fmt::print(" {}", t.id);
        fmt::print("\n");
        std::fflush(stdout);
        if (tasks.size() < 4) {
            fmt::print(stderr, "need at least 4 classification tasks (found {}); run scripts/get-datasets or pass --datasets\n",
                       tasks.size());
            return 1;
        }
        if (s.repair_journal && fs::exists(s.records)) {
            const auto repaired = meta::RecordStore::repair(s.records);
            fmt::print("repaired journal {}: kept {} records, moved {} lines to {}\n", s.records, repaired.kept,
                       repaired.rejected, repaired.rejected == 0 ? "(none)" : repaired.rejected_path.string());
        }
        meta::RecordStore store(s.records, [](const std::string& w) { fmt::print(stderr, "warning: {}\n", w); });
        fmt::print("record journal {} ({} records already there)\n", s.records, store.size());

        std::vector<ModelOutcome> outcomes;
        const Index n_trees = s.quick ? 50 : 100;
        for (const auto& model : s.models) {
            // the meta-model is chosen at run time (AnyMetaModel): one outer loop per base model
            meta::AnyMetaModel mm;
            if (s.meta_model == "rf")
                mm = meta::RandomForestMetaModel({.n_estimators = n_trees, .n_threads = 1, .seed = s.seed});
            else if (s.meta_model == "gp")
                mm = meta::GaussianProcessMetaModel({.n_restarts = 1, .max_iterations = 40, .max_samples = 300, .seed = s.seed});
            else if (s.meta_model == "knn")
                mm = meta::KnnMetaModel({.n_neighbors = 20});
            else if (s.meta_model == "ridge")
                mm = meta::RidgeMetaModel({.alpha = 10.0});
            else
                throw ConfigError(fmt::format("unknown --meta-model '{}' (expected rf, gp, knn or ridge)", s.meta_model));
            for_each_candidate([&](const auto& c) {
                using Model = typename std::decay_t<decltype(c)>::model_type;
                if (is_named<Model>(model))
                    outcomes.push_back(run_model<Model>(s, tasks, store, mm, s.quick ? c.quick_budget : c.budget, plan));
            });
        }

        const fs::path out(s.out);
        std::ostringstream csv;
        for (std::size_t i = 0; i < outcomes.size(); ++i) outcomes[i].evaluation.write_csv(csv, i == 0);
        write_file(out / "regret.csv", csv.str(), "regret table");
        store.export_csv(out / "records.csv");
        fmt::print("\nwritten: {} (journal), {}, {}\n", s.records, (out / "records.csv").string(), (out / "regret.csv").string());
        plot(outcomes, out, find_plot_script(s.plot_script, argv[0]));
        fmt::print("total {:.1f} s\n", total.seconds());
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
    return 0;
}
