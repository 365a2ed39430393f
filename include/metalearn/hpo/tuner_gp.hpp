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

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
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
    explicit GaussianProcess(GpOptions options = {});

    [[nodiscard]] const GpOptions& options() const noexcept { return o_; }

    /// Set the hyperparameters (used by the next `fit` without optimisation).
    /// @param length_scales ℓ (d, each > 0); @param signal_variance σ_f² > 0;
    /// @param noise_variance σ_n² > 0. @throws ConfigError on a non-positive value.
    void set_hyperparameters(const Vector& length_scales, double signal_variance, double noise_variance);

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
    void fit(const Matrix& X, const Vector& y, bool optimize = true, std::uint64_t seed = 0);

    /// Predictive mean and standard deviation of the latent function (noise excluded) at the
    /// rows of Z (m×d); both m: `predict_mean`, then `predict_std` at every row.
    /// @throws NotFitted before `fit`; DataError on a wrong width. Complexity O(m·n·(n + d)).
    void predict(const Matrix& Z, Vector& mean, Vector& std) const;

    /// Predictive mean μ (m) at the rows of Z (m×d), an upper bound of the standard deviation
    /// (m) and the cross-covariances k(z, x_i) (`cross`, m×n, resized) that `predict_std` needs.
    /// The bound uses one training point at a time: kᵀK⁻¹k ≥ k_i² / K_ii for a positive definite
    /// K, so σ² ≤ σ_f² − max_i k_i² / max_i K_ii, at no cost beyond the cross-covariances.
    /// @throws NotFitted before `fit`; DataError on a wrong width. Complexity O(m·n·d).
    void predict_mean(const Matrix& Z, Vector& mean, Vector& std_bound, Matrix& cross) const;

    /// The standard deviation at the given rows of the Z of a `predict_mean` that returned
    /// `cross` (m×n) and `std_bound` (m): σ = min(√max(σ_f² − ‖L⁻¹k‖², 0), bound) (the bound holds
    /// exactly; the minimum only removes rounding), each row's ‖L⁻¹k‖² summed in a fixed order,
    /// so that a row's value does not depend on the rows computed with it. `std` is resized to
    /// rows.size(); `work` is scratch (resized to n×4).
    /// @throws NotFitted before `fit`; DataError when `cross` does not have n columns, the bound
    ///         m rows, or a row is out of range. Complexity O(n²) per row.
    void predict_std(const Matrix& cross, const Vector& std_bound, const std::vector<Index>& rows, Vector& std,
                     Matrix& work) const;

    /// Leave-one-out predictive mean and standard deviation at every training row (each n),
    /// noise included, in closed form from the fitted factorisation (Rasmussen & Williams 2006,
    /// eqs. 5.10–5.12): μ₋ᵢ = yᵢ − [K⁻¹y]ᵢ / [K⁻¹]ᵢᵢ, σ²₋ᵢ = 1 / [K⁻¹]ᵢᵢ, with the hyperparameters
    /// of the full fit. @throws NotFitted before `fit`. Complexity O(n²).
    void loo_predict(Vector& mean, Vector& std) const;

    /// Log marginal likelihood at the fitted θ. @throws NotFitted before `fit`.
    [[nodiscard]] double log_marginal_likelihood() const;
    /// Length scales ℓ (d). Empty before the first fit or `set_hyperparameters`.
    [[nodiscard]] Vector length_scales() const;
    /// Signal variance σ_f² (NaN before the first fit).
    [[nodiscard]] double signal_variance() const;
    /// Noise variance σ_n² (NaN before the first fit).
    [[nodiscard]] double noise_variance() const;
    [[nodiscard]] bool is_fitted() const noexcept { return fitted_; }

    /// Negative log marginal likelihood and its gradient at θ on the training data of the last
    /// fit (exposed for gradient checks). @throws NumericalError when K is not positive definite.
    double nlml(const Vector& theta, Vector& grad) const;

private:
    [[nodiscard]] Vector default_theta(Index d) const;

    void bounds(Vector& lb, Vector& ub) const;

    /// Minimise the negative log marginal likelihood over θ inside the box by projected Adam
    /// (Kingma & Ba 2015; step 0.1 in log units, β = (0.9, 0.999)) from the previous θ, the
    /// default θ and `n_restarts` seeded random points; keeps the best θ seen. A first-order
    /// method, chosen over L-BFGS-B for its small compile cost: the likelihood surface is smooth
    /// in log-θ and a few hundred evaluations reach its optimum to well within what expected
    /// improvement can tell apart.
    void optimize_theta(std::uint64_t seed);

    [[nodiscard]] Matrix kernel_matrix(const Vector& theta, Matrix* R_out = nullptr) const;

    /// Matérn 5/2 correlation of scaled distances r ≥ 0, element-wise.
    [[nodiscard]] static Eigen::ArrayXXd matern52(const Eigen::ArrayXXd& r);

    /// k(z, x_i) for the rows z of Z and the training rows x_i, into `out` (resized to m×n), in
    /// place: no m×n temporary. r² = ‖a‖² − 2aᵀb + ‖b‖² with a, b the rows scaled by 1/ℓ; the
    /// exponential by `exp_inplace` (within 2 units in the last place of std::exp).
    void cross_kernel(const Matrix& Z, Matrix& out) const;

    static constexpr std::size_t group = 4;  ///< rows per `quadratic_forms` call

    /// q_g = ‖L⁻¹ k_g‖² for the four columns k_g of W (n×4). Each v_j = Σ_{i ≤ j} (L⁻¹)_ji k_i is
    /// summed from i = 0 up (the zeros above the diagonal of L⁻¹ leave a sum unchanged), and q_g
    /// from j = 0 up: column g's result depends on k_g alone. Rows of L⁻¹ in tiles of four.
    void quadratic_forms(const Matrix& W, double* q) const;

    /// Factorise K at θ (kept when `same_rows` and θ is the one of the last factorisation),
    /// then α = K⁻¹y and the log marginal likelihood.
    void factorize(bool same_rows);

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
    void fit(const Matrix& Z, const Vector& y, bool refit_hyperparameters, std::uint64_t seed) override;
    void predict(const Matrix& Z, Vector& mean, Vector& std) const override { gp_.predict(Z, mean, std); }
    /// `GaussianProcess::predict_mean` (the single-point bound of the standard deviation).
    void predict_mean(const Matrix& Z, Vector& mean, Vector& std_bound, PredictScratch& scratch) const override;
    /// `GaussianProcess::predict_std` on the cross-covariances kept by `predict_mean`.
    void predict_std(PredictScratch& scratch, const Vector& std_bound, const std::vector<Index>& rows,
                     Vector& std) const override;
    /// The underlying GP (its fitted hyperparameters).
    [[nodiscard]] const GaussianProcess& gp() const noexcept { return gp_; }

private:
    GaussianProcess gp_;
    bool optimized_ = false;  ///< θ has been optimised at least once
};

/// A factory of `GpSurrogate`s for `TunerOptions::surrogate` (the tuner's default surrogate).
/// @throws ConfigError when `options` is invalid (checked here, not at the first ask).
[[nodiscard]] SurrogateFactory gp_surrogate(GpOptions options = {});

}  // namespace metalearn::hpo

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/hpo/tuner_gp_impl.hpp"
#endif
