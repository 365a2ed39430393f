#pragma once
/// @file ensemble_selection.hpp
/// @brief Greedy forward ensemble selection with replacement (Caruana et al., ICML 2004), the
///        method auto-sklearn uses, with sorted initialisation and a bagged variant.

#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/ensemble/loss.hpp"
#include "metalearn/ensemble/weights.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

namespace metalearn::ensemble {

/// Hyperparameters of `EnsembleSelection`.
struct EnsembleSelectionParams {
    /// Size of the ensemble: members added in all (with repetition, counting the sorted
    /// initialisation), ≥ 1. auto-sklearn's default is 50.
    Index ensemble_size = 50;
    /// Sorted initialisation: start from the `n_init` best members, each added once
    /// (Caruana et al. 2004, §2.1; 0 = start empty). Must be ≤ the library size.
    Index n_init = 0;
    /// Whether a member may be added again (with replacement, the default, the weights are
    /// multiples of 1/ensemble_size; without, selection stops when every member is in).
    bool with_replacement = true;
    /// Keep the prefix of the greedy path with the lowest loss instead of the full path
    /// (Caruana et al. select the ensemble size on the hill-climbing set); default off, as in
    /// auto-sklearn.
    bool best_prefix = false;
    /// Loss minimised at each step (`automatic`: log-loss for K ≥ 2, squared error for K = 1).
    /// Any loss works, including error rates: no gradient is needed.
    Loss loss = Loss::automatic;
    /// Bagged ensemble selection (Caruana et al. 2004, §4): with `n_bags` ≥ 2, run the greedy
    /// selection on `n_bags` random subsets of the library and average their weights. 0 or 1 =
    /// no bagging.
    Index n_bags = 0;
    /// Fraction of the library drawn (without replacement) into each bag, in (0, 1]; at least one
    /// member per bag.
    double bag_fraction = 0.5;
    /// Seed of the bag draws (bag b uses `derive_seed(seed, {b})`); unused without bagging.
    std::uint64_t seed = 0;
};

/// Greedy forward ensemble selection: Caruana, Niculescu-Mizil, Crew & Ksikes, "Ensemble
/// selection from libraries of models", ICML 2004.
///
/// Starting from the `n_init` best members (or none), each step adds the member whose addition
/// minimises the loss of the running average Σ_m c_m P_m / Σ_m c_m, where c_m counts how often
/// member m was added; ties go to the lowest index, so the result is deterministic. The weights
/// are w_m = c_m / Σ c. With bagging, each bag runs the same procedure on a random subset of the
/// members and the weight vectors are averaged.
///
/// Example: `EnsembleSelection es({.ensemble_size = 25, .loss = Loss::balanced_error_rate});`
/// `WeightFit f = es.fit(oof_predictions, y);`
///
/// Complexity O(ensemble_size · M · nK) per bag. Deterministic for a given seed.
class EnsembleSelection {
public:
    using params_type = EnsembleSelectionParams;

    /// @throws ConfigError for invalid hyperparameters (see `set_params`).
    explicit EnsembleSelection(const params_type& params = {}) { set_params(params); }

    /// Replace the hyperparameters; forgets a previous fit.
    /// @throws ConfigError if ensemble_size < 1, n_init < 0, n_bags < 0 or bag_fraction ∉ (0, 1].
    void set_params(const params_type& p) {
        if (p.ensemble_size < 1)
            throw ConfigError(fmt::format("EnsembleSelection::set_params(): ensemble_size is {} (expected >= 1)",
                                          p.ensemble_size));
        if (p.n_init < 0)
            throw ConfigError(fmt::format("EnsembleSelection::set_params(): n_init is {} (expected >= 0)", p.n_init));
        if (p.n_bags < 0)
            throw ConfigError(fmt::format("EnsembleSelection::set_params(): n_bags is {} (expected >= 0)", p.n_bags));
        if (!(p.bag_fraction > 0.0 && p.bag_fraction <= 1.0))
            throw ConfigError(fmt::format("EnsembleSelection::set_params(): bag_fraction is {} (expected a value in "
                                          "(0, 1])",
                                          p.bag_fraction));
        params_ = p;
        fitted_ = false;
    }

    [[nodiscard]] const params_type& params() const noexcept { return params_; }

    /// Select members and return their weights.
    /// @param library M out-of-fold prediction matrices, all n×K (see `loss.hpp`).
    /// @param y       n targets.
    /// @return M weights (w ≥ 0, Σ w = 1) and the loss of the weighted average on (library, y).
    /// @throws DataError on an empty library, unequal shapes, non-finite predictions or invalid
    ///         targets; ConfigError if the loss does not fit K or n_init > M.
    WeightFit fit(const std::vector<Matrix>& library, const VectorRef& y) {
        constexpr std::string_view where = "EnsembleSelection::fit()";
        detail::check_library(library, y, where);
        detail::check_loss(params_.loss, library.front().cols(), where);
        const auto m = static_cast<Index>(library.size());
        if (params_.n_init > m)
            throw ConfigError(fmt::format("{}: n_init is {} but the library has {} models (expected n_init <= M)", where,
                                          params_.n_init, m));
        loss_ = resolve_loss(params_.loss, library.front().cols());
        trajectory_.clear();
        Vector w = Vector::Zero(m);
        if (params_.n_bags <= 1) {
            std::vector<Index> all(static_cast<std::size_t>(m));
            std::iota(all.begin(), all.end(), Index{0});
            w = select(library, y, all, params_.n_init, true);
        } else {
            const auto bag_size = std::max<Index>(
                1, static_cast<Index>(std::lround(params_.bag_fraction * static_cast<double>(m))));
            for (Index b = 0; b < params_.n_bags; ++b) {
                Rng rng(derive_seed(params_.seed, {static_cast<std::uint64_t>(b)}));
                std::vector<std::int64_t> perm = rng.permutation(m);
                std::vector<Index> bag(perm.begin(), perm.begin() + bag_size);
                std::sort(bag.begin(), bag.end());
                w += select(library, y, bag, std::min(params_.n_init, bag_size), false);
            }
            w /= static_cast<double>(params_.n_bags);
        }
        weights_ = w;
        fitted_ = true;
        WeightFit fit;
        fit.weights = std::move(w);
        fit.loss = detail::loss_unchecked(combine(library, fit.weights), y, loss_);
        fit.iterations = params_.ensemble_size * std::max<Index>(1, params_.n_bags);
        return fit;
    }

    /// The fitted weights (M). @throws NotFitted before `fit`.
    [[nodiscard]] const Vector& weights() const {
        if (!fitted_) throw NotFitted("EnsembleSelection::weights(): call fit() first");
        return weights_;
    }

    /// Loss of the running ensemble after each greedy step (without bagging; empty with
    /// bagging). Entry t is the loss after t + 1 members, counting the sorted initialisation.
    [[nodiscard]] const std::vector<double>& trajectory() const noexcept { return trajectory_; }

    [[nodiscard]] bool is_fitted() const noexcept { return fitted_; }

private:
    /// One greedy run over `candidates` (sorted indices into the library); returns M weights.
    Vector select(const std::vector<Matrix>& library, const VectorRef& y, const std::vector<Index>& candidates,
                  Index n_init, bool record) {
        const auto m = static_cast<Index>(library.size());
        const Index rows = library.front().rows();
        const Index cols = library.front().cols();
        Matrix sum = Matrix::Zero(rows, cols);
        Matrix trial(rows, cols);
        std::vector<Index> counts(static_cast<std::size_t>(m), 0);
        std::vector<Index> path;  // member added at each step
        std::vector<double> losses;
        Index total = 0;

        const auto add = [&](Index j, double loss) {
            sum += library[static_cast<std::size_t>(j)];
            ++counts[static_cast<std::size_t>(j)];
            ++total;
            path.push_back(j);
            losses.push_back(loss);
        };

        if (n_init > 0) {
            std::vector<std::pair<double, Index>> ranked;
            for (Index j : candidates)
                ranked.emplace_back(detail::loss_unchecked(library[static_cast<std::size_t>(j)], y, loss_), j);
            std::stable_sort(ranked.begin(), ranked.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
            for (Index r = 0; r < n_init; ++r) {
                const Index j = ranked[static_cast<std::size_t>(r)].second;
                sum += library[static_cast<std::size_t>(j)];
                const double l = detail::loss_unchecked(sum / static_cast<double>(total + 1), y, loss_);
                sum -= library[static_cast<std::size_t>(j)];
                add(j, l);
            }
        }
        const Index steps = params_.ensemble_size;
        while (total < steps) {
            Index best = -1;
            double best_loss = std::numeric_limits<double>::infinity();
            const double scale = 1.0 / static_cast<double>(total + 1);
            for (Index j : candidates) {
                if (!params_.with_replacement && counts[static_cast<std::size_t>(j)] > 0) continue;
                trial = (sum + library[static_cast<std::size_t>(j)]) * scale;
                const double l = detail::loss_unchecked(trial, y, loss_);
                if (l < best_loss) {
                    best_loss = l;
                    best = j;
                }
            }
            if (best < 0) break;  // without replacement: every candidate is in
            add(best, best_loss);
        }
        Index keep = static_cast<Index>(path.size());
        if (params_.best_prefix && !losses.empty()) {
            keep = 1;
            for (Index t = 1; t < static_cast<Index>(losses.size()); ++t)
                if (losses[static_cast<std::size_t>(t)] < losses[static_cast<std::size_t>(keep - 1)]) keep = t + 1;
        }
        Vector w = Vector::Zero(m);
        for (Index t = 0; t < keep; ++t) w[path[static_cast<std::size_t>(t)]] += 1.0;
        w /= static_cast<double>(keep);
        if (record) trajectory_ = losses;
        return w;
    }

    params_type params_{};
    Vector weights_;
    std::vector<double> trajectory_;
    Loss loss_ = Loss::automatic;
    bool fitted_ = false;
};

}  // namespace metalearn::ensemble
