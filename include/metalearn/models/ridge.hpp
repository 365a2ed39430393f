#pragma once
/// @file ridge.hpp
/// @brief `Ridge`: L2-regularised least squares in closed form.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/hpo/search_space.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/detail/validation.hpp"

#include <Eigen/Cholesky>
#include <fmt/format.h>

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
    };

    static constexpr std::string_view name = "ridge";

    Ridge() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit Ridge(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError when alpha is negative or not finite.
    void set_params(const params_type& p) {
        if (!(p.alpha >= 0.0) || !std::isfinite(p.alpha))
            throw ConfigError(fmt::format("Ridge::set_params(): alpha out of range (expected finite >= 0, got {})",
                                          p.alpha));
        params_ = p;
        fitted_ = false;
    }
    [[nodiscard]] params_type params() const { return params_; }

    /// Fit the coefficients.
    /// @param X n×p finite features; @param y n finite targets.
    /// With alpha = 0 and rank-deficient X, zero pivots of the LDLᵀ factorisation are treated
    /// as 0, which gives one least-squares solution (fitted values are then unique, w is not).
    /// @throws DataError on empty data, shape mismatch or non-finite values; NumericalError when
    ///         the factorisation fails or gives a non-finite solution.
    void fit(const MatrixRef& X, const VectorRef& y) {
        constexpr std::string_view where = "Ridge::fit()";
        detail::check_xy(where, X, y);
        const Index n = X.rows();
        const Index p = X.cols();
        RowVector xbar = RowVector::Zero(p);
        double ybar = 0.0;
        if (params_.fit_intercept) {
            xbar = X.colwise().mean();
            ybar = y.mean();
        }
        const Matrix Xc = X.rowwise() - xbar;
        const Vector yc = y.array() - ybar;
        Vector w;
        if (p <= n) {
            Matrix A = Matrix::Zero(p, p);
            A.selfadjointView<Eigen::Lower>().rankUpdate(Xc.transpose());
            A.diagonal().array() += params_.alpha;
            Eigen::LDLT<Matrix> ldlt(A);
            w = ldlt.solve(Xc.transpose() * yc);
            if (ldlt.info() != Eigen::Success || !ldlt.isPositive() || !w.allFinite())
                throw NumericalError(fmt::format("{}: XᵀX + αI is singular (alpha = {}): use alpha > 0", where,
                                                 params_.alpha));
        } else {
            Matrix A = Matrix::Zero(n, n);
            A.selfadjointView<Eigen::Lower>().rankUpdate(Xc);
            A.diagonal().array() += params_.alpha;
            Eigen::LDLT<Matrix> ldlt(A);
            const Vector a = ldlt.solve(yc);
            if (ldlt.info() != Eigen::Success || !ldlt.isPositive() || !a.allFinite())
                throw NumericalError(fmt::format("{}: XXᵀ + αI is singular (alpha = {}): use alpha > 0", where,
                                                 params_.alpha));
            w = Xc.transpose() * a;
        }
        coef_ = w;
        intercept_ = ybar - xbar.dot(w);
        fitted_ = true;
    }

    /// Predicted values Xw + b (m).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        constexpr std::string_view where = "Ridge::predict()";
        detail::require_fitted(where, fitted_);
        detail::check_predict_x(where, X, coef_.size());
        return (X * coef_).array() + intercept_;
    }

    [[nodiscard]] bool is_fitted() const { return fitted_; }
    /// Coefficients w (p).
    [[nodiscard]] const Vector& coef() const { return coef_; }
    /// Intercept b (0 when fit_intercept is false).
    [[nodiscard]] double intercept() const { return intercept_; }

    /// Declared search space: alpha log-uniform in [1e-6, 1e3].
    static hpo::SearchSpace<params_type> search_space() {
        return hpo::SearchSpace<params_type>().add("alpha", &params_type::alpha, hpo::log_uniform(1e-6, 1e3));
    }

private:
    params_type params_{};
    Vector coef_;
    double intercept_ = 0.0;
    bool fitted_ = false;
};

static_assert(Regressor<Ridge>);

}  // namespace metalearn::models
