#pragma once
/// @file checksum.hpp
/// @brief `table_checksum`: a fingerprint of a dataset's parsed table in row order, so that a
/// result computed from a dataset can tell whether the dataset has changed since.

#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace metalearn::data {

namespace detail {

/// FNV-1a, 64-bit: offset basis and prime (Fowler, Noll and Vo; the parameters of
/// http://www.isthe.com/chongo/tech/comp/fnv/).
inline constexpr std::uint64_t fnv_basis = 14695981039346656037ULL;
inline constexpr std::uint64_t fnv_prime = 1099511628211ULL;

/// Fold the 8 bytes of `x`, least significant first, into an FNV-1a state.
constexpr std::uint64_t fnv_mix(std::uint64_t h, std::uint64_t x) noexcept {
    for (int b = 0; b < 8; ++b) h = (h ^ ((x >> (8 * b)) & 0xffU)) * fnv_prime;
    return h;
}

/// The bits hashed for a cell or target: −0 as +0, every NaN as one quiet NaN.
inline std::uint64_t canonical_bits(double v) noexcept {
    if (std::isnan(v)) v = std::numeric_limits<double>::quiet_NaN();
    else if (v == 0.0) v = 0.0;
    return std::bit_cast<std::uint64_t>(v);
}

/// FNV-1a state after the shape of a dataset: task type, n, p, the number of declared classes and
/// the kind (numeric 0 / nominal 1) of each feature.
inline std::uint64_t fnv_shape(const Dataset& dataset) noexcept {
    std::uint64_t h = fnv_basis;
    h = fnv_mix(h, dataset.is_classification() ? 0U : 1U);
    h = fnv_mix(h, static_cast<std::uint64_t>(dataset.n_samples()));
    h = fnv_mix(h, static_cast<std::uint64_t>(dataset.n_features()));
    h = fnv_mix(h, static_cast<std::uint64_t>(dataset.n_classes()));
    for (const auto& f : dataset.features()) h = fnv_mix(h, f.is_nominal() ? 1U : 0U);
    return h;
}

}  // namespace detail

/// A 64-bit fingerprint of the parsed table in row order: the task type, n, p, the number of
/// classes, which features are nominal, then every cell row by row and every target (FNV-1a over
/// their IEEE-754 bits, −0 hashed as +0 and every NaN alike).
///
/// Unlike `content_hash` (corpus.hpp), which ignores the row order to find copies of the same data,
/// this checksum changes when rows are reordered: cross-validation folds are drawn from row
/// positions, so scores computed on a reordered table are not the same results. Names (of the
/// dataset, features and classes) are not hashed: renaming changes no score.
/// It is a fingerprint, not a cryptographic hash (distinct tables collide with probability about
/// 2^-64 per pair).
/// @return 16 lowercase hexadecimal digits.
/// Complexity O(n·p) time, O(1) extra memory.
[[nodiscard]] inline std::string table_checksum(const Dataset& dataset) {
    const Index n = dataset.n_samples();
    const Index p = dataset.n_features();
    const Matrix& X = dataset.X();
    const Vector& y = dataset.y();
    std::uint64_t h = detail::fnv_shape(dataset);
    for (Index i = 0; i < n; ++i) {
        for (Index j = 0; j < p; ++j) h = detail::fnv_mix(h, detail::canonical_bits(X(i, j)));
        h = detail::fnv_mix(h, detail::canonical_bits(y[i]));
    }
    return fmt::format("{:016x}", h);
}

}  // namespace metalearn::data
