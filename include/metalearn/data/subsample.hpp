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
#include <vector>

namespace metalearn::data {

/// The rows of a stratified subsample of `max_rows` of the n labelled rows, in increasing order:
/// the test part of `stratified_hold_out` with test fraction max_rows / n and `seed`. All rows
/// (0..n−1) when n ≤ max_rows.
/// @param labels n class codes in [0, n_classes); @param max_rows ≥ 2.
/// @throws ConfigError when max_rows < 2; DataError as the split.
[[nodiscard]] inline std::vector<Index> subsample_rows(const IndexVector& labels, Index n_classes, Index max_rows,
                                                       std::uint64_t seed) {
    if (max_rows < 2) throw ConfigError(fmt::format("subsample_rows(): max_rows must be >= 2 (got {})", max_rows));
    const Index n = labels.size();
    std::vector<Index> rows;
    if (n <= max_rows) {
        rows.resize(static_cast<std::size_t>(n));
        std::iota(rows.begin(), rows.end(), Index{0});
        return rows;
    }
    rows = stratified_hold_out(labels, n_classes, static_cast<double>(max_rows) / static_cast<double>(n), seed).test;
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
    if (max_rows < 2) throw ConfigError(fmt::format("subsample_rows(): max_rows must be >= 2 (got {})", max_rows));
    const Index n = dataset.n_samples();
    std::vector<Index> rows;
    if (n <= max_rows) {
        rows.resize(static_cast<std::size_t>(n));
        std::iota(rows.begin(), rows.end(), Index{0});
        return rows;
    }
    if (dataset.is_classification()) return subsample_rows(dataset.labels(), dataset.n_classes(), max_rows, seed);
    rows = hold_out(n, static_cast<double>(max_rows) / static_cast<double>(n), seed).test;
    std::sort(rows.begin(), rows.end());
    return rows;
}

}  // namespace metalearn::data
