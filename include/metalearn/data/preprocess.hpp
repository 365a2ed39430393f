#pragma once
/// @file preprocess.hpp
/// @brief Preprocessing fitted on training rows only: imputation, one-hot encoding, standardisation.
///
/// Every transformer learns its statistics in `fit` (call it on the training fold) and applies
/// them unchanged in `transform` (training fold, test fold, new data): no information from the
/// rows being transformed leaks into the statistics. Input matrices are n×p raw feature matrices
/// as stored in a `Dataset`: numeric columns hold reals, nominal columns hold category codes, NaN
/// marks a missing cell.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace metalearn::data {

namespace detail {

inline void check_width(const char* where, Index expected, Index got) {
    if (expected != got)
        throw DataError(fmt::format("{}: wrong number of columns (expected {}, got {})", where, expected, got));
}

inline void check_no_inf(const char* where, const MatrixRef& X) {
    for (Index j = 0; j < X.cols(); ++j)
        for (Index i = 0; i < X.rows(); ++i)
            if (std::isinf(X(i, j)))
                throw DataError(fmt::format("{}: infinite value at row {}, column {} (expected finite or NaN)", where,
                                            i, j));
}

inline void check_features(const char* where, const MatrixRef& X, const std::vector<FeatureInfo>& features) {
    check_width(where, static_cast<Index>(features.size()), X.cols());
    if (X.rows() == 0) throw DataError(fmt::format("{}: no rows to fit on (expected n >= 1, got 0)", where));
    check_no_inf(where, X);
}

}  // namespace detail

/// Replaces missing values (NaN) by a per-column statistic learned on the training rows.
///
/// Numeric column: the median of its non-missing training values (mean of the two middle values
/// for an even count). Nominal column: the most frequent code (ties → the smallest code). A
/// column with no non-missing training value is filled with 0 (for a nominal column: code 0).
class SimpleImputer {
public:
    /// Learn the fill values.
    /// @param X        n×p training matrix (n ≥ 1; NaN = missing; no ±Inf).
    /// @param features p feature descriptions (kind decides median vs most frequent).
    /// @throws DataError on a width mismatch, n = 0 or an infinite value.
    /// Complexity O(n·p·log n).
    void fit(const MatrixRef& X, const std::vector<FeatureInfo>& features) {
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

    /// Replace each NaN by its column's fill value.
    /// @param X m×p matrix (same p as in fit).
    /// @return m×p matrix without NaN.
    /// @throws NotFitted before fit; DataError on a width mismatch or an infinite value.
    [[nodiscard]] Matrix transform(const MatrixRef& X) const {
        if (!fitted_) throw NotFitted("SimpleImputer::transform(): call fit() first");
        detail::check_width("SimpleImputer::transform()", fill_.size(), X.cols());
        detail::check_no_inf("SimpleImputer::transform()", X);
        Matrix out = X;
        for (Index j = 0; j < out.cols(); ++j)
            for (Index i = 0; i < out.rows(); ++i)
                if (std::isnan(out(i, j))) out(i, j) = fill_[j];
        return out;
    }

    /// The p fill values learned by fit. @throws NotFitted before fit.
    [[nodiscard]] const Vector& fill_values() const {
        if (!fitted_) throw NotFitted("SimpleImputer::fill_values(): call fit() first");
        return fill_;
    }
    [[nodiscard]] bool is_fitted() const noexcept { return fitted_; }

private:
    Vector fill_;
    bool fitted_ = false;
};

/// Expands nominal columns into 0/1 indicator columns.
///
/// Output column order follows the input: a numeric column is copied as is (missing stays NaN);
/// a nominal column with K declared categories becomes K columns, the one of the cell's code set
/// to 1. A missing (NaN) or out-of-range code gives all zeros. A two-category column also gives
/// two columns (no column is dropped). Output names: numeric columns keep their name, indicator
/// columns are named "feature=category".
class OneHotEncoder {
public:
    /// Learn the layout from the feature descriptions (the categories are declared there).
    void fit(const std::vector<FeatureInfo>& features) {
        features_ = features;
        n_out_ = 0;
        for (const auto& f : features_) n_out_ += f.is_nominal() ? static_cast<Index>(f.categories.size()) : 1;
        fitted_ = true;
    }

    /// Encode an m×p matrix into m×q (q = n_output_features()).
    /// @throws NotFitted before fit; DataError on a width mismatch.
    [[nodiscard]] Matrix transform(const MatrixRef& X) const {
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

    /// q, the number of output columns. @throws NotFitted before fit.
    [[nodiscard]] Index n_output_features() const {
        if (!fitted_) throw NotFitted("OneHotEncoder::n_output_features(): call fit() first");
        return n_out_;
    }

    /// The q output column names. @throws NotFitted before fit.
    [[nodiscard]] std::vector<std::string> output_names() const {
        if (!fitted_) throw NotFitted("OneHotEncoder::output_names(): call fit() first");
        std::vector<std::string> names;
        for (const auto& f : features_) {
            if (!f.is_nominal()) names.push_back(f.name);
            else
                for (const auto& c : f.categories) names.push_back(f.name + "=" + c);
        }
        return names;
    }

    /// For each output column, whether it is an indicator (true) or a copied numeric column.
    [[nodiscard]] std::vector<bool> is_indicator() const {
        if (!fitted_) throw NotFitted("OneHotEncoder::is_indicator(): call fit() first");
        std::vector<bool> out;
        for (const auto& f : features_) {
            if (!f.is_nominal()) out.push_back(false);
            else out.insert(out.end(), f.categories.size(), true);
        }
        return out;
    }
    [[nodiscard]] bool is_fitted() const noexcept { return fitted_; }

private:
    std::vector<FeatureInfo> features_;
    Index n_out_ = 0;
    bool fitted_ = false;
};

/// Centres each column on its training mean and divides by its training standard deviation.
///
/// The standard deviation is the population one (divisor n, as scikit-learn's StandardScaler);
/// missing values are ignored in fit and stay NaN in transform. A column whose training values
/// are constant (sd = 0) or all missing gets scale 1 (and mean 0 if all missing), so it maps to
/// 0, never to NaN. Columns listed as `skip` in fit get mean 0 and scale 1 (left unchanged).
class StandardScaler {
public:
    /// Learn means and scales.
    /// @param X    n×p training matrix (n ≥ 1; no ±Inf).
    /// @param skip optional: p flags, true for columns to leave unchanged (e.g. indicators).
    /// @throws DataError on n = 0, an infinite value or a `skip` of the wrong length.
    void fit(const MatrixRef& X, const std::vector<bool>& skip = {}) {
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

    /// (X − mean) / scale, column-wise.
    /// @throws NotFitted before fit; DataError on a width mismatch.
    [[nodiscard]] Matrix transform(const MatrixRef& X) const {
        if (!fitted_) throw NotFitted("StandardScaler::transform(): call fit() first");
        detail::check_width("StandardScaler::transform()", mean_.size(), X.cols());
        return (X.rowwise() - mean_.transpose()).array().rowwise() / scale_.transpose().array();
    }

    /// Per-column training means (p). @throws NotFitted before fit.
    [[nodiscard]] const Vector& mean() const {
        if (!fitted_) throw NotFitted("StandardScaler::mean(): call fit() first");
        return mean_;
    }
    /// Per-column scales (p; 1 for constant or skipped columns). @throws NotFitted before fit.
    [[nodiscard]] const Vector& scale() const {
        if (!fitted_) throw NotFitted("StandardScaler::scale(): call fit() first");
        return scale_;
    }
    [[nodiscard]] bool is_fitted() const noexcept { return fitted_; }

private:
    Vector mean_;
    Vector scale_;
    bool fitted_ = false;
};

/// Which steps `Preprocessor` applies (in this order: impute, one-hot, standardize).
struct PreprocessOptions {
    bool impute = true;       ///< replace missing values (median / most frequent)
    bool one_hot = true;      ///< expand nominal columns to indicators (else keep the codes)
    bool standardize = true;  ///< scale numeric columns to mean 0, sd 1 (indicators stay 0/1)
};

/// Impute → one-hot → standardise, fitted on training rows, turning a raw n×p `Dataset` feature
/// matrix into an n×q numeric matrix for the models.
///
/// Standardisation applies to the numeric input columns only; one-hot indicator columns stay
/// 0/1 (with `one_hot = false`, nominal codes are left unscaled as well). The output has no NaN:
/// with `impute = false`, a missing numeric cell (or a missing nominal code when `one_hot` is
/// off) makes `transform` throw `DataError`; a missing nominal code with `one_hot` on encodes as
/// all zeros.
///
/// Example: `Preprocessor pre({.impute = true, .one_hot = true, .standardize = true});
/// pre.fit(train); Matrix Z = pre.transform(test.X());`
class Preprocessor {
public:
    /// @param options the steps to apply (all on by default).
    explicit Preprocessor(PreprocessOptions options = {}) : options_(options) {}

    /// Fit every enabled step on the training matrix.
    /// @param X        n×p raw training features (n ≥ 1; NaN = missing; no ±Inf).
    /// @param features p descriptions (numeric / nominal with categories).
    /// @throws DataError on a width mismatch, n = 0 or an infinite value.
    void fit(const MatrixRef& X, const std::vector<FeatureInfo>& features) {
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

    /// Fit on a dataset's features (all its rows: pass a training subset).
    void fit(const Dataset& train) { fit(train.X(), train.features()); }

    /// Transform raw features with the statistics learned in fit.
    /// @param X m×p raw features (same p as in fit; NaN = missing).
    /// @return m×q numeric matrix without NaN (q = n_output_features()).
    /// @throws NotFitted before fit; DataError on a width mismatch, an infinite value, or a
    ///         missing value left when imputation is off.
    [[nodiscard]] Matrix transform(const MatrixRef& X) const {
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

    /// fit(train) then transform(train.X()).
    [[nodiscard]] Matrix fit_transform(const Dataset& train) {
        fit(train);
        return transform(train.X());
    }

    /// q, the number of output columns. @throws NotFitted before fit.
    [[nodiscard]] Index n_output_features() const {
        if (!fitted_) throw NotFitted("Preprocessor::n_output_features(): call fit() first");
        return encoder_.n_output_features();
    }

    /// The q output column names ("feature" or "feature=category"). @throws NotFitted before fit.
    [[nodiscard]] std::vector<std::string> output_names() const {
        if (!fitted_) throw NotFitted("Preprocessor::output_names(): call fit() first");
        return encoder_.output_names();
    }

    [[nodiscard]] bool is_fitted() const noexcept { return fitted_; }
    [[nodiscard]] const PreprocessOptions& options() const noexcept { return options_; }

private:
    static std::vector<FeatureInfo> as_numeric(std::vector<FeatureInfo> features) {
        for (auto& f : features) f.kind = FeatureKind::numeric;
        return features;
    }

    PreprocessOptions options_;
    std::vector<FeatureInfo> features_;
    SimpleImputer imputer_;
    OneHotEncoder encoder_;
    StandardScaler scaler_;
    bool fitted_ = false;
};

}  // namespace metalearn::data
