#pragma once
/// @file naive_bayes.hpp
/// @brief `GaussianNaiveBayes`: class-conditional independent normal features.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/numeric.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/detail/validation.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <string_view>
#include <vector>

namespace metalearn::models {

/// Gaussian naive Bayes classifier.
///
/// Each feature is modelled per class as N(θ_kj, σ²_kj) with the class mean and the population
/// variance; class priors are the training frequencies. As in scikit-learn's `GaussianNB`
/// (Chan, Golub & LeVeque 1983 variances; `var_smoothing`), ε = var_smoothing · max_j Var(X_j)
/// is added to every variance for stability; when every column of X is constant, ε =
/// var_smoothing (so constant columns never give a zero variance or NaN).
///
/// A class declared but absent from training has prior 0 and gets probability 0. Works with a
/// single class present (it then predicts that class with probability 1).
///
/// Fit O(n·p); predict O(m·K·p).
class GaussianNaiveBayes {
public:
    /// Hyperparameters; defaults are scikit-learn 1.2's `GaussianNB`.
    struct params_type {
        double var_smoothing = 1e-9;  ///< > 0: fraction of the largest feature variance added to all variances.
    };

    static constexpr std::string_view name = "gaussian_nb";

    GaussianNaiveBayes() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit GaussianNaiveBayes(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError when var_smoothing is not finite and > 0.
    void set_params(const params_type& p);
    [[nodiscard]] params_type params() const { return params_; }

    /// Fit with K = max(y) + 1 classes. See `fit(X, y, n_classes)`.
    void fit(const MatrixRef& X, const VectorRef& y) { fit(X, y, 0); }

    /// Fit class means, variances and priors.
    /// @param X n×p finite features.
    /// @param y n class codes in [0, n_classes).
    /// @param n_classes declared K (≤ 0: max(y) + 1).
    /// @throws DataError on empty data, shape mismatch, non-finite values, bad labels;
    ///         NumericalError when a class mean or variance overflows double range (|x| near 1e154
    ///         and beyond); the model is then not fitted.
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes);

    /// Class probabilities (m×K, rows sum to 1; absent classes 0).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    /// @throws NumericalError when a row's likelihood underflows to 0 under every class (a row
    /// far from every class mean, relative to the class variances): its posterior is undefined.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const;

    /// Most probable class per row (m), lowest code on ties.
    /// @throws as predict_proba.
    [[nodiscard]] Vector predict(const MatrixRef& X) const;

    /// Unnormalised log posterior log π_k + Σ_j log N(x_j; θ_kj, σ²_kj) (m×K; −inf for absent classes).
    [[nodiscard]] Matrix joint_log_likelihood(const MatrixRef& X,
                                              std::string_view where = "GaussianNaiveBayes::joint_log_likelihood()") const;

    [[nodiscard]] bool is_fitted() const { return fitted_; }
    /// Declared number of classes K.
    [[nodiscard]] Index n_classes() const { return theta_.rows(); }
    /// Per-class feature means θ (K×p; zeros for absent classes).
    [[nodiscard]] const Matrix& theta() const { return theta_; }
    /// Per-class feature variances σ² including ε (K×p).
    [[nodiscard]] const Matrix& var() const { return var_; }
    /// Class priors (K, training frequencies).
    [[nodiscard]] const Vector& class_prior() const { return prior_; }
    /// The ε added to every variance.
    [[nodiscard]] double epsilon() const { return epsilon_; }

    /// Declared search space: var_smoothing log-uniform in [1e-12, 1].
    static hpo::SearchSpace<params_type> search_space();

private:
    // joint_log_likelihood, refusing rows where every class has log-likelihood −∞
    [[nodiscard]] Matrix defined_log_likelihood(const MatrixRef& X, std::string_view where) const;

    params_type params_{};
    Matrix theta_;
    Matrix var_;
    Vector prior_;
    double epsilon_ = 0.0;
    bool fitted_ = false;
};

static_assert(Classifier<GaussianNaiveBayes>);

}  // namespace metalearn::models

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/models/naive_bayes_impl.hpp"
#endif

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library's instances for the bundled models (core/compiled_instances.hpp).
#define METALEARN_DECLARES_NAIVE_BAYES
#include "metalearn/core/compiled_instances.hpp"
#endif
