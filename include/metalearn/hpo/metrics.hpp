#pragma once
/// @file metrics.hpp
/// @brief Scores of predictions: classification (accuracy, balanced accuracy, log loss, ROC AUC)
/// and regression (RMSE, MAE, R²), plus `score`, the one entry point `cross_validate` uses.
///
/// Definitions follow scikit-learn 1.2 (`sklearn.metrics`) so that scores can be compared with
/// it; each function says where it departs. Class labels are codes 0..K−1 stored as doubles
/// (as in `data::Dataset::y()`); class probabilities are n×K matrices, rows are samples.

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
[[nodiscard]] inline Metric metric_from_string(std::string_view name) {
    for (const auto& [metric, n] : detail::metric_names)
        if (n == name) return metric;
    std::string known;
    for (const auto& [metric, n] : detail::metric_names) known += (known.empty() ? "" : ", ") + std::string(n);
    throw ConfigError(fmt::format("hpo::metric_from_string(): unknown metric '{}' (expected one of {})", name, known));
}

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

inline void check_same_length(const char* fn, const VectorRef& y_true, Index n_pred) {
    if (y_true.size() == 0) throw DataError(fmt::format("hpo::{}(): no samples (expected n >= 1, got 0)", fn));
    if (n_pred != y_true.size())
        throw DataError(fmt::format("hpo::{}(): y_true and the predictions differ in length (expected {}, got {})", fn,
                                    y_true.size(), n_pred));
}

template <class Derived>
void check_finite(const char* fn, const char* what, const Eigen::DenseBase<Derived>& a) {
    if (!a.allFinite())
        throw DataError(fmt::format("hpo::{}(): {} holds NaN or Inf (expected finite values)", fn, what));
}

/// Labels must be integer codes in [0, k).
inline void check_labels(const char* fn, const char* what, const VectorRef& y, Index k) {
    for (Index i = 0; i < y.size(); ++i) {
        const double v = y[i];
        if (!(v >= 0 && v < static_cast<double>(k) && v == std::floor(v)))
            throw DataError(fmt::format("hpo::{}(): {}[{}] = {} is not a class code (expected an integer in [0, {}))", fn,
                                        what, i, v, k));
    }
}

inline void check_proba(const char* fn, const VectorRef& y_true, const MatrixRef& proba) {
    check_same_length(fn, y_true, proba.rows());
    check_finite(fn, "y_true", y_true);
    check_finite(fn, "the probabilities", proba);
    if (proba.cols() < 2)
        throw DataError(fmt::format("hpo::{}(): need one probability column per class (expected K >= 2 columns, got {})",
                                    fn, proba.cols()));
    check_labels(fn, "y_true", y_true, proba.cols());
}

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
inline Vector argmax_rows(const MatrixRef& p) {
    Vector labels(p.rows());
    for (Index i = 0; i < p.rows(); ++i) {
        Index best = 0;
        for (Index k = 1; k < p.cols(); ++k)
            if (p(i, k) > p(i, best)) best = k;
        labels[i] = static_cast<double>(best);
    }
    return labels;
}

}  // namespace detail

/// Fraction of samples whose predicted label equals the true one (sklearn `accuracy_score`).
/// @param y_true n true labels; @param y_pred n predicted labels (any finite values, compared
///        exactly).
/// @return a value in [0, 1]. O(n).
/// @throws DataError if n = 0, the lengths differ or a value is NaN/Inf.
[[nodiscard]] inline double accuracy(const VectorRef& y_true, const VectorRef& y_pred) {
    detail::check_same_length("accuracy", y_true, y_pred.size());
    detail::check_finite("accuracy", "y_true", y_true);
    detail::check_finite("accuracy", "y_pred", y_pred);
    return static_cast<double>((y_true.array() == y_pred.array()).count()) / static_cast<double>(y_true.size());
}

/// Balanced accuracy: the mean, over the classes present in `y_true`, of the recall
/// (correct predictions of the class / samples of the class). Same as sklearn
/// `balanced_accuracy_score` (with `adjusted=False`), which also ignores classes absent from
/// y_true. Chance level is 1/(number of classes present).
/// @param y_true n class codes in [0, K); @param y_pred n class codes in [0, K);
/// @param n_classes K ≥ 1.
/// @return a value in [0, 1]. O(n + K).
/// @throws DataError if n = 0, the lengths differ, or a label is not an integer in [0, K).
[[nodiscard]] inline double balanced_accuracy(const VectorRef& y_true, const VectorRef& y_pred, Index n_classes) {
    detail::check_same_length("balanced_accuracy", y_true, y_pred.size());
    if (n_classes < 1)
        throw DataError(fmt::format("hpo::balanced_accuracy(): invalid number of classes (expected >= 1, got {})", n_classes));
    detail::check_labels("balanced_accuracy", "y_true", y_true, n_classes);
    detail::check_labels("balanced_accuracy", "y_pred", y_pred, n_classes);
    std::vector<double> total(static_cast<std::size_t>(n_classes), 0.0);
    std::vector<double> correct(static_cast<std::size_t>(n_classes), 0.0);
    for (Index i = 0; i < y_true.size(); ++i) {
        const auto c = static_cast<std::size_t>(y_true[i]);
        total[c] += 1;
        if (y_pred[i] == y_true[i]) correct[c] += 1;
    }
    double sum = 0;
    double present = 0;
    for (std::size_t c = 0; c < total.size(); ++c)
        if (total[c] > 0) {
            sum += correct[c] / total[c];
            present += 1;
        }
    return sum / present;
}

/// Log loss (cross-entropy): −(1/n) Σᵢ ln p̃(i, yᵢ), where p̃ is `proba` clipped to [eps, 1 − eps]
/// and each row renormalised to sum 1 — exactly sklearn 1.2 `log_loss(..., labels=range(K))`.
/// @param y_true n class codes in [0, K); @param proba n×K class probabilities (K ≥ 2), finite.
/// @param eps clipping bound; default machine epsilon (2.2e-16), sklearn 1.2's `eps="auto"`
///        (older sklearn used 1e-15). 0 < eps < 0.5.
/// @return a value ≥ 0 (0 for perfect certainty). O(n·K).
/// @throws DataError on an empty input, a length mismatch, NaN/Inf, fewer than 2 columns or a
///         label outside [0, K); ConfigError on a bad eps.
[[nodiscard]] inline double log_loss(const VectorRef& y_true, const MatrixRef& proba,
                                     double eps = std::numeric_limits<double>::epsilon()) {
    if (!(eps > 0 && eps < 0.5)) throw ConfigError(fmt::format("hpo::log_loss(): eps out of range (expected (0, 0.5), got {})", eps));
    detail::check_proba("log_loss", y_true, proba);
    double loss = 0;
    for (Index i = 0; i < proba.rows(); ++i) {
        double row_sum = 0;
        for (Index k = 0; k < proba.cols(); ++k) row_sum += std::clamp(proba(i, k), eps, 1 - eps);
        const double p = std::clamp(proba(i, static_cast<Index>(y_true[i])), eps, 1 - eps) / row_sum;
        loss -= std::log(p);
    }
    return loss / static_cast<double>(proba.rows());
}

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
[[nodiscard]] inline double roc_auc(const VectorRef& y_true, const MatrixRef& proba) {
    detail::check_proba("roc_auc", y_true, proba);
    const Index k = proba.cols();
    std::vector<Index> counts(static_cast<std::size_t>(k), 0);
    for (Index i = 0; i < y_true.size(); ++i) ++counts[static_cast<std::size_t>(y_true[i])];
    const auto present = std::count_if(counts.begin(), counts.end(), [](Index c) { return c > 0; });
    if (present < 2)
        throw DataError(fmt::format("hpo::roc_auc(): only one class present in y_true (expected at least 2 of the {} "
                                    "classes, AUC is undefined)", k));
    const auto n = static_cast<std::size_t>(y_true.size());
    std::vector<char> positive(n);
    if (k == 2) {
        for (std::size_t i = 0; i < n; ++i) positive[i] = y_true[static_cast<Index>(i)] == 1.0 ? 1 : 0;
        return detail::binary_auc(positive, proba.col(1));
    }
    double sum = 0;
    for (Index c = 0; c < k; ++c) {
        if (counts[static_cast<std::size_t>(c)] == 0 || counts[static_cast<std::size_t>(c)] == y_true.size()) continue;
        for (std::size_t i = 0; i < n; ++i) positive[i] = y_true[static_cast<Index>(i)] == static_cast<double>(c) ? 1 : 0;
        sum += detail::binary_auc(positive, proba.col(c));
    }
    return sum / static_cast<double>(present);
}

/// Root mean squared error √((1/n) Σ (yᵢ − ŷᵢ)²), in the target's units (sklearn
/// `mean_squared_error(squared=False)`). O(n).
/// @throws DataError if n = 0, the lengths differ or a value is NaN/Inf.
[[nodiscard]] inline double rmse(const VectorRef& y_true, const VectorRef& y_pred) {
    detail::check_same_length("rmse", y_true, y_pred.size());
    detail::check_finite("rmse", "y_true", y_true);
    detail::check_finite("rmse", "y_pred", y_pred);
    return std::sqrt((y_true - y_pred).squaredNorm() / static_cast<double>(y_true.size()));
}

/// Mean absolute error (1/n) Σ |yᵢ − ŷᵢ| (sklearn `mean_absolute_error`). O(n).
/// @throws DataError if n = 0, the lengths differ or a value is NaN/Inf.
[[nodiscard]] inline double mae(const VectorRef& y_true, const VectorRef& y_pred) {
    detail::check_same_length("mae", y_true, y_pred.size());
    detail::check_finite("mae", "y_true", y_true);
    detail::check_finite("mae", "y_pred", y_pred);
    return (y_true - y_pred).cwiseAbs().sum() / static_cast<double>(y_true.size());
}

/// Coefficient of determination R² = 1 − Σ(yᵢ − ŷᵢ)² / Σ(yᵢ − ȳ)² (sklearn `r2_score`). When
/// y_true is constant the ratio is undefined; as sklearn 1.2 (`force_finite=True`) the result is
/// then 1 for a perfect prediction and 0 otherwise. Range (−∞, 1]. O(n).
/// @throws DataError if n = 0, the lengths differ or a value is NaN/Inf.
[[nodiscard]] inline double r2(const VectorRef& y_true, const VectorRef& y_pred) {
    detail::check_same_length("r2", y_true, y_pred.size());
    detail::check_finite("r2", "y_true", y_true);
    detail::check_finite("r2", "y_pred", y_pred);
    const double ss_res = (y_true - y_pred).squaredNorm();
    const double ss_tot = (y_true.array() - y_true.mean()).matrix().squaredNorm();
    if (ss_tot == 0) return ss_res == 0 ? 1.0 : 0.0;
    return 1.0 - ss_res / ss_tot;
}

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
[[nodiscard]] inline double score(Metric metric, const VectorRef& y_true, const MatrixRef& prediction, Index n_classes) {
    if (is_classification_metric(metric)) {
        if (n_classes < 1)
            throw ConfigError(fmt::format("hpo::score(): '{}' is a classification metric (expected n_classes >= 1, got {})",
                                          to_string(metric), n_classes));
        if (prediction.cols() != n_classes)
            throw DataError(fmt::format("hpo::score(): one probability column per class (expected {} columns, got {})",
                                        n_classes, prediction.cols()));
        detail::check_same_length("score", y_true, prediction.rows());
        detail::check_finite("score", "the prediction", prediction);
        switch (metric) {
            case Metric::log_loss: return log_loss(y_true, prediction);
            case Metric::roc_auc: return roc_auc(y_true, prediction);
            case Metric::accuracy: {
                detail::check_labels("score", "y_true", y_true, n_classes);
                return accuracy(y_true, detail::argmax_rows(prediction));
            }
            default: return balanced_accuracy(y_true, detail::argmax_rows(prediction), n_classes);
        }
    }
    if (n_classes != 0)
        throw ConfigError(fmt::format("hpo::score(): '{}' is a regression metric (expected n_classes = 0, got {})",
                                      to_string(metric), n_classes));
    if (prediction.cols() != 1)
        throw DataError(fmt::format("hpo::score(): regression predictions are one column (expected 1, got {})",
                                    prediction.cols()));
    switch (metric) {
        case Metric::rmse: return rmse(y_true, prediction.col(0));
        case Metric::mae: return mae(y_true, prediction.col(0));
        default: return r2(y_true, prediction.col(0));
    }
}

}  // namespace metalearn::hpo
