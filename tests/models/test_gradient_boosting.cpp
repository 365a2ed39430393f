// GradientBoostingClassifier / GradientBoostingRegressor against xgboost 1.7.4 (values from
// tests/reference/gradient_boosting_reference.py, pasted into gradient_boosting_reference_values.hpp),
// against hand-computed stumps, and their error handling, determinism and saved form.
#include <metalearn/models/gradient_boosting.hpp>

#include "gradient_boosting_reference_values.hpp"
#include "model_test_data.hpp"

#include <cmath>
#include <limits>
#include <random>
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
using metalearn::models::GradientBoostingClassifier;
using metalearn::models::GradientBoostingParams;
using metalearn::models::GradientBoostingRegressor;
namespace gbref = metalearn::test::gbt_ref;

namespace {

constexpr double kGbNaN = std::numeric_limits<double>::quiet_NaN();

const metalearn::test::Split& digits() {
    static const auto s = metalearn::test::sklearn_split("digits.csv.gz", false);
    return s;
}

Vector map_labels(const Vector& y, double (*f)(double)) {
    Vector out(y.size());
    for (Index i = 0; i < y.size(); ++i) out[i] = f(y[i]);
    return out;
}

/// Max |a − b| over the first entries of a row-major reference.
double max_diff(const Matrix& ours, const std::vector<double>& expected, Index rows) {
    const Matrix R = metalearn::test::as_matrix(expected, rows);
    return (ours.topRows(rows) - R).cwiseAbs().maxCoeff();
}

GradientBoostingParams small(Index rounds, Index depth, double eta = 0.3) {
    GradientBoostingParams p;
    p.n_estimators = rounds;
    p.max_depth = depth;
    p.learning_rate = eta;
    return p;
}

}  // namespace

TEST_CASE("gradient boosting regressor: one stump by hand", "[gradient_boosting]") {
    // X = 1..4, y = 0 0 1 1; start 0.5; g = ±0.5, h = 1; the split between 2 and 3 has
    // G_L = 1, H_L = 2 → w_L = −1/(2 + λ) = −1/3, w_R = +1/3 (η = 1), gain 1/3 + 1/3 − 0 = 2/3.
    Matrix X(4, 1);
    X << 1, 2, 3, 4;
    Vector y(4);
    y << 0, 0, 1, 1;
    GradientBoostingRegressor m(small(1, 1, 1.0));
    m.fit(X, y);
    const Vector f = m.predict(X);
    CHECK_THAT(f[0], Catch::Matchers::WithinAbs(0.5 - 1.0 / 3.0, 1e-15));
    CHECK_THAT(f[3], Catch::Matchers::WithinAbs(0.5 + 1.0 / 3.0, 1e-15));
    const auto j = m.to_json();
    CHECK(j["rounds"][0][0]["threshold"][0].get<double>() == 2.5);
    CHECK_THAT(j["rounds"][0][0]["gain"][0].get<double>(), Catch::Matchers::WithinAbs(2.0 / 3.0, 1e-15));
    Matrix between(1, 1);
    between << 2.5;
    CHECK_THAT(m.predict(between)[0], Catch::Matchers::WithinAbs(0.5 - 1.0 / 3.0, 1e-15));  // x ≤ threshold goes left
}

TEST_CASE("gradient boosting classifier: min_child_weight blocks a stump", "[gradient_boosting]") {
    // Same data as classes: start margin log(0.5/0.5) = 0, p = 0.5, g = ±0.5, h = 0.25. Each
    // half has Σh = 0.5 < min_child_weight 1: no split, and the root's leaf is −0·η = 0.
    Matrix X(4, 1);
    X << 1, 2, 3, 4;
    Vector y(4);
    y << 0, 0, 1, 1;
    GradientBoostingClassifier m(small(1, 3));
    m.fit(X, y);
    CHECK((m.predict_proba(X).array() == 0.5).all());
    // min_child_weight 0: w = −G/(H + λ)·η = ∓(1 / 1.5)·0.3 = ∓0.2; gain 2·(1/1.5) = 4/3
    auto p = small(1, 1);
    p.min_child_weight = 0.0;
    m.set_params(p);
    m.fit(X, y);
    const Matrix F = m.decision_function(X);
    CHECK_THAT(F(0, 0), Catch::Matchers::WithinAbs(-0.2, 1e-15));
    CHECK_THAT(F(3, 0), Catch::Matchers::WithinAbs(0.2, 1e-15));
    CHECK_THAT(m.to_json()["rounds"][0][0]["gain"][0].get<double>(), Catch::Matchers::WithinAbs(4.0 / 3.0, 1e-15));
}

TEST_CASE("gradient boosting matches xgboost hist on digits", "[gradient_boosting][reference]") {
    const auto& d = digits();
    SECTION("10 classes, softmax") {
        GradientBoostingClassifier m(small(10, 4));
        m.fit(d.Xtr, d.ytr);
        CHECK(max_diff(m.decision_function(d.Xte), gbref::multi_margin, 5) < 2e-5);
        CHECK_THAT(metalearn::test::accuracy(m.predict(d.Xte), d.yte),
                   Catch::Matchers::WithinAbs(gbref::multi_test_accuracy, 1e-12));
    }
    SECTION("binary, every penalty") {
        auto p = small(20, 3, 0.1);
        p.reg_lambda = 2.0;
        p.reg_alpha = 0.5;
        p.gamma = 0.2;
        p.min_child_weight = 2.0;
        GradientBoostingClassifier m(p);
        const Vector y = map_labels(d.ytr, [](double v) { return v >= 5 ? 1.0 : 0.0; });
        m.fit(d.Xtr, y);
        CHECK(max_diff(m.decision_function(d.Xte), gbref::binary_margin, 8) < 2e-5);
        const Vector yte = map_labels(d.yte, [](double v) { return v >= 5 ? 1.0 : 0.0; });
        CHECK_THAT(metalearn::test::accuracy(m.predict(d.Xte), yte),
                   Catch::Matchers::WithinAbs(gbref::binary_test_accuracy, 1e-12));
    }
    SECTION("unbalanced binary, balanced class weights = xgboost sample weights n / (K n_k)") {
        auto p = small(5, 2);
        p.class_weight = ClassWeight::balanced;
        GradientBoostingClassifier m(p);
        const Vector y = map_labels(d.ytr, [](double v) { return v == 0 ? 1.0 : 0.0; });
        m.fit(d.Xtr, y);
        const Matrix F = m.decision_function(d.Xte);
        CHECK(max_diff(F, gbref::balanced_margin, 8) < 2e-5);
        // the same weights given explicitly
        const double n = static_cast<double>(y.size());
        const double n1 = y.sum();
        p.class_weight = ClassWeight::explicit_weights;
        p.class_weights = {n / (2 * (n - n1)), n / (2 * n1)};
        GradientBoostingClassifier e(p);
        e.fit(d.Xtr, y);
        CHECK(e.decision_function(d.Xte) == F);
    }
    SECTION("regression") {
        GradientBoostingRegressor m(small(15, 5));
        m.fit(d.Xtr, d.ytr);
        const Vector f = m.predict(d.Xte);
        CHECK(max_diff(Matrix(f), gbref::regression_prediction, 8) < 2e-5);
        CHECK_THAT((f - d.yte).squaredNorm() / static_cast<double>(f.size()),
                   Catch::Matchers::WithinAbs(gbref::regression_test_mse, 1e-4));
    }
}

TEST_CASE("gradient boosting on continuous features: accuracy as xgboost's", "[gradient_boosting][reference]") {
    // breast_cancer's features have up to ~540 distinct values: the bins differ from xgboost's
    // sketch, so only the test accuracy is compared (one test row = 0.53 points).
    const auto s = metalearn::test::sklearn_split("breast_cancer.csv", false);
    GradientBoostingClassifier m;
    m.fit(s.Xtr, s.ytr);
    CHECK(metalearn::test::accuracy(m.predict(s.Xte), s.yte) >= gbref::cancer_test_accuracy - 0.011);
}

TEST_CASE("gradient boosting: same seed same model, whatever the thread count", "[gradient_boosting]") {
    const auto& d = digits();
    auto p = small(12, 4);
    p.subsample = 0.7;
    p.colsample_bytree = 0.6;
    p.colsample_bylevel = 0.8;
    p.validation_fraction = 0.2;
    p.n_threads = 1;
    GradientBoostingClassifier a(p);
    a.set_seed(7);
    a.fit(d.Xtr, d.ytr);
    const Matrix Pa = a.predict_proba(d.Xte);
    for (Index threads : {2, 3, 0}) {
        p.n_threads = threads;
        GradientBoostingClassifier b(p);
        b.set_seed(7);
        b.fit(d.Xtr, d.ytr);
        CHECK(b.predict_proba(d.Xte) == Pa);
    }
    GradientBoostingClassifier c(p);
    c.set_seed(8);
    c.fit(d.Xtr, d.ytr);
    CHECK(c.predict_proba(d.Xte) != Pa);
    CHECK_THAT(Pa.rowwise().sum().minCoeff(), Catch::Matchers::WithinAbs(1.0, 1e-12));
}

TEST_CASE("gradient boosting on one-hot columns: a stump by hand", "[gradient_boosting]") {
    // Mostly-zero columns take the sparse histogram path: each column's bin of 0 is the node's
    // sums minus its other bin. Squared error, base margin mean(y) = 7/3, g = f − y, h = 1:
    // column 0 (row 0 alone) gains (23/3)²/6 + (23/3)²/2 against column 1's (5/3)²/6 + (5/3)²/2,
    // so the leaves are −(23/3)/(5 + 1) = −23/18 and (23/3)/(1 + 1) = 23/6.
    Matrix X = Matrix::Zero(6, 2);
    X(0, 0) = 1.0;
    X(5, 1) = 1.0;
    Vector y(6);
    y << 10, 0, 0, 0, 0, 4;
    GradientBoostingRegressor m(small(1, 1, 1.0));
    m.fit(X, y);
    const Vector f = m.predict(X);
    CHECK_THAT(f[0], Catch::Matchers::WithinAbs(7.0 / 3 + 23.0 / 6, 1e-12));
    for (Index i = 1; i < 6; ++i) CHECK_THAT(f[i], Catch::Matchers::WithinAbs(7.0 / 3 - 23.0 / 18, 1e-12));
}

TEST_CASE("gradient boosting on one-hot columns: same model whatever the thread count", "[gradient_boosting]") {
    // 5,000 rows of 20 one-hot coded 5-level variables and 3 continuous columns: large enough
    // that the sparse histograms split their bins across threads
    std::mt19937_64 gen(11);
    std::uniform_int_distribution<int> level(0, 4);
    std::normal_distribution<double> noise(0.0, 1.0);
    const Index n = 5000;
    Matrix X = Matrix::Zero(n, 103);
    Vector y(n);
    for (Index i = 0; i < n; ++i) {
        double s = 0.0;
        for (Index v = 0; v < 20; ++v) {
            const int l = level(gen);
            X(i, 5 * v + l) = 1.0;
            if (v < 4) s += l;
        }
        for (Index c = 100; c < 103; ++c) X(i, c) = noise(gen);
        s += X(i, 100) + noise(gen);
        y[i] = s < 7 ? 0.0 : (s < 10 ? 1.0 : 2.0);
    }
    auto p = small(8, 5);
    p.colsample_bylevel = 0.7;
    p.n_threads = 1;
    GradientBoostingClassifier a(p);
    a.fit(X, y);
    const Matrix Pa = a.predict_proba(X);
    CHECK(metalearn::test::accuracy(a.predict(X), y) > 0.7);
    for (Index threads : {2, 3}) {
        p.n_threads = threads;
        GradientBoostingClassifier b(p);
        b.fit(X, y);
        CHECK(b.predict_proba(X) == Pa);
    }
}

TEST_CASE("gradient boosting: early stopping keeps the best round", "[gradient_boosting]") {
    const auto& d = digits();
    const Vector y = map_labels(d.ytr, [](double v) { return v >= 5 ? 1.0 : 0.0; });
    auto p = small(400, 6, 0.5);
    p.validation_fraction = 0.25;
    p.n_iter_no_change = 5;
    GradientBoostingClassifier m(p);
    m.fit(d.Xtr, y);
    CHECK(m.n_rounds() >= 1);
    CHECK(m.n_rounds() < 400);
    // without early stopping every round is kept
    p.validation_fraction = 0.0;
    p.n_estimators = 30;
    m.set_params(p);
    m.fit(d.Xtr, y);
    CHECK(m.n_rounds() == 30);
    // too few rows to hold any out
    Matrix X(3, 1);
    X << 1, 2, 3;
    Vector y3(3);
    y3 << 0, 1, 1;
    p.validation_fraction = 0.1;
    m.set_params(p);
    CHECK_THROWS_AS(m.fit(X, y3), DataError);
}

TEST_CASE("gradient boosting: constant features never split", "[gradient_boosting]") {
    Matrix X = Matrix::Constant(10, 2, 3.0);
    Vector y(10);
    y << 0, 1, 1, 1, 0, 1, 1, 1, 1, 1;
    GradientBoostingClassifier m(small(3, 3));
    m.fit(X, y);
    // margin = log(0.8 / 0.2); every tree a leaf of value −η·0/(H + λ) = 0 (G = Σ(p − y) = 0 at the start)
    CHECK_THAT(m.predict_proba(X)(0, 1), Catch::Matchers::WithinAbs(0.8, 1e-12));
    CHECK((m.feature_importances().array() == 0.0).all());
}

TEST_CASE("gradient boosting: saved form predicts bit-identically", "[gradient_boosting][serialization]") {
    const auto& d = digits();
    auto p = small(6, 3);
    p.subsample = 0.8;
    GradientBoostingClassifier m(p);
    m.fit(d.Xtr, d.ytr);
    const auto j = m.to_json();
    const auto back = GradientBoostingClassifier::from_json(nlohmann::json::parse(j.dump()));
    CHECK(back.predict_proba(d.Xte) == m.predict_proba(d.Xte));
    CHECK(back.params() == m.params());
    CHECK(back.to_json() == j);
    CHECK_THAT(m.feature_importances().sum(), Catch::Matchers::WithinAbs(1.0, 1e-12));

    GradientBoostingRegressor r(small(4, 2));
    r.fit(d.Xtr, d.ytr);
    const auto rb = GradientBoostingRegressor::from_json(nlohmann::json::parse(r.to_json().dump()));
    CHECK(rb.predict(d.Xte) == r.predict(d.Xte));

    SECTION("bad saved forms") {
        auto bad = j;
        bad["kind"] = "random_forest_classifier";
        CHECK_THROWS_AS(GradientBoostingClassifier::from_json(bad), ParseError);
        bad = j;
        bad["rounds"][0][0]["left"][0] = 0;  // the root as its own child
        CHECK_THROWS_AS(GradientBoostingClassifier::from_json(bad), DataError);
        bad = j;
        bad["rounds"][0][0]["feature"][0] = 64;  // 64 features: 0..63
        CHECK_THROWS_AS(GradientBoostingClassifier::from_json(bad), DataError);
        bad = j;
        bad["rounds"][0].erase(0);  // 9 trees in a round of 10 classes
        CHECK_THROWS_AS(GradientBoostingClassifier::from_json(bad), DataError);
        bad = j;
        bad["params"]["learning_rate"] = 2.0;
        CHECK_THROWS_AS(GradientBoostingClassifier::from_json(bad), DataError);
        bad = j;
        bad["params"]["class_weight"] = "heavy";
        CHECK_THROWS_AS(GradientBoostingClassifier::from_json(bad), ParseError);
        CHECK_THROWS_AS(GradientBoostingRegressor::from_json(j), ParseError);
    }
}

TEST_CASE("gradient boosting: bad input is refused with the reason", "[gradient_boosting][errors]") {
    GradientBoostingClassifier m;
    Matrix X(4, 2);
    X << 1, 2, 3, 4, 5, 6, 7, 8;
    Vector y(4);
    y << 0, 1, 0, 1;
    CHECK_THROWS_AS(m.predict(X), NotFitted);
    auto with = [](auto edit) {
        GradientBoostingParams p;
        edit(p);
        return p;
    };
    CHECK_THROWS_WITH(m.set_params(with([](auto& p) { p.learning_rate = 0.0; })), Catch::Contains("learning_rate"));
    CHECK_THROWS_WITH(m.set_params(with([](auto& p) { p.max_bin = 300; })), Catch::Contains("max_bin"));
    CHECK_THROWS_WITH(m.set_params(with([](auto& p) { p.colsample_bytree = 0.0; })),
                      Catch::Contains("colsample_bytree"));
    CHECK_THROWS_WITH(m.set_params(with([](auto& p) { p.reg_lambda = kGbNaN; })), Catch::Contains("reg_lambda"));
    CHECK_THROWS_WITH(m.set_params(with([](auto& p) { p.validation_fraction = 1.0; })),
                      Catch::Contains("validation_fraction"));
    CHECK_THROWS_WITH(m.set_params(with([](auto& p) { p.max_depth = 0; })), Catch::Contains("max_depth"));
    CHECK_THROWS_AS(m.set_params(with([](auto& p) {
                        p.class_weight = ClassWeight::explicit_weights;
                        p.class_weights = {1.0, -1.0};
                    })),
                    ConfigError);
    Matrix Xn = X;
    Xn(1, 1) = kGbNaN;
    CHECK_THROWS_AS(m.fit(Xn, y), DataError);
    Vector one = Vector::Zero(4);
    CHECK_THROWS_AS(m.fit(X, one), DataError);  // a single class
    CHECK_THROWS_AS(m.fit(X, y.head(3)), DataError);
    Vector frac = y;
    frac[0] = 0.5;
    CHECK_THROWS_AS(m.fit(X, frac), DataError);
    m.fit(X, y);
    CHECK_THROWS_AS(m.predict(Matrix::Zero(2, 3)), DataError);
    CHECK_THROWS_WITH(m.predict(Xn), Catch::Contains("at row 1, column 1"));
    GradientBoostingParams p;
    p.class_weight = ClassWeight::explicit_weights;
    p.class_weights = {1.0};
    m.set_params(p);
    CHECK_THROWS_AS(m.fit(X, y), DataError);  // one weight for two classes
    GradientBoostingRegressor r;
    Vector yn = y;
    yn[2] = std::numeric_limits<double>::infinity();
    CHECK_THROWS_AS(r.fit(X, yn), DataError);
    yn[2] = 1e200;  // finite, but its squared gradients would overflow
    CHECK_THROWS_WITH(r.fit(X, yn), Catch::Contains("y[2] = 1e+200 is beyond"));
    CHECK_THROWS_AS(m.fit(X, y, Index{1} << 40), DataError);  // no per-class storage of that size
}

TEST_CASE("gradient boosting: early stopping keeps every class in training", "[gradient_boosting][errors]") {
    // 9 rows of class 0, one of class 1: half of class 1 rounds to its only row, which stays in training
    Matrix X(10, 1);
    X << 0, 1, 2, 3, 4, 5, 6, 7, 8, 20;
    Vector y = Vector::Zero(10);
    y[9] = 1;
    auto p = small(20, 2);
    p.validation_fraction = 0.5;
    p.min_child_weight = 0.0;
    GradientBoostingClassifier m(p);
    m.fit(X, y);
    CHECK(m.predict_proba(X)(9, 1) > 0.1);  // fitted on the class-1 row (1e-12 if it were held out)
}

TEST_CASE("gradient boosting: saved values beyond 1e100 are refused", "[gradient_boosting][serialization][errors]") {
    Matrix X(4, 1);
    X << 1, 2, 3, 4;
    Vector y(4);
    y << 0, 1, 2, 2;
    GradientBoostingClassifier m(small(2, 1));
    m.fit(X, y);
    auto bad = m.to_json();
    bad["rounds"][0][0]["value"][0] = 1e300;
    CHECK_THROWS_AS(GradientBoostingClassifier::from_json(bad), DataError);
    bad = m.to_json();
    bad["base_margin"][1] = -1e300;
    CHECK_THROWS_WITH(GradientBoostingClassifier::from_json(bad), Catch::Contains("/base_margin/1"));
}

TEST_CASE("gradient boosting: every point of the declared search space is valid", "[gradient_boosting][search_space]") {
    const auto space = GradientBoostingClassifier::search_space();
    CHECK(space.names() == std::vector<std::string>{"n_estimators", "learning_rate", "max_depth", "min_child_weight",
                                                    "subsample", "colsample_bytree", "colsample_bylevel",
                                                    "reg_lambda", "class_weight"});
    GradientBoostingClassifier m;
    for (const auto& p : space.random(64, 3)) CHECK_NOTHROW(m.set_params(p));
    CHECK(GradientBoostingRegressor::search_space().size() == 8);
    // the default configuration (xgboost's) is a point of both spaces: plans start with it
    CHECK(space.within_restriction(GradientBoostingParams{}));
    CHECK_NOTHROW(space.validate(GradientBoostingParams{}));
    CHECK_NOTHROW(GradientBoostingRegressor::search_space().validate(GradientBoostingParams{}));
}
