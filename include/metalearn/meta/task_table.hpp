#pragma once
/// @file task_table.hpp
/// @brief `TaskTable`: the records of one base model arranged as tasks × plan configurations,
/// the per-task score normalisation the meta-models learn from, and the meta-feature transform.
///
/// Every strategy and the meta-evaluation work on this table, so they see exactly the same data.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/meta/record.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace metalearn::meta {

/// Maps a configuration's name→value JSON object to its numeric encoding (q values, the search
/// space's `encode`), e.g. `[&](const nlohmann::json& c) { return space.encode(space.from_json(c)); }`.
using ConfigEncoder = std::function<Vector(const nlohmann::json&)>;

/// The evaluations of one base model: T tasks × m plan configurations.
struct TaskTable {
    std::string model;                          ///< base model name
    std::vector<std::string> task_ids;          ///< T
    std::vector<std::string> task_names;        ///< T
    std::vector<std::string> meta_feature_names;///< f
    Matrix meta_features;                       ///< T×f raw meta-features (NaN = undefined)
    std::vector<nlohmann::json> configs;        ///< m plan configurations (name → value)
    Matrix config_encoding;                     ///< m×q encoded configurations
    Matrix scores;                              ///< T×m mean CV scores, higher is better; NaN = missing or failed
    Index default_config = -1;                  ///< index of the base model's default config in the plan, or -1

    [[nodiscard]] Index n_tasks() const noexcept { return scores.rows(); }
    [[nodiscard]] Index n_configs() const noexcept { return scores.cols(); }
};

/// Build the table of one base model from records.
///
/// Configurations are taken from `plan` when given (in that order; records of other configs are
/// ignored), otherwise every configuration seen is used, in order of first appearance. Tasks are
/// in order of first appearance. Failed and timed-out evaluations become NaN scores.
/// Meta-features are aligned by name (union over tasks; a name missing for a task → NaN).
/// @param records  any records (other models are ignored).
/// @param model    the base model to tabulate.
/// @param encode   config JSON → encoding (all encodings must have the same length).
/// @param plan     optional explicit plan.
/// @param default_config optional default configuration (its index is stored if it is in the plan).
/// @throws DataError when no record of `model` exists or encodings differ in length.
[[nodiscard]] inline TaskTable make_task_table(const std::vector<Record>& records, std::string_view model,
                                               const ConfigEncoder& encode, const std::vector<nlohmann::json>& plan = {},
                                               const nlohmann::json& default_config = nullptr) {
    TaskTable t;
    t.model = std::string(model);
    std::unordered_map<std::string, Index> task_index;
    std::unordered_map<std::string, Index> config_index;
    std::map<std::string, Index> mf_index;
    for (const auto& c : plan) {
        const auto key = c.dump();
        if (!config_index.count(key)) {
            config_index.emplace(key, static_cast<Index>(t.configs.size()));
            t.configs.push_back(c);
        }
    }
    const bool fixed_plan = !plan.empty();
    std::vector<const Record*> used;
    for (const auto& r : records) {
        if (r.model != model) continue;
        const auto ckey = r.config.dump();
        if (!config_index.count(ckey)) {
            if (fixed_plan) continue;
            config_index.emplace(ckey, static_cast<Index>(t.configs.size()));
            t.configs.push_back(r.config);
        }
        if (!task_index.count(r.task_id)) {
            task_index.emplace(r.task_id, static_cast<Index>(t.task_ids.size()));
            t.task_ids.push_back(r.task_id);
            t.task_names.push_back(r.task_name);
        }
        for (const auto& n : r.meta_feature_names) mf_index.emplace(n, 0);
        used.push_back(&r);
    }
    if (used.empty()) throw DataError(fmt::format("make_task_table(): no record of model '{}'", model));
    Index f = 0;
    for (auto& [name, idx] : mf_index) {
        idx = f++;
        t.meta_feature_names.push_back(name);
    }
    const auto T = static_cast<Index>(t.task_ids.size());
    const auto m = static_cast<Index>(t.configs.size());
    const double nan = std::numeric_limits<double>::quiet_NaN();
    t.meta_features = Matrix::Constant(T, f, nan);
    t.scores = Matrix::Constant(T, m, nan);
    for (const Record* r : used) {
        const Index ti = task_index.at(r->task_id);
        const Index ci = config_index.at(r->config.dump());
        for (std::size_t k = 0; k < r->meta_features.size(); ++k)
            t.meta_features(ti, mf_index.at(r->meta_feature_names[k])) = r->meta_features[k];
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

/// How scores are made comparable across tasks before the meta-model regresses on them.
enum class Normalization {
    min_max,  ///< (s − min_t) / (max_t − min_t) over the task's evaluated configs: 1 = best, 0 = worst
    rank,     ///< (rank − 1) / (m_t − 1), ascending ranks with ties averaged: 1 = best
    none      ///< raw scores
};

/// Normalise each task's (row's) scores; NaN entries stay NaN. A row whose finite scores all tie
/// (or with fewer than two finite scores) carries no information and becomes all NaN.
///
/// The default, min–max within task, keeps the shape of the score landscape (a config 1 % worse
/// than the best stays close to 1) and matches the normalised regret used to evaluate; rank
/// normalisation is more robust to a single outlying failure but flattens large gaps.
[[nodiscard]] inline Matrix normalize_scores(const Matrix& scores, Normalization how = Normalization::min_max) {
    Matrix out = scores;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (Index t = 0; t < scores.rows(); ++t) {
        double lo = std::numeric_limits<double>::infinity();
        double hi = -lo;
        Index finite = 0;
        for (Index c = 0; c < scores.cols(); ++c)
            if (std::isfinite(scores(t, c))) {
                lo = std::min(lo, scores(t, c));
                hi = std::max(hi, scores(t, c));
                ++finite;
            }
        if (finite < 2 || !(hi > lo)) {
            out.row(t).setConstant(nan);
            continue;
        }
        if (how == Normalization::none) continue;
        for (Index c = 0; c < scores.cols(); ++c) {
            const double s = scores(t, c);
            if (!std::isfinite(s)) continue;
            if (how == Normalization::min_max) {
                out(t, c) = (s - lo) / (hi - lo);
            } else {
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
    }
    return out;
}

/// Signed log transform x ↦ sign(x)·log(1 + |x|), applied to meta-features before any distance
/// or regression: counts such as the number of instances span orders of magnitude.
[[nodiscard]] inline Matrix signed_log1p(const MatrixRef& X) {
    return X.unaryExpr([](double v) { return std::isfinite(v) ? std::copysign(std::log1p(std::abs(v)), v) : v; });
}

namespace detail {

/// Column medians ignoring non-finite values (all-NaN column → 0).
inline RowVector nan_medians(const MatrixRef& X) {
    RowVector med(X.cols());
    std::vector<double> v;
    for (Index j = 0; j < X.cols(); ++j) {
        v.clear();
        for (Index i = 0; i < X.rows(); ++i)
            if (std::isfinite(X(i, j))) v.push_back(X(i, j));
        if (v.empty()) {
            med[j] = 0.0;
            continue;
        }
        std::sort(v.begin(), v.end());
        const std::size_t h = v.size() / 2;
        med[j] = v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
    }
    return med;
}

/// Replace non-finite entries of X by the given column values.
inline Matrix impute(const MatrixRef& X, const RowVector& fill) {
    Matrix out = X;
    for (Index j = 0; j < X.cols(); ++j)
        for (Index i = 0; i < X.rows(); ++i)
            if (!std::isfinite(out(i, j))) out(i, j) = fill[j];
    return out;
}

/// Rows of M selected by an index list.
inline Matrix select_rows(const MatrixRef& M, const std::vector<Index>& rows) {
    Matrix out(static_cast<Index>(rows.size()), M.cols());
    for (std::size_t k = 0; k < rows.size(); ++k) out.row(static_cast<Index>(k)) = M.row(rows[k]);
    return out;
}

}  // namespace detail
}  // namespace metalearn::meta
