#pragma once
/// @file preprocess.hpp
/// @brief Preprocessing fitted on training rows only: imputation, one-hot encoding, standardisation.
///
/// Every transformer learns its statistics in `fit` (call it on the training fold) and applies
/// them unchanged in `transform` (training fold, test fold, new data): no information from the
/// rows being transformed leaks into the statistics. Input matrices are n×p raw feature matrices
/// as stored in a `Dataset`: numeric columns hold reals, nominal columns hold category codes, NaN
/// marks a missing cell.

#include "metalearn/core/config.hpp"
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

METALEARN_INLINE void check_width(const char* where, Index expected, Index got);

METALEARN_INLINE void check_no_inf(const char* where, const MatrixRef& X);

METALEARN_INLINE void check_features(const char* where, const MatrixRef& X, const std::vector<FeatureInfo>& features);

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
    void fit(const MatrixRef& X, const std::vector<FeatureInfo>& features);

    /// Replace each NaN by its column's fill value.
    /// @param X m×p matrix (same p as in fit).
    /// @return m×p matrix without NaN.
    /// @throws NotFitted before fit; DataError on a width mismatch or an infinite value.
    [[nodiscard]] Matrix transform(const MatrixRef& X) const;

    /// The p fill values learned by fit. @throws NotFitted before fit.
    [[nodiscard]] const Vector& fill_values() const;
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
    void fit(const std::vector<FeatureInfo>& features);

    /// Encode an m×p matrix into m×q (q = n_output_features()).
    /// @throws NotFitted before fit; DataError on a width mismatch.
    [[nodiscard]] Matrix transform(const MatrixRef& X) const;

    /// q, the number of output columns. @throws NotFitted before fit.
    [[nodiscard]] Index n_output_features() const;

    /// The q output column names. @throws NotFitted before fit.
    [[nodiscard]] std::vector<std::string> output_names() const;

    /// For each output column, whether it is an indicator (true) or a copied numeric column.
    [[nodiscard]] std::vector<bool> is_indicator() const;
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
    void fit(const MatrixRef& X, const std::vector<bool>& skip = {});

    /// (X − mean) / scale, column-wise.
    /// @throws NotFitted before fit; DataError on a width mismatch.
    [[nodiscard]] Matrix transform(const MatrixRef& X) const;

    /// Per-column training means (p). @throws NotFitted before fit.
    [[nodiscard]] const Vector& mean() const;
    /// Per-column scales (p; 1 for constant or skipped columns). @throws NotFitted before fit.
    [[nodiscard]] const Vector& scale() const;
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
    void fit(const MatrixRef& X, const std::vector<FeatureInfo>& features);

    /// Fit on a dataset's features (all its rows: pass a training subset).
    void fit(const Dataset& train) { fit(train.X(), train.features()); }

    /// Transform raw features with the statistics learned in fit.
    /// @param X m×p raw features (same p as in fit; NaN = missing).
    /// @return m×q numeric matrix without NaN (q = n_output_features()).
    /// @throws NotFitted before fit; DataError on a width mismatch, an infinite value, or a
    ///         missing value left when imputation is off.
    [[nodiscard]] Matrix transform(const MatrixRef& X) const;

    /// fit(train) then transform(train.X()).
    [[nodiscard]] Matrix fit_transform(const Dataset& train);

    /// q, the number of output columns. @throws NotFitted before fit.
    [[nodiscard]] Index n_output_features() const;

    /// The q output column names ("feature" or "feature=category"). @throws NotFitted before fit.
    [[nodiscard]] std::vector<std::string> output_names() const;

    [[nodiscard]] bool is_fitted() const noexcept { return fitted_; }
    [[nodiscard]] const PreprocessOptions& options() const noexcept { return options_; }

private:
    static std::vector<FeatureInfo> as_numeric(std::vector<FeatureInfo> features);

    PreprocessOptions options_;
    std::vector<FeatureInfo> features_;
    SimpleImputer imputer_;
    OneHotEncoder encoder_;
    StandardScaler scaler_;
    bool fitted_ = false;
};

}  // namespace metalearn::data

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/data/preprocess_impl.hpp"
#endif
