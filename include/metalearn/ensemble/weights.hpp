#pragma once
/// @file weights.hpp
/// @brief Ensemble weights fitted on out-of-fold predictions: uniform, best single model,
///        inverse validation loss, softmax of validation scores, non-negative least squares
///        (stacking) and loss-optimal weights on the simplex.
///
/// Every function takes a *library* (see `loss.hpp`): M out-of-fold prediction matrices, all
/// n×K, and the n targets, and returns M weights with w ≥ 0 and Σ w = 1, so the ensemble
/// Σ_m w_m f_m(x) of probability vectors is again a probability vector.
///
/// The predictions must be out-of-fold (each sample predicted by a model not trained on it, as
/// `hpo::cross_validate` produces with `keep_oof_predictions`): weights fitted on in-sample
/// predictions favour the models that overfit most.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/ensemble/detail/nnls.hpp"
#include "metalearn/ensemble/detail/simplex.hpp"
#include "metalearn/ensemble/loss.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace metalearn::ensemble {

/// Fitted weights and how they were obtained.
struct WeightFit {
    Vector weights;          ///< M weights, w ≥ 0, Σ w = 1
    double loss = 0.0;       ///< the loss of Σ w_m P_m on the library's targets (in-sample for the weights)
    Index iterations = 0;    ///< solver iterations (0 for closed-form rules)
    bool converged = true;   ///< false if an iterative solver hit its iteration cap
};

namespace detail {

inline WeightFit finish_fit(const std::vector<Matrix>& library, const VectorRef& y, Loss loss, Vector w) {
    WeightFit fit;
    fit.loss = loss_unchecked(combine(library, w), y, loss);
    fit.weights = std::move(w);
    return fit;
}

inline void check_all(const std::vector<Matrix>& library, const VectorRef& y, Loss loss, std::string_view where) {
    check_library(library, y, where);
    check_loss(loss, library.front().cols(), where);
}

/// Target matrix of the library's shape: one-hot codes (K ≥ 2) or the values (K = 1), flattened
/// column-major to match `Map` of a prediction matrix.
inline Vector flat_targets(const VectorRef& y, Index k) {
    if (k == 1) return y;
    Matrix t = Matrix::Zero(y.size(), k);
    for (Index i = 0; i < y.size(); ++i) t(i, static_cast<Index>(y[i])) = 1.0;
    return Eigen::Map<const Vector>(t.data(), t.size());
}

/// nK×M design matrix whose column m is vec(P_m).
inline Matrix flat_library(const std::vector<Matrix>& library) {
    const Index r = library.front().size();
    Matrix A(r, static_cast<Index>(library.size()));
    for (std::size_t m = 0; m < library.size(); ++m)
        A.col(static_cast<Index>(m)) = Eigen::Map<const Vector>(library[m].data(), r);
    return A;
}

}  // namespace detail

/// Uniform weights 1/M (plain model averaging).
/// @throws DataError if M == 0.
[[nodiscard]] inline Vector uniform_weights(Index n_models) {
    if (n_models < 1)
        throw DataError(fmt::format("ensemble::uniform_weights(): empty library (expected at least 1 model, got {})",
                                    n_models));
    return Vector::Constant(n_models, 1.0 / static_cast<double>(n_models));
}

/// All weight on the member with the lowest loss (ties → lowest index): the "best single model"
/// baseline every ensemble is compared with.
/// @throws DataError / ConfigError as `member_losses`.
[[nodiscard]] inline WeightFit best_single_weights(const std::vector<Matrix>& library, const VectorRef& y,
                                                   Loss loss = Loss::automatic) {
    const Vector losses = member_losses(library, y, loss);
    Index best = 0;
    for (Index m = 1; m < losses.size(); ++m)
        if (losses[m] < losses[best]) best = m;
    WeightFit fit;
    fit.weights = Vector::Zero(losses.size());
    fit.weights[best] = 1.0;
    fit.loss = losses[best];
    return fit;
}

/// Uniform weights with the loss of the plain average filled in.
/// @throws DataError / ConfigError as `member_losses`.
[[nodiscard]] inline WeightFit uniform_fit(const std::vector<Matrix>& library, const VectorRef& y,
                                           Loss loss = Loss::automatic) {
    detail::check_all(library, y, loss, "ensemble::uniform_fit()");
    return detail::finish_fit(library, y, loss, uniform_weights(static_cast<Index>(library.size())));
}

/// Weights proportional to an inverse power of each member's validation loss:
/// w_m ∝ L_m^(−power). Members with loss 0 (perfect on the validation data) share all the weight.
/// @param power exponent > 0 (default 1; larger concentrates the weight on the best members).
/// @throws ConfigError if `power` is not a positive finite number; DataError / ConfigError as
///         `member_losses`.
[[nodiscard]] inline WeightFit inverse_loss_weights(const std::vector<Matrix>& library, const VectorRef& y,
                                                    Loss loss = Loss::automatic, double power = 1.0) {
    if (!(power > 0.0) || !std::isfinite(power))
        throw ConfigError(fmt::format("ensemble::inverse_loss_weights(): power is {} (expected a finite value > 0)",
                                      power));
    const Vector losses = member_losses(library, y, loss);
    const Index m = losses.size();
    Vector w(m);
    const Index zeros = (losses.array() <= 0.0).count();
    if (zeros > 0) {
        for (Index j = 0; j < m; ++j) w[j] = losses[j] <= 0.0 ? 1.0 / static_cast<double>(zeros) : 0.0;
    } else {
        // w ∝ (L_min / L_m)^power keeps the largest term at 1 and avoids overflow.
        const double lmin = losses.minCoeff();
        for (Index j = 0; j < m; ++j) w[j] = std::pow(lmin / losses[j], power);
        w /= w.sum();
    }
    return detail::finish_fit(library, y, loss, std::move(w));
}

/// Softmax of the validation scores (score = −loss) at a temperature:
/// w_m = exp(−L_m / T) / Σ_j exp(−L_j / T). T → 0 gives the best single model, T → ∞ uniform
/// averaging. Computed as exp(−(L_m − L_min)/T), so no overflow.
/// @param temperature T > 0, in loss units (default 0.01: a member 0.01 worse in loss gets
///        1/e of the best member's weight).
/// @throws ConfigError if T is not a positive finite number; DataError / ConfigError as
///         `member_losses`.
[[nodiscard]] inline WeightFit softmax_weights(const std::vector<Matrix>& library, const VectorRef& y,
                                               Loss loss = Loss::automatic, double temperature = 0.01) {
    if (!(temperature > 0.0) || !std::isfinite(temperature))
        throw ConfigError(fmt::format("ensemble::softmax_weights(): temperature is {} (expected a finite value > 0)",
                                      temperature));
    const Vector losses = member_losses(library, y, loss);
    const double lmin = losses.minCoeff();
    Vector w = (-(losses.array() - lmin) / temperature).exp().matrix();
    w /= w.sum();
    return detail::finish_fit(library, y, loss, std::move(w));
}

/// Stacking weights by non-negative least squares, normalised to sum to 1.
///
/// Solves min_{w ≥ 0} Σ_i Σ_k (Σ_m w_m P_m[i,k] − T[i,k])², with T the one-hot targets
/// (classification) or the values (regression), by Lawson–Hanson NNLS, then divides by Σ w:
/// Breiman, "Stacked regressions", Machine Learning 24, 1996 (non-negativity is what keeps the
/// stacked combination from overfitting). Normalising keeps probabilities on the simplex but
/// makes the weights only approximately loss-optimal; `simplex_weights` solves the
/// constrained problem exactly. If NNLS returns w = 0 (every member anti-correlated with the
/// target), the best single member gets weight 1.
/// @param loss reported loss (any; `automatic` by default); the fit itself is least squares.
/// @throws DataError / ConfigError as `member_losses`.
/// Complexity O(nK M²) per active-set step, at most 3M steps.
[[nodiscard]] inline WeightFit nnls_weights(const std::vector<Matrix>& library, const VectorRef& y,
                                            Loss loss = Loss::automatic) {
    detail::check_all(library, y, loss, "ensemble::nnls_weights()");
    const Index k = library.front().cols();
    const detail::NnlsResult r = detail::nnls(detail::flat_library(library), detail::flat_targets(y, k));
    const double total = r.x.sum();
    if (!(total > 0.0)) {
        WeightFit fit = best_single_weights(library, y, loss);
        fit.iterations = r.iterations;
        return fit;
    }
    WeightFit fit = detail::finish_fit(library, y, loss, r.x / total);
    fit.iterations = r.iterations;
    fit.converged = r.converged;
    return fit;
}

/// Loss-optimal weights on the simplex: argmin_{w ≥ 0, Σ w = 1} L(Σ_m w_m P_m, y).
///
/// Convex for the smooth losses supported here, solved by accelerated projected gradient
/// (FISTA with backtracking and adaptive restart) with the Euclidean projection onto the simplex
/// of Duchi et al., "Efficient projections onto the l1-ball for learning in high dimensions",
/// ICML 2008. Squared error and Brier are quadratics in w: the M×M Gram matrix is formed once
/// (O(nK M²)), then each iteration costs O(M²). Log-loss depends only on the n×M matrix of
/// probabilities given to the true class, O(nM) per iteration. Starts from uniform weights, so
/// symmetric libraries (identical members) keep symmetric weights.
/// @param loss  `log_loss`, `brier` or `squared_error` (or `automatic`).
/// @param max_iterations cap (default 20000); `WeightFit::converged` reports whether, before it,
///        the weights moved less than 1e-11 in a step or the Frank–Wolfe duality gap certified
///        L(w) − L* < 1e-13 · max(1, L(w)).
/// @throws ConfigError for a non-smooth loss (error rates, absolute error: use ensemble
///         selection); DataError / ConfigError as `member_losses`.
[[nodiscard]] inline WeightFit simplex_weights(const std::vector<Matrix>& library, const VectorRef& y,
                                               Loss loss = Loss::automatic, Index max_iterations = 20000) {
    constexpr std::string_view where = "ensemble::simplex_weights()";
    detail::check_all(library, y, loss, where);
    const Index k = library.front().cols();
    const Loss resolved = resolve_loss(loss, k);
    if (!is_smooth_loss(resolved))
        throw ConfigError(fmt::format("{}: loss '{}' is not differentiable (expected log_loss, brier or "
                                      "squared_error; use EnsembleSelection for error rates)",
                                      where, loss_name(resolved)));
    const auto m = static_cast<Index>(library.size());
    const auto n = static_cast<double>(y.size());
    const Vector w0 = uniform_weights(m);
    detail::SimplexSolve solve;
    if (resolved == Loss::log_loss) {
        Matrix Q(y.size(), m);  // probability each member gives to the true class
        for (Index j = 0; j < m; ++j)
            for (Index i = 0; i < y.size(); ++i) Q(i, j) = library[static_cast<std::size_t>(j)](i, static_cast<Index>(y[i]));
        const auto value = [&](const Vector& w) {
            const Vector p = Q * w;
            double s = 0.0;
            for (Index i = 0; i < p.size(); ++i) s -= std::log(std::max(p[i], detail::log_loss_floor));
            return s / n;
        };
        const auto gradient = [&](const Vector& w) {
            Vector p = Q * w;
            for (Index i = 0; i < p.size(); ++i) p[i] = p[i] > detail::log_loss_floor ? 1.0 / p[i] : 0.0;
            return Vector(-(Q.transpose() * p) / n);
        };
        solve = detail::minimize_on_simplex(value, gradient, w0, max_iterations);
    } else {
        const Matrix A = detail::flat_library(library);
        const Vector b = detail::flat_targets(y, k);
        const Matrix G = A.transpose() * A / n;
        const Vector h = A.transpose() * b / n;
        const double c = b.squaredNorm() / n;
        const auto value = [&](const Vector& w) { return std::max(0.0, w.dot(G * w) - 2.0 * h.dot(w) + c); };
        const auto gradient = [&](const Vector& w) { return Vector(2.0 * (G * w - h)); };
        solve = detail::minimize_on_simplex(value, gradient, w0, max_iterations);
    }
    WeightFit fit = detail::finish_fit(library, y, resolved, std::move(solve.weights));
    fit.iterations = solve.iterations;
    fit.converged = solve.converged;
    return fit;
}

}  // namespace metalearn::ensemble
