#pragma once
/// @file knn_meta_model.hpp
/// @brief `KnnMetaModel`: `models::KNeighborsRegressor` on standardised inputs; the predictive
/// std is the (weighted) spread of the neighbours' scores.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/meta/meta_model.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/knn.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace metalearn::meta {

/// Hyperparameters of `KnnMetaModel`.
struct KnnMetaModelParams {
    Index n_neighbors = 10;        ///< k ≥ 1 (uses min(k, n) neighbours)
    bool distance_weighted = true; ///< weights 1/distance instead of uniform
};

/// k-NN regression meta-model: a thin adapter that standardises Z (zero mean, unit variance per
/// column, constant columns unscaled) and fits `models::KNeighborsRegressor` with min(k, n)
/// neighbours and Euclidean distance on it. Prediction = (weighted) mean of the k nearest
/// training scores; std = (weighted) standard deviation of those scores
/// (`KNeighborsRegressor::predict_std`). With distance weights, neighbours at distance 0 take
/// all the weight. Ties in distance are broken by the lower training index (deterministic).
/// Cost: O(n d) per predicted row.
class KnnMetaModel {
public:
    using params_type = KnnMetaModelParams;

    /// @throws ConfigError when n_neighbors < 1.
    explicit KnnMetaModel(params_type p = {}) : p_(p) {
        if (p_.n_neighbors < 1)
            throw ConfigError(fmt::format("KnnMetaModel: n_neighbors must be >= 1 (got {})", p_.n_neighbors));
    }
    [[nodiscard]] const params_type& params() const noexcept { return p_; }

    /// Store the standardised training set: Z n×d finite, s n finite. @throws DataError on bad input.
    void fit(const MatrixRef& Z, const VectorRef& s);

    /// m×d → m predicted scores. @throws NotFitted, DataError.
    [[nodiscard]] Vector predict(const MatrixRef& Z) const {
        detail::check_predict_input("KnnMetaModel::predict()", model_.is_fitted(), Z, model_.n_features());
        return model_.predict(xs_.transform(Z));
    }

    /// m×d → m standard deviations (≥ 0) of the neighbours' scores. @throws NotFitted, DataError.
    [[nodiscard]] Vector predict_std(const MatrixRef& Z) const {
        detail::check_predict_input("KnnMetaModel::predict_std()", model_.is_fitted(), Z, model_.n_features());
        return model_.predict_std(xs_.transform(Z));
    }

    /// The fitted base model (it expects standardised inputs).
    [[nodiscard]] const models::KNeighborsRegressor& model() const noexcept { return model_; }

    /// `{"type": "KnnMetaModel", "format_version": 2, "params": {"n_neighbors",
    /// "distance_weighted"}, "x_scaler": {"mean", "scale"}, "model":
    /// <models::KNeighborsRegressor::to_json()>}`. @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const;

    /// A fitted meta-model from `to_json()`'s output, or from the earlier layout (no
    /// `format_version`; `n_neighbors`, `distance_weighted`, `x_scaler`, `X`, `y`).
    /// @throws ParseError when `j` is not a saved k-NN meta-model (wrong type or version,
    ///         missing field, wrong JSON type); DataError when a value is unusable (non-finite,
    ///         wrong lengths, a base model whose parameters differ from `params`). Messages name
    ///         the field as a JSON pointer.
    [[nodiscard]] static KnnMetaModel from_json(const nlohmann::json& j);

private:
    [[nodiscard]] models::KNeighborsRegressor::params_type base_params(Index n) const;

    params_type p_;
    detail::Standardizer xs_;
    models::KNeighborsRegressor model_;
};

static_assert(MetaModelWithStd<KnnMetaModel>);

}  // namespace metalearn::meta

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/meta/knn_meta_model_impl.hpp"
#endif
