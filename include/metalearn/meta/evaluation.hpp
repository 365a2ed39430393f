#pragma once
/// @file evaluation.hpp
/// @brief Meta-evaluation by leave-one-task-out: normalised regret and rank of each strategy's
/// first pick, and best-so-far regret after k evaluations, with bootstrap 95 % intervals.
///
/// For a held-out task t with plan scores s(t, ·) (failed or missing evaluations count as the
/// task's worst score):
///   normalised regret(c) = (best_G(t) − s(t, c)) / (best_G(t) − worst_G(t))  ∈ [0, 1],
///   rank(c) = 1 + #{c' : s(t, c') > s(t, c)}  (1 = best),
///   best-so-far regret after k picks = min over the first k picks.
/// Tasks whose plan scores all tie are skipped and counted. Every strategy is fitted on the
/// other tasks only; the held-out task contributes its meta-features and, for adaptive
/// strategies, the scores of the configs they pick (the search itself). The strategies of one
/// held-out task share one `SharedFits`: strategies given the same share key (the ranking and
/// the guided search of `MetaLearner::default_strategies`) fit their meta-model once.
/// Random search is evaluated exactly, not sampled: for regrets r_(1) ≤ … ≤ r_(m),
///   E[min of k distinct uniform picks] = Σ_i r_(i) · C(m − i, k − 1) / C(m, k).

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/clock.hpp"
#include "metalearn/core/parallel.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/meta/strategies.hpp"
#include "metalearn/meta/task_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace metalearn::meta {

/// Regrets of every plan config on one task: `min_max_within_task(scores, MinMax::regret)` with
/// failed/missing → 1; empty when the task carries no information (all tie, or fewer than two
/// finite scores). `normalized_regret` (the scalar formula) is declared in task_table.hpp.
[[nodiscard]] METALEARN_INLINE Vector regrets_of_task(const VectorRef& scores);

/// Competition rank (1 = best) of every config from its regrets: 1 + number strictly better.
[[nodiscard]] METALEARN_INLINE Vector ranks_from_regrets(const VectorRef& regrets);

/// Expected best-so-far regret of k distinct uniformly random picks (exact; see file docs).
/// @throws ConfigError when k < 1.
[[nodiscard]] METALEARN_INLINE double expected_random_best_regret(const VectorRef& regrets, Index k);

/// Mean and percentile-bootstrap 95 % interval over tasks (resampled with replacement).
struct MeanInterval {
    double mean = std::numeric_limits<double>::quiet_NaN();
    double lo = std::numeric_limits<double>::quiet_NaN();
    double hi = std::numeric_limits<double>::quiet_NaN();
};

/// Mean of `values` with a percentile bootstrap 95 % interval (`n_boot` resamples, seeded).
[[nodiscard]] METALEARN_INLINE MeanInterval bootstrap_mean(const std::vector<double>& values, Index n_boot, std::uint64_t seed);

/// Options of `leave_one_task_out`.
struct EvaluationOptions {
    std::vector<Index> budgets{1, 2, 3, 5, 10, 15, 25};  ///< k values of the best-so-far curves
    bool include_random = true;  ///< add the exact random-search baseline
    Index n_bootstrap = 2000;    ///< bootstrap resamples for the intervals
    std::uint64_t seed = 0;      ///< seeds the bootstrap
    Index n_threads = 1;         ///< held-out tasks in parallel, ≥ 0 (0 = all hardware threads, core/parallel.hpp); results do not depend on it
};

/// Results of one strategy over the evaluated tasks.
struct StrategyResult {
    std::string name;
    std::vector<double> regret_at_1;     ///< per evaluated task
    std::vector<double> rank_at_1;       ///< per evaluated task
    Matrix best_so_far;                  ///< tasks × budgets
    MeanInterval regret1;                ///< mean regret of the first pick, bootstrap 95 %
    double mean_rank = 0.0;              ///< mean rank of the first pick
    std::vector<MeanInterval> curve;     ///< per budget: mean best-so-far regret, bootstrap 95 %
    double fit_seconds = 0.0;            ///< CPU seconds of its fits over the held-out tasks (a fit
                                         ///< shared through `SharedFits` is charged to the first strategy that asks)
    double propose_seconds = 0.0;        ///< CPU seconds of its proposals (predictions, search)
};

/// Results of a leave-one-task-out meta-evaluation.
struct MetaEvaluation {
    std::string model;                    ///< base model
    std::vector<std::string> task_ids;    ///< evaluated (non-tied) tasks
    std::vector<std::string> skipped_ties;///< tasks whose plan scores all tie
    Index n_configs = 0;                  ///< plan size
    std::vector<Index> budgets;
    std::vector<StrategyResult> strategies;

    /// The regret table as text: one row per strategy, regret@1 with 95 % interval, rank@1,
    /// best-so-far regret at each budget.
    [[nodiscard]] std::string format_table() const {
        std::string out = fmt::format("model {}: {} tasks evaluated, {} skipped (all configs tie), plan of {} configs\n",
                                      model, task_ids.size(), skipped_ties.size(), n_configs);
        out += fmt::format("{:<22} {:>22} {:>8}", "strategy", "regret@1 [95% CI]", "rank@1");
        for (Index k : budgets) out += fmt::format(" {:>6}", fmt::format("k={}", k));
        out += "\n";
        for (const auto& s : strategies) {
            out += fmt::format("{:<22} {:>22} {:>8.1f}", s.name,
                               fmt::format("{:.3f} [{:.3f},{:.3f}]", s.regret1.mean, s.regret1.lo, s.regret1.hi),
                               s.mean_rank);
            for (const auto& c : s.curve) out += fmt::format(" {:>6.3f}", c.mean);
            out += "\n";
        }
        return out;
    }

    /// Where the time went: per strategy, the CPU seconds of its fits and of its proposals,
    /// summed over the held-out tasks, and their total.
    [[nodiscard]] std::string format_timing() const {
        std::string out = fmt::format("{:<22} {:>10} {:>10}\n", "strategy", "fit_cpu_s", "propose_s");
        double fit = 0.0;
        double propose = 0.0;
        for (const auto& s : strategies) {
            out += fmt::format("{:<22} {:>10.3f} {:>10.3f}\n", s.name, s.fit_seconds, s.propose_seconds);
            fit += s.fit_seconds;
            propose += s.propose_seconds;
        }
        out += fmt::format("{:<22} {:>10.3f} {:>10.3f}\n", "total", fit, propose);
        return out;
    }

    /// Append rows `model,strategy,k,mean,lo,hi,mean_rank_at_1` to a CSV stream (header written
    /// when `header` is true).
    void write_csv(std::ostream& os, bool header = true) const {
        if (header) os << "model,strategy,k,mean_regret,ci_low,ci_high,mean_rank_at_1,n_tasks\n";
        for (const auto& s : strategies)
            for (std::size_t b = 0; b < budgets.size(); ++b)
                os << model << ',' << s.name << ',' << budgets[b] << ',' << s.curve[b].mean << ',' << s.curve[b].lo << ','
                   << s.curve[b].hi << ',' << s.mean_rank << ',' << task_ids.size() << '\n';
    }
};

/// The held-out tasks of a leave-one-task-out evaluation.
struct HeldOutTasks {
    std::vector<Index> tasks;                ///< rows of the table with informative scores, in order
    std::vector<std::string> skipped_ties;   ///< ids of the tasks whose plan scores all tie
};

/// Which tasks of `table` a leave-one-task-out evaluation holds out: those whose plan scores do
/// not all tie (`regrets_of_task`).
/// @throws DataError when fewer than 3 tasks have informative scores.
[[nodiscard]] METALEARN_INLINE HeldOutTasks held_out_tasks(const TaskTable& table);

/// The strategies' results on one held-out task.
struct HeldOutResult {
    std::vector<double> regret_at_1;  ///< per strategy (the random baseline last, when included)
    std::vector<double> rank_at_1;    ///< per strategy
    Matrix best_so_far;               ///< strategies × budgets: best-so-far regret after k picks
    std::vector<double> fit_seconds;      ///< per strategy: CPU seconds of its fit (0 for the random baseline)
    std::vector<double> propose_seconds;  ///< per strategy: CPU seconds of its proposal
};

/// Hold out row `task` of `table`: fit every strategy on the other tasks and score its picks on
/// the held-out one (see the file documentation); the random baseline is added last when
/// `opts.include_random`. Single-threaded; `leave_one_task_out` runs it for every held-out task.
/// @param table      tasks × plan scores of one base model.
/// @param task       the held-out row, 0 ≤ task < table.n_tasks(), with informative scores.
/// @param strategies factories of the strategies (each called once).
/// @param opts       the budgets and whether to add the random baseline.
/// @throws ConfigError when `task` is out of range; DataError when its scores all tie or a
///         strategy proposes nothing; any exception of a strategy.
[[nodiscard]] METALEARN_INLINE HeldOutResult evaluate_held_out(const TaskTable& table, Index task,
                                                     const std::vector<StrategyFactory>& strategies,
                                                     const EvaluationOptions& opts);

/// The meta-evaluation from the results of the held-out tasks that finished: per strategy the
/// per-task values, their means and bootstrap 95 % intervals (seeded by `opts.seed`).
/// @param table      the table the tasks were held out of.
/// @param held_out   `held_out_tasks(table)`.
/// @param results    per entry of `held_out.tasks`, its result, or none when it did not run.
/// @param strategies the factories (for the strategies' names).
/// @param opts       the options of the evaluation.
/// @throws ConfigError when `results` and `held_out.tasks` differ in length or a result has
///         the wrong number of strategies or budgets.
[[nodiscard]] METALEARN_INLINE MetaEvaluation summarize_held_out(const TaskTable& table, const HeldOutTasks& held_out,
                                                       const std::vector<std::optional<HeldOutResult>>& results,
                                                       const std::vector<StrategyFactory>& strategies,
                                                       const EvaluationOptions& opts);

/// Leave-one-task-out evaluation of strategies on a task table (see the file documentation):
/// `evaluate_held_out` for every task of `held_out_tasks(table)`, then `summarize_held_out`.
/// @param table      tasks × plan scores of one base model.
/// @param strategies factories of the strategies to compare (each fitted once per held-out task).
/// @param opts       budgets, random baseline, bootstrap, threads (held-out tasks are handed out
///                   dynamically to `opts.n_threads` workers; the results do not depend on it).
/// @param progress   called from the calling thread when held-out tasks have finished; `true`
///                   stops early (tasks in flight finish; the result covers the finished ones).
/// @throws ConfigError when `opts.n_threads < 0`.
/// @throws DataError when fewer than 3 tasks have informative scores.
/// @throws any exception of a strategy (or `DataError` when one proposes nothing), with its type,
///         after all workers stopped; when several held-out tasks fail, that of the first task.
[[nodiscard]] METALEARN_INLINE MetaEvaluation leave_one_task_out(const TaskTable& table, const std::vector<StrategyFactory>& strategies,
                                                       const EvaluationOptions& opts = {},
                                                       const ProgressCallback& progress = {});

}  // namespace metalearn::meta

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/meta/evaluation_impl.hpp"
#endif
