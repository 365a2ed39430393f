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
///   callback and ignored (the first one wins); `append` refuses a duplicate key.

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

/// Quote a CSV field when it contains a comma, quote or newline (RFC 4180).
inline std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

inline std::string csv_number(double v) { return std::isfinite(v) ? fmt::format("{}", v) : std::string(); }

inline std::string csv_json_value(const nlohmann::json& v) {
    if (v.is_string()) return csv_field(v.get<std::string>());
    if (v.is_null()) return {};
    if (v.is_number_float()) return csv_number(v.get<double>());
    return csv_field(v.dump());
}

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

    /// Open (creating it if needed) the journal at `path` and load its records.
    /// @param path the JSON Lines file; its parent folder must exist.
    /// @param warn receives warnings (torn last line, duplicate keys); may be empty.
    /// @throws IoError when the file cannot be opened, read or truncated.
    /// @throws ParseError (file, line) when a line other than the last is not a valid record, when
    ///         a complete JSON line is not a valid record (bad types, out-of-range scores), or when
    ///         a non-empty file holds no valid record before its first bad line ("is not a
    ///         metalearn record journal"); the file is then left unmodified.
    explicit RecordStore(std::filesystem::path path, WarningCallback warn = {}) : path_(std::move(path)) {
        load(warn);
        fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0)
            throw IoError(fmt::format("RecordStore::RecordStore(): cannot open '{}' for appending ({})", path_.string(),
                                      std::strerror(errno)));
        if (needs_newline_) write_all("\n");
    }

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

    /// Read the records of a journal without opening it for writing (a torn last line is skipped
    /// with a warning but the file is left untouched).
    /// @throws IoError, ParseError as the constructor.
    [[nodiscard]] static std::vector<Record> read(const std::filesystem::path& path, WarningCallback warn = {}) {
        RecordStore s;
        s.path_ = path;
        s.load(warn, /*repair=*/false);
        return s.records_;
    }

    /// Append a record: one line, one `write`, in the kernel on return.
    /// @return false (and writes nothing) when a record with the same key is already stored.
    /// @throws IoError when the write fails.
    bool append(const Record& r) {
        const std::string line = to_json(r).dump() + "\n";
        const std::string key = r.key().str();
        std::lock_guard lock(mutex_);
        if (index_.count(key)) return false;
        if (fd_ >= 0) write_all(line);
        index_.emplace(key, records_.size());
        records_.push_back(r);
        return true;
    }

    /// Whether a record with this key is stored.
    [[nodiscard]] bool contains(const RecordKey& key) const {
        std::lock_guard lock(mutex_);
        return index_.count(key.str()) > 0;
    }

    /// The stored record with this key, or nullptr.
    [[nodiscard]] const Record* find(const RecordKey& key) const {
        std::lock_guard lock(mutex_);
        auto it = index_.find(key.str());
        return it == index_.end() ? nullptr : &records_[it->second];
    }

    /// Number of stored records.
    [[nodiscard]] std::size_t size() const {
        std::lock_guard lock(mutex_);
        return records_.size();
    }

    /// All records in journal order (not safe while another thread appends; see `snapshot`).
    [[nodiscard]] const std::vector<Record>& records() const noexcept { return records_; }

    /// A copy of all records, safe under concurrent appends.
    [[nodiscard]] std::vector<Record> snapshot() const {
        std::lock_guard lock(mutex_);
        return records_;
    }

    /// The journal path (empty for an in-memory store).
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

    /// `fsync` the journal (protects against power loss, not only process death).
    /// @throws IoError when fsync fails.
    void sync() {
        std::lock_guard lock(mutex_);
        if (fd_ >= 0 && ::fsync(fd_) != 0)
            throw IoError(fmt::format("RecordStore::sync(): fsync of '{}' failed ({})", path_.string(), std::strerror(errno)));
    }

    /// Write all records as CSV: fixed columns (task_id, task_name, model, metric, n_folds, seed,
    /// status, mean_score, fit_seconds, fold_1..fold_K), then one `mf:<name>` column per
    /// meta-feature and one `hp:<name>` column per hyperparameter (union over records, sorted by
    /// name; empty cell when absent or non-finite), then `error`.
    /// @throws IoError when the file cannot be written.
    void export_csv(const std::filesystem::path& out) const { write_csv(snapshot(), out); }

    /// `export_csv` for any list of records.
    static void write_csv(const std::vector<Record>& records, const std::filesystem::path& out) {
        std::set<std::string> mf_names;
        std::set<std::string> hp_names;
        std::size_t max_folds = 0;
        for (const auto& r : records) {
            mf_names.insert(r.meta_feature_names.begin(), r.meta_feature_names.end());
            for (const auto& item : r.config.items()) hp_names.insert(item.key());
            max_folds = std::max(max_folds, r.fold_scores.size());
        }
        std::ofstream f(out);
        if (!f) throw IoError(fmt::format("RecordStore::export_csv(): cannot write '{}'", out.string()));
        f << "task_id,task_name,model,metric,n_folds,seed,status,mean_score,fit_seconds";
        for (std::size_t k = 0; k < max_folds; ++k) f << ",fold_" << k + 1;
        for (const auto& n : mf_names) f << "," << detail::csv_field("mf:" + n);
        for (const auto& n : hp_names) f << "," << detail::csv_field("hp:" + n);
        f << ",error\n";
        for (const auto& r : records) {
            f << detail::csv_field(r.task_id) << ',' << detail::csv_field(r.task_name) << ',' << detail::csv_field(r.model)
              << ',' << detail::csv_field(r.metric) << ',' << r.n_folds << ',' << r.seed << ',' << to_string(r.status)
              << ',' << detail::csv_number(r.mean_score) << ',' << detail::csv_number(r.fit_seconds);
            for (std::size_t k = 0; k < max_folds; ++k)
                f << ',' << (k < r.fold_scores.size() ? detail::csv_number(r.fold_scores[k]) : std::string());
            std::map<std::string, double> mf;
            for (std::size_t k = 0; k < r.meta_features.size(); ++k) mf[r.meta_feature_names[k]] = r.meta_features[k];
            for (const auto& n : mf_names) {
                auto it = mf.find(n);
                f << ',' << (it == mf.end() ? std::string() : detail::csv_number(it->second));
            }
            for (const auto& n : hp_names) f << ',' << (r.config.contains(n) ? detail::csv_json_value(r.config[n]) : std::string());
            f << ',' << detail::csv_field(r.error) << '\n';
        }
        if (!f) throw IoError(fmt::format("RecordStore::export_csv(): write to '{}' failed", out.string()));
    }

private:
    void close() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    void write_all(const std::string& s) {
        const char* p = s.data();
        std::size_t left = s.size();
        while (left > 0) {
            const ssize_t w = ::write(fd_, p, left);
            if (w < 0) {
                if (errno == EINTR) continue;
                throw IoError(fmt::format("RecordStore::append(): write to '{}' failed ({})", path_.string(),
                                          std::strerror(errno)));
            }
            p += w;
            left -= static_cast<std::size_t>(w);
        }
    }

    void add_loaded(Record r, std::size_t line, const WarningCallback& warn) {
        const std::string key = r.key().str();
        if (index_.count(key)) {
            if (warn)
                warn(fmt::format("RecordStore: {}:{}: duplicate record for task '{}', model '{}', config {} ignored",
                                 path_.string(), line, r.task_id, r.model, r.config.dump()));
            return;
        }
        index_.emplace(key, records_.size());
        records_.push_back(std::move(r));
    }

    void load(const WarningCallback& warn, bool repair = true) {
        std::error_code ec;
        if (!std::filesystem::exists(path_, ec)) return;
        std::ifstream in(path_, std::ios::binary);
        if (!in) throw IoError(fmt::format("RecordStore: cannot read '{}'", path_.string()));
        std::stringstream buf;
        buf << in.rdbuf();
        const std::string text = buf.str();
        std::size_t pos = 0;
        std::size_t line_no = 0;
        std::size_t complete_end = 0;  // byte offset just after the last complete line
        while (pos < text.size()) {
            ++line_no;
            const std::size_t nl = text.find('\n', pos);
            const bool last_torn = nl == std::string::npos;
            const std::string line = text.substr(pos, last_torn ? std::string::npos : nl - pos);
            const std::size_t next = last_torn ? text.size() : nl + 1;
            if (line.find_first_not_of(" \t\r") == std::string::npos) {
                pos = next;
                if (!last_torn) complete_end = next;
                continue;
            }
            nlohmann::json parsed;
            bool json_ok = true;
            try {
                parsed = nlohmann::json::parse(line);
            } catch (const std::exception&) {
                json_ok = false;
            }
            try {
                if (!json_ok) throw ParseError(path_.string(), line_no, 1, "not valid JSON");
                Record r = record_from_json(parsed);
                add_loaded(std::move(r), line_no, warn);
                if (last_torn) needs_newline_ = true;
                complete_end = next;
            } catch (const std::exception& e) {
                // Never touch a file that was not recognised as a journal: a torn line can only
                // follow at least one valid record.
                if (records_.empty() && index_.empty())
                    throw ParseError(path_.string(), line_no, 1,
                                     fmt::format("'{}' is not a metalearn record journal ({})", path_.string(), e.what()));
                // A line that parses as JSON but is not a valid record is not a torn write.
                if (!last_torn || json_ok)
                    throw ParseError(path_.string(), line_no, 1,
                                     fmt::format("RecordStore: malformed record ({}); only a torn last line is skipped",
                                                 e.what()));
                if (warn)
                    warn(fmt::format("RecordStore: {}:{}: torn last line ({} bytes) skipped", path_.string(), line_no,
                                     line.size()));
                if (repair) {
                    std::filesystem::resize_file(path_, complete_end, ec);
                    if (ec)
                        throw IoError(fmt::format("RecordStore: cannot truncate the torn line of '{}' ({})",
                                                  path_.string(), ec.message()));
                }
            }
            pos = next;
        }
    }

    std::filesystem::path path_;
    std::vector<Record> records_;
    std::unordered_map<std::string, std::size_t> index_;
    mutable std::mutex mutex_;
    int fd_ = -1;
    bool needs_newline_ = false;
};

}  // namespace metalearn::meta
