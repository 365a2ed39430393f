// Tests of the outer loop: records for every (task, config), resume does only the missing work,
// failures are recorded, results do not depend on the thread count, plans from JSON files.
#include <metalearn/data/checksum.hpp>
#include <metalearn/meta/knn_meta_model.hpp>
#include <metalearn/meta/meta_learner.hpp>
#include <metalearn/meta/meta_learner_impl.hpp>  // MetaLearner for other models, in the compiled mode too
#include <metalearn/models/decision_tree.hpp>
#include <metalearn/models/knn.hpp>
#include <metalearn/models/logistic_regression.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <unistd.h>

using namespace metalearn;
using namespace metalearn::meta;

namespace {

// Two Gaussian classes in p dimensions, separated by `shift` along the first axis.
data::Dataset blobs(const std::string& name, Index n, Index p, double shift, std::uint64_t seed, Index n_classes = 2) {
    Rng rng(seed);
    Matrix X(n, p);
    Vector y(n);
    std::vector<data::FeatureInfo> features;
    for (Index j = 0; j < p; ++j) features.push_back(data::FeatureInfo::numeric(fmt::format("x{}", j)));
    for (Index i = 0; i < n; ++i) {
        y[i] = static_cast<double>(i % n_classes);
        for (Index j = 0; j < p; ++j) X(i, j) = rng.normal() + (j == 0 ? shift * y[i] : 0.0);
    }
    std::vector<std::string> classes;
    for (Index k = 0; k < n_classes; ++k) classes.push_back(fmt::format("c{}", k));
    return data::Dataset(name, X, y, features, data::TaskType::classification, classes);
}

std::filesystem::path temp_journal(const std::string& stem) {
    auto p = std::filesystem::temp_directory_path() /
             fmt::format("metalearn_ml_{}_{}.jsonl", stem, static_cast<long>(::getpid()));
    std::filesystem::remove(p);
    return p;
}

MetaLearnerOptions fast_options(Index threads) {
    MetaLearnerOptions o;
    o.n_folds = 3;
    o.seed = 17;
    o.n_threads = threads;
    o.meta_features.groups = {metafeatures::Group::general, metafeatures::Group::statistical};
    return o;
}

std::vector<Task> three_tasks() {
    return {{"easy", blobs("easy", 60, 3, 3.0, 1)}, {"hard", blobs("hard", 60, 4, 0.5, 2)}, {"mid", blobs("mid", 45, 2, 1.5, 3)}};
}

}  // namespace

TEST_CASE("collect writes one record per task and config; resume does only the missing ones", "[meta][meta_learner]") {
    const auto path = temp_journal("resume");
    auto tasks = three_tasks();
    std::vector<models::LogisticRegression::params_type> plan{{.C = 0.01}, {.C = 1.0}, {.C = 100.0}};
    {
        RecordStore store(path);
        MetaLearner<models::LogisticRegression> ml(store, fast_options(1));
        ml.set_plan(plan);
        REQUIRE(ml.plan().size() == 3);  // the default C = 1 is already in the plan
        const std::vector<Task> first_two(tasks.begin(), tasks.begin() + 2);
        const auto s = ml.collect(first_two);
        CHECK(s.planned == 6);
        CHECK(s.evaluated == 6);
        CHECK(s.reused == 0);
        CHECK(store.size() == 6);
        CHECK(ml.table().n_tasks() == 2);
    }
    {
        RecordStore store(path);  // a new process resumes from the journal
        MetaLearner<models::LogisticRegression> ml(store, fast_options(1));
        ml.set_plan(plan);
        const auto s = ml.collect(tasks);
        CHECK(s.planned == 9);
        CHECK(s.reused == 6);
        CHECK(s.evaluated == 3);  // only the third task
        CHECK(store.size() == 9);
        const auto again = ml.collect(tasks);
        CHECK(again.evaluated == 0);
        // a learner that collects only some tasks of a journal tabulates only those
        MetaLearner<models::LogisticRegression> one(store, fast_options(1));
        one.set_plan(plan);
        CHECK(one.collect(std::vector<Task>{tasks[2]}).reused == 3);
        CHECK(one.table().n_tasks() == 1);
        for (const auto& r : store.records()) {
            CHECK(r.ok());
            CHECK(r.fold_scores.size() == 3);
            CHECK(r.mean_score >= 0.0);
            CHECK(r.mean_score <= 1.0);
            CHECK(r.meta_feature_names.size() == r.meta_features.size());
            CHECK_FALSE(r.meta_features.empty());
        }
        const auto table = ml.table();
        CHECK(table.n_tasks() == 3);
        CHECK(table.n_configs() == 3);
        CHECK(table.default_config == 0);  // set_plan puts the default first
        // an easy task is solved well by a mildly regularised model
        CHECK(table.scores(0, 0) > 0.8);
    }
    std::filesystem::remove(path);
}

TEST_CASE("a failing evaluation is recorded as failed and the run goes on", "[meta][meta_learner][errors]") {
    RecordStore store;
    MetaLearner<models::LogisticRegression> ml(store, fast_options(2));
    ml.set_plan({{.C = 1.0}});
    // a single declared class: logistic regression needs two classes
    std::vector<Task> tasks{{"single", blobs("single", 30, 2, 0.0, 4, 1)}, {"ok", blobs("ok", 30, 2, 2.0, 5)}};
    const auto s = ml.collect(tasks);
    CHECK(s.evaluated == 2);
    CHECK(s.failed == 1);
    const Record* bad = store.find(ml.key(tasks[0], ml.plan_json()[0]));
    REQUIRE(bad != nullptr);
    CHECK(bad->status == RecordStatus::failed);
    CHECK_FALSE(bad->error.empty());
    CHECK(std::isnan(bad->mean_score));
    const Record* good = store.find(ml.key(tasks[1], ml.plan_json()[0]));
    REQUIRE(good != nullptr);
    CHECK(good->ok());
}

TEST_CASE("an evaluation past its time budget is recorded as timeout", "[meta][meta_learner]") {
    RecordStore store;
    auto opts = fast_options(1);
    opts.time_budget_seconds = 1e-9;  // every evaluation is over budget after its first fold
    opts.time_budget_clock = GENERATE(BudgetClock::wall, BudgetClock::thread_cpu);
    MetaLearner<models::LogisticRegression> ml(store, opts);
    ml.set_plan({{.C = 1.0}});
    std::vector<Task> tasks{{"ok", blobs("ok", 30, 2, 2.0, 5)}};
    std::vector<Progress> reports;
    const auto s = ml.collect(tasks, [&](const Progress& p) {
        reports.push_back(p);
        return false;
    });
    CHECK(s.timed_out == 1);
    const Record* r = store.find(ml.key(tasks[0], ml.plan_json()[0]));
    REQUIRE(r != nullptr);
    CHECK(r->status == RecordStatus::timeout);
    CHECK(r->error.find("time budget") != std::string::npos);
    CHECK(r->error.find(opts.time_budget_clock == BudgetClock::wall ? "s wall" : "CPU s") != std::string::npos);
    CHECK(r->fold_scores.empty());
    REQUIRE_FALSE(reports.empty());
    CHECK(reports.back().done == 1);
    CHECK(reports.back().total == 1);
    CHECK(reports.back().failed == 1);
}

TEST_CASE("timed-out evaluations are redone on request, and their new records replace them", "[meta][meta_learner]") {
    RecordStore store;
    auto opts = fast_options(1);
    opts.time_budget_seconds = 1e-9;
    std::vector<Task> tasks{{"ok", blobs("ok", 30, 2, 2.0, 5)}};
    {
        MetaLearner<models::LogisticRegression> ml(store, opts);
        ml.set_plan({{.C = 1.0}});
        CHECK(ml.collect(tasks).timed_out == 1);
    }
    opts.time_budget_seconds = 0.0;  // no budget now
    {
        MetaLearner<models::LogisticRegression> ml(store, opts);  // without retry_timeouts: reused
        ml.set_plan({{.C = 1.0}});
        const auto s = ml.collect(tasks);
        CHECK(s.reused == 1);
        CHECK(s.evaluated == 0);
    }
    opts.retry_timeouts = true;
    MetaLearner<models::LogisticRegression> ml(store, opts);
    ml.set_plan({{.C = 1.0}});
    const auto s = ml.collect(tasks);
    CHECK(s.reused == 0);
    CHECK(s.evaluated == 1);
    CHECK(s.timed_out == 0);
    CHECK(store.size() == 1);
    const Record* r = store.find(ml.key(tasks[0], ml.plan_json()[0]));
    REQUIRE(r != nullptr);
    CHECK(r->ok());
    CHECK(r->fold_scores.size() == 3);
    CHECK(ml.collect(tasks).reused == 1);  // a completed record is not redone
}

TEST_CASE("thread_cpu_seconds counts the thread's work, not its sleep", "[meta][meta_learner]") {
    const double sleep0 = thread_cpu_seconds();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(thread_cpu_seconds() - sleep0 < 0.1);  // a sleep costs (almost) no CPU
    const double busy0 = thread_cpu_seconds();
    volatile double sink = 0;
    for (int i = 0; i < 20'000'000; ++i) sink = sink + 1e-9 * i;
    CHECK(thread_cpu_seconds() - busy0 > 0.0);
}

TEST_CASE("a lower-is-better metric is recorded negated", "[meta][meta_learner]") {
    RecordStore store;
    auto opts = fast_options(1);
    opts.metric = hpo::Metric::log_loss;
    MetaLearner<models::LogisticRegression> ml(store, opts);
    ml.set_plan({{.C = 1.0}});
    std::vector<Task> tasks{{"ok", blobs("ok", 30, 2, 2.0, 5)}};
    ml.collect(tasks);
    const Record* r = store.find(ml.key(tasks[0], ml.plan_json()[0]));
    REQUIRE(r != nullptr);
    REQUIRE(r->ok());
    CHECK(r->metric == "log_loss");
    CHECK(r->mean_score < 0.0);  // log-loss is positive; stored as −log-loss
}

TEST_CASE("records are identical with 1 and 2 threads", "[meta][meta_learner]") {
    auto tasks = three_tasks();
    std::map<std::string, Record> by_threads[2];
    for (int k = 0; k < 2; ++k) {
        RecordStore store;
        MetaLearner<models::KNeighborsClassifier> ml(store, fast_options(k + 1));
        ml.set_plan(PlanKind::sobol, 6);
        ml.collect(tasks);
        for (const auto& r : store.records()) by_threads[k][r.key().str()] = r;
    }
    REQUIRE(by_threads[0].size() == by_threads[1].size());
    REQUIRE(by_threads[0].size() >= 3 * 6);
    for (const auto& [key, r] : by_threads[0]) {
        const auto it = by_threads[1].find(key);
        REQUIRE(it != by_threads[1].end());
        CHECK(it->second.fold_scores == r.fold_scores);
        CHECK(it->second.meta_features.size() == r.meta_features.size());
        for (std::size_t i = 0; i < r.meta_features.size(); ++i)
            CHECK((it->second.meta_features[i] == r.meta_features[i] ||
                   (std::isnan(it->second.meta_features[i]) && std::isnan(r.meta_features[i]))));
    }
}

TEST_CASE("the table is in the order the tasks were given to collect, whatever the journal's order",
          "[meta][meta_learner]") {
    // Threads and MPI ranks append records in the order evaluations finish; the table (and what
    // is fitted and evaluated on it) must not follow that order.
    const auto tasks = three_tasks();
    RecordStore written;
    MetaLearner<models::KNeighborsClassifier> first(written, fast_options(1));
    first.set_plan(PlanKind::sobol, 4);
    first.collect(tasks);
    auto records = written.records();
    std::reverse(records.begin(), records.end());  // "mid" first, "easy" last
    RecordStore reversed;
    for (const auto& r : records) reversed.append(r);
    MetaLearner<models::KNeighborsClassifier> second(reversed, fast_options(1));
    second.set_plan(PlanKind::sobol, 4);
    const auto sum = second.collect(tasks);
    REQUIRE(sum.evaluated == 0);  // everything reused
    const TaskTable a = first.table(), b = second.table();
    CHECK(a.task_ids == std::vector<std::string>{"easy", "hard", "mid"});
    CHECK(b.task_ids == a.task_ids);
    CHECK(b.meta_feature_names == a.meta_feature_names);
    const auto same = [](const Matrix& x, const Matrix& y) {  // equal, NaN (failed, undefined) included
        return x.rows() == y.rows() && x.cols() == y.cols() &&
               (x.array() == y.array() || (x.array().isNaN() && y.array().isNaN())).all();
    };
    CHECK(same(b.scores, a.scores));
    CHECK(same(b.meta_features, a.meta_features));
    // a learner that has not collected keeps the journal's order of first appearance
    MetaLearner<models::KNeighborsClassifier> reader(reversed, fast_options(1));
    reader.set_plan(PlanKind::sobol, 4);
    CHECK(reader.table().task_ids == std::vector<std::string>{"mid", "hard", "easy"});
}

TEST_CASE("a plan is read from a JSON file and bad plans are rejected", "[meta][meta_learner][errors]") {
    const auto path = std::filesystem::temp_directory_path() / fmt::format("metalearn_plan_{}.json", static_cast<long>(::getpid()));
    {
        std::ofstream f(path);
        f << R"([{"C": 0.5}, {"C": 2.0}, {"C": 0.5}])";
    }
    RecordStore store;
    MetaLearner<models::LogisticRegression> ml(store, fast_options(1));
    ml.set_plan_from_file(path);
    REQUIRE(ml.plan().size() == 3);  // default + 0.5 + 2.0 (duplicate dropped)
    CHECK(ml.plan()[1].C == 0.5);
    {
        std::ofstream f(path);
        f << R"([{"C": -1}])";
    }
    REQUIRE_THROWS_AS(ml.set_plan_from_file(path), ConfigError);
    {
        std::ofstream f(path);
        f << R"([{"C": 1.0)";
    }
    REQUIRE_THROWS_AS(ml.set_plan_from_file(path), ParseError);
    // The error is reported at its line and column (not line 0): here the 'x' on line 3, column 9.
    {
        std::ofstream f(path);
        f << "[\n  {\"C\": 0.5},\n  {\"C\": x}\n]\n";
    }
    try {
        ml.set_plan_from_file(path);
        FAIL("expected ParseError");
    } catch (const ParseError& e) {
        CHECK(e.file() == path.string());
        CHECK(e.line() == 3);
        CHECK(e.column() == 9);
    }
    // load_meta_model reports invalid JSON as a ParseError too.
    REQUIRE_THROWS_AS(load_meta_model<KnnMetaModel>(path), ParseError);
    std::filesystem::remove(path);
    REQUIRE_THROWS_AS(ml.set_plan(PlanKind::grid, 0), ConfigError);
    REQUIRE_THROWS_AS(MetaLearner<models::LogisticRegression>(store, MetaLearnerOptions{.n_folds = 1}), ConfigError);
}

TEST_CASE("collect rejects duplicate task ids before evaluating anything", "[meta][meta_learner][errors]") {
    RecordStore store;
    MetaLearner<models::LogisticRegression> ml(store, fast_options(1));
    ml.set_plan({{.C = 1.0}});
    std::vector<Task> tasks{{"iris", blobs("iris", 30, 2, 2.0, 6)}, {"other", blobs("other", 30, 2, 1.0, 7)},
                            {"iris", blobs("iris", 30, 3, 1.0, 8)}};
    CHECK_THROWS_AS(ml.collect(tasks), ConfigError);
    CHECK_THROWS_WITH(ml.collect(tasks), Catch::Contains("'iris'"));
    CHECK(store.size() == 0);  // nothing was evaluated
    std::vector<data::Dataset> datasets{blobs("iris", 30, 2, 2.0, 6), blobs("iris", 30, 3, 1.0, 8)};
    CHECK_THROWS_AS(ml.collect(datasets), ConfigError);
    CHECK(store.size() == 0);
}

TEST_CASE("collect refuses an empty task list instead of falling back to the journal's tasks", "[meta][meta_learner][errors]") {
    // (an empty corpus folder: table() would otherwise use every task of an earlier run's journal)
    RecordStore store;
    MetaLearner<models::LogisticRegression> ml(store, fast_options(1));
    ml.set_plan({{.C = 1.0}});
    ml.collect(std::vector<Task>{{"iris", blobs("iris", 30, 2, 2.0, 6)}});
    const std::size_t kept = store.size();
    CHECK_THROWS_AS(ml.collect(std::vector<Task>{}), ConfigError);
    CHECK_THROWS_WITH(ml.collect(std::vector<data::Dataset>{}), Catch::Contains("no tasks to collect"));
    CHECK_THROWS_WITH(ml.plan_collect(std::vector<Task>{}), Catch::Contains("no tasks to collect"));
    CHECK(store.size() == kept);
}

TEST_CASE("collect rejects a task of another type than the metric's before evaluating anything",
          "[meta][meta_learner][errors]") {
    RecordStore store;
    MetaLearner<models::LogisticRegression> ml(store, fast_options(1));
    ml.set_plan({{.C = 1.0}});
    const auto c = blobs("reg", 40, 3, 2.0, 9);
    const data::Dataset reg("reg", c.X(), c.y(), c.features(), data::TaskType::regression, {});
    const std::vector<Task> tasks{{"iris", blobs("iris", 30, 2, 2.0, 6)}, {"reg-task", reg}};
    CHECK_THROWS_AS(ml.collect(tasks), ConfigError);
    CHECK_THROWS_WITH(ml.collect(tasks),
                      Catch::Contains("task 'reg-task'") && Catch::Contains("is a regression task"));
    CHECK(store.size() == 0);  // nothing was evaluated
}

TEST_CASE("suggest rejects a dataset of another task type than the training tasks", "[meta][meta_learner][errors]") {
    RecordStore store;
    MetaLearner<models::LogisticRegression> ml(store, fast_options(1));
    ml.set_plan({{.C = 0.01}, {.C = 100.0}});
    ml.collect(three_tasks());
    ml.fit();
    const auto ok = ml.suggest(blobs("new", 40, 3, 2.0, 9), 1);
    REQUIRE(ok.size() == 1);
    CHECK(std::isfinite(ok[0].predicted));
    // the same data declared as a regression task
    const auto c = blobs("reg", 40, 3, 2.0, 9);
    const data::Dataset reg("reg", c.X(), c.y(), c.features(), data::TaskType::regression, {});
    CHECK_THROWS_AS(ml.suggest(reg, 1), DataError);
    CHECK_THROWS_WITH(ml.suggest(reg, 1), Catch::Contains("regression"));
    // degenerate tables: one class, one row, no feature (the quickstart used to suggest for these)
    const auto single = blobs("single", 30, 2, 1.0, 4, 1);
    CHECK_THROWS_WITH(ml.suggest(single, 1), Catch::Contains("1 class with samples"));
    const data::Dataset one_row("one", c.X().topRows(1), c.y().head(1), c.features(), data::TaskType::classification,
                                c.class_names());
    CHECK_THROWS_WITH(ml.suggest(one_row, 1), Catch::Contains("has 1 row(s) (expected at least 3"));
    const data::Dataset no_feature("empty", Matrix(40, 0), c.y(), {}, data::TaskType::classification, c.class_names());
    CHECK_THROWS_WITH(ml.suggest(no_feature, 1), Catch::Contains("no feature columns"));
}

namespace {

// Thrown by `PickyMean`: a type outside the std::exception hierarchy, which the outer loop does
// not record as a failed evaluation.
struct NotAStdException {
    Index width;
};

// A base model that predicts the (shrunk) training mean, and refuses some training data: fit
// throws DataError on 3 features and NotAStdException on 4.
class PickyMean {
public:
    struct params_type {
        double shrink = 1.0;
    };
    static constexpr std::string_view name = "picky_mean";
    void set_params(const params_type& p) {
        p_ = p;
        fitted_ = false;
    }
    [[nodiscard]] params_type params() const { return p_; }
    void fit(const MatrixRef& X, const VectorRef& y) {
        if (X.cols() == 3) throw DataError("PickyMean::fit(): three features are not supported");
        if (X.cols() == 4) throw NotAStdException{X.cols()};
        mean_ = p_.shrink * y.mean();
        fitted_ = true;
    }
    [[nodiscard]] Vector predict(const MatrixRef& X) const { return Vector::Constant(X.rows(), mean_); }
    [[nodiscard]] bool is_fitted() const { return fitted_; }
    static hpo::SearchSpace<params_type> search_space() {
        return hpo::SearchSpace<params_type>().add("shrink", &params_type::shrink, hpo::uniform(0.0, 1.0));
    }

private:
    params_type p_{};
    double mean_ = 0.0;
    bool fitted_ = false;
};
static_assert(models::BaseModel<PickyMean>);

// A regression task with p features: y = x0 + noise.
data::Dataset linear_task(const std::string& name, Index n, Index p, std::uint64_t seed) {
    Rng rng(seed);
    Matrix X(n, p);
    Vector y(n);
    std::vector<data::FeatureInfo> features;
    for (Index j = 0; j < p; ++j) features.push_back(data::FeatureInfo::numeric(fmt::format("x{}", j)));
    for (Index i = 0; i < n; ++i) {
        for (Index j = 0; j < p; ++j) X(i, j) = rng.normal();
        y[i] = X(i, 0) + 0.1 * rng.normal();
    }
    return data::Dataset(name, X, y, features, data::TaskType::regression);
}

MetaLearnerOptions regression_options(Index threads) {
    auto o = fast_options(threads);
    o.metric = hpo::Metric::rmse;
    return o;
}

}  // namespace

TEST_CASE("collect with 2 threads records a model's errors as failed evaluations, the same as with 1 thread",
          "[meta][meta_learner][errors]") {
    std::vector<Task> tasks{{"two", linear_task("two", 40, 2, 1)},
                            {"three", linear_task("three", 40, 3, 2)},
                            {"five", linear_task("five", 40, 5, 3)},
                            {"three_b", linear_task("three_b", 50, 3, 4)}};
    std::map<std::string, Record> by_threads[2];
    for (int k = 0; k < 2; ++k) {
        RecordStore store;
        MetaLearner<PickyMean> ml(store, regression_options(k + 1));
        ml.set_plan({{.shrink = 0.5}, {.shrink = 0.25}});
        const auto s = ml.collect(tasks);
        INFO("threads " << k + 1);
        CHECK(s.evaluated == 12);
        CHECK(s.failed == 6);  // every config on the two 3-feature tasks
        for (const auto& r : store.records()) {
            const bool three = r.task_id == "three" || r.task_id == "three_b";
            CHECK(r.ok() == !three);
            if (three) CHECK(r.error == "PickyMean::fit(): three features are not supported");
            by_threads[k][r.key().str()] = r;
        }
    }
    REQUIRE(by_threads[0].size() == 12);
    REQUIRE(by_threads[1].size() == 12);
    for (const auto& [key, r] : by_threads[0]) {
        const auto it = by_threads[1].find(key);
        REQUIRE(it != by_threads[1].end());
        CHECK(it->second.status == r.status);
        CHECK(it->second.error == r.error);
        CHECK(it->second.fold_scores == r.fold_scores);
        CHECK((it->second.mean_score == r.mean_score || (std::isnan(it->second.mean_score) && std::isnan(r.mean_score))));
    }
}

TEST_CASE("collect hands an exception that escapes an evaluation to the caller with its type", "[meta][meta_learner][errors]") {
    // NotAStdException is not recorded as a failure; from a worker thread it must reach the
    // caller (not terminate the program), after the evaluations in flight finished.
    std::vector<Task> tasks{{"two", linear_task("two", 40, 2, 1)},
                            {"four", linear_task("four", 40, 4, 2)},
                            {"five", linear_task("five", 40, 5, 3)}};
    for (Index threads : {0, 1, 2, 3}) {
        INFO("threads " << threads);
        RecordStore store;
        MetaLearner<PickyMean> ml(store, regression_options(threads));
        ml.set_plan({{.shrink = 0.5}});
        REQUIRE_THROWS_AS(ml.collect(tasks), NotAStdException);
        CHECK(store.find(ml.key(tasks[1], ml.plan_json()[0])) == nullptr);
    }
}

TEST_CASE("MetaLearner takes n_threads 0 as all hardware threads and rejects negative counts", "[meta][meta_learner][errors]") {
    RecordStore store;
    MetaLearner<PickyMean> ml(store, regression_options(0));
    ml.set_plan({{.shrink = 0.5}});
    std::vector<Task> tasks{{"two", linear_task("two", 40, 2, 1)}, {"five", linear_task("five", 40, 5, 3)}};
    CHECK(ml.collect(tasks).evaluated == 4);
    REQUIRE_THROWS_AS(MetaLearner<PickyMean>(store, regression_options(-1)), ConfigError);
    REQUIRE_THROWS_WITH(MetaLearner<PickyMean>(store, regression_options(-1)), Catch::Contains("n_threads >= 0"));
}

namespace {

// A regressor whose predictions show the model seed it was fitted with: the training mean plus
// scale × (seed mod 1000) / 1000.
class SeededMean {
public:
    struct params_type {
        double scale = 1.0;
    };
    static constexpr std::string_view name = "seeded_mean";
    void set_params(const params_type& p) {
        p_ = p;
        fitted_ = false;
    }
    [[nodiscard]] params_type params() const { return p_; }
    void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }
    void fit(const MatrixRef& /*X*/, const VectorRef& y) {
        mean_ = y.mean();
        fitted_ = true;
    }
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        return Vector::Constant(X.rows(), mean_ + p_.scale * static_cast<double>(seed_ % 1000) / 1000.0);
    }
    [[nodiscard]] bool is_fitted() const { return fitted_; }
    static hpo::SearchSpace<params_type> search_space() {
        return hpo::SearchSpace<params_type>().add("scale", &params_type::scale, hpo::uniform(0.0, 2.0));
    }

private:
    params_type p_{};
    std::uint64_t seed_ = 0;
    double mean_ = 0.0;
    bool fitted_ = false;
};
static_assert(models::BaseModel<SeededMean>);

}  // namespace

TEST_CASE("a record's fold scores equal one cross_validate call under the documented seeds", "[meta][meta_learner]") {
    RecordStore store;
    const auto opts = regression_options(1);  // rmse (recorded negated), 3 folds, seed 17
    MetaLearner<SeededMean> ml(store, opts);
    ml.set_plan({{.scale = 0.5}});  // plan: the default (scale 1), then scale 0.5
    REQUIRE(ml.plan().size() == 2);
    const Task task{"seeded", linear_task("seeded", 40, 2, 8)};
    // A record of the earlier seed scheme for the same (task, config, metric, folds, seed): neither
    // reused nor tabulated.
    Record old;
    old.task_id = task.id;
    old.task_name = task.id;
    old.model = "seeded_mean";
    old.metric = "rmse";
    old.n_folds = 3;
    old.seed = opts.seed;
    old.config = ml.plan_json()[0];
    old.fold_scores = {-0.1, -0.1, -0.1};
    old.mean_score = -0.1;
    REQUIRE(old.seed_scheme == 1);
    const auto old_json = to_json(old);
    CHECK_FALSE(old_json.contains("seed_scheme"));
    CHECK(record_from_json(old_json).seed_scheme == 1);
    REQUIRE(store.append(old));

    const auto summary = ml.collect(std::vector<Task>{task});
    CHECK(summary.reused == 0);
    CHECK(summary.evaluated == 2);
    CHECK(store.records().size() == 3);

    // The documented derivation (meta_learner.hpp), computed here independently.
    const auto folds = data::make_folds(task.dataset, opts.n_folds, derive_seed(opts.seed, {fnv1a(task.id)}));
    const TaskTable table = ml.table();
    REQUIRE(table.n_tasks() == 1);
    for (std::size_t c = 0; c < ml.plan().size(); ++c) {
        const auto& config = ml.plan_json()[c];
        INFO("config " << config.dump());
        const Record* r = store.find(ml.key(task, config));
        REQUIRE(r != nullptr);
        REQUIRE(r->ok());
        CHECK(r->seed_scheme == current_seed_scheme);
        CHECK(to_json(*r).at("seed_scheme") == current_seed_scheme);
        const std::uint64_t e = derive_seed(opts.seed, {fnv1a(task.id), fnv1a(config.dump())});
        const auto cv = hpo::cross_validate(SeededMean{}, ml.plan()[c], task.dataset, folds, opts.metric, e, opts.cv);
        REQUIRE(cv.fold_scores.size() == 3);
        REQUIRE(r->fold_scores.size() == 3);
        for (std::size_t f = 0; f < 3; ++f) CHECK(r->fold_scores[f] == -cv.fold_scores[f]);  // bit-equal
        CHECK(r->mean_score == -cv.mean);
        CHECK(table.scores(0, static_cast<Index>(c)) == r->mean_score);
        // The seeded model sees the seed: scheme 1 (fold 0 alone, seed derive_seed(e, {0})) scores differently.
        const auto scheme1 = hpo::cross_validate(SeededMean{}, ml.plan()[c], task.dataset, {folds[0]}, opts.metric,
                                                 derive_seed(e, {0}), opts.cv);
        CHECK(scheme1.fold_scores[0] != cv.fold_scores[0]);
    }
}

TEST_CASE("a task whose data changed is evaluated again, with a warning, and the table uses the new data",
          "[meta][meta_learner]") {
    // The reproducer: iris.arff replaced by other data under the same name reused 55 records
    // ("evaluated 0") and kept the old scores.
    const auto path = temp_journal("changed");
    std::vector<models::LogisticRegression::params_type> plan{{.C = 0.01}, {.C = 1.0}};
    const Task separable{"iris", blobs("iris", 60, 3, 4.0, 1)};
    const Task noise{"iris", blobs("iris", 60, 3, 0.0, 2)};  // same id, other data
    double old_score = 0;
    {
        RecordStore store(path);
        MetaLearner<models::LogisticRegression> ml(store, fast_options(1));
        ml.set_plan(plan);
        CHECK(ml.collect(std::vector<Task>{separable}).evaluated == 2);
        old_score = ml.table().scores(0, 0);
        CHECK(old_score > 0.9);
        CHECK(store.records()[0].data_checksum == data::table_checksum(separable.dataset));
    }
    RecordStore store(path);
    MetaLearner<models::LogisticRegression> ml(store, fast_options(1));
    ml.set_plan(plan);
    std::vector<std::string> warnings;
    const auto s = ml.collect(std::vector<Task>{noise}, {}, [&](const std::string& w) { warnings.push_back(w); });
    CHECK(s.reused == 0);
    CHECK(s.evaluated == 2);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("iris: 2 stored logistic_regression records come from other data") != std::string::npos);
    const auto table = ml.table();
    REQUIRE(table.n_tasks() == 1);
    CHECK(table.scores(0, 0) < 0.8);  // the new, unseparable data, not the old 0.9+
    const auto again = ml.collect(std::vector<Task>{noise});
    CHECK(again.reused == 2);
    // a learner that did not collect reads the data of the task's last records
    MetaLearner<models::LogisticRegression> reader(store, fast_options(1));
    reader.set_plan(plan);
    CHECK(reader.table().scores(0, 0) == table.scores(0, 0));
    std::filesystem::remove(path);
}

TEST_CASE("table_checksum changes with any cell and with the row order", "[meta][meta_learner]") {
    const auto d = blobs("d", 20, 2, 1.0, 3);
    const std::string base = data::table_checksum(d);
    CHECK(base.size() == 16);
    CHECK(data::table_checksum(blobs("renamed", 20, 2, 1.0, 3)) == base);  // names are not hashed
    Matrix X = d.X();
    X(7, 1) += 1e-12;
    CHECK(data::table_checksum(data::Dataset("d", X, d.y(), d.features(), d.task(), d.class_names())) != base);
    Matrix swapped = d.X();
    swapped.row(0).swap(swapped.row(1));
    Vector ys = d.y();
    std::swap(ys[0], ys[1]);
    CHECK(data::table_checksum(data::Dataset("d", swapped, ys, d.features(), d.task(), d.class_names())) != base);
}

TEST_CASE("two datasets of one name are refused with a message that says how to fix it", "[meta][meta_learner][errors]") {
    RecordStore store;
    MetaLearner<models::LogisticRegression> ml(store, fast_options(1));
    const std::vector<data::Dataset> two{blobs("iris", 30, 2, 1.0, 1), blobs("iris", 30, 2, 1.0, 2)};
    try {
        (void)ml.collect(two);
        FAIL("expected ConfigError");
    } catch (const ConfigError& e) {
        const std::string m = e.what();
        CHECK(m.find("two datasets are named 'iris'") != std::string::npos);
        CHECK(m.find("data::load_corpus") != std::string::npos);
    }
    CHECK(store.size() == 0);
}

TEST_CASE("a task id that is not UTF-8 is refused before anything is evaluated", "[meta][meta_learner][errors]") {
    RecordStore store;
    MetaLearner<models::LogisticRegression> ml(store, fast_options(1));
    const std::vector<Task> tasks{{"ok", blobs("ok", 30, 2, 1.0, 1)}, {"caf\xe9.csv", blobs("latin1", 30, 2, 1.0, 2)}};
    try {
        (void)ml.collect(tasks);
        FAIL("expected ConfigError");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()).find("task id \"caf\\ufffd.csv\" is not valid UTF-8") != std::string::npos);
    }
    CHECK(store.size() == 0);
}

namespace {

std::filesystem::path write_plan(const std::string& stem, const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() /
                      fmt::format("metalearn_plan_{}_{}.json", stem, static_cast<long>(::getpid()));
    std::ofstream(path) << text;
    return path;
}

}  // namespace

TEST_CASE("plan files: bounds with a tolerance, valid ranges beyond the search range, numbers as labels, fixed "
          "members, and the added default is reported",
          "[meta][meta_learner][plan]") {
    RecordStore store;
    std::vector<std::string> warnings;
    const WarningCallback warn = [&](const std::string& w) { warnings.push_back(w); };
    {
        // numpy: np.logspace(-4, 3, 12)[0] == 9.999999999999999e-05, 1 ulp below the bound 1e-4 of C
        const auto path = write_plan("tolerance", R"([{"C": 9.999999999999999e-05, "max_iter": 500}, {"C": 10.0}])");
        MetaLearner<models::LogisticRegression> ml(store, fast_options(1));
        ml.set_plan_from_file(path, warn);
        REQUIRE(ml.plan().size() == 3);  // the default (C 1) first, then the file's two
        CHECK(ml.plan()[1].C == 1e-4);   // clamped onto the bound
        CHECK(ml.plan()[1].max_iter == 500);
        // a searched dimension missing from the file (class_weight) takes its default
        CHECK(ml.plan_json()[1] == nlohmann::json{{"C", 1e-4}, {"class_weight", "none"}, {"max_iter", 500}});
        CHECK(ml.plan_json()[2] == nlohmann::json{{"C", 10.0}, {"class_weight", "none"}});  // max_iter at its default: not written
        REQUIRE(warnings.size() == 1);
        CHECK_THAT(warnings[0], Catch::Contains("added the default configuration {\"C\":1.0,\"class_weight\":\"none\"}"));
        std::filesystem::remove(path);
    }
    {
        // scikit-learn accepts any n_neighbors >= 1; p given as a number or as its label
        warnings.clear();
        const auto path = write_plan("knn", R"([{"n_neighbors": 5, "weights": "uniform", "p": 2},
                                                {"n_neighbors": 51, "p": 1}, {"n_neighbors": 3, "p": "1"}])");
        MetaLearner<models::KNeighborsClassifier> ml(store, fast_options(1));
        ml.set_plan_from_file(path, warn);
        REQUIRE(ml.plan().size() == 3);  // the first entry is the default: not added again
        CHECK(ml.plan()[1].n_neighbors == 51);
        CHECK(ml.plan()[1].p == 1);
        CHECK(ml.plan()[2].p == 1);
        // the learner's space covers the plan, so 51 and 50 encode differently
        CHECK(ml.space().dimension("n_neighbors").hi == 51.0);
        REQUIRE(warnings.size() == 1);
        CHECK_THAT(warnings[0], Catch::Contains("'n_neighbors' goes beyond the search range [1, 50]"));
        // the declared space keeps its search range for sampling
        CHECK(models::KNeighborsClassifier::search_space().dimension("n_neighbors").hi == 50.0);
        ml.set_plan(PlanKind::sobol, 8);
        CHECK(ml.space().dimension("n_neighbors").hi == 50.0);
        std::filesystem::remove(path);
    }
    {
        // still refused: beyond the tolerance, outside the valid range, unknown names and labels
        MetaLearner<models::LogisticRegression> ml(store, fast_options(1));
        const auto below = write_plan("below", R"([{"C": 1.0}, {"C": 0.0}])");
        CHECK_THROWS_AS(ml.set_plan_from_file(below), ConfigError);
        CHECK_THROWS_WITH(ml.set_plan_from_file(below), Catch::Contains("entry 1") && Catch::Contains("'C' out of range"));
        const auto unknown = write_plan("unknown", R"([{"C": 1.0, "gamma": 2}])");
        CHECK_THROWS_WITH(ml.set_plan_from_file(unknown), Catch::Contains("unknown hyperparameter 'gamma'"));
        const auto iters = write_plan("iters", R"([{"max_iter": 0}])");
        CHECK_THROWS_WITH(ml.set_plan_from_file(iters), Catch::Contains("'max_iter' out of range"));
        MetaLearner<models::KNeighborsClassifier> knn(store, fast_options(1));
        const auto p3 = write_plan("p3", R"([{"p": 3}])");
        CHECK_THROWS_WITH(knn.set_plan_from_file(p3), Catch::Contains("unknown label for 'p'"));
        for (const auto& f : {below, unknown, iters, p3}) std::filesystem::remove(f);
    }
}

TEST_CASE("a k-NN config with k above the training rows of a fold is a failed record that says so",
          "[meta][meta_learner][plan]") {
    RecordStore store;
    MetaLearner<models::KNeighborsClassifier> ml(store, fast_options(1));
    ml.set_plan({{.n_neighbors = 51}});
    // 45 rows, 3 folds: 30 training rows per fold, fewer than 51 neighbours
    const auto sum = ml.collect(std::vector<Task>{{"small", blobs("small", 45, 2, 1.5, 3)}});
    CHECK(sum.evaluated == 2);
    CHECK(sum.failed == 1);
    for (const auto& r : store.snapshot()) {
        if (r.config.value("n_neighbors", 5) != 51) continue;
        CHECK(r.status == RecordStatus::failed);
        CHECK_THAT(r.error, Catch::Contains("n_neighbors = 51") && Catch::Contains("got 30") &&
                                Catch::Contains("not clipped"));
    }
}

TEST_CASE("a single-class task fails for every model, not a perfect score", "[meta][meta_learner][errors]") {
    // k-NN would fit one class and score balanced accuracy 1 on every fold
    RecordStore store;
    MetaLearner<models::KNeighborsClassifier> ml(store, fast_options(1));
    ml.set_plan({{.n_neighbors = 3}});
    const std::vector<Task> tasks{{"single", blobs("single", 30, 2, 0.0, 4, 1)}};
    const auto sum = ml.collect(tasks);
    CHECK(sum.evaluated == 2);
    CHECK(sum.failed == 2);
    for (const auto& r : store.snapshot()) {
        CHECK(r.status == RecordStatus::failed);
        CHECK(std::isnan(r.mean_score));
        CHECK_THAT(r.error, Catch::Contains("'single'") && Catch::Contains("1 class with samples"));
    }
}

TEST_CASE("suggestions stay inside the ranges the plan evaluated", "[meta][meta_learner][plan]") {
    RecordStore store;
    MetaLearner<models::DecisionTreeClassifier> ml(store, fast_options(1));
    // max_features held at its default 1.0 and criterion at gini; max_depth varied in 2..8
    std::vector<models::DecisionTreeClassifier::params_type> plan;
    for (Index depth : {2, 4, 8}) plan.push_back({.max_depth = depth, .min_samples_leaf = 2});
    ml.set_plan(plan);
    ml.collect(three_tasks());
    ml.fit();
    const auto restricted = ml.suggest(blobs("new", 40, 3, 2.0, 9), 5, {.n_candidates = 64, .seed = 1});
    REQUIRE(!restricted.empty());
    for (const auto& s : restricted) {
        INFO(s.config.dump());
        CHECK(s.config.at("max_features").get<double>() == 1.0);
        CHECK(s.config.at("criterion") == "gini");
        const auto depth = s.config.at("max_depth").get<long>();
        CHECK((depth == 0 || (depth >= 0 && depth <= 8)));  // the default's 0 (unlimited) to 8
        const auto leaf = s.config.at("min_samples_leaf").get<long>();
        CHECK((leaf >= 1 && leaf <= 2));
        CHECK(s.config.at("min_samples_split").get<long>() == 2);
        // the typed parameters are the same configuration
        CHECK(s.params.max_depth == depth);
        CHECK(s.params.min_samples_leaf == leaf);
        CHECK(s.params.max_features == 1.0);
        CHECK(s.params.criterion == models::Criterion::gini);
    }
    // the same suggestions from the predictor and the learner's meta-features of the task
    const Vector mf = ml.task_meta_features(blobs("new", 40, 3, 2.0, 9));
    const auto again = ml.predictor().suggest(mf, 5, ml.space().restricted_to(ml.plan()), {.n_candidates = 64, .seed = 1});
    REQUIRE(again.size() == restricted.size());
    for (std::size_t i = 0; i < again.size(); ++i) CHECK(again[i].config == restricted[i].config);
    RecordStore empty;
    CHECK_THROWS_AS(MetaLearner<models::DecisionTreeClassifier>(empty, fast_options(1)).task_meta_features(blobs("new", 40, 3, 2.0, 9)),
                    NotFitted);
    // the whole space on request: 64 Sobol candidates of max_features in [0.05, 1] are not all 1.0
    const auto whole = ml.suggest(blobs("new", 40, 3, 2.0, 9), 5,
                                  {.n_candidates = 64, .seed = 1, .restrict_to_plan = false});
    CHECK(std::any_of(whole.begin(), whole.end(),
                      [](const Suggestion& s) { return s.config.at("max_features").get<double>() != 1.0; }));
}
