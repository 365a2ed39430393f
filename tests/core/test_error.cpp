#include "support/test_support.hpp"

#include <metalearn/core/error.hpp>
#include <metalearn/core/format.hpp>
#include <metalearn/data/dataset.hpp>

#include <limits>

using namespace metalearn;

TEST_CASE("ParseError carries file, line and column in its message", "[core][errors]") {
    const ParseError e("iris.arff", 12, 5, "expected a number");
    REQUIRE(std::string(e.what()) == "iris.arff:12:5: expected a number");
    REQUIRE(e.line() == 12);
    REQUIRE(e.column() == 5);
    REQUIRE(e.file() == "iris.arff");
    REQUIRE(e.message() == "expected a number");
    const Error& base = e;
    REQUIRE(std::string(base.what()).find("expected a number") != std::string::npos);
}

TEST_CASE("parse_error_at turns a byte offset into the line and column of a text", "[core][errors]") {
    // Positions counted by hand: "ab\ncd\n\nef" has 'a' at offset 0 (1:1), 'c' at 3 (2:1),
    // 'd' at 4 (2:2), the empty line 3 at offset 6, 'f' at 8 (4:2), and its end at 9 (4:3).
    const std::string text = "ab\ncd\n\nef";
    CHECK(text_position(text, 0).line == 1);
    CHECK(text_position(text, 0).column == 1);
    CHECK(text_position(text, 4).line == 2);
    CHECK(text_position(text, 4).column == 2);
    CHECK(text_position(text, 6).line == 3);
    CHECK(text_position(text, 6).column == 1);
    CHECK(text_position(text, 8).line == 4);
    CHECK(text_position(text, 8).column == 2);
    CHECK(text_position(text, 99).line == 4);  // clamped to the end
    CHECK(text_position(text, 99).column == 3);
    const ParseError e = parse_error_at("plan.json", text, 8, "bad");
    CHECK(std::string(e.what()) == "plan.json:4:2: bad");
}

TEST_CASE("Eigen objects format through fmt", "[core][format]") {
    Vector v(3);
    v << 1.0, 2.5, -3.0;
    REQUIRE(fmt::format("{:.1f}", v) == "[1.0, 2.5, -3.0]");
    Matrix m(2, 2);
    m << 1, 2, 3, 4;
    REQUIRE(fmt::format("{}", m) == "[[1, 2]\n [3, 4]]");
}

TEST_CASE("Dataset validates its invariants", "[core][data][errors]") {
    using data::Dataset;
    using data::FeatureInfo;
    using data::TaskType;
    Matrix X(3, 2);
    X << 1, 0, 2, 1, 3, std::numeric_limits<double>::quiet_NaN();
    Vector y(3);
    y << 0, 1, 1;
    const std::vector<FeatureInfo> f{FeatureInfo::numeric("a"), FeatureInfo::nominal("b", {"u", "v"})};
    const Dataset d("toy", X, y, f, TaskType::classification, {"no", "yes"});
    REQUIRE(d.n_samples() == 3);
    REQUIRE(d.n_features() == 2);
    REQUIRE(d.n_classes() == 2);
    REQUIRE(d.n_nominal() == 1);
    REQUIRE(d.n_missing() == 1);
    REQUIRE(d.class_counts() == std::vector<Index>{1, 2});
    const auto s = d.subset(std::vector<int>{2, 0});
    REQUIRE(s.y()[0] == 1.0);
    REQUIRE(s.X()(1, 0) == 1.0);

    Vector bad_y = y;
    bad_y[1] = 2;
    REQUIRE_THROWS_WITH(Dataset("toy", X, bad_y, f, TaskType::classification, {"no", "yes"}),
                        Catch::Contains("row 1 has class code 2"));
    Matrix bad_X = X;
    bad_X(0, 1) = 5;
    REQUIRE_THROWS_WITH(Dataset("toy", bad_X, y, f, TaskType::classification, {"no", "yes"}),
                        Catch::Contains("nominal feature 'b' holds 5"));
    bad_X = X;
    bad_X(1, 0) = std::numeric_limits<double>::infinity();
    REQUIRE_THROWS_AS(Dataset("toy", bad_X, y, f, TaskType::classification, {"no", "yes"}), DataError);
    REQUIRE_THROWS_WITH(Dataset("toy", Matrix(0, 2), Vector(0), f, TaskType::classification, {"no", "yes"}),
                        Catch::Contains("no samples"));
    REQUIRE_THROWS_WITH(Dataset("toy", X, y, {FeatureInfo::numeric("a"), FeatureInfo::numeric("a")},
                                TaskType::regression),
                        Catch::Contains("duplicate feature name 'a' (columns 0 and 1)"));
    // names z, b, b, z: the first repeat in column order is 'b' (column 2, first seen in column 1),
    // although 'z' repeats too and sorts after it
    const Matrix X4 = Matrix::Zero(2, 4);
    REQUIRE_THROWS_WITH(Dataset("toy", X4, Vector::Zero(2),
                                {FeatureInfo::numeric("z"), FeatureInfo::numeric("b"), FeatureInfo::numeric("b"),
                                 FeatureInfo::numeric("z")},
                                TaskType::regression),
                        Catch::Contains("duplicate feature name 'b' (columns 1 and 2)"));
    // names b, z, z, b: 'z' at column 2 comes before the repeat of 'b' at column 3
    REQUIRE_THROWS_WITH(Dataset("toy", X4, Vector::Zero(2),
                                {FeatureInfo::numeric("b"), FeatureInfo::numeric("z"), FeatureInfo::numeric("z"),
                                 FeatureInfo::numeric("b")},
                                TaskType::regression),
                        Catch::Contains("duplicate feature name 'z' (columns 1 and 2)"));
    // class names repeat: "yes" for codes 0 and 2
    Vector y3(3);
    y3 << 0, 1, 2;
    REQUIRE_THROWS_WITH(Dataset("toy", X, y3, f, TaskType::classification, {"yes", "no", "yes"}),
                        Catch::Contains("duplicate class name 'yes' (class codes 0 and 2)"));
    REQUIRE_THROWS_AS(d.subset(std::vector<int>{3}), DataError);
}
