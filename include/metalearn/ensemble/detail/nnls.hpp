#pragma once
/// @file nnls.hpp
/// @brief Non-negative least squares by the active-set method of Lawson & Hanson (internal).

#include "metalearn/core/types.hpp"

#include <Eigen/QR>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace metalearn::ensemble::detail {

/// Outcome of `nnls`.
struct NnlsResult {
    Vector x;                ///< the solution, x ≥ 0 (M)
    double residual = 0.0;   ///< ||A x − b||₂
    Index iterations = 0;    ///< outer iterations (variables moved to the passive set)
    bool converged = false;  ///< false if the iteration cap (3M) was reached
};

/// Solve min ||A x − b||₂ subject to x ≥ 0.
///
/// Lawson & Hanson, *Solving Least Squares Problems*, Prentice-Hall 1974, ch. 23, algorithm NNLS:
/// an active-set method that moves the variable with the largest dual w = Aᵀ(b − Ax) into the
/// passive set P, solves the unconstrained least squares on P (column-pivoting Householder QR,
/// so rank-deficient A is handled), and steps back to the feasible boundary while a passive
/// variable would turn non-positive. Finite termination; capped at 3M outer iterations.
/// @param A r×M (r ≥ 1, M ≥ 1).
/// @param b r.
/// Complexity O(r M²) per outer iteration.
[[nodiscard]] inline NnlsResult nnls(const MatrixRef& A, const VectorRef& b) {
    const Index m = A.cols();
    NnlsResult out;
    out.x = Vector::Zero(m);
    std::vector<bool> passive(static_cast<std::size_t>(m), false);
    const double tol = 10.0 * std::numeric_limits<double>::epsilon() * A.cwiseAbs().colwise().sum().maxCoeff() *
                       static_cast<double>(std::max(A.rows(), m));
    Vector w = A.transpose() * (b - A * out.x);
    const Index cap = 3 * m;

    const auto solve_passive = [&](Vector& z) {
        std::vector<Index> idx;
        for (Index j = 0; j < m; ++j)
            if (passive[static_cast<std::size_t>(j)]) idx.push_back(j);
        Matrix Ap(A.rows(), static_cast<Index>(idx.size()));
        for (std::size_t c = 0; c < idx.size(); ++c) Ap.col(static_cast<Index>(c)) = A.col(idx[c]);
        const Vector zp = Ap.colPivHouseholderQr().solve(b);
        z = Vector::Zero(m);
        for (std::size_t c = 0; c < idx.size(); ++c) z[idx[c]] = zp[static_cast<Index>(c)];
    };

    while (out.iterations < cap) {
        Index best = -1;
        double best_w = tol;
        for (Index j = 0; j < m; ++j)
            if (!passive[static_cast<std::size_t>(j)] && w[j] > best_w) {
                best_w = w[j];
                best = j;
            }
        if (best < 0) {
            out.converged = true;
            break;
        }
        ++out.iterations;
        passive[static_cast<std::size_t>(best)] = true;
        Vector z;
        solve_passive(z);
        // Inner loop: step back towards x while some passive variable is non-positive.
        for (Index inner = 0; inner <= m; ++inner) {
            double alpha = std::numeric_limits<double>::infinity();
            bool infeasible = false;
            for (Index j = 0; j < m; ++j)
                if (passive[static_cast<std::size_t>(j)] && z[j] <= tol) {
                    infeasible = true;
                    const double denom = out.x[j] - z[j];
                    if (denom > 0) alpha = std::min(alpha, out.x[j] / denom);
                }
            if (!infeasible) break;
            if (!std::isfinite(alpha)) alpha = 0.0;
            out.x += alpha * (z - out.x);
            for (Index j = 0; j < m; ++j)
                if (passive[static_cast<std::size_t>(j)] && out.x[j] <= tol) {
                    passive[static_cast<std::size_t>(j)] = false;
                    out.x[j] = 0.0;
                }
            solve_passive(z);
        }
        out.x = z.cwiseMax(0.0);
        w = A.transpose() * (b - A * out.x);
    }
    if (out.iterations >= cap) {
        out.converged = true;
        for (Index j = 0; j < m; ++j)
            if (!passive[static_cast<std::size_t>(j)] && w[j] > tol) out.converged = false;
    }
    out.residual = (A * out.x - b).norm();
    return out;
}

}  // namespace metalearn::ensemble::detail
