#pragma once
/// @file validation.hpp
/// @brief Input checks shared by the base models (shapes, finiteness, class labels).

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string_view>
#include <vector>

namespace metalearn::models::detail {

/// Throw DataError naming the first non-finite value of X (column by column) and its place.
[[noreturn]] inline void throw_non_finite(std::string_view where, const MatrixRef& X) {
    for (Index j = 0; j < X.cols(); ++j)
        for (Index i = 0; i < X.rows(); ++i)
            if (!std::isfinite(X(i, j)))
                throw DataError(fmt::format("{}: X has a non-finite value (expected finite values, got {} at row {}, "
                                            "column {})",
                                            where, X(i, j), i, j));
    throw DataError(fmt::format("{}: X has a non-finite value (expected finite values)", where));
}

/// Throw DataError unless `groups` gives each of the n_rows rows a group id in [0, n_groups) and
/// 1 ≤ n_groups ≤ n_rows (row groups of a grouped fit). @param where "Class::method()" prefix.
inline void check_row_groups(std::string_view where, const std::vector<Index>& groups, Index n_groups, Index n_rows) {
    if (static_cast<Index>(groups.size()) != n_rows)
        throw DataError(fmt::format("{}: {} group ids for {} rows (expected one per row)", where, groups.size(), n_rows));
    if (n_groups < 1 || n_groups > n_rows)
        throw DataError(fmt::format("{}: n_groups out of range (expected 1 <= n_groups <= {} rows, got {})", where,
                                    n_rows, n_groups));
    for (std::size_t i = 0; i < groups.size(); ++i)
        if (groups[i] < 0 || groups[i] >= n_groups)
            throw DataError(fmt::format("{}: group id {} of row {} out of range (expected 0 <= id < {})", where,
                                        groups[i], i, n_groups));
}

/// Throw DataError unless X is non-empty, finite and y has one entry per row of X.
/// @param where "Class::method()" prefix for the message.
inline void check_xy(std::string_view where, const MatrixRef& X, const VectorRef& y) {
    if (X.rows() == 0 || X.cols() == 0)
        throw DataError(fmt::format("{}: empty data (expected n >= 1 rows and p >= 1 columns, got {}x{})", where,
                                    X.rows(), X.cols()));
    if (y.size() != X.rows())
        throw DataError(fmt::format("{}: y has the wrong length (expected {} = rows of X, got {})", where, X.rows(),
                                    y.size()));
    if (!X.allFinite()) throw_non_finite(where, X);
    if (!y.allFinite()) {
        for (Index i = 0; i < y.size(); ++i)
            if (!std::isfinite(y[i]))
                throw DataError(fmt::format("{}: y has a non-finite value (expected finite values, got {} at {})",
                                            where, y[i], i));
    }
}

/// Throw DataError unless X (prediction input) is finite with `p` columns.
inline void check_predict_x(std::string_view where, const MatrixRef& X, Index p) {
    if (X.cols() != p)
        throw DataError(fmt::format("{}: X has the wrong number of columns (expected {} as in fit, got {})", where, p,
                                    X.cols()));
    if (!X.allFinite()) throw_non_finite(where, X);
}

/// Largest declared number of classes `class_codes` accepts: every classifier allocates per-class
/// storage, so a larger K is refused before anything is allocated.
inline constexpr Index kMaxDeclaredClasses = Index{1} << 24;

/// Smallest bound on an inferred number of classes: K = max(y) + 1 is accepted when K ≤ max(n, this).
inline constexpr Index kMinInferredClassBound = 256;

/// Check class labels and return them as integer codes.
///
/// Every y[i] must be a finite integer in [0, K). When `n_classes` is 0, K = max(y) + 1 is
/// inferred, and it must satisfy K ≤ max(n, 256) (n = number of samples): a larger label is
/// almost surely not a class code, and inferring K from it would allocate per-class storage of
/// that size. Pass `n_classes` explicitly for sparse codes beyond that bound.
/// @param n_classes declared K ≥ 1, or 0 to infer it.
/// @param k_out     receives K.
/// @return the integer codes (n).
/// @throws DataError on a negative `n_classes` or one above 2²⁴, a non-finite, negative or non-integer label, a
///         label ≥ the declared K, or (K inferred) a label ≥ max(n, 256).
inline std::vector<Index> class_codes(std::string_view where, const VectorRef& y, Index n_classes, Index& k_out) {
    if (n_classes < 0 || n_classes > kMaxDeclaredClasses)
        throw DataError(fmt::format("{}: invalid n_classes (expected n_classes in [1, {}], or 0 to infer K = max(y) + 1, "
                                    "got {})",
                                    where, kMaxDeclaredClasses, n_classes));
    const Index n = y.size();
    const bool inferred = n_classes == 0;
    const Index bound = inferred ? std::max<Index>(n, kMinInferredClassBound) : n_classes;
    std::vector<Index> codes(static_cast<std::size_t>(n));
    Index max_code = -1;
    for (Index i = 0; i < n; ++i) {
        const double v = y[i];
        if (!std::isfinite(v) || v < 0 || v != std::floor(v))
            throw DataError(fmt::format("{}: class labels must be integer codes 0..K-1 (expected an integer >= 0, "
                                        "got {} at {})",
                                        where, v, i));
        if (v >= static_cast<double>(bound)) {
            if (inferred)
                throw DataError(fmt::format("{}: class label {} at {} is too large (expected class codes in [0, K) "
                                            "with K <= max(number of samples, {}) = {}; pass n_classes explicitly)",
                                            where, v, i, kMinInferredClassBound, bound));
            throw DataError(fmt::format("{}: class label out of range (expected codes < n_classes = {}, got {} at {})",
                                        where, n_classes, v, i));
        }
        codes[static_cast<std::size_t>(i)] = static_cast<Index>(v);
        if (codes[static_cast<std::size_t>(i)] > max_code) max_code = codes[static_cast<std::size_t>(i)];
    }
    k_out = inferred ? max_code + 1 : n_classes;
    return codes;
}

/// Number of samples per class (K).
inline Vector class_counts(const std::vector<Index>& codes, Index k) {
    Vector counts = Vector::Zero(k);
    for (Index c : codes) counts[c] += 1.0;
    return counts;
}

/// Throw DataError unless at least two classes have samples.
inline void require_two_classes(std::string_view where, const Vector& counts) {
    const Index present = (counts.array() > 0).count();
    if (present < 2)
        throw DataError(fmt::format("{}: needs samples of at least two classes (expected >= 2 classes present, got "
                                    "{})",
                                    where, present));
}

/// Throw NotFitted unless `fitted`.
inline void require_fitted(std::string_view where, bool fitted) {
    if (!fitted) throw NotFitted(fmt::format("{}: the model is not fitted (call fit() first)", where));
}

/// Row-wise softmax of a score matrix, in place (stable: subtracts the row max; -inf scores give 0).
inline void softmax_rows(Matrix& S) {
    for (Index i = 0; i < S.rows(); ++i) {
        const double m = S.row(i).maxCoeff();
        S.row(i) = (S.row(i).array() - m).exp();
        S.row(i) /= S.row(i).sum();
    }
}

/// Index of the largest entry of each row (first one on ties), as doubles (class codes).
inline Vector argmax_rows(const Matrix& P) {
    Vector out(P.rows());
    for (Index i = 0; i < P.rows(); ++i) {
        Index best = 0;
        for (Index j = 1; j < P.cols(); ++j)
            if (P(i, j) > P(i, best)) best = j;
        out[i] = static_cast<double>(best);
    }
    return out;
}

}  // namespace metalearn::models::detail
