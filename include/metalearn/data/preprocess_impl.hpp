#pragma once
/// @file preprocess_impl.hpp
/// @brief Bodies of preprocess.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/data/preprocess.hpp"

namespace metalearn::data::detail {

METALEARN_INLINE void check_width(const char* where, Index expected, Index got) {
    if (expected != got)
        throw DataError(fmt::format("{}: wrong number of columns (expected {}, got {})", where, expected, got));
}

METALEARN_INLINE void check_no_inf(const char* where, const MatrixRef& X) {
    for (Index j = 0; j < X.cols(); ++j)
        for (Index i = 0; i < X.rows(); ++i)
            if (std::isinf(X(i, j)))
                throw DataError(fmt::format("{}: infinite value at row {}, column {} (expected finite or NaN)", where,
                                            i, j));
}

METALEARN_INLINE void check_features(const char* where, const MatrixRef& X, const std::vector<FeatureInfo>& features) {
    check_width(where, static_cast<Index>(features.size()), X.cols());
    if (X.rows() == 0) throw DataError(fmt::format("{}: no rows to fit on (expected n >= 1, got 0)", where));
    check_no_inf(where, X);
}

}  // namespace metalearn::data::detail

namespace metalearn::data {

METALEARN_INLINE void SimpleImputer::fit(const MatrixRef& X, const std::vector<FeatureInfo>& features) {
    detail::check_features("SimpleImputer::fit()", X, features);
    fill_.resize(X.cols());
    std::vector<double> values;
    for (Index j = 0; j < X.cols(); ++j) {
        values.clear();
        for (Index i = 0; i < X.rows(); ++i)
            if (!std::isnan(X(i, j))) values.push_back(X(i, j));
        if (values.empty()) {
            fill_[j] = 0.0;
            continue;
        }
        std::sort(values.begin(), values.end());
        if (features[static_cast<std::size_t>(j)].is_nominal()) {
            double best = values.front();
            std::size_t best_count = 0;
            for (std::size_t a = 0; a < values.size();) {
                std::size_t b = a;
                while (b < values.size() && values[b] == values[a]) ++b;
                if (b - a > best_count) {
                    best_count = b - a;
                    best = values[a];
                }
                a = b;
            }
            fill_[j] = best;
        } else {
            const std::size_t m = values.size();
            fill_[j] = m % 2 == 1 ? values[m / 2] : 0.5 * (values[m / 2 - 1] + values[m / 2]);
        }
    }
    fitted_ = true;
}

METALEARN_INLINE Matrix SimpleImputer::transform(const MatrixRef& X) const {
    if (!fitted_) throw NotFitted("SimpleImputer::transform(): call fit() first");
    detail::check_width("SimpleImputer::transform()", fill_.size(), X.cols());
    detail::check_no_inf("SimpleImputer::transform()", X);
    Matrix out = X;
    for (Index j = 0; j < out.cols(); ++j)
        for (Index i = 0; i < out.rows(); ++i)
            if (std::isnan(out(i, j))) out(i, j) = fill_[j];
    return out;
}

METALEARN_INLINE const Vector& SimpleImputer::fill_values() const {
    if (!fitted_) throw NotFitted("SimpleImputer::fill_values(): call fit() first");
    return fill_;
}

}  // namespace metalearn::data

namespace metalearn::data {

METALEARN_INLINE void OneHotEncoder::fit(const std::vector<FeatureInfo>& features) {
    features_ = features;
    n_out_ = 0;
    for (const auto& f : features_) n_out_ += f.is_nominal() ? static_cast<Index>(f.categories.size()) : 1;
    fitted_ = true;
}

METALEARN_INLINE Matrix OneHotEncoder::transform(const MatrixRef& X) const {
    if (!fitted_) throw NotFitted("OneHotEncoder::transform(): call fit() first");
    detail::check_width("OneHotEncoder::transform()", static_cast<Index>(features_.size()), X.cols());
    Matrix out = Matrix::Zero(X.rows(), n_out_);
    Index col = 0;
    for (std::size_t j = 0; j < features_.size(); ++j) {
        const auto& f = features_[j];
        const auto jj = static_cast<Index>(j);
        if (!f.is_nominal()) {
            out.col(col++) = X.col(jj);
            continue;
        }
        const auto K = static_cast<Index>(f.categories.size());
        for (Index i = 0; i < X.rows(); ++i) {
            const double v = X(i, jj);
            if (std::isnan(v) || v < 0 || v >= static_cast<double>(K) || v != std::floor(v)) continue;
            out(i, col + static_cast<Index>(v)) = 1.0;
        }
        col += K;
    }
    return out;
}

METALEARN_INLINE Index OneHotEncoder::n_output_features() const {
    if (!fitted_) throw NotFitted("OneHotEncoder::n_output_features(): call fit() first");
    return n_out_;
}

METALEARN_INLINE std::vector<std::string> OneHotEncoder::output_names() const {
    if (!fitted_) throw NotFitted("OneHotEncoder::output_names(): call fit() first");
    std::vector<std::string> names;
    for (const auto& f : features_) {
        if (!f.is_nominal()) names.push_back(f.name);
        else
            for (const auto& c : f.categories) names.push_back(f.name + "=" + c);
    }
    return names;
}

METALEARN_INLINE std::vector<bool> OneHotEncoder::is_indicator() const {
    if (!fitted_) throw NotFitted("OneHotEncoder::is_indicator(): call fit() first");
    std::vector<bool> out;
    for (const auto& f : features_) {
        if (!f.is_nominal()) out.push_back(false);
        else out.insert(out.end(), f.categories.size(), true);
    }
    return out;
}

}  // namespace metalearn::data

namespace metalearn::data {

METALEARN_INLINE void StandardScaler::fit(const MatrixRef& X, const std::vector<bool>& skip) {
    constexpr const char* where = "StandardScaler::fit()";
    if (X.rows() == 0) throw DataError(fmt::format("{}: no rows to fit on (expected n >= 1, got 0)", where));
    if (!skip.empty()) detail::check_width(where, static_cast<Index>(skip.size()), X.cols());
    detail::check_no_inf(where, X);
    mean_ = Vector::Zero(X.cols());
    scale_ = Vector::Ones(X.cols());
    for (Index j = 0; j < X.cols(); ++j) {
        if (!skip.empty() && skip[static_cast<std::size_t>(j)]) continue;
        double sum = 0.0;
        Index count = 0;
        for (Index i = 0; i < X.rows(); ++i)
            if (!std::isnan(X(i, j))) {
                sum += X(i, j);
                ++count;
            }
        if (count == 0) continue;
        const double mean = sum / static_cast<double>(count);
        double ss = 0.0;
        for (Index i = 0; i < X.rows(); ++i)
            if (!std::isnan(X(i, j))) ss += (X(i, j) - mean) * (X(i, j) - mean);
        const double sd = std::sqrt(ss / static_cast<double>(count));
        mean_[j] = mean;
        // Treat a spread at rounding level as constant.
        scale_[j] = sd > 1e-12 * std::max(1.0, std::abs(mean)) ? sd : 1.0;
    }
    fitted_ = true;
}

METALEARN_INLINE Matrix StandardScaler::transform(const MatrixRef& X) const {
    if (!fitted_) throw NotFitted("StandardScaler::transform(): call fit() first");
    detail::check_width("StandardScaler::transform()", mean_.size(), X.cols());
    return (X.rowwise() - mean_.transpose()).array().rowwise() / scale_.transpose().array();
}

METALEARN_INLINE const Vector& StandardScaler::mean() const {
    if (!fitted_) throw NotFitted("StandardScaler::mean(): call fit() first");
    return mean_;
}

METALEARN_INLINE const Vector& StandardScaler::scale() const {
    if (!fitted_) throw NotFitted("StandardScaler::scale(): call fit() first");
    return scale_;
}

}  // namespace metalearn::data

namespace metalearn::data {

METALEARN_INLINE void Preprocessor::fit(const MatrixRef& X, const std::vector<FeatureInfo>& features) {
    detail::check_features("Preprocessor::fit()", X, features);
    features_ = features;
    Matrix Z = X;
    if (options_.impute) {
        imputer_.fit(Z, features_);
        Z = imputer_.transform(Z);
    }
    encoder_.fit(options_.one_hot ? features_ : as_numeric(features_));
    Z = encoder_.transform(Z);
    if (options_.standardize) {
        auto skip = encoder_.is_indicator();
        if (!options_.one_hot)
            for (std::size_t j = 0; j < features_.size(); ++j) skip[j] = features_[j].is_nominal();
        scaler_.fit(Z, skip);
    }
    fitted_ = true;
}

METALEARN_INLINE Matrix Preprocessor::transform(const MatrixRef& X) const {
    if (!fitted_) throw NotFitted("Preprocessor::transform(): call fit() first");
    detail::check_width("Preprocessor::transform()", static_cast<Index>(features_.size()), X.cols());
    detail::check_no_inf("Preprocessor::transform()", X);
    Matrix Z = options_.impute ? imputer_.transform(X) : Matrix(X);
    Z = encoder_.transform(Z);
    if (options_.standardize) Z = scaler_.transform(Z);
    for (Index j = 0; j < Z.cols(); ++j)
        for (Index i = 0; i < Z.rows(); ++i)
            if (std::isnan(Z(i, j)))
                throw DataError(fmt::format(
                    "Preprocessor::transform(): missing value at row {}, output column '{}' (expected no NaN; "
                    "enable imputation)",
                    i, encoder_.output_names()[static_cast<std::size_t>(j)]));
    return Z;
}

METALEARN_INLINE Matrix Preprocessor::fit_transform(const Dataset& train) {
    fit(train);
    return transform(train.X());
}

METALEARN_INLINE Index Preprocessor::n_output_features() const {
    if (!fitted_) throw NotFitted("Preprocessor::n_output_features(): call fit() first");
    return encoder_.n_output_features();
}

METALEARN_INLINE std::vector<std::string> Preprocessor::output_names() const {
    if (!fitted_) throw NotFitted("Preprocessor::output_names(): call fit() first");
    return encoder_.output_names();
}

METALEARN_INLINE std::vector<FeatureInfo> Preprocessor::as_numeric(std::vector<FeatureInfo> features) {
    for (auto& f : features) f.kind = FeatureKind::numeric;
    return features;
}

}  // namespace metalearn::data
