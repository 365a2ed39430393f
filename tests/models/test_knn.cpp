// k-nearest neighbours against scikit-learn 1.2 (values from tests/reference/models_reference.py)
// and against a brute-force computation in the test.
#include <metalearn/models/knn.hpp>

#include "model_test_data.hpp"
#include "reference_values.hpp"

#include <algorithm>
#include <numeric>

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
