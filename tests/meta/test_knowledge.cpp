// Tests of Knowledge: fitted on real datasets through the outer loop, saved, loaded, refused when
// it does not match, and asked for a new dataset (meta-model top-k, learned default, portfolio,
// nearest datasets, zero_shot through the installed-knowledge lookup).
#include "knowledge_fixture.hpp"

#include <metalearn/data/checksum.hpp>
#include <metalearn/data/read.hpp>
#include <metalearn/meta/knowledge.hpp>
#include <metalearn/meta/meta_learner.hpp>
#include <metalearn/meta/warm_start.hpp>
#include <metalearn/models/decision_tree.hpp>
#include <metalearn/models/gradient_boosting.hpp>
#include <metalearn/models/knn.hpp>
#include <metalearn/models/lda.hpp>
#include <metalearn/models/logistic_regression.hpp>
#include <metalearn/models/mlp.hpp>
#include <metalearn/models/random_forest.hpp>
#include <metalearn/models/svm.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>

using namespace metalearn;
using namespace metalearn::meta;
using LR = models::LogisticRegression;


TEST_CASE("Knowledge: a save/load round trip gives the same file and the same suggestions", "[knowledge]") {
    auto& b = test::knowledge_fixture();
    const auto path = b.folder.path() / "lr.json";
    b.knowledge->save(path);
    const auto loaded = Knowledge<LR>::load(path);
    CHECK(loaded.to_json() == b.knowledge->to_json());
    const auto d = data::read_dataset(test::data_file("sklearn/breast_cancer.csv"));
    const auto a = b.knowledge->suggest(d, 3);
    const auto c = loaded.suggest(d, 3);
    REQUIRE(a.size() == 3);
    REQUIRE(c.size() == 3);
    for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].config == c[i].config);
        CHECK(a[i].predicted == c[i].predicted);
        // typed params agree with the JSON
        CHECK(b.knowledge->space().to_json(a[i].params) == a[i].config);
    }
    // the file is self-describing: model, space, meta-feature names, provenance
    const auto j = loaded.to_json();
    CHECK(j["model"] == "logistic_regression");
    CHECK(j["space"].size() == static_cast<std::size_t>(LR::search_space().size()));
    CHECK(j["provenance"]["tasks"].size() == test::knowledge_corpus_files.size());
    CHECK(j["provenance"]["tasks"][0]["checksum"] == b.provenance.tasks[0].checksum);
}

TEST_CASE("Knowledge: fitting twice on the same table gives a bit-identical file", "[knowledge]") {
    auto& b = test::knowledge_fixture();
    MetaLearner<LR> learner(*b.store, test::knowledge_options());
    learner.set_plan(PlanKind::sobol, 8);
    const auto again = Knowledge<LR>::fit(learner.table(), learner.space(), test::knowledge_options().metric, 3, 5,
                                          test::knowledge_options().meta_features, b.provenance);
    CHECK(again.to_json().dump() == b.knowledge->to_json().dump());
}

TEST_CASE("Knowledge: a rebuild from a fresh journal with another thread count gives a bit-identical file",
          "[knowledge]") {
    auto& b = test::knowledge_fixture();
    test::TempFolder folder("knowledge_rebuild");
    RecordStore store(folder.path() / "records.jsonl");
    auto o = test::knowledge_options();
    o.n_threads = 1;
    MetaLearner<LR> learner(store, o);
    learner.set_plan(PlanKind::sobol, 8);
    learner.collect(b.tasks);
    const auto again = Knowledge<LR>::fit(learner.table(), learner.space(), o.metric, 3, 5, o.meta_features, b.provenance);
    CHECK(again.to_json().dump() == b.knowledge->to_json().dump());
}

TEST_CASE("Knowledge: learned default, portfolio and nearest datasets follow their definitions", "[knowledge]") {
    auto& b = test::knowledge_fixture();
    const auto& k = *b.knowledge;
    const auto& t = b.table;
    // learned default: the plan config with the highest mean normalised score over the tasks
    // (min–max within each task, failures = worst), computed here by hand from the table.
    Index best = -1;
    double best_mean = -1;
    for (Index c = 0; c < t.n_configs(); ++c) {
        double sum = 0;
        Index n = 0;
        for (Index r = 0; r < t.n_tasks(); ++r) {
            const auto row = t.scores.row(r);
            double lo = 1e300, hi = -1e300;
            for (Index q = 0; q < row.size(); ++q)
                if (std::isfinite(row[q])) lo = std::min(lo, row[q]), hi = std::max(hi, row[q]);
            if (!(hi > lo)) continue;
            sum += std::isfinite(row[c]) ? (row[c] - lo) / (hi - lo) : 0.0;
            ++n;
        }
        if (n > 0 && sum / n > best_mean + 1e-12) best_mean = sum / n, best = c;
    }
    REQUIRE(best >= 0);
    CHECK(k.space().to_json(k.learned_default()) == t.configs[static_cast<std::size_t>(best)]);
    // portfolio: k configs, distinct, and its first is the config of least summed regret = the
    // learned default's criterion summed instead of averaged over the same tasks.
    const auto p = k.portfolio(4);
    REQUIRE(p.size() == 4);
    CHECK(k.space().to_json(p[0]) == t.configs[static_cast<std::size_t>(best)]);
    CHECK_THROWS_WITH(k.portfolio(0), Catch::Contains("k must be >= 1"));
    // nearest: a training task's own meta-features are at distance 0 from itself
    const Vector own = t.meta_features.row(2).transpose();
    const auto near = k.nearest(own, 3);
    REQUIRE(near.size() == 3);
    CHECK(near[0].task_id == t.task_ids[2]);
    CHECK(near[0].distance == Approx(0.0).margin(1e-12));
    CHECK(near[1].distance >= near[0].distance);
    CHECK(near[2].distance >= near[1].distance);
    // its best config is the task's best plan config
    Index arg = 0;
    for (Index c = 1; c < t.n_configs(); ++c)
        if (t.scores(2, c) > t.scores(2, arg)) arg = c;
    CHECK(near[0].best_config == t.configs[static_cast<std::size_t>(arg)]);
}

TEST_CASE("Knowledge: the meta-features of a dataset equal a full extraction restricted to the knowledge's names",
          "[knowledge]") {
    auto& b = test::knowledge_fixture();
    const auto d = data::read_dataset(test::data_file("weka/iris.arff"));
    ZeroShotReport report;
    const Vector x = b.knowledge->meta_features(d, {}, &report);
    // iris is a training task: the same values as its row of the table
    Index row = -1;
    for (Index r = 0; r < b.table.n_tasks(); ++r)
        if (b.table.task_ids[static_cast<std::size_t>(r)] == "weka/iris.arff") row = r;
    REQUIRE(row >= 0);
    for (Index j = 0; j < x.size(); ++j) {
        const double e = b.table.meta_features(row, j);
        if (std::isnan(e)) CHECK(std::isnan(x[j]));
        else CHECK(x[j] == Approx(e).epsilon(1e-12));
    }
    CHECK(report.timed_out.empty());
    CHECK(report.notes.empty());
    // a subsample is said
    ZeroShotOptions small;
    small.max_rows = 60;
    ZeroShotReport r2;
    const Vector xs = b.knowledge->meta_features(d, small, &r2);
    REQUIRE(r2.notes.size() == 1);
    CHECK(r2.notes[0].find("60 of 150") != std::string::npos);
    CHECK(xs[0] != x[0]);  // meta_feature_names are sorted: the first differs on fewer rows (nr_inst or similar)
}

TEST_CASE("Knowledge: top-k suggestions keep the minimum distance", "[knowledge]") {
    auto& b = test::knowledge_fixture();
    const auto d = data::read_dataset(test::data_file("sklearn/breast_cancer.csv"));
    ZeroShotOptions o;
    o.search.min_distance = 0.1;
    o.search.restrict_to_plan = false;
    const auto s = b.knowledge->suggest(d, 4, o);
    REQUIRE(s.size() == 4);
    const double scale = std::sqrt(static_cast<double>(s[0].encoding.size()));
    for (std::size_t i = 0; i < s.size(); ++i)
        for (std::size_t j = i + 1; j < s.size(); ++j) CHECK((s[i].encoding - s[j].encoding).norm() / scale >= 0.1 - 1e-12);
    for (std::size_t i = 1; i < s.size(); ++i) CHECK(s[i].predicted <= s[i - 1].predicted + 1e-12);
}

TEST_CASE("Knowledge: a negative or NaN min_distance and fewer than one neighbour are refused", "[knowledge][errors]") {
    auto& b = test::knowledge_fixture();
    const auto& k = *b.knowledge;
    const Vector mf = Vector::Constant(static_cast<Index>(k.meta_feature_names().size()),
                                       std::numeric_limits<double>::quiet_NaN());  // all missing: the medians
    REQUIRE(k.suggest(mf, 2).size() == 2);
    ZeroShotOptions o;
    o.search.min_distance = -1.0;
    CHECK_THROWS_WITH(k.suggest(mf, 2, o), Catch::Contains("min_distance"));
    o.search.min_distance = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(k.suggest(mf, 2, o), ConfigError);
    REQUIRE(k.nearest(mf, 1).size() == 1);
    CHECK_THROWS_WITH(k.nearest(mf, 0), Catch::Contains("k must be >= 1"));
}

TEST_CASE("Knowledge: files that do not match are refused with what differs", "[knowledge]") {
    auto& b = test::knowledge_fixture();
    const auto good = b.knowledge->to_json();
    auto j = good;
    j["format_version"] = 2;
    CHECK_THROWS_WITH(Knowledge<LR>::from_json(j), Catch::Contains("format version 2"));
    j = good;
    j["n_folds"] = 0;
    CHECK_THROWS_WITH(Knowledge<LR>::from_json(j), Catch::Contains("n_folds 0"));
    // a plan entry of the wrong type is reported as such, before the checks of orders and copies
    j = good;
    j["plan"][1] = {{"C", "abc"}, {"class_weight", "none"}};
    CHECK_THROWS_WITH(Knowledge<LR>::from_json(j), Catch::Contains("wrong type for 'C'"));
    // a plan shorter than what the nearest-datasets table ranks: its rankings would index past the plan
    j = good;
    j["plan"] = nlohmann::json::array({good["learned_default"]});
    j["learned_order"] = {0};
    j["portfolio_order"] = {0};
    j["portfolio"] = nlohmann::json::array({good["learned_default"]});
    CHECK_THROWS_WITH(Knowledge<LR>::from_json(j), Catch::Contains("the nearest-datasets table ranks"));
    j = good;
    j["space"][0]["name"] = "gamma";
    CHECK_THROWS_WITH(Knowledge<LR>::from_json(j), Catch::Contains("'gamma'"));
    j = good;
    j["meta_features"]["names"][0] = "no_such_feature.mean";
    CHECK_THROWS_WITH(Knowledge<LR>::from_json(j), Catch::Contains("no_such_feature.mean"));
    j = good;
    j.erase("predictor");
    CHECK_THROWS_AS(Knowledge<LR>::from_json(j), ConfigError);
    j = good;
    j["portfolio_order"] = {99};
    CHECK_THROWS_WITH(Knowledge<LR>::from_json(j), Catch::Contains("outside the plan"));
    j = good;
    j["learned_default"] = {{"C", "x"}};
    CHECK_THROWS_WITH(Knowledge<LR>::from_json(j), Catch::Contains("\"learned_default\""));
    j = good;
    j["portfolio"][0] = {{"C", -5}};
    CHECK_THROWS_WITH(Knowledge<LR>::from_json(j), Catch::Contains("\"portfolio\" entry 0"));
    j = good;
    j["predictor"]["medians"].erase(0);
    CHECK_THROWS_WITH(Knowledge<LR>::from_json(j), Catch::Contains("medians for"));
    j = good;
    j["meta_features"]["names"].erase(j["meta_features"]["names"].size() - 1);
    CHECK_THROWS_WITH(Knowledge<LR>::from_json(j), Catch::Contains("the predictor expects"));
    CHECK_THROWS_WITH(Knowledge<models::DecisionTreeClassifier>::from_json(good),
                      Catch::Contains("knowledge of model 'logistic_regression'"));
    const auto bad = b.folder.write("bad.json", "{\"format\": ");
    CHECK_THROWS_AS(Knowledge<LR>::load(bad), ParseError);
    // Reported at the line and column of the error (the 'x' of line 2, column 13), not line 0.
    const auto bad_line = b.folder.write("bad_line.json", "{\"format\": \"metalearn.knowledge\",\n \"version\": x}\n");
    try {
        (void)Knowledge<LR>::load(bad_line);
        FAIL("expected ParseError");
    } catch (const ParseError& e) {
        CHECK(e.line() == 2);
        CHECK(e.column() == 13);
    }
    CHECK_THROWS_AS(Knowledge<LR>::load(b.folder.path() / "missing.json"), IoError);
    // A number beyond a double's range: a ParseError at that number (line 2, column 13), not an abort.
    const auto overflow = b.folder.write("overflow.json", "{\"format\": \"metalearn.knowledge\",\n \"version\": 1e999}\n");
    try {
        (void)Knowledge<LR>::load(overflow);
        FAIL("expected ParseError");
    } catch (const ParseError& e) {
        CHECK(e.line() == 2);
        CHECK(e.column() == 13);
        CHECK_THAT(e.message(), Catch::Contains("number overflow"));
    }
}

TEST_CASE("Knowledge: bad new datasets are refused", "[knowledge]") {
    auto& b = test::knowledge_fixture();
    const auto reg = data::read_dataset(test::data_file("weka/cpu.arff"));
    CHECK_THROWS_WITH(b.knowledge->suggest(reg, 1), Catch::Contains("regression"));
    const auto d = data::read_dataset(test::data_file("weka/iris.arff"));
    CHECK_THROWS_AS(b.knowledge->suggest(d, 0), ConfigError);
    CHECK_THROWS_AS(b.knowledge->suggest(d.subset(std::vector<Index>{0, 1}), 1), DataError);  // 2 rows < 3 folds
    CHECK_THROWS_WITH(b.knowledge->suggest(d.subset(std::vector<Index>{0, 1, 2, 3}), 1), Catch::Contains("1 class"));
}

TEST_CASE("zero_shot reads the knowledge folder named by METALEARN_KNOWLEDGE_DIR", "[knowledge]") {
    auto& b = test::knowledge_fixture();
    test::TempFolder dir("knowledge_dir");
    const auto d = data::read_dataset(test::data_file("sklearn/breast_cancer.csv"));
    ::setenv("METALEARN_KNOWLEDGE_DIR", dir.path().c_str(), 1);
    // a model with no knowledge file anywhere: an IoError that says where it looked and what to do
    CHECK_THROWS_WITH(Knowledge<models::LinearDiscriminantAnalysis>::builtin_path(),
                      Catch::Contains(dir.path().string()) && Catch::Contains("METALEARN_KNOWLEDGE_DIR"));
    b.knowledge->save(dir.path() / "logistic_regression.json");
    CHECK(Knowledge<LR>::builtin_path() == dir.path() / "logistic_regression.json");
    const auto p = zero_shot<LR>(d);
    const auto top = b.knowledge->suggest(d, 3);
    CHECK(b.knowledge->space().to_json(p) == top[0].config);
    const auto three = zero_shot<LR>(d, 3);
    REQUIRE(three.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) CHECK(b.knowledge->space().to_json(three[i]) == top[i].config);
    ::unsetenv("METALEARN_KNOWLEDGE_DIR");
}

namespace {

/// Loads a shipped knowledge file of Model with this library (the load refuses another format,
/// search space or meta-feature set) and asks it about diabetes, one of its training tasks.
/// @return the file's top-3 for diabetes (their validity is checked by the caller).
template <class Model>
auto check_shipped(const std::string& name, std::size_t plan_size) {
    const std::filesystem::path file = std::filesystem::path(METALEARN_TEST_SOURCE_DIR) / ".." / "share" / "knowledge" / name;
    REQUIRE(std::filesystem::exists(file));
    CHECK(std::filesystem::file_size(file) < 2'000'000);  // the size the README promises per model
    const auto k = Knowledge<Model>::load(file);
    CHECK(k.task_ids().size() >= 120);  // the corpus the README describes
    CHECK(k.plan().size() == plan_size);
    const auto d = data::read_dataset(test::data_file("weka/diabetes.arff"));
    auto top = k.suggest(d, 3);
    REQUIRE(top.size() == 3);
    for (const auto& s : top) CHECK(std::isfinite(s.predicted));
    // diabetes is one of its training tasks: the nearest task is itself
    const auto near = k.nearest(d, 1);
    REQUIRE(near.size() == 1);
    CHECK(near[0].task_id == "weka/diabetes.arff");
    CHECK(near[0].distance == Approx(0.0).margin(1e-9));
    return top;
}

}  // namespace

TEST_CASE("Knowledge: the shipped knowledge of logistic regression loads with this library and answers", "[knowledge]") {
    for (const auto& s : check_shipped<LR>("logistic_regression.json", 65)) CHECK(s.params.C > 0.0);
}

TEST_CASE("Knowledge: the extraction's warnings about a new dataset reach ZeroShotOptions::on_warning", "[knowledge]") {
    // A value beyond float32's range leaves the model-based group undefined, with a warning.
    const auto k = Knowledge<LR>::load(std::filesystem::path(METALEARN_TEST_SOURCE_DIR) / ".." / "share" / "knowledge" /
                                       "logistic_regression.json");
    const auto base = data::read_dataset(test::data_file("weka/diabetes.arff"));
    Matrix X = base.X();
    X(0, 0) = 1e300;
    const data::Dataset huge("huge", X, base.y(), base.features(), base.task(), base.class_names());
    const auto float32_warnings = [&](const data::Dataset& d) {
        std::size_t n = 0;
        (void)k.meta_features(d, {.on_warning = [&](const std::string& w) { n += w.find("float32") != std::string::npos; }});
        return n;
    };
    CHECK(float32_warnings(huge) == 1);
    CHECK(float32_warnings(base) == 0);
}

TEST_CASE("Knowledge: the shipped knowledge of the decision tree, k-NN and random forest loads with this library and answers",
          "[knowledge]") {
    // plan sizes: 64 Sobol points and the default, minus the points equal after rounding to the
    // integer and categorical values of the space (k-NN's space is small)
    for (const auto& s : check_shipped<models::DecisionTreeClassifier>("decision_tree_classifier.json", 65))
        CHECK(s.params.min_samples_leaf >= 1);
    for (const auto& s : check_shipped<models::KNeighborsClassifier>("knn_classifier.json", 54)) CHECK(s.params.n_neighbors >= 1);
    for (const auto& s : check_shipped<models::RandomForestClassifier>("random_forest_classifier.json", 65))
        CHECK(s.params.n_estimators >= 10);
}

TEST_CASE("Knowledge: suggestions and warm starts leave out what the dataset's size rules out (k-NN on 30 rows)",
          "[knowledge]") {
    STATIC_REQUIRE(models::DeclaresRowNeeds<models::KNeighborsClassifier>);
    STATIC_REQUIRE_FALSE(models::DeclaresRowNeeds<LR>);
    // 30 rows, classes of 15 and 15, 3 folds: a test fold holds at most 5 + 5 rows, so every
    // training fold has at least 20
    Matrix X(30, 2);
    Vector y(30);
    for (Index i = 0; i < 30; ++i) {
        X(i, 0) = static_cast<double>(i);
        X(i, 1) = static_cast<double>((i * 7) % 11);
        y[i] = static_cast<double>(i % 2);
    }
    const data::Dataset d("tiny", X, y, {data::FeatureInfo::numeric("a"), data::FeatureInfo::numeric("b")},
                          data::TaskType::classification, {"x", "y"});
    CHECK(min_training_rows(d, 3) == 20);
    CHECK(min_training_rows(d, 2) == 14);  // a test fold may hold ⌈15/2⌉ = 8 of each class
    const std::filesystem::path file =
        std::filesystem::path(METALEARN_TEST_SOURCE_DIR) / ".." / "share" / "knowledge" / "knn_classifier.json";
    const auto k = Knowledge<models::KNeighborsClassifier>::load(file);
    const auto top = k.suggest(d, 5);
    REQUIRE(top.size() == 5);
    for (const auto& s : top) CHECK(s.params.n_neighbors <= 20);
    // the same meta-features without the row count: the meta-model's own picks, which on this
    // table include more neighbours than rows (the case the filter is for)
    const auto unfiltered = k.suggest(k.meta_features(d), 5);
    CHECK(std::any_of(unfiltered.begin(), unfiltered.end(), [](const auto& s) { return s.params.n_neighbors > 20; }));
    hpo::Tuner<models::KNeighborsClassifier::params_type> tuner(models::KNeighborsClassifier::search_space(), {.seed = 1});
    std::vector<std::string> warnings;
    const auto started = warm_start(tuner, k, d, {.n_portfolio = 5, .on_warning = [&](const std::string& w) {
                                                      warnings.push_back(w);
                                                  }});
    REQUIRE_FALSE(started.enqueued.empty());
    for (const auto& e : started.enqueued) CHECK(e.params.n_neighbors <= 20);
}

TEST_CASE("Knowledge: the shipped knowledge of the SVC loads with this library and answers", "[knowledge]") {
    for (const auto& s : check_shipped<models::SVC>("svc.json", 65)) {
        CHECK(s.params.C > 0.0);
        CHECK(s.params.gamma_scale > 0.0);
    }
}

TEST_CASE("Knowledge: the shipped knowledge of gradient boosting loads with this library and answers", "[knowledge]") {
    for (const auto& s : check_shipped<models::GradientBoostingClassifier>("gradient_boosting_classifier.json", 65)) {
        CHECK(s.params.n_estimators >= 8);
        CHECK(s.params.learning_rate > 0.0);
        CHECK(s.params.max_depth >= 1);
    }
}

TEST_CASE("Knowledge: the shipped knowledge of the MLP loads with this library and answers", "[knowledge]") {
    // the bounds of MLPClassifier::search_space(): 1-3 layers of 8-256 units, rates in [1e-4, 1e-1]
    for (const auto& s : check_shipped<models::MLPClassifier>("mlp_classifier.json", 65)) {
        CHECK(s.params.hidden_layers >= 1);
        CHECK(s.params.hidden_layers <= 3);
        CHECK(s.params.hidden_units >= 8);
        CHECK(s.params.hidden_units <= 256);
        CHECK(s.params.learning_rate_init >= 1e-4);
        CHECK(s.params.learning_rate_init <= 1e-1);
        CHECK(s.params.alpha >= 0.0);
    }
}
