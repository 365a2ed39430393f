#pragma once
/// @file strategies_impl.hpp
/// @brief Bodies of strategies.hpp's non-template strategies (default, learned default, nearest
/// datasets, portfolio). Included by that header in header-only mode; compiled into the library in
/// compiled mode (core/config.hpp).

#include "metalearn/meta/strategies.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace metalearn::meta {

METALEARN_INLINE void DefaultStrategy::fit(const TaskTable& table, const std::vector<Index>&) {
    if (table.default_config < 0)
        throw ConfigError("DefaultStrategy::fit(): the plan does not contain the default configuration");
    m_ = table.n_configs();
    default_ = table.default_config;
}

METALEARN_INLINE std::vector<Index> DefaultStrategy::propose(const VectorRef&, Index budget, const ScoreOracle&) const {
    std::vector<Index> o{default_};
    for (Index c = 0; c < m_; ++c)
        if (c != default_) o.push_back(c);
    return detail::truncate(std::move(o), budget);
}

METALEARN_INLINE void LearnedDefaultStrategy::fit(const TaskTable& table, const std::vector<Index>& train) {
    const Matrix R = detail::training_regret(table, train);
    if (R.rows() == 0) throw DataError("LearnedDefaultStrategy::fit(): no informative training task");
    order_ = detail::argsort_desc((1.0 - R.array()).colwise().mean().transpose());
}

METALEARN_INLINE void NearestDatasetsStrategy::fit(const TaskTable& table, const std::vector<Index>& train) {
    X_ = imputer_.fit_transform(signed_log1p(detail::select_rows(table.meta_features, train)));
    lo_ = X_.colwise().minCoeff();
    range_ = X_.colwise().maxCoeff() - lo_;
    for (Index j = 0; j < range_.size(); ++j)
        if (!(range_[j] > 1e-12)) range_[j] = 0.0;  // constant column: ignored
    X_ = scale(X_);
    // per-task config order by decreasing score (failed/missing last)
    const Matrix S = detail::select_rows(table.scores, train);
    rankings_.clear();
    for (Index t = 0; t < S.rows(); ++t) {
        Vector s = S.row(t).transpose();
        for (Index c = 0; c < s.size(); ++c)
            if (!std::isfinite(s[c])) s[c] = -std::numeric_limits<double>::infinity();
        rankings_.push_back(detail::argsort_desc(s));
        if (!S.row(t).array().isFinite().any()) rankings_.back().clear();
    }
    m_ = table.n_configs();
}

METALEARN_INLINE std::vector<Index> NearestDatasetsStrategy::propose(const VectorRef& meta_features, Index budget,
                                                                     const ScoreOracle&) const {
    const Vector dist = distances(meta_features);
    std::vector<Index> tasks(static_cast<std::size_t>(dist.size()));
    std::iota(tasks.begin(), tasks.end(), Index{0});
    std::stable_sort(tasks.begin(), tasks.end(), [&](Index a, Index b) { return dist[a] < dist[b]; });
    std::vector<Index> out;
    std::vector<bool> used(static_cast<std::size_t>(m_), false);
    for (Index depth = 0; depth < m_ && static_cast<Index>(out.size()) < budget; ++depth)
        for (Index t : tasks) {
            const auto& r = rankings_[static_cast<std::size_t>(t)];
            if (depth >= static_cast<Index>(r.size())) continue;
            const Index c = r[static_cast<std::size_t>(depth)];
            if (used[static_cast<std::size_t>(c)]) continue;
            used[static_cast<std::size_t>(c)] = true;
            out.push_back(c);
            if (static_cast<Index>(out.size()) >= budget) break;
        }
    return out;
}

METALEARN_INLINE Vector NearestDatasetsStrategy::distances(const VectorRef& meta_features) const {
    if (!imputer_.is_fitted()) throw NotFitted("NearestDatasetsStrategy::distances(): call fit() first");
    if (meta_features.size() != X_.cols())
        throw DataError(fmt::format("NearestDatasetsStrategy::distances(): got {} meta-features (expected {})",
                                    meta_features.size(), X_.cols()));
    Matrix q(1, meta_features.size());
    q.row(0) = meta_features.transpose();
    for (Index j = 0; j < q.cols(); ++j)
        if (std::isinf(q(0, j))) q(0, j) = std::numeric_limits<double>::quiet_NaN();
    const RowVector x = scale(imputer_.transform(signed_log1p(q))).row(0);
    return (X_.rowwise() - x).cwiseAbs().rowwise().sum();
}

METALEARN_INLINE nlohmann::json NearestDatasetsStrategy::to_json() const {
    if (!imputer_.is_fitted()) throw NotFitted("NearestDatasetsStrategy::to_json(): call fit() first");
    return {{"type", "NearestDatasetsStrategy"},
            {"medians", detail::vector_to_json(imputer_.medians())},
            {"lo", detail::vector_to_json(lo_.transpose())},
            {"range", detail::vector_to_json(range_.transpose())},
            {"scaled_meta_features", detail::matrix_to_json(X_)},
            {"rankings", rankings_},
            {"n_configs", m_}};
}

METALEARN_INLINE NearestDatasetsStrategy NearestDatasetsStrategy::from_json(const nlohmann::json& j) {
    NearestDatasetsStrategy s;
    try {
        if (!j.is_object() || j.value("type", "") != "NearestDatasetsStrategy")
            throw ConfigError("NearestDatasetsStrategy::from_json(): not a saved NearestDatasetsStrategy");
        s.imputer_ = metafeatures::MetaFeatureImputer(detail::vector_from_json(j.at("medians")));
        s.lo_ = detail::vector_from_json(j.at("lo")).transpose();
        s.range_ = detail::vector_from_json(j.at("range")).transpose();
        s.X_ = detail::matrix_from_json(j.at("scaled_meta_features"));
        s.rankings_ = j.at("rankings").get<std::vector<std::vector<Index>>>();
        s.m_ = j.at("n_configs").get<Index>();
    } catch (const nlohmann::json::exception& e) {
        throw ConfigError(fmt::format("NearestDatasetsStrategy::from_json(): {}", e.what()));
    }
    const Index f = s.imputer_.medians().size();
    if (s.lo_.size() != f || s.range_.size() != f || s.X_.cols() != f ||
        static_cast<std::size_t>(s.X_.rows()) != s.rankings_.size())
        throw ConfigError(fmt::format("NearestDatasetsStrategy::from_json(): sizes disagree ({} medians, {} lo, {} "
                                      "range, {}x{} meta-features, {} rankings)",
                                      f, s.lo_.size(), s.range_.size(), s.X_.rows(), s.X_.cols(), s.rankings_.size()));
    for (const auto& r : s.rankings_)
        for (Index c : r)
            if (c < 0 || c >= s.m_)
                throw ConfigError(fmt::format("NearestDatasetsStrategy::from_json(): plan index {} outside [0, {})", c, s.m_));
    return s;
}

METALEARN_INLINE Matrix NearestDatasetsStrategy::scale(const Matrix& X) const {
    Matrix out(X.rows(), X.cols());
    for (Index j = 0; j < X.cols(); ++j)
        if (range_[j] > 0)
            out.col(j) = ((X.col(j).array() - lo_[j]) / range_[j]).matrix();
        else
            out.col(j).setZero();
    return out;
}

METALEARN_INLINE void PortfolioStrategy::fit(const TaskTable& table, const std::vector<Index>& train) {
    const Matrix R = detail::training_regret(table, train);
    if (R.rows() == 0) throw DataError("PortfolioStrategy::fit(): no informative training task");
    const Index m = R.cols();
    Vector cur = Vector::Ones(R.rows());
    std::vector<bool> used(static_cast<std::size_t>(m), false);
    order_.clear();
    const Vector mean_regret = R.colwise().mean().transpose();
    for (Index step = 0; step < m; ++step) {
        Index best = -1;
        double best_loss = std::numeric_limits<double>::infinity();
        for (Index c = 0; c < m; ++c) {
            if (used[static_cast<std::size_t>(c)]) continue;
            const double loss = cur.cwiseMin(R.col(c)).sum() + 1e-9 * mean_regret[c];  // tie-break by mean
            if (loss < best_loss - 1e-15) {
                best_loss = loss;
                best = c;
            }
        }
        used[static_cast<std::size_t>(best)] = true;
        order_.push_back(best);
        cur = cur.cwiseMin(R.col(best));
    }
}

}  // namespace metalearn::meta
