// Tests of the readers on real files (scripts/get-datasets fills the data folder) and on small
// hand-written strings. Expected values were read from the files themselves; each check says
// how.

#include <metalearn/data/arff.hpp>
#include <metalearn/data/csv.hpp>
#include <metalearn/data/idx.hpp>
#include <metalearn/data/read.hpp>

#include "support/test_support.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

using namespace metalearn;
using namespace metalearn::data;
using metalearn::test::data_file;

TEST_CASE("Weka iris.arff: 150 x 4, three classes of 50", "[data][arff]") {
    const auto d = read_arff(data_file("weka/iris.arff"));
    REQUIRE(d.name() == "iris");
    REQUIRE(d.n_samples() == 150);
    REQUIRE(d.n_features() == 4);
    REQUIRE(d.n_nominal() == 0);
    REQUIRE(d.is_classification());
    REQUIRE(d.class_names() == std::vector<std::string>{"Iris-setosa", "Iris-versicolor", "Iris-virginica"});
    REQUIRE(d.class_counts() == std::vector<Index>{50, 50, 50});
    REQUIRE(d.n_missing() == 0);
    // First and 51st data rows of the file: 5.1,3.5,1.4,0.2,Iris-setosa and 7.0,3.2,4.7,1.4,Iris-versicolor.
    REQUIRE(d.X()(0, 0) == 5.1);
    REQUIRE(d.X()(0, 3) == 0.2);
    REQUIRE(d.y()[0] == 0.0);
    REQUIRE(d.X()(50, 2) == 4.7);
    REQUIRE(d.y()[50] == 1.0);
    REQUIRE(d.feature(0).name == "sepallength");
}

TEST_CASE("Weka vote.arff: 435 x 16 nominal with 392 missing values", "[data][arff]") {
    // Missing count from the file: sed -n '/^@data/,$p' vote.arff | grep -v '^[@%]' | grep -o '?' | wc -l
    // → 392 (the class is never missing). Classes: awk -F, '{print $NF}' | sort | uniq -c → 267 / 168.
    const auto d = read_arff(data_file("weka/vote.arff"));
    REQUIRE(d.n_samples() == 435);
    REQUIRE(d.n_features() == 16);
    REQUIRE(d.n_nominal() == 16);
    REQUIRE(d.n_missing() == 392);
    REQUIRE(d.class_names() == std::vector<std::string>{"democrat", "republican"});
    REQUIRE(d.class_counts() == std::vector<Index>{267, 168});
    // First row: 'n','y','n','y','y','y','n','n','n','y',?,...,'republican'; categories { 'n', 'y'}.
    REQUIRE(d.feature(0).categories == std::vector<std::string>{"n", "y"});
    REQUIRE(d.X()(0, 0) == 0.0);
    REQUIRE(d.X()(0, 1) == 1.0);
    REQUIRE(std::isnan(d.X()(0, 10)));
    REQUIRE(d.y()[0] == 1.0);
}

TEST_CASE("Weka credit-g.arff: 1000 x 20 with 13 nominal features", "[data][arff]") {
    // grep -ci '^@attribute.*{' credit-g.arff → 14 nominal attributes, the class being one.
    const auto d = read_arff(data_file("weka/credit-g.arff"));
    REQUIRE(d.n_samples() == 1000);
    REQUIRE(d.n_features() == 20);
    REQUIRE(d.n_nominal() == 13);
    REQUIRE(d.n_missing() == 0);
    REQUIRE(d.class_counts() == std::vector<Index>{700, 300});  // good / bad
    // First row: '<0',6,'critical/other existing credit',radio/tv,1169,... ,good
    REQUIRE(d.X()(0, 0) == 0.0);                    // '<0' is the first declared category
    REQUIRE(d.X()(0, 1) == 6.0);                    // duration
    REQUIRE(d.X()(0, 2) == 4.0);                    // 'critical/other existing credit' is the 5th
    REQUIRE(d.feature(3).categories[3] == "radio/tv");  // unquoted value in the declaration
    REQUIRE(d.X()(0, 3) == 3.0);
    REQUIRE(d.X()(0, 4) == 1169.0);
    REQUIRE(d.feature(2).categories[4] == "critical/other existing credit");  // quoted with spaces
    REQUIRE(d.y()[0] == 0.0);
}

TEST_CASE("Weka labor.arff: 57 rows with many missing values", "[data][arff]") {
    // grep -o '?' on the data section → 326; classes 'bad' 20 / 'good' 37.
    const auto d = read_arff(data_file("weka/labor.arff"));
    REQUIRE(d.n_samples() == 57);
    REQUIRE(d.n_features() == 16);
    REQUIRE(d.n_nominal() == 8);
    REQUIRE(d.n_missing() == 326);
    REQUIRE(d.class_counts() == std::vector<Index>{20, 37});
    // First row: 1,5,?,?,?,40,?,?,2,?,11,'average',?,?,'yes',?,'good'
    REQUIRE(d.X()(0, 0) == 1.0);
    REQUIRE(d.X()(0, 1) == 5.0);
    REQUIRE(std::isnan(d.X()(0, 2)));
    REQUIRE(d.X()(0, 5) == 40.0);
    REQUIRE(d.X()(0, 11) == 1.0);  // 'average' in {'below_average','average','generous'}
}

TEST_CASE("Weka cpu.arff has a numeric class and reads as regression", "[data][arff]") {
    const auto d = read_arff(data_file("weka/cpu.arff"));
    REQUIRE(d.task() == TaskType::regression);
    REQUIRE(d.n_samples() == 209);
    REQUIRE(d.n_classes() == 0);
    // Forcing classification makes the distinct values classes.
    ArffOptions o;
    o.task = TaskType::classification;
    const auto c = read_arff(data_file("weka/cpu.arff"), o);
    REQUIRE(c.is_classification());
    REQUIRE(c.n_classes() > 1);
}

TEST_CASE("OpenML penguins.arff.gz: rows with a missing class are dropped with a warning", "[data][arff]") {
    // 344 data rows; 10 have '?' as the last value (sex): grep -c on the data section.
    std::vector<std::string> warnings;
    ArffOptions o;
    o.on_warning = [&](const std::string& w) { warnings.push_back(w); };
    const auto d = read_arff(data_file("openml/penguins.arff.gz"), o);
    REQUIRE(d.n_samples() == 334);
    REQUIRE(warnings.size() == 1);
    REQUIRE_THAT(warnings[0], Catch::Contains("dropped 10 row(s) with a missing target 'sex'"));
    // Another target by name: species, no row dropped.
    o.target = "species";
    const auto s = read_arff(data_file("openml/penguins.arff.gz"), o);
    REQUIRE(s.n_samples() == 344);
    REQUIRE(s.class_names() == std::vector<std::string>{"Adelie", "Chinstrap", "Gentoo"});
    REQUIRE(s.n_features() == 6);
}

TEST_CASE("OpenML kr-vs-kp.arff.gz reads through zlib", "[data][arff]") {
    const auto d = read_dataset(data_file("openml/kr-vs-kp.arff.gz"));
    REQUIRE(d.name() == "kr-vs-kp");
    REQUIRE(d.n_samples() == 3196);
    REQUIRE(d.n_nominal() == 36);
    REQUIRE(d.class_counts() == std::vector<Index>{1669, 1527});  // won / nowin, uniq -c on the file
}

TEST_CASE("scikit-learn CSVs: iris, breast_cancer, wine, digits", "[data][csv]") {
    const auto iris = read_sklearn_csv(data_file("sklearn/iris.csv"));
    REQUIRE(iris.n_samples() == 150);
    REQUIRE(iris.n_features() == 4);
    REQUIRE(iris.class_names() == std::vector<std::string>{"setosa", "versicolor", "virginica"});
    REQUIRE(iris.class_counts() == std::vector<Index>{50, 50, 50});
    REQUIRE(iris.X()(0, 0) == 5.1);
    // awk -F, 'NR>1{print $NF}' breast_cancer.csv | sort | uniq -c → 212 malignant (0), 357 benign (1).
    const auto bc = read_sklearn_csv(data_file("sklearn/breast_cancer.csv"));
    REQUIRE(bc.n_samples() == 569);
    REQUIRE(bc.n_features() == 30);
    REQUIRE(bc.class_counts() == std::vector<Index>{212, 357});
    REQUIRE(bc.X()(0, 0) == 17.99);
    const auto wine = read_dataset(data_file("sklearn/wine_data.csv"));  // dispatched to read_sklearn_csv
    REQUIRE(wine.n_samples() == 178);
    REQUIRE(wine.n_features() == 13);
    REQUIRE(wine.class_names() == std::vector<std::string>{"class_0", "class_1", "class_2"});
    REQUIRE(wine.X()(0, 0) == 14.23);
    // A target named for a file of this layout (it has no column names): said so, not a row-length error.
    ReadOptions named;
    named.target = "target";
    REQUIRE_THROWS_AS(read_dataset(data_file("sklearn/wine_data.csv"), named), ConfigError);
    REQUIRE_THROWS_WITH(read_dataset(data_file("sklearn/wine_data.csv"), named),
                        Catch::Contains("is in scikit-learn's CSV layout") && Catch::Contains("got 'target'"));
    // digits.csv.gz has no header; the class is the last of 65 columns; classes "0".."9".
    const auto digits = read_dataset(data_file("sklearn/digits.csv.gz"));
    REQUIRE(digits.n_samples() == 1797);
    REQUIRE(digits.n_features() == 64);
    REQUIRE(digits.n_classes() == 10);
    REQUIRE(digits.class_counts()[0] == 178);  // awk -F, '{print $NF}' | sort | uniq -c
    REQUIRE(digits.X()(0, 2) == 5.0);
    const auto boston = read_dataset(data_file("sklearn/boston_house_prices.csv"));
    REQUIRE(boston.task() == TaskType::regression);
    REQUIRE(boston.n_samples() == 506);
    REQUIRE(boston.feature(0).name == "CRIM");
    REQUIRE(boston.target_name() == "MEDV");
    REQUIRE(boston.y()[0] == 24.0);
}

namespace {
ReadOptions target_is(const std::string& name) {
    ReadOptions o;
    o.target = name;
    return o;
}
}  // namespace

TEST_CASE("PMLB TSV files read with metadata.yaml when the PMLB folder exists", "[data][csv][pmlb]") {
    const auto pmlb = metalearn::test::pmlb_dir();
    if (pmlb.empty()) {
        WARN("PMLB folder not found; skipping");
        return;
    }
    const auto iris = read_dataset(pmlb / "iris" / "iris.tsv.gz");
    REQUIRE(iris.n_samples() == 150);
    REQUIRE(iris.n_features() == 4);
    REQUIRE(iris.class_names() == std::vector<std::string>{"0", "1", "2"});
    REQUIRE(iris.class_counts() == std::vector<Index>{50, 50, 50});
    // 1027_ESL: 488 rows (zcat | wc -l → 489 with the header), 4 features declared categorical
    // and task regression in its metadata.yaml (the integer target 1..9 would otherwise be a class).
    const auto esl = read_dataset(pmlb / "1027_ESL" / "1027_ESL.tsv.gz");
    REQUIRE(esl.n_samples() == 488);
    REQUIRE(esl.n_nominal() == 4);
    REQUIRE(esl.task() == TaskType::regression);
    REQUIRE(esl.y()[0] == 6.0);
    // schizo has two columns named "target" (2nd and last): refused unless the target is given;
    // its metadata.yaml lists the last as the feature "target.1", so PMLB's target is the 2nd.
    const auto schizo = pmlb / "schizo" / "schizo.tsv.gz";
    if (std::filesystem::exists(schizo)) {
        REQUIRE_THROWS_AS(read_dataset(schizo), DataError);
        const auto s = read_dataset(schizo, target_is("target"));
        REQUIRE(s.target_name() == "target");
        REQUIRE(s.feature(s.n_features() - 1).name == "target.1");
    }
    // Every other PMLB file reads.
    for (const auto& f : list_dataset_files(pmlb, true))
        if (f != schizo) REQUIRE_NOTHROW(read_dataset(f));
}

TEST_CASE("Fashion-MNIST IDX: t10k labels and images", "[data][idx]") {
    // Label counts: zcat t10k-labels-idx1-ubyte.gz | tail -c +9 | od -An -tu1 -v → 1000 of each digit.
    const auto labels = read_idx_labels(data_file("fashion-mnist/t10k-labels-idx1-ubyte.gz"));
    REQUIRE(labels.size() == 10000);
    for (Index c = 0; c < 10; ++c) REQUIRE((labels.array() == c).count() == 1000);
    REQUIRE(labels[0] == 9);  // first five: 9 2 1 1 6
    REQUIRE(labels[4] == 6);
    const auto images = data_file("fashion-mnist/t10k-images-idx3-ubyte.gz");
    REQUIRE(read_idx_shape(images) == std::vector<Index>{10000, 28, 28});
    const auto d = read_idx_dataset(images, data_file("fashion-mnist/t10k-labels-idx1-ubyte.gz"), "fashion", 20);
    REQUIRE(d.n_samples() == 20);
    REQUIRE(d.n_features() == 784);
    REQUIRE(d.n_classes() == 10);
    // Image 0: pixel bytes sum to 33456, max 255; bytes 400..403 are 1 0 0 0 (od on the file).
    REQUIRE(d.X().row(0).sum() == 33456.0);
    REQUIRE(d.X().row(0).maxCoeff() == 255.0);
    REQUIRE(d.X()(0, 400) == 1.0);
    REQUIRE(d.X()(0, 401) == 0.0);
}

TEST_CASE("ARFF syntax: comments, keyword case, quotes, escapes, sparse rows", "[data][arff]") {
    const std::string text = "% a comment\n"
                             "@RELATION 'test relation'\n"
                             "@Attribute 'my attr' NUMERIC % trailing comment\n"
                             "@attribute colour {'light red', \"dark\\'blue\", green}\n"
                             "@attribute note string\n"
                             "@attribute class {a,b}\n"
                             "\n"
                             "@DATA\n"
                             "1.5,'light red','hello, world',a\n"
                             "% comment row\n"
                             "-2e1 , \"dark'blue\" , x , b\n"
                             "{0 3, 1 green, 3 b}\n"
                             "{3 a}\n"
                             "?,?,?,a,{2}\n";
    std::vector<std::string> warnings;
    ArffOptions o;
    o.on_warning = [&](const std::string& w) { warnings.push_back(w); };
    const auto d = read_arff_string(text, "test", o);
    REQUIRE(d.n_samples() == 5);
    REQUIRE(d.n_features() == 2);  // the string attribute is dropped
    REQUIRE(warnings.size() == 1);
    REQUIRE_THAT(warnings[0], Catch::Contains("dropped string attribute 'note' (line 5)"));
    REQUIRE(d.feature(0).name == "my attr");
    REQUIRE(d.feature(1).categories == std::vector<std::string>{"light red", "dark'blue", "green"});
    Matrix expected(5, 2);
    const double nan = std::nan("");
    expected << 1.5, 0, -20, 1, 3, 2, 0, 0, nan, nan;  // sparse: omitted entries are 0
    for (Index i = 0; i < 5; ++i)
        for (Index j = 0; j < 2; ++j) {
            if (std::isnan(expected(i, j))) REQUIRE(std::isnan(d.X()(i, j)));
            else REQUIRE(d.X()(i, j) == expected(i, j));
        }
    REQUIRE(d.class_counts() == std::vector<Index>{3, 2});
}

TEST_CASE("CSV syntax: quotes, delimiters, missing markers, nominal detection", "[data][csv]") {
    const std::string text = "a;\"b \"\"quoted\"\"\";colour;y\n"
                             "1;2;red;yes\n"
                             "NA;4;\"blue; dark\";no\n"
                             "\n"
                             "5; ?;red;yes\n";
    CsvOptions o;
    o.delimiter = ';';
    const auto d = read_csv_string(text, "t", o);
    REQUIRE(d.n_samples() == 3);
    REQUIRE(d.feature(1).name == "b \"quoted\"");
    REQUIRE(d.feature(2).is_nominal());
    REQUIRE(d.feature(2).categories == std::vector<std::string>{"blue; dark", "red"});  // sorted
    REQUIRE(std::isnan(d.X()(1, 0)));
    REQUIRE(std::isnan(d.X()(2, 1)));
    REQUIRE(d.X()(1, 2) == 0.0);
    REQUIRE(d.class_names() == std::vector<std::string>{"no", "yes"});
    REQUIRE(d.y()[1] == 0.0);
    o.category_order = CategoryOrder::first_appearance;
    const auto f = read_csv_string(text, "t", o);
    REQUIRE(f.feature(2).categories == std::vector<std::string>{"red", "blue; dark"});
    REQUIRE(f.class_names() == std::vector<std::string>{"yes", "no"});
}

TEST_CASE("CSV: a line of tabs in a TSV is a row of missing cells, a quoted NA is a text", "[data][csv]") {
    CsvOptions tab;
    tab.delimiter = '\t';
    std::vector<std::string> warnings;
    tab.on_warning = [&](const std::string& w) { warnings.push_back(w); };
    // Line 3 has the header's 3 fields, all empty: its target is missing, so it is dropped with
    // a warning (a whitespace-only line without a tab stays a skipped blank line).
    const auto d = read_csv_string("a\tb\ty\n1\t2\tx\n\t\t\n   \n3\t\tz\n", "t", tab);
    REQUIRE(d.n_samples() == 2);
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("line 3"));
    CHECK(std::isnan(d.X()(1, 1)));
    // A line of tabs with the wrong field count is an error, not a skipped line.
    REQUIRE_THROWS_AS(read_csv_string("a\tb\ty\n1\t2\tx\n\t\n", "t", tab), ParseError);
    // Quoting keeps "NA" as a category; unquoted NA is missing.
    const auto q = read_csv_string("c,y\n\"NA\",0\nNA,1\nUS,0\n", "q");
    REQUIRE(q.feature(0).is_nominal());
    CHECK(q.feature(0).categories == std::vector<std::string>{"NA", "US"});
    CHECK(q.X()(0, 0) == 0.0);
    CHECK(std::isnan(q.X()(1, 0)));
}

TEST_CASE("csv_field quotes what needs quotes, and read_csv reads it back", "[data][csv]") {
    CHECK(csv_field("plain") == "plain");
    CHECK(csv_field("a,b") == "\"a,b\"");
    CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(csv_field("") == "");
    const std::vector<std::string> names = {"a,b", "say \"hi\"", "plain"};
    std::string text = "name,y\n";
    for (std::size_t i = 0; i < names.size(); ++i) text += csv_field(names[i]) + "," + std::to_string(i % 2) + "\n";
    const auto d = read_csv_string(text, "t");
    REQUIRE(d.feature(0).is_nominal());
    CHECK(d.feature(0).categories == std::vector<std::string>{"a,b", "plain", "say \"hi\""});  // sorted
}

TEST_CASE("CSV task rule: few integer values are classes, otherwise regression", "[data][csv]") {
    const auto c = read_csv_string("x,y\n1,0\n2,1\n3,2\n4,0\n", "c");
    REQUIRE(c.is_classification());
    REQUIRE(c.class_names() == std::vector<std::string>{"0", "1", "2"});
    const auto r = read_csv_string("x,y\n1,0.5\n2,1\n3,2\n", "r");
    REQUIRE(r.task() == TaskType::regression);
    CsvOptions o;
    o.max_classes = 2;
    REQUIRE(read_csv_string("x,y\n1,0\n2,1\n3,2\n", "m", o).task() == TaskType::regression);
    o = {};
    o.task = TaskType::regression;
    REQUIRE(read_csv_string("x,y\n1,0\n2,1\n", "f", o).task() == TaskType::regression);
    o = {};
    o.target = "x";
    o.nominal_columns = {"y"};
    const auto t = read_csv_string("x,y\n1.5,10\n2,2\n3,10\n", "t", o);
    REQUIRE(t.target_name() == "x");
    REQUIRE(t.feature(0).categories == std::vector<std::string>{"2", "10"});  // numeric order
    REQUIRE(t.X()(0, 0) == 1.0);
    o = {};
    o.target_index = 0;
    REQUIRE(read_csv_string("x,y\n1,0.5\n2,1.5\n", "i", o).target_name() == "x");
}

TEST_CASE("list_dataset_files finds the readable files", "[data][read]") {
    const auto files = list_dataset_files(metalearn::test::data_dir() / "weka");
    REQUIRE(files.size() >= 15);
    for (const auto& f : files) REQUIRE(is_dataset_file(f));
    REQUIRE(std::is_sorted(files.begin(), files.end()));
    REQUIRE_THROWS_AS(list_dataset_files(metalearn::test::data_dir() / "no-such-folder"), IoError);
}

TEST_CASE("PMLB metadata: features of type nominal are read as nominal, like categorical ones", "[data][csv][pmlb]") {
    metalearn::test::TempFolder dir("pmlb_nominal");
    const auto file = dir.write("toy/toy.tsv", "colour\tsize\tweight\ttarget\n1\t2\t0.5\t0\n2\t3\t0.7\t1\n1\t2\t0.1\t0\n3\t1\t0.9\t1\n");
    dir.write("toy/metadata.yaml",
              "dataset: toy\ntask: classification\ntarget:\n  type: categorical\nfeatures:\n"
              "  - name: colour\n    type: nominal\n  - name: size\n    type: categorical\n"
              "  - name: weight\n    type: continuous\n");
    const auto d = read_dataset(file);
    REQUIRE(d.n_features() == 3);
    CHECK(d.feature(0).is_nominal());
    CHECK(d.feature(1).is_nominal());
    CHECK_FALSE(d.feature(2).is_nominal());
}

TEST_CASE("a PMLB file with two columns named target is refused unless the target is given", "[data][csv][pmlb][errors]") {
    metalearn::test::TempFolder dir("pmlb_two_targets");
    // as schizo.tsv.gz: a column "target" second and another last
    const auto file = dir.write("two.tsv", "ID\ttarget\tx\ttarget\n1\t1\t0.5\t0\n2\t0\t0.7\t1\n3\t1\t0.1\t0\n4\t0\t0.9\t1\n");
    CHECK_THROWS_AS(read_dataset(file), DataError);
    CHECK_THROWS_WITH(read_dataset(file), Catch::Contains("2 columns named 'target' (columns 2 and 4") &&
                                              Catch::Contains("ReadOptions::target"));
    // pandas (and PMLB's metadata) read the first as "target" and the last as "target.1"
    const auto first = read_dataset(file, target_is("target"));
    CHECK(first.target_name() == "target");
    CHECK(first.feature(2).name == "target.1");
    CHECK(first.y()[0] == 1.0);
    const auto last = read_dataset(file, target_is("target.1"));
    CHECK(last.target_name() == "target.1");
    CHECK(last.feature(1).name == "target");
}

TEST_CASE("repeated column names of a .tsv are renamed as pandas renames them", "[data][csv][pmlb]") {
    metalearn::test::TempFolder dir("pandas_rename");
    // pandas.io.common.dedup_names: "a, b, b.1, b" gives "a, b, b.1, b.1.1" (the 2nd repeat of
    // "b" would be "b.1", which is taken, so it becomes "b.1" + ".1"), and "x, x, x" gives "x, x.1, x.2"
    const auto file = dir.write("ren.tsv", "a\tb\tb.1\tb\tx\tx\tx\ttarget\n1\t2\t3\t4\t5\t6\t7\t0\n2\t3\t4\t5\t6\t7\t8\t1\n");
    const auto d = read_dataset(file);
    REQUIRE(d.n_features() == 7);
    const char* expected[7] = {"a", "b", "b.1", "b.1.1", "x", "x.1", "x.2"};
    for (Index j = 0; j < 7; ++j) CHECK(d.feature(j).name == expected[j]);
    CHECK(d.X()(0, 3) == 4.0);
    // two columns named target after a "target.1": pandas renames the last "target.1.1" ("target.1"
    // is taken); the advice names that name,
    // and following it reads that column
    const auto clash = dir.write("clash.tsv", "target.1\ttarget\ttarget\n1\t0\t1\n4\t1\t0\n5\t0\t1\n6\t1\t0\n");
    CHECK_THROWS_WITH(read_dataset(clash), Catch::Contains("\"target.1.1\" for column 3"));
    const auto third = read_dataset(clash, target_is("target.1.1"));
    CHECK(third.target_name() == "target.1.1");
    CHECK(third.y()[0] == 1.0);  // column 3's first value (class "1" is code 1 of {0, 1})
    CHECK(third.feature(0).name == "target.1");
}
