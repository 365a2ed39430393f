// Build the knowledge files that ship with the library (share/knowledge/<model>.json).
//
// For every classification dataset found (one task per data family, as the main example), tables
// with more rows than --max-rows or more cells than --max-cells are replaced by a seeded stratified
// subsample (said in the provenance); every base model's plan (--budget Sobol configurations of its full search space,
// plus its default) is evaluated by stratified k-fold CV into a resumable journal; then each
// model's `meta::Knowledge` is fitted on every task and written to --out.
//
//   build_knowledge --datasets data --datasets ../shared/datasets/pmlb --out share/knowledge
//   build_knowledge --model logistic_regression --budget 8 --datasets data/weka   # a small rebuild
//
// Interrupt it at any time: rerunning with the same --records journal does only the missing work.
// The same journal, seed and options give bit-identical knowledge files.
//
// Built with the MPI component (METALEARN_MPI), `--mpi` spreads the evaluations (mpi::collect)
// and the leave-one-task-out evaluation (mpi::evaluate) over the ranks of an MPI job; rank 0
// writes the journal and the knowledge files, which are those of a single-process run (but for
// the command line recorded in their provenance).
//
//   mpirun -np 4 build_knowledge --mpi --datasets data --out share/knowledge

#include "out_of_memory.hpp"
#include "seed_option.hpp"

#include <metalearn/core/progress.hpp>
#include <metalearn/data/checksum.hpp>
#include <metalearn/data/corpus.hpp>
#include <metalearn/meta/evaluation.hpp>
#include <metalearn/meta/knowledge.hpp>
#include <metalearn/meta/meta_learner.hpp>
#include <metalearn/meta/meta_learner_impl.hpp>  // MetaLearner of every model (needed in the compiled mode)
#include <metalearn/models/decision_tree.hpp>
#include <metalearn/models/gradient_boosting.hpp>
#include <metalearn/models/knn.hpp>
#include <metalearn/models/logistic_regression.hpp>
#include <metalearn/models/mlp.hpp>
#include <metalearn/models/random_forest.hpp>
#include <metalearn/models/svm.hpp>

#ifdef METALEARN_EXAMPLE_MPI
#include <metalearn/mpi.hpp>
#endif

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace fs = std::filesystem;
using namespace metalearn;

namespace {

struct Settings {
    std::vector<std::string> datasets{"data"};
    std::vector<std::string> models;  // empty = all
    Index budget = 64;
    Index folds = 3;
    std::uint64_t seed = 0;
    Index threads = 0;
    Index max_rows = 5000;
    Index max_cells = 2'000'000;
    double time_budget = 120.0;
    std::string time_budget_clock = "cpu";
    bool retry_timeouts = false;
    std::string records = "knowledge-records.jsonl";
    std::string out = "share/knowledge";
    std::string command;
    std::string built;
    bool evaluate = false;
    bool mpi = false;   // --mpi: over the ranks of an MPI job
    bool root = true;   // this process prints and writes (rank 0, or no MPI)
    meta::RandomForestMetaModelParams meta_model{};  // the shipped meta-model (trees, leaf size, depth)
};

const std::tuple<models::LogisticRegression, models::DecisionTreeClassifier, models::KNeighborsClassifier,
                 models::RandomForestClassifier, models::MLPClassifier, models::GradientBoostingClassifier, models::SVC>
    all_models;

template <class F>
void for_each_model(F&& f) {
    std::apply([&](const auto&... m) { (f(m), ...); }, all_models);
}

std::string model_list() {
    std::string s;
    for_each_model([&](const auto& m) { s += (s.empty() ? "" : ", ") + std::string(std::decay_t<decltype(m)>::name); });
    return s;
}

struct Corpus {
    std::vector<meta::Task> tasks;
    meta::KnowledgeProvenance provenance;
};

Corpus load(const Settings& s) {
    data::CorpusOptions options;
    options.task = data::TaskType::classification;
    options.max_samples = s.max_rows;
    options.max_cells = s.max_cells;
    options.subsample = true;  // larger tables: a seeded stratified subsample, not skipped
    options.subsample_seed = s.seed;
    auto corpus = data::load_corpus(std::vector<fs::path>(s.datasets.begin(), s.datasets.end()), options);
    Corpus c;
    for (const auto& skipped : corpus.skipped) {
        const auto text = fmt::format("skipped {}: {}", skipped.path.string(), skipped.message);
        if (s.root) fmt::print(stderr, "{}\n", text);
        c.provenance.notes.push_back(text);
    }
    for (auto& t : corpus.tasks) {
        meta::KnowledgeTask info{t.id,
                                 t.dataset.name(),
                                 t.dataset.n_samples(),
                                 t.dataset.n_features(),
                                 t.dataset.n_classes(),
                                 data::table_checksum(t.dataset),
                                 t.subsampled_from > 0 ? fmt::format("stratified subsample of {} of {} rows",
                                                                     t.dataset.n_samples(), t.subsampled_from)
                                                       : std::string()};
        if (!t.dropped_columns.empty())
            info.note += fmt::format("{}identifier column(s) dropped: {}", info.note.empty() ? "" : "; ",
                                     fmt::join(t.dropped_columns, ", "));
        c.provenance.tasks.push_back(std::move(info));
        c.tasks.push_back({t.id, std::move(t.dataset)});
    }
    return c;
}

// The journal: one store, or with --mpi the sharded journal of the ranks.
struct Journal {
    meta::RecordStore* store = nullptr;
#ifdef METALEARN_EXAMPLE_MPI
    mpi::ShardedJournal* sharded = nullptr;
#endif
};

// Replace the rows of `evaluation.model` in `<out>/loo-regret.csv` (`MetaEvaluation::write_csv`'s
// columns), where they were (appended when new; other models' rows kept as they are), the table
// scripts/plot-knowledge.gp draws. A file that is not such a table is refused, never overwritten.
void update_loo_csv(const fs::path& file, const meta::MetaEvaluation& evaluation) {
    std::istringstream fresh([&] {
        std::ostringstream os;
        evaluation.write_csv(os, true);
        return os.str();
    }());
    std::string header;
    std::getline(fresh, header);
    std::vector<std::string> rows;
    for (std::string line; std::getline(fresh, line);) rows.push_back(line);
    std::vector<std::string> lines{header};
    bool placed = false;
    std::error_code ec;
    if (fs::exists(file, ec)) {
        std::ifstream in(file);
        std::string first;
        if (!in || !std::getline(in, first) || first != header)
            throw IoError(fmt::format("build_knowledge: '{}' exists and is not a leave-one-task-out table written by "
                                      "build_knowledge --evaluate (its first line is not '{}'); move it away or pass "
                                      "another --out",
                                      file.string(), header));
        for (std::string line; std::getline(in, line);) {
            if (line.empty()) continue;
            if (line.rfind(evaluation.model + ",", 0) != 0) {
                lines.push_back(line);
            } else if (!placed) {
                lines.insert(lines.end(), rows.begin(), rows.end());
                placed = true;
            }
        }
    }
    if (!placed) lines.insert(lines.end(), rows.begin(), rows.end());
    const fs::path tmp = fs::path(file).concat(".tmp");
    {
        std::ofstream out(tmp, std::ios::trunc);
        for (const auto& line : lines) out << line << '\n';
        out.flush();
        if (!out) throw IoError(fmt::format("build_knowledge: cannot write '{}'", tmp.string()));
    }
    fs::rename(tmp, file, ec);
    if (ec) {
        fs::remove(tmp, ec);
        throw IoError(fmt::format("build_knowledge: cannot replace '{}' by the new table", file.string()));
    }
    fmt::print("   leave-one-task-out table written to {}\n", file.string());
}

template <models::BaseModel Model>
void build(const Settings& s, const Corpus& corpus, Journal& journal) {
    meta::MetaLearnerOptions opts;
    opts.n_folds = s.folds;
    opts.seed = s.seed;
    opts.n_threads = s.threads;
    opts.time_budget_seconds = s.time_budget;
    opts.time_budget_clock = s.time_budget_clock == "wall" ? meta::BudgetClock::wall : meta::BudgetClock::thread_cpu;
    opts.retry_timeouts = s.retry_timeouts;
    const meta::RandomForestMetaModel meta_model(s.meta_model);
    meta::MetaLearner<Model> learner(*journal.store, opts, Model(), meta_model);
    learner.set_plan(meta::PlanKind::sobol, s.budget);
    const std::string name(Model::name);
    if (s.root)
        fmt::print("== {}: {} tasks x {} configs, {}-fold CV, balanced accuracy\n", name, corpus.tasks.size(),
                   learner.plan().size(), s.folds);
    std::fflush(stdout);
    const auto t0 = std::chrono::steady_clock::now();
    const ProgressCallback bar = s.root ? ProgressCallback(StderrProgressBar("evaluations " + name)) : ProgressCallback();
    const WarningCallback warn = [&s](const std::string& w) {
        if (s.root) fmt::print(stderr, "warning: {}\n", w);
    };
    meta::CollectSummary summary;
#ifdef METALEARN_EXAMPLE_MPI
    if (journal.sharded) summary = mpi::collect(*journal.sharded, learner, corpus.tasks, bar, warn).summary;
    else
#endif
        summary = learner.collect(corpus.tasks, bar, warn);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s.root)
        fmt::print("   {} evaluated ({} failed: {} with an error, {} past the time budget), {} reused, {:.0f} s\n",
                   summary.evaluated, summary.failed + summary.timed_out, summary.failed, summary.timed_out,
                   summary.reused, seconds);
    if (summary.stopped) return;
    const auto write_knowledge = [&] {  // rank 0's journal holds every record
        if (!s.root) return;
        auto provenance = corpus.provenance;
        provenance.command = s.command;
        provenance.built = s.built;
        const auto knowledge = meta::Knowledge<Model>::fit(learner.table(), learner.space(), opts.metric, s.folds, s.seed,
                                                           opts.meta_features, provenance, meta_model);
        const fs::path file = fs::path(s.out) / (name + ".json");
        knowledge.save(file);
        fmt::print("   wrote {} ({:.0f} KB)\n", file.string(), static_cast<double>(fs::file_size(file)) / 1024.0);
        std::fflush(stdout);
    };
#ifdef METALEARN_EXAMPLE_MPI
    // a failure on rank 0 (a folder not writable) reaches every rank, which would otherwise wait
    if (journal.sharded) mpi::all_or_none(journal.sharded->comm(), write_knowledge);
    else
#endif
        write_knowledge();
    if (s.evaluate) {
        // leave-one-task-out: each held-out task predicted by strategies fitted without it
        auto strategies = meta::MetaLearner<Model>::default_strategies(meta_model);
        // what zero_shot(data, k) returns: the meta-model's picks diversified as Knowledge::suggest's
        strategies.push_back([meta_model] {
            return std::make_unique<meta::MetaModelStrategy<meta::RandomForestMetaModel>>(
                meta_model, "meta-model diversified", "meta-model", meta::SpaceSearchOptions{}.min_distance);
        });
        const ProgressCallback loo_bar =
            s.root ? ProgressCallback(StderrProgressBar("leave-one-task-out " + name)) : ProgressCallback();
        meta::MetaEvaluation evaluation;
#ifdef METALEARN_EXAMPLE_MPI
        if (journal.sharded)
            evaluation = mpi::evaluate(journal.sharded->comm(), learner, strategies, meta::EvaluationOptions{}, loo_bar);
        else
#endif
            evaluation = learner.evaluate(strategies, meta::EvaluationOptions{}, loo_bar);
        if (!s.root) return;
        fmt::print("{}", evaluation.format_table());
        update_loo_csv(fs::path(s.out) / "loo-regret.csv", evaluation);
        // how often each strategy's first pick beats the package default's on the held-out task
        const auto def = std::find_if(evaluation.strategies.begin(), evaluation.strategies.end(),
                                      [](const auto& r) { return r.name == "default"; });
        if (def != evaluation.strategies.end())
            for (const auto& r : evaluation.strategies) {
                std::size_t better = 0, tied = 0;
                for (std::size_t t = 0; t < r.regret_at_1.size(); ++t) {
                    better += r.regret_at_1[t] < def->regret_at_1[t] - 1e-12 ? 1 : 0;
                    tied += std::abs(r.regret_at_1[t] - def->regret_at_1[t]) <= 1e-12 ? 1 : 0;
                }
                fmt::print("{:<22} first pick better than the default on {:5.1f} % of the tasks, as good on {:5.1f} %\n",
                           r.name, 100.0 * static_cast<double>(better) / static_cast<double>(r.regret_at_1.size()),
                           100.0 * static_cast<double>(tied) / static_cast<double>(r.regret_at_1.size()));
            }
    }
}

int run(Settings& s, int argc, char** argv) {

    CLI::App app{"Build the knowledge files of metalearn (zero-shot hyperparameters) from a corpus of real datasets"};
    app.add_option("--datasets", s.datasets, "folders scanned recursively for ARFF/CSV/TSV datasets")->capture_default_str();
    app.add_option("--model", s.models, "base models (default: all; the suffix _classifier may be left out): " + model_list());
    app.add_option("--budget", s.budget, "Sobol configurations per model (plus the default)")->capture_default_str()->check(CLI::Range(1, 100000));
    app.add_option("--folds", s.folds, "stratified CV folds")->capture_default_str()->check(CLI::Range(2, 100));
    app.add_option("--seed", s.seed, "global seed (folds, plans, subsamples)")->capture_default_str()->check(non_negative_seed());
    app.add_option("--threads", s.threads, "worker threads (0 = all cores)")->capture_default_str()->check(CLI::NonNegativeNumber);
    app.add_option("--max-rows", s.max_rows, "larger tables are replaced by a stratified subsample of this many rows")->capture_default_str()->check(CLI::Range(Index{10}, Index{100000000}));
    app.add_option("--max-cells", s.max_cells, "larger tables (rows x features) are subsampled to fit")->capture_default_str();
    app.add_option("--time-budget", s.time_budget, "seconds per evaluation, checked between folds (0 = none)")->capture_default_str()->check(CLI::Range(0.0, 1e9));
    app.add_option("--time-budget-clock", s.time_budget_clock,
                   "what the time budget counts: cpu (the evaluating thread's CPU seconds, the same on a loaded machine) or wall")
        ->capture_default_str()->check(CLI::IsMember({"cpu", "wall"}));
    app.add_flag("--retry-timeouts", s.retry_timeouts,
                 "evaluate again the journal's evaluations that exceeded their time budget, e.g. with a larger "
                 "--time-budget (the journal keeps both lines; the later record counts)");
    app.add_option("--records", s.records, "record journal (resumable)")->capture_default_str();
    app.add_option("--out", s.out, "folder of the knowledge files")->capture_default_str();
    app.add_option("--meta-trees", s.meta_model.n_estimators, "trees of the random-forest meta-model")->capture_default_str()->check(CLI::Range(Index{1}, Index{10000}));
    app.add_option("--meta-min-leaf", s.meta_model.min_samples_leaf, "minimum rows per leaf of the meta-model's trees")->capture_default_str()->check(CLI::Range(Index{1}, Index{100000}));
    app.add_option("--meta-max-depth", s.meta_model.max_depth, "maximum depth of the meta-model's trees (0 = unlimited)")->capture_default_str()->check(CLI::NonNegativeNumber);
    app.add_flag("--evaluate", s.evaluate, "also print the leave-one-task-out regret table of each model (and write its rows to <out>/loo-regret.csv)");
    app.add_option("--built", s.built, "build date written to the provenance (default: today, UTC)");
#ifdef METALEARN_EXAMPLE_MPI
    app.add_flag("--mpi", s.mpi, "spread the evaluations over the ranks of an MPI job (mpirun -np N build_knowledge --mpi ...)");
#endif
    CLI11_PARSE(app, argc, argv);
    for (auto& m : s.models) {
        bool known = false;
        // short names as tune and the main example take them: decision_tree → decision_tree_classifier
        for_each_model([&](const auto& model) {
            const std::string full(std::decay_t<decltype(model)>::name);
            if (full == m + "_classifier") m = full;
        });
        for_each_model([&](const auto& model) { known = known || m == std::decay_t<decltype(model)>::name; });
        if (!known) throw ConfigError(fmt::format("--model: unknown model '{}' (expected one of {})", m, model_list()));
    }
    for (int i = 0; i < argc; ++i) s.command += (i ? " " : "") + std::string(argv[i]);
    if (s.built.empty()) {
        const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&now));
        s.built = buf;
    }
#ifdef METALEARN_EXAMPLE_MPI
    std::optional<mpi::Environment> env;
    if (s.mpi) {
        env.emplace(argc, argv);
        s.root = env->rank() == 0;
    }
#endif
    Corpus corpus;
    const auto prepare = [&] {  // every rank reads the corpus (and fails alike)
        if (s.root) fs::create_directories(s.out);
        corpus = load(s);
    };
    Journal journal;
    std::optional<meta::RecordStore> store;
#ifdef METALEARN_EXAMPLE_MPI
    std::optional<mpi::ShardedJournal> sharded;
    if (s.mpi) {
        mpi::all_or_none(MPI_COMM_WORLD, prepare);
        sharded.emplace(MPI_COMM_WORLD, s.records);
        journal.sharded = &*sharded;
        journal.store = &sharded->store();
    } else
#endif
    {
        prepare();
        journal.store = &store.emplace(s.records);
    }
    if (s.root) fmt::print("{} tasks\n", corpus.tasks.size());
    for_each_model([&](const auto& model) {
        using Model = std::decay_t<decltype(model)>;
        if (s.models.empty() || std::find(s.models.begin(), s.models.end(), Model::name) != s.models.end())
            build<Model>(s, corpus, journal);
    });
#ifdef METALEARN_EXAMPLE_MPI
    if (sharded) sharded->close();
#endif
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    try {
        return run(s, argc, argv);
    } catch (const metalearn::Error& e) {
        // with --mpi every rank throws the same error: rank 0 says it
        if (s.root) fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    } catch (const std::bad_alloc&) {
        if (s.root) print_out_of_memory("error");
        return 1;
    }
}
