#pragma once
/// @file general.hpp
/// @brief General (simple) meta-features: sizes, attribute types, class frequencies.
///
/// Definitions follow MFE (Rivolli et al., "Meta-features for meta-learning", Knowledge-Based
/// Systems 240, 2022; pymfe `general.py`), with n rows, p attributes, K declared classes:
/// - `nr_inst` = n; `nr_attr` = p; `nr_num` = numeric attributes; `nr_cat` = nominal attributes;
/// - `nr_bin` = attributes with exactly two distinct (non-missing) values, of either kind;
/// - `nr_class` = number of classes with at least one member (NaN for regression);
/// - `attr_to_inst` = p/n; `inst_to_attr` = n/p (NaN if p = 0);
/// - `cat_to_num` = nr_cat/nr_num (NaN if nr_num = 0); `num_to_cat` = nr_num/nr_cat (NaN if
///   nr_cat = 0);
/// - `freq_class` (multi-valued): the proportion of each class present, n_c/n (NaN for regression).

#include "metalearn/metafeatures/detail/context.hpp"

#include <set>
#include <string>
#include <vector>

namespace metalearn::metafeatures {

/// Base names of the general group, in pymfe's spelling.
[[nodiscard]] inline std::vector<std::string> general_feature_names() {
    return {"attr_to_inst", "cat_to_num", "freq_class", "inst_to_attr", "nr_attr", "nr_bin",
            "nr_cat",       "nr_class",   "nr_inst",    "nr_num",       "num_to_cat"};
}

namespace detail {

inline double ratio_or_nan(double a, double b) { return b != 0.0 ? a / b : nan; }

/// Compute the general group into `out`.
inline void general_group(Context& ctx, Sink& out) {
    const auto& d = ctx.dataset();
    const auto n = static_cast<double>(ctx.n());
    const auto p = static_cast<double>(ctx.p());
    const auto n_cat = static_cast<double>(d.n_nominal());
    const double n_num = p - n_cat;
    out.single("attr_to_inst", [&] { return p / n; });
    out.single("cat_to_num", [&] { return ratio_or_nan(n_cat, n_num); });
    out.multi("freq_class", [&] {
        std::vector<double> f;
        for (double c : ctx.class_counts())
            if (c > 0) f.push_back(c / n);
        return f;
    });
    out.single("inst_to_attr", [&] { return ratio_or_nan(n, p); });
    out.single("nr_attr", [&] { return p; });
    out.single("nr_bin", [&] {
        double bins = 0;
        const Matrix& X = d.X();
        for (Index j = 0; j < X.cols(); ++j) {
            std::set<double> distinct;
            for (Index i = 0; i < X.rows() && distinct.size() <= 2; ++i)
                if (!std::isnan(X(i, j))) distinct.insert(X(i, j));
            bins += distinct.size() == 2 ? 1 : 0;
        }
        return bins;
    });
    out.single("nr_cat", [&] { return n_cat; });
    out.single("nr_class", [&] { return ctx.classification() ? static_cast<double>(ctx.n_present_classes()) : nan; });
    out.single("nr_inst", [&] { return n; });
    out.single("nr_num", [&] { return n_num; });
    out.single("num_to_cat", [&] { return ratio_or_nan(n_num, n_cat); });
}

}  // namespace detail
}  // namespace metalearn::metafeatures
