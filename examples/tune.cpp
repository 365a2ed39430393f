// Tune a model on your own dataset by stratified k-fold CV balanced accuracy, warm-started from
// the knowledge shipped with the library (share/knowledge/<model>.json): its top three picks are
// the first trials and its prediction is the Bayesian optimisation's prior mean.
//
//   tune data/sklearn/breast_cancer.csv                       # logistic regression, 30 trials
//   tune DATASET --model random_forest --trials 50 --threads 2 --knowledge my.json
//   tune DATASET --records results/records.jsonl              # warm start from the main example's records
//   tune DATASET --cold                                       # plain Bayesian optimisation
//   tune DATASET --compare-random                             # and random search beside it, with a plot
//   tune DATASET --method random                              # plain random search as the study
//   tune DATASET --time-budget 60 --trace trace.tsv           # stop asking after 60 s; one line per trial
//
// The study is journalled (--journal, default tune-<model's name>.jsonl, e.g.
// tune-random_forest_classifier.jsonl): run the same command again
// to continue it after an interruption, or with a larger --trials to extend it. The journal
// records the data's checksum, the metric, the folds and the seed: a journal of another
// dataset or setting is refused instead of mixing its scores into this study.
//
// --compare-random also runs random search for the same number of trials (its own journal,
// <journal>.random.jsonl, resumable as well; its own seed, derived from --seed, so that its
// draws are not the cold study's initial design), prints both best-so-far curves with their gap to
// the best score either found, writes them to <journal>.dat and, when gnuplot is installed,
// plots them to <journal>.png.
//
// --time-budget SECONDS stops asking new trials once that much wall time has passed since the
// program started (reading the data and the warm start included); trials in flight finish, and
// --trials still applies (whichever comes first; without --trials, only the budget). Under a budget
// the trials are asked --threads at a time (instead of TunerOptions::batch_size's 4), so the budget
// is checked after every round and at most --threads trials run past it. --trace FILE writes one
// TSV line per trial of this run as it is told: trial number, wall seconds since the program
// started, process CPU seconds, score and best score so far of the study.
//
// Built with the MPI component (METALEARN_MPI), `--mpi` evaluates the trials on the ranks of an
// MPI job (metalearn/mpi/tuner.hpp): rank 0 owns the study and its journal, every rank reads the
// dataset and cross-validates the trials it is handed. The trials are those of a single-process
// run with the same seed, whatever the number of ranks (`--async` trades that for no waiting).
//
//   mpirun -np 4 tune DATASET --mpi --trials 100
#include "out_of_memory.hpp"
#include "seed_option.hpp"

#include <metalearn/core/progress.hpp>
#include <metalearn/data/checksum.hpp>
#include <metalearn/data/read.hpp>
#include <metalearn/data/split.hpp>
#include <metalearn/hpo/cross_validate.hpp>
#include <metalearn/hpo/tuner.hpp>
#include <metalearn/meta/new_task.hpp>
#include <metalearn/meta/record_store.hpp>
#include <metalearn/meta/task_table.hpp>
#include <metalearn/meta/warm_start.hpp>
#include <metalearn/models/decision_tree.hpp>
#include <metalearn/models/gradient_boosting.hpp>
#include <metalearn/models/knn.hpp>
#include <metalearn/models/logistic_regression.hpp>
#include <metalearn/models/mlp.hpp>
#include <metalearn/models/random_forest.hpp>
#include <metalearn/models/svm.hpp>

#ifdef METALEARN_EXAMPLE_MPI
#include <metalearn/mpi/environment.hpp>
#include <metalearn/mpi/tuner.hpp>
#endif

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <ctime>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <cstdint>
#include <limits>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace metalearn;

namespace {

// Whether two paths name the same file (an existing one, through links or relative paths), or
// the same place for a file that does not exist yet.
bool same_file(const std::string& a, const std::string& b) {
    if (a.empty() || b.empty()) return false;
    std::error_code ec;
    if (std::filesystem::exists(a, ec) && std::filesystem::exists(b, ec)) return std::filesystem::equivalent(a, b, ec);
    const auto ca = std::filesystem::weakly_canonical(a, ec);
    if (ec) return false;
    const auto cb = std::filesystem::weakly_canonical(b, ec);
    return !ec && ca == cb;
}

struct Settings {
    std::string dataset;
    std::string model = "logistic_regression";
    Index trials = 30;
    Index threads = 2;
    Index folds = 3;
    std::string journal;    // default tune-<Model::name>.jsonl
    std::string knowledge;  // default: the installed one
    std::string records;    // --records: a knowledge fitted on this record journal instead
    std::string target;     // target column (default: the format's)
    bool cold = false;
    bool compare_random = false;  // --compare-random: random search beside the study, table and plot
    std::string method = "bayesian";  // --method: bayesian or random
    std::optional<double> time_budget;  // --time-budget: seconds of wall time since start, then no new trials
    std::string trace;                  // --trace: TSV of the finished trials (elapsed, CPU, score, best)
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();  // the program's start
    std::uint64_t seed = 0;
    bool mpi = false;    // --mpi: trials evaluated on the ranks of an MPI job
    bool async = false;  // --async: ask and tell as ranks become free
    bool root = true;    // this process prints and owns the study (rank 0, or no MPI)
};

// Run `body` on this process; with --mpi on every rank, and when it throws on any rank, every
// rank throws (so that no rank waits forever for one that failed).
template <class F>
void agree(const Settings& s, F&& body) {
#ifdef METALEARN_EXAMPLE_MPI
    if (s.mpi) {
        mpi::all_or_none(MPI_COMM_WORLD, body);
        return;
    }
#endif
    (void)s;
    body();
}

// Best score after each trial (NaN before the first complete one).
template <class Trial>
std::vector<double> best_so_far(const std::vector<Trial>& trials) {
    std::vector<double> out;
    double best = std::numeric_limits<double>::quiet_NaN();
    for (const auto& t : trials) {
        if (t.state == hpo::TrialState::complete && !(*t.score <= best)) best = *t.score;
        out.push_back(best);
    }
    return out;
}

// The best-so-far table; with random search beside it, also the gap of each to the best score
// either found, the data file and the plot.
void print_curves(const std::vector<double>& study, const std::vector<double>& random, const std::string& journal) {
    const auto cell = [](const std::vector<double>& c, std::size_t n) {
        return n <= c.size() && !std::isnan(c[n - 1]) ? fmt::format("{:.4f}", c[n - 1]) : std::string("-");
    };
    const std::set<std::size_t> rows{1, 3, 5, 10, 25, study.size()};
    if (random.empty()) {
        fmt::print("trial  best so far\n");
        for (std::size_t n : rows)
            if (n <= study.size()) fmt::print("{:>5}  {}\n", n, cell(study, n));
        return;
    }
    double top = std::numeric_limits<double>::quiet_NaN();  // over the trials the table shows
    for (const auto* c : {&study, &random})
        for (std::size_t n = 0; n < c->size() && n < study.size(); ++n)
            if (!((*c)[n] <= top)) top = (*c)[n];
    const auto gap = [&](const std::vector<double>& c, std::size_t n) {
        return n <= c.size() && !std::isnan(c[n - 1]) ? fmt::format("{:.4f}", top - c[n - 1]) : std::string("-");
    };
    fmt::print("trial  best so far: study   random   gap to the best of both ({:.4f}): study   random\n", top);
    for (std::size_t n : rows)
        if (n <= study.size())
            fmt::print("{:>5}  {:>18} {:>8}   {:>37} {:>8}\n", n, cell(study, n), cell(random, n), gap(study, n), gap(random, n));
    const std::string dat = journal + ".dat";
    {
        std::ofstream out(dat);
        out << "# trial, best so far of the study, best so far of random search ('-': none complete yet)\n";
        for (std::size_t n = 1; n <= study.size(); ++n) out << n << ' ' << cell(study, n) << ' ' << cell(random, n) << '\n';
        if (!out) throw IoError(fmt::format("tune: cannot write '{}' ({})", dat, std::strerror(errno)));
    }
    fmt::print("wrote {}\n", dat);
    if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
        fmt::print("gnuplot is not installed: no plot\n");
        return;
    }
    const std::string png = journal + ".png";
    const std::string gp = journal + ".gp";
    const auto quoted = [](const std::string& text) {  // a gnuplot single-quoted string: ' is written ''
        std::string out = "'";
        for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
        return out + "'";
    };
    std::ofstream(gp) << "set terminal pngcairo size 640,480 noenhanced\nset output " << quoted(png)
                      << "\nset xlabel 'trial'\nset ylabel 'best balanced accuracy so far'\nset key bottom right\n"
                         "set datafile missing '-'\nplot "
                      << quoted(dat) << " using 1:2 with steps lw 2 title 'this study', '' using 1:3 with steps lw 2 title 'random search'\n";
    // gnuplot started without a shell: the file names are never interpreted as commands
    std::vector<char*> argv{const_cast<char*>("gnuplot"), const_cast<char*>(gp.c_str()), nullptr};
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, "gnuplot", nullptr, nullptr, argv.data(), environ);
    if (rc == 0) {
        int status = 0;
        rc = waitpid(pid, &status, 0) == pid && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    }
    std::filesystem::remove(gp);
    if (rc == 0) fmt::print("wrote {}\n", png);
    else fmt::print(stderr, "warning: gnuplot failed; the curves are in {}\n", dat);
}

// A knowledge fitted in memory on the records of `path` (a record journal of the outer loop, such
// as hyperparameter_prediction's results/records.jsonl): the records of Model under the metric and
// folds of its first record (others are left out and counted), their meta-features and scores; a
// new dataset is described by the default meta-feature extraction, as that example's records are.
template <models::BaseModel Model>
meta::Knowledge<Model> knowledge_from_records(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw IoError(fmt::format("tune: --records '{}' is not a file (a record journal of the outer loop, e.g. the main "
                                  "example's results/records.jsonl)",
                                  path));
    std::size_t damaged = 0;
    const auto all = meta::RecordStore::read(path, [&](const std::string&) { ++damaged; });
    const auto first = std::find_if(all.begin(), all.end(), [](const meta::Record& r) { return r.model == Model::name; });
    if (first == all.end())
        throw DataError(fmt::format("tune: the record journal '{}' holds no record of {} ({} records in all)", path,
                                    Model::name, all.size()));
    std::vector<meta::Record> records;
    std::size_t other_protocol = 0;
    for (const auto& r : all)
        if (r.model == Model::name) {
            if (r.metric == first->metric && r.n_folds == first->n_folds) records.push_back(r);
            else ++other_protocol;
        }
    const auto space = Model::search_space();
    const auto table =
        meta::make_task_table(records, Model::name, [&](const nlohmann::json& c) { return space.encode(space.from_json(c)); });
    auto knowledge = meta::Knowledge<Model>::fit(table, space, hpo::metric_from_string(first->metric), first->n_folds,
                                                 first->seed, metafeatures::ExtractOptions{});
    fmt::print("knowledge fitted on {} records of {} in '{}' ({} tasks, {} {}-fold CV)", records.size(), Model::name, path,
               table.n_tasks(), first->metric, first->n_folds);
    if (other_protocol > 0) fmt::print("; {} records of another metric or fold count left out", other_protocol);
    if (damaged > 0) fmt::print("; {} damaged lines skipped", damaged);
    fmt::print("\n");
    return knowledge;
}

template <models::BaseModel Model>
int tune(const Settings& s, const data::Dataset& data) {
    using Params = typename Model::params_type;
    // stratified k-fold CV balanced accuracy, the same folds for every trial; made first, so that
    // data they cannot split is refused before a journal is written
    const auto folds = data::make_folds(data, s.folds, s.seed);
    const auto objective = [&](const Params& p) {
        return hpo::cross_validate(Model(), p, data, folds, hpo::Metric::balanced_accuracy, s.seed).mean;
    };
    std::vector<std::string> warnings;
    const auto print_warnings = [&] {  // a torn journal line, a pick outside the space; picks already tried are expected
        for (const auto& w : warnings)
            if (w.find("within min_distance of an earlier trial") == std::string::npos)
                fmt::print(stderr, "warning: {}\n", w);
        warnings.clear();
    };
    // --trace: opened before the study, so that a path that cannot be written fails before the
    // journal is created; never one of the files this run reads or keeps
    std::ofstream trace;
    if (s.root && !s.trace.empty()) {
        const std::string journal = s.journal.empty() ? fmt::format("tune-{}.jsonl", Model::name) : s.journal;
        const std::pair<std::string, std::string> kept[] = {{"the dataset", s.dataset},
                                                            {"the journal", journal},
                                                            {"the random search's journal", journal + ".random.jsonl"},
                                                            {"the knowledge file", s.knowledge},
                                                            {"the record journal", s.records}};
        for (const auto& [what, path] : kept)
            if (same_file(s.trace, path))
                throw ConfigError(fmt::format("tune: --trace '{}' is {} ('{}'): the trace would overwrite it; name "
                                              "another file",
                                              s.trace, what, path));
        // an existing file is replaced only when it is a trace (the built-in knowledge file, another
        // model's knowledge or any other file is never overwritten)
        constexpr std::string_view header = "trial\telapsed_s\tcpu_s\tscore\tbest_so_far";
        std::error_code ec;
        if (std::filesystem::exists(s.trace, ec) && std::filesystem::file_size(s.trace, ec) > 0 && !ec) {
            std::ifstream existing(s.trace);
            std::string first;
            std::getline(existing, first);
            if (first != header)
                throw ConfigError(fmt::format("tune: --trace '{}' exists and is not a trace written by tune (its first "
                                              "line is not '{}'): the trace would overwrite it; remove it or name "
                                              "another file",
                                              printable(s.trace, 200), printable(std::string(header), 80)));
        }
        trace.open(s.trace);
        trace << header << '\n' << std::flush;
        if (!trace) throw IoError(fmt::format("tune: cannot write the trace '{}' ({})", s.trace, std::strerror(errno)));
    }
    // the study, its journal and its warm start: this process only (rank 0 with --mpi)
    std::optional<hpo::Tuner<Params>> study;
    Index todo = 0;
    agree(s, [&] {
        if (!s.root) return;
        std::optional<meta::Knowledge<Model>> knowledge;
        if (!s.cold && s.method == "bayesian") {
            if (!s.records.empty()) {
                knowledge = knowledge_from_records<Model>(s.records);
            } else if (!s.knowledge.empty()) {
                knowledge = meta::Knowledge<Model>::load(s.knowledge);  // a file the user named must be readable
            } else {
                try {
                    knowledge = meta::Knowledge<Model>::builtin();
                } catch (const IoError& e) {
                    fmt::print("no knowledge for {}: {}\n", Model::name, e.what());
                }
            }
        }
        const std::string journal = s.journal.empty() ? fmt::format("tune-{}.jsonl", Model::name) : s.journal;
        // What the scores are about: re-opening the journal with another dataset, metric or folds is
        // refused (the seed is checked by the tuner itself).
        const nlohmann::json context = {{"dataset", data.name()},
                                        {"checksum", data::table_checksum(data)},
                                        {"metric", std::string(hpo::to_string(hpo::Metric::balanced_accuracy))},
                                        {"folds", s.folds}};
        hpo::TunerOptions options{.method = s.method == "random" ? hpo::SearchMethod::random : hpo::SearchMethod::bayesian,
                                  .seed = s.seed,
                                  .n_initial = knowledge ? std::optional<Index>(3) : std::nullopt,
                                  .on_warning = [&](const std::string& w) { warnings.push_back(w); },
                                  .context = context,
                                  .score_range = std::pair{0.0, 1.0}};  // balanced accuracy
        // under a time budget, one round of --threads trials at a time: the budget is checked after each
        if (s.time_budget) options.batch_size = s.threads;
        auto& tuner = study.emplace(Model::search_space(), journal, std::move(options));
        print_warnings();
        if (tuner.size() > 0) fmt::print("resuming {} ({} trials so far)\n", journal, tuner.size());
        if (knowledge) {
            const WarningCallback keep = [&](const std::string& w) { warnings.push_back(w); };
            meta::WarmStartOptions ws_options{.on_warning = keep};
            ws_options.zero_shot.on_warning = keep;  // the extraction's warnings about this dataset
            const auto ws = meta::warm_start(tuner, *knowledge, data, ws_options);
            fmt::print("warm start from {} knowledge ({} tasks); its picks (tried first, once):\n", Model::name, knowledge->task_ids().size());
            for (const auto& t : ws.enqueued)
                fmt::print("  {}  predicted normalised score {:.3f}\n", tuner.space().to_json(t.params).dump(), t.predicted);
            // what the knowledge could not see of this dataset, as zero_shot says it
            for (const auto& note : ws.report.notes) fmt::print("note: {}\n", note);
            if (!ws.report.missing.empty())
                fmt::print("note: {} of {} meta-features undefined on this dataset (the training median is used)\n",
                           ws.report.missing.size(), knowledge->meta_feature_names().size());
            if (!ws.report.timed_out.empty())
                fmt::print("note: {} meta-features cut by the time limit (the training median is used)\n",
                           ws.report.timed_out.size());
        } else if (s.method == "random") {
            fmt::print("random search: scrambled Sobol points of the search space\n");
        } else {
            fmt::print("cold start: Bayesian optimisation after a Sobol design\n");
        }
        Index finished = 0;
        for (const auto& t : tuner.trials()) finished += t.state != hpo::TrialState::pending ? 1 : 0;
        todo = std::max<Index>(0, s.trials - finished);
        std::fflush(stdout);
    });

    // --compare-random: random search's study opened now, so that a journal of other data is
    // refused before the main study runs; its own seed (derived from --seed), so that its draws
    // are not the main study's initial design
    std::optional<hpo::Tuner<Params>> random_study;
    agree(s, [&] {
        if (!s.compare_random || !s.root) return;
        const std::string journal = s.journal.empty() ? fmt::format("tune-{}.jsonl", Model::name) : s.journal;
        random_study.emplace(Model::search_space(), journal + ".random.jsonl",
                       hpo::TunerOptions{.method = hpo::SearchMethod::random,
                                         .seed = derive_seed(s.seed, {1}),
                                         .on_warning = [&](const std::string& w) { warnings.push_back(w); },
                                         .context = study->options().context,
                                         .score_range = std::pair{0.0, 1.0}});
    });

    double best_score = std::numeric_limits<double>::quiet_NaN();  // of the study, resumed trials included
    if (trace.is_open())
        if (const auto b = study->best()) best_score = *b->score;
    bool out_of_time = false;
    StderrProgressBar bar("trials");
    Progress progress{0, static_cast<std::size_t>(todo), 0, ""};
    // every trial finished in this run is recorded once: by the callback, or, for those of the
    // last round told after the callback stopped the study, after it
    std::set<Index> recorded;
    std::string first_failure;  // the reason of the first trial of this run that failed
    const auto tuner_space = Model::search_space();
    if (s.root)
        for (const auto& t : study->trials())
            if (t.state != hpo::TrialState::pending) recorded.insert(t.id);
    const auto record = [&](const hpo::Trial<Params>& t) {
        if (!recorded.insert(t.id).second) return;
        ++progress.done;
        progress.failed += t.state == hpo::TrialState::failed ? 1 : 0;
        if (t.state == hpo::TrialState::failed && first_failure.empty())
            first_failure = fmt::format("trial {} ({}): {}", t.id + 1, tuner_space.to_string(t.params), t.message);
        progress.label = t.score ? fmt::format("last {:.4f}", *t.score) : "failed";
        bar(progress);
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - s.start).count();
        if (trace.is_open()) {
            const bool complete = t.state == hpo::TrialState::complete;
            if (complete && !(*t.score <= best_score)) best_score = *t.score;
            // process CPU time, every thread of the process
            const double cpu = static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
            trace << fmt::format("{}\t{:.3f}\t{:.3f}\t{}\t{}\n", t.id + 1, elapsed, cpu,
                                 complete ? fmt::format("{:.6f}", *t.score) : std::string("nan"),
                                 std::isnan(best_score) ? std::string("nan") : fmt::format("{:.6f}", best_score))
                  << std::flush;
            if (!trace) throw IoError(fmt::format("tune: cannot write the trace '{}' ({})", s.trace, std::strerror(errno)));
        }
        if (s.time_budget && elapsed >= *s.time_budget) out_of_time = true;
    };
    const auto on_trial = [&](const hpo::Trial<Params>& t) {
        record(t);
        return out_of_time;  // true stops the study after this round; its trials are told all the same
    };
#ifdef METALEARN_EXAMPLE_MPI
    if (s.mpi) {
        mpi::optimize(MPI_COMM_WORLD, study ? &*study : nullptr, Model::search_space(), objective, todo,
                      mpi::OptimizeOptions{.asynchronous = s.async, .farm = {}}, on_trial);
        if (!s.root) return 0;
    } else
#endif
        study->optimize(objective, todo, s.threads, on_trial);
    auto& tuner = *study;
    for (const auto& t : tuner.trials())
        if (t.state != hpo::TrialState::pending) record(t);
    if (out_of_time)
        fmt::print("time budget of {} s reached: evaluated {} trials in this run ({:.1f} s)\n", *s.time_budget,
                   progress.done, std::chrono::duration<double>(std::chrono::steady_clock::now() - s.start).count());
    else
        fmt::print("evaluated {} trials in this run\n", progress.done);
    if (progress.failed > 0)
        fmt::print("{} of them failed (recorded in the journal with their reasons); the first: {}\n", progress.failed,
                   first_failure);

    print_warnings();
    const auto best = tuner.best();
    if (!best) {
        fmt::print("no trial completed\n");
        return 1;
    }
    Index told = 0;  // finished trials: complete, failed or pruned (pending ones are not counted)
    for (const auto& t : tuner.trials()) told += t.state != hpo::TrialState::pending ? 1 : 0;
    fmt::print("best of {} finished trials: {:.4f}  {}  (trial {}, {})\n", told, *best->score, best->values.dump(),
               best->id + 1, best->source);
    const std::string journal = s.journal.empty() ? fmt::format("tune-{}.jsonl", Model::name) : s.journal;
    const std::vector<double> curve = best_so_far(tuner.trials());
    std::vector<double> random_curve;
    if (random_study) {  // random search on the same objective, its own resumable journal
        Index finished = 0;
        for (const auto& t : random_study->trials()) finished += t.state != hpo::TrialState::pending ? 1 : 0;
        const Index missing = std::max<Index>(0, tuner.size() - finished);
        Progress rp{0, static_cast<std::size_t>(missing), 0, ""};
        StderrProgressBar random_bar("random search");
        random_study->optimize(objective, missing, s.threads, [&](const hpo::Trial<Params>&) {
            ++rp.done;
            random_bar(rp);
        });
        print_warnings();
        random_curve = best_so_far(random_study->trials());
    }
    print_curves(curve, random_curve, journal);
    return 0;
}

int run(Settings& s, int argc, char** argv) {
    CLI::App app("Tune a model on a dataset by stratified k-fold CV balanced accuracy, warm-started from knowledge");
    app.add_option("dataset", s.dataset, "ARFF/CSV/TSV classification dataset")->required();
    app.add_option("--model", s.model, "logistic_regression, decision_tree, knn, random_forest, mlp, gradient_boosting or svc (knowledge ships for every model; --knowledge names another file, --cold starts without)")->capture_default_str();
    app.add_option("--trials", s.trials, "trials in the study (a resumed study runs only the missing ones); with "
                                         "--time-budget and no --trials, 100000 (the budget decides)")
        ->capture_default_str()->check(CLI::Range(1, 100000));
    app.add_option("--threads", s.threads, "trials evaluated in parallel")->capture_default_str()->check(CLI::Range(1, 1024));
    app.add_option("--folds", s.folds, "folds of the stratified cross-validation (each class needs at least this many rows)")
        ->capture_default_str()->check(CLI::Range(2, 100));
    app.add_option("--target", s.target, "target column or attribute (default: the format's, e.g. the last column)");
    app.add_option("--journal", s.journal, "study journal, resumed when it exists (default tune-<model's name>.jsonl, e.g. tune-random_forest_classifier.jsonl)");
    app.add_option("--knowledge", s.knowledge, "knowledge file (default: the installed share/knowledge/<model>.json)");
    app.add_option("--method", s.method,
                   "how the study chooses trials: 'bayesian' = Bayesian optimisation (a Gaussian process and expected "
                   "improvement after an initial Sobol design), warm-started from the knowledge unless --cold; 'random' = "
                   "random search (scrambled Sobol points of the search space), never warm-started")
        ->capture_default_str()
        ->check(CLI::IsMember({"bayesian", "random"}));
    app.add_option("--records", s.records,
                   "warm-start from a knowledge fitted on this record journal of the outer loop (e.g. the main "
                   "example's results/records.jsonl) instead of a knowledge file");
    app.add_flag("--cold", s.cold, "no warm start: plain Bayesian optimisation");
    app.add_option("--time-budget", s.time_budget,
                   "seconds of wall time since the start after which no new trial is asked (trials in flight finish; "
                   "with --trials, whichever comes first; trials are then asked --threads at a time)");
    app.add_option("--trace", s.trace,
                   "write one TSV line per trial of this run: trial, elapsed_s (wall seconds since the start when the trial "
                   "was told; a round of --threads trials is told together), cpu_s "
                   "(process CPU seconds), score (nan if it failed), best_so_far");
    app.add_flag("--compare-random", s.compare_random,
                 "also run random search for as many trials (journal <journal>.random.jsonl), print both curves, "
                 "write <journal>.dat and, with gnuplot, <journal>.png");
    app.add_option("--seed", s.seed, "seed of the tuner, the folds and the models (an integer in [0, 2^64))")
        ->capture_default_str()
        ->check(non_negative_seed());
#ifdef METALEARN_EXAMPLE_MPI
    app.add_flag("--mpi", s.mpi, "evaluate the trials on the ranks of an MPI job (mpirun -np N tune ... --mpi)");
    app.add_flag("--async", s.async, "--mpi: ask and tell as ranks become free (no waiting, but the trials depend on timing)");
#endif
    CLI11_PARSE(app, argc, argv);
    if (s.time_budget && !(std::isfinite(*s.time_budget) && *s.time_budget > 0)) {
        fmt::print(stderr, "error: --time-budget must be a finite number of seconds > 0 (got {})\n", *s.time_budget);
        return 2;
    }
    if (s.time_budget && app.count("--trials") == 0) s.trials = 100000;
    if (s.cold && !s.knowledge.empty()) {
        fmt::print(stderr, "error: --cold starts without knowledge: --knowledge would be ignored\n");
        return 2;
    }
    if (!s.records.empty() && (s.cold || !s.knowledge.empty() || s.method == "random")) {
        fmt::print(stderr, "error: --records is a warm start: it goes with neither --cold, --knowledge nor --method random\n");
        return 2;
    }
    if (s.records.empty() && app.count("--records") > 0) {
        fmt::print(stderr, "error: --records needs a file name\n");
        return 2;
    }
    if (s.method == "random" && !s.knowledge.empty()) {
        fmt::print(stderr, "error: --method random is never warm-started: --knowledge applies to --method bayesian\n");
        return 2;
    }
    if (s.method == "random" && s.compare_random) {
        fmt::print(stderr, "error: --compare-random runs random search beside the study: with --method random it would "
                           "compare random search with itself\n");
        return 2;
    }
    if (s.trace.empty() && app.count("--trace") > 0) {
        fmt::print(stderr, "error: --trace needs a file name\n");
        return 2;
    }
    if (s.journal.empty() && app.count("--journal") > 0) {
        fmt::print(stderr, "error: --journal needs a file name (without --journal: tune-<model's name>.jsonl)\n");
        return 2;
    }
    // the short names, and the models' own names as build_knowledge and the knowledge files use them
    if (s.model == "decision_tree_classifier") s.model = "decision_tree";
    if (s.model == "knn_classifier") s.model = "knn";
    if (s.model == "random_forest_classifier") s.model = "random_forest";
    if (s.model == "mlp_classifier") s.model = "mlp";
    if (s.model == "gradient_boosting_classifier") s.model = "gradient_boosting";
    constexpr const char* models_list[] = {"logistic_regression", "decision_tree", "knn", "random_forest", "mlp",
                                           "gradient_boosting", "svc"};
    if (std::find(std::begin(models_list), std::end(models_list), s.model) == std::end(models_list)) {
        fmt::print(stderr, "error: unknown model '{}' (expected logistic_regression, decision_tree, knn, random_forest, "
                           "mlp, gradient_boosting or svc)\n",
                   s.model);
        return 2;
    }
    if (s.compare_random && s.mpi) {
        fmt::print(stderr, "error: --compare-random runs in one process only (without --mpi)\n");
        return 2;
    }
    if (s.async && !s.mpi) {
        fmt::print(stderr, "error: --async applies to --mpi runs only\n");
        return 2;
    }
    // started by an MPI launcher with several processes but without --mpi: each would run its own
    // study on the same journal
    for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})  // Open MPI's mpirun, MPICH's mpiexec
        if (const char* n = std::getenv(var); !s.mpi && n && std::atoi(n) > 1) {
            fmt::print(stderr, "error: started as one of {} MPI processes ({}) without --mpi: add --mpi to share one "
                               "study among them\n",
                       n, var);
            return 2;
        }
#ifdef METALEARN_EXAMPLE_MPI
    std::optional<mpi::Environment> env;
    if (s.mpi) {
        env.emplace(argc, argv);
        s.root = env->rank() == 0;
    }
#endif

    // rows without a target are dropped by the reader: say how many
    data::ReadOptions read;
    read.target = s.target;
    read.on_warning = [&s](const std::string& w) {
        if (s.root) fmt::print(stderr, "warning: {}\n", w);
    };
    data::Dataset data;
    agree(s, [&] {  // every rank reads the dataset (and fails alike)
        data = data::read_dataset(s.dataset, read);
        if (s.root)
            fmt::print("{}: {} rows, {} features, {} classes; model {}\n", data.name(), data.n_samples(),
                       data.n_features(), data.n_classes(), s.model);
        // a dataset no trial could succeed on is refused up front, with the reason
        meta::check_new_task(data, hpo::Metric::balanced_accuracy, s.folds, "tune");
    });
    if (s.model == "logistic_regression") return tune<models::LogisticRegression>(s, data);
    if (s.model == "decision_tree") return tune<models::DecisionTreeClassifier>(s, data);
    if (s.model == "knn") return tune<models::KNeighborsClassifier>(s, data);
    if (s.model == "random_forest") return tune<models::RandomForestClassifier>(s, data);
    if (s.model == "mlp") return tune<models::MLPClassifier>(s, data);
    if (s.model == "gradient_boosting") return tune<models::GradientBoostingClassifier>(s, data);
    return tune<models::SVC>(s, data);  // the name was checked above
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
