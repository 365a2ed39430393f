#pragma once
/// @file mlp_meta_model.hpp
/// @brief `MlpMetaModel`: the textbook neural meta-model — one hidden layer of 10 ReLU units,
/// linear output, Adam, mean squared error — wrapping `models::MLPRegressor`.
///
/// Inputs and targets are standardised inside the model (the MLP itself does not scale). The
/// fitted state is the network's layer sizes, activation and flat parameter vector, so a saved
/// model predicts exactly like the fitted one. No predictive std (strategies that need one use
/// the training RMSE instead).

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/meta/meta_model.hpp"
#include "metalearn/models/mlp.hpp"
#include "metalearn/models/network.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
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
    explicit MlpMetaModel(params_type p = {}) : p_(p) { (void)regressor(); }
    [[nodiscard]] const params_type& params() const noexcept { return p_; }

    /// @throws DataError on bad input; NumericalError when training diverges.
    void fit(const MatrixRef& Z, const VectorRef& s) {
        detail::check_fit_input("MlpMetaModel::fit()", Z, s);
        xs_.fit(Z);
        ys_.fit(s);
        auto mlp = regressor();
        mlp.set_seed(p_.seed);
        mlp.fit(xs_.transform(Z), ys_.transform(s));
        net_ = mlp.network();
        theta_ = mlp.coefficients();
        fitted_ = true;
    }

    /// m×d → m. @throws NotFitted, DataError.
    [[nodiscard]] Vector predict(const MatrixRef& Z) const {
        detail::check_predict_input("MlpMetaModel::predict()", fitted_, Z, net_.n_inputs());
        return ys_.inverse(net_.predict(theta_, xs_.transform(Z)).col(0));
    }

    [[nodiscard]] nlohmann::json to_json() const {
        if (!fitted_) throw NotFitted("MlpMetaModel::to_json(): call fit() first");
        return {{"type", "MlpMetaModel"},
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
                {"layer_sizes", net_.layer_sizes()},
                {"activation", static_cast<int>(net_.activation())},
                {"theta", detail::vector_to_json(theta_)}};
    }

    /// @throws ConfigError when `j` is not a saved MLP meta-model.
    static MlpMetaModel from_json(const nlohmann::json& j) {
        try {
            if (j.at("type") != "MlpMetaModel") throw ConfigError("MlpMetaModel::from_json(): not an MlpMetaModel");
            const auto& pj = j.at("params");
            MlpMetaModel m({pj.at("hidden_units").get<int>(), pj.at("learning_rate").get<double>(),
                            pj.at("alpha").get<double>(), pj.at("max_iter").get<int>(), pj.at("batch_size").get<int>(),
                            pj.at("seed").get<std::uint64_t>()});
            m.xs_ = detail::Standardizer::from_json(j.at("x_scaler"));
            m.ys_.mean = j.at("y_mean").get<double>();
            m.ys_.scale = j.at("y_scale").get<double>();
            m.net_ = models::Network(j.at("layer_sizes").get<std::vector<Index>>(),
                                     static_cast<models::Activation>(j.at("activation").get<int>()));
            m.theta_ = detail::vector_from_json(j.at("theta"));
            if (m.theta_.size() != m.net_.n_params() || m.net_.layer_sizes().back() != 1)
                throw ConfigError("MlpMetaModel::from_json(): parameter vector does not match the network");
            m.fitted_ = true;
            return m;
        } catch (const nlohmann::json::exception& e) {
            throw ConfigError(fmt::format("MlpMetaModel::from_json(): {}", e.what()));
        }
    }

private:
    [[nodiscard]] models::MLPRegressor regressor() const {
        models::MLPParams mp;
        mp.hidden_layers = 1;
        mp.hidden_units = p_.hidden_units;
        mp.activation = models::Activation::relu;
        mp.learning_rate_init = p_.learning_rate;
        mp.alpha = p_.alpha;
        mp.max_iter = p_.max_iter;
        mp.batch_size = p_.batch_size;
        return models::MLPRegressor(mp);
    }

    params_type p_;
    detail::Standardizer xs_;
    detail::TargetScaler ys_;
    models::Network net_;
    Vector theta_;
    bool fitted_ = false;
};

static_assert(MetaModel<MlpMetaModel>);

}  // namespace metalearn::meta
