#pragma once
/// @file task_distribution.hpp
/// @brief Task distributions for few-shot learning: the `TaskDistribution` concept, the sinusoid
/// regression tasks of MAML, and N-way K-shot classification episodes drawn from a labelled set.
///
/// A few-shot *episode* is one task's support set (the K examples a learner adapts on) and
/// query set (the examples its adapted version is scored on). Targets are matrices so that
/// regression (n×1 values) and classification (n×N one-hot rows) share one form.

#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/models/network.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <numbers>
#include <utility>
#include <vector>

namespace metalearn::fewshot {

/// One task's support and query sets. Rows are samples.
struct Episode {
    Matrix support_X;  ///< k×p support inputs
    Matrix support_Y;  ///< k×m support targets (values, or one-hot rows for classification)
    Matrix query_X;    ///< q×p query inputs
    Matrix query_Y;    ///< q×m query targets
};

/// A distribution over tasks that draws episodes.
///
/// Requirements: `sample_episode(rng, episode)` overwrites `episode` with a new task's support
/// and query sets, drawing every random number from `rng` (so a seeded `Rng` gives the same
/// episodes); `n_inputs()` p and `n_outputs()` m give the widths of X and Y; `loss()` names the
/// loss the targets are meant for. Minimal conforming distribution (one fixed line y = 2x):
/// @code
/// struct Line {
///     void sample_episode(metalearn::Rng& rng, metalearn::fewshot::Episode& e) const {
///         e.support_X.resize(5, 1); e.query_X.resize(5, 1);
///         for (int i = 0; i < 5; ++i) { e.support_X(i, 0) = rng.uniform(); e.query_X(i, 0) = rng.uniform(); }
///         e.support_Y = 2 * e.support_X; e.query_Y = 2 * e.query_X;
///     }
///     metalearn::Index n_inputs() const { return 1; }
///     metalearn::Index n_outputs() const { return 1; }
///     metalearn::models::Loss loss() const { return metalearn::models::Loss::mse; }
/// };
/// static_assert(metalearn::fewshot::TaskDistribution<Line>);
/// @endcode
template <class D>
concept TaskDistribution = requires(const D& d, Rng& rng, Episode& e) {
    d.sample_episode(rng, e);
    { d.n_inputs() } -> std::convertible_to<Index>;
    { d.n_outputs() } -> std::convertible_to<Index>;
    { d.loss() } -> std::convertible_to<models::Loss>;
};

/// Settings of `SinusoidTasks`; defaults are those of Finn, Abbeel & Levine (ICML 2017), §5.1.
struct SinusoidParams {
    Index support_size = 10;               ///< K, support points per task (≥ 1)
    Index query_size = 10;                 ///< query points per task (≥ 1)
    double amplitude_min = 0.1;            ///< A ~ U[amplitude_min, amplitude_max]
    double amplitude_max = 5.0;
    double phase_min = 0.0;                ///< φ ~ U[phase_min, phase_max]
    double phase_max = std::numbers::pi;
    double x_min = -5.0;                   ///< x ~ U[x_min, x_max]
    double x_max = 5.0;
};

/// One sinusoid task y = A·sin(x − φ).
struct SinusoidTask {
    double amplitude = 1.0;  ///< A
    double phase = 0.0;      ///< φ (radians)

    /// y for each x (n×1 → n×1).
    [[nodiscard]] Matrix operator()(const MatrixRef& x) const {
        return (amplitude * (x.array() - phase).sin()).matrix();
    }
};

/// Sinusoid regression tasks of MAML (Finn, Abbeel & Levine, "Model-agnostic meta-learning for
/// fast adaptation of deep networks", ICML 2017): y = A·sin(x − φ) with A ~ U[0.1, 5.0],
/// φ ~ U[0, π], inputs x ~ U[−5, 5]; support and query points are drawn independently.
/// Loss: MSE; p = m = 1.
class SinusoidTasks {
public:
    /// @throws ConfigError on sizes < 1 or empty / reversed ranges.
    explicit SinusoidTasks(SinusoidParams params = {}) : p_(params) {
        if (p_.support_size < 1 || p_.query_size < 1)
            throw ConfigError(fmt::format(
                "SinusoidTasks::SinusoidTasks(): support and query sizes must be >= 1 (got {} and {})",
                p_.support_size, p_.query_size));
        const auto check = [](double lo, double hi, const char* what) {
            if (!(std::isfinite(lo) && std::isfinite(hi) && lo <= hi))
                throw ConfigError(fmt::format(
                    "SinusoidTasks::SinusoidTasks(): {} range must be finite with min <= max (got [{}, {}])", what, lo,
                    hi));
        };
        check(p_.amplitude_min, p_.amplitude_max, "amplitude");
        check(p_.phase_min, p_.phase_max, "phase");
        check(p_.x_min, p_.x_max, "x");
    }

    /// The settings.
    [[nodiscard]] const SinusoidParams& params() const noexcept { return p_; }

    /// Draw a task (A, φ) (two uniform draws from `rng`).
    [[nodiscard]] SinusoidTask sample_task(Rng& rng) const {
        SinusoidTask t;
        t.amplitude = rng.uniform(p_.amplitude_min, p_.amplitude_max);
        t.phase = rng.uniform(p_.phase_min, p_.phase_max);
        return t;
    }

    /// Draw n points of task t into X (n×1) and Y (n×1).
    void sample_points(const SinusoidTask& t, Rng& rng, Index n, Matrix& X, Matrix& Y) const {
        X.resize(n, 1);
        Y.resize(n, 1);
        for (Index i = 0; i < n; ++i) {
            const double x = rng.uniform(p_.x_min, p_.x_max);
            X(i, 0) = x;
            Y(i, 0) = t.amplitude * std::sin(x - t.phase);
        }
    }

    /// A new task with `support_size` support and `query_size` query points.
    void sample_episode(Rng& rng, Episode& e) const {
        const SinusoidTask t = sample_task(rng);
        sample_points(t, rng, p_.support_size, e.support_X, e.support_Y);
        sample_points(t, rng, p_.query_size, e.query_X, e.query_Y);
    }

    [[nodiscard]] Index n_inputs() const noexcept { return 1; }
    [[nodiscard]] Index n_outputs() const noexcept { return 1; }
    [[nodiscard]] models::Loss loss() const noexcept { return models::Loss::mse; }

private:
    SinusoidParams p_;
};

static_assert(TaskDistribution<SinusoidTasks>);

/// Settings of `ClassificationTasks`.
struct ClassificationTaskParams {
    Index n_way = 5;            ///< N, classes per episode (≥ 2)
    Index k_shot = 1;           ///< K, support examples per class (≥ 1)
    Index query_per_class = 15; ///< query examples per class (≥ 1)
};

/// N-way K-shot classification episodes from a labelled data set (the protocol of Vinyals et
/// al., "Matching networks for one shot learning", NeurIPS 2016, used by MAML §5.2): each episode
/// draws N distinct classes from `classes`, maps them to labels 0..N−1 in random order, and draws
/// K support and `query_per_class` query examples of each, without replacement.
/// Targets are one-hot rows (N wide); loss: softmax cross-entropy.
/// Meta-training and meta-testing use disjoint `classes` lists of the same data.
class ClassificationTasks {
public:
    /// @param X n×p features (rows are samples; finite).
    /// @param labels n class codes (≥ 0).
    /// @param classes the class codes episodes draw from (distinct; at least N of them).
    /// @param params N, K and query size.
    /// @throws ConfigError on N < 2, K < 1, query < 1, fewer than N classes;
    ///         DataError on shapes that differ, non-finite X, or a class with fewer than
    ///         K + query_per_class examples.
    ClassificationTasks(Matrix X, const IndexVector& labels, std::vector<Index> classes,
                        ClassificationTaskParams params = {})
        : X_(std::move(X)), classes_(std::move(classes)), p_(params) {
        if (p_.n_way < 2 || p_.k_shot < 1 || p_.query_per_class < 1)
            throw ConfigError(fmt::format(
                "ClassificationTasks::ClassificationTasks(): need n_way >= 2, k_shot >= 1, query_per_class >= 1 "
                "(got {}, {}, {})",
                p_.n_way, p_.k_shot, p_.query_per_class));
        if (static_cast<Index>(classes_.size()) < p_.n_way)
            throw ConfigError(fmt::format(
                "ClassificationTasks::ClassificationTasks(): fewer classes than n_way (expected >= {}, got {})",
                p_.n_way, classes_.size()));
        if (labels.size() != X_.rows() || X_.rows() == 0)
            throw DataError(fmt::format(
                "ClassificationTasks::ClassificationTasks(): {} labels for {} rows (expected equal and >= 1)",
                labels.size(), X_.rows()));
        if (!X_.allFinite())
            throw DataError("ClassificationTasks::ClassificationTasks(): X contains NaN or Inf (expected finite values)");
        members_.resize(classes_.size());
        for (std::size_t c = 0; c < classes_.size(); ++c) {
            for (std::size_t d = 0; d < c; ++d)
                if (classes_[d] == classes_[c])
                    throw ConfigError(fmt::format(
                        "ClassificationTasks::ClassificationTasks(): class {} listed twice", classes_[c]));
            for (Index i = 0; i < labels.size(); ++i)
                if (labels[i] == classes_[c]) members_[c].push_back(i);
            const Index need = p_.k_shot + p_.query_per_class;
            if (static_cast<Index>(members_[c].size()) < need)
                throw DataError(fmt::format(
                    "ClassificationTasks::ClassificationTasks(): class {} has {} examples (expected >= k_shot + "
                    "query_per_class = {})",
                    classes_[c], members_[c].size(), need));
        }
        pick_classes_.resize(classes_.size());
    }

    /// A new N-way episode: N·K support rows and N·query_per_class query rows, grouped by label.
    void sample_episode(Rng& rng, Episode& e) const {
        const Index n = p_.n_way;
        const Index k = p_.k_shot;
        const Index q = p_.query_per_class;
        // Partial Fisher–Yates over the class list picks N distinct classes in random order.
        for (std::size_t c = 0; c < classes_.size(); ++c) pick_classes_[c] = c;
        for (Index j = 0; j < n; ++j) {
            const auto r = static_cast<std::size_t>(j) +
                           rng.uniform_index(static_cast<std::uint64_t>(classes_.size()) - static_cast<std::uint64_t>(j));
            std::swap(pick_classes_[static_cast<std::size_t>(j)], pick_classes_[r]);
        }
        e.support_X.resize(n * k, X_.cols());
        e.query_X.resize(n * q, X_.cols());
        e.support_Y.setZero(n * k, n);
        e.query_Y.setZero(n * q, n);
        for (Index j = 0; j < n; ++j) {
            auto& pool = pick_rows_;
            pool = members_[pick_classes_[static_cast<std::size_t>(j)]];
            for (Index t = 0; t < k + q; ++t) {
                const auto r = static_cast<std::size_t>(t) +
                               rng.uniform_index(static_cast<std::uint64_t>(pool.size()) - static_cast<std::uint64_t>(t));
                std::swap(pool[static_cast<std::size_t>(t)], pool[r]);
                const Index row = pool[static_cast<std::size_t>(t)];
                if (t < k) {
                    e.support_X.row(j * k + t) = X_.row(row);
                    e.support_Y(j * k + t, j) = 1.0;
                } else {
                    e.query_X.row(j * q + t - k) = X_.row(row);
                    e.query_Y(j * q + t - k, j) = 1.0;
                }
            }
        }
    }

    [[nodiscard]] Index n_inputs() const noexcept { return X_.cols(); }
    /// N (the width of the one-hot targets).
    [[nodiscard]] Index n_outputs() const noexcept { return p_.n_way; }
    [[nodiscard]] models::Loss loss() const noexcept { return models::Loss::softmax_cross_entropy; }
    [[nodiscard]] const ClassificationTaskParams& params() const noexcept { return p_; }

private:
    Matrix X_;
    std::vector<Index> classes_;
    ClassificationTaskParams p_;
    std::vector<std::vector<Index>> members_;
    // Scratch buffers (episode sampling does not allocate after the first call). Not thread-safe:
    // use one ClassificationTasks per thread.
    mutable std::vector<std::size_t> pick_classes_;
    mutable std::vector<Index> pick_rows_;
};

static_assert(TaskDistribution<ClassificationTasks>);

}  // namespace metalearn::fewshot
