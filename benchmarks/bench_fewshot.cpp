// Speed of the network core and of one meta-iteration of each few-shot method.
//
// BM_Network_*: forward, gradient and Hessian-vector product of the 1-40-40-1 ReLU network of
// the MAML sinusoid experiment on a batch of n rows (n swept).
// BM_<Method>_MetaIteration: one meta-iteration (25 sinusoid tasks, K support + K query points,
// one inner step; Reptile: 5 inner steps), K swept. Multiply by 70,000 for the full protocol.

#include <metalearn/fewshot.hpp>
#include <metalearn/models/mlp.hpp>

#include <benchmark/benchmark.h>

namespace fs = metalearn::fewshot;
namespace mm = metalearn::models;
using metalearn::Index;
using metalearn::Matrix;
using metalearn::Rng;
using metalearn::Vector;

namespace {

struct NetFixture {
    mm::Network net{{1, 40, 40, 1}};
    Vector theta, v, grad, hv;
    Matrix X, Y;
    mm::Network::Workspace ws;
    explicit NetFixture(Index n) {
        Rng rng(1);
        theta = net.init_params(rng);
        v = net.init_params(rng);
        X.resize(n, 1);
        Y.resize(n, 1);
        for (Index i = 0; i < n; ++i) {
            X(i, 0) = rng.uniform(-5, 5);
            Y(i, 0) = std::sin(X(i, 0));
        }
    }
};

void BM_Network_Forward(benchmark::State& state) {
    NetFixture f(state.range(0));
    for (auto _ : state) benchmark::DoNotOptimize(f.net.forward(f.theta, f.X, f.ws).data());
    state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_Network_Forward)->RangeMultiplier(4)->Range(4, 1024)->Complexity();

void BM_Network_Gradient(benchmark::State& state) {
    NetFixture f(state.range(0));
    for (auto _ : state) {
        benchmark::DoNotOptimize(f.net.loss_and_gradient(f.theta, f.X, f.Y, mm::Loss::mse, f.ws, f.grad));
    }
    state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_Network_Gradient)->RangeMultiplier(4)->Range(4, 1024)->Complexity();

void BM_Network_HessianVectorProduct(benchmark::State& state) {
    NetFixture f(state.range(0));
    for (auto _ : state) {
        benchmark::DoNotOptimize(
            f.net.hessian_vector_product(f.theta, f.X, f.Y, mm::Loss::mse, f.v, f.ws, f.hv, &f.grad));
    }
    state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_Network_HessianVectorProduct)->RangeMultiplier(4)->Range(4, 1024)->Complexity();

template <class Learner>
void meta_iteration(benchmark::State& state, int inner_steps) {
    const Index k = state.range(0);
    const fs::SinusoidTasks tasks({.support_size = k, .query_size = k});
    Learner learner(mm::Network({1, 40, 40, 1}),
                    {.inner_steps = inner_steps, .inner_learning_rate = 0.01, .meta_batch_size = 25, .seed = 1});
    learner.meta_step(tasks);  // warm the workspaces
    for (auto _ : state) benchmark::DoNotOptimize(learner.meta_step(tasks));
    state.SetComplexityN(k);
}

void BM_Maml_MetaIteration(benchmark::State& state) { meta_iteration<fs::Maml>(state, 1); }
void BM_FirstOrderMaml_MetaIteration(benchmark::State& state) { meta_iteration<fs::FirstOrderMaml>(state, 1); }
void BM_Reptile_MetaIteration(benchmark::State& state) { meta_iteration<fs::Reptile>(state, 5); }
void BM_PretrainedBaseline_MetaIteration(benchmark::State& state) { meta_iteration<fs::PretrainedBaseline>(state, 1); }
BENCHMARK(BM_Maml_MetaIteration)->Arg(5)->Arg(10)->Arg(20)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FirstOrderMaml_MetaIteration)->Arg(5)->Arg(10)->Arg(20)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Reptile_MetaIteration)->Arg(5)->Arg(10)->Arg(20)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PretrainedBaseline_MetaIteration)->Arg(5)->Arg(10)->Arg(20)->Unit(benchmark::kMicrosecond);

// Second-order MAML with 5 inner steps (5 Hessian-vector products per task).
void BM_Maml5Steps_MetaIteration(benchmark::State& state) { meta_iteration<fs::Maml>(state, 5); }
BENCHMARK(BM_Maml5Steps_MetaIteration)->Arg(10)->Unit(benchmark::kMicrosecond);

// One MLPClassifier epoch-bound fit: 500 rows × 20 features, 3 classes, 10 epochs.
void BM_MLPClassifier_Fit(benchmark::State& state) {
    Rng rng(3);
    Matrix X(500, 20);
    Vector y(500);
    for (Index i = 0; i < 500; ++i) {
        for (Index j = 0; j < 20; ++j) X(i, j) = rng.normal();
        y[i] = static_cast<double>((X(i, 0) > 0) + (X(i, 1) > 0.5));
    }
    mm::MLPClassifier clf({.max_iter = 10, .tol = 0.0});
    for (auto _ : state) {
        clf.fit(X, y, 3);
        benchmark::DoNotOptimize(clf.n_iter());
    }
}
BENCHMARK(BM_MLPClassifier_Fit)->Unit(benchmark::kMillisecond);

}  // namespace
