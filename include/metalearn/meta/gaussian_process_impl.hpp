#pragma once
/// @file gaussian_process_impl.hpp
/// @brief Bodies of gaussian_process.hpp (`GaussianProcessMetaModel`). Included by that header in header-only mode; compiled
/// into the library in compiled mode (core/config.hpp).

#include "metalearn/meta/gaussian_process.hpp"

#include <LBFGSB.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace metalearn::meta {

METALEARN_INLINE GaussianProcessMetaModel::GaussianProcessMetaModel(params_type p) : p_(p) {
    if (p_.n_restarts < 0 || p_.max_iterations < 1 || p_.max_samples < 2 || !(p_.min_noise > 0))
        throw ConfigError(fmt::format(
            "GaussianProcessMetaModel: invalid parameters (expected n_restarts >= 0, max_iterations >= 1, "
            "max_samples >= 2, min_noise > 0; got {}, {}, {}, {})",
            p_.n_restarts, p_.max_iterations, p_.max_samples, p_.min_noise));
}

METALEARN_INLINE void GaussianProcessMetaModel::fit(const MatrixRef& Z, const VectorRef& s) {
    detail::check_fit_input("GaussianProcessMetaModel::fit()", Z, s);
    Matrix Zsub = Z;
    Vector ssub = s;
    if (Z.rows() > p_.max_samples) {
        Rng rng(derive_seed(p_.seed, {1}));
        auto perm = rng.permutation(Z.rows());
        perm.resize(static_cast<std::size_t>(p_.max_samples));
        std::sort(perm.begin(), perm.end());
        Zsub.resize(p_.max_samples, Z.cols());
        ssub.resize(p_.max_samples);
        for (Index i = 0; i < p_.max_samples; ++i) {
            Zsub.row(i) = Z.row(perm[static_cast<std::size_t>(i)]);
            ssub[i] = s[perm[static_cast<std::size_t>(i)]];
        }
    }
    xs_.fit(Zsub);
    ys_.fit(ssub);
    X_ = xs_.transform(Zsub);
    y_ = ys_.transform(ssub);
    const Index d = X_.cols();
    theta_ = initial_theta(d);
    if (p_.optimize) optimize_theta();
    factorize();
    fitted_ = true;
}

METALEARN_INLINE Vector GaussianProcessMetaModel::predict(const MatrixRef& Z) const {
    detail::check_predict_input("GaussianProcessMetaModel::predict()", fitted_, Z, X_.cols());
    const Matrix Ks = cross_kernel(xs_.transform(Z));
    return ys_.inverse(Ks * alpha_);
}

METALEARN_INLINE Vector GaussianProcessMetaModel::predict_std(const MatrixRef& Z) const {
    detail::check_predict_input("GaussianProcessMetaModel::predict_std()", fitted_, Z, X_.cols());
    const Matrix Ks = cross_kernel(xs_.transform(Z));  // m×n
    const Matrix V = chol_L_.triangularView<Eigen::Lower>().solve(Ks.transpose());  // n×m
    const double sf2 = std::exp(theta_[X_.cols()]);
    Vector var = (sf2 - V.colwise().squaredNorm().transpose().array()).matrix();
    return var.array().max(0.0).sqrt() * ys_.scale;
}

METALEARN_INLINE double GaussianProcessMetaModel::nlml(const Vector& theta, Vector& grad) const {
    const Index n = X_.rows();
    const Index d = X_.cols();
    Matrix K = kernel_matrix(theta);
    Eigen::LLT<Matrix> llt = robust_cholesky(K, "GaussianProcessMetaModel::nlml()");
    const Vector alpha = llt.solve(y_);
    const Matrix Kinv = llt.solve(Matrix::Identity(n, n));
    const Matrix W = alpha * alpha.transpose() - Kinv;  // ααᵀ − K⁻¹
    const double logdet_half = llt.matrixLLT().diagonal().array().log().sum();
    const double value =
        0.5 * y_.dot(alpha) + logdet_half + 0.5 * static_cast<double>(n) * std::log(2.0 * std::numbers::pi);
    grad = Vector::Zero(d + 2);
    const double sf2 = std::exp(theta[d]);
    const double sn2 = std::exp(theta[d + 1]);
    const Vector inv_l2 = (-2.0 * theta.head(d)).array().exp();
    const double s5 = std::sqrt(5.0);
    for (Index j = 0; j < n; ++j) {
        for (Index i = 0; i < j; ++i) {
            const auto diff2 = (X_.row(i) - X_.row(j)).array().square().transpose().eval();
            const double r = std::sqrt((diff2 * inv_l2.array()).sum());
            const double e = std::exp(-s5 * r);
            const double w = 2.0 * W(i, j);  // symmetric pair counted twice
            grad[d] += w * sf2 * (1.0 + s5 * r + 5.0 * r * r / 3.0) * e;
            const double c = w * sf2 * (5.0 / 3.0) * (1.0 + s5 * r) * e;
            grad.head(d).array() += c * diff2 * inv_l2.array();
        }
        grad[d] += W(j, j) * sf2;
        grad[d + 1] += W(j, j) * sn2;
    }
    grad *= -0.5;
    return value;
}

METALEARN_INLINE nlohmann::json GaussianProcessMetaModel::to_json() const {
    if (!fitted_) throw NotFitted("GaussianProcessMetaModel::to_json(): call fit() first");
    return {{"type", "GaussianProcessMetaModel"},
            {"params",
             {{"n_restarts", p_.n_restarts},
              {"max_iterations", p_.max_iterations},
              {"max_samples", p_.max_samples},
              {"min_noise", p_.min_noise},
              {"optimize", p_.optimize},
              {"seed", p_.seed}}},
            {"theta", detail::vector_to_json(theta_)},
            {"x_scaler", xs_.to_json()},
            {"y_mean", ys_.mean},
            {"y_scale", ys_.scale},
            {"X", detail::matrix_to_json(X_)},
            {"y", detail::vector_to_json(y_)}};
}

METALEARN_INLINE GaussianProcessMetaModel GaussianProcessMetaModel::from_json(const nlohmann::json& j) {
    try {
        if (j.at("type") != "GaussianProcessMetaModel")
            throw ConfigError("GaussianProcessMetaModel::from_json(): not a GaussianProcessMetaModel");
        const auto& pj = j.at("params");
        params_type p;
        p.n_restarts = pj.at("n_restarts").get<int>();
        p.max_iterations = pj.at("max_iterations").get<int>();
        p.max_samples = pj.at("max_samples").get<Index>();
        p.min_noise = pj.at("min_noise").get<double>();
        p.optimize = pj.at("optimize").get<bool>();
        p.seed = pj.at("seed").get<std::uint64_t>();
        GaussianProcessMetaModel m(p);
        m.theta_ = detail::vector_from_json(j.at("theta"));
        m.xs_ = detail::Standardizer::from_json(j.at("x_scaler"));
        m.ys_.mean = j.at("y_mean").get<double>();
        m.ys_.scale = j.at("y_scale").get<double>();
        m.X_ = detail::matrix_from_json(j.at("X"));
        m.y_ = detail::vector_from_json(j.at("y"));
        if (m.theta_.size() != m.X_.cols() + 2 || m.y_.size() != m.X_.rows())
            throw ConfigError("GaussianProcessMetaModel::from_json(): inconsistent sizes");
        m.factorize();
        m.fitted_ = true;
        return m;
    } catch (const nlohmann::json::exception& e) {
        throw ConfigError(fmt::format("GaussianProcessMetaModel::from_json(): {}", e.what()));
    }
}

METALEARN_INLINE Vector GaussianProcessMetaModel::initial_theta(Index d) const {
    Vector t(d + 2);
    t.head(d).setConstant(0.5 * std::log(static_cast<double>(std::max<Index>(d, 1))));
    t[d] = 0.0;
    t[d + 1] = std::log(std::max(0.01, p_.min_noise));
    return t;
}

METALEARN_INLINE void GaussianProcessMetaModel::bounds(Vector& lb, Vector& ub) const {
    const Index d = X_.cols();
    lb.resize(d + 2);
    ub.resize(d + 2);
    lb.head(d).setConstant(std::log(0.05));
    ub.head(d).setConstant(std::log(100.0 * std::sqrt(static_cast<double>(d))));
    lb[d] = std::log(0.01);
    ub[d] = std::log(100.0);
    lb[d + 1] = std::log(p_.min_noise);
    ub[d + 1] = std::log(10.0);
}

METALEARN_INLINE void GaussianProcessMetaModel::optimize_theta() {
    Vector lb;
    Vector ub;
    bounds(lb, ub);
    double best_f = std::numeric_limits<double>::infinity();
    Vector best = theta_;
    // Keeps the best finite value seen, so a line-search failure still leaves a good θ.
    auto objective = [&](const Vector& th, Vector& g) -> double {
        try {
            const double f = nlml(th, g);
            if (std::isfinite(f) && f < best_f) {
                best_f = f;
                best = th;
            }
            if (!std::isfinite(f) || !g.allFinite()) {
                g.setZero();
                return 1e300;
            }
            return f;
        } catch (const NumericalError&) {
            g.setZero();
            return 1e300;
        }
    };
    LBFGSpp::LBFGSBParam<double> param;
    param.max_iterations = p_.max_iterations;
    param.epsilon = 1e-5;
    param.max_linesearch = 30;
    LBFGSpp::LBFGSBSolver<double> solver(param);
    Rng rng(derive_seed(p_.seed, {2}));
    for (int start = 0; start <= p_.n_restarts; ++start) {
        Vector x = theta_;
        if (start > 0)
            for (Index k = 0; k < x.size(); ++k) x[k] = rng.uniform(0.75 * lb[k] + 0.25 * ub[k], 0.25 * lb[k] + 0.75 * ub[k]);
        x = x.cwiseMax(lb).cwiseMin(ub);
        double fx = 0.0;
        try {
            solver.minimize(objective, x, fx, lb, ub);
        } catch (const std::exception&) {
            // line search gave up: the best point seen so far is kept
        }
    }
    if (std::isfinite(best_f)) theta_ = best;
}

METALEARN_INLINE Matrix GaussianProcessMetaModel::kernel_matrix(const Vector& theta) const {
    const Index n = X_.rows();
    const Index d = X_.cols();
    const double sf2 = std::exp(theta[d]);
    const double sn2 = std::exp(theta[d + 1]);
    const Matrix Xl = X_.array().rowwise() / theta.head(d).array().exp().transpose();
    Matrix K(n, n);
    for (Index j = 0; j < n; ++j) {
        K(j, j) = sf2 + sn2;
        for (Index i = 0; i < j; ++i) {
            const double r = (Xl.row(i) - Xl.row(j)).norm();
            K(i, j) = K(j, i) = sf2 * matern52(r);
        }
    }
    return K;
}

METALEARN_INLINE Matrix GaussianProcessMetaModel::cross_kernel(const Matrix& Zs) const {
    const Index d = X_.cols();
    const double sf2 = std::exp(theta_[d]);
    const RowVector inv_l = (-theta_.head(d)).array().exp().transpose();
    const Matrix A = Zs.array().rowwise() * inv_l.array();
    const Matrix B = X_.array().rowwise() * inv_l.array();
    Matrix Ks(A.rows(), B.rows());
    for (Index i = 0; i < A.rows(); ++i)
        for (Index j = 0; j < B.rows(); ++j) Ks(i, j) = sf2 * matern52((A.row(i) - B.row(j)).norm());
    return Ks;
}

METALEARN_INLINE void GaussianProcessMetaModel::factorize() {
    Matrix K = kernel_matrix(theta_);
    const Eigen::LLT<Matrix> llt = robust_cholesky(K, "GaussianProcessMetaModel::fit()");
    chol_L_ = llt.matrixL();
    alpha_ = llt.solve(y_);
    lml_ = -0.5 * y_.dot(alpha_) - chol_L_.diagonal().array().log().sum() -
           0.5 * static_cast<double>(y_.size()) * std::log(2.0 * std::numbers::pi);
}

}  // namespace metalearn::meta
