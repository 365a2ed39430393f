#pragma once
/// @file corpus.hpp
/// @brief A corpus of tasks read from folders of dataset files: unique task ids, one task per
/// data family, and a report of every file left out and why.
///
/// Meta-learning is evaluated leave-one-task-out, so a corpus must not hold two copies of the
/// same data: a meta-model trained on one copy and evaluated on the other would look better than
/// it is. Public collections ship such copies (Weka's `iris.arff` and scikit-learn's `iris.csv`,
/// projections such as `iris.2D.arff`, the train/test halves `segment-challenge.arff` and
/// `segment-test.arff`, the same table under two names in PMLB). `load_corpus` keeps the first
/// file of each (files in path order, folders in the order given) and reports the others:
/// - an *exact duplicate* has the same `content_hash` as a kept task (same table in any row
///   order, whatever the file format or names);
/// - another *version of the same data* has the same `data_family` (file name without format
///   extensions, variant suffixes after the first '.', and a final "-train", "-test" or
///   "-challenge") as a kept task, and the same number of rows or of features.

#include "metalearn/core/config.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/read.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace metalearn::data {

/// Why `load_corpus` left a file (or a folder) out of the corpus.
enum class SkipReason {
    unreadable_folder,  ///< a folder given to `load_corpus` could not be listed
    unreadable,         ///< the file could not be read or parsed
    wrong_task,         ///< its task is not `CorpusOptions::task`
    too_large,          ///< more rows than `CorpusOptions::max_samples` or cells than `max_cells`
    degenerate,         ///< no feature, or (classification) fewer than two classes present, or ten or more classes and more than half as many as rows
    duplicate,          ///< the same table as a task already kept (same `content_hash`)
    same_family,        ///< another version of a kept task's data (same `data_family`)
};

/// The reason's name, spelled as the enumerator ("unreadable_folder", "duplicate", ...).
/// Complexity O(1).
[[nodiscard]] METALEARN_INLINE std::string_view to_string(SkipReason reason) noexcept;

/// A file (or folder) that `load_corpus` left out.
struct SkippedFile {
    std::string id;              ///< the task id the file would have had; the folder for `unreadable_folder` (UTF-8, as ids)
    std::filesystem::path path;  ///< the file (or folder)
    SkipReason reason = SkipReason::unreadable;
    std::string message;         ///< why, for people, e.g. "same data as weka/iris.arff" or the read error
    std::string same_as;         ///< `duplicate` and `same_family`: the id of the kept task; else empty
};

/// A task of the corpus: its id, where it came from and its data.
struct CorpusTask {
    std::string id;                  ///< unique within the corpus: the path below its folder (see `load_corpus`); UTF-8
    std::filesystem::path path;      ///< the file read
    Dataset dataset;                 ///< the table as read by `read_dataset`
    std::uint64_t content_hash = 0;  ///< `content_hash(dataset)` (of the table as kept: after dropped columns and subsampling)
    Index subsampled_from = 0;       ///< rows of the file when `CorpusOptions::subsample` cut it down; else 0
    std::vector<std::string> dropped_columns;  ///< identifier columns dropped (`CorpusOptions::drop_id_columns`)
};

/// What `load_corpus` returns: the tasks kept, in order, and everything left out, in order.
struct Corpus {
    std::vector<CorpusTask> tasks;
    std::vector<SkippedFile> skipped;
};

/// Options of `load_corpus`. The defaults keep every readable, non-degenerate task of any type
/// and one task per data family.
struct CorpusOptions {
    bool recursive = true;          ///< also scan subfolders (hidden ones excluded, as `list_dataset_files`)
    std::optional<TaskType> task{}; ///< keep only this task type; empty = both
    Index max_samples = 0;          ///< skip (or subsample) datasets with more rows n; 0 = no limit (≥ 0)
    Index max_cells = 0;            ///< skip (or subsample) datasets with n·max(p, 1) above this; 0 = no limit (≥ 0)
    /// Instead of skipping a table over `max_samples` rows or `max_cells` cells, keep a seeded
    /// random subsample of m = min(max_samples, ⌊max_cells / max(p, 1)⌋) rows (the limits that are
    /// set), stratified by class for classification (`stratified_hold_out`), rows in file order.
    /// The seed derives from `subsample_seed` and the task id, so a table gives the same rows in
    /// every run. Tables that would keep fewer than 10 rows are still skipped.
    bool subsample = false;
    std::uint64_t subsample_seed = 0;  ///< see `subsample`
    /// Drop identifier columns, as conservatively as possible: a numeric column named `id`
    /// (any case), or whose name ends with "Id" or "_id" (`PassengerId`, `customer_id`), whose
    /// values are all distinct integers. Reported through `read.on_warning` and
    /// `CorpusTask::dropped_columns`.
    bool drop_id_columns = true;
    bool skip_duplicates = true;    ///< skip a table whose `content_hash` equals a kept task's
    bool one_task_per_family = true;///< skip a file whose `data_family` equals a kept task's
    ReadOptions read{};             ///< passed to `read_dataset` for every file (leave `name` empty: file stem)
};

/// Stable 64-bit fingerprint of a dataset's table, to recognise the same data in two files.
///
/// Covers: the task type; the shape n, p and the number of declared classes K; the kind
/// (numeric / nominal) of each feature column; and the multiset of rows, each row being its p
/// cell values followed by its target (class code or real value). Row order is ignored; −0 and
/// +0 hash alike, and so do all NaNs (missing cells).
/// Does not cover: the dataset, feature, target, class and category names, nor row order. So the
/// same table stored as ARFF and as CSV hashes alike whenever the two readers give the same
/// feature kinds, category codes and class codes (e.g. numeric features and classes listed in
/// sorted order in the ARFF header, as the CSV reader sorts them); relabelling classes without
/// changing their order does not change the hash.
///
/// The value is FNV-1a (64-bit) over the bytes of these numbers in little-endian order, so it is
/// the same on every platform and run. It is a fingerprint, not a cryptographic hash: distinct
/// tables collide with probability about 2^-64 per pair.
/// @param dataset any valid dataset.
/// @return the hash.
/// Complexity O(n·p + n log n) time, O(n) extra memory.
[[nodiscard]] METALEARN_INLINE std::uint64_t content_hash(const Dataset& dataset);

/// The data family of a dataset file: its name without a ".gz", without its format extension,
/// cut at the first '.', and without a final "-train", "-test" or "-challenge" (when something
/// is left before it). Case is kept.
///
/// Examples: "iris" for `iris.arff`, `iris.csv.gz`, `iris.2D.arff` and `iris/iris.tsv.gz`;
/// "segment" for `segment-challenge.arff` and `segment-test.arff`; "weather" for
/// `weather.nominal.arff`.
/// @param file a file path (only its file name is used; the file need not exist).
/// @return the family name (may be empty for a name such as ".csv").
/// Complexity O(length of the name).
[[nodiscard]] METALEARN_INLINE std::string data_family(const std::filesystem::path& file);

/// Read every dataset file of some folders into a corpus of tasks, one per data family.
///
/// Files: `list_dataset_files(folder, options.recursive)` for each folder in turn (ARFF, CSV,
/// TSV, optionally gzip-compressed), sorted by path within a folder.
///
/// Task ids: the file's path relative to its folder with '/' separators (`weka/iris.arff` for
/// `data/weka/iris.arff` read from `data`), taken lexically, so a symbolic link gets the id of the
/// link's own path (never `../..` towards its target), and `iris.arff` and `iris.csv` in one folder get
/// distinct ids. When that id is already taken by a kept task (the same relative path under an
/// earlier folder), the folder is prefixed (`more/weka/iris.arff`); if that is taken too, "#m"
/// is appended, m being the number of tasks kept so far. Ids are valid UTF-8, so they can go into
/// records and JSON: a byte of the path that is not part of valid UTF-8 (a file named in
/// Latin-1, say) is written as `\xNN`; the dataset's name (the file stem) is escaped alike by the
/// readers, and `CorpusTask::path` keeps the real path.
///
/// Each file is then checked in this order, and the first failed check skips it with that
/// reason (`SkippedFile`): read with `read_dataset(file, options.read)` (`unreadable`, with the
/// exception's message); identifier columns dropped (`drop_id_columns`); task type
/// (`wrong_task`); size (`too_large`, or a subsample with `subsample`); at least one feature and,
/// for classification, at least two classes with samples and not ten or more classes for fewer than twice as
/// many rows (an identifier-like target) (`degenerate`); `content_hash` equal to
/// a kept task's (`duplicate`, if `skip_duplicates`); `data_family` equal to that of a kept task
/// with as many rows (a projection such as `iris.2D.arff`) or as many features (a train/test
/// split such as `segment-challenge.arff` and `segment-test.arff`) (`same_family`, if
/// `one_task_per_family`); so `glass/data.arff` and `wine/data.csv`, unrelated tables that
/// share a file name, are both kept. A folder that exists but cannot be listed is reported as
/// `unreadable_folder` and the others are still read; a folder that does not exist (or is a
/// file) is an error, so that a mistyped path is not taken for an empty corpus.
///
/// @param folders the folders to scan, in order (earlier folders win duplicates and families).
/// @param options filters and read options (see `CorpusOptions`).
/// @return the kept tasks in reading order, and the skipped files in reading order.
/// @throws ConfigError if `options.max_samples` or `options.max_cells` is negative; IoError
///         naming the folder when one of `folders` does not exist or is not a folder (checked
///         before anything is read). A file, or an existing folder, that cannot be read is
///         reported, never thrown (any `std::exception` raised
///         while reading or checking one file is caught and reported as `unreadable`).
/// Complexity: reading every file, plus O(n·p + n log n) per dataset for its hash.
/// @note The library never prints: show `Corpus::skipped` as you see fit.
[[nodiscard]] METALEARN_INLINE Corpus load_corpus(const std::vector<std::filesystem::path>& folders,
                                                  const CorpusOptions& options = {});

}  // namespace metalearn::data

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/data/corpus_impl.hpp"
#endif
