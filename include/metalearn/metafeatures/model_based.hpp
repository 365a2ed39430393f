#pragma once
/// @file model_based.hpp
/// @brief Model-based meta-features: the structure of one full-depth CART tree (Gini) grown on
/// the numeric view N (q columns) of the whole dataset, the tree pymfe 0.4.4 grows
/// (`model_based.py`: scikit-learn's `DecisionTreeClassifier(random_state=seed)` with its defaults),
/// reproduced split for split by `detail::SklearnTree` with random_state = the options' seed
/// (mod 2³²), the classes ordered by name as scikit-learn orders them.
///
/// Definitions (MFE: Rivolli et al. 2022; Alcobaça et al. 2020; Bensusan, Giraud-Carrier &
/// Kennedy 2000; Peng et al. 2002), with d(v) the depth of node v (root 0):
/// - `leaves`: number of leaves; `nodes`: number of internal (split) nodes;
/// - `nodes_per_attr` = nodes / q (NaN if q = 0); `nodes_per_inst` = nodes / n;
/// - `tree_depth` (per node, all nodes): d(v); `leaves_branch` (per leaf): d(leaf);
/// - `leaves_corrob` (per leaf): fraction of the training rows that reach the leaf;
/// - `tree_shape` (per leaf): −2^{−d} log2 2^{−d} = d·2^{−d} (probability of reaching the leaf by a
///   random walk, in entropy form);
/// - `leaves_homo` (per leaf): leaves / tree_shape (NaN for a single-leaf tree, where tree_shape
///   is 0);
/// - `leaves_per_class` (per class labelling at least one leaf): fraction of the leaves whose
///   majority class (on ties the first class by name, numpy's argmax) is that class;
/// - `nodes_per_level` (per depth holding internal nodes): number of internal nodes at that depth;
/// - `nodes_repeated` (per attribute used in a split): number of splits on it;
/// - `var_importance` (per column of N): Gini importance (impurity decrease, normalised to 1; all
///   0 for a single-leaf tree);
/// - `tree_imbalance` (per distinct leaf probability π = 2^{−d} with c leaves): with a = 2^{−π c},
///   −a log2 a (pymfe's definition).
/// All NaN for regression tasks and datasets without attributes.
/// The time limit is checked between the tree's nodes: an interrupted tree leaves the group's
/// remaining features NaN (timed out), and the next feature tries again only if time is left.

#include "metalearn/core/random.hpp"
#include "metalearn/metafeatures/detail/context.hpp"
#include "metalearn/metafeatures/detail/sklearn_tree.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace metalearn::metafeatures {

/// Base names of the model-based group.
[[nodiscard]] inline std::vector<std::string> model_based_feature_names() {
    return {"leaves",           "leaves_branch",   "leaves_corrob",  "leaves_homo", "leaves_per_class",
            "nodes",            "nodes_per_attr",  "nodes_per_inst", "nodes_per_level", "nodes_repeated",
            "tree_depth",       "tree_imbalance",  "tree_shape",     "var_importance"};
}

namespace detail {

/// Compute the model-based group into `out`.
inline void model_based_group(Context& ctx, Sink& out) {
    std::optional<SklearnTree> tree;
    // scikit-learn's tree reads X as float32 and refuses values beyond its range ("a value too
    // large for dtype('float32')"): there the group is undefined (NaN), never a tree of infinities
    std::optional<bool> float32_range;
    const auto in_float32_range = [&] {
        if (!float32_range) {
            float32_range = (ctx.N().array().abs() <= static_cast<double>(std::numeric_limits<float>::max())).all();
            if (!*float32_range && out.options().on_warning)
                out.options().on_warning(
                    "metafeatures::extract(): a value beyond float32's range (|x| > 3.4e38): the model-based features "
                    "are undefined (NaN), as scikit-learn's tree, which reads the data as float32, refuses them "
                    "(rescale the attributes to compute them)");
        }
        return *float32_range;
    };
    const auto ok = [&] { return ctx.classification() && ctx.N().cols() > 0 && in_float32_range(); };
    const auto nodes = [&]() -> const std::vector<SklearnNode>& {
        if (!tree) {
            // scikit-learn's class indices: the classes present, ordered by name.
            const auto& names = ctx.dataset().class_names();
            const auto& counts = ctx.class_counts();
            std::vector<int> order;
            for (std::size_t c = 0; c < counts.size(); ++c)
                if (counts[c] > 0) order.push_back(static_cast<int>(c));
            std::sort(order.begin(), order.end(),
                      [&](int a, int b) { return names[static_cast<std::size_t>(a)] < names[static_cast<std::size_t>(b)]; });
            std::vector<int> rank(counts.size(), 0);
            for (std::size_t r = 0; r < order.size(); ++r) rank[static_cast<std::size_t>(order[r])] = static_cast<int>(r);
            std::vector<int> y(ctx.y().size());
            for (std::size_t i = 0; i < y.size(); ++i) y[i] = rank[static_cast<std::size_t>(ctx.y()[i])];
            SklearnTree t;
            // a deep tree on many columns: interrupted between nodes
            t.fit(ctx.N(), y, static_cast<int>(order.size()), static_cast<std::uint32_t>(ctx.seed() & 0xFFFFFFFFULL),
                  ctx.budget().stop());
            if (!t.complete()) throw Interrupted("metafeatures::extract(): the model-based tree interrupted by the time limit");
            tree = std::move(t);
        }
        return tree->nodes();
    };
    const auto count_leaves = [&] {
        double k = 0;
        for (const auto& v : nodes()) k += v.is_leaf() ? 1 : 0;
        return k;
    };
    const auto leaf_values = [&](auto&& f) {
        std::vector<double> r;
        if (!ok()) return r;
        for (const auto& v : nodes())
            if (v.is_leaf()) r.push_back(f(v));
        return r;
    };
    const auto shape_of = [](const SklearnNode& v) {
        const auto d = static_cast<double>(v.depth);
        return d * std::exp2(-d);
    };

    out.single("leaves", [&] { return ok() ? count_leaves() : nan; });
    out.multi("leaves_branch", [&] { return leaf_values([](const auto& v) { return static_cast<double>(v.depth); }); });
    out.multi("leaves_corrob", [&] {
        return leaf_values([&](const auto& v) { return static_cast<double>(v.n_samples) / static_cast<double>(ctx.n()); });
    });
    out.multi("leaves_homo", [&] {
        const double l = ok() ? count_leaves() : 0;
        return leaf_values([&](const auto& v) {
            const double s = shape_of(v);
            return s > 0 ? l / s : nan;
        });
    });
    out.multi("leaves_per_class", [&] {
        std::vector<double> r;
        if (!ok()) return r;
        std::map<Index, double> per;
        for (const auto& v : nodes())
            if (v.is_leaf()) {
                Index c = 0;
                v.value.maxCoeff(&c);
                per[c] += 1;
            }
        const double l = count_leaves();
        for (const auto& [c, k] : per) r.push_back(k / l);
        return r;
    });
    const auto count_nodes = [&] { return static_cast<double>(nodes().size()) - count_leaves(); };
    out.single("nodes", [&] { return ok() ? count_nodes() : nan; });
    out.single("nodes_per_attr", [&] {
        return ok() && ctx.N().cols() > 0 ? count_nodes() / static_cast<double>(ctx.N().cols()) : nan;
    });
    out.single("nodes_per_inst", [&] { return ok() ? count_nodes() / static_cast<double>(ctx.n()) : nan; });
    out.multi("nodes_per_level", [&] {
        std::vector<double> r;
        if (!ok()) return r;
        std::map<Index, double> per;
        for (const auto& v : nodes())
            if (!v.is_leaf()) per[v.depth] += 1;
        for (const auto& [d, k] : per) r.push_back(k);
        return r;
    });
    out.multi("nodes_repeated", [&] {
        std::vector<double> r;
        if (!ok()) return r;
        std::map<Index, double> per;
        for (const auto& v : nodes())
            if (!v.is_leaf()) per[v.feature] += 1;
        for (const auto& [f, k] : per) r.push_back(k);
        return r;
    });
    out.multi("tree_depth", [&] {
        std::vector<double> r;
        if (!ok()) return r;
        for (const auto& v : nodes()) r.push_back(static_cast<double>(v.depth));
        return r;
    });
    out.multi("tree_imbalance", [&] {
        std::vector<double> r;
        if (!ok()) return r;
        std::map<Index, double> per_depth;  // leaves per depth = per distinct probability
        for (const auto& v : nodes())
            if (v.is_leaf()) per_depth[v.depth] += 1;
        // pymfe orders the distinct probabilities ascending, i.e. depths descending.
        for (auto it = per_depth.rbegin(); it != per_depth.rend(); ++it) {
            const double pi = std::exp2(-static_cast<double>(it->first));
            const double a = std::exp2(-pi * it->second);
            r.push_back(-a * std::log2(a));
        }
        return r;
    });
    out.multi("tree_shape", [&] { return leaf_values(shape_of); });
    out.multi("var_importance", [&] {
        std::vector<double> r;
        if (!ok()) return r;
        nodes();
        const Vector imp = tree->feature_importances();
        return std::vector<double>(imp.data(), imp.data() + imp.size());
    });
}

}  // namespace detail
}  // namespace metalearn::metafeatures
