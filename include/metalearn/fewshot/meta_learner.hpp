#pragma once
/// @file meta_learner.hpp
/// @brief Gradient-based meta-learning of a network initialisation: MAML (second order),
/// first-order MAML, Reptile, and a jointly pretrained baseline.
///
/// All four learn a parameter vector θ of a `models::Network` from episodes of a
/// `TaskDistribution`, with the same outer loop: each meta-iteration draws `meta_batch_size`
/// episodes, computes one meta-gradient per episode, averages them, and takes one Adam step
/// (Kingma & Ba 2015) with `meta_learning_rate`. They differ in the per-episode meta-gradient:
///
/// - `Maml` (Finn, Abbeel & Levine, ICML 2017): inner SGD θ_{k+1} = θ_k − α ∇L_S(θ_k) on the
///   support set for k = 0..S−1; meta-loss L_Q(θ_S) on the query set; exact meta-gradient
///   g = Π_{k}(I − α H_S(θ_k)) ∇L_Q(θ_S), evaluated right to left with exact Hessian-vector
///   products (`models::Network::hessian_vector_product_cached`, Pearlmutter 1994).
/// - `FirstOrderMaml`: the same with the Hessian terms dropped, g = ∇L_Q(θ_S) (Finn et al. §5.2).
/// - `Reptile` (Nichol, Achiam & Schulman, "On first-order meta-learning algorithms", 2018): S
///   SGD steps from θ to φ on all the episode's examples (support ∪ query; Reptile has no
///   support/query split), pseudo-gradient g = θ − φ fed to Adam, as the paper suggests (§3).
/// - `PretrainedBaseline`: joint training on all tasks, g = ∇L(θ) on support ∪ query, i.e. the
///   "pretrained" comparison of Finn et al. §5.1; fine-tuned with the same SGD at test time.
///
/// After meta-training, `adapt(support_X, support_Y, steps)` runs `steps` SGD steps with the
/// inner learning rate α from θ and returns the adapted parameters for a new task.
///
/// Randomness: iteration t draws episode b from an `Rng` seeded with
/// `derive_seed(seed, {t, b})`, so results depend only on the seed (and the iteration index,
/// which continues across repeated `meta_train` calls). With `n_threads` ≠ 1 the episodes of a
/// meta-batch are split over threads (`parallel_for`); episodes are drawn and gradients summed in
/// task order on the calling thread, so the result is the same for any thread count.
///
/// Speed: a meta-batch is processed in blocks of up to 25 episodes (a fixed split of the batch,
/// never of the thread count; threads take whole blocks; the default meta-batch is one block).
/// Only the sum of a block's meta-gradients is kept. All episodes start from the same θ, so
/// when a block's episodes have equal support and query sizes they are stacked:
/// - MAML and first-order MAML with one inner step (`models::Network::one_step_meta_gradient_sum`):
///   an episode's adapted weights differ from θ's by a matrix of rank ≤ its support size
///   (−α A_sᵀ D_s per layer), so every pass at the adapted parameters, and MAML's
///   Hessian-vector product at θ with the episode's query gradient as direction, is a product
///   with θ's weights over the whole block plus small per-episode corrections (support × query
///   sized), and the block's sum of weight gradients is one product over all its rows;
/// - otherwise the passes at θ — the first inner step of every method, the joint gradient of the
///   baseline, and MAML's last Hessian-vector product of the chain, at θ_0 — are matrix products
///   over the whole block (`models::Network::task_gradients`, `task_hessian_vector_products`),
///   and the passes at each episode's adapted parameters θ_k (k ≥ 1) run episode by episode.
/// The result equals the episode-by-episode computation (`task_meta_gradient`) up to
/// floating-point rounding.

#include "metalearn/core/error.hpp"
#include "metalearn/core/parallel.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/fewshot/task_distribution.hpp"
#include "metalearn/models/network.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace metalearn::fewshot {

/// Hyperparameters shared by the meta-learners. Defaults: the sinusoid setting of Finn et al.
/// (one inner step, α = 0.01, 25 tasks per meta-batch, Adam with 10⁻³), with 1,000 iterations.
struct MetaLearnerParams {
    int inner_steps = 1;                ///< S, SGD steps in the inner loop (≥ 0; ≥ 1 for Reptile)
    double inner_learning_rate = 0.01;  ///< α, inner SGD step size (> 0)
    int meta_batch_size = 25;           ///< episodes per meta-iteration (≥ 1)
    double meta_learning_rate = 1e-3;   ///< Adam step size of the outer loop (> 0)
    int iterations = 1000;              ///< meta-iterations per `meta_train` call (≥ 0)
    std::uint64_t seed = 0;             ///< seeds the initial θ and every episode
    int n_threads = 1;                  ///< threads sharing a meta-batch (≥ 0; 0 = all hardware threads, core/parallel.hpp); results do not depend on it
    models::Init init = models::Init::pytorch_default;  ///< initialisation of θ
};

/// What `meta_train` did.
struct MetaTrainResult {
    int iterations = 0;              ///< meta-iterations run (fewer if the callback stopped it)
    std::vector<double> meta_loss;   ///< per iteration: mean over the meta-batch of the loss the
                                     ///< method minimises (query loss after adaptation for MAML
                                     ///< and FO-MAML, loss at θ on the episode for the others)
};

/// Scores of adapted parameters on new tasks, see `MetaLearner::evaluate`.
struct AdaptationScores {
    std::vector<int> steps;      ///< the inner-step counts evaluated
    std::vector<double> loss;    ///< mean query loss after each step count
    std::vector<double> loss_ci; ///< half-width of the 95 % interval of that mean (1.96·sd/√n)
    std::vector<double> accuracy;    ///< classification: mean query accuracy (NaN for MSE)
    std::vector<double> accuracy_ci; ///< its 95 % half-width
    int n_tasks = 0;
};

namespace detail {

enum class MetaMethod { maml, first_order_maml, reptile, pretrained };

[[nodiscard]] constexpr std::string_view meta_method_name(MetaMethod m) noexcept {
    switch (m) {
        case MetaMethod::maml: return "Maml";
        case MetaMethod::first_order_maml: return "FirstOrderMaml";
        case MetaMethod::reptile: return "Reptile";
        case MetaMethod::pretrained: return "PretrainedBaseline";
    }
    return "?";
}

/// Buffers of one thread's per-episode meta-gradients.
struct TaskWorker {
    std::vector<Vector> thetas;                        // θ_0 .. θ_S of the inner loop
    std::vector<models::Network::Workspace> ws_inner;  // passes at each θ_k on the support set
    models::Network::Workspace ws_query;
    Vector step_grad, hv, phi;
    Matrix joint_X, joint_Y;
    // The stacked episodes of a block of the meta-batch (see MetaLearner::compute_block).
    Matrix stack_X, stack_Y;
    models::Network::Workspace ws_stack;
    Matrix grads0, dirs0, hvs0;  // n_params × T: gradients, MAML directions, H·v at θ_0
    Vector losses0;
    std::vector<std::vector<Vector>> task_thetas;                        // per task: θ_1 .. θ_{S-1}
    std::vector<std::vector<models::Network::Workspace>> task_ws_inner;  // per task: passes at θ_1 .. θ_{S-1}
    // One-step MAML / first-order MAML over a block (Network::one_step_meta_gradient_sum).
    Matrix stack_Xq, stack_Yq;
    models::Network::OneStepWorkspace ws_one;
    Vector block_losses;
};

/// Episodes per block of a meta-batch evaluated together: a constant, so that the blocks, and
/// hence the results, do not depend on the number of threads.
inline constexpr Index meta_block_size = 25;

}  // namespace detail

/// The common implementation of the four meta-learners (see the file documentation); use
/// `Maml`, `FirstOrderMaml`, `Reptile` or `PretrainedBaseline`.
class MetaLearner {
public:
    /// The network architecture.
    [[nodiscard]] const models::Network& network() const noexcept { return net_; }
    /// The meta-learned initialisation θ (n_params).
    [[nodiscard]] const Vector& params() const noexcept { return theta_; }
    /// Replace θ (e.g. to restart from saved parameters). @throws DataError on a wrong length.
    void set_params(const VectorRef& theta) {
        if (theta.size() != net_.n_params())
            throw DataError(fmt::format("{}::set_params(): {} parameters (expected {})", name(), theta.size(),
                                        net_.n_params()));
        theta_ = theta;
    }
    /// The hyperparameters.
    [[nodiscard]] const MetaLearnerParams& hyperparams() const noexcept { return p_; }
    /// The loss the network is trained with.
    [[nodiscard]] models::Loss loss() const noexcept { return loss_; }
    /// "Maml", "FirstOrderMaml", "Reptile" or "PretrainedBaseline".
    [[nodiscard]] std::string_view name() const noexcept { return detail::meta_method_name(method_); }
    /// Meta-iterations run so far (over all `meta_train` calls).
    [[nodiscard]] long long iterations_done() const noexcept { return iteration_; }

    /// Run `hyperparams().iterations` meta-iterations on episodes of `tasks`.
    /// @param tasks the training task distribution (its n_inputs/n_outputs must match the network).
    /// @param progress optional; called after each iteration with done/total; returning true stops.
    /// @return the per-iteration meta-losses.
    /// @throws DataError when the task widths do not match the network or an episode is not
    ///         finite; NumericalError when the meta-loss becomes non-finite (diverged; lower α or
    ///         the meta learning rate).
    /// Complexity per iteration: meta_batch_size × (S + 1) gradient passes (+ S Hessian-vector
    /// products for MAML), each O(n · n_params); stacked per block of up to 25 episodes (see the
    /// file documentation).
    template <TaskDistribution D>
    MetaTrainResult meta_train(const D& tasks, const ProgressCallback& progress = {}) {
        check_tasks(tasks, "meta_train");
        MetaTrainResult result;
        result.meta_loss.reserve(static_cast<std::size_t>(p_.iterations));
        Progress report;
        report.total = static_cast<std::size_t>(p_.iterations);
        report.label = std::string(name());
        for (int it = 0; it < p_.iterations; ++it) {
            const double value = meta_step(tasks);
            result.meta_loss.push_back(value);
            ++result.iterations;
            if (progress) {
                report.done = static_cast<std::size_t>(it) + 1;
                if (progress(report)) break;
            }
        }
        return result;
    }

    /// One meta-iteration (meta-batch, averaged meta-gradient, Adam step); returns its meta-loss.
    /// @throws as `meta_train`.
    template <TaskDistribution D>
    double meta_step(const D& tasks) {
        check_tasks(tasks, "meta_step");
        const auto B = static_cast<std::size_t>(p_.meta_batch_size);
        episodes_.resize(B);
        task_grads_.resize(B);
        task_losses_.assign(B, 0.0);
        // Episodes are drawn in order on this thread, so the distribution need not be thread-safe.
        for (std::size_t b = 0; b < B; ++b) {
            Rng rng(derive_seed(p_.seed, {static_cast<std::uint64_t>(iteration_), static_cast<std::uint64_t>(b)}));
            tasks.sample_episode(rng, episodes_[b]);
        }
        const double value = batch_gradient();
        if (!std::isfinite(value) || !meta_grad_.allFinite())
            throw NumericalError(fmt::format(
                "{}::meta_train(): meta-loss became non-finite at iteration {} (diverged; lower the learning rates)",
                name(), iteration_));
        adam_.step(theta_, meta_grad_);
        ++iteration_;
        return value;
    }

    /// The method's meta-gradient for one episode at the current θ (written to `grad`, n_params);
    /// returns the episode's meta-loss (see `MetaTrainResult::meta_loss`). Exposed for tests: it
    /// is the reference, computed episode by episode, of what `meta_step` computes in blocks.
    /// @throws DataError on an episode whose shapes do not fit the network.
    double task_meta_gradient(const Episode& e, Vector& grad) {
        if (workers_.empty()) workers_.resize(1);
        return compute_task_gradient(workers_[0], e, grad);
    }

    /// The meta-gradients of several episodes at the current θ, each kept (episodes of equal
    /// sizes stacked in blocks of up to 25, the passes at θ over the stack; `meta_step` does the
    /// same except for one-step MAML and first-order MAML, where it keeps only block sums, see
    /// `mean_meta_gradient`), without the Adam step: column b of `grads`
    /// (n_params × episodes.size()) for episode b, and the episodes' meta-losses.
    /// Equal to `task_meta_gradient` on each episode up to floating-point rounding. Exposed for
    /// tests. @throws DataError on an episode whose shapes do not fit the network.
    std::vector<double> task_meta_gradients(const std::vector<Episode>& episodes, Matrix& grads) {
        const auto B = static_cast<Index>(episodes.size());
        episodes_ = episodes;
        task_grads_.resize(episodes.size());
        task_losses_.assign(episodes.size(), 0.0);
        if (workers_.empty()) workers_.resize(1);
        for (Index c = 0, n_blocks = (B + detail::meta_block_size - 1) / detail::meta_block_size; c < n_blocks; ++c)
            compute_block(workers_[0], c * B / n_blocks, (c + 1) * B / n_blocks);
        grads.resize(net_.n_params(), B);
        for (Index b = 0; b < B; ++b) grads.col(b) = task_grads_[static_cast<std::size_t>(b)];
        return task_losses_;
    }

    /// The mean meta-gradient of several episodes at the current θ, exactly as `meta_step`
    /// computes it (blocks of episodes, sums per block), without the Adam step: `grad`
    /// (n_params) receives the mean over the episodes; returns the mean meta-loss. Equal to the
    /// mean of `task_meta_gradient` over the episodes up to floating-point rounding. Exposed for
    /// tests. @throws DataError on an empty list or an episode whose shapes do not fit the
    /// network.
    double mean_meta_gradient(const std::vector<Episode>& episodes, Vector& grad) {
        if (episodes.empty())
            throw DataError(fmt::format("{}::mean_meta_gradient(): no episodes (expected at least one)", name()));
        episodes_ = episodes;
        const double value = batch_gradient();
        grad = meta_grad_;
        return value;
    }

    /// Adapt θ to a new task: `steps` SGD steps with the inner learning rate α on the support set.
    /// @param support_X k×p inputs (finite). @param support_Y k×m targets (finite).
    /// @param steps number of SGD steps (≥ 0; 0 returns θ).
    /// @return the adapted parameters (n_params), usable with `predict`.
    /// @throws DataError on shapes that do not fit the network or non-finite values;
    ///         ConfigError on steps < 0.
    [[nodiscard]] Vector adapt(const MatrixRef& support_X, const MatrixRef& support_Y, int steps) const {
        if (steps < 0)
            throw ConfigError(fmt::format("{}::adapt(): steps must be >= 0 (got {})", name(), steps));
        check_xy(support_X, support_Y, "adapt");
        Vector phi = theta_;
        models::Network::Workspace ws;
        Vector g;
        for (int k = 0; k < steps; ++k) {
            net_.loss_and_gradient(phi, support_X, support_Y, loss_, ws, g);
            phi -= p_.inner_learning_rate * g;
        }
        return phi;
    }

    /// Network outputs (n×m) with parameters `params` (e.g. from `adapt`) for inputs X (n×p).
    /// @throws DataError on wrong shapes.
    [[nodiscard]] Matrix predict(const VectorRef& params, const MatrixRef& X) const { return net_.predict(params, X); }

    /// Mean query loss (and accuracy for classification) after adapting to `n_tasks` new episodes
    /// of `tasks` with each of `steps` SGD step counts; episodes drawn with
    /// `derive_seed(seed, {task})`.
    /// @throws ConfigError on n_tasks < 1 or a negative step count; DataError as `adapt`.
    template <TaskDistribution D>
    [[nodiscard]] AdaptationScores evaluate(const D& tasks, int n_tasks, std::vector<int> steps,
                                            std::uint64_t seed) const {
        check_tasks(tasks, "evaluate");
        if (n_tasks < 1)
            throw ConfigError(fmt::format("{}::evaluate(): n_tasks must be >= 1 (got {})", name(), n_tasks));
        int max_steps = 0;
        for (int s : steps) {
            if (s < 0) throw ConfigError(fmt::format("{}::evaluate(): step counts must be >= 0 (got {})", name(), s));
            max_steps = std::max(max_steps, s);
        }
        const std::size_t n_s = steps.size();
        std::vector<double> ls(n_s, 0.0), ls2(n_s, 0.0), acc(n_s, 0.0), acc2(n_s, 0.0);
        Episode e;
        models::Network::Workspace ws;
        Vector phi, g;
        const bool classify = loss_ == models::Loss::softmax_cross_entropy;
        for (int t = 0; t < n_tasks; ++t) {
            Rng rng(derive_seed(seed, {static_cast<std::uint64_t>(t)}));
            tasks.sample_episode(rng, e);
            check_xy(e.support_X, e.support_Y, "evaluate");
            phi = theta_;
            for (int k = 0; k <= max_steps; ++k) {
                for (std::size_t j = 0; j < n_s; ++j) {
                    if (steps[j] != k) continue;
                    const double l = net_.loss(phi, e.query_X, e.query_Y, loss_, ws);
                    ls[j] += l;
                    ls2[j] += l * l;
                    if (classify) {
                        const Matrix& F = ws.Z.back();
                        double correct = 0.0;
                        for (Index i = 0; i < F.rows(); ++i) {
                            Index a = 0, b = 0;
                            F.row(i).maxCoeff(&a);
                            e.query_Y.row(i).maxCoeff(&b);
                            correct += a == b ? 1.0 : 0.0;
                        }
                        const double a = correct / static_cast<double>(F.rows());
                        acc[j] += a;
                        acc2[j] += a * a;
                    }
                }
                if (k == max_steps) break;
                net_.loss_and_gradient(phi, e.support_X, e.support_Y, loss_, ws, g);
                phi -= p_.inner_learning_rate * g;
            }
        }
        AdaptationScores out;
        out.steps = std::move(steps);
        out.n_tasks = n_tasks;
        const auto n = static_cast<double>(n_tasks);
        const auto ci = [n](double s, double s2) {
            if (n < 2) return 0.0;
            const double mean = s / n;
            const double var = std::max(0.0, (s2 - n * mean * mean) / (n - 1));
            return 1.96 * std::sqrt(var / n);
        };
        for (std::size_t j = 0; j < n_s; ++j) {
            out.loss.push_back(ls[j] / n);
            out.loss_ci.push_back(ci(ls[j], ls2[j]));
            out.accuracy.push_back(classify ? acc[j] / n : std::nan(""));
            out.accuracy_ci.push_back(classify ? ci(acc[j], acc2[j]) : std::nan(""));
        }
        return out;
    }

protected:
    MetaLearner(detail::MetaMethod method, models::Network network, MetaLearnerParams params, models::Loss loss)
        : method_(method), net_(std::move(network)), p_(params), loss_(loss) {
        const auto who = std::string(name()) + "::" + std::string(name());
        if (net_.n_params() == 0)
            throw ConfigError(who + "(): the network has no parameters (construct it with layer sizes)");
        const int min_steps = method == detail::MetaMethod::reptile ? 1 : 0;
        if (p_.inner_steps < min_steps)
            throw ConfigError(fmt::format("{}(): inner_steps must be >= {} (got {})", who, min_steps, p_.inner_steps));
        if (!(p_.inner_learning_rate > 0) || !std::isfinite(p_.inner_learning_rate))
            throw ConfigError(fmt::format("{}(): inner_learning_rate must be finite and > 0 (got {})", who,
                                          p_.inner_learning_rate));
        if (p_.meta_batch_size < 1)
            throw ConfigError(fmt::format("{}(): meta_batch_size must be >= 1 (got {})", who, p_.meta_batch_size));
        if (!(p_.meta_learning_rate > 0) || !std::isfinite(p_.meta_learning_rate))
            throw ConfigError(fmt::format("{}(): meta_learning_rate must be finite and > 0 (got {})", who,
                                          p_.meta_learning_rate));
        if (p_.n_threads < 0)
            throw ConfigError(fmt::format("{}(): n_threads must be >= 0, 0 = all hardware threads (got {})", who,
                                          p_.n_threads));
        if (p_.iterations < 0)
            throw ConfigError(fmt::format("{}(): iterations must be >= 0 (got {})", who, p_.iterations));
        Rng rng(derive_seed(p_.seed, {0x1417ULL}));
        theta_ = net_.init_params(rng, p_.init);
        adam_ = models::Adam(net_.n_params(), {.learning_rate = p_.meta_learning_rate});
    }

private:
    // The per-episode meta-gradient of the method (see the file documentation), using the
    // buffers of one worker; reads θ, writes only to the worker and `grad`.
    double compute_task_gradient(detail::TaskWorker& w, const Episode& e, Vector& grad) const {
        const Index S = p_.inner_steps;
        const double alpha = p_.inner_learning_rate;
        switch (method_) {
            case detail::MetaMethod::maml:
            case detail::MetaMethod::first_order_maml: {
                w.thetas.resize(static_cast<std::size_t>(S) + 1);
                w.ws_inner.resize(static_cast<std::size_t>(S) + 1);
                w.thetas[0] = theta_;
                for (Index k = 0; k < S; ++k) {
                    const auto s = static_cast<std::size_t>(k);
                    net_.loss_and_gradient(w.thetas[s], e.support_X, e.support_Y, loss_, w.ws_inner[s], w.step_grad);
                    w.thetas[s + 1] = w.thetas[s] - alpha * w.step_grad;
                }
                const double q = net_.loss_and_gradient(w.thetas[static_cast<std::size_t>(S)], e.query_X, e.query_Y,
                                                        loss_, w.ws_query, grad);
                if (method_ == detail::MetaMethod::maml) {
                    // g ← (I − α H_S(θ_k)) g for k = S−1 .. 0, reusing each inner step's passes.
                    for (Index k = S - 1; k >= 0; --k) {
                        const auto s = static_cast<std::size_t>(k);
                        net_.hessian_vector_product_cached(w.thetas[s], e.support_X, loss_, grad, w.ws_inner[s], w.hv);
                        grad -= alpha * w.hv;
                    }
                }
                return q;
            }
            case detail::MetaMethod::reptile: {
                join(w, e);
                w.phi = theta_;
                double first = 0.0;
                for (Index k = 0; k < S; ++k) {
                    const double v = net_.loss_and_gradient(w.phi, w.joint_X, w.joint_Y, loss_, w.ws_query, w.step_grad);
                    if (k == 0) first = v;
                    w.phi -= alpha * w.step_grad;
                }
                grad = theta_ - w.phi;
                return first;
            }
            case detail::MetaMethod::pretrained: {
                join(w, e);
                return net_.loss_and_gradient(theta_, w.joint_X, w.joint_Y, loss_, w.ws_query, grad);
            }
        }
        return 0.0;
    }


    // The mean meta-gradient of episodes_ into meta_grad_; returns the mean meta-loss.
    // Episodes are checked and their gradients computed in parallel, in blocks of
    // `meta_block_size` episodes (fixed, whatever the thread count), each block with the scratch
    // buffers of the worker that runs it (`compute_block_sum`). Block sums and losses are added
    // in a fixed order on this thread, so the result does not depend on the number of threads.
    // A bad episode's DataError reaches the caller; with several, that of the first episode.
    double batch_gradient() {
        const auto B = episodes_.size();
        task_grads_.resize(B);
        task_losses_.assign(B, 0.0);
        const auto n_episodes = static_cast<Index>(B);
        const Index n_blocks = (n_episodes + detail::meta_block_size - 1) / detail::meta_block_size;
        block_grads_.resize(static_cast<std::size_t>(n_blocks));
        const Index n_workers = worker_count(n_blocks, p_.n_threads);
        if (workers_.size() < static_cast<std::size_t>(n_workers)) workers_.resize(static_cast<std::size_t>(n_workers));
        parallel_for(n_blocks, p_.n_threads, [this, n_episodes, n_blocks](Index c, Index w) {
            compute_block_sum(workers_[static_cast<std::size_t>(w)], c * n_episodes / n_blocks,
                              (c + 1) * n_episodes / n_blocks, block_grads_[static_cast<std::size_t>(c)]);
        });
        meta_grad_ = block_grads_[0];
        for (std::size_t c = 1; c < block_grads_.size(); ++c) meta_grad_ += block_grads_[c];
        meta_grad_ /= static_cast<double>(B);
        double total = 0.0;
        for (std::size_t b = 0; b < B; ++b) total += task_losses_[b];
        return total / static_cast<double>(B);
    }

    // The sum of the meta-gradients of episodes [first, last) into `sum` (their losses into
    // task_losses_). MAML and first-order MAML with one inner step on episodes of equal sizes
    // use `Network::one_step_meta_gradient_sum`, which never forms an episode's adapted weights
    // (each differs from θ's by a matrix of rank ≤ the support size); otherwise the per-episode
    // meta-gradients of `compute_block`, added in episode order.
    void compute_block_sum(detail::TaskWorker& w, Index first, Index last, Vector& sum) {
        const auto ep = [this](Index b) -> const Episode& { return episodes_[static_cast<std::size_t>(b)]; };
        const bool adapts = method_ == detail::MetaMethod::maml || method_ == detail::MetaMethod::first_order_maml;
        bool one_step = adapts && p_.inner_steps == 1;
        for (Index b = first + 1; b < last && one_step; ++b)
            one_step = ep(b).support_X.rows() == ep(first).support_X.rows() &&
                       ep(b).query_X.rows() == ep(first).query_X.rows();
        if (!one_step) {
            compute_block(w, first, last);
            sum = task_grads_[static_cast<std::size_t>(first)];
            for (Index b = first + 1; b < last; ++b) sum += task_grads_[static_cast<std::size_t>(b)];
            return;
        }
        for (Index b = first; b < last; ++b) {
            check_xy(ep(b).support_X, ep(b).support_Y, "meta_train");
            check_xy(ep(b).query_X, ep(b).query_Y, "meta_train");
        }
        const Index T = last - first;
        const Index ns = ep(first).support_X.rows();
        const Index nq = ep(first).query_X.rows();
        w.stack_X.resize(T * ns, net_.n_inputs());
        w.stack_Y.resize(T * ns, net_.n_outputs());
        w.stack_Xq.resize(T * nq, net_.n_inputs());
        w.stack_Yq.resize(T * nq, net_.n_outputs());
        for (Index t = 0; t < T; ++t) {
            const Episode& e = ep(first + t);
            w.stack_X.middleRows(t * ns, ns) = e.support_X;
            w.stack_Y.middleRows(t * ns, ns) = e.support_Y;
            w.stack_Xq.middleRows(t * nq, nq) = e.query_X;
            w.stack_Yq.middleRows(t * nq, nq) = e.query_Y;
        }
        net_.one_step_meta_gradient_sum(theta_, w.stack_X, w.stack_Y, w.stack_Xq, w.stack_Yq, T,
                                        p_.inner_learning_rate, loss_, method_ == detail::MetaMethod::maml, w.ws_one,
                                        sum, w.block_losses);
        for (Index t = 0; t < T; ++t) task_losses_[static_cast<std::size_t>(first + t)] = w.block_losses[t];
    }

    // The meta-gradients of episodes [first, last) into task_grads_ / task_losses_. When the
    // episodes have equal support and query sizes (and the method has an inner step), they are
    // stacked and every pass at the shared θ_0 — the first inner step of all of them, and for
    // MAML the last Hessian-vector product of the backward chain, at θ_0 — runs once over the
    // stack (`Network::task_gradients`, `task_hessian_vector_products`); the passes at each
    // episode's own θ_k (k ≥ 1) run episode by episode. The same math as
    // `compute_task_gradient`, which runs otherwise.
    void compute_block(detail::TaskWorker& w, Index first, Index last) {
        const auto ep = [this](Index b) -> const Episode& { return episodes_[static_cast<std::size_t>(b)]; };
        for (Index b = first; b < last; ++b) {
            check_xy(ep(b).support_X, ep(b).support_Y, "meta_train");
            check_xy(ep(b).query_X, ep(b).query_Y, "meta_train");
        }
        const Index S = p_.inner_steps;
        const bool adapts = method_ == detail::MetaMethod::maml || method_ == detail::MetaMethod::first_order_maml;
        bool stack = !(adapts && S == 0);
        for (Index b = first + 1; b < last; ++b)
            stack = stack && ep(b).support_X.rows() == ep(first).support_X.rows() &&
                    ep(b).query_X.rows() == ep(first).query_X.rows();
        if (!stack) {
            for (Index b = first; b < last; ++b) {
                const auto i = static_cast<std::size_t>(b);
                task_losses_[i] = compute_task_gradient(w, episodes_[i], task_grads_[i]);
            }
            return;
        }
        const Index T = last - first;
        const Index ns = ep(first).support_X.rows();
        const Index nq = ep(first).query_X.rows();
        const Index n = adapts ? ns : ns + nq;  // rows per episode in the stack
        w.stack_X.resize(T * n, net_.n_inputs());
        w.stack_Y.resize(T * n, net_.n_outputs());
        for (Index t = 0; t < T; ++t) {
            const Episode& e = ep(first + t);
            w.stack_X.middleRows(t * n, ns) = e.support_X;
            w.stack_Y.middleRows(t * n, ns) = e.support_Y;
            if (!adapts) {
                w.stack_X.middleRows(t * n + ns, nq) = e.query_X;
                w.stack_Y.middleRows(t * n + ns, nq) = e.query_Y;
            }
        }
        net_.task_gradients(theta_, w.stack_X, w.stack_Y, T, loss_, w.ws_stack, w.grads0, w.losses0);
        const double alpha = p_.inner_learning_rate;
        if (method_ == detail::MetaMethod::pretrained) {
            for (Index t = 0; t < T; ++t) {
                const auto i = static_cast<std::size_t>(first + t);
                task_grads_[i] = w.grads0.col(t);
                task_losses_[i] = w.losses0[t];
            }
            return;
        }
        if (method_ == detail::MetaMethod::reptile) {
            for (Index t = 0; t < T; ++t) {
                const auto i = static_cast<std::size_t>(first + t);
                const auto X = w.stack_X.middleRows(t * n, n);
                const auto Y = w.stack_Y.middleRows(t * n, n);
                w.phi = theta_ - alpha * w.grads0.col(t);
                for (Index k = 1; k < S; ++k) {
                    net_.loss_and_gradient(w.phi, X, Y, loss_, w.ws_query, w.step_grad);
                    w.phi -= alpha * w.step_grad;
                }
                task_grads_[i] = theta_ - w.phi;
                task_losses_[i] = w.losses0[t];
            }
            return;
        }
        // MAML and first-order MAML: θ_1 = θ_0 − α g_0 from the stack, θ_2 .. θ_S per episode.
        const bool second = method_ == detail::MetaMethod::maml;
        const auto Su = static_cast<std::size_t>(S);
        if (w.task_thetas.size() < static_cast<std::size_t>(T)) {
            w.task_thetas.resize(static_cast<std::size_t>(T));
            w.task_ws_inner.resize(static_cast<std::size_t>(T));
        }
        if (second) w.dirs0.resize(net_.n_params(), T);
        for (Index t = 0; t < T; ++t) {
            const auto i = static_cast<std::size_t>(first + t);
            const Episode& e = episodes_[i];
            auto& th = w.task_thetas[static_cast<std::size_t>(t)];
            auto& wsi = w.task_ws_inner[static_cast<std::size_t>(t)];
            th.resize(Su + 1);
            wsi.resize(Su + 1);
            th[1] = theta_ - alpha * w.grads0.col(t);
            for (std::size_t k = 1; k < Su; ++k) {
                net_.loss_and_gradient(th[k], e.support_X, e.support_Y, loss_, wsi[k], w.step_grad);
                th[k + 1] = th[k] - alpha * w.step_grad;
            }
            Vector& grad = task_grads_[i];
            task_losses_[i] = net_.loss_and_gradient(th[Su], e.query_X, e.query_Y, loss_, w.ws_query, grad);
            if (second) {
                // g ← (I − α H_S(θ_k)) g for k = S−1 .. 1 per episode; k = 0 below, over the stack.
                for (std::size_t k = Su - 1; k >= 1; --k) {
                    net_.hessian_vector_product_cached(th[k], e.support_X, loss_, grad, wsi[k], w.hv);
                    grad -= alpha * w.hv;
                }
                w.dirs0.col(t) = grad;
            }
        }
        if (second) {
            net_.task_hessian_vector_products(theta_, w.stack_X, T, loss_, w.dirs0, w.ws_stack, w.hvs0);
            for (Index t = 0; t < T; ++t) task_grads_[static_cast<std::size_t>(first + t)] -= alpha * w.hvs0.col(t);
        }
    }

    template <class D>
    void check_tasks(const D& tasks, const char* method) const {
        if (tasks.n_inputs() != net_.n_inputs() || tasks.n_outputs() != net_.n_outputs())
            throw DataError(fmt::format("{}::{}(): tasks have {} inputs and {} outputs (expected the network's {} and {})",
                                        name(), method, tasks.n_inputs(), tasks.n_outputs(), net_.n_inputs(),
                                        net_.n_outputs()));
        if (tasks.loss() != loss_)
            throw DataError(fmt::format("{}::{}(): the tasks' loss differs from the learner's", name(), method));
    }

    void check_xy(const MatrixRef& X, const MatrixRef& Y, const char* method) const {
        if (X.rows() < 1 || X.cols() != net_.n_inputs() || Y.rows() != X.rows() || Y.cols() != net_.n_outputs())
            throw DataError(fmt::format("{}::{}(): examples are {}x{} with targets {}x{} (expected k x {} and k x {}, k >= 1)",
                                        name(), method, X.rows(), X.cols(), Y.rows(), Y.cols(), net_.n_inputs(),
                                        net_.n_outputs()));
        if (!X.allFinite() || !Y.allFinite())
            throw DataError(fmt::format("{}::{}(): examples contain NaN or Inf (expected finite values)", name(),
                                        method));
    }

    static void join(detail::TaskWorker& w, const Episode& e) {
        w.joint_X.resize(e.support_X.rows() + e.query_X.rows(), e.support_X.cols());
        w.joint_Y.resize(e.support_Y.rows() + e.query_Y.rows(), e.support_Y.cols());
        w.joint_X.topRows(e.support_X.rows()) = e.support_X;
        w.joint_X.bottomRows(e.query_X.rows()) = e.query_X;
        w.joint_Y.topRows(e.support_Y.rows()) = e.support_Y;
        w.joint_Y.bottomRows(e.query_Y.rows()) = e.query_Y;
    }

    detail::MetaMethod method_;
    models::Network net_;
    MetaLearnerParams p_;
    models::Loss loss_;
    Vector theta_;
    models::Adam adam_;
    long long iteration_ = 0;
    // Buffers reused by every iteration (one worker per thread).
    std::vector<detail::TaskWorker> workers_;
    std::vector<Episode> episodes_;
    std::vector<Vector> task_grads_;
    std::vector<double> task_losses_;
    std::vector<Vector> block_grads_;
    Vector meta_grad_;
};

/// Second-order MAML (Finn, Abbeel & Levine, ICML 2017) with exact Hessian-vector products.
class Maml : public MetaLearner {
public:
    /// @param network the architecture, e.g. `models::Network({1, 40, 40, 1})`.
    /// @param params hyperparameters (see `MetaLearnerParams`).
    /// @param loss MSE for regression, softmax cross-entropy for classification.
    /// @throws ConfigError on invalid hyperparameters or an empty network.
    explicit Maml(models::Network network, MetaLearnerParams params = {}, models::Loss loss = models::Loss::mse)
        : MetaLearner(detail::MetaMethod::maml, std::move(network), params, loss) {}
};

/// First-order MAML: the MAML meta-gradient without second derivatives, ∇L_Q(θ_S).
class FirstOrderMaml : public MetaLearner {
public:
    /// @copydoc Maml::Maml
    explicit FirstOrderMaml(models::Network network, MetaLearnerParams params = {},
                            models::Loss loss = models::Loss::mse)
        : MetaLearner(detail::MetaMethod::first_order_maml, std::move(network), params, loss) {}
};

/// Reptile (Nichol, Achiam & Schulman 2018): pseudo-gradient θ − φ after S SGD steps
/// (inner_steps ≥ 1) on the whole episode.
class Reptile : public MetaLearner {
public:
    /// @copydoc Maml::Maml
    explicit Reptile(models::Network network, MetaLearnerParams params = {}, models::Loss loss = models::Loss::mse)
        : MetaLearner(detail::MetaMethod::reptile, std::move(network), params, loss) {}
};

/// Baseline: one network trained jointly on the episodes of all tasks (plain mini-batch training
/// on support ∪ query; no inner loop, so `inner_steps` is ignored), then fine-tuned on a new
/// task's support set by `adapt` / `evaluate` with the inner learning rate α.
class PretrainedBaseline : public MetaLearner {
public:
    /// @copydoc Maml::Maml
    explicit PretrainedBaseline(models::Network network, MetaLearnerParams params = {},
                                models::Loss loss = models::Loss::mse)
        : MetaLearner(detail::MetaMethod::pretrained, std::move(network), params, loss) {}
};

}  // namespace metalearn::fewshot
