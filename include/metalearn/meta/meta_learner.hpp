#pragma once
/// @file meta_learner.hpp
/// @brief `MetaLearner<BaseModel, MetaModel>`: the outer loop. For each task: meta-features →
/// k-fold CV of every planned configuration → records (resumable journal) → meta-model →
/// suggestions for new tasks, and the leave-one-task-out meta-evaluation.
///
/// Reproducibility: task t (id string) and configuration c (canonical JSON) get
///   folds      = data::make_folds(dataset, n_folds, derive_seed(seed, {h(t)}))  — the same for every config,
///   eval seed  = derive_seed(seed, {h(t), h(c)}), fold f's model seed = derive_seed(eval seed, {f}),
/// with h the 64-bit FNV-1a hash, so a record depends only on (seed, task, config) — never on
/// the thread count or the order of evaluation. Records are appended as they finish (their
/// order in the journal varies with threads; the set of records does not).
///
/// Scores are recorded higher-is-better: a lower-is-better metric (log_loss, rmse, mae) is
/// negated, so every strategy and the regret can maximise.
///
/// Resume: an evaluation whose `RecordKey` (task, model, config, metric, n_folds, seed) is
/// already in the store is not redone — including failed and timed-out ones.
///
/// Failures: an exception from preprocessing, the model or the metric is recorded as `failed`
/// with its message; the run goes on. Time budget: checked after each fold; an evaluation past
/// its budget stops there and is recorded as `timeout` (the fold in flight is not interrupted).

#include "metalearn/core/error.hpp"
#include "metalearn/core/parallel.hpp"
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
#include "metalearn/metafeatures/extract.hpp"
#include "metalearn/models/base_model.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace metalearn::meta {

/// 64-bit FNV-1a hash of a string (stable across platforms; used to derive seeds from ids).
[[nodiscard]] constexpr std::uint64_t fnv1a(std::string_view s) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

/// How a plan of configurations is drawn from the search space.
enum class PlanKind { grid, random, sobol };

/// Parse "grid", "random" or "sobol". @throws ConfigError otherwise.
[[nodiscard]] inline PlanKind plan_kind_from_string(std::string_view s) {
    if (s == "grid") return PlanKind::grid;
    if (s == "random") return PlanKind::random;
    if (s == "sobol") return PlanKind::sobol;
    throw ConfigError(fmt::format("plan_kind_from_string(): unknown plan '{}' (expected grid, random or sobol)", s));
}

/// One task of the outer loop: a stable id (written to records) and its dataset.
struct Task {
    std::string id;
    data::Dataset dataset;
};

/// Options of `MetaLearner`.
struct MetaLearnerOptions {
    Index n_folds = 3;                                   ///< CV folds (stratified for classification), ≥ 2
    hpo::Metric metric = hpo::Metric::balanced_accuracy; ///< higher-is-better scores are recorded
    std::uint64_t seed = 0;                              ///< global seed
    Index n_threads = 1;                                 ///< parallel evaluations, ≥ 0 (0 = all hardware threads, core/parallel.hpp)
    double time_budget_seconds = 0.0;                    ///< per evaluation, checked between folds; 0 = none
    metafeatures::ExtractOptions meta_features{};        ///< what `metafeatures::extract` computes
    hpo::CvOptions cv{};                                 ///< preprocessing inside CV
};

/// What `MetaLearner::collect` did.
struct CollectSummary {
    std::size_t planned = 0;   ///< tasks × plan
    std::size_t reused = 0;    ///< already in the store (not redone)
    std::size_t evaluated = 0; ///< done in this call
    std::size_t failed = 0;    ///< of those: failed
    std::size_t timed_out = 0; ///< of those: past the time budget
    bool stopped = false;      ///< the progress callback asked to stop
};

/// The outer loop of meta-learning for one base model; see the file documentation.
/// @tparam Model a `models::BaseModel` (a `models::Classifier` for classification tasks).
/// @tparam MM    the meta-model (`MetaModel`), default `RandomForestMetaModel`.
template <models::BaseModel Model, MetaModel MM = RandomForestMetaModel>
class MetaLearner {
public:
    using params_type = typename Model::params_type;
    using space_type = decltype(Model::search_space());

    /// @param store      the record journal (must outlive the learner).
    /// @param opts       folds, metric, seed, threads, time budget, meta-feature options.
    /// @param prototype  the base model (copied per fold).
    /// @param meta_model unfitted meta-model.
    /// @throws ConfigError for n_folds < 2, n_threads < 0 or a negative time budget.
    explicit MetaLearner(RecordStore& store, MetaLearnerOptions opts = {}, Model prototype = Model(), MM meta_model = MM())
        : store_(&store),
          opts_(std::move(opts)),
          prototype_(std::move(prototype)),
          space_(Model::search_space()),
          predictor_(std::move(meta_model)) {
        if (opts_.n_folds < 2 || opts_.n_threads < 0 || !(opts_.time_budget_seconds >= 0))
            throw ConfigError(fmt::format("MetaLearner: invalid options (expected n_folds >= 2, n_threads >= 0 "
                                          "(0 = all hardware threads), "
                                          "time_budget_seconds >= 0; got {}, {}, {})",
                                          opts_.n_folds, opts_.n_threads, opts_.time_budget_seconds));
        set_plan(PlanKind::sobol, 32);
    }

    /// Use an explicit plan. The default configuration `params_type{}` is put first when absent
    /// (the "default" baseline needs it); duplicates (same JSON) are dropped.
    /// @throws ConfigError when a configuration is outside the space.
    MetaLearner& set_plan(const std::vector<params_type>& configs) {
        plan_.clear();
        plan_json_.clear();
        std::set<std::string> seen;
        auto add = [&](const params_type& p) {
            space_.validate(p);
            auto j = space_.to_json(p);
            if (!seen.insert(j.dump()).second) return;
            plan_.push_back(p);
            plan_json_.push_back(std::move(j));
        };
        add(params_type{});
        for (const auto& p : configs) add(p);
        return *this;
    }

    /// Draw a plan of about `budget` configurations (plus the default): `grid` uses the largest
    /// per-dimension resolution whose full grid has at most `budget` points (at least 2);
    /// `random` and `sobol` draw `budget` points with the learner's seed.
    /// @throws ConfigError when budget < 1.
    MetaLearner& set_plan(PlanKind kind, Index budget) {
        if (budget < 1) throw ConfigError(fmt::format("MetaLearner::set_plan(): budget must be >= 1 (got {})", budget));
        const std::uint64_t s = derive_seed(opts_.seed, {fnv1a("plan")});
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

    /// Read a plan from a JSON file holding an array of name → value objects.
    /// @throws IoError when unreadable; ParseError on invalid JSON; ConfigError on a bad config.
    MetaLearner& set_plan_from_file(const std::filesystem::path& path) {
        std::ifstream f(path);
        if (!f) throw IoError(fmt::format("MetaLearner::set_plan_from_file(): cannot read '{}'", path.string()));
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(f);
        } catch (const nlohmann::json::parse_error& e) {
            throw ParseError(path.string(), 0, e.byte, fmt::format("invalid JSON plan ({})", e.what()));
        }
        if (!j.is_array()) throw ConfigError(fmt::format("MetaLearner::set_plan_from_file(): '{}' must hold a JSON array of configurations", path.string()));
        std::vector<params_type> configs;
        for (const auto& c : j) configs.push_back(space_.from_json(c));
        return set_plan(configs);
    }

    [[nodiscard]] const std::vector<params_type>& plan() const noexcept { return plan_; }
    [[nodiscard]] const std::vector<nlohmann::json>& plan_json() const noexcept { return plan_json_; }
    [[nodiscard]] const space_type& space() const noexcept { return space_; }
    [[nodiscard]] const MetaLearnerOptions& options() const noexcept { return opts_; }

    /// The resume key of (task, config).
    [[nodiscard]] RecordKey key(const std::string& task_id, const nlohmann::json& config) const {
        return {task_id, std::string(Model::name), config.dump(), std::string(hpo::to_string(opts_.metric)),
                static_cast<int>(opts_.n_folds), opts_.seed};
    }

    /// Evaluate every (task, plan config) pair not yet in the store; append one record each.
    /// Meta-features are taken from an existing record of the task when there is one, otherwise
    /// extracted (in parallel over tasks). Failures (any `std::exception` from preprocessing, the
    /// model or the metric) and timeouts are recorded, never thrown. Evaluations are handed out
    /// dynamically to `n_threads` workers; the records do not depend on the thread count.
    /// @param progress called from the calling thread when evaluations have finished; returning
    ///                 true stops after the evaluations in flight.
    /// @param warn     receives non-fatal messages (small classes, failed meta-features), from
    ///                 the calling thread.
    /// @throws ConfigError when two tasks share an id (checked before anything is evaluated;
    ///         records are keyed by task id, so the second task's records would be lost).
    /// @throws IoError when the store cannot be written (no new evaluation starts after that).
    /// @throws an exception not derived from `std::exception` that escapes an evaluation, with
    ///         its type, after the evaluations in flight have finished.
    CollectSummary collect(const std::vector<Task>& tasks, const ProgressCallback& progress = {},
                           const WarningCallback& warn = {}) {
        {
            std::set<std::string> ids;
            for (const auto& task : tasks)
                if (!ids.insert(task.id).second)
                    throw ConfigError(fmt::format(
                        "MetaLearner::collect(): duplicate task id '{}' (expected unique ids, e.g. the dataset path)",
                        task.id));
        }
        CollectSummary sum;
        struct Job {
            std::size_t task;
            std::size_t config;
        };
        std::vector<Job> jobs;
        std::vector<std::size_t> need_mf;
        std::vector<std::vector<std::string>> mf_names(tasks.size());
        std::vector<std::vector<double>> mf_values(tasks.size());
        std::vector<std::vector<data::Fold>> folds(tasks.size());
        std::vector<std::string> fold_error(tasks.size());
        const auto existing = store_->snapshot();
        std::unordered_map<std::string, const Record*> mf_source;
        for (const auto& r : existing)
            if (!r.meta_feature_names.empty() && !mf_source.count(r.task_id)) mf_source[r.task_id] = &r;
        for (std::size_t t = 0; t < tasks.size(); ++t) {
            bool any = false;
            for (std::size_t c = 0; c < plan_json_.size(); ++c) {
                ++sum.planned;
                if (store_->contains(key(tasks[t].id, plan_json_[c]))) {
                    ++sum.reused;
                } else {
                    jobs.push_back({t, c});
                    any = true;
                }
            }
            if (!any) continue;
            auto it = mf_source.find(tasks[t].id);
            if (it != mf_source.end()) {
                mf_names[t] = it->second->meta_feature_names;
                mf_values[t] = it->second->meta_features;
            } else {
                need_mf.push_back(t);
            }
            try {
                const WarningCallback small = [&](const std::string& m) {
                    if (warn) warn(fmt::format("{}: {}", tasks[t].id, m));
                };
                folds[t] = data::make_folds(tasks[t].dataset, opts_.n_folds, derive_seed(opts_.seed, {fnv1a(tasks[t].id)}),
                                            small);
            } catch (const std::exception& e) {
                fold_error[t] = e.what();
            }
        }
        // meta-features, in parallel over tasks (datasets differ in size: dynamic schedule);
        // failures are reported afterwards, from this thread, in task order
        std::vector<std::optional<std::string>> mf_error(tasks.size());
        parallel_for(
            static_cast<Index>(need_mf.size()), opts_.n_threads,
            [&](Index k) {
                const std::size_t t = need_mf[static_cast<std::size_t>(k)];
                try {
                    const auto mf = metafeatures::extract(tasks[t].dataset, opts_.meta_features);
                    mf_names[t] = mf.names();
                    const Vector v = mf.values();
                    mf_values[t].assign(v.data(), v.data() + v.size());
                } catch (const std::exception& e) {
                    mf_error[t] = e.what();
                }
            },
            Schedule::dynamic);
        for (std::size_t t = 0; t < tasks.size(); ++t)
            if (mf_error[t] && warn)
                warn(fmt::format("{}: meta-features failed ({}); recorded as empty", tasks[t].id, *mf_error[t]));
        // evaluations: handed out dynamically (costs differ by orders of magnitude); progress is
        // reported from this thread
        std::atomic<std::size_t> done{0};
        std::atomic<std::size_t> failed{0};
        std::atomic<std::size_t> timed_out{0};
        bool stopped = false;
        std::size_t reported = static_cast<std::size_t>(-1);
        parallel_for_monitored(
            static_cast<Index>(jobs.size()), opts_.n_threads,
            [&](Index j) {
                const auto [t, c] = jobs[static_cast<std::size_t>(j)];
                Record r = evaluate(tasks[t], plan_[c], plan_json_[c], folds[t], fold_error[t]);
                r.meta_feature_names = mf_names[t];
                r.meta_features = mf_values[t];
                if (r.status == RecordStatus::failed) ++failed;
                if (r.status == RecordStatus::timeout) ++timed_out;
                try {
                    store_->append(r);
                } catch (const std::exception& e) {
                    throw IoError(fmt::format("MetaLearner::collect(): {}", e.what()));
                }
                ++done;
            },
            [&] {
                const std::size_t d = done;
                if (!progress || d == reported) return false;
                reported = d;
                const std::size_t last = d == 0 ? 0 : std::min(d, jobs.size()) - 1;
                const std::string label = jobs.empty() ? std::string() : tasks[jobs[last].task].id;
                if (progress({d, jobs.size(), failed + timed_out, label})) stopped = true;
                return stopped;
            });
        sum.evaluated = done;
        sum.failed = failed;
        sum.timed_out = timed_out;
        sum.stopped = stopped;
        return sum;
    }

    /// Convenience: tasks identified by their dataset names.
    /// @throws ConfigError when two datasets have the same name.
    CollectSummary collect(const std::vector<data::Dataset>& datasets, const ProgressCallback& progress = {},
                           const WarningCallback& warn = {}) {
        std::vector<Task> tasks;
        for (const auto& d : datasets) tasks.push_back({d.name(), d});
        return collect(tasks, progress, warn);
    }

    /// The task table of this model, metric, fold count and seed over the current plan.
    /// @throws DataError when the store has no matching record.
    [[nodiscard]] TaskTable table() const {
        std::vector<Record> mine;
        const std::string metric(hpo::to_string(opts_.metric));
        for (const auto& r : store_->snapshot())
            if (r.model == Model::name && r.metric == metric && r.n_folds == opts_.n_folds && r.seed == opts_.seed)
                mine.push_back(r);
        return make_task_table(
            mine, Model::name, [this](const nlohmann::json& c) { return space_.encode(space_.from_json(c)); }, plan_json_,
            plan_json_.front());
    }

    /// Fit the meta-model on every informative task of the table. @throws DataError.
    const HyperparameterPredictor<MM>& fit() {
        const TaskTable t = table();
        std::vector<Index> rows(static_cast<std::size_t>(t.n_tasks()));
        for (Index i = 0; i < t.n_tasks(); ++i) rows[static_cast<std::size_t>(i)] = i;
        predictor_.fit(t, rows);
        meta_feature_names_ = t.meta_feature_names;
        return predictor_;
    }

    /// The fitted predictor. @throws NotFitted before `fit`.
    [[nodiscard]] const HyperparameterPredictor<MM>& predictor() const {
        if (!predictor_.is_fitted()) throw NotFitted("MetaLearner::predictor(): call fit() first");
        return predictor_;
    }

    /// Suggest k configurations for a new dataset: its meta-features are extracted, aligned by
    /// name with the training ones, and the whole search space is searched
    /// (`HyperparameterPredictor::suggest(mf, k, space, search)`).
    /// Meta-features that come out ±inf are treated as missing (replaced by the training median,
    /// as NaN ones are).
    /// @throws NotFitted before `fit`.
    /// @throws DataError when the dataset's task type (classification/regression) differs from
    ///         that of the training tasks (given by the metric).
    [[nodiscard]] std::vector<Suggestion> suggest(const data::Dataset& dataset, Index k,
                                                  const SpaceSearchOptions& search = {}) const {
        const bool trained_on_classification = hpo::is_classification_metric(opts_.metric);
        if (dataset.is_classification() != trained_on_classification)
            throw DataError(fmt::format("MetaLearner::suggest(): '{}' is a {} task (expected a {} task like the "
                                        "training tasks, metric '{}')",
                                        dataset.name(), dataset.is_classification() ? "classification" : "regression",
                                        trained_on_classification ? "classification" : "regression",
                                        hpo::to_string(opts_.metric)));
        const auto mf = metafeatures::extract(dataset, opts_.meta_features);
        Vector x = Vector::Constant(static_cast<Index>(meta_feature_names_.size()), std::numeric_limits<double>::quiet_NaN());
        const auto& names = mf.names();
        const Vector values = mf.values();
        for (std::size_t i = 0; i < meta_feature_names_.size(); ++i)
            for (std::size_t j = 0; j < names.size(); ++j)
                if (names[j] == meta_feature_names_[i]) x[static_cast<Index>(i)] = values[static_cast<Index>(j)];
        return predictor().suggest(x, k, space_, search);
    }

    /// The standard comparison: default, learned default, nearest datasets, portfolio, the
    /// meta-model's ranking and the meta-model-guided search (random is added by the evaluation).
    [[nodiscard]] static std::vector<StrategyFactory> default_strategies(const MM& meta_model = MM()) {
        return {
            [] { return std::make_unique<DefaultStrategy>(); },
            [] { return std::make_unique<LearnedDefaultStrategy>(); },
            [] { return std::make_unique<NearestDatasetsStrategy>(); },
            [] { return std::make_unique<PortfolioStrategy>(); },
            [meta_model] { return std::make_unique<MetaModelStrategy<MM>>(meta_model, "meta-model top-1"); },
            [meta_model] { return std::make_unique<GuidedSearchStrategy<MM>>(meta_model); },
        };
    }

    /// Leave-one-task-out meta-evaluation of `strategies` on the table (see evaluation.hpp).
    [[nodiscard]] MetaEvaluation evaluate(const std::vector<StrategyFactory>& strategies, const EvaluationOptions& eval = {},
                                          const ProgressCallback& progress = {}) const {
        return leave_one_task_out(table(), strategies, eval, progress);
    }

private:
    Record evaluate(const Task& task, const params_type& config, const nlohmann::json& config_json,
                    const std::vector<data::Fold>& folds, const std::string& fold_error) const {
        Record r;
        r.task_id = task.id;
        r.task_name = task.dataset.name();
        r.config = config_json;
        r.model = std::string(Model::name);
        r.metric = std::string(hpo::to_string(opts_.metric));
        r.n_folds = static_cast<int>(opts_.n_folds);
        r.seed = opts_.seed;
        const auto t0 = std::chrono::steady_clock::now();
        const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
        if (!fold_error.empty()) {
            r.status = RecordStatus::failed;
            r.error = fold_error;
            return r;
        }
        const std::uint64_t eval_seed = derive_seed(opts_.seed, {fnv1a(task.id), fnv1a(config_json.dump())});
        try {
            for (std::size_t f = 0; f < folds.size(); ++f) {
                const auto cv = hpo::cross_validate(prototype_, config, task.dataset, std::vector<data::Fold>{folds[f]},
                                                    opts_.metric, derive_seed(eval_seed, {f}), opts_.cv);
                r.fold_scores.push_back(hpo::higher_is_better(opts_.metric) ? cv.fold_scores.at(0) : -cv.fold_scores.at(0));
                if (opts_.time_budget_seconds > 0 && elapsed() > opts_.time_budget_seconds && f + 1 < folds.size()) {
                    r.status = RecordStatus::timeout;
                    r.error = fmt::format("exceeded the time budget of {} s after fold {} of {} ({:.2f} s)",
                                          opts_.time_budget_seconds, f + 1, folds.size(), elapsed());
                    break;
                }
            }
        } catch (const std::exception& e) {
            r.status = RecordStatus::failed;
            r.error = e.what();
        }
        r.fit_seconds = elapsed();
        if (r.status == RecordStatus::ok) {
            double s = 0;
            for (double v : r.fold_scores) s += v;
            r.mean_score = s / static_cast<double>(r.fold_scores.size());
            if (!std::isfinite(r.mean_score)) {
                r.status = RecordStatus::failed;
                r.error = "non-finite score";
                r.mean_score = std::numeric_limits<double>::quiet_NaN();
            }
        } else {
            r.fold_scores.clear();
        }
        return r;
    }

    RecordStore* store_;
    MetaLearnerOptions opts_;
    Model prototype_;
    space_type space_;
    std::vector<params_type> plan_;
    std::vector<nlohmann::json> plan_json_;
    HyperparameterPredictor<MM> predictor_;
    std::vector<std::string> meta_feature_names_;
};

}  // namespace metalearn::meta
