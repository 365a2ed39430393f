#pragma once
/// @file serialization_impl.hpp
/// @brief Bodies of serialization.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/models/detail/serialization.hpp"

namespace metalearn::models::detail {

METALEARN_INLINE std::string json_preview(const nlohmann::json& j) {
    std::string s = j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return s;
}

METALEARN_INLINE const nlohmann::json& json_object(const nlohmann::json& j, const JsonAt& at) {
    if (!j.is_object())
        json_structure_error(at, fmt::format("not an object (expected {{...}}, got {})", json_preview(j)));
    return j;
}

METALEARN_INLINE const nlohmann::json& json_field(const nlohmann::json& j, const JsonAt& at, std::string_view key) {
    json_object(j, at);
    const auto it = j.find(key);
    if (it == j.end()) json_structure_error(at, fmt::format("missing field '{}'", key));
    return *it;
}

METALEARN_INLINE double json_double(const nlohmann::json& j, const JsonAt& at) {
    if (!j.is_number()) json_structure_error(at, fmt::format("not a number (expected a finite number, got {})", json_preview(j)));
    const double v = j.get<double>();
    if (!std::isfinite(v)) json_value_error(at, fmt::format("non-finite number (expected a finite number, got {})", v));
    return v;
}

METALEARN_INLINE Index json_index(const nlohmann::json& j, const JsonAt& at, Index lo,
                        Index hi) {
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

METALEARN_INLINE std::uint64_t json_uint64(const nlohmann::json& j, const JsonAt& at) {
    if (!j.is_number_integer() || (!j.is_number_unsigned() && j.get<std::int64_t>() < 0))
        json_structure_error(at, fmt::format("not an unsigned integer (expected an integer >= 0, got {})", json_preview(j)));
    return j.get<std::uint64_t>();
}

METALEARN_INLINE bool json_bool(const nlohmann::json& j, const JsonAt& at) {
    if (!j.is_boolean()) json_structure_error(at, fmt::format("not a boolean (expected true or false, got {})", json_preview(j)));
    return j.get<bool>();
}

METALEARN_INLINE const std::string& json_string(const nlohmann::json& j, const JsonAt& at) {
    if (!j.is_string()) json_structure_error(at, fmt::format("not a string (expected a string, got {})", json_preview(j)));
    return j.get_ref<const std::string&>();
}

METALEARN_INLINE const nlohmann::json& json_array(const nlohmann::json& j, const JsonAt& at, Index size) {
    if (!j.is_array()) json_structure_error(at, fmt::format("not an array (expected [...], got {})", json_preview(j)));
    if (size >= 0 && static_cast<Index>(j.size()) != size)
        json_value_error(at, fmt::format("array of the wrong length (expected {} elements, got {})", size, j.size()));
    return j;
}

METALEARN_INLINE Vector json_vector(const nlohmann::json& j, const JsonAt& at, Index size) {
    json_array(j, at, size);
    Vector v(static_cast<Index>(j.size()));
    for (std::size_t i = 0; i < j.size(); ++i) v[static_cast<Index>(i)] = json_double(j[i], at / i);
    return v;
}

METALEARN_INLINE nlohmann::json vector_json(const VectorRef& v) {
    return std::vector<double>(v.data(), v.data() + v.size());
}

METALEARN_INLINE nlohmann::json matrix_json(const MatrixRef& m) {
    const Matrix copy = m;  // a Ref may be strided; the copy is contiguous column-major
    return {{"rows", copy.rows()}, {"cols", copy.cols()}, {"data", std::vector<double>(copy.data(), copy.data() + copy.size())}};
}

METALEARN_INLINE Matrix json_matrix(const nlohmann::json& j, const JsonAt& at, Index rows, Index cols) {
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

METALEARN_INLINE int json_check_header(const nlohmann::json& j, const JsonAt& at, std::string_view kind, int max_version) {
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
