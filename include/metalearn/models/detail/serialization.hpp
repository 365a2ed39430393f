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

#include "metalearn/core/config.hpp"
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
[[nodiscard]] METALEARN_INLINE std::string json_preview(const nlohmann::json& j);

/// Throw ParseError: the document does not have the expected structure at `at`.
[[noreturn]] inline void json_structure_error(const JsonAt& at, std::string_view what) {
    throw ParseError("<json>", 0, 0, fmt::format("{}: {} at {}", at.where, what, at.pointer()));
}

/// Throw DataError: the value at `at` is well-formed but unusable.
[[noreturn]] inline void json_value_error(const JsonAt& at, std::string_view what) {
    throw DataError(fmt::format("{}: {} at {}", at.where, what, at.pointer()));
}

/// The value itself, checked to be an object. @throws ParseError otherwise.
METALEARN_INLINE const nlohmann::json& json_object(const nlohmann::json& j, const JsonAt& at);

/// Member `key` of the object j. @throws ParseError when j is not an object or has no `key`.
METALEARN_INLINE const nlohmann::json& json_field(const nlohmann::json& j, const JsonAt& at, std::string_view key);

/// A finite number. @throws ParseError when j is not a number; DataError when it is not finite.
METALEARN_INLINE double json_double(const nlohmann::json& j, const JsonAt& at);

/// An integer in [lo, hi]. @throws ParseError when j is not an integer; DataError when out of range.
METALEARN_INLINE Index json_index(const nlohmann::json& j, const JsonAt& at, Index lo = std::numeric_limits<Index>::min(),
                        Index hi = std::numeric_limits<Index>::max());

/// A non-negative integer below 2⁶⁴ (seeds). @throws ParseError otherwise.
METALEARN_INLINE std::uint64_t json_uint64(const nlohmann::json& j, const JsonAt& at);

/// A boolean. @throws ParseError otherwise.
METALEARN_INLINE bool json_bool(const nlohmann::json& j, const JsonAt& at);

/// A string. @throws ParseError otherwise.
METALEARN_INLINE const std::string& json_string(const nlohmann::json& j, const JsonAt& at);

/// An array, of exactly `size` elements unless `size` < 0.
/// @throws ParseError when j is not an array; DataError on another length.
METALEARN_INLINE const nlohmann::json& json_array(const nlohmann::json& j, const JsonAt& at, Index size = -1);

/// An array of finite numbers as a Vector (exactly `size` entries unless `size` < 0).
/// @throws ParseError / DataError as `json_array` and `json_double`.
[[nodiscard]] METALEARN_INLINE Vector json_vector(const nlohmann::json& j, const JsonAt& at, Index size = -1);

/// The JSON array of a vector's entries.
[[nodiscard]] METALEARN_INLINE nlohmann::json vector_json(const VectorRef& v);

/// The JSON form of a matrix: `{"rows": r, "cols": c, "data": [column-major values]}`.
[[nodiscard]] METALEARN_INLINE nlohmann::json matrix_json(const MatrixRef& m);

/// A matrix written by `matrix_json` with finite values; `rows` / `cols` are required values
/// unless < 0. @throws ParseError on a wrong structure; DataError on wrong shapes or values.
[[nodiscard]] METALEARN_INLINE Matrix json_matrix(const nlohmann::json& j, const JsonAt& at, Index rows = -1, Index cols = -1);

/// Check the header of a saved model: a JSON object with `"kind" == kind` and an integer
/// `"version"` in [1, max_version]. @return the version. @throws ParseError otherwise.
METALEARN_INLINE int json_check_header(const nlohmann::json& j, const JsonAt& at, std::string_view kind, int max_version);

}  // namespace metalearn::models::detail

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/models/detail/serialization_impl.hpp"
#endif
