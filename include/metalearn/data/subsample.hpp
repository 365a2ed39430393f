#pragma once
/// @file subsample.hpp
/// @brief `subsample_rows`: a seeded (stratified for classification) subsample of a dataset's
/// rows, for meta-features and evaluations of tables too large to use whole.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/split.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <optional>
#include <vector>

namespace metalearn::data {

namespace detail {

/// Every row 0..n−1 when n ≤ max_rows (nothing to subsample), otherwise nothing.
/// @throws ConfigError when max_rows < 2.
inline std::optional<std::vector<Index>> all_rows_within(Index n, Index max_rows) {
    if (max_rows < 2) throw ConfigError(fmt::format("subsample_rows(): max_rows must be >= 2 (got {})", max_rows));
    if (n > max_rows) return std::nullopt;
    std::vector<Index> rows(static_cast<std::size_t>(n));
    std::iota(rows.begin(), rows.end(), Index{0});
    return rows;
}

}  // namespace detail

/// The rows of a stratified subsample of `max_rows` of the n labelled rows, in increasing order:
/// the test part of `stratified_hold_out` with test fraction max_rows / n and `seed`. All rows
/// (0..n−1) when n ≤ max_rows.
/// @param labels n class codes in [0, n_classes); @param max_rows ≥ 2.
/// @throws ConfigError when max_rows < 2; DataError as the split.
[[nodiscard]] inline std::vector<Index> subsample_rows(const IndexVector& labels, Index n_classes, Index max_rows,
                                                       std::uint64_t seed) {
    const Index n = labels.size();
    if (auto all = detail::all_rows_within(n, max_rows)) return *all;
    std::vector<Index> rows = stratified_hold_out(labels, n_classes, static_cast<double>(max_rows) / static_cast<double>(n), seed).test;
    std::sort(rows.begin(), rows.end());
    return rows;
}

/// The rows of a subsample of `max_rows` rows of `dataset`, in increasing order: the test part of
/// `stratified_hold_out` (class proportions kept, largest remainders; every class with at least
/// one row in the subsample while it has rows to spare) for classification, of `hold_out` for
/// regression, with test fraction max_rows / n and `seed`. All rows (0..n−1) when n ≤ max_rows.
/// @param max_rows ≥ 2.
/// @throws ConfigError when max_rows < 2; DataError as the splits.
[[nodiscard]] inline std::vector<Index> subsample_rows(const Dataset& dataset, Index max_rows, std::uint64_t seed) {
    const Index n = dataset.n_samples();
    if (auto all = detail::all_rows_within(n, max_rows)) return *all;
    if (dataset.is_classification()) return subsample_rows(dataset.labels(), dataset.n_classes(), max_rows, seed);
    std::vector<Index> rows = hold_out(n, static_cast<double>(max_rows) / static_cast<double>(n), seed).test;
    std::sort(rows.begin(), rows.end());
    return rows;
}

}  // namespace metalearn::data
