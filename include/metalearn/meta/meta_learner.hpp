#pragma once
/// @file meta_learner.hpp
/// @brief `MetaLearner<BaseModel, MetaModel>`: the outer loop. For each task: meta-features →
/// k-fold CV of every planned configuration → records (resumable journal) → meta-model →
/// suggestions for new tasks, and the leave-one-task-out meta-evaluation.
///
/// Reproducibility: task t (id string) and configuration c (canonical JSON text, `json::dump()`)
/// with the global seed s (`MetaLearnerOptions::seed`) get
///   folds      = data::make_folds(dataset, n_folds, derive_seed(s, {h(t)}))  — the same for every config,
///   eval seed  e = derive_seed(s, {h(t), h(c)}),
///   scores     = hpo::cross_validate(model, config, dataset, folds, metric, e, cv options),
/// so fold f (0-based) is fitted with model seed derive_seed(e, {f}) (when the model has
/// `set_seed`); h is the 64-bit FNV-1a hash (`fnv1a`). A record therefore depends only on
/// (s, task, config) — never on the thread count or the order of evaluation — and its fold
/// scores equal those of that one `hpo::cross_validate` call, bit for bit (negated for a
/// lower-is-better metric). This is seed scheme 2 (`current_seed_scheme`, written to every
/// record and part of its key); records of scheme 1, written before, fitted fold f with
/// derive_seed(derive_seed(e, {f}), {0}) and are neither reused nor tabulated (a resumed run
/// evaluates those configurations again). Records are appended as they finish (their order in
/// the journal varies with threads; the set of records does not).
///
/// Scores are recorded higher-is-better: a lower-is-better metric (log_loss, rmse, mae) is
/// negated, so every strategy and the regret can maximise.
///
/// Resume: an evaluation whose `RecordKey` (task, model, config, metric, n_folds, seed,
/// seed scheme) is already in the store is not redone — including failed and timed-out ones,
/// unless `retry_timeouts` asks for the timed-out ones again (e.g. with a larger budget).
///
/// Failures: an exception from preprocessing, the model or the metric is recorded as `failed`
/// with its message; the run goes on. Time budget: checked after each fold but the last (through
/// `hpo::CvOptions::stop`); an evaluation past its budget stops there and is recorded as
/// `timeout` (the fold in flight is not interrupted; no fold scores are kept). The budget counts
/// wall seconds, or the evaluating thread's CPU seconds (`BudgetClock::thread_cpu`), which keeps
/// the set of timeouts of a long build the same whatever else runs on the machine.

#include "metalearn/core/clock.hpp"
#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/split.hpp"
#include "metalearn/hpo/cross_validate.hpp"
#include "metalearn/hpo/metrics.hpp"
#include "metalearn/hpo/search_space.hpp"
#include "metalearn/meta/predictor.hpp"
#include "metalearn/meta/random_forest_meta_model.hpp"
#include "metalearn/meta/record.hpp"
#include "metalearn/meta/record_store.hpp"
#include "metalearn/meta/task_table.hpp"
#include "metalearn/metafeatures/options.hpp"
#include "metalearn/models/base_model.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace metalearn::meta {

// Declared in evaluation.hpp and strategies.hpp (included by meta_learner_impl.hpp): `evaluate`
// and `default_strategies` need them complete where they are called.
struct EvaluationOptions;
struct MetaEvaluation;
class Strategy;
using StrategyFactory = std::function<std::unique_ptr<Strategy>()>;

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

/// The configurations of a plan given as JSON: an array of objects {name: value}, read
/// leniently by `space.from_json(entry, lenient)` (values in each dimension's valid range, reals
/// within a relative 1e-9 of a bound clamped to it, categoricals also as numbers, fixed members
/// such as `max_iter` settable). Names not given keep the model's defaults.
/// @tparam Space an `hpo::SearchSpace<Params>`.
/// @param j     the plan (an array of objects).
/// @param space the model's declared space (`Model::search_space()`).
/// @param where names the plan in messages (e.g. the file name).
/// @return one config per entry, in order (duplicates kept; `MetaLearner::set_plan` drops them).
/// @throws ConfigError when `j` is not an array or an entry is invalid; the message names the
///         plan, the entry (0-based) and the reason.
template <class Space>
[[nodiscard]] std::vector<typename Space::params_type> plan_from_json(const nlohmann::json& j, const Space& space,
                                                                      const std::string& where,
                                                                      const hpo::LenientOptions& lenient = {}) {
    if (!j.is_array())
        throw ConfigError(fmt::format("plan '{}': expected a JSON array of configurations (objects name -> value), got {}",
                                      where, j.type_name()));
    std::vector<typename Space::params_type> configs;
    for (std::size_t i = 0; i < j.size(); ++i) {
        try {
            configs.push_back(space.from_json(j[i], lenient));
        } catch (const ConfigError& e) {
            throw ConfigError(fmt::format("plan '{}': entry {} ({}): {}", where, i, j[i].dump(), e.what()));
        }
    }
    return configs;
}

/// One task of the outer loop: a stable id (written to records) and its dataset.
struct Task {
    std::string id;
    data::Dataset dataset;
};

/// What `MetaLearnerOptions::time_budget_seconds` counts.
enum class BudgetClock {
    wall,       ///< elapsed (steady-clock) seconds: what a user waits
    thread_cpu  ///< CPU seconds of the evaluating thread (`thread_cpu_seconds`): the same on a loaded machine
};

/// Options of `MetaLearner`.
struct MetaLearnerOptions {
    Index n_folds = 3;                                   ///< CV folds (stratified for classification), ≥ 2
    hpo::Metric metric = hpo::Metric::balanced_accuracy; ///< higher-is-better scores are recorded
    std::uint64_t seed = 0;                              ///< global seed
    Index n_threads = 1;                                 ///< parallel evaluations, ≥ 0 (0 = all hardware threads, core/parallel.hpp)
    double time_budget_seconds = 0.0;                    ///< per evaluation, checked between folds; 0 = none
    BudgetClock time_budget_clock = BudgetClock::wall;   ///< what the time budget counts
    bool retry_timeouts = false;                         ///< redo stored `timeout` records (the new record replaces them)
    metafeatures::ExtractOptions meta_features{};        ///< what `metafeatures::extract` computes
    hpo::CvOptions cv{};                                 ///< preprocessing inside CV (its `stop` is replaced by the time budget)
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

/// The meta-features of one task, as its records carry them, and what went wrong extracting them
/// (`MetaLearner::extract_meta_features`).
struct TaskMetaFeatures {
    std::vector<std::string> names;      ///< meta-feature names (empty when extraction failed)
    std::vector<double> values;          ///< same length as `names`; NaN = missing
    std::vector<std::string> timed_out;  ///< names cut by the time limit of their group (values NaN)
    std::string error;                   ///< non-empty when the extraction threw: its message
};

/// The warning `MetaLearner::collect` gives for a task's meta-features: that the extraction failed
/// (recorded as empty), or which meta-features the time limit cut; nothing when neither happened.
/// @param task_id the task's id (starts the message).
[[nodiscard]] inline std::string meta_features_warning(const std::string& task_id, const TaskMetaFeatures& mf) {
    if (!mf.error.empty()) return fmt::format("{}: meta-features failed ({}); recorded as empty", task_id, mf.error);
    if (!mf.timed_out.empty())
        return fmt::format("{}: {} meta-feature(s) cut by the time limit, recorded as missing (NaN): {}", task_id,
                           mf.timed_out.size(), fmt::join(mf.timed_out, ", "));
    return {};
}

/// The cross-validation folds of one task (`MetaLearner::task_folds`), or why they could not be made.
struct TaskFolds {
    std::vector<data::Fold> folds;  ///< `n_folds` folds (empty when `error` is set)
    std::string error;              ///< non-empty when `data::make_folds` threw: the task's evaluations fail with it
};

/// One evaluation of `MetaLearner::collect`: a task (index into the task list) and a
/// configuration (index into the plan).
struct CollectJob {
    std::size_t task = 0;
    std::size_t config = 0;
};

/// What `MetaLearner::collect` will do for a list of tasks (`MetaLearner::plan_collect`): the
/// evaluations missing from the store and what they need. Vectors indexed by task have one entry
/// per task of the list.
struct CollectPlan {
    std::vector<std::string> checksums;           ///< per task: `data::table_checksum` of its dataset
    std::vector<CollectJob> jobs;                 ///< (task, config) pairs not in the store, task by task, in plan order
    std::vector<std::size_t> need_meta_features;  ///< tasks with jobs and no stored meta-features (same data), ascending
    std::vector<TaskMetaFeatures> meta_features;  ///< per task: those of a stored record of the same data; else empty
    std::vector<TaskFolds> folds;                 ///< per task with jobs: its folds (empty for the others)
    std::size_t planned = 0;                      ///< tasks × plan
    std::size_t reused = 0;                       ///< pairs already in the store
};

namespace detail {

/// Runs `hpo::cross_validate` of plan configuration `config` (an index into the plan) on a task's
/// `folds` with evaluation seed `seed` and CV options `cv`: what the typed `MetaLearner` adds to
/// `MetaLearnerCore`.
using CvRunner = std::function<hpo::CvResult(const Task& task, std::size_t config, const std::vector<data::Fold>& folds,
                                             std::uint64_t seed, const hpo::CvOptions& cv)>;

/// The part of `MetaLearner` that does not depend on the base model's or the meta-model's type:
/// the plan as JSON, the resume keys, the collection (checksums, stored meta-features, folds, the
/// parallel evaluations and the journal), the records of one evaluation, the task table and the
/// new task's meta-features. Not a template, so the compiled mode builds it once. Its members
/// document themselves through the `MetaLearner` members of the same names, which forward here.
class MetaLearnerCore {
public:
    /// @throws ConfigError for n_folds < 2, n_threads < 0 or a negative time budget.
    MetaLearnerCore(RecordStore& store, MetaLearnerOptions opts, std::string model_name);

    /// Make `configs` (JSON, the default configuration first) the plan: duplicates (same JSON) are
    /// dropped, and `warn` hears that the default was added (when `configs` after the first do not
    /// hold it) or that duplicates were dropped. @return the indices into `configs` kept, in order.
    std::vector<std::size_t> set_plan(const std::vector<nlohmann::json>& configs, const WarningCallback& warn);

    [[nodiscard]] const std::vector<nlohmann::json>& plan_json() const noexcept { return plan_json_; }
    [[nodiscard]] const MetaLearnerOptions& options() const noexcept { return opts_; }
    [[nodiscard]] RecordStore& store() const noexcept { return *store_; }
    [[nodiscard]] const std::string& model_name() const noexcept { return model_; }

    [[nodiscard]] RecordKey key(const std::string& task_id, const std::string& data_checksum,
                                const nlohmann::json& config) const;
    [[nodiscard]] RecordKey key(const Task& task, const nlohmann::json& config) const;
    CollectPlan plan_collect(const std::vector<Task>& tasks, const WarningCallback& warn);
    [[nodiscard]] TaskMetaFeatures extract_meta_features(const Task& task) const;
    [[nodiscard]] TaskFolds task_folds(const Task& task, const WarningCallback& warn) const;
    [[nodiscard]] Record evaluate_job(const Task& task, const std::string& data_checksum, std::size_t config,
                                      const TaskFolds& folds, const TaskMetaFeatures& meta_features,
                                      const CvRunner& run) const;
    CollectSummary collect(const std::vector<Task>& tasks, const ProgressCallback& progress,
                           const WarningCallback& warn, const CvRunner& run);
    CollectSummary collect(const std::vector<data::Dataset>& datasets, const ProgressCallback& progress,
                           const WarningCallback& warn, const CvRunner& run);
    /// The task table over the plan, configurations encoded by `encode`.
    [[nodiscard]] TaskTable table(const ConfigEncoder& encode) const;
    /// Remember the meta-feature names the predictor was fitted on (`MetaLearner::fit`).
    void set_meta_feature_names(std::vector<std::string> names) { meta_feature_names_ = std::move(names); }
    /// A new task's meta-features aligned by name with the training ones (missing: NaN), after
    /// `check_new_task`. @throws DataError as `MetaLearner::suggest`.
    [[nodiscard]] Vector new_task_meta_features(const data::Dataset& dataset, std::string_view who) const;

private:
    Record evaluate(const Task& task, const std::string& data_checksum, std::size_t config,
                    const std::vector<data::Fold>& folds, const std::string& fold_error, const CvRunner& run) const;

    RecordStore* store_;
    MetaLearnerOptions opts_;
    std::string model_;
    std::vector<nlohmann::json> plan_json_;
    std::vector<std::string> meta_feature_names_;
    std::map<std::string, std::string> data_checksums_;  // task id -> checksum of the data last collected
    std::vector<std::string> task_order_;                // task ids in the order first given to collect
};

}  // namespace detail

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
    explicit MetaLearner(RecordStore& store, MetaLearnerOptions opts = {}, Model prototype = Model(), MM meta_model = MM());

    /// Use an explicit plan. The default configuration `params_type{}` is put first when absent
    /// (the "default" baseline needs it), and `warn` says so; duplicates (same JSON) are dropped,
    /// with a warning. A numeric value outside the declared search range but inside the valid
    /// range (e.g. n_neighbors 51 for k-NN searched in [1, 50]) widens the learner's `space()`
    /// to cover it (so the meta-model's encoding tells it apart), with a warning.
    /// @throws ConfigError when a configuration is outside the valid range (naming the entry).
    MetaLearner& set_plan(const std::vector<params_type>& configs, const WarningCallback& warn = {});

    /// Draw a plan of about `budget` configurations (plus the default): `grid` uses the largest
    /// per-dimension resolution whose full grid has at most `budget` points (at least 2);
    /// `random` and `sobol` draw `budget` points with the learner's seed.
    /// @throws ConfigError when budget < 1.
    MetaLearner& set_plan(PlanKind kind, Index budget);

    /// Read a plan from a JSON file holding an array of name → value objects (`plan_from_json`:
    /// tolerant bounds, valid ranges, numbers for categorical labels, fixed members), then
    /// `set_plan(configs, warn)`.
    /// @throws IoError when unreadable; ParseError on invalid JSON; ConfigError on a bad config.
    MetaLearner& set_plan_from_file(const std::filesystem::path& path, const WarningCallback& warn = {});

    [[nodiscard]] const std::vector<params_type>& plan() const noexcept { return plan_; }
    [[nodiscard]] const std::vector<nlohmann::json>& plan_json() const noexcept { return core_.plan_json(); }
    [[nodiscard]] const space_type& space() const noexcept { return space_; }
    [[nodiscard]] const MetaLearnerOptions& options() const noexcept { return core_.options(); }
    /// The record journal given to the constructor.
    [[nodiscard]] RecordStore& store() const noexcept { return core_.store(); }

    /// The resume key of (task, config), `data_checksum` being `data::table_checksum` of the
    /// task's dataset.
    [[nodiscard]] RecordKey key(const std::string& task_id, const std::string& data_checksum,
                                const nlohmann::json& config) const;

    /// The resume key of (task, config); computes the task's `data::table_checksum` (O(n·p)).
    [[nodiscard]] RecordKey key(const Task& task, const nlohmann::json& config) const;

    /// Evaluate every (task, plan config) pair not yet in the store; append one record each.
    /// Records carry the `data::table_checksum` of their task's dataset and are reused only for
    /// the same data: when a task's data differ from those of its stored records (the file was
    /// replaced), `warn` says so and the task is evaluated again; `table()` then uses the records
    /// of the data seen here.
    /// Meta-features are taken from an existing record of the task (same data) when there is one,
    /// otherwise extracted (in parallel over tasks). Failures (any `std::exception` from preprocessing, the
    /// model or the metric) and timeouts are recorded, never thrown. Evaluations are handed out
    /// dynamically to `n_threads` workers; the records do not depend on the thread count.
    /// @param progress called from the calling thread when evaluations have finished; returning
    ///                 true stops after the evaluations in flight.
    /// @param warn     receives non-fatal messages (small classes, failed meta-features, meta-features
    ///                 cut by the `meta_features` time limits, listed by name), from
    ///                 the calling thread.
    /// @throws ConfigError when `tasks` is empty, when two tasks share an id (checked before anything is evaluated;
    ///         records are keyed by task id, so the second task's records would be lost); the
    ///         message names the two datasets. Also when a task's type (classification or
    ///         regression) is not the metric's, naming the task.
    /// @throws IoError when the store cannot be written (no new evaluation starts after that).
    /// @throws an exception not derived from `std::exception` that escapes an evaluation, with
    ///         its type, after the evaluations in flight have finished.
    CollectSummary collect(const std::vector<Task>& tasks, const ProgressCallback& progress = {},
                           const WarningCallback& warn = {});

    /// The first step of `collect`, for schedulers that run its evaluations elsewhere (e.g. the
    /// distributed collection, mpi/collect.hpp): checks the tasks (unique UTF-8 ids), computes
    /// their data checksums (in parallel, `n_threads`), finds the evaluations missing from the
    /// store, takes meta-features from stored records of the same data, and makes the folds of
    /// every task with missing evaluations. Warns (through `warn`) about stored records of other
    /// data and about small classes, as `collect` does. Remembers the tasks' data for `table()`.
    /// @throws ConfigError as `collect` (no tasks, duplicate task ids, ids or names that are not UTF-8, a
    ///         task of another type than the metric's).
    CollectPlan plan_collect(const std::vector<Task>& tasks, const WarningCallback& warn = {});

    /// The meta-features of a task as `collect` records them (`metafeatures::extract` with the
    /// options' `meta_features`). Never throws for a failed extraction: `error` holds the message
    /// and names and values are empty.
    [[nodiscard]] TaskMetaFeatures extract_meta_features(const Task& task) const;

    /// The folds `collect` cross-validates a task on: `data::make_folds(dataset, n_folds,
    /// derive_seed(seed, {fnv1a(id)}))`. A class smaller than the fold count is accepted (some
    /// folds lack it), with or without `warn`, which hears about it. Never throws: a failure (a
    /// class of one sample, fewer rows than folds, a classification task with one class: all its
    /// evaluations then fail with this error, whatever the model) is returned in `error`.
    [[nodiscard]] TaskFolds task_folds(const Task& task, const WarningCallback& warn = {}) const;

    /// One evaluation of `collect`: plan configuration `config` on `task` (cross-validated on
    /// `folds`), as a record carrying `meta_features`; not appended to the store.
    /// Failures and timeouts are recorded (never thrown).
    /// @param data_checksum `data::table_checksum(task.dataset)` (written to the record).
    /// @throws ConfigError when `config` is not an index of `plan()`.
    [[nodiscard]] Record evaluate_job(const Task& task, const std::string& data_checksum, std::size_t config,
                                      const TaskFolds& folds, const TaskMetaFeatures& meta_features) const;

    /// Convenience: tasks identified by their dataset names.
    /// @throws ConfigError when two datasets have the same name (e.g. `iris.arff` and `iris.csv`
    ///         in one folder): the message says how to give them unique ids (`data::load_corpus`
    ///         ids tasks by path and leaves out copies of the same data).
    CollectSummary collect(const std::vector<data::Dataset>& datasets, const ProgressCallback& progress = {},
                           const WarningCallback& warn = {});

    /// The task table of this model, metric, fold count, seed and the current seed scheme over the
    /// current plan, over the tasks given to `collect` (with the data last given), in the order
    /// they were first given — never in the journal's order, which varies with the threads or
    /// ranks that wrote it, so the table, and what is fitted and evaluated on it, is the same for
    /// any thread or rank count and after a resume. A journal shared with other runs adds none of
    /// their tasks. A learner that has not collected tabulates every task of the journal, in
    /// order of first appearance, with the data (`data_checksum`) of its last record.
    /// @throws DataError when the store has no matching record.
    [[nodiscard]] TaskTable table() const;

    /// Fit the meta-model on every informative task of the table. @throws DataError.
    const HyperparameterPredictor<MM>& fit();

    /// The fitted predictor. @throws NotFitted before `fit`.
    [[nodiscard]] const HyperparameterPredictor<MM>& predictor() const;

    /// Suggest k configurations for a new dataset: its meta-features are extracted, aligned by
    /// name with the training ones, and the search space is searched
    /// (`HyperparameterPredictor::suggest(mf, k, space, search)`): by default only inside what the
    /// plan evaluated (`space().restricted_to(plan())`: per numeric dimension the plan's least to
    /// greatest value, a dimension the plan held at one value stays at it, categoricals among the
    /// plan's labels), since the meta-model knows nothing of the rest; `search.restrict_to_plan
    /// = false` searches the whole space. The k are the best predictions that keep
    /// `search.min_distance` (0.1 in the [0,1] encoding by default) from each other, best first;
    /// fewer than k when the search's candidates hold fewer distinct configurations. Each carries
    /// its configuration as JSON (`config`) and as the model's parameter struct (`params`).
    /// Meta-features that come out ±inf are treated as missing (replaced by the training median,
    /// as NaN ones are).
    /// @throws NotFitted before `fit`; ConfigError for k < 1 or invalid `search` options.
    /// @throws DataError when the dataset's task type (classification/regression) differs from
    ///         that of the training tasks (given by the metric), when it has no feature, fewer rows
    ///         than `n_folds`, or (classification) fewer than two classes with samples.
    [[nodiscard]] std::vector<TypedSuggestion<params_type>> suggest(const data::Dataset& dataset, Index k,
                                                                     const SpaceSearchOptions& search = {}) const;

    /// The meta-features of a new dataset as `suggest` computes them: extracted with the options'
    /// `meta_features`, aligned by name with the fitted predictor's training meta-features
    /// (f entries in its order; NaN where the dataset has none). What `meta::warm_start` takes
    /// with `predictor()` and `space()` to start a tuner from this learner.
    /// @throws NotFitted before `fit`; DataError as `suggest`.
    [[nodiscard]] Vector task_meta_features(const data::Dataset& dataset) const;

    /// The standard comparison: default, learned default, nearest datasets, portfolio, the
    /// meta-model's ranking and the meta-model-guided search (random is added by the evaluation).
    [[nodiscard]] static std::vector<StrategyFactory> default_strategies(const MM& meta_model = MM());

    /// Leave-one-task-out meta-evaluation of `strategies` on the table (`leave_one_task_out`
    /// in evaluation.hpp, which declares `EvaluationOptions` and `MetaEvaluation`).
    /// @throws what `leave_one_task_out` throws (DataError when the store has no matching record).
    [[nodiscard]] MetaEvaluation evaluate(const std::vector<StrategyFactory>& strategies, const EvaluationOptions& eval,
                                          const ProgressCallback& progress = {}) const;
    /// As above with the default `EvaluationOptions`.
    [[nodiscard]] MetaEvaluation evaluate(const std::vector<StrategyFactory>& strategies) const;

private:
    detail::CvRunner cv_runner() const;

    detail::MetaLearnerCore core_;
    Model prototype_;
    space_type space_;
    std::vector<params_type> plan_;
    HyperparameterPredictor<MM> predictor_;
};

}  // namespace metalearn::meta

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/meta/meta_learner_core_impl.hpp"
#include "metalearn/meta/meta_learner_impl.hpp"
#endif

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library's instances for the bundled models (core/compiled_instances.hpp).
#define METALEARN_DECLARES_META_LEARNER
#include "metalearn/core/compiled_instances.hpp"
#endif
