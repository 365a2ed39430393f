#pragma once
/// @file record.hpp
/// @brief `Record`: one evaluation of one configuration of one base model on one task, and its
/// JSON form (one line of the record journal).
///
/// A record holds what the meta-learner needs to learn from the evaluation later, without the
/// dataset: the task's meta-features (with names), the configuration as a name→value map (the
/// search space's value view), the per-fold and mean scores, the cost and the outcome
/// (`ok`, `failed`, `timeout`, with the error message).

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace metalearn::meta {

/// The outcome of one evaluation.
enum class RecordStatus {
    ok,      ///< every fold was scored
    failed,  ///< the base model or the metric threw; `Record::error` holds the message
    timeout  ///< the evaluation exceeded its time budget; `Record::error` says which
};

/// The stable text of a status as written to records: "ok", "failed", "timeout".
[[nodiscard]] METALEARN_INLINE std::string_view to_string(RecordStatus s) noexcept;

/// Parse a status written by `to_string`. @throws ConfigError for any other text.
[[nodiscard]] METALEARN_INLINE RecordStatus record_status_from_string(std::string_view s);

/// Version of the rule by which `MetaLearner` derives the per-fold model seeds of a record from
/// its `seed` (the rule is stated in meta_learner.hpp):
/// - 1: fold f's model seed = derive_seed(derive_seed(e, {f}), {0}), e the evaluation seed
///      (each fold was cross-validated on its own); assumed for records without the field.
/// - 2: fold f's model seed = derive_seed(e, {f}) (one `hpo::cross_validate` call over all folds).
/// Models without `set_seed` score the same under both; seeded models (forests, MLP) do not.
inline constexpr int current_seed_scheme = 2;

/// What makes two evaluations "the same" for resuming: the task and its data (`data_checksum`:
/// a task whose file now holds other data is evaluated again), the base model, the
/// configuration, the metric, the fold set (number of folds and the seed that drew them) and the
/// seed scheme (records of different schemes hold different model seeds and are never mixed).
///
/// The configuration is compared through its canonical JSON text (`nlohmann::json` objects keep
/// their keys sorted, so equal maps give equal text).
struct RecordKey {
    std::string task_id;
    std::string data_checksum;  ///< `Record::data_checksum`
    std::string model;
    std::string config;  ///< canonical JSON text of the configuration
    std::string metric;
    int n_folds = 0;
    std::uint64_t seed = 0;
    int seed_scheme = 1;  ///< `Record::seed_scheme`

    /// One string that identifies the key (used as a hash-map key by `RecordStore`).
    [[nodiscard]] std::string str() const {
        return fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", task_id, data_checksum, model, config, metric,
                           n_folds, seed, seed_scheme);
    }
    friend bool operator==(const RecordKey&, const RecordKey&) = default;
};

/// One evaluation of one configuration of one base model on one task.
///
/// Scores follow "higher is better": a lower-is-better metric (log_loss, rmse, mae) is stored
/// negated, so that −0.3 log-loss beats −0.5. A failed or timed-out
/// evaluation keeps NaN scores and its error message; it is recorded, never dropped, so a
/// resumed run does not retry it.
struct Record {
    std::string task_id;                     ///< stable identifier of the task (e.g. "weka/iris")
    std::string task_name;                   ///< human-readable name
    /// `data::table_checksum` of the task's dataset when it was evaluated (16 hex digits); empty
    /// for records written before the field existed (such records match no current task).
    std::string data_checksum;
    std::vector<std::string> meta_feature_names;
    std::vector<double> meta_features;       ///< same length as the names; NaN allowed (null in JSON)
    nlohmann::json config = nlohmann::json::object();  ///< name → value (number, integer, string, bool)
    std::string model;                       ///< base model name (`BaseModel::name`)
    std::string metric;                      ///< metric name (`hpo::to_string(metric)`)
    int n_folds = 0;                         ///< number of CV folds
    std::vector<double> fold_scores;         ///< one score per fold (empty when not ok)
    double mean_score = std::numeric_limits<double>::quiet_NaN();  ///< mean of fold_scores (NaN unless ok)
    double fit_seconds = 0.0;                ///< wall time of the whole evaluation, seconds
    std::uint64_t seed = 0;                  ///< global seed from which the folds and model seeds derive
    /// How the model seeds derive from `seed` (`current_seed_scheme`); 1 (the default) for records
    /// written without the field. `MetaLearner` writes `current_seed_scheme`.
    int seed_scheme = 1;
    RecordStatus status = RecordStatus::ok;
    std::string error;                       ///< error message when status != ok

    /// The resume key of this record.
    [[nodiscard]] RecordKey key() const {
        return {task_id, data_checksum, model, config.dump(), metric, n_folds, seed, seed_scheme};
    }
    [[nodiscard]] bool ok() const noexcept { return status == RecordStatus::ok; }
};

namespace detail {
METALEARN_INLINE nlohmann::json number_or_null(double v);
METALEARN_INLINE double number_or_nan(const nlohmann::json& j);
/// A score field: a number, or null (NaN). Anything else (string, object, ...) is an error.
METALEARN_INLINE double score_or_nan(const nlohmann::json& j, const char* field);
/// Whether the metric's scores lie in [0, 1] (accuracy, balanced_accuracy, roc_auc).
METALEARN_INLINE bool bounded_metric(const std::string& metric);
}  // namespace detail

/// The JSON object of a record (one journal line). Non-finite numbers are written as `null`;
/// `seed_scheme` is written only when it is not 1 and `data_checksum` only when it is not empty,
/// so older records keep their form.
[[nodiscard]] METALEARN_INLINE nlohmann::json to_json(const Record& r);

/// Read a record from its JSON object.
/// @throws ConfigError when a required field is missing or has the wrong type (scores must be
///         numbers or null), when a score of a bounded metric (accuracy, balanced_accuracy,
///         roc_auc) lies outside [0, 1], when the meta-feature names and values differ in length,
///         when `seed_scheme` (optional, default 1) is not an integer ≥ 1, or when `data_checksum`
///         (optional) is not a string.
[[nodiscard]] METALEARN_INLINE Record record_from_json(const nlohmann::json& j);

}  // namespace metalearn::meta

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/meta/record_impl.hpp"
#endif
