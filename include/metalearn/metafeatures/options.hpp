#pragma once
/// @file options.hpp
/// @brief What `extract` computes: groups, summaries, feature set, seed, time limits, one-hot cap.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/types.hpp"

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
/// NaN, as pymfe 0.4.4 (numpy's functions): a NaN among the feature's values makes `mean`, `sd`,
/// `min`, `max`, `median`, `quantiles` and `range` NaN; `skewness`, `kurtosis` and `histogram`
/// drop NaN (and infinite) values first. No value (left) → NaN.
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
    /// subset, tree tie-breaking). Same seed → same values. For attr_conc's subset and the
    /// model-based tree, seed mod 2³² plays pymfe's `random_state`: the values equal pymfe 0.4.4's
    /// with `MFE(random_state=seed)`.
    std::uint64_t seed = 0;
    /// Wall-clock budget per group (the auto-sklearn set counts as one group); 0 = unlimited.
    /// Checked before each feature and inside the long steps: between covariance blocks,
    /// landmarking folds, tree nodes and chunks of k-NN predictions, and per column or pair in
    /// per-column loops. A step that cannot be interrupted (an eigen-decomposition, the LDA fit, the
    /// PCA of the auto-sklearn set) is skipped up front when its estimated time (a flop count over
    /// the speed of a small matrix product measured at the start) exceeds the time left. Features
    /// skipped or interrupted are NaN and listed in `MetaFeatures::timed_out()`. A group therefore
    /// ends within about its budget plus one node, block or chunk, and the estimates err on the slow
    /// side; measured with `benchmarks/suite/high_cardinality.cpp`.
    std::chrono::milliseconds time_limit_per_group{0};
    /// Wall-clock budget of the whole extraction, checked like `time_limit_per_group` (the
    /// earlier of the two deadlines applies); 0 = unlimited.
    std::chrono::milliseconds time_limit{0};
    /// One-hot cap per nominal attribute in the numeric view (see `data::OneHotOptions`): at most
    /// this many indicator columns, the most frequent categories plus one "(other)" column; 0 = one
    /// column per declared category. Default 32, as `data::PreprocessOptions::max_categories` (the
    /// reasons are given there); must be 0 or ≥ 2.
    Index max_categories = 32;
    /// Landmarkers (and the auto-sklearn set's landmarks) on at most this many rows: a larger
    /// classification table is landmarked on a
    /// seeded stratified subsample of this size (`data::subsample_rows`, class proportions kept),
    /// as pymfe's `lm_sample_frac` but as a row count, so the landmarking cost stops growing with n
    /// (1-NN is O(n²·q) on all rows: 27 s of CPU at 48,842 rows on adult, one core). The other groups
    /// always use every row. 0 = every row (exact mode); otherwise ≥ 20. Default 5000: tables up to
    /// 5,000 rows (every table of the shipped knowledge, whose larger tasks were subsampled to
    /// 5,000 rows) are landmarked exactly.
    Index landmarking_max_rows = 5000;
    /// Largest q×q matrix (bytes) a feature may build over the q numeric columns: the covariance
    /// behind `cor`, `cov`, `eigenvalues`, `can_cor`, `sd_ratio` and the like needs 8·q² bytes
    /// (4 GiB at q ≈ 23,000, 19 GB at q = 50,000). Features that would need more are NaN, listed in
    /// `MetaFeatures::timed_out()` and said through `on_warning`; per-column features (`sd`, `var`,
    /// ...) never build it. 0 = no limit. Default 4 GiB.
    std::size_t max_matrix_bytes = std::size_t{4} << 30U;
    /// Receives warnings; may be empty. Sent: a nominal attribute that looks like free text or an
    /// identifier (`data::identifier_like_columns`: > 20 distinct values and > 50 % of its rows),
    /// naming it; a step skipped or interrupted by the time limit, with its estimate.
    WarningCallback on_warning = {};
    /// MFE names or auto-sklearn's set.
    FeatureSet feature_set = FeatureSet::mfe;
};

/// The 46 names of the auto-sklearn set, in auto-sklearn's order.
[[nodiscard]] inline std::vector<std::string> autosklearn_feature_names() {
    return {"NumberOfInstances", "LogNumberOfInstances", "NumberOfClasses", "NumberOfFeatures",
            "LogNumberOfFeatures", "NumberOfInstancesWithMissingValues", "PercentageOfInstancesWithMissingValues",
            "NumberOfFeaturesWithMissingValues", "PercentageOfFeaturesWithMissingValues", "NumberOfMissingValues",
            "PercentageOfMissingValues", "NumberOfNumericFeatures", "NumberOfCategoricalFeatures",
            "RatioNumericalToNominal", "RatioNominalToNumerical", "DatasetRatio", "LogDatasetRatio",
            "InverseDatasetRatio", "LogInverseDatasetRatio", "ClassProbabilityMin", "ClassProbabilityMax",
            "ClassProbabilityMean", "ClassProbabilitySTD", "SymbolsMin", "SymbolsMax", "SymbolsMean", "SymbolsSTD",
            "SymbolsSum", "KurtosisMin", "KurtosisMax", "KurtosisMean", "KurtosisSTD", "SkewnessMin", "SkewnessMax",
            "SkewnessMean", "SkewnessSTD", "ClassEntropy", "LandmarkLDA", "LandmarkNaiveBayes", "LandmarkDecisionTree",
            "LandmarkDecisionNodeLearner", "LandmarkRandomNodeLearner", "Landmark1NN",
            "PCAFractionOfComponentsFor95PercentVariance", "PCAKurtosisFirstPC", "PCASkewnessFirstPC"};
}

}  // namespace metalearn::metafeatures

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/metafeatures/options_impl.hpp"
#endif
