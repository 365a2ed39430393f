#pragma once
/// @file class_weight.hpp
/// @brief Class weights of classifiers (scikit-learn's `class_weight`): none, balanced, or
/// explicit per class, turned into per-sample weights.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string_view>
#include <vector>

namespace metalearn::models {

/// How a classifier weights the samples of each class (scikit-learn's `class_weight`).
enum class ClassWeight {
    none,      ///< every sample weighs 1.
    balanced,  ///< a sample of class k weighs n / (K · n_k), n_k its class's count in the training data.
    explicit_weights,  ///< a sample of class k weighs `class_weights[k]` (the model's parameter).
};

/// The name of a class weighting as written in saved models and search spaces: "none",
/// "balanced", "explicit".
[[nodiscard]] inline std::string_view to_string(ClassWeight w) {
    switch (w) {
        case ClassWeight::balanced: return "balanced";
        case ClassWeight::explicit_weights: return "explicit";
        case ClassWeight::none: break;
    }
    return "none";
}

namespace detail {

/// Largest class weight accepted: squared weighted counts (Gini) must stay far from overflow.
inline constexpr double kMaxClassWeight = 1e100;
/// Smallest positive class weight accepted: squared weighted counts (Gini) must stay far from
/// underflow (below about 1e-154 they are 0, and every cut of a tree would score the same).
inline constexpr double kMinClassWeight = 1e-100;

/// Check class weights: every entry of `weights` finite and 0 or in [1e-100, 1e100] (whatever
/// `kind`, so a model always saves and loads); for `explicit_weights`, at least one entry and one > 0.
/// @throws ConfigError naming `where` and the entry.
inline void check_class_weights(std::string_view where, ClassWeight kind, const std::vector<double>& weights) {
    if (kind != ClassWeight::none && kind != ClassWeight::balanced && kind != ClassWeight::explicit_weights)
        throw ConfigError(fmt::format("{}: class_weight {} is not a ClassWeight (expected none, balanced or explicit)",
                                      where, static_cast<int>(kind)));
    bool positive = false;
    for (std::size_t k = 0; k < weights.size(); ++k) {
        if (!std::isfinite(weights[k]) || weights[k] < 0.0 || weights[k] > kMaxClassWeight ||
            (weights[k] > 0.0 && weights[k] < kMinClassWeight))
            throw ConfigError(fmt::format("{}: class_weights[{}] out of range (expected 0 or finite in [1e-100, 1e100], got {})",
                                          where, k, weights[k]));
        positive = positive || weights[k] > 0.0;
    }
    if (kind != ClassWeight::explicit_weights) return;
    if (weights.empty())
        throw ConfigError(fmt::format("{}: class_weight is explicit but class_weights is empty (expected one weight per class)",
                                      where));
    if (!positive) throw ConfigError(fmt::format("{}: every class weight is 0 (expected at least one > 0)", where));
}

/// The weight of each class (K values) for class codes in [0, K), as scikit-learn's
/// `compute_class_weight`: empty for `none`; n / (K' · n_k) for `balanced`, with n_k the count of
/// class k in `codes`, n their number and K' the number of classes present (scikit-learn counts
/// the classes of y; a declared class without samples gets weight 0); `weights[k]` for
/// `explicit_weights`.
/// @throws DataError when explicit weights are not exactly K, or when every sample of the data
///         would weigh 0 (the classes present all have weight 0).
inline std::vector<double> class_weight_values(std::string_view where, const std::vector<Index>& codes, Index k,
                                               ClassWeight kind, const std::vector<double>& weights) {
    if (kind == ClassWeight::none) return {};
    std::vector<double> count(static_cast<std::size_t>(k), 0.0);
    for (Index c : codes) count[static_cast<std::size_t>(c)] += 1.0;
    if (kind == ClassWeight::explicit_weights) {
        if (static_cast<Index>(weights.size()) != k)
            throw DataError(fmt::format("{}: class_weights has {} entries for {} classes (expected one per class)", where,
                                        weights.size(), k));
        bool any = false;
        for (std::size_t c = 0; c < count.size(); ++c) any = any || (count[c] > 0.0 && weights[c] > 0.0);
        if (!any)
            throw DataError(fmt::format("{}: every training sample weighs 0 (the classes present have class weight 0)",
                                        where));
        return weights;
    }
    double present = 0.0;
    for (double c : count) present += c > 0.0 ? 1.0 : 0.0;
    std::vector<double> out(static_cast<std::size_t>(k), 0.0);
    const auto n = static_cast<double>(codes.size());
    for (std::size_t c = 0; c < out.size(); ++c)
        if (count[c] > 0.0) out[c] = n / (present * count[c]);
    return out;
}

/// Per-sample weights (n) for class codes in [0, K): each sample weighs its class's weight
/// (`class_weight_values`; 1 for `none`), as scikit-learn's `compute_sample_weight(class_weight, y)`.
/// @throws DataError as `class_weight_values`.
inline Vector class_sample_weights(std::string_view where, const std::vector<Index>& codes, Index k, ClassWeight kind,
                                   const std::vector<double>& weights) {
    const auto n = static_cast<Index>(codes.size());
    Vector w = Vector::Ones(n);
    const std::vector<double> per_class = class_weight_values(where, codes, k, kind, weights);
    if (per_class.empty()) return w;
    for (Index i = 0; i < n; ++i) w[i] = per_class[static_cast<std::size_t>(codes[static_cast<std::size_t>(i)])];
    return w;
}

}  // namespace detail
}  // namespace metalearn::models
