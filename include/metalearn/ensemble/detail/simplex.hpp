#pragma once
/// @file simplex.hpp
/// @brief Euclidean projection onto the probability simplex and accelerated projected gradient
///        descent on it (internal to the ensemble layer).

#include "metalearn/core/types.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

namespace metalearn::ensemble::detail {

/// Euclidean projection of v onto the simplex {w : w ≥ 0, Σ w = z} (z > 0).
///
/// Sort-based algorithm of Duchi, Shalev-Shwartz, Singer & Chandra, "Efficient projections onto
/// the l1-ball for learning in high dimensions", ICML 2008, Fig. 1: with u = v sorted in
/// decreasing order, ρ = max{j : u_j − (Σ_{r≤j} u_r − z)/j > 0}, θ = (Σ_{r≤ρ} u_r − z)/ρ and
/// w = max(v − θ, 0). O(M log M).
[[nodiscard]] inline Vector project_to_simplex(const VectorRef& v, double z = 1.0) {
    const Index m = v.size();
    std::vector<double> u(v.data(), v.data() + m);
    std::sort(u.begin(), u.end(), std::greater<>());
    double cumulative = 0.0;
    double theta = 0.0;
    for (Index j = 0; j < m; ++j) {
        cumulative += u[static_cast<std::size_t>(j)];
        const double t = (cumulative - z) / static_cast<double>(j + 1);
        if (u[static_cast<std::size_t>(j)] - t > 0) theta = t;
    }
    return (v.array() - theta).max(0.0).matrix();
}

/// Outcome of an iterative solve on the simplex.
struct SimplexSolve {
    Vector weights;          ///< the minimiser found (on the simplex)
    double value = 0.0;      ///< objective at `weights`
    Index iterations = 0;    ///< iterations done
    bool converged = false;  ///< true if the step fell below the tolerance before `max_iterations`
};

/// Minimise a smooth convex f over the probability simplex by FISTA (Beck & Teboulle, "A fast
/// iterative shrinkage-thresholding algorithm for linear inverse problems", SIAM J. Imaging
/// Sciences 2009) with backtracking on the Lipschitz constant, the simplex projection above as
/// the proximal step, and function-value adaptive restart (O'Donoghue & Candès, "Adaptive restart
/// for accelerated gradient schemes", FoCM 2015).
///
/// @param value    f(w).
/// @param gradient ∇f(w) (M).
/// @param w0       starting point (projected onto the simplex first).
/// @param max_iterations iteration cap.
/// @param tolerance stop when max_m |w_{k+1} − w_k| < tolerance,
/// @param gap_tolerance or when the Frank–Wolfe duality gap g·w − min_j g_j, an upper bound on
///        f(w) − f* for convex f on the simplex (Jaggi, ICML 2013), is below
///        gap_tolerance · max(1, |f(w)|) (checked every 10 iterations; this certificate does not
///        need the weights to settle when the minimiser is not unique).
/// When rounding stops all progress (no descent even from a plain projected-gradient step), the
/// solve ends and counts as converged if the gap is below 1e-8 · max(1, |f(w)|).
template <class Value, class Gradient>
[[nodiscard]] SimplexSolve minimize_on_simplex(const Value& value, const Gradient& gradient, const Vector& w0,
                                               Index max_iterations = 20000, double tolerance = 1e-11,
                                               double gap_tolerance = 1e-12) {
    Vector x = project_to_simplex(w0);
    double fx = value(x);
    Vector y = x;
    bool y_is_x = true;
    double t = 1.0;
    double lipschitz = 1.0;
    SimplexSolve out;
    const auto gap_below = [&](double tol) {
        const Vector gx = gradient(x);
        return gx.dot(x) - gx.minCoeff() <= tol * std::max(1.0, std::abs(fx));
    };
    for (Index it = 1; it <= max_iterations; ++it) {
        out.iterations = it;
        const double fy = value(y);
        const Vector g = gradient(y);
        Vector x_new;
        double f_new = 0.0;
        bool accepted = false;
        for (int ls = 0; ls < 100 && !accepted; ++ls) {
            x_new = project_to_simplex(y - g / lipschitz);
            f_new = value(x_new);
            const Vector d = x_new - y;
            accepted = f_new <= fy + g.dot(d) + 0.5 * lipschitz * d.squaredNorm() + 1e-15 * std::max(1.0, std::abs(fy));
            if (!accepted) lipschitz *= 2.0;
        }
        if (!accepted) {  // no step size satisfies the quadratic model: rounding dominates
            out.converged = gap_below(1e-8);
            break;
        }
        const double step = (x_new - x).cwiseAbs().maxCoeff();
        if (f_new > fx) {
            if (y_is_x) {  // even the monotone step from x does not descend: rounding floor
                out.converged = step < tolerance || gap_below(1e-8);
                break;
            }
            // Restart the momentum (O'Donoghue & Candès): the next step starts from x.
            t = 1.0;
            y = x;
            y_is_x = true;
            continue;
        }
        const double t_new = 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * t * t));
        y = x_new + ((t - 1.0) / t_new) * (x_new - x);
        y_is_x = t == 1.0;  // the first step after a restart has no momentum
        x = std::move(x_new);
        fx = f_new;
        t = t_new;
        lipschitz *= 0.9;  // let the step grow again where the curvature is lower
        if (step < tolerance || (it % 10 == 0 && gap_below(gap_tolerance))) {
            out.converged = true;
            break;
        }
    }
    out.weights = std::move(x);
    out.value = fx;
    return out;
}

}  // namespace metalearn::ensemble::detail
