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
/// predict O(T · depth) per row. Given the rows' tasks (the grouped fit, which
/// `HyperparameterPredictor` uses), a split costs O(tasks in the node) instead of O(rows in the
/// node) for each meta-feature.

#include "metalearn/core/config.hpp"
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
    explicit RandomForestMetaModel(params_type p = {});
    [[nodiscard]] const params_type& params() const noexcept { return p_; }

    /// Fit the forest on Z (n×d, rows are samples) and scores s (n); trees are grown on
    /// `n_threads` threads. A failed fit leaves the model as it was.
    /// @throws DataError on bad input, or when the standardised data are not finite (finite
    ///         inputs so large that standardising them overflows).
    void fit(const MatrixRef& Z, const VectorRef& s);

    /// Fit with the rows' tasks known (`MetaModelWithGroups`): `groups[i]` ∈ [0, n_groups) is
    /// the task of row i. The forest is grown with `models::RandomForestRegressor`'s grouped fit:
    /// the same trees up to the rounding of target sums, with the task-constant columns (the
    /// meta-features) counted once per task instead of once per row at each split.
    /// @throws as fit(Z, s), and DataError when groups has not n entries in [0, n_groups).
    void fit(const MatrixRef& Z, const VectorRef& s, const std::vector<Index>& groups, Index n_groups);

    /// Per-tree predictions, m×T. @throws NotFitted, DataError.
    [[nodiscard]] Matrix predict_per_tree(const MatrixRef& Z) const;

    /// Mean of the trees, m×d → m. @throws NotFitted, DataError.
    [[nodiscard]] Vector predict(const MatrixRef& Z) const;

    /// Standard deviation of the per-tree predictions (ddof 0), m×d → m. @throws NotFitted, DataError.
    [[nodiscard]] Vector predict_std(const MatrixRef& Z) const;

    /// The fitted base forest (it expects standardised inputs).
    [[nodiscard]] const models::RandomForestRegressor& model() const noexcept { return model_; }

    /// `{"type": "RandomForestMetaModel", "format_version": 2, "params": {...}, "x_scaler":
    /// {"mean", "scale"}, "model": <models::RandomForestRegressor::to_json()>}`.
    /// @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const;

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
    [[nodiscard]] static RandomForestMetaModel from_json(const nlohmann::json& j);

private:
    [[nodiscard]] models::RandomForestRegressor::params_type base_params() const;

    // A models::RandomForestRegressor document without n_features and trees.
    [[nodiscard]] nlohmann::json model_params_json() const;

    void check(const char* where, const MatrixRef& Z) const;

    params_type p_;
    detail::Standardizer xs_;
    models::RandomForestRegressor model_;
};

static_assert(MetaModelWithStd<RandomForestMetaModel>);

}  // namespace metalearn::meta

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/meta/random_forest_meta_model_impl.hpp"
#endif
