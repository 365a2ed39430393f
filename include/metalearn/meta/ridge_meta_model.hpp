#pragma once
/// @file ridge_meta_model.hpp
/// @brief `RidgeMetaModel`: linear ridge regression on standardised inputs (closed form).

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/meta/meta_model.hpp"

#include <Eigen/Cholesky>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace metalearn::meta {

/// Hyperparameters of `RidgeMetaModel`.
struct RidgeMetaModelParams {
    double alpha = 1.0;  ///< L2 penalty on the standardised coefficients, ≥ 0 (0 = least squares)
};

/// Ridge regression meta-model: w = (ZᵀZ + αI)⁻¹ Zᵀ(s − s̄) on standardised Z, intercept s̄
/// (the intercept is not penalised; Hoerl & Kennard 1970). Solved by LDLᵀ with `info()`
/// checked. Cost O(n d² + d³). No predictive std.
class RidgeMetaModel {
public:
    using params_type = RidgeMetaModelParams;

    /// @throws ConfigError when alpha < 0 or not finite.
    explicit RidgeMetaModel(params_type p = {}) : p_(p) {
        if (!(p_.alpha >= 0) || !std::isfinite(p_.alpha))
            throw ConfigError(fmt::format("RidgeMetaModel: alpha must be finite and >= 0 (got {})", p_.alpha));
    }
    [[nodiscard]] const params_type& params() const noexcept { return p_; }

    /// @throws DataError on bad input; NumericalError when the normal equations are singular
    ///         (alpha = 0 with collinear columns).
    void fit(const MatrixRef& Z, const VectorRef& s) {
        detail::check_fit_input("RidgeMetaModel::fit()", Z, s);
        xs_.fit(Z);
        const Matrix X = xs_.transform(Z);
        intercept_ = s.mean();
        Matrix A = X.transpose() * X;
        A.diagonal().array() += p_.alpha;
        Eigen::LDLT<Matrix> ldlt(A);
        if (ldlt.info() != Eigen::Success || (ldlt.vectorD().array() <= 1e-12 * std::max(1.0, A.diagonal().maxCoeff())).any())
            throw NumericalError("RidgeMetaModel::fit(): normal equations are singular (expected alpha > 0 or full-rank Z)");
        w_ = ldlt.solve(X.transpose() * (s.array() - intercept_).matrix());
        fitted_ = true;
    }

    /// m×d → m. @throws NotFitted, DataError.
    [[nodiscard]] Vector predict(const MatrixRef& Z) const {
        detail::check_predict_input("RidgeMetaModel::predict()", fitted_, Z, w_.size());
        return (xs_.transform(Z) * w_).array() + intercept_;
    }

    /// Coefficients on the standardised inputs (d).
    [[nodiscard]] const Vector& coefficients() const noexcept { return w_; }
    [[nodiscard]] double intercept() const noexcept { return intercept_; }

    [[nodiscard]] nlohmann::json to_json() const {
        if (!fitted_) throw NotFitted("RidgeMetaModel::to_json(): call fit() first");
        return {{"type", "RidgeMetaModel"}, {"alpha", p_.alpha}, {"x_scaler", xs_.to_json()},
                {"w", detail::vector_to_json(w_)}, {"intercept", intercept_}};
    }

    /// @throws ConfigError when `j` is not a saved ridge meta-model.
    static RidgeMetaModel from_json(const nlohmann::json& j) {
        try {
            if (j.at("type") != "RidgeMetaModel") throw ConfigError("RidgeMetaModel::from_json(): not a RidgeMetaModel");
            RidgeMetaModel m({j.at("alpha").get<double>()});
            m.xs_ = detail::Standardizer::from_json(j.at("x_scaler"));
            m.w_ = detail::vector_from_json(j.at("w"));
            m.intercept_ = j.at("intercept").get<double>();
            m.fitted_ = true;
            return m;
        } catch (const nlohmann::json::exception& e) {
            throw ConfigError(fmt::format("RidgeMetaModel::from_json(): {}", e.what()));
        }
    }

private:
    params_type p_;
    detail::Standardizer xs_;
    Vector w_;
    double intercept_ = 0.0;
    bool fitted_ = false;
};

static_assert(MetaModel<RidgeMetaModel>);

}  // namespace metalearn::meta
