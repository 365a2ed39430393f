// k-nearest neighbours against scikit-learn 1.2 (values from tests/reference/models_reference.py),
// against a brute-force computation in the test, and the k-d tree against brute force.
#include <metalearn/models/knn.hpp>

#include "model_test_data.hpp"
#include "reference_values.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using Catch::Matchers::WithinRel;
using metalearn::DataError;
using metalearn::Index;
using metalearn::Matrix;
using metalearn::Vector;
using metalearn::models::KNeighborsClassifier;
using metalearn::models::KNeighborsRegressor;
using metalearn::models::KnnWeights;
using metalearn::test::approx_matrix;
using metalearn::test::as_matrix;
using metalearn::test::ref_rows;
namespace ref = metalearn::test::ref;

TEST_CASE("KNeighborsClassifier matches scikit-learn on standardised iris, wine and breast cancer", "[models][knn]") {
    struct Case {
        const char* file;
        const std::vector<double>& proba5;
        double acc5;
        const std::vector<double>& proba7;
        double acc7;
    };
    const Case cases[] = {
        {"iris.csv", ref::iris_knn5_proba, ref::iris_knn5_accuracy, ref::iris_knn7_proba, ref::iris_knn7_accuracy},
        {"wine_data.csv", ref::wine_knn5_proba, ref::wine_knn5_accuracy, ref::wine_knn7_proba, ref::wine_knn7_accuracy},
        {"breast_cancer.csv", ref::cancer_knn5_proba, ref::cancer_knn5_accuracy, ref::cancer_knn7_proba,
         ref::cancer_knn7_accuracy}};
    for (const auto& c : cases) {
        INFO(c.file);
        const auto d = metalearn::test::sklearn_split(c.file, true);
        KNeighborsClassifier uniform5;  // k = 5, uniform, Euclidean
        uniform5.fit(d.Xtr, d.ytr);
        REQUIRE_THAT(ref_rows(uniform5.predict_proba(d.Xte)), approx_matrix(as_matrix(c.proba5, 6), 0.0, 1e-12));
        REQUIRE(metalearn::test::accuracy(uniform5.predict(d.Xte), d.yte) == Approx(c.acc5).margin(1e-12));
        KNeighborsClassifier distance7({.n_neighbors = 7, .weights = KnnWeights::distance, .p = 1});
        distance7.fit(d.Xtr, d.ytr);
        REQUIRE_THAT(ref_rows(distance7.predict_proba(d.Xte)), approx_matrix(as_matrix(c.proba7, 6), 0.0, 1e-9));
        REQUIRE(metalearn::test::accuracy(distance7.predict(d.Xte), d.yte) == Approx(c.acc7).margin(1e-12));
    }
}

TEST_CASE("KNeighbors finds the same neighbours as a brute-force sort and breaks ties by lower index", "[models][knn]") {
    metalearn::Rng rng(3);
    Matrix X(200, 6);
    for (Index i = 0; i < X.size(); ++i) X.data()[i] = rng.normal();
    X.row(17) = X.row(3);  // exact duplicate: equal distances
    Vector y(200);
    for (Index i = 0; i < 200; ++i) y[i] = rng.normal();
    Matrix Q = X.topRows(10);
    for (int p : {1, 2}) {
        KNeighborsClassifier knn({.n_neighbors = 4, .weights = KnnWeights::uniform, .p = p});
        knn.fit(X, Vector::Zero(200));
        Matrix dist;
        Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic> idx;
        knn.kneighbors(Q, dist, idx);
        for (Index q = 0; q < Q.rows(); ++q) {
            std::vector<std::pair<double, Index>> all;
            for (Index i = 0; i < X.rows(); ++i) {
                const double dd = p == 1 ? (X.row(i) - Q.row(q)).lpNorm<1>() : (X.row(i) - Q.row(q)).norm();
                all.emplace_back(dd, i);
            }
            std::sort(all.begin(), all.end());
            for (Index t = 0; t < 4; ++t) {
                REQUIRE(idx(q, t) == all[static_cast<std::size_t>(t)].second);
                REQUIRE(dist(q, t) == Approx(all[static_cast<std::size_t>(t)].first).margin(1e-6));
            }
        }
        // query 3 has two neighbours at distance 0: rows 3 and 17, in that order
        REQUIRE(idx(3, 0) == 3);
        REQUIRE(idx(3, 1) == 17);
    }
    // regressor: uniform mean of the 4 nearest targets (brute force above gives the indices)
    KNeighborsRegressor reg({.n_neighbors = 4});
    reg.fit(X, y);
    KNeighborsClassifier knn({.n_neighbors = 4});
    knn.fit(X, Vector::Zero(200));
    Matrix dist;
    Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic> idx;
    knn.kneighbors(Q, dist, idx);
    const Vector pred = reg.predict(Q);
    for (Index q = 0; q < Q.rows(); ++q) {
        double mean = 0.0;
        for (Index t = 0; t < 4; ++t) mean += y[idx(q, t)] / 4.0;
        REQUIRE(pred[q] == Approx(mean).epsilon(1e-12));
    }
    // distance weights: a query equal to a training row predicts that row's target exactly
    KNeighborsRegressor wreg({.n_neighbors = 4, .weights = KnnWeights::distance});
    wreg.fit(X, y);
    REQUIRE(wreg.predict(X.row(5))[0] == Approx(y[5]).epsilon(1e-12));
}

TEST_CASE("KNeighbors brute force over several tiles of training rows and blocks of queries equals a full sort",
          "[models][knn]") {
    // 2,500 training rows (three tiles of 1,024) and 600 queries (three blocks of 256), 20 features,
    // brute force (the k-d tree is only for d <= 15). Expected: every training row's squared
    // distance summed feature by feature in order, sorted by (distance, index).
    const Index n = 2500, d = 20, m = 600;
    metalearn::Rng rng(11);
    const auto check = [&](const Matrix& X, const Matrix& Q, Index k, const char* what) {
        INFO(what << ", k = " << k);
        KNeighborsClassifier knn({.n_neighbors = k});
        knn.fit(X, Vector::Zero(n));
        Matrix dist;
        Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic> idx;
        knn.kneighbors(Q, dist, idx);
        std::size_t mismatches = 0;
        for (Index q = 0; q < m; ++q) {
            std::vector<std::pair<double, Index>> all;
            for (Index i = 0; i < n; ++i) {
                double s = 0.0;
                for (Index f = 0; f < d; ++f) s += (Q(q, f) - X(i, f)) * (Q(q, f) - X(i, f));
                all.emplace_back(s, i);
            }
            std::partial_sort(all.begin(), all.begin() + k, all.end());
            for (Index t = 0; t < k; ++t)
                mismatches += idx(q, t) != all[static_cast<std::size_t>(t)].second ||
                              dist(q, t) != std::sqrt(all[static_cast<std::size_t>(t)].first);
        }
        CHECK(mismatches == 0);
    };
    // Small integers: every distance exact, many ties (broken by the lower index).
    Matrix Xi(n, d), Qi(m, d);
    for (Index i = 0; i < Xi.size(); ++i) Xi.data()[i] = static_cast<double>(rng.uniform_index(5)) - 2.0;
    for (Index i = 0; i < Qi.size(); ++i) Qi.data()[i] = static_cast<double>(rng.uniform_index(5)) - 2.0;
    Qi.topRows(100) = Xi.middleRows(700, 100);  // queries equal to training rows: distance 0
    // Values near 10⁶: |x|² + |q|² − 2 x·q cancels to about 10⁻¹⁶ of its terms, so the product only
    // filters and the exact distances rank.
    Matrix Xc(n, d), Qc(m, d);
    for (Index i = 0; i < Xc.size(); ++i) Xc.data()[i] = 1e6 + rng.normal();
    for (Index i = 0; i < Qc.size(); ++i) Qc.data()[i] = 1e6 + rng.normal();
    for (Index k : {1, 5, 12}) {
        check(Xi, Qi, k, "integers");
        check(Xc, Qc, k, "near 1e6");
    }
}

TEST_CASE("KNeighbors finds the same neighbours at any scale and weights subnormal or infinite distances",
          "[models][knn]") {
    // Scaling every value by a power of two scales every distance by it exactly: the neighbours
    // of 2^550·X and 2^-560·X (whose squared distances overflow or underflow in double) are those
    // of X, their distances scaled alike. 5 features use the k-d tree, 20 brute force.
    metalearn::Rng rng(5);
    for (Index d : {5, 20}) {
        Matrix X(300, d), Q(40, d);
        for (Index i = 0; i < X.size(); ++i) X.data()[i] = rng.normal();
        for (Index i = 0; i < Q.size(); ++i) Q.data()[i] = rng.normal();
        Matrix dist0;
        Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic> idx0;
        for (int e : {550, -560}) {
            for (int p : {1, 2}) {
                INFO("d = " << d << ", scale 2^" << e << ", p = " << p);
                const double s = std::ldexp(1.0, e);
                KNeighborsClassifier knn({.n_neighbors = 3, .p = p});
                knn.fit(X * s, Vector::Zero(300));
                Matrix dist;
                Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic> idx;
                knn.kneighbors(Q * s, dist, idx);
                KNeighborsClassifier ref({.n_neighbors = 3, .p = p});
                ref.fit(X, Vector::Zero(300));
                ref.kneighbors(Q, dist0, idx0);
                CHECK(idx == idx0);
                CHECK(dist == dist0 * s);
            }
        }
    }
    // Inverse-distance weights: neighbours at 1e-310 and 3e-310 (subnormal; 1/d overflows) weigh
    // 3 : 1, as do neighbours at 1e200 and 3e200 (p = 2: their squares overflow).
    const auto proba = [](double a, double b, int p) {
        Matrix X(2, 1);
        X << a, b;
        Vector y(2);
        y << 0, 1;
        KNeighborsClassifier knn({.n_neighbors = 2, .weights = KnnWeights::distance, .p = p});
        knn.fit(X, y);
        return Matrix(knn.predict_proba(Matrix::Zero(1, 1)));
    };
    for (int p : {1, 2}) {
        INFO("p = " << p);
        const Matrix tiny = proba(1e-310, 3e-310, p);
        CHECK_THAT(tiny(0, 0), WithinRel(0.75, 1e-12));
        CHECK_THAT(tiny(0, 1), WithinRel(0.25, 1e-12));
        const Matrix huge = proba(1e200, -3e200, p);
        CHECK_THAT(huge(0, 0), WithinRel(0.75, 1e-12));
        CHECK_THAT(huge(0, 1), WithinRel(0.25, 1e-12));
    }
    // A query so far away that every distance is infinite: all neighbours weigh the same.
    Matrix X(3, 1);
    X << 0.0, 1.0, 2.0;
    Vector y(3);
    y << 0, 1, 1;
    KNeighborsClassifier knn({.n_neighbors = 3, .weights = KnnWeights::distance});
    knn.fit(X, y);
    Matrix q(1, 1);
    q << -1.7e308;  // (q − x)² overflows for every row
    const Matrix P = knn.predict_proba(q);
    CHECK_THAT(P(0, 0), WithinRel(1.0 / 3.0, 1e-12));
    CHECK_THAT(P(0, 1), WithinRel(2.0 / 3.0, 1e-12));
}

TEST_CASE("KNeighborsClassifier keeps the declared width", "[models][knn]") {
    const Matrix X = (Matrix(4, 1) << 0.0, 1.0, 2.0, 3.0).finished();
    KNeighborsClassifier knn({.n_neighbors = 3});
    knn.fit(X, (Vector(4) << 0, 0, 2, 2).finished(), 4);
    const Matrix P = knn.predict_proba((Matrix(1, 1) << 0.2).finished());
    REQUIRE(P.cols() == 4);
    REQUIRE(P(0, 0) == Approx(2.0 / 3.0));
    REQUIRE(P(0, 2) == Approx(1.0 / 3.0));
    REQUIRE(P(0, 1) == 0.0);
    REQUIRE(knn.n_classes() == 4);
}

TEST_CASE("KNeighbors models reject bad input", "[models][knn][errors]") {
    KNeighborsClassifier knn;
    REQUIRE_THROWS_AS(knn.predict(Matrix::Zero(1, 2)), metalearn::NotFitted);
    REQUIRE_THROWS_AS(knn.set_params({.n_neighbors = 0}), metalearn::ConfigError);
    REQUIRE_THROWS_AS(knn.set_params({.n_neighbors = 3, .weights = KnnWeights::uniform, .p = 3}), metalearn::ConfigError);
    REQUIRE_THROWS_WITH(knn.fit(Matrix::Zero(3, 2), Vector::Zero(3)), Catch::Contains("n_neighbors = 5"));
    Matrix X = Matrix::Random(8, 2);
    X(1, 1) = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_AS(knn.fit(X, Vector::Zero(8)), DataError);
    knn.fit(Matrix::Random(8, 2), Vector::Zero(8));
    REQUIRE_THROWS_AS(knn.predict(Matrix::Zero(1, 3)), DataError);
    KNeighborsRegressor reg;
    REQUIRE_THROWS_AS(reg.predict(Matrix::Zero(1, 2)), metalearn::NotFitted);
    REQUIRE_THROWS_AS(reg.fit(Matrix::Random(8, 2), Vector::Zero(7)), DataError);
}

// ---------------------------------------------------------------------------------------------
// The k-d tree against brute force: the same neighbours, distances and predictions, bit for bit.

namespace {

using metalearn::models::KnnAlgorithm;
using IndexMatrix = Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic>;

// A PMLB table (header line, tab-separated numbers, target last), or an empty matrix when the
// file is not there.
Matrix read_pmlb_table(const std::filesystem::path& path) {
    if (path.empty() || !std::filesystem::exists(path)) return {};
    std::istringstream in(metalearn::test::read_text(path));
    std::string line;
    std::getline(in, line);  // header
    std::vector<std::vector<double>> rows;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::istringstream fields(line);
        std::vector<double> row;
        std::string field;
        while (std::getline(fields, field, '\t')) row.push_back(std::stod(field));
        rows.push_back(std::move(row));
    }
    Matrix T(static_cast<Index>(rows.size()), static_cast<Index>(rows.front().size()));
    for (Index i = 0; i < T.rows(); ++i)
        for (Index j = 0; j < T.cols(); ++j) T(i, j) = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
    return T;
}

// The k nearest rows of X to each query row, sorted by (distance, index) over all rows: the
// reference. The distance is the documented ranking value, Σ (q_f − x_f)² or Σ |q_f − x_f| in
// feature order; the reported distance is its square root for p = 2.
void reference_neighbours(const Matrix& X, const Matrix& Q, Index k, int p, Matrix& dist, IndexMatrix& idx) {
    dist.resize(Q.rows(), k);
    idx.resize(Q.rows(), k);
    std::vector<std::pair<double, Index>> all(static_cast<std::size_t>(X.rows()));
    for (Index q = 0; q < Q.rows(); ++q) {
        for (Index i = 0; i < X.rows(); ++i) {
            double s = 0.0;
            for (Index f = 0; f < X.cols(); ++f) {
                const double t = Q(q, f) - X(i, f);
                if (p == 2)
                    s += t * t;
                else
                    s += std::abs(t);
            }
            all[static_cast<std::size_t>(i)] = {s, i};
        }
        std::sort(all.begin(), all.end());
        for (Index t = 0; t < k; ++t) {
            const auto& c = all[static_cast<std::size_t>(t)];
            dist(q, t) = p == 2 ? std::sqrt(c.first) : c.first;
            idx(q, t) = c.second;
        }
    }
}

// Class codes 0..n_classes-1 from any values (their rank among the distinct values).
Vector class_codes_of(const Vector& y) {
    std::vector<double> v(y.data(), y.data() + y.size());
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    Vector c(y.size());
    for (Index i = 0; i < y.size(); ++i)
        c[i] = static_cast<double>(std::lower_bound(v.begin(), v.end(), y[i]) - v.begin());
    return c;
}

// Fit both searches on (X, y) and require the same neighbours, distances, class probabilities,
// classes, regression values and spreads; with `check_reference`, also against the sort over
// all rows.
void require_tree_equals_brute(const Matrix& X, const Vector& y, const Matrix& Q, Index k, int p,
                               bool check_reference) {
    INFO("n = " << X.rows() << ", d = " << X.cols() << ", m = " << Q.rows() << ", k = " << k << ", p = " << p);
    const Vector codes = class_codes_of(y);
    for (const KnnWeights w : {KnnWeights::uniform, KnnWeights::distance}) {
        KNeighborsClassifier brute({.n_neighbors = k, .weights = w, .p = p, .algorithm = KnnAlgorithm::brute});
        KNeighborsClassifier tree({.n_neighbors = k, .weights = w, .p = p, .algorithm = KnnAlgorithm::kd_tree});
        brute.fit(X, codes);
        tree.fit(X, codes);
        REQUIRE_FALSE(brute.uses_kd_tree());
        REQUIRE(tree.uses_kd_tree());
        if (w == KnnWeights::uniform) {
            Matrix db, dt;
            IndexMatrix ib, it;
            brute.kneighbors(Q, db, ib);
            tree.kneighbors(Q, dt, it);
            REQUIRE(ib == it);
            REQUIRE(db == dt);  // exact equality, not approximate
            if (check_reference) {
                Matrix dr;
                IndexMatrix ir;
                reference_neighbours(X, Q, k, p, dr, ir);
                REQUIRE(ib == ir);
                REQUIRE(db == dr);
            }
        }
        REQUIRE(brute.predict_proba(Q) == tree.predict_proba(Q));
        REQUIRE(brute.predict(Q) == tree.predict(Q));
        KNeighborsRegressor rbrute({.n_neighbors = k, .weights = w, .p = p, .algorithm = KnnAlgorithm::brute});
        KNeighborsRegressor rtree({.n_neighbors = k, .weights = w, .p = p, .algorithm = KnnAlgorithm::kd_tree});
        rbrute.fit(X, y);
        rtree.fit(X, y);
        REQUIRE(rbrute.predict(Q) == rtree.predict(Q));
        REQUIRE(rbrute.predict_std(Q) == rtree.predict_std(Q));
    }
}

}  // namespace

TEST_CASE("KNeighbors with a k-d tree finds exactly the brute-force neighbours on real data", "[models][knn]") {
    // standardised iris, wine, breast cancer (30 features: the tree degrades but stays exact)
    for (const char* file : {"iris.csv", "wine_data.csv", "breast_cancer.csv"}) {
        INFO(file);
        const auto d = metalearn::test::sklearn_split(file, true);
        for (const int p : {1, 2})
            for (const Index k : {Index{1}, Index{5}, Index{40}}) require_tree_equals_brute(d.Xtr, d.ytr, d.Xte, k, p, true);
    }
    // digits: integer pixels 0..16, many equal distances; all 64 features and the 8 pixels of the
    // second image row (many exact duplicate rows)
    const auto digits = metalearn::test::sklearn_split("digits.csv.gz", false);
    for (const int p : {1, 2}) {
        require_tree_equals_brute(digits.Xtr, digits.ytr, digits.Xte, 5, p, true);
        const Matrix Xr = digits.Xtr.middleCols(8, 8);
        const Matrix Qr = digits.Xte.middleCols(8, 8);
        for (const Index k : {Index{1}, Index{7}, Index{45}}) require_tree_equals_brute(Xr, digits.ytr, Qr, k, p, true);
    }
    // PMLB 1028_SWD (1000 rows, 10 integer-valued features: tie-heavy) and magic (19,020 rows, 10
    // real features; a 6,000-row sample, standardised as the benchmarks use it), when present
    const auto pmlb = metalearn::test::pmlb_dir();
    const Matrix swd = read_pmlb_table(pmlb.empty() ? pmlb : pmlb / "1028_SWD" / "1028_SWD.tsv.gz");
    if (swd.size() == 0) {
        WARN("PMLB 1028_SWD not found; skipping it");
    } else {
        const auto s = metalearn::test::split3(swd.leftCols(swd.cols() - 1), swd.col(swd.cols() - 1));
        for (const int p : {1, 2})
            for (const Index k : {Index{1}, Index{5}, Index{50}}) require_tree_equals_brute(s.Xtr, s.ytr, s.Xte, k, p, true);
    }
    const Matrix magic =
        read_pmlb_table(pmlb.empty() ? pmlb : pmlb.parent_path() / "pmlb_extra" / "magic" / "magic.tsv.gz");
    if (magic.size() == 0) {
        WARN("pmlb_extra magic not found; skipping it");
    } else {
        const Matrix Z = metalearn::test::standardize(magic.topRows(6000).leftCols(magic.cols() - 1));
        const auto s = metalearn::test::split3(Z, magic.topRows(6000).col(magic.cols() - 1));
        for (const int p : {1, 2})
            for (const Index k : {Index{1}, Index{5}, Index{33}}) require_tree_equals_brute(s.Xtr, s.ytr, s.Xte, k, p, false);
        // the raw, unscaled features too (norms up to ~10⁵: the filter of brute force is wider)
        const auto r = metalearn::test::split3(magic.topRows(3000).leftCols(magic.cols() - 1),
                                               magic.topRows(3000).col(magic.cols() - 1));
        require_tree_equals_brute(r.Xtr, r.ytr, r.Xte, 5, 2, true);
    }
}

TEST_CASE("KNeighbors with a k-d tree equals brute force on tie-heavy data, large k and degenerate shapes",
          "[models][knn]") {
    metalearn::Rng rng(11);
    // integer features in {0, 1, 2, 3}: 3 features give 64 distinct points among 600 rows, so
    // nearly every distance is shared by many rows and the index decides; scaled by 0.1 the
    // coordinates are inexact binary fractions
    Matrix G(600, 3);
    for (Index i = 0; i < G.size(); ++i) G.data()[i] = static_cast<double>(rng.uniform_int(0, 3));
    Vector y(600);
    for (Index i = 0; i < 600; ++i) y[i] = static_cast<double>(rng.uniform_int(0, 2));
    Matrix Qg(150, 3);
    for (Index i = 0; i < Qg.size(); ++i) Qg.data()[i] = static_cast<double>(rng.uniform_int(-1, 4));
    for (const double scale : {1.0, 0.1})
        for (const int p : {1, 2})
            for (const Index k : {Index{1}, Index{5}, Index{33}, Index{64}, Index{150}, Index{599}, Index{600}})
                require_tree_equals_brute(G * scale, y, Qg * scale, k, p, true);
    // the training rows themselves as queries (distance 0 to at least one row)
    require_tree_equals_brute(G, y, G, 9, 2, true);

    // 1-D data with duplicates
    Matrix X1(300, 1);
    for (Index i = 0; i < 300; ++i) X1(i, 0) = static_cast<double>(rng.uniform_int(0, 40)) * 0.25;
    const Vector y1 = y.head(300);
    Matrix Q1(60, 1);
    for (Index i = 0; i < 60; ++i) Q1(i, 0) = static_cast<double>(rng.uniform_int(-4, 44)) * 0.25;
    for (const int p : {1, 2})
        for (const Index k : {Index{1}, Index{5}, Index{40}, Index{299}}) require_tree_equals_brute(X1, y1, Q1, k, p, true);

    // a constant column next to normal ones, and a training set of identical rows
    Matrix Xc(400, 4);
    for (Index i = 0; i < 400; ++i) {
        Xc(i, 0) = rng.normal();
        Xc(i, 1) = 3.5;
        Xc(i, 2) = rng.normal();
        Xc(i, 3) = static_cast<double>(rng.uniform_int(0, 2));
    }
    const Vector yc = y.head(400);
    Matrix Qc(80, 4);
    for (Index i = 0; i < Qc.size(); ++i) Qc.data()[i] = rng.normal();
    for (const int p : {1, 2})
        for (const Index k : {Index{3}, Index{50}, Index{399}}) require_tree_equals_brute(Xc, yc, Qc, k, p, true);
    const Matrix same = Matrix::Constant(100, 2, -1.25);
    for (const int p : {1, 2})
        for (const Index k : {Index{1}, Index{40}, Index{99}})
            require_tree_equals_brute(same, y.head(100), Qc.leftCols(2), k, p, true);
    // fewer rows than a leaf holds
    require_tree_equals_brute(G.topRows(10), y.head(10), Qg.topRows(5), 9, 2, true);
}

TEST_CASE("KNeighbors chooses the k-d tree for few features and keeps brute force for wide data",
          "[models][knn]") {
    metalearn::Rng rng(5);
    Matrix narrow(500, 10), wide(500, 16);
    for (Index i = 0; i < narrow.size(); ++i) narrow.data()[i] = rng.normal();
    for (Index i = 0; i < wide.size(); ++i) wide.data()[i] = rng.normal();
    const Vector y = Vector::Zero(500);
    KNeighborsClassifier knn;  // algorithm automatic
    knn.fit(narrow, y);
    REQUIRE(knn.uses_kd_tree());
    knn.fit(wide, y);
    REQUIRE_FALSE(knn.uses_kd_tree());
    knn.fit(narrow.topRows(40), y.head(40));  // too few rows to pay
    REQUIRE_FALSE(knn.uses_kd_tree());
    knn.set_params({.n_neighbors = 250});  // k ≥ n / 2
    knn.fit(narrow, y);
    REQUIRE_FALSE(knn.uses_kd_tree());
    KNeighborsRegressor reg({.algorithm = KnnAlgorithm::kd_tree});
    reg.fit(wide, y);
    REQUIRE(reg.uses_kd_tree());
    reg.set_params({.algorithm = KnnAlgorithm::brute});
    reg.fit(narrow, y);
    REQUIRE_FALSE(reg.uses_kd_tree());
    REQUIRE_THROWS_WITH(knn.set_params({.algorithm = static_cast<KnnAlgorithm>(7)}),
                        Catch::Contains("unknown algorithm") && Catch::Contains("KNeighborsClassifier::set_params()"));
    REQUIRE_THROWS_AS(reg.set_params({.algorithm = static_cast<KnnAlgorithm>(-1)}), metalearn::ConfigError);
}
