#pragma once
/// @file predictor.hpp
/// @brief `HyperparameterPredictor`: a meta-model fitted on `[task meta-features ‖ encoded
/// config] → normalised score`, and `suggest(meta_features, k)`: the k configurations with the
/// highest predicted score, over an explicit candidate list (distinct) or a whole search space
/// (kept `SpaceSearchOptions::min_distance` apart).
///
/// Preprocessing (fitted on the training tasks only, stored with the predictor):
/// meta-features → `signed_log1p` → NaN (and, at prediction, ±inf) replaced by the training medians
/// (`metafeatures::MetaFeatureImputer`); scores → normalised
/// within each task (`Normalization::min_max` by default: 1 = the task's best evaluated config,
/// 0 = its worst), so that tasks with easy and hard problems weigh the same; tasks whose scores
/// all tie are left out. The meta-model standardises its inputs itself.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/meta/meta_model.hpp"
#include "metalearn/meta/task_table.hpp"
#include "metalearn/metafeatures/meta_features.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <set>
#include <string>
#include <vector>

namespace metalearn::meta {

/// One suggested configuration.
struct Suggestion {
    nlohmann::json config;  ///< name → value
    Vector encoding;        ///< q encoded values
    double predicted = 0.0; ///< predicted normalised score (1 ≈ the best a task's plan offers)
    double std = 0.0;       ///< predictive std (meta-model's own, or the training RMSE when it has none)

    /// The configuration as compact JSON text, names in sorted order (`{"C":0.42}`); JSON has
    /// no NaN or infinity, so such a value prints as `null`, and bytes of a string that are not
    /// UTF-8 print as U+FFFD (throws nothing but std::bad_alloc). Compiled into the library in compiled mode, so
    /// that a program printing suggestions does not instantiate nlohmann::json's serialiser
    /// (about 1 s of every build of such a file).
    [[nodiscard]] std::string config_text() const;
};

/// A suggested configuration with its typed parameters (`MetaLearner::suggest`,
/// `Knowledge::suggest`): `params` is `config` read by the model's search space.
template <class Params>
struct TypedSuggestion : Suggestion {
    Params params{};  ///< the configuration as the model's parameter struct
};

namespace detail {
/// `suggestions` with their configurations read by `space` (`Space::from_json`), order kept.
/// @throws what `from_json` throws (a configuration outside the space).
template <class Space>
[[nodiscard]] std::vector<TypedSuggestion<typename Space::params_type>> with_params(std::vector<Suggestion> suggestions,
                                                                                  const Space& space) {
    std::vector<TypedSuggestion<typename Space::params_type>> out;
    out.reserve(suggestions.size());
    for (auto& r : suggestions) {
        TypedSuggestion<typename Space::params_type> s;
        static_cast<Suggestion&>(s) = std::move(r);
        s.params = space.from_json(s.config);
        out.push_back(std::move(s));
    }
    return out;
}
}  // namespace detail

/// Options of the space search in `HyperparameterPredictor::suggest(mf, k, space, ...)`.
struct SpaceSearchOptions {
    Index n_candidates = 512;     ///< scrambled-Sobol candidates drawn from the space (≥ 1)
    Index n_refine = 8;           ///< best candidates refined locally (≥ 0)
    Index refine_steps = 16;      ///< Gaussian perturbations tried per refined candidate
    double refine_scale = 0.05;   ///< perturbation sd in the [0,1] encoding
    std::uint64_t seed = 0;
    /// Minimum distance between two of the k suggestions, in the [0,1] encoding (Euclidean,
    /// divided by √q so that 1 is the cube's diagonal): the top-k are the best predictions that
    /// keep it, relaxed by halves when the candidates cannot hold k such points (`detail::diverse_top`).
    /// 0 = only distinct configurations. Finite and ≥ 0.
    double min_distance = 0.1;
    /// `MetaLearner::suggest` only: search inside what the plan evaluated (`SearchSpace::restricted_to`
    /// of the plan) rather than the whole space; the meta-model has seen nothing outside it.
    bool restrict_to_plan = true;
};

namespace detail {
/// Indices of up to `k` rows of `encoding` (n×q, rows sorted best first), greedily in row order,
/// keeping pairwise distances (Euclidean / √q) ≥ d; d is halved until k rows are found or it falls
/// below 1e-6 (then rows at distance ≥ that are taken). Fewer than k only when fewer than k rows
/// are that far apart. @param d ≥ 0 (0 = every row, the first k).
[[nodiscard]] METALEARN_INLINE std::vector<Index> diverse_top(const Matrix& encoding, Index k, double d);
}  // namespace detail

/// A meta-model with its preprocessing; see the file documentation.
/// @tparam M a `MetaModel` (if it is a `MetaModelWithStd`, its std is reported).
template <MetaModel M>
class HyperparameterPredictor {
public:
    /// @param model an unfitted meta-model (its parameters are kept).
    /// @param normalization how scores are made comparable across tasks.
    explicit HyperparameterPredictor(M model = M(), Normalization normalization = Normalization::min_max)
        : model_(std::move(model)), normalization_(normalization) {}

    /// Fit on a T×f meta-feature matrix, an m×q config encoding and the T×m raw scores (NaN =
    /// missing/failed, skipped). @throws DataError on mismatched shapes or when no task has two
    /// distinct finite scores.
    void fit(const MatrixRef& meta_features, const MatrixRef& config_encoding, const MatrixRef& scores);

    /// Fit on the rows `train_tasks` of a task table.
    void fit(const TaskTable& table, const std::vector<Index>& train_tasks);

    /// Predicted normalised scores of m configs (m×q encodings) on a task with raw meta-features
    /// `meta_features` (f; NaN allowed, ±inf treated as missing, i.e. as NaN). @throws NotFitted,
    /// DataError (wrong sizes).
    [[nodiscard]] Vector predict(const VectorRef& meta_features, const MatrixRef& config_encoding) const;

    /// Predictive std per config: the meta-model's `predict_std` when it has one, otherwise the
    /// training RMSE for every config. @throws NotFitted, DataError.
    [[nodiscard]] Vector predict_std(const VectorRef& meta_features, const MatrixRef& config_encoding) const;

    /// The k distinct candidates (by config JSON) with the highest predicted score, best first;
    /// ties broken by the lower candidate index. `configs` (m) and `encoding` (m×q) describe the
    /// candidates. @throws NotFitted, DataError (sizes), ConfigError (k < 1).
    [[nodiscard]] std::vector<Suggestion> suggest(const VectorRef& meta_features, Index k,
                                                  const std::vector<nlohmann::json>& configs,
                                                  const MatrixRef& encoding) const;

    /// Search a whole space: `n_candidates` scrambled-Sobol configurations, then local refinement
    /// of the best `n_refine` (Gaussian steps in the encoding, decoded back to valid configs and
    /// kept when the prediction improves), then the k best that keep `opts.min_distance` from
    /// each other, best first. Fewer than k when the candidates hold fewer distinct configurations
    /// (a space of two categories, one restricted to a small plan, or k above the candidates).
    /// @tparam Space an `hpo::SearchSpace<Params>` (needs `sobol`, `encode`, `decode`, `to_json`).
    /// @param keep optional: candidates it returns false for are left out before the top-k is taken,
    ///        unless it rules out every candidate.
    /// @throws NotFitted, DataError (meta-feature count), ConfigError (k < 1, n_candidates < 1,
    ///         n_refine or refine_steps < 0, refine_scale or min_distance negative or not finite).
    /// Randomness: `opts.seed` only.
    template <class Space>
    [[nodiscard]] std::vector<Suggestion> suggest(const VectorRef& meta_features, Index k, const Space& space,
                                                  const SpaceSearchOptions& opts = {},
                                                  const std::function<bool(const nlohmann::json&)>& keep = {}) const {
        if (k < 1) throw ConfigError(fmt::format("HyperparameterPredictor::suggest(): k must be >= 1 (got {})", k));
        if (opts.n_candidates < 1)
            throw ConfigError(fmt::format("HyperparameterPredictor::suggest(): n_candidates must be >= 1 (got {})",
                                          opts.n_candidates));
        if (!(opts.min_distance >= 0.0) || !std::isfinite(opts.min_distance))
            throw ConfigError(fmt::format("HyperparameterPredictor::suggest(): min_distance must be finite and >= 0 (got {})",
                                          opts.min_distance));
        if (opts.n_refine < 0 || opts.refine_steps < 0)
            throw ConfigError(fmt::format("HyperparameterPredictor::suggest(): n_refine and refine_steps must be >= 0 (got {} and {})",
                                          opts.n_refine, opts.refine_steps));
        if (!(opts.refine_scale >= 0.0) || !std::isfinite(opts.refine_scale))
            throw ConfigError(fmt::format("HyperparameterPredictor::suggest(): refine_scale must be finite and >= 0 (got {})",
                                          opts.refine_scale));
        auto params = space.sobol(opts.n_candidates, opts.seed);
        std::vector<nlohmann::json> configs;
        Matrix enc;
        auto add = [&](const auto& p) {
            const Vector e = space.encode(p);
            if (enc.rows() == 0) enc.resize(0, e.size());
            enc.conservativeResize(enc.rows() + 1, e.size());
            enc.row(enc.rows() - 1) = e.transpose();
            configs.push_back(space.to_json(p));
        };
        for (const auto& p : params) add(p);
        const Vector mu = predict(meta_features, enc);
        std::vector<Index> order(static_cast<std::size_t>(mu.size()));
        std::iota(order.begin(), order.end(), Index{0});
        std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return mu[a] > mu[b]; });
        Rng rng(derive_seed(opts.seed, {7}));
        const Index n_refine = std::min<Index>(opts.n_refine, static_cast<Index>(order.size()));
        for (Index r = 0; r < n_refine; ++r) {
            Vector best = enc.row(order[static_cast<std::size_t>(r)]).transpose();
            double best_mu = mu[order[static_cast<std::size_t>(r)]];
            for (Index step = 0; step < opts.refine_steps; ++step) {
                Vector z = best;
                for (Index j = 0; j < z.size(); ++j) z[j] = std::clamp(z[j] + rng.normal(0.0, opts.refine_scale), 0.0, 1.0);
                const auto p = space.decode(z);
                const Vector e = space.encode(p);
                Matrix one(1, e.size());
                one.row(0) = e.transpose();
                const double m1 = predict(meta_features, one)[0];
                if (m1 > best_mu) {
                    best_mu = m1;
                    best = e;
                    add(p);
                }
            }
        }
        auto ranked = suggest(meta_features, static_cast<Index>(configs.size()), configs, enc);  // distinct, best first
        if (keep) {
            std::vector<Suggestion> kept;
            for (const auto& r : ranked)
                if (keep(r.config)) kept.push_back(r);
            if (!kept.empty()) ranked = std::move(kept);
        }
        Matrix ranked_enc(static_cast<Index>(ranked.size()), enc.cols());
        for (std::size_t i = 0; i < ranked.size(); ++i) ranked_enc.row(static_cast<Index>(i)) = ranked[i].encoding.transpose();
        std::vector<Suggestion> out;
        for (Index i : detail::diverse_top(ranked_enc, k, opts.min_distance)) out.push_back(std::move(ranked[static_cast<std::size_t>(i)]));
        return out;
    }

    [[nodiscard]] bool is_fitted() const noexcept { return fitted_; }
    [[nodiscard]] const M& model() const noexcept { return model_; }
    [[nodiscard]] Normalization normalization() const noexcept { return normalization_; }
    /// Meta-features (f) and encoded configuration values (q) the fitted predictor takes; 0 before `fit`.
    [[nodiscard]] Index n_meta_features() const noexcept { return n_meta_features_; }
    [[nodiscard]] Index n_encoded() const noexcept { return n_encoded_; }
    /// In-sample RMSE of the meta-model on the normalised scores.
    [[nodiscard]] double training_rmse() const noexcept { return rmse_; }

    /// The fitted predictor (meta-model and preprocessing) as JSON. @throws NotFitted.
    [[nodiscard]] nlohmann::json to_json() const;

    /// @throws ConfigError when `j` is not a saved predictor of this meta-model type.
    static HyperparameterPredictor from_json(const nlohmann::json& j);

private:
    [[nodiscard]] Matrix inputs(const VectorRef& meta_features, const MatrixRef& config_encoding, const char* what) const;

    M model_;
    Normalization normalization_;
    metafeatures::MetaFeatureImputer imputer_;
    Index n_meta_features_ = 0;
    Index n_encoded_ = 0;
    double rmse_ = 0.0;
    bool fitted_ = false;
};

template <MetaModel M>
void HyperparameterPredictor<M>::fit(const MatrixRef& meta_features, const MatrixRef& config_encoding, const MatrixRef& scores) {
    if (meta_features.rows() != scores.rows() || config_encoding.rows() != scores.cols())
        throw DataError(fmt::format("HyperparameterPredictor::fit(): shapes disagree (meta_features {}x{}, "
                                    "encoding {}x{}, scores {}x{}; expected T×f, m×q, T×m)",
                                    meta_features.rows(), meta_features.cols(), config_encoding.rows(),
                                    config_encoding.cols(), scores.rows(), scores.cols()));
    const Matrix norm = normalize_scores(scores, normalization_);
    Index n = 0;
    for (Index t = 0; t < norm.rows(); ++t)
        for (Index c = 0; c < norm.cols(); ++c) n += std::isfinite(norm(t, c)) ? 1 : 0;
    if (n == 0)
        throw DataError("HyperparameterPredictor::fit(): no task has two distinct finite scores (expected at least one)");
    const Matrix mfi = imputer_.fit_transform(signed_log1p(meta_features));
    const Index f = mfi.cols();
    const Index q = config_encoding.cols();
    Matrix Z(n, f + q);
    Vector s(n);
    std::vector<Index> task_of_row(static_cast<std::size_t>(n));
    Index row = 0;
    for (Index t = 0; t < norm.rows(); ++t)
        for (Index c = 0; c < norm.cols(); ++c) {
            if (!std::isfinite(norm(t, c))) continue;
            Z.row(row) << mfi.row(t), config_encoding.row(c);
            task_of_row[static_cast<std::size_t>(row)] = t;
            s[row++] = norm(t, c);
        }
    if constexpr (MetaModelWithGroups<M>)
        model_.fit(Z, s, task_of_row, norm.rows());  // rows of a task share its meta-features
    else
        model_.fit(Z, s);
    n_meta_features_ = f;
    n_encoded_ = q;
    const Vector fitted = model_.predict(Z);
    rmse_ = std::sqrt((fitted - s).squaredNorm() / static_cast<double>(n));
    fitted_ = true;
}

template <MetaModel M>
void HyperparameterPredictor<M>::fit(const TaskTable& table, const std::vector<Index>& train_tasks) {
    fit(detail::select_rows(table.meta_features, train_tasks), table.config_encoding,
        detail::select_rows(table.scores, train_tasks));
}

template <MetaModel M>
Vector HyperparameterPredictor<M>::predict(const VectorRef& meta_features, const MatrixRef& config_encoding) const {
    return model_.predict(inputs(meta_features, config_encoding, "predict"));
}

template <MetaModel M>
Vector HyperparameterPredictor<M>::predict_std(const VectorRef& meta_features, const MatrixRef& config_encoding) const {
    const Matrix Z = inputs(meta_features, config_encoding, "predict_std");
    if constexpr (MetaModelWithStd<M>) {
        // a meta-model chosen at run time (AnyMetaModel) says whether the one it holds has a std
        if constexpr (requires { model_.has_std(); })
            if (!model_.has_std()) return Vector::Constant(Z.rows(), rmse_);
        return model_.predict_std(Z);
    } else {
        return Vector::Constant(Z.rows(), rmse_);
    }
}

template <MetaModel M>
std::vector<Suggestion> HyperparameterPredictor<M>::suggest(const VectorRef& meta_features, Index k,
                                                  const std::vector<nlohmann::json>& configs,
                                                  const MatrixRef& encoding) const {
    if (k < 1) throw ConfigError(fmt::format("HyperparameterPredictor::suggest(): k must be >= 1 (got {})", k));
    if (static_cast<Index>(configs.size()) != encoding.rows())
        throw DataError(fmt::format("HyperparameterPredictor::suggest(): {} configs for {} encoded rows",
                                    configs.size(), encoding.rows()));
    const Vector mu = predict(meta_features, encoding);
    const Vector sd = predict_std(meta_features, encoding);
    std::vector<Index> order(static_cast<std::size_t>(mu.size()));
    std::iota(order.begin(), order.end(), Index{0});
    std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return mu[a] > mu[b]; });
    std::vector<Suggestion> out;
    std::set<std::string> seen;
    for (Index i : order) {
        if (static_cast<Index>(out.size()) >= k) break;
        const auto& c = configs[static_cast<std::size_t>(i)];
        if (!seen.insert(c.dump()).second) continue;
        out.push_back({c, encoding.row(i).transpose(), mu[i], sd[i]});
    }
    return out;
}

template <MetaModel M>
nlohmann::json HyperparameterPredictor<M>::to_json() const {
    if (!fitted_) throw NotFitted("HyperparameterPredictor::to_json(): call fit() first");
    return {{"type", "HyperparameterPredictor"},
            {"normalization", static_cast<int>(normalization_)},
            {"medians", detail::vector_to_json(imputer_.medians())},
            {"n_meta_features", n_meta_features_},
            {"n_encoded", n_encoded_},
            {"rmse", rmse_},
            {"model", model_.to_json()}};
}

template <MetaModel M>
HyperparameterPredictor<M> HyperparameterPredictor<M>::from_json(const nlohmann::json& j) {
    try {
        if (j.at("type") != "HyperparameterPredictor")
            throw ConfigError("HyperparameterPredictor::from_json(): not a HyperparameterPredictor");
        HyperparameterPredictor p(M::from_json(j.at("model")),
                                  static_cast<Normalization>(j.at("normalization").get<int>()));
        p.imputer_ = metafeatures::MetaFeatureImputer(detail::vector_from_json(j.at("medians")));
        p.n_meta_features_ = j.at("n_meta_features").get<Index>();
        p.n_encoded_ = j.at("n_encoded").get<Index>();
        p.rmse_ = j.at("rmse").get<double>();
        if (p.n_meta_features_ < 0 || p.n_encoded_ < 0 || p.imputer_.medians().size() != p.n_meta_features_)
            throw ConfigError(fmt::format("HyperparameterPredictor::from_json(): {} medians for {} meta-features",
                                          p.imputer_.medians().size(), p.n_meta_features_));
        p.fitted_ = true;
        return p;
    } catch (const nlohmann::json::exception& e) {
        throw ConfigError(fmt::format("HyperparameterPredictor::from_json(): {}", e.what()));
    }
}

template <MetaModel M>
Matrix HyperparameterPredictor<M>::inputs(const VectorRef& meta_features, const MatrixRef& config_encoding, const char* what) const {
    if (!fitted_) throw NotFitted(fmt::format("HyperparameterPredictor::{}(): call fit() first", what));
    if (meta_features.size() != n_meta_features_ || config_encoding.cols() != n_encoded_)
        throw DataError(fmt::format("HyperparameterPredictor::{}(): got {} meta-features and {} encoded values "
                                    "(expected {} and {})",
                                    what, meta_features.size(), config_encoding.cols(), n_meta_features_, n_encoded_));
    Matrix mf(1, meta_features.size());
    mf.row(0) = meta_features.transpose();
    // ±inf meta-features are treated as missing: replaced by the training median, like NaN.
    for (Index j = 0; j < mf.cols(); ++j)
        if (std::isinf(mf(0, j))) mf(0, j) = std::numeric_limits<double>::quiet_NaN();
    const RowVector x = imputer_.transform(signed_log1p(mf)).row(0);
    Matrix Z(config_encoding.rows(), n_meta_features_ + n_encoded_);
    Z.leftCols(n_meta_features_).rowwise() = x;
    Z.rightCols(n_encoded_) = config_encoding;
    return Z;
}

}  // namespace metalearn::meta

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/meta/predictor_impl.hpp"
#else
// Compiled mode: the library holds the predictor over the default meta-model.
#include "metalearn/meta/random_forest_meta_model.hpp"
namespace metalearn::meta {
extern template class HyperparameterPredictor<RandomForestMetaModel>;
}  // namespace metalearn::meta
#endif
