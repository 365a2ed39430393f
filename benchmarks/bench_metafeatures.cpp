// Speed of meta-feature extraction: all five MFE groups on real datasets of 150 to 10,000 rows,
// each group alone, the auto-sklearn set, and synthetic sweeps over rows and columns.
// Fixed seeds; run in Release. Real datasets come from scripts/get-datasets (a benchmark whose
// file is missing is skipped with an error message).
//
// pymfe is not installable here, so there is no side-by-side ratio: these are our times only.

#include <metalearn/data.hpp>
#include <metalearn/metafeatures.hpp>

#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

using namespace metalearn;
namespace mf = metalearn::metafeatures;

namespace {

/// Real datasets by short name, read once. Fashion-MNIST subsets: the first n training images.
const data::Dataset* dataset(const std::string& name) {
    static std::map<std::string, std::unique_ptr<data::Dataset>> cache;
    auto it = cache.find(name);
    if (it != cache.end()) return it->second.get();
    const std::filesystem::path dir(METALEARN_DATA_DIR);
    std::unique_ptr<data::Dataset> d;
    try {
        if (name.rfind("fashion", 0) == 0) {
            const Index n = std::stol(name.substr(name.find('-') + 1));
            d = std::make_unique<data::Dataset>(data::read_idx_dataset(
                dir / "fashion-mnist/train-images-idx3-ubyte.gz", dir / "fashion-mnist/train-labels-idx1-ubyte.gz",
                name, n));
        } else {
            const std::map<std::string, std::string> files = {{"iris", "weka/iris.arff"},
                                                              {"credit-g", "weka/credit-g.arff"},
                                                              {"segment", "weka/segment-challenge.arff"},
                                                              {"digits", "sklearn/digits.csv.gz"}};
            d = std::make_unique<data::Dataset>(data::read_dataset(dir / files.at(name)));
        }
    } catch (const std::exception&) {
        d.reset();
    }
    return (cache[name] = std::move(d)).get();
}

void run(benchmark::State& state, const data::Dataset* d, const mf::ExtractOptions& o) {
    if (!d) {
        state.SkipWithError("dataset missing: run scripts/get-datasets");
        return;
    }
    Index count = 0;
    for (auto _ : state) {
        const auto m = mf::extract(*d, o);
        count = m.size();
        benchmark::DoNotOptimize(count);
    }
    state.counters["rows"] = static_cast<double>(d->n_samples());
    state.counters["cols"] = static_cast<double>(d->n_features());
    state.counters["values"] = static_cast<double>(count);
}

void BM_MetaFeatures_ExtractAll(benchmark::State& state, const std::string& name) {
    run(state, dataset(name), mf::ExtractOptions{});
}
BENCHMARK_CAPTURE(BM_MetaFeatures_ExtractAll, iris, std::string("iris"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MetaFeatures_ExtractAll, credit_g, std::string("credit-g"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MetaFeatures_ExtractAll, segment, std::string("segment"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MetaFeatures_ExtractAll, digits, std::string("digits"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MetaFeatures_ExtractAll, fashion_1000, std::string("fashion-1000"))
    ->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(BM_MetaFeatures_ExtractAll, fashion_10000, std::string("fashion-10000"))
    ->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_MetaFeatures_Group(benchmark::State& state, const std::string& name, mf::Group g) {
    mf::ExtractOptions o;
    o.groups = {g};
    run(state, dataset(name), o);
}
#define ML_GROUP_BENCH(ds, dsname, g)                                                                              \
    BENCHMARK_CAPTURE(BM_MetaFeatures_Group, ds##_##g, std::string(dsname), mf::Group::g)->Unit(benchmark::kMillisecond)
ML_GROUP_BENCH(digits, "digits", general);
ML_GROUP_BENCH(digits, "digits", statistical);
ML_GROUP_BENCH(digits, "digits", info_theory);
ML_GROUP_BENCH(digits, "digits", landmarking);
ML_GROUP_BENCH(digits, "digits", model_based);
ML_GROUP_BENCH(fashion, "fashion-1000", statistical)->Iterations(1);
ML_GROUP_BENCH(fashion, "fashion-1000", info_theory)->Iterations(1);
ML_GROUP_BENCH(fashion, "fashion-1000", landmarking)->Iterations(1);
ML_GROUP_BENCH(fashion, "fashion-1000", model_based)->Iterations(1);

void BM_MetaFeatures_AutoSklearn(benchmark::State& state, const std::string& name) {
    mf::ExtractOptions o;
    o.feature_set = mf::FeatureSet::autosklearn;
    run(state, dataset(name), o);
}
BENCHMARK_CAPTURE(BM_MetaFeatures_AutoSklearn, iris, std::string("iris"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MetaFeatures_AutoSklearn, digits, std::string("digits"))->Unit(benchmark::kMillisecond);

/// Synthetic Gaussian classification data: n rows, p numeric columns, 3 classes with shifted means.
data::Dataset synthetic(Index n, Index p) {
    Rng rng(derive_seed(11, {static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(p)}));
    Matrix X(n, p);
    Vector y(n);
    for (Index i = 0; i < n; ++i) {
        y[i] = static_cast<double>(i % 3);
        for (Index j = 0; j < p; ++j) X(i, j) = rng.normal() + (j % 3 == i % 3 ? 1.0 : 0.0);
    }
    std::vector<data::FeatureInfo> f;
    for (Index j = 0; j < p; ++j) f.push_back(data::FeatureInfo::numeric(fmt::format("x{}", j)));
    return data::Dataset("synthetic", X, y, f, data::TaskType::classification, {"a", "b", "c"});
}

void BM_MetaFeatures_Rows(benchmark::State& state) {
    const auto d = synthetic(state.range(0), 20);
    run(state, &d, mf::ExtractOptions{});
    state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_MetaFeatures_Rows)->RangeMultiplier(2)->Range(250, 8000)->Unit(benchmark::kMillisecond)
    ->Complexity();

void BM_MetaFeatures_Cols(benchmark::State& state) {
    const auto d = synthetic(1000, state.range(0));
    run(state, &d, mf::ExtractOptions{});
    state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_MetaFeatures_Cols)->RangeMultiplier(2)->Range(10, 640)->Unit(benchmark::kMillisecond)->Complexity();

}  // namespace
