// SVC / SVR against scikit-learn 1.2's SVC and SVR, which run libsvm (values from
// tests/reference/svm_reference.py, pasted into svm_reference_values.hpp), against a hand-solved
// hard-margin problem and closed forms of Platt scaling and pairwise coupling, and their error
// handling, determinism and saved form.
#include <metalearn/models/svm.hpp>

#include "model_test_data.hpp"
#include "svm_reference_values.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

using metalearn::ConfigError;
using metalearn::DataError;
using metalearn::Index;
using metalearn::Matrix;
using metalearn::NotFitted;
using metalearn::ParseError;
using metalearn::Vector;
using metalearn::models::ClassWeight;
using metalearn::models::SVC;
using metalearn::models::SVCParams;
using metalearn::models::SvmKernel;
using metalearn::models::SVR;
using metalearn::models::SVRParams;
namespace svref = metalearn::test::svm_ref;

namespace {

const metalearn::test::Split& svm_digits() {
    static const auto s = metalearn::test::sklearn_split("digits.csv.gz", false);
    return s;
}

/// Rows in exactly one of the two index lists.
std::size_t symmetric_difference(const std::vector<Index>& a, const std::vector<Index>& b) {
    const std::set<Index> sa(a.begin(), a.end());
    const std::set<Index> sb(b.begin(), b.end());
    std::size_t d = 0;
    for (Index i : sa) d += sb.count(i) == 0 ? 1 : 0;
    for (Index i : sb) d += sa.count(i) == 0 ? 1 : 0;
    return d;
}

double max_abs_diff(const Vector& ours, const std::vector<double>& expected) {
    REQUIRE(static_cast<std::size_t>(ours.size()) == expected.size());
    double d = 0.0;
    for (Index i = 0; i < ours.size(); ++i) d = std::max(d, std::abs(ours[i] - expected[static_cast<std::size_t>(i)]));
    return d;
}

Vector flat(const Matrix& M) {  // row-major, as numpy's ravel
    Vector v(M.size());
    for (Index i = 0; i < M.rows(); ++i)
        for (Index j = 0; j < M.cols(); ++j) v[i * M.cols() + j] = M(i, j);
    return v;
}

}  // namespace

TEST_CASE("svc: hard margin on two points by hand", "[svm]") {
    // x = −1 (class 0), x = +1 (class 1), linear kernel, C large: w = 1, b = 0 solves the
    // hard-margin problem; both points are support vectors with α = 1/2 (w = Σ α_t y_t x_t).
    Matrix X(2, 1);
    X << -1, 1;
    Vector y(2);
    y << 0, 1;
    SVC m({.C = 100.0, .kernel = SvmKernel::linear});
    m.fit(X, y);
    CHECK(m.support() == std::vector<Index>{0, 1});
    CHECK_THAT(std::abs(m.dual_coef()(0, 0)), Catch::Matchers::WithinAbs(0.5, 1e-12));
    CHECK_THAT(m.dual_coef()(0, 0) + m.dual_coef()(0, 1), Catch::Matchers::WithinAbs(0.0, 1e-12));
    CHECK_THAT(m.rho()[0], Catch::Matchers::WithinAbs(0.0, 1e-12));
    Matrix Q(3, 1);
    Q << 0.5, -2.0, 0.0;
    const Matrix d = m.decision_function(Q);
    CHECK_THAT(d(0, 0), Catch::Matchers::WithinAbs(0.5, 1e-12));  // binary sign: positive favours class 1
    CHECK_THAT(d(1, 0), Catch::Matchers::WithinAbs(-2.0, 1e-12));
    CHECK(m.predict(Q)[0] == 1.0);
    CHECK(m.predict(Q)[1] == 0.0);
}

TEST_CASE("svc: an RBF so narrow that the kernel matrix is the identity, solved by hand", "[svm]") {
    // With K = I the dual is min ½ Σ α_t² − Σ α_t subject to Σ y_t α_t = 0, 0 ≤ α_t ≤ C: on
    // balanced classes α_t = 1 for every row, and y_t f(x_t) = 1 on these free vectors gives
    // b = 0, so f(x_t) = y_t at each training row. The rows' squared norms are near 6e6 and
    // γ = 1e14: ‖x‖² + ‖x‖² − 2xᵀx, summed in two orders, leaves residues of about 1e-9 on
    // some rows (5 of 6 in the default x86-64 build), which would turn K(x, x) into
    // exp(−γ·residue) = 0 instead of 1 were it computed that way.
    Matrix X(6, 16);
    X << -858.6, 679.9, -757.3, 138.6, -125.9, -962.5, -918.7, -504.2, -812.9, 389.6, -709.3, -93.7, -568.8, -292.2,
        -14.7, 826.6,  //
        531.7, 947.3, -195.3, 105.5, -387.3, 173.2, -450.2, -90.8, 515.3, 635.1, -484.8, 786.1, 436.8, -958.8, -714.6,
        -349.4,  //
        617.9, -202.0, -150.6, -172.6, 574.3, 427.1, -953.8, -368.5, 125.5, 496.3, 219.2, -593.3, 307.3, 325.4, 742.1,
        622.5,  //
        -251.8, -849.6, 521.2, -872.5, 682.1, 385.3, -108.2, -275.3, 32.2, -85.3, 616.7, -367.4, 687.6, -21.4, 80.2,
        652.3,  //
        43.2, -714.8, -395.5, 614.0, -361.0, -957.5, -35.1, -947.9, 11.1, 836.1, -586.1, 851.5, -445.4, -647.9, 980.6,
        385.3,  //
        504.3, -767.6, -828.0, 331.2, -340.9, -276.7, 52.2, -150.5, 639.6, 142.6, 762.2, 601.2, -300.1, 545.5, 793.0,
        571.5;
    Vector y(6);
    y << 0, 1, 0, 1, 0, 1;
    SVC m({.C = 10.0, .gamma = 1e14});
    m.fit(X, y);
    REQUIRE(m.support().size() == 6);
    for (Index t = 0; t < 6; ++t) CHECK_THAT(std::abs(m.dual_coef()(0, t)), Catch::Matchers::WithinAbs(1.0, 1e-9));
    CHECK_THAT(m.rho()[0], Catch::Matchers::WithinAbs(0.0, 1e-9));
    const Matrix d = m.decision_function(X);
    for (Index t = 0; t < 6; ++t) CHECK_THAT(d(t, 0), Catch::Matchers::WithinAbs(y[t] == 1 ? 1.0 : -1.0, 1e-9));
}

TEST_CASE("svc: ten digit classes equal scikit-learn's (libsvm) one-vs-one machines", "[svm]") {
    const auto& s = svm_digits();
    SVC m;
    m.fit(s.Xtr, s.ytr);
    CHECK_THAT(m.gamma(), Catch::Matchers::WithinRel(svref::multi_gamma, 1e-12));
    CHECK(m.n_support() == svref::multi_n_support);
    CHECK(m.support() == svref::multi_support);
    CHECK(max_abs_diff(-m.rho(), svref::multi_intercept) < 1e-5);
    CHECK(max_abs_diff(flat(m.decision_function(s.Xte.topRows(6))), svref::multi_decision) < 1e-5);
    CHECK(metalearn::test::accuracy(m.predict(s.Xte), s.yte) == svref::multi_test_accuracy);
    CHECK(m.converged());
}

TEST_CASE("svc: balanced class weights equal scikit-learn's on an unbalanced binary task", "[svm]") {
    const auto& s = svm_digits();
    const Vector y = (s.ytr.array() == 0.0).cast<double>();
    SVC m({.C = 0.5, .class_weight = ClassWeight::balanced});
    m.fit(s.Xtr, y);
    CHECK(m.n_support() == svref::balanced_n_support);
    CHECK(m.support() == svref::balanced_support);
    CHECK(max_abs_diff(-m.dual_coef().row(0).transpose(), svref::balanced_dual_coef) < 1e-5);  // scikit-learn negates
    CHECK_THAT(m.rho()[0], Catch::Matchers::WithinAbs(svref::balanced_intercept, 1e-5));
    CHECK(max_abs_diff(m.decision_function(s.Xte.topRows(8)).col(0), svref::balanced_decision) < 1e-5);
}

TEST_CASE("svc: linear kernel equals scikit-learn's on standardised breast cancer", "[svm]") {
    const auto s = metalearn::test::sklearn_split("breast_cancer.csv", true);
    SVC m({.C = 0.1, .kernel = SvmKernel::linear, .tol = 1e-6});
    m.fit(s.Xtr, s.ytr);
    CHECK(m.n_support() == svref::linear_n_support);
    CHECK(symmetric_difference(m.support(), svref::linear_support) == 0);
    CHECK(max_abs_diff(-m.dual_coef().row(0).transpose(), svref::linear_dual_coef) < 1e-6);
    CHECK_THAT(m.rho()[0], Catch::Matchers::WithinAbs(svref::linear_intercept, 1e-6));
    const Vector w = -(m.dual_coef() * m.support_vectors()).transpose();  // primal weights, scikit-learn's coef_
    CHECK(max_abs_diff(w, svref::linear_coef) < 1e-6);
    CHECK(max_abs_diff(m.decision_function(s.Xte.topRows(8)).col(0), svref::linear_decision) < 1e-6);
    CHECK(metalearn::test::accuracy(m.predict(s.Xte), s.yte) == svref::linear_test_accuracy);
}

TEST_CASE("svr: equals scikit-learn's epsilon-SVR", "[svm]") {
    const auto& s = svm_digits();
    SVR m({.C = 10.0, .epsilon = 0.5});
    m.fit(s.Xtr, s.ytr);
    CHECK(m.support() == svref::svr_support);
    CHECK_THAT(-m.rho(), Catch::Matchers::WithinAbs(svref::svr_intercept, 1e-4));
    CHECK(max_abs_diff(m.predict(s.Xte.topRows(8)), svref::svr_prediction) < 1e-4);
    const double mse = (m.predict(s.Xte) - s.yte).squaredNorm() / static_cast<double>(s.yte.size());
    CHECK_THAT(mse, Catch::Matchers::WithinRel(svref::svr_test_mse, 1e-4));
}

TEST_CASE("svm: Platt's sigmoid meets its optimality conditions", "[svm]") {
    // At the minimum of the regularised cross-entropy, Σ(t_i − p_i) = 0 and Σ f_i (t_i − p_i) = 0
    // (Lin, Lin & Weng 2007, eq. 6), with t_i = (N₊ + 1)/(N₊ + 2) or 1/(N₋ + 2).
    const std::vector<double> f = {-2.1, -1.3, -0.4, 0.2, -0.7, 0.9, 1.6, 0.1, 2.4, -0.05};
    const std::vector<bool> pos = {false, false, false, false, true, true, true, false, true, true};
    const auto [A, B] = metalearn::models::detail::platt_sigmoid(f, pos);
    double g1 = 0.0;
    double g2 = 0.0;
    for (std::size_t i = 0; i < f.size(); ++i) {
        const double t = pos[i] ? 6.0 / 7.0 : 1.0 / 7.0;  // N₊ = N₋ = 5
        const double p = metalearn::models::detail::platt_probability(f[i], A, B);
        g1 += f[i] * (t - p);
        g2 += t - p;
    }
    CHECK(std::abs(g1) < 1e-5);
    CHECK(std::abs(g2) < 1e-5);
    CHECK(A < 0.0);  // larger decision values are more likely positive
}

TEST_CASE("svm: pairwise coupling recovers consistent class probabilities", "[svm]") {
    // r_ij = p_i / (p_i + p_j) for a true p makes pᵀQp = 0 (Wu, Lin & Weng 2004, method 2).
    const std::vector<double> truth = {0.5, 0.3, 0.15, 0.05};
    Matrix r = Matrix::Zero(4, 4);
    for (Index i = 0; i < 4; ++i)
        for (Index j = 0; j < 4; ++j)
            if (i != j) r(i, j) = truth[static_cast<std::size_t>(i)] / (truth[static_cast<std::size_t>(i)] + truth[static_cast<std::size_t>(j)]);
    const Vector p = metalearn::models::detail::couple_pairwise(r);
    CHECK_THAT(p.sum(), Catch::Matchers::WithinAbs(1.0, 1e-12));
    CHECK(max_abs_diff(p, truth) < 1e-3);
}

TEST_CASE("svc: probabilities, declared classes, threads, shrinking and the saved form", "[svm]") {
    const auto& s = svm_digits();
    SECTION("probability = true is seeded, sums to 1 and agrees with the votes on most rows") {
        SVC a({.probability = true});
        a.set_seed(7);
        a.fit(s.Xtr.topRows(300), s.ytr.head(300));
        const Matrix P = a.predict_proba(s.Xte);
        CHECK((P.rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-12);
        CHECK(metalearn::test::accuracy(metalearn::models::detail::argmax_rows(P), a.predict(s.Xte)) > 0.95);
        SVC b({.probability = true, .n_threads = 2});
        b.set_seed(7);
        b.fit(s.Xtr.topRows(300), s.ytr.head(300));
        CHECK(b.predict_proba(s.Xte) == P);
        SVC c({.probability = true});
        c.set_seed(8);
        c.fit(s.Xtr.topRows(300), s.ytr.head(300));
        CHECK(c.prob_a() != a.prob_a());  // other folds
    }
    SECTION("a declared class absent from training gets probability 0 and is never predicted") {
        std::vector<Index> rows;
        for (Index i = 0; i < s.ytr.size() && rows.size() < 200; ++i)
            if (s.ytr[i] == 0 || s.ytr[i] == 1 || s.ytr[i] == 3) rows.push_back(i);
        const Matrix X = s.Xtr(rows, Eigen::all);
        const Vector y = s.ytr(rows);
        SVC m;
        m.fit(X, y, 5);
        CHECK(m.n_classes() == 5);
        const Matrix P = m.predict_proba(s.Xte);
        CHECK(P.cols() == 5);
        CHECK(P.col(2).cwiseAbs().maxCoeff() == 0.0);
        CHECK(P.col(4).cwiseAbs().maxCoeff() == 0.0);
        CHECK(m.decision_function(s.Xte).cols() == 3);
        const Vector pred = m.predict(s.Xte);
        CHECK((pred.array() == 2.0).count() == 0);
    }
    SECTION("thread count and shrinking do not change the machines beyond the tolerance") {
        SVC one;
        one.fit(s.Xtr, s.ytr);
        SVC two({.n_threads = 2});
        two.fit(s.Xtr, s.ytr);
        CHECK(two.decision_function(s.Xte) == one.decision_function(s.Xte));
        SVC plain({.shrinking = false});
        plain.fit(s.Xtr, s.ytr);
        CHECK((plain.decision_function(s.Xte) - one.decision_function(s.Xte)).cwiseAbs().maxCoeff() < 1e-2);
        CHECK(plain.predict(s.Xte) == one.predict(s.Xte));
    }
    SECTION("save and load predict bit-identically; a broken saved form is refused with its place") {
        SVC m({.C = 2.0, .class_weight = ClassWeight::balanced});
        m.fit(s.Xtr.topRows(400), s.ytr.head(400));
        const auto j = nlohmann::json::parse(m.to_json().dump());
        const SVC back = SVC::from_json(j);
        CHECK(back.predict_proba(s.Xte) == m.predict_proba(s.Xte));
        CHECK(back.decision_function(s.Xte) == m.decision_function(s.Xte));
        auto broken = j;
        broken["kind"] = "svr";
        CHECK_THROWS_AS(SVC::from_json(broken), ParseError);
        broken = j;
        broken["labels"][1] = 0;
        CHECK_THROWS_WITH(SVC::from_json(broken), Catch::Contains("/labels/1"));
        broken = j;
        broken["dual_coef"]["rows"] = 3;
        CHECK_THROWS_AS(SVC::from_json(broken), DataError);
        broken = j;
        broken["params"]["C"] = -1.0;
        CHECK_THROWS_WITH(SVC::from_json(broken), Catch::Contains("C out of range"));
        broken = j;
        broken["n_support"][0] = 1000000;
        CHECK_THROWS_AS(SVC::from_json(broken), metalearn::Error);
        broken = j;
        broken.erase("rho");
        CHECK_THROWS_WITH(SVC::from_json(broken), Catch::Contains("rho"));
        SVR r;
        r.fit(s.Xtr.topRows(200), s.ytr.head(200));
        const SVR rback = SVR::from_json(nlohmann::json::parse(r.to_json().dump()));
        CHECK(rback.predict(s.Xte) == r.predict(s.Xte));
    }
}

TEST_CASE("svm: bad hyperparameters and bad data are refused with what and where", "[svm]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (double c : {0.0, -1.0, nan, inf, 1e101}) CHECK_THROWS_WITH(SVC({.C = c}), Catch::Contains("C out of range"));
    CHECK_THROWS_WITH(SVC({.gamma = -0.5}), Catch::Contains("gamma out of range"));
    CHECK_THROWS_WITH(SVC({.gamma_scale = 0.0}), Catch::Contains("gamma_scale"));
    CHECK_THROWS_WITH(SVC({.tol = 0.0}), Catch::Contains("tol"));
    CHECK_THROWS_WITH(SVC({.cache_size = nan}), Catch::Contains("cache_size"));
    CHECK_THROWS_WITH(SVC({.max_iter = -1}), Catch::Contains("max_iter"));
    CHECK_THROWS_WITH(SVC({.class_weight = ClassWeight::explicit_weights}), Catch::Contains("class_weights"));
    CHECK_THROWS_WITH(SVR({.epsilon = -0.1}), Catch::Contains("epsilon"));
    CHECK_THROWS_AS(SVR({.n_threads = -2}), ConfigError);

    Matrix X(4, 2);
    X << 0, 1, 1, 0, 2, 2, 3, 1;
    Vector y(4);
    y << 0, 1, 0, 1;
    SVC m;
    CHECK_THROWS_AS(m.predict(X), NotFitted);
    CHECK_THROWS_WITH(m.fit(X, Vector::Zero(4)), Catch::Contains("at least two classes"));
    Matrix bad = X;
    bad(2, 1) = nan;
    CHECK_THROWS_WITH(m.fit(bad, y), Catch::Contains("row 2, column 1"));
    bad(2, 1) = 1e200;
    CHECK_THROWS_WITH(m.fit(bad, y), Catch::Contains("X[2, 1]"));
    CHECK_THROWS_WITH(m.fit(X, Vector::Constant(3, 0.0)), Catch::Contains("wrong length"));
    Vector yfrac = y;
    yfrac[0] = 0.5;
    CHECK_THROWS_WITH(m.fit(X, yfrac), Catch::Contains("integer"));
    const Matrix constant = Matrix::Constant(4, 2, 3.0);  // Var(X) = 0: γ = gamma_scale
    m.fit(constant, y);
    CHECK(m.gamma() == 1.0);
    CHECK(m.predict(constant).size() == 4);
    CHECK_THROWS_WITH(m.predict(Matrix::Zero(2, 3)), Catch::Contains("wrong number of columns"));
    SVR r;
    Vector ybig = y;
    ybig[1] = 1e120;
    CHECK_THROWS_WITH(r.fit(X, ybig), Catch::Contains("y[1]"));
    CHECK_THROWS_AS(r.predict(X), NotFitted);
}

TEST_CASE("svm: kernel cache evictions, iteration limit, zero bounds and extreme values", "[svm]") {
    const auto& s = svm_digits();
    SECTION("a cache of a few columns recomputes the same kernel values: the same machines") {
        SVC big;
        big.fit(s.Xtr, s.ytr);
        SVC tiny({.cache_size = 1e-6});  // raised to 2 columns of the largest problem
        tiny.fit(s.Xtr, s.ytr);
        CHECK(tiny.support() == big.support());
        CHECK(tiny.decision_function(s.Xte) == big.decision_function(s.Xte));
        SVR rbig({.C = 10.0});
        rbig.fit(s.Xtr.topRows(300), s.ytr.head(300));
        SVR rtiny({.C = 10.0, .cache_size = 1e-6});
        rtiny.fit(s.Xtr.topRows(300), s.ytr.head(300));
        CHECK(rtiny.predict(s.Xte) == rbig.predict(s.Xte));
    }
    SECTION("max_iter stops the solver without an error") {
        SVC m({.max_iter = 1});
        m.fit(s.Xtr.topRows(200), s.ytr.head(200));
        CHECK_FALSE(m.converged());
        CHECK(m.predict(s.Xte).size() == s.Xte.rows());
        CHECK(m.rho().allFinite());
    }
    SECTION("a class present with bound C * weight = 0 is refused") {
        const Vector y = (s.ytr.head(100).array() == 0.0).cast<double>();
        SVC m({.class_weight = ClassWeight::explicit_weights, .class_weights = {1.0, 0.0}});
        CHECK_THROWS_WITH(m.fit(s.Xtr.topRows(100), y), Catch::Contains("class 1 has the bound"));
        CHECK_FALSE(m.is_fitted());
    }
    SECTION("no rows to predict; values the kernels cannot hold") {
        SVC m({.kernel = SvmKernel::linear});
        m.fit(s.Xtr.topRows(100), s.ytr.head(100));
        CHECK(m.predict(Matrix(0, 64)).size() == 0);
        CHECK(m.predict_proba(Matrix(0, 64)).rows() == 0);
        Matrix far = s.Xte.topRows(2);
        far(1, 0) = 1e200;
        CHECK_THROWS_WITH(m.predict(far), Catch::Contains("X[1, 0]"));
        Matrix huge = s.Xtr.topRows(100);
        huge(3, 5) = 1e20;  // ||x||^2 = 1e40: the linear kernel's float cache would overflow
        CHECK_THROWS_WITH(m.fit(huge, s.ytr.head(100)), Catch::Contains("row 3 has squared norm"));
        CHECK_FALSE(m.is_fitted());  // a failed fit leaves the model unfitted
        SVC under({.gamma_scale = 5e-324});  // the resolved gamma, 5e-324 / (64 * Var(X)), underflows to 0
        CHECK_THROWS_WITH(under.fit(s.Xtr.topRows(100), s.ytr.head(100)), Catch::Contains("gamma \"scale\""));
    }
    SECTION("a loaded model at the limits of its saved form: overflowing decisions are an error, not NaN") {
        SVC m({.kernel = SvmKernel::linear});
        m.fit(s.Xtr.topRows(60).leftCols(3), (s.ytr.head(60).array() < 5.0).cast<double>());
        auto j = nlohmann::json::parse(m.to_json().dump());
        for (auto& v : j["support_vectors"]["data"]) v = 5e18;   // squared norm 7.5e37 <= 1e38: accepted
        for (auto& v : j["dual_coef"]["data"]) v = v.get<double>() > 0 ? 1e200 : -1e200;  // at the bound
        const SVC loaded = SVC::from_json(j);
        Matrix x(1, 3);
        x << 1e100, 1e100, 0.0;  // within the inputs' bound
        CHECK_THROWS_AS(loaded.predict(x), metalearn::NumericalError);
        CHECK_THROWS_WITH(loaded.predict_proba(x), Catch::Contains("row 0 is not finite"));
    }
    SECTION("a saved SVR with a broken field is refused with its place") {
        SVR r;
        r.fit(s.Xtr.topRows(100), s.ytr.head(100));
        const auto j = nlohmann::json::parse(r.to_json().dump());
        auto bad = j;
        bad["kind"] = "svc";
        CHECK_THROWS_AS(SVR::from_json(bad), ParseError);
        bad = j;
        bad["dual_coef"][0] = 1e250;
        CHECK_THROWS_WITH(SVR::from_json(bad), Catch::Contains("/dual_coef"));
        bad = j;
        bad["support"].erase(0);
        CHECK_THROWS_WITH(SVR::from_json(bad), Catch::Contains("/support"));
        bad = j;
        bad["params"]["epsilon"] = -1.0;
        CHECK_THROWS_WITH(SVR::from_json(bad), Catch::Contains("epsilon"));
        bad = j;
        bad["gamma_used"] = 0.0;
        CHECK_THROWS_WITH(SVR::from_json(bad), Catch::Contains("/gamma_used"));
    }
}

TEST_CASE("svm: declared search spaces hold the defaults", "[svm]") {
    const auto space = SVC::search_space();
    const auto names = space.names();
    CHECK(names == std::vector<std::string>{"C", "gamma_scale", "class_weight"});
    CHECK(space.within_restriction(SVCParams{}));
    CHECK_NOTHROW(space.validate(SVCParams{}));
    const auto rspace = SVR::search_space();
    CHECK(rspace.names() == std::vector<std::string>{"C", "gamma_scale", "epsilon"});
    CHECK(rspace.within_restriction(SVRParams{}));
    CHECK_NOTHROW(rspace.validate(SVRParams{}));
}
