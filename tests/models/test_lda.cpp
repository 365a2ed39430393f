// LinearDiscriminantAnalysis against scikit-learn 1.2 (solver "svd"; values from
// tests/reference/models_reference.py).
#include <metalearn/models/lda.hpp>

#include "model_test_data.hpp"
#include "reference_values.hpp"

using metalearn::DataError;
using metalearn::Index;
using metalearn::Matrix;
using metalearn::Vector;
using metalearn::models::LinearDiscriminantAnalysis;
using metalearn::test::approx_matrix;
using metalearn::test::as_matrix;
using metalearn::test::ref_rows;
namespace ref = metalearn::test::ref;

TEST_CASE("LinearDiscriminantAnalysis matches scikit-learn's svd solver on iris, wine and breast cancer", "[models][lda]") {
    struct Case {
        const char* file;
        const std::vector<double>& proba;
        double accuracy;
    };
    const Case cases[] = {{"iris.csv", ref::iris_lda_proba, ref::iris_lda_accuracy},
                          {"wine_data.csv", ref::wine_lda_proba, ref::wine_lda_accuracy},
                          {"breast_cancer.csv", ref::cancer_lda_proba, ref::cancer_lda_accuracy}};
    for (const auto& c : cases) {
        INFO(c.file);
        const auto d = metalearn::test::sklearn_split(c.file, false);
        LinearDiscriminantAnalysis lda;
        lda.fit(d.Xtr, d.ytr);
        const Matrix P = lda.predict_proba(d.Xte);
        REQUIRE((P.rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-12);
        // probabilities: abs 1e-7 (same model, different factorisation order)
        REQUIRE_THAT(ref_rows(P), approx_matrix(as_matrix(c.proba, 6), 0.0, 1e-7));
        REQUIRE(metalearn::test::accuracy(lda.predict(d.Xte), d.yte) == Approx(c.accuracy).margin(1e-12));
    }
}

TEST_CASE("LinearDiscriminantAnalysis ignores constant and duplicated columns", "[models][lda]") {
    // The pseudo-inverse drops the null directions, so the posterior is unchanged.
    const auto d = metalearn::test::sklearn_split("iris.csv", false);
    LinearDiscriminantAnalysis base;
    base.fit(d.Xtr, d.ytr);
    auto widen = [](const Matrix& X) {
        Matrix W(X.rows(), X.cols() + 2);
        W << X, Vector::Constant(X.rows(), 7.0), X.col(0);
        return W;
    };
    LinearDiscriminantAnalysis wide;
    wide.fit(widen(d.Xtr), d.ytr);
    REQUIRE(wide.rank() == 4);
    REQUIRE_THAT(wide.predict_proba(widen(d.Xte)), approx_matrix(base.predict_proba(d.Xte), 0.0, 1e-8));
}

TEST_CASE("LinearDiscriminantAnalysis on wide data (fewer rows than columns) matches scikit-learn", "[models][lda]") {
    // X(i, j) = sin(0.7 i + 1.3 j) + 0.1 i [j mod 3 = 0], y = i mod 3, 12 rows × 20 columns; train on
    // rows 0–8 (n = 9 < p = 20: the Gram-matrix route), predict rows 9–11. Reference: scikit-learn
    // 1.2.1 LinearDiscriminantAnalysis() (solver "svd").
    Matrix X(12, 20);
    Vector y(12);
    for (Index i = 0; i < 12; ++i) {
        y[i] = static_cast<double>(i % 3);
        for (Index j = 0; j < 20; ++j)
            X(i, j) = std::sin(0.7 * static_cast<double>(i) + 1.3 * static_cast<double>(j)) +
                      (j % 3 == 0 ? 0.1 * static_cast<double>(i) : 0.0);
    }
    LinearDiscriminantAnalysis lda;
    lda.fit(X.topRows(9), y.head(9));
    Matrix expected(3, 3);
    expected << 0.008699955468094364, 0.10650334648957953, 0.8847966980423262,  //
        0.0013547390263776648, 0.04364326398113694, 0.9550019969924853,         //
        0.0004996825595169559, 0.026732651976917043, 0.972767665463566;
    REQUIRE_THAT(lda.predict_proba(X.bottomRows(3)), approx_matrix(expected, 0.0, 1e-7));
    // the covariance route (forced by a negligible shrinkage) gives the same posterior
    LinearDiscriminantAnalysis cov({.shrinkage = 1e-13});
    cov.fit(X.topRows(9), y.head(9));
    REQUIRE(cov.rank() == lda.rank());
    REQUIRE_THAT(cov.predict_proba(X.bottomRows(3)), approx_matrix(lda.predict_proba(X.bottomRows(3)), 0.0, 1e-8));
}

TEST_CASE("LinearDiscriminantAnalysis shrinkage keeps probabilities valid and absent classes at 0", "[models][lda]") {
    const auto d = metalearn::test::sklearn_split("wine_data.csv", false);
    LinearDiscriminantAnalysis lda({.shrinkage = 0.5});
    lda.fit(d.Xtr, d.ytr, 5);
    const Matrix P = lda.predict_proba(d.Xte);
    REQUIRE(P.cols() == 5);
    REQUIRE(P.allFinite());
    REQUIRE(P.col(3).maxCoeff() == 0.0);
    REQUIRE(P.col(4).maxCoeff() == 0.0);
    REQUIRE(metalearn::test::accuracy(lda.predict(d.Xte), d.yte) > 0.9);
}

TEST_CASE("LinearDiscriminantAnalysis rejects bad input", "[models][lda][errors]") {
    LinearDiscriminantAnalysis lda;
    const Matrix X = Matrix::Random(6, 2);
    REQUIRE_THROWS_AS(lda.predict(X), metalearn::NotFitted);
    REQUIRE_THROWS_AS(lda.set_params({.shrinkage = 1.5}), metalearn::ConfigError);
    REQUIRE_THROWS_AS(lda.set_params({.shrinkage = 0.0, .tol = 0.0}), metalearn::ConfigError);
    REQUIRE_THROWS_WITH(lda.fit(X, Vector::Ones(6)), Catch::Contains("at least two classes"));
    Matrix bad = X;
    bad(0, 0) = std::numeric_limits<double>::infinity();
    REQUIRE_THROWS_AS(lda.fit(bad, (Vector(6) << 0, 1, 0, 1, 0, 1).finished()), DataError);
    lda.fit(X, (Vector(6) << 0, 1, 0, 1, 0, 1).finished());
    REQUIRE_THROWS_AS(lda.predict_proba(Matrix::Zero(1, 3)), DataError);
    // all-constant data: no usable direction, priors decide (hand-computed: 1/2 each)
    lda.fit(Matrix::Ones(6, 2), (Vector(6) << 0, 1, 0, 1, 0, 1).finished());
    REQUIRE(lda.predict_proba(Matrix::Ones(1, 2))(0, 0) == Approx(0.5));
}
