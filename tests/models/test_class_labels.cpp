// Class-label validation shared by every classifier: labels must be finite integers >= 0, an
// inferred K = max(y) + 1 is bounded by max(n, 256), and a declared n_classes must be >= 0 (0 =
// infer) and larger than every label.
#include <metalearn/models/decision_tree.hpp>
#include <metalearn/models/knn.hpp>
#include <metalearn/models/lda.hpp>
#include <metalearn/models/logistic_regression.hpp>
#include <metalearn/models/mlp.hpp>
#include <metalearn/models/naive_bayes.hpp>
#include <metalearn/models/random_forest.hpp>

#include <catch2/catch.hpp>

#include <limits>
#include <string>

using metalearn::DataError;
using metalearn::Matrix;
using metalearn::Vector;
namespace models = metalearn::models;

namespace {

// 6 samples, 2 features; two well-separated classes.
Matrix six_rows() { return (Matrix(6, 2) << 0, 0, 0, 1, 1, 0, 5, 5, 5, 6, 6, 5).finished(); }

std::string message_of(auto&& fn) {
    try {
        fn();
    } catch (const DataError& e) {
        return e.what();
    }
    return {};
}

template <class Model>
void check_labels(Model model) {
    const Matrix X = six_rows();
    Vector y = (Vector(6) << 0, 0, 0, 1, 1, 1).finished();
    // a huge label with K inferred: rejected before anything of size K is allocated
    y[5] = 1e9;
    const std::string big = message_of([&] { model.fit(X, y); });
    REQUIRE(big.find("too large") != std::string::npos);
    REQUIRE(big.find("pass n_classes explicitly") != std::string::npos);
    y[5] = 1e12;
    REQUIRE_THROWS_AS(model.fit(X, y), DataError);
    y[5] = 1e300;
    REQUIRE_THROWS_AS(model.fit(X, y), DataError);
    // 256 = the smallest inferred bound (n = 6 here): label 255 is accepted by the check, 256 is not
    y[5] = 256;
    REQUIRE_THROWS_AS(model.fit(X, y), DataError);
    // non-integer, negative, non-finite labels
    y[5] = 1.5;
    REQUIRE_THROWS_AS(model.fit(X, y), DataError);
    y[5] = -1;
    REQUIRE_THROWS_AS(model.fit(X, y), DataError);
    y[5] = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_AS(model.fit(X, y), DataError);
    y[5] = std::numeric_limits<double>::infinity();
    REQUIRE_THROWS_AS(model.fit(X, y), DataError);
    // declared n_classes: negative, or not above every label
    y[5] = 1;
    REQUIRE_THROWS_AS(model.fit(X, y, -3), DataError);
    REQUIRE_THROWS_AS(model.fit(X, y, 1), DataError);
    y[5] = 1e9;
    const std::string range = message_of([&] { model.fit(X, y, 2); });
    REQUIRE(range.find("out of range") != std::string::npos);
    // valid labels still fit, with K inferred or declared
    y[5] = 1;
    model.fit(X, y);
    REQUIRE(model.n_classes() == 2);
    model.fit(X, y, 3);
    REQUIRE(model.n_classes() == 3);
}

}  // namespace

TEST_CASE("Classifiers validate class labels and n_classes", "[models][labels][errors]") {
    SECTION("DecisionTreeClassifier") { check_labels(models::DecisionTreeClassifier{}); }
    SECTION("RandomForestClassifier") { check_labels(models::RandomForestClassifier{{.n_estimators = 3}}); }
    SECTION("GaussianNaiveBayes") { check_labels(models::GaussianNaiveBayes{}); }
    SECTION("LinearDiscriminantAnalysis") { check_labels(models::LinearDiscriminantAnalysis{}); }
    SECTION("KNeighborsClassifier") { check_labels(models::KNeighborsClassifier{{.n_neighbors = 3}}); }
    SECTION("LogisticRegression") { check_labels(models::LogisticRegression{}); }
    SECTION("MLPClassifier") { check_labels(models::MLPClassifier{{.max_iter = 5}}); }
}

TEST_CASE("LogisticRegression says a huge integer label is too large, not a non-integer",
          "[models][logistic_regression][errors]") {
    models::LogisticRegression lr;
    const Vector y = (Vector(6) << 0, 0, 0, 1, 1, 1e12).finished();
    const std::string msg = message_of([&] { lr.fit(six_rows(), y); });
    REQUIRE(msg.find("too large") != std::string::npos);
    REQUIRE(msg.find("expected an integer >= 0") == std::string::npos);
}
