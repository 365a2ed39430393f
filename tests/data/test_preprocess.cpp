// Tests of data/preprocess.hpp on hand-computed cases.

#include <metalearn/data/arff.hpp>
#include <metalearn/data/csv.hpp>
#include <metalearn/data/preprocess.hpp>

#include "support/test_support.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <stdexcept>
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

TEST_CASE("OneHotEncoder with max_categories keeps the most frequent categories and folds the rest into one column",
          "[data][preprocess]") {
    // Hand-made table, counted by hand: c = e, e, b, b, c, a, NaN over the declared a..e, i.e.
    // a:1 b:2 c:1 d:0 e:2. Cap 3 → the 2 most frequent (b and e, tied at 2) keep a column in code
    // order, and a, c, d (d declared but absent) share "c=(other)".
    const std::vector<FeatureInfo> f = {FeatureInfo::numeric("x"), FeatureInfo::nominal("c", {"a", "b", "c", "d", "e"})};
    Matrix X(7, 2);
    X << 1, 4, 2, 4, 3, 1, 4, 1, 5, 2, 6, 0, 7, NaN_;
    OneHotEncoder enc({.max_categories = 3});
    enc.fit(X, f);
    REQUIRE(enc.n_output_features() == 4);
    REQUIRE(enc.output_names() == std::vector<std::string>{"x", "c=b", "c=e", "c=(other)"});
    REQUIRE(enc.infrequent_categories(1) == std::vector<std::string>{"a", "c", "d"});
    REQUIRE(enc.infrequent_categories(0).empty());
    REQUIRE(enc.is_indicator() == std::vector<bool>{false, true, true, true});
    Matrix expected(7, 4);
    expected << 1, 0, 1, 0,  // e
        2, 0, 1, 0,          // e
        3, 1, 0, 0,          // b
        4, 1, 0, 0,          // b
        5, 0, 0, 1,          // c → other
        6, 0, 0, 1,          // a → other
        7, 0, 0, 0;          // missing → all zeros
    REQUIRE_THAT(enc.transform(X), approx_matrix(expected, 0.0));
    // A test row with the absent category d also lands in "other".
    Matrix t(1, 2);
    t << 0, 3;
    Matrix te(1, 4);
    te << 0, 0, 0, 1;
    REQUIRE_THAT(enc.transform(t), approx_matrix(te, 0.0));
}

TEST_CASE("OneHotEncoder cap breaks ties by category order and leaves small columns alone", "[data][preprocess]") {
    // An identifier column: 6 rows, 6 categories, each once. Cap 4 → all counts tie at 1, so the
    // first 3 codes are kept (u0, u1, u2) and u3..u5 fold into "id=(other)".
    std::vector<std::string> cats = {"u0", "u1", "u2", "u3", "u4", "u5"};
    const std::vector<FeatureInfo> f = {FeatureInfo::nominal("id", cats), FeatureInfo::nominal("small", {"p", "q"})};
    Matrix X(6, 2);
    X << 5, 0, 4, 1, 3, 0, 2, 1, 1, 0, 0, 1;
    OneHotEncoder enc({.max_categories = 4});
    enc.fit(X, f);
    REQUIRE(enc.output_names() ==
            std::vector<std::string>{"id=u0", "id=u1", "id=u2", "id=(other)", "small=p", "small=q"});
    REQUIRE(enc.infrequent_categories(0) == std::vector<std::string>{"u3", "u4", "u5"});
    REQUIRE(enc.infrequent_categories(1).empty());  // 2 categories ≤ cap: encoded as without a cap
    const Matrix Z = enc.transform(X);
    REQUIRE(Z.col(3).sum() == 3.0);  // rows holding u5, u4, u3
    REQUIRE(Z(0, 3) == 1.0);
    REQUIRE(Z(5, 0) == 1.0);
    // Cap equal to K: no folding.
    OneHotEncoder exact({.max_categories = 6});
    exact.fit(X, f);
    REQUIRE(exact.n_output_features() == 8);
    // Without a cap: one column per declared category.
    OneHotEncoder none;
    none.fit(X, f);
    REQUIRE(none.n_output_features() == 8);
}

TEST_CASE("OneHotEncoder cap errors: cap of 1, layout-only fit over the cap, column out of range",
          "[data][preprocess][errors]") {
    REQUIRE_THROWS_AS(OneHotEncoder({.max_categories = 1}), ConfigError);
    REQUIRE_THROWS_WITH(OneHotEncoder({.max_categories = -3}), Catch::Contains("expected 0 = no limit or >= 2, got -3"));
    OneHotEncoder enc({.max_categories = 2});
    REQUIRE_THROWS_AS(enc.fit(two_features()), ConfigError);
    REQUIRE_THROWS_WITH(enc.fit(two_features()), Catch::Contains("feature 'colour' declares 3 categories"));
    REQUIRE_THROWS_AS(enc.infrequent_categories(0), NotFitted);
    OneHotEncoder ok({.max_categories = 3});
    ok.fit(two_features());  // 3 categories ≤ cap: the declared layout is enough
    REQUIRE(ok.n_output_features() == 4);
    REQUIRE_THROWS_AS(ok.infrequent_categories(2), ConfigError);
    REQUIRE_THROWS_AS(ok.fit(Matrix(2, 3), two_features()), DataError);
}

TEST_CASE("identifier_like_columns flags nominal columns with more distinct values than half the rows and than 20",
          "[data][preprocess]") {
    // 40 rows. "id" = min(i, 25) with row 0 missing: codes 1..25, 25 distinct in 39 non-missing
    // cells (25 > 20 and 25 > 0.5 · 39) → flagged. "twenty" = i mod 20: 20 distinct, not > 20 →
    // not flagged. "few": 2 distinct. "num": numeric, never flagged.
    const Index n = 40;
    std::vector<std::string> c40;
    for (int i = 0; i < 40; ++i) c40.push_back(fmt::format("v{}", i));
    const std::vector<FeatureInfo> f = {FeatureInfo::nominal("id", c40), FeatureInfo::nominal("twenty", c40),
                                        FeatureInfo::nominal("few", {"a", "b"}), FeatureInfo::numeric("num")};
    Matrix X(n, 4);
    for (Index i = 0; i < n; ++i) {
        X(i, 0) = static_cast<double>(std::min<Index>(i, 25));
        X(i, 1) = static_cast<double>(i % 20);
        X(i, 2) = static_cast<double>(i % 2);
        X(i, 3) = static_cast<double>(i);
    }
    X(0, 0) = NaN_;
    const auto found = identifier_like_columns(X, f);
    REQUIRE(found.size() == 1);
    REQUIRE(found[0].column == 0);
    REQUIRE(found[0].name == "id");
    REQUIRE(found[0].distinct == 25);
    REQUIRE(found[0].non_missing == 39);
    // Lower thresholds flag "twenty" too (20 distinct > 10 and > 0.4 · 40 = 16).
    REQUIRE(identifier_like_columns(X, f, 0.4, 10).size() == 2);
    REQUIRE_THROWS_AS(identifier_like_columns(X, f, 0.0), ConfigError);
}

TEST_CASE("Preprocessor caps a generated table with two unique-text columns at 32 columns each and warns",
          "[data][preprocess]") {
    // The high-cardinality reproducer, small: 200 rows, "name" and "id" distinct in every row, two
    // numeric columns and a 2-class target, written as CSV and read back. Default cap 32 → each
    // text column gives 31 kept names + "(other)": 2 + 2 · 32 = 66 columns (without the cap:
    // 2 + 2 · 200 = 402). All counts tie at 1, so the kept ones are the first 31 in category
    // order (sorted text: name_000 .. name_030) and "(other)" holds the remaining 169 rows.
    std::string csv = "name,id,x1,x2,class\n";
    for (int i = 0; i < 200; ++i)
        csv += fmt::format("name_{:03d},ID{:05d},{},{},{}\n", i, (i * 7919) % 100000, i % 13, i % 7, i % 2);
    CsvOptions csv_options;
    csv_options.target = "class";
    const auto d = read_csv_string(csv, "ids.csv", csv_options);
    REQUIRE(d.n_nominal() == 2);
    std::vector<std::string> warnings;
    Preprocessor pre({.on_warning = [&](const std::string& m) { warnings.push_back(m); }});
    const Matrix Z = pre.fit_transform(d);
    REQUIRE(pre.options().max_categories == 32);
    REQUIRE(Z.cols() == 66);
    const auto names = pre.output_names();
    REQUIRE(names[0] == "name=name_000");
    REQUIRE(names[30] == "name=name_030");
    REQUIRE(names[31] == "name=(other)");
    REQUIRE(Z.col(31).sum() == 169.0);
    REQUIRE(names[63] == "id=(other)");
    REQUIRE(Z.col(63).sum() == 169.0);
    REQUIRE(warnings.size() == 2);
    REQUIRE_THAT(warnings[0], Catch::Contains("'name' looks like free text or an identifier (200 distinct values in "
                                              "200 rows); one-hot keeps 31 of its categories and folds 169"));
    REQUIRE_THAT(warnings[1], Catch::Contains("'id'"));
    Preprocessor uncapped({.max_categories = 0});
    REQUIRE(uncapped.fit_transform(d).cols() == 402);
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
    Matrix W = X;  // in place: the same values to the bit
    sc.transform_in_place(W);
    REQUIRE(W == Z);
    Matrix narrow(4, 1);
    REQUIRE_THROWS_AS(sc.transform_in_place(narrow), metalearn::DataError);
    REQUIRE_THROWS_AS(StandardScaler().transform_in_place(W), metalearn::NotFitted);
}

TEST_CASE("StandardScaler: a column whose spread is a few subnormals maps to finite values", "[data][preprocess]") {
    // 0 and 5e-324 (the smallest subnormal): mean 2.5e-324-ish and sd 2^-1075 underflow, so the
    // spread cannot be a divisor; the column is scaled like one constant at rounding level
    // (scale 1): every output is (x - mean) / 1, finite and within 5e-324 of 0.
    Matrix X(4, 2);
    X << 0, 1, 5e-324, 2, 0, 3, 5e-324, 4;
    StandardScaler sc;
    sc.fit(X);
    CHECK(sc.scale()[0] == 1.0);
    const Matrix Z = sc.transform(X);
    CHECK(Z.allFinite());
    CHECK(Z.col(0).cwiseAbs().maxCoeff() <= 5e-324);
    CHECK(Z(0, 1) == Approx(-1.5 / std::sqrt(1.25)));
    // the whole preprocessing (which refuses NaN in its output) goes through
    Preprocessor pre;
    pre.fit(X, {FeatureInfo::numeric("a"), FeatureInfo::numeric("b")});
    CHECK(pre.transform(X).allFinite());
}

TEST_CASE("StandardScaler judges a constant column relative to its magnitude: a rescaled column is scaled like the original",
          "[data][preprocess]") {
    // Expected: z = (x - mean) / sd is invariant under x -> c x for c > 0 (closed form), so the
    // output for c = 1e-15, 1e-300, 1e160 and 1e300 equals the output for c = 1; a column whose
    // values are all equal up to rounding (one unit in the last place) stays constant and maps to
    // about 0 at any scale.
    Matrix X(5, 2);
    X << 1, 3, 2, 3, 4, std::nextafter(3.0, 4.0), 8, 3, 16, 3;
    StandardScaler reference;
    reference.fit(X);
    const Matrix expected = reference.transform(X);
    REQUIRE(reference.scale()[1] == Approx(3.0));  // constant up to rounding: max(1, max |x|)
    REQUIRE(expected(0, 0) != 0.0);         // not constant
    for (const double c : {1e-15, 1e-300, 1e160, 1e300, -1e-15}) {
        INFO("scale " << c);
        const Matrix Xc = X * c;
        StandardScaler sc;
        sc.fit(Xc);
        const Matrix Z = sc.transform(Xc);
        REQUIRE(Z.allFinite());
        CHECK(Z.col(1).cwiseAbs().maxCoeff() <= 1e-15);
        CHECK_THAT(Matrix(Z.col(0) * (c < 0 ? -1.0 : 1.0)), approx_matrix(Matrix(expected.col(0)), 1e-12, 1e-12));
    }
    // A power of two changes no bit: the mean and sd are those of the plain formulas.
    StandardScaler pow2;
    pow2.fit(X * std::ldexp(1.0, -60));
    CHECK(pow2.scale()[0] == std::ldexp(reference.scale()[0], -60));
    CHECK(pow2.mean()[0] == std::ldexp(reference.mean()[0], -60));
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

TEST_CASE("Preprocessor standardises as StandardScaler on the encoded matrix with the indicators skipped, to the bit",
          "[data][preprocess]") {
    // labor.arff: 8 numeric and 8 nominal columns, missing values in both. The Preprocessor fits
    // its scaler on the numeric columns alone, placed at their encoded positions; the result must
    // be the one of the plain steps: impute, encode every row, fit on all columns skipping the
    // indicators (or, without one-hot, the nominal codes).
    const auto d = read_arff(metalearn::test::data_file("weka/labor.arff"));
    for (const bool one_hot : {true, false}) {
        CAPTURE(one_hot);
        Preprocessor pre({.one_hot = one_hot});
        pre.fit(d);
        SimpleImputer imputer;
        imputer.fit(d.X(), d.features());
        const Matrix imputed = imputer.transform(d.X());
        OneHotEncoder encoder({.max_categories = 32});
        if (one_hot) encoder.fit(imputed, d.features());
        else {
            auto codes = d.features();  // nominal columns kept as their codes: one column each
            for (auto& f : codes) f = FeatureInfo::numeric(f.name);
            encoder.fit(codes);
        }
        const Matrix encoded = encoder.transform(imputed);
        auto skip = encoder.is_indicator();
        if (!one_hot)
            for (std::size_t j = 0; j < d.features().size(); ++j) skip[j] = d.features()[j].is_nominal();
        StandardScaler scaler;
        scaler.fit(encoded, skip);
        const Matrix expected = scaler.transform(encoded);
        const Matrix got = pre.transform(d.X());
        REQUIRE(got.cols() == expected.cols());
        REQUIRE((got.array() == expected.array()).all());
    }
}

TEST_CASE("StandardScaler::fit with placed columns: statistics at their places, the rest unchanged; errors",
          "[data][preprocess][errors]") {
    // Columns (0, 2, 4, 6) and (1, 1, 1, 1): mean 3, population sd sqrt(5); constant → scale 1.
    Matrix X(4, 2);
    X << 0, 1, 2, 1, 4, 1, 6, 1;
    StandardScaler scaler;
    scaler.fit(X, std::vector<Index>{3, 0}, 5);
    Vector mean(5);
    mean << 1, 0, 0, 3, 0;
    Vector scale(5);
    scale << 1, 1, 1, std::sqrt(5.0), 1;
    REQUIRE_THAT(scaler.mean(), approx_matrix(mean, 0.0));
    REQUIRE_THAT(scaler.scale(), approx_matrix(scale, 0.0));
    REQUIRE_THROWS_WITH(scaler.fit(X, std::vector<Index>{0}, 5),
                        Catch::Contains("placement lists 1 output columns for 2 input columns"));
    REQUIRE_THROWS_WITH(scaler.fit(X, std::vector<Index>{1, 5}, 5),
                        Catch::Contains("placement[1] = 5 is out of range or repeated"));
    REQUIRE_THROWS_WITH(scaler.fit(X, std::vector<Index>{2, 2}, 5),
                        Catch::Contains("placement[1] = 2 is out of range or repeated"));
    REQUIRE_THROWS_AS(scaler.fit(Matrix(0, 2), std::vector<Index>{0, 1}, 5), DataError);
}

TEST_CASE("Preprocessor standardises values near the double range without overflow, and refuses what cannot be "
          "represented",
          "[data][preprocess][errors]") {
    // 1.7e308 − mean overflows in one subtraction when the mean is negative enough; the expected
    // z-scores are the population-sd formula evaluated in 50-digit arithmetic (mpmath).
    Matrix X(3, 1);
    X << 1.7e308, -1.7e308, 1e308;
    const std::vector<FeatureInfo> x_only{FeatureInfo::numeric("x")};
    Preprocessor pre;
    pre.fit(X, x_only);
    Matrix expected(3, 1);
    expected << 0.9322998661004518, -1.387080288588477, 0.45478042248802525;
    REQUIRE_THAT(pre.transform(X), approx_matrix(expected, 1e-14, 1e-14));
    // fitted on values around 1e-300, a value of 1e300 is about 1e600 standard deviations away
    Matrix tiny(3, 1);
    tiny << 1e-300, 2e-300, 3e-300;
    pre.fit(tiny, x_only);
    Matrix huge(2, 1);
    huge << 2e-300, 1e300;
    REQUIRE_THROWS_AS(pre.transform(huge), DataError);
    REQUIRE_THROWS_WITH(pre.transform(huge), Catch::Contains("at row 1, output column 'x' is out of range"));
}

TEST_CASE("Preprocessor: a fit that throws part-way leaves it unfitted; the cap is checked without one-hot too",
          "[data][preprocess][errors]") {
    PreprocessOptions options;
    options.on_warning = [](const std::string&) { throw std::runtime_error("stop"); };
    Preprocessor pre(options);
    Matrix first(1, 1);
    first << 1;
    pre.fit(first, {FeatureInfo::numeric("a")});
    REQUIRE(pre.is_fitted());
    // a 21-row identifier-like nominal column makes fit warn, and the callback throws
    std::vector<std::string> categories;
    for (int c = 0; c < 30; ++c) categories.push_back(std::to_string(c));
    Matrix X(21, 2);
    for (Index i = 0; i < 21; ++i) X.row(i) << static_cast<double>(i), static_cast<double>(i);
    const std::vector<FeatureInfo> features{FeatureInfo::nominal("id", categories), FeatureInfo::numeric("b")};
    REQUIRE_THROWS_WITH(pre.fit(X, features), "stop");
    REQUIRE_FALSE(pre.is_fitted());
    REQUIRE_THROWS_AS(pre.transform(X), NotFitted);
    for (const bool one_hot : {true, false}) {
        Preprocessor capped({.one_hot = one_hot, .max_categories = 1});
        REQUIRE_THROWS_AS(capped.fit(X, features), ConfigError);
    }
    StandardScaler scaler;
    REQUIRE_THROWS_WITH(scaler.fit(Matrix(4, 0), std::vector<Index>{}, -3), Catch::Contains("negative width -3"));
}
