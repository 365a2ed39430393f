// JSON save/load of the regressors: a saved and reloaded model predicts bit-identically (the
// expected values are the fitted model's own predictions), and malformed documents are rejected
// with ParseError (structure) or DataError (values), naming the place as a JSON pointer.
#include <metalearn/core/random.hpp>
#include <metalearn/models/decision_tree.hpp>
#include <metalearn/models/knn.hpp>
#include <metalearn/models/mlp.hpp>
#include <metalearn/models/network.hpp>
#include <metalearn/models/random_forest.hpp>
#include <metalearn/models/ridge.hpp>

#include "support/test_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

using namespace metalearn;
using namespace metalearn::models;
using json = nlohmann::json;

namespace {

// n×p uniform points and a smooth non-linear target.
void problem(Index n, Index p, std::uint64_t seed, Matrix& X, Vector& y) {
    Rng rng(seed);
    X.resize(n, p);
    y.resize(n);
    for (Index i = 0; i < n; ++i) {
        for (Index j = 0; j < p; ++j) X(i, j) = rng.uniform(-1.0, 1.0);
        y[i] = std::sin(2.0 * X(i, 0)) + 0.5 * X.row(i).sum();
    }
}

// Through text, as a file would be.
template <class M>
M reload(const M& m) {
    return M::from_json(json::parse(m.to_json().dump()));
}

// `mutate` applied to a copy of `good`; from_json must throw E with `fragment` in the message.
template <class M, class E>
void expect_rejected(const json& good, const std::function<void(json&)>& mutate, const std::string& fragment) {
    json bad = good;
    mutate(bad);
    INFO("document: " << bad.dump().substr(0, 200));
    REQUIRE_THROWS_AS(M::from_json(bad), E);
    REQUIRE_THROWS_WITH(M::from_json(bad), Catch::Contains(fragment));
}

}  // namespace

TEST_CASE("Ridge saved to JSON and reloaded predicts bit-identically", "[models][serialization]") {
    Matrix X, Xq;
    Vector y, yq;
    problem(40, 3, 1, X, y);
    problem(15, 3, 2, Xq, yq);
    for (const bool intercept : {true, false}) {
        Ridge r({.alpha = 0.3, .fit_intercept = intercept});
        r.fit(X, y);
        const Ridge loaded = reload(r);
        CHECK(loaded.predict(Xq) == r.predict(Xq));
        CHECK(loaded.coef() == r.coef());
        CHECK(loaded.intercept() == r.intercept());
        CHECK(loaded.params() == r.params());
        CHECK(loaded.is_fitted());
    }
    // p > n takes the dual path in fit; the saved state is the same
    Matrix W;
    Vector yw;
    problem(5, 9, 3, W, yw);
    Ridge wide({.alpha = 1e-3});
    wide.fit(W, yw);
    CHECK(reload(wide).predict(W) == wide.predict(W));
    CHECK(wide.to_json().at("kind") == "ridge");
    CHECK(wide.to_json().at("version") == 1);
    REQUIRE_THROWS_AS(Ridge().to_json(), NotFitted);
}

TEST_CASE("Ridge::from_json rejects malformed documents", "[models][serialization][errors]") {
    Matrix X;
    Vector y;
    problem(10, 2, 4, X, y);
    Ridge r;
    r.fit(X, y);
    const json good = r.to_json();
    using P = ParseError;
    using D = DataError;
    REQUIRE_THROWS_AS(Ridge::from_json(json::array()), P);
    expect_rejected<Ridge, P>(good, [](json& j) { j["kind"] = "knn_regressor"; }, "wrong kind of model (expected \"ridge\", got \"knn_regressor\") at /kind");
    expect_rejected<Ridge, P>(good, [](json& j) { j["version"] = 2; }, "unsupported version (expected an integer in [1, 1], got 2) at /version");
    expect_rejected<Ridge, P>(good, [](json& j) { j.erase("version"); }, "missing field 'version' at /");
    expect_rejected<Ridge, P>(good, [](json& j) { j.erase("coef"); }, "missing field 'coef'");
    expect_rejected<Ridge, P>(good, [](json& j) { j["params"].erase("alpha"); }, "missing field 'alpha' at /params");
    expect_rejected<Ridge, P>(good, [](json& j) { j["params"]["fit_intercept"] = 1; }, "not a boolean (expected true or false, got 1) at /params/fit_intercept");
    expect_rejected<Ridge, P>(good, [](json& j) { j["coef"][1] = "x"; }, "not a number (expected a finite number, got \"x\") at /coef/1");
    expect_rejected<Ridge, P>(good, [](json& j) { j["coef"][0] = nullptr; }, "got null) at /coef/0");  // NaN as written by dump()
    expect_rejected<Ridge, D>(good, [](json& j) { j["intercept"] = std::numeric_limits<double>::infinity(); }, "non-finite number (expected a finite number, got inf) at /intercept");
    expect_rejected<Ridge, D>(good, [](json& j) { j["params"]["alpha"] = -1.0; }, "alpha out of range (expected finite >= 0, got -1) at /params/alpha");
    expect_rejected<Ridge, D>(good, [](json& j) { j["coef"] = json::array(); }, "no coefficients");
    expect_rejected<Ridge, P>(good, [](json& j) { j["coef"] = 3.0; }, "not an array (expected [...], got 3.0) at /coef");
}

TEST_CASE("KNeighborsRegressor saved to JSON and reloaded predicts bit-identically", "[models][serialization]") {
    Matrix X, Xq;
    Vector y, yq;
    problem(30, 4, 5, X, y);
    problem(12, 4, 6, Xq, yq);
    for (const auto w : {KnnWeights::uniform, KnnWeights::distance})
        for (const int p : {1, 2}) {
            KNeighborsRegressor knn({.n_neighbors = 4, .weights = w, .p = p});
            knn.fit(X, y);
            const KNeighborsRegressor loaded = reload(knn);
            CHECK(loaded.predict(Xq) == knn.predict(Xq));
            CHECK(loaded.predict_std(Xq) == knn.predict_std(Xq));
            CHECK(loaded.params() == knn.params());
            CHECK(loaded.n_features() == 4);
            CHECK(loaded.n_samples() == 30);
        }
    REQUIRE_THROWS_AS(KNeighborsRegressor().to_json(), NotFitted);
}

TEST_CASE("KNeighborsRegressor saves its search algorithm and loads files saved without one", "[models][serialization]") {
    Matrix X, Xq;
    Vector y, yq;
    problem(200, 3, 5, X, y);
    problem(12, 3, 6, Xq, yq);
    using metalearn::models::KnnAlgorithm;
    for (const auto& [a, name] : {std::pair{KnnAlgorithm::automatic, "auto"}, std::pair{KnnAlgorithm::brute, "brute"},
                                 std::pair{KnnAlgorithm::kd_tree, "kd_tree"}}) {
        KNeighborsRegressor knn({.n_neighbors = 4, .algorithm = a});
        knn.fit(X, y);
        const json j = knn.to_json();
        CHECK(j["params"]["algorithm"] == name);
        const KNeighborsRegressor loaded = reload(knn);
        CHECK(loaded.params() == knn.params());
        CHECK(loaded.uses_kd_tree() == knn.uses_kd_tree());
        CHECK(loaded.predict(Xq) == knn.predict(Xq));
    }
    // the layout before "algorithm" existed: read as automatic (3 features, 200 rows: the tree)
    KNeighborsRegressor knn({.n_neighbors = 4, .algorithm = KnnAlgorithm::brute});
    knn.fit(X, y);
    json old = knn.to_json();
    old["params"].erase("algorithm");
    const auto loaded = KNeighborsRegressor::from_json(old);
    CHECK(loaded.params().algorithm == KnnAlgorithm::automatic);
    CHECK(loaded.uses_kd_tree());
    CHECK(loaded.predict(Xq) == knn.predict(Xq));
}

TEST_CASE("KNeighborsRegressor::predict_std is the weighted spread of the neighbours' targets", "[models][knn]") {
    // 1-D training points 0, 1, 3, 7 with targets 1, 2, 4, 8; query 0.5 with k = 3 (Manhattan):
    // neighbours 0, 1 (distance 0.5 each, lower index first) and 3 (distance 2.5).
    Matrix X(4, 1);
    X << 0.0, 1.0, 3.0, 7.0;
    Vector y(4);
    y << 1.0, 2.0, 4.0, 8.0;
    Matrix q(1, 1);
    q << 0.5;
    KNeighborsRegressor uni({.n_neighbors = 3, .weights = KnnWeights::uniform, .p = 1});
    uni.fit(X, y);
    // uniform: mean 7/3, variance ((1−7/3)² + (2−7/3)² + (4−7/3)²)/3 = 14/9
    CHECK(uni.predict(q)[0] == Approx(7.0 / 3.0));
    CHECK(uni.predict_std(q)[0] == Approx(std::sqrt(14.0 / 9.0)));
    KNeighborsRegressor dist({.n_neighbors = 3, .weights = KnnWeights::distance, .p = 1});
    dist.fit(X, y);
    // weights 2, 2, 0.4: mean (2 + 4 + 1.6)/4.4, variance Σ w (y − mean)² / 4.4
    const double mean = 7.6 / 4.4;
    const double var = (2 * (1 - mean) * (1 - mean) + 2 * (2 - mean) * (2 - mean) + 0.4 * (4 - mean) * (4 - mean)) / 4.4;
    CHECK(dist.predict(q)[0] == Approx(mean));
    CHECK(dist.predict_std(q)[0] == Approx(std::sqrt(var)));
    // on a training point with distance weights, that point takes all the weight: std 0
    Matrix q0(1, 1);
    q0 << 3.0;
    CHECK(dist.predict(q0)[0] == 4.0);
    CHECK(dist.predict_std(q0)[0] == 0.0);
    REQUIRE_THROWS_AS(KNeighborsRegressor().predict_std(q), NotFitted);
    REQUIRE_THROWS_AS(uni.predict_std(Matrix::Ones(1, 2)), DataError);
}

TEST_CASE("KNeighborsRegressor::from_json rejects malformed documents", "[models][serialization][errors]") {
    Matrix X;
    Vector y;
    problem(6, 2, 7, X, y);
    KNeighborsRegressor knn({.n_neighbors = 3});
    knn.fit(X, y);
    const json good = knn.to_json();
    using P = ParseError;
    using D = DataError;
    using K = KNeighborsRegressor;
    expect_rejected<K, P>(good, [](json& j) { j["kind"] = "ridge"; }, "wrong kind of model (expected \"knn_regressor\", got \"ridge\")");
    expect_rejected<K, P>(good, [](json& j) { j["version"] = 0; }, "unsupported version");
    expect_rejected<K, P>(good, [](json& j) { j["params"]["weights"] = "cosine"; }, "unknown weights (expected \"uniform\" or \"distance\", got \"cosine\") at /params/weights");
    expect_rejected<K, D>(good, [](json& j) { j["params"]["p"] = 3; }, "integer out of range (expected [1, 2], got 3) at /params/p");
    expect_rejected<K, P>(good, [](json& j) { j["params"]["algorithm"] = "ball_tree"; }, "unknown algorithm (expected \"auto\", \"brute\" or \"kd_tree\", got \"ball_tree\") at /params/algorithm");
    expect_rejected<K, P>(good, [](json& j) { j["params"]["algorithm"] = 1; }, "at /params/algorithm");
    expect_rejected<K, P>(good, [](json& j) { j["params"]["n_neighbors"] = 2.5; }, "not an integer");
    expect_rejected<K, D>(good, [](json& j) { j["params"]["n_neighbors"] = 7; }, "fewer rows than neighbours (expected n >= n_neighbors = 7, got 6) at /X/rows");
    expect_rejected<K, D>(good, [](json& j) { j["y"].erase(0); }, "array of the wrong length (expected 6 elements, got 5) at /y");
    expect_rejected<K, D>(good, [](json& j) { j["X"]["rows"] = 5; }, "wrong number of values (expected 5x2, got 12) at /X/data");
    // a huge declared shape is compared with the values present, never allocated
    expect_rejected<K, D>(good, [](json& j) { j["X"]["rows"] = std::int64_t{1} << 62; j["X"]["cols"] = 4; }, "wrong number of values");
    expect_rejected<K, D>(good, [](json& j) { j["X"]["rows"] = -1; }, "integer out of range");
    expect_rejected<K, P>(good, [](json& j) { j["X"].erase("data"); }, "missing field 'data' at /X");
    expect_rejected<K, D>(good, [](json& j) { j["X"]["data"][3] = std::nan(""); }, "non-finite number (expected a finite number, got nan) at /X/data/3");
    expect_rejected<K, D>(good, [](json& j) { j["X"] = {{"rows", 0}, {"cols", 2}, {"data", json::array()}}; j["y"] = json::array(); }, "fewer rows than neighbours (expected n >= n_neighbors = 3, got 0)");
    expect_rejected<K, D>(good, [](json& j) { j["X"] = {{"rows", 6}, {"cols", 0}, {"data", json::array()}}; }, "no columns (expected p >= 1, got 0) at /X/cols");
}

TEST_CASE("MLPRegressor saved to JSON and reloaded predicts bit-identically", "[models][serialization][mlp]") {
    Matrix X, Xq;
    Vector y, yq;
    problem(60, 3, 8, X, y);
    problem(20, 3, 9, Xq, yq);
    SECTION("one ReLU layer") {
        MLPRegressor mlp({.hidden_layers = 1, .hidden_units = 6, .max_iter = 30});
        mlp.set_seed(11);
        mlp.fit(X, y);
        const MLPRegressor loaded = reload(mlp);
        CHECK(loaded.predict(Xq) == mlp.predict(Xq));
        CHECK(loaded.coefficients() == mlp.coefficients());
        CHECK(loaded.params() == mlp.params());
        CHECK(loaded.seed() == 11);
        CHECK(loaded.n_iter() == mlp.n_iter());
        CHECK(loaded.loss_curve() == mlp.loss_curve());
        CHECK(loaded.network().layer_sizes() == mlp.network().layer_sizes());
    }
    SECTION("two tanh layers with early stopping") {
        MLPRegressor mlp({.hidden_layers = 2,
                          .hidden_units = 5,
                          .activation = Activation::tanh,
                          .max_iter = 25,
                          .early_stopping = true,
                          .validation_fraction = 0.2});
        mlp.fit(X, y);
        const MLPRegressor loaded = reload(mlp);
        CHECK(loaded.predict(Xq) == mlp.predict(Xq));
        CHECK(loaded.validation_scores() == mlp.validation_scores());
        CHECK(loaded.network().activation() == Activation::tanh);
    }
    REQUIRE_THROWS_AS(MLPRegressor().to_json(), NotFitted);
}

TEST_CASE("MLPRegressor::from_json and Network::from_json reject malformed documents", "[models][serialization][errors][mlp]") {
    Matrix X;
    Vector y;
    problem(20, 2, 10, X, y);
    MLPRegressor mlp({.hidden_layers = 1, .hidden_units = 3, .max_iter = 4});
    mlp.fit(X, y);
    const json good = mlp.to_json();
    using P = ParseError;
    using D = DataError;
    using M = MLPRegressor;
    expect_rejected<M, P>(good, [](json& j) { j["kind"] = "mlp_classifier"; }, "wrong kind of model");
    expect_rejected<M, P>(good, [](json& j) { j["params"]["activation"] = "gelu"; }, "unknown activation (expected \"relu\", \"tanh\" or \"logistic\", got \"gelu\") at /params/activation");
    expect_rejected<M, D>(good, [](json& j) { j["params"]["hidden_units"] = 0; }, "hidden_units out of range");
    expect_rejected<M, D>(good, [](json& j) { j["params"]["learning_rate_init"] = -1.0; }, "at /params");
    expect_rejected<M, P>(good, [](json& j) { j["seed"] = -1; }, "not an unsigned integer (expected an integer >= 0, got -1) at /seed");
    expect_rejected<M, D>(good, [](json& j) { j["theta"].erase(0); }, "array of the wrong length (expected 13 elements, got 12) at /theta");
    expect_rejected<M, D>(good, [](json& j) { j["theta"][2] = -std::numeric_limits<double>::infinity(); }, "non-finite number (expected a finite number, got -inf) at /theta/2");
    expect_rejected<M, D>(good, [](json& j) { j["network"]["layer_sizes"] = {2, 4, 1}; }, "network does not match the parameters (expected 1 hidden layers of 3 relu units and 1 output, got layer sizes [2, 4, 1], relu) at /network");
    expect_rejected<M, D>(good, [](json& j) { j["network"]["activation"] = "tanh"; }, "network does not match");
    expect_rejected<M, D>(good, [](json& j) { j["network"]["layer_sizes"] = {2}; }, "too few layer sizes (expected >= 2, got 1) at /network/layer_sizes");
    expect_rejected<M, D>(good, [](json& j) { j["network"]["layer_sizes"] = {2, 0, 1}; }, "integer out of range (expected [1, 16777216], got 0) at /network/layer_sizes/1");
    expect_rejected<M, D>(good, [](json& j) { j["network"]["layer_sizes"] = {16777216, 16777216, 16777216, 1}; }, "too many parameters");
    expect_rejected<M, D>(good, [](json& j) { j["n_iter"] = 5; }, "integer out of range (expected [0, 4], got 5) at /n_iter");
    expect_rejected<M, D>(good, [](json& j) { j["loss_curve"].erase(0); }, "at /loss_curve");
    expect_rejected<M, D>(good, [](json& j) { j["validation_scores"] = {0.5}; }, "expected 0 elements");
    expect_rejected<M, P>(good, [](json& j) { j.erase("network"); }, "missing field 'network'");

    const json net = Network({3, 4, 2}, Activation::logistic).to_json();
    CHECK(Network::from_json(net).layer_sizes() == std::vector<Index>{3, 4, 2});
    CHECK(Network::from_json(net).activation() == Activation::logistic);
    json bad_net = net;
    bad_net["layer_sizes"] = "3,4,2";
    REQUIRE_THROWS_WITH(Network::from_json(bad_net),
                        Catch::Contains("Network::from_json(): not an array (expected [...], got \"3,4,2\") at /layer_sizes"));
    REQUIRE_THROWS_AS(Network::from_json(json(nullptr)), ParseError);
}

TEST_CASE("DecisionTreeRegressor and RandomForestRegressor saved to JSON and reloaded predict bit-identically", "[models][serialization][random_forest]") {
    Matrix X, Xq;
    Vector y, yq;
    problem(80, 4, 12, X, y);
    problem(30, 4, 13, Xq, yq);
    DecisionTreeRegressor tree({.max_depth = 5, .min_samples_leaf = 2, .max_features = 0.75});
    tree.set_seed(4);
    tree.fit(X, y);
    const DecisionTreeRegressor tree2 = reload(tree);
    CHECK(tree2.predict(Xq) == tree.predict(Xq));
    CHECK(tree2.depth() == tree.depth());
    CHECK(tree2.n_leaves() == tree.n_leaves());
    CHECK(tree2.feature_importances() == tree.feature_importances());
    REQUIRE(tree2.nodes().size() == tree.nodes().size());
    for (std::size_t k = 0; k < tree.nodes().size(); ++k) {
        const auto& a = tree.nodes()[k];
        const auto& b = tree2.nodes()[k];
        CHECK((a.feature == b.feature && a.threshold == b.threshold && a.left == b.left && a.right == b.right &&
               a.depth == b.depth && a.n_samples == b.n_samples && a.impurity == b.impurity && a.value == b.value));
    }

    for (const bool bootstrap : {true, false}) {
        RandomForestRegressor rf({.n_estimators = 12, .max_depth = 0, .min_samples_leaf = 1, .max_features = max_features_sqrt,
                                  .bootstrap = bootstrap, .n_threads = 2});
        rf.set_seed(8);
        rf.fit(X, y);
        const RandomForestRegressor rf2 = reload(rf);
        CHECK(rf2.predict(Xq) == rf.predict(Xq));
        CHECK(rf2.predict_std(Xq) == rf.predict_std(Xq));
        CHECK(rf2.predict_per_tree(Xq) == rf.predict_per_tree(Xq));
        CHECK(rf2.feature_importances() == rf.feature_importances());
        CHECK(rf2.seed() == 8);
        CHECK(rf2.n_features() == 4);
        CHECK(rf2.params().max_features == max_features_sqrt);
    }
    REQUIRE_THROWS_AS(RandomForestRegressor().to_json(), NotFitted);
    REQUIRE_THROWS_AS(DecisionTreeRegressor().to_json(), NotFitted);
}

TEST_CASE("tree and forest documents that do not form trees are rejected", "[models][serialization][errors][random_forest]") {
    // A hand-built stump on feature 1: node 0 splits at 0.5 into leaves 1 (value 2) and 2 (value 7).
    const json stump = {{"feature", {1, -1, -1}},   {"threshold", {0.5, 0.0, 0.0}}, {"left", {1, -1, -1}},
                        {"right", {2, -1, -1}},     {"n_samples", {4, 2, 2}},       {"impurity", {6.25, 0.0, 0.0}},
                        {"value", {4.5, 2.0, 7.0}}, {"importance", {0.0, 25.0}}};
    const json good = {{"kind", "decision_tree_regressor"},
                       {"version", 1},
                       {"params", {{"max_depth", 0}, {"min_samples_split", 2}, {"min_samples_leaf", 1}, {"max_features", 1.0}}},
                       {"seed", 0},
                       {"n_features", 2},
                       {"tree", stump}};
    const auto t = DecisionTreeRegressor::from_json(good);
    Matrix q(2, 2);
    q << 9.0, 0.5, 9.0, 0.51;
    CHECK(t.predict(q) == Vector((Vector(2) << 2.0, 7.0).finished()));
    CHECK(t.depth() == 1);
    using P = ParseError;
    using D = DataError;
    using T = DecisionTreeRegressor;
    expect_rejected<T, D>(good, [](json& j) { j["tree"]["left"][0] = 0; }, "integer out of range (expected [1, 2], got 0) at /tree/left/0");  // a cycle
    expect_rejected<T, D>(good, [](json& j) { j["tree"]["right"][0] = 1; }, "both children are node 1");
    expect_rejected<T, D>(good, [](json& j) { j["tree"]["feature"][0] = 2; }, "integer out of range (expected [-1, 1], got 2) at /tree/feature/0");
    expect_rejected<T, D>(good, [](json& j) { j["tree"]["left"][1] = 2; }, "integer out of range (expected [-1, -1], got 2) at /tree/left/1");
    expect_rejected<T, D>(good, [](json& j) {
        j["tree"]["feature"][0] = -1; j["tree"]["left"][0] = -1; j["tree"]["right"][0] = -1;
    }, "node 1 is not reachable from the root");
    expect_rejected<T, D>(good, [](json& j) { for (const char* k : {"feature", "threshold", "left", "right", "n_samples", "impurity", "value"}) j["tree"][k] = json::array(); }, "empty tree");
    expect_rejected<T, D>(good, [](json& j) { j["tree"]["value"].erase(2); }, "array of the wrong length (expected 3 nodes x 1 values, got 2) at /tree/value");
    expect_rejected<T, D>(good, [](json& j) { j["tree"]["threshold"] = {0.5, 0.0}; }, "at /tree/threshold");
    expect_rejected<T, D>(good, [](json& j) { j["tree"]["importance"] = {1.0}; }, "at /tree/importance");
    expect_rejected<T, D>(good, [](json& j) { j["tree"]["threshold"][0] = std::nan(""); }, "non-finite number");
    expect_rejected<T, D>(good, [](json& j) { j["tree"]["n_samples"][2] = -3; }, "at /tree/n_samples/2");
    expect_rejected<T, D>(good, [](json& j) { j["params"]["min_samples_split"] = 1; }, "min_samples_split out of range (expected >= 2, got 1)");
    expect_rejected<T, D>(good, [](json& j) { j["n_features"] = 0; }, "at /n_features");
    expect_rejected<T, P>(good, [](json& j) { j["tree"].erase("impurity"); }, "missing field 'impurity' at /tree");

    // a forest of two stumps
    const json forest = {{"kind", "random_forest_regressor"},
                         {"version", 1},
                         {"params", {{"n_estimators", 2}, {"max_depth", 0}, {"min_samples_split", 2}, {"min_samples_leaf", 1},
                                     {"max_features", 1.0}, {"bootstrap", true}, {"n_threads", 1}}},
                         {"seed", 3},
                         {"n_features", 2},
                         {"trees", {stump, stump}}};
    const auto rf = RandomForestRegressor::from_json(forest);
    CHECK(rf.predict(q) == Vector((Vector(2) << 2.0, 7.0).finished()));
    CHECK(rf.predict_std(q) == Vector::Zero(2));
    using F = RandomForestRegressor;
    expect_rejected<F, D>(forest, [](json& j) { j["trees"].erase(1); }, "array of the wrong length (expected 2 elements, got 1) at /trees");
    expect_rejected<F, D>(forest, [](json& j) { j["trees"][1]["right"][0] = 5; }, "at /trees/1/right/0");
    expect_rejected<F, D>(forest, [](json& j) { j["params"]["n_threads"] = -1; }, "at /params/n_threads");
    expect_rejected<F, P>(forest, [](json& j) { j["kind"] = "random_forest_classifier"; }, "wrong kind of model");
    expect_rejected<F, P>(forest, [](json& j) { j["params"]["bootstrap"] = "yes"; }, "not a boolean");
}
