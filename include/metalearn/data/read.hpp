#pragma once
/// @file read.hpp
/// @brief One entry point for every tabular format: `read_dataset` picks the reader from the
/// file name; `list_dataset_files` finds the files it can read.
///
/// Dispatch (case-insensitive): `.arff`, `.arff.gz` → `read_arff`; `.tsv`, `.tsv.gz` →
/// `read_csv` with a tab delimiter, the column named `target` as target when present (two
/// such columns are a DataError, unless `ReadOptions::target` chooses), and repeated column names
/// renamed "name.1", ... as pandas does (PMLB);
/// `.csv`, `.csv.gz` → `read_sklearn_csv` when the first line is scikit-learn's
/// `n_samples,n_features,...` header or a line of numbers only (a header row of numbers is not a
/// plausible CSV header), else `read_csv` — with ';' as the delimiter when the first non-blank
/// line has more ';' than ',' (a semicolon-separated file; a warning says so).
///
/// PMLB: when a `.tsv`/`.tsv.gz` file has a `metadata.yaml` beside it, its top-level `task:`
/// line sets the task (PMLB's own classification/regression label, which the integer-target
/// rule of `read_csv` would get wrong for e.g. ratings) and features declared
/// `type: categorical` or `type: nominal` are read as nominal (unless
/// `ReadOptions::use_pmlb_metadata` is false).

#include "metalearn/core/config.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/data/dataset.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace metalearn::data {

/// Options of `read_dataset`, common to all formats.
struct ReadOptions {
    std::string target;             ///< target column/attribute name; empty = the format's default
    std::optional<TaskType> task;   ///< force the task; empty = the format's rule
    bool use_pmlb_metadata = true;  ///< read task and categorical features from a PMLB metadata.yaml
    WarningCallback on_warning;     ///< warnings (dropped attributes or rows); may be empty
    std::string name;               ///< dataset name; empty = file stem
};

/// Whether `read_dataset` can read a file, judged by its name (.arff, .csv, .tsv, each
/// optionally .gz).
[[nodiscard]] METALEARN_INLINE bool is_dataset_file(const std::filesystem::path& path);

/// Read a dataset file, choosing the reader from its name (see the file comment).
/// @param path    an .arff, .csv or .tsv file, optionally gzip-compressed (.gz).
/// @param options target, task, warnings, name (format-specific options: call the reader).
/// @throws IoError when `path` is a directory (the message says so) or cannot be read;
///         ConfigError for an unsupported extension; ParseError naming the file for input that
///         is not text (a NUL byte, UTF-16, or many control characters; see
///         `detail::text_view`), whatever its extension; otherwise what the chosen reader throws (IoError,
///         ParseError, DataError, ConfigError). A leading UTF-8 byte-order mark is skipped.
[[nodiscard]] METALEARN_INLINE Dataset read_dataset(const std::filesystem::path& path, const ReadOptions& options = {});

/// The dataset files (by `is_dataset_file`) in a folder, sorted by path.
/// @param folder    the folder to scan.
/// @param recursive also scan subfolders (PMLB keeps one folder per dataset); hidden folders
///                  (name starting with '.') are not entered.
/// @throws IoError if `folder` is not a readable directory.
[[nodiscard]] METALEARN_INLINE std::vector<std::filesystem::path> list_dataset_files(const std::filesystem::path& folder,
                                                                                     bool recursive = false);

}  // namespace metalearn::data

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/data/read_impl.hpp"
#endif
