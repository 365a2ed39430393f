#pragma once
/// @file neighbors.hpp
/// @brief Exact k-nearest-neighbour search shared by the k-NN models: brute force (matrix
/// products used as a filter) and a k-d tree (Friedman, Bentley & Finkel 1977), which return the
/// same neighbours because both rank by one definition of the distance, `pair_distance`.

#include "metalearn/core/gemm.hpp"
#include "metalearn/core/types.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace metalearn::models::detail {

/// Training-row indices of a neighbour search: m×k, row i for query i.
using NeighborIndexMatrix = Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic>;

/// The distance every search ranks by: Σ_f (q_f − x_f)² (p = 2, the squared Euclidean distance)
/// or Σ_f |q_f − x_f| (p = 1), summed in increasing feature order starting from 0.
///
/// One pair, one fixed order of operations: the value depends only on the two rows, never on
/// blocking or on which search computes it, so brute force and the tree rank identically (ties in
/// this value are broken by the lower training index everywhere). Each step is monotone in the
/// |q_f − x_f| (rounding is monotone), so a point whose every coordinate difference is no larger
/// than another's is never computed farther: this makes the tree's box bound (`KdTree`) exact in
/// floating point. Computed by `block_distances` (one code path for every search). Where the
/// compiler fuses `s += t * t` into one multiply-add (floating-point contraction on FMA hardware)
/// it does so alike for every search and for the tree's bound, which are written alike, and a
/// fused multiply-add is monotone too.
/// @param q  d contiguous query values; @param x  d training values `x[f * x_stride]`.
/// @param d  number of features ≥ 1; @param p  1 or 2.
/// Complexity O(d).
[[nodiscard]] inline double pair_distance(const double* q, const double* x, Index x_stride, Index d, int p) noexcept;

/// `pair_distance` from one query to `count` rows at once: out[i] for the row whose feature f is
/// `x[f * ld + i]` (a block of rows of a column-major matrix with leading dimension ld). Each
/// out[i] goes through exactly the operations of `pair_distance`, in the same order; the loop over
/// rows is the inner one, so it vectorises.
/// @param q  d contiguous query values; @param out  receives count values.
/// Complexity O(count·d).
inline void block_distances(const double* q, const double* x, Index ld, Index count, Index d, int p,
                            double* out) noexcept {
    for (Index i = 0; i < count; ++i) out[i] = 0.0;
    for (Index f = 0; f < d; ++f) {
        const double qf = q[f];
        const double* col = x + f * ld;
        if (p == 2) {
            for (Index i = 0; i < count; ++i) {
                const double t = qf - col[i];
                out[i] += t * t;
            }
        } else {
            for (Index i = 0; i < count; ++i) out[i] += std::abs(qf - col[i]);
        }
    }
}

inline double pair_distance(const double* q, const double* x, Index x_stride, Index d, int p) noexcept {
    double s = 0.0;
    block_distances(q, x, x_stride, 1, d, p, &s);
    return s;
}

/// The k smallest (distance, index) pairs offered so far, in the lexicographic order: smaller
/// distance first, lower index first among equal distances. A bounded max-heap.
class KBest {
public:
    /// Hold at most k ≥ 1 pairs.
    explicit KBest(Index k) : k_(static_cast<std::size_t>(k)) { heap_.reserve(k_); }

    /// Forget every pair.
    void clear() noexcept { heap_.clear(); }
    /// Whether k pairs are held.
    [[nodiscard]] bool full() const noexcept { return heap_.size() == k_; }
    /// Distance of the last of the k held pairs (requires `full()`).
    [[nodiscard]] double worst() const noexcept { return heap_.front().first; }

    /// Offer a pair: kept while fewer than k are held or when it precedes the last held one.
    /// @return whether it was kept. Complexity O(log k).
    bool offer(double dist, Index i) {
        const std::pair<double, Index> c{dist, i};
        if (heap_.size() < k_) {
            heap_.push_back(c);
            std::push_heap(heap_.begin(), heap_.end());
            return true;
        }
        if (!(c < heap_.front())) return false;
        std::pop_heap(heap_.begin(), heap_.end());
        heap_.back() = c;
        std::push_heap(heap_.begin(), heap_.end());
        return true;
    }

    /// Write the held pairs in ascending order to row `row` of dist / idx, each distance through
    /// `transform` (requires `full()`); the heap is consumed.
    template <class Transform>
    void write(Index row, Matrix& dist, NeighborIndexMatrix& idx, Transform transform) {
        std::sort_heap(heap_.begin(), heap_.end());
        for (std::size_t t = 0; t < heap_.size(); ++t) {
            dist(row, static_cast<Index>(t)) = transform(heap_[t].first);
            idx(row, static_cast<Index>(t)) = heap_[t].second;
        }
        heap_.clear();
    }

private:
    std::size_t k_;
    std::vector<std::pair<double, Index>> heap_;
};

/// A k-d tree over the rows of a training matrix (Friedman, Bentley & Finkel 1977, "An algorithm
/// for finding best matches in logarithmic expected time", ACM TOMS 3(3)).
///
/// Construction: a node holding more than `leaf_size` rows is split at the median of its widest
/// feature (largest max − min among its rows; the lower feature on ties), the rows ordered by
/// (value, index), so the tree is balanced (depth ⌈log₂(n / leaf_size)⌉) and its shape depends
/// only on the data. A node whose rows are all equal is a leaf whatever its size. Every node keeps
/// the tight bounding box of its rows; the rows are stored again in tree order, feature by feature
/// (an n×d column-major copy), so that a leaf's distances are one vectorised `block_distances`
/// call.
///
/// Search (depth first, nearer child first): a node is skipped only when the distance from the
/// query to the nearest point of its box (the query clamped to the box) exceeds the k-th best
/// distance found so far. That bound is computed with the operations of `pair_distance`, in the
/// same order, and each of its coordinate differences is no larger in magnitude than the one of
/// any row inside the box, so by monotonicity of rounding the computed bound never exceeds the
/// computed distance of any row inside: no row that could enter the k best (including at an equal
/// distance with a lower index) is ever skipped, and the result equals brute force bit for bit.
class KdTree {
public:
    /// Leaf size used by the models (scikit-learn's default is 30; leaves hold between about half
    /// and all of it).
    static constexpr Index default_leaf_size = 32;

    /// An empty tree (search not allowed).
    KdTree() = default;

    /// Build over the rows of X (n×d, n ≥ 1, finite). Complexity O(n·d·log n) time, O(n·d)
    /// memory.
    explicit KdTree(const Matrix& X, Index leaf_size = default_leaf_size)
        : d_(X.cols()), leaf_size_(std::max<Index>(1, leaf_size)) {
        const Index n = X.rows();
        order_.resize(static_cast<std::size_t>(n));
        for (Index i = 0; i < n; ++i) order_[static_cast<std::size_t>(i)] = i;
        build(X, 0, n);
        const auto n_nodes = static_cast<Index>(nodes_.size());
        lo_.resize(d_, n_nodes);
        hi_.resize(d_, n_nodes);
        for (Index v = 0; v < n_nodes; ++v) {
            lo_.col(v) = box_lo_[static_cast<std::size_t>(v)];
            hi_.col(v) = box_hi_[static_cast<std::size_t>(v)];
        }
        box_lo_.clear();
        box_hi_.clear();
        box_lo_.shrink_to_fit();
        box_hi_.shrink_to_fit();
        pts_.resize(n, d_);
        for (Index t = 0; t < n; ++t) pts_.row(t) = X.row(order_[static_cast<std::size_t>(t)]);
        for (const Node& node : nodes_)
            if (node.left < 0) max_leaf_ = std::max(max_leaf_, node.end - node.begin);
    }

    /// Whether the tree holds no rows.
    [[nodiscard]] bool empty() const noexcept { return nodes_.empty(); }
    /// Number of nodes (leaves included).
    [[nodiscard]] Index n_nodes() const noexcept { return static_cast<Index>(nodes_.size()); }
    /// Number of rows of the largest leaf (the size of `search`'s `leaf_dist` scratch).
    [[nodiscard]] Index max_leaf() const noexcept { return max_leaf_; }

    /// Offer to `best` every training row that can belong to the k best of query q (d contiguous
    /// values), in the `pair_distance` of power p; `stack` and `leaf_dist` (`max_leaf()` values)
    /// are scratch.
    /// Complexity O(log n) expected per query for fixed d and k (Friedman et al.), O(n·d) worst
    /// case.
    void search(const double* q, int p, KBest& best, std::vector<std::pair<Index, double>>& stack,
                double* leaf_dist) const {
        stack.clear();
        stack.emplace_back(0, 0.0);
        while (!stack.empty()) {
            const auto [v, bound] = stack.back();
            stack.pop_back();
            if (best.full() && bound > best.worst()) continue;
            const Node& node = nodes_[static_cast<std::size_t>(v)];
            if (node.left < 0) {
                const Index count = node.end - node.begin;
                block_distances(q, pts_.data() + node.begin, pts_.rows(), count, d_, p, leaf_dist);
                const Index* rows = order_.data() + node.begin;
                for (Index t = 0; t < count; ++t)
                    if (!best.full() || leaf_dist[t] <= best.worst()) best.offer(leaf_dist[t], rows[t]);
                continue;
            }
            const auto [bl, br] = box_distances(q, node.left, node.right, p);
            // the nearer child goes on top of the stack (the left one when equally near); a child
            // already out of reach is not pushed
            const double worst = best.full() ? best.worst() : std::numeric_limits<double>::infinity();
            const Index near = bl <= br ? node.left : node.right;
            const Index far = bl <= br ? node.right : node.left;
            const double b_near = std::min(bl, br);
            const double b_far = std::max(bl, br);
            if (b_far <= worst) stack.emplace_back(far, b_far);
            if (b_near <= worst) stack.emplace_back(near, b_near);
        }
    }

private:
    struct Node {
        Index begin = 0;  // rows order_[begin, end)
        Index end = 0;
        Index left = -1;  // children; -1 for a leaf
        Index right = -1;
    };

    // The `pair_distance` from q to the points of the boxes of nodes a and b nearest to it: q
    // clamped to each box, then the same differences and sums as `pair_distance` (two boxes at
    // once: two independent sums).
    [[nodiscard]] std::pair<double, double> box_distances(const double* q, Index a, Index b, int p) const noexcept {
        const double* lo_a = lo_.col(a).data();
        const double* hi_a = hi_.col(a).data();
        const double* lo_b = lo_.col(b).data();
        const double* hi_b = hi_.col(b).data();
        double sa = 0.0;
        double sb = 0.0;
        if (p == 2) {
            for (Index f = 0; f < d_; ++f) {
                const double ta = q[f] - std::min(std::max(q[f], lo_a[f]), hi_a[f]);
                const double tb = q[f] - std::min(std::max(q[f], lo_b[f]), hi_b[f]);
                sa += ta * ta;
                sb += tb * tb;
            }
        } else {
            for (Index f = 0; f < d_; ++f) {
                sa += std::abs(q[f] - std::min(std::max(q[f], lo_a[f]), hi_a[f]));
                sb += std::abs(q[f] - std::min(std::max(q[f], lo_b[f]), hi_b[f]));
            }
        }
        return {sa, sb};
    }

    // Make the node of rows order_[begin, end) and, unless it is a leaf, its subtrees.
    Index build(const Matrix& X, Index begin, Index end) {
        const auto v = static_cast<Index>(nodes_.size());
        nodes_.push_back({begin, end, -1, -1});
        Vector lo = Vector::Constant(d_, std::numeric_limits<double>::infinity());
        Vector hi = Vector::Constant(d_, -std::numeric_limits<double>::infinity());
        for (Index t = begin; t < end; ++t) {
            const Index i = order_[static_cast<std::size_t>(t)];
            for (Index f = 0; f < d_; ++f) {
                lo[f] = std::min(lo[f], X(i, f));
                hi[f] = std::max(hi[f], X(i, f));
            }
        }
        Index split = 0;
        double width = -1.0;
        for (Index f = 0; f < d_; ++f)
            if (hi[f] - lo[f] > width) {
                width = hi[f] - lo[f];
                split = f;
            }
        box_lo_.push_back(std::move(lo));
        box_hi_.push_back(std::move(hi));
        if (end - begin <= leaf_size_ || !(width > 0.0)) return v;
        const Index mid = begin + (end - begin) / 2;
        const auto first = order_.begin() + begin;
        std::nth_element(first, order_.begin() + mid, order_.begin() + end, [&X, split](Index a, Index b) {
            return X(a, split) < X(b, split) || (X(a, split) == X(b, split) && a < b);
        });
        const Index left = build(X, begin, mid);
        const Index right = build(X, mid, end);
        nodes_[static_cast<std::size_t>(v)].left = left;
        nodes_[static_cast<std::size_t>(v)].right = right;
        return v;
    }

    Index d_ = 0;
    Index leaf_size_ = default_leaf_size;
    Index max_leaf_ = 0;
    Matrix pts_;                // n×d: row t = training row order_[t]
    std::vector<Index> order_;  // tree position -> training row
    std::vector<Node> nodes_;   // nodes_[0] is the root
    Matrix lo_, hi_;            // d×nodes bounding boxes
    std::vector<Vector> box_lo_, box_hi_;  // boxes while building
};

/// Whether the `automatic` choice of the k-NN models uses a k-d tree: few features (d ≤ 15),
/// k below half the rows and enough rows for the tree to pay (n ≥ 64); scikit-learn 1.2's `auto`
/// rule plus the size floor.
[[nodiscard]] inline bool kd_tree_pays(Index n, Index d, Index k) noexcept {
    return d <= 15 && k < n / 2 && n >= 64;
}

/// The training rows of a k-NN model and how they are searched: brute force always available, a
/// k-d tree when asked for. Both searches return the same neighbours and distances.
class NeighborIndex {
public:
    /// Store X (n×d, n ≥ 1, finite) and its squared row norms; build a `KdTree` when `with_tree`.
    /// Data whose largest magnitude is above 2⁴⁰⁰ or below 2⁻⁴⁰⁰ (squared distances would
    /// overflow to infinity or underflow to 0, and every row would tie) are searched as a copy
    /// scaled by the power of two 2⁻ᵉ (e the exponent of that magnitude), the queries alike, and
    /// the distances scaled back: exact, so the neighbours are those of exact arithmetic at any
    /// scale, and other data are searched as they are.
    /// Complexity O(n·d) (plus O(n·d·log n) for the tree).
    void fit(const MatrixRef& X, bool with_tree) {
        X_ = X;
        const double largest = X_.size() > 0 ? X_.cwiseAbs().maxCoeff() : 0.0;
        const int e = largest > 0.0 && std::isfinite(largest) ? std::ilogb(largest) : 0;
        scale_exp_ = e > 400 || e < -400 ? e : 0;
        if (scale_exp_ != 0)
            Xs_ = scale_by_pow2(X_, -scale_exp_);
        else
            Xs_.resize(0, 0);
        const Matrix& W = work();
        sq_ = W.rowwise().squaredNorm();
        max_sq_ = sq_.size() > 0 ? sq_.maxCoeff() : 0.0;
        tree_ = with_tree ? KdTree(W) : KdTree();
    }

    /// The training rows (n×d).
    [[nodiscard]] const Matrix& data() const noexcept { return X_; }
    /// Whether searches go through the k-d tree.
    [[nodiscard]] bool has_tree() const noexcept { return !tree_.empty(); }

    /// k nearest training rows of each query row, ranked by (`pair_distance`, training index).
    /// @param query m×d rows; @param k 1 ≤ k ≤ n; @param p 1 or 2.
    /// @param dist receives m×k distances, ascending per row (Euclidean for p = 2, i.e. the square
    ///        root of `pair_distance`; Manhattan for p = 1); ties in distance are ordered by the
    ///        lower training index.
    /// @param idx receives the m×k training indices.
    /// Complexity: tree O(m·log n) expected for fixed d and k; brute force O(m·n·d).
    void search(const MatrixRef& query, Index k, int p, Matrix& dist, NeighborIndexMatrix& idx) const {
        scaled(query, dist, [&](const MatrixRef& q) {
            if (has_tree())
                tree_search(q, k, p, dist, idx);
            else
                brute_work(q, k, p, dist, idx);
        });
    }

    /// `search` by brute force whatever was built.
    void brute_search(const MatrixRef& query, Index k, int p, Matrix& dist, NeighborIndexMatrix& idx) const {
        scaled(query, dist, [&](const MatrixRef& q) { brute_work(q, k, p, dist, idx); });
    }

private:
    /// The rows searched: X, or its scaled copy (see `fit`).
    [[nodiscard]] const Matrix& work() const noexcept { return scale_exp_ != 0 ? Xs_ : X_; }

    /// run(query) on the query scaled as the training rows are, then the distances scaled back.
    template <class Run>
    void scaled(const MatrixRef& query, Matrix& dist, Run&& run) const {
        if (scale_exp_ == 0) {
            run(query);
            return;
        }
        const Matrix q = scale_by_pow2(query, -scale_exp_);
        run(q);
        dist = scale_by_pow2(dist, scale_exp_);
    }

    /// Every value times 2^e, exactly (std::ldexp: 2^e itself may be out of double's range).
    [[nodiscard]] static Matrix scale_by_pow2(const MatrixRef& A, int e) {
        return A.unaryExpr([e](double v) { return std::ldexp(v, e); });
    }

    void brute_work(const MatrixRef& query, Index k, int p, Matrix& dist, NeighborIndexMatrix& idx) const;

    void tree_search(const MatrixRef& query, Index k, int p, Matrix& dist, NeighborIndexMatrix& idx) const {
        const Index m = query.rows();
        const Index d = X_.cols();
        dist.resize(m, k);
        idx.resize(m, k);
        KBest best(k);
        std::vector<std::pair<Index, double>> stack;
        Vector q(d), leaf_dist(tree_.max_leaf());
        for (Index j = 0; j < m; ++j) {
            q = query.row(j).transpose();
            tree_.search(q.data(), p, best, stack, leaf_dist.data());
            best.write(j, dist, idx, [p](double s) { return p == 2 ? std::sqrt(s) : s; });
        }
    }

    Matrix X_;           // the training rows as given
    Matrix Xs_;          // X·2^(−scale_exp_) when scale_exp_ ≠ 0, else empty
    int scale_exp_ = 0;  // see `fit`
    Vector sq_;          // squared row norms of work()
    double max_sq_ = 0.0;
    KdTree tree_;
};

// Brute force. p = 1: `block_distances` of each query to all rows.
// p = 2: a = ‖x‖² + ‖q‖² − 2 x·q (clamped at 0) from one matrix product per block of queries is
// only a filter (the product is `detail::gemm`'s). Rounding error analysis (Higham 2002, §3.1: each
// of ‖x‖², ‖q‖², x·q within γ_d = d·u/(1 − d·u) of its terms' sum of magnitudes in any summation
// order, with or without fused multiply-adds; |x·q| ≤ (‖x‖² + ‖q‖²)/2) bounds
// |a − pair_distance| by B = (4d + 8)·1.25·u·(max‖x‖² + ‖q‖²) for every row, u = 2⁻⁵³ (plus a
// few subnormal steps). With T the k-th smallest a, the k rows held have pair_distance ≤ T + B,
// so every row of the final k has a ≤ T + 2B: only those rows get their `pair_distance`
// computed and ranked. When the norms are too large for the bound (near overflow) every row
// gets it.
inline void NeighborIndex::brute_work(const MatrixRef& query, Index k, int p, Matrix& dist,
                                      NeighborIndexMatrix& idx) const {
    const Matrix& X = work();
    const Index n = X.rows();
    const Index d = X.cols();
    const Index m = query.rows();
    dist.resize(m, k);
    idx.resize(m, k);
    constexpr Index block = 256;        // queries per block
    constexpr Index train_block = 1024; // training rows per tile: a tile of products is at most 2 MiB
    Matrix D;  // p = 2: tb × b tile, column j = products with query (start + j); p = 1: the n distances of one query
    KBest best(k);
    Vector q(d);
    if (p == 1) {
        D.resize(n, 1);
        for (Index j = 0; j < m; ++j) {
            q = query.row(j).transpose();
            block_distances(q.data(), X.data(), n, n, d, 1, D.data());
            const double* col = D.data();
            for (Index i = 0; i < n; ++i)
                if (!best.full() || col[i] <= best.worst()) best.offer(col[i], i);
            best.write(j, dist, idx, [](double s) { return s; });
        }
        return;
    }
    // p = 2: the filter value a = |x|² + |q|² − 2 x·q from matrix products, tile by tile (the
    // tiles stay in cache; one n × b product matrix would not). Per query, one pass keeps the k
    // smallest a so far (sorted insertion) and every row within 2B of the k-th (B bounds the
    // rounding error of a); the candidates are then ranked by the exact `pair_distance`.
    const double u = std::numeric_limits<double>::epsilon() / 2.0;
    const double rel = (4.0 * static_cast<double>(d) + 8.0) * 1.25 * u;
    const double tiny = (4.0 * static_cast<double>(d) + 8.0) * std::numeric_limits<double>::denorm_min();
    const auto ku = static_cast<std::size_t>(k);
    std::vector<double> top(static_cast<std::size_t>(block) * ku);  // per query: the k smallest a so far, ascending
    std::vector<Index> filled(static_cast<std::size_t>(block));
    std::vector<double> gate(static_cast<std::size_t>(block)), two_b(static_cast<std::size_t>(block));
    std::vector<char> huge(static_cast<std::size_t>(block));
    std::vector<std::vector<std::pair<double, Index>>> cand(static_cast<std::size_t>(block));
    for (Index start = 0; start < m; start += block) {
        const Index b = std::min(block, m - start);
        const auto Q = query.middleRows(start, b);
        const Vector q_sq = Q.rowwise().squaredNorm();
        for (Index j = 0; j < b; ++j) {
            const auto ju = static_cast<std::size_t>(j);
            const double norms = max_sq_ + q_sq[j];
            huge[ju] = !(norms < std::numeric_limits<double>::max() / 4.0);
            two_b[ju] = 2.0 * (rel * norms + tiny);
            gate[ju] = std::numeric_limits<double>::infinity();
            filled[ju] = 0;
            cand[ju].clear();
        }
        for (Index t0 = 0; t0 < n; t0 += train_block) {
            const Index tb = std::min(train_block, n - t0);
            D.resize(tb, b);  // tb×b = X(t0 .. t0+tb) · Qᵀ (the run-time AVX2/FMA product where available)
            metalearn::detail::gemm_into(D, X.middleRows(t0, tb), false, Q, true, false);
            const double* sq = sq_.data() + t0;
            for (Index j = 0; j < b; ++j) {
                const auto ju = static_cast<std::size_t>(j);
                if (huge[ju]) continue;
                const double* col = D.col(j).data();
                double* tp = top.data() + ju * ku;
                double g = gate[ju];
                Index fl = filled[ju];
                auto& cj = cand[ju];
                const double qj = q_sq[j];
                for (Index i = 0;; ++i) {
                    // Most rows fail the gate (g ≥ 0, so max(v, 0) > g ⇔ v > g): skip them eight at a time.
                    while (i + 8 <= tb) {
                        bool hit = false;
                        for (Index t = 0; t < 8; ++t) hit |= sq[i + t] + qj - 2.0 * col[i + t] <= g;
                        if (hit) break;
                        i += 8;
                    }
                    if (i >= tb) break;
                    const double a = std::max(sq[i] + qj - 2.0 * col[i], 0.0);
                    if (a > g) continue;
                    cj.emplace_back(a, t0 + i);
                    if (fl == k && !(a < tp[k - 1])) continue;
                    Index pos = fl < k ? fl++ : k - 1;
                    for (; pos > 0 && a < tp[pos - 1]; --pos) tp[pos] = tp[pos - 1];
                    tp[pos] = a;
                    if (fl == k) g = tp[k - 1] + two_b[ju];
                }
                gate[ju] = g;
                filled[ju] = fl;
            }
        }
        for (Index j = 0; j < b; ++j) {
            const auto ju = static_cast<std::size_t>(j);
            q = Q.row(j).transpose();
            if (huge[ju]) {
                for (Index i = 0; i < n; ++i) best.offer(pair_distance(q.data(), &X(i, 0), n, d, 2), i);
            } else {
                for (const auto& [a, i] : cand[ju])
                    if (a <= gate[ju]) best.offer(pair_distance(q.data(), &X(i, 0), n, d, 2), i);
            }
            best.write(start + j, dist, idx, [](double s) { return std::sqrt(s); });
        }
    }
}

/// Neighbour weights: uniform (all 1) or inverse distance. With inverse distance, when some
/// neighbours are at distance 0 they get weight 1 and all others 0 (as scikit-learn). When 1/d
/// would not be finite or its sum could overflow (a distance below k/DBL_MAX, e.g. subnormal, or
/// an infinite one), the row's weights are d_min/d instead: the same weights up to a common factor
/// (which every use divides out), 0 for an infinite distance, all 1 when every distance is infinite.
inline void neighbor_weights(const Matrix& dist, bool by_distance, Matrix& w) {
    w.resize(dist.rows(), dist.cols());
    if (!by_distance) {
        w.setOnes();
        return;
    }
    const double k = static_cast<double>(dist.cols());
    for (Index i = 0; i < dist.rows(); ++i) {
        bool zero = false;
        double d_min = std::numeric_limits<double>::infinity();
        bool all_finite = true;
        for (Index t = 0; t < dist.cols(); ++t) {
            zero = zero || dist(i, t) == 0.0;
            d_min = std::min(d_min, dist(i, t));
            all_finite = all_finite && std::isfinite(dist(i, t));
        }
        const bool plain = all_finite && k / d_min <= std::numeric_limits<double>::max();
        for (Index t = 0; t < dist.cols(); ++t) {
            const double d = dist(i, t);
            if (zero)
                w(i, t) = d == 0.0 ? 1.0 : 0.0;
            else if (plain)
                w(i, t) = 1.0 / d;
            else
                w(i, t) = std::isinf(d_min) ? 1.0 : d_min / d;  // d = ∞ gives 0
        }
    }
}

}  // namespace metalearn::models::detail
