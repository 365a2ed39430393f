#pragma once
/// @file ridge.hpp
/// @brief `Ridge`: L2-regularised least squares in closed form.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/detail/validation.hpp"

#include <Eigen/Cholesky>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <string_view>

namespace metalearn::models {

/// Ridge regression (Hoerl & Kennard 1970): minimises ‖y − Xw − b‖² + α‖w‖² (intercept b not
/// penalised).
///
/// Closed form on centred data: w = (XcᵀXc + αI)⁻¹ Xcᵀ yc and b = ȳ − x̄ᵀw, solved with an
/// LDLᵀ factorisation with pivoting (Eigen `LDLT`) whose `info()` is checked. When p > n the
/// equivalent dual system w = Xcᵀ (XcXcᵀ + αI)⁻¹ yc (n×n) is solved instead. A constant column
/// gets coefficient 0 when α > 0.
///
/// Fit O(n·p·min(n, p) + min(n, p)³); predict O(m·p).
class Ridge {
public:
    /// Hyperparameters; defaults are scikit-learn 1.2's `Ridge`.
    struct params_type {
        double alpha = 1.0;         ///< ≥ 0, finite: L2 penalty strength.
        bool fit_intercept = true;  ///< centre X and y and fit an unpenalised intercept.
        /// Member-wise equality.
        bool operator==(const params_type&) const = default;
    };

    static constexpr std::string_view name = "ridge";

    Ridge() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit Ridge(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError when alpha is negative or not finite.
    void set_params(const params_type& p);
    [[nodiscard]] params_type params() const { return params_; }

    /// Fit the coefficients.
    /// @param X n×p finite features; @param y n finite targets.
    /// With alpha = 0 and rank-deficient X, zero pivots of the LDLᵀ factorisation are treated
    /// as 0, which gives one least-squares solution (fitted values are then unique, w is not).
    /// @throws DataError on empty data, shape mismatch or non-finite values; NumericalError when
    ///         the factorisation fails or gives a non-finite solution.
    void fit(const MatrixRef& X, const VectorRef& y);

    /// Predicted values Xw + b (m).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Vector predict(const MatrixRef& X) const;

    [[nodiscard]] bool is_fitted() const { return fitted_; }
    /// Coefficients w (p).
    [[nodiscard]] const Vector& coef() const { return coef_; }
    /// Intercept b (0 when fit_intercept is false).
    [[nodiscard]] double intercept() const { return intercept_; }

    /// The fitted model as JSON: `{"kind": "ridge", "version": 1, "params": {"alpha",
    /// "fit_intercept"}, "coef": [p values], "intercept": b}`. `from_json` of it predicts
    /// bit-identically. @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const;

    /// A fitted model from `to_json()`'s output.
    /// @throws ParseError when `j` is not a saved ridge model (not an object, another kind, an
    ///         unknown version, a missing field, a value of the wrong JSON type); DataError when
    ///         a value is unusable (non-finite numbers, no coefficients, alpha out of range).
    ///         Messages name the field as a JSON pointer.
    [[nodiscard]] static Ridge from_json(const nlohmann::json& j);

    /// Declared search space: alpha log-uniform in [1e-6, 1e3].
    static hpo::SearchSpace<params_type> search_space();

private:
    params_type params_{};
    Vector coef_;
    double intercept_ = 0.0;
    bool fitted_ = false;
};

static_assert(Regressor<Ridge>);

}  // namespace metalearn::models

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/models/ridge_impl.hpp"
#endif

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library's instances for the bundled models (core/compiled_instances.hpp).
#define METALEARN_DECLARES_RIDGE
#include "metalearn/core/compiled_instances.hpp"
#endif
