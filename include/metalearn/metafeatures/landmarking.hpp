#pragma once
/// @file landmarking.hpp
/// @brief Landmarking meta-features: accuracy of simple learners under stratified 10-fold CV.
///
/// Each feature is multi-valued: one accuracy per fold (k = min(10, n) folds from
/// `data::stratified_k_fold`, seeded by the options' seed; classes with fewer members than folds
/// are accepted and simply miss some test folds), then summarised. All learners see the numeric
/// view N (numeric attributes plus the "gray"-encoded nominal ones, imputed, not scaled), like pymfe.
/// Definitions (MFE: Rivolli et al. 2022; pymfe `landmarking.py`; Bensusan & Giraud-Carrier 2000;
/// Pfahringer, Bensusan & Giraud-Carrier 2000):
/// - `best_node`: a depth-1 CART tree (Gini) on all columns;
/// - `random_node`: a depth-1 tree on one column drawn at random (once, seeded);
/// - `worst_node`: per fold, a full tree is grown on the training part; a depth-1 tree on the
///   column with the lowest Gini importance (lowest index on ties);
/// - `elite_nn`: per fold, 1-NN on the column with the highest importance of that full tree
///   (lowest index on ties);
/// - `one_nn`: 1-NN (Euclidean) on all columns;
/// - `linear_discr`: linear discriminant analysis; `naive_bayes`: Gaussian naive Bayes.
/// The base models are `models::DecisionTreeClassifier`, `models::KNeighborsClassifier`,
/// `models::LinearDiscriminantAnalysis` and `models::GaussianNaiveBayes`. A fold on which a model
/// cannot be fitted (e.g. LDA with one class in the training part) gives NaN for that fold. All
/// NaN for regression tasks or n < 2. The time limit is also checked between folds, between tree
/// nodes and between chunks of 1-NN predictions; the LDA fit is skipped when its estimated time
/// exceeds the time left (see `ExtractOptions::time_limit_per_group`).

#include "metalearn/core/random.hpp"
#include "metalearn/data/split.hpp"
#include "metalearn/data/subsample.hpp"
#include "metalearn/metafeatures/detail/context.hpp"
#include "metalearn/models/decision_tree.hpp"
#include "metalearn/models/knn.hpp"
#include "metalearn/models/lda.hpp"
#include "metalearn/models/naive_bayes.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace metalearn::metafeatures {

/// Base names of the landmarking group.
[[nodiscard]] inline std::vector<std::string> landmarking_feature_names() {
    return {"best_node", "elite_nn", "linear_discr", "naive_bayes", "one_nn", "random_node", "worst_node"};
}

namespace detail {

/// Rows `rows` and columns `cols` (all if empty) of M.
inline Matrix take(const Matrix& M, const std::vector<Index>& rows, const std::vector<Index>& cols = {}) {
    const Index q = cols.empty() ? M.cols() : static_cast<Index>(cols.size());
    Matrix out(static_cast<Index>(rows.size()), q);
    for (Index c = 0; c < q; ++c) {
        const Index src = cols.empty() ? c : cols[static_cast<std::size_t>(c)];
        for (std::size_t r = 0; r < rows.size(); ++r) out(static_cast<Index>(r), c) = M(rows[r], src);
    }
    return out;
}

inline Vector take(const Vector& v, const std::vector<Index>& rows) {
    Vector out(static_cast<Index>(rows.size()));
    for (std::size_t r = 0; r < rows.size(); ++r) out[static_cast<Index>(r)] = v[rows[r]];
    return out;
}

/// Accuracy of a fitted classifier on (X, y).
template <class Model>
double accuracy(const Model& m, const Matrix& X, const Vector& y) {
    const Vector pred = m.predict(X);
    double ok = 0;
    for (Index i = 0; i < y.size(); ++i) ok += pred[i] == y[i] ? 1 : 0;
    return y.size() > 0 ? ok / static_cast<double>(y.size()) : nan;
}

/// Accuracy of a fitted classifier on (X, y), predicting `cost_per_row`-flop rows in chunks of
/// about 5·10⁷ flops, but at least 256 rows (a k-NN search packs its training matrix once per
/// call: smaller chunks spend more time packing than computing), with a budget check before
/// each chunk (k-NN prediction is O(n q) per row).
/// @throws Interrupted past the deadline.
template <class Model>
double chunked_accuracy(const Model& m, const Matrix& X, const Vector& y, const Budget& budget, double cost_per_row,
                        std::string_view what) {
    if (y.size() == 0) return nan;
    const Index chunk = std::clamp<Index>(static_cast<Index>(5e7 / std::max(1.0, cost_per_row)), 256, std::max<Index>(256, X.rows()));
    double ok = 0;
    for (Index i0 = 0; i0 < X.rows(); i0 += chunk) {
        budget.check(what);
        const Index len = std::min(chunk, X.rows() - i0);
        const Vector pred = m.predict(X.middleRows(i0, len));
        for (Index i = 0; i < len; ++i) ok += pred[i] == y[i0 + i] ? 1 : 0;
    }
    return ok / static_cast<double>(y.size());
}

/// Flops of a linear discriminant analysis fit on n×q data (`models::LinearDiscriminantAnalysis`
/// without shrinkage: the pooled covariance n q² and its eigen-decomposition with vectors, or for
/// n < q the n×n Gram matrix, its eigen-decomposition and the q×n eigenvector product).
[[nodiscard]] inline double lda_flops(Index n, Index q) {
    const auto dn = static_cast<double>(n), dq = static_cast<double>(q);
    if (n < q) return 2.0 * dn * dn * dq + eigen_flops(n, true);
    return dn * dq * dq + eigen_flops(q, true);
}

/// Compute the landmarking group into `out`, on all rows, or on `subsample_rows(max_rows)` of
/// them when `max_rows` > 0 and the dataset has more rows (see `ExtractOptions::landmarking_max_rows`).
inline void landmarking_group(Context& ctx, Sink& out, Index max_rows = 0) {
    const bool ok = ctx.classification() && ctx.n() >= 2 && ctx.N().cols() > 0;
    const Index K = ok ? ctx.dataset().n_classes() : 0;
    // The rows the landmarkers see: all, or a seeded stratified subsample.
    Matrix N_sub;
    Vector y_sub;
    const bool sub = ok && max_rows > 0 && ctx.n() > max_rows;
    if (sub) {
        const auto rows = data::subsample_rows(ctx.dataset(), max_rows, derive_seed(ctx.seed(), {0x5AB5ULL}));
        N_sub = take(ctx.N(), rows);
        y_sub = take(ctx.dataset().y(), rows);
        // A cap small next to the number of classes leaves classes with 0 or 1 row: their
        // accuracies are then estimates of almost nothing, which the caller should hear about.
        if (out.options().on_warning) {
            const std::vector<Index> full = ctx.dataset().class_counts();
            std::vector<Index> kept(static_cast<std::size_t>(K), 0);
            for (Index i = 0; i < y_sub.size(); ++i) ++kept[static_cast<std::size_t>(y_sub[i])];
            Index thin = 0;
            for (Index c = 0; c < K; ++c)
                thin += full[static_cast<std::size_t>(c)] >= 2 && kept[static_cast<std::size_t>(c)] < 2 ? 1 : 0;
            if (thin > 0)
                out.options().on_warning(fmt::format(
                "metafeatures::extract(): landmarking on a stratified subsample of {} of {} rows keeps fewer than 2 "
                "rows of {} of the {} classes; its accuracies are unreliable (expected at least 2 rows of every "
                "class: a larger landmarking_max_rows, e.g. {} for 10 rows per class, or 0 for every row)",
                    rows.size(), ctx.n(), thin, K, std::max<Index>(20, 10 * K)));
        }
    }
    const Matrix& N = sub ? N_sub : ctx.N();
    const Vector& y = sub ? y_sub : ctx.dataset().y();
    const Index n = N.rows();
    std::optional<std::vector<data::Fold>> folds;
    const auto get_folds = [&]() -> const std::vector<data::Fold>& {
        if (!folds) {
            const Index k = std::min<Index>(10, n);
            folds = data::stratified_k_fold(y.cast<Index>(), K, k, derive_seed(ctx.seed(), {0xF01DULL}), [](const std::string&) {});
        }
        return *folds;
    };
    // The trees grow on the training rows of one ranked table (`models::detail::CartBuilder` with
    // `models::DecisionTreeClassifier`'s defaults): the columns are sorted once, not once per fold
    // and learner, and the trees are the ones a fit on the copied rows grows (the same samples in
    // the same order, the same cuts between the same values).
    std::optional<models::detail::FeatureRanks> ranks;
    const auto get_ranks = [&]() -> const models::detail::FeatureRanks& {
        if (!ranks) ranks.emplace(N);
        return *ranks;
    };
    std::vector<Index> codes(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i) codes[static_cast<std::size_t>(i)] = static_cast<Index>(y[i]);
    const std::function<bool()> stop = ctx.budget().stop();
    // A tree on `rows`, depth ≤ max_depth (0 = unlimited), over every column or (column ≥ 0) one.
    const auto grow = [&](const std::vector<Index>& rows, Index max_depth, std::uint64_t seed, Index column) {
        const auto& all = get_ranks();
        models::detail::FeatureRanks one;
        if (column >= 0) {
            one.n = all.n;
            one.rank.assign(all.rank.begin() + column * all.n, all.rank.begin() + (column + 1) * all.n);
            one.values = {all.values[static_cast<std::size_t>(column)]};
            one.add_narrow();
        }
        const auto& r = column >= 0 ? one : all;
        const auto p = static_cast<Index>(r.values.size());
        const models::detail::CartSettings settings{max_depth, 2, 1, models::detail::resolve_max_features(1.0, p), true,
                                                    false, K, &stop, nullptr};
        Rng rng(seed);
        models::detail::CartBuilder builder(r, &codes, nullptr, settings);
        return builder.grow(rows, rng);
    };
    // Accuracy on the rows `test` of a tree grown on column `column` (all columns: −1); as
    // `DecisionTreeClassifier::predict`, the most frequent leaf class, lowest code on ties.
    const auto tree_accuracy = [&](const models::detail::CartTree& t, const std::vector<Index>& test, Index column) {
        if (test.empty()) return nan;
        double hits = 0;
        for (const Index i : test) {
            const Index leaf = column >= 0 ? t.apply(N.col(column), i) : t.apply(N, i);
            Index c = 0;
            t.nodes[static_cast<std::size_t>(leaf)].value.maxCoeff(&c);
            hits += c == codes[static_cast<std::size_t>(i)] ? 1 : 0;
        }
        return hits / static_cast<double>(test.size());
    };
    // Per-fold importance ranking of a full tree grown on the training part (worst_node, elite_nn):
    // the columns of lowest and highest (unnormalised) Gini importance, lowest index on ties.
    std::vector<std::optional<std::pair<Index, Index>>> extremes;
    const auto fold_extremes = [&](std::size_t f, const data::Fold& fold) {
        if (extremes.empty()) extremes.resize(get_folds().size());
        if (!extremes[f]) {
            const auto t = grow(fold.train, 0, derive_seed(ctx.seed(), {0x1A4DULL, f}), -1);
            const Vector& imp = t.importance;
            Index lo = 0, hi = 0;
            for (Index j = 1; j < imp.size(); ++j) {
                if (imp[j] < imp[lo]) lo = j;
                if (imp[j] > imp[hi]) hi = j;
            }
            extremes[f] = std::make_pair(lo, hi);
        }
        return *extremes[f];
    };
    const Index random_attr = static_cast<Index>(
        Rng(derive_seed(ctx.seed(), {0x4A9DULL})).uniform_index(static_cast<std::uint64_t>(std::max<Index>(1, ctx.N().cols()))));

    // Run `fit_score(f, fold)` on every fold; NaN for a fold whose fit throws.
    const auto cv = [&](const std::string& name, auto&& fit_score) {
        std::vector<double> acc;
        if (!ok) return acc;
        const auto& fs = get_folds();
        for (std::size_t f = 0; f < fs.size(); ++f) {
            ctx.budget().check(name);
            try {
                acc.push_back(fit_score(f, fs[f]));
            } catch (const Interrupted&) {
                throw;
            } catch (const Error&) {
                acc.push_back(nan);
            }
        }
        return acc;
    };
    // `fit_score(Xtr, ytr, Xte, yte)` on copies of the fold's rows (of column `column`; all: −1).
    const auto on_copies = [&](const data::Fold& fold, Index column, auto&& fit_score) {
        const std::vector<Index> all_cols;
        const std::vector<Index> one_col = {column};
        const auto& cols = column >= 0 ? one_col : all_cols;
        return fit_score(take(N, fold.train, cols), take(y, fold.train), take(N, fold.test, cols), take(y, fold.test));
    };
    const auto stump = [&](std::size_t f, const data::Fold& fold, Index column) {
        return tree_accuracy(grow(fold.train, 1, derive_seed(ctx.seed(), {0x57ULL, f}), column), fold.test, column);
    };
    const auto nn1 = [&](const Matrix& Xtr, const Vector& ytr, const Matrix& Xte, const Vector& yte) {
        models::KNeighborsClassifier m({.n_neighbors = 1});
        m.fit(Xtr, ytr, K);
        return chunked_accuracy(m, Xte, yte, ctx.budget(), 3.0 * static_cast<double>(Xtr.rows() * Xtr.cols()),
                                "1-NN prediction");
    };

    out.multi("best_node", [&] {
        return cv("best_node", [&](std::size_t f, const data::Fold& fold) { return stump(f, fold, -1); });
    });
    out.multi("elite_nn", [&] {
        return cv("elite_nn", [&](std::size_t f, const data::Fold& fold) {
            return on_copies(fold, fold_extremes(f, fold).second, nn1);
        });
    });
    out.multi("linear_discr", [&] {
        return cv("linear_discr", [&](std::size_t, const data::Fold& fold) {
            return on_copies(fold, -1, [&](const Matrix& Xtr, const Vector& ytr, const Matrix& Xte, const Vector& yte) {
                ctx.budget().afford(lda_flops(Xtr.rows(), Xtr.cols()), "the LDA fit");
                models::LinearDiscriminantAnalysis m;
                m.fit(Xtr, ytr, K);
                return accuracy(m, Xte, yte);
            });
        });
    });
    out.multi("naive_bayes", [&] {
        return cv("naive_bayes", [&](std::size_t, const data::Fold& fold) {
            return on_copies(fold, -1, [&](const Matrix& Xtr, const Vector& ytr, const Matrix& Xte, const Vector& yte) {
                models::GaussianNaiveBayes m;
                m.fit(Xtr, ytr, K);
                return accuracy(m, Xte, yte);
            });
        });
    });
    out.multi("one_nn", [&] {
        return cv("one_nn", [&](std::size_t, const data::Fold& fold) { return on_copies(fold, -1, nn1); });
    });
    out.multi("random_node", [&] {
        return cv("random_node", [&](std::size_t f, const data::Fold& fold) { return stump(f, fold, random_attr); });
    });
    out.multi("worst_node", [&] {
        return cv("worst_node", [&](std::size_t f, const data::Fold& fold) {
            return stump(f, fold, fold_extremes(f, fold).first);
        });
    });
}

}  // namespace detail
}  // namespace metalearn::metafeatures
