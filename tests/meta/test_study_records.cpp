// Tests of meta::study_records: a finished tuner study as records of its task — the complete
// trials with exactly their configurations and scores, a round trip through a record journal, and
// a refit on the grown journal that moves the predictor's top pick for the task to the study's best.
#include "support/test_support.hpp"

#include <metalearn/meta/meta_learner.hpp>
#include <metalearn/meta/predictor.hpp>
#include <metalearn/meta/random_forest_meta_model.hpp>
#include <metalearn/meta/record_store.hpp>
#include <metalearn/meta/study_records.hpp>
#include <metalearn/meta/task_table.hpp>
#include <metalearn/models/logistic_regression.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace metalearn;
using LR = models::LogisticRegression;

namespace {

using StudyParams = LR::params_type;

StudyParams study_config(double C, models::ClassWeight w = models::ClassWeight::none) {
    StudyParams p;
    p.C = C;
    p.class_weight = w;
    return p;
}

// A study told known scores: the configurations enqueued in this order, each told its score.
hpo::Tuner<StudyParams> study_told(const std::vector<StudyParams>& configs, const std::vector<double>& scores) {
    hpo::Tuner<StudyParams> tuner(LR::search_space(), {.seed = 0});
    for (const auto& c : configs) tuner.enqueue(c);
    for (double s : scores) {
        const auto t = tuner.ask();
        tuner.tell(t.id, s);
    }
    return tuner;
}

meta::StudyTask study_task(const std::string& id, double x) {
    return {.task_id = id, .task_name = "", .data_checksum = "00112233445566ff", .meta_feature_names = {"x"},
            .meta_features = {x}};
}

const meta::StudyProtocol study_protocol{.metric = hpo::Metric::balanced_accuracy, .n_folds = 3, .seed = 0};

}  // namespace

TEST_CASE("study_records: the complete trials of a study, with exactly their configurations and scores",
          "[meta][study_records]") {
    hpo::Tuner<StudyParams> tuner(LR::search_space(), {.seed = 0});
    tuner.enqueue(study_config(0.1));
    tuner.enqueue(study_config(1.0, models::ClassWeight::balanced));
    tuner.enqueue(study_config(10.0));
    const std::vector<double> told{0.7, 0.9, 0.8};
    for (double s : told) tuner.tell(tuner.ask().id, s);
    tuner.tell_failed(tuner.ask().id, "diverged");
    tuner.tell_pruned(tuner.ask().id, 0.5);
    (void)tuner.ask();  // pending
    const auto study = meta::study_records<LR>(tuner, study_task("weka/iris", 2.5), study_protocol);
    CHECK(study.n_failed == 1);
    CHECK(study.n_pruned == 1);
    CHECK(study.n_pending == 1);
    CHECK(study.n_duplicates == 0);
    REQUIRE(study.records.size() == 3);
    const std::vector<nlohmann::json> configs{nlohmann::json::parse(R"({"C": 0.1, "class_weight": "none"})"),
                                              nlohmann::json::parse(R"({"C": 1.0, "class_weight": "balanced"})"),
                                              nlohmann::json::parse(R"({"C": 10.0, "class_weight": "none"})")};
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& r = study.records[i];
        CHECK(r.config == configs[i]);
        CHECK(r.mean_score == told[i]);
        CHECK(r.ok());
        CHECK(r.task_id == "weka/iris");
        CHECK(r.task_name == "weka/iris");
        CHECK(r.data_checksum == "00112233445566ff");
        CHECK(r.meta_feature_names == std::vector<std::string>{"x"});
        CHECK(r.meta_features == std::vector<double>{2.5});
        CHECK(r.model == "logistic_regression");
        CHECK(r.metric == "balanced_accuracy");
        CHECK(r.n_folds == 3);
        CHECK(r.seed == 0);
        CHECK(r.seed_scheme == meta::current_seed_scheme);
        CHECK(r.fold_scores.empty());
    }
    // the keys MetaLearner writes: the space's JSON view of the same configuration
    meta::RecordStore store;
    meta::MetaLearner<LR> learner(store, {.n_folds = 3, .seed = 0});
    const auto balanced = LR::search_space().to_json(study_config(1.0, models::ClassWeight::balanced));
    CHECK(study.records[1].key() == learner.key("weka/iris", "00112233445566ff", balanced));
}

TEST_CASE("study_records: the records survive a round trip through a record journal", "[meta][study_records][journal]") {
    test::TempFolder folder("study_records");
    const auto path = folder.path() / "records.jsonl";
    const auto tuner = study_told({study_config(0.01), study_config(3.0, models::ClassWeight::balanced)}, {0.625, 1.0});
    const auto study = meta::study_records<LR>(tuner, study_task("r/iris", -1.25), study_protocol);
    {
        meta::RecordStore store(path);
        for (const auto& r : study.records) CHECK(store.append(r));
        for (const auto& r : study.records) CHECK_FALSE(store.append(r));  // the same study twice adds nothing
    }
    const auto back = meta::RecordStore::read(path);
    REQUIRE(back.size() == study.records.size());
    for (std::size_t i = 0; i < back.size(); ++i) {
        CHECK(meta::to_json(back[i]) == meta::to_json(study.records[i]));
        CHECK(back[i].key() == study.records[i].key());
    }
}

TEST_CASE("study_records: the refit on the grown journal picks the study's best for its task",
          "[meta][study_records][refit]") {
    // Two known tasks (meta-feature x = 1 and 2) whose best plan configuration is c0; a new task
    // (x = 10) on which a study finds c2 best and c0 worst. A single unbagged tree with leaves of
    // one row fits its training rows exactly, so the predictions are the normalised scores:
    // before the update, x = 10 falls on task 2's side of every split on x and the ranking is
    // task 2's (c0 1, c1 2/3, c2 0); after it, the new task's own (c0 0, c1 0.125, c2 1).
    const StudyParams c0 = study_config(0.01), c1 = study_config(1.0), c2 = study_config(100.0, models::ClassWeight::balanced);
    const auto space = LR::search_space();
    const std::vector<nlohmann::json> plan{space.to_json(c1), space.to_json(c0), space.to_json(c2)};  // the default first
    const auto encoder = [&](const nlohmann::json& c) { return space.encode(space.from_json(c)); };
    const auto known = [&](const std::string& id, double x, const std::vector<double>& scores) {  // c0, c1, c2
        const auto t = study_told({c0, c1, c2}, scores);
        return meta::study_records<LR>(t, study_task(id, x), study_protocol).records;
    };
    test::TempFolder folder("study_records_refit");
    meta::RecordStore store(folder.path() / "records.jsonl");
    for (const auto& r : known("a", 1.0, {0.9, 0.7, 0.6})) store.append(r);
    for (const auto& r : known("b", 2.0, {0.8, 0.7, 0.5})) store.append(r);
    const meta::RandomForestMetaModel tree({.n_estimators = 1, .min_samples_leaf = 1, .max_features = 1.0, .bootstrap = false});
    const Vector x_new = Vector::Constant(1, 10.0);
    const auto fitted_on = [&](const std::vector<meta::Record>& records) {
        const meta::TaskTable table = meta::make_task_table(records, LR::name, encoder, plan, plan.front());
        meta::HyperparameterPredictor<meta::RandomForestMetaModel> p(tree);
        std::vector<Index> rows(static_cast<std::size_t>(table.n_tasks()));
        for (Index t = 0; t < table.n_tasks(); ++t) rows[static_cast<std::size_t>(t)] = t;
        p.fit(table, rows);
        return std::pair(p, table);
    };
    {
        const auto [before, table] = fitted_on(store.records());
        const Vector mu = before.predict(x_new, table.config_encoding);  // plan order: c1, c0, c2
        CHECK(mu[1] == Approx(1.0));
        CHECK(mu[0] == Approx(2.0 / 3.0));
        CHECK(mu[2] == Approx(0.0).margin(1e-12));
        CHECK(before.suggest(x_new, 1, table.configs, table.config_encoding).front().config == space.to_json(c0));
    }
    // the study on the new task, over the plan as a lookup table
    hpo::Tuner<StudyParams> tuner(LR::search_space(), {.seed = 0, .n_initial = 3});
    tuner.set_candidates({c1, c0, c2});
    const auto score_on_new = [&](const StudyParams& p) {
        const auto j = space.to_json(p);
        return j == space.to_json(c2) ? 0.95 : j == space.to_json(c1) ? 0.6 : 0.55;
    };
    for (int k = 0; k < 3; ++k) {
        const auto t = tuner.ask();
        tuner.tell(t.id, score_on_new(t.params));
    }
    const auto study = meta::study_records<LR>(tuner, study_task("new", 10.0), study_protocol);
    REQUIRE(study.records.size() == 3);
    for (const auto& r : study.records) CHECK(store.append(r));
    const auto [after, table] = fitted_on(store.records());
    const Vector mu = after.predict(x_new, table.config_encoding);
    CHECK(mu[0] == Approx(0.125));
    CHECK(mu[1] == Approx(0.0).margin(1e-12));
    CHECK(mu[2] == Approx(1.0));
    CHECK(after.suggest(x_new, 1, table.configs, table.config_encoding).front().config == space.to_json(c2));
    // the same through a fresh MetaLearner over the journal (plan configurations, every task)
    meta::MetaLearner<LR> learner(store, {.n_folds = 3, .seed = 0}, LR(), tree);
    learner.set_plan({c0, c2});
    const auto& refit = learner.fit();
    CHECK(learner.table().n_tasks() == 3);
    CHECK(refit.suggest(x_new, 1, learner.plan_json(), learner.table().config_encoding).front().config ==
          space.to_json(c2));
}

TEST_CASE("study_records: bad input is refused with a specific exception", "[meta][study_records][errors]") {
    const auto tuner = study_told({study_config(0.5)}, {0.75});
    SECTION("a study without a complete trial") {
        hpo::Tuner<StudyParams> empty(LR::search_space(), {.seed = 0});
        REQUIRE_THROWS_AS(meta::study_records<LR>(empty, study_task("t", 1.0), study_protocol), DataError);
        empty.tell_failed(empty.ask().id, "crashed");
        (void)empty.ask();
        REQUIRE_THROWS_WITH(meta::study_records<LR>(empty, study_task("t", 1.0), study_protocol),
                            Catch::Contains("no complete trial (1 failed, 0 pruned, 1 pending)"));
    }
    SECTION("a tuner over another space") {
        const auto only_c = hpo::SearchSpace<StudyParams>().add("C", &StudyParams::C, hpo::log_uniform(1e-4, 1e4));
        hpo::Tuner<StudyParams> other(only_c, {.seed = 0});
        other.tell(other.ask().id, 0.5);
        REQUIRE_THROWS_WITH(meta::study_records<LR>(other, study_task("t", 1.0), study_protocol),
                            Catch::Contains("the tuner searches [C]"));
        const auto fewer_labels = hpo::SearchSpace<StudyParams>()
                                      .add("C", &StudyParams::C, hpo::log_uniform(1e-4, 1e4))
                                      .add("class_weight", &StudyParams::class_weight,
                                           hpo::categorical<models::ClassWeight>({{"none", models::ClassWeight::none}}));
        hpo::Tuner<StudyParams> relabelled(fewer_labels, {.seed = 0});
        relabelled.tell(relabelled.ask().id, 0.5);
        REQUIRE_THROWS_WITH(meta::study_records<LR>(relabelled, study_task("t", 1.0), study_protocol),
                            Catch::Contains("dimension 'class_weight'"));
        // other bounds on the same dimensions are the same space for the records
        hpo::Tuner<StudyParams> narrow(LR::search_space().with_bounds("C", 0.01, 100.0), {.seed = 0});
        narrow.tell(narrow.ask().id, 0.5);
        CHECK(meta::study_records<LR>(narrow, study_task("t", 1.0), study_protocol).records.size() == 1);
    }
    SECTION("a task without id, checksum or well-formed meta-features") {
        auto task = study_task("t", 1.0);
        task.task_id.clear();
        REQUIRE_THROWS_AS(meta::study_records<LR>(tuner, task, study_protocol), ConfigError);
        task = study_task("t", 1.0);
        task.data_checksum.clear();
        REQUIRE_THROWS_WITH(meta::study_records<LR>(tuner, task, study_protocol), Catch::Contains("data checksum"));
        task = study_task("t", 1.0);
        task.meta_features.push_back(2.0);
        REQUIRE_THROWS_WITH(meta::study_records<LR>(tuner, task, study_protocol),
                            Catch::Contains("1 meta-feature names for 2 values"));
        task.meta_feature_names.push_back("x");
        REQUIRE_THROWS_WITH(meta::study_records<LR>(tuner, task, study_protocol), Catch::Contains("named twice"));
        task.meta_feature_names.clear();
        task.meta_features.clear();
        REQUIRE_THROWS_AS(meta::study_records<LR>(tuner, task, study_protocol), ConfigError);
    }
    SECTION("a protocol without folds, or scores outside the metric's range") {
        REQUIRE_THROWS_AS(meta::study_records<LR>(tuner, study_task("t", 1.0), {.n_folds = 0}), ConfigError);
        REQUIRE_THROWS_AS(meta::study_records<LR>(tuner, study_task("t", 1.0), {.n_folds = 3, .seed_scheme = 0}),
                          ConfigError);
        const auto negative = study_told({study_config(0.5)}, {-0.25});  // a negated log-loss
        REQUIRE_THROWS_WITH(meta::study_records<LR>(negative, study_task("t", 1.0), study_protocol),
                            Catch::Contains("outside [0, 1]"));
        const auto log_loss = meta::study_records<LR>(negative, study_task("t", 1.0),
                                                      {.metric = hpo::Metric::log_loss, .n_folds = 3, .seed = 0});
        REQUIRE(log_loss.records.size() == 1);
        CHECK(log_loss.records[0].mean_score == -0.25);
        CHECK(log_loss.records[0].metric == "log_loss");
    }
}
