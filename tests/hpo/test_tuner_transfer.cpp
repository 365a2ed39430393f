// Tests of hpo/tuner_transfer.hpp (RGPE transfer from earlier studies), GaussianProcess's
// leave-one-out predictions and Tuner::set_candidates (a search restricted to a lookup table).
//
// Expected values: hand-counted discordant pairs and a brute-force count (ranking loss); the
// closed-form leave-one-out formulas against refitting without the row (Rasmussen & Williams
// 2006, eqs. 5.10–5.12); for the searches, the numbers observed with the stated seeds, written
// next to each check with the margin kept.

#include <metalearn/hpo/tuner.hpp>
#include <metalearn/hpo/tuner_transfer.hpp>

#include "support/test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <vector>

using namespace metalearn;

namespace {

struct Point1 {
    double x = 0.0;
    bool operator==(const Point1&) const = default;
};

hpo::SearchSpace<Point1> point_space() { return hpo::SearchSpace<Point1>().add("x", &Point1::x, hpo::uniform(0.0, 1.0)); }

/// Forrester et al. (2008), negated (maximised): maximum 6.020740 at x = 0.757249.
double forrester_neg(double x) { return -((6 * x - 2) * (6 * x - 2) * std::sin(12 * x - 4)); }

/// An earlier study of g on a regular grid of n points in [0, 1].
template <class F>
hpo::TransferStudy grid_study(std::string name, Index n, F g) {
    hpo::TransferStudy s;
    s.name = std::move(name);
    s.configs.resize(n, 1);
    s.scores.resize(n);
    for (Index i = 0; i < n; ++i) {
        const double x = static_cast<double>(i) / static_cast<double>(n - 1);
        s.configs(i, 0) = x;
        s.scores[i] = g(x);
    }
    return s;
}

/// Trials until the best score is within tol of target (0: never within n trials).
template <class F>
int trials_to_reach(hpo::Tuner<Point1>& tuner, int n, F f, double target, double tol) {
    for (int k = 1; k <= n; ++k) {
        const auto t = tuner.ask();
        tuner.tell(t.id, f(t.params.x));
        if (target - *tuner.best()->score <= tol) return k;
    }
    return 0;
}

}  // namespace

TEST_CASE("ranking_loss counts discordant pairs", "[hpo][transfer]") {
    const auto loss = [](std::vector<double> f, std::vector<double> y) {
        const Vector fv = Eigen::Map<Vector>(f.data(), static_cast<Index>(f.size()));
        const Vector yv = Eigen::Map<Vector>(y.data(), static_cast<Index>(y.size()));
        std::vector<Index> order(f.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<Index>(i);
        std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return yv[a] < yv[b]; });
        return hpo::ranking_loss(fv, yv, order);
    };
    // by hand: the reversed order has all 3 pairs discordant, the same order none
    CHECK(loss({3, 2, 1}, {1, 2, 3}) == 3);
    CHECK(loss({1, 2, 3}, {1, 2, 3}) == 0);
    CHECK(loss({1, 3, 2}, {1, 2, 3}) == 1);
    // pairs with equal y are not counted, whatever f says; (0, 2): y 1 < 2 but f 5 > 3
    CHECK(loss({2, 1, 3}, {1, 1, 2}) == 0);
    CHECK(loss({5, 1, 3}, {1, 1, 2}) == 1);
    // equal f values are not discordant
    CHECK(loss({1, 1, 1}, {1, 2, 3}) == 0);

    // against the O(n²) definition on random values with many ties in y
    Rng rng(3);
    for (int rep = 0; rep < 20; ++rep) {
        const std::size_t n = 1 + static_cast<std::size_t>(rng.uniform_index(40));
        std::vector<double> f(n), y(n);
        for (std::size_t i = 0; i < n; ++i) {
            f[i] = std::round(rng.uniform(0, 20));
            y[i] = std::round(rng.uniform(0, 5));
        }
        std::int64_t brute = 0;
        for (std::size_t j = 0; j < n; ++j)
            for (std::size_t k = 0; k < n; ++k) brute += (y[j] < y[k] && f[j] > f[k]) ? 1 : 0;
        CHECK(loss(f, y) == brute);
    }
}

TEST_CASE("GP leave-one-out predictions equal a refit without the row", "[hpo][transfer][gp]") {
    // R&W eqs. 5.10-5.12: the closed form with the full fit's hyperparameters equals the
    // posterior of the GP fitted (same hyperparameters) on the other rows, noise included.
    Rng rng(11);
    const Index n = 9, d = 2;
    Matrix X(n, d);
    Vector y(n);
    for (Index i = 0; i < n; ++i) {
        X(i, 0) = rng.uniform();
        X(i, 1) = rng.uniform();
        y[i] = std::sin(4 * X(i, 0)) + X(i, 1) + 0.05 * rng.normal();
    }
    hpo::GaussianProcess gp;
    Vector ls(2);
    ls << 0.4, 0.7;
    gp.set_hyperparameters(ls, 1.3, 0.02);
    gp.fit(X, y, /*optimize=*/false);
    Vector mean, sd;
    gp.loo_predict(mean, sd);
    for (Index i = 0; i < n; ++i) {
        Matrix Xo(n - 1, d);
        Vector yo(n - 1);
        for (Index j = 0, k = 0; j < n; ++j)
            if (j != i) {
                Xo.row(k) = X.row(j);
                yo[k++] = y[j];
            }
        hpo::GaussianProcess other;
        other.set_hyperparameters(ls, 1.3, 0.02);
        other.fit(Xo, yo, false);
        Vector m, s;
        other.predict(X.row(i), m, s);
        CHECK(mean[i] == Approx(m[0]).epsilon(1e-9));
        CHECK(sd[i] == Approx(std::sqrt(s[0] * s[0] + 0.02)).epsilon(1e-9));  // latent sd plus the noise
    }
    hpo::GaussianProcess unfitted;
    CHECK_THROWS_AS(unfitted.loo_predict(mean, sd), NotFitted);
}

TEST_CASE("RGPE weights the earlier study that ranks the new task's observations right", "[hpo][transfer]") {
    // Earlier studies: Forrester scaled and shifted (same ranking as the new task), and its
    // negation (the reverse ranking). New task: Forrester at 6 points.
    const auto same = grid_study("same", 30, [](double x) { return 3 * forrester_neg(x) + 10; });
    const auto reversed = grid_study("reversed", 30, [](double x) { return -forrester_neg(x); });
    const auto models = hpo::fit_transfer_models({same, reversed}, {}, 2, 1);
    REQUIRE(models.size() == 2);
    CHECK(models[0]->name == "same");

    hpo::RgpeSurrogate rgpe(models);
    Matrix Z(6, 1);
    Z << 0.05, 0.2, 0.4, 0.6, 0.75, 0.95;
    Vector y(6);
    for (Index i = 0; i < 6; ++i) y[i] = forrester_neg(Z(i, 0));
    const Vector ys = ((y.array() - y.mean()) / std::sqrt((y.array() - y.mean()).square().mean())).matrix();
    rgpe.fit(Z, ys, true, 5);
    const Vector& w = rgpe.weights();
    REQUIRE(w.size() == 3);
    CHECK(w.sum() == Approx(1.0));
    // the reversed study ranks every pair wrong: its median loss (15 of 15 pairs) is far above
    // the new task's 95th percentile, so it is discarded (weight dilution)
    CHECK(w[1] == 0.0);
    // the right study ranks every pair right in every sample (loss 0); the new task's
    // leave-one-out model never reaches loss 0 here. Observed: w = (1, 0, 0).
    CHECK(w[0] > 0.7);
    CHECK(w[0] > w[2]);

    // predictions are finite, spreads non-negative
    Matrix C(3, 1);
    C << 0.1, 0.5, 0.8;
    Vector m, s;
    rgpe.predict(C, m, s);
    CHECK(m.allFinite());
    CHECK((s.array() >= 0).all());
    // with one observation every loss is 0: uniform weights
    rgpe.fit(Z.topRows(1), Vector::Zero(1), true, 5);
    CHECK(rgpe.weights().isApprox(Vector::Constant(3, 1.0 / 3.0)));
    // without earlier models it is the new task's GP
    hpo::RgpeSurrogate alone({});
    alone.fit(Z, ys, true, 5);
    CHECK(alone.weights().size() == 1);
    CHECK(alone.weights()[0] == 1.0);
}

TEST_CASE("RGPE transfer finds Forrester's maximum sooner than cold BO", "[hpo][transfer]") {
    // Two earlier studies with the new task's optimum (scaled, shifted, a little noise-free
    // distortion) and one unrelated study. Observed with seed 1: transfer reaches within 1e-3
    // of the maximum at trial 5; cold BO (the same tuner, default GP) at trial 14.
    const auto a = grid_study("a", 25, [](double x) { return 2 * forrester_neg(x) + 1; });
    const auto b = grid_study("b", 25, [](double x) { return forrester_neg(x) + 0.5 * x; });
    const auto c = grid_study("c", 25, [](double x) { return std::cos(9 * x); });
    hpo::Tuner<Point1> warm(point_space(), {.seed = 1, .n_initial = 1, .surrogate = hpo::rgpe_surrogate(hpo::fit_transfer_models({a, b, c}))});
    const int warm_hit = trials_to_reach(warm, 20, forrester_neg, 6.020740055766075, 1e-3);
    hpo::Tuner<Point1> cold(point_space(), {.seed = 1});
    const int cold_hit = trials_to_reach(cold, 20, forrester_neg, 6.020740055766075, 1e-3);
    CHECK(warm_hit > 0);
    CHECK(warm_hit <= 6);
    CHECK(cold_hit > warm_hit);
}

TEST_CASE("Transfer: bad input is refused with a specific exception", "[hpo][transfer][errors]") {
    CHECK_THROWS_AS(hpo::fit_transfer_models({}), DataError);
    auto a = grid_study("a", 5, [](double x) { return x; });
    hpo::TransferStudy wide{"wide", Matrix::Zero(4, 2), Vector::Zero(4)};
    CHECK_THROWS_WITH(hpo::fit_transfer_models({a, wide}), Catch::Contains("study 1 ('wide')"));
    auto nan = a;
    nan.scores[2] = std::nan("");
    CHECK_THROWS_AS(hpo::fit_transfer_models({nan}), DataError);
    hpo::TransferStudy empty{"empty", Matrix(0, 1), Vector(0)};
    CHECK_THROWS_AS(hpo::fit_transfer_models({empty}), DataError);
    hpo::TransferStudy mismatch{"m", Matrix::Zero(3, 1), Vector::Zero(2)};
    CHECK_THROWS_AS(hpo::fit_transfer_models({mismatch}), DataError);

    hpo::TransferStudy raw{"raw", Matrix::Constant(3, 1, 10.0), Vector::LinSpaced(3, 0, 1)};  // not encoded
    CHECK_THROWS_WITH(hpo::fit_transfer_models({raw}), Catch::Contains("study 0 ('raw'), configuration 0, column 0"));

    // scores near the limits of double: standardised without overflow or underflow (the GPs are
    // not flat: the best configuration is predicted above the worst)
    for (const double scale : {1e300, 1e-300}) {
        hpo::TransferStudy big{"big", Matrix(4, 1), Vector(4)};
        big.configs << 0.0, 0.3, 0.6, 1.0;
        big.scores << scale, -scale, 0.5 * scale, 0.0;
        const auto fitted = hpo::fit_transfer_models({big});
        Vector mean, sd;
        fitted[0]->gp.predict(big.configs, mean, sd);
        CHECK(mean.allFinite());
        CHECK(mean[0] > mean[1] + 0.5);
    }

    CHECK_THROWS_AS(hpo::RgpeSurrogate({nullptr}), ConfigError);
    const auto models = hpo::fit_transfer_models({a});
    CHECK_THROWS_AS(hpo::rgpe_surrogate(models, {.n_samples = 0}), ConfigError);
    hpo::RgpeSurrogate rgpe(models);
    Vector m, s;
    CHECK_THROWS_AS(rgpe.predict(Matrix::Zero(1, 1), m, s), NotFitted);
    CHECK_THROWS_WITH(rgpe.fit(Matrix::Zero(3, 2), Vector::Zero(3), true, 0), Catch::Contains("encoded columns"));
}

TEST_CASE("read_transfer_study reads the complete trials of a tuner journal", "[hpo][transfer][journal]") {
    test::TempFolder dir("transfer_read");
    const auto path = dir.path() / "study.jsonl";
    std::vector<std::pair<double, double>> told;
    {
        hpo::Tuner<Point1> tuner(point_space(), path, {.seed = 4});
        for (int k = 0; k < 6; ++k) {
            const auto t = tuner.ask();
            if (k == 2) tuner.tell_failed(t.id, "diverged");
            else if (k == 4) tuner.tell_pruned(t.id, 0.5);
            else if (k == 5) continue;  // left pending
            else {
                tuner.tell(t.id, forrester_neg(t.params.x));
                told.emplace_back(t.params.x, forrester_neg(t.params.x));
            }
        }
    }
    const auto s = hpo::read_transfer_study(path, point_space());
    CHECK(s.name == "study.jsonl");
    REQUIRE(s.scores.size() == 3);
    for (Index i = 0; i < 3; ++i) {
        CHECK(s.configs(i, 0) == told[static_cast<std::size_t>(i)].first);
        CHECK(s.scores[i] == told[static_cast<std::size_t>(i)].second);
    }
    CHECK_THROWS_AS(hpo::read_transfer_study(dir.path() / "missing.jsonl", point_space()), IoError);
    const auto other = hpo::SearchSpace<Point1>().add("x", &Point1::x, hpo::uniform(5.0, 6.0));
    CHECK_THROWS_AS(hpo::read_transfer_study(path, other), ParseError);
    CHECK_THROWS_AS(hpo::read_transfer_study(dir.path(), point_space()), IoError);  // a directory
    struct Point2 {
        double x = 0.0, y = 0.25;
    };
    const auto wider = hpo::SearchSpace<Point2>().add("x", &Point2::x, hpo::uniform(0.0, 1.0)).add("y", &Point2::y, hpo::uniform(0.0, 1.0));
    CHECK_THROWS_WITH(hpo::read_transfer_study(path, wider), Catch::Contains("lack 'y'"));
}

TEST_CASE("set_candidates restricts the search to a lookup table", "[hpo][tuner][candidates]") {
    std::vector<Point1> grid;
    for (int i = 0; i < 21; ++i) grid.push_back({std::pow(i / 20.0, 1.7)});  // values that do not round-trip exactly through a log encoding
    SECTION("random search draws every candidate once, then reports exhaustion") {
        hpo::Tuner<Point1> tuner(point_space(), {.method = hpo::SearchMethod::random, .seed = 2});
        tuner.set_candidates(grid);
        CHECK(tuner.n_candidates() == 21);
        std::set<double> seen;
        for (int k = 0; k < 21; ++k) {
            const auto t = tuner.ask();
            CHECK(std::find(grid.begin(), grid.end(), t.params) != grid.end());
            seen.insert(t.params.x);
            tuner.tell(t.id, forrester_neg(t.params.x));
        }
        CHECK(seen.size() == 21);
        CHECK_THROWS_AS(tuner.ask(), hpo::SearchSpaceExhausted);
    }
    SECTION("Bayesian optimisation asks only candidates and finds the best one") {
        // best candidate: the one with the largest Forrester value; observed with seed 2: at trial 8
        double best = -1e9;
        for (const auto& g : grid) best = std::max(best, forrester_neg(g.x));
        hpo::Tuner<Point1> tuner(point_space(), {.seed = 2});
        tuner.set_candidates(grid);
        int hit = 0;
        for (int k = 1; k <= 21 && hit == 0; ++k) {
            const auto t = tuner.ask();
            CHECK(std::find(grid.begin(), grid.end(), t.params) != grid.end());
            tuner.tell(t.id, forrester_neg(t.params.x));
            if (*tuner.best()->score == best) hit = k;
        }
        CHECK(hit > 0);
        CHECK(hit <= 12);
    }
    SECTION("candidates closer than min_distance to an earlier one are dropped; exhaustion names the candidates") {
        hpo::Tuner<Point1> tuner(point_space(), {.method = hpo::SearchMethod::random});
        CHECK(tuner.set_candidates({{0.3}, {0.3}, {0.3 + 1e-7}, {0.6}}) == 2);
        CHECK(tuner.n_candidates() == 2);
        for (int k = 0; k < 2; ++k) tuner.tell(tuner.ask().id, 1.0);
        CHECK_THROWS_WITH(tuner.ask(), Catch::Contains("all 2 candidates"));
    }
    SECTION("a candidate outside the space is refused, naming its position") {
        hpo::Tuner<Point1> tuner(point_space());
        CHECK_THROWS_WITH(tuner.set_candidates({{0.5}, {2.0}}), Catch::Contains("candidate 1"));
        CHECK(tuner.n_candidates() == 0);
    }
}
