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
    void fit(const MatrixRef& Z, const VectorRef& s) {
        detail::check_fit_input("MlpMetaModel::fit()", Z, s);
        detail::Standardizer xs;
        detail::TargetScaler ys;
        xs.fit(Z);
        ys.fit(s);
        models::MLPRegressor model(base_params());
        model.set_seed(p_.seed);
        model.fit(xs.transform(Z), ys.transform(s));
        xs_ = std::move(xs);
        ys_ = ys;
        model_ = std::move(model);
    }

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
    [[nodiscard]] nlohmann::json to_json() const {
        if (!model_.is_fitted()) throw NotFitted("MlpMetaModel::to_json(): call fit() first");
        return {{"type", "MlpMetaModel"},
                {"format_version", detail::kWrappedMetaModelFormat},
                {"params",
                 {{"hidden_units", p_.hidden_units},
                  {"learning_rate", p_.learning_rate},
                  {"alpha", p_.alpha},
                  {"max_iter", p_.max_iter},
                  {"batch_size", p_.batch_size},
                  {"seed", p_.seed}}},
                {"x_scaler", xs_.to_json()},
                {"y_mean", ys_.mean},
                {"y_scale", ys_.scale},
                {"model", model_.to_json()}};
    }

    /// A fitted meta-model from `to_json()`'s output, or from the earlier layout (no
    /// `format_version`; the network as `layer_sizes`, `activation` (0 = ReLU, 1 = tanh,
    /// 2 = logistic) and `theta`), which predicts exactly as the model that wrote it (its
    /// base model then reports `n_iter() == 0` and empty curves: they were not saved).
    /// @throws ParseError when `j` is not a saved MLP meta-model (wrong type or version, missing
    ///         field, wrong JSON type); DataError when a value is unusable (non-finite, out of
    ///         range, a network or base model that does not match `params`, wrong lengths).
    ///         Messages name the field as a JSON pointer.
    [[nodiscard]] static MlpMetaModel from_json(const nlohmann::json& j) {
        namespace md = models::detail;
        const md::JsonAt at{"MlpMetaModel::from_json()", ""};
        const int version = detail::read_meta_model_header(j, at, "MlpMetaModel");
        const auto pa = at / "params";
        const auto& pj = md::json_field(j, at, "params");
        constexpr Index int_max = std::numeric_limits<int>::max();
        const auto int_field = [&](const char* key) {
            return static_cast<int>(md::json_index(md::json_field(pj, pa, key), pa / key, -int_max, int_max));
        };
        params_type p;
        p.hidden_units = int_field("hidden_units");
        p.learning_rate = md::json_double(md::json_field(pj, pa, "learning_rate"), pa / "learning_rate");
        p.alpha = md::json_double(md::json_field(pj, pa, "alpha"), pa / "alpha");
        p.max_iter = int_field("max_iter");
        p.batch_size = int_field("batch_size");
        p.seed = md::json_uint64(md::json_field(pj, pa, "seed"), pa / "seed");
        MlpMetaModel m;
        try {
            m = MlpMetaModel(p);
        } catch (const ConfigError& e) {
            md::json_value_error(pa, e.what());
        }
        detail::TargetScaler ys;
        ys.mean = md::json_double(md::json_field(j, at, "y_mean"), at / "y_mean");
        ys.scale = md::json_double(md::json_field(j, at, "y_scale"), at / "y_scale");
        if (!(ys.scale > 0))
            md::json_value_error(at / "y_scale", fmt::format("scale out of range (expected > 0, got {})", ys.scale));
        if (version == 1) {
            // Earlier layout: the network and its parameters, which are the state of the base model.
            const Index a = md::json_index(md::json_field(j, at, "activation"), at / "activation", 0, 2);
            const auto act = static_cast<models::Activation>(a);
            const models::Network net = models::Network::from_json(
                {{"layer_sizes", md::json_field(j, at, "layer_sizes")}, {"activation", models::to_string(act)}}, at);
            const auto& sizes = net.layer_sizes();
            if (sizes.size() != 3 || sizes[1] != p.hidden_units || sizes[2] != 1 || act != models::Activation::relu)
                md::json_value_error(at / "layer_sizes",
                                     fmt::format("network does not match the parameters (expected [d, {}, 1] with "
                                                 "ReLU, got [{}] with {})",
                                                 p.hidden_units, fmt::join(sizes, ", "), models::to_string(act)));
            const Vector theta = md::json_vector(md::json_field(j, at, "theta"), at / "theta", net.n_params());
            nlohmann::json base = m.model_params_json();
            base["network"] = net.to_json();
            base["theta"] = md::vector_json(theta);
            m.model_ = models::MLPRegressor::from_json(base);
        } else {
            m.model_ = detail::read_base_model<models::MLPRegressor>(md::json_field(j, at, "model"), at / "model");
            if (!(m.model_.params() == m.base_params()) || m.model_.seed() != p.seed)
                md::json_value_error(at / "model" / "params",
                                     "base model parameters or seed do not match the meta-model's params");
        }
        m.xs_ = detail::read_standardizer(md::json_field(j, at, "x_scaler"), at / "x_scaler",
                                          m.model_.network().n_inputs());
        m.ys_ = ys;
        return m;
    }

private:
    [[nodiscard]] models::MLPParams base_params() const {
        models::MLPParams mp;
        mp.hidden_layers = 1;
        mp.hidden_units = p_.hidden_units;
        mp.activation = models::Activation::relu;
        mp.learning_rate_init = p_.learning_rate;
        mp.alpha = p_.alpha;
        mp.max_iter = p_.max_iter;
        mp.batch_size = p_.batch_size;
        return mp;
    }

    // A models::MLPRegressor document without its network and θ, for the earlier layout:
    // the base parameters and seed, no training history.
    [[nodiscard]] nlohmann::json model_params_json() const {
        return {{"kind", models::MLPRegressor::name},
                {"version", 1},
                {"params", models::detail::mlp_params_json(base_params())},
                {"seed", p_.seed},
                {"n_iter", 0},
                {"loss_curve", nlohmann::json::array()},
                {"validation_scores", nlohmann::json::array()}};
    }

    params_type p_;
    detail::Standardizer xs_;
    detail::TargetScaler ys_;
    models::MLPRegressor model_;
};

static_assert(MetaModel<MlpMetaModel>);

}  // namespace metalearn::meta
