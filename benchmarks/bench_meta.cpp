// Speed of the meta layer: meta-model fit/predict, record journal appends, strategies and the
// leave-one-task-out evaluation. Synthetic data, fixed seeds; run in Release.

#include <metalearn/core/random.hpp>
#include <metalearn/meta/evaluation.hpp>
#include <metalearn/meta/gaussian_process.hpp>
#include <metalearn/meta/knn_meta_model.hpp>
#include <metalearn/meta/random_forest_meta_model.hpp>
#include <metalearn/meta/record_store.hpp>
#include <metalearn/meta/ridge_meta_model.hpp>
#include <metalearn/meta/strategies.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>

using namespace metalearn;
using namespace metalearn::meta;

namespace {

// n rows of d inputs in [0,1] and a smooth non-linear target.
void problem(Index n, Index d, Matrix& Z, Vector& s) {
    Rng rng(42);
    Z.resize(n, d);
    for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < d; ++j) Z(i, j) = rng.uniform();
    s = (3.0 * Z.col(0)).array().sin() + Z.col(1 % d).array().square();
}

// T tasks × m configs with a known optimum per task (see tests/meta/test_strategies.cpp).
TaskTable table(Index T, Index m) {
    TaskTable t;
    t.model = "synthetic";
    Rng rng(1);
    t.meta_features.resize(T, 4);
    t.scores.resize(T, m);
    t.config_encoding.resize(m, 2);
    for (Index c = 0; c < m; ++c) {
        t.config_encoding(c, 0) = rng.uniform();
        t.config_encoding(c, 1) = rng.uniform();
        t.configs.push_back({{"c", c}});
    }
    for (Index i = 0; i < T; ++i) {
        t.task_ids.push_back(fmt::format("t{}", i));
        for (Index j = 0; j < 4; ++j) t.meta_features(i, j) = rng.uniform();
        for (Index c = 0; c < m; ++c)
            t.scores(i, c) = 1.0 - (t.config_encoding.row(c) - t.meta_features.row(i).head(2)).squaredNorm();
    }
    t.default_config = 0;
    return t;
}

void BM_RandomForestMetaModel_Fit(benchmark::State& state) {
    Matrix Z;
    Vector s;
    problem(state.range(0), 20, Z, s);
    RandomForestMetaModel rf({.n_estimators = 50});
    for (auto _ : state) rf.fit(Z, s);
    state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_RandomForestMetaModel_Fit)->RangeMultiplier(4)->Range(256, 4096)->Unit(benchmark::kMillisecond)->Complexity();

void BM_RandomForestMetaModel_Predict(benchmark::State& state) {
    Matrix Z;
    Vector s;
    problem(2000, 20, Z, s);
    RandomForestMetaModel rf({.n_estimators = 100});
    rf.fit(Z, s);
    Matrix Q = Z.topRows(state.range(0));
    for (auto _ : state) benchmark::DoNotOptimize(rf.predict_std(Q));
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RandomForestMetaModel_Predict)->RangeMultiplier(4)->Range(64, 1024);

void BM_GaussianProcessMetaModel_Fit(benchmark::State& state) {
    Matrix Z;
    Vector s;
    problem(state.range(0), 5, Z, s);
    GaussianProcessMetaModel gp({.n_restarts = 0, .max_iterations = 20, .max_samples = 10000});
    for (auto _ : state) gp.fit(Z, s);
    state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_GaussianProcessMetaModel_Fit)->RangeMultiplier(2)->Range(64, 512)->Unit(benchmark::kMillisecond)->Complexity(benchmark::oNCubed);

void BM_GaussianProcessMetaModel_Predict(benchmark::State& state) {
    Matrix Z;
    Vector s;
    problem(300, 5, Z, s);
    GaussianProcessMetaModel gp({.optimize = false});
    gp.fit(Z, s);
    Matrix Q = Z.topRows(state.range(0));
    for (auto _ : state) benchmark::DoNotOptimize(gp.predict_std(Q));
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_GaussianProcessMetaModel_Predict)->RangeMultiplier(4)->Range(16, 256);

void BM_KnnMetaModel_Predict(benchmark::State& state) {
    Matrix Z;
    Vector s;
    problem(state.range(0), 20, Z, s);
    KnnMetaModel knn;
    knn.fit(Z, s);
    Matrix Q = Z.topRows(64);
    for (auto _ : state) benchmark::DoNotOptimize(knn.predict(Q));
    state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_KnnMetaModel_Predict)->RangeMultiplier(4)->Range(256, 16384)->Complexity(benchmark::oN);

void BM_RidgeMetaModel_Fit(benchmark::State& state) {
    Matrix Z;
    Vector s;
    problem(state.range(0), 40, Z, s);
    RidgeMetaModel ridge;
    for (auto _ : state) ridge.fit(Z, s);
    state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_RidgeMetaModel_Fit)->RangeMultiplier(4)->Range(256, 16384)->Complexity(benchmark::oN);

void BM_RecordStore_Append(benchmark::State& state) {
    const auto path = std::filesystem::temp_directory_path() / fmt::format("metalearn_bench_{}.jsonl", static_cast<long>(::getpid()));
    std::filesystem::remove(path);
    Record r;
    r.task_id = "task";
    r.model = "model";
    r.metric = "balanced_accuracy";
    r.meta_feature_names.assign(100, "feature");
    r.meta_features.assign(100, 0.5);
    r.fold_scores = {0.1, 0.2, 0.3};
    r.mean_score = 0.2;
    {
        RecordStore store(path);
        long i = 0;
        for (auto _ : state) {
            r.config = {{"i", i++}};
            store.append(r);
        }
    }
    state.SetItemsProcessed(state.iterations());
    std::filesystem::remove(path);
}
BENCHMARK(BM_RecordStore_Append);

void BM_PortfolioStrategy_Fit(benchmark::State& state) {
    const auto t = table(50, state.range(0));
    std::vector<Index> rows;
    for (Index i = 0; i < 50; ++i) rows.push_back(i);
    for (auto _ : state) {
        PortfolioStrategy p;
        p.fit(t, rows);
    }
    state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_PortfolioStrategy_Fit)->RangeMultiplier(2)->Range(16, 256)->Complexity(benchmark::oNSquared);

void BM_LeaveOneTaskOut_Baselines(benchmark::State& state) {
    const auto t = table(state.range(0), 50);
    std::vector<StrategyFactory> f{[] { return std::make_unique<NearestDatasetsStrategy>(); },
                                   [] { return std::make_unique<PortfolioStrategy>(); }};
    EvaluationOptions eo;
    eo.n_bootstrap = 100;
    for (auto _ : state) benchmark::DoNotOptimize(leave_one_task_out(t, f, eo));
    state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_LeaveOneTaskOut_Baselines)->RangeMultiplier(2)->Range(16, 64)->Unit(benchmark::kMillisecond)->Complexity();

}  // namespace
