// The malformed-input catalogue: every reader error has its exception type, line, column and a
// message saying what was expected. Inputs are small strings written for each case.

#include <metalearn/data/arff.hpp>
#include <metalearn/data/csv.hpp>
#include <metalearn/data/idx.hpp>
#include <metalearn/data/read.hpp>

#include "support/test_support.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#if defined(METALEARN_HAS_ZLIB)
#include <zlib.h>
#endif

using namespace metalearn;
using namespace metalearn::data;

namespace {

// Runs `f`, requires a ParseError at (line, column) whose message contains `text`.
template <class F>
void require_parse_error(F&& f, std::size_t line, std::size_t column, const std::string& text) {
    try {
        f();
        FAIL("expected a ParseError containing: " << text);
    } catch (const ParseError& e) {
        INFO(e.what());
        CHECK(e.line() == line);
        if (column != 0) CHECK(e.column() == column);
        CHECK_THAT(e.message(), Catch::Contains(text));
        CHECK(e.file() == "bad");
    }
}

void arff_error(const std::string& text, std::size_t line, std::size_t column, const std::string& message) {
    require_parse_error([&] { (void)read_arff_string(text, "bad"); }, line, column, message);
}

void csv_error(const std::string& text, std::size_t line, std::size_t column, const std::string& message,
               const CsvOptions& options = {}) {
    require_parse_error([&] { (void)read_csv_string(text, "bad", options); }, line, column, message);
}

const std::string header = "@relation r\n"        // line 1
                           "@attribute x numeric\n"  // line 2
                           "@attribute c {a, b}\n"   // line 3
                           "@data\n";                // line 4

}  // namespace

TEST_CASE("ARFF: empty input and header-only input", "[data][arff][errors]") {
    arff_error("", 1, 1, "empty input (expected @relation");
    arff_error("% only a comment\n\n", 1, 1, "empty input");
    // Header only (no @data): the error is on the last line.
    arff_error("@relation r\n@attribute x numeric\n@attribute c {a,b}\n", 3, 0,
               "unexpected end of input in the header (expected an @data section");
}

TEST_CASE("ARFF: truncated files", "[data][arff][errors]") {
    // Cut inside a nominal declaration.
    arff_error("@relation r\n@attribute x numeric\n@attribute c {a, b", 3, 14,
               "unterminated nominal value list of attribute 'c' (expected '}')");
    // Cut inside the last data row.
    arff_error(header + "1,a\n2", 6, 1,
               "row has 1 value(s) but 2 attribute(s) are declared (expected one value per attribute); the file may be "
               "truncated");
}

TEST_CASE("ARFF: unknown attribute type", "[data][arff][errors]") {
    arff_error("@relation r\n@attribute x numbr\n@data\n1\n", 2, 14,
               "unknown attribute type 'numbr' for attribute 'x' (expected numeric, real, integer, string, date");
    arff_error("@relation r\n@attribute x relational\n@data\n1\n", 2, 14, "relational attribute 'x' is not supported");
}

TEST_CASE("ARFF: wrong number of values in a row", "[data][arff][errors]") {
    arff_error(header + "1,a\n2,b,3\n", 6, 1,
               "row has 3 value(s) but 2 attribute(s) are declared (expected one value per attribute)");
}

TEST_CASE("ARFF: a declaration after @data is named as such", "[data][arff][errors]") {
    // header: @data on line 4; the stray declaration on line 6, indented by two spaces
    arff_error(header + "1,a\n  @ATTRIBUTE z numeric\n", 6, 3,
               "@attribute declaration in the @data section (expected data rows: declarations come before the @data "
               "line, line 4)");
}

TEST_CASE("ARFF: undeclared nominal value", "[data][arff][errors]") {
    arff_error(header + "1,a\n% comment\n2, purple\n", 7, 4,
               "value 'purple' is not a declared category of attribute 'c' (expected one of {a, b})");
    // Quoted '?' is a value, not a missing marker.
    arff_error(header + "1,'?'\n", 5, 3, "value '?' is not a declared category");
}

TEST_CASE("ARFF: unterminated quote", "[data][arff][errors]") {
    arff_error(header + "1,'a\n", 5, 3, "unterminated quoted string (expected a closing ')");
    arff_error("@relation r\n@attribute \"x numeric\n@data\n", 2, 12, "unterminated quoted string");
}

TEST_CASE("ARFF: non-numeric value in a numeric attribute", "[data][arff][errors]") {
    arff_error(header + "1,a\nabc,b\n", 6, 1, "'abc' is not a number (expected a numeric value for attribute 'x')");
    arff_error(header + "1.2.3,a\n", 5, 1, "'1.2.3' is not a number");
}

TEST_CASE("ARFF: infinity and NaN spelled out are rejected", "[data][arff][errors]") {
    arff_error(header + "inf,a\n", 5, 1, "'inf' is not a finite number for attribute 'x' (expected a finite numeric "
                                         "value, or ? for missing)");
    arff_error(header + "-Infinity,a\n", 5, 1, "not a finite number");
    arff_error(header + "NaN,a\n", 5, 1, "not a finite number");
    arff_error(header + "1e999,a\n", 5, 1, "not a finite number");
}

TEST_CASE("ARFF: duplicate attribute names", "[data][arff][errors]") {
    arff_error("@relation r\n@attribute x numeric\n@attribute c {a}\n@attribute x real\n@data\n1,a,2\n", 4, 12,
               "duplicate attribute name 'x' (first declared on line 2)");
}

TEST_CASE("ARFF: a data section without rows", "[data][arff][errors]") {
    arff_error(header + "% nothing here\n\n", 4, 0, "the @data section has no rows (expected at least one data row)");
}

TEST_CASE("ARFF: other malformed headers", "[data][arff][errors]") {
    arff_error("@relation r\nx numeric\n", 2, 1, "unexpected text 'x numeric' in the header");
    arff_error("@relation r\n@atribute x numeric\n", 2, 1, "unknown keyword '@atribute'");
    arff_error("@relation r\n@data\n1\n", 2, 0, "@data before any @attribute");
    arff_error("@relation r\n@attribute x numeric\n@data 1\n2\n", 3, 7, "unexpected text '1' after @data");
    arff_error("@relation r\n@attribute x numeric\n@data\n+-1\n", 4, 1, "'+-1'");
    arff_error("@relation r\n@attribute c {a, a}\n@data\na\n", 2, 18, "duplicate nominal value 'a'");
    arff_error(header + "{5 1}\n", 5, 2, "sparse index 5 out of range (expected 0 to 1)");
    arff_error(header + "{0 1, 1 a\n", 5, 1, "unterminated sparse row");
}

TEST_CASE("ARFF: option errors and unusable targets", "[data][arff][errors]") {
    ArffOptions o;
    o.target = "nope";
    REQUIRE_THROWS_AS(read_arff_string(header + "1,a\n", "bad", o), ConfigError);
    REQUIRE_THROWS_WITH(read_arff_string(header + "1,a\n", "bad", o), Catch::Contains("target 'nope' is not an attribute"));
    o = {};
    o.task = TaskType::regression;
    REQUIRE_THROWS_AS(read_arff_string(header + "1,a\n", "bad", o), DataError);
    // Every class missing.
    REQUIRE_THROWS_WITH(read_arff_string(header + "1,?\n2,?\n", "bad"),
                        Catch::Contains("every one of the 2 rows of 'bad' has a missing target 'c'"));
    // A string target, and string attributes rejected on request.
    const std::string s = "@relation r\n@attribute x numeric\n@attribute t string\n@data\n1,hello\n";
    REQUIRE_THROWS_AS(read_arff_string(s, "bad"), DataError);
    REQUIRE_THROWS_WITH(read_arff_string(s, "bad"), Catch::Contains("target attribute 't' of 'bad' has type string"));
    o = {};
    o.string_attributes = UnsupportedAttributes::reject;
    require_parse_error([&] { (void)read_arff_string(s, "bad", o); }, 3, 14, "attribute 't' has type string");
}

TEST_CASE("CSV: the malformed-input catalogue", "[data][csv][errors]") {
    csv_error("", 1, 1, "empty input (expected a header row and data rows)");
    csv_error("\n\n", 2, 1, "empty input");
    csv_error("a,b,c\n", 1, 1, "no data rows after the header (expected at least one row)");
    csv_error("a,b,a\n1,2,3\n", 1, 5, "duplicate column name 'a' (columns 1 and 3; expected unique names)");
    csv_error("a,b,c\n1,2,3\n4,5\n", 3, 4, "row has 2 field(s) (expected 3, as in the header on line 1)");
    csv_error("a,b,c\n1,2,3\n4,5,6,7\n", 3, 7, "row has 4 field(s) (expected 3");
    // One empty field too many: the message says the line ends with a delimiter.
    csv_error("a,b,c\n1,2,3\n4,5,6,\n", 3, 7,
              "row has 4 field(s) (expected 3, as in the header on line 1); the line ends with a delimiter");
    // A quoted empty field is written on purpose: no such hint.
    try {
        (void)read_csv_string("a,b,c\n1,2,3\n4,5,6,\"\"\n", "bad");
        FAIL("expected a ParseError");
    } catch (const ParseError& e) {
        CHECK(e.message() == "row has 4 field(s) (expected 3, as in the header on line 1)");
    }
    csv_error("a,b,c\n1,\"2,3\n", 2, 3, "unterminated quoted field (expected a closing \")");
    csv_error("a,b,c\n1,\"2\"x,3\n", 2, 6, "unexpected text after a closing quote (expected the delimiter ',')");
    csv_error("a,b,c\n1,2,0\n4,inf,1\n", 3, 3, "'inf' is not a finite number in column 'b' (expected a finite number or a "
                                           "missing marker)");
    csv_error("a,b,c\n1,2,0\n4,-Infinity,1\n", 3, 3, "not a finite number");
    // The first bad cell of the file is reported, not the first bad column's (here on line 4).
    csv_error("a,b,c,t\n1,2,0,x\n4,5,inf,y\n7,-inf,1,x\n", 3, 5, "'inf' is not a finite number in column 'c'");
    CsvOptions numeric;
    numeric.numeric_columns = {"b"};
    csv_error("a,b,c\n1,2,0\n4,abc,1\n", 3, 3, "'abc' is not a number (expected a numeric value in column 'b')", numeric);
    // Without forcing, a text value makes the column nominal instead.
    REQUIRE(read_csv_string("a,b,c\n1,2,0\n4,abc,1\n", "ok").feature(1).is_nominal());
    // Removing "nan" from the missing markers makes it an error like "inf".
    CsvOptions strict;
    strict.missing_values = {""};
    csv_error("a,b\n1,nan\n2,3\n", 2, 3, "'nan' is not a finite number", strict);
}

TEST_CASE("CSV: option errors", "[data][csv][errors]") {
    CsvOptions o;
    o.target = "z";
    REQUIRE_THROWS_AS(read_csv_string("a,b\n1,2\n", "bad", o), ConfigError);
    REQUIRE_THROWS_WITH(read_csv_string("a,b\n1,2\n", "bad", o),
                        Catch::Contains("target 'z' is not a column (expected one of: a, b)"));
    o = {};
    o.target_index = 5;
    REQUIRE_THROWS_AS(read_csv_string("a,b\n1,2\n", "bad", o), ConfigError);
    o = {};
    o.task = TaskType::regression;
    REQUIRE_THROWS_AS(read_csv_string("a,b\n1,x\n", "bad", o), DataError);
    REQUIRE_THROWS_AS(read_csv_string("a,b\n1,?\n", "bad"), DataError);  // every target missing
}

TEST_CASE("Readers: unreadable files, unsupported types and bad IDX files", "[data][read][errors]") {
    REQUIRE_THROWS_AS(read_arff("no/such/file.arff"), IoError);
    REQUIRE_THROWS_WITH(read_csv("no/such/file.csv"), Catch::Contains("cannot open 'no/such/file.csv'"));
    REQUIRE_THROWS_AS(read_dataset("file.xlsx"), ConfigError);
    const auto dir = std::filesystem::temp_directory_path() / "metalearn_test_data_errors";
    std::filesystem::create_directories(dir);
    // A folder where a file is expected is named as one, with or without a dataset extension.
    std::filesystem::create_directories(dir / "folder.csv");
    REQUIRE_THROWS_AS(read_dataset(dir), IoError);
    REQUIRE_THROWS_WITH(read_dataset(dir), Catch::Contains("'" + dir.string() + "' is a directory, not a dataset file"));
    REQUIRE_THROWS_WITH(read_dataset(dir / "folder.csv"), Catch::Contains("is a directory, not a dataset file"));
    REQUIRE_THROWS_WITH(read_csv(dir / "folder.csv"), Catch::Contains("is a directory, not a file"));
    const auto write = [&](const std::string& name, const std::string& bytes) {
        std::ofstream(dir / name, std::ios::binary) << bytes;
        return dir / name;
    };
    // scikit-learn's layout: a repeated class name in the first line, a repeated column name in
    // the names line: refused with the file, line and column
    const auto dup_class = write("dup_class.csv", "3,2,a,a\n1,2,0\n3,4,1\n5,6,0\n");
    REQUIRE_THROWS_AS(read_sklearn_csv(dup_class), ParseError);
    REQUIRE_THROWS_WITH(read_sklearn_csv(dup_class), Catch::Contains("dup_class.csv:1:7") &&
                                                         Catch::Contains("duplicate class name 'a' (classes 0 and 1"));
    const auto dup_name = write("dup_name.csv", "3,2\nx,x,y\n1,2,0\n3,4,1\n5,6,0\n");
    REQUIRE_THROWS_WITH(read_sklearn_csv(dup_name), Catch::Contains("dup_name.csv:2:3") &&
                                                        Catch::Contains("duplicate column name 'x' (columns 1 and 2"));
    // an unnamed column whose default name (column_<j>) another column has: says which is unnamed
    const auto unnamed = write("unnamed.csv", "column_2,,class\n1,2,x\n3,4,y\n");
    REQUIRE_THROWS_WITH(read_csv(unnamed), Catch::Contains("column 2 has no name and its default name 'column_2' is "
                                                           "also the name of column 1"));
    // A semicolon-separated .csv: read_dataset detects it (and says so); read_csv with ',' says why
    // it cannot read it instead of making one column of it.
    const auto semicolons = write("semicolons.csv", "a;b;class\n1.5;2;x\n3;4;y\n5;6;x\n");
    std::vector<std::string> warnings;
    ReadOptions warn;
    warn.on_warning = [&](const std::string& w) { warnings.push_back(w); };
    const auto d = read_dataset(semicolons, warn);
    CHECK(d.n_features() == 2);
    CHECK(d.n_samples() == 3);
    CHECK(d.X()(0, 0) == 1.5);
    CHECK(d.class_names() == std::vector<std::string>{"x", "y"});
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("semicolon-separated"));
    REQUIRE_THROWS_AS(read_csv(semicolons), ParseError);
    REQUIRE_THROWS_WITH(read_csv(semicolons), Catch::Contains("looks semicolon-separated") &&
                                                  Catch::Contains("CsvOptions::delimiter = ';'"));
    // A spreadsheet's export where ',' is the decimal mark: its numbers are numbers, said once per
    // column; a column with other text, or "1.234,5", stays nominal; decimal_comma = false keeps
    // them text.
    const auto european = write("european.csv", "weight;height;code;class\n1,5;170;1,2,3;x\n2;165,5;a;y\n-0,25;?;b;x\n");
    warnings.clear();
    const auto e = read_dataset(european, warn);
    REQUIRE(e.n_features() == 3);
    CHECK(e.feature(0).kind == FeatureKind::numeric);
    CHECK(e.X()(0, 0) == 1.5);
    CHECK(e.X()(1, 0) == 2.0);
    CHECK(e.X()(2, 0) == -0.25);
    CHECK(e.feature(1).kind == FeatureKind::numeric);
    CHECK(e.X()(1, 1) == 165.5);
    CHECK(std::isnan(e.X()(2, 1)));
    CHECK(e.feature(2).kind == FeatureKind::nominal);
    REQUIRE(warnings.size() == 3);  // the delimiter, then one per decimal-comma column
    CHECK_THAT(warnings[1], Catch::Contains("column 'weight' has numbers with a decimal comma (the first, '1,5', on line 2)"));
    CHECK_THAT(warnings[2], Catch::Contains("column 'height'") && Catch::Contains("'165,5', on line 3"));
    CsvOptions text_commas;
    text_commas.delimiter = ';';
    text_commas.decimal_comma = false;
    CHECK(read_csv(european, text_commas).feature(0).kind == FeatureKind::nominal);
    CsvOptions semicolon;
    semicolon.delimiter = ';';
    CHECK(read_csv_string("v;class\n1.234,5;x\n2,5;y\n", "thousands", semicolon).feature(0).kind == FeatureKind::nominal);
    // "1.234" beside "1,5": a thousands separator or a decimal point; the column stays text
    CHECK(read_csv_string("a;class\n1,5;x\n1.234;y\n2;x\n", "mixed", semicolon).feature(0).kind == FeatureKind::nominal);
    // A header with a comma in a name ("Preis, EUR") but more ';' than ',' is still ';'-separated
    const auto comma_name = write("comma-name.csv", "Preis, EUR;Menge;class\n1,5;2;x\n3,25;4;y\n");
    warnings.clear();
    const auto c = read_dataset(comma_name, warn);
    REQUIRE(c.n_features() == 2);
    CHECK(c.feature(0).name == "Preis, EUR");
    CHECK(c.X()(1, 0) == 3.25);
    CHECK(c.class_names() == std::vector<std::string>{"x", "y"});
    // A tab-separated .csv and a comma-separated .tsv: one header column naming several is refused
    const auto tabs = write("tabs.csv", "a\tb\tclass\n1\t2\tx\n3\t4\ty\n");
    REQUIRE_THROWS_WITH(read_dataset(tabs), Catch::Contains("looks tab-separated") &&
                                                Catch::Contains("CsvOptions::delimiter = '\\t'"));
    const auto commas = write("commas.tsv", "a,b,class\n1,2,x\n3,4,y\n");
    REQUIRE_THROWS_WITH(read_dataset(commas), Catch::Contains("looks comma-separated"));
    const auto bad_magic = write("bad-magic", std::string("\x01\x02\x08\x01", 4));
    REQUIRE_THROWS_AS(read_idx_labels(bad_magic), ParseError);
    REQUIRE_THROWS_WITH(read_idx_labels(bad_magic), Catch::Contains("not an IDX file (expected magic bytes 00 00"));
    // Declares 5 labels but holds 2.
    const auto truncated = write("truncated", std::string("\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", 10));
    REQUIRE_THROWS_WITH(read_idx_labels(truncated), Catch::Contains("truncated IDX data (expected 5 values, got 2)"));
    REQUIRE_THROWS_WITH(read_idx_images(truncated), Catch::Contains("truncated IDX data"));
    const auto labels = write("labels", std::string("\x00\x00\x08\x01\x00\x00\x00\x02\x01\x02", 10));
    REQUIRE(read_idx_labels(labels).size() == 2);
    REQUIRE_THROWS_WITH(read_idx_images(labels), Catch::Contains("expected 3 dimensions (n x rows x cols), got 1"));
    const auto text_file = write("bad.arff", "@relation r\n@attribute x numeric\n@data\nabc\n");
    try {
        (void)read_dataset(text_file);
        FAIL("expected a ParseError");
    } catch (const ParseError& e) {
        REQUIRE(e.file() == text_file.string());
        REQUIRE(e.line() == 4);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("Truncated or corrupted real files give metalearn errors, never crashes", "[data][errors]") {
    // Every prefix cut (200 evenly spaced lengths) and 300 seeded single-byte corruptions of
    // weka/labor.arff and a CSV rendering of it: each read either succeeds or throws a
    // metalearn::Error (ParseError / DataError); nothing else escapes.
    const auto path = metalearn::test::data_file("weka/labor.arff");
    std::ifstream in(path, std::ios::binary);
    const std::string arff((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string csv = "a,b,c,class\n1,2.5,x,good\n?,3,\"y, z\",bad\n4,,x,good\n";
    int parsed = 0;
    int rejected = 0;
    const auto attempt = [&](const std::string& text, bool is_arff) {
        try {
            if (is_arff) (void)read_arff_string(text, "cut");
            else (void)read_csv_string(text, "cut");
            ++parsed;
        } catch (const Error&) {
            ++rejected;
        }
    };
    for (int t = 0; t < 200; ++t) {
        attempt(arff.substr(0, arff.size() * static_cast<std::size_t>(t) / 200), true);
        attempt(csv.substr(0, csv.size() * static_cast<std::size_t>(t) / 200), false);
    }
    Rng rng(2024);
    const std::string bytes = ",'\"{}%?@\n\r\t 0123456789.-eE\\";
    for (int t = 0; t < 300; ++t) {
        std::string a = arff;
        a[rng.uniform_index(a.size())] = bytes[rng.uniform_index(bytes.size())];
        attempt(a, true);
        std::string c = csv;
        c[rng.uniform_index(c.size())] = bytes[rng.uniform_index(bytes.size())];
        attempt(c, false);
    }
    REQUIRE(parsed + rejected == 1000);
    REQUIRE(rejected > 0);
    REQUIRE(parsed > 0);
}

TEST_CASE("ARFF: sparse indices that overflow or repeat", "[data][arff][errors]") {
    // p = 2 attributes, so valid indices are 0 and 1; huge indices must not wrap around to 0.
    arff_error(header + "{18446744073709551616 5, 1 b}\n", 5, 2,
               "sparse index 18446744073709551616 out of range (expected 0 to 1)");  // 2^64
    arff_error(header + "{18446744073709551617 5}\n", 5, 2, "sparse index 18446744073709551617 out of range");  // 2^64+1
    arff_error(header + "{0 1, 99999999999999999999 a}\n", 5, 7, "sparse index 99999999999999999999 out of range");
    arff_error(header + "{0 1, 1 b, 0 2}\n", 5, 12, "duplicate sparse index 0 in one row");
    // The same index in different rows is fine.
    const auto d = read_arff_string(header + "{0 1, 1 b}\n{0 2, 1 a}\n", "ok");
    REQUIRE(d.n_samples() == 2);
}

TEST_CASE("ARFF: the instance weight must be numeric", "[data][arff][errors]") {
    arff_error(header + "1,a,{w}\n", 5, 6, "instance weight 'w' is not a finite number");
    arff_error(header + "{0 1, 1 b},{x}\n", 5, 13, "instance weight 'x' is not a finite number");
    // A numeric weight is accepted and ignored.
    const auto d = read_arff_string(header + "1,a,{0.5}\n2,b,{3}\n", "ok");
    REQUIRE(d.n_samples() == 2);
}

TEST_CASE("ARFF and CSV: numbers that underflow are tiny, numbers that overflow are rejected", "[data][errors]") {
    const auto d = read_arff_string(header + "1e-400,a\n-1e-400,b\n4.9e-320,a\n", "ok");
    REQUIRE(d.X()(0, 0) == 0.0);
    REQUIRE(d.X()(1, 0) == 0.0);
    REQUIRE(d.X()(2, 0) > 0.0);  // a denormal
    REQUIRE(d.X()(2, 0) < 1e-300);
    arff_error(header + "1e999,a\n", 5, 1, "not a finite number");
    arff_error(header + "-0.00001e400,a\n", 5, 1, "not a finite number");  // 1e395 overflows
    const auto c = read_csv_string("a,b\n0.000001e-400,1\n2,3\n", "ok");
    REQUIRE(c.X()(0, 0) == 0.0);
}

TEST_CASE("Readers: overflowing IDX headers, truncated gzip and binary garbage", "[data][read][errors]") {
    const auto dir = std::filesystem::temp_directory_path() / "metalearn_test_data_errors2";
    std::filesystem::create_directories(dir);
    const auto write = [&](const std::string& name, const std::string& bytes) {
        std::ofstream(dir / name, std::ios::binary) << bytes;
        return dir / name;
    };
    // 16 bytes declaring 2^22 x 2^21 x 2^21 = 2^64 values: the product wraps to 0 in 64 bits.
    const auto huge = write("huge", std::string("\x00\x00\x08\x03\x00\x40\x00\x00\x00\x20\x00\x00\x00\x20\x00\x00", 16));
    REQUIRE_THROWS_AS(read_idx_images(huge), ParseError);
    REQUIRE_THROWS_WITH(read_idx_images(huge),
                        Catch::Contains("declared IDX size 4194304 x 2097152 x 2097152 is too large for the file"));
    REQUIRE_THROWS_WITH(read_idx_shape(huge), Catch::Contains("too large for the file"));

#if defined(METALEARN_HAS_ZLIB)
    {
        const auto gz = dir / "t.arff.gz";
        gzFile g = gzopen(gz.string().c_str(), "wb");
        REQUIRE(g != nullptr);
        std::string text = header;
        for (int i = 0; i < 200; ++i) text += std::to_string(i) + ",a\n";
        gzwrite(g, text.data(), static_cast<unsigned>(text.size()));
        gzclose(g);
        REQUIRE(read_arff(gz).n_samples() == 200);
        std::ifstream in(gz, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto cut = write("cut.arff.gz", bytes.substr(0, bytes.size() / 2));
        REQUIRE_THROWS_AS(read_arff(cut), IoError);
        REQUIRE_THROWS_WITH(read_arff(cut), Catch::Contains("unexpected end of compressed data"));
    }
#endif

    // Binary garbage renamed .arff: the message escapes the bytes instead of echoing them.
    const auto garbage = write("garbage.arff", std::string("\x01\xfe\x80PK\x7f\x00\x9b\x1b[2J", 12));
    try {
        (void)read_arff(garbage);
        FAIL("expected a ParseError");
    } catch (const ParseError& e) {
        const std::string what = e.what();
        INFO(what);
        CHECK_THAT(e.message(), Catch::Contains("\\x01\\xfe\\x80PK\\x7f\\x00\\x9b\\x1b[2J"));
        for (const char ch : what) CHECK((static_cast<unsigned char>(ch) >= 0x20 && static_cast<unsigned char>(ch) < 0x7f));
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("CSV: non-printable bytes in a cell are escaped in the message", "[data][csv][errors]") {
    CsvOptions o;
    o.numeric_columns = {"a"};
    try {
        (void)read_csv_string(std::string("a,b\n1,0\n\x01\xff\x1b[2J,1\n", 17), "bad", o);
        FAIL("expected a ParseError");
    } catch (const ParseError& e) {
        const std::string what = e.what();
        INFO(what);
        CHECK_THAT(e.message(), Catch::Contains("'\\x01\\xff\\x1b[2J' is not a number"));
        for (const char ch : what) CHECK((static_cast<unsigned char>(ch) >= 0x20 && static_cast<unsigned char>(ch) < 0x7f));
    }
}

TEST_CASE("ARFF: non-printable bytes in attribute names and categories are escaped", "[data][arff][errors]") {
    const std::string text = std::string("@relation r\n@attribute 'x\x07' numeric\n@attribute c {a\x1b, b}\n@data\n") +
                             "1,z\n";
    arff_error(text, 5, 3, "value 'z' is not a declared category of attribute 'c' (expected one of {a\\x1b, b})");
    arff_error(std::string("@relation r\n@attribute 'x\x07' numeric\n@attribute c {a, b}\n@data\n") + "q,a\n", 5, 1,
               "'q' is not a number (expected a numeric value for attribute 'x\\x07')");
}
