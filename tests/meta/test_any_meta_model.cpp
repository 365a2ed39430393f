// AnyMetaModel: a meta-model held behind one type predicts, saves and reports its std exactly as
// the meta-model itself (the expected values are the held model's own outputs on the same data),
// copies are deep, and from_json reads every library meta-model back by its "type".
#include <metalearn/meta/any_meta_model.hpp>
#include <metalearn/meta/predictor.hpp>

#include "support/test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace metalearn;
using namespace metalearn::meta;

namespace {

// s = sin(z0) + z1² / 4 + 0.1·z2 on 60 rows of 3 uniform inputs in [-2, 2] (seed 11).
struct Sample {
    Matrix Z;
    Vector s;
};
Sample sample(Index n, std::uint64_t seed) {
    Rng rng(seed);
    Sample d{Matrix(n, 3), Vector(n)};
    for (Index i = 0; i < n; ++i) {
        for (Index j = 0; j < 3; ++j) d.Z(i, j) = 4.0 * rng.uniform() - 2.0;
        d.s[i] = std::sin(d.Z(i, 0)) + d.Z(i, 1) * d.Z(i, 1) / 4.0 + 0.1 * d.Z(i, 2);
    }
    return d;
}

}  // namespace

TEST_CASE("AnyMetaModel predicts, saves and reports std as the meta-model it holds", "[meta][any_meta_model]") {
    const auto train = sample(60, 11);
    const auto query = sample(15, 12);

    SECTION("ridge: no std") {
        RidgeMetaModel direct({.alpha = 2.0});
        direct.fit(train.Z, train.s);
        AnyMetaModel any = RidgeMetaModel({.alpha = 2.0});
        any.fit(train.Z, train.s);
        CHECK(any.predict(query.Z) == direct.predict(query.Z));
        CHECK(any.to_json() == direct.to_json());
        CHECK_FALSE(any.has_std());
        CHECK_THROWS_AS(any.predict_std(query.Z), ConfigError);
        REQUIRE(any.target<RidgeMetaModel>() != nullptr);
        CHECK(any.target<KnnMetaModel>() == nullptr);
    }
    SECTION("k-NN and random forest: their std") {
        KnnMetaModel knn({.n_neighbors = 5});
        knn.fit(train.Z, train.s);
        AnyMetaModel any_knn = KnnMetaModel({.n_neighbors = 5});
        any_knn.fit(train.Z, train.s);
        CHECK(any_knn.has_std());
        CHECK(any_knn.predict(query.Z) == knn.predict(query.Z));
        CHECK(any_knn.predict_std(query.Z) == knn.predict_std(query.Z));

        RandomForestMetaModel rf({.n_estimators = 20, .n_threads = 1, .seed = 3});
        rf.fit(train.Z, train.s);
        AnyMetaModel any_rf = RandomForestMetaModel({.n_estimators = 20, .n_threads = 1, .seed = 3});
        any_rf.fit(train.Z, train.s);
        CHECK(any_rf.predict(query.Z) == rf.predict(query.Z));
        CHECK(any_rf.predict_std(query.Z) == rf.predict_std(query.Z));
    }
    SECTION("the default is an unfitted random forest") {
        AnyMetaModel any;
        REQUIRE(any.target<RandomForestMetaModel>() != nullptr);
        CHECK_THROWS_AS(any.predict(query.Z), NotFitted);
    }
}

TEST_CASE("AnyMetaModel copies are deep and from_json reads each library meta-model by its type", "[meta][any_meta_model]") {
    const auto train = sample(60, 11);
    const auto other = sample(60, 21);
    const auto query = sample(15, 12);

    AnyMetaModel a = RidgeMetaModel({.alpha = 1.0});
    a.fit(train.Z, train.s);
    const Vector before = a.predict(query.Z);
    AnyMetaModel b = a;
    b.fit(other.Z, other.s);
    CHECK(a.predict(query.Z) == before);
    CHECK(b.predict(query.Z) != before);

    // every library meta-model, saved directly and read back through AnyMetaModel
    std::vector<AnyMetaModel> models = {RidgeMetaModel({.alpha = 1.0}), KnnMetaModel({.n_neighbors = 4}),
                                        RandomForestMetaModel({.n_estimators = 10, .n_threads = 1, .seed = 1}),
                                        GaussianProcessMetaModel({.n_restarts = 0, .max_iterations = 20, .seed = 1}),
                                        MlpMetaModel()};
    for (auto& m : models) {
        m.fit(train.Z, train.s);
        const auto j = m.to_json();
        INFO(j.at("type"));
        const auto back = AnyMetaModel::from_json(j);
        CHECK(back.predict(query.Z).isApprox(m.predict(query.Z), 1e-12));
        CHECK(back.has_std() == m.has_std());
        CHECK(back.to_json() == j);
    }

    CHECK_THROWS_WITH(AnyMetaModel::from_json({{"type", "BoostedMetaModel"}}),
                      Catch::Contains("unknown meta-model type") && Catch::Contains("/type"));
    CHECK_THROWS_AS(AnyMetaModel::from_json(nlohmann::json(42)), ParseError);
    CHECK_THROWS_AS(AnyMetaModel::from_json({{"kind", "RidgeMetaModel"}}), ParseError);
}

TEST_CASE("HyperparameterPredictor over AnyMetaModel equals the predictor over the model it holds", "[meta][any_meta_model]") {
    // 6 tasks × 2 meta-features, 4 configs × 1 encoded column, scores from a smooth function
    Matrix mf(6, 2);
    Matrix enc(4, 1);
    Matrix scores(6, 4);
    for (Index t = 0; t < 6; ++t) {
        mf(t, 0) = static_cast<double>(t);
        mf(t, 1) = std::sqrt(static_cast<double>(t) + 1.0);
        for (Index c = 0; c < 4; ++c) {
            enc(c, 0) = static_cast<double>(c) / 3.0;
            scores(t, c) = 0.5 + 0.1 * std::sin(static_cast<double>(t) + 2.0 * enc(c, 0)) - 0.05 * enc(c, 0) * static_cast<double>(t);
        }
    }
    HyperparameterPredictor<RidgeMetaModel> direct(RidgeMetaModel({.alpha = 0.5}));
    HyperparameterPredictor<AnyMetaModel> any(AnyMetaModel(RidgeMetaModel({.alpha = 0.5})));
    direct.fit(mf, enc, scores);
    any.fit(mf, enc, scores);
    const Vector q = mf.row(2).transpose();
    CHECK(any.predict(q, enc) == direct.predict(q, enc));
    // ridge has no std: both report the training RMSE for every config
    CHECK(any.predict_std(q, enc) == direct.predict_std(q, enc));
}

TEST_CASE("Meta-models fitted with the rows' tasks: the forest's grouped fit, others' plain fit", "[meta][any_meta_model]") {
    // 20 tasks × 8 configs: 3 task features constant within a task, 1 config feature
    const Index T = 20, m = 8;
    Rng rng(4);
    Matrix Z(T * m, 4);
    Vector s(T * m);
    std::vector<Index> groups;
    for (Index t = 0; t < T; ++t) {
        const double a = rng.uniform(-1, 1), b = rng.uniform(-1, 1), c = std::floor(rng.uniform(0, 3));
        for (Index k = 0; k < m; ++k) {
            const Index i = t * m + k;
            Z.row(i) << a, b, c, static_cast<double>(k) / m;
            s[i] = std::cos(3 * a * Z(i, 3)) + 0.2 * b * c;
            groups.push_back(t);
        }
    }
    static_assert(MetaModelWithGroups<RandomForestMetaModel>);
    static_assert(!MetaModelWithGroups<RidgeMetaModel>);
    RandomForestMetaModel plain({.n_estimators = 10, .seed = 2});
    RandomForestMetaModel grouped = plain;
    plain.fit(Z, s);
    grouped.fit(Z, s, groups, T);
    // the same forest up to splits swapped between equally good candidates (sums in another order)
    CHECK((grouped.predict(Z) - plain.predict(Z)).cwiseAbs().mean() < 0.02);
    AnyMetaModel any{RandomForestMetaModel({.n_estimators = 10, .seed = 2})};
    any.fit(Z, s, groups, T);
    REQUIRE_THAT(any.predict(Z), test::approx_matrix(grouped.predict(Z), 0.0, 0.0));
    AnyMetaModel ridge{RidgeMetaModel({.alpha = 1.0})};  // no grouped fit: the plain one
    RidgeMetaModel direct({.alpha = 1.0});
    ridge.fit(Z, s, groups, T);
    direct.fit(Z, s);
    REQUIRE_THAT(ridge.predict(Z), test::approx_matrix(direct.predict(Z), 0.0, 0.0));
    // bad groups are refused whatever the held model does with them
    REQUIRE_THROWS_WITH(ridge.fit(Z, s, groups, -3), Catch::Contains("AnyMetaModel::fit()"));
    REQUIRE_THROWS_AS(ridge.fit(Z, s, std::vector<Index>{-1}, 1), DataError);
    REQUIRE_THROWS_WITH(grouped.fit(Z, s, groups, T * m + 1), Catch::Contains("RandomForestMetaModel::fit()"));
}
