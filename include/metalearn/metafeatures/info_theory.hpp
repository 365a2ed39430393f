#pragma once
/// @file info_theory.hpp
/// @brief Information-theoretic meta-features (entropies in bits, log base 2), computed as pymfe
/// 0.4.4 computes them (`info_theory.py`; Alcobaça et al., JMLR 21(111), 2020; definitions: Rivolli
/// et al., Knowledge-Based Systems 240, 2022; Michie et al. 1994).
///
/// Every attribute is made discrete first (`detail::Context::discrete`): numeric attributes into
/// B = int(n^{1/3}) equal-frequency bins closed on the right (pymfe's `transform_num`), nominal
/// attributes keep their codes. Missing cells are imputed first (median / most frequent code).
/// Only the order of a numeric attribute's values matters. With A_j a discretised attribute, Y the
/// class, and "table" pymfe's `pd.crosstab(..., normalize=True) + 1e-8`: the joint frequencies of
/// the values present, each cell plus ε = 1e-8 (so empty cells count, a little):
/// - `attr_ent` (per attribute): H(A_j); `class_ent`: H(Y) (plain frequencies, no ε);
/// - `joint_ent` (per attribute): −Σ t log2 t over the table t of (Y, A_j);
/// - `mut_inf` (per attribute): H(A_j) + H(Y) − joint_ent_j (not clipped at 0);
/// - `eq_num_attr` = H(Y) / mean_j MI_j; `ns_ratio` = (mean_j H(A_j) − mean_j MI_j) / mean_j MI_j
///   (both NaN when the mean mutual information is 0; with the ε of the tables it is rarely
///   exactly 0: one class gives MI ≈ 1.4e-8 per attribute, so eq_num_attr = 0, as pymfe);
/// - `class_conc` (per attribute): Goodman–Kruskal τ of the class predicting the attribute, from
///   the table t of (A_j, Y): (Σ_ij t_ij² / t_.j − Σ_i t_i.²) / (1 − Σ_i t_i.²) (about 0.5, not
///   NaN, for a constant attribute, as pymfe's ε makes it);
/// - `attr_conc`: τ(A_k → A_j) for every ordered pair j ≠ k of attributes. When p > 12, 12
///   attributes are drawn as pymfe draws them with `random_state` = the options' seed (taken mod
///   2³²): numpy's legacy `seed(s)` + `choice(p, 12, replace=False)` (MT19937, Fisher–Yates with
///   masked rejection sampling), over pymfe's attribute order (nominal attributes first, then the
///   numeric ones).
/// The class-based features are NaN for regression tasks.

#include "metalearn/core/random.hpp"
#include "metalearn/metafeatures/detail/context.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace metalearn::metafeatures {

/// Base names of the information-theoretic group.
[[nodiscard]] inline std::vector<std::string> info_theory_feature_names() {
    return {"attr_conc", "attr_ent", "class_conc", "class_ent", "eq_num_attr", "joint_ent", "mut_inf", "ns_ratio"};
}

namespace detail {

/// Contingency table (la × lb counts, row-major) of two code vectors.
inline std::vector<double> contingency(const std::vector<int>& a, int la, const std::vector<int>& b, int lb) {
    std::vector<double> t(static_cast<std::size_t>(la) * static_cast<std::size_t>(lb), 0.0);
    for (std::size_t i = 0; i < a.size(); ++i)
        t[static_cast<std::size_t>(a[i]) * static_cast<std::size_t>(lb) + static_cast<std::size_t>(b[i])] += 1.0;
    return t;
}

/// pymfe's smoothed frequency table: the rows and columns of the count table `t` (la × lb) whose
/// value is present, as frequencies plus ε = 1e-8 (`pd.crosstab(a, b, normalize=True) + 1e-8`).
/// @param rows, cols set to the size of the result (row-major).
inline std::vector<double> smoothed_table(const std::vector<double>& t, int la, int lb, int& rows, int& cols) {
    std::vector<double> rs(static_cast<std::size_t>(la), 0.0), cs(static_cast<std::size_t>(lb), 0.0);
    double total = 0.0;
    for (int i = 0; i < la; ++i)
        for (int j = 0; j < lb; ++j) {
            const double v = t[static_cast<std::size_t>(i) * static_cast<std::size_t>(lb) + static_cast<std::size_t>(j)];
            rs[static_cast<std::size_t>(i)] += v;
            cs[static_cast<std::size_t>(j)] += v;
            total += v;
        }
    std::vector<int> ri, ci;
    for (int i = 0; i < la; ++i)
        if (rs[static_cast<std::size_t>(i)] > 0) ri.push_back(i);
    for (int j = 0; j < lb; ++j)
        if (cs[static_cast<std::size_t>(j)] > 0) ci.push_back(j);
    rows = static_cast<int>(ri.size());
    cols = static_cast<int>(ci.size());
    std::vector<double> out;
    out.reserve(ri.size() * ci.size());
    for (int i : ri)
        for (int j : ci)
            out.push_back(t[static_cast<std::size_t>(i) * static_cast<std::size_t>(lb) + static_cast<std::size_t>(j)] / total +
                          1e-8);
    return out;
}

/// pymfe's joint entropy from the count table of (Y, A): −Σ t log2 t over the smoothed table.
inline double smoothed_joint_entropy(const std::vector<double>& counts, int la, int lb) {
    int r = 0, c = 0;
    const auto t = smoothed_table(counts, la, lb, r, c);
    double h = 0.0;
    for (double v : t) h -= v * std::log2(v);
    return h;
}

/// pymfe's concentration coefficient τ(P → T) (`_calc_conc(T, P)`) from the count table of
/// (target, predictor) (lt × lp): on the smoothed table t,
/// (Σ_ij t_ij² / t_.j − Σ_i t_i.²) / (1 − Σ_i t_i.²). NaN without data.
inline double concentration(const std::vector<double>& counts, int lt, int lp) {
    int r = 0, c = 0;
    const auto t = smoothed_table(counts, lt, lp, r, c);
    if (r == 0 || c == 0) return nan;
    std::vector<double> col_sum(static_cast<std::size_t>(c), 0.0);
    double row_sq = 0.0;
    for (int i = 0; i < r; ++i) {
        double rs = 0.0;
        for (int j = 0; j < c; ++j) {
            const double v = t[static_cast<std::size_t>(i) * static_cast<std::size_t>(c) + static_cast<std::size_t>(j)];
            rs += v;
            col_sum[static_cast<std::size_t>(j)] += v;
        }
        row_sq += rs * rs;
    }
    double s = 0.0;
    for (int i = 0; i < r; ++i)
        for (int j = 0; j < c; ++j) {
            const double v = t[static_cast<std::size_t>(i) * static_cast<std::size_t>(c) + static_cast<std::size_t>(j)];
            s += v * v / col_sum[static_cast<std::size_t>(j)];
        }
    return (s - row_sq) / (1.0 - row_sq);
}

/// numpy's legacy `np.random.seed(seed); np.random.choice(m, k, replace=False)` (numpy 1.24,
/// `RandomState`): MT19937 seeded by `init_genrand(seed)` (as `std::mt19937`), a Fisher–Yates
/// shuffle of 0..m−1 from the last position down, each index j ≤ i drawn by masked rejection
/// sampling of 32-bit outputs (numpy's `random_interval`), and the first k entries.
/// @param m population size; @param k sample size (≤ m); @return k distinct indices in numpy's order.
/// @throws DataError when k > m.
inline std::vector<Index> numpy_legacy_choice(std::uint32_t seed, Index m, Index k) {
    if (k > m || k < 0)
        throw DataError(fmt::format("numpy_legacy_choice(): sample of {} from {} (expected 0 <= k <= m)", k, m));
    std::mt19937 mt(seed);
    std::vector<Index> perm(static_cast<std::size_t>(m));
    for (Index i = 0; i < m; ++i) perm[static_cast<std::size_t>(i)] = i;
    for (Index i = m - 1; i >= 1; --i) {
        auto mask = static_cast<std::uint32_t>(i);
        mask |= mask >> 1;
        mask |= mask >> 2;
        mask |= mask >> 4;
        mask |= mask >> 8;
        mask |= mask >> 16;
        std::uint32_t v = 0;
        do v = static_cast<std::uint32_t>(mt()) & mask;
        while (v > static_cast<std::uint32_t>(i));
        std::swap(perm[static_cast<std::size_t>(i)], perm[v]);
    }
    perm.resize(static_cast<std::size_t>(k));
    return perm;
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
                    h_joint->push_back(smoothed_joint_entropy(contingency(ctx.y(), k, dj.codes, dj.levels), k, dj.levels));
                }
        }
        return *h_joint;
    };
    const auto mut_inf = [&]() {
        std::vector<double> mi;
        if (!clf) return mi;
        const auto& ha = attr_ent();
        const auto& hj = joint_ent();
        for (std::size_t j = 0; j < ha.size(); ++j) mi.push_back(ha[j] + h_y - hj[j]);
        return mi;
    };
    const auto mean_mi = [&]() {
        const auto mi = mut_inf();
        return mi.empty() ? nan : mean(mi);
    };

    out.multi("attr_conc", [&] {
        // pymfe's attribute order: nominal attributes first, then the numeric ones.
        std::vector<Index> attrs;
        for (Index j = 0; j < p; ++j)
            if (ctx.dataset().feature(j).is_nominal()) attrs.push_back(j);
        for (Index j = 0; j < p; ++j)
            if (!ctx.dataset().feature(j).is_nominal()) attrs.push_back(j);
        if (p > 12) {
            const auto pick = numpy_legacy_choice(static_cast<std::uint32_t>(ctx.seed() & 0xFFFFFFFFULL), p, 12);
            std::vector<Index> chosen;
            for (Index i : pick) chosen.push_back(attrs[static_cast<std::size_t>(i)]);
            attrs = std::move(chosen);
        }
        std::vector<double> v;
        for (Index a : attrs)
            for (Index b : attrs) {
                if (a == b) continue;
                ctx.budget().check("attr_conc");
                const auto& da = ctx.discrete(a);
                const auto& db = ctx.discrete(b);
                v.push_back(concentration(contingency(da.codes, da.levels, db.codes, db.levels), da.levels, db.levels));
            }
        return v;
    });
    out.multi("attr_ent", [&] { return attr_ent(); });
    out.multi("class_conc", [&] {
        std::vector<double> v;
        if (!clf) return v;
        for (Index j = 0; j < p; ++j) {
            const auto& dj = ctx.discrete(j);
            v.push_back(concentration(contingency(dj.codes, dj.levels, ctx.y(), k), dj.levels, k));
        }
        return v;
    });
    out.single("class_ent", [&] { return h_y; });
    out.single("eq_num_attr", [&] {
        const double m = mean_mi();
        return m != 0.0 ? h_y / m : nan;
    });
    out.multi("joint_ent", [&] { return joint_ent(); });
    out.multi("mut_inf", [&] { return mut_inf(); });
    out.single("ns_ratio", [&] {
        const double m = mean_mi();
        return m != 0.0 ? (mean(attr_ent()) - m) / m : nan;
    });
}

}  // namespace detail
}  // namespace metalearn::metafeatures
