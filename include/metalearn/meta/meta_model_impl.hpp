#pragma once
/// @file meta_model_impl.hpp
/// @brief Bodies of meta_model.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/meta/meta_model.hpp"

namespace metalearn::meta {

METALEARN_INLINE nlohmann::json read_json_file(const std::filesystem::path& path, std::string_view who) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw IoError(fmt::format("{}: cannot read '{}'", who, path.string()));
    const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (f.bad()) throw IoError(fmt::format("{}: error while reading '{}'", who, path.string()));
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw parse_error_at(path.string(), text, e.byte > 0 ? e.byte - 1 : 0,
                             fmt::format("{}: invalid JSON ({})", who, printable(e.what(), 400)));
    } catch (const nlohmann::json::exception& e) {  // well-formed, but a number beyond a double's range
        throw parse_error_at(path.string(), text, quoted_token_offset(text, e.what()),
                             fmt::format("{}: unreadable JSON ({})", who, printable(e.what(), 400)));
    }
}

}  // namespace metalearn::meta

namespace metalearn::meta::detail {

METALEARN_INLINE void check_fit_input(const char* where, const MatrixRef& Z, const VectorRef& s) {
    if (Z.rows() == 0 || Z.cols() == 0)
        throw DataError(fmt::format("{}: empty input (expected n >= 1 rows and d >= 1 columns, got {}x{})", where,
                                    Z.rows(), Z.cols()));
    if (s.size() != Z.rows())
        throw DataError(fmt::format("{}: {} scores for {} rows (expected equal)", where, s.size(), Z.rows()));
    if (!Z.allFinite()) throw DataError(fmt::format("{}: Z contains NaN or Inf (expected finite values)", where));
    if (!s.allFinite()) throw DataError(fmt::format("{}: scores contain NaN or Inf (expected finite values)", where));
}

METALEARN_INLINE void check_predict_input(const char* where, bool fitted, const MatrixRef& Z, Index d) {
    if (!fitted) throw NotFitted(fmt::format("{}: call fit() first", where));
    if (Z.cols() != d) throw DataError(fmt::format("{}: Z has {} columns (expected {})", where, Z.cols(), d));
    if (!Z.allFinite()) throw DataError(fmt::format("{}: Z contains NaN or Inf (expected finite values)", where));
}

METALEARN_INLINE nlohmann::json vector_to_json(const Vector& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

METALEARN_INLINE Vector vector_from_json(const nlohmann::json& j) {
    const auto values = j.get<std::vector<double>>();
    return Eigen::Map<const Vector>(values.data(), static_cast<Index>(values.size()));
}

METALEARN_INLINE nlohmann::json matrix_to_json(const Matrix& m) {
    return {{"rows", m.rows()}, {"cols", m.cols()},
            {"data", std::vector<double>(m.data(), m.data() + m.size())}};  // column-major
}

METALEARN_INLINE Matrix matrix_from_json(const nlohmann::json& j) {
    const auto rows = j.at("rows").get<Index>();
    const auto cols = j.at("cols").get<Index>();
    const auto values = j.at("data").get<std::vector<double>>();
    if (static_cast<Index>(values.size()) != rows * cols)
        throw ConfigError(fmt::format("matrix_from_json(): {} values for a {}x{} matrix", values.size(), rows, cols));
    return Eigen::Map<const Matrix>(values.data(), rows, cols);
}

METALEARN_INLINE Standardizer read_standardizer(const nlohmann::json& j, const models::detail::JsonAt& at, Index d) {
    namespace md = models::detail;
    Standardizer st;
    st.mean = md::json_vector(md::json_field(j, at, "mean"), at / "mean", d).transpose();
    st.scale = md::json_vector(md::json_field(j, at, "scale"), at / "scale", d).transpose();
    for (Index k = 0; k < d; ++k)
        if (!(st.scale[k] > 0.0))
            md::json_value_error(at / "scale" / static_cast<std::size_t>(k),
                                 fmt::format("scale out of range (expected > 0, got {})", st.scale[k]));
    return st;
}

METALEARN_INLINE int read_meta_model_header(const nlohmann::json& j, const models::detail::JsonAt& at, std::string_view type) {
    namespace md = models::detail;
    const std::string& t = md::json_string(md::json_field(j, at, "type"), at / "type");
    if (t != type)
        md::json_structure_error(at / "type", fmt::format("wrong type of meta-model (expected \"{}\", got {})", type,
                                                          md::json_preview(nlohmann::json(t))));
    if (!j.contains("format_version")) return 1;
    const auto& v = j.at("format_version");
    if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > kWrappedMetaModelFormat)
        md::json_structure_error(at / "format_version",
                                 fmt::format("unsupported format version (expected an integer in [1, {}], got {})",
                                             kWrappedMetaModelFormat, md::json_preview(v)));
    return static_cast<int>(v.get<std::int64_t>());
}

}  // namespace metalearn::meta::detail

namespace metalearn::meta::detail {

METALEARN_INLINE void Standardizer::fit(const MatrixRef& X) {
    mean = X.colwise().mean();
    scale = ((X.rowwise() - mean).array().square().colwise().sum() / static_cast<double>(X.rows())).sqrt();
    for (Index j = 0; j < scale.size(); ++j)  // constant relative to the column's magnitude (any units)
        if (is_constant_range(X.col(j).minCoeff(), X.col(j).maxCoeff()) || !(scale[j] > 0)) scale[j] = 1.0;
}

METALEARN_INLINE Matrix Standardizer::transform(const MatrixRef& X) const {
    return (X.rowwise() - mean).array().rowwise() / scale.array();
}

METALEARN_INLINE nlohmann::json Standardizer::to_json() const {
    return {{"mean", vector_to_json(mean.transpose())}, {"scale", vector_to_json(scale.transpose())}};
}

METALEARN_INLINE Standardizer Standardizer::from_json(const nlohmann::json& j) {
    Standardizer s;
    s.mean = vector_from_json(j.at("mean")).transpose();
    s.scale = vector_from_json(j.at("scale")).transpose();
    return s;
}

}  // namespace metalearn::meta::detail

namespace metalearn::meta::detail {

METALEARN_INLINE void TargetScaler::fit(const VectorRef& s) {
    mean = s.mean();
    scale = std::sqrt((s.array() - mean).square().mean());
    if (!(scale > 1e-12)) scale = 1.0;
}

}  // namespace metalearn::meta::detail
