// Speed of the ensemble layer: weight fitting on prediction libraries (n samples × K classes ×
// M models) and prediction through the type-erased WeightedAveraging against direct calls.

#include <metalearn/ensemble.hpp>
#include <metalearn/models/naive_bayes.hpp>

#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

namespace {

using metalearn::Index;
using metalearn::Matrix;
using metalearn::Rng;
using metalearn::Vector;
namespace en = metalearn::ensemble;

struct Library {
    std::vector<Matrix> predictions;
    Vector y;
};

// M random probability matrices n×K, member m tilted towards the truth by 0.1·m.
Library make_library(Index n, Index k, Index m, std::uint64_t seed) {
    Rng rng(seed);
    Library lib;
    lib.y.resize(n);
    for (Index i = 0; i < n; ++i) lib.y[i] = static_cast<double>(rng.uniform_index(static_cast<std::uint64_t>(k)));
    for (Index j = 0; j < m; ++j) {
        Matrix p(n, k);
        for (Index i = 0; i < n; ++i) {
            for (Index c = 0; c < k; ++c) p(i, c) = -std::log(1.0 - rng.uniform());
            p(i, static_cast<Index>(lib.y[i])) += 0.1 * static_cast<double>(j);
            p.row(i) /= p.row(i).sum();
        }
        lib.predictions.push_back(std::move(p));
    }
    return lib;
}

void BM_EnsembleSelection_Fit(benchmark::State& state) {
    const Index m = state.range(0);
    const Library lib = make_library(1000, 3, m, 1);
    en::EnsembleSelection es({.ensemble_size = 50});
    for (auto _ : state) benchmark::DoNotOptimize(es.fit(lib.predictions, lib.y));
    state.SetComplexityN(m);
}
BENCHMARK(BM_EnsembleSelection_Fit)->RangeMultiplier(2)->Range(4, 64)->Complexity(benchmark::oN)
    ->Unit(benchmark::kMillisecond);

void BM_EnsembleSelection_FitSamples(benchmark::State& state) {
    const Index n = state.range(0);
    const Library lib = make_library(n, 3, 16, 2);
    en::EnsembleSelection es({.ensemble_size = 50, .loss = en::Loss::balanced_error_rate});
    for (auto _ : state) benchmark::DoNotOptimize(es.fit(lib.predictions, lib.y));
    state.SetComplexityN(n);
}
BENCHMARK(BM_EnsembleSelection_FitSamples)->RangeMultiplier(4)->Range(256, 16384)->Complexity(benchmark::oN)
    ->Unit(benchmark::kMillisecond);

void BM_SimplexWeights_LogLoss(benchmark::State& state) {
    const Index m = state.range(0);
    const Library lib = make_library(1000, 3, m, 3);
    for (auto _ : state) benchmark::DoNotOptimize(en::simplex_weights(lib.predictions, lib.y, en::Loss::log_loss));
    state.SetComplexityN(m);
}
BENCHMARK(BM_SimplexWeights_LogLoss)->RangeMultiplier(2)->Range(4, 64)->Complexity()->Unit(benchmark::kMillisecond);

void BM_SimplexWeights_Brier(benchmark::State& state) {
    const Index m = state.range(0);
    const Library lib = make_library(1000, 3, m, 4);
    for (auto _ : state) benchmark::DoNotOptimize(en::simplex_weights(lib.predictions, lib.y, en::Loss::brier));
    state.SetComplexityN(m);
}
BENCHMARK(BM_SimplexWeights_Brier)->RangeMultiplier(2)->Range(4, 64)->Complexity()->Unit(benchmark::kMillisecond);

void BM_NnlsWeights_Fit(benchmark::State& state) {
    const Index m = state.range(0);
    const Library lib = make_library(1000, 3, m, 5);
    for (auto _ : state) benchmark::DoNotOptimize(en::nnls_weights(lib.predictions, lib.y));
    state.SetComplexityN(m);
}
BENCHMARK(BM_NnlsWeights_Fit)->RangeMultiplier(2)->Range(4, 64)->Complexity()->Unit(benchmark::kMillisecond);

void BM_ProjectToSimplex_Project(benchmark::State& state) {
    const Index m = state.range(0);
    Rng rng(6);
    Vector v(m);
    for (Index j = 0; j < m; ++j) v[j] = rng.normal();
    for (auto _ : state) benchmark::DoNotOptimize(en::detail::project_to_simplex(v));
    state.SetComplexityN(m);
}
BENCHMARK(BM_ProjectToSimplex_Project)->RangeMultiplier(4)->Range(4, 4096)->Complexity(benchmark::oNLogN);

// Type-erasure overhead: predict_proba of 8 naive Bayes members through WeightedAveraging
// (one virtual call per member and batch) against the same sum computed by direct calls.
struct PredictFixture {
    Matrix X;
    Vector y;
    std::vector<metalearn::models::GaussianNaiveBayes> direct;
    en::WeightedAveraging erased;
    explicit PredictFixture(Index rows) {
        Rng rng(7);
        X.resize(rows, 10);
        y.resize(rows);
        for (Index i = 0; i < rows; ++i) {
            y[i] = static_cast<double>(i % 3);
            for (Index j = 0; j < 10; ++j) X(i, j) = rng.normal(y[i] * 0.3 * static_cast<double>(j % 3), 1.0);
        }
        std::vector<en::AnyModel> members;
        for (int m = 0; m < 8; ++m) {
            metalearn::models::GaussianNaiveBayes nb({.var_smoothing = 1e-9 * std::pow(10.0, m)});
            nb.fit(X, y, 3);
            direct.push_back(nb);
            members.emplace_back(nb);
        }
        erased = en::WeightedAveraging(std::move(members), Vector::Constant(8, 0.125));
    }
};

void BM_WeightedAveraging_PredictErased(benchmark::State& state) {
    const PredictFixture f(state.range(0));
    for (auto _ : state) benchmark::DoNotOptimize(f.erased.predict_proba(f.X));
    state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_WeightedAveraging_PredictErased)->RangeMultiplier(8)->Range(8, 4096)->Complexity(benchmark::oN);

void BM_WeightedAveraging_PredictDirect(benchmark::State& state) {
    const PredictFixture f(state.range(0));
    for (auto _ : state) {
        Matrix sum = 0.125 * f.direct[0].predict_proba(f.X);
        for (std::size_t m = 1; m < f.direct.size(); ++m) sum.noalias() += 0.125 * f.direct[m].predict_proba(f.X);
        benchmark::DoNotOptimize(sum);
    }
    state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_WeightedAveraging_PredictDirect)->RangeMultiplier(8)->Range(8, 4096)->Complexity(benchmark::oN);

}  // namespace
