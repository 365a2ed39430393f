#pragma once
/// @file neighbors.hpp
/// @brief Brute-force k-nearest-neighbour search shared by the k-NN models.

#include "metalearn/core/types.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace metalearn::models::detail {

/// k nearest training rows of each query row, by brute force.
///
/// p = 2 uses ‖q‖² + ‖x‖² − 2 q·x with one matrix product per block of queries (clamped at 0);
/// p = 1 sums absolute differences. Ties in the computed distance are broken by the lower
/// training index, so the result is deterministic.
/// @param train  n×d training rows; @param train_sq  n squared norms (p = 2 only).
/// @param query  m×d query rows; @param k  1 ≤ k ≤ n; @param p  1 or 2.
/// @param dist   receives m×k distances (ascending per row); @param idx  m×k training indices.
/// Complexity O(m·n·d) time, O(block·n) extra memory.
inline void knn_search(const Matrix& train, const Vector& train_sq, const MatrixRef& query, Index k, int p,
                       Matrix& dist, Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic>& idx) {
    const Index n = train.rows();
    const Index m = query.rows();
    dist.resize(m, k);
    idx.resize(m, k);
    constexpr Index block = 256;
    Matrix D;  // n × b: column j = distances of query (start + j) to all training rows
    std::vector<std::pair<double, Index>> cand(static_cast<std::size_t>(k));
    for (Index start = 0; start < m; start += block) {
        const Index b = std::min(block, m - start);
        const auto Q = query.middleRows(start, b);
        if (p == 2) {
            D.noalias() = train * Q.transpose();  // n×b
            const Vector q_sq = Q.rowwise().squaredNorm();
            for (Index j = 0; j < b; ++j) {
                D.col(j) = (train_sq.array() + q_sq[j] - 2.0 * D.col(j).array()).max(0.0);
            }
        } else {
            D.resize(n, b);
            for (Index j = 0; j < b; ++j) {
                Eigen::ArrayXd acc = Eigen::ArrayXd::Zero(n);
                for (Index f = 0; f < train.cols(); ++f) acc += (train.col(f).array() - Q(j, f)).abs();
                D.col(j) = acc.matrix();
            }
        }
        for (Index j = 0; j < b; ++j) {
            // Sorted insertion into the k best so far; scanning i upwards with a strict '<'
            // keeps the lower index first among equal distances.
            Index filled = 0;
            const double* col = D.col(j).data();
            for (Index i = 0; i < n; ++i) {
                const double d = col[i];
                if (filled == k && !(d < cand[static_cast<std::size_t>(k - 1)].first)) continue;
                Index pos = filled < k ? filled : k - 1;
                while (pos > 0 && d < cand[static_cast<std::size_t>(pos - 1)].first) {
                    cand[static_cast<std::size_t>(pos)] = cand[static_cast<std::size_t>(pos - 1)];
                    --pos;
                }
                cand[static_cast<std::size_t>(pos)] = {d, i};
                if (filled < k) ++filled;
            }
            for (Index t = 0; t < k; ++t) {
                const auto& c = cand[static_cast<std::size_t>(t)];
                dist(start + j, t) = p == 2 ? std::sqrt(c.first) : c.first;
                idx(start + j, t) = c.second;
            }
        }
    }
}

/// Neighbour weights: uniform (all 1) or inverse distance. With inverse distance, when some
/// neighbours are at distance 0 they get weight 1 and all others 0 (as scikit-learn).
inline void neighbor_weights(const Matrix& dist, bool by_distance, Matrix& w) {
    w.resize(dist.rows(), dist.cols());
    if (!by_distance) {
        w.setOnes();
        return;
    }
    for (Index i = 0; i < dist.rows(); ++i) {
        bool zero = false;
        for (Index t = 0; t < dist.cols(); ++t) zero = zero || dist(i, t) == 0.0;
        for (Index t = 0; t < dist.cols(); ++t)
            w(i, t) = zero ? (dist(i, t) == 0.0 ? 1.0 : 0.0) : 1.0 / dist(i, t);
    }
}

}  // namespace metalearn::models::detail
