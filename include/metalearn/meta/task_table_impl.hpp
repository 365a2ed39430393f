#pragma once
/// @file task_table_impl.hpp
/// @brief Bodies of task_table.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/meta/task_table.hpp"

#include <numeric>

namespace metalearn::meta {

METALEARN_INLINE TaskTable make_task_table(const std::vector<Record>& records, std::string_view model,
                                               const ConfigEncoder& encode, const std::vector<nlohmann::json>& plan,
                                               const nlohmann::json& default_config) {
    TaskTable t;
    t.model = std::string(model);
    std::unordered_map<std::string, Index> task_index;
    std::unordered_map<std::string, Index> config_index;
    for (const auto& c : plan) {
        const auto key = c.dump();
        if (!config_index.count(key)) {
            config_index.emplace(key, static_cast<Index>(t.configs.size()));
            t.configs.push_back(c);
        }
    }
    const bool fixed_plan = !plan.empty();
    std::vector<const Record*> used;
    // per task: its records' meta-features merged by name (a later record's value wins)
    std::vector<std::vector<std::string>> mf_names;
    std::vector<std::vector<double>> mf_values;
    std::vector<std::unordered_map<std::string, std::size_t>> mf_pos;
    for (const auto& r : records) {
        if (r.model != model) continue;
        const auto ckey = r.config.dump();
        if (!config_index.count(ckey)) {
            if (fixed_plan) continue;
            config_index.emplace(ckey, static_cast<Index>(t.configs.size()));
            t.configs.push_back(r.config);
        }
        if (r.meta_feature_names.size() != r.meta_features.size())
            throw DataError(fmt::format("make_task_table(): a record of task '{}' has {} meta-feature names for {} values",
                                        r.task_id, r.meta_feature_names.size(), r.meta_features.size()));
        auto [tit, new_task] = task_index.emplace(r.task_id, static_cast<Index>(t.task_ids.size()));
        if (new_task) {
            t.task_ids.push_back(r.task_id);
            t.task_names.push_back(r.task_name);
            mf_names.emplace_back();
            mf_values.emplace_back();
            mf_pos.emplace_back();
        }
        const auto ti = static_cast<std::size_t>(tit->second);
        for (std::size_t k = 0; k < r.meta_features.size(); ++k) {
            const auto [pit, new_name] = mf_pos[ti].emplace(r.meta_feature_names[k], mf_names[ti].size());
            if (new_name) {
                mf_names[ti].push_back(r.meta_feature_names[k]);
                mf_values[ti].push_back(r.meta_features[k]);
            } else {
                mf_values[ti][pit->second] = r.meta_features[k];
            }
        }
        used.push_back(&r);
    }
    if (used.empty()) throw DataError(fmt::format("make_task_table(): no record of model '{}'", model));
    std::vector<metafeatures::MetaFeatures> per_task;
    per_task.reserve(mf_names.size());
    for (std::size_t ti = 0; ti < mf_names.size(); ++ti)
        per_task.emplace_back(std::move(mf_names[ti]), std::move(mf_values[ti]));
    std::vector<std::string> names;
    const Matrix aligned = metafeatures::to_matrix(per_task, &names);  // columns in order of first appearance
    std::vector<Index> by_name(names.size());
    std::iota(by_name.begin(), by_name.end(), Index{0});
    std::sort(by_name.begin(), by_name.end(), [&](Index a, Index b) {
        return names[static_cast<std::size_t>(a)] < names[static_cast<std::size_t>(b)];
    });
    const auto T = static_cast<Index>(t.task_ids.size());
    const auto m = static_cast<Index>(t.configs.size());
    t.meta_features.resize(T, static_cast<Index>(by_name.size()));
    for (std::size_t j = 0; j < by_name.size(); ++j) {
        t.meta_feature_names.push_back(names[static_cast<std::size_t>(by_name[j])]);
        t.meta_features.col(static_cast<Index>(j)) = aligned.col(by_name[j]);
    }
    t.scores = Matrix::Constant(T, m, std::numeric_limits<double>::quiet_NaN());
    for (const Record* r : used) {
        const Index ti = task_index.at(r->task_id);
        const Index ci = config_index.at(r->config.dump());
        if (r->ok() && std::isfinite(r->mean_score)) t.scores(ti, ci) = r->mean_score;
    }
    for (Index c = 0; c < m; ++c) {
        const Vector e = encode(t.configs[static_cast<std::size_t>(c)]);
        if (c == 0) t.config_encoding.resize(m, e.size());
        if (e.size() != t.config_encoding.cols())
            throw DataError(fmt::format("make_task_table(): config {} encodes to {} values (expected {})", c, e.size(),
                                        t.config_encoding.cols()));
        t.config_encoding.row(c) = e.transpose();
    }
    if (!default_config.is_null()) {
        auto it = config_index.find(default_config.dump());
        if (it != config_index.end()) t.default_config = it->second;
    }
    return t;
}

METALEARN_INLINE double normalized_regret(double best, double worst, double score) {
    if (!std::isfinite(best) || !std::isfinite(worst) || !std::isfinite(score))
        throw DataError(fmt::format("normalized_regret(): non-finite input (best {}, worst {}, score {})", best, worst, score));
    if (!(best > worst))
        throw DataError(fmt::format("normalized_regret(): best must exceed worst (got best {}, worst {})", best, worst));
    return (best - score) / (best - worst);
}

METALEARN_INLINE Vector min_max_within_task(const VectorRef& scores, MinMax as) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    double worst = std::numeric_limits<double>::infinity();
    double best = -worst;
    for (Index c = 0; c < scores.size(); ++c)
        if (std::isfinite(scores[c])) {
            worst = std::min(worst, scores[c]);
            best = std::max(best, scores[c]);
        }
    Vector out = Vector::Constant(scores.size(), nan);
    if (!(best > worst)) return out;  // fewer than two finite scores, or all tie
    for (Index c = 0; c < scores.size(); ++c) {
        const double s = scores[c];
        if (!std::isfinite(s)) continue;
        out[c] = as == MinMax::score ? (s - worst) / (best - worst) : normalized_regret(best, worst, s);
    }
    return out;
}

METALEARN_INLINE Matrix normalize_scores(const Matrix& scores, Normalization how) {
    Matrix out = scores;
    for (Index t = 0; t < scores.rows(); ++t) {
        const Vector u = min_max_within_task(scores.row(t).transpose(), MinMax::score);
        if (!u.array().isFinite().any()) {  // uninformative task (tie rule)
            out.row(t) = u.transpose();
            continue;
        }
        if (how == Normalization::none) continue;
        if (how == Normalization::min_max) {
            for (Index c = 0; c < scores.cols(); ++c)
                if (std::isfinite(scores(t, c))) out(t, c) = u[c];
            continue;
        }
        Index finite = 0;
        for (Index c = 0; c < scores.cols(); ++c) finite += std::isfinite(scores(t, c)) ? 1 : 0;
        for (Index c = 0; c < scores.cols(); ++c) {
            const double s = scores(t, c);
            if (!std::isfinite(s)) continue;
            double less = 0;
            double equal = 0;
            for (Index o = 0; o < scores.cols(); ++o) {
                const double v = scores(t, o);
                if (!std::isfinite(v)) continue;
                less += v < s ? 1.0 : 0.0;
                equal += v == s ? 1.0 : 0.0;
            }
            out(t, c) = (less + 0.5 * (equal - 1.0)) / static_cast<double>(finite - 1);
        }
    }
    return out;
}

METALEARN_INLINE Matrix signed_log1p(const MatrixRef& X) {
    return X.unaryExpr([](double v) { return std::isfinite(v) ? std::copysign(std::log1p(std::abs(v)), v) : v; });
}

}  // namespace metalearn::meta

namespace metalearn::meta::detail {

METALEARN_INLINE Matrix select_rows(const MatrixRef& M, const std::vector<Index>& rows) {
    Matrix out(static_cast<Index>(rows.size()), M.cols());
    for (std::size_t k = 0; k < rows.size(); ++k) out.row(static_cast<Index>(k)) = M.row(rows[k]);
    return out;
}

}  // namespace metalearn::meta::detail
