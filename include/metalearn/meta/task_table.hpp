#pragma once
/// @file task_table.hpp
/// @brief `TaskTable`: the records of one base model arranged as tasks × plan configurations,
/// the per-task score normalisation the meta-models learn from, and the meta-feature transform.
///
/// Every strategy and the meta-evaluation work on this table, so they see exactly the same data.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/meta/record.hpp"
#include "metalearn/metafeatures/meta_features.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
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
/// Meta-features: the records of one task are merged by name (a later record's value replaces an
/// earlier one), then the tasks are aligned by name with `metafeatures::to_matrix` (union over
/// tasks; a name missing for a task → NaN); the columns are sorted by name, so the table does not
/// depend on the order of the records (which varies with the thread count that wrote them).
/// @param records  any records (other models are ignored).
/// @param model    the base model to tabulate.
/// @param encode   config JSON → encoding (all encodings must have the same length).
/// @param plan     optional explicit plan.
/// @param default_config optional default configuration (its index is stored if it is in the plan).
/// @throws DataError when no record of `model` exists, a record has a different number of
///         meta-feature names and values, or encodings differ in length.
[[nodiscard]] METALEARN_INLINE TaskTable make_task_table(const std::vector<Record>& records, std::string_view model,
                                               const ConfigEncoder& encode, const std::vector<nlohmann::json>& plan = {},
                                               const nlohmann::json& default_config = nullptr);

/// Normalised regret of one score: (best − score) / (best − worst), in [0, 1] when
/// worst ≤ score ≤ best (0 = the best, 1 = the worst); the regret of the evaluation protocol
/// (DESIGN.md) and of `min_max_within_task(scores, MinMax::regret)`.
/// @throws DataError when an argument is not finite, or best ≤ worst (all ties: undefined).
[[nodiscard]] METALEARN_INLINE double normalized_regret(double best, double worst, double score);

/// Orientation of `min_max_within_task`.
enum class MinMax {
    score,  ///< u(c) = (s(c) − worst) / (best − worst): 1 = the task's best, 0 = its worst
    regret  ///< r(c) = (best − s(c)) / (best − worst) (`normalized_regret`): 0 = best, 1 = worst
};

/// Min–max normalisation of one task's scores: the single definition behind the meta-model's
/// training targets (`normalize_scores`, `Normalization::min_max`), the strategies' training
/// regrets and the meta-evaluation's regret (`regrets_of_task`).
///
/// With best = max and worst = min over the finite entries of `scores` (higher is better):
///   score  u(c) = (s(c) − worst) / (best − worst),   regret r(c) = (best − s(c)) / (best − worst).
/// Each is computed by its own formula (r is not 1 − u, which can differ in the last bit).
/// Tie rule: when fewer than two entries are finite, or every finite entry is equal
/// (best = worst), the task carries no information and every output is NaN. Configs that tie
/// with each other get equal values (two configs tied at the best both get u = 1, r = 0).
/// Non-finite entries (failed or missing evaluations) give NaN; the strategies and the
/// meta-evaluation then count them as the worst (regret 1).
/// @param scores m raw scores of one task (any m ≥ 0; NaN and ±Inf = missing).
/// @param as     which of the two values to return.
/// @return m values in [0, 1] or NaN; all NaN exactly when the task is uninformative.
/// Complexity: O(m).
[[nodiscard]] METALEARN_INLINE Vector min_max_within_task(const VectorRef& scores, MinMax as = MinMax::score);

/// How scores are made comparable across tasks before the meta-model regresses on them.
enum class Normalization {
    min_max,  ///< `min_max_within_task(row, MinMax::score)`: (s − min_t) / (max_t − min_t) over the task's evaluated configs: 1 = best, 0 = worst
    rank,     ///< (rank − 1) / (m_t − 1), ascending ranks with ties averaged: 1 = best
    none      ///< raw scores
};

/// Normalise each task's (row's) scores; NaN entries stay NaN. A row whose finite scores all tie
/// (or with fewer than two finite scores) carries no information and becomes all NaN, for every
/// `how` (the tie rule of `min_max_within_task`).
///
/// The default, min–max within task, keeps the shape of the score landscape (a config 1 % worse
/// than the best stays close to 1) and matches the normalised regret used to evaluate; rank
/// normalisation is more robust to a single outlying failure but flattens large gaps.
[[nodiscard]] METALEARN_INLINE Matrix normalize_scores(const Matrix& scores, Normalization how = Normalization::min_max);

/// Signed log transform x ↦ sign(x)·log(1 + |x|), applied to meta-features before any distance
/// or regression: counts such as the number of instances span orders of magnitude.
[[nodiscard]] METALEARN_INLINE Matrix signed_log1p(const MatrixRef& X);

namespace detail {

/// Rows of M selected by an index list.
METALEARN_INLINE Matrix select_rows(const MatrixRef& M, const std::vector<Index>& rows);

}  // namespace detail
}  // namespace metalearn::meta

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/meta/task_table_impl.hpp"
#endif
