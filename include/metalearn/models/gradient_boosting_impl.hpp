#pragma once
/// @file gradient_boosting_impl.hpp
/// @brief Bodies of `GradientBoostingClassifier`, `GradientBoostingRegressor` and their tree engine (see gradient_boosting.hpp). Included by that header in
/// header-only mode; compiled into the library in compiled mode (core/config.hpp).

#include "metalearn/models/gradient_boosting.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/parallel.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/class_weight.hpp"
#include "metalearn/models/detail/class_weight_json.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/detail/validation.hpp"
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

namespace metalearn::models {
namespace detail {

METALEARN_INLINE double GbtTree::predict(const double* x) const {
    const GbtNode* nd = nodes.data();
    std::int32_t k = 0;
    while (nd[k].feature >= 0) k = x[nd[k].feature] <= nd[k].threshold ? nd[k].left : nd[k].right;
    return nd[k].value;
}

METALEARN_INLINE void check_gbt_params(std::string_view where, const GradientBoostingParams& p) {
    auto fail = [&](std::string_view name, std::string_view expected, auto got) {
        throw ConfigError(fmt::format("{}: {} out of range (expected {}, got {})", where, name, expected, got));
    };
    auto finite_nonneg = [&](std::string_view name, double v) {
        if (!(v >= 0.0) || !std::isfinite(v)) fail(name, "finite >= 0", v);
    };
    auto fraction = [&](std::string_view name, double v) {
        if (!(v > 0.0 && v <= 1.0)) fail(name, "in (0, 1]", v);
    };
    if (p.n_estimators < 1) fail("n_estimators", ">= 1", p.n_estimators);
    fraction("learning_rate", p.learning_rate);
    if (p.max_depth < 1 || p.max_depth > 30) fail("max_depth", "in [1, 30]", p.max_depth);
    finite_nonneg("min_child_weight", p.min_child_weight);
    finite_nonneg("reg_lambda", p.reg_lambda);
    finite_nonneg("reg_alpha", p.reg_alpha);
    finite_nonneg("gamma", p.gamma);
    fraction("subsample", p.subsample);
    fraction("colsample_bytree", p.colsample_bytree);
    fraction("colsample_bylevel", p.colsample_bylevel);
    if (p.max_bin < 2 || p.max_bin > 256) fail("max_bin", "in [2, 256]", p.max_bin);
    if (!(p.validation_fraction >= 0.0 && p.validation_fraction < 1.0))
        fail("validation_fraction", "in [0, 1)", p.validation_fraction);
    if (p.n_iter_no_change < 1) fail("n_iter_no_change", ">= 1", p.n_iter_no_change);
    finite_nonneg("tol", p.tol);
    if (p.n_threads < 0) fail("n_threads", ">= 0", p.n_threads);
    check_class_weights(where, p.class_weight, p.class_weights);
}

METALEARN_INLINE void GbtBinner::fit(const MatrixRef& X, const std::vector<Index>& rows, Index max_bin) {
    const Index p = X.cols();
    edges.assign(static_cast<std::size_t>(p), {});
    std::vector<double> v(rows.size());
    for (Index f = 0; f < p; ++f) {
        for (std::size_t i = 0; i < rows.size(); ++i) v[i] = X(rows[i], f);
        std::sort(v.begin(), v.end());
        auto& e = edges[static_cast<std::size_t>(f)];
        std::vector<double> u(v);
        u.erase(std::unique(u.begin(), u.end()), u.end());
        if (static_cast<Index>(u.size()) <= max_bin) {
            for (std::size_t j = 0; j + 1 < u.size(); ++j) e.push_back(between(u[j], u[j + 1]));
        } else {
            // cut points at evenly spaced ranks: the k-th edge separates the first
            // round(k·n / max_bin) sorted values from the rest (or sits on a run of equal values)
            const auto n = static_cast<double>(v.size());
            for (Index k = 1; k < max_bin; ++k) {
                const auto r = static_cast<std::size_t>(std::llround(static_cast<double>(k) * n / static_cast<double>(max_bin)));
                if (r == 0 || r >= v.size()) continue;
                const double t = v[r - 1] < v[r] ? between(v[r - 1], v[r]) : v[r];
                if (e.empty() || t > e.back()) e.push_back(t);
            }
        }
    }
}

METALEARN_INLINE std::uint8_t GbtBinner::bin(Index f, double v) const {
    const auto& e = edges[static_cast<std::size_t>(f)];
    return static_cast<std::uint8_t>(std::lower_bound(e.begin(), e.end(), v) - e.begin());
}

METALEARN_INLINE double GbtBinner::between(double a, double b) {
    const double m = a + (b - a) / 2.0;
    return (m < b && m >= a && std::isfinite(m)) ? m : a;
}

METALEARN_INLINE GbtEngine::Result GbtEngine::fit(std::string_view where, const MatrixRef& X, const Vector& target,
                                       const Vector& weights, Loss loss, Index k, const GradientBoostingParams& p,
                                       std::uint64_t seed) {
    const Index n = X.rows();
    const Index d = X.cols();
    // early-stopping split
    std::vector<Index> train_rows, valid_rows;
    split_validation(where, target, loss, k, p.validation_fraction, seed, train_rows, valid_rows);

    GbtBinner binner;
    binner.fit(X, train_rows, p.max_bin);
    std::vector<Index> offset(static_cast<std::size_t>(d) + 1, 0);
    for (Index f = 0; f < d; ++f) offset[static_cast<std::size_t>(f) + 1] = offset[static_cast<std::size_t>(f)] + binner.bins(f);
    // row-major bins of every row (training and validation)
    std::vector<std::uint8_t> bins(static_cast<std::size_t>(n) * static_cast<std::size_t>(d));
    metalearn::parallel_for(d, p.n_threads, [&](Index f) {
        for (Index i = 0; i < n; ++i) bins[static_cast<std::size_t>(i * d + f)] = binner.bin(f, X(i, f));
    });

    Result res;
    res.base_margin = base_margin(target, weights, train_rows, loss, k);
    res.importances = Vector::Zero(d);
    Matrix margin(n, k);
    for (Index i = 0; i < n; ++i) margin.row(i) = res.base_margin.transpose();

    const SparseRows sparse = SparseRows::make(bins, offset, n, d);
    Grower grower(bins, offset, binner, d, p, sparse);
    Vector g(n), h(n);
    double best_loss = std::numeric_limits<double>::infinity();
    Index best_round = 0;
    Index since_best = 0;
    std::vector<Index> drawn;  // the round's rows when subsample < 1
    std::vector<char> covered;
    for (Index round = 0; round < p.n_estimators; ++round) {
        Rng rng(derive_seed(seed, {static_cast<std::uint64_t>(round)}));
        if (p.subsample < 1.0) {
            drawn.clear();
            for (Index r : train_rows)
                if (rng.uniform() < p.subsample) drawn.push_back(r);
        }
        const std::vector<Index>& sample = p.subsample < 1.0 ? drawn : train_rows;
        std::vector<GbtTree> trees;
        Matrix prob;
        if (loss == Loss::softmax) prob = softmax(margin, train_rows);
        for (Index c = 0; c < k; ++c) {
            gradients(loss, margin, prob, target, weights, train_rows, c, g, h);
            if (sample.empty()) {  // no row drawn: a leaf of value 0
                trees.push_back(leaf_only());
                continue;
            }
            GbtTree tree = grower.grow(sample, g, h, rng);
            // the sampled rows get their leaf's value from the partition; the others (rows left
            // out by subsample, validation rows) through the tree on their bins
            if (static_cast<Index>(sample.size()) == n) {
                grower.add_leaf_values(margin, c, nullptr);
            } else {
                covered.assign(static_cast<std::size_t>(n), 0);
                grower.add_leaf_values(margin, c, &covered);
                for (Index i = 0; i < n; ++i)
                    if (!covered[static_cast<std::size_t>(i)]) margin(i, c) += grower.value_binned(tree, i);
            }
            trees.push_back(std::move(tree));
        }
        res.rounds.push_back(std::move(trees));
        if (!valid_rows.empty()) {
            const double l = validation_loss(loss, margin, target, weights, valid_rows);
            if (l < best_loss - p.tol) {
                best_loss = l;
                best_round = round + 1;
                since_best = 0;
            } else if (++since_best >= p.n_iter_no_change) {
                break;
            }
        }
    }
    if (!valid_rows.empty()) res.rounds.resize(static_cast<std::size_t>(std::max<Index>(best_round, 1)));
    for (const auto& trees : res.rounds)
        for (const auto& t : trees)
            for (const auto& node : t.nodes)
                if (node.feature >= 0) res.importances[node.feature] += node.gain;
    return res;
}

METALEARN_INLINE Matrix GbtEngine::margins(const MatrixRef& X, const std::vector<std::vector<GbtTree>>& rounds,
                                           const Vector& base, Index n_threads) {
    const Index m = X.rows();
    const Index k = base.size();
    Matrix out(m, k);
    // blocks of rows, each tree applied to a whole block while its nodes are in cache; every
    // row still sums base + trees in round order, whatever the blocking and thread count
    constexpr Index block = 128;
    const Index blocks = (m + block - 1) / block;
    const Index p = X.cols();
    metalearn::parallel_for(blocks, std::min<Index>(resolve_threads(n_threads), blocks), [&](Index b) {
        const Index i0 = b * block;
        const Index i1 = std::min(m, i0 + block);
        // the block's rows, row-major: a traversal reads one contiguous row
        std::vector<double> rows(static_cast<std::size_t>((i1 - i0) * p));
        for (Index i = i0; i < i1; ++i)
            for (Index f = 0; f < p; ++f) rows[static_cast<std::size_t>((i - i0) * p + f)] = X(i, f);
        for (Index c = 0; c < k; ++c) {
            for (Index i = i0; i < i1; ++i) out(i, c) = base[c];
            for (const auto& trees : rounds) {
                const GbtTree& t = trees[static_cast<std::size_t>(c)];
                for (Index i = i0; i < i1; ++i) out(i, c) += t.predict(rows.data() + (i - i0) * p);
            }
        }
    });
    return out;
}

METALEARN_INLINE Matrix GbtEngine::softmax(const Matrix& margin, const std::vector<Index>& rows) {
    Matrix P(margin.rows(), margin.cols());
    for (Index i : rows) {
        const double mx = margin.row(i).maxCoeff();
        double s = 0.0;
        for (Index c = 0; c < margin.cols(); ++c) s += (P(i, c) = std::exp(margin(i, c) - mx));
        P.row(i) /= s;
    }
    return P;
}

METALEARN_INLINE GbtTree GbtEngine::leaf_only() {
    GbtTree t;
    t.nodes.push_back(GbtNode{});
    return t;
}

METALEARN_INLINE void GbtEngine::split_validation(std::string_view where, const Vector& target, Loss loss, Index k,
                                                  double fraction, std::uint64_t seed, std::vector<Index>& train,
                                                  std::vector<Index>& valid) {
    const Index n = target.size();
    train.clear();
    valid.clear();
    if (fraction <= 0.0) {
        train.resize(static_cast<std::size_t>(n));
        std::iota(train.begin(), train.end(), Index{0});
        return;
    }
    Rng rng(derive_seed(seed, {0x7661'6c69'6461'7465ULL}));  // "validate"
    std::vector<char> is_valid(static_cast<std::size_t>(n), 0);
    // round(fraction · size) rows of each group, but never all of them: every class present
    // keeps a training row
    auto take = [&](std::vector<Index> group) {
        if (group.empty()) return;
        rng.shuffle(group.begin(), group.end());
        const auto m = std::min(static_cast<std::size_t>(std::llround(fraction * static_cast<double>(group.size()))),
                                group.size() - 1);
        for (std::size_t i = 0; i < m; ++i) is_valid[static_cast<std::size_t>(group[i])] = 1;
    };
    if (loss == Loss::squared_error) {
        std::vector<Index> all(static_cast<std::size_t>(n));
        std::iota(all.begin(), all.end(), Index{0});
        take(std::move(all));
    } else {
        const Index classes = loss == Loss::logistic ? 2 : k;
        std::vector<std::vector<Index>> by_class(static_cast<std::size_t>(classes));
        for (Index i = 0; i < n; ++i) by_class[static_cast<std::size_t>(target[i])].push_back(i);
        for (auto& group : by_class) take(std::move(group));
    }
    for (Index i = 0; i < n; ++i) (is_valid[static_cast<std::size_t>(i)] ? valid : train).push_back(i);
    if (valid.empty() || train.empty())
        throw DataError(fmt::format("{}: validation_fraction {} of {} rows leaves {} training and {} validation rows "
                                    "(early stopping needs both)",
                                    where, fraction, n, train.size(), valid.size()));
}

METALEARN_INLINE Vector GbtEngine::base_margin(const Vector& target, const Vector& w, const std::vector<Index>& rows,
                                               Loss loss, Index k) {
    double total = 0.0;
    for (Index i : rows) total += w[i];
    if (!(total > 0.0)) return Vector::Zero(k);
    auto clip = [](double s) { return std::clamp(s, 1e-12, 1.0 - 1e-12); };
    if (loss == Loss::squared_error) {
        double s = 0.0;
        for (Index i : rows) s += w[i] * target[i];
        return Vector::Constant(1, s / total);
    }
    if (loss == Loss::logistic) {
        double s = 0.0;
        for (Index i : rows) s += target[i] > 0.5 ? w[i] : 0.0;
        const double q = clip(s / total);
        return Vector::Constant(1, std::log(q / (1.0 - q)));
    }
    Vector share = Vector::Zero(k);
    for (Index i : rows) share[static_cast<Index>(target[i])] += w[i];
    Vector out(k);
    for (Index c = 0; c < k; ++c) out[c] = std::log(clip(share[c] / total));
    return out;
}

METALEARN_INLINE void GbtEngine::gradients(Loss loss, const Matrix& margin, const Matrix& prob, const Vector& target,
                                           const Vector& w, const std::vector<Index>& rows, Index c, Vector& g,
                                           Vector& h) {
    constexpr double eps = 1e-16;
    for (Index i : rows) {
        double gi = 0.0;
        double hi = 1.0;
        switch (loss) {
            case Loss::squared_error:
                gi = margin(i, 0) - target[i];
                break;
            case Loss::logistic: {
                const double s = 1.0 / (1.0 + std::exp(-margin(i, 0)));
                gi = s - target[i];
                hi = std::max(s * (1.0 - s), eps);
                break;
            }
            case Loss::softmax: {
                const double q = prob(i, c);
                gi = q - (static_cast<Index>(target[i]) == c ? 1.0 : 0.0);
                hi = std::max(2.0 * q * (1.0 - q), eps);
                break;
            }
        }
        g[i] = gi * w[i];
        h[i] = hi * w[i];
    }
}

METALEARN_INLINE double GbtEngine::validation_loss(Loss loss, const Matrix& margin, const Vector& target,
                                                   const Vector& w, const std::vector<Index>& rows) {
    double s = 0.0;
    double total = 0.0;
    for (Index i : rows) {
        double l = 0.0;
        if (loss == Loss::squared_error) {
            const double e = margin(i, 0) - target[i];
            l = e * e;
        } else if (loss == Loss::logistic) {
            const double f = margin(i, 0);
            // log(1 + e^f) − y·f, computed stably
            l = (f > 0 ? f + std::log1p(std::exp(-f)) : std::log1p(std::exp(f))) - target[i] * f;
        } else {
            const double mx = margin.row(i).maxCoeff();
            const double lse = mx + std::log((margin.row(i).array() - mx).exp().sum());
            l = lse - margin(i, static_cast<Index>(target[i]));
        }
        s += w[i] * l;
        total += w[i];
    }
    return total > 0.0 ? s / total : 0.0;
}

METALEARN_INLINE nlohmann::json gbt_rounds_json(const std::vector<std::vector<GbtTree>>& rounds) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& trees : rounds) {
        nlohmann::json r = nlohmann::json::array();
        for (const auto& t : trees) {
            nlohmann::json feature = nlohmann::json::array(), threshold = nlohmann::json::array(),
                           left = nlohmann::json::array(), right = nlohmann::json::array(),
                           value = nlohmann::json::array(), gain = nlohmann::json::array();
            for (const auto& nd : t.nodes) {
                feature.push_back(nd.feature);
                threshold.push_back(nd.threshold);
                left.push_back(nd.left);
                right.push_back(nd.right);
                value.push_back(nd.value);
                gain.push_back(nd.gain);
            }
            r.push_back({{"feature", std::move(feature)},
                         {"threshold", std::move(threshold)},
                         {"left", std::move(left)},
                         {"right", std::move(right)},
                         {"value", std::move(value)},
                         {"gain", std::move(gain)}});
        }
        out.push_back(std::move(r));
    }
    return out;
}

METALEARN_INLINE std::vector<std::vector<GbtTree>> gbt_rounds_from_json(const nlohmann::json& j, const JsonAt& at,
                                                                        Index n_outputs, Index n_features) {
    const auto& arr = json_array(j, at);
    if (arr.empty()) json_value_error(at, "no rounds (expected at least 1)");
    std::vector<std::vector<GbtTree>> rounds;
    for (std::size_t r = 0; r < arr.size(); ++r) {
        const JsonAt ra = at / r;
        const auto& trees = json_array(arr[r], ra, n_outputs);
        std::vector<GbtTree> out;
        for (std::size_t c = 0; c < trees.size(); ++c) {
            const JsonAt ta = ra / c;
            const auto& tj = json_object(trees[c], ta);
            const auto& feature = json_array(json_field(tj, ta, "feature"), ta / "feature");
            const auto m = static_cast<Index>(feature.size());
            if (m < 1) json_value_error(ta / "feature", "a tree without nodes");
            const auto& threshold = json_array(json_field(tj, ta, "threshold"), ta / "threshold", m);
            const auto& left = json_array(json_field(tj, ta, "left"), ta / "left", m);
            const auto& right = json_array(json_field(tj, ta, "right"), ta / "right", m);
            const auto& value = json_array(json_field(tj, ta, "value"), ta / "value", m);
            const auto& gain = json_array(json_field(tj, ta, "gain"), ta / "gain", m);
            GbtTree t;
            t.nodes.resize(static_cast<std::size_t>(m));
            std::vector<char> used(static_cast<std::size_t>(m), 0);
            for (Index i = 0; i < m; ++i) {
                const auto u = static_cast<std::size_t>(i);
                GbtNode& nd = t.nodes[u];
                nd.feature = static_cast<std::int32_t>(json_index(feature[u], ta / "feature" / u, -1, n_features - 1));
                nd.threshold = json_double(threshold[u], ta / "threshold" / u);
                nd.left = static_cast<std::int32_t>(json_index(left[u], ta / "left" / u, -1, m - 1));
                nd.right = static_cast<std::int32_t>(json_index(right[u], ta / "right" / u, -1, m - 1));
                nd.value = json_double(value[u], ta / "value" / u);
                if (std::abs(nd.value) > kMaxGbtMagnitude)
                    json_value_error(ta / "value" / u, fmt::format("leaf value out of range (expected |v| <= 1e100, got {})",
                                                                  nd.value));
                nd.gain = json_double(gain[u], ta / "gain" / u);
                if (nd.feature < 0) {
                    if (nd.left != -1 || nd.right != -1) json_value_error(ta / "left" / u, "a leaf (feature -1) with children");
                    continue;
                }
                for (const Index child : {Index{nd.left}, Index{nd.right}}) {
                    if (child <= i) json_value_error(ta / "left" / u, fmt::format("child {} of node {} is not after it", child, i));
                    if (used[static_cast<std::size_t>(child)]++)
                        json_value_error(ta / "left" / u, fmt::format("node {} is the child of two nodes", child));
                }
            }
            for (Index i = 1; i < m; ++i)
                if (!used[static_cast<std::size_t>(i)])
                    json_value_error(ta / "feature", fmt::format("node {} is not reachable from the root", i));
            out.push_back(std::move(t));
        }
        rounds.push_back(std::move(out));
    }
    return rounds;
}

METALEARN_INLINE void check_gbt_base_margin(const Vector& base, const JsonAt& at) {
    for (Index c = 0; c < base.size(); ++c)
        if (std::abs(base[c]) > kMaxGbtMagnitude)
            json_value_error(at / static_cast<std::size_t>(c),
                             fmt::format("base margin out of range (expected |v| <= 1e100, got {})", base[c]));
}

METALEARN_INLINE nlohmann::json gbt_params_json(const GradientBoostingParams& p) {
    return {{"n_estimators", p.n_estimators},
            {"learning_rate", p.learning_rate},
            {"max_depth", p.max_depth},
            {"min_child_weight", p.min_child_weight},
            {"reg_lambda", p.reg_lambda},
            {"reg_alpha", p.reg_alpha},
            {"gamma", p.gamma},
            {"subsample", p.subsample},
            {"colsample_bytree", p.colsample_bytree},
            {"colsample_bylevel", p.colsample_bylevel},
            {"max_bin", p.max_bin},
            {"validation_fraction", p.validation_fraction},
            {"n_iter_no_change", p.n_iter_no_change},
            {"tol", p.tol},
            {"class_weight", to_string(p.class_weight)},
            {"class_weights", p.class_weights},
            {"n_threads", p.n_threads}};
}

METALEARN_INLINE GradientBoostingParams gbt_params_from_json(const nlohmann::json& pj, const JsonAt& pa) {
    auto real = [&](std::string_view key) { return json_double(json_field(pj, pa, key), pa / key); };
    auto integer = [&](std::string_view key) { return json_index(json_field(pj, pa, key), pa / key); };
    GradientBoostingParams p;
    p.n_estimators = integer("n_estimators");
    p.learning_rate = real("learning_rate");
    p.max_depth = integer("max_depth");
    p.min_child_weight = real("min_child_weight");
    p.reg_lambda = real("reg_lambda");
    p.reg_alpha = real("reg_alpha");
    p.gamma = real("gamma");
    p.subsample = real("subsample");
    p.colsample_bytree = real("colsample_bytree");
    p.colsample_bylevel = real("colsample_bylevel");
    p.max_bin = integer("max_bin");
    p.validation_fraction = real("validation_fraction");
    p.n_iter_no_change = integer("n_iter_no_change");
    p.tol = real("tol");
    read_class_weight_json(pj, pa, p);
    p.n_threads = integer("n_threads");
    return p;
}

METALEARN_INLINE nlohmann::json gbt_model_json(std::string_view kind, const GradientBoostingParams& p,
                                               std::uint64_t seed, Index n_features, Index n_classes,
                                               const Vector& base, const Vector& importances, const GbtRounds& rounds) {
    nlohmann::json j = {{"kind", kind},
                        {"version", 1},
                        {"params", gbt_params_json(p)},
                        {"seed", seed},
                        {"n_features", n_features}};
    if (n_classes > 0) j["n_classes"] = n_classes;
    j["base_margin"] = vector_json(base);
    j["importances"] = vector_json(importances);
    j["rounds"] = gbt_rounds_json(rounds);
    return j;
}

METALEARN_INLINE void gbt_model_from_json(const nlohmann::json& j, const JsonAt& at, Index outputs, std::uint64_t& seed,
                                          Index& n_features, Vector& base, Vector& importances, GbtRounds& rounds) {
    seed = json_uint64(json_field(j, at, "seed"), at / "seed");
    n_features = json_index(json_field(j, at, "n_features"), at / "n_features", 1);
    base = json_vector(json_field(j, at, "base_margin"), at / "base_margin", outputs);
    check_gbt_base_margin(base, at / "base_margin");
    importances = json_vector(json_field(j, at, "importances"), at / "importances", n_features);
    rounds = gbt_rounds_from_json(json_field(j, at, "rounds"), at / "rounds", outputs, n_features);
}

METALEARN_INLINE Vector gbt_normalised(const Vector& importances) {
    const double s = importances.sum();
    return s > 0.0 ? Vector(importances / s) : Vector(importances);
}

}  // namespace detail
}  // namespace metalearn::models

namespace metalearn::models {

METALEARN_INLINE void GradientBoostingClassifier::set_params(const params_type& p) {
    detail::check_gbt_params("GradientBoostingClassifier::set_params()", p);
    params_ = p;
    rounds_.clear();
}

METALEARN_INLINE void GradientBoostingClassifier::fit(const MatrixRef& X, const VectorRef& y, Index n_classes) {
    constexpr std::string_view where = "GradientBoostingClassifier::fit()";
    detail::check_xy(where, X, y);
    Index k = 0;
    const auto codes = detail::class_codes(where, y, n_classes, k);
    detail::require_two_classes(where, detail::class_counts(codes, k));
    const Vector w = detail::class_sample_weights(where, codes, k, params_.class_weight, params_.class_weights);
    Vector target(X.rows());
    for (Index i = 0; i < X.rows(); ++i) target[i] = static_cast<double>(codes[static_cast<std::size_t>(i)]);
    const auto loss = k == 2 ? detail::GbtEngine::Loss::logistic : detail::GbtEngine::Loss::softmax;
    auto res = detail::GbtEngine::fit(where, X, target, w, loss, k == 2 ? 1 : k, params_, seed_);
    rounds_ = std::move(res.rounds);
    base_ = std::move(res.base_margin);
    importances_ = std::move(res.importances);
    k_ = k;
    n_features_ = X.cols();
}

METALEARN_INLINE Matrix GradientBoostingClassifier::decision_function(const MatrixRef& X) const {
    constexpr std::string_view where = "GradientBoostingClassifier::decision_function()";
    detail::require_fitted(where, is_fitted());
    detail::check_predict_x(where, X, n_features_);
    return detail::GbtEngine::margins(X, rounds_, base_, params_.n_threads);
}

METALEARN_INLINE Matrix GradientBoostingClassifier::predict_proba(const MatrixRef& X) const {
    constexpr std::string_view where = "GradientBoostingClassifier::predict_proba()";
    detail::require_fitted(where, is_fitted());
    detail::check_predict_x(where, X, n_features_);
    Matrix F = detail::GbtEngine::margins(X, rounds_, base_, params_.n_threads);
    if (k_ == 2) {
        Matrix P(X.rows(), 2);
        for (Index i = 0; i < X.rows(); ++i) {
            P(i, 1) = 1.0 / (1.0 + std::exp(-F(i, 0)));
            P(i, 0) = 1.0 - P(i, 1);
        }
        return P;
    }
    detail::softmax_rows(F);
    return F;
}

METALEARN_INLINE Vector GradientBoostingClassifier::feature_importances() const {
    detail::require_fitted("GradientBoostingClassifier::feature_importances()", is_fitted());
    return detail::gbt_normalised(importances_);
}

METALEARN_INLINE nlohmann::json GradientBoostingClassifier::to_json() const {
    detail::require_fitted("GradientBoostingClassifier::to_json()", is_fitted());
    return detail::gbt_model_json(name, params_, seed_, n_features_, k_, base_, importances_, rounds_);
}

METALEARN_INLINE GradientBoostingClassifier GradientBoostingClassifier::from_json(const nlohmann::json& j) {
    const detail::JsonAt at{"GradientBoostingClassifier::from_json()", ""};
    detail::json_check_header(j, at, name, 1);
    GradientBoostingClassifier m;
    detail::gbt_read_params(j, at, [&](const params_type& p) { m.set_params(p); });
    m.k_ = detail::json_index(detail::json_field(j, at, "n_classes"), at / "n_classes", 2,
                              detail::kMaxDeclaredClasses);
    detail::gbt_model_from_json(j, at, m.k_ == 2 ? 1 : m.k_, m.seed_, m.n_features_, m.base_, m.importances_,
                                m.rounds_);
    return m;
}

METALEARN_INLINE hpo::SearchSpace<GradientBoostingClassifier::params_type> GradientBoostingClassifier::search_space() {
    return detail::gbt_search_space<params_type>().add(
        "class_weight", &params_type::class_weight,
        hpo::categorical<ClassWeight>({{"none", ClassWeight::none}, {"balanced", ClassWeight::balanced}}));
}

METALEARN_INLINE void GradientBoostingRegressor::set_params(const params_type& p) {
    detail::check_gbt_params("GradientBoostingRegressor::set_params()", p);
    params_ = p;
    rounds_.clear();
}

METALEARN_INLINE void GradientBoostingRegressor::fit(const MatrixRef& X, const VectorRef& y) {
    constexpr std::string_view where = "GradientBoostingRegressor::fit()";
    detail::check_xy(where, X, y);
    for (Index i = 0; i < y.size(); ++i)
        if (std::abs(y[i]) > detail::kMaxGbtMagnitude)
            throw DataError(fmt::format("{}: y[{}] = {} is beyond ±1e100, where squared gradients overflow "
                                        "(expected |y| <= 1e100; rescale the target)",
                                        where, i, y[i]));
    const Vector target = y;
    const Vector w = Vector::Ones(X.rows());
    auto res = detail::GbtEngine::fit(where, X, target, w, detail::GbtEngine::Loss::squared_error, 1, params_, seed_);
    rounds_ = std::move(res.rounds);
    base_ = std::move(res.base_margin);
    importances_ = std::move(res.importances);
    n_features_ = X.cols();
}

METALEARN_INLINE Vector GradientBoostingRegressor::predict(const MatrixRef& X) const {
    constexpr std::string_view where = "GradientBoostingRegressor::predict()";
    detail::require_fitted(where, is_fitted());
    detail::check_predict_x(where, X, n_features_);
    return detail::GbtEngine::margins(X, rounds_, base_, params_.n_threads).col(0);
}

METALEARN_INLINE Vector GradientBoostingRegressor::feature_importances() const {
    detail::require_fitted("GradientBoostingRegressor::feature_importances()", is_fitted());
    return detail::gbt_normalised(importances_);
}

METALEARN_INLINE nlohmann::json GradientBoostingRegressor::to_json() const {
    detail::require_fitted("GradientBoostingRegressor::to_json()", is_fitted());
    return detail::gbt_model_json(name, params_, seed_, n_features_, 0, base_, importances_, rounds_);
}

METALEARN_INLINE GradientBoostingRegressor GradientBoostingRegressor::from_json(const nlohmann::json& j) {
    const detail::JsonAt at{"GradientBoostingRegressor::from_json()", ""};
    detail::json_check_header(j, at, name, 1);
    GradientBoostingRegressor m;
    detail::gbt_read_params(j, at, [&](const params_type& p) { m.set_params(p); });
    detail::gbt_model_from_json(j, at, 1, m.seed_, m.n_features_, m.base_, m.importances_, m.rounds_);
    return m;
}

}  // namespace metalearn::models
