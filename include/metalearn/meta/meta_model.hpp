#pragma once
/// @file meta_model.hpp
/// @brief The `MetaModel` concept — a regressor on plain matrices that maps
/// `[task meta-features ‖ encoded configuration]` to a (normalised) score — plus the helpers every
/// meta-model shares: input checks, standardisation and JSON save/load.
///
/// A meta-model is a copyable, default-constructible value type with
/// - `fit(Z, s)`: Z n×d (rows = (task, config) pairs), s n finite scores; standardises its inputs
///   internally (features to zero mean / unit variance, constant columns left unscaled);
///   throws `DataError` on empty, non-finite or mismatched input;
/// - `predict(Z) -> Vector`: m×d → m predicted scores; throws `NotFitted` before `fit` and
///   `DataError` when d differs from training;
/// - `to_json()` / `static from_json(j)`: the whole fitted state, so a meta-model ships without
///   the records (`save_meta_model` / `load_meta_model` wrap them with a file);
/// - optionally `predict_std(Z) -> Vector`: m predictive standard deviations (≥ 0), detected at
///   compile time by `MetaModelWithStd`; search strategies use it to diversify;
/// - optionally `fit(Z, s, groups, n_groups)`: the same fit told which task each row belongs to
///   (the rows of a task share its meta-features), detected by `MetaModelWithGroups`;
///   `HyperparameterPredictor` calls it so that a meta-model can exploit that structure for speed.
///
/// Minimal conforming meta-model (predicts the training mean, std = training spread):
/// @code
/// struct MeanMetaModel {
///     double mean = 0, sd = 0; bool fitted = false;
///     void fit(const metalearn::MatrixRef&, const metalearn::VectorRef& s) {
///         mean = s.mean(); sd = std::sqrt((s.array() - mean).square().mean()); fitted = true; }
///     metalearn::Vector predict(const metalearn::MatrixRef& Z) const {
///         return metalearn::Vector::Constant(Z.rows(), mean); }
///     metalearn::Vector predict_std(const metalearn::MatrixRef& Z) const {
///         return metalearn::Vector::Constant(Z.rows(), sd); }
///     nlohmann::json to_json() const { return {{"mean", mean}, {"sd", sd}}; }
///     static MeanMetaModel from_json(const nlohmann::json& j) {
///         return {j.at("mean").get<double>(), j.at("sd").get<double>(), true}; }
/// };
/// static_assert(metalearn::meta::MetaModelWithStd<MeanMetaModel>);
/// @endcode

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/numeric.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/models/detail/serialization.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace metalearn::meta {

/// A regressor `[meta-features ‖ encoded config] → score`; see the file documentation.
template <class M>
concept MetaModel = std::copyable<M> && std::default_initializable<M> &&
                    requires(M m, const M cm, const MatrixRef& Z, const VectorRef& s, const nlohmann::json& j) {
                        m.fit(Z, s);
                        { cm.predict(Z) } -> std::convertible_to<Vector>;
                        { cm.to_json() } -> std::convertible_to<nlohmann::json>;
                        { M::from_json(j) } -> std::convertible_to<M>;
                    };

/// A `MetaModel` that can use the task structure of its training rows: `fit(Z, s, groups,
/// n_groups)` with `groups[i]` ∈ [0, n_groups) the task of row i (the rows of one task share its
/// meta-features). `HyperparameterPredictor` calls it when available; it must fit the same model
/// as `fit(Z, s)` (up to floating-point rounding), only faster.
template <class M>
concept MetaModelWithGroups = MetaModel<M> && requires(M m, const MatrixRef& Z, const VectorRef& s,
                                                       const std::vector<Index>& groups, Index n_groups) {
    m.fit(Z, s, groups, n_groups);
};

/// A `MetaModel` that also reports a predictive standard deviation per row.
template <class M>
concept MetaModelWithStd = MetaModel<M> && requires(const M cm, const MatrixRef& Z) {
    { cm.predict_std(Z) } -> std::convertible_to<Vector>;
};

/// Read a JSON document from a file (a plan file, a saved meta-model, ...).
/// @param path the file.
/// @param who  prefix of error messages (e.g. "MetaLearner::set_plan_from_file()").
/// @throws IoError when the file cannot be opened or read; ParseError (file, line and column of
///         the offending character) when it is not JSON.
[[nodiscard]] METALEARN_INLINE nlohmann::json read_json_file(const std::filesystem::path& path, std::string_view who);

/// Write a fitted meta-model to a JSON file. @throws IoError when the file cannot be written.
template <MetaModel M>
void save_meta_model(const M& model, const std::filesystem::path& path) {
    std::ofstream f(path);
    if (!f) throw IoError(fmt::format("save_meta_model(): cannot write '{}'", path.string()));
    f << model.to_json().dump() << '\n';
    if (!f) throw IoError(fmt::format("save_meta_model(): write to '{}' failed", path.string()));
}

/// Read a meta-model written by `save_meta_model`.
/// @throws IoError when the file cannot be read; ParseError (file, line, column) when it is not
///         JSON; ConfigError when `M::from_json` reports a JSON error; a `ParseError` of
///         `M::from_json` is rethrown with the file's path as its file; other errors of
///         `M::from_json` (e.g. `DataError`) pass through.
template <MetaModel M>
[[nodiscard]] M load_meta_model(const std::filesystem::path& path) {
    try {
        return M::from_json(read_json_file(path, "load_meta_model()"));
    } catch (const nlohmann::json::exception& e) {
        throw ConfigError(fmt::format("load_meta_model(): '{}' is not a valid meta-model ({})", path.string(), e.what()));
    } catch (const ParseError& e) {
        throw ParseError(path.string(), e.line(), e.column(), e.message());
    }
}

namespace detail {

/// Check `fit` inputs: n ≥ 1 rows, d ≥ 1 columns, s of length n, all finite.
METALEARN_INLINE void check_fit_input(const char* where, const MatrixRef& Z, const VectorRef& s);

/// Check `predict` inputs against the training width.
METALEARN_INLINE void check_predict_input(const char* where, bool fitted, const MatrixRef& Z, Index d);

METALEARN_INLINE nlohmann::json vector_to_json(const Vector& v);

METALEARN_INLINE Vector vector_from_json(const nlohmann::json& j);

METALEARN_INLINE nlohmann::json matrix_to_json(const Matrix& m);

METALEARN_INLINE Matrix matrix_from_json(const nlohmann::json& j);

/// Column standardisation z = (x − mean) / sd, with sd = 1 for constant columns (`is_constant_range`).
struct Standardizer {
    RowVector mean;
    RowVector scale;

    void fit(const MatrixRef& X);
    [[nodiscard]] Matrix transform(const MatrixRef& X) const;
    [[nodiscard]] nlohmann::json to_json() const;
    static Standardizer from_json(const nlohmann::json& j);
};

/// A `Standardizer` saved by `Standardizer::to_json`, checked: `mean` and `scale` arrays of d
/// finite values, every scale > 0.
/// @throws ParseError on a wrong structure; DataError on wrong lengths or values (messages name
///         the JSON pointer `at`).
[[nodiscard]] METALEARN_INLINE Standardizer read_standardizer(const nlohmann::json& j, const models::detail::JsonAt& at, Index d);

/// Format version of the meta-models that wrap a base model (`RidgeMetaModel`, `KnnMetaModel`,
/// `MlpMetaModel`, `RandomForestMetaModel`): 2 = `{"type", "format_version": 2, "params",
/// "x_scaler", "model": <the base model's to_json()>, ...}`; 1 = the earlier layout without
/// `format_version` (still read).
inline constexpr int kWrappedMetaModelFormat = 2;

/// Check `"type" == type` and return `"format_version"` (1 when absent, the earlier layout).
/// @throws ParseError when j is not an object, has another type or an unknown version.
METALEARN_INLINE int read_meta_model_header(const nlohmann::json& j, const models::detail::JsonAt& at, std::string_view type);

/// The base model stored at `at` (a `to_json()` document of `Base`), read with
/// `Base::from_json`; its errors are rethrown as the same type with `at.where` and the pointer
/// of the base document prefixed, e.g. "RidgeMetaModel::from_json(): in /model: Ridge::from_json(): ...".
template <class Base>
[[nodiscard]] Base read_base_model(const nlohmann::json& j, const models::detail::JsonAt& at) {
    try {
        return Base::from_json(j);
    } catch (const ParseError& e) {
        throw ParseError(e.file(), e.line(), e.column(), fmt::format("{}: in {}: {}", at.where, at.pointer(), e.message()));
    } catch (const DataError& e) {
        throw DataError(fmt::format("{}: in {}: {}", at.where, at.pointer(), e.what()));
    }
}

/// Target standardisation t = (s − mean) / sd (sd = 1 for a constant target).
struct TargetScaler {
    double mean = 0.0;
    double scale = 1.0;
    void fit(const VectorRef& s);
    [[nodiscard]] Vector transform(const VectorRef& s) const { return (s.array() - mean) / scale; }
    [[nodiscard]] Vector inverse(const VectorRef& t) const { return t.array() * scale + mean; }
};

}  // namespace detail
}  // namespace metalearn::meta

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/meta/meta_model_impl.hpp"
#endif
