// Bad input reaching the readers: each case is a reproducer (a file written by the test into a
// temporary folder) and the clear exception or warning it must now give, instead of a hang, a
// crash, undefined behaviour or a silently meaningless dataset.

#include <metalearn/core/random.hpp>
#include <metalearn/data/arff.hpp>
#include <metalearn/data/corpus.hpp>
#include <metalearn/data/csv.hpp>
#include <metalearn/data/idx.hpp>
#include <metalearn/data/read.hpp>

#include "support/test_support.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace metalearn;
using namespace metalearn::data;

namespace {

namespace fs = std::filesystem;

using TempDir = metalearn::test::TempFolder;

// The ParseError thrown by f (FAIL if none).
template <class F>
ParseError parse_error_of(F&& f) {
    try {
        f();
    } catch (const ParseError& e) {
        return e;
    }
    FAIL("expected a ParseError");
    return ParseError("", 0, 0, "");
}

}  // namespace

TEST_CASE("IDX: a header declaring 0 values is an error before anything is allocated", "[data][idx][errors]") {
    const TempDir dir("robust_idx");
    // 16 bytes: magic 00 00 08 03, then 0 x 2^31 x (2^32 - 1). Reading it used to copy a
    // 0 x (2^31 * (2^32 - 1)) matrix for more than a minute (the row size is not 0).
    const auto zero_huge = dir.write("zero-huge", std::string("\x00\x00\x08\x03\x00\x00\x00\x00\x80\x00\x00\x00\xff\xff\xff\xff", 16));
    const std::string expected =
        "IDX file declares no values (dimensions 0 x 2147483648 x 4294967295; expected every dimension to be at least 1)";
    REQUIRE_THROWS_AS(read_idx_images(zero_huge), ParseError);
    REQUIRE_THROWS_WITH(read_idx_images(zero_huge), Catch::Contains(expected));
    REQUIRE_THROWS_WITH(read_idx_shape(zero_huge), Catch::Contains(expected));
    // 0 x 4096 x 4096 (took 7 s).
    const auto zero_big = dir.write("zero-big", std::string("\x00\x00\x08\x03\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00\x10\x00", 16));
    REQUIRE_THROWS_WITH(read_idx_images(zero_big), Catch::Contains("declares no values (dimensions 0 x 4096 x 4096;"));
    // A 0 in a later dimension, and a label file of 0 labels.
    const auto zero_cols = dir.write("zero-cols", std::string("\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x1c\x00\x00\x00\x00", 16));
    REQUIRE_THROWS_WITH(read_idx_images(zero_cols), Catch::Contains("(dimensions 2 x 28 x 0;"));
    const auto no_labels = dir.write("no-labels", std::string("\x00\x00\x08\x01\x00\x00\x00\x00", 8));
    const auto e = parse_error_of([&] { (void)read_idx_labels(no_labels); });
    CHECK(e.file() == no_labels.string());
    CHECK_THAT(e.message(), Catch::Contains("read_idx_labels(): IDX file declares no values (dimensions 0;"));
    // 1 x 2^31 x (2^32 - 1) fits in 63 bits (2^63 - 2^31 = 9223372034707292160 values) but not in
    // the 0 bytes of data that follow the header.
    const auto one_huge = dir.write("one-huge", std::string("\x00\x00\x08\x03\x00\x00\x00\x01\x80\x00\x00\x00\xff\xff\xff\xff", 16));
    REQUIRE_THROWS_WITH(read_idx_images(one_huge),
                        Catch::Contains("truncated IDX data (expected 9223372034707292160 values, got 0)"));
}

TEST_CASE("IDX: bytes after the declared values are an error; binary files have no line numbers", "[data][idx][errors]") {
    const TempDir dir("robust_idx_trailing");
    // 2 labels declared (magic 00 00 08 01, size 2), values 3 and 7, then one extra byte.
    const auto exact = dir.write("exact", std::string("\x00\x00\x08\x01\x00\x00\x00\x02\x03\x07", 10));
    const IndexVector y = read_idx_labels(exact);
    REQUIRE(y.size() == 2);
    CHECK(y[0] == 3);
    CHECK(y[1] == 7);
    const auto extra = dir.write("extra", std::string("\x00\x00\x08\x01\x00\x00\x00\x02\x03\x07\x09", 11));
    const auto e = parse_error_of([&] { (void)read_idx_labels(extra); });
    CHECK(e.line() == 0);
    CHECK(e.message() ==
          "read_idx_labels(): 1 byte(s) after the 2 values the IDX header declares (dimensions 2; expected the file to end there)");
    // what() is "<file>: <message>" when the position is unknown, not "<file>:0:0: ...".
    CHECK(std::string(e.what()) == extra.string() + ": " + e.message());
    // 1 image of 2 x 2 pixels followed by 4 bytes (a second image the header does not declare).
    const auto images = dir.write("images", std::string("\x00\x00\x08\x03\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x02"
                                                        "\x01\x02\x03\x04\x05\x06\x07\x08", 24));
    REQUIRE_THROWS_WITH(read_idx_images(images), Catch::Contains("4 byte(s) after the 4 values the IDX header declares (dimensions 1 x 2 x 2;"));
    // A dataset's classes are the labels present: 0, 1 and 255 are 3 classes, coded 0, 1, 2.
    const auto img3 = dir.write("img3", std::string("\x00\x00\x08\x03\x00\x00\x00\x03\x00\x00\x00\x01\x00\x00\x00\x01"
                                                    "\x0a\x14\x1e", 19));
    const auto lab3 = dir.write("lab3", std::string("\x00\x00\x08\x01\x00\x00\x00\x03\xff\x00\x01", 11));
    const Dataset d3 = read_idx_dataset(img3, lab3, "three");
    CHECK(d3.n_classes() == 3);
    CHECK(d3.class_names() == std::vector<std::string>{"0", "1", "255"});
    CHECK(d3.y() == (Vector(3) << 2, 0, 1).finished());
    CHECK(d3.X()(0, 0) == 10.0);
    // Files declaring different counts are refused even when max_samples keeps fewer rows than
    // either declares (the first images of one set paired with the first labels of another).
    const auto lab2 = dir.write("lab2", std::string("\x00\x00\x08\x01\x00\x00\x00\x02\x00\x01", 10));
    REQUIRE_THROWS_WITH(read_idx_dataset(img3, lab2, "mismatch", 1),
                        Catch::Contains("3 images in") && Catch::Contains("but 2 labels in"));
    REQUIRE_THROWS_AS(read_idx_dataset(img3, lab2, "mismatch"), DataError);
    // Positions: line and column when known, the line alone, or neither.
    CHECK(std::string(ParseError("f.csv", 3, 7, "m").what()) == "f.csv:3:7: m");
    CHECK(std::string(ParseError("f.csv", 3, 0, "m").what()) == "f.csv:3: m");
    CHECK(std::string(ParseError("f.idx", 0, 0, "m").what()) == "f.idx: m");
}

TEST_CASE("Headerless numeric CSV: an integer target's classes are its distinct values", "[data][csv][errors]") {
    const TempDir dir("robust_labels");
    // Reproducers: a label of 3000000000 asked for 3e9 + 1 classes (46 s, then std::bad_alloc),
    // 250000 for 250001 classes, and 1e300 was converted to an integer (undefined behaviour).
    // Expected: the distinct values {0, v} in increasing order are the classes, coded 0 and 1,
    // named as written in the file.
    for (const std::string big : {"3000000000", "250000", "1e300"}) {
        INFO(big);
        const auto path = dir.write("labels.csv", "1,2,0\n3,4," + big + "\n5,6,0\n");
        const auto d = read_dataset(path);
        REQUIRE(d.is_classification());
        REQUIRE(d.n_classes() == 2);
        REQUIRE(d.class_names() == std::vector<std::string>{"0", big});
        REQUIRE(d.y()[0] == 0.0);
        REQUIRE(d.y()[1] == 1.0);
        REQUIRE(d.y()[2] == 0.0);
        REQUIRE(d.n_features() == 2);
    }
    // Classes present only as 2 and 7: two classes, not eight. A class is named by its first
    // spelling in the file ("7.0"; the later "7" is the same value).
    const auto sparse = dir.write("sparse.csv", "1,2,7.0\n3,4,2\n5,6,7\n");
    const auto s = read_sklearn_csv(sparse);
    REQUIRE(s.class_names() == std::vector<std::string>{"2", "7.0"});
    REQUIRE(s.class_counts() == std::vector<Index>{1, 2});
    // A first line "n,p" with n = 1e300 is not taken as scikit-learn's shape header (no
    // conversion of 1e300 to an integer): it is a row of numbers like the others.
    const auto shape = dir.write("shape.csv", "1e300,2\n1,0\n");
    const auto t = read_dataset(shape);
    REQUIRE(t.n_samples() == 2);
    REQUIRE(t.X()(0, 0) == 1e300);
    REQUIRE(t.class_names() == std::vector<std::string>{"0", "2"});
}

TEST_CASE("CSV: a mostly numeric column with a text cell is nominal, with a warning", "[data][csv][errors]") {
    const TempDir dir("robust_kg");
    // weight = 50..83 kg in rows 1-34 and one "55 kg" on line 8 (header on line 1, so data row 7).
    std::string text = "weight,height,class\n";
    for (int i = 0; i < 34; ++i) {
        if (i == 6) text += "55 kg,170,1\n";
        text += fmt::format("{},{},{}\n", 50 + i, 160 + i, i % 2);
    }
    const auto path = dir.write("weights.csv", text);
    std::vector<std::string> warnings;
    ReadOptions o;
    o.on_warning = [&](const std::string& w) { warnings.push_back(w); };
    const auto d = read_dataset(path, o);
    // 34 distinct numbers plus "55 kg" (55 also occurs as a number, but as text it differs).
    REQUIRE(d.feature(0).is_nominal());
    REQUIRE(d.feature(0).categories.size() == 35);
    // the rows before the first text keep their own texts (category order: first seen)
    const auto category = [&](Index i) { return d.feature(0).categories[static_cast<std::size_t>(d.X()(i, 0))]; };
    CHECK(category(0) == "50");
    CHECK(category(5) == "55");
    CHECK(category(6) == "55 kg");
    CHECK(category(7) == "56");
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("read_csv(): '" + path.string() + "': column 'weight' is read as nominal "
                                            "with 35 categories because 1 of its cells is not a number (among 34 "
                                            "numbers); the first is '55 kg' on line 8, column 1"));
    // Forcing the kind either way silences it (numeric: the cell is then an error).
    CsvOptions quiet;
    quiet.nominal_columns = {"weight"};
    quiet.on_warning = o.on_warning;
    warnings.clear();
    (void)read_csv(path, quiet);
    REQUIRE(warnings.empty());
    CsvOptions strict;
    strict.numeric_columns = {"weight"};
    const auto e = parse_error_of([&] { (void)read_csv(path, strict); });
    CHECK(e.line() == 8);
    CHECK_THAT(e.message(), Catch::Contains("'55 kg' is not a number"));
    // A column of words with a few numbers is plainly nominal: no warning.
    CsvOptions plain;
    plain.on_warning = o.on_warning;
    (void)read_csv_string("colour,y\nred,0\nblue,1\n3,0\ngreen,1\n", "words", plain);
    REQUIRE(warnings.empty());
}

TEST_CASE("Readers: binary input is a ParseError naming the file, not a dataset", "[data][read][errors]") {
    const TempDir dir("robust_binary");
    // 3000 pseudo-random bytes (seed 7): the NUL bytes among them mark it as binary.
    Rng rng(7);
    std::string random(3000, '\0');
    for (auto& c : random) c = static_cast<char>(rng.uniform_index(256));
    for (const std::string name : {"garbage.csv", "garbage.tsv", "garbage.arff"}) {
        INFO(name);
        const auto path = dir.write(name, random);
        const auto e = parse_error_of([&] { (void)read_dataset(path); });
        CHECK(e.file() == path.string());
        CHECK_THAT(e.message(), Catch::Contains("not a text file: a NUL byte in the line starting"));
        CHECK_THAT(e.message(), Catch::Contains("(expected UTF-8 or ASCII text)"));
    }
    // No NUL byte, but 4 in 6 bytes are control characters: "\x01\x02\x03,\x04\n" repeated.
    std::string control;
    for (int i = 0; i < 100; ++i) control += "\x01\x02\x03,\x04\n";
    const auto ctl = dir.write("control.csv", control);
    const auto c = parse_error_of([&] { (void)read_csv(ctl); });
    CHECK(c.line() == 1);
    CHECK(c.column() == 1);
    CHECK_THAT(c.message(), Catch::Contains("not a text file: 400 of the first 600 bytes are control characters, the "
                                            "first in the line starting '\\x01\\x02\\x03,\\x04'"));
    // UTF-16 is named as such (its byte-order mark FF FE).
    const auto utf16 = dir.write("utf16.csv", std::string("\xff\xfe" "a\0,\0b\0\n\0" "1\0,\0" "2\0\n\0", 18));
    REQUIRE_THROWS_WITH(read_dataset(utf16), Catch::Contains("UTF-16 text (byte-order mark ff fe) is not supported"));
    // Text in Latin-1 with a few accented bytes is still text, and so is text in Windows-1251
    // (Cyrillic), where most bytes are not UTF-8: "\xcc\xee\xf1\xea\xe2\xe0" is "Moskva".
    const auto latin1 = dir.write("latin1.csv", "city,y\nK\xf6ln,0\nM\xfcnchen,1\nBerlin,0\n");
    REQUIRE(read_dataset(latin1).feature(0).categories.size() == 3);
    std::string cyrillic = "\xe3\xee\xf0\xee\xe4,y\n";
    for (int i = 0; i < 40; ++i) cyrillic += fmt::format("\xcc\xee\xf1\xea\xe2\xe0{},{}\n", i % 3, i % 2);
    REQUIRE(read_dataset(dir.write("cp1251.csv", cyrillic)).feature(0).categories.size() == 3);
    // Cells that are all missing (what a wrongly delimited or binary file tends to give): no row
    // has a value for any feature.
    const auto empty_cells = dir.write("empty.csv", "a,b,c\n,,1\n?,NA,2\n");
    const auto m = parse_error_of([&] { (void)read_dataset(empty_cells); });
    CHECK(m.file() == empty_cells.string());
    CHECK_THAT(m.message(), Catch::Contains("read_csv(): no row has a value for any of the 2 feature(s)"));
    REQUIRE_THROWS_WITH(read_arff_string("@relation r\n@attribute x numeric\n@attribute c {a,b}\n@data\n?,a\n?,b\n", "m"),
                        Catch::Contains("m: read_arff(): no row has a value for any of the 1 feature(s)"));
}

TEST_CASE("ARFF and CSV: a UTF-8 byte-order mark is skipped", "[data][read]") {
    const TempDir dir("robust_bom");
    const std::string bom = "\xef\xbb\xbf";
    const auto arff = dir.write("bom.arff", bom + "@relation r\n@attribute x numeric\n@attribute c {a,b}\n@data\n1,a\n2,b\n");
    const auto a = read_dataset(arff);
    REQUIRE(a.n_samples() == 2);
    REQUIRE(a.feature(0).name == "x");
    const auto csv = dir.write("bom.csv", bom + "x,c\n1,a\n2,b\n");
    const auto c = read_dataset(csv);
    REQUIRE(c.feature(0).name == "x");
    REQUIRE(read_csv_string(bom + "x,c\n1,a\n2,b\n", "s").feature(0).name == "x");
    // The headerless scikit-learn layout and PMLB's TSV (target found by name in the first line).
    REQUIRE(read_dataset(dir.write("bom-numbers.csv", bom + "1,2,0\n3,4,1\n")).X()(0, 0) == 1.0);
    REQUIRE(read_dataset(dir.write("bom.tsv", bom + "target\tx\n0\t1\n1\t2\n")).target_name() == "target");
    // Line and column numbers after the mark are those of the text.
    const auto e = parse_error_of([] { (void)read_arff_string("\xef\xbb\xbf@relation r\nx\n", "bad"); });
    CHECK(e.line() == 2);
    CHECK(e.column() == 1);
}

TEST_CASE("ARFF: a row with too few values says so, with both counts", "[data][arff][errors]") {
    const TempDir dir("robust_arff");
    // Used to say "'b' is not a number": the lone value landed on the numeric attribute x.
    const auto path = dir.write("few.arff", "@relation r\n@attribute x numeric\n@attribute y numeric\n"
                                            "@attribute c {a,b}\n@data\n1,2,a\nb\n");
    const auto e = parse_error_of([&] { (void)read_arff(path); });
    CHECK(e.file() == path.string());
    CHECK(e.line() == 7);
    CHECK(e.message() == "row has 1 value(s) but 3 attribute(s) are declared (expected one value per attribute); "
                         "the file may be truncated");
}

TEST_CASE("Corpus: a file name that is not UTF-8 gets an escaped id and name that JSON accepts", "[data][corpus]") {
    const TempDir dir("robust_names");
    // "caf\xe9" is "café" in Latin-1; \xe9 alone is not UTF-8.
    const std::string rows = "x,y\n1,0\n2,1\n3,0\n4,1\n";
    dir.write("caf\xe9.csv", rows);
    dir.write("caf\xc3\xa9-utf8.csv", "x,y\n1,0\n2,1\n3,1\n5,0\n");  // "café" in UTF-8 is kept as is
    CorpusOptions o;
    o.one_task_per_family = false;
    const auto corpus = load_corpus({dir.path()}, o);
    REQUIRE(corpus.skipped.empty());
    REQUIRE(corpus.tasks.size() == 2);
    std::vector<std::string> ids;
    for (const auto& t : corpus.tasks) ids.push_back(t.id);
    std::sort(ids.begin(), ids.end());
    REQUIRE(ids == std::vector<std::string>{"caf\\xe9.csv", "caf\xc3\xa9-utf8.csv"});
    for (const auto& t : corpus.tasks) {
        INFO(t.id);
        // What the meta-learning records store: task id and dataset name, dumped as JSON.
        const nlohmann::json j = {{"task_id", t.id}, {"task_name", t.dataset.name()}};
        REQUIRE_NOTHROW(j.dump());
        REQUIRE(fs::exists(t.path));  // the real path is kept for reading
        if (t.id == "caf\\xe9.csv") REQUIRE(t.dataset.name() == "caf\\xe9");
    }
}

TEST_CASE("utf8_escaped keeps valid UTF-8 and escapes every other byte", "[data][read]") {
    using detail::utf8_escaped;
    // Sequences from RFC 3629: valid 1- to 4-byte forms are kept; a stray continuation byte, an
    // overlong form (C0 AF for '/'), a UTF-16 surrogate (ED A0 80), a code point above U+10FFFF
    // (F4 90 80 80) and a truncated sequence are escaped byte by byte.
    REQUIRE(utf8_escaped("plain") == "plain");
    REQUIRE(utf8_escaped("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80") == "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    REQUIRE(utf8_escaped("a\x80z") == "a\\x80z");
    REQUIRE(utf8_escaped("\xc0\xaf") == "\\xc0\\xaf");
    REQUIRE(utf8_escaped("\xed\xa0\x80") == "\\xed\\xa0\\x80");
    REQUIRE(utf8_escaped("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");
    REQUIRE(utf8_escaped("\xe2\x82") == "\\xe2\\x82");
}
