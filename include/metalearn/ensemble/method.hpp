#pragma once
/// @file method.hpp
/// @brief One entry point for every weight-fitting rule: `fit_weights(library, y, method, options)`.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/ensemble/ensemble_selection.hpp"
#include "metalearn/ensemble/loss.hpp"
#include "metalearn/ensemble/weights.hpp"

#include <array>
#include <string_view>
#include <vector>

namespace metalearn::ensemble {

/// How the members' weights are chosen from out-of-fold predictions.
enum class EnsembleMethod {
    best_single,                ///< weight 1 on the member with the lowest validation loss
    uniform,                    ///< model averaging, w = 1/M
    inverse_loss,               ///< w ∝ L_m^(−power)
    softmax,                    ///< w ∝ exp(−L_m / T)
    nnls,                       ///< non-negative least squares, normalised (stacking, Breiman 1996)
    simplex,                    ///< loss-optimal weights on the simplex (projected gradient)
    ensemble_selection,         ///< greedy forward selection with replacement (Caruana et al. 2004)
    bagged_ensemble_selection,  ///< the same on random bags of members, averaged
};

/// Every method, in declaration order (for loops in examples and tests).
inline constexpr std::array<EnsembleMethod, 8> all_methods{
    EnsembleMethod::best_single,  EnsembleMethod::uniform, EnsembleMethod::inverse_loss,
    EnsembleMethod::softmax,      EnsembleMethod::nnls,    EnsembleMethod::simplex,
    EnsembleMethod::ensemble_selection, EnsembleMethod::bagged_ensemble_selection};

/// Stable name of a method ("uniform", "ensemble_selection", ...).
[[nodiscard]] constexpr std::string_view method_name(EnsembleMethod method) noexcept {
    switch (method) {
        case EnsembleMethod::best_single: return "best_single";
        case EnsembleMethod::uniform: return "uniform";
        case EnsembleMethod::inverse_loss: return "inverse_loss";
        case EnsembleMethod::softmax: return "softmax";
        case EnsembleMethod::nnls: return "nnls";
        case EnsembleMethod::simplex: return "simplex";
        case EnsembleMethod::ensemble_selection: return "ensemble_selection";
        case EnsembleMethod::bagged_ensemble_selection: return "bagged_ensemble_selection";
    }
    return "unknown";
}

/// Options shared by the methods (each uses the ones that concern it).
struct WeightOptions {
    /// Loss the weights are fitted on / members are ranked by. `automatic`: log-loss for
    /// classification, squared error for regression. `simplex` needs a smooth loss and falls back
    /// to the automatic one when given an error rate; `nnls` always fits least squares.
    Loss loss = Loss::automatic;
    double inverse_power = 1.0;  ///< exponent of `inverse_loss` (> 0)
    double temperature = 0.01;   ///< temperature of `softmax` (> 0, in loss units)
    /// Greedy selection; its `loss` is replaced by `loss` above, its `n_bags` by
    /// max(2, n_bags) for the bagged method and 0 for the plain one.
    EnsembleSelectionParams selection{};
};

/// Fit ensemble weights with the chosen method.
/// @param library M out-of-fold prediction matrices, all n×K (see `loss.hpp`).
/// @param y       n targets.
/// @return M weights (w ≥ 0, Σ w = 1) and their in-sample loss.
/// @throws DataError on an empty library, shape mismatches, non-finite predictions or invalid
///         targets; ConfigError for invalid options.
[[nodiscard]] inline WeightFit fit_weights(const std::vector<Matrix>& library, const VectorRef& y,
                                           EnsembleMethod method, const WeightOptions& options = {}) {
    switch (method) {
        case EnsembleMethod::best_single: return best_single_weights(library, y, options.loss);
        case EnsembleMethod::uniform: return uniform_fit(library, y, options.loss);
        case EnsembleMethod::inverse_loss: return inverse_loss_weights(library, y, options.loss, options.inverse_power);
        case EnsembleMethod::softmax: return softmax_weights(library, y, options.loss, options.temperature);
        case EnsembleMethod::nnls: return nnls_weights(library, y, options.loss);
        case EnsembleMethod::simplex: {
            const Loss l = is_smooth_loss(options.loss) ? options.loss : Loss::automatic;
            return simplex_weights(library, y, l);
        }
        case EnsembleMethod::ensemble_selection:
        case EnsembleMethod::bagged_ensemble_selection: {
            EnsembleSelectionParams p = options.selection;
            p.loss = options.loss;
            p.n_bags = method == EnsembleMethod::ensemble_selection ? 0 : std::max<Index>(2, p.n_bags);
            EnsembleSelection es(p);
            return es.fit(library, y);
        }
    }
    throw ConfigError("ensemble::fit_weights(): unknown method");
}

}  // namespace metalearn::ensemble
