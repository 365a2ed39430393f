#pragma once
/// @file network_impl.hpp
/// @brief Bodies of `Network` (see network.hpp). Included by that header in
/// header-only mode; compiled into the library in compiled mode (core/config.hpp).

#include "metalearn/models/network.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/gemm.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace metalearn::models {

METALEARN_INLINE std::string_view to_string(Activation a) noexcept {
    switch (a) {
        case Activation::relu: return "relu";
        case Activation::tanh: return "tanh";
        case Activation::logistic: return "logistic";
    }
    return "?";
}

}  // namespace metalearn::models

namespace metalearn::models {
namespace detail {

METALEARN_INLINE Activation activation_from_json(const nlohmann::json& j, const JsonAt& at) {
    const std::string& a = json_string(j, at);
    if (a == "relu") return Activation::relu;
    if (a == "tanh") return Activation::tanh;
    if (a != "logistic")
        json_structure_error(at, fmt::format("unknown activation (expected \"relu\", \"tanh\" or \"logistic\", got {})",
                                             json_preview(nlohmann::json(a))));
    return Activation::logistic;
}

}  // namespace detail
}  // namespace metalearn::models

namespace metalearn::models {

METALEARN_INLINE Network::Network(std::vector<Index> layer_sizes, Activation activation)
    : sizes_(std::move(layer_sizes)), activation_(activation) {
    if (sizes_.size() < 2)
        throw ConfigError(fmt::format(
            "Network::Network(): need at least input and output sizes (expected >= 2 layer sizes, got {})",
            sizes_.size()));
    for (std::size_t l = 0; l < sizes_.size(); ++l)
        if (sizes_[l] < 1)
            throw ConfigError(fmt::format("Network::Network(): layer {} has size {} (expected >= 1)", l, sizes_[l]));
    offsets_.resize(sizes_.size());
    Index off = 0;
    for (std::size_t l = 1; l < sizes_.size(); ++l) {
        offsets_[l - 1] = off;
        off += sizes_[l - 1] * sizes_[l] + sizes_[l];
    }
    offsets_.back() = off;
    n_params_ = off;
}

METALEARN_INLINE nlohmann::json Network::to_json() const {
    return {{"layer_sizes", sizes_}, {"activation", to_string(activation_)}};
}

METALEARN_INLINE Network Network::from_json(const nlohmann::json& j, const detail::JsonAt& at) {
    const auto& sj = detail::json_array(detail::json_field(j, at, "layer_sizes"), at / "layer_sizes");
    if (sj.size() < 2)
        detail::json_value_error(at / "layer_sizes", fmt::format("too few layer sizes (expected >= 2, got {})", sj.size()));
    constexpr Index max_size = Index{1} << 24;
    constexpr Index max_params = Index{1} << 40;
    std::vector<Index> sizes;
    Index n_params = 0;
    for (std::size_t l = 0; l < sj.size(); ++l) {
        sizes.push_back(detail::json_index(sj[l], at / "layer_sizes" / l, 1, max_size));
        if (l > 0) n_params += sizes[l - 1] * sizes[l] + sizes[l];  // ≤ 2⁴⁸ + 2²⁴ per layer: no overflow
        if (n_params > max_params)
            detail::json_value_error(at / "layer_sizes", fmt::format("too many parameters (expected <= 2^40, got "
                                                                     "more after layer {})",
                                                                     l));
    }
    const Activation act = detail::activation_from_json(detail::json_field(j, at, "activation"), at / "activation");
    return Network(std::move(sizes), act);
}

METALEARN_INLINE Vector Network::init_params(Rng& rng, Init init) const {
    Vector theta(n_params_);
    for (Index l = 0; l < n_layers(); ++l) {
        const Index a = sizes_[static_cast<std::size_t>(l)];
        const Index b = sizes_[static_cast<std::size_t>(l) + 1];
        const Index off = offsets_[static_cast<std::size_t>(l)];
        double wb = 0.0;
        double bb = 0.0;
        switch (init) {
            case Init::pytorch_default:
                wb = bb = 1.0 / std::sqrt(static_cast<double>(a));
                break;
            case Init::glorot_uniform: {
                const double f = activation_ == Activation::logistic ? 2.0 : 6.0;
                wb = bb = std::sqrt(f / static_cast<double>(a + b));
                break;
            }
            case Init::he_uniform:
                wb = std::sqrt(6.0 / static_cast<double>(a));
                bb = 0.0;
                break;
        }
        for (Index i = 0; i < a * b; ++i) theta[off + i] = rng.uniform(-wb, wb);
        for (Index i = 0; i < b; ++i) theta[off + a * b + i] = bb > 0 ? rng.uniform(-bb, bb) : 0.0;
    }
    return theta;
}

METALEARN_INLINE const Matrix& Network::forward(const VectorRef& theta, const MatrixRef& X, Workspace& ws) const {
    check_theta(theta, "forward");
    check_X(X, "forward");
    forward_impl(theta, X, ws);
    return ws.Z.back();
}

METALEARN_INLINE Matrix Network::predict(const VectorRef& theta, const MatrixRef& X) const {
    Workspace ws;
    return forward(theta, X, ws);
}

METALEARN_INLINE double Network::loss(const VectorRef& theta, const MatrixRef& X, const MatrixRef& Y, Loss loss_kind,
                                      Workspace& ws) const {
    check_theta(theta, "loss");
    check_XY(X, Y, "loss");
    forward_impl(theta, X, ws);
    return loss_and_output_delta(Y, loss_kind, ws, false);
}

METALEARN_INLINE double Network::loss_and_gradient(const VectorRef& theta, const MatrixRef& X, const MatrixRef& Y,
                                                   Loss loss_kind, Workspace& ws, Vector& grad) const {
    check_theta(theta, "loss_and_gradient");
    check_XY(X, Y, "loss_and_gradient");
    forward_impl(theta, X, ws);
    const double value = loss_and_output_delta(Y, loss_kind, ws, true);
    backward_impl(theta, X, ws, grad);
    return value;
}

METALEARN_INLINE double Network::hessian_vector_product(const VectorRef& theta, const MatrixRef& X, const MatrixRef& Y,
                                                        Loss loss_kind, const VectorRef& v, Workspace& ws, Vector& hv,
                                                        Vector* grad) const {
    Vector local;
    Vector& g = grad ? *grad : local;
    const double value = loss_and_gradient(theta, X, Y, loss_kind, ws, g);
    hessian_vector_product_cached(theta, X, loss_kind, v, ws, hv);
    return value;
}

METALEARN_INLINE void Network::hessian_vector_product_cached(const VectorRef& theta, const MatrixRef& X, Loss loss_kind,
                                                             const VectorRef& v, Workspace& ws, Vector& hv) const {
    check_theta(theta, "hessian_vector_product");
    check_X(X, "hessian_vector_product");
    if (v.size() != n_params_)
        throw DataError(fmt::format(
            "Network::hessian_vector_product(): direction has {} entries (expected n_params() = {})", v.size(),
            n_params_));
    if (ws.n != X.rows() || ws.D.size() != static_cast<std::size_t>(n_layers()))
        throw DataError(
            "Network::hessian_vector_product(): the workspace holds no gradient pass for this batch "
            "(call loss_and_gradient first)");
    r_pass_impl(theta, X, loss_kind, v, ws, hv);
}

METALEARN_INLINE void Network::task_gradients(const VectorRef& theta, const MatrixRef& X, const MatrixRef& Y,
                                              Index n_tasks, Loss loss_kind, Workspace& ws, Matrix& grads,
                                              Vector& losses) const {
    check_theta(theta, "task_gradients");
    check_XY(X, Y, "task_gradients");
    const Index n = task_rows(X, n_tasks, "task_gradients");
    forward_impl(theta, X, ws);
    losses.resize(n_tasks);
    output_delta(Y, loss_kind, n, ws, true, losses);
    grads.resize(n_params_, n_tasks);
    const Index L = n_layers();
    for (Index l = L - 1; l >= 0; --l) {
        const auto s = static_cast<std::size_t>(l);
        const Index a = sizes_[s];
        const Index b = sizes_[s + 1];
        const Matrix& D = ws.D[s];
        for (Index t = 0; t < n_tasks; ++t) {
            Eigen::Map<Matrix> gW(grads.col(t).data() + offsets_[s], a, b);
            Eigen::Map<Vector> gb(grads.col(t).data() + offsets_[s] + a * b, b);
            const auto Dt = D.middleRows(t * n, n);
            if (l == 0) metalearn::detail::gemm_into(gW, X.middleRows(t * n, n), true, Dt, false, false);
            else metalearn::detail::gemm_into(gW, ws.A[s - 1].middleRows(t * n, n), true, Dt, false, false);
            gb = Dt.colwise().sum().transpose();
        }
        if (l > 0) {
            Matrix& G = ws.G[s - 1];
            G.resize(D.rows(), a);
            metalearn::detail::gemm_into(G, D, false, weights(theta, l), true, false);
            ws.D[s - 1] = G.cwiseProduct(ws.S[s - 1]);
        }
    }
}

METALEARN_INLINE void Network::task_hessian_vector_products(const VectorRef& theta, const MatrixRef& X, Index n_tasks,
                                                            Loss loss_kind, const MatrixRef& V, Workspace& ws,
                                                            Matrix& HV) const {
    check_theta(theta, "task_hessian_vector_products");
    check_X(X, "task_hessian_vector_products");
    const Index n = task_rows(X, n_tasks, "task_hessian_vector_products");
    if (V.rows() != n_params_ || V.cols() != n_tasks)
        throw DataError(fmt::format("Network::task_hessian_vector_products(): directions are {}x{} (expected {}x{})",
                                    V.rows(), V.cols(), n_params_, n_tasks));
    if (ws.n != X.rows() || ws.D.size() != static_cast<std::size_t>(n_layers()))
        throw DataError(
            "Network::task_hessian_vector_products(): the workspace holds no gradient pass for this batch "
            "(call task_gradients first)");
    const Index L = n_layers();
    prepare(ws, X.rows(), true);
    const auto vw = [&](Index t, Index l) {
        const auto s = static_cast<std::size_t>(l);
        return Eigen::Map<const Matrix>(V.col(t).data() + offsets_[s], sizes_[s], sizes_[s + 1]);
    };
    const auto vb = [&](Index t, Index l) {
        const auto s = static_cast<std::size_t>(l);
        return Eigen::Map<const RowVector>(V.col(t).data() + offsets_[s] + sizes_[s] * sizes_[s + 1],
                                           sizes_[s + 1]);
    };
    // R-forward: R{Z_l} = R{A_{l-1}} W_l (all tasks) + A_{l-1,t} V_{l,t} + 1 c_{l,t}ᵀ (each task).
    for (Index l = 0; l < L; ++l) {
        const auto s = static_cast<std::size_t>(l);
        Matrix& RZ = ws.RZ[s];
        if (l > 0) metalearn::detail::gemm_into(RZ, ws.RA[s - 1], false, weights(theta, l), false, false);
        for (Index t = 0; t < n_tasks; ++t) {
            auto RZt = RZ.middleRows(t * n, n);
            if (l == 0) metalearn::detail::gemm_into(RZt, X.middleRows(t * n, n), false, vw(t, l), false, false);
            else metalearn::detail::gemm_into(RZt, ws.A[s - 1].middleRows(t * n, n), false, vw(t, l), false, true);
            RZt.rowwise() += vb(t, l);
        }
        if (l + 1 < L) ws.RA[s] = RZ.cwiseProduct(ws.S[s]);
    }
    r_output_delta(loss_kind, n, ws);
    // R-backward.
    HV.resize(n_params_, n_tasks);
    for (Index l = L - 1; l >= 0; --l) {
        const auto s = static_cast<std::size_t>(l);
        const Index a = sizes_[s];
        const Index b = sizes_[s + 1];
        const Matrix& RD = ws.RD[s];
        for (Index t = 0; t < n_tasks; ++t) {
            Eigen::Map<Matrix> hW(HV.col(t).data() + offsets_[s], a, b);
            Eigen::Map<Vector> hb(HV.col(t).data() + offsets_[s] + a * b, b);
            const auto RDt = RD.middleRows(t * n, n);
            if (l == 0) {
                metalearn::detail::gemm_into(hW, X.middleRows(t * n, n), true, RDt, false, false);
            } else {
                metalearn::detail::gemm_into(hW, ws.A[s - 1].middleRows(t * n, n), true, RDt, false, false);
                metalearn::detail::gemm_into(hW, ws.RA[s - 1].middleRows(t * n, n), true, ws.D[s].middleRows(t * n, n), false, true);
            }
            hb = RDt.colwise().sum().transpose();
        }
        if (l > 0) {
            // R{G} = R{D_l} W_lᵀ (all tasks) + D_{l,t} V_{l,t}ᵀ (each task).
            Matrix& RG = ws.RA[s - 1];  // R{A_{l-1}} is no longer needed: reuse its buffer
            RG.resize(RD.rows(), a);
            metalearn::detail::gemm_into(RG, RD, false, weights(theta, l), true, false);
            for (Index t = 0; t < n_tasks; ++t)
                metalearn::detail::gemm_into(RG.middleRows(t * n, n), ws.D[s].middleRows(t * n, n), false, vw(t, l), true, true);
            ws.RD[s - 1] = RG.cwiseProduct(ws.S[s - 1]);
            add_d2sigma(ws.G[s - 1], ws.A[s - 1], ws.S[s - 1], ws.RZ[s - 1], ws.RD[s - 1]);
        }
    }
}

METALEARN_INLINE void Network::one_step_meta_gradient_sum(const VectorRef& theta, const MatrixRef& Xs,
                                                          const MatrixRef& Ys, const MatrixRef& Xq, const MatrixRef& Yq,
                                                          Index n_tasks, double alpha, Loss loss_kind,
                                                          bool second_order, OneStepWorkspace& ws, Vector& grad_sum,
                                                          Vector& query_losses) const {
    check_theta(theta, "one_step_meta_gradient_sum");
    check_XY(Xs, Ys, "one_step_meta_gradient_sum");
    check_XY(Xq, Yq, "one_step_meta_gradient_sum");
    const Index T = n_tasks;
    const Index ns = task_rows(Xs, T, "one_step_meta_gradient_sum");
    const Index nq = task_rows(Xq, T, "one_step_meta_gradient_sum");
    const Index L = n_layers();
    const auto Lu = static_cast<std::size_t>(L);
    Workspace& s = ws.support;
    Workspace& q = ws.query;
    // The inputs of layer l on the support and query rows.
    const auto in_s = [&](Index l, Index t) -> MatrixRef {
        if (l == 0) return Xs.middleRows(t * ns, ns);
        return s.A[static_cast<std::size_t>(l) - 1].middleRows(t * ns, ns);
    };
    const auto in_q = [&](Index l, Index t) -> MatrixRef {
        if (l == 0) return Xq.middleRows(t * nq, nq);
        return q.A[static_cast<std::size_t>(l) - 1].middleRows(t * nq, nq);
    };
    // Support rows at θ: forward, loss derivatives, backward deltas D_{s,l}.
    forward_impl(theta, Xs, s);
    ws.support_losses.resize(T);
    output_delta(Ys, loss_kind, ns, s, true, ws.support_losses);
    for (Index l = L - 1; l > 0; --l) {
        const auto u = static_cast<std::size_t>(l);
        s.G[u - 1].resize(s.D[u].rows(), sizes_[u]);
        metalearn::detail::gemm_into(s.G[u - 1], s.D[u], false, weights(theta, l), true, false);
        s.D[u - 1] = s.G[u - 1].cwiseProduct(s.S[u - 1]);
    }
    // Query rows at θ_t: Z_{q,l,t} = A_{q,t} W_l − α C_t D_{s,t} + 1 (b_l − α 1ᵀ D_{s,t})ᵀ.
    prepare(q, Xq.rows(), false);
    q.n = Xq.rows();
    ws.C.resize(Lu);
    ws.E.resize(Lu);
    for (Index l = 0; l < L; ++l) {
        const auto u = static_cast<std::size_t>(l);
        Matrix& Z = q.Z[u];
        Z.resize(Xq.rows(), sizes_[u + 1]);
        if (l == 0) metalearn::detail::gemm_into(Z, Xq, false, weights(theta, l), false, false);
        else metalearn::detail::gemm_into(Z, q.A[u - 1], false, weights(theta, l), false, false);
        Matrix& C = ws.C[u];
        C.resize(T * nq, ns);
        for (Index t = 0; t < T; ++t) {
            auto Ct = C.middleRows(t * nq, nq);
            const auto Dst = s.D[u].middleRows(t * ns, ns);
            auto Zt = Z.middleRows(t * nq, nq);
            metalearn::detail::gemm_into(Ct, in_q(l, t), false, in_s(l, t), true, false);
            metalearn::detail::gemm_into(Zt, Ct, false, Dst, false, true, -alpha);
            ws.row = bias(theta, l).transpose() - alpha * Dst.colwise().sum();
            Zt.rowwise() += ws.row;
        }
        if (l + 1 < L) activate(Z, q.A[u], q.S[u]);
    }
    query_losses.resize(T);
    output_delta(Yq, loss_kind, nq, q, true, query_losses);
    // Query backward at θ_t: G_{q,l−1,t} = D_{q,l,t} W_lᵀ − α E_t A_{s,l−1,t}.
    for (Index l = L - 1; l > 0; --l) {
        const auto u = static_cast<std::size_t>(l);
        Matrix& G = q.G[u - 1];
        G.resize(q.D[u].rows(), sizes_[u]);
        metalearn::detail::gemm_into(G, q.D[u], false, weights(theta, l), true, false);
        Matrix& E = ws.E[u];
        E.resize(T * nq, ns);
        for (Index t = 0; t < T; ++t) {
            auto Et = E.middleRows(t * nq, nq);
            metalearn::detail::gemm_into(Et, q.D[u].middleRows(t * nq, nq), false, s.D[u].middleRows(t * ns, ns), true, false);
            metalearn::detail::gemm_into(G.middleRows(t * nq, nq), Et, false, in_s(l, t), false, true, -alpha);
        }
        q.D[u - 1] = G.cwiseProduct(q.S[u - 1]);
    }
    // Σ_t ∇L_{Q,t}(θ_t): one product over all query rows per layer.
    grad_sum.resize(n_params_);
    for (Index l = 0; l < L; ++l) {
        const auto u = static_cast<std::size_t>(l);
        Eigen::Map<Matrix> gW(grad_sum.data() + offsets_[u], sizes_[u], sizes_[u + 1]);
        Eigen::Map<Vector> gb(grad_sum.data() + offsets_[u] + sizes_[u] * sizes_[u + 1], sizes_[u + 1]);
        if (l == 0) metalearn::detail::gemm_into(gW, Xq, true, q.D[u], false, false);
        else metalearn::detail::gemm_into(gW, q.A[u - 1], true, q.D[u], false, false);
        gb = q.D[u].colwise().sum().transpose();
    }
    if (!second_order) return;
    // − α Σ_t H_{S,t}(θ) v_t with v_t = ∇L_{Q,t}(θ_t), whose layer-l weight block is
    // A_{q,t}ᵀ D_{q,t}: R-forward R{Z_{l,t}} = R{A_{l−1,t}} W_l + C_tᵀ D_{q,t} + 1 (1ᵀ D_{q,t}).
    prepare(s, Xs.rows(), true);
    for (Index l = 0; l < L; ++l) {
        const auto u = static_cast<std::size_t>(l);
        Matrix& RZ = s.RZ[u];
        if (l > 0) metalearn::detail::gemm_into(RZ, s.RA[u - 1], false, weights(theta, l), false, false);
        for (Index t = 0; t < T; ++t) {
            auto RZt = RZ.middleRows(t * ns, ns);
            const auto Ct = ws.C[u].middleRows(t * nq, nq);
            const auto Dqt = q.D[u].middleRows(t * nq, nq);
            metalearn::detail::gemm_into(RZt, Ct, true, Dqt, false, l > 0);
            ws.row = Dqt.colwise().sum();
            RZt.rowwise() += ws.row;
        }
        if (l + 1 < L) s.RA[u] = RZ.cwiseProduct(s.S[u]);
    }
    r_output_delta(loss_kind, ns, s);
    // R-backward: Σ_t of H_t v_t's weight blocks A_{s,l−1}ᵀ R{D_l} + R{A_{l−1}}ᵀ D_{s,l} over all
    // rows; R{G_{l−1,t}} = R{D_{l,t}} W_lᵀ + E_tᵀ A_{q,l−1,t}.
    for (Index l = L - 1; l >= 0; --l) {
        const auto u = static_cast<std::size_t>(l);
        const Index a = sizes_[u];
        const Index b = sizes_[u + 1];
        Eigen::Map<Matrix> gW(grad_sum.data() + offsets_[u], a, b);
        Eigen::Map<Vector> gb(grad_sum.data() + offsets_[u] + a * b, b);
        const Matrix& RD = s.RD[u];
        if (l == 0) {
            metalearn::detail::gemm_into(gW, Xs, true, RD, false, true, -alpha);
        } else {
            metalearn::detail::gemm_into(gW, s.A[u - 1], true, RD, false, true, -alpha);
            metalearn::detail::gemm_into(gW, s.RA[u - 1], true, s.D[u], false, true, -alpha);
        }
        gb -= alpha * RD.colwise().sum().transpose();
        if (l > 0) {
            Matrix& RG = s.RA[u - 1];  // R{A_{l−1}} is no longer needed: reuse its buffer
            RG.resize(RD.rows(), a);
            metalearn::detail::gemm_into(RG, RD, false, weights(theta, l), true, false);
            for (Index t = 0; t < T; ++t)
                metalearn::detail::gemm_into(RG.middleRows(t * ns, ns), ws.E[u].middleRows(t * nq, nq), true, q.A[u - 1].middleRows(t * nq, nq),
                    false, true);
            s.RD[u - 1] = RG.cwiseProduct(s.S[u - 1]);
            add_d2sigma(s.G[u - 1], s.A[u - 1], s.S[u - 1], s.RZ[u - 1], s.RD[u - 1]);
        }
    }
}

METALEARN_INLINE Index Network::task_rows(const MatrixRef& X, Index n_tasks, const char* method) const {
    if (n_tasks < 1 || X.rows() % n_tasks != 0)
        throw DataError(fmt::format("Network::{}(): {} rows do not split into {} tasks of equal size", method,
                                    X.rows(), n_tasks));
    return X.rows() / n_tasks;
}

METALEARN_INLINE void Network::check_theta(const VectorRef& theta, const char* method) const {
    if (theta.size() != n_params_)
        throw DataError(fmt::format("Network::{}(): parameter vector has {} entries (expected n_params() = {})",
                                    method, theta.size(), n_params_));
}

METALEARN_INLINE void Network::check_X(const MatrixRef& X, const char* method) const {
    if (sizes_.empty())
        throw ConfigError(fmt::format("Network::{}(): empty network (construct it with layer sizes)", method));
    if (X.rows() < 1 || X.cols() != n_inputs())
        throw DataError(fmt::format("Network::{}(): input is {}x{} (expected n x {} with n >= 1)", method,
                                    X.rows(), X.cols(), n_inputs()));
}

METALEARN_INLINE void Network::check_XY(const MatrixRef& X, const MatrixRef& Y, const char* method) const {
    check_X(X, method);
    if (Y.rows() != X.rows() || Y.cols() != n_outputs())
        throw DataError(fmt::format("Network::{}(): targets are {}x{} (expected {}x{})", method, Y.rows(),
                                    Y.cols(), X.rows(), n_outputs()));
}

METALEARN_INLINE void Network::prepare(Workspace& ws, Index n, bool r_pass) const {
    const auto L = static_cast<std::size_t>(n_layers());
    if (ws.Z.size() != L) {
        ws.Z.assign(L, Matrix());
        ws.A.assign(L, Matrix());
        ws.S.assign(L, Matrix());
        ws.D.assign(L, Matrix());
        ws.G.assign(L, Matrix());
        ws.RZ.assign(L, Matrix());
        ws.RA.assign(L, Matrix());
        ws.RD.assign(L, Matrix());
    }
    if (r_pass) {
        for (std::size_t l = 0; l < L; ++l) {
            ws.RZ[l].resize(n, sizes_[l + 1]);
            ws.RD[l].resize(n, sizes_[l + 1]);
            if (l + 1 < L) ws.RA[l].resize(n, sizes_[l + 1]);
        }
    }
}

METALEARN_INLINE void Network::activate(const Matrix& Z, Matrix& A, Matrix& S) const {
    switch (activation_) {
        case Activation::relu: {  // one pass for both
            A.resize(Z.rows(), Z.cols());
            S.resize(Z.rows(), Z.cols());
            const double* z = Z.data();
            double* a = A.data();
            double* d = S.data();
            for (Index i = 0; i < Z.size(); ++i) {
                const bool positive = z[i] > 0.0;
                a[i] = positive ? z[i] : 0.0;
                d[i] = positive ? 1.0 : 0.0;
            }
            break;
        }
        case Activation::tanh:
            A = Z.array().tanh().matrix();
            S = (1.0 - A.array().square()).matrix();
            break;
        case Activation::logistic:
            A = (1.0 / (1.0 + (-Z.array()).exp())).matrix();
            S = (A.array() * (1.0 - A.array())).matrix();
            break;
    }
}

METALEARN_INLINE void Network::add_d2sigma(const Matrix& in, const Matrix& A, const Matrix& S, const Matrix& r,
                                           Matrix& out) const {
    switch (activation_) {
        case Activation::relu: break;
        case Activation::tanh: out.array() += in.array() * (-2.0 * A.array() * S.array()) * r.array(); break;
        case Activation::logistic:
            out.array() += in.array() * (S.array() * (1.0 - 2.0 * A.array())) * r.array();
            break;
    }
}

METALEARN_INLINE void Network::forward_impl(const VectorRef& theta, const MatrixRef& X, Workspace& ws) const {
    const Index L = n_layers();
    prepare(ws, X.rows(), false);
    ws.n = X.rows();
    for (Index l = 0; l < L; ++l) {
        const auto s = static_cast<std::size_t>(l);
        const auto W = weights(theta, l);
        const auto b = bias(theta, l);
        Matrix& Z = ws.Z[s];
        Z.resize(X.rows(), W.cols());
        if (l == 0) metalearn::detail::gemm_into(Z, X, false, W, false, false);
        else metalearn::detail::gemm_into(Z, ws.A[s - 1], false, W, false, false);
        Z.rowwise() += b.transpose();
        if (l + 1 < L) activate(Z, ws.A[s], ws.S[s]);
    }
}

METALEARN_INLINE double Network::loss_and_output_delta(const MatrixRef& Y, Loss loss_kind, Workspace& ws, bool delta
                                                       ) const {
    Eigen::Matrix<double, 1, 1> value;
    output_delta(Y, loss_kind, ws.Z.back().rows(), ws, delta, value);
    return value[0];
}

METALEARN_INLINE void Network::output_delta(const MatrixRef& Y, Loss loss_kind, Index group_rows, Workspace& ws,
                                            bool delta, Eigen::Ref<Vector> group_loss) const {
    const Matrix& F = ws.Z.back();
    const Index n_groups = F.rows() / group_rows;
    const auto n = static_cast<double>(group_rows);
    if (loss_kind == Loss::mse) {
        const double scale = 1.0 / (n * static_cast<double>(F.cols()));
        Matrix& D = ws.D.back();
        D = F - Y;
        for (Index g = 0; g < n_groups; ++g) group_loss[g] = D.middleRows(g * group_rows, group_rows).squaredNorm() * scale;
        if (delta) D *= 2.0 * scale;
        return;
    }
    // Softmax cross-entropy, computed stably with the log-sum-exp of each row.
    Matrix& P = ws.P;
    P = F;
    for (Index g = 0; g < n_groups; ++g) {
        double value = 0.0;
        for (Index i = g * group_rows; i < (g + 1) * group_rows; ++i) {
            const double mx = P.row(i).maxCoeff();
            P.row(i).array() -= mx;
            const double lse = std::log(P.row(i).array().exp().sum());
            value -= (Y.row(i).array() * (P.row(i).array() - lse)).sum();
            P.row(i) = (P.row(i).array() - lse).exp().matrix();
        }
        group_loss[g] = value / n;
    }
    if (delta) ws.D.back() = (P - Y) / n;
}

METALEARN_INLINE void Network::r_output_delta(Loss loss_kind, Index group_rows, Workspace& ws) const {
    const Matrix& RZ = ws.RZ.back();
    Matrix& RD = ws.RD.back();
    const auto n = static_cast<double>(group_rows);
    if (loss_kind == Loss::mse) {
        RD = RZ * (2.0 / (n * static_cast<double>(RZ.cols())));
    } else {
        // R{softmax} = P ⊙ (R{Z} − rowsum(P ⊙ R{Z})).
        const Matrix& P = ws.P;
        RD = P.cwiseProduct(RZ);
        const Vector dot = RD.rowwise().sum();
        RD = (P.array() * (RZ.array().colwise() - dot.array())).matrix() / n;
    }
}

METALEARN_INLINE void Network::backward_impl(const VectorRef& theta, const MatrixRef& X, Workspace& ws, Vector& grad
                                             ) const {
    const Index L = n_layers();
    grad.resize(n_params_);
    for (Index l = L - 1; l >= 0; --l) {
        const auto s = static_cast<std::size_t>(l);
        const Index a = sizes_[s];
        const Index b = sizes_[s + 1];
        Eigen::Map<Matrix> gW(grad.data() + offsets_[s], a, b);
        Eigen::Map<Vector> gb(grad.data() + offsets_[s] + a * b, b);
        const Matrix& D = ws.D[s];
        if (l == 0) metalearn::detail::gemm_into(gW, X, true, D, false, false);
        else metalearn::detail::gemm_into(gW, ws.A[s - 1], true, D, false, false);
        gb = D.colwise().sum().transpose();
        if (l > 0) {
            Matrix& G = ws.G[s - 1];
            G.resize(D.rows(), a);
            metalearn::detail::gemm_into(G, D, false, weights(theta, l), true, false);
            ws.D[s - 1] = G.cwiseProduct(ws.S[s - 1]);
        }
    }
}

METALEARN_INLINE void Network::r_pass_impl(const VectorRef& theta, const MatrixRef& X, Loss loss_kind,
                                           const VectorRef& v, Workspace& ws, Vector& hv) const {
    const Index L = n_layers();
    const Index n = X.rows();
    prepare(ws, n, true);
    // R-forward: R{Z_l} = R{A_{l-1}} W_l + A_{l-1} V_l + 1 c_lᵀ; R{A_l} = σ'(Z_l) ⊙ R{Z_l}.
    for (Index l = 0; l < L; ++l) {
        const auto s = static_cast<std::size_t>(l);
        const auto V = weights(v, l);
        const auto c = bias(v, l);
        Matrix& RZ = ws.RZ[s];
        if (l == 0) {
            metalearn::detail::gemm_into(RZ, X, false, V, false, false);
        } else {
            metalearn::detail::gemm_into(RZ, ws.A[s - 1], false, V, false, false);
            metalearn::detail::gemm_into(RZ, ws.RA[s - 1], false, weights(theta, l), false, true);
        }
        RZ.rowwise() += c.transpose();
        if (l + 1 < L) ws.RA[s] = RZ.cwiseProduct(ws.S[s]);
    }
    r_output_delta(loss_kind, n, ws);
    // R-backward.
    hv.resize(n_params_);
    for (Index l = L - 1; l >= 0; --l) {
        const auto s = static_cast<std::size_t>(l);
        const Index a = sizes_[s];
        const Index b = sizes_[s + 1];
        Eigen::Map<Matrix> hW(hv.data() + offsets_[s], a, b);
        Eigen::Map<Vector> hb(hv.data() + offsets_[s] + a * b, b);
        const Matrix& RD = ws.RD[s];
        if (l == 0) {
            metalearn::detail::gemm_into(hW, X, true, RD, false, false);
        } else {
            metalearn::detail::gemm_into(hW, ws.A[s - 1], true, RD, false, false);
            metalearn::detail::gemm_into(hW, ws.RA[s - 1], true, ws.D[s], false, true);
        }
        hb = RD.colwise().sum().transpose();
        if (l > 0) {
            // R{G} = R{D_l} W_lᵀ + D_l V_lᵀ; R{D_{l-1}} = R{G} ⊙ σ' + G ⊙ σ'' ⊙ R{Z_{l-1}}.
            Matrix& RG = ws.RA[s - 1];  // R{A_{l-1}} is no longer needed: reuse its buffer
            ws.RD[s - 1].resize(RD.rows(), a);
            metalearn::detail::gemm_into(ws.RD[s - 1], RD, false, weights(theta, l), true, false);
            metalearn::detail::gemm_into(ws.RD[s - 1], ws.D[s], false, weights(v, l), true, true);
            RG.swap(ws.RD[s - 1]);
            ws.RD[s - 1] = RG.cwiseProduct(ws.S[s - 1]);
            add_d2sigma(ws.G[s - 1], ws.A[s - 1], ws.S[s - 1], ws.RZ[s - 1], ws.RD[s - 1]);
        }
    }
}

METALEARN_INLINE Adam::Adam(Index n_params, AdamParams params)
    : p_(params), m_(Vector::Zero(n_params)), v_(Vector::Zero(n_params)) {
    if (!(p_.learning_rate > 0) || !std::isfinite(p_.learning_rate))
        throw ConfigError(fmt::format("Adam::Adam(): learning_rate must be > 0 (got {})", p_.learning_rate));
    if (!(p_.beta1 >= 0 && p_.beta1 < 1) || !(p_.beta2 >= 0 && p_.beta2 < 1))
        throw ConfigError(fmt::format("Adam::Adam(): betas must be in [0, 1) (got {}, {})", p_.beta1, p_.beta2));
    if (!(p_.epsilon > 0))
        throw ConfigError(fmt::format("Adam::Adam(): epsilon must be > 0 (got {})", p_.epsilon));
}

METALEARN_INLINE void Adam::step(Vector& theta, const VectorRef& grad) {
    if (theta.size() != m_.size() || grad.size() != m_.size())
        throw DataError(fmt::format("Adam::step(): vectors have {} and {} entries (expected {})", theta.size(),
                                    grad.size(), m_.size()));
    ++t_;
    m_ = p_.beta1 * m_ + (1.0 - p_.beta1) * grad;
    v_ = p_.beta2 * v_ + (1.0 - p_.beta2) * grad.cwiseAbs2();
    const double c1 = 1.0 - std::pow(p_.beta1, static_cast<double>(t_));
    const double c2 = 1.0 - std::pow(p_.beta2, static_cast<double>(t_));
    const double step = p_.learning_rate / c1;
    theta.array() -= step * m_.array() / ((v_.array() / c2).sqrt() + p_.epsilon);
}

METALEARN_INLINE void Adam::reset() {
    m_.setZero();
    v_.setZero();
    t_ = 0;
}

}  // namespace metalearn::models
