#pragma once
/// @file decision_tree.hpp
/// @brief CART decision trees: `DecisionTreeClassifier` and `DecisionTreeRegressor`.

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

#include <cstdint>
#include <functional>
#include <numeric>
#include <string_view>
#include <vector>

namespace metalearn::models {

namespace detail {

/// Read-only structure access shared by the two trees.
class TreeAccess {
public:
    using Node = TreeNode;

    /// The nodes, depth-first; node 0 is the root. Empty before fit.
    [[nodiscard]] const std::vector<Node>& nodes() const noexcept { return tree_.nodes; }
    /// Depth of the deepest leaf (0 for a single leaf).
    [[nodiscard]] Index depth() const { return tree_.depth(); }
    /// Number of leaves.
    [[nodiscard]] Index n_leaves() const { return tree_.n_leaves(); }
    /// Total impurity decrease per feature (weighted by node size), normalised to sum 1
    /// (all zeros for a single-leaf tree). p entries.
    [[nodiscard]] Vector feature_importances() const;
    /// Index into `nodes()` of the leaf reached by one sample (p values).
    /// @throws NotFitted before fit; DataError on a wrong length or non-finite value.
    [[nodiscard]] Index apply(const Eigen::Ref<const RowVector>& row) const;
    /// Use `seed` for feature order and sampling in the next fit (default 0).
    void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }
    /// Ask `stop` before growing each node in the next fits (empty = never stop, the default).
    /// When it returns `true`, fit throws `Interrupted` and the model keeps its previous state.
    /// Used to hold a time limit: e.g. `[&] { return clock::now() > deadline; }`.
    void set_stop(std::function<bool()> stop) { stop_ = std::move(stop); }

protected:
    CartTree tree_;
    Index n_features_ = 0;
    std::uint64_t seed_ = 0;
    std::function<bool()> stop_;
};

}  // namespace detail

/// CART classification tree (Breiman et al. 1984), grown as described in `detail::CartBuilder`.
///
/// predict_proba: class frequencies of the leaf (width K = declared classes; a class absent
/// from the leaf, or from training, gets 0). predict: the most frequent class of the leaf,
/// lowest code on ties. Works with a single class present (one leaf).
/// Randomness: the order in which features are examined (which breaks ties between equally
/// good splits) and, with max_features < p, which features are examined, come from
/// `set_seed` (default 0). Fit O(p·n log n · depth); predict O(m·depth).
class DecisionTreeClassifier : public detail::TreeAccess {
public:
    /// Hyperparameters; defaults are scikit-learn 1.2's `DecisionTreeClassifier`.
    struct params_type {
        Criterion criterion = Criterion::gini;  ///< split quality: Gini or entropy.
        Index max_depth = 0;                    ///< ≥ 0; 0 = unlimited (sklearn's None).
        Index min_samples_split = 2;            ///< ≥ 2: smallest node that may be split.
        Index min_samples_leaf = 1;             ///< ≥ 1: smallest leaf.
        /// Features examined per split: a fraction in (0, 1] of p (⌊f·p⌋, at least 1),
        /// `max_features_sqrt` or `max_features_log2`. 1.0 = all (sklearn's None).
        double max_features = 1.0;
        /// Weight of each sample by its class (see class_weight.hpp; scikit-learn's
        /// `class_weight`): class proportions, impurities and node values use weighted counts.
        ClassWeight class_weight = ClassWeight::none;
        /// The weights of `ClassWeight::explicit_weights`, one per declared class (finite, ≥ 0).
        std::vector<double> class_weights = {};
    };

    static constexpr std::string_view name = "decision_tree_classifier";

    DecisionTreeClassifier() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit DecisionTreeClassifier(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError when max_depth < 0, min_samples_split < 2, min_samples_leaf < 1,
    ///         max_features is not a fraction in (0, 1] nor a sentinel, or explicit class weights
    ///         are missing, negative, non-finite or all 0.
    void set_params(const params_type& p);
    [[nodiscard]] params_type params() const { return params_; }

    /// Fit with K = max(y) + 1 classes.
    void fit(const MatrixRef& X, const VectorRef& y) { fit(X, y, 0); }

    /// Grow the tree.
    /// @param X n×p finite features; @param y n class codes in [0, n_classes);
    /// @param n_classes declared K (≤ 0: max(y) + 1).
    /// @throws DataError on empty data, shape mismatch, non-finite values, bad labels, or explicit
    ///         class weights that are not K or give every sample weight 0.
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes);

    /// Class probabilities (m×K, rows sum to 1).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const;

    /// Most frequent leaf class per row (m), lowest code on ties.
    [[nodiscard]] Vector predict(const MatrixRef& X) const;

    [[nodiscard]] bool is_fitted() const { return !tree_.nodes.empty(); }
    [[nodiscard]] Index n_classes() const { return k_; }

    /// Declared search space: criterion {gini, entropy}; max_depth int in [0, 30] (0 =
    /// unlimited); min_samples_split int log in [2, 64]; min_samples_leaf int log in [1, 32];
    /// max_features uniform in [0.05, 1]. Valid ranges (plan files): max_depth ≥ 0,
    /// min_samples_split ≥ 2, min_samples_leaf ≥ 1, max_features in (0, 1]. class_weight
    /// {none, balanced}.
    static hpo::SearchSpace<params_type> search_space();

private:
    params_type params_{};
    Index k_ = 0;
};

static_assert(Classifier<DecisionTreeClassifier>);

/// CART regression tree with the squared-error criterion (variance reduction); leaves predict
/// the mean training target. Randomness and complexity as `DecisionTreeClassifier`.
class DecisionTreeRegressor : public detail::TreeAccess {
public:
    /// Hyperparameters; defaults are scikit-learn 1.2's `DecisionTreeRegressor`
    /// (criterion "squared_error").
    struct params_type {
        Index max_depth = 0;          ///< ≥ 0; 0 = unlimited (sklearn's None).
        Index min_samples_split = 2;  ///< ≥ 2.
        Index min_samples_leaf = 1;   ///< ≥ 1.
        double max_features = 1.0;    ///< fraction in (0, 1], `max_features_sqrt` or `max_features_log2`.
    };

    static constexpr std::string_view name = "decision_tree_regressor";

    DecisionTreeRegressor() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit DecisionTreeRegressor(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError as `DecisionTreeClassifier::set_params`.
    void set_params(const params_type& p);
    [[nodiscard]] params_type params() const { return params_; }

    /// Grow the tree.
    /// @param X n×p finite features; @param y n finite targets.
    /// @throws DataError on empty data, shape mismatch or non-finite values.
    void fit(const MatrixRef& X, const VectorRef& y);

    /// Leaf means (m).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Vector predict(const MatrixRef& X) const;

    [[nodiscard]] bool is_fitted() const { return !tree_.nodes.empty(); }

    /// The fitted tree as JSON: `{"kind": "decision_tree_regressor", "version": 1, "params":
    /// {"max_depth", "min_samples_split", "min_samples_leaf", "max_features"}, "seed",
    /// "n_features", "tree": <nodes as in detail::cart_tree_json, one value per node>}`.
    /// `from_json` of it predicts bit-identically. @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const;

    /// A fitted tree from `to_json()`'s output.
    /// @throws ParseError when `j` is not a saved regression tree (not an object, another kind,
    ///         an unknown version, a missing field, a value of the wrong JSON type); DataError
    ///         when a value is unusable (hyperparameters out of range, n_features < 1, nodes that
    ///         do not form a tree over n_features features, non-finite numbers; see
    ///         `detail::cart_tree_from_json`). Messages name the field as a JSON pointer.
    [[nodiscard]] static DecisionTreeRegressor from_json(const nlohmann::json& j);

    /// Declared search space: as `DecisionTreeClassifier::search_space()` without criterion.
    static hpo::SearchSpace<params_type> search_space();

private:
    params_type params_{};
};

static_assert(Regressor<DecisionTreeRegressor>);

}  // namespace metalearn::models

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/models/decision_tree_impl.hpp"
#endif

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library's instances for the bundled models (core/compiled_instances.hpp).
#define METALEARN_DECLARES_DECISION_TREE
#include "metalearn/core/compiled_instances.hpp"
#endif
