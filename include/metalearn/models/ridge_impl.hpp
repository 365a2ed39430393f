#pragma once
/// @file ridge_impl.hpp
/// @brief Bodies of `Ridge` (see ridge.hpp). Included by that header in
/// header-only mode; compiled into the library in compiled mode (core/config.hpp).

#include "metalearn/models/ridge.hpp"
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

METALEARN_INLINE void Ridge::set_params(const params_type& p) {
    if (!(p.alpha >= 0.0) || !std::isfinite(p.alpha))
        throw ConfigError(fmt::format("Ridge::set_params(): alpha out of range (expected finite >= 0, got {})",
                                      p.alpha));
    params_ = p;
    fitted_ = false;
}

METALEARN_INLINE void Ridge::fit(const MatrixRef& X, const VectorRef& y) {
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

METALEARN_INLINE Vector Ridge::predict(const MatrixRef& X) const {
    constexpr std::string_view where = "Ridge::predict()";
    detail::require_fitted(where, fitted_);
    detail::check_predict_x(where, X, coef_.size());
    return (X * coef_).array() + intercept_;
}

METALEARN_INLINE nlohmann::json Ridge::to_json() const {
    detail::require_fitted("Ridge::to_json()", fitted_);
    return {{"kind", name},
            {"version", 1},
            {"params", {{"alpha", params_.alpha}, {"fit_intercept", params_.fit_intercept}}},
            {"coef", detail::vector_json(coef_)},
            {"intercept", intercept_}};
}

METALEARN_INLINE Ridge Ridge::from_json(const nlohmann::json& j) {
    const detail::JsonAt at{"Ridge::from_json()", ""};
    detail::json_check_header(j, at, name, 1);
    const auto& pj = detail::json_field(j, at, "params");
    params_type p;
    p.alpha = detail::json_double(detail::json_field(pj, at / "params", "alpha"), at / "params" / "alpha");
    p.fit_intercept =
        detail::json_bool(detail::json_field(pj, at / "params", "fit_intercept"), at / "params" / "fit_intercept");
    if (!(p.alpha >= 0.0))
        detail::json_value_error(at / "params" / "alpha",
                                 fmt::format("alpha out of range (expected finite >= 0, got {})", p.alpha));
    Ridge m(p);
    m.coef_ = detail::json_vector(detail::json_field(j, at, "coef"), at / "coef");
    if (m.coef_.size() == 0) detail::json_value_error(at / "coef", "no coefficients (expected p >= 1 values, got 0)");
    m.intercept_ = detail::json_double(detail::json_field(j, at, "intercept"), at / "intercept");
    m.fitted_ = true;
    return m;
}

METALEARN_INLINE hpo::SearchSpace<Ridge::params_type> Ridge::search_space() {
    return hpo::SearchSpace<params_type>().add("alpha", &params_type::alpha, hpo::log_uniform(1e-6, 1e3));
}

}  // namespace metalearn::models
