// The README's tuner example: Bayesian optimisation of logistic regression's hyperparameters on
// one dataset, warm-started from the knowledge that ships with the library.
//   tuner_quickstart [DATASET [TRIALS]]
// defaults: data/sklearn/breast_cancer.csv (run from the repository root after
// scripts/get-datasets) and 20 trials in this run. The study's journal is tuner-quickstart.jsonl
// in the current folder: run again and the study continues where it stopped, TRIALS more trials
// each run. The journal records the dataset's checksum: a journal of other data is refused.
#include <metalearn/data/checksum.hpp>  // include what you use: each header costs compile time
#include <metalearn/data/read.hpp>
#include <metalearn/data/split.hpp>
#include <metalearn/hpo/cross_validate.hpp>
#include <metalearn/meta/new_task.hpp>
#include <metalearn/meta/warm_start.hpp>
#include <metalearn/models/logistic_regression.hpp>
#include <fmt/core.h>

#include "out_of_memory.hpp"

#include <charconv>
#include <new>
#include <string>
#include <string_view>

using LR = metalearn::models::LogisticRegression;

int main(int argc, char** argv) try {
    if (argc > 3 || (argc > 1 && (std::string_view(argv[1]) == "-h" || std::string_view(argv[1]) == "--help"))) {
        fmt::print(argc > 3 ? stderr : stdout, "usage: tuner_quickstart [DATASET [TRIALS]]  (defaults: "
                   "data/sklearn/breast_cancer.csv, 20 trials in this run; journal tuner-quickstart.jsonl)\n");
        return argc > 3 ? 2 : 0;
    }
    const std::string file = argc > 1 ? argv[1] : "data/sklearn/breast_cancer.csv";
    int n_trials = 20;
    if (argc > 2) {
        const std::string_view s = argv[2];
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n_trials);
        if (ec != std::errc{} || end != s.data() + s.size() || n_trials < 1 || n_trials > 100000) {
            fmt::print(stderr, "error: TRIALS must be a whole number from 1 to 100000 (got '{}')\n", s);
            return 2;
        }
    }
    const auto warn = [](const std::string& w) {  // warm-start picks tried in an earlier run are expected
        if (w.find("within min_distance of an earlier trial") == std::string::npos) fmt::print(stderr, "warning: {}\n", w);
    };
    metalearn::data::ReadOptions read_options;
    read_options.on_warning = warn;  // e.g. a column read as nominal because of one non-number
    const auto data = metalearn::data::read_dataset(file, read_options);
    constexpr int n_folds = 3;
    metalearn::meta::check_new_task(data, metalearn::hpo::Metric::balanced_accuracy, n_folds, "tuner_quickstart");
    const auto folds = metalearn::data::make_folds(data, n_folds, /*seed=*/0);
    // what the scores are about: a journal written for other data is refused, never mixed in
    const nlohmann::json context = {{"checksum", metalearn::data::table_checksum(data)}, {"folds", n_folds}};
    metalearn::hpo::Tuner<LR::params_type> tuner(LR::search_space(), "tuner-quickstart.jsonl",
                                                 {.seed = 0, .n_initial = 3, .on_warning = warn, .context = context,
                                                  .score_range = std::pair{0.0, 1.0}});  // balanced accuracy
    const auto before = tuner.size();
    if (before > 0) fmt::print("resuming tuner-quickstart.jsonl ({} trials so far)\n", before);
    // the knowledge's top picks first, its prediction as the prior mean (again on a resumed study:
    // picks already tried are skipped, the prior is set again)
    metalearn::meta::warm_start(tuner, metalearn::meta::Knowledge<LR>::builtin(), data, {.on_warning = warn});
    const auto best = tuner.optimize(
        [&](const LR::params_type& p) {  // stratified 3-fold CV, balanced accuracy
            return metalearn::hpo::cross_validate(LR(), p, data, folds, metalearn::hpo::Metric::balanced_accuracy, 0).mean;
        },
        n_trials, /*n_threads=*/2, [](const metalearn::hpo::Trial<LR::params_type>& t) {  // each trial as it is told
            if (t.score) fmt::print("trial {:3d} {:9s} {:.4f}  {}\n", t.id, t.source, *t.score, t.values.dump());
        });
    if (tuner.size() - before < n_trials)
        fmt::print("the search space is exhausted: {} new trials of {} asked\n", tuner.size() - before, n_trials);
    if (best) fmt::print("best: {:.4f}  {}\n", *best->score, best->values.dump());
    return 0;
} catch (const metalearn::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
} catch (const std::bad_alloc&) {
    print_out_of_memory("error");
    return 1;
}
