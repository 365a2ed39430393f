#pragma once
/// @file mlp.hpp
/// @brief Multi-layer perceptrons trained with Adam: `MLPClassifier` (softmax cross-entropy)
/// and `MLPRegressor` (squared error), following scikit-learn 1.2's `MLPClassifier` /
/// `MLPRegressor` with `solver="adam"`.
///
/// Both run on `models::Network` (one network core for the library). Training, per epoch: the
/// training rows are shuffled and cut into mini-batches of min(batch_size, n) rows; each batch
/// takes one Adam step (Kingma & Ba 2015; β1 0.9, β2 0.999, ε 1e-8, step `learning_rate_init`)
/// on the batch loss + (alpha / (2·n_batch))·Σ‖W‖² (weights only, not biases), as scikit-learn.
/// The loss is the mean softmax cross-entropy (classifier) or ½·mean squared error (regressor,
/// scikit-learn's "squared_error" loss). Initial weights and biases: Glorot uniform as
/// scikit-learn (`Init::glorot_uniform`).
///
/// Stopping, as scikit-learn: after each epoch, with `early_stopping` the score on a held-out
/// `validation_fraction` of the training rows (accuracy, or R² for the regressor) is compared
/// with the best so far, otherwise the epoch's training loss; an epoch that does not improve on
/// the best by more than `tol` counts as "no change", and training stops once more than
/// `n_iter_no_change` consecutive epochs did not improve, or after `max_iter` epochs. With early
/// stopping, the parameters of the best validation epoch are kept.
///
/// Differences from scikit-learn, stated: a binary classifier has two softmax outputs (the
/// same model family as sklearn's single logistic output); the validation split is a random
/// split (not stratified); no warning is emitted when `max_iter` is reached.
///
/// Inputs are used as given: like scikit-learn, neither X nor y is standardised — scale the
/// features (data/preprocess.hpp) and keep regression targets of order 1.
///
/// Randomness: initialisation, shuffling and the validation split derive from `set_seed`
/// (default 0); same seed → same model.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/detail/validation.hpp"
#include "metalearn/models/network.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace metalearn::models {

/// Hyperparameters of `MLPClassifier` and `MLPRegressor`; defaults are scikit-learn 1.2's.
struct MLPParams {
    int hidden_layers = 1;                    ///< number of hidden layers (≥ 0; 0 = linear/softmax model)
    int hidden_units = 100;                   ///< units per hidden layer (≥ 1); sklearn's (100,)
    Activation activation = Activation::relu; ///< hidden activation
    double learning_rate_init = 1e-3;         ///< Adam step size (> 0)
    double alpha = 1e-4;                      ///< L2 penalty on the weights (≥ 0)
    int batch_size = 200;                     ///< mini-batch rows (≥ 1), min(batch_size, n) used
    int max_iter = 200;                       ///< maximum epochs (≥ 1)
    double tol = 1e-4;                        ///< improvement below this counts as no change (≥ 0)
    bool early_stopping = false;              ///< hold out a validation split and stop on its score
    double validation_fraction = 0.1;         ///< share held out with early stopping, in (0, 1)
    int n_iter_no_change = 10;                ///< epochs without improvement before stopping (≥ 1)
    /// Member-wise equality.
    bool operator==(const MLPParams&) const = default;
};

namespace detail {

/// Validate MLP hyperparameters; `where` is "Class::set_params()".
void validate_mlp(std::string_view where, const MLPParams& p);

/// The declared search space shared by both MLPs.
hpo::SearchSpace<MLPParams> mlp_search_space();

/// The JSON object of every `MLPParams` field (activation by name), as saved models write it.
[[nodiscard]] nlohmann::json mlp_params_json(const MLPParams& p);

/// What training produced.
struct MLPFitState {
    Network net;
    Vector theta;
    std::vector<double> loss_curve;
    std::vector<double> validation_scores;
    int n_iter = 0;
};

/// Train a network per the file documentation.
/// @param Y n×m targets (one-hot rows for classification).
/// @param labels class codes (classification, for the validation accuracy) or empty.
/// @param y regression targets (for validation R²) (n).
MLPFitState fit_mlp(std::string_view where, const MLPParams& p, std::uint64_t seed, const MatrixRef& X,
                    const Matrix& Y, bool classify, const VectorRef& y);

}  // namespace detail

/// Multi-layer perceptron classifier: softmax outputs over K declared classes, cross-entropy
/// loss, Adam (see the file documentation). Fit O(max_iter · n · n_params); predict O(m · n_params).
class MLPClassifier {
public:
    /// Hyperparameters; defaults are scikit-learn 1.2's `MLPClassifier` (one hidden layer of
    /// 100 ReLU units, Adam 1e-3, alpha 1e-4, batch 200, 200 epochs, tol 1e-4, no early stopping).
    using params_type = MLPParams;

    static constexpr std::string_view name = "mlp_classifier";

    MLPClassifier() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit MLPClassifier(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; leaves the model unfitted.
    /// @throws ConfigError when a value is out of range (see `MLPParams`).
    void set_params(const params_type& p);
    [[nodiscard]] params_type params() const { return p_; }
    /// Seed of initialisation, shuffling and the validation split (default 0).
    void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }

    /// Fit with K = max(y) + 1. @see fit(const MatrixRef&, const VectorRef&, Index)
    void fit(const MatrixRef& X, const VectorRef& y) { fit(X, y, 0); }

    /// Fit on X (n×p, finite) and class codes y (n, integers in [0, K)).
    /// @param n_classes declared K (≥ 2), or ≤ 0 for max(y) + 1.
    /// @throws DataError on empty/non-finite data, wrong lengths, bad labels, fewer than two
    ///         classes present, or too few rows for early stopping; NumericalError on divergence.
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes);

    /// Class probabilities, m×K (rows sum to 1). @throws NotFitted before fit; DataError on bad X.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const;
    /// Most probable class codes (m; lowest code on ties). @throws as predict_proba.
    [[nodiscard]] Vector predict(const MatrixRef& X) const { return detail::argmax_rows(predict_proba(X)); }

    [[nodiscard]] bool is_fitted() const noexcept { return fitted_; }
    /// K, the declared number of classes (0 before fit).
    [[nodiscard]] Index n_classes() const noexcept { return k_; }
    /// Epochs run by the last fit.
    [[nodiscard]] int n_iter() const noexcept { return n_iter_; }
    /// Training loss (with the L2 term) after each epoch.
    [[nodiscard]] const std::vector<double>& loss_curve() const noexcept { return loss_curve_; }
    /// Validation accuracy after each epoch (early stopping only).
    [[nodiscard]] const std::vector<double>& validation_scores() const noexcept { return validation_scores_; }
    /// The trained network and its parameters.
    [[nodiscard]] const Network& network() const noexcept { return net_; }
    [[nodiscard]] const Vector& coefficients() const noexcept { return theta_; }

    /// Declared search space: hidden_layers int [1, 3], hidden_units int-log [8, 256],
    /// activation {relu, tanh}, learning_rate_init log [1e-4, 1e-1], alpha log [1e-6, 1e-1],
    /// batch_size int-log [16, 256].
    static hpo::SearchSpace<params_type> search_space() { return detail::mlp_search_space(); }

private:
    params_type p_{};
    std::uint64_t seed_ = 0;
    Network net_;
    Vector theta_;
    std::vector<double> loss_curve_;
    std::vector<double> validation_scores_;
    int n_iter_ = 0;
    Index k_ = 0;
    bool fitted_ = false;
};

static_assert(Classifier<MLPClassifier>);

/// Multi-layer perceptron regressor: linear output, ½·MSE loss, Adam (see the file docs).
///
/// The textbook small network (one hidden layer of 10 ReLU units, linear output, Adam at 1e-3,
/// MSE) is `MLPRegressor({.hidden_layers = 1, .hidden_units = 10})`.
/// Fit O(max_iter · n · n_params); predict O(m · n_params).
class MLPRegressor {
public:
    /// Hyperparameters; defaults are scikit-learn 1.2's `MLPRegressor` (as `MLPClassifier`).
    using params_type = MLPParams;

    static constexpr std::string_view name = "mlp_regressor";

    MLPRegressor() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit MLPRegressor(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; leaves the model unfitted.
    /// @throws ConfigError when a value is out of range (see `MLPParams`).
    void set_params(const params_type& p);
    [[nodiscard]] params_type params() const { return p_; }
    /// Seed of initialisation, shuffling and the validation split (default 0).
    void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }
    /// The seed set by `set_seed`.
    [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

    /// Fit on X (n×p, finite) and targets y (n, finite).
    /// @throws DataError on empty/non-finite data, wrong lengths or too few rows for early
    ///         stopping; NumericalError on divergence.
    void fit(const MatrixRef& X, const VectorRef& y);

    /// Predicted values (m). @throws NotFitted before fit; DataError on bad X.
    [[nodiscard]] Vector predict(const MatrixRef& X) const;

    [[nodiscard]] bool is_fitted() const noexcept { return fitted_; }
    /// Epochs run by the last fit.
    [[nodiscard]] int n_iter() const noexcept { return n_iter_; }
    /// Training loss (½·MSE + L2 term) after each epoch.
    [[nodiscard]] const std::vector<double>& loss_curve() const noexcept { return loss_curve_; }
    /// Validation R² after each epoch (early stopping only).
    [[nodiscard]] const std::vector<double>& validation_scores() const noexcept { return validation_scores_; }
    /// The trained network and its parameters.
    [[nodiscard]] const Network& network() const noexcept { return net_; }
    [[nodiscard]] const Vector& coefficients() const noexcept { return theta_; }

    /// Declared search space: as `MLPClassifier::search_space()`.
    static hpo::SearchSpace<params_type> search_space() { return detail::mlp_search_space(); }

    /// The fitted model as JSON: `{"kind": "mlp_regressor", "version": 1, "params": {every
    /// `MLPParams` field; activation by name}, "seed", "network": {"layer_sizes", "activation"},
    /// "theta": [n_params values], "n_iter", "loss_curve": [n_iter], "validation_scores":
    /// [n_iter with early stopping, else empty]}`. `from_json` of it predicts bit-identically.
    /// @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const;

    /// A fitted model from `to_json()`'s output.
    /// @throws ParseError when `j` is not a saved MLP regressor (not an object, another kind, an
    ///         unknown version, a missing field, a value of the wrong JSON type, an unknown
    ///         activation); DataError when a value is unusable: hyperparameters out of range, a
    ///         network that does not match them (hidden layers and units, one output, the
    ///         activation), θ not of length n_params, non-finite numbers, curves whose lengths
    ///         do not match n_iter. Messages name the field as a JSON pointer.
    [[nodiscard]] static MLPRegressor from_json(const nlohmann::json& j);

private:
    static std::vector<double> to_std(const Vector& v) { return {v.data(), v.data() + v.size()}; }

    params_type p_{};
    std::uint64_t seed_ = 0;
    Network net_;
    Vector theta_;
    std::vector<double> loss_curve_;
    std::vector<double> validation_scores_;
    int n_iter_ = 0;
    bool fitted_ = false;
};

static_assert(Regressor<MLPRegressor>);

}  // namespace metalearn::models

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/models/mlp_impl.hpp"
#endif

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library's instances for the bundled models (core/compiled_instances.hpp).
#define METALEARN_DECLARES_MLP
#include "metalearn/core/compiled_instances.hpp"
#endif
