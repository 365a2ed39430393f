#pragma once
/// @file tuner_gp.hpp
/// @brief The tuner's surrogate models: the `Surrogate` interface, `GaussianProcess` (ARD Matérn
/// 5/2 on inputs in [0, 1]^d, hyperparameters by maximum marginal likelihood) and the expected
/// improvement acquisition function.
///
/// Unlike `meta::GaussianProcessMetaModel` (which standardises its inputs and subsamples large
/// training sets for meta-learning), this GP works on the encoded unit cube as it is — one-hot
/// columns of categoricals keep their 0/1 distances — keeps every training row, can keep its
/// hyperparameters from one fit to the next (refitting them is O(n³) per likelihood evaluation,
/// the main cost of a Bayesian-optimisation step), and predicts many candidates at once with
/// matrix products. Its predictions come in two halves (`predict_mean`, `predict_std`): the mean
/// with a free upper bound of the standard deviation for every candidate, then the O(n²) exact
/// standard deviation only where the caller needs it. Targets are used as given: the tuner
/// standardises them (and subtracts the prior mean) before fitting.
///
/// Model (Rasmussen & Williams 2006, "Gaussian Processes for Machine Learning", MIT Press):
/// with r² = Σ_k (x_k − x'_k)² / ℓ_k²,
///   k(x, x') = σ_f² (1 + √5 r + 5r²/3) exp(−√5 r)                      (R&W eq. 4.17, ν = 5/2)
/// plus σ_n² on the diagonal of the training covariance. Predictive mean and variance of the
/// latent function (R&W Algorithm 2.1, eqs. 2.25–2.26), with K = LLᵀ:
///   μ(x*) = k*ᵀ α, α = K⁻¹ y;  σ²(x*) = k(x*, x*) − vᵀv, v = L⁻¹ k*,
/// and, since vᵀv = k*ᵀK⁻¹k* ≥ k_i² / K_ii for every training point i (K positive definite),
///   σ²(x*) ≤ σ_f² − max_i k_i² / max_i K_ii,
/// the bound of `predict_mean`.
/// Log marginal likelihood (eq. 2.30) and gradient (eq. 5.9):
///   log p(y|θ) = −½ yᵀα − Σ log L_ii − (n/2) log 2π,  ∂/∂θ_j = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ_j),
/// maximised over θ = (log ℓ_1..log ℓ_d, log σ_f², log σ_n²) inside a box by projected Adam,
/// from the previous θ, a fixed default and `n_restarts` seeded random starts.

#include "metalearn/core/cholesky.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/numeric.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"

#include <Eigen/Cholesky>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <numbers>
#include <vector>

namespace metalearn::hpo {

// ---------------------------------------------------------------------------- acquisition

/// Expected improvement of a Gaussian prediction N(mu, sigma²) over `best`, for maximisation
/// (Jones, Schonlau & Welch 1998, "Efficient global optimization of expensive black-box
/// functions", J. Global Optimization 13, eq. 15):
///   EI = (mu − best − xi) Φ(z) + sigma φ(z),  z = (mu − best − xi) / sigma,
/// and EI = max(mu − best − xi, 0) when sigma = 0.
/// @param mu predictive mean; @param sigma predictive standard deviation, ≥ 0 (negative is
///        treated as 0); @param best the incumbent; @param xi exploration margin, ≥ 0 (default 0).
/// @return EI ≥ 0 (0 for non-finite input). Complexity O(1).
[[nodiscard]] inline double expected_improvement(double mu, double sigma, double best, double xi = 0.0) noexcept {
    const double gain = mu - best - xi;
    if (!std::isfinite(gain) || !std::isfinite(sigma)) return 0.0;
    if (!(sigma > 0.0)) return std::max(gain, 0.0);
    const double z = gain / sigma;
    const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
    const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
    return std::max(gain * cdf + sigma * pdf, 0.0);
}

// ------------------------------------------------------------------------------ Surrogate

/// Scratch space of `Surrogate::predict_mean` and `Surrogate::predict_std`, owned by the caller
/// and reused from call to call: its buffers keep their capacity, so that repeated predictions of
/// the same size allocate nothing. What it holds is up to the surrogate that filled it.
struct PredictScratch {
    Matrix cross;  ///< `GaussianProcess`: the cross-covariances of the last `predict_mean` (m×n)
    Matrix work;   ///< `GaussianProcess`: the rows `predict_std` works on, gathered (n×4)
};

/// A regression model with a predictive mean and spread, as Bayesian optimisation needs.
///
/// The tuner calls `fit` with the encoded configurations (n×d, rows in [0, 1]^d) and their
/// standardised targets (n, mean 0, unit spread, residuals after the prior mean), then
/// `predict_mean` on blocks of m×d candidates and `predict_std` on the few rows whose expected
/// improvement can still matter (the same numbers as `predict`, which gives both for all rows).
/// `refit_hyperparameters` false asks the model to keep the hyperparameters of its previous fit
/// when it has any (models without hyperparameters ignore it); `seed` seeds every random choice
/// of this fit.
class Surrogate {
public:
    virtual ~Surrogate() = default;
    /// Fit on Z (n×d, n ≥ 1) and y (n, finite). @throws NumericalError when the fit fails.
    virtual void fit(const Matrix& Z, const Vector& y, bool refit_hyperparameters, std::uint64_t seed) = 0;
    /// Predictive mean and standard deviation (each m) at the rows of Z (m×d).
    virtual void predict(const Matrix& Z, Vector& mean, Vector& std) const = 0;
    /// The first half of a prediction that needs the standard deviation at a few rows only:
    /// the predictive mean (m, equal to `predict`'s) and an upper bound of the standard deviation
    /// (m, at least `predict`'s at every row) at the rows of Z (m×d); `scratch` keeps what
    /// `predict_std` needs. The default calls `predict`, so the bound is the standard deviation
    /// itself. @throws as `predict`.
    virtual void predict_mean(const Matrix& Z, Vector& mean, Vector& std_bound, PredictScratch& scratch) const {
        (void)scratch;
        predict(Z, mean, std_bound);
    }
    /// The second half: the standard deviation (resized to rows.size()) at the given rows of the
    /// Z of the last `predict_mean` that filled `scratch` and returned `std_bound` (m); equal to
    /// what `predict` gives at those rows of that Z, and never above `std_bound`. The default
    /// copies the bounds (exact after the default `predict_mean`).
    /// @throws DataError when a row is out of range.
    virtual void predict_std(PredictScratch& scratch, const Vector& std_bound, const std::vector<Index>& rows,
                             Vector& std) const {
        (void)scratch;
        std.resize(static_cast<Index>(rows.size()));
        for (std::size_t k = 0; k < rows.size(); ++k) {
            if (rows[k] < 0 || rows[k] >= std_bound.size())
                throw DataError(fmt::format("Surrogate::predict_std(): row {} out of range (expected 0 to {})", rows[k],
                                            std_bound.size() - 1));
            std[static_cast<Index>(k)] = std_bound[rows[k]];
        }
    }
};

/// Makes a fresh surrogate; a tuner calls it once and keeps the model between asks.
using SurrogateFactory = std::function<std::unique_ptr<Surrogate>()>;

// ------------------------------------------------------------------------ GaussianProcess

/// Settings of `GaussianProcess`; every field has a documented default.
struct GpOptions {
    int n_restarts = 2;          ///< random starts of the likelihood maximisation besides the default and previous θ, ≥ 0
    int max_iterations = 60;     ///< Adam steps (likelihood evaluations) per start, ≥ 1
    double min_length_scale = 0.01;  ///< box of each ℓ_k (encoded units; the unit cube has side 1), 0 < min < max
    double max_length_scale = 20.0;
    double min_signal_variance = 0.05;  ///< box of σ_f² (standardised targets), 0 < min < max
    double max_signal_variance = 20.0;
    double min_noise = 1e-6;     ///< box of σ_n² (standardised targets), 0 < min < max
    double max_noise = 0.5;
    double initial_length_scale = 0.3;  ///< default θ: every ℓ_k, σ_f² = 1, σ_n² = initial_noise
    double initial_noise = 1e-3;
    /// Hyperparameters are fitted on at most this many rows (a seeded random subset; predictions
    /// use every row), which bounds a refit's cost at O(max_fit_rows³) per likelihood
    /// evaluation. ≥ 3.
    Index max_fit_rows = 200;
};

/// GP regression with an ARD Matérn 5/2 kernel (see the file documentation for the formulas).
///
/// Inputs are used unscaled (the tuner gives encoded configurations in [0, 1]^d); targets as
/// given. Holds every training row: O(n³) to factorise, O(n²·d) memory-light kernel products.
class GaussianProcess {
public:
    /// @throws ConfigError when an option is out of range.
    explicit GaussianProcess(GpOptions options = {}) : o_(options) {
        if (o_.n_restarts < 0 || o_.max_iterations < 1 || !(o_.min_length_scale > 0) ||
            !(o_.min_length_scale < o_.max_length_scale) || !(o_.min_signal_variance > 0) ||
            !(o_.min_signal_variance < o_.max_signal_variance) || !(o_.min_noise > 0) || !(o_.min_noise < o_.max_noise) ||
            !(o_.initial_length_scale > 0) || !(o_.initial_noise > 0) || o_.max_fit_rows < 3)
            throw ConfigError("GaussianProcess::GaussianProcess(): invalid options (expected n_restarts >= 0, "
                              "max_iterations >= 1, 0 < min < max for every box, positive initial values, "
                              "max_fit_rows >= 3)");
    }

    [[nodiscard]] const GpOptions& options() const noexcept { return o_; }

    /// Set the hyperparameters (used by the next `fit` without optimisation).
    /// @param length_scales ℓ (d, each > 0); @param signal_variance σ_f² > 0;
    /// @param noise_variance σ_n² > 0. @throws ConfigError on a non-positive value.
    void set_hyperparameters(const Vector& length_scales, double signal_variance, double noise_variance) {
        if (length_scales.size() == 0 || !(length_scales.array() > 0).all() || !(signal_variance > 0) ||
            !(noise_variance > 0) || !length_scales.allFinite() || !std::isfinite(signal_variance) ||
            !std::isfinite(noise_variance))
            throw ConfigError("GaussianProcess::set_hyperparameters(): expected positive, finite values");
        theta_.resize(length_scales.size() + 2);
        theta_.head(length_scales.size()) = length_scales.array().log();
        theta_[length_scales.size()] = std::log(signal_variance);
        theta_[length_scales.size() + 1] = std::log(noise_variance);
    }

    /// Fit on X (n×d) and y (n).
    /// @param optimize maximise the marginal likelihood over θ (on at most `max_fit_rows` rows;
    ///        needs n ≥ 3; with fewer rows the
    ///        current θ, or the default one, is kept). When false, the hyperparameters of the
    ///        previous fit or `set_hyperparameters` are kept (the default θ when there are none
    ///        or d changed).
    /// @param seed seeds the random restarts.
    /// When X and the hyperparameters are those of the previous fit, its factorisation is kept
    /// and only K⁻¹y is recomputed (the same numbers as a new factorisation).
    /// @throws DataError on empty, mismatched or non-finite input; NumericalError when K is not
    ///         positive definite even with jitter (10⁻¹⁰ … 10⁻⁴ times its mean diagonal). After a
    ///         throw the GP is not fitted.
    /// Complexity O(n³ + n²d) without optimisation (O(n² + nd) when X and θ are unchanged), plus
    /// O(m³ + m²d), m = min(n, max_fit_rows), times the number of likelihood evaluations (up to
    /// (2 + n_restarts)·max_iterations) with it.
    void fit(const Matrix& X, const Vector& y, bool optimize = true, std::uint64_t seed = 0) {
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

    /// Predictive mean and standard deviation of the latent function (noise excluded) at the
    /// rows of Z (m×d); both m: `predict_mean`, then `predict_std` at every row.
    /// @throws NotFitted before `fit`; DataError on a wrong width. Complexity O(m·n·(n + d)).
    void predict(const Matrix& Z, Vector& mean, Vector& std) const {
        Matrix cross;
        Vector bound;
        predict_mean(Z, mean, bound, cross);
        std::vector<Index> rows(static_cast<std::size_t>(Z.rows()));
        for (Index i = 0; i < Z.rows(); ++i) rows[static_cast<std::size_t>(i)] = i;
        Matrix work;
        predict_std(cross, bound, rows, std, work);
    }

    /// Predictive mean μ (m) at the rows of Z (m×d), an upper bound of the standard deviation
    /// (m) and the cross-covariances k(z, x_i) (`cross`, m×n, resized) that `predict_std` needs.
    /// The bound uses one training point at a time: kᵀK⁻¹k ≥ k_i² / K_ii for a positive definite
    /// K, so σ² ≤ σ_f² − max_i k_i² / max_i K_ii, at no cost beyond the cross-covariances.
    /// @throws NotFitted before `fit`; DataError on a wrong width. Complexity O(m·n·d).
    void predict_mean(const Matrix& Z, Vector& mean, Vector& std_bound, Matrix& cross) const {
        if (!fitted_) throw NotFitted("GaussianProcess::predict(): call fit() first");
        if (Z.cols() != X_.cols())
            throw DataError(fmt::format("GaussianProcess::predict(): wrong width (expected {}, got {})", X_.cols(), Z.cols()));
        cross_kernel(Z, cross);  // m×n
        mean = cross * alpha_;
        const double sf2 = std::exp(theta_[X_.cols()]);
        std_bound = (sf2 - cross.rowwise().maxCoeff().array().square() / kdiag_max_).max(0.0).sqrt().matrix();
    }

    /// The standard deviation at the given rows of the Z of a `predict_mean` that returned
    /// `cross` (m×n) and `std_bound` (m): σ = min(√max(σ_f² − ‖L⁻¹k‖², 0), bound) (the bound holds
    /// exactly; the minimum only removes rounding), each row's ‖L⁻¹k‖² summed in a fixed order,
    /// so that a row's value does not depend on the rows computed with it. `std` is resized to
    /// rows.size(); `work` is scratch (resized to n×4).
    /// @throws NotFitted before `fit`; DataError when `cross` does not have n columns, the bound
    ///         m rows, or a row is out of range. Complexity O(n²) per row.
    void predict_std(const Matrix& cross, const Vector& std_bound, const std::vector<Index>& rows, Vector& std,
                     Matrix& work) const {
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

    /// Leave-one-out predictive mean and standard deviation at every training row (each n),
    /// noise included, in closed form from the fitted factorisation (Rasmussen & Williams 2006,
    /// eqs. 5.10–5.12): μ₋ᵢ = yᵢ − [K⁻¹y]ᵢ / [K⁻¹]ᵢᵢ, σ²₋ᵢ = 1 / [K⁻¹]ᵢᵢ, with the hyperparameters
    /// of the full fit. @throws NotFitted before `fit`. Complexity O(n²).
    void loo_predict(Vector& mean, Vector& std) const {
        if (!fitted_) throw NotFitted("GaussianProcess::loo_predict(): call fit() first");
        const Vector kinv_diag = Linv_.colwise().squaredNorm().transpose();  // K⁻¹ = L⁻ᵀL⁻¹
        mean = (y_.array() - alpha_.array() / kinv_diag.array()).matrix();
        std = kinv_diag.array().inverse().sqrt().matrix();
    }

    /// Log marginal likelihood at the fitted θ. @throws NotFitted before `fit`.
    [[nodiscard]] double log_marginal_likelihood() const {
        if (!fitted_) throw NotFitted("GaussianProcess::log_marginal_likelihood(): call fit() first");
        return lml_;
    }
    /// Length scales ℓ (d). Empty before the first fit or `set_hyperparameters`.
    [[nodiscard]] Vector length_scales() const {
        return theta_.size() < 2 ? Vector() : Vector(theta_.head(theta_.size() - 2).array().exp());
    }
    /// Signal variance σ_f² (NaN before the first fit).
    [[nodiscard]] double signal_variance() const {
        return theta_.size() < 2 ? std::numeric_limits<double>::quiet_NaN() : std::exp(theta_[theta_.size() - 2]);
    }
    /// Noise variance σ_n² (NaN before the first fit).
    [[nodiscard]] double noise_variance() const {
        return theta_.size() < 2 ? std::numeric_limits<double>::quiet_NaN() : std::exp(theta_[theta_.size() - 1]);
    }
    [[nodiscard]] bool is_fitted() const noexcept { return fitted_; }

    /// Negative log marginal likelihood and its gradient at θ on the training data of the last
    /// fit (exposed for gradient checks). @throws NumericalError when K is not positive definite.
    double nlml(const Vector& theta, Vector& grad) const {
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

private:
    [[nodiscard]] Vector default_theta(Index d) const {
        Vector t(d + 2);
        t.head(d).setConstant(std::log(o_.initial_length_scale));
        t[d] = 0.0;
        t[d + 1] = std::log(std::clamp(o_.initial_noise, o_.min_noise, o_.max_noise));
        return t;
    }

    void bounds(Vector& lb, Vector& ub) const {
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

    /// Minimise the negative log marginal likelihood over θ inside the box by projected Adam
    /// (Kingma & Ba 2015; step 0.1 in log units, β = (0.9, 0.999)) from the previous θ, the
    /// default θ and `n_restarts` seeded random points; keeps the best θ seen. A first-order
    /// method, chosen over L-BFGS-B for its small compile cost: the likelihood surface is smooth
    /// in log-θ and a few hundred evaluations reach its optimum to well within what expected
    /// improvement can tell apart.
    void optimize_theta(std::uint64_t seed) {
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

    [[nodiscard]] Matrix kernel_matrix(const Vector& theta, Matrix* R_out = nullptr) const {
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

    /// Matérn 5/2 correlation of scaled distances r ≥ 0, element-wise.
    [[nodiscard]] static Eigen::ArrayXXd matern52(const Eigen::ArrayXXd& r) {
        const double s5 = std::sqrt(5.0);
        return (1.0 + s5 * r + (5.0 / 3.0) * r.square()) * (-s5 * r).exp();
    }

    /// k(z, x_i) for the rows z of Z and the training rows x_i, into `out` (resized to m×n), in
    /// place: no m×n temporary. r² = ‖a‖² − 2aᵀb + ‖b‖² with a, b the rows scaled by 1/ℓ; the
    /// exponential by `exp_inplace` (within 2 units in the last place of std::exp).
    void cross_kernel(const Matrix& Z, Matrix& out) const {
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

    static constexpr std::size_t group = 4;  ///< rows per `quadratic_forms` call

    /// q_g = ‖L⁻¹ k_g‖² for the four columns k_g of W (n×4). Each v_j = Σ_{i ≤ j} (L⁻¹)_ji k_i is
    /// summed from i = 0 up (the zeros above the diagonal of L⁻¹ leave a sum unchanged), and q_g
    /// from j = 0 up: column g's result depends on k_g alone. Rows of L⁻¹ in tiles of four.
    void quadratic_forms(const Matrix& W, double* q) const {
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

    /// Factorise K at θ (kept when `same_rows` and θ is the one of the last factorisation),
    /// then α = K⁻¹y and the log marginal likelihood.
    void factorize(bool same_rows) {
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

    GpOptions o_;
    Matrix X_;
    Vector y_;
    Vector theta_;  ///< (log ℓ_1..log ℓ_d, log σ_f², log σ_n²); empty before the first fit
    Vector factor_theta_;    ///< θ of the factorisation below (empty: none valid)
    /// Cholesky factorisation of the training covariance K (n×n). Initialised on a 0×0 matrix:
    /// a default-constructed Eigen::LLT leaves its status unset, and copying it (a GP copied
    /// before its first fit) would read an indeterminate value.
    Eigen::LLT<Matrix> llt_{Matrix(0, 0)};
    double kdiag_max_ = 1.0;  ///< largest diagonal entry of K as factorised
    Matrix Linv_;  ///< L⁻¹ (n×n, lower triangular, zeros above the diagonal)
    RowVector inv_l_;  ///< 1/ℓ (d)
    Matrix B_;     ///< training rows scaled by 1/ℓ (n×d)
    Vector b2_;    ///< their squared norms (n)
    Vector alpha_;
    double lml_ = 0.0;
    bool fitted_ = false;
};

/// `GaussianProcess` as a tuner `Surrogate`: hyperparameters refitted when the tuner asks for
/// it, kept otherwise.
class GpSurrogate final : public Surrogate {
public:
    /// @throws ConfigError as `GaussianProcess`.
    explicit GpSurrogate(GpOptions options = {}) : gp_(options) {}
    void fit(const Matrix& Z, const Vector& y, bool refit_hyperparameters, std::uint64_t seed) override {
        const bool optimize = refit_hyperparameters || !optimized_;
        gp_.fit(Z, y, optimize, seed);
        if (optimize && Z.rows() >= 3) optimized_ = true;
    }
    void predict(const Matrix& Z, Vector& mean, Vector& std) const override { gp_.predict(Z, mean, std); }
    /// `GaussianProcess::predict_mean` (the single-point bound of the standard deviation).
    void predict_mean(const Matrix& Z, Vector& mean, Vector& std_bound, PredictScratch& scratch) const override {
        gp_.predict_mean(Z, mean, std_bound, scratch.cross);
    }
    /// `GaussianProcess::predict_std` on the cross-covariances kept by `predict_mean`.
    void predict_std(PredictScratch& scratch, const Vector& std_bound, const std::vector<Index>& rows,
                     Vector& std) const override {
        gp_.predict_std(scratch.cross, std_bound, rows, std, scratch.work);
    }
    /// The underlying GP (its fitted hyperparameters).
    [[nodiscard]] const GaussianProcess& gp() const noexcept { return gp_; }

private:
    GaussianProcess gp_;
    bool optimized_ = false;  ///< θ has been optimised at least once
};

/// A factory of `GpSurrogate`s for `TunerOptions::surrogate` (the tuner's default surrogate).
/// @throws ConfigError when `options` is invalid (checked here, not at the first ask).
[[nodiscard]] inline SurrogateFactory gp_surrogate(GpOptions options = {}) {
    GaussianProcess check(options);
    return [options] { return std::make_unique<GpSurrogate>(options); };
}

}  // namespace metalearn::hpo
