// A program outside the project that uses the installed package's compiled mode
// (metalearn::compiled): the outer loop of logistic regression comes from the prebuilt library.
// Its argument is the installed knowledge file of logistic regression, which it loads and asks.
#include <metalearn/meta/knowledge.hpp>
#include <metalearn/meta/meta_learner.hpp>
#include <metalearn/models/logistic_regression.hpp>

#include <cstdio>
#include <filesystem>

#ifndef METALEARN_COMPILED
#error "this consumer must be built against metalearn::compiled"
#endif

namespace ml = metalearn;

// Two Gaussian classes in p dimensions whose means are `gap` apart on every axis.
static ml::data::Dataset blobs(const char* name, ml::Index n, ml::Index p, double gap, std::uint64_t seed) {
    ml::Rng rng(seed);
    ml::Matrix X(n, p);
    ml::Vector y(n);
    std::vector<ml::data::FeatureInfo> features;
    for (ml::Index j = 0; j < p; ++j) features.push_back(ml::data::FeatureInfo::numeric("x" + std::to_string(j)));
    for (ml::Index i = 0; i < n; ++i) {
        y[i] = static_cast<double>(i % 2);
        for (ml::Index j = 0; j < p; ++j) X(i, j) = rng.normal() + gap * y[i];
    }
    return {name, X, y, features, ml::data::TaskType::classification, {"a", "b"}};
}

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: consumer_compiled INSTALLED_KNOWLEDGE_FILE\n");
        return 2;
    }
    const auto knowledge = ml::meta::Knowledge<ml::models::LogisticRegression>::load(argv[1]);
    const auto zero_shot = knowledge.suggest(blobs("zero-shot", 60, 3, 1.0, 5), 3);
    std::printf("installed knowledge: %zu tasks, zero-shot C = %g\n", knowledge.task_ids().size(), zero_shot.front().params.C);
    if (zero_shot.size() != 3 || !(zero_shot.front().params.C > 0.0)) return 1;
    const auto journal = std::filesystem::temp_directory_path() / "metalearn-consumer-compiled.jsonl";
    std::filesystem::remove(journal);
    const std::vector<ml::data::Dataset> past{blobs("easy", 60, 3, 2.0, 1), blobs("hard", 60, 4, 0.3, 2),
                                              blobs("medium", 80, 2, 1.0, 3)};
    ml::meta::RecordStore store(journal);
    ml::meta::MetaLearner<ml::models::LogisticRegression> learner(store, {.n_folds = 3, .seed = 1});
    learner.set_plan(ml::meta::PlanKind::sobol, 4);
    const auto summary = learner.collect(past);
    learner.fit();
    const auto suggestions = learner.suggest(blobs("new", 50, 3, 1.5, 4), 2);
    std::printf("compiled mode: %zu records, first suggestion %s (C = %g)\n", summary.evaluated,
                suggestions.front().config_text().c_str(), suggestions.front().params.C);
    std::filesystem::remove(journal);
    return summary.evaluated == 15 && suggestions.size() == 2 ? 0 : 1;
}
