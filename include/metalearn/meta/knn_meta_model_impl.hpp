#pragma once
/// @file knn_meta_model_impl.hpp
/// @brief Bodies of knn_meta_model.hpp (`KnnMetaModel`). Included by that header in header-only mode; compiled
/// into the library in compiled mode (core/config.hpp).

#include "metalearn/meta/knn_meta_model.hpp"

#include <algorithm>
#include <cmath>

namespace metalearn::meta {

METALEARN_INLINE void KnnMetaModel::fit(const MatrixRef& Z, const VectorRef& s) {
    detail::check_fit_input("KnnMetaModel::fit()", Z, s);
    detail::Standardizer xs;
    xs.fit(Z);
    models::KNeighborsRegressor model(base_params(Z.rows()));
    model.fit(xs.transform(Z), s);
    xs_ = std::move(xs);
    model_ = std::move(model);
}

METALEARN_INLINE nlohmann::json KnnMetaModel::to_json() const {
    if (!model_.is_fitted()) throw NotFitted("KnnMetaModel::to_json(): call fit() first");
    return {{"type", "KnnMetaModel"},
            {"format_version", detail::kWrappedMetaModelFormat},
            {"params", {{"n_neighbors", p_.n_neighbors}, {"distance_weighted", p_.distance_weighted}}},
            {"x_scaler", xs_.to_json()},
            {"model", model_.to_json()}};
}

METALEARN_INLINE KnnMetaModel KnnMetaModel::from_json(const nlohmann::json& j) {
    namespace md = models::detail;
    const md::JsonAt at{"KnnMetaModel::from_json()", ""};
    const int version = detail::read_meta_model_header(j, at, "KnnMetaModel");
    const md::JsonAt pa = version == 1 ? at : at / "params";
    const auto& pj = version == 1 ? j : md::json_field(j, at, "params");
    KnnMetaModel m({md::json_index(md::json_field(pj, pa, "n_neighbors"), pa / "n_neighbors", 1),
                    md::json_bool(md::json_field(pj, pa, "distance_weighted"), pa / "distance_weighted")});
    if (version == 1) {
        // Earlier layout: the standardised training set, which is the state of the base model.
        const Matrix X = md::json_matrix(md::json_field(j, at, "X"), at / "X");
        if (X.rows() < 1 || X.cols() < 1)
            md::json_value_error(at / "X", fmt::format("empty training set (expected n >= 1 rows and d >= 1 "
                                                       "columns, got {}x{})",
                                                       X.rows(), X.cols()));
        const Vector y = md::json_vector(md::json_field(j, at, "y"), at / "y", X.rows());
        const auto bp = m.base_params(X.rows());
        m.model_ = models::KNeighborsRegressor::from_json(
            {{"kind", models::KNeighborsRegressor::name},
             {"version", 1},
             {"params", {{"n_neighbors", bp.n_neighbors}, {"weights", m.p_.distance_weighted ? "distance" : "uniform"}, {"p", bp.p}}},
             {"X", md::matrix_json(X)},
             {"y", md::vector_json(y)}});
    } else {
        m.model_ = detail::read_base_model<models::KNeighborsRegressor>(md::json_field(j, at, "model"), at / "model");
        const bool ok = m.model_.params() == m.base_params(m.model_.n_samples());
        if (!ok)
            md::json_value_error(at / "model" / "params",
                                 fmt::format("base model parameters do not match (expected n_neighbors = min({}, "
                                             "n), weights \"{}\", p = 2)",
                                             m.p_.n_neighbors, m.p_.distance_weighted ? "distance" : "uniform"));
    }
    m.xs_ = detail::read_standardizer(md::json_field(j, at, "x_scaler"), at / "x_scaler", m.model_.n_features());
    return m;
}

METALEARN_INLINE models::KNeighborsRegressor::params_type KnnMetaModel::base_params(Index n) const {
    return {.n_neighbors = std::min(p_.n_neighbors, n),
            .weights = p_.distance_weighted ? models::KnnWeights::distance : models::KnnWeights::uniform,
            .p = 2};
}

}  // namespace metalearn::meta
