#pragma once
/// @file logistic_regression.hpp
/// @brief `LogisticRegression`: multinomial (softmax) regression with an L2 penalty, by L-BFGS.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/hpo/search_space.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/detail/validation.hpp"

#include <LBFGS.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <exception>
#include <string_view>
#include <vector>

namespace metalearn::models {

/// Multinomial logistic regression with an L2 penalty (scikit-learn's convention).
///
/// Minimises, over W (K'×p) and b (K'), with K' the classes present in training,
///   g(W, b) = Σ_i −log softmax(W x_i + b)_{y_i} + ‖W‖²_F / (2C),
/// i.e. C·Σ log-loss + ½‖W‖² up to the factor C; the intercept is not penalised. With two
/// classes the softmax is fitted with the penalty doubled, ‖W‖²_F / C: at the optimum
/// w₀ = −w₁, so this is exactly binary logistic regression on the log-odds w = w₁ − w₀ with
/// penalty ‖w‖²/(2C) — what scikit-learn 1.2 fits for binary data (its `multi_class="auto"`
/// picks the binomial loss there), so C means the same as in scikit-learn in both cases.
///
/// Solver: L-BFGS (Nocedal 1980; LBFGSpp, Nocedal–Wright strong-Wolfe line search, 10
/// corrections, ≤ 50 line-search steps) from W = 0, b = 0. It stops when the Euclidean norm of
/// ∇g is ≤ `tol` (scikit-learn stops on the max-norm ≤ tol, so this is at least as tight), when
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
    };

    static constexpr std::string_view name = "logistic_regression";

    LogisticRegression() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit LogisticRegression(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError when C or tol is not finite and > 0, or max_iter < 1.
    void set_params(const params_type& p) {
        constexpr std::string_view where = "LogisticRegression::set_params()";
        if (!(p.C > 0.0) || !std::isfinite(p.C))
            throw ConfigError(fmt::format("{}: C out of range (expected finite > 0, got {})", where, p.C));
        if (!(p.tol > 0.0) || !std::isfinite(p.tol))
            throw ConfigError(fmt::format("{}: tol out of range (expected finite > 0, got {})", where, p.tol));
        if (p.max_iter < 1)
            throw ConfigError(fmt::format("{}: max_iter out of range (expected >= 1, got {})", where, p.max_iter));
        params_ = p;
        fitted_ = false;
    }
    [[nodiscard]] params_type params() const { return params_; }

    /// Fit with K = max(y) + 1 classes.
    void fit(const MatrixRef& X, const VectorRef& y) { fit(X, y, 0); }

    /// Fit the coefficients.
    /// @param X n×p finite features (scale them for fast convergence); @param y n class codes in
    ///        [0, n_classes); @param n_classes declared K (≤ 0: max(y) + 1).
    /// @throws DataError on empty data, shape mismatch, non-finite values, bad labels or fewer
    ///         than two classes present; NumericalError if the objective becomes non-finite.
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes) {
        constexpr std::string_view where = "LogisticRegression::fit()";
        detail::check_xy(where, X, y);
        Index k = 0;
        const auto codes = detail::class_codes(where, y, n_classes, k);
        const Vector counts = detail::class_counts(codes, k);
        detail::require_two_classes(where, counts);
        // map declared classes to fitted (present) ones
        std::vector<Index> fitted_of(static_cast<std::size_t>(k), -1);
        std::vector<Index> present;
        for (Index c = 0; c < k; ++c)
            if (counts[c] > 0) {
                fitted_of[static_cast<std::size_t>(c)] = static_cast<Index>(present.size());
                present.push_back(c);
            }
        const auto kp = static_cast<Index>(present.size());
        const Index n = X.rows();
        const Index p = X.cols();
        std::vector<Index> target(static_cast<std::size_t>(n));  // fitted class of each row
        for (Index i = 0; i < n; ++i)
            target[static_cast<std::size_t>(i)] = fitted_of[static_cast<std::size_t>(codes[static_cast<std::size_t>(i)])];

        // two classes: penalty doubled so that it is ‖w₁ − w₀‖²/(2C) on the log-odds (see above)
        const double inv_c = (kp == 2 ? 2.0 : 1.0) / params_.C;
        const bool icpt = params_.fit_intercept;
        // up to 16 classes: matrix-vector products per class (no re-packing of X for a matrix
        // product at every evaluation; measured faster on 2-10 classes)
        constexpr Index gemv_classes = 16;
        Matrix S(n, kp);
        Matrix G(n, kp);
        auto objective = [&](const Vector& theta, Vector& grad) -> double {
            const Eigen::Map<const Matrix> W(theta.data(), p, kp);
            if (kp <= gemv_classes) {
                for (Index c = 0; c < kp; ++c) S.col(c).noalias() = X * W.col(c);
            } else {
                S.noalias() = X * W;
            }
            if (icpt) S.rowwise() += theta.tail(kp).transpose();
            // column-wise (vectorised) log-sum-exp over the classes of each row
            const Vector m = S.rowwise().maxCoeff();
            G = (S.colwise() - m).array().exp().matrix();
            const Vector z = G.rowwise().sum();
            double loss = m.sum() + z.array().log().sum();
            G.array().colwise() /= z.array();
            for (Index i = 0; i < n; ++i) {
                const Index c = target[static_cast<std::size_t>(i)];
                loss -= S(i, c);
                G(i, c) -= 1.0;  // P − Y
            }
            grad.resize(theta.size());
            Eigen::Map<Matrix> gW(grad.data(), p, kp);
            if (kp <= gemv_classes) {
                for (Index c = 0; c < kp; ++c) gW.col(c).noalias() = X.transpose() * G.col(c);
            } else {
                gW.noalias() = X.transpose() * G;
            }
            gW += inv_c * W;
            if (icpt) grad.tail(kp) = G.colwise().sum().transpose();
            return loss + 0.5 * inv_c * W.squaredNorm();
        };

        const Index dim = p * kp + (icpt ? kp : 0);
        Vector theta = Vector::Zero(dim);
        LBFGSpp::LBFGSParam<double> lp;
        lp.m = 10;
        lp.epsilon = params_.tol;
        lp.epsilon_rel = 0.0;
        lp.past = 1;
        lp.delta = 2.220446049250313e-09 * std::min(1.0, params_.tol / 1e-4);
        lp.max_iterations = static_cast<int>(params_.max_iter);
        lp.max_linesearch = 50;
        lp.linesearch = LBFGSpp::LBFGS_LINESEARCH_BACKTRACKING_STRONG_WOLFE;
        LBFGSpp::LBFGSSolver<double, LBFGSpp::LineSearchNocedalWright> solver(lp);
        double fx = 0.0;
        bool line_search_failed = false;
        int iters = 0;
        Vector best = theta;
        try {
            iters = solver.minimize(objective, theta, fx);
            best = theta;
        } catch (const std::exception&) {
            // the line search could not make progress: keep the last iterate (checked below)
            line_search_failed = true;
            iters = static_cast<int>(params_.max_iter);
            best = theta;
        }
        Vector grad;
        fx = objective(best, grad);
        if (!std::isfinite(fx) || !best.allFinite())
            throw NumericalError(fmt::format("{}: the objective became non-finite (got {}); scale the features", where,
                                             fx));
        n_iter_ = iters;
        converged_ = grad.norm() <= params_.tol || (!line_search_failed && iters < params_.max_iter);

        const Eigen::Map<const Matrix> W(best.data(), p, kp);
        coef_ = Matrix::Zero(k, p);
        intercept_ = Vector::Constant(k, -std::numeric_limits<double>::infinity());
        for (Index j = 0; j < kp; ++j) {
            coef_.row(present[static_cast<std::size_t>(j)]) = W.col(j).transpose();
            intercept_[present[static_cast<std::size_t>(j)]] = icpt ? best[p * kp + j] : 0.0;
        }
        objective_ = fx;
        fitted_ = true;
    }

    /// Scores W x + b (m×K; −inf for classes absent from training).
    [[nodiscard]] Matrix decision_function(const MatrixRef& X,
                                           std::string_view where = "LogisticRegression::decision_function()") const {
        detail::require_fitted(where, fitted_);
        detail::check_predict_x(where, X, coef_.cols());
        Matrix s = X * coef_.transpose();
        s.rowwise() += intercept_.transpose();
        return s;
    }

    /// Class probabilities softmax(W x + b) (m×K, rows sum to 1).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const {
        Matrix s = decision_function(X, "LogisticRegression::predict_proba()");
        detail::softmax_rows(s);
        return s;
    }

    /// Most probable class per row (m), lowest code on ties.
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        return detail::argmax_rows(decision_function(X, "LogisticRegression::predict()"));
    }

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

    /// Declared search space: C log-uniform in [1e-4, 1e4].
    static hpo::SearchSpace<params_type> search_space() {
        return hpo::SearchSpace<params_type>().add("C", &params_type::C, hpo::log_uniform(1e-4, 1e4));
    }

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
