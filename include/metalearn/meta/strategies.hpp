#pragma once
/// @file strategies.hpp
/// @brief Warm-start strategies behind one interface: which plan configurations to try, in which
/// order, on a new task. Used for prediction, for fall-back, and compared by the meta-evaluation.
///
/// | strategy | order |
/// |---|---|
/// | `DefaultStrategy` | the base model's default config first |
/// | `LearnedDefaultStrategy` | decreasing mean normalised score over the training tasks |
/// | `NearestDatasetsStrategy` | best config of the nearest task, of the 2nd nearest, ... (Feurer, Springenberg & Hutter, AAAI 2015) |
/// | `PortfolioStrategy` | greedy portfolio minimising the summed regret over training tasks (Feurer et al. 2015/2018; Wistuba et al. 2015) |
/// | `MetaModelStrategy<M>` | decreasing meta-model prediction (a plain ranking) |
/// | `GuidedSearchStrategy<M>` | expected improvement under the meta-model's mean and std, conditioned on the scores observed so far on the new task (diversifies) |
///
/// Failed or missing evaluations of training tasks count as the worst score of their task.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/meta/meta_model.hpp"
#include "metalearn/meta/predictor.hpp"
#include "metalearn/meta/task_table.hpp"
#include "metalearn/metafeatures/meta_features.hpp"

#include <Eigen/Cholesky>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <numbers>
#include <numeric>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

namespace metalearn::meta {

/// The raw score of plan config `c` on the task being searched (NaN when the evaluation failed).
/// Adaptive strategies call it to observe the configurations they have chosen.
using ScoreOracle = std::function<double(Index c)>;

/// Fitted objects shared by the strategies of one held-out task, so that two strategies built on
/// the same meta-model (the plain ranking and the guided search) fit it once. Keys are chosen by
/// the strategies' creator (`share_key`): strategies given the same key must fit identically
/// (same meta-model type and parameters, same table and training rows). Not thread-safe: one
/// object per held-out task.
class SharedFits {
public:
    /// The object stored under `key` (of type T), fitted by `fit()` (returning a T) on first use.
    /// @throws ConfigError when `key` holds an object of another type; what `fit` throws.
    template <class T, class F>
    std::shared_ptr<const T> get_or_fit(const std::string& key, F&& fit) {
        auto it = items_.find(key);
        if (it != items_.end()) {
            if (it->second.first != &typeid(T))
                throw ConfigError(fmt::format("SharedFits::get_or_fit(): key '{}' holds an object of another type", key));
            return std::static_pointer_cast<const T>(it->second.second);
        }
        auto made = std::make_shared<const T>(std::forward<F>(fit)());
        items_.emplace(key, std::make_pair(&typeid(T), std::shared_ptr<const void>(made)));
        ++n_fits_;
        return made;
    }
    /// Number of objects fitted through `get_or_fit`.
    [[nodiscard]] std::size_t n_fits() const noexcept { return n_fits_; }

private:
    std::map<std::string, std::pair<const std::type_info*, std::shared_ptr<const void>>> items_;
    std::size_t n_fits_ = 0;
};

/// A warm-start strategy over the configurations of a `TaskTable`'s plan.
///
/// `fit` sees only the training tasks' rows; `propose` sees the new task's meta-features and,
/// through `observe`, the scores of configurations it has already proposed (only adaptive
/// strategies use it). The table must outlive the strategy.
class Strategy {
public:
    virtual ~Strategy() = default;
    /// Short stable name for tables ("default", "nearest datasets", ...).
    [[nodiscard]] virtual std::string name() const = 0;
    /// Learn from the rows `train_tasks` of `table`. @throws DataError when they carry no information.
    virtual void fit(const TaskTable& table, const std::vector<Index>& train_tasks) = 0;
    /// As `fit`, reusing what other strategies of the same held-out task fitted (`SharedFits`);
    /// the default ignores `shared`. The results equal those of `fit`.
    virtual void fit(const TaskTable& table, const std::vector<Index>& train_tasks, SharedFits& shared) {
        (void)shared;
        fit(table, train_tasks);
    }
    /// Up to `budget` distinct plan indices, in the order to evaluate them.
    /// @param meta_features the new task's raw meta-features (f, NaN allowed).
    [[nodiscard]] virtual std::vector<Index> propose(const VectorRef& meta_features, Index budget,
                                                     const ScoreOracle& observe) const = 0;
};

/// Creates a fresh, unfitted strategy (the meta-evaluation fits one per held-out task).
using StrategyFactory = std::function<std::unique_ptr<Strategy>()>;

namespace detail {

/// Normalised regret (`min_max_within_task(row, MinMax::regret)`) of the training rows, failed or
/// missing → 1; rows that carry no information (the tie rule) are dropped.
inline Matrix training_regret(const TaskTable& table, const std::vector<Index>& rows) {
    std::vector<Vector> kept;
    for (Index t : rows) {
        const Vector r = min_max_within_task(table.scores.row(t).transpose(), MinMax::regret);
        if (r.array().isFinite().any()) kept.push_back(r);
    }
    Matrix R(static_cast<Index>(kept.size()), table.n_configs());
    for (std::size_t k = 0; k < kept.size(); ++k)
        R.row(static_cast<Index>(k)) = kept[k].unaryExpr([](double v) { return std::isfinite(v) ? v : 1.0; }).transpose();
    return R;
}

/// Indices 0..n−1 sorted by decreasing value, ties by index.
inline std::vector<Index> argsort_desc(const Vector& v) {
    std::vector<Index> o(static_cast<std::size_t>(v.size()));
    std::iota(o.begin(), o.end(), Index{0});
    std::stable_sort(o.begin(), o.end(), [&](Index a, Index b) { return v[a] > v[b]; });
    return o;
}

inline std::vector<Index> truncate(std::vector<Index> v, Index budget) {
    if (static_cast<Index>(v.size()) > budget) v.resize(static_cast<std::size_t>(std::max<Index>(budget, 0)));
    return v;
}

}  // namespace detail

/// The base model's default configuration first (`TaskTable::default_config`), then the plan order.
class DefaultStrategy final : public Strategy {
public:
    [[nodiscard]] std::string name() const override { return "default"; }
    /// @throws ConfigError when the table has no default config in its plan.
    void fit(const TaskTable& table, const std::vector<Index>&) override;
    [[nodiscard]] std::vector<Index> propose(const VectorRef&, Index budget, const ScoreOracle&) const override;

private:
    Index m_ = 0;
    Index default_ = 0;
};

/// The config with the best mean normalised score over the training tasks first, then by
/// decreasing mean (a static ranking independent of the new task).
class LearnedDefaultStrategy final : public Strategy {
public:
    [[nodiscard]] std::string name() const override { return "learned default"; }
    void fit(const TaskTable& table, const std::vector<Index>& train) override;
    [[nodiscard]] std::vector<Index> propose(const VectorRef&, Index budget, const ScoreOracle&) const override {
        return detail::truncate(order_, budget);
    }

private:
    std::vector<Index> order_;
};

/// Nearest datasets (Feurer, Springenberg & Hutter, AAAI 2015): meta-features `signed_log1p`,
/// NaN → training median, min–max scaled over the training tasks; L1 distance; the best config
/// of the nearest task, then the best of the second nearest, ... (skipping repeats), then the
/// second-best configs in the same neighbour order, and so on.
class NearestDatasetsStrategy final : public Strategy {
public:
    [[nodiscard]] std::string name() const override { return "nearest datasets"; }
    void fit(const TaskTable& table, const std::vector<Index>& train) override;
    [[nodiscard]] std::vector<Index> propose(const VectorRef& meta_features, Index budget, const ScoreOracle&) const override;

    /// L1 distances (T, in the order of the training rows given to `fit`) between a new task's
    /// raw meta-features (f, NaN and ±inf = missing → the training median) and each training task,
    /// in the scaled space described above; each term is in [0, 1] for values inside the training
    /// range. @throws NotFitted before `fit`; DataError when the length is not f.
    [[nodiscard]] Vector distances(const VectorRef& meta_features) const;
    /// Plan indices of each training task by decreasing score (failed and missing last; empty for
    /// a task with no finite score), in the order of the training rows given to `fit`.
    [[nodiscard]] const std::vector<std::vector<Index>>& rankings() const noexcept { return rankings_; }
    /// Meta-features (f) of the fitted table; 0 before `fit`.
    [[nodiscard]] Index n_meta_features() const noexcept { return X_.cols(); }
    /// Configurations (m) of the fitted table's plan, which the rankings index; 0 before `fit`.
    [[nodiscard]] Index n_configs() const noexcept { return m_; }

    /// The fitted strategy as JSON: medians, scaling, the T×f scaled training meta-features and
    /// the per-task rankings. @throws NotFitted before `fit`.
    [[nodiscard]] nlohmann::json to_json() const;
    /// Restore a strategy saved by `to_json`.
    /// @throws ConfigError when `j` is not one, or its parts disagree in size.
    [[nodiscard]] static NearestDatasetsStrategy from_json(const nlohmann::json& j);

private:
    [[nodiscard]] Matrix scale(const Matrix& X) const;
    metafeatures::MetaFeatureImputer imputer_;
    RowVector lo_, range_;
    Matrix X_;
    std::vector<std::vector<Index>> rankings_;
    Index m_ = 0;
};

/// Greedy portfolio: repeatedly add the config that most reduces Σ_t min_{c ∈ P} regret(t, c)
/// over the training tasks (normalised regret; failures count as 1). Ties → lower index.
/// Once every task is solved to regret 0 the remaining configs follow by mean regret.
class PortfolioStrategy final : public Strategy {
public:
    [[nodiscard]] std::string name() const override { return "portfolio"; }
    void fit(const TaskTable& table, const std::vector<Index>& train) override;
    [[nodiscard]] std::vector<Index> propose(const VectorRef&, Index budget, const ScoreOracle&) const override {
        return detail::truncate(order_, budget);
    }

private:
    std::vector<Index> order_;
};

/// Meta-model ranking: configs by decreasing predicted normalised score; with `min_distance` > 0
/// the picks are diversified as `HyperparameterPredictor::suggest` and `Knowledge::suggest`
/// diversify theirs — the leave-one-task-out counterpart of `zero_shot(data, k)`: in predicted
/// order, each config at least `min_distance` (Euclidean in the plan's encoding, divided by √q)
/// from every earlier pick; when no config is left that far, the distance is halved for the rest
/// (below 1e-6, every remaining config in predicted order). The first picks, as many as keep
/// `min_distance` apart, are `detail::diverse_top`'s top-k for every such k.
template <MetaModel M>
class MetaModelStrategy final : public Strategy {
public:
    /// @param model unfitted meta-model (parameters kept). @param label name in tables.
    /// @param share_key non-empty: the fitted predictor is shared (`SharedFits`) with the other
    ///        strategies of the held-out task given the same key and the same meta-model.
    /// @param min_distance 0 = the plain ranking; > 0 = diversified picks (see above).
    /// @throws ConfigError when min_distance is negative or not finite.
    explicit MetaModelStrategy(M model = M(), std::string label = "meta-model top-k", std::string share_key = {},
                               double min_distance = 0.0)
        : model_(std::move(model)),
          predictor_(std::make_shared<const HyperparameterPredictor<M>>(model_)),
          label_(std::move(label)),
          share_key_(std::move(share_key)),
          min_distance_(min_distance) {
        if (!(min_distance >= 0.0) || !std::isfinite(min_distance))
            throw ConfigError(fmt::format("MetaModelStrategy: min_distance must be finite and >= 0 (got {})", min_distance));
    }
    [[nodiscard]] std::string name() const override { return label_; }
    void fit(const TaskTable& table, const std::vector<Index>& train) override {
        predictor_ = std::make_shared<const HyperparameterPredictor<M>>(fit_predictor(model_, table, train));
        encoding_ = table.config_encoding;
    }
    void fit(const TaskTable& table, const std::vector<Index>& train, SharedFits& shared) override {
        if (share_key_.empty()) return fit(table, train);
        predictor_ = shared.get_or_fit<HyperparameterPredictor<M>>(share_key_, [&] { return fit_predictor(model_, table, train); });
        encoding_ = table.config_encoding;
    }
    [[nodiscard]] std::vector<Index> propose(const VectorRef& meta_features, Index budget, const ScoreOracle&) const override {
        const auto order = detail::argsort_desc(predictor_->predict(meta_features, encoding_));
        if (min_distance_ == 0.0) return detail::truncate(order, budget);
        // greedy in predicted order at distance d, then d/2 for the rest, ...: every prefix of up to
        // as many configs as keep d apart is `diverse_top`'s top-k (what `suggest(k)` returns)
        const Index n = encoding_.rows();
        const double scale = std::sqrt(static_cast<double>(std::max<Index>(encoding_.cols(), 1)));
        std::vector<Index> picks;
        std::vector<char> taken(static_cast<std::size_t>(n), 0);
        for (double d = min_distance_; static_cast<Index>(picks.size()) < std::min(budget, n); d /= 2)
            for (Index i = 0; i < n && static_cast<Index>(picks.size()) < budget; ++i) {
                const Index c = order[static_cast<std::size_t>(i)];
                if (taken[static_cast<std::size_t>(c)]) continue;
                const bool far = d < 1e-6 || std::all_of(picks.begin(), picks.end(), [&](Index p) {
                    return (encoding_.row(c) - encoding_.row(p)).norm() / scale >= d;
                });
                if (!far) continue;
                taken[static_cast<std::size_t>(c)] = 1;
                picks.push_back(c);
            }
        return picks;
    }
    [[nodiscard]] const HyperparameterPredictor<M>& predictor() const noexcept { return *predictor_; }

    /// A predictor of `model` fitted on the rows `train` of `table`.
    static HyperparameterPredictor<M> fit_predictor(const M& model, const TaskTable& table, const std::vector<Index>& train) {
        HyperparameterPredictor<M> p(model);
        p.fit(table, train);
        return p;
    }

private:
    M model_;
    std::shared_ptr<const HyperparameterPredictor<M>> predictor_;
    Matrix encoding_;
    std::string label_;
    std::string share_key_;
    double min_distance_ = 0.0;
};

/// Options of `GuidedSearchStrategy`.
struct GuidedSearchOptions {
    double length_scale = 0.0;      ///< config-space kernel length scale in the encoding; 0 = `length_scale_factor` × median pairwise distance
    double length_scale_factor = 0.5;
    double std_floor = 0.02;        ///< lower bound of the prior std (normalised-score units)
    double xi = 0.0;                ///< EI exploration margin
    bool use_model_std = true;      ///< prior std = the meta-model's std per config; false = its training RMSE for all
};

/// Meta-model-guided, diversifying search: the meta-model gives a prior mean μ(c) and std σ(c)
/// for every plan config on the new task. The first pick is argmax μ. After each observation
/// the residual δ(c) = f(c) − μ(c) is modelled by a GP over the config encoding with covariance
/// σ(c)σ(c') exp(−‖e_c − e_c'‖² / 2ℓ²); observed raw scores are mapped onto the meta-model's scale
/// by matching their mean and spread to those of μ on the observed configs (spread at least the
/// mean σ), so only the ranking information of the observations is used. The next pick maximises
/// expected improvement (Jones, Schonlau & Welch 1998) over the best posterior mean observed.
/// A config close to an evaluated one has a small posterior std and little EI, so picks spread
/// out; a region that scored better than predicted is pulled up. Failed observations count as
/// the worst observed score.
template <MetaModel M>
class GuidedSearchStrategy final : public Strategy {
public:
    /// @param model unfitted meta-model; @param opts search options; @param label name in tables.
    /// @param share_key non-empty: the fitted predictor is shared (`SharedFits`) with the other
    ///        strategies of the held-out task given the same key and the same meta-model.
    explicit GuidedSearchStrategy(M model = M(), GuidedSearchOptions opts = {}, std::string label = "meta-model guided",
                                  std::string share_key = {})
        : model_(std::move(model)),
          predictor_(std::make_shared<const HyperparameterPredictor<M>>(model_)),
          opts_(opts),
          label_(std::move(label)),
          share_key_(std::move(share_key)) {}
    [[nodiscard]] std::string name() const override { return label_; }

    void fit(const TaskTable& table, const std::vector<Index>& train) override {
        predictor_ = std::make_shared<const HyperparameterPredictor<M>>(
            MetaModelStrategy<M>::fit_predictor(model_, table, train));
        fit_kernel(table);
    }
    void fit(const TaskTable& table, const std::vector<Index>& train, SharedFits& shared) override {
        if (share_key_.empty()) return fit(table, train);
        predictor_ = shared.get_or_fit<HyperparameterPredictor<M>>(
            share_key_, [&] { return MetaModelStrategy<M>::fit_predictor(model_, table, train); });
        fit_kernel(table);
    }

private:
    void fit_kernel(const TaskTable& table) {
        E_ = table.config_encoding;
        const Index m = E_.rows();
        double ell = opts_.length_scale;
        if (!(ell > 0)) {
            std::vector<double> d;
            for (Index i = 0; i < m; ++i)
                for (Index j = 0; j < i; ++j) d.push_back((E_.row(i) - E_.row(j)).norm());
            if (d.empty()) {
                ell = 1.0;
            } else {
                std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(d.size() / 2), d.end());
                ell = std::max(opts_.length_scale_factor * d[d.size() / 2], 1e-3);
            }
        }
        Kc_.resize(m, m);
        for (Index i = 0; i < m; ++i)
            for (Index j = 0; j < m; ++j) Kc_(i, j) = std::exp(-(E_.row(i) - E_.row(j)).squaredNorm() / (2 * ell * ell));
    }

public:
    [[nodiscard]] std::vector<Index> propose(const VectorRef& meta_features, Index budget,
                                             const ScoreOracle& observe) const override {
        const Index m = E_.rows();
        const Vector mu = predictor_->predict(meta_features, E_);
        const Vector sd = (opts_.use_model_std ? predictor_->predict_std(meta_features, E_)
                                               : Vector::Constant(m, predictor_->training_rmse()))
                              .cwiseMax(opts_.std_floor);
        std::vector<Index> chosen;
        std::vector<double> raw;
        std::vector<bool> used(static_cast<std::size_t>(m), false);
        const Index n = std::min(budget, m);
        while (static_cast<Index>(chosen.size()) < n) {
            Index next = -1;
            if (chosen.empty()) {
                next = detail::argsort_desc(mu).front();
            } else {
                next = next_by_ei(mu, sd, chosen, raw, used);
            }
            used[static_cast<std::size_t>(next)] = true;
            chosen.push_back(next);
            if (static_cast<Index>(chosen.size()) < n) raw.push_back(observe ? observe(next) : std::nan(""));
        }
        return chosen;
    }

    [[nodiscard]] const HyperparameterPredictor<M>& predictor() const noexcept { return *predictor_; }

private:
    [[nodiscard]] Index next_by_ei(const Vector& mu, const Vector& sd, const std::vector<Index>& obs,
                                   const std::vector<double>& raw, const std::vector<bool>& used) const {
        const Index m = mu.size();
        const auto k = static_cast<Index>(obs.size());
        // observed scores → meta-model scale (mean/spread matching); failures → worst observed
        Vector y(k);
        double lo = std::numeric_limits<double>::infinity();
        for (double v : raw)
            if (std::isfinite(v)) lo = std::min(lo, v);
        for (Index i = 0; i < k; ++i) y[i] = std::isfinite(raw[static_cast<std::size_t>(i)]) ? raw[static_cast<std::size_t>(i)] : lo;
        Vector mu_o(k);
        Vector sd_o(k);
        for (Index i = 0; i < k; ++i) {
            mu_o[i] = mu[obs[static_cast<std::size_t>(i)]];
            sd_o[i] = sd[obs[static_cast<std::size_t>(i)]];
        }
        Vector r = Vector::Zero(k);
        if (std::isfinite(lo) && k >= 2) {
            const double ym = y.mean();
            const double ys = std::sqrt((y.array() - ym).square().mean());
            if (ys > 0) {
                const double mm = mu_o.mean();
                const double ms = std::max(std::sqrt((mu_o.array() - mm).square().mean()), sd_o.mean());
                r = (mm + (y.array() - ym) / ys * ms).matrix() - mu_o;
            }
        }
        // GP posterior of the residual at every config
        Matrix Koo(k, k);
        Matrix Kso(m, k);
        for (Index i = 0; i < k; ++i)
            for (Index j = 0; j < k; ++j) {
                const Index a = obs[static_cast<std::size_t>(i)];
                const Index b = obs[static_cast<std::size_t>(j)];
                Koo(i, j) = sd[a] * sd[b] * Kc_(a, b);
            }
        for (Index c = 0; c < m; ++c)
            for (Index j = 0; j < k; ++j) {
                const Index b = obs[static_cast<std::size_t>(j)];
                Kso(c, j) = sd[c] * sd[b] * Kc_(c, b);
            }
        Koo.diagonal().array() += 1e-6 + 1e-4 * sd.array().square().mean();
        Eigen::LLT<Matrix> llt(Koo);
        if (llt.info() != Eigen::Success)
            throw NumericalError("GuidedSearchStrategy::propose(): residual covariance is not positive definite");
        const Vector post_mean = mu + Kso * llt.solve(r);
        const Matrix V = llt.matrixL().solve(Kso.transpose());  // k×m
        const Vector post_var = (sd.array().square() - V.colwise().squaredNorm().transpose().array()).max(1e-12);
        double incumbent = -std::numeric_limits<double>::infinity();
        for (Index i = 0; i < k; ++i) incumbent = std::max(incumbent, post_mean[obs[static_cast<std::size_t>(i)]]);
        Index best = -1;
        double best_ei = -1.0;
        for (Index c = 0; c < m; ++c) {
            if (used[static_cast<std::size_t>(c)]) continue;
            const double s = std::sqrt(post_var[c]);
            const double imp = post_mean[c] - incumbent - opts_.xi;
            const double z = imp / s;
            const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi);
            const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
            const double ei = imp * cdf + s * pdf;
            if (ei > best_ei) {
                best_ei = ei;
                best = c;
            }
        }
        return best;
    }

    M model_;
    std::shared_ptr<const HyperparameterPredictor<M>> predictor_;
    GuidedSearchOptions opts_;
    std::string label_;
    std::string share_key_;
    Matrix E_;
    Matrix Kc_;
};

}  // namespace metalearn::meta

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/meta/strategies_impl.hpp"
#endif
