#pragma once
/// @file elastic_net.hpp
/// @brief `ElasticNet`: least squares with a mixed L1 + L2 penalty, by cyclic coordinate descent,
/// with warm-started regularisation paths (`ElasticNet::path`).

#include "metalearn/core/error.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/detail/validation.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace metalearn::models {

/// How coordinate descent keeps the gradient of the least-squares term up to date (Friedman,
/// Hastie & Tibshirani 2010, §2.2). Both give the same iterates in exact arithmetic.
enum class CoordinateUpdates {
    /// `covariance` when n ≥ p and p ≤ 1024, `naive` otherwise.
    automatic,
    /// "Naive updates": keep the residual r = y − Xw (n); each coordinate step costs O(n).
    naive,
    /// "Covariance updates": precompute the Gram matrix XᵀX (p×p, O(n·p²) once) and keep
    /// Xᵀr (p); each coordinate step costs O(p). Fast when n ≫ p and on paths.
    covariance,
};

/// The name of an update rule as written in saved models and search spaces: "automatic",
/// "naive", "covariance".
[[nodiscard]] inline std::string_view to_string(CoordinateUpdates u) {
    switch (u) {
        case CoordinateUpdates::naive: return "naive";
        case CoordinateUpdates::covariance: return "covariance";
        case CoordinateUpdates::automatic: break;
    }
    return "automatic";
}

/// Coefficients along a regularisation path (`ElasticNet::path`), one column per penalty.
struct ElasticNetPath {
    Vector alphas;              ///< k penalties α, in decreasing order (the order they were fitted in).
    Matrix coef;                ///< p×k coefficients; column i belongs to alphas[i].
    Vector intercept;           ///< k intercepts (0 without fit_intercept).
    Vector dual_gap;            ///< k final duality gaps, divided by n (scikit-learn's `dual_gap_`).
    std::vector<Index> n_iter;  ///< k numbers of coordinate-descent sweeps.
    std::vector<bool> converged;  ///< k: whether the duality gap met the tolerance within max_iter.
};

namespace detail {

/// Centred data of an elastic-net problem, in the form one update rule needs.
struct EnetData {
    Index n = 0;
    Index p = 0;
    bool covariance = false;  ///< Gram form (G, q) instead of residual form (Xc, yc).
    Matrix Xc;                ///< n×p centred features (naive form only).
    Vector yc;                ///< n centred targets (naive form only).
    Matrix G;                 ///< p×p XcᵀXc (covariance form only).
    Vector q;                 ///< p: Xcᵀyc (covariance form only).
    Vector col_sq;            ///< p: squared norms of the centred columns.
    double yy = 0.0;          ///< ‖yc‖².
    RowVector xbar;           ///< p column means (zeros without intercept).
    double ybar = 0.0;        ///< mean of y (0 without intercept).
};

/// Largest p for which `CoordinateUpdates::automatic` picks the covariance form.
inline constexpr Index kEnetMaxGramFeatures = 1024;

/// Rows per block when the Gram matrix is accumulated (`enet_prepare`).
inline constexpr Index kEnetGramBlockRows = 512;

/// Centre X and y (when `fit_intercept`) and build the chosen form.
/// X n×p, y n, both already checked finite and of matching shapes.
///
/// Covariance form: G = XcᵀXc, q = Xcᵀyc and ‖yc‖² are accumulated from blocks of
/// `kEnetGramBlockRows` rows, each centred into a small buffer [Xb − x̄, yb − ȳ] whose
/// (p+1)×(p+1) cross-product is added to one symmetric matrix: one pass over X after the
/// means, exact centring, and no n×p copy. Naive form: the centred copy Xc (n×p) and yc.
inline EnetData enet_prepare(const MatrixRef& X, const VectorRef& y, bool fit_intercept, CoordinateUpdates updates) {
    EnetData d;
    d.n = X.rows();
    d.p = X.cols();
    const Index n = d.n;
    const Index p = d.p;
    d.covariance = updates == CoordinateUpdates::covariance ||
                   (updates == CoordinateUpdates::automatic && n >= p && p <= kEnetMaxGramFeatures);
    d.xbar = fit_intercept ? RowVector(X.colwise().mean()) : RowVector::Zero(p);
    d.ybar = fit_intercept ? y.mean() : 0.0;
    if (d.covariance) {
        Matrix A(std::min(n, kEnetGramBlockRows), p + 1);
        Matrix S = Matrix::Zero(p + 1, p + 1);
        for (Index r = 0; r < n; r += kEnetGramBlockRows) {
            const Index b = std::min(kEnetGramBlockRows, n - r);
            A.topLeftCorner(b, p) = X.middleRows(r, b).rowwise() - d.xbar;
            A.col(p).head(b) = y.segment(r, b).array() - d.ybar;
            S.selfadjointView<Eigen::Lower>().rankUpdate(A.topRows(b).transpose());
        }
        d.G = S.topLeftCorner(p, p);
        d.G.triangularView<Eigen::StrictlyUpper>() = d.G.transpose();
        d.q = S.row(p).head(p).transpose();
        d.yy = S(p, p);
        d.col_sq = d.G.diagonal();
    } else {
        d.Xc = X.rowwise() - d.xbar;
        d.yc = y.array() - d.ybar;
        d.yy = d.yc.squaredNorm();
        d.col_sq = d.Xc.colwise().squaredNorm().transpose();
    }
    return d;
}

/// Outcome of one coordinate-descent solve.
struct EnetOutcome {
    Index n_iter = 0;        ///< sweeps done.
    double gap = 0.0;        ///< last duality gap computed (objective scaled by n, see enet_solve).
    bool converged = false;  ///< gap ≤ tol·‖yc‖² was reached.
};

/// Duality gap of P(w) = ½‖r‖² + l1‖w‖₁ + ½ l2‖w‖² at w, from rr = ‖r‖², ry = rᵀyc and
/// xtr = Xcᵀr (p), r = yc − Xc w.
///
/// l1 > 0: the elastic net is a lasso on the augmented data [Xc; √l2·I], [yc; 0], whose residual
/// is (r, −√l2·w); scaling it by c = min(1, l1 / ‖Xcᵀr − l2·w‖∞) gives a dual-feasible point
/// ν, and P(w) − D(ν) = ½(1 + c²)(rr + l2‖w‖²) + l1‖w‖₁ − c·ry. This is the gap scikit-learn's
/// coordinate descent evaluates (and, through it, when it stops).
/// l1 = 0 < l2: that point degenerates (c = 0, the "gap" is P(w) itself and never certifies
/// convergence); the Fenchel dual of the smooth problem, D(θ) = θᵀyc − ½‖θ‖² −
/// ‖Xcᵀθ‖² / (2·l2), at θ = r gives the gap rr − ry + ½ l2‖w‖² + ‖xtr‖² / (2·l2), which is 0
/// at the optimum. l1 = l2 = 0 (least squares): the first form (= ½ rr).
inline double enet_duality_gap(double rr, double ry, const Vector& xtr, const Vector& w, double l1, double l2) {
    const double w2 = w.squaredNorm();
    if (l1 == 0.0 && l2 > 0.0) return rr - ry + 0.5 * l2 * w2 + xtr.squaredNorm() / (2.0 * l2);
    const double dual_norm = (xtr - l2 * w).cwiseAbs().maxCoeff();
    double c = 1.0;
    double gap = rr;
    if (dual_norm > l1) {
        c = l1 / dual_norm;
        gap = 0.5 * rr * (1.0 + c * c);
    }
    return gap + l1 * w.lpNorm<1>() - c * ry + 0.5 * l2 * (1.0 + c * c) * w2;
}

/// Soft-thresholding S(t, λ) = sign(t)·max(|t| − λ, 0).
inline double soft_threshold(double t, double lambda) {
    if (t > lambda) return t - lambda;
    if (t < -lambda) return t + lambda;
    return 0.0;
}

/// Cyclic coordinate descent on P(w) = ½‖yc − Xc w‖² + l1‖w‖₁ + ½ l2‖w‖² (the elastic-net
/// objective multiplied by n: l1 = n·α·ρ, l2 = n·α·(1 − ρ)), from the given w (warm start).
///
/// One sweep updates w_j ← S(x_jᵀr + ‖x_j‖²w_j, l1) / (‖x_j‖² + l2) for j = 0..p−1 (Friedman,
/// Hastie & Tibshirani 2010, eq. 5; columns with ‖x_j‖ = 0 keep w_j). Stopping rule, as
/// scikit-learn's `ElasticNet`: after a sweep whose largest coefficient change is below
/// tol × the largest |w_j| (or that left w = 0, or that is the last allowed), compute the duality
/// gap (`enet_duality_gap`); stop when it is ≤ tol·‖yc‖².
/// @param w p coefficients: start on entry, solution on return.
inline EnetOutcome enet_solve(const EnetData& d, double l1, double l2, double tol, Index max_iter, Vector& w) {
    const Index p = d.p;
    const double gap_tol = tol * d.yy;
    EnetOutcome out;
    if (d.covariance) {
        Vector h = d.q - d.G * w;  // Xcᵀr
        for (Index it = 0; it < max_iter; ++it) {
            double w_max = 0.0;
            double dw_max = 0.0;
            for (Index j = 0; j < p; ++j) {
                const double gjj = d.G(j, j);
                if (gjj == 0.0) continue;
                const double wj = w[j];
                const double wn = soft_threshold(h[j] + gjj * wj, l1) / (gjj + l2);
                if (wn != wj) {
                    h.noalias() -= (wn - wj) * d.G.col(j);
                    w[j] = wn;
                }
                dw_max = std::max(dw_max, std::abs(wn - wj));
                w_max = std::max(w_max, std::abs(wn));
            }
            out.n_iter = it + 1;
            if (w_max == 0.0 || dw_max / w_max < tol || it == max_iter - 1) {
                const Vector gw = d.G * w;
                h = d.q - gw;  // recomputed: no drift from the rank-one updates
                const double wq = w.dot(d.q);
                const double rr = std::max(0.0, d.yy - 2.0 * wq + w.dot(gw));
                out.gap = enet_duality_gap(rr, d.yy - wq, h, w, l1, l2);
                if (out.gap <= gap_tol) {
                    out.converged = true;
                    break;
                }
            }
        }
    } else {
        Vector r = d.yc;
        if (w.any()) r.noalias() -= d.Xc * w;
        for (Index it = 0; it < max_iter; ++it) {
            double w_max = 0.0;
            double dw_max = 0.0;
            for (Index j = 0; j < p; ++j) {
                const double nj = d.col_sq[j];
                if (nj == 0.0) continue;
                const double wj = w[j];
                const auto xj = d.Xc.col(j);
                const double wn = soft_threshold(xj.dot(r) + nj * wj, l1) / (nj + l2);
                if (wn != wj) {
                    r.noalias() -= (wn - wj) * xj;
                    w[j] = wn;
                }
                dw_max = std::max(dw_max, std::abs(wn - wj));
                w_max = std::max(w_max, std::abs(wn));
            }
            out.n_iter = it + 1;
            if (w_max == 0.0 || dw_max / w_max < tol || it == max_iter - 1) {
                const Vector xtr = d.Xc.transpose() * r;
                out.gap = enet_duality_gap(r.squaredNorm(), r.dot(d.yc), xtr, w, l1, l2);
                if (out.gap <= gap_tol) {
                    out.converged = true;
                    break;
                }
            }
        }
    }
    return out;
}

}  // namespace detail

/// Elastic-net linear regression (Zou & Hastie 2005), scikit-learn's parametrisation
/// (`sklearn.linear_model.ElasticNet`): minimises over w (p) and b
///   (1/(2n))·‖y − Xw − b‖² + α·ρ·‖w‖₁ + α·(1 − ρ)/2·‖w‖²,
/// with α = `alpha` ≥ 0 and ρ = `l1_ratio` ∈ [0, 1] (ρ = 1: the lasso; ρ = 0: ridge with
/// penalty n·α/2·‖w‖², i.e. `Ridge` with alpha n·α). glmnet's Gaussian family has the same
/// objective with λ = α and its `alpha` = ρ. The intercept is not penalised: with
/// fit_intercept, X and y are centred, w is fitted on the centred data and b = ȳ − x̄ᵀw.
///
/// Solver: cyclic coordinate descent (Friedman, Hastie & Tibshirani 2010, "Regularization Paths
/// for Generalized Linear Models via Coordinate Descent", J. Stat. Softw. 33(1)) from w = 0,
/// with naive or covariance updates (`CoordinateUpdates`), and scikit-learn's stopping rule:
/// when a sweep changes no coefficient by more than tol × max|w_j|, the duality gap is computed
/// and the fit stops when it is ≤ tol·‖y − ȳ‖² (gap of the objective multiplied by n); otherwise
/// after max_iter sweeps. `converged()` says which; `dual_gap()` is the last gap divided by n
/// (scikit-learn's `dual_gap_`). For ρ > 0 the iterates and the stopping test are scikit-learn's
/// (the same coefficients up to rounding, at any tol). For ρ = 0 scikit-learn's gap is the
/// objective itself and never certifies convergence (it always runs max_iter sweeps); here the
/// Fenchel dual gap of the smooth problem is used, which does. α = 0 (least squares) has no
/// usable gap: the fit runs max_iter sweeps unless the residual vanishes — use `Ridge`.
///
/// Scale matters: the penalty acts on raw coefficients, so standardise the features (the
/// preprocessing of `hpo::cross_validate` does); α scales with y (multiplying y by s multiplies
/// the α that zeroes every coefficient, `alpha_grid`'s α_max, by s).
///
/// Fit: covariance form O(n·p² + sweeps·p²) time and O(p² + 512·p) memory (the Gram matrix is
/// accumulated from centred blocks of rows, X is not copied); naive form O(sweeps·n·p) time and
/// n·p memory (the centred copy). Predict O(m·p).
class ElasticNet {
public:
    /// Hyperparameters; defaults are scikit-learn 1.2's `ElasticNet`.
    struct params_type {
        double alpha = 1.0;         ///< ≥ 0, finite: penalty strength α.
        double l1_ratio = 0.5;      ///< in [0, 1]: share ρ of the L1 penalty.
        bool fit_intercept = true;  ///< centre X and y and fit an unpenalised intercept.
        double tol = 1e-4;          ///< ≥ 0, finite: relative tolerance of the stopping rule.
        Index max_iter = 1000;      ///< ≥ 1: coordinate-descent sweeps.
        CoordinateUpdates updates = CoordinateUpdates::automatic;  ///< update rule (speed only).
        /// Member-wise equality.
        bool operator==(const params_type&) const = default;
    };

    static constexpr std::string_view name = "elastic_net";

    ElasticNet() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit ElasticNet(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError when alpha is negative or not finite, l1_ratio is outside [0, 1],
    ///         tol is negative or not finite, or max_iter < 1.
    void set_params(const params_type& p) {
        check_params("ElasticNet::set_params()", p);
        params_ = p;
        fitted_ = false;
    }
    [[nodiscard]] params_type params() const { return params_; }

    /// Fit the coefficients by coordinate descent from w = 0.
    /// @param X n×p finite features (standardise them: the penalty is not scale-invariant);
    /// @param y n finite targets.
    /// Not converging within max_iter is not an error: see `converged()`.
    /// @throws DataError on empty data, shape mismatch or non-finite values.
    void fit(const MatrixRef& X, const VectorRef& y) {
        detail::check_xy("ElasticNet::fit()", X, y);
        const detail::EnetData d = detail::enet_prepare(X, y, params_.fit_intercept, params_.updates);
        Vector w = Vector::Zero(d.p);
        const auto [l1, l2] = penalties(params_.alpha, params_.l1_ratio, d.n);
        const detail::EnetOutcome o = detail::enet_solve(d, l1, l2, params_.tol, params_.max_iter, w);
        coef_ = std::move(w);
        intercept_ = d.ybar - d.xbar.dot(coef_);
        n_iter_ = o.n_iter;
        dual_gap_ = o.gap / static_cast<double>(d.n);
        converged_ = o.converged;
        fitted_ = true;
    }

    /// Predicted values Xw + b (m).
    /// @param X m×p finite features (p as in fit).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        constexpr std::string_view where = "ElasticNet::predict()";
        detail::require_fitted(where, fitted_);
        detail::check_predict_x(where, X, coef_.size());
        return (X * coef_).array() + intercept_;
    }

    [[nodiscard]] bool is_fitted() const { return fitted_; }
    /// Coefficients w (p).
    [[nodiscard]] const Vector& coef() const { return coef_; }
    /// Intercept b (0 when fit_intercept is false).
    [[nodiscard]] double intercept() const { return intercept_; }
    /// Coordinate-descent sweeps of the last fit (scikit-learn's `n_iter_`).
    [[nodiscard]] Index n_iter() const { return n_iter_; }
    /// Last duality gap of the last fit divided by n (scikit-learn's `dual_gap_`).
    [[nodiscard]] double dual_gap() const { return dual_gap_; }
    /// Whether the last fit met the duality-gap tolerance within max_iter sweeps.
    [[nodiscard]] bool converged() const { return converged_; }

    /// The elastic net along a path of penalties, each fit warm-started from the previous one
    /// (scikit-learn's `enet_path`, plus intercepts).
    ///
    /// X and y are centred once (when fit_intercept) and, in the covariance form, the Gram matrix
    /// is computed once for the whole path. The penalties are sorted in decreasing order first
    /// (as `enet_path` does): from a large α the solution is sparse and each next fit starts
    /// close to its solution.
    /// @param X n×p finite features; @param y n finite targets;
    /// @param alphas k ≥ 1 penalties α ≥ 0, finite, in any order;
    /// @param p l1_ratio, fit_intercept, tol, max_iter and updates (alpha is ignored).
    /// @return coefficients (p×k), intercepts, gaps and sweep counts, in decreasing α.
    /// @throws ConfigError on an empty or bad `alphas` or bad `p`; DataError as `fit`.
    [[nodiscard]] static ElasticNetPath path(const MatrixRef& X, const VectorRef& y, const VectorRef& alphas,
                                             const params_type& p) {
        constexpr std::string_view where = "ElasticNet::path()";
        params_type checked = p;
        checked.alpha = 0.0;
        check_params(where, checked);
        if (alphas.size() == 0)
            throw ConfigError(fmt::format("{}: no penalties (expected k >= 1 alphas, got 0)", where));
        for (Index i = 0; i < alphas.size(); ++i)
            if (!(alphas[i] >= 0.0) || !std::isfinite(alphas[i]))
                throw ConfigError(fmt::format("{}: alpha out of range (expected finite >= 0, got {} at {})", where,
                                              alphas[i], i));
        detail::check_xy(where, X, y);
        const detail::EnetData d = detail::enet_prepare(X, y, p.fit_intercept, p.updates);
        ElasticNetPath out;
        out.alphas = alphas;
        std::sort(out.alphas.begin(), out.alphas.end(), std::greater<>());
        const Index k = out.alphas.size();
        out.coef.resize(d.p, k);
        out.intercept.resize(k);
        out.dual_gap.resize(k);
        out.n_iter.resize(static_cast<std::size_t>(k));
        out.converged.resize(static_cast<std::size_t>(k));
        Vector w = Vector::Zero(d.p);
        for (Index i = 0; i < k; ++i) {
            const auto [l1, l2] = penalties(out.alphas[i], p.l1_ratio, d.n);
            const detail::EnetOutcome o = detail::enet_solve(d, l1, l2, p.tol, p.max_iter, w);
            out.coef.col(i) = w;
            out.intercept[i] = d.ybar - d.xbar.dot(w);
            out.dual_gap[i] = o.gap / static_cast<double>(d.n);
            out.n_iter[static_cast<std::size_t>(i)] = o.n_iter;
            out.converged[static_cast<std::size_t>(i)] = o.converged;
        }
        return out;
    }

    /// `path` with the default hyperparameters (l1_ratio 0.5, tol 1e-4, max_iter 1000, intercept).
    [[nodiscard]] static ElasticNetPath path(const MatrixRef& X, const VectorRef& y, const VectorRef& alphas) {
        return path(X, y, alphas, params_type{});
    }

    /// A decreasing grid of n_alphas penalties from α_max down to eps·α_max, evenly spaced on a
    /// log scale, where α_max = ‖Xcᵀyc‖∞ / (n·ρ) is the smallest α whose solution is w = 0
    /// (Friedman, Hastie & Tibshirani 2010, §2.5; scikit-learn's `_alpha_grid`). When
    /// α_max ≤ 1e-15 (y constant or orthogonal to X) every entry is 1e-15, as in scikit-learn.
    /// @param X n×p finite features; @param y n finite targets; @param l1_ratio ρ in (0, 1];
    /// @param n_alphas ≥ 1 (default 100); @param eps in (0, 1] (default 1e-3);
    /// @param fit_intercept centre X and y first (default true).
    /// @return n_alphas penalties, decreasing.
    /// @throws ConfigError when ρ ∉ (0, 1] (ρ = 0 has no finite α_max), n_alphas < 1 or eps ∉
    ///         (0, 1]; DataError as `fit`.
    [[nodiscard]] static Vector alpha_grid(const MatrixRef& X, const VectorRef& y, double l1_ratio,
                                           Index n_alphas = 100, double eps = 1e-3, bool fit_intercept = true) {
        constexpr std::string_view where = "ElasticNet::alpha_grid()";
        if (!(l1_ratio > 0.0 && l1_ratio <= 1.0))
            throw ConfigError(fmt::format("{}: l1_ratio out of range (expected in (0, 1]: l1_ratio = 0 has no "
                                          "finite alpha_max, got {})",
                                          where, l1_ratio));
        if (n_alphas < 1)
            throw ConfigError(fmt::format("{}: n_alphas out of range (expected >= 1, got {})", where, n_alphas));
        if (!(eps > 0.0 && eps <= 1.0))
            throw ConfigError(fmt::format("{}: eps out of range (expected in (0, 1], got {})", where, eps));
        detail::check_xy(where, X, y);
        const Index n = X.rows();
        const RowVector xbar = fit_intercept ? RowVector(X.colwise().mean()) : RowVector::Zero(X.cols());
        const double ybar = fit_intercept ? y.mean() : 0.0;
        const Vector yc = y.array() - ybar;
        const Vector xty = (X.rowwise() - xbar).transpose() * yc;
        const double alpha_max = xty.cwiseAbs().maxCoeff() / (static_cast<double>(n) * l1_ratio);
        constexpr double resolution = 1e-15;
        if (alpha_max <= resolution) return Vector::Constant(n_alphas, resolution);
        const double hi = std::log10(alpha_max);
        const double lo = std::log10(alpha_max * eps);
        Vector out(n_alphas);
        if (n_alphas == 1) {
            out[0] = std::pow(10.0, lo);
            return out;
        }
        const double step = (hi - lo) / static_cast<double>(n_alphas - 1);
        for (Index i = 0; i < n_alphas; ++i) {
            const double e = i == n_alphas - 1 ? hi : lo + step * static_cast<double>(i);
            out[n_alphas - 1 - i] = std::pow(10.0, e);
        }
        return out;
    }

    /// The fitted model as JSON: `{"kind": "elastic_net", "version": 1, "params": {"alpha",
    /// "l1_ratio", "fit_intercept", "tol", "max_iter", "updates"}, "coef": [p values],
    /// "intercept": b, "n_iter", "dual_gap", "converged"}`. `from_json` of it predicts
    /// bit-identically. @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const {
        detail::require_fitted("ElasticNet::to_json()", fitted_);
        return {{"kind", name},
                {"version", 1},
                {"params",
                 {{"alpha", params_.alpha},
                  {"l1_ratio", params_.l1_ratio},
                  {"fit_intercept", params_.fit_intercept},
                  {"tol", params_.tol},
                  {"max_iter", params_.max_iter},
                  {"updates", to_string(params_.updates)}}},
                {"coef", detail::vector_json(coef_)},
                {"intercept", intercept_},
                {"n_iter", n_iter_},
                {"dual_gap", dual_gap_},
                {"converged", converged_}};
    }

    /// A fitted model from `to_json()`'s output.
    /// @throws ParseError when `j` is not a saved elastic net (not an object, another kind, an
    ///         unknown version, a missing field, a value of the wrong JSON type, an unknown update
    ///         rule); DataError when a value is unusable (non-finite numbers, no coefficients,
    ///         hyperparameters out of range). Messages name the field as a JSON pointer.
    [[nodiscard]] static ElasticNet from_json(const nlohmann::json& j) {
        const detail::JsonAt at{"ElasticNet::from_json()", ""};
        detail::json_check_header(j, at, name, 1);
        const auto& pj = detail::json_field(j, at, "params");
        const detail::JsonAt pa = at / "params";
        auto real = [&](std::string_view key) { return detail::json_double(detail::json_field(pj, pa, key), pa / key); };
        params_type p;
        p.alpha = real("alpha");
        p.l1_ratio = real("l1_ratio");
        p.fit_intercept = detail::json_bool(detail::json_field(pj, pa, "fit_intercept"), pa / "fit_intercept");
        p.tol = real("tol");
        p.max_iter = detail::json_index(detail::json_field(pj, pa, "max_iter"), pa / "max_iter");
        const std::string& u = detail::json_string(detail::json_field(pj, pa, "updates"), pa / "updates");
        if (u == "automatic") p.updates = CoordinateUpdates::automatic;
        else if (u == "naive") p.updates = CoordinateUpdates::naive;
        else if (u == "covariance") p.updates = CoordinateUpdates::covariance;
        else
            detail::json_structure_error(pa / "updates",
                                         fmt::format("unknown update rule (expected \"automatic\", \"naive\" or "
                                                     "\"covariance\", got {})",
                                                     detail::json_preview(detail::json_field(pj, pa, "updates"))));
        ElasticNet m;
        try {
            m.set_params(p);
        } catch (const ConfigError& e) {
            detail::json_value_error(pa, e.what());
        }
        m.coef_ = detail::json_vector(detail::json_field(j, at, "coef"), at / "coef");
        if (m.coef_.size() == 0) detail::json_value_error(at / "coef", "no coefficients (expected p >= 1 values, got 0)");
        m.intercept_ = detail::json_double(detail::json_field(j, at, "intercept"), at / "intercept");
        m.n_iter_ = detail::json_index(detail::json_field(j, at, "n_iter"), at / "n_iter", 0);
        m.dual_gap_ = detail::json_double(detail::json_field(j, at, "dual_gap"), at / "dual_gap");
        m.converged_ = detail::json_bool(detail::json_field(j, at, "converged"), at / "converged");
        m.fitted_ = true;
        return m;
    }

    /// Declared search space: alpha log-uniform in [2⁻¹⁰, 2¹⁰] and l1_ratio uniform in [0, 1] —
    /// the glmnet space of the Tunability study (Probst, Boulesteix & Bischl 2019, "Tunability:
    /// Importance of Hyperparameters of Machine Learning Algorithms", JMLR 20(53), Table 1:
    /// glmnet alpha ∈ [0, 1], lambda = 2^x with x ∈ [−10, 10]), with glmnet's λ as α and its
    /// alpha as ρ (the same objective, see the class documentation). YAHPO Gym's rbv2_glmnet
    /// searches a slightly narrower λ ∈ [e⁻⁷, e⁷]. Valid ranges: any finite α > 0 (α = 0 is
    /// accepted by `set_params` but not by a log-scale dimension); tol, max_iter,
    /// fit_intercept and updates are fixed members, settable by name (e.g. in plan files).
    static hpo::SearchSpace<params_type> search_space() {
        constexpr double tiny = std::numeric_limits<double>::min();
        constexpr double huge = std::numeric_limits<double>::max();
        return hpo::SearchSpace<params_type>()
            .add("alpha", &params_type::alpha, hpo::log_uniform(0x1p-10, 0x1p10))
            .valid_range("alpha", tiny, huge)
            .add("l1_ratio", &params_type::l1_ratio, hpo::uniform(0.0, 1.0))
            .fixed("tol", &params_type::tol, hpo::uniform(0.0, huge))
            .fixed("max_iter", &params_type::max_iter, hpo::int_uniform(1, long{1} << 52))
            .fixed("fit_intercept", &params_type::fit_intercept, hpo::boolean())
            .fixed("updates", &params_type::updates,
                   hpo::categorical<CoordinateUpdates>({{"automatic", CoordinateUpdates::automatic},
                                                        {"naive", CoordinateUpdates::naive},
                                                        {"covariance", CoordinateUpdates::covariance}}));
    }

private:
    struct Penalties {
        double l1;
        double l2;
    };

    /// The penalties of the objective multiplied by n: l1 = n·α·ρ, l2 = n·α·(1 − ρ).
    static Penalties penalties(double alpha, double l1_ratio, Index n) {
        const double scaled = alpha * static_cast<double>(n);
        return {scaled * l1_ratio, scaled * (1.0 - l1_ratio)};
    }

    static void check_params(std::string_view where, const params_type& p) {
        if (!(p.alpha >= 0.0) || !std::isfinite(p.alpha))
            throw ConfigError(fmt::format("{}: alpha out of range (expected finite >= 0, got {})", where, p.alpha));
        if (!(p.l1_ratio >= 0.0 && p.l1_ratio <= 1.0))
            throw ConfigError(fmt::format("{}: l1_ratio out of range (expected in [0, 1], got {})", where, p.l1_ratio));
        if (!(p.tol >= 0.0) || !std::isfinite(p.tol))
            throw ConfigError(fmt::format("{}: tol out of range (expected finite >= 0, got {})", where, p.tol));
        if (p.max_iter < 1)
            throw ConfigError(fmt::format("{}: max_iter out of range (expected >= 1, got {})", where, p.max_iter));
    }

    params_type params_{};
    Vector coef_;
    double intercept_ = 0.0;
    Index n_iter_ = 0;
    double dual_gap_ = 0.0;
    bool converged_ = false;
    bool fitted_ = false;
};

static_assert(Regressor<ElasticNet>);

}  // namespace metalearn::models
