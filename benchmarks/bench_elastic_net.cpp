// ElasticNet fit time on real regression data, and the program benchmarks/compare_elastic_net.py
// runs against scikit-learn's ElasticNet / enet_path.
//
// Datasets: boston (data/sklearn, 506×13), and from ../shared/datasets/pmlb_extra (PMLB, skipped
// when absent): 505_tecator (240×124), tecator_wide (its first 100 rows: p > n),
// 4544_GeographicalOriginalofMusic (1059×117), 197_cpu_act (8192×21), 574_house_16H (22784×16).
// Features are standardised over all rows (population std; constant columns centred only); the
// target is left raw. Penalties are relative to α_max(ρ) = ‖Xcᵀyc‖∞ / (n·ρ), the smallest α with
// w = 0: α = f·α_max for f = 0.1 and 0.01, ρ = 0.5 and 1; tol and max_iter are scikit-learn's
// defaults (1e-4, 1000). The path benchmark fits ElasticNet::alpha_grid(ρ = 0.5, 100 penalties,
// eps = 1e-3) with warm starts.
//
// Benchmarks: EnetFit/<dataset>/rho=<ρ>/f=<f> and EnetPath/<dataset>/rho=0.5 (one fit or one path per
// iteration; counters n, p, n_iter). Environment, for the comparison script:
//   METALEARN_ENET_DUMP_DIR   write each dataset as <name>.X.bin (n×p float64, column-major),
//                             <name>.y.bin (n) and <name>.shape (n p), and after each benchmark its
//                             result as <benchmark name with '/' → '_'>.txt (penalties, then
//                             coefficients and intercept per penalty, %.17g);
//   METALEARN_ENET_LOAD_DIR   read the datasets from such .bin files instead of the sources (no
//                             parsing overhead in the process's peak memory);
//   METALEARN_ENET_DATASET    load only this dataset.
// Counters rss_start_kb / rss_end_kb: the process's peak resident set (VmHWM) when the benchmark
// starts and ends.
#include <metalearn/models/elastic_net.hpp>

#include "peak_rss.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#ifdef METALEARN_HAS_ZLIB
#include <zlib.h>
#endif

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using metalearn::Index;
using metalearn::Matrix;
using metalearn::Vector;
using metalearn::models::ElasticNet;

struct Data {
    std::string name;
    Matrix X;
    Vector y;
};

std::string read_gz(const std::filesystem::path& path) {
#ifndef METALEARN_HAS_ZLIB
    throw std::runtime_error("zlib is needed to read " + path.string());
#else
    gzFile f = gzopen(path.string().c_str(), "rb");
    if (f == nullptr) throw std::runtime_error("cannot open " + path.string());
    std::string out;
    char buf[1 << 16];
    int got = 0;
    while ((got = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(got));
    gzclose(f);
    return out;
#endif
}

// Rows of numbers separated by `sep`, after `skip` header lines; the last column is the target.
Data parse_table(const std::string& name, const std::string& text, char sep, int skip, Index max_rows = -1) {
    std::istringstream in(text);
    std::string line;
    for (int i = 0; i < skip; ++i) std::getline(in, line);
    std::vector<std::vector<double>> rows;
    while (std::getline(in, line) && (max_rows < 0 || static_cast<Index>(rows.size()) < max_rows)) {
        if (line.empty()) continue;
        std::vector<double> row;
        std::stringstream ls(line);
        std::string cell;
        while (std::getline(ls, cell, sep)) row.push_back(std::stod(cell));
        rows.push_back(std::move(row));
    }
    const auto n = static_cast<Index>(rows.size());
    const auto p = static_cast<Index>(rows.front().size()) - 1;
    Data d{name, Matrix(n, p), Vector(n)};
    for (Index i = 0; i < n; ++i) {
        const auto& r = rows[static_cast<std::size_t>(i)];
        if (static_cast<Index>(r.size()) != p + 1) throw std::runtime_error(name + ": ragged row");
        for (Index j = 0; j < p; ++j) d.X(i, j) = r[static_cast<std::size_t>(j)];
        d.y[i] = r[static_cast<std::size_t>(p)];
    }
    const Eigen::RowVectorXd mean = d.X.colwise().mean();
    d.X.rowwise() -= mean;
    for (Index j = 0; j < p; ++j) {
        const double sd = std::sqrt(d.X.col(j).squaredNorm() / static_cast<double>(n));
        if (sd > 0) d.X.col(j) /= sd;
    }
    return d;
}

template <class T>
void write_bin(const std::filesystem::path& path, const T* data, std::size_t count) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(count * sizeof(T)));
}

Data read_bin(const std::filesystem::path& dir, const std::string& name) {
    Index n = 0;
    Index p = 0;
    std::ifstream(dir / (name + ".shape")) >> n >> p;
    if (n <= 0 || p <= 0) throw std::runtime_error("no dump of " + name + " in " + dir.string());
    Data d{name, Matrix(n, p), Vector(n)};
    std::ifstream(dir / (name + ".X.bin"), std::ios::binary)
        .read(reinterpret_cast<char*>(d.X.data()), static_cast<std::streamsize>(n * p * sizeof(double)));
    std::ifstream(dir / (name + ".y.bin"), std::ios::binary)
        .read(reinterpret_cast<char*>(d.y.data()), static_cast<std::streamsize>(n * sizeof(double)));
    return d;
}

void dump_result(const std::string& bench, const Vector& alphas, const Matrix& coef, const Vector& intercept) {
    const char* dir = std::getenv("METALEARN_ENET_DUMP_DIR");
    if (dir == nullptr) return;
    std::string file = bench;
    for (char& c : file)
        if (c == '/') c = '_';
    std::ofstream out(std::filesystem::path(dir) / (file + ".txt"));
    for (Index k = 0; k < alphas.size(); ++k) out << fmt::format("{:.17g}{}", alphas[k], k + 1 < alphas.size() ? " " : "\n");
    for (Index k = 0; k < coef.cols(); ++k) {
        for (Index j = 0; j < coef.rows(); ++j) out << fmt::format("{:.17g} ", coef(j, k));
        out << fmt::format("{:.17g}\n", intercept[k]);
    }
}

void bench_fit(benchmark::State& state, const Data& d, double rho, double f, const std::string& bench) {
    const double rss0 = metalearn::bench::peak_rss_kb();
    const double alpha = f * ElasticNet::alpha_grid(d.X, d.y, rho, 1, 1.0)[0];
    ElasticNet m({.alpha = alpha, .l1_ratio = rho});
    for (auto _ : state) {
        m.fit(d.X, d.y);
        benchmark::DoNotOptimize(m.coef().data());
    }
    state.counters["n"] = static_cast<double>(d.X.rows());
    state.counters["p"] = static_cast<double>(d.X.cols());
    state.counters["n_iter"] = static_cast<double>(m.n_iter());
    state.counters["converged"] = m.converged() ? 1.0 : 0.0;
    state.counters["rss_start_kb"] = rss0;
    state.counters["rss_end_kb"] = metalearn::bench::peak_rss_kb();
    dump_result(bench, Vector::Constant(1, alpha), m.coef(), Vector::Constant(1, m.intercept()));
}

void bench_path(benchmark::State& state, const Data& d, double rho, const std::string& bench) {
    const double rss0 = metalearn::bench::peak_rss_kb();
    const Vector alphas = ElasticNet::alpha_grid(d.X, d.y, rho, 100, 1e-3);
    metalearn::models::ElasticNetPath path;
    for (auto _ : state) {
        path = ElasticNet::path(d.X, d.y, alphas, {.l1_ratio = rho});
        benchmark::DoNotOptimize(path.coef.data());
    }
    Index sweeps = 0;
    for (Index it : path.n_iter) sweeps += it;
    state.counters["n"] = static_cast<double>(d.X.rows());
    state.counters["p"] = static_cast<double>(d.X.cols());
    state.counters["n_iter"] = static_cast<double>(sweeps);
    state.counters["rss_start_kb"] = rss0;
    state.counters["rss_end_kb"] = metalearn::bench::peak_rss_kb();
    dump_result(bench, path.alphas, path.coef, path.intercept);
}

const bool registered = [] {
    static std::vector<Data> sets;
    const char* only = std::getenv("METALEARN_ENET_DATASET");
    const std::vector<std::string> names = {"boston",      "505_tecator", "tecator_wide", "4544_GeographicalOriginalofMusic",
                                            "197_cpu_act", "574_house_16H"};
    const std::filesystem::path data(METALEARN_DATA_DIR);
    const std::filesystem::path extra = std::filesystem::path(METALEARN_PMLB_DIR).parent_path() / "pmlb_extra";
    for (const auto& name : names) {
        if (only != nullptr && name != only) continue;
        try {
            if (const char* dir = std::getenv("METALEARN_ENET_LOAD_DIR")) {
                sets.push_back(read_bin(dir, name));
            } else if (name == "boston") {
                std::ifstream in(data / "sklearn/boston_house_prices.csv");
                if (!in) throw std::runtime_error("missing data/sklearn/boston_house_prices.csv");
                std::stringstream ss;
                ss << in.rdbuf();
                sets.push_back(parse_table(name, ss.str(), ',', 2));
            } else if (name == "tecator_wide") {
                sets.push_back(parse_table(name, read_gz(extra / "505_tecator/505_tecator.tsv.gz"), '\t', 1, 100));
            } else {
                sets.push_back(parse_table(name, read_gz(extra / name / (name + ".tsv.gz")), '\t', 1));
            }
        } catch (const std::exception& e) {
            std::fprintf(stderr, "bench_elastic_net: skipping %s: %s\n", name.c_str(), e.what());
        }
    }
    if (const char* dir = std::getenv("METALEARN_ENET_DUMP_DIR"); dir != nullptr && std::getenv("METALEARN_ENET_LOAD_DIR") == nullptr) {
        std::filesystem::create_directories(dir);
        for (const auto& d : sets) {
            write_bin(std::filesystem::path(dir) / (d.name + ".X.bin"), d.X.data(), static_cast<std::size_t>(d.X.size()));
            write_bin(std::filesystem::path(dir) / (d.name + ".y.bin"), d.y.data(), static_cast<std::size_t>(d.y.size()));
            std::ofstream(std::filesystem::path(dir) / (d.name + ".shape")) << d.X.rows() << ' ' << d.X.cols() << '\n';
        }
    }
    for (const auto& d : sets) {
        for (double rho : {0.5, 1.0})
            for (double f : {0.1, 0.01}) {
                const std::string name = fmt::format("EnetFit/{}/rho={}/f={}", d.name, rho, f);
                benchmark::RegisterBenchmark(name.c_str(), [&d, rho, f, name](benchmark::State& st) {
                    bench_fit(st, d, rho, f, name);
                })->Unit(benchmark::kMillisecond);
            }
        const std::string name = fmt::format("EnetPath/{}/rho=0.5", d.name);
        benchmark::RegisterBenchmark(name.c_str(), [&d, name](benchmark::State& st) { bench_path(st, d, 0.5, name); })
            ->Unit(benchmark::kMillisecond);
    }
    return true;
}();

}  // namespace
