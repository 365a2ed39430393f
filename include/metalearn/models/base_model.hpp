#pragma once
/// @file base_model.hpp
/// @brief The `BaseModel` and `Classifier` concepts: what a learner must offer to be tuned.
///
/// A base model is a value type (copyable, default-constructible) with
/// - `params_type`: an aggregate of hyperparameters whose default member values are the defaults
///   of the usual reference implementation, so `Model({.alpha = 0.1})` reads well;
/// - `static constexpr std::string_view name`: a short, stable identifier written to records;
/// - `set_params(p)` / `params()`: replace or read the hyperparameters (`set_params` validates
///   and throws `ConfigError`; it leaves the model unfitted);
/// - `fit(X, y)`: X n×p numeric without missing values, y n (class codes or real values);
///   throws `DataError` on unusable data;
/// - `predict(X)`: m×p → m (class codes or values); throws `NotFitted` before `fit`;
/// - `is_fitted()`;
/// - `static search_space()`: the model's declared `hpo::SearchSpace<params_type>`.
///
/// A `Classifier` also has `fit(X, y, n_classes)` — the declared number of classes K, so that a
/// training fold that misses a class still gives `predict_proba(X)` of width K (m×K, rows sum
/// to 1) — and `n_classes()`. Plain `fit(X, y)` on a classifier uses K = max(y) + 1.
///
/// Models take numeric input only; imputation, one-hot encoding and scaling are separate steps
/// (`data/preprocess.hpp`) that `hpo::cross_validate` fits on training folds only.
///
/// Minimal conforming regressor (predicts the training mean):
/// @code
/// struct MeanRegressor {
///     struct params_type { double shrink = 0.0; };
///     static constexpr std::string_view name = "mean";
///     void set_params(const params_type& p) { p_ = p; fitted_ = false; }
///     [[nodiscard]] params_type params() const { return p_; }
///     void fit(const metalearn::MatrixRef& X, const metalearn::VectorRef& y) { mean_ = y.mean(); fitted_ = true; }
///     [[nodiscard]] metalearn::Vector predict(const metalearn::MatrixRef& X) const {
///         if (!fitted_) throw metalearn::NotFitted("MeanRegressor::predict(): call fit() first");
///         return metalearn::Vector::Constant(X.rows(), (1 - p_.shrink) * mean_);
///     }
///     [[nodiscard]] bool is_fitted() const { return fitted_; }
///     static metalearn::hpo::SearchSpace<params_type> search_space() {
///         return metalearn::hpo::SearchSpace<params_type>().add("shrink", &params_type::shrink,
///                                                               metalearn::hpo::uniform(0.0, 1.0));
///     }
///     params_type p_{}; double mean_ = 0; bool fitted_ = false;
/// };
/// static_assert(metalearn::models::BaseModel<MeanRegressor>);
/// @endcode

#include "metalearn/core/types.hpp"

#include <concepts>
#include <string_view>

namespace metalearn::models {

/// A tunable learner; see the file documentation for the full contract.
template <class M>
concept BaseModel = std::copyable<M> && std::default_initializable<M> && requires(
    M m, const M cm, const typename M::params_type& p, const MatrixRef& X, const VectorRef& y) {
    typename M::params_type;
    { M::name } -> std::convertible_to<std::string_view>;
    m.set_params(p);
    { cm.params() } -> std::convertible_to<typename M::params_type>;
    m.fit(X, y);
    { cm.predict(X) } -> std::convertible_to<Vector>;
    { cm.is_fitted() } -> std::convertible_to<bool>;
    M::search_space();
};

/// A `BaseModel` that predicts classes and class probabilities over K declared classes.
template <class M>
concept Classifier = BaseModel<M> && requires(M m, const M cm, const MatrixRef& X, const VectorRef& y, Index k) {
    m.fit(X, y, k);
    { cm.predict_proba(X) } -> std::convertible_to<Matrix>;
    { cm.n_classes() } -> std::convertible_to<Index>;
};

/// A `BaseModel` that is not a `Classifier`: predicts real values.
template <class M>
concept Regressor = BaseModel<M> && !Classifier<M>;

/// Optional part of a model: `static bool fits_rows(const params_type& p, Index n)` says whether
/// configuration `p` can be fitted on `n` training rows (k-NN: at most n neighbours). Models
/// without it fit any number of rows. Zero-shot suggestions and warm starts use it to leave out
/// configurations that the new dataset's size rules out.
template <class M>
concept DeclaresRowNeeds = requires(const typename M::params_type& p, Index n) {
    { M::fits_rows(p, n) } -> std::convertible_to<bool>;
};

/// `M::fits_rows(p, n)` when the model declares it (`DeclaresRowNeeds`), else true; n ≤ 0 (rows
/// unknown) is always true.
template <class M>
[[nodiscard]] bool fits_rows(const typename M::params_type& p, Index n) {
    if constexpr (DeclaresRowNeeds<M>) return n <= 0 || static_cast<bool>(M::fits_rows(p, n));
    else return true;
}

}  // namespace metalearn::models
