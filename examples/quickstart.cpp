// The README's usage example: learn from past tasks, then suggest hyperparameters for a new one.
//   quickstart [NEW_DATASET [PAST_TASKS_FOLDER]]
// defaults: data/sklearn/breast_cancer.csv and data/weka (run from the repository root after
// scripts/get-datasets). Records go to quickstart-records.jsonl in the current folder.
#include <metalearn/core/progress.hpp>      // include what you use: each header costs compile time
#include <metalearn/data/corpus.hpp>
#include <metalearn/meta/meta_learner.hpp>
#include <metalearn/models/logistic_regression.hpp>
#include <fmt/core.h>

using namespace metalearn;

int main(int argc, char** argv) try {
    const std::string new_file = argc > 1 ? argv[1] : "data/sklearn/breast_cancer.csv";
    const std::string past_folder = argc > 2 ? argv[2] : "data/weka";

    std::vector<meta::Task> past;  // past tasks: the folder's classification files, ids = paths, copies left out
    auto corpus = data::load_corpus({past_folder}, {.task = data::TaskType::classification, .max_samples = 2000});
    for (auto& t : corpus.tasks) past.push_back({t.id, std::move(t.dataset)});

    meta::RecordStore store("quickstart-records.jsonl");  // resumable journal of (task, config, score)
    meta::MetaLearner<models::LogisticRegression> learner(store, {.n_folds = 3, .seed = 1, .n_threads = 2});
    learner.set_plan(meta::PlanKind::sobol, 16);         // 16 Sobol configs of C and class_weight (+ the default)
    learner.collect(past, StderrProgressBar("records"),  // stratified 3-fold CV, balanced accuracy
                    [](const std::string& w) { fmt::print(stderr, "warning: {}\n", w); });
    learner.fit();                                        // random-forest meta-model on [meta-features ‖ config]

    const auto task = data::read_dataset(new_file);  // the new task: zero-shot top-3
    for (const auto& s : learner.suggest(task, 3))   // predicted: normalised score, 1 = best of a task's plan
        fmt::print("{}  predicted {:.3f} ± {:.3f}\n", s.config_text(), s.predicted, s.std);
    return 0;
} catch (const metalearn::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
}
