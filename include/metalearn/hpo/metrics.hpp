#pragma once
/// @file metrics.hpp
/// @brief Scores of predictions: classification (accuracy, balanced accuracy, log loss, ROC AUC)
/// and regression (RMSE, MAE, R²), plus `score`, the one entry point `cross_validate` uses.
///
/// Definitions follow scikit-learn 1.2 (`sklearn.metrics`) so that scores can be compared with
/// it; each function says where it departs. Class labels are codes 0..K−1 stored as doubles
/// (as in `data::Dataset::y()`); class probabilities are n×K matrices, rows are samples.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace metalearn::hpo {

/// The scores `cross_validate` can compute.
enum class Metric {
    accuracy,           ///< fraction of correct labels, higher is better
    balanced_accuracy,  ///< mean recall over the classes present in y_true, higher is better
    log_loss,           ///< mean negative log-likelihood of the true class, lower is better
    roc_auc,            ///< area under the ROC curve (one-vs-rest macro for K > 2), higher is better
    rmse,               ///< root mean squared error, lower is better
    mae,                ///< mean absolute error, lower is better
    r2                  ///< coefficient of determination, higher is better
};

namespace detail {
inline constexpr std::array<std::pair<Metric, std::string_view>, 7> metric_names{{
    {Metric::accuracy, "accuracy"},
    {Metric::balanced_accuracy, "balanced_accuracy"},
    {Metric::log_loss, "log_loss"},
    {Metric::roc_auc, "roc_auc"},
    {Metric::rmse, "rmse"},
    {Metric::mae, "mae"},
    {Metric::r2, "r2"},
}};
}  // namespace detail

/// The metric's stable name (as written to records), e.g. "balanced_accuracy".
[[nodiscard]] constexpr std::string_view to_string(Metric m) noexcept {
    for (const auto& [metric, name] : detail::metric_names)
        if (metric == m) return name;
    return "unknown";
}

/// The metric called `name` (the names of `to_string`).
/// @throws ConfigError for an unknown name, listing the known ones.
[[nodiscard]] METALEARN_INLINE Metric metric_from_string(std::string_view name);

/// True when a larger value is better (accuracy, balanced_accuracy, roc_auc, r2).
[[nodiscard]] constexpr bool higher_is_better(Metric m) noexcept {
    return m == Metric::accuracy || m == Metric::balanced_accuracy || m == Metric::roc_auc || m == Metric::r2;
}

/// True when the metric needs class probabilities rather than labels (log_loss, roc_auc).
[[nodiscard]] constexpr bool needs_proba(Metric m) noexcept { return m == Metric::log_loss || m == Metric::roc_auc; }

/// True for the classification metrics (accuracy, balanced_accuracy, log_loss, roc_auc).
[[nodiscard]] constexpr bool is_classification_metric(Metric m) noexcept {
    return m == Metric::accuracy || m == Metric::balanced_accuracy || m == Metric::log_loss || m == Metric::roc_auc;
}

namespace detail {

METALEARN_INLINE void check_same_length(const char* fn, const VectorRef& y_true, Index n_pred);

template <class Derived>
void check_finite(const char* fn, const char* what, const Eigen::DenseBase<Derived>& a) {
    if (!a.allFinite())
        throw DataError(fmt::format("hpo::{}(): {} holds NaN or Inf (expected finite values)", fn, what));
}

/// Labels must be integer codes in [0, k).
METALEARN_INLINE void check_labels(const char* fn, const char* what, const VectorRef& y, Index k);

METALEARN_INLINE void check_proba(const char* fn, const VectorRef& y_true, const MatrixRef& proba);

/// Area under the ROC curve of scores s for the binary target `positive`, by the Mann–Whitney U
/// statistic with average ranks for ties: AUC = (R₊ − n₊(n₊+1)/2) / (n₊ n₋), R₊ the sum of the
/// positives' ranks. Requires n₊ > 0 and n₋ > 0. O(n log n).
template <class Scores>
double binary_auc(const std::vector<char>& positive, const Scores& s) {
    const auto n = positive.size();
    // Sort (score, label) pairs contiguously: faster than an indirect sort of indices.
    std::vector<std::pair<double, char>> pairs(n);
    for (std::size_t i = 0; i < n; ++i) pairs[i] = {s[static_cast<Index>(i)], positive[i]};
    std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    double rank_sum = 0;
    double n_pos = 0;
    std::size_t i = 0;
    while (i < n) {
        std::size_t j = i;
        double pos_in_group = 0;
        while (j < n && pairs[j].first == pairs[i].first) pos_in_group += pairs[j++].second ? 1.0 : 0.0;
        // Ranks i+1 .. j (1-based) share their average (i + 1 + j) / 2.
        rank_sum += pos_in_group * (static_cast<double>(i) + 1.0 + static_cast<double>(j)) / 2.0;
        n_pos += pos_in_group;
        i = j;
    }
    const double n_neg = static_cast<double>(n) - n_pos;
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg);
}

/// Index of the largest entry of each row (the first one on ties, as numpy's argmax).
METALEARN_INLINE Vector argmax_rows(const MatrixRef& p);

}  // namespace detail

/// Fraction of samples whose predicted label equals the true one (sklearn `accuracy_score`).
/// @param y_true n true labels; @param y_pred n predicted labels (any finite values, compared
///        exactly).
/// @return a value in [0, 1]. O(n).
/// @throws DataError if n = 0, the lengths differ or a value is NaN/Inf.
[[nodiscard]] METALEARN_INLINE double accuracy(const VectorRef& y_true, const VectorRef& y_pred);

/// Balanced accuracy: the mean, over the classes present in `y_true`, of the recall
/// (correct predictions of the class / samples of the class). Same as sklearn
/// `balanced_accuracy_score` (with `adjusted=False`), which also ignores classes absent from
/// y_true. Chance level is 1/(number of classes present).
/// @param y_true n class codes in [0, K); @param y_pred n class codes in [0, K);
/// @param n_classes K ≥ 1.
/// @return a value in [0, 1]. O(n + K).
/// @throws DataError if n = 0, the lengths differ, or a label is not an integer in [0, K).
[[nodiscard]] METALEARN_INLINE double balanced_accuracy(const VectorRef& y_true, const VectorRef& y_pred, Index n_classes);

/// Log loss (cross-entropy): −(1/n) Σᵢ ln p̃(i, yᵢ), where p̃ is `proba` clipped to [eps, 1 − eps]
/// and each row renormalised to sum 1 — exactly sklearn 1.2 `log_loss(..., labels=range(K))`.
/// @param y_true n class codes in [0, K); @param proba n×K class probabilities (K ≥ 2), finite.
/// @param eps clipping bound; default machine epsilon (2.2e-16), sklearn 1.2's `eps="auto"`
///        (older sklearn used 1e-15). 0 < eps < 0.5.
/// @return a value ≥ 0 (0 for perfect certainty). O(n·K).
/// @throws DataError on an empty input, a length mismatch, NaN/Inf, fewer than 2 columns or a
///         label outside [0, K); ConfigError on a bad eps.
[[nodiscard]] METALEARN_INLINE double log_loss(const VectorRef& y_true, const MatrixRef& proba,
                                     double eps = std::numeric_limits<double>::epsilon());

/// Area under the ROC curve, computed exactly by the Mann–Whitney U statistic with average ranks
/// for tied scores (Hanley & McNeil 1982), which equals the trapezoidal area of sklearn's
/// `roc_auc_score`.
///
/// K = 2: the score is column 1 (probability of class 1). K > 2: one-vs-rest, the unweighted
/// mean of the K binary AUCs (class k against the rest, scored by column k) — sklearn's
/// `multi_class="ovr", average="macro"`. Departure from sklearn: a class absent from y_true
/// cannot have an AUC and is left out of the mean (sklearn raises an error instead).
/// @param y_true n class codes in [0, K); @param proba n×K scores (K ≥ 2), finite.
/// @return a value in [0, 1], 0.5 for uninformative scores. O(K·n log n).
/// @throws DataError on an empty input, a length mismatch, NaN/Inf, fewer than 2 columns, a label
///         outside [0, K), or fewer than two classes present in y_true (AUC undefined).
[[nodiscard]] METALEARN_INLINE double roc_auc(const VectorRef& y_true, const MatrixRef& proba);

/// Root mean squared error √((1/n) Σ (yᵢ − ŷᵢ)²), in the target's units (sklearn
/// `mean_squared_error(squared=False)`). O(n).
/// @throws DataError if n = 0, the lengths differ or a value is NaN/Inf.
[[nodiscard]] METALEARN_INLINE double rmse(const VectorRef& y_true, const VectorRef& y_pred);

/// Mean absolute error (1/n) Σ |yᵢ − ŷᵢ| (sklearn `mean_absolute_error`). O(n).
/// @throws DataError if n = 0, the lengths differ or a value is NaN/Inf.
[[nodiscard]] METALEARN_INLINE double mae(const VectorRef& y_true, const VectorRef& y_pred);

/// Coefficient of determination R² = 1 − Σ(yᵢ − ŷᵢ)² / Σ(yᵢ − ȳ)² (sklearn `r2_score`). When
/// y_true is constant the ratio is undefined; as sklearn 1.2 (`force_finite=True`) the result is
/// then 1 for a perfect prediction and 0 otherwise. Range (−∞, 1]. O(n).
/// @throws DataError if n = 0, the lengths differ or a value is NaN/Inf.
[[nodiscard]] METALEARN_INLINE double r2(const VectorRef& y_true, const VectorRef& y_pred);

/// Score a prediction with `metric`.
///
/// @param metric     the metric.
/// @param y_true     n targets: class codes in [0, K) for a classification metric, real values
///                   otherwise.
/// @param prediction classification: n×K class probabilities (label metrics use the row argmax,
///                   first column on ties); regression: n×1 predicted values.
/// @param n_classes  K ≥ 1 for a classification metric (must equal prediction.cols(); K ≥ 2 for
///                   log_loss and roc_auc), 0 for a regression metric.
/// @return the score (see `higher_is_better`).
/// @throws ConfigError if the metric does not fit the task (a classification metric with
///         n_classes = 0, a regression metric with n_classes > 0); DataError on a shape mismatch,
///         NaN/Inf, labels outside [0, K), or a single class present for roc_auc.
[[nodiscard]] METALEARN_INLINE double score(Metric metric, const VectorRef& y_true, const MatrixRef& prediction, Index n_classes);

}  // namespace metalearn::hpo

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/hpo/metrics_impl.hpp"
#endif
