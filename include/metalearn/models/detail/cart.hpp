#pragma once
/// @file cart.hpp
/// @brief CART tree growing shared by the decision trees and the random forests.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/models/detail/serialization.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

namespace metalearn::models {

/// Sentinel for `max_features`: ⌊√p⌋ features per split (at least 1).
inline constexpr double max_features_sqrt = -1.0;
/// Sentinel for `max_features`: ⌊log₂ p⌋ features per split (at least 1).
inline constexpr double max_features_log2 = -2.0;

/// Split quality for classification trees: Gini impurity 1 − Σ p_c², or entropy −Σ p_c log₂ p_c.
enum class Criterion { gini, entropy };

/// One node of a fitted CART tree (read-only view for inspection and meta-features).
///
/// Nodes are stored depth-first (pre-order); node 0 is the root. A sample goes to the left
/// child when `x[feature] <= threshold`.
struct TreeNode {
    Index feature = -1;      ///< split feature (column of X); −1 for a leaf.
    double threshold = 0.0;  ///< split threshold (midpoint of two consecutive training values); 0 for a leaf.
    Index left = -1;         ///< index of the left child in `nodes()`; −1 for a leaf.
    Index right = -1;        ///< index of the right child; −1 for a leaf.
    Index depth = 0;         ///< depth of the node; the root has depth 0.
    Index n_samples = 0;     ///< training samples reaching the node (bootstrap duplicates counted).
    double impurity = 0.0;   ///< node impurity: Gini, entropy (bits) or variance.
    Vector value;            ///< classifier: class counts (width K); regressor: size 1, the mean target.

    /// True when the node has no children.
    [[nodiscard]] bool is_leaf() const noexcept { return left < 0; }
};

namespace detail {

/// Validate and resolve `max_features` to a feature count in [1, p].
METALEARN_INLINE Index resolve_max_features(double max_features, Index p);

/// Throw ConfigError unless the shared tree hyperparameters are valid.
METALEARN_INLINE void validate_tree_params(std::string_view where, Index max_depth, Index min_samples_split,
                                 Index min_samples_leaf, double max_features);

/// Throw ConfigError unless `c` is one of the `Criterion` values (a cast integer may not be).
inline void check_criterion(std::string_view where, Criterion c) {
    if (c != Criterion::gini && c != Criterion::entropy)
        throw ConfigError(fmt::format("{}: criterion {} is not a Criterion (expected gini or entropy)", where,
                                      static_cast<int>(c)));
}

/// Settings of one tree growth (already validated and resolved).
struct CartSettings {
    Index max_depth = 0;  ///< 0 = unlimited
    Index min_samples_split = 2;
    Index min_samples_leaf = 1;
    Index max_features = 1;  ///< features examined per split (non-constant ones counted)
    bool classification = true;
    bool entropy = false;
    Index n_classes = 0;
    /// Called before each node is grown; `true` abandons the growth with `Interrupted`. May be
    /// null or empty (never stop).
    const std::function<bool()>* stop = nullptr;
    /// Classification: a weight per class (K values, finite, ≥ 0), every sample weighing its
    /// class's weight (scikit-learn's `class_weight`), or null for weight 1. Class proportions,
    /// impurities, split scores, node values (weighted class counts) and importances then use
    /// the weighted counts; min_samples_split and min_samples_leaf still count samples.
    const std::vector<double>* class_weights = nullptr;
    /// Keep the grown `TreeNode`s (a decision tree shows them); false leaves only what prediction
    /// and the saved form read (`CartTree::release_nodes`), as a forest's trees do.
    bool keep_nodes = true;
};

/// A grown tree: nodes plus the unnormalised impurity decrease per feature.
struct CartTree {
    /// A node as prediction reads it: 16 bytes instead of a `TreeNode`'s 72 and its heap vector,
    /// so a deep tree's path stays in cache. The nodes are in pre-order (as grown), so a split
    /// node's left child is the next node and only the right one is stored; feature < 0 marks a
    /// leaf, whose `next` is its place in `leaf_values`.
    struct PackedNode {
        double threshold = 0.0;
        std::int32_t feature = -1;
        std::int32_t next = -1;  ///< split node: index of the right child; leaf: leaf number
    };

    std::vector<TreeNode> nodes;
    Vector importance;  ///< p: Σ over splits on the feature of n·imp − n_L·imp_L − n_R·imp_R
    /// `nodes` packed for `apply` (`pack()`); empty: `apply` walks `nodes`. Built by the growth
    /// and by `cart_tree_from_json`; whoever edits `nodes` afterwards calls `pack()` again.
    std::vector<PackedNode> packed;
    /// The leaves' values side by side (`packed` non-empty): leaf k's `value` starts at
    /// `leaf_values[packed[k].next · value_size]`, so prediction reads one contiguous array
    /// instead of each leaf's heap vector. Built by `pack()` with `packed`.
    std::vector<double> leaf_values;
    /// Each leaf's `value.sum()` (computed on the node's own vector, so a classifier's class
    /// shares `value / value.sum()` are the same to the bit with or without `packed`).
    std::vector<double> leaf_sums;
    Index value_size = 0;
    /// With `nodes` released (`release_nodes`): each node's n_samples, impurity and value
    /// (`value_size` entries per node, node after node), the rest of what `cart_tree_json` writes;
    /// empty otherwise.
    std::vector<Index> node_samples;
    std::vector<double> node_impurity;
    std::vector<double> node_values;

    /// Number of nodes, with or without `nodes`.
    [[nodiscard]] Index n_nodes() const {
        return static_cast<Index>(nodes.empty() ? packed.size() : nodes.size());
    }

    /// Free `nodes` (a `TreeNode` of 72 bytes and a heap vector each) once `packed` holds the
    /// tree, keeping the per-node statistics the saved form needs in flat arrays: about 60 bytes
    /// per node instead of 130, and no heap block per node. Prediction, `cart_tree_json`,
    /// `depth` and `n_leaves` give the same results as before. Does nothing when `packed` is
    /// empty (`pack` refused the tree).
    void release_nodes() {
        std::vector<TreeNode> spare;
        release_nodes_into(spare);
    }

    /// `release_nodes`, handing the node storage (cleared, with its capacity) to `spare`
    /// instead of freeing it, for the next tree to grow in.
    void release_nodes_into(std::vector<TreeNode>& spare) {
        if (packed.empty() || nodes.empty()) return;
        const auto n = nodes.size();
        const auto m = static_cast<std::size_t>(value_size);
        node_samples.resize(n);
        node_impurity.resize(n);
        node_values.resize(n * m);
        for (std::size_t k = 0; k < n; ++k) {
            node_samples[k] = nodes[k].n_samples;
            node_impurity[k] = nodes[k].impurity;
            std::copy(nodes[k].value.data(), nodes[k].value.data() + m, node_values.data() + k * m);
        }
        nodes.clear();
        spare.swap(nodes);
        std::vector<TreeNode>().swap(nodes);
    }

    /// Rebuild `packed` and `leaf_values` from `nodes` (both left empty when a feature or child
    /// index exceeds 32 bits, the nodes' values differ in length, or a split node's left child
    /// is not the next node: `apply` then walks `nodes`).
    void pack() {
        packed.clear();
        leaf_values.clear();
        leaf_sums.clear();
        constexpr auto limit = static_cast<Index>(std::numeric_limits<std::int32_t>::max());
        if (nodes.empty() || static_cast<Index>(nodes.size()) > limit) return;
        const Index m = nodes.front().value.size();
        std::vector<PackedNode> out(nodes.size());
        std::size_t leaves = 0;
        for (const TreeNode& nd : nodes) leaves += nd.left < 0 ? 1 : 0;
        std::vector<double> values;
        std::vector<double> sums;
        values.reserve(leaves * static_cast<std::size_t>(std::max<Index>(m, 0)));
        sums.reserve(leaves);
        std::int32_t n_leaves = 0;
        for (std::size_t k = 0; k < nodes.size(); ++k) {
            const TreeNode& nd = nodes[k];
            if (nd.value.size() != m) return;
            if (nd.left < 0) {  // leaf: feature −1, next = its place in leaf_values
                out[k].next = n_leaves++;
                values.insert(values.end(), nd.value.data(), nd.value.data() + m);
                sums.push_back(nd.value.sum());
                continue;
            }
            if (nd.feature > limit || nd.left != static_cast<Index>(k) + 1) return;
            out[k] = {nd.threshold, static_cast<std::int32_t>(nd.feature), static_cast<std::int32_t>(nd.right)};
        }
        packed = std::move(out);
        leaf_values = std::move(values);
        leaf_sums = std::move(sums);
        value_size = m;
    }

    /// `nodes[k].value.sum()` of leaf k, as `leaf_value`. @pre node k is a leaf.
    [[nodiscard]] double leaf_sum(Index k) const {
        if (packed.empty()) return nodes[static_cast<std::size_t>(k)].value.sum();
        return leaf_sums[static_cast<std::size_t>(packed[static_cast<std::size_t>(k)].next)];
    }

    /// The value of leaf k (as `apply` returns it): `value_size` entries, equal to
    /// `nodes[k].value`. @pre node k is a leaf.
    [[nodiscard]] const double* leaf_value(Index k) const {
        if (packed.empty()) return nodes[static_cast<std::size_t>(k)].value.data();
        return leaf_values.data() + static_cast<std::size_t>(packed[static_cast<std::size_t>(k)].next) *
                                        static_cast<std::size_t>(value_size);
    }

    /// Leaf reached by row i of X (x ≤ threshold goes left; the same path with or without `packed`).
    template <class Mat>
    [[nodiscard]] Index apply(const Mat& X, Index i) const {
        if (!packed.empty()) return walk_packed(X, i, 0);
        Index node = 0;
        while (nodes[static_cast<std::size_t>(node)].left >= 0) {
            const TreeNode& nd = nodes[static_cast<std::size_t>(node)];
            node = X(i, nd.feature) <= nd.threshold ? nd.left : nd.right;
        }
        return node;
    }

    /// Leaves reached by rows lo..hi-1 of X: `leaf[i - lo] = apply(X, i)`. Eight rows walk the
    /// tree together, one level each in turn, so that their chains of dependent loads overlap
    /// (a deep tree's walk is bound by memory latency, not by arithmetic); a lane whose row has
    /// reached its leaf takes the next row at once, so short paths do not wait for long ones.
    template <class Mat>
    void apply_rows(const Mat& X, Index lo, Index hi, Index* leaf) const {
        if (packed.empty()) {
            for (Index i = lo; i < hi; ++i) leaf[i - lo] = apply(X, i);
            return;
        }
        constexpr int lanes = 8;
        if (hi - lo < lanes) {
            for (Index i = lo; i < hi; ++i) leaf[i - lo] = apply(X, i);
            return;
        }
        std::int32_t k[lanes] = {};
        Index row[lanes];
        for (int u = 0; u < lanes; ++u) row[u] = lo + u;
        Index next = lo + lanes;
        int active = lanes;
        while (active == lanes) {
            for (int u = 0; u < lanes; ++u) {
                const PackedNode& nd = packed[static_cast<std::size_t>(k[u])];
                if (nd.feature < 0) {  // at its leaf: record it, take the next row
                    leaf[row[u] - lo] = k[u];
                    k[u] = 0;
                    if (next < hi) {
                        row[u] = next++;
                    } else {
                        row[u] = -1;
                        --active;
                    }
                    continue;
                }
                // branch-free step: the direction is a coin toss for the branch predictor
                const auto right = static_cast<std::int32_t>(!(X(row[u], nd.feature) <= nd.threshold));
                k[u] = k[u] + 1 + right * (nd.next - k[u] - 1);
            }
        }
        // the rows still walking finish one by one
        for (int u = 0; u < lanes; ++u)
            if (row[u] >= 0) leaf[row[u] - lo] = walk_packed(X, row[u], k[u]);
    }

    /// Leaf reached by row i of X from packed node k. @pre `packed` non-empty.
    template <class Mat>
    [[nodiscard]] Index walk_packed(const Mat& X, Index i, std::int32_t k) const {
        for (;;) {
            const PackedNode& nd = packed[static_cast<std::size_t>(k)];
            if (nd.feature < 0) return k;
            k = X(i, nd.feature) <= nd.threshold ? k + 1 : nd.next;
        }
    }

    [[nodiscard]] Index depth() const;
    [[nodiscard]] Index n_leaves() const;
};

/// Rows lo..hi−1 of a matrix copied row-major, read as `rows(i, j)` (row i of the block): what
/// `CartTree::apply_rows` walks when many trees read the same rows, each row's features in a
/// few consecutive cache lines. A plain buffer, so that no further Eigen type is instantiated.
class RowBlock {
public:
    template <class Mat>
    RowBlock(const Mat& X, Index lo, Index hi)
        : p_(X.cols()), data_(static_cast<std::size_t>((hi - lo) * X.cols())) {
        for (Index j = 0; j < p_; ++j)
            for (Index i = lo; i < hi; ++i) data_[static_cast<std::size_t>((i - lo) * p_ + j)] = X(i, j);
    }
    [[nodiscard]] double operator()(Index i, Index j) const { return data_[static_cast<std::size_t>(i * p_ + j)]; }

private:
    Index p_;
    std::vector<double> data_;
};

/// The JSON form of a grown tree: parallel arrays over the nodes (depth-first order) —
/// `"feature"` (−1 for a leaf), `"threshold"`, `"left"`, `"right"` (−1 for a leaf),
/// `"n_samples"`, `"impurity"`, `"value"` (node after node, `width` values each: 1 for a
/// regression tree, K class counts for a classification tree) — and `"importance"` (p).
/// Node depths are not written: they follow from the structure.
[[nodiscard]] METALEARN_INLINE nlohmann::json cart_tree_json(const CartTree& t);

/// A tree written by `cart_tree_json`, checked so that `apply` is safe on any p-column input:
/// at least one node; arrays of equal length (`value`: width per node, `importance`: p); a
/// split node has a feature in [0, p), a finite threshold and two distinct children after it;
/// a leaf has feature, left and right −1; every node but the root is the child of exactly one
/// node (so the nodes form one tree); all numbers finite, n_samples ≥ 0. Depths are recomputed.
/// @param at where the tree is in the document, for messages.
/// @param p number of features; @param width values per node (1 for regression, K ≥ 1 classes).
/// @throws ParseError on a wrong structure; DataError on inconsistent or unusable values.
[[nodiscard]] METALEARN_INLINE CartTree cart_tree_from_json(const nlohmann::json& j, const JsonAt& at, Index p, Index width);

/// The JSON object of the shared tree hyperparameters.
[[nodiscard]] METALEARN_INLINE nlohmann::json tree_params_json(Index max_depth, Index min_samples_split, Index min_samples_leaf,
                                                     double max_features);

/// Read the shared tree hyperparameters from the params object at `at` (checked as by
/// `validate_tree_params`). @throws ParseError on a wrong structure; DataError out of range.
METALEARN_INLINE void read_tree_params(const nlohmann::json& pj, const JsonAt& at, Index& max_depth, Index& min_samples_split,
                             Index& min_samples_leaf, double& max_features);

/// Dense ranks of every feature's training values, computed once per fit and shared (read-only)
/// by all trees of a forest: `rank[f·n + i]` is the position of X(i, f) among the sorted distinct
/// values `values[f]` of column f. O(p·n log n) time, 4·n·p bytes.
///
/// Optional row groups (e.g. the rows of one task in a meta-model's training set, which share
/// that task's meta-features): `group[i]` ∈ [0, n_groups) for every row. A feature whose value is
/// the same on all rows of each group is marked `group_constant[f]`, and `group_rank[f·G + g]`
/// is its rank on group g; `CartBuilder` then counts such a feature's node statistics per group
/// instead of per row. O(p·n) more time, 4·p·G bytes.
struct FeatureRanks {
    Index n = 0;
    std::vector<std::uint32_t> rank;
    std::vector<std::vector<double>> values;
    Index n_groups = 0;                        ///< G; 0 without groups
    std::vector<Index> group;                  ///< n group ids (empty without groups)
    std::vector<char> group_constant;          ///< p flags (empty without groups)
    std::vector<std::uint32_t> group_rank;     ///< p×G ranks (valid where group_constant)
    /// Byte copies of the ranks of features with at most 256 distinct values: feature f's copy
    /// starts at `narrow[narrow_at[f]]` (n bytes), `narrow_at[f] = -1` when it has none. The
    /// tree builder gathers a node's ranks from them: binary and one-hot columns take a quarter
    /// of the cache the 4-byte ranks take. Built by the constructors, or by `add_narrow()`
    /// after `rank` and `values` were filled by hand.
    std::vector<std::uint8_t> narrow;
    std::vector<Index> narrow_at;
    /// Binary columns (exactly two distinct values), the first `max_binary_bits` of them, as one
    /// bit per row: column f's rank on row i is bit `binary_slot[f] % 64` of
    /// `binary_bits[(binary_slot[f] / 64)·n + i]`; `binary_slot[f] = -1` for the other columns.
    /// `binary_planes` (0, 1 or 2) words per row. A classification tree carries a node's words
    /// beside its samples, so counting a binary column reads them in order instead of gathering
    /// one byte per sample. Built with `narrow`.
    std::vector<std::uint64_t> binary_bits;
    std::vector<std::int32_t> binary_slot;
    Index binary_planes = 0;
    static constexpr Index max_binary_bits = 128;
    /// Two values closer than this are not cut between (as scikit-learn's FEATURE_THRESHOLD).
    static constexpr double cut_threshold = 1e-7;
    /// Per feature: 1 when every two consecutive sorted distinct values are more than
    /// `cut_threshold` apart (`values[f][r + 1] > values[f][r] + cut_threshold`), so that any
    /// two distinct ranks of f can be cut between without reading the values. Built with `narrow`.
    std::vector<char> wide_gaps;

    FeatureRanks() = default;
    explicit FeatureRanks(const MatrixRef& X);
    /// With row groups: `groups` has X.rows() entries in [0, n_groups).
    /// @throws DataError on a wrong length or an id out of range.
    FeatureRanks(const MatrixRef& X, const std::vector<Index>& groups, Index n_groups);
    /// (Re)build `narrow`, `narrow_at`, the binary bits and `wide_gaps` from `rank` and `values`.
    void add_narrow();
    /// Feature f's byte ranks (n entries), or null when it has none.
    [[nodiscard]] const std::uint8_t* narrow_column(Index f) const {
        if (narrow_at.empty() || narrow_at[static_cast<std::size_t>(f)] < 0) return nullptr;
        return narrow.data() + narrow_at[static_cast<std::size_t>(f)];
    }
    /// Whether feature f's consecutive values are all more than `cut_threshold` apart.
    [[nodiscard]] bool wide_gaps_of(Index f) const {
        return !wide_gaps.empty() && wide_gaps[static_cast<std::size_t>(f)] != 0;
    }
    /// Feature f's slot in `binary_bits`, or -1.
    [[nodiscard]] std::int32_t binary_slot_of(Index f) const {
        return binary_slot.empty() ? -1 : binary_slot[static_cast<std::size_t>(f)];
    }
};

/// Grows a CART tree (Breiman, Friedman, Olshen & Stone 1984) depth-first.
///
/// At each node, the candidate features are visited in a random order drawn from the tree's
/// generator. For each, every cut between two distinct consecutive values of the node (more
/// than 1e-7 apart, as scikit-learn) that leaves ≥ min_samples_leaf samples on each side is
/// scored in O(1) with running class counts or sums, after ordering the node's samples either
/// by counting them into value buckets (when the node's value range is small: one-hot, integer
/// or coarse features) or by sorting (rank, sample) keys. The best score wins; on an exact tie
/// the feature visited first wins (seeded tie-breaking). Visiting stops once `max_features`
/// non-constant features have been examined. A node becomes a leaf when it is pure, at
/// max_depth, has < min_samples_split or < 2·min_samples_leaf samples, or has no valid cut. As
/// scikit-learn, a valid cut is taken even when it does not decrease impurity.
/// Complexity O(p·n log n) per tree level at worst, O(p·n) for features with few values.
/// With `CartSettings::stop`, the callback is asked before each node, so a fit can be abandoned
/// (`Interrupted`) within one node's work.
class CartBuilder {
public:
    /// @param ranks feature ranks of the n×p training matrix; @param codes n class codes
    /// (classification) or null; @param y n targets (regression) or null.
    CartBuilder(const FeatureRanks& ranks, const std::vector<Index>* codes, const VectorRef* y, CartSettings s)
        : ranks_(ranks), codes_(codes), y_(y), s_(s) {}

    /// Grow the tree on `samples` (indices into X, duplicates allowed), drawing from `rng`.
    CartTree grow(std::vector<Index> samples, Rng& rng);

    /// Grow the tree on distinct `samples` (indices into X, increasing) where sample
    /// `samples[i]` counts `counts[i]` ≥ 1 times — a bootstrap sample as multiplicities. The
    /// tree is the one grown on the samples with their duplicates written out (class counts are
    /// exact integers, so classification trees with the Gini criterion are identical; sums of
    /// targets and entropies can differ in the last bits), in less time: work per node is
    /// proportional to the distinct samples.
    /// @throws DataError when the lengths differ, a sample is not a row of X, or a multiplicity
    /// is outside [1, 2^31 − 1].
    CartTree grow(const std::vector<Index>& samples, const std::vector<Index>& counts, Rng& rng);

private:
    struct Split {
        Index feature = -1;
        std::size_t left_rank = 0;   // samples with rank <= left_rank go left
        std::size_t right_rank = 0;  // smallest rank present in the node above left_rank
        double score = -std::numeric_limits<double>::infinity();
    };

    [[nodiscard]] Index code(Index sample) const { return (*codes_)[static_cast<std::size_t>(sample)]; }

    void node_value(Index begin, Index end, TreeNode& node) const;

    // Score of a cut with nl samples left (running statistics given); higher is better.
    // Gini: Σ L_c²/n_L + Σ R_c²/n_R. Entropy: −(n_L H_L + n_R H_R) in nats. Regression:
    // S_L²/n_L + S_R²/n_R. Each equals a constant minus the children's weighted impurity.
    [[nodiscard]] double score_of(Index nl, Index nr, double a, double b) const;

    // Keep the cut between ranks r0 and r1 (nl samples left, nr right, statistics a, b) in out
    // when it scores higher (the first of equal scores stays); classification: the left
    // side's class counts (left_counts_ at the cut) go to cut_left_.
    void consider_cut(Split& out, Index nl, Index nr, double a, double b, std::size_t r0, std::size_t r1) {
        const double sc = score_of(nl, nr, a, b);
        if (sc > out.score) {
            out.score = sc;
            out.feature = 0;
            out.left_rank = r0;
            out.right_rank = r1;
            if (s_.classification) std::copy(left_counts_.begin(), left_counts_.end(), cut_left_.begin());
        }
    }

    // Move one sample of class c (weight w = count) from right to left; update a (left stat),
    // b (right stat) as used by score_of.
    void move_class(std::size_t c, std::int64_t w, double& a, double& b);

    // With class weights (weighted_): a, b and node_b_ are Σ_c (w_c n_c)² (Gini) or
    // Σ_c w_c n_c log(w_c n_c) (entropy) over the left, right and node counts n_c, and the
    // weighted totals wl_, wr_, node_w_ replace the sample counts in score_of.
    [[nodiscard]] double weighted_xlogx(double v) const { return v > 0.0 ? v * std::log(v) : 0.0; }

    // Node totals, computed once per node: the statistics of the class counts node_counts_
    // (classification: set by grow) or Σy (regression), and the node's sample count node_n_
    // (multiplicities counted).
    void node_totals(Index begin, Index end);

    // Regression with row groups: the node's per-group counts and sums (group_n_, group_sum_)
    // and the groups present (node_groups_), gathered once per node.
    void gather_node_groups(Index begin, Index end);

    // Statistics of a group-constant feature f in value buckets 0..span-1, from the groups.
    void fill_buckets_grouped(Index f, std::size_t span);

    // The node's groups as (rank of f, group) keys in group_keys_, sorted.
    void sort_node_groups(Index f);

    // One sweep over the sorted groups of group_keys_ (node sample count n).
    Split sweep_sorted_groups(Index n, const std::vector<double>& vals);

    // Start of a sweep: everything on the right.
    void init_class_stats(double& a, double& b);

    // n_constant: in = features known constant (prefix of features_); out = plus those found
    // constant here.
    Split best_split(Index begin, Index end, Index& n_constant, Rng& rng);

    // Per-value statistics of the node in buckets 0..span-1 (bucket = rank − base), where
    // rank_of(i, s) is the rank of the node's i-th sample s (from a rank column or from the
    // gathered ranks in scratch_).
    template <class RankOf>
    void fill_buckets(Index begin, Index end, RankOf rank_of, std::size_t base, std::size_t span);

    // Where binary column f's bit travels with the samples: plane q of bits_ (entry i of
    // samples_ at plane[i]) and the bit in it; plane null when f's bits are not carried.
    struct CarriedBit {
        const std::uint64_t* plane = nullptr;
        std::size_t q = 0;
        unsigned bit = 0;
    };
    [[nodiscard]] CarriedBit carried_bit(Index f) const {
        const std::int32_t slot = planes_ > 0 ? ranks_.binary_slot_of(f) : -1;
        if (slot < 0) return {};
        const auto q = static_cast<std::size_t>(slot / 64);
        return {bits_.data() + q * samples_.size(), q, static_cast<unsigned>(slot % 64)};
    }

    // Whether binary column f is constant in the node, from the OR and AND of the node's carried
    // words (computed at the first call for the node); false when f has no slot (not known).
    bool binary_constant_in_node(Index begin, Index end, Index f);

    // A binary column f (byte ranks nk, values 0 and 1): the node's class counts of rank 1 in
    // upper_counts_, from the carried bits when f has a slot. @pre classification, K <= 64.
    void count_upper(Index begin, Index end, Index f, const std::uint8_t* nk);

    // The cut of a binary column counted by count_upper, as sweep_buckets scores it.
    Split binary_cut(Index n);

    // One sweep over the non-empty buckets first..last (bucket b holds rank base + b).
    Split sweep_buckets(Index n, const std::vector<double>& vals, std::size_t base, std::size_t first,
                        std::size_t last);

    // Sorting pass: sort (rank, sample) keys, then one sweep over the samples.
    Split scan_sorted(Index begin, Index end, std::uint32_t lo, std::uint32_t hi, const std::vector<double>& vals);

    // Stable partition of samples_[begin, end): rank <= left_rank first. Returns the split point.
    Index partition(Index begin, Index end, Index f, std::size_t left_rank);
    template <class GoesLeft>
    Index partition_by(Index begin, Index end, GoesLeft goes_left);

    static constexpr double feature_threshold = FeatureRanks::cut_threshold;

    // A cut between ranks r0 < r1 of the current feature separates two values more than
    // feature_threshold apart (true without reading them when the feature's gaps are all wide).
    [[nodiscard]] bool cuttable(const std::vector<double>& vals, std::size_t r0, std::size_t r1) const {
        return wide_ || vals[r1] > vals[r0] + feature_threshold;
    }
    bool wide_ = false;  // FeatureRanks::wide_gaps_of(the feature being examined)

    const FeatureRanks& ranks_;
    const std::vector<Index>* codes_;
    const VectorRef* y_;
    CartSettings s_;
    CartTree tree_;
    std::vector<TreeNode> node_buffer_;
    // The samples of the nodes (each node a range), 32-bit to halve the bytes every split search
    // reads: rows < 2^32 (the ranks are 32-bit too), multiplicities < 2^31 (checked by grow).
    std::vector<std::uint32_t> samples_;
    std::vector<std::int32_t> counts_;  // multiplicity of each entry of samples_
    bool unit_counts_ = true;    // every entry of counts_ is 1
    std::vector<Index> features_;
    std::vector<std::uint32_t> right_buf_;
    std::vector<std::int32_t> right_counts_buf_;
    std::vector<std::int32_t> node_code_;  // classification: the class code of each entry of samples_
    std::vector<std::int32_t> right_code_buf_;
    // The binary-column words of each entry of samples_ (FeatureRanks::binary_bits, plane-major:
    // plane q of entry i at bits_[q·samples_.size() + i]); planes_ = 0 when not carried.
    Index planes_ = 0;
    std::vector<std::uint64_t> bits_;
    std::vector<std::uint64_t> right_bits_buf_;
    // OR and AND of the node's words per plane: a binary column whose bit is clear in the OR or
    // set in the AND is constant in the node, found without counting it. Computed once per
    // node, when its first binary column with a slot is visited.
    std::uint64_t node_any_[2] = {0, 0};
    std::uint64_t node_all_[2] = {0, 0};
    bool node_masks_ready_ = false;
    Index node_n_ = 0;
    bool use_groups_ = false;
    bool node_groups_ready_ = false;
    std::vector<Index> node_groups_;     // groups present in the node, in order of appearance
    std::vector<Index> group_n_;         // per group: samples in the node (0 elsewhere)
    std::vector<double> group_sum_;      // per group: Σ count·y in the node
    std::vector<std::uint64_t> group_keys_;
    double group_sort_cost_ = 0.0;       // G·log2(G + 1) for the node's G groups
    std::vector<std::uint32_t> scratch_;
    std::vector<std::uint64_t> keys_;
    std::vector<std::uint64_t> radix_keys_;
    std::vector<std::int64_t> left_counts_;
    std::vector<std::int64_t> right_counts_;
    std::vector<std::int64_t> bucket_n_;
    std::vector<std::int64_t> bucket_counts_;
    std::vector<double> bucket_sum_;
    std::vector<std::int64_t> node_counts_;
    std::vector<std::int64_t> upper_counts_;  // binary column: class counts of its rank-1 samples
    // Two classes: per node sample, its weight w plus w·class in the upper 32 bits, so that one
    // masked sum gives both counts of a binary column's upper value (count_upper); filled once
    // per node, when its first binary column is counted.
    std::vector<std::int64_t> node_weight_class_;
    bool node_weight_class_ready_ = false;
    std::vector<std::int64_t> cut_left_;   // left class counts of the sweep's best cut
    std::vector<std::int64_t> best_left_;  // left class counts of the node's best split
    double node_b_ = 0.0;
    double node_sum_ = 0.0;
    std::vector<double> xlogx_;
    bool weighted_ = false;
    std::vector<double> cw_;      // class weights (weighted_ only)
    std::vector<double> cw_log_;  // w_c log w_c (0 for w_c = 0)
    double node_w_ = 0.0;
    double wl_ = 0.0;
    double wr_ = 0.0;
};

}  // namespace detail
}  // namespace metalearn::models

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/models/detail/cart_impl.hpp"
#endif
