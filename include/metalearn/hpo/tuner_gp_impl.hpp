#pragma once
/// @file tuner_gp_impl.hpp
/// @brief Bodies of `GaussianProcess` and `GpSurrogate` (see tuner_gp.hpp). Included by that
/// header in header-only mode; compiled into the library in compiled mode (core/config.hpp).

#include "metalearn/core/cholesky.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/numeric.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/hpo/tuner_gp.hpp"

#include <Eigen/Cholesky>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <numbers>
#include <vector>

namespace metalearn::hpo {

METALEARN_INLINE GaussianProcess::GaussianProcess(GpOptions options) : o_(options) {
    if (o_.n_restarts < 0 || o_.max_iterations < 1 || !(o_.min_length_scale > 0) ||
        !(o_.min_length_scale < o_.max_length_scale) || !(o_.min_signal_variance > 0) ||
        !(o_.min_signal_variance < o_.max_signal_variance) || !(o_.min_noise > 0) || !(o_.min_noise < o_.max_noise) ||
        !(o_.initial_length_scale > 0) || !(o_.initial_noise > 0) || o_.max_fit_rows < 3)
        throw ConfigError("GaussianProcess::GaussianProcess(): invalid options (expected n_restarts >= 0, "
                          "max_iterations >= 1, 0 < min < max for every box, positive initial values, "
                          "max_fit_rows >= 3)");
}

METALEARN_INLINE void GaussianProcess::set_hyperparameters(const Vector& length_scales, double signal_variance,
                                                           double noise_variance) {
    if (length_scales.size() == 0 || !(length_scales.array() > 0).all() || !(signal_variance > 0) ||
        !(noise_variance > 0) || !length_scales.allFinite() || !std::isfinite(signal_variance) ||
        !std::isfinite(noise_variance))
        throw ConfigError("GaussianProcess::set_hyperparameters(): expected positive, finite values");
    theta_.resize(length_scales.size() + 2);
    theta_.head(length_scales.size()) = length_scales.array().log();
    theta_[length_scales.size()] = std::log(signal_variance);
    theta_[length_scales.size() + 1] = std::log(noise_variance);
}

METALEARN_INLINE void GaussianProcess::fit(const Matrix& X, const Vector& y, bool optimize, std::uint64_t seed) {
    if (X.rows() == 0 || X.cols() == 0 || X.rows() != y.size())
        throw DataError(fmt::format("GaussianProcess::fit(): expected n×d inputs with n, d >= 1 and n targets (got {}×{} and {})",
                                    X.rows(), X.cols(), y.size()));
    if (!X.allFinite() || !y.allFinite()) throw DataError("GaussianProcess::fit(): non-finite input");
    const bool same_rows = fitted_ && X.rows() == X_.rows() && X.cols() == X_.cols() && X == X_;
    fitted_ = false;
    X_ = X;
    y_ = y;
    const Index d = X.cols();
    if (theta_.size() != d + 2) theta_ = default_theta(d);
    if (optimize && X.rows() >= 3) {
        if (X.rows() > o_.max_fit_rows) {  // fit θ on a seeded subset, then predict with every row
            Rng rng(derive_seed(seed, {1}));
            auto perm = rng.permutation(X.rows());
            perm.resize(static_cast<std::size_t>(o_.max_fit_rows));
            std::sort(perm.begin(), perm.end());
            X_.resize(o_.max_fit_rows, d);
            y_.resize(o_.max_fit_rows);
            for (Index i = 0; i < o_.max_fit_rows; ++i) {
                X_.row(i) = X.row(perm[static_cast<std::size_t>(i)]);
                y_[i] = y[perm[static_cast<std::size_t>(i)]];
            }
            optimize_theta(derive_seed(seed, {2}));
            X_ = X;
            y_ = y;
        } else {
            optimize_theta(seed);
        }
    }
    factorize(same_rows);
    fitted_ = true;
}

METALEARN_INLINE void GaussianProcess::predict(const Matrix& Z, Vector& mean, Vector& std) const {
    Matrix cross;
    Vector bound;
    predict_mean(Z, mean, bound, cross);
    std::vector<Index> rows(static_cast<std::size_t>(Z.rows()));
    for (Index i = 0; i < Z.rows(); ++i) rows[static_cast<std::size_t>(i)] = i;
    Matrix work;
    predict_std(cross, bound, rows, std, work);
}

METALEARN_INLINE void GaussianProcess::predict_mean(const Matrix& Z, Vector& mean, Vector& std_bound, Matrix& cross) const {
    if (!fitted_) throw NotFitted("GaussianProcess::predict(): call fit() first");
    if (Z.cols() != X_.cols())
        throw DataError(fmt::format("GaussianProcess::predict(): wrong width (expected {}, got {})", X_.cols(), Z.cols()));
    cross_kernel(Z, cross);  // m×n
    mean = cross * alpha_;
    const double sf2 = std::exp(theta_[X_.cols()]);
    std_bound = (sf2 - cross.rowwise().maxCoeff().array().square() / kdiag_max_).max(0.0).sqrt().matrix();
}

METALEARN_INLINE void GaussianProcess::predict_std(const Matrix& cross, const Vector& std_bound,
                                                   const std::vector<Index>& rows, Vector& std, Matrix& work) const {
    if (!fitted_) throw NotFitted("GaussianProcess::predict_std(): call fit() first");
    const Index n = X_.rows();
    if (cross.cols() != n || std_bound.size() != cross.rows())
        throw DataError(fmt::format("GaussianProcess::predict_std(): expected an m×{} cross-covariance matrix and m "
                                    "bounds (got {}×{} and {})",
                                    n, cross.rows(), cross.cols(), std_bound.size()));
    for (const Index r : rows)
        if (r < 0 || r >= cross.rows())
            throw DataError(fmt::format("GaussianProcess::predict_std(): row {} out of range (expected 0 to {})", r,
                                        cross.rows() - 1));
    std.resize(static_cast<Index>(rows.size()));
    work.resize(n, group);
    const double sf2 = std::exp(theta_[X_.cols()]);
    double q[group];
    for (std::size_t start = 0; start < rows.size(); start += group) {
        const std::size_t len = std::min<std::size_t>(group, rows.size() - start);
        for (std::size_t g = 0; g < group; ++g)  // a short last group repeats its first row
            work.col(static_cast<Index>(g)) = cross.row(rows[start + (g < len ? g : 0)]).transpose();
        quadratic_forms(work, q);
        for (std::size_t g = 0; g < len; ++g) {
            const Index r = rows[start + g];
            std[static_cast<Index>(start + g)] = std::min(std::sqrt(std::max(sf2 - q[g], 0.0)), std_bound[r]);
        }
    }
}

METALEARN_INLINE void GaussianProcess::loo_predict(Vector& mean, Vector& std) const {
    if (!fitted_) throw NotFitted("GaussianProcess::loo_predict(): call fit() first");
    const Vector kinv_diag = Linv_.colwise().squaredNorm().transpose();  // K⁻¹ = L⁻ᵀL⁻¹
    mean = (y_.array() - alpha_.array() / kinv_diag.array()).matrix();
    std = kinv_diag.array().inverse().sqrt().matrix();
}

METALEARN_INLINE double GaussianProcess::log_marginal_likelihood() const {
    if (!fitted_) throw NotFitted("GaussianProcess::log_marginal_likelihood(): call fit() first");
    return lml_;
}

METALEARN_INLINE Vector GaussianProcess::length_scales() const {
    return theta_.size() < 2 ? Vector() : Vector(theta_.head(theta_.size() - 2).array().exp());
}

METALEARN_INLINE double GaussianProcess::signal_variance() const {
    return theta_.size() < 2 ? std::numeric_limits<double>::quiet_NaN() : std::exp(theta_[theta_.size() - 2]);
}

METALEARN_INLINE double GaussianProcess::noise_variance() const {
    return theta_.size() < 2 ? std::numeric_limits<double>::quiet_NaN() : std::exp(theta_[theta_.size() - 1]);
}

METALEARN_INLINE double GaussianProcess::nlml(const Vector& theta, Vector& grad) const {
    const Index n = X_.rows();
    const Index d = X_.cols();
    Matrix R;  // scaled distances
    Matrix K = kernel_matrix(theta, &R);
    const Eigen::LLT<Matrix> llt = robust_cholesky(K, "GaussianProcess::nlml()");
    const Vector alpha = llt.solve(y_);
    const Matrix W = alpha * alpha.transpose() - llt.solve(Matrix::Identity(n, n));  // ααᵀ − K⁻¹
    const double value = 0.5 * y_.dot(alpha) + llt.matrixLLT().diagonal().array().log().sum() +
                         0.5 * static_cast<double>(n) * std::log(2.0 * std::numbers::pi);
    const double sf2 = std::exp(theta[d]);
    const double sn2 = std::exp(theta[d + 1]);
    const double s5 = std::sqrt(5.0);
    // ∂K_ij/∂log σ_f² = K_ij − σ_n² δ_ij;  ∂K_ij/∂log ℓ_k = σ_f² (5/3)(1 + √5 r) e^{−√5 r} (x_ik − x_jk)²/ℓ_k².
    const Matrix E = (-s5 * R.array()).exp().matrix();
    const Matrix C = (W.array() * sf2 * (5.0 / 3.0) * (1.0 + s5 * R.array()) * E.array()).matrix();
    grad.resize(d + 2);
    const Vector inv_l2 = (-2.0 * theta.head(d)).array().exp();
    // Σ_ij C_ij (x_ik − x_jk)² = 2 Σ_i (C1)_i x_ik² − 2 x_kᵀ C x_k  (C symmetric)
    const Vector c1 = C.rowwise().sum();
    const Matrix CX = C * X_;
    for (Index k = 0; k < d; ++k) {
        const double s = 2.0 * (c1.array() * X_.col(k).array().square()).sum() - 2.0 * X_.col(k).dot(CX.col(k));
        grad[k] = -0.5 * s * inv_l2[k];
    }
    grad[d] = -0.5 * (W.array() * sf2 * matern52(R.array())).sum();
    grad[d + 1] = -0.5 * W.diagonal().sum() * sn2;
    return value;
}

METALEARN_INLINE Vector GaussianProcess::default_theta(Index d) const {
    Vector t(d + 2);
    t.head(d).setConstant(std::log(o_.initial_length_scale));
    t[d] = 0.0;
    t[d + 1] = std::log(std::clamp(o_.initial_noise, o_.min_noise, o_.max_noise));
    return t;
}

METALEARN_INLINE void GaussianProcess::bounds(Vector& lb, Vector& ub) const {
    const Index d = X_.cols();
    lb.resize(d + 2);
    ub.resize(d + 2);
    lb.head(d).setConstant(std::log(o_.min_length_scale));
    ub.head(d).setConstant(std::log(o_.max_length_scale));
    lb[d] = std::log(o_.min_signal_variance);
    ub[d] = std::log(o_.max_signal_variance);
    lb[d + 1] = std::log(o_.min_noise);
    ub[d + 1] = std::log(o_.max_noise);
}

METALEARN_INLINE void GaussianProcess::optimize_theta(std::uint64_t seed) {
    Vector lb;
    Vector ub;
    bounds(lb, ub);
    double best_f = std::numeric_limits<double>::infinity();
    Vector best = theta_;
    Rng rng(seed);
    const Vector previous = theta_;
    const Vector fallback = default_theta(X_.cols());
    const Index p = lb.size();
    for (int start = 0; start < 2 + o_.n_restarts; ++start) {
        Vector x = start == 0 ? previous : start == 1 ? fallback : Vector(p);
        if (start >= 2)
            for (Index k = 0; k < p; ++k) x[k] = rng.uniform(0.7 * lb[k] + 0.3 * ub[k], 0.3 * lb[k] + 0.7 * ub[k]);
        if (start == 1 && (x - previous).norm() == 0.0) continue;
        x = x.cwiseMax(lb).cwiseMin(ub);
        Vector m = Vector::Zero(p);
        Vector v = Vector::Zero(p);
        Vector g;
        double b1t = 1.0;
        double b2t = 1.0;
        for (int it = 0; it < o_.max_iterations; ++it) {
            double f = 0.0;
            try {
                f = nlml(x, g);
            } catch (const NumericalError&) {
                break;
            }
            if (!std::isfinite(f) || !g.allFinite()) break;
            if (f < best_f) {
                best_f = f;
                best = x;
            }
            b1t *= 0.9;
            b2t *= 0.999;
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g.cwiseAbs2();
            const Vector step = 0.1 * (m / (1.0 - b1t)).array() / ((v / (1.0 - b2t)).array().sqrt() + 1e-8);
            if (step.cwiseAbs().maxCoeff() < 1e-4) break;
            x = (x - step).cwiseMax(lb).cwiseMin(ub);
        }
    }
    if (std::isfinite(best_f)) theta_ = best;
}

METALEARN_INLINE Matrix GaussianProcess::kernel_matrix(const Vector& theta, Matrix* R_out) const {
    const Index d = X_.cols();
    const double sf2 = std::exp(theta[d]);
    const double sn2 = std::exp(theta[d + 1]);
    const Matrix Xl = X_.array().rowwise() / theta.head(d).array().exp().transpose();
    const Vector sq = Xl.rowwise().squaredNorm();
    Matrix R = ((-2.0 * Xl * Xl.transpose()).colwise() + sq).rowwise() + sq.transpose();
    R = R.array().max(0.0).sqrt().matrix();
    R.diagonal().setZero();
    Matrix K = (sf2 * matern52(R.array())).matrix();
    K.diagonal().array() += sn2;
    if (R_out) *R_out = std::move(R);
    return K;
}

METALEARN_INLINE Eigen::ArrayXXd GaussianProcess::matern52(const Eigen::ArrayXXd& r) {
    const double s5 = std::sqrt(5.0);
    return (1.0 + s5 * r + (5.0 / 3.0) * r.square()) * (-s5 * r).exp();
}

METALEARN_INLINE void GaussianProcess::cross_kernel(const Matrix& Z, Matrix& out) const {
    const Index d = X_.cols();
    const double sf2 = std::exp(theta_[d]);
    const double s5 = std::sqrt(5.0);
    const Matrix A = Z.array().rowwise() * inv_l_.array();
    const Vector a2 = A.rowwise().squaredNorm();
    out.resize(Z.rows(), X_.rows());
    out.noalias() = -2.0 * A * B_.transpose();
    Vector e(Z.rows());
    for (Index j = 0; j < out.cols(); ++j) {  // column by column: r = √max(r², 0), then k(r)
        auto r = out.col(j).array();
        r = ((r + a2.array()) + b2_[j]).max(0.0).sqrt();
        e.array() = -s5 * r;
        exp_inplace(e.data(), static_cast<std::size_t>(e.size()));
        r = sf2 * ((1.0 + s5 * r + (5.0 / 3.0) * r.square()) * e.array());
    }
}

METALEARN_INLINE void GaussianProcess::quadratic_forms(const Matrix& W, double* q) const {
    using Tile = Eigen::Array<double, 4, 1>;
    const Index n = Linv_.rows();
    const double* linv = Linv_.data();
    const double* k[group];
    for (std::size_t g = 0; g < group; ++g) {
        k[g] = W.col(static_cast<Index>(g)).data();
        q[g] = 0.0;
    }
    Index j = 0;
    for (; j + 4 <= n; j += 4) {
        Tile a[group];
        for (auto& t : a) t = Tile::Zero();
        for (Index i = 0; i < j + 4; ++i) {
            const Tile l = Eigen::Map<const Tile>(linv + i * n + j);  // (L⁻¹)_{j..j+3, i}
            for (std::size_t g = 0; g < group; ++g) a[g] += l * k[g][i];
        }
        for (int r = 0; r < 4; ++r)
            for (std::size_t g = 0; g < group; ++g) q[g] += a[g][r] * a[g][r];
    }
    for (; j < n; ++j) {
        double a[group] = {};
        for (Index i = 0; i <= j; ++i) {
            const double l = linv[i * n + j];
            for (std::size_t g = 0; g < group; ++g) a[g] += l * k[g][i];
        }
        for (std::size_t g = 0; g < group; ++g) q[g] += a[g] * a[g];
    }
}

METALEARN_INLINE void GaussianProcess::factorize(bool same_rows) {
    if (!same_rows || theta_ != factor_theta_) {
        factor_theta_.resize(0);  // no valid factorisation until this one succeeds
        Matrix K = kernel_matrix(theta_);
        llt_ = robust_cholesky(K, "GaussianProcess::fit()");
        kdiag_max_ = K.diagonal().maxCoeff();  // K as factorised (with any jitter)
        const Index n = K.rows();
        Linv_ = llt_.matrixL().solve(Matrix::Identity(n, n));
        Linv_.triangularView<Eigen::StrictlyUpper>().setZero();
        const Index d = X_.cols();
        inv_l_ = (-theta_.head(d)).array().exp().transpose();
        B_ = X_.array().rowwise() * inv_l_.array();
        b2_ = B_.rowwise().squaredNorm();
        factor_theta_ = theta_;
    }
    alpha_ = llt_.solve(y_);
    lml_ = -0.5 * y_.dot(alpha_) - llt_.matrixLLT().diagonal().array().log().sum() -
           0.5 * static_cast<double>(y_.size()) * std::log(2.0 * std::numbers::pi);
}

METALEARN_INLINE void GpSurrogate::fit(const Matrix& Z, const Vector& y, bool refit_hyperparameters,
                                       std::uint64_t seed) {
    const bool optimize = refit_hyperparameters || !optimized_;
    gp_.fit(Z, y, optimize, seed);
    if (optimize && Z.rows() >= 3) optimized_ = true;
}

METALEARN_INLINE void GpSurrogate::predict_mean(const Matrix& Z, Vector& mean, Vector& std_bound,
                                                PredictScratch& scratch) const {
    gp_.predict_mean(Z, mean, std_bound, scratch.cross);
}

METALEARN_INLINE void GpSurrogate::predict_std(PredictScratch& scratch, const Vector& std_bound,
                                               const std::vector<Index>& rows, Vector& std) const {
    gp_.predict_std(scratch.cross, std_bound, rows, std, scratch.work);
}

METALEARN_INLINE SurrogateFactory gp_surrogate(GpOptions options) {
    GaussianProcess check(options);
    return [options] { return std::make_unique<GpSurrogate>(options); };
}

}  // namespace metalearn::hpo
