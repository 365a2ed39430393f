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
#include <metalearn/models/ridge.hpp>

#include <cmath>
#include <limits>
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

TEST_CASE("build_ensemble predicts from raw features with missing values and nominal columns", "[ensemble][real]") {
    // vote.arff: 16 nominal features with missing values. The fitted ensemble preprocesses raw
    // rows itself (imputer, one-hot, scaler fitted on the full data), so predict() takes X as read.
    const data::Dataset d = data::read_dataset(metalearn::test::data_file("weka/vote.arff"));
    REQUIRE(d.n_missing() > 0);
    const std::vector<models::KNeighborsClassifier::params_type> configs{
        {.n_neighbors = 1}, {.n_neighbors = 5}, {.n_neighbors = 15, .weights = models::KnnWeights::distance}};
    const FittedEnsemble ens = build_ensemble(models::KNeighborsClassifier{}, configs, d, 5,
                                              hpo::Metric::balanced_accuracy, 3, {.method = EnsembleMethod::simplex});
    REQUIRE(ens.candidate_weights().sum() == Approx(1.0));
    const Matrix p = ens.predict_proba(d.X());
    REQUIRE(p.rows() == d.n_samples());
    REQUIRE(p.allFinite());
    REQUIRE_THAT(Vector(p.rowwise().sum()), metalearn::test::approx_matrix(Vector::Ones(d.n_samples()), 1e-12));
    // Training-set accuracy of k-NN ensembles on vote is high (every member alone scores > 0.9 in
    // cross-validation); the out-of-fold estimate is the honest one and must be high too.
    REQUIRE(hpo::accuracy(d.y(), ens.predict(d.X())) > 0.9);
    REQUIRE(ens.oof_score() > 0.85);

    // Regression with mixed model types on cpu.arff (CPU performance, 209 rows).
    const data::Dataset cpu = data::read_dataset(metalearn::test::data_file("weka/cpu.arff"));
    REQUIRE_FALSE(cpu.is_classification());
    const FittedEnsemble reg = build_ensemble(
        {AnyModel(models::Ridge({.alpha = 1.0})), AnyModel(models::DecisionTreeRegressor({.max_depth = 4})),
         AnyModel(models::KNeighborsRegressor({.n_neighbors = 5}))},
        cpu, 5, hpo::Metric::rmse, 3, {.method = EnsembleMethod::simplex});
    REQUIRE(reg.candidate_weights().sum() == Approx(1.0));
    // The simplex-optimal combination of the out-of-fold predictions is at least as good as the
    // best member on pooled out-of-fold RMSE (the best vertex is feasible).
    double best = std::numeric_limits<double>::infinity();
    for (const Matrix& oof : reg.library().oof_predictions)
        best = std::min(best, hpo::rmse(cpu.y(), oof.col(0)));
    REQUIRE(reg.oof_score() <= best + 1e-9);
    REQUIRE(reg.predict(cpu.X()).size() == cpu.n_samples());
}
