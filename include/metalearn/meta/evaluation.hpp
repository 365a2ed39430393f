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
[[nodiscard]] inline Vector regrets_of_task(const VectorRef& scores) {
    Vector r = min_max_within_task(scores, MinMax::regret);
    if (!r.array().isFinite().any()) return {};
    for (Index c = 0; c < r.size(); ++c)
        if (!std::isfinite(r[c])) r[c] = 1.0;
    return r;
}

/// Competition rank (1 = best) of every config from its regrets: 1 + number strictly better.
[[nodiscard]] inline Vector ranks_from_regrets(const VectorRef& regrets) {
    Vector rank(regrets.size());
    for (Index c = 0; c < regrets.size(); ++c) rank[c] = 1.0 + static_cast<double>((regrets.array() < regrets[c]).count());
    return rank;
}

/// Expected best-so-far regret of k distinct uniformly random picks (exact; see file docs).
/// @throws ConfigError when k < 1.
[[nodiscard]] inline double expected_random_best_regret(const VectorRef& regrets, Index k) {
    if (k < 1) throw ConfigError(fmt::format("expected_random_best_regret(): k must be >= 1 (got {})", k));
    const Index m = regrets.size();
    if (k >= m) return regrets.minCoeff();
    std::vector<double> r(regrets.data(), regrets.data() + m);
    std::sort(r.begin(), r.end());
    // P(min is the i-th smallest, 1-based) = C(m−i, k−1) / C(m, k)
    const auto lchoose = [](double n, double c) { return std::lgamma(n + 1) - std::lgamma(c + 1) - std::lgamma(n - c + 1); };
    double e = 0.0;
    const double denom = lchoose(static_cast<double>(m), static_cast<double>(k));
    for (Index i = 1; i <= m - k + 1; ++i)
        e += r[static_cast<std::size_t>(i - 1)] *
             std::exp(lchoose(static_cast<double>(m - i), static_cast<double>(k - 1)) - denom);
    return e;
}

/// Mean and percentile-bootstrap 95 % interval over tasks (resampled with replacement).
struct MeanInterval {
    double mean = std::numeric_limits<double>::quiet_NaN();
    double lo = std::numeric_limits<double>::quiet_NaN();
    double hi = std::numeric_limits<double>::quiet_NaN();
};

/// Mean of `values` with a percentile bootstrap 95 % interval (`n_boot` resamples, seeded).
[[nodiscard]] inline MeanInterval bootstrap_mean(const std::vector<double>& values, Index n_boot, std::uint64_t seed) {
    MeanInterval out;
    if (values.empty()) return out;
    const auto n = static_cast<std::uint64_t>(values.size());
    double sum = 0;
    for (double v : values) sum += v;
    out.mean = sum / static_cast<double>(n);
    if (n_boot < 1) {
        out.lo = out.hi = out.mean;
        return out;
    }
    Rng rng(seed);
    std::vector<double> means(static_cast<std::size_t>(n_boot));
    for (auto& m : means) {
        double s = 0;
        for (std::uint64_t i = 0; i < n; ++i) s += values[rng.uniform_index(n)];
        m = s / static_cast<double>(n);
    }
    std::sort(means.begin(), means.end());
    const auto at = [&](double q) {
        const double pos = q * static_cast<double>(means.size() - 1);
        const auto i = static_cast<std::size_t>(std::floor(pos));
        const double f = pos - static_cast<double>(i);
        return i + 1 < means.size() ? means[i] * (1 - f) + means[i + 1] * f : means[i];
    };
    out.lo = at(0.025);
    out.hi = at(0.975);
    return out;
}

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
[[nodiscard]] inline HeldOutTasks held_out_tasks(const TaskTable& table) {
    HeldOutTasks out;
    for (Index t = 0; t < table.n_tasks(); ++t) {
        if (regrets_of_task(table.scores.row(t).transpose()).size() == 0)
            out.skipped_ties.push_back(table.task_ids[static_cast<std::size_t>(t)]);
        else
            out.tasks.push_back(t);
    }
    if (out.tasks.size() < 3)
        throw DataError(fmt::format("leave_one_task_out(): {} informative tasks (expected at least 3)", out.tasks.size()));
    return out;
}

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
[[nodiscard]] inline HeldOutResult evaluate_held_out(const TaskTable& table, Index task,
                                                     const std::vector<StrategyFactory>& strategies,
                                                     const EvaluationOptions& opts) {
    if (task < 0 || task >= table.n_tasks())
        throw ConfigError(fmt::format("evaluate_held_out(): task {} out of range (the table has {} tasks)", task,
                                      table.n_tasks()));
    const Index t = task;
    const auto n_budget = static_cast<Index>(opts.budgets.size());
    const std::size_t n_strat = strategies.size() + (opts.include_random ? 1 : 0);
    const Index max_budget =
        opts.budgets.empty() ? 1 : std::max<Index>(1, *std::max_element(opts.budgets.begin(), opts.budgets.end()));
    std::vector<Index> train;
    for (Index o = 0; o < table.n_tasks(); ++o)
        if (o != t) train.push_back(o);
    const Vector scores = table.scores.row(t).transpose();
    const Vector regrets = regrets_of_task(scores);
    if (regrets.size() == 0)
        throw DataError(fmt::format("evaluate_held_out(): the plan scores of task '{}' all tie",
                                    table.task_ids[static_cast<std::size_t>(t)]));
    const Vector ranks = ranks_from_regrets(regrets);
    const Vector mf = table.meta_features.row(t).transpose();
    const ScoreOracle oracle = [&scores](Index c) { return scores[c]; };
    HeldOutResult out;
    out.regret_at_1.resize(n_strat);
    out.rank_at_1.resize(n_strat);
    out.best_so_far.resize(static_cast<Index>(n_strat), n_budget);
    out.fit_seconds.assign(n_strat, 0.0);
    out.propose_seconds.assign(n_strat, 0.0);
    SharedFits shared;  // e.g. one meta-model fit for the ranking and the guided search
    for (std::size_t s = 0; s < strategies.size(); ++s) {
        auto strat = strategies[s]();
        const double t0 = thread_cpu_seconds();
        strat->fit(table, train, shared);
        const double t1 = thread_cpu_seconds();
        const auto order = strat->propose(mf, max_budget, oracle);
        out.fit_seconds[s] = t1 - t0;
        out.propose_seconds[s] = thread_cpu_seconds() - t1;
        if (order.empty()) throw DataError(fmt::format("leave_one_task_out(): strategy '{}' proposed nothing", strat->name()));
        out.regret_at_1[s] = regrets[order.front()];
        out.rank_at_1[s] = ranks[order.front()];
        for (Index b = 0; b < n_budget; ++b) {
            const Index k = std::min<Index>(opts.budgets[static_cast<std::size_t>(b)], static_cast<Index>(order.size()));
            double best = 1.0;
            for (Index i = 0; i < k; ++i) best = std::min(best, regrets[order[static_cast<std::size_t>(i)]]);
            out.best_so_far(static_cast<Index>(s), b) = best;
        }
    }
    if (opts.include_random) {
        const std::size_t s = n_strat - 1;
        out.regret_at_1[s] = regrets.mean();
        out.rank_at_1[s] = ranks.mean();
        for (Index b = 0; b < n_budget; ++b)
            out.best_so_far(static_cast<Index>(s), b) = expected_random_best_regret(regrets, opts.budgets[static_cast<std::size_t>(b)]);
    }
    return out;
}

/// The meta-evaluation from the results of the held-out tasks that finished: per strategy the
/// per-task values, their means and bootstrap 95 % intervals (seeded by `opts.seed`).
/// @param table      the table the tasks were held out of.
/// @param held_out   `held_out_tasks(table)`.
/// @param results    per entry of `held_out.tasks`, its result, or none when it did not run.
/// @param strategies the factories (for the strategies' names).
/// @param opts       the options of the evaluation.
/// @throws ConfigError when `results` and `held_out.tasks` differ in length or a result has
///         the wrong number of strategies or budgets.
[[nodiscard]] inline MetaEvaluation summarize_held_out(const TaskTable& table, const HeldOutTasks& held_out,
                                                       const std::vector<std::optional<HeldOutResult>>& results,
                                                       const std::vector<StrategyFactory>& strategies,
                                                       const EvaluationOptions& opts) {
    const auto n_budget = static_cast<Index>(opts.budgets.size());
    const std::size_t n_strat = strategies.size() + (opts.include_random ? 1 : 0);
    if (results.size() != held_out.tasks.size())
        throw ConfigError(fmt::format("summarize_held_out(): {} results for {} held-out tasks", results.size(),
                                      held_out.tasks.size()));
    for (const auto& r : results)
        if (r && (r->regret_at_1.size() != n_strat || r->rank_at_1.size() != n_strat ||
                  r->best_so_far.rows() != static_cast<Index>(n_strat) || r->best_so_far.cols() != n_budget))
            throw ConfigError(fmt::format("summarize_held_out(): a result does not have {} strategies and {} budgets",
                                          n_strat, n_budget));
    MetaEvaluation ev;
    ev.model = table.model;
    ev.n_configs = table.n_configs();
    ev.budgets = opts.budgets;
    ev.skipped_ties = held_out.skipped_ties;
    std::vector<std::size_t> kept;
    for (std::size_t e = 0; e < results.size(); ++e)
        if (results[e]) {
            kept.push_back(e);
            ev.task_ids.push_back(table.task_ids[static_cast<std::size_t>(held_out.tasks[e])]);
        }
    for (std::size_t s = 0; s < n_strat; ++s) {
        StrategyResult r;
        r.name = s < strategies.size() ? strategies[s]()->name() : "random";
        r.best_so_far.resize(static_cast<Index>(kept.size()), n_budget);
        for (std::size_t i = 0; i < kept.size(); ++i) {
            const HeldOutResult& h = *results[kept[i]];
            r.regret_at_1.push_back(h.regret_at_1[s]);
            r.rank_at_1.push_back(h.rank_at_1[s]);
            r.best_so_far.row(static_cast<Index>(i)) = h.best_so_far.row(static_cast<Index>(s));
            if (s < h.fit_seconds.size()) r.fit_seconds += h.fit_seconds[s];
            if (s < h.propose_seconds.size()) r.propose_seconds += h.propose_seconds[s];
        }
        r.regret1 = bootstrap_mean(r.regret_at_1, opts.n_bootstrap, derive_seed(opts.seed, {s, 0}));
        double rs = 0;
        for (double v : r.rank_at_1) rs += v;
        r.mean_rank = r.rank_at_1.empty() ? 0.0 : rs / static_cast<double>(r.rank_at_1.size());
        for (Index b = 0; b < n_budget; ++b) {
            // after one pick the best-so-far regret is the first pick's: the same values, the same
            // interval (not a second bootstrap of them)
            if (opts.budgets[static_cast<std::size_t>(b)] == 1) {
                r.curve.push_back(r.regret1);
                continue;
            }
            std::vector<double> col;
            for (Index i = 0; i < r.best_so_far.rows(); ++i) col.push_back(r.best_so_far(i, b));
            r.curve.push_back(bootstrap_mean(col, opts.n_bootstrap, derive_seed(opts.seed, {s, static_cast<std::uint64_t>(b) + 1})));
        }
        ev.strategies.push_back(std::move(r));
    }
    return ev;
}

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
[[nodiscard]] inline MetaEvaluation leave_one_task_out(const TaskTable& table, const std::vector<StrategyFactory>& strategies,
                                                       const EvaluationOptions& opts = {},
                                                       const ProgressCallback& progress = {}) {
    (void)resolve_threads(opts.n_threads, "leave_one_task_out()");  // ConfigError before any work
    const HeldOutTasks held_out = held_out_tasks(table);
    const auto n_eval = static_cast<Index>(held_out.tasks.size());
    std::vector<std::optional<HeldOutResult>> results(held_out.tasks.size());
    // Held-out tasks differ widely in cost (strategies that search), so they are handed out
    // dynamically; the results do not depend on the assignment. Progress is reported from here.
    std::atomic<std::size_t> done{0};
    std::size_t reported = 0;
    parallel_for_monitored(
        n_eval, opts.n_threads,
        [&](Index e) {
            results[static_cast<std::size_t>(e)] =
                evaluate_held_out(table, held_out.tasks[static_cast<std::size_t>(e)], strategies, opts);
            ++done;
        },
        [&] {
            const std::size_t d = done;
            if (!progress || d == reported) return false;
            reported = d;
            return progress({d, static_cast<std::size_t>(n_eval), 0, table.model});
        },
        std::chrono::milliseconds(50));
    return summarize_held_out(table, held_out, results, strategies, opts);
}

}  // namespace metalearn::meta
