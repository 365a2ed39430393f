// Class weights (scikit-learn's class_weight): the sample weights n / (K n_k) by hand;
// LogisticRegression with balanced and explicit weights and DecisionTreeClassifier with balanced
// weights against scikit-learn 1.2.1 (values from tests/reference/class_weight_reference.py,
// pasted into class_weight_reference_values.hpp); the random forest against the tree.
#include <metalearn/models/class_weight.hpp>
#include <metalearn/models/decision_tree.hpp>
#include <metalearn/models/knn.hpp>
#include <metalearn/models/logistic_regression.hpp>
#include <metalearn/models/mlp.hpp>
#include <metalearn/models/random_forest.hpp>
#include <metalearn/models/svm.hpp>

#include "class_weight_reference_values.hpp"
#include "model_test_data.hpp"

#include <limits>
#include <string>
#include <vector>

using metalearn::ConfigError;
using metalearn::DataError;
using metalearn::Index;
using metalearn::Matrix;
using metalearn::Vector;
using metalearn::models::ClassWeight;
using metalearn::models::Criterion;
using metalearn::models::DecisionTreeClassifier;
using metalearn::models::RandomForestClassifier;
using metalearn::models::LogisticRegression;
using metalearn::test::approx_matrix;
using metalearn::test::as_matrix;
using metalearn::test::ref_rows;
namespace cwref = metalearn::test::cw_ref;

TEST_CASE("balanced class weights are n / (K n_k) over the classes present", "[class_weight]") {
    // codes 0 0 0 1 with K = 3 declared: classes present 2, n = 4 → class 0: 4/(2·3) = 2/3, class 1: 4/(2·1) = 2
    const std::vector<Index> codes = {0, 0, 0, 1};
    const Vector w = metalearn::models::detail::class_sample_weights("t", codes, 3, ClassWeight::balanced, {});
    CHECK(w[0] == Approx(2.0 / 3.0).epsilon(1e-15));
    CHECK(w[3] == Approx(2.0).epsilon(1e-15));
    CHECK(metalearn::models::detail::class_sample_weights("t", codes, 3, ClassWeight::none, {}) == Vector::Ones(4));
    const Vector e = metalearn::models::detail::class_sample_weights("t", codes, 3, ClassWeight::explicit_weights, {0.5, 4.0, 1.0});
    CHECK(e[0] == 0.5);
    CHECK(e[3] == 4.0);
    CHECK_THROWS_AS(metalearn::models::detail::class_sample_weights("t", codes, 3, ClassWeight::explicit_weights, {1.0, 1.0}),
                    DataError);
}

TEST_CASE("LogisticRegression with class weights matches scikit-learn", "[class_weight][logistic_regression]") {
    // As the unweighted comparison in test_linear.cpp: scikit-learn's L-BFGS-B stops on a relative
    // decrease of 2.2e-9, so coefficients agree to abs 2e-3 and probabilities to abs 1e-4.
    SECTION("wine, balanced and explicit") {
        const auto d = metalearn::test::sklearn_split("wine_data.csv", true);
        LogisticRegression lr({.C = 0.5, .tol = 1e-8, .max_iter = 10000, .class_weight = ClassWeight::balanced});
        lr.fit(d.Xtr, d.ytr);
        REQUIRE(lr.converged());
        REQUIRE_THAT(lr.coef(), approx_matrix(as_matrix(cwref::wine_balanced_coef, 3), 0.0, 2e-3));
        REQUIRE_THAT(Matrix(lr.intercept()), approx_matrix(as_matrix(cwref::wine_balanced_intercept, 3), 0.0, 2e-3));
        REQUIRE_THAT(ref_rows(lr.predict_proba(d.Xte)), approx_matrix(as_matrix(cwref::wine_balanced_proba, 6), 0.0, 1e-4));
        LogisticRegression ex({.C = 0.5, .tol = 1e-8, .max_iter = 10000,
                               .class_weight = ClassWeight::explicit_weights, .class_weights = {1.0, 3.0, 0.5}});
        ex.fit(d.Xtr, d.ytr);
        REQUIRE_THAT(ex.coef(), approx_matrix(as_matrix(cwref::wine_explicit_coef, 3), 0.0, 2e-3));
        REQUIRE_THAT(Matrix(ex.intercept()), approx_matrix(as_matrix(cwref::wine_explicit_intercept, 3), 0.0, 2e-3));
    }
    SECTION("breast cancer, balanced (binary: scikit-learn reports w1 - w0)") {
        const auto d = metalearn::test::sklearn_split("breast_cancer.csv", true);
        LogisticRegression lr({.C = 0.5, .tol = 1e-8, .max_iter = 10000, .class_weight = ClassWeight::balanced});
        lr.fit(d.Xtr, d.ytr);
        REQUIRE(lr.converged());
        const Matrix coef = lr.coef().row(1) - lr.coef().row(0);
        REQUIRE_THAT(coef, approx_matrix(as_matrix(cwref::cancer_balanced_coef, 1), 0.0, 2e-3));
        REQUIRE(lr.intercept()[1] - lr.intercept()[0] == Approx(cwref::cancer_balanced_intercept[0]).margin(2e-3));
        REQUIRE_THAT(ref_rows(lr.predict_proba(d.Xte)), approx_matrix(as_matrix(cwref::cancer_balanced_proba, 6), 0.0, 1e-4));
    }
    SECTION("explicit weights of 1 give the unweighted optimum") {
        // the weighted objective sums its terms in another order, so the iterates differ in the
        // last bits; at a tight tolerance both reach the same optimum
        const auto d = metalearn::test::sklearn_split("wine_data.csv", true);
        LogisticRegression a({.C = 0.5, .tol = 1e-10, .max_iter = 10000});
        a.fit(d.Xtr, d.ytr);
        LogisticRegression b({.C = 0.5, .tol = 1e-10, .max_iter = 10000, .class_weight = ClassWeight::explicit_weights,
                              .class_weights = {1.0, 1.0, 1.0}});
        b.fit(d.Xtr, d.ytr);
        REQUIRE_THAT(b.coef(), approx_matrix(a.coef(), 0.0, 1e-7));
    }
}

TEST_CASE("class weights: bad values and the search space", "[class_weight][errors]") {
    LogisticRegression lr;
    CHECK_THROWS_WITH(lr.set_params({.class_weight = ClassWeight::explicit_weights}), Catch::Contains("class_weights is empty"));
    CHECK_THROWS_WITH(lr.set_params({.class_weight = ClassWeight::explicit_weights, .class_weights = {1.0, -2.0}}),
                      Catch::Contains("class_weights[1]"));
    CHECK_THROWS_AS(lr.set_params({.class_weight = ClassWeight::explicit_weights, .class_weights = {0.0, 0.0}}), ConfigError);
    // positive weights below 1e-100 would underflow when squared (Gini): refused; 0 and 1e-100 are kept
    CHECK_THROWS_WITH(lr.set_params({.class_weight = ClassWeight::explicit_weights, .class_weights = {1e-170, 1e-170}}),
                      Catch::Contains("class_weights[0] out of range"));
    CHECK_THROWS_WITH(DecisionTreeClassifier({.class_weight = ClassWeight::explicit_weights, .class_weights = {1.0, 1e-101}}),
                      Catch::Contains("class_weights[1]"));
    CHECK_NOTHROW(lr.set_params({.class_weight = ClassWeight::explicit_weights, .class_weights = {0.0, 1e-100}}));
    lr.set_params({.class_weight = ClassWeight::explicit_weights, .class_weights = {1.0, 2.0}});
    Matrix X(4, 1);
    X << 0, 1, 2, 3;
    Vector y(4);
    y << 0, 1, 2, 2;
    CHECK_THROWS_AS(lr.fit(X, y), DataError);  // 3 classes, 2 weights
    lr.set_params({.class_weight = ClassWeight::explicit_weights, .class_weights = {1.0, 2.0, 3.0, 4.0}});
    CHECK_THROWS_WITH(lr.fit(X, y), Catch::Contains("4 entries for 3 classes"));
    // the classes present (1 and 2 of 3 declared) all weigh 0: nothing to learn from
    Vector y12(4);
    y12 << 1, 2, 1, 2;
    lr.set_params({.class_weight = ClassWeight::explicit_weights, .class_weights = {1.0, 0.0, 0.0}});
    CHECK_THROWS_WITH(lr.fit(X, y12, 3), Catch::Contains("every training sample weighs 0"));
    DecisionTreeClassifier tree({.class_weight = ClassWeight::explicit_weights, .class_weights = {1.0, 0.0, 0.0}});
    CHECK_THROWS_AS(tree.fit(X, y12, 3), DataError);
    // unused weights are checked too (a model must save and load), and huge ones are refused
    CHECK_THROWS_AS(lr.set_params({.class_weights = {std::numeric_limits<double>::quiet_NaN()}}), ConfigError);
    CHECK_THROWS_WITH(RandomForestClassifier({.class_weight = ClassWeight::explicit_weights, .class_weights = {1.0, 1e160}}),
                      Catch::Contains("class_weights[1]"));
    // an integer cast to the enum that names no value: refused, not fitted as something else
    CHECK_THROWS_WITH(lr.set_params({.class_weight = static_cast<ClassWeight>(99)}),
                      Catch::Contains("class_weight 99 is not a ClassWeight"));
    CHECK_THROWS_WITH(DecisionTreeClassifier({.criterion = static_cast<Criterion>(42)}),
                      Catch::Contains("criterion 42 is not a Criterion"));
    CHECK_THROWS_AS(RandomForestClassifier({.criterion = static_cast<Criterion>(-1)}), ConfigError);
    CHECK_THROWS_WITH(metalearn::models::KNeighborsClassifier({.weights = static_cast<metalearn::models::KnnWeights>(7)}),
                      Catch::Contains("unknown weights"));
    CHECK_THROWS_WITH(metalearn::models::SVC({.kernel = static_cast<metalearn::models::SvmKernel>(5)}),
                      Catch::Contains("kernel 5 is not an SvmKernel"));
    CHECK_THROWS_WITH(metalearn::models::MLPClassifier({.activation = static_cast<metalearn::models::Activation>(9)}),
                      Catch::Contains("activation out of range"));
    // a searched dimension: written in every configuration
    const auto space = LogisticRegression::search_space();
    CHECK(space.names() == std::vector<std::string>{"C", "class_weight"});
    CHECK(space.to_json({}).dump() == R"({"C":1.0,"class_weight":"none"})");
    const auto p = space.from_json(nlohmann::json::parse(R"({"C": 2.0, "class_weight": "balanced"})"));
    CHECK(p.class_weight == ClassWeight::balanced);
    CHECK(space.to_json(p).dump() == R"({"C":2.0,"class_weight":"balanced"})");
}

TEST_CASE("DecisionTreeClassifier with balanced class weights grows scikit-learn's tree", "[class_weight][decision_tree]") {
    // max_depth 2 on raw wine and breast cancer, Gini and entropy. scikit-learn stores X as
    // float32, so thresholds agree to rel 1e-6; weighted values, impurities and probabilities to 1e-9.
    struct Case {
        const char* file;
        Criterion criterion;
        const std::vector<double>& feature;
        const std::vector<double>& threshold;
        const std::vector<double>& impurity;
        const std::vector<double>& samples;
        const std::vector<double>& value;
        const std::vector<double>& proba;
        Index k;
    };
    const Case cases[] = {
        {"wine_data.csv", Criterion::gini, cwref::wine_gini_tree_feature, cwref::wine_gini_tree_threshold,
         cwref::wine_gini_tree_impurity, cwref::wine_gini_tree_samples, cwref::wine_gini_tree_value,
         cwref::wine_gini_tree_proba, 3},
        {"wine_data.csv", Criterion::entropy, cwref::wine_entropy_tree_feature, cwref::wine_entropy_tree_threshold,
         cwref::wine_entropy_tree_impurity, cwref::wine_entropy_tree_samples, cwref::wine_entropy_tree_value,
         cwref::wine_entropy_tree_proba, 3},
        {"breast_cancer.csv", Criterion::gini, cwref::cancer_gini_tree_feature, cwref::cancer_gini_tree_threshold,
         cwref::cancer_gini_tree_impurity, cwref::cancer_gini_tree_samples, cwref::cancer_gini_tree_value,
         cwref::cancer_gini_tree_proba, 2},
        {"breast_cancer.csv", Criterion::entropy, cwref::cancer_entropy_tree_feature,
         cwref::cancer_entropy_tree_threshold, cwref::cancer_entropy_tree_impurity, cwref::cancer_entropy_tree_samples,
         cwref::cancer_entropy_tree_value, cwref::cancer_entropy_tree_proba, 2},
    };
    for (const auto& c : cases) {
        INFO(c.file << (c.criterion == Criterion::gini ? " gini" : " entropy"));
        const auto d = metalearn::test::sklearn_split(c.file, false);
        DecisionTreeClassifier tree({.criterion = c.criterion, .max_depth = 2, .class_weight = ClassWeight::balanced});
        tree.fit(d.Xtr, d.ytr);
        const auto& nodes = tree.nodes();
        REQUIRE(nodes.size() == c.feature.size());
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            INFO("node " << i);
            REQUIRE(nodes[i].n_samples == static_cast<Index>(c.samples[i]));
            REQUIRE(nodes[i].impurity == Approx(c.impurity[i]).margin(1e-9));
            REQUIRE_THAT(Matrix(nodes[i].value.transpose()),
                         approx_matrix(as_matrix(std::vector<double>(c.value.begin() + static_cast<std::ptrdiff_t>(i) * c.k,
                                                                     c.value.begin() + static_cast<std::ptrdiff_t>(i + 1) * c.k),
                                                 1),
                                       0.0, 1e-9));
            if (c.feature[i] < 0) {
                REQUIRE(nodes[i].is_leaf());
            } else {
                REQUIRE(nodes[i].feature == static_cast<Index>(c.feature[i]));
                REQUIRE(nodes[i].threshold == Approx(c.threshold[i]).epsilon(1e-6));
            }
        }
        REQUIRE_THAT(ref_rows(tree.predict_proba(d.Xte)), approx_matrix(as_matrix(c.proba, 6), 0.0, 1e-9));
    }
}

TEST_CASE("class weights: a one-tree forest without randomness is the weighted tree", "[class_weight][random_forest]") {
    // bootstrap off, every feature examined: the forest's only tree is the decision tree. The
    // two visit the features in different seeded orders, which matters only on exact ties
    // between splits: with weights {1, 4} two features cut the training rows of a node alike,
    // so the trees agree on the training rows, not on every test row.
    const auto d = metalearn::test::sklearn_split("breast_cancer.csv", false);
    for (const auto kind : {ClassWeight::balanced, ClassWeight::explicit_weights}) {
        DecisionTreeClassifier tree(
            {.max_depth = 2, .class_weight = kind, .class_weights = {1.0, 4.0}});
        tree.fit(d.Xtr, d.ytr);
        RandomForestClassifier forest({.n_estimators = 1, .max_depth = 2, .max_features = 1.0, .bootstrap = false,
                                       .class_weight = kind, .class_weights = {1.0, 4.0}});
        forest.fit(d.Xtr, d.ytr);
        REQUIRE_THAT(forest.predict_proba(d.Xtr), approx_matrix(tree.predict_proba(d.Xtr), 0.0, 1e-12));
    }
    // weights change the tree: the minority class (malignant, 0) gains recall on the training rows
    DecisionTreeClassifier plain({.max_depth = 2});
    plain.fit(d.Xtr, d.ytr);
    DecisionTreeClassifier heavy({.max_depth = 2, .class_weight = ClassWeight::explicit_weights, .class_weights = {10.0, 1.0}});
    heavy.fit(d.Xtr, d.ytr);
    auto recall0 = [&](const Vector& pred) {
        double hit = 0, n0 = 0;
        for (Index i = 0; i < d.ytr.size(); ++i)
            if (d.ytr[i] == 0) {
                n0 += 1;
                hit += pred[i] == 0 ? 1 : 0;
            }
        return hit / n0;
    };
    CHECK(recall0(heavy.predict(d.Xtr)) > recall0(plain.predict(d.Xtr)));
    CHECK_THROWS_AS(DecisionTreeClassifier({.class_weight = ClassWeight::explicit_weights}), ConfigError);
}
