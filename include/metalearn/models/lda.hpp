#pragma once
/// @file lda.hpp
/// @brief `LinearDiscriminantAnalysis`: Gaussian classes with one shared covariance.

#include "metalearn/core/config.hpp"
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
    void set_params(const params_type& p);
    [[nodiscard]] params_type params() const { return params_; }

    /// Fit with K = max(y) + 1 classes.
    void fit(const MatrixRef& X, const VectorRef& y) { fit(X, y, 0); }

    /// Fit class means, priors and the shared covariance.
    /// @param X n×p finite features.
    /// @param y n class codes in [0, n_classes).
    /// @param n_classes declared K (≤ 0: max(y) + 1).
    /// @throws DataError on empty data, shape mismatch, non-finite values, bad labels, fewer than
    ///         two classes present; NumericalError if the eigen-decomposition fails.
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes);

    /// Linear decision scores δ (m×K; −inf for absent classes). softmax of a row = probabilities.
    [[nodiscard]] Matrix decision_function(const MatrixRef& X,
                                           std::string_view where = "LinearDiscriminantAnalysis::decision_function()") const;

    /// Class probabilities (m×K, rows sum to 1).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const;

    /// Most probable class per row (m), lowest code on ties.
    [[nodiscard]] Vector predict(const MatrixRef& X) const;

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
    static hpo::SearchSpace<params_type> search_space();

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

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/models/lda_impl.hpp"
#endif

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library's instances for the bundled models (core/compiled_instances.hpp).
#define METALEARN_DECLARES_LDA
#include "metalearn/core/compiled_instances.hpp"
#endif
