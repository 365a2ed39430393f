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
