#pragma once
/// @file mlp_meta_model.hpp
/// @brief `MlpMetaModel`: the textbook neural meta-model — one hidden layer of 10 ReLU units,
/// linear output, Adam, mean squared error — as `models::MLPRegressor` on standardised inputs
/// and targets.
///
/// Inputs and targets are standardised inside the model (the MLP itself does not scale); fit,
/// predict and save/load are delegated to the `models::MLPRegressor`, whose saved state (network
/// architecture and flat parameter vector) makes a loaded model predict exactly like the fitted
/// one. No predictive std (strategies that need one use the training RMSE instead).

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/meta/meta_model.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/mlp.hpp"
#include "metalearn/models/network.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <vector>

namespace metalearn::meta {

/// Hyperparameters of `MlpMetaModel` (defaults: the textbook meta-model).
struct MlpMetaModelParams {
    int hidden_units = 10;             ///< ReLU units in the single hidden layer, ≥ 1
    double learning_rate = 1e-3;       ///< Adam step size, > 0
    double alpha = 1e-4;               ///< L2 penalty, ≥ 0
    int max_iter = 500;                ///< epochs, ≥ 1
    int batch_size = 200;              ///< mini-batch rows, ≥ 1
    std::uint64_t seed = 0;            ///< initialisation and shuffling
};

/// MLP regression meta-model; see the file documentation.
class MlpMetaModel {
public:
    using params_type = MlpMetaModelParams;

    /// @throws ConfigError for invalid parameters (checked by `models::MLPRegressor`).
    explicit MlpMetaModel(params_type p = {}) : p_(p), model_(base_params()) { model_.set_seed(p_.seed); }
    [[nodiscard]] const params_type& params() const noexcept { return p_; }

    /// Fit on Z (n×d, finite) and scores s (n, finite); both are standardised first.
    /// @throws DataError on bad input; NumericalError when training diverges.
    void fit(const MatrixRef& Z, const VectorRef& s);

    /// m×d → m. @throws NotFitted, DataError.
    [[nodiscard]] Vector predict(const MatrixRef& Z) const {
        detail::check_predict_input("MlpMetaModel::predict()", model_.is_fitted(), Z, model_.network().n_inputs());
        return ys_.inverse(model_.predict(xs_.transform(Z)));
    }

    /// The fitted base model (it expects standardised inputs and predicts standardised scores).
    [[nodiscard]] const models::MLPRegressor& model() const noexcept { return model_; }

    /// `{"type": "MlpMetaModel", "format_version": 2, "params": {...}, "x_scaler": {"mean",
    /// "scale"}, "y_mean", "y_scale", "model": <models::MLPRegressor::to_json()>}`.
    /// @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const;

    /// A fitted meta-model from `to_json()`'s output, or from the earlier layout (no
    /// `format_version`; the network as `layer_sizes`, `activation` (0 = ReLU, 1 = tanh,
    /// 2 = logistic) and `theta`), which predicts exactly as the model that wrote it (its
    /// base model then reports `n_iter() == 0` and empty curves: they were not saved).
    /// @throws ParseError when `j` is not a saved MLP meta-model (wrong type or version, missing
    ///         field, wrong JSON type); DataError when a value is unusable (non-finite, out of
    ///         range, a network or base model that does not match `params`, wrong lengths).
    ///         Messages name the field as a JSON pointer.
    [[nodiscard]] static MlpMetaModel from_json(const nlohmann::json& j);

private:
    [[nodiscard]] models::MLPParams base_params() const;

    // A models::MLPRegressor document without its network and θ, for the earlier layout:
    // the base parameters and seed, no training history.
    [[nodiscard]] nlohmann::json model_params_json() const;

    params_type p_;
    detail::Standardizer xs_;
    detail::TargetScaler ys_;
    models::MLPRegressor model_;
};

static_assert(MetaModel<MlpMetaModel>);

}  // namespace metalearn::meta

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/meta/mlp_meta_model_impl.hpp"
#endif
