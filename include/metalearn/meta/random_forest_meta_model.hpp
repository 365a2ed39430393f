#pragma once
/// @file random_forest_meta_model.hpp
/// @brief `RandomForestMetaModel` (the default meta-model): `models::RandomForestRegressor` — a
/// bagged forest of CART regression trees (Breiman 2001) — on standardised inputs; the
/// predictive std is the spread of the per-tree predictions.
///
/// A thin adapter: inputs are standardised (trees do not need it, but it keeps the saved model
/// self-describing and matches the other meta-models), then fit, predict and save/load are the
/// base forest's. Tree t draws its bootstrap sample and its split features from
/// `derive_seed(seed, {t})`, so the forest is identical for any `n_threads`; a saved forest
/// predicts exactly like the fitted one.
/// Cost: fit O(T · d' · n log² n) with d' = ⌊max_features · d⌋ features examined per split,
/// predict O(T · depth) per row.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/meta/meta_model.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/random_forest.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
        model_.set_params(base_params());
        model_.set_seed(p_.seed);
    }
    [[nodiscard]] const params_type& params() const noexcept { return p_; }

    /// Fit the forest on Z (n×d, rows are samples) and scores s (n); trees are grown on
    /// `n_threads` threads. A failed fit leaves the model as it was.
    /// @throws DataError on bad input, or when the standardised data are not finite (finite
    ///         inputs so large that standardising them overflows).
    void fit(const MatrixRef& Z, const VectorRef& s) {
        detail::check_fit_input("RandomForestMetaModel::fit()", Z, s);
        detail::Standardizer xs;
        xs.fit(Z);
        models::RandomForestRegressor model(base_params());
        model.set_seed(p_.seed);
        model.fit(xs.transform(Z), s);
        xs_ = std::move(xs);
        model_ = std::move(model);
    }

    /// Per-tree predictions, m×T. @throws NotFitted, DataError.
    [[nodiscard]] Matrix predict_per_tree(const MatrixRef& Z) const {
        check("RandomForestMetaModel::predict_per_tree()", Z);
        return model_.predict_per_tree(xs_.transform(Z));
    }

    /// Mean of the trees, m×d → m. @throws NotFitted, DataError.
    [[nodiscard]] Vector predict(const MatrixRef& Z) const {
        check("RandomForestMetaModel::predict()", Z);
        return model_.predict(xs_.transform(Z));
    }

    /// Standard deviation of the per-tree predictions (ddof 0), m×d → m. @throws NotFitted, DataError.
    [[nodiscard]] Vector predict_std(const MatrixRef& Z) const {
        check("RandomForestMetaModel::predict_std()", Z);
        return model_.predict_std(xs_.transform(Z));
    }

    /// The fitted base forest (it expects standardised inputs).
    [[nodiscard]] const models::RandomForestRegressor& model() const noexcept { return model_; }

    /// `{"type": "RandomForestMetaModel", "format_version": 2, "params": {...}, "x_scaler":
    /// {"mean", "scale"}, "model": <models::RandomForestRegressor::to_json()>}`.
    /// @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const {
        if (!model_.is_fitted()) throw NotFitted("RandomForestMetaModel::to_json(): call fit() first");
        return {{"type", "RandomForestMetaModel"},
                {"format_version", detail::kWrappedMetaModelFormat},
                {"params",
                 {{"n_estimators", p_.n_estimators},
                  {"min_samples_leaf", p_.min_samples_leaf},
                  {"max_depth", p_.max_depth},
                  {"max_features", p_.max_features},
                  {"bootstrap", p_.bootstrap},
                  {"n_threads", p_.n_threads},
                  {"seed", p_.seed}}},
                {"x_scaler", xs_.to_json()},
                {"model", model_.to_json()}};
    }

    /// A fitted meta-model from `to_json()`'s output, or from the earlier layout (no
    /// `format_version`; `n_inputs` and `trees` as flat node arrays `feature`, `threshold`,
    /// `left`, `right`, `value`), which predicts exactly as the model that wrote it (its base
    /// forest then reports zero node sizes, impurities and feature importances: they were not
    /// saved).
    /// @throws ParseError when `j` is not a saved forest meta-model (wrong type or version,
    ///         missing field, wrong JSON type); DataError when a value is unusable (parameters
    ///         out of range, nodes that do not form a tree, non-finite numbers, wrong lengths, a
    ///         base forest whose parameters differ from `params`). Messages name the field as a
    ///         JSON pointer.
    [[nodiscard]] static RandomForestMetaModel from_json(const nlohmann::json& j) {
        namespace md = models::detail;
        const md::JsonAt at{"RandomForestMetaModel::from_json()", ""};
        const int version = detail::read_meta_model_header(j, at, "RandomForestMetaModel");
        const auto pa = at / "params";
        const auto& pj = md::json_field(j, at, "params");
        const auto index_field = [&](const char* key) { return md::json_index(md::json_field(pj, pa, key), pa / key); };
        params_type p;
        p.n_estimators = index_field("n_estimators");
        p.min_samples_leaf = index_field("min_samples_leaf");
        p.max_depth = index_field("max_depth");
        p.max_features = md::json_double(md::json_field(pj, pa, "max_features"), pa / "max_features");
        p.bootstrap = md::json_bool(md::json_field(pj, pa, "bootstrap"), pa / "bootstrap");
        p.n_threads = index_field("n_threads");
        p.seed = md::json_uint64(md::json_field(pj, pa, "seed"), pa / "seed");
        RandomForestMetaModel m;
        try {
            m = RandomForestMetaModel(p);
        } catch (const ConfigError& e) {
            md::json_value_error(pa, e.what());
        }
        if (version == 1) {
            // Earlier layout: flat trees on the standardised inputs, the state of the base forest
            // without node sizes, impurities and importances.
            const Index d = md::json_index(md::json_field(j, at, "n_inputs"), at / "n_inputs", 1);
            const auto& tj = md::json_array(md::json_field(j, at, "trees"), at / "trees", p.n_estimators);
            auto trees = nlohmann::json::array();
            for (std::size_t t = 0; t < tj.size(); ++t) {
                const auto ta = at / "trees" / t;
                const auto& fj = md::json_array(md::json_field(tj[t], ta, "feature"), ta / "feature");
                const std::vector<double> zeros(fj.size(), 0.0);
                nlohmann::json tree = {{"feature", fj},
                                       {"threshold", md::json_field(tj[t], ta, "threshold")},
                                       {"left", md::json_field(tj[t], ta, "left")},
                                       {"right", md::json_field(tj[t], ta, "right")},
                                       {"n_samples", std::vector<Index>(fj.size(), 0)},
                                       {"impurity", zeros},
                                       {"value", md::json_field(tj[t], ta, "value")},
                                       {"importance", std::vector<double>(static_cast<std::size_t>(d), 0.0)}};
                // checked here, so that messages name the place in this document
                (void)md::cart_tree_from_json(tree, ta, d, 1);
                trees.push_back(std::move(tree));
            }
            nlohmann::json base = m.model_params_json();
            base["n_features"] = d;
            base["trees"] = std::move(trees);
            m.model_ = models::RandomForestRegressor::from_json(base);
        } else {
            m.model_ = detail::read_base_model<models::RandomForestRegressor>(md::json_field(j, at, "model"), at / "model");
            const bool same = m.model_.params() == m.base_params() && m.model_.seed() == p.seed;
            if (!same)
                md::json_value_error(at / "model" / "params",
                                     "base model parameters or seed do not match the meta-model's params");
        }
        m.xs_ = detail::read_standardizer(md::json_field(j, at, "x_scaler"), at / "x_scaler", m.model_.n_features());
        return m;
    }

private:
    [[nodiscard]] models::RandomForestRegressor::params_type base_params() const {
        return {.n_estimators = p_.n_estimators,
                .max_depth = p_.max_depth,
                .min_samples_split = 2,
                .min_samples_leaf = p_.min_samples_leaf,
                .max_features = p_.max_features,
                .bootstrap = p_.bootstrap,
                .n_threads = p_.n_threads};
    }

    // A models::RandomForestRegressor document without n_features and trees.
    [[nodiscard]] nlohmann::json model_params_json() const {
        return {{"kind", models::RandomForestRegressor::name},
                {"version", 1},
                {"params", models::RandomForestRegressor::params_json(base_params())},
                {"seed", p_.seed}};
    }

    void check(const char* where, const MatrixRef& Z) const {
        detail::check_predict_input(where, model_.is_fitted(), Z, model_.n_features());
    }

    params_type p_;
    detail::Standardizer xs_;
    models::RandomForestRegressor model_;
};

static_assert(MetaModelWithStd<RandomForestMetaModel>);

}  // namespace metalearn::meta
