// ElasticNet against scikit-learn 1.2.1's ElasticNet, enet_path and _alpha_grid (values from
// tests/reference/elastic_net_reference.py, pasted into elastic_net_reference_values.hpp), against
// the closed-form ridge solution for l1_ratio = 0, and its error handling.
#include <metalearn/models/elastic_net.hpp>
#include <metalearn/models/ridge.hpp>

#include "elastic_net_reference_values.hpp"
#include "model_test_data.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

using metalearn::ConfigError;
using metalearn::DataError;
using metalearn::Index;
using metalearn::Matrix;
using metalearn::NotFitted;
using metalearn::ParseError;
using metalearn::Vector;
using metalearn::models::CoordinateUpdates;
using metalearn::models::ElasticNet;
using metalearn::test::approx_matrix;
namespace ref = metalearn::test::enet_ref;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

/// data/sklearn/boston_house_prices.csv: a line "506,13,...", a line of column names, then 506
/// rows of 13 features and the target (MEDV).
metalearn::test::SimpleData load_boston() {
    std::istringstream in(metalearn::test::read_text(metalearn::test::data_file("sklearn/boston_house_prices.csv")));
    std::string line;
    std::getline(in, line);
    std::getline(in, line);
    std::vector<std::vector<double>> rows;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::vector<double> row;
        std::stringstream ls(line);
        std::string cell;
        while (std::getline(ls, cell, ',')) row.push_back(std::stod(cell));
        rows.push_back(std::move(row));
    }
    const auto n = static_cast<Index>(rows.size());
    metalearn::test::SimpleData d{Matrix(n, 13), Vector(n)};
    for (Index i = 0; i < n; ++i) {
        REQUIRE(rows[static_cast<std::size_t>(i)].size() == 14);
        for (Index j = 0; j < 13; ++j) d.X(i, j) = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
        d.y[i] = rows[static_cast<std::size_t>(i)][13];
    }
    REQUIRE(n == 506);
    return d;
}

/// The reference script's "boston" (raw) or "boston_std" (standardised over all rows) split.
metalearn::test::Split boston(bool standardised) {
    const auto d = load_boston();
    return metalearn::test::split3(standardised ? metalearn::test::standardize(d.X) : d.X, d.y);
}

Vector vec(const std::vector<double>& v) { return Eigen::Map<const Vector>(v.data(), static_cast<Index>(v.size())); }

ElasticNet::params_type tight(double alpha, double l1_ratio, CoordinateUpdates updates, bool fit_intercept = true) {
    return {.alpha = alpha,
            .l1_ratio = l1_ratio,
            .fit_intercept = fit_intercept,
            .tol = 1e-12,
            .max_iter = 200000,
            .updates = updates};
}

struct Case {
    bool standardised;
    double alpha;
    double l1_ratio;
    bool fit_intercept;
    const std::vector<double>* coef;
    double intercept;
    const std::vector<double>* pred;
};

}  // namespace

TEST_CASE("ElasticNet equals scikit-learn's coefficients on the Boston data to 1e-6, l1_ratio 0 to 1, both update "
          "rules",
          "[models][elastic_net]") {
    const std::vector<Case> cases = {
        {false, 1.0, 0.5, true, &ref::b_default_coef, ref::b_default_intercept, &ref::b_default_pred},
        {false, 0.1, 1.0, true, &ref::b_lasso_coef, ref::b_lasso_intercept, &ref::b_lasso_pred},
        {false, 0.5, 0.0, true, &ref::b_ridge_coef, ref::b_ridge_intercept, &ref::b_ridge_pred},
        {false, 0.01, 0.2, true, &ref::b_mix_coef, ref::b_mix_intercept, &ref::b_mix_pred},
        {false, 0.3, 0.7, false, &ref::b_noint_coef, ref::b_noint_intercept, &ref::b_noint_pred},
        {true, 0.05, 1.0, true, &ref::s_lasso_coef, ref::s_lasso_intercept, &ref::s_lasso_pred},
        {true, 0.2, 0.3, true, &ref::s_mix_coef, ref::s_mix_intercept, &ref::s_mix_pred},
        {true, 0.02, 0.0, true, &ref::s_ridge_coef, ref::s_ridge_intercept, &ref::s_ridge_pred},
    };
    const auto raw = boston(false);
    const auto std_ = boston(true);
    for (const auto& c : cases) {
        const auto& s = c.standardised ? std_ : raw;
        for (auto updates : {CoordinateUpdates::naive, CoordinateUpdates::covariance, CoordinateUpdates::automatic}) {
            INFO("alpha " << c.alpha << ", l1_ratio " << c.l1_ratio << ", standardised " << c.standardised
                          << ", updates " << metalearn::models::to_string(updates));
            ElasticNet m(tight(c.alpha, c.l1_ratio, updates, c.fit_intercept));
            m.fit(s.Xtr, s.ytr);
            CHECK(m.converged());
            REQUIRE_THAT(m.coef(), approx_matrix(vec(*c.coef), 0.0, 1e-6));
            REQUIRE(std::abs(m.intercept() - c.intercept) <= 1e-6);
            REQUIRE_THAT(Vector(m.predict(s.Xte).head(5)), approx_matrix(vec(*c.pred), 0.0, 1e-6));
            if (!c.fit_intercept) REQUIRE(m.intercept() == 0.0);
        }
    }
}

TEST_CASE("ElasticNet with l1_ratio 0 is ridge regression with alpha n times larger", "[models][elastic_net]") {
    // closed form: Ridge minimises ‖y − Xw − b‖² + α'‖w‖²; the elastic net at ρ = 0 is that / (2n)
    // with α' = n·α
    const auto s = boston(true);
    const double n = static_cast<double>(s.Xtr.rows());
    for (double alpha : {0.001, 0.1, 3.0}) {
        ElasticNet m(tight(alpha, 0.0, CoordinateUpdates::automatic));
        m.fit(s.Xtr, s.ytr);
        metalearn::models::Ridge r({.alpha = n * alpha});
        r.fit(s.Xtr, s.ytr);
        CHECK(m.converged());
        REQUIRE_THAT(m.coef(), approx_matrix(r.coef(), 0.0, 1e-8));
        REQUIRE(m.intercept() == Approx(r.intercept()).epsilon(1e-10));
    }
}

TEST_CASE("ElasticNet at scikit-learn's default tolerance stops after the same sweeps with the same coefficients",
          "[models][elastic_net]") {
    // the same iterates and the same duality-gap test: equal sweep counts, coefficients equal up
    // to rounding (1e-9), not only up to the tolerance
    struct D {
        bool standardised;
        double alpha;
        double l1_ratio;
        const std::vector<double>* coef;
        double intercept;
        int n_iter;
        double gap;
    };
    const std::vector<D> cases = {
        {true, 0.1, 0.5, &ref::d_std_coef, ref::d_std_intercept, ref::d_std_n_iter, ref::d_std_dual_gap},
        {false, 1.0, 0.5, &ref::d_raw_coef, ref::d_raw_intercept, ref::d_raw_n_iter, ref::d_raw_dual_gap},
        {true, 0.01, 1.0, &ref::d_lasso_coef, ref::d_lasso_intercept, ref::d_lasso_n_iter, ref::d_lasso_dual_gap},
    };
    for (const auto& c : cases) {
        const auto s = boston(c.standardised);
        for (auto updates : {CoordinateUpdates::naive, CoordinateUpdates::covariance}) {
            INFO("alpha " << c.alpha << ", updates " << metalearn::models::to_string(updates));
            ElasticNet m({.alpha = c.alpha, .l1_ratio = c.l1_ratio, .updates = updates});
            m.fit(s.Xtr, s.ytr);
            CHECK(m.converged());
            CHECK(m.n_iter() == c.n_iter);
            REQUIRE_THAT(m.coef(), approx_matrix(vec(*c.coef), 1e-9, 1e-9));
            REQUIRE(m.intercept() == Approx(c.intercept).epsilon(1e-9));
            REQUIRE(m.dual_gap() == Approx(c.gap).epsilon(1e-4).margin(1e-12));
        }
    }
}

TEST_CASE("ElasticNet::path equals scikit-learn's enet_path with warm starts, and alpha_grid its _alpha_grid",
          "[models][elastic_net]") {
    const auto s = boston(true);
    const Vector grid = ElasticNet::alpha_grid(s.Xtr, s.ytr, 0.5, 12, 1e-3);
    REQUIRE_THAT(grid, approx_matrix(vec(ref::path_alphas), 1e-13));
    const auto raw = boston(false);
    REQUIRE_THAT(ElasticNet::alpha_grid(raw.Xtr, raw.ytr, 1.0, 7, 1e-2),
                 approx_matrix(vec(ref::grid_lasso_raw), 1e-13));

    const Index k = grid.size();
    const Index p = s.Xtr.cols();
    const Matrix expected_coef = metalearn::test::as_matrix(ref::path_coef, k).transpose();  // p×k
    // given in increasing order: fitted (and returned) in decreasing order, as enet_path does
    const Vector increasing = grid.reverse();
    for (auto updates : {CoordinateUpdates::naive, CoordinateUpdates::covariance}) {
        const auto path = ElasticNet::path(s.Xtr, s.ytr, increasing, tight(0.0, 0.5, updates));
        REQUIRE_THAT(path.alphas, approx_matrix(vec(ref::path_alphas), 0.0));
        REQUIRE(path.coef.rows() == p);
        REQUIRE(path.coef.cols() == k);
        REQUIRE_THAT(path.coef, approx_matrix(expected_coef, 0.0, 1e-6));
        REQUIRE_THAT(path.intercept, approx_matrix(vec(ref::path_intercept), 0.0, 1e-6));
        REQUIRE(path.n_iter.size() == static_cast<std::size_t>(k));
        for (Index i = 0; i < k; ++i) CHECK(path.converged[static_cast<std::size_t>(i)]);
        // the first penalty is α_max: every coefficient is 0 there, up to the rounding of α_max
        REQUIRE(path.coef.col(0).cwiseAbs().maxCoeff() <= 1e-12);
        // a warm-started point equals a cold fit at the same penalty
        ElasticNet cold(tight(grid[k - 1], 0.5, updates));
        cold.fit(s.Xtr, s.ytr);
        REQUIRE_THAT(Vector(path.coef.col(k - 1)), approx_matrix(cold.coef(), 0.0, 1e-7));
    }
}

TEST_CASE("ElasticNet equals scikit-learn when there are more features than samples", "[models][elastic_net]") {
    // 40 digits, 64 pixels (several constant 0: their coefficients stay 0)
    const auto d = metalearn::test::load_sklearn_csv(metalearn::test::data_file("sklearn/digits.csv.gz"));
    const Matrix X = d.X.topRows(40);
    const Vector y = d.y.head(40);
    struct W {
        double alpha;
        double l1_ratio;
        const std::vector<double>* coef;
        double intercept;
    };
    for (const W& c : {W{0.05, 0.5, &ref::w_mix_coef, ref::w_mix_intercept},
                       W{0.02, 1.0, &ref::w_lasso_coef, ref::w_lasso_intercept}}) {
        for (auto updates : {CoordinateUpdates::automatic, CoordinateUpdates::covariance}) {
            INFO("alpha " << c.alpha << ", updates " << metalearn::models::to_string(updates));
            ElasticNet m(tight(c.alpha, c.l1_ratio, updates));
            m.fit(X, y);
            CHECK(m.converged());
            REQUIRE_THAT(m.coef(), approx_matrix(vec(*c.coef), 0.0, 1e-6));
            REQUIRE(std::abs(m.intercept() - c.intercept) <= 1e-6);
            for (Index j = 0; j < X.cols(); ++j)
                if ((X.col(j).array() == X(0, j)).all()) REQUIRE(m.coef()[j] == 0.0);
        }
    }
}

TEST_CASE("ElasticNet on a constant target converges at once to w = 0 and the mean", "[models][elastic_net]") {
    const auto s = boston(true);
    const Vector y = Vector::Constant(s.Xtr.rows(), 3.5);
    ElasticNet m;
    m.fit(s.Xtr, y);
    REQUIRE(m.converged());
    REQUIRE(m.n_iter() == 1);
    REQUIRE(m.coef().isZero(0.0));
    REQUIRE(m.intercept() == Approx(3.5));
}

TEST_CASE("ElasticNet rejects bad hyperparameters", "[models][elastic_net][errors]") {
    using P = ElasticNet::params_type;
    REQUIRE_THROWS_WITH(ElasticNet(P{.alpha = -1.0}),
                        "ElasticNet::set_params(): alpha out of range (expected finite >= 0, got -1)");
    REQUIRE_THROWS_AS(ElasticNet(P{.alpha = kNaN}), ConfigError);
    REQUIRE_THROWS_AS(ElasticNet(P{.alpha = kInf}), ConfigError);
    REQUIRE_THROWS_WITH(ElasticNet(P{.l1_ratio = 1.5}),
                        "ElasticNet::set_params(): l1_ratio out of range (expected in [0, 1], got 1.5)");
    REQUIRE_THROWS_AS(ElasticNet(P{.l1_ratio = -0.1}), ConfigError);
    REQUIRE_THROWS_AS(ElasticNet(P{.l1_ratio = kNaN}), ConfigError);
    REQUIRE_THROWS_AS(ElasticNet(P{.tol = -1e-4}), ConfigError);
    REQUIRE_THROWS_AS(ElasticNet(P{.tol = kNaN}), ConfigError);
    REQUIRE_THROWS_WITH(ElasticNet(P{.max_iter = 0}),
                        "ElasticNet::set_params(): max_iter out of range (expected >= 1, got 0)");
    ElasticNet ok(P{.alpha = 0.0, .l1_ratio = 0.0, .tol = 0.0, .max_iter = 1});
    REQUIRE(ok.params().alpha == 0.0);
    // a failed set_params keeps the previous hyperparameters
    REQUIRE_THROWS_AS(ok.set_params(P{.alpha = -2.0}), ConfigError);
    REQUIRE(ok.params().max_iter == 1);

    const auto s = boston(true);
    REQUIRE_THROWS_WITH(ElasticNet::path(s.Xtr, s.ytr, Vector()),
                        "ElasticNet::path(): no penalties (expected k >= 1 alphas, got 0)");
    REQUIRE_THROWS_WITH(ElasticNet::path(s.Xtr, s.ytr, Vector::Constant(2, -0.5)),
                        "ElasticNet::path(): alpha out of range (expected finite >= 0, got -0.5 at 0)");
    REQUIRE_THROWS_AS(ElasticNet::path(s.Xtr, s.ytr, Vector::Constant(1, 1.0), P{.l1_ratio = 2.0}), ConfigError);
    REQUIRE_THROWS_AS(ElasticNet::alpha_grid(s.Xtr, s.ytr, 0.0), ConfigError);
    REQUIRE_THROWS_AS(ElasticNet::alpha_grid(s.Xtr, s.ytr, 0.5, 0), ConfigError);
    REQUIRE_THROWS_AS(ElasticNet::alpha_grid(s.Xtr, s.ytr, 0.5, 10, 0.0), ConfigError);
}

TEST_CASE("ElasticNet rejects bad data", "[models][elastic_net][errors]") {
    const auto s = boston(true);
    ElasticNet m;
    REQUIRE_THROWS_AS(m.predict(s.Xte), NotFitted);
    REQUIRE_THROWS_AS(m.to_json(), NotFitted);
    Matrix X = s.Xtr;
    X(3, 2) = kNaN;
    REQUIRE_THROWS_WITH(m.fit(X, s.ytr), "ElasticNet::fit(): X has a non-finite value (expected finite values, got "
                                          "nan at row 3, column 2)");
    Vector y = s.ytr;
    y[5] = kInf;
    REQUIRE_THROWS_AS(m.fit(s.Xtr, y), DataError);
    REQUIRE_THROWS_WITH(m.fit(s.Xtr, s.ytr.head(10)),
                        "ElasticNet::fit(): y has the wrong length (expected 337 = rows of X, got 10)");
    REQUIRE_THROWS_AS(m.fit(Matrix(0, 13), Vector(0)), DataError);
    REQUIRE_THROWS_AS(m.fit(Matrix(5, 0), Vector::Zero(5)), DataError);
    REQUIRE_THROWS_AS(ElasticNet::path(X, s.ytr, Vector::Constant(1, 1.0)), DataError);
    REQUIRE_THROWS_AS(ElasticNet::alpha_grid(X, s.ytr, 0.5), DataError);
    REQUIRE_FALSE(m.is_fitted());
    m.fit(s.Xtr, s.ytr);
    REQUIRE(m.is_fitted());
    REQUIRE_THROWS_WITH(m.predict(s.Xte.leftCols(12)), "ElasticNet::predict(): X has the wrong number of columns "
                                                       "(expected 13 as in fit, got 12)");
    Matrix Xte = s.Xte;
    Xte(0, 0) = kNaN;
    REQUIRE_THROWS_AS(m.predict(Xte), DataError);
}

TEST_CASE("ElasticNet saved to JSON and reloaded predicts bit-identically; malformed documents are rejected",
          "[models][elastic_net][serialization]") {
    const auto s = boston(true);
    ElasticNet m({.alpha = 0.05, .l1_ratio = 0.8, .updates = CoordinateUpdates::naive});
    m.fit(s.Xtr, s.ytr);
    const nlohmann::json j = m.to_json();
    const ElasticNet back = ElasticNet::from_json(nlohmann::json::parse(j.dump()));
    REQUIRE(back.params() == m.params());
    REQUIRE((back.predict(s.Xte).array() == m.predict(s.Xte).array()).all());
    REQUIRE(back.n_iter() == m.n_iter());
    REQUIRE(back.dual_gap() == m.dual_gap());
    REQUIRE(back.converged() == m.converged());

    auto bad = [&](auto&& edit) {
        nlohmann::json b = j;
        edit(b);
        return b;
    };
    REQUIRE_THROWS_AS(ElasticNet::from_json(nlohmann::json::array()), ParseError);
    REQUIRE_THROWS_AS(ElasticNet::from_json(bad([](auto& b) { b["kind"] = "ridge"; })), ParseError);
    REQUIRE_THROWS_AS(ElasticNet::from_json(bad([](auto& b) { b.erase("coef"); })), ParseError);
    REQUIRE_THROWS_WITH(ElasticNet::from_json(bad([](auto& b) { b["params"]["updates"] = "fast"; })),
                        Catch::Contains("unknown update rule") && Catch::Contains("at /params/updates"));
    REQUIRE_THROWS_AS(ElasticNet::from_json(bad([](auto& b) { b["params"]["l1_ratio"] = 3.0; })), DataError);
    REQUIRE_THROWS_AS(ElasticNet::from_json(bad([](auto& b) { b["coef"] = nlohmann::json::array(); })), DataError);
    REQUIRE_THROWS_AS(ElasticNet::from_json(bad([](auto& b) { b["intercept"] = "x"; })), ParseError);
}

TEST_CASE("ElasticNet's search space samples valid configurations in the declared ranges", "[models][elastic_net]") {
    const auto space = ElasticNet::search_space();
    REQUIRE(space.names() == std::vector<std::string>{"alpha", "l1_ratio"});
    const auto configs = space.random(200, 7);
    REQUIRE(configs.size() == 200);
    double lo = kInf;
    double hi = 0.0;
    for (const auto& p : configs) {
        REQUIRE_NOTHROW(ElasticNet(p));
        REQUIRE(p.alpha >= std::ldexp(1.0, -10));
        REQUIRE(p.alpha <= std::ldexp(1.0, 10));
        REQUIRE(p.l1_ratio >= 0.0);
        REQUIRE(p.l1_ratio <= 1.0);
        lo = std::min(lo, p.alpha);
        hi = std::max(hi, p.alpha);
    }
    REQUIRE(lo < 0.01);  // log scale: small penalties are drawn
    REQUIRE(hi > 100.0);
}
