#pragma once
/// @file tuner_journal_impl.hpp
/// @brief Bodies of `TunerJournal` and `valid_utf8` (see tuner_journal.hpp). Included by that
/// header in header-only mode; compiled into the library in compiled mode (core/config.hpp).

#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/hpo/tuner_journal.hpp"

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

METALEARN_INLINE std::string valid_utf8(const std::string& text) {
    return nlohmann::json::parse(nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        .get<std::string>();
}

METALEARN_INLINE TunerJournal::TunerJournal(std::filesystem::path path, const WarningCallback& warn, bool sync_each)
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

METALEARN_INLINE void TunerJournal::append(const nlohmann::json& event) {
    if (fd_ < 0) return;
    write_all(event.dump() + "\n");
    if (sync_each_) sync();
}

METALEARN_INLINE void TunerJournal::sync() {
    if (fd_ >= 0 && ::fsync(fd_) != 0)
        throw IoError(fmt::format("TunerJournal::sync(): fsync of '{}' failed ({})", path_.string(), std::strerror(errno)));
}

METALEARN_INLINE void TunerJournal::close() noexcept {
    if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
    fd_ = -1;
}

METALEARN_INLINE void TunerJournal::lock(const WarningCallback& warn) {
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

METALEARN_INLINE void TunerJournal::write_all(const std::string& s) {
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

METALEARN_INLINE void TunerJournal::load(const WarningCallback& warn) {
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

METALEARN_INLINE bool TunerJournal::is_study_head(const nlohmann::json& j) {
    const auto is = [&](const char* key, const char* value) {
        const auto it = j.find(key);
        return it != j.end() && it->is_string() && it->template get<std::string>() == value;
    };
    return is("event", "study") && (is("format", "metalearn.tuner") || is("format", "metalearn.multifidelity"));
}

METALEARN_INLINE void TunerJournal::truncate_to(std::size_t size, const WarningCallback& warn, std::size_t line_no,
                                                const char* what) {
    if (warn)
        warn(fmt::format("TunerJournal: '{}' line {}: {} last line without newline skipped (an interrupted write)",
                         path_.string(), line_no, what));
    if (::ftruncate(fd_, static_cast<::off_t>(size)) != 0)
        throw IoError(fmt::format("TunerJournal: cannot truncate '{}' ({})", path_.string(), std::strerror(errno)));
}

}  // namespace metalearn::hpo
