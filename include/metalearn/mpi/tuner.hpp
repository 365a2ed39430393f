#pragma once
/// @file tuner.hpp
/// @brief `mpi::optimize`: `hpo::Tuner::optimize` with the objective evaluated on the ranks of an
/// MPI job, trials handed out by the dynamic scheduler (`mpi::farm`).
///
/// Rank 0 owns the tuner (its journal, its surrogate, its warm start): it asks trials and sends
/// each one's configuration (`Trial::values`) to a rank as it becomes free; that rank decodes it
/// with the search space (`SearchSpace::from_json`), evaluates the objective and sends the score
/// back; rank 0 tells it. Rank 0 also evaluates, in a second thread
/// (`FarmOptions::coordinator_evaluates`). Two schedules (`OptimizeOptions::asynchronous`):
///
/// - **batches** (the default): trials are asked `TunerOptions::batch_size` at a time (the
///   constant liar makes them distinct), handed out, and told in trial-id order once the whole
///   batch is back, then each callback is called with each told trial in id order — exactly what
///   `Tuner::optimize` does, so the trials, their results and the journal are the same for any
///   number of ranks and equal a single-process `optimize` with the same seed (given an
///   objective whose value depends only on its argument). A rank that finishes early waits for
///   the batch's slowest trial.
/// - **asynchronous**: a trial is asked for a rank as soon as it is free and told as soon as its
///   score is back (the pending trials enter the surrogate with the constant liar's score), so no
///   rank waits for another's trial; the trials then depend on the order in which results arrive
///   (the journal records them all, and a study resumed from it continues from there).
///
/// Failures: an objective that throws an exception derived from `std::exception` fails that
/// trial with its `what()` as the reason (on any rank), and the study goes on; a non-finite score
/// fails it too ("objective returned nan"), as in `Tuner::optimize`. Any other exception stops
/// the study: every rank then throws (`mpi::farm`). MPI ends the whole job when a rank dies;
/// every ask and tell is in rank 0's journal when it returns, so rerunning the same program
/// re-opens the study: finished trials are kept, and the trials that were in flight are asked
/// again first, with the same ids and configurations.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/hpo/tuner.hpp"
#include "metalearn/mpi/environment.hpp"
#include "metalearn/mpi/farm.hpp"

#include <mpi.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace metalearn::mpi {

/// Options of `mpi::optimize`.
struct OptimizeOptions {
    /// false: batches of `TunerOptions::batch_size`, told in id order (the trials of
    /// `Tuner::optimize`, for any number of ranks); true: ask and tell one trial at a time as
    /// ranks become free (see the file documentation).
    bool asynchronous = false;
    FarmOptions farm;  ///< the scheduler's options (rank 0 evaluates too by default)
};

/// `tuner->optimize(objective, n_trials, ...)` with the objective evaluated over the ranks of
/// `comm` (see the file documentation). Collective: every rank calls it with the same search
/// space and an objective that computes the same thing; rank 0 passes its tuner, the others
/// `nullptr`.
/// @tparam Params    the configuration type of the space.
/// @tparam Objective callable as `double(const Params&)`; on rank 0 it runs in a second thread
///                   while the main thread asks and tells (so it must not call the tuner).
/// @tparam Callbacks rank 0 only: each callable as `bool(const Trial<Params>&)` or `void(...)`,
///                   called with each told trial; returning true stops the study (batches: after
///                   the current batch; asynchronous: no new trial is handed out, those in
///                   flight are told without further callback calls).
/// @param comm      the ranks.
/// @param tuner     rank 0: the study's tuner (with its journal, options and warm start); other
///                  ranks: nullptr (ignored).
/// @param space     the search space, the same on every rank as rank 0's tuner's (checked).
/// @param objective the score of a configuration, maximised.
/// @param n_trials  trials to run in this call, ≥ 0 (pending trials re-asked after a resume
///                  count); rank 0's value is the one used.
/// @param options   see `OptimizeOptions`.
/// @return `best()` of rank 0's tuner at the end, on every rank (other ranks get the
///         configuration decoded by their space). Stops early, normally, when the space is
///         exhausted.
/// @throws ConfigError (every rank) when n_trials < 0, rank 0 has no tuner, or a rank's space
///         differs from rank 0's tuner's. An error of the tuner on rank 0 (`ask`, `tell`), of a
///         callback, or a non-`std::exception` thrown by an objective stops the study and is
///         thrown on every rank: a ConfigError, DataError or IoError as that, any other as
///         `MpiError` with its message (see `mpi::farm`). MpiError when MPI fails.
/// @note The ranks rebuild each configuration from `Trial::values` with `space.from_json`:
///       members of `Params` that are not in the space take `Params{}`'s values there, also for
///       a configuration enqueued with other values in such members (single-process `optimize`
///       evaluates it as enqueued).
template <class Params, class Objective, class... Callbacks>
std::optional<hpo::Trial<Params>> optimize(MPI_Comm comm, hpo::Tuner<Params>* tuner, const hpo::SearchSpace<Params>& space,
                                           Objective&& objective, Index n_trials, const OptimizeOptions& options = {},
                                           Callbacks&&... callbacks) {
    static_assert(std::is_invocable_r_v<double, Objective&, const Params&>,
                  "mpi::optimize(): the objective must be callable as double(const Params&)");
    const int me = rank(comm);
    all_or_none(comm, [&] {
        if (n_trials < 0)
            throw ConfigError(fmt::format("mpi::optimize(): n_trials out of range (expected >= 0, got {})", n_trials));
        if (me == 0 && tuner == nullptr) throw ConfigError("mpi::optimize(): rank 0 must pass its tuner");
    });
    std::string mine = hpo::detail::space_to_json(space).dump();
    std::string root = me == 0 ? hpo::detail::space_to_json(tuner->space()).dump() : std::string();
    detail::broadcast_string(comm, root, 0);
    all_or_none(comm, [&] {
        if (mine != root)
            throw ConfigError(fmt::format("mpi::optimize(): this rank's search space ({}) differs from rank 0's tuner's ({})",
                                          mine, root));
    });

    // every rank: decode a trial, evaluate it; the score or the objective's error goes back
    auto work = [&](const std::string& text) {
        const auto job = nlohmann::json::parse(text);
        const Params params = space.from_json(job.at("values"));
        nlohmann::json result = {{"id", job.at("id")}};
        try {
            result["score"] = detail::exact_number(static_cast<double>(objective(std::as_const(params))));
        } catch (const std::exception& e) {
            result["error"] = e.what();
        }
        return result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    auto encode = [](const hpo::Trial<Params>& t) { return nlohmann::json{{"id", t.id}, {"values", t.values}}.dump(); };

    // rank 0
    struct Outcome {
        double score = std::numeric_limits<double>::quiet_NaN();
        std::optional<std::string> error;
    };
    Index done = 0;        // trials told in this call
    Index asked = 0;       // trials asked in this call
    bool stop = false;     // a callback asked to stop
    bool exhausted = false;
    std::vector<hpo::Trial<Params>> batch;  // batches: the current batch, in id order
    std::size_t served = 0;                 // its trials handed out
    std::map<Index, Outcome> outcomes;      // batches: results back so far; asynchronous: unused
    auto tell = [&](Index id, const Outcome& o, bool call_back) {
        if (o.error) tuner->tell_failed(id, *o.error);
        else if (!std::isfinite(o.score)) tuner->tell_failed(id, fmt::format("objective returned {}", o.score));
        else tuner->tell(id, o.score);
        ++done;
        if (call_back && !stop) {
            const hpo::Trial<Params> t = tuner->trial(id);
            bool s = false;
            ((s = hpo::detail::invoke_tuner_callback(callbacks, t) || s), ...);
            stop = s;
        }
    };
    auto decode = [](const std::string& text) {
        const auto j = nlohmann::json::parse(text);
        Outcome o;
        if (j.contains("error")) o.error = j.at("error").get<std::string>();
        else o.score = detail::exact_number_from(j.at("score"));
        return std::pair<Index, Outcome>{j.at("id").get<Index>(), std::move(o)};
    };

    FarmCoordinator coordinator;
    if (!options.asynchronous) {
        coordinator.next = [&](int) {
            if (served < batch.size()) return FarmJob::run(encode(batch[served++]));
            if (!batch.empty()) return FarmJob::wait();  // the batch is not back yet
            if (stop || exhausted || done >= n_trials) return FarmJob::stop();
            const Index want = std::min(tuner->options().batch_size, n_trials - done);
            try {
                batch = tuner->ask(want);
            } catch (const hpo::SearchSpaceExhausted&) {
                exhausted = true;
                return FarmJob::stop();
            }
            asked += static_cast<Index>(batch.size());
            if (static_cast<Index>(batch.size()) < want) exhausted = true;
            served = 1;
            return FarmJob::run(encode(batch.front()));
        };
        coordinator.done = [&](int, std::string&& text) {
            auto [id, o] = decode(text);
            outcomes[id] = std::move(o);
            if (outcomes.size() < batch.size()) return;
            for (const auto& t : batch) tell(t.id, outcomes.at(t.id), true);  // id order, as Tuner::optimize
            batch.clear();
            outcomes.clear();
            served = 0;
        };
    } else {
        coordinator.next = [&](int) {
            if (stop || exhausted || asked >= n_trials) return FarmJob::stop();
            try {
                const auto t = tuner->ask();
                ++asked;
                return FarmJob::run(encode(t));
            } catch (const hpo::SearchSpaceExhausted&) {
                exhausted = true;
                return FarmJob::stop();
            }
        };
        coordinator.done = [&](int, std::string&& text) {
            auto [id, o] = decode(text);
            tell(id, o, true);
        };
    }
    farm(comm, work, coordinator, options.farm);

    // the best trial, on every rank
    std::string best;
    if (me == 0)
        if (const auto b = tuner->best())
            best = nlohmann::json{{"id", b->id}, {"values", b->values}, {"score", *b->score}, {"source", b->source}}.dump();
    detail::broadcast_string(comm, best, 0);
    if (best.empty()) return std::nullopt;
    if (me == 0) return tuner->best();
    const auto j = nlohmann::json::parse(best);
    hpo::Trial<Params> t;
    t.id = j.at("id").get<Index>();
    t.values = j.at("values");
    t.params = space.from_json(t.values);
    t.state = hpo::TrialState::complete;
    t.score = j.at("score").get<double>();
    t.source = j.at("source").get<std::string>();
    return t;
}

}  // namespace metalearn::mpi
