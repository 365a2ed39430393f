// Hyperparameter prediction end to end on real datasets.
//
// For every classification dataset found (ARFF/CSV/TSV, recursively) and every chosen base
// model: meta-features, then a plan of configurations evaluated by stratified k-fold CV (records
// appended to a resumable JSON Lines journal), then a leave-one-task-out meta-evaluation of
// warm-start strategies — default config, random config, learned default, nearest datasets,
// greedy portfolio, the meta-model's top-1 and the meta-model-guided search — printed as a
// regret table, written as CSV, and plotted (best-so-far regret vs evaluations) with gnuplot when
// it is installed. Finally the meta-model is refitted on every task and saved.
//
//   hyperparameter_prediction --datasets data --out results            # default run
//   hyperparameter_prediction --quick                                  # about a minute
//   hyperparameter_prediction --datasets data --datasets <pmlb folder> # more tasks
//
// Interrupt it at any time: rerunning with the same --records file does only the missing work.

#include <metalearn/data.hpp>
#include <metalearn/hpo.hpp>
#include <metalearn/meta.hpp>
#include <metalearn/metafeatures.hpp>
#include <metalearn/models.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace metalearn;

namespace {

struct Settings {
    std::vector<std::string> datasets{"data"};
    std::vector<std::string> models{"logistic_regression", "decision_tree"};
    std::string plan = "sobol";
    Index budget = 0;  // 0 = per-model default
    std::string plan_file;
    std::string metric = "balanced_accuracy";
    Index folds = 3;
    std::uint64_t seed = 0;
    Index threads = 0;
    std::string records;
    std::string out = "results";
    std::string meta_model = "rf";
    Index max_samples = 5000;
    Index max_cells = 300000;
    double time_budget = 30.0;
    bool quick = false;
};

struct Timer {
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    [[nodiscard]] double seconds() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
};

// FNV-1a hash of a dataset's content (rows of X with their label, in any row order, and the
// shape), to spot exact duplicates such as the same table shipped as ARFF and as CSV.
std::uint64_t content_hash(const data::Dataset& d) {
    auto fnv = [](std::uint64_t h, const void* p, std::size_t n) {
        const auto* b = static_cast<const unsigned char*>(p);
        for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ULL;
        return h;
    };
    constexpr std::uint64_t basis = 14695981039346656037ULL;
    std::vector<std::uint64_t> rows(static_cast<std::size_t>(d.n_samples()));
    for (Index i = 0; i < d.n_samples(); ++i) {
        std::uint64_t h = basis;
        for (Index j = 0; j < d.n_features(); ++j) {
            const double v = d.X()(i, j) == 0.0 ? 0.0 : d.X()(i, j);  // -0 == +0
            h = fnv(h, &v, sizeof v);
        }
        const double y = d.y()[i];
        rows[static_cast<std::size_t>(i)] = fnv(h, &y, sizeof y);
    }
    std::sort(rows.begin(), rows.end());
    const Index dims[3] = {d.n_samples(), d.n_features(), static_cast<Index>(d.class_counts().size())};
    std::uint64_t h = fnv(basis, dims, sizeof dims);
    return fnv(h, rows.data(), rows.size() * sizeof(std::uint64_t));
}

// Read every classification dataset under the given folders; skip the others with a message.
// Task ids are the file paths relative to their folder (unique: a clash across folders gets the
// folder prefixed); a dataset whose content is identical to an earlier one (same rows and labels,
// in any order) is skipped, and so is another version of the same data: a file whose name,
// without variant suffixes (".2D", "-train", "-test", "-challenge"), equals a kept one's, e.g.
// scikit-learn's iris.csv and Weka's iris.2D.arff beside Weka's iris.arff, or segment-test beside
// segment-challenge. Leave-one-task-out must never train on one copy of a dataset and evaluate on
// another.
std::vector<meta::Task> load_tasks(const Settings& s) {
    std::vector<meta::Task> tasks;
    std::map<std::uint64_t, std::string> seen_content;
    std::map<std::string, int> seen_ids;
    std::map<std::string, std::string> seen_stems;  // data family ("iris") -> first id of it
    for (const auto& folder : s.datasets) {
        std::vector<fs::path> files;
        try {
            files = data::list_dataset_files(folder, /*recursive=*/true);
        } catch (const Error& e) {
            fmt::print(stderr, "skip folder {}: {}\n", folder, e.what());
            continue;
        }
        for (const auto& f : files) {
            std::string id = fs::relative(f, folder).generic_string();
            if (seen_ids.count(id)) id = (fs::path(folder) / id).generic_string();
            if (seen_ids.count(id)) id += fmt::format("#{}", seen_ids.size());
            try {
                data::ReadOptions ro;
                data::Dataset d = data::read_dataset(f, ro);
                if (!d.is_classification()) {
                    fmt::print(stderr, "skip {}: regression task\n", id);
                    continue;
                }
                if (d.n_samples() > s.max_samples || d.n_samples() * std::max<Index>(d.n_features(), 1) > s.max_cells) {
                    fmt::print(stderr, "skip {}: too large ({} x {}; limits --max-samples {}, {} cells)\n", id,
                               d.n_samples(), d.n_features(), s.max_samples, s.max_cells);
                    continue;
                }
                Index present = 0;
                for (Index c : d.class_counts()) present += c > 0 ? 1 : 0;
                if (present < 2 || d.n_features() == 0) {
                    fmt::print(stderr, "skip {}: {} classes present, {} features\n", id, present, d.n_features());
                    continue;
                }
                const std::uint64_t h = content_hash(d);
                if (auto it = seen_content.find(h); it != seen_content.end()) {
                    fmt::print(stderr, "skip {}: same data as {}\n", id, it->second);
                    continue;
                }
                fs::path name = f.filename();
                if (name.extension() == ".gz") name = name.stem();
                // One task per data family: "iris" for iris.arff, iris.csv.gz and iris.2D.arff;
                // "segment" for segment-challenge.arff and segment-test.arff.
                std::string family = name.stem().string();
                family = family.substr(0, family.find('.'));
                for (const char* suffix : {"-train", "-test", "-challenge"})
                    if (family.size() > std::strlen(suffix) && family.ends_with(suffix))
                        family.resize(family.size() - std::strlen(suffix));
                if (auto it = seen_stems.find(family); it != seen_stems.end()) {
                    fmt::print(stderr, "skip {}: another version of the same data as {}\n", id, it->second);
                    continue;
                }
                seen_stems.emplace(family, id);
                seen_content.emplace(h, id);
                seen_ids.emplace(id, 0);
                tasks.push_back({id, std::move(d)});
            } catch (const std::exception& e) {
                fmt::print(stderr, "skip {}: {}\n", id, e.what());
            }
        }
    }
    return tasks;
}

struct ModelOutcome {
    std::string model;
    meta::MetaEvaluation evaluation;
};

template <models::BaseModel Model, meta::MetaModel MM>
ModelOutcome run_model(const Settings& s, const std::vector<meta::Task>& tasks, meta::RecordStore& store, const MM& mm,
                       Index default_budget) {
    meta::MetaLearnerOptions opts;
    opts.n_folds = s.folds;
    opts.metric = hpo::metric_from_string(s.metric);
    opts.seed = s.seed;
    opts.n_threads = s.threads;
    opts.time_budget_seconds = s.time_budget;
    opts.meta_features.time_limit_per_group = std::chrono::milliseconds(s.quick ? 500 : 3000);
    if (s.quick)
        opts.meta_features.groups = {metafeatures::Group::general, metafeatures::Group::statistical,
                                     metafeatures::Group::info_theory};
    meta::MetaLearner<Model, MM> learner(store, opts, Model(), mm);
    if (!s.plan_file.empty())
        learner.set_plan_from_file(s.plan_file);
    else
        learner.set_plan(meta::plan_kind_from_string(s.plan), s.budget > 0 ? s.budget : default_budget);

    const std::string name(Model::name);
    fmt::print("\n== {}: {} tasks x {} configs, {}-fold CV, metric {}\n", name, tasks.size(), learner.plan().size(),
               s.folds, s.metric);
    Timer timer;
    std::size_t small_class_warnings = 0;
    const auto summary = learner.collect(tasks, StderrProgressBar("evaluations " + name),
                                         [&](const std::string&) { ++small_class_warnings; });
    std::string first_failure;
    if (summary.failed > 0) {
        const std::string metric(hpo::to_string(opts.metric));
        for (const auto& r : store.snapshot())
            if (r.model == name && r.metric == metric && r.n_folds == s.folds && r.seed == s.seed &&
                r.status == meta::RecordStatus::failed) {
                first_failure = fmt::format("; first: {}: {}", r.task_id, r.error);
                break;
            }
    }
    fmt::print("evaluated {} (reused {} from the journal), {} failed{}, {} timed out, in {:.1f} s{}\n", summary.evaluated,
               summary.reused, summary.failed, first_failure, summary.timed_out, timer.seconds(),
               small_class_warnings ? fmt::format(" ({} small-class warnings)", small_class_warnings) : "");
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
    std::ofstream(model_file) << predictor.to_json().dump() << '\n';
    const auto suggestions = learner.suggest(tasks.front().dataset, 3, {.n_candidates = 256, .seed = s.seed});
    fmt::print("meta-model saved to {}; top-3 for {} (in-sample, for illustration):\n", model_file.string(),
               tasks.front().id);
    fmt::print("  (\"predicted\" is a normalised score: 1 = the best config of the task's plan, 0 = its worst)\n");
    for (const auto& sg : suggestions)
        fmt::print("  {}  predicted {:.3f} ± {:.3f}\n", sg.config.dump(), sg.predicted, sg.std);
    std::fflush(stdout);
    return {name, std::move(evaluation)};
}

bool have_gnuplot() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

void plot(const std::vector<ModelOutcome>& outcomes, const fs::path& out) {
    const std::vector<std::string> curves{"random", "portfolio", "nearest datasets", "meta-model guided"};
    const fs::path script = out / "regret_curves.gp";
    std::ofstream gp(script);
    gp << "set terminal pngcairo size " << 640 * outcomes.size() << ",480 noenhanced\n";
    gp << "set output '" << (out / "regret_curves.png").string() << "'\n";
    gp << "set multiplot layout 1," << outcomes.size() << "\n";
    gp << "set logscale x\nset xlabel 'evaluations k'\nset ylabel 'mean best-so-far normalised regret'\nset key top right\n"
          "set grid\nset yrange [0:*]\n";
    for (const auto& o : outcomes) {
        const fs::path datafile = out / fmt::format("regret_curves_{}.dat", o.model);
        std::ofstream d(datafile);
        d << "# k";
        for (const auto& c : curves) d << " \"" << c << "\"";
        d << '\n';
        for (std::size_t b = 0; b < o.evaluation.budgets.size(); ++b) {
            d << o.evaluation.budgets[b];
            for (const auto& c : curves)
                for (const auto& st : o.evaluation.strategies)
                    if (st.name == c) d << ' ' << st.curve[b].mean;
            d << '\n';
        }
        gp << "set title '" << o.model << " (" << o.evaluation.task_ids.size() << " tasks)'\n";
        gp << "plot ";
        for (std::size_t c = 0; c < curves.size(); ++c)
            gp << (c ? ", " : "") << "'" << datafile.string() << "' using 1:" << c + 2 << " with linespoints title '"
               << curves[c] << "'";
        gp << '\n';
    }
    gp << "unset multiplot\n";
    gp.close();
    if (!have_gnuplot()) {
        fmt::print("gnuplot not found: install it (Debian: apt-get install gnuplot-nox) and run `gnuplot {}`\n",
                   script.string());
        return;
    }
    if (std::system(fmt::format("gnuplot '{}'", script.string()).c_str()) == 0)
        fmt::print("plot written to {}\n", (out / "regret_curves.png").string());
    else
        fmt::print("gnuplot failed; the script is {}\n", script.string());
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    CLI::App app{"Meta-learning of hyperparameters on real datasets: records, meta-model, leave-one-task-out regret"};
    app.add_option("--datasets", s.datasets, "folders scanned recursively for ARFF/CSV/TSV datasets")->capture_default_str();
    app.add_option("--model", s.models, "base models: logistic_regression, decision_tree, knn")->capture_default_str();
    app.add_option("--plan", s.plan, "plan of configurations: grid, random or sobol")->capture_default_str();
    auto* budget_opt = app.add_option("--budget", s.budget, "configurations per plan (0 = 24 for logistic regression, 48 otherwise)");
    app.add_option("--plan-file", s.plan_file, "JSON file with an array of configurations (overrides --plan)");
    app.add_option("--metric", s.metric, "accuracy, balanced_accuracy, log_loss, roc_auc")->capture_default_str();
    app.add_option("--folds", s.folds, "stratified CV folds")->capture_default_str();
    app.add_option("--seed", s.seed, "global seed")->capture_default_str();
    auto* threads_opt = app.add_option("--threads", s.threads, "worker threads (0 = all cores)");
    app.add_option("--records", s.records, "record journal (default <out>/records.jsonl); resumable");
    app.add_option("--out", s.out, "output folder")->capture_default_str();
    app.add_option("--meta-model", s.meta_model, "rf, gp, knn or ridge")->capture_default_str();
    app.add_option("--max-samples", s.max_samples, "skip datasets with more rows")->capture_default_str();
    app.add_option("--max-cells", s.max_cells, "skip datasets with more rows x features")->capture_default_str();
    app.add_option("--time-budget", s.time_budget, "seconds per evaluation, checked between folds (0 = none)")
        ->capture_default_str();
    app.add_flag("--quick", s.quick, "small plans and cheap meta-features (about a minute)");
    CLI11_PARSE(app, argc, argv);

    // validate every option before reading any dataset
    std::string bad;
    if (s.folds < 2) bad = fmt::format("--folds must be >= 2 (got {})", s.folds);
    else if (threads_opt->count() > 0 && (s.threads < 1 || s.threads > 256))
        bad = fmt::format("--threads must be in 1..256 (got {})", s.threads);
    else if (budget_opt->count() > 0 && s.budget < 1) bad = fmt::format("--budget must be >= 1 (got {})", s.budget);
    else if (s.max_cells <= 0) bad = fmt::format("--max-cells must be > 0 (got {})", s.max_cells);
    else if (s.max_samples <= 0) bad = fmt::format("--max-samples must be > 0 (got {})", s.max_samples);
    else if (!(s.time_budget >= 0.0)) bad = fmt::format("--time-budget must be >= 0 (got {})", s.time_budget);
    else if (s.meta_model != "rf" && s.meta_model != "gp" && s.meta_model != "knn" && s.meta_model != "ridge")
        bad = fmt::format("unknown --meta-model '{}' (expected rf, gp, knn or ridge)", s.meta_model);
    else if (s.plan_file.empty() && s.plan != "grid" && s.plan != "random" && s.plan != "sobol")
        bad = fmt::format("unknown --plan '{}' (expected grid, random or sobol)", s.plan);
    if (bad.empty())
        for (const auto& m : s.models)
            if (m != "logistic_regression" && m != "decision_tree" && m != "knn") {
                bad = fmt::format("unknown --model '{}' (expected logistic_regression, decision_tree or knn)", m);
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
        meta::RecordStore store(s.records, [](const std::string& w) { fmt::print(stderr, "warning: {}\n", w); });
        fmt::print("record journal {} ({} records already there)\n", s.records, store.size());

        std::vector<ModelOutcome> outcomes;
        const Index n_trees = s.quick ? 50 : 100;
        for (const auto& model : s.models) {
            auto dispatch = [&](const auto& mm) {
                using MM = std::decay_t<decltype(mm)>;
                if (model == "logistic_regression")
                    outcomes.push_back(run_model<models::LogisticRegression, MM>(s, tasks, store, mm, s.quick ? 10 : 24));
                else if (model == "decision_tree")
                    outcomes.push_back(run_model<models::DecisionTreeClassifier, MM>(s, tasks, store, mm, s.quick ? 16 : 48));
                else if (model == "knn")
                    outcomes.push_back(run_model<models::KNeighborsClassifier, MM>(s, tasks, store, mm, s.quick ? 12 : 30));
                else
                    throw ConfigError(fmt::format("unknown --model '{}' (expected logistic_regression, decision_tree or knn)", model));
            };
            if (s.meta_model == "rf")
                dispatch(meta::RandomForestMetaModel({.n_estimators = n_trees, .n_threads = 1, .seed = s.seed}));
            else if (s.meta_model == "gp")
                dispatch(meta::GaussianProcessMetaModel({.n_restarts = 1, .max_iterations = 40, .max_samples = 300, .seed = s.seed}));
            else if (s.meta_model == "knn")
                dispatch(meta::KnnMetaModel({.n_neighbors = 20}));
            else if (s.meta_model == "ridge")
                dispatch(meta::RidgeMetaModel({.alpha = 10.0}));
            else
                throw ConfigError(fmt::format("unknown --meta-model '{}' (expected rf, gp, knn or ridge)", s.meta_model));
        }

        const fs::path out(s.out);
        {
            std::ofstream csv(out / "regret.csv");
            for (std::size_t i = 0; i < outcomes.size(); ++i) outcomes[i].evaluation.write_csv(csv, i == 0);
        }
        store.export_csv(out / "records.csv");
        fmt::print("\nwritten: {} (journal), {}, {}\n", s.records, (out / "records.csv").string(), (out / "regret.csv").string());
        plot(outcomes, out);
        fmt::print("total {:.1f} s\n", total.seconds());
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
    return 0;
}
