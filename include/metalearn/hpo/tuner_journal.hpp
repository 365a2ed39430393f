#pragma once
/// @file tuner_journal.hpp
/// @brief `TunerJournal`: the append-only JSON Lines file in which a `Tuner` records every ask
/// and tell, so that a study survives a crash and can be resumed.
///
/// Durability contract (the same as `meta::RecordStore`'s, for tuner events):
/// - Each event is one line (`<json>\n`) written with a single POSIX `write` on a descriptor
///   opened with `O_APPEND` (a loop continues a short write); it is in the kernel when `append`
///   returns, so a killed process loses nothing it appended. With `sync_each` every append is
///   followed by `fsync` (protection against power loss, at the cost of a disk flush per event).
/// - Loading keeps every complete line. A last line without its newline is a torn write: if it
///   still parses it is kept (and the newline added), otherwise it is skipped with a warning
///   through the `WarningCallback` and the file is truncated to the end of the last complete
///   line, so the next append starts on a fresh line.
/// - A malformed line that is not the last cannot come from a torn write: loading throws
///   `ParseError` with its line number and leaves the file untouched. So does a file that is no
///   journal: a first line that is not a study's, or a torn line with nothing complete before it
///   (nothing is truncated or appended to a file that has no study line).
/// - One writer at a time: the journal holds an exclusive advisory lock (`flock`) from before it
///   reads the file until it is destroyed; opening a journal another `TunerJournal` (in this or
///   another process) holds throws `IoError`. The kernel drops the lock when the holder dies, so
///   a killed study never leaves its journal locked. On a file system without locks the journal
///   opens with a warning.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace metalearn::hpo {

/// `text` with every byte sequence that is not valid UTF-8 replaced by U+FFFD, so that it can be
/// written into a journal line and reads back the same (a failure reason, an exception's message).
[[nodiscard]] std::string valid_utf8(const std::string& text);

/// One loaded journal line: its 1-based line number and its JSON value.
struct JournalLine {
    std::size_t line = 0;
    nlohmann::json event;
};

/// An append-only, locked JSON Lines journal (see the file documentation for the contract).
/// Not thread-safe by itself: the `Tuner` serialises its calls.
class TunerJournal {
public:
    /// No journal: `append` does nothing.
    TunerJournal() = default;

    /// Open (creating it if needed) the journal at `path`, lock it, and load its lines.
    /// @param path a file whose parent folder exists.
    /// @param warn receives warnings (a skipped torn line, a file system without locks); may be empty.
    /// @param sync_each `fsync` after every append.
    /// @throws IoError when the path is not a regular file (a folder, a device), the file cannot be
    ///         opened, read or truncated, or another `TunerJournal` has it open; ParseError (file,
    ///         line, column) for a malformed line that is not the last one (a number beyond a
    ///         double's range included), a line that is not a JSON object, a first line that is not
    ///         a tuner study's, or a torn line with no complete line before it. A file refused for
    ///         its content is left as it is (nothing truncated, no newline added).
    explicit TunerJournal(std::filesystem::path path, const WarningCallback& warn = {}, bool sync_each = false)
;

    TunerJournal(const TunerJournal&) = delete;
    TunerJournal& operator=(const TunerJournal&) = delete;
    TunerJournal(TunerJournal&& other) noexcept { *this = std::move(other); }
    TunerJournal& operator=(TunerJournal&& other) noexcept {
        if (this != &other) {
            close();
            path_ = std::move(other.path_);
            lines_ = std::move(other.lines_);
            fd_ = std::exchange(other.fd_, -1);
            sync_each_ = other.sync_each_;
        }
        return *this;
    }
    ~TunerJournal() { close(); }

    /// Whether a file is attached.
    [[nodiscard]] bool is_open() const noexcept { return fd_ >= 0; }
    /// The journal path (empty without a file).
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    /// The lines loaded when the journal was opened, in file order (appends are not added).
    [[nodiscard]] const std::vector<JournalLine>& loaded() const noexcept { return lines_; }
    /// Free the memory of the loaded lines once they have been replayed.
    void release_loaded() { std::vector<JournalLine>().swap(lines_); }

    /// Append one event as a line: one `write`, in the kernel on return (and on disk with
    /// `sync_each`). Does nothing without a file.
    /// @throws IoError when the write (or fsync) fails; a failed write may leave a torn line,
    ///         which the next load skips.
    void append(const nlohmann::json& event);

    /// `fsync` the journal. @throws IoError when it fails.
    void sync();

private:
    void close() noexcept;

    void lock(const WarningCallback& warn);

    void write_all(const std::string& s);

    void load(const WarningCallback& warn);

    static bool is_study_head(const nlohmann::json& j);

    void truncate_to(std::size_t size, const WarningCallback& warn, std::size_t line_no, const char* what);

    std::filesystem::path path_;
    std::vector<JournalLine> lines_;
    int fd_ = -1;
    bool sync_each_ = false;
};

}  // namespace metalearn::hpo

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/hpo/tuner_journal_impl.hpp"
#endif
