// Ensembles on real datasets (Weka and scikit-learn files fetched by scripts/get-datasets),
// evaluated by nested cross-validation with ensemble::compare_methods: the weights see only inner
// out-of-fold predictions, the scores come from outer test folds.

#include "support/test_support.hpp"

#include <metalearn/data/read.hpp>
#include <metalearn/ensemble.hpp>
#include <metalearn/models/decision_tree.hpp>
#include <metalearn/models/knn.hpp>
#include <metalearn/models/lda.hpp>
#include <metalearn/models/naive_bayes.hpp>

#include <cmath>
#include <string>
#include <vector>

using namespace metalearn;
using namespace metalearn::ensemble;

namespace {

std::vector<AnyModel> library() {
    std::vector<AnyModel> c;
    c.emplace_back(models::KNeighborsClassifier({.n_neighbors = 1}));
    c.emplace_back(models::KNeighborsClassifier({.n_neighbors = 9}));
    c.emplace_back(models::GaussianNaiveBayes());
    c.emplace_back(models::LinearDiscriminantAnalysis({.shrinkage = 0.3}));
    c.emplace_back(models::DecisionTreeClassifier({.max_depth = 3}));
    c.emplace_back(models::DecisionTreeClassifier({.min_samples_leaf = 5}));
    return c;
}

}  // namespace

TEST_CASE("ensembles are not worse than the best single model on real datasets beyond noise",
          "[ensemble][real]") {
    // Noise: two binomial standard errors of a score estimated on all n rows (each row is in
    // exactly one outer test fold), 2·sqrt(p(1 − p)/n) with p the best single model's score — a
    // normal approximation that treats balanced accuracy like accuracy.
    const std::vector<std::string> files{"weka/iris.arff",       "weka/glass.arff",  "weka/ionosphere.arff",
                                         "weka/breast-cancer.arff", "weka/vote.arff", "weka/diabetes.arff",
                                         "sklearn/wine_data.csv"};
    const std::vector<EnsembleMethod> methods{EnsembleMethod::best_single,  EnsembleMethod::uniform,
                                              EnsembleMethod::inverse_loss, EnsembleMethod::simplex,
                                              EnsembleMethod::ensemble_selection,
                                              EnsembleMethod::bagged_ensemble_selection};
    BuildOptions options;
    options.cv.on_small_class = [](const std::string&) {};
    options.weights.selection.n_bags = 10;
    const auto candidates = library();
    Vector total = Vector::Zero(static_cast<Index>(methods.size()));
    Index better = 0;
    for (const auto& file : files) {
        const data::Dataset d = data::read_dataset(metalearn::test::data_file(file));
        const auto folds = data::make_folds(d, 3, 11, options.cv.on_small_class);
        const MethodComparison cmp =
            compare_methods(candidates, d, folds, 3, hpo::Metric::balanced_accuracy, 5, methods, options);
        const Vector mean = cmp.mean();
        total += mean;
        const double best = mean[0];
        const double noise = 2.0 * std::sqrt(best * (1.0 - best) / static_cast<double>(d.n_samples()));
        INFO(file << ": best single " << best << ", noise " << noise << ", methods " << mean.transpose());
        for (Index j = 0; j < mean.size(); ++j) {
            if (methods[static_cast<std::size_t>(j)] == EnsembleMethod::uniform) continue;  // no quality weighting
            REQUIRE(mean[j] >= best - noise);
        }
        // Weights on the simplex on every outer fold.
        for (const auto& fold : cmp.weights)
            for (const Vector& w : fold) {
                REQUIRE((w.array() >= 0).all());
                REQUIRE(w.sum() == Approx(1.0));
            }
        better += mean[cmp.column(EnsembleMethod::ensemble_selection)] > best ? 1 : 0;
    }
    // Averaged over the datasets, ensemble selection is at least as good as the best single
    // model (measured: 7 datasets, 3×3 nested CV; see examples/ensembles for the full table).
    INFO("mean scores " << (total / static_cast<double>(files.size())).transpose() << "; ensemble selection better on "
                        << better << " of " << files.size());
    REQUIRE(total[4] >= total[0]);
}
