#pragma once
/// @file arff.hpp
/// @brief ARFF reader (Attribute-Relation File Format, as written by Weka and OpenML).
///
/// Supported (format reference: the Weka wiki page "ARFF (stable version)"):
/// - UTF-8 (or ASCII, or an 8-bit encoding such as Latin-1) text; a leading UTF-8 byte-order
///   mark is skipped; binary input (a NUL byte, or many control characters) and UTF-16 are a
///   `ParseError` (see `detail::text_view`).
/// - `@relation`, `@attribute`, `@data` keywords in any letter case; `%` starts a comment
///   (outside quotes) up to the end of the line; blank lines are ignored.
/// - Attribute names and values unquoted or in single/double quotes, with backslash escapes
///   (`\'`, `\"`, `\\`, `\n`, `\t`, `\r`) inside quotes.
/// - Types `numeric`, `real`, `integer` (read as doubles), nominal `{v1, v2, ...}` (values may be
///   quoted and contain spaces; code c ↔ the c-th declared value), `string` and `date [format]`.
/// - `?` (unquoted) marks a missing value; a quoted `'?'` is an ordinary value.
/// - Dense rows `v1,v2,...` and sparse rows `{index value, ...}` (0-based attribute indices;
///   omitted entries are 0, i.e. the first category of a nominal attribute, as in Weka).
///   A trailing instance weight `,{w}` must be a finite number (else a `ParseError`) and is then
///   ignored: every row counts once.
/// - Sparse indices must be in 0..p-1 (no wrap-around of huge values) and appear at most once per
///   row; otherwise a `ParseError` at the index.
///
/// Choices made here:
/// - `string` and `date` attributes cannot be features of a numeric `Dataset`: by default they
///   are dropped and reported through `ArffOptions::on_warning`; with
///   `UnsupportedAttributes::reject` they are a `ParseError`. `relational` attributes are always
///   a `ParseError`.
/// - The target is the last declared attribute unless `ArffOptions::target` names one. A nominal
///   target gives a classification task with the declared values as classes; a numeric target a
///   regression task (`ArffOptions::task` forces classification, with the distinct values as
///   classes in increasing order). A string/date target is a `DataError`.
/// - Rows whose target is missing are dropped, with one warning giving their count.
/// - Numeric text spelling infinity or NaN (`inf`, `-Infinity`, `nan`) is rejected with a
///   `ParseError`: use `?` for a missing value.
/// - An `@data` section without rows is a `ParseError` (a `Dataset` needs n ≥ 1), and so are
///   features without a single value in any row.
/// - A dense row with fewer or more values than declared attributes is a `ParseError` saying
///   both counts, at the row's line.

#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/detail/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace metalearn::data {

/// What to do with ARFF `string` and `date` attributes, which a numeric dataset cannot hold.
enum class UnsupportedAttributes {
    drop,   ///< leave them out of the dataset and report each through the warning callback
    reject  ///< throw a ParseError at the attribute's declaration
};

/// Options of `read_arff` / `read_arff_string`.
struct ArffOptions {
    std::string target;                       ///< target attribute name; empty = the last attribute
    std::optional<TaskType> task;             ///< force the task; empty = nominal → classification, numeric → regression
    UnsupportedAttributes string_attributes = UnsupportedAttributes::drop;  ///< string/date attributes
    WarningCallback on_warning;               ///< receives warnings (dropped attributes/rows); may be empty
    std::string name;                         ///< dataset name; empty = file stem (or the label)
};

namespace detail {

/// One token of an ARFF line.
struct ArffToken {
    std::string text;
    bool quoted = false;
    std::size_t column = 0;  // 1-based
};

class ArffParser {
public:
    ArffParser(std::string label, const ArffOptions& options) : label_(std::move(label)), options_(options) {}

    Dataset parse(std::string_view text, const std::string& name) {
        text = text_view(text, label_);
        const auto lines = split_lines(text);
        enum class Kind { numeric, nominal, skipped };
        struct Attribute {
            std::string name;
            Kind kind = Kind::numeric;
            std::vector<std::string> categories;
            std::map<std::string, double, std::less<>> codes;
            std::string type_word;
            std::size_t line = 0;
        };
        std::vector<Attribute> attributes;
        std::map<std::string, std::size_t, std::less<>> seen_names;
        std::size_t data_line = 0;
        std::size_t li = 0;
        bool any_content = false;

        // ---------------------------------------------------------------- header
        for (; li < lines.size(); ++li) {
            line_ = lines[li].number;
            const std::string_view raw = lines[li].text;
            std::size_t pos = 0;
            skip_spaces(raw, pos);
            if (pos >= raw.size() || raw[pos] == '%') continue;
            any_content = true;
            if (raw[pos] != '@')
                fail(pos, fmt::format("unexpected text '{}' in the header (expected @relation, @attribute or @data)",
                                      excerpt(raw.substr(pos))));
            const std::size_t kw_start = pos;
            while (pos < raw.size() && !is_space(raw[pos]) && raw[pos] != '{' && raw[pos] != '%') ++pos;
            const std::string keyword = to_lower(raw.substr(kw_start, pos - kw_start));
            if (keyword == "@relation") {
                continue;
            }
            if (keyword == "@data") {
                std::size_t rest = pos;
                while (rest < raw.size() && is_space(raw[rest])) ++rest;
                if (rest < raw.size() && raw[rest] != '%')
                    fail(rest, fmt::format("unexpected text '{}' after @data (expected the data rows on the lines "
                                           "after it)",
                                           excerpt(raw.substr(rest))));
                data_line = line_;
                ++li;
                break;
            }
            if (keyword == "@end") continue;
            if (keyword != "@attribute")
                fail(kw_start, fmt::format("unknown keyword '{}' (expected @relation, @attribute or @data)",
                                           excerpt(raw.substr(kw_start, pos - kw_start))));
            skip_spaces(raw, pos);
            if (pos >= raw.size() || raw[pos] == '%') fail(pos, "missing attribute name after @attribute");
            const ArffToken name_tok = next_token(raw, pos, " \t{%");
            if (name_tok.text.empty()) fail(name_tok.column - 1, "empty attribute name");
            Attribute attr;
            attr.name = name_tok.text;
            attr.line = line_;
            if (const auto it = seen_names.find(attr.name); it != seen_names.end())
                fail(name_tok.column - 1, fmt::format("duplicate attribute name '{}' (first declared on line {})",
                                                      excerpt(attr.name), it->second));
            skip_spaces(raw, pos);
            if (pos >= raw.size() || raw[pos] == '%')
                fail(pos, fmt::format("missing type for attribute '{}' (expected numeric, real, integer, string, "
                                      "date or {{nominal values}})",
                                      shown(attr.name)));
            if (raw[pos] == '{') {
                attr.kind = Kind::nominal;
                const std::size_t open = pos;
                ++pos;
                while (true) {
                    skip_spaces(raw, pos);
                    if (pos >= raw.size() || raw[pos] == '%')
                        fail(open, fmt::format("unterminated nominal value list of attribute '{}' (expected '}}')",
                                               shown(attr.name)));
                    if (raw[pos] == '}') {
                        ++pos;
                        break;
                    }
                    const ArffToken v = next_token(raw, pos, ",}%");
                    if (v.text.empty() && !v.quoted) fail(v.column - 1, "empty nominal value (expected a value between commas)");
                    if (attr.codes.count(v.text) != 0U)
                        fail(v.column - 1, fmt::format("duplicate nominal value '{}' in attribute '{}'", excerpt(v.text),
                                                           excerpt(attr.name)));
                    attr.codes.emplace(v.text, static_cast<double>(attr.categories.size()));
                    attr.categories.push_back(v.text);
                    skip_spaces(raw, pos);
                    if (pos < raw.size() && raw[pos] == ',') ++pos;
                }
                check_line_end(raw, pos);
            } else {
                const std::size_t type_start = pos;
                while (pos < raw.size() && !is_space(raw[pos]) && raw[pos] != '%') ++pos;
                const std::string type_text(raw.substr(type_start, pos - type_start));
                const std::string type = to_lower(type_text);
                if (type == "numeric" || type == "real" || type == "integer") {
                    attr.kind = Kind::numeric;
                    check_line_end(raw, pos);
                } else if (type == "string" || type == "date") {
                    attr.kind = Kind::skipped;
                    attr.type_word = type;
                    if (options_.string_attributes == UnsupportedAttributes::reject)
                        fail(type_start, fmt::format("attribute '{}' has type {}, which is not supported (expected "
                                                     "numeric, real, integer or {{nominal values}}; read with "
                                                     "string_attributes = drop to leave it out)",
                                                     shown(attr.name), type));
                } else if (type == "relational") {
                    fail(type_start, fmt::format("relational attribute '{}' is not supported (expected numeric, real, "
                                                 "integer or {{nominal values}})",
                                                 shown(attr.name)));
                } else {
                    fail(type_start, fmt::format("unknown attribute type '{}' for attribute '{}' (expected numeric, "
                                                 "real, integer, string, date or {{nominal values}})",
                                                 excerpt(type_text), excerpt(attr.name)));
                }
            }
            seen_names.emplace(attr.name, line_);
            attributes.push_back(std::move(attr));
        }
        if (!any_content) {
            line_ = 1;
            fail(0, "empty input (expected @relation, @attribute declarations and @data)");
        }
        if (data_line == 0) {
            line_ = lines.empty() ? 1 : lines.back().number;
            fail(0, "unexpected end of input in the header (expected an @data section; the file may be truncated)");
        }
        if (attributes.empty()) {
            line_ = data_line;
            fail(0, "@data before any @attribute (expected at least one attribute declaration)");
        }

        // ---------------------------------------------------------------- target
        std::size_t target = attributes.size() - 1;
        if (!options_.target.empty()) {
            bool found = false;
            for (std::size_t a = 0; a < attributes.size(); ++a)
                if (attributes[a].name == options_.target) {
                    target = a;
                    found = true;
                }
            if (!found)
                throw ConfigError(fmt::format("read_arff(): target '{}' is not an attribute of '{}'", options_.target,
                                              label_));
        }
        if (attributes[target].kind == Kind::skipped)
            throw DataError(fmt::format("read_arff(): target attribute '{}' of '{}' has type {} (expected a nominal or "
                                        "numeric target; name another with ArffOptions::target)",
                                        shown(attributes[target].name), label_, attributes[target].type_word));
        for (const auto& a : attributes)
            if (a.kind == Kind::skipped && options_.on_warning)
                options_.on_warning(fmt::format("read_arff(): '{}': dropped {} attribute '{}' (line {})", label_,
                                                a.type_word, shown(a.name), a.line));

        // ---------------------------------------------------------------- data
        std::vector<std::vector<double>> values(attributes.size());
        std::vector<std::size_t> row_lines;
        const auto n_attr = attributes.size();
        std::vector<double> row(n_attr);
        std::vector<std::size_t> seen_in_row(n_attr, 0);  // sparse rows: 1 + index of the last row using it
        std::vector<ArffToken> tokens;                     // dense rows: the values of one row
        for (; li < lines.size(); ++li) {
            line_ = lines[li].number;
            const std::string_view raw = lines[li].text;
            std::size_t pos = 0;
            skip_spaces(raw, pos);
            if (pos >= raw.size() || raw[pos] == '%') continue;
            if (raw[pos] == '@') {  // a declaration after @data, not a row of values
                std::size_t end = pos + 1;
                while (end < raw.size() && !is_space(raw[end])) ++end;
                std::string word(raw.substr(pos, end - pos));
                for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                if (word == "@attribute" || word == "@relation" || word == "@data")
                    fail(pos, fmt::format("{} declaration in the @data section (expected data rows: declarations come "
                                          "before the @data line, line {})",
                                          word, data_line));
            }
            const auto set_value = [&](std::size_t a, const ArffToken& tok) {
                const auto& attr = attributes[a];
                if (!tok.quoted && tok.text == "?") {
                    row[a] = std::numeric_limits<double>::quiet_NaN();
                    return;
                }
                switch (attr.kind) {
                    case Kind::skipped: row[a] = 0.0; return;
                    case Kind::numeric: {
                        double v = 0.0;
                        const auto status = parse_number(tok.text, v);
                        if (status == NumberStatus::not_finite)
                            fail(tok.column - 1,
                                 fmt::format("'{}' is not a finite number for attribute '{}' (expected a finite "
                                             "numeric value, or ? for missing)",
                                             excerpt(tok.text), shown(attr.name)));
                        if (status != NumberStatus::ok)
                            fail(tok.column - 1, fmt::format("'{}' is not a number (expected a numeric value for "
                                                             "attribute '{}')",
                                                             excerpt(tok.text), shown(attr.name)));
                        row[a] = v;
                        return;
                    }
                    case Kind::nominal: {
                        const auto it = attr.codes.find(tok.text);
                        if (it == attr.codes.end())
                            fail(tok.column - 1, fmt::format("value '{}' is not a declared category of attribute '{}' "
                                                             "(expected one of {{{}}})",
                                                             excerpt(tok.text), shown(attr.name), category_list(attr.categories)));
                        row[a] = it->second;
                        return;
                    }
                }
            };
            if (raw[pos] == '{') {
                // Sparse row.
                std::fill(row.begin(), row.end(), 0.0);
                const std::size_t open = pos;
                ++pos;
                while (true) {
                    skip_spaces(raw, pos);
                    if (pos >= raw.size() || raw[pos] == '%')
                        fail(open, "unterminated sparse row (expected '}')");
                    if (raw[pos] == '}') {
                        ++pos;
                        break;
                    }
                    const std::size_t idx_start = pos;
                    while (pos < raw.size() && std::isdigit(static_cast<unsigned char>(raw[pos])) != 0) ++pos;
                    if (pos == idx_start)
                        fail(idx_start, fmt::format("'{}' is not an attribute index (expected 'index value' in a "
                                                    "sparse row)",
                                                    excerpt(raw.substr(idx_start))));
                    std::size_t idx = 0;
                    const auto parsed = std::from_chars(raw.data() + idx_start, raw.data() + pos, idx);
                    if (parsed.ec != std::errc() || idx >= n_attr)
                        fail(idx_start, fmt::format("sparse index {} out of range (expected 0 to {})",
                                                    excerpt(raw.substr(idx_start, pos - idx_start)), n_attr - 1));
                    if (seen_in_row[idx] == row_lines.size() + 1)
                        fail(idx_start, fmt::format("duplicate sparse index {} in one row (expected each attribute "
                                                    "at most once)",
                                                    idx));
                    seen_in_row[idx] = row_lines.size() + 1;
                    skip_spaces(raw, pos);
                    const ArffToken v = next_token(raw, pos, ",}%");
                    set_value(idx, v);
                    skip_spaces(raw, pos);
                    if (pos < raw.size() && raw[pos] == ',') ++pos;
                }
                skip_weight(raw, pos);
            } else {
                // The values are split off first, so a row with too few or too many values is
                // reported as such, not as a value that does not fit the attribute it lands on.
                tokens.clear();
                while (true) {
                    skip_spaces(raw, pos);
                    if (tokens.size() == n_attr && pos < raw.size() && raw[pos] == '{') {
                        skip_weight(raw, pos);
                        break;
                    }
                    tokens.push_back(next_token(raw, pos, ",%"));
                    skip_spaces(raw, pos);
                    if (pos < raw.size() && raw[pos] == ',') {
                        ++pos;
                        continue;
                    }
                    break;
                }
                if (tokens.size() != n_attr)
                    fail(0, fmt::format("row has {} value(s) but {} attribute(s) are declared (expected one value per "
                                        "attribute){}",
                                        tokens.size(), n_attr,
                                        tokens.size() < n_attr ? "; the file may be truncated" : ""));
                for (std::size_t a = 0; a < n_attr; ++a) set_value(a, tokens[a]);
            }
            for (std::size_t a = 0; a < n_attr; ++a) values[a].push_back(row[a]);
            row_lines.push_back(line_);
        }
        if (row_lines.empty()) {
            line_ = data_line;
            fail(0, "the @data section has no rows (expected at least one data row)");
        }

        std::vector<Column> columns;
        std::size_t target_col = 0;
        for (std::size_t a = 0; a < n_attr; ++a) {
            auto& attr = attributes[a];
            if (attr.kind == Kind::skipped) continue;
            if (a == target) target_col = columns.size();
            columns.push_back({attr.name, attr.kind == Kind::nominal ? FeatureKind::nominal : FeatureKind::numeric,
                               attr.categories, std::move(values[a])});
        }
        TargetSpec spec;
        spec.index = target_col;
        spec.task = options_.task;
        spec.on_warning = &options_.on_warning;
        spec.where = "read_arff()";
        spec.label = label_;
        spec.row_lines = std::move(row_lines);
        return assemble(name, std::move(columns), spec);
    }

private:
    [[noreturn]] void fail(std::size_t pos0, const std::string& message) const {
        throw ParseError(label_, line_, pos0 + 1, message);
    }

    // At most 40 bytes, non-printable bytes escaped as \xNN.
    static std::string excerpt(std::string_view s) { return printable(s); }
    // A name for a message: up to 200 bytes, non-printable bytes escaped.
    static std::string shown(std::string_view s) { return printable(s, 200); }

    static std::string category_list(const std::vector<std::string>& cats) {
        std::string out;
        for (std::size_t c = 0; c < cats.size() && c < 12; ++c) out += (c ? ", " : "") + shown(cats[c]);
        if (cats.size() > 12) out += ", ...";
        return out;
    }

    static void skip_spaces(std::string_view s, std::size_t& pos) {
        while (pos < s.size() && is_space(s[pos])) ++pos;
    }

    void check_line_end(std::string_view raw, std::size_t pos) const {
        skip_spaces(raw, pos);
        if (pos < raw.size() && raw[pos] != '%')
            fail(pos, fmt::format("unexpected text '{}' after the attribute type", excerpt(raw.substr(pos))));
    }

    void skip_weight(std::string_view raw, std::size_t& pos) const {
        skip_spaces(raw, pos);
        if (pos < raw.size() && raw[pos] == ',') {
            ++pos;
            skip_spaces(raw, pos);
        }
        if (pos < raw.size() && raw[pos] == '{') {
            const auto close = raw.find('}', pos);
            if (close == std::string_view::npos) fail(pos, "unterminated instance weight (expected '}')");
            const std::string_view weight = trim(raw.substr(pos + 1, close - pos - 1));
            double w = 0.0;
            if (parse_number(weight, w) != NumberStatus::ok)
                fail(pos + 1, fmt::format("instance weight '{}' is not a finite number (expected {{w}} with a numeric "
                                          "weight)",
                                          excerpt(weight)));
            pos = close + 1;
        }
        check_row_end(raw, pos);
    }

    void check_row_end(std::string_view raw, std::size_t pos) const {
        skip_spaces(raw, pos);
        if (pos < raw.size() && raw[pos] != '%')
            fail(pos, fmt::format("unexpected text '{}' at the end of the row", excerpt(raw.substr(pos))));
    }

    /// Read one value: quoted (with escapes) or unquoted up to a stop character (trimmed).
    ArffToken next_token(std::string_view raw, std::size_t& pos, std::string_view stops) const {
        ArffToken tok;
        tok.column = pos + 1;
        if (pos < raw.size() && (raw[pos] == '\'' || raw[pos] == '"')) {
            const char quote = raw[pos];
            const std::size_t open = pos;
            ++pos;
            tok.quoted = true;
            while (true) {
                if (pos >= raw.size())
                    fail(open, fmt::format("unterminated quoted string (expected a closing {})", quote));
                const char c = raw[pos];
                if (c == '\\' && pos + 1 < raw.size()) {
                    const char e = raw[pos + 1];
                    tok.text += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
                    pos += 2;
                    continue;
                }
                if (c == quote) {
                    ++pos;
                    break;
                }
                tok.text += c;
                ++pos;
            }
            if (pos >= raw.size() || stops.find(raw[pos]) != std::string_view::npos) return tok;
            std::size_t after = pos;
            skip_spaces(raw, after);
            if (after < raw.size() && stops.find(raw[after]) == std::string_view::npos)
                fail(after, fmt::format("unexpected text '{}' after a quoted value (expected a separator)",
                                        excerpt(raw.substr(after))));
            return tok;
        }
        const std::size_t start = pos;
        while (pos < raw.size() && stops.find(raw[pos]) == std::string_view::npos) ++pos;
        tok.text = std::string(trim(raw.substr(start, pos - start)));
        return tok;
    }

    std::string label_;
    const ArffOptions& options_;
    std::size_t line_ = 0;
};

}  // namespace detail

/// Parse ARFF text (see the file comment for the supported syntax and the choices made).
/// @param text    the whole ARFF content.
/// @param label   the name used in error messages (as the file) and, unless `options.name` is
///                set, as the dataset name.
/// @param options target, task, string/date policy, warning callback, name.
/// @return the dataset: n labelled rows, p = attributes − 1 − dropped ones.
/// @throws ParseError (label, line, column, what was expected) on malformed text;
///         ConfigError if `options.target` names no attribute; DataError if the target is a
///         string/date attribute, regression is forced on a nominal target, or every row lacks
///         a target.
/// Complexity O(size of text · log categories).
[[nodiscard]] inline Dataset read_arff_string(std::string_view text, const std::string& label,
                                              const ArffOptions& options = {}) {
    detail::ArffParser parser(label, options);
    return parser.parse(text, options.name.empty() ? label : options.name);
}

/// Read an ARFF file (`.arff`, or gzip-compressed `.arff.gz` when built with zlib).
/// The dataset is named after the file stem unless `options.name` is set.
/// @throws IoError if the file cannot be read (or is gzip without zlib); otherwise as
///         `read_arff_string`, with the file path in parse errors.
[[nodiscard]] inline Dataset read_arff(const std::filesystem::path& path, const ArffOptions& options = {}) {
    const std::string text = detail::read_file(path, "read_arff()");
    detail::ArffParser parser(path.string(), options);
    return parser.parse(text, options.name.empty() ? detail::dataset_stem(path) : options.name);
}

}  // namespace metalearn::data
