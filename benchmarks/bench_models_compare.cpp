// Side-by-side timing against scikit-learn: fit + predict of every base model on real datasets,
// with the same preprocessing and split that benchmarks/compare_sklearn.py gives scikit-learn.
//
// Datasets (read with data::read_dataset; rows i % 3 == 0 are the test set): digits, credit-g,
// segment-challenge, churn, splice, and from pmlb_extra (next to METALEARN_PMLB_DIR) magic
// (19,020 rows) and adult (48,842 rows) (classification), 1028_SWD (regression). Two benchmarks per
// model and dataset:
//   Compare/<model>/<dataset>/fit  fit + predict on the preprocessed matrices (impute + one-hot +
//                                  standardise fitted on the training rows, outside the timing);
//   Compare/<model>/<dataset>/cv   as cross-validation runs it: the preprocessing fitted on the
//                                  raw training rows and applied to both parts, then fit + predict.
// A dataset is read when a benchmark first needs it. With METALEARN_COMPARE_DUMP_DIR set, every
// dataset is read at start-up and written there for the Python side: <name>_{train,test}.csv
// (preprocessed, last column = target), <name>_raw_{train,test}.csv (raw: NaN = missing, nominal
// columns as category codes) and <name>_kinds.txt (one line per raw column: numeric or nominal).
// Time is process CPU time; counters: `score` = test accuracy (classification) or R² (regression),
// n_train, p (preprocessed columns), peak_kb (VmHWM of the process at the end).
//
// Run through benchmarks/compare_sklearn.py, or alone:
//   bench_models_compare --benchmark_format=json --benchmark_min_time=0.5
#include <metalearn/data/preprocess.hpp>
#include <metalearn/data/read.hpp>
#include <metalearn/models.hpp>

#include "peak_rss.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

using namespace metalearn;

struct Prepared {
    std::string name;
    bool classification = true;
    Index n_classes = 0;
    Matrix Xtr, Xte;  // preprocessed
    Vector ytr, yte;
    Matrix Rtr, Rte;  // raw
    std::vector<data::FeatureInfo> features;
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
    p.Rtr = Xtr_raw;
    p.Rte = d.X()(te, Eigen::all);
    p.features = d.features();
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
    write(p.Rtr, p.ytr, "raw_train");
    write(p.Rte, p.yte, "raw_test");
    std::ofstream kinds(dir / (p.name + "_kinds.txt"));
    for (const auto& f : p.features) kinds << (f.is_nominal() ? "nominal\n" : "numeric\n");
}

struct Source {
    std::string name;
    std::filesystem::path path;
    bool classification;
};

const std::vector<Source>& sources() {
    static const std::vector<Source> s = [] {
        const std::filesystem::path data(METALEARN_DATA_DIR);
        const std::filesystem::path pmlb(METALEARN_PMLB_DIR);
        const std::filesystem::path extra = pmlb.parent_path() / "pmlb_extra";
        return std::vector<Source>{{"digits", data / "sklearn/digits.csv.gz", true},
                                   {"credit-g", data / "weka/credit-g.arff", true},
                                   {"segment", data / "weka/segment-challenge.arff", true},
                                   {"churn", pmlb / "churn/churn.tsv.gz", true},
                                   {"splice", pmlb / "splice/splice.tsv.gz", true},
                                   {"1028_SWD", pmlb / "1028_SWD/1028_SWD.tsv.gz", false},
                                   {"magic", extra / "magic/magic.tsv.gz", true},
                                   {"adult", extra / "adult/adult.tsv.gz", true}};
    }();
    return s;
}

/// The prepared dataset of a source, read on first use (throws when it cannot be read).
const Prepared& prepared(const Source& src) {
    static std::map<std::string, Prepared> cache;
    auto it = cache.find(src.name);
    if (it == cache.end()) it = cache.emplace(src.name, prepare(src.name, src.path)).first;
    return it->second;
}

double score(const Prepared& d, const Vector& pred) {
    if (d.classification) return (pred.array() == d.yte.array()).cast<double>().mean();
    return 1.0 - (pred - d.yte).squaredNorm() / (d.yte.array() - d.yte.mean()).square().sum();
}

template <class Model>
void run(benchmark::State& state, const Source& src, const Model& proto, bool with_preprocessing) {
    const Prepared* dp = nullptr;
    try {
        dp = &prepared(src);
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        return;
    }
    const Prepared& d = *dp;
    double s = 0.0;
    for (auto _ : state) {
        Model m = proto;
        Vector pred;
        if (with_preprocessing) {
            data::Preprocessor pre;
            pre.fit(d.Rtr, d.features);
            const Matrix Ztr = pre.transform(d.Rtr);
            const Matrix Zte = pre.transform(d.Rte);
            if constexpr (models::Classifier<Model>)
                m.fit(Ztr, d.ytr, d.n_classes);
            else
                m.fit(Ztr, d.ytr);
            pred = m.predict(Zte);
        } else {
            if constexpr (models::Classifier<Model>)
                m.fit(d.Xtr, d.ytr, d.n_classes);
            else
                m.fit(d.Xtr, d.ytr);
            pred = m.predict(d.Xte);
        }
        benchmark::DoNotOptimize(pred.data());
        s = score(d, pred);
    }
    state.counters["score"] = s;
    state.counters["n_train"] = static_cast<double>(d.Xtr.rows());
    state.counters["p"] = static_cast<double>(d.Xtr.cols());
    state.counters["peak_kb"] = metalearn::bench::peak_rss_kb();
}

template <class Model>
void add(bool classification, const std::string& model, const Model& proto) {
    for (const auto& src : sources()) {
        if (src.classification != classification) continue;
        for (const bool cv : {false, true})
            benchmark::RegisterBenchmark(fmt::format("Compare/{}/{}/{}", model, src.name, cv ? "cv" : "fit").c_str(),
                                         [&src, proto, cv](benchmark::State& st) { run(st, src, proto, cv); })
                ->Unit(benchmark::kMillisecond)
                ->MeasureProcessCPUTime();
    }
}

const bool registered = [] {
    if (const char* dir = std::getenv("METALEARN_COMPARE_DUMP_DIR")) {
        for (const auto& src : sources()) {
            try {
                dump(prepared(src), dir);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "bench_models_compare: skipping %s: %s\n", src.name.c_str(), e.what());
            }
        }
    }
    add(true, "gaussian_nb", models::GaussianNaiveBayes{});
    add(true, "lda", models::LinearDiscriminantAnalysis{});
    add(true, "logistic_regression", models::LogisticRegression{});
    add(true, "knn_classifier", models::KNeighborsClassifier{});
    add(true, "decision_tree_classifier", models::DecisionTreeClassifier{});
    add(true, "random_forest_classifier", models::RandomForestClassifier{});
    add(true, "svc", models::SVC{});
    add(true, "gradient_boosting_classifier", models::GradientBoostingClassifier{});
    add(true, "mlp_classifier", models::MLPClassifier{});
    add(false, "ridge", models::Ridge{});
    add(false, "knn_regressor", models::KNeighborsRegressor{});
    add(false, "decision_tree_regressor", models::DecisionTreeRegressor{});
    add(false, "random_forest_regressor", models::RandomForestRegressor{});
    add(false, "svr", models::SVR{});
    return true;
}();

}  // namespace
