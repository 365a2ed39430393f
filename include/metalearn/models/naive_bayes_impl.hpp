#pragma once
/// @file naive_bayes_impl.hpp
/// @brief Bodies of `GaussianNaiveBayes` (see naive_bayes.hpp). Included by that header in
/// header-only mode; compiled into the library in compiled mode (core/config.hpp).

#include "metalearn/models/naive_bayes.hpp"
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

METALEARN_INLINE void GaussianNaiveBayes::set_params(const params_type& p) {
    if (!(p.var_smoothing > 0.0) || !std::isfinite(p.var_smoothing))
        throw ConfigError(fmt::format(
            "GaussianNaiveBayes::set_params(): var_smoothing out of range (expected finite > 0, got {})",
            p.var_smoothing));
    params_ = p;
    fitted_ = false;
}

METALEARN_INLINE void GaussianNaiveBayes::fit(const MatrixRef& X, const VectorRef& y, Index n_classes) {
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

METALEARN_INLINE Matrix GaussianNaiveBayes::predict_proba(const MatrixRef& X) const {
    Matrix s = defined_log_likelihood(X, "GaussianNaiveBayes::predict_proba()");
    detail::softmax_rows(s);
    return s;
}

METALEARN_INLINE Vector GaussianNaiveBayes::predict(const MatrixRef& X) const {
    return detail::argmax_rows(defined_log_likelihood(X, "GaussianNaiveBayes::predict()"));
}

METALEARN_INLINE Matrix GaussianNaiveBayes::joint_log_likelihood(const MatrixRef& X, std::string_view where) const {
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

METALEARN_INLINE hpo::SearchSpace<GaussianNaiveBayes::params_type> GaussianNaiveBayes::search_space() {
    return hpo::SearchSpace<params_type>().add("var_smoothing", &params_type::var_smoothing,
                                               hpo::log_uniform(1e-12, 1.0));
}

METALEARN_INLINE Matrix GaussianNaiveBayes::defined_log_likelihood(const MatrixRef& X, std::string_view where) const {
    Matrix s = joint_log_likelihood(X, where);
    for (Index i = 0; i < s.rows(); ++i)
        if (!(s.row(i).maxCoeff() > -std::numeric_limits<double>::infinity()))
            throw NumericalError(fmt::format(
                "{}: row {} has likelihood 0 in double precision under every class (it lies too far from every "
                "class mean for the class variances); its class probabilities are undefined",
                where, i));
    return s;
}

}  // namespace metalearn::models
