#pragma once
/// @file read_impl.hpp
/// @brief Bodies of read.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/data/read.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/data/arff.hpp"
#include "metalearn/data/csv.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/detail/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace metalearn::data {

METALEARN_INLINE bool is_dataset_file(const std::filesystem::path& path) {
    for (const char* ext : {".arff", ".arff.gz", ".csv", ".csv.gz", ".tsv", ".tsv.gz"})
        if (detail::ends_with_icase(path, ext)) return true;
    return false;
}

namespace detail {

/// Task and categorical feature names (features of type `categorical` or `nominal`) from a PMLB
/// metadata.yaml (only the two keys needed, read line by line; not a YAML parser).
struct PmlbMetadata {
    std::optional<TaskType> task;
    std::vector<std::string> categorical;
};

METALEARN_INLINE PmlbMetadata read_pmlb_metadata(const std::filesystem::path& yaml) {
    PmlbMetadata meta;
    const std::string text = read_file(yaml, "read_dataset()");
    std::string pending_name;
    bool in_features = false;
    for (const auto& line : split_lines(text)) {
        const std::string_view raw = line.text;
        const std::string_view t = trim(raw);
        const bool top_level = !raw.empty() && !is_space(raw.front()) && raw.front() != '-';
        if (top_level) {
            in_features = t.rfind("features:", 0) == 0;
            if (t.rfind("task:", 0) == 0) {
                const std::string value = to_lower(trim(t.substr(5)));
                if (value == "classification") meta.task = TaskType::classification;
                if (value == "regression") meta.task = TaskType::regression;
            }
            continue;
        }
        if (!in_features) continue;
        if (t.rfind("- name:", 0) == 0) {
            pending_name = std::string(trim(t.substr(7)));
            if (pending_name.size() >= 2 && (pending_name.front() == '\'' || pending_name.front() == '"'))
                pending_name = pending_name.substr(1, pending_name.size() - 2);
        } else if (t.rfind("type:", 0) == 0 && !pending_name.empty()) {
            const std::string type = to_lower(trim(t.substr(5)));
            if (type == "categorical" || type == "nominal") meta.categorical.push_back(pending_name);
            pending_name.clear();
        }
    }
    return meta;
}

/// Whether the first non-blank line looks like scikit-learn's CSV layout (see read.hpp).
METALEARN_INLINE bool looks_like_sklearn_csv(std::string_view text) {
    const auto lines = split_lines(text.substr(0, std::min<std::size_t>(text.size(), 1 << 16)));
    for (const auto& line : lines) {
        if (trim(line.text).empty()) continue;
        std::vector<std::string_view> fields;
        std::size_t start = 0;
        while (true) {
            const auto comma = line.text.find(',', start);
            fields.push_back(trim(line.text.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                                          : comma - start)));
            if (comma == std::string_view::npos) break;
            start = comma + 1;
        }
        double a = 0;
        double b = 0;
        std::size_t numeric = 0;
        for (const auto f : fields) {
            double v = 0;
            if (parse_number(f, v) == NumberStatus::ok) ++numeric;
        }
        if (numeric == fields.size()) return fields.size() >= 2;  // a line of numbers only
        if (fields.size() < 2 || parse_number(fields[0], a) != NumberStatus::ok ||
            parse_number(fields[1], b) != NumberStatus::ok)
            return false;
        return a >= 1 && b >= 1 && numeric == 2;  // "n,p,class names..." with names not numbers
    }
    return false;
}

/// Whether the first non-blank line has more ';' than ',' (a semicolon-separated CSV file, as
/// spreadsheets write them where ',' is the decimal separator; a header such as "Preis, EUR;Menge"
/// may hold a comma too).
METALEARN_INLINE bool looks_semicolon_separated(std::string_view text) {
    for (const auto& line : split_lines(text.substr(0, std::min<std::size_t>(text.size(), 1 << 16)))) {
        if (trim(line.text).empty()) continue;
        const auto semicolons = std::count(line.text.begin(), line.text.end(), ';');
        return semicolons > 0 && semicolons > std::count(line.text.begin(), line.text.end(), ',');
    }
    return false;
}

}  // namespace detail

METALEARN_INLINE Dataset read_dataset(const std::filesystem::path& path, const ReadOptions& options) {
    if (std::error_code ec; std::filesystem::is_directory(path, ec))
        throw IoError(fmt::format("read_dataset(): '{}' is a directory, not a dataset file (expected an .arff, .csv or "
                                  ".tsv file, optionally .gz; list_dataset_files or load_corpus read the datasets of a "
                                  "folder)",
                                  path.string()));
    if (detail::ends_with_icase(path, ".arff") || detail::ends_with_icase(path, ".arff.gz")) {
        ArffOptions o;
        o.target = options.target;
        o.task = options.task;
        o.on_warning = options.on_warning;
        o.name = options.name;
        return read_arff(path, o);
    }
    const bool tsv = detail::ends_with_icase(path, ".tsv") || detail::ends_with_icase(path, ".tsv.gz");
    const bool csv = detail::ends_with_icase(path, ".csv") || detail::ends_with_icase(path, ".csv.gz");
    if (!tsv && !csv)
        throw ConfigError(fmt::format("read_dataset(): unsupported file type '{}' (expected .arff, .csv or .tsv, "
                                      "optionally .gz)",
                                      path.filename().string()));
    const std::string content = detail::read_file(path, "read_dataset()");
    // Sniffed without a byte-order mark, and binary input is rejected before any sniffing.
    const std::string_view text = detail::text_view(content, path.string());
    const std::string name = options.name.empty() ? detail::dataset_stem(path) : options.name;
    const bool sklearn_layout = csv && detail::looks_like_sklearn_csv(text);
    if (sklearn_layout && options.target.empty() && !options.task) return read_sklearn_csv(path, name);
    CsvOptions o;
    o.delimiter = tsv ? '\t' : ',';
    if (csv && detail::looks_semicolon_separated(text)) {
        o.delimiter = ';';
        if (options.on_warning)
            options.on_warning(fmt::format("read_dataset(): '{}': the header has more ';' than ',': read as "
                                           "semicolon-separated",
                                           path.string()));
    }
    o.target = options.target;
    o.task = options.task;
    o.on_warning = options.on_warning;
    o.name = name;
    if (tsv && o.target.empty()) {
        // PMLB writes the target named "target"; a file with two such columns (schizo) is
        // ambiguous: refuse it rather than guess, and say how to choose.
        const auto lines = detail::split_lines(text.substr(0, 1 << 16));
        for (const auto& line : lines) {
            if (detail::trim(line.text).empty()) continue;
            const auto fields = detail::split_delimited(line.text, '\t', path.string(), line.number);
            std::vector<std::size_t> targets;
            for (std::size_t j = 0; j < fields.size(); ++j)
                if (fields[j].text == "target") targets.push_back(j);
            if (targets.size() > 1)
                throw DataError(fmt::format(
                    "read_dataset(): '{}' has {} columns named 'target' (columns {} and {}, 1-based): which one is the "
                    "target is ambiguous; pass the target explicitly (ReadOptions::target = \"target\" for column {}, "
                    "as pandas and PMLB read it, or \"{}\" for column {}: repeated names are renamed as pandas "
                    "renames them)",
                    path.string(), targets.size(), targets[0] + 1, targets[1] + 1, targets[0] + 1,
                    detail::header_names(fields, true)[targets[1]], targets[1] + 1));
            if (!targets.empty()) o.target_index = static_cast<Index>(targets.front());
            break;
        }
        o.rename_duplicate_columns = true;
    }
    if (tsv) o.rename_duplicate_columns = true;  // PMLB: pandas' convention, name.1, name.2, ...
    if (tsv && options.use_pmlb_metadata) {
        const auto yaml = path.parent_path() / "metadata.yaml";
        std::error_code ec;
        if (std::filesystem::is_regular_file(yaml, ec)) {
            const auto meta = detail::read_pmlb_metadata(yaml);
            if (!o.task) o.task = meta.task;
            // Only names present in the header (metadata may list features the file lacks).
            const auto lines = detail::split_lines(text.substr(0, 1 << 16));
            for (const auto& line : lines) {
                if (detail::trim(line.text).empty()) continue;
                for (const auto& f : detail::split_delimited(line.text, '\t', path.string(), line.number))
                    if (std::find(meta.categorical.begin(), meta.categorical.end(), f.text) != meta.categorical.end() &&
                        f.text != "target" && f.text != o.target)
                        o.nominal_columns.push_back(f.text);
                break;
            }
        }
    }
    if (!sklearn_layout || options.target.empty()) return detail::parse_csv(content, path.string(), name, o);
    try {
        return detail::parse_csv(content, path.string(), name, o);
    } catch (const ParseError& e) {
        // read as a plain CSV because a target was named: say why that cannot work
        throw ConfigError(fmt::format("read_dataset(): '{}' is in scikit-learn's CSV layout (its first line gives the "
                                      "numbers of rows and features, then the class names; there are no column "
                                      "names): its target is the last column, so no target can be named (got "
                                      "'{}'); leave the target empty (read as a plain CSV: {})",
                                      path.string(), options.target, e.what()));
    }
}

METALEARN_INLINE std::vector<std::filesystem::path> list_dataset_files(const std::filesystem::path& folder, bool recursive) {
    std::error_code ec;
    if (!std::filesystem::exists(folder, ec))
        throw IoError(fmt::format("list_dataset_files(): '{}' is not a directory (it does not exist; check the path)",
                                  folder.string()));
    if (!std::filesystem::is_directory(folder, ec))
        throw IoError(fmt::format("list_dataset_files(): '{}' is not a directory (a file: read_dataset reads one file)",
                                  folder.string()));
    std::vector<std::filesystem::path> files;
    const auto consider = [&](const std::filesystem::directory_entry& e) {
        if (e.is_regular_file() && is_dataset_file(e.path())) files.push_back(e.path());
    };
    try {
        if (recursive) {
            for (auto it = std::filesystem::recursive_directory_iterator(folder);
                 it != std::filesystem::recursive_directory_iterator(); ++it) {
                const std::string name = it->path().filename().string();
                if (it->is_directory() && !name.empty() && name.front() == '.') {
                    it.disable_recursion_pending();  // hidden folders (e.g. a download cache)
                    continue;
                }
                consider(*it);
            }
        } else
            for (const auto& e : std::filesystem::directory_iterator(folder)) consider(e);
    } catch (const std::filesystem::filesystem_error& e) {
        throw IoError(fmt::format("list_dataset_files(): cannot scan '{}': {}", folder.string(), e.what()));
    }
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace metalearn::data
