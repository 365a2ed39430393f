#pragma once
/// @file record_store_impl.hpp
/// @brief Bodies of record_store.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/meta/record_store.hpp"
#include "metalearn/data/csv.hpp"
#include "metalearn/data/detail/text.hpp"

#include <sys/file.h>

namespace metalearn::meta::detail {

METALEARN_INLINE std::string csv_number(double v) { return std::isfinite(v) ? fmt::format("{}", v) : std::string(); }

METALEARN_INLINE std::string csv_json_value(const nlohmann::json& v) {
    if (v.is_string()) return data::csv_field(v.get<std::string>());
    if (v.is_null()) return {};
    if (v.is_number_float()) return csv_number(v.get<double>());
    return data::csv_field(v.dump());
}

}  // namespace metalearn::meta::detail

namespace metalearn::meta {

METALEARN_INLINE RecordStore::RecordStore(std::filesystem::path path, WarningCallback warn) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throw IoError(fmt::format("RecordStore::RecordStore(): cannot open '{}' for appending ({})", path_.string(),
                                  std::strerror(errno)));
    try {
        lock(warn);  // before reading: no other writer can be half-way through an append
        load(warn);
        if (needs_newline_) write_all("\n");
    } catch (...) {
        close();
        throw;
    }
}

METALEARN_INLINE void RecordStore::lock(const WarningCallback& warn) {
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK)
            throw IoError(fmt::format(
                "RecordStore: '{}' is open for writing by another RecordStore (in this or another process); a "
                "journal has one writer at a time: wait for that run to finish, or give each run its own journal "
                "and combine them afterwards with RecordStore::merge",
                path_.string()));
        // e.g. ENOLCK on a network file system without lock support: go on, but say so
        if (warn)
            warn(fmt::format("RecordStore: cannot lock '{}' ({}); make sure no other process writes to it",
                             path_.string(), std::strerror(errno)));
        return;
    }
}

METALEARN_INLINE std::vector<Record> RecordStore::read(const std::filesystem::path& path, WarningCallback warn) {
    RecordStore s;
    s.path_ = path;
    s.load(warn, /*repair=*/false);
    return s.records_;
}

METALEARN_INLINE RecordStore::RepairSummary RecordStore::repair(const std::filesystem::path& path) {
    namespace fs = std::filesystem;
    RepairSummary out;
    RecordStore guard;  // holds the lock (and closes the descriptor) until the repair is done
    guard.path_ = path;
    guard.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (guard.fd_ < 0)
        throw IoError(fmt::format("RecordStore::repair(): cannot open '{}' ({})", path.string(), std::strerror(errno)));
    guard.lock({});
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(fmt::format("RecordStore::repair(): cannot read '{}'", path.string()));
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string text = buf.str();
    std::string kept;
    std::string rejected;
    std::set<std::string> keys;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        const std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        bool valid = false;
        try {
            const Record r = record_from_json(nlohmann::json::parse(line));
            valid = keys.insert(r.key().str()).second;
        } catch (const std::exception&) {
            valid = false;
        }
        (valid ? kept : rejected) += line + "\n";
        ++(valid ? out.kept : out.rejected);
    }
    if (out.rejected == 0) return out;
    out.rejected_path = path;
    out.rejected_path += ".rejected";
    {
        std::ofstream bad(out.rejected_path, std::ios::binary | std::ios::app);
        bad << rejected;
        bad.close();
        if (!bad)
            throw IoError(fmt::format("RecordStore::repair(): cannot write the rejected lines to '{}'",
                                      out.rejected_path.string()));
    }
    fs::path tmp = path;
    tmp += ".repair-tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throw IoError(fmt::format("RecordStore::repair(): cannot create '{}' ({})", tmp.string(), std::strerror(errno)));
    RecordStore writer;  // reuses write_all's short-write loop; closes fd on every path
    writer.path_ = tmp;
    writer.fd_ = fd;
    writer.write_all(kept);
    if (::fsync(fd) != 0)
        throw IoError(fmt::format("RecordStore::repair(): fsync of '{}' failed ({})", tmp.string(), std::strerror(errno)));
    writer.close();
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec)
        throw IoError(fmt::format("RecordStore::repair(): cannot replace '{}' by its repaired copy '{}' ({})",
                                  path.string(), tmp.string(), ec.message()));
    return out;
}

METALEARN_INLINE std::size_t RecordStore::merge(const std::filesystem::path& other, WarningCallback warn) {
    std::size_t added = 0;
    for (const auto& r : read(other, std::move(warn)))
        if (append(r)) ++added;
    return added;
}

METALEARN_INLINE bool RecordStore::append(const Record& r) {
    std::string line;
    try {
        const nlohmann::json j = to_json(r);
        line = j.dump() + "\n";         // throws on a string that is not UTF-8
        (void)record_from_json(j);      // what `read` will require of the line
    } catch (const ConfigError& e) {
        throw ConfigError(fmt::format("RecordStore::append(): the record of task '{}', model '{}' would not read back: {}",
                                      data::detail::utf8_escaped(r.task_id), data::detail::utf8_escaped(r.model),
                                      e.what()));
    } catch (const nlohmann::json::exception& e) {
        throw DataError(fmt::format("RecordStore::append(): the record of task '{}', model '{}' cannot be written as "
                                    "JSON ({}); expected valid UTF-8 in its strings (task id and name, checksum, model, "
                                    "metric, error, meta-feature names, config)",
                                    data::detail::utf8_escaped(r.task_id), data::detail::utf8_escaped(r.model),
                                    e.what()));
    }
    const std::string key = r.key().str();
    std::lock_guard lock(mutex_);
    if (Record* old = stored_timeout(key)) {
        if (fd_ >= 0) write_all(line);
        *old = r;
        return true;
    }
    if (index_.count(key)) return false;
    if (fd_ >= 0) write_all(line);
    index_.emplace(key, records_.size());
    records_.push_back(r);
    return true;
}

METALEARN_INLINE bool RecordStore::contains(const RecordKey& key) const {
    std::lock_guard lock(mutex_);
    return index_.count(key.str()) > 0;
}

METALEARN_INLINE const Record* RecordStore::find(const RecordKey& key) const {
    std::lock_guard lock(mutex_);
    auto it = index_.find(key.str());
    return it == index_.end() ? nullptr : &records_[it->second];
}

METALEARN_INLINE std::size_t RecordStore::size() const {
    std::lock_guard lock(mutex_);
    return records_.size();
}

METALEARN_INLINE std::vector<Record> RecordStore::snapshot() const {
    std::lock_guard lock(mutex_);
    return records_;
}

METALEARN_INLINE void RecordStore::sync() {
    std::lock_guard lock(mutex_);
    if (fd_ >= 0 && ::fsync(fd_) != 0)
        throw IoError(fmt::format("RecordStore::sync(): fsync of '{}' failed ({})", path_.string(), std::strerror(errno)));
}

METALEARN_INLINE void RecordStore::write_csv(const std::vector<Record>& records, const std::filesystem::path& out) {
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
    for (const auto& n : mf_names) f << "," << data::csv_field("mf:" + n);
    for (const auto& n : hp_names) f << "," << data::csv_field("hp:" + n);
    f << ",error\n";
    for (const auto& r : records) {
        f << data::csv_field(r.task_id) << ',' << data::csv_field(r.task_name) << ',' << data::csv_field(r.model)
          << ',' << data::csv_field(r.metric) << ',' << r.n_folds << ',' << r.seed << ',' << to_string(r.status)
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
        f << ',' << data::csv_field(r.error) << '\n';
    }
    if (!f) throw IoError(fmt::format("RecordStore::export_csv(): write to '{}' failed", out.string()));
}

METALEARN_INLINE void RecordStore::close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

METALEARN_INLINE void RecordStore::write_all(const std::string& s) {
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

METALEARN_INLINE Record* RecordStore::stored_timeout(const std::string& key) {
    const auto it = index_.find(key);
    return it != index_.end() && records_[it->second].status == RecordStatus::timeout ? &records_[it->second] : nullptr;
}

METALEARN_INLINE void RecordStore::add_loaded(Record r, std::size_t line, const WarningCallback& warn) {
    const std::string key = r.key().str();
    if (Record* old = stored_timeout(key)) {
        *old = std::move(r);
        return;
    }
    if (index_.count(key)) {
        if (warn)
            warn(fmt::format("RecordStore: {}:{}: duplicate record for task '{}', model '{}', config {} ignored",
                             path_.string(), line, r.task_id, r.model, r.config.dump()));
        return;
    }
    index_.emplace(key, records_.size());
    records_.push_back(std::move(r));
}

METALEARN_INLINE void RecordStore::load(const WarningCallback& warn, bool repair) {
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
        std::size_t column = 1;  // of the error in the line: where the JSON stops being valid
        std::string json_error;
        try {
            parsed = nlohmann::json::parse(line);
        } catch (const nlohmann::json::parse_error& e) {
            json_ok = false;
            column = std::max<std::size_t>(1, std::min<std::size_t>(e.byte, line.size() + 1));
            json_error = e.what();
        } catch (const std::exception& e) {
            json_ok = false;
            json_error = e.what();
        }
        try {
            if (!json_ok) throw ParseError(path_.string(), line_no, column, fmt::format("not valid JSON ({})", json_error));
            Record r = record_from_json(parsed);
            add_loaded(std::move(r), line_no, warn);
            if (last_torn) needs_newline_ = true;
            complete_end = next;
        } catch (const std::exception& e) {
            // the reason without a location: the ParseError below gives the line and column
            const auto* located = dynamic_cast<const ParseError*>(&e);
            const std::string reason = located != nullptr ? located->message() : std::string(e.what());
            // Never touch a file that was not recognised as a journal: a torn line can only
            // follow at least one valid record. A reader (no repair) may meet the first record
            // while it is being appended: an incomplete, invalid last line is skipped even then.
            if (records_.empty() && index_.empty() && (repair || !last_torn || json_ok))
                throw ParseError(path_.string(), line_no, column,
                                 fmt::format("'{}' is not a metalearn record journal ({})", path_.string(), reason));
            // A line that parses as JSON but is not a valid record is not a torn write.
            if (!last_torn || json_ok)
                throw ParseError(path_.string(), line_no, column,
                                 fmt::format("RecordStore: malformed record ({}); only a torn last line is skipped. "
                                             "RecordStore::repair (the examples' --repair-journal) keeps every "
                                             "valid record and moves the bad lines to '{}.rejected'",
                                             reason, path_.string()));
            if (warn)
                warn(fmt::format("RecordStore: {}:{}: {} ({} bytes) skipped", path_.string(), line_no,
                                 repair ? "torn last line" : "incomplete last line (a torn write, or an append in flight)",
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

}  // namespace metalearn::meta
