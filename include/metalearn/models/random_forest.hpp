#pragma once
/// @file random_forest.hpp
/// @brief Random forests of CART trees: `RandomForestClassifier` and `RandomForestRegressor`.

#include "metalearn/core/error.hpp"
#include "metalearn/core/parallel.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/hpo/search_space.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/detail/cart.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/detail/validation.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string_view>
#include <vector>

namespace metalearn::models {

namespace detail {

/// Validate the forest-specific hyperparameters.
inline void validate_forest_params(std::string_view where, Index n_estimators, Index n_threads) {
    if (n_estimators < 1)
        throw ConfigError(fmt::format("{}: n_estimators out of range (expected >= 1, got {})", where, n_estimators));
    (void)resolve_threads(n_threads, where);  // ConfigError when negative
}

/// Grow `n_estimators` trees; tree t uses Rng(derive_seed(seed, {t})) for its bootstrap sample
/// and its splits, so the forest does not depend on the thread count. Trees are handed out
/// dynamically (their costs differ with depth); `n_threads` as in core/parallel.hpp.
inline std::vector<CartTree> grow_forest(const MatrixRef& X, const std::vector<Index>* codes, const VectorRef* y,
                                         const CartSettings& s, Index n_estimators, bool bootstrap,
                                         std::uint64_t seed, Index n_threads) {
    std::vector<CartTree> trees(static_cast<std::size_t>(n_estimators));
    const Index n = X.rows();
    const FeatureRanks ranks(X);  // shared, read-only
    metalearn::parallel_for(n_estimators, n_threads, [&](Index t) {
        Rng rng(derive_seed(seed, {static_cast<std::uint64_t>(t)}));
        std::vector<Index> samples(static_cast<std::size_t>(n));
        if (bootstrap) {
            for (auto& s_i : samples) s_i = static_cast<Index>(rng.uniform_index(static_cast<std::uint64_t>(n)));
            std::sort(samples.begin(), samples.end());
        } else {
            std::iota(samples.begin(), samples.end(), Index{0});
        }
        CartBuilder builder(ranks, codes, y, s);
        trees[static_cast<std::size_t>(t)] = builder.grow(std::move(samples), rng);
    }, Schedule::dynamic);
    return trees;
}

/// Mean over trees of each tree's normalised importances (p).
inline Vector forest_importances(const std::vector<CartTree>& trees, Index p) {
    Vector out = Vector::Zero(p);
    for (const auto& t : trees) {
        const double total = t.importance.sum();
        if (total > 0.0) out += t.importance / total;
    }
    const double total = out.sum();
    return total > 0.0 ? Vector(out / total) : out;
}

}  // namespace detail

/// Random forest classifier (Breiman 2001): bootstrap samples, CART trees with `max_features`
/// features examined per split, class probabilities averaged over trees (as scikit-learn).
///
/// Randomness: tree t draws its bootstrap sample and its feature subsets from
/// Rng(derive_seed(seed, {t})), seed set by `set_seed` (default 0), so the forest is identical
/// for any `n_threads`. Bootstrap duplicates are kept as repeated rows (equivalent to
/// scikit-learn's integer sample weights; `min_samples_leaf` then counts duplicates).
/// predict_proba: mean of the trees' leaf class frequencies (width K = declared classes).
/// Fit O(T·p'·n log² n) with p' = features examined; predict O(m·T·depth).
class RandomForestClassifier {
public:
    /// Hyperparameters; defaults are scikit-learn 1.2's `RandomForestClassifier`.
    struct params_type {
        Index n_estimators = 100;               ///< ≥ 1: number of trees.
        Criterion criterion = Criterion::gini;  ///< split quality.
        Index max_depth = 0;                    ///< ≥ 0; 0 = unlimited.
        Index min_samples_split = 2;            ///< ≥ 2.
        Index min_samples_leaf = 1;             ///< ≥ 1.
        double max_features = max_features_sqrt;  ///< fraction in (0, 1], `max_features_sqrt` or `max_features_log2`.
        bool bootstrap = true;                  ///< bootstrap sample per tree (else all rows).
        Index n_threads = 1;                    ///< ≥ 0: threads for fit and predict; 0 = all hardware threads (core/parallel.hpp).
    };

    static constexpr std::string_view name = "random_forest_classifier";

    RandomForestClassifier() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit RandomForestClassifier(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError when n_estimators < 1, n_threads < 0, or a tree parameter is invalid
    ///         (see `DecisionTreeClassifier::set_params`).
    void set_params(const params_type& p) {
        constexpr std::string_view where = "RandomForestClassifier::set_params()";
        detail::validate_forest_params(where, p.n_estimators, p.n_threads);
        detail::validate_tree_params(where, p.max_depth, p.min_samples_split, p.min_samples_leaf, p.max_features);
        params_ = p;
        trees_.clear();
    }
    [[nodiscard]] params_type params() const { return params_; }
    /// Seed for the next fit (default 0).
    void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }

    /// Fit with K = max(y) + 1 classes.
    void fit(const MatrixRef& X, const VectorRef& y) { fit(X, y, 0); }

    /// Grow the forest.
    /// @param X n×p finite features; @param y n class codes in [0, n_classes);
    /// @param n_classes declared K (≤ 0: max(y) + 1).
    /// @throws DataError on empty data, shape mismatch, non-finite values or bad labels.
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes) {
        constexpr std::string_view where = "RandomForestClassifier::fit()";
        detail::check_xy(where, X, y);
        Index k = 0;
        const auto codes = detail::class_codes(where, y, n_classes, k);
        const detail::CartSettings s{params_.max_depth, params_.min_samples_split, params_.min_samples_leaf,
                                     detail::resolve_max_features(params_.max_features, X.cols()), true,
                                     params_.criterion == Criterion::entropy, k};
        trees_ = detail::grow_forest(X, &codes, nullptr, s, params_.n_estimators, params_.bootstrap, seed_,
                                     params_.n_threads);
        n_features_ = X.cols();
        k_ = k;
    }

    /// Class probabilities (m×K, rows sum to 1): mean over trees of the leaf class frequencies.
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const {
        return proba(X, "RandomForestClassifier::predict_proba()");
    }

    /// Most probable class per row (m), lowest code on ties.
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        return detail::argmax_rows(proba(X, "RandomForestClassifier::predict()"));
    }

    [[nodiscard]] bool is_fitted() const { return !trees_.empty(); }
    [[nodiscard]] Index n_classes() const { return k_; }
    /// Number of fitted trees.
    [[nodiscard]] Index n_estimators() const { return static_cast<Index>(trees_.size()); }
    /// Mean of the trees' normalised impurity decreases (p, sums to 1 unless all trees are leaves).
    [[nodiscard]] Vector feature_importances() const {
        detail::require_fitted("RandomForestClassifier::feature_importances()", is_fitted());
        return detail::forest_importances(trees_, n_features_);
    }

    /// Declared search space: n_estimators int log in [10, 300]; criterion {gini, entropy};
    /// max_depth int in [0, 30] (0 = unlimited); min_samples_leaf int log in [1, 32];
    /// max_features {sqrt, log2, 0.25, 0.5, 0.75, 1.0}; bootstrap {false, true}.
    static hpo::SearchSpace<params_type> search_space() {
        return hpo::SearchSpace<params_type>()
            .add("n_estimators", &params_type::n_estimators, hpo::int_log_uniform(10, 300))
            .add("criterion", &params_type::criterion,
                 hpo::categorical<Criterion>({{"gini", Criterion::gini}, {"entropy", Criterion::entropy}}))
            .add("max_depth", &params_type::max_depth, hpo::int_uniform(0, 30))
            .add("min_samples_leaf", &params_type::min_samples_leaf, hpo::int_log_uniform(1, 32))
            .add("max_features", &params_type::max_features,
                 hpo::categorical<double>({{"sqrt", max_features_sqrt},
                                           {"log2", max_features_log2},
                                           {"0.25", 0.25},
                                           {"0.5", 0.5},
                                           {"0.75", 0.75},
                                           {"1.0", 1.0}}))
            .add("bootstrap", &params_type::bootstrap, hpo::boolean());
    }

private:
    [[nodiscard]] Matrix proba(const MatrixRef& X, std::string_view where) const {
        detail::require_fitted(where, is_fitted());
        detail::check_predict_x(where, X, n_features_);
        Matrix P = Matrix::Zero(X.rows(), k_);
        const double inv_t = 1.0 / static_cast<double>(trees_.size());
        // parallel over rows: each row sums the trees in order, whatever the thread count
        metalearn::parallel_for(X.rows(), std::min<Index>(resolve_threads(params_.n_threads), X.rows() / 64 + 1),
                             [&](Index i) {
                                 for (const auto& t : trees_) {
                                     const Vector& v = t.nodes[static_cast<std::size_t>(t.apply(X, i))].value;
                                     P.row(i) += (v / v.sum()).transpose();
                                 }
                                 P.row(i) *= inv_t;
                             });
        return P;
    }

    params_type params_{};
    std::vector<detail::CartTree> trees_;
    Index n_features_ = 0;
    Index k_ = 0;
    std::uint64_t seed_ = 0;
};

static_assert(Classifier<RandomForestClassifier>);

/// Random forest regressor (Breiman 2001): bootstrap samples, CART regression trees, mean of
/// the trees. The spread of the trees (`predict_per_tree`, `predict_std`) serves as a cheap
/// uncertainty estimate. Randomness and thread-independence as `RandomForestClassifier`.
class RandomForestRegressor {
public:
    /// Hyperparameters; defaults are scikit-learn 1.2's `RandomForestRegressor`
    /// (max_features 1.0 = all features).
    struct params_type {
        Index n_estimators = 100;     ///< ≥ 1.
        Index max_depth = 0;          ///< ≥ 0; 0 = unlimited.
        Index min_samples_split = 2;  ///< ≥ 2.
        Index min_samples_leaf = 1;   ///< ≥ 1.
        double max_features = 1.0;    ///< fraction in (0, 1], `max_features_sqrt` or `max_features_log2`.
        bool bootstrap = true;        ///< bootstrap sample per tree.
        Index n_threads = 1;          ///< ≥ 0: threads for fit and predict; 0 = all hardware threads (core/parallel.hpp).
        /// Member-wise equality.
        bool operator==(const params_type&) const = default;
    };

    static constexpr std::string_view name = "random_forest_regressor";

    RandomForestRegressor() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit RandomForestRegressor(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError as `RandomForestClassifier::set_params`.
    void set_params(const params_type& p) {
        constexpr std::string_view where = "RandomForestRegressor::set_params()";
        detail::validate_forest_params(where, p.n_estimators, p.n_threads);
        detail::validate_tree_params(where, p.max_depth, p.min_samples_split, p.min_samples_leaf, p.max_features);
        params_ = p;
        trees_.clear();
    }
    [[nodiscard]] params_type params() const { return params_; }
    /// Seed for the next fit (default 0).
    void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }

    /// Grow the forest.
    /// @param X n×p finite features; @param y n finite targets.
    /// @throws DataError on empty data, shape mismatch or non-finite values.
    void fit(const MatrixRef& X, const VectorRef& y) {
        constexpr std::string_view where = "RandomForestRegressor::fit()";
        detail::check_xy(where, X, y);
        const detail::CartSettings s{params_.max_depth, params_.min_samples_split, params_.min_samples_leaf,
                                     detail::resolve_max_features(params_.max_features, X.cols()), false, false, 0};
        trees_ = detail::grow_forest(X, nullptr, &y, s, params_.n_estimators, params_.bootstrap, seed_,
                                     params_.n_threads);
        n_features_ = X.cols();
    }

    /// Prediction of every tree (m×T).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Matrix predict_per_tree(const MatrixRef& X) const {
        return per_tree(X, "RandomForestRegressor::predict_per_tree()");
    }

    /// Mean of the trees (m).
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        return per_tree(X, "RandomForestRegressor::predict()").rowwise().mean();
    }

    /// Population standard deviation of the trees' predictions (m): a spread, not a
    /// calibrated predictive standard deviation.
    [[nodiscard]] Vector predict_std(const MatrixRef& X) const {
        const Matrix T = per_tree(X, "RandomForestRegressor::predict_std()");
        const Vector mean = T.rowwise().mean();
        return ((T.colwise() - mean).rowwise().squaredNorm() / static_cast<double>(T.cols())).cwiseSqrt();
    }

    [[nodiscard]] bool is_fitted() const { return !trees_.empty(); }
    /// Number of fitted trees.
    [[nodiscard]] Index n_estimators() const { return static_cast<Index>(trees_.size()); }
    /// Mean of the trees' normalised impurity decreases (p).
    [[nodiscard]] Vector feature_importances() const {
        detail::require_fitted("RandomForestRegressor::feature_importances()", is_fitted());
        return detail::forest_importances(trees_, n_features_);
    }

    /// Seed set by `set_seed`.
    [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }
    /// Number of features p seen in fit (0 before fit).
    [[nodiscard]] Index n_features() const noexcept { return n_features_; }

    /// The fitted forest as JSON: `{"kind": "random_forest_regressor", "version": 1, "params":
    /// {"n_estimators", "max_depth", "min_samples_split", "min_samples_leaf", "max_features",
    /// "bootstrap", "n_threads"}, "seed", "n_features", "trees": [n_estimators trees as in
    /// detail::cart_tree_json, one value per node]}`. `from_json` of it predicts
    /// bit-identically. @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const {
        detail::require_fitted("RandomForestRegressor::to_json()", is_fitted());
        auto trees = nlohmann::json::array();
        for (const auto& t : trees_) trees.push_back(detail::cart_tree_json(t));
        return {{"kind", name},
                {"version", 1},
                {"params", params_json(params_)},
                {"seed", seed_},
                {"n_features", n_features_},
                {"trees", std::move(trees)}};
    }

    /// The `"params"` object of `to_json()` for hyperparameters p.
    [[nodiscard]] static nlohmann::json params_json(const params_type& p) {
        nlohmann::json pj = detail::tree_params_json(p.max_depth, p.min_samples_split, p.min_samples_leaf, p.max_features);
        pj["n_estimators"] = p.n_estimators;
        pj["bootstrap"] = p.bootstrap;
        pj["n_threads"] = p.n_threads;
        return pj;
    }

    /// A fitted forest from `to_json()`'s output.
    /// @throws ParseError when `j` is not a saved forest regressor (not an object, another kind,
    ///         an unknown version, a missing field, a value of the wrong JSON type); DataError
    ///         when a value is unusable: hyperparameters out of range, n_features < 1, a number
    ///         of trees other than n_estimators, a tree whose nodes do not form a tree over
    ///         n_features features (see `detail::cart_tree_from_json`), non-finite numbers.
    ///         Messages name the field as a JSON pointer.
    [[nodiscard]] static RandomForestRegressor from_json(const nlohmann::json& j) {
        const detail::JsonAt at{"RandomForestRegressor::from_json()", ""};
        detail::json_check_header(j, at, name, 1);
        const auto pa = at / "params";
        const auto& pj = detail::json_field(j, at, "params");
        params_type p;
        detail::read_tree_params(pj, pa, p.max_depth, p.min_samples_split, p.min_samples_leaf, p.max_features);
        p.n_estimators = detail::json_index(detail::json_field(pj, pa, "n_estimators"), pa / "n_estimators", 1);
        p.bootstrap = detail::json_bool(detail::json_field(pj, pa, "bootstrap"), pa / "bootstrap");
        p.n_threads = detail::json_index(detail::json_field(pj, pa, "n_threads"), pa / "n_threads", 0);
        RandomForestRegressor m(p);
        m.seed_ = detail::json_uint64(detail::json_field(j, at, "seed"), at / "seed");
        m.n_features_ = detail::json_index(detail::json_field(j, at, "n_features"), at / "n_features", 1);
        const auto& tj = detail::json_array(detail::json_field(j, at, "trees"), at / "trees", p.n_estimators);
        m.trees_.reserve(tj.size());
        for (std::size_t t = 0; t < tj.size(); ++t)
            m.trees_.push_back(detail::cart_tree_from_json(tj[t], at / "trees" / t, m.n_features_, 1));
        return m;
    }

    /// Declared search space: as `RandomForestClassifier::search_space()` without criterion.
    static hpo::SearchSpace<params_type> search_space() {
        return hpo::SearchSpace<params_type>()
            .add("n_estimators", &params_type::n_estimators, hpo::int_log_uniform(10, 300))
            .add("max_depth", &params_type::max_depth, hpo::int_uniform(0, 30))
            .add("min_samples_leaf", &params_type::min_samples_leaf, hpo::int_log_uniform(1, 32))
            .add("max_features", &params_type::max_features,
                 hpo::categorical<double>({{"sqrt", max_features_sqrt},
                                           {"log2", max_features_log2},
                                           {"0.25", 0.25},
                                           {"0.5", 0.5},
                                           {"0.75", 0.75},
                                           {"1.0", 1.0}}))
            .add("bootstrap", &params_type::bootstrap, hpo::boolean());
    }

private:
    [[nodiscard]] Matrix per_tree(const MatrixRef& X, std::string_view where) const {
        detail::require_fitted(where, is_fitted());
        detail::check_predict_x(where, X, n_features_);
        Matrix T(X.rows(), static_cast<Index>(trees_.size()));
        metalearn::parallel_for(static_cast<Index>(trees_.size()), params_.n_threads,
                             [&](Index t) {
                                 const auto& tree = trees_[static_cast<std::size_t>(t)];
                                 for (Index i = 0; i < X.rows(); ++i)
                                     T(i, t) = tree.nodes[static_cast<std::size_t>(tree.apply(X, i))].value[0];
                             });
        return T;
    }

    params_type params_{};
    std::vector<detail::CartTree> trees_;
    Index n_features_ = 0;
    std::uint64_t seed_ = 0;
};

static_assert(Regressor<RandomForestRegressor>);

}  // namespace metalearn::models
