#pragma once
/// @file tuner_core_impl.hpp
/// @brief Bodies of tuner_core.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/hpo/tuner_core.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace metalearn::hpo::detail {

METALEARN_INLINE bool json_all_finite(const nlohmann::json& j) {
    if (j.is_number_float()) return std::isfinite(j.get<double>());
    if (j.is_structured())
        for (const auto& v : j)
            if (!json_all_finite(v)) return false;
    return true;
}

METALEARN_INLINE TunerCore::TunerCore(std::vector<Dimension> dims, TunerOptions options) : dims_(std::move(dims)), o_(std::move(options)) {
    mutex_ = std::make_unique<std::mutex>();
    if (dims_.empty()) throw ConfigError("Tuner::Tuner(): the search space is empty (expected at least one dimension)");
    D_ = 0;
    for (const Dimension& d : dims_) D_ += d.encoded_width();
    const Index D = D_;
    if (!o_.n_initial) o_.n_initial = std::max<Index>(5, n_dims() + 1);
    if (!o_.min_distance) o_.min_distance = 1e-3 * std::sqrt(static_cast<double>(D));
    if (*o_.n_initial < 0 || o_.n_candidates < 1 || o_.n_local_starts < 0 || o_.n_local_rounds < 0 ||
        o_.n_local_steps < 1 || !(o_.xi >= 0) || !std::isfinite(o_.xi) || o_.batch_size < 1 ||
        !(*o_.min_distance >= 0) || !std::isfinite(*o_.min_distance) || o_.refit_all_until < 0 || o_.refit_interval < 1)
        throw ConfigError(fmt::format(
            "Tuner::Tuner(): option out of range (expected n_initial >= 0, n_candidates >= 1, n_local_starts >= 0, "
            "n_local_rounds >= 0, n_local_steps >= 1, finite xi >= 0, batch_size >= 1, finite min_distance >= 0, "
            "refit_all_until >= 0, refit_interval >= 1; got n_initial {}, n_candidates {}, n_local_starts {}, "
            "n_local_rounds {}, n_local_steps {}, xi {}, batch_size {}, min_distance {}, refit_all_until {}, "
            "refit_interval {})",
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
    if (!json_all_finite(o_.context))
        throw ConfigError(fmt::format("Tuner::Tuner(): context holds a NaN or infinite number ({}), which a journal "
                                      "cannot record (JSON has no such numbers)",
                                      o_.context.dump()));
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
    for (const Dimension& d : dims_) {
        if (d.is_categorical()) count *= static_cast<double>(d.labels.size());
        else if (d.is_integer()) count *= d.hi - d.lo + 1;
        else discrete = false;
    }
    enumerable_ = discrete && count <= static_cast<double>(enumerate_limit);
}

METALEARN_INLINE Index TunerCore::next_reask() {
    while (!reask_.empty()) {
        const Index id = reask_.front();
        reask_.pop_front();
        if (trials_[static_cast<std::size_t>(id)].state == TrialState::pending) return id;
    }
    return -1;
}

METALEARN_INLINE TunerChoice TunerCore::choose(const TunerCodec& codec) {
    const Index id = static_cast<Index>(trials_.size());
    Index active = 0;
    for (const auto& t : trials_) active += (t.state == TrialState::complete || t.state == TrialState::pending) ? 1 : 0;
    const bool initial = active < *o_.n_initial || (n_complete_ == 0 && !o_.prior_mean);
    if (cand_.rows() > 0) return ask_candidate(id, initial, codec);
    if (initial || o_.method == SearchMethod::random) {
        TunerChoice c = next_generated(id, codec);
        c.source = initial ? "initial" : "random";
        return c;
    }
    std::optional<Vector> z = propose(id, codec);
    if (!z) {
        TunerChoice c = next_generated(id, codec);  // nothing far enough in the pool: fall back on the sequence
        c.source = "bayesian";
        return c;
    }
    TunerChoice c;
    c.kind = TunerChoice::Kind::encoded;
    c.point = std::move(*z);
    c.source = "bayesian";
    return c;
}

METALEARN_INLINE Index TunerCore::record_ask(const Vector& z, nlohmann::json values, std::string source, Index index) {
    TrialInfo t;
    t.id = static_cast<Index>(trials_.size());
    t.values = std::move(values);
    t.source = std::move(source);
    nlohmann::json e = {{"event", "ask"}, {"id", t.id}, {"params", t.values}, {"source", t.source}};
    if (index >= 0) e["index"] = index;
    journal_.append(e);  // before any state changes: a failed write records nothing
    const Index id = t.id;
    add_trial(std::move(t), z);
    return id;
}

METALEARN_INLINE void TunerCore::tell(Index id, double score) {
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

METALEARN_INLINE void TunerCore::tell_failed(Index id, std::string reason) {
    check_pending(id, "tell_failed");
    journal_.append({{"event", "tell"}, {"id", id}, {"state", "failed"}, {"reason", reason}});
    auto& t = trials_[static_cast<std::size_t>(id)];
    t.state = TrialState::failed;
    t.message = std::move(reason);
}

METALEARN_INLINE void TunerCore::tell_pruned(Index id, std::optional<double> score_at_budget) {
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

METALEARN_INLINE void TunerCore::set_prior_mean(std::function<double(const Eigen::VectorXd&)> prior, PriorScaling scaling, double decay) {
    o_.prior_mean = std::move(prior);
    o_.prior_scaling = scaling;
    o_.prior_decay = decay;
}

METALEARN_INLINE std::vector<Index> TunerCore::distinct_rows(const Matrix& Z) const {
    Matrix kept(Z.rows(), Z.cols());
    std::vector<Index> out;
    const double md2 = *o_.min_distance * *o_.min_distance;
    for (Index i = 0; i < Z.rows(); ++i) {
        const auto n = static_cast<Index>(out.size());
        if (n > 0 && ((kept.topRows(n).rowwise() - Z.row(i)).rowwise().squaredNorm().array() < md2).any()) continue;
        kept.row(n) = Z.row(i);
        out.push_back(i);
    }
    return out;
}

METALEARN_INLINE nlohmann::json TunerCore::study_event() const {
    nlohmann::json e = {{"event", "study"},
                        {"format", "metalearn.tuner"},
                        {"version", 1},
                        {"seed", o_.seed},
                        {"space", dims_to_json(dims_)}};
    if (!o_.context.is_null()) e["context"] = o_.context;
    if (o_.score_range) e["score_range"] = {o_.score_range->first, o_.score_range->second};
    return e;
}

METALEARN_INLINE void TunerCore::check_score_range(double score, Index id, const char* fn) const {
    if (!in_score_range(score))
        throw DataError(fmt::format("Tuner::{}(): score of trial {} is outside the study's score range (expected "
                                    "[{}, {}], got {})",
                                    fn, id, o_.score_range->first, o_.score_range->second, score));
}

METALEARN_INLINE void TunerCore::check_context(const nlohmann::json& head, const std::string& file) {
    if (o_.context.is_null()) {
        if (head.contains("context") && !head["context"].is_null()) {
            // adopted, so that options() shows what the scores are about
            o_.context = head["context"];
            if (o_.on_warning)
                o_.on_warning(fmt::format(
                    "Tuner: journal '{}' records the study context {}, and this run gave none "
                    "(TunerOptions::context): it cannot be checked that this run scores on the same data and metric; "
                    "resuming it under the recorded context",
                    file, o_.context.dump()));
        }
        return;
    }
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

METALEARN_INLINE void TunerCore::replay(TunerCodec& codec) {
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
    const nlohmann::json mine = dims_to_json(dims_);
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
        if (!theirs_range.is_null() && mine_range.is_null()) {
            // the study's range holds for every run of it: adopted, and enforced from here on
            if (!theirs_range.is_array() || theirs_range.size() != 2 || !theirs_range[0].is_number() ||
                !theirs_range[1].is_number() || !(theirs_range[0].get<double>() <= theirs_range[1].get<double>()))
                throw bad(head.line, fmt::format("score_range {} is not [lo, hi] with lo <= hi", theirs_range.dump()));
            o_.score_range = std::pair{theirs_range[0].get<double>(), theirs_range[1].get<double>()};
        }
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
                TrialInfo t;
                t.id = id;
                const Vector z = codec.load(e.at("params"), t.values);
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
                add_trial(std::move(t), z);
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
                    if (!in_score_range(v))
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

METALEARN_INLINE void TunerCore::check_pending(Index id, const char* fn) const {
    if (id < 0 || id >= static_cast<Index>(trials_.size()))
        throw ConfigError(fmt::format("Tuner::{}(): unknown trial id {} (expected 0 to {})", fn, id,
                                      static_cast<Index>(trials_.size()) - 1));
    const auto& t = trials_[static_cast<std::size_t>(id)];
    if (t.state != TrialState::pending)
        throw ConfigError(fmt::format("Tuner::{}(): trial {} was already told (state {})", fn, id, to_string(t.state)));
}

METALEARN_INLINE Index TunerCore::best_id() const {
    const TrialInfo* b = nullptr;
    for (const auto& t : trials_)
        if (t.state == TrialState::complete && (!b || *t.score > *b->score)) b = &t;
    return b ? b->id : -1;
}

METALEARN_INLINE void TunerCore::add_trial(TrialInfo t, const Vector& z) {
    const Index n = static_cast<Index>(trials_.size());
    if (n >= Z_.rows()) Z_.conservativeResize(2 * Z_.rows(), Eigen::NoChange);
    Z_.row(n) = z.transpose();
    const std::pair<double, Index> p{Z_.row(n).dot(direction_), n};
    projections_.insert(std::upper_bound(projections_.begin(), projections_.end(), p), p);
    trials_.push_back(std::move(t));
}

METALEARN_INLINE bool TunerCore::is_near(const Eigen::Ref<const RowVector, 0, Eigen::InnerStride<>>& c) const {
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

METALEARN_INLINE std::vector<char> TunerCore::near_trials(const Matrix& C) const {
    std::vector<char> out(static_cast<std::size_t>(C.rows()), 0);
    for (Index i = 0; i < C.rows(); ++i) out[static_cast<std::size_t>(i)] = is_near(C.row(i)) ? 1 : 0;
    return out;
}

METALEARN_INLINE std::vector<Index> TunerCore::far_rows(const Matrix& C) const {
    std::vector<Index> keep;
    for (Index i = 0; i < C.rows(); ++i)
        if (!is_near(C.row(i))) keep.push_back(i);
    return keep;
}

METALEARN_INLINE Vector TunerCore::unit_point(Index k) {
    const Index d = n_dims();
    if (o_.sampler == RandomSampler::sobol && d <= sobol_max_dimensions) {
        if (k >= sobol_.rows()) sobol_ = sobol_points(std::max<Index>({64, 2 * sobol_.rows(), k + 1}), d, derive_seed(o_.seed, {0}));
        return sobol_.row(k).transpose();
    }
    Rng rng(derive_seed(o_.seed, {1, static_cast<std::uint64_t>(k)}));
    Vector u(d);
    for (Index j = 0; j < d; ++j) u[j] = rng.uniform();
    return u;
}

METALEARN_INLINE const Matrix& TunerCore::all_configs() {
    if (all_.rows() > 0) return all_;
    Index total = 1;
    for (Index i = 0; i < n_dims(); ++i) {
        const Dimension& d = dims_[static_cast<std::size_t>(i)];
        total *= d.is_categorical() ? static_cast<Index>(d.labels.size()) : static_cast<Index>(d.hi - d.lo + 1);
    }
    const Index D = D_;
    all_ = Matrix::Zero(total, D);
    for (Index r = 0; r < total; ++r) {  // first dimension varying slowest
        Index rest = r;
        Index c = 0;
        std::vector<Index> digit(static_cast<std::size_t>(n_dims()));
        for (Index i = n_dims() - 1; i >= 0; --i) {
            const Dimension& d = dims_[static_cast<std::size_t>(i)];
            const Index k = d.is_categorical() ? static_cast<Index>(d.labels.size()) : static_cast<Index>(d.hi - d.lo + 1);
            digit[static_cast<std::size_t>(i)] = rest % k;
            rest /= k;
        }
        for (Index i = 0; i < n_dims(); ++i) {
            const Dimension& d = dims_[static_cast<std::size_t>(i)];
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

METALEARN_INLINE SearchSpaceExhausted TunerCore::exhausted() const {
    if (cand_.rows() > 0)
        return SearchSpaceExhausted(fmt::format(
            "Tuner::ask(): all {} candidates (set_candidates) are within min_distance = {} of a trial: every "
            "candidate has been tried",
            cand_.rows(), *o_.min_distance));
    return SearchSpaceExhausted(fmt::format(
        "Tuner::ask(): no configuration is at least min_distance = {} from all {} trials: the search space is "
        "exhausted",
        *o_.min_distance, trials_.size()));
}

METALEARN_INLINE double TunerCore::raw_prior_at(const Vector& z) const {
    const double v = o_.prior_mean(z);
    if (!std::isfinite(v))
        throw DataError(fmt::format("Tuner::ask(): the prior mean returned {} (expected a finite value)", v));
    return v;
}

METALEARN_INLINE void TunerCore::scale_prior() {
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

METALEARN_INLINE void TunerCore::predict(const Fitted& f, const Matrix& C, Vector& mean, Vector& sd) const {
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

METALEARN_INLINE double TunerCore::ei_upper_bound(double mu, double sd_bound, double best) const {
    const double ei = expected_improvement(mu, sd_bound, best, o_.xi);
    const double gain = mu - best - o_.xi;
    if (sd_bound > 0.0 && std::isfinite(sd_bound) && std::isfinite(gain) && gain / sd_bound < -30.0)
        return std::max(ei * (1.0 + 1e-9), sd_bound * 2e-196);
    return ei * (1.0 + 1e-9);
}

METALEARN_INLINE void TunerCore::block_bounds(const Fitted& f, const Matrix& block, Vector& mean, Vector& sd_raw, Vector& upper, PredictScratch& scratch) {
    Vector m;
    surrogate_->predict_mean(block, m, sd_raw, scratch);
    mean = (m.array() * f.scale + f.shift).matrix();
    if (o_.prior_mean)
        for (Index i = 0; i < block.rows(); ++i) mean[i] += prior_at(block.row(i).transpose());
    const Vector sd = sd_raw * f.scale;
    upper.resize(block.rows());
    for (Index i = 0; i < block.rows(); ++i) upper[i] = ei_upper_bound(mean[i], sd[i], f.best);
}

METALEARN_INLINE void TunerCore::block_ei(const Fitted& f, const Vector& mean, const Vector& sd_raw, const std::vector<Index>& rows, Vector& a, PredictScratch& scratch) {
    Vector s;
    surrogate_->predict_std(scratch, sd_raw, rows, s);
    const Vector sd = s * f.scale;
    a.resize(static_cast<Index>(rows.size()));
    for (std::size_t k = 0; k < rows.size(); ++k)
        a[static_cast<Index>(k)] = expected_improvement(mean[rows[k]], sd[static_cast<Index>(k)], f.best, o_.xi);
}

METALEARN_INLINE std::vector<std::pair<double, Index>> TunerCore::top_candidates(const Fitted& f, const Matrix& pool, Index k) {
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

METALEARN_INLINE Vector TunerCore::acquisition(const Fitted& f, const Matrix& C) const {
    Vector mean;
    Vector sd;
    predict(f, C, mean, sd);
    if (f.prior_only) return mean;  // nothing observed: follow the prior
    Vector a(C.rows());
    for (Index i = 0; i < C.rows(); ++i) a[i] = expected_improvement(mean[i], sd[i], f.best, o_.xi);
    return a;
}

METALEARN_INLINE TunerCore::Fitted TunerCore::fit_surrogate(Index id) {
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
    const Index D = D_;
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

METALEARN_INLINE Vector TunerCore::local_acquisition(const Fitted& f, const Matrix& C, const std::vector<char>& near, const std::vector<double>& centre_a) {
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

METALEARN_INLINE std::optional<Vector> TunerCore::propose(Index id, const TunerCodec& codec) {
    const Fitted f = fit_surrogate(id);
    const Index D = D_;
    // The pool: every remaining configuration of a small discrete space, else Sobol points.
    Matrix pool;
    const bool restricted = cand_.rows() > 0;
    if (restricted) {
        const std::vector<Index> keep = remaining_candidates();
        pool.resize(static_cast<Index>(keep.size()), D);
        for (std::size_t k = 0; k < keep.size(); ++k) pool.row(static_cast<Index>(k)) = cand_.row(keep[k]);
        if (pool.rows() == 0) return std::nullopt;
    } else if (enumerable_ && all_configs().rows() <= o_.n_candidates) {
        pool = remaining_configs();
    } else {
        const std::uint64_t pool_seed = derive_seed(o_.seed, {2, static_cast<std::uint64_t>(id)});
        Matrix u(o_.n_candidates, n_dims());
        if (n_dims() <= sobol_max_dimensions) {
            u = sobol_points(o_.n_candidates, n_dims(), pool_seed);
        } else {
            Rng rng(pool_seed);
            for (Index i = 0; i < u.rows(); ++i)
                for (Index j = 0; j < u.cols(); ++j) u(i, j) = rng.uniform();
        }
        Matrix all(u.rows(), D);
        for (Index i = 0; i < u.rows(); ++i) all.row(i) = codec.encode_unit(u.row(i).transpose()).transpose();
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
                    C.row(c * o_.n_local_steps + s) = codec.snap(z).transpose();
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

METALEARN_INLINE TunerChoice TunerCore::next_generated(Index id, const TunerCodec& codec) {
    TunerChoice c;
    for (int tries = 0; tries < max_generate_tries; ++tries) {
        const Index k = generated_++;
        Vector u = unit_point(k);
        if (far_enough(codec.encode_unit(u))) {
            c.point = std::move(u);
            c.index = k;
            return c;
        }
        if (enumerable_ && tries >= 64) break;  // small discrete space: look at the list instead
    }
    if (enumerable_) {
        const Matrix rest = remaining_configs();
        if (rest.rows() == 0) throw exhausted();
        Rng rng(derive_seed(o_.seed, {3, static_cast<std::uint64_t>(id)}));
        const auto pick = static_cast<Index>(rng.uniform_index(static_cast<std::uint64_t>(rest.rows())));
        c.kind = TunerChoice::Kind::encoded;
        c.point = rest.row(pick).transpose();
        return c;
    }
    throw exhausted();
}

METALEARN_INLINE TunerChoice TunerCore::ask_candidate(Index id, bool initial, const TunerCodec& codec) {
    TunerChoice c;
    c.kind = TunerChoice::Kind::candidate;
    if (!initial && o_.method == SearchMethod::bayesian) {
        if (const std::optional<Vector> z = propose(id, codec)) {
            for (Index i = 0; i < cand_.rows(); ++i)  // the pool's rows are copies of candidate rows
                if (cand_.row(i) == z->transpose()) {
                    c.candidate = i;
                    c.source = "bayesian";
                    return c;
                }
        }
    }
    const std::vector<Index> rest = remaining_candidates();
    if (rest.empty()) throw exhausted();
    Rng rng(derive_seed(o_.seed, {6, static_cast<std::uint64_t>(id)}));
    c.candidate = rest[static_cast<std::size_t>(rng.uniform_index(static_cast<std::uint64_t>(rest.size())))];
    c.source = initial ? "initial" : "random";
    return c;
}

}  // namespace metalearn::hpo::detail
