#pragma once
/// @file record.hpp
/// @brief `Record`: one evaluation of one configuration of one base model on one task, and its
/// JSON form (one line of the record journal).
///
/// A record holds what the meta-learner needs to learn from the evaluation later, without the
/// dataset: the task's meta-features (with names), the configuration as a name→value map (the
/// search space's value view), the per-fold and mean scores, the cost and the outcome
/// (`ok`, `failed`, `timeout`, with the error message).

#include "metalearn/core/error.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
[[nodiscard]] inline std::string_view to_string(RecordStatus s) noexcept {
    switch (s) {
        case RecordStatus::ok: return "ok";
        case RecordStatus::failed: return "failed";
        case RecordStatus::timeout: return "timeout";
    }
    return "failed";
}

/// Parse a status written by `to_string`. @throws ConfigError for any other text.
[[nodiscard]] inline RecordStatus record_status_from_string(std::string_view s) {
    if (s == "ok") return RecordStatus::ok;
    if (s == "failed") return RecordStatus::failed;
    if (s == "timeout") return RecordStatus::timeout;
    throw ConfigError(fmt::format("record_status_from_string(): unknown status '{}' (expected ok, failed or timeout)", s));
}

/// What makes two evaluations "the same" for resuming: the task, the base model, the
/// configuration, the metric and the fold set (number of folds and the seed that drew them).
///
/// The configuration is compared through its canonical JSON text (`nlohmann::json` objects keep
/// their keys sorted, so equal maps give equal text).
struct RecordKey {
    std::string task_id;
    std::string model;
    std::string config;  ///< canonical JSON text of the configuration
    std::string metric;
    int n_folds = 0;
    std::uint64_t seed = 0;

    /// One string that identifies the key (used as a hash-map key by `RecordStore`).
    [[nodiscard]] std::string str() const {
        return fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", task_id, model, config, metric, n_folds, seed);
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
    RecordStatus status = RecordStatus::ok;
    std::string error;                       ///< error message when status != ok

    /// The resume key of this record.
    [[nodiscard]] RecordKey key() const { return {task_id, model, config.dump(), metric, n_folds, seed}; }
    [[nodiscard]] bool ok() const noexcept { return status == RecordStatus::ok; }
};

namespace detail {
inline nlohmann::json number_or_null(double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}
inline double number_or_nan(const nlohmann::json& j) {
    return j.is_number() ? j.get<double>() : std::numeric_limits<double>::quiet_NaN();
}
/// A score field: a number, or null (NaN). Anything else (string, object, ...) is an error.
inline double score_or_nan(const nlohmann::json& j, const char* field) {
    if (j.is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (!j.is_number())
        throw ConfigError(fmt::format("record_from_json(): '{}' must be a number or null (got {})", field, j.dump()));
    return j.get<double>();
}
/// Whether the metric's scores lie in [0, 1] (accuracy, balanced_accuracy, roc_auc).
inline bool bounded_metric(const std::string& metric) {
    return metric == "accuracy" || metric == "balanced_accuracy" || metric == "roc_auc";
}
}  // namespace detail

/// The JSON object of a record (one journal line). Non-finite numbers are written as `null`.
[[nodiscard]] inline nlohmann::json to_json(const Record& r) {
    nlohmann::json j;
    j["task_id"] = r.task_id;
    j["task_name"] = r.task_name;
    j["model"] = r.model;
    j["metric"] = r.metric;
    j["n_folds"] = r.n_folds;
    j["seed"] = r.seed;
    j["config"] = r.config;
    j["status"] = std::string(to_string(r.status));
    if (!r.error.empty()) j["error"] = r.error;
    j["mean_score"] = detail::number_or_null(r.mean_score);
    auto folds = nlohmann::json::array();
    for (double s : r.fold_scores) folds.push_back(detail::number_or_null(s));
    j["fold_scores"] = std::move(folds);
    j["fit_seconds"] = r.fit_seconds;
    j["meta_feature_names"] = r.meta_feature_names;
    auto mf = nlohmann::json::array();
    for (double v : r.meta_features) mf.push_back(detail::number_or_null(v));
    j["meta_features"] = std::move(mf);
    return j;
}

/// Read a record from its JSON object.
/// @throws ConfigError when a required field is missing or has the wrong type (scores must be
///         numbers or null), when a score of a bounded metric (accuracy, balanced_accuracy,
///         roc_auc) lies outside [0, 1], or when the meta-feature names and values differ in length.
[[nodiscard]] inline Record record_from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw ConfigError("record_from_json(): expected a JSON object");
    Record r;
    try {
        r.task_id = j.at("task_id").get<std::string>();
        r.task_name = j.value("task_name", r.task_id);
        r.model = j.at("model").get<std::string>();
        r.metric = j.at("metric").get<std::string>();
        r.n_folds = j.at("n_folds").get<int>();
        r.seed = j.at("seed").get<std::uint64_t>();
        r.config = j.at("config");
        if (!r.config.is_object()) throw ConfigError("record_from_json(): 'config' is not an object");
        r.status = record_status_from_string(j.at("status").get<std::string>());
        r.error = j.value("error", std::string());
        r.mean_score = detail::score_or_nan(j.at("mean_score"), "mean_score");
        const nlohmann::json folds = j.value("fold_scores", nlohmann::json::array());
        if (!folds.is_array())
            throw ConfigError(fmt::format("record_from_json(): 'fold_scores' must be an array (got {})", folds.dump()));
        for (const auto& s : folds) r.fold_scores.push_back(detail::score_or_nan(s, "fold_scores"));
        r.fit_seconds = j.value("fit_seconds", 0.0);
        r.meta_feature_names = j.value("meta_feature_names", std::vector<std::string>{});
        for (const auto& v : j.value("meta_features", nlohmann::json::array())) r.meta_features.push_back(detail::number_or_nan(v));
    } catch (const nlohmann::json::exception& e) {
        throw ConfigError(fmt::format("record_from_json(): {}", e.what()));
    }
    if (detail::bounded_metric(r.metric)) {
        auto check = [&](double v, const char* field) {
            if (std::isfinite(v) && (v < 0.0 || v > 1.0))
                throw ConfigError(fmt::format("record_from_json(): '{}' {} out of range for metric '{}' (expected [0, 1])",
                                              field, v, r.metric));
        };
        if (r.ok()) check(r.mean_score, "mean_score");
        for (double v : r.fold_scores) check(v, "fold_scores");
    }
    if (r.meta_feature_names.size() != r.meta_features.size())
        throw ConfigError(fmt::format("record_from_json(): {} meta-feature names for {} values",
                                      r.meta_feature_names.size(), r.meta_features.size()));
    return r;
}

}  // namespace metalearn::meta
