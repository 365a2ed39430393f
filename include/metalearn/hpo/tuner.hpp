#pragma once
/// @file tuner.hpp
/// @brief `Tuner<Params>`: ask/tell hyperparameter search over a `SearchSpace<Params>` for any
/// objective — random search or Bayesian optimisation (GP or random-forest surrogate, expected
/// improvement), batches for parallel workers, a crash-safe journal to resume from, and hooks for
/// warm starts (enqueued configurations, a prior mean).
///
/// @code
/// struct P { double lr = 0.1; int depth = 3; };
/// auto space = hpo::SearchSpace<P>().add("lr", &P::lr, hpo::log_uniform(1e-4, 1.0))
///                                   .add("depth", &P::depth, hpo::int_uniform(1, 10));
/// hpo::Tuner<P> tuner(space, "study.jsonl", {.seed = 7});   // resumes if study.jsonl exists
/// auto best = tuner.optimize([](const P& p) { return score(p); }, /*n_trials=*/50, /*n_threads=*/2);
/// // or by hand, e.g. with workers in other processes:
/// auto t = tuner.ask();                 // t.id, t.params, t.values (JSON name → value)
/// tuner.tell(t.id, score(t.params));    // scores are maximised
/// @endcode
///
/// **How a trial is chosen** (`ask`), in this order:
/// 1. trials asked before a crash and never told (loaded from the journal) are asked again, same
///    id and params, lowest id first;
/// 2. enqueued configurations (`enqueue`), in order;
/// 3. the initial design, while fewer than `n_initial` trials are complete or pending: the next
///    points of a scrambled Sobol sequence (`core/sobol.hpp`) mapped by
///    `SearchSpace::from_unit_cube` (or uniform random points, `RandomSampler::uniform`);
/// 4. `SearchMethod::random`: more points of the same sequence. `SearchMethod::bayesian`: the
///    maximiser of expected improvement (Jones et al. 1998, `expected_improvement`) of a
///    surrogate fitted to the encoded configurations (`SearchSpace::encode`: numeric dims scaled
///    to [0, 1], log dims in log scale, categoricals one-hot — the encoding the meta-models use),
///    maximised over a pool of `n_candidates` scrambled Sobol configurations followed by a local
///    refinement: from the `n_local_starts` best pool points and the two best trials,
///    `n_local_rounds` rounds of `n_local_steps` Gaussian perturbations in the encoding (step
///    0.1, halved every round), each snapped to a valid configuration by `decode` and `encode`,
///    keeping a perturbation when it improves its start. A discrete space with at most
///    `n_candidates` configurations uses all its untried configurations as the pool. Without
///    any complete trial (and without a prior mean) the initial design goes on. The surrogate's
///    mean is computed for every candidate, its O(n²) standard deviation only where expected
///    improvement can still matter: EI increases with σ, and a free upper bound of σ
///    (`Surrogate::predict_mean`) bounds each candidate's EI, so candidates that cannot reach the
///    best pool points found so far, or improve their refinement centre, are skipped — the same
///    choices as computing EI everywhere.
///
/// `set_candidates` restricts all of this to a finite set of configurations (a lookup table of
/// precomputed scores, a grid): the initial design and random search draw uniformly from the
/// untried candidates and expected improvement is maximised over all of them.
///
/// **Surrogate** (`TunerOptions::surrogate`): by default the ARD Matérn 5/2 Gaussian process of
/// `tuner_gp.hpp` (Rasmussen & Williams 2006); the random forest of `tuner_forest.hpp` and the
/// ranking-weighted ensemble of earlier studies' GPs of `tuner_transfer.hpp` (RGPE, transfer from
/// other tasks) are the other choices. The surrogate sees the residuals r = y − prior_mean(z) (r = y without a prior
/// mean), standardised (mean 0, standard deviation 1 over the training rows; scale 1 with fewer
/// than two rows or equal residuals); predictions are mapped back, so EI is computed in score
/// units. A prior in other units than the score (e.g. a meta-model's normalised score) is
/// rescaled with `PriorScaling::affine`: the surrogate then sees r = y − (a + b·prior(z)), a and b
/// the least-squares line of the complete trials' scores on their prior values, b clamped at 0
/// (a prior that ranks the observed trials the wrong way round is ignored, not inverted), fitted
/// anew at every ask once at least three trials are complete and their prior values differ;
/// before that the prior is used as given when no trial is complete (only its ranking matters
/// then) and ignored (b = 0) otherwise. The GP's hyperparameters are refitted by maximum marginal likelihood at every ask while
/// at most `refit_all_until` trials are complete, then whenever `refit_interval` more trials
/// have completed since the last refit; between refits they are kept and only the Cholesky
/// factorisation is redone. The schedule depends only on the trial history, never on timing. A
/// tuner re-opened on a journal starts with an unfitted surrogate and fits its hyperparameters at
/// its first Bayesian ask: up to `refit_all_until` complete trials a resumed study asks what an
/// uninterrupted one asks; beyond that the two can differ (both keep every other guarantee).
///
/// **Batches and pending trials** (constant liar, Ginsbourger, Le Riche & Carraro 2010,
/// "Kriging is well-suited to parallelize optimization", in Computational Intelligence in
/// Expensive Optimization Problems, Springer): every pending trial (asked, not yet told) enters
/// the surrogate with a made-up score, the *lie*: by default the best complete score so far
/// (`ConstantLiar::best`, "CL-max" for maximisation; `worst` and `mean` are the other choices).
/// Before any trial is complete, a prior mean gives the lie at each pending point (the kriging
/// believer). `ask(n)` asks n trials one after the other this way, so each one knows the others.
///
/// **Diversity**: no trial is ever closer than `min_distance` (Euclidean, in the encoding;
/// default 10⁻³ of the encoded unit cube's diagonal, √(encoded_size)) to any earlier trial, in
/// any state — this also rejects duplicates. A configuration within that distance is never
/// proposed; an enqueued one is skipped with a warning. When no configuration is far enough from
/// all trials — which happens in practice only when a space of integer and categorical dimensions
/// has been fully explored — `ask()` throws `SearchSpaceExhausted`, `ask(n)` returns the trials
/// it could find (throwing only when it found none), and `optimize` stops normally. For discrete
/// spaces of at most 65,536 configurations every remaining one is considered before giving up;
/// for other spaces, a configuration is given up after 4096 samples all too close.
///
/// **Journal** (`tuner_journal.hpp`): every ask and tell is one JSON line, written before the
/// tuner's state changes and only after the input was validated (a rejected call records
/// nothing). The first line records the format, the seed, the space (names, kinds, bounds,
/// labels) and, when given, the study's `context` (what the scores are about: the dataset and its
/// checksum, the metric, the folds) and `score_range`; re-opening a journal with another space,
/// seed, context or score range throws `ConfigError` naming both sides, so that scores of another
/// dataset or metric are never mixed into a study. A journal that records no context (written
/// before contexts were recorded) opens with a warning, since it cannot be checked; so does a
/// journal that records a context re-opened by a tuner given none (it takes the recorded one).
/// A tuner given no `score_range` takes the journal's, and enforces it. A context holding a NaN
/// or infinite number is refused (`ConfigError`): JSON cannot record it. A recorded
/// score outside `score_range` is refused with `ParseError` naming the file and line (the file is
/// left untouched). A re-opened
/// tuner continues the study: complete, failed and pruned trials are loaded (and never asked
/// again), pending ones are asked again first with the same id and params, and the initial
/// design continues where it stopped. Reloaded trials get new, equal-valued params objects:
/// members not in the space take `Params{}`'s values.
///
/// **Determinism**: every random choice derives from `TunerOptions::seed` and the trial id
/// (`derive_seed`), so the same seed and the same sequence of calls give the same trials;
/// `optimize` gives the same trials for any `n_threads` (see there).
///
/// **Thread safety**: all member functions may be called from several threads (a mutex
/// serialises them); `optimize` calls the objective concurrently.
///
/// **Cost** (benchmarks/bench_tuner.cpp, 7 dimensions / 10 encoded columns, Release, median CPU
/// time on one core of a shared 2-core machine whose load average from other jobs was 4 to 5
/// while measuring; the spread is over four runs): random search ≈ 0.003 ms per ask at n = 100
/// complete trials, 0.012 ms at n = 1000. Bayesian optimisation with the defaults, between
/// hyperparameter refits: 0.3–0.45 ms with n = 10, 1.0–1.3 ms with n = 100, 43–48 ms with
/// n = 1000 (O(n·D) per candidate for the mean, O(n²) for the standard deviation where expected
/// improvement can still matter: about 30 of the 512 pool points and 135 of the 160 local
/// candidates at n = 100; at n = 100 about 60% of an ask is the cross-covariances of the 672
/// candidates, mostly the Matérn kernel's exponential, one per candidate and trial); an ask that also
/// refits the GP's hyperparameters: ≈ 2.3 ms (n = 10), 0.1 s (n = 100), 0.65 s (n = 1000,
/// fitted on 200 rows). With a trial told since the last ask the surrogate has one more row and
/// its O(n³) factorisation is redone (an ask in the benchmark's steady state keeps it).

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/parallel.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/hpo/tuner_core.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <deque>
#include <filesystem>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace metalearn::hpo {


/// One trial: a configuration, its id and, once told, its result.
template <class Params>
struct Trial {
    Index id = -1;              ///< 0, 1, 2, ... in the order of asking
    Params params{};            ///< the configuration (typed)
    nlohmann::json values;      ///< the configuration as a JSON object {name: number or label} (`SearchSpace::to_json`)
    TrialState state = TrialState::pending;
    std::optional<double> score;  ///< complete: the score; pruned: the score at its budget, if told
    std::string message;        ///< failed: the reason
    std::string source;         ///< "enqueued", "initial", "random" or "bayesian"
};

namespace detail {

/// The space as recorded in a journal: [{name, kind, lo, hi[, labels]}...].
template <class Params>
nlohmann::json space_to_json(const SearchSpace<Params>& space) {
    return dims_to_json(space_dimensions(space));
}

template <class F, class T>
bool invoke_tuner_callback(F& f, const T& trial) {
    if constexpr (std::is_convertible_v<std::invoke_result_t<F&, const T&>, bool>)
        return static_cast<bool>(f(trial));
    else {
        f(trial);
        return false;
    }
}

}  // namespace detail

/// Ask/tell hyperparameter search over a `SearchSpace<Params>`; see the file documentation.
/// Scores are maximised. The search itself is `detail::TunerCore` (tuner_core.hpp), which works on
/// encoded configurations and is compiled once; this class adds the typed configurations.
/// @tparam Params the configuration type bound by the space (default-constructible, copyable).
template <class Params>
class Tuner {
public:
    using params_type = Params;
    using trial_type = Trial<Params>;

    /// A study kept in memory only.
    /// @throws ConfigError when the space is empty or an option is out of range.
    explicit Tuner(SearchSpace<Params> space, TunerOptions options = {})
        : space_(std::move(space)), core_(detail::space_dimensions(space_), std::move(options)) {}

    /// A study recorded in (and resumed from) the journal at `journal`: created when missing,
    /// replayed when it exists (see the file documentation).
    /// @throws ConfigError when the space is empty, an option is out of range, or the journal was
    ///         written for another space, seed, context or score range (the message names both
    ///         sides); IoError when the journal cannot be opened or another tuner holds it;
    ///         ParseError (file, line) when a line is not a valid event or records a score
    ///         outside `score_range` (a torn last line is skipped with a warning instead).
    Tuner(SearchSpace<Params> space, const std::filesystem::path& journal, TunerOptions options = {})
        : space_(std::move(space)), core_(detail::space_dimensions(space_), std::move(options)) {
        Codec codec(space_, &params_);
        core_.open_journal(journal, codec);
    }

    Tuner(const Tuner&) = delete;
    Tuner& operator=(const Tuner&) = delete;
    Tuner(Tuner&&) noexcept = default;
    Tuner& operator=(Tuner&&) noexcept = default;

    /// The search space.
    [[nodiscard]] const SearchSpace<Params>& space() const noexcept { return space_; }
    /// The options (with `n_initial` and `min_distance` resolved).
    [[nodiscard]] const TunerOptions& options() const noexcept { return core_.options(); }

    /// Ask for the next trial (see the file documentation for how it is chosen). The trial is
    /// pending until told; its ask is in the journal on return.
    /// @throws SearchSpaceExhausted when no configuration is far enough from all trials;
    ///         DataError when the prior mean returns a non-finite value; NumericalError when the
    ///         surrogate cannot be fitted; IoError when the journal write fails (nothing recorded).
    /// Complexity: random search O(n·D); Bayesian optimisation O(n³) for the factorisation (times
    /// the likelihood evaluations on refits; none when the surrogate's rows and hyperparameters
    /// are those of the previous ask) plus O((n_candidates + local candidates)·n·D) for the means
    /// and O(n²) per candidate whose expected improvement can still matter, n = complete +
    /// pending trials, D = encoded size.
    [[nodiscard]] Trial<Params> ask() {
        std::lock_guard lock(core_.mutex());
        return ask_one();
    }

    /// Ask for `n` trials at once, for parallel workers: distinct (at least `min_distance`
    /// apart), each chosen knowing the ones before it through the constant liar.
    /// @return n trials; fewer only when the space is exhausted after at least one.
    /// @throws ConfigError when n < 1; SearchSpaceExhausted when not even one trial is left;
    ///         otherwise as `ask()` (trials asked before the error stay pending, in the journal).
    [[nodiscard]] std::vector<Trial<Params>> ask(Index n) {
        if (n < 1) throw ConfigError(fmt::format("Tuner::ask(): batch size out of range (expected >= 1, got {})", n));
        std::lock_guard lock(core_.mutex());
        std::vector<Trial<Params>> out;
        out.reserve(static_cast<std::size_t>(n));
        for (Index k = 0; k < n; ++k) {
            try {
                out.push_back(ask_one());
            } catch (const SearchSpaceExhausted&) {
                if (out.empty()) throw;
                break;
            }
        }
        return out;
    }

    /// Record the score of a pending trial (scores are maximised).
    /// @throws ConfigError when `id` is unknown or the trial is not pending; DataError when
    ///         `score` is NaN or infinite, or outside `TunerOptions::score_range` (nothing is
    ///         recorded); IoError when the journal write fails.
    void tell(Index id, double score) {
        std::lock_guard lock(core_.mutex());
        core_.tell(id, score);
    }

    /// Record that a pending trial failed; it is never asked again and the surrogate ignores it.
    /// Bytes of `reason` that are not valid UTF-8 are replaced by U+FFFD.
    /// @throws ConfigError when `id` is unknown or not pending; IoError when the write fails.
    void tell_failed(Index id, std::string reason) {
        // an exception's message need not be UTF-8 (a path, a locale's text): invalid bytes
        // become U+FFFD, so the journal line can be written and reads back the same
        reason = valid_utf8(reason);
        std::lock_guard lock(core_.mutex());
        core_.tell_failed(id, std::move(reason));
    }

    /// Record that a pending trial was stopped early, optionally with its score at the budget it
    /// reached; it is never asked again and the surrogate ignores it.
    /// @throws ConfigError when `id` is unknown or not pending; DataError when the score is given
    ///         and not finite or outside `TunerOptions::score_range`; IoError when the write fails.
    void tell_pruned(Index id, std::optional<double> score_at_budget = std::nullopt) {
        std::lock_guard lock(core_.mutex());
        core_.tell_pruned(id, score_at_budget);
    }

    /// Queue a configuration to be asked before any generated one (after re-asked pending
    /// trials), in the order of the calls. At its turn it is skipped, with a warning, when it is
    /// closer than `min_distance` to an existing trial — so enqueuing the same warm-start
    /// configurations again after a resume asks only those not tried yet. The queue is not
    /// journalled. The trial carries the configuration as the space holds it
    /// (`from_json(to_json(params))`): members that are not dimensions of the space take
    /// `Params{}`'s values, as in every generated trial and in a trial read back from the journal,
    /// which stores only the space's dimensions — so a trial's params are the same after a resume.
    /// @throws ConfigError when a member is outside the space (`SearchSpace::validate`).
    void enqueue(const Params& params) {
        space_.validate(params);
        Params held = space_.from_json(space_.to_json(params));
        std::lock_guard lock(core_.mutex());
        queue_.push_back(std::move(held));
    }

    /// Queue a configuration given as a JSON object {name: number or label}; names not given
    /// take `Params{}`'s values.
    /// @throws ConfigError on an unknown name, a wrong type, a value outside the space
    ///         (`SearchSpace::from_json`).
    void enqueue(const nlohmann::json& values) { enqueue(space_.from_json(values)); }

    /// Set (or, with an empty function, remove) the prior mean and its scaling
    /// (`TunerOptions::prior_mean`, `prior_scaling`) for the asks that follow. It is not
    /// journalled: a tuner re-opened on a journal gets its prior from the caller again.
    /// `decay`: `TunerOptions::prior_decay`. @throws ConfigError when decay is negative or not finite.
    void set_prior_mean(std::function<double(const Eigen::VectorXd&)> prior, PriorScaling scaling = PriorScaling::none,
                        double decay = 0.0) {
        if (!(decay >= 0.0) || !std::isfinite(decay))
            throw ConfigError(fmt::format("Tuner::set_prior_mean(): decay must be finite and >= 0 (got {})", decay));
        std::lock_guard lock(core_.mutex());
        core_.set_prior_mean(std::move(prior), scaling, decay);
    }

    /// Restrict the search to a finite set of configurations (or, with an empty vector, lift the
    /// restriction) for the asks that follow: a lookup table of precomputed scores (the HPO-B
    /// protocol, Pineda Arango et al., NeurIPS 2021 Datasets and Benchmarks), a grid, or the
    /// configurations a cluster has cached. While restricted, the initial design and random search
    /// draw uniformly without replacement from the candidates not yet tried (candidate k of the
    /// remaining ones for trial id from Rng(derive_seed(seed, {6, id}))), Bayesian optimisation
    /// maximises expected improvement over every remaining candidate (no Sobol pool, no local
    /// refinement), and `ask` throws `SearchSpaceExhausted` once every candidate is within
    /// `min_distance` of a trial. Enqueued configurations are asked as given, candidates or not.
    /// Asked trials carry the candidate's params as the space holds them (as `enqueue`: members
    /// that are not dimensions of the space at `Params{}`'s values). A candidate within
    /// `min_distance` of an earlier one in the list could never be asked: it is dropped (and
    /// counted in the return value). It is not journalled: a tuner re-opened on a journal gets its
    /// candidates from the caller again.
    /// @return the number of candidates kept.
    /// @throws ConfigError when a candidate is outside the space (`SearchSpace::validate`; its
    ///         position is named), or when candidates are given and `min_distance` is 0 (no
    ///         candidate would ever count as tried); nothing is changed then.
    std::size_t set_candidates(const std::vector<Params>& candidates) {
        if (!candidates.empty() && !(*core_.options().min_distance > 0.0))
            throw ConfigError("Tuner::set_candidates(): TunerOptions::min_distance is 0, so a candidate would never count "
                              "as tried and could be asked again; leave min_distance at its default (1e-3 of the encoded "
                              "unit cube's diagonal) or set it > 0");
        Matrix Z(static_cast<Index>(candidates.size()), space_.encoded_size());
        for (std::size_t i = 0; i < candidates.size(); ++i) {
            try {
                space_.validate(candidates[i]);
            } catch (const ConfigError& e) {
                throw ConfigError(fmt::format("Tuner::set_candidates(): candidate {} is outside the space ({})", i, e.what()));
            }
            Z.row(static_cast<Index>(i)) = space_.encode(candidates[i]).transpose();
        }
        const std::vector<Index> keep = core_.distinct_rows(Z);
        std::vector<Params> kept;
        kept.reserve(keep.size());
        for (const Index i : keep) kept.push_back(space_.from_json(space_.to_json(candidates[static_cast<std::size_t>(i)])));
        Matrix kept_z = Z(keep, Eigen::all);
        std::lock_guard lock(core_.mutex());
        cand_params_ = std::move(kept);
        core_.set_candidates(std::move(kept_z));
        return cand_params_.size();
    }

    /// Number of candidates set by `set_candidates` (0: the search is not restricted).
    [[nodiscard]] std::size_t n_candidates() const {
        std::lock_guard lock(core_.mutex());
        return cand_params_.size();
    }

    /// Number of configurations waiting in the enqueue queue.
    [[nodiscard]] std::size_t n_enqueued() const {
        std::lock_guard lock(core_.mutex());
        return queue_.size();
    }

    /// The complete trial with the highest score (the lowest id among equal scores), or none.
    [[nodiscard]] std::optional<Trial<Params>> best() const {
        std::lock_guard lock(core_.mutex());
        const Index id = core_.best_id();
        if (id < 0) return std::nullopt;
        return trial_unlocked(id);
    }

    /// Every trial, in id order, with its state.
    [[nodiscard]] std::vector<Trial<Params>> trials() const {
        std::lock_guard lock(core_.mutex());
        std::vector<Trial<Params>> out;
        out.reserve(static_cast<std::size_t>(core_.size()));
        for (Index id = 0; id < core_.size(); ++id) out.push_back(trial_unlocked(id));
        return out;
    }

    /// The trial with this id. @throws ConfigError when unknown.
    [[nodiscard]] Trial<Params> trial(Index id) const {
        std::lock_guard lock(core_.mutex());
        if (id < 0 || id >= core_.size())
            throw ConfigError(fmt::format("Tuner::trial(): unknown trial id (expected 0 to {}, got {})", core_.size() - 1, id));
        return trial_unlocked(id);
    }

    /// Number of trials asked so far (all states).
    [[nodiscard]] Index size() const {
        std::lock_guard lock(core_.mutex());
        return core_.size();
    }

    /// Run `n_trials` trials of `objective` (maximised), `n_threads` at a time at most.
    ///
    /// Trials are asked in batches of `TunerOptions::batch_size` (the last one smaller), the
    /// batch is evaluated with `parallel_for` on up to `n_threads` threads, and the results are
    /// told in trial-id order once the whole batch is done; then each callback is called with
    /// each told trial, in id order, on the calling thread. So the asked configurations, the
    /// results and the callbacks' calls are the same for every `n_threads` (given an objective
    /// whose value depends only on its argument).
    ///
    /// An objective that throws an exception derived from `std::exception` fails that trial with
    /// the exception's `what()` as reason, and the study goes on; a non-finite return value fails
    /// it too ("objective returned nan"), and so does a value outside `TunerOptions::score_range`
    /// (the batch's other results are told as usual). Exceptions of other types are not caught: they leave
    /// optimize after the batch's workers joined (the batch's trials stay pending and are asked
    /// again by a tuner re-opened on the journal).
    ///
    /// @tparam Objective callable as `double(const Params&)`; called concurrently when
    ///         n_threads > 1, so it must be thread-safe.
    /// @tparam Callbacks each callable as `bool(const Trial<Params>&)` or `void(...)`; returning
    ///         true stops the study after the current batch (ensmallen's convention): the batch's
    ///         remaining results are still told, without further callback calls.
    /// @param n_trials trials to run in this call, ≥ 0 (pending trials re-asked after a resume count).
    /// @param n_threads 0 = all hardware threads, ≥ 1 exactly (core/parallel.hpp).
    /// @return `best()` at the end. Stops early, normally, when the space is exhausted.
    /// @throws ConfigError when n_trials < 0 or n_threads < 0; otherwise as `ask`.
    template <class Objective, class... Callbacks>
    std::optional<Trial<Params>> optimize(Objective&& objective, Index n_trials, Index n_threads = 1,
                                          Callbacks&&... callbacks) {
        static_assert(std::is_invocable_r_v<double, Objective&, const Params&>,
                      "Tuner::optimize(): the objective must be callable as double(const Params&)");
        if (n_trials < 0)
            throw ConfigError(fmt::format("Tuner::optimize(): n_trials out of range (expected >= 0, got {})", n_trials));
        (void)resolve_threads(n_threads, "Tuner::optimize()");
        Index done = 0;
        bool stop = false;
        while (done < n_trials && !stop) {
            const Index want = std::min(core_.options().batch_size, n_trials - done);
            std::vector<Trial<Params>> batch;
            try {
                batch = ask(want);
            } catch (const SearchSpaceExhausted&) {
                break;
            }
            const Index b = static_cast<Index>(batch.size());
            std::vector<double> scores(batch.size(), std::numeric_limits<double>::quiet_NaN());
            std::vector<std::string> errors(batch.size());
            std::vector<char> threw(batch.size(), 0);
            parallel_for(
                b, n_threads,
                [&](Index i) {
                    const auto k = static_cast<std::size_t>(i);
                    try {
                        scores[k] = static_cast<double>(objective(std::as_const(batch[k].params)));
                    } catch (const std::exception& e) {
                        threw[k] = 1;
                        errors[k] = e.what();
                    }
                },
                Schedule::dynamic);
            for (std::size_t k = 0; k < batch.size(); ++k) {
                const Index id = batch[k].id;
                if (threw[k]) tell_failed(id, errors[k]);
                else if (!std::isfinite(scores[k])) tell_failed(id, fmt::format("objective returned {}", scores[k]));
                else if (!core_.in_score_range(scores[k]))
                    tell_failed(id, fmt::format("objective returned {}, outside the study's score range [{}, {}]", scores[k],
                                                core_.options().score_range->first, core_.options().score_range->second));
                else tell(id, scores[k]);
                if (!stop) {
                    const Trial<Params> t = trial(id);
                    bool s = false;
                    ((s = detail::invoke_tuner_callback(callbacks, t) || s), ...);
                    stop = s;
                }
            }
            done += b;
            if (b < want) break;  // exhausted
        }
        return best();
    }

private:
    /// The typed conversions `detail::TunerCore` asks for.
    class Codec final : public detail::TunerCodec {
    public:
        explicit Codec(const SearchSpace<Params>& space, std::vector<Params>* loaded = nullptr)
            : space_(space), loaded_(loaded) {}
        [[nodiscard]] Vector encode_unit(const Vector& u) const override { return space_.encode(space_.from_unit_cube(u)); }
        [[nodiscard]] Vector snap(const Vector& z) const override { return space_.encode(space_.decode(z)); }
        Vector load(const nlohmann::json& params, nlohmann::json& values) override {
            Params p = space_.from_json(params);
            values = space_.to_json(p);
            Vector z = space_.encode(p);
            loaded_->push_back(std::move(p));
            return z;
        }

    private:
        const SearchSpace<Params>& space_;
        std::vector<Params>* loaded_;
    };

    [[nodiscard]] Trial<Params> trial_unlocked(Index id) const {
        const detail::TrialInfo& i = core_.info(id);
        return Trial<Params>{i.id, params_[static_cast<std::size_t>(id)], i.values, i.state, i.score, i.message, i.source};
    }

    [[nodiscard]] Trial<Params> make_trial(Params p, const char* source, Index index) {
        const Vector z = space_.encode(p);
        const Index id = core_.record_ask(z, space_.to_json(p), source, index);
        params_.push_back(std::move(p));
        return trial_unlocked(id);
    }

    [[nodiscard]] Trial<Params> ask_one() {
        if (const Index id = core_.next_reask(); id >= 0) return trial_unlocked(id);
        while (!queue_.empty()) {
            Params p = std::move(queue_.front());
            queue_.pop_front();
            if (core_.far_enough(space_.encode(p))) return make_trial(std::move(p), "enqueued", -1);
            if (core_.options().on_warning)
                core_.options().on_warning(fmt::format("Tuner::ask(): enqueued configuration {} skipped: it is within "
                                                       "min_distance of an earlier trial",
                                                       space_.to_string(p)));
        }
        const Codec codec(space_);
        detail::TunerChoice c = core_.choose(codec);
        switch (c.kind) {
            case detail::TunerChoice::Kind::unit: return make_trial(space_.from_unit_cube(c.point), c.source, c.index);
            case detail::TunerChoice::Kind::encoded: return make_trial(space_.decode(c.point), c.source, c.index);
            case detail::TunerChoice::Kind::candidate: break;
        }
        return make_trial(cand_params_[static_cast<std::size_t>(c.candidate)], c.source, -1);
    }

    SearchSpace<Params> space_;
    detail::TunerCore core_;
    std::vector<Params> params_;       ///< each trial's configuration, by id
    std::deque<Params> queue_;         ///< `enqueue`d configurations
    std::vector<Params> cand_params_;  ///< `set_candidates` (empty: not restricted)
};

}  // namespace metalearn::hpo

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library's instances for the bundled models (core/compiled_instances.hpp).
#define METALEARN_DECLARES_TUNER
#include "metalearn/core/compiled_instances.hpp"
#endif
