#pragma once
/// @file summary.hpp
/// @brief Summary functions that turn a multi-valued meta-feature into fixed-size values.

#include "metalearn/metafeatures/detail/stats.hpp"
#include "metalearn/metafeatures/options.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace metalearn::metafeatures {

/// Number of output values of a summary: 5 for quantiles, 10 for histogram, 1 otherwise.
[[nodiscard]] inline std::size_t summary_width(Summary s) noexcept {
    return s == Summary::quantiles ? 5 : (s == Summary::histogram ? 10 : 1);
}

/// Output name suffixes of a summary: {"mean"}, or {"quantiles.0", ..., "quantiles.4"}, ...
[[nodiscard]] inline std::vector<std::string> summary_suffixes(Summary s) {
    const std::string base(summary_name(s));
    if (summary_width(s) == 1) return {base};
    std::vector<std::string> out;
    for (std::size_t i = 0; i < summary_width(s); ++i) out.push_back(base + "." + std::to_string(i));
    return out;
}

/// Apply one summary to a multi-valued feature, with pymfe's treatment of NaN (pymfe 0.4.4
/// `_summary.SUMMARY_METHODS`: "mean" is `np.mean`, "sd" `np.std(ddof=1)`, ...):
/// - mean, sd, min, max, range, median, quantiles: a NaN among the values makes the result NaN
///   (numpy's functions propagate it), so e.g. `cor.mean` is NaN when a column is constant;
/// - skewness, kurtosis, histogram: NaN values are dropped first (pymfe removes them), and
///   infinite ones too.
/// No value (left) → NaN. See `Summary` for each definition (sd: ddof = 1, so NaN for one value;
/// skewness/kurtosis: type 3, NaN when constant; histogram: fractions in 10 equal-width bins,
/// last bin closed).
/// @param values the feature's values (any length).
/// @return `summary_width(s)` values.
[[nodiscard]] inline std::vector<double> summarize(const std::vector<double>& values, Summary s) {
    const std::size_t width = summary_width(s);
    const bool drops_nan = s == Summary::skewness || s == Summary::kurtosis || s == Summary::histogram;
    std::vector<double> v;
    v.reserve(values.size());
    for (double x : values) {
        if (drops_nan) {
            if (std::isfinite(x)) v.push_back(x);  // an infinite value would break the bins
        } else if (std::isnan(x)) {
            return std::vector<double>(width, detail::nan);
        } else {
            v.push_back(x);
        }
    }
    if (v.empty()) return std::vector<double>(width, detail::nan);
    switch (s) {
        case Summary::mean: return {detail::mean(v)};
        case Summary::sd: return {std::sqrt(detail::variance(v))};
        case Summary::min: return {*std::min_element(v.begin(), v.end())};
        case Summary::max: return {*std::max_element(v.begin(), v.end())};
        case Summary::range: {
            const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
            return {*hi - *lo};
        }
        case Summary::median: {
            std::sort(v.begin(), v.end());
            return {detail::sorted_quantile(v, 0.5)};
        }
        case Summary::quantiles: {
            std::sort(v.begin(), v.end());
            return {detail::sorted_quantile(v, 0.0), detail::sorted_quantile(v, 0.25), detail::sorted_quantile(v, 0.5),
                    detail::sorted_quantile(v, 0.75), detail::sorted_quantile(v, 1.0)};
        }
        case Summary::skewness: return {detail::skewness(v, true)};
        case Summary::kurtosis: return {detail::kurtosis(v, true)};
        case Summary::histogram: {
            auto [lo_it, hi_it] = std::minmax_element(v.begin(), v.end());
            double lo = *lo_it;
            double hi = *hi_it;
            if (lo == hi) {
                lo -= 0.5;
                hi += 0.5;
            }
            std::vector<double> h(10, 0.0);
            for (double x : v) {
                auto b = static_cast<std::size_t>(std::floor((x - lo) / (hi - lo) * 10.0));
                if (b >= 10) b = 9;
                h[b] += 1.0;
            }
            for (double& c : h) c /= static_cast<double>(v.size());
            return h;
        }
    }
    return std::vector<double>(width, detail::nan);
}

}  // namespace metalearn::metafeatures
