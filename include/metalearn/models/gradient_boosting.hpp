#pragma once
/// @file gradient_boosting.hpp
/// @brief Second-order gradient boosting of histogram trees: `GradientBoostingClassifier`
/// (logistic / softmax loss) and `GradientBoostingRegressor` (squared error).
///
/// The method is xgboost's `tree_method="hist"` (Chen & Guestrin 2016, "XGBoost: A Scalable Tree
/// Boosting System", KDD, §2.2 and §3.1; Ke et al. 2017, "LightGBM", NeurIPS, for the histogram
/// and subtraction tricks):
/// - each feature is cut into at most `max_bin` bins once, before boosting: the midpoints between
///   consecutive distinct values when there are at most `max_bin` of them (so the bins are
///   exact), otherwise cut points at evenly spaced ranks of the sorted training values;
/// - each round computes the loss's gradient g and hessian h at the current margins and grows a
///   tree depth-first to `max_depth`: a node's histogram of (Σg, Σh) per bin gives every split's
///   gain; the smaller child's histogram is built from its rows, the larger one is the parent's
///   minus it;
/// - the gain of a split is xgboost's `loss_chg = S(G_L, H_L) + S(G_R, H_R) − S(G, H)` with
///   `S(G, H) = T_α(G)² / (H + λ)`, T_α the soft threshold at α (`reg_alpha`), and S = 0 when
///   H < `min_child_weight` (xgboost's `CalcGain`; the paper's factor ½ is not applied, as in
///   xgboost's code); a node splits when its best gain exceeds 1e-6 and is at least `gamma`, and
///   both children's Σh ≥ `min_child_weight`;
/// - a leaf's value is `learning_rate · (−T_α(G) / (H + λ))` (0 when H < `min_child_weight`).
///
/// Splits are searched over features in increasing index and bins in increasing order; a later
/// candidate replaces the best only when its gain is larger by more than a relative 1e-10, so two
/// splits of equal gain (often the same partition through two features, whose sums round
/// differently) go to the lower feature index and bin, as xgboost intends. Results
/// depend on the seed only through `subsample`, the column samples and the early-stopping split,
/// and never on `n_threads` (histograms are split by feature across threads; every sum runs in
/// row order).

#include "metalearn/core/error.hpp"
#include "metalearn/core/parallel.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/class_weight.hpp"
#include "metalearn/models/detail/class_weight_json.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/detail/validation.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

namespace metalearn::models {

/// Hyperparameters of gradient boosting (both models). The defaults are xgboost 1.7's
/// (`XGBClassifier` / `XGBRegressor` with `tree_method="hist"`): the models have no scikit-learn
/// counterpart with these parameters, so the reference implementation's defaults are kept.
struct GradientBoostingParams {
    Index n_estimators = 100;        ///< ≥ 1: boosting rounds (one tree per round, K trees for K > 2 classes).
    double learning_rate = 0.3;      ///< (0, 1]: shrinkage η of every leaf value (xgboost's `eta`).
    Index max_depth = 6;             ///< [1, 30]: depth of every tree.
    double min_child_weight = 1.0;   ///< finite ≥ 0: smallest Σh (hessian) of a child.
    double reg_lambda = 1.0;         ///< finite ≥ 0: L2 penalty λ on leaf values.
    double reg_alpha = 0.0;          ///< finite ≥ 0: L1 penalty α on leaf values.
    double gamma = 0.0;              ///< finite ≥ 0: smallest gain of a split (xgboost's `min_split_loss`).
    double subsample = 1.0;          ///< (0, 1]: each row enters a round's trees with this probability.
    double colsample_bytree = 1.0;   ///< (0, 1]: fraction of the features a tree may split on (at least 1).
    double colsample_bylevel = 1.0;  ///< (0, 1]: fraction of the tree's features each depth level may split on.
    Index max_bin = 256;             ///< [2, 256]: bins per feature.
    /// [0, 1): fraction of the training rows held out (stratified by class for the classifier:
    /// round(fraction · n_k) rows of class k, but never all of them) for early stopping; 0 = no
    /// early stopping, every round is kept.
    double validation_fraction = 0.0;
    /// ≥ 1: with early stopping, stop after this many rounds without a validation loss better than
    /// the best by more than `tol`, and keep the rounds up to the best one (xgboost's
    /// `early_stopping_rounds`).
    Index n_iter_no_change = 10;
    double tol = 1e-7;               ///< finite ≥ 0: smallest improvement of the validation loss that counts.
    /// Classifier only: sample weights per class (see class_weight.hpp); ignored by the regressor.
    ClassWeight class_weight = ClassWeight::none;
    /// Classifier only: the weights of `ClassWeight::explicit_weights`, one per class.
    std::vector<double> class_weights = {};
    Index n_threads = 1;             ///< ≥ 0: threads for fit and predict; 0 = all hardware threads (core/parallel.hpp).
    /// Member-wise equality.
    bool operator==(const GradientBoostingParams&) const = default;
};

namespace detail {

/// One node of a boosted tree. A leaf has `feature == -1` and its `value` (the shrunk leaf
/// weight); an inner node sends x to `left` when x[feature] ≤ threshold, else to `right`, and
/// keeps its training split's gain.
struct GbtNode {
    std::int32_t feature = -1;
    std::int32_t left = -1;
    std::int32_t right = -1;
    std::int32_t bin = 0;  ///< while fitting: the split's bin (x goes left when its bin ≤ this); not saved.
    double threshold = 0.0;
    double value = 0.0;
    double gain = 0.0;
};

/// A boosted regression tree: nodes[0] is the root.
struct GbtTree {
    std::vector<GbtNode> nodes;

    /// The leaf value reached by the feature vector x (p contiguous values).
    [[nodiscard]] double predict(const double* x) const {
        const GbtNode* nd = nodes.data();
        std::int32_t k = 0;
        while (nd[k].feature >= 0) k = x[nd[k].feature] <= nd[k].threshold ? nd[k].left : nd[k].right;
        return nd[k].value;
    }
};

/// Largest magnitude of a regression target, a saved leaf value or a saved base margin: sums of
/// squared gradients must stay far from overflow.
inline constexpr double kMaxGbtMagnitude = 1e100;

/// Check the hyperparameters. @throws ConfigError naming `where` and the parameter.
inline void check_gbt_params(std::string_view where, const GradientBoostingParams& p) {
    auto fail = [&](std::string_view name, std::string_view expected, auto got) {
        throw ConfigError(fmt::format("{}: {} out of range (expected {}, got {})", where, name, expected, got));
    };
    auto finite_nonneg = [&](std::string_view name, double v) {
        if (!(v >= 0.0) || !std::isfinite(v)) fail(name, "finite >= 0", v);
    };
    auto fraction = [&](std::string_view name, double v) {
        if (!(v > 0.0 && v <= 1.0)) fail(name, "in (0, 1]", v);
    };
    if (p.n_estimators < 1) fail("n_estimators", ">= 1", p.n_estimators);
    fraction("learning_rate", p.learning_rate);
    if (p.max_depth < 1 || p.max_depth > 30) fail("max_depth", "in [1, 30]", p.max_depth);
    finite_nonneg("min_child_weight", p.min_child_weight);
    finite_nonneg("reg_lambda", p.reg_lambda);
    finite_nonneg("reg_alpha", p.reg_alpha);
    finite_nonneg("gamma", p.gamma);
    fraction("subsample", p.subsample);
    fraction("colsample_bytree", p.colsample_bytree);
    fraction("colsample_bylevel", p.colsample_bylevel);
    if (p.max_bin < 2 || p.max_bin > 256) fail("max_bin", "in [2, 256]", p.max_bin);
    if (!(p.validation_fraction >= 0.0 && p.validation_fraction < 1.0))
        fail("validation_fraction", "in [0, 1)", p.validation_fraction);
    if (p.n_iter_no_change < 1) fail("n_iter_no_change", ">= 1", p.n_iter_no_change);
    finite_nonneg("tol", p.tol);
    if (p.n_threads < 0) fail("n_threads", ">= 0", p.n_threads);
    check_class_weights(where, p.class_weight, p.class_weights);
}

/// Per-feature bin edges: bin(v) = number of edges < v, so a split "bin ≤ b" is "v ≤ edges[b]".
struct GbtBinner {
    std::vector<std::vector<double>> edges;  ///< p lists of increasing thresholds (bins − 1 each).

    /// Edges of each column of X over `rows` (all rows when empty), at most `max_bin` bins.
    void fit(const MatrixRef& X, const std::vector<Index>& rows, Index max_bin) {
        const Index p = X.cols();
        edges.assign(static_cast<std::size_t>(p), {});
        std::vector<double> v(rows.size());
        for (Index f = 0; f < p; ++f) {
            for (std::size_t i = 0; i < rows.size(); ++i) v[i] = X(rows[i], f);
            std::sort(v.begin(), v.end());
            auto& e = edges[static_cast<std::size_t>(f)];
            std::vector<double> u(v);
            u.erase(std::unique(u.begin(), u.end()), u.end());
            if (static_cast<Index>(u.size()) <= max_bin) {
                for (std::size_t j = 0; j + 1 < u.size(); ++j) e.push_back(between(u[j], u[j + 1]));
            } else {
                // cut points at evenly spaced ranks: the k-th edge separates the first
                // round(k·n / max_bin) sorted values from the rest (or sits on a run of equal values)
                const auto n = static_cast<double>(v.size());
                for (Index k = 1; k < max_bin; ++k) {
                    const auto r = static_cast<std::size_t>(std::llround(static_cast<double>(k) * n / static_cast<double>(max_bin)));
                    if (r == 0 || r >= v.size()) continue;
                    const double t = v[r - 1] < v[r] ? between(v[r - 1], v[r]) : v[r];
                    if (e.empty() || t > e.back()) e.push_back(t);
                }
            }
        }
    }

    /// Number of bins of feature f.
    [[nodiscard]] Index bins(Index f) const { return static_cast<Index>(edges[static_cast<std::size_t>(f)].size()) + 1; }

    /// Bin of value v in feature f.
    [[nodiscard]] std::uint8_t bin(Index f, double v) const {
        const auto& e = edges[static_cast<std::size_t>(f)];
        return static_cast<std::uint8_t>(std::lower_bound(e.begin(), e.end(), v) - e.begin());
    }

    /// A threshold t with a ≤ t < b (a < b): their midpoint, or a when the midpoint rounds to b.
    static double between(double a, double b) {
        const double m = a + (b - a) / 2.0;
        return (m < b && m >= a && std::isfinite(m)) ? m : a;
    }
};

/// The boosting engine shared by both models: n×p data, `n_outputs` margins per row.
class GbtEngine {
public:
    enum class Loss { squared_error, logistic, softmax };

    /// Everything `fit` produces.
    struct Result {
        std::vector<std::vector<GbtTree>> rounds;  ///< per round, one tree per output.
        Vector base_margin;                         ///< n_outputs initial margins.
        Vector importances;                         ///< p: total gain per feature over the kept rounds.
    };

    /// Boost. `target` n (regression values, or class codes as doubles), `weights` n sample
    /// weights (≥ 0), `k` number of outputs (1 for squared error and logistic, K for softmax).
    static Result fit(std::string_view where, const MatrixRef& X, const Vector& target, const Vector& weights, Loss loss,
                      Index k, const GradientBoostingParams& p, std::uint64_t seed) {
        const Index n = X.rows();
        const Index d = X.cols();
        // early-stopping split
        std::vector<Index> train_rows, valid_rows;
        split_validation(where, target, loss, k, p.validation_fraction, seed, train_rows, valid_rows);

        GbtBinner binner;
        binner.fit(X, train_rows, p.max_bin);
        std::vector<Index> offset(static_cast<std::size_t>(d) + 1, 0);
        for (Index f = 0; f < d; ++f) offset[static_cast<std::size_t>(f) + 1] = offset[static_cast<std::size_t>(f)] + binner.bins(f);
        // row-major bins of every row (training and validation)
        std::vector<std::uint8_t> bins(static_cast<std::size_t>(n) * static_cast<std::size_t>(d));
        metalearn::parallel_for(d, p.n_threads, [&](Index f) {
            for (Index i = 0; i < n; ++i) bins[static_cast<std::size_t>(i * d + f)] = binner.bin(f, X(i, f));
        });

        Result res;
        res.base_margin = base_margin(target, weights, train_rows, loss, k);
        res.importances = Vector::Zero(d);
        Matrix margin(n, k);
        for (Index i = 0; i < n; ++i) margin.row(i) = res.base_margin.transpose();

        const SparseRows sparse = SparseRows::make(bins, offset, n, d);
        Grower grower(bins, offset, binner, d, p, sparse);
        Vector g(n), h(n);
        double best_loss = std::numeric_limits<double>::infinity();
        Index best_round = 0;
        Index since_best = 0;
        std::vector<Index> drawn;  // the round's rows when subsample < 1
        std::vector<char> covered;
        for (Index round = 0; round < p.n_estimators; ++round) {
            Rng rng(derive_seed(seed, {static_cast<std::uint64_t>(round)}));
            if (p.subsample < 1.0) {
                drawn.clear();
                for (Index r : train_rows)
                    if (rng.uniform() < p.subsample) drawn.push_back(r);
            }
            const std::vector<Index>& sample = p.subsample < 1.0 ? drawn : train_rows;
            std::vector<GbtTree> trees;
            Matrix prob;
            if (loss == Loss::softmax) prob = softmax(margin, train_rows);
            for (Index c = 0; c < k; ++c) {
                gradients(loss, margin, prob, target, weights, train_rows, c, g, h);
                if (sample.empty()) {  // no row drawn: a leaf of value 0
                    trees.push_back(leaf_only());
                    continue;
                }
                GbtTree tree = grower.grow(sample, g, h, rng);
                // the sampled rows get their leaf's value from the partition; the others (rows left
                // out by subsample, validation rows) through the tree on their bins
                if (static_cast<Index>(sample.size()) == n) {
                    grower.add_leaf_values(margin, c, nullptr);
                } else {
                    covered.assign(static_cast<std::size_t>(n), 0);
                    grower.add_leaf_values(margin, c, &covered);
                    for (Index i = 0; i < n; ++i)
                        if (!covered[static_cast<std::size_t>(i)]) margin(i, c) += grower.value_binned(tree, i);
                }
                trees.push_back(std::move(tree));
            }
            res.rounds.push_back(std::move(trees));
            if (!valid_rows.empty()) {
                const double l = validation_loss(loss, margin, target, weights, valid_rows);
                if (l < best_loss - p.tol) {
                    best_loss = l;
                    best_round = round + 1;
                    since_best = 0;
                } else if (++since_best >= p.n_iter_no_change) {
                    break;
                }
            }
        }
        if (!valid_rows.empty()) res.rounds.resize(static_cast<std::size_t>(std::max<Index>(best_round, 1)));
        for (const auto& trees : res.rounds)
            for (const auto& t : trees)
                for (const auto& node : t.nodes)
                    if (node.feature >= 0) res.importances[node.feature] += node.gain;
        return res;
    }

    /// Margins (m×k) of X: base margin plus every kept tree's value.
    static Matrix margins(const MatrixRef& X, const std::vector<std::vector<GbtTree>>& rounds, const Vector& base,
                          Index n_threads) {
        const Index m = X.rows();
        const Index k = base.size();
        Matrix out(m, k);
        // blocks of rows, each tree applied to a whole block while its nodes are in cache; every
        // row still sums base + trees in round order, whatever the blocking and thread count
        constexpr Index block = 128;
        const Index blocks = (m + block - 1) / block;
        const Index p = X.cols();
        metalearn::parallel_for(blocks, std::min<Index>(resolve_threads(n_threads), blocks), [&](Index b) {
            const Index i0 = b * block;
            const Index i1 = std::min(m, i0 + block);
            // the block's rows, row-major: a traversal reads one contiguous row
            std::vector<double> rows(static_cast<std::size_t>((i1 - i0) * p));
            for (Index i = i0; i < i1; ++i)
                for (Index f = 0; f < p; ++f) rows[static_cast<std::size_t>((i - i0) * p + f)] = X(i, f);
            for (Index c = 0; c < k; ++c) {
                for (Index i = i0; i < i1; ++i) out(i, c) = base[c];
                for (const auto& trees : rounds) {
                    const GbtTree& t = trees[static_cast<std::size_t>(c)];
                    for (Index i = i0; i < i1; ++i) out(i, c) += t.predict(rows.data() + (i - i0) * p);
                }
            }
        });
        return out;
    }

    /// Rows of a row-wise softmax of margins (only `rows` filled).
    static Matrix softmax(const Matrix& margin, const std::vector<Index>& rows) {
        Matrix P(margin.rows(), margin.cols());
        for (Index i : rows) {
            const double mx = margin.row(i).maxCoeff();
            double s = 0.0;
            for (Index c = 0; c < margin.cols(); ++c) s += (P(i, c) = std::exp(margin(i, c) - mx));
            P.row(i) /= s;
        }
        return P;
    }

private:
    /// Histogram entry: sums of gradients and hessians of a bin.
    struct GH {
        double g = 0.0;
        double h = 0.0;
    };

    static GbtTree leaf_only() {
        GbtTree t;
        t.nodes.push_back(GbtNode{});
        return t;
    }

    static void split_validation(std::string_view where, const Vector& target, Loss loss, Index k, double fraction,
                                 std::uint64_t seed, std::vector<Index>& train, std::vector<Index>& valid) {
        const Index n = target.size();
        train.clear();
        valid.clear();
        if (fraction <= 0.0) {
            train.resize(static_cast<std::size_t>(n));
            std::iota(train.begin(), train.end(), Index{0});
            return;
        }
        Rng rng(derive_seed(seed, {0x7661'6c69'6461'7465ULL}));  // "validate"
        std::vector<char> is_valid(static_cast<std::size_t>(n), 0);
        // round(fraction · size) rows of each group, but never all of them: every class present
        // keeps a training row
        auto take = [&](std::vector<Index> group) {
            if (group.empty()) return;
            rng.shuffle(group.begin(), group.end());
            const auto m = std::min(static_cast<std::size_t>(std::llround(fraction * static_cast<double>(group.size()))),
                                    group.size() - 1);
            for (std::size_t i = 0; i < m; ++i) is_valid[static_cast<std::size_t>(group[i])] = 1;
        };
        if (loss == Loss::squared_error) {
            std::vector<Index> all(static_cast<std::size_t>(n));
            std::iota(all.begin(), all.end(), Index{0});
            take(std::move(all));
        } else {
            const Index classes = loss == Loss::logistic ? 2 : k;
            std::vector<std::vector<Index>> by_class(static_cast<std::size_t>(classes));
            for (Index i = 0; i < n; ++i) by_class[static_cast<std::size_t>(target[i])].push_back(i);
            for (auto& group : by_class) take(std::move(group));
        }
        for (Index i = 0; i < n; ++i) (is_valid[static_cast<std::size_t>(i)] ? valid : train).push_back(i);
        if (valid.empty() || train.empty())
            throw DataError(fmt::format("{}: validation_fraction {} of {} rows leaves {} training and {} validation rows "
                                        "(early stopping needs both)",
                                        where, fraction, n, train.size(), valid.size()));
    }

    /// Initial margins: the weighted mean (squared error), the log-odds of the weighted class-1
    /// share (logistic) or the log of each class's weighted share (softmax), shares clipped to
    /// [1e-12, 1 − 1e-12].
    static Vector base_margin(const Vector& target, const Vector& w, const std::vector<Index>& rows, Loss loss, Index k) {
        double total = 0.0;
        for (Index i : rows) total += w[i];
        if (!(total > 0.0)) return Vector::Zero(k);
        auto clip = [](double s) { return std::clamp(s, 1e-12, 1.0 - 1e-12); };
        if (loss == Loss::squared_error) {
            double s = 0.0;
            for (Index i : rows) s += w[i] * target[i];
            return Vector::Constant(1, s / total);
        }
        if (loss == Loss::logistic) {
            double s = 0.0;
            for (Index i : rows) s += target[i] > 0.5 ? w[i] : 0.0;
            const double q = clip(s / total);
            return Vector::Constant(1, std::log(q / (1.0 - q)));
        }
        Vector share = Vector::Zero(k);
        for (Index i : rows) share[static_cast<Index>(target[i])] += w[i];
        Vector out(k);
        for (Index c = 0; c < k; ++c) out[c] = std::log(clip(share[c] / total));
        return out;
    }

    /// Gradient and hessian of output c at every row of `rows` (xgboost's objectives:
    /// squared error g = f − y, h = 1; logistic g = σ(f) − y, h = max(σ(1 − σ), 1e-16); softmax
    /// g = p_c − [y = c], h = max(2·p_c(1 − p_c), 1e-16)), times the sample weight.
    static void gradients(Loss loss, const Matrix& margin, const Matrix& prob, const Vector& target, const Vector& w,
                          const std::vector<Index>& rows, Index c, Vector& g, Vector& h) {
        constexpr double eps = 1e-16;
        for (Index i : rows) {
            double gi = 0.0;
            double hi = 1.0;
            switch (loss) {
                case Loss::squared_error:
                    gi = margin(i, 0) - target[i];
                    break;
                case Loss::logistic: {
                    const double s = 1.0 / (1.0 + std::exp(-margin(i, 0)));
                    gi = s - target[i];
                    hi = std::max(s * (1.0 - s), eps);
                    break;
                }
                case Loss::softmax: {
                    const double q = prob(i, c);
                    gi = q - (static_cast<Index>(target[i]) == c ? 1.0 : 0.0);
                    hi = std::max(2.0 * q * (1.0 - q), eps);
                    break;
                }
            }
            g[i] = gi * w[i];
            h[i] = hi * w[i];
        }
    }

    /// Weighted mean loss on the validation rows: squared error, or log loss.
    static double validation_loss(Loss loss, const Matrix& margin, const Vector& target, const Vector& w,
                                  const std::vector<Index>& rows) {
        double s = 0.0;
        double total = 0.0;
        for (Index i : rows) {
            double l = 0.0;
            if (loss == Loss::squared_error) {
                const double e = margin(i, 0) - target[i];
                l = e * e;
            } else if (loss == Loss::logistic) {
                const double f = margin(i, 0);
                // log(1 + e^f) − y·f, computed stably
                l = (f > 0 ? f + std::log1p(std::exp(-f)) : std::log1p(std::exp(f))) - target[i] * f;
            } else {
                const double mx = margin.row(i).maxCoeff();
                const double lse = mx + std::log((margin.row(i).array() - mx).exp().sum());
                l = lse - margin(i, static_cast<Index>(target[i]));
            }
            s += w[i] * l;
            total += w[i];
        }
        return total > 0.0 ? s / total : 0.0;
    }

    /// The binned rows as lists of their bins other than each feature's most frequent one
    /// (LightGBM's most-frequent-bin trick, Ke et al. 2017; its `most_freq_bin`): a histogram
    /// then adds only these entries, and each feature's most frequent bin is the node's sums
    /// minus the feature's other bins. One-hot and other mostly-constant columns cost a fraction
    /// of the dense pass. Not `used` when most entries would be listed anyway (continuous
    /// features): the dense pass over all bins is cheaper then.
    struct SparseRows {
        bool used = false;
        std::vector<Index> most_frequent;   ///< per feature: global index of its most frequent bin
        std::vector<std::size_t> start;     ///< n + 1: row i's entries are bin[start[i], start[i+1])
        std::vector<std::uint32_t> bin;     ///< global bin indices (offset + bin), features in order

        static SparseRows make(const std::vector<std::uint8_t>& bins, const std::vector<Index>& offset, Index n,
                               Index d) {
            SparseRows s;
            if (n == 0 || d == 0 || offset.back() > static_cast<Index>(std::numeric_limits<std::uint32_t>::max()))
                return s;
            std::vector<Index> count(static_cast<std::size_t>(offset.back()), 0);
            for (Index i = 0; i < n; ++i) {
                const std::uint8_t* row = bins.data() + static_cast<std::size_t>(i * d);
                for (Index f = 0; f < d; ++f) ++count[static_cast<std::size_t>(offset[static_cast<std::size_t>(f)] + row[f])];
            }
            s.most_frequent.resize(static_cast<std::size_t>(d));
            Index listed = 0;
            for (Index f = 0; f < d; ++f) {
                const auto b0 = offset[static_cast<std::size_t>(f)];
                const auto b1 = offset[static_cast<std::size_t>(f) + 1];
                Index best = b0;
                for (Index b = b0 + 1; b < b1; ++b)
                    if (count[static_cast<std::size_t>(b)] > count[static_cast<std::size_t>(best)]) best = b;
                s.most_frequent[static_cast<std::size_t>(f)] = best;
                listed += n - count[static_cast<std::size_t>(best)];
            }
            if (2 * listed > n * d) return s;  // dense enough: the plain pass is cheaper
            s.used = true;
            s.start.resize(static_cast<std::size_t>(n) + 1);
            s.bin.reserve(static_cast<std::size_t>(listed));
            for (Index i = 0; i < n; ++i) {
                s.start[static_cast<std::size_t>(i)] = s.bin.size();
                const std::uint8_t* row = bins.data() + static_cast<std::size_t>(i * d);
                for (Index f = 0; f < d; ++f) {
                    const Index b = offset[static_cast<std::size_t>(f)] + row[f];
                    if (b != s.most_frequent[static_cast<std::size_t>(f)]) s.bin.push_back(static_cast<std::uint32_t>(b));
                }
            }
            s.start[static_cast<std::size_t>(n)] = s.bin.size();
            return s;
        }
    };

    /// Grows one tree on binned data.
    class Grower {
    public:
        Grower(const std::vector<std::uint8_t>& bins, const std::vector<Index>& offset, const GbtBinner& binner, Index d,
               const GradientBoostingParams& p, const SparseRows& sparse)
            : bins_(bins), offset_(offset), binner_(binner), d_(d), p_(p), sparse_(sparse) {}

        /// Grow a tree on the rows of `sample` (ascending) with gradients g, hessians h.
        GbtTree grow(const std::vector<Index>& sample, const Vector& g, const Vector& h, Rng& rng) {
            // features of the tree and of each level
            tree_features_ = pick(all_features(), p_.colsample_bytree, rng);
            level_features_.assign(static_cast<std::size_t>(p_.max_depth), {});
            for (auto& lf : level_features_) lf = pick(tree_features_, p_.colsample_bylevel, rng);

            rows_ = sample;
            buffer_.resize(rows_.size());
            leaves_.clear();
            GbtTree tree;
            tree.nodes.push_back(GbtNode{});
            std::vector<GH> root_hist = new_hist();
            build(root_hist, 0, static_cast<Index>(rows_.size()), g, h);
            double G = 0.0, H = 0.0;
            for (Index r : rows_) {
                G += g[r];
                H += h[r];
            }
            struct Pending {
                Index node;
                Index begin, end;
                Index depth;
                double G, H;
                std::vector<GH> hist;
            };
            std::vector<Pending> stack;
            stack.push_back({0, 0, static_cast<Index>(rows_.size()), 0, G, H, std::move(root_hist)});
            while (!stack.empty()) {
                Pending cur = std::move(stack.back());
                stack.pop_back();
                const double value = leaf_value(cur.G, cur.H);
                tree.nodes[static_cast<std::size_t>(cur.node)].value = value;
                if (cur.depth >= p_.max_depth) {
                    leaves_.push_back({cur.begin, cur.end, value});
                    continue;
                }
                const Split s = best_split(cur.hist, cur.G, cur.H, level_features_[static_cast<std::size_t>(cur.depth)]);
                if (s.feature < 0 || !(s.gain > 1e-6) || s.gain < p_.gamma) {
                    leaves_.push_back({cur.begin, cur.end, value});
                    continue;
                }
                // partition the node's rows (stable): bin ≤ s.bin goes left
                const Index mid = partition(cur.begin, cur.end, s.feature, s.bin);
                const auto left = static_cast<Index>(tree.nodes.size());
                tree.nodes.push_back(GbtNode{});
                tree.nodes.push_back(GbtNode{});
                GbtNode& node = tree.nodes[static_cast<std::size_t>(cur.node)];
                node.feature = static_cast<std::int32_t>(s.feature);
                node.threshold = binner_.edges[static_cast<std::size_t>(s.feature)][static_cast<std::size_t>(s.bin)];
                node.left = static_cast<std::int32_t>(left);
                node.right = static_cast<std::int32_t>(left + 1);
                node.gain = s.gain;
                node.bin = static_cast<std::int32_t>(s.bin);
                node.value = 0.0;
                Pending lp{left, cur.begin, mid, cur.depth + 1, s.GL, s.HL, {}};
                Pending rp{left + 1, mid, cur.end, cur.depth + 1, cur.G - s.GL, cur.H - s.HL, {}};
                // children at max_depth are leaves: no histogram. Otherwise the smaller child's
                // histogram from its rows, the larger's by subtraction.
                if (cur.depth + 1 < p_.max_depth) {
                    const bool left_small = (mid - cur.begin) <= (cur.end - mid);
                    std::vector<GH> small = new_hist();
                    if (left_small) build(small, cur.begin, mid, g, h);
                    else build(small, mid, cur.end, g, h);
                    std::vector<GH>& large = cur.hist;
                    for (Index f : tree_features_)
                        for (Index b = offset_[static_cast<std::size_t>(f)]; b < offset_[static_cast<std::size_t>(f) + 1]; ++b) {
                            large[static_cast<std::size_t>(b)].g -= small[static_cast<std::size_t>(b)].g;
                            large[static_cast<std::size_t>(b)].h -= small[static_cast<std::size_t>(b)].h;
                        }
                    lp.hist = left_small ? std::move(small) : std::move(large);
                    rp.hist = left_small ? std::move(large) : std::move(small);
                }
                stack.push_back(std::move(rp));
                stack.push_back(std::move(lp));
            }
            return tree;
        }

        /// Add the last grown tree's leaf values to column c of `margin` for the rows it was grown
        /// on, marking them in `covered` when given.
        void add_leaf_values(Matrix& margin, Index c, std::vector<char>* covered) const {
            for (const Leaf& l : leaves_)
                for (Index idx = l.begin; idx < l.end; ++idx) {
                    const Index r = rows_[static_cast<std::size_t>(idx)];
                    margin(r, c) += l.value;
                    if (covered != nullptr) (*covered)[static_cast<std::size_t>(r)] = 1;
                }
        }

        /// The tree's value for training row i, found through its bins.
        [[nodiscard]] double value_binned(const GbtTree& t, Index i) const {
            const std::uint8_t* row = bins_.data() + static_cast<std::size_t>(i * d_);
            std::size_t k = 0;
            while (t.nodes[k].feature >= 0) {
                const GbtNode& nd = t.nodes[k];
                k = static_cast<std::size_t>(row[nd.feature] <= nd.bin ? nd.left : nd.right);
            }
            return t.nodes[k].value;
        }

    private:
        /// A leaf of the last tree: its rows rows_[begin, end) and its value.
        struct Leaf {
            Index begin, end;
            double value;
        };

        struct Split {
            Index feature = -1;
            Index bin = 0;
            double gain = 0.0;
            double GL = 0.0;
            double HL = 0.0;
        };

        [[nodiscard]] std::vector<Index> all_features() const {
            std::vector<Index> f(static_cast<std::size_t>(d_));
            std::iota(f.begin(), f.end(), Index{0});
            return f;
        }

        /// max(1, round(fraction · |from|)) features drawn without replacement, in increasing order.
        static std::vector<Index> pick(const std::vector<Index>& from, double fraction, Rng& rng) {
            if (fraction >= 1.0) return from;
            const auto m = std::max<std::size_t>(
                1, static_cast<std::size_t>(std::llround(fraction * static_cast<double>(from.size()))));
            std::vector<Index> v(from);
            for (std::size_t i = 0; i < m; ++i) std::swap(v[i], v[i + static_cast<std::size_t>(rng.uniform_index(v.size() - i))]);
            v.resize(m);
            std::sort(v.begin(), v.end());
            return v;
        }

        [[nodiscard]] std::vector<GH> new_hist() const {
            return std::vector<GH>(static_cast<std::size_t>(offset_.back()));
        }

        /// Histogram of rows_[begin, end) over the tree's features (`hist` zero on entry);
        /// features split across threads. Every bin sums its rows in row order, so the result
        /// does not depend on the thread count.
        void build(std::vector<GH>& hist, Index begin, Index end, const Vector& g, const Vector& h) const {
            if (sparse_.used) {
                build_sparse(hist, begin, end, g, h);
                return;
            }
            const Index nf = static_cast<Index>(tree_features_.size());
            const Index threads = (end - begin) * nf >= 65536 ? p_.n_threads : 1;
            const Index blocks = std::min<Index>(worker_count(nf, threads), nf);
            metalearn::parallel_for(blocks, threads, [&](Index blk) {
                const Index f0 = nf * blk / blocks;
                const Index f1 = nf * (blk + 1) / blocks;
                const bool all = nf == d_;
                for (Index idx = begin; idx < end; ++idx) {
                    const Index r = rows_[static_cast<std::size_t>(idx)];
                    const std::uint8_t* row = bins_.data() + static_cast<std::size_t>(r * d_);
                    const double gr = g[r];
                    const double hr = h[r];
                    for (Index j = f0; j < f1; ++j) {
                        const Index f = all ? j : tree_features_[static_cast<std::size_t>(j)];
                        GH& e = hist[static_cast<std::size_t>(offset_[static_cast<std::size_t>(f)] + row[f])];
                        e.g += gr;
                        e.h += hr;
                    }
                }
            });
        }

        /// `build` through `SparseRows`: the listed bins of every row, then each tree feature's
        /// most frequent bin as the node's sums (row order) minus the feature's other bins. Bins
        /// of features outside the tree may be filled too; nothing reads them.
        void build_sparse(std::vector<GH>& hist, Index begin, Index end, const Vector& g, const Vector& h) const {
            // the node's expected number of listed entries, for the choice of threads
            const auto n_rows = static_cast<Index>(sparse_.start.size()) - 1;
            const Index listed = (end - begin) * static_cast<Index>(sparse_.bin.size()) / std::max<Index>(n_rows, 1);
            const Index threads = listed >= 65536 ? p_.n_threads : 1;
            const Index blocks = std::min<Index>(worker_count(d_, threads), d_);
            metalearn::parallel_for(blocks, threads, [&](Index blk) {
                // this block owns the bins of features [f0, f1): global bins [lo, hi)
                const auto lo = static_cast<std::uint32_t>(offset_[static_cast<std::size_t>(d_ * blk / blocks)]);
                const auto hi = static_cast<std::uint32_t>(offset_[static_cast<std::size_t>(d_ * (blk + 1) / blocks)]);
                for (Index idx = begin; idx < end; ++idx) {
                    const auto r = static_cast<std::size_t>(rows_[static_cast<std::size_t>(idx)]);
                    const double gr = g[static_cast<Index>(r)];
                    const double hr = h[static_cast<Index>(r)];
                    const std::uint32_t* it = sparse_.bin.data() + sparse_.start[r];
                    const std::uint32_t* last = sparse_.bin.data() + sparse_.start[r + 1];
                    if (blocks == 1) {
                        for (; it != last; ++it) {
                            GH& e = hist[*it];
                            e.g += gr;
                            e.h += hr;
                        }
                    } else {
                        for (; it != last; ++it) {
                            if (*it < lo || *it >= hi) continue;
                            GH& e = hist[*it];
                            e.g += gr;
                            e.h += hr;
                        }
                    }
                }
            });
            double G = 0.0, H = 0.0;
            for (Index idx = begin; idx < end; ++idx) {
                const Index r = rows_[static_cast<std::size_t>(idx)];
                G += g[r];
                H += h[r];
            }
            for (Index f : tree_features_) {
                const Index mf = sparse_.most_frequent[static_cast<std::size_t>(f)];
                double sg = 0.0, sh = 0.0;
                for (Index b = offset_[static_cast<std::size_t>(f)]; b < offset_[static_cast<std::size_t>(f) + 1]; ++b)
                    if (b != mf) {
                        sg += hist[static_cast<std::size_t>(b)].g;
                        sh += hist[static_cast<std::size_t>(b)].h;
                    }
                hist[static_cast<std::size_t>(mf)] = {G - sg, H - sh};
            }
        }

        [[nodiscard]] double score(double G, double H) const {
            if (H < p_.min_child_weight || H <= 0.0) return 0.0;
            const double t = soft(G);
            return t * t / (H + p_.reg_lambda);
        }

        [[nodiscard]] double soft(double G) const {
            if (p_.reg_alpha == 0.0) return G;
            if (G > p_.reg_alpha) return G - p_.reg_alpha;
            if (G < -p_.reg_alpha) return G + p_.reg_alpha;
            return 0.0;
        }

        [[nodiscard]] double leaf_value(double G, double H) const {
            if (H < p_.min_child_weight || H <= 0.0) return 0.0;
            return -p_.learning_rate * soft(G) / (H + p_.reg_lambda);
        }

        [[nodiscard]] Split best_split(const std::vector<GH>& hist, double G, double H, const std::vector<Index>& features) const {
            Split best;
            const double parent = score(G, H);
            for (Index f : features) {
                const Index b0 = offset_[static_cast<std::size_t>(f)];
                const Index nb = offset_[static_cast<std::size_t>(f) + 1] - b0;
                double GL = 0.0, HL = 0.0;
                for (Index b = 0; b + 1 < nb; ++b) {
                    GL += hist[static_cast<std::size_t>(b0 + b)].g;
                    HL += hist[static_cast<std::size_t>(b0 + b)].h;
                    if (HL < p_.min_child_weight) continue;
                    const double HR = H - HL;
                    if (HR < p_.min_child_weight) break;
                    if (!(HL > 0.0) || !(HR > 0.0)) continue;
                    const double gain = score(GL, HL) + score(G - GL, HR) - parent;
                    if (best.feature < 0 || gain > best.gain + 1e-10 * std::abs(best.gain)) best = {f, b, gain, GL, HL};
                }
            }
            return best;
        }

        /// Stable partition of rows_[begin, end): rows with bin(f) ≤ b first; returns the split point.
        Index partition(Index begin, Index end, Index f, Index b) {
            Index l = begin;
            std::size_t r = 0;
            for (Index idx = begin; idx < end; ++idx) {
                const Index row = rows_[static_cast<std::size_t>(idx)];
                if (bins_[static_cast<std::size_t>(row * d_ + f)] <= b) rows_[static_cast<std::size_t>(l++)] = row;
                else buffer_[r++] = row;
            }
            std::copy(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(r),
                      rows_.begin() + static_cast<std::ptrdiff_t>(l));
            return l;
        }

        const std::vector<std::uint8_t>& bins_;
        const std::vector<Index>& offset_;
        const GbtBinner& binner_;
        Index d_;
        const GradientBoostingParams& p_;
        const SparseRows& sparse_;
        std::vector<Index> rows_, buffer_;
        std::vector<Index> tree_features_;
        std::vector<std::vector<Index>> level_features_;
        std::vector<Leaf> leaves_;
    };
};

/// JSON of boosted trees: per round, per output, `{"feature": [...], "threshold": [...], "left":
/// [...], "right": [...], "value": [...], "gain": [...]}` (one entry per node; a leaf has feature
/// −1 and children −1).
inline nlohmann::json gbt_rounds_json(const std::vector<std::vector<GbtTree>>& rounds) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& trees : rounds) {
        nlohmann::json r = nlohmann::json::array();
        for (const auto& t : trees) {
            nlohmann::json feature = nlohmann::json::array(), threshold = nlohmann::json::array(),
                           left = nlohmann::json::array(), right = nlohmann::json::array(),
                           value = nlohmann::json::array(), gain = nlohmann::json::array();
            for (const auto& nd : t.nodes) {
                feature.push_back(nd.feature);
                threshold.push_back(nd.threshold);
                left.push_back(nd.left);
                right.push_back(nd.right);
                value.push_back(nd.value);
                gain.push_back(nd.gain);
            }
            r.push_back({{"feature", std::move(feature)},
                         {"threshold", std::move(threshold)},
                         {"left", std::move(left)},
                         {"right", std::move(right)},
                         {"value", std::move(value)},
                         {"gain", std::move(gain)}});
        }
        out.push_back(std::move(r));
    }
    return out;
}

/// Read `gbt_rounds_json`'s output: `n_outputs` trees per round over `n_features` features.
/// @throws ParseError on a wrong structure; DataError when the nodes do not form a tree (a child
///         index not after its parent or used twice, a leaf with a child, a feature out of range) or
///         a number is not finite.
inline std::vector<std::vector<GbtTree>> gbt_rounds_from_json(const nlohmann::json& j, const JsonAt& at, Index n_outputs,
                                                              Index n_features) {
    const auto& arr = json_array(j, at);
    if (arr.empty()) json_value_error(at, "no rounds (expected at least 1)");
    std::vector<std::vector<GbtTree>> rounds;
    for (std::size_t r = 0; r < arr.size(); ++r) {
        const JsonAt ra = at / r;
        const auto& trees = json_array(arr[r], ra, n_outputs);
        std::vector<GbtTree> out;
        for (std::size_t c = 0; c < trees.size(); ++c) {
            const JsonAt ta = ra / c;
            const auto& tj = json_object(trees[c], ta);
            const auto& feature = json_array(json_field(tj, ta, "feature"), ta / "feature");
            const auto m = static_cast<Index>(feature.size());
            if (m < 1) json_value_error(ta / "feature", "a tree without nodes");
            const auto& threshold = json_array(json_field(tj, ta, "threshold"), ta / "threshold", m);
            const auto& left = json_array(json_field(tj, ta, "left"), ta / "left", m);
            const auto& right = json_array(json_field(tj, ta, "right"), ta / "right", m);
            const auto& value = json_array(json_field(tj, ta, "value"), ta / "value", m);
            const auto& gain = json_array(json_field(tj, ta, "gain"), ta / "gain", m);
            GbtTree t;
            t.nodes.resize(static_cast<std::size_t>(m));
            std::vector<char> used(static_cast<std::size_t>(m), 0);
            for (Index i = 0; i < m; ++i) {
                const auto u = static_cast<std::size_t>(i);
                GbtNode& nd = t.nodes[u];
                nd.feature = static_cast<std::int32_t>(json_index(feature[u], ta / "feature" / u, -1, n_features - 1));
                nd.threshold = json_double(threshold[u], ta / "threshold" / u);
                nd.left = static_cast<std::int32_t>(json_index(left[u], ta / "left" / u, -1, m - 1));
                nd.right = static_cast<std::int32_t>(json_index(right[u], ta / "right" / u, -1, m - 1));
                nd.value = json_double(value[u], ta / "value" / u);
                if (std::abs(nd.value) > kMaxGbtMagnitude)
                    json_value_error(ta / "value" / u, fmt::format("leaf value out of range (expected |v| <= 1e100, got {})",
                                                                  nd.value));
                nd.gain = json_double(gain[u], ta / "gain" / u);
                if (nd.feature < 0) {
                    if (nd.left != -1 || nd.right != -1) json_value_error(ta / "left" / u, "a leaf (feature -1) with children");
                    continue;
                }
                for (const Index child : {Index{nd.left}, Index{nd.right}}) {
                    if (child <= i) json_value_error(ta / "left" / u, fmt::format("child {} of node {} is not after it", child, i));
                    if (used[static_cast<std::size_t>(child)]++)
                        json_value_error(ta / "left" / u, fmt::format("node {} is the child of two nodes", child));
                }
            }
            for (Index i = 1; i < m; ++i)
                if (!used[static_cast<std::size_t>(i)])
                    json_value_error(ta / "feature", fmt::format("node {} is not reachable from the root", i));
            out.push_back(std::move(t));
        }
        rounds.push_back(std::move(out));
    }
    return rounds;
}

/// Throw DataError unless every base margin has |v| ≤ 1e100.
inline void check_gbt_base_margin(const Vector& base, const JsonAt& at) {
    for (Index c = 0; c < base.size(); ++c)
        if (std::abs(base[c]) > kMaxGbtMagnitude)
            json_value_error(at / static_cast<std::size_t>(c),
                             fmt::format("base margin out of range (expected |v| <= 1e100, got {})", base[c]));
}

/// The `"params"` object of a saved boosting model.
inline nlohmann::json gbt_params_json(const GradientBoostingParams& p) {
    return {{"n_estimators", p.n_estimators},
            {"learning_rate", p.learning_rate},
            {"max_depth", p.max_depth},
            {"min_child_weight", p.min_child_weight},
            {"reg_lambda", p.reg_lambda},
            {"reg_alpha", p.reg_alpha},
            {"gamma", p.gamma},
            {"subsample", p.subsample},
            {"colsample_bytree", p.colsample_bytree},
            {"colsample_bylevel", p.colsample_bylevel},
            {"max_bin", p.max_bin},
            {"validation_fraction", p.validation_fraction},
            {"n_iter_no_change", p.n_iter_no_change},
            {"tol", p.tol},
            {"class_weight", to_string(p.class_weight)},
            {"class_weights", p.class_weights},
            {"n_threads", p.n_threads}};
}

/// Read `gbt_params_json`'s output. @throws ParseError / DataError as the other readers.
inline GradientBoostingParams gbt_params_from_json(const nlohmann::json& pj, const JsonAt& pa) {
    auto real = [&](std::string_view key) { return json_double(json_field(pj, pa, key), pa / key); };
    auto integer = [&](std::string_view key) { return json_index(json_field(pj, pa, key), pa / key); };
    GradientBoostingParams p;
    p.n_estimators = integer("n_estimators");
    p.learning_rate = real("learning_rate");
    p.max_depth = integer("max_depth");
    p.min_child_weight = real("min_child_weight");
    p.reg_lambda = real("reg_lambda");
    p.reg_alpha = real("reg_alpha");
    p.gamma = real("gamma");
    p.subsample = real("subsample");
    p.colsample_bytree = real("colsample_bytree");
    p.colsample_bylevel = real("colsample_bylevel");
    p.max_bin = integer("max_bin");
    p.validation_fraction = real("validation_fraction");
    p.n_iter_no_change = integer("n_iter_no_change");
    p.tol = real("tol");
    read_class_weight_json(pj, pa, p);
    p.n_threads = integer("n_threads");
    return p;
}

using GbtRounds = std::vector<std::vector<GbtTree>>;

/// The saved form of a fitted boosting model (see `GradientBoostingClassifier::to_json`);
/// `n_classes` 0 for the regressor (no "n_classes" member).
inline nlohmann::json gbt_model_json(std::string_view kind, const GradientBoostingParams& p, std::uint64_t seed,
                                     Index n_features, Index n_classes, const Vector& base, const Vector& importances,
                                     const GbtRounds& rounds) {
    nlohmann::json j = {{"kind", kind},
                        {"version", 1},
                        {"params", gbt_params_json(p)},
                        {"seed", seed},
                        {"n_features", n_features}};
    if (n_classes > 0) j["n_classes"] = n_classes;
    j["base_margin"] = vector_json(base);
    j["importances"] = vector_json(importances);
    j["rounds"] = gbt_rounds_json(rounds);
    return j;
}

/// Read the fitted state of `gbt_model_json`'s output with `outputs` margins per row (the
/// header, "params" and "n_classes" are read by the caller).
/// @throws ParseError / DataError as the readers above.
inline void gbt_model_from_json(const nlohmann::json& j, const JsonAt& at, Index outputs, std::uint64_t& seed,
                                Index& n_features, Vector& base, Vector& importances, GbtRounds& rounds) {
    seed = json_uint64(json_field(j, at, "seed"), at / "seed");
    n_features = json_index(json_field(j, at, "n_features"), at / "n_features", 1);
    base = json_vector(json_field(j, at, "base_margin"), at / "base_margin", outputs);
    check_gbt_base_margin(base, at / "base_margin");
    importances = json_vector(json_field(j, at, "importances"), at / "importances", n_features);
    rounds = gbt_rounds_from_json(json_field(j, at, "rounds"), at / "rounds", outputs, n_features);
}

/// The hyperparameters of a saved model, validated by `set` (a model's `set_params`).
/// @throws ParseError on a wrong structure; DataError when `set` refuses them.
template <class Set>
GradientBoostingParams gbt_read_params(const nlohmann::json& j, const JsonAt& at, Set&& set) {
    const GradientBoostingParams p = gbt_params_from_json(json_field(j, at, "params"), at / "params");
    try {
        set(p);
    } catch (const ConfigError& e) {
        json_value_error(at / "params", e.what());
    }
    return p;
}

/// Total split gain per feature normalised to sum 1 (all 0 when no tree split).
inline Vector gbt_normalised(const Vector& importances) {
    const double s = importances.sum();
    return s > 0.0 ? Vector(importances / s) : Vector(importances);
}

/// The declared search space shared by both models (see `GradientBoostingClassifier::search_space`).
template <class Params>
hpo::SearchSpace<Params> gbt_search_space() {
    return hpo::SearchSpace<Params>()
        .add("n_estimators", &Params::n_estimators, hpo::int_log_uniform(8, 1000))
        .add("learning_rate", &Params::learning_rate, hpo::log_uniform(0x1p-10, 1.0))
        .add("max_depth", &Params::max_depth, hpo::int_uniform(1, 15))
        .add("min_child_weight", &Params::min_child_weight, hpo::log_uniform(1.0, 128.0))
        .valid_range("min_child_weight", std::numeric_limits<double>::min(), std::numeric_limits<double>::max())
        .add("subsample", &Params::subsample, hpo::uniform(0.1, 1.0))
        .add("colsample_bytree", &Params::colsample_bytree, hpo::uniform(0.05, 1.0))
        .add("colsample_bylevel", &Params::colsample_bylevel, hpo::uniform(0.05, 1.0))
        .add("reg_lambda", &Params::reg_lambda, hpo::log_uniform(0x1p-10, 0x1p10))
        .valid_range("reg_lambda", std::numeric_limits<double>::min(), std::numeric_limits<double>::max())
        .fixed("reg_alpha", &Params::reg_alpha, hpo::uniform(0.0, std::numeric_limits<double>::max()))
        .fixed("gamma", &Params::gamma, hpo::uniform(0.0, std::numeric_limits<double>::max()))
        .fixed("max_bin", &Params::max_bin, hpo::int_uniform(2, 256))
        .fixed("validation_fraction", &Params::validation_fraction, hpo::uniform(0.0, 0.99))
        .fixed("n_iter_no_change", &Params::n_iter_no_change, hpo::int_uniform(1, long{1} << 30));
}

}  // namespace detail

/// Gradient-boosted trees for classification (xgboost's `binary:logistic` for K = 2 classes,
/// `multi:softprob` for K > 2; see the file documentation for the method).
///
/// - Initial margins: the log-odds of the weighted share of class 1 (K = 2), the log of each
///   class's weighted share (K > 2); xgboost 1.7 starts at 0 instead (`base_score` 0.5), which
///   costs early rounds on unbalanced data.
/// - K = 2 grows one tree per round on margin f, P(class 1) = σ(f); K > 2 grows K trees per round,
///   P = softmax(f) with hessian 2·p(1 − p) as xgboost.
/// - A declared class without samples keeps a share of 1e-12 (margin log 1e-12) and never becomes
///   a prediction in practice.
/// - Sample weights from `class_weight` multiply gradients and hessians (so `min_child_weight`
///   counts weighted hessian, as in xgboost).
/// Fit O(rounds · K · (n·p' + depth·n + 2^depth·bins·p')), p' = features a tree may use; predict
/// O(m · rounds · K · depth).
class GradientBoostingClassifier {
public:
    using params_type = GradientBoostingParams;
    static constexpr std::string_view name = "gradient_boosting_classifier";

    GradientBoostingClassifier() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit GradientBoostingClassifier(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError naming the parameter when one is out of the range its member documents.
    void set_params(const params_type& p) {
        detail::check_gbt_params("GradientBoostingClassifier::set_params()", p);
        params_ = p;
        rounds_.clear();
    }
    [[nodiscard]] params_type params() const { return params_; }
    /// Seed of row and column subsampling and of the early-stopping split (default 0).
    void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }

    /// Fit with K = max(y) + 1 classes.
    void fit(const MatrixRef& X, const VectorRef& y) { fit(X, y, 0); }

    /// Boost.
    /// @param X n×p finite features; @param y n class codes in [0, K); @param n_classes declared K
    /// (≤ 0: max(y) + 1).
    /// @throws DataError on empty data, a shape mismatch, non-finite values, bad labels, fewer
    ///         than two classes present, explicit class weights that are not K or give every sample weight 0, or an
    ///         early-stopping split that leaves no training or no validation row.
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes) {
        constexpr std::string_view where = "GradientBoostingClassifier::fit()";
        detail::check_xy(where, X, y);
        Index k = 0;
        const auto codes = detail::class_codes(where, y, n_classes, k);
        detail::require_two_classes(where, detail::class_counts(codes, k));
        const Vector w = detail::class_sample_weights(where, codes, k, params_.class_weight, params_.class_weights);
        Vector target(X.rows());
        for (Index i = 0; i < X.rows(); ++i) target[i] = static_cast<double>(codes[static_cast<std::size_t>(i)]);
        const auto loss = k == 2 ? detail::GbtEngine::Loss::logistic : detail::GbtEngine::Loss::softmax;
        auto res = detail::GbtEngine::fit(where, X, target, w, loss, k == 2 ? 1 : k, params_, seed_);
        rounds_ = std::move(res.rounds);
        base_ = std::move(res.base_margin);
        importances_ = std::move(res.importances);
        k_ = k;
        n_features_ = X.cols();
    }

    /// Raw margins (m×1 for K = 2: the log-odds of class 1; m×K for K > 2).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Matrix decision_function(const MatrixRef& X) const {
        constexpr std::string_view where = "GradientBoostingClassifier::decision_function()";
        detail::require_fitted(where, is_fitted());
        detail::check_predict_x(where, X, n_features_);
        return detail::GbtEngine::margins(X, rounds_, base_, params_.n_threads);
    }

    /// Class probabilities (m×K, rows sum to 1).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const {
        constexpr std::string_view where = "GradientBoostingClassifier::predict_proba()";
        detail::require_fitted(where, is_fitted());
        detail::check_predict_x(where, X, n_features_);
        Matrix F = detail::GbtEngine::margins(X, rounds_, base_, params_.n_threads);
        if (k_ == 2) {
            Matrix P(X.rows(), 2);
            for (Index i = 0; i < X.rows(); ++i) {
                P(i, 1) = 1.0 / (1.0 + std::exp(-F(i, 0)));
                P(i, 0) = 1.0 - P(i, 1);
            }
            return P;
        }
        detail::softmax_rows(F);
        return F;
    }

    /// Most probable class per row (m), lowest code on ties.
    [[nodiscard]] Vector predict(const MatrixRef& X) const { return detail::argmax_rows(predict_proba(X)); }

    [[nodiscard]] bool is_fitted() const { return !rounds_.empty(); }
    [[nodiscard]] Index n_classes() const { return k_; }
    /// Rounds kept (n_estimators, or fewer after early stopping).
    [[nodiscard]] Index n_rounds() const { return static_cast<Index>(rounds_.size()); }
    /// Total split gain per feature, normalised to sum 1 (p; all 0 when no tree split).
    [[nodiscard]] Vector feature_importances() const {
        detail::require_fitted("GradientBoostingClassifier::feature_importances()", is_fitted());
        return detail::gbt_normalised(importances_);
    }

    /// The fitted model as JSON: `{"kind": "gradient_boosting_classifier", "version": 1,
    /// "params": {...every member...}, "seed", "n_features", "n_classes", "base_margin": [1 or K],
    /// "importances": [p], "rounds": [per round, 1 or K trees]}`. `from_json` of it predicts
    /// bit-identically. @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const {
        detail::require_fitted("GradientBoostingClassifier::to_json()", is_fitted());
        return detail::gbt_model_json(name, params_, seed_, n_features_, k_, base_, importances_, rounds_);
    }

    /// A fitted model from `to_json()`'s output.
    /// @throws ParseError when `j` is not a saved boosting classifier (wrong structure, kind or
    ///         version); DataError when a value is unusable (hyperparameters out of range, K < 2,
    ///         trees that are not trees, non-finite numbers). Messages name the field as a JSON
    ///         pointer.
    [[nodiscard]] static GradientBoostingClassifier from_json(const nlohmann::json& j) {
        const detail::JsonAt at{"GradientBoostingClassifier::from_json()", ""};
        detail::json_check_header(j, at, name, 1);
        GradientBoostingClassifier m;
        detail::gbt_read_params(j, at, [&](const params_type& p) { m.set_params(p); });
        m.k_ = detail::json_index(detail::json_field(j, at, "n_classes"), at / "n_classes", 2,
                                  detail::kMaxDeclaredClasses);
        detail::gbt_model_from_json(j, at, m.k_ == 2 ? 1 : m.k_, m.seed_, m.n_features_, m.base_, m.importances_,
                                    m.rounds_);
        return m;
    }

    /// Declared search space, after the xgboost space of the Tunability study (Probst, Boulesteix
    /// & Bischl 2019, "Tunability: Importance of Hyperparameters of Machine Learning Algorithms",
    /// JMLR 20(53), Table 1): learning_rate (eta) log-uniform in [2⁻¹⁰, 1]; max_depth int in
    /// [1, 15]; min_child_weight log-uniform in [1, 2⁷]; subsample in [0.1, 1]; colsample_bytree
    /// and colsample_bylevel in [0.05, 1] (the study's [0, 1], without the degenerate 0);
    /// reg_lambda log-uniform in [2⁻¹⁰, 2¹⁰]; n_estimators int log-uniform in [8, 1000] (the
    /// study searches nrounds up to 5000; capped here for the cost of meta-data collection).
    /// class_weight {none, balanced}. The study also searches reg_alpha on 2^[−10, 10]; here it
    /// is a fixed member at xgboost's default 0, because the default configuration must be a
    /// point of the space and 0 has no place on that log scale. reg_alpha, gamma, max_bin and
    /// the early stopping members are fixed, settable by name.
    static hpo::SearchSpace<params_type> search_space() {
        return detail::gbt_search_space<params_type>().add(
            "class_weight", &params_type::class_weight,
            hpo::categorical<ClassWeight>({{"none", ClassWeight::none}, {"balanced", ClassWeight::balanced}}));
    }

private:
    params_type params_{};
    std::vector<std::vector<detail::GbtTree>> rounds_;
    Vector base_;
    Vector importances_;
    Index n_features_ = 0;
    Index k_ = 0;
    std::uint64_t seed_ = 0;
};

static_assert(Classifier<GradientBoostingClassifier>);

/// Gradient-boosted trees for regression with squared error (xgboost's `reg:squarederror`; see
/// the file documentation). The initial margin is the mean of y (xgboost 1.7 starts at 0.5);
/// `class_weight` is ignored.
class GradientBoostingRegressor {
public:
    using params_type = GradientBoostingParams;
    static constexpr std::string_view name = "gradient_boosting_regressor";

    GradientBoostingRegressor() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit GradientBoostingRegressor(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError naming the parameter when one is out of range.
    void set_params(const params_type& p) {
        detail::check_gbt_params("GradientBoostingRegressor::set_params()", p);
        params_ = p;
        rounds_.clear();
    }
    [[nodiscard]] params_type params() const { return params_; }
    /// Seed of row and column subsampling and of the early-stopping split (default 0).
    void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }

    /// Boost. @param X n×p finite features; @param y n finite targets with |y| ≤ 1e100.
    /// @throws DataError on empty data, a shape mismatch, non-finite values, a target beyond
    ///         ±1e100, or an early-stopping split that leaves no validation row.
    void fit(const MatrixRef& X, const VectorRef& y) {
        constexpr std::string_view where = "GradientBoostingRegressor::fit()";
        detail::check_xy(where, X, y);
        for (Index i = 0; i < y.size(); ++i)
            if (std::abs(y[i]) > detail::kMaxGbtMagnitude)
                throw DataError(fmt::format("{}: y[{}] = {} is beyond ±1e100, where squared gradients overflow "
                                            "(expected |y| <= 1e100; rescale the target)",
                                            where, i, y[i]));
        const Vector target = y;
        const Vector w = Vector::Ones(X.rows());
        auto res = detail::GbtEngine::fit(where, X, target, w, detail::GbtEngine::Loss::squared_error, 1, params_, seed_);
        rounds_ = std::move(res.rounds);
        base_ = std::move(res.base_margin);
        importances_ = std::move(res.importances);
        n_features_ = X.cols();
    }

    /// Predictions (m). @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        constexpr std::string_view where = "GradientBoostingRegressor::predict()";
        detail::require_fitted(where, is_fitted());
        detail::check_predict_x(where, X, n_features_);
        return detail::GbtEngine::margins(X, rounds_, base_, params_.n_threads).col(0);
    }

    [[nodiscard]] bool is_fitted() const { return !rounds_.empty(); }
    /// Rounds kept (n_estimators, or fewer after early stopping).
    [[nodiscard]] Index n_rounds() const { return static_cast<Index>(rounds_.size()); }
    /// Total split gain per feature, normalised to sum 1 (p).
    [[nodiscard]] Vector feature_importances() const {
        detail::require_fitted("GradientBoostingRegressor::feature_importances()", is_fitted());
        return detail::gbt_normalised(importances_);
    }

    /// The fitted model as JSON, as `GradientBoostingClassifier::to_json` without "n_classes"
    /// (kind "gradient_boosting_regressor", one tree per round). @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const {
        detail::require_fitted("GradientBoostingRegressor::to_json()", is_fitted());
        return detail::gbt_model_json(name, params_, seed_, n_features_, 0, base_, importances_, rounds_);
    }

    /// A fitted model from `to_json()`'s output. @throws ParseError / DataError as
    /// `GradientBoostingClassifier::from_json`.
    [[nodiscard]] static GradientBoostingRegressor from_json(const nlohmann::json& j) {
        const detail::JsonAt at{"GradientBoostingRegressor::from_json()", ""};
        detail::json_check_header(j, at, name, 1);
        GradientBoostingRegressor m;
        detail::gbt_read_params(j, at, [&](const params_type& p) { m.set_params(p); });
        detail::gbt_model_from_json(j, at, 1, m.seed_, m.n_features_, m.base_, m.importances_, m.rounds_);
        return m;
    }

    /// Declared search space: as `GradientBoostingClassifier::search_space()` without class_weight.
    static hpo::SearchSpace<params_type> search_space() { return detail::gbt_search_space<params_type>(); }

private:
    params_type params_{};
    std::vector<std::vector<detail::GbtTree>> rounds_;
    Vector base_;
    Vector importances_;
    Index n_features_ = 0;
    std::uint64_t seed_ = 0;
};

static_assert(Regressor<GradientBoostingRegressor>);

}  // namespace metalearn::models
