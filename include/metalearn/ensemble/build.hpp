#pragma once
/// @file build.hpp
/// @brief From candidate configurations to a fitted ensemble in one call: cross-validate every
///        candidate (keeping its out-of-fold predictions), fit the weights on those predictions,
///        refit the members on the full data.
///
/// No weight is fitted on data a model was trained on: the weights only see out-of-fold
/// predictions, each row predicted by the fold model that did not train on it. The same folds
/// serve every candidate, so their out-of-fold predictions are comparable row by row.
///
/// Typical use with the hyperparameter predictor's top-k configurations:
/// @code
/// auto configs = predictor.suggest(features, 10);               // std::vector<Params>
/// auto ens = ensemble::build_ensemble(models::RandomForestClassifier{}, configs, dataset, 5,
///                                     hpo::Metric::balanced_accuracy, seed);
/// Vector labels = ens.predict(new_X_raw);                        // raw features, preprocessed inside
/// @endcode

#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/preprocess.hpp"
#include "metalearn/data/split.hpp"
#include "metalearn/ensemble/any_model.hpp"
#include "metalearn/ensemble/averaging.hpp"
#include "metalearn/ensemble/loss.hpp"
#include "metalearn/ensemble/method.hpp"
#include "metalearn/ensemble/weights.hpp"
#include "metalearn/hpo/cross_validate.hpp"
#include "metalearn/hpo/metrics.hpp"
#include "metalearn/models/base_model.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace metalearn::ensemble {

/// The loss that weights are fitted on when the user asks for metric `m`:
/// accuracy → error rate, balanced accuracy → balanced error rate, log-loss and ROC AUC →
/// log-loss, RMSE and R² → squared error, MAE → absolute error.
[[nodiscard]] constexpr Loss loss_for_metric(hpo::Metric m) noexcept {
    switch (m) {
        case hpo::Metric::accuracy: return Loss::error_rate;
        case hpo::Metric::balanced_accuracy: return Loss::balanced_error_rate;
        case hpo::Metric::log_loss:
        case hpo::Metric::roc_auc: return Loss::log_loss;
        case hpo::Metric::rmse:
        case hpo::Metric::r2: return Loss::squared_error;
        case hpo::Metric::mae: return Loss::absolute_error;
    }
    return Loss::automatic;
}

/// Options of `evaluate_candidates` / `build_ensemble`.
struct BuildOptions {
    /// How weights are fitted (default: greedy ensemble selection, as auto-sklearn).
    EnsembleMethod method = EnsembleMethod::ensemble_selection;
    /// Weight-fitting options; a `loss` of `automatic` means `loss_for_metric(metric)`.
    WeightOptions weights{};
    /// Cross-validation options (preprocessing; `keep_oof_predictions` is always turned on).
    hpo::CvOptions cv{};
    /// Called with a message when a candidate fails (its cross-validation throws a
    /// `metalearn::Error`); the candidate then gets weight 0 and the build goes on. Empty
    /// (default): the error propagates.
    WarningCallback on_failure = {};
    /// Progress over candidates (returning true stops after the current one; the library then
    /// holds the candidates evaluated so far).
    ProgressCallback progress = {};
};

/// What cross-validation measured for one candidate.
struct CandidateResult {
    std::string description;  ///< `AnyModel::describe()`
    hpo::CvResult cv;         ///< fold scores, mean, sd, timings, out-of-fold predictions
    bool failed = false;      ///< true if cross-validation threw (then `error` says why)
    std::string error;        ///< the failure message
};

/// The out-of-fold predictions of a set of candidates on one dataset: the library that ensemble
/// weights are fitted on.
struct CandidateLibrary {
    std::vector<AnyModel> candidates;        ///< every candidate, in input order
    std::vector<CandidateResult> results;    ///< one per evaluated candidate (same order)
    std::vector<Index> usable;               ///< indices of the candidates that did not fail
    std::vector<Matrix> oof_predictions;     ///< one n×K (or n×1) matrix per usable candidate
    Vector y;                                ///< the n targets
    hpo::Metric metric = hpo::Metric::accuracy;
    Index n_classes = 0;                     ///< K for classification, 0 for regression
    std::vector<data::Fold> folds;           ///< the folds every candidate used
};

namespace detail {

inline constexpr std::uint64_t refit_seed_id = 0x726566697454ULL;

inline void check_candidates(const std::vector<AnyModel>& candidates, const data::Dataset& dataset,
                             std::string_view where) {
    if (candidates.empty()) throw DataError(fmt::format("{}: no candidates (expected at least 1, got 0)", where));
    for (std::size_t c = 0; c < candidates.size(); ++c) {
        if (!candidates[c].has_value())
            throw DataError(fmt::format("{}: candidate {} is an empty AnyModel (expected a held model)", where, c));
        if (candidates[c].is_classifier() != dataset.is_classification())
            throw ConfigError(fmt::format("{}: candidate {} ('{}') is a {} but '{}' is a {} task", where, c,
                                          candidates[c].name(), candidates[c].is_classifier() ? "classifier" : "regressor",
                                          dataset.name(), dataset.is_classification() ? "classification" : "regression"));
    }
    if (dataset.is_classification() && dataset.n_classes() < 2)
        throw DataError(fmt::format("{}: '{}' declares {} class (expected at least 2)", where, dataset.name(),
                                    dataset.n_classes()));
}

}  // namespace detail

/// Cross-validate every candidate on the same folds and keep their out-of-fold predictions.
///
/// Candidate c is evaluated by `hpo::cross_validate` with model seed `derive_seed(seed, {c})`.
/// @param candidates M ≥ 1 models with their hyperparameters (classifiers for a classification
///                   dataset, regressors for a regression one).
/// @param dataset    the task (raw features; preprocessing is fitted on each training fold).
/// @param folds      train/test splits whose test sets cover every row (e.g. `data::make_folds`).
/// @param metric     the score reported per candidate; also picks the default weight loss.
/// @param seed       base seed.
/// @throws DataError if there is no candidate, a candidate is empty, the folds leave a row
///         without an out-of-fold prediction, or every candidate failed; ConfigError if a
///         candidate does not fit the task; a candidate's error if `on_failure` is empty.
[[nodiscard]] inline CandidateLibrary evaluate_candidates(std::vector<AnyModel> candidates,
                                                          const data::Dataset& dataset,
                                                          const std::vector<data::Fold>& folds, hpo::Metric metric,
                                                          std::uint64_t seed, const BuildOptions& options = {}) {
    constexpr std::string_view where = "ensemble::evaluate_candidates()";
    detail::check_candidates(candidates, dataset, where);
    CandidateLibrary lib;
    lib.y = dataset.y();
    lib.metric = metric;
    lib.n_classes = dataset.is_classification() ? dataset.n_classes() : 0;
    lib.folds = folds;
    hpo::CvOptions cv = options.cv;
    cv.keep_oof_predictions = true;
    Progress progress{0, candidates.size(), 0, {}};
    for (std::size_t c = 0; c < candidates.size(); ++c) {
        CandidateResult r;
        r.description = candidates[c].describe();
        try {
            r.cv = candidates[c].cross_validate(dataset, folds, metric, derive_seed(seed, {static_cast<std::uint64_t>(c)}),
                                                cv);
            const Matrix& oof = r.cv.oof_predictions;
            for (Index i = 0; i < oof.rows(); ++i)
                if (std::isnan(oof(i, 0)))
                    throw DataError(fmt::format("{}: row {} is in no test fold (expected folds whose test sets cover "
                                                "every row)",
                                                where, i));
            if (!oof.allFinite())
                throw DataError(fmt::format("{}: candidate {} ('{}') made a non-finite out-of-fold prediction", where, c,
                                            r.description));
        } catch (const Error& e) {
            if (!options.on_failure) throw;
            r.failed = true;
            r.error = e.what();
            options.on_failure(fmt::format("{}: candidate {} ('{}') failed: {}", where, c, r.description, e.what()));
            ++progress.failed;
        }
        if (!r.failed) {
            lib.usable.push_back(static_cast<Index>(c));
            lib.oof_predictions.push_back(r.cv.oof_predictions);
        }
        lib.results.push_back(std::move(r));
        ++progress.done;
        progress.label = lib.results.back().description;
        if (options.progress && options.progress(progress)) break;
    }
    if (lib.usable.empty())
        throw DataError(fmt::format("{}: every one of the {} evaluated candidates failed on '{}'", where,
                                    lib.results.size(), dataset.name()));
    lib.candidates = std::move(candidates);
    return lib;
}

/// An ensemble fitted by `build_ensemble`: the preprocessing fitted on the full data, the
/// weighted average of the refitted members, and how it was obtained.
///
/// `predict` / `predict_proba` / `predict_matrix` take *raw* features (n×p as in the dataset:
/// NaN for missing values, nominal codes) and preprocess them as the members were trained.
class FittedEnsemble {
public:
    FittedEnsemble() = default;
    FittedEnsemble(data::Preprocessor preprocessor, WeightedAveraging model, CandidateLibrary library,
                   EnsembleMethod method, WeightFit fit, Loss loss, double oof_score)
        : preprocessor_(std::move(preprocessor)),
          model_(std::move(model)),
          library_(std::move(library)),
          method_(method),
          fit_(std::move(fit)),
          loss_(loss),
          oof_score_(oof_score) {}

    /// m×K averaged probabilities (classification) or m×1 values, from raw m×p features.
    /// @throws NotFitted for a default-constructed ensemble; DataError on a width mismatch.
    [[nodiscard]] Matrix predict_matrix(const MatrixRef& X) const {
        if (!model_.is_fitted()) throw NotFitted("FittedEnsemble::predict_matrix(): empty ensemble (use build_ensemble)");
        return model_.predict_matrix(preprocessor_.transform(X));
    }
    /// m×K averaged class probabilities. @throws ConfigError for regression.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const {
        if (!model_.is_fitted()) throw NotFitted("FittedEnsemble::predict_proba(): empty ensemble (use build_ensemble)");
        return model_.predict_proba(preprocessor_.transform(X));
    }
    /// m class codes (argmax of the averaged probabilities) or averaged values.
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        if (!model_.is_fitted()) throw NotFitted("FittedEnsemble::predict(): empty ensemble (use build_ensemble)");
        return model_.predict(preprocessor_.transform(X));
    }

    /// The weighted average over the usable candidates (weights in `library().usable` order).
    [[nodiscard]] const WeightedAveraging& model() const noexcept { return model_; }
    [[nodiscard]] const data::Preprocessor& preprocessor() const noexcept { return preprocessor_; }
    /// Candidates, their cross-validation results and out-of-fold predictions.
    [[nodiscard]] const CandidateLibrary& library() const noexcept { return library_; }
    [[nodiscard]] EnsembleMethod method() const noexcept { return method_; }
    /// The loss the weights were fitted on.
    [[nodiscard]] Loss loss() const noexcept { return loss_; }
    /// The weight fit over the usable candidates.
    [[nodiscard]] const WeightFit& weight_fit() const noexcept { return fit_; }
    /// One weight per candidate in input order (0 for failed candidates), Σ = 1.
    [[nodiscard]] Vector candidate_weights() const {
        Vector w = Vector::Zero(static_cast<Index>(library_.results.size()));
        for (std::size_t u = 0; u < library_.usable.size(); ++u)
            w[library_.usable[u]] = fit_.weights[static_cast<Index>(u)];
        return w;
    }
    /// The metric of the weighted out-of-fold predictions. Optimistic: the weights were fitted
    /// on these same predictions (use a hold-out set or nested CV for an unbiased estimate).
    [[nodiscard]] double oof_score() const noexcept { return oof_score_; }
    /// Index (into the candidates) of the usable candidate with the best mean CV score.
    [[nodiscard]] Index best_candidate() const {
        Index best = -1;
        const bool higher = hpo::higher_is_better(library_.metric);
        for (Index c : library_.usable) {
            const double s = library_.results[static_cast<std::size_t>(c)].cv.mean;
            if (best < 0) best = c;
            else {
                const double b = library_.results[static_cast<std::size_t>(best)].cv.mean;
                if (higher ? s > b : s < b) best = c;
            }
        }
        return best;
    }

private:
    data::Preprocessor preprocessor_;
    WeightedAveraging model_;
    CandidateLibrary library_;
    EnsembleMethod method_ = EnsembleMethod::ensemble_selection;
    WeightFit fit_;
    Loss loss_ = Loss::automatic;
    double oof_score_ = 0.0;
};

/// Fit weights on an evaluated library and refit the members with positive weight on the full
/// dataset (preprocessing fitted on the full dataset, options from `options.cv.preprocess`;
/// member u seeded with `derive_seed(derive_seed(seed, {refit}), {u})`).
/// @param library from `evaluate_candidates` on `dataset`.
/// @throws DataError if `library` does not match `dataset` (sample count); ConfigError for
///         invalid weight options; what the members' `fit` throws.
[[nodiscard]] inline FittedEnsemble fit_ensemble(CandidateLibrary library, const data::Dataset& dataset,
                                                 std::uint64_t seed, const BuildOptions& options = {}) {
    constexpr std::string_view where = "ensemble::fit_ensemble()";
    if (library.y.size() != dataset.n_samples() || library.oof_predictions.empty())
        throw DataError(fmt::format("{}: library of {} rows for '{}' with {} rows (expected the library of this "
                                    "dataset)",
                                    where, library.y.size(), dataset.name(), dataset.n_samples()));
    WeightOptions wopts = options.weights;
    if (wopts.loss == Loss::automatic) wopts.loss = loss_for_metric(library.metric);
    WeightFit fit = fit_weights(library.oof_predictions, library.y, options.method, wopts);
    const Matrix combined = combine(library.oof_predictions, fit.weights);
    const double oof = hpo::score(library.metric, library.y, combined, library.n_classes);

    data::Preprocessor prep(options.cv.preprocess);
    prep.fit(dataset);
    const Matrix X = prep.transform(dataset.X());
    std::vector<AnyModel> members;
    members.reserve(library.usable.size());
    for (Index c : library.usable) members.push_back(library.candidates[static_cast<std::size_t>(c)]);
    WeightedAveraging model(std::move(members), fit.weights);
    model.fit(X, dataset.y(), library.n_classes, derive_seed(seed, {detail::refit_seed_id}));
    return {std::move(prep), std::move(model), std::move(library), options.method, std::move(fit), wopts.loss, oof};
}

/// Evaluate heterogeneous candidates by cross-validation and return their fitted ensemble.
/// @param candidates models of any types (all classifiers or all regressors), with their
///                   hyperparameters set.
/// @param folds      shared train/test splits covering every row.
/// @throws as `evaluate_candidates` and `fit_ensemble`.
/// Complexity: M cross-validations + one weight fit + one refit per member with positive weight.
[[nodiscard]] inline FittedEnsemble build_ensemble(std::vector<AnyModel> candidates, const data::Dataset& dataset,
                                                   const std::vector<data::Fold>& folds, hpo::Metric metric,
                                                   std::uint64_t seed, const BuildOptions& options = {}) {
    return fit_ensemble(evaluate_candidates(std::move(candidates), dataset, folds, metric, seed, options), dataset, seed,
                        options);
}

/// As above with `n_folds` folds from `data::make_folds(dataset, n_folds,
/// derive_seed(seed, {hpo::cv_fold_seed_id}))` — the folds `hpo::cross_validate` makes for the
/// same seed (stratified for classification).
/// @throws DataError from `make_folds` (n_folds < 2 or > n, a class smaller than n_folds
///         unless `options.cv.on_small_class` is set), and as above.
[[nodiscard]] inline FittedEnsemble build_ensemble(std::vector<AnyModel> candidates, const data::Dataset& dataset,
                                                   Index n_folds, hpo::Metric metric, std::uint64_t seed,
                                                   const BuildOptions& options = {}) {
    const auto folds =
        data::make_folds(dataset, n_folds, derive_seed(seed, {hpo::cv_fold_seed_id}), options.cv.on_small_class);
    return build_ensemble(std::move(candidates), dataset, folds, metric, seed, options);
}

/// Evaluate several configurations of one model type (e.g. the top-k suggested by the
/// hyperparameter predictor) by cross-validation and return their fitted ensemble.
/// @tparam M a `models::BaseModel` (a `models::Classifier` for classification).
/// @param prototype copied for each configuration.
/// @param configs   M ≥ 1 configurations (validated by `set_params`).
/// @throws ConfigError for an invalid configuration; as the heterogeneous overload.
template <models::BaseModel M>
[[nodiscard]] FittedEnsemble build_ensemble(const M& prototype, const std::vector<typename M::params_type>& configs,
                                            const data::Dataset& dataset, const std::vector<data::Fold>& folds,
                                            hpo::Metric metric, std::uint64_t seed, const BuildOptions& options = {}) {
    return build_ensemble(make_candidates(prototype, configs), dataset, folds, metric, seed, options);
}

/// As above with `n_folds` folds (see the heterogeneous `n_folds` overload).
template <models::BaseModel M>
[[nodiscard]] FittedEnsemble build_ensemble(const M& prototype, const std::vector<typename M::params_type>& configs,
                                            const data::Dataset& dataset, Index n_folds, hpo::Metric metric,
                                            std::uint64_t seed, const BuildOptions& options = {}) {
    return build_ensemble(make_candidates(prototype, configs), dataset, n_folds, metric, seed, options);
}

}  // namespace metalearn::ensemble
