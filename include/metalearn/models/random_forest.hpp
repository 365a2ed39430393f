#pragma once
/// @file random_forest.hpp
/// @brief Random forests of CART trees: `RandomForestClassifier` and `RandomForestRegressor`.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/class_weight.hpp"
#include "metalearn/models/detail/cart.hpp"
#include "metalearn/models/detail/serialization.hpp"

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
METALEARN_INLINE void validate_forest_params(std::string_view where, Index n_estimators, Index n_threads);

/// Grow `n_estimators` trees; tree t uses Rng(derive_seed(seed, {t})) for its bootstrap sample
/// and its splits, so the forest does not depend on the thread count. Trees are handed out
/// dynamically (their costs differ with depth); `n_threads` as in core/parallel.hpp. A bootstrap
/// sample is n draws with replacement, grown as distinct rows with multiplicities
/// (`CartBuilder::grow`).
METALEARN_INLINE std::vector<CartTree> grow_forest(const FeatureRanks& ranks, const std::vector<Index>* codes, const VectorRef* y,
                                         const CartSettings& s, Index n_estimators, bool bootstrap,
                                         std::uint64_t seed, Index n_threads);

/// The same, on the ranks of X computed here.
METALEARN_INLINE std::vector<CartTree> grow_forest(const MatrixRef& X, const std::vector<Index>* codes, const VectorRef* y,
                                         const CartSettings& s, Index n_estimators, bool bootstrap,
                                         std::uint64_t seed, Index n_threads);

/// Mean over trees of each tree's normalised importances (p).
METALEARN_INLINE Vector forest_importances(const std::vector<CartTree>& trees, Index p);

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
        /// Weight of each sample by its class, computed on the training data given to fit, not
        /// per bootstrap sample (scikit-learn's `class_weight="balanced"`; see class_weight.hpp).
        ClassWeight class_weight = ClassWeight::none;
        /// The weights of `ClassWeight::explicit_weights`, one per declared class (finite, ≥ 0).
        std::vector<double> class_weights = {};
    };

    static constexpr std::string_view name = "random_forest_classifier";

    RandomForestClassifier() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit RandomForestClassifier(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError when n_estimators < 1, n_threads < 0, explicit class weights are
    ///         invalid (see `DecisionTreeClassifier::set_params`), or a tree parameter is invalid
    ///         (see `DecisionTreeClassifier::set_params`).
    void set_params(const params_type& p);
    [[nodiscard]] params_type params() const { return params_; }
    /// Seed for the next fit (default 0).
    void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }

    /// Fit with K = max(y) + 1 classes.
    void fit(const MatrixRef& X, const VectorRef& y) { fit(X, y, 0); }

    /// Grow the forest.
    /// @param X n×p finite features; @param y n class codes in [0, n_classes);
    /// @param n_classes declared K (≤ 0: max(y) + 1).
    /// @throws DataError on empty data, shape mismatch, non-finite values, bad labels, or explicit
    ///         class weights that are not K or give every sample weight 0.
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes);

    /// Class probabilities (m×K, rows sum to 1): mean over trees of the leaf class frequencies.
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const;

    /// Most probable class per row (m), lowest code on ties.
    [[nodiscard]] Vector predict(const MatrixRef& X) const;

    [[nodiscard]] bool is_fitted() const { return !trees_.empty(); }
    [[nodiscard]] Index n_classes() const { return k_; }
    /// Number of fitted trees.
    [[nodiscard]] Index n_estimators() const { return static_cast<Index>(trees_.size()); }
    /// Mean of the trees' normalised impurity decreases (p, sums to 1 unless all trees are leaves).
    [[nodiscard]] Vector feature_importances() const;

    /// Declared search space: n_estimators int log in [10, 300]; criterion {gini, entropy};
    /// max_depth int in [0, 30] (0 = unlimited); min_samples_leaf int log in [1, 32];
    /// max_features {sqrt, log2, 0.25, 0.5, 0.75, 1.0}; bootstrap {false, true}; class_weight {none, balanced}.
    static hpo::SearchSpace<params_type> search_space();

private:
    [[nodiscard]] Matrix proba(const MatrixRef& X, std::string_view where) const;

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
    void set_params(const params_type& p);
    [[nodiscard]] params_type params() const { return params_; }
    /// Seed for the next fit (default 0).
    void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }

    /// Grow the forest.
    /// @param X n×p finite features; @param y n finite targets.
    /// @throws DataError on empty data, shape mismatch or non-finite values.
    void fit(const MatrixRef& X, const VectorRef& y);

    /// Grow the forest, told that the rows form groups: `groups[i]` ∈ [0, n_groups) is the
    /// group of row i, and columns that are constant within every group (found by the fit, e.g.
    /// the meta-features of one task's rows in a meta-model's training set) are counted per group
    /// rather than per row when a node is split — O(groups in the node) instead of O(rows in the
    /// node) per such column. The forest is the one `fit(X, y)` grows up to the rounding of sums
    /// of targets (which can change a split between two nearly equal candidates).
    /// @throws DataError as fit(X, y), and when groups has not n entries in [0, n_groups).
    void fit(const MatrixRef& X, const VectorRef& y, const std::vector<Index>& groups, Index n_groups);

    /// Prediction of every tree (m×T).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Matrix predict_per_tree(const MatrixRef& X) const;

    /// Mean of the trees (m).
    [[nodiscard]] Vector predict(const MatrixRef& X) const;

    /// Population standard deviation of the trees' predictions (m): a spread, not a
    /// calibrated predictive standard deviation.
    [[nodiscard]] Vector predict_std(const MatrixRef& X) const;

    [[nodiscard]] bool is_fitted() const { return !trees_.empty(); }
    /// Number of fitted trees.
    [[nodiscard]] Index n_estimators() const { return static_cast<Index>(trees_.size()); }
    /// Mean of the trees' normalised impurity decreases (p).
    [[nodiscard]] Vector feature_importances() const;

    /// Seed set by `set_seed`.
    [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }
    /// Number of features p seen in fit (0 before fit).
    [[nodiscard]] Index n_features() const noexcept { return n_features_; }

    /// The fitted forest as JSON: `{"kind": "random_forest_regressor", "version": 1, "params":
    /// {"n_estimators", "max_depth", "min_samples_split", "min_samples_leaf", "max_features",
    /// "bootstrap", "n_threads"}, "seed", "n_features", "trees": [n_estimators trees as in
    /// detail::cart_tree_json, one value per node]}`. `from_json` of it predicts
    /// bit-identically. @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const;

    /// The `"params"` object of `to_json()` for hyperparameters p.
    [[nodiscard]] static nlohmann::json params_json(const params_type& p);

    /// A fitted forest from `to_json()`'s output.
    /// @throws ParseError when `j` is not a saved forest regressor (not an object, another kind,
    ///         an unknown version, a missing field, a value of the wrong JSON type); DataError
    ///         when a value is unusable: hyperparameters out of range, n_features < 1, a number
    ///         of trees other than n_estimators, a tree whose nodes do not form a tree over
    ///         n_features features (see `detail::cart_tree_from_json`), non-finite numbers.
    ///         Messages name the field as a JSON pointer.
    [[nodiscard]] static RandomForestRegressor from_json(const nlohmann::json& j);

    /// Declared search space: as `RandomForestClassifier::search_space()` without criterion.
    static hpo::SearchSpace<params_type> search_space();

private:
    [[nodiscard]] Matrix per_tree(const MatrixRef& X, std::string_view where) const;

    params_type params_{};
    std::vector<detail::CartTree> trees_;
    Index n_features_ = 0;
    std::uint64_t seed_ = 0;
};

static_assert(Regressor<RandomForestRegressor>);

}  // namespace metalearn::models

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/models/random_forest_impl.hpp"
#endif

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library's instances for the bundled models (core/compiled_instances.hpp).
#define METALEARN_DECLARES_RANDOM_FOREST
#include "metalearn/core/compiled_instances.hpp"
#endif
