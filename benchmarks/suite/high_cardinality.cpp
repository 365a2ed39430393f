// high_cardinality: wall time of metafeatures::extract on generated tables with high-cardinality
// nominal columns, with and without time limits. One CSV line per run on stdout:
//   case,rows,nominal,numeric,one_hot_columns,max_categories,group,limit_ms,total_limit_ms,seconds,timed_out
//
// Cases (every table is written as CSV text and read back with data::read_csv_string, as a user's
// file would be; fixed seed 7):
//   ids        ROWS rows: "name" and "id" (every cell distinct), 3 numeric columns, a 3-class target;
//   nominal500 ROWS rows: 500 nominal columns of 5 levels each, a 3-class target.
//
// Usage: high_cardinality CASE [ROWS] [--limit-ms L] [--total-limit-ms T] [--max-categories C]
//                              [--each-group]
// --each-group runs every group alone (a fresh extraction per group) after the all-groups run.
// --max-categories 0 turns the one-hot cap off (the encoding before the cap existed).
//
// Build (Release, from the repository root):
//   g++ -O3 -DNDEBUG -std=c++20 -Iinclude -isystem /usr/include/eigen3
//       benchmarks/suite/high_cardinality.cpp -o build/high_cardinality -lfmt   (one line)
#include <metalearn/data/csv.hpp>
#include <metalearn/metafeatures.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

using namespace metalearn;
namespace mf = metalearn::metafeatures;

namespace {

std::string ids_csv(Index rows) {
    Rng rng(7);
    std::string s = "name,id,x1,x2,x3,class\n";
    for (Index i = 0; i < rows; ++i) {
        const Index c = i % 3;
        s += fmt::format("person_{:05d},ID-{:08x},{:.6f},{:.6f},{:.6f},c{}\n", i, 0x9E3779B1u * static_cast<unsigned>(i + 1),
                         rng.normal() + static_cast<double>(c), rng.normal(), rng.uniform(), c);
    }
    return s;
}

std::string nominal_csv(Index rows, Index columns, int levels) {
    Rng rng(7);
    std::string s;
    for (Index j = 0; j < columns; ++j) s += fmt::format("a{},", j);
    s += "class\n";
    for (Index i = 0; i < rows; ++i) {
        const Index c = static_cast<Index>(rng.uniform_index(3));
        for (Index j = 0; j < columns; ++j) {
            // the first 10 columns follow the class half of the time
            const auto v = j < 10 && rng.uniform() < 0.5 ? static_cast<std::uint64_t>(c)
                                                          : rng.uniform_index(static_cast<std::uint64_t>(levels));
            s += fmt::format("v{},", v);
        }
        s += fmt::format("c{}\n", c);
    }
    return s;
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc < 2) {
        fmt::print(stderr, "usage: high_cardinality ids|nominal500 [ROWS] [--limit-ms L] [--total-limit-ms T] "
                           "[--max-categories C] [--each-group]\n");
        return 2;
    }
    const std::string which = argv[1];
    Index rows = 2000;
    long long limit_ms = 0, total_ms = 0;
    Index cap = mf::ExtractOptions{}.max_categories;
    bool each = false;
    for (int a = 2; a < argc; ++a) {
        const std::string arg = argv[a];
        const auto next = [&] { return a + 1 < argc ? std::atoll(argv[++a]) : 0LL; };
        if (arg == "--limit-ms") limit_ms = next();
        else if (arg == "--total-limit-ms") total_ms = next();
        else if (arg == "--max-categories") cap = static_cast<Index>(next());
        else if (arg == "--each-group") each = true;
        else rows = static_cast<Index>(std::atoll(arg.c_str()));
    }
    const std::string text = which == "ids" ? ids_csv(rows) : nominal_csv(rows, 500, 5);
    data::CsvOptions csv;
    csv.target = "class";
    csv.task = data::TaskType::classification;
    const auto d = data::read_csv_string(text, which, csv);
    data::OneHotEncoder enc({.max_categories = cap});
    enc.fit(d.X(), d.features());
    const Index numeric = d.n_features() - d.n_nominal();

    const auto run = [&](const std::vector<mf::Group>& groups, const std::string& label) {
        mf::ExtractOptions o;
        o.groups = groups;
        o.max_categories = cap;
        o.time_limit_per_group = std::chrono::milliseconds(limit_ms);
        o.time_limit = std::chrono::milliseconds(total_ms);
        const auto t0 = std::chrono::steady_clock::now();
        const auto m = mf::extract(d, o);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        fmt::print("{},{},{},{},{},{},{},{},{},{:.2f},{}\n", which, d.n_samples(), d.n_nominal(), numeric,
                   enc.n_output_features(), cap, label, limit_ms, total_ms, s, m.timed_out().size());
        std::fflush(stdout);
    };
    run(mf::all_groups(), "all");
    if (each)
        for (auto g : mf::all_groups()) run({g}, std::string(mf::group_name(g)));
    return 0;
} catch (const metalearn::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
}
