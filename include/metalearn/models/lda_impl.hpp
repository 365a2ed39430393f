#pragma once
/// @file lda_impl.hpp
/// @brief Bodies of `LinearDiscriminantAnalysis` (see lda.hpp). Included by that header in
/// header-only mode; compiled into the library in compiled mode (core/config.hpp).

#include "metalearn/models/lda.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/detail/validation.hpp"
#include <Eigen/Eigenvalues>
#include <fmt/format.h>
#include <cmath>
#include <limits>
#include <string_view>

namespace metalearn::models {

METALEARN_INLINE void LinearDiscriminantAnalysis::set_params(const params_type& p) {
    if (!(p.shrinkage >= 0.0 && p.shrinkage <= 1.0))
        throw ConfigError(fmt::format(
            "LinearDiscriminantAnalysis::set_params(): shrinkage out of range (expected [0, 1], got {})",
            p.shrinkage));
    if (!(p.tol > 0.0) || !std::isfinite(p.tol))
        throw ConfigError(fmt::format(
            "LinearDiscriminantAnalysis::set_params(): tol out of range (expected finite > 0, got {})", p.tol));
    params_ = p;
    fitted_ = false;
}

METALEARN_INLINE void LinearDiscriminantAnalysis::fit(const MatrixRef& X, const VectorRef& y, Index n_classes) {
    constexpr std::string_view where = "LinearDiscriminantAnalysis::fit()";
    detail::check_xy(where, X, y);
    Index k = 0;
    const auto codes = detail::class_codes(where, y, n_classes, k);
    const Vector counts = detail::class_counts(codes, k);
    detail::require_two_classes(where, counts);
    const Index n = X.rows();
    const Index p = X.cols();
    const auto present = static_cast<double>((counts.array() > 0).count());

    means_ = Matrix::Zero(k, p);
    for (Index i = 0; i < n; ++i) means_.row(codes[static_cast<std::size_t>(i)]) += X.row(i);
    for (Index c = 0; c < k; ++c)
        if (counts[c] > 0) means_.row(c) /= counts[c];
    priors_ = counts / static_cast<double>(n);
    xbar_ = X.colwise().mean();

    Matrix Xc(n, p);
    for (Index i = 0; i < n; ++i) Xc.row(i) = X.row(i) - means_.row(codes[static_cast<std::size_t>(i)]);
    RowVector scale = (Xc.colwise().squaredNorm() / static_cast<double>(n)).cwiseSqrt();
    for (Index j = 0; j < p; ++j)
        if (!(scale[j] > 0.0)) scale[j] = 1.0;
    Xc.array().rowwise() /= scale.array();
    const double fac = 1.0 / std::max(static_cast<double>(n) - present, 1.0);
    // The kept directions: eigenpairs (λ_j, u_j) of S with √λ_j > tol, as columns of U (p×r).
    Vector lambda;
    Matrix U;
    if (params_.shrinkage == 0.0 && n < p) {
        // Wide data: S = fac·AᵀA (A = Xc/s, n×p) shares its nonzero eigenvalues with the n×n
        // Gram matrix G = fac·AAᵀ, and G v = λ v gives S (Aᵀv) = λ (Aᵀv) with ‖Aᵀv‖² = λ/fac.
        // O(n²·p + n³) instead of O(n·p² + p³).
        Matrix G = Matrix::Zero(n, n);
        G.selfadjointView<Eigen::Lower>().rankUpdate(Xc, fac);
        G.triangularView<Eigen::Upper>() = G.transpose();
        Eigen::SelfAdjointEigenSolver<Matrix> eig(G);
        if (eig.info() != Eigen::Success)
            throw NumericalError(fmt::format("{}: eigen-decomposition of the within-class Gram matrix failed", where));
        lambda = eig.eigenvalues();
        U = Xc.transpose() * eig.eigenvectors();  // p×n, column j has norm √(λ_j / fac)
        for (Index j = 0; j < n; ++j)
            if (lambda[j] > 0.0) U.col(j) *= std::sqrt(fac / lambda[j]);
    } else {
        Matrix S = Matrix::Zero(p, p);
        S.selfadjointView<Eigen::Lower>().rankUpdate(Xc.transpose(), fac);
        S.triangularView<Eigen::Upper>() = S.transpose();
        if (params_.shrinkage > 0.0) {
            const double mu = S.trace() / static_cast<double>(p);
            S *= (1.0 - params_.shrinkage);
            S.diagonal().array() += params_.shrinkage * mu;
        }
        Eigen::SelfAdjointEigenSolver<Matrix> eig(S);
        if (eig.info() != Eigen::Success)
            throw NumericalError(fmt::format("{}: eigen-decomposition of the within-class covariance failed", where));
        lambda = eig.eigenvalues();
        U = eig.eigenvectors();
    }
    Index rank = 0;
    for (Index j = 0; j < lambda.size(); ++j)
        if (lambda[j] > 0.0 && std::sqrt(lambda[j]) > params_.tol) ++rank;
    // scalings W (p×r): x ↦ xW whitens the shared covariance.
    Matrix W(p, rank);
    Index r = 0;
    for (Index j = 0; j < lambda.size(); ++j)
        if (lambda[j] > 0.0 && std::sqrt(lambda[j]) > params_.tol) {
            W.col(r) = U.col(j).array() / (scale.transpose().array() * std::sqrt(lambda[j]));
            ++r;
        }
    rank_ = rank;
    // δ_k(x) = (x − x̄) W m̃_kᵀ − ½‖m̃_k‖² + log π_k, m̃_k = (μ_k − x̄) W.
    const Matrix M = (means_.rowwise() - xbar_) * W;  // K×r
    coef_ = M * W.transpose();                         // K×p
    intercept_.resize(k);
    for (Index c = 0; c < k; ++c)
        intercept_[c] = counts[c] > 0 ? -0.5 * M.row(c).squaredNorm() + std::log(priors_[c])
                                      : -std::numeric_limits<double>::infinity();
    fitted_ = true;
}

METALEARN_INLINE Matrix LinearDiscriminantAnalysis::decision_function(const MatrixRef& X, std::string_view where
                                                                      ) const {
    detail::require_fitted(where, fitted_);
    detail::check_predict_x(where, X, coef_.cols());
    Matrix s = (X.rowwise() - xbar_) * coef_.transpose();
    s.rowwise() += intercept_.transpose();
    return s;
}

METALEARN_INLINE Matrix LinearDiscriminantAnalysis::predict_proba(const MatrixRef& X) const {
    Matrix s = decision_function(X, "LinearDiscriminantAnalysis::predict_proba()");
    detail::softmax_rows(s);
    return s;
}

METALEARN_INLINE Vector LinearDiscriminantAnalysis::predict(const MatrixRef& X) const {
    return detail::argmax_rows(decision_function(X, "LinearDiscriminantAnalysis::predict()"));
}

METALEARN_INLINE hpo::SearchSpace<LinearDiscriminantAnalysis::params_type> LinearDiscriminantAnalysis::search_space() {
    return hpo::SearchSpace<params_type>().add("shrinkage", &params_type::shrinkage, hpo::uniform(0.0, 1.0));
}

}  // namespace metalearn::models
