#pragma once
/// @file extract.hpp
/// @brief `extract`: the meta-features of a dataset, as MFE/pymfe or auto-sklearn define them.

#include "metalearn/core/config.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/metafeatures/meta_features.hpp"
#include "metalearn/metafeatures/options.hpp"

#include <string>
#include <vector>

namespace metalearn::metafeatures {

/// Base feature names of a group (e.g. "cor", "nr_inst"), sorted.
[[nodiscard]] METALEARN_INLINE std::vector<std::string> feature_names(Group g);

/// Extract the meta-features of a dataset.
///
/// MFE set (default): the features of `options.groups` (or only `options.features`), each group
/// documented in its header (general.hpp, statistical.hpp, info_theory.hpp, landmarking.hpp,
/// model_based.hpp). Single-valued features keep their name (`nr_inst`); multi-valued ones give
/// one value per summary (`cor.mean`, `cor.sd`, `cor.quantiles.0`…), whatever their length, so
/// every dataset gets the same names for the same options. Names are sorted, as pymfe does.
/// auto-sklearn set: the 46 features of autosklearn.hpp, in auto-sklearn's order (groups and
/// summaries are then ignored).
///
/// Only what is asked is computed: shared quantities (imputed data, numeric view, covariance,
/// discretisation, the tree, the folds) are computed on first use.
///
/// Missing values: imputed before any computation that needs complete data (numeric: column
/// median, nominal: most frequent code), except the counts of missing values themselves.
/// Undefined values are NaN, never an exception: see each feature's documentation (e.g.
/// correlations of a constant column, class-based features of a regression task, `sd_ratio` with
/// singular class covariances, `sd` of a single value). Features skipped because their group ran
/// past `options.time_limit_per_group` (or the extraction past `options.time_limit`), or whose
/// long step was interrupted or refused by its estimate, are NaN and listed in `timed_out()`.
///
/// Nominal attributes: the numeric view encodes them as pymfe's default "gray" encoding does (an
/// indicator per present level, the first level by name of every nominal attribute but the first
/// dropped; `detail::Context::gray_levels`), with at most `options.max_categories` levels each
/// (default 32; the rarest categories share one "(other)" level), so an identifier column of n
/// distinct texts costs about 32 columns instead of n. A nominal attribute that looks like free text or an identifier is
/// reported through `options.on_warning`, by name.
///
/// @param dataset any valid `data::Dataset` (n ≥ 1; p may be 0; classification or regression).
/// @param options groups, summaries, feature filter, seed, time limit, feature set.
/// @return the named values.
/// @throws DataError if the dataset has no samples (e.g. a default-constructed `Dataset`).
/// @throws ConfigError if `options.features` names a feature not in the selected groups,
///         `options.groups`/`options.summaries` is empty for the MFE set, `options.max_categories`
///         is negative or 1, or a time limit is negative.
/// Randomness: only through `options.seed` (same seed → same values).
/// Complexity: dominated by the covariance (O(n q²)), its eigen-decomposition (O(q³)) and the
/// landmarking cross-validations (1-NN: O(n² q)); q = columns of the numeric view.
[[nodiscard]] METALEARN_INLINE MetaFeatures extract(const data::Dataset& dataset, const ExtractOptions& options = {});

}  // namespace metalearn::metafeatures

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/metafeatures/extract_impl.hpp"
#endif
