#pragma once
/// @file error.hpp
/// @brief The exception hierarchy: every error metalearn throws derives from `metalearn::Error`.
///
/// Messages follow `"Class::method(): what (expected X, got Y)"`. Parse errors also carry the
/// file, line and column (1-based; 0 when not applicable).

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace metalearn {

/// Root of all exceptions thrown by metalearn.
class Error : public std::runtime_error {
public:
    /// @param message the full, human-readable message.
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// Malformed input text: a file or string that does not follow its format.
///
/// `what()` reads `"<file>:<line>:<column>: <message>"`, `"<file>:<line>: <message>"` when the
/// column is unknown (0) and `"<file>: <message>"` when the line is unknown too (a binary file, a
/// whole-file check); the parts are also available separately.
class ParseError : public Error {
public:
    /// @param file   the file name (or a label such as `"<string>"`).
    /// @param line   1-based line number, 0 if unknown.
    /// @param column 1-based column number, 0 if unknown.
    /// @param message what was wrong and what was expected.
    ParseError(std::string file, std::size_t line, std::size_t column, const std::string& message)
        : Error(line == 0     ? fmt::format("{}: {}", file, message)
                : column == 0 ? fmt::format("{}:{}: {}", file, line, message)
                              : fmt::format("{}:{}:{}: {}", file, line, column, message)),
          file_(std::move(file)),
          line_(line),
          column_(column),
          message_(message) {}

    /// The file (or label) being parsed.
    [[nodiscard]] const std::string& file() const noexcept { return file_; }
    /// 1-based line, 0 if unknown.
    [[nodiscard]] std::size_t line() const noexcept { return line_; }
    /// 1-based column, 0 if unknown.
    [[nodiscard]] std::size_t column() const noexcept { return column_; }
    /// The message without the location prefix.
    [[nodiscard]] const std::string& message() const noexcept { return message_; }

private:
    std::string file_;
    std::size_t line_;
    std::size_t column_;
    std::string message_;
};

/// 1-based line and column (in bytes) of a position in a text.
struct TextPosition {
    std::size_t line = 1;    ///< 1-based line
    std::size_t column = 1;  ///< 1-based column, in bytes
};

/// The line and column of byte `offset` (0-based; clamped to the text's size, so the end of the
/// text is the position after its last character) in `text`, lines ending at '\n'.
/// Complexity O(offset).
[[nodiscard]] inline TextPosition text_position(std::string_view text, std::size_t offset) noexcept {
    offset = std::min(offset, text.size());
    TextPosition pos;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset; ++i)
        if (text[i] == '\n') {
            ++pos.line;
            line_start = i + 1;
        }
    pos.column = offset - line_start + 1;
    return pos;
}

/// A `ParseError` at byte `offset` (0-based) of `text`, its line and column computed from the
/// text (`text_position`): what a JSON parser's byte offset should be reported as.
/// @param file    the file name (or a label).
/// @param text    the whole text that was parsed.
/// @param offset  0-based byte offset of the offending character (the text's size: its end).
/// @param message what was wrong and what was expected.
[[nodiscard]] inline ParseError parse_error_at(std::string file, std::string_view text, std::size_t offset,
                                               const std::string& message) {
    const TextPosition pos = text_position(text, offset);
    return ParseError(std::move(file), pos.line, pos.column, message);
}

/// Where in `text` a JSON parser's complaint about a token points: the offset of the first
/// occurrence of the token quoted in `message` (nlohmann::json's "number overflow parsing
/// '1e999'" names the token but not its place), or 0 when the message quotes none or the text
/// does not hold it.
[[nodiscard]] inline std::size_t quoted_token_offset(std::string_view text, std::string_view message) {
    const std::size_t open = message.find('\'');
    if (open == std::string_view::npos) return 0;
    const std::size_t close = message.find('\'', open + 1);
    if (close == std::string_view::npos || close == open + 1) return 0;
    const std::size_t at = text.find(message.substr(open + 1, close - open - 1));
    return at == std::string_view::npos ? 0 : at;
}

/// Text safe to quote in an error message: at most `max_chars` bytes of `s` (then "..."), with
/// every byte that is not printable ASCII written as `\xNN` (so binary input is never echoed raw).
[[nodiscard]] inline std::string printable(std::string_view s, std::size_t max_chars = 40) {
    std::string out;
    const std::size_t n = std::min(s.size(), max_chars);
    for (std::size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
        else out += fmt::format("\\x{:02x}", static_cast<unsigned>(c));
    }
    if (s.size() > max_chars) out += "...";
    return out;
}

/// Data that is well-formed but unusable: wrong shapes, NaN/Inf where not allowed, empty or
/// single-class data, a class with fewer members than folds, ...
class DataError : public Error {
public:
    using Error::Error;
};

/// Invalid configuration: an unknown hyperparameter name, a wrong type, a value out of range.
class ConfigError : public Error {
public:
    using Error::Error;
};

/// A model was used for prediction before `fit`.
class NotFitted : public Error {
public:
    using Error::Error;
};

/// A numerical procedure failed (a decomposition that is not positive definite, divergence).
class NumericalError : public Error {
public:
    using Error::Error;
};

/// A computation abandoned before its end because a deadline passed or a stop callback asked for
/// it (e.g. a tree fit given `set_stop`, a meta-feature over its time limit). Nothing is wrong with
/// the input; the same call with more time would succeed.
class Interrupted : public Error {
public:
    using Error::Error;
};

/// An I/O failure: a file that cannot be opened, read or written.
class IoError : public Error {
public:
    using Error::Error;
};

}  // namespace metalearn
