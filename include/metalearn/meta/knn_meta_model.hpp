#pragma once
/// @file knn_meta_model.hpp
/// @brief `KnnMetaModel`: k-nearest-neighbour regression on standardised inputs; the predictive
/// std is the (weighted) spread of the neighbours' scores.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/meta/meta_model.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace metalearn::meta {

/// Hyperparameters of `KnnMetaModel`.
struct KnnMetaModelParams {
    Index n_neighbors = 10;        ///< k ≥ 1 (uses min(k, n) neighbours)
    bool distance_weighted = true; ///< weights 1/(distance + 1e-9) instead of uniform
};

/// k-NN regression meta-model: Euclidean distance on standardised Z, prediction = (weighted)
/// mean of the k nearest training scores, std = (weighted) standard deviation of those scores.
/// Ties in distance are broken by the lower training index (deterministic).
/// Cost: O(n d) per predicted row.
class KnnMetaModel {
public:
    using params_type = KnnMetaModelParams;

    /// @throws ConfigError when n_neighbors < 1.
    explicit KnnMetaModel(params_type p = {}) : p_(p) {
        if (p_.n_neighbors < 1)
            throw ConfigError(fmt::format("KnnMetaModel: n_neighbors must be >= 1 (got {})", p_.n_neighbors));
    }
    [[nodiscard]] const params_type& params() const noexcept { return p_; }

    /// Store the standardised training set. @throws DataError on bad input.
    void fit(const MatrixRef& Z, const VectorRef& s) {
        detail::check_fit_input("KnnMetaModel::fit()", Z, s);
        xs_.fit(Z);
        X_ = xs_.transform(Z);
        y_ = s;
        fitted_ = true;
    }

    /// m×d → m predicted scores. @throws NotFitted, DataError.
    [[nodiscard]] Vector predict(const MatrixRef& Z) const {
        detail::check_predict_input("KnnMetaModel::predict()", fitted_, Z, X_.cols());
        return neighbours(Z, false);
    }

    /// m×d → m standard deviations of the neighbours' scores. @throws NotFitted, DataError.
    [[nodiscard]] Vector predict_std(const MatrixRef& Z) const {
        detail::check_predict_input("KnnMetaModel::predict_std()", fitted_, Z, X_.cols());
        return neighbours(Z, true);
    }

    [[nodiscard]] nlohmann::json to_json() const {
        if (!fitted_) throw NotFitted("KnnMetaModel::to_json(): call fit() first");
        return {{"type", "KnnMetaModel"},
                {"n_neighbors", p_.n_neighbors},
                {"distance_weighted", p_.distance_weighted},
                {"x_scaler", xs_.to_json()},
                {"X", detail::matrix_to_json(X_)},
                {"y", detail::vector_to_json(y_)}};
    }

    /// @throws ConfigError when `j` is not a saved k-NN meta-model.
    static KnnMetaModel from_json(const nlohmann::json& j) {
        try {
            if (j.at("type") != "KnnMetaModel") throw ConfigError("KnnMetaModel::from_json(): not a KnnMetaModel");
            KnnMetaModel m({j.at("n_neighbors").get<Index>(), j.at("distance_weighted").get<bool>()});
            m.xs_ = detail::Standardizer::from_json(j.at("x_scaler"));
            m.X_ = detail::matrix_from_json(j.at("X"));
            m.y_ = detail::vector_from_json(j.at("y"));
            m.fitted_ = true;
            return m;
        } catch (const nlohmann::json::exception& e) {
            throw ConfigError(fmt::format("KnnMetaModel::from_json(): {}", e.what()));
        }
    }

private:
    [[nodiscard]] Vector neighbours(const MatrixRef& Z, bool want_std) const {
        const Matrix Q = xs_.transform(Z);
        const Index n = X_.rows();
        const Index k = std::min(p_.n_neighbors, n);
        Vector out(Q.rows());
        std::vector<Index> idx(static_cast<std::size_t>(n));
        Vector dist(n);
        for (Index q = 0; q < Q.rows(); ++q) {
            dist = (X_.rowwise() - Q.row(q)).rowwise().norm();
            std::iota(idx.begin(), idx.end(), Index{0});
            std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](Index a, Index b) {
                return dist[a] < dist[b] || (dist[a] == dist[b] && a < b);
            });
            double wsum = 0.0;
            double mean = 0.0;
            for (Index t = 0; t < k; ++t) {
                const Index i = idx[static_cast<std::size_t>(t)];
                const double w = p_.distance_weighted ? 1.0 / (dist[i] + 1e-9) : 1.0;
                wsum += w;
                mean += w * y_[i];
            }
            mean /= wsum;
            if (!want_std) {
                out[q] = mean;
                continue;
            }
            double var = 0.0;
            for (Index t = 0; t < k; ++t) {
                const Index i = idx[static_cast<std::size_t>(t)];
                const double w = p_.distance_weighted ? 1.0 / (dist[i] + 1e-9) : 1.0;
                var += w * (y_[i] - mean) * (y_[i] - mean);
            }
            out[q] = std::sqrt(var / wsum);
        }
        return out;
    }

    params_type p_;
    detail::Standardizer xs_;
    Matrix X_;
    Vector y_;
    bool fitted_ = false;
};

static_assert(MetaModelWithStd<KnnMetaModel>);

}  // namespace metalearn::meta
