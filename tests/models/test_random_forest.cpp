// Random forests: reproducibility by seed and across thread counts, and accuracy on real data.
// Accuracy floors sit under what scikit-learn 1.2's RandomForestClassifier(n_estimators=50)
// reaches on the same split (rows i % 3 == 0 held out) over random_state 0-4: iris 0.94-0.96,
// breast cancer 0.963-0.968, digits 0.965-0.973 (this forest over seeds 0-7: iris 0.92-0.98,
// breast cancer 0.963-0.968, digits 0.963-0.973).
#include <metalearn/models/random_forest.hpp>

#include "model_test_data.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <vector>

using metalearn::DataError;
using metalearn::Index;
using metalearn::Matrix;
using metalearn::Vector;
using metalearn::models::RandomForestClassifier;
using metalearn::models::RandomForestRegressor;
using metalearn::test::accuracy;
using metalearn::test::approx_matrix;

TEST_CASE("RandomForestClassifier is identical for the same seed and any thread count", "[models][random_forest]") {
    const auto d = metalearn::test::sklearn_split("breast_cancer.csv", false);
    auto run = [&](Index threads, std::uint64_t seed) {
        RandomForestClassifier rf({.n_estimators = 20, .n_threads = threads});
        rf.set_seed(seed);
        rf.fit(d.Xtr, d.ytr);
        return rf.predict_proba(d.Xte);
    };
    const Matrix one = run(1, 7);
    REQUIRE(run(1, 7) == one);
    REQUIRE(run(2, 7) == one);
    REQUIRE(run(3, 7) == one);
    REQUIRE(run(1, 8) != one);
    REQUIRE((one.rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-12);
}

TEST_CASE("RandomForestClassifier reaches scikit-learn's accuracy on iris, breast cancer and digits", "[models][random_forest]") {
    struct Case {
        const char* file;
        double floor;
    };
    for (const Case c : {Case{"iris.csv", 0.92}, Case{"breast_cancer.csv", 0.94}, Case{"digits.csv.gz", 0.95}}) {
        INFO(c.file);
        const auto d = metalearn::test::sklearn_split(c.file, false);
        RandomForestClassifier rf({.n_estimators = 50, .n_threads = 2});
        rf.set_seed(0);
        rf.fit(d.Xtr, d.ytr);
        const double acc = accuracy(rf.predict(d.Xte), d.yte);
        INFO("accuracy " << acc);
        REQUIRE(acc >= c.floor);
        REQUIRE(rf.feature_importances().sum() == Approx(1.0));
    }
}

TEST_CASE("RandomForestClassifier keeps the declared width", "[models][random_forest]") {
    const auto d = metalearn::test::sklearn_split("iris.csv", false);
    RandomForestClassifier rf({.n_estimators = 5});
    rf.fit(d.Xtr, d.ytr, 6);
    const Matrix P = rf.predict_proba(d.Xte);
    REQUIRE(P.cols() == 6);
    REQUIRE(P.rightCols(3).maxCoeff() == 0.0);
    REQUIRE(rf.n_classes() == 6);
    REQUIRE(rf.n_estimators() == 5);
}

TEST_CASE("RandomForestRegressor: per-tree predictions, their mean and spread, seeded and thread-independent", "[models][random_forest]") {
    // wine: predict proline (last feature) from the other 12
    const auto d = metalearn::test::sklearn_split("wine_data.csv", false);
    const Matrix Xtr = d.Xtr.leftCols(12);
    const Vector ytr = d.Xtr.col(12);
    const Matrix Xte = d.Xte.leftCols(12);
    const Vector yte = d.Xte.col(12);
    RandomForestRegressor rf({.n_estimators = 40});
    rf.set_seed(3);
    rf.fit(Xtr, ytr);
    const Matrix T = rf.predict_per_tree(Xte);
    REQUIRE(T.rows() == Xte.rows());
    REQUIRE(T.cols() == 40);
    REQUIRE_THAT(rf.predict(Xte), approx_matrix(Vector(T.rowwise().mean()), 1e-12));
    const Vector sd = rf.predict_std(Xte);
    for (Index i = 0; i < sd.size(); ++i) {
        const double mean = T.row(i).mean();
        REQUIRE(sd[i] == Approx(std::sqrt((T.row(i).array() - mean).square().mean())).epsilon(1e-10));
    }
    // R² on held-out rows (scikit-learn 1.2, same settings, random_state 0-2: 0.72-0.74;
    // this forest over seeds 0-7: 0.69-0.76)
    const double r2 = 1.0 - (rf.predict(Xte) - yte).squaredNorm() / (yte.array() - yte.mean()).square().sum();
    INFO("R2 " << r2);
    REQUIRE(r2 > 0.6);
    RandomForestRegressor rf2({.n_estimators = 40, .n_threads = 3});
    rf2.set_seed(3);
    rf2.fit(Xtr, ytr);
    REQUIRE(rf2.predict_per_tree(Xte) == T);
    // without bootstrap every full-depth tree interpolates the (distinct) training rows: the
    // trees agree there, zero spread, and the mean is the target
    RandomForestRegressor det({.n_estimators = 4, .max_features = 0.5, .bootstrap = false});
    det.fit(Xtr, ytr);
    REQUIRE(det.predict_std(Xtr).maxCoeff() < 1e-9);
    REQUIRE_THAT(det.predict(Xtr), approx_matrix(ytr, 1e-12));
}

TEST_CASE("Random forests reject bad input", "[models][random_forest][errors]") {
    RandomForestClassifier rf;
    REQUIRE_THROWS_AS(rf.predict(Matrix::Zero(1, 2)), metalearn::NotFitted);
    REQUIRE_THROWS_AS(rf.set_params({.n_estimators = 0}), metalearn::ConfigError);
    REQUIRE_THROWS_AS(rf.set_params({.n_estimators = 10, .n_threads = -1}), metalearn::ConfigError);
    REQUIRE_THROWS_AS(rf.set_params({.n_estimators = 10, .min_samples_leaf = 0}), metalearn::ConfigError);
    Matrix X = Matrix::Random(10, 3);
    X(4, 2) = std::numeric_limits<double>::infinity();
    REQUIRE_THROWS_AS(rf.fit(X, Vector::Zero(10)), DataError);
    rf.set_params({.n_estimators = 3});
    rf.fit(Matrix::Random(10, 3), (Vector(10) << 0, 1, 0, 1, 0, 1, 0, 1, 0, 1).finished());
    REQUIRE_THROWS_AS(rf.predict(Matrix::Zero(2, 2)), DataError);
    RandomForestRegressor reg;
    REQUIRE_THROWS_AS(reg.predict_std(Matrix::Zero(1, 2)), metalearn::NotFitted);
    REQUIRE_THROWS_AS(reg.fit(Matrix::Random(5, 2), Vector::Zero(4)), DataError);
    REQUIRE_THROWS_AS(reg.set_params({.n_estimators = 10, .max_features = 2.0}), metalearn::ConfigError);
}

TEST_CASE("Random forests: n_threads 0 means all hardware threads and gives the same forest", "[models][random_forest]") {
    const auto d = metalearn::test::sklearn_split("breast_cancer.csv", false);
    RandomForestClassifier one({.n_estimators = 15, .n_threads = 1});
    RandomForestClassifier all({.n_estimators = 15, .n_threads = 0});
    one.fit(d.Xtr, d.ytr);
    all.fit(d.Xtr, d.ytr);
    REQUIRE(all.predict_proba(d.Xte) == one.predict_proba(d.Xte));
    RandomForestRegressor reg_one({.n_estimators = 15, .n_threads = 1});
    RandomForestRegressor reg_all({.n_estimators = 15, .n_threads = 0});
    reg_one.fit(d.Xtr, d.Xtr.col(0));
    reg_all.fit(d.Xtr, d.Xtr.col(0));
    REQUIRE(reg_all.predict_per_tree(d.Xte) == reg_one.predict_per_tree(d.Xte));
    // negative counts are rejected, naming the method and the meaning of 0
    REQUIRE_THROWS_WITH(RandomForestRegressor({.n_threads = -3}),
                        Catch::Contains("RandomForestRegressor::set_params(): n_threads out of range (expected >= 0, "
                                        "0 = all hardware threads; got -3)"));
}

namespace {

namespace md = metalearn::models::detail;

// Impurity decrease n·I − n_L·I_L − n_R·I_R of the split (feature, threshold) over `rows`
// (duplicates counted): variance for regression (labels = y), entropy in bits for classes.
double split_gain(const Matrix& X, const std::vector<double>& labels, bool regression, const std::vector<Index>& rows,
                  Index feature, double threshold) {
    auto impurity_times_n = [&](const std::vector<Index>& r) {
        if (r.empty()) return 0.0;
        const auto n = static_cast<double>(r.size());
        if (regression) {
            double mean = 0;
            for (Index i : r) mean += labels[static_cast<std::size_t>(i)];
            mean /= n;
            double ss = 0;
            for (Index i : r) ss += (labels[static_cast<std::size_t>(i)] - mean) * (labels[static_cast<std::size_t>(i)] - mean);
            return ss;
        }
        std::map<double, double> counts;
        for (Index i : r) counts[labels[static_cast<std::size_t>(i)]] += 1;
        double h = 0;
        for (const auto& [c, k] : counts) h -= k / n * std::log2(k / n);
        return n * h;
    };
    std::vector<Index> left, right;
    for (Index i : rows) (X(i, feature) <= threshold ? left : right).push_back(i);
    return impurity_times_n(rows) - impurity_times_n(left) - impurity_times_n(right);
}

// Two trees grown on the same rows (`rows`, duplicates counted) agree node for node up to their
// first difference, and there the two splits are a tie: equal impurity decrease up to rounding.
// Returns whether the trees are identical.
bool same_tree_or_tie(const md::CartTree& a, const md::CartTree& b, const Matrix& X, const std::vector<double>& labels,
                      bool regression, const std::vector<Index>& rows, double value_tol) {
    for (std::size_t i = 0; i < std::min(a.nodes.size(), b.nodes.size()); ++i) {
        const auto& x = a.nodes[i];
        const auto& y = b.nodes[i];
        REQUIRE(x.n_samples == y.n_samples);
        REQUIRE(std::abs(x.impurity - y.impurity) <= value_tol * (1.0 + std::abs(x.impurity)));
        REQUIRE((x.value - y.value).cwiseAbs().maxCoeff() <= value_tol * (1.0 + x.value.cwiseAbs().maxCoeff()));
        if (x.feature == y.feature && x.threshold == y.threshold && x.left == y.left && x.right == y.right) continue;
        // the rows reaching node i (the same in both trees: they agree above it)
        std::vector<Index> at;
        for (Index r : rows) {
            Index node = 0;
            while (node != static_cast<Index>(i) && a.nodes[static_cast<std::size_t>(node)].left >= 0) {
                const auto& nd = a.nodes[static_cast<std::size_t>(node)];
                node = X(r, nd.feature) <= nd.threshold ? nd.left : nd.right;
            }
            if (node == static_cast<Index>(i)) at.push_back(r);
        }
        REQUIRE(static_cast<Index>(at.size()) == x.n_samples);
        REQUIRE(x.feature >= 0);
        REQUIRE(y.feature >= 0);
        const double ga = split_gain(X, labels, regression, at, x.feature, x.threshold);
        const double gb = split_gain(X, labels, regression, at, y.feature, y.threshold);
        INFO("node " << i << ": feature " << x.feature << " vs " << y.feature << ", gains " << ga << " vs " << gb);
        REQUIRE(std::abs(ga - gb) <= 1e-9 * (1.0 + std::abs(ga)));
        return false;
    }
    REQUIRE(a.nodes.size() == b.nodes.size());
    return true;
}

// A bootstrap of n rows drawn with Rng(seed), as the forest passes it to CartBuilder: the
// distinct rows drawn (increasing) and how many times each was drawn.
std::pair<std::vector<Index>, std::vector<Index>> bootstrap_multiplicities(Index n, std::uint64_t seed) {
    metalearn::Rng boot(seed);
    std::vector<Index> counts(static_cast<std::size_t>(n), 0);
    for (Index i = 0; i < n; ++i) ++counts[boot.uniform_index(static_cast<std::uint64_t>(n))];
    std::vector<Index> distinct, mult;
    for (Index i = 0; i < n; ++i)
        if (counts[static_cast<std::size_t>(i)] > 0) {
            distinct.push_back(i);
            mult.push_back(counts[static_cast<std::size_t>(i)]);
        }
    return {distinct, mult};
}

}  // namespace

TEST_CASE("CART grown on a bootstrap as multiplicities equals the tree on the duplicated rows",
          "[models][random_forest][cart]") {
    // The measured columns, and the same columns cut at their means: 0/1 columns, whose splits
    // count only the class totals of the upper value.
    const auto d = metalearn::test::sklearn_split("breast_cancer.csv", false);
    Index k = 0;
    const auto codes = md::class_codes("test", d.ytr, 0, k);
    const std::vector<double> labels(d.ytr.data(), d.ytr.data() + d.ytr.size());
    Matrix binary(d.Xtr.rows(), d.Xtr.cols());
    for (Index j = 0; j < d.Xtr.cols(); ++j)
        for (Index i = 0; i < d.Xtr.rows(); ++i) binary(i, j) = d.Xtr(i, j) > d.Xtr.col(j).mean() ? 1.0 : 0.0;
    int identical_entropy = 0;
    for (std::uint64_t seed = 0; seed < 8; ++seed) {
        const Matrix& X = seed % 2 == 0 ? d.Xtr : binary;
        const md::FeatureRanks ranks(X);
        const Index n = X.rows();
        // the same bootstrap, once with the duplicates written out and once as counts
        metalearn::Rng draw(seed);
        std::vector<Index> dup(static_cast<std::size_t>(n));
        for (auto& s : dup) s = static_cast<Index>(draw.uniform_index(static_cast<std::uint64_t>(n)));
        std::sort(dup.begin(), dup.end());
        std::vector<Index> distinct;
        std::vector<Index> counts;
        for (const Index s : dup) {
            if (!distinct.empty() && distinct.back() == s) {
                ++counts.back();
            } else {
                distinct.push_back(s);
                counts.push_back(1);
            }
        }
        REQUIRE(distinct.size() < dup.size());
        // Gini classification: integer class counts, the same tree exactly
        const md::CartSettings cls{0, 2, 1, md::resolve_max_features(metalearn::models::max_features_sqrt, X.cols()),
                                   true, false, k};
        metalearn::Rng r1(seed + 100), r2(seed + 100);
        REQUIRE(same_tree_or_tie(md::CartBuilder(ranks, &codes, nullptr, cls).grow(dup, r1),
                                 md::CartBuilder(ranks, &codes, nullptr, cls).grow(distinct, counts, r2), X, labels,
                                 false, dup, 0.0));
        // entropy: sums of x·log x in another order, so two equally good splits can swap
        md::CartSettings ent = cls;
        ent.entropy = true;
        metalearn::Rng r3(seed + 200), r4(seed + 200);
        identical_entropy += same_tree_or_tie(md::CartBuilder(ranks, &codes, nullptr, ent).grow(dup, r3),
                                              md::CartBuilder(ranks, &codes, nullptr, ent).grow(distinct, counts, r4),
                                              X, labels, false, dup, 1e-12);
        // regression on 0/1 targets: integer sums, the same tree
        const md::CartSettings reg{0, 2, 3, X.cols() / 2, false, false, 0};
        const metalearn::VectorRef y(d.ytr);
        metalearn::Rng r5(seed + 300), r6(seed + 300);
        REQUIRE(same_tree_or_tie(md::CartBuilder(ranks, nullptr, &y, reg).grow(dup, r5),
                                 md::CartBuilder(ranks, nullptr, &y, reg).grow(distinct, counts, r6), X, labels,
                                 true, dup, 1e-12));
    }
    CHECK(identical_entropy >= 1);
}

TEST_CASE("RandomForestRegressor with row groups grows the forest of the plain fit", "[models][random_forest][cart]") {
    // A meta-model's training set: 40 tasks × 15 configs; 6 task features (constant within a
    // task, two of them integers with ties between tasks), 2 config features.
    const Index T = 40, m = 15;
    metalearn::Rng rng(5);
    Matrix task_f(T, 6);
    for (Index t = 0; t < T; ++t)
        for (Index j = 0; j < 6; ++j) task_f(t, j) = j < 2 ? std::floor(rng.uniform(0, 4)) : rng.uniform(-1, 1);
    Matrix cfg(m, 2);
    for (Index c = 0; c < m; ++c) cfg.row(c) << rng.uniform(0, 1), static_cast<double>(c % 3);
    Matrix X(T * m, 8);
    Vector y(T * m);
    std::vector<Index> groups;
    for (Index t = 0; t < T; ++t)
        for (Index c = 0; c < m; ++c) {
            const Index i = t * m + c;
            X.row(i) << task_f.row(t), cfg.row(c);
            y[i] = std::sin(3 * task_f(t, 2) * cfg(c, 0)) + 0.3 * task_f(t, 0) * cfg(c, 1) + 0.05 * rng.uniform(-1, 1);
            groups.push_back(t);
        }
    const std::vector<double> labels(y.data(), y.data() + y.size());
    std::vector<Index> rows(static_cast<std::size_t>(T * m));
    std::iota(rows.begin(), rows.end(), Index{0});
    // without bootstrap every tree sees all rows: compare tree by tree
    RandomForestRegressor plain({.n_estimators = 12, .min_samples_leaf = 2, .max_features = 0.5, .bootstrap = false});
    RandomForestRegressor grouped = plain;
    plain.set_seed(3);
    grouped.set_seed(3);
    plain.fit(X, y);
    grouped.fit(X, y, groups, T);
    const auto tp = plain.to_json()["trees"];
    const auto tg = grouped.to_json()["trees"];
    REQUIRE(tp.size() == tg.size());
    // (small nodes hold few tasks, where several task features cut the same way: such exact
    // ties are common, and which one wins can change with the order of the sums)
    for (std::size_t t = 0; t < tp.size(); ++t)
        (void)same_tree_or_tie(md::cart_tree_from_json(tp[t], {"test", ""}, 8, 1),
                               md::cart_tree_from_json(tg[t], {"test", ""}, 8, 1), X, labels, true, rows, 1e-12);
    // with bootstrap: the same draws, so close forests
    RandomForestRegressor bplain({.n_estimators = 30, .min_samples_leaf = 2, .max_features = 0.5});
    RandomForestRegressor bgrouped = bplain;
    bplain.fit(X, y);
    bgrouped.fit(X, y, groups, T);
    CHECK((bplain.predict(X) - bgrouped.predict(X)).cwiseAbs().mean() < 0.02);
    RandomForestRegressor rf;
    REQUIRE_THROWS_AS(rf.fit(X, y, std::vector<Index>(3, 0), T), DataError);
    auto bad = groups;
    bad[7] = T;
    REQUIRE_THROWS_AS(rf.fit(X, y, bad, T), DataError);
    bad[7] = -1;
    REQUIRE_THROWS_AS(rf.fit(X, y, bad, T), DataError);
    REQUIRE_THROWS_WITH(rf.fit(X, y, groups, 0), Catch::Contains("n_groups out of range"));
    // more groups than rows would only allocate (p × n_groups ranks): refused before that
    REQUIRE_THROWS_WITH(rf.fit(X, y, groups, Index{1} << 40), Catch::Contains("RandomForestRegressor::fit()"));
}

TEST_CASE("CART reads byte copies of the ranks of columns with at most 256 values: the same trees",
          "[models][random_forest][cart]") {
    // Columns of 2, 5, 200, 256 and 257 distinct values and one continuous column; the byte copy
    // exists exactly for the first four. Trees grown with and without the copies are identical.
    const Index n = 600;
    Matrix X(n, 6);
    std::vector<Index> codes(static_cast<std::size_t>(n));
    metalearn::Rng draw(3);
    for (Index i = 0; i < n; ++i) {
        X(i, 0) = static_cast<double>(draw.uniform_index(2));
        X(i, 1) = static_cast<double>(draw.uniform_index(5));
        X(i, 2) = static_cast<double>(i % 200);
        X(i, 3) = static_cast<double>((i * 7) % 256) * 0.5;
        X(i, 4) = static_cast<double>(i % 257);
        X(i, 5) = draw.uniform() * 3.0 - 1.0;
        const double z = X(i, 0) + 0.5 * X(i, 1) - 0.01 * X(i, 2) + X(i, 5) + 0.5 * (draw.uniform() - 0.5);
        codes[static_cast<std::size_t>(i)] = z < 0.5 ? 0 : (z < 2.0 ? 1 : 2);
    }
    const md::FeatureRanks with(X);
    REQUIRE(with.narrow_at.size() == 6);
    for (Index f = 0; f < 6; ++f) CHECK((with.narrow_at[static_cast<std::size_t>(f)] >= 0) == (f < 4));
    for (Index f = 0; f < 4; ++f)
        for (Index i = 0; i < n; ++i)
            REQUIRE(with.narrow[static_cast<std::size_t>(with.narrow_at[static_cast<std::size_t>(f)] + i)] ==
                    with.rank[static_cast<std::size_t>(f * n + i)]);
    md::FeatureRanks without = with;
    without.narrow.clear();
    without.narrow_at.clear();
    for (const Index max_features : {Index{2}, Index{6}})
        for (std::uint64_t seed = 0; seed < 4; ++seed) {
            // a bootstrap as multiplicities (the forest's path) and the plain sample
            const auto [distinct, mult] = bootstrap_multiplicities(n, seed);
            std::vector<Index> all(static_cast<std::size_t>(n));
            std::iota(all.begin(), all.end(), Index{0});
            const md::CartSettings s{0, 2, 1, max_features, true, false, 3};
            metalearn::Rng r1(seed), r2(seed), r3(seed + 50), r4(seed + 50);
            const auto a = md::CartBuilder(with, &codes, nullptr, s).grow(distinct, mult, r1);
            const auto b = md::CartBuilder(without, &codes, nullptr, s).grow(distinct, mult, r2);
            const auto c = md::CartBuilder(with, &codes, nullptr, s).grow(all, r3);
            const auto e = md::CartBuilder(without, &codes, nullptr, s).grow(all, r4);
            for (const auto& [x, y] : {std::pair{&a, &b}, std::pair{&c, &e}}) {
                REQUIRE(x->nodes.size() == y->nodes.size());
                REQUIRE(x->nodes.size() > 20);
                for (std::size_t k = 0; k < x->nodes.size(); ++k) {
                    INFO("max_features " << max_features << ", seed " << seed << ", node " << k);
                    REQUIRE(x->nodes[k].feature == y->nodes[k].feature);
                    REQUIRE(x->nodes[k].threshold == y->nodes[k].threshold);
                    REQUIRE(x->nodes[k].left == y->nodes[k].left);
                    REQUIRE(x->nodes[k].value == y->nodes[k].value);
                }
            }
        }
}

TEST_CASE("CART carries the bits of binary columns with the samples: the same trees as from the byte ranks",
          "[models][random_forest][cart]") {
    // 150 one-hot-like binary columns (more than the 128 that get a bit: two planes, and 22
    // columns left to the byte path), one 4-valued and one continuous column, and one whose
    // values 0 and 5e-8 are too close to cut between; two and three classes, bootstrap
    // multiplicities and plain samples. Trees with the bits and without them (binary_bits
    // cleared: count_upper and partition read the byte ranks) are identical, and so are trees
    // grown without the wide-gap flags (every cut reads the two values).
    const Index n = 400;
    const Index n_binary = 150;
    Matrix X(n, n_binary + 3);
    metalearn::Rng draw(11);
    for (Index i = 0; i < n; ++i) {
        for (Index f = 0; f < n_binary; ++f)
            X(i, f) = draw.uniform() < 0.05 + 0.4 * static_cast<double>(f % 3) / 2.0 ? 1.0 : 0.0;
        X(i, n_binary) = static_cast<double>(draw.uniform_index(4));
        X(i, n_binary + 1) = draw.uniform();
        X(i, n_binary + 2) = std::array<double, 4>{0.0, 5e-8, 1.0, 2.0}[draw.uniform_index(4)];
    }
    const md::FeatureRanks with(X);
    REQUIRE(with.binary_planes == 2);
    CHECK(with.wide_gaps_of(0));
    CHECK(with.wide_gaps_of(n_binary));
    CHECK_FALSE(with.wide_gaps_of(n_binary + 2));
    md::FeatureRanks no_gaps = with;
    no_gaps.wide_gaps.clear();
    for (Index f = 0; f < n_binary + 3; ++f) {
        INFO("feature " << f);
        CHECK(with.binary_slot_of(f) == (f < md::FeatureRanks::max_binary_bits ? static_cast<std::int32_t>(f) : -1));
        if (f < md::FeatureRanks::max_binary_bits)
            for (Index i = 0; i < n; ++i)
                REQUIRE(((with.binary_bits[static_cast<std::size_t>((f / 64) * n + i)] >> (f % 64)) & 1U) ==
                        with.rank[static_cast<std::size_t>(f * n + i)]);
    }
    md::FeatureRanks without = with;
    without.binary_bits.clear();
    without.binary_slot.clear();
    without.binary_planes = 0;
    for (const Index n_classes : {Index{2}, Index{3}}) {
        std::vector<Index> codes(static_cast<std::size_t>(n));
        for (Index i = 0; i < n; ++i) {
            const double z = X(i, 0) + X(i, 4) - X(i, 130) + X(i, 140) + 0.3 * X(i, n_binary) + X(i, n_binary + 1) +
                             (X(i, n_binary + 2) > 0.0 ? 0.4 : 0.0);
            codes[static_cast<std::size_t>(i)] = std::min<Index>(n_classes - 1, static_cast<Index>(z * static_cast<double>(n_classes) / 3.0));
        }
        for (std::uint64_t seed = 0; seed < 3; ++seed) {
            const auto [distinct, mult] = bootstrap_multiplicities(n, seed);
            std::vector<Index> all(static_cast<std::size_t>(n));
            std::iota(all.begin(), all.end(), Index{0});
            const md::CartSettings s{0, 2, 1, 12, true, false, n_classes};
            metalearn::Rng r1(seed), r2(seed), r3(seed + 50), r4(seed + 50);
            const auto a = md::CartBuilder(with, &codes, nullptr, s).grow(distinct, mult, r1);
            const auto b = md::CartBuilder(without, &codes, nullptr, s).grow(distinct, mult, r2);
            const auto c = md::CartBuilder(with, &codes, nullptr, s).grow(all, r3);
            const auto e = md::CartBuilder(without, &codes, nullptr, s).grow(all, r4);
            metalearn::Rng r5(seed), r6(seed + 50);
            const auto g = md::CartBuilder(no_gaps, &codes, nullptr, s).grow(distinct, mult, r5);
            const auto h = md::CartBuilder(no_gaps, &codes, nullptr, s).grow(all, r6);
            for (const auto& [x, y] : {std::pair{&a, &b}, std::pair{&c, &e}, std::pair{&a, &g}, std::pair{&c, &h}}) {
                REQUIRE(x->nodes.size() == y->nodes.size());
                REQUIRE(x->nodes.size() > 20);
                bool split_on_bit = false;
                bool split_on_byte = false;
                for (std::size_t k = 0; k < x->nodes.size(); ++k) {
                    INFO(n_classes << " classes, seed " << seed << ", node " << k);
                    REQUIRE(x->nodes[k].feature == y->nodes[k].feature);
                    REQUIRE(x->nodes[k].threshold == y->nodes[k].threshold);
                    REQUIRE(x->nodes[k].left == y->nodes[k].left);
                    REQUIRE(x->nodes[k].value == y->nodes[k].value);
                    split_on_bit = split_on_bit || (x->nodes[k].feature >= 0 && x->nodes[k].feature < 128);
                    split_on_byte = split_on_byte || (x->nodes[k].feature >= 128 && x->nodes[k].feature < n_binary);
                }
                CHECK(split_on_bit);
                CHECK(split_on_byte);
            }
        }
    }
}

TEST_CASE("CART trees whose left children are not the next node are walked through their nodes",
          "[models][random_forest][cart]") {
    // x0 <= 0.5 goes to node 2, else to node 1: not in pre-order, so nothing is packed
    md::CartTree t;
    t.nodes.resize(3);
    t.nodes[0].feature = 0;
    t.nodes[0].threshold = 0.5;
    t.nodes[0].left = 2;
    t.nodes[0].right = 1;
    t.nodes[0].value = Vector::Constant(1, 2.0);
    t.nodes[1].value = Vector::Constant(1, 7.0);
    t.nodes[2].value = Vector::Constant(1, -3.0);
    t.pack();
    CHECK(t.packed.empty());
    Matrix X(11, 1);
    for (Index i = 0; i < 11; ++i) X(i, 0) = 0.1 * static_cast<double>(i);
    std::vector<Index> leaf(11);
    t.apply_rows(X, 0, 11, leaf.data());
    for (Index i = 0; i < 11; ++i) {
        CHECK(leaf[static_cast<std::size_t>(i)] == (X(i, 0) <= 0.5 ? 2 : 1));
        CHECK(t.leaf_value(leaf[static_cast<std::size_t>(i)])[0] == (X(i, 0) <= 0.5 ? -3.0 : 7.0));
    }
    // the same tree in pre-order is packed and walks the same way
    std::swap(t.nodes[1], t.nodes[2]);
    t.nodes[0].left = 1;
    t.nodes[0].right = 2;
    t.pack();
    REQUIRE_FALSE(t.packed.empty());
    t.apply_rows(X, 0, 11, leaf.data());
    for (Index i = 0; i < 11; ++i) {
        CHECK(leaf[static_cast<std::size_t>(i)] == (X(i, 0) <= 0.5 ? 1 : 2));
        CHECK(t.leaf_value(leaf[static_cast<std::size_t>(i)])[0] == (X(i, 0) <= 0.5 ? -3.0 : 7.0));
    }
}

namespace {

/// Breast cancer's training rows for growing single trees: ranks, class codes, every row.
struct BreastCancerCart {
    metalearn::test::Split d = metalearn::test::sklearn_split("breast_cancer.csv", false);
    md::FeatureRanks ranks{d.Xtr};
    Index k = 0;  // classes, set by class_codes
    std::vector<Index> codes = md::class_codes("test", d.ytr, 0, k);
    std::vector<Index> all = [this] {
        std::vector<Index> rows(static_cast<std::size_t>(d.Xtr.rows()));
        std::iota(rows.begin(), rows.end(), Index{0});
        return rows;
    }();
};

}  // namespace

TEST_CASE("CART's eight-row walk and packed leaf values equal the one-row walk and the nodes",
          "[models][random_forest][cart]") {
    const BreastCancerCart bc;
    const auto& [d, ranks, k, codes, all] = bc;
    const md::CartSettings s{0, 2, 1, 5, true, false, k};
    metalearn::Rng rng(1);
    const auto tree = md::CartBuilder(ranks, &codes, nullptr, s).grow(all, rng);
    REQUIRE_FALSE(tree.packed.empty());
    REQUIRE(tree.value_size == k);
    // every row range length 0..21 (tails after the groups of eight) at a few offsets
    for (const Index lo : {Index{0}, Index{3}, Index{17}})
        for (Index len = 0; len <= 21; ++len) {
            std::vector<Index> leaf(static_cast<std::size_t>(len) + 1, -7);
            tree.apply_rows(d.Xte, lo, lo + len, leaf.data());
            for (Index i = 0; i < len; ++i) REQUIRE(leaf[static_cast<std::size_t>(i)] == tree.apply(d.Xte, lo + i));
            REQUIRE(leaf[static_cast<std::size_t>(len)] == -7);  // nothing written past hi
        }
    std::vector<Index> leaf(static_cast<std::size_t>(d.Xte.rows()));
    tree.apply_rows(d.Xte, 0, d.Xte.rows(), leaf.data());
    for (Index i = 0; i < d.Xte.rows(); ++i) REQUIRE(leaf[static_cast<std::size_t>(i)] == tree.apply(d.Xte, i));
    // leaf values and sums equal the nodes' to the bit, also with class weights (non-integer
    // weighted counts, whose sums depend on the order of the additions)
    const std::vector<double> weights = {0.3, 1.7};
    md::CartSettings weighted = s;
    weighted.max_depth = 4;
    weighted.class_weights = &weights;
    metalearn::Rng rng2(2);
    const auto wtree = md::CartBuilder(ranks, &codes, nullptr, weighted).grow(all, rng2);
    for (const auto* t : {&tree, &wtree}) {
        Index leaves = 0;
        for (std::size_t j = 0; j < t->nodes.size(); ++j) {
            if (!t->nodes[j].is_leaf()) continue;
            ++leaves;
            const double* v = t->leaf_value(static_cast<Index>(j));
            for (Index c = 0; c < k; ++c) REQUIRE(v[c] == t->nodes[j].value[c]);
            REQUIRE(t->leaf_sum(static_cast<Index>(j)) == t->nodes[j].value.sum());
        }
        REQUIRE(static_cast<Index>(t->leaf_values.size()) == leaves * k);
    }
}

TEST_CASE("CART trees whose nodes are released predict, save, and measure as the full trees",
          "[models][random_forest][cart]") {
    // A forest keeps its trees without `TreeNode`s (CartSettings::keep_nodes = false); the same
    // tree with and without them must give the same leaves, leaf values, saved form, depth and
    // leaf count. Classification (K = 2 counts per node) and regression (one mean per node).
    const BreastCancerCart bc;
    const auto& [d, ranks, k, codes, all] = bc;
    const metalearn::VectorRef y(d.ytr);
    const md::CartSettings cls{0, 2, 1, 5, true, false, k};
    const md::CartSettings reg{0, 2, 3, 5, false, false, 0};
    for (const bool classification : {true, false}) {
        const md::CartSettings& s = classification ? cls : reg;
        metalearn::Rng r1(3), r2(3);
        const auto full = classification ? md::CartBuilder(ranks, &codes, nullptr, s).grow(all, r1)
                                         : md::CartBuilder(ranks, nullptr, &y, s).grow(all, r1);
        md::CartSettings released_settings = s;
        released_settings.keep_nodes = false;
        const auto released = classification ? md::CartBuilder(ranks, &codes, nullptr, released_settings).grow(all, r2)
                                              : md::CartBuilder(ranks, nullptr, &y, released_settings).grow(all, r2);
        REQUIRE(full.nodes.size() > 20);
        CHECK(released.nodes.empty());
        CHECK(released.n_nodes() == static_cast<Index>(full.nodes.size()));
        CHECK(md::cart_tree_json(released) == md::cart_tree_json(full));
        CHECK(released.depth() == full.depth());
        CHECK(released.n_leaves() == full.n_leaves());
        std::vector<Index> a(static_cast<std::size_t>(d.Xte.rows())), b(a.size());
        full.apply_rows(d.Xte, 0, d.Xte.rows(), a.data());
        released.apply_rows(d.Xte, 0, d.Xte.rows(), b.data());
        CHECK(a == b);
        for (Index i = 0; i < d.Xte.rows(); ++i) {
            const auto leaf = a[static_cast<std::size_t>(i)];
            for (Index c = 0; c < full.value_size; ++c) CHECK(released.leaf_value(leaf)[c] == full.leaf_value(leaf)[c]);
            CHECK(released.leaf_sum(leaf) == full.leaf_sum(leaf));
        }
        // releasing a loaded copy of the full tree gives the same saved form again
        auto loaded = md::cart_tree_from_json(md::cart_tree_json(full), md::JsonAt{"test", ""}, d.Xtr.cols(),
                                              classification ? k : 1);
        loaded.release_nodes();
        CHECK(md::cart_tree_json(loaded) == md::cart_tree_json(full));
    }
}
