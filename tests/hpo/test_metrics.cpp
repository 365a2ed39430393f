// Tests of hpo/metrics.hpp.
//
// Expected values: printed by tests/reference/hpo_metrics.py with scikit-learn 1.2 on the same
// arrays (copied below), compared with a relative tolerance of 1e-12 (the formulas are the same;
// only summation order differs); small cases also by hand.

#include <metalearn/hpo/metrics.hpp>

#include "support/test_support.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <string>

using namespace metalearn;

namespace {

Vector vec(std::initializer_list<double> v) {
    Vector out(static_cast<Index>(v.size()));
    Index i = 0;
    for (double x : v) out[i++] = x;
    return out;
}

Matrix mat(Index rows, Index cols, std::initializer_list<double> v) {
    Matrix out(rows, cols);
    auto it = v.begin();
    for (Index i = 0; i < rows; ++i)
        for (Index j = 0; j < cols; ++j) out(i, j) = *it++;
    return out;
}

constexpr double rel = 1e-12;

// Binary case, with tied scores across the classes.
const Vector y_bin = vec({0, 1, 1, 0, 1, 0, 1, 1, 0, 0});
Matrix binary_proba() {
    const Vector p1 = vec({0.1, 0.8, 0.8, 0.3, 0.6, 0.6, 0.9, 0.4, 0.2, 0.8});
    Matrix p(p1.size(), 2);
    p.col(0) = 1.0 - p1.array();
    p.col(1) = p1;
    return p;
}

// Three classes; row 4 gives probability 0 to its true class (clipping); argmax ties in rows 4, 5, 9, 10.
const Vector y_3 = vec({0, 1, 2, 2, 1, 0, 0, 2, 1, 1, 2, 0});
const Matrix proba_3 = mat(12, 3, {0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.2, 0.2, 0.6, 0.3, 0.4, 0.3, 0.5, 0.0, 0.5, 0.4, 0.4, 0.2,
                                   0.6, 0.3, 0.1, 0.1, 0.1, 0.8, 0.2, 0.5, 0.3, 0.3, 0.3, 0.4, 0.25, 0.25, 0.5, 0.2, 0.6, 0.2});

// Four declared classes; class 3 never occurs in y_true but is predicted once.
const Vector y_4 = vec({0, 1, 2, 0, 1, 2, 0, 1});
const Matrix proba_4 = mat(8, 4, {0.6, 0.1, 0.1, 0.2, 0.1, 0.5, 0.2, 0.2, 0.1, 0.1, 0.2, 0.6, 0.4, 0.3, 0.2, 0.1,
                                  0.3, 0.3, 0.3, 0.1, 0.2, 0.2, 0.5, 0.1, 0.1, 0.6, 0.2, 0.1, 0.2, 0.4, 0.3, 0.1});

const Vector y_reg = vec({3.0, -0.5, 2.0, 7.0, 4.2, 1.1, 0.0, 5.5});
const Vector f_reg = vec({2.5, 0.0, 2.1, 7.8, 3.9, 1.0, -0.3, 6.0});

}  // namespace

TEST_CASE("Metric names, directions and kinds", "[hpo][metrics]") {
    using hpo::Metric;
    for (Metric m : {Metric::accuracy, Metric::balanced_accuracy, Metric::log_loss, Metric::roc_auc, Metric::rmse,
                     Metric::mae, Metric::r2})
        REQUIRE(hpo::metric_from_string(hpo::to_string(m)) == m);
    REQUIRE(hpo::to_string(Metric::balanced_accuracy) == "balanced_accuracy");
    REQUIRE(hpo::higher_is_better(Metric::accuracy));
    REQUIRE(hpo::higher_is_better(Metric::roc_auc));
    REQUIRE(hpo::higher_is_better(Metric::r2));
    REQUIRE_FALSE(hpo::higher_is_better(Metric::log_loss));
    REQUIRE_FALSE(hpo::higher_is_better(Metric::rmse));
    REQUIRE_FALSE(hpo::higher_is_better(Metric::mae));
    REQUIRE(hpo::needs_proba(Metric::log_loss));
    REQUIRE(hpo::needs_proba(Metric::roc_auc));
    REQUIRE_FALSE(hpo::needs_proba(Metric::balanced_accuracy));
    REQUIRE(hpo::is_classification_metric(Metric::balanced_accuracy));
    REQUIRE_FALSE(hpo::is_classification_metric(Metric::r2));
    REQUIRE_THROWS_AS(hpo::metric_from_string("f1"), ConfigError);
    REQUIRE_THROWS_WITH(hpo::metric_from_string("AUC"), Catch::Contains("unknown metric 'AUC'") && Catch::Contains("roc_auc"));
}

TEST_CASE("Classification metrics match scikit-learn on a binary task with ties", "[hpo][metrics]") {
    const Matrix p = binary_proba();
    REQUIRE(hpo::score(hpo::Metric::accuracy, y_bin, p, 2) == Approx(0.7).epsilon(rel));
    REQUIRE(hpo::score(hpo::Metric::balanced_accuracy, y_bin, p, 2) == Approx(0.7).epsilon(rel));
    REQUIRE(hpo::score(hpo::Metric::log_loss, y_bin, p, 2) == Approx(0.5189671629145416).epsilon(rel));
    REQUIRE(hpo::score(hpo::Metric::roc_auc, y_bin, p, 2) == Approx(0.82).epsilon(rel));
    REQUIRE(hpo::roc_auc(y_bin, p) == Approx(0.82).epsilon(rel));
}

TEST_CASE("Classification metrics match scikit-learn on three classes", "[hpo][metrics]") {
    REQUIRE(hpo::score(hpo::Metric::accuracy, y_3, proba_3, 3) == Approx(0.6666666666666666).epsilon(rel));
    REQUIRE(hpo::score(hpo::Metric::balanced_accuracy, y_3, proba_3, 3) == Approx(0.6666666666666666).epsilon(rel));
    // A zero probability on the true class is clipped at machine epsilon, as sklearn 1.2 does.
    REQUIRE(hpo::score(hpo::Metric::log_loss, y_3, proba_3, 3) == Approx(3.7063264474790074).epsilon(rel));
    REQUIRE(hpo::score(hpo::Metric::roc_auc, y_3, proba_3, 3) == Approx(0.765625).epsilon(rel));
}

TEST_CASE("A declared class absent from y_true is ignored by balanced accuracy and AUC", "[hpo][metrics]") {
    REQUIRE(hpo::score(hpo::Metric::balanced_accuracy, y_4, proba_4, 4) == Approx(0.611111111111111).epsilon(rel));
    REQUIRE(hpo::score(hpo::Metric::log_loss, y_4, proba_4, 4) == Approx(1.1057121572985342).epsilon(rel));
    // sklearn refuses multiclass AUC here; the reference is the mean of sklearn's binary AUCs of
    // the present classes.
    REQUIRE(hpo::score(hpo::Metric::roc_auc, y_4, proba_4, 4) == Approx(0.736111111111111).epsilon(rel));
}

TEST_CASE("Label metrics by hand", "[hpo][metrics]") {
    // 3 of 4 correct; class 0 recall 1/1, class 1 recall 2/3 → balanced (1 + 2/3)/2 = 5/6.
    const Vector y = vec({0, 1, 1, 1});
    const Vector f = vec({0, 1, 0, 1});
    REQUIRE(hpo::accuracy(y, f) == Approx(0.75));
    REQUIRE(hpo::balanced_accuracy(y, f, 2) == Approx(5.0 / 6.0));
    // Perfect separation gives AUC 1, reversed 0, all-equal scores 0.5 (average ranks).
    Matrix p(4, 2);
    p << 0.9, 0.1, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6;
    REQUIRE(hpo::roc_auc(y, p) == 1.0);
    Matrix rev = p.rowwise().reverse();
    REQUIRE(hpo::roc_auc(y, rev) == 0.0);
    REQUIRE(hpo::roc_auc(y, Matrix::Constant(4, 2, 0.5)) == 0.5);
    // Log loss of a certain, correct prediction is clipped at −ln(1 − eps) ≈ eps, not exactly 0.
    Matrix certain(2, 2);
    certain << 1, 0, 0, 1;
    REQUIRE(hpo::log_loss(vec({0, 1}), certain) == Approx(0.0).margin(1e-15));
    // Uniform probabilities give ln K.
    REQUIRE(hpo::log_loss(y_3, Matrix::Constant(12, 3, 1.0 / 3.0)) == Approx(std::log(3.0)).epsilon(rel));
}

TEST_CASE("Regression metrics match scikit-learn", "[hpo][metrics]") {
    REQUIRE(hpo::rmse(y_reg, f_reg) == Approx(0.4458138625031752).epsilon(rel));
    REQUIRE(hpo::mae(y_reg, f_reg) == Approx(0.38750000000000007).epsilon(rel));
    REQUIRE(hpo::r2(y_reg, f_reg) == Approx(0.9676755355645346).epsilon(rel));
    REQUIRE(hpo::score(hpo::Metric::rmse, y_reg, f_reg, 0) == Approx(0.4458138625031752).epsilon(rel));
    REQUIRE(hpo::score(hpo::Metric::mae, y_reg, f_reg, 0) == Approx(0.38750000000000007).epsilon(rel));
    REQUIRE(hpo::score(hpo::Metric::r2, y_reg, f_reg, 0) == Approx(0.9676755355645346).epsilon(rel));
    // Constant y_true (sklearn 1.2, force_finite): 0 unless the prediction is perfect, then 1.
    REQUIRE(hpo::r2(vec({2, 2, 2}), vec({2, 2.5, 2})) == 0.0);
    REQUIRE(hpo::r2(vec({2, 2, 2}), vec({2, 2, 2})) == 1.0);
}

TEST_CASE("Metrics reject bad input with clear errors", "[hpo][metrics][errors]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    using hpo::Metric;
    REQUIRE_THROWS_WITH(hpo::accuracy(vec({0, 1}), vec({0})), Catch::Contains("expected 2, got 1"));
    REQUIRE_THROWS_AS(hpo::accuracy(Vector(0), Vector(0)), DataError);
    REQUIRE_THROWS_AS(hpo::accuracy(vec({0, nan}), vec({0, 1})), DataError);
    REQUIRE_THROWS_AS(hpo::rmse(vec({0, 1}), vec({0, nan})), DataError);
    REQUIRE_THROWS_AS(hpo::mae(vec({0, 1}), vec({0})), DataError);
    REQUIRE_THROWS_AS(hpo::r2(vec({0, std::numeric_limits<double>::infinity()}), vec({0, 1})), DataError);
    REQUIRE_THROWS_WITH(hpo::balanced_accuracy(vec({0, 2}), vec({0, 1}), 2), Catch::Contains("is not a class code"));
    REQUIRE_THROWS_AS(hpo::balanced_accuracy(vec({0, 0.5}), vec({0, 1}), 2), DataError);
    REQUIRE_THROWS_AS(hpo::balanced_accuracy(vec({0, 1}), vec({0, 1}), 0), DataError);

    const Matrix p = binary_proba();
    REQUIRE_THROWS_WITH(hpo::roc_auc(Vector::Zero(10), p), Catch::Contains("only one class present"));
    REQUIRE_THROWS_AS(hpo::roc_auc(y_4.head(3).cwiseMin(0.0), proba_4.topRows(3)), DataError);
    Matrix bad = p;
    bad(3, 1) = nan;
    REQUIRE_THROWS_WITH(hpo::log_loss(y_bin, bad), Catch::Contains("NaN"));
    REQUIRE_THROWS_AS(hpo::roc_auc(y_bin, bad), DataError);
    REQUIRE_THROWS_AS(hpo::log_loss(y_bin, p.col(1)), DataError);  // one column
    REQUIRE_THROWS_AS(hpo::log_loss(y_bin.head(9), p), DataError);
    REQUIRE_THROWS_AS(hpo::log_loss(y_bin, p, 0.0), ConfigError);

    SECTION("score checks the metric against the task and the shapes") {
        REQUIRE_THROWS_WITH(hpo::score(Metric::accuracy, y_reg, f_reg, 0), Catch::Contains("classification metric"));
        REQUIRE_THROWS_WITH(hpo::score(Metric::rmse, y_bin, p, 2), Catch::Contains("regression metric"));
        REQUIRE_THROWS_WITH(hpo::score(Metric::accuracy, y_bin, p, 3), Catch::Contains("expected 3 columns, got 2"));
        REQUIRE_THROWS_AS(hpo::score(Metric::rmse, y_reg, Matrix::Zero(8, 2), 0), DataError);
        REQUIRE_THROWS_AS(hpo::score(Metric::accuracy, y_bin.head(5), p, 2), DataError);
        REQUIRE_THROWS_AS(hpo::score(Metric::balanced_accuracy, y_bin, bad, 2), DataError);
        REQUIRE_THROWS_AS(hpo::score(Metric::accuracy, vec({0, 5}), Matrix::Constant(2, 2, 0.5), 2), DataError);
    }
}
