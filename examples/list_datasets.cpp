// list_datasets: read every dataset file under a folder and print what it holds.
//
//   list_datasets FOLDER [--format table|csv] [--summary] [--no-recursive]
//
// Reads .arff/.csv/.tsv files (optionally .gz) with data::read_dataset and IDX image/label pairs
// (*-images-idx3-ubyte[.gz] with *-labels-idx1-ubyte[.gz]) by their headers. One row per
// dataset: rows, features, nominal features, classes ("-" for regression), missing cells, and
// the status; a file that fails to read is listed with its error. Exit code 0 if every file
// was read, 1 if some failed, 2 on a usage error.

#include <metalearn/data.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace metalearn;

namespace {

struct Row {
    std::string name;
    std::string rows, features, nominal, classes, missing;
    std::string status;
    bool ok = true;
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"List the datasets under a folder: rows, features, nominal features, classes, missing values"};
    std::string folder;
    std::string format = "table";
    bool summary = false;
    bool no_recursive = false;
    app.add_option("FOLDER", folder, "folder to scan (subfolders too, hidden ones excepted)")->required();
    app.add_option("--format", format, "output format")->check(CLI::IsMember({"table", "csv"}));
    app.add_flag("--summary", summary, "print only a one-line summary");
    app.add_flag("--no-recursive", no_recursive, "do not scan subfolders");
    CLI11_PARSE(app, argc, argv);

    std::vector<Row> rows;
    const fs::path root(folder);
    std::vector<fs::path> files;
    try {
        files = data::list_dataset_files(root, !no_recursive);
    } catch (const Error& e) {
        fmt::print(stderr, "list_datasets: {}\n", e.what());
        return 2;
    }
    for (const auto& file : files) {
        Row r;
        r.name = fs::relative(file, root).generic_string();
        try {
            const auto d = data::read_dataset(file);
            r.rows = fmt::format("{}", d.n_samples());
            r.features = fmt::format("{}", d.n_features());
            r.nominal = fmt::format("{}", d.n_nominal());
            r.classes = d.is_classification() ? fmt::format("{}", d.n_classes()) : "-";
            r.missing = fmt::format("{}", d.n_missing());
            r.status = "ok";
        } catch (const std::exception& e) {
            r.ok = false;
            r.status = fmt::format("FAILED: {}", e.what());
        }
        rows.push_back(std::move(r));
    }
    // IDX image/label pairs.
    std::vector<fs::path> idx;
    const auto scan = [&](const fs::directory_entry& e) {
        if (e.is_regular_file() && e.path().filename().string().find("-images-idx3-ubyte") != std::string::npos)
            idx.push_back(e.path());
    };
    if (no_recursive) {
        for (const auto& e : fs::directory_iterator(root)) scan(e);
    } else {
        for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
            if (it->is_directory() && it->path().filename().string().starts_with(".")) {
                it.disable_recursion_pending();
                continue;
            }
            scan(*it);
        }
    }
    std::sort(idx.begin(), idx.end());
    for (const auto& images : idx) {
        Row r;
        r.name = fs::relative(images, root).generic_string();
        std::string labels_name = images.filename().string();
        labels_name.replace(labels_name.find("-images-idx3-ubyte"), 18, "-labels-idx1-ubyte");
        const fs::path labels = images.parent_path() / labels_name;
        try {
            const auto shape = data::read_idx_shape(images);
            const auto y = data::read_idx_labels(labels);
            if (shape.size() != 3 || shape[0] != y.size())
                throw DataError(fmt::format("{} images but {} labels", shape.empty() ? 0 : shape[0], y.size()));
            r.rows = fmt::format("{}", shape[0]);
            r.features = fmt::format("{}", shape[1] * shape[2]);
            r.nominal = "0";
            r.classes = fmt::format("{}", y.size() ? y.maxCoeff() + 1 : 0);
            r.missing = "0";
            r.status = "ok";
        } catch (const std::exception& e) {
            r.ok = false;
            r.status = fmt::format("FAILED: {}", e.what());
        }
        rows.push_back(std::move(r));
    }

    std::size_t ok = 0;
    for (const auto& r : rows) ok += r.ok ? 1 : 0;
    const std::size_t failed = rows.size() - ok;
    if (summary) {
        fmt::print("{} datasets read without error, {} failed (in {})\n", ok, failed, folder);
        for (const auto& r : rows)
            if (!r.ok) fmt::print("  {}: {}\n", r.name, r.status);
        return failed ? 1 : 0;
    }
    if (format == "csv") {
        fmt::print("name,rows,features,nominal,classes,missing,status\n");
        for (const auto& r : rows)
            fmt::print("{},{},{},{},{},{},{}\n", data::csv_field(r.name), r.rows, r.features, r.nominal, r.classes,
                       r.missing, data::csv_field(r.status));
        return failed ? 1 : 0;
    }
    std::size_t w = 4;
    for (const auto& r : rows) w = std::max(w, r.name.size());
    fmt::print("{:<{}}  {:>7}  {:>8}  {:>7}  {:>7}  {:>8}  {}\n", "name", w, "rows", "features", "nominal", "classes",
               "missing", "status");
    for (const auto& r : rows)
        fmt::print("{:<{}}  {:>7}  {:>8}  {:>7}  {:>7}  {:>8}  {}\n", r.name, w, r.rows, r.features, r.nominal,
                   r.classes, r.missing, r.status);
    fmt::print("{} datasets read without error, {} failed\n", ok, failed);
    return failed ? 1 : 0;
}
