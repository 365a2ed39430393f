// The README's usage example: learn from past tasks, then suggest hyperparameters for a new one.
//   quickstart [NEW_DATASET [PAST_TASKS_FOLDER]]
// defaults: data/sklearn/breast_cancer.csv and data/weka (run from the repository root after
// scripts/get-datasets). Records go to quickstart-records.jsonl in the current folder.
#include <metalearn/core/progress.hpp>      // include what you use: each header costs compile time
#include <metalearn/data/read.hpp>
#include <metalearn/meta/meta_learner.hpp>
#include <metalearn/models/logistic_regression.hpp>
#include <fmt/core.h>

using namespace metalearn;

int main(int argc, char** argv) try {
    const std::string new_file = argc > 1 ? argv[1] : "data/sklearn/breast_cancer.csv";
    const std::string past_folder = argc > 2 ? argv[2] : "data/weka";

    std::vector<data::Dataset> past;  // past tasks: every classification file in the folder
    for (const auto& file : data::list_dataset_files(past_folder))
        if (auto d = data::read_dataset(file); d.is_classification() && d.n_samples() <= 2000) past.push_back(d);

    meta::RecordStore store("quickstart-records.jsonl");  // resumable journal of (task, config, score)
    meta::MetaLearner<models::LogisticRegression> learner(store, {.n_folds = 3, .seed = 1, .n_threads = 2});
    learner.set_plan(meta::PlanKind::sobol, 16);         // 16 Sobol configs of C (+ the default)
    learner.collect(past, StderrProgressBar("records"));  // stratified 3-fold CV, balanced accuracy
    learner.fit();                                        // random-forest meta-model on [meta-features ‖ config]

    const auto task = data::read_dataset(new_file);  // the new task: zero-shot top-3
    for (const auto& s : learner.suggest(task, 3))   // predicted: normalised score, 1 = best of a task's plan
        fmt::print("{}  predicted {:.3f} ± {:.3f}\n", s.config.dump(), s.predicted, s.std);
    return 0;
} catch (const metalearn::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
}
