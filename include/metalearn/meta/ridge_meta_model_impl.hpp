#pragma once
/// @file ridge_meta_model_impl.hpp
/// @brief Bodies of ridge_meta_model.hpp (`RidgeMetaModel`). Included by that header in header-only mode; compiled
/// into the library in compiled mode (core/config.hpp).

#include "metalearn/meta/ridge_meta_model.hpp"

#include <algorithm>
#include <cmath>

namespace metalearn::meta {

METALEARN_INLINE RidgeMetaModel::RidgeMetaModel(params_type p) : p_(p) {
    if (!(p_.alpha >= 0) || !std::isfinite(p_.alpha))
        throw ConfigError(fmt::format("RidgeMetaModel: alpha must be finite and >= 0 (got {})", p_.alpha));
    model_.set_params(base_params());
}

METALEARN_INLINE void RidgeMetaModel::fit(const MatrixRef& Z, const VectorRef& s) {
    detail::check_fit_input("RidgeMetaModel::fit()", Z, s);
    detail::Standardizer xs;
    xs.fit(Z);
    models::Ridge model(base_params());
    model.fit(xs.transform(Z), s);
    xs_ = std::move(xs);
    model_ = std::move(model);
}

METALEARN_INLINE nlohmann::json RidgeMetaModel::to_json() const {
    if (!model_.is_fitted()) throw NotFitted("RidgeMetaModel::to_json(): call fit() first");
    return {{"type", "RidgeMetaModel"},
            {"format_version", detail::kWrappedMetaModelFormat},
            {"params", {{"alpha", p_.alpha}}},
            {"x_scaler", xs_.to_json()},
            {"model", model_.to_json()}};
}

METALEARN_INLINE RidgeMetaModel RidgeMetaModel::from_json(const nlohmann::json& j) {
    namespace md = models::detail;
    const md::JsonAt at{"RidgeMetaModel::from_json()", ""};
    const int version = detail::read_meta_model_header(j, at, "RidgeMetaModel");
    const md::JsonAt pa = version == 1 ? at : at / "params";
    const auto& pj = version == 1 ? j : md::json_field(j, at, "params");
    const double alpha = md::json_double(md::json_field(pj, pa, "alpha"), pa / "alpha");
    if (!(alpha >= 0)) md::json_value_error(pa / "alpha", fmt::format("alpha out of range (expected >= 0, got {})", alpha));
    RidgeMetaModel m({alpha});
    if (version == 1) {
        // Earlier layout: the coefficients and intercept of the standardised problem, which
        // are exactly the state of the base model.
        const Vector w = md::json_vector(md::json_field(j, at, "w"), at / "w");
        if (w.size() == 0) md::json_value_error(at / "w", "no coefficients (expected d >= 1 values, got 0)");
        const double intercept = md::json_double(md::json_field(j, at, "intercept"), at / "intercept");
        m.model_ = models::Ridge::from_json({{"kind", models::Ridge::name},
                                             {"version", 1},
                                             {"params", {{"alpha", alpha}, {"fit_intercept", true}}},
                                             {"coef", md::vector_json(w)},
                                             {"intercept", intercept}});
    } else {
        m.model_ = detail::read_base_model<models::Ridge>(md::json_field(j, at, "model"), at / "model");
        if (!(m.model_.params() == m.base_params()))
            md::json_value_error(at / "model" / "params",
                                 fmt::format("base model parameters do not match (expected alpha = {}, "
                                             "fit_intercept = true)",
                                             alpha));
    }
    m.xs_ = detail::read_standardizer(md::json_field(j, at, "x_scaler"), at / "x_scaler", m.model_.coef().size());
    return m;
}

}  // namespace metalearn::meta
