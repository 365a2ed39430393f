#pragma once
// The 7-dimensional search space of the hpo benchmarks (bench_hpo.cpp, bench_tuner.cpp): log,
// integer and categorical dimensions, 10 encoded columns, shaped like an MLP's.

#include <metalearn/hpo/search_space.hpp>

namespace bench {

using namespace metalearn;

enum class Solver { lbfgs, sgd, adam };

struct BenchParams {
    double alpha = 1e-4;
    double learning_rate = 1e-3;
    double momentum = 0.9;
    int layers = 1;
    long units = 100;
    Solver solver = Solver::adam;
    bool early_stopping = false;
};

inline hpo::SearchSpace<BenchParams> bench_space() {
    return hpo::SearchSpace<BenchParams>()
        .add("alpha", &BenchParams::alpha, hpo::log_uniform(1e-7, 1e-1))
        .add("learning_rate", &BenchParams::learning_rate, hpo::log_uniform(1e-5, 1e-1))
        .add("momentum", &BenchParams::momentum, hpo::uniform(0.0, 0.99))
        .add("layers", &BenchParams::layers, hpo::int_uniform(1, 4))
        .add("units", &BenchParams::units, hpo::int_log_uniform(4, 512))
        .add("solver", &BenchParams::solver,
             hpo::categorical<Solver>({{"lbfgs", Solver::lbfgs}, {"sgd", Solver::sgd}, {"adam", Solver::adam}}))
        .add("early_stopping", &BenchParams::early_stopping, hpo::boolean());
}

}  // namespace bench
