// Ensembles on real datasets: the best single model (chosen by cross-validation) against model
// averaging, weighted averaging (inverse loss, softmax, NNLS stacking, loss-optimal simplex
// weights) and ensemble selection (plain and bagged), by nested cross-validation.
//
//   ensembles                                   # default datasets under ./data
//   ensembles --data path/to/data --datasets weka/iris.arff sklearn/wine_data.csv
//   ensembles --outer 5 --inner 5 --metric accuracy --seed 3
//
// Protocol (printed with the table): for each outer fold, a library of heterogeneous candidates
// is cross-validated on the outer training rows only (inner folds); every method fits its
// weights on those inner out-of-fold predictions; the candidates are refitted on the outer
// training rows and the weighted ensemble is scored on the outer test rows, which neither the
// members nor the weights have seen. Scores are averaged over the outer folds.

#include <metalearn/data.hpp>
#include <metalearn/ensemble.hpp>
#include <metalearn/ensemble/evaluate.hpp>
#include <metalearn/hpo/metrics.hpp>
#include <metalearn/models/decision_tree.hpp>
#include <metalearn/models/knn.hpp>
#include <metalearn/models/lda.hpp>
#include <metalearn/models/naive_bayes.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ml = metalearn;
namespace en = metalearn::ensemble;
namespace mm = metalearn::models;

namespace {

// A small, diverse library: neighbours at three scales, naive Bayes, LDA (plain and shrunk),
// shallow and deep trees.
std::vector<en::AnyModel> candidate_library() {
    using mm::Criterion;
    using mm::KnnWeights;
    std::vector<en::AnyModel> c;
    c.emplace_back(mm::KNeighborsClassifier({.n_neighbors = 1}));
    c.emplace_back(mm::KNeighborsClassifier({.n_neighbors = 7}));
    c.emplace_back(mm::KNeighborsClassifier({.n_neighbors = 25, .weights = KnnWeights::distance}));
    c.emplace_back(mm::GaussianNaiveBayes());
    c.emplace_back(mm::LinearDiscriminantAnalysis());
    c.emplace_back(mm::LinearDiscriminantAnalysis({.shrinkage = 0.5}));
    c.emplace_back(mm::DecisionTreeClassifier({.max_depth = 3}));
    c.emplace_back(mm::DecisionTreeClassifier({.criterion = Criterion::entropy, .min_samples_leaf = 5}));
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Ensembles on real datasets: best single model vs averaging, weighting and ensemble selection"};
    std::string data_dir = "data";
    std::vector<std::string> datasets{"weka/iris.arff",        "weka/diabetes.arff",     "weka/ionosphere.arff",
                                      "weka/glass.arff",       "weka/breast-cancer.arff", "weka/vote.arff",
                                      "weka/credit-g.arff",    "weka/segment-challenge.arff",
                                      "sklearn/wine_data.csv", "sklearn/breast_cancer.csv"};
    int outer = 5;
    int inner = 5;
    std::uint64_t seed = 1;
    std::string metric_name = "balanced_accuracy";
    int ensemble_size = 50;
    app.add_option("--data", data_dir, "folder filled by scripts/get-datasets");
    app.add_option("--datasets", datasets, "dataset files relative to --data");
    app.add_option("--outer", outer, "outer folds (scoring)")->check(CLI::Range(2, 20));
    app.add_option("--inner", inner, "inner folds (out-of-fold predictions for the weights)")->check(CLI::Range(2, 20));
    app.add_option("--seed", seed, "base seed");
    app.add_option("--metric", metric_name, "accuracy, balanced_accuracy or log_loss");
    app.add_option("--ensemble-size", ensemble_size, "steps of ensemble selection")->check(CLI::Range(1, 1000));
    CLI11_PARSE(app, argc, argv);

    try {
        const ml::hpo::Metric metric = ml::hpo::metric_from_string(metric_name);
        if (!ml::hpo::is_classification_metric(metric))
            throw ml::ConfigError("ensembles: the candidates are classifiers (expected a classification metric)");
        const bool higher = ml::hpo::higher_is_better(metric);
        const std::vector<en::EnsembleMethod> methods(en::all_methods.begin(), en::all_methods.end());
        en::BuildOptions options;
        options.weights.selection.ensemble_size = ensemble_size;
        options.weights.selection.n_bags = 20;
        options.weights.selection.seed = seed;
        options.cv.on_small_class = [](const std::string&) {};
        std::vector<std::string> failures;
        options.on_failure = [&](const std::string& m) { failures.push_back(m); };
        const auto candidates = candidate_library();

        fmt::print("Protocol: {}-fold outer cross-validation (stratified, seed {}). In each outer fold, {} candidate\n"
                   "classifiers are cross-validated on the outer training rows only ({} inner folds); each method\n"
                   "fits its weights on those inner out-of-fold predictions (loss: {}); the candidates are\n"
                   "refitted on the outer training rows and the weighted average of their class probabilities is\n"
                   "scored on the outer test rows ({}), never seen by members or weights. 'best' = the single\n"
                   "candidate with the best inner CV score; 'oracle' = the best candidate on the test fold itself\n"
                   "(not attainable, reference only). Mean over outer folds; ± = standard error of the mean.\n\n",
                   outer, seed, candidates.size(), inner, en::loss_name(en::loss_for_metric(metric)), metric_name);
        fmt::print("Candidates:");
        for (const auto& c : candidates) fmt::print(" {};", c.describe());
        fmt::print("\n\n");

        const std::vector<std::string> short_names{"best", "uniform", "inv_loss", "softmax", "nnls",
                                                   "simplex", "ens_sel", "bagged_es"};
        fmt::print("{:<22} {:>5} {:>3}", "dataset", "n", "K");
        for (const auto& s : short_names) fmt::print(" {:>13}", s);
        fmt::print(" {:>7} {:>6}\n", "oracle", "sec");

        std::vector<Eigen::VectorXd> means;
        for (const auto& rel : datasets) {
            const std::filesystem::path path = std::filesystem::path(data_dir) / rel;
            ml::data::Dataset d;
            try {
                d = ml::data::read_dataset(path);
            } catch (const ml::Error& e) {
                fmt::print("{:<22} skipped: {}\n", rel, e.what());
                continue;
            }
            if (!d.is_classification()) {
                fmt::print("{:<22} skipped: not a classification task\n", rel);
                continue;
            }
            const auto t0 = std::chrono::steady_clock::now();
            const auto folds = ml::data::make_folds(d, outer, ml::derive_seed(seed, {0xA11CE}), options.cv.on_small_class);
            const en::MethodComparison cmp = en::compare_methods(candidates, d, folds, inner, metric, seed, methods, options);
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            const Eigen::VectorXd mean = cmp.mean();
            means.push_back(mean);
            const auto se = [&](Eigen::Index j) {
                const Eigen::VectorXd col = cmp.scores.col(j);
                const double m = col.mean();
                return std::sqrt((col.array() - m).square().sum() / static_cast<double>(col.size() - 1) /
                                 static_cast<double>(col.size()));
            };
            std::string name = std::filesystem::path(rel).stem().string();
            if (name.size() > 22) name.resize(22);
            fmt::print("{:<22} {:>5} {:>3}", name, d.n_samples(), d.n_classes());
            for (Eigen::Index j = 0; j < mean.size(); ++j) fmt::print(" {:>6.4f}±{:.3f}", mean[j], se(j));
            fmt::print(" {:>7.4f} {:>6.1f}\n", cmp.oracle_single.mean(), seconds);
            std::fflush(stdout);
        }
        if (means.empty()) {
            fmt::print("no dataset could be read from '{}' (run scripts/get-datasets)\n", data_dir);
            return 1;
        }

        // Summary: mean score, wins/ties/losses against the best single model by dataset mean.
        fmt::print("\n{:<32}", "mean over datasets");
        for (std::size_t j = 0; j < methods.size(); ++j) {
            double s = 0;
            for (const auto& m : means) s += m[static_cast<Eigen::Index>(j)];
            fmt::print(" {:>13.4f}", s / static_cast<double>(means.size()));
        }
        fmt::print("\n{:<32}", "better/tied/worse than best");
        for (std::size_t j = 0; j < methods.size(); ++j) {
            int better = 0, tied = 0, worse = 0;
            for (const auto& m : means) {
                const double diff = (m[static_cast<Eigen::Index>(j)] - m[0]) * (higher ? 1 : -1);
                if (std::abs(diff) < 1e-9) ++tied;
                else if (diff > 0) ++better;
                else ++worse;
            }
            fmt::print(" {:>13}", fmt::format("{}/{}/{}", better, tied, worse));
        }
        fmt::print("\n");
        if (!failures.empty()) {
            fmt::print("\n{} candidate evaluations failed (weight 0 on that fold):\n", failures.size());
            for (const auto& f : failures) fmt::print("  {}\n", f);
        }
    } catch (const ml::Error& e) {
        fmt::print(stderr, "ensembles: {}\n", e.what());
        return 1;
    }
    return 0;
}
