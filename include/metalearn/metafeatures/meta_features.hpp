#pragma once
/// @file meta_features.hpp
/// @brief `MetaFeatures` (a named vector of meta-feature values) and NaN imputation for meta-models.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace metalearn::metafeatures {

/// The meta-features of one dataset: names and values, in a fixed order.
///
/// Values may be NaN where a feature is undefined for the dataset (each feature's documentation
/// says when) or was skipped by a time limit (then its name is also in `timed_out()`).
class MetaFeatures {
public:
    MetaFeatures() = default;

    /// Build from parallel lists. @throws DataError if the sizes differ or a name repeats.
    MetaFeatures(std::vector<std::string> names, std::vector<double> values);

    /// Append one value. @throws DataError if the name is already present.
    void add(std::string name, double value);

    /// Record that a feature (base name, e.g. "cor") was skipped by the time limit.
    void add_timed_out(std::string name) { timed_out_.push_back(std::move(name)); }

    /// Number of values.
    [[nodiscard]] Index size() const noexcept { return static_cast<Index>(values_.size()); }
    /// Names, in order.
    [[nodiscard]] const std::vector<std::string>& names() const noexcept { return names_; }
    /// Values, in the order of `names()`.
    [[nodiscard]] Vector values() const;
    /// Whether a name is present.
    [[nodiscard]] bool contains(std::string_view name) const { return index_.count(std::string(name)) > 0; }
    /// Value by name. @throws ConfigError if the name is not present.
    [[nodiscard]] double operator[](std::string_view name) const {
        const auto it = index_.find(std::string(name));
        if (it == index_.end())
            throw ConfigError(fmt::format("MetaFeatures::operator[](): no meta-feature named '{}' (have {} names)",
                                          name, names_.size()));
        return values_[it->second];
    }
    /// Value by position (0 ≤ i < size()). @throws ConfigError if out of range.
    [[nodiscard]] double at(Index i) const;
    /// Base names of the features skipped because their group ran out of time (their values are NaN).
    [[nodiscard]] const std::vector<std::string>& timed_out() const noexcept { return timed_out_; }

    /// Two-column text table "name value", one feature per line (values with 6 significant digits).
    [[nodiscard]] std::string to_table() const;

    /// A JSON object {name: value, ...} in order; NaN and ±Inf are written as null.
    [[nodiscard]] std::string to_json(int indent = -1) const;

    /// CSV header line: the names, comma-separated (no newline).
    [[nodiscard]] std::string csv_header() const { return fmt::format("{}", fmt::join(names_, ",")); }

    /// CSV row: the values with 17 significant digits, NaN written as "nan" (no newline).
    [[nodiscard]] std::string csv_row() const;

private:
    std::vector<std::string> names_;
    std::vector<double> values_;
    std::unordered_map<std::string, std::size_t> index_;
    std::vector<std::string> timed_out_;
};

/// Stack meta-feature vectors into a matrix (one row per dataset), aligning columns by name.
///
/// The columns are the union of all names, in order of first appearance; a name missing from a
/// row gives NaN (impute with `MetaFeatureImputer`).
/// @param rows  m meta-feature vectors.
/// @param names if not null, receives the d column names.
/// @return m×d matrix.
[[nodiscard]] METALEARN_INLINE Matrix to_matrix(const std::vector<MetaFeatures>& rows, std::vector<std::string>* names = nullptr);

/// Replaces missing meta-feature values (NaN, ±Inf) by column medians learnt on training rows.
///
/// Meta-features are NaN where undefined (e.g. `sd_ratio` with a singular class covariance), so a
/// meta-model needs them filled. `fit` learns, per column, the median of the finite values (0 for
/// a column with none); `transform` replaces each non-finite entry by its column's median. Fit on
/// the training tasks only, then transform both training and new tasks.
class MetaFeatureImputer {
public:
    /// An unfitted imputer.
    MetaFeatureImputer() = default;

    /// A fitted imputer with the given column medians (d values, e.g. restored from a saved model).
    /// @throws DataError if a median is not finite.
    explicit MetaFeatureImputer(Vector medians);

    /// Learn the column medians of Z (m×d, any number of non-finite entries).
    /// @throws DataError if Z has no rows.
    MetaFeatureImputer& fit(const MatrixRef& Z);

    /// Copy of Z (m×d) with every non-finite entry replaced by its column median.
    /// @throws NotFitted before `fit`; DataError if the width differs from the fitted one.
    [[nodiscard]] Matrix transform(const MatrixRef& Z) const;

    /// `fit(Z)` then `transform(Z)`.
    [[nodiscard]] Matrix fit_transform(const MatrixRef& Z) { return fit(Z).transform(Z); }

    /// The fitted column medians (d). Empty before `fit`.
    [[nodiscard]] const Vector& medians() const noexcept { return medians_; }
    [[nodiscard]] bool is_fitted() const noexcept { return fitted_; }

private:
    Vector medians_;
    bool fitted_ = false;
};

/// Replace the non-finite entries of Z (m×d) by the column medians of Z's finite entries (0 for an
/// all-missing column). Equivalent to `MetaFeatureImputer().fit_transform(Z)`.
/// @throws DataError if Z has no rows.
[[nodiscard]] METALEARN_INLINE Matrix impute_nan(const MatrixRef& Z);

}  // namespace metalearn::metafeatures

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/metafeatures/meta_features_impl.hpp"
#endif
