#pragma once
/// @file gaussian_process.hpp
/// @brief `GaussianProcessMetaModel`: GP regression with an ARD Matérn 5/2 kernel and Gaussian
/// noise; hyperparameters by maximising the log marginal likelihood (L-BFGS-B, restarts).
///
/// Model (Rasmussen & Williams 2006, "Gaussian Processes for Machine Learning"): inputs and
/// targets are standardised; with r² = Σ_k (z_k − z'_k)² / ℓ_k²,
///   k(z, z') = σ_f² (1 + √5 r + 5r²/3) exp(−√5 r)                      (R&W eq. 4.17, ν = 5/2)
/// plus σ_n² on the diagonal. Predictive mean and variance (R&W Algorithm 2.1, eqs. 2.25–2.26):
///   μ(z*) = k*ᵀ α, α = K⁻¹ y;  σ²(z*) = k(z*, z*) − vᵀv, v = L⁻¹ k*  (latent f, noise excluded).
/// Log marginal likelihood (eq. 2.30) and its gradient (eq. 5.9):
///   log p(y|θ) = −½ yᵀα − Σ log L_ii − (n/2) log 2π,
///   ∂/∂θ_j log p = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ_j),
/// maximised over θ = (log ℓ_1..log ℓ_d, log σ_f², log σ_n²) inside a box, from a fixed start
/// and `n_restarts` random starts (seeded). Every Cholesky factorisation's `info()` is checked;
/// a failure is retried with growing jitter (10⁻¹⁰ … 10⁻⁴ times the mean diagonal) and then
/// reported as `NumericalError`.
///
/// Cost: O(n³ + n² d) per likelihood evaluation, so at most `max_samples` rows (a seeded random
/// subset) are used when more are given.

#include "metalearn/core/cholesky.hpp"
#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/meta/meta_model.hpp"

#include <Eigen/Cholesky>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <vector>

namespace metalearn::meta {

/// Hyperparameters of `GaussianProcessMetaModel` (all have defaults).
struct GaussianProcessParams {
    int n_restarts = 2;              ///< random restarts of the likelihood optimisation (≥ 0)
    int max_iterations = 60;         ///< L-BFGS-B iterations per start (≥ 1)
    Index max_samples = 400;         ///< at most this many training rows (seeded subset), ≥ 2
    double min_noise = 1e-6;         ///< lower bound of σ_n² on standardised targets (> 0)
    bool optimize = true;            ///< false: keep the initial θ (ℓ = √d, σ_f² = 1, σ_n² = 0.01)
    std::uint64_t seed = 0;          ///< seeds the restarts and the subset
};

/// GP regression meta-model with an ARD Matérn 5/2 kernel; see the file documentation.
class GaussianProcessMetaModel {
public:
    using params_type = GaussianProcessParams;

    /// @throws ConfigError for invalid parameters.
    explicit GaussianProcessMetaModel(params_type p = {});

    [[nodiscard]] const params_type& params() const noexcept { return p_; }

    /// Fit on Z n×d and scores s (n). Optimises θ unless `optimize` is false.
    /// @throws DataError on empty/non-finite/mismatched input; NumericalError when K stays
    ///         indefinite even with jitter.
    void fit(const MatrixRef& Z, const VectorRef& s);

    /// Predictive mean, m×d → m. @throws NotFitted, DataError (wrong width, non-finite).
    [[nodiscard]] Vector predict(const MatrixRef& Z) const;

    /// Predictive standard deviation of the latent function (noise excluded), m×d → m, ≥ 0.
    [[nodiscard]] Vector predict_std(const MatrixRef& Z) const;

    /// Log marginal likelihood of the (standardised) training targets at the fitted θ.
    [[nodiscard]] double log_marginal_likelihood() const {
        if (!fitted_) throw NotFitted("GaussianProcessMetaModel::log_marginal_likelihood(): call fit() first");
        return lml_;
    }

    /// Length scales ℓ (d), in standardised input units.
    [[nodiscard]] Vector length_scales() const { return theta_.head(X_.cols()).array().exp(); }
    /// Signal variance σ_f² (standardised target units).
    [[nodiscard]] double signal_variance() const { return std::exp(theta_[X_.cols()]); }
    /// Noise variance σ_n² (standardised target units).
    [[nodiscard]] double noise_variance() const { return std::exp(theta_[X_.cols() + 1]); }
    [[nodiscard]] bool is_fitted() const noexcept { return fitted_; }

    /// Negative log marginal likelihood and its gradient at θ on the current training data
    /// (exposed for gradient checks). @throws NumericalError when K is not positive definite.
    double nlml(const Vector& theta, Vector& grad) const;

    [[nodiscard]] nlohmann::json to_json() const;

    /// @throws ConfigError when `j` is not a saved GP meta-model.
    static GaussianProcessMetaModel from_json(const nlohmann::json& j);

private:
    [[nodiscard]] Vector initial_theta(Index d) const;

    void bounds(Vector& lb, Vector& ub) const;

    void optimize_theta();

    [[nodiscard]] static double matern52(double r) {
        const double s5 = std::sqrt(5.0);
        return (1.0 + s5 * r + 5.0 * r * r / 3.0) * std::exp(-s5 * r);
    }

    [[nodiscard]] Matrix kernel_matrix(const Vector& theta) const;

    [[nodiscard]] Matrix cross_kernel(const Matrix& Zs) const;


    void factorize();

    params_type p_;
    detail::Standardizer xs_;
    detail::TargetScaler ys_;
    Matrix X_;
    Vector y_;
    Vector theta_;
    Matrix chol_L_;  ///< lower Cholesky factor of K + noise (n×n); a plain matrix, so copies are always valid
    Vector alpha_;
    double lml_ = 0.0;
    bool fitted_ = false;
};

static_assert(MetaModelWithStd<GaussianProcessMetaModel>);

}  // namespace metalearn::meta

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/meta/gaussian_process_impl.hpp"
#endif
