// The README's tuner example: Bayesian optimisation of logistic regression's hyperparameters on
// one dataset, warm-started from the knowledge that ships with the library.
//   tuner_quickstart [DATASET [TRIALS]]
// defaults: data/sklearn/breast_cancer.csv (run from the repository root after
// scripts/get-datasets) and 20 trials. The study's journal is tuner-quickstart.jsonl in the
// current folder: run again and the study continues where it stopped.
#include <metalearn/data/read.hpp>  // include what you use: each header costs compile time
#include <metalearn/data/split.hpp>
#include <metalearn/hpo/cross_validate.hpp>
#include <metalearn/meta/warm_start.hpp>
#include <metalearn/models/logistic_regression.hpp>
#include <fmt/core.h>

#include <string>

using LR = metalearn::models::LogisticRegression;

int main(int argc, char** argv) try {
    const std::string file = argc > 1 ? argv[1] : "data/sklearn/breast_cancer.csv";
    const int n_trials = argc > 2 ? std::stoi(argv[2]) : 20;
    const auto data = metalearn::data::read_dataset(file);
    const auto folds = metalearn::data::make_folds(data, 3, /*seed=*/0);
    metalearn::hpo::Tuner<LR::params_type> tuner(LR::search_space(), "tuner-quickstart.jsonl", {.seed = 0, .n_initial = 3});
    // the knowledge's top picks first, its prediction as the prior mean (again on a resumed study:
    // picks already tried are skipped, the prior is set again)
    metalearn::meta::warm_start(tuner, metalearn::meta::Knowledge<LR>::builtin(), data);
    const auto best = tuner.optimize([&](const LR::params_type& p) {  // stratified 3-fold CV, balanced accuracy
        return metalearn::hpo::cross_validate(LR(), p, data, folds, metalearn::hpo::Metric::balanced_accuracy, 0).mean;
    }, n_trials, /*n_threads=*/2);
    for (const auto& t : tuner.trials())
        if (t.score) fmt::print("trial {:2d} {:9s} {:.4f}  {}\n", t.id, t.source, *t.score, t.values.dump());
    if (best) fmt::print("best: {:.4f}  {}\n", *best->score, best->values.dump());
    return 0;
} catch (const std::invalid_argument&) {
    fmt::print(stderr, "error: TRIALS must be a whole number\n");
    return 2;
} catch (const std::out_of_range&) {
    fmt::print(stderr, "error: TRIALS is out of range\n");
    return 2;
} catch (const metalearn::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
}
