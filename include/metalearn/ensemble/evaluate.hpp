#pragma once
/// @file evaluate.hpp
/// @brief Nested evaluation of ensemble methods: weights fitted on inner out-of-fold predictions,
///        scored on outer test folds that neither the members nor the weights have seen.

#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/preprocess.hpp"
#include "metalearn/data/split.hpp"
#include "metalearn/ensemble/any_model.hpp"
#include "metalearn/ensemble/build.hpp"
#include "metalearn/ensemble/method.hpp"
#include "metalearn/hpo/cross_validate.hpp"
#include "metalearn/hpo/metrics.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <vector>

namespace metalearn::ensemble {

/// Outcome of `compare_methods`.
struct MethodComparison {
    std::vector<EnsembleMethod> methods;  ///< the compared methods (columns of `scores`)
    /// outer folds × methods: the metric of each method's ensemble on each outer test fold.
    Matrix scores;
    /// per outer fold: the best test score of any single candidate (an oracle that looks at the
    /// test fold, for reference only; not attainable without it).
    Vector oracle_single;
    /// weights[f][j]: the candidate weights (one per candidate, 0 for failed ones) of method j on
    /// outer fold f.
    std::vector<std::vector<Vector>> weights;
    hpo::Metric metric = hpo::Metric::accuracy;

    /// Mean score of each method over the outer folds (one entry per method).
    [[nodiscard]] Vector mean() const { return scores.colwise().mean(); }
    /// Column of `method` in `scores`. @throws ConfigError if it was not compared.
    [[nodiscard]] Index column(EnsembleMethod method) const {
        for (std::size_t j = 0; j < methods.size(); ++j)
            if (methods[j] == method) return static_cast<Index>(j);
        throw ConfigError(fmt::format("MethodComparison::column(): method '{}' was not compared", method_name(method)));
    }
};

/// Compare weight-fitting methods by nested cross-validation on one dataset.
///
/// For each outer fold f: the candidates are cross-validated on the outer training rows with
/// `inner_folds` folds (`data::make_folds(train, inner_folds, derive_seed(seed, {f, hpo::cv_fold_seed_id}))`,
/// model seeds as in `evaluate_candidates` with base `derive_seed(seed, {f})`); each method fits
/// its weights on those inner out-of-fold predictions; every usable candidate is refitted on the
/// outer training rows (preprocessing fitted there) and predicts the outer test rows; each
/// method's score is the metric of its weighted test predictions. So the weights and the
/// members never see the rows they are scored on, and "best_single" is the member chosen by
/// inner cross-validation — the fair baseline for an ensemble.
///
/// Every method shares the same inner cross-validation and refits (only the weights differ), so
/// comparing many methods costs little more than one.
/// @param candidates M ≥ 1 models (all classifiers or all regressors, matching the dataset).
/// @param outer_folds splits of `dataset` (e.g. `data::make_folds(dataset, 5, seed)`).
/// @param inner_folds folds of the inner cross-validation (≥ 2).
/// @param methods    methods to compare (default: all).
/// @param options    weight options (loss `automatic` → `loss_for_metric`), CV options, failure
///                   callback (candidates whose inner cross-validation fails on a fold get
///                   weight 0 there; a failure in the refit on the outer training rows propagates).
/// @throws as `evaluate_candidates` for each outer training set; DataError for no outer fold;
///         ConfigError for an empty method list.
[[nodiscard]] inline MethodComparison compare_methods(
    const std::vector<AnyModel>& candidates, const data::Dataset& dataset, const std::vector<data::Fold>& outer_folds,
    Index inner_folds, hpo::Metric metric, std::uint64_t seed,
    const std::vector<EnsembleMethod>& methods = {all_methods.begin(), all_methods.end()},
    const BuildOptions& options = {}) {
    constexpr std::string_view where = "ensemble::compare_methods()";
    if (outer_folds.empty()) throw DataError(fmt::format("{}: no outer folds (expected at least 1)", where));
    if (methods.empty()) throw ConfigError(fmt::format("{}: no methods to compare (expected at least 1)", where));
    MethodComparison out;
    out.methods = methods;
    out.metric = metric;
    out.scores.resize(static_cast<Index>(outer_folds.size()), static_cast<Index>(methods.size()));
    out.oracle_single.resize(static_cast<Index>(outer_folds.size()));
    const Index k = dataset.is_classification() ? dataset.n_classes() : 0;
    const bool higher = hpo::higher_is_better(metric);
    WeightOptions wopts = options.weights;
    if (wopts.loss == Loss::automatic) wopts.loss = loss_for_metric(metric);

    for (std::size_t f = 0; f < outer_folds.size(); ++f) {
        const auto fid = static_cast<std::uint64_t>(f);
        const data::Dataset train = dataset.subset(outer_folds[f].train);
        const data::Dataset test = dataset.subset(outer_folds[f].test);
        const auto inner = data::make_folds(train, inner_folds, derive_seed(seed, {fid, hpo::cv_fold_seed_id}),
                                            options.cv.on_small_class);
        const CandidateLibrary lib = evaluate_candidates(candidates, train, inner, metric, derive_seed(seed, {fid}), options);

        data::Preprocessor prep(options.cv.preprocess);
        prep.fit(train);
        const Matrix X_train = prep.transform(train.X());
        const Matrix X_test = prep.transform(test.X());
        std::vector<Matrix> test_library;
        double oracle = 0.0;
        for (std::size_t u = 0; u < lib.usable.size(); ++u) {
            AnyModel m = candidates[static_cast<std::size_t>(lib.usable[u])];
            m.set_seed(derive_seed(seed, {fid, detail::refit_seed_id, static_cast<std::uint64_t>(u)}));
            m.fit(X_train, train.y(), k);
            test_library.push_back(m.predict_matrix(X_test));
            const double s = hpo::score(metric, test.y(), test_library.back(), k);
            if (u == 0 || (higher ? s > oracle : s < oracle)) oracle = s;
        }
        out.oracle_single[static_cast<Index>(f)] = oracle;

        std::vector<Vector> fold_weights;
        for (std::size_t j = 0; j < methods.size(); ++j) {
            const WeightFit fit = fit_weights(lib.oof_predictions, lib.y, methods[j], wopts);
            out.scores(static_cast<Index>(f), static_cast<Index>(j)) =
                hpo::score(metric, test.y(), combine(test_library, fit.weights), k);
            Vector w = Vector::Zero(static_cast<Index>(candidates.size()));
            for (std::size_t u = 0; u < lib.usable.size(); ++u) w[lib.usable[u]] = fit.weights[static_cast<Index>(u)];
            fold_weights.push_back(std::move(w));
        }
        out.weights.push_back(std::move(fold_weights));
    }
    return out;
}

}  // namespace metalearn::ensemble
