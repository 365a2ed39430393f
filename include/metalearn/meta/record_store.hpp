#pragma once
/// @file record_store.hpp
/// @brief `RecordStore`: an append-only JSON Lines journal of `Record`s — resumable, and a crash
/// never loses a complete record.
///
/// Durability contract:
/// - Each record is serialised to one line (`<json>\n`) and written with a single POSIX `write`
///   on a file descriptor opened with `O_APPEND` (a loop continues a short write, which regular
///   files do not produce in practice). The bytes are in the kernel when `append` returns, so a
///   killed process loses nothing it has appended; `sync()` additionally calls `fsync` for power
///   loss. Appends are serialised by a mutex, so lines from concurrent threads never interleave.
/// - Loading keeps every complete line. A last line without its newline is a torn write: if it
///   still parses it is kept (and the newline is added), otherwise it is skipped with a warning
///   through the `WarningCallback` and the file is truncated to the end of the last complete
///   line, so the next append starts on a fresh line.
/// - A malformed line that is *not* the last one cannot come from a torn write; it means the
///   file was edited or corrupted, and loading throws `ParseError` with the line number
///   (strict: silently skipping it could hide lost data).
/// - Records with the same `RecordKey` as an earlier one are reported through the warning
///   callback and ignored (the first one wins); `append` refuses a duplicate key. The exception
///   is a stored `timeout`: a later record of its key (an evaluation retried with a larger
///   budget, `MetaLearnerOptions::retry_timeouts`) replaces it, when appended and when loaded,
///   without a warning; the journal keeps both lines.
/// - One writer at a time: a writing `RecordStore` holds an exclusive advisory lock (`flock`) on
///   the journal from before it reads the file until it is destroyed, so no repair can cut
///   another writer's append in flight and two runs never evaluate the same work twice. Opening
///   a journal that another `RecordStore` (in this or another process) has open for writing
///   throws `IoError` at once, saying so. The kernel releases the lock when the holder dies, so a
///   killed run never leaves the journal locked. Readers (`RecordStore::read`) take no lock and
///   never modify the file. Runs that should write in parallel write one journal each and
///   combine them with `merge`.
/// - A journal damaged in the middle (edited by hand, disk errors) is made usable again by
///   `RecordStore::repair`, which keeps every valid record and moves the other lines aside.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/meta/record.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace metalearn::meta {

namespace detail {

METALEARN_INLINE std::string csv_number(double v);

METALEARN_INLINE std::string csv_json_value(const nlohmann::json& v);

}  // namespace detail

/// An append-only, resumable journal of evaluation records (see the file documentation for the
/// durability contract).
///
/// Thread safety: `append`, `contains`, `size` and `snapshot` may be called concurrently;
/// `records()` returns a reference that must not be used while another thread appends.
class RecordStore {
public:
    /// An in-memory store without a journal (nothing is written to disk).
    RecordStore() = default;

    /// Open (creating it if needed) the journal at `path`, lock it for writing, and load its records.
    /// @param path the JSON Lines file; its parent folder must exist.
    /// @param warn receives warnings (torn last line, duplicate keys, a file system without
    ///        locks); may be empty.
    /// @throws IoError when the file cannot be opened, read or truncated, or when another
    ///         `RecordStore` has it open for writing (the message says how to proceed).
    /// @throws ParseError (file, line) when a line other than the last is not a valid record, when
    ///         a complete JSON line is not a valid record (bad types, out-of-range scores), or when
    ///         a non-empty file holds no valid record before its first bad line ("is not a
    ///         metalearn record journal"); the file is then left unmodified.
    explicit RecordStore(std::filesystem::path path, WarningCallback warn = {});

    RecordStore(const RecordStore&) = delete;
    RecordStore& operator=(const RecordStore&) = delete;
    RecordStore(RecordStore&& other) noexcept { *this = std::move(other); }
    RecordStore& operator=(RecordStore&& other) noexcept {
        if (this != &other) {
            close();
            path_ = std::move(other.path_);
            records_ = std::move(other.records_);
            index_ = std::move(other.index_);
            fd_ = std::exchange(other.fd_, -1);
            needs_newline_ = other.needs_newline_;
        }
        return *this;
    }
    ~RecordStore() { close(); }

    /// Read the records of a journal without opening it for writing: no lock is taken (a writer
    /// may be appending), and an incomplete last line — a torn write, or an append in flight, the
    /// journal's first included — is skipped with a warning, the file left untouched.
    /// @throws IoError, ParseError as the constructor.
    [[nodiscard]] static std::vector<Record> read(const std::filesystem::path& path, WarningCallback warn = {});

    /// What `repair` did.
    struct RepairSummary {
        std::size_t kept = 0;      ///< valid records left in the journal, in their order
        std::size_t rejected = 0;  ///< lines moved aside (not JSON, not a valid record, or a duplicate key)
        std::filesystem::path rejected_path;  ///< where they went (`<journal>.rejected`); empty when none
    };

    /// Make a damaged journal usable: keep every line that holds a valid record whose key was not
    /// seen before (byte for byte, in order), and append every other non-blank line to
    /// `<journal>.rejected` (created if needed; earlier repairs' lines are kept). The journal is
    /// rewritten to a temporary file in the same folder, flushed to disk and renamed over the
    /// original, so a crash during the repair leaves either the old or the new file, never a mix.
    /// Holds the write lock throughout. A journal without bad lines is left untouched.
    /// @throws IoError when the journal cannot be read, locked (another `RecordStore` writes it) or
    ///         replaced, or the rejected lines cannot be written.
    static RepairSummary repair(const std::filesystem::path& path);

    /// Append to this store every record of the journal at `other` whose key it does not hold yet
    /// (in that journal's order): combines the journals of runs that wrote in parallel. `other`
    /// is read as by `read` (no lock; an incomplete last line is skipped).
    /// @return the number of records added.
    /// @throws IoError, ParseError as `read`; IoError when an append fails (records appended
    ///         before stay).
    std::size_t merge(const std::filesystem::path& other, WarningCallback warn = {});

    /// Append a record: one line, one `write`, in the kernel on return. A stored record of the
    /// same key whose status is `timeout` is replaced by it.
    /// The record is checked as reading the journal checks it (`record_from_json`) before
    /// anything is written, so every line it writes reads back.
    /// @return false (and writes nothing) when a record with the same key is already stored and
    ///         did not time out.
    /// @throws ConfigError (nothing written) when the record would not read back: a score out
    ///         of [0, 1] for a bounded metric, meta-feature names and values of different
    ///         lengths, a config that is not a JSON object, a seed scheme below 1; DataError
    ///         (nothing written) when a string is not valid UTF-8; IoError when the write fails.
    bool append(const Record& r);

    /// Whether a record with this key is stored.
    [[nodiscard]] bool contains(const RecordKey& key) const;

    /// The stored record with this key, or nullptr.
    [[nodiscard]] const Record* find(const RecordKey& key) const;

    /// Number of stored records.
    [[nodiscard]] std::size_t size() const;

    /// All records in journal order (not safe while another thread appends; see `snapshot`).
    [[nodiscard]] const std::vector<Record>& records() const noexcept { return records_; }

    /// A copy of all records, safe under concurrent appends.
    [[nodiscard]] std::vector<Record> snapshot() const;

    /// The journal path (empty for an in-memory store).
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

    /// `fsync` the journal (protects against power loss, not only process death).
    /// @throws IoError when fsync fails.
    void sync();

    /// Write all records as CSV: fixed columns (task_id, task_name, model, metric, n_folds, seed,
    /// status, mean_score, fit_seconds, fold_1..fold_K), then one `mf:<name>` column per
    /// meta-feature and one `hp:<name>` column per hyperparameter (union over records, sorted by
    /// name; empty cell when absent or non-finite), then `error`.
    /// @throws IoError when the file cannot be written.
    void export_csv(const std::filesystem::path& out) const { write_csv(snapshot(), out); }

    /// `export_csv` for any list of records.
    static void write_csv(const std::vector<Record>& records, const std::filesystem::path& out);

private:
    void close() noexcept;

    void write_all(const std::string& s);

    void add_loaded(Record r, std::size_t line, const WarningCallback& warn);
    // The stored record of this key when it timed out: a later record of the key replaces it
    // (a retried evaluation); null otherwise. @pre the caller holds mutex_ or owns the store.
    Record* stored_timeout(const std::string& key);

    void load(const WarningCallback& warn, bool repair = true);

    /// Take the exclusive lock on fd_ (non-blocking). @throws IoError when another store holds it.
    void lock(const WarningCallback& warn);

    std::filesystem::path path_;
    std::vector<Record> records_;
    std::unordered_map<std::string, std::size_t> index_;
    mutable std::mutex mutex_;
    int fd_ = -1;
    bool needs_newline_ = false;
};

}  // namespace metalearn::meta

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/meta/record_store_impl.hpp"
#endif
