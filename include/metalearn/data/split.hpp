#pragma once
/// @file split.hpp
/// @brief Seeded train/test splits: k-fold, stratified k-fold, hold-out, and their repeated forms.
///
/// Every split is a list of `Fold`s holding row indices into a dataset. Within a fold, `train`
/// and `test` are disjoint, their union is 0..n-1, and both are sorted ascending. For k-fold
/// splits, the test sets of the k folds partition 0..n-1 and their sizes differ by at most one.
///
/// Randomness: every function takes a `seed`; the permutation comes from `metalearn::Rng`, so the
/// same seed gives the same folds on every platform. Repeated splits use
/// `derive_seed(seed, {r})` for repeat r.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace metalearn::data {

/// One train/test split: row indices, each list sorted ascending, disjoint, union 0..n-1.
struct Fold {
    std::vector<Index> train;  ///< rows to fit on
    std::vector<Index> test;   ///< rows to evaluate on
};

namespace detail {

METALEARN_INLINE void check_k(const char* where, Index n, Index k);

METALEARN_INLINE void check_fraction(const char* where, double f);

/// Turn a fold assignment (fold id per row) into k folds with sorted index lists.
METALEARN_INLINE std::vector<Fold> folds_from_assignment(const std::vector<Index>& fold_of, Index k);

/// Check stratification inputs and return the members of each class (in row order).
METALEARN_INLINE std::vector<std::vector<Index>> class_members(const char* where, const IndexVector& labels, Index n_classes);

}  // namespace detail

/// Plain k-fold cross-validation on n rows, shuffled with `seed`.
///
/// Rows are permuted, then cut into k consecutive blocks whose sizes differ by at most one (the
/// first n mod k folds get one extra row); fold f's test set is block f.
/// @param n    number of rows (n ≥ k).
/// @param k    number of folds (2 ≤ k ≤ n).
/// @param seed seed of the permutation.
/// @return k folds; their test sets partition 0..n-1.
/// @throws DataError if k < 2 or k > n.
/// Complexity O(n·k).
[[nodiscard]] METALEARN_INLINE std::vector<Fold> k_fold(Index n, Index k, std::uint64_t seed);

/// Stratified k-fold: every test fold keeps (about) the class proportions of the whole data.
///
/// The members of each class are shuffled (with one `Rng` seeded by `seed`) and dealt to the
/// folds in turn; the dealing position carries over from one class to the next, so test fold
/// sizes differ by at most one. A class with m ≥ k members has ⌊m/k⌋ or ⌈m/k⌉ members in each
/// test fold; a class with m ≥ 2 members therefore appears in every training fold.
///
/// Small classes: a class with 0 members (declared but absent) is ignored. A class with
/// 0 < m < k members cannot reach every test fold: if `on_small_class` is empty this throws
/// `DataError`; otherwise it is called once per such class with a message and the split goes on
/// (the class is missing from k − m test folds; with m = 1 it is also missing from one training
/// fold).
/// @param labels         n class codes in [0, n_classes).
/// @param n_classes      K, the number of declared classes (≥ 1).
/// @param k              number of folds (2 ≤ k ≤ n).
/// @param seed           seed of the shuffles.
/// @param on_small_class optional: accept classes with fewer members than k, reporting them here.
/// @return k folds; their test sets partition 0..n-1.
/// @throws DataError on k < 2, k > n, a label out of range, or a small class without callback.
/// Complexity O(n·k).
[[nodiscard]] METALEARN_INLINE std::vector<Fold> stratified_k_fold(const IndexVector& labels, Index n_classes, Index k,
                                                         std::uint64_t seed,
                                                         const WarningCallback& on_small_class = {});

/// A single random hold-out split of n rows.
///
/// The test set has round(test_fraction·n) rows, clamped to [1, n−1].
/// @param n             number of rows (≥ 2).
/// @param test_fraction fraction of rows in the test set, in (0, 1).
/// @param seed          seed of the permutation.
/// @throws DataError if n < 2 or test_fraction is outside (0, 1).
[[nodiscard]] METALEARN_INLINE Fold hold_out(Index n, double test_fraction, std::uint64_t seed);

/// A hold-out split that keeps the class proportions.
///
/// The test size is T = round(test_fraction·n), clamped to [1, n−1]. Each class c with m_c
/// members gets ⌊test_fraction·m_c⌋ test rows, and the rows still missing to reach T go to the
/// classes with the largest remainders (ties: lower class code), never taking the last member
/// of a class away from the training set; the members chosen are a seeded random sample.
/// @param labels        n class codes in [0, n_classes).
/// @param n_classes     K (≥ 1).
/// @param test_fraction in (0, 1).
/// @param seed          seed of the shuffles.
/// @throws DataError on n < 2, a fraction outside (0, 1), or a label out of range.
[[nodiscard]] METALEARN_INLINE Fold stratified_hold_out(const IndexVector& labels, Index n_classes, double test_fraction,
                                              std::uint64_t seed);

/// `repeats` independent k-fold splits, concatenated repeat-major (fold f of repeat r is at
/// index r·k + f); repeat r uses seed `derive_seed(seed, {r})`.
/// @throws DataError as `k_fold`, or if repeats < 1.
[[nodiscard]] METALEARN_INLINE std::vector<Fold> repeated_k_fold(Index n, Index k, Index repeats, std::uint64_t seed);

/// `repeats` independent stratified k-fold splits, concatenated repeat-major; repeat r uses
/// seed `derive_seed(seed, {r})`. Small classes as in `stratified_k_fold` (the callback is
/// called once per repeat).
/// @throws DataError as `stratified_k_fold`, or if repeats < 1.
[[nodiscard]] METALEARN_INLINE std::vector<Fold> repeated_stratified_k_fold(const IndexVector& labels, Index n_classes, Index k,
                                                                  Index repeats, std::uint64_t seed,
                                                                  const WarningCallback& on_small_class = {});

/// The default cross-validation folds for a dataset: `stratified_k_fold` on its labels and
/// declared classes for classification, `k_fold` for regression.
/// @throws DataError as those functions; without `on_small_class`, a class with samples but
///         fewer than k is a DataError that names the dataset, each such class (by name) and its
///         count, and says what to do (fewer folds, or drop or merge a class of one sample).
[[nodiscard]] METALEARN_INLINE std::vector<Fold> make_folds(const Dataset& data, Index k, std::uint64_t seed,
                                                  const WarningCallback& on_small_class = {});

}  // namespace metalearn::data

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/data/split_impl.hpp"
#endif
