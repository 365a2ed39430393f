#pragma once
/// @file decision_tree.hpp
/// @brief CART decision trees: `DecisionTreeClassifier` and `DecisionTreeRegressor`.

#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/hpo/search_space.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/detail/cart.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/detail/validation.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
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
    [[nodiscard]] Vector feature_importances() const {
        const double total = tree_.importance.sum();
        return total > 0.0 ? Vector(tree_.importance / total) : Vector(Vector::Zero(tree_.importance.size()));
    }
    /// Index into `nodes()` of the leaf reached by one sample (p values).
    /// @throws NotFitted before fit; DataError on a wrong length or non-finite value.
    [[nodiscard]] Index apply(const Eigen::Ref<const RowVector>& row) const {
        detail::require_fitted("DecisionTree::apply()", !tree_.nodes.empty());
        if (row.size() != n_features_ || !row.allFinite())
            throw DataError(fmt::format("DecisionTree::apply(): bad row (expected {} finite values, got {})",
                                        n_features_, row.size()));
        return tree_.apply(row, 0);
    }
    /// Use `seed` for feature order and sampling in the next fit (default 0).
    void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }

protected:
    CartTree tree_;
    Index n_features_ = 0;
    std::uint64_t seed_ = 0;
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
    };

    static constexpr std::string_view name = "decision_tree_classifier";

    DecisionTreeClassifier() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit DecisionTreeClassifier(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError when max_depth < 0, min_samples_split < 2, min_samples_leaf < 1 or
    ///         max_features is not a fraction in (0, 1] nor a sentinel.
    void set_params(const params_type& p) {
        detail::validate_tree_params("DecisionTreeClassifier::set_params()", p.max_depth, p.min_samples_split,
                                     p.min_samples_leaf, p.max_features);
        params_ = p;
        tree_ = {};
    }
    [[nodiscard]] params_type params() const { return params_; }

    /// Fit with K = max(y) + 1 classes.
    void fit(const MatrixRef& X, const VectorRef& y) { fit(X, y, 0); }

    /// Grow the tree.
    /// @param X n×p finite features; @param y n class codes in [0, n_classes);
    /// @param n_classes declared K (≤ 0: max(y) + 1).
    /// @throws DataError on empty data, shape mismatch, non-finite values or bad labels.
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes) {
        constexpr std::string_view where = "DecisionTreeClassifier::fit()";
        detail::check_xy(where, X, y);
        Index k = 0;
        const auto codes = detail::class_codes(where, y, n_classes, k);
        std::vector<Index> samples(static_cast<std::size_t>(X.rows()));
        std::iota(samples.begin(), samples.end(), Index{0});
        detail::CartSettings s{params_.max_depth, params_.min_samples_split, params_.min_samples_leaf,
                               detail::resolve_max_features(params_.max_features, X.cols()), true,
                               params_.criterion == Criterion::entropy, k};
        Rng rng(seed_);
        const detail::FeatureRanks ranks(X);
        detail::CartBuilder builder(ranks, &codes, nullptr, s);
        tree_ = builder.grow(std::move(samples), rng);
        n_features_ = X.cols();
        k_ = k;
    }

    /// Class probabilities (m×K, rows sum to 1).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const {
        constexpr std::string_view where = "DecisionTreeClassifier::predict_proba()";
        detail::require_fitted(where, is_fitted());
        detail::check_predict_x(where, X, n_features_);
        Matrix P(X.rows(), k_);
        for (Index i = 0; i < X.rows(); ++i) {
            const Vector& v = tree_.nodes[static_cast<std::size_t>(tree_.apply(X, i))].value;
            P.row(i) = v.transpose() / v.sum();
        }
        return P;
    }

    /// Most frequent leaf class per row (m), lowest code on ties.
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        constexpr std::string_view where = "DecisionTreeClassifier::predict()";
        detail::require_fitted(where, is_fitted());
        detail::check_predict_x(where, X, n_features_);
        Vector out(X.rows());
        for (Index i = 0; i < X.rows(); ++i) {
            Index c = 0;
            tree_.nodes[static_cast<std::size_t>(tree_.apply(X, i))].value.maxCoeff(&c);
            out[i] = static_cast<double>(c);
        }
        return out;
    }

    [[nodiscard]] bool is_fitted() const { return !tree_.nodes.empty(); }
    [[nodiscard]] Index n_classes() const { return k_; }

    /// Declared search space: criterion {gini, entropy}; max_depth int in [0, 30] (0 =
    /// unlimited); min_samples_split int log in [2, 64]; min_samples_leaf int log in [1, 32];
    /// max_features uniform in [0.05, 1].
    static hpo::SearchSpace<params_type> search_space() {
        return hpo::SearchSpace<params_type>()
            .add("criterion", &params_type::criterion,
                 hpo::categorical<Criterion>({{"gini", Criterion::gini}, {"entropy", Criterion::entropy}}))
            .add("max_depth", &params_type::max_depth, hpo::int_uniform(0, 30))
            .add("min_samples_split", &params_type::min_samples_split, hpo::int_log_uniform(2, 64))
            .add("min_samples_leaf", &params_type::min_samples_leaf, hpo::int_log_uniform(1, 32))
            .add("max_features", &params_type::max_features, hpo::uniform(0.05, 1.0));
    }

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
    void set_params(const params_type& p) {
        detail::validate_tree_params("DecisionTreeRegressor::set_params()", p.max_depth, p.min_samples_split,
                                     p.min_samples_leaf, p.max_features);
        params_ = p;
        tree_ = {};
    }
    [[nodiscard]] params_type params() const { return params_; }

    /// Grow the tree.
    /// @param X n×p finite features; @param y n finite targets.
    /// @throws DataError on empty data, shape mismatch or non-finite values.
    void fit(const MatrixRef& X, const VectorRef& y) {
        constexpr std::string_view where = "DecisionTreeRegressor::fit()";
        detail::check_xy(where, X, y);
        std::vector<Index> samples(static_cast<std::size_t>(X.rows()));
        std::iota(samples.begin(), samples.end(), Index{0});
        detail::CartSettings s{params_.max_depth, params_.min_samples_split, params_.min_samples_leaf,
                               detail::resolve_max_features(params_.max_features, X.cols()), false, false, 0};
        Rng rng(seed_);
        const detail::FeatureRanks ranks(X);
        detail::CartBuilder builder(ranks, nullptr, &y, s);
        tree_ = builder.grow(std::move(samples), rng);
        n_features_ = X.cols();
    }

    /// Leaf means (m).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        constexpr std::string_view where = "DecisionTreeRegressor::predict()";
        detail::require_fitted(where, is_fitted());
        detail::check_predict_x(where, X, n_features_);
        Vector out(X.rows());
        for (Index i = 0; i < X.rows(); ++i) out[i] = tree_.nodes[static_cast<std::size_t>(tree_.apply(X, i))].value[0];
        return out;
    }

    [[nodiscard]] bool is_fitted() const { return !tree_.nodes.empty(); }

    /// The fitted tree as JSON: `{"kind": "decision_tree_regressor", "version": 1, "params":
    /// {"max_depth", "min_samples_split", "min_samples_leaf", "max_features"}, "seed",
    /// "n_features", "tree": <nodes as in detail::cart_tree_json, one value per node>}`.
    /// `from_json` of it predicts bit-identically. @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const {
        detail::require_fitted("DecisionTreeRegressor::to_json()", is_fitted());
        return {{"kind", name},
                {"version", 1},
                {"params", detail::tree_params_json(params_.max_depth, params_.min_samples_split,
                                                    params_.min_samples_leaf, params_.max_features)},
                {"seed", seed_},
                {"n_features", n_features_},
                {"tree", detail::cart_tree_json(tree_)}};
    }

    /// A fitted tree from `to_json()`'s output.
    /// @throws ParseError when `j` is not a saved regression tree (not an object, another kind,
    ///         an unknown version, a missing field, a value of the wrong JSON type); DataError
    ///         when a value is unusable (hyperparameters out of range, n_features < 1, nodes that
    ///         do not form a tree over n_features features, non-finite numbers; see
    ///         `detail::cart_tree_from_json`). Messages name the field as a JSON pointer.
    [[nodiscard]] static DecisionTreeRegressor from_json(const nlohmann::json& j) {
        const detail::JsonAt at{"DecisionTreeRegressor::from_json()", ""};
        detail::json_check_header(j, at, name, 1);
        params_type p;
        detail::read_tree_params(detail::json_field(j, at, "params"), at / "params", p.max_depth, p.min_samples_split,
                                 p.min_samples_leaf, p.max_features);
        DecisionTreeRegressor m(p);
        m.seed_ = detail::json_uint64(detail::json_field(j, at, "seed"), at / "seed");
        m.n_features_ = detail::json_index(detail::json_field(j, at, "n_features"), at / "n_features", 1);
        m.tree_ = detail::cart_tree_from_json(detail::json_field(j, at, "tree"), at / "tree", m.n_features_, 1);
        return m;
    }

    /// Declared search space: as `DecisionTreeClassifier::search_space()` without criterion.
    static hpo::SearchSpace<params_type> search_space() {
        return hpo::SearchSpace<params_type>()
            .add("max_depth", &params_type::max_depth, hpo::int_uniform(0, 30))
            .add("min_samples_split", &params_type::min_samples_split, hpo::int_log_uniform(2, 64))
            .add("min_samples_leaf", &params_type::min_samples_leaf, hpo::int_log_uniform(1, 32))
            .add("max_features", &params_type::max_features, hpo::uniform(0.05, 1.0));
    }

private:
    params_type params_{};
};

static_assert(Regressor<DecisionTreeRegressor>);

}  // namespace metalearn::models
