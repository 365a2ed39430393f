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
/// factorisation is redone. The schedule depends only on the trial history, never on timing.
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
/// before contexts were recorded) opens with a warning, since it cannot be checked. A recorded
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

#include "metalearn/core/error.hpp"
#include "metalearn/core/parallel.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/core/sobol.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/hpo/tuner_gp.hpp"
#include "metalearn/hpo/tuner_journal.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace metalearn::hpo {

/// No configuration of the space is at least `min_distance` away from every trial: a discrete
/// space has been explored completely (see the file documentation).
class SearchSpaceExhausted : public Error {
public:
    using Error::Error;
};

/// The state of a trial.
enum class TrialState {
    pending,   ///< asked, no result yet
    complete,  ///< told a score (`Tuner::tell`)
    failed,    ///< told a failure (`Tuner::tell_failed`, or the objective threw in `optimize`)
    pruned,    ///< stopped early (`Tuner::tell_pruned`), possibly with the score at its budget
};

/// "pending", "complete", "failed" or "pruned".
[[nodiscard]] inline std::string_view to_string(TrialState s) noexcept {
    switch (s) {
        case TrialState::pending: return "pending";
        case TrialState::complete: return "complete";
        case TrialState::failed: return "failed";
        case TrialState::pruned: return "pruned";
    }
    return "pending";
}

/// How `Tuner` chooses configurations once the initial design is done.
enum class SearchMethod {
    random,    ///< more points of the initial design's sampler (the baseline)
    bayesian,  ///< expected improvement of a surrogate (the default)
};

/// The sampler of the initial design and of random search.
enum class RandomSampler {
    sobol,    ///< scrambled Sobol points (`sobol_points`), spread evenly; uniform when the space has more than 64 dimensions
    uniform,  ///< independent uniform points, point k from Rng(derive_seed(seed, {1, k}))
};

/// How `TunerOptions::prior_mean` is put on the scale of the scores (see the file documentation).
enum class PriorScaling {
    none,    ///< the prior is in score units and used as given
    affine,  ///< a + b·prior(z), a and b ≥ 0 fitted by least squares on the complete trials
};

/// The score given to pending trials when the surrogate is fitted (constant liar).
enum class ConstantLiar {
    best,   ///< the best complete score ("CL-max" for maximisation): batches stay close to the incumbent
    worst,  ///< the worst complete score ("CL-min"): batches spread out more
    mean,   ///< the mean complete score
};

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

/// Settings of `Tuner`; every field has a documented default.
struct TunerOptions {
    SearchMethod method = SearchMethod::bayesian;  ///< after the initial design
    RandomSampler sampler = RandomSampler::sobol;  ///< initial design and random search
    std::uint64_t seed = 0;                        ///< seeds every random choice; recorded in the journal
    /// Trials of the initial design (≥ 0); default max(5, space.size() + 1). With a prior mean,
    /// 0 lets the very first trial maximise the prior.
    std::optional<Index> n_initial{};
    Index n_candidates = 512;   ///< Sobol pool size of the EI maximisation, ≥ 1
    Index n_local_starts = 3;   ///< pool points refined locally (plus the two best trials; 0: no refinement), ≥ 0
    Index n_local_rounds = 4;   ///< rounds of local refinement, ≥ 0
    Index n_local_steps = 8;    ///< perturbations per start and round, ≥ 1
    double xi = 0.0;            ///< EI exploration margin in score units, ≥ 0
    ConstantLiar liar = ConstantLiar::best;
    /// Trials `optimize` asks at once and evaluates in parallel, ≥ 1. Independent of `n_threads`
    /// so that the trials do not depend on the thread count; at least n_threads to use them all.
    Index batch_size = 4;
    /// Smallest Euclidean distance between two trials in the encoding, ≥ 0; default
    /// 10⁻³·√(encoded_size) (10⁻³ of the unit cube's diagonal).
    std::optional<double> min_distance{};
    Index refit_all_until = 30;  ///< surrogate hyperparameters refitted at every ask up to this many complete trials, ≥ 0
    Index refit_interval = 10;   ///< ... then every this many complete trials, ≥ 1
    /// Prior mean of the score as a function of the encoded configuration (length
    /// `encoded_size()`, entries in [0, 1]); the surrogate models y − prior(z). Empty: none. A
    /// warm start plugs a meta-model's prediction in here. Must return finite values (else
    /// `ask` throws DataError) and be safe to call from the thread that calls `ask`.
    std::function<double(const Eigen::VectorXd&)> prior_mean{};
    PriorScaling prior_scaling = PriorScaling::none;  ///< how `prior_mean` is scaled to the scores
    /// β ≥ 0 (finite): with `PriorScaling::affine`, the fitted slope b is multiplied by
    /// β / (β + n − 3) once n ≥ 3 trials are complete, so the prior's weight in the surrogate's
    /// mean falls as the task's own scores accumulate and a prior that is wrong on this task is
    /// overruled (the prior's influence decays as in πBO, Hvarfner et al., ICLR 2022, where it
    /// weighs the acquisition by a power β/n). 0: no decay.
    double prior_decay = 0.0;
    SurrogateFactory surrogate{};  ///< empty: `gp_surrogate()` (ARD Matérn 5/2 GP)
    bool sync_each = false;      ///< fsync the journal after every event
    WarningCallback on_warning{};  ///< torn journal line, skipped enqueued configuration, ...
    /// What the scores are about, as a JSON object of the caller's choosing (e.g. {"dataset":
    /// name, "checksum": `data::table_checksum`, "metric": ..., "folds": ...}), recorded in the
    /// journal's first line and compared, key by key, when a journal is re-opened (see the file
    /// documentation). Null (the default): nothing recorded or checked.
    nlohmann::json context{};
    /// Closed range [lo, hi] of valid scores (e.g. [0, 1] for balanced accuracy): `tell` refuses a
    /// score outside it, and so does the replay of a journal. Empty (the default): any finite score.
    std::optional<std::pair<double, double>> score_range{};
};

namespace detail {

inline std::string_view kind_name(DomainKind k) noexcept {
    switch (k) {
        case DomainKind::uniform: return "uniform";
        case DomainKind::log_uniform: return "log_uniform";
        case DomainKind::int_uniform: return "int_uniform";
        case DomainKind::int_log_uniform: return "int_log_uniform";
        case DomainKind::categorical: return "categorical";
    }
    return "uniform";
}

/// The space as recorded in a journal: [{name, kind, lo, hi[, labels]}...].
template <class Params>
nlohmann::json space_to_json(const SearchSpace<Params>& space) {
    nlohmann::json out = nlohmann::json::array();
    for (Index i = 0; i < space.size(); ++i) {
        const Dimension& d = space.dimension(i);
        nlohmann::json j = {{"name", d.name}, {"kind", kind_name(d.kind)}};
        if (d.is_categorical()) j["labels"] = d.labels;
        else {
            j["lo"] = d.lo;
            j["hi"] = d.hi;
        }
        out.push_back(std::move(j));
    }
    return out;
}

inline std::optional<TrialState> state_from_string(const std::string& s) {
    if (s == "complete") return TrialState::complete;
    if (s == "failed") return TrialState::failed;
    if (s == "pruned") return TrialState::pruned;
    return std::nullopt;
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
/// Scores are maximised.
/// @tparam Params the configuration type bound by the space (default-constructible, copyable).
template <class Params>
class Tuner {
public:
    using params_type = Params;
    using trial_type = Trial<Params>;

    /// A study kept in memory only.
    /// @throws ConfigError when the space is empty or an option is out of range.
    explicit Tuner(SearchSpace<Params> space, TunerOptions options = {}) : space_(std::move(space)), o_(std::move(options)) {
        init();
    }

    /// A study recorded in (and resumed from) the journal at `journal`: created when missing,
    /// replayed when it exists (see the file documentation).
    /// @throws ConfigError when the space is empty, an option is out of range, or the journal was
    ///         written for another space, seed, context or score range (the message names both
    ///         sides); IoError when the journal cannot be opened or another tuner holds it;
    ///         ParseError (file, line) when a line is not a valid event or records a score
    ///         outside `score_range` (a torn last line is skipped with a warning instead).
    Tuner(SearchSpace<Params> space, const std::filesystem::path& journal, TunerOptions options = {})
        : space_(std::move(space)), o_(std::move(options)) {
        init();
        journal_ = TunerJournal(journal, o_.on_warning, o_.sync_each);
        replay();
    }

    Tuner(const Tuner&) = delete;
    Tuner& operator=(const Tuner&) = delete;
    Tuner(Tuner&&) noexcept = default;
    Tuner& operator=(Tuner&&) noexcept = default;

    /// The search space.
    [[nodiscard]] const SearchSpace<Params>& space() const noexcept { return space_; }
    /// The options (with `n_initial` and `min_distance` resolved).
    [[nodiscard]] const TunerOptions& options() const noexcept { return o_; }

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
        std::lock_guard lock(*mutex_);
        return ask_one();
    }

    /// Ask for `n` trials at once, for parallel workers: distinct (at least `min_distance`
    /// apart), each chosen knowing the ones before it through the constant liar.
    /// @return n trials; fewer only when the space is exhausted after at least one.
    /// @throws ConfigError when n < 1; SearchSpaceExhausted when not even one trial is left;
    ///         otherwise as `ask()` (trials asked before the error stay pending, in the journal).
    [[nodiscard]] std::vector<Trial<Params>> ask(Index n) {
        if (n < 1) throw ConfigError(fmt::format("Tuner::ask(): batch size out of range (expected >= 1, got {})", n));
        std::lock_guard lock(*mutex_);
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
        std::lock_guard lock(*mutex_);
        check_pending(id, "tell");
        if (!std::isfinite(score))
            throw DataError(fmt::format("Tuner::tell(): score of trial {} must be finite (got {}); report a failed "
                                        "evaluation with tell_failed",
                                        id, score));
        check_score_range(score, id, "tell");
        journal_.append({{"event", "tell"}, {"id", id}, {"state", "complete"}, {"score", score}});
        auto& t = trials_[static_cast<std::size_t>(id)];
        t.state = TrialState::complete;
        t.score = score;
        ++n_complete_;
    }

    /// Record that a pending trial failed; it is never asked again and the surrogate ignores it.
    /// Bytes of `reason` that are not valid UTF-8 are replaced by U+FFFD.
    /// @throws ConfigError when `id` is unknown or not pending; IoError when the write fails.
    void tell_failed(Index id, std::string reason) {
        // an exception's message need not be UTF-8 (a path, a locale's text): invalid bytes
        // become U+FFFD, so the journal line can be written and reads back the same
        reason = valid_utf8(reason);
        std::lock_guard lock(*mutex_);
        check_pending(id, "tell_failed");
        journal_.append({{"event", "tell"}, {"id", id}, {"state", "failed"}, {"reason", reason}});
        auto& t = trials_[static_cast<std::size_t>(id)];
        t.state = TrialState::failed;
        t.message = std::move(reason);
    }

    /// Record that a pending trial was stopped early, optionally with its score at the budget it
    /// reached; it is never asked again and the surrogate ignores it.
    /// @throws ConfigError when `id` is unknown or not pending; DataError when the score is given
    ///         and not finite or outside `TunerOptions::score_range`; IoError when the write fails.
    void tell_pruned(Index id, std::optional<double> score_at_budget = std::nullopt) {
        std::lock_guard lock(*mutex_);
        check_pending(id, "tell_pruned");
        if (score_at_budget && !std::isfinite(*score_at_budget))
            throw DataError(fmt::format("Tuner::tell_pruned(): score of trial {} must be finite (got {})", id, *score_at_budget));
        if (score_at_budget) check_score_range(*score_at_budget, id, "tell_pruned");
        nlohmann::json e = {{"event", "tell"}, {"id", id}, {"state", "pruned"}};
        e["score"] = score_at_budget ? nlohmann::json(*score_at_budget) : nlohmann::json(nullptr);
        journal_.append(e);
        auto& t = trials_[static_cast<std::size_t>(id)];
        t.state = TrialState::pruned;
        t.score = score_at_budget;
    }

    /// Queue a configuration to be asked before any generated one (after re-asked pending
    /// trials), in the order of the calls. At its turn it is skipped, with a warning, when it is
    /// closer than `min_distance` to an existing trial — so enqueuing the same warm-start
    /// configurations again after a resume asks only those not tried yet. The queue is not
    /// journalled.
    /// @throws ConfigError when a member is outside the space (`SearchSpace::validate`).
    void enqueue(const Params& params) {
        space_.validate(params);
        std::lock_guard lock(*mutex_);
        queue_.push_back(params);
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
        std::lock_guard lock(*mutex_);
        o_.prior_mean = std::move(prior);
        o_.prior_scaling = scaling;
        o_.prior_decay = decay;
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
    /// Asked trials carry the candidate's params exactly as given here. A candidate within
    /// `min_distance` of an earlier one in the list could never be asked: it is dropped (and
    /// counted in the return value). It is not journalled: a tuner re-opened on a journal gets its
    /// candidates from the caller again.
    /// @return the number of candidates kept.
    /// @throws ConfigError when a candidate is outside the space (`SearchSpace::validate`; its
    ///         position is named); nothing is changed then.
    std::size_t set_candidates(const std::vector<Params>& candidates) {
        Matrix Z(static_cast<Index>(candidates.size()), space_.encoded_size());
        std::vector<Params> kept;
        const double md2 = *o_.min_distance * *o_.min_distance;
        for (std::size_t i = 0; i < candidates.size(); ++i) {
            try {
                space_.validate(candidates[i]);
            } catch (const ConfigError& e) {
                throw ConfigError(fmt::format("Tuner::set_candidates(): candidate {} is outside the space ({})", i, e.what()));
            }
            const Vector z = space_.encode(candidates[i]);
            const auto n = static_cast<Index>(kept.size());
            if (n > 0 && ((Z.topRows(n).rowwise() - z.transpose()).rowwise().squaredNorm().array() < md2).any()) continue;
            Z.row(n) = z.transpose();
            kept.push_back(candidates[i]);
        }
        Z.conservativeResize(static_cast<Index>(kept.size()), Eigen::NoChange);
        std::lock_guard lock(*mutex_);
        cand_params_ = std::move(kept);
        cand_ = std::move(Z);
        return cand_params_.size();
    }

    /// Number of candidates set by `set_candidates` (0: the search is not restricted).
    [[nodiscard]] std::size_t n_candidates() const {
        std::lock_guard lock(*mutex_);
        return cand_params_.size();
    }

    /// Number of configurations waiting in the enqueue queue.
    [[nodiscard]] std::size_t n_enqueued() const {
        std::lock_guard lock(*mutex_);
        return queue_.size();
    }

    /// The complete trial with the highest score (the lowest id among equal scores), or none.
    [[nodiscard]] std::optional<Trial<Params>> best() const {
        std::lock_guard lock(*mutex_);
        return best_unlocked();
    }

    /// Every trial, in id order, with its state.
    [[nodiscard]] std::vector<Trial<Params>> trials() const {
        std::lock_guard lock(*mutex_);
        return trials_;
    }

    /// The trial with this id. @throws ConfigError when unknown.
    [[nodiscard]] Trial<Params> trial(Index id) const {
        std::lock_guard lock(*mutex_);
        if (id < 0 || id >= static_cast<Index>(trials_.size()))
            throw ConfigError(fmt::format("Tuner::trial(): unknown trial id (expected 0 to {}, got {})",
                                          static_cast<Index>(trials_.size()) - 1, id));
        return trials_[static_cast<std::size_t>(id)];
    }

    /// Number of trials asked so far (all states).
    [[nodiscard]] Index size() const {
        std::lock_guard lock(*mutex_);
        return static_cast<Index>(trials_.size());
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
    /// it too ("objective returned nan"). Exceptions of other types are not caught: they leave
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
            const Index want = std::min(o_.batch_size, n_trials - done);
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
    static constexpr Index enumerate_limit = Index{1} << 16;
    static constexpr int max_generate_tries = 4096;

    void init() {
        mutex_ = std::make_unique<std::mutex>();
        if (space_.empty()) throw ConfigError("Tuner::Tuner(): the search space is empty (expected at least one dimension)");
        const Index D = space_.encoded_size();
        if (!o_.n_initial) o_.n_initial = std::max<Index>(5, space_.size() + 1);
        if (!o_.min_distance) o_.min_distance = 1e-3 * std::sqrt(static_cast<double>(D));
        if (*o_.n_initial < 0 || o_.n_candidates < 1 || o_.n_local_starts < 0 || o_.n_local_rounds < 0 ||
            o_.n_local_steps < 1 || !(o_.xi >= 0) || !std::isfinite(o_.xi) || o_.batch_size < 1 ||
            !(*o_.min_distance >= 0) || !std::isfinite(*o_.min_distance) || o_.refit_all_until < 0 || o_.refit_interval < 1)
            throw ConfigError(fmt::format(
                "Tuner::Tuner(): option out of range (expected n_initial >= 0, n_candidates >= 1, n_local_starts >= 0, "
                "n_local_rounds >= 0, n_local_steps >= 1, finite xi >= 0, batch_size >= 1, finite min_distance >= 0, "
                "refit_all_until >= 0, refit_interval >= 1; got {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
                *o_.n_initial, o_.n_candidates, o_.n_local_starts, o_.n_local_rounds, o_.n_local_steps, o_.xi, o_.batch_size,
                *o_.min_distance, o_.refit_all_until, o_.refit_interval));
        if (!(o_.prior_decay >= 0.0) || !std::isfinite(o_.prior_decay))
            throw ConfigError(fmt::format("Tuner::Tuner(): prior_decay must be finite and >= 0 (got {})", o_.prior_decay));
        if (o_.score_range && !(std::isfinite(o_.score_range->first) && std::isfinite(o_.score_range->second) &&
                                o_.score_range->first <= o_.score_range->second))
            throw ConfigError(fmt::format("Tuner::Tuner(): score_range must be finite with lo <= hi (got [{}, {}])",
                                          o_.score_range->first, o_.score_range->second));
        if (!o_.context.is_null() && !o_.context.is_object())
            throw ConfigError(fmt::format("Tuner::Tuner(): context must be a JSON object or null (got {})",
                                          o_.context.type_name()));
        if (!o_.surrogate) o_.surrogate = gp_surrogate();
        Z_.resize(16, D);
        // A fixed direction in general position (weights 1 + frac(k·golden ratio), normalised),
        // for `near_trials`: distinct grid points rarely share a projection.
        direction_.resize(D);
        for (Index k = 0; k < D; ++k) {
            const double g = static_cast<double>(k + 1) * 0.6180339887498949;
            direction_[k] = 1.0 + (g - std::floor(g));
        }
        direction_.normalize();
        // Discrete spaces small enough to list: every configuration, encoded.
        double count = 1;
        bool discrete = true;
        for (Index i = 0; i < space_.size(); ++i) {
            const Dimension& d = space_.dimension(i);
            if (d.is_categorical()) count *= static_cast<double>(d.labels.size());
            else if (d.is_integer()) count *= d.hi - d.lo + 1;
            else discrete = false;
        }
        enumerable_ = discrete && count <= static_cast<double>(enumerate_limit);
    }

    // ------------------------------------------------------------------ journal replay

    [[nodiscard]] nlohmann::json study_event() const {
        nlohmann::json e = {{"event", "study"},
                            {"format", "metalearn.tuner"},
                            {"version", 1},
                            {"seed", o_.seed},
                            {"space", detail::space_to_json(space_)}};
        if (!o_.context.is_null()) e["context"] = o_.context;
        if (o_.score_range) e["score_range"] = {o_.score_range->first, o_.score_range->second};
        return e;
    }

    void check_score_range(double score, Index id, const char* fn) const {
        if (o_.score_range && (score < o_.score_range->first || score > o_.score_range->second))
            throw DataError(fmt::format("Tuner::{}(): score of trial {} is outside the study's score range (expected "
                                        "[{}, {}], got {})",
                                        fn, id, o_.score_range->first, o_.score_range->second, score));
    }

    /// The journal's context against this tuner's: ConfigError listing the keys that differ.
    void check_context(const nlohmann::json& head, const std::string& file) const {
        if (o_.context.is_null()) return;
        if (!head.contains("context")) {
            if (o_.on_warning)
                o_.on_warning(fmt::format(
                    "Tuner: journal '{}' records no study context (written by an older version, or by a program that "
                    "set no TunerOptions::context): it cannot be "
                    "checked that its trials were scored on the same data and metric as this run ({}); resuming it",
                    file, o_.context.dump()));
            return;
        }
        const nlohmann::json& theirs = head["context"];
        if (theirs == o_.context) return;
        std::vector<std::string> diffs;
        if (theirs.is_object()) {
            for (const auto& [key, value] : o_.context.items()) {
                const nlohmann::json other = theirs.contains(key) ? theirs[key] : nlohmann::json("(not recorded)");
                if (other != value) diffs.push_back(fmt::format("{}: journal {}, this run {}", key, other.dump(), value.dump()));
            }
            for (const auto& [key, value] : theirs.items())
                if (!o_.context.contains(key))
                    diffs.push_back(fmt::format("{}: journal {}, this run (not given)", key, value.dump()));
        } else {
            diffs.push_back(fmt::format("journal {}, this run {}", theirs.dump(), o_.context.dump()));
        }
        throw ConfigError(fmt::format(
            "Tuner::Tuner(): journal '{}' was written for another study ({}); its scores do not apply to this one: "
            "resume it with the data and settings it was written for, or start a new study with another journal file",
            file, fmt::join(diffs, "; ")));
    }

    void replay() {
        const auto& lines = journal_.loaded();
        const std::string file = journal_.path().string();
        if (lines.empty()) {
            journal_.append(study_event());
            return;
        }
        const auto bad = [&](std::size_t line, const std::string& what) {
            return ParseError(file, line, 1, fmt::format("Tuner: {}", what));
        };
        const auto& head = lines.front();
        if (head.event.value("event", "") != "study" || head.event.value("format", "") != "metalearn.tuner")
            throw bad(head.line, "not a tuner journal (expected a first line {\"event\": \"study\", \"format\": \"metalearn.tuner\", ...})");
        if (head.event.value("version", nlohmann::json()) != nlohmann::json(1))
            throw ConfigError(fmt::format("Tuner::Tuner(): journal '{}' has format version {} (this library reads "
                                          "version 1); use the library version that wrote it, or another journal",
                                          file, head.event.value("version", nlohmann::json()).dump()));
        const nlohmann::json mine = detail::space_to_json(space_);
        if (head.event.value("space", nlohmann::json()) != mine)
            throw ConfigError(fmt::format("Tuner::Tuner(): journal '{}' was written for another search space (journal: {}; "
                                          "this tuner: {}); use another journal for a different space",
                                          file, head.event.value("space", nlohmann::json()).dump(), mine.dump()));
        if (!head.event.contains("seed") || !head.event["seed"].is_number_unsigned() ||
            head.event["seed"].get<std::uint64_t>() != o_.seed)
            throw ConfigError(fmt::format("Tuner::Tuner(): journal '{}' was written with seed {} (this tuner: {}); "
                                          "re-open it with the same seed",
                                          file, head.event.value("seed", nlohmann::json()).dump(), o_.seed));
        check_context(head.event, file);
        {
            const nlohmann::json mine_range = o_.score_range ? nlohmann::json{o_.score_range->first, o_.score_range->second}
                                                             : nlohmann::json();
            const nlohmann::json theirs_range = head.event.value("score_range", nlohmann::json());
            if (!theirs_range.is_null() && !mine_range.is_null() && theirs_range != mine_range)
                throw ConfigError(fmt::format("Tuner::Tuner(): journal '{}' was written with score range {} (this tuner: "
                                              "{}); use another journal for a different metric",
                                              file, theirs_range.dump(), mine_range.dump()));
        }
        for (std::size_t k = 1; k < lines.size(); ++k) {
            const auto& [line, e] = lines[k];
            try {
                const std::string kind = e.at("event").get<std::string>();
                if (kind != "ask" && kind != "tell")
                    throw bad(line, fmt::format("unknown event '{}' (expected ask or tell)", kind));
                if (!e.at("id").is_number_integer())
                    throw bad(line, fmt::format("trial id {} is not an integer", e.at("id").dump()));
                const Index id = e.at("id").get<Index>();
                if (kind == "ask") {
                    if (id != static_cast<Index>(trials_.size()))
                        throw bad(line, fmt::format("ask of trial {} out of order (expected id {})", id, trials_.size()));
                    Trial<Params> t;
                    t.id = id;
                    t.params = space_.from_json(e.at("params"));
                    t.values = space_.to_json(t.params);
                    // every searched dimension must be on the line: a missing one would silently
                    // take the default and be paired with a score measured elsewhere
                    for (const auto& item : t.values.items())
                        if (!e["params"].contains(item.key()))
                            throw bad(line, fmt::format("ask of trial {} has no value for '{}' (expected every "
                                                        "dimension of the search space)",
                                                        id, item.key()));
                    t.source = e.at("source").get<std::string>();
                    if (e.contains("index")) {
                        // an ask draws at most 2 · max_generate_tries positions of the sequence
                        const Index limit = (id + 1) * 2 * max_generate_tries;
                        const nlohmann::json& ij = e["index"];
                        if (!ij.is_number_integer() || ij.get<Index>() < 0 || ij.get<Index>() >= limit)
                            throw bad(line, fmt::format("ask of trial {} has sequence index {} (expected an integer "
                                                        "from 0 to {})",
                                                        id, ij.dump(), limit - 1));
                        generated_ = std::max(generated_, ij.get<Index>() + 1);
                    }
                    add_trial(std::move(t));
                } else if (kind == "tell") {
                    if (id < 0 || id >= static_cast<Index>(trials_.size()))
                        throw bad(line, fmt::format("tell of unknown trial {}", id));
                    auto& t = trials_[static_cast<std::size_t>(id)];
                    if (t.state != TrialState::pending) throw bad(line, fmt::format("trial {} told twice", id));
                    const auto state = detail::state_from_string(e.at("state").get<std::string>());
                    if (!state) throw bad(line, fmt::format("unknown state '{}'", e.at("state").get<std::string>()));
                    const nlohmann::json& s = e.contains("score") ? e["score"] : nlohmann::json(nullptr);
                    if (*state == TrialState::complete || !s.is_null()) {
                        const double v = s.get<double>();
                        if (!std::isfinite(v)) throw bad(line, "non-finite score");
                        if (o_.score_range && (v < o_.score_range->first || v > o_.score_range->second))
                            throw bad(line, fmt::format(
                                "score {} of trial {} is outside the study's score range [{}, {}] (a line edited or "
                                "written by another program); the journal is left untouched: correct or delete line "
                                "{} to resume it (its other lines are kept), or start a new study with another journal",
                                v, id, o_.score_range->first, o_.score_range->second, line));
                        t.score = v;
                    }
                    if (*state == TrialState::failed) t.message = e.value("reason", "");
                    t.state = *state;
                    if (*state == TrialState::complete) ++n_complete_;
                }
            } catch (const nlohmann::json::exception& ex) {
                throw bad(line, fmt::format("invalid event ({})", ex.what()));
            } catch (const ConfigError& ex) {
                throw bad(line, fmt::format("invalid params ({})", ex.what()));
            }
        }
        for (const auto& t : trials_)
            if (t.state == TrialState::pending) reask_.push_back(t.id);
        journal_.release_loaded();
    }

    // ------------------------------------------------------------------------ helpers

    void check_pending(Index id, const char* fn) const {
        if (id < 0 || id >= static_cast<Index>(trials_.size()))
            throw ConfigError(fmt::format("Tuner::{}(): unknown trial id {} (expected 0 to {})", fn, id,
                                          static_cast<Index>(trials_.size()) - 1));
        const auto& t = trials_[static_cast<std::size_t>(id)];
        if (t.state != TrialState::pending)
            throw ConfigError(fmt::format("Tuner::{}(): trial {} was already told (state {})", fn, id, to_string(t.state)));
    }

    [[nodiscard]] std::optional<Trial<Params>> best_unlocked() const {
        const Trial<Params>* b = nullptr;
        for (const auto& t : trials_)
            if (t.state == TrialState::complete && (!b || *t.score > *b->score)) b = &t;
        if (!b) return std::nullopt;
        return *b;
    }

    void add_trial(Trial<Params> t) {
        const Index n = static_cast<Index>(trials_.size());
        if (n >= Z_.rows()) Z_.conservativeResize(2 * Z_.rows(), Eigen::NoChange);
        Z_.row(n) = space_.encode(t.params).transpose();
        const std::pair<double, Index> p{Z_.row(n).dot(direction_), n};
        projections_.insert(std::upper_bound(projections_.begin(), projections_.end(), p), p);
        trials_.push_back(std::move(t));
    }

    /// Whether a trial is closer than `min_distance` to the encoded configuration c (D):
    /// ‖c − t‖² < min_distance², Euclidean in the encoding (never with min_distance 0). Only the
    /// trials whose projection on a fixed unit direction u lies within min_distance of c's are
    /// compared (|uᵀ(c − t)| ≤ ‖c − t‖), found by binary search in the trials sorted by
    /// projection: O(log n) for trials that do not crowd one projection, instead of O(n·D).
    [[nodiscard]] bool is_near(const Eigen::Ref<const RowVector, 0, Eigen::InnerStride<>>& c) const {
        const double md = *o_.min_distance;
        if (trials_.empty() || !(md > 0.0)) return false;
        const double window = md * (1.0 + 1e-9) + 1e-12;  // beyond the rounding of the projections
        const double p = c.dot(direction_.transpose());
        auto it = std::lower_bound(projections_.begin(), projections_.end(), p - window,
                                   [](const std::pair<double, Index>& x, double v) { return x.first < v; });
        for (; it != projections_.end() && it->first <= p + window; ++it)
            if ((c - Z_.row(it->second)).squaredNorm() < md * md) return true;
        return false;
    }

    /// For each row of C (m×D): 1 when it `is_near` a trial, else 0.
    [[nodiscard]] std::vector<char> near_trials(const Matrix& C) const {
        std::vector<char> out(static_cast<std::size_t>(C.rows()), 0);
        for (Index i = 0; i < C.rows(); ++i) out[static_cast<std::size_t>(i)] = is_near(C.row(i)) ? 1 : 0;
        return out;
    }

    /// Indices of the rows of C (m×D) that are not near any trial, ascending.
    [[nodiscard]] std::vector<Index> far_rows(const Matrix& C) const {
        std::vector<Index> keep;
        for (Index i = 0; i < C.rows(); ++i)
            if (!is_near(C.row(i))) keep.push_back(i);
        return keep;
    }

    [[nodiscard]] bool far_enough(const Vector& z) const { return !is_near(z.transpose()); }

    /// Point k of the initial design's sequence, in [0, 1)^size().
    [[nodiscard]] Vector unit_point(Index k) {
        const Index d = space_.size();
        if (o_.sampler == RandomSampler::sobol && d <= sobol_max_dimensions) {
            if (k >= sobol_.rows()) sobol_ = sobol_points(std::max<Index>({64, 2 * sobol_.rows(), k + 1}), d, derive_seed(o_.seed, {0}));
            return sobol_.row(k).transpose();
        }
        Rng rng(derive_seed(o_.seed, {1, static_cast<std::uint64_t>(k)}));
        Vector u(d);
        for (Index j = 0; j < d; ++j) u[j] = rng.uniform();
        return u;
    }

    /// Every configuration of an enumerable space, encoded (rows), built on first use.
    const Matrix& all_configs() {
        if (all_.rows() > 0) return all_;
        Index total = 1;
        for (Index i = 0; i < space_.size(); ++i) {
            const Dimension& d = space_.dimension(i);
            total *= d.is_categorical() ? static_cast<Index>(d.labels.size()) : static_cast<Index>(d.hi - d.lo + 1);
        }
        const Index D = space_.encoded_size();
        all_ = Matrix::Zero(total, D);
        for (Index r = 0; r < total; ++r) {  // first dimension varying slowest
            Index rest = r;
            Index c = 0;
            std::vector<Index> digit(static_cast<std::size_t>(space_.size()));
            for (Index i = space_.size() - 1; i >= 0; --i) {
                const Dimension& d = space_.dimension(i);
                const Index k = d.is_categorical() ? static_cast<Index>(d.labels.size()) : static_cast<Index>(d.hi - d.lo + 1);
                digit[static_cast<std::size_t>(i)] = rest % k;
                rest /= k;
            }
            for (Index i = 0; i < space_.size(); ++i) {
                const Dimension& d = space_.dimension(i);
                const Index v = digit[static_cast<std::size_t>(i)];
                if (d.is_categorical()) {
                    all_(r, c + v) = 1.0;
                    c += static_cast<Index>(d.labels.size());
                } else {
                    const double value = d.lo + static_cast<double>(v);
                    all_(r, c++) = std::clamp(space_detail_to_unit(d, value), 0.0, 1.0);
                }
            }
        }
        return all_;
    }

    static double space_detail_to_unit(const Dimension& d, double v) {
        return d.is_log() ? (std::log(v) - std::log(d.lo)) / (std::log(d.hi) - std::log(d.lo)) : (v - d.lo) / (d.hi - d.lo);
    }

    /// The remaining configurations of an enumerable space (encoded rows far enough from every trial).
    [[nodiscard]] Matrix remaining_configs() {
        const Matrix& all = all_configs();
        return all(far_rows(all), Eigen::all);
    }

    /// Indices of the candidates (`set_candidates`) far enough from every trial, ascending.
    [[nodiscard]] std::vector<Index> remaining_candidates() const { return far_rows(cand_); }

    [[nodiscard]] SearchSpaceExhausted exhausted() const {
        if (!cand_params_.empty())
            return SearchSpaceExhausted(fmt::format(
                "Tuner::ask(): all {} candidates (set_candidates) are within min_distance = {} of a trial: every "
                "candidate has been tried",
                cand_params_.size(), *o_.min_distance));
        return SearchSpaceExhausted(fmt::format(
            "Tuner::ask(): no configuration is at least min_distance = {} from all {} trials: the search space is "
            "exhausted",
            *o_.min_distance, trials_.size()));
    }

    /// The next configuration of the initial design's sequence that is far enough from every
    /// trial; `index` receives its position in the sequence.
    [[nodiscard]] Params next_generated(Index& index, Index id) {
        for (int tries = 0; tries < max_generate_tries; ++tries) {
            const Index k = generated_++;
            Params p = space_.from_unit_cube(unit_point(k));
            if (far_enough(space_.encode(p))) {
                index = k;
                return p;
            }
            if (enumerable_ && tries >= 64) break;  // small discrete space: look at the list instead
        }
        index = -1;
        if (enumerable_) {
            const Matrix rest = remaining_configs();
            if (rest.rows() == 0) throw exhausted();
            Rng rng(derive_seed(o_.seed, {3, static_cast<std::uint64_t>(id)}));
            const auto pick = static_cast<Index>(rng.uniform_index(static_cast<std::uint64_t>(rest.rows())));
            return space_.decode(rest.row(pick).transpose());
        }
        throw exhausted();
    }

    /// The prior mean as given, checked finite.
    [[nodiscard]] double raw_prior_at(const Vector& z) const {
        const double v = o_.prior_mean(z);
        if (!std::isfinite(v))
            throw DataError(fmt::format("Tuner::ask(): the prior mean returned {} (expected a finite value)", v));
        return v;
    }

    /// The prior mean on the scale of the scores (`prior_a_ + prior_b_ · prior`).
    [[nodiscard]] double prior_at(const Vector& z) const {
        return prior_b_ == 0.0 ? prior_a_ : prior_a_ + prior_b_ * raw_prior_at(z);  // an ignored prior is not evaluated
    }

    /// `prior_a_`, `prior_b_` for the next ask (`PriorScaling`; see the file documentation).
    void scale_prior() {
        prior_a_ = 0.0;
        prior_b_ = 1.0;
        if (!o_.prior_mean || o_.prior_scaling == PriorScaling::none || n_complete_ == 0) return;
        prior_b_ = 0.0;
        if (n_complete_ < 3) return;
        double sp = 0, sy = 0, spp = 0, spy = 0;
        for (const auto& t : trials_)
            if (t.state == TrialState::complete) {
                const double p = raw_prior_at(Z_.row(t.id).transpose());
                sp += p;
                sy += *t.score;
                spp += p * p;
                spy += p * *t.score;
            }
        const auto n = static_cast<double>(n_complete_);
        const double var = spp / n - (sp / n) * (sp / n);
        const double cov = spy / n - (sp / n) * (sy / n);
        if (var > 1e-12 * std::max(1.0, spp / n)) prior_b_ = std::max(0.0, cov / var);
        if (o_.prior_decay > 0.0) prior_b_ *= o_.prior_decay / (o_.prior_decay + n - 3.0);
        prior_a_ = sy / n - prior_b_ * sp / n;
    }

    /// Predictive mean and standard deviation (score units) at the rows of C; `state` as fitted
    /// by `fit_surrogate`.
    struct Fitted {
        bool prior_only = true;  ///< no training rows: mean = prior, std = 0
        double shift = 0.0;
        double scale = 1.0;
        double best = -std::numeric_limits<double>::infinity();
    };

    void predict(const Fitted& f, const Matrix& C, Vector& mean, Vector& sd) const {
        mean = Vector::Zero(C.rows());
        sd = Vector::Zero(C.rows());
        if (!f.prior_only) {
            constexpr Index block = predict_block;
            Vector m;
            Vector s;
            for (Index start = 0; start < C.rows(); start += block) {
                const Index len = std::min(block, C.rows() - start);
                surrogate_->predict(C.middleRows(start, len), m, s);
                mean.segment(start, len) = (m.array() * f.scale + f.shift).matrix();
                sd.segment(start, len) = s * f.scale;
            }
        }
        if (o_.prior_mean)
            for (Index i = 0; i < C.rows(); ++i) mean[i] += prior_at(C.row(i).transpose());
    }

    /// Upper bound of the expected improvement (as `expected_improvement` computes it) of a
    /// candidate with mean `mu` whose standard deviation is at most `sd_bound` (score units). EI
    /// increases with σ; its computed value at the bound, raised by a relative 10⁻⁹ (far above its
    /// rounding error, at most about z²·10⁻¹⁶ for z ≥ −30), bounds the computed value at any
    /// smaller σ. Below z = −30 the EI is at most σφ(z) < σ·2·10⁻¹⁹⁶, which is added as the bound
    /// there (where rounding may dominate the tiny EI).
    [[nodiscard]] double ei_upper_bound(double mu, double sd_bound, double best) const {
        const double ei = expected_improvement(mu, sd_bound, best, o_.xi);
        const double gain = mu - best - o_.xi;
        if (sd_bound > 0.0 && std::isfinite(sd_bound) && std::isfinite(gain) && gain / sd_bound < -30.0)
            return std::max(ei * (1.0 + 1e-9), sd_bound * 2e-196);
        return ei * (1.0 + 1e-9);
    }

    /// Mean, standard-deviation bound and EI bound (score units, each len) at the rows of a block
    /// of at most 64 candidates; `sd_raw` receives the surrogate's bound in its own units, and
    /// `scratch` what `block_ei` needs.
    void block_bounds(const Fitted& f, const Matrix& block, Vector& mean, Vector& sd_raw, Vector& upper,
                      PredictScratch& scratch) {
        Vector m;
        surrogate_->predict_mean(block, m, sd_raw, scratch);
        mean = (m.array() * f.scale + f.shift).matrix();
        if (o_.prior_mean)
            for (Index i = 0; i < block.rows(); ++i) mean[i] += prior_at(block.row(i).transpose());
        const Vector sd = sd_raw * f.scale;
        upper.resize(block.rows());
        for (Index i = 0; i < block.rows(); ++i) upper[i] = ei_upper_bound(mean[i], sd[i], f.best);
    }

    /// The expected improvement at the given rows of the `block_bounds` block that filled
    /// `scratch` (each rows.size()): the same numbers as `acquisition`.
    void block_ei(const Fitted& f, const Vector& mean, const Vector& sd_raw, const std::vector<Index>& rows, Vector& a,
                  PredictScratch& scratch) {
        Vector s;
        surrogate_->predict_std(scratch, sd_raw, rows, s);
        const Vector sd = s * f.scale;
        a.resize(static_cast<Index>(rows.size()));
        for (std::size_t k = 0; k < rows.size(); ++k)
            a[static_cast<Index>(k)] = expected_improvement(mean[rows[k]], sd[static_cast<Index>(k)], f.best, o_.xi);
    }

    /// The first min(k, m) rows of the pool (m×D) by expected improvement, best first, with their
    /// EIs, ties to the lower index: the head of a stable sort of all EIs, descending. The means
    /// and EI bounds (`ei_upper_bound`) of the whole pool come first, in blocks as `predict`
    /// computes them; the exact standard deviation is then computed only for candidates whose
    /// bound can still reach the k-th best EI found so far, best bounds of the whole pool first,
    /// four rows of one block at a time. A candidate waits in its block's group until the group
    /// has four or no candidate with a higher bound is left, and is dropped if the k-th best EI
    /// has passed its bound by then; every EI computed is exact, so the result is the same
    /// whatever the order.
    [[nodiscard]] std::vector<std::pair<double, Index>> top_candidates(const Fitted& f, const Matrix& pool, Index k) {
        std::vector<std::pair<double, Index>> top;  // (EI, row), EI descending then row ascending
        const auto before = [](const std::pair<double, Index>& x, const std::pair<double, Index>& y) {
            return x.first > y.first || (x.first == y.first && x.second < y.second);
        };
        constexpr Index block = predict_block;  // as `predict`, so the means are the same numbers
        const Index n_blocks = (pool.rows() + block - 1) / block;
        const auto nb = static_cast<std::size_t>(n_blocks);
        if (pool_scratch_.size() < nb) pool_scratch_.resize(nb);
        std::vector<Vector> mean(nb), sd_raw(nb), upper(nb);
        for (Index b = 0; b < n_blocks; ++b) {
            const auto ub = static_cast<std::size_t>(b);
            const Index start = b * block;
            const Index len = std::min(block, pool.rows() - start);
            block_bounds(f, pool.middleRows(start, len), mean[ub], sd_raw[ub], upper[ub], pool_scratch_[ub]);
        }
        const auto bound = [&](Index g) { return upper[static_cast<std::size_t>(g / block)][g % block]; };
        std::vector<Index> order(static_cast<std::size_t>(pool.rows()));  // pool rows by bound, descending
        std::iota(order.begin(), order.end(), Index{0});
        std::sort(order.begin(), order.end(),
                  [&](Index x, Index y) { return bound(x) > bound(y) || (bound(x) == bound(y) && x < y); });
        const auto threshold = [&] {
            return static_cast<Index>(top.size()) < k ? -std::numeric_limits<double>::infinity() : top.back().first;
        };
        std::vector<std::vector<Index>> waiting(nb);  // rows of each block (block-local) not yet evaluated
        std::vector<Index> rows;
        Vector a;
        const auto evaluate = [&](std::size_t b) {  // the waiting rows of block b still above the threshold
            rows.clear();
            const double t = threshold();
            for (const Index r : waiting[b])
                if (!(upper[b][r] < t)) rows.push_back(r);
            waiting[b].clear();
            if (rows.empty()) return;
            block_ei(f, mean[b], sd_raw[b], rows, a, pool_scratch_[b]);
            for (std::size_t q = 0; q < rows.size(); ++q) {
                const std::pair<double, Index> c{a[static_cast<Index>(q)], static_cast<Index>(b) * block + rows[q]};
                if (static_cast<Index>(top.size()) == k && !before(c, top.back())) continue;
                top.insert(std::upper_bound(top.begin(), top.end(), c, before), c);
                if (static_cast<Index>(top.size()) > k) top.pop_back();
            }
        };
        for (const Index g : order) {
            if (bound(g) < threshold()) break;  // so are all later ones
            const auto b = static_cast<std::size_t>(g / block);
            waiting[b].push_back(g % block);
            if (waiting[b].size() == 4) evaluate(b);
        }
        for (std::size_t b = 0; b < nb; ++b)  // the groups left, in block order (the result does not depend on it)
            if (!waiting[b].empty()) evaluate(b);
        return top;
    }

    [[nodiscard]] Vector acquisition(const Fitted& f, const Matrix& C) const {
        Vector mean;
        Vector sd;
        predict(f, C, mean, sd);
        if (f.prior_only) return mean;  // nothing observed: follow the prior
        Vector a(C.rows());
        for (Index i = 0; i < C.rows(); ++i) a[i] = expected_improvement(mean[i], sd[i], f.best, o_.xi);
        return a;
    }

    [[nodiscard]] Fitted fit_surrogate(Index id) {
        Fitted f;
        scale_prior();
        std::vector<Index> rows;
        double lo = std::numeric_limits<double>::infinity();
        double hi = -lo;
        double sum = 0;
        for (const auto& t : trials_) {
            if (t.state == TrialState::complete) {
                lo = std::min(lo, *t.score);
                hi = std::max(hi, *t.score);
                sum += *t.score;
            }
            if (t.state == TrialState::complete || t.state == TrialState::pending) rows.push_back(t.id);
        }
        if (rows.empty()) return f;
        double lie = 0.0;  // unused without a complete trial
        if (n_complete_ > 0)
            lie = o_.liar == ConstantLiar::best ? hi : o_.liar == ConstantLiar::worst ? lo : sum / static_cast<double>(n_complete_);
        const auto n = static_cast<Index>(rows.size());
        const Index D = space_.encoded_size();
        Matrix X(n, D);
        Vector y(n);
        Vector r(n);
        for (Index i = 0; i < n; ++i) {
            const auto& t = trials_[static_cast<std::size_t>(rows[static_cast<std::size_t>(i)])];
            X.row(i) = Z_.row(t.id);
            const double prior = o_.prior_mean ? prior_at(X.row(i).transpose()) : 0.0;
            // Without a complete trial (possible only with a prior mean) the lie is the prior itself.
            y[i] = t.state == TrialState::complete ? *t.score : n_complete_ > 0 ? lie : prior;
            r[i] = y[i] - prior;
        }
        f.prior_only = false;
        f.best = y.maxCoeff();
        f.shift = r.mean();
        if (n >= 2) {
            const double sd = std::sqrt((r.array() - f.shift).square().mean());
            if (sd > 1e-12 * std::max(1.0, std::abs(f.shift))) f.scale = sd;
        }
        const Vector yt = ((r.array() - f.shift) / f.scale).matrix();
        if (!surrogate_) surrogate_ = o_.surrogate();
        const bool refit = last_refit_ < 0 ||
                           (n_complete_ != last_refit_ &&
                            (n_complete_ <= o_.refit_all_until || n_complete_ >= last_refit_ + o_.refit_interval));
        if (refit) last_refit_ = n_complete_;
        surrogate_->fit(X, yt, refit, derive_seed(o_.seed, {4, static_cast<std::uint64_t>(id)}));
        return f;
    }

    /// The expected improvement of a round of local candidates C (row c·n_local_steps + s: step s
    /// around centre c) where it can change the refinement: a candidate too close to a trial
    /// (`near`) or whose EI bound is below its centre's EI (`centre_a`, at most the best EI so
    /// far) can improve nothing, and gets −inf; the others their exact EI.
    [[nodiscard]] Vector local_acquisition(const Fitted& f, const Matrix& C, const std::vector<char>& near,
                                           const std::vector<double>& centre_a) {
        if (f.prior_only) return acquisition(f, C);
        Vector out = Vector::Constant(C.rows(), -std::numeric_limits<double>::infinity());
        constexpr Index block = predict_block;
        Vector mean, sd_raw, upper, a;
        std::vector<Index> rows;
        for (Index start = 0; start < C.rows(); start += block) {
            const Index len = std::min(block, C.rows() - start);
            block_bounds(f, C.middleRows(start, len), mean, sd_raw, upper, scratch_);
            rows.clear();
            for (Index r = 0; r < len; ++r) {
                const Index i = start + r;
                if (near[static_cast<std::size_t>(i)] || upper[r] < centre_a[static_cast<std::size_t>(i / o_.n_local_steps)])
                    continue;
                rows.push_back(r);
            }
            if (rows.empty()) continue;
            block_ei(f, mean, sd_raw, rows, a, scratch_);
            for (std::size_t q = 0; q < rows.size(); ++q) out[start + rows[q]] = a[static_cast<Index>(q)];
        }
        return out;
    }

    /// The Bayesian-optimisation proposal for trial `id` (encoded), or nothing when no candidate
    /// is far enough from the trials.
    [[nodiscard]] std::optional<Vector> propose(Index id) {
        const Fitted f = fit_surrogate(id);
        const Index D = space_.encoded_size();
        // The pool: every remaining configuration of a small discrete space, else Sobol points.
        Matrix pool;
        const bool restricted = !cand_params_.empty();
        if (restricted) {
            const std::vector<Index> keep = remaining_candidates();
            pool.resize(static_cast<Index>(keep.size()), D);
            for (std::size_t k = 0; k < keep.size(); ++k) pool.row(static_cast<Index>(k)) = cand_.row(keep[k]);
            if (pool.rows() == 0) return std::nullopt;
        } else if (enumerable_ && all_configs().rows() <= o_.n_candidates) {
            pool = remaining_configs();
        } else {
            const std::uint64_t pool_seed = derive_seed(o_.seed, {2, static_cast<std::uint64_t>(id)});
            Matrix u(o_.n_candidates, space_.size());
            if (space_.size() <= sobol_max_dimensions) {
                u = sobol_points(o_.n_candidates, space_.size(), pool_seed);
            } else {
                Rng rng(pool_seed);
                for (Index i = 0; i < u.rows(); ++i)
                    for (Index j = 0; j < u.cols(); ++j) u(i, j) = rng.uniform();
            }
            Matrix all(u.rows(), D);
            for (Index i = 0; i < u.rows(); ++i) all.row(i) = space_.encode(space_.from_unit_cube(u.row(i).transpose())).transpose();
            pool = all(far_rows(all), Eigen::all);
        }
        if (pool.rows() == 0 && enumerable_) return std::nullopt;
        Vector best_z;
        double best_a = -std::numeric_limits<double>::infinity();
        std::vector<std::pair<double, Index>> order;  // the best pool points, best first
        if (pool.rows() > 0) {
            if (f.prior_only) {
                const Vector a = acquisition(f, pool);
                for (Index i = 0; i < pool.rows(); ++i) order.emplace_back(a[i], i);
                std::stable_sort(order.begin(), order.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
            } else {
                order = top_candidates(f, pool, std::max<Index>(1, o_.n_local_starts));
            }
            best_a = order.front().first;
            best_z = pool.row(order.front().second).transpose();
        }
        // Local refinement around the best pool points and the two best trials.
        std::vector<Vector> centre;
        std::vector<double> centre_a;
        for (std::size_t k = 0; k < order.size() && static_cast<Index>(k) < o_.n_local_starts; ++k) {
            centre.push_back(pool.row(order[k].second).transpose());
            centre_a.push_back(order[k].first);
        }
        {
            std::vector<std::pair<double, Index>> done;
            for (const auto& t : trials_)
                if (t.state == TrialState::complete) done.emplace_back(*t.score, t.id);
            std::stable_sort(done.begin(), done.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
            for (std::size_t k = 0; k < done.size() && k < 2 && o_.n_local_starts > 0; ++k) {
                centre.push_back(Z_.row(done[k].second).transpose());
                centre_a.push_back(-std::numeric_limits<double>::infinity());
            }
        }
        if (!centre.empty() && o_.n_local_rounds > 0 && !restricted) {
            Rng rng(derive_seed(o_.seed, {5, static_cast<std::uint64_t>(id)}));
            const auto nc = static_cast<Index>(centre.size());
            Matrix C(nc * o_.n_local_steps, D);
            double step = 0.1;
            for (Index round = 0; round < o_.n_local_rounds; ++round, step *= 0.5) {
                for (Index c = 0; c < nc; ++c)
                    for (Index s = 0; s < o_.n_local_steps; ++s) {
                        Vector z = centre[static_cast<std::size_t>(c)];
                        for (Index j = 0; j < D; ++j) z[j] += step * rng.normal();
                        C.row(c * o_.n_local_steps + s) = space_.encode(space_.decode(z)).transpose();
                    }
                const std::vector<char> near = near_trials(C);
                const Vector a = local_acquisition(f, C, near, centre_a);
                for (Index c = 0; c < nc; ++c)
                    for (Index s = 0; s < o_.n_local_steps; ++s) {
                        const Index i = c * o_.n_local_steps + s;
                        if (near[static_cast<std::size_t>(i)]) continue;
                        if (a[i] > centre_a[static_cast<std::size_t>(c)]) {
                            centre_a[static_cast<std::size_t>(c)] = a[i];
                            centre[static_cast<std::size_t>(c)] = C.row(i).transpose();
                        }
                        if (a[i] > best_a) {
                            best_a = a[i];
                            best_z = C.row(i).transpose();
                        }
                    }
            }
        }
        if (best_z.size() == 0) return std::nullopt;
        return best_z;
    }

    [[nodiscard]] Trial<Params> make_trial(Params p, std::string source, Index index) {
        Trial<Params> t;
        t.id = static_cast<Index>(trials_.size());
        t.params = std::move(p);
        t.values = space_.to_json(t.params);
        t.source = std::move(source);
        nlohmann::json e = {{"event", "ask"}, {"id", t.id}, {"params", t.values}, {"source", t.source}};
        if (index >= 0) e["index"] = index;
        journal_.append(e);  // before any state changes: a failed write records nothing
        add_trial(t);
        return t;
    }

    /// `ask_one` while the search is restricted to candidates (`set_candidates`).
    [[nodiscard]] Trial<Params> ask_candidate(Index id, bool initial) {
        if (!initial && o_.method == SearchMethod::bayesian) {
            if (const std::optional<Vector> z = propose(id)) {
                for (Index i = 0; i < cand_.rows(); ++i)  // the pool's rows are copies of candidate rows
                    if (cand_.row(i) == z->transpose()) return make_trial(cand_params_[static_cast<std::size_t>(i)], "bayesian", -1);
            }
        }
        const std::vector<Index> rest = remaining_candidates();
        if (rest.empty()) throw exhausted();
        Rng rng(derive_seed(o_.seed, {6, static_cast<std::uint64_t>(id)}));
        const Index pick = rest[static_cast<std::size_t>(rng.uniform_index(static_cast<std::uint64_t>(rest.size())))];
        return make_trial(cand_params_[static_cast<std::size_t>(pick)], initial ? "initial" : "random", -1);
    }

    [[nodiscard]] Trial<Params> ask_one() {
        while (!reask_.empty()) {
            const Index id = reask_.front();
            reask_.pop_front();
            if (trials_[static_cast<std::size_t>(id)].state == TrialState::pending) return trials_[static_cast<std::size_t>(id)];
        }
        while (!queue_.empty()) {
            Params p = std::move(queue_.front());
            queue_.pop_front();
            if (far_enough(space_.encode(p))) return make_trial(std::move(p), "enqueued", -1);
            if (o_.on_warning)
                o_.on_warning(fmt::format("Tuner::ask(): enqueued configuration {} skipped: it is within min_distance of an "
                                          "earlier trial",
                                          space_.to_string(p)));
        }
        const Index id = static_cast<Index>(trials_.size());
        Index active = 0;
        for (const auto& t : trials_) active += (t.state == TrialState::complete || t.state == TrialState::pending) ? 1 : 0;
        const bool initial = active < *o_.n_initial || (n_complete_ == 0 && !o_.prior_mean);
        if (!cand_params_.empty()) return ask_candidate(id, initial);
        if (initial || o_.method == SearchMethod::random) {
            Index index = -1;
            Params p = next_generated(index, id);
            return make_trial(std::move(p), initial ? "initial" : "random", index);
        }
        std::optional<Vector> z = propose(id);
        if (!z) {
            Index index = -1;
            Params p = next_generated(index, id);  // nothing far enough in the pool: fall back on the sequence
            return make_trial(std::move(p), "bayesian", index);
        }
        return make_trial(space_.decode(*z), "bayesian", -1);
    }

    SearchSpace<Params> space_;
    TunerOptions o_;
    TunerJournal journal_;
    std::unique_ptr<std::mutex> mutex_;
    std::vector<Trial<Params>> trials_;
    Matrix Z_;  ///< encoded trials, one row per trial (capacity grows by doubling)
    Index n_complete_ = 0;
    std::deque<Index> reask_;
    std::deque<Params> queue_;
    Index generated_ = 0;  ///< next position in the initial design's sequence
    Matrix sobol_;         ///< cached first points of the Sobol sequence
    bool enumerable_ = false;
    Matrix all_;           ///< every configuration of an enumerable space, encoded
    std::unique_ptr<Surrogate> surrogate_;
    /// Candidates predicted per surrogate call: the temporaries stay small (no page faults of
    /// large allocations at every ask), and every path predicts the same blocks.
    static constexpr Index predict_block = 64;
    PredictScratch scratch_;                    ///< the surrogate's scratch of a block of candidates
    std::vector<PredictScratch> pool_scratch_;  ///< one per block of the pool (`top_candidates`)
    Vector direction_;                          ///< unit direction of `near_trials`' projections (D)
    std::vector<std::pair<double, Index>> projections_;  ///< (trial's projection on it, id), ascending
    Index last_refit_ = -1;  ///< complete trials at the last hyperparameter refit
    double prior_a_ = 0.0;   ///< prior scaling of the current ask: prior_a_ + prior_b_ · prior(z)
    double prior_b_ = 1.0;
    std::vector<Params> cand_params_;  ///< `set_candidates` (empty: not restricted)
    Matrix cand_;                      ///< their encodings, one row each
};

}  // namespace metalearn::hpo
