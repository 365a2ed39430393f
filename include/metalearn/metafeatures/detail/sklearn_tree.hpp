#pragma once
/// @file sklearn_tree.hpp
/// @brief The full-depth CART classification tree (Gini) that pymfe's model-based group grows,
/// built the way scikit-learn 1.2 builds `DecisionTreeClassifier(random_state=s)` so that the
/// same data give the same tree, ties included (internal).
///
/// What is reproduced (scikit-learn 1.2 `tree/_splitter.pyx` BestSplitter, `_tree.pyx`
/// DepthFirstTreeBuilder, `_criterion.pyx` Gini; Breiman et al. 1984 for CART itself):
/// - the attributes are compared in single precision (scikit-learn casts X to float32), and two
///   sorted values v ≤ w are "equal" when w ≤ v + 1e-7 in float arithmetic (FEATURE_THRESHOLD);
/// - the nodes are split depth first, left child first; a node is a leaf when its Gini impurity
///   is ≤ the double epsilon or when no attribute varies in it;
/// - at each node the attributes are visited in a random order: a Fisher–Yates draw by
///   `rand_int` from scikit-learn's 32-bit xorshift generator, whose state is
///   `RandomState(s).randint(0, 2³¹ − 1)` (MT19937, masked rejection sampling), attributes found
///   constant are set aside as scikit-learn does and not drawn again in the subtree; the first
///   attribute (in that order) reaching the best "proxy improvement"
///   −n_R·G_R − n_L·G_L (G = 1 − Σ_c n_c² / n²) wins, compared strictly, so ties go to the
///   earlier one;
/// - the threshold is the midpoint of the two float32 values around the cut, and the importances
///   are the normalised total impurity decreases (Gini importance).
/// Exact class counts make every proxy improvement an exact function of the counts; the
/// expressions are written as scikit-learn writes them, so that their rounding matches (the build
/// must not contract them into fused multiply-adds, which -march=x86-64 does not).
///
/// How it is computed differs from scikit-learn where the result cannot: every attribute's rows are
/// sorted once (O(q n log n)), and each split partitions every attribute's sorted rows stably into
/// the two children, so a node reads its rows in sorted order instead of sorting them (O(q n) per
/// tree level instead of scikit-learn's O(q n log n)). The split search reads only the sorted
/// values and the classes on each side of a cut, which do not depend on the order among equal
/// values, so the tree is the same. Memory during `fit`: 8 n q bytes of sorted (value, row) pairs
/// and O(n + q) work arrays, released when it returns.

#include "metalearn/core/radix_sort.hpp"
#include "metalearn/core/types.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <utility>
#include <vector>

namespace metalearn::metafeatures::detail {

/// One node of `SklearnTree`, in scikit-learn's node order (the order nodes are created).
struct SklearnNode {
    Index feature = -1;    ///< attribute split on (−1 for a leaf)
    double threshold = 0;  ///< go left when x ≤ threshold
    Index left = -1;       ///< left child (−1 for a leaf)
    Index right = -1;      ///< right child
    Index depth = 0;       ///< root 0
    Index n_samples = 0;   ///< training rows reaching the node
    double impurity = 0;   ///< Gini impurity
    Vector value;          ///< class counts (K, classes in the caller's order)
    [[nodiscard]] bool is_leaf() const noexcept { return left < 0; }
};

/// scikit-learn's 32-bit xorshift generator (`our_rand_r`; state 0 is replaced by 1).
inline std::uint32_t sklearn_rand_r(std::uint32_t& state) {
    if (state == 0) state = 1;
    state ^= static_cast<std::uint32_t>(state << 13);
    state ^= static_cast<std::uint32_t>(state >> 17);
    state ^= static_cast<std::uint32_t>(state << 5);
    return state % (static_cast<std::uint32_t>(0x7FFFFFFF) + 1U);
}

/// The splitter's initial state for `random_state = seed`: numpy's legacy
/// `RandomState(seed).randint(0, 2**31 - 1)` (MT19937 output masked to 31 bits, rejected above
/// 2³¹ − 2).
inline std::uint32_t sklearn_splitter_state(std::uint32_t seed) {
    std::mt19937 mt(seed);
    std::uint32_t v = 0;
    do v = static_cast<std::uint32_t>(mt()) & 0x7FFFFFFFU;
    while (v > 0x7FFFFFFEU);
    return v;
}

/// Full-depth Gini CART grown as scikit-learn 1.2 grows it (see the file docs).
class SklearnTree {
public:
    /// Grow the tree.
    /// @param X n×q attributes (rows samples), read as float32; @param y class of each row, in
    ///        0..k−1 (the caller orders the classes as scikit-learn does: by class name);
    /// @param k number of classes; @param seed scikit-learn's `random_state`;
    /// @param stop optional: polled between nodes, true stops the growth (the tree is then
    ///        incomplete and `complete()` is false).
    void fit(const Matrix& X, const std::vector<int>& y, int k, std::uint32_t seed, const std::function<bool()>& stop = {}) {
        n_ = X.rows();
        q_ = X.cols();
        k_ = k;
        nodes_.clear();
        complete_ = true;
        y_ = &y;
        // Every attribute's rows sorted by their float32 value: sorted_[j·n + r] = (value, row).
        sorted_.resize(static_cast<std::size_t>(n_ * q_));
        for (Index j = 0; j < q_; ++j) {
            auto* v = sorted_.data() + j * n_;
            for (Index i = 0; i < n_; ++i) v[i] = {static_cast<float>(X(i, j)), static_cast<int>(i)};
            sort_values(v, static_cast<std::size_t>(n_));
        }
        goes_left_.assign(static_cast<std::size_t>(n_), 0);
        features_.resize(static_cast<std::size_t>(q_));
        for (Index j = 0; j < q_; ++j) features_[static_cast<std::size_t>(j)] = j;
        constant_.assign(static_cast<std::size_t>(q_), 0);
        left_.assign(static_cast<std::size_t>(k_), 0.0);
        total_.assign(static_cast<std::size_t>(k_), 0.0);
        rng_ = sklearn_splitter_state(seed);
        if (n_ == 0) return;

        struct Record {
            Index start, end, depth, parent;
            bool is_left;
            double impurity;
            Index n_constant;
        };
        std::vector<Record> stack{{0, n_, 0, -1, false, std::numeric_limits<double>::infinity(), 0}};
        bool first = true;
        constexpr double eps = std::numeric_limits<double>::epsilon();
        while (!stack.empty()) {
            if (stop && stop()) {
                complete_ = false;
                break;
            }
            Record r = stack.back();
            stack.pop_back();
            count_classes(r.start, r.end, total_);
            if (first) {
                r.impurity = gini(total_, static_cast<double>(r.end - r.start));
                first = false;
            }
            bool leaf = r.end - r.start < 2 || r.impurity <= eps;
            Split s;
            Index n_constant = r.n_constant;
            if (!leaf) {
                s = node_split(r.start, r.end, n_constant);
                leaf = s.pos >= r.end || s.improvement + eps < 0.0;
            }
            const auto id = static_cast<Index>(nodes_.size());
            SklearnNode node;
            node.depth = r.depth;
            node.n_samples = r.end - r.start;
            node.impurity = r.impurity;
            node.value = Vector(k_);
            for (int c = 0; c < k_; ++c) node.value[c] = total_[static_cast<std::size_t>(c)];
            if (!leaf) {
                node.feature = s.feature;
                node.threshold = s.threshold;
            }
            nodes_.push_back(std::move(node));
            if (r.parent >= 0) {
                auto& parent = nodes_[static_cast<std::size_t>(r.parent)];
                (r.is_left ? parent.left : parent.right) = id;
            }
            if (!leaf) {
                stack.push_back({s.pos, r.end, r.depth + 1, id, false, s.impurity_right, n_constant});
                stack.push_back({r.start, s.pos, r.depth + 1, id, true, s.impurity_left, n_constant});
            }
        }
        // Only the nodes are kept: the work arrays (8 n q bytes of sorted pairs) are released.
        std::vector<std::pair<float, int>>().swap(sorted_);
        std::vector<std::pair<float, int>>().swap(radix_buf_);
        std::vector<char>().swap(goes_left_);
        y_ = nullptr;
    }

    /// The nodes, in scikit-learn's order (root first, then depth first, left before right).
    [[nodiscard]] const std::vector<SklearnNode>& nodes() const noexcept { return nodes_; }

    /// False when `fit` was stopped early.
    [[nodiscard]] bool complete() const noexcept { return complete_; }

    /// Gini importances (q), normalised to sum 1 (all 0 for a single-leaf tree), as scikit-learn's
    /// `feature_importances_`: Σ over the splits on an attribute of n·G − n_L·G_L − n_R·G_R.
    [[nodiscard]] Vector feature_importances() const {
        Vector imp = Vector::Zero(q_);
        for (const auto& v : nodes_) {
            if (v.is_leaf()) continue;
            const auto& l = nodes_[static_cast<std::size_t>(v.left)];
            const auto& r = nodes_[static_cast<std::size_t>(v.right)];
            imp[v.feature] += static_cast<double>(v.n_samples) * v.impurity - static_cast<double>(l.n_samples) * l.impurity -
                              static_cast<double>(r.n_samples) * r.impurity;
        }
        if (!nodes_.empty()) imp /= static_cast<double>(nodes_.front().n_samples);
        const double s = imp.sum();
        if (s > 0.0) imp /= s;
        return imp;
    }

private:
    struct Split {
        Index feature = -1;
        Index pos = 0;
        double threshold = 0;
        double improvement = -std::numeric_limits<double>::infinity();
        double impurity_left = std::numeric_limits<double>::infinity();
        double impurity_right = std::numeric_limits<double>::infinity();
    };

    [[nodiscard]] int cls(int i) const { return (*y_)[static_cast<std::size_t>(i)]; }
    /// Attribute j's (value, row) pairs, sorted by value within each node's range [start, end).
    [[nodiscard]] std::pair<float, int>* column(Index j) noexcept { return sorted_.data() + j * n_; }

    /// Class counts of the node's rows [start, end) (read from any attribute's pairs).
    void count_classes(Index start, Index end, std::vector<double>& counts) {
        std::fill(counts.begin(), counts.end(), 0.0);
        const auto* v = column(0);
        for (Index p = start; p < end; ++p) counts[static_cast<std::size_t>(cls(v[p].second))] += 1.0;
    }

    /// scikit-learn's Gini `node_impurity`: 1 − Σ_c n_c² / n².
    [[nodiscard]] double gini(const std::vector<double>& counts, double n) const {
        double sq = 0.0;
        for (double c : counts) sq += c * c;
        return 1.0 - sq / (n * n);
    }

    /// `rand_int(low, high)`: low + rand_r % (high − low).
    Index rand_int(Index low, Index high) {
        return low + static_cast<Index>(sklearn_rand_r(rng_) % static_cast<std::uint32_t>(high - low));
    }

    /// Sort m (value, row) pairs by value. The split search reads only the sorted values and the
    /// class counts on each side of a cut between distinct values, so the order among equal values
    /// (which scikit-learn's introsort leaves arbitrary) does not change the tree. Large arrays: an
    /// LSD radix sort on the order-preserving 32-bit image of the float, 11 bits per pass, a pass
    /// skipped when every key shares its digit (O(m) instead of O(m log m)).
    void sort_values(std::pair<float, int>* v, std::size_t m) {
        if (m < 512)
            std::sort(v, v + m, [](const auto& a, const auto& b) { return a.first < b.first; });
        else
            radix_sort(v, m, radix_buf_, [](const std::pair<float, int>& x) { return ordered_bits(x.first); }, 32);
    }

    /// Split the node's rows [start, end) into the children [start, pos) and [pos, end) in every
    /// attribute's pairs, each side keeping its sorted order. The left child's rows are the first
    /// pos − start of the split attribute's sorted pairs (scikit-learn's x ≤ threshold: the
    /// threshold lies between the values around the cut), which are already in place.
    void partition(Index start, Index end, Index split_feature, Index pos) {
        const auto* s = column(split_feature);
        for (Index p = start; p < end; ++p) goes_left_[static_cast<std::size_t>(s[p].second)] = p < pos ? 1 : 0;
        radix_buf_.resize(static_cast<std::size_t>(end - pos) + 1);  // + 1: every pair is written to both sides
        for (Index j = 0; j < q_; ++j) {
            if (j == split_feature) continue;
            auto* v = column(j);
            Index l = start;
            std::size_t r = 0;
            for (Index p = start; p < end; ++p) {
                const auto e = v[p];
                v[l] = e;  // written to both sides, kept where it belongs (no branch on the side)
                radix_buf_[r] = e;
                const Index left = goes_left_[static_cast<std::size_t>(e.second)];
                l += left;
                r += static_cast<std::size_t>(1 - left);
            }
            std::copy(radix_buf_.begin(), radix_buf_.begin() + static_cast<std::ptrdiff_t>(r), v + pos);
        }
    }

    /// scikit-learn 1.2 `BestSplitter.node_split` over the node's rows [start, end).
    /// @param n_constant in: attributes known constant (features_[0, n)); out: with the new ones.
    Split node_split(Index start, Index end, Index& n_constant) {
        Split best;
        best.pos = end;
        double best_proxy = -std::numeric_limits<double>::infinity();
        Index f_i = q_;
        Index n_visited = 0, n_found_constants = 0, n_drawn_constants = 0;
        const Index n_known_constants = n_constant;
        Index n_total_constants = n_known_constants;
        const auto nn = static_cast<double>(end - start);
        constexpr float feature_threshold = 1e-7F;
        const bool two = k_ == 2;
        std::vector<double>& right = right_;
        right.assign(static_cast<std::size_t>(k_), 0.0);
        while (f_i > n_total_constants && (n_visited < q_ || n_visited <= n_found_constants + n_drawn_constants)) {
            ++n_visited;
            Index f_j = rand_int(n_drawn_constants, f_i - n_found_constants);
            if (f_j < n_known_constants) {
                std::swap(features_[static_cast<std::size_t>(n_drawn_constants)], features_[static_cast<std::size_t>(f_j)]);
                ++n_drawn_constants;
                continue;
            }
            f_j += n_found_constants;
            const Index feature = features_[static_cast<std::size_t>(f_j)];
            const auto* v = column(feature);
            if (v[end - 1].first <= v[start].first + feature_threshold) {
                std::swap(features_[static_cast<std::size_t>(f_j)], features_[static_cast<std::size_t>(n_total_constants)]);
                ++n_found_constants;
                ++n_total_constants;
                continue;
            }
            --f_i;
            std::swap(features_[static_cast<std::size_t>(f_i)], features_[static_cast<std::size_t>(f_j)]);
            std::fill(left_.begin(), left_.end(), 0.0);
            Index p = start, pos = start;
            Index ones = 0;  // two classes: rows of class 1 among [start, pos), counted in a register
            while (p < end) {
                while (p + 1 < end && v[p + 1].first <= v[p].first + feature_threshold) ++p;
                ++p;
                if (p >= end) break;
                const auto nl = static_cast<double>(p - start);
                const double nr = nn - nl;
                double sq_l = 0.0, sq_r = 0.0;
                if (two) {  // the same exact counts and sums as the loop below
                    for (; pos < p; ++pos) ones += cls(v[pos].second);
                    const auto c1 = static_cast<double>(ones);
                    const auto c0 = static_cast<double>(p - start - ones);
                    const double r0 = total_[0] - c0, r1 = total_[1] - c1;
                    sq_l += c0 * c0;
                    sq_r += r0 * r0;
                    sq_l += c1 * c1;
                    sq_r += r1 * r1;
                } else {
                    for (; pos < p; ++pos) left_[static_cast<std::size_t>(cls(v[pos].second))] += 1.0;
                    for (int c = 0; c < k_; ++c) {
                        const double cl = left_[static_cast<std::size_t>(c)];
                        const double cr = total_[static_cast<std::size_t>(c)] - cl;
                        sq_l += cl * cl;
                        sq_r += cr * cr;
                    }
                }
                const double g_l = 1.0 - sq_l / (nl * nl);
                const double g_r = 1.0 - sq_r / (nr * nr);
                const double proxy = -nr * g_r - nl * g_l;
                if (proxy > best_proxy) {
                    best_proxy = proxy;
                    best.feature = feature;
                    best.pos = p;
                    const double a = v[p - 1].first;
                    const double b = v[p].first;
                    best.threshold = a / 2.0 + b / 2.0;
                    if (best.threshold == b || std::isinf(best.threshold)) best.threshold = a;
                }
            }
        }
        if (best.pos < end) {
            partition(start, end, best.feature, best.pos);
            count_classes(start, best.pos, left_);
            for (int c = 0; c < k_; ++c) right[static_cast<std::size_t>(c)] = total_[static_cast<std::size_t>(c)] - left_[static_cast<std::size_t>(c)];
            const auto nl = static_cast<double>(best.pos - start);
            const double nr = nn - nl;
            best.impurity_left = gini(left_, nl);
            best.impurity_right = gini(right, nr);
            const double parent = gini(total_, nn);
            best.improvement = (nn / static_cast<double>(n_)) * (parent - (nr / nn * best.impurity_right) - (nl / nn * best.impurity_left));
        }
        // The attributes known constant keep their order for the children (scikit-learn's invariant).
        std::copy(constant_.begin(), constant_.begin() + n_known_constants, features_.begin());
        std::copy(features_.begin() + n_known_constants, features_.begin() + n_known_constants + n_found_constants,
                  constant_.begin() + n_known_constants);
        n_constant = n_total_constants;
        return best;
    }

    Index n_ = 0, q_ = 0;
    int k_ = 0;
    const std::vector<int>* y_ = nullptr;
    std::vector<Index> features_, constant_;
    std::vector<std::pair<float, int>> sorted_, radix_buf_;  // q sorted columns of n (value, row) pairs; scratch
    std::vector<char> goes_left_;                             // per row: in the left child of the split being made
    std::vector<double> left_, total_, right_;
    std::uint32_t rng_ = 0;
    std::vector<SklearnNode> nodes_;
    bool complete_ = true;
};

}  // namespace metalearn::metafeatures::detail
