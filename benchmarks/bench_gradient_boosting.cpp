// Gradient boosting: fit on a training matrix, predict a test matrix, single-threaded.
//
// Without environment variables it runs on data/sklearn/digits.csv.gz (rows i % 3 == 0 held out)
// as part of the `benchmarks` target. benchmarks/compare_gradient_boosting.py runs it on one
// prepared dataset at a time, alternated with xgboost and scikit-learn, through:
//   METALEARN_GBT_DATA   folder with Xtr.bin, ytr.bin, Xte.bin, yte.bin (int64 rows, int64 cols,
//                        then rows×cols float64 row-major; y has cols = 1)
//   METALEARN_GBT_TASK   "classification" or "regression"
//   METALEARN_GBT_PARAMS "n_estimators,max_depth,learning_rate" (default 100,6,0.3)
// Counters: "score" (test accuracy, or test RMSE for regression), "peak_kb" (VmHWM at the end) and
// "data_kb" (VmHWM after loading the data). Time is process CPU time per fit + predict.
#include <metalearn/models/gradient_boosting.hpp>

#include <metalearn/data/read.hpp>

#include "matrix_file.hpp"
#include "peak_rss.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

using metalearn::Index;
using metalearn::Matrix;
using metalearn::Vector;
namespace models = metalearn::models;

namespace {

struct Data {
    Matrix Xtr, Xte;
    Vector ytr, yte;
    bool classification = true;
    double data_kb = 0.0;
};

const Data& data() {
    static const Data d = [] {
        Data out;
        if (const char* dir = std::getenv("METALEARN_GBT_DATA")) {
            const std::string base(dir);
            out.Xtr = metalearn::bench::read_matrix_file(base + "/Xtr.bin");
            out.Xte = metalearn::bench::read_matrix_file(base + "/Xte.bin");
            out.ytr = metalearn::bench::read_matrix_file(base + "/ytr.bin").col(0);
            out.yte = metalearn::bench::read_matrix_file(base + "/yte.bin").col(0);
            const char* task = std::getenv("METALEARN_GBT_TASK");
            out.classification = task == nullptr || std::string(task) != "regression";
        } else {
            const auto all = metalearn::data::read_dataset(std::string(METALEARN_DATA_DIR) + "/sklearn/digits.csv.gz");
            std::vector<Index> tr, te;
            for (Index i = 0; i < all.n_samples(); ++i) (i % 3 == 0 ? te : tr).push_back(i);
            out.Xtr = all.X()(tr, Eigen::all);
            out.Xte = all.X()(te, Eigen::all);
            out.ytr = all.y()(tr);
            out.yte = all.y()(te);
        }
        out.data_kb = metalearn::bench::peak_rss_kb();
        return out;
    }();
    return d;
}

models::GradientBoostingParams params() {
    models::GradientBoostingParams p;
    p.n_estimators = 100;
    p.max_depth = 6;
    p.learning_rate = 0.3;
    if (const char* s = std::getenv("METALEARN_GBT_PARAMS")) {
        long n = 0, depth = 0;
        double eta = 0.0;
        if (std::sscanf(s, "%ld,%ld,%lf", &n, &depth, &eta) != 3)
            throw std::runtime_error("METALEARN_GBT_PARAMS: expected n_estimators,max_depth,learning_rate");
        p.n_estimators = n;
        p.max_depth = depth;
        p.learning_rate = eta;
    }
    return p;
}

void BM_GradientBoosting_FitPredict(benchmark::State& state) {
    const Data& d = data();
    const auto p = params();
    double score = 0.0;
    for (auto _ : state) {
        if (d.classification) {
            models::GradientBoostingClassifier m(p);
            m.fit(d.Xtr, d.ytr);
            const Vector pred = m.predict(d.Xte);
            benchmark::DoNotOptimize(pred.data());
            score = (pred.array() == d.yte.array()).cast<double>().mean();
        } else {
            models::GradientBoostingRegressor m(p);
            m.fit(d.Xtr, d.ytr);
            const Vector pred = m.predict(d.Xte);
            benchmark::DoNotOptimize(pred.data());
            score = std::sqrt((pred - d.yte).squaredNorm() / static_cast<double>(pred.size()));
        }
    }
    state.counters["score"] = score;
    state.counters["data_kb"] = d.data_kb;
    state.counters["peak_kb"] = metalearn::bench::peak_rss_kb();
}
BENCHMARK(BM_GradientBoosting_FitPredict)->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);

}  // namespace
