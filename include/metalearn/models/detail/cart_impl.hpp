#pragma once
/// @file cart_impl.hpp
/// @brief Bodies of cart.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/core/memory.hpp"
#include "metalearn/core/numeric.hpp"
#include "metalearn/core/radix_sort.hpp"
#include "metalearn/models/detail/cart.hpp"
#include "metalearn/models/detail/validation.hpp"

#include <bit>

namespace metalearn::models::detail {

METALEARN_INLINE Index resolve_max_features(double max_features, Index p) {
    if (max_features == max_features_sqrt)
        return std::max<Index>(1, static_cast<Index>(std::floor(std::sqrt(static_cast<double>(p)))));
    if (max_features == max_features_log2)
        return std::max<Index>(1, static_cast<Index>(std::floor(std::log2(static_cast<double>(p)))));
    return std::clamp<Index>(static_cast<Index>(std::floor(max_features * static_cast<double>(p))), 1, p);
}

METALEARN_INLINE void validate_tree_params(std::string_view where, Index max_depth, Index min_samples_split,
                                 Index min_samples_leaf, double max_features) {
    if (max_depth < 0)
        throw ConfigError(fmt::format("{}: max_depth out of range (expected >= 0, 0 = unlimited, got {})", where,
                                      max_depth));
    if (min_samples_split < 2)
        throw ConfigError(fmt::format("{}: min_samples_split out of range (expected >= 2, got {})", where,
                                      min_samples_split));
    if (min_samples_leaf < 1)
        throw ConfigError(fmt::format("{}: min_samples_leaf out of range (expected >= 1, got {})", where,
                                      min_samples_leaf));
    const bool ok = max_features == max_features_sqrt || max_features == max_features_log2 ||
                    (max_features > 0.0 && max_features <= 1.0);
    if (!ok)
        throw ConfigError(fmt::format("{}: max_features out of range (expected a fraction in (0, 1], "
                                      "max_features_sqrt (-1) or max_features_log2 (-2), got {})",
                                      where, max_features));
}

METALEARN_INLINE nlohmann::json cart_tree_json(const CartTree& t) {
    std::vector<Index> feature, left, right, n_samples;
    std::vector<double> threshold, impurity, value;
    if (t.nodes.empty()) {  // released: the structure from `packed`, the rest from the flat arrays
        const Index n = t.n_nodes();
        for (Index k = 0; k < n; ++k) {
            const auto& pk = t.packed[static_cast<std::size_t>(k)];
            const bool leaf = pk.feature < 0;
            feature.push_back(leaf ? -1 : Index{pk.feature});
            threshold.push_back(leaf ? 0.0 : pk.threshold);
            left.push_back(leaf ? -1 : k + 1);
            right.push_back(leaf ? -1 : Index{pk.next});
        }
        return {{"feature", feature},          {"threshold", threshold},         {"left", left},
                {"right", right},              {"n_samples", t.node_samples},    {"impurity", t.node_impurity},
                {"value", t.node_values},      {"importance", vector_json(t.importance)}};
    }
    for (const auto& nd : t.nodes) {
        feature.push_back(nd.feature);
        threshold.push_back(nd.threshold);
        left.push_back(nd.left);
        right.push_back(nd.right);
        n_samples.push_back(nd.n_samples);
        impurity.push_back(nd.impurity);
        value.insert(value.end(), nd.value.data(), nd.value.data() + nd.value.size());
    }
    return {{"feature", feature},     {"threshold", threshold}, {"left", left},
            {"right", right},         {"n_samples", n_samples}, {"impurity", impurity},
            {"value", value},         {"importance", vector_json(t.importance)}};
}

METALEARN_INLINE CartTree cart_tree_from_json(const nlohmann::json& j, const JsonAt& at, Index p, Index width) {
    const auto& fj = json_array(json_field(j, at, "feature"), at / "feature");
    const auto n = static_cast<Index>(fj.size());
    if (n < 1) json_value_error(at / "feature", "empty tree (expected >= 1 node, got 0)");
    const auto& tj = json_array(json_field(j, at, "threshold"), at / "threshold", n);
    const auto& lj = json_array(json_field(j, at, "left"), at / "left", n);
    const auto& rj = json_array(json_field(j, at, "right"), at / "right", n);
    const auto& sj = json_array(json_field(j, at, "n_samples"), at / "n_samples", n);
    const Vector impurity = json_vector(json_field(j, at, "impurity"), at / "impurity", n);
    const auto& vj = json_array(json_field(j, at, "value"), at / "value");
    if (static_cast<Index>(vj.size()) / width != n || static_cast<Index>(vj.size()) % width != 0)
        json_value_error(at / "value", fmt::format("array of the wrong length (expected {} nodes x {} values, got {})",
                                                   n, width, vj.size()));
    const Vector value = json_vector(vj, at / "value");
    CartTree t;
    t.importance = json_vector(json_field(j, at, "importance"), at / "importance", p);
    t.nodes.resize(static_cast<std::size_t>(n));
    std::vector<int> parents(static_cast<std::size_t>(n), 0);
    for (Index k = 0; k < n; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        TreeNode& nd = t.nodes[ku];
        nd.feature = json_index(fj[ku], at / "feature" / ku, -1, p - 1);
        nd.threshold = json_double(tj[ku], at / "threshold" / ku);
        nd.n_samples = json_index(sj[ku], at / "n_samples" / ku, 0);
        nd.impurity = impurity[k];
        nd.value = value.segment(k * width, width);
        if (nd.feature < 0) {
            nd.left = json_index(lj[ku], at / "left" / ku, -1, -1);
            nd.right = json_index(rj[ku], at / "right" / ku, -1, -1);
            continue;
        }
        // children come after their parent in depth-first order: no cycles, apply() terminates
        nd.left = json_index(lj[ku], at / "left" / ku, k + 1, n - 1);
        nd.right = json_index(rj[ku], at / "right" / ku, k + 1, n - 1);
        if (nd.left == nd.right)
            json_value_error(at / "right" / ku, fmt::format("both children are node {} (expected two nodes)", nd.left));
        for (const Index c : {nd.left, nd.right}) {
            if (++parents[static_cast<std::size_t>(c)] > 1)
                json_value_error(at, fmt::format("node {} has two parents (expected a tree)", c));
            t.nodes[static_cast<std::size_t>(c)].depth = nd.depth + 1;  // parent k < c is final
        }
    }
    for (Index k = 1; k < n; ++k)
        if (parents[static_cast<std::size_t>(k)] == 0)
            json_value_error(at, fmt::format("node {} is not reachable from the root (expected a tree)", k));
    t.pack();
    return t;
}

METALEARN_INLINE nlohmann::json tree_params_json(Index max_depth, Index min_samples_split, Index min_samples_leaf,
                                                     double max_features) {
    return {{"max_depth", max_depth},
            {"min_samples_split", min_samples_split},
            {"min_samples_leaf", min_samples_leaf},
            {"max_features", max_features}};
}

METALEARN_INLINE void read_tree_params(const nlohmann::json& pj, const JsonAt& at, Index& max_depth, Index& min_samples_split,
                             Index& min_samples_leaf, double& max_features) {
    max_depth = json_index(json_field(pj, at, "max_depth"), at / "max_depth");
    min_samples_split = json_index(json_field(pj, at, "min_samples_split"), at / "min_samples_split");
    min_samples_leaf = json_index(json_field(pj, at, "min_samples_leaf"), at / "min_samples_leaf");
    max_features = json_double(json_field(pj, at, "max_features"), at / "max_features");
    try {
        validate_tree_params(at.where, max_depth, min_samples_split, min_samples_leaf, max_features);
    } catch (const ConfigError& e) {
        json_value_error(at, e.what());
    }
}

}  // namespace metalearn::models::detail

namespace metalearn::models {



}  // namespace metalearn::models

namespace metalearn::models::detail {

METALEARN_INLINE Index CartTree::depth() const {
    Index d = 0;
    if (nodes.empty() && !packed.empty()) {  // released: walk `packed` (pre-order, left child next)
        std::vector<std::pair<std::int32_t, Index>> stack{{0, 0}};
        while (!stack.empty()) {
            const auto [k, dk] = stack.back();
            stack.pop_back();
            d = std::max(d, dk);
            const PackedNode& nd = packed[static_cast<std::size_t>(k)];
            if (nd.feature < 0) continue;
            stack.push_back({nd.next, dk + 1});
            stack.push_back({k + 1, dk + 1});
        }
        return d;
    }
    for (const auto& nd : nodes) d = std::max(d, nd.depth);
    return d;
}

METALEARN_INLINE Index CartTree::n_leaves() const {
    if (nodes.empty()) return static_cast<Index>(leaf_sums.size());
    Index c = 0;
    for (const auto& nd : nodes) c += nd.is_leaf() ? 1 : 0;
    return c;
}

}  // namespace metalearn::models::detail

namespace metalearn::models::detail {

METALEARN_INLINE FeatureRanks::FeatureRanks(const MatrixRef& X) : n(X.rows()) {
    const Index p = X.cols();
    rank.reserve(static_cast<std::size_t>(n * p));
    advise_huge_pages(rank.data(), rank.capacity() * sizeof(std::uint32_t));  // before the first write
    rank.resize(static_cast<std::size_t>(n * p));
    values.resize(static_cast<std::size_t>(p));
    std::vector<std::pair<double, std::uint32_t>> col, radix;
    constexpr std::size_t few = 32;  // columns with at most this many distinct values skip the sort
    for (Index f = 0; f < p; ++f) {
        auto& vals = values[static_cast<std::size_t>(f)];
        std::uint32_t* rk = rank.data() + f * n;
        vals.clear();
        bool is_few = true;
        for (Index i = 0; i < n && is_few; ++i) {
            const double v = X(i, f);
            if (std::find(vals.begin(), vals.end(), v) == vals.end()) {
                if (vals.size() == few)
                    is_few = false;
                else
                    vals.push_back(v);
            }
        }
        if (is_few) {
            std::sort(vals.begin(), vals.end());
            for (Index i = 0; i < n; ++i)
                rk[i] = static_cast<std::uint32_t>(std::lower_bound(vals.begin(), vals.end(), X(i, f)) - vals.begin());
            continue;
        }
        vals.clear();
        col.resize(static_cast<std::size_t>(n));
        for (Index i = 0; i < n; ++i) col[static_cast<std::size_t>(i)] = {X(i, f), static_cast<std::uint32_t>(i)};
        if (n >= 1024)  // stable: rows stay in increasing order among equal values, as std::sort orders the pairs
            radix_sort(col.data(), col.size(), radix,
                       [](const std::pair<double, std::uint32_t>& x) { return ordered_bits(x.first); }, 64);
        else
            std::sort(col.begin(), col.end());
        for (const auto& [v, i] : col) {
            if (vals.empty() || v != vals.back()) vals.push_back(v);
            rk[i] = static_cast<std::uint32_t>(vals.size() - 1);
        }
    }
    add_narrow();
}

METALEARN_INLINE void FeatureRanks::add_narrow() {
    const auto p = static_cast<Index>(values.size());
    narrow.clear();
    narrow_at.assign(static_cast<std::size_t>(p), -1);
    std::size_t n_narrow = 0;
    for (Index f = 0; f < p; ++f) n_narrow += values[static_cast<std::size_t>(f)].size() <= 256 ? 1 : 0;
    narrow.reserve(n_narrow * static_cast<std::size_t>(n));
    advise_huge_pages(narrow.data(), narrow.capacity());
    for (Index f = 0; f < p; ++f) {
        if (values[static_cast<std::size_t>(f)].size() > 256) continue;
        narrow_at[static_cast<std::size_t>(f)] = static_cast<Index>(narrow.size());
        const std::uint32_t* rk = rank.data() + f * n;
        for (Index i = 0; i < n; ++i) narrow.push_back(static_cast<std::uint8_t>(rk[i]));
    }
    wide_gaps.assign(static_cast<std::size_t>(p), 1);
    for (Index f = 0; f < p; ++f) {
        const auto& v = values[static_cast<std::size_t>(f)];
        for (std::size_t r = 0; r + 1 < v.size(); ++r)
            if (!(v[r + 1] > v[r] + cut_threshold)) {
                wide_gaps[static_cast<std::size_t>(f)] = 0;
                break;
            }
    }
    binary_slot.assign(static_cast<std::size_t>(p), -1);
    std::int32_t n_binary = 0;
    for (Index f = 0; f < p && n_binary < max_binary_bits; ++f)
        if (values[static_cast<std::size_t>(f)].size() == 2) binary_slot[static_cast<std::size_t>(f)] = n_binary++;
    binary_planes = (n_binary + 63) / 64;
    binary_bits.assign(static_cast<std::size_t>(binary_planes * n), 0);
    for (Index f = 0; f < p; ++f) {
        const std::int32_t slot = binary_slot[static_cast<std::size_t>(f)];
        if (slot < 0) continue;
        const std::uint32_t* rk = rank.data() + f * n;
        std::uint64_t* plane = binary_bits.data() + static_cast<std::size_t>(slot / 64) * static_cast<std::size_t>(n);
        const auto bit = static_cast<unsigned>(slot % 64);
        for (Index i = 0; i < n; ++i) plane[i] |= static_cast<std::uint64_t>(rk[i]) << bit;
    }
}

METALEARN_INLINE FeatureRanks::FeatureRanks(const MatrixRef& X, const std::vector<Index>& groups, Index n_groups_in)
    : FeatureRanks(X) {
    check_row_groups("FeatureRanks", groups, n_groups_in, n);
    const Index p = X.cols();
    const auto G = static_cast<std::size_t>(n_groups_in);
    constexpr std::uint32_t unset = std::numeric_limits<std::uint32_t>::max();
    n_groups = n_groups_in;
    group = groups;
    group_constant.assign(static_cast<std::size_t>(p), 1);
    group_rank.assign(static_cast<std::size_t>(p) * G, unset);
    for (Index f = 0; f < p; ++f) {
        const std::uint32_t* rk = rank.data() + f * n;
        std::uint32_t* gr = group_rank.data() + static_cast<std::size_t>(f) * G;
        for (Index i = 0; i < n; ++i) {
            std::uint32_t& r = gr[static_cast<std::size_t>(group[static_cast<std::size_t>(i)])];
            if (r == unset) {
                r = rk[i];
            } else if (r != rk[i]) {
                group_constant[static_cast<std::size_t>(f)] = 0;
                break;
            }
        }
    }
}

}  // namespace metalearn::models::detail

namespace metalearn::models::detail {

METALEARN_INLINE CartTree CartBuilder::grow(std::vector<Index> samples, Rng& rng) {
    const std::vector<Index> counts(samples.size(), 1);
    return grow(samples, counts, rng);
}

METALEARN_INLINE CartTree CartBuilder::grow(const std::vector<Index>& samples, const std::vector<Index>& counts, Rng& rng) {
    if (samples.size() != counts.size())
        throw DataError(fmt::format("CartBuilder::grow(): {} samples but {} multiplicities", samples.size(), counts.size()));
    samples_.resize(samples.size());
    counts_.resize(counts.size());
    Index total = 0;
    for (std::size_t i = 0; i < samples.size(); ++i) {
        if (samples[i] < 0 || samples[i] >= ranks_.n)
            throw DataError(fmt::format("CartBuilder::grow(): sample {} is row {}, outside the {} rows", i, samples[i], ranks_.n));
        if (counts[i] < 1 || counts[i] > std::numeric_limits<std::int32_t>::max())
            throw DataError(fmt::format("CartBuilder::grow(): sample {} has multiplicity {} (expected 1 to 2^31 - 1)", i, counts[i]));
        samples_[i] = static_cast<std::uint32_t>(samples[i]);
        counts_[i] = static_cast<std::int32_t>(counts[i]);
        total += counts[i];
    }
    if (s_.classification) {  // class codes beside the samples: read in order, not gathered
        node_code_.resize(samples_.size());
        for (std::size_t i = 0; i < samples_.size(); ++i) node_code_[i] = static_cast<std::int32_t>(code(samples_[i]));
    }
    // a binary column's bits travel with the samples when count_upper reads them
    planes_ = s_.classification && s_.n_classes <= 64 && ranks_.binary_bits.size() ==
                  static_cast<std::size_t>(ranks_.binary_planes * ranks_.n) ? ranks_.binary_planes : 0;
    bits_.resize(static_cast<std::size_t>(planes_) * samples_.size());
    for (Index q = 0; q < planes_; ++q) {
        const std::uint64_t* plane = ranks_.binary_bits.data() + static_cast<std::size_t>(q * ranks_.n);
        std::uint64_t* to = bits_.data() + static_cast<std::size_t>(q) * samples_.size();
        for (std::size_t i = 0; i < samples_.size(); ++i) to[i] = plane[samples_[i]];
    }
    unit_counts_ = total == static_cast<Index>(counts_.size());  // every multiplicity is 1 (none is 0)
    use_groups_ = !s_.classification && ranks_.n_groups > 0;
    if (use_groups_) {
        group_n_.assign(static_cast<std::size_t>(ranks_.n_groups), 0);
        group_sum_.assign(static_cast<std::size_t>(ranks_.n_groups), 0.0);
        node_groups_.clear();
    }
    const auto p = static_cast<Index>(ranks_.values.size());
    tree_ = CartTree{};
    tree_.nodes.swap(node_buffer_);  // empty, with the capacity of earlier trees
    tree_.nodes.clear();
    tree_.importance = Vector::Zero(p);
    features_.resize(static_cast<std::size_t>(p));
    keys_.resize(samples_.size());
    scratch_.resize(samples_.size());
    if (s_.classification) {
        left_counts_.assign(static_cast<std::size_t>(s_.n_classes), 0);
        right_counts_.assign(static_cast<std::size_t>(s_.n_classes), 0);
        node_counts_.assign(static_cast<std::size_t>(s_.n_classes), 0);
        cut_left_.assign(static_cast<std::size_t>(s_.n_classes), 0);
        best_left_.assign(static_cast<std::size_t>(s_.n_classes), 0);
        weighted_ = s_.class_weights != nullptr;
        if (weighted_) {
            cw_ = *s_.class_weights;
            cw_log_.resize(cw_.size());
            for (std::size_t c = 0; c < cw_.size(); ++c) cw_log_[c] = weighted_xlogx(cw_[c]);
        }
        if (s_.entropy) {
            xlogx_.resize(static_cast<std::size_t>(total) + 1);
            xlogx_[0] = 0.0;
            for (std::size_t i = 1; i < xlogx_.size(); ++i)
                xlogx_[i] = static_cast<double>(i) * std::log(static_cast<double>(i));
        }
    }
    // features_[0, n_constant) of a node are features known to be constant in it (found
    // constant in an ancestor): never examined again. Descendants only reorder positions at
    // or after their own n_constant, so the prefix stays valid for every pending node.
    for (Index j = 0; j < p; ++j) features_[static_cast<std::size_t>(j)] = j;
    struct Task {
        Index begin, end, depth, parent, n_constant;
        bool is_left;
    };
    std::vector<Task> stack;
    stack.push_back({0, static_cast<Index>(samples_.size()), 0, -1, 0, false});
    // classification: the class counts of the pending nodes, K per task in stack order (a
    // split's sweep knows its children's counts, so no node counts its samples again)
    const auto K = s_.classification ? static_cast<std::size_t>(s_.n_classes) : std::size_t{0};
    std::vector<std::int64_t> pending;
    if (s_.classification) {
        pending.assign(K, 0);
        for (std::size_t i = 0; i < samples_.size(); ++i)
            pending[static_cast<std::size_t>(node_code_[i])] += counts_[i];
    }
    while (!stack.empty()) {
        if (s_.stop && *s_.stop && (*s_.stop)())
            throw Interrupted(fmt::format("CartBuilder::grow(): stopped by the stop callback after {} nodes",
                                          tree_.nodes.size()));
        const Task t = stack.back();
        stack.pop_back();
        if (s_.classification) {
            std::copy(pending.end() - static_cast<std::ptrdiff_t>(K), pending.end(), node_counts_.begin());
            pending.resize(pending.size() - K);
        }
        const auto id = static_cast<Index>(tree_.nodes.size());
        tree_.nodes.emplace_back();
        if (t.parent >= 0) {
            auto& par = tree_.nodes[static_cast<std::size_t>(t.parent)];
            (t.is_left ? par.left : par.right) = id;
        }
        TreeNode node;
        node.depth = t.depth;
        node_value(t.begin, t.end, node);
        Split split;
        Index n_constant = t.n_constant;
        const bool can_split = !(s_.max_depth > 0 && t.depth >= s_.max_depth) &&
                               node.n_samples >= s_.min_samples_split &&
                               node.n_samples >= 2 * s_.min_samples_leaf &&
                               node.impurity > std::numeric_limits<double>::epsilon();
        if (can_split) split = best_split(t.begin, t.end, n_constant, rng);
        if (split.feature >= 0) {
            const auto& vals = ranks_.values[static_cast<std::size_t>(split.feature)];
            const double a = vals[split.left_rank];
            const double b = vals[split.right_rank];
            double thr = a / 2.0 + b / 2.0;
            if (thr == b || !std::isfinite(thr)) thr = a;
            node.feature = split.feature;
            node.threshold = thr;
            const Index mid = partition(t.begin, t.end, split.feature, split.left_rank);
            tree_.nodes[static_cast<std::size_t>(id)] = std::move(node);
            // right pushed first so the left subtree is grown (and numbered) first
            stack.push_back({mid, t.end, t.depth + 1, id, n_constant, false});
            stack.push_back({t.begin, mid, t.depth + 1, id, n_constant, true});
            if (s_.classification) {
                for (std::size_t c = 0; c < K; ++c) pending.push_back(node_counts_[c] - best_left_[c]);
                pending.insert(pending.end(), best_left_.begin(), best_left_.end());
            }
        } else {
            tree_.nodes[static_cast<std::size_t>(id)] = std::move(node);
        }
    }
    // impurity decrease per feature (children exist now); weighted node sizes with class weights
    for (const auto& nd : tree_.nodes) {
        if (nd.is_leaf()) continue;
        const auto& l = tree_.nodes[static_cast<std::size_t>(nd.left)];
        const auto& r = tree_.nodes[static_cast<std::size_t>(nd.right)];
        if (weighted_) {
            tree_.importance[nd.feature] += nd.value.sum() * nd.impurity - l.value.sum() * l.impurity -
                                            r.value.sum() * r.impurity;
            continue;
        }
        tree_.importance[nd.feature] += static_cast<double>(nd.n_samples) * nd.impurity -
                                        static_cast<double>(l.n_samples) * l.impurity -
                                        static_cast<double>(r.n_samples) * r.impurity;
    }
    tree_.pack();
    // The nodes were grown in the buffer of the builder's earlier trees (no reallocation, no
    // fresh memory as the tree grows); the tree gets an exact copy, or none when released.
    if (s_.keep_nodes || tree_.packed.empty()) {
        std::vector<TreeNode> exact(std::make_move_iterator(tree_.nodes.begin()),
                                    std::make_move_iterator(tree_.nodes.end()));
        node_buffer_.swap(tree_.nodes);
        tree_.nodes.swap(exact);
    } else {
        tree_.release_nodes_into(node_buffer_);
    }
    node_buffer_.clear();
    return std::move(tree_);
}

METALEARN_INLINE void CartBuilder::node_value(Index begin, Index end, TreeNode& node) const {
    if (s_.classification) {  // from the node's class counts (node_counts_)
        Index count = 0;
        node.value.resize(s_.n_classes);
        for (Index c = 0; c < s_.n_classes; ++c) {
            const std::int64_t k = node_counts_[static_cast<std::size_t>(c)];
            count += k;
            node.value[c] = static_cast<double>(k);
        }
        node.n_samples = count;
        const auto n = static_cast<double>(count);
        if (weighted_) {
            // weighted class counts; a node whose samples all weigh 0 keeps its plain counts
            Vector wv = node.value;
            for (Index c = 0; c < s_.n_classes; ++c) wv[c] *= cw_[static_cast<std::size_t>(c)];
            const double total = wv.sum();
            if (total > 0.0) node.value = wv;
        }
        const double nw = weighted_ ? node.value.sum() : n;
        double imp = 0.0;
        if (s_.entropy) {
            for (Index c = 0; c < s_.n_classes; ++c) {
                const double q = node.value[c] / nw;
                if (q > 0.0) imp -= q * std::log2(q);
            }
        } else {
            imp = 1.0 - (node.value.array() / nw).square().sum();
        }
        node.impurity = std::max(imp, 0.0);
    } else {
        Index count = 0;
        for (Index i = begin; i < end; ++i) count += counts_[static_cast<std::size_t>(i)];
        node.n_samples = count;
        const auto n = static_cast<double>(count);
        double sum = 0.0;
        for (Index i = begin; i < end; ++i)
            sum += static_cast<double>(counts_[static_cast<std::size_t>(i)]) * (*y_)[samples_[static_cast<std::size_t>(i)]];
        const double mean = sum / n;
        double ss = 0.0;
        for (Index i = begin; i < end; ++i) {
            const double d = (*y_)[samples_[static_cast<std::size_t>(i)]] - mean;
            ss += static_cast<double>(counts_[static_cast<std::size_t>(i)]) * d * d;
        }
        node.value = Vector::Constant(1, mean);
        node.impurity = ss / n;
    }
}

METALEARN_INLINE double CartBuilder::score_of(Index nl, Index nr, double a, double b) const {
    if (!s_.classification) return a * a / static_cast<double>(nl) + b * b / static_cast<double>(nr);
    if (weighted_) {  // NaN (never chosen) when a side weighs 0
        if (s_.entropy) return -(weighted_xlogx(wl_) - a + weighted_xlogx(wr_) - b);
        return a / wl_ + b / wr_;
    }
    if (s_.entropy)
        return -(xlogx_[static_cast<std::size_t>(nl)] - a + xlogx_[static_cast<std::size_t>(nr)] - b);
    return a / static_cast<double>(nl) + b / static_cast<double>(nr);
}

METALEARN_INLINE void CartBuilder::move_class(std::size_t c, std::int64_t w, double& a, double& b) {
    const std::int64_t l = left_counts_[c];
    const std::int64_t r = right_counts_[c];
    if (weighted_) {
        const double wc = cw_[c];
        const auto ww = static_cast<double>(w);
        if (s_.entropy) {
            a += wc * (xlogx_[static_cast<std::size_t>(l + w)] - xlogx_[static_cast<std::size_t>(l)]) + cw_log_[c] * ww;
            b += wc * (xlogx_[static_cast<std::size_t>(r - w)] - xlogx_[static_cast<std::size_t>(r)]) - cw_log_[c] * ww;
        } else {
            a += wc * wc * static_cast<double>((l + w) * (l + w) - l * l);
            b += wc * wc * static_cast<double>((r - w) * (r - w) - r * r);
        }
        wl_ += wc * ww;
        wr_ -= wc * ww;
        left_counts_[c] = l + w;
        right_counts_[c] = r - w;
        return;
    }
    if (s_.entropy) {
        a += xlogx_[static_cast<std::size_t>(l + w)] - xlogx_[static_cast<std::size_t>(l)];
        b += xlogx_[static_cast<std::size_t>(r - w)] - xlogx_[static_cast<std::size_t>(r)];
    } else {
        a += static_cast<double>((l + w) * (l + w) - l * l);
        b += static_cast<double>((r - w) * (r - w) - r * r);
    }
    left_counts_[c] = l + w;
    right_counts_[c] = r - w;
}

METALEARN_INLINE void CartBuilder::node_totals(Index begin, Index end) {
    node_n_ = 0;
    if (s_.classification) {
        for (const auto r : node_counts_) node_n_ += r;
        node_b_ = 0.0;
        if (weighted_) {
            node_w_ = 0.0;
            for (std::size_t c = 0; c < node_counts_.size(); ++c) {
                const std::int64_t r = node_counts_[c];
                const double wc = cw_[c];
                node_w_ += wc * static_cast<double>(r);
                node_b_ += s_.entropy ? wc * xlogx_[static_cast<std::size_t>(r)] + cw_log_[c] * static_cast<double>(r)
                                      : wc * wc * static_cast<double>(r * r);
            }
            return;
        }
        for (const auto r : node_counts_)
            node_b_ += s_.entropy ? xlogx_[static_cast<std::size_t>(r)] : static_cast<double>(r * r);
    } else {
        for (Index i = begin; i < end; ++i) node_n_ += counts_[static_cast<std::size_t>(i)];
        node_sum_ = 0.0;
        for (Index i = begin; i < end; ++i)
            node_sum_ += static_cast<double>(counts_[static_cast<std::size_t>(i)]) * (*y_)[samples_[static_cast<std::size_t>(i)]];
    }
}

METALEARN_INLINE void CartBuilder::init_class_stats(double& a, double& b) {
    std::fill(left_counts_.begin(), left_counts_.end(), 0);
    std::copy(node_counts_.begin(), node_counts_.end(), right_counts_.begin());
    a = 0.0;
    b = node_b_;
    wl_ = 0.0;
    wr_ = node_w_;
}

METALEARN_INLINE CartBuilder::Split CartBuilder::best_split(Index begin, Index end, Index& n_constant, Rng& rng) {
    const auto p = static_cast<Index>(ranks_.values.size());
    const Index n_distinct = end - begin;
    const auto K = static_cast<std::size_t>(std::max<Index>(s_.n_classes, 1));
    const double sort_cost = static_cast<double>(n_distinct) * std::log2(static_cast<double>(n_distinct) + 1.0);
    node_totals(begin, end);
    const Index n = node_n_;
    node_groups_ready_ = false;
    node_weight_class_ready_ = false;
    node_masks_ready_ = false;
    Split best;
    Index examined = 0;
    for (Index j = n_constant; j < p && examined < s_.max_features; ++j) {
        const auto r = j + static_cast<Index>(rng.uniform_index(static_cast<std::uint64_t>(p - j)));
        std::swap(features_[static_cast<std::size_t>(j)], features_[static_cast<std::size_t>(r)]);
        const Index f = features_[static_cast<std::size_t>(j)];
        const std::uint32_t* rk = ranks_.rank.data() + f * ranks_.n;
        const std::uint8_t* nk = ranks_.narrow_column(f);
        const auto& vals = ranks_.values[static_cast<std::size_t>(f)];
        wide_ = ranks_.wide_gaps_of(f);
        std::size_t lo = 0;
        std::size_t hi = 0;
        bool buckets_ready = false;
        bool groups_sorted = false;
        bool binary = false;
        const bool grouped = use_groups_ && ranks_.group_constant[static_cast<std::size_t>(f)];
        if (grouped) {
            // constant within groups: per-group statistics, in value buckets or sorted by value
            gather_node_groups(begin, end);
            if (static_cast<double>(vals.size()) <= group_sort_cost_) {
                fill_buckets_grouped(f, vals.size());
                buckets_ready = true;
            } else {
                sort_node_groups(f);
                groups_sorted = true;
                lo = static_cast<std::size_t>(group_keys_.front() >> 32U);
                hi = static_cast<std::size_t>(group_keys_.back() >> 32U);
            }
        } else if (static_cast<double>(vals.size() * K) <= sort_cost) {
            // few distinct values overall: count straight into one bucket per value
            if (nk != nullptr && vals.size() == 2 && s_.classification && K <= 64) {
                // a binary column: the class counts of its upper value are all a sweep needs
                if (binary_constant_in_node(begin, end, f)) {  // one value here, as the count would find
                    std::swap(features_[static_cast<std::size_t>(j)], features_[static_cast<std::size_t>(n_constant)]);
                    ++n_constant;
                    continue;
                }
                count_upper(begin, end, f, nk);
                std::int64_t upper = 0;
                for (std::size_t c = 0; c < K; ++c) upper += upper_counts_[c];
                binary = true;
                lo = upper < n ? 0 : 1;
                hi = upper > 0 ? 1 : 0;
            } else if (nk != nullptr)
                fill_buckets(begin, end, [nk](Index, Index s) -> std::size_t { return nk[s]; }, 0, vals.size());
            else
                fill_buckets(begin, end, [rk](Index, Index s) -> std::size_t { return rk[s]; }, 0, vals.size());
            buckets_ready = !binary;
        } else {
            const auto gather = [&](const auto* col) {
                std::uint32_t mn = std::numeric_limits<std::uint32_t>::max();
                std::uint32_t mx = 0;
                for (Index i = begin; i < end; ++i) {
                    const std::uint32_t v = col[samples_[static_cast<std::size_t>(i)]];
                    scratch_[static_cast<std::size_t>(i - begin)] = v;
                    mn = std::min(mn, v);
                    mx = std::max(mx, v);
                }
                lo = mn;
                hi = mx;
            };
            if (nk != nullptr)
                gather(nk);
            else
                gather(rk);
        }
        if (buckets_ready) {
            lo = 0;
            while (bucket_n_[lo] == 0) ++lo;
            hi = vals.size() - 1;
            while (bucket_n_[hi] == 0) --hi;
        }
        if (hi == lo || !cuttable(vals, lo, hi)) {  // constant here: not counted, not revisited below
            std::swap(features_[static_cast<std::size_t>(j)], features_[static_cast<std::size_t>(n_constant)]);
            ++n_constant;
            continue;
        }
        ++examined;
        Split cand;
        if (binary) {
            cand = binary_cut(n);
        } else if (buckets_ready) {
            cand = sweep_buckets(n, vals, 0, lo, hi);
        } else if (groups_sorted) {
            cand = sweep_sorted_groups(n, vals);
        } else if (static_cast<double>((hi - lo + 1) * K) <= sort_cost) {
            fill_buckets(begin, end, [this](Index i, Index) -> std::size_t { return scratch_[static_cast<std::size_t>(i)]; },
                         lo, hi - lo + 1);
            cand = sweep_buckets(n, vals, lo, 0, hi - lo);
        } else {
            cand = scan_sorted(begin, end, static_cast<std::uint32_t>(lo), static_cast<std::uint32_t>(hi), vals);
        }
        if (cand.feature >= 0 && cand.score > best.score) {
            best = cand;
            best.feature = f;
            if (s_.classification) best_left_ = cut_left_;
        }
    }
    return best;
}

METALEARN_INLINE bool CartBuilder::binary_constant_in_node(Index begin, Index end, Index f) {
    const CarriedBit cb = carried_bit(f);
    if (cb.plane == nullptr) return false;
    if (!node_masks_ready_) {
        const std::size_t m = samples_.size();
        for (Index q = 0; q < planes_; ++q) {
            const std::uint64_t* bq = bits_.data() + static_cast<std::size_t>(q) * m;
            std::uint64_t any = 0;
            std::uint64_t all = ~std::uint64_t{0};
            for (Index i = begin; i < end; ++i) {
                any |= bq[i];
                all &= bq[i];
            }
            node_any_[q] = any;
            node_all_[q] = all;
        }
        node_masks_ready_ = true;
    }
    return ((node_any_[cb.q] >> cb.bit) & 1U) == 0 || ((node_all_[cb.q] >> cb.bit) & 1U) != 0;
}

METALEARN_INLINE void CartBuilder::count_upper(Index begin, Index end, Index f, const std::uint8_t* nk) {
    // rank 0 or 1 multiplies the weight: no branch
    const auto K = static_cast<std::size_t>(s_.n_classes);
    const std::int32_t* code = node_code_.data() + begin;
    const std::int32_t* w = counts_.data() + begin;
    const std::uint32_t* smp = samples_.data() + begin;
    upper_counts_.resize(K);
    const Index n = end - begin;
    const CarriedBit cb = carried_bit(f);
    const std::uint64_t* bp = cb.plane == nullptr ? nullptr : cb.plane + begin;
    const unsigned bit = cb.bit;
    if (K == 2 && node_n_ < (std::int64_t{1} << 31)) {
        // two classes: the upper value's total and its class-1 part in one sum of the node's
        // (w + w·class·2^32), masked by the column's 0/1 value: a total below 2^31 cannot carry
        // into the upper half, and the upper half's sum is below 2^31 too
        if (!node_weight_class_ready_) {
            node_weight_class_.resize(static_cast<std::size_t>(n));
            for (Index i = 0; i < n; ++i) {
                const std::int64_t wi = unit_counts_ ? 1 : w[i];
                node_weight_class_[static_cast<std::size_t>(i)] = wi + ((wi * code[i]) << 32U);
            }
            node_weight_class_ready_ = true;
        }
        const std::int64_t* wc = node_weight_class_.data();
        std::int64_t acc[4] = {0, 0, 0, 0};
        Index i = 0;
        if (bp != nullptr) {  // in order, no gather
            for (; i + 4 <= n; i += 4)
                for (Index u = 0; u < 4; ++u)
                    acc[u] += wc[i + u] & -static_cast<std::int64_t>((bp[i + u] >> bit) & 1U);
            for (; i < n; ++i) acc[0] += wc[i] & -static_cast<std::int64_t>((bp[i] >> bit) & 1U);
        } else {
            for (; i + 4 <= n; i += 4)
                for (Index u = 0; u < 4; ++u) acc[u] += wc[i + u] & -static_cast<std::int64_t>(nk[smp[i + u]]);
            for (; i < n; ++i) acc[0] += wc[i] & -static_cast<std::int64_t>(nk[smp[i]]);
        }
        const std::int64_t sum = acc[0] + acc[1] + acc[2] + acc[3];
        upper_counts_[1] = sum >> 32U;
        upper_counts_[0] = (sum & 0xffffffffLL) - upper_counts_[1];
        return;
    }
    const auto slot = [code](Index i) { return static_cast<std::size_t>(code[i]); };
    if (bp != nullptr) {
        if (unit_counts_)
            sum_by_slot<std::int64_t>(n, K, slot,
                                      [&](Index i) -> std::int64_t { return static_cast<std::int64_t>((bp[i] >> bit) & 1U); },
                                      upper_counts_.data());
        else
            sum_by_slot<std::int64_t>(
                n, K, slot, [&](Index i) -> std::int64_t { return w[i] * static_cast<std::int64_t>((bp[i] >> bit) & 1U); },
                upper_counts_.data());
        return;
    }
    if (unit_counts_)
        sum_by_slot<std::int64_t>(n, K, slot, [&](Index i) -> std::int64_t { return nk[smp[i]]; }, upper_counts_.data());
    else
        sum_by_slot<std::int64_t>(n, K, slot, [&](Index i) -> std::int64_t { return w[i] * nk[smp[i]]; },
                                  upper_counts_.data());
}

METALEARN_INLINE CartBuilder::Split CartBuilder::binary_cut(Index n) {
    // sweep_buckets over the two buckets, written out: the lower value's classes move left,
    // then the one cut is scored
    Split out;
    std::int64_t lower = 0;
    for (std::size_t c = 0; c < node_counts_.size(); ++c) lower += node_counts_[c] - upper_counts_[c];
    const Index leaf = s_.min_samples_leaf;
    if (lower < leaf || n - lower < leaf) return out;
    double a = 0.0;
    double b = 0.0;
    init_class_stats(a, b);
    for (std::size_t c = 0; c < node_counts_.size(); ++c)
        if (const std::int64_t w = node_counts_[c] - upper_counts_[c]; w > 0) move_class(c, w, a, b);
    consider_cut(out, lower, n - lower, a, b, 0, 1);
    return out;
}

template <class RankOf>
void CartBuilder::fill_buckets(Index begin, Index end, RankOf rank_of, std::size_t base, std::size_t span) {
    const Index n = end - begin;
    bucket_n_.assign(span, 0);
    auto bucket_of = [&](Index i, Index s) -> std::size_t { return rank_of(i, s) - base; };
    if (s_.classification) {
        // class counts per bucket; a bucket's total is their sum (one increment per sample, not two)
        const auto K = static_cast<std::size_t>(s_.n_classes);
        bucket_counts_.assign(span * K, 0);
        const std::int32_t* code = node_code_.data() + begin;
        const std::int32_t* w = counts_.data() + begin;
        const auto slot = [&](Index i) {  // counter of sample i: its bucket and class
            return bucket_of(i, samples_[static_cast<std::size_t>(begin + i)]) * K + static_cast<std::size_t>(code[i]);
        };
        if (span * K <= 64) {
            // few counters (binary and one-hot columns): interleaved copies (sum_by_slot)
            if (unit_counts_)
                sum_by_slot<std::int64_t>(n, span * K, slot, [](Index) { return std::int64_t{1}; }, bucket_counts_.data());
            else
                sum_by_slot<std::int64_t>(n, span * K, slot, [w](Index i) -> std::int64_t { return w[i]; }, bucket_counts_.data());
        } else if (unit_counts_) {  // no multiplicities to read (a tree fitted on its rows)
            for (Index i = 0; i < n; ++i) ++bucket_counts_[slot(i)];
        } else {
            for (Index i = 0; i < n; ++i) bucket_counts_[slot(i)] += w[i];
        }
        for (std::size_t b = 0; b < span; ++b) {
            std::int64_t t = 0;
            for (std::size_t c = 0; c < K; ++c) t += bucket_counts_[b * K + c];
            bucket_n_[b] = t;
        }
    } else {
        bucket_sum_.assign(span, 0.0);
        for (Index i = 0; i < n; ++i) {
            const Index s = samples_[static_cast<std::size_t>(begin + i)];
            const Index w = counts_[static_cast<std::size_t>(begin + i)];
            const std::size_t b = bucket_of(i, s);
            bucket_n_[b] += w;
            bucket_sum_[b] += static_cast<double>(w) * (*y_)[s];
        }
    }
}

METALEARN_INLINE void CartBuilder::gather_node_groups(Index begin, Index end) {
    if (node_groups_ready_) return;
    for (const Index g : node_groups_) {
        group_n_[static_cast<std::size_t>(g)] = 0;
        group_sum_[static_cast<std::size_t>(g)] = 0.0;
    }
    node_groups_.clear();
    for (Index i = begin; i < end; ++i) {
        const Index s = samples_[static_cast<std::size_t>(i)];
        const Index w = counts_[static_cast<std::size_t>(i)];
        const auto g = static_cast<std::size_t>(ranks_.group[static_cast<std::size_t>(s)]);
        if (group_n_[g] == 0) node_groups_.push_back(static_cast<Index>(g));
        group_n_[g] += w;
        group_sum_[g] += static_cast<double>(w) * (*y_)[s];
    }
    const auto g = static_cast<double>(node_groups_.size());
    group_sort_cost_ = g * std::log2(g + 1.0);
    node_groups_ready_ = true;
}

METALEARN_INLINE void CartBuilder::sort_node_groups(Index f) {
    const std::uint32_t* gr = ranks_.group_rank.data() + static_cast<std::size_t>(f) * static_cast<std::size_t>(ranks_.n_groups);
    group_keys_.resize(node_groups_.size());
    for (std::size_t i = 0; i < node_groups_.size(); ++i) {
        const auto g = static_cast<std::uint64_t>(node_groups_[i]);
        group_keys_[i] = (static_cast<std::uint64_t>(gr[g]) << 32U) | g;
    }
    std::sort(group_keys_.begin(), group_keys_.end());
}

METALEARN_INLINE CartBuilder::Split CartBuilder::sweep_sorted_groups(Index n, const std::vector<double>& vals) {
    const Index leaf = s_.min_samples_leaf;
    Split out;
    double a = 0.0;
    double b = node_sum_;
    Index nl = 0;
    for (std::size_t i = 0; i + 1 < group_keys_.size(); ++i) {
        const auto g = static_cast<std::size_t>(group_keys_[i] & 0xFFFFFFFFULL);
        a += group_sum_[g];
        b -= group_sum_[g];
        nl += group_n_[g];
        if (nl < leaf || n - nl < leaf) continue;
        const auto r0 = static_cast<std::size_t>(group_keys_[i] >> 32U);
        const auto r1 = static_cast<std::size_t>(group_keys_[i + 1] >> 32U);
        if (r0 == r1 || !cuttable(vals, r0, r1)) continue;
        consider_cut(out, nl, n - nl, a, b, r0, r1);
    }
    return out;
}

METALEARN_INLINE void CartBuilder::fill_buckets_grouped(Index f, std::size_t span) {
    bucket_n_.assign(span, 0);
    bucket_sum_.assign(span, 0.0);
    const std::uint32_t* gr = ranks_.group_rank.data() + static_cast<std::size_t>(f) * static_cast<std::size_t>(ranks_.n_groups);
    for (const Index g : node_groups_) {
        const std::size_t b = gr[static_cast<std::size_t>(g)];
        bucket_n_[b] += group_n_[static_cast<std::size_t>(g)];
        bucket_sum_[b] += group_sum_[static_cast<std::size_t>(g)];
    }
}

METALEARN_INLINE CartBuilder::Split CartBuilder::sweep_buckets(Index n, const std::vector<double>& vals, std::size_t base, std::size_t first,
                    std::size_t last) {
    const Index leaf = s_.min_samples_leaf;
    Split out;
    double a = 0.0;
    double b = 0.0;
    if (s_.classification)
        init_class_stats(a, b);
    else
        b = node_sum_;
    const auto K = static_cast<std::size_t>(s_.n_classes);
    Index nl = 0;
    std::size_t prev = first;
    for (std::size_t bk = first; bk <= last; ++bk) {
        if (bucket_n_[bk] == 0) continue;
        if (bk != first && nl >= leaf && n - nl >= leaf &&
            cuttable(vals, base + prev, base + bk)) {
            consider_cut(out, nl, n - nl, a, b, base + prev, base + bk);
        }
        if (s_.classification) {
            for (std::size_t c = 0; c < K; ++c)
                if (const std::int64_t w = bucket_counts_[bk * K + c]; w > 0) move_class(c, w, a, b);
        } else {
            a += bucket_sum_[bk];
            b -= bucket_sum_[bk];
        }
        nl += bucket_n_[bk];
        prev = bk;
    }
    return out;
}

METALEARN_INLINE CartBuilder::Split CartBuilder::scan_sorted(Index begin, Index end, std::uint32_t lo, std::uint32_t hi,
                                                             const std::vector<double>& vals) {
    const Index m = end - begin;  // distinct samples
    const Index n = node_n_;      // samples, multiplicities counted
    const Index leaf = s_.min_samples_leaf;
    // key: rank (gathered into scratch_ by best_split), then position in the node (the node's
    // samples are in increasing index order)
    for (Index i = 0; i < m; ++i)
        keys_[static_cast<std::size_t>(i)] =
            (static_cast<std::uint64_t>(scratch_[static_cast<std::size_t>(i)]) << 32U) | static_cast<std::uint64_t>(i);
    if (m >= 1024) {
        // stable on the rank: equal ranks keep their increasing positions, the order std::sort
        // gives the distinct keys
        radix_sort(keys_.data(), static_cast<std::size_t>(m), radix_keys_,
                   [lo](std::uint64_t k) { return static_cast<std::uint32_t>(k >> 32U) - lo; },
                   static_cast<unsigned>(std::bit_width(hi - lo)));
    } else if (m >= 64) {  // short: 8-bit digits (a 15-bit rank range takes two passes of m + 256)
        radix_sort<8>(keys_.data(), static_cast<std::size_t>(m), radix_keys_,
                      [lo](std::uint64_t k) { return static_cast<std::uint32_t>(k >> 32U) - lo; },
                      static_cast<unsigned>(std::bit_width(hi - lo)));
    } else {
        std::sort(keys_.begin(), keys_.begin() + m);
    }
    auto rank_at = [&](Index i) { return static_cast<std::uint32_t>(keys_[static_cast<std::size_t>(i)] >> 32U); };
    auto pos_at = [&](Index i) {
        return static_cast<std::size_t>(begin) + static_cast<std::size_t>(keys_[static_cast<std::size_t>(i)] & 0xFFFFFFFFULL);
    };
    Split out;
    double a = 0.0;
    double b = 0.0;
    if (s_.classification)
        init_class_stats(a, b);
    else
        b = node_sum_;
    Index nl = 0;
    for (Index i = 0; i + 1 < m; ++i) {
        const std::size_t at = pos_at(i);
        const Index w = counts_[at];
        if (s_.classification) {
            move_class(static_cast<std::size_t>(node_code_[at]), w, a, b);
        } else {
            const double wy = static_cast<double>(w) * (*y_)[samples_[at]];
            a += wy;
            b -= wy;
        }
        nl += w;
        if (nl < leaf || n - nl < leaf) continue;
        const std::uint32_t r0 = rank_at(i);
        const std::uint32_t r1 = rank_at(i + 1);
        if (r0 == r1 || !cuttable(vals, r0, r1)) continue;
        consider_cut(out, nl, n - nl, a, b, r0, r1);
    }
    return out;
}

METALEARN_INLINE Index CartBuilder::partition(Index begin, Index end, Index f, std::size_t left_rank) {
    if (const CarriedBit cb = carried_bit(f); cb.plane != nullptr) {  // the carried bits, in order
        return partition_by(begin, end, [bp = cb.plane, bit = cb.bit, left_rank](std::size_t i, std::uint32_t) {
            return ((bp[i] >> bit) & 1U) <= left_rank;
        });
    }
    if (const std::uint8_t* nk = ranks_.narrow_column(f))
        return partition_by(begin, end, [nk, left_rank](std::size_t, std::uint32_t s) { return nk[s] <= left_rank; });
    const std::uint32_t* rk = ranks_.rank.data() + f * ranks_.n;
    return partition_by(begin, end, [rk, left_rank](std::size_t, std::uint32_t s) { return rk[s] <= left_rank; });
}

template <class GoesLeft>
Index CartBuilder::partition_by(Index begin, Index end, GoesLeft goes_left) {
    // Branch-free: every entry is written to both sides and the side it belongs to advances
    // (the direction of a split is unpredictable; a branch on it mispredicts half the time).
    // Writing left in place is safe: the left cursor never passes the entry being read.
    const auto size = static_cast<std::size_t>(end - begin);
    const bool with_codes = s_.classification;
    const std::size_t m = samples_.size();
    const auto planes = static_cast<std::size_t>(planes_);
    right_buf_.resize(size);
    right_counts_buf_.resize(size);
    if (with_codes) right_code_buf_.resize(size);
    right_bits_buf_.resize(size * planes);
    std::uint32_t* smp = samples_.data();
    std::int32_t* cnt = counts_.data();
    std::int32_t* code = node_code_.data();
    std::uint64_t* bits = bits_.data();
    std::uint32_t* rs = right_buf_.data();
    std::int32_t* rc = right_counts_buf_.data();
    std::int32_t* rcode = right_code_buf_.data();
    std::uint64_t* rbits = right_bits_buf_.data();
    std::size_t out = static_cast<std::size_t>(begin);
    std::size_t r = 0;
    for (auto i = static_cast<std::size_t>(begin); i < static_cast<std::size_t>(end); ++i) {
        const std::uint32_t s = smp[i];
        const std::int32_t w = cnt[i];
        const bool left = goes_left(i, s);
        smp[out] = s;
        cnt[out] = w;
        rs[r] = s;
        rc[r] = w;
        if (with_codes) {
            const std::int32_t c = code[i];
            code[out] = c;
            rcode[r] = c;
        }
        for (std::size_t q = 0; q < planes; ++q) {
            const std::uint64_t b = bits[q * m + i];
            bits[q * m + out] = b;
            rbits[q * size + r] = b;
        }
        out += left ? 1U : 0U;
        r += left ? 0U : 1U;
    }
    const auto at = static_cast<std::ptrdiff_t>(out);
    const auto nr = static_cast<std::ptrdiff_t>(r);
    std::copy(right_buf_.begin(), right_buf_.begin() + nr, samples_.begin() + at);
    std::copy(right_counts_buf_.begin(), right_counts_buf_.begin() + nr, counts_.begin() + at);
    if (with_codes) std::copy(right_code_buf_.begin(), right_code_buf_.begin() + nr, node_code_.begin() + at);
    for (std::size_t q = 0; q < planes; ++q)
        std::copy(right_bits_buf_.begin() + static_cast<std::ptrdiff_t>(q * size),
                  right_bits_buf_.begin() + static_cast<std::ptrdiff_t>(q * size + r),
                  bits_.begin() + static_cast<std::ptrdiff_t>(q * m + out));
    return static_cast<Index>(out);
}

}  // namespace metalearn::models::detail
