#pragma once
/// @file cart.hpp
/// @brief CART tree growing shared by the decision trees and the random forests.

#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
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
inline Index resolve_max_features(double max_features, Index p) {
    if (max_features == max_features_sqrt)
        return std::max<Index>(1, static_cast<Index>(std::floor(std::sqrt(static_cast<double>(p)))));
    if (max_features == max_features_log2)
        return std::max<Index>(1, static_cast<Index>(std::floor(std::log2(static_cast<double>(p)))));
    return std::clamp<Index>(static_cast<Index>(std::floor(max_features * static_cast<double>(p))), 1, p);
}

/// Throw ConfigError unless the shared tree hyperparameters are valid.
inline void validate_tree_params(std::string_view where, Index max_depth, Index min_samples_split,
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

/// Settings of one tree growth (already validated and resolved).
struct CartSettings {
    Index max_depth = 0;  ///< 0 = unlimited
    Index min_samples_split = 2;
    Index min_samples_leaf = 1;
    Index max_features = 1;  ///< features examined per split (non-constant ones counted)
    bool classification = true;
    bool entropy = false;
    Index n_classes = 0;
};

/// A grown tree: nodes plus the unnormalised impurity decrease per feature.
struct CartTree {
    std::vector<TreeNode> nodes;
    Vector importance;  ///< p: Σ over splits on the feature of n·imp − n_L·imp_L − n_R·imp_R

    /// Leaf reached by row i of X.
    template <class Mat>
    [[nodiscard]] Index apply(const Mat& X, Index i) const {
        Index node = 0;
        while (nodes[static_cast<std::size_t>(node)].left >= 0) {
            const TreeNode& nd = nodes[static_cast<std::size_t>(node)];
            node = X(i, nd.feature) <= nd.threshold ? nd.left : nd.right;
        }
        return node;
    }

    [[nodiscard]] Index depth() const {
        Index d = 0;
        for (const auto& nd : nodes) d = std::max(d, nd.depth);
        return d;
    }
    [[nodiscard]] Index n_leaves() const {
        Index c = 0;
        for (const auto& nd : nodes) c += nd.is_leaf() ? 1 : 0;
        return c;
    }
};

/// Grows a CART tree (Breiman, Friedman, Olshen & Stone 1984) depth-first.
///
/// At each node, the candidate features are visited in a random order drawn from the tree's
/// generator; for each, the node's values are sorted and every cut between two distinct
/// consecutive values (more than 1e-7 apart, as scikit-learn) that leaves ≥ min_samples_leaf
/// samples on each side is scored in O(1) with running class counts or sums. The best score
/// wins; on an exact tie the feature visited first wins (seeded tie-breaking). Visiting stops
/// once `max_features` non-constant features have been examined. A node becomes a leaf when it
/// is pure, at max_depth, has < min_samples_split or < 2·min_samples_leaf samples, or has no
/// valid cut. As scikit-learn, a valid cut is taken even when it does not decrease impurity.
/// Complexity O(p·n log n) per tree level.
class CartBuilder {
public:
    /// @param X n×p features; @param codes n class codes (classification) or empty;
    /// @param y n targets (regression) or empty.
    CartBuilder(const MatrixRef& X, const std::vector<Index>* codes, const VectorRef* y, CartSettings s)
        : X_(X), codes_(codes), y_(y), s_(s) {}

    /// Grow the tree on `samples` (indices into X, duplicates allowed), drawing from `rng`.
    CartTree grow(std::vector<Index> samples, Rng& rng) {
        samples_ = std::move(samples);
        const Index p = X_.cols();
        tree_ = CartTree{};
        tree_.importance = Vector::Zero(p);
        features_.resize(static_cast<std::size_t>(p));
        buf_.resize(samples_.size());
        if (s_.classification) {
            left_counts_.assign(static_cast<std::size_t>(s_.n_classes), 0);
            right_counts_.assign(static_cast<std::size_t>(s_.n_classes), 0);
            if (s_.entropy) {
                xlogx_.resize(samples_.size() + 1);
                xlogx_[0] = 0.0;
                for (std::size_t i = 1; i < xlogx_.size(); ++i)
                    xlogx_[i] = static_cast<double>(i) * std::log(static_cast<double>(i));
            }
        }
        struct Task {
            Index begin, end, depth, parent;
            bool is_left;
        };
        std::vector<Task> stack;
        stack.push_back({0, static_cast<Index>(samples_.size()), 0, -1, false});
        while (!stack.empty()) {
            const Task t = stack.back();
            stack.pop_back();
            const auto id = static_cast<Index>(tree_.nodes.size());
            tree_.nodes.emplace_back();
            if (t.parent >= 0) {
                auto& par = tree_.nodes[static_cast<std::size_t>(t.parent)];
                (t.is_left ? par.left : par.right) = id;
            }
            TreeNode node;
            node.depth = t.depth;
            node.n_samples = t.end - t.begin;
            node_value(t.begin, t.end, node);
            Split split;
            const bool can_split = !(s_.max_depth > 0 && t.depth >= s_.max_depth) &&
                                   node.n_samples >= s_.min_samples_split &&
                                   node.n_samples >= 2 * s_.min_samples_leaf &&
                                   node.impurity > std::numeric_limits<double>::epsilon();
            if (can_split) split = best_split(t.begin, t.end, rng);
            if (split.feature >= 0) {
                node.feature = split.feature;
                node.threshold = split.threshold;
                // partition samples: x <= threshold to the left (order within sides kept stable)
                const Index mid = partition(t.begin, t.end, split.feature, split.threshold);
                tree_.nodes[static_cast<std::size_t>(id)] = std::move(node);
                // right pushed first so the left subtree is grown (and numbered) first
                stack.push_back({mid, t.end, t.depth + 1, id, false});
                stack.push_back({t.begin, mid, t.depth + 1, id, true});
            } else {
                tree_.nodes[static_cast<std::size_t>(id)] = std::move(node);
            }
        }
        // impurity decrease per feature (children exist now)
        for (const auto& nd : tree_.nodes) {
            if (nd.is_leaf()) continue;
            const auto& l = tree_.nodes[static_cast<std::size_t>(nd.left)];
            const auto& r = tree_.nodes[static_cast<std::size_t>(nd.right)];
            tree_.importance[nd.feature] += static_cast<double>(nd.n_samples) * nd.impurity -
                                            static_cast<double>(l.n_samples) * l.impurity -
                                            static_cast<double>(r.n_samples) * r.impurity;
        }
        return std::move(tree_);
    }

private:
    struct Split {
        Index feature = -1;
        double threshold = 0.0;
        double score = -std::numeric_limits<double>::infinity();
    };

    void node_value(Index begin, Index end, TreeNode& node) const {
        const auto n = static_cast<double>(end - begin);
        if (s_.classification) {
            node.value = Vector::Zero(s_.n_classes);
            for (Index i = begin; i < end; ++i)
                node.value[(*codes_)[static_cast<std::size_t>(samples_[static_cast<std::size_t>(i)])]] += 1.0;
            double imp = 0.0;
            if (s_.entropy) {
                for (Index c = 0; c < s_.n_classes; ++c) {
                    const double q = node.value[c] / n;
                    if (q > 0.0) imp -= q * std::log2(q);
                }
            } else {
                imp = 1.0 - (node.value.array() / n).square().sum();
            }
            node.impurity = std::max(imp, 0.0);
        } else {
            double sum = 0.0;
            for (Index i = begin; i < end; ++i) sum += (*y_)[samples_[static_cast<std::size_t>(i)]];
            const double mean = sum / n;
            double ss = 0.0;
            for (Index i = begin; i < end; ++i) {
                const double d = (*y_)[samples_[static_cast<std::size_t>(i)]] - mean;
                ss += d * d;
            }
            node.value = Vector::Constant(1, mean);
            node.impurity = ss / n;
        }
    }

    Split best_split(Index begin, Index end, Rng& rng) {
        const Index p = X_.cols();
        for (Index j = 0; j < p; ++j) features_[static_cast<std::size_t>(j)] = j;
        const Index n = end - begin;
        const Index leaf = s_.min_samples_leaf;
        Split best;
        Index examined = 0;
        for (Index j = 0; j < p && examined < s_.max_features; ++j) {
            const auto r = j + static_cast<Index>(rng.uniform_index(static_cast<std::uint64_t>(p - j)));
            std::swap(features_[static_cast<std::size_t>(j)], features_[static_cast<std::size_t>(r)]);
            const Index f = features_[static_cast<std::size_t>(j)];
            // gather and sort (value, sample)
            double lo = std::numeric_limits<double>::infinity();
            double hi = -lo;
            for (Index i = 0; i < n; ++i) {
                const Index s = samples_[static_cast<std::size_t>(begin + i)];
                const double v = X_(s, f);
                buf_[static_cast<std::size_t>(i)] = {v, s};
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
            if (hi <= lo + feature_threshold) continue;  // constant here: not counted
            ++examined;
            auto* first = buf_.data();
            std::sort(first, first + n,
                      [](const std::pair<double, Index>& a, const std::pair<double, Index>& b) {
                          return a.first < b.first;
                      });
            Index pos = -1;
            const double score = s_.classification ? scan_classification(n, leaf, pos) : scan_regression(n, leaf, pos);
            if (pos > 0 && score > best.score) {
                best.score = score;
                best.feature = f;
                const double a = buf_[static_cast<std::size_t>(pos - 1)].first;
                const double b = buf_[static_cast<std::size_t>(pos)].first;
                double thr = a / 2.0 + b / 2.0;
                if (thr == b || !std::isfinite(thr)) thr = a;
                best.threshold = thr;
            }
        }
        return best;
    }

    // Returns the best proxy score; pos = number of samples going left (−1 if no valid cut).
    double scan_classification(Index n, Index leaf, Index& pos) {
        const auto K = static_cast<std::size_t>(s_.n_classes);
        std::fill(left_counts_.begin(), left_counts_.end(), 0);
        std::fill(right_counts_.begin(), right_counts_.end(), 0);
        for (Index i = 0; i < n; ++i)
            ++right_counts_[static_cast<std::size_t>((*codes_)[static_cast<std::size_t>(buf_[static_cast<std::size_t>(i)].second)])];
        double best = -std::numeric_limits<double>::infinity();
        pos = -1;
        if (s_.entropy) {
            double sl = 0.0;  // Σ L_c log L_c
            double sr = 0.0;
            for (std::size_t c = 0; c < K; ++c) sr += xlogx_[static_cast<std::size_t>(right_counts_[c])];
            for (Index i = 0; i + 1 < n; ++i) {
                const auto c = static_cast<std::size_t>((*codes_)[static_cast<std::size_t>(buf_[static_cast<std::size_t>(i)].second)]);
                const auto l = static_cast<std::size_t>(left_counts_[c]);
                const auto r = static_cast<std::size_t>(right_counts_[c]);
                sl += xlogx_[l + 1] - xlogx_[l];
                sr += xlogx_[r - 1] - xlogx_[r];
                ++left_counts_[c];
                --right_counts_[c];
                const Index nl = i + 1;
                const Index nr = n - nl;
                if (nl < leaf || nr < leaf) continue;
                if (!(buf_[static_cast<std::size_t>(i + 1)].first > buf_[static_cast<std::size_t>(i)].first + feature_threshold))
                    continue;
                // −(n_L H_L + n_R H_R) in nats
                const double score = -(xlogx_[static_cast<std::size_t>(nl)] - sl + xlogx_[static_cast<std::size_t>(nr)] - sr);
                if (score > best) {
                    best = score;
                    pos = nl;
                }
            }
        } else {
            double sql = 0.0;  // Σ L_c²
            double sqr = 0.0;
            for (std::size_t c = 0; c < K; ++c)
                sqr += static_cast<double>(right_counts_[c]) * static_cast<double>(right_counts_[c]);
            for (Index i = 0; i + 1 < n; ++i) {
                const auto c = static_cast<std::size_t>((*codes_)[static_cast<std::size_t>(buf_[static_cast<std::size_t>(i)].second)]);
                sql += 2.0 * static_cast<double>(left_counts_[c]) + 1.0;
                sqr -= 2.0 * static_cast<double>(right_counts_[c]) - 1.0;
                ++left_counts_[c];
                --right_counts_[c];
                const Index nl = i + 1;
                const Index nr = n - nl;
                if (nl < leaf || nr < leaf) continue;
                if (!(buf_[static_cast<std::size_t>(i + 1)].first > buf_[static_cast<std::size_t>(i)].first + feature_threshold))
                    continue;
                const double score = sql / static_cast<double>(nl) + sqr / static_cast<double>(nr);
                if (score > best) {
                    best = score;
                    pos = nl;
                }
            }
        }
        return best;
    }

    double scan_regression(Index n, Index leaf, Index& pos) {
        double total = 0.0;
        for (Index i = 0; i < n; ++i) total += (*y_)[buf_[static_cast<std::size_t>(i)].second];
        double sl = 0.0;
        double best = -std::numeric_limits<double>::infinity();
        pos = -1;
        for (Index i = 0; i + 1 < n; ++i) {
            sl += (*y_)[buf_[static_cast<std::size_t>(i)].second];
            const Index nl = i + 1;
            const Index nr = n - nl;
            if (nl < leaf || nr < leaf) continue;
            if (!(buf_[static_cast<std::size_t>(i + 1)].first > buf_[static_cast<std::size_t>(i)].first + feature_threshold))
                continue;
            const double sr = total - sl;
            const double score = sl * sl / static_cast<double>(nl) + sr * sr / static_cast<double>(nr);
            if (score > best) {
                best = score;
                pos = nl;
            }
        }
        return best;
    }

    Index partition(Index begin, Index end, Index f, double thr) {
        auto first = samples_.begin() + begin;
        auto last = samples_.begin() + end;
        const auto mid = std::stable_partition(first, last, [&](Index s) { return X_(s, f) <= thr; });
        return begin + (mid - samples_.begin() - begin);
    }

    static constexpr double feature_threshold = 1e-7;

    const MatrixRef& X_;
    const std::vector<Index>* codes_;
    const VectorRef* y_;
    CartSettings s_;
    CartTree tree_;
    std::vector<Index> samples_;
    std::vector<Index> features_;
    std::vector<std::pair<double, Index>> buf_;
    std::vector<std::int64_t> left_counts_;
    std::vector<std::int64_t> right_counts_;
    std::vector<double> xlogx_;
};

}  // namespace detail
}  // namespace metalearn::models
