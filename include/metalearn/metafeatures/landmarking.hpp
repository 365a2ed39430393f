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
    // Per-fold importance ranking of a full tree grown on the training part (worst_node, elite_nn).
    std::vector<std::optional<std::pair<Index, Index>>> extremes;
    const auto fold_extremes = [&](std::size_t f, const Matrix& Xtr, const Vector& ytr) {
        if (extremes.empty()) extremes.resize(get_folds().size());
        if (!extremes[f]) {
            models::DecisionTreeClassifier t;
            t.set_seed(derive_seed(ctx.seed(), {0x1A4DULL, f}));
            t.set_stop(ctx.budget().stop());
            t.fit(Xtr, ytr, K);
            const Vector imp = t.feature_importances();
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

    // Run `fit_score(f, Xtr, ytr, Xte, yte)` on every fold; NaN for a fold whose fit throws.
    const auto cv = [&](const std::string& name, auto&& fit_score) {
        std::vector<double> acc;
        if (!ok) return acc;
        const auto& fs = get_folds();
        for (std::size_t f = 0; f < fs.size(); ++f) {
            ctx.budget().check(name);
            const Matrix Xtr = take(N, fs[f].train), Xte = take(N, fs[f].test);
            const Vector ytr = take(y, fs[f].train), yte = take(y, fs[f].test);
            try {
                acc.push_back(fit_score(f, Xtr, ytr, Xte, yte));
            } catch (const Interrupted&) {
                throw;
            } catch (const Error&) {
                acc.push_back(nan);
            }
        }
        return acc;
    };
    const auto stump = [&](std::size_t f, const Matrix& Xtr, const Vector& ytr, const Matrix& Xte, const Vector& yte) {
        models::DecisionTreeClassifier t({.max_depth = 1});
        t.set_seed(derive_seed(ctx.seed(), {0x57ULL, f}));
        t.set_stop(ctx.budget().stop());
        t.fit(Xtr, ytr, K);
        return accuracy(t, Xte, yte);
    };
    const auto nn1 = [&](const Matrix& Xtr, const Vector& ytr, const Matrix& Xte, const Vector& yte) {
        models::KNeighborsClassifier m({.n_neighbors = 1});
        m.fit(Xtr, ytr, K);
        return chunked_accuracy(m, Xte, yte, ctx.budget(), 3.0 * static_cast<double>(Xtr.rows() * Xtr.cols()),
                                "1-NN prediction");
    };

    out.multi("best_node", [&] { return cv("best_node", stump); });
    out.multi("elite_nn", [&] {
        return cv("elite_nn", [&](std::size_t f, const Matrix& Xtr, const Vector& ytr, const Matrix& Xte, const Vector& yte) {
            const Index j = fold_extremes(f, Xtr, ytr).second;
            return nn1(Xtr.col(j), ytr, Xte.col(j), yte);
        });
    });
    out.multi("linear_discr", [&] {
        return cv("linear_discr", [&](std::size_t, const Matrix& Xtr, const Vector& ytr, const Matrix& Xte, const Vector& yte) {
            ctx.budget().afford(lda_flops(Xtr.rows(), Xtr.cols()), "the LDA fit");
            models::LinearDiscriminantAnalysis m;
            m.fit(Xtr, ytr, K);
            return accuracy(m, Xte, yte);
        });
    });
    out.multi("naive_bayes", [&] {
        return cv("naive_bayes", [&](std::size_t, const Matrix& Xtr, const Vector& ytr, const Matrix& Xte, const Vector& yte) {
            models::GaussianNaiveBayes m;
            m.fit(Xtr, ytr, K);
            return accuracy(m, Xte, yte);
        });
    });
    out.multi("one_nn", [&] {
        return cv("one_nn", [&](std::size_t, const Matrix& Xtr, const Vector& ytr, const Matrix& Xte, const Vector& yte) {
            return nn1(Xtr, ytr, Xte, yte);
        });
    });
    out.multi("random_node", [&] {
        return cv("random_node", [&](std::size_t f, const Matrix& Xtr, const Vector& ytr, const Matrix& Xte, const Vector& yte) {
            return stump(f, Xtr.col(random_attr), ytr, Xte.col(random_attr), yte);
        });
    });
    out.multi("worst_node", [&] {
        return cv("worst_node", [&](std::size_t f, const Matrix& Xtr, const Vector& ytr, const Matrix& Xte, const Vector& yte) {
            const Index j = fold_extremes(f, Xtr, ytr).first;
            return stump(f, Xtr.col(j), ytr, Xte.col(j), yte);
        });
    });
}

}  // namespace detail
}  // namespace metalearn::metafeatures
