#pragma once
/// @file record_impl.hpp
/// @brief Bodies of record.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/meta/record.hpp"

namespace metalearn::meta {

METALEARN_INLINE std::string_view to_string(RecordStatus s) noexcept {
    switch (s) {
        case RecordStatus::ok: return "ok";
        case RecordStatus::failed: return "failed";
        case RecordStatus::timeout: return "timeout";
    }
    return "failed";
}

METALEARN_INLINE RecordStatus record_status_from_string(std::string_view s) {
    if (s == "ok") return RecordStatus::ok;
    if (s == "failed") return RecordStatus::failed;
    if (s == "timeout") return RecordStatus::timeout;
    throw ConfigError(fmt::format("record_status_from_string(): unknown status '{}' (expected ok, failed or timeout)", s));
}

}  // namespace metalearn::meta

namespace metalearn::meta::detail {

METALEARN_INLINE nlohmann::json number_or_null(double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

METALEARN_INLINE double number_or_nan(const nlohmann::json& j) {
    return j.is_number() ? j.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

METALEARN_INLINE double score_or_nan(const nlohmann::json& j, const char* field) {
    if (j.is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (!j.is_number())
        throw ConfigError(fmt::format("record_from_json(): '{}' must be a number or null (got {})", field, j.dump()));
    return j.get<double>();
}

METALEARN_INLINE bool bounded_metric(const std::string& metric) {
    return metric == "accuracy" || metric == "balanced_accuracy" || metric == "roc_auc";
}

}  // namespace metalearn::meta::detail

namespace metalearn::meta {

METALEARN_INLINE nlohmann::json to_json(const Record& r) {
    nlohmann::json j;
    j["task_id"] = r.task_id;
    j["task_name"] = r.task_name;
    if (!r.data_checksum.empty()) j["data_checksum"] = r.data_checksum;
    j["model"] = r.model;
    j["metric"] = r.metric;
    j["n_folds"] = r.n_folds;
    j["seed"] = r.seed;
    if (r.seed_scheme != 1) j["seed_scheme"] = r.seed_scheme;
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

METALEARN_INLINE Record record_from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw ConfigError("record_from_json(): expected a JSON object");
    Record r;
    try {
        r.task_id = j.at("task_id").get<std::string>();
        r.task_name = j.value("task_name", r.task_id);
        r.data_checksum = j.value("data_checksum", std::string());
        r.model = j.at("model").get<std::string>();
        r.metric = j.at("metric").get<std::string>();
        r.n_folds = j.at("n_folds").get<int>();
        r.seed = j.at("seed").get<std::uint64_t>();
        r.seed_scheme = j.value("seed_scheme", 1);
        if (r.seed_scheme < 1)
            throw ConfigError(fmt::format("record_from_json(): 'seed_scheme' must be >= 1 (got {})", r.seed_scheme));
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
    // A record that contradicts itself would feed the meta-model a wrong score.
    if (r.n_folds < 1) throw ConfigError(fmt::format("record_from_json(): 'n_folds' must be >= 1 (got {})", r.n_folds));
    if (r.ok()) {
        if (!std::isfinite(r.mean_score))
            throw ConfigError("record_from_json(): status 'ok' with no finite 'mean_score' (expected the mean CV score)");
        if (!r.fold_scores.empty()) {  // empty: a score without its folds (a tuner's trial, `study_records`)
            if (r.fold_scores.size() != static_cast<std::size_t>(r.n_folds))
                throw ConfigError(fmt::format("record_from_json(): {} 'fold_scores' for 'n_folds' {} (expected one per fold)",
                                              r.fold_scores.size(), r.n_folds));
            double sum = 0.0;
            for (double v : r.fold_scores) {
                if (!std::isfinite(v))
                    throw ConfigError("record_from_json(): status 'ok' with a non-finite fold score");
                sum += v;
            }
            const double mean = sum / static_cast<double>(r.fold_scores.size());
            if (std::abs(mean - r.mean_score) > 1e-9 * std::max(1.0, std::abs(mean)))
                throw ConfigError(fmt::format("record_from_json(): 'mean_score' {} is not the mean {} of 'fold_scores'",
                                              r.mean_score, mean));
        }
    }
    return r;
}

}  // namespace metalearn::meta
