#pragma once
/// @file tuner_forest.hpp
/// @brief The random-forest surrogate of `Tuner`: `ForestSurrogate` and `forest_surrogate()`.
///
/// A separate header because the forest (models/random_forest.hpp) costs compile time that a
/// GP-only tuner does not need. Select it with
/// `TunerOptions{.surrogate = hpo::forest_surrogate()}`.
///
/// Mean and spread: the mean of the trees and the standard deviation across the trees'
/// predictions (`RandomForestRegressor::predict_std`) — the SMAC-style uncertainty (Hutter, Hoos
/// & Leyton-Brown 2011, "Sequential model-based optimization for general algorithm
/// configuration", LION 5), without SMAC's variance of the leaves. It is a spread, not a
/// calibrated predictive standard deviation: at a training point it is often 0, where expected
/// improvement then reduces to max(μ − best, 0). `min_std` (a fraction of the standardised
/// target scale) keeps some exploration there.

#include "metalearn/hpo/tuner_gp.hpp"
#include "metalearn/models/random_forest.hpp"

#include <memory>

namespace metalearn::hpo {

/// Settings of `ForestSurrogate`.
struct ForestSurrogateOptions {
    Index n_estimators = 50;     ///< trees, ≥ 1
    Index min_samples_leaf = 1;  ///< ≥ 1
    double max_features = 1.0;   ///< fraction of the encoded columns examined per split, (0, 1]
    double min_std = 1e-3;       ///< floor of the spread, in standardised target units, ≥ 0
};

/// A random forest (`models::RandomForestRegressor`, bootstrap) as a tuner `Surrogate`; the
/// forest is regrown at every fit with the fit's seed.
class ForestSurrogate final : public Surrogate {
public:
    /// @throws ConfigError when an option is out of range.
    explicit ForestSurrogate(ForestSurrogateOptions options = {}) : o_(options) {
        if (!(o_.min_std >= 0)) throw ConfigError("ForestSurrogate: min_std out of range (expected >= 0)");
        models::RandomForestRegressor::params_type p;
        p.n_estimators = o_.n_estimators;
        p.min_samples_leaf = o_.min_samples_leaf;
        p.max_features = o_.max_features;
        p.n_threads = 1;
        forest_.set_params(p);  // validates
    }
    void fit(const Matrix& Z, const Vector& y, bool /*refit_hyperparameters*/, std::uint64_t seed) override {
        forest_.set_seed(seed);
        forest_.fit(Z, y);
    }
    void predict(const Matrix& Z, Vector& mean, Vector& std) const override {
        const Matrix per_tree = forest_.predict_per_tree(Z);  // m×T
        mean = per_tree.rowwise().mean();
        std = ((per_tree.colwise() - mean).array().square().rowwise().mean().sqrt()).max(o_.min_std).matrix();
    }

private:
    ForestSurrogateOptions o_;
    models::RandomForestRegressor forest_;
};

/// A factory of `ForestSurrogate`s for `TunerOptions::surrogate`.
/// @throws ConfigError when `options` is invalid.
[[nodiscard]] inline SurrogateFactory forest_surrogate(ForestSurrogateOptions options = {}) {
    ForestSurrogate check(options);
    return [options] { return std::make_unique<ForestSurrogate>(options); };
}

}  // namespace metalearn::hpo
