// Ridge against the normal equations solved in the test; LogisticRegression against
// scikit-learn 1.2 (values from tests/reference/models_reference.py).
#include <metalearn/models/detail/sparse_rows.hpp>
#include <metalearn/models/logistic_regression.hpp>
#include <metalearn/models/ridge.hpp>

#include "model_test_data.hpp"
#include "reference_values.hpp"

#include <cstdint>
#include <limits>
#include <vector>

using metalearn::DataError;
using metalearn::Index;
using metalearn::Matrix;
using metalearn::RowVector;
using metalearn::Vector;
using metalearn::models::LogisticRegression;
using metalearn::models::Ridge;
using metalearn::test::approx_matrix;
using metalearn::test::as_matrix;
using metalearn::test::ref_rows;
namespace ref = metalearn::test::ref;

namespace {
// Closed form with an explicit column of ones: [w; b] = (AᵀA + α diag(1..1, 0))⁻¹ Aᵀy, A = [X 1].
Vector normal_equations(const Matrix& X, const Vector& y, double alpha) {
    Matrix A(X.rows(), X.cols() + 1);
    A << X, Vector::Ones(X.rows());
    Matrix M = A.transpose() * A;
    M.diagonal().head(X.cols()).array() += alpha;
    return M.fullPivLu().solve(A.transpose() * y);
}
}  // namespace

TEST_CASE("Ridge equals the normal-equations solution on real data, for p < n and p > n", "[models][ridge]") {
    // wine: predict the last feature (proline) from the others; rel 1e-8
    const auto d = metalearn::test::load_sklearn_csv(metalearn::test::data_file("sklearn/wine_data.csv"));
    const Matrix X = d.X.leftCols(12);
    const Vector y = d.X.col(12);
    for (double alpha : {1e-6, 1.0, 100.0}) {
        Ridge r({.alpha = alpha});
        r.fit(X, y);
        const Vector sol = normal_equations(X, y, alpha);
        REQUIRE_THAT(r.coef(), approx_matrix(sol.head(12), 1e-8, 1e-10));
        REQUIRE(r.intercept() == Approx(sol[12]).epsilon(1e-8));
        REQUIRE_THAT(r.predict(X), approx_matrix(Vector(X * sol.head(12) + Vector::Constant(X.rows(), sol[12])), 1e-8));
    }
    // p > n (dual path): 10 rows of wine, all 13 features + 20 random ones
    metalearn::Rng rng(2);
    Matrix Xw(10, 33);
    Xw.leftCols(13) = d.X.topRows(10);
    for (Index i = 0; i < 10; ++i)
        for (Index j = 13; j < 33; ++j) Xw(i, j) = rng.normal();
    const Vector yw = d.y.head(10);
    Ridge wide({.alpha = 0.5});
    wide.fit(Xw, yw);
    const Vector sol = normal_equations(Xw, yw, 0.5);
    REQUIRE_THAT(wide.coef(), approx_matrix(sol.head(33), 1e-7, 1e-10));
    REQUIRE(wide.intercept() == Approx(sol[33]).epsilon(1e-7));
    // without intercept: w = (XᵀX + αI)⁻¹Xᵀy
    Ridge noint({.alpha = 2.0, .fit_intercept = false});
    noint.fit(X, y);
    Matrix M = X.transpose() * X;
    M.diagonal().array() += 2.0;
    REQUIRE_THAT(noint.coef(), approx_matrix(Vector(M.ldlt().solve(X.transpose() * y)), 1e-8));
    REQUIRE(noint.intercept() == 0.0);
}

TEST_CASE("Ridge gives a constant column coefficient 0", "[models][ridge]") {
    Matrix X(5, 2);
    X << 1, 3, 2, 3, 3, 3, 4, 3, 5, 3;
    const Vector y = (Vector(5) << 2, 4, 6, 8, 10).finished();
    Ridge r({.alpha = 1e-3});
    r.fit(X, y);
    REQUIRE(r.coef()[1] == 0.0);
    // hand-computed: centred x = -2..2, Σx² = 10, Σxy = 20 → w = 20 / (10 + 1e-3)
    REQUIRE(r.coef()[0] == Approx(20.0 / 10.001).epsilon(1e-12));
}

TEST_CASE("Ridge rejects bad input", "[models][ridge][errors]") {
    Ridge r;
    REQUIRE_THROWS_AS(r.predict(Matrix::Zero(1, 2)), metalearn::NotFitted);
    REQUIRE_THROWS_AS(r.set_params({.alpha = -1.0}), metalearn::ConfigError);
    REQUIRE_THROWS_AS(r.set_params({.alpha = std::numeric_limits<double>::infinity()}), metalearn::ConfigError);
    Matrix X = Matrix::Random(5, 2);
    Vector y = Vector::Random(5);
    y[0] = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_AS(r.fit(X, y), DataError);
    REQUIRE_THROWS_AS(r.fit(X, Vector::Zero(3)), DataError);
    r.fit(X, Vector::Random(5));
    REQUIRE_THROWS_AS(r.predict(Matrix::Zero(1, 3)), DataError);
}

TEST_CASE("Ridge with alpha = 0 and a duplicated column returns a least-squares solution", "[models][ridge]") {
    // Every least-squares solution has the same fitted values: compare with OLS on one copy.
    metalearn::Rng rng(4);
    Matrix X(8, 2);
    for (Index i = 0; i < X.size(); ++i) X.data()[i] = rng.normal();
    Vector y(8);
    for (Index i = 0; i < 8; ++i) y[i] = rng.normal();
    Matrix D(8, 3);
    D << X, X.col(0);
    Ridge ols({.alpha = 0.0});
    ols.fit(D, y);
    Ridge ref_fit({.alpha = 0.0});
    ref_fit.fit(X, y);
    REQUIRE(ols.coef().allFinite());
    REQUIRE_THAT(ols.predict(D), approx_matrix(ref_fit.predict(X), 1e-8, 1e-10));
}

TEST_CASE("LogisticRegression matches scikit-learn (lbfgs, multinomial) on standardised iris, wine and breast cancer",
          "[models][logistic_regression]") {
    // The reference ran to tol = 1e-10 but scikit-learn's L-BFGS-B also stops on a relative
    // decrease of 2.2e-9, so it is not at the exact optimum: coefficients agree to abs 2e-3,
    // probabilities to abs 1e-4 (the exact optimum is checked by the stationarity test below).
    struct Case {
        const char* file;
        const std::vector<double>& coef;
        const std::vector<double>& intercept;
        const std::vector<double>& proba;
        double accuracy;
        Index k;
    };
    const Case cases[] = {
        {"iris.csv", ref::iris_lr_coef, ref::iris_lr_intercept, ref::iris_lr_proba, ref::iris_lr_accuracy, 3},
        {"wine_data.csv", ref::wine_lr_coef, ref::wine_lr_intercept, ref::wine_lr_proba, ref::wine_lr_accuracy, 3},
        {"breast_cancer.csv", ref::cancer_lr_coef, ref::cancer_lr_intercept, ref::cancer_lr_proba,
         ref::cancer_lr_accuracy, 2}};
    for (const auto& c : cases) {
        INFO(c.file);
        const auto d = metalearn::test::sklearn_split(c.file, true);
        LogisticRegression lr({.C = 0.5, .tol = 1e-8, .max_iter = 10000});
        lr.fit(d.Xtr, d.ytr);
        REQUIRE(lr.converged());
        // scikit-learn reports w1 - w0 in the binary case
        const Matrix coef = c.k == 2 ? Matrix(lr.coef().row(1) - lr.coef().row(0)) : lr.coef();
        const Vector icpt = c.k == 2 ? Vector::Constant(1, lr.intercept()[1] - lr.intercept()[0]) : lr.intercept();
        REQUIRE_THAT(coef, approx_matrix(as_matrix(c.coef, coef.rows()), 0.0, 2e-3));
        REQUIRE_THAT(icpt, approx_matrix(as_matrix(c.intercept, icpt.size()), 0.0, 2e-3));
        const Matrix P = lr.predict_proba(d.Xte);
        REQUIRE((P.rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-12);
        REQUIRE_THAT(ref_rows(P), approx_matrix(as_matrix(c.proba, 6), 0.0, 1e-4));
        REQUIRE(metalearn::test::accuracy(lr.predict(d.Xte), d.yte) == Approx(c.accuracy).margin(1e-12));
    }
}

TEST_CASE("LogisticRegression reaches a stationary point of its objective", "[models][logistic_regression]") {
    // Gradient of Σ log-loss + ‖W‖²/(2C), computed in the test, vanishes at the solution.
    const auto d = metalearn::test::sklearn_split("wine_data.csv", true);
    LogisticRegression lr({.C = 2.0, .tol = 1e-8, .max_iter = 1000});
    lr.fit(d.Xtr, d.ytr);
    INFO("n_iter " << lr.n_iter() << " converged " << lr.converged());
    REQUIRE(lr.converged());
    const Matrix P = lr.predict_proba(d.Xtr);
    Matrix Y = Matrix::Zero(d.Xtr.rows(), 3);
    for (Index i = 0; i < d.Xtr.rows(); ++i) Y(i, static_cast<Index>(d.ytr[i])) = 1.0;
    const Matrix gW = (P - Y).transpose() * d.Xtr + lr.coef() / 2.0;
    const Vector gb = (P - Y).colwise().sum().transpose();
    REQUIRE(gW.cwiseAbs().maxCoeff() < 1e-5);
    REQUIRE(gb.cwiseAbs().maxCoeff() < 1e-5);
}

TEST_CASE("LogisticRegression on mostly-zero data (compressed rows) finds the dense data's optimum", "[models][logistic_regression]") {
    // Appending all-zero columns changes nothing in exact arithmetic: their gradient is always 0,
    // so every L-BFGS iterate keeps them at 0 and the other coefficients follow the same path.
    // With 60 such columns more than 75 % of X is zero and the products run in compressed rows;
    // the results may differ from the dense fit only by rounding.
    for (const bool binary : {false, true}) {
        INFO((binary ? "breast cancer (2 classes, binomial loss)" : "wine (3 classes, softmax)"));
        const auto d = metalearn::test::sklearn_split(binary ? "breast_cancer.csv" : "wine_data.csv", true);
        const Index p = d.Xtr.cols();
        Matrix Xz = Matrix::Zero(d.Xtr.rows(), p + 4 * p);
        Xz.leftCols(p) = d.Xtr;
        REQUIRE(metalearn::models::detail::SparseRows::if_sparse(Xz, 0.25).has_value());
        REQUIRE_FALSE(metalearn::models::detail::SparseRows::if_sparse(d.Xtr, 0.25).has_value());
        LogisticRegression dense({.C = 0.5, .tol = 1e-10, .max_iter = 2000});
        LogisticRegression sparse({.C = 0.5, .tol = 1e-10, .max_iter = 2000});
        dense.fit(d.Xtr, d.ytr);
        sparse.fit(Xz, d.ytr);
        CHECK((sparse.coef().leftCols(p) - dense.coef()).cwiseAbs().maxCoeff() < 1e-7);
        CHECK(sparse.coef().rightCols(4 * p).cwiseAbs().maxCoeff() == 0.0);
        CHECK((sparse.intercept() - dense.intercept()).cwiseAbs().maxCoeff() < 1e-7);
        CHECK(std::abs(sparse.objective() - dense.objective()) < 1e-9 * std::abs(dense.objective()));
    }
}

TEST_CASE("SparseRows: products equal the dense ones on a hand example", "[models][logistic_regression]") {
    // X = [[0 2 0], [1 0 0], [0 0 0], [0 3 4]]: 4 nonzeros of 12.
    Matrix X = Matrix::Zero(4, 3);
    X(0, 1) = 2;
    X(1, 0) = 1;
    X(3, 1) = 3;
    X(3, 2) = 4;
    const auto S = metalearn::models::detail::SparseRows::if_sparse(X, 0.34);
    REQUIRE(S.has_value());
    CHECK(S->start == std::vector<Index>{0, 1, 2, 2, 4});
    CHECK(S->column == std::vector<std::int32_t>{1, 0, 1, 2});
    CHECK(S->value == std::vector<double>{2, 1, 3, 4});
    const Vector w = (Vector(3) << 1, -1, 0.5).finished();
    Vector out(4);
    S->times(w.data(), out.data());
    CHECK(out == (Vector(4) << -2, 1, 0, -1).finished());  // X·w by hand
    const Vector g = (Vector(4) << 1, 2, 3, -1).finished();
    Vector outT(3);
    S->transposed_times(g.data(), outT.data());
    CHECK(outT == (Vector(3) << 2, -1, -4).finished());  // Xᵀ·g by hand
    CHECK_FALSE(metalearn::models::detail::SparseRows::if_sparse(X, 0.33).has_value());  // 4/12 > 0.33
}

TEST_CASE("LogisticRegression reports non-convergence and keeps absent classes at 0", "[models][logistic_regression]") {
    const auto d = metalearn::test::sklearn_split("breast_cancer.csv", false);  // unscaled: slow
    LogisticRegression lr({.C = 1.0, .tol = 1e-4, .max_iter = 3});
    lr.fit(d.Xtr, d.ytr);
    REQUIRE_FALSE(lr.converged());
    REQUIRE(lr.n_iter() == 3);
    REQUIRE(lr.predict_proba(d.Xte).allFinite());

    const auto w = metalearn::test::sklearn_split("wine_data.csv", true);
    LogisticRegression wide;
    wide.fit(w.Xtr, w.ytr, 5);
    const Matrix P = wide.predict_proba(w.Xte);
    REQUIRE(P.cols() == 5);
    REQUIRE(P.col(3).maxCoeff() == 0.0);
    REQUIRE(P.col(4).maxCoeff() == 0.0);
    REQUIRE((P.rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-12);
    // a constant column does not disturb the fit (its coefficient stays 0)
    Matrix Xc(w.Xtr.rows(), w.Xtr.cols() + 1);
    Xc << w.Xtr, Vector::Constant(w.Xtr.rows(), 3.0);
    LogisticRegression withc({.C = 1.0, .tol = 1e-8, .max_iter = 1000});
    withc.fit(Xc, w.ytr);
    REQUIRE(withc.predict_proba(Xc).allFinite());
    REQUIRE(withc.coef().col(13).cwiseAbs().maxCoeff() < 1e-3);
}

TEST_CASE("LogisticRegression rejects bad input", "[models][logistic_regression][errors]") {
    LogisticRegression lr;
    REQUIRE_THROWS_AS(lr.predict(Matrix::Zero(1, 2)), metalearn::NotFitted);
    REQUIRE_THROWS_AS(lr.set_params({.C = 0.0}), metalearn::ConfigError);
    REQUIRE_THROWS_AS(lr.set_params({.C = 1.0, .tol = -1.0}), metalearn::ConfigError);
    REQUIRE_THROWS_AS(lr.set_params({.C = 1.0, .tol = 1e-4, .max_iter = 0}), metalearn::ConfigError);
    const Matrix X = Matrix::Random(6, 2);
    REQUIRE_THROWS_WITH(lr.fit(X, Vector::Zero(6)), Catch::Contains("LogisticRegression::fit(): needs samples of at least two classes"));
    Matrix bad = X;
    bad(3, 1) = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_AS(lr.fit(bad, (Vector(6) << 0, 1, 0, 1, 0, 1).finished()), DataError);
    lr.fit(X, (Vector(6) << 0, 1, 0, 1, 0, 1).finished());
    REQUIRE_THROWS_AS(lr.predict_proba(Matrix::Zero(1, 5)), DataError);
}
