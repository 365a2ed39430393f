// Tests of meta::warm_start: a Tuner started from a Knowledge fitted on real datasets (logistic
// regression, a Sobol plan evaluated by 3-fold CV) — the first trials are the knowledge's picks,
// a wrong prior is overruled, and on a held-out dataset the warm start beats the cold start early.
#include "knowledge_fixture.hpp"

#include <metalearn/data/read.hpp>
#include <metalearn/data/split.hpp>
#include <metalearn/hpo/cross_validate.hpp>
#include <metalearn/meta/meta_learner.hpp>
#include <metalearn/meta/warm_start.hpp>
#include <metalearn/models/logistic_regression.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

using namespace metalearn;
using namespace metalearn::meta;
using LR = models::LogisticRegression;
using P = LR::params_type;

namespace {

const data::Dataset& held_out() {  // not in the corpus
    static const data::Dataset d = data::read_dataset(test::data_file("sklearn/breast_cancer.csv"));
    return d;
}

// 3-fold stratified CV balanced accuracy of logistic regression (fixed folds and seed).
double cv_score(const data::Dataset& d, const P& p) {
    static const auto folds = data::make_folds(d, 3, 0);
    return hpo::cross_validate(LR(), p, d, folds, hpo::Metric::balanced_accuracy, 0).mean;
}

}  // namespace

TEST_CASE("warm_start: the first trials are the knowledge's diversified top picks, best first", "[meta][warm_start]") {
    const auto& k = *test::knowledge_fixture().knowledge;
    const auto top = k.suggest(held_out(), 3);
    REQUIRE(top.size() == 3);
    hpo::Tuner<P> tuner(LR::search_space(), {.seed = 0, .n_initial = 3});
    const auto result = warm_start(tuner, k, held_out());
    CHECK(result.meta_features.size() == static_cast<Index>(k.meta_feature_names().size()));
    REQUIRE(result.enqueued.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        const auto t = tuner.ask();
        CHECK(t.source == "enqueued");
        CHECK(t.params.C == top[i].params.C);  // the same configuration, bit for bit
        CHECK(result.enqueued[i].source == "suggest");
        CHECK(result.enqueued[i].predicted == top[i].predicted);
        tuner.tell(t.id, 0.5);
    }
    // then Bayesian optimisation, with the prior set
    CHECK(tuner.options().prior_mean);
    CHECK(tuner.options().prior_scaling == hpo::PriorScaling::affine);
    CHECK(tuner.ask().source == "bayesian");
}

TEST_CASE("warm_start: learned default and portfolio follow the top picks, without duplicates", "[meta][warm_start]") {
    const auto& k = *test::knowledge_fixture().knowledge;
    hpo::Tuner<P> tuner(LR::search_space(), {.seed = 0});
    const auto result = warm_start(tuner, k, held_out(), {.n_initial = 2, .learned_default = true, .n_portfolio = 3});
    // order: suggest, suggest, learned_default, portfolio...; a repeated configuration left out
    REQUIRE(result.enqueued.size() >= 3);
    CHECK(result.enqueued[0].source == "suggest");
    CHECK(result.enqueued[1].source == "suggest");
    const auto space = LR::search_space();
    std::vector<P> expected;
    for (const auto& s : k.suggest(held_out(), 2)) expected.push_back(s.params);
    expected.push_back(k.learned_default());
    for (const auto& p : k.portfolio(3)) expected.push_back(p);
    std::vector<P> unique;
    for (const auto& p : expected) {
        bool seen = false;
        for (const auto& q : unique) seen = seen || (space.encode(p) - space.encode(q)).norm() < *tuner.options().min_distance;
        if (!seen) unique.push_back(p);
    }
    REQUIRE(result.enqueued.size() == unique.size());
    CHECK(tuner.n_enqueued() == unique.size());
    for (std::size_t i = 0; i < unique.size(); ++i) {
        CHECK(result.enqueued[i].params.C == unique[i].C);
        const auto t = tuner.ask();
        CHECK(t.params.C == unique[i].C);
    }
}

TEST_CASE("warm_start from a predictor: its diversified top picks first, its prediction as the prior mean",
          "[meta][warm_start]") {
    const auto& k = *test::knowledge_fixture().knowledge;
    const Vector mf = k.meta_features(held_out());
    hpo::Tuner<P> tuner(LR::search_space(), {.seed = 0, .n_initial = 2});
    const auto result = warm_start(tuner, k.predictor(), k.space(), mf, {.n_initial = 2});
    const auto expected = k.predictor().suggest(mf, 2, k.space(), SpaceSearchOptions{});
    REQUIRE(expected.size() == 2);
    REQUIRE(result.enqueued.size() == 2);
    CHECK(result.meta_features.size() == mf.size());
    for (std::size_t i = 0; i < 2; ++i) {
        CHECK(result.enqueued[i].source == "suggest");
        CHECK(result.enqueued[i].params.C == k.space().from_json(expected[i].config).C);
        CHECK(result.enqueued[i].predicted == expected[i].predicted);
    }
    // the prior of a configuration is the predictor's prediction of it on this task
    for (const double C : {1e-3, 0.5, 300.0}) {
        const P p{.C = C};
        Matrix row(1, k.space().encoded_size());
        row.row(0) = k.space().encode(p).transpose();
        CHECK(tuner.options().prior_mean(LR::search_space().encode(p)) == k.predictor().predict(mf, row)[0]);
    }
    // the first asks are the picks, best first
    for (std::size_t i = 0; i < 2; ++i) CHECK(tuner.ask().params.C == result.enqueued[i].params.C);
    // what needs a knowledge's table of tasks is refused, as is an unfitted predictor
    hpo::Tuner<P> other(LR::search_space(), {.seed = 0});
    CHECK_THROWS_AS(warm_start(other, k.predictor(), k.space(), mf, {.learned_default = true}), ConfigError);
    CHECK_THROWS_AS(warm_start(other, k.predictor(), k.space(), mf, {.n_portfolio = 1}), ConfigError);
    CHECK_THROWS_AS(warm_start(other, HyperparameterPredictor<RandomForestMetaModel>(), k.space(), mf), NotFitted);
    CHECK_THROWS_AS(warm_start(other, k.predictor(), k.space(), mf, {.n_portfolio = -1}), ConfigError);
    // the meta-features and the space must be the predictor's: checked before anything is enqueued
    CHECK_THROWS_WITH(warm_start(other, k.predictor(), k.space(), Vector(mf.head(5)), {.n_initial = 0}),
                      Catch::Contains("5 meta-features given"));
    const auto c_only = hpo::SearchSpace<P>().add("C", &P::C, hpo::log_uniform(1e-4, 1e4));
    CHECK_THROWS_WITH(warm_start(other, k.predictor(), c_only, mf), Catch::Contains("encodes a configuration in 1 values"));
    CHECK(other.n_enqueued() == 0);
}

TEST_CASE("warm_start into a tuner that does not search every dimension: picks take the defaults there, said",
          "[meta][warm_start]") {
    // The tuner searches C only; the knowledge's picks also set class_weight. The enqueued trials
    // carry what the tuner's journal can hold (class_weight at its default), and each pick that
    // changes is named in a warning.
    const auto& k = *test::knowledge_fixture().knowledge;
    const auto c_only = hpo::SearchSpace<P>().add("C", &P::C, hpo::log_uniform(1e-4, 1e4));
    const auto full = LR::search_space();
    std::vector<std::string> warnings;
    hpo::Tuner<P> tuner(c_only, {.seed = 0});
    const auto result = warm_start(tuner, k, held_out(),
                                   {.n_initial = 3, .on_warning = [&](const std::string& w) { warnings.push_back(w); }});
    std::size_t changed = 0;
    for (const auto& s : k.suggest(held_out(), 3)) changed += full.to_json(s.params).at("class_weight") != "none" ? 1 : 0;
    REQUIRE(!result.enqueued.empty());
    for (const auto& e : result.enqueued) CHECK(full.to_json(e.params) == full.to_json(P{.C = e.params.C}));
    std::size_t said = 0;
    for (const auto& w : warnings) said += w.find("is tried as") != std::string::npos ? 1 : 0;
    CHECK(said == changed);
    INFO("picks with class weights: " << changed);
    const auto t = tuner.ask();  // the trial is the enqueued configuration as held
    CHECK(full.to_json(t.params) == full.to_json(result.enqueued.front().params));
}

TEST_CASE("warm_start: a prior that is wrong on the task is overruled by the observations", "[meta][warm_start][prior]") {
    // The objective's optimum is where the knowledge's prior is worst: f(z) = −(z − z*)² in the
    // tuner's encoding of log C, z* = the argmin of the predicted score over 1001 grid points.
    // The three enqueued picks sit where the prior is best; the affine scaling then sees a prior
    // that does not explain the scores (slope clamped at 0) and the GP of the residuals moves on.
    const auto& k = *test::knowledge_fixture().knowledge;
    const auto space = LR::search_space();
    hpo::Tuner<P> probe(space, {.seed = 0});
    warm_start(probe, k, held_out(), {.n_initial = 0});
    double z_star = 0, worst = 1e300, best = -1e300;
    Eigen::VectorXd z = space.encode(P{});  // [log C scaled to [0, 1], class_weight none, balanced]
    for (int i = 0; i <= 1000; ++i) {
        z[0] = i / 1000.0;
        const double v = probe.options().prior_mean(z);
        if (v < worst) worst = v, z_star = z[0];
        best = std::max(best, v);
    }
    REQUIRE(best - worst > 0.1);  // the prior does say something
    const auto f = [&](const P& p) { return -std::pow(space.encode(p)[0] - z_star, 2); };

    hpo::Tuner<P> tuner(space, {.seed = 0, .n_initial = 3});
    warm_start(tuner, k, held_out());
    int hit = -1;
    for (int i = 1; i <= 30 && hit < 0; ++i) {
        const auto t = tuner.ask();
        const double y = f(t.params);
        tuner.tell(t.id, y);
        if (y > -1e-4) hit = i;  // within 0.01 of z* in the encoding (0.08 decades of C)
    }
    INFO("z* = " << z_star << ", prior range [" << worst << ", " << best << "], reached at trial " << hit);
    // Observed (the space of C and class_weight; f ignores class_weight): z* = 0.074 (C ≈ 4e-4,
    // inside the range), prior range [0.15, 0.87]; z* is reached at trial 13. The observations
    // near the picks (z ≈ 0.53–1) fall with z as the prior does, so the affine scaling keeps a
    // positive slope; what overrules the prior is its decay (WarmStartOptions::prior_decay = 5:
    // the slope is halved after 8 complete trials). Without the decay z* is not reached within 60
    // trials.
    CHECK(hit > 3);
    CHECK(hit <= 20);
    // the same search without the decay stays with the prior for all 30 trials
    hpo::Tuner<P> stubborn(space, {.seed = 0, .n_initial = 3});
    warm_start(stubborn, k, held_out(), {.prior_decay = 0.0});
    bool reached = false;
    for (int i = 1; i <= 30 && !reached; ++i) {
        const auto t = stubborn.ask();
        const double y = f(t.params);
        stubborn.tell(t.id, y);
        reached = y > -1e-4;
    }
    CHECK_FALSE(reached);
}

TEST_CASE("warm_start: on held-out datasets the first trial beats the cold start's first trial", "[meta][warm_start]") {
    // Objective: 3-fold stratified CV balanced accuracy of logistic regression on seven datasets
    // that are not in the knowledge's corpus; tuners with seed 0, the warm one with n_initial = 3.
    // Observed best so far, warm vs cold, in a run of optimize(objective, 10, 1) (batches of 4;
    // cold = a Sobol design of C, then Bayesian optimisation):
    //   dataset              after 1          after 3          after 5          after 10
    //   breast_cancer    0.9318 / 0.5850  0.9529 / 0.9608  0.9608 / 0.9688  0.9650 / 0.9688
    //   credit-g         0.6762 / 0.5000  0.6762 / 0.6762  0.6762 / 0.6762  0.6762 / 0.6762
    //   vote             0.9478 / 0.5000  0.9478 / 0.9485  0.9553 / 0.9534  0.9553 / 0.9534
    //   segment-chall.   0.9509 / 0.6361  0.9509 / 0.9525  0.9516 / 0.9525  0.9516 / 0.9525
    //   soybean          0.9324 / 0.1696  0.9493 / 0.9473  0.9493 / 0.9493  0.9499 / 0.9493
    //   unbalanced       0.5000 / 0.5000  0.5346 / 0.5000  0.5346 / 0.5000  0.5346 / 0.5322
    //   contact-lenses   0.5556 / 0.3333  0.6889 / 0.7444  0.7444 / 0.7444  0.8222 / 0.8222
    // So the warm start wins the first trial (the cold one is the Sobol design's first point) but
    // not "after 3" in general: in this one-dimensional space three Sobol points of C already
    // cover the flat optimum well, and the knowledge (7 small tasks × 9 configs) is weak. Only the
    // first-trial claim is tested; it holds on all seven (ties on unbalanced).
    for (const char* f : {"sklearn/breast_cancer.csv", "weka/credit-g.arff", "weka/vote.arff", "weka/segment-challenge.arff",
                          "weka/soybean.arff", "weka/unbalanced.arff", "weka/contact-lenses.arff"}) {
        const auto d = data::read_dataset(test::data_file(f));
        const auto folds = data::make_folds(d, 3, 0);
        const auto obj = [&](const P& p) {
            return hpo::cross_validate(LR(), p, d, folds, hpo::Metric::balanced_accuracy, 0).mean;
        };
        hpo::Tuner<P> warm(LR::search_space(), {.seed = 0, .n_initial = 3});
        warm_start(warm, *test::knowledge_fixture().knowledge, d);
        warm.optimize(obj, 1, 1);
        hpo::Tuner<P> cold(LR::search_space(), {.seed = 0});
        cold.optimize(obj, 1, 1);
        INFO(f << ": warm " << *warm.best()->score << ", cold " << *cold.best()->score);
        CHECK(*warm.best()->score >= *cold.best()->score);
    }
}

TEST_CASE("warm_start: again on a re-opened journal repeats no trial", "[meta][warm_start][journal]") {
    test::TempFolder dir("warm_start_resume");
    const auto path = dir.path() / "study.jsonl";
    const auto& d = held_out();
    const auto obj = [&](const P& p) { return cv_score(d, p); };
    std::vector<std::string> warnings;
    {
        hpo::Tuner<P> tuner(LR::search_space(), path, {.seed = 0, .n_initial = 3});
        warm_start(tuner, *test::knowledge_fixture().knowledge, d);
        tuner.optimize(obj, 4, 1);
    }
    hpo::Tuner<P> tuner(LR::search_space(), path,
                        {.seed = 0, .n_initial = 3, .on_warning = [&](const std::string& w) { warnings.push_back(w); }});
    REQUIRE(tuner.size() == 4);
    warm_start(tuner, *test::knowledge_fixture().knowledge, d);
    tuner.optimize(obj, 2, 1);
    const auto trials = tuner.trials();
    REQUIRE(trials.size() == 6);
    CHECK(warnings.size() == 3);  // the three enqueued picks, already tried
    CHECK(trials[4].source == "bayesian");
    for (std::size_t i = 0; i < trials.size(); ++i)
        for (std::size_t j = 0; j < i; ++j) CHECK(trials[i].params.C != trials[j].params.C);
}

TEST_CASE("warm_start: bad options are refused before anything is enqueued", "[meta][warm_start][errors]") {
    hpo::Tuner<P> tuner(LR::search_space(), {.seed = 0});
    REQUIRE_THROWS_AS(warm_start(tuner, *test::knowledge_fixture().knowledge, held_out(), {.n_initial = -1}), ConfigError);
    REQUIRE_THROWS_WITH(warm_start(tuner, *test::knowledge_fixture().knowledge, held_out(), {.n_portfolio = -2}),
                        Catch::Contains("n_portfolio must be >= 0"));
    REQUIRE_THROWS_WITH(warm_start(tuner, *test::knowledge_fixture().knowledge, held_out(), {.prior_decay = -1.0}),
                        Catch::Contains("prior_decay must be finite and >= 0"));
    REQUIRE_THROWS_AS(warm_start(tuner, *test::knowledge_fixture().knowledge, held_out(),
                                 {.prior_decay = std::numeric_limits<double>::infinity()}),
                      ConfigError);
    REQUIRE_THROWS_AS(hpo::Tuner<P>(LR::search_space(), {.prior_decay = -0.5}), ConfigError);
    REQUIRE_THROWS_AS(tuner.set_prior_mean([](const Eigen::VectorXd&) { return 0.0; }, hpo::PriorScaling::affine,
                                           std::nan("")),
                      ConfigError);
    CHECK(tuner.n_enqueued() == 0);
    CHECK_FALSE(tuner.options().prior_mean);
}


TEST_CASE("transfer_studies: one study per task from its successful records", "[meta][warm_start][transfer]") {
    // Hand-made records: task "a" with two configurations, task "b" with one success, one
    // failure, one record of another model, one with a value outside the space and one without
    // class_weight (the last two skipped and counted).
    const auto space = LR::search_space();
    const auto record = [](std::string task, nlohmann::json config, double score, std::string model = "logistic_regression") {
        meta::Record r;
        r.task_id = std::move(task);
        r.model = std::move(model);
        r.config = std::move(config);
        r.mean_score = score;
        r.status = std::isfinite(score) ? meta::RecordStatus::ok : meta::RecordStatus::failed;
        return r;
    };
    const std::vector<meta::Record> records{
        record("b", {{"C", 1.0}, {"class_weight", "none"}}, 0.7),
        record("a", {{"C", 10.0}, {"class_weight", "balanced"}}, 0.9),
        record("a", {{"C", 0.01}, {"class_weight", "none"}}, 0.6),
        record("b", {{"C", 2.0}, {"class_weight", "none"}}, std::numeric_limits<double>::quiet_NaN()),
        record("b", {{"C", 2.0}, {"class_weight", "none"}}, 0.8, "decision_tree_classifier"),
        record("b", {{"C", -1.0}, {"class_weight", "none"}}, 0.5),  // C outside the space
        record("b", {{"C", 3.0}}, 0.9),                                // class_weight missing
    };
    std::size_t skipped = 0;
    const auto studies = meta::transfer_studies(records, "logistic_regression", space, {}, &skipped);
    CHECK(skipped == 2);
    REQUIRE(studies.size() == 2);
    CHECK(studies[0].name == "a");  // in order of task ids
    REQUIRE(studies[0].scores.size() == 2);
    CHECK(studies[0].scores[0] == 0.9);
    CHECK(studies[0].scores[1] == 0.6);
    P p;
    p.C = 10.0;
    p.class_weight = models::ClassWeight::balanced;
    CHECK(studies[0].configs.row(0).transpose().isApprox(space.encode(p)));
    CHECK(studies[1].name == "b");
    REQUIRE(studies[1].scores.size() == 1);
    CHECK(studies[1].scores[0] == 0.7);
    const auto without_a = meta::transfer_studies(records, "logistic_regression", space, {"a"});
    REQUIRE(without_a.size() == 1);
    CHECK(without_a[0].name == "b");
}
