#pragma once
// A knowledge of logistic regression over 7 real datasets (8 Sobol configs + the default,
// stratified 3-fold CV, balanced accuracy, general and statistical meta-features, seed 5), built
// once per test program: shared by the knowledge and the warm-start tests.
#include "support/test_support.hpp"

#include <metalearn/data/checksum.hpp>
#include <metalearn/data/read.hpp>
#include <metalearn/meta/knowledge.hpp>
#include <metalearn/meta/meta_learner.hpp>
#include <metalearn/models/logistic_regression.hpp>

#include <optional>
#include <string>
#include <vector>

namespace metalearn::test {

inline const std::vector<std::string> knowledge_corpus_files = {
    "weka/iris.arff",     "weka/diabetes.arff",    "weka/glass.arff",         "weka/ionosphere.arff",
    "weka/labor.arff",    "sklearn/wine_data.csv", "weka/breast-cancer.arff"};

inline meta::MetaLearnerOptions knowledge_options() {
    meta::MetaLearnerOptions o;
    o.n_folds = 3;
    o.seed = 5;
    o.n_threads = 2;
    o.meta_features.groups = {metafeatures::Group::general, metafeatures::Group::statistical};
    return o;
}

struct KnowledgeFixture {
    TempFolder folder{"knowledge"};
    std::vector<meta::Task> tasks;
    meta::KnowledgeProvenance provenance;
    meta::TaskTable table;
    std::optional<meta::Knowledge<models::LogisticRegression>> knowledge;
    std::optional<meta::RecordStore> store;

    KnowledgeFixture() {
        for (const auto& f : knowledge_corpus_files) {
            auto d = data::read_dataset(data_file(f));
            provenance.tasks.push_back({f, d.name(), d.n_samples(), d.n_features(), d.n_classes(),
                                        data::table_checksum(d), ""});
            tasks.push_back({f, std::move(d)});
        }
        provenance.built = "test";
        provenance.command = "test_knowledge";
        store.emplace(folder.path() / "records.jsonl");
        meta::MetaLearner<models::LogisticRegression> learner(*store, knowledge_options());
        learner.set_plan(meta::PlanKind::sobol, 8);
        learner.collect(tasks);
        table = learner.table();
        knowledge.emplace(meta::Knowledge<models::LogisticRegression>::fit(
            table, learner.space(), knowledge_options().metric, 3, 5, knowledge_options().meta_features, provenance));
    }
};

/// The fixture, built on first use.
inline KnowledgeFixture& knowledge_fixture() {
    static KnowledgeFixture f;
    return f;
}

}  // namespace metalearn::test
