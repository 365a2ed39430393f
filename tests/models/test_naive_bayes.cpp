// GaussianNaiveBayes against scikit-learn 1.2 (values from tests/reference/models_reference.py).
#include <metalearn/models/naive_bayes.hpp>

#include "model_test_data.hpp"
#include "reference_values.hpp"

using metalearn::DataError;
using metalearn::Index;
using metalearn::Matrix;
using metalearn::Vector;
using metalearn::models::GaussianNaiveBayes;
using metalearn::test::approx_matrix;
using metalearn::test::as_matrix;
using metalearn::test::ref_rows;
namespace ref = metalearn::test::ref;

TEST_CASE("GaussianNaiveBayes matches scikit-learn's GaussianNB on iris, wine and breast cancer", "[models][naive_bayes]") {
    struct Case {
        const char* file;
        const std::vector<double>& theta;
        const std::vector<double>& var;
        const std::vector<double>& proba;
        double accuracy;
        Index k;
    };
    const Case cases[] = {{"iris.csv", ref::iris_nb_theta, ref::iris_nb_var, ref::iris_nb_proba, ref::iris_nb_accuracy, 3},
                          {"wine_data.csv", ref::wine_nb_theta, ref::wine_nb_var, ref::wine_nb_proba, ref::wine_nb_accuracy, 3},
                          {"breast_cancer.csv", ref::cancer_nb_theta, ref::cancer_nb_var, ref::cancer_nb_proba,
                           ref::cancer_nb_accuracy, 2}};
    for (const auto& c : cases) {
        INFO(c.file);
        const auto d = metalearn::test::sklearn_split(c.file, false);
        GaussianNaiveBayes nb;
        nb.fit(d.Xtr, d.ytr);
        // means and variances: same formulas, rounding only (rel 1e-10)
        REQUIRE_THAT(nb.theta(), approx_matrix(as_matrix(c.theta, c.k), 1e-10));
        REQUIRE_THAT(nb.var(), approx_matrix(as_matrix(c.var, c.k), 1e-10));
        const Matrix P = nb.predict_proba(d.Xte);
        REQUIRE((P.rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-12);
        // probabilities: abs 1e-9
        REQUIRE_THAT(ref_rows(P), approx_matrix(as_matrix(c.proba, 6), 0.0, 1e-9));
        REQUIRE(metalearn::test::accuracy(nb.predict(d.Xte), d.yte) == Approx(c.accuracy).margin(1e-12));
    }
}

TEST_CASE("GaussianNaiveBayes keeps the declared width and gives absent classes probability 0", "[models][naive_bayes]") {
    const Matrix X = (Matrix(4, 1) << 0.0, 1.0, 10.0, 11.0).finished();
    const Vector y = (Vector(4) << 0, 0, 2, 2).finished();
    GaussianNaiveBayes nb;
    nb.fit(X, y, 4);
    const Matrix P = nb.predict_proba((Matrix(2, 1) << 0.5, 10.5).finished());
    REQUIRE(P.cols() == 4);
    REQUIRE(P(0, 1) == 0.0);
    REQUIRE(P(0, 3) == 0.0);
    REQUIRE(P(0, 0) > 0.99);
    REQUIRE(P(1, 2) > 0.99);
    REQUIRE(nb.class_prior()[1] == 0.0);
}

TEST_CASE("GaussianNaiveBayes handles constant columns and a single class", "[models][naive_bayes]") {
    // hand-computed: all columns constant → ε = var_smoothing, probabilities from the priors only
    const Matrix X = Matrix::Constant(6, 2, 3.0);
    const Vector y = (Vector(6) << 0, 0, 0, 0, 1, 1).finished();
    GaussianNaiveBayes nb;
    nb.fit(X, y);
    const Matrix P = nb.predict_proba(X);
    REQUIRE(P.allFinite());
    REQUIRE(P(0, 0) == Approx(4.0 / 6.0));
    nb.fit(X, Vector::Zero(6));
    REQUIRE(nb.predict(X) == Vector::Zero(6));
}

TEST_CASE("GaussianNaiveBayes rejects bad input", "[models][naive_bayes][errors]") {
    GaussianNaiveBayes nb;
    const Matrix X = Matrix::Random(5, 2);
    const Vector y = (Vector(5) << 0, 1, 0, 1, 0).finished();
    REQUIRE_THROWS_AS(nb.predict(X), metalearn::NotFitted);
    REQUIRE_THROWS_AS(nb.set_params({.var_smoothing = 0.0}), metalearn::ConfigError);
    REQUIRE_THROWS_AS(nb.set_params({.var_smoothing = -1.0}), metalearn::ConfigError);
    Matrix bad = X;
    bad(2, 1) = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_AS(nb.fit(bad, y), DataError);
    REQUIRE_THROWS_WITH(nb.fit(X, Vector::Zero(4)), Catch::Contains("GaussianNaiveBayes::fit(): y has the wrong length"));
    REQUIRE_THROWS_AS(nb.fit(X, (Vector(5) << 0, 1, 0.5, 1, 0).finished()), DataError);
    REQUIRE_THROWS_AS(nb.fit(X, (Vector(5) << 0, 1, -1, 1, 0).finished()), DataError);
    REQUIRE_THROWS_AS(nb.fit(X, (Vector(5) << 0, 1, 2, 1, 0).finished(), 2), DataError);
    REQUIRE_THROWS_AS(nb.fit(Matrix(0, 2), Vector(0)), DataError);
    nb.fit(X, y);
    REQUIRE_THROWS_WITH(nb.predict(Matrix::Zero(2, 3)), Catch::Contains("expected 2 as in fit, got 3"));
}

TEST_CASE("GaussianNaiveBayes refuses overflowing statistics and rows of zero likelihood", "[models][naive_bayes][errors]") {
    using metalearn::NumericalError;
    // variance of ±1e200 is 1e400: beyond double range
    Matrix X(4, 1);
    X << 1e200, -1e200, 1e200, -1e200;
    Vector y(4);
    y << 0, 0, 1, 1;
    GaussianNaiveBayes nb;
    REQUIRE_THROWS_AS(nb.fit(X, y), NumericalError);
    REQUIRE_THROWS_WITH(nb.fit(X, y), Catch::Contains("variance of class 0 on column 0 overflows"));
    CHECK_FALSE(nb.is_fitted());
    // the mean of 1.7e308 and 1.7e308 is finite, but their sum is not
    X << 1.7e308, 1.7e308, 1.0, 2.0;
    REQUIRE_THROWS_WITH(nb.fit(X, y), Catch::Contains("mean of class 0 on column 0 overflows"));
    // fitted on small values, a row at 1e160 has (x − θ)²/σ² = +inf under both classes
    X << 0.0, 1.0, 2.0, 3.0;
    nb.fit(X, y);
    Matrix far(2, 1);
    far << 0.5, 1e160;
    CHECK_THROWS_AS(nb.predict_proba(far), NumericalError);
    CHECK_THROWS_WITH(nb.predict(far), Catch::Contains("row 1 has likelihood 0"));
    // the near row alone is fine: class 0 (mean 0.5) against class 1 (mean 2.5), equal variances
    CHECK(nb.predict(far.topRows(1))[0] == 0.0);
}
