// Ensembles on real datasets: the best single model (chosen by cross-validation) against model
// averaging, weighted averaging (inverse loss, softmax, NNLS stacking, loss-optimal simplex
// weights) and ensemble selection (plain and bagged), by nested cross-validation.
//
//   ensembles                                   # default datasets under ./data
//   ensembles --data path/to/data --datasets weka/iris.arff sklearn/wine_data.csv
//   ensembles --outer 5 --inner 5 --metric accuracy --seed 3
//   ensembles --regression weka/cpu.arff        # regression table (RMSE) on other files
//
// Protocol (printed with the table): for each outer fold, a library of heterogeneous candidates
// is cross-validated on the outer training rows only (inner folds); every method fits its
// weights on those inner out-of-fold predictions; the candidates are refitted on the outer
// training rows and the weighted ensemble is scored on the outer test rows, which neither the
// members nor the weights have seen. Scores are averaged over the outer folds.

#include "seed_option.hpp"

#include <metalearn/data.hpp>
#include <metalearn/ensemble.hpp>
#include <metalearn/ensemble/evaluate.hpp>
#include <metalearn/hpo/metrics.hpp>
#include <metalearn/models/decision_tree.hpp>
#include <metalearn/models/knn.hpp>
#include <metalearn/models/lda.hpp>
#include <metalearn/models/logistic_regression.hpp>
#include <metalearn/models/naive_bayes.hpp>
#include <metalearn/models/random_forest.hpp>
#include <metalearn/models/ridge.hpp>

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

// A small, diverse library: neighbours at three scales, naive Bayes, LDA, logistic regression
// (weak and strong regularisation), shallow and deep trees, a random forest.
std::vector<en::AnyModel> classifier_library() {
    using mm::Criterion;
    using mm::KnnWeights;
    std::vector<en::AnyModel> c;
    c.emplace_back(mm::KNeighborsClassifier({.n_neighbors = 1}));
    c.emplace_back(mm::KNeighborsClassifier({.n_neighbors = 7}));
    c.emplace_back(mm::KNeighborsClassifier({.n_neighbors = 25, .weights = KnnWeights::distance}));
    c.emplace_back(mm::GaussianNaiveBayes());
    c.emplace_back(mm::LinearDiscriminantAnalysis({.shrinkage = 0.5}));
    c.emplace_back(mm::LogisticRegression({.C = 1.0}));
    c.emplace_back(mm::LogisticRegression({.C = 0.01}));
    c.emplace_back(mm::DecisionTreeClassifier({.max_depth = 3}));
    c.emplace_back(mm::DecisionTreeClassifier({.criterion = Criterion::entropy, .min_samples_leaf = 5}));
    c.emplace_back(mm::RandomForestClassifier({.n_estimators = 100}));
    return c;
}

// The same spirit for regression: ridge at two strengths, neighbours, a tree, a forest.
std::vector<en::AnyModel> regressor_library() {
    std::vector<en::AnyModel> c;
    c.emplace_back(mm::Ridge({.alpha = 1.0}));
    c.emplace_back(mm::Ridge({.alpha = 100.0}));
    c.emplace_back(mm::KNeighborsRegressor({.n_neighbors = 5}));
    c.emplace_back(mm::KNeighborsRegressor({.n_neighbors = 15, .weights = mm::KnnWeights::distance}));
    c.emplace_back(mm::DecisionTreeRegressor({.max_depth = 5}));
    c.emplace_back(mm::RandomForestRegressor({.n_estimators = 100, .max_features = 0.5}));
    return c;
}

struct Settings {
    std::string data_dir;
    int outer = 5;
    int inner = 5;
    std::uint64_t seed = 1;
    en::BuildOptions options;
};

// One table: a row per dataset, a column per method, then the mean and win counts.
void run_table(const std::vector<std::string>& datasets, const std::vector<en::AnyModel>& candidates,
               ml::hpo::Metric metric, bool classification, const Settings& s) {
    const bool higher = ml::hpo::higher_is_better(metric);
    const std::vector<en::EnsembleMethod> methods(en::all_methods.begin(), en::all_methods.end());
    const std::vector<std::string> short_names{"best", "uniform", "inv_loss", "softmax", "nnls",
                                               "simplex", "ens_sel", "bagged_es"};
    fmt::print("Candidates:");
    for (const auto& c : candidates) fmt::print(" {};", c.describe());
    const en::Loss loss = s.options.weights.loss == en::Loss::automatic ? en::loss_for_metric(metric) : s.options.weights.loss;
    fmt::print("\nMetric: {} ({} is better); weights fitted on loss {}.\n\n", ml::hpo::to_string(metric),
               higher ? "higher" : "lower", en::loss_name(loss));
    fmt::print("{:<22} {:>5} {:>3}", "dataset", "n", "K");
    for (const auto& name : short_names) fmt::print(" {:>13}", name);
    fmt::print(" {:>7} {:>6}\n", "oracle", "sec");

    std::vector<Eigen::VectorXd> means;
    for (const auto& rel : datasets) {
        const std::filesystem::path path = std::filesystem::path(s.data_dir) / rel;
        ml::data::Dataset d;
        try {
            d = ml::data::read_dataset(path);
        } catch (const ml::Error& e) {
            fmt::print("{:<22} skipped: {}\n", rel, e.what());
            continue;
        }
        if (d.is_classification() != classification) {
            fmt::print("{:<22} skipped: not a {} task\n", rel, classification ? "classification" : "regression");
            continue;
        }
        const auto t0 = std::chrono::steady_clock::now();
        const auto folds = ml::data::make_folds(d, s.outer, ml::derive_seed(s.seed, {0xA11CE}), s.options.cv.on_small_class);
        const en::MethodComparison cmp = en::compare_methods(candidates, d, folds, s.inner, metric, s.seed, methods, s.options);
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
        for (Eigen::Index j = 0; j < mean.size(); ++j) {
            if (classification) fmt::print(" {:>6.4f}±{:.3f}", mean[j], se(j));
            else fmt::print(" {:>13}", fmt::format("{:.4g}±{:.2g}", mean[j], se(j)));
        }
        fmt::print(" {:>7.4g} {:>6.1f}\n", cmp.oracle_single.mean(), seconds);
        std::fflush(stdout);
    }
    if (means.empty()) {
        fmt::print("no dataset could be read from '{}' (run scripts/get-datasets)\n", s.data_dir);
        return;
    }
    // Summary: mean score, wins/ties/losses against the best single model by dataset mean.
    fmt::print("\n{:<32}", "mean over datasets");
    for (std::size_t j = 0; j < methods.size(); ++j) {
        double sum = 0;
        for (const auto& m : means) sum += m[static_cast<Eigen::Index>(j)];
        fmt::print(" {:>13.4f}", sum / static_cast<double>(means.size()));
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
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Ensembles on real datasets: best single model vs averaging, weighting and ensemble selection"};
    Settings s;
    s.data_dir = "data";
    std::vector<std::string> datasets{"weka/iris.arff",        "weka/diabetes.arff",     "weka/ionosphere.arff",
                                      "weka/glass.arff",       "weka/breast-cancer.arff", "weka/vote.arff",
                                      "weka/credit-g.arff",    "weka/segment-challenge.arff",
                                      "sklearn/wine_data.csv", "sklearn/breast_cancer.csv"};
    std::vector<std::string> regression{"weka/cpu.arff", "sklearn/boston_house_prices.csv"};
    std::string metric_name = "balanced_accuracy";
    std::string regression_metric_name = "rmse";
    int ensemble_size = 50;
    std::string weight_loss = "metric";
    app.add_option("--data", s.data_dir, "folder filled by scripts/get-datasets");
    app.add_option("--datasets", datasets, "classification dataset files relative to --data");
    app.add_option("--regression", regression, "regression dataset files relative to --data (none: skip)");
    app.add_option("--outer", s.outer, "outer folds (scoring)")->check(CLI::Range(2, 20));
    app.add_option("--inner", s.inner, "inner folds (out-of-fold predictions for the weights)")->check(CLI::Range(2, 20));
    app.add_option("--seed", s.seed, "base seed")->check(non_negative_seed());
    app.add_option("--metric", metric_name, "classification metric: accuracy, balanced_accuracy, log_loss, roc_auc");
    app.add_option("--regression-metric", regression_metric_name, "regression metric: rmse, mae, r2");
    app.add_option("--ensemble-size", ensemble_size, "steps of ensemble selection")->check(CLI::Range(1, 1000));
    app.add_option("--weight-loss", weight_loss,
                   "loss the classification weights are fitted on: metric (the metric's own loss), log_loss, brier")
        ->check(CLI::IsMember({"metric", "log_loss", "brier"}));
    CLI11_PARSE(app, argc, argv);

    try {
        const ml::hpo::Metric metric = ml::hpo::metric_from_string(metric_name);
        const ml::hpo::Metric regression_metric = ml::hpo::metric_from_string(regression_metric_name);
        if (!ml::hpo::is_classification_metric(metric) || ml::hpo::is_classification_metric(regression_metric))
            throw ml::ConfigError("ensembles: --metric must be a classification metric, --regression-metric a regression one");
        s.options.weights.selection.ensemble_size = ensemble_size;
        s.options.weights.selection.n_bags = 20;
        s.options.weights.selection.seed = s.seed;
        s.options.cv.on_small_class = [](const std::string&) {};
        std::vector<std::string> failures;
        s.options.on_failure = [&](const std::string& m) { failures.push_back(m); };

        fmt::print("Protocol: {}-fold outer cross-validation (stratified for classification, seed {}). In each\n"
                   "outer fold the candidates are cross-validated on the outer training rows only ({} inner folds);\n"
                   "each method fits its weights on those inner out-of-fold predictions; the candidates are\n"
                   "refitted on the outer training rows and the weighted average of their class probabilities\n"
                   "(or values) is scored on the outer test rows, which neither the members nor the weights have\n"
                   "seen. Columns: best = the single candidate with the best inner CV score (the baseline);\n"
                   "uniform = plain model averaging; inv_loss = w ~ 1/loss; softmax = w ~ exp(-loss/0.01);\n"
                   "nnls = non-negative least squares stacking, normalised; simplex = log-loss (or squared\n"
                   "error) optimal weights on the simplex; ens_sel = greedy ensemble selection with\n"
                   "replacement ({} steps); bagged_es = the same over 20 bags of half the library;\n"
                   "oracle = best single candidate picked on the test fold itself (not attainable, reference).\n"
                   "Mean over outer folds; ± = standard error of that mean.\n\n",
                   s.outer, s.seed, s.inner, ensemble_size);
        Settings cls = s;
        if (weight_loss == "log_loss") cls.options.weights.loss = en::Loss::log_loss;
        if (weight_loss == "brier") cls.options.weights.loss = en::Loss::brier;
        run_table(datasets, classifier_library(), metric, true, cls);
        if (!regression.empty()) {
            fmt::print("\n");
            run_table(regression, regressor_library(), regression_metric, false, s);
        }
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
