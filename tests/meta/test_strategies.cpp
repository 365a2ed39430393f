// Tests of the task table, the predictor, the warm-start strategies and the meta-evaluation on
// hand-computed cases and on a synthetic family of tasks with a known optimum.
#include <metalearn/meta/evaluation.hpp>
#include <metalearn/meta/gaussian_process.hpp>
#include <metalearn/meta/knn_meta_model.hpp>
#include <metalearn/meta/predictor.hpp>
#include <metalearn/meta/random_forest_meta_model.hpp>
#include <metalearn/meta/strategies.hpp>
#include <metalearn/meta/task_table.hpp>
#include <metalearn/hpo/search_space.hpp>

#include "support/test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>

using namespace metalearn;
using namespace metalearn::meta;

namespace {

// Synthetic family: task t has meta-features (a_t, b_t) with a_t, b_t ~ U(0,1); the plan has 21
// configs x = 0, 0.05, ..., 1; score(t, x) = 0.9 − (x − a_t)², so the best config of task t is
// the plan point nearest a_t and b_t is an irrelevant meta-feature.
TaskTable synthetic_table(Index n_tasks, std::uint64_t seed) {
    TaskTable t;
    t.model = "synthetic";
    Rng rng(seed);
    const Index m = 21;
    t.meta_feature_names = {"a", "b"};
    t.meta_features.resize(n_tasks, 2);
    t.scores.resize(n_tasks, m);
    t.config_encoding.resize(m, 1);
    for (Index c = 0; c < m; ++c) {
        const double x = 0.05 * static_cast<double>(c);
        t.configs.push_back({{"x", x}});
        t.config_encoding(c, 0) = x;
    }
    t.default_config = 10;
    for (Index i = 0; i < n_tasks; ++i) {
        const double a = rng.uniform();
        t.task_ids.push_back(fmt::format("task{}", i));
        t.task_names.push_back(t.task_ids.back());
        t.meta_features(i, 0) = a;
        t.meta_features(i, 1) = rng.uniform();
        for (Index c = 0; c < m; ++c) t.scores(i, c) = 0.9 - std::pow(0.05 * static_cast<double>(c) - a, 2);
    }
    return t;
}

std::vector<Index> all_but(Index n, Index skip) {
    std::vector<Index> v;
    for (Index i = 0; i < n; ++i)
        if (i != skip) v.push_back(i);
    return v;
}

}  // namespace

TEST_CASE("regret and rank of a hand-computed case", "[meta][evaluation]") {
    // scores 0.9, 0.7, 0.8, 0.5: best 0.9, worst 0.5 → regrets 0, 0.5, 0.25, 1; ranks 1, 3, 2, 4.
    Vector s(4);
    s << 0.9, 0.7, 0.8, 0.5;
    const Vector r = regrets_of_task(s);
    Vector expected(4);
    expected << 0.0, 0.5, 0.25, 1.0;
    CHECK_THAT(r, metalearn::test::approx_matrix(expected, 1e-12));
    Vector ranks(4);
    ranks << 1, 3, 2, 4;
    CHECK(ranks_from_regrets(r) == ranks);
    CHECK(normalized_regret(0.9, 0.5, 0.8) == Approx(0.25));
    // A failed config (NaN) counts as the worst.
    s[1] = std::nan("");
    CHECK(regrets_of_task(s)[1] == 1.0);
    // All ties: no regret defined.
    CHECK(regrets_of_task(Vector::Constant(3, 0.7)).size() == 0);
    REQUIRE_THROWS_AS(normalized_regret(0.5, 0.5, 0.5), DataError);
}

TEST_CASE("expected random best-so-far regret equals brute force over all subsets", "[meta][evaluation]") {
    Vector r(5);
    r << 0.0, 0.5, 0.25, 1.0, 0.8;
    for (Index k = 1; k <= 5; ++k) {
        double sum = 0;
        int count = 0;
        for (int mask = 0; mask < 32; ++mask) {
            if (__builtin_popcount(static_cast<unsigned>(mask)) != k) continue;
            double best = 1e9;
            for (int i = 0; i < 5; ++i)
                if (mask & (1 << i)) best = std::min(best, r[i]);
            sum += best;
            ++count;
        }
        CHECK(expected_random_best_regret(r, k) == Approx(sum / count).epsilon(1e-12));
    }
    // k = 2 by hand: pairs' minima 0,0,0,0,.25,.25,.25,.5,.5,.8 → 2.55 / 10.
    CHECK(expected_random_best_regret(r, 2) == Approx(0.255));
}

TEST_CASE("bootstrap interval contains the mean and is deterministic", "[meta][evaluation]") {
    std::vector<double> v{0.1, 0.4, 0.2, 0.9, 0.0, 0.3};
    const auto a = bootstrap_mean(v, 500, 3);
    const auto b = bootstrap_mean(v, 500, 3);
    CHECK(a.mean == Approx(1.9 / 6));
    CHECK(a.lo <= a.mean);
    CHECK(a.hi >= a.mean);
    CHECK(a.lo >= 0.0);
    CHECK(a.hi <= 0.9);
    CHECK(a.lo == b.lo);
    CHECK(a.hi == b.hi);
}

TEST_CASE("score normalisation within task: min-max and rank", "[meta][task_table]") {
    Matrix s(2, 4);
    s << 0.5, 0.7, 0.9, std::nan(""),  //
        0.3, 0.3, 0.3, 0.3;            // all tie → uninformative row
    const Matrix mm = normalize_scores(s, Normalization::min_max);
    CHECK(mm(0, 0) == 0.0);
    CHECK(mm(0, 1) == Approx(0.5));
    CHECK(mm(0, 2) == 1.0);
    CHECK(std::isnan(mm(0, 3)));
    CHECK(mm.row(1).array().isNaN().all());
    Matrix s2(1, 4);
    s2 << 0.1, 0.5, 0.5, 0.9;  // ranks 1, 2.5, 2.5, 4 → (r−1)/3
    const Matrix rk = normalize_scores(s2, Normalization::rank);
    CHECK(rk(0, 0) == 0.0);
    CHECK(rk(0, 1) == Approx(0.5));
    CHECK(rk(0, 3) == 1.0);
}

TEST_CASE("min-max within task: hand-computed scores and regrets, ties, NaN and a single finite score",
          "[meta][task_table]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    // Finite scores 0.25, 1, 0.5, 1: worst 0.25, best 1, range 0.75 (by hand):
    //   u = (s − 0.25) / 0.75 = 0, 1, 1/3, 1;   r = (1 − s) / 0.75 = 1, 0, 2/3, 0.
    // The two configs tied at the best both get u = 1 and r = 0; NaN and +Inf (missing) give NaN.
    Vector s(6);
    s << 0.25, 1.0, nan, 0.5, 1.0, inf;
    const Vector u = min_max_within_task(s, MinMax::score);
    const Vector r = min_max_within_task(s, MinMax::regret);
    REQUIRE(u.size() == 6);
    REQUIRE(r.size() == 6);
    CHECK(u[0] == 0.0);
    CHECK(u[1] == 1.0);
    CHECK(u[3] == Approx(1.0 / 3.0).epsilon(1e-15));
    CHECK(u[4] == 1.0);
    CHECK(r[0] == 1.0);
    CHECK(r[1] == 0.0);
    CHECK(r[3] == Approx(2.0 / 3.0).epsilon(1e-15));
    CHECK(r[4] == 0.0);
    for (Index c : {2, 5}) {
        CHECK(std::isnan(u[c]));
        CHECK(std::isnan(r[c]));
    }
    // The regret is the scalar formula, bit for bit; the default orientation is the score.
    CHECK(r[3] == normalized_regret(1.0, 0.25, 0.5));
    const Vector d = min_max_within_task(s);
    for (Index c = 0; c < 6; ++c) CHECK((d[c] == u[c] || (std::isnan(d[c]) && std::isnan(u[c]))));

    // Tie rule: all finite scores equal, a single finite score, or none → every entry NaN.
    Vector tie(3);
    tie << 0.6, nan, 0.6;
    Vector single(3);
    single << nan, 0.4, -inf;
    for (const Vector& v : std::vector<Vector>{tie, single, Vector::Constant(2, nan)})
        for (MinMax as : {MinMax::score, MinMax::regret}) {
            const Vector out = min_max_within_task(v, as);
            REQUIRE(out.size() == v.size());
            CHECK(out.array().isNaN().all());
        }
    CHECK(min_max_within_task(Vector(0)).size() == 0);

    // The three users agree with it: the meta-model targets, the evaluation's regrets (missing →
    // 1, uninformative → empty) and the strategies' training regrets (missing → 1, row dropped).
    Matrix table_scores(3, 6);
    table_scores.row(0) = s.transpose();
    table_scores.row(1) = Vector::Constant(6, 0.6).transpose();
    table_scores.row(2) << 0.5, nan, 0.75, 0.5, 1.0, 0.0;  // worst 0, best 1 → r = 0.5, NaN, 0.25, 0.5, 0, 1
    const Matrix norm = normalize_scores(table_scores, Normalization::min_max);
    CHECK(norm(0, 0) == u[0]);
    CHECK(norm(0, 3) == u[3]);
    CHECK(std::isnan(norm(0, 2)));
    CHECK(norm.row(1).array().isNaN().all());
    Vector ev(6);
    ev << 1.0, 0.0, 1.0, 2.0 / 3.0, 0.0, 1.0;
    CHECK_THAT(regrets_of_task(s), metalearn::test::approx_matrix(ev, 1e-15));
    CHECK(regrets_of_task(s)[3] == r[3]);
    CHECK(regrets_of_task(single).size() == 0);
    TaskTable table;
    table.scores = table_scores;
    const Matrix R = metalearn::meta::detail::training_regret(table, {0, 1, 2});
    REQUIRE(R.rows() == 2);  // the all-tie row is dropped
    CHECK(R.row(0) == regrets_of_task(s).transpose());
    Vector r2(6);
    r2 << 0.5, 1.0, 0.25, 0.5, 0.0, 1.0;
    CHECK(R.row(1) == r2.transpose());
}

TEST_CASE("task table is built from records, failures become NaN", "[meta][task_table]") {
    std::vector<Record> recs;
    for (int t = 0; t < 2; ++t)
        for (int c = 0; c < 3; ++c) {
            Record r;
            r.task_id = fmt::format("t{}", t);
            r.task_name = r.task_id;
            r.model.assign(1, 'm');
            r.meta_feature_names = {"z"};
            r.meta_features = {static_cast<double>(t)};
            r.config = {{"x", c}};
            r.mean_score = 0.1 * c + t;
            if (t == 1 && c == 2) {
                r.status = RecordStatus::failed;
                r.mean_score = std::nan("");
            }
            recs.push_back(r);
        }
    const auto table = make_task_table(recs, "m", [](const nlohmann::json& c) {
        Vector e(1);
        e << c["x"].get<double>() / 2.0;
        return e;
    }, {}, nlohmann::json{{"x", 1}});
    REQUIRE(table.n_tasks() == 2);
    REQUIRE(table.n_configs() == 3);
    CHECK(table.default_config == 1);
    CHECK(table.scores(0, 2) == Approx(0.2));
    CHECK(std::isnan(table.scores(1, 2)));
    CHECK(table.config_encoding(2, 0) == 1.0);
    CHECK(table.meta_features(1, 0) == 1.0);
    REQUIRE_THROWS_AS(make_task_table(recs, "other", {}), DataError);
}

TEST_CASE("greedy portfolio on a hand-built table", "[meta][strategies]") {
    // Regrets (after min-max per task): config 0 is good on tasks 0,1; config 2 on task 2;
    // config 1 is mediocre everywhere. Greedy: first the config with the smallest summed regret.
    TaskTable t;
    t.scores.resize(3, 3);
    t.scores << 1.0, 0.5, 0.0,  //
        1.0, 0.5, 0.0,          //
        0.0, 0.5, 1.0;
    t.meta_features = Matrix::Zero(3, 1);
    t.config_encoding = Matrix::Identity(3, 3);
    t.task_ids = {"a", "b", "c"};
    // summed regrets: c0 = 0+0+1 = 1, c1 = 1.5, c2 = 2 → c0; then c2 reduces task c to 0 → c2; then c1.
    PortfolioStrategy p;
    p.fit(t, {0, 1, 2});
    CHECK(p.propose(Vector::Zero(1), 3, {}) == std::vector<Index>{0, 2, 1});
    LearnedDefaultStrategy ld;
    ld.fit(t, {0, 1, 2});
    CHECK(ld.propose(Vector::Zero(1), 1, {}) == std::vector<Index>{0});
}

TEST_CASE("held-out tasks: too few informative tasks is refused, saying why", "[meta][evaluation][errors]") {
    TaskTable t;  // four tasks, a plan of one configuration: nothing to rank
    t.scores = Matrix::Constant(4, 1, 0.7);
    t.meta_features = Matrix::Zero(4, 1);
    t.config_encoding = Matrix::Zero(1, 1);
    t.task_ids = {"a", "b", "c", "d"};
    CHECK_THROWS_AS(held_out_tasks(t), DataError);
    CHECK_THROWS_WITH(held_out_tasks(t), Catch::Contains("0 informative tasks") && Catch::Contains("4 of the 4 tasks") &&
                                             Catch::Contains("the plan has 1 configuration: nothing to rank"));
    t.scores.resize(4, 2);  // two configurations, only two tasks that tell them apart
    t.scores << 0.7, 0.7, 0.6, 0.8, 0.9, 0.5, 0.4, 0.4;
    t.config_encoding = Matrix::Identity(2, 2);
    CHECK_THROWS_WITH(held_out_tasks(t), Catch::Contains("2 informative tasks") && Catch::Contains("2 of the 4 tasks") &&
                                             !Catch::Contains("nothing to rank"));
    t.scores(3, 1) = 0.5;  // three informative tasks: enough
    const auto h = held_out_tasks(t);
    CHECK(h.tasks == std::vector<Index>{1, 2, 3});
    CHECK(h.skipped_ties == std::vector<std::string>{"a"});
}

TEST_CASE("nearest datasets picks the best config of the nearest task first", "[meta][strategies]") {
    TaskTable t;
    t.scores.resize(3, 3);
    t.scores << 0.9, 0.1, 0.2,  // task at mf 0
        0.1, 0.9, 0.2,          // task at mf 10
        0.2, 0.1, 0.9;          // task at mf 100
    t.meta_features.resize(3, 1);
    t.meta_features << 0.0, 10.0, 100.0;
    t.config_encoding = Matrix::Identity(3, 3);
    NearestDatasetsStrategy nd;
    nd.fit(t, {0, 1, 2});
    Vector q(1);
    // distances use log(1 + mf): log 4 = 1.39 is nearest to log 11 = 2.40 (task 1), then log 1 = 0
    // (task 0), then log 101 = 4.62 (task 2); their best configs are 1, 0, 2.
    q << 3.0;
    CHECK(nd.propose(q, 3, {}) == std::vector<Index>{1, 0, 2});
    q << 90.0;
    CHECK(nd.propose(q, 1, {}).front() == 2);
}

TEST_CASE("predictor suggests near the true optimum on held-out synthetic tasks", "[meta][predictor]") {
    const TaskTable table = synthetic_table(40, 11);
    // train on tasks 0..29, test on 30..39: the suggested x must be near a_t
    std::vector<Index> train;
    for (Index i = 0; i < 30; ++i) train.push_back(i);
    HyperparameterPredictor<KnnMetaModel> pred(KnnMetaModel({.n_neighbors = 5, .distance_weighted = true}));
    pred.fit(table, train);
    double max_err = 0;
    for (Index i = 30; i < 40; ++i) {
        const Vector mf = table.meta_features.row(i).transpose();
        const auto s = pred.suggest(mf, 3, table.configs, table.config_encoding);
        REQUIRE(s.size() == 3);
        CHECK(s[0].config.dump() != s[1].config.dump());
        CHECK(s[0].predicted >= s[1].predicted);
        max_err = std::max(max_err, std::abs(s[0].config["x"].get<double>() - table.meta_features(i, 0)));
    }
    // the irrelevant feature b dilutes the neighbourhood; 0.15 is 3 grid steps out of 20
    CHECK(max_err < 0.15);
    // save/load gives identical predictions
    const auto loaded = HyperparameterPredictor<KnnMetaModel>::from_json(pred.to_json());
    const Vector mf = table.meta_features.row(35).transpose();
    CHECK(loaded.predict(mf, table.config_encoding) == pred.predict(mf, table.config_encoding));
}

namespace {

// The synthetic family's config x as a float dimension on [0, 1] (encoded as x itself), and a
// distance-weighted 5-NN predictor fitted on its first 30 tasks.
struct XConfig {
    double x = 0.5;
};
struct XSpaceFixture {
    hpo::SearchSpace<XConfig> space = hpo::SearchSpace<XConfig>().add("x", &XConfig::x, hpo::uniform(0.0, 1.0));
    TaskTable table = synthetic_table(40, 13);
    HyperparameterPredictor<KnnMetaModel> pred{KnnMetaModel({.n_neighbors = 5, .distance_weighted = true})};
    XSpaceFixture() {
        std::vector<Index> train;
        for (Index i = 0; i < 30; ++i) train.push_back(i);
        pred.fit(table, train);
    }
};

}  // namespace

TEST_CASE("predictor searches a whole search space (Sobol + local refinement)", "[meta][predictor]") {
    const XSpaceFixture f;
    const auto& [space, table, pred] = f;
    for (Index i = 30; i < 40; ++i) {
        const Vector mf = table.meta_features.row(i).transpose();
        const auto s = pred.suggest(mf, 2, space, {.n_candidates = 64, .n_refine = 4, .refine_steps = 8, .seed = 1});
        REQUIRE(s.size() == 2);
        CHECK(s[0].config.dump() != s[1].config.dump());
        // the optimum is x = a; tolerance: 3 plan steps (0.15) of the training grid
        CHECK(std::abs(s[0].config["x"].get<double>() - table.meta_features(i, 0)) < 0.15);
        CHECK(s[0].encoding[0] == Approx(s[0].config["x"].get<double>()));
    }
    REQUIRE_THROWS_AS(pred.suggest(table.meta_features.row(0).transpose(), 0, table.configs, table.config_encoding), ConfigError);
    REQUIRE_THROWS_AS(pred.predict(Vector::Zero(3), table.config_encoding), DataError);
}

TEST_CASE("Suggestion::config_text is the configuration's compact JSON text, names sorted", "[meta][predictor]") {
    meta::Suggestion s;
    s.config = {{"max_depth", 3}, {"C", 0.5}, {"class_weight", "balanced"}};
    CHECK(s.config_text() == R"({"C":0.5,"class_weight":"balanced","max_depth":3})");
    CHECK(meta::Suggestion{}.config_text() == "null");
    meta::Suggestion odd;  // JSON has no NaN: null; a byte that is not UTF-8: U+FFFD, no exception
    odd.config = {{"C", std::numeric_limits<double>::quiet_NaN()}, {"name", std::string("a\xff")}};
    CHECK(odd.config_text() == "{\"C\":null,\"name\":\"a\xef\xbf\xbd\"}");
}

TEST_CASE("diverse_top: a hand-computed greedy pick and its halving", "[meta][predictor]") {
    // one encoded dimension (√q = 1), rows sorted best first: 0, 0.05, 0.2, 0.21, 0.5
    Matrix enc(5, 1);
    enc << 0.0, 0.05, 0.2, 0.21, 0.5;
    using V = std::vector<Index>;
    CHECK(meta::detail::diverse_top(enc, 3, 0.1) == V{0, 2, 4});  // 0.05 and 0.21 are within 0.1 of a better row
    CHECK(meta::detail::diverse_top(enc, 2, 0.1) == V{0, 2});
    CHECK(meta::detail::diverse_top(enc, 3, 0.0) == V{0, 1, 2});  // 0: the first k
    // d = 0.5 holds 2 rows (0, 0.5); 0.25 still 2; 0.125 gives 0, 0.2, 0.5
    CHECK(meta::detail::diverse_top(enc, 3, 0.5) == V{0, 2, 4});
    CHECK(meta::detail::diverse_top(enc, 9, 0.1).size() == 5);  // fewer rows than k: every row
    Matrix same(3, 2);
    same.setConstant(0.3);  // identical rows keep distance 0 < any d > 0: one row
    CHECK(meta::detail::diverse_top(same, 2, 0.1) == V{0});
}

TEST_CASE("predictor's space search keeps its top-k min_distance apart", "[meta][predictor]") {
    const XSpaceFixture f;
    const auto& [space, table, pred] = f;
    const Vector mf = table.meta_features.row(33).transpose();
    SpaceSearchOptions o{.n_candidates = 64, .n_refine = 4, .refine_steps = 8, .seed = 1};
    const auto diverse = pred.suggest(mf, 4, space, o);  // default min_distance 0.1
    REQUIRE(diverse.size() == 4);
    for (std::size_t i = 0; i < diverse.size(); ++i)
        for (std::size_t j = i + 1; j < diverse.size(); ++j)
            CHECK(std::abs(diverse[i].encoding[0] - diverse[j].encoding[0]) >= 0.1 - 1e-12);
    o.min_distance = 0.0;  // the plain ranking: the same first pick, and a top-4 clustered around it
    const auto plain = pred.suggest(mf, 4, space, o);
    REQUIRE(plain.size() == 4);
    CHECK(plain[0].config == diverse[0].config);
    double closest = 1.0;
    for (std::size_t i = 0; i < plain.size(); ++i) {
        if (i > 0) CHECK(plain[i].predicted <= plain[i - 1].predicted);
        for (std::size_t j = i + 1; j < plain.size(); ++j)
            closest = std::min(closest, std::abs(plain[i].encoding[0] - plain[j].encoding[0]));
    }
    CHECK(closest < 0.1);
    o.min_distance = -0.5;
    CHECK_THROWS_WITH(pred.suggest(mf, 2, space, o), Catch::Contains("min_distance"));
    o.min_distance = std::numeric_limits<double>::infinity();
    CHECK_THROWS_AS(pred.suggest(mf, 2, space, o), ConfigError);
    o.min_distance = 0.1;
    CHECK_THROWS_AS(pred.suggest(mf, 0, space, o), ConfigError);
    o.refine_scale = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(pred.suggest(mf, 2, space, o), Catch::Contains("refine_scale"));
    o.refine_scale = 0.05;
    o.n_refine = -1;
    CHECK_THROWS_WITH(pred.suggest(mf, 2, space, o), Catch::Contains("n_refine"));
}

TEST_CASE("leave-one-task-out: meta-learning beats random and default on the synthetic family", "[meta][evaluation]") {
    const TaskTable table = synthetic_table(25, 5);
    RandomForestMetaModelParams rfp;
    rfp.n_estimators = 30;
    std::vector<StrategyFactory> strategies{
        [] { return std::make_unique<DefaultStrategy>(); },
        [] { return std::make_unique<LearnedDefaultStrategy>(); },
        [] { return std::make_unique<NearestDatasetsStrategy>(); },
        [] { return std::make_unique<PortfolioStrategy>(); },
        [] { return std::make_unique<MetaModelStrategy<KnnMetaModel>>(KnnMetaModel({.n_neighbors = 5})); },
        [=] { return std::make_unique<GuidedSearchStrategy<RandomForestMetaModel>>(RandomForestMetaModel(rfp)); },
    };
    EvaluationOptions opts;
    opts.budgets = {1, 3, 5};
    opts.n_bootstrap = 200;
    const auto ev1 = leave_one_task_out(table, strategies, opts);
    REQUIRE(ev1.strategies.size() == 7);
    CHECK(ev1.strategies[6].name == "random");
    const double random1 = ev1.strategies[6].regret1.mean;
    const double default1 = ev1.strategies[0].regret1.mean;
    for (std::size_t s : {2u, 4u, 5u}) {
        INFO(ev1.strategies[s].name);
        CHECK(ev1.strategies[s].regret1.mean < 0.1);
        CHECK(ev1.strategies[s].regret1.mean < random1);
        CHECK(ev1.strategies[s].regret1.mean < default1);
    }
    // best-so-far curves never increase with k
    for (const auto& s : ev1.strategies)
        for (std::size_t b = 1; b < s.curve.size(); ++b) CHECK(s.curve[b].mean <= s.curve[b - 1].mean + 1e-12);
    // after one pick the curve is the first pick's regret, interval included (one bootstrap, not two)
    for (const auto& s : ev1.strategies) {
        INFO(s.name);
        CHECK(s.curve[0].mean == s.regret1.mean);
        CHECK(s.curve[0].lo == s.regret1.lo);
        CHECK(s.curve[0].hi == s.regret1.hi);
    }
    // same results with 2 threads
    opts.n_threads = 2;
    const auto ev2 = leave_one_task_out(table, strategies, opts);
    for (std::size_t s = 0; s < ev1.strategies.size(); ++s) {
        CHECK(ev1.strategies[s].regret_at_1 == ev2.strategies[s].regret_at_1);
        CHECK(ev1.strategies[s].best_so_far == ev2.strategies[s].best_so_far);
    }
    CHECK(ev1.format_table().find("nearest datasets") != std::string::npos);
}

TEST_CASE("guided search diversifies: its picks are distinct and spread out", "[meta][strategies]") {
    const TaskTable table = synthetic_table(20, 9);
    GuidedSearchStrategy<KnnMetaModel> g(KnnMetaModel({.n_neighbors = 5}));
    g.fit(table, all_but(20, 0));
    const Vector scores = table.scores.row(0).transpose();
    const auto order = g.propose(table.meta_features.row(0).transpose(), 5, [&](Index c) { return scores[c]; });
    REQUIRE(order.size() == 5);
    std::vector<Index> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
}

TEST_CASE("diversified meta-model ranking: its first picks are diverse_top's, then the distance halves",
          "[meta][strategies]") {
    const TaskTable table = synthetic_table(20, 9);
    MetaModelStrategy<KnnMetaModel> plain(KnnMetaModel({.n_neighbors = 5}));
    MetaModelStrategy<KnnMetaModel> diverse(KnnMetaModel({.n_neighbors = 5}), "diversified", {}, 0.1);
    plain.fit(table, all_but(20, 0));
    diverse.fit(table, all_but(20, 0));
    const Vector mf = table.meta_features.row(0).transpose();
    const auto none = [](Index) { return 0.0; };
    const Index m = table.n_configs();
    const auto order = plain.propose(mf, m, none);  // every config, by predicted score
    Matrix sorted(m, table.config_encoding.cols());
    for (Index i = 0; i < m; ++i) sorted.row(i) = table.config_encoding.row(order[static_cast<std::size_t>(i)]);
    const auto all = diverse.propose(mf, m, none);
    REQUIRE(static_cast<Index>(all.size()) == m);  // every config once
    std::vector<Index> seen = all;
    std::sort(seen.begin(), seen.end());
    CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
    // as many configs as keep 0.1 apart: the prefixes are diverse_top's top-k
    Index capacity = 0;  // how many the greedy pass at 0.1 takes
    {
        const double scale = std::sqrt(static_cast<double>(sorted.cols()));
        std::vector<Index> kept;
        for (Index i = 0; i < m; ++i) {
            bool far = true;
            for (Index c : kept) far = far && (sorted.row(i) - sorted.row(c)).norm() / scale >= 0.1;
            if (far) kept.push_back(i);
        }
        capacity = static_cast<Index>(kept.size());
    }
    INFO("configs " << m << ", 0.1 apart " << capacity);
    REQUIRE(capacity >= 2);
    REQUIRE(capacity < m);  // the halving is exercised
    for (Index k = 1; k <= capacity; ++k) {
        const auto top = meta::detail::diverse_top(sorted, k, 0.1);
        const auto prefix = diverse.propose(mf, k, none);
        REQUIRE(static_cast<Index>(prefix.size()) == k);
        for (Index i = 0; i < k; ++i) CHECK(prefix[static_cast<std::size_t>(i)] == order[static_cast<std::size_t>(top[static_cast<std::size_t>(i)])]);
    }
    CHECK(plain.propose(mf, 1, none) == diverse.propose(mf, 1, none));  // the first pick is the top-1
    CHECK_THROWS_AS(MetaModelStrategy<KnnMetaModel>(KnnMetaModel(), "x", {}, -0.1), ConfigError);
}

TEST_CASE("predictor treats infinite meta-features as missing", "[meta][predictor][errors]") {
    const TaskTable table = synthetic_table(20, 17);
    std::vector<Index> train;
    for (Index i = 0; i < 20; ++i) train.push_back(i);
    HyperparameterPredictor<KnnMetaModel> pred(KnnMetaModel({.n_neighbors = 3, .distance_weighted = true}));
    pred.fit(table, train);
    Vector mf = table.meta_features.row(3).transpose();
    mf[0] = std::numeric_limits<double>::quiet_NaN();
    const Vector with_nan = pred.predict(mf, table.config_encoding);
    REQUIRE(with_nan.allFinite());
    for (double inf : {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) {
        mf[0] = inf;
        // same as missing: the training median is used
        CHECK(pred.predict(mf, table.config_encoding) == with_nan);
        const auto s = pred.suggest(mf, 1, table.configs, table.config_encoding);
        CHECK(std::isfinite(s[0].predicted));
    }
}

namespace {

// A strategy that proposes config 0, but fails on some held-out tasks: fit throws DataError
// when task 7 is held out, std::out_of_range when task 15 is (each unless switched off), and
// propose returns nothing when task 20 is held out (leave_one_task_out reports a DataError).
class PickyStrategy final : public Strategy {
public:
    [[nodiscard]] std::string name() const override { return "picky"; }
    void fit(const TaskTable& table, const std::vector<Index>& train_tasks) override {
        held_out_ = -1;
        for (Index t = 0; t < table.n_tasks(); ++t)
            if (std::find(train_tasks.begin(), train_tasks.end(), t) == train_tasks.end()) held_out_ = t;
        if (held_out_ == 7 && fail_on_7) throw DataError("PickyStrategy::fit(): task 7 held out");
        if (held_out_ == 15 && fail_on_15) throw std::out_of_range("PickyStrategy::fit(): task 15 held out");
    }
    [[nodiscard]] std::vector<Index> propose(const VectorRef&, Index, const ScoreOracle&) const override {
        if (held_out_ == 20) return {};
        return {0};
    }
    bool fail_on_7 = true;
    bool fail_on_15 = true;

private:
    Index held_out_ = -1;
};

}  // namespace

TEST_CASE("leave-one-task-out hands a strategy's exception to the caller with its type, for any thread count",
          "[meta][evaluation][errors]") {
    const TaskTable table = synthetic_table(25, 5);
    EvaluationOptions opts;
    opts.n_bootstrap = 50;
    const std::vector<StrategyFactory> picky{[] { return std::make_unique<PickyStrategy>(); }};
    const std::vector<StrategyFactory> picky_not_7{[] {
        auto s = std::make_unique<PickyStrategy>();
        s->fail_on_7 = false;
        return s;
    }};
    const std::vector<StrategyFactory> only_empty{[] {
        auto s = std::make_unique<PickyStrategy>();
        s->fail_on_7 = false;
        s->fail_on_15 = false;
        return s;
    }};
    for (Index threads : {0, 1, 2, 3}) {
        INFO("threads " << threads);
        opts.n_threads = threads;
        // tasks 7, 15 and 20 fail; the first of them (7) is what the caller sees
        REQUIRE_THROWS_AS(leave_one_task_out(table, picky, opts), DataError);
        REQUIRE_THROWS_WITH(leave_one_task_out(table, picky, opts), "PickyStrategy::fit(): task 7 held out");
        // without task 7, the std::out_of_range of task 15 keeps its type
        REQUIRE_THROWS_AS(leave_one_task_out(table, picky_not_7, opts), std::out_of_range);
        REQUIRE_THROWS_WITH(leave_one_task_out(table, picky_not_7, opts), "PickyStrategy::fit(): task 15 held out");
        // a strategy that proposes nothing
        REQUIRE_THROWS_AS(leave_one_task_out(table, only_empty, opts), DataError);
        REQUIRE_THROWS_WITH(leave_one_task_out(table, only_empty, opts), Catch::Contains("strategy 'picky' proposed nothing"));
    }
    opts.n_threads = -1;
    REQUIRE_THROWS_AS(leave_one_task_out(table, picky, opts), ConfigError);
    REQUIRE_THROWS_WITH(leave_one_task_out(table, picky, opts), Catch::Contains("leave_one_task_out(): n_threads"));
}

TEST_CASE("leave-one-task-out reports progress from the calling thread and can be stopped early", "[meta][evaluation]") {
    const TaskTable table = synthetic_table(12, 6);
    EvaluationOptions opts;
    opts.n_bootstrap = 50;
    const std::vector<StrategyFactory> strategies{[] { return std::make_unique<NearestDatasetsStrategy>(); }};
    for (Index threads : {1, 2}) {
        INFO("threads " << threads);
        opts.n_threads = threads;
        const auto caller = std::this_thread::get_id();
        std::size_t last_done = 0;
        bool on_caller = true;
        const auto full = leave_one_task_out(table, strategies, opts, [&](const Progress& p) {
            on_caller = on_caller && std::this_thread::get_id() == caller;
            CHECK(p.total == 12);
            CHECK(p.done > last_done);
            last_done = p.done;
            return false;
        });
        CHECK(on_caller);
        CHECK(last_done == 12);
        CHECK(full.task_ids.size() == 12);
        const auto part = leave_one_task_out(table, strategies, opts, [](const Progress& p) { return p.done >= 2; });
        CHECK(part.task_ids.size() >= 2);  // tasks in flight finish; with threads all may have
        if (threads == 1) CHECK(part.task_ids.size() == 2);
    }
}

namespace {

// A random-forest meta-model that counts its fits (all instances together).
struct CountingForest {
    static inline std::atomic<int> fits{0};
    RandomForestMetaModel forest{RandomForestMetaModelParams{.n_estimators = 20, .min_samples_leaf = 2, .max_depth = 0,
                                                             .max_features = 0.5, .bootstrap = true, .n_threads = 1,
                                                             .seed = 3}};
    void fit(const MatrixRef& Z, const VectorRef& s) {
        ++fits;
        forest.fit(Z, s);
    }
    [[nodiscard]] Vector predict(const MatrixRef& Z) const { return forest.predict(Z); }
    [[nodiscard]] Vector predict_std(const MatrixRef& Z) const { return forest.predict_std(Z); }
    [[nodiscard]] nlohmann::json to_json() const { return forest.to_json(); }
    static CountingForest from_json(const nlohmann::json& j) {
        CountingForest c;
        c.forest = RandomForestMetaModel::from_json(j);
        return c;
    }
};
static_assert(MetaModelWithStd<CountingForest>);

}  // namespace

TEST_CASE("leave-one-task-out fits a meta-model shared by the ranking and the guided search once per held-out task",
          "[meta][evaluation]") {
    const TaskTable table = synthetic_table(12, 21);
    const auto strategies = [](std::string key) {
        return std::vector<StrategyFactory>{
            [key] { return std::make_unique<MetaModelStrategy<CountingForest>>(CountingForest(), "meta-model top-1", key); },
            [key] {
                return std::make_unique<GuidedSearchStrategy<CountingForest>>(CountingForest(), GuidedSearchOptions{},
                                                                              "meta-model guided", key);
            },
        };
    };
    EvaluationOptions opts;
    opts.budgets = {1, 3, 5};
    opts.n_bootstrap = 100;
    opts.n_threads = 1;
    // 12 informative tasks (scores 0.9 − (x − a)², never all tied): one fit each when shared, two when not
    CountingForest::fits = 0;
    const auto t0 = std::chrono::steady_clock::now();
    const auto shared = leave_one_task_out(table, strategies("rf"), opts);
    const double shared_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(CountingForest::fits == 12);
    CountingForest::fits = 0;
    const auto t1 = std::chrono::steady_clock::now();
    const auto separate = leave_one_task_out(table, strategies(""), opts);
    const double separate_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    CHECK(CountingForest::fits == 24);
    // the same seeded forest either way: identical picks and regrets
    for (std::size_t s = 0; s < shared.strategies.size(); ++s) {
        INFO(shared.strategies[s].name);
        CHECK(shared.strategies[s].regret_at_1 == separate.strategies[s].regret_at_1);
        CHECK(shared.strategies[s].best_so_far == separate.strategies[s].best_so_far);
    }
    // CPU time per strategy: a shared fit is charged to the first strategy that asks for it
    CHECK(shared.strategies[0].fit_seconds > 0.0);
    CHECK(shared.strategies[1].fit_seconds < shared.strategies[0].fit_seconds);
    CHECK(separate.strategies[1].fit_seconds > shared.strategies[1].fit_seconds);
    CHECK(shared.strategies[1].propose_seconds > 0.0);
    CHECK_THAT(shared.format_timing(), Catch::Contains("meta-model guided") && Catch::Contains("total"));
    WARN(fmt::format("leave-one-task-out with the fit shared: {:.3f} s; fitted per strategy: {:.3f} s", shared_s,
                     separate_s));
    // SharedFits hands out the first object for a key, and refuses another type under it
    SharedFits fits;
    const auto a = fits.get_or_fit<int>("k", [] { return 1; });
    const auto b = fits.get_or_fit<int>("k", [] { return 2; });
    CHECK(*a == 1);
    CHECK(*b == 1);
    CHECK(fits.n_fits() == 1);
    CHECK_THROWS_AS(fits.get_or_fit<double>("k", [] { return 1.0; }), ConfigError);
}
