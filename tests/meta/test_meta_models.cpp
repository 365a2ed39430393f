// Tests of the meta-models: each recovers a known function, save/load gives identical
// predictions, files of the earlier layout still load, bad input throws.
//
// RidgeMetaModel, KnnMetaModel and MlpMetaModel are adapters over models::Ridge,
// models::KNeighborsRegressor and models::MLPRegressor. Compared with the earlier self-contained
// implementations (same data, same parameters):
// - MlpMetaModel predicts bit-identically (same network, seed and training loop);
// - RidgeMetaModel predictions differ in the last bits (≤ 1e-14 relative): models::Ridge centres
//   the (already standardised) inputs again and forms XᵀX by a rank update;
// - KnnMetaModel with uniform weights is unchanged; with distance weights the weights are now
//   1/d (a neighbour at distance 0 takes all the weight) instead of 1/(d + 1e-9), which moves
//   predictions by ~1e-10 relative, and for a query on a training row the std becomes (close
//   to) 0 instead of ~1e-5. Distances use models' ‖q‖² + ‖x‖² − 2 q·x form.
// RandomForestMetaModel is an adapter over models::RandomForestRegressor. Its forests differ from
// the earlier ones (same parameters and seed give other trees, of the same quality): tree t now
// draws its bootstrap sample and split features from one stream derive_seed(seed, {t}) and grows
// on sorted row indices over shared feature ranks (the base forest's bootstrap), where the earlier
// model copied a bootstrap sample from derive_seed(seed, {t}) and grew a DecisionTreeRegressor
// seeded with derive_seed(seed, {t, 1}). Files of the earlier layout load and predict exactly.
#include <metalearn/meta/gaussian_process.hpp>
#include <metalearn/meta/knn_meta_model.hpp>
#include <metalearn/meta/meta_model.hpp>
#include <metalearn/meta/mlp_meta_model.hpp>
#include <metalearn/meta/random_forest_meta_model.hpp>
#include <metalearn/meta/ridge_meta_model.hpp>

#include "support/test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>
#include <unistd.h>

using namespace metalearn;
using namespace metalearn::meta;

namespace {

// The concept's documented minimal conforming example, compiled here so the docs stay true.
struct MeanMetaModel {
    double mean = 0, sd = 0;
    bool fitted = false;
    void fit(const MatrixRef&, const VectorRef& s) {
        mean = s.mean();
        sd = std::sqrt((s.array() - mean).square().mean());
        fitted = true;
    }
    Vector predict(const MatrixRef& Z) const { return Vector::Constant(Z.rows(), mean); }
    Vector predict_std(const MatrixRef& Z) const { return Vector::Constant(Z.rows(), sd); }
    nlohmann::json to_json() const { return {{"mean", mean}, {"sd", sd}}; }
    static MeanMetaModel from_json(const nlohmann::json& j) {
        return {j.at("mean").get<double>(), j.at("sd").get<double>(), true};
    }
};
static_assert(MetaModelWithStd<MeanMetaModel>);
static_assert(MetaModel<RidgeMetaModel> && !MetaModelWithStd<RidgeMetaModel>);

// Uniform random points in [0,1]^d and a linear target 1 + 2 z0 − 3 z1 (+ 0.5 z2 ...).
void linear_problem(Index n, Index d, std::uint64_t seed, Matrix& Z, Vector& s) {
    Rng rng(seed);
    Z.resize(n, d);
    for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < d; ++j) Z(i, j) = rng.uniform();
    Vector w(d);
    for (Index j = 0; j < d; ++j) w[j] = (j % 2 == 0 ? 2.0 : -3.0) / static_cast<double>(j / 2 + 1);
    s = (Z * w).array() + 1.0;
}

template <class M>
void check_save_load(const M& m, const Matrix& Zq) {
    const auto path = std::filesystem::temp_directory_path() / ("metalearn_mm_" + std::to_string(::getpid()) + ".json");
    save_meta_model(m, path);
    const M loaded = load_meta_model<M>(path);
    CHECK(loaded.predict(Zq) == m.predict(Zq));  // bit-identical
    if constexpr (MetaModelWithStd<M>) CHECK(loaded.predict_std(Zq) == m.predict_std(Zq));
    std::filesystem::remove(path);
}

}  // namespace

TEST_CASE("GP interpolates noise-free data and is uncertain away from it", "[meta][gaussian_process]") {
    // f(x) = sin(3x) on 12 points in [0, 2]; closed form known everywhere.
    const Index n = 12;
    Matrix Z(n, 1);
    Vector s(n);
    for (Index i = 0; i < n; ++i) {
        Z(i, 0) = 2.0 * static_cast<double>(i) / static_cast<double>(n - 1);
        s[i] = std::sin(3.0 * Z(i, 0));
    }
    GaussianProcessMetaModel gp({.n_restarts = 2, .max_iterations = 100, .max_samples = 100, .min_noise = 1e-8, .optimize = true, .seed = 1});
    gp.fit(Z, s);
    // At the training points the posterior mean equals the data up to the tiny noise.
    CHECK_THAT(gp.predict(Z), metalearn::test::approx_matrix(s, 0.0, 1e-3));
    CHECK(gp.predict_std(Z).maxCoeff() < 1e-2);
    // Between training points the mean follows sin(3x) (grid spacing 0.18, smooth function).
    Matrix Zq(3, 1);
    Zq << 0.55, 1.05, 1.6;
    Vector expected(3);
    for (Index i = 0; i < 3; ++i) expected[i] = std::sin(3.0 * Zq(i, 0));
    CHECK_THAT(gp.predict(Zq), metalearn::test::approx_matrix(expected, 0.0, 0.02));
    // Far outside the data the std is large (close to the prior signal std).
    Matrix far(1, 1);
    far << 10.0;
    CHECK(gp.predict_std(far)[0] > 0.3);
    check_save_load(gp, Zq);
}

TEST_CASE("GP likelihood gradient matches central finite differences", "[meta][gaussian_process]") {
    Matrix Z;
    Vector s;
    linear_problem(20, 3, 5, Z, s);
    s.array() += (Z.col(0).array() * 6.0).sin();
    GaussianProcessMetaModel gp({.n_restarts = 0, .max_iterations = 5, .max_samples = 100, .min_noise = 1e-6, .optimize = false, .seed = 0});
    gp.fit(Z, s);
    Vector theta(5);
    theta << -0.3, 0.2, 0.5, 0.1, std::log(0.05);
    Vector grad;
    gp.nlml(theta, grad);
    for (Index k = 0; k < theta.size(); ++k) {
        const double h = 1e-5;
        Vector tp = theta, tm = theta, g;
        tp[k] += h;
        tm[k] -= h;
        const double fd = (gp.nlml(tp, g) - gp.nlml(tm, g)) / (2 * h);
        CHECK(grad[k] == Approx(fd).epsilon(1e-5).margin(1e-6));
    }
}

TEST_CASE("ridge meta-model recovers a linear target", "[meta][ridge]") {
    Matrix Z;
    Vector s;
    linear_problem(50, 4, 3, Z, s);
    RidgeMetaModel ridge({.alpha = 1e-10});
    ridge.fit(Z, s);
    Matrix Zq;
    Vector sq;
    linear_problem(10, 4, 4, Zq, sq);
    CHECK_THAT(ridge.predict(Zq), metalearn::test::approx_matrix(sq, 1e-8, 1e-8));
    check_save_load(ridge, Zq);
}

TEST_CASE("k-NN meta-model with k = 1 returns the nearest training score", "[meta][knn]") {
    Matrix Z;
    Vector s;
    linear_problem(30, 2, 7, Z, s);
    KnnMetaModel knn({.n_neighbors = 1, .distance_weighted = false});
    knn.fit(Z, s);
    CHECK_THAT(knn.predict(Z), metalearn::test::approx_matrix(s, 0.0, 1e-12));
    CHECK(knn.predict_std(Z).cwiseAbs().maxCoeff() == 0.0);
    // Brute force: the 3-NN uniform mean of a query point.
    KnnMetaModel knn3({.n_neighbors = 3, .distance_weighted = false});
    knn3.fit(Z, s);
    Matrix q(1, 2);
    q << 0.5, 0.5;
    meta::detail::Standardizer st;
    st.fit(Z);
    const Matrix X = st.transform(Z);
    const Matrix qs = st.transform(q);
    std::vector<std::pair<double, Index>> d;
    for (Index i = 0; i < X.rows(); ++i) d.push_back({(X.row(i) - qs.row(0)).norm(), i});
    std::sort(d.begin(), d.end());
    const double expected = (s[d[0].second] + s[d[1].second] + s[d[2].second]) / 3.0;
    CHECK(knn3.predict(q)[0] == Approx(expected).epsilon(1e-12));
    check_save_load(knn3, Z.topRows(5));
}

TEST_CASE("random-forest meta-model fits a linear target, is thread-count independent and reloads exactly", "[meta][random_forest]") {
    Matrix Z;
    Vector s;
    linear_problem(300, 3, 21, Z, s);
    Matrix Zq;
    Vector sq;
    linear_problem(100, 3, 22, Zq, sq);
    RandomForestMetaModel rf({.n_estimators = 40, .min_samples_leaf = 1, .max_depth = 0, .max_features = 1.0,
                              .bootstrap = true, .n_threads = 1, .seed = 3});
    rf.fit(Z, s);
    const Vector pred = rf.predict(Zq);
    // R² on fresh points: a piecewise-constant fit of a smooth linear function with 300 points
    const double r2 = 1.0 - (pred - sq).squaredNorm() / (sq.array() - sq.mean()).square().sum();
    CHECK(r2 > 0.9);
    CHECK(rf.predict_std(Zq).minCoeff() >= 0.0);
    CHECK(rf.predict_per_tree(Zq).cols() == 40);
    RandomForestMetaModel rf2({.n_estimators = 40, .min_samples_leaf = 1, .max_depth = 0, .max_features = 1.0,
                               .bootstrap = true, .n_threads = 2, .seed = 3});
    rf2.fit(Z, s);
    CHECK(rf2.predict(Zq) == pred);
    check_save_load(rf, Zq);
    REQUIRE_THROWS_AS(RandomForestMetaModel({.n_estimators = 0}), ConfigError);
}

TEST_CASE("MLP meta-model learns a linear target and reloads exactly", "[meta][mlp]") {
    Matrix Z;
    Vector s;
    linear_problem(200, 3, 31, Z, s);
    Matrix Zq;
    Vector sq;
    linear_problem(50, 3, 32, Zq, sq);
    MlpMetaModel mlp({.hidden_units = 10, .learning_rate = 1e-2, .alpha = 1e-6, .max_iter = 400, .batch_size = 50, .seed = 1});
    mlp.fit(Z, s);
    const Vector pred = mlp.predict(Zq);
    // a 10-unit ReLU net approximates the plane well inside the unit cube
    const double r2 = 1.0 - (pred - sq).squaredNorm() / (sq.array() - sq.mean()).square().sum();
    CHECK(r2 > 0.95);
    check_save_load(mlp, Zq);
    REQUIRE_THROWS_AS(MlpMetaModel({.hidden_units = 0}), ConfigError);
}

TEST_CASE("meta-models reject bad input", "[meta][meta_model][errors]") {
    Matrix Z = Matrix::Ones(3, 2);
    Vector s = Vector::Ones(3);
    RidgeMetaModel ridge;
    REQUIRE_THROWS_AS(ridge.predict(Z), NotFitted);
    REQUIRE_THROWS_AS(ridge.fit(Z, Vector::Ones(2)), DataError);
    Matrix bad = Z;
    bad(0, 0) = std::nan("");
    REQUIRE_THROWS_WITH(ridge.fit(bad, s), Catch::Contains("RidgeMetaModel::fit(): Z contains NaN"));
    ridge.fit(Z, s);
    REQUIRE_THROWS_AS(ridge.predict(Matrix::Ones(1, 3)), DataError);
    REQUIRE_THROWS_AS(KnnMetaModel({.n_neighbors = 0}), ConfigError);
    REQUIRE_THROWS_AS(RidgeMetaModel({.alpha = -1}), ConfigError);
    GaussianProcessMetaModel gp;
    REQUIRE_THROWS_AS(gp.predict_std(Z), NotFitted);
    REQUIRE_THROWS_AS(gp.fit(Matrix(0, 2), Vector(0)), DataError);
}

TEST_CASE("GP meta-model copies and moves before and after fitting", "[meta][gaussian_process]") {
    // An unfitted model holds no factorisation object, so copying it is well defined (UBSan
    // checks this in the sanitizer build); a fitted copy predicts exactly like the original.
    GaussianProcessMetaModel unfitted;
    GaussianProcessMetaModel copy = unfitted;
    GaussianProcessMetaModel moved = std::move(copy);
    Matrix Z;
    Vector s;
    linear_problem(30, 2, 41, Z, s);
    GaussianProcessMetaModel gp({.n_restarts = 0, .max_iterations = 5, .max_samples = 100, .min_noise = 1e-6, .optimize = false, .seed = 0});
    gp.fit(Z, s);
    moved = gp;
    CHECK(moved.predict(Z) == gp.predict(Z));
    CHECK(moved.predict_std(Z) == gp.predict_std(Z));
    std::vector<GaussianProcessMetaModel> many(3);
    many.push_back(gp);
    CHECK(many.back().predict(Z) == gp.predict(Z));
    CHECK_THROWS_AS(many.front().predict(Z), NotFitted);
}

TEST_CASE("random-forest meta-model: a tree that cannot be grown reaches the caller as DataError for any thread count",
          "[meta][random_forest][errors]") {
    // A finite column of 1e308 overflows the standardisation (its mean is inf), so the base
    // forest sees NaN inputs and RandomForestRegressor::fit throws DataError.
    Matrix Z;
    Vector s;
    linear_problem(40, 3, 23, Z, s);
    Matrix huge = Z;
    huge.col(1).setConstant(1e308);
    for (Index threads : {0, 1, 2, 4}) {
        INFO("threads " << threads);
        RandomForestMetaModel rf({.n_estimators = 12, .n_threads = threads, .seed = 1});
        rf.fit(Z, s);
        const Vector before = rf.predict(Z);
        REQUIRE_THROWS_AS(rf.fit(huge, s), DataError);
        REQUIRE_THROWS_WITH(rf.fit(huge, s), Catch::Contains("RandomForestRegressor::fit()"));
        // a failed fit leaves the fitted forest as it was
        REQUIRE(rf.predict(Z) == before);
    }
    REQUIRE_THROWS_AS(RandomForestMetaModel({.n_threads = -1}), ConfigError);
    REQUIRE_THROWS_WITH(RandomForestMetaModel({.n_threads = -1}), Catch::Contains("n_threads >= 0"));
}

namespace {

// The 6×2 problem on which the legacy fixtures below were fitted by the earlier implementations.
void legacy_problem(Matrix& Z, Vector& s, Matrix& Q) {
    Z.resize(6, 2);
    Z << 0.1, 1.0, 0.4, 3.0, 0.35, 2.0, 0.8, 5.0, 0.6, 4.5, 0.2, 1.5;
    s.resize(6);
    s << 0.3, 0.7, 0.5, 0.9, 0.8, 0.2;
    Q.resize(3, 2);
    Q << 0.3, 2.5, 0.7, 4.0, 0.0, 0.0;
}

}  // namespace

TEST_CASE("meta-models load files of the earlier layout and predict as the model that wrote them", "[meta][meta_model]") {
    // Documents and predictions (printed with 17 significant digits) written by the earlier
    // self-contained implementations, fitted on legacy_problem().
    Matrix Z, Q;
    Vector s;
    legacy_problem(Z, s, Q);
    SECTION("ridge") {
        const auto j = nlohmann::json::parse(R"({"alpha":0.5,"intercept":0.5666666666666668,"type":"RidgeMetaModel","w":[0.09884456650334843,0.13435571491060092],"x_scaler":{"mean":[0.4083333333333334,2.8333333333333335],"scale":[0.2352599035582184,1.4907119849998598]}})");
        Vector expected(3);
        expected << 0.49110751114827206, 0.79436054208472695, 0.13974097686733561;
        const auto m = RidgeMetaModel::from_json(j);
        CHECK(m.predict(Q) == expected);
        CHECK(m.params().alpha == 0.5);
        // saved again in the current layout, it still predicts the same
        CHECK(m.to_json().at("format_version") == 2);
        CHECK(RidgeMetaModel::from_json(m.to_json()).predict(Q) == expected);
        // refitting today gives the same up to rounding (see the note at the top)
        RidgeMetaModel refit({.alpha = 0.5});
        refit.fit(Z, s);
        CHECK_THAT(refit.predict(Q), metalearn::test::approx_matrix(expected, 1e-14, 0.0));
    }
    SECTION("k-NN, uniform weights") {
        const auto j = nlohmann::json::parse(R"({"X":{"cols":2,"data":[-1.3106072419052568,-0.03542181734879083,-0.24795272144153538,1.664825415393164,0.8147017990221863,-0.8855454337197682,-1.2298373876248845,0.11180339887498938,-0.5590169943749476,1.4534441853748632,1.1180339887498947,-0.894427190999916],"rows":6},"distance_weighted":false,"n_neighbors":2,"type":"KnnMetaModel","x_scaler":{"mean":[0.4083333333333334,2.8333333333333335],"scale":[0.2352599035582184,1.4907119849998598]},"y":[0.3,0.7,0.5,0.9,0.8,0.2]})");
        Vector expected(3), expected_std(3);
        expected << 0.59999999999999998, 0.85000000000000009, 0.25;
        expected_std << 0.099999999999999978, 0.049999999999999989, 0.049999999999999989;
        const auto m = KnnMetaModel::from_json(j);
        CHECK(m.predict(Q) == expected);
        CHECK(m.predict_std(Q) == expected_std);
        KnnMetaModel refit({.n_neighbors = 2, .distance_weighted = false});
        refit.fit(Z, s);
        CHECK(refit.predict(Q) == expected);
        CHECK(refit.predict_std(Q) == expected_std);
    }
    SECTION("MLP") {
        const auto j = nlohmann::json::parse(R"({"activation":0,"layer_sizes":[2,2,1],"params":{"alpha":0.0001,"batch_size":4,"hidden_units":2,"learning_rate":0.01,"max_iter":5,"seed":3},"theta":[-0.7901656738427546,-1.0654791162483999,0.05057517908972079,1.0145126953778492,0.18141797682683303,0.4594584883280599,-1.2701340245107469,-0.7227375563360914,1.152921053000919],"type":"MlpMetaModel","x_scaler":{"mean":[0.4083333333333334,2.8333333333333335],"scale":[0.2352599035582184,1.4907119849998598]},"y_mean":0.5666666666666668,"y_scale":0.2560381915956203})");
        Vector expected(3);
        expected << 0.5683201716197912, 0.61830858199986416, -0.30171565384283461;
        const auto m = MlpMetaModel::from_json(j);
        CHECK(m.predict(Q) == expected);
        CHECK(m.model().n_iter() == 0);  // not in the earlier layout
        MlpMetaModel refit({.hidden_units = 2, .learning_rate = 1e-2, .alpha = 1e-4, .max_iter = 5, .batch_size = 4, .seed = 3});
        refit.fit(Z, s);
        // the same up to rounding: on a processor with AVX2/FMA the network's products use the
        // fused kernel of core/gemm.hpp, which rounds differently from the products that wrote the file
        CHECK_THAT(refit.predict(Q), metalearn::test::approx_matrix(expected, 1e-14, 0.0));
        CHECK(refit.model().n_iter() == 5);
    }
    SECTION("random forest") {
        const auto j = nlohmann::json::parse(R"({"n_inputs":2,"params":{"bootstrap":true,"max_depth":2,"max_features":1.0,"min_samples_leaf":1,"n_estimators":2,"n_threads":1,"seed":5},"trees":[{"feature":[0,0,-1,-1,0,-1,-1],"left":[1,2,-1,-1,5,-1,-1],"right":[4,3,-1,-1,6,-1,-1],"threshold":[0.2833745387903255,-0.7792799816733961,0.0,0.0,1.2397636072076752,0.0,0.0],"value":[0.6,0.3666666666666667,0.3,0.5,0.8333333333333334,0.8,0.9]},{"feature":[0,1,-1,-1,1,-1,-1],"left":[1,2,-1,-1,5,-1,-1],"right":[4,3,-1,-1,6,-1,-1],"threshold":[-0.1416872693951631,-0.7267220926874318,0.0,0.0,0.7826237921249263,0.0,0.0],"value":[0.5166666666666666,0.375,0.25,0.5,0.8,0.7,0.9]}],"type":"RandomForestMetaModel","x_scaler":{"mean":[0.4083333333333334,2.8333333333333335],"scale":[0.2352599035582184,1.4907119849998598]}})");
        Vector expected(3), expected_std(3);
        expected << 0.5, 0.75, 0.27500000000000002;
        expected_std << 0, 0.050000000000000044, 0.024999999999999994;
        const auto m = RandomForestMetaModel::from_json(j);
        CHECK(m.predict(Q) == expected);
        CHECK(m.predict_std(Q) == expected_std);
        CHECK(m.model().n_estimators() == 2);
        CHECK(m.model().feature_importances() == Vector::Zero(2));  // not in the earlier layout
        CHECK(RandomForestMetaModel::from_json(m.to_json()).predict(Q) == expected);
        // a tree whose nodes do not form a tree is rejected with its place
        auto bad = j;
        bad["trees"][1]["left"][4] = 1;
        REQUIRE_THROWS_AS(RandomForestMetaModel::from_json(bad), DataError);
        REQUIRE_THROWS_WITH(RandomForestMetaModel::from_json(bad), Catch::Contains("at /trees/1/left/4"));
        bad = j;
        bad["trees"].erase(0);
        REQUIRE_THROWS_WITH(RandomForestMetaModel::from_json(bad), Catch::Contains("array of the wrong length (expected 2 elements, got 1) at /trees"));
    }
}

TEST_CASE("wrapped meta-models save their base model and reject malformed files", "[meta][meta_model][errors]") {
    Matrix Z, Q;
    Vector s;
    legacy_problem(Z, s, Q);
    KnnMetaModel knn({.n_neighbors = 20});  // more neighbours than rows: min(k, n) = 6 are used
    knn.fit(Z, s);
    CHECK(knn.model().params().n_neighbors == 6);
    CHECK(knn.predict(Q).allFinite());
    const nlohmann::json good = knn.to_json();
    CHECK(good.at("model").at("kind") == "knn_regressor");
    CHECK(KnnMetaModel::from_json(good).predict_std(Q) == knn.predict_std(Q));
    CHECK(KnnMetaModel::from_json(good).params().n_neighbors == 20);

    auto bad = good;
    bad["type"] = "RidgeMetaModel";
    REQUIRE_THROWS_AS(KnnMetaModel::from_json(bad), ParseError);
    REQUIRE_THROWS_WITH(KnnMetaModel::from_json(bad), Catch::Contains("wrong type of meta-model (expected \"KnnMetaModel\", got \"RidgeMetaModel\") at /type"));
    bad = good;
    bad["format_version"] = 3;
    REQUIRE_THROWS_WITH(KnnMetaModel::from_json(bad), Catch::Contains("unsupported format version (expected an integer in [1, 2], got 3) at /format_version"));
    bad = good;
    bad["model"]["y"][2] = "0.5";
    REQUIRE_THROWS_AS(KnnMetaModel::from_json(bad), ParseError);
    REQUIRE_THROWS_WITH(KnnMetaModel::from_json(bad), Catch::Contains("KnnMetaModel::from_json(): in /model: KNeighborsRegressor::from_json(): not a number"));
    bad = good;
    bad["model"]["params"]["weights"] = "uniform";
    REQUIRE_THROWS_AS(KnnMetaModel::from_json(bad), DataError);
    REQUIRE_THROWS_WITH(KnnMetaModel::from_json(bad), Catch::Contains("base model parameters do not match"));
    bad = good;
    bad["x_scaler"]["scale"] = {1.0};
    REQUIRE_THROWS_WITH(KnnMetaModel::from_json(bad), Catch::Contains("array of the wrong length (expected 2 elements, got 1) at /x_scaler/scale"));
    bad = good;
    bad["x_scaler"]["scale"][1] = 0.0;
    REQUIRE_THROWS_AS(KnnMetaModel::from_json(bad), DataError);
    bad = good;
    bad["params"]["n_neighbors"] = 0;
    REQUIRE_THROWS_AS(KnnMetaModel::from_json(bad), DataError);

    RidgeMetaModel ridge({.alpha = 2.0});
    ridge.fit(Z, s);
    auto rj = ridge.to_json();
    rj["model"]["params"]["alpha"] = 3.0;
    REQUIRE_THROWS_AS(RidgeMetaModel::from_json(rj), DataError);
    rj = ridge.to_json();
    rj.erase("x_scaler");
    REQUIRE_THROWS_WITH(RidgeMetaModel::from_json(rj), Catch::Contains("missing field 'x_scaler'"));

    MlpMetaModel mlp({.hidden_units = 2, .max_iter = 3});
    mlp.fit(Z, s);
    auto mj = mlp.to_json();
    mj["model"]["seed"] = 99;
    REQUIRE_THROWS_WITH(MlpMetaModel::from_json(mj), Catch::Contains("base model parameters or seed do not match"));
    mj = mlp.to_json();
    mj["y_scale"] = -1.0;
    REQUIRE_THROWS_AS(MlpMetaModel::from_json(mj), DataError);
    // earlier layout with a network that does not fit the parameters
    auto legacy = nlohmann::json::parse(R"({"activation":0,"layer_sizes":[2,3,1],"params":{"alpha":0.0001,"batch_size":4,"hidden_units":2,"learning_rate":0.01,"max_iter":5,"seed":3},"theta":[],"type":"MlpMetaModel","x_scaler":{"mean":[0,0],"scale":[1,1]},"y_mean":0,"y_scale":1})");
    REQUIRE_THROWS_WITH(MlpMetaModel::from_json(legacy), Catch::Contains("network does not match the parameters (expected [d, 2, 1] with ReLU, got [2, 3, 1] with relu) at /layer_sizes"));
    legacy["layer_sizes"] = {2, 2, 1};
    REQUIRE_THROWS_WITH(MlpMetaModel::from_json(legacy), Catch::Contains("array of the wrong length (expected 9 elements, got 0) at /theta"));
    legacy["activation"] = 7;
    REQUIRE_THROWS_AS(MlpMetaModel::from_json(legacy), DataError);

    RandomForestMetaModel rf({.n_estimators = 3, .seed = 2});
    rf.fit(Z, s);
    CHECK(rf.model().seed() == 2);
    meta::detail::Standardizer st;  // the adapter's standardisation, then the base forest
    st.fit(Z);
    CHECK(rf.predict_per_tree(Q) == rf.model().predict_per_tree(st.transform(Q)));
    auto fj = rf.to_json();
    CHECK(fj.at("model").at("kind") == "random_forest_regressor");
    fj["model"]["params"]["min_samples_leaf"] = 1;
    REQUIRE_THROWS_WITH(RandomForestMetaModel::from_json(fj), Catch::Contains("base model parameters or seed do not match"));
    fj = rf.to_json();
    fj["params"]["max_features"] = 1.5;
    REQUIRE_THROWS_AS(RandomForestMetaModel::from_json(fj), DataError);

    // load_meta_model names the file of a ParseError
    const auto path = std::filesystem::temp_directory_path() / ("metalearn_mm_bad_" + std::to_string(::getpid()) + ".json");
    {
        std::ofstream f(path);
        f << R"({"type": "KnnMetaModel", "n_neighbors": 2})" << '\n';
    }
    REQUIRE_THROWS_AS(load_meta_model<KnnMetaModel>(path), ParseError);
    try {
        (void)load_meta_model<KnnMetaModel>(path);
    } catch (const ParseError& e) {
        CHECK(e.file() == path.string());
        CHECK_THAT(e.message(), Catch::Contains("missing field 'distance_weighted' at /"));
    }
    std::filesystem::remove(path);
}
