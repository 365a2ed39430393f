// Tests of data/preprocess.hpp on hand-computed cases.

#include <metalearn/data/arff.hpp>
#include <metalearn/data/preprocess.hpp>

#include "support/test_support.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace metalearn;
using namespace metalearn::data;
using metalearn::test::approx_matrix;

namespace {
constexpr double NaN_ = std::numeric_limits<double>::quiet_NaN();

std::vector<FeatureInfo> two_features() {
    return {FeatureInfo::numeric("x"), FeatureInfo::nominal("colour", {"red", "green", "blue"})};
}
}  // namespace

TEST_CASE("SimpleImputer fills the median of numeric and the mode of nominal columns", "[data][preprocess]") {
    // x: 1, 5, NaN, 3, 10 → median of {1, 3, 5, 10} = (3 + 5) / 2 = 4.
    // colour: 2, 0, 2, NaN, 0 → codes 0 and 2 both twice; tie → smallest code 0.
    Matrix X(5, 2);
    X << 1, 2, 5, 0, NaN_, 2, 3, NaN_, 10, 0;
    SimpleImputer imp;
    imp.fit(X, two_features());
    REQUIRE(imp.fill_values()[0] == 4.0);
    REQUIRE(imp.fill_values()[1] == 0.0);
    const Matrix Z = imp.transform(X);
    REQUIRE(Z(2, 0) == 4.0);
    REQUIRE(Z(3, 1) == 0.0);
    REQUIRE(Z(0, 0) == 1.0);
    // Odd count: median is the middle value.
    Matrix X2(3, 1);
    X2 << 7, NaN_, -1;
    Matrix X3(3, 1);
    X3 << 7, 2, -1;
    imp.fit(X3, {FeatureInfo::numeric("a")});
    REQUIRE(imp.fill_values()[0] == 2.0);
    REQUIRE(imp.transform(X2)(1, 0) == 2.0);
}

TEST_CASE("SimpleImputer fills an entirely missing training column with 0", "[data][preprocess]") {
    Matrix X(2, 1);
    X << NaN_, NaN_;
    SimpleImputer imp;
    imp.fit(X, {FeatureInfo::numeric("a")});
    Matrix T(1, 1);
    T << NaN_;
    REQUIRE(imp.transform(T)(0, 0) == 0.0);
}

TEST_CASE("OneHotEncoder expands nominal columns in place and encodes missing as all zeros", "[data][preprocess]") {
    Matrix X(3, 2);
    X << 1.5, 2, -1, NaN_, 0, 0;
    OneHotEncoder enc;
    enc.fit(two_features());
    REQUIRE(enc.n_output_features() == 4);
    REQUIRE(enc.output_names() == std::vector<std::string>{"x", "colour=red", "colour=green", "colour=blue"});
    Matrix expected(3, 4);
    expected << 1.5, 0, 0, 1, -1, 0, 0, 0, 0, 1, 0, 0;
    REQUIRE_THAT(enc.transform(X), approx_matrix(expected, 0.0));
}

TEST_CASE("StandardScaler uses the population sd and maps constant columns to 0", "[data][preprocess]") {
    // Column 0: 1, 2, 3, 4 → mean 2.5, sd sqrt(1.25). Column 1 constant 7 → scale 1.
    Matrix X(4, 2);
    X << 1, 7, 2, 7, 3, 7, 4, 7;
    StandardScaler sc;
    sc.fit(X);
    REQUIRE(sc.mean()[0] == Approx(2.5));
    REQUIRE(sc.scale()[0] == Approx(std::sqrt(1.25)));
    REQUIRE(sc.scale()[1] == 1.0);
    const Matrix Z = sc.transform(X);
    REQUIRE(Z(0, 0) == Approx(-1.5 / std::sqrt(1.25)));
    REQUIRE(Z(3, 1) == 0.0);
    REQUIRE_FALSE(Z.array().isNaN().any());
}

TEST_CASE("Preprocessor transforms test rows with training statistics only", "[data][preprocess]") {
    // Train: x = 0, 2, NaN, 4 → median 2 → imputed 0, 2, 2, 4 → mean 2, sd sqrt(2).
    // colour = 0, 0, 1, NaN → mode 0.
    Matrix train(4, 2);
    train << 0, 0, 2, 0, NaN_, 1, 4, NaN_;
    Preprocessor pre({.impute = true, .one_hot = true, .standardize = true});
    pre.fit(train, two_features());
    REQUIRE(pre.n_output_features() == 4);
    // Test rows far from the training data: x = 100, NaN; colour = 2, NaN.
    Matrix test(2, 2);
    test << 100, 2, NaN_, NaN_;
    const Matrix Z = pre.transform(test);
    const double sd = std::sqrt(2.0);
    Matrix expected(2, 4);
    expected << (100 - 2) / sd, 0, 0, 1,  // indicator columns are not scaled
        (2 - 2) / sd, 1, 0, 0;            // NaN colour imputed with the training mode (red)
    REQUIRE_THAT(Z, approx_matrix(expected, 1e-12));
    // Transforming the training rows gives standardised numeric column: mean 0, sd 1.
    const Matrix Zt = pre.transform(train);
    REQUIRE(Zt.col(0).mean() == Approx(0.0).margin(1e-12));
    REQUIRE(std::sqrt(Zt.col(0).array().square().mean()) == Approx(1.0));
}

TEST_CASE("Preprocessor without imputation encodes missing codes as zeros and rejects missing numbers",
          "[data][preprocess][errors]") {
    Matrix train(2, 2);
    train << 1, 0, 3, 1;
    Preprocessor pre({.impute = false, .one_hot = true, .standardize = false});
    pre.fit(train, two_features());
    Matrix t(1, 2);
    t << 2, NaN_;
    Matrix expected(1, 4);
    expected << 2, 0, 0, 0;
    REQUIRE_THAT(pre.transform(t), approx_matrix(expected, 0.0));
    t << NaN_, 1;
    REQUIRE_THROWS_AS(pre.transform(t), DataError);
    REQUIRE_THROWS_WITH(pre.transform(t), Catch::Contains("missing value at row 0, output column 'x'"));
}

TEST_CASE("Preprocessor errors: not fitted, wrong width, infinite values", "[data][preprocess][errors]") {
    Preprocessor pre;
    Matrix X(2, 2);
    X << 1, 0, 2, 1;
    REQUIRE_THROWS_AS(pre.transform(X), NotFitted);
    REQUIRE_THROWS_AS(pre.n_output_features(), NotFitted);
    pre.fit(X, two_features());
    Matrix wrong(2, 3);
    wrong.setZero();
    REQUIRE_THROWS_AS(pre.transform(wrong), DataError);
    REQUIRE_THROWS_WITH(pre.transform(wrong), Catch::Contains("wrong number of columns (expected 2, got 3)"));
    X(0, 0) = std::numeric_limits<double>::infinity();
    REQUIRE_THROWS_AS(pre.transform(X), DataError);
    REQUIRE_THROWS_AS(pre.fit(X, two_features()), DataError);
    REQUIRE_THROWS_AS(pre.fit(Matrix(0, 2), two_features()), DataError);
}

TEST_CASE("Preprocessor fits on a Dataset and names its outputs", "[data][preprocess]") {
    Matrix X(3, 2);
    X << 1, 0, 2, 1, 3, 2;
    Vector y(3);
    y << 0, 1, 0;
    const Dataset d("toy", X, y, two_features(), TaskType::classification, {"a", "b"});
    Preprocessor pre;
    const Matrix Z = pre.fit_transform(d);
    REQUIRE(Z.rows() == 3);
    REQUIRE(Z.cols() == 4);
    REQUIRE(pre.output_names()[3] == "colour=blue");
    REQUIRE(Z(2, 3) == 1.0);
}

TEST_CASE("Preprocessor matches scikit-learn on labor.arff (fit on 40 rows, transform 17)", "[data][preprocess]") {
    // Reference: tests/data/reference_preprocess.py (scikit-learn 1.2: SimpleImputer median /
    // most_frequent, StandardScaler, OneHotEncoder over the declared categories). Tolerance 1e-12
    // relative + 1e-12 absolute (double rounding only).
    const auto d = read_arff(metalearn::test::data_file("weka/labor.arff"));
    std::vector<Index> train(40);
    std::vector<Index> test(17);
    for (Index i = 0; i < 40; ++i) train[static_cast<std::size_t>(i)] = i;
    for (Index i = 0; i < 17; ++i) test[static_cast<std::size_t>(i)] = 40 + i;
    Preprocessor pre;
    pre.fit(d.subset(train));
    const Matrix Z = pre.transform(d.subset(test).X());
    REQUIRE(Z.rows() == 17);
    REQUIRE(Z.cols() == 29);
    RowVector sums(29);
    sums << 4.49073119510249, 7.938059809606783, 2.20394233186526, 4.733000335427999, 12.0, 4.0, 1.0,
        4.645671041945265, 11.0, 1.0, 5.0, 4.70527963675325, 1.9495157700612373, 3.0, 14.0, -0.5306686305052282, 7.0,
        6.0, 4.0, 14.0, 3.0, 3.0, 9.0, 5.0, 16.0, 1.0, 2.0, 3.0, 12.0;
    RowVector first(29);
    first << -1.4969103983674978, 0.2947156396189852, 0.05956600896933153, 0.2995569832549365, 1.0, 0.0, 0.0,
        0.06789080854617212, 1.0, 0.0, 0.0, -0.18332258325012665, -0.09678447085410383, 1.0, 0.0,
        -0.07580980435789006, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0;
    REQUIRE_THAT(RowVector(Z.colwise().sum()), approx_matrix(sums, 1e-12, 1e-12));
    REQUIRE_THAT(RowVector(Z.row(0)), approx_matrix(first, 1e-12, 1e-12));
    REQUIRE(pre.output_names()[4] == "cost-of-living-adjustment=none");
}
