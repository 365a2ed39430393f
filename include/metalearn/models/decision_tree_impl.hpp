#pragma once
/// @file decision_tree_impl.hpp
/// @brief Bodies of decision_tree.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/models/decision_tree.hpp"
#include "metalearn/models/detail/validation.hpp"

#include <limits>

namespace metalearn::models::detail {

METALEARN_INLINE Vector TreeAccess::feature_importances() const {
    const double total = tree_.importance.sum();
    return total > 0.0 ? Vector(tree_.importance / total) : Vector(Vector::Zero(tree_.importance.size()));
}

METALEARN_INLINE Index TreeAccess::apply(const Eigen::Ref<const RowVector>& row) const {
    detail::require_fitted("DecisionTree::apply()", !tree_.nodes.empty());
    if (row.size() != n_features_ || !row.allFinite())
        throw DataError(fmt::format("DecisionTree::apply(): bad row (expected {} finite values, got {})",
                                    n_features_, row.size()));
    return tree_.apply(row, 0);
}

}  // namespace metalearn::models::detail

namespace metalearn::models {

METALEARN_INLINE void DecisionTreeClassifier::set_params(const params_type& p) {
    detail::validate_tree_params("DecisionTreeClassifier::set_params()", p.max_depth, p.min_samples_split,
                                 p.min_samples_leaf, p.max_features);
    detail::check_class_weights("DecisionTreeClassifier::set_params()", p.class_weight, p.class_weights);
    detail::check_criterion("DecisionTreeClassifier::set_params()", p.criterion);
    params_ = p;
    tree_ = {};
}

METALEARN_INLINE void DecisionTreeClassifier::fit(const MatrixRef& X, const VectorRef& y, Index n_classes) {
    constexpr std::string_view where = "DecisionTreeClassifier::fit()";
    detail::check_xy(where, X, y);
    Index k = 0;
    const auto codes = detail::class_codes(where, y, n_classes, k);
    const std::vector<double> weights =
        detail::class_weight_values(where, codes, k, params_.class_weight, params_.class_weights);
    std::vector<Index> samples(static_cast<std::size_t>(X.rows()));
    std::iota(samples.begin(), samples.end(), Index{0});
    detail::CartSettings s{params_.max_depth, params_.min_samples_split, params_.min_samples_leaf,
                           detail::resolve_max_features(params_.max_features, X.cols()), true,
                           params_.criterion == Criterion::entropy, k, &stop_,
                           weights.empty() ? nullptr : &weights};
    Rng rng(seed_);
    const detail::FeatureRanks ranks(X);
    detail::CartBuilder builder(ranks, &codes, nullptr, s);
    tree_ = builder.grow(std::move(samples), rng);
    n_features_ = X.cols();
    k_ = k;
}

METALEARN_INLINE Matrix DecisionTreeClassifier::predict_proba(const MatrixRef& X) const {
    constexpr std::string_view where = "DecisionTreeClassifier::predict_proba()";
    detail::require_fitted(where, is_fitted());
    detail::check_predict_x(where, X, n_features_);
    Matrix P(X.rows(), k_);
    std::vector<Index> leaf(static_cast<std::size_t>(X.rows()));
    tree_.apply_rows(X, 0, X.rows(), leaf.data());
    for (Index i = 0; i < X.rows(); ++i) {
        const Vector& v = tree_.nodes[static_cast<std::size_t>(leaf[static_cast<std::size_t>(i)])].value;
        P.row(i) = v.transpose() / v.sum();
    }
    return P;
}

METALEARN_INLINE Vector DecisionTreeClassifier::predict(const MatrixRef& X) const {
    constexpr std::string_view where = "DecisionTreeClassifier::predict()";
    detail::require_fitted(where, is_fitted());
    detail::check_predict_x(where, X, n_features_);
    Vector out(X.rows());
    std::vector<Index> leaf(static_cast<std::size_t>(X.rows()));
    tree_.apply_rows(X, 0, X.rows(), leaf.data());
    for (Index i = 0; i < X.rows(); ++i) {
        Index c = 0;
        tree_.nodes[static_cast<std::size_t>(leaf[static_cast<std::size_t>(i)])].value.maxCoeff(&c);
        out[i] = static_cast<double>(c);
    }
    return out;
}

METALEARN_INLINE hpo::SearchSpace<DecisionTreeClassifier::params_type> DecisionTreeClassifier::search_space() {
    return hpo::SearchSpace<params_type>()
        .add("criterion", &params_type::criterion,
             hpo::categorical<Criterion>({{"gini", Criterion::gini}, {"entropy", Criterion::entropy}}))
        .add("max_depth", &params_type::max_depth, hpo::int_uniform(0, 30))
        .add("min_samples_split", &params_type::min_samples_split, hpo::int_log_uniform(2, 64))
        .add("min_samples_leaf", &params_type::min_samples_leaf, hpo::int_log_uniform(1, 32))
        .add("max_features", &params_type::max_features, hpo::uniform(0.05, 1.0))
        .valid_range("max_depth", 0.0, 0x1.0p52)
        .valid_range("min_samples_split", 2.0, 0x1.0p52)
        .valid_range("min_samples_leaf", 1.0, 0x1.0p52)
        .valid_range("max_features", std::numeric_limits<double>::min(), 1.0)
        .add("class_weight", &params_type::class_weight,
             hpo::categorical<ClassWeight>({{"none", ClassWeight::none}, {"balanced", ClassWeight::balanced}}));
}

}  // namespace metalearn::models

namespace metalearn::models {

METALEARN_INLINE void DecisionTreeRegressor::set_params(const params_type& p) {
    detail::validate_tree_params("DecisionTreeRegressor::set_params()", p.max_depth, p.min_samples_split,
                                 p.min_samples_leaf, p.max_features);
    params_ = p;
    tree_ = {};
}

METALEARN_INLINE void DecisionTreeRegressor::fit(const MatrixRef& X, const VectorRef& y) {
    constexpr std::string_view where = "DecisionTreeRegressor::fit()";
    detail::check_xy(where, X, y);
    std::vector<Index> samples(static_cast<std::size_t>(X.rows()));
    std::iota(samples.begin(), samples.end(), Index{0});
    detail::CartSettings s{params_.max_depth, params_.min_samples_split, params_.min_samples_leaf,
                           detail::resolve_max_features(params_.max_features, X.cols()), false, false, 0, &stop_};
    Rng rng(seed_);
    const detail::FeatureRanks ranks(X);
    detail::CartBuilder builder(ranks, nullptr, &y, s);
    tree_ = builder.grow(std::move(samples), rng);
    n_features_ = X.cols();
}

METALEARN_INLINE Vector DecisionTreeRegressor::predict(const MatrixRef& X) const {
    constexpr std::string_view where = "DecisionTreeRegressor::predict()";
    detail::require_fitted(where, is_fitted());
    detail::check_predict_x(where, X, n_features_);
    Vector out(X.rows());
    std::vector<Index> leaf(static_cast<std::size_t>(X.rows()));
    tree_.apply_rows(X, 0, X.rows(), leaf.data());
    for (Index i = 0; i < X.rows(); ++i) out[i] = tree_.leaf_value(leaf[static_cast<std::size_t>(i)])[0];
    return out;
}

METALEARN_INLINE nlohmann::json DecisionTreeRegressor::to_json() const {
    detail::require_fitted("DecisionTreeRegressor::to_json()", is_fitted());
    return {{"kind", name},
            {"version", 1},
            {"params", detail::tree_params_json(params_.max_depth, params_.min_samples_split,
                                                params_.min_samples_leaf, params_.max_features)},
            {"seed", seed_},
            {"n_features", n_features_},
            {"tree", detail::cart_tree_json(tree_)}};
}

METALEARN_INLINE DecisionTreeRegressor DecisionTreeRegressor::from_json(const nlohmann::json& j) {
    const detail::JsonAt at{"DecisionTreeRegressor::from_json()", ""};
    detail::json_check_header(j, at, name, 1);
    params_type p;
    detail::read_tree_params(detail::json_field(j, at, "params"), at / "params", p.max_depth, p.min_samples_split,
                             p.min_samples_leaf, p.max_features);
    DecisionTreeRegressor m(p);
    m.seed_ = detail::json_uint64(detail::json_field(j, at, "seed"), at / "seed");
    m.n_features_ = detail::json_index(detail::json_field(j, at, "n_features"), at / "n_features", 1);
    m.tree_ = detail::cart_tree_from_json(detail::json_field(j, at, "tree"), at / "tree", m.n_features_, 1);
    return m;
}

METALEARN_INLINE hpo::SearchSpace<DecisionTreeRegressor::params_type> DecisionTreeRegressor::search_space() {
    return hpo::SearchSpace<params_type>()
        .add("max_depth", &params_type::max_depth, hpo::int_uniform(0, 30))
        .add("min_samples_split", &params_type::min_samples_split, hpo::int_log_uniform(2, 64))
        .add("min_samples_leaf", &params_type::min_samples_leaf, hpo::int_log_uniform(1, 32))
        .add("max_features", &params_type::max_features, hpo::uniform(0.05, 1.0));
}

}  // namespace metalearn::models
