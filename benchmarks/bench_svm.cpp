// Kernel SVM (SVC): fit on a training matrix, predict a test matrix, single-threaded.
//
// Without environment variables it runs on data/sklearn/digits.csv.gz (rows i % 3 == 0 held out)
// as part of the `benchmarks` target. benchmarks/compare_svm.py runs it on one prepared dataset
// at a time, alternated with scikit-learn's SVC (libsvm), through:
//   METALEARN_SVM_DATA    folder with Xtr.bin, ytr.bin, Xte.bin, yte.bin (int64 rows, int64 cols,
//                         then rows×cols float64 row-major; y has cols = 1)
//   METALEARN_SVM_PARAMS  "C,kernel" with kernel rbf or linear (default 1,rbf; gamma "scale")
//   METALEARN_SVM_SUPPORT a file to write the support-vector indices of the last fit to (one per line)
// Counters: "score" (test accuracy), "n_sv", "peak_kb" (VmHWM at the end) and "data_kb" (VmHWM
// after loading the data). Time is process CPU time per fit + predict.
#include <metalearn/models/svm.hpp>

#include <metalearn/data/read.hpp>

#include "matrix_file.hpp"
#include "peak_rss.hpp"

#include <benchmark/benchmark.h>

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
    double data_kb = 0.0;
};

const Data& data() {
    static const Data d = [] {
        Data out;
        if (const char* dir = std::getenv("METALEARN_SVM_DATA")) {
            const std::string base(dir);
            out.Xtr = metalearn::bench::read_matrix_file(base + "/Xtr.bin");
            out.Xte = metalearn::bench::read_matrix_file(base + "/Xte.bin");
            out.ytr = metalearn::bench::read_matrix_file(base + "/ytr.bin").col(0);
            out.yte = metalearn::bench::read_matrix_file(base + "/yte.bin").col(0);
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

models::SVCParams params() {
    models::SVCParams p;
    if (const char* s = std::getenv("METALEARN_SVM_PARAMS")) {
        double c = 0.0;
        char kernel[16] = {0};
        if (std::sscanf(s, "%lf,%15s", &c, kernel) != 2)
            throw std::runtime_error("METALEARN_SVM_PARAMS: expected C,kernel");
        p.C = c;
        const std::string k(kernel);
        if (k != "rbf" && k != "linear") throw std::runtime_error("METALEARN_SVM_PARAMS: kernel must be rbf or linear");
        p.kernel = k == "linear" ? models::SvmKernel::linear : models::SvmKernel::rbf;
    }
    return p;
}

void BM_SVC_FitPredict(benchmark::State& state) {
    const Data& d = data();
    const auto p = params();
    double score = 0.0;
    std::vector<Index> support;
    for (auto _ : state) {
        models::SVC m(p);
        m.fit(d.Xtr, d.ytr);
        const Vector pred = m.predict(d.Xte);
        benchmark::DoNotOptimize(pred.data());
        score = (pred.array() == d.yte.array()).cast<double>().mean();
        support = m.support();
    }
    if (const char* out = std::getenv("METALEARN_SVM_SUPPORT")) {
        std::ofstream f(out);
        for (Index i : support) f << i << '\n';
    }
    state.counters["score"] = score;
    state.counters["n_sv"] = static_cast<double>(support.size());
    state.counters["data_kb"] = d.data_kb;
    state.counters["peak_kb"] = metalearn::bench::peak_rss_kb();
}
BENCHMARK(BM_SVC_FitPredict)->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);

}  // namespace
