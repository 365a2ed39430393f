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

#include "metalearn/core/config.hpp"
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
[[nodiscard]] TransferModels fit_transfer_models(const std::vector<TransferStudy>& studies, GpOptions options = {},
                                                 Index n_threads = 1, std::uint64_t seed = 0);

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
std::int64_t count_inversions(std::vector<double>& a, std::vector<double>& buf);

}  // namespace detail

namespace detail {

/// `ranking_loss` with caller-owned scratch (`seq`, `buf`), so that the many losses of one fit
/// allocate nothing.
std::int64_t ranking_loss(const Vector& f, const Vector& y, const std::vector<Index>& order, std::vector<double>& seq,
                          std::vector<double>& buf);

}  // namespace detail

/// Number of discordant pairs of f with respect to y: #{(j, k): y_j < y_k and f_j > f_k}, the
/// ranking loss of RGPE (see the file documentation). `order` holds the indices sorted by y
/// ascending (ties in any order); `f` and `y` have equal lengths. O(n log n).
[[nodiscard]] std::int64_t ranking_loss(const Vector& f, const Vector& y, const std::vector<Index>& order);

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
    explicit RgpeSurrogate(TransferModels models, RgpeOptions options = {});

    /// Fit the new task's GP to Z (n×D) and y (n) and compute the ensemble's weights.
    /// @throws DataError when D differs from the earlier models' width or on non-finite input;
    ///         NumericalError when a fit fails.
    void fit(const Matrix& Z, const Vector& y, bool refit_hyperparameters, std::uint64_t seed) override;

    /// Ensemble mean and standard deviation at the rows of Z (m×D), each m.
    /// @throws NotFitted before `fit`.
    void predict(const Matrix& Z, Vector& mean, Vector& std) const override;

    /// The weights of the last fit: M + 1 entries summing to 1, the earlier models' in the order
    /// given and the new task's model last. Empty before the first fit.
    [[nodiscard]] const Vector& weights() const noexcept { return weights_; }
    /// The earlier models.
    [[nodiscard]] const TransferModels& models() const noexcept { return models_; }

private:
    void compute_weights(const Matrix& Z, const Vector& y, std::uint64_t seed);

    TransferModels models_;
    RgpeOptions o_;
    GaussianProcess target_;
    bool optimized_ = false;
    Vector weights_;
};

/// A factory of `RgpeSurrogate`s over `models` for `TunerOptions::surrogate`.
/// @throws ConfigError as `RgpeSurrogate` (checked here, not at the first ask).
[[nodiscard]] SurrogateFactory rgpe_surrogate(TransferModels models, RgpeOptions options = {});

}  // namespace metalearn::hpo

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/hpo/tuner_transfer_impl.hpp"
#endif
