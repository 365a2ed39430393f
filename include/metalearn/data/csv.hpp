#pragma once
/// @file csv.hpp
/// @brief Delimited-text readers: CSV/TSV with a header row (also PMLB's `.tsv.gz`), and
/// scikit-learn's bundled CSV layout.
///
/// Syntax accepted by `read_csv` (RFC 4180 with common extensions):
/// - UTF-8 (or ASCII, or an 8-bit encoding such as Latin-1) text; a leading UTF-8 byte-order
///   mark is skipped; binary input (a NUL byte, or many control characters) is a ParseError, as
///   is UTF-16 (see `detail::text_view`);
/// - the first non-blank line is the header (column names, which must be unique);
/// - fields are separated by `CsvOptions::delimiter` (',' by default; '\t', ';', ...);
/// - a field may be enclosed in double quotes, a doubled quote `""` inside stands for one quote;
///   quoted fields cannot span lines (an unclosed quote at the end of a line is a ParseError);
/// - spaces around unquoted fields are trimmed; blank lines (white space only, no delimiter) are
///   skipped;
/// - every row has as many fields as the header.
///
/// Column typing:
/// - a cell equal to one of `CsvOptions::missing_values` (exact match after trimming; default
///   "", "?", "NA", "N/A", "nan", "NaN") is missing; quoting keeps a text: `"NA"` in quotes is
///   the text NA (Namibia's country code, say), and only an empty quoted cell `""` is missing
///   (when "" is a marker) — pandas, unlike this reader, treats a quoted "NA" as missing too;
/// - a column is numeric if every non-missing cell is a finite number; otherwise nominal, with
///   its distinct texts as categories, sorted (`CategoryOrder::sorted`, the default, so the
///   codes do not depend on row order) or in order of first appearance;
/// - a column whose cells are mostly numbers but not all ("55 kg" among numbers of kilograms) is
///   nominal too, and `CsvOptions::on_warning` is told so, with the column, the number of
///   non-numeric cells and the first one's text, line and column;
/// - text spelling infinity ("inf", "-Infinity") in an otherwise numeric column is rejected with
///   a ParseError (there is no ±Inf in a Dataset);
/// - with a delimiter other than ',' (a ';'-separated file, as spreadsheets write where ',' is
///   the decimal mark), a column whose every non-missing cell is a number written with a decimal
///   comma ("1,5", "-0,25", or an integer) and at least one comma is numeric, with a warning
///   (`CsvOptions::decimal_comma`; a cell with a ',' and a '.', such as "1.234,5", or with a '.'
///   only, such as "1.234" — a thousands separator or a decimal point? — keeps the column text);
/// - `nominal_columns` / `numeric_columns` force a column's kind; in a forced-numeric column a
///   non-numeric cell is a ParseError.
///
/// Target and task: the target is `CsvOptions::target` (by name), else `target_index`, else the
/// last column. Unless `CsvOptions::task` forces it, the task is classification when the target
/// is nominal, or numeric with only integer values and at most `max_classes` distinct values
/// (classes are then the distinct values in increasing order, named like "0", "1", "2");
/// otherwise regression. Rows with a missing target are dropped with a warning.

#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/detail/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace metalearn::data {

/// Order of the categories of a nominal column found in a CSV file.
enum class CategoryOrder {
    sorted,           ///< increasing (numeric order if every value is a number, else byte order)
    first_appearance  ///< order in which the values first occur in the file
};

/// One field of a CSV file as RFC 4180 writes it: in double quotes, each quote doubled, when it
/// holds a comma, a quote or a line break; otherwise unchanged. `read_csv` reads it back as `s`.
[[nodiscard]] inline std::string csv_field(std::string_view s) {
    if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

/// Options of `read_csv` / `read_csv_string`.
struct CsvOptions {
    char delimiter = ',';                                                         ///< field separator
    std::vector<std::string> missing_values = {"", "?", "NA", "N/A", "nan", "NaN"};  ///< missing markers
    std::string target;                        ///< target column by name (takes precedence)
    Index target_index = -1;                   ///< target column by 0-based index; -1 = last column
    std::optional<TaskType> task;              ///< force the task; empty = the rule in the file comment
    Index max_classes = 10;                    ///< auto rule: an integer target with ≤ this many values is a class
    CategoryOrder category_order = CategoryOrder::sorted;  ///< order of nominal categories
    std::vector<std::string> nominal_columns;  ///< force these columns (by name) to nominal
    std::vector<std::string> numeric_columns;  ///< force these columns (by name) to numeric
    bool decimal_comma = true;                 ///< with a delimiter other than ',', read columns of numbers
                                               ///< written "1,5" as numeric (see the file comment)
    bool rename_duplicate_columns = false;     ///< false: a repeated column name is a ParseError; true: the
                                               ///< k-th repeat of "x" becomes "x.k", renamed again while taken
                                               ///< (pandas' rule, see detail::header_names), with a warning
    WarningCallback on_warning;                ///< receives warnings (dropped rows, renamed columns, mostly
                                               ///< numeric columns read as nominal); may be empty
    std::string name;                          ///< dataset name; empty = file stem (or the label)
};

namespace detail {

/// A field of a delimited line with its 1-based column.
struct Field {
    std::string text;
    bool quoted = false;
    std::size_t column = 0;
};

/// Split one line into `fields` (resized to the field count; its strings are reused, so a
/// caller splitting many lines into one vector allocates little). @throws ParseError on an
/// unterminated quote or text after a closing quote.
inline void split_delimited(std::string_view raw, char delim, const std::string& label, std::size_t line,
                            std::vector<Field>& fields) {
    std::size_t count = 0;
    std::size_t pos = 0;
    const auto skip_blank = [&](std::size_t& p) {
        while (p < raw.size() && raw[p] != delim && is_space(raw[p])) ++p;
    };
    while (true) {
        if (count == fields.size()) fields.emplace_back();
        Field& f = fields[count++];
        f.text.clear();
        f.quoted = false;
        std::size_t p = pos;
        skip_blank(p);
        if (p < raw.size() && raw[p] == '"') {
            const std::size_t open = p;
            f.quoted = true;
            f.column = open + 1;
            ++p;
            while (true) {
                if (p >= raw.size())
                    throw ParseError(label, line, open + 1, "unterminated quoted field (expected a closing \")");
                if (raw[p] == '"') {
                    if (p + 1 < raw.size() && raw[p + 1] == '"') {
                        f.text += '"';
                        p += 2;
                        continue;
                    }
                    ++p;
                    break;
                }
                f.text += raw[p++];
            }
            skip_blank(p);
            if (p < raw.size() && raw[p] != delim)
                throw ParseError(label, line, p + 1,
                                 fmt::format("unexpected text after a closing quote (expected the delimiter '{}')",
                                             delim == '\t' ? std::string("\\t") : std::string(1, delim)));
        } else {
            f.column = pos + 1;
            const std::size_t start = pos;
            while (p < raw.size() && raw[p] != delim) ++p;
            f.text.assign(trim(raw.substr(start, p - start)));
        }
        if (p >= raw.size()) break;
        pos = p + 1;  // skip the delimiter
    }
    fields.resize(count);
}

/// Split one line into fields (see the overload above).
inline std::vector<Field> split_delimited(std::string_view raw, char delim, const std::string& label,
                                          std::size_t line) {
    std::vector<Field> fields;
    split_delimited(raw, delim, label, line, fields);
    return fields;
}

/// The column names of a header row: an empty field is named "column_<j>" (1-based), and with
/// `rename` a repeated name is renamed as pandas renames it (`pandas.io.common.dedup_names`): the
/// k-th repeat of "x" becomes "x.k", and a name so made that is taken already is renamed the same
/// way again ("a, b, b.1, b" gives "a, b, b.1, b.1.1"). Without `rename`, names are returned
/// unchanged. O(p log p).
inline std::vector<std::string> header_names(const std::vector<Field>& header, bool rename) {
    std::vector<std::string> names(header.size());
    std::map<std::string, int> uses;  // how often each name was taken (pandas' counts)
    for (std::size_t j = 0; j < header.size(); ++j) {
        std::string name = header[j].text.empty() ? fmt::format("column_{}", j + 1) : header[j].text;
        if (rename) {
            int k = uses[name];
            while (k > 0) {
                uses[name] = k + 1;
                name = fmt::format("{}.{}", name, k);
                k = uses[name];
            }
            uses[name] = k + 1;
        }
        names[j] = std::move(name);
    }
    return names;
}

/// A line to skip: only white space, and no delimiter (a line of tabs in a tab-separated file
/// is a row of empty fields, as pandas reads it, not a blank line).
inline bool is_blank_line(std::string_view line, char delim) {
    return trim(line).empty() && line.find(delim) == std::string_view::npos;
}

inline bool contains(const std::vector<std::string>& list, std::string_view s) {
    return std::find(list.begin(), list.end(), s) != list.end();
}

inline Dataset parse_csv(std::string_view text, const std::string& label, const std::string& name,
                         const CsvOptions& options) {
    constexpr const char* where = "read_csv()";
    text = text_view(text, label);
    const auto lines = split_lines(text);
    std::size_t li = 0;
    while (li < lines.size() && is_blank_line(lines[li].text, options.delimiter)) ++li;
    if (li == lines.size())
        throw ParseError(label, lines.empty() ? 1 : lines.back().number, 1,
                         "empty input (expected a header row and data rows)");
    const std::size_t header_line = lines[li].number;
    const auto header = split_delimited(lines[li].text, options.delimiter, label, header_line);
    if (header.size() == 1) {
        // one column naming what looks like several: the file uses another delimiter
        const auto shown = [](char c) { return c == '\t' ? std::string("\\t") : std::string(1, c); };
        for (const char other : {';', '\t', ','}) {
            if (other == options.delimiter || header[0].text.find(other) == std::string::npos) continue;
            const char* kind = other == ';' ? "semicolon" : other == '\t' ? "tab" : "comma";
            const char* hint = other == ';'    ? " (read_dataset detects this for .csv files)"
                               : other == '\t' ? " (read_dataset reads .tsv files so)"
                                               : " (read_dataset reads .csv files so)";
            throw ParseError(label, header_line, 1,
                             fmt::format("the header is one column with '{}' in it and no '{}': the file looks "
                                         "{}-separated (expected '{}'-separated columns); read it with "
                                         "CsvOptions::delimiter = '{}'{}",
                                         shown(other), shown(options.delimiter), kind, shown(options.delimiter),
                                         shown(other), hint));
        }
    }
    ++li;
    const std::size_t p = header.size();
    std::vector<Column> columns(p);
    {
        const std::vector<std::string> given = header_names(header, false);  // as written, or column_<j>
        std::vector<std::string> names = options.rename_duplicate_columns ? header_names(header, true) : given;
        std::map<std::string_view, std::size_t> seen;  // name -> its column
        for (std::size_t j = 0; j < p; ++j) {
            if (const auto it = seen.find(names[j]); it != seen.end()) {  // only without renaming
                if (header[j].text.empty() || header[it->second].text.empty())
                    throw ParseError(label, header_line, header[j].column,
                                     fmt::format("column {} has no name and its default name '{}' is also the name "
                                                 "of column {} (expected unique names; name the unnamed column)",
                                                 header[j].text.empty() ? j + 1 : it->second + 1,
                                                 detail::printable(given[j]), header[j].text.empty() ? it->second + 1 : j + 1));
                throw ParseError(label, header_line, header[j].column,
                                 fmt::format("duplicate column name '{}' (columns {} and {}; expected unique names)",
                                             detail::printable(given[j]), it->second + 1, j + 1));
            }
            if (names[j] != given[j] && options.on_warning)
                options.on_warning(fmt::format("{}: '{}': column {} repeats the name '{}'; renamed to '{}'", where,
                                               label, j + 1, given[j], names[j]));
            seen.emplace(names[j], j);
        }
        for (std::size_t j = 0; j < p; ++j) columns[j].name = std::move(names[j]);
    }
    for (const auto& forced : options.nominal_columns) (void)find_column(columns, forced, where, "nominal column");
    for (const auto& forced : options.numeric_columns) (void)find_column(columns, forced, where, "numeric column");

    // Read every cell; remember each column's first non-numeric and first infinite cell.
    struct CellPos {
        std::size_t line = 0;
        std::size_t column = 0;
        std::string text;
    };
    std::vector<std::vector<std::string>> cells(p);
    std::vector<std::vector<char>> missing(p);
    std::vector<std::optional<CellPos>> first_text(p);
    std::vector<std::optional<CellPos>> first_infinite(p);
    std::vector<std::size_t> n_numbers(p, 0);  // cells that are finite numbers
    std::vector<std::size_t> n_texts(p, 0);    // cells that are not numbers
    std::vector<std::vector<double>> numbers(p);
    std::vector<std::size_t> row_lines;
    std::vector<std::size_t> row_index;  // index into `lines` of each data row
    // The texts of a column are kept only once it needs them (a forced-nominal column, or one
    // that has met a non-number): a numeric column holds its doubles alone. A column whose first
    // text comes after row 0 gets the texts of its earlier rows from a second split of those lines.
    std::vector<char> keep(p, 0);
    std::vector<std::size_t> kept_from(p, 0);  // the first data row whose text is kept
    for (std::size_t j = 0; j < p; ++j) keep[j] = contains(options.nominal_columns, columns[j].name) ? 1 : 0;
    for (std::size_t j = 0; j < p; ++j) {
        numbers[j].reserve(lines.size() - li);
        missing[j].reserve(lines.size() - li);
    }
    // Missing markers by first character: most cells (numbers) are told apart without comparing.
    std::array<bool, 256> marker_start{};
    bool empty_marker = false;
    for (const auto& m : options.missing_values) {
        if (m.empty()) empty_marker = true;
        else marker_start[static_cast<unsigned char>(m.front())] = true;
    }
    const auto is_marker = [&](const std::string& t) {
        if (t.empty()) return empty_marker;
        return marker_start[static_cast<unsigned char>(t.front())] && contains(options.missing_values, t);
    };
    std::vector<Field> fields;
    for (; li < lines.size(); ++li) {
        if (is_blank_line(lines[li].text, options.delimiter)) continue;
        const std::size_t line = lines[li].number;
        split_delimited(lines[li].text, options.delimiter, label, line, fields);
        if (fields.size() != p) {
            // one field too many, empty and unquoted: the line ends with a delimiter
            const bool trailing = fields.size() == p + 1 && fields.back().text.empty() && !fields.back().quoted;
            throw ParseError(label, line, fields.size() > p ? fields[p].column : lines[li].text.size() + 1,
                             fmt::format("row has {} field(s) (expected {}, as in the header on line {}){}",
                                         fields.size(), p, header_line,
                                         trailing ? "; the line ends with a delimiter" : ""));
        }
        for (std::size_t j = 0; j < p; ++j) {
            auto& f = fields[j];
            const bool is_missing = !f.quoted ? is_marker(f.text) : (f.text.empty() && empty_marker);
            double v = std::numeric_limits<double>::quiet_NaN();
            if (!is_missing) {
                const auto status = parse_number(f.text, v);
                if (status == NumberStatus::not_finite && !first_infinite[j])
                    first_infinite[j] = CellPos{line, f.column, f.text};
                if (status == NumberStatus::not_a_number && !first_text[j])
                    first_text[j] = CellPos{line, f.column, f.text};
                if (status == NumberStatus::ok) ++n_numbers[j];
                if (status == NumberStatus::not_a_number) ++n_texts[j];
                if (status != NumberStatus::ok) v = std::numeric_limits<double>::quiet_NaN();
                if (status == NumberStatus::not_a_number && !keep[j]) {
                    keep[j] = 1;
                    kept_from[j] = row_lines.size();
                }
            }
            numbers[j].push_back(v);
            missing[j].push_back(is_missing ? 1 : 0);
            if (keep[j]) cells[j].push_back(std::move(f.text));
        }
        row_lines.push_back(line);
        row_index.push_back(li);
    }
    {
        std::size_t late = 0;  // rows to split again
        for (std::size_t j = 0; j < p; ++j) late = std::max(late, keep[j] ? kept_from[j] : 0);
        if (late > 0) {
            std::vector<std::vector<std::string>> head(p);
            for (std::size_t r = 0; r < late; ++r) {
                auto fields = split_delimited(lines[row_index[r]].text, options.delimiter, label, row_lines[r]);
                for (std::size_t j = 0; j < p; ++j)
                    if (keep[j] && r < kept_from[j]) head[j].push_back(std::move(fields[j].text));
            }
            for (std::size_t j = 0; j < p; ++j)
                if (keep[j] && kept_from[j] > 0)
                    cells[j].insert(cells[j].begin(), std::make_move_iterator(head[j].begin()),
                                    std::make_move_iterator(head[j].end()));
        }
    }
    if (row_lines.empty())
        throw ParseError(label, header_line, 1, "no data rows after the header (expected at least one row)");

    // Decimal commas: a column of numbers written "1,5" in a file not separated by ','.
    if (options.decimal_comma && options.delimiter != ',') {
        for (std::size_t j = 0; j < p; ++j) {
            if (!first_text[j] || contains(options.nominal_columns, columns[j].name)) continue;
            std::vector<double> parsed(cells[j].size(), std::numeric_limits<double>::quiet_NaN());
            std::optional<std::size_t> first_comma;  // row of the first cell with a decimal comma
            bool all = true;
            for (std::size_t i = 0; i < cells[j].size() && all; ++i) {
                if (missing[j][i]) continue;
                std::string t = cells[j][i];
                const auto comma = t.find(',');
                if (comma == std::string::npos && t.find('.') != std::string::npos) {
                    all = false;  // "1.234" beside "1,5": a thousands separator or a decimal point? Not guessed.
                    break;
                }
                if (comma != std::string::npos) {
                    if (t.find(',', comma + 1) != std::string::npos || t.find('.') != std::string::npos) {
                        all = false;
                        break;
                    }
                    t[comma] = '.';
                    if (!first_comma) first_comma = i;
                }
                all = parse_number(t, parsed[i]) == NumberStatus::ok;
            }
            if (!all || !first_comma) continue;
            numbers[j] = std::move(parsed);
            n_numbers[j] += n_texts[j];
            n_texts[j] = 0;
            if (options.on_warning)
                options.on_warning(fmt::format("{}: '{}': column '{}' has numbers with a decimal comma (the first, '{}', "
                                               "on line {}): read as numbers (CsvOptions::decimal_comma = false keeps "
                                               "them text)",
                                               where, printable(label, 200), printable(columns[j].name, 200),
                                               printable(first_text[j]->text), row_lines[*first_comma]));
            first_text[j].reset();
        }
    }

    // A cell that a numeric column cannot hold (text in a forced-numeric column, or an infinite
    // value): the first such cell in the file is reported, whatever its column.
    {
        std::optional<std::size_t> worst;  // the column of the earliest bad cell
        const auto bad_cell = [&](std::size_t j) -> const std::optional<CellPos>& {
            static const std::optional<CellPos> none;
            if (contains(options.numeric_columns, columns[j].name) && first_text[j]) return first_text[j];
            if (!contains(options.nominal_columns, columns[j].name) && !first_text[j]) return first_infinite[j];
            return none;
        };
        for (std::size_t j = 0; j < p; ++j)
            if (const auto& c = bad_cell(j);
                c && (!worst || std::pair(c->line, c->column) < std::pair(bad_cell(*worst)->line, bad_cell(*worst)->column)))
                worst = j;
        if (worst) {
            const CellPos& c = *bad_cell(*worst);
            const std::string& name = columns[*worst].name;
            if (first_text[*worst])
                throw ParseError(label, c.line, c.column,
                                 fmt::format("'{}' is not a number (expected a numeric value in column '{}')",
                                             detail::printable(c.text), detail::printable(name)));
            throw ParseError(label, c.line, c.column,
                             fmt::format("'{}' is not a finite number in column '{}' (expected a finite number or a "
                                         "missing marker)",
                                         detail::printable(c.text), detail::printable(name)));
        }
    }
    for (std::size_t j = 0; j < p; ++j) {
        auto& col = columns[j];
        const bool force_nominal = contains(options.nominal_columns, col.name);
        const bool force_numeric = contains(options.numeric_columns, col.name);
        if (force_numeric && first_text[j])
            throw ParseError(label, first_text[j]->line, first_text[j]->column,
                             fmt::format("'{}' is not a number (expected a numeric value in column '{}')",
                                         detail::printable(first_text[j]->text), detail::printable(col.name)));
        const bool numeric = !force_nominal && !first_text[j];
        if (numeric) {
            if (first_infinite[j])
                throw ParseError(label, first_infinite[j]->line, first_infinite[j]->column,
                                 fmt::format("'{}' is not a finite number in column '{}' (expected a finite "
                                             "number or a missing marker)",
                                             detail::printable(first_infinite[j]->text), detail::printable(col.name)));
            col.kind = FeatureKind::numeric;
            col.values = std::move(numbers[j]);
            continue;
        }
        // Nominal: categories from the distinct texts (numeric order when all are numbers).
        col.kind = FeatureKind::nominal;
        const bool all_numbers = !first_text[j] && !first_infinite[j];
        const std::size_t n = numbers[j].size();
        col.values.assign(n, std::numeric_limits<double>::quiet_NaN());
        if (all_numbers) {
            std::vector<double> distinct;
            for (std::size_t i = 0; i < n; ++i)
                if (!missing[j][i]) distinct.push_back(numbers[j][i]);
            if (options.category_order == CategoryOrder::sorted) {
                std::sort(distinct.begin(), distinct.end());
                distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
            } else {
                std::vector<double> unique;
                for (double v : distinct)
                    if (std::find(unique.begin(), unique.end(), v) == unique.end()) unique.push_back(v);
                distinct = std::move(unique);
            }
            std::map<double, double> code;
            for (std::size_t c = 0; c < distinct.size(); ++c) {
                col.categories.push_back(number_name(distinct[c]));
                code.emplace(distinct[c], static_cast<double>(c));
            }
            for (std::size_t i = 0; i < n; ++i)
                if (!missing[j][i]) col.values[i] = code.at(numbers[j][i]);
        } else {
            std::map<std::string, double, std::less<>> code;
            for (std::size_t i = 0; i < n; ++i)
                if (!missing[j][i] && code.find(cells[j][i]) == code.end()) {
                    code.emplace(cells[j][i], static_cast<double>(col.categories.size()));
                    col.categories.push_back(cells[j][i]);
                }
            if (options.category_order == CategoryOrder::sorted) {
                std::sort(col.categories.begin(), col.categories.end());
                for (std::size_t c = 0; c < col.categories.size(); ++c)
                    code[col.categories[c]] = static_cast<double>(c);
            }
            for (std::size_t i = 0; i < n; ++i)
                if (!missing[j][i]) col.values[i] = code.find(cells[j][i])->second;
        }
        if (!force_nominal && n_numbers[j] > n_texts[j] && options.on_warning) {
            // Mostly numbers: a unit or a typo in a few cells ("55 kg") turned a numeric column
            // into one category per distinct value. Said once, naming the first such cell.
            const auto& cell = *first_text[j];
            options.on_warning(fmt::format(
                "{}: '{}': column '{}' is read as nominal with {} categories because {} of its cells {} not a "
                "number (among {} numbers); the first is '{}' on line {}, column {} (list the column in "
                "numeric_columns to make such a cell an error, or in nominal_columns to keep it nominal quietly)",
                where, printable(label, 200), printable(col.name, 200), col.categories.size(), n_texts[j],
                n_texts[j] == 1 ? "is" : "are", n_numbers[j], printable(cell.text), cell.line, cell.column));
        }
    }

    std::size_t target = p - 1;
    if (!options.target.empty()) {
        target = find_column(columns, options.target, where, "target");
    } else if (options.target_index >= 0) {
        if (options.target_index >= static_cast<Index>(p))
            throw ConfigError(fmt::format("{}: target_index {} out of range (expected 0 to {} for '{}')", where,
                                          options.target_index, p - 1, label));
        target = static_cast<std::size_t>(options.target_index);
    }
    std::optional<TaskType> task = options.task;
    if (!task) {
        const auto& t = columns[target];
        if (t.kind == FeatureKind::nominal) {
            task = TaskType::classification;
        } else {
            std::vector<double> distinct;
            bool integers = true;
            for (double v : t.values) {
                if (std::isnan(v)) continue;
                if (v != std::floor(v)) integers = false;
                distinct.push_back(v);
            }
            std::sort(distinct.begin(), distinct.end());
            distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
            task = integers && static_cast<Index>(distinct.size()) <= options.max_classes ? TaskType::classification
                                                                                          : TaskType::regression;
        }
    }
    TargetSpec spec;
    spec.index = target;
    spec.task = task;
    spec.on_warning = &options.on_warning;
    spec.where = where;
    spec.label = label;
    spec.row_lines = std::move(row_lines);
    return assemble(name, std::move(columns), spec);
}

}  // namespace detail

/// Parse delimited text with a header row (see the file comment for syntax, typing, target and
/// task rules).
/// @param text    the whole content.
/// @param label   the name used in error messages (as the file) and, unless `options.name` is
///                set, as the dataset name.
/// @return the dataset (n labelled rows, p = columns − 1).
/// @throws ParseError (label, line, column, expectation) on malformed text: binary input (a
///         NUL byte, UTF-16, or many control characters; see `detail::text_view`), empty
///         input, no data rows, duplicate column names, a row with the wrong number of fields, an
///         unterminated quote, an infinite value, a non-number in a forced-numeric column,
///         features without a single value in any row (line 0), or a header of one column with
///         ';' in it when the delimiter is another (a semicolon-separated file; the message says so).
///         ConfigError for a target or forced column that does not exist; DataError when every
///         target is missing or regression is forced on a nominal target.
/// Complexity O(size of text · log distinct values).
[[nodiscard]] inline Dataset read_csv_string(std::string_view text, const std::string& label,
                                             const CsvOptions& options = {}) {
    return detail::parse_csv(text, label, options.name.empty() ? label : options.name, options);
}

/// Read a CSV/TSV file (gzip-compressed when it starts with the gzip magic, e.g. `.csv.gz`,
/// `.tsv.gz`; needs zlib). The dataset is named after the file stem unless `options.name` is
/// set. PMLB files: `read_csv(path, {.delimiter = '\t', .target = "target"})`, or better
/// `read_dataset(path)`, which also applies PMLB's metadata.yaml (task, categorical features) and
/// handles files with a feature also named "target" (schizo).
/// @throws IoError if the file cannot be read; otherwise as `read_csv_string`.
[[nodiscard]] inline Dataset read_csv(const std::filesystem::path& path, const CsvOptions& options = {}) {
    const std::string text = detail::read_file(path, "read_csv()");
    return detail::parse_csv(text, path.string(), options.name.empty() ? detail::dataset_stem(path) : options.name,
                             options);
}

/// Read one of the CSV files bundled with scikit-learn (`sklearn/datasets/data/`).
///
/// Layout: an optional first line `n_samples,n_features[,class names...]` (recognised when its
/// first two fields are positive integers and the others are empty or not numbers), an
/// optional line of column names (boston_house_prices.csv), then rows of n_features numbers and
/// a last target column. Features are numeric, named from the names line or `feature_0`, ...
/// With class names in the first line the task is classification with those classes (the
/// target is a 0-based code); without them, a target of non-negative integers gives
/// classification whose classes are the distinct values in increasing order, named as first
/// written in the file and coded 0..K-1 (digits.csv.gz, which has no header at all: "0".."9"),
/// otherwise regression.
/// @param path the file (gzip allowed).
/// @param name the dataset name; empty = file stem.
/// @throws IoError if unreadable; ParseError if the file is not text (see `read_csv_string`),
///         the declared shape does not match the rows, a row has the wrong width, a cell is not a
///         finite number, or a class code is out of range.
[[nodiscard]] inline Dataset read_sklearn_csv(const std::filesystem::path& path, const std::string& name = "") {
    const std::string label = path.string();
    const std::string content = detail::read_file(path, "read_sklearn_csv()");
    const std::string_view text = detail::text_view(content, label);
    const auto lines = detail::split_lines(text);
    std::size_t li = 0;
    while (li < lines.size() && detail::trim(lines[li].text).empty()) ++li;
    if (li == lines.size()) throw ParseError(label, 1, 1, "empty input (expected rows of numbers)");
    Index declared_n = -1;
    Index declared_p = -1;
    std::vector<std::string> class_names;
    {
        const auto first = detail::split_delimited(lines[li].text, ',', label, lines[li].number);
        double a = 0;
        double b = 0;
        // Counts up to 2^53 (every such integer is exact in a double and fits in Index), so the
        // conversion below is always defined.
        constexpr double max_count = 9007199254740992.0;
        bool header = first.size() >= 2 && detail::parse_number(first[0].text, a) == detail::NumberStatus::ok &&
                      detail::parse_number(first[1].text, b) == detail::NumberStatus::ok && a >= 1 && b >= 1 &&
                      a <= max_count && b <= max_count && a == std::floor(a) && b == std::floor(b);
        for (std::size_t k = 2; header && k < first.size(); ++k) {
            double v = 0;
            if (!first[k].text.empty() && detail::parse_number(first[k].text, v) == detail::NumberStatus::ok)
                header = false;
        }
        if (header) {
            declared_n = static_cast<Index>(a);
            declared_p = static_cast<Index>(b);
            std::map<std::string_view, std::size_t> seen;  // class name -> its code
            for (std::size_t k = 2; k < first.size(); ++k) {
                if (first[k].text.empty()) continue;
                if (const auto [at, fresh] = seen.emplace(first[k].text, class_names.size()); !fresh)
                    throw ParseError(label, lines[li].number, first[k].column,
                                     fmt::format("duplicate class name '{}' (classes {} and {}; expected unique names)",
                                                 detail::printable(first[k].text), at->second, class_names.size()));
                class_names.push_back(first[k].text);
            }
            ++li;
        }
    }
    std::vector<std::string> names;
    if (li < lines.size()) {
        const auto second = detail::split_delimited(lines[li].text, ',', label, lines[li].number);
        double v = 0;
        if (!second.empty() && detail::parse_number(second[0].text, v) != detail::NumberStatus::ok) {
            std::map<std::string_view, std::size_t> seen;  // column name -> its column
            for (std::size_t j = 0; j < second.size(); ++j) {
                if (const auto [at, fresh] = seen.emplace(second[j].text, j); !fresh && !second[j].text.empty())
                    throw ParseError(label, lines[li].number, second[j].column,
                                     fmt::format("duplicate column name '{}' (columns {} and {}; expected unique names)",
                                                 detail::printable(second[j].text), at->second + 1, j + 1));
                names.push_back(second[j].text);
            }
            ++li;
        }
    }
    std::vector<std::vector<double>> rows;
    std::vector<std::size_t> row_lines;
    std::map<double, std::string> target_text;  // each distinct target value -> its first spelling
    std::size_t width = 0;
    for (; li < lines.size(); ++li) {
        if (detail::trim(lines[li].text).empty()) continue;
        const auto fields = detail::split_delimited(lines[li].text, ',', label, lines[li].number);
        if (width == 0) width = fields.size();
        if (width < 2)
            throw ParseError(label, lines[li].number, 1, "row has fewer than 2 fields (expected features and a target)");
        if (fields.size() != width)
            throw ParseError(label, lines[li].number, 1,
                             fmt::format("row has {} field(s) (expected {})", fields.size(), width));
        std::vector<double> row(width);
        for (std::size_t j = 0; j < width; ++j)
            if (detail::parse_number(fields[j].text, row[j]) != detail::NumberStatus::ok)
                throw ParseError(label, lines[li].number, fields[j].column,
                                 fmt::format("'{}' is not a finite number (expected numeric cells)",
                                             detail::printable(fields[j].text)));
        target_text.emplace(row.back(), fields.back().text);
        rows.push_back(std::move(row));
        row_lines.push_back(lines[li].number);
    }
    if (rows.empty()) throw ParseError(label, lines.back().number, 1, "no data rows (expected at least one)");
    const auto n = static_cast<Index>(rows.size());
    const auto p = static_cast<Index>(width - 1);
    if (declared_n >= 0 && (declared_n != n || declared_p != p))
        throw ParseError(label, 1, 1,
                         fmt::format("the header declares {} samples x {} features but the file has {} x {}",
                                     declared_n, declared_p, n, p));
    Matrix X(n, p);
    Vector y(n);
    bool integers = true;
    for (Index i = 0; i < n; ++i) {
        const auto& row = rows[static_cast<std::size_t>(i)];
        for (Index j = 0; j < p; ++j) X(i, j) = row[static_cast<std::size_t>(j)];
        y[i] = row.back();
        integers = integers && y[i] == std::floor(y[i]) && y[i] >= 0;
    }
    std::vector<FeatureInfo> features;
    for (Index j = 0; j < p; ++j)
        features.push_back(FeatureInfo::numeric(static_cast<std::size_t>(j) < names.size() && !names[static_cast<std::size_t>(j)].empty()
                                                    ? names[static_cast<std::size_t>(j)]
                                                    : fmt::format("feature_{}", j)));
    const std::string target_name = names.size() == width && !names.back().empty() ? names.back() : "target";
    const std::string ds_name = name.empty() ? detail::dataset_stem(path) : name;
    TaskType task = TaskType::regression;
    if (!class_names.empty()) {
        task = TaskType::classification;
        for (Index i = 0; i < n; ++i)
            if (!(y[i] >= 0 && y[i] < static_cast<double>(class_names.size()) && y[i] == std::floor(y[i])))
                throw ParseError(label, row_lines[static_cast<std::size_t>(i)], 0,
                                 fmt::format("class code {} out of range (expected an integer in [0, {}))", y[i],
                                             class_names.size()));
    } else if (integers) {
        // The distinct values, in increasing order, are the classes: never one class per integer
        // up to the largest label (a label of 3000000000 would ask for that many), never a cast
        // of a label to an integer type (1e300 does not fit one).
        task = TaskType::classification;
        std::map<double, double> code;
        for (const auto& [value, spelling] : target_text) {
            code.emplace(value, static_cast<double>(class_names.size()));
            class_names.push_back(spelling);
        }
        for (Index i = 0; i < n; ++i) y[i] = code.at(y[i]);
    }
    return Dataset(ds_name, std::move(X), std::move(y), std::move(features), task, std::move(class_names), target_name);
}

}  // namespace metalearn::data
