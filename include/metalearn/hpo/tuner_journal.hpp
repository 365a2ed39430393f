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

#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace metalearn::hpo {

/// `text` with every byte sequence that is not valid UTF-8 replaced by U+FFFD, so that it can be
/// written into a journal line and reads back the same (a failure reason, an exception's message).
[[nodiscard]] inline std::string valid_utf8(const std::string& text) {
    return nlohmann::json::parse(nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        .get<std::string>();
}

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
        : path_(std::move(path)), sync_each_(sync_each) {
        std::error_code ec;
        if (std::filesystem::exists(path_, ec) && !std::filesystem::is_regular_file(path_, ec))
            throw IoError(fmt::format("TunerJournal: '{}' is not a regular file (expected a journal file, or a path "
                                      "where one can be created)",
                                      path_.string()));
        fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0)
            throw IoError(fmt::format("TunerJournal: cannot open '{}' for appending ({})", path_.string(), std::strerror(errno)));
        try {
            struct ::stat st {};
            if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode))
                throw IoError(fmt::format("TunerJournal: '{}' is not a regular file (expected a journal file)", path_.string()));
            lock(warn);
            load(warn);
        } catch (...) {
            close();
            throw;
        }
    }

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
    void append(const nlohmann::json& event) {
        if (fd_ < 0) return;
        write_all(event.dump() + "\n");
        if (sync_each_) sync();
    }

    /// `fsync` the journal. @throws IoError when it fails.
    void sync() {
        if (fd_ >= 0 && ::fsync(fd_) != 0)
            throw IoError(fmt::format("TunerJournal::sync(): fsync of '{}' failed ({})", path_.string(), std::strerror(errno)));
    }

private:
    void close() noexcept {
        if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
        fd_ = -1;
    }

    void lock(const WarningCallback& warn) {
        while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            if (errno == EINTR) continue;
            if (errno == EWOULDBLOCK)
                throw IoError(fmt::format("TunerJournal: '{}' is open by another tuner (in this or another process); a "
                                          "journal has one writer at a time: wait for that study to finish or use "
                                          "another journal",
                                          path_.string()));
            if (warn)
                warn(fmt::format("TunerJournal: cannot lock '{}' ({}); make sure no other process writes to it",
                                 path_.string(), std::strerror(errno)));
            return;
        }
    }

    void write_all(const std::string& s) {
        std::size_t done = 0;
        while (done < s.size()) {
            const ::ssize_t w = ::write(fd_, s.data() + done, s.size() - done);
            if (w < 0) {
                if (errno == EINTR) continue;
                throw IoError(fmt::format("TunerJournal: write to '{}' failed ({})", path_.string(), std::strerror(errno)));
            }
            done += static_cast<std::size_t>(w);
        }
    }

    void load(const WarningCallback& warn) {
        std::ifstream in(path_, std::ios::binary);
        if (!in) throw IoError(fmt::format("TunerJournal: cannot read '{}'", path_.string()));
        std::stringstream buf;
        buf << in.rdbuf();
        const std::string text = buf.str();
        std::size_t pos = 0;
        std::size_t line_no = 0;
        while (pos < text.size()) {
            const std::size_t nl = text.find('\n', pos);
            ++line_no;
            const bool complete = nl != std::string::npos;
            const std::string line = text.substr(pos, complete ? nl - pos : std::string::npos);
            const std::size_t start = pos;
            pos = complete ? nl + 1 : text.size();
            if (line.find_first_not_of(" \t\r") == std::string::npos) {
                if (!complete) truncate_to(start, warn, line_no, "blank");
                continue;
            }
            nlohmann::json j;
            // A torn last line is an interrupted append, so it can only follow the study's first
            // line: a file whose only line is incomplete is not a journal, and is left as it is.
            const auto torn = [&] {
                if (lines_.empty())
                    throw ParseError(path_.string(), line_no, 1,
                                     "TunerJournal: the only line is incomplete JSON without a newline: not a tuner "
                                     "journal, so the file is left as it is (a study killed while writing its first "
                                     "line leaves such a file: delete it to start the study again)");
                truncate_to(start, warn, line_no, "torn");
            };
            try {
                j = nlohmann::json::parse(line);
            } catch (const nlohmann::json::parse_error& e) {
                if (!complete) {
                    torn();
                    continue;
                }
                if (line.find('\0') != std::string::npos)
                    throw ParseError(path_.string(), line_no, line.find('\0') + 1,
                                     "TunerJournal: line holds NUL bytes (binary data, not JSON); only a torn last "
                                     "line is skipped");
                throw ParseError(path_.string(), line_no, text_position(line, e.byte > 0 ? e.byte - 1 : 0).column,
                                 fmt::format("TunerJournal: line is not valid JSON ({}); only a torn last line is skipped",
                                             printable(e.what(), 400)));
            } catch (const nlohmann::json::exception& e) {  // well-formed, but a number beyond a double's range
                if (!complete) {
                    torn();
                    continue;
                }
                throw ParseError(path_.string(), line_no, text_position(line, quoted_token_offset(line, e.what())).column,
                                 fmt::format("TunerJournal: line cannot be read ({})", printable(e.what(), 400)));
            }
            if (!j.is_object())
                throw ParseError(path_.string(), line_no, 1,
                                 fmt::format("TunerJournal: expected a JSON object per line, got {}", j.type_name()));
            if (lines_.empty() && !is_study_head(j))
                throw ParseError(path_.string(), line_no, 1,
                                 "TunerJournal: not a tuner journal (expected a first line {\"event\": \"study\", "
                                 "\"format\": \"metalearn.tuner\" or \"metalearn.multifidelity\", ...}); the file "
                                 "is left as it is");
            lines_.push_back({line_no, std::move(j)});
            if (!complete) write_all("\n");  // a complete event whose newline was lost
        }
    }

    static bool is_study_head(const nlohmann::json& j) {
        const auto is = [&](const char* key, const char* value) {
            const auto it = j.find(key);
            return it != j.end() && it->is_string() && it->template get<std::string>() == value;
        };
        return is("event", "study") && (is("format", "metalearn.tuner") || is("format", "metalearn.multifidelity"));
    }

    void truncate_to(std::size_t size, const WarningCallback& warn, std::size_t line_no, const char* what) {
        if (warn)
            warn(fmt::format("TunerJournal: '{}' line {}: {} last line without newline skipped (an interrupted write)",
                             path_.string(), line_no, what));
        if (::ftruncate(fd_, static_cast<::off_t>(size)) != 0)
            throw IoError(fmt::format("TunerJournal: cannot truncate '{}' ({})", path_.string(), std::strerror(errno)));
    }

    std::filesystem::path path_;
    std::vector<JournalLine> lines_;
    int fd_ = -1;
    bool sync_each_ = false;
};

}  // namespace metalearn::hpo
