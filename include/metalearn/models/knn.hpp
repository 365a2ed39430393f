#pragma once
/// @file knn.hpp
/// @brief k-nearest-neighbour classifier and regressor (brute force or k-d tree, the same
/// neighbours either way).

#include "metalearn/core/config.hpp"
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

/// How the k neighbours vote: equally, or with weight 1/distance (a neighbour at distance 0
/// then takes all the weight, shared with any other at distance 0), as scikit-learn.
enum class KnnWeights { uniform, distance };

/// How the k-NN models search for neighbours. Every choice returns the same neighbours, in the
/// same order, with the same distances (detail/neighbors.hpp): only the speed differs.
enum class KnnAlgorithm {
    /// A k-d tree when the data has few features and enough rows (d ≤ 15, n ≥ 64 and k < n/2:
    /// scikit-learn 1.2's rule for `algorithm="auto"`, plus the size floor), brute force otherwise.
    automatic,
    /// Distances to every training row: matrix products, O(n·d) per query; best on wide data.
    brute,
    /// A k-d tree (Friedman, Bentley & Finkel 1977) built at fit, O(n·d·log n); queries
    /// O(log n) expected for fixed d and k, degrading towards brute force as d grows.
    kd_tree,
};

namespace detail {

/// Shared state and validation of the two k-NN models (Cover & Hart 1967).
struct KnnParams {
    Index n_neighbors = 5;                      ///< k ≥ 1.
    KnnWeights weights = KnnWeights::uniform;   ///< voting weights.
    int p = 2;                                  ///< Minkowski power: 1 (Manhattan) or 2 (Euclidean).
    /// Neighbour search (results do not depend on it); default `automatic`.
    KnnAlgorithm algorithm = KnnAlgorithm::automatic;
    /// Member-wise equality.
    bool operator==(const KnnParams&) const = default;
};

void validate_knn(std::string_view where, const KnnParams& p);

/// Whether a model with these hyperparameters searches n×d training rows with a k-d tree.
[[nodiscard]] bool knn_uses_tree(const KnnParams& p, Index n, Index d) noexcept;

/// The name of an algorithm in the saved form: "auto", "brute" or "kd_tree".
[[nodiscard]] const char* knn_algorithm_name(KnnAlgorithm a) noexcept;

}  // namespace detail

/// k-nearest-neighbour classifier (Cover & Hart 1967), brute force or k-d tree.
///
/// Distances: Euclidean (p = 2) or Manhattan (p = 1), ranked by Σ (q_f − x_f)² or Σ |q_f − x_f|
/// summed in feature order (`detail::pair_distance`; brute force uses ‖q‖² + ‖x‖² − 2 q·x from
/// matrix products only to discard rows that provably cannot be among the k nearest). Ties in
/// distance are broken by the lower training index (the earlier row of the training set wins), so
/// predictions are deterministic, and they are the same whichever `algorithm` searches.
/// predict_proba: the weighted share of each class among the k neighbours (width K = declared
/// classes; classes absent from training get 0). predict: most probable class, lowest code on
/// ties. The features are used as given: scale them beforehand if their units differ.
///
/// Fit O(n·p) (stores the data) plus O(n·p·log n) when it builds a k-d tree; predict O(m·n·p)
/// by brute force, O(m·log n) expected with the tree for few features.
class KNeighborsClassifier {
public:
    /// Hyperparameters; defaults are scikit-learn 1.2's `KNeighborsClassifier`
    /// (n_neighbors 5, weights "uniform", p 2, algorithm automatic).
    using params_type = detail::KnnParams;

    static constexpr std::string_view name = "knn_classifier";

    KNeighborsClassifier() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit KNeighborsClassifier(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError when n_neighbors < 1, p ∉ {1, 2} or algorithm is not a `KnnAlgorithm`
    ///         enumerator.
    void set_params(const params_type& p);
    [[nodiscard]] params_type params() const { return params_; }

    /// Fit with K = max(y) + 1 classes.
    void fit(const MatrixRef& X, const VectorRef& y) { fit(X, y, 0); }

    /// Store the training data.
    /// @param X n×p finite features, n ≥ n_neighbors.
    /// @param y n class codes in [0, n_classes).
    /// @param n_classes declared K (≤ 0: max(y) + 1).
    /// @throws DataError on empty data, shape mismatch, non-finite values, bad labels, n < n_neighbors.
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes);

    /// Class probabilities (m×K, rows sum to 1).
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const;

    /// Most probable class per row (m), lowest code on ties.
    [[nodiscard]] Vector predict(const MatrixRef& X) const;

    /// Distances (m×k, ascending) and training-row indices (m×k) of the k nearest neighbours.
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    void kneighbors(const MatrixRef& X, Matrix& dist, Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic>& idx) const;

    [[nodiscard]] bool is_fitted() const { return fitted_; }
    [[nodiscard]] Index n_classes() const { return k_; }
    /// Whether the fitted model searches with a k-d tree (`algorithm` resolved at fit; false
    /// before fit). The neighbours found do not depend on it.
    [[nodiscard]] bool uses_kd_tree() const noexcept { return fitted_ && index_.has_tree(); }

    /// Declared search space: n_neighbors int log-uniform in [1, 50] (valid range: any k ≥ 1, up
    /// to 2^52, as scikit-learn; k above the training rows fails at `fit`), weights {uniform,
    /// distance}, p {1, 2}.
    /// Whether `p` can be fitted on n training rows: n_neighbors ≤ n (`models::fits_rows`).
    [[nodiscard]] static bool fits_rows(const params_type& p, Index n) noexcept { return p.n_neighbors <= n; }

    static hpo::SearchSpace<params_type> search_space();

private:
    [[nodiscard]] Matrix proba(const MatrixRef& X, std::string_view where) const;

    params_type params_{};
    detail::NeighborIndex index_;  // the training rows and their search structure
    std::vector<Index> codes_;
    Index k_ = 0;
    bool fitted_ = false;
};

static_assert(Classifier<KNeighborsClassifier>);

/// k-nearest-neighbour regressor: the (weighted) mean target of the k nearest training rows.
/// Distances, tie-breaking and the search `algorithm` as `KNeighborsClassifier`.
///
/// Fit O(n·p) (plus O(n·p·log n) for a k-d tree); predict O(m·n·p) by brute force, O(m·log n)
/// expected with the tree.
class KNeighborsRegressor {
public:
    /// Hyperparameters; defaults are scikit-learn 1.2's `KNeighborsRegressor`.
    using params_type = detail::KnnParams;

    static constexpr std::string_view name = "knn_regressor";

    KNeighborsRegressor() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit KNeighborsRegressor(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError when n_neighbors < 1, p ∉ {1, 2} or algorithm is not a `KnnAlgorithm`
    ///         enumerator.
    void set_params(const params_type& p);
    [[nodiscard]] params_type params() const { return params_; }

    /// Store the training data.
    /// @param X n×p finite features, n ≥ n_neighbors; @param y n finite targets.
    /// @throws DataError on empty data, shape mismatch, non-finite values, n < n_neighbors.
    void fit(const MatrixRef& X, const VectorRef& y);

    /// Predicted values (m): the weighted mean target of each row's k nearest training rows.
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Vector predict(const MatrixRef& X) const;

    /// Spread of the neighbours' targets (m, ≥ 0): the weighted population standard deviation
    /// sqrt(Σ w_t (y_t − ŷ)² / Σ w_t) around the prediction ŷ, with the voting weights w_t of
    /// `predict`. A cheap uncertainty signal, not a calibrated predictive deviation.
    /// @throws NotFitted before fit; DataError on a wrong column count or non-finite X.
    [[nodiscard]] Vector predict_std(const MatrixRef& X) const;

    [[nodiscard]] bool is_fitted() const { return fitted_; }
    /// Whether the fitted model searches with a k-d tree (`algorithm` resolved at fit; false
    /// before fit). The neighbours found do not depend on it.
    [[nodiscard]] bool uses_kd_tree() const noexcept { return fitted_ && index_.has_tree(); }
    /// Number of features p seen in fit (0 before fit).
    [[nodiscard]] Index n_features() const { return fitted_ ? index_.data().cols() : 0; }
    /// Number of training rows n stored by fit (0 before fit).
    [[nodiscard]] Index n_samples() const { return fitted_ ? index_.data().rows() : 0; }

    /// The fitted model as JSON: `{"kind": "knn_regressor", "version": 1, "params":
    /// {"n_neighbors", "weights": "uniform" | "distance", "p", "algorithm": "auto" | "brute" |
    /// "kd_tree"}, "X": {"rows", "cols", "data"
    /// (column-major)}, "y": [n values]}` — the whole training set. `from_json` of it predicts
    /// bit-identically. @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const;

    /// A fitted model from `to_json()`'s output. "params"/"algorithm" is optional (files saved
    /// before it existed load with `automatic`).
    /// @throws ParseError when `j` is not a saved k-NN regressor (not an object, another kind, an
    ///         unknown version, a missing field, a value of the wrong JSON type or an unknown
    ///         weights or algorithm name); DataError when a value is unusable (non-finite numbers, n_neighbors
    ///         < 1 or above the number of rows, p ∉ {1, 2}, y not of length n, no columns).
    ///         Messages name the field as a JSON pointer.
    [[nodiscard]] static KNeighborsRegressor from_json(const nlohmann::json& j);

    /// Declared search space: as `KNeighborsClassifier::search_space()`.
    static hpo::SearchSpace<params_type> search_space() { return KNeighborsClassifier::search_space(); }
    /// As `KNeighborsClassifier::fits_rows`.
    [[nodiscard]] static bool fits_rows(const params_type& p, Index n) noexcept { return p.n_neighbors <= n; }

private:
    // Weighted mean of the neighbours' targets, or (want_std) their weighted spread around it.
    [[nodiscard]] Vector neighbour_stats(const MatrixRef& X, std::string_view where, bool want_std) const;

    params_type params_{};
    detail::NeighborIndex index_;  // the training rows and their search structure
    Vector y_;
    bool fitted_ = false;
};

static_assert(Regressor<KNeighborsRegressor>);

}  // namespace metalearn::models

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/models/knn_impl.hpp"
#endif

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library's instances for the bundled models (core/compiled_instances.hpp).
#define METALEARN_DECLARES_KNN
#include "metalearn/core/compiled_instances.hpp"
#endif
