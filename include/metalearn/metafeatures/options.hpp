#pragma once
/// @file options.hpp
/// @brief What `extract` computes: groups, summaries, feature set, seed and time limit.

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
[[nodiscard]] inline std::vector<Group> all_groups() {
    return {Group::general, Group::statistical, Group::info_theory, Group::landmarking, Group::model_based};
}

/// Every summary.
[[nodiscard]] inline std::vector<Summary> all_summaries() {
    return {Summary::mean,      Summary::sd,    Summary::min,      Summary::max,      Summary::median,
            Summary::quantiles, Summary::range, Summary::skewness, Summary::kurtosis, Summary::histogram};
}

/// pymfe's name of a group: "general", "statistical", "info-theory", "landmarking", "model-based".
[[nodiscard]] inline std::string_view group_name(Group g) noexcept {
    switch (g) {
        case Group::general: return "general";
        case Group::statistical: return "statistical";
        case Group::info_theory: return "info-theory";
        case Group::landmarking: return "landmarking";
        case Group::model_based: return "model-based";
    }
    return "?";
}

/// pymfe's name of a summary ("mean", "sd", ..., "histogram").
[[nodiscard]] inline std::string_view summary_name(Summary s) noexcept {
    switch (s) {
        case Summary::mean: return "mean";
        case Summary::sd: return "sd";
        case Summary::min: return "min";
        case Summary::max: return "max";
        case Summary::median: return "median";
        case Summary::quantiles: return "quantiles";
        case Summary::range: return "range";
        case Summary::skewness: return "skewness";
        case Summary::kurtosis: return "kurtosis";
        case Summary::histogram: return "histogram";
    }
    return "?";
}

/// Parse a group name (pymfe's, or with '_' instead of '-').
/// @throws ConfigError for an unknown name.
[[nodiscard]] inline Group parse_group(std::string_view s) {
    for (Group g : all_groups()) {
        std::string alt(group_name(g));
        for (auto& c : alt)
            if (c == '-') c = '_';
        if (s == group_name(g) || s == alt) return g;
    }
    throw ConfigError(fmt::format("metafeatures::parse_group(): unknown group '{}' (expected general, statistical, "
                                  "info-theory, landmarking or model-based)",
                                  s));
}

/// Parse a summary name. @throws ConfigError for an unknown name.
[[nodiscard]] inline Summary parse_summary(std::string_view s) {
    for (Summary x : all_summaries())
        if (s == summary_name(x)) return x;
    throw ConfigError(fmt::format("metafeatures::parse_summary(): unknown summary '{}' (expected mean, sd, min, max, "
                                  "median, quantiles, range, skewness, kurtosis or histogram)",
                                  s));
}

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
