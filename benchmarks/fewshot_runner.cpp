// The metalearn side of benchmarks/compare_fewshot.py: MAML, first-order MAML and Reptile on the
// sinusoid protocol of Finn et al. (2017) — a 1-40-40-1 ReLU network, 25 tasks per meta-batch,
// K support + K query points, inner SGD with α = 0.01 (1 step; Reptile 5 steps on support ∪
// query), Adam 1e-3 — started from a parameter vector read from a file.
//
//   fewshot_runner init SEED THETA_OUT
//       writes θ₀ = Network({1,40,40,1}).init_params(Rng(SEED)) (PyTorch's default nn.Linear
//       initialisation) as an n_params×1 matrix file (layer by layer: W_l column-major in×out,
//       i.e. PyTorch's out×in row-major weight, then b_l).
//   fewshot_runner time METHOD THREADS THETA_IN K MIN_TIME
//       runs meta-iterations (after 3 warm-up ones) until MIN_TIME seconds of process CPU time
//       have passed; prints JSON {cpu, wall, iters, peak_kb}: process CPU and wall seconds per
//       meta-iteration, VmHWM in kB.
//   fewshot_runner train METHOD THREADS THETA_IN K ITERS EVAL_DIR SEED
//       ITERS meta-iterations (episodes seeded by SEED), then adapts to each held-out task of
//       EVAL_DIR (sx.bin, sy.bin, qx.bin, qy.bin: T×K support and T×Q query points, one task a
//       row) with the method's inner step count on the support points and prints JSON
//       {mse, mse_sd, meta_loss_last100, cpu, peak_kb}: mean (and sd over tasks) of the query MSE.
//
// METHOD is maml, fomaml or reptile; THREADS is MetaLearnerParams::n_threads (0 = all).
// Matrix files: benchmarks/matrix_file.hpp.
#include <metalearn/fewshot.hpp>

#include "matrix_file.hpp"
#include "peak_rss.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

namespace fs = metalearn::fewshot;
namespace mm = metalearn::models;
using metalearn::Index;
using metalearn::Matrix;
using metalearn::Rng;
using metalearn::Vector;

namespace {

double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double wall_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void write_matrix(const std::string& path, const Matrix& m) {
    std::ofstream out(path, std::ios::binary);
    const std::int64_t shape[2] = {m.rows(), m.cols()};
    out.write(reinterpret_cast<const char*>(shape), sizeof shape);
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> r = m;
    out.write(reinterpret_cast<const char*>(r.data()), static_cast<std::streamsize>(sizeof(double) * r.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

const mm::Network& network() {
    static const mm::Network net({1, 40, 40, 1}, mm::Activation::relu);
    return net;
}

std::unique_ptr<fs::MetaLearner> make_learner(const std::string& method, int threads, std::uint64_t seed) {
    fs::MetaLearnerParams p{.inner_steps = 1, .inner_learning_rate = 0.01, .meta_batch_size = 25,
                            .meta_learning_rate = 1e-3, .seed = seed, .n_threads = threads};
    if (method == "maml") return std::make_unique<fs::Maml>(network(), p);
    if (method == "fomaml") return std::make_unique<fs::FirstOrderMaml>(network(), p);
    if (method == "reptile") {
        p.inner_steps = 5;
        return std::make_unique<fs::Reptile>(network(), p);
    }
    throw std::runtime_error("unknown method " + method + " (expected maml, fomaml or reptile)");
}

int run(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "init" && argc == 4) {
        Rng rng(std::stoull(argv[2]));
        write_matrix(argv[3], network().init_params(rng));
        return 0;
    }
    if ((mode == "time" && argc == 7) || (mode == "train" && argc == 9)) {
        const std::string method = argv[2];
        const int threads = std::stoi(argv[3]);
        const Vector theta = metalearn::bench::read_matrix_file(argv[4]).col(0);
        const Index k = std::stol(argv[5]);
        const fs::SinusoidTasks tasks({.support_size = k, .query_size = k});
        const std::uint64_t seed = mode == "train" ? std::stoull(argv[8]) : 1;
        auto learner = make_learner(method, threads, seed);
        learner->set_params(theta);
        if (mode == "time") {
            const double min_time = std::stod(argv[6]);
            for (int i = 0; i < 3; ++i) learner->meta_step(tasks);
            long iters = 0;
            const double c0 = process_cpu_seconds(), w0 = wall_seconds();
            double c = 0.0;
            do {
                for (int i = 0; i < 10; ++i) learner->meta_step(tasks);
                iters += 10;
                c = process_cpu_seconds() - c0;
            } while (c < min_time);
            const double w = wall_seconds() - w0;
            std::printf("{\"cpu\": %.9g, \"wall\": %.9g, \"iters\": %ld, \"peak_kb\": %.0f}\n", c / iters, w / iters,
                        iters, metalearn::bench::peak_rss_kb());
            return 0;
        }
        const int iters = std::stoi(argv[6]);
        const std::string dir = argv[7];
        const double c0 = process_cpu_seconds();
        double last = 0.0;
        int n_last = 0;
        for (int i = 0; i < iters; ++i) {
            const double v = learner->meta_step(tasks);
            if (i >= iters - 100) {
                last += v;
                ++n_last;
            }
        }
        const double cpu = process_cpu_seconds() - c0;
        const Matrix sx = metalearn::bench::read_matrix_file(dir + "/sx.bin");
        const Matrix sy = metalearn::bench::read_matrix_file(dir + "/sy.bin");
        const Matrix qx = metalearn::bench::read_matrix_file(dir + "/qx.bin");
        const Matrix qy = metalearn::bench::read_matrix_file(dir + "/qy.bin");
        const int steps = learner->hyperparams().inner_steps;
        double s = 0.0, s2 = 0.0;
        for (Index t = 0; t < sx.rows(); ++t) {
            const Matrix xs = sx.row(t).transpose(), ys = sy.row(t).transpose();
            const Matrix xq = qx.row(t).transpose(), yq = qy.row(t).transpose();
            const Vector phi = learner->adapt(xs, ys, steps);
            const double mse = (learner->predict(phi, xq) - yq).squaredNorm() / static_cast<double>(xq.rows());
            s += mse;
            s2 += mse * mse;
        }
        const auto n = static_cast<double>(sx.rows());
        const double mean = s / n;
        std::printf("{\"mse\": %.9g, \"mse_sd\": %.9g, \"meta_loss_last100\": %.9g, \"cpu\": %.9g, \"peak_kb\": %.0f}\n",
                    mean, std::sqrt(std::max(0.0, (s2 - n * mean * mean) / (n - 1))), last / std::max(1, n_last),
                    cpu, metalearn::bench::peak_rss_kb());
        return 0;
    }
    std::fprintf(stderr,
                 "usage: fewshot_runner init SEED THETA_OUT\n"
                 "       fewshot_runner time METHOD THREADS THETA_IN K MIN_TIME\n"
                 "       fewshot_runner train METHOD THREADS THETA_IN K ITERS EVAL_DIR SEED\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fewshot_runner: %s\n", e.what());
        return 1;
    }
}
