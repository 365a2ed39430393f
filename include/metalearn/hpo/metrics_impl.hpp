#pragma once
/// @file metrics_impl.hpp
/// @brief Bodies of metrics.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/hpo/metrics.hpp"

namespace metalearn::hpo {

METALEARN_INLINE Metric metric_from_string(std::string_view name) {
    for (const auto& [metric, n] : detail::metric_names)
        if (n == name) return metric;
    std::string known;
    for (const auto& [metric, n] : detail::metric_names) known += (known.empty() ? "" : ", ") + std::string(n);
    throw ConfigError(fmt::format("hpo::metric_from_string(): unknown metric '{}' (expected one of {})", name, known));
}

}  // namespace metalearn::hpo

namespace metalearn::hpo::detail {

METALEARN_INLINE void check_same_length(const char* fn, const VectorRef& y_true, Index n_pred) {
    if (y_true.size() == 0) throw DataError(fmt::format("hpo::{}(): no samples (expected n >= 1, got 0)", fn));
    if (n_pred != y_true.size())
        throw DataError(fmt::format("hpo::{}(): y_true and the predictions differ in length (expected {}, got {})", fn,
                                    y_true.size(), n_pred));
}

METALEARN_INLINE void check_labels(const char* fn, const char* what, const VectorRef& y, Index k) {
    for (Index i = 0; i < y.size(); ++i) {
        const double v = y[i];
        if (!(v >= 0 && v < static_cast<double>(k) && v == std::floor(v)))
            throw DataError(fmt::format("hpo::{}(): {}[{}] = {} is not a class code (expected an integer in [0, {}))", fn,
                                        what, i, v, k));
    }
}

METALEARN_INLINE void check_proba(const char* fn, const VectorRef& y_true, const MatrixRef& proba) {
    check_same_length(fn, y_true, proba.rows());
    check_finite(fn, "y_true", y_true);
    check_finite(fn, "the probabilities", proba);
    if (proba.cols() < 2)
        throw DataError(fmt::format("hpo::{}(): need one probability column per class (expected K >= 2 columns, got {})",
                                    fn, proba.cols()));
    check_labels(fn, "y_true", y_true, proba.cols());
}

METALEARN_INLINE Vector argmax_rows(const MatrixRef& p) {
    Vector labels(p.rows());
    for (Index i = 0; i < p.rows(); ++i) {
        Index best = 0;
        for (Index k = 1; k < p.cols(); ++k)
            if (p(i, k) > p(i, best)) best = k;
        labels[i] = static_cast<double>(best);
    }
    return labels;
}

}  // namespace metalearn::hpo::detail

namespace metalearn::hpo {

METALEARN_INLINE double accuracy(const VectorRef& y_true, const VectorRef& y_pred) {
    detail::check_same_length("accuracy", y_true, y_pred.size());
    detail::check_finite("accuracy", "y_true", y_true);
    detail::check_finite("accuracy", "y_pred", y_pred);
    return static_cast<double>((y_true.array() == y_pred.array()).count()) / static_cast<double>(y_true.size());
}

METALEARN_INLINE double balanced_accuracy(const VectorRef& y_true, const VectorRef& y_pred, Index n_classes) {
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

METALEARN_INLINE double log_loss(const VectorRef& y_true, const MatrixRef& proba,
                                     double eps) {
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

METALEARN_INLINE double roc_auc(const VectorRef& y_true, const MatrixRef& proba) {
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

METALEARN_INLINE double rmse(const VectorRef& y_true, const VectorRef& y_pred) {
    detail::check_same_length("rmse", y_true, y_pred.size());
    detail::check_finite("rmse", "y_true", y_true);
    detail::check_finite("rmse", "y_pred", y_pred);
    return std::sqrt((y_true - y_pred).squaredNorm() / static_cast<double>(y_true.size()));
}

METALEARN_INLINE double mae(const VectorRef& y_true, const VectorRef& y_pred) {
    detail::check_same_length("mae", y_true, y_pred.size());
    detail::check_finite("mae", "y_true", y_true);
    detail::check_finite("mae", "y_pred", y_pred);
    return (y_true - y_pred).cwiseAbs().sum() / static_cast<double>(y_true.size());
}

METALEARN_INLINE double r2(const VectorRef& y_true, const VectorRef& y_pred) {
    detail::check_same_length("r2", y_true, y_pred.size());
    detail::check_finite("r2", "y_true", y_true);
    detail::check_finite("r2", "y_pred", y_pred);
    const double ss_res = (y_true - y_pred).squaredNorm();
    const double ss_tot = (y_true.array() - y_true.mean()).matrix().squaredNorm();
    if (ss_tot == 0) return ss_res == 0 ? 1.0 : 0.0;
    return 1.0 - ss_res / ss_tot;
}

METALEARN_INLINE double score(Metric metric, const VectorRef& y_true, const MatrixRef& prediction, Index n_classes) {
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
