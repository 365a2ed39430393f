#pragma once
/// @file network.hpp
/// @brief A small fully connected network on a flat parameter vector, with exact gradients,
/// exact Hessian-vector products, and the Adam optimiser.
///
/// `Network` is the one network core shared by the MLP base models (`models::MLPRegressor`,
/// `models::MLPClassifier`) and by gradient-based few-shot learning (`fewshot::Maml`, ...).
/// It holds only the architecture; the parameters θ live in a plain `Vector`, so optimisers and
/// meta-learners work on that vector directly.
///
/// Architecture: layer sizes {p, h1, ..., hL-1, m}: affine layers with a hidden activation
/// (ReLU, tanh or logistic) after each hidden layer and a linear output layer. Inputs are
/// batches, one sample per row (X n×p → output n×m).
///
/// Parameter layout in θ, layer by layer (l = 1..L, fan-in a = size[l-1], fan-out b = size[l]):
/// the weight matrix W_l (a×b, column-major) followed by the bias b_l (b). A layer computes
/// Z_l = A_{l-1} W_l + 1 b_lᵀ. `weights(θ, l)` / `bias(θ, l)` map these blocks without copying.
///
/// Losses (`Loss`), with outputs F (n×m) and targets Y (n×m):
/// - `mse`: (1/(n·m)) Σ (F − Y)², the mean over all entries (as PyTorch's `MSELoss`).
/// - `softmax_cross_entropy`: (1/n) Σ_i −Σ_k Y_ik log softmax(F_i)_k, with Y one-hot rows (or
///   any rows of class probabilities).
///
/// Gradients are computed by backpropagation. Hessian-vector products H·v are exact, computed
/// by forward-over-reverse differentiation: the R-operator R_v{·} = d/dε (·)(θ + εv)|ε=0 applied
/// to the forward and backward passes (Pearlmutter, "Fast exact multiplication by the Hessian",
/// Neural Computation 6(1), 1994). Cost: about twice a gradient. For ReLU, σ'' = 0 almost
/// everywhere (the kink is ignored, as in every autodiff framework).
///
/// Speed: all passes use Eigen matrix products on the whole batch and write into a `Workspace`
/// that is reused between calls; once its matrices have the batch's size, no pass allocates.
///
/// Stacked tasks (`task_gradients`, `task_hessian_vector_products`): T tasks of n rows each,
/// stacked in one (T·n)×p batch, all evaluated at the same θ. The products with the shared
/// weights (the forward pass, the back-propagated deltas, the R-passes' products with W_l) are
/// one matrix product over all T·n rows; only the per-task reductions (∂/∂W_l = A_{l−1}ᵀ D_l of
/// each task's rows) and the products with per-task directions are done task by task. Each
/// task's loss is its own mean, so column t equals `loss_and_gradient` on task t's rows up to
/// floating-point rounding (the tests check 1e-12 relative). Meta-learners use this for the
/// first inner step of a meta-batch, where every episode starts from the same θ.
///
/// One-step adaptation (`one_step_meta_gradient_sum`): after one SGD step on its support rows,
/// task t's weights are W_l − α A_{l−1,t}ᵀ D_{l,t}, of rank ≤ ns away from the shared W_l, so the
/// passes at the adapted parameters are products with the shared W_l over all tasks plus
/// per-task corrections through ns×nq matrices; MAML's meta-gradient sum over the tasks comes out
/// without any task's weights or gradient being formed.

#include "metalearn/core/error.hpp"
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

/// Hidden-layer activation function σ.
enum class Activation {
    relu,     ///< max(0, z)
    tanh,     ///< tanh(z)
    logistic  ///< 1 / (1 + e^−z)
};

/// Name of an activation ("relu", "tanh", "logistic").
[[nodiscard]] inline std::string_view to_string(Activation a) noexcept {
    switch (a) {
        case Activation::relu: return "relu";
        case Activation::tanh: return "tanh";
        case Activation::logistic: return "logistic";
    }
    return "?";
}

namespace detail {

/// The activation named by the JSON string j ("relu", "tanh" or "logistic", as `to_string`).
/// @throws ParseError when j is not one of these strings (the message names `at`).
[[nodiscard]] inline Activation activation_from_json(const nlohmann::json& j, const JsonAt& at) {
    const std::string& a = json_string(j, at);
    if (a == "relu") return Activation::relu;
    if (a == "tanh") return Activation::tanh;
    if (a != "logistic")
        json_structure_error(at, fmt::format("unknown activation (expected \"relu\", \"tanh\" or \"logistic\", got {})",
                                             json_preview(nlohmann::json(a))));
    return Activation::logistic;
}

}  // namespace detail

/// Training loss of a `Network` (see the file documentation for the formulas).
enum class Loss {
    mse,                   ///< mean squared error over all output entries
    softmax_cross_entropy  ///< mean over samples of the cross-entropy of softmax(outputs)
};

/// Weight initialisation scheme of `Network::init_params`.
enum class Init {
    /// PyTorch's default for `nn.Linear`: Kaiming-He uniform with a = √5, which gives weights and
    /// biases U(−1/√fan_in, 1/√fan_in) (He et al., ICCV 2015; PyTorch `reset_parameters`).
    pytorch_default,
    /// Glorot-Bengio uniform as scikit-learn's MLP: weights U(±√(f/(fan_in+fan_out))) with f = 6
    /// (f = 2 for logistic activations), biases from the same distribution (Glorot & Bengio,
    /// AISTATS 2010; sklearn `_init_coef`).
    glorot_uniform,
    /// He uniform for ReLU networks: weights U(±√(6/fan_in)), biases zero (He et al., ICCV 2015).
    he_uniform
};

/// A fully connected feed-forward network on a flat parameter vector (see the file docs).
///
/// A value type: copying it copies the architecture only. All member functions are const and
/// thread-safe as long as each thread uses its own `Workspace`.
class Network {
public:
    /// Reusable buffers of the forward, backward and R passes. Matrices are resized to the
    /// batch on first use and reused afterwards (no allocation while n stays the same).
    struct Workspace {
        std::vector<Matrix> Z;   ///< pre-activations, n×size[l]
        std::vector<Matrix> A;   ///< activations of hidden layers, n×size[l]
        std::vector<Matrix> S;   ///< σ'(Z_l) of hidden layers, n×size[l]
        std::vector<Matrix> D;   ///< ∂loss/∂Z_l
        std::vector<Matrix> G;   ///< ∂loss/∂A_l (hidden layers)
        std::vector<Matrix> RZ;  ///< R{Z_l}
        std::vector<Matrix> RA;  ///< R{A_l}
        std::vector<Matrix> RD;  ///< R{∂loss/∂Z_l}
        Matrix P;                ///< softmax probabilities (cross-entropy only), n×m
        Index n = -1;            ///< batch size of the last pass
    };

    /// An empty network (0 parameters); assign a constructed one before use.
    Network() = default;

    /// @param layer_sizes {p, h1, ..., m}: input width, hidden widths, output width; at least two
    ///        entries, all ≥ 1. E.g. {1, 40, 40, 1} for the sinusoid regression of MAML.
    /// @param activation hidden-layer activation (the output layer is linear).
    /// @throws ConfigError when fewer than two sizes are given or a size is < 1.
    explicit Network(std::vector<Index> layer_sizes, Activation activation = Activation::relu)
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

    /// The layer sizes {p, ..., m}.
    [[nodiscard]] const std::vector<Index>& layer_sizes() const noexcept { return sizes_; }
    /// The hidden activation.
    [[nodiscard]] Activation activation() const noexcept { return activation_; }
    /// Number of affine layers L (= layer_sizes().size() − 1).
    [[nodiscard]] Index n_layers() const noexcept { return sizes_.empty() ? 0 : static_cast<Index>(sizes_.size()) - 1; }
    /// Input width p.
    [[nodiscard]] Index n_inputs() const noexcept { return sizes_.empty() ? 0 : sizes_.front(); }
    /// Output width m.
    [[nodiscard]] Index n_outputs() const noexcept { return sizes_.empty() ? 0 : sizes_.back(); }
    /// Total number of parameters Σ_l (size[l-1]·size[l] + size[l]).
    [[nodiscard]] Index n_params() const noexcept { return n_params_; }

    /// The architecture as JSON: `{"layer_sizes": [p, h1, ..., m], "activation": "relu" |
    /// "tanh" | "logistic"}` (the parameters θ live outside the network; save them alongside).
    [[nodiscard]] nlohmann::json to_json() const {
        return {{"layer_sizes", sizes_}, {"activation", to_string(activation_)}};
    }

    /// A network from `to_json()`'s output.
    /// @throws ParseError when `j` is not an object with an array `layer_sizes` of integers and
    ///         a known `activation` name; DataError when there are fewer than two sizes, a size
    ///         is outside [1, 2²⁴] or the parameter count exceeds 2⁴⁰.
    [[nodiscard]] static Network from_json(const nlohmann::json& j) { return from_json(j, {"Network::from_json()", ""}); }

    /// As `from_json(j)`, for a network stored at `at` inside a larger document (messages name
    /// that place).
    [[nodiscard]] static Network from_json(const nlohmann::json& j, const detail::JsonAt& at) {
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

    /// Random initial parameters (length n_params()).
    /// @param rng the random source (advanced).
    /// @param init the scheme (see `Init`); PyTorch's default `nn.Linear` init unless given.
    [[nodiscard]] Vector init_params(Rng& rng, Init init = Init::pytorch_default) const {
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

    /// Offset of layer l's weight block in θ (l = 0..L−1); `param_offset(L)` = n_params().
    [[nodiscard]] Index param_offset(Index l) const { return offsets_.at(static_cast<std::size_t>(l)); }

    /// View of layer l's weights W_l (size[l]×size[l+1], l = 0..L−1) inside θ.
    [[nodiscard]] Eigen::Map<const Matrix> weights(const VectorRef& theta, Index l) const {
        const auto s = static_cast<std::size_t>(l);
        return {theta.data() + offsets_[s], sizes_[s], sizes_[s + 1]};
    }
    /// View of layer l's bias b_l (size[l+1]) inside θ.
    [[nodiscard]] Eigen::Map<const Vector> bias(const VectorRef& theta, Index l) const {
        const auto s = static_cast<std::size_t>(l);
        return {theta.data() + offsets_[s] + sizes_[s] * sizes_[s + 1], sizes_[s + 1]};
    }

    /// Forward pass: the outputs F (n×m) for inputs X (n×p), kept in `ws` (valid until the next pass).
    /// @throws DataError on a θ or X of the wrong shape.
    /// Complexity O(n · n_params()).
    const Matrix& forward(const VectorRef& theta, const MatrixRef& X, Workspace& ws) const {
        check_theta(theta, "forward");
        check_X(X, "forward");
        forward_impl(theta, X, ws);
        return ws.Z.back();
    }

    /// Outputs F (n×m) for inputs X (n×p); allocating convenience around `forward`.
    [[nodiscard]] Matrix predict(const VectorRef& theta, const MatrixRef& X) const {
        Workspace ws;
        return forward(theta, X, ws);
    }

    /// The loss of the outputs on targets Y (n×m) without gradient.
    /// @throws DataError on shapes that do not match.
    [[nodiscard]] double loss(const VectorRef& theta, const MatrixRef& X, const MatrixRef& Y, Loss loss_kind,
                              Workspace& ws) const {
        check_theta(theta, "loss");
        check_XY(X, Y, "loss");
        forward_impl(theta, X, ws);
        return loss_and_output_delta(Y, loss_kind, ws, false);
    }

    /// Loss and its gradient with respect to θ, by backpropagation.
    /// @param theta parameters (n_params()).
    /// @param X inputs n×p (n ≥ 1). @param Y targets n×m.
    /// @param grad resized to n_params() and overwritten with ∂loss/∂θ.
    /// @return the loss value.
    /// @throws DataError on shapes that do not match.
    /// Leaves in `ws` what `hessian_vector_product_cached` needs. Complexity O(n · n_params()).
    double loss_and_gradient(const VectorRef& theta, const MatrixRef& X, const MatrixRef& Y, Loss loss_kind,
                             Workspace& ws, Vector& grad) const {
        check_theta(theta, "loss_and_gradient");
        check_XY(X, Y, "loss_and_gradient");
        forward_impl(theta, X, ws);
        const double value = loss_and_output_delta(Y, loss_kind, ws, true);
        backward_impl(theta, X, ws, grad);
        return value;
    }

    /// Exact Hessian-vector product H(θ)·v of the loss, by the R-operator (Pearlmutter 1994).
    /// @param v direction (n_params()). @param hv resized and overwritten with H·v.
    /// @param grad if not null, also receives the gradient at θ.
    /// @return the loss value at θ.
    /// @throws DataError on shapes that do not match.
    /// Complexity O(n · n_params()), about two gradient evaluations.
    double hessian_vector_product(const VectorRef& theta, const MatrixRef& X, const MatrixRef& Y, Loss loss_kind,
                                  const VectorRef& v, Workspace& ws, Vector& hv, Vector* grad = nullptr) const {
        Vector local;
        Vector& g = grad ? *grad : local;
        const double value = loss_and_gradient(theta, X, Y, loss_kind, ws, g);
        hessian_vector_product_cached(theta, X, loss_kind, v, ws, hv);
        return value;
    }

    /// H(θ)·v reusing the forward and backward passes left in `ws` by the last
    /// `loss_and_gradient(theta, X, Y, loss_kind, ws, ...)` call with the SAME θ, X, Y and loss
    /// (saves one forward and one backward pass; MAML uses it).
    /// @throws DataError when v or X has the wrong shape or `ws` holds no pass of X's batch size.
    void hessian_vector_product_cached(const VectorRef& theta, const MatrixRef& X, Loss loss_kind, const VectorRef& v,
                                       Workspace& ws, Vector& hv) const {
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

    /// Per-task losses and gradients at one θ for T tasks of equal size stacked in one batch
    /// (see the file documentation).
    /// @param theta parameters (n_params()), shared by all tasks.
    /// @param X inputs (T·n)×p, task t in rows [t·n, (t+1)·n). @param Y targets (T·n)×m.
    /// @param n_tasks T ≥ 1, dividing X.rows().
    /// @param grads resized to n_params()×T; column t receives ∂L_t/∂θ, L_t the loss of task t's
    ///        rows alone (its own mean).
    /// @param losses resized to T; entry t receives L_t.
    /// @throws DataError on shapes that do not match or T not dividing the rows.
    /// Leaves in `ws` what `task_hessian_vector_products` needs. Complexity O(T·n · n_params()):
    /// the same work as T `loss_and_gradient` calls, with the shared-weight products done as one.
    void task_gradients(const VectorRef& theta, const MatrixRef& X, const MatrixRef& Y, Index n_tasks,
                        Loss loss_kind, Workspace& ws, Matrix& grads, Vector& losses) const {
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
                if (l == 0) gW.noalias() = X.middleRows(t * n, n).transpose() * Dt;
                else gW.noalias() = ws.A[s - 1].middleRows(t * n, n).transpose() * Dt;
                gb = Dt.colwise().sum().transpose();
            }
            if (l > 0) {
                Matrix& G = ws.G[s - 1];
                G.noalias() = D * weights(theta, l).transpose();
                ws.D[s - 1] = G.cwiseProduct(ws.S[s - 1]);
            }
        }
    }

    /// Per-task Hessian-vector products H_t(θ)·v_t of the T stacked tasks, reusing the passes
    /// left in `ws` by the last `task_gradients(theta, X, Y, n_tasks, loss_kind, ws, ...)` call
    /// with the SAME θ, X, Y, T and loss (R-operator, Pearlmutter 1994, as
    /// `hessian_vector_product_cached`).
    /// @param V directions, n_params()×T (column t for task t).
    /// @param HV resized to n_params()×T; column t receives H_t·v_t, H_t the Hessian of L_t.
    /// @throws DataError when V or X has the wrong shape or `ws` holds no pass of X's batch size.
    /// Complexity O(T·n · n_params()), about two gradient evaluations.
    void task_hessian_vector_products(const VectorRef& theta, const MatrixRef& X, Index n_tasks, Loss loss_kind,
                                      const MatrixRef& V, Workspace& ws, Matrix& HV) const {
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
            if (l > 0) RZ.noalias() = ws.RA[s - 1] * weights(theta, l);
            for (Index t = 0; t < n_tasks; ++t) {
                auto RZt = RZ.middleRows(t * n, n);
                if (l == 0) RZt.noalias() = X.middleRows(t * n, n) * vw(t, l);
                else RZt.noalias() += ws.A[s - 1].middleRows(t * n, n) * vw(t, l);
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
                    hW.noalias() = X.middleRows(t * n, n).transpose() * RDt;
                } else {
                    hW.noalias() = ws.A[s - 1].middleRows(t * n, n).transpose() * RDt;
                    hW.noalias() += ws.RA[s - 1].middleRows(t * n, n).transpose() * ws.D[s].middleRows(t * n, n);
                }
                hb = RDt.colwise().sum().transpose();
            }
            if (l > 0) {
                // R{G} = R{D_l} W_lᵀ (all tasks) + D_{l,t} V_{l,t}ᵀ (each task).
                Matrix& RG = ws.RA[s - 1];  // R{A_{l-1}} is no longer needed: reuse its buffer
                RG.noalias() = RD * weights(theta, l).transpose();
                for (Index t = 0; t < n_tasks; ++t)
                    RG.middleRows(t * n, n).noalias() += ws.D[s].middleRows(t * n, n) * vw(t, l).transpose();
                ws.RD[s - 1] = RG.cwiseProduct(ws.S[s - 1]);
                add_d2sigma(ws.G[s - 1], ws.A[s - 1], ws.S[s - 1], ws.RZ[s - 1], ws.RD[s - 1]);
            }
        }
    }

    /// Buffers of `one_step_meta_gradient_sum`: the passes on the support rows at θ and on the
    /// query rows at the adapted parameters, and the per-task small products they share.
    struct OneStepWorkspace {
        Workspace support;         ///< passes at θ on the support rows (and MAML's R-pass)
        Workspace query;           ///< passes at θ_t on the query rows
        std::vector<Matrix> C;     ///< per layer, task t's rows: A_{q,l−1,t} A_{s,l−1,t}ᵀ (nq×ns)
        std::vector<Matrix> E;     ///< per layer, task t's rows: D_{q,l,t} D_{s,l,t}ᵀ (nq×ns)
        Vector support_losses;     ///< per task: the support loss at θ
        RowVector row;             ///< scratch: one task's adapted bias
    };

    /// The sum over T stacked tasks of the one-step MAML meta-gradients, without forming any
    /// task's adapted weights.
    ///
    /// Task t adapts by one SGD step on its support rows, θ_t = θ − α ∇L_{S,t}(θ), and its
    /// meta-gradient is g_t = (I − α H_{S,t}(θ)) ∇L_{Q,t}(θ_t) (second order; Finn et al. 2017) or
    /// g_t = ∇L_{Q,t}(θ_t) (first order). One inner step changes layer l's weights by
    /// −α A_{s,l−1,t}ᵀ D_{s,l,t}, a matrix of rank ≤ ns, so every product with a task's adapted
    /// weights is a product with the shared W_l over all T tasks' rows plus an ns-rank correction
    /// per task, e.g. A_{q,t} W_{l,t} = A_{q,t} W_l − α (A_{q,t} A_{s,t}ᵀ) D_{s,t}; the R-pass
    /// (Pearlmutter 1994) of the Hessian-vector product at θ uses the same factors for the
    /// per-task direction ∇L_{Q,t}(θ_t), whose weight blocks are A_{q,t}ᵀ D_{q,t}. The sum over
    /// tasks of the weight gradients is one product over all rows. Same math as
    /// `loss_and_gradient` and `hessian_vector_product` task by task (the tests compare them);
    /// the result differs by rounding only.
    /// @param theta the shared parameters (n_params()).
    /// @param Xs support inputs (T·ns)×p, task t in rows [t·ns, (t+1)·ns). @param Ys targets (T·ns)×m.
    /// @param Xq query inputs (T·nq)×p, task t in rows [t·nq, (t+1)·nq). @param Yq targets (T·nq)×m.
    /// @param n_tasks T ≥ 1, dividing the rows of Xs and of Xq.
    /// @param alpha the inner step size α.
    /// @param second_order true: MAML's exact meta-gradient; false: first-order MAML's.
    /// @param grad_sum resized to n_params(); receives Σ_t g_t.
    /// @param query_losses resized to T; entry t receives L_{Q,t}(θ_t), the query loss after
    ///        adaptation (each task's own mean).
    /// @throws DataError on shapes that do not match or T not dividing the rows.
    /// Complexity O(T·(ns + nq) · n_params() + T·ns·nq·Σ_l size[l]): about the work of the
    /// task-by-task passes, with the products by the weights done as one over all tasks.
    void one_step_meta_gradient_sum(const VectorRef& theta, const MatrixRef& Xs, const MatrixRef& Ys,
                                    const MatrixRef& Xq, const MatrixRef& Yq, Index n_tasks, double alpha,
                                    Loss loss_kind, bool second_order, OneStepWorkspace& ws, Vector& grad_sum,
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
            s.G[u - 1].noalias() = s.D[u] * weights(theta, l).transpose();
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
            if (l == 0) Z.noalias() = Xq * weights(theta, l);
            else Z.noalias() = q.A[u - 1] * weights(theta, l);
            Matrix& C = ws.C[u];
            C.resize(T * nq, ns);
            for (Index t = 0; t < T; ++t) {
                auto Ct = C.middleRows(t * nq, nq);
                const auto Dst = s.D[u].middleRows(t * ns, ns);
                auto Zt = Z.middleRows(t * nq, nq);
                Ct.noalias() = in_q(l, t) * in_s(l, t).transpose();
                Zt.noalias() -= alpha * Ct * Dst;
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
            G.noalias() = q.D[u] * weights(theta, l).transpose();
            Matrix& E = ws.E[u];
            E.resize(T * nq, ns);
            for (Index t = 0; t < T; ++t) {
                auto Et = E.middleRows(t * nq, nq);
                Et.noalias() = q.D[u].middleRows(t * nq, nq) * s.D[u].middleRows(t * ns, ns).transpose();
                G.middleRows(t * nq, nq).noalias() -= alpha * Et * in_s(l, t);
            }
            q.D[u - 1] = G.cwiseProduct(q.S[u - 1]);
        }
        // Σ_t ∇L_{Q,t}(θ_t): one product over all query rows per layer.
        grad_sum.resize(n_params_);
        for (Index l = 0; l < L; ++l) {
            const auto u = static_cast<std::size_t>(l);
            Eigen::Map<Matrix> gW(grad_sum.data() + offsets_[u], sizes_[u], sizes_[u + 1]);
            Eigen::Map<Vector> gb(grad_sum.data() + offsets_[u] + sizes_[u] * sizes_[u + 1], sizes_[u + 1]);
            if (l == 0) gW.noalias() = Xq.transpose() * q.D[u];
            else gW.noalias() = q.A[u - 1].transpose() * q.D[u];
            gb = q.D[u].colwise().sum().transpose();
        }
        if (!second_order) return;
        // − α Σ_t H_{S,t}(θ) v_t with v_t = ∇L_{Q,t}(θ_t), whose layer-l weight block is
        // A_{q,t}ᵀ D_{q,t}: R-forward R{Z_{l,t}} = R{A_{l−1,t}} W_l + C_tᵀ D_{q,t} + 1 (1ᵀ D_{q,t}).
        prepare(s, Xs.rows(), true);
        for (Index l = 0; l < L; ++l) {
            const auto u = static_cast<std::size_t>(l);
            Matrix& RZ = s.RZ[u];
            if (l > 0) RZ.noalias() = s.RA[u - 1] * weights(theta, l);
            for (Index t = 0; t < T; ++t) {
                auto RZt = RZ.middleRows(t * ns, ns);
                const auto Ct = ws.C[u].middleRows(t * nq, nq);
                const auto Dqt = q.D[u].middleRows(t * nq, nq);
                if (l == 0) RZt.noalias() = Ct.transpose() * Dqt;
                else RZt.noalias() += Ct.transpose() * Dqt;
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
                gW.noalias() -= alpha * (Xs.transpose() * RD);
            } else {
                gW.noalias() -= alpha * (s.A[u - 1].transpose() * RD);
                gW.noalias() -= alpha * (s.RA[u - 1].transpose() * s.D[u]);
            }
            gb -= alpha * RD.colwise().sum().transpose();
            if (l > 0) {
                Matrix& RG = s.RA[u - 1];  // R{A_{l−1}} is no longer needed: reuse its buffer
                RG.noalias() = RD * weights(theta, l).transpose();
                for (Index t = 0; t < T; ++t)
                    RG.middleRows(t * ns, ns).noalias() +=
                        ws.E[u].middleRows(t * nq, nq).transpose() * q.A[u - 1].middleRows(t * nq, nq);
                s.RD[u - 1] = RG.cwiseProduct(s.S[u - 1]);
                add_d2sigma(s.G[u - 1], s.A[u - 1], s.S[u - 1], s.RZ[u - 1], s.RD[u - 1]);
            }
        }
    }

private:
    Index task_rows(const MatrixRef& X, Index n_tasks, const char* method) const {
        if (n_tasks < 1 || X.rows() % n_tasks != 0)
            throw DataError(fmt::format("Network::{}(): {} rows do not split into {} tasks of equal size", method,
                                        X.rows(), n_tasks));
        return X.rows() / n_tasks;
    }

    void check_theta(const VectorRef& theta, const char* method) const {
        if (theta.size() != n_params_)
            throw DataError(fmt::format("Network::{}(): parameter vector has {} entries (expected n_params() = {})",
                                        method, theta.size(), n_params_));
    }
    void check_X(const MatrixRef& X, const char* method) const {
        if (sizes_.empty())
            throw ConfigError(fmt::format("Network::{}(): empty network (construct it with layer sizes)", method));
        if (X.rows() < 1 || X.cols() != n_inputs())
            throw DataError(fmt::format("Network::{}(): input is {}x{} (expected n x {} with n >= 1)", method,
                                        X.rows(), X.cols(), n_inputs()));
    }
    void check_XY(const MatrixRef& X, const MatrixRef& Y, const char* method) const {
        check_X(X, method);
        if (Y.rows() != X.rows() || Y.cols() != n_outputs())
            throw DataError(fmt::format("Network::{}(): targets are {}x{} (expected {}x{})", method, Y.rows(),
                                        Y.cols(), X.rows(), n_outputs()));
    }

    void prepare(Workspace& ws, Index n, bool r_pass) const {
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

    // σ(Z) into A and σ'(Z) into S (kept for the backward and R passes).
    void activate(const Matrix& Z, Matrix& A, Matrix& S) const {
        switch (activation_) {
            case Activation::relu:
                A = Z.cwiseMax(0.0);
                S = (Z.array() > 0.0).cast<double>().matrix();
                break;
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

    // out += in ⊙ σ''(Z) ⊙ r (nothing for ReLU, whose σ'' is 0 almost everywhere);
    // tanh: σ'' = −2σσ'; logistic: σ'' = σ'(1 − 2σ).
    void add_d2sigma(const Matrix& in, const Matrix& A, const Matrix& S, const Matrix& r, Matrix& out) const {
        switch (activation_) {
            case Activation::relu: break;
            case Activation::tanh: out.array() += in.array() * (-2.0 * A.array() * S.array()) * r.array(); break;
            case Activation::logistic:
                out.array() += in.array() * (S.array() * (1.0 - 2.0 * A.array())) * r.array();
                break;
        }
    }

    void forward_impl(const VectorRef& theta, const MatrixRef& X, Workspace& ws) const {
        const Index L = n_layers();
        prepare(ws, X.rows(), false);
        ws.n = X.rows();
        for (Index l = 0; l < L; ++l) {
            const auto s = static_cast<std::size_t>(l);
            const auto W = weights(theta, l);
            const auto b = bias(theta, l);
            Matrix& Z = ws.Z[s];
            if (l == 0) Z.noalias() = X * W;
            else Z.noalias() = ws.A[s - 1] * W;
            Z.rowwise() += b.transpose();
            if (l + 1 < L) activate(Z, ws.A[s], ws.S[s]);
        }
    }

    // Loss at the stored outputs; when `delta`, writes ∂loss/∂Z_L into ws.D.back().
    double loss_and_output_delta(const MatrixRef& Y, Loss loss_kind, Workspace& ws, bool delta) const {
        Eigen::Matrix<double, 1, 1> value;
        output_delta(Y, loss_kind, ws.Z.back().rows(), ws, delta, value);
        return value[0];
    }

    // The loss of each group of `group_rows` consecutive rows (its own mean) into `group_loss`;
    // when `delta`, writes the derivative of each group's loss with respect to its outputs into
    // ws.D.back().
    void output_delta(const MatrixRef& Y, Loss loss_kind, Index group_rows, Workspace& ws, bool delta,
                      Eigen::Ref<Vector> group_loss) const {
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

    // R{∂loss/∂Z_L} into ws.RD.back() from ws.RZ.back(), for losses that are means over groups of
    // `group_rows` rows.
    void r_output_delta(Loss loss_kind, Index group_rows, Workspace& ws) const {
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

    void backward_impl(const VectorRef& theta, const MatrixRef& X, Workspace& ws, Vector& grad) const {
        const Index L = n_layers();
        grad.resize(n_params_);
        for (Index l = L - 1; l >= 0; --l) {
            const auto s = static_cast<std::size_t>(l);
            const Index a = sizes_[s];
            const Index b = sizes_[s + 1];
            Eigen::Map<Matrix> gW(grad.data() + offsets_[s], a, b);
            Eigen::Map<Vector> gb(grad.data() + offsets_[s] + a * b, b);
            const Matrix& D = ws.D[s];
            if (l == 0) gW.noalias() = X.transpose() * D;
            else gW.noalias() = ws.A[s - 1].transpose() * D;
            gb = D.colwise().sum().transpose();
            if (l > 0) {
                Matrix& G = ws.G[s - 1];
                G.noalias() = D * weights(theta, l).transpose();
                ws.D[s - 1] = G.cwiseProduct(ws.S[s - 1]);
            }
        }
    }

    void r_pass_impl(const VectorRef& theta, const MatrixRef& X, Loss loss_kind, const VectorRef& v, Workspace& ws,
                     Vector& hv) const {
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
                RZ.noalias() = X * V;
            } else {
                RZ.noalias() = ws.A[s - 1] * V;
                RZ.noalias() += ws.RA[s - 1] * weights(theta, l);
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
                hW.noalias() = X.transpose() * RD;
            } else {
                hW.noalias() = ws.A[s - 1].transpose() * RD;
                hW.noalias() += ws.RA[s - 1].transpose() * ws.D[s];
            }
            hb = RD.colwise().sum().transpose();
            if (l > 0) {
                // R{G} = R{D_l} W_lᵀ + D_l V_lᵀ; R{D_{l-1}} = R{G} ⊙ σ' + G ⊙ σ'' ⊙ R{Z_{l-1}}.
                Matrix& RG = ws.RA[s - 1];  // R{A_{l-1}} is no longer needed: reuse its buffer
                ws.RD[s - 1].noalias() = RD * weights(theta, l).transpose();
                ws.RD[s - 1].noalias() += ws.D[s] * weights(v, l).transpose();
                RG.swap(ws.RD[s - 1]);
                ws.RD[s - 1] = RG.cwiseProduct(ws.S[s - 1]);
                add_d2sigma(ws.G[s - 1], ws.A[s - 1], ws.S[s - 1], ws.RZ[s - 1], ws.RD[s - 1]);
            }
        }
    }

    std::vector<Index> sizes_;
    std::vector<Index> offsets_;
    Index n_params_ = 0;
    Activation activation_ = Activation::relu;
};

/// Hyperparameters of `Adam`; defaults as in the paper and PyTorch.
struct AdamParams {
    double learning_rate = 1e-3;  ///< step size, > 0
    double beta1 = 0.9;           ///< first-moment decay, in [0, 1)
    double beta2 = 0.999;         ///< second-moment decay, in [0, 1)
    double epsilon = 1e-8;        ///< added to √v̂, > 0
};

/// The Adam optimiser on a parameter vector (Kingma & Ba, "Adam: a method for stochastic
/// optimization", ICLR 2015, Algorithm 1):
/// m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²; θ ← θ − lr · m̂ / (√v̂ + ε) with bias-corrected
/// m̂ = m/(1−β1^t), v̂ = v/(1−β2^t).
class Adam {
public:
    Adam() = default;
    /// @param n_params length of the vectors it will update.
    /// @param params hyperparameters. @throws ConfigError on values out of range.
    explicit Adam(Index n_params, AdamParams params = {}) : p_(params), m_(Vector::Zero(n_params)), v_(Vector::Zero(n_params)) {
        if (!(p_.learning_rate > 0) || !std::isfinite(p_.learning_rate))
            throw ConfigError(fmt::format("Adam::Adam(): learning_rate must be > 0 (got {})", p_.learning_rate));
        if (!(p_.beta1 >= 0 && p_.beta1 < 1) || !(p_.beta2 >= 0 && p_.beta2 < 1))
            throw ConfigError(fmt::format("Adam::Adam(): betas must be in [0, 1) (got {}, {})", p_.beta1, p_.beta2));
        if (!(p_.epsilon > 0))
            throw ConfigError(fmt::format("Adam::Adam(): epsilon must be > 0 (got {})", p_.epsilon));
    }

    /// One update θ ← θ − lr · m̂/(√v̂ + ε) with gradient g (both n_params).
    /// @throws DataError on a size mismatch.
    void step(Vector& theta, const VectorRef& grad) {
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

    /// Forget the moments and the step count.
    void reset() {
        m_.setZero();
        v_.setZero();
        t_ = 0;
    }

    /// Change the step size (keeps the moments).
    void set_learning_rate(double lr) { p_.learning_rate = lr; }

    /// Number of steps taken.
    [[nodiscard]] long long steps() const noexcept { return t_; }
    /// The hyperparameters.
    [[nodiscard]] const AdamParams& params() const noexcept { return p_; }

private:
    AdamParams p_{};
    Vector m_;
    Vector v_;
    long long t_ = 0;
};

}  // namespace metalearn::models
