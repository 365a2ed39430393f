#pragma once
/// @file sparse_rows.hpp
/// @brief A design matrix in compressed sparse rows, for the matrix–vector products of linear
/// models on mostly-zero data (one-hot encoded nominal attributes leave about one nonzero per
/// attribute in each row).

#include "metalearn/core/types.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace metalearn::models::detail {

/// X (n×p) as compressed sparse rows: the nonzeros of row i are `value[k]` at column `column[k]`
/// for k in [start[i], start[i+1]), in increasing column order. Products visit the nonzeros in
/// that fixed order, so their results do not depend on anything but X (they differ from a dense
/// product's only by rounding, the order of the additions).
struct SparseRows {
    Index rows = 0;
    Index cols = 0;
    std::vector<Index> start;           ///< n + 1 offsets
    std::vector<std::int32_t> column;   ///< nnz column indices
    std::vector<double> value;          ///< nnz values

    /// X in compressed rows when at most `max_density` of its entries are nonzero (and p fits a
    /// 32-bit index), otherwise nothing. O(n·p) to count, O(n·p) to fill, reading X by columns.
    [[nodiscard]] static std::optional<SparseRows> if_sparse(const MatrixRef& X, double max_density) {
        const Index n = X.rows();
        const Index p = X.cols();
        if (n == 0 || p == 0 || p > std::numeric_limits<std::int32_t>::max()) return std::nullopt;
        std::vector<Index> count(static_cast<std::size_t>(n) + 1, 0);
        Index nnz = 0;
        for (Index j = 0; j < p; ++j) {
            const double* x = X.data() + j * X.outerStride();
            for (Index i = 0; i < n; ++i)
                if (x[i] != 0.0) ++count[static_cast<std::size_t>(i) + 1];
        }
        for (Index i = 0; i < n; ++i) nnz += count[static_cast<std::size_t>(i) + 1];
        if (static_cast<double>(nnz) > max_density * static_cast<double>(n) * static_cast<double>(p)) return std::nullopt;
        SparseRows S;
        S.rows = n;
        S.cols = p;
        S.start.assign(static_cast<std::size_t>(n) + 1, 0);
        for (Index i = 0; i < n; ++i)
            S.start[static_cast<std::size_t>(i) + 1] = S.start[static_cast<std::size_t>(i)] + count[static_cast<std::size_t>(i) + 1];
        S.column.resize(static_cast<std::size_t>(nnz));
        S.value.resize(static_cast<std::size_t>(nnz));
        std::vector<Index> next(S.start.begin(), S.start.end() - 1);
        for (Index j = 0; j < p; ++j) {  // columns in increasing order: each row's entries end up sorted
            const double* x = X.data() + j * X.outerStride();
            for (Index i = 0; i < n; ++i)
                if (x[i] != 0.0) {
                    const auto k = static_cast<std::size_t>(next[static_cast<std::size_t>(i)]++);
                    S.column[k] = static_cast<std::int32_t>(j);
                    S.value[k] = x[i];
                }
        }
        return S;
    }

    /// out = X·w (n). @param w p values; @param out n values (overwritten).
    void times(const double* w, double* out) const {
        for (Index i = 0; i < rows; ++i) {
            double s = 0.0;
            const auto e = static_cast<std::size_t>(start[static_cast<std::size_t>(i) + 1]);
            for (auto k = static_cast<std::size_t>(start[static_cast<std::size_t>(i)]); k < e; ++k)
                s += value[k] * w[column[k]];
            out[i] = s;
        }
    }

    /// out = Xᵀ·g (p). @param g n values; @param out p values (overwritten).
    void transposed_times(const double* g, double* out) const {
        for (Index j = 0; j < cols; ++j) out[j] = 0.0;
        for (Index i = 0; i < rows; ++i) {
            const double gi = g[i];
            if (gi == 0.0) continue;
            const auto e = static_cast<std::size_t>(start[static_cast<std::size_t>(i) + 1]);
            for (auto k = static_cast<std::size_t>(start[static_cast<std::size_t>(i)]); k < e; ++k)
                out[column[k]] += value[k] * gi;
        }
    }
};

}  // namespace metalearn::models::detail
