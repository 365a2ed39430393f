#pragma once
/// @file evaluate.hpp
/// @brief `mpi::leave_one_task_out` and `mpi::evaluate`: the leave-one-task-out meta-evaluation
/// (`meta::leave_one_task_out`) with its held-out tasks spread over the ranks of an MPI job by
/// the dynamic scheduler (`mpi::farm`).
///
/// Each held-out task is independent (its strategies are fitted on the other tasks), and their
/// costs differ widely (the guided search refits its meta-model at every pick), so rank 0 hands
/// them out one at a time to the ranks as they finish. Rank 0's table is sent to every rank
/// exactly (every double, NaN included); each result comes back exactly; every rank then
/// summarises the same results in the same order. So the evaluation equals, value for value, the
/// single-process `meta::leave_one_task_out` of the same table, strategies and options, for any
/// number of ranks.

#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/meta/evaluation.hpp"
#include "metalearn/mpi/environment.hpp"
#include "metalearn/mpi/farm.hpp"

#include <mpi.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace metalearn::mpi {

namespace detail {

/// A matrix as JSON, exactly: {"rows", "cols", "data": column-major `exact_number`s}.
inline nlohmann::json matrix_to_json(const Matrix& m) {
    nlohmann::json data = nlohmann::json::array();
    for (Index i = 0; i < m.size(); ++i) data.push_back(exact_number(m.data()[i]));
    return {{"rows", m.rows()}, {"cols", m.cols()}, {"data", std::move(data)}};
}

/// Inverse of `matrix_to_json`. @throws MpiError when the sizes disagree.
inline Matrix matrix_from_json(const nlohmann::json& j) {
    const Index rows = j.at("rows").get<Index>();
    const Index cols = j.at("cols").get<Index>();
    const auto& data = j.at("data");
    if (rows < 0 || cols < 0 || static_cast<Index>(data.size()) != rows * cols)
        throw MpiError(fmt::format("mpi: malformed matrix in a message ({}×{} with {} values)", rows, cols, data.size()));
    Matrix m(rows, cols);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = exact_number_from(data[static_cast<std::size_t>(i)]);
    return m;
}

/// A task table as a message (exact).
inline std::string table_to_message(const meta::TaskTable& t) {
    nlohmann::json j = {{"model", t.model},
                        {"task_ids", t.task_ids},
                        {"task_names", t.task_names},
                        {"meta_feature_names", t.meta_feature_names},
                        {"meta_features", matrix_to_json(t.meta_features)},
                        {"configs", t.configs},
                        {"config_encoding", matrix_to_json(t.config_encoding)},
                        {"scores", matrix_to_json(t.scores)},
                        {"default_config", t.default_config}};
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// Inverse of `table_to_message`. @throws MpiError when the message is malformed.
inline meta::TaskTable table_from_message(const std::string& text) {
    try {
        const auto j = nlohmann::json::parse(text);
        meta::TaskTable t;
        t.model = j.at("model").get<std::string>();
        t.task_ids = j.at("task_ids").get<std::vector<std::string>>();
        t.task_names = j.at("task_names").get<std::vector<std::string>>();
        t.meta_feature_names = j.at("meta_feature_names").get<std::vector<std::string>>();
        t.meta_features = matrix_from_json(j.at("meta_features"));
        t.configs = j.at("configs").get<std::vector<nlohmann::json>>();
        t.config_encoding = matrix_from_json(j.at("config_encoding"));
        t.scores = matrix_from_json(j.at("scores"));
        t.default_config = j.at("default_config").get<Index>();
        return t;
    } catch (const nlohmann::json::exception& e) {
        throw MpiError(fmt::format("mpi::leave_one_task_out(): malformed task table in a message ({})", e.what()));
    }
}

/// One held-out task's result as JSON, exactly: {"i": index, "regret", "rank", "curve",
/// "fit_s", "propose_s"}.
inline nlohmann::json result_to_json(std::size_t index, const meta::HeldOutResult& r) {
    nlohmann::json regret = nlohmann::json::array(), rank = nlohmann::json::array();
    for (double v : r.regret_at_1) regret.push_back(exact_number(v));
    for (double v : r.rank_at_1) rank.push_back(exact_number(v));
    return {{"i", index},           {"regret", regret},       {"rank", rank}, {"curve", matrix_to_json(r.best_so_far)},
            {"fit_s", r.fit_seconds}, {"propose_s", r.propose_seconds}};
}

/// Inverse of `result_to_json`. @throws MpiError when the JSON is malformed.
inline std::pair<std::size_t, meta::HeldOutResult> result_from_json(const nlohmann::json& j) {
    try {
        meta::HeldOutResult r;
        for (const auto& v : j.at("regret")) r.regret_at_1.push_back(exact_number_from(v));
        for (const auto& v : j.at("rank")) r.rank_at_1.push_back(exact_number_from(v));
        r.best_so_far = matrix_from_json(j.at("curve"));
        if (j.contains("fit_s")) r.fit_seconds = j.at("fit_s").get<std::vector<double>>();
        if (j.contains("propose_s")) r.propose_seconds = j.at("propose_s").get<std::vector<double>>();
        return {j.at("i").get<std::size_t>(), std::move(r)};
    } catch (const nlohmann::json::exception& e) {
        throw MpiError(fmt::format("mpi::leave_one_task_out(): malformed result in a message ({})", e.what()));
    }
}

/// `result_from_json` of a message's text. @throws MpiError when it is not a result.
inline std::pair<std::size_t, meta::HeldOutResult> result_from_message(const std::string& text) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw MpiError(fmt::format("mpi::leave_one_task_out(): malformed result in a message ({})", e.what()));
    }
    return result_from_json(j);
}

}  // namespace detail

/// `meta::leave_one_task_out(table, strategies, opts, progress)` over the ranks of `comm`, one
/// held-out task per job (see the file documentation). Collective: every rank calls it with the
/// same strategies and options; only rank 0's `table` is used (it is sent to the others, which
/// may pass an empty one). Each rank runs one held-out task at a time (`opts.n_threads` is not
/// used).
/// @param comm       the ranks.
/// @param table      rank 0: tasks × plan scores of one base model.
/// @param strategies the strategies to compare, the same on every rank (checked by their names).
/// @param opts       budgets, random baseline, bootstrap (seeded), as for the single-process call.
/// @param progress   rank 0 only: called when held-out tasks have finished; returning true stops
///                   handing them out (the result covers the finished ones).
/// @param options    the scheduler's options (`FarmOptions`).
/// @return the same evaluation on every rank, equal to the single-process one.
/// @throws DataError (every rank) when fewer than 3 tasks have informative scores; ConfigError
///         when the ranks' strategies or options differ; every rank throws the first exception
///         of a strategy (with its type, see `mpi::farm`); MpiError when MPI fails.
inline meta::MetaEvaluation leave_one_task_out(MPI_Comm comm, const meta::TaskTable& table,
                                               const std::vector<meta::StrategyFactory>& strategies,
                                               const meta::EvaluationOptions& opts = {},
                                               const ProgressCallback& progress = {}, const FarmOptions& options = {}) {
    const int me = rank(comm);
    std::string text;
    if (me == 0) text = detail::table_to_message(table);
    detail::broadcast_string(comm, text, 0);
    meta::TaskTable shared;  // every rank, rank 0 included, evaluates the decoded table
    all_or_none(comm, [&] { shared = detail::table_from_message(text); });

    // the same strategies and options on every rank
    std::string names;
    all_or_none(comm, [&] {
        for (const auto& f : strategies) names += f()->name() + "\x1f";
    });
    nlohmann::json setup = {{"strategies", names}, {"budgets", opts.budgets}, {"random", opts.include_random},
                            {"bootstrap", opts.n_bootstrap}, {"seed", opts.seed}};
    std::string mine = setup.dump(), root = mine;
    detail::broadcast_string(comm, root, 0);
    all_or_none(comm, [&] {
        if (mine != root)
            throw ConfigError(fmt::format("mpi::leave_one_task_out(): this rank's strategies or options ({}) differ from "
                                          "rank 0's ({})",
                                          mine, root));
    });

    meta::HeldOutTasks held_out;
    all_or_none(comm, [&] { held_out = meta::held_out_tasks(shared); });
    const std::size_t n = held_out.tasks.size();
    std::vector<std::optional<meta::HeldOutResult>> results(n);
    std::size_t next = 0, done = 0, reported = 0;

    auto work = [&](const std::string& job) {
        const auto e = static_cast<std::size_t>(std::stoull(job));
        if (e >= n) throw MpiError(fmt::format("mpi::leave_one_task_out(): job {} of {}", e, n));
        return detail::result_to_json(e, meta::evaluate_held_out(shared, held_out.tasks[e], strategies, opts)).dump();
    };
    FarmCoordinator coordinator;
    coordinator.next = [&](int) { return next < n ? FarmJob::run(std::to_string(next++)) : FarmJob::stop(); };
    coordinator.done = [&](int, std::string&& message) {
        auto [e, r] = detail::result_from_message(message);
        if (e >= n) throw MpiError(fmt::format("mpi::leave_one_task_out(): result {} of {}", e, n));
        results[e] = std::move(r);
        ++done;
    };
    coordinator.poll = [&] {
        if (!progress || done == reported) return false;
        reported = done;
        return progress({done, n, 0, shared.model});
    };
    farm(comm, work, coordinator, options);

    // every rank summarises rank 0's results
    nlohmann::json all = nlohmann::json::array();
    if (me == 0)
        for (std::size_t e = 0; e < n; ++e)
            all.push_back(results[e] ? detail::result_to_json(e, *results[e]) : nlohmann::json());
    std::string message = me == 0 ? all.dump() : std::string();
    detail::broadcast_string(comm, message, 0);
    if (me != 0) {
        const auto parsed = nlohmann::json::parse(message);
        for (std::size_t e = 0; e < n && e < parsed.size(); ++e)
            if (!parsed[e].is_null()) results[e] = detail::result_from_json(parsed[e]).second;
    }
    return meta::summarize_held_out(shared, held_out, results, strategies, opts);
}

/// `learner.evaluate(strategies, opts, progress)` over the ranks of `comm`: rank 0 tabulates its
/// learner's records (`learner.table()`; after `mpi::collect` its journal holds every record),
/// then `mpi::leave_one_task_out`. Collective.
/// @tparam Learner a `meta::MetaLearner<Model, MM>`.
/// @throws DataError (every rank) when rank 0's store has no matching record; otherwise as
///         `mpi::leave_one_task_out`.
template <class Learner>
meta::MetaEvaluation evaluate(MPI_Comm comm, const Learner& learner, const std::vector<meta::StrategyFactory>& strategies,
                              const meta::EvaluationOptions& opts = {}, const ProgressCallback& progress = {},
                              const FarmOptions& options = {}) {
    meta::TaskTable table;
    all_or_none(comm, [&] {
        if (rank(comm) == 0) table = learner.table();
    });
    return leave_one_task_out(comm, table, strategies, opts, progress, options);
}

}  // namespace metalearn::mpi
