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

#include "metalearn/core/config.hpp"
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
[[nodiscard]] std::string_view to_string(Activation a) noexcept;

namespace detail {

/// The activation named by the JSON string j ("relu", "tanh" or "logistic", as `to_string`).
/// @throws ParseError when j is not one of these strings (the message names `at`).
[[nodiscard]] Activation activation_from_json(const nlohmann::json& j, const JsonAt& at);

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
    explicit Network(std::vector<Index> layer_sizes, Activation activation = Activation::relu);

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
    [[nodiscard]] nlohmann::json to_json() const;

    /// A network from `to_json()`'s output.
    /// @throws ParseError when `j` is not an object with an array `layer_sizes` of integers and
    ///         a known `activation` name; DataError when there are fewer than two sizes, a size
    ///         is outside [1, 2²⁴] or the parameter count exceeds 2⁴⁰.
    [[nodiscard]] static Network from_json(const nlohmann::json& j) { return from_json(j, {"Network::from_json()", ""}); }

    /// As `from_json(j)`, for a network stored at `at` inside a larger document (messages name
    /// that place).
    [[nodiscard]] static Network from_json(const nlohmann::json& j, const detail::JsonAt& at);

    /// Random initial parameters (length n_params()).
    /// @param rng the random source (advanced).
    /// @param init the scheme (see `Init`); PyTorch's default `nn.Linear` init unless given.
    [[nodiscard]] Vector init_params(Rng& rng, Init init = Init::pytorch_default) const;

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
    const Matrix& forward(const VectorRef& theta, const MatrixRef& X, Workspace& ws) const;

    /// Outputs F (n×m) for inputs X (n×p); allocating convenience around `forward`.
    [[nodiscard]] Matrix predict(const VectorRef& theta, const MatrixRef& X) const;

    /// The loss of the outputs on targets Y (n×m) without gradient.
    /// @throws DataError on shapes that do not match.
    [[nodiscard]] double loss(const VectorRef& theta, const MatrixRef& X, const MatrixRef& Y, Loss loss_kind,
                              Workspace& ws) const;

    /// Loss and its gradient with respect to θ, by backpropagation.
    /// @param theta parameters (n_params()).
    /// @param X inputs n×p (n ≥ 1). @param Y targets n×m.
    /// @param grad resized to n_params() and overwritten with ∂loss/∂θ.
    /// @return the loss value.
    /// @throws DataError on shapes that do not match.
    /// Leaves in `ws` what `hessian_vector_product_cached` needs. Complexity O(n · n_params()).
    double loss_and_gradient(const VectorRef& theta, const MatrixRef& X, const MatrixRef& Y, Loss loss_kind,
                             Workspace& ws, Vector& grad) const;

    /// Exact Hessian-vector product H(θ)·v of the loss, by the R-operator (Pearlmutter 1994).
    /// @param v direction (n_params()). @param hv resized and overwritten with H·v.
    /// @param grad if not null, also receives the gradient at θ.
    /// @return the loss value at θ.
    /// @throws DataError on shapes that do not match.
    /// Complexity O(n · n_params()), about two gradient evaluations.
    double hessian_vector_product(const VectorRef& theta, const MatrixRef& X, const MatrixRef& Y, Loss loss_kind,
                                  const VectorRef& v, Workspace& ws, Vector& hv, Vector* grad = nullptr) const;

    /// H(θ)·v reusing the forward and backward passes left in `ws` by the last
    /// `loss_and_gradient(theta, X, Y, loss_kind, ws, ...)` call with the SAME θ, X, Y and loss
    /// (saves one forward and one backward pass; MAML uses it).
    /// @throws DataError when v or X has the wrong shape or `ws` holds no pass of X's batch size.
    void hessian_vector_product_cached(const VectorRef& theta, const MatrixRef& X, Loss loss_kind, const VectorRef& v,
                                       Workspace& ws, Vector& hv) const;

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
                        Loss loss_kind, Workspace& ws, Matrix& grads, Vector& losses) const;

    /// Per-task Hessian-vector products H_t(θ)·v_t of the T stacked tasks, reusing the passes
    /// left in `ws` by the last `task_gradients(theta, X, Y, n_tasks, loss_kind, ws, ...)` call
    /// with the SAME θ, X, Y, T and loss (R-operator, Pearlmutter 1994, as
    /// `hessian_vector_product_cached`).
    /// @param V directions, n_params()×T (column t for task t).
    /// @param HV resized to n_params()×T; column t receives H_t·v_t, H_t the Hessian of L_t.
    /// @throws DataError when V or X has the wrong shape or `ws` holds no pass of X's batch size.
    /// Complexity O(T·n · n_params()), about two gradient evaluations.
    void task_hessian_vector_products(const VectorRef& theta, const MatrixRef& X, Index n_tasks, Loss loss_kind,
                                      const MatrixRef& V, Workspace& ws, Matrix& HV) const;

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
                                    Vector& query_losses) const;

private:
    Index task_rows(const MatrixRef& X, Index n_tasks, const char* method) const;

    void check_theta(const VectorRef& theta, const char* method) const;
    void check_X(const MatrixRef& X, const char* method) const;
    void check_XY(const MatrixRef& X, const MatrixRef& Y, const char* method) const;

    void prepare(Workspace& ws, Index n, bool r_pass) const;

    // σ(Z) into A and σ'(Z) into S (kept for the backward and R passes).
    void activate(const Matrix& Z, Matrix& A, Matrix& S) const;

    // out += in ⊙ σ''(Z) ⊙ r (nothing for ReLU, whose σ'' is 0 almost everywhere);
    // tanh: σ'' = −2σσ'; logistic: σ'' = σ'(1 − 2σ).
    void add_d2sigma(const Matrix& in, const Matrix& A, const Matrix& S, const Matrix& r, Matrix& out) const;

    void forward_impl(const VectorRef& theta, const MatrixRef& X, Workspace& ws) const;

    // Loss at the stored outputs; when `delta`, writes ∂loss/∂Z_L into ws.D.back().
    double loss_and_output_delta(const MatrixRef& Y, Loss loss_kind, Workspace& ws, bool delta) const;

    // The loss of each group of `group_rows` consecutive rows (its own mean) into `group_loss`;
    // when `delta`, writes the derivative of each group's loss with respect to its outputs into
    // ws.D.back().
    void output_delta(const MatrixRef& Y, Loss loss_kind, Index group_rows, Workspace& ws, bool delta,
                      Eigen::Ref<Vector> group_loss) const;

    // R{∂loss/∂Z_L} into ws.RD.back() from ws.RZ.back(), for losses that are means over groups of
    // `group_rows` rows.
    void r_output_delta(Loss loss_kind, Index group_rows, Workspace& ws) const;

    void backward_impl(const VectorRef& theta, const MatrixRef& X, Workspace& ws, Vector& grad) const;

    void r_pass_impl(const VectorRef& theta, const MatrixRef& X, Loss loss_kind, const VectorRef& v, Workspace& ws,
                     Vector& hv) const;

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
    explicit Adam(Index n_params, AdamParams params = {});

    /// One update θ ← θ − lr · m̂/(√v̂ + ε) with gradient g (both n_params).
    /// @throws DataError on a size mismatch.
    void step(Vector& theta, const VectorRef& grad);

    /// Forget the moments and the step count.
    void reset();

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

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/models/network_impl.hpp"
#endif
