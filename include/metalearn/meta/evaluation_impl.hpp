#pragma once
/// @file evaluation_impl.hpp
/// @brief Bodies of evaluation.hpp (regrets, bootstrap intervals, the leave-one-task-out
/// meta-evaluation). Included by that header in header-only mode; compiled into the library in
/// compiled mode (core/config.hpp).

#include "metalearn/meta/evaluation.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

namespace metalearn::meta {

METALEARN_INLINE Vector regrets_of_task(const VectorRef& scores) {
    Vector r = min_max_within_task(scores, MinMax::regret);
    if (!r.array().isFinite().any()) return {};
    for (Index c = 0; c < r.size(); ++c)
        if (!std::isfinite(r[c])) r[c] = 1.0;
    return r;
}

METALEARN_INLINE Vector ranks_from_regrets(const VectorRef& regrets) {
    Vector rank(regrets.size());
    for (Index c = 0; c < regrets.size(); ++c) rank[c] = 1.0 + static_cast<double>((regrets.array() < regrets[c]).count());
    return rank;
}

METALEARN_INLINE double expected_random_best_regret(const VectorRef& regrets, Index k) {
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

METALEARN_INLINE MeanInterval bootstrap_mean(const std::vector<double>& values, Index n_boot, std::uint64_t seed) {
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

METALEARN_INLINE HeldOutTasks held_out_tasks(const TaskTable& table) {
    HeldOutTasks out;
    for (Index t = 0; t < table.n_tasks(); ++t) {
        if (regrets_of_task(table.scores.row(t).transpose()).size() == 0)
            out.skipped_ties.push_back(table.task_ids[static_cast<std::size_t>(t)]);
        else
            out.tasks.push_back(t);
    }
    if (out.tasks.size() < 3)
        throw DataError(fmt::format(
            "leave_one_task_out(): {} informative tasks (expected at least 3): {} of the {} tasks score every "
            "configuration of the plan the same or have fewer than two finite scores{}",
            out.tasks.size(), out.skipped_ties.size(), table.n_tasks(),
            table.n_configs() < 2 ? fmt::format(" (the plan has {} configuration: nothing to rank)", table.n_configs()) : ""));
    return out;
}

METALEARN_INLINE HeldOutResult evaluate_held_out(const TaskTable& table, Index task,
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

METALEARN_INLINE MetaEvaluation summarize_held_out(const TaskTable& table, const HeldOutTasks& held_out,
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

METALEARN_INLINE MetaEvaluation leave_one_task_out(const TaskTable& table,
                                                   const std::vector<StrategyFactory>& strategies,
                                                   const EvaluationOptions& opts, const ProgressCallback& progress) {
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
