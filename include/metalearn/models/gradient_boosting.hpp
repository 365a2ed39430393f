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

#include "metalearn/core/config.hpp"
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
    [[nodiscard]] double predict(const double* x) const;
};

/// Largest magnitude of a regression target, a saved leaf value or a saved base margin: sums of
/// squared gradients must stay far from overflow.
inline constexpr double kMaxGbtMagnitude = 1e100;

/// Check the hyperparameters. @throws ConfigError naming `where` and the parameter.
void check_gbt_params(std::string_view where, const GradientBoostingParams& p);

/// Per-feature bin edges: bin(v) = number of edges < v, so a split "bin ≤ b" is "v ≤ edges[b]".
struct GbtBinner {
    std::vector<std::vector<double>> edges;  ///< p lists of increasing thresholds (bins − 1 each).

    /// Edges of each column of X over `rows` (all rows when empty), at most `max_bin` bins.
    void fit(const MatrixRef& X, const std::vector<Index>& rows, Index max_bin);

    /// Number of bins of feature f.
    [[nodiscard]] Index bins(Index f) const { return static_cast<Index>(edges[static_cast<std::size_t>(f)].size()) + 1; }

    /// Bin of value v in feature f.
    [[nodiscard]] std::uint8_t bin(Index f, double v) const;

    /// A threshold t with a ≤ t < b (a < b): their midpoint, or a when the midpoint rounds to b.
    static double between(double a, double b);
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
                      Index k, const GradientBoostingParams& p, std::uint64_t seed);

    /// Margins (m×k) of X: base margin plus every kept tree's value.
    static Matrix margins(const MatrixRef& X, const std::vector<std::vector<GbtTree>>& rounds, const Vector& base,
                          Index n_threads);

    /// Rows of a row-wise softmax of margins (only `rows` filled).
    static Matrix softmax(const Matrix& margin, const std::vector<Index>& rows);

private:
    /// Histogram entry: sums of gradients and hessians of a bin.
    struct GH {
        double g = 0.0;
        double h = 0.0;
    };

    static GbtTree leaf_only();

    static void split_validation(std::string_view where, const Vector& target, Loss loss, Index k, double fraction,
                                 std::uint64_t seed, std::vector<Index>& train, std::vector<Index>& valid);

    /// Initial margins: the weighted mean (squared error), the log-odds of the weighted class-1
    /// share (logistic) or the log of each class's weighted share (softmax), shares clipped to
    /// [1e-12, 1 − 1e-12].
    static Vector base_margin(const Vector& target, const Vector& w, const std::vector<Index>& rows, Loss loss, Index k);

    /// Gradient and hessian of output c at every row of `rows` (xgboost's objectives:
    /// squared error g = f − y, h = 1; logistic g = σ(f) − y, h = max(σ(1 − σ), 1e-16); softmax
    /// g = p_c − [y = c], h = max(2·p_c(1 − p_c), 1e-16)), times the sample weight.
    static void gradients(Loss loss, const Matrix& margin, const Matrix& prob, const Vector& target, const Vector& w,
                          const std::vector<Index>& rows, Index c, Vector& g, Vector& h);

    /// Weighted mean loss on the validation rows: squared error, or log loss.
    static double validation_loss(Loss loss, const Matrix& margin, const Vector& target, const Vector& w,
                                  const std::vector<Index>& rows);

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
nlohmann::json gbt_rounds_json(const std::vector<std::vector<GbtTree>>& rounds);

/// Read `gbt_rounds_json`'s output: `n_outputs` trees per round over `n_features` features.
/// @throws ParseError on a wrong structure; DataError when the nodes do not form a tree (a child
///         index not after its parent or used twice, a leaf with a child, a feature out of range) or
///         a number is not finite.
std::vector<std::vector<GbtTree>> gbt_rounds_from_json(const nlohmann::json& j, const JsonAt& at, Index n_outputs,
                                                       Index n_features);

/// Throw DataError unless every base margin has |v| ≤ 1e100.
void check_gbt_base_margin(const Vector& base, const JsonAt& at);

/// The `"params"` object of a saved boosting model.
nlohmann::json gbt_params_json(const GradientBoostingParams& p);

/// Read `gbt_params_json`'s output. @throws ParseError / DataError as the other readers.
GradientBoostingParams gbt_params_from_json(const nlohmann::json& pj, const JsonAt& pa);

using GbtRounds = std::vector<std::vector<GbtTree>>;

/// The saved form of a fitted boosting model (see `GradientBoostingClassifier::to_json`);
/// `n_classes` 0 for the regressor (no "n_classes" member).
nlohmann::json gbt_model_json(std::string_view kind, const GradientBoostingParams& p, std::uint64_t seed,
                              Index n_features, Index n_classes, const Vector& base, const Vector& importances,
                              const GbtRounds& rounds);

/// Read the fitted state of `gbt_model_json`'s output with `outputs` margins per row (the
/// header, "params" and "n_classes" are read by the caller).
/// @throws ParseError / DataError as the readers above.
void gbt_model_from_json(const nlohmann::json& j, const JsonAt& at, Index outputs, std::uint64_t& seed,
                         Index& n_features, Vector& base, Vector& importances, GbtRounds& rounds);

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
Vector gbt_normalised(const Vector& importances);

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
    void set_params(const params_type& p);
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
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes);

    /// Raw margins (m×1 for K = 2: the log-odds of class 1; m×K for K > 2).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Matrix decision_function(const MatrixRef& X) const;

    /// Class probabilities (m×K, rows sum to 1).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const;

    /// Most probable class per row (m), lowest code on ties.
    [[nodiscard]] Vector predict(const MatrixRef& X) const { return detail::argmax_rows(predict_proba(X)); }

    [[nodiscard]] bool is_fitted() const { return !rounds_.empty(); }
    [[nodiscard]] Index n_classes() const { return k_; }
    /// Rounds kept (n_estimators, or fewer after early stopping).
    [[nodiscard]] Index n_rounds() const { return static_cast<Index>(rounds_.size()); }
    /// Total split gain per feature, normalised to sum 1 (p; all 0 when no tree split).
    [[nodiscard]] Vector feature_importances() const;

    /// The fitted model as JSON: `{"kind": "gradient_boosting_classifier", "version": 1,
    /// "params": {...every member...}, "seed", "n_features", "n_classes", "base_margin": [1 or K],
    /// "importances": [p], "rounds": [per round, 1 or K trees]}`. `from_json` of it predicts
    /// bit-identically. @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const;

    /// A fitted model from `to_json()`'s output.
    /// @throws ParseError when `j` is not a saved boosting classifier (wrong structure, kind or
    ///         version); DataError when a value is unusable (hyperparameters out of range, K < 2,
    ///         trees that are not trees, non-finite numbers). Messages name the field as a JSON
    ///         pointer.
    [[nodiscard]] static GradientBoostingClassifier from_json(const nlohmann::json& j);

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
    static hpo::SearchSpace<params_type> search_space();

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
    void set_params(const params_type& p);
    [[nodiscard]] params_type params() const { return params_; }
    /// Seed of row and column subsampling and of the early-stopping split (default 0).
    void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }

    /// Boost. @param X n×p finite features; @param y n finite targets with |y| ≤ 1e100.
    /// @throws DataError on empty data, a shape mismatch, non-finite values, a target beyond
    ///         ±1e100, or an early-stopping split that leaves no validation row.
    void fit(const MatrixRef& X, const VectorRef& y);

    /// Predictions (m). @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Vector predict(const MatrixRef& X) const;

    [[nodiscard]] bool is_fitted() const { return !rounds_.empty(); }
    /// Rounds kept (n_estimators, or fewer after early stopping).
    [[nodiscard]] Index n_rounds() const { return static_cast<Index>(rounds_.size()); }
    /// Total split gain per feature, normalised to sum 1 (p).
    [[nodiscard]] Vector feature_importances() const;

    /// The fitted model as JSON, as `GradientBoostingClassifier::to_json` without "n_classes"
    /// (kind "gradient_boosting_regressor", one tree per round). @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const;

    /// A fitted model from `to_json()`'s output. @throws ParseError / DataError as
    /// `GradientBoostingClassifier::from_json`.
    [[nodiscard]] static GradientBoostingRegressor from_json(const nlohmann::json& j);

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

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/models/gradient_boosting_impl.hpp"
#endif

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library's instances for the bundled models (core/compiled_instances.hpp).
#define METALEARN_DECLARES_GRADIENT_BOOSTING
#include "metalearn/core/compiled_instances.hpp"
#endif
