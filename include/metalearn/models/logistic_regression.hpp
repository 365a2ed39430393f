#pragma once
/// @file logistic_regression.hpp
/// @brief `LogisticRegression`: multinomial (softmax) regression with an L2 penalty, by L-BFGS.

#include "metalearn/core/config.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/class_weight.hpp"

#include <string_view>
#include <vector>

namespace metalearn::models {

/// Multinomial logistic regression with an L2 penalty (scikit-learn's convention).
///
/// Minimises, over W (K'×p) and b (K'), with K' the classes present in training,
///   g(W, b) = Σ_i −log softmax(W x_i + b)_{y_i} + ‖W‖²_F / (2C),
/// i.e. C·Σ log-loss + ½‖W‖² up to the factor C; the intercept is not penalised. With two
/// classes it fits binary logistic regression on the log-odds, Σ_i log(1 + e^{s_i}) − y_i s_i +
/// ‖w‖²/(2C) with s = w·x + b (p + 1 parameters) — what scikit-learn 1.2 fits for binary data
/// (its `multi_class="auto"` picks the binomial loss there), so C means the same as in
/// scikit-learn in both cases — and stores it as the two-class softmax w₁ = w/2, w₀ = −w/2
/// (b likewise), the optimum of that softmax with the penalty doubled, ‖W‖²_F / C: the same
/// probabilities and the same objective value.
///
/// Solver: L-BFGS (Nocedal 1980; LBFGSpp, Nocedal–Wright strong-Wolfe line search, 10
/// corrections, ≤ 50 line-search steps) from W = 0, b = 0. It stops when the Euclidean norm of
/// ∇g (two classes: of the binomial objective's gradient) is ≤ `tol` (scikit-learn stops on the max-norm ≤ tol, so this is at least as tight), when
/// the relative decrease of g over one iteration is ≤ 2.2e-9 · min(1, tol / 1e-4) (at the
/// default tol that is scipy's L-BFGS-B `ftol`, which scikit-learn uses; smaller tol tightens it),
/// or after `max_iter` iterations. The outcome is never silent: `converged()` tells whether a
/// tolerance was met, `n_iter()` how many iterations ran. A line search that cannot make
/// progress (rounding near the optimum) ends the run with the last iterate; `converged()` is
/// then true only if the gradient norm there is ≤ tol.
///
/// Classes declared but absent from training get probability 0 (they are not fitted: an
/// unpenalised intercept would diverge to −∞). Needs at least two classes present.
///
/// Fit O(iterations · n·p·K); predict O(m·p·K).
class LogisticRegression {
public:
    /// Hyperparameters; defaults are scikit-learn 1.2's `LogisticRegression` (lbfgs).
    struct params_type {
        double C = 1.0;             ///< > 0: inverse regularisation strength.
        double tol = 1e-4;          ///< > 0: gradient-norm tolerance.
        Index max_iter = 100;       ///< ≥ 1: L-BFGS iterations.
        bool fit_intercept = true;  ///< fit an unpenalised intercept per class.
        /// Weight of each sample's log-loss by its class (see class_weight.hpp; scikit-learn's
        /// `class_weight`): the objective becomes Σ_i w_i·(−log softmax(W x_i + b)_{y_i}) + ‖W‖²_F / (2C).
        ClassWeight class_weight = ClassWeight::none;
        /// The weights of `ClassWeight::explicit_weights`, one per declared class (finite, ≥ 0).
        std::vector<double> class_weights = {};
    };

    static constexpr std::string_view name = "logistic_regression";

    LogisticRegression() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit LogisticRegression(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError when C or tol is not finite and > 0, max_iter < 1, or explicit class
    ///         weights are missing, negative, non-finite or all 0.
    void set_params(const params_type& p);
    [[nodiscard]] params_type params() const { return params_; }

    /// Fit with K = max(y) + 1 classes.
    void fit(const MatrixRef& X, const VectorRef& y) { fit(X, y, 0); }

    /// Fit the coefficients.
    /// @param X n×p finite features (scale them for fast convergence); @param y n class codes in
    ///        [0, n_classes); @param n_classes declared K (≤ 0: max(y) + 1).
    /// @throws DataError on empty data, shape mismatch, non-finite values, bad labels, fewer
    ///         than two classes present, or explicit class weights that are not K or give every
    ///         sample weight 0;
    ///         NumericalError if the objective becomes non-finite.
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes);

    /// Scores W x + b (m×K; −inf for classes absent from training).
    [[nodiscard]] Matrix decision_function(const MatrixRef& X,
                                           std::string_view where = "LogisticRegression::decision_function()") const;

    /// Class probabilities softmax(W x + b) (m×K, rows sum to 1).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const;

    /// Most probable class per row (m), lowest code on ties.
    [[nodiscard]] Vector predict(const MatrixRef& X) const;

    [[nodiscard]] bool is_fitted() const { return fitted_; }
    [[nodiscard]] Index n_classes() const { return coef_.rows(); }
    /// Coefficients W (K×p; zero rows for absent classes).
    [[nodiscard]] const Matrix& coef() const { return coef_; }
    /// Intercepts b (K; −inf for absent classes, 0 without intercept).
    [[nodiscard]] const Vector& intercept() const { return intercept_; }
    /// Whether the last fit met a tolerance (gradient norm or relative decrease) within max_iter.
    [[nodiscard]] bool converged() const { return converged_; }
    /// L-BFGS iterations of the last fit.
    [[nodiscard]] Index n_iter() const { return n_iter_; }
    /// Final objective value g(W, b).
    [[nodiscard]] double objective() const { return objective_; }

    /// Declared search space: C log-uniform in [1e-4, 1e4] (valid range: any finite C > 0);
    /// class_weight {none, balanced}. tol, max_iter and fit_intercept are fixed members
    /// (settable by name, e.g. in plan files; a config that leaves them at their defaults is
    /// written without them).
    static hpo::SearchSpace<params_type> search_space();

private:
    params_type params_{};
    Matrix coef_;
    Vector intercept_;
    Index n_iter_ = 0;
    double objective_ = 0.0;
    bool converged_ = false;
    bool fitted_ = false;
};

static_assert(Classifier<LogisticRegression>);

}  // namespace metalearn::models

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/models/logistic_regression_impl.hpp"
#endif

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library's instances for the bundled models (core/compiled_instances.hpp).
#define METALEARN_DECLARES_LOGISTIC_REGRESSION
#include "metalearn/core/compiled_instances.hpp"
#endif
