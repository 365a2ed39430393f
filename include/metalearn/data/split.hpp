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

inline void check_k(const char* where, Index n, Index k) {
    if (k < 2) throw DataError(fmt::format("{}: need at least 2 folds (expected k >= 2, got {})", where, k));
    if (k > n)
        throw DataError(fmt::format("{}: more folds than samples (expected k <= n = {}, got k = {})", where, n, k));
}

inline void check_fraction(const char* where, double f) {
    if (!(f > 0.0 && f < 1.0))
        throw DataError(fmt::format("{}: test_fraction must lie in (0, 1) (got {})", where, f));
}

/// Turn a fold assignment (fold id per row) into k folds with sorted index lists.
inline std::vector<Fold> folds_from_assignment(const std::vector<Index>& fold_of, Index k) {
    std::vector<Fold> folds(static_cast<std::size_t>(k));
    for (std::size_t i = 0; i < fold_of.size(); ++i) {
        const auto f = static_cast<std::size_t>(fold_of[i]);
        for (std::size_t g = 0; g < folds.size(); ++g) {
            if (g == f) folds[g].test.push_back(static_cast<Index>(i));
            else folds[g].train.push_back(static_cast<Index>(i));
        }
    }
    return folds;
}

/// Check stratification inputs and return the members of each class (in row order).
inline std::vector<std::vector<Index>> class_members(const char* where, const IndexVector& labels, Index n_classes) {
    if (labels.size() == 0) throw DataError(fmt::format("{}: no samples (expected n >= 1, got 0 labels)", where));
    if (n_classes < 1) throw DataError(fmt::format("{}: expected n_classes >= 1, got {}", where, n_classes));
    std::vector<std::vector<Index>> members(static_cast<std::size_t>(n_classes));
    for (Index i = 0; i < labels.size(); ++i) {
        const Index c = labels[i];
        if (c < 0 || c >= n_classes)
            throw DataError(fmt::format("{}: label {} at row {} out of range (expected a code in [0, {}))", where,
                                        c, i, n_classes));
        members[static_cast<std::size_t>(c)].push_back(i);
    }
    return members;
}

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
[[nodiscard]] inline std::vector<Fold> k_fold(Index n, Index k, std::uint64_t seed) {
    detail::check_k("k_fold()", n, k);
    Rng rng(seed);
    const auto perm = rng.permutation(n);
    std::vector<Index> fold_of(static_cast<std::size_t>(n));
    const Index base = n / k;
    const Index extra = n % k;
    Index pos = 0;
    for (Index f = 0; f < k; ++f) {
        const Index size = base + (f < extra ? 1 : 0);
        for (Index t = 0; t < size; ++t) fold_of[static_cast<std::size_t>(perm[static_cast<std::size_t>(pos++)])] = f;
    }
    return detail::folds_from_assignment(fold_of, k);
}

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
[[nodiscard]] inline std::vector<Fold> stratified_k_fold(const IndexVector& labels, Index n_classes, Index k,
                                                         std::uint64_t seed,
                                                         const WarningCallback& on_small_class = {}) {
    constexpr const char* where = "stratified_k_fold()";
    const Index n = labels.size();
    auto members = detail::class_members(where, labels, n_classes);
    detail::check_k(where, n, k);
    for (std::size_t c = 0; c < members.size(); ++c) {
        const auto m = static_cast<Index>(members[c].size());
        if (m > 0 && m < k) {
            const auto msg = fmt::format(
                "{}: class {} has {} member(s), fewer than the {} folds (it will be missing from {} test fold(s))",
                where, c, m, k, k - m);
            if (!on_small_class)
                throw DataError(msg + "; pass an on_small_class callback to accept this, or use fewer folds");
            on_small_class(msg);
        }
    }
    Rng rng(seed);
    std::vector<Index> fold_of(static_cast<std::size_t>(n));
    Index next = 0;
    for (auto& group : members) {
        rng.shuffle(group.begin(), group.end());
        for (const Index i : group) {
            fold_of[static_cast<std::size_t>(i)] = next;
            next = (next + 1) % k;
        }
    }
    return detail::folds_from_assignment(fold_of, k);
}

/// A single random hold-out split of n rows.
///
/// The test set has round(test_fraction·n) rows, clamped to [1, n−1].
/// @param n             number of rows (≥ 2).
/// @param test_fraction fraction of rows in the test set, in (0, 1).
/// @param seed          seed of the permutation.
/// @throws DataError if n < 2 or test_fraction is outside (0, 1).
[[nodiscard]] inline Fold hold_out(Index n, double test_fraction, std::uint64_t seed) {
    detail::check_fraction("hold_out()", test_fraction);
    if (n < 2) throw DataError(fmt::format("hold_out(): need at least 2 rows (got {})", n));
    const Index n_test = std::clamp<Index>(static_cast<Index>(std::llround(test_fraction * static_cast<double>(n))),
                                           1, n - 1);
    Rng rng(seed);
    const auto perm = rng.permutation(n);
    std::vector<Index> fold_of(static_cast<std::size_t>(n), 1);
    for (Index t = 0; t < n_test; ++t) fold_of[static_cast<std::size_t>(perm[static_cast<std::size_t>(t)])] = 0;
    return std::move(detail::folds_from_assignment(fold_of, 2)[0]);
}

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
[[nodiscard]] inline Fold stratified_hold_out(const IndexVector& labels, Index n_classes, double test_fraction,
                                              std::uint64_t seed) {
    constexpr const char* where = "stratified_hold_out()";
    detail::check_fraction(where, test_fraction);
    auto members = detail::class_members(where, labels, n_classes);
    const Index n = labels.size();
    if (n < 2) throw DataError(fmt::format("{}: need at least 2 rows (got {})", where, n));
    const Index target = std::clamp<Index>(static_cast<Index>(std::llround(test_fraction * static_cast<double>(n))),
                                           1, n - 1);
    const auto K = members.size();
    std::vector<Index> take(K, 0);
    std::vector<double> remainder(K, 0.0);
    Index total = 0;
    for (std::size_t c = 0; c < K; ++c) {
        const auto m = static_cast<double>(members[c].size());
        const double exact = test_fraction * m;
        take[c] = std::min<Index>(static_cast<Index>(std::floor(exact)), std::max<Index>(0, static_cast<Index>(m) - 1));
        remainder[c] = exact - static_cast<double>(take[c]);
        total += take[c];
    }
    std::vector<std::size_t> order(K);
    for (std::size_t c = 0; c < K; ++c) order[c] = c;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
    // Add rows to the classes with the largest remainders (each class at most m_c - 1 test rows);
    // if that is not enough (tiny classes), allow the last member too.
    for (int pass = 0; pass < 2 && total < target; ++pass) {
        bool progress = true;
        while (total < target && progress) {
            progress = false;
            for (const std::size_t c : order) {
                if (total >= target) break;
                const auto m = static_cast<Index>(members[c].size());
                const Index cap = pass == 0 ? m - 1 : m;
                if (take[c] < cap) {
                    ++take[c];
                    ++total;
                    progress = true;
                }
            }
        }
    }
    Rng rng(seed);
    std::vector<Index> fold_of(static_cast<std::size_t>(n), 1);
    for (std::size_t c = 0; c < K; ++c) {
        rng.shuffle(members[c].begin(), members[c].end());
        for (Index t = 0; t < take[c]; ++t) fold_of[static_cast<std::size_t>(members[c][static_cast<std::size_t>(t)])] = 0;
    }
    return std::move(detail::folds_from_assignment(fold_of, 2)[0]);
}

/// `repeats` independent k-fold splits, concatenated repeat-major (fold f of repeat r is at
/// index r·k + f); repeat r uses seed `derive_seed(seed, {r})`.
/// @throws DataError as `k_fold`, or if repeats < 1.
[[nodiscard]] inline std::vector<Fold> repeated_k_fold(Index n, Index k, Index repeats, std::uint64_t seed) {
    if (repeats < 1) throw DataError(fmt::format("repeated_k_fold(): expected repeats >= 1, got {}", repeats));
    std::vector<Fold> all;
    for (Index r = 0; r < repeats; ++r) {
        auto folds = k_fold(n, k, derive_seed(seed, {static_cast<std::uint64_t>(r)}));
        for (auto& f : folds) all.push_back(std::move(f));
    }
    return all;
}

/// `repeats` independent stratified k-fold splits, concatenated repeat-major; repeat r uses
/// seed `derive_seed(seed, {r})`. Small classes as in `stratified_k_fold` (the callback is
/// called once per repeat).
/// @throws DataError as `stratified_k_fold`, or if repeats < 1.
[[nodiscard]] inline std::vector<Fold> repeated_stratified_k_fold(const IndexVector& labels, Index n_classes, Index k,
                                                                  Index repeats, std::uint64_t seed,
                                                                  const WarningCallback& on_small_class = {}) {
    if (repeats < 1)
        throw DataError(fmt::format("repeated_stratified_k_fold(): expected repeats >= 1, got {}", repeats));
    std::vector<Fold> all;
    for (Index r = 0; r < repeats; ++r) {
        auto folds = stratified_k_fold(labels, n_classes, k, derive_seed(seed, {static_cast<std::uint64_t>(r)}),
                                       on_small_class);
        for (auto& f : folds) all.push_back(std::move(f));
    }
    return all;
}

/// The default cross-validation folds for a dataset: `stratified_k_fold` on its labels and
/// declared classes for classification, `k_fold` for regression.
/// @throws DataError as those functions.
[[nodiscard]] inline std::vector<Fold> make_folds(const Dataset& data, Index k, std::uint64_t seed,
                                                  const WarningCallback& on_small_class = {}) {
    if (data.is_classification()) return stratified_k_fold(data.labels(), data.n_classes(), k, seed, on_small_class);
    return k_fold(data.n_samples(), k, seed);
}

}  // namespace metalearn::data
