#pragma once
/// @file elastic_net.hpp
/// @brief `ElasticNet`: least squares with a mixed L1 + L2 penalty, by cyclic coordinate descent,
/// with warm-started regularisation paths (`ElasticNet::path`).

#include "metalearn/core/config.hpp"
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
[[nodiscard]] std::string_view to_string(CoordinateUpdates u);

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
EnetData enet_prepare(const MatrixRef& X, const VectorRef& y, bool fit_intercept, CoordinateUpdates updates);

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
double enet_duality_gap(double rr, double ry, const Vector& xtr, const Vector& w, double l1, double l2);

/// Soft-thresholding S(t, λ) = sign(t)·max(|t| − λ, 0).
double soft_threshold(double t, double lambda);

/// Cyclic coordinate descent on P(w) = ½‖yc − Xc w‖² + l1‖w‖₁ + ½ l2‖w‖² (the elastic-net
/// objective multiplied by n: l1 = n·α·ρ, l2 = n·α·(1 − ρ)), from the given w (warm start).
///
/// One sweep updates w_j ← S(x_jᵀr + ‖x_j‖²w_j, l1) / (‖x_j‖² + l2) for j = 0..p−1 (Friedman,
/// Hastie & Tibshirani 2010, eq. 5; columns with ‖x_j‖ = 0 keep w_j). Stopping rule, as
/// scikit-learn's `ElasticNet`: after a sweep whose largest coefficient change is below
/// tol × the largest |w_j| (or that left w = 0, or that is the last allowed), compute the duality
/// gap (`enet_duality_gap`); stop when it is ≤ tol·‖yc‖².
/// @param w p coefficients: start on entry, solution on return.
EnetOutcome enet_solve(const EnetData& d, double l1, double l2, double tol, Index max_iter, Vector& w);

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
    void set_params(const params_type& p);
    [[nodiscard]] params_type params() const { return params_; }

    /// Fit the coefficients by coordinate descent from w = 0.
    /// @param X n×p finite features (standardise them: the penalty is not scale-invariant);
    /// @param y n finite targets.
    /// Not converging within max_iter is not an error: see `converged()`.
    /// @throws DataError on empty data, shape mismatch or non-finite values.
    void fit(const MatrixRef& X, const VectorRef& y);

    /// Predicted values Xw + b (m).
    /// @param X m×p finite features (p as in fit).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Vector predict(const MatrixRef& X) const;

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
                                             const params_type& p);

    /// `path` with the default hyperparameters (l1_ratio 0.5, tol 1e-4, max_iter 1000, intercept).
    [[nodiscard]] static ElasticNetPath path(const MatrixRef& X, const VectorRef& y, const VectorRef& alphas);

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
                                           Index n_alphas = 100, double eps = 1e-3, bool fit_intercept = true);

    /// The fitted model as JSON: `{"kind": "elastic_net", "version": 1, "params": {"alpha",
    /// "l1_ratio", "fit_intercept", "tol", "max_iter", "updates"}, "coef": [p values],
    /// "intercept": b, "n_iter", "dual_gap", "converged"}`. `from_json` of it predicts
    /// bit-identically. @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const;

    /// A fitted model from `to_json()`'s output.
    /// @throws ParseError when `j` is not a saved elastic net (not an object, another kind, an
    ///         unknown version, a missing field, a value of the wrong JSON type, an unknown update
    ///         rule); DataError when a value is unusable (non-finite numbers, no coefficients,
    ///         hyperparameters out of range). Messages name the field as a JSON pointer.
    [[nodiscard]] static ElasticNet from_json(const nlohmann::json& j);

    /// Declared search space: alpha log-uniform in [2⁻¹⁰, 2¹⁰] and l1_ratio uniform in [0, 1] —
    /// the glmnet space of the Tunability study (Probst, Boulesteix & Bischl 2019, "Tunability:
    /// Importance of Hyperparameters of Machine Learning Algorithms", JMLR 20(53), Table 1:
    /// glmnet alpha ∈ [0, 1], lambda = 2^x with x ∈ [−10, 10]), with glmnet's λ as α and its
    /// alpha as ρ (the same objective, see the class documentation). YAHPO Gym's rbv2_glmnet
    /// searches a slightly narrower λ ∈ [e⁻⁷, e⁷]. Valid ranges: any finite α > 0 (α = 0 is
    /// accepted by `set_params` but not by a log-scale dimension); tol, max_iter,
    /// fit_intercept and updates are fixed members, settable by name (e.g. in plan files).
    static hpo::SearchSpace<params_type> search_space();

private:
    struct Penalties {
        double l1;
        double l2;
    };

    /// The penalties of the objective multiplied by n: l1 = n·α·ρ, l2 = n·α·(1 − ρ).
    static Penalties penalties(double alpha, double l1_ratio, Index n);

    static void check_params(std::string_view where, const params_type& p);

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

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/models/elastic_net_impl.hpp"
#endif

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library's instances for the bundled models (core/compiled_instances.hpp).
#define METALEARN_DECLARES_ELASTIC_NET
#include "metalearn/core/compiled_instances.hpp"
#endif
