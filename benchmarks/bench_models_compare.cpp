// Side-by-side timing against scikit-learn: fit + predict of every base model on real datasets,
// with the same preprocessing and split that benchmarks/compare_sklearn.py gives scikit-learn.
//
// Datasets (read with data::read_dataset; impute + one-hot + standardise fitted on the training
// rows; rows i % 3 == 0 are the test set): digits, credit-g, segment-challenge, churn, splice
// (classification), 1028_SWD (regression). With METALEARN_COMPARE_DUMP_DIR set, the preprocessed
// train/test matrices are written there as CSV (last column = target) for the Python side.
// Counters: `score` = test accuracy (classification) or R² (regression), n_train, p.
//
// Run through benchmarks/compare_sklearn.py, or alone:
//   bench_models_compare --benchmark_format=json
#include <metalearn/data/preprocess.hpp>
#include <metalearn/data/read.hpp>
#include <metalearn/models.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using namespace metalearn;

struct Prepared {
    std::string name;
    bool classification = true;
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
    const Matrix Xtr_raw = d.X()(tr, Eigen::all);
    pre.fit(Xtr_raw, d.features());
    Prepared p;
    p.name = name;
    p.classification = d.is_classification();
    p.n_classes = d.n_classes();
    p.Xtr = pre.transform(Xtr_raw);
    p.Xte = pre.transform(d.X()(te, Eigen::all));
    p.ytr = d.y()(tr);
    p.yte = d.y()(te);
    return p;
}

void dump(const Prepared& p, const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    auto write = [&](const Matrix& X, const Vector& y, const std::string& part) {
        std::ofstream out(dir / (p.name + "_" + part + ".csv"));
        for (Index i = 0; i < X.rows(); ++i) {
            for (Index j = 0; j < X.cols(); ++j) out << fmt::format("{:.17g},", X(i, j));
            out << fmt::format("{:.17g}\n", y[i]);
        }
    };
    write(p.Xtr, p.ytr, "train");
    write(p.Xte, p.yte, "test");
}

double score(const Prepared& d, const Vector& pred) {
    if (d.classification) return (pred.array() == d.yte.array()).cast<double>().mean();
    return 1.0 - (pred - d.yte).squaredNorm() / (d.yte.array() - d.yte.mean()).square().sum();
}

template <class Model>
void run(benchmark::State& state, const Prepared& d, const Model& proto) {
    double s = 0.0;
    for (auto _ : state) {
        Model m = proto;
        if constexpr (models::Classifier<Model>)
            m.fit(d.Xtr, d.ytr, d.n_classes);
        else
            m.fit(d.Xtr, d.ytr);
        const Vector pred = m.predict(d.Xte);
        benchmark::DoNotOptimize(pred.data());
        s = score(d, pred);
    }
    state.counters["score"] = s;
    state.counters["n_train"] = static_cast<double>(d.Xtr.rows());
    state.counters["p"] = static_cast<double>(d.Xtr.cols());
}

template <class Model>
void add(const std::vector<Prepared>& sets, bool classification, const std::string& model, const Model& proto) {
    for (const auto& d : sets) {
        if (d.classification != classification) continue;
        benchmark::RegisterBenchmark(fmt::format("Compare/{}/{}", model, d.name).c_str(),
                                     [&d, proto](benchmark::State& st) { run(st, d, proto); })
            ->Unit(benchmark::kMillisecond)
            ->MinTime(0.5);
    }
}

const bool registered = [] {
    static std::vector<Prepared> sets;
    const std::filesystem::path data(METALEARN_DATA_DIR);
    const std::filesystem::path pmlb(METALEARN_PMLB_DIR);
    const std::vector<std::pair<std::string, std::filesystem::path>> files = {
        {"digits", data / "sklearn/digits.csv.gz"},
        {"credit-g", data / "weka/credit-g.arff"},
        {"segment", data / "weka/segment-challenge.arff"},
        {"churn", pmlb / "churn/churn.tsv.gz"},
        {"splice", pmlb / "splice/splice.tsv.gz"},
        {"1028_SWD", pmlb / "1028_SWD/1028_SWD.tsv.gz"}};
    for (const auto& [name, path] : files) {
        try {
            sets.push_back(prepare(name, path));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "bench_models_compare: skipping %s: %s\n", name.c_str(), e.what());
        }
    }
    if (const char* dir = std::getenv("METALEARN_COMPARE_DUMP_DIR"))
        for (const auto& d : sets) dump(d, dir);

    add(sets, true, "gaussian_nb", models::GaussianNaiveBayes{});
    add(sets, true, "lda", models::LinearDiscriminantAnalysis{});
    add(sets, true, "logistic_regression", models::LogisticRegression{});
    add(sets, true, "knn_classifier", models::KNeighborsClassifier{});
    add(sets, true, "decision_tree_classifier", models::DecisionTreeClassifier{});
    add(sets, true, "random_forest_classifier", models::RandomForestClassifier{});
    add(sets, false, "ridge", models::Ridge{});
    add(sets, false, "knn_regressor", models::KNeighborsRegressor{});
    add(sets, false, "decision_tree_regressor", models::DecisionTreeRegressor{});
    add(sets, false, "random_forest_regressor", models::RandomForestRegressor{});
    return true;
}();

}  // namespace
