#pragma once
/// @file tuner_transfer.hpp
/// @brief Transfer from earlier studies of the same search space: the ranking-weighted Gaussian
/// process ensemble (RGPE) as a `Tuner` surrogate, and the studies it learns from (records of
/// other tasks, a previous tuner's journal).
///
/// @code
/// // one study per earlier task: encoded configurations and their scores
/// std::vector<hpo::TransferStudy> studies = ...;       // or meta::transfer_studies(records, space)
/// auto models = hpo::fit_transfer_models(studies);      // one GP per study, fitted once
/// hpo::Tuner<P> tuner(space, {.seed = 1, .n_initial = 1, .surrogate = hpo::rgpe_surrogate(models)});
/// @endcode
///
/// **Method** (Feurer, Letham & Bakshy 2018, "Scalable Meta-Learning for Bayesian Optimization
/// using Ranking-Weighted Gaussian Process Ensembles", AutoML Workshop at ICML 2018,
/// arXiv:1802.02219). Each earlier study i gets a Gaussian process fᵢ fitted once to its
/// standardised scores (mean 0, standard deviation 1; `GaussianProcess` with its hyperparameters
/// by maximum marginal likelihood). At each ask the new task's own GP f_t is fitted to the trials
/// (the tuner's standardised targets), and the surrogate is the ensemble
///   μ(x) = Σᵢ wᵢ μᵢ(x),   σ²(x) = Σᵢ wᵢ² σᵢ²(x)
/// over the M earlier models and f_t. The weights measure how well each model ranks the new
/// task's n observations (x_j, y_j): for each of S samples, every model draws values at the
/// observed points — an earlier model from its predictive distribution, the new task's model
/// from its leave-one-out predictive distribution (`GaussianProcess::loo_predict`), so that it is
/// not judged on points it was fitted to — and its ranking loss is the number of discordant
/// pairs L = #{(j, k): y_j < y_k and f(x_j) > f(x_k)}. wᵢ is the fraction of samples in which
/// model i has the smallest loss (ties broken uniformly at random). Weight dilution (the paper's
/// §3.2): an earlier model whose median loss exceeds the 95th percentile of the new task's
/// model's losses gets weight 0. With fewer than two observations every loss is 0 and the
/// weights are uniform.
///
/// Two simplifications against the paper, both documented choices of this library: the draws
/// are from each model's marginal predictive distributions at the observed points (the paper
/// draws them jointly), and L counts each discordant pair once where the paper counts ordered
/// pairs with an exclusive or — twice the same number whenever the drawn values have no ties,
/// which has probability one, so the argmin is the same.
///
/// **Use with the tuner**: the ensemble predicts on the new task's standardised scale and is used
/// by expected improvement as any surrogate. Without observations the tuner does not consult
/// its surrogate: start the study with an initial design (`n_initial` ≥ 1) or enqueued
/// configurations (e.g. a learned default or a meta-model's top picks, `meta::warm_start` with
/// `prior_mean = false`). A prior mean (`TunerOptions::prior_mean`) can be combined in principle,
/// but the earlier models describe scores, not residuals from a prior: use one or the other.
///
/// **Cost**: fitting the M earlier models once, O(Σ nᵢ³) per likelihood evaluation
/// (`fit_transfer_models`, parallel over studies). Per ask: the new task's GP fit, M predictions
/// at the n observed points, S·(M+1) ranking losses of O(n log n) each, and M+1 predictions at
/// each candidate for the models with a non-zero weight.

#include "metalearn/core/error.hpp"
#include "metalearn/core/parallel.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/hpo/tuner_gp.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

namespace metalearn::hpo {

/// One earlier study on the same search space: configurations and their scores.
struct TransferStudy {
    std::string name;  ///< e.g. the task's id; names the study in messages and `RgpeSurrogate::weights`
    Matrix configs;    ///< n×D encoded configurations (`SearchSpace::encode`, entries in [0, 1])
    Vector scores;     ///< n finite scores (maximised, any units: each study is standardised alone)
};

/// A Gaussian process fitted to one earlier study's standardised scores (`fit_transfer_models`).
struct TransferModel {
    std::string name;
    GaussianProcess gp;
};

/// Fitted earlier models, shared (an ensemble over a subset, e.g. all tasks but the held-out
/// one, copies pointers, not models).
using TransferModels = std::vector<std::shared_ptr<const TransferModel>>;

/// Fit one `GaussianProcess` per study on its standardised scores (mean 0, standard deviation 1;
/// a study whose scores are all equal, relative to their magnitude, keeps scale 1; computed on
/// the scores divided by their largest magnitude first, so that no intermediate overflows or
/// underflows), hyperparameters by maximum marginal likelihood.
/// @param studies at least one; each with n ≥ 1 rows, the same width D ≥ 1 for all, finite values.
/// @param options the GPs' settings; @param n_threads as `parallel_for` (0 = all cores);
/// @param seed seeds study i's fit with derive_seed(seed, {i}) — the result does not depend on
///        `n_threads`.
/// @return one model per study, in the order given.
/// @throws DataError naming the study for an empty study, a width that differs from the first
///         study's, a row/score count mismatch, a non-finite value or an encoded entry outside
///         [0, 1] (row and column named: configurations must be encoded, not raw values); ConfigError for invalid
///         `options`; NumericalError when a fit fails.
[[nodiscard]] inline TransferModels fit_transfer_models(const std::vector<TransferStudy>& studies, GpOptions options = {},
                                                        Index n_threads = 1, std::uint64_t seed = 0) {
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

/// The complete trials of a tuner journal (`Tuner`'s JSON Lines file) as a `TransferStudy`,
/// read without taking the journal's lock or changing it: each "ask" event's params (every
/// dimension of `space` must be present), encoded in `space`, with the score of its "tell" event of state "complete". Trials asked but not told,
/// failed or pruned are left out; a torn last line is ignored.
/// @param name the study's name (default: the file's name).
/// @throws IoError when the file cannot be read or is a directory; ParseError (file, line) for a
///         malformed line other than the last or an event whose params do not fit `space` or lack
///         one of its dimensions; DataError when the
///         journal holds no complete trial.
template <class Params>
[[nodiscard]] TransferStudy read_transfer_study(const std::filesystem::path& journal, const SearchSpace<Params>& space,
                                                std::string name = {}) {
    if (std::filesystem::is_directory(journal))
        throw IoError(fmt::format("hpo::read_transfer_study(): '{}' is a directory (expected a tuner journal)", journal.string()));
    std::ifstream in(journal);
    if (!in) throw IoError(fmt::format("hpo::read_transfer_study(): cannot read '{}'", journal.string()));
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
    std::map<Index, Vector> asked;
    std::vector<std::pair<Index, double>> told;
    for (std::size_t k = 0; k < lines.size(); ++k) {
        if (lines[k].empty()) continue;
        nlohmann::json e;
        try {
            e = nlohmann::json::parse(lines[k]);
            const std::string kind = e.at("event").get<std::string>();
            if (kind == "ask") {
                const nlohmann::json& params = e.at("params");
                for (Index d = 0; d < space.size(); ++d)  // a value left out would silently take Params{}'s
                    if (!params.contains(space.dimension(d).name))
                        throw ParseError(journal.string(), k + 1, 1,
                                         fmt::format("hpo::read_transfer_study(): trial params lack '{}' (a journal of another "
                                                     "search space?)",
                                                     space.dimension(d).name));
                asked[e.at("id").get<Index>()] = space.encode(space.from_json(params));
            }
            else if (kind == "tell" && e.at("state").get<std::string>() == "complete")
                told.emplace_back(e.at("id").get<Index>(), e.at("score").get<double>());
        } catch (const nlohmann::json::parse_error&) {
            if (k + 1 == lines.size()) break;  // a torn last line
            throw ParseError(journal.string(), k + 1, 1, "hpo::read_transfer_study(): not a JSON line");
        } catch (const nlohmann::json::exception& ex) {
            throw ParseError(journal.string(), k + 1, 1, fmt::format("hpo::read_transfer_study(): invalid event ({})", ex.what()));
        } catch (const ConfigError& ex) {
            throw ParseError(journal.string(), k + 1, 1,
                             fmt::format("hpo::read_transfer_study(): params outside the search space ({})", ex.what()));
        }
    }
    TransferStudy s;
    s.name = name.empty() ? journal.filename().string() : std::move(name);
    s.configs.resize(static_cast<Index>(told.size()), space.encoded_size());
    s.scores.resize(static_cast<Index>(told.size()));
    Index n = 0;
    for (const auto& [id, score] : told) {
        const auto it = asked.find(id);
        if (it == asked.end() || !std::isfinite(score)) continue;
        s.configs.row(n) = it->second.transpose();
        s.scores[n++] = score;
    }
    s.configs.conservativeResize(n, Eigen::NoChange);
    s.scores.conservativeResize(n);
    if (n == 0) throw DataError(fmt::format("hpo::read_transfer_study(): '{}' holds no complete trial", journal.string()));
    return s;
}

namespace detail {

/// Number of pairs i < j with a[i] > a[j] (strictly), by bottom-up merge sort; sorts `a`.
/// `buf` is scratch of the same length. O(n log n).
inline std::int64_t count_inversions(std::vector<double>& a, std::vector<double>& buf) {
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

}  // namespace detail

namespace detail {

/// `ranking_loss` with caller-owned scratch (`seq`, `buf`), so that the many losses of one fit
/// allocate nothing.
inline std::int64_t ranking_loss(const Vector& f, const Vector& y, const std::vector<Index>& order, std::vector<double>& seq,
                                 std::vector<double>& buf) {
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

/// Number of discordant pairs of f with respect to y: #{(j, k): y_j < y_k and f_j > f_k}, the
/// ranking loss of RGPE (see the file documentation). `order` holds the indices sorted by y
/// ascending (ties in any order); `f` and `y` have equal lengths. O(n log n).
[[nodiscard]] inline std::int64_t ranking_loss(const Vector& f, const Vector& y, const std::vector<Index>& order) {
    std::vector<double> seq;
    std::vector<double> buf;
    return detail::ranking_loss(f, y, order, seq, buf);
}

/// Settings of `RgpeSurrogate`.
struct RgpeOptions {
    Index n_samples = 256;       ///< S, samples of the ranking losses, ≥ 1
    bool discard_diluting = true;  ///< weight dilution prevention (the paper's §3.2)
    GpOptions target{};          ///< the new task's GP
};

/// The ranking-weighted Gaussian process ensemble (RGPE) as a tuner `Surrogate`; see the file
/// documentation for the method and its source.
class RgpeSurrogate final : public Surrogate {
public:
    /// @param models the earlier models (`fit_transfer_models`), possibly none (then it is the
    ///        new task's GP alone); all of one width.
    /// @throws ConfigError when a model is null, widths differ, or an option is out of range.
    explicit RgpeSurrogate(TransferModels models, RgpeOptions options = {})
        : models_(std::move(models)), o_(std::move(options)), target_(o_.target) {
        if (o_.n_samples < 1)
            throw ConfigError(fmt::format("RgpeSurrogate: n_samples out of range (expected >= 1, got {})", o_.n_samples));
        for (std::size_t i = 0; i < models_.size(); ++i)
            if (!models_[i] || !models_[i]->gp.is_fitted())
                throw ConfigError(fmt::format("RgpeSurrogate: earlier model {} is missing or not fitted", i));
    }

    /// Fit the new task's GP to Z (n×D) and y (n) and compute the ensemble's weights.
    /// @throws DataError when D differs from the earlier models' width or on non-finite input;
    ///         NumericalError when a fit fails.
    void fit(const Matrix& Z, const Vector& y, bool refit_hyperparameters, std::uint64_t seed) override {
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

    /// Ensemble mean and standard deviation at the rows of Z (m×D), each m.
    /// @throws NotFitted before `fit`.
    void predict(const Matrix& Z, Vector& mean, Vector& std) const override {
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

    /// The weights of the last fit: M + 1 entries summing to 1, the earlier models' in the order
    /// given and the new task's model last. Empty before the first fit.
    [[nodiscard]] const Vector& weights() const noexcept { return weights_; }
    /// The earlier models.
    [[nodiscard]] const TransferModels& models() const noexcept { return models_; }

private:
    void compute_weights(const Matrix& Z, const Vector& y, std::uint64_t seed) {
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

    TransferModels models_;
    RgpeOptions o_;
    GaussianProcess target_;
    bool optimized_ = false;
    Vector weights_;
};

/// A factory of `RgpeSurrogate`s over `models` for `TunerOptions::surrogate`.
/// @throws ConfigError as `RgpeSurrogate` (checked here, not at the first ask).
[[nodiscard]] inline SurrogateFactory rgpe_surrogate(TransferModels models, RgpeOptions options = {}) {
    RgpeSurrogate check(models, options);
    return [models = std::move(models), options] { return std::make_unique<RgpeSurrogate>(models, options); };
}

}  // namespace metalearn::hpo
