#pragma once
/// @file lda.hpp
/// @brief `LinearDiscriminantAnalysis`: Gaussian classes with one shared covariance.

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

/// Linear discriminant analysis (Hastie, Tibshirani & Friedman, *Elements of Statistical
/// Learning*, 2nd ed., §4.3).
///
/// Model: x | class k ~ N(μ_k, Σ) with one covariance Σ shared by all classes, priors π_k = the
/// training frequencies. Posterior: softmax_k(−½ (x−μ_k)ᵀ Σ⁺ (x−μ_k) + log π_k).
///
/// Solver (the eigen/SVD route of scikit-learn's default `solver="svd"`): the within-class
/// centred data are scaled column-wise by their standard deviation s (s = 1 for a constant
/// column), the scaled pooled covariance S = (Xc/s)ᵀ(Xc/s) / (n − K_present) is decomposed as
/// U Λ Uᵀ, and only directions with √λ > `tol` are kept (a pseudo-inverse). Constant and
/// collinear columns therefore do not crash or give NaN: they are simply dropped. With
/// `shrinkage` λ_s > 0, S is replaced by (1 − λ_s) S + λ_s (tr S / p) I before the
/// decomposition (Ledoit–Wolf-style shrinkage towards a scaled identity on the standardised
/// covariance; close to, but not identical with, scikit-learn's `solver="eigen"` shrinkage,
/// which uses a per-class standardisation). With shrinkage = 0 the probabilities equal
/// scikit-learn's `svd` solver.
///
/// A class declared but absent from training has prior 0 and probability 0. Needs at least two
/// classes present.
///
/// Fit O(n·p² + p³), or O(n²·p + n³) when n < p without shrinkage (the same eigenpairs from the
/// n×n Gram matrix of the scaled centred data); predict O(m·p·K).
class LinearDiscriminantAnalysis {
public:
    /// Hyperparameters; defaults are scikit-learn 1.2's `LinearDiscriminantAnalysis`
    /// (solver "svd", shrinkage None ≙ 0, tol 1e-4).
    struct params_type {
        double shrinkage = 0.0;  ///< in [0, 1]; 0 = no shrinkage.
        double tol = 1e-4;       ///< > 0: directions with singular value √λ ≤ tol are dropped.
    };

    static constexpr std::string_view name = "lda";

    LinearDiscriminantAnalysis() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit LinearDiscriminantAnalysis(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError when shrinkage ∉ [0, 1] or tol is not finite and > 0.
    void set_params(const params_type& p) {
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
    [[nodiscard]] params_type params() const { return params_; }

    /// Fit with K = max(y) + 1 classes.
    void fit(const MatrixRef& X, const VectorRef& y) { fit(X, y, 0); }

    /// Fit class means, priors and the shared covariance.
    /// @param X n×p finite features.
    /// @param y n class codes in [0, n_classes).
    /// @param n_classes declared K (≤ 0: max(y) + 1).
    /// @throws DataError on empty data, shape mismatch, non-finite values, bad labels, fewer than
    ///         two classes present; NumericalError if the eigen-decomposition fails.
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes) {
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

    /// Linear decision scores δ (m×K; −inf for absent classes). softmax of a row = probabilities.
    [[nodiscard]] Matrix decision_function(const MatrixRef& X,
                                           std::string_view where = "LinearDiscriminantAnalysis::decision_function()") const {
        detail::require_fitted(where, fitted_);
        detail::check_predict_x(where, X, coef_.cols());
        Matrix s = (X.rowwise() - xbar_) * coef_.transpose();
        s.rowwise() += intercept_.transpose();
        return s;
    }

    /// Class probabilities (m×K, rows sum to 1).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const {
        Matrix s = decision_function(X, "LinearDiscriminantAnalysis::predict_proba()");
        detail::softmax_rows(s);
        return s;
    }

    /// Most probable class per row (m), lowest code on ties.
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        return detail::argmax_rows(decision_function(X, "LinearDiscriminantAnalysis::predict()"));
    }

    [[nodiscard]] bool is_fitted() const { return fitted_; }
    [[nodiscard]] Index n_classes() const { return means_.rows(); }
    /// Class means (K×p; zeros for absent classes).
    [[nodiscard]] const Matrix& means() const { return means_; }
    /// Class priors (K).
    [[nodiscard]] const Vector& priors() const { return priors_; }
    /// Linear coefficients of the decision function on centred x (K×p).
    [[nodiscard]] const Matrix& coef() const { return coef_; }
    /// Number of covariance directions kept (≤ p).
    [[nodiscard]] Index rank() const { return rank_; }

    /// Declared search space: shrinkage uniform in [0, 1].
    static hpo::SearchSpace<params_type> search_space() {
        return hpo::SearchSpace<params_type>().add("shrinkage", &params_type::shrinkage, hpo::uniform(0.0, 1.0));
    }

private:
    params_type params_{};
    Matrix means_;
    Vector priors_;
    RowVector xbar_;
    Matrix coef_;
    Vector intercept_;
    Index rank_ = 0;
    bool fitted_ = false;
};

static_assert(Classifier<LinearDiscriminantAnalysis>);

}  // namespace metalearn::models
