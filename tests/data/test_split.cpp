// Tests of data/split.hpp: partitions, stratification, determinism, small classes.

#include <metalearn/data/split.hpp>

#include "support/test_support.hpp"

#include <algorithm>
#include <numeric>
#include <set>
#include <string>
#include <vector>

using namespace metalearn;
using namespace metalearn::data;

namespace {

// Checks the invariants every fold shares: sorted, disjoint, union 0..n-1.
void check_fold(const Fold& f, Index n) {
    REQUIRE(std::is_sorted(f.train.begin(), f.train.end()));
    REQUIRE(std::is_sorted(f.test.begin(), f.test.end()));
    std::vector<Index> all = f.train;
    all.insert(all.end(), f.test.begin(), f.test.end());
    std::sort(all.begin(), all.end());
    std::vector<Index> expected(static_cast<std::size_t>(n));
    std::iota(expected.begin(), expected.end(), Index{0});
    REQUIRE(all == expected);
}

// The test sets of the folds partition 0..n-1.
void check_partition(const std::vector<Fold>& folds, Index n) {
    std::vector<int> seen(static_cast<std::size_t>(n), 0);
    for (const auto& f : folds) {
        check_fold(f, n);
        for (Index i : f.test) ++seen[static_cast<std::size_t>(i)];
    }
    for (int s : seen) REQUIRE(s == 1);
}

IndexVector make_labels(const std::vector<Index>& counts) {
    std::vector<Index> v;
    for (std::size_t c = 0; c < counts.size(); ++c) v.insert(v.end(), static_cast<std::size_t>(counts[c]), static_cast<Index>(c));
    // Interleave deterministically so classes are not in blocks.
    std::vector<Index> out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) out[(i * 7) % v.size()] = v[i];
    IndexVector labels(static_cast<Index>(out.size()));
    for (std::size_t i = 0; i < out.size(); ++i) labels[static_cast<Index>(i)] = out[i];
    return labels;
}

}  // namespace

TEST_CASE("k_fold test sets partition the rows with sizes differing by at most one", "[data][split]") {
    for (Index n : {10, 11, 17, 100}) {
        for (Index k : {2, 3, 5, 10}) {
            const auto folds = k_fold(n, k, 42);
            REQUIRE(static_cast<Index>(folds.size()) == k);
            check_partition(folds, n);
            // Sizes: n / k or n / k + 1, with exactly n % k larger ones.
            Index larger = 0;
            for (const auto& f : folds) {
                const auto s = static_cast<Index>(f.test.size());
                REQUIRE((s == n / k || s == n / k + 1));
                larger += s == n / k + 1 ? 1 : 0;
            }
            REQUIRE(larger == (n % k == 0 ? 0 : n % k));
        }
    }
}

TEST_CASE("k_fold is deterministic in its seed and shuffles", "[data][split]") {
    const auto a = k_fold(50, 5, 7);
    const auto b = k_fold(50, 5, 7);
    const auto c = k_fold(50, 5, 8);
    for (std::size_t f = 0; f < a.size(); ++f) REQUIRE(a[f].test == b[f].test);
    bool differs = false;
    for (std::size_t f = 0; f < a.size(); ++f) differs = differs || a[f].test != c[f].test;
    REQUIRE(differs);
    // Shuffled: the first test fold is not the block 0..9.
    std::vector<Index> block(10);
    std::iota(block.begin(), block.end(), Index{0});
    REQUIRE(a[0].test != block);
}

TEST_CASE("stratified_k_fold keeps class proportions in each test fold", "[data][split]") {
    // 60 / 30 / 10 members, 5 folds: each test fold holds exactly 12 / 6 / 2.
    const auto labels = make_labels({60, 30, 10});
    const auto folds = stratified_k_fold(labels, 3, 5, 123);
    check_partition(folds, 100);
    for (const auto& f : folds) {
        std::vector<Index> counts(3, 0);
        for (Index i : f.test) ++counts[static_cast<std::size_t>(labels[i])];
        REQUIRE(counts == std::vector<Index>{12, 6, 2});
    }
    // Uneven class sizes: 7 / 5 members with 3 folds → per fold ⌊m/k⌋ or ⌈m/k⌉, sizes differ by ≤ 1.
    const auto l2 = make_labels({7, 5});
    const auto f2 = stratified_k_fold(l2, 2, 3, 9);
    check_partition(f2, 12);
    for (const auto& f : f2) {
        std::vector<Index> counts(2, 0);
        for (Index i : f.test) ++counts[static_cast<std::size_t>(l2[i])];
        REQUIRE((counts[0] == 2 || counts[0] == 3));
        REQUIRE((counts[1] == 1 || counts[1] == 2));
        REQUIRE(f.test.size() == 4);
    }
}

TEST_CASE("stratified_k_fold: deterministic, declared-but-absent classes ignored", "[data][split]") {
    const auto labels = make_labels({20, 0, 10});
    const auto a = stratified_k_fold(labels, 3, 4, 5);
    const auto b = stratified_k_fold(labels, 3, 4, 5);
    for (std::size_t f = 0; f < a.size(); ++f) {
        REQUIRE(a[f].test == b[f].test);
        REQUIRE(a[f].train == b[f].train);
    }
}

TEST_CASE("stratified_k_fold with a class smaller than k throws unless a callback accepts it",
          "[data][split][errors]") {
    const auto labels = make_labels({20, 2});
    REQUIRE_THROWS_AS(stratified_k_fold(labels, 2, 3, 1), DataError);
    REQUIRE_THROWS_WITH(stratified_k_fold(labels, 2, 3, 1),
                        Catch::Contains("class 1 has 2 member(s), fewer than the 3 folds"));
    std::vector<std::string> warnings;
    const auto folds = stratified_k_fold(labels, 2, 3, 1, [&](const std::string& w) { warnings.push_back(w); });
    REQUIRE(warnings.size() == 1);
    check_partition(folds, 22);
    // A class with 2 members still appears in every training fold.
    for (const auto& f : folds) {
        Index in_train = 0;
        for (Index i : f.train) in_train += labels[i] == 1 ? 1 : 0;
        REQUIRE(in_train >= 1);
    }
}

TEST_CASE("split functions reject bad k, fractions and labels", "[data][split][errors]") {
    REQUIRE_THROWS_AS(k_fold(10, 1, 0), DataError);
    REQUIRE_THROWS_WITH(k_fold(10, 11, 0), Catch::Contains("expected k <= n = 10, got k = 11"));
    REQUIRE_THROWS_WITH(k_fold(10, 1, 0), Catch::Contains("expected k >= 2, got 1"));
    IndexVector bad(3);
    bad << 0, 1, 3;
    REQUIRE_THROWS_WITH(stratified_k_fold(bad, 2, 2, 0), Catch::Contains("label 3 at row 2 out of range"));
    REQUIRE_THROWS_AS(hold_out(10, 0.0, 0), DataError);
    REQUIRE_THROWS_AS(hold_out(10, 1.0, 0), DataError);
    REQUIRE_THROWS_AS(hold_out(1, 0.5, 0), DataError);
    REQUIRE_THROWS_AS(repeated_k_fold(10, 2, 0, 0), DataError);
}

TEST_CASE("hold_out splits round(fraction * n) rows into the test set", "[data][split]") {
    const auto f = hold_out(10, 0.25, 3);  // round(2.5) = 3 (llround rounds half away from zero)
    check_fold(f, 10);
    REQUIRE(f.test.size() == 3);
    REQUIRE(hold_out(10, 0.01, 3).test.size() == 1);  // clamped to at least one
    REQUIRE(hold_out(10, 0.99, 3).train.size() == 1);  // and at least one training row
    REQUIRE(hold_out(10, 0.25, 3).test == f.test);
}

TEST_CASE("stratified_hold_out keeps class proportions", "[data][split]") {
    const auto labels = make_labels({50, 30, 20});
    const auto f = stratified_hold_out(labels, 3, 0.2, 11);
    check_fold(f, 100);
    std::vector<Index> counts(3, 0);
    for (Index i : f.test) ++counts[static_cast<std::size_t>(labels[i])];
    REQUIRE(counts == std::vector<Index>{10, 6, 4});
    // 0.3 of {5, 5}: floors 1 + 1, remainders 0.5 / 0.5 → T = 3: one extra to class 0 (lower code).
    const auto l2 = make_labels({5, 5});
    const auto f2 = stratified_hold_out(l2, 2, 0.3, 2);
    std::vector<Index> c2(2, 0);
    for (Index i : f2.test) ++c2[static_cast<std::size_t>(l2[i])];
    REQUIRE(c2 == std::vector<Index>{2, 1});
}

TEST_CASE("repeated splits concatenate independent repeats", "[data][split]") {
    const auto folds = repeated_k_fold(20, 4, 3, 99);
    REQUIRE(folds.size() == 12);
    for (int r = 0; r < 3; ++r)
        check_partition(std::vector<Fold>(folds.begin() + r * 4, folds.begin() + (r + 1) * 4), 20);
    // Repeat r equals k_fold with the derived seed.
    const auto r1 = k_fold(20, 4, derive_seed(99, {1}));
    for (std::size_t f = 0; f < 4; ++f) REQUIRE(folds[4 + f].test == r1[f].test);
    REQUIRE(folds[0].test != folds[4].test);

    const auto labels = make_labels({12, 8});
    const auto sf = repeated_stratified_k_fold(labels, 2, 4, 2, 5);
    REQUIRE(sf.size() == 8);
    check_partition(std::vector<Fold>(sf.begin(), sf.begin() + 4), 20);
    check_partition(std::vector<Fold>(sf.begin() + 4, sf.end()), 20);
}

TEST_CASE("make_folds stratifies classification and not regression", "[data][split]") {
    Matrix X = Matrix::Zero(12, 1);
    Vector y(12);
    y << 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1;
    const Dataset cls("c", X, y, {FeatureInfo::numeric("x")}, TaskType::classification, {"a", "b"});
    for (const auto& f : make_folds(cls, 3, 4)) {
        Index ones = 0;
        for (Index i : f.test) ones += y[i] == 1 ? 1 : 0;
        REQUIRE(ones == 1);
    }
    const Dataset reg("r", X, y, {FeatureInfo::numeric("x")}, TaskType::regression);
    const auto folds = make_folds(reg, 3, 4);
    const auto plain = k_fold(12, 3, 4);
    for (std::size_t f = 0; f < 3; ++f) REQUIRE(folds[f].test == plain[f].test);
}

TEST_CASE("make_folds names a class too small for stratified folds, its size, and the fix", "[data][split][errors]") {
    Matrix X = Matrix::Zero(12, 1);
    Vector y(12);
    y << 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2;  // 'setosa' 8 rows, 'versicolor' 2, 'virginica' 2
    const Dataset two("flowers", X, y, {FeatureInfo::numeric("x")}, TaskType::classification,
                      {"setosa", "versicolor", "virginica"});
    REQUIRE_THROWS_AS(make_folds(two, 3, 0), DataError);
    REQUIRE_THROWS_WITH(make_folds(two, 3, 0),
                        Catch::Contains("stratified 3-fold cross-validation of 'flowers' needs at least 3 samples of "
                                        "every class, but class 'versicolor' has 2 samples, class 'virginica' has 2 "
                                        "samples: use at most 2 folds"));
    CHECK(make_folds(two, 2, 0).size() == 2);  // what the message suggests works
    // A class of one sample: no number of folds helps; the message says to drop or merge it.
    y << 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1;
    const Dataset single("single", X, y, {FeatureInfo::numeric("x")}, TaskType::classification, {"common", "rare"});
    REQUIRE_THROWS_WITH(make_folds(single, 3, 0), Catch::Contains("class 'rare' has 1 sample:"));
    REQUIRE_THROWS_WITH(make_folds(single, 2, 0), Catch::Contains("drop its rows (or merge it into a similar class)"));
    // With a callback the small class is accepted, as by stratified_k_fold.
    std::vector<std::string> warnings;
    CHECK(make_folds(single, 2, 0, [&](const std::string& w) { warnings.push_back(w); }).size() == 2);
    CHECK(warnings.size() == 1);
}

TEST_CASE("make_folds quotes a long class name shortened, never whole", "[data][split][errors]") {
    Matrix X = Matrix::Zero(6, 1);
    Vector y(6);
    y << 0, 0, 0, 0, 0, 1;
    const std::string long_name(100000, 'a');
    const Dataset d("long", X, y, {FeatureInfo::numeric("x")}, TaskType::classification, {"common", long_name});
    try {
        (void)make_folds(d, 3, 0);
        FAIL("make_folds accepted a class of one sample");
    } catch (const DataError& e) {
        const std::string what = e.what();
        CHECK(what.size() < 1000);
        CHECK(what.find("class 'aaaa") != std::string::npos);
    }
}
