#pragma once
/// @file random_forest_meta_model_impl.hpp
/// @brief Bodies of random_forest_meta_model.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/meta/random_forest_meta_model.hpp"
#include "metalearn/models/detail/validation.hpp"

namespace metalearn::meta {

METALEARN_INLINE RandomForestMetaModel::RandomForestMetaModel(params_type p) : p_(p) {
    if (p_.n_estimators < 1 || p_.min_samples_leaf < 1 || p_.max_depth < 0 || !(p_.max_features > 0) ||
        p_.max_features > 1 || p_.n_threads < 0)
        throw ConfigError(fmt::format(
            "RandomForestMetaModel: invalid parameters (expected n_estimators >= 1, min_samples_leaf >= 1, "
            "max_depth >= 0, max_features in (0, 1], n_threads >= 0 (0 = all hardware threads); got {}, {}, {}, {}, {})",
            p_.n_estimators, p_.min_samples_leaf, p_.max_depth, p_.max_features, p_.n_threads));
    model_.set_params(base_params());
    model_.set_seed(p_.seed);
}

METALEARN_INLINE void RandomForestMetaModel::fit(const MatrixRef& Z, const VectorRef& s) {
    detail::check_fit_input("RandomForestMetaModel::fit()", Z, s);
    detail::Standardizer xs;
    xs.fit(Z);
    models::RandomForestRegressor model(base_params());
    model.set_seed(p_.seed);
    model.fit(xs.transform(Z), s);
    xs_ = std::move(xs);
    model_ = std::move(model);
}

METALEARN_INLINE void RandomForestMetaModel::fit(const MatrixRef& Z, const VectorRef& s, const std::vector<Index>& groups,
                                                 Index n_groups) {
    detail::check_fit_input("RandomForestMetaModel::fit()", Z, s);
    models::detail::check_row_groups("RandomForestMetaModel::fit()", groups, n_groups, Z.rows());
    detail::Standardizer xs;
    xs.fit(Z);
    models::RandomForestRegressor model(base_params());
    model.set_seed(p_.seed);
    model.fit(xs.transform(Z), s, groups, n_groups);
    xs_ = std::move(xs);
    model_ = std::move(model);
}

METALEARN_INLINE Matrix RandomForestMetaModel::predict_per_tree(const MatrixRef& Z) const {
    check("RandomForestMetaModel::predict_per_tree()", Z);
    return model_.predict_per_tree(xs_.transform(Z));
}

METALEARN_INLINE Vector RandomForestMetaModel::predict(const MatrixRef& Z) const {
    check("RandomForestMetaModel::predict()", Z);
    return model_.predict(xs_.transform(Z));
}

METALEARN_INLINE Vector RandomForestMetaModel::predict_std(const MatrixRef& Z) const {
    check("RandomForestMetaModel::predict_std()", Z);
    return model_.predict_std(xs_.transform(Z));
}

METALEARN_INLINE nlohmann::json RandomForestMetaModel::to_json() const {
    if (!model_.is_fitted()) throw NotFitted("RandomForestMetaModel::to_json(): call fit() first");
    return {{"type", "RandomForestMetaModel"},
            {"format_version", detail::kWrappedMetaModelFormat},
            {"params",
             {{"n_estimators", p_.n_estimators},
              {"min_samples_leaf", p_.min_samples_leaf},
              {"max_depth", p_.max_depth},
              {"max_features", p_.max_features},
              {"bootstrap", p_.bootstrap},
              {"n_threads", p_.n_threads},
              {"seed", p_.seed}}},
            {"x_scaler", xs_.to_json()},
            {"model", model_.to_json()}};
}

METALEARN_INLINE RandomForestMetaModel RandomForestMetaModel::from_json(const nlohmann::json& j) {
    namespace md = models::detail;
    const md::JsonAt at{"RandomForestMetaModel::from_json()", ""};
    const int version = detail::read_meta_model_header(j, at, "RandomForestMetaModel");
    const auto pa = at / "params";
    const auto& pj = md::json_field(j, at, "params");
    const auto index_field = [&](const char* key) { return md::json_index(md::json_field(pj, pa, key), pa / key); };
    params_type p;
    p.n_estimators = index_field("n_estimators");
    p.min_samples_leaf = index_field("min_samples_leaf");
    p.max_depth = index_field("max_depth");
    p.max_features = md::json_double(md::json_field(pj, pa, "max_features"), pa / "max_features");
    p.bootstrap = md::json_bool(md::json_field(pj, pa, "bootstrap"), pa / "bootstrap");
    p.n_threads = index_field("n_threads");
    p.seed = md::json_uint64(md::json_field(pj, pa, "seed"), pa / "seed");
    RandomForestMetaModel m;
    try {
        m = RandomForestMetaModel(p);
    } catch (const ConfigError& e) {
        md::json_value_error(pa, e.what());
    }
    if (version == 1) {
        // Earlier layout: flat trees on the standardised inputs, the state of the base forest
        // without node sizes, impurities and importances.
        const Index d = md::json_index(md::json_field(j, at, "n_inputs"), at / "n_inputs", 1);
        const auto& tj = md::json_array(md::json_field(j, at, "trees"), at / "trees", p.n_estimators);
        auto trees = nlohmann::json::array();
        for (std::size_t t = 0; t < tj.size(); ++t) {
            const auto ta = at / "trees" / t;
            const auto& fj = md::json_array(md::json_field(tj[t], ta, "feature"), ta / "feature");
            const std::vector<double> zeros(fj.size(), 0.0);
            nlohmann::json tree = {{"feature", fj},
                                   {"threshold", md::json_field(tj[t], ta, "threshold")},
                                   {"left", md::json_field(tj[t], ta, "left")},
                                   {"right", md::json_field(tj[t], ta, "right")},
                                   {"n_samples", std::vector<Index>(fj.size(), 0)},
                                   {"impurity", zeros},
                                   {"value", md::json_field(tj[t], ta, "value")},
                                   {"importance", std::vector<double>(static_cast<std::size_t>(d), 0.0)}};
            // checked here, so that messages name the place in this document
            (void)md::cart_tree_from_json(tree, ta, d, 1);
            trees.push_back(std::move(tree));
        }
        nlohmann::json base = m.model_params_json();
        base["n_features"] = d;
        base["trees"] = std::move(trees);
        m.model_ = models::RandomForestRegressor::from_json(base);
    } else {
        m.model_ = detail::read_base_model<models::RandomForestRegressor>(md::json_field(j, at, "model"), at / "model");
        const bool same = m.model_.params() == m.base_params() && m.model_.seed() == p.seed;
        if (!same)
            md::json_value_error(at / "model" / "params",
                                 "base model parameters or seed do not match the meta-model's params");
    }
    m.xs_ = detail::read_standardizer(md::json_field(j, at, "x_scaler"), at / "x_scaler", m.model_.n_features());
    return m;
}

METALEARN_INLINE models::RandomForestRegressor::params_type RandomForestMetaModel::base_params() const {
    return {.n_estimators = p_.n_estimators,
            .max_depth = p_.max_depth,
            .min_samples_split = 2,
            .min_samples_leaf = p_.min_samples_leaf,
            .max_features = p_.max_features,
            .bootstrap = p_.bootstrap,
            .n_threads = p_.n_threads};
}

METALEARN_INLINE nlohmann::json RandomForestMetaModel::model_params_json() const {
    return {{"kind", models::RandomForestRegressor::name},
            {"version", 1},
            {"params", models::RandomForestRegressor::params_json(base_params())},
            {"seed", p_.seed}};
}

METALEARN_INLINE void RandomForestMetaModel::check(const char* where, const MatrixRef& Z) const {
    detail::check_predict_input(where, model_.is_fitted(), Z, model_.n_features());
}

}  // namespace metalearn::meta
