#pragma once
/// @file options.hpp
/// @brief What `extract` computes: groups, summaries, feature set, seed and time limit.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace metalearn::metafeatures {

/// The five meta-feature groups of MFE (Rivolli et al. 2022; Alcobaça et al. 2020).
enum class Group { general, statistical, info_theory, landmarking, model_based };

/// Summary functions applied to multi-valued meta-features (pymfe's names).
///
/// - `mean`, `median`, `min`, `max`, `range` (max − min);
/// - `sd`: sample standard deviation (ddof = 1), NaN for a single value;
/// - `quantiles`: 5 values, the 0, 25, 50, 75, 100 % quantiles (linear interpolation), named
///   `<feature>.quantiles.0` … `.quantiles.4`;
/// - `skewness`, `kurtosis`: e1071 type 3 (pymfe's default), NaN for a constant input;
/// - `histogram`: 10 equal-width bins over [min, max] (over [v − 0.5, v + 0.5] when constant, like
///   numpy), as fractions of the number of values, named `<feature>.histogram.0` … `.histogram.9`.
///
/// NaN values of the feature are dropped before summarising; no value left → NaN.
enum class Summary { mean, sd, min, max, median, quantiles, range, skewness, kurtosis, histogram };

/// Which named feature set `extract` produces.
enum class FeatureSet {
    mfe,         ///< MFE/pymfe names (`nr_inst`, `cor.mean`, ...): the groups and summaries of the options
    autosklearn  ///< the 46 meta-features of auto-sklearn's meta-data (`ClassEntropy`, `LandmarkLDA`, ...)
};

/// Every group, in the order they are computed.
[[nodiscard]] METALEARN_INLINE std::vector<Group> all_groups();

/// Every summary.
[[nodiscard]] METALEARN_INLINE std::vector<Summary> all_summaries();

/// pymfe's name of a group: "general", "statistical", "info-theory", "landmarking", "model-based".
[[nodiscard]] METALEARN_INLINE std::string_view group_name(Group g) noexcept;

/// pymfe's name of a summary ("mean", "sd", ..., "histogram").
[[nodiscard]] METALEARN_INLINE std::string_view summary_name(Summary s) noexcept;

/// Parse a group name (pymfe's, or with '_' instead of '-').
/// @throws ConfigError for an unknown name.
[[nodiscard]] METALEARN_INLINE Group parse_group(std::string_view s);

/// Parse a summary name. @throws ConfigError for an unknown name.
[[nodiscard]] METALEARN_INLINE Summary parse_summary(std::string_view s);

/// Options of `extract`.
struct ExtractOptions {
    /// Groups to compute (MFE set only). Default: all five.
    std::vector<Group> groups = all_groups();
    /// Summaries of multi-valued features (MFE set only). Default: mean and sd, as pymfe.
    std::vector<Summary> summaries = {Summary::mean, Summary::sd};
    /// Restrict to these base feature names (e.g. {"cor", "nr_inst"}); empty = every feature of the
    /// selected groups. Unknown names throw ConfigError.
    std::vector<std::string> features = {};
    /// Seed of every random choice (fold assignment, random_node's attribute, attr_conc's attribute
    /// subset, tree tie-breaking). Same seed → same values.
    std::uint64_t seed = 0;
    /// Wall-clock budget per group; 0 = unlimited. Checked before each feature (and between
    /// landmarking folds): once a group is over budget its remaining features are NaN and listed in
    /// `MetaFeatures::timed_out()`. A single feature is never interrupted.
    std::chrono::milliseconds time_limit_per_group{0};
    /// MFE names or auto-sklearn's set.
    FeatureSet feature_set = FeatureSet::mfe;
};

}  // namespace metalearn::metafeatures

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/metafeatures/options_impl.hpp"
#endif
