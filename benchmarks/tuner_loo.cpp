// The tuner on held-out tasks, the HPO-B protocol (Pineda Arango et al., "HPO-B: A Large-Scale
// Reproducible Benchmark for Black-Box HPO based on OpenML", NeurIPS 2021 Datasets and
// Benchmarks): every task's plan was evaluated once (a record journal of the outer loop); each
// tuner then runs on each held-out task with the plan as a lookup table (`Tuner::set_candidates`:
// it asks only plan configurations and is told their recorded scores), the warm starts fitted on
// the other tasks only.
//
//   tuner_loo --records JOURNAL [--model logistic_regression|decision_tree|knn] [--seeds 5]
//             [--threads 2] [--tasks N] [--out results.json]
//
// Strategies (each with seeds 0..S-1 where the tuner has randomness; budgets 1, 3, 5, 10, 25):
// - "random search": the exact expected best-so-far of uniform picks without replacement;
// - the library's zero-shot strategies (`MetaLearner::default_strategies`: default, learned
//   default, nearest datasets, portfolio, meta-model top-1, meta-model guided);
// - "cold BO": `Tuner` with its defaults (GP, expected improvement, an initial design of
//   max(5, dimensions + 1) uniform picks);
// - "warm BO (meta-model)": the random-forest meta-model fitted on the other tasks predicts every
//   plan configuration's normalised score on the held-out task; its diversified top 3 (as
//   `meta::warm_start` enqueues them: pairwise encoded distances / √q ≥ 0.1) are the first trials and
//   its prediction is the prior mean (affine scaling, decay 5: `meta::warm_start`'s defaults);
// - "RGPE": the other tasks' plans as earlier studies (`hpo::rgpe_surrogate`), the first trial the
//   learned default (best mean normalised score over the other tasks);
// - "warm + RGPE": the meta-model's diversified top 3 first, then RGPE.
// Below the table, for k = 1, 3, 5: the lowest mean best-of-k regret that any one list of k plan
// configurations, the same for every task, reaches on these tasks, the list chosen knowing every
// task's scores (exhaustive over the lists): no task-independent list (default, learned default,
// portfolio) fitted without the held-out task does better on average. Strategies that look at the
// task (its meta-features, or the scores observed so far) can, and must, to go below it.
// Regret is normalised within each task (0 = the plan's best, 1 = its worst); tasks whose plan
// scores all tie are skipped. Ranks are computed per task, seed and budget among all strategies
// (average ranks for ties) and averaged. --out writes every strategy's per-task best-so-far regret
// and the lookup tables, which benchmarks/tuner_loo_optuna.py reads to add Optuna's TPE on the same
// tables and print the combined table.
#include "journal_table.hpp"
#include "lookup_tuner.hpp"
#include "peak_rss.hpp"

#include <metalearn/hpo/tuner.hpp>
#include <metalearn/hpo/tuner_transfer.hpp>
#include <metalearn/meta/evaluation.hpp>
#include <metalearn/meta/knowledge.hpp>
#include <metalearn/meta/meta_learner.hpp>
#include <metalearn/meta/meta_learner_impl.hpp>
#include <metalearn/models/decision_tree.hpp>
#include <metalearn/models/knn.hpp>
#include <metalearn/models/logistic_regression.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace metalearn;

namespace {

using bench::load_average;
using bench::process_cpu_seconds;

enum class Warm { none, meta_model, rgpe, meta_model_rgpe };

/// A `Tuner` run as a leave-one-task-out strategy over the plan.
template <class Model>
class TunerStrategy final : public meta::Strategy {
public:
    using Params = typename Model::params_type;

    TunerStrategy(std::string label, Warm warm, std::uint64_t seed, std::shared_ptr<const hpo::TransferModels> transfer)
        : label_(std::move(label)), warm_(warm), seed_(seed), transfer_(std::move(transfer)) {}

    [[nodiscard]] std::string name() const override { return label_; }

    void fit(const meta::TaskTable& table, const std::vector<Index>& train) override {
        meta::SharedFits shared;
        fit(table, train, shared);
    }

    void fit(const meta::TaskTable& table, const std::vector<Index>& train, meta::SharedFits& shared) override {
        const auto space = Model::search_space();
        plan_.clear();
        for (const auto& c : table.configs) plan_.push_back(space.from_json(c));
        encoding_ = table.config_encoding;
        if (warm_ == Warm::meta_model || warm_ == Warm::meta_model_rgpe)  // the default strategies' meta-model, fitted once per held-out task
            predictor_ = shared.get_or_fit<meta::HyperparameterPredictor<meta::RandomForestMetaModel>>("meta-model", [&] {
                return meta::MetaModelStrategy<meta::RandomForestMetaModel>::fit_predictor(meta::RandomForestMetaModel(), table,
                                                                                           train);
            });
        if (warm_ == Warm::rgpe || warm_ == Warm::meta_model_rgpe) {
            models_.clear();
            for (Index t : train)
                if (const auto& m = (*transfer_)[static_cast<std::size_t>(t)]) models_.push_back(m);
            // the learned default: the best mean normalised score over the training tasks
            Vector mean = Vector::Zero(table.n_configs());
            for (Index t : train) {
                const Vector u = meta::min_max_within_task(table.scores.row(t).transpose(), meta::MinMax::score);
                if (u.array().isFinite().any()) mean += u.unaryExpr([](double v) { return std::isfinite(v) ? v : 0.0; });
            }
            learned_default_ = 0;
            mean.maxCoeff(&learned_default_);
        }
    }

    [[nodiscard]] std::vector<Index> propose(const VectorRef& meta_features, Index budget,
                                             const meta::ScoreOracle& observe) const override {
        hpo::TunerOptions o;
        o.seed = seed_;
        if (warm_ == Warm::rgpe || warm_ == Warm::meta_model_rgpe) o.surrogate = hpo::rgpe_surrogate(models_);
        Vector predicted;
        if (warm_ != Warm::none) o.n_initial = warm_ == Warm::rgpe ? 1 : 3;
        hpo::Tuner<Params> tuner(Model::search_space(), o);
        tuner.set_candidates(plan_);
        if (warm_ == Warm::meta_model || warm_ == Warm::meta_model_rgpe) {
            predicted = predictor_->predict(meta_features, encoding_);
            bench::warm_start_from_predictions(tuner, plan_, encoding_, predicted, warm_ == Warm::meta_model);
        } else if (warm_ == Warm::rgpe) {
            tuner.enqueue(plan_[static_cast<std::size_t>(learned_default_)]);
        }
        return bench::run_lookup_trials<Model>(tuner, encoding_, budget, observe);
    }

private:
    std::string label_;
    Warm warm_;
    std::uint64_t seed_;
    std::shared_ptr<const hpo::TransferModels> transfer_;
    std::vector<Params> plan_;
    Matrix encoding_;
    std::shared_ptr<const meta::HyperparameterPredictor<meta::RandomForestMetaModel>> predictor_;
    hpo::TransferModels models_;
    Index learned_default_ = 0;
};

/// The lowest mean over tasks of min_{c in L} R(t, c) over every list L of k distinct configs
/// (R: T×m normalised regrets, 0 = a task's best): depth-first over the C(m, k) lists with the
/// tasks' running minima. @pre 1 <= k <= m.
double best_fixed_list(const Matrix& R, Index k) {
    const Index T = R.rows(), m = R.cols();
    double best = std::numeric_limits<double>::infinity();
    std::vector<Vector> running(static_cast<std::size_t>(k), Vector(T));
    const auto visit = [&](auto&& self, Index depth, Index first, const Vector& cur) -> void {
        for (Index c = first; c <= m - (k - depth); ++c) {
            if (depth + 1 == k) {
                best = std::min(best, cur.cwiseMin(R.col(c)).sum());
                continue;
            }
            Vector& next = running[static_cast<std::size_t>(depth)];
            next = cur.cwiseMin(R.col(c));
            self(self, depth + 1, c + 1, next);
        }
    };
    visit(visit, 0, 0, Vector::Constant(T, std::numeric_limits<double>::infinity()));
    return best / static_cast<double>(T);
}

struct Group {
    std::string name;
    std::vector<std::size_t> members;  ///< strategy indices (one per seed)
};

template <class Model>
int run(const std::string& records_path, Index n_tasks, Index n_seeds, Index threads, const std::string& out_path) {
    const auto wall0 = std::chrono::steady_clock::now();
    if (!out_path.empty() && !std::ofstream(out_path))  // before the long run, not after it
        throw IoError(fmt::format("tuner_loo: cannot write --out '{}' ({})", out_path, std::strerror(errno)));
    const meta::TaskTable table = bench::read_task_table<Model>(records_path, n_tasks);
    const auto space = Model::search_space();

    // one GP per task, fitted once on its plan's finite scores (a held-out task's strategies use the others')
    const double cpu0 = process_cpu_seconds();
    std::vector<hpo::TransferStudy> studies;
    std::vector<Index> study_task;
    for (Index t = 0; t < table.n_tasks(); ++t) {
        std::vector<Index> ok;
        for (Index c = 0; c < table.n_configs(); ++c)
            if (std::isfinite(table.scores(t, c))) ok.push_back(c);
        if (ok.size() < 2) continue;
        hpo::TransferStudy s{table.task_ids[static_cast<std::size_t>(t)], Matrix(static_cast<Index>(ok.size()), table.config_encoding.cols()),
                             Vector(static_cast<Index>(ok.size()))};
        for (std::size_t i = 0; i < ok.size(); ++i) {
            s.configs.row(static_cast<Index>(i)) = table.config_encoding.row(ok[i]);
            s.scores[static_cast<Index>(i)] = table.scores(t, ok[i]);
        }
        studies.push_back(std::move(s));
        study_task.push_back(t);
    }
    const auto fitted = hpo::fit_transfer_models(studies, {}, threads, 0);
    auto transfer = std::make_shared<hpo::TransferModels>(static_cast<std::size_t>(table.n_tasks()));
    for (std::size_t i = 0; i < fitted.size(); ++i) (*transfer)[static_cast<std::size_t>(study_task[i])] = fitted[i];
    const double cpu_transfer = process_cpu_seconds() - cpu0;

    std::vector<meta::StrategyFactory> factories = meta::MetaLearner<Model>::default_strategies();
    std::vector<Group> groups;
    groups.push_back({"random search", {}});  // leave_one_task_out puts it last; filled below
    for (std::size_t i = 0; i < factories.size(); ++i) groups.push_back({"", {i}});
    const std::vector<std::pair<std::string, Warm>> tuners{{"cold BO", Warm::none},
                                                           {"warm BO (meta-model)", Warm::meta_model},
                                                           {"RGPE", Warm::rgpe},
                                                           {"warm + RGPE", Warm::meta_model_rgpe}};
    for (const auto& [label, warm] : tuners) {
        Group g{label, {}};
        for (Index s = 0; s < n_seeds; ++s) {
            g.members.push_back(factories.size());
            factories.push_back([label, warm, s, transfer] {
                return std::make_unique<TunerStrategy<Model>>(fmt::format("{} s{}", label, s), warm, static_cast<std::uint64_t>(s),
                                                              transfer);
            });
        }
        groups.push_back(std::move(g));
    }
    groups.front().members = {factories.size()};  // the random baseline comes after the given strategies

    meta::EvaluationOptions opts;
    opts.budgets = {1, 3, 5, 10, 25};
    opts.n_threads = threads;
    opts.n_bootstrap = 0;
    const double cpu1 = process_cpu_seconds();
    const auto wall1 = std::chrono::steady_clock::now();
    const meta::MetaEvaluation ev = meta::leave_one_task_out(table, factories, opts);
    const double loo_cpu = process_cpu_seconds() - cpu1;
    const double loo_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall1).count();
    for (std::size_t g = 1; g <= meta::MetaLearner<Model>::default_strategies().size(); ++g)
        groups[g].name = ev.strategies[groups[g].members[0]].name;

    // mean regret over tasks and seeds; ranks per (task, seed, budget) among the groups, a group
    // without seeds taking the same value for every seed
    const auto T = static_cast<Index>(ev.task_ids.size());
    const auto B = static_cast<Index>(opts.budgets.size());
    const auto G = groups.size();
    const auto value = [&](std::size_t g, Index s, Index t, Index b) {
        const auto& m = groups[g].members;
        return ev.strategies[m[static_cast<std::size_t>(s) % m.size()]].best_so_far(t, b);
    };
    Matrix mean_regret = Matrix::Zero(static_cast<Index>(G), B);
    Matrix mean_rank = Matrix::Zero(static_cast<Index>(G), B);
    for (Index t = 0; t < T; ++t)
        for (Index s = 0; s < n_seeds; ++s)
            for (Index b = 0; b < B; ++b)
                for (std::size_t g = 0; g < G; ++g) {
                    const double v = value(g, s, t, b);
                    double less = 0, equal = 0;
                    for (std::size_t h = 0; h < G; ++h) {
                        const double w = value(h, s, t, b);
                        less += w < v ? 1 : 0;
                        equal += w == v ? 1 : 0;
                    }
                    mean_regret(static_cast<Index>(g), b) += v;
                    mean_rank(static_cast<Index>(g), b) += less + (equal + 1) / 2;
                }
    const double n = static_cast<double>(T * n_seeds);
    mean_regret /= n;
    mean_rank /= n;
    fmt::print("model {}: {} tasks evaluated ({} skipped: all configs tie), plan of {} configs, {} seeds\n", Model::name, T,
               ev.skipped_ties.size(), table.n_configs(), n_seeds);
    fmt::print("{:<24}", "mean normalised regret");
    for (Index k : opts.budgets) fmt::print(" {:>7}", fmt::format("k={}", k));
    fmt::print("   mean rank");
    for (Index k : opts.budgets) fmt::print(" {:>6}", fmt::format("k={}", k));
    fmt::print("\n");
    for (std::size_t g = 0; g < G; ++g) {
        fmt::print("{:<24}", groups[g].name);
        for (Index b = 0; b < B; ++b) fmt::print(" {:>7.4f}", mean_regret(static_cast<Index>(g), b));
        fmt::print("   {:>9}", "");
        for (Index b = 0; b < B; ++b) fmt::print(" {:>6.2f}", mean_rank(static_cast<Index>(g), b));
        fmt::print("\n");
    }
    {
        Matrix R(T, table.n_configs());
        std::map<std::string, Index> row;
        for (Index t = 0; t < table.n_tasks(); ++t) row[table.task_ids[static_cast<std::size_t>(t)]] = t;
        for (Index t = 0; t < T; ++t)
            R.row(t) = meta::regrets_of_task(table.scores.row(row[ev.task_ids[static_cast<std::size_t>(t)]]).transpose()).transpose();
        fmt::print("{:<24}", "best list (in-sample)");
        for (Index k : opts.budgets)
            if (k <= 5 && k <= R.cols()) fmt::print(" {:>7.4f}", best_fixed_list(R, k));
            else fmt::print(" {:>7}", "-");
        fmt::print("   (lowest of any one list of k configs for all tasks, chosen knowing their scores)\n");
    }
    fmt::print("\nCPU seconds per strategy (all seeds): ");
    for (const auto& g : groups) {
        double cpu = 0;
        for (auto m : g.members) cpu += ev.strategies[m].fit_seconds + ev.strategies[m].propose_seconds;
        fmt::print("{} {:.1f}; ", g.name, cpu);
    }
    fmt::print("\nearlier-task GPs: {} fitted in {:.1f} s CPU; leave-one-task-out {:.1f} s wall, {:.1f} s process CPU, {} threads\n",
               fitted.size(), cpu_transfer, loo_wall, loo_cpu, resolve_threads(threads));
    fmt::print("total {:.1f} s wall; peak RSS {:.0f} MB; load average {}\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count(), bench::peak_rss_kb() / 1024.0,
               load_average());

    if (!out_path.empty()) {
        nlohmann::json j;
        j["model"] = Model::name;
        j["space"] = hpo::detail::space_to_json(space);
        j["configs"] = table.configs;
        j["budgets"] = opts.budgets;
        j["n_seeds"] = n_seeds;
        j["tasks"] = ev.task_ids;
        std::map<std::string, Index> row;
        for (Index t = 0; t < table.n_tasks(); ++t) row[table.task_ids[static_cast<std::size_t>(t)]] = t;
        nlohmann::json scores = nlohmann::json::array();
        for (const auto& id : ev.task_ids) {
            nlohmann::json r = nlohmann::json::array();
            for (Index c = 0; c < table.n_configs(); ++c) {
                const double v = table.scores(row[id], c);
                r.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr));
            }
            scores.push_back(std::move(r));
        }
        j["scores"] = std::move(scores);
        nlohmann::json strategies = nlohmann::json::array();
        for (std::size_t g = 0; g < G; ++g) {
            nlohmann::json per_seed = nlohmann::json::array();  // [seed][task][budget]
            for (Index s = 0; s < n_seeds; ++s) {
                nlohmann::json tasks = nlohmann::json::array();
                for (Index t = 0; t < T; ++t) {
                    nlohmann::json v = nlohmann::json::array();
                    for (Index b = 0; b < B; ++b) v.push_back(value(g, s, t, b));
                    tasks.push_back(std::move(v));
                }
                per_seed.push_back(std::move(tasks));
            }
            strategies.push_back({{"name", groups[g].name}, {"best_so_far", std::move(per_seed)}});
        }
        j["strategies"] = std::move(strategies);
        std::ofstream out(out_path);
        out << j.dump() << '\n';
        if (!out) throw IoError(fmt::format("tuner_loo: cannot write '{}' ({})", out_path, std::strerror(errno)));
        fmt::print("wrote {}\n", out_path);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) try {
    CLI::App app{"The tuner on held-out tasks with plans as lookup tables (HPO-B protocol)"};
    std::string records;
    std::string model = "logistic_regression";
    Index n_tasks = 0;
    Index seeds = 5;
    Index threads = 2;
    std::string out;
    app.add_option("--records", records, "record journal of the outer loop")->required();
    app.add_option("--model", model, "logistic_regression, decision_tree or knn")->capture_default_str();
    app.add_option("--tasks", n_tasks, "keep the first N tasks (in order of their ids; 0 = all)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    app.add_option("--seeds", seeds, "tuner seeds 0..S-1")->capture_default_str()->check(CLI::Range(1, 1000));
    app.add_option("--threads", threads, "held-out tasks evaluated in parallel (0 = all cores)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    app.add_option("--out", out, "JSON file of the lookup tables and per-task results (for tuner_loo_optuna.py)");
    CLI11_PARSE(app, argc, argv);
    return bench::with_model(model, "tuner_loo", [&]<class Model>(std::type_identity<Model>) {
        return run<Model>(records, n_tasks, seeds, threads, out);
    });
} catch (const metalearn::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
}
