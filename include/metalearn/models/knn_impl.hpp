#pragma once
/// @file knn_impl.hpp
/// @brief Bodies of `KNeighborsClassifier` and `KNeighborsRegressor` (see knn.hpp). Included by that header in
/// header-only mode; compiled into the library in compiled mode (core/config.hpp).

#include "metalearn/models/knn.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/detail/neighbors.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/detail/validation.hpp"
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

namespace metalearn::models {
namespace detail {

METALEARN_INLINE void validate_knn(std::string_view where, const KnnParams& p) {
    if (p.n_neighbors < 1)
        throw ConfigError(fmt::format("{}: n_neighbors out of range (expected >= 1, got {})", where, p.n_neighbors));
    if (p.p != 1 && p.p != 2) throw ConfigError(fmt::format("{}: p out of range (expected 1 or 2, got {})", where, p.p));
    if (p.weights != KnnWeights::uniform && p.weights != KnnWeights::distance)
        throw ConfigError(fmt::format("{}: unknown weights (expected uniform or distance, got value {})", where,
                                      static_cast<int>(p.weights)));
    if (p.algorithm != KnnAlgorithm::automatic && p.algorithm != KnnAlgorithm::brute &&
        p.algorithm != KnnAlgorithm::kd_tree)
        throw ConfigError(fmt::format("{}: unknown algorithm (expected automatic, brute or kd_tree, got value {})", where,
                                      static_cast<int>(p.algorithm)));
}

METALEARN_INLINE bool knn_uses_tree(const KnnParams& p, Index n, Index d) noexcept {
    return p.algorithm == KnnAlgorithm::kd_tree ||
           (p.algorithm == KnnAlgorithm::automatic && kd_tree_pays(n, d, p.n_neighbors));
}

METALEARN_INLINE const char* knn_algorithm_name(KnnAlgorithm a) noexcept {
    return a == KnnAlgorithm::brute ? "brute" : a == KnnAlgorithm::kd_tree ? "kd_tree" : "auto";
}

}  // namespace detail
}  // namespace metalearn::models

namespace metalearn::models {

METALEARN_INLINE void KNeighborsClassifier::set_params(const params_type& p) {
    detail::validate_knn("KNeighborsClassifier::set_params()", p);
    params_ = p;
    fitted_ = false;
}

METALEARN_INLINE void KNeighborsClassifier::fit(const MatrixRef& X, const VectorRef& y, Index n_classes) {
    constexpr std::string_view where = "KNeighborsClassifier::fit()";
    detail::check_xy(where, X, y);
    if (X.rows() < params_.n_neighbors)
        throw DataError(fmt::format("{}: fewer samples than neighbours (expected n >= n_neighbors = {}, got {}); "
                                    "n_neighbors is not clipped to the training rows (scikit-learn raises "
                                    "too): use a smaller n_neighbors for small tasks",
                                    where, params_.n_neighbors, X.rows()));
    codes_ = detail::class_codes(where, y, n_classes, k_);
    index_.fit(X, detail::knn_uses_tree(params_, X.rows(), X.cols()));
    fitted_ = true;
}

METALEARN_INLINE Matrix KNeighborsClassifier::predict_proba(const MatrixRef& X) const {
    return proba(X, "KNeighborsClassifier::predict_proba()");
}

METALEARN_INLINE Vector KNeighborsClassifier::predict(const MatrixRef& X) const {
    return detail::argmax_rows(proba(X, "KNeighborsClassifier::predict()"));
}

METALEARN_INLINE void KNeighborsClassifier::kneighbors(const MatrixRef& X, Matrix& dist,
                                                       Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic>& idx
                                                       ) const {
    constexpr std::string_view where = "KNeighborsClassifier::kneighbors()";
    detail::require_fitted(where, fitted_);
    detail::check_predict_x(where, X, index_.data().cols());
    index_.search(X, params_.n_neighbors, params_.p, dist, idx);
}

METALEARN_INLINE hpo::SearchSpace<KNeighborsClassifier::params_type> KNeighborsClassifier::search_space() {
    return hpo::SearchSpace<params_type>()
        .add("n_neighbors", &params_type::n_neighbors, hpo::int_log_uniform(1, 50))
        .add("weights", &params_type::weights,
             hpo::categorical<KnnWeights>({{"uniform", KnnWeights::uniform}, {"distance", KnnWeights::distance}}))
        .add("p", &params_type::p, hpo::categorical<int>({{"1", 1}, {"2", 2}}))
        .valid_range("n_neighbors", 1.0, 0x1.0p52);
}

METALEARN_INLINE Matrix KNeighborsClassifier::proba(const MatrixRef& X, std::string_view where) const {
    detail::require_fitted(where, fitted_);
    detail::check_predict_x(where, X, index_.data().cols());
    Matrix dist;
    Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic> idx;
    index_.search(X, params_.n_neighbors, params_.p, dist, idx);
    Matrix w;
    detail::neighbor_weights(dist, params_.weights == KnnWeights::distance, w);
    Matrix P = Matrix::Zero(X.rows(), k_);
    for (Index i = 0; i < X.rows(); ++i) {
        for (Index t = 0; t < idx.cols(); ++t) P(i, codes_[static_cast<std::size_t>(idx(i, t))]) += w(i, t);
        P.row(i) /= P.row(i).sum();
    }
    return P;
}

METALEARN_INLINE void KNeighborsRegressor::set_params(const params_type& p) {
    detail::validate_knn("KNeighborsRegressor::set_params()", p);
    params_ = p;
    fitted_ = false;
}

METALEARN_INLINE void KNeighborsRegressor::fit(const MatrixRef& X, const VectorRef& y) {
    constexpr std::string_view where = "KNeighborsRegressor::fit()";
    detail::check_xy(where, X, y);
    if (X.rows() < params_.n_neighbors)
        throw DataError(fmt::format("{}: fewer samples than neighbours (expected n >= n_neighbors = {}, got {}); "
                                    "n_neighbors is not clipped to the training rows (scikit-learn raises "
                                    "too): use a smaller n_neighbors for small tasks",
                                    where, params_.n_neighbors, X.rows()));
    index_.fit(X, detail::knn_uses_tree(params_, X.rows(), X.cols()));
    y_ = y;
    fitted_ = true;
}

METALEARN_INLINE Vector KNeighborsRegressor::predict(const MatrixRef& X) const {
    return neighbour_stats(X, "KNeighborsRegressor::predict()", false);
}

METALEARN_INLINE Vector KNeighborsRegressor::predict_std(const MatrixRef& X) const {
    return neighbour_stats(X, "KNeighborsRegressor::predict_std()", true);
}

METALEARN_INLINE nlohmann::json KNeighborsRegressor::to_json() const {
    detail::require_fitted("KNeighborsRegressor::to_json()", fitted_);
    return {{"kind", name},
            {"version", 1},
            {"params",
             {{"n_neighbors", params_.n_neighbors},
              {"weights", params_.weights == KnnWeights::distance ? "distance" : "uniform"},
              {"p", params_.p},
              {"algorithm", detail::knn_algorithm_name(params_.algorithm)}}},
            {"X", detail::matrix_json(index_.data())},
            {"y", detail::vector_json(y_)}};
}

METALEARN_INLINE KNeighborsRegressor KNeighborsRegressor::from_json(const nlohmann::json& j) {
    const detail::JsonAt at{"KNeighborsRegressor::from_json()", ""};
    detail::json_check_header(j, at, name, 1);
    const auto& pj = detail::json_field(j, at, "params");
    const auto pa = at / "params";
    params_type p;
    p.n_neighbors = detail::json_index(detail::json_field(pj, pa, "n_neighbors"), pa / "n_neighbors", 1);
    const std::string& w = detail::json_string(detail::json_field(pj, pa, "weights"), pa / "weights");
    if (w != "uniform" && w != "distance")
        detail::json_structure_error(pa / "weights", fmt::format("unknown weights (expected \"uniform\" or "
                                                                 "\"distance\", got {})",
                                                                 detail::json_preview(nlohmann::json(w))));
    p.weights = w == "distance" ? KnnWeights::distance : KnnWeights::uniform;
    p.p = static_cast<int>(detail::json_index(detail::json_field(pj, pa, "p"), pa / "p", 1, 2));
    if (pj.is_object() && pj.contains("algorithm")) {  // absent from files saved before it existed: auto
        const std::string& a = detail::json_string(detail::json_field(pj, pa, "algorithm"), pa / "algorithm");
        if (a != "auto" && a != "brute" && a != "kd_tree")
            detail::json_structure_error(pa / "algorithm",
                                         fmt::format("unknown algorithm (expected \"auto\", \"brute\" or "
                                                     "\"kd_tree\", got {})",
                                                     detail::json_preview(nlohmann::json(a))));
        p.algorithm = a == "brute" ? KnnAlgorithm::brute : a == "kd_tree" ? KnnAlgorithm::kd_tree : KnnAlgorithm::automatic;
    }
    KNeighborsRegressor m(p);
    const Matrix X = detail::json_matrix(detail::json_field(j, at, "X"), at / "X");
    if (X.cols() < 1) detail::json_value_error(at / "X" / "cols", "no columns (expected p >= 1, got 0)");
    if (X.rows() < p.n_neighbors)
        detail::json_value_error(at / "X" / "rows", fmt::format("fewer rows than neighbours (expected n >= "
                                                                "n_neighbors = {}, got {})",
                                                                p.n_neighbors, X.rows()));
    m.y_ = detail::json_vector(detail::json_field(j, at, "y"), at / "y", X.rows());
    m.index_.fit(X, detail::knn_uses_tree(p, X.rows(), X.cols()));
    m.fitted_ = true;
    return m;
}

METALEARN_INLINE Vector KNeighborsRegressor::neighbour_stats(const MatrixRef& X, std::string_view where, bool want_std
                                                             ) const {
    detail::require_fitted(where, fitted_);
    detail::check_predict_x(where, X, index_.data().cols());
    Matrix dist;
    Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic> idx;
    index_.search(X, params_.n_neighbors, params_.p, dist, idx);
    Matrix w;
    detail::neighbor_weights(dist, params_.weights == KnnWeights::distance, w);
    Vector out(X.rows());
    for (Index i = 0; i < X.rows(); ++i) {
        double s = 0.0;
        for (Index t = 0; t < idx.cols(); ++t) s += w(i, t) * y_[idx(i, t)];
        const double wsum = w.row(i).sum();
        const double mean = s / wsum;
        if (!want_std) {
            out[i] = mean;
            continue;
        }
        double var = 0.0;
        for (Index t = 0; t < idx.cols(); ++t) {
            const double e = y_[idx(i, t)] - mean;
            var += w(i, t) * e * e;
        }
        out[i] = std::sqrt(var / wsum);
    }
    return out;
}

}  // namespace metalearn::models
