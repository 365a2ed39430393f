#pragma once
/// @file svm.hpp
/// @brief Kernel support vector machines: `SVC` (C-support vector classification, one-vs-one for
/// K > 2 classes) and `SVR` (ε-support vector regression), trained by libsvm's method.
///
/// Training solves the dual by SMO with second-order working-set selection, shrinking and an LRU
/// cache of kernel columns (`detail/svm_solver.hpp`; Chang & Lin 2011, "LIBSVM: A Library for
/// Support Vector Machines", ACM TIST 2(3); Fan, Chen & Lin 2005, JMLR 6). The decision
/// functions, the one-vs-one voting, the class weights (per-class bounds C·w_k) and the
/// probability estimates (Platt's sigmoid per pair, fitted as Lin, Lin & Weng 2007, "A note on
/// Platt's probabilistic outputs for support vector machines", Machine Learning 68; coupled as
/// Wu, Lin & Weng 2004, "Probability Estimates for Multi-class Classification by Pairwise
/// Coupling", JMLR 5, method 2) are libsvm's, so results match scikit-learn's `SVC` / `SVR`
/// (which run libsvm) up to the solver's tolerance.
///
/// Kernels are computed in double precision from a row-major copy of the training rows (a
/// matrix–vector product per column) and cached as floats, as libsvm caches them.

#include <type_traits>

#include "metalearn/core/error.hpp"
#include "metalearn/core/numeric.hpp"
#include "metalearn/core/parallel.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/class_weight.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/detail/svm_solver.hpp"
#include "metalearn/models/detail/validation.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace metalearn::models {

/// Kernel of a support vector machine.
enum class SvmKernel {
    rbf,     ///< K(x, x') = exp(−γ‖x − x'‖²) (Gaussian, "radial basis function").
    linear,  ///< K(x, x') = xᵀx'.
};

/// The name of a kernel as written in saved models and search spaces: "rbf", "linear".
[[nodiscard]] inline std::string_view to_string(SvmKernel k) { return k == SvmKernel::linear ? "linear" : "rbf"; }

/// Hyperparameters of `SVC`; defaults are scikit-learn 1.2's `SVC` (gamma "scale").
struct SVCParams {
    double C = 1.0;  ///< in (0, 1e100]: box constraint (the cost of a margin violation).
    SvmKernel kernel = SvmKernel::rbf;  ///< kernel.
    /// ≥ 0, finite: the RBF width γ. 0 (default) = scikit-learn's gamma="scale" times
    /// `gamma_scale`: γ = gamma_scale / (p · Var(X)), Var over every entry of the training X
    /// (γ = gamma_scale when that variance is 0). Ignored by the linear kernel (not resolved).
    double gamma = 0.0;
    /// > 0, finite: the factor of the "scale" heuristic when gamma = 0 (the searched dimension,
    /// see `SVC::search_space`).
    double gamma_scale = 1.0;
    /// > 0, finite: stopping tolerance on the maximal KKT violation (libsvm's eps). Absolute, in
    /// the units of the dual gradient: with y (SVR), C and epsilon scaled by s the violation scales
    /// by s too, so rescale the tolerance with them (the float kernel cache limits how small it can get).
    double tol = 1e-3;
    bool shrinking = true;     ///< shrink the active set during SMO (speed; the same solution within tol).
    double cache_size = 200;   ///< > 0, finite: megabytes of kernel columns cached per binary problem.
    /// ≥ 0: SMO iterations per binary problem; 0 = libsvm's own limit max(10⁷, 100·l) (scikit-learn's
    /// max_iter = −1, "no limit", runs into the same libsvm limit). Reaching it is not an error
    /// (`converged()` says so).
    Index max_iter = 0;
    /// Fit the pairwise Platt sigmoids on 5-fold cross-validated decision values (libsvm's and
    /// scikit-learn's `probability=True`: about 5× the training time, calibrated probabilities).
    /// false (default): fit them on the training decision values (no extra training; the
    /// probabilities are overconfident). `predict` uses the votes either way.
    bool probability = false;
    ClassWeight class_weight = ClassWeight::none;  ///< per-class bounds C·w_k (class_weight.hpp).
    std::vector<double> class_weights = {};        ///< the weights of `ClassWeight::explicit_weights`.
    Index n_threads = 1;  ///< ≥ 0: threads over the one-vs-one problems and over prediction rows; 0 = all.
    /// Member-wise equality.
    bool operator==(const SVCParams&) const = default;
};

/// Hyperparameters of `SVR`; defaults are scikit-learn 1.2's `SVR` (gamma "scale").
struct SVRParams {
    double C = 1.0;                     ///< in (0, 1e100]: box constraint.
    double epsilon = 0.1;               ///< ≥ 0, finite: half-width of the insensitive tube (units of y).
    SvmKernel kernel = SvmKernel::rbf;  ///< kernel.
    double gamma = 0.0;                 ///< as `SVCParams::gamma`.
    double gamma_scale = 1.0;           ///< as `SVCParams::gamma_scale`.
    double tol = 1e-3;                  ///< as `SVCParams::tol`.
    bool shrinking = true;              ///< as `SVCParams::shrinking`.
    double cache_size = 200;            ///< as `SVCParams::cache_size`.
    Index max_iter = 0;                 ///< as `SVCParams::max_iter`.
    Index n_threads = 1;                ///< ≥ 0: threads over prediction rows; 0 = all.
    /// Member-wise equality.
    bool operator==(const SVRParams&) const = default;
};

namespace detail {

/// Largest |x| accepted in X (and |y| for SVR): squared norms must stay far from overflow.
inline constexpr double kMaxSvmMagnitude = 1e100;

/// Largest squared row norm ‖x‖² accepted with the linear kernel: its values K = xᵀx' are cached
/// as floats (at most ~3.4e38).
inline constexpr double kMaxSvmLinearSquaredNorm = 1e38;

/// Throw DataError when the linear kernel's values of these rows could overflow a float.
inline void check_svm_linear_norms(std::string_view where, const MatrixRef& X) {
    for (Index i = 0; i < X.rows(); ++i) {
        const double sq = X.row(i).squaredNorm();
        if (!(sq <= kMaxSvmLinearSquaredNorm))
            throw DataError(fmt::format("{}: row {} has squared norm {} beyond 1e38, where the linear kernel's cached "
                                        "float values overflow (expected ||x||^2 <= 1e38; standardise the features)",
                                        where, i, sq));
    }
}

/// Row-major training rows: each kernel column is one matrix–vector product over contiguous rows.
using SvmRows = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// A kernel with its width, evaluated from dot products and squared norms.
struct SvmKernelFn {
    SvmKernel kind = SvmKernel::rbf;
    double gamma = 1.0;

    /// K(x, x) from the squared norm ‖x‖².
    [[nodiscard]] double diagonal(double sq) const { return kind == SvmKernel::linear ? sq : 1.0; }

    /// Turn dot products x_iᵀx into kernel values K(x_i, x) in place: `dots` and `sq_rows` hold
    /// one entry per row x_i (dot product, ‖x_i‖²), `sq` is ‖x‖², `p` the number of features.
    /// The linear kernel keeps them; the RBF takes exp(−γ·d²) with d² = ‖x_i‖² + ‖x‖² − 2·x_iᵀx
    /// (`exp_inplace`: within 2 units in the last place of std::exp, 0 below exp(−708)). d² is
    /// taken as 0 where it is at most (p + 1)·ε·(‖x_i‖² + ‖x‖²), the rounding error of the three
    /// sums of p products (Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed.,
    /// §3.1): such rows cannot be told apart from x, and K(x, x) is exactly 1 however large γ is
    /// (the difference of norms alone leaves residues that exp(−γ·d²) turns into 0 at large γ).
    /// `dots` must be contiguous (a vector or a column of a column-major matrix).
    template <class Dots, class Sq>
    void from_dots(Dots&& dots, const Sq& sq_rows, double sq, Index p) const {
        if (kind == SvmKernel::linear) return;
        static_assert(std::remove_reference_t<Dots>::InnerStrideAtCompileTime == 1, "from_dots: contiguous dots");
        const double tol = static_cast<double>(p + 1) * std::numeric_limits<double>::epsilon();
        const auto s = sq_rows.array() + sq;
        const auto d2 = s - 2.0 * dots.array();
        dots = (d2 <= tol * s).select(0.0, -gamma * d2).matrix();
        exp_inplace(dots.data(), static_cast<std::size_t>(dots.size()));
    }

    /// The kernel matrix K(A, B) (a×b) of rows A (a×p) and B (b×p), with their squared norms.
    [[nodiscard]] Matrix block(const MatrixRef& A, const Vector& sq_a, const MatrixRef& B, const Vector& sq_b) const {
        Matrix D = A * B.transpose();
        for (Index j = 0; j < D.cols(); ++j) from_dots(D.col(j), sq_a, sq_b[j], A.cols());
        return D;
    }
};

/// Check the hyperparameters both machines share. @throws ConfigError naming the member.
template <class P>
void check_svm_common(std::string_view where, const P& p) {
    auto fail = [&](std::string_view member, std::string_view expected, double got) {
        throw ConfigError(fmt::format("{}: {} out of range (expected {}, got {})", where, member, expected, got));
    };
    if (p.kernel != SvmKernel::rbf && p.kernel != SvmKernel::linear)
        throw ConfigError(fmt::format("{}: kernel {} is not an SvmKernel (expected rbf or linear)", where,
                                      static_cast<int>(p.kernel)));
    if (!(p.C > 0.0 && p.C <= kMaxSvmMagnitude)) fail("C", "in (0, 1e100]", p.C);
    if (!(p.gamma >= 0.0) || !std::isfinite(p.gamma)) fail("gamma", "finite >= 0 (0 = \"scale\")", p.gamma);
    if (!(p.gamma_scale > 0.0) || !std::isfinite(p.gamma_scale)) fail("gamma_scale", "finite > 0", p.gamma_scale);
    if (!(p.tol > 0.0) || !std::isfinite(p.tol)) fail("tol", "finite > 0", p.tol);
    if (!(p.cache_size > 0.0) || !std::isfinite(p.cache_size)) fail("cache_size", "finite > 0 (megabytes)", p.cache_size);
    if (p.max_iter < 0) fail("max_iter", ">= 0 (0 = libsvm's limit)", static_cast<double>(p.max_iter));
    if (p.n_threads < 0) fail("n_threads", ">= 0 (0 = all hardware threads)", static_cast<double>(p.n_threads));
}

/// Throw DataError unless every |x| ≤ 1e100.
inline void check_svm_magnitude(std::string_view where, const MatrixRef& X) {
    if (X.size() == 0 || X.cwiseAbs().maxCoeff() <= kMaxSvmMagnitude) return;
    for (Index j = 0; j < X.cols(); ++j)
        for (Index i = 0; i < X.rows(); ++i)
            if (std::abs(X(i, j)) > kMaxSvmMagnitude)
                throw DataError(fmt::format("{}: X[{}, {}] = {} is beyond ±1e100, where squared distances overflow "
                                            "(expected |x| <= 1e100; standardise the features)",
                                            where, i, j, X(i, j)));
}

/// The kernel of a fit: γ resolved from the "scale" rule when gamma = 0 (RBF only; the linear
/// kernel keeps γ = 1, unused), and the rows checked for the linear kernel's float cache.
/// @throws DataError when the resolved γ is not finite and > 0 (features of variance ~1e-308, or
///         a gamma_scale so small that γ underflows), or (linear) a squared row norm beyond 1e38.
template <class P>
SvmKernelFn svm_kernel_for(std::string_view where, const P& p, const MatrixRef& X) {
    SvmKernelFn k{p.kernel, p.gamma};
    if (p.kernel == SvmKernel::linear) {
        check_svm_linear_norms(where, X);
        return {SvmKernel::linear, 1.0};
    }
    if (p.gamma == 0.0) {
        const double n = static_cast<double>(X.size());
        const double mean = X.sum() / n;
        const double var = (X.array() - mean).square().sum() / n;
        k.gamma = var > 0.0 ? p.gamma_scale / (static_cast<double>(X.cols()) * var) : p.gamma_scale;
        if (!std::isfinite(k.gamma) || !(k.gamma > 0.0))
            throw DataError(fmt::format("{}: gamma \"scale\" = gamma_scale / (p * Var(X)) = {} (Var(X) = {}; expected "
                                        "a finite gamma > 0: features that are not all nearly constant and a gamma_scale "
                                        "that does not underflow, or an explicit gamma)",
                                        where, k.gamma, var));
    }
    return k;
}

/// libsvm's limit on SMO iterations, or the user's.
inline Index svm_iteration_limit(Index max_iter, Index l) {
    return max_iter > 0 ? max_iter : std::max<Index>(10000000, 100 * l);
}

/// Cache budget in floats from megabytes.
inline std::size_t svm_cache_entries(double megabytes) {
    return static_cast<std::size_t>(std::min(megabytes, 1e9) * 1024.0 * 1024.0 / sizeof(float));
}

/// Q of a C-SVC problem: Q_st = y_s y_t K(x_s, x_t) over positions, with the rows, their norms,
/// signs and diagonal exchanged along with the positions (libsvm's SVC_Q).
class SvcQ final : public SvmQMatrix {
public:
    SvcQ(SvmRows rows, std::vector<signed char> y, const SvmKernelFn& kernel, std::size_t cache_entries)
        : rows_(std::move(rows)), y_(std::move(y)), kernel_(kernel), cache_(rows_.rows(), cache_entries) {
        sq_ = rows_.rowwise().squaredNorm();
        diagonal.resize(static_cast<std::size_t>(rows_.rows()));
        for (Index i = 0; i < rows_.rows(); ++i) diagonal[static_cast<std::size_t>(i)] = kernel_.diagonal(sq_[i]);
        tmp_.resize(rows_.rows());
    }

    const float* column(Index i, Index len) override {
        float* data = nullptr;
        const Index start = cache_.get(i, len, data);
        if (start < len) {
            const Index cnt = len - start;
            auto t = tmp_.head(cnt);
            t.noalias() = rows_.middleRows(start, cnt) * rows_.row(i).transpose();
            const double yi = y_[static_cast<std::size_t>(i)];
            kernel_.from_dots(t, sq_.segment(start, cnt), sq_[i], rows_.cols());
            for (Index j = 0; j < cnt; ++j)
                data[start + j] = static_cast<float>(yi * y_[static_cast<std::size_t>(start + j)] * t[j]);
        }
        return data;
    }

    void swap_index(Index i, Index j) override {
        cache_.swap_index(i, j);
        rows_.row(i).swap(rows_.row(j));
        std::swap(sq_[i], sq_[j]);
        std::swap(y_[static_cast<std::size_t>(i)], y_[static_cast<std::size_t>(j)]);
        std::swap(diagonal[static_cast<std::size_t>(i)], diagonal[static_cast<std::size_t>(j)]);
    }

private:
    SvmRows rows_;
    Vector sq_;
    std::vector<signed char> y_;
    SvmKernelFn kernel_;
    SvmKernelCache cache_;
    Vector tmp_;
};

/// Q of an ε-SVR problem over 2n variables (α then α*): Q_st = s_s s_t K(x_{s mod n}, x_{t mod n})
/// with s = +1 for the first n, −1 for the others. The cache holds the n real kernel columns in
/// the original order; a column over positions is assembled into one of two buffers (libsvm's SVR_Q).
class SvrQ final : public SvmQMatrix {
public:
    SvrQ(const SvmRows& rows, const SvmKernelFn& kernel, std::size_t cache_entries)
        : rows_(rows), kernel_(kernel), cache_(rows.rows(), cache_entries) {
        const Index n = rows_.rows();
        sq_ = rows_.rowwise().squaredNorm();
        sign_.resize(static_cast<std::size_t>(2 * n));
        index_.resize(static_cast<std::size_t>(2 * n));
        diagonal.resize(static_cast<std::size_t>(2 * n));
        for (Index k = 0; k < n; ++k) {
            sign_[static_cast<std::size_t>(k)] = 1;
            sign_[static_cast<std::size_t>(k + n)] = -1;
            index_[static_cast<std::size_t>(k)] = index_[static_cast<std::size_t>(k + n)] = k;
            diagonal[static_cast<std::size_t>(k)] = diagonal[static_cast<std::size_t>(k + n)] =
                kernel_.diagonal(sq_[k]);
        }
        for (auto& b : buffer_) b.resize(static_cast<std::size_t>(2 * n));
        tmp_.resize(n);
    }

    const float* column(Index i, Index len) override {
        const Index n = rows_.rows();
        const Index real = index_[static_cast<std::size_t>(i)];
        float* data = nullptr;
        if (cache_.get(real, n, data) < n) {
            tmp_.noalias() = rows_ * rows_.row(real).transpose();
            kernel_.from_dots(tmp_, sq_, sq_[real], rows_.cols());
            for (Index j = 0; j < n; ++j) data[j] = static_cast<float>(tmp_[j]);
        }
        float* out = buffer_[next_buffer_].data();
        next_buffer_ = 1 - next_buffer_;
        const signed char si = sign_[static_cast<std::size_t>(i)];
        for (Index j = 0; j < len; ++j) {
            const auto uj = static_cast<std::size_t>(j);
            out[j] = static_cast<float>(si * sign_[uj]) * data[index_[uj]];
        }
        return out;
    }

    void swap_index(Index i, Index j) override {
        const auto ui = static_cast<std::size_t>(i);
        const auto uj = static_cast<std::size_t>(j);
        std::swap(sign_[ui], sign_[uj]);
        std::swap(index_[ui], index_[uj]);
        std::swap(diagonal[ui], diagonal[uj]);
    }

private:
    const SvmRows& rows_;
    SvmKernelFn kernel_;
    SvmKernelCache cache_;
    Vector sq_;
    std::vector<signed char> sign_;
    std::vector<Index> index_;
    std::array<std::vector<float>, 2> buffer_;
    std::size_t next_buffer_ = 0;
    Vector tmp_;
};

/// Platt's sigmoid P(y = +1 | f) = 1 / (1 + exp(A·f + B)), fitted by Newton's method with
/// backtracking on the regularised targets (Lin, Lin & Weng 2007, Algorithm 1; libsvm's
/// sigmoid_train): targets (N₊ + 1)/(N₊ + 2) and 1/(N₋ + 2), start A = 0,
/// B = log((N₋ + 1)/(N₊ + 1)), at most 100 iterations, stop when both gradient entries are
/// below 1e-5.
/// @param dec decision values (l); @param positive whether each belongs to the +1 class.
/// @return {A, B}.
inline std::array<double, 2> platt_sigmoid(const std::vector<double>& dec, const std::vector<bool>& positive) {
    const std::size_t l = dec.size();
    double prior1 = 0.0;
    for (bool b : positive) prior1 += b ? 1.0 : 0.0;
    const double prior0 = static_cast<double>(l) - prior1;
    constexpr int max_iter = 100;
    constexpr double min_step = 1e-10;
    constexpr double sigma = 1e-12;
    constexpr double eps = 1e-5;
    const double hi = (prior1 + 1.0) / (prior1 + 2.0);
    const double lo = 1.0 / (prior0 + 2.0);
    std::vector<double> t(l);
    for (std::size_t i = 0; i < l; ++i) t[i] = positive[i] ? hi : lo;
    double A = 0.0;
    double B = std::log((prior0 + 1.0) / (prior1 + 1.0));
    auto objective = [&](double a, double b) {
        double f = 0.0;
        for (std::size_t i = 0; i < l; ++i) {
            const double z = dec[i] * a + b;
            f += z >= 0.0 ? t[i] * z + std::log1p(std::exp(-z)) : (t[i] - 1.0) * z + std::log1p(std::exp(z));
        }
        return f;
    };
    double fval = objective(A, B);
    for (int it = 0; it < max_iter; ++it) {
        double h11 = sigma;
        double h22 = sigma;
        double h21 = 0.0;
        double g1 = 0.0;
        double g2 = 0.0;
        for (std::size_t i = 0; i < l; ++i) {
            const double z = dec[i] * A + B;
            double p = 0.0;
            double q = 0.0;
            if (z >= 0.0) {
                p = std::exp(-z) / (1.0 + std::exp(-z));
                q = 1.0 / (1.0 + std::exp(-z));
            } else {
                p = 1.0 / (1.0 + std::exp(z));
                q = std::exp(z) / (1.0 + std::exp(z));
            }
            const double d2 = p * q;
            h11 += dec[i] * dec[i] * d2;
            h22 += d2;
            h21 += dec[i] * d2;
            const double d1 = t[i] - p;
            g1 += dec[i] * d1;
            g2 += d1;
        }
        if (std::abs(g1) < eps && std::abs(g2) < eps) break;
        const double det = h11 * h22 - h21 * h21;
        const double dA = -(h22 * g1 - h21 * g2) / det;
        const double dB = -(-h21 * g1 + h11 * g2) / det;
        const double gd = g1 * dA + g2 * dB;
        double step = 1.0;
        while (step >= min_step) {
            const double nA = A + step * dA;
            const double nB = B + step * dB;
            const double nf = objective(nA, nB);
            if (nf < fval + 0.0001 * step * gd) {
                A = nA;
                B = nB;
                fval = nf;
                break;
            }
            step /= 2.0;
        }
        if (step < min_step) break;
    }
    return {A, B};
}

/// Platt's sigmoid at a decision value (libsvm's sigmoid_predict), in [0, 1] (exactly 0 or 1 when
/// |A·f + B| exceeds ~745).
inline double platt_probability(double dec, double A, double B) {
    const double z = dec * A + B;
    return z >= 0.0 ? std::exp(-z) / (1.0 + std::exp(-z)) : 1.0 / (1.0 + std::exp(z));
}

/// Class probabilities (k) from pairwise probabilities r(i, j) = P(i | i or j), r(j, i) =
/// 1 − r(i, j), by Wu, Lin & Weng 2004, method 2 (libsvm's multiclass_probability): the
/// fixed-point iteration on min_p pᵀQp, Σp = 1, at most max(100, k) sweeps, tolerance 0.005/k.
inline Vector couple_pairwise(const Matrix& r) {
    const Index k = r.rows();
    Matrix Q(k, k);
    for (Index t = 0; t < k; ++t) {
        Q(t, t) = 0.0;
        for (Index j = 0; j < k; ++j) {
            if (j == t) continue;
            Q(t, t) += r(j, t) * r(j, t);
            Q(t, j) = -r(j, t) * r(t, j);
        }
    }
    Vector p = Vector::Constant(k, 1.0 / static_cast<double>(k));
    Vector Qp(k);
    const Index max_iter = std::max<Index>(100, k);
    const double eps = 0.005 / static_cast<double>(k);
    for (Index it = 0; it < max_iter; ++it) {
        Qp.noalias() = Q * p;
        double pQp = p.dot(Qp);
        double max_error = 0.0;
        for (Index t = 0; t < k; ++t) max_error = std::max(max_error, std::abs(Qp[t] - pQp));
        if (max_error < eps) break;
        for (Index t = 0; t < k; ++t) {
            const double diff = (-Qp[t] + pQp) / Q(t, t);
            p[t] += diff;
            pQp = (pQp + diff * (diff * Q(t, t) + 2.0 * Qp[t])) / (1.0 + diff) / (1.0 + diff);
            for (Index j = 0; j < k; ++j) {
                Qp[j] = (Qp[j] + diff * Q(t, j)) / (1.0 + diff);
                p[j] /= (1.0 + diff);
            }
        }
    }
    return p;
}

/// One binary C-SVC problem solved: signed coefficients y_t α_t (l) over its rows, ρ, and the
/// training decision values Σ_s y_s α_s K(x_s, x_t) − ρ (l) obtained from the final gradient.
struct SvcBinary {
    std::vector<double> coef;
    std::vector<double> decision;
    double rho = 0.0;
    Index n_iter = 0;
    bool converged = true;
};

/// Solve the C-SVC dual on rows (l×p) with signs y, bounds cp (y = +1) and cn (y = −1).
inline SvcBinary svc_solve(SvmRows rows, const std::vector<signed char>& y, const SvmKernelFn& kernel, double cp,
                           double cn, double tol, bool shrinking, Index max_iter, double cache_mb) {
    const Index l = rows.rows();
    SvcQ Q(std::move(rows), y, kernel, svm_cache_entries(cache_mb));
    const SvmSolution s = SvmSolver::solve(Q, std::vector<double>(static_cast<std::size_t>(l), -1.0), y, cp, cn, tol,
                                           shrinking, svm_iteration_limit(max_iter, l));
    SvcBinary out;
    out.coef.resize(static_cast<std::size_t>(l));
    out.decision.resize(static_cast<std::size_t>(l));
    for (std::size_t t = 0; t < out.coef.size(); ++t) {
        out.coef[t] = s.alpha[t] * y[t];
        // (Qα)_t = y_t Σ_s y_s α_s K_st and G = Qα − 1, so Σ_s y_s α_s K_st = y_t (G_t + 1).
        out.decision[t] = y[t] * (s.gradient[t] + 1.0) - s.rho;
    }
    out.rho = s.rho;
    out.n_iter = s.n_iter;
    out.converged = s.converged;
    return out;
}

}  // namespace detail

/// C-support vector classification (Cortes & Vapnik 1995; Boser, Guyon & Vapnik 1992) with libsvm's
/// training and scikit-learn's `SVC` semantics. For each pair of classes (a, b), a < b, present in
/// the training data, the binary problem on their rows (class a as +1, first in the data order,
/// then class b) is solved with bounds C·w_a and C·w_b (w: class weights, 1 without); a row is a
/// support vector when its coefficient is nonzero in any pair. `predict` takes the class with the
/// most one-vs-one votes (the lower code on ties, as libsvm); `predict_proba` couples the pairwise
/// Platt probabilities (see the file documentation and `SVCParams::probability`). A class
/// declared but absent from the training data is never predicted and has probability 0.
///
/// Scale matters: standardise the features (the preprocessing of `hpo::cross_validate` does).
/// Fit: each pair's SMO costs O(iterations × active rows) plus O(p) per kernel entry computed;
/// the kernel cache holds up to `cache_size` MB per pair (pairs run in parallel with n_threads).
/// Predict: O(m × n_SV × p) for the kernel between the rows and the support vectors.
class SVC {
public:
    using params_type = SVCParams;
    static constexpr std::string_view name = "svc";

    SVC() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit SVC(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError naming the member when one is out of the range its documentation gives.
    void set_params(const params_type& p) {
        constexpr std::string_view where = "SVC::set_params()";
        detail::check_svm_common(where, p);
        detail::check_class_weights(where, p.class_weight, p.class_weights);
        params_ = p;
        fitted_ = false;
    }
    [[nodiscard]] params_type params() const { return params_; }
    /// Seed of the cross-validation folds of `probability = true` (default 0).
    void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }

    /// Fit with K = max(y) + 1 classes.
    void fit(const MatrixRef& X, const VectorRef& y) { fit(X, y, 0); }

    /// Solve the one-vs-one problems.
    /// @param X n×p finite features with |x| ≤ 1e100 (linear kernel: ‖x‖² ≤ 1e38);
    /// @param y n class codes in [0, K); @param n_classes declared K (0: max(y) + 1).
    /// @throws DataError on empty data, a shape mismatch, non-finite or huge values, bad labels,
    ///         a negative n_classes, fewer than two classes present, explicit class weights that
    ///         are not K, a class present whose bound C·w_k is 0 (a weight of 0, or an underflow),
    ///         or a "scale" γ that is not finite and > 0. On an exception the model is unfitted.
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes) {
        constexpr std::string_view where = "SVC::fit()";
        fitted_ = false;
        detail::check_xy(where, X, y);
        detail::check_svm_magnitude(where, X);
        Index k = 0;
        const auto codes = detail::class_codes(where, y, n_classes, k);
        const Vector counts = detail::class_counts(codes, k);
        detail::require_two_classes(where, counts);
        std::vector<double> w = detail::class_weight_values(where, codes, k, params_.class_weight, params_.class_weights);
        if (w.empty()) w.assign(static_cast<std::size_t>(k), 1.0);
        for (Index c = 0; c < k; ++c)
            if (counts[c] > 0 && !(params_.C * w[static_cast<std::size_t>(c)] > 0.0))
                throw DataError(fmt::format("{}: class {} has the bound C * class weight = {} * {} = 0 (expected > 0 for "
                                            "every class present: a class whose samples cannot carry weight cannot be "
                                            "separated; leave its rows out instead)",
                                            where, c, params_.C, w[static_cast<std::size_t>(c)]));
        kernel_ = detail::svm_kernel_for(where, params_, X);

        // Present classes and their rows, in data order.
        std::vector<Index> labels;
        std::vector<std::vector<Index>> rows_of;
        {
            std::vector<Index> slot(static_cast<std::size_t>(k), -1);
            for (Index c = 0; c < k; ++c)
                if (counts[c] > 0) {
                    slot[static_cast<std::size_t>(c)] = static_cast<Index>(labels.size());
                    labels.push_back(c);
                }
            rows_of.resize(labels.size());
            for (std::size_t i = 0; i < codes.size(); ++i)
                rows_of[static_cast<std::size_t>(slot[static_cast<std::size_t>(codes[i])])].push_back(static_cast<Index>(i));
        }
        const auto nl = static_cast<Index>(labels.size());
        std::vector<std::array<Index, 2>> pairs;
        for (Index a = 0; a < nl; ++a)
            for (Index b = a + 1; b < nl; ++b) pairs.push_back({a, b});
        const auto n_pairs = static_cast<Index>(pairs.size());

        std::vector<detail::SvcBinary> solved(pairs.size());
        std::vector<std::array<double, 2>> sigmoid(pairs.size());
        parallel_for(n_pairs, params_.n_threads, [&](Index q) {
            const auto [a, b] = pairs[static_cast<std::size_t>(q)];
            const auto& ra = rows_of[static_cast<std::size_t>(a)];
            const auto& rb = rows_of[static_cast<std::size_t>(b)];
            std::vector<Index> rows(ra);
            rows.insert(rows.end(), rb.begin(), rb.end());
            std::vector<signed char> sign(rows.size(), -1);
            std::fill(sign.begin(), sign.begin() + static_cast<std::ptrdiff_t>(ra.size()), 1);
            const double cp = params_.C * w[static_cast<std::size_t>(labels[static_cast<std::size_t>(a)])];
            const double cn = params_.C * w[static_cast<std::size_t>(labels[static_cast<std::size_t>(b)])];
            detail::SvmRows R = X(rows, Eigen::all);
            if (params_.probability)
                sigmoid[static_cast<std::size_t>(q)] =
                    cv_sigmoid(R, sign, cp, cn,
                               derive_seed(seed_, {static_cast<std::uint64_t>(labels[static_cast<std::size_t>(a)]),
                                                   static_cast<std::uint64_t>(labels[static_cast<std::size_t>(b)])}));
            solved[static_cast<std::size_t>(q)] = detail::svc_solve(std::move(R), sign, kernel_, cp, cn, params_.tol,
                                                                    params_.shrinking, params_.max_iter,
                                                                    params_.cache_size);
            if (!params_.probability) {
                std::vector<bool> positive(sign.size());
                for (std::size_t t = 0; t < sign.size(); ++t) positive[t] = sign[t] > 0;
                sigmoid[static_cast<std::size_t>(q)] =
                    detail::platt_sigmoid(solved[static_cast<std::size_t>(q)].decision, positive);
            }
        });

        // Support vectors: rows with a nonzero coefficient in some pair, grouped by class.
        std::vector<char> is_sv(codes.size(), 0);
        for (Index q = 0; q < n_pairs; ++q) {
            const auto [a, b] = pairs[static_cast<std::size_t>(q)];
            const auto& ra = rows_of[static_cast<std::size_t>(a)];
            const auto& rb = rows_of[static_cast<std::size_t>(b)];
            const auto& coef = solved[static_cast<std::size_t>(q)].coef;
            for (std::size_t t = 0; t < coef.size(); ++t)
                if (coef[t] != 0.0) is_sv[static_cast<std::size_t>(t < ra.size() ? ra[t] : rb[t - ra.size()])] = 1;
        }
        support_.clear();
        n_support_ = std::vector<Index>(static_cast<std::size_t>(k), 0);
        std::vector<Index> sv_pos(codes.size(), -1);
        sv_start_.assign(static_cast<std::size_t>(nl) + 1, 0);
        for (Index a = 0; a < nl; ++a) {
            for (Index r : rows_of[static_cast<std::size_t>(a)])
                if (is_sv[static_cast<std::size_t>(r)]) {
                    sv_pos[static_cast<std::size_t>(r)] = static_cast<Index>(support_.size());
                    support_.push_back(r);
                }
            sv_start_[static_cast<std::size_t>(a) + 1] = static_cast<Index>(support_.size());
            n_support_[static_cast<std::size_t>(labels[static_cast<std::size_t>(a)])] =
                sv_start_[static_cast<std::size_t>(a) + 1] - sv_start_[static_cast<std::size_t>(a)];
        }
        const auto nsv = static_cast<Index>(support_.size());
        sv_ = X(support_, Eigen::all);
        sv_sq_ = sv_.rowwise().squaredNorm();
        dual_coef_ = Matrix::Zero(std::max<Index>(nl - 1, 1), nsv);
        rho_.resize(n_pairs);
        prob_a_.resize(n_pairs);
        prob_b_.resize(n_pairs);
        n_iter_.assign(pairs.size(), 0);
        converged_ = true;
        for (Index q = 0; q < n_pairs; ++q) {
            const auto [a, b] = pairs[static_cast<std::size_t>(q)];
            const auto& ra = rows_of[static_cast<std::size_t>(a)];
            const auto& rb = rows_of[static_cast<std::size_t>(b)];
            const auto& s = solved[static_cast<std::size_t>(q)];
            for (std::size_t t = 0; t < s.coef.size(); ++t) {
                if (s.coef[t] == 0.0) continue;
                const bool in_a = t < ra.size();
                const Index r = in_a ? ra[t] : rb[t - ra.size()];
                dual_coef_(in_a ? b - 1 : a, sv_pos[static_cast<std::size_t>(r)]) = s.coef[t];
            }
            rho_[q] = s.rho;
            prob_a_[q] = sigmoid[static_cast<std::size_t>(q)][0];
            prob_b_[q] = sigmoid[static_cast<std::size_t>(q)][1];
            n_iter_[static_cast<std::size_t>(q)] = s.n_iter;
            converged_ = converged_ && s.converged;
        }
        labels_ = std::move(labels);
        k_ = k;
        n_features_ = X.cols();
        fitted_ = true;
    }

    /// One-vs-one decision values (m×P, P = K'(K'−1)/2 for the K' classes present in training,
    /// pairs (0,1), (0,2), …, (1,2), … of the present classes in increasing code order).
    /// For K' > 2 a positive value favours the lower class of its pair (scikit-learn's
    /// `decision_function_shape="ovo"`); for K' = 2 the single column favours the higher class
    /// when positive (scikit-learn's binary sign).
    /// @throws NotFitted before fit; DataError on a wrong column count, non-finite X or |x| > 1e100.
    [[nodiscard]] Matrix decision_function(const MatrixRef& X) const {
        constexpr std::string_view where = "SVC::decision_function()";
        detail::require_fitted(where, fitted_);
        detail::check_predict_x(where, X, n_features_);
        detail::check_svm_magnitude(where, X);
        Matrix D = pair_decisions(X, where);
        if (labels_.size() == 2) D = -D;
        return D;
    }

    /// Class with the most one-vs-one votes per row (m class codes; the lower code on ties).
    /// @throws NotFitted before fit; DataError on a wrong column count, non-finite X or |x| > 1e100.
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        constexpr std::string_view where = "SVC::predict()";
        detail::require_fitted(where, fitted_);
        detail::check_predict_x(where, X, n_features_);
        detail::check_svm_magnitude(where, X);
        const Matrix D = pair_decisions(X, where);
        const auto nl = static_cast<Index>(labels_.size());
        Vector out(X.rows());
        std::vector<Index> votes(static_cast<std::size_t>(nl));
        for (Index i = 0; i < X.rows(); ++i) {
            std::fill(votes.begin(), votes.end(), 0);
            Index q = 0;
            for (Index a = 0; a < nl; ++a)
                for (Index b = a + 1; b < nl; ++b, ++q) ++votes[static_cast<std::size_t>(D(i, q) > 0.0 ? a : b)];
            Index best = 0;
            for (Index a = 1; a < nl; ++a)
                if (votes[static_cast<std::size_t>(a)] > votes[static_cast<std::size_t>(best)]) best = a;
            out[i] = static_cast<double>(labels_[static_cast<std::size_t>(best)]);
        }
        return out;
    }

    /// Class probabilities (m×K, rows sum to 1; 0 for classes absent from training): the
    /// pairwise Platt probabilities, clipped to [1e-7, 1 − 1e-7], coupled by Wu, Lin & Weng's
    /// method 2 (for K' = 2 the pair's probability itself), as libsvm's svm_predict_probability.
    /// @throws NotFitted before fit; DataError on a wrong column count, non-finite X or |x| > 1e100.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const {
        constexpr std::string_view where = "SVC::predict_proba()";
        detail::require_fitted(where, fitted_);
        detail::check_predict_x(where, X, n_features_);
        detail::check_svm_magnitude(where, X);
        const Matrix D = pair_decisions(X, where);
        const auto nl = static_cast<Index>(labels_.size());
        Matrix P = Matrix::Zero(X.rows(), k_);
        constexpr double min_prob = 1e-7;
        Matrix r(nl, nl);
        for (Index i = 0; i < X.rows(); ++i) {
            r.setZero();
            Index q = 0;
            for (Index a = 0; a < nl; ++a)
                for (Index b = a + 1; b < nl; ++b, ++q) {
                    const double pr = std::clamp(detail::platt_probability(D(i, q), prob_a_[q], prob_b_[q]), min_prob,
                                                 1.0 - min_prob);
                    r(a, b) = pr;
                    r(b, a) = 1.0 - pr;
                }
            if (nl == 2) {
                P(i, labels_[0]) = r(0, 1);
                P(i, labels_[1]) = r(1, 0);
                continue;
            }
            const Vector p = detail::couple_pairwise(r);
            for (Index a = 0; a < nl; ++a) P(i, labels_[static_cast<std::size_t>(a)]) = p[a];
        }
        return P;
    }

    [[nodiscard]] bool is_fitted() const { return fitted_; }
    /// Declared number of classes K.
    [[nodiscard]] Index n_classes() const { return k_; }
    /// Training-row indices of the support vectors (n_SV), grouped by class in increasing code
    /// order, in data order within a class (scikit-learn's `support_`).
    [[nodiscard]] const std::vector<Index>& support() const { return support_; }
    /// The support vectors (n_SV×p), in the order of `support()`.
    [[nodiscard]] const Matrix& support_vectors() const { return sv_; }
    /// Support vectors per class (K; 0 for absent classes).
    [[nodiscard]] const std::vector<Index>& n_support() const { return n_support_; }
    /// Signed dual coefficients y·α ((K'−1)×n_SV), libsvm's layout (scikit-learn's `dual_coef_`
    /// for K' > 2; for K' = 2 scikit-learn stores the negative).
    [[nodiscard]] const Matrix& dual_coef() const { return dual_coef_; }
    /// Bias ρ of each pair (P); the pair's decision value is Σ coef·K − ρ (scikit-learn's
    /// `intercept_` is −ρ for K' > 2 and ρ for K' = 2).
    [[nodiscard]] const Vector& rho() const { return rho_; }
    /// Platt sigmoid parameters A and B of each pair (P each; scikit-learn's `probA_`, `probB_`).
    [[nodiscard]] const Vector& prob_a() const { return prob_a_; }
    [[nodiscard]] const Vector& prob_b() const { return prob_b_; }
    /// The RBF width γ used by the last fit (the resolved "scale" value when gamma = 0; 1 for the
    /// linear kernel, which does not use it).
    [[nodiscard]] double gamma() const { return kernel_.gamma; }
    /// SMO iterations of each pair's final solve (P).
    [[nodiscard]] const std::vector<Index>& n_iter() const { return n_iter_; }
    /// Whether every pair's final solve met the tolerance within max_iter (the cross-validation
    /// solves of `probability = true` are not counted).
    [[nodiscard]] bool converged() const { return converged_; }

    /// The fitted model as JSON: `{"kind": "svc", "version": 1, "params": {...}, "seed",
    /// "gamma_used", "n_features", "n_classes", "labels": [K' codes], "n_support": [K'],
    /// "support": [n_SV], "support_vectors": matrix, "dual_coef": matrix, "rho", "prob_a",
    /// "prob_b": [P], "n_iter": [P], "converged"}`. `from_json` of it predicts bit-identically.
    /// @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const;

    /// A fitted model from `to_json()`'s output.
    /// @throws ParseError on a wrong structure, kind or version; DataError when a value is
    ///         unusable (hyperparameters out of range, inconsistent shapes or counts, labels out
    ///         of range, non-finite numbers). Messages name the field as a JSON pointer.
    [[nodiscard]] static SVC from_json(const nlohmann::json& j);

    /// Declared search space: C log-uniform in [2⁻¹⁰, 2¹⁰] and γ log-uniform over the same range,
    /// the RBF SVM space of the Tunability study (Probst, Boulesteix & Bischl 2019, "Tunability:
    /// Importance of Hyperparameters of Machine Learning Algorithms", JMLR 20(53), Table 1: cost
    /// and gamma 2^x, x ∈ [−10, 10]). γ is searched as `gamma_scale`, a factor of scikit-learn's
    /// "scale" value 1/(p·Var(X)), so that one range suits datasets of any width (on standardised
    /// data the scale value is 1/p); the default configuration is scikit-learn's (factor 1).
    /// class_weight {none, balanced}. kernel, gamma, tol, shrinking, cache_size, max_iter and
    /// probability are fixed members, settable by name (n_threads is not part of a configuration).
    static hpo::SearchSpace<params_type> search_space();

private:
    /// Platt sigmoid of one pair from 5-fold cross-validated decision values (libsvm's
    /// svm_binary_svc_probability): a seeded shuffle, folds of l/5 rows; a training part with one
    /// class only gives its held-out rows decision +1 or −1.
    [[nodiscard]] std::array<double, 2> cv_sigmoid(const detail::SvmRows& R, const std::vector<signed char>& sign,
                                                   double cp, double cn, std::uint64_t seed) const;

    /// Raw pair decision values (m×P, positive favours the lower class), blocks of rows in parallel.
    /// @throws NumericalError (naming `where`) when a decision value is not finite.
    [[nodiscard]] Matrix pair_decisions(const MatrixRef& X, std::string_view where) const;

    params_type params_{};
    detail::SvmKernelFn kernel_{};
    std::vector<Index> labels_;
    std::vector<Index> sv_start_;
    std::vector<Index> support_;
    std::vector<Index> n_support_;
    Matrix sv_;
    Vector sv_sq_;
    Matrix dual_coef_;
    Vector rho_;
    Vector prob_a_;
    Vector prob_b_;
    std::vector<Index> n_iter_;
    bool converged_ = true;
    Index k_ = 0;
    Index n_features_ = 0;
    std::uint64_t seed_ = 0;
    bool fitted_ = false;
};

static_assert(Classifier<SVC>);

/// ε-support vector regression (Vapnik 1995; Smola & Schölkopf 2004) with libsvm's training and
/// scikit-learn's `SVR` semantics: the dual over 2n variables (α, α*) with Q built from the
/// kernel, p = (ε − y, ε + y), bounds C; the prediction is Σ (α_t − α*_t) K(x_t, x) − ρ.
/// Scale matters for X (standardise) and ε is in the units of y.
class SVR {
public:
    using params_type = SVRParams;
    static constexpr std::string_view name = "svr";

    SVR() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit SVR(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError naming the member when one is out of range.
    void set_params(const params_type& p) {
        constexpr std::string_view where = "SVR::set_params()";
        detail::check_svm_common(where, p);
        if (!(p.epsilon >= 0.0) || !std::isfinite(p.epsilon))
            throw ConfigError(fmt::format("{}: epsilon out of range (expected finite >= 0, got {})", where, p.epsilon));
        params_ = p;
        fitted_ = false;
    }
    [[nodiscard]] params_type params() const { return params_; }

    /// Solve the dual.
    /// @param X n×p finite features with |x| ≤ 1e100 (linear kernel: ‖x‖² ≤ 1e38);
    /// @param y n finite targets with |y| ≤ 1e100.
    /// @throws DataError on empty data, a shape mismatch, non-finite or huge values, or a
    ///         "scale" γ that is not finite and > 0. On an exception the model is unfitted.
    void fit(const MatrixRef& X, const VectorRef& y);

    /// Predicted values (m). @throws NotFitted before fit; DataError on a wrong column count,
    /// non-finite X or |x| > 1e100.
    [[nodiscard]] Vector predict(const MatrixRef& X) const;

    [[nodiscard]] bool is_fitted() const { return fitted_; }
    /// Training-row indices of the support vectors (n_SV, increasing; scikit-learn's `support_`).
    [[nodiscard]] const std::vector<Index>& support() const { return support_; }
    /// The support vectors (n_SV×p).
    [[nodiscard]] const Matrix& support_vectors() const { return sv_; }
    /// Coefficients α − α* of the support vectors (n_SV; scikit-learn's `dual_coef_`).
    [[nodiscard]] const Vector& dual_coef() const { return coef_; }
    /// The bias ρ (prediction Σ coef·K − ρ; scikit-learn's `intercept_` is −ρ).
    [[nodiscard]] double rho() const { return rho_; }
    /// The RBF width γ used by the last fit.
    [[nodiscard]] double gamma() const { return kernel_.gamma; }
    /// SMO iterations of the last fit.
    [[nodiscard]] Index n_iter() const { return n_iter_; }
    /// Whether the last fit met the tolerance within max_iter.
    [[nodiscard]] bool converged() const { return converged_; }

    /// The fitted model as JSON: `{"kind": "svr", "version": 1, "params": {...}, "gamma_used",
    /// "n_features", "support": [n_SV], "support_vectors": matrix, "dual_coef": [n_SV], "rho",
    /// "n_iter", "converged"}`. `from_json` of it predicts bit-identically. @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const;

    /// A fitted model from `to_json()`'s output.
    /// @throws ParseError on a wrong structure, kind or version; DataError when a value is
    ///         unusable. Messages name the field as a JSON pointer.
    [[nodiscard]] static SVR from_json(const nlohmann::json& j);

    /// Declared search space, after auto-sklearn's libsvm_svr component (Feurer et al. 2015,
    /// "Efficient and Robust Automated Machine Learning", NeurIPS; its search space: C
    /// log-uniform in [2⁻⁵, 2¹⁵], gamma in [2⁻¹⁵, 2³], epsilon in [0.001, 1]): C log-uniform in
    /// [2⁻⁵, 2¹⁵]; γ as `gamma_scale` (a factor of the "scale" value, see `SVC::search_space`)
    /// log-uniform in [2⁻¹⁰, 2¹⁰]; epsilon log-uniform in [0.001, 1] (plans may hold any epsilon
    /// > 0; 0, valid for `set_params`, has no place on the log scale). kernel, gamma, tol,
    /// shrinking, cache_size and max_iter are fixed members, settable by name.
    static hpo::SearchSpace<params_type> search_space();

private:
    params_type params_{};
    detail::SvmKernelFn kernel_{};
    std::vector<Index> support_;
    Matrix sv_;
    Vector sv_sq_;
    Vector coef_;
    double rho_ = 0.0;
    Index n_iter_ = 0;
    bool converged_ = true;
    Index n_features_ = 0;
    bool fitted_ = false;
};

static_assert(Regressor<SVR>);

}  // namespace metalearn::models

#include "metalearn/models/detail/svm_impl.hpp"
