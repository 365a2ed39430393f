#pragma once
/// @file naive_bayes.hpp
/// @brief `GaussianNaiveBayes`: class-conditional independent normal features.

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
    void set_params(const params_type& p) {
        if (!(p.var_smoothing > 0.0) || !std::isfinite(p.var_smoothing))
            throw ConfigError(fmt::format(
                "GaussianNaiveBayes::set_params(): var_smoothing out of range (expected finite > 0, got {})",
                p.var_smoothing));
        params_ = p;
        fitted_ = false;
    }
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
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes) {
        constexpr std::string_view where = "GaussianNaiveBayes::fit()";
        detail::check_xy(where, X, y);
        fitted_ = false;  // a failed fit leaves no half-fitted model
        Index k = 0;
        const auto codes = detail::class_codes(where, y, n_classes, k);
        const Index n = X.rows();
        const Index p = X.cols();
        const Vector counts = detail::class_counts(codes, k);
        theta_ = Matrix::Zero(k, p);
        var_ = Matrix::Ones(k, p);
        // Per column, the class sums of x and then of (x − mean)²: two passes over X and no copy
        // of its rows (copying each class's rows cost more than the sums on large data).
        const auto K = static_cast<std::size_t>(k);
        const auto code = [&](Index i) { return static_cast<std::size_t>(codes[static_cast<std::size_t>(i)]); };
        std::vector<double> sums(K);
        const auto class_means = [&](Matrix& out, Index j, auto value) {  // out(c, j) = class c's mean of value
            sum_by_slot(n, K, code, value, sums.data());
            for (Index c = 0; c < k; ++c)
                if (counts[c] > 0) out(c, j) = sums[static_cast<std::size_t>(c)] / counts[c];
        };
        for (Index j = 0; j < p; ++j) {
            class_means(theta_, j, [&](Index i) { return X(i, j); });
            class_means(var_, j, [&](Index i) {
                const double d = X(i, j) - theta_(codes[static_cast<std::size_t>(i)], j);
                return d * d;
            });
        }
        double max_var = 0.0;
        for (Index j = 0; j < p; ++j) {
            const double mean = X.col(j).mean();
            max_var = std::max(max_var, (X.col(j).array() - mean).square().sum() / static_cast<double>(n));
        }
        epsilon_ = max_var > 0.0 ? params_.var_smoothing * max_var : params_.var_smoothing;
        var_.array() += epsilon_;
        for (Index j = 0; j < p; ++j)
            for (Index c = 0; c < k; ++c)
                if (!std::isfinite(theta_(c, j)) || !std::isfinite(var_(c, j)))
                    throw NumericalError(fmt::format(
                        "{}: the {} of class {} on column {} overflows in double precision (the column's values "
                        "reach {:g}); rescale the features, e.g. with data::StandardScaler",
                        where, std::isfinite(theta_(c, j)) ? "variance" : "mean", c, j, X.col(j).cwiseAbs().maxCoeff()));
        prior_ = counts / static_cast<double>(n);
        fitted_ = true;
    }

    /// Class probabilities (m×K, rows sum to 1; absent classes 0).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    /// @throws NumericalError when a row's likelihood underflows to 0 under every class (a row
    /// far from every class mean, relative to the class variances): its posterior is undefined.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const {
        Matrix s = defined_log_likelihood(X, "GaussianNaiveBayes::predict_proba()");
        detail::softmax_rows(s);
        return s;
    }

    /// Most probable class per row (m), lowest code on ties.
    /// @throws as predict_proba.
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        return detail::argmax_rows(defined_log_likelihood(X, "GaussianNaiveBayes::predict()"));
    }

    /// Unnormalised log posterior log π_k + Σ_j log N(x_j; θ_kj, σ²_kj) (m×K; −inf for absent classes).
    [[nodiscard]] Matrix joint_log_likelihood(const MatrixRef& X,
                                              std::string_view where = "GaussianNaiveBayes::joint_log_likelihood()") const {
        detail::require_fitted(where, fitted_);
        detail::check_predict_x(where, X, theta_.cols());
        const Index m = X.rows();
        const Index k = theta_.rows();
        Matrix out(m, k);
        constexpr double log_2pi = 1.8378770664093454836;  // log(2π)
        for (Index c = 0; c < k; ++c) {
            if (prior_[c] <= 0.0) {
                out.col(c).setConstant(-std::numeric_limits<double>::infinity());
                continue;
            }
            const double norm = -0.5 * (var_.row(c).array().log() + log_2pi).sum() + std::log(prior_[c]);
            Eigen::ArrayXd acc = Eigen::ArrayXd::Zero(m);
            for (Index j = 0; j < X.cols(); ++j) {
                const double inv = 1.0 / var_(c, j);
                acc += (X.col(j).array() - theta_(c, j)).square() * inv;
            }
            out.col(c) = (norm - 0.5 * acc).matrix();
        }
        return out;
    }

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
    static hpo::SearchSpace<params_type> search_space() {
        return hpo::SearchSpace<params_type>().add("var_smoothing", &params_type::var_smoothing,
                                                   hpo::log_uniform(1e-12, 1.0));
    }

private:
    // joint_log_likelihood, refusing rows where every class has log-likelihood −∞
    [[nodiscard]] Matrix defined_log_likelihood(const MatrixRef& X, std::string_view where) const {
        Matrix s = joint_log_likelihood(X, where);
        for (Index i = 0; i < s.rows(); ++i)
            if (!(s.row(i).maxCoeff() > -std::numeric_limits<double>::infinity()))
                throw NumericalError(fmt::format(
                    "{}: row {} has likelihood 0 in double precision under every class (it lies too far from every "
                    "class mean for the class variances); its class probabilities are undefined",
                    where, i));
        return s;
    }

    params_type params_{};
    Matrix theta_;
    Matrix var_;
    Vector prior_;
    double epsilon_ = 0.0;
    bool fitted_ = false;
};

static_assert(Classifier<GaussianNaiveBayes>);

}  // namespace metalearn::models
