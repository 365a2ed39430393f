#pragma once
/// @file text.hpp
/// @brief Internals shared by the readers: file loading (gzip through zlib), line splitting,
/// number parsing, and assembling a `Dataset` from parsed columns.

#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"

#include <fmt/format.h>

#if defined(METALEARN_HAS_ZLIB)
#include <zlib.h>
#endif

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace metalearn::data::detail {

/// Whether a path's name ends with `suffix` (case-insensitive).
inline bool ends_with_icase(const std::filesystem::path& path, std::string_view suffix) {
    const std::string name = path.filename().string();
    if (name.size() < suffix.size()) return false;
    for (std::size_t i = 0; i < suffix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(name[name.size() - suffix.size() + i])) !=
            std::tolower(static_cast<unsigned char>(suffix[i])))
            return false;
    return true;
}

/// Length of the valid UTF-8 sequence starting at `s[i]` (1 to 4), or 0 if the bytes there are
/// not one (a stray continuation byte, a truncated sequence, an overlong form, a surrogate or a
/// code point above U+10FFFF). Reference: RFC 3629, section 4 (the UTF-8 byte-sequence grammar).
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    if (c < 0x80) return 1;
    std::size_t len = 0;
    unsigned char lo = 0x80;  // allowed range of the second byte
    unsigned char hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c == 0xe0) len = 3, lo = 0xa0;
    else if (c == 0xed) len = 3, hi = 0x9f;
    else if (c >= 0xe1 && c <= 0xef) len = 3;
    else if (c == 0xf0) len = 4, lo = 0x90;
    else if (c >= 0xf1 && c <= 0xf3) len = 4;
    else if (c == 0xf4) len = 4, hi = 0x8f;
    else return 0;
    if (i + len > s.size()) return 0;
    if (b(i + 1) < lo || b(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < len; ++k)
        if (b(i + k) < 0x80 || b(i + k) > 0xbf) return 0;
    return len;
}

/// `s` with every byte that is not part of valid UTF-8 written as `\xNN` (valid UTF-8 is kept as
/// is), so names taken from file names can go into JSON, which must be UTF-8.
inline std::string utf8_escaped(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t len = utf8_sequence_length(s, i);
        if (len == 0) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned>(static_cast<unsigned char>(s[i])));
            ++i;
        } else {
            out.append(s.substr(i, len));
            i += len;
        }
    }
    return out;
}

/// The file name without the given extensions (".arff.gz" → stem), for dataset names; bytes
/// that are not valid UTF-8 are written as `\xNN` (see `utf8_escaped`).
inline std::string dataset_stem(const std::filesystem::path& path) {
    std::string name = path.filename().string();
    for (const char* ext : {".gz", ".arff", ".csv", ".tsv", ".txt"}) {
        const std::string_view e(ext);
        if (name.size() > e.size() && ends_with_icase(std::filesystem::path(name), e))
            name.resize(name.size() - e.size());
    }
    return utf8_escaped(name);
}

/// Read a whole file into memory. Files starting with the gzip magic bytes (1f 8b) are
/// decompressed with zlib when available; otherwise an `IoError` asks to decompress first.
/// @throws IoError if the file cannot be opened or read, or is gzip without zlib support.
inline std::string read_file(const std::filesystem::path& path, const char* where) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        if (std::filesystem::is_directory(path, ec))
            throw IoError(fmt::format("{}: '{}' is a directory, not a file (expected the path of a file)", where,
                                      path.string()));
        throw IoError(fmt::format("{}: cannot open '{}' (no such file or not a regular file)", where, path.string()));
    }
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw IoError(fmt::format("{}: cannot open '{}' for reading ({})", where, path.string(),
                                  errno != 0 ? std::strerror(errno) : "unknown reason"));
    // One read of the whole file (its size first), not a character at a time.
    std::string raw;
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    in.seekg(0, std::ios::beg);
    if (size > 0) {
        raw.resize(static_cast<std::size_t>(size));
        in.read(raw.data(), static_cast<std::streamsize>(size));
        raw.resize(static_cast<std::size_t>(in.gcount()));
    } else {  // a size the stream does not know (e.g. a file of /proc): read to the end
        in.clear();
        raw.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (in.bad()) throw IoError(fmt::format("{}: error while reading '{}'", where, path.string()));
    const bool gzip = raw.size() >= 2 && static_cast<unsigned char>(raw[0]) == 0x1f &&
                      static_cast<unsigned char>(raw[1]) == 0x8b;
    if (!gzip) return raw;
#if defined(METALEARN_HAS_ZLIB)
    std::string out;
    z_stream zs{};
    // 15 + 32: zlib or gzip header detected automatically.
    if (inflateInit2(&zs, 15 + 32) != Z_OK)
        throw IoError(fmt::format("{}: zlib could not be initialised for '{}'", where, path.string()));
    zs.next_in = reinterpret_cast<Bytef*>(raw.data());
    zs.avail_in = static_cast<uInt>(raw.size());
    std::vector<char> buffer(1 << 16);
    int rc = Z_OK;
    while (true) {
        zs.next_out = reinterpret_cast<Bytef*>(buffer.data());
        zs.avail_out = static_cast<uInt>(buffer.size());
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(buffer.data(), buffer.size() - zs.avail_out);
        if (rc == Z_STREAM_END) {
            // Concatenated gzip members: continue with the next one.
            if (zs.avail_in > 0 && inflateReset(&zs) == Z_OK) continue;
            break;
        }
        if (rc != Z_OK) break;
        if (zs.avail_in == 0 && zs.avail_out != 0) break;
    }
    const std::string zmsg = zs.msg != nullptr ? std::string(zs.msg) : std::string();
    inflateEnd(&zs);
    // Z_OK or Z_BUF_ERROR without Z_STREAM_END: the input ran out before the end of the stream.
    if (rc == Z_OK || rc == Z_BUF_ERROR)
        throw IoError(fmt::format("{}: '{}': unexpected end of compressed data (expected a complete gzip stream; "
                                  "the file may be truncated)",
                                  where, path.string()));
    if (rc != Z_STREAM_END)
        throw IoError(fmt::format("{}: '{}' is a corrupt gzip file ({}; zlib error {})", where, path.string(),
                                  zmsg.empty() ? std::string("invalid compressed data") : zmsg, rc));
    return out;
#else
    throw IoError(fmt::format("{}: '{}' is gzip-compressed but metalearn was built without zlib "
                              "(decompress it first, e.g. with gunzip, or build with zlib)",
                              where, path.string()));
#endif
}

/// A view of one line and its 1-based number.
struct Line {
    std::string_view text;
    std::size_t number = 0;
};

/// Split text into lines ("\n", "\r\n" or "\r"); the line terminators are not included.
inline std::vector<Line> split_lines(std::string_view text) {
    std::vector<Line> lines;
    std::size_t start = 0;
    std::size_t number = 1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' || text[i] == '\r') {
            lines.push_back({text.substr(start, i - start), number++});
            if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            start = i + 1;
        }
    }
    if (start < text.size()) lines.push_back({text.substr(start), number});
    return lines;
}

using metalearn::printable;  // (core/error.hpp) text safe to quote in an error message

/// 1-based line and column of byte `offset` of `text`, counting lines as `split_lines` does.
inline std::pair<std::size_t, std::size_t> line_and_column(std::string_view text, std::size_t offset) {
    std::size_t line = 1;
    std::size_t start = 0;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n' || text[i] == '\r') {
            if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n' && i + 1 < offset) ++i;
            ++line;
            start = i + 1;
        }
    }
    return {line, offset - start + 1};
}

/// The text of a file to parse: `text` without a leading UTF-8 byte-order mark (EF BB BF, which
/// some editors write and which is not part of the first name or keyword), after checking that
/// it is text at all.
///
/// Binary input is rejected rather than parsed into a meaningless table: a NUL byte anywhere
/// (no text file holds one; UTF-16 files, which hold many, are named as such), or, in the first
/// 64 KiB, at least 16 control characters (bytes below 0x20 other than tab, line feed, carriage
/// return, form feed and vertical tab, and 0x7f) making up more than 1 in 32 of the bytes
/// (random bytes hold about 1 in 10). Bytes that are not valid UTF-8 are not counted: text in a
/// legacy 8-bit encoding (Latin-1, Windows-1251, ...) passes, however many such bytes it has.
/// @param text  the whole file content.
/// @param label the file name (or label) for messages.
/// @return a view of `text` after the byte-order mark, if any.
/// @throws ParseError(label, line, column of the first offending byte) for binary input.
/// Complexity O(size of text).
inline std::string_view text_view(std::string_view text, const std::string& label) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    if (text.size() >= 2 && ((byte(0) == 0xff && byte(1) == 0xfe) || (byte(0) == 0xfe && byte(1) == 0xff)))
        throw ParseError(label, 1, 1,
                         fmt::format("UTF-16 text (byte-order mark {:02x} {:02x}) is not supported (expected UTF-8 or "
                                     "ASCII text; convert it first, e.g. with iconv -f UTF-16 -t UTF-8)",
                                     byte(0), byte(1)));
    if (text.size() >= 3 && byte(0) == 0xef && byte(1) == 0xbb && byte(2) == 0xbf) text.remove_prefix(3);
    const auto line_start = [&](std::size_t offset) {
        std::size_t b = offset;
        while (b > 0 && text[b - 1] != '\n' && text[b - 1] != '\r') --b;
        const std::string_view line = text.substr(b, 64);
        return line.substr(0, line.find_first_of("\r\n"));
    };
    if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
        const auto [line, column] = line_and_column(text, nul);
        throw ParseError(label, line, column,
                         fmt::format("not a text file: a NUL byte in the line starting '{}' (expected UTF-8 or ASCII "
                                     "text)",
                                     printable(line_start(nul))));
    }
    const std::size_t checked = std::min<std::size_t>(text.size(), std::size_t{1} << 16);
    std::size_t bad = 0;
    std::size_t first_bad = checked;
    for (std::size_t i = 0; i < checked; ++i) {
        const unsigned char c = byte(i);
        const bool control =
            (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') || c == 0x7f;
        if (control && bad++ == 0) first_bad = i;
    }
    if (bad >= 16 && bad * 32 > checked) {
        const auto [line, column] = line_and_column(text, first_bad);
        throw ParseError(label, line, column,
                         fmt::format("not a text file: {} of the first {} bytes are control characters, the first in "
                                     "the line starting '{}' (expected UTF-8 or ASCII text)",
                                     bad, checked, printable(line_start(first_bad))));
    }
    return text;
}

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; }

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

inline std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

/// Result of parsing a number token.
enum class NumberStatus { ok, not_a_number, not_finite };

/// Decimal order of magnitude of a number text that `from_chars` reported out of range: positive
/// means larger than 1, non-positive smaller (the exponent saturates, so it never overflows).
inline long long decimal_magnitude(std::string_view s) {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    long long lead = 0;       // significant digits before the point
    long long zeros = 0;      // zeros after the point before the first significant digit
    bool significant = false;
    for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0; ++i) {
        if (s[i] != '0') significant = true;
        if (significant && lead < 1000000) ++lead;
    }
    if (i < s.size() && s[i] == '.') {
        for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0; ++i) {
            if (!significant && s[i] == '0' && zeros < 1000000) ++zeros;
            else significant = true;
        }
    }
    long long exponent = 0;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        const bool negative = i < s.size() && s[i] == '-';
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0; ++i)
            if (exponent < 100000000) exponent = exponent * 10 + (s[i] - '0');
        if (negative) exponent = -exponent;
    }
    return (lead > 0 ? lead : -zeros) + exponent;
}

/// Parse a decimal number ("12", "-3.5e2", "+.5"); the whole token must be consumed. Text
/// spelling infinity or NaN ("inf", "-Infinity", "nan") or overflowing a double ("1e999") gives
/// `not_finite`; a number too small for a double ("1e-400") underflows to ±0 (or a denormal) and is `ok`.
inline NumberStatus parse_number(std::string_view s, double& value) {
    s = trim(s);
    if (s.empty()) return NumberStatus::not_a_number;
    std::string_view body = s;
    if (body.front() == '+' || body.front() == '-') body.remove_prefix(1);
    if (!body.empty() && (body.front() == '+' || body.front() == '-')) return NumberStatus::not_a_number;  // "+-1"
    if (!body.empty() && (body.front() == 'i' || body.front() == 'I' || body.front() == 'n' || body.front() == 'N')) {
        const std::string low = to_lower(body);
        if (low == "inf" || low == "infinity" || low == "nan") return NumberStatus::not_finite;
        return NumberStatus::not_a_number;
    }
    if (s.front() == '+') s.remove_prefix(1);
    const char* first = s.data();
    const char* last = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(first, last, value, std::chars_format::general);
    if (ec == std::errc::result_out_of_range && ptr == last) {
        // Overflow (|x| > max double) is rejected; underflow (e.g. 1e-400) is a tiny number, read as
        // ±0. The decimal magnitude decides which: digits before the point plus the exponent.
        if (decimal_magnitude(s) > 0) return NumberStatus::not_finite;
        value = s.front() == '-' ? -0.0 : 0.0;
        return NumberStatus::ok;
    }
    if (ec != std::errc() || ptr != last) return NumberStatus::not_a_number;
    if (!std::isfinite(value)) return NumberStatus::not_finite;
    return NumberStatus::ok;
}

/// Format a double compactly for a category or class name ("3", "2.5").
inline std::string number_name(double v) { return fmt::format("{}", v); }

/// One parsed column before it becomes part of a `Dataset`.
struct Column {
    std::string name;
    FeatureKind kind = FeatureKind::numeric;
    std::vector<std::string> categories;  ///< nominal: code c ↔ categories[c]
    std::vector<double> values;           ///< one per row; NaN = missing
};

/// How to pick and interpret the target column when assembling a dataset.
struct TargetSpec {
    std::size_t index = 0;                ///< which column is the target
    std::optional<TaskType> task;         ///< forced task; empty = from the column kind
    const WarningCallback* on_warning = nullptr;
    const char* where = "";               ///< "read_arff()" etc., for messages
    std::string label;                    ///< the file (or label) for parse errors; empty = the dataset name
    std::vector<std::size_t> row_lines;   ///< source line of each row (for warnings), may be empty
};

/// Turn parsed columns into a `Dataset`: the target column becomes y (nominal → class codes,
/// numeric → regression unless classification is forced), rows with a missing target are
/// dropped with a warning.
/// @throws DataError if the forced task does not fit the column or no row is left; ParseError
///         (naming `spec.label`) if there are features but not one cell of them holds a value
///         (what binary or wrongly delimited input turns into).
inline Dataset assemble(const std::string& name, std::vector<Column> columns, const TargetSpec& spec) {
    const Column& target = columns.at(spec.index);
    const std::size_t n = target.values.size();
    TaskType task = spec.task.value_or(target.kind == FeatureKind::nominal ? TaskType::classification
                                                                           : TaskType::regression);
    if (task == TaskType::regression && target.kind == FeatureKind::nominal)
        throw DataError(fmt::format("{}: target '{}' of '{}' is nominal, cannot be read as a regression task "
                                    "(expected a numeric target)",
                                    spec.where, target.name, name));
    std::vector<std::string> class_names;
    std::vector<double> y(n);
    if (task == TaskType::classification && target.kind == FeatureKind::nominal) {
        class_names = target.categories;
        y = target.values;
    } else if (task == TaskType::classification) {
        // Numeric target read as classes: the distinct values in increasing order.
        std::vector<double> distinct;
        for (double v : target.values)
            if (!std::isnan(v)) distinct.push_back(v);
        std::sort(distinct.begin(), distinct.end());
        distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
        for (double v : distinct) class_names.push_back(number_name(v));
        for (std::size_t i = 0; i < n; ++i) {
            const double v = target.values[i];
            y[i] = std::isnan(v) ? v
                                 : static_cast<double>(std::lower_bound(distinct.begin(), distinct.end(), v) -
                                                       distinct.begin());
        }
    } else {
        y = target.values;
    }
    std::vector<std::size_t> keep;
    keep.reserve(n);
    std::size_t dropped = 0;
    std::size_t first_dropped_line = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (std::isnan(y[i])) {
            if (dropped++ == 0) first_dropped_line = i < spec.row_lines.size() ? spec.row_lines[i] : 0;
        } else {
            keep.push_back(i);
        }
    }
    if (keep.empty())
        throw DataError(fmt::format("{}: every one of the {} rows of '{}'{} has a missing target '{}'{} "
                                    "(expected at least one labelled row)",
                                    spec.where, n, name,
                                    spec.label.empty() || spec.label == name ? std::string()
                                                                              : fmt::format(" (file '{}')", spec.label),
                                    target.name,
                                    first_dropped_line ? fmt::format(", from line {}", first_dropped_line)
                                                       : std::string()));
    if (dropped > 0 && spec.on_warning && *spec.on_warning)
        (*spec.on_warning)(fmt::format("{}: '{}': dropped {} row(s) with a missing target '{}'{}", spec.where, name,
                                       dropped, target.name,
                                       first_dropped_line ? fmt::format(" (first on line {})", first_dropped_line)
                                                          : std::string()));
    const auto rows = static_cast<Index>(keep.size());
    const auto p = static_cast<Index>(columns.size() - 1);
    if (p > 0) {
        bool any_value = false;
        for (std::size_t c = 0; c < columns.size() && !any_value; ++c)
            if (c != spec.index)
                for (const std::size_t i : keep)
                    if (!std::isnan(columns[c].values[i])) {
                        any_value = true;
                        break;
                    }
        if (!any_value)
            throw ParseError(spec.label.empty() ? name : spec.label, 0, 0,
                             fmt::format("{}: no row has a value for any of the {} feature(s) (every feature cell is "
                                         "missing; expected at least one value)",
                                         spec.where, p));
    }
    Matrix X(rows, p);
    Vector yv(rows);
    std::vector<FeatureInfo> features;
    features.reserve(columns.size() - 1);
    Index j = 0;
    for (std::size_t c = 0; c < columns.size(); ++c) {
        if (c == spec.index) continue;
        auto& col = columns[c];
        for (Index r = 0; r < rows; ++r) X(r, j) = col.values[keep[static_cast<std::size_t>(r)]];
        features.push_back({std::move(col.name), col.kind, std::move(col.categories)});
        ++j;
    }
    for (Index r = 0; r < rows; ++r) yv[r] = y[keep[static_cast<std::size_t>(r)]];
    const std::string target_name = columns[spec.index].name;
    return Dataset(name, std::move(X), std::move(yv), std::move(features), task, std::move(class_names), target_name);
}

/// Find a column by name; returns its index or throws `ConfigError` listing the names.
inline std::size_t find_column(const std::vector<Column>& columns, const std::string& name, const char* where,
                               const char* option) {
    for (std::size_t c = 0; c < columns.size(); ++c)
        if (columns[c].name == name) return c;
    std::string names;
    for (std::size_t c = 0; c < columns.size() && c < 20; ++c) names += (c ? ", " : "") + columns[c].name;
    if (columns.size() > 20) names += ", ...";
    throw ConfigError(fmt::format("{}: {} '{}' is not a column (expected one of: {})", where, option, name, names));
}

}  // namespace metalearn::data::detail
