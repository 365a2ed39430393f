#pragma once
/// @file autosklearn.hpp
/// @brief The meta-features of auto-sklearn's meta-data (Feurer et al., "Efficient and Robust
/// Automated Machine Learning", NeurIPS 2015; `autosklearn/metalearning/metafeatures/
/// metafeatures.py`), under their names and conventions.
///
/// The 46 values, in auto-sklearn's order: NumberOfInstances, LogNumberOfInstances,
/// NumberOfClasses, NumberOfFeatures, LogNumberOfFeatures, NumberOfInstancesWithMissingValues,
/// PercentageOfInstancesWithMissingValues, NumberOfFeaturesWithMissingValues,
/// PercentageOfFeaturesWithMissingValues, NumberOfMissingValues, PercentageOfMissingValues,
/// NumberOfNumericFeatures, NumberOfCategoricalFeatures, RatioNumericalToNominal,
/// RatioNominalToNumerical, DatasetRatio, LogDatasetRatio, InverseDatasetRatio,
/// LogInverseDatasetRatio, ClassProbability{Min,Max,Mean,STD}, Symbols{Min,Max,Mean,STD,Sum},
/// Kurtosis{Min,Max,Mean,STD}, Skewness{Min,Max,Mean,STD}, ClassEntropy, LandmarkLDA,
/// LandmarkNaiveBayes, LandmarkDecisionTree, LandmarkDecisionNodeLearner,
/// LandmarkRandomNodeLearner, Landmark1NN, PCAFractionOfComponentsFor95PercentVariance,
/// PCAKurtosisFirstPC, PCASkewnessFirstPC.
///
/// Conventions (auto-sklearn's):
/// - logarithms are natural (`np.log`), except ClassEntropy (bits); counts and ratios use the raw
///   attributes (p columns), missing values counted as NaN cells; Ratio* are 0 when the
///   denominator count is 0;
/// - class probabilities over the classes present; STD is the population sd (ddof = 0);
/// - Symbols: distinct non-missing values of each nominal attribute; Min/Mean/STD over the
///   attributes with ≥ 1 symbol, all 0 without nominal attributes;
/// - Skewness/Kurtosis, landmarks and PCA use the preprocessed matrix: missing values imputed
///   (median / most frequent; auto-sklearn imputes numeric columns with the mean), nominal
///   attributes one-hot encoded (capped at `ExtractOptions::max_categories` columns each, the
///   rarest categories folded into one), numeric ones standardised, constant columns dropped, rows shuffled
///   with the seed. Skewness/kurtosis are scipy's biased defaults (Fisher kurtosis); Min/Max/Mean/
///   STD ignore NaN and are 0 when undefined;
/// - landmarks: mean accuracy over 5 folds, on at most `ExtractOptions::landmarking_max_rows`
///   rows (a seeded stratified subsample of larger tables). auto-sklearn intends stratified 5-fold (its
///   `type(y) in ("binary", "multiclass")` test is always false, so it actually uses plain
///   5-fold on the shuffled rows); we use stratified 5-fold (`data::stratified_k_fold`, seeded).
///   DecisionTree: full CART (Gini); DecisionNodeLearner: depth 1, entropy; RandomNodeLearner:
///   depth 1, entropy, one random feature per split; 1NN: k = 1; LDA failing → NaN;
/// - PCA on the preprocessed matrix: fraction of components (over the number of columns) needed
///   to reach 95 % of the variance; skewness/kurtosis of the projection on the first component,
///   its sign fixed as scikit-learn's `svd_flip` (largest |score| positive).
/// Class-based values are NaN for regression tasks, as are values undefined for the data (e.g.
/// the logarithm of 0 features).

#include "metalearn/core/numeric.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/data/preprocess.hpp"
#include "metalearn/data/split.hpp"
#include "metalearn/data/subsample.hpp"
#include "metalearn/metafeatures/detail/context.hpp"
#include "metalearn/metafeatures/landmarking.hpp"
#include "metalearn/metafeatures/options.hpp"
#include "metalearn/models/decision_tree.hpp"
#include "metalearn/models/knn.hpp"
#include "metalearn/models/lda.hpp"
#include "metalearn/models/naive_bayes.hpp"

#include <cmath>
#include <set>
#include <string>
#include <vector>

namespace metalearn::metafeatures {

// autosklearn_feature_names(), the set's names, is in options.hpp (included above).

namespace detail {

inline double finite_or(double v, double fallback) { return std::isfinite(v) ? v : fallback; }
inline double log_or_nan(double v) { return v > 0 ? std::log(v) : nan; }

/// nan-ignoring min/max/mean/std(ddof 0) of a list, auto-sklearn style (0 when undefined).
inline std::array<double, 4> nan_stats(const std::vector<double>& v) {
    std::vector<double> f;
    for (double x : v)
        if (!std::isnan(x)) f.push_back(x);
    if (f.empty()) return {0.0, 0.0, 0.0, 0.0};
    const double mn = *std::min_element(f.begin(), f.end());
    const double mx = *std::max_element(f.begin(), f.end());
    const double m = mean(f);
    double s = 0.0;
    for (double x : f) s += (x - m) * (x - m);
    const double sd = std::sqrt(s / static_cast<double>(f.size()));
    return {finite_or(mn, 0.0), finite_or(mx, 0.0), finite_or(m, 0.0), finite_or(sd, 0.0)};
}

/// Compute the auto-sklearn set into `out` (one time budget for the whole set).
inline void autosklearn_set(Context& ctx, Sink& out, Index landmark_max_rows = 0) {
    const auto& d = ctx.dataset();
    const bool clf = ctx.classification();
    const auto n = static_cast<double>(ctx.n());
    const auto p = static_cast<double>(ctx.p());
    const auto n_cat = static_cast<double>(d.n_nominal());
    const double n_num = p - n_cat;
    const Matrix& raw = d.X();

    double rows_missing = 0, cols_missing = 0;
    const auto cells_missing = static_cast<double>(d.n_missing());
    for (Index i = 0; i < raw.rows(); ++i) rows_missing += raw.row(i).array().isNaN().any() ? 1 : 0;
    for (Index j = 0; j < raw.cols(); ++j) cols_missing += raw.col(j).array().isNaN().any() ? 1 : 0;

    // Preprocessed, shuffled matrix for the "numpy" features.
    std::optional<Matrix> Xt;
    std::optional<Vector> yt;
    const auto prep = [&]() -> const Matrix& {
        if (!Xt) {
            data::Preprocessor pp({.max_categories = ctx.max_categories()});
            const Matrix full = pp.fit_transform(d);
            std::vector<Index> keep;
            for (Index j = 0; j < full.cols(); ++j) {
                const auto c = full.col(j);
                if (!is_constant_range(c.minCoeff(), c.maxCoeff())) keep.push_back(j);
            }
            Rng rng(derive_seed(ctx.seed(), {0x5A0FULL}));
            const auto perm = rng.permutation(ctx.n());
            std::vector<Index> rows(perm.begin(), perm.end());
            Xt = take(full, rows, keep);
            if (keep.empty()) Xt = Matrix(ctx.n(), 0);
            yt = take(d.y(), rows);
        }
        return *Xt;
    };

    out.single("NumberOfInstances", [&] { return n; });
    out.single("LogNumberOfInstances", [&] { return std::log(n); });
    out.single("NumberOfClasses", [&] { return clf ? static_cast<double>(ctx.n_present_classes()) : nan; });
    out.single("NumberOfFeatures", [&] { return p; });
    out.single("LogNumberOfFeatures", [&] { return log_or_nan(p); });
    out.single("NumberOfInstancesWithMissingValues", [&] { return rows_missing; });
    out.single("PercentageOfInstancesWithMissingValues", [&] { return rows_missing / n; });
    out.single("NumberOfFeaturesWithMissingValues", [&] { return cols_missing; });
    out.single("PercentageOfFeaturesWithMissingValues", [&] { return p > 0 ? cols_missing / p : nan; });
    out.single("NumberOfMissingValues", [&] { return cells_missing; });
    out.single("PercentageOfMissingValues", [&] { return p > 0 ? cells_missing / (n * p) : nan; });
    out.single("NumberOfNumericFeatures", [&] { return n_num; });
    out.single("NumberOfCategoricalFeatures", [&] { return n_cat; });
    out.single("RatioNumericalToNominal", [&] { return n_cat == 0 ? 0.0 : n_num / n_cat; });
    out.single("RatioNominalToNumerical", [&] { return n_num == 0 ? 0.0 : n_cat / n_num; });
    out.single("DatasetRatio", [&] { return p / n; });
    out.single("LogDatasetRatio", [&] { return log_or_nan(p / n); });
    out.single("InverseDatasetRatio", [&] { return p > 0 ? n / p : nan; });
    out.single("LogInverseDatasetRatio", [&] { return p > 0 ? std::log(n / p) : nan; });

    std::vector<double> probs;
    for (double c : ctx.class_counts())
        if (c > 0) probs.push_back(c / n);
    const auto cp = nan_stats(probs);
    out.single("ClassProbabilityMin", [&] { return clf ? cp[0] : nan; });
    out.single("ClassProbabilityMax", [&] { return clf ? cp[1] : nan; });
    out.single("ClassProbabilityMean", [&] { return clf ? cp[2] : nan; });
    out.single("ClassProbabilitySTD", [&] { return clf ? cp[3] : nan; });

    std::vector<double> symbols;
    for (Index j = 0; j < raw.cols(); ++j) {
        if (!d.feature(j).is_nominal()) continue;
        std::set<double> s;
        for (Index i = 0; i < raw.rows(); ++i)
            if (!std::isnan(raw(i, j))) s.insert(raw(i, j));
        if (!s.empty()) symbols.push_back(static_cast<double>(s.size()));
    }
    const auto sy = nan_stats(symbols);
    double sym_sum = 0;
    for (double s : symbols) sym_sum += s;
    out.single("SymbolsMin", [&] { return sy[0]; });
    out.single("SymbolsMax", [&] { return sy[1]; });
    out.single("SymbolsMean", [&] { return sy[2]; });
    out.single("SymbolsSTD", [&] { return sy[3]; });
    out.single("SymbolsSum", [&] { return sym_sum; });

    std::optional<std::array<double, 4>> ku, sk;
    const auto moments = [&](bool kurt) -> const std::array<double, 4>& {
        auto& slot = kurt ? ku : sk;
        if (!slot) {
            const Matrix& X = prep();
            std::vector<double> v;
            for (Index j = 0; j < X.cols(); ++j) {
                const auto c = X.col(j);
                std::vector<double> col(c.data(), c.data() + c.size());
                v.push_back(kurt ? kurtosis(col, false) : skewness(col, false));
            }
            slot = nan_stats(v);
        }
        return *slot;
    };
    out.single("KurtosisMin", [&] { return moments(true)[0]; });
    out.single("KurtosisMax", [&] { return moments(true)[1]; });
    out.single("KurtosisMean", [&] { return moments(true)[2]; });
    out.single("KurtosisSTD", [&] { return moments(true)[3]; });
    out.single("SkewnessMin", [&] { return moments(false)[0]; });
    out.single("SkewnessMax", [&] { return moments(false)[1]; });
    out.single("SkewnessMean", [&] { return moments(false)[2]; });
    out.single("SkewnessSTD", [&] { return moments(false)[3]; });
    out.single("ClassEntropy", [&] { return clf ? entropy_from_counts(ctx.class_counts()) : nan; });

    // Landmarks: mean accuracy over stratified 5-fold CV on the preprocessed, shuffled rows.
    const Index K = d.n_classes();
    // The rows the landmarks see: all, or (more than landmark_max_rows) a seeded stratified
    // subsample of the shuffled rows, kept in their shuffled order.
    std::optional<Matrix> X_sub;
    std::optional<Vector> y_sub;
    const auto landmark_rows = [&]() -> std::pair<const Matrix*, const Vector*> {
        const Matrix& X = prep();
        if (landmark_max_rows <= 0 || X.rows() <= landmark_max_rows) return {&X, &*yt};
        if (!X_sub) {
            const auto rows = data::subsample_rows(yt->cast<Index>(), K, landmark_max_rows, derive_seed(ctx.seed(), {0x5AB5ULL}));
            X_sub = take(X, rows);
            y_sub = take(*yt, rows);
        }
        return {&*X_sub, &*y_sub};
    };
    const auto landmark = [&](auto&& fit_score) -> double {
        if (!clf || prep().cols() == 0 || ctx.n() < 2) return nan;
        const auto [Xp, yp] = landmark_rows();
        const Matrix& X = *Xp;
        const Vector& y = *yp;
        const IndexVector labels = y.cast<Index>();
        const auto folds = data::stratified_k_fold(labels, K, std::min<Index>(5, X.rows()),
                                                   derive_seed(ctx.seed(), {0xA5F0ULL}), [](const std::string&) {});
        double acc = 0.0;
        for (std::size_t f = 0; f < folds.size(); ++f) {
            ctx.budget().check("an auto-sklearn landmark");
            const Matrix Xtr = take(X, folds[f].train), Xte = take(X, folds[f].test);
            const Vector ytr = take(y, folds[f].train), yte = take(y, folds[f].test);
            acc += fit_score(f, Xtr, ytr, Xte, yte);
        }
        return acc / static_cast<double>(folds.size());
    };
    const auto guarded = [&](auto&& fit_score) {
        try {
            return landmark(fit_score);
        } catch (const Interrupted&) {
            throw;
        } catch (const Error&) {
            return nan;
        }
    };
    out.single("LandmarkLDA", [&] {
        return guarded([&](std::size_t, const Matrix& a, const Vector& b, const Matrix& c, const Vector& e) {
            ctx.budget().afford(lda_flops(a.rows(), a.cols()), "the LDA fit");
            models::LinearDiscriminantAnalysis m;
            m.fit(a, b, K);
            return accuracy(m, c, e);
        });
    });
    out.single("LandmarkNaiveBayes", [&] {
        return guarded([&](std::size_t, const Matrix& a, const Vector& b, const Matrix& c, const Vector& e) {
            models::GaussianNaiveBayes m;
            m.fit(a, b, K);
            return accuracy(m, c, e);
        });
    });
    const auto tree = [&](models::DecisionTreeClassifier::params_type prm, std::uint64_t tag) {
        return guarded([&](std::size_t f, const Matrix& a, const Vector& b, const Matrix& c, const Vector& e) {
            if (prm.max_features < 1.0) prm.max_features = 1.0 / static_cast<double>(a.cols());
            models::DecisionTreeClassifier m(prm);
            m.set_seed(derive_seed(ctx.seed(), {tag, f}));
            m.set_stop(ctx.budget().stop());
            m.fit(a, b, K);
            return accuracy(m, c, e);
        });
    };
    out.single("LandmarkDecisionTree", [&] { return tree({}, 0xD7ULL); });
    out.single("LandmarkDecisionNodeLearner",
               [&] { return tree({.criterion = models::Criterion::entropy, .max_depth = 1}, 0xD1ULL); });
    out.single("LandmarkRandomNodeLearner", [&] {
        return tree({.criterion = models::Criterion::entropy, .max_depth = 1, .max_features = 0.5}, 0xD2ULL);
    });
    out.single("Landmark1NN", [&] {
        return guarded([&](std::size_t, const Matrix& a, const Vector& b, const Matrix& c, const Vector& e) {
            models::KNeighborsClassifier m({.n_neighbors = 1});
            m.fit(a, b, K);
            return chunked_accuracy(m, c, e, ctx.budget(), 3.0 * static_cast<double>(a.rows() * a.cols()),
                                    "1-NN prediction");
        });
    });

    // PCA of the preprocessed matrix.
    struct Pca {
        double fraction = nan, kurt = nan, skew = nan;
    };
    std::optional<Pca> pca;
    const auto get_pca = [&]() -> const Pca& {
        if (!pca) {
            const Matrix& X = prep();
            if (X.cols() > 0 && X.rows() >= 2)
                ctx.budget().afford(static_cast<double>(X.rows()) * static_cast<double>(X.cols() * X.cols()) +
                                        eigen_flops(X.cols(), true),
                                    "the PCA");
            pca.emplace();
            if (X.cols() > 0 && X.rows() >= 2) {
                const Matrix Xc = X.rowwise() - X.colwise().mean();
                Matrix S = Matrix::Zero(X.cols(), X.cols());
                S.selfadjointView<Eigen::Lower>().rankUpdate(Xc.transpose());
                S = S.selfadjointView<Eigen::Lower>();
                Eigen::SelfAdjointEigenSolver<Matrix> es(S);
                if (es.info() == Eigen::Success) {
                    const Vector ev = es.eigenvalues().reverse().cwiseMax(0.0);
                    const double total = ev.sum();
                    if (total > 0) {
                        double sum = 0.0;
                        Index idx = 0;
                        while (sum < 0.95 && idx < ev.size()) sum += ev[idx++] / total;
                        pca->fraction = static_cast<double>(idx) / static_cast<double>(X.cols());
                        Vector t = Xc * es.eigenvectors().col(ev.size() - 1);
                        Index imax = 0;
                        t.cwiseAbs().maxCoeff(&imax);
                        if (t[imax] < 0) t = -t;
                        std::vector<double> tv(t.data(), t.data() + t.size());
                        pca->kurt = kurtosis(tv, false);
                        pca->skew = skewness(tv, false);
                    }
                }
            }
        }
        return *pca;
    };
    out.single("PCAFractionOfComponentsFor95PercentVariance", [&] { return get_pca().fraction; });
    out.single("PCAKurtosisFirstPC", [&] { return get_pca().kurt; });
    out.single("PCASkewnessFirstPC", [&] { return get_pca().skew; });
}

}  // namespace detail
}  // namespace metalearn::metafeatures
