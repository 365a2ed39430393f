#pragma once
/// @file tuner_transfer_impl.hpp
/// @brief Bodies of `fit_transfer_models`, `ranking_loss` and `RgpeSurrogate` (see
/// tuner_transfer.hpp). Included by that header in header-only mode; compiled into the library in
/// compiled mode (core/config.hpp).

#include "metalearn/core/error.hpp"
#include "metalearn/core/parallel.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/hpo/tuner_gp.hpp"
#include "metalearn/hpo/tuner_transfer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <utility>
#include <vector>

namespace metalearn::hpo {

namespace detail {

METALEARN_INLINE std::int64_t count_inversions(std::vector<double>& a, std::vector<double>& buf) {
    const std::size_t n = a.size();
    buf.resize(n);
    std::int64_t inv = 0;
    for (std::size_t width = 1; width < n; width *= 2) {
        for (std::size_t lo = 0; lo < n; lo += 2 * width) {
            const std::size_t mid = std::min(lo + width, n);
            const std::size_t hi = std::min(lo + 2 * width, n);
            std::size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                if (a[j] < a[i]) {  // a[i..mid) all exceed a[j]
                    inv += static_cast<std::int64_t>(mid - i);
                    buf[k++] = a[j++];
                } else {
                    buf[k++] = a[i++];
                }
            }
            while (i < mid) buf[k++] = a[i++];
            while (j < hi) buf[k++] = a[j++];
        }
        a.swap(buf);
    }
    return inv;
}

METALEARN_INLINE std::int64_t ranking_loss(const Vector& f, const Vector& y, const std::vector<Index>& order,
                                           std::vector<double>& seq, std::vector<double>& buf) {
    seq.clear();
    std::size_t start = 0;
    while (start < order.size()) {  // within a run of equal y, f ascending: no pair counted inside it
        std::size_t end = start + 1;
        while (end < order.size() && y[order[end]] == y[order[start]]) ++end;
        const std::size_t first = seq.size();
        for (std::size_t k = start; k < end; ++k) seq.push_back(f[order[k]]);
        std::sort(seq.begin() + static_cast<std::ptrdiff_t>(first), seq.end());
        start = end;
    }
    return count_inversions(seq, buf);
}

}  // namespace detail

METALEARN_INLINE TransferModels fit_transfer_models(const std::vector<TransferStudy>& studies, GpOptions options,
                                                    Index n_threads, std::uint64_t seed) {
    if (studies.empty()) throw DataError("hpo::fit_transfer_models(): no study given (expected at least one)");
    const Index D = studies.front().configs.cols();
    for (std::size_t i = 0; i < studies.size(); ++i) {
        const auto& s = studies[i];
        if (s.configs.rows() == 0 || s.configs.cols() == 0 || s.configs.rows() != s.scores.size() || s.configs.cols() != D)
            throw DataError(fmt::format("hpo::fit_transfer_models(): study {} ('{}') has {}×{} configurations and {} scores "
                                        "(expected n×{} with n >= 1 and n scores)",
                                        i, s.name, s.configs.rows(), s.configs.cols(), s.scores.size(), D));
        if (!s.configs.allFinite() || !s.scores.allFinite())
            throw DataError(fmt::format("hpo::fit_transfer_models(): study {} ('{}') has a non-finite value", i, s.name));
        for (Index r = 0; r < s.configs.rows(); ++r)
            for (Index c = 0; c < D; ++c)
                if (s.configs(r, c) < -1e-9 || s.configs(r, c) > 1.0 + 1e-9)
                    throw DataError(fmt::format("hpo::fit_transfer_models(): study {} ('{}'), configuration {}, column {}: {} "
                                                "is outside [0, 1] (expected encoded configurations, SearchSpace::encode)",
                                                i, s.name, r, c, s.configs(r, c)));
    }
    GaussianProcess check(options);  // validates the options before any work
    TransferModels out(studies.size());
    parallel_for(static_cast<Index>(studies.size()), n_threads, [&](Index i) {
        const auto& s = studies[static_cast<std::size_t>(i)];
        const double top = s.scores.cwiseAbs().maxCoeff();
        const Vector t = top > 0.0 ? Vector(s.scores / top) : s.scores;  // in [-1, 1]: nothing below can overflow
        const double mean = t.mean();
        const double sd = std::sqrt((t.array() - mean).square().mean());
        const double scale = sd > 1e-12 * std::max(std::abs(mean), 1e-300) ? sd : 1.0;  // relative to the scores' size
        auto m = std::make_shared<TransferModel>(TransferModel{s.name, GaussianProcess(options)});
        m->gp.fit(s.configs, ((t.array() - mean) / scale).matrix(), true, derive_seed(seed, {static_cast<std::uint64_t>(i)}));
        out[static_cast<std::size_t>(i)] = std::move(m);
    });
    return out;
}

METALEARN_INLINE std::int64_t ranking_loss(const Vector& f, const Vector& y, const std::vector<Index>& order) {
    std::vector<double> seq;
    std::vector<double> buf;
    return detail::ranking_loss(f, y, order, seq, buf);
}

METALEARN_INLINE RgpeSurrogate::RgpeSurrogate(TransferModels models, RgpeOptions options)
    : models_(std::move(models)), o_(std::move(options)), target_(o_.target) {
    if (o_.n_samples < 1)
        throw ConfigError(fmt::format("RgpeSurrogate: n_samples out of range (expected >= 1, got {})", o_.n_samples));
    for (std::size_t i = 0; i < models_.size(); ++i)
        if (!models_[i] || !models_[i]->gp.is_fitted())
            throw ConfigError(fmt::format("RgpeSurrogate: earlier model {} is missing or not fitted", i));
}

METALEARN_INLINE void RgpeSurrogate::fit(const Matrix& Z, const Vector& y, bool refit_hyperparameters,
                                         std::uint64_t seed) {
    for (const auto& m : models_) {
        if (m->gp.length_scales().size() != Z.cols())
            throw DataError(fmt::format("RgpeSurrogate::fit(): configurations have {} encoded columns, the earlier "
                                        "model '{}' {} (studies of another search space?)",
                                        Z.cols(), m->name, m->gp.length_scales().size()));
    }
    const bool optimize = refit_hyperparameters || !optimized_;
    target_.fit(Z, y, optimize, seed);
    if (optimize && Z.rows() >= 3) optimized_ = true;
    compute_weights(Z, y, derive_seed(seed, {7}));
}

METALEARN_INLINE void RgpeSurrogate::predict(const Matrix& Z, Vector& mean, Vector& std) const {
    if (weights_.size() == 0) throw NotFitted("RgpeSurrogate::predict(): call fit() first");
    mean = Vector::Zero(Z.rows());
    Vector var = Vector::Zero(Z.rows());
    Vector m;
    Vector s;
    const auto M = static_cast<Index>(models_.size());
    for (Index i = 0; i <= M; ++i) {
        const double w = weights_[i];
        if (w == 0.0) continue;
        if (i < M) models_[static_cast<std::size_t>(i)]->gp.predict(Z, m, s);
        else target_.predict(Z, m, s);
        mean += w * m;
        var += (w * w) * s.cwiseAbs2();
    }
    std = var.cwiseSqrt();
}

METALEARN_INLINE void RgpeSurrogate::compute_weights(const Matrix& Z, const Vector& y, std::uint64_t seed) {
    const auto M = static_cast<Index>(models_.size());
    const Index n = Z.rows();
    weights_ = Vector::Constant(M + 1, 1.0 / static_cast<double>(M + 1));
    if (n < 2 || M == 0) {
        if (M == 0) weights_[0] = 1.0;
        return;
    }
    // each model's predictive distribution at the observed points: earlier models as fitted,
    // the new task's model leave-one-out
    Matrix mu(n, M + 1);
    Matrix sd(n, M + 1);
    Vector m;
    Vector s;
    for (Index i = 0; i < M; ++i) {
        models_[static_cast<std::size_t>(i)]->gp.predict(Z, m, s);
        mu.col(i) = m;
        sd.col(i) = s;
    }
    target_.loo_predict(m, s);
    mu.col(M) = m;
    sd.col(M) = s;
    std::vector<Index> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), Index{0});
    std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return y[a] < y[b]; });
    Rng rng(seed);
    const Index S = o_.n_samples;
    Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic> loss(S, M + 1);
    Vector f(n);
    std::vector<double> seq, buf;
    seq.reserve(static_cast<std::size_t>(n));
    for (Index t = 0; t < S; ++t)
        for (Index i = 0; i <= M; ++i) {
            for (Index j = 0; j < n; ++j) f[j] = mu(j, i) + sd(j, i) * rng.normal();
            loss(t, i) = detail::ranking_loss(f, y, order, seq, buf);
        }
    std::vector<char> eligible(static_cast<std::size_t>(M + 1), 1);
    if (o_.discard_diluting) {
        const auto quantile = [&](Index col, double q) {  // lower empirical quantile of a loss column
            std::vector<std::int64_t> v(static_cast<std::size_t>(S));
            for (Index t = 0; t < S; ++t) v[static_cast<std::size_t>(t)] = loss(t, col);
            const auto k = static_cast<std::size_t>(std::floor(q * static_cast<double>(S - 1)));
            std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
            return v[k];
        };
        const std::int64_t target_p95 = quantile(M, 0.95);
        for (Index i = 0; i < M; ++i)
            if (quantile(i, 0.5) > target_p95) eligible[static_cast<std::size_t>(i)] = 0;
    }
    Vector count = Vector::Zero(M + 1);
    std::vector<Index> best;
    for (Index t = 0; t < S; ++t) {
        best.clear();
        std::int64_t lo = std::numeric_limits<std::int64_t>::max();
        for (Index i = 0; i <= M; ++i) {
            if (!eligible[static_cast<std::size_t>(i)]) continue;
            if (loss(t, i) < lo) {
                lo = loss(t, i);
                best.assign(1, i);
            } else if (loss(t, i) == lo) {
                best.push_back(i);
            }
        }
        count[best[static_cast<std::size_t>(rng.uniform_index(best.size()))]] += 1.0;
    }
    weights_ = count / static_cast<double>(S);
}

METALEARN_INLINE SurrogateFactory rgpe_surrogate(TransferModels models, RgpeOptions options) {
    RgpeSurrogate check(models, options);
    return [models = std::move(models), options] { return std::make_unique<RgpeSurrogate>(models, options); };
}

}  // namespace metalearn::hpo
