// Weight fitting on prediction libraries: losses, simplex projection, NNLS, the closed-form
// rules, loss-optimal simplex weights and ensemble selection. Expected values are hand-computed,
// closed forms derived in the comments, or brute force in the test.

#include "support/test_support.hpp"

#include <metalearn/ensemble/detail/nnls.hpp>
#include <metalearn/ensemble/detail/simplex.hpp>
#include <metalearn/ensemble/ensemble_selection.hpp>
#include <metalearn/ensemble/loss.hpp>
#include <metalearn/ensemble/method.hpp>
#include <metalearn/ensemble/weights.hpp>

#include <cmath>
#include <limits>
#include <vector>

using namespace metalearn;
using namespace metalearn::ensemble;
using metalearn::test::approx_matrix;

namespace {

// n×K random probability rows from a seeded generator (Dirichlet(1) via normalised exponentials),
// tilted towards the true class by `skill` so members differ in quality.
Matrix random_probabilities(const Vector& y, Index k, double skill, std::uint64_t seed) {
    Rng rng(seed);
    Matrix p(y.size(), k);
    for (Index i = 0; i < y.size(); ++i) {
        for (Index c = 0; c < k; ++c) p(i, c) = -std::log(1.0 - rng.uniform());
        p(i, static_cast<Index>(y[i])) += skill;
        p.row(i) /= p.row(i).sum();
    }
    return p;
}

Vector random_labels(Index n, Index k, std::uint64_t seed) {
    Rng rng(seed);
    Vector y(n);
    for (Index i = 0; i < n; ++i) y[i] = static_cast<double>(rng.uniform_index(static_cast<std::uint64_t>(k)));
    return y;
}

void require_on_simplex(const Vector& w) {
    REQUIRE((w.array() >= 0.0).all());
    REQUIRE(w.sum() == Approx(1.0).margin(1e-12));
}

}  // namespace

TEST_CASE("losses match hand-computed values", "[ensemble][loss]") {
    // Two samples, three classes: y = (0, 2).
    Matrix p(2, 3);
    p << 0.5, 0.3, 0.2,  //
        0.4, 0.4, 0.2;
    Vector y(2);
    y << 0, 2;
    // log-loss = −(log 0.5 + log 0.2)/2.
    REQUIRE(evaluate_loss(p, y, Loss::log_loss) == Approx(-(std::log(0.5) + std::log(0.2)) / 2));
    // Brier = ((0.5² + 0.3² + 0.2²) + (0.4² + 0.4² + 0.8²)) / 2 = (0.38 + 0.96) / 2.
    REQUIRE(evaluate_loss(p, y, Loss::brier) == Approx(0.67));
    // argmax: row 0 → 0 (right), row 1 → tie 0/1 → 0 (wrong).
    REQUIRE(evaluate_loss(p, y, Loss::error_rate) == Approx(0.5));
    // Recall of class 0 is 1, of class 2 is 0; class 1 absent → balanced error 1 − 0.5.
    REQUIRE(evaluate_loss(p, y, Loss::balanced_error_rate) == Approx(0.5));
    REQUIRE(evaluate_loss(p, y) == Approx(evaluate_loss(p, y, Loss::log_loss)));

    Matrix r(3, 1);
    r << 1.0, 2.0, 4.0;
    Vector t(3);
    t << 1.5, 2.0, 3.0;
    REQUIRE(evaluate_loss(r, t, Loss::squared_error) == Approx((0.25 + 0.0 + 1.0) / 3));
    REQUIRE(evaluate_loss(r, t, Loss::absolute_error) == Approx((0.5 + 0.0 + 1.0) / 3));
    REQUIRE(evaluate_loss(r, t) == Approx((0.25 + 0.0 + 1.0) / 3));
}

TEST_CASE("the simplex projection matches hand-computed cases and its optimality conditions", "[ensemble][simplex]") {
    using detail::project_to_simplex;
    Vector v(3);
    v << 0.8, 0.6, -1.0;  // θ = (0.8 + 0.6 − 1)/2 = 0.2 → (0.6, 0.4, 0)
    REQUIRE_THAT(project_to_simplex(v), approx_matrix(Vector((Vector(3) << 0.6, 0.4, 0.0).finished()), 1e-12, 1e-15));
    v << 1.0, 1.0, 1.0;  // θ = 2/3 → uniform
    REQUIRE_THAT(project_to_simplex(v), approx_matrix(Vector::Constant(3, 1.0 / 3), 1e-12));
    v << 0.2, 0.3, 0.5;  // already on the simplex
    REQUIRE_THAT(project_to_simplex(v), approx_matrix(v, 1e-12));

    // Random vectors: w = max(v − θ, 0) with one θ, i.e. v − w equals θ on the support and
    // v ≤ θ off it (the KKT conditions of the projection).
    Rng rng(7);
    for (int trial = 0; trial < 50; ++trial) {
        Vector x(6);
        for (Index j = 0; j < 6; ++j) x[j] = rng.normal(0.0, 2.0);
        const Vector w = project_to_simplex(x);
        require_on_simplex(w);
        double theta = std::numeric_limits<double>::quiet_NaN();
        for (Index j = 0; j < 6; ++j)
            if (w[j] > 0) theta = x[j] - w[j];
        for (Index j = 0; j < 6; ++j) {
            if (w[j] > 0) REQUIRE(x[j] - w[j] == Approx(theta).margin(1e-12));
            else REQUIRE(x[j] <= theta + 1e-12);
        }
    }
}

TEST_CASE("NNLS agrees with brute force over all active sets", "[ensemble][nnls]") {
    // Brute force: for every subset S of columns, solve unconstrained least squares on S; keep
    // the feasible (all ≥ 0) solution with the smallest residual.
    Rng rng(11);
    for (int trial = 0; trial < 20; ++trial) {
        Matrix A(15, 4);
        Vector b(15);
        for (Index i = 0; i < A.size(); ++i) A.data()[i] = rng.normal();
        for (Index i = 0; i < b.size(); ++i) b[i] = rng.normal();
        double best = b.norm();
        for (int mask = 1; mask < 16; ++mask) {
            std::vector<Index> cols;
            for (Index j = 0; j < 4; ++j)
                if (mask & (1 << j)) cols.push_back(j);
            Matrix As(15, static_cast<Index>(cols.size()));
            for (std::size_t c = 0; c < cols.size(); ++c) As.col(static_cast<Index>(c)) = A.col(cols[c]);
            const Vector z = As.colPivHouseholderQr().solve(b);
            if ((z.array() >= 0).all()) best = std::min(best, (As * z - b).norm());
        }
        const auto r = detail::nnls(A, b);
        REQUIRE(r.converged);
        REQUIRE((r.x.array() >= 0).all());
        REQUIRE(r.residual == Approx(best).epsilon(1e-9));
    }
}

TEST_CASE("averaging identical models returns the model", "[ensemble][weights]") {
    const Vector y = random_labels(40, 3, 1);
    const Matrix p = random_probabilities(y, 3, 1.0, 2);
    const std::vector<Matrix> library{p, p, p};
    for (EnsembleMethod method : all_methods) {
        INFO(method_name(method));
        const WeightFit fit = fit_weights(library, y, method);
        require_on_simplex(fit.weights);
        REQUIRE_THAT(combine(library, fit.weights), approx_matrix(p, 1e-9));
        REQUIRE(fit.loss == Approx(evaluate_loss(p, y)).epsilon(1e-9));
    }
    // The symmetric problem keeps symmetric weights where the rule is symmetric.
    REQUIRE_THAT(simplex_weights(library, y).weights, approx_matrix(Vector::Constant(3, 1.0 / 3), 1e-9));
    REQUIRE_THAT(uniform_fit(library, y).weights, approx_matrix(Vector::Constant(3, 1.0 / 3), 1e-15));
}

TEST_CASE("a perfect model takes all the weight", "[ensemble][weights]") {
    const Vector y = random_labels(60, 3, 3);
    Matrix perfect = Matrix::Zero(60, 3);
    for (Index i = 0; i < 60; ++i) perfect(i, static_cast<Index>(y[i])) = 1.0;
    const std::vector<Matrix> library{random_probabilities(y, 3, 0.5, 4), perfect, random_probabilities(y, 3, 2.0, 5)};
    Vector expected = Vector::Zero(3);
    expected[1] = 1.0;
    for (EnsembleMethod method : all_methods) {
        if (method == EnsembleMethod::uniform || method == EnsembleMethod::bagged_ensemble_selection) continue;
        INFO(method_name(method));
        const WeightFit fit = fit_weights(library, y, method);
        require_on_simplex(fit.weights);
        // softmax: the others are exp(−ΔL/T) with ΔL ≥ 0.3 and T = 0.01, i.e. < 1e-13.
        REQUIRE_THAT(fit.weights, approx_matrix(expected, 0.0, 1e-6));
    }
    // Uniform averaging ignores quality; bagged selection uses the perfect model only in the bags
    // that contain it, but its weight still dominates there.
    const WeightFit bagged = fit_weights(library, y, EnsembleMethod::bagged_ensemble_selection,
                                         {.selection = {.n_bags = 20, .bag_fraction = 0.67, .seed = 3}});
    require_on_simplex(bagged.weights);
    REQUIRE(bagged.weights[1] > bagged.weights[0]);
    REQUIRE(bagged.weights[1] > bagged.weights[2]);
}

TEST_CASE("optimal weights of two unbiased regressors with independent errors match the closed form",
          "[ensemble][weights][simplex]") {
    // f_j = y + e_j with E[e_j] = 0, Var e_j = σ_j², e_1 ⟂ e_2. With w_1 + w_2 = 1 the ensemble
    // error is w e_1 + (1 − w) e_2, so the expected squared error is
    //   L(w) = w² σ1² + (1 − w)² σ2²,  L'(w) = 2wσ1² − 2(1 − w)σ2² = 0  ⇒  w1 = σ2² / (σ1² + σ2²).
    // On a finite sample the same derivation with the empirical moments S_ab = mean(e_a e_b)
    // (which include the sample correlation) gives exactly
    //   w1 = (S22 − S12) / (S11 + S22 − 2 S12),
    // the value the solver must reach (tolerance 1e-7); the population value is reached within
    // sampling noise (n = 20000: standard error of w1 below 0.005; tolerance 0.02).
    const double s1 = 1.0;
    const double s2 = 2.0;
    const Index n = 20000;
    Rng rng(2024);
    Vector y(n), e1(n), e2(n);
    for (Index i = 0; i < n; ++i) {
        y[i] = rng.normal(5.0, 3.0);
        e1[i] = rng.normal(0.0, s1);
        e2[i] = rng.normal(0.0, s2);
    }
    const std::vector<Matrix> library{Matrix(y + e1), Matrix(y + e2)};
    const double S11 = e1.squaredNorm() / n;
    const double S22 = e2.squaredNorm() / n;
    const double S12 = e1.dot(e2) / n;
    const double w1_sample = (S22 - S12) / (S11 + S22 - 2 * S12);
    const double w1_population = s2 * s2 / (s1 * s1 + s2 * s2);  // 0.8

    const WeightFit fit = simplex_weights(library, y, Loss::squared_error);
    REQUIRE(fit.converged);
    require_on_simplex(fit.weights);
    REQUIRE(fit.weights[0] == Approx(w1_sample).margin(1e-7));
    REQUIRE(fit.weights[0] == Approx(w1_population).margin(0.02));
    // The minimum loss is L(w1) = σ1²σ2²/(σ1² + σ2²) = 0.8 in the population.
    REQUIRE(fit.loss == Approx(s1 * s1 * s2 * s2 / (s1 * s1 + s2 * s2)).epsilon(0.03));

    // Inverse-loss weights with power 1 are the same rule (1/σ1² : 1/σ2²) up to sampling noise.
    const WeightFit inv = inverse_loss_weights(library, y, Loss::squared_error);
    REQUIRE(inv.weights[0] == Approx(S22 / (S11 + S22)).epsilon(1e-12));
    REQUIRE(inv.weights[0] == Approx(w1_population).margin(0.02));

    // NNLS without the sum constraint, renormalised, lands near it too (y has a large mean, so
    // the unconstrained optimum nearly sums to 1).
    const WeightFit nn = nnls_weights(library, y, Loss::squared_error);
    REQUIRE(nn.weights[0] == Approx(w1_population).margin(0.03));

    // Ensemble selection with 50 steps reaches the closest multiple of 1/50 greedily.
    const WeightFit es = fit_weights(library, y, EnsembleMethod::ensemble_selection);
    REQUIRE(es.weights[0] == Approx(w1_sample).margin(0.05));
}

TEST_CASE("simplex weights for log-loss satisfy the optimality conditions", "[ensemble][weights][simplex]") {
    // KKT for min f(w) on the simplex: ∂f/∂w_m = λ on the support, ≥ λ off it. Checked with the
    // gradient of the log-loss computed directly from the library.
    const Vector y = random_labels(300, 4, 21);
    std::vector<Matrix> library;
    for (int m = 0; m < 5; ++m) library.push_back(random_probabilities(y, 4, 0.3 + 0.4 * m, 100 + m));
    const WeightFit fit = simplex_weights(library, y, Loss::log_loss);
    REQUIRE(fit.converged);
    require_on_simplex(fit.weights);
    const Matrix ens = combine(library, fit.weights);
    Vector grad(5);
    for (Index m = 0; m < 5; ++m) {
        double g = 0.0;
        for (Index i = 0; i < y.size(); ++i) {
            const auto c = static_cast<Index>(y[i]);
            g -= library[static_cast<std::size_t>(m)](i, c) / ens(i, c);
        }
        grad[m] = g / static_cast<double>(y.size());
    }
    double lambda = std::numeric_limits<double>::infinity();
    for (Index m = 0; m < 5; ++m)
        if (fit.weights[m] > 1e-6) lambda = std::min(lambda, grad[m]);
    for (Index m = 0; m < 5; ++m) {
        if (fit.weights[m] > 1e-6) REQUIRE(grad[m] == Approx(lambda).margin(1e-5));
        else REQUIRE(grad[m] >= lambda - 1e-5);
    }
    // No other method beats the optimum on the loss it minimises.
    for (EnsembleMethod method : all_methods) {
        INFO(method_name(method));
        REQUIRE(fit_weights(library, y, method).loss >= fit.loss - 1e-9);
    }
}

TEST_CASE("simplex weights converge on a large library of strong members", "[ensemble][weights][simplex]") {
    // Many members that give the true class probabilities close to 1: the optimum is degenerate
    // and the loss is flat near it, where rounding used to stall the solver at its iteration
    // cap. The duality gap g·w − min g bounds L(w) − L*, so it must be tiny at the solution.
    const Vector y = random_labels(1000, 3, 3);
    std::vector<Matrix> library;
    for (int m = 0; m < 32; ++m) library.push_back(random_probabilities(y, 3, 0.1 * m, 300 + m));
    const WeightFit fit = simplex_weights(library, y, Loss::log_loss);
    REQUIRE(fit.converged);
    REQUIRE(fit.iterations < 1000);
    require_on_simplex(fit.weights);
    const Matrix ens = combine(library, fit.weights);
    Vector grad(32);
    for (Index m = 0; m < 32; ++m) {
        double g = 0.0;
        for (Index i = 0; i < y.size(); ++i) {
            const auto c = static_cast<Index>(y[i]);
            g -= library[static_cast<std::size_t>(m)](i, c) / ens(i, c);
        }
        grad[m] = g / static_cast<double>(y.size());
    }
    REQUIRE(grad.dot(fit.weights) - grad.minCoeff() < 1e-8);
}

TEST_CASE("ensemble selection follows the greedy path computed by hand", "[ensemble][selection]") {
    // y = (0, 0); A = (1, −1), B = (−1, 1), C = (0.9, 0.9); squared error.
    // Step 1: losses A 1, B 1, C 0.81 → C.
    // Step 2: (C+A)/2 = (0.95, −0.05) → 0.4525; (C+B)/2 → 0.4525; C again → 0.81 → A (tie, lowest index).
    // Step 3: +A → 0.534, +B → (0.3, 0.3) → 0.09, +C → 0.471 → B.
    // Step 4: +A → (0.475, −0.025) → 0.11313, +B → 0.11313, +C → (0.45, 0.45) → 0.2025 → A.
    Vector y = Vector::Zero(2);
    Matrix a(2, 1), b(2, 1), c(2, 1);
    a << 1, -1;
    b << -1, 1;
    c << 0.9, 0.9;
    const std::vector<Matrix> library{a, b, c};

    EnsembleSelection three({.ensemble_size = 3});
    const WeightFit f3 = three.fit(library, y);
    REQUIRE_THAT(f3.weights, approx_matrix(Vector::Constant(3, 1.0 / 3), 1e-12));
    REQUIRE(three.trajectory().size() == 3);
    REQUIRE(three.trajectory()[0] == Approx(0.81));
    REQUIRE(three.trajectory()[1] == Approx(0.4525));
    REQUIRE(three.trajectory()[2] == Approx(0.09));
    REQUIRE(f3.loss == Approx(0.09));

    EnsembleSelection four({.ensemble_size = 4});
    REQUIRE_THAT(four.fit(library, y).weights, approx_matrix(Vector((Vector(3) << 0.5, 0.25, 0.25).finished()), 1e-12));
    REQUIRE(four.trajectory()[3] == Approx((0.475 * 0.475 + 0.025 * 0.025) / 2));

    // Keeping the best prefix stops at step 3 (loss 0.09 < 0.11313).
    EnsembleSelection prefix({.ensemble_size = 4, .best_prefix = true});
    REQUIRE_THAT(prefix.fit(library, y).weights, approx_matrix(Vector::Constant(3, 1.0 / 3), 1e-12));

    // Without replacement the path is C, A, B and then stops.
    EnsembleSelection unique({.ensemble_size = 10, .with_replacement = false});
    REQUIRE_THAT(unique.fit(library, y).weights, approx_matrix(Vector::Constant(3, 1.0 / 3), 1e-12));

    // Sorted initialisation with the 2 best (C, then A by index among the tied A/B).
    EnsembleSelection init({.ensemble_size = 2, .n_init = 2});
    REQUIRE_THAT(init.fit(library, y).weights, approx_matrix(Vector((Vector(3) << 0.5, 0.0, 0.5).finished()), 1e-12));
}

TEST_CASE("ensemble selection returns the best model alone when mixing cannot help", "[ensemble][selection]") {
    // f_j = y + j·e (j = 1, 2, 3): any convex mix has error (Σ_j j w_j)·e with Σ_j j w_j ≥ 1, so
    // the first model alone is optimal, and each greedy step re-adds it.
    const Index n = 50;
    Rng rng(5);
    Vector y(n), e(n);
    for (Index i = 0; i < n; ++i) {
        y[i] = rng.normal();
        e[i] = rng.normal();
    }
    const std::vector<Matrix> library{Matrix(y + 3 * e), Matrix(y + e), Matrix(y + 2 * e)};
    Vector expected = Vector::Zero(3);
    expected[1] = 1.0;
    for (Loss loss : {Loss::squared_error, Loss::absolute_error}) {
        EnsembleSelection es({.ensemble_size = 20, .loss = loss});
        REQUIRE_THAT(es.fit(library, y).weights, approx_matrix(expected, 0.0, 0.0));
    }
    REQUIRE_THAT(simplex_weights(library, y).weights, approx_matrix(expected, 0.0, 1e-8));
    REQUIRE_THAT(nnls_weights(library, y).weights, approx_matrix(expected, 0.0, 1e-8));
}

TEST_CASE("every method returns weights on the simplex", "[ensemble][weights]") {
    const Vector y = random_labels(120, 3, 8);
    std::vector<Matrix> library;
    for (int m = 0; m < 6; ++m) library.push_back(random_probabilities(y, 3, 0.2 * m, 50 + m));
    for (Loss loss : {Loss::log_loss, Loss::brier, Loss::error_rate, Loss::balanced_error_rate}) {
        for (EnsembleMethod method : all_methods) {
            INFO(method_name(method) << " / " << loss_name(loss));
            const WeightFit fit = fit_weights(library, y, method, {.loss = loss});
            REQUIRE(fit.weights.size() == 6);
            require_on_simplex(fit.weights);
            const Matrix ens = combine(library, fit.weights);
            REQUIRE_THAT(Vector(ens.rowwise().sum()), approx_matrix(Vector::Ones(120), 1e-12));
        }
    }
}

TEST_CASE("bagged ensemble selection is deterministic for a seed", "[ensemble][selection]") {
    const Vector y = random_labels(100, 2, 9);
    std::vector<Matrix> library;
    for (int m = 0; m < 10; ++m) library.push_back(random_probabilities(y, 2, 0.1 * m + 0.2, 200 + m));
    const EnsembleSelectionParams p{.ensemble_size = 10, .n_bags = 8, .bag_fraction = 0.4, .seed = 77};
    EnsembleSelection a(p), b(p);
    const Vector wa = a.fit(library, y).weights;
    const Vector wb = b.fit(library, y).weights;
    REQUIRE(wa == wb);
    require_on_simplex(wa);
    // Each of the 8 bags contributes 10 picks of 1/80.
    REQUIRE_THAT(Vector((wa * 80).array().round()), approx_matrix(Vector(wa * 80), 0.0, 1e-9));
    EnsembleSelectionParams q = p;
    q.seed = 78;
    EnsembleSelection c(q);
    REQUIRE(c.fit(library, y).weights != wa);
}

TEST_CASE("weight fitting rejects bad libraries and options", "[ensemble][weights][errors]") {
    const Vector y = random_labels(10, 2, 1);
    const Matrix p = random_probabilities(y, 2, 1.0, 2);
    const std::vector<Matrix> empty;
    REQUIRE_THROWS_AS(simplex_weights(empty, y), DataError);
    REQUIRE_THROWS_WITH(uniform_fit(empty, y), Catch::Contains("empty library"));
    REQUIRE_THROWS_AS(EnsembleSelection().fit(empty, y), DataError);
    REQUIRE_THROWS_AS(combine(empty, Vector()), DataError);

    // Shape mismatches: a member with fewer rows, with another width, targets of another length.
    REQUIRE_THROWS_WITH(fit_weights({p, Matrix(p.topRows(9))}, y, EnsembleMethod::uniform),
                        Catch::Contains("model 1 predicts a 9x2 matrix"));
    REQUIRE_THROWS_AS(fit_weights({p, Matrix::Constant(10, 3, 1.0 / 3)}, y, EnsembleMethod::simplex), DataError);
    REQUIRE_THROWS_AS(softmax_weights({p}, Vector(y.head(5))), DataError);
    REQUIRE_THROWS_AS(combine({p, p}, Vector::Ones(3)), DataError);

    // NaN predictions and invalid class codes.
    Matrix bad = p;
    bad(3, 1) = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_WITH(nnls_weights({p, bad}, y), Catch::Contains("non-finite prediction"));
    Vector ybad = y;
    ybad[0] = 2;
    REQUIRE_THROWS_WITH(fit_weights({p}, ybad, EnsembleMethod::ensemble_selection),
                        Catch::Contains("expected a class code in [0, 2)"));
    ybad[0] = 0.5;
    REQUIRE_THROWS_AS(evaluate_loss(p, ybad), DataError);

    // Options.
    REQUIRE_THROWS_AS(simplex_weights({p}, y, Loss::error_rate), ConfigError);
    REQUIRE_THROWS_AS(evaluate_loss(p, y, Loss::squared_error), ConfigError);
    REQUIRE_THROWS_AS(evaluate_loss(Matrix(p.col(0)), y, Loss::log_loss), ConfigError);
    REQUIRE_THROWS_AS(softmax_weights({p}, y, Loss::log_loss, 0.0), ConfigError);
    REQUIRE_THROWS_AS(inverse_loss_weights({p}, y, Loss::log_loss, -1.0), ConfigError);
    REQUIRE_THROWS_AS(EnsembleSelection({.ensemble_size = 0}), ConfigError);
    REQUIRE_THROWS_AS(EnsembleSelection({.bag_fraction = 1.5}), ConfigError);
    REQUIRE_THROWS_AS(EnsembleSelection({.n_init = 3}).fit({p, p}, y), ConfigError);
    REQUIRE_THROWS_AS(EnsembleSelection().weights(), NotFitted);
}
