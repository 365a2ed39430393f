#pragma once
/// @file logistic_regression_impl.hpp
/// @brief Bodies of `LogisticRegression` (see logistic_regression.hpp). Included by that header in
/// header-only mode; compiled into the library in compiled mode (core/config.hpp).

#include "metalearn/core/error.hpp"
#include "metalearn/models/detail/sparse_rows.hpp"
#include "metalearn/models/detail/validation.hpp"
#include "metalearn/models/logistic_regression.hpp"

#include <LBFGS.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

namespace metalearn::models {

METALEARN_INLINE void LogisticRegression::set_params(const params_type& p) {
    constexpr std::string_view where = "LogisticRegression::set_params()";
    if (!(p.C > 0.0) || !std::isfinite(p.C))
        throw ConfigError(fmt::format("{}: C out of range (expected finite > 0, got {})", where, p.C));
    if (!(p.tol > 0.0) || !std::isfinite(p.tol))
        throw ConfigError(fmt::format("{}: tol out of range (expected finite > 0, got {})", where, p.tol));
    if (p.max_iter < 1)
        throw ConfigError(fmt::format("{}: max_iter out of range (expected >= 1, got {})", where, p.max_iter));
    detail::check_class_weights(where, p.class_weight, p.class_weights);
    params_ = p;
    fitted_ = false;
}

METALEARN_INLINE void LogisticRegression::fit(const MatrixRef& X, const VectorRef& y, Index n_classes) {
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
    const bool weighted = params_.class_weight != ClassWeight::none;
    const Vector sw = weighted ? detail::class_sample_weights(where, codes, k, params_.class_weight, params_.class_weights)
                               : Vector();

    const bool icpt = params_.fit_intercept;
    const double inv_c = 1.0 / params_.C;
    // Two classes: the binomial loss on the log-odds w = w₁ − w₀ (p + 1 parameters; half the
    // work of the two-class softmax, whose optimum is w₀ = −w₁ = −w/2 under the doubled penalty,
    // see the class documentation). More classes: the softmax over the K' present classes.
    const bool binary = kp == 2;
    // up to 16 classes: matrix-vector products per class (no re-packing of X for a matrix
    // product at every evaluation; measured faster on 2-10 classes)
    constexpr Index gemv_classes = 16;
    Matrix S(n, binary ? 1 : kp);
    Matrix G(n, binary ? 1 : kp);
    // A mostly-zero X (one-hot columns of nominal attributes) is multiplied in compressed rows:
    // each product then costs its nonzeros, not n·p (adult one-hot encoded: 14 of 82 per row).
    const std::optional<detail::SparseRows> sparse = detail::SparseRows::if_sparse(X, 0.25);
    const auto times = [&](const auto& w, auto&& out) {  // out = X·w
        if (sparse) sparse->times(w.data(), out.data());
        else out.noalias() = X * w;
    };
    const auto transposed_times = [&](const auto& g, auto&& out) {  // out = Xᵀ·g
        if (sparse) sparse->transposed_times(g.data(), out.data());
        else out.noalias() = X.transpose() * g;
    };
    auto binomial = [&](const Vector& theta, Vector& grad) -> double {
        const auto w = theta.head(p);
        auto s = S.col(0);
        auto g = G.col(0);
        times(w, s);
        if (icpt) s.array() += theta[p];
        double loss = 0.0;
        for (Index i = 0; i < n; ++i) {
            const double si = s[i];
            const double yi = target[static_cast<std::size_t>(i)] == 1 ? 1.0 : 0.0;
            // log(1 + e^s) − y·s and σ(s) − y, stable for any sign of s
            const double e = std::exp(-std::abs(si));
            const double softplus = std::max(si, 0.0) + std::log1p(e);
            const double sigma = si >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
            const double wi = weighted ? sw[i] : 1.0;
            loss += wi * (softplus - yi * si);
            g[i] = wi * (sigma - yi);
        }
        grad.resize(theta.size());
        transposed_times(g, grad.head(p));
        grad.head(p) += inv_c * w;
        if (icpt) grad[p] = g.sum();
        return loss + 0.5 * inv_c * w.squaredNorm();
    };
    auto softmax = [&](const Vector& theta, Vector& grad) -> double {
        const Eigen::Map<const Matrix> W(theta.data(), p, kp);
        if (sparse || kp <= gemv_classes) {
            for (Index c = 0; c < kp; ++c) times(W.col(c), S.col(c));
        } else {
            S.noalias() = X * W;
        }
        if (icpt) S.rowwise() += theta.tail(kp).transpose();
        // column-wise (vectorised) log-sum-exp over the classes of each row
        const Vector m = S.rowwise().maxCoeff();
        G = (S.colwise() - m).array().exp().matrix();
        const Vector z = G.rowwise().sum();
        G.array().colwise() /= z.array();
        double loss = 0.0;
        if (!weighted) {
            loss = m.sum() + z.array().log().sum();
            for (Index i = 0; i < n; ++i) {
                const Index c = target[static_cast<std::size_t>(i)];
                loss -= S(i, c);
                G(i, c) -= 1.0;  // P − Y
            }
        } else {
            for (Index i = 0; i < n; ++i) {
                const Index c = target[static_cast<std::size_t>(i)];
                loss += sw[i] * (m[i] + std::log(z[i]) - S(i, c));
                G(i, c) -= 1.0;
                G.row(i) *= sw[i];  // w_i (P − Y)
            }
        }
        grad.resize(theta.size());
        Eigen::Map<Matrix> gW(grad.data(), p, kp);
        if (sparse || kp <= gemv_classes) {
            for (Index c = 0; c < kp; ++c) transposed_times(G.col(c), gW.col(c));
        } else {
            gW.noalias() = X.transpose() * G;
        }
        gW += inv_c * W;
        if (icpt) grad.tail(kp) = G.colwise().sum().transpose();
        return loss + 0.5 * inv_c * W.squaredNorm();
    };

    const Index n_weights = binary ? 1 : kp;
    const Index dim = p * n_weights + (icpt ? n_weights : 0);
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
        iters = binary ? solver.minimize(binomial, theta, fx) : solver.minimize(softmax, theta, fx);
        best = theta;
    } catch (const std::exception&) {
        // the line search could not make progress: keep the last iterate (checked below)
        line_search_failed = true;
        iters = static_cast<int>(params_.max_iter);
        best = theta;
    }
    Vector grad;
    fx = binary ? binomial(best, grad) : softmax(best, grad);
    if (!std::isfinite(fx) || !best.allFinite())
        throw NumericalError(fmt::format("{}: the objective became non-finite (got {}); scale the features", where,
                                         fx));
    n_iter_ = iters;
    converged_ = grad.norm() <= params_.tol || (!line_search_failed && iters < params_.max_iter);

    coef_ = Matrix::Zero(k, p);
    intercept_ = Vector::Constant(k, -std::numeric_limits<double>::infinity());
    if (binary) {
        // the two-class softmax optimum: w₁ = w/2, w₀ = −w/2 (the same probabilities and objective)
        const Vector half = 0.5 * best.head(p);
        const double b = icpt ? 0.5 * best[p] : 0.0;
        coef_.row(present[0]) = -half.transpose();
        coef_.row(present[1]) = half.transpose();
        intercept_[present[0]] = -b;
        intercept_[present[1]] = b;
    } else {
        const Eigen::Map<const Matrix> W(best.data(), p, kp);
        for (Index j = 0; j < kp; ++j) {
            coef_.row(present[static_cast<std::size_t>(j)]) = W.col(j).transpose();
            intercept_[present[static_cast<std::size_t>(j)]] = icpt ? best[p * kp + j] : 0.0;
        }
    }
    objective_ = fx;
    fitted_ = true;
}

METALEARN_INLINE Matrix LogisticRegression::decision_function(const MatrixRef& X, std::string_view where) const {
    detail::require_fitted(where, fitted_);
    detail::check_predict_x(where, X, coef_.cols());
    Matrix s = X * coef_.transpose();
    s.rowwise() += intercept_.transpose();
    return s;
}

METALEARN_INLINE Matrix LogisticRegression::predict_proba(const MatrixRef& X) const {
    Matrix s = decision_function(X, "LogisticRegression::predict_proba()");
    detail::softmax_rows(s);
    return s;
}

METALEARN_INLINE Vector LogisticRegression::predict(const MatrixRef& X) const {
    return detail::argmax_rows(decision_function(X, "LogisticRegression::predict()"));
}

METALEARN_INLINE hpo::SearchSpace<LogisticRegression::params_type> LogisticRegression::search_space() {
    constexpr double tiny = std::numeric_limits<double>::min();
    constexpr double huge = std::numeric_limits<double>::max();
    return hpo::SearchSpace<params_type>()
        .add("C", &params_type::C, hpo::log_uniform(1e-4, 1e4))
        .valid_range("C", tiny, huge)
        .fixed("tol", &params_type::tol, hpo::log_uniform(tiny, huge))
        .fixed("max_iter", &params_type::max_iter, hpo::int_uniform(1, long{1} << 52))
        .fixed("fit_intercept", &params_type::fit_intercept, hpo::boolean())
        .add("class_weight", &params_type::class_weight,
             hpo::categorical<ClassWeight>({{"none", ClassWeight::none}, {"balanced", ClassWeight::balanced}}));
}

}  // namespace metalearn::models
