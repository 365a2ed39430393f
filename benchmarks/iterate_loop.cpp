// The iterate loop on a sequence of held-out tasks: does each tuned task make the next warm start
// better? Tasks of a record journal of full plans come in a random order (one per seed); the
// knowledge starts from the first k0 tasks' full plans. For each next task t, a tuner is
// warm-started on t from a meta-model fitted only on the records that joined so far and runs B
// trials with t's plan as a lookup table (the HPO-B protocol of tuner_loo: `Tuner::set_candidates`,
// scores from the journal; the warm start as tuner_loo's "warm BO (meta-model)": the predictor's
// diversified top 3 first, its prediction as the prior mean). Then the study's B trials join the
// knowledge as records (`meta::study_records`, appended to a record store) and the meta-model is
// refitted. Two references run on the same tasks in the same order:
// - "full plans": the knowledge holds the full plans of the known tasks (what the loop would know
//   had it evaluated every plan configuration of every task: the upper bound);
// - "no update": the knowledge of the k0 first tasks, never refitted (the floor).
//
//   iterate_loop --records JOURNAL [--model logistic_regression|decision_tree|knn] [--seeds 5]
//                [--k0 10] [--trials 10] [--threads 1] [--out results.json]
//
// Regret is normalised within each task over its plan (0 = the plan's best, 1 = its worst, a
// failed configuration counts as 1: `meta::regrets_of_task`), of the first trial (k=1) and of the
// best of the first five (k=5); tasks whose plan scores all tie are tuned and join the knowledge
// but are not scored. The table bins the tasks by how many tasks the knowledge held when they were
// tuned (k0–2k0−1, 2k0–4k0−1, 4k0–8k0−1, 8k0 and more), with random search's exact expectation on
// the same tasks for scale (the tasks differ from bin to bin: compare the columns within a row),
// and "iter-no", the mean paired difference iterate − no update (its 95 % bootstrap interval over
// the (task, seed) pairs is printed below the table). Seeds run in parallel with --threads; the
// results do not depend on the thread count.
// Meta-model: the default `RandomForestMetaModel` (100 trees), as tuner_loo's.
#include "journal_table.hpp"
#include "lookup_tuner.hpp"
#include "peak_rss.hpp"

#include <metalearn/core/parallel.hpp>
#include <metalearn/core/random.hpp>
#include <metalearn/hpo/metrics.hpp>
#include <metalearn/hpo/tuner.hpp>
#include <metalearn/meta/evaluation.hpp>
#include <metalearn/meta/predictor.hpp>
#include <metalearn/meta/random_forest_meta_model.hpp>
#include <metalearn/meta/record_store.hpp>
#include <metalearn/meta/study_records.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace metalearn;

namespace {

using Predictor = meta::HyperparameterPredictor<meta::RandomForestMetaModel>;

enum ArmKind : std::size_t { no_update = 0, iterate = 1, full_plans = 2, n_arms = 3 };
const std::array<const char*, n_arms> arm_names{"no update", "iterate", "full plans"};

struct Settings {
    std::string records;
    Index n_seeds = 5;
    Index k0 = 10;
    Index trials = 10;
    Index threads = 1;
    std::string out;
};

/// One tuned task of one seed's sequence.
struct Step {
    Index seed = 0;
    Index known = 0;             ///< tasks in the knowledge when it was tuned
    std::string task;
    bool scored = false;         ///< false: its plan scores all tie
    std::array<std::array<double, 2>, n_arms> regret{};  ///< per arm: k=1, k=5
    std::array<double, 2> random{};                      ///< random search's expectation: k=1, k=5
    std::size_t joined = 0;      ///< records the iterate arm appended
};

/// The journal, arranged for the loop.
struct Journal {
    meta::TaskTable table;                        ///< every task × the plan
    std::vector<nlohmann::json> plan;
    std::vector<std::vector<meta::Record>> by_task;  ///< table row → its records
    std::vector<meta::StudyTask> tasks;           ///< table row → as a study's records describe it
    meta::StudyProtocol protocol;
};

template <class Model>
Journal read_journal(const std::string& path) {
    Journal j;
    const auto records = bench::read_journal_records<Model>(path);
    j.plan = bench::journal_plan<Model>(records);
    j.table = bench::journal_task_table<Model>(records, j.plan);
    std::map<std::string, std::size_t> row;
    for (std::size_t t = 0; t < j.table.task_ids.size(); ++t) row.emplace(j.table.task_ids[t], t);
    j.by_task.resize(row.size());
    for (const auto& r : records) j.by_task[row.at(r.task_id)].push_back(r);
    for (const auto& rs : j.by_task) {
        const meta::Record& last = rs.back();  // the table's meta-features: a later record's win
        j.tasks.push_back({last.task_id, last.task_name, last.data_checksum, last.meta_feature_names, last.meta_features});
    }
    const meta::Record& first = records.front();
    j.protocol = {hpo::metric_from_string(first.metric), first.n_folds, first.seed, first.seed_scheme};
    return j;
}

/// A knowledge: the records that joined, and the predictor fitted on them.
struct ArmKnowledge {
    meta::RecordStore store;  ///< in memory
    Predictor predictor;
    std::vector<std::string> meta_feature_names;
    bool stale = true;

    template <class Model>
    void refit(const std::vector<nlohmann::json>& plan) {
        if (!stale) return;
        const meta::TaskTable t = bench::journal_task_table<Model>(store.records(), plan);
        std::vector<Index> rows(static_cast<std::size_t>(t.n_tasks()));
        for (Index i = 0; i < t.n_tasks(); ++i) rows[static_cast<std::size_t>(i)] = i;
        predictor = Predictor();
        predictor.fit(t, rows);
        meta_feature_names = t.meta_feature_names;
        stale = false;
    }

    void join(const std::vector<meta::Record>& records) {
        for (const auto& r : records) stale = store.append(r) || stale;
    }

    /// The task's meta-features aligned by name with the knowledge's (NaN where it has none).
    [[nodiscard]] Vector meta_features(const meta::StudyTask& task) const {
        Vector x = Vector::Constant(static_cast<Index>(meta_feature_names.size()), std::numeric_limits<double>::quiet_NaN());
        for (std::size_t i = 0; i < meta_feature_names.size(); ++i)
            for (std::size_t k = 0; k < task.meta_feature_names.size(); ++k)
                if (task.meta_feature_names[k] == meta_feature_names[i]) x[static_cast<Index>(i)] = task.meta_features[k];
        return x;
    }
};

/// One seed's sequence: the regrets of every task after the first k0.
template <class Model>
std::vector<Step> run_sequence(const Journal& j, const Settings& s, Index seed, double* fit_seconds) {
    using Params = typename Model::params_type;
    const auto space = Model::search_space();
    std::vector<Params> plan;
    for (const auto& c : j.plan) plan.push_back(space.from_json(c));
    const Matrix& encoding = j.table.config_encoding;
    Rng rng(static_cast<std::uint64_t>(seed));
    const auto order = rng.permutation(j.table.n_tasks());
    std::array<ArmKnowledge, n_arms> arms;
    for (Index i = 0; i < s.k0; ++i)
        for (auto& arm : arms) arm.join(j.by_task[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])]);
    std::vector<Step> steps;
    for (Index i = s.k0; i < j.table.n_tasks(); ++i) {
        const auto t = static_cast<Index>(order[static_cast<std::size_t>(i)]);
        const auto& task = j.tasks[static_cast<std::size_t>(t)];
        Step step{.seed = seed, .known = i, .task = task.task_id};
        const Vector regrets = meta::regrets_of_task(j.table.scores.row(t).transpose());
        step.scored = regrets.size() > 0;
        if (step.scored) step.random = {meta::expected_random_best_regret(regrets, 1), meta::expected_random_best_regret(regrets, 5)};
        for (std::size_t a = 0; a < n_arms; ++a) {
            ArmKnowledge& arm = arms[a];
            const auto t0 = std::chrono::steady_clock::now();
            arm.template refit<Model>(j.plan);
            *fit_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            hpo::Tuner<Params> tuner(space, {.seed = static_cast<std::uint64_t>(seed), .n_initial = 3});
            tuner.set_candidates(plan);
            bench::warm_start_from_predictions(tuner, plan, encoding, arm.predictor.predict(arm.meta_features(task), encoding), true);
            const auto picks = bench::run_lookup_trials<Model>(tuner, encoding, s.trials, [&](Index c) { return j.table.scores(t, c); });
            if (step.scored)
                for (std::size_t b = 0; b < 2; ++b) {
                    double best = 1.0;
                    for (std::size_t k = 0; k < std::min<std::size_t>(b == 0 ? 1 : 5, picks.size()); ++k)
                        best = std::min(best, regrets[picks[k]]);
                    step.regret[a][b] = best;
                }
            if (a == iterate) {  // the study joins the knowledge it was warm-started from
                const auto study = meta::study_records<Model>(tuner, task, j.protocol);
                step.joined = study.records.size();
                arm.join(study.records);
            } else if (a == full_plans) {
                arm.join(j.by_task[static_cast<std::size_t>(t)]);
            }
        }
        steps.push_back(std::move(step));
    }
    return steps;
}

template <class Model>
int run(const Settings& s) {
    const auto wall0 = std::chrono::steady_clock::now();
    if (!s.out.empty() && !std::ofstream(s.out))  // before the long run, not after it
        throw IoError(fmt::format("iterate_loop: cannot write --out '{}' ({})", s.out, std::strerror(errno)));
    const Journal j = read_journal<Model>(s.records);
    const Index T = j.table.n_tasks();
    if (s.k0 < 1 || s.k0 >= T)
        throw ConfigError(fmt::format("iterate_loop: --k0 must lie in [1, {}] for {} tasks (got {})", T - 1, T, s.k0));
    std::vector<std::vector<Step>> per_seed(static_cast<std::size_t>(s.n_seeds));
    std::vector<double> fit_seconds(static_cast<std::size_t>(s.n_seeds), 0.0);
    parallel_for(s.n_seeds, s.threads, [&](Index seed) {
        const auto k = static_cast<std::size_t>(seed);
        per_seed[k] = run_sequence<Model>(j, s, seed, &fit_seconds[k]);
    }, Schedule::dynamic);

    // bins of the number of known tasks: [k0, 2k0), [2k0, 4k0), [4k0, 8k0), [8k0, T)
    std::vector<std::pair<Index, Index>> bins;
    for (Index lo = s.k0; lo < T; lo *= 2) bins.emplace_back(lo, lo >= 8 * s.k0 ? T : std::min(2 * lo, T));
    while (bins.size() > 4) bins.pop_back();
    bins.back().second = T;
    bins.emplace_back(s.k0, T);  // all
    fmt::print("model {}: {} tasks, plan of {} configs; k0 = {}, {} trials per task, {} seeds ({} tasks tuned per seed)\n",
               Model::name, T, j.table.n_configs(), s.k0, s.trials, s.n_seeds, T - s.k0);
    fmt::print("mean normalised regret of the first trial (k=1) and of the best of the first 5 (k=5)\n");
    fmt::print("{:<12} {:>5} | {:>8} {:>9} {:>8} {:>10} {:>7} | {:>8} {:>9} {:>8} {:>10} {:>7}\n", "tasks known", "n",
               "k=1 rand", "no update", "iterate", "full plans", "iter-no", "k=5 rand", "no update", "iterate",
               "full plans", "iter-no");
    nlohmann::json table = nlohmann::json::array();
    std::size_t unscored = 0;
    for (const auto& steps : per_seed)
        for (const auto& st : steps) unscored += st.scored ? 0 : 1;
    for (std::size_t b = 0; b < bins.size(); ++b) {
        const auto [lo, hi] = bins[b];
        std::array<std::vector<double>, 2> diff;
        std::array<std::array<double, n_arms>, 2> mean{};
        std::array<double, 2> random{};
        std::size_t n = 0;
        for (const auto& steps : per_seed)
            for (const auto& st : steps) {
                if (!st.scored || st.known < lo || st.known >= hi) continue;
                ++n;
                for (std::size_t k = 0; k < 2; ++k) {
                    random[k] += st.random[k];
                    for (std::size_t a = 0; a < n_arms; ++a) mean[k][a] += st.regret[a][k];
                    diff[k].push_back(st.regret[iterate][k] - st.regret[no_update][k]);
                }
            }
        const std::string label = b + 1 == bins.size() ? "all" : fmt::format("{}-{}", lo, hi - 1);
        fmt::print("{:<12} {:>5}", label, n);
        nlohmann::json row = {{"tasks_known", {lo, hi - 1}}, {"n", n}};
        for (std::size_t k = 0; k < 2; ++k) {
            const double d = n ? 1.0 / static_cast<double>(n) : 0.0;
            const auto ci = meta::bootstrap_mean(diff[k], 1000, 0);
            fmt::print(" | {:>8.3f} {:>9.3f} {:>8.3f} {:>10.3f} {:>+7.3f}", random[k] * d, mean[k][no_update] * d,
                       mean[k][iterate] * d, mean[k][full_plans] * d, ci.mean);
            const char* key = k == 0 ? "k1" : "k5";
            row[key] = {{"random", random[k] * d},          {"no_update", mean[k][no_update] * d},
                        {"iterate", mean[k][iterate] * d}, {"full_plans", mean[k][full_plans] * d},
                        {"iterate_minus_no_update", {{"mean", ci.mean}, {"ci95", {ci.lo, ci.hi}}}}};
        }
        fmt::print("\n");
        table.push_back(std::move(row));
    }
    fmt::print("iterate − no update, 95 % bootstrap interval over (task, seed) pairs:");
    for (const auto& row : table)
        fmt::print(" {}: k=1 [{:+.3f}, {:+.3f}] k=5 [{:+.3f}, {:+.3f}];", row["tasks_known"].dump(),
                   row["k1"]["iterate_minus_no_update"]["ci95"][0].get<double>(),
                   row["k1"]["iterate_minus_no_update"]["ci95"][1].get<double>(),
                   row["k5"]["iterate_minus_no_update"]["ci95"][0].get<double>(),
                   row["k5"]["iterate_minus_no_update"]["ci95"][1].get<double>());
    fmt::print("\n{} tuned tasks not scored (all plan configurations tie; they joined the knowledge)\n", unscored);
    double fit = 0;
    for (double f : fit_seconds) fit += f;
    fmt::print("total {:.1f} s wall ({:.1f} s of meta-model refits, summed over seeds), {} threads; peak RSS {:.0f} MB; "
               "load average {}\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count(), fit,
               resolve_threads(s.threads), bench::peak_rss_kb() / 1024.0, bench::load_average());

    if (!s.out.empty()) {
        nlohmann::json out = {{"model", Model::name}, {"records", s.records}, {"k0", s.k0}, {"trials", s.trials},
                              {"seeds", s.n_seeds},   {"arms", arm_names},    {"table", std::move(table)}};
        nlohmann::json steps = nlohmann::json::array();
        for (const auto& seq : per_seed)
            for (const auto& st : seq) {
                nlohmann::json e = {{"seed", st.seed}, {"known", st.known}, {"task", st.task}, {"joined", st.joined}};
                if (st.scored) {
                    e["regret"] = st.regret;  // [arm][k=1, k=5], arms in the order of "arms"
                    e["random"] = st.random;
                }
                steps.push_back(std::move(e));
            }
        out["steps"] = std::move(steps);
        std::ofstream f(s.out);
        f << out.dump() << '\n';
        if (!f) throw IoError(fmt::format("iterate_loop: cannot write '{}' ({})", s.out, std::strerror(errno)));
        fmt::print("wrote {}\n", s.out);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) try {
    CLI::App app{"Warm starts on a sequence of held-out tasks, each study joining the knowledge (the iterate loop)"};
    Settings s;
    std::string model = "logistic_regression";
    app.add_option("--records", s.records, "record journal of full plans (the outer loop's)")->required();
    app.add_option("--model", model, "base model of the journal: logistic_regression, decision_tree or knn")
        ->capture_default_str();
    app.add_option("--seeds", s.n_seeds, "task orders (and tuner seeds) 0..S-1")->capture_default_str()->check(CLI::Range(1, 1000));
    app.add_option("--k0", s.k0, "tasks known at the start (their full plans)")->capture_default_str()->check(CLI::PositiveNumber);
    app.add_option("--trials", s.trials, "trials per task (B); the first 5 are scored")->capture_default_str()->check(CLI::Range(5, 1000));
    app.add_option("--threads", s.threads, "seeds run in parallel (0 = all cores)")->capture_default_str()->check(CLI::NonNegativeNumber);
    app.add_option("--out", s.out, "JSON file of the table and every tuned task's regrets");
    CLI11_PARSE(app, argc, argv);
    return bench::with_model(model, "iterate_loop", [&]<class Model>(std::type_identity<Model>) { return run<Model>(s); });
} catch (const metalearn::Error& e) {
    fmt::print(stderr, "iterate_loop: {}\n", e.what());
    return 1;
}
