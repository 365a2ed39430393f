#pragma once
/// @file split_impl.hpp
/// @brief Bodies of split.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/data/split.hpp"

namespace metalearn::data::detail {

METALEARN_INLINE void check_k(const char* where, Index n, Index k) {
    if (k < 2) throw DataError(fmt::format("{}: need at least 2 folds (expected k >= 2, got {})", where, k));
    if (k > n)
        throw DataError(fmt::format("{}: more folds than samples (expected k <= n = {}, got k = {})", where, n, k));
}

METALEARN_INLINE void check_fraction(const char* where, double f) {
    if (!(f > 0.0 && f < 1.0))
        throw DataError(fmt::format("{}: test_fraction must lie in (0, 1) (got {})", where, f));
}

METALEARN_INLINE std::vector<Fold> folds_from_assignment(const std::vector<Index>& fold_of, Index k) {
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

METALEARN_INLINE std::vector<std::vector<Index>> class_members(const char* where, const IndexVector& labels, Index n_classes) {
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

}  // namespace metalearn::data::detail

namespace metalearn::data {

METALEARN_INLINE std::vector<Fold> k_fold(Index n, Index k, std::uint64_t seed) {
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

METALEARN_INLINE std::vector<Fold> stratified_k_fold(const IndexVector& labels, Index n_classes, Index k,
                                                         std::uint64_t seed,
                                                         const WarningCallback& on_small_class) {
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

METALEARN_INLINE Fold hold_out(Index n, double test_fraction, std::uint64_t seed) {
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

METALEARN_INLINE Fold stratified_hold_out(const IndexVector& labels, Index n_classes, double test_fraction,
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

METALEARN_INLINE std::vector<Fold> repeated_k_fold(Index n, Index k, Index repeats, std::uint64_t seed) {
    if (repeats < 1) throw DataError(fmt::format("repeated_k_fold(): expected repeats >= 1, got {}", repeats));
    std::vector<Fold> all;
    for (Index r = 0; r < repeats; ++r) {
        auto folds = k_fold(n, k, derive_seed(seed, {static_cast<std::uint64_t>(r)}));
        for (auto& f : folds) all.push_back(std::move(f));
    }
    return all;
}

METALEARN_INLINE std::vector<Fold> repeated_stratified_k_fold(const IndexVector& labels, Index n_classes, Index k,
                                                                  Index repeats, std::uint64_t seed,
                                                                  const WarningCallback& on_small_class) {
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

METALEARN_INLINE std::vector<Fold> make_folds(const Dataset& data, Index k, std::uint64_t seed,
                                                  const WarningCallback& on_small_class) {
    if (data.is_classification() && !on_small_class && k >= 2 && k <= data.n_samples()) {
        // Say which classes are too small, by name, and what to do instead.
        const auto counts = data.class_counts();
        std::vector<std::string> small;
        Index smallest = k;
        for (Index c = 0; c < static_cast<Index>(counts.size()); ++c) {
            const Index m = counts[static_cast<std::size_t>(c)];
            if (m > 0 && m < k) {
                small.push_back(fmt::format("'{}' has {} sample{}", printable(data.class_names()[static_cast<std::size_t>(c)], 100), m,
                                            m == 1 ? "" : "s"));
                smallest = std::min(smallest, m);
            }
        }
        if (!small.empty()) {
            const std::size_t shown = std::min<std::size_t>(small.size(), 5);
            const std::string fix =
                smallest >= 2
                    ? fmt::format("use at most {} folds, or drop the rows of {} (or merge {} into a similar class)",
                                  smallest, small.size() == 1 ? "that class" : "those classes",
                                  small.size() == 1 ? "it" : "them")
                    : std::string("a class of one sample cannot be in a training and a test fold at once: drop its "
                                  "rows (or merge it into a similar class), whatever the number of folds");
            throw DataError(fmt::format(
                "make_folds(): stratified {}-fold cross-validation of '{}' needs at least {} samples of every class, "
                "but class {}{}: {}",
                k, data.name(), k, fmt::join(small.begin(), small.begin() + static_cast<std::ptrdiff_t>(shown), ", class "),
                small.size() > shown ? fmt::format(" (and {} more)", small.size() - shown) : "", fix));
        }
    }
    if (data.is_classification()) return stratified_k_fold(data.labels(), data.n_classes(), k, seed, on_small_class);
    return k_fold(data.n_samples(), k, seed);
}

}  // namespace metalearn::data
