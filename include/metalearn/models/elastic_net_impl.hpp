#pragma once
/// @file elastic_net_impl.hpp
/// @brief Bodies of `ElasticNet` and its coordinate-descent solver (see elastic_net.hpp). Included by that header in
/// header-only mode; compiled into the library in compiled mode (core/config.hpp).

#include "metalearn/models/elastic_net.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/detail/validation.hpp"
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace metalearn::models {

METALEARN_INLINE std::string_view to_string(CoordinateUpdates u) {
    switch (u) {
        case CoordinateUpdates::naive: return "naive";
        case CoordinateUpdates::covariance: return "covariance";
        case CoordinateUpdates::automatic: break;
    }
    return "automatic";
}

}  // namespace metalearn::models

namespace metalearn::models {
namespace detail {

METALEARN_INLINE EnetData enet_prepare(const MatrixRef& X, const VectorRef& y, bool fit_intercept,
                                       CoordinateUpdates updates) {
    EnetData d;
    d.n = X.rows();
    d.p = X.cols();
    const Index n = d.n;
    const Index p = d.p;
    d.covariance = updates == CoordinateUpdates::covariance ||
                   (updates == CoordinateUpdates::automatic && n >= p && p <= kEnetMaxGramFeatures);
    d.xbar = fit_intercept ? RowVector(X.colwise().mean()) : RowVector::Zero(p);
    d.ybar = fit_intercept ? y.mean() : 0.0;
    if (d.covariance) {
        Matrix A(std::min(n, kEnetGramBlockRows), p + 1);
        Matrix S = Matrix::Zero(p + 1, p + 1);
        for (Index r = 0; r < n; r += kEnetGramBlockRows) {
            const Index b = std::min(kEnetGramBlockRows, n - r);
            A.topLeftCorner(b, p) = X.middleRows(r, b).rowwise() - d.xbar;
            A.col(p).head(b) = y.segment(r, b).array() - d.ybar;
            S.selfadjointView<Eigen::Lower>().rankUpdate(A.topRows(b).transpose());
        }
        d.G = S.topLeftCorner(p, p);
        d.G.triangularView<Eigen::StrictlyUpper>() = d.G.transpose();
        d.q = S.row(p).head(p).transpose();
        d.yy = S(p, p);
        d.col_sq = d.G.diagonal();
    } else {
        d.Xc = X.rowwise() - d.xbar;
        d.yc = y.array() - d.ybar;
        d.yy = d.yc.squaredNorm();
        d.col_sq = d.Xc.colwise().squaredNorm().transpose();
    }
    return d;
}

METALEARN_INLINE double enet_duality_gap(double rr, double ry, const Vector& xtr, const Vector& w, double l1, double l2
                                         ) {
    const double w2 = w.squaredNorm();
    if (l1 == 0.0 && l2 > 0.0) return rr - ry + 0.5 * l2 * w2 + xtr.squaredNorm() / (2.0 * l2);
    const double dual_norm = (xtr - l2 * w).cwiseAbs().maxCoeff();
    double c = 1.0;
    double gap = rr;
    if (dual_norm > l1) {
        c = l1 / dual_norm;
        gap = 0.5 * rr * (1.0 + c * c);
    }
    return gap + l1 * w.lpNorm<1>() - c * ry + 0.5 * l2 * (1.0 + c * c) * w2;
}

METALEARN_INLINE double soft_threshold(double t, double lambda) {
    if (t > lambda) return t - lambda;
    if (t < -lambda) return t + lambda;
    return 0.0;
}

METALEARN_INLINE EnetOutcome enet_solve(const EnetData& d, double l1, double l2, double tol, Index max_iter, Vector& w
                                        ) {
    const Index p = d.p;
    const double gap_tol = tol * d.yy;
    EnetOutcome out;
    if (d.covariance) {
        Vector h = d.q - d.G * w;  // Xcᵀr
        for (Index it = 0; it < max_iter; ++it) {
            double w_max = 0.0;
            double dw_max = 0.0;
            for (Index j = 0; j < p; ++j) {
                const double gjj = d.G(j, j);
                if (gjj == 0.0) continue;
                const double wj = w[j];
                const double wn = soft_threshold(h[j] + gjj * wj, l1) / (gjj + l2);
                if (wn != wj) {
                    h.noalias() -= (wn - wj) * d.G.col(j);
                    w[j] = wn;
                }
                dw_max = std::max(dw_max, std::abs(wn - wj));
                w_max = std::max(w_max, std::abs(wn));
            }
            out.n_iter = it + 1;
            if (w_max == 0.0 || dw_max / w_max < tol || it == max_iter - 1) {
                const Vector gw = d.G * w;
                h = d.q - gw;  // recomputed: no drift from the rank-one updates
                const double wq = w.dot(d.q);
                const double rr = std::max(0.0, d.yy - 2.0 * wq + w.dot(gw));
                out.gap = enet_duality_gap(rr, d.yy - wq, h, w, l1, l2);
                if (out.gap <= gap_tol) {
                    out.converged = true;
                    break;
                }
            }
        }
    } else {
        Vector r = d.yc;
        if (w.any()) r.noalias() -= d.Xc * w;
        for (Index it = 0; it < max_iter; ++it) {
            double w_max = 0.0;
            double dw_max = 0.0;
            for (Index j = 0; j < p; ++j) {
                const double nj = d.col_sq[j];
                if (nj == 0.0) continue;
                const double wj = w[j];
                const auto xj = d.Xc.col(j);
                const double wn = soft_threshold(xj.dot(r) + nj * wj, l1) / (nj + l2);
                if (wn != wj) {
                    r.noalias() -= (wn - wj) * xj;
                    w[j] = wn;
                }
                dw_max = std::max(dw_max, std::abs(wn - wj));
                w_max = std::max(w_max, std::abs(wn));
            }
            out.n_iter = it + 1;
            if (w_max == 0.0 || dw_max / w_max < tol || it == max_iter - 1) {
                const Vector xtr = d.Xc.transpose() * r;
                out.gap = enet_duality_gap(r.squaredNorm(), r.dot(d.yc), xtr, w, l1, l2);
                if (out.gap <= gap_tol) {
                    out.converged = true;
                    break;
                }
            }
        }
    }
    return out;
}

}  // namespace detail
}  // namespace metalearn::models

namespace metalearn::models {

METALEARN_INLINE void ElasticNet::set_params(const params_type& p) {
    check_params("ElasticNet::set_params()", p);
    params_ = p;
    fitted_ = false;
}

METALEARN_INLINE void ElasticNet::fit(const MatrixRef& X, const VectorRef& y) {
    detail::check_xy("ElasticNet::fit()", X, y);
    const detail::EnetData d = detail::enet_prepare(X, y, params_.fit_intercept, params_.updates);
    Vector w = Vector::Zero(d.p);
    const auto [l1, l2] = penalties(params_.alpha, params_.l1_ratio, d.n);
    const detail::EnetOutcome o = detail::enet_solve(d, l1, l2, params_.tol, params_.max_iter, w);
    coef_ = std::move(w);
    intercept_ = d.ybar - d.xbar.dot(coef_);
    n_iter_ = o.n_iter;
    dual_gap_ = o.gap / static_cast<double>(d.n);
    converged_ = o.converged;
    fitted_ = true;
}

METALEARN_INLINE Vector ElasticNet::predict(const MatrixRef& X) const {
    constexpr std::string_view where = "ElasticNet::predict()";
    detail::require_fitted(where, fitted_);
    detail::check_predict_x(where, X, coef_.size());
    return (X * coef_).array() + intercept_;
}

METALEARN_INLINE ElasticNetPath ElasticNet::path(const MatrixRef& X, const VectorRef& y, const VectorRef& alphas,
                                                 const params_type& p) {
    constexpr std::string_view where = "ElasticNet::path()";
    params_type checked = p;
    checked.alpha = 0.0;
    check_params(where, checked);
    if (alphas.size() == 0)
        throw ConfigError(fmt::format("{}: no penalties (expected k >= 1 alphas, got 0)", where));
    for (Index i = 0; i < alphas.size(); ++i)
        if (!(alphas[i] >= 0.0) || !std::isfinite(alphas[i]))
            throw ConfigError(fmt::format("{}: alpha out of range (expected finite >= 0, got {} at {})", where,
                                          alphas[i], i));
    detail::check_xy(where, X, y);
    const detail::EnetData d = detail::enet_prepare(X, y, p.fit_intercept, p.updates);
    ElasticNetPath out;
    out.alphas = alphas;
    std::sort(out.alphas.begin(), out.alphas.end(), std::greater<>());
    const Index k = out.alphas.size();
    out.coef.resize(d.p, k);
    out.intercept.resize(k);
    out.dual_gap.resize(k);
    out.n_iter.resize(static_cast<std::size_t>(k));
    out.converged.resize(static_cast<std::size_t>(k));
    Vector w = Vector::Zero(d.p);
    for (Index i = 0; i < k; ++i) {
        const auto [l1, l2] = penalties(out.alphas[i], p.l1_ratio, d.n);
        const detail::EnetOutcome o = detail::enet_solve(d, l1, l2, p.tol, p.max_iter, w);
        out.coef.col(i) = w;
        out.intercept[i] = d.ybar - d.xbar.dot(w);
        out.dual_gap[i] = o.gap / static_cast<double>(d.n);
        out.n_iter[static_cast<std::size_t>(i)] = o.n_iter;
        out.converged[static_cast<std::size_t>(i)] = o.converged;
    }
    return out;
}

METALEARN_INLINE ElasticNetPath ElasticNet::path(const MatrixRef& X, const VectorRef& y, const VectorRef& alphas) {
    return path(X, y, alphas, params_type{});
}

METALEARN_INLINE Vector ElasticNet::alpha_grid(const MatrixRef& X, const VectorRef& y, double l1_ratio, Index n_alphas,
                                               double eps, bool fit_intercept) {
    constexpr std::string_view where = "ElasticNet::alpha_grid()";
    if (!(l1_ratio > 0.0 && l1_ratio <= 1.0))
        throw ConfigError(fmt::format("{}: l1_ratio out of range (expected in (0, 1]: l1_ratio = 0 has no "
                                      "finite alpha_max, got {})",
                                      where, l1_ratio));
    if (n_alphas < 1)
        throw ConfigError(fmt::format("{}: n_alphas out of range (expected >= 1, got {})", where, n_alphas));
    if (!(eps > 0.0 && eps <= 1.0))
        throw ConfigError(fmt::format("{}: eps out of range (expected in (0, 1], got {})", where, eps));
    detail::check_xy(where, X, y);
    const Index n = X.rows();
    const RowVector xbar = fit_intercept ? RowVector(X.colwise().mean()) : RowVector::Zero(X.cols());
    const double ybar = fit_intercept ? y.mean() : 0.0;
    const Vector yc = y.array() - ybar;
    const Vector xty = (X.rowwise() - xbar).transpose() * yc;
    const double alpha_max = xty.cwiseAbs().maxCoeff() / (static_cast<double>(n) * l1_ratio);
    constexpr double resolution = 1e-15;
    if (alpha_max <= resolution) return Vector::Constant(n_alphas, resolution);
    const double hi = std::log10(alpha_max);
    const double lo = std::log10(alpha_max * eps);
    Vector out(n_alphas);
    if (n_alphas == 1) {
        out[0] = std::pow(10.0, lo);
        return out;
    }
    const double step = (hi - lo) / static_cast<double>(n_alphas - 1);
    for (Index i = 0; i < n_alphas; ++i) {
        const double e = i == n_alphas - 1 ? hi : lo + step * static_cast<double>(i);
        out[n_alphas - 1 - i] = std::pow(10.0, e);
    }
    return out;
}

METALEARN_INLINE nlohmann::json ElasticNet::to_json() const {
    detail::require_fitted("ElasticNet::to_json()", fitted_);
    return {{"kind", name},
            {"version", 1},
            {"params",
             {{"alpha", params_.alpha},
              {"l1_ratio", params_.l1_ratio},
              {"fit_intercept", params_.fit_intercept},
              {"tol", params_.tol},
              {"max_iter", params_.max_iter},
              {"updates", to_string(params_.updates)}}},
            {"coef", detail::vector_json(coef_)},
            {"intercept", intercept_},
            {"n_iter", n_iter_},
            {"dual_gap", dual_gap_},
            {"converged", converged_}};
}

METALEARN_INLINE ElasticNet ElasticNet::from_json(const nlohmann::json& j) {
    const detail::JsonAt at{"ElasticNet::from_json()", ""};
    detail::json_check_header(j, at, name, 1);
    const auto& pj = detail::json_field(j, at, "params");
    const detail::JsonAt pa = at / "params";
    auto real = [&](std::string_view key) { return detail::json_double(detail::json_field(pj, pa, key), pa / key); };
    params_type p;
    p.alpha = real("alpha");
    p.l1_ratio = real("l1_ratio");
    p.fit_intercept = detail::json_bool(detail::json_field(pj, pa, "fit_intercept"), pa / "fit_intercept");
    p.tol = real("tol");
    p.max_iter = detail::json_index(detail::json_field(pj, pa, "max_iter"), pa / "max_iter");
    const std::string& u = detail::json_string(detail::json_field(pj, pa, "updates"), pa / "updates");
    if (u == "automatic") p.updates = CoordinateUpdates::automatic;
    else if (u == "naive") p.updates = CoordinateUpdates::naive;
    else if (u == "covariance") p.updates = CoordinateUpdates::covariance;
    else
        detail::json_structure_error(pa / "updates",
                                     fmt::format("unknown update rule (expected \"automatic\", \"naive\" or "
                                                 "\"covariance\", got {})",
                                                 detail::json_preview(detail::json_field(pj, pa, "updates"))));
    ElasticNet m;
    try {
        m.set_params(p);
    } catch (const ConfigError& e) {
        detail::json_value_error(pa, e.what());
    }
    m.coef_ = detail::json_vector(detail::json_field(j, at, "coef"), at / "coef");
    if (m.coef_.size() == 0) detail::json_value_error(at / "coef", "no coefficients (expected p >= 1 values, got 0)");
    m.intercept_ = detail::json_double(detail::json_field(j, at, "intercept"), at / "intercept");
    m.n_iter_ = detail::json_index(detail::json_field(j, at, "n_iter"), at / "n_iter", 0);
    m.dual_gap_ = detail::json_double(detail::json_field(j, at, "dual_gap"), at / "dual_gap");
    m.converged_ = detail::json_bool(detail::json_field(j, at, "converged"), at / "converged");
    m.fitted_ = true;
    return m;
}

METALEARN_INLINE hpo::SearchSpace<ElasticNet::params_type> ElasticNet::search_space() {
    constexpr double tiny = std::numeric_limits<double>::min();
    constexpr double huge = std::numeric_limits<double>::max();
    return hpo::SearchSpace<params_type>()
        .add("alpha", &params_type::alpha, hpo::log_uniform(0x1p-10, 0x1p10))
        .valid_range("alpha", tiny, huge)
        .add("l1_ratio", &params_type::l1_ratio, hpo::uniform(0.0, 1.0))
        .fixed("tol", &params_type::tol, hpo::uniform(0.0, huge))
        .fixed("max_iter", &params_type::max_iter, hpo::int_uniform(1, long{1} << 52))
        .fixed("fit_intercept", &params_type::fit_intercept, hpo::boolean())
        .fixed("updates", &params_type::updates,
               hpo::categorical<CoordinateUpdates>({{"automatic", CoordinateUpdates::automatic},
                                                    {"naive", CoordinateUpdates::naive},
                                                    {"covariance", CoordinateUpdates::covariance}}));
}

METALEARN_INLINE ElasticNet::Penalties ElasticNet::penalties(double alpha, double l1_ratio, Index n) {
    const double scaled = alpha * static_cast<double>(n);
    return {scaled * l1_ratio, scaled * (1.0 - l1_ratio)};
}

METALEARN_INLINE void ElasticNet::check_params(std::string_view where, const params_type& p) {
    if (!(p.alpha >= 0.0) || !std::isfinite(p.alpha))
        throw ConfigError(fmt::format("{}: alpha out of range (expected finite >= 0, got {})", where, p.alpha));
    if (!(p.l1_ratio >= 0.0 && p.l1_ratio <= 1.0))
        throw ConfigError(fmt::format("{}: l1_ratio out of range (expected in [0, 1], got {})", where, p.l1_ratio));
    if (!(p.tol >= 0.0) || !std::isfinite(p.tol))
        throw ConfigError(fmt::format("{}: tol out of range (expected finite >= 0, got {})", where, p.tol));
    if (p.max_iter < 1)
        throw ConfigError(fmt::format("{}: max_iter out of range (expected >= 1, got {})", where, p.max_iter));
}

}  // namespace metalearn::models
