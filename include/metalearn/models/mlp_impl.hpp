#pragma once
/// @file mlp_impl.hpp
/// @brief Bodies of `MLPClassifier` and `MLPRegressor` (see mlp.hpp). Included by that header in
/// header-only mode; compiled into the library in compiled mode (core/config.hpp).

#include "metalearn/models/mlp.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/detail/validation.hpp"
#include "metalearn/models/network.hpp"
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace metalearn::models {
namespace detail {

METALEARN_INLINE void validate_mlp(std::string_view where, const MLPParams& p) {
    const auto bad = [&](const char* what, const std::string& expected, const std::string& got) {
        throw ConfigError(fmt::format("{}: {} out of range (expected {}, got {})", where, what, expected, got));
    };
    if (p.activation != Activation::relu && p.activation != Activation::tanh && p.activation != Activation::logistic)
        bad("activation", "relu, tanh or logistic", std::to_string(static_cast<int>(p.activation)));
    if (p.hidden_layers < 0) bad("hidden_layers", ">= 0", std::to_string(p.hidden_layers));
    if (p.hidden_units < 1) bad("hidden_units", ">= 1", std::to_string(p.hidden_units));
    if (!(p.learning_rate_init > 0) || !std::isfinite(p.learning_rate_init))
        bad("learning_rate_init", "finite and > 0", fmt::format("{}", p.learning_rate_init));
    if (!(p.alpha >= 0) || !std::isfinite(p.alpha)) bad("alpha", "finite and >= 0", fmt::format("{}", p.alpha));
    if (p.batch_size < 1) bad("batch_size", ">= 1", std::to_string(p.batch_size));
    if (p.max_iter < 1) bad("max_iter", ">= 1", std::to_string(p.max_iter));
    if (!(p.tol >= 0) || !std::isfinite(p.tol)) bad("tol", "finite and >= 0", fmt::format("{}", p.tol));
    if (!(p.validation_fraction > 0 && p.validation_fraction < 1))
        bad("validation_fraction", "in (0, 1)", fmt::format("{}", p.validation_fraction));
    if (p.n_iter_no_change < 1) bad("n_iter_no_change", ">= 1", std::to_string(p.n_iter_no_change));
}

METALEARN_INLINE hpo::SearchSpace<MLPParams> mlp_search_space() {
    return hpo::SearchSpace<MLPParams>()
        .add("hidden_layers", &MLPParams::hidden_layers, hpo::int_uniform(1, 3))
        .add("hidden_units", &MLPParams::hidden_units, hpo::int_log_uniform(8, 256))
        .add("activation", &MLPParams::activation,
             hpo::categorical<Activation>({{"relu", Activation::relu}, {"tanh", Activation::tanh}}))
        .add("learning_rate_init", &MLPParams::learning_rate_init, hpo::log_uniform(1e-4, 1e-1))
        .add("alpha", &MLPParams::alpha, hpo::log_uniform(1e-6, 1e-1))
        .add("batch_size", &MLPParams::batch_size, hpo::int_log_uniform(16, 256));
}

METALEARN_INLINE nlohmann::json mlp_params_json(const MLPParams& p) {
    return {{"hidden_layers", p.hidden_layers},
            {"hidden_units", p.hidden_units},
            {"activation", to_string(p.activation)},
            {"learning_rate_init", p.learning_rate_init},
            {"alpha", p.alpha},
            {"batch_size", p.batch_size},
            {"max_iter", p.max_iter},
            {"tol", p.tol},
            {"early_stopping", p.early_stopping},
            {"validation_fraction", p.validation_fraction},
            {"n_iter_no_change", p.n_iter_no_change}};
}

METALEARN_INLINE MLPFitState fit_mlp(std::string_view where, const MLPParams& p, std::uint64_t seed, const MatrixRef& X,
                                     const Matrix& Y, bool classify, const VectorRef& y) {
    const Index n = X.rows();
    const Index m = Y.cols();
    std::vector<Index> sizes{X.cols()};
    for (int l = 0; l < p.hidden_layers; ++l) sizes.push_back(p.hidden_units);
    sizes.push_back(m);
    MLPFitState st;
    st.net = Network(sizes, p.activation);
    Rng init_rng(derive_seed(seed, {0}));
    st.theta = st.net.init_params(init_rng, Init::glorot_uniform);
    const Loss loss = classify ? Loss::softmax_cross_entropy : Loss::mse;
    const double loss_scale = classify ? 1.0 : 0.5;  // sklearn's squared_error is ½·MSE

    // Rows used for training and (early stopping) validation.
    std::vector<Index> train(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i) train[static_cast<std::size_t>(i)] = i;
    std::vector<Index> valid;
    if (p.early_stopping) {
        Rng split_rng(derive_seed(seed, {2}));
        split_rng.shuffle(train.begin(), train.end());
        const auto n_val = static_cast<Index>(std::ceil(p.validation_fraction * static_cast<double>(n)));
        if (n_val < 1 || n - n_val < 1)
            throw DataError(fmt::format("{}: too few samples for early stopping (expected a validation and a "
                                        "training part of >= 1 row each, got n = {})",
                                        where, n));
        valid.assign(train.end() - n_val, train.end());
        train.resize(static_cast<std::size_t>(n - n_val));
    }
    const auto n_train = static_cast<Index>(train.size());
    const Index bs = std::min<Index>(p.batch_size, n_train);

    Matrix Xv, Yv;
    Vector yv;
    if (!valid.empty()) {
        Xv.resize(static_cast<Index>(valid.size()), X.cols());
        yv.resize(static_cast<Index>(valid.size()));
        for (std::size_t i = 0; i < valid.size(); ++i) {
            Xv.row(static_cast<Index>(i)) = X.row(valid[i]);
            yv[static_cast<Index>(i)] = y[valid[i]];
        }
    }
    const auto validation_score = [&](const Vector& theta, Network::Workspace& ws) {
        const Matrix& F = st.net.forward(theta, Xv, ws);
        if (classify) {
            double correct = 0;
            for (Index i = 0; i < F.rows(); ++i) {
                Index a = 0;
                F.row(i).maxCoeff(&a);
                correct += static_cast<double>(a) == yv[i] ? 1.0 : 0.0;
            }
            return correct / static_cast<double>(F.rows());
        }
        const double ss_res = (F.col(0) - yv).squaredNorm();
        const double ss_tot = (yv.array() - yv.mean()).square().sum();
        if (ss_tot == 0) return ss_res == 0 ? 1.0 : 0.0;
        return 1.0 - ss_res / ss_tot;
    };

    Adam adam(st.net.n_params(), {.learning_rate = p.learning_rate_init});
    Rng shuffle_rng(derive_seed(seed, {1}));
    Network::Workspace ws;
    Vector grad;
    Matrix Xb, Yb;
    double best_loss = std::numeric_limits<double>::infinity();
    double best_score = -std::numeric_limits<double>::infinity();
    Vector best_theta;
    int no_improvement = 0;
    for (int epoch = 0; epoch < p.max_iter; ++epoch) {
        shuffle_rng.shuffle(train.begin(), train.end());
        double epoch_loss = 0.0;
        for (Index start = 0; start < n_train; start += bs) {
            const Index nb = std::min(bs, n_train - start);
            Xb.resize(nb, X.cols());
            Yb.resize(nb, m);
            for (Index i = 0; i < nb; ++i) {
                const Index r = train[static_cast<std::size_t>(start + i)];
                Xb.row(i) = X.row(r);
                Yb.row(i) = Y.row(r);
            }
            double batch_loss = loss_scale * st.net.loss_and_gradient(st.theta, Xb, Yb, loss, ws, grad);
            if (loss_scale != 1.0) grad *= loss_scale;
            if (p.alpha > 0) {
                const double c = p.alpha / static_cast<double>(nb);
                for (Index l = 0; l < st.net.n_layers(); ++l) {
                    const Index off = st.net.param_offset(l);
                    const auto W = st.net.weights(st.theta, l);
                    grad.segment(off, W.size()) += c * st.theta.segment(off, W.size());
                    batch_loss += 0.5 * c * W.squaredNorm();
                }
            }
            if (!std::isfinite(batch_loss) || !grad.allFinite())
                throw NumericalError(fmt::format("{}: training diverged at epoch {} (non-finite loss; lower "
                                                 "learning_rate_init or scale the data)",
                                                 where, epoch + 1));
            adam.step(st.theta, grad);
            epoch_loss += batch_loss * static_cast<double>(nb);
        }
        epoch_loss /= static_cast<double>(n_train);
        st.loss_curve.push_back(epoch_loss);
        st.n_iter = epoch + 1;
        if (p.early_stopping) {
            const double score = validation_score(st.theta, ws);
            st.validation_scores.push_back(score);
            if (score < best_score + p.tol) ++no_improvement;
            else no_improvement = 0;
            if (score > best_score) {
                best_score = score;
                best_theta = st.theta;
            }
        } else {
            if (epoch_loss > best_loss - p.tol) ++no_improvement;
            else no_improvement = 0;
            if (epoch_loss < best_loss) best_loss = epoch_loss;
        }
        if (no_improvement > p.n_iter_no_change) break;
    }
    if (p.early_stopping && best_theta.size() == st.theta.size()) st.theta = best_theta;
    return st;
}

}  // namespace detail
}  // namespace metalearn::models

namespace metalearn::models {

METALEARN_INLINE void MLPClassifier::set_params(const params_type& p) {
    detail::validate_mlp("MLPClassifier::set_params()", p);
    p_ = p;
    fitted_ = false;
}

METALEARN_INLINE void MLPClassifier::fit(const MatrixRef& X, const VectorRef& y, Index n_classes) {
    constexpr std::string_view where = "MLPClassifier::fit()";
    detail::check_xy(where, X, y);
    Index k = 0;
    const auto codes = detail::class_codes(where, y, n_classes, k);
    detail::require_two_classes(where, detail::class_counts(codes, k));
    Matrix Y = Matrix::Zero(X.rows(), k);
    for (Index i = 0; i < X.rows(); ++i) Y(i, codes[static_cast<std::size_t>(i)]) = 1.0;
    auto st = detail::fit_mlp(where, p_, seed_, X, Y, true, y);
    net_ = std::move(st.net);
    theta_ = std::move(st.theta);
    loss_curve_ = std::move(st.loss_curve);
    validation_scores_ = std::move(st.validation_scores);
    n_iter_ = st.n_iter;
    k_ = k;
    fitted_ = true;
}

METALEARN_INLINE Matrix MLPClassifier::predict_proba(const MatrixRef& X) const {
    detail::require_fitted("MLPClassifier::predict_proba()", fitted_);
    detail::check_predict_x("MLPClassifier::predict_proba()", X, net_.n_inputs());
    Matrix P = net_.predict(theta_, X);
    detail::softmax_rows(P);
    return P;
}

METALEARN_INLINE void MLPRegressor::set_params(const params_type& p) {
    detail::validate_mlp("MLPRegressor::set_params()", p);
    p_ = p;
    fitted_ = false;
}

METALEARN_INLINE void MLPRegressor::fit(const MatrixRef& X, const VectorRef& y) {
    constexpr std::string_view where = "MLPRegressor::fit()";
    detail::check_xy(where, X, y);
    const Matrix Y = y;
    auto st = detail::fit_mlp(where, p_, seed_, X, Y, false, y);
    net_ = std::move(st.net);
    theta_ = std::move(st.theta);
    loss_curve_ = std::move(st.loss_curve);
    validation_scores_ = std::move(st.validation_scores);
    n_iter_ = st.n_iter;
    fitted_ = true;
}

METALEARN_INLINE Vector MLPRegressor::predict(const MatrixRef& X) const {
    detail::require_fitted("MLPRegressor::predict()", fitted_);
    detail::check_predict_x("MLPRegressor::predict()", X, net_.n_inputs());
    return net_.predict(theta_, X).col(0);
}

METALEARN_INLINE nlohmann::json MLPRegressor::to_json() const {
    detail::require_fitted("MLPRegressor::to_json()", fitted_);
    return {{"kind", name},
            {"version", 1},
            {"params", detail::mlp_params_json(p_)},
            {"seed", seed_},
            {"network", net_.to_json()},
            {"theta", detail::vector_json(theta_)},
            {"n_iter", n_iter_},
            {"loss_curve", loss_curve_},
            {"validation_scores", validation_scores_}};
}

METALEARN_INLINE MLPRegressor MLPRegressor::from_json(const nlohmann::json& j) {
    const detail::JsonAt at{"MLPRegressor::from_json()", ""};
    detail::json_check_header(j, at, name, 1);
    constexpr Index int_max = std::numeric_limits<int>::max();
    const auto pa = at / "params";
    const auto& pj = detail::json_field(j, at, "params");
    const auto int_field = [&](const char* key) {
        return static_cast<int>(detail::json_index(detail::json_field(pj, pa, key), pa / key, -int_max, int_max));
    };
    const auto real_field = [&](const char* key) { return detail::json_double(detail::json_field(pj, pa, key), pa / key); };
    params_type p;
    p.hidden_layers = int_field("hidden_layers");
    p.hidden_units = int_field("hidden_units");
    p.activation = detail::activation_from_json(detail::json_field(pj, pa, "activation"), pa / "activation");
    p.learning_rate_init = real_field("learning_rate_init");
    p.alpha = real_field("alpha");
    p.batch_size = int_field("batch_size");
    p.max_iter = int_field("max_iter");
    p.tol = real_field("tol");
    p.early_stopping = detail::json_bool(detail::json_field(pj, pa, "early_stopping"), pa / "early_stopping");
    p.validation_fraction = real_field("validation_fraction");
    p.n_iter_no_change = int_field("n_iter_no_change");
    MLPRegressor m;
    try {
        m.set_params(p);
    } catch (const ConfigError& e) {
        detail::json_value_error(pa, e.what());
    }
    m.seed_ = detail::json_uint64(detail::json_field(j, at, "seed"), at / "seed");
    const auto na = at / "network";
    m.net_ = Network::from_json(detail::json_field(j, at, "network"), na);
    const auto& sizes = m.net_.layer_sizes();
    bool matches = static_cast<Index>(sizes.size()) == p.hidden_layers + 2 && sizes.back() == 1 &&
                   m.net_.activation() == p.activation;
    for (std::size_t l = 1; matches && l + 1 < sizes.size(); ++l) matches = sizes[l] == p.hidden_units;
    if (!matches)
        detail::json_value_error(na, fmt::format("network does not match the parameters (expected {} hidden "
                                                 "layers of {} {} units and 1 output, got layer sizes [{}], {})",
                                                 p.hidden_layers, p.hidden_units, to_string(p.activation),
                                                 fmt::join(sizes, ", "), to_string(m.net_.activation())));
    m.theta_ = detail::json_vector(detail::json_field(j, at, "theta"), at / "theta", m.net_.n_params());
    m.n_iter_ = static_cast<int>(detail::json_index(detail::json_field(j, at, "n_iter"), at / "n_iter", 0, p.max_iter));
    m.loss_curve_ = to_std(detail::json_vector(detail::json_field(j, at, "loss_curve"), at / "loss_curve", m.n_iter_));
    m.validation_scores_ = to_std(detail::json_vector(detail::json_field(j, at, "validation_scores"),
                                                      at / "validation_scores", p.early_stopping ? m.n_iter_ : 0));
    m.fitted_ = true;
    return m;
}

}  // namespace metalearn::models
