#pragma once
/// @file warm_start.hpp
/// @brief `warm_start`: start a `hpo::Tuner` from a `Knowledge` file — its diversified top picks
/// (and optionally the learned default and portfolio) as the first trials, its meta-model's
/// prediction for the new dataset as the Bayesian optimisation's prior mean.
///
/// @code
/// const auto knowledge = meta::Knowledge<models::LogisticRegression>::builtin();
/// hpo::Tuner<models::LogisticRegression::params_type> tuner(models::LogisticRegression::search_space(),
///                                                           "study.jsonl", {.seed = 0, .n_initial = 3});
/// meta::warm_start(tuner, knowledge, data);   // 3 enqueued trials + a prior mean
/// tuner.optimize(objective, 30, 2);
/// @endcode
///
/// What it does, in this order:
/// 1. the dataset's meta-features are extracted once (`Knowledge::meta_features`, with
///    `WarmStartOptions::zero_shot`);
/// 2. enqueued (`Tuner::enqueue`), in this order: the knowledge's diversified top `n_initial`
///    (`Knowledge::suggest`, best first — the study's first new trial is the knowledge's top
///    pick), then the learned default (`learned_default`), then the first `n_portfolio`
///    portfolio configurations (`portfolio`). A configuration within the tuner's `min_distance`
///    of one enqueued before is left out here; one outside the tuner's space is left out with a
///    warning; dimensions the tuner's space does not search take their default values in the
///    trial (as `Tuner::enqueue` holds a configuration), with a warning when that changes a
///    pick. This is the initial design from meta-learning of Feurer, Springenberg & Hutter,
///    "Initializing Bayesian Hyperparameter Optimization via Meta-Learning" (AAAI 2015), with a
///    meta-model's ranking in place of their nearest datasets' bests;
/// 3. the prior mean (`Tuner::set_prior_mean`): for an encoded configuration z of the tuner's
///    space, the configuration `tuner.space().decode(z)` is encoded in the knowledge's space
///    (`Knowledge::space`, values outside its bounds clamped to them) and the predictor gives its
///    predicted normalised score on this dataset (`HyperparameterPredictor::predict`: min–max
///    within a task, 1 = best of the plan). That scale is not the objective's, so the prior is
///    rescaled with `hpo::PriorScaling::affine`: the surrogate models y − (a + b·prior), a and
///    b ≥ 0 the least-squares fit of the complete trials' scores on their prior values once at
///    least three are complete (the prior is ignored before, except that with no complete trial
///    its ranking guides the first asks; a prior that ranks the observed trials backwards gets
///    b = 0 and is ignored), and b is multiplied by β/(β + n − 3) after n complete trials
///    (`WarmStartOptions::prior_decay`), so that the task's own scores take over from a prior
///    that is wrong on it (the decay as in πBO, Hvarfner et al., ICLR 2022). This combination — a meta-model's mean as the GP's prior mean,
///    calibrated to the new task's scores by one affine map — is this library's own simple
///    design, not a published method: no ensemble of per-task surrogates (e.g. RGPE, Feurer,
///    Letham & Bakshy 2018) and no use of the predictor's standard deviation. That ensemble is the
///    other warm start the library offers: `hpo::rgpe_surrogate` over `transfer_studies` of
///    earlier tasks' records (combine it with this function's enqueued picks by setting
///    `prior_mean = false`).
///
/// Calling it again on a tuner re-opened on its journal is safe: enqueued configurations already
/// tried are skipped by the tuner (with a warning), and the prior is set again.
///
/// Once the study is done, `study_records` (study_records.hpp, included here) turns its trials
/// into records of the task, to be appended to the journal the knowledge is refitted on.

#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/hpo/tuner.hpp"
#include "metalearn/hpo/tuner_transfer.hpp"
#include "metalearn/meta/record.hpp"
#include "metalearn/meta/knowledge.hpp"
#include "metalearn/meta/study_records.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace metalearn::meta {

/// The records of earlier tasks as one `hpo::TransferStudy` per task, for the RGPE transfer of
/// `hpo::rgpe_surrogate` (see tuner_transfer.hpp): for each task, the successful records
/// (`RecordStatus::ok`, finite mean score) of base model `model` whose configuration fits
/// `space`, encoded by `space.encode`, with their mean cross-validated scores. Records of one
/// protocol only make sense together: pass those of one metric and number of folds.
/// @param records e.g. `RecordStore::read(path)`; @param model `BaseModel::name` of the study's model;
/// @param exclude task ids left out (e.g. the task being tuned).
/// @return studies in order of their task ids, named by them; tasks with no usable record are
///         left out (no record of `model`: none). Records whose configuration is outside `space`
///         or lacks one of its dimensions are skipped, counted in `*n_skipped` when given.
template <class Params>
[[nodiscard]] std::vector<hpo::TransferStudy> transfer_studies(const std::vector<Record>& records, std::string_view model,
                                                               const hpo::SearchSpace<Params>& space,
                                                               const std::vector<std::string>& exclude = {},
                                                               std::size_t* n_skipped = nullptr) {
    std::map<std::string, std::vector<std::pair<Vector, double>>> by_task;
    std::size_t skipped = 0;
    for (const auto& r : records) {
        if (r.model != model || r.status != RecordStatus::ok || !std::isfinite(r.mean_score)) continue;
        if (std::find(exclude.begin(), exclude.end(), r.task_id) != exclude.end()) continue;
        bool complete = r.config.is_object();  // a dimension left out would silently take Params{}'s value
        for (Index d = 0; complete && d < space.size(); ++d) complete = r.config.contains(space.dimension(d).name);
        if (!complete) {
            ++skipped;
            continue;
        }
        try {
            by_task[r.task_id].emplace_back(space.encode(space.from_json(r.config)), r.mean_score);
        } catch (const ConfigError&) {
            ++skipped;
        }
    }
    if (n_skipped) *n_skipped = skipped;
    std::vector<hpo::TransferStudy> out;
    for (auto& [task, rows] : by_task) {
        hpo::TransferStudy s;
        s.name = task;
        s.configs.resize(static_cast<Index>(rows.size()), space.encoded_size());
        s.scores.resize(static_cast<Index>(rows.size()));
        for (std::size_t i = 0; i < rows.size(); ++i) {
            s.configs.row(static_cast<Index>(i)) = rows[i].first.transpose();
            s.scores[static_cast<Index>(i)] = rows[i].second;
        }
        out.push_back(std::move(s));
    }
    return out;
}

/// Options of `warm_start`; every field has a documented default.
struct WarmStartOptions {
    Index n_initial = 3;             ///< the knowledge's diversified top picks enqueued first, ≥ 0
    bool learned_default = false;    ///< then enqueue the learned default
    Index n_portfolio = 0;           ///< then the first this many portfolio configurations, ≥ 0
    bool prior_mean = true;          ///< set the tuner's prior mean from the predictor
    double prior_decay = 5.0;        ///< `hpo::TunerOptions::prior_decay` of that prior (finite, ≥ 0): its slope is
                                     ///< multiplied by β/(β + n − 3) after n ≥ 3 complete trials (half after 5 more)
    ZeroShotOptions zero_shot{};     ///< meta-feature extraction (max rows, time limit) and top-k search
    WarningCallback on_warning{};    ///< a configuration outside the tuner's space, left out
};

/// A configuration `warm_start` enqueued, and why.
template <class Params>
struct WarmStartTrial {
    Params params{};
    std::string source;              ///< "suggest", "learned_default" or "portfolio"
    double predicted = 0.0;          ///< the predictor's normalised score on the dataset (1 ≈ best of the plan)
};

/// What `warm_start` did.
template <class Params>
struct WarmStartResult {
    Vector meta_features;                        ///< the dataset's meta-features (f, NaN = missing), as `Knowledge::meta_features`
    ZeroShotReport report;                       ///< subsample, cut and missing meta-features
    std::vector<WarmStartTrial<Params>> enqueued;///< in the order they were enqueued
};

namespace detail {
/// `p` as the tuner's space holds it (`Tuner::enqueue`: dimensions the tuner does not search at
/// `Params{}`'s values), with a warning naming the pick when that changes it in `space` (the
/// knowledge's or predictor's, which has them).
template <class Params, class Space>
[[nodiscard]] Params held_by(const hpo::SearchSpace<Params>& tuner_space, const Space& space, const Params& p,
                             std::string_view source, const WarningCallback& on_warning) {
    Params held = tuner_space.from_json(tuner_space.to_json(p));
    if (on_warning && space.to_json(held) != space.to_json(p))
        on_warning(fmt::format("meta::warm_start(): {} configuration {} is tried as {}: the tuner's space does not "
                               "search every dimension, and the others take their default values",
                               source, space.to_string(p), space.to_string(held)));
    return held;
}

/// The option checks both `warm_start` overloads make. @throws ConfigError.
inline void check_warm_start_options(const WarmStartOptions& options) {
    if (!(options.prior_decay >= 0.0) || !std::isfinite(options.prior_decay))
        throw ConfigError(
            fmt::format("meta::warm_start(): prior_decay must be finite and >= 0 (got {})", options.prior_decay));
    if (options.n_initial < 0 || options.n_portfolio < 0)
        throw ConfigError(fmt::format("meta::warm_start(): n_initial and n_portfolio must be >= 0 (got {} and {})",
                                      options.n_initial, options.n_portfolio));
}

/// Enqueue `p` into `tuner` (picked from `space`, the knowledge's or predictor's) and note it in
/// `out`: left out with a warning when outside the tuner's space, silently when within the tuner's
/// `min_distance` of one enqueued before; held as the tuner's space holds it (`held_by`).
template <class Params, class Space>
void enqueue_pick(hpo::Tuner<Params>& tuner, const Space& space, const Params& p, const char* source, double predicted,
                  const WarningCallback& on_warning, std::vector<Vector>& taken, WarmStartResult<Params>& out) {
    const auto& tspace = tuner.space();
    try {
        tspace.validate(p);
    } catch (const ConfigError& e) {
        if (on_warning)
            on_warning(fmt::format("meta::warm_start(): {} configuration {} left out: it is outside the tuner's space ({})",
                                   source, space.to_string(p), e.what()));
        return;
    }
    const Params held = held_by(tspace, space, p, source, on_warning);
    const Vector z = tspace.encode(held);
    const double min_distance = *tuner.options().min_distance;
    if (std::any_of(taken.begin(), taken.end(), [&](const Vector& t) { return (t - z).norm() < min_distance; })) return;
    tuner.enqueue(held);
    taken.push_back(z);
    out.enqueued.push_back({held, source, predicted});
}

/// Set `tuner`'s prior mean to `predictor`'s predicted normalised score of each configuration on
/// the task with `meta_features`: an encoded z of the tuner's space is decoded, encoded in
/// `space` (the predictor's) and predicted; affine scaling with `decay` (see the file
/// documentation). Everything the prior needs is copied into it (the tuner outlives the call).
template <class Params, MetaModel MM, class Space>
void set_predicted_prior(hpo::Tuner<Params>& tuner, const Space& space, const HyperparameterPredictor<MM>& predictor,
                         const Vector& meta_features, double decay) {
    struct Prior {
        hpo::SearchSpace<Params> tuner_space;
        Space space;
        HyperparameterPredictor<MM> predictor;
        Vector meta_features;
    };
    auto prior = std::make_shared<const Prior>(Prior{tuner.space(), space, predictor, meta_features});
    tuner.set_prior_mean(
        [prior](const Eigen::VectorXd& z) {
            const Params p = prior->tuner_space.decode(z);
            Matrix row(1, prior->space.encoded_size());
            row.row(0) = prior->space.encode(p).transpose();
            return prior->predictor.predict(prior->meta_features, row)[0];
        },
        hpo::PriorScaling::affine, decay);
}
}  // namespace detail

/// Warm-start `tuner` for `dataset` from `knowledge`; see the file documentation for what is
/// enqueued in which order and how the prior mean is defined and scaled.
///
/// @tparam Model the base model of the knowledge (`models::BaseModel`); the tuner searches its
///         `params_type`, over any space with the knowledge's dimension names (usually
///         `Model::search_space()` or `knowledge.space()`).
/// @tparam MM    the knowledge's meta-model.
/// @param tuner     enqueued to and given a prior mean; its other options are untouched (set
///                  `TunerOptions::n_initial` to the number enqueued for Bayesian optimisation
///                  to start right after them, instead of the default Sobol design's remainder).
/// @param knowledge copied into the prior where needed: it may be destroyed after the call.
/// @param dataset   the new task (classification for a classification knowledge).
/// @return the meta-features, the extraction report and the enqueued configurations.
/// @throws ConfigError when `n_initial` or `n_portfolio` is negative or `prior_decay` is negative or not finite; what `Knowledge::suggest`
///         throws (DataError for a dataset the knowledge cannot describe).
/// Cost: one meta-feature extraction and one space search of the predictor (`suggest`). Each
/// prior evaluation is one meta-model prediction; a Bayesian ask makes about n_candidates + the
/// local refinement's candidates + the trials of them.
/// Randomness: none of its own (the suggestion search uses `zero_shot.search.seed`).
template <models::BaseModel Model, MetaModel MM>
WarmStartResult<typename Model::params_type> warm_start(hpo::Tuner<typename Model::params_type>& tuner,
                                                        const Knowledge<Model, MM>& knowledge, const data::Dataset& dataset,
                                                        const WarmStartOptions& options = {}) {
    using Params = typename Model::params_type;
    detail::check_warm_start_options(options);
    WarmStartResult<Params> out;
    out.meta_features = knowledge.meta_features(dataset, options.zero_shot, &out.report);

    const auto& kspace = knowledge.space();
    const auto predicted = [&](const Params& p) {
        Matrix row(1, kspace.encoded_size());
        row.row(0) = kspace.encode(p).transpose();
        return knowledge.predictor().predict(out.meta_features, row)[0];
    };
    std::vector<Vector> taken;  // encodings in the tuner's space of what is enqueued so far
    // the rows a configuration is fitted on in the knowledge's CV protocol: what they rule out
    // (a k-NN with more neighbours than rows) would fail at once
    const Index training_rows = min_training_rows(dataset, knowledge.n_folds());
    const auto add = [&](const Params& p, const char* source, double pred) {
        if (!models::fits_rows<Model>(p, training_rows)) {
            if (options.on_warning)
                options.on_warning(fmt::format("meta::warm_start(): {} configuration {} left out: '{}' has too few rows "
                                               "for it ({} per training fold)",
                                               source, kspace.to_string(p), dataset.name(), training_rows));
            return;
        }
        detail::enqueue_pick(tuner, kspace, p, source, pred, options.on_warning, taken, out);
    };
    if (options.n_initial > 0)
        for (const auto& s : knowledge.suggest(out.meta_features, options.n_initial, options.zero_shot, training_rows))
            add(s.params, "suggest", s.predicted);
    if (options.learned_default) {
        const Params p = knowledge.learned_default();
        add(p, "learned_default", predicted(p));
    }
    if (options.n_portfolio > 0)
        for (const auto& p : knowledge.portfolio(options.n_portfolio)) add(p, "portfolio", predicted(p));

    if (options.prior_mean) detail::set_predicted_prior(tuner, kspace, knowledge.predictor(), out.meta_features, options.prior_decay);
    return out;
}

/// Warm-start `tuner` from a fitted `HyperparameterPredictor` and the new task's meta-features,
/// without a `Knowledge` file — e.g. the predictor of a `MetaLearner` fitted on your own records
/// (`learner.predictor()`, `learner.space()`, `learner.task_meta_features(dataset)`): the
/// predictor's diversified top `options.n_initial` over `space` (`HyperparameterPredictor::suggest`
/// with `options.zero_shot.search`, best first) are enqueued, and its prediction becomes the prior
/// mean, scaled as the knowledge overload scales it (see the file documentation).
///
/// @param space         the space the predictor was fitted with (the learner's `space()`), or
///                      `restricted_to` of it (the same encoding, a smaller region to pick from);
///                      not `with_bounds` of it, which changes the encoding and so what the
///                      predictor reads. The picks come from the whole of it (`MetaLearner::suggest`
///                      stays inside the plan's region: pass `space().restricted_to(plan())` for
///                      its picks). Picks outside the tuner's space are left out with a warning, so
///                      a tuner searching a narrower region gets only those inside it (none when the
///                      predictor's best lie elsewhere); dimensions the tuner does not search take
///                      their default values in the enqueued trials, with a warning.
/// @param meta_features the new task's meta-features aligned with the predictor's training ones
///                      (f entries, NaN = missing, imputed by the predictor).
/// @return the enqueued configurations (`source` "suggest") and `meta_features`; `report` empty.
/// @throws ConfigError when `learned_default` or `n_portfolio` is set (they need a knowledge's
///         table of tasks), for the option checks of the knowledge overload, or (n_initial > 0)
///         for invalid search options; NotFitted when the predictor is not fitted; DataError
///         when `meta_features` has another length than the predictor's training meta-features
///         or `space` another encoded size than its configurations.
/// Configurations outside the tuner's space are left out with a warning (`on_warning`); no
/// data-size rule is applied (there is no dataset here).
template <class Params, MetaModel MM, class Space>
WarmStartResult<Params> warm_start(hpo::Tuner<Params>& tuner, const HyperparameterPredictor<MM>& predictor,
                                   const Space& space, const VectorRef& meta_features,
                                   const WarmStartOptions& options = {}) {
    static_assert(std::is_same_v<typename Space::params_type, Params>,
                  "meta::warm_start(): the predictor's space must describe the tuner's parameter type");
    detail::check_warm_start_options(options);
    if (options.learned_default || options.n_portfolio != 0)
        throw ConfigError("meta::warm_start(): learned_default and n_portfolio need a Knowledge (its table of tasks); "
                          "from a predictor only its suggestions (n_initial) and the prior mean are available");
    if (!predictor.is_fitted()) throw NotFitted("meta::warm_start(): the predictor is not fitted");
    if (meta_features.size() != predictor.n_meta_features())
        throw DataError(fmt::format("meta::warm_start(): {} meta-features given, the predictor was fitted on {} (pass "
                                    "the task's meta-features aligned with its training ones, e.g. "
                                    "MetaLearner::task_meta_features)",
                                    meta_features.size(), predictor.n_meta_features()));
    if (space.encoded_size() != predictor.n_encoded())
        throw DataError(fmt::format("meta::warm_start(): the space encodes a configuration in {} values, the predictor "
                                    "was fitted on {} (pass the space it was fitted with)",
                                    space.encoded_size(), predictor.n_encoded()));
    WarmStartResult<Params> out;
    out.meta_features = meta_features;
    if (options.n_initial > 0) {
        std::vector<Vector> taken;
        for (const auto& s : detail::with_params(predictor.suggest(meta_features, options.n_initial, space, options.zero_shot.search), space))
            detail::enqueue_pick(tuner, space, s.params, "suggest", s.predicted, options.on_warning, taken, out);
    }
    if (options.prior_mean) detail::set_predicted_prior(tuner, space, predictor, out.meta_features, options.prior_decay);
    return out;
}

}  // namespace metalearn::meta

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library's instances for the bundled models (core/compiled_instances.hpp).
#define METALEARN_DECLARES_WARM_START
#include "metalearn/core/compiled_instances.hpp"
#endif
