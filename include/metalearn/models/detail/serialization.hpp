#pragma once
/// @file serialization.hpp
/// @brief Strict readers and plain writers for the JSON form of fitted models.
///
/// A saved model is a JSON object `{"kind": <Model::name>, "version": <int>, "params": {...},
/// ...fitted state...}`. Every reader here checks the JSON type, the range and (for arrays) the
/// length of what it reads, and names the place in its message as a JSON pointer:
/// - `ParseError` (file label `"<json>"`, line and column 0) when the structure is wrong: not an
///   object, a missing field, a value of the wrong JSON type, another kind, an unknown version;
/// - `DataError` when the structure is right but a value is unusable: a non-finite number, an
///   integer out of range, arrays of inconsistent lengths.
/// Messages read `"Class::from_json(): what (expected X, got Y) at /path"`.
/// Numbers are written with nlohmann/json's shortest round-trip formatting, so a double reads
/// back bit-identical.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace metalearn::models::detail {

/// A position in a JSON document being read: the reading function (`"Ridge::from_json()"`) and
/// a JSON pointer to the value (`"/params/alpha"`, empty for the root).
struct JsonAt {
    std::string_view where;
    std::string path;

    /// The member `key` of the value here.
    [[nodiscard]] JsonAt operator/(std::string_view key) const { return {where, path + "/" + std::string(key)}; }
    /// The element `i` of the array here.
    [[nodiscard]] JsonAt operator/(std::size_t i) const { return {where, path + "/" + std::to_string(i)}; }
    /// The pointer, "/" for the root.
    [[nodiscard]] std::string pointer() const { return path.empty() ? std::string("/") : path; }
};

/// A short, printable rendering of a JSON value for messages (ASCII only, at most ~40 characters).
[[nodiscard]] inline std::string json_preview(const nlohmann::json& j) {
    std::string s = j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return s;
}

/// Throw ParseError: the document does not have the expected structure at `at`.
[[noreturn]] inline void json_structure_error(const JsonAt& at, std::string_view what) {
    throw ParseError("<json>", 0, 0, fmt::format("{}: {} at {}", at.where, what, at.pointer()));
}

/// Throw DataError: the value at `at` is well-formed but unusable.
[[noreturn]] inline void json_value_error(const JsonAt& at, std::string_view what) {
    throw DataError(fmt::format("{}: {} at {}", at.where, what, at.pointer()));
}

/// The value itself, checked to be an object. @throws ParseError otherwise.
inline const nlohmann::json& json_object(const nlohmann::json& j, const JsonAt& at) {
    if (!j.is_object())
        json_structure_error(at, fmt::format("not an object (expected {{...}}, got {})", json_preview(j)));
    return j;
}

/// Member `key` of the object j. @throws ParseError when j is not an object or has no `key`.
inline const nlohmann::json& json_field(const nlohmann::json& j, const JsonAt& at, std::string_view key) {
    json_object(j, at);
    const auto it = j.find(key);
    if (it == j.end()) json_structure_error(at, fmt::format("missing field '{}'", key));
    return *it;
}

/// A finite number. @throws ParseError when j is not a number; DataError when it is not finite.
inline double json_double(const nlohmann::json& j, const JsonAt& at) {
    if (!j.is_number()) json_structure_error(at, fmt::format("not a number (expected a finite number, got {})", json_preview(j)));
    const double v = j.get<double>();
    if (!std::isfinite(v)) json_value_error(at, fmt::format("non-finite number (expected a finite number, got {})", v));
    return v;
}

/// An integer in [lo, hi]. @throws ParseError when j is not an integer; DataError when out of range.
inline Index json_index(const nlohmann::json& j, const JsonAt& at, Index lo = std::numeric_limits<Index>::min(),
                        Index hi = std::numeric_limits<Index>::max()) {
    if (!j.is_number_integer())
        json_structure_error(at, fmt::format("not an integer (expected an integer in [{}, {}], got {})", lo, hi,
                                             json_preview(j)));
    const bool too_big = j.is_number_unsigned() &&
                         j.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<Index>::max());
    const Index v = too_big ? std::numeric_limits<Index>::max() : j.get<Index>();
    if (too_big || v < lo || v > hi)
        json_value_error(at, fmt::format("integer out of range (expected [{}, {}], got {})", lo, hi, json_preview(j)));
    return v;
}

/// A non-negative integer below 2⁶⁴ (seeds). @throws ParseError otherwise.
inline std::uint64_t json_uint64(const nlohmann::json& j, const JsonAt& at) {
    if (!j.is_number_integer() || (!j.is_number_unsigned() && j.get<std::int64_t>() < 0))
        json_structure_error(at, fmt::format("not an unsigned integer (expected an integer >= 0, got {})", json_preview(j)));
    return j.get<std::uint64_t>();
}

/// A boolean. @throws ParseError otherwise.
inline bool json_bool(const nlohmann::json& j, const JsonAt& at) {
    if (!j.is_boolean()) json_structure_error(at, fmt::format("not a boolean (expected true or false, got {})", json_preview(j)));
    return j.get<bool>();
}

/// A string. @throws ParseError otherwise.
inline const std::string& json_string(const nlohmann::json& j, const JsonAt& at) {
    if (!j.is_string()) json_structure_error(at, fmt::format("not a string (expected a string, got {})", json_preview(j)));
    return j.get_ref<const std::string&>();
}

/// An array, of exactly `size` elements unless `size` < 0.
/// @throws ParseError when j is not an array; DataError on another length.
inline const nlohmann::json& json_array(const nlohmann::json& j, const JsonAt& at, Index size = -1) {
    if (!j.is_array()) json_structure_error(at, fmt::format("not an array (expected [...], got {})", json_preview(j)));
    if (size >= 0 && static_cast<Index>(j.size()) != size)
        json_value_error(at, fmt::format("array of the wrong length (expected {} elements, got {})", size, j.size()));
    return j;
}

/// An array of finite numbers as a Vector (exactly `size` entries unless `size` < 0).
/// @throws ParseError / DataError as `json_array` and `json_double`.
[[nodiscard]] inline Vector json_vector(const nlohmann::json& j, const JsonAt& at, Index size = -1) {
    json_array(j, at, size);
    Vector v(static_cast<Index>(j.size()));
    for (std::size_t i = 0; i < j.size(); ++i) v[static_cast<Index>(i)] = json_double(j[i], at / i);
    return v;
}

/// The JSON array of a vector's entries.
[[nodiscard]] inline nlohmann::json vector_json(const VectorRef& v) {
    return std::vector<double>(v.data(), v.data() + v.size());
}

/// The JSON form of a matrix: `{"rows": r, "cols": c, "data": [column-major values]}`.
[[nodiscard]] inline nlohmann::json matrix_json(const MatrixRef& m) {
    const Matrix copy = m;  // a Ref may be strided; the copy is contiguous column-major
    return {{"rows", copy.rows()}, {"cols", copy.cols()}, {"data", std::vector<double>(copy.data(), copy.data() + copy.size())}};
}

/// A matrix written by `matrix_json` with finite values; `rows` / `cols` are required values
/// unless < 0. @throws ParseError on a wrong structure; DataError on wrong shapes or values.
[[nodiscard]] inline Matrix json_matrix(const nlohmann::json& j, const JsonAt& at, Index rows = -1, Index cols = -1) {
    const Index r = json_index(json_field(j, at, "rows"), at / "rows", 0);
    const Index c = json_index(json_field(j, at, "cols"), at / "cols", 0);
    if (rows >= 0 && r != rows) json_value_error(at / "rows", fmt::format("wrong row count (expected {}, got {})", rows, r));
    if (cols >= 0 && c != cols) json_value_error(at / "cols", fmt::format("wrong column count (expected {}, got {})", cols, c));
    const auto& data = json_array(json_field(j, at, "data"), at / "data");
    const auto len = static_cast<Index>(data.size());
    // r·c compared without overflow: r·c == len ⇔ (c == 0 ? len == 0 : r == len / c exactly)
    const bool fits = c == 0 ? len == 0 : (len % c == 0 && r == len / c);
    if (!fits) json_value_error(at / "data", fmt::format("wrong number of values (expected {}x{}, got {})", r, c, len));
    Matrix m(r, c);
    for (Index k = 0; k < len; ++k) m.data()[k] = json_double(data[static_cast<std::size_t>(k)], at / "data" / static_cast<std::size_t>(k));
    return m;
}

/// Check the header of a saved model: a JSON object with `"kind" == kind` and an integer
/// `"version"` in [1, max_version]. @return the version. @throws ParseError otherwise.
inline int json_check_header(const nlohmann::json& j, const JsonAt& at, std::string_view kind, int max_version) {
    const std::string& k = json_string(json_field(j, at, "kind"), at / "kind");
    if (k != kind)
        json_structure_error(at / "kind", fmt::format("wrong kind of model (expected \"{}\", got {})", kind,
                                                      json_preview(nlohmann::json(k))));
    const auto& v = json_field(j, at, "version");
    if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > max_version)
        json_structure_error(at / "version", fmt::format("unsupported version (expected an integer in [1, {}], got {})",
                                                         max_version, json_preview(v)));
    return static_cast<int>(v.get<std::int64_t>());
}

}  // namespace metalearn::models::detail
