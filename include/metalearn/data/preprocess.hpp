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
#include "metalearn/core/numeric.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
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

/// Options of `OneHotEncoder`.
struct OneHotOptions {
    /// Upper limit on the output columns of one nominal feature, its "other" column included
    /// (scikit-learn's `OneHotEncoder(max_categories=...)`); 0 (default) = no limit, every
    /// declared category gets a column. Otherwise ≥ 2.
    Index max_categories = 0;
};

/// Expands nominal columns into 0/1 indicator columns, optionally folding rare categories into
/// one "other" column.
///
/// Output column order follows the input: a numeric column is copied as is (missing stays NaN);
/// a nominal column with K declared categories becomes K columns, the one of the cell's code set
/// to 1. A missing (NaN) or out-of-range code gives all zeros. A two-category column also gives
/// two columns (no column is dropped). Output names: numeric columns keep their name, indicator
/// columns are named "feature=category".
///
/// Cap (`OneHotOptions::max_categories` = M > 0): a nominal column with K ≤ M declared categories
/// is encoded as above. One with K > M keeps a column for each of the M − 1 categories most
/// frequent in the training rows passed to `fit(X, features)` (missing cells not counted; equal
/// counts → the lower code is kept), in code order, followed by one column named
/// "feature=(other)" that is 1 for every other category: the rarer ones, and those declared but
/// absent from the training rows. So an identifier column (every cell distinct) of n rows gives
/// M columns instead of n. This is scikit-learn's `max_categories` rule (Pedregosa et al. 2011;
/// `OneHotEncoder(max_categories=M, handle_unknown="infrequent_if_exist")`, scikit-learn ≥ 1.1,
/// `_identify_infrequent`), except for ties: scikit-learn's stable ascending sort of the counts
/// keeps the *later* category of a tie, we keep the earlier one. scikit-learn's other knob,
/// `min_frequency`, is not offered: it does not bound the number of columns.
class OneHotEncoder {
public:
    /// @param options the cap (none by default).
    /// @throws ConfigError if `max_categories` is negative or 1.
    explicit OneHotEncoder(OneHotOptions options = {});

    /// Learn the layout from the feature descriptions (the categories are declared there).
    /// @throws ConfigError with a cap M > 0 if a nominal feature declares more than M categories
    ///         (choosing the kept ones needs the training rows: use `fit(X, features)`).
    void fit(const std::vector<FeatureInfo>& features);

    /// Learn the layout from the declared categories and, for a column over the cap, the category
    /// counts of the training rows.
    /// @param X        n×p training matrix (nominal columns hold codes; NaN = missing; n ≥ 0).
    /// @param features p feature descriptions.
    /// @throws DataError on a width mismatch.
    /// Complexity O(n·p + Σ K log K).
    void fit(const MatrixRef& X, const std::vector<FeatureInfo>& features);

    /// Encode an m×p matrix into m×q (q = n_output_features()).
    /// @throws NotFitted before fit; DataError on a width mismatch.
    [[nodiscard]] Matrix transform(const MatrixRef& X) const;

    /// q, the number of output columns. @throws NotFitted before fit.
    [[nodiscard]] Index n_output_features() const;

    /// The q output column names. @throws NotFitted before fit.
    [[nodiscard]] std::vector<std::string> output_names() const;

    /// For each output column, whether it is an indicator (true) or a copied numeric column.
    [[nodiscard]] std::vector<bool> is_indicator() const;

    /// The categories of input column j folded into its "other" column, in code order (empty when
    /// the column is numeric or under the cap).
    /// @param j input column, 0 ≤ j < p. @throws NotFitted before fit; ConfigError if j is out of range.
    [[nodiscard]] std::vector<std::string> infrequent_categories(Index j) const;

    [[nodiscard]] bool is_fitted() const noexcept { return fitted_; }
    [[nodiscard]] const OneHotOptions& options() const noexcept { return options_; }

private:
    friend class Preprocessor;  // its transform encodes, imputes and scales in one pass per column

    void layout(const MatrixRef* X, const std::vector<FeatureInfo>& features);

    OneHotOptions options_;
    std::vector<FeatureInfo> features_;
    /// Per input column: output offset of each code within the column's block (nominal only).
    std::vector<std::vector<Index>> slot_;
    /// Per input column: number of output columns (1 for numeric).
    std::vector<Index> width_;
    Index n_out_ = 0;
    bool fitted_ = false;
};

/// A nominal column that looks like free text or an identifier (see `identifier_like_columns`).
struct IdentifierLikeColumn {
    Index column = 0;      ///< input column index
    std::string name;      ///< its name
    Index distinct = 0;    ///< distinct non-missing codes
    Index non_missing = 0; ///< non-missing cells
};

/// Nominal columns whose values look like free text or identifiers rather than categories: more
/// distinct values than `min_distinct` and than `max_fraction` of the non-missing cells (with the
/// defaults: > 20 distinct values and > 50 % of the rows). Such a column carries little
/// information that generalises and makes one-hot encodings explode (n columns for n rows); the
/// rule is a screening heuristic (the thresholds are ours), used to warn.
/// @param X            n×p matrix (nominal columns hold codes; NaN = missing).
/// @param features     p feature descriptions.
/// @param max_fraction in (0, 1]; default 0.5.
/// @param min_distinct ≥ 0; default 20.
/// @return the columns found, in column order.
/// @throws DataError on a width mismatch; ConfigError on a parameter out of range.
/// Complexity O(n·p_nominal·log n).
[[nodiscard]] METALEARN_INLINE std::vector<IdentifierLikeColumn> identifier_like_columns(
    const MatrixRef& X, const std::vector<FeatureInfo>& features, double max_fraction = 0.5, Index min_distinct = 20);

/// Centres each column on its training mean and divides by its training standard deviation.
///
/// The standard deviation is the population one (divisor n, as scikit-learn's StandardScaler);
/// missing values are ignored in fit and stay NaN in transform. A column whose training values
/// are constant or all missing gets scale 1 (and mean 0 if all missing), so it maps to 0, never
/// to NaN. Constant is judged relative to the values' magnitude (`is_constant_range`: max − min
/// ≤ 10⁻¹²·max |x|), so a column in other units (times 1e-15 or 1e160) is scaled like the
/// original, to the same output; a column constant up to such rounding noise gets scale
/// max(1, max |x|), so it maps to about 0 in any units. Mean and sd are computed without
/// overflow or underflow for any finite values. Columns listed as `skip` in fit get mean 0 and
/// scale 1 (left unchanged).
class StandardScaler {
public:
    /// Learn means and scales.
    /// @param X    n×p training matrix (n ≥ 1; no ±Inf).
    /// @param skip optional: p flags, true for columns to leave unchanged (e.g. indicators).
    /// @throws DataError on n = 0, an infinite value or a `skip` of the wrong length.
    void fit(const MatrixRef& X, const std::vector<bool>& skip = {});

    /// Learn means and scales of a `width`-column scaler from the columns that it scales alone:
    /// column j of X gives the mean and scale of output column `placement[j]`; the other output
    /// columns get mean 0 and scale 1. The same statistics, to the bit, as `fit` on the full
    /// n×width matrix with the other columns skipped, without building that matrix (e.g. the
    /// numeric columns of a table whose one-hot indicators are left unchanged).
    /// @param X         n×m training matrix (n ≥ 1; no ±Inf).
    /// @param placement m distinct output columns in [0, width).
    /// @throws DataError on n = 0 or an infinite value; ConfigError on a negative width or a
    ///         placement of the wrong length, out of range or repeated.
    void fit(const MatrixRef& X, const std::vector<Index>& placement, Index width);

    /// (X − mean) / scale, column-wise.
    /// @throws NotFitted before fit; DataError on a width mismatch.
    [[nodiscard]] Matrix transform(const MatrixRef& X) const;

    /// `X = transform(X)` without a second n×p matrix (the same values to the bit).
    /// @throws NotFitted before fit; DataError on a width mismatch.
    void transform_in_place(Matrix& X) const;

    /// Per-column training means (p). @throws NotFitted before fit.
    [[nodiscard]] const Vector& mean() const;
    /// Per-column scales (p; 1 for constant — max(1, max |x|) when constant up to rounding — or
    /// skipped columns). @throws NotFitted before fit.
    [[nodiscard]] const Vector& scale() const;
    [[nodiscard]] bool is_fitted() const noexcept { return fitted_; }

private:
    // Mean and scale of column j of X (see the class comment); false when every value is missing.
    static bool column_statistics(const MatrixRef& X, Index j, double& mean, double& scale);

    Vector mean_;
    Vector scale_;
    bool fitted_ = false;
};

/// Which steps `Preprocessor` applies (in this order: impute, one-hot, standardize).
struct PreprocessOptions {
    bool impute = true;       ///< replace missing values (median / most frequent)
    bool one_hot = true;      ///< expand nominal columns to indicators (else keep the codes)
    bool standardize = true;  ///< scale numeric columns to mean 0, sd 1 (indicators stay 0/1)
    /// One-hot cap per nominal column, the "other" column included (`OneHotOptions`); 0 = none.
    /// Default 32: above the largest genuine categorical attribute of the bundled corpus (30
    /// levels, cpu.with.vendor's vendor; zoo's 100-level "animal" is a row identifier), and it
    /// bounds the encoded width by 32 per nominal column, so an identifier column of n rows costs
    /// 32 columns, not n. Counted on the (imputed) training rows.
    Index max_categories = 32;
    /// Receives a warning from `fit` for each nominal column that looks like free text or an
    /// identifier (`identifier_like_columns`); may be empty (default: no warning).
    WarningCallback on_warning = {};
};

/// Impute → one-hot → standardise, fitted on training rows, turning a raw n×p `Dataset` feature
/// matrix into an n×q numeric matrix for the models.
///
/// The one-hot step caps each nominal column at `PreprocessOptions::max_categories` output
/// columns (32 by default), folding its rarest training categories into "feature=(other)" (see
/// `OneHotEncoder`).
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
    /// @throws DataError on a width mismatch, n = 0 or an infinite value; ConfigError if
    ///         `max_categories` is 1 or negative (whether or not `one_hot` is on). A fit that
    ///         throws after the input checks (e.g. from `on_warning`) leaves the Preprocessor
    ///         unfitted.
    void fit(const MatrixRef& X, const std::vector<FeatureInfo>& features);

    /// Fit on a dataset's features (all its rows: pass a training subset).
    void fit(const Dataset& train) { fit(train.X(), train.features()); }

    /// Transform raw features with the statistics learned in fit.
    /// @param X m×p raw features (same p as in fit; NaN = missing).
    /// @return m×q numeric matrix without NaN or ±Inf (q = n_output_features()).
    /// @throws NotFitted before fit; DataError on a width mismatch, an infinite value, a
    ///         missing value left when imputation is off, or a value whose standardised form
    ///         exceeds the double range (e.g. 1e300 after fitting on values around 1e-300).
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
