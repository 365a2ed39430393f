// N-way K-shot classification with MAML, first-order MAML and Reptile on an MLP, compared with
// training the same network from scratch on the support set.
//
// Data: scikit-learn's digits (8×8 images, 10 classes; data/sklearn/digits.csv.gz) or
// Fashion-MNIST (28×28, 10 classes; data/fashion-mnist/*-ubyte.gz). Meta-training episodes use
// classes 0–4 only, evaluation episodes the held-out classes 5–9 (labels permuted per episode).
// Pixels are scaled to [0, 1]. Reports the query accuracy over new episodes with a 95 % interval.
//
//   fewshot_classification --data-dir data                          # digits, 5-way 1- and 5-shot
//   fewshot_classification --data-dir data --dataset fashion-mnist --iterations 500

#include "seed_option.hpp"

#include <metalearn/data/csv.hpp>
#include <metalearn/data/idx.hpp>
#include <metalearn/fewshot.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace fs = metalearn::fewshot;
namespace mm = metalearn::models;
using metalearn::Index;

int main(int argc, char** argv) {
    CLI::App app{"N-way K-shot classification: MAML, first-order MAML, Reptile vs training from scratch"};
    std::string data_dir = "data";
    std::string dataset = "digits";
    Index n_way = 5;
    std::vector<Index> shots{1, 5};
    Index n_query = 15;
    int iterations = 3000;
    int meta_batch = 16;
    int inner_steps = 5;
    double alpha = 0.1;
    int test_steps = 10;
    int eval_episodes = 600;
    int hidden = 64;
    int threads = 1;
    std::uint64_t seed = 1;
    std::vector<std::string> methods{"maml", "fomaml", "reptile"};
    app.add_option("--data-dir", data_dir, "folder filled by scripts/get-datasets");
    app.add_option("--dataset", dataset, "digits or fashion-mnist");
    app.add_option("--n-way", n_way, "classes per episode (at most 5: 5 meta-training / 5 held-out classes)");
    app.add_option("--shots", shots, "support examples per class (K), one run each");
    app.add_option("--query", n_query, "query examples per class");
    app.add_option("--iterations", iterations, "meta-iterations");
    app.add_option("--meta-batch", meta_batch, "episodes per meta-iteration");
    app.add_option("--inner-steps", inner_steps, "inner SGD steps in meta-training");
    app.add_option("--alpha", alpha, "inner SGD step size");
    app.add_option("--test-steps", test_steps, "SGD steps on the support set at test time");
    app.add_option("--eval-episodes", eval_episodes, "test episodes from the held-out classes");
    app.add_option("--hidden", hidden, "units of each of the two hidden layers");
    app.add_option("--methods", methods, "any of maml fomaml reptile");
    app.add_option("--threads", threads, "threads sharing each meta-batch");
    app.add_option("--seed", seed, "seed")->check(non_negative_seed());
    CLI11_PARSE(app, argc, argv);

    try {
        metalearn::Matrix X;
        metalearn::IndexVector y;
        const std::filesystem::path dir(data_dir);
        if (dataset == "digits") {
            const auto ds = metalearn::data::read_sklearn_csv(dir / "sklearn" / "digits.csv.gz");
            X = ds.X() / 16.0;
            y = ds.labels();
        } else if (dataset == "fashion-mnist") {
            X = metalearn::data::read_idx_images(dir / "fashion-mnist" / "train-images-idx3-ubyte.gz", 10000) / 255.0;
            y = metalearn::data::read_idx_labels(dir / "fashion-mnist" / "train-labels-idx1-ubyte.gz", 10000);
        } else {
            throw metalearn::ConfigError(fmt::format("unknown dataset '{}' (expected digits or fashion-mnist)", dataset));
        }
        const mm::Network net({X.cols(), hidden, hidden, n_way}, mm::Activation::relu);
        fmt::print("{}: {} images of {} pixels; meta-train classes 0-4, test classes 5-9; {}-way, {} query/class\n"
                   "network {}-{}-{}-{} ReLU ({} parameters); meta-batch {}, Adam 1e-3, {} iterations, inner SGD "
                   "alpha {} x {} steps; test: {} SGD steps, {} episodes, seed {}\n\n",
                   dataset, X.rows(), X.cols(), n_way, n_query, X.cols(), hidden, hidden, n_way, net.n_params(),
                   meta_batch, iterations, alpha, inner_steps, test_steps, eval_episodes, seed);
        fmt::print("{:<10} {:>5}  {:>17}  {:>17}  {:>17}  {:>9}\n", "method", "shots", "acc 0 steps",
                   fmt::format("acc {} steps", test_steps), fmt::format("acc {} steps", 10 * test_steps), "train s");
        const auto pct = [](double a, double ci) { return fmt::format("{:5.1f} ± {:4.1f} %", 100 * a, 100 * ci); };
        for (Index k : shots) {
            const fs::ClassificationTasks train(X, y, {0, 1, 2, 3, 4}, {.n_way = n_way, .k_shot = k, .query_per_class = n_query});
            const fs::ClassificationTasks test(X, y, {5, 6, 7, 8, 9}, {.n_way = n_way, .k_shot = k, .query_per_class = n_query});
            const fs::MetaLearnerParams p{.inner_steps = inner_steps,
                                          .inner_learning_rate = alpha,
                                          .meta_batch_size = meta_batch,
                                          .meta_learning_rate = 1e-3,
                                          .iterations = iterations,
                                          .seed = metalearn::derive_seed(seed, {static_cast<std::uint64_t>(k)}),
                                          .n_threads = threads};
            const auto eval_seed = metalearn::derive_seed(seed, {999, static_cast<std::uint64_t>(k)});
            // From scratch: the same network at its random initialisation, SGD on the support set.
            {
                const fs::FirstOrderMaml scratch(net, {.inner_learning_rate = alpha, .iterations = 0, .seed = p.seed},
                                                 mm::Loss::softmax_cross_entropy);
                const auto s = scratch.evaluate(test, eval_episodes, {0, test_steps, 10 * test_steps}, eval_seed);
                fmt::print("{:<10} {:>5}  {:>17}  {:>17}  {:>17}  {:>9}\n", "scratch", k, pct(s.accuracy[0], s.accuracy_ci[0]),
                           pct(s.accuracy[1], s.accuracy_ci[1]), pct(s.accuracy[2], s.accuracy_ci[2]), "-");
            }
            for (const auto& method : methods) {
                std::unique_ptr<fs::MetaLearner> learner;
                if (method == "maml") learner = std::make_unique<fs::Maml>(net, p, mm::Loss::softmax_cross_entropy);
                else if (method == "fomaml") learner = std::make_unique<fs::FirstOrderMaml>(net, p, mm::Loss::softmax_cross_entropy);
                else if (method == "reptile") learner = std::make_unique<fs::Reptile>(net, p, mm::Loss::softmax_cross_entropy);
                else throw metalearn::ConfigError(fmt::format("unknown method '{}'", method));
                const auto start = std::chrono::steady_clock::now();
                learner->meta_train(train);
                const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                const auto s = learner->evaluate(test, eval_episodes, {0, test_steps, 10 * test_steps}, eval_seed);
                fmt::print("{:<10} {:>5}  {:>17}  {:>17}  {:>17}  {:>9.1f}\n", method, k, pct(s.accuracy[0], s.accuracy_ci[0]),
                           pct(s.accuracy[1], s.accuracy_ci[1]), pct(s.accuracy[2], s.accuracy_ci[2]), secs);
                std::fflush(stdout);
            }
        }
    } catch (const metalearn::Error& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
    return 0;
}
