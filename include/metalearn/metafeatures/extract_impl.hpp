#pragma once
/// @file extract_impl.hpp
/// @brief Bodies of extract.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/core/error.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/preprocess.hpp"
#include "metalearn/metafeatures/extract.hpp"
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

METALEARN_INLINE std::vector<std::string> feature_names(Group g) {
    switch (g) {
        case Group::general: return general_feature_names();
        case Group::statistical: return statistical_feature_names();
        case Group::info_theory: return info_theory_feature_names();
        case Group::landmarking: return landmarking_feature_names();
        case Group::model_based: return model_based_feature_names();
    }
    return {};
}

METALEARN_INLINE MetaFeatures extract(const data::Dataset& dataset, const ExtractOptions& options) {
    if (dataset.n_samples() == 0)
        throw DataError(fmt::format("metafeatures::extract(): empty dataset (expected n >= 1 samples, got 0 samples "
                                    "and {} features)",
                                    dataset.n_features()));
    if (options.landmarking_max_rows != 0 && options.landmarking_max_rows < 20)
        throw ConfigError(fmt::format("metafeatures::extract(): landmarking_max_rows out of range (expected 0 = every row "
                                      "or >= 20, got {})",
                                      options.landmarking_max_rows));
    if (options.max_categories < 0 || options.max_categories == 1)
        throw ConfigError(fmt::format("metafeatures::extract(): max_categories out of range (expected 0 = no limit or "
                                      ">= 2, got {})",
                                      options.max_categories));
    if (options.time_limit_per_group.count() < 0 || options.time_limit.count() < 0)
        throw ConfigError(fmt::format("metafeatures::extract(): negative time limit (expected >= 0 ms, got {} ms per "
                                      "group and {} ms in total)",
                                      options.time_limit_per_group.count(), options.time_limit.count()));
    if (options.on_warning)
        for (const auto& c : data::identifier_like_columns(dataset.X(), dataset.features())) {
            const auto k = static_cast<Index>(dataset.feature(c.column).categories.size());
            options.on_warning(fmt::format(
                "metafeatures::extract(): nominal attribute '{}' looks like free text or an identifier ({} distinct "
                "values in {} rows){}",
                c.name, c.distinct, c.non_missing,
                options.max_categories > 0 && k > options.max_categories
                    ? fmt::format("; its one-hot columns keep the {} most frequent categories and fold the other {} "
                                  "into '{}=(other)'",
                                  options.max_categories - 1, k - (options.max_categories - 1), c.name)
                    : std::string()));
        }
    if (options.on_warning && dataset.is_classification()) {
        const Index present = dataset.n_classes_present();
        if (present < 2)
            options.on_warning(fmt::format(
                "metafeatures::extract(): the dataset has {} class with rows (expected at least 2): the landmarkers "
                "have nothing to tell apart (their accuracies are 1, or NaN where a model needs two classes) and the "
                "class-based features (class entropy, mutual information, canonical correlations, ...) describe "
                "no classification problem",
                present));
    }
    detail::Budget budget(options);
    detail::Context ctx(dataset, options.seed, options.max_categories, &budget);
    detail::Sink sink(options, budget);
    if (options.feature_set == FeatureSet::autosklearn) {
        if (!options.features.empty()) {
            const auto known = autosklearn_feature_names();
            for (const auto& f : options.features)
                if (std::find(known.begin(), known.end(), f) == known.end())
                    throw ConfigError(fmt::format("metafeatures::extract(): unknown auto-sklearn meta-feature '{}'", f));
        }
        sink.start_group();
        detail::autosklearn_set(ctx, sink, options.landmarking_max_rows);
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
            case Group::landmarking: detail::landmarking_group(ctx, sink, options.landmarking_max_rows); break;
            case Group::model_based: detail::model_based_group(ctx, sink); break;
        }
    }
    return sink.finish(true);
}

}  // namespace metalearn::metafeatures
