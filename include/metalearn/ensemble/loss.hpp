#pragma once
/// @file loss.hpp
/// @brief Prediction libraries and the validation losses that ensemble weights are fitted on.
///
/// A *library* is the out-of-fold predictions of M models on the same n samples: a
/// `std::vector<Matrix>` of M matrices, all n×K.
/// - Classification (K ≥ 2): row i of matrix m holds model m's class probabilities for sample i
///   (non-negative, rows summing to 1); `y[i]` is the class code in [0, K).
/// - Regression (K = 1): column 0 holds model m's predicted value; `y[i]` is the true value.
///
/// The width K alone tells the two apart: K = 1 is regression, K ≥ 2 classification.
/// Every loss here is *lower is better*; scores such as accuracy enter as error rates.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace metalearn::ensemble {

/// The loss minimised when fitting ensemble weights (lower is better).
enum class Loss {
    automatic,            ///< `log_loss` for classification (K ≥ 2), `squared_error` for regression
    log_loss,             ///< −(1/n) Σ_i log max(p_{i,y_i}, 1e−15) (cross-entropy; classification)
    brier,                ///< (1/n) Σ_i Σ_k (p_ik − [y_i = k])² (multi-class Brier score; classification)
    error_rate,           ///< 1 − accuracy of argmax_k p_ik (ties → lowest class code; classification)
    balanced_error_rate,  ///< 1 − balanced accuracy: mean over classes present in y of (1 − recall)
    squared_error,        ///< (1/n) Σ_i (ŷ_i − y_i)² (regression)
    absolute_error,       ///< (1/n) Σ_i |ŷ_i − y_i| (regression)
};

/// Stable name of a loss ("log_loss", "brier", ...).
[[nodiscard]] constexpr std::string_view loss_name(Loss loss) noexcept {
    switch (loss) {
        case Loss::automatic: return "automatic";
        case Loss::log_loss: return "log_loss";
        case Loss::brier: return "brier";
        case Loss::error_rate: return "error_rate";
        case Loss::balanced_error_rate: return "balanced_error_rate";
        case Loss::squared_error: return "squared_error";
        case Loss::absolute_error: return "absolute_error";
    }
    return "unknown";
}

/// Whether `loss` applies to classification libraries (K ≥ 2).
[[nodiscard]] constexpr bool is_classification_loss(Loss loss) noexcept {
    return loss == Loss::log_loss || loss == Loss::brier || loss == Loss::error_rate ||
           loss == Loss::balanced_error_rate;
}

/// Whether `loss` is a smooth (differentiable) function of the weights, so that gradient-based
/// weight optimisation applies: log-loss, Brier and squared error.
[[nodiscard]] constexpr bool is_smooth_loss(Loss loss) noexcept {
    return loss == Loss::log_loss || loss == Loss::brier || loss == Loss::squared_error;
}

/// Replace `Loss::automatic` by the default for a library of width K (log-loss when K ≥ 2,
/// squared error when K = 1); other losses are returned unchanged.
[[nodiscard]] constexpr Loss resolve_loss(Loss loss, Index n_columns) noexcept {
    if (loss != Loss::automatic) return loss;
    return n_columns >= 2 ? Loss::log_loss : Loss::squared_error;
}

namespace detail {

/// Probability floor used by the log-loss (as in scikit-learn's `log_loss`).
inline constexpr double log_loss_floor = 1e-15;

/// Check a prediction matrix against targets: shape n×K with n = y.size() ≥ 1, K ≥ 1, finite
/// values; classification targets must be integer codes in [0, K).
/// @throws DataError naming `where` and the first problem.
inline void check_prediction(const MatrixRef& P, const VectorRef& y, std::string_view where, std::size_t model = 0) {
    if (y.size() == 0) throw DataError(fmt::format("{}: no samples (expected n >= 1, got 0 targets)", where));
    if (P.rows() != y.size() || P.cols() < 1)
        throw DataError(fmt::format("{}: predictions of model {} are {}x{} (expected {}xK with K >= 1)", where, model,
                                    P.rows(), P.cols(), y.size()));
    for (Index j = 0; j < P.cols(); ++j)
        for (Index i = 0; i < P.rows(); ++i)
            if (!std::isfinite(P(i, j)))
                throw DataError(fmt::format("{}: model {} has a non-finite prediction {} at row {}, column {} "
                                            "(expected finite values)",
                                            where, model, P(i, j), i, j));
    for (Index i = 0; i < y.size(); ++i) {
        const double v = y[i];
        if (!std::isfinite(v))
            throw DataError(fmt::format("{}: target {} is {} (expected a finite value)", where, i, v));
        if (P.cols() >= 2 && !(v >= 0 && v < static_cast<double>(P.cols()) && v == std::floor(v)))
            throw DataError(fmt::format("{}: target {} is {} (expected a class code in [0, {}))", where, i, v, P.cols()));
    }
}

/// Check a whole library: non-empty, every member n×K with the same K, finite, targets valid.
/// @throws DataError on the first problem.
inline void check_library(const std::vector<Matrix>& library, const VectorRef& y, std::string_view where) {
    if (library.empty()) throw DataError(fmt::format("{}: empty library (expected at least 1 model, got 0)", where));
    const Index k = library.front().cols();
    for (std::size_t m = 0; m < library.size(); ++m) {
        if (library[m].rows() != library.front().rows() || library[m].cols() != k)
            throw DataError(fmt::format("{}: model {} predicts a {}x{} matrix but model 0 a {}x{} one (expected equal "
                                        "shapes)",
                                        where, m, library[m].rows(), library[m].cols(), library.front().rows(), k));
        check_prediction(library[m], y, where, m);
    }
}

/// @throws ConfigError when `loss` does not fit a library of width K.
inline void check_loss(Loss loss, Index k, std::string_view where) {
    if (loss == Loss::automatic) return;
    const bool cls = is_classification_loss(loss);
    if (cls && k < 2)
        throw ConfigError(fmt::format("{}: loss '{}' needs class probabilities (expected K >= 2 columns, got {})",
                                      where, loss_name(loss), k));
    if (!cls && k != 1)
        throw ConfigError(fmt::format("{}: loss '{}' needs regression predictions (expected 1 column, got {})", where,
                                      loss_name(loss), k));
}

/// Argmax of a row, ties to the lowest index.
inline Index row_argmax(const MatrixRef& P, Index i) {
    Index best = 0;
    for (Index k = 1; k < P.cols(); ++k)
        if (P(i, k) > P(i, best)) best = k;
    return best;
}

/// The loss without validation (callers have checked shapes and values).
inline double loss_unchecked(const MatrixRef& P, const VectorRef& y, Loss loss) {
    const Index n = P.rows();
    const auto nd = static_cast<double>(n);
    loss = resolve_loss(loss, P.cols());
    switch (loss) {
        case Loss::log_loss: {
            double s = 0.0;
            for (Index i = 0; i < n; ++i)
                s -= std::log(std::max(P(i, static_cast<Index>(y[i])), log_loss_floor));
            return s / nd;
        }
        case Loss::brier: {
            double s = 0.0;
            for (Index i = 0; i < n; ++i) {
                const auto c = static_cast<Index>(y[i]);
                for (Index k = 0; k < P.cols(); ++k) {
                    const double d = P(i, k) - (k == c ? 1.0 : 0.0);
                    s += d * d;
                }
            }
            return s / nd;
        }
        case Loss::error_rate: {
            Index wrong = 0;
            for (Index i = 0; i < n; ++i) wrong += row_argmax(P, i) != static_cast<Index>(y[i]) ? 1 : 0;
            return static_cast<double>(wrong) / nd;
        }
        case Loss::balanced_error_rate: {
            std::vector<Index> total(static_cast<std::size_t>(P.cols()), 0);
            std::vector<Index> right(static_cast<std::size_t>(P.cols()), 0);
            for (Index i = 0; i < n; ++i) {
                const auto c = static_cast<std::size_t>(y[i]);
                ++total[c];
                right[c] += row_argmax(P, i) == static_cast<Index>(c) ? 1 : 0;
            }
            double recall = 0.0;
            int present = 0;
            for (std::size_t c = 0; c < total.size(); ++c)
                if (total[c] > 0) {
                    recall += static_cast<double>(right[c]) / static_cast<double>(total[c]);
                    ++present;
                }
            return 1.0 - recall / present;
        }
        case Loss::squared_error: return (P.col(0) - y).squaredNorm() / nd;
        case Loss::absolute_error: return (P.col(0) - y).cwiseAbs().sum() / nd;
        case Loss::automatic: break;
    }
    return 0.0;
}

}  // namespace detail

/// The loss of one prediction matrix.
/// @param predictions n×K: class probabilities (K ≥ 2) or values (K = 1), finite.
/// @param y           n targets: class codes in [0, K) or real values.
/// @param loss        which loss; `automatic` = log-loss (K ≥ 2) or squared error (K = 1).
/// @return the loss, ≥ 0, lower is better. Complexity O(nK).
/// @throws DataError on shape mismatch, empty input or non-finite values;
///         ConfigError if the loss does not fit the width K.
[[nodiscard]] inline double evaluate_loss(const MatrixRef& predictions, const VectorRef& y, Loss loss = Loss::automatic) {
    detail::check_prediction(predictions, y, "ensemble::evaluate_loss()");
    detail::check_loss(loss, predictions.cols(), "ensemble::evaluate_loss()");
    return detail::loss_unchecked(predictions, y, loss);
}

/// The weighted combination Σ_m w_m P_m of a library.
/// @param library M matrices, all n×K.
/// @param weights M weights (any real values; ensembles use non-negative weights summing to 1).
/// @return n×K. Complexity O(MnK); members with weight 0 are skipped.
/// @throws DataError on an empty library, unequal shapes, or `weights.size() != M`.
[[nodiscard]] inline Matrix combine(const std::vector<Matrix>& library, const VectorRef& weights) {
    if (library.empty()) throw DataError("ensemble::combine(): empty library (expected at least 1 model, got 0)");
    if (weights.size() != static_cast<Index>(library.size()))
        throw DataError(fmt::format("ensemble::combine(): {} weights for {} models (expected equal counts)",
                                    weights.size(), library.size()));
    Matrix out = Matrix::Zero(library.front().rows(), library.front().cols());
    for (std::size_t m = 0; m < library.size(); ++m) {
        if (library[m].rows() != out.rows() || library[m].cols() != out.cols())
            throw DataError(fmt::format("ensemble::combine(): model {} is {}x{} (expected {}x{})", m, library[m].rows(),
                                        library[m].cols(), out.rows(), out.cols()));
        const double w = weights[static_cast<Index>(m)];
        if (w != 0.0) out.noalias() += w * library[m];
    }
    return out;
}

/// The loss of each member of a library (M entries, in library order).
/// @throws DataError / ConfigError as `evaluate_loss`.
[[nodiscard]] inline Vector member_losses(const std::vector<Matrix>& library, const VectorRef& y,
                                          Loss loss = Loss::automatic) {
    detail::check_library(library, y, "ensemble::member_losses()");
    detail::check_loss(loss, library.front().cols(), "ensemble::member_losses()");
    Vector out(static_cast<Index>(library.size()));
    for (std::size_t m = 0; m < library.size(); ++m)
        out[static_cast<Index>(m)] = detail::loss_unchecked(library[m], y, loss);
    return out;
}

}  // namespace metalearn::ensemble
