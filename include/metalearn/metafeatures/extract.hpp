#pragma once
/// @file extract.hpp
/// @brief `extract`: the meta-features of a dataset, as MFE/pymfe or auto-sklearn define them.

#include "metalearn/core/error.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/metafeatures/autosklearn.hpp"
#include "metalearn/metafeatures/detail/context.hpp"
#include "metalearn/metafeatures/general.hpp"
#include "metalearn/metafeatures/info_theory.hpp"
#include "metalearn/metafeatures/landmarking.hpp"
#include "metalearn/metafeatures/meta_features.hpp"
#include "metalearn/metafeatures/model_based.hpp"
#include "metalearn/metafeatures/options.hpp"
#include "metalearn/metafeatures/statistical.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

namespace metalearn::metafeatures {

/// Base feature names of a group (e.g. "cor", "nr_inst"), sorted.
[[nodiscard]] inline std::vector<std::string> feature_names(Group g) {
    switch (g) {
        case Group::general: return general_feature_names();
        case Group::statistical: return statistical_feature_names();
        case Group::info_theory: return info_theory_feature_names();
        case Group::landmarking: return landmarking_feature_names();
        case Group::model_based: return model_based_feature_names();
    }
    return {};
}

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
/// Only what is asked is computed: shared quantities (imputed data, one-hot view, covariance,
/// discretisation, the tree, the folds) are computed on first use.
///
/// Missing values: imputed before any computation that needs complete data (numeric: column
/// median, nominal: most frequent code), except the counts of missing values themselves.
/// Undefined values are NaN, never an exception: see each feature's documentation (e.g.
/// correlations of a constant column, class-based features of a regression task, `sd_ratio` with
/// singular class covariances, `sd` of a single value). Features skipped because their group ran
/// past `options.time_limit_per_group` are NaN and listed in `timed_out()`.
///
/// @param dataset any valid `data::Dataset` (n ≥ 1; p may be 0; classification or regression).
/// @param options groups, summaries, feature filter, seed, time limit, feature set.
/// @return the named values.
/// @throws DataError if the dataset has no samples (e.g. a default-constructed `Dataset`).
/// @throws ConfigError if `options.features` names a feature not in the selected groups, or
///         `options.groups`/`options.summaries` is empty for the MFE set.
/// Randomness: only through `options.seed` (same seed → same values).
/// Complexity: dominated by the covariance (O(n q²)), its eigen-decomposition (O(q³)) and the
/// landmarking cross-validations (1-NN: O(n² q)); q = columns after one-hot encoding.
[[nodiscard]] inline MetaFeatures extract(const data::Dataset& dataset, const ExtractOptions& options = {}) {
    if (dataset.n_samples() == 0)
        throw DataError(fmt::format("metafeatures::extract(): empty dataset (expected n >= 1 samples, got 0 samples "
                                    "and {} features)",
                                    dataset.n_features()));
    detail::Context ctx(dataset, options.seed);
    detail::Sink sink(options);
    if (options.feature_set == FeatureSet::autosklearn) {
        if (!options.features.empty()) {
            const auto known = autosklearn_feature_names();
            for (const auto& f : options.features)
                if (std::find(known.begin(), known.end(), f) == known.end())
                    throw ConfigError(fmt::format("metafeatures::extract(): unknown auto-sklearn meta-feature '{}'", f));
        }
        sink.start_group();
        detail::autosklearn_set(ctx, sink);
        return sink.finish(false);
    }
    if (options.groups.empty()) throw ConfigError("metafeatures::extract(): no group selected (expected >= 1)");
    if (options.summaries.empty()) throw ConfigError("metafeatures::extract(): no summary selected (expected >= 1)");
    for (const auto& f : options.features) {
        bool found = false;
        for (Group g : options.groups) {
            const auto names = feature_names(g);
            found = found || std::find(names.begin(), names.end(), f) != names.end();
        }
        if (!found)
            throw ConfigError(fmt::format("metafeatures::extract(): unknown meta-feature '{}' (not in the selected groups)", f));
    }
    std::vector<Group> groups = options.groups;
    std::sort(groups.begin(), groups.end());
    groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
    for (Group g : groups) {
        sink.start_group();
        switch (g) {
            case Group::general: detail::general_group(ctx, sink); break;
            case Group::statistical: detail::statistical_group(ctx, sink); break;
            case Group::info_theory: detail::info_theory_group(ctx, sink); break;
            case Group::landmarking: detail::landmarking_group(ctx, sink); break;
            case Group::model_based: detail::model_based_group(ctx, sink); break;
        }
    }
    return sink.finish(true);
}

}  // namespace metalearn::metafeatures
