// Speed of the hpo layer: Sobol generation, search-space sampling and encoding, metrics.
// Fixed seeds; run in Release.

#include <metalearn/core/random.hpp>
#include <metalearn/hpo/metrics.hpp>
#include <metalearn/hpo/search_space.hpp>
#include <metalearn/hpo/sobol.hpp>

#include <benchmark/benchmark.h>

#include "bench_space.hpp"

#include <string>

using namespace metalearn;

namespace {

using bench::bench_space;
using bench::BenchParams;
using bench::Solver;

void BM_Sobol_Generate(benchmark::State& state) {
    const Index n = state.range(0);
    for (auto _ : state) benchmark::DoNotOptimize(hpo::sobol_points(n, 16, 1));
    state.SetItemsProcessed(state.iterations() * n);
    state.SetComplexityN(n);
}
BENCHMARK(BM_Sobol_Generate)->RangeMultiplier(8)->Range(64, 1 << 15)->Complexity(benchmark::oN);

void BM_SearchSpace_SobolConfigs(benchmark::State& state) {
    const auto space = bench_space();
    const Index n = state.range(0);
    for (auto _ : state) benchmark::DoNotOptimize(space.sobol(n, 1));
    state.SetItemsProcessed(state.iterations() * n);
    state.SetComplexityN(n);
}
BENCHMARK(BM_SearchSpace_SobolConfigs)->RangeMultiplier(8)->Range(64, 1 << 12)->Complexity(benchmark::oN);

void BM_SearchSpace_Encode(benchmark::State& state) {
    const auto space = bench_space();
    const auto configs = space.random(1024, 2);
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(space.encode(configs[i]));
        i = (i + 1) % configs.size();
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SearchSpace_Encode);

void BM_SearchSpace_ToValues(benchmark::State& state) {
    const auto space = bench_space();
    const auto configs = space.random(1024, 2);
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(space.to_values(configs[i]));
        i = (i + 1) % configs.size();
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SearchSpace_ToValues);

struct ClassificationData {
    Vector y;
    Matrix proba;
};

ClassificationData make_classification(Index n, Index k) {
    Rng rng(3);
    ClassificationData d{Vector(n), Matrix(n, k)};
    for (Index i = 0; i < n; ++i) {
        d.y[i] = static_cast<double>(rng.uniform_index(static_cast<std::uint64_t>(k)));
        for (Index c = 0; c < k; ++c) d.proba(i, c) = rng.uniform() + (c == static_cast<Index>(d.y[i]) ? 0.5 : 0.0);
        d.proba.row(i) /= d.proba.row(i).sum();
    }
    return d;
}

void BM_Metric_RocAuc(benchmark::State& state) {
    const Index n = state.range(0);
    const auto d = make_classification(n, state.range(1));
    for (auto _ : state) benchmark::DoNotOptimize(hpo::roc_auc(d.y, d.proba));
    state.SetItemsProcessed(state.iterations() * n);
    state.SetComplexityN(n);
}
BENCHMARK(BM_Metric_RocAuc)->ArgsProduct({{1000, 10000, 100000}, {2, 5}})->Complexity(benchmark::oNLogN);

void BM_Metric_LogLoss(benchmark::State& state) {
    const Index n = state.range(0);
    const auto d = make_classification(n, 5);
    for (auto _ : state) benchmark::DoNotOptimize(hpo::log_loss(d.y, d.proba));
    state.SetItemsProcessed(state.iterations() * n);
    state.SetComplexityN(n);
}
BENCHMARK(BM_Metric_LogLoss)->RangeMultiplier(10)->Range(1000, 100000)->Complexity(benchmark::oN);

void BM_Metric_BalancedAccuracy(benchmark::State& state) {
    const Index n = state.range(0);
    const auto d = make_classification(n, 5);
    for (auto _ : state) benchmark::DoNotOptimize(hpo::score(hpo::Metric::balanced_accuracy, d.y, d.proba, 5));
    state.SetItemsProcessed(state.iterations() * n);
    state.SetComplexityN(n);
}
BENCHMARK(BM_Metric_BalancedAccuracy)->RangeMultiplier(10)->Range(1000, 100000)->Complexity(benchmark::oN);

}  // namespace
