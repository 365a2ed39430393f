#pragma once
/// @file random_forest_impl.hpp
/// @brief Bodies of random_forest.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/models/random_forest.hpp"
#include "metalearn/models/detail/validation.hpp"
#include "metalearn/core/parallel.hpp"

#include <numeric>
#include <optional>

namespace metalearn::models::detail {

METALEARN_INLINE void validate_forest_params(std::string_view where, Index n_estimators, Index n_threads) {
    if (n_estimators < 1)
        throw ConfigError(fmt::format("{}: n_estimators out of range (expected >= 1, got {})", where, n_estimators));
    (void)resolve_threads(n_threads, where);  // ConfigError when negative
}

METALEARN_INLINE std::vector<CartTree> grow_forest(const FeatureRanks& ranks, const std::vector<Index>* codes, const VectorRef* y,
                                         const CartSettings& s, Index n_estimators, bool bootstrap,
                                         std::uint64_t seed, Index n_threads) {
    std::vector<CartTree> trees(static_cast<std::size_t>(n_estimators));
    const Index n = ranks.n;
    CartSettings settings = s;
    settings.keep_nodes = false;  // a forest's trees keep what prediction and the saved form read
    // One builder and one set of sample buffers per worker, reused from tree to tree: fresh
    // buffers and node arrays for every tree touch fresh memory, a page fault per 4 KB.
    struct WorkerScratch {
        std::optional<CartBuilder> builder;
        std::vector<Index> drawn, samples, counts;
    };
    std::vector<WorkerScratch> scratch(static_cast<std::size_t>(metalearn::worker_count(n_estimators, n_threads)));
    metalearn::parallel_for(n_estimators, n_threads, [&](Index t, Index worker) {
        Rng rng(derive_seed(seed, {static_cast<std::uint64_t>(t)}));
        auto& w = scratch[static_cast<std::size_t>(worker)];
        w.samples.clear();
        w.counts.clear();
        if (bootstrap) {
            // n draws with replacement, kept as distinct rows with multiplicities
            w.drawn.assign(static_cast<std::size_t>(n), 0);
            for (Index i = 0; i < n; ++i) ++w.drawn[rng.uniform_index(static_cast<std::uint64_t>(n))];
            for (Index i = 0; i < n; ++i)
                if (w.drawn[static_cast<std::size_t>(i)] > 0) {
                    w.samples.push_back(i);
                    w.counts.push_back(w.drawn[static_cast<std::size_t>(i)]);
                }
        } else {
            w.samples.resize(static_cast<std::size_t>(n));
            std::iota(w.samples.begin(), w.samples.end(), Index{0});
            w.counts.assign(static_cast<std::size_t>(n), 1);
        }
        if (!w.builder) w.builder.emplace(ranks, codes, y, settings);
        trees[static_cast<std::size_t>(t)] = w.builder->grow(w.samples, w.counts, rng);
    }, Schedule::dynamic);
    return trees;
}

METALEARN_INLINE std::vector<CartTree> grow_forest(const MatrixRef& X, const std::vector<Index>* codes, const VectorRef* y,
                                         const CartSettings& s, Index n_estimators, bool bootstrap,
                                         std::uint64_t seed, Index n_threads) {
    const FeatureRanks ranks(X);  // shared, read-only
    return grow_forest(ranks, codes, y, s, n_estimators, bootstrap, seed, n_threads);
}

METALEARN_INLINE Vector forest_importances(const std::vector<CartTree>& trees, Index p) {
    Vector out = Vector::Zero(p);
    for (const auto& t : trees) {
        const double total = t.importance.sum();
        if (total > 0.0) out += t.importance / total;
    }
    const double total = out.sum();
    return total > 0.0 ? Vector(out / total) : out;
}

}  // namespace metalearn::models::detail

namespace metalearn::models {

METALEARN_INLINE void RandomForestClassifier::set_params(const params_type& p) {
    constexpr std::string_view where = "RandomForestClassifier::set_params()";
    detail::validate_forest_params(where, p.n_estimators, p.n_threads);
    detail::validate_tree_params(where, p.max_depth, p.min_samples_split, p.min_samples_leaf, p.max_features);
    detail::check_class_weights(where, p.class_weight, p.class_weights);
    detail::check_criterion(where, p.criterion);
    params_ = p;
    trees_.clear();
}

METALEARN_INLINE void RandomForestClassifier::fit(const MatrixRef& X, const VectorRef& y, Index n_classes) {
    constexpr std::string_view where = "RandomForestClassifier::fit()";
    detail::check_xy(where, X, y);
    Index k = 0;
    const auto codes = detail::class_codes(where, y, n_classes, k);
    const std::vector<double> weights =
        detail::class_weight_values(where, codes, k, params_.class_weight, params_.class_weights);
    const detail::CartSettings s{params_.max_depth, params_.min_samples_split, params_.min_samples_leaf,
                                 detail::resolve_max_features(params_.max_features, X.cols()), true,
                                 params_.criterion == Criterion::entropy, k, nullptr,
                                 weights.empty() ? nullptr : &weights};
    trees_ = detail::grow_forest(X, &codes, nullptr, s, params_.n_estimators, params_.bootstrap, seed_,
                                 params_.n_threads);
    n_features_ = X.cols();
    k_ = k;
}

METALEARN_INLINE Matrix RandomForestClassifier::predict_proba(const MatrixRef& X) const {
    return proba(X, "RandomForestClassifier::predict_proba()");
}

METALEARN_INLINE Vector RandomForestClassifier::predict(const MatrixRef& X) const {
    return detail::argmax_rows(proba(X, "RandomForestClassifier::predict()"));
}

METALEARN_INLINE Vector RandomForestClassifier::feature_importances() const {
    detail::require_fitted("RandomForestClassifier::feature_importances()", is_fitted());
    return detail::forest_importances(trees_, n_features_);
}

namespace detail {
/// The forests' `max_features` choices: sqrt, log2, or a fraction of the features.
METALEARN_INLINE hpo::CategoricalDomain<double> forest_max_features_domain() {
    return hpo::categorical<double>(
        {{"sqrt", max_features_sqrt}, {"log2", max_features_log2}, {"0.25", 0.25}, {"0.5", 0.5}, {"0.75", 0.75}, {"1.0", 1.0}});
}
}  // namespace detail

METALEARN_INLINE hpo::SearchSpace<RandomForestClassifier::params_type> RandomForestClassifier::search_space() {
    return hpo::SearchSpace<params_type>()
        .add("n_estimators", &params_type::n_estimators, hpo::int_log_uniform(10, 300))
        .add("criterion", &params_type::criterion,
             hpo::categorical<Criterion>({{"gini", Criterion::gini}, {"entropy", Criterion::entropy}}))
        .add("max_depth", &params_type::max_depth, hpo::int_uniform(0, 30))
        .add("min_samples_leaf", &params_type::min_samples_leaf, hpo::int_log_uniform(1, 32))
        .add("max_features", &params_type::max_features,
             detail::forest_max_features_domain())
        .add("bootstrap", &params_type::bootstrap, hpo::boolean())
        .add("class_weight", &params_type::class_weight,
             hpo::categorical<ClassWeight>({{"none", ClassWeight::none}, {"balanced", ClassWeight::balanced}}));
}

METALEARN_INLINE Matrix RandomForestClassifier::proba(const MatrixRef& X, std::string_view where) const {
    detail::require_fitted(where, is_fitted());
    detail::check_predict_x(where, X, n_features_);
    Matrix P = Matrix::Zero(X.rows(), k_);
    const double inv_t = 1.0 / static_cast<double>(trees_.size());
    // Parallel over blocks of rows; within a block, tree after tree. A tree's nodes are read
    // from memory once per block, so blocks are large (up to 2,048 rows: at 256 rows, streaming
    // the trees took twice the time on 16,000 rows), but at most 2 MB of copied rows (or 16 rows
    // of very wide data) and at least one block per thread. Each row sums the trees in order,
    // whatever the blocks and threads.
    constexpr Index max_block = 2048;
    const Index threads = resolve_threads(params_.n_threads);
    const Index by_memory = std::max<Index>(16, (Index{1} << 18) / std::max<Index>(1, X.cols()));
    const Index block = std::clamp<Index>((X.rows() + threads - 1) / threads, 1, std::min(max_block, by_memory));
    const Index n_blocks = (X.rows() + block - 1) / block;
    metalearn::parallel_for(n_blocks, std::min<Index>(threads, n_blocks), [&](Index b) {
        const Index lo = b * block;
        const Index hi = std::min<Index>(X.rows(), lo + block);
        std::vector<Index> leaf(static_cast<std::size_t>(hi - lo));
        // the block's rows copied row-major: a walk reads one row's features, a few cache lines
        const detail::RowBlock rows(X, lo, hi);
        for (const auto& t : trees_) {
            t.apply_rows(rows, 0, hi - lo, leaf.data());
            for (Index i = lo; i < hi; ++i) {
                const Index k = leaf[static_cast<std::size_t>(i - lo)];
                const double* v = t.leaf_value(k);
                const double sum = t.leaf_sum(k);
                for (Index c = 0; c < k_; ++c) P(i, c) += v[c] / sum;
            }
        }
        P.middleRows(lo, hi - lo) *= inv_t;
    });
    return P;
}

}  // namespace metalearn::models

namespace metalearn::models {

METALEARN_INLINE void RandomForestRegressor::set_params(const params_type& p) {
    constexpr std::string_view where = "RandomForestRegressor::set_params()";
    detail::validate_forest_params(where, p.n_estimators, p.n_threads);
    detail::validate_tree_params(where, p.max_depth, p.min_samples_split, p.min_samples_leaf, p.max_features);
    params_ = p;
    trees_.clear();
}

METALEARN_INLINE void RandomForestRegressor::fit(const MatrixRef& X, const VectorRef& y) {
    constexpr std::string_view where = "RandomForestRegressor::fit()";
    detail::check_xy(where, X, y);
    const detail::CartSettings s{params_.max_depth, params_.min_samples_split, params_.min_samples_leaf,
                                 detail::resolve_max_features(params_.max_features, X.cols()), false, false, 0};
    trees_ = detail::grow_forest(X, nullptr, &y, s, params_.n_estimators, params_.bootstrap, seed_,
                                 params_.n_threads);
    n_features_ = X.cols();
}

METALEARN_INLINE void RandomForestRegressor::fit(const MatrixRef& X, const VectorRef& y, const std::vector<Index>& groups,
                                                 Index n_groups) {
    constexpr std::string_view where = "RandomForestRegressor::fit()";
    detail::check_xy(where, X, y);
    detail::check_row_groups(where, groups, n_groups, X.rows());
    const detail::CartSettings s{params_.max_depth, params_.min_samples_split, params_.min_samples_leaf,
                                 detail::resolve_max_features(params_.max_features, X.cols()), false, false, 0};
    const detail::FeatureRanks ranks(X, groups, n_groups);
    trees_ = detail::grow_forest(ranks, nullptr, &y, s, params_.n_estimators, params_.bootstrap, seed_,
                                 params_.n_threads);
    n_features_ = X.cols();
}

METALEARN_INLINE Matrix RandomForestRegressor::predict_per_tree(const MatrixRef& X) const {
    return per_tree(X, "RandomForestRegressor::predict_per_tree()");
}

METALEARN_INLINE Vector RandomForestRegressor::predict(const MatrixRef& X) const {
    return per_tree(X, "RandomForestRegressor::predict()").rowwise().mean();
}

METALEARN_INLINE Vector RandomForestRegressor::predict_std(const MatrixRef& X) const {
    const Matrix T = per_tree(X, "RandomForestRegressor::predict_std()");
    const Vector mean = T.rowwise().mean();
    return ((T.colwise() - mean).rowwise().squaredNorm() / static_cast<double>(T.cols())).cwiseSqrt();
}

METALEARN_INLINE Vector RandomForestRegressor::feature_importances() const {
    detail::require_fitted("RandomForestRegressor::feature_importances()", is_fitted());
    return detail::forest_importances(trees_, n_features_);
}

METALEARN_INLINE nlohmann::json RandomForestRegressor::to_json() const {
    detail::require_fitted("RandomForestRegressor::to_json()", is_fitted());
    auto trees = nlohmann::json::array();
    for (const auto& t : trees_) trees.push_back(detail::cart_tree_json(t));
    return {{"kind", name},
            {"version", 1},
            {"params", params_json(params_)},
            {"seed", seed_},
            {"n_features", n_features_},
            {"trees", std::move(trees)}};
}

METALEARN_INLINE nlohmann::json RandomForestRegressor::params_json(const params_type& p) {
    nlohmann::json pj = detail::tree_params_json(p.max_depth, p.min_samples_split, p.min_samples_leaf, p.max_features);
    pj["n_estimators"] = p.n_estimators;
    pj["bootstrap"] = p.bootstrap;
    pj["n_threads"] = p.n_threads;
    return pj;
}

METALEARN_INLINE RandomForestRegressor RandomForestRegressor::from_json(const nlohmann::json& j) {
    const detail::JsonAt at{"RandomForestRegressor::from_json()", ""};
    detail::json_check_header(j, at, name, 1);
    const auto pa = at / "params";
    const auto& pj = detail::json_field(j, at, "params");
    params_type p;
    detail::read_tree_params(pj, pa, p.max_depth, p.min_samples_split, p.min_samples_leaf, p.max_features);
    p.n_estimators = detail::json_index(detail::json_field(pj, pa, "n_estimators"), pa / "n_estimators", 1);
    p.bootstrap = detail::json_bool(detail::json_field(pj, pa, "bootstrap"), pa / "bootstrap");
    p.n_threads = detail::json_index(detail::json_field(pj, pa, "n_threads"), pa / "n_threads", 0);
    RandomForestRegressor m(p);
    m.seed_ = detail::json_uint64(detail::json_field(j, at, "seed"), at / "seed");
    m.n_features_ = detail::json_index(detail::json_field(j, at, "n_features"), at / "n_features", 1);
    const auto& tj = detail::json_array(detail::json_field(j, at, "trees"), at / "trees", p.n_estimators);
    m.trees_.reserve(tj.size());
    for (std::size_t t = 0; t < tj.size(); ++t) {
        m.trees_.push_back(detail::cart_tree_from_json(tj[t], at / "trees" / t, m.n_features_, 1));
        m.trees_.back().release_nodes();
    }
    return m;
}

METALEARN_INLINE hpo::SearchSpace<RandomForestRegressor::params_type> RandomForestRegressor::search_space() {
    return hpo::SearchSpace<params_type>()
        .add("n_estimators", &params_type::n_estimators, hpo::int_log_uniform(10, 300))
        .add("max_depth", &params_type::max_depth, hpo::int_uniform(0, 30))
        .add("min_samples_leaf", &params_type::min_samples_leaf, hpo::int_log_uniform(1, 32))
        .add("max_features", &params_type::max_features,
             detail::forest_max_features_domain())
        .add("bootstrap", &params_type::bootstrap, hpo::boolean());
}

METALEARN_INLINE Matrix RandomForestRegressor::per_tree(const MatrixRef& X, std::string_view where) const {
    detail::require_fitted(where, is_fitted());
    detail::check_predict_x(where, X, n_features_);
    Matrix T(X.rows(), static_cast<Index>(trees_.size()));
    metalearn::parallel_for(static_cast<Index>(trees_.size()), params_.n_threads,
                         [&](Index t) {
                             const auto& tree = trees_[static_cast<std::size_t>(t)];
                             constexpr Index block = 256;
                             Index leaf[block];
                             for (Index lo = 0; lo < X.rows(); lo += block) {
                                 const Index hi = std::min<Index>(X.rows(), lo + block);
                                 tree.apply_rows(X, lo, hi, leaf);
                                 for (Index i = lo; i < hi; ++i)
                                     T(i, t) = tree.leaf_value(leaf[i - lo])[0];
                             }
                         });
    return T;
}

}  // namespace metalearn::models
