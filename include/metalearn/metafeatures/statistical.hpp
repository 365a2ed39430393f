#pragma once
/// @file statistical.hpp
/// @brief Statistical meta-features of the numeric view N (numeric attributes plus the nominal
/// ones in pymfe's "gray" encoding, missing cells imputed — see `detail::Context`).
///
/// Definitions (MFE: Rivolli et al. 2022, pymfe `statistical.py`; q = columns of N):
/// - per column (multi-valued, q values): `mean`, `median`, `min`, `max`, `range`, `sd` and `var`
///   (ddof = 1; NaN when n < 2), `iq_range` (Q3 − Q1), `mad` (1.4826 · median |x − median|),
///   `t_mean` (mean after cutting ⌊0.2 n⌋ values at each end, scipy's trim_mean(0.2)),
///   `skewness` and `kurtosis` (e1071 type 3; NaN for a constant column), `g_mean` (geometric
///   mean: exp(mean log x) if all x > 0, 0 if some x = 0 and none < 0, NaN if some x < 0),
///   `h_mean` (harmonic mean n / Σ 1/x under the same rules);
/// - `cor`: |Pearson correlation| of each pair of columns (q(q−1)/2 values; NaN for a pair with a
///   constant column); `cov`: |covariance| of each pair (ddof = 1);
/// - `eigenvalues`: the q eigenvalues of the covariance matrix (when n < q, its n nonzero ones from
///   the n×n Gram matrix of the centred data and q − n exact zeros);
/// - `nr_cor_attr`: fraction of column pairs with |cor| ≥ 0.5 (NaN if q < 2);
/// - `nr_norm`: number of columns for which the Shapiro–Wilk test (Royston 1995) does not reject
///   normality at α = 0.05 (a constant column counts as normal, scipy's W = 1; only the first 5000
///   rows are used, scipy's validity limit; NaN if n < 3);
/// - `nr_outliers`: number of columns with a value outside [Q1 − 1.5 IQR, Q3 + 1.5 IQR];
/// - `sparsity` (per raw attribute): (n / distinct values − 1) / (n − 1) (NaN if n = 1);
/// - `gravity`: Euclidean distance between the centroids of the most frequent class and of the
///   least frequent other class (ties → smaller class code; NaN with fewer than 2 classes);
/// - canonical discriminant analysis between N and the class indicators: `can_cor` (the
///   canonical correlations ρ_i, min(rank N, K − 1) values), `nr_disc` (how many ρ_i > 1e-8),
///   `w_lambda` = Π (1 − ρ_i²) (Wilks' lambda), `p_trace` = Σ ρ_i² (Pillai), `lh_trace` =
///   Σ ρ_i²/(1 − ρ_i²) (Lawley–Hotelling), `roy_root` = max ρ_i²/(1 − ρ_i²) (Roy's largest
///   root). Constant columns are dropped and the correlation matrix is used, so the result does
///   not depend on column scales. `nr_disc` is 0 and the others NaN when every column is
///   constant. When some ρ_i = 1 (perfect separation, e.g. always when
///   p ≫ n) the last two are infinite and reported as NaN. NaN for regression or one class.
/// - `sd_ratio`: Box's M statistic turned into the StatLog SD ratio (Michie, Spiegelhalter &
///   Taylor 1994, §7.3.2): with S_i the covariance of class i (n_i members), S the pooled
///   covariance Σ (n_i − 1) S_i / (n − K), γ = 1 − (2p² + 3p − 1)/(6(p + 1)(K − 1)) ·
///   (Σ 1/(n_i − 1) − 1/(n − K)), M = γ Σ (n_i − 1) log(|S| / |S_i|), sd_ratio =
///   exp(M / (p Σ (n_i − 1))). This is the textbook formula; pymfe pairs each class's weight with
///   another class's covariance (a known defect), so its values differ. Computed on the numeric
///   attributes only (one-hot columns make every covariance singular); NaN when a covariance is
///   singular (a class with n_i ≤ p, a constant column within a class), with fewer than two
///   classes of ≥ 2 members, or without numeric attributes.

#include "metalearn/metafeatures/detail/context.hpp"
#include "metalearn/metafeatures/detail/stats.hpp"

#include <Eigen/Cholesky>
#include <Eigen/SVD>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace metalearn::metafeatures {

/// Base names of the statistical group.
[[nodiscard]] inline std::vector<std::string> statistical_feature_names() {
    return {"can_cor", "cor",      "cov",         "eigenvalues", "g_mean",   "gravity",  "h_mean",
            "iq_range", "kurtosis", "lh_trace",    "mad",         "max",      "mean",     "median",
            "min",      "nr_cor_attr", "nr_disc", "nr_norm",     "nr_outliers", "p_trace", "range",
            "roy_root", "sd",       "sd_ratio",    "skewness",    "sparsity", "t_mean",   "var",
            "w_lambda"};
}

namespace detail {

/// Canonical correlations between the columns of N and the class indicators (see file docs).
inline std::vector<double> canonical_correlations(Context& ctx) {
    if (!ctx.classification() || ctx.n_present_classes() < 2 || ctx.n() < 2) return {};
    const Matrix& N = ctx.N();
    const Index n = N.rows();
    // Standardised, non-constant columns of N.
    std::vector<Index> keep;
    const Vector& mu = ctx.means();
    Vector sd(N.cols());
    std::vector<int> exponent(static_cast<std::size_t>(N.cols()), 0);  // columns scaled by a power of two: no overflow
    for (Index j = 0; j < N.cols(); ++j) {
        int& e = exponent[static_cast<std::size_t>(j)];
        (void)std::frexp(N.col(j).cwiseAbs().maxCoeff(), &e);
        const double m = std::ldexp(mu[j], -e);
        const double p2 = std::ldexp(1.0, -e);
        double ss = 0.0;
        for (Index i = 0; i < n; ++i) {
            const double d = times_pow2(N(i, j), p2, -e) - m;
            ss += d * d;
        }
        sd[j] = std::sqrt(ss / static_cast<double>(n - 1));  // of the scaled column
        if (!is_degenerate(sd[j] * sd[j], m)) keep.push_back(j);
    }
    if (keep.empty()) return {};
    const auto r = static_cast<Index>(keep.size());
    Matrix Z(n, r);
    for (Index k = 0; k < r; ++k) {
        const Index j = keep[k];
        const int e = exponent[static_cast<std::size_t>(j)];
        const double p2 = std::ldexp(1.0, -e);
        const double m = std::ldexp(mu[j], -e);
        for (Index i = 0; i < n; ++i) Z(i, k) = (times_pow2(N(i, j), p2, -e) - m) / sd[j];
    }
    // Centred class indicators of the present classes.
    const auto& y = ctx.y();
    const auto& counts = ctx.class_counts();
    std::vector<Index> col_of(counts.size(), -1);
    Index kp = 0;
    for (std::size_t c = 0; c < counts.size(); ++c)
        if (counts[c] > 0) col_of[c] = kp++;
    Matrix Y = Matrix::Zero(n, kp);
    for (Index i = 0; i < n; ++i) Y(i, col_of[static_cast<std::size_t>(y[static_cast<std::size_t>(i)])]) = 1.0;
    Y.rowwise() -= Y.colwise().mean();

    // Directions of S with eigenvalue ≤ rel_tol · max(1, largest) are dropped (a pseudo-inverse
    // square root). For the attributes the cut is 1e-13: attributes that are linear combinations
    // of others up to the rounding of the data file (segment's intensity-mean and raw colour means:
    // relative eigenvalues ~1e-12) still carry part of the canonical correlations, and pymfe's CCA
    // keeps them; exactly collinear columns leave ~1e-16 and are dropped.
    const auto whitener = [](const Matrix& S, double rel_tol) -> Matrix {
        Eigen::SelfAdjointEigenSolver<Matrix> es(S);
        if (es.info() != Eigen::Success) return Matrix(S.rows(), 0);
        const Vector& ev = es.eigenvalues();
        const double tol = rel_tol * std::max(1.0, ev.maxCoeff());
        std::vector<Index> idx;
        for (Index i = 0; i < ev.size(); ++i)
            if (ev[i] > tol) idx.push_back(i);
        Matrix W(S.rows(), static_cast<Index>(idx.size()));
        for (std::size_t k = 0; k < idx.size(); ++k)
            W.col(static_cast<Index>(k)) = es.eigenvectors().col(idx[k]) / std::sqrt(ev[idx[k]]);
        return W;
    };
    const Matrix Syy = Y.transpose() * Y;
    const Matrix Wy = whitener(Syy, 1e-10);
    Matrix M;
    if (n < r) {
        // Wide data: the eigenpairs (μ_i, v_i) of the n×n Gram matrix ZZᵀ give those of ZᵀZ
        // (u_i = Zᵀv_i / √μ_i), so the whitened cross-product Wxᵀ (ZᵀY) Wy reduces to V_keptᵀ Y Wy:
        // O(n²·r + n³) instead of O(n·r² + r³).
        ctx.budget().afford(2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(r) +
                                eigen_flops(n, true) + eigen_flops(kp, true),
                            "the canonical correlations");
        Matrix K = Matrix::Zero(n, n);
        K.selfadjointView<Eigen::Lower>().rankUpdate(Z);
        K.triangularView<Eigen::StrictlyUpper>() = K.transpose();
        Eigen::SelfAdjointEigenSolver<Matrix> es(K);
        if (es.info() != Eigen::Success || Wy.cols() == 0) return {};
        const Vector& ev = es.eigenvalues();
        const double tol = 1e-13 * std::max(1.0, ev.maxCoeff());
        std::vector<Index> idx;
        for (Index i = 0; i < ev.size(); ++i)
            if (ev[i] > tol) idx.push_back(i);
        if (idx.empty()) return {};
        const Matrix YW = Y * Wy;  // n×k
        M.resize(static_cast<Index>(idx.size()), YW.cols());
        for (std::size_t k = 0; k < idx.size(); ++k) M.row(static_cast<Index>(k)) = es.eigenvectors().col(idx[k]).transpose() * YW;
    } else {
        // ZᵀZ = (n − 1) · the correlation matrix of the kept columns, from the shared covariance
        // (scaled as the columns were; directly from Z where the covariance overflowed).
        const Matrix& C = ctx.cov();
        Matrix Sxx(r, r);
        for (Index b = 0; b < r; ++b)
            for (Index a = 0; a < r; ++a) {
                const double c = C(keep[a], keep[b]);
                const int e = exponent[static_cast<std::size_t>(keep[a])] + exponent[static_cast<std::size_t>(keep[b])];
                Sxx(a, b) = std::isfinite(c) ? static_cast<double>(n - 1) * std::ldexp(c, -e) / (sd[keep[a]] * sd[keep[b]])
                                             : Z.col(a).dot(Z.col(b));
            }
        ctx.budget().afford(eigen_flops(r, true) + eigen_flops(kp, true), "the canonical correlations");
        const Matrix Sxy = Z.transpose() * Y;
        const Matrix Wx = whitener(Sxx, 1e-13);
        if (Wx.cols() == 0 || Wy.cols() == 0) return {};
        M = Wx.transpose() * Sxy * Wy;
    }
    // The canonical correlations are the singular values of M, i.e. the square roots of the
    // eigenvalues of the smaller Gram matrix (M Mᵀ or Mᵀ M): the symmetric eigensolver the other
    // groups already use, instead of a separate SVD (whose code would double the compile cost).
    const Matrix G = M.rows() <= M.cols() ? Matrix(M * M.transpose()) : Matrix(M.transpose() * M);
    Eigen::SelfAdjointEigenSolver<Matrix> es(G, Eigen::EigenvaluesOnly);
    if (es.info() != Eigen::Success) return {};
    std::vector<double> rho;
    for (Index i = 0; i < es.eigenvalues().size(); ++i)
        rho.push_back(std::sqrt(std::clamp(es.eigenvalues()[i], 0.0, 1.0)));
    std::sort(rho.rbegin(), rho.rend());
    return rho;
}

/// log-determinant of a symmetric matrix by LDLT; NaN when not (numerically) positive definite.
inline double logdet_spd(const Matrix& S) {
    Eigen::LDLT<Matrix> ldlt(S);
    if (ldlt.info() != Eigen::Success) return nan;
    const Vector d = ldlt.vectorD();
    const double dmax = d.cwiseAbs().maxCoeff();
    if (!(dmax > 0)) return nan;
    double s = 0.0;
    for (Index i = 0; i < d.size(); ++i) {
        if (!(d[i] > 1e-10 * dmax)) return nan;
        s += std::log(d[i]);
    }
    return s;
}

/// Textbook SD ratio from Box's M (see file docs).
inline double sd_ratio(Context& ctx) {
    if (!ctx.classification()) return nan;
    const auto& d = ctx.dataset();
    std::vector<Index> num;
    for (Index j = 0; j < d.n_features(); ++j)
        if (!d.feature(j).is_nominal()) num.push_back(j);
    if (num.empty()) return nan;
    const auto p = static_cast<Index>(num.size());
    const Matrix& X = ctx.X();
    const auto& y = ctx.y();
    const auto& counts = ctx.class_counts();
    // A class with at most p rows has a singular covariance (rank ≤ rows − 1 < p), whose log-
    // determinant is NaN below: the answer is NaN without building any p×p matrix (wide tables).
    for (const auto c : counts)
        if (c >= 2.0 && c - 1.0 < static_cast<double>(p)) return nan;
    {
        double flops = 0.0;  // scatter matrices n·p², one LDLT per class and the pooled one
        for (const auto c : counts)
            if (c >= 2) flops += static_cast<double>(c) * static_cast<double>(p) * static_cast<double>(p);
        flops += static_cast<double>(counts.size() + 1) * static_cast<double>(p) * static_cast<double>(p) *
                 static_cast<double>(p) / 3.0;
        ctx.budget().afford(flops, "sd_ratio's covariance matrices");
    }
    std::vector<Matrix> scatter;
    std::vector<double> dof;
    Matrix pooled = Matrix::Zero(p, p);
    for (std::size_t c = 0; c < counts.size(); ++c) {
        if (counts[c] < 2) continue;
        Matrix Xc(static_cast<Index>(counts[c]), p);
        Index r = 0;
        for (Index i = 0; i < X.rows(); ++i) {
            if (y[static_cast<std::size_t>(i)] != static_cast<int>(c)) continue;
            for (Index k = 0; k < p; ++k) Xc(r, k) = X(i, num[static_cast<std::size_t>(k)]);
            ++r;
        }
        Xc.rowwise() -= Xc.colwise().mean();
        Matrix S = Matrix::Zero(p, p);
        S.selfadjointView<Eigen::Lower>().rankUpdate(Xc.transpose());
        S = S.selfadjointView<Eigen::Lower>();
        pooled += S;
        dof.push_back(counts[c] - 1);
        scatter.push_back(S / (counts[c] - 1));
    }
    const auto k = static_cast<double>(scatter.size());
    if (k < 2) return nan;
    double sum_dof = 0.0, inv_sum = 0.0;
    for (double v : dof) {
        sum_dof += v;
        inv_sum += 1.0 / v;
    }
    pooled /= sum_dof;  // n − K over the classes used
    const double ld_pooled = logdet_spd(pooled);
    if (std::isnan(ld_pooled)) return nan;
    const auto pd = static_cast<double>(p);
    const double gamma = 1.0 - (2 * pd * pd + 3 * pd - 1) / (6 * (pd + 1) * (k - 1)) * (inv_sum - 1.0 / sum_dof);
    double m = 0.0;
    for (std::size_t i = 0; i < scatter.size(); ++i) {
        const double ld = logdet_spd(scatter[i]);
        if (std::isnan(ld)) return nan;
        m += dof[i] * (ld_pooled - ld);
    }
    m *= gamma;
    return std::exp(m / (pd * sum_dof));
}

/// Per-column statistic of N as a vector.
template <class F>
std::vector<double> per_column(Context& ctx, F&& f) {
    std::vector<double> v(static_cast<std::size_t>(ctx.N().cols()));
    for (Index j = 0; j < ctx.N().cols(); ++j) {
        if (j % 64 == 0) ctx.budget().check("a per-column statistic");
        v[static_cast<std::size_t>(j)] = f(j);
    }
    return v;
}

/// Compute the statistical group into `out`.
inline void statistical_group(Context& ctx, Sink& out) {
    const Index n = ctx.n();
    const auto nd = static_cast<double>(n);
    std::optional<std::vector<double>> cancor;
    const auto rho = [&]() -> const std::vector<double>& {
        if (!cancor) cancor = canonical_correlations(ctx);
        return *cancor;
    };
    const auto has_cancor = [&] { return ctx.classification() && ctx.n_present_classes() >= 2 && !rho().empty(); };
    std::optional<std::vector<double>> cors;
    const auto abs_cor = [&]() -> const std::vector<double>& {
        if (!cors) {
            cors.emplace();
            const Matrix& S = ctx.cov();
            const Index q = S.cols();
            cors->reserve(static_cast<std::size_t>(q * (q - 1) / 2));
            for (Index j = 0; j < q; ++j)
                for (Index i = j + 1; i < q; ++i) {
                    // √(s_ii·s_jj), or √s_ii·√s_jj where the product over- or underflows (values
                    // beyond about 1e77 or below 1e-77): correlation does not depend on units.
                    // A covariance that overflowed itself (values beyond about 1e154) gives NaN.
                    const double prod = S(i, i) * S(j, j);
                    const double den = std::isfinite(prod) && prod >= std::numeric_limits<double>::min()
                                           ? std::sqrt(prod)
                                           : std::sqrt(S(i, i)) * std::sqrt(S(j, j));
                    const bool constant = is_degenerate(S(i, i), ctx.means()[i]) || is_degenerate(S(j, j), ctx.means()[j]);
                    const bool finite = std::isfinite(S(i, j)) && std::isfinite(den);
                    cors->push_back(constant || !finite || !(den > 0) ? nan : std::min(1.0, std::abs(S(i, j)) / den));
                }
        }
        return *cors;
    };

    out.multi("can_cor", [&] { return rho(); });
    out.multi("cor", [&] { return abs_cor(); });
    out.multi("cov", [&] {
        const Matrix& S = ctx.cov();
        std::vector<double> v;
        for (Index j = 0; j < S.cols(); ++j)
            for (Index i = j + 1; i < S.rows(); ++i) v.push_back(std::abs(S(i, j)));
        return v;
    });
    out.multi("eigenvalues", [&] {
        const Vector& e = ctx.cov_eigenvalues();
        return std::vector<double>(e.data(), e.data() + e.size());
    });
    out.multi("g_mean", [&] {
        return per_column(ctx, [&](Index j) {
            const auto& s = ctx.sorted_column(j);
            if (s.front() < 0) return nan;
            if (s.front() == 0) return 0.0;
            double l = 0.0;
            for (double x : s) l += std::log(x);
            return std::exp(l / nd);
        });
    });
    out.single("gravity", [&] {
        if (!ctx.classification() || ctx.n_present_classes() < 2) return nan;
        const auto& c = ctx.class_counts();
        std::size_t most = 0;
        for (std::size_t k = 1; k < c.size(); ++k)
            if (c[k] > c[most]) most = k;
        std::size_t least = c.size();
        for (std::size_t k = 0; k < c.size(); ++k)
            if (k != most && c[k] > 0 && (least == c.size() || c[k] < c[least])) least = k;
        const Matrix& N = ctx.N();
        Vector a = Vector::Zero(N.cols()), b = Vector::Zero(N.cols());
        const auto& y = ctx.y();
        for (Index i = 0; i < n; ++i) {
            const auto yi = static_cast<std::size_t>(y[static_cast<std::size_t>(i)]);
            if (yi == most) a += N.row(i).transpose();
            else if (yi == least) b += N.row(i).transpose();
        }
        return (a / c[most] - b / c[least]).norm();
    });
    out.multi("h_mean", [&] {
        return per_column(ctx, [&](Index j) {
            const auto& s = ctx.sorted_column(j);
            if (s.front() < 0) return nan;
            if (s.front() == 0) return 0.0;
            double inv = 0.0;
            for (double x : s) inv += 1.0 / x;
            return nd / inv;
        });
    });
    out.multi("iq_range", [&] {
        return per_column(ctx, [&](Index j) {
            const auto& s = ctx.sorted_column(j);
            return sorted_quantile(s, 0.75) - sorted_quantile(s, 0.25);
        });
    });
    out.multi("kurtosis", [&] { return per_column(ctx, [&](Index j) { return kurtosis(ctx.sorted_column(j), true); }); });
    out.single("lh_trace", [&] {
        if (!has_cancor()) return nan;
        double s = 0.0;
        for (double r : rho()) {
            if (1.0 - r * r < 1e-10) return nan;
            s += r * r / (1 - r * r);
        }
        return s;
    });
    out.multi("mad", [&] {
        return per_column(ctx, [&](Index j) {
            const auto& s = ctx.sorted_column(j);
            const double med = sorted_quantile(s, 0.5);
            // |s_i − med| falls up to the first value ≥ med and rises after it: merging the two
            // runs gives the deviations sorted (the values a sort would give).
            const auto mid = static_cast<std::size_t>(std::lower_bound(s.begin(), s.end(), med) - s.begin());
            std::vector<double> below(mid), dev(s.size());
            for (std::size_t i = 0; i < mid; ++i) below[i] = std::abs(s[mid - 1 - i] - med);
            std::vector<double> above(s.size() - mid);
            for (std::size_t i = mid; i < s.size(); ++i) above[i - mid] = std::abs(s[i] - med);
            std::merge(below.begin(), below.end(), above.begin(), above.end(), dev.begin());
            return 1.4826 * sorted_quantile(dev, 0.5);
        });
    });
    out.multi("max", [&] { return per_column(ctx, [&](Index j) { return ctx.sorted_column(j).back(); }); });
    out.multi("mean", [&] { return per_column(ctx, [&](Index j) { return ctx.means()[j]; }); });
    out.multi("median", [&] { return per_column(ctx, [&](Index j) { return sorted_quantile(ctx.sorted_column(j), 0.5); }); });
    out.multi("min", [&] { return per_column(ctx, [&](Index j) { return ctx.sorted_column(j).front(); }); });
    out.single("nr_cor_attr", [&] {
        const auto& c = abs_cor();
        if (c.empty()) return nan;
        double k = 0;
        for (double v : c) k += v >= 0.5 ? 1 : 0;
        return k / static_cast<double>(c.size());
    });
    out.single("nr_disc", [&] {
        if (!ctx.classification() || ctx.n_present_classes() < 2) return nan;
        double k = 0;
        for (double r : rho()) k += r > 1e-8 ? 1 : 0;
        return k;
    });
    out.single("nr_norm", [&] {
        if (n < 3) return nan;
        const Index m = std::min<Index>(n, 5000);
        double k = 0;
        for (Index j = 0; j < ctx.N().cols(); ++j) {
            if (j % 16 == 0) ctx.budget().check("nr_norm");
            std::vector<double> v(ctx.N().col(j).data(), ctx.N().col(j).data() + m);
            k += shapiro_wilk_pvalue(std::move(v)) > 0.05 ? 1 : 0;
        }
        return k;
    });
    out.single("nr_outliers", [&] {
        double k = 0;
        for (Index j = 0; j < ctx.N().cols(); ++j) {
            const auto& s = ctx.sorted_column(j);
            const double q1 = sorted_quantile(s, 0.25), q3 = sorted_quantile(s, 0.75);
            const double w = 1.5 * (q3 - q1);
            k += (s.front() < q1 - w || s.back() > q3 + w) ? 1 : 0;
        }
        return k;
    });
    out.single("p_trace", [&] {
        if (!has_cancor()) return nan;
        double s = 0.0;
        for (double r : rho()) s += r * r;
        return s;
    });
    out.multi("range", [&] {
        return per_column(ctx, [&](Index j) { return ctx.sorted_column(j).back() - ctx.sorted_column(j).front(); });
    });
    out.single("roy_root", [&] {
        if (!has_cancor() || rho().empty()) return nan;
        const double r = rho().front();
        return 1.0 - r * r < 1e-10 ? nan : r * r / (1 - r * r);
    });
    out.multi("sd", [&] { return per_column(ctx, [&](Index j) { return n < 2 ? nan : std::sqrt(ctx.column_variance(j)); }); });
    out.single("sd_ratio", [&] { return sd_ratio(ctx); });
    out.multi("skewness", [&] { return per_column(ctx, [&](Index j) { return skewness(ctx.sorted_column(j), true); }); });
    out.multi("sparsity", [&] {
        std::vector<double> v;
        const Matrix& X = ctx.X();
        for (Index j = 0; j < X.cols(); ++j) {
            if (n < 2) {
                v.push_back(nan);
                continue;
            }
            double u = 1.0;  // distinct values: 1 + the changes between neighbours in sorted order
            if (ctx.dataset().feature(j).is_nominal()) {
                std::vector<double> s(X.col(j).data(), X.col(j).data() + n);
                sort_values(s);
                u = static_cast<double>(std::unique(s.begin(), s.end()) - s.begin());
            } else {
                const auto& s = ctx.sorted_numeric_attribute(j);
                for (std::size_t i = 1; i < s.size(); ++i) u += s[i] != s[i - 1] ? 1.0 : 0.0;
            }
            v.push_back((nd / u - 1.0) / (nd - 1.0));
        }
        return v;
    });
    out.multi("t_mean", [&] {
        return per_column(ctx, [&](Index j) {
            const auto& s = ctx.sorted_column(j);
            const auto cut = static_cast<std::size_t>(std::floor(0.2 * nd));
            double sum = 0.0;
            for (std::size_t i = cut; i < s.size() - cut; ++i) sum += s[i];
            return sum / static_cast<double>(s.size() - 2 * cut);
        });
    });
    out.multi("var", [&] { return per_column(ctx, [&](Index j) { return n < 2 ? nan : ctx.column_variance(j); }); });
    out.single("w_lambda", [&] {
        if (!has_cancor()) return nan;
        double w = 1.0;
        for (double r : rho()) w *= 1 - r * r;
        return w;
    });
}

}  // namespace detail
}  // namespace metalearn::metafeatures
