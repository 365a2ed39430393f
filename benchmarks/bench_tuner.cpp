// Overhead of the tuner (hpo/tuner.hpp): the latency of one ask() with n complete observations,
// n = 10, 100, 1000, on one core, for the default Bayesian optimisation (GP surrogate, 512
// Sobol candidates plus local refinement) and for random search.
//
// Two costs are measured separately:
// - BM_Tuner_Ask: the steady state between hyperparameter refits. Each iteration asks one trial
//   (timed) and tells it failed (untimed): the failed trial leaves the surrogate's training set
//   unchanged, so every ask sees the same n observations and reuses the GP's hyperparameters
//   (only the Cholesky factorisation is redone). Failed trials still count in the distance check
//   (no trial is proposed twice), so each run stops after 50 asks (at most n + 50 trials) and
//   starts again from a fresh tuner, 5 times;
// - BM_Tuner_AskRefit: an ask that also refits the GP's hyperparameters (maximum marginal
//   likelihood, projected Adam from up to 4 starts on at most 200 rows), as at every ask up to `refit_all_until` (30) complete
//   trials and every `refit_interval` (10) trials after.
// The 7-dimensional space is the one of bench_hpo.cpp (log, integer, categorical dimensions,
// 10 encoded columns). Fixed seeds; run in Release:
//   build/<dir>/benchmarks/bench_tuner --benchmark_filter=Tuner

#include <metalearn/hpo/tuner.hpp>

#include <benchmark/benchmark.h>

#include "bench_space.hpp"

#include <cmath>

using namespace metalearn;

namespace {

using bench::bench_space;
using bench::BenchParams;
using bench::Solver;

/// A smooth made-up score of a configuration.
double bench_score(const BenchParams& p) {
    return -std::pow(std::log10(p.learning_rate) + 3, 2) - 0.1 * std::pow(std::log10(p.alpha) + 4, 2) -
           std::abs(p.momentum - 0.8) + 0.05 * p.layers - 0.01 * std::abs(std::log2(double(p.units)) - 6) +
           (p.solver == Solver::adam ? 0.3 : 0.0) + (p.early_stopping ? 0.1 : 0.0);
}

/// A tuner holding n complete trials (its initial design), ready for Bayesian optimisation.
hpo::Tuner<BenchParams> filled_tuner(Index n, hpo::SearchMethod method, Index refit_all_until) {
    hpo::Tuner<BenchParams> tuner(bench_space(), {.method = method, .seed = 1, .n_initial = n, .refit_all_until = refit_all_until});
    for (Index i = 0; i < n; ++i) {
        const auto t = tuner.ask();
        tuner.tell(t.id, bench_score(t.params));
    }
    return tuner;
}

void BM_Tuner_Ask(benchmark::State& state, hpo::SearchMethod method) {
    const Index n = state.range(0);
    auto tuner = filled_tuner(n, method, 30);
    if (method == hpo::SearchMethod::bayesian) tuner.tell_failed(tuner.ask().id, "warm-up");  // first fit with refit
    for (auto _ : state) {
        const auto t = tuner.ask();
        state.PauseTiming();
        tuner.tell_failed(t.id, "benchmark");
        state.ResumeTiming();
    }
    state.SetComplexityN(n);
}
BENCHMARK_CAPTURE(BM_Tuner_Ask, bayesian, hpo::SearchMethod::bayesian)
    ->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(50)->Repetitions(5)
    ->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(BM_Tuner_Ask, random, hpo::SearchMethod::random)
    ->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(50)->Repetitions(5)
    ->ReportAggregatesOnly(true);

void BM_Tuner_AskRefit(benchmark::State& state) {
    const Index n = state.range(0);
    auto tuner = filled_tuner(n, hpo::SearchMethod::bayesian, /*refit_all_until=*/1 << 30);
    for (auto _ : state) {
        const auto t = tuner.ask();  // refits: one more trial is complete than at the last ask
        state.PauseTiming();
        tuner.tell(t.id, bench_score(t.params));
        state.ResumeTiming();
    }
    state.SetComplexityN(n);
}
BENCHMARK(BM_Tuner_AskRefit)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

}  // namespace
