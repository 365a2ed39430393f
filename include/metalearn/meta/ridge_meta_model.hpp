#pragma once
/// @file ridge_meta_model.hpp
/// @brief `RidgeMetaModel`: `models::Ridge` on standardised inputs.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/meta/meta_model.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/ridge.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace metalearn::meta {

/// Hyperparameters of `RidgeMetaModel`.
struct RidgeMetaModelParams {
    double alpha = 1.0;  ///< L2 penalty on the standardised coefficients, ≥ 0 (0 = least squares)
};

/// Ridge regression meta-model: a thin adapter that standardises Z (zero mean, unit variance per
/// column, constant columns unscaled) and fits `models::Ridge({.alpha, .fit_intercept = true})`
/// on it — w = (XcᵀXc + αI)⁻¹ Xcᵀ(s − s̄) with an unpenalised intercept (Hoerl & Kennard 1970),
/// solved by LDLᵀ (dual form when d > n) with `info()` checked. Cost O(n d min(n, d) +
/// min(n, d)³). No predictive std.
class RidgeMetaModel {
public:
    using params_type = RidgeMetaModelParams;

    /// @throws ConfigError when alpha < 0 or not finite.
    explicit RidgeMetaModel(params_type p = {});
    [[nodiscard]] const params_type& params() const noexcept { return p_; }

    /// Fit on Z (n×d, finite) and scores s (n, finite).
    /// @throws DataError on bad input; NumericalError when the normal equations are singular
    ///         (alpha = 0 with rank-deficient Z; see `models::Ridge::fit`).
    void fit(const MatrixRef& Z, const VectorRef& s);

    /// m×d → m predicted scores. @throws NotFitted before fit; DataError on a wrong width or
    /// non-finite Z.
    [[nodiscard]] Vector predict(const MatrixRef& Z) const {
        detail::check_predict_input("RidgeMetaModel::predict()", model_.is_fitted(), Z, model_.coef().size());
        return model_.predict(xs_.transform(Z));
    }

    /// Coefficients on the standardised inputs (d).
    [[nodiscard]] const Vector& coefficients() const noexcept { return model_.coef(); }
    /// Intercept on the standardised inputs (the mean training score up to rounding).
    [[nodiscard]] double intercept() const noexcept { return model_.intercept(); }
    /// The fitted base model (it expects standardised inputs).
    [[nodiscard]] const models::Ridge& model() const noexcept { return model_; }

    /// `{"type": "RidgeMetaModel", "format_version": 2, "params": {"alpha"}, "x_scaler":
    /// {"mean", "scale"}, "model": <models::Ridge::to_json()>}`. @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const;

    /// A fitted meta-model from `to_json()`'s output, or from the earlier layout (no
    /// `format_version`; `alpha`, `x_scaler`, `w`, `intercept`), which predicts exactly as the
    /// model that wrote it.
    /// @throws ParseError when `j` is not a saved ridge meta-model (wrong type or version,
    ///         missing field, wrong JSON type); DataError when a value is unusable (non-finite,
    ///         wrong lengths, a base model whose parameters differ from `params`). Messages name
    ///         the field as a JSON pointer.
    [[nodiscard]] static RidgeMetaModel from_json(const nlohmann::json& j);

private:
    [[nodiscard]] models::Ridge::params_type base_params() const { return {.alpha = p_.alpha, .fit_intercept = true}; }

    params_type p_;
    detail::Standardizer xs_;
    models::Ridge model_;
};

static_assert(MetaModel<RidgeMetaModel>);

}  // namespace metalearn::meta

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/meta/ridge_meta_model_impl.hpp"
#endif
