#pragma once
/// @file study_records.hpp
/// @brief `study_records`: a finished `hpo::Tuner` study on one task as `Record`s of that task,
/// so that it can join the knowledge the next warm start is fitted on (the update step of
/// meta-learning: each tuned task makes the next start better informed).
///
/// @code
/// using LR = models::LogisticRegression;
/// const auto knowledge = meta::Knowledge<LR>::load("lr.json");
/// hpo::Tuner<LR::params_type> tuner(LR::search_space(), {.seed = 0, .n_initial = 3});
/// const auto ws = meta::warm_start(tuner, knowledge, data);
/// tuner.optimize(objective, 30);                        // 3-fold CV balanced accuracy, seed 0
/// std::vector<double> mf(ws.meta_features.data(), ws.meta_features.data() + ws.meta_features.size());
/// const auto study = meta::study_records<LR>(
///     tuner, {.task_id = "my_data", .data_checksum = data::table_checksum(data),
///             .meta_feature_names = knowledge.meta_feature_names(), .meta_features = mf},
///     {.metric = hpo::Metric::balanced_accuracy, .n_folds = 3, .seed = 0});
/// meta::RecordStore store("records.jsonl");              // the journal the knowledge was built from
/// for (const auto& r : study.records) store.append(r);   // false (nothing written) for a key already stored
/// // refit: make_task_table(store.records(), LR::name, encoder) → HyperparameterPredictor::fit or
/// // Knowledge::fit; or a fresh MetaLearner<LR> over the store → fit() (plan configurations only)
/// @endcode
///
/// Refitting on the grown journal is the update; how the records enter it:
/// - `make_task_table(records, Model::name, encoder)` without a plan takes every configuration
///   seen, so a study's configurations outside the plan become new columns (missing, NaN, for the
///   other tasks); with the plan given (`MetaLearner::table()` does), only the study's trials of
///   plan configurations count — all of them when the study ran over the plan
///   (`Tuner::set_candidates`).
/// - A `MetaLearner` tabulates records of its own metric, folds, seed and `current_seed_scheme`
///   only, and, once it has collected, only the tasks given to `collect`: refit with a fresh
///   learner on the store, which tabulates every task of the journal.
/// - The meta-model learns min–max normalised scores within each task (`normalize_scores`): a
///   study's best trial counts as that task's best and its worst as its worst, although a study
///   that searched well holds few poor configurations — the study's scores teach the ranking near
///   its optimum, not the task's whole landscape.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/hpo/metrics.hpp"
#include "metalearn/hpo/tuner.hpp"
#include "metalearn/meta/record.hpp"
#include "metalearn/models/base_model.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace metalearn::meta {

/// The task a study ran on, as its records name and describe it.
struct StudyTask {
    std::string task_id;        ///< stable id (`Record::task_id`), non-empty
    std::string task_name;      ///< human-readable name (`Record::task_name`); empty: the id
    std::string data_checksum;  ///< `data::table_checksum` of the dataset the study scored, non-empty
    /// Meta-feature names and values (f each, f ≥ 1, names unique; NaN = missing), as the other
    /// records of the knowledge hold them: `MetaLearner::extract_meta_features(task)`'s names and
    /// values, or `knowledge.meta_feature_names()` with `WarmStartResult::meta_features`.
    std::vector<std::string> meta_feature_names;
    std::vector<double> meta_features;
};

/// How the study's scores were measured. The tuner keeps only the scores; these fields are what
/// its caller states about them, written to every record as given. Records are tabulated
/// together (and are duplicates of each other, `RecordKey`) only when these fields agree, so give
/// those of the records the study joins.
struct StudyProtocol {
    /// The metric of the scores. The tuner maximises, so a lower-is-better metric (log_loss, rmse,
    /// mae) must have been told negated — which is how records store it, so scores are written as
    /// told. Scores of accuracy, balanced_accuracy and roc_auc must lie in [0, 1].
    hpo::Metric metric = hpo::Metric::balanced_accuracy;
    /// Number of cross-validation folds behind each score, ≥ 1 (1: one hold-out split).
    Index n_folds = 0;
    /// The seed from which the folds and model seeds derived (`Record::seed`): the outer loop's
    /// `MetaLearnerOptions::seed` when the objective cross-validated as `MetaLearner` does.
    std::uint64_t seed = 0;
    /// `Record::seed_scheme`, ≥ 1: `current_seed_scheme` (the default) states that the objective
    /// derived its model seeds as `MetaLearner` does (meta_learner.hpp), which a `MetaLearner`
    /// requires to tabulate the records; models without `set_seed` score the same under every scheme.
    int seed_scheme = current_seed_scheme;
};

/// What `study_records` made of a study.
struct StudyRecords {
    std::vector<Record> records;    ///< one per complete trial, in trial-id order
    std::size_t n_failed = 0;       ///< failed trials, left out
    std::size_t n_pruned = 0;       ///< pruned trials, left out (a score at a lower budget is not the protocol's)
    std::size_t n_pending = 0;      ///< trials asked and never told, left out
    std::size_t n_duplicates = 0;   ///< complete trials whose configuration an earlier complete trial had, left out
};

/// The complete trials of a study of `Model` on one task as records of that task.
///
/// Each record: `task`'s id, name, data checksum and meta-features; `model` = `Model::name`;
/// `config` = `Model::search_space().to_json(trial.params)` — the name → value object
/// `MetaLearner` writes (its keys: the space's dimensions and the fixed members that differ from
/// their defaults); `mean_score` = the score the trial was told; `metric`, `n_folds`, `seed` and
/// `seed_scheme` from `protocol`; `status` ok; `fold_scores` empty and `fit_seconds` 0 (the tuner
/// keeps neither).
///
/// @tparam Model the base model the study tuned (`models::BaseModel`); not deduced: call
///         `study_records<Model>(tuner, task, protocol)`.
/// @param tuner    the study, over `Model::search_space()`'s dimensions (same names, kinds and
///                 labels; the bounds may differ, e.g. `knowledge.space()`).
/// @param task     the task the study ran on (see `StudyTask`).
/// @param protocol what the scores are (see `StudyProtocol`).
/// @return the records (k ≤ the number of trials) and what was left out.
/// @throws ConfigError when the tuner's space has other dimensions than `Model::search_space()`
///         (the message names the difference), the task id or data checksum is empty, the
///         meta-feature names are empty, repeated or not as many as the values, `n_folds` < 1 or
///         `seed_scheme` < 1.
/// @throws DataError when the study has no complete trial (the counts are in the message), or a
///         score of a metric bounded to [0, 1] lies outside it (a record store would refuse to
///         read it back).
/// Cost: O(trials · dimensions); the tuner is only read (its mutex held per call of `trials()`).
template <models::BaseModel Model>
[[nodiscard]] StudyRecords study_records(const hpo::Tuner<typename Model::params_type>& tuner, const StudyTask& task,
                                         const StudyProtocol& protocol) {
    constexpr const char* who = "meta::study_records()";
    const auto space = Model::search_space();
    const auto& tspace = tuner.space();
    {
        auto mine = space.names();
        auto theirs = tspace.names();
        std::sort(mine.begin(), mine.end());
        std::sort(theirs.begin(), theirs.end());
        if (mine != theirs)
            throw ConfigError(fmt::format("{}: the tuner searches [{}], but {}'s space has [{}]: a study over another "
                                          "space is not a study of this model's configurations",
                                          who, fmt::join(tspace.names(), ", "), Model::name,
                                          fmt::join(space.names(), ", ")));
        for (const auto& name : space.names()) {
            const hpo::Dimension& a = space.dimension(name);
            const hpo::Dimension& b = tspace.dimension(name);
            if (a.kind != b.kind || a.labels != b.labels)
                throw ConfigError(fmt::format("{}: dimension '{}' of the tuner is {} [{}], {}'s is {} [{}]", who, name,
                                              hpo::detail::kind_name(b.kind), fmt::join(b.labels, ", "), Model::name,
                                              hpo::detail::kind_name(a.kind), fmt::join(a.labels, ", ")));
        }
    }
    if (task.task_id.empty()) throw ConfigError(fmt::format("{}: the task id is empty", who));
    if (task.data_checksum.empty())
        throw ConfigError(fmt::format("{}: the data checksum of task '{}' is empty (expected data::table_checksum of "
                                      "the dataset the study scored)",
                                      who, task.task_id));
    if (task.meta_feature_names.empty() || task.meta_feature_names.size() != task.meta_features.size())
        throw ConfigError(fmt::format("{}: task '{}' has {} meta-feature names for {} values (expected as many, at "
                                      "least one)",
                                      who, task.task_id, task.meta_feature_names.size(), task.meta_features.size()));
    {
        std::set<std::string> seen;
        for (const auto& n : task.meta_feature_names)
            if (!seen.insert(n).second)
                throw ConfigError(fmt::format("{}: meta-feature '{}' of task '{}' is named twice", who, n, task.task_id));
    }
    if (protocol.n_folds < 1 || protocol.seed_scheme < 1)
        throw ConfigError(fmt::format("{}: n_folds and seed_scheme must be >= 1 (got {} and {})", who, protocol.n_folds,
                                      protocol.seed_scheme));
    const std::string metric(hpo::to_string(protocol.metric));
    const bool bounded = detail::bounded_metric(metric);

    StudyRecords out;
    std::set<std::string> configs;
    for (const auto& t : tuner.trials()) {
        switch (t.state) {
            case hpo::TrialState::failed: ++out.n_failed; continue;
            case hpo::TrialState::pruned: ++out.n_pruned; continue;
            case hpo::TrialState::pending: ++out.n_pending; continue;
            case hpo::TrialState::complete: break;
        }
        const double score = *t.score;  // complete: told a finite score
        if (bounded && !(score >= 0.0 && score <= 1.0))
            throw DataError(fmt::format("{}: trial {} scored {}, outside [0, 1], the range of metric '{}'", who, t.id,
                                        score, metric));
        Record r;
        r.config = space.to_json(t.params);
        if (!configs.insert(r.config.dump()).second) {
            ++out.n_duplicates;
            continue;
        }
        r.task_id = task.task_id;
        r.task_name = task.task_name.empty() ? task.task_id : task.task_name;
        r.data_checksum = task.data_checksum;
        r.meta_feature_names = task.meta_feature_names;
        r.meta_features = task.meta_features;
        r.model = std::string(Model::name);
        r.metric = metric;
        r.n_folds = static_cast<int>(protocol.n_folds);
        r.seed = protocol.seed;
        r.seed_scheme = protocol.seed_scheme;
        r.status = RecordStatus::ok;
        r.mean_score = score;
        out.records.push_back(std::move(r));
    }
    if (out.records.empty())
        throw DataError(fmt::format("{}: the study of task '{}' has no complete trial ({} failed, {} pruned, {} pending)",
                                    who, task.task_id, out.n_failed, out.n_pruned, out.n_pending));
    return out;
}

}  // namespace metalearn::meta
