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

/// Leave-one-task-out evaluation of strategies on a task table (see the file documentation).
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
    MetaEvaluation ev;
    ev.model = table.model;
    ev.n_configs = table.n_configs();
    ev.budgets = opts.budgets;
    std::vector<Index> eval_tasks;
    for (Index t = 0; t < table.n_tasks(); ++t) {
        if (regrets_of_task(table.scores.row(t).transpose()).size() == 0)
            ev.skipped_ties.push_back(table.task_ids[static_cast<std::size_t>(t)]);
        else
            eval_tasks.push_back(t);
    }
    if (eval_tasks.size() < 3)
        throw DataError(fmt::format("leave_one_task_out(): {} informative tasks (expected at least 3)", eval_tasks.size()));
    const auto n_eval = static_cast<Index>(eval_tasks.size());
    const auto n_budget = static_cast<Index>(opts.budgets.size());
    const std::size_t n_strat = strategies.size() + (opts.include_random ? 1 : 0);
    // results[s] : per task regret@1, rank@1, curve
    std::vector<Matrix> curves(n_strat, Matrix::Zero(n_eval, n_budget));
    std::vector<Vector> reg1(n_strat, Vector::Zero(n_eval));
    std::vector<Vector> rank1(n_strat, Vector::Zero(n_eval));
    std::vector<std::string> names(n_strat);
    if (opts.include_random) names.back() = "random";
    std::vector<char> finished(static_cast<std::size_t>(n_eval), 0);
    const Index max_budget = opts.budgets.empty() ? 1 : std::max<Index>(1, *std::max_element(opts.budgets.begin(), opts.budgets.end()));

    auto run_task = [&](Index e) {
        const Index t = eval_tasks[static_cast<std::size_t>(e)];
        std::vector<Index> train;
        for (Index o = 0; o < table.n_tasks(); ++o)
            if (o != t) train.push_back(o);
        const Vector scores = table.scores.row(t).transpose();
        const Vector regrets = regrets_of_task(scores);
        const Vector ranks = ranks_from_regrets(regrets);
        const Vector mf = table.meta_features.row(t).transpose();
        const ScoreOracle oracle = [&scores](Index c) { return scores[c]; };
        SharedFits shared;  // e.g. one meta-model fit for the ranking and the guided search
        for (std::size_t s = 0; s < strategies.size(); ++s) {
            auto strat = strategies[s]();
            if (e == 0) names[s] = strat->name();  // only task 0 writes the names
            strat->fit(table, train, shared);
            const auto order = strat->propose(mf, max_budget, oracle);
            if (order.empty()) throw DataError(fmt::format("leave_one_task_out(): strategy '{}' proposed nothing", strat->name()));
            reg1[s][e] = regrets[order.front()];
            rank1[s][e] = ranks[order.front()];
            for (Index b = 0; b < n_budget; ++b) {
                const Index k = std::min<Index>(opts.budgets[static_cast<std::size_t>(b)], static_cast<Index>(order.size()));
                double best = 1.0;
                for (Index i = 0; i < k; ++i) best = std::min(best, regrets[order[static_cast<std::size_t>(i)]]);
                curves[s](e, b) = best;
            }
        }
        if (opts.include_random) {
            const std::size_t s = n_strat - 1;
            reg1[s][e] = regrets.mean();
            rank1[s][e] = ranks.mean();
            for (Index b = 0; b < n_budget; ++b)
                curves[s](e, b) = expected_random_best_regret(regrets, opts.budgets[static_cast<std::size_t>(b)]);
        }
        finished[static_cast<std::size_t>(e)] = 1;
    };

    // Held-out tasks differ widely in cost (strategies that search), so they are handed out
    // dynamically; the results do not depend on the assignment. Progress is reported from here.
    std::atomic<std::size_t> done{0};
    std::size_t reported = 0;
    parallel_for_monitored(
        n_eval, opts.n_threads,
        [&](Index e) {
            run_task(e);
            ++done;
        },
        [&] {
            const std::size_t d = done;
            if (!progress || d == reported) return false;
            reported = d;
            return progress({d, static_cast<std::size_t>(n_eval), 0, table.model});
        },
        std::chrono::milliseconds(50));
    std::vector<Index> kept;
    for (Index e = 0; e < n_eval; ++e)
        if (finished[static_cast<std::size_t>(e)]) kept.push_back(e);
    for (Index e : kept) ev.task_ids.push_back(table.task_ids[static_cast<std::size_t>(eval_tasks[static_cast<std::size_t>(e)])]);
    for (std::size_t s = 0; s < n_strat; ++s) {
        StrategyResult r;
        r.name = names[s];
        r.best_so_far.resize(static_cast<Index>(kept.size()), n_budget);
        for (std::size_t i = 0; i < kept.size(); ++i) {
            r.regret_at_1.push_back(reg1[s][kept[i]]);
            r.rank_at_1.push_back(rank1[s][kept[i]]);
            r.best_so_far.row(static_cast<Index>(i)) = curves[s].row(kept[i]);
        }
        r.regret1 = bootstrap_mean(r.regret_at_1, opts.n_bootstrap, derive_seed(opts.seed, {s, 0}));
        double rs = 0;
        for (double v : r.rank_at_1) rs += v;
        r.mean_rank = r.rank_at_1.empty() ? 0.0 : rs / static_cast<double>(r.rank_at_1.size());
        for (Index b = 0; b < n_budget; ++b) {
            std::vector<double> col;
            for (Index i = 0; i < r.best_so_far.rows(); ++i) col.push_back(r.best_so_far(i, b));
            r.curve.push_back(bootstrap_mean(col, opts.n_bootstrap, derive_seed(opts.seed, {s, static_cast<std::uint64_t>(b) + 1})));
        }
        ev.strategies.push_back(std::move(r));
    }
    return ev;
}

}  // namespace metalearn::meta
