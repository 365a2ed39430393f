#pragma once
/// @file mlp_meta_model_impl.hpp
/// @brief Bodies of mlp_meta_model.hpp (`MlpMetaModel`). Included by that header in header-only mode; compiled
/// into the library in compiled mode (core/config.hpp).

#include "metalearn/meta/mlp_meta_model.hpp"

#include <algorithm>
#include <cmath>

namespace metalearn::meta {

METALEARN_INLINE void MlpMetaModel::fit(const MatrixRef& Z, const VectorRef& s) {
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

METALEARN_INLINE nlohmann::json MlpMetaModel::to_json() const {
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

METALEARN_INLINE MlpMetaModel MlpMetaModel::from_json(const nlohmann::json& j) {
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

METALEARN_INLINE models::MLPParams MlpMetaModel::base_params() const {
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

METALEARN_INLINE nlohmann::json MlpMetaModel::model_params_json() const {
    return {{"kind", models::MLPRegressor::name},
            {"version", 1},
            {"params", models::detail::mlp_params_json(base_params())},
            {"seed", p_.seed},
            {"n_iter", 0},
            {"loss_curve", nlohmann::json::array()},
            {"validation_scores", nlohmann::json::array()}};
}

}  // namespace metalearn::meta
