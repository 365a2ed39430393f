#pragma once
/// @file tuner_core.hpp
/// @brief The part of `Tuner<Params>` (tuner.hpp) that does not depend on `Params`: the options,
/// the trial history, the journal and its replay, the initial design, the surrogate and the
/// maximisation of expected improvement, all on encoded configurations. `Tuner<Params>` adds the
/// typed configurations on top; a program instantiating tuners for several parameter types
/// compiles this part once (and never, with the compiled mode's library).

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/core/sobol.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/hpo/tuner_gp.hpp"
#include "metalearn/hpo/tuner_journal.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
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
    /// documentation). Null (the default): nothing recorded or checked, or, re-opening a journal
    /// that records a context, that context (with a warning). Every number in it must be finite.
    nlohmann::json context{};
    /// Closed range [lo, hi] of valid scores (e.g. [0, 1] for balanced accuracy): `tell` refuses a
    /// score outside it, and so does the replay of a journal; `optimize` fails a trial whose objective
    /// returns a value outside it. Empty (the default): any finite score, or, re-opening a journal
    /// that records a range, that range.
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
[[nodiscard]] inline nlohmann::json dims_to_json(const std::vector<Dimension>& dims);

inline std::optional<TrialState> state_from_string(const std::string& s) {
    if (s == "complete") return TrialState::complete;
    if (s == "failed") return TrialState::failed;
    if (s == "pruned") return TrialState::pruned;
    return std::nullopt;
}

/// Whether every number in `j` (recursively) is finite.
[[nodiscard]] METALEARN_INLINE bool json_all_finite(const nlohmann::json& j);

/// What `TunerCore` needs of the typed search space: conversions between configurations and
/// their encodings (`SearchSpace::encode`), implemented by `Tuner<Params>`.
class TunerCodec {
public:
    /// encode(from_unit_cube(u)): the configuration at point u of [0, 1)^size(), encoded.
    [[nodiscard]] virtual Vector encode_unit(const Vector& u) const = 0;
    /// encode(decode(z)): the valid configuration nearest to the encoded point z, encoded.
    [[nodiscard]] virtual Vector snap(const Vector& z) const = 0;
    /// A configuration read from a journal line's "params" object: its encoding, and its
    /// canonical JSON form in `values`; the typed configuration is kept as the next trial's.
    /// @throws ConfigError on a name, type or value outside the space.
    virtual Vector load(const nlohmann::json& params, nlohmann::json& values) = 0;

protected:
    TunerCodec() = default;
    TunerCodec(const TunerCodec&) = default;
    TunerCodec& operator=(const TunerCodec&) = default;
    ~TunerCodec() = default;
};

/// A trial without its typed configuration (`Trial<Params>` minus `params`).
struct TrialInfo {
    Index id = -1;
    nlohmann::json values;
    TrialState state = TrialState::pending;
    std::optional<double> score;
    std::string message;
    std::string source;
};

/// The configuration `TunerCore::choose` picked for the next trial.
struct TunerChoice {
    enum class Kind {
        unit,       ///< from_unit_cube(point): point `index` of the initial design's sequence
        encoded,    ///< decode(point)
        candidate,  ///< the candidate `candidate` of `set_candidates`, as given
    };
    Kind kind = Kind::unit;
    Vector point;
    Index candidate = -1;
    Index index = -1;  ///< position in the initial design's sequence (journalled), or -1
    const char* source = "";
};

/// The untyped state and search of a `Tuner` (see tuner.hpp's documentation, which describes
/// the whole). Not thread-safe by itself: `Tuner` holds `mutex()` around every call but the
/// constructor and `distinct_rows`.
class TunerCore {
public:
    TunerCore(TunerCore&&) noexcept = default;
    TunerCore& operator=(TunerCore&&) noexcept = default;

    /// A study over the space of `dims` (encoded width D = Σ encoded_width), options checked and
    /// resolved as `Tuner`'s constructor documents.
    /// @throws ConfigError when `dims` is empty or an option is out of range.
    TunerCore(std::vector<Dimension> dims, TunerOptions options);

    /// The mutex `Tuner` serialises its calls with.
    [[nodiscard]] std::mutex& mutex() const noexcept { return *mutex_; }
    /// The options, `n_initial` and `min_distance` resolved.
    [[nodiscard]] const TunerOptions& options() const noexcept { return o_; }
    /// Number of dimensions of the space.
    [[nodiscard]] Index n_dims() const noexcept { return static_cast<Index>(dims_.size()); }
    /// Number of trials asked so far.
    [[nodiscard]] Index size() const noexcept { return static_cast<Index>(trials_.size()); }
    /// Trial `id` (0 ≤ id < size()).
    [[nodiscard]] const TrialInfo& info(Index id) const { return trials_[static_cast<std::size_t>(id)]; }
    /// Number of candidates of `set_candidates` (0: not restricted).
    [[nodiscard]] Index n_candidates() const noexcept { return cand_.rows(); }

    /// Open the journal at `path` (created when missing) and replay it; `codec` loads the
    /// configurations of its asks. @throws as `Tuner`'s constructor with a journal.
    void open_journal(const std::filesystem::path& path, TunerCodec& codec) {
        journal_ = TunerJournal(path, o_.on_warning, o_.sync_each);
        replay(codec);
    }

    /// The next trial asked before a resume and never told (lowest id first), or -1.
    [[nodiscard]] Index next_reask();

    /// Steps 3 and 4 of choosing a trial (tuner.hpp): the initial design, random search or
    /// expected improvement, or a candidate of `set_candidates`.
    /// @throws SearchSpaceExhausted, DataError (prior mean), NumericalError (surrogate).
    [[nodiscard]] TunerChoice choose(const TunerCodec& codec);

    /// Record the ask of a new trial (journal first: a failed write records nothing) with the
    /// encoding z of its configuration and its JSON form. @return its id.
    Index record_ask(const Vector& z, nlohmann::json values, std::string source, Index index);

    /// `Tuner::tell`.
    void tell(Index id, double score);

    /// `Tuner::tell_failed`, `reason` already valid UTF-8.
    void tell_failed(Index id, std::string reason);

    /// `Tuner::tell_pruned`.
    void tell_pruned(Index id, std::optional<double> score_at_budget);

    /// `Tuner::set_prior_mean` (decay already checked).
    void set_prior_mean(std::function<double(const Eigen::VectorXd&)> prior, PriorScaling scaling, double decay);

    /// The rows of Z (encoded candidates) kept by `set_candidates`: each row not within
    /// `min_distance` of an earlier kept row, ascending. Reads only the immutable `min_distance`.
    [[nodiscard]] std::vector<Index> distinct_rows(const Matrix& Z) const;

    /// Restrict the search to the encoded candidates (rows; none: lift the restriction).
    void set_candidates(Matrix candidates) { cand_ = std::move(candidates); }

    /// The complete trial with the highest score (the lowest id among equal scores), or -1.
    [[nodiscard]] Index best_id() const;
    /// Whether the encoded configuration z is at least `min_distance` from every trial.
    [[nodiscard]] bool far_enough(const Vector& z) const { return !is_near(z.transpose()); }
    /// Whether `score` lies in `TunerOptions::score_range` (always, without a range).
    [[nodiscard]] bool in_score_range(double score) const noexcept {
        return !o_.score_range || (score >= o_.score_range->first && score <= o_.score_range->second);
    }

private:
    static constexpr Index enumerate_limit = Index{1} << 16;
    static constexpr int max_generate_tries = 4096;

    // ------------------------------------------------------------------ journal replay

    [[nodiscard]] nlohmann::json study_event() const;

    void check_score_range(double score, Index id, const char* fn) const;

    /// The journal's context against this tuner's: ConfigError listing the keys that differ.
    void check_context(const nlohmann::json& head, const std::string& file);

    void replay(TunerCodec& codec);

    void check_pending(Index id, const char* fn) const;

    void add_trial(TrialInfo t, const Vector& z);

    /// Whether a trial is closer than `min_distance` to the encoded configuration c (D):
    /// ‖c − t‖² < min_distance², Euclidean in the encoding (never with min_distance 0). Only the
    /// trials whose projection on a fixed unit direction u lies within min_distance of c's are
    /// compared (|uᵀ(c − t)| ≤ ‖c − t‖), found by binary search in the trials sorted by
    /// projection: O(log n) for trials that do not crowd one projection, instead of O(n·D).
    [[nodiscard]] bool is_near(const Eigen::Ref<const RowVector, 0, Eigen::InnerStride<>>& c) const;

    /// For each row of C (m×D): 1 when it `is_near` a trial, else 0.
    [[nodiscard]] std::vector<char> near_trials(const Matrix& C) const;

    /// Indices of the rows of C (m×D) that are not near any trial, ascending.
    [[nodiscard]] std::vector<Index> far_rows(const Matrix& C) const;

    /// Point k of the initial design's sequence, in [0, 1)^size().
    [[nodiscard]] Vector unit_point(Index k);

    /// Every configuration of an enumerable space, encoded (rows), built on first use.
    const Matrix& all_configs();

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

    [[nodiscard]] SearchSpaceExhausted exhausted() const;

    /// The next configuration of the initial design's sequence that is far enough from every
    /// trial; `index` receives its position in the sequence.

    [[nodiscard]] double raw_prior_at(const Vector& z) const;

    /// The prior mean on the scale of the scores (`prior_a_ + prior_b_ · prior`).
    [[nodiscard]] double prior_at(const Vector& z) const {
        return prior_b_ == 0.0 ? prior_a_ : prior_a_ + prior_b_ * raw_prior_at(z);  // an ignored prior is not evaluated
    }

    /// `prior_a_`, `prior_b_` for the next ask (`PriorScaling`; see the file documentation).
    void scale_prior();

    /// Predictive mean and standard deviation (score units) at the rows of C; `state` as fitted
    /// by `fit_surrogate`.
    struct Fitted {
        bool prior_only = true;  ///< no training rows: mean = prior, std = 0
        double shift = 0.0;
        double scale = 1.0;
        double best = -std::numeric_limits<double>::infinity();
    };

    void predict(const Fitted& f, const Matrix& C, Vector& mean, Vector& sd) const;

    /// Upper bound of the expected improvement (as `expected_improvement` computes it) of a
    /// candidate with mean `mu` whose standard deviation is at most `sd_bound` (score units). EI
    /// increases with σ; its computed value at the bound, raised by a relative 10⁻⁹ (far above its
    /// rounding error, at most about z²·10⁻¹⁶ for z ≥ −30), bounds the computed value at any
    /// smaller σ. Below z = −30 the EI is at most σφ(z) < σ·2·10⁻¹⁹⁶, which is added as the bound
    /// there (where rounding may dominate the tiny EI).
    [[nodiscard]] double ei_upper_bound(double mu, double sd_bound, double best) const;

    /// Mean, standard-deviation bound and EI bound (score units, each len) at the rows of a block
    /// of at most 64 candidates; `sd_raw` receives the surrogate's bound in its own units, and
    /// `scratch` what `block_ei` needs.
    void block_bounds(const Fitted& f, const Matrix& block, Vector& mean, Vector& sd_raw, Vector& upper,
                      PredictScratch& scratch);

    /// The expected improvement at the given rows of the `block_bounds` block that filled
    /// `scratch` (each rows.size()): the same numbers as `acquisition`.
    void block_ei(const Fitted& f, const Vector& mean, const Vector& sd_raw, const std::vector<Index>& rows, Vector& a,
                  PredictScratch& scratch);

    /// The first min(k, m) rows of the pool (m×D) by expected improvement, best first, with their
    /// EIs, ties to the lower index: the head of a stable sort of all EIs, descending. The means
    /// and EI bounds (`ei_upper_bound`) of the whole pool come first, in blocks as `predict`
    /// computes them; the exact standard deviation is then computed only for candidates whose
    /// bound can still reach the k-th best EI found so far, best bounds of the whole pool first,
    /// four rows of one block at a time. A candidate waits in its block's group until the group
    /// has four or no candidate with a higher bound is left, and is dropped if the k-th best EI
    /// has passed its bound by then; every EI computed is exact, so the result is the same
    /// whatever the order.
    [[nodiscard]] std::vector<std::pair<double, Index>> top_candidates(const Fitted& f, const Matrix& pool, Index k);

    [[nodiscard]] Vector acquisition(const Fitted& f, const Matrix& C) const;

    [[nodiscard]] Fitted fit_surrogate(Index id);

    /// The expected improvement of a round of local candidates C (row c·n_local_steps + s: step s
    /// around centre c) where it can change the refinement: a candidate too close to a trial
    /// (`near`) or whose EI bound is below its centre's EI (`centre_a`, at most the best EI so
    /// far) can improve nothing, and gets −inf; the others their exact EI.
    [[nodiscard]] Vector local_acquisition(const Fitted& f, const Matrix& C, const std::vector<char>& near,
                                           const std::vector<double>& centre_a);

    /// The Bayesian-optimisation proposal for trial `id` (encoded), or nothing when no candidate
    /// is far enough from the trials.
    [[nodiscard]] std::optional<Vector> propose(Index id, const TunerCodec& codec);

    /// The next configuration of the initial design's sequence that is far enough from every
    /// trial (kind unit, with its position in the sequence), or, in a small discrete space whose
    /// sequence keeps hitting trials, a random remaining configuration (kind encoded).
    [[nodiscard]] TunerChoice next_generated(Index id, const TunerCodec& codec);

    /// `choose` while the search is restricted to candidates (`set_candidates`).
    [[nodiscard]] TunerChoice ask_candidate(Index id, bool initial, const TunerCodec& codec);

    std::vector<Dimension> dims_;
    Index D_ = 0;  ///< encoded width
    TunerOptions o_;
    TunerJournal journal_;
    std::unique_ptr<std::mutex> mutex_;
    std::vector<TrialInfo> trials_;
    Matrix Z_;  ///< encoded trials, one row per trial (capacity grows by doubling)
    Index n_complete_ = 0;
    std::deque<Index> reask_;
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
    Matrix cand_;            ///< `set_candidates`' encoded candidates, one row each (none: not restricted)
};

inline nlohmann::json dims_to_json(const std::vector<Dimension>& dims) {
    nlohmann::json out = nlohmann::json::array();
    for (const Dimension& d : dims) {
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

}  // namespace detail
}  // namespace metalearn::hpo

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/hpo/tuner_core_impl.hpp"
#endif
