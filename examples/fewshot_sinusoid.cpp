// Few-shot sinusoid regression (Finn, Abbeel & Levine, ICML 2017, §5.1): meta-train MAML,
// first-order MAML, Reptile and a jointly pretrained baseline on y = A sin(x − φ), then adapt to
// 600 new tasks from K support points and report the MSE on 100 query points after 0, 1 and 10
// SGD steps (mean ± 95 % interval), with the meta-training wall and CPU time (CPU time sums
// over threads) and the wall time per 1,000 iterations.
//
//   fewshot_sinusoid --quick                       # about a minute: 2,000 iterations, K = 10
//   fewshot_sinusoid --k 10 --methods maml         # the full protocol for one configuration
//   fewshot_sinusoid                               # everything: 70,000 iterations, K = 5, 10, 20

#include "seed_option.hpp"

#include <metalearn/fewshot.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fs = metalearn::fewshot;
namespace mm = metalearn::models;

namespace {

std::unique_ptr<fs::MetaLearner> make_learner(const std::string& method, const mm::Network& net,
                                              const fs::MetaLearnerParams& p, int reptile_steps) {
    if (method == "maml") return std::make_unique<fs::Maml>(net, p);
    if (method == "fomaml") return std::make_unique<fs::FirstOrderMaml>(net, p);
    if (method == "reptile") {
        auto q = p;
        q.inner_steps = reptile_steps;
        return std::make_unique<fs::Reptile>(net, q);
    }
    if (method == "pretrained") return std::make_unique<fs::PretrainedBaseline>(net, p);
    throw metalearn::ConfigError(fmt::format("fewshot_sinusoid: unknown method '{}' (expected maml, fomaml, reptile, pretrained)", method));
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Few-shot sinusoid regression: MAML, first-order MAML, Reptile and a pretrained baseline"};
    bool quick = false;
    std::vector<int> ks{5, 10, 20};
    std::vector<std::string> methods{"maml", "fomaml", "reptile", "pretrained"};
    int iterations = 70000;
    int eval_tasks = 600;
    int reptile_steps = 5;
    std::uint64_t seed = 1;
    bool progress = false;
    int threads = 1;
    app.add_flag("--quick", quick, "2,000 meta-iterations and K = 10 only (about a minute)");
    app.add_option("--k", ks, "support sizes K (meta-training uses K support and K query points)");
    app.add_option("--methods", methods, "any of maml fomaml reptile pretrained");
    app.add_option("--iterations", iterations, "meta-iterations (full protocol: 70000)");
    app.add_option("--eval-tasks", eval_tasks, "new tasks for evaluation");
    app.add_option("--reptile-steps", reptile_steps, "Reptile inner SGD steps per task");
    app.add_option("--seed", seed, "seed of initialisation, meta-training and evaluation tasks")->check(non_negative_seed());
    app.add_option("--threads", threads, "threads sharing each meta-batch (same results for any count)");
    app.add_flag("--progress", progress, "progress bar on stderr");
    CLI11_PARSE(app, argc, argv);
    if (quick) {
        if (app.count("--iterations") == 0) iterations = 2000;
        if (app.count("--k") == 0) ks = {10};
    }

    try {
        const mm::Network net({1, 40, 40, 1}, mm::Activation::relu);
        fmt::print("network 1-40-40-1 ReLU ({} parameters); meta-batch 25, Adam meta lr 1e-3, inner SGD alpha 0.01,\n"
                   "1 inner step (Reptile: {}), {} meta-iterations, {} thread(s); evaluation: {} new tasks, 100 query points, seed {}\n\n",
                   net.n_params(), reptile_steps, iterations, threads, eval_tasks, seed);
        fmt::print("{:<11} {:>3}  {:>15}  {:>15}  {:>15}  {:>9}  {:>9}  {:>10}\n", "method", "K", "MSE 0 steps",
                   "MSE 1 step", "MSE 10 steps", "wall s", "cpu s", "wall s/1k");
        for (int k : ks) {
            const fs::SinusoidTasks train_tasks({.support_size = k, .query_size = k});
            const fs::SinusoidTasks test_tasks({.support_size = k, .query_size = 100});
            for (const auto& method : methods) {
                const fs::MetaLearnerParams p{.inner_steps = 1,
                                              .inner_learning_rate = 0.01,
                                              .meta_batch_size = 25,
                                              .meta_learning_rate = 1e-3,
                                              .iterations = iterations,
                                              .seed = metalearn::derive_seed(seed, {static_cast<std::uint64_t>(k)}),
                                              .n_threads = threads};
                auto learner = make_learner(method, net, p, reptile_steps);
                metalearn::StderrProgressBar bar(fmt::format("{} K={}", method, k));
                const auto start = std::chrono::steady_clock::now();
                const std::clock_t cpu_start = std::clock();
                if (progress) learner->meta_train(train_tasks, std::ref(bar));
                else learner->meta_train(train_tasks);
                const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
                const auto s = learner->evaluate(test_tasks, eval_tasks, {0, 1, 10}, metalearn::derive_seed(seed, {999}));
                const auto cell = [&](std::size_t j) { return fmt::format("{:.3f} ± {:.3f}", s.loss[j], s.loss_ci[j]); };
                fmt::print("{:<11} {:>3}  {:>15}  {:>15}  {:>15}  {:>9.1f}  {:>9.1f}  {:>10.2f}\n", method, k, cell(0),
                           cell(1), cell(2), secs, cpu, iterations > 0 ? 1000.0 * secs / iterations : 0.0);
                std::fflush(stdout);
            }
        }
    } catch (const metalearn::Error& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
    return 0;
}
