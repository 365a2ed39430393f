#pragma once
/// @file info_theory.hpp
/// @brief Information-theoretic meta-features (entropies in bits, log base 2).
///
/// Every attribute is made discrete first (`detail::Context::discrete`): numeric attributes
/// into B = ⌊n^{1/3}⌋ equal-frequency bins (exact integer cube root; pymfe's floating-point
/// `int(n ** (1/3))` gives one bin less when n is a perfect cube), nominal attributes keep their
/// codes. Missing cells are imputed first (median / most frequent code). Because only the order of
/// the values matters, every feature here is invariant under strictly increasing transforms of a
/// numeric attribute. Definitions (MFE: Rivolli et al. 2022; pymfe `info_theory.py`; Michie et al.
/// 1994), with A_j a discretised attribute and Y the class:
/// - `attr_ent` (per attribute): H(A_j); `class_ent`: H(Y);
/// - `joint_ent` (per attribute): H(A_j, Y); `mut_inf` (per attribute): H(A_j) + H(Y) − H(A_j, Y);
/// - `eq_num_attr` = H(Y) / mean_j MI(A_j, Y); `ns_ratio` = (mean_j H(A_j) − mean_j MI) / mean_j MI
///   (both NaN when the mean mutual information is 0);
/// - `class_conc` (per attribute): Goodman–Kruskal τ of the class predicting the attribute,
///   τ(Y → A) = (Σ_y Σ_a p_ya² / p_y − Σ_a p_a²) / (1 − Σ_a p_a²), the direction pymfe uses; NaN
///   for a constant attribute;
/// - `attr_conc`: τ(A_k → A_j) for every ordered pair j ≠ k of attributes; when p > 12, 12
///   attributes are drawn at random first (seeded), as pymfe's `max_attr_num = 12`.
/// The class-based features are NaN for regression tasks.

#include "metalearn/core/random.hpp"
#include "metalearn/metafeatures/detail/context.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace metalearn::metafeatures {

/// Base names of the information-theoretic group.
[[nodiscard]] inline std::vector<std::string> info_theory_feature_names() {
    return {"attr_conc", "attr_ent", "class_conc", "class_ent", "eq_num_attr", "joint_ent", "mut_inf", "ns_ratio"};
}

namespace detail {

/// Contingency table (a.levels × b.levels) of two code vectors.
inline std::vector<double> contingency(const std::vector<int>& a, int la, const std::vector<int>& b, int lb) {
    std::vector<double> t(static_cast<std::size_t>(la) * static_cast<std::size_t>(lb), 0.0);
    for (std::size_t i = 0; i < a.size(); ++i)
        t[static_cast<std::size_t>(a[i]) * static_cast<std::size_t>(lb) + static_cast<std::size_t>(b[i])] += 1.0;
    return t;
}

/// Goodman–Kruskal τ(P → T) from the table of (predictor, target) counts (lp × lt).
inline double concentration(const std::vector<double>& t, int lp, int lt) {
    double total = 0.0;
    std::vector<double> rp(static_cast<std::size_t>(lp), 0.0), ct(static_cast<std::size_t>(lt), 0.0);
    for (int i = 0; i < lp; ++i)
        for (int j = 0; j < lt; ++j) {
            const double v = t[static_cast<std::size_t>(i) * static_cast<std::size_t>(lt) + static_cast<std::size_t>(j)];
            rp[static_cast<std::size_t>(i)] += v;
            ct[static_cast<std::size_t>(j)] += v;
            total += v;
        }
    if (total <= 0) return nan;
    double sum_t2 = 0.0;
    for (double c : ct) sum_t2 += (c / total) * (c / total);
    const double den = 1.0 - sum_t2;
    if (den < 1e-12) return nan;
    double s = 0.0;
    for (int i = 0; i < lp; ++i) {
        const double pi = rp[static_cast<std::size_t>(i)] / total;
        if (pi <= 0) continue;
        for (int j = 0; j < lt; ++j) {
            const double pij = t[static_cast<std::size_t>(i) * static_cast<std::size_t>(lt) + static_cast<std::size_t>(j)] / total;
            s += pij * pij / pi;
        }
    }
    return (s - sum_t2) / den;
}

/// Compute the information-theoretic group into `out`.
inline void info_theory_group(Context& ctx, Sink& out) {
    const Index p = ctx.p();
    const bool clf = ctx.classification();
    const int k = clf ? static_cast<int>(ctx.dataset().n_classes()) : 0;
    const double h_y = clf ? entropy_from_counts(ctx.class_counts()) : nan;

    std::optional<std::vector<double>> h_attr, h_joint;
    const auto attr_ent = [&]() -> const std::vector<double>& {
        if (!h_attr) {
            h_attr.emplace();
            for (Index j = 0; j < p; ++j) {
                const auto& dj = ctx.discrete(j);
                std::vector<double> c(static_cast<std::size_t>(dj.levels), 0.0);
                for (int v : dj.codes) c[static_cast<std::size_t>(v)] += 1.0;
                h_attr->push_back(entropy_from_counts(c));
            }
        }
        return *h_attr;
    };
    const auto joint_ent = [&]() -> const std::vector<double>& {
        if (!h_joint) {
            h_joint.emplace();
            if (clf)
                for (Index j = 0; j < p; ++j) {
                    const auto& dj = ctx.discrete(j);
                    h_joint->push_back(entropy_from_counts(contingency(dj.codes, dj.levels, ctx.y(), k)));
                }
        }
        return *h_joint;
    };
    const auto mut_inf = [&]() {
        std::vector<double> mi;
        if (!clf) return mi;
        const auto& ha = attr_ent();
        const auto& hj = joint_ent();
        for (std::size_t j = 0; j < ha.size(); ++j) mi.push_back(std::max(0.0, ha[j] + h_y - hj[j]));
        return mi;
    };
    const auto mean_mi = [&]() {
        const auto mi = mut_inf();
        return mi.empty() ? nan : mean(mi);
    };

    out.multi("attr_conc", [&] {
        std::vector<Index> attrs(static_cast<std::size_t>(p));
        for (Index j = 0; j < p; ++j) attrs[static_cast<std::size_t>(j)] = j;
        if (p > 12) {
            Rng rng(derive_seed(ctx.seed(), {0xA77C0ACULL}));
            rng.shuffle(attrs.begin(), attrs.end());
            attrs.resize(12);
            std::sort(attrs.begin(), attrs.end());
        }
        std::vector<double> v;
        for (Index a : attrs)
            for (Index b : attrs) {
                if (a == b) continue;
                ctx.budget().check("attr_conc");
                const auto& da = ctx.discrete(a);
                const auto& db = ctx.discrete(b);
                v.push_back(concentration(contingency(db.codes, db.levels, da.codes, da.levels), db.levels, da.levels));
            }
        return v;
    });
    out.multi("attr_ent", [&] { return attr_ent(); });
    out.multi("class_conc", [&] {
        std::vector<double> v;
        if (!clf) return v;
        for (Index j = 0; j < p; ++j) {
            const auto& dj = ctx.discrete(j);
            v.push_back(concentration(contingency(ctx.y(), k, dj.codes, dj.levels), k, dj.levels));
        }
        return v;
    });
    out.single("class_ent", [&] { return h_y; });
    out.single("eq_num_attr", [&] {
        const double m = mean_mi();
        return m > 1e-15 ? h_y / m : nan;
    });
    out.multi("joint_ent", [&] { return joint_ent(); });
    out.multi("mut_inf", [&] { return mut_inf(); });
    out.single("ns_ratio", [&] {
        const double m = mean_mi();
        return m > 1e-15 ? (mean(attr_ent()) - m) / m : nan;
    });
}

}  // namespace detail
}  // namespace metalearn::metafeatures
