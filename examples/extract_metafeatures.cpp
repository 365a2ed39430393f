// extract_metafeatures: print the meta-features of one dataset file.
//
//   extract_metafeatures FILE [--target NAME] [--groups G ...] [--summary S ...]
//                        [--features F ...] [--set mfe|autosklearn] [--seed N]
//                        [--time-limit MS] [--time-limit-per-group MS] [--format table|json|csv]
//                        [--no-header] [--landmarking-max-rows N] [--labels LABEL_FILE] [--max-rows N]
//
// FILE is anything data::read_dataset reads (.arff/.csv/.tsv, optionally .gz), or an IDX image
// file (*-images-idx3-ubyte[.gz], as Fashion-MNIST) with its label file in --labels. Groups:
// general statistical info-theory landmarking model-based (default: all). Summaries: mean sd
// min max median quantiles range skewness kurtosis histogram (default: mean sd). --set
// autosklearn prints auto-sklearn's 46 meta-features instead. The time taken by the extraction
// (wall clock and process CPU, file reading excluded) goes to stderr, as
// do the names of features skipped by a time limit (--time-limit bounds the whole extraction,
// --time-limit-per-group each group). Landmarkers use at most --landmarking-max-rows rows (a
// stratified subsample; default 5000, 0 = every row). --max-rows keeps the first N rows of an
// IDX file. Exit code 0 on success, 1 if the file cannot
// be read, 2 on a usage error.

#include "out_of_memory.hpp"
#include "seed_option.hpp"

#include <metalearn/data.hpp>
#include <metalearn/metafeatures.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <new>
#include <vector>

using namespace metalearn;
namespace mf = metalearn::metafeatures;

namespace {
int run(int argc, char** argv) {
    CLI::App app{"Extract MFE (pymfe-compatible) or auto-sklearn meta-features from a dataset file"};
    std::string file, target, format = "table", set = "mfe";
    std::vector<std::string> groups, summaries, features;
    std::uint64_t seed = 0;
    long long time_limit_ms = 0;
    long long group_limit_ms = 0;
    bool no_header = false;
    Index landmarking_max_rows = mf::ExtractOptions{}.landmarking_max_rows;
    std::string labels_file;
    Index max_rows = -1;
    app.add_option("file", file, "dataset file (.arff/.csv/.tsv, optionally .gz; or IDX images with --labels)")->required();
    app.add_option("--target", target, "target column (default: the format's rule)");
    app.add_option("--groups", groups, "general statistical info-theory landmarking model-based");
    app.add_option("--summary", summaries, "mean sd min max median quantiles range skewness kurtosis histogram");
    app.add_option("--features", features, "only these base features (e.g. cor nr_inst)");
    app.add_option("--set", set, "feature set: mfe or autosklearn")->check(CLI::IsMember({"mfe", "autosklearn"}));
    app.add_option("--seed", seed, "seed of every random choice")->check(non_negative_seed());
    app.add_option("--time-limit", time_limit_ms, "time limit of the whole extraction in milliseconds (0 = none)")
        ->check(CLI::Range(0LL, 1000000000000000LL));
    app.add_option("--time-limit-per-group", group_limit_ms, "time limit per group in milliseconds (0 = none)")
        ->check(CLI::Range(0LL, 1000000000000000LL));
    app.add_option("--format", format, "table, json or csv")->check(CLI::IsMember({"table", "json", "csv"}));
    app.add_flag("--no-header", no_header, "csv: print the row only");
    app.add_option("--landmarking-max-rows", landmarking_max_rows,
                   "landmarkers on a stratified subsample of at most this many rows (0 = every row; else >= 20)")
        ->capture_default_str()
        ->check(CLI::Range(Index{0}, Index{1000000000000000}));
    double max_matrix_gb = static_cast<double>(mf::ExtractOptions{}.max_matrix_bytes) / 1e9;
    app.add_option("--max-matrix-gb", max_matrix_gb,
                   "largest q x q matrix a feature may build, in GB (cor, cov, eigenvalues...; 0 = no limit)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1e9));
    app.add_option("--labels", labels_file, "IDX label file (*-labels-idx1-ubyte[.gz]) when FILE holds IDX images");
    app.add_option("--max-rows", max_rows, "IDX: keep the first this many images (default: all)")
        ->check(CLI::Validator(
            [](std::string& v) {
                long long x = 0;
                const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
                const bool ok = ec == std::errc() && end == v.data() + v.size() && x >= 1;
                return ok ? std::string() : "expected a whole number >= 1 (got '" + v + "')";
            },
            "N >= 1"));
    CLI11_PARSE(app, argc, argv);

    mf::ExtractOptions options;
    try {
        if (!groups.empty()) {
            options.groups.clear();
            for (const auto& g : groups) options.groups.push_back(mf::parse_group(g));
        }
        if (!summaries.empty()) {
            options.summaries.clear();
            for (const auto& s : summaries) options.summaries.push_back(mf::parse_summary(s));
        }
    } catch (const Error& e) {
        fmt::print(stderr, "extract_metafeatures: {}\n", e.what());
        return 2;
    }
    options.features = features;
    options.seed = seed;
    options.time_limit = std::chrono::milliseconds(time_limit_ms);
    options.time_limit_per_group = std::chrono::milliseconds(group_limit_ms);
    options.feature_set = set == "autosklearn" ? mf::FeatureSet::autosklearn : mf::FeatureSet::mfe;
    options.landmarking_max_rows = landmarking_max_rows;
    if (!std::isfinite(max_matrix_gb)) {  // CLI::Range lets NaN through
        fmt::print(stderr, "extract_metafeatures: --max-matrix-gb expects a number in [0, 1e9] (got {})\n", max_matrix_gb);
        return 2;
    }
    // a positive limit stays a limit, however small (0 bytes would mean none)
    options.max_matrix_bytes =
        max_matrix_gb > 0.0 ? std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(max_matrix_gb * 1e9))) : 0;
    options.on_warning = [](const std::string& w) { fmt::print(stderr, "warning: {}\n", w); };
    if (landmarking_max_rows != 0 && landmarking_max_rows < 20) {
        fmt::print(stderr, "extract_metafeatures: --landmarking-max-rows expects 0 (every row) or a number >= 20 "
                           "(got {})\n", landmarking_max_rows);
        return 2;
    }
    if (!target.empty() && !labels_file.empty()) {
        fmt::print(stderr, "extract_metafeatures: --target does not apply to IDX files (their classes come from "
                           "--labels)\n");
        return 2;
    }
    if (max_rows != -1 && labels_file.empty()) {
        fmt::print(stderr, "extract_metafeatures: --max-rows applies to IDX files only (give --labels)\n");
        return 2;
    }
    const bool idx_name = file.find("idx") != std::string::npos && file.find("ubyte") != std::string::npos;
    if (idx_name && labels_file.empty()) {
        fmt::print(stderr, "extract_metafeatures: '{}' looks like an IDX image file: give its label file with --labels "
                           "(e.g. --labels t10k-labels-idx1-ubyte.gz)\n", file);
        return 2;
    }
    if (!labels_file.empty() && !idx_name && (file.ends_with(".csv") || file.ends_with(".csv.gz") ||
                                              file.ends_with(".tsv") || file.ends_with(".tsv.gz") ||
                                              file.ends_with(".arff") || file.ends_with(".arff.gz"))) {
        fmt::print(stderr, "extract_metafeatures: --labels is for IDX image files; '{}' is read with its own target "
                           "(--target)\n", file);
        return 2;
    }

    data::Dataset d;
    try {
        data::ReadOptions ro;
        ro.target = target;
        ro.on_warning = [](const std::string& w) { fmt::print(stderr, "warning: {}\n", w); };
        if (!labels_file.empty())
            d = data::read_idx_dataset(file, labels_file, std::filesystem::path(file).filename().string(), max_rows);
        else
            d = data::read_dataset(file, ro);
    } catch (const Error& e) {
        if (labels_file.empty()) fmt::print(stderr, "extract_metafeatures: cannot read {}: {}\n", file, e.what());
        else fmt::print(stderr, "extract_metafeatures: cannot read the IDX images {} with labels {}: {}\n", file, labels_file, e.what());
        return 1;
    }
    mf::MetaFeatures m;
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    try {
        m = mf::extract(d, options);
    } catch (const ConfigError& e) {
        fmt::print(stderr, "extract_metafeatures: {}\n", e.what());
        return 2;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;

    if (format == "json") fmt::print("{}\n", m.to_json(2));
    else if (format == "csv") {
        if (!no_header) fmt::print("dataset,{}\n", m.csv_header());
        fmt::print("{},{}\n", data::csv_field(d.name()), m.csv_row());
    } else {
        fmt::print("# {}: {} rows, {} features ({} nominal), {} classes\n", d.name(), d.n_samples(), d.n_features(),
                   d.n_nominal(), d.n_classes());
        fmt::print("{}", m.to_table());
    }
    fmt::print(stderr, "{} meta-features in {:.3f} s ({:.4g} s CPU)\n", m.size(), seconds, cpu_seconds);
    if (!m.timed_out().empty())
        fmt::print(stderr, "skipped by the time limit or --max-matrix-gb (NaN): {}\n", fmt::join(m.timed_out(), " "));
    return 0;
}
}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::bad_alloc&) {
        print_out_of_memory("extract_metafeatures");
        return 1;
    }
}
