#pragma once
/// @file options_impl.hpp
/// @brief Bodies of options.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/metafeatures/options.hpp"

namespace metalearn::metafeatures {

METALEARN_INLINE std::vector<Group> all_groups() {
    return {Group::general, Group::statistical, Group::info_theory, Group::landmarking, Group::model_based};
}

METALEARN_INLINE std::vector<Summary> all_summaries() {
    return {Summary::mean,      Summary::sd,    Summary::min,      Summary::max,      Summary::median,
            Summary::quantiles, Summary::range, Summary::skewness, Summary::kurtosis, Summary::histogram};
}

METALEARN_INLINE std::string_view group_name(Group g) noexcept {
    switch (g) {
        case Group::general: return "general";
        case Group::statistical: return "statistical";
        case Group::info_theory: return "info-theory";
        case Group::landmarking: return "landmarking";
        case Group::model_based: return "model-based";
    }
    return "?";
}

METALEARN_INLINE std::string_view summary_name(Summary s) noexcept {
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

METALEARN_INLINE Group parse_group(std::string_view s) {
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

METALEARN_INLINE Summary parse_summary(std::string_view s) {
    for (Summary x : all_summaries())
        if (s == summary_name(x)) return x;
    throw ConfigError(fmt::format("metafeatures::parse_summary(): unknown summary '{}' (expected mean, sd, min, max, "
                                  "median, quantiles, range, skewness, kurtosis or histogram)",
                                  s));
}

}  // namespace metalearn::metafeatures
