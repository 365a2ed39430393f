#pragma once
/// @file cross_validate.hpp
/// @brief `cross_validate`: the score of one configuration of one model on one dataset, by
/// k-fold cross-validation with preprocessing fitted on each training fold only.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/preprocess.hpp"
#include "metalearn/data/split.hpp"
#include "metalearn/hpo/metrics.hpp"
#include "metalearn/models/base_model.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

namespace metalearn::hpo {

/// Stop hook of `cross_validate` (`CvOptions::stop`): called after each fold but the last with
/// the number of folds done (1 ≤ folds_done < number of folds) and the wall time in seconds since
/// the first fold started; returning `true` stops the run before the next fold.
///
/// Example, a time budget of 10 s checked between folds (a fold in flight is not interrupted):
/// `opts.stop = [](Index, double seconds) { return seconds > 10.0; };`
using CvStopCallback = std::function<bool(Index folds_done, double elapsed_seconds)>;

/// Options of `cross_validate`.
struct CvOptions {
    /// Preprocessing fitted on each training fold (impute, one-hot, standardize; all on by default).
    data::PreprocessOptions preprocess{};
    /// Fill `CvResult::oof_predictions` (out-of-fold predictions, used by ensembles).
    bool keep_oof_predictions = false;
    /// For the overload that makes its own folds: called when a class has fewer members than
    /// folds (the split then proceeds). Empty (default): such a class is a `DataError`.
    WarningCallback on_small_class = {};
    /// Called between folds (`CvStopCallback`); `true` stops after the fold just done. The result
    /// then holds the folds done (`CvResult::fold_scores.size()`) and `CvResult::stopped` is set.
    /// Empty (default): every fold runs. Called on the calling thread; its exceptions propagate.
    CvStopCallback stop = {};
};

/// What `cross_validate` measured.
struct CvResult {
    std::vector<double> fold_scores;  ///< one score per fold run, in fold order (all folds unless `stopped`)
    double mean = std::numeric_limits<double>::quiet_NaN();  ///< mean of the fold scores
    double std = 0.0;                 ///< sample standard deviation (ddof = 1) of the fold scores; 0 for one fold
    double fit_seconds = 0.0;         ///< wall time of preprocessing + `fit`, summed over folds
    double predict_seconds = 0.0;     ///< wall time of transform + predict, summed over folds
    /// n×K class probabilities (classification) or n×1 values (regression), row i predicted by
    /// the fold whose test set holds i (the last such fold if folds overlap); NaN for rows in no
    /// test set (or whose fold did not run). Empty unless `CvOptions::keep_oof_predictions`.
    Matrix oof_predictions;
    /// `CvOptions::stop` returned true: only the first `fold_scores.size()` folds ran (at least one,
    /// fewer than all), and the mean, sd and timings cover those.
    bool stopped = false;
};

namespace detail {

template <class M>
concept HasSetSeed = requires(M m) { m.set_seed(std::uint64_t{}); };

METALEARN_INLINE void check_fold(const data::Fold& f, std::size_t index, Index n);

}  // namespace detail

/// Cross-validated score of `model_prototype` with hyperparameters `config` on `dataset`.
///
/// For each fold f (in order): a `data::Preprocessor` (options in `opts.preprocess`) is fitted
/// on the training rows only and transforms both parts; a copy of the prototype gets
/// `set_params(config)` and, if the model has `set_seed`, `set_seed(derive_seed(seed, {f}))`;
/// classifiers are fitted with `fit(X, y, K)` (K = `dataset.n_classes()`, so that
/// `predict_proba` keeps width K when a fold misses a class) and scored on `predict_proba`;
/// regressors with `fit(X, y)` and `predict`. The score is `hpo::score(metric, ...)`.
/// After each fold but the last, `opts.stop` (when set) may end the run early (`CvResult::stopped`).
///
/// @tparam M a `models::BaseModel`; a `models::Classifier` for a classification dataset.
/// @param model_prototype copied for each fold (not modified).
/// @param config          hyperparameters, passed to `set_params` (which validates them).
/// @param dataset         the task (raw: NaN allowed, nominal features as codes).
/// @param folds           train/test row indices (e.g. `data::make_folds`); at least one.
/// @param metric          must fit the task: a classification metric for a classification
///                        dataset, a regression metric for a regression one.
/// @param seed            base of the per-fold model seeds: fold f (0-based position in `folds`)
///                        gets `derive_seed(seed, {f})`. Same inputs and seed → same result.
/// @param opts            preprocessing, out-of-fold and stop options.
/// @return fold scores, their mean and sample sd, timings, optionally out-of-fold predictions,
///         whether the stop hook ended the run.
/// @throws ConfigError on a metric/task or model/task mismatch, or from `set_params`;
///         DataError on an empty fold list, an empty fold, a row index out of range, or a
///         prediction of the wrong shape. Exceptions from the model and the stop hook propagate
///         unchanged.
/// Complexity: k × (preprocessing + fit + predict).
template <models::BaseModel M>
[[nodiscard]] CvResult cross_validate(const M& model_prototype, const typename M::params_type& config,
                                      const data::Dataset& dataset, const std::vector<data::Fold>& folds, Metric metric,
                                      std::uint64_t seed, const CvOptions& opts = {}) {
    const bool classification = dataset.is_classification();
    if (classification != is_classification_metric(metric))
        throw ConfigError(fmt::format("hpo::cross_validate(): metric '{}' does not fit the {} task '{}'", to_string(metric),
                                      classification ? "classification" : "regression", dataset.name()));
    if constexpr (models::Classifier<M>) {
        if (!classification)
            throw ConfigError(fmt::format("hpo::cross_validate(): classifier '{}' on the regression task '{}'",
                                          std::string_view(M::name), dataset.name()));
    } else {
        if (classification)
            throw ConfigError(fmt::format("hpo::cross_validate(): regressor '{}' on the classification task '{}'",
                                          std::string_view(M::name), dataset.name()));
    }
    if (folds.empty()) throw DataError("hpo::cross_validate(): no folds (expected at least 1)");
    const Index n = dataset.n_samples();
    for (std::size_t f = 0; f < folds.size(); ++f) detail::check_fold(folds[f], f, n);

    const Index k = dataset.n_classes();
    const Index width = classification ? k : 1;
    CvResult result;
    result.fold_scores.reserve(folds.size());
    if (opts.keep_oof_predictions) result.oof_predictions = Matrix::Constant(n, width, std::numeric_limits<double>::quiet_NaN());

    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    for (std::size_t f = 0; f < folds.size(); ++f) {
        const auto& fold = folds[f];
        const auto t0 = clock::now();
        data::Preprocessor prep(opts.preprocess);
        const Matrix X_train_raw = dataset.X()(fold.train, Eigen::all);
        prep.fit(X_train_raw, dataset.features());
        const Matrix X_train = prep.transform(X_train_raw);
        const Vector y_train = dataset.y()(fold.train);
        M model = model_prototype;
        model.set_params(config);
        if constexpr (detail::HasSetSeed<M>) model.set_seed(derive_seed(seed, {static_cast<std::uint64_t>(f)}));
        if constexpr (models::Classifier<M>) model.fit(X_train, y_train, k);
        else model.fit(X_train, y_train);
        const auto t1 = clock::now();

        const Matrix X_test = prep.transform(dataset.X()(fold.test, Eigen::all));
        Matrix prediction;
        if constexpr (models::Classifier<M>) prediction = model.predict_proba(X_test);
        else prediction = Matrix(model.predict(X_test));
        const auto t2 = clock::now();
        if (prediction.rows() != X_test.rows() || prediction.cols() != width)
            throw DataError(fmt::format("hpo::cross_validate(): '{}' predicted a {}×{} matrix on fold {} (expected {}×{})",
                                        std::string_view(M::name), prediction.rows(), prediction.cols(), f, X_test.rows(), width));
        const Vector y_test = dataset.y()(fold.test);
        result.fold_scores.push_back(score(metric, y_test, prediction, classification ? k : 0));
        result.fit_seconds += std::chrono::duration<double>(t1 - t0).count();
        result.predict_seconds += std::chrono::duration<double>(t2 - t1).count();
        if (opts.keep_oof_predictions)
            for (std::size_t r = 0; r < fold.test.size(); ++r)
                result.oof_predictions.row(fold.test[r]) = prediction.row(static_cast<Index>(r));
        if (opts.stop && f + 1 < folds.size() &&
            opts.stop(static_cast<Index>(f + 1), std::chrono::duration<double>(clock::now() - start).count())) {
            result.stopped = true;
            break;
        }
    }

    const auto m = static_cast<double>(result.fold_scores.size());
    double sum = 0;
    for (double s : result.fold_scores) sum += s;
    result.mean = sum / m;
    if (result.fold_scores.size() > 1) {
        double ss = 0;
        for (double s : result.fold_scores) ss += (s - result.mean) * (s - result.mean);
        result.std = std::sqrt(ss / (m - 1));
    }
    return result;
}

/// Identifier mixed into the seed of the folds that `cross_validate` makes itself, so that they
/// do not share a stream with the per-fold model seeds.
inline constexpr std::uint64_t cv_fold_seed_id = 0x666f6c6473ULL;

/// As above, with `n_folds` folds made by `data::make_folds(dataset, n_folds,
/// derive_seed(seed, {cv_fold_seed_id}), opts.on_small_class)` (stratified for classification).
/// Every configuration evaluated with the same seed on a dataset sees the same folds.
/// @throws DataError from `make_folds` (n_folds < 2 or > n, a class smaller than n_folds without
///         `on_small_class`), and as the overload above.
template <models::BaseModel M>
[[nodiscard]] CvResult cross_validate(const M& model_prototype, const typename M::params_type& config,
                                      const data::Dataset& dataset, Index n_folds, Metric metric, std::uint64_t seed,
                                      const CvOptions& opts = {}) {
    const auto folds = data::make_folds(dataset, n_folds, derive_seed(seed, {cv_fold_seed_id}), opts.on_small_class);
    return cross_validate(model_prototype, config, dataset, folds, metric, seed, opts);
}

}  // namespace metalearn::hpo

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/hpo/cross_validate_impl.hpp"
#endif

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library's instances for the bundled models (core/compiled_instances.hpp).
#define METALEARN_DECLARES_CROSS_VALIDATE
#include "metalearn/core/compiled_instances.hpp"
#endif
