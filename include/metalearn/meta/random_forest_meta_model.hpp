#pragma once
/// @file random_forest_meta_model.hpp
/// @brief `RandomForestMetaModel` (the default meta-model): a bagged forest of CART regression
/// trees (Breiman 2001); the predictive std is the spread of the per-tree predictions.
///
/// Each tree is a `models::DecisionTreeRegressor` grown on a bootstrap sample of the rows
/// (tree t: rows drawn with `derive_seed(seed, {t})`, split features with
/// `derive_seed(seed, {t, 1})`), so the forest is identical for any `n_threads`. After fitting,
/// the trees are kept as flat node arrays, which are also what `to_json` writes: a saved forest
/// predicts exactly like the fitted one. Inputs are standardised first (trees do not need it,
/// but it keeps the saved model self-describing and matches the other meta-models).
/// Cost: fit O(T · n log n · d · max_features), predict O(T · depth) per row.

#include "metalearn/core/error.hpp"
#include "metalearn/core/parallel.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/meta/meta_model.hpp"
#include "metalearn/models/decision_tree.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace metalearn::meta {

/// Hyperparameters of `RandomForestMetaModel`.
struct RandomForestMetaModelParams {
    Index n_estimators = 100;     ///< number of trees, ≥ 1
    Index min_samples_leaf = 2;   ///< ≥ 1
    Index max_depth = 0;          ///< 0 = unlimited
    double max_features = 0.5;    ///< fraction of the d inputs tried per split, in (0, 1]
    bool bootstrap = true;        ///< bootstrap rows per tree (false: every tree sees all rows)
    Index n_threads = 1;          ///< trees grown in parallel, ≥ 0 (0 = all hardware threads, core/parallel.hpp); results do not depend on it
    std::uint64_t seed = 0;
};

/// Random-forest regression meta-model; see the file documentation.
class RandomForestMetaModel {
public:
    using params_type = RandomForestMetaModelParams;

    /// @throws ConfigError for invalid parameters.
    explicit RandomForestMetaModel(params_type p = {}) : p_(p) {
        if (p_.n_estimators < 1 || p_.min_samples_leaf < 1 || p_.max_depth < 0 || !(p_.max_features > 0) ||
            p_.max_features > 1 || p_.n_threads < 0)
            throw ConfigError(fmt::format(
                "RandomForestMetaModel: invalid parameters (expected n_estimators >= 1, min_samples_leaf >= 1, "
                "max_depth >= 0, max_features in (0, 1], n_threads >= 0 (0 = all hardware threads); got {}, {}, {}, {}, {})",
                p_.n_estimators, p_.min_samples_leaf, p_.max_depth, p_.max_features, p_.n_threads));
    }
    [[nodiscard]] const params_type& params() const noexcept { return p_; }

    /// Fit the forest on Z (n×d, rows are samples) and scores s (n); trees are grown on
    /// `n_threads` threads.
    /// @throws DataError on bad input, or when a tree cannot be grown on the standardised data
    ///         (e.g. finite inputs so large that standardising them overflows).
    void fit(const MatrixRef& Z, const VectorRef& s) {
        detail::check_fit_input("RandomForestMetaModel::fit()", Z, s);
        // Built aside and committed at the end: a failed fit leaves the model as it was.
        detail::Standardizer xs;
        xs.fit(Z);
        const Matrix X = xs.transform(Z);
        const Index n = X.rows();
        std::vector<FlatTree> trees(static_cast<std::size_t>(p_.n_estimators));
        // Trees are handed out dynamically; tree t depends only on t, so the forest does not
        // depend on the thread count. An exception from a tree reaches the caller with its type.
        parallel_for(
            p_.n_estimators, p_.n_threads,
            [&](Index t) {
                models::DecisionTreeRegressor tree({.max_depth = p_.max_depth,
                                                    .min_samples_split = 2,
                                                    .min_samples_leaf = p_.min_samples_leaf,
                                                    .max_features = p_.max_features});
                tree.set_seed(derive_seed(p_.seed, {static_cast<std::uint64_t>(t), 1}));
                if (p_.bootstrap) {
                    Rng rng(derive_seed(p_.seed, {static_cast<std::uint64_t>(t)}));
                    Matrix Xb(n, X.cols());
                    Vector yb(n);
                    for (Index i = 0; i < n; ++i) {
                        const auto r = static_cast<Index>(rng.uniform_index(static_cast<std::uint64_t>(n)));
                        Xb.row(i) = X.row(r);
                        yb[i] = s[r];
                    }
                    tree.fit(Xb, yb);
                } else {
                    tree.fit(X, s);
                }
                FlatTree& ft = trees[static_cast<std::size_t>(t)];
                for (const auto& node : tree.nodes()) {
                    ft.feature.push_back(node.feature);
                    ft.threshold.push_back(node.threshold);
                    ft.left.push_back(node.left);
                    ft.right.push_back(node.right);
                    ft.value.push_back(node.value[0]);
                }
            },
            Schedule::dynamic);
        xs_ = std::move(xs);
        trees_ = std::move(trees);
        d_ = X.cols();
        fitted_ = true;
    }

    /// Per-tree predictions, m×T. @throws NotFitted, DataError.
    [[nodiscard]] Matrix predict_per_tree(const MatrixRef& Z) const {
        detail::check_predict_input("RandomForestMetaModel::predict_per_tree()", fitted_, Z, d_);
        const Matrix X = xs_.transform(Z);
        Matrix out(X.rows(), static_cast<Index>(trees_.size()));
        for (std::size_t t = 0; t < trees_.size(); ++t)
            for (Index i = 0; i < X.rows(); ++i) out(i, static_cast<Index>(t)) = trees_[t].predict(X, i);
        return out;
    }

    /// Mean of the trees, m×d → m. @throws NotFitted, DataError.
    [[nodiscard]] Vector predict(const MatrixRef& Z) const { return predict_per_tree(Z).rowwise().mean(); }

    /// Standard deviation of the per-tree predictions (ddof 0), m×d → m.
    [[nodiscard]] Vector predict_std(const MatrixRef& Z) const {
        const Matrix P = predict_per_tree(Z);
        const Vector mean = P.rowwise().mean();
        return ((P.colwise() - mean).array().square().rowwise().mean()).sqrt();
    }

    [[nodiscard]] nlohmann::json to_json() const {
        if (!fitted_) throw NotFitted("RandomForestMetaModel::to_json(): call fit() first");
        auto trees = nlohmann::json::array();
        for (const auto& t : trees_)
            trees.push_back({{"feature", t.feature}, {"threshold", t.threshold}, {"left", t.left}, {"right", t.right},
                             {"value", t.value}});
        return {{"type", "RandomForestMetaModel"},
                {"params",
                 {{"n_estimators", p_.n_estimators},
                  {"min_samples_leaf", p_.min_samples_leaf},
                  {"max_depth", p_.max_depth},
                  {"max_features", p_.max_features},
                  {"bootstrap", p_.bootstrap},
                  {"n_threads", p_.n_threads},
                  {"seed", p_.seed}}},
                {"x_scaler", xs_.to_json()},
                {"n_inputs", d_},
                {"trees", std::move(trees)}};
    }

    /// @throws ConfigError when `j` is not a saved forest or a tree is malformed.
    static RandomForestMetaModel from_json(const nlohmann::json& j) {
        try {
            if (j.at("type") != "RandomForestMetaModel")
                throw ConfigError("RandomForestMetaModel::from_json(): not a RandomForestMetaModel");
            const auto& pj = j.at("params");
            RandomForestMetaModel m({pj.at("n_estimators").get<Index>(), pj.at("min_samples_leaf").get<Index>(),
                                     pj.at("max_depth").get<Index>(), pj.at("max_features").get<double>(),
                                     pj.at("bootstrap").get<bool>(), pj.at("n_threads").get<Index>(),
                                     pj.at("seed").get<std::uint64_t>()});
            m.xs_ = detail::Standardizer::from_json(j.at("x_scaler"));
            m.d_ = j.at("n_inputs").get<Index>();
            for (const auto& tj : j.at("trees")) {
                FlatTree t;
                t.feature = tj.at("feature").get<std::vector<Index>>();
                t.threshold = tj.at("threshold").get<std::vector<double>>();
                t.left = tj.at("left").get<std::vector<Index>>();
                t.right = tj.at("right").get<std::vector<Index>>();
                t.value = tj.at("value").get<std::vector<double>>();
                const auto nn = static_cast<Index>(t.feature.size());
                bool ok = nn > 0 && t.threshold.size() == t.feature.size() && t.left.size() == t.feature.size() &&
                          t.right.size() == t.feature.size() && t.value.size() == t.feature.size();
                for (Index k = 0; ok && k < nn; ++k) {
                    const auto ku = static_cast<std::size_t>(k);
                    if (t.feature[ku] >= 0)
                        ok = t.feature[ku] < m.d_ && t.left[ku] > k && t.left[ku] < nn && t.right[ku] > k && t.right[ku] < nn;
                }
                if (!ok) throw ConfigError("RandomForestMetaModel::from_json(): malformed tree");
                m.trees_.push_back(std::move(t));
            }
            m.fitted_ = !m.trees_.empty();
            return m;
        } catch (const nlohmann::json::exception& e) {
            throw ConfigError(fmt::format("RandomForestMetaModel::from_json(): {}", e.what()));
        }
    }

private:
    struct FlatTree {
        std::vector<Index> feature;  // −1 for a leaf
        std::vector<double> threshold;
        std::vector<Index> left;
        std::vector<Index> right;
        std::vector<double> value;
        [[nodiscard]] double predict(const Matrix& X, Index i) const {
            std::size_t k = 0;
            while (feature[k] >= 0)
                k = static_cast<std::size_t>(X(i, feature[k]) <= threshold[k] ? left[k] : right[k]);
            return value[k];
        }
    };

    params_type p_;
    detail::Standardizer xs_;
    std::vector<FlatTree> trees_;
    Index d_ = 0;
    bool fitted_ = false;
};

static_assert(MetaModelWithStd<RandomForestMetaModel>);

}  // namespace metalearn::meta
