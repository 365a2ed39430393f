#pragma once
/// @file svm_solver.hpp
/// @brief The SMO solver of libsvm (Chang & Lin 2011) for the dual of C-SVC and ε-SVR: working
/// sets by second-order information, shrinking, and a least-recently-used cache of kernel columns.
///
/// The problem (Fan, Chen & Lin 2005, "Working Set Selection Using Second Order Information for
/// Training Support Vector Machines", JMLR 6, eq. 1):
///   min_α ½ αᵀQα + pᵀα   s.t.  yᵀα = 0,  0 ≤ α_t ≤ C_t,
/// with y_t ∈ {+1, −1}, Q_st = y_s y_t K(x_s, x_t) and C_t = Cp for y_t = +1, Cn for y_t = −1.
/// The algorithm follows libsvm 3.x's `Solver` (Chang & Lin 2011, "LIBSVM: A Library for Support
/// Vector Machines", ACM TIST 2(3), §4.1–4.3 and §5): WSS3 working-set selection, the two-variable
/// analytic update with clipping, shrinking every min(l, 1000) iterations with gradient
/// reconstruction, and the bias ρ from the free variables.

#include "metalearn/core/types.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <utility>
#include <vector>

namespace metalearn::models::detail {

/// A least-recently-used cache of kernel columns (libsvm's `Cache`): column i holds its first
/// len(i) entries as floats; the budget counts entries. When a request does not fit, the least
/// recently used columns are dropped.
class SvmKernelCache {
public:
    /// @param l number of columns; @param budget_entries total floats kept (raised to 2l).
    SvmKernelCache(Index l, std::size_t budget_entries)
        : l_(l), data_(static_cast<std::size_t>(l)), len_(static_cast<std::size_t>(l), 0),
          prev_(static_cast<std::size_t>(l) + 1), next_(static_cast<std::size_t>(l) + 1),
          free_(std::max(budget_entries, 2 * static_cast<std::size_t>(l))) {
        prev_[sentinel()] = next_[sentinel()] = l_;
    }

    /// Column i with at least `len` entries: `out` points at its storage; returns how many
    /// leading entries are already filled (the caller fills [returned, len) when returned < len).
    Index get(Index i, Index len, float*& out) {
        const auto ui = static_cast<std::size_t>(i);
        const Index have = len_[ui];
        if (have > 0) unlink(i);
        const Index more = len - have;
        if (more > 0) {
            while (free_ < static_cast<std::size_t>(more)) {
                const Index old = next_[sentinel()];
                unlink(old);
                drop(old);
            }
            data_[ui].reserve(static_cast<std::size_t>(len));  // exactly len: no geometric growth beyond the budget
            data_[ui].resize(static_cast<std::size_t>(len));
            free_ -= static_cast<std::size_t>(more);
            len_[ui] = len;
        }
        link_back(i);
        out = data_[ui].data();
        return have;
    }

    /// Exchange columns i and j and entries i and j of every cached column (a column holding i
    /// but not j is dropped), as the solver's positions i and j are exchanged.
    void swap_index(Index i, Index j) {
        if (i == j) return;
        const auto ui = static_cast<std::size_t>(i);
        const auto uj = static_cast<std::size_t>(j);
        if (len_[ui] > 0) unlink(i);
        if (len_[uj] > 0) unlink(j);
        std::swap(data_[ui], data_[uj]);
        std::swap(len_[ui], len_[uj]);
        if (len_[ui] > 0) link_back(i);
        if (len_[uj] > 0) link_back(j);
        if (i > j) std::swap(i, j);
        for (Index h = next_[sentinel()]; h != l_;) {
            const Index nxt = next_[static_cast<std::size_t>(h)];
            const auto uh = static_cast<std::size_t>(h);
            if (len_[uh] > i) {
                if (len_[uh] > j) {
                    std::swap(data_[uh][static_cast<std::size_t>(i)], data_[uh][static_cast<std::size_t>(j)]);
                } else {
                    unlink(h);
                    drop(h);
                }
            }
            h = nxt;
        }
    }

private:
    [[nodiscard]] std::size_t sentinel() const { return static_cast<std::size_t>(l_); }
    void unlink(Index h) {
        const auto u = static_cast<std::size_t>(h);
        next_[static_cast<std::size_t>(prev_[u])] = next_[u];
        prev_[static_cast<std::size_t>(next_[u])] = prev_[u];
    }
    void link_back(Index h) {
        const auto u = static_cast<std::size_t>(h);
        next_[u] = l_;
        prev_[u] = prev_[sentinel()];
        next_[static_cast<std::size_t>(prev_[u])] = h;
        prev_[sentinel()] = h;
    }
    void drop(Index h) {
        const auto u = static_cast<std::size_t>(h);
        free_ += static_cast<std::size_t>(len_[u]);
        std::vector<float>().swap(data_[u]);
        len_[u] = 0;
    }

    Index l_;
    std::vector<std::vector<float>> data_;
    std::vector<Index> len_;
    std::vector<Index> prev_;
    std::vector<Index> next_;
    std::size_t free_;
};

/// The Q matrix of a dual problem as the solver sees it: columns over positions 0..l−1, which the
/// solver may exchange (shrinking moves inactive variables to the end).
class SvmQMatrix {
public:
    virtual ~SvmQMatrix() = default;
    /// Entries Q(0..len−1, i) of column i (valid until the next call of `column` other than the
    /// one before it: the solver holds two columns at a time).
    virtual const float* column(Index i, Index len) = 0;
    /// Exchange positions i and j.
    virtual void swap_index(Index i, Index j) = 0;
    /// Diagonal Q(i, i) (l), exchanged with the positions.
    std::vector<double> diagonal;

protected:
    SvmQMatrix() = default;
    SvmQMatrix(const SvmQMatrix&) = default;
    SvmQMatrix& operator=(const SvmQMatrix&) = default;
};

/// The solution of a dual problem, in the original order of the variables.
struct SvmSolution {
    std::vector<double> alpha;     ///< l dual variables in [0, C_t].
    std::vector<double> gradient;  ///< l: the gradient Qα + p at the solution.
    double rho = 0.0;              ///< bias: the decision function is Σ y_t α_t K(x_t, x) − ρ.
    double objective = 0.0;        ///< ½ αᵀQα + pᵀα.
    Index n_iter = 0;              ///< SMO iterations.
    bool converged = true;         ///< false when the iteration limit stopped the solver.
};

/// libsvm's SMO solver; see the file documentation.
class SvmSolver {
public:
    /// Solve from α = 0.
    /// @param Q  the problem's Q (positions are exchanged during the solve, and left exchanged);
    /// @param p  linear term (l); @param y signs (l, each ±1);
    /// @param cp bound of the y = +1 variables; @param cn bound of the y = −1 variables (≥ 0);
    /// @param eps stopping tolerance on the maximal violating pair (libsvm's `eps`, scikit-learn's `tol`);
    /// @param shrinking shrink the active set; @param max_iter iteration limit (≥ 1).
    static SvmSolution solve(SvmQMatrix& Q, std::vector<double> p, std::vector<signed char> y, double cp, double cn,
                             double eps, bool shrinking, Index max_iter) {
        SvmSolver s(Q, std::move(p), std::move(y), cp, cn, eps, shrinking);
        return s.run(max_iter);
    }

private:
    enum class Bound : signed char { lower, upper, free };
    static constexpr double kTau = 1e-12;  // libsvm's TAU: a positive stand-in for a zero curvature
    static constexpr double kInf = std::numeric_limits<double>::infinity();

    SvmSolver(SvmQMatrix& Q, std::vector<double> p, std::vector<signed char> y, double cp, double cn, double eps,
              bool shrinking)
        : Q_(Q), p_(std::move(p)), y_(std::move(y)), cp_(cp), cn_(cn), eps_(eps), shrinking_(shrinking) {
        l_ = static_cast<Index>(p_.size());
        active_size_ = l_;
        alpha_.assign(p_.size(), 0.0);
        status_.resize(p_.size());
        active_set_.resize(p_.size());
        for (Index i = 0; i < l_; ++i) {
            active_set_[u(i)] = i;
            update_status(i);
        }
        G_ = p_;
        G_bar_.assign(p_.size(), 0.0);
        // α = 0: only variables with C_t = 0 sit at their upper bound, and they contribute C_t·Q = 0.
    }

    static std::size_t u(Index i) { return static_cast<std::size_t>(i); }
    [[nodiscard]] double C(Index i) const { return y_[u(i)] > 0 ? cp_ : cn_; }
    void update_status(Index i) {
        const double a = alpha_[u(i)];
        status_[u(i)] = a >= C(i) ? Bound::upper : (a <= 0.0 ? Bound::lower : Bound::free);
    }
    [[nodiscard]] bool upper(Index i) const { return status_[u(i)] == Bound::upper; }
    [[nodiscard]] bool lower(Index i) const { return status_[u(i)] == Bound::lower; }
    [[nodiscard]] bool is_free(Index i) const { return status_[u(i)] == Bound::free; }

    void swap_index(Index i, Index j) {
        Q_.swap_index(i, j);
        std::swap(y_[u(i)], y_[u(j)]);
        std::swap(G_[u(i)], G_[u(j)]);
        std::swap(status_[u(i)], status_[u(j)]);
        std::swap(alpha_[u(i)], alpha_[u(j)]);
        std::swap(p_[u(i)], p_[u(j)]);
        std::swap(active_set_[u(i)], active_set_[u(j)]);
        std::swap(G_bar_[u(i)], G_bar_[u(j)]);
    }

    /// Recompute the gradient of the inactive variables (libsvm's reconstruct_gradient).
    void reconstruct_gradient() {
        if (active_size_ == l_) return;
        for (Index j = active_size_; j < l_; ++j) G_[u(j)] = G_bar_[u(j)] + p_[u(j)];
        Index n_free = 0;
        for (Index j = 0; j < active_size_; ++j) n_free += is_free(j) ? 1 : 0;
        if (n_free * l_ > 2 * active_size_ * (l_ - active_size_)) {
            for (Index i = active_size_; i < l_; ++i) {
                const float* Qi = Q_.column(i, active_size_);
                double g = 0.0;
                for (Index j = 0; j < active_size_; ++j)
                    if (is_free(j)) g += alpha_[u(j)] * static_cast<double>(Qi[j]);
                G_[u(i)] += g;
            }
        } else {
            for (Index i = 0; i < active_size_; ++i) {
                if (!is_free(i)) continue;
                const float* Qi = Q_.column(i, l_);
                const double ai = alpha_[u(i)];
                for (Index j = active_size_; j < l_; ++j) G_[u(j)] += ai * static_cast<double>(Qi[j]);
            }
        }
    }

    /// WSS3 (Fan, Chen & Lin 2005, Algorithm 2 / libsvm's select_working_set): i maximises
    /// −y_t ∇_t f over I_up; j minimises the second-order decrease over I_low. Returns false
    /// when the maximal violation is below eps (optimal).
    bool select_working_set(Index& out_i, Index& out_j) {
        double gmax = -kInf;
        double gmax2 = -kInf;
        Index gmax_idx = -1;
        Index gmin_idx = -1;
        double obj_diff_min = kInf;
        for (Index t = 0; t < active_size_; ++t) {
            if (y_[u(t)] > 0) {
                if (!upper(t) && -G_[u(t)] >= gmax) {
                    gmax = -G_[u(t)];
                    gmax_idx = t;
                }
            } else if (!lower(t) && G_[u(t)] >= gmax) {
                gmax = G_[u(t)];
                gmax_idx = t;
            }
        }
        const Index i = gmax_idx;
        const float* Qi = i != -1 ? Q_.column(i, active_size_) : nullptr;
        const double* QD = Q_.diagonal.data();
        for (Index j = 0; j < active_size_; ++j) {
            if (y_[u(j)] > 0) {
                if (lower(j)) continue;
                const double grad_diff = gmax + G_[u(j)];
                gmax2 = std::max(gmax2, G_[u(j)]);
                if (grad_diff > 0.0) {
                    const double quad = QD[i] + QD[j] - 2.0 * y_[u(i)] * static_cast<double>(Qi[j]);
                    const double obj_diff = -(grad_diff * grad_diff) / (quad > 0.0 ? quad : kTau);
                    if (obj_diff <= obj_diff_min) {
                        gmin_idx = j;
                        obj_diff_min = obj_diff;
                    }
                }
            } else {
                if (upper(j)) continue;
                const double grad_diff = gmax - G_[u(j)];
                gmax2 = std::max(gmax2, -G_[u(j)]);
                if (grad_diff > 0.0) {
                    const double quad = QD[i] + QD[j] + 2.0 * y_[u(i)] * static_cast<double>(Qi[j]);
                    const double obj_diff = -(grad_diff * grad_diff) / (quad > 0.0 ? quad : kTau);
                    if (obj_diff <= obj_diff_min) {
                        gmin_idx = j;
                        obj_diff_min = obj_diff;
                    }
                }
            }
        }
        if (gmax + gmax2 < eps_ || gmin_idx == -1) return false;
        out_i = gmax_idx;
        out_j = gmin_idx;
        return true;
    }

    [[nodiscard]] bool be_shrunk(Index i, double gmax1, double gmax2) const {
        if (upper(i)) return y_[u(i)] > 0 ? -G_[u(i)] > gmax1 : -G_[u(i)] > gmax2;
        if (lower(i)) return y_[u(i)] > 0 ? G_[u(i)] > gmax2 : G_[u(i)] > gmax1;
        return false;
    }

    /// libsvm's do_shrinking: drop variables at a bound that cannot enter a violating pair;
    /// once the violation is within 10·eps, restore every variable once (unshrink).
    void do_shrinking() {
        double gmax1 = -kInf;  // max −y_t ∇_t f over I_up
        double gmax2 = -kInf;  // max y_t ∇_t f over I_low
        for (Index i = 0; i < active_size_; ++i) {
            const double g = G_[u(i)];
            if (y_[u(i)] > 0) {
                if (!upper(i)) gmax1 = std::max(gmax1, -g);
                if (!lower(i)) gmax2 = std::max(gmax2, g);
            } else {
                if (!upper(i)) gmax2 = std::max(gmax2, -g);
                if (!lower(i)) gmax1 = std::max(gmax1, g);
            }
        }
        if (!unshrink_ && gmax1 + gmax2 <= eps_ * 10.0) {
            unshrink_ = true;
            reconstruct_gradient();
            active_size_ = l_;
        }
        for (Index i = 0; i < active_size_; ++i) {
            if (!be_shrunk(i, gmax1, gmax2)) continue;
            --active_size_;
            while (active_size_ > i) {
                if (!be_shrunk(active_size_, gmax1, gmax2)) {
                    swap_index(i, active_size_);
                    break;
                }
                --active_size_;
            }
        }
    }

    /// The two-variable update of α_i, α_j with clipping to the box (libsvm's Solver::Solve).
    void update_pair(Index i, Index j) {
        const float* Qi = Q_.column(i, active_size_);
        const float* Qj = Q_.column(j, active_size_);
        const double* QD = Q_.diagonal.data();
        const double Ci = C(i);
        const double Cj = C(j);
        const double old_ai = alpha_[u(i)];
        const double old_aj = alpha_[u(j)];
        double& ai = alpha_[u(i)];
        double& aj = alpha_[u(j)];
        if (y_[u(i)] != y_[u(j)]) {
            double quad = QD[i] + QD[j] + 2.0 * static_cast<double>(Qi[j]);
            if (quad <= 0.0) quad = kTau;
            const double delta = (-G_[u(i)] - G_[u(j)]) / quad;
            const double diff = ai - aj;
            ai += delta;
            aj += delta;
            if (diff > 0.0) {
                if (aj < 0.0) {
                    aj = 0.0;
                    ai = diff;
                }
            } else if (ai < 0.0) {
                ai = 0.0;
                aj = -diff;
            }
            if (diff > Ci - Cj) {
                if (ai > Ci) {
                    ai = Ci;
                    aj = Ci - diff;
                }
            } else if (aj > Cj) {
                aj = Cj;
                ai = Cj + diff;
            }
        } else {
            double quad = QD[i] + QD[j] - 2.0 * static_cast<double>(Qi[j]);
            if (quad <= 0.0) quad = kTau;
            const double delta = (G_[u(i)] - G_[u(j)]) / quad;
            const double sum = ai + aj;
            ai -= delta;
            aj += delta;
            if (sum > Ci) {
                if (ai > Ci) {
                    ai = Ci;
                    aj = sum - Ci;
                }
            } else if (aj < 0.0) {
                aj = 0.0;
                ai = sum;
            }
            if (sum > Cj) {
                if (aj > Cj) {
                    aj = Cj;
                    ai = sum - Cj;
                }
            } else if (ai < 0.0) {
                ai = 0.0;
                aj = sum;
            }
        }
        const double dai = ai - old_ai;
        const double daj = aj - old_aj;
        for (Index k = 0; k < active_size_; ++k)
            G_[u(k)] += static_cast<double>(Qi[k]) * dai + static_cast<double>(Qj[k]) * daj;
        const bool ui = upper(i);
        const bool uj = upper(j);
        update_status(i);
        update_status(j);
        if (ui != upper(i)) {
            const float* Qfull = Q_.column(i, l_);
            const double c = ui ? -Ci : Ci;
            for (Index k = 0; k < l_; ++k) G_bar_[u(k)] += c * static_cast<double>(Qfull[k]);
        }
        if (uj != upper(j)) {
            const float* Qfull = Q_.column(j, l_);
            const double c = uj ? -Cj : Cj;
            for (Index k = 0; k < l_; ++k) G_bar_[u(k)] += c * static_cast<double>(Qfull[k]);
        }
    }

    /// ρ: the mean of y_t ∇_t f over the free variables, or the middle of the feasible interval
    /// when none is free (libsvm's calculate_rho). When the interval is open on one side (every
    /// variable of one sign at one bound, e.g. a bound of 0), its finite end; 0 when both are open.
    [[nodiscard]] double calculate_rho() const {
        Index n_free = 0;
        double ub = kInf;
        double lb = -kInf;
        double sum_free = 0.0;
        for (Index i = 0; i < active_size_; ++i) {
            const double yG = y_[u(i)] * G_[u(i)];
            if (upper(i)) {
                if (y_[u(i)] < 0) ub = std::min(ub, yG);
                else lb = std::max(lb, yG);
            } else if (lower(i)) {
                if (y_[u(i)] > 0) ub = std::min(ub, yG);
                else lb = std::max(lb, yG);
            } else {
                ++n_free;
                sum_free += yG;
            }
        }
        if (n_free > 0) return sum_free / static_cast<double>(n_free);
        if (std::isinf(ub) && std::isinf(lb)) return 0.0;
        if (std::isinf(ub)) return lb;
        if (std::isinf(lb)) return ub;
        return (ub + lb) / 2.0;
    }

    SvmSolution run(Index max_iter) {
        SvmSolution out;
        Index iter = 0;
        Index counter = std::min<Index>(l_, 1000) + 1;
        while (iter < max_iter) {
            if (--counter == 0) {
                counter = std::min<Index>(l_, 1000);
                if (shrinking_) do_shrinking();
            }
            Index i = 0;
            Index j = 0;
            if (!select_working_set(i, j)) {
                reconstruct_gradient();
                active_size_ = l_;
                if (!select_working_set(i, j)) break;
                counter = 1;  // shrink at the next iteration
            }
            ++iter;
            update_pair(i, j);
        }
        if (iter >= max_iter) {
            out.converged = false;
            if (active_size_ < l_) {
                reconstruct_gradient();
                active_size_ = l_;
            }
        }
        out.rho = calculate_rho();
        double v = 0.0;
        for (Index i = 0; i < l_; ++i) v += alpha_[u(i)] * (G_[u(i)] + p_[u(i)]);
        out.objective = v / 2.0;
        out.alpha.assign(u(l_), 0.0);
        out.gradient.assign(u(l_), 0.0);
        for (Index i = 0; i < l_; ++i) {
            out.alpha[u(active_set_[u(i)])] = alpha_[u(i)];
            out.gradient[u(active_set_[u(i)])] = G_[u(i)];
        }
        out.n_iter = iter;
        return out;
    }

    SvmQMatrix& Q_;
    std::vector<double> p_;
    std::vector<signed char> y_;
    double cp_;
    double cn_;
    double eps_;
    bool shrinking_;
    Index l_ = 0;
    Index active_size_ = 0;
    bool unshrink_ = false;
    std::vector<double> alpha_;
    std::vector<Bound> status_;
    std::vector<Index> active_set_;
    std::vector<double> G_;
    std::vector<double> G_bar_;
};

}  // namespace metalearn::models::detail
