// Corpus loading: task ids by path, exact duplicates by content hash, one task per data family,
// size limits and skip reports. Every test writes its own small files into a fresh temporary
// folder; expected outcomes follow from the rules documented in data/corpus.hpp.

#include <metalearn/data/corpus.hpp>
#include <metalearn/data/read.hpp>

#include "support/test_support.hpp"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

using namespace metalearn;
using namespace metalearn::data;
namespace fs = std::filesystem;

namespace {

using metalearn::test::TempFolder;

// One small table, three ways. x1 and x2 are numeric; the class is {a, b}, so its codes are
// a = 0, b = 1 in both readers (ARFF: declared order; CSV: sorted). The CSV writes a zero as
// "-0", which content_hash treats as +0.
const std::string table_csv = "x1,x2,class\n1.5,2,a\n-0,-1,b\n3,4,a\n";
const std::string table_csv_rows_swapped = "x1,x2,class\n3,4,a\n0,-1,b\n1.5,2,a\n";
const std::string table_arff =
    "@relation t\n@attribute x1 numeric\n@attribute x2 numeric\n@attribute class {a,b}\n@data\n"
    "1.5,2,a\n0,-1,b\n3,4,a\n";
// The same as table_csv but for one cell (row 3, x2: 4 -> 5).
const std::string changed_csv = "x1,x2,class\n1.5,2,a\n0,-1,b\n3,5,a\n";

// A table of n rows (two numeric features, classes a and b alternating), distinct for each n.
std::string rows_csv(int n) {
    std::string text = "u,v,class\n";
    for (int i = 0; i < n; ++i) text += fmt::format("{},{},{}\n", i, 10 * n + i, i % 2 ? "b" : "a");
    return text;
}

std::vector<std::string> ids(const Corpus& c) {
    std::vector<std::string> out;
    for (const auto& t : c.tasks) out.push_back(t.id);
    return out;
}

const SkippedFile* find_skipped(const Corpus& c, const std::string& id) {
    for (const auto& s : c.skipped)
        if (s.id == id) return &s;
    return nullptr;
}

Dataset table(Matrix X, Vector y, std::vector<FeatureInfo> features = {FeatureInfo::numeric("x1"),
                                                                      FeatureInfo::numeric("x2")}) {
    return Dataset("t", std::move(X), std::move(y), std::move(features), TaskType::classification, {"a", "b"});
}

}  // namespace

TEST_CASE("content_hash has the value of an independent reference implementation", "[data][corpus]") {
    // Values printed by tests/data/reference_content_hash.py, which recomputes the documented
    // definition (FNV-1a over little-endian words) in Python.
    Matrix X(3, 2);
    X << 1.5, 2, 0, -1, 3, 4;
    REQUIRE(content_hash(table(X, Vector{{0, 1, 0}})) == 0xb1a2e4bfbe9a7b01ULL);

    Matrix R(2, 1);
    R << 1.0, std::numeric_limits<double>::quiet_NaN();
    const Dataset regression("r", R, Vector{{0.5, -2.25}}, {FeatureInfo::numeric("z")}, TaskType::regression);
    REQUIRE(content_hash(regression) == 0xf0dc18bafdafffffULL);
}

TEST_CASE("content_hash ignores row order, names and the sign of zero, and sees values, labels and kinds",
          "[data][corpus]") {
    Matrix X(3, 2);
    X << 1.5, 2, 0, -1, 3, 4;
    const Vector y{{0, 1, 0}};
    const std::uint64_t h = content_hash(table(X, y));

    Matrix permuted(3, 2);  // rows 3, 1, 2 of X, zero written as -0
    permuted << 3, 4, 1.5, 2, -0.0, -1;
    REQUIRE(content_hash(table(permuted, Vector{{0, 0, 1}})) == h);

    // Other dataset, feature and class names: not covered.
    const Dataset renamed("other", X, y, {FeatureInfo::numeric("p"), FeatureInfo::numeric("q")},
                          TaskType::classification, {"no", "yes"}, "label");
    REQUIRE(content_hash(renamed) == h);

    Matrix changed = X;
    changed(2, 1) = 5;  // one value
    REQUIRE(content_hash(table(changed, y)) != h);
    REQUIRE(content_hash(table(X, Vector{{0, 1, 1}})) != h);  // one label
    // A 0/1 column declared numeric, then nominal (codes of {u, v}), everything else equal.
    Matrix codes(3, 2);
    codes << 1.5, 0, 0, 1, 3, 0;
    const auto numeric = table(codes, y);
    const auto nominal = table(codes, y, {FeatureInfo::numeric("x1"), FeatureInfo::nominal("x2", {"u", "v"})});
    REQUIRE(content_hash(numeric) != content_hash(nominal));
    // A third declared class without samples changes K.
    const Dataset three("t", X, y, {FeatureInfo::numeric("x1"), FeatureInfo::numeric("x2")}, TaskType::classification,
                        {"a", "b", "c"});
    REQUIRE(content_hash(three) != h);
    // Every NaN is one missing value, whatever its bits.
    Matrix m1 = X;
    Matrix m2 = X;
    m1(0, 0) = std::numeric_limits<double>::quiet_NaN();
    m2(0, 0) = -std::numeric_limits<double>::quiet_NaN();
    REQUIRE(content_hash(table(m1, y)) == content_hash(table(m2, y)));
    REQUIRE(content_hash(table(m1, y)) != h);
}

TEST_CASE("The same table as ARFF and as CSV has the same content hash", "[data][corpus]") {
    TempFolder dir("corpus_formats");
    const auto csv = read_dataset(dir.write("t.csv", table_csv));
    const auto arff = read_dataset(dir.write("t.arff", table_arff));
    const auto swapped = read_dataset(dir.write("swapped.csv", table_csv_rows_swapped));
    const auto changed = read_dataset(dir.write("changed.csv", changed_csv));
    REQUIRE(content_hash(csv) == content_hash(arff));
    REQUIRE(content_hash(csv) == content_hash(swapped));
    REQUIRE(content_hash(csv) == 0xb1a2e4bfbe9a7b01ULL);  // the reference value above: same table
    REQUIRE(content_hash(changed) != content_hash(csv));
}

TEST_CASE("data_family strips formats, variants and split suffixes", "[data][corpus]") {
    REQUIRE(data_family("weka/iris.arff") == "iris");
    REQUIRE(data_family("sklearn/iris.csv.gz") == "iris");
    REQUIRE(data_family("iris.2D.arff") == "iris");
    REQUIRE(data_family("pmlb/iris/iris.tsv.gz") == "iris");
    REQUIRE(data_family("segment-challenge.arff") == "segment");
    REQUIRE(data_family("segment-test.arff") == "segment");
    REQUIRE(data_family("weather.nominal.arff") == "weather");
    REQUIRE(data_family("kr-vs-kp.arff.gz") == "kr-vs-kp");
    REQUIRE(data_family("-test.csv") == "-test");  // nothing would be left: kept whole
}

TEST_CASE("load_corpus gives every file an id by its path below the folder", "[data][corpus]") {
    TempFolder dir("corpus_ids");
    dir.write("iris.arff", table_arff);
    dir.write("iris.csv", changed_csv);  // another table, so not an exact duplicate
    dir.write("sub/iris.csv", rows_csv(4));
    dir.write("notes.txt", "not a dataset");

    // Same family "iris" for all three: keep them all only with one_task_per_family off.
    const auto all = load_corpus({dir.path()}, {.one_task_per_family = false});
    REQUIRE(ids(all) == std::vector<std::string>{"iris.arff", "iris.csv", "sub/iris.csv"});
    REQUIRE(all.skipped.empty());
    REQUIRE(all.tasks[0].path == dir.path() / "iris.arff");
    REQUIRE(all.tasks[0].content_hash == content_hash(all.tasks[0].dataset));
    REQUIRE(all.tasks[1].dataset.n_samples() == 3);

    // Not recursive: the subfolder is not read.
    const auto flat = load_corpus({dir.path()}, {.recursive = false, .one_task_per_family = false});
    REQUIRE(ids(flat) == std::vector<std::string>{"iris.arff", "iris.csv"});
}

TEST_CASE("load_corpus prefixes the folder when an id is taken by an earlier folder", "[data][corpus]") {
    TempFolder one("corpus_clash_one");
    TempFolder two("corpus_clash_two");
    one.write("x.csv", rows_csv(3));
    two.write("x.csv", rows_csv(5));
    const auto c = load_corpus({one.path(), two.path()}, {.one_task_per_family = false});
    REQUIRE(ids(c) == std::vector<std::string>{"x.csv", (two.path() / "x.csv").generic_string()});
    // The same folder twice: its files are exact duplicates of themselves.
    const auto twice = load_corpus({one.path(), one.path()}, {.one_task_per_family = false});
    REQUIRE(ids(twice) == std::vector<std::string>{"x.csv"});
    REQUIRE(twice.skipped.size() == 1);
    REQUIRE(twice.skipped[0].reason == SkipReason::duplicate);
    REQUIRE(twice.skipped[0].same_as == "x.csv");
}

TEST_CASE("load_corpus skips exact duplicates under other names and formats, and reports them", "[data][corpus]") {
    TempFolder dir("corpus_duplicates");
    dir.write("alpha.csv", table_csv);
    dir.write("beta.csv", table_csv_rows_swapped);  // same rows, other order
    dir.write("gamma.arff", table_arff);             // same table as ARFF
    dir.write("delta.csv", changed_csv);             // one value differs: kept
    // Files are read in path order: alpha, beta, delta, gamma.
    const auto c = load_corpus({dir.path()});
    REQUIRE(ids(c) == std::vector<std::string>{"alpha.csv", "delta.csv"});
    REQUIRE(c.skipped.size() == 2);
    for (const char* id : {"beta.csv", "gamma.arff"}) {
        const auto* s = find_skipped(c, id);
        REQUIRE(s != nullptr);
        CHECK(s->reason == SkipReason::duplicate);
        CHECK(s->same_as == "alpha.csv");
        CHECK(s->message == "same data as alpha.csv");
        CHECK(to_string(s->reason) == "duplicate");
    }
    // With duplicate skipping off, every file is a task (distinct families).
    REQUIRE(load_corpus({dir.path()}, {.skip_duplicates = false}).tasks.size() == 4);
}

TEST_CASE("load_corpus keeps one task per data family", "[data][corpus]") {
    TempFolder dir("corpus_families");
    dir.write("iris.arff", table_arff);
    dir.write("iris.2D.arff",
              "@relation t\n@attribute x1 numeric\n@attribute class {a,b}\n@data\n1.5,a\n0,b\n3,a\n");
    dir.write("segment-challenge.csv", rows_csv(6));
    dir.write("segment-test.csv", rows_csv(3));
    dir.write("weather.nominal.csv", rows_csv(4));
    dir.write("weather.numeric.csv", rows_csv(5));
    const auto c = load_corpus({dir.path()});
    // Path order: iris.2D.arff < iris.arff < segment-challenge < segment-test < weather.nominal < weather.numeric.
    REQUIRE(ids(c) == std::vector<std::string>{"iris.2D.arff", "segment-challenge.csv", "weather.nominal.csv"});
    REQUIRE(c.skipped.size() == 3);
    const auto* s = find_skipped(c, "iris.arff");
    REQUIRE(s != nullptr);
    CHECK(s->reason == SkipReason::same_family);
    CHECK(s->same_as == "iris.2D.arff");
    CHECK(s->message == "another version of the same data as iris.2D.arff");
    CHECK(find_skipped(c, "segment-test.csv")->same_as == "segment-challenge.csv");
    CHECK(find_skipped(c, "weather.numeric.csv")->same_as == "weather.nominal.csv");
}

TEST_CASE("load_corpus keeps unrelated tables that share a file name in their own folders", "[data][corpus]") {
    // One folder per dataset, each file named data.*: a user's layout. Same family name, but
    // neither the rows nor the columns agree, so they are not versions of one table.
    TempFolder dir("corpus_samename");
    dir.write("glass/data.csv", rows_csv(6));  // 6 rows, 2 features
    dir.write("wine/data.arff",
              "@relation t\n@attribute x1 numeric\n@attribute x2 numeric\n@attribute x3 numeric\n"
              "@attribute class {a,b}\n@data\n1,2,3,a\n4,5,6,b\n7,8,9,a\n0,1,1,b\n");  // 4 rows, 3 features
    const auto c = load_corpus({dir.path()});
    CHECK(ids(c) == std::vector<std::string>{"glass/data.csv", "wine/data.arff"});
    CHECK(c.skipped.empty());
}

TEST_CASE("load_corpus skips datasets above max_samples or max_cells and keeps those at the limit",
          "[data][corpus]") {
    TempFolder dir("corpus_limits");
    dir.write("three.csv", rows_csv(3));  // 3 x 2: 6 cells
    dir.write("five.csv", rows_csv(5));   // 5 x 2: 10 cells
    // n > max_samples skips; n == max_samples keeps.
    auto c = load_corpus({dir.path()}, {.max_samples = 4});
    REQUIRE(ids(c) == std::vector<std::string>{"three.csv"});
    REQUIRE(c.skipped.size() == 1);
    CHECK(c.skipped[0].id == "five.csv");
    CHECK(c.skipped[0].reason == SkipReason::too_large);
    CHECK(c.skipped[0].message == "too large (5 x 2; limits: max_samples 4)");
    REQUIRE(load_corpus({dir.path()}, {.max_samples = 5}).tasks.size() == 2);
    // Cells n * max(p, 1): 10 > 9 skips five.csv; 10 == 10 keeps it.
    c = load_corpus({dir.path()}, {.max_samples = 100, .max_cells = 9});
    REQUIRE(ids(c) == std::vector<std::string>{"three.csv"});
    CHECK(c.skipped[0].message == "too large (5 x 2; limits: max_samples 100, max_cells 9)");
    REQUIRE(load_corpus({dir.path()}, {.max_cells = 10}).tasks.size() == 2);
    // 0 = no limit; a negative limit is a configuration error.
    REQUIRE(load_corpus({dir.path()}, {.max_samples = 0, .max_cells = 0}).tasks.size() == 2);
    REQUIRE_THROWS_AS(load_corpus({dir.path()}, {.max_samples = -1}), ConfigError);
    REQUIRE_THROWS_WITH(load_corpus({dir.path()}, {.max_cells = -3}),
                        Catch::Contains("load_corpus(): max_cells must be >= 0"));
}

TEST_CASE("load_corpus reports unreadable files, other tasks and degenerate data without throwing",
          "[data][corpus][errors]") {
    TempFolder dir("corpus_unreadable");
    dir.write("good.csv", table_csv);
    dir.write("broken.csv", "x1,x2,class\n1,2,a\n3,b\n");  // row 3 has 2 fields, not 3
    dir.write("empty.arff", "");
    dir.write("price.csv", "x,price\n1,0.5\n2,1.25\n3,2.75\n");  // real target: regression
    dir.write("one_class.csv", "x1,x2,class\n1,2,a\n3,4,a\n");  // classification, one class present
    // a listing whose last column is a checksum: 12 rows, 12 "classes" (ten or more, over half the rows)
    std::string listing = "rows,features,checksum\n";
    for (int i = 0; i < 12; ++i) listing += fmt::format("{},{},c{:08x}\n", 100 + i, 3 + i % 4, 977 * i + 13);
    dir.write("manifest.csv", listing);

    const auto c = load_corpus({dir.path()}, {.task = TaskType::classification});
    REQUIRE(ids(c) == std::vector<std::string>{"good.csv"});
    REQUIRE(c.skipped.size() == 5);
    const auto* broken = find_skipped(c, "broken.csv");
    REQUIRE(broken != nullptr);
    CHECK(broken->reason == SkipReason::unreadable);
    CHECK_THAT(broken->message, Catch::Contains("broken.csv"));
    CHECK(find_skipped(c, "empty.arff")->reason == SkipReason::unreadable);
    const auto* price = find_skipped(c, "price.csv");
    REQUIRE(price != nullptr);
    CHECK(price->reason == SkipReason::wrong_task);
    CHECK(price->message == "regression task");
    const auto* one = find_skipped(c, "one_class.csv");
    REQUIRE(one != nullptr);
    CHECK(one->reason == SkipReason::degenerate);
    CHECK(one->message == "1 classes present, 2 features");
    const auto* listing_skip = find_skipped(c, "manifest.csv");
    REQUIRE(listing_skip != nullptr);
    CHECK(listing_skip->reason == SkipReason::degenerate);
    CHECK_THAT(listing_skip->message, Catch::StartsWith("12 classes for 12 rows"));

    // Without a task filter the regression file is a task.
    const auto any = load_corpus({dir.path()});
    REQUIRE(ids(any) == std::vector<std::string>{"good.csv", "price.csv"});
    REQUIRE(any.tasks[1].dataset.task() == TaskType::regression);
}

TEST_CASE("load_corpus refuses a folder that does not exist or is a file, naming it, before reading any",
          "[data][corpus][errors]") {
    TempFolder dir("corpus_missing_folder");
    dir.write("good.csv", table_csv);
    const fs::path missing = dir.path() / "no_such_folder";
    // Not "0 tasks": a mistyped folder is an error, even next to a good one.
    REQUIRE_THROWS_AS(load_corpus({dir.path(), missing}), IoError);
    REQUIRE_THROWS_WITH(load_corpus({dir.path(), missing}),
                        Catch::Contains("'" + missing.string() + "' does not exist"));
    REQUIRE_THROWS_WITH(load_corpus({dir.path() / "good.csv"}), Catch::Contains("is not a folder"));
    REQUIRE_THROWS_WITH(list_dataset_files(missing), Catch::Contains("does not exist"));
    CHECK(load_corpus({dir.path()}).tasks.size() == 1);
}

TEST_CASE("load_corpus ids a symbolic link by its own path below the folder, not by its target", "[data][corpus]") {
    TempFolder store("corpus_link_store");
    TempFolder dir("corpus_link_scan");
    const auto target = store.write("deep/inside/real.csv", rows_csv(6));
    fs::create_directories(dir.path() / "links");
    fs::create_symlink(target, dir.path() / "links" / "alias.csv");
    const auto c = load_corpus({dir.path()});
    REQUIRE(ids(c) == std::vector<std::string>{"links/alias.csv"});
    CHECK(c.tasks[0].dataset.n_samples() == 6);
}

TEST_CASE("load_corpus drops identifier columns (id-like name, distinct integers) with a warning, and only those",
          "[data][corpus]") {
    TempFolder dir("corpus_ids_columns");
    // PassengerId: 7, 3, 9, 1, 5, 2 (distinct integers) -> dropped; Paid and idea do not end in "Id"/"_id" and
    // are not "id"; batch_id repeats 1 -> kept; ID holds 1.5 -> kept
    dir.write("t.csv",
              "PassengerId,Paid,idea,batch_id,ID,class\n"
              "7,1,1,1,1.5,a\n3,2,2,1,2,b\n9,3,3,2,3,a\n1,4,4,3,4,b\n5,5,5,4,5,a\n2,6,6,5,6,b\n");
    std::vector<std::string> warnings;
    CorpusOptions o;
    o.read.on_warning = [&](const std::string& w) { warnings.push_back(w); };
    const auto c = load_corpus({dir.path()}, o);
    REQUIRE(c.tasks.size() == 1);
    const auto& d = c.tasks[0].dataset;
    REQUIRE(d.n_features() == 4);
    CHECK(d.feature(0).name == "Paid");
    CHECK(d.feature(2).name == "batch_id");
    CHECK(c.tasks[0].dropped_columns == std::vector<std::string>{"PassengerId"});
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("t.csv: dropped identifier column(s) PassengerId"));
    // the option off keeps every column
    o.drop_id_columns = false;
    CHECK(load_corpus({dir.path()}, o).tasks[0].dataset.n_features() == 5);
}

TEST_CASE("load_corpus subsamples tables over the limits, seeded and stratified, when asked", "[data][corpus]") {
    TempFolder dir("corpus_subsample");
    // 40 rows: classes a (rows 0, 2, ...) and b alternate, 20 each; u is the row number
    dir.write("forty.csv", rows_csv(40));
    dir.write("three.csv", rows_csv(3));
    const CorpusOptions o{.max_samples = 20, .subsample = true, .subsample_seed = 4};
    const auto c = load_corpus({dir.path()}, o);
    REQUIRE(ids(c) == std::vector<std::string>{"forty.csv", "three.csv"});
    const auto& d = c.tasks[0].dataset;
    REQUIRE(d.n_samples() == 20);
    CHECK(c.tasks[0].subsampled_from == 40);
    CHECK(c.tasks[1].subsampled_from == 0);
    CHECK(d.class_counts() == std::vector<Index>{10, 10});  // stratified: the proportions of the file
    for (Index i = 1; i < d.n_samples(); ++i) CHECK(d.X()(i, 0) > d.X()(i - 1, 0));  // file order
    CHECK(c.tasks[0].content_hash == content_hash(d));
    // the same rows in every run, other rows with another seed
    const auto again = load_corpus({dir.path()}, o);
    CHECK(again.tasks[0].dataset.X() == d.X());
    CorpusOptions other = o;
    other.subsample_seed = 5;
    CHECK(load_corpus({dir.path()}, other).tasks[0].dataset.X() != d.X());
    // max_cells too: 40 x 2 cells over 30 keep 15 rows; under 10 rows kept is still skipped
    const auto cells = load_corpus({dir.path()}, {.max_cells = 30, .subsample = true});
    CHECK(cells.tasks[0].dataset.n_samples() == 15);
    const auto tiny = load_corpus({dir.path()}, {.max_samples = 8, .subsample = true});
    CHECK(ids(tiny) == std::vector<std::string>{"three.csv"});
    // without subsample the table is skipped, as before
    CHECK(ids(load_corpus({dir.path()}, {.max_samples = 20})) == std::vector<std::string>{"three.csv"});
}
