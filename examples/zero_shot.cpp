// Zero-shot hyperparameters from the knowledge shipped with the library (share/knowledge):
// no corpus, no evaluations, one call.
//   zero_shot [DATASET [MODEL]] [--target COLUMN]
//       MODEL: logistic_regression (default), decision_tree, knn, random_forest, svc, mlp or
//       gradient_boosting (or their full names, e.g. decision_tree_classifier) — whichever
//       share/knowledge holds
// default dataset: data/sklearn/breast_cancer.csv (run from the repository root after
// scripts/get-datasets).
#include "out_of_memory.hpp"

#include <metalearn/data/read.hpp>
#include <metalearn/meta/knowledge.hpp>
#include <metalearn/models/decision_tree.hpp>
#include <metalearn/models/gradient_boosting.hpp>
#include <metalearn/models/knn.hpp>
#include <metalearn/models/logistic_regression.hpp>
#include <metalearn/models/mlp.hpp>
#include <metalearn/models/random_forest.hpp>
#include <metalearn/models/svm.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <new>
#include <string>

using namespace metalearn;

namespace {

template <models::BaseModel Model>
void show(const data::Dataset& data) {
    // the one-call form: `auto params = metalearn::zero_shot<Model>(data);`
    const auto knowledge = meta::Knowledge<Model>::builtin();
    meta::ZeroShotReport report;
    const Vector mf = knowledge.meta_features(data, {.on_warning = [](const std::string& w) { fmt::print("warning: {}\n", w); }},
                                              &report);  // extracted once, used twice
    // what the data's size rules out (a k-NN with more neighbours than training rows) is left out
    const Index rows = meta::min_training_rows(data, knowledge.n_folds());
    const auto top = knowledge.suggest(mf, 3, {}, rows);
    for (const auto& note : report.notes) fmt::print("note: {}\n", note);
    if (!report.missing.empty())
        fmt::print("note: {} of {} meta-features undefined on this dataset (the training median is used)\n",
                   report.missing.size(), knowledge.meta_feature_names().size());
    fmt::print("{} on {} ({} rows, {} features), knowledge of {} tasks:\n", Model::name, data.name(), data.n_samples(),
               data.n_features(), knowledge.task_ids().size());
    for (const auto& s : top)
        fmt::print("  {}  predicted normalised score {:.3f} ± {:.3f}\n", s.config.dump(), s.predicted, s.std);
    const auto learned = knowledge.learned_default();
    fmt::print("learned default: {}{}\n", knowledge.space().to_json(learned).dump(),
               models::fits_rows<Model>(learned, rows)
                   ? ""
                   : fmt::format(" (too large for this dataset: {} training rows per fold)", rows));
    fmt::print("your data looks like:\n");
    for (const auto& n : knowledge.nearest(mf, 3))
        fmt::print("  {:<40} distance {:.2f}, best {}\n", n.task_id, n.distance, n.best_config.dump());
}

}  // namespace

int main(int argc, char** argv) try {
    std::string file = "data/sklearn/breast_cancer.csv";
    std::string model = "logistic_regression";
    data::ReadOptions read;  // rows without a target are dropped by the reader: say how many
    CLI::App app{"Zero-shot hyperparameters for a dataset from the knowledge shipped with metalearn"};
    app.add_option("dataset", file, "ARFF/CSV/TSV classification dataset")->capture_default_str();
    app.add_option("model", model, "logistic_regression, decision_tree, knn, random_forest, svc, mlp or gradient_boosting")->capture_default_str();
    app.add_option("--target", read.target, "target column or attribute (default: the format's, e.g. the last column)");
    CLI11_PARSE(app, argc, argv);
    read.on_warning = [](const std::string& w) { fmt::print(stderr, "warning: {}\n", w); };
    // the models' own names, as build_knowledge and the knowledge files use them, are accepted too
    for (const char* short_name : {"decision_tree", "knn", "random_forest", "mlp", "gradient_boosting"})
        if (model == std::string(short_name) + "_classifier") model = short_name;
    const auto data = data::read_dataset(file, read);
    if (model == "logistic_regression") show<models::LogisticRegression>(data);
    else if (model == "decision_tree") show<models::DecisionTreeClassifier>(data);
    else if (model == "knn") show<models::KNeighborsClassifier>(data);
    else if (model == "random_forest") show<models::RandomForestClassifier>(data);
    else if (model == "svc") show<models::SVC>(data);
    else if (model == "mlp") show<models::MLPClassifier>(data);
    else if (model == "gradient_boosting") show<models::GradientBoostingClassifier>(data);
    else {
        fmt::print(stderr, "error: unknown model '{}' (expected logistic_regression, decision_tree, knn, random_forest, svc, "
                           "mlp or gradient_boosting)\n", model);
        return 2;
    }
    return 0;
} catch (const metalearn::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
} catch (const std::bad_alloc&) {
    print_out_of_memory("error");
    return 1;
}
