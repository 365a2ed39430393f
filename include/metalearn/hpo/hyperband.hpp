#pragma once
/// @file hyperband.hpp
/// @brief `MultiFidelityTuner<Params>`: successive halving and Hyperband over a budget that the
/// objective receives (a data fraction, a number of trees, epochs), with an inner `Tuner` that
/// proposes the new configurations, a crash-safe journal, and batches for parallel workers.
///
/// @code
/// struct P { double lr = 0.1; int depth = 3; };
/// auto space = hpo::SearchSpace<P>().add("lr", &P::lr, hpo::log_uniform(1e-4, 1.0))
///                                   .add("depth", &P::depth, hpo::int_uniform(1, 10));
/// // budget = number of boosting rounds, 10 to 810, a third of the configurations kept per rung
/// hpo::MultiFidelityTuner<P> tuner(space, "study.jsonl",   // resumes if study.jsonl exists
///     {.min_budget = 10, .max_budget = 810, .eta = 3, .integer_budgets = true, .seed = 7});
/// auto best = tuner.optimize([](const P& p, double rounds) { return cv_score(p, int(rounds)); },
///                            {.max_total_budget = 20000}, /*n_threads=*/2);
/// // best->params, best->budget (810 once a configuration got there), best->score
/// // or by hand, with workers anywhere:
/// auto job = tuner.ask();                         // job.id, job.params, job.budget, job.rung
/// tuner.tell(job.id, cv_score(job.params, int(job.budget)));   // scores are maximised
/// @endcode
///
/// **Budgets and brackets** (Li, Jamieson, DeSalvo, Rostamizadeh & Talwalkar, "Hyperband: A
/// Novel Bandit-Based Approach to Hyperparameter Optimization", JMLR 18(185), 2018, Algorithm 1).
/// With R = max_budget / min_budget, s_max = ⌊log_η R⌋ and B = (s_max + 1)·R, bracket s
/// (s = s_max, ..., 0) starts n = ⌈(B/R)·η^s/(s + 1)⌉ configurations; its rung i (i = 0..s)
/// evaluates n_i = ⌊n·η^−i⌋ configurations at budget r_i = max_budget·η^(i−s), so every bracket
/// ends at max_budget and the lowest rung of bracket s_max is at max_budget·η^−s_max ≥
/// min_budget (= min_budget when R is a power of η). After rung i, the n_(i+1) = ⌊n·η^−(i+1)⌋
/// best (= ⌊n_i/η⌋ for an integer η) are promoted to rung i + 1 and the others are pruned. With
/// min 1, max 81, η = 3 this gives the paper's Table 1: n = 81, 34, 15, 8, 5 for s = 4..0, and
/// rungs 81→27→9→3→1 at budgets 1, 3, 9, 27, 81 for s = 4. `hyperband_brackets` returns these
/// plans. `integer_budgets` rounds each r_i to the nearest integer (min and max must then be
/// integers).
///
/// **Schedules** (`FidelitySchedule`): `hyperband` runs the brackets s = s_max, ..., 0 in turn,
/// then starts again at s_max; `successive_halving` runs bracket s = s_max again and again
/// (successive halving, Jamieson & Talwalkar, "Non-stochastic Best Arm Identification and
/// Hyperparameter Optimization", AISTATS 2016, with Hyperband's most aggressive bracket as its
/// n and budgets). Both are synchronous: a rung decides once all its jobs are told. So that
/// parallel workers do not wait for a rung, an `ask()` that has no promotion to give starts
/// the next configuration of the newest bracket, and opens the next bracket when that one is
/// full — brackets overlap as in the HpBandSter implementation of BOHB (Falkner, Klein & Hutter,
/// "BOHB: Robust and Efficient Hyperparameter Optimization at Scale", ICML 2018). Asynchronous
/// promotion (ASHA, Li et al., "A System for Massively Parallel Hyperparameter Tuning", MLSys
/// 2020) is not implemented: overlapping brackets already keep the workers busy, and with
/// synchronous rungs a rung's decision is final, so every configuration ends complete, pruned or
/// failed (under ASHA a configuration left behind may still be promoted later, and with workers
/// of their own the promotions depend on the order in which they finish).
///
/// **How a job is chosen** (`ask`), in this order: (1) jobs asked before a crash and never told
/// (loaded from the journal), lowest id first; (2) promotions, in the order the rungs decided
/// and, within a rung, best score first; (3) a new configuration from the inner `Tuner` at rung
/// 0 of the newest bracket (a new bracket when that one has all its configurations): first the
/// `initial_configs` (a warm start: e.g. a portfolio or a meta-model's top picks), then its
/// initial design and its search.
///
/// **Ranking and failures**: a rung decides when all its jobs are told; its complete jobs are
/// ranked by score (higher first; equal scores: lower job id first), the first k are promoted,
/// k = n_(i+1) for a full rung, and k = max(1, ⌊m·n_(i+1)/n_i⌋) for a rung that has m < n_i
/// configurations (after failures in an earlier rung, or when the space is exhausted), never
/// more than the rung's complete jobs. A failed job (`tell_failed`) fails its configuration at
/// once; it is never promoted.
///
/// **Inner tuner** (what proposes new configurations): a `Tuner<Params>` kept in memory with
/// `MultiFidelityOptions::tuner` (random search or Bayesian optimisation; its seed is replaced
/// by `MultiFidelityOptions::seed`). Each configuration is one of its trials (the trial id of a
/// job is that trial's id), and it is told a configuration's result once its bracket has decided
/// it: `Tuner::tell(score at max_budget)` when the configuration completes the bracket's last
/// rung, `tell_pruned(score at its last budget)` when a rung does not promote it, `tell_failed`
/// when a job of it fails. The Bayesian surrogate is therefore fitted on full-budget scores only
/// (the inner tuner ignores pruned trials), with the configurations still in play as constant
/// liars — scores at different budgets are never mixed in one model. BOHB instead fits a density
/// model on the largest budget that has enough observations; this is simpler, and until a
/// configuration reaches max_budget the inner tuner continues its initial design (Sobol points).
///
/// **Journal** (`tuner_journal.hpp`): every ask and tell is one JSON line, written after the
/// input is validated and before the state changes (a rejected call records nothing). The first
/// line records the format ("metalearn.multifidelity"), the seed, the space, min/max budget, η,
/// the schedule, integer_budgets, the inner tuner's method, sampler and n_initial, and the
/// context and score range when given; re-opening a journal written with another of these
/// throws `ConfigError` naming both sides. Pruning is not a line of its own: it follows from the
/// tells and is recomputed on replay. Replay re-runs the same decisions and the inner tuner's
/// proposals, and checks every recorded job against them (a journal of another version or inner
/// tuner settings is refused with `ConfigError`). A re-opened tuner continues the study: no told
/// job is asked again, pending jobs are asked again first, and `optimize` completes the batch
/// that was interrupted, so a study killed at any point and resumed gives the jobs and results
/// of an uninterrupted one.
///
/// **Determinism**: every decision depends only on the sequence of asks and tells, and every
/// random choice of the inner tuner on the seed; `optimize` gives the same jobs for any
/// `n_threads` (see there).
///
/// **Thread safety**: all member functions may be called from several threads (a mutex
/// serialises them); `optimize` calls the objective concurrently.

#include "metalearn/core/error.hpp"
#include "metalearn/core/parallel.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/hpo/tuner.hpp"
#include "metalearn/hpo/tuner_journal.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace metalearn::hpo {

/// Which brackets a `MultiFidelityTuner` runs (see the file documentation).
enum class FidelitySchedule {
    successive_halving,  ///< bracket s_max, again and again (Jamieson & Talwalkar 2016)
    hyperband,           ///< brackets s_max, ..., 0 in turn, then again (Li et al. 2018)
};

/// "successive_halving" or "hyperband".
[[nodiscard]] inline std::string_view to_string(FidelitySchedule s) noexcept {
    return s == FidelitySchedule::hyperband ? "hyperband" : "successive_halving";
}

/// One rung of a bracket: how many configurations it evaluates and at which budget.
struct RungPlan {
    Index n_configs = 0;  ///< n_i = ⌊n·η^−i⌋, ≥ 1
    double budget = 0.0;  ///< r_i = max_budget·η^(i−s), in the objective's budget units
    bool operator==(const RungPlan&) const = default;
};

/// One bracket of Hyperband: s + 1 rungs (Li et al. 2018, Algorithm 1).
struct BracketPlan {
    Index s = 0;                  ///< number of halvings; the bracket has s + 1 rungs
    std::vector<RungPlan> rungs;  ///< rung 0 (most configurations, smallest budget) first
};

namespace detail {

inline void check_fidelity_budgets(double min_budget, double max_budget, double eta, bool integer_budgets,
                                   std::string_view where) {
    if (!(min_budget > 0.0) || !std::isfinite(min_budget))
        throw ConfigError(fmt::format("{}: min_budget must be finite and > 0 (got {})", where, min_budget));
    if (!(max_budget >= min_budget) || !std::isfinite(max_budget))
        throw ConfigError(fmt::format("{}: max_budget must be finite and >= min_budget (expected >= {}, got {})", where,
                                      min_budget, max_budget));
    if (!(eta > 1.0) || !std::isfinite(eta))
        throw ConfigError(fmt::format("{}: eta must be finite and > 1 (got {})", where, eta));
    if (integer_budgets && (min_budget != std::round(min_budget) || max_budget != std::round(max_budget)))
        throw ConfigError(fmt::format("{}: integer_budgets needs integer min_budget and max_budget (got {} and {})", where,
                                      min_budget, max_budget));
}

}  // namespace detail

/// The brackets of Hyperband for these budgets, s = s_max first (see the file documentation for
/// the formulas; Li et al. 2018, Algorithm 1 and Table 1).
/// @param min_budget smallest budget, > 0 (objective's units).
/// @param max_budget largest budget, ≥ min_budget; every bracket's last rung is at max_budget.
/// @param eta the halving rate η > 1: a rung keeps about 1/η of its configurations.
/// @param integer_budgets round every budget to the nearest integer (min and max must be integers).
/// @return s_max + 1 brackets, s = s_max, ..., 0; `s_max = ⌊log_η(max/min)⌋` (the logarithm,
///         n and n_i are rounded with a tolerance of 10⁻⁹, so that log₃ 27 counts as 3).
/// @throws ConfigError when min_budget ≤ 0, max_budget < min_budget, η ≤ 1, a value is not
///         finite, integer_budgets with a non-integer min or max, or the plan is too large
///         (max/min > 10¹², or s_max > 100: η too close to 1).
/// Complexity O(s_max²).
[[nodiscard]] inline std::vector<BracketPlan> hyperband_brackets(double min_budget, double max_budget, double eta,
                                                                 bool integer_budgets = false) {
    detail::check_fidelity_budgets(min_budget, max_budget, eta, integer_budgets, "hyperband_brackets()");
    const double R = max_budget / min_budget;
    const double levels = std::floor(std::log(R) / std::log(eta) + 1e-9);
    if (R > 1e12 || levels > 100)
        throw ConfigError(fmt::format("hyperband_brackets(): the plan is too large (expected max_budget / min_budget <= "
                                      "1e12 and at most 100 halvings, got a ratio of {} and {} halvings at eta = {}): "
                                      "raise eta or min_budget",
                                      R, levels, eta));
    const auto s_max = static_cast<Index>(levels);
    std::vector<BracketPlan> out;
    for (Index s = s_max; s >= 0; --s) {
        BracketPlan b;
        b.s = s;
        const double n = std::ceil(static_cast<double>(s_max + 1) / static_cast<double>(s + 1) * std::pow(eta, static_cast<double>(s)) - 1e-9);
        for (Index i = 0; i <= s; ++i) {
            RungPlan r;
            r.n_configs = std::max<Index>(1, static_cast<Index>(std::floor(n / std::pow(eta, static_cast<double>(i)) + 1e-9)));
            double budget = max_budget / std::pow(eta, static_cast<double>(s - i));
            if (integer_budgets) budget = std::round(budget);
            r.budget = std::clamp(budget, min_budget, max_budget);
            b.rungs.push_back(r);
        }
        out.push_back(std::move(b));
    }
    return out;
}

/// Settings of `MultiFidelityTuner`. min_budget and max_budget have no usable default: set them.
struct MultiFidelityOptions {
    double min_budget = 0.0;  ///< smallest budget given to the objective, > 0 (its units: fraction, trees, epochs)
    double max_budget = 0.0;  ///< largest budget, ≥ min_budget; every bracket ends there
    double eta = 3.0;         ///< halving rate η > 1: about 1/η of a rung is promoted (default 3, as in the papers)
    FidelitySchedule schedule = FidelitySchedule::hyperband;
    bool integer_budgets = false;  ///< round budgets to integers (trees, epochs); min and max must be integers
    std::uint64_t seed = 0;        ///< seeds the inner tuner; recorded in the journal
    /// Jobs `optimize` asks at once and evaluates in parallel, ≥ 1; independent of n_threads so
    /// that the jobs do not depend on the thread count.
    Index batch_size = 4;
    /// Configurations to start with, as JSON objects {name: number or label} (names not given
    /// take `Params{}`'s values): the inner tuner's first trials, in order (`Tuner::enqueue`;
    /// one within `min_distance` of an earlier one is skipped with a warning). Not recorded in
    /// the journal: give the same list when re-opening it (another list is refused on replay).
    std::vector<nlohmann::json> initial_configs{};
    /// The inner tuner that proposes new configurations (see the file documentation); its `seed`
    /// is replaced by `seed`, its `batch_size` and `sync_each` are not used. `score_range` and
    /// `context` apply to the whole study and are recorded in the journal; `on_warning` receives
    /// the journal's warnings too.
    TunerOptions tuner{};
};

/// One evaluation of a configuration at a budget.
template <class Params>
struct MultiFidelityJob {
    Index id = -1;        ///< 0, 1, 2, ... in the order of asking
    Index trial_id = -1;  ///< the configuration (its trial id in `trials()`); shared by its jobs at each rung
    Params params{};      ///< the configuration (typed)
    nlohmann::json values;  ///< the configuration as JSON {name: number or label}
    double budget = 0.0;  ///< the budget to evaluate at, in [min_budget, max_budget]
    Index rung = 0;       ///< rung of the bracket, 0 = first (smallest budget)
    Index bracket = 0;    ///< bracket number, 0, 1, 2, ... in the order the brackets were opened
    Index bracket_s = 0;  ///< the bracket's s (Li et al. 2018): it has s + 1 rungs, the last at max_budget
    TrialState state = TrialState::pending;  ///< pending, complete or failed (jobs are never pruned; configurations are)
    std::optional<double> score;  ///< complete: the score at `budget`
    std::string message;          ///< failed: the reason
};

/// When `MultiFidelityTuner::optimize` stops: the first limit reached. Both count the whole
/// study (jobs told before this call or before a resume included), so that running the same
/// call again after a crash finishes the same study.
struct MultiFidelityLimit {
    Index max_jobs = std::numeric_limits<Index>::max();  ///< told jobs in the study, ≥ 0
    /// Budget spent by the study (sum of the budgets of told jobs, failed ones included), ≥ 0.
    /// A batch stops asking once the spent budget plus its jobs' budgets reaches it, so the
    /// study ends with at most one max_budget more.
    double max_total_budget = std::numeric_limits<double>::infinity();
};

/// Successive halving and Hyperband over a budget; see the file documentation. Scores are maximised.
/// @tparam Params the configuration type bound by the space (default-constructible, copyable).
template <class Params>
class MultiFidelityTuner {
public:
    using params_type = Params;
    using job_type = MultiFidelityJob<Params>;

    /// A study kept in memory only.
    /// @throws ConfigError when min_budget ≤ 0, max_budget < min_budget, η ≤ 1 (or not finite),
    ///         integer_budgets with non-integer budgets, batch_size < 1, an initial configuration
    ///         is not in the space (`SearchSpace::from_json`), or as `Tuner::Tuner` (empty space,
    ///         inner option out of range).
    explicit MultiFidelityTuner(SearchSpace<Params> space, MultiFidelityOptions options = {})
        : o_(std::move(options)), inner_(std::move(space), make_inner_options(o_)) {
        init();
    }

    /// A study recorded in (and resumed from) the journal at `journal`: created when missing,
    /// replayed when it exists (see the file documentation).
    /// @throws as the other constructor; ConfigError when the journal was written for another
    ///         space, seed, budgets, η, schedule, inner method, context or score range (the message
    ///         names both sides), or its jobs are not the ones this tuner makes; IoError when it
    ///         cannot be opened or another tuner holds it; ParseError (file, line) for a line that
    ///         is not a valid event (a torn last line is skipped with a warning instead).
    MultiFidelityTuner(SearchSpace<Params> space, const std::filesystem::path& journal, MultiFidelityOptions options = {})
        : o_(std::move(options)), inner_(std::move(space), make_inner_options(o_)) {
        init();
        journal_ = TunerJournal(journal, o_.tuner.on_warning, o_.tuner.sync_each);
        replay();
    }

    MultiFidelityTuner(const MultiFidelityTuner&) = delete;
    MultiFidelityTuner& operator=(const MultiFidelityTuner&) = delete;
    MultiFidelityTuner(MultiFidelityTuner&&) noexcept = default;
    MultiFidelityTuner& operator=(MultiFidelityTuner&&) noexcept = default;

    /// The search space.
    [[nodiscard]] const SearchSpace<Params>& space() const noexcept { return inner_.space(); }
    /// The options as given (the inner tuner's, resolved: `tuner_options()`).
    [[nodiscard]] const MultiFidelityOptions& options() const noexcept { return o_; }
    /// The inner tuner's options as it uses them: `seed` set, `n_initial` and `min_distance` resolved.
    [[nodiscard]] const TunerOptions& tuner_options() const noexcept { return inner_.options(); }
    /// The bracket plans the schedule cycles through (one for successive halving).
    [[nodiscard]] const std::vector<BracketPlan>& brackets() const noexcept { return plans_; }

    /// Ask for the next job (see the file documentation for how it is chosen). It is pending
    /// until told; its ask is in the journal on return.
    /// @throws SearchSpaceExhausted when no new configuration is left and no promotion is
    ///         waiting; otherwise as `Tuner::ask` for a new configuration; IoError when the
    ///         journal write fails (the tuner must then be re-opened on its journal: later calls
    ///         throw IoError).
    /// Complexity: O(1) for a re-asked job or a promotion; the inner tuner's ask (see
    /// `Tuner::ask`) for a new configuration.
    [[nodiscard]] MultiFidelityJob<Params> ask() {
        std::lock_guard lock(*mutex_);
        return ask_one(nullptr);
    }

    /// Record the score of a pending job at its budget (maximised). When this completes its rung,
    /// the rung decides (promotions queued, the others pruned, in `trials()`).
    /// @throws ConfigError when `job_id` is unknown or already told; DataError when `score` is
    ///         NaN or infinite, or outside `TunerOptions::score_range` (nothing is recorded);
    ///         IoError when the journal write fails.
    /// Complexity: O(1), or O(m log m) when a rung of m jobs decides.
    void tell(Index job_id, double score) {
        std::lock_guard lock(*mutex_);
        check_usable();
        check_pending(job_id, "tell");
        if (!std::isfinite(score))
            throw DataError(fmt::format("MultiFidelityTuner::tell(): score of job {} must be finite (got {}); report a "
                                        "failed evaluation with tell_failed",
                                        job_id, score));
        if (const auto& r = o_.tuner.score_range; r && (score < r->first || score > r->second))
            throw DataError(fmt::format("MultiFidelityTuner::tell(): score of job {} is outside the study's score range "
                                        "(expected [{}, {}], got {})",
                                        job_id, r->first, r->second, score));
        journal_.append({{"event", "tell"}, {"job", job_id}, {"state", "complete"}, {"score", score}});
        apply_tell(job_id, score, {});
    }

    /// Record that a pending job failed: its configuration fails (never promoted, the inner
    /// tuner is told `tell_failed`). Bytes of `reason` that are not UTF-8 become U+FFFD.
    /// @throws ConfigError when `job_id` is unknown or already told; IoError when the write fails.
    void tell_failed(Index job_id, std::string reason) {
        reason = valid_utf8(reason);
        std::lock_guard lock(*mutex_);
        check_usable();
        check_pending(job_id, "tell_failed");
        journal_.append({{"event", "tell"}, {"job", job_id}, {"state", "failed"}, {"reason", reason}});
        apply_tell(job_id, std::nullopt, std::move(reason));
    }

    /// The best complete job: among the complete jobs at the largest budget any complete job
    /// has reached (max_budget once a configuration got there), the highest score (lowest job id
    /// among equal scores); none before any job is complete. Scores at smaller budgets never
    /// beat a score at a larger one, since they are not comparable.
    [[nodiscard]] std::optional<MultiFidelityJob<Params>> best() const {
        std::lock_guard lock(*mutex_);
        return best_unlocked();
    }

    /// Every job, in id order, with its state.
    [[nodiscard]] std::vector<MultiFidelityJob<Params>> jobs() const {
        std::lock_guard lock(*mutex_);
        return jobs_;
    }

    /// The job with this id. @throws ConfigError when unknown.
    [[nodiscard]] MultiFidelityJob<Params> job(Index job_id) const {
        std::lock_guard lock(*mutex_);
        if (job_id < 0 || job_id >= static_cast<Index>(jobs_.size()))
            throw ConfigError(fmt::format("MultiFidelityTuner::job(): unknown job id (expected 0 to {}, got {})",
                                          static_cast<Index>(jobs_.size()) - 1, job_id));
        return jobs_[static_cast<std::size_t>(job_id)];
    }

    /// Every configuration (the inner tuner's trials), in trial-id order: pending while in play,
    /// complete with its score at max_budget, pruned with its score at its last budget, failed.
    [[nodiscard]] std::vector<Trial<Params>> trials() const {
        std::lock_guard lock(*mutex_);
        return inner_.trials();
    }

    /// Number of jobs asked so far (all states).
    [[nodiscard]] Index size() const {
        std::lock_guard lock(*mutex_);
        return static_cast<Index>(jobs_.size());
    }

    /// Number of told jobs (complete or failed).
    [[nodiscard]] Index n_told() const {
        std::lock_guard lock(*mutex_);
        return n_told_;
    }

    /// Budget spent: the sum of the budgets of the told jobs (complete and failed).
    [[nodiscard]] double budget_spent() const {
        std::lock_guard lock(*mutex_);
        return spent_;
    }

    /// Run `objective` on jobs until a limit of `limit` is reached, `n_threads` at a time at most.
    ///
    /// Jobs are asked in batches of `MultiFidelityOptions::batch_size`, evaluated with
    /// `parallel_for`, and told in job-id order once the batch is done; then each callback is
    /// called with each told job, in id order, on the calling thread. So the jobs, their results
    /// and the callbacks' calls are the same for every `n_threads` (given an objective whose value
    /// depends only on its arguments). After a resume, the first batch is the re-asked pending
    /// jobs, completed to batch_size only when no job was told after they were asked (the crash
    /// came while the batch was being asked), so a resumed study asks what an uninterrupted one did.
    /// Jobs asked by hand and not told hold their rungs back; optimize opens new brackets meanwhile.
    ///
    /// An objective that throws an exception derived from `std::exception` fails that job with
    /// its `what()`, and a non-finite value fails it too ("objective returned nan"); the study
    /// goes on. Exceptions of other types leave optimize after the batch's workers joined (the
    /// batch's jobs stay pending).
    ///
    /// @tparam Objective callable as `double(const Params&, double budget)`; called concurrently
    ///         when n_threads > 1, so it must be thread-safe.
    /// @tparam Callbacks each callable as `bool(const MultiFidelityJob<Params>&)` or `void(...)`;
    ///         returning true stops the study after the current batch (ensmallen's convention).
    /// @param limit study-wide limits on told jobs and spent budget (at least one finite).
    /// @param n_threads 0 = all hardware threads, ≥ 1 exactly (core/parallel.hpp).
    /// @return `best()` at the end. Stops early, normally, when the space is exhausted.
    /// @throws ConfigError when a limit is negative or NaN, both are unlimited, or n_threads < 0;
    ///         otherwise as `ask`.
    template <class Objective, class... Callbacks>
    std::optional<MultiFidelityJob<Params>> optimize(Objective&& objective, MultiFidelityLimit limit, Index n_threads = 1,
                                                     Callbacks&&... callbacks) {
        static_assert(std::is_invocable_r_v<double, Objective&, const Params&, double>,
                      "MultiFidelityTuner::optimize(): the objective must be callable as double(const Params&, double budget)");
        if (limit.max_jobs < 0 || !(limit.max_total_budget >= 0.0) ||
            (limit.max_jobs == std::numeric_limits<Index>::max() && std::isinf(limit.max_total_budget)))
            throw ConfigError(fmt::format("MultiFidelityTuner::optimize(): limits out of range (expected max_jobs >= 0 and "
                                          "max_total_budget >= 0, at least one of them set; got {} and {})",
                                          limit.max_jobs, limit.max_total_budget));
        (void)resolve_threads(n_threads, "MultiFidelityTuner::optimize()");
        bool stop = false;
        while (!stop) {
            std::vector<MultiFidelityJob<Params>> batch;
            {
                std::lock_guard lock(*mutex_);
                check_usable();
                double committed = spent_;
                Index count = n_told_;
                const auto room = [&] { return count < limit.max_jobs && committed < limit.max_total_budget; };
                const auto take = [&](MultiFidelityJob<Params> j) {
                    committed += j.budget;
                    ++count;
                    batch.push_back(std::move(j));
                };
                bool fill = true;
                if (!reask_.empty()) {  // the interrupted batch: its pending jobs ...
                    while (!reask_.empty() && room()) {
                        const Index id = reask_.front();
                        reask_.pop_front();
                        if (jobs_[static_cast<std::size_t>(id)].state == TrialState::pending) take(jobs_[static_cast<std::size_t>(id)]);
                    }
                    fill = resume_fill_;  // ... completed only when it was still being asked
                    resume_fill_ = false;
                }
                while (fill && static_cast<Index>(batch.size()) < o_.batch_size && room()) {
                    try {
                        take(ask_one(nullptr));
                    } catch (const SearchSpaceExhausted&) {
                        break;
                    }
                }
            }
            if (batch.empty()) break;
            std::sort(batch.begin(), batch.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
            const Index b = static_cast<Index>(batch.size());
            std::vector<double> scores(batch.size(), std::numeric_limits<double>::quiet_NaN());
            std::vector<std::string> errors(batch.size());
            std::vector<char> threw(batch.size(), 0);
            parallel_for(
                b, n_threads,
                [&](Index i) {
                    const auto k = static_cast<std::size_t>(i);
                    try {
                        scores[k] = static_cast<double>(objective(std::as_const(batch[k].params), batch[k].budget));
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
                    const MultiFidelityJob<Params> j = job(id);
                    bool s = false;
                    ((s = detail::invoke_tuner_callback(callbacks, j) || s), ...);
                    stop = s;
                }
            }
        }
        return best();
    }

private:
    /// A configuration waiting to be evaluated at the next rung of its bracket.
    struct Promotion {
        Index trial = -1;
        Index bracket = -1;
        Index rung = -1;
    };

    struct RungState {
        Index target = 0;         ///< configurations this rung evaluates (set when the previous rung decides)
        std::vector<Index> jobs;  ///< its jobs, in order of asking
        Index n_told = 0;
        bool decided = false;
    };

    struct BracketState {
        Index plan = 0;  ///< index into plans_
        std::vector<RungState> rungs;
    };

    static TunerOptions make_inner_options(const MultiFidelityOptions& o) {
        TunerOptions t = o.tuner;
        t.seed = o.seed;
        t.sync_each = false;
        return t;
    }

    void init() {
        mutex_ = std::make_unique<std::mutex>();
        for (const auto& c : o_.initial_configs) inner_.enqueue(c);
        detail::check_fidelity_budgets(o_.min_budget, o_.max_budget, o_.eta, o_.integer_budgets,
                                       "MultiFidelityTuner::MultiFidelityTuner()");
        if (o_.batch_size < 1)
            throw ConfigError(fmt::format("MultiFidelityTuner::MultiFidelityTuner(): batch_size out of range (expected >= 1, "
                                          "got {})",
                                          o_.batch_size));
        plans_ = hyperband_brackets(o_.min_budget, o_.max_budget, o_.eta, o_.integer_budgets);
        if (o_.schedule == FidelitySchedule::successive_halving) plans_.resize(1);
    }

    // ------------------------------------------------------------------ asking

    [[nodiscard]] SearchSpaceExhausted exhausted_error() const {
        return SearchSpaceExhausted(fmt::format("MultiFidelityTuner::ask(): no new configuration is left ({} configurations "
                                                "tried) and no promotion is waiting",
                                                inner_.size()));
    }

    void check_usable() const {
        if (broken_)
            throw IoError(fmt::format("MultiFidelityTuner: an earlier journal write to '{}' failed; re-open the tuner on its "
                                      "journal to continue",
                                      journal_.path().string()));
    }

    [[nodiscard]] nlohmann::json ask_event(const MultiFidelityJob<Params>& j) const {
        return {{"event", "ask"},     {"job", j.id},        {"trial", j.trial_id}, {"bracket", j.bracket},
                {"rung", j.rung},     {"budget", j.budget}, {"params", j.values}};
    }

    /// Write `e` (live) or check it against the recorded event (replay).
    void record(const nlohmann::json& e, const nlohmann::json* recorded) {
        if (recorded) {
            if (*recorded != e)
                throw ConfigError(fmt::format(
                    "MultiFidelityTuner::MultiFidelityTuner(): journal '{}' does not match this tuner's decisions (journal: "
                    "{}; this tuner: {}); it was written with other inner tuner settings or by another version: re-open it "
                    "with the settings it was written with, or use another journal",
                    journal_.path().string(), recorded->dump(), e.dump()));
            return;
        }
        try {
            journal_.append(e);
        } catch (...) {
            broken_ = true;  // the inner tuner may be ahead of the journal
            throw;
        }
    }

    /// The next job; `recorded`: the journal's ask event to check it against (replay), else
    /// live (the event is written).
    [[nodiscard]] MultiFidelityJob<Params> ask_one(const nlohmann::json* recorded) {
        check_usable();
        if (!recorded)
            while (!reask_.empty()) {
                const Index id = reask_.front();
                reask_.pop_front();
                if (jobs_[static_cast<std::size_t>(id)].state == TrialState::pending) return jobs_[static_cast<std::size_t>(id)];
            }
        MultiFidelityJob<Params> j;
        j.id = static_cast<Index>(jobs_.size());
        const bool promoted = !promotions_.empty();
        if (promoted) {
            const Promotion p = promotions_.front();
            const auto& from = jobs_[static_cast<std::size_t>(last_job_of_trial_[static_cast<std::size_t>(p.trial)])];
            j.trial_id = p.trial;
            j.params = from.params;
            j.values = from.values;
            j.bracket = p.bracket;
            j.rung = p.rung;
        } else {
            if (exhausted_) throw exhausted_error();
            const bool open = !brackets_.empty() &&
                              static_cast<Index>(brackets_.back().rungs[0].jobs.size()) < brackets_.back().rungs[0].target;
            j.bracket = open ? static_cast<Index>(brackets_.size()) - 1 : static_cast<Index>(brackets_.size());
            j.rung = 0;
            Trial<Params> t;
            try {
                t = inner_.ask();
            } catch (const SearchSpaceExhausted&) {
                record({{"event", "exhausted"}}, recorded);
                apply_exhausted();
                if (recorded) throw;  // replay: the exhausted line was expected
                return ask_one(nullptr);  // a closed rung may have promoted; else throws
            }
            j.trial_id = t.id;
            j.params = std::move(t.params);
            j.values = std::move(t.values);
        }
        const Index plan = j.bracket < static_cast<Index>(brackets_.size()) ? brackets_[static_cast<std::size_t>(j.bracket)].plan
                                                                         : j.bracket % static_cast<Index>(plans_.size());
        const BracketPlan& bp = plans_[static_cast<std::size_t>(plan)];
        j.bracket_s = bp.s;
        j.budget = bp.rungs[static_cast<std::size_t>(j.rung)].budget;
        record(ask_event(j), recorded);
        if (promoted) promotions_.pop_front();
        apply_ask(j, plan);
        return j;
    }

    void apply_ask(const MultiFidelityJob<Params>& j, Index plan) {
        if (j.bracket == static_cast<Index>(brackets_.size())) {
            BracketState b;
            b.plan = plan;
            b.rungs.resize(plans_[static_cast<std::size_t>(plan)].rungs.size());
            b.rungs[0].target = plans_[static_cast<std::size_t>(plan)].rungs[0].n_configs;
            brackets_.push_back(std::move(b));
        }
        brackets_[static_cast<std::size_t>(j.bracket)].rungs[static_cast<std::size_t>(j.rung)].jobs.push_back(j.id);
        if (j.trial_id >= static_cast<Index>(last_job_of_trial_.size()))
            last_job_of_trial_.resize(static_cast<std::size_t>(j.trial_id) + 1, -1);
        last_job_of_trial_[static_cast<std::size_t>(j.trial_id)] = j.id;
        jobs_.push_back(j);
    }

    /// No new configuration is left: the newest bracket's first rung closes with what it has.
    void apply_exhausted() {
        exhausted_ = true;
        if (brackets_.empty()) return;
        const auto b = static_cast<Index>(brackets_.size()) - 1;
        auto& r0 = brackets_.back().rungs[0];
        r0.target = static_cast<Index>(r0.jobs.size());
        maybe_decide(b, 0);
    }

    // ------------------------------------------------------------------ telling

    void check_pending(Index id, const char* fn) const {
        if (id < 0 || id >= static_cast<Index>(jobs_.size()))
            throw ConfigError(fmt::format("MultiFidelityTuner::{}(): unknown job id {} (expected 0 to {})", fn, id,
                                          static_cast<Index>(jobs_.size()) - 1));
        const auto& j = jobs_[static_cast<std::size_t>(id)];
        if (j.state != TrialState::pending)
            throw ConfigError(fmt::format("MultiFidelityTuner::{}(): job {} was already told (state {})", fn, id, to_string(j.state)));
    }

    void apply_tell(Index id, std::optional<double> score, std::string reason) {
        auto& j = jobs_[static_cast<std::size_t>(id)];
        if (score) {
            j.state = TrialState::complete;
            j.score = score;
        } else {
            j.state = TrialState::failed;
            j.message = reason;
            inner_.tell_failed(j.trial_id, std::move(reason));
        }
        ++n_told_;
        spent_ += j.budget;
        auto& r = brackets_[static_cast<std::size_t>(j.bracket)].rungs[static_cast<std::size_t>(j.rung)];
        ++r.n_told;
        maybe_decide(j.bracket, j.rung);
    }

    /// Decide rung i of bracket b once all its jobs are told: promote, prune, or (last rung)
    /// complete its configurations in the inner tuner.
    void maybe_decide(Index b, Index i) {
        auto& br = brackets_[static_cast<std::size_t>(b)];
        auto& r = br.rungs[static_cast<std::size_t>(i)];
        if (r.decided || static_cast<Index>(r.jobs.size()) < r.target || r.n_told < r.target) return;
        r.decided = true;
        std::vector<const MultiFidelityJob<Params>*> done;
        for (const Index id : r.jobs)
            if (jobs_[static_cast<std::size_t>(id)].state == TrialState::complete) done.push_back(&jobs_[static_cast<std::size_t>(id)]);
        std::stable_sort(done.begin(), done.end(), [](const auto* x, const auto* y) {
            return *x->score > *y->score || (*x->score == *y->score && x->id < y->id);
        });
        const BracketPlan& plan = plans_[static_cast<std::size_t>(br.plan)];
        const bool last = i + 1 == static_cast<Index>(plan.rungs.size());
        if (last) {
            for (const auto* j : done) inner_.tell(j->trial_id, *j->score);
            return;
        }
        const Index n_i = plan.rungs[static_cast<std::size_t>(i)].n_configs;
        const Index n_next = plan.rungs[static_cast<std::size_t>(i) + 1].n_configs;
        Index k = r.target == n_i ? n_next : std::max<Index>(1, r.target * n_next / n_i);
        k = std::min(k, static_cast<Index>(done.size()));
        br.rungs[static_cast<std::size_t>(i) + 1].target = k;
        for (Index q = 0; q < static_cast<Index>(done.size()); ++q) {
            const auto* j = done[static_cast<std::size_t>(q)];
            if (q < k) promotions_.push_back({j->trial_id, b, i + 1});
            else inner_.tell_pruned(j->trial_id, *j->score);
        }
    }

    [[nodiscard]] std::optional<MultiFidelityJob<Params>> best_unlocked() const {
        const MultiFidelityJob<Params>* b = nullptr;
        for (const auto& j : jobs_)
            if (j.state == TrialState::complete &&
                (!b || j.budget > b->budget || (j.budget == b->budget && *j.score > *b->score)))
                b = &j;
        if (!b) return std::nullopt;
        return *b;
    }

    // ------------------------------------------------------------------ journal

    [[nodiscard]] nlohmann::json study_event() const {
        const TunerOptions& t = inner_.options();
        nlohmann::json e = {{"event", "study"},
                            {"format", "metalearn.multifidelity"},
                            {"version", 1},
                            {"seed", o_.seed},
                            {"space", detail::space_to_json(inner_.space())},
                            {"min_budget", o_.min_budget},
                            {"max_budget", o_.max_budget},
                            {"eta", o_.eta},
                            {"schedule", std::string(to_string(o_.schedule))},
                            {"integer_budgets", o_.integer_budgets},
                            {"inner", {{"method", t.method == SearchMethod::bayesian ? "bayesian" : "random"},
                                       {"sampler", t.sampler == RandomSampler::sobol ? "sobol" : "uniform"},
                                       {"n_initial", *t.n_initial}}}};
        if (!t.context.is_null()) e["context"] = t.context;
        if (t.score_range) e["score_range"] = {t.score_range->first, t.score_range->second};
        return e;
    }

    void replay() {
        const auto& lines = journal_.loaded();
        const std::string file = journal_.path().string();
        const nlohmann::json mine = study_event();
        if (lines.empty()) {
            journal_.append(mine);
            return;
        }
        const auto bad = [&](std::size_t line, const std::string& what) {
            return ParseError(file, line, 1, fmt::format("MultiFidelityTuner: {}", what));
        };
        const auto& head = lines.front();
        if (head.event.value("event", "") != "study" || head.event.value("format", "") != "metalearn.multifidelity")
            throw bad(head.line, "not a multi-fidelity journal (expected a first line {\"event\": \"study\", \"format\": "
                                 "\"metalearn.multifidelity\", ...})");
        std::vector<std::string> diffs;
        for (const auto& [key, value] : mine.items()) {
            const nlohmann::json theirs = head.event.contains(key) ? head.event[key] : nlohmann::json("(not recorded)");
            if (theirs != value) diffs.push_back(fmt::format("{}: journal {}, this tuner {}", key, theirs.dump(), value.dump()));
        }
        for (const auto& [key, value] : head.event.items())
            if (!mine.contains(key)) diffs.push_back(fmt::format("{}: journal {}, this tuner (not given)", key, value.dump()));
        if (!diffs.empty())
            throw ConfigError(fmt::format("MultiFidelityTuner::MultiFidelityTuner(): journal '{}' was written for another "
                                          "study ({}); re-open it with the settings it was written with, or use another "
                                          "journal",
                                          file, fmt::join(diffs, "; ")));
        std::size_t last_tell_line = 0;
        std::vector<std::size_t> ask_line;
        for (std::size_t k = 1; k < lines.size(); ++k) {
            const auto& [line, e] = lines[k];
            try {
                const std::string kind = e.at("event").get<std::string>();
                if (kind == "ask") {
                    const Index id = e.at("job").get<Index>();
                    if (id != static_cast<Index>(jobs_.size()))
                        throw bad(line, fmt::format("ask of job {} out of order (expected job {})", id, jobs_.size()));
                    (void)ask_one(&e);
                    ask_line.push_back(k);
                } else if (kind == "exhausted") {
                    if (exhausted_ || !promotions_.empty()) throw bad(line, "unexpected 'exhausted' event");
                    try {
                        (void)ask_one(&e);
                        throw bad(line, "'exhausted' recorded but configurations are left (another inner tuner setting?)");
                    } catch (const SearchSpaceExhausted&) {
                    }
                } else if (kind == "tell") {
                    const Index id = e.at("job").get<Index>();
                    if (id < 0 || id >= static_cast<Index>(jobs_.size())) throw bad(line, fmt::format("tell of unknown job {}", id));
                    if (jobs_[static_cast<std::size_t>(id)].state != TrialState::pending)
                        throw bad(line, fmt::format("job {} told twice", id));
                    const std::string state = e.at("state").get<std::string>();
                    if (state == "complete") {
                        const double v = e.at("score").get<double>();
                        if (!std::isfinite(v)) throw bad(line, "non-finite score");
                        if (const auto& r = o_.tuner.score_range; r && (v < r->first || v > r->second))
                            throw bad(line, fmt::format("score {} of job {} is outside the study's score range [{}, {}]", v,
                                                        id, r->first, r->second));
                        apply_tell(id, v, {});
                    } else if (state == "failed") {
                        apply_tell(id, std::nullopt, e.value("reason", ""));
                    } else {
                        throw bad(line, fmt::format("unknown state '{}'", state));
                    }
                    last_tell_line = k;
                } else {
                    throw bad(line, fmt::format("unknown event '{}'", kind));
                }
            } catch (const nlohmann::json::exception& ex) {
                throw bad(line, fmt::format("invalid event ({})", ex.what()));
            }
        }
        for (const auto& j : jobs_)
            if (j.state == TrialState::pending) reask_.push_back(j.id);
        // The interrupted batch is completed by optimize only if nothing was told after its
        // first job was asked (it was still being asked when the study stopped).
        if (!reask_.empty()) resume_fill_ = last_tell_line < ask_line[static_cast<std::size_t>(reask_.front())];
        journal_.release_loaded();
    }

    MultiFidelityOptions o_;
    std::unique_ptr<std::mutex> mutex_;
    Tuner<Params> inner_;
    TunerJournal journal_;
    std::vector<BracketPlan> plans_;
    std::vector<BracketState> brackets_;
    std::vector<MultiFidelityJob<Params>> jobs_;
    std::vector<Index> last_job_of_trial_;
    std::deque<Promotion> promotions_;
    std::deque<Index> reask_;
    Index n_told_ = 0;
    double spent_ = 0.0;
    bool exhausted_ = false;
    bool broken_ = false;
    bool resume_fill_ = false;
};

}  // namespace metalearn::hpo
