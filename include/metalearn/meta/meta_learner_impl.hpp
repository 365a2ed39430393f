#pragma once
/// @file meta_learner_impl.hpp
/// @brief Bodies of meta_learner.hpp. Included by that header in header-only mode. In compiled mode
/// (core/config.hpp) the library holds `MetaLearner<LogisticRegression>`; include this file in one
/// of your sources to instantiate `MetaLearner` for other base models or meta-models.

#include "metalearn/core/error.hpp"
#include "metalearn/meta/meta_learner.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/split.hpp"
#include "metalearn/hpo/cross_validate.hpp"
#include "metalearn/hpo/metrics.hpp"
#include "metalearn/hpo/search_space.hpp"
#include "metalearn/meta/evaluation.hpp"
#include "metalearn/meta/predictor.hpp"
#include "metalearn/meta/random_forest_meta_model.hpp"
#include "metalearn/meta/record.hpp"
#include "metalearn/meta/record_store.hpp"
#include "metalearn/meta/strategies.hpp"
#include "metalearn/meta/task_table.hpp"
#include "metalearn/models/base_model.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <variant>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace metalearn::meta {

template <models::BaseModel Model, MetaModel MM>
MetaLearner<Model, MM>::MetaLearner(RecordStore& store, MetaLearnerOptions opts, Model prototype, MM meta_model)
    : core_(store, std::move(opts), std::string(Model::name)),
      prototype_(std::move(prototype)),
      space_(Model::search_space()),
      predictor_(std::move(meta_model)) {
    set_plan(PlanKind::sobol, 32);
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::set_plan(const std::vector<params_type>& configs, const WarningCallback& warn)
    -> MetaLearner& {
    // the declared space, widened where the plan goes beyond the search range (inside the valid range)
    space_type space = Model::search_space();
    const params_type defaults{};
    for (Index d = 0; d < space.size(); ++d) {
        const hpo::Dimension dim = space.dimension(d);
        if (dim.is_categorical()) continue;
        double lo = dim.lo;
        double hi = dim.hi;
        for (std::size_t i = 0; i < configs.size(); ++i) {
            const auto values = space.to_values(configs[i]);
            const auto& v = values.at(dim.name);
            const double x = std::holds_alternative<long>(v) ? static_cast<double>(std::get<long>(v)) : std::get<double>(v);
            if (!(x >= dim.valid_lo && x <= dim.valid_hi))
                throw ConfigError(fmt::format("MetaLearner::set_plan(): configuration {} ({}): '{}' out of range "
                                              "(expected {} to {}, got {})",
                                              i, space.to_string(configs[i]), dim.name, dim.valid_lo, dim.valid_hi, x));
            lo = std::min(lo, x);
            hi = std::max(hi, x);
        }
        if (lo < dim.lo || hi > dim.hi) {
            space = space.with_bounds(dim.name, lo, hi);
            if (warn)
                warn(fmt::format("{}: the plan's '{}' goes beyond the search range [{}, {}]: the meta-model encodes it "
                                 "over [{}, {}]",
                                 Model::name, dim.name, dim.lo, dim.hi, lo, hi));
        }
    }
    // validate in plan order (the default first), then drop duplicates by their JSON
    std::vector<nlohmann::json> jsons;
    jsons.reserve(configs.size() + 1);
    space.validate(defaults);
    jsons.push_back(space.to_json(defaults));
    for (const auto& p : configs) {
        space.validate(p);
        jsons.push_back(space.to_json(p));
    }
    std::vector<params_type> plan;
    for (std::size_t i : core_.set_plan(jsons, warn)) plan.push_back(i == 0 ? defaults : configs[i - 1]);
    space_ = std::move(space);
    plan_ = std::move(plan);
    return *this;
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::set_plan(PlanKind kind, Index budget) -> MetaLearner& {
    if (budget < 1) throw ConfigError(fmt::format("MetaLearner::set_plan(): budget must be >= 1 (got {})", budget));
    space_ = Model::search_space();  // sample the declared search range (a plan file may have widened it)
    const std::uint64_t s = derive_seed(core_.options().seed, {fnv1a("plan")});
    switch (kind) {
        case PlanKind::grid: {
            Index r = 2;
            while (static_cast<Index>(space_.grid(r + 1).size()) <= budget && r < 64) ++r;
            return set_plan(space_.grid(r));
        }
        case PlanKind::random: return set_plan(space_.random(budget, s));
        case PlanKind::sobol: return set_plan(space_.sobol(budget, s));
    }
    return *this;
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::set_plan_from_file(const std::filesystem::path& path, const WarningCallback& warn)
    -> MetaLearner& {
    const nlohmann::json j = read_json_file(path, "MetaLearner::set_plan_from_file()");
    return set_plan(plan_from_json(j, Model::search_space(), path.string()), warn);
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::key(const std::string& task_id, const std::string& data_checksum,
                                 const nlohmann::json& config) const -> RecordKey {
    return core_.key(task_id, data_checksum, config);
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::key(const Task& task, const nlohmann::json& config) const -> RecordKey {
    return core_.key(task, config);
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::cv_runner() const -> detail::CvRunner {
    return [this](const Task& task, std::size_t config, const std::vector<data::Fold>& folds, std::uint64_t seed,
                  const hpo::CvOptions& cv) {
        return hpo::cross_validate(prototype_, plan_.at(config), task.dataset, folds, core_.options().metric, seed, cv);
    };
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::plan_collect(const std::vector<Task>& tasks, const WarningCallback& warn) -> CollectPlan {
    return core_.plan_collect(tasks, warn);
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::extract_meta_features(const Task& task) const -> TaskMetaFeatures {
    return core_.extract_meta_features(task);
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::task_folds(const Task& task, const WarningCallback& warn) const -> TaskFolds {
    return core_.task_folds(task, warn);
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::evaluate_job(const Task& task, const std::string& data_checksum, std::size_t config,
                                          const TaskFolds& folds, const TaskMetaFeatures& meta_features) const
    -> Record {
    return core_.evaluate_job(task, data_checksum, config, folds, meta_features, cv_runner());
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::collect(const std::vector<Task>& tasks, const ProgressCallback& progress,
                                     const WarningCallback& warn) -> CollectSummary {
    return core_.collect(tasks, progress, warn, cv_runner());
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::collect(const std::vector<data::Dataset>& datasets, const ProgressCallback& progress,
                                     const WarningCallback& warn) -> CollectSummary {
    return core_.collect(datasets, progress, warn, cv_runner());
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::table() const -> TaskTable {
    return core_.table([this](const nlohmann::json& c) { return space_.encode(space_.from_json(c)); });
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::fit() -> const HyperparameterPredictor<MM>& {
    const TaskTable t = table();
    std::vector<Index> rows(static_cast<std::size_t>(t.n_tasks()));
    for (Index i = 0; i < t.n_tasks(); ++i) rows[static_cast<std::size_t>(i)] = i;
    predictor_.fit(t, rows);
    core_.set_meta_feature_names(t.meta_feature_names);
    return predictor_;
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::predictor() const -> const HyperparameterPredictor<MM>& {
    if (!predictor_.is_fitted()) throw NotFitted("MetaLearner::predictor(): call fit() first");
    return predictor_;
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::suggest(const data::Dataset& dataset, Index k, const SpaceSearchOptions& search) const
    -> std::vector<TypedSuggestion<params_type>> {
    const Vector x = core_.new_task_meta_features(dataset, "MetaLearner::suggest()");
    const auto searched = search.restrict_to_plan ? predictor().suggest(x, k, space_.restricted_to(plan_), search)
                                                  : predictor().suggest(x, k, space_, search);
    return detail::with_params(searched, space_);
}

template <models::BaseModel Model, MetaModel MM>
Vector MetaLearner<Model, MM>::task_meta_features(const data::Dataset& dataset) const {
    if (!predictor_.is_fitted()) throw NotFitted("MetaLearner::task_meta_features(): call fit() first");
    return core_.new_task_meta_features(dataset, "MetaLearner::task_meta_features()");
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::default_strategies(const MM& meta_model) -> std::vector<StrategyFactory> {
    return {
        [] { return std::make_unique<DefaultStrategy>(); },
        [] { return std::make_unique<LearnedDefaultStrategy>(); },
        [] { return std::make_unique<NearestDatasetsStrategy>(); },
        [] { return std::make_unique<PortfolioStrategy>(); },
        // one meta-model, fitted once per held-out task for both (SharedFits)
        [meta_model] { return std::make_unique<MetaModelStrategy<MM>>(meta_model, "meta-model top-1", "meta-model"); },
        [meta_model] {
            return std::make_unique<GuidedSearchStrategy<MM>>(meta_model, GuidedSearchOptions{}, "meta-model guided",
                                                              "meta-model");
        },
    };
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::evaluate(const std::vector<StrategyFactory>& strategies, const EvaluationOptions& eval,
                                      const ProgressCallback& progress) const -> MetaEvaluation {
    return leave_one_task_out(table(), strategies, eval, progress);
}

template <models::BaseModel Model, MetaModel MM>
auto MetaLearner<Model, MM>::evaluate(const std::vector<StrategyFactory>& strategies) const -> MetaEvaluation {
    return leave_one_task_out(table(), strategies, EvaluationOptions{}, {});
}

}  // namespace metalearn::meta
