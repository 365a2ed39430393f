// The README's usage example: learn from past tasks, then suggest hyperparameters for a new one.
// Run from the repository root after scripts/get-datasets.
#include <metalearn/metalearn.hpp>

#include <fmt/core.h>

using namespace metalearn;

int main() {
    std::vector<data::Dataset> past;  // past tasks: every classification file in data/weka
    for (const auto& file : data::list_dataset_files("data/weka"))
        if (auto d = data::read_dataset(file); d.is_classification() && d.n_samples() <= 2000) past.push_back(d);

    meta::RecordStore store("quickstart-records.jsonl");  // resumable journal of (task, config, score)
    meta::MetaLearner<models::LogisticRegression> learner(store, {.n_folds = 3, .seed = 1, .n_threads = 2});
    learner.set_plan(meta::PlanKind::sobol, 16);         // 16 Sobol configs of C (+ the default)
    learner.collect(past, StderrProgressBar("records"));  // stratified 3-fold CV, balanced accuracy
    learner.fit();                                        // random-forest meta-model on [meta-features ‖ config]

    const auto task = data::read_dataset("data/sklearn/breast_cancer.csv");  // a new task
    for (const auto& s : learner.suggest(task, 3))                         // zero-shot top-3
        fmt::print("{}  predicted {:.3f} ± {:.3f}\n", s.config.dump(), s.predicted, s.std);
}
