// Speed of the base models: fit + predict on real datasets (Google Benchmark).
//
// Fixed datasets (impute + one-hot + standardise fitted on the training rows; rows i % 3 == 0
// held out): digits (1797×64, 10 classes), credit-g (1000×20 → 61 one-hot columns), segment
// (segment-challenge, 1500×19, 7 classes); 1028_SWD (1000×10, regression) for the regressors.
// Size sweeps (SetComplexityN = training rows) on Fashion-MNIST training images, every 8th pixel
// (98 features), standardised: n = 1000 … 10000 training rows, n/2 query rows.
// Side-by-side numbers against scikit-learn: benchmarks/compare_sklearn.py.
#include <metalearn/data/idx.hpp>
#include <metalearn/data/preprocess.hpp>
#include <metalearn/data/read.hpp>
#include <metalearn/models.hpp>

#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

namespace {

using namespace metalearn;

struct Prepared {
    std::string name;
    Index n_classes = 0;
    Matrix Xtr, Xte;
    Vector ytr, yte;
};

Prepared prepare(const std::string& name, const std::filesystem::path& path) {
    const data::Dataset d = data::read_dataset(path);
    std::vector<Index> tr;
    std::vector<Index> te;
    for (Index i = 0; i < d.n_samples(); ++i) (i % 3 == 0 ? te : tr).push_back(i);
    data::Preprocessor pre;
    const Matrix raw = d.X()(tr, Eigen::all);
    pre.fit(raw, d.features());
    return {name, d.n_classes(), pre.transform(raw), pre.transform(d.X()(te, Eigen::all)), d.y()(tr), d.y()(te)};
}

const std::vector<Prepared>& classification_sets() {
    static const std::vector<Prepared> sets = [] {
        const std::filesystem::path dir(METALEARN_DATA_DIR);
        return std::vector<Prepared>{prepare("digits", dir / "sklearn/digits.csv.gz"),
                                     prepare("credit-g", dir / "weka/credit-g.arff"),
                                     prepare("segment", dir / "weka/segment-challenge.arff")};
    }();
    return sets;
}

const Prepared& regression_set() {
    static const Prepared set =
        prepare("1028_SWD", std::filesystem::path(METALEARN_PMLB_DIR) / "1028_SWD/1028_SWD.tsv.gz");
    return set;
}

// Fashion-MNIST training images: first 15000 rows, every 8th pixel, standardised.
const Prepared& fashion() {
    static const Prepared set = [] {
        const std::filesystem::path dir = std::filesystem::path(METALEARN_DATA_DIR) / "fashion-mnist";
        const Matrix img = data::read_idx_images(dir / "train-images-idx3-ubyte.gz", 15000);
        const IndexVector lab = data::read_idx_labels(dir / "train-labels-idx1-ubyte.gz", 15000);
        Matrix X(img.rows(), 98);
        for (Index j = 0; j < 98; ++j) X.col(j) = img.col(8 * j);
        data::StandardScaler sc;
        sc.fit(X);
        Prepared p;
        p.name = "fashion-mnist";
        p.n_classes = 10;
        p.Xtr = sc.transform(X.topRows(10000));
        p.Xte = sc.transform(X.bottomRows(5000));
        p.ytr = lab.head(10000).cast<double>();
        p.yte = lab.tail(5000).cast<double>();
        return p;
    }();
    return set;
}

template <class Model>
void fit_predict(benchmark::State& state, const Prepared& d, Index n_train, Index n_test, Model proto) {
    const Matrix Xtr = d.Xtr.topRows(n_train);
    const Vector ytr = d.ytr.head(n_train);
    const Matrix Xte = d.Xte.topRows(n_test);
    for (auto _ : state) {
        Model m = proto;
        if constexpr (models::Classifier<Model>)
            m.fit(Xtr, ytr, d.n_classes);
        else
            m.fit(Xtr, ytr);
        const Vector pred = m.predict(Xte);
        benchmark::DoNotOptimize(pred.data());
    }
    state.SetLabel(d.name);
    state.SetItemsProcessed(state.iterations() * n_train);
}

template <class Model>
void on_dataset(benchmark::State& state, Model proto) {
    const auto& d = classification_sets()[static_cast<std::size_t>(state.range(0))];
    fit_predict(state, d, d.Xtr.rows(), d.Xte.rows(), proto);
}

template <class Model>
void on_regression(benchmark::State& state, Model proto) {
    const Prepared* d = nullptr;
    try {
        d = &regression_set();
    } catch (const std::exception& e) {  // the PMLB folder (METALEARN_PMLB_DIR) is not there
        state.SkipWithError(e.what());
        return;
    }
    fit_predict(state, *d, d->Xtr.rows(), d->Xte.rows(), proto);
}

template <class Model>
void sweep(benchmark::State& state, Model proto) {
    const Index n = state.range(0);
    fit_predict(state, fashion(), n, n / 2, proto);
    state.SetComplexityN(n);
}

void BM_GaussianNaiveBayes_FitPredict(benchmark::State& s) { on_dataset(s, models::GaussianNaiveBayes{}); }
void BM_LinearDiscriminantAnalysis_FitPredict(benchmark::State& s) { on_dataset(s, models::LinearDiscriminantAnalysis{}); }
void BM_LogisticRegression_FitPredict(benchmark::State& s) { on_dataset(s, models::LogisticRegression{}); }
void BM_KNeighborsClassifier_FitPredict(benchmark::State& s) { on_dataset(s, models::KNeighborsClassifier{}); }
void BM_DecisionTreeClassifier_FitPredict(benchmark::State& s) { on_dataset(s, models::DecisionTreeClassifier{}); }
void BM_RandomForestClassifier_FitPredict(benchmark::State& s) { on_dataset(s, models::RandomForestClassifier{}); }
void BM_RandomForestClassifier2Threads_FitPredict(benchmark::State& s) {
    on_dataset(s, models::RandomForestClassifier({.n_threads = 2}));
}
void BM_Ridge_FitPredict(benchmark::State& s) { on_regression(s, models::Ridge{}); }
void BM_KNeighborsRegressor_FitPredict(benchmark::State& s) { on_regression(s, models::KNeighborsRegressor{}); }
void BM_DecisionTreeRegressor_FitPredict(benchmark::State& s) { on_regression(s, models::DecisionTreeRegressor{}); }
void BM_RandomForestRegressor_FitPredict(benchmark::State& s) { on_regression(s, models::RandomForestRegressor{}); }

void BM_KNeighborsClassifier_Sweep(benchmark::State& s) { sweep(s, models::KNeighborsClassifier{}); }
void BM_DecisionTreeClassifier_Sweep(benchmark::State& s) { sweep(s, models::DecisionTreeClassifier{}); }
void BM_RandomForestClassifier_Sweep(benchmark::State& s) {
    sweep(s, models::RandomForestClassifier({.n_estimators = 20}));
}
void BM_LogisticRegression_Sweep(benchmark::State& s) { sweep(s, models::LogisticRegression{}); }
void BM_GaussianNaiveBayes_Sweep(benchmark::State& s) { sweep(s, models::GaussianNaiveBayes{}); }

}  // namespace

BENCHMARK(BM_GaussianNaiveBayes_FitPredict)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LinearDiscriminantAnalysis_FitPredict)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LogisticRegression_FitPredict)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KNeighborsClassifier_FitPredict)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DecisionTreeClassifier_FitPredict)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RandomForestClassifier_FitPredict)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RandomForestClassifier2Threads_FitPredict)->DenseRange(0, 2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Ridge_FitPredict)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KNeighborsRegressor_FitPredict)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DecisionTreeRegressor_FitPredict)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RandomForestRegressor_FitPredict)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KNeighborsClassifier_Sweep)->RangeMultiplier(2)->Range(1250, 10000)->Unit(benchmark::kMillisecond)->Complexity(benchmark::oNSquared);
BENCHMARK(BM_DecisionTreeClassifier_Sweep)->RangeMultiplier(2)->Range(1250, 10000)->Unit(benchmark::kMillisecond)->Complexity(benchmark::oNLogN);
BENCHMARK(BM_RandomForestClassifier_Sweep)->RangeMultiplier(2)->Range(1250, 10000)->Unit(benchmark::kMillisecond)->Complexity(benchmark::oNLogN);
BENCHMARK(BM_LogisticRegression_Sweep)->RangeMultiplier(2)->Range(1250, 10000)->Unit(benchmark::kMillisecond)->Complexity(benchmark::oN);
BENCHMARK(BM_GaussianNaiveBayes_Sweep)->RangeMultiplier(2)->Range(1250, 10000)->Unit(benchmark::kMillisecond)->Complexity(benchmark::oN);
