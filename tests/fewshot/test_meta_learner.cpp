// Tests of the few-shot layer: meta-gradients of MAML / first-order MAML / Reptile / pretrained
// baseline against finite differences and closed forms, task distributions, a short sinusoid
// meta-training that must beat no meta-training, determinism, and errors.

#include <metalearn/fewshot.hpp>

#include "support/test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <vector>

using metalearn::Index;
using metalearn::IndexVector;
using metalearn::Matrix;
using metalearn::Rng;
using metalearn::Vector;
using metalearn::fewshot::ClassificationTasks;
using metalearn::fewshot::Episode;
using metalearn::fewshot::FirstOrderMaml;
using metalearn::fewshot::Maml;
using metalearn::fewshot::MetaLearnerParams;
using metalearn::fewshot::PretrainedBaseline;
using metalearn::fewshot::Reptile;
using metalearn::fewshot::SinusoidTasks;
using metalearn::models::Activation;
using metalearn::models::Loss;
using metalearn::models::Network;

namespace {

// θ_S after S SGD steps on the support set, computed independently of the learner.
Vector inner_loop(const Network& net, Vector theta, const Episode& e, Loss loss, int steps, double alpha) {
    Network::Workspace ws;
    Vector g;
    for (int k = 0; k < steps; ++k) {
        net.loss_and_gradient(theta, e.support_X, e.support_Y, loss, ws, g);
        theta -= alpha * g;
    }
    return theta;
}

double post_adaptation_query_loss(const Network& net, const Vector& theta, const Episode& e, Loss loss, int steps,
                                  double alpha) {
    Network::Workspace ws;
    return net.loss(inner_loop(net, theta, e, loss, steps, alpha), e.query_X, e.query_Y, loss, ws);
}

Episode small_episode(Loss loss, Rng& rng) {
    Episode e;
    const Index m = loss == Loss::mse ? 1 : 3;
    e.support_X.resize(4, 2);
    e.query_X.resize(5, 2);
    for (Index i = 0; i < 4; ++i)
        for (Index j = 0; j < 2; ++j) e.support_X(i, j) = rng.normal();
    for (Index i = 0; i < 5; ++i)
        for (Index j = 0; j < 2; ++j) e.query_X(i, j) = rng.normal();
    if (loss == Loss::mse) {
        e.support_Y = (e.support_X.col(0).array().sin() + e.support_X.col(1).array()).matrix();
        e.query_Y = (e.query_X.col(0).array().sin() + e.query_X.col(1).array()).matrix();
    } else {
        e.support_Y = Matrix::Zero(4, m);
        e.query_Y = Matrix::Zero(5, m);
        for (Index i = 0; i < 4; ++i) e.support_Y(i, i % m) = 1.0;
        for (Index i = 0; i < 5; ++i) e.query_Y(i, (i + 1) % m) = 1.0;
    }
    return e;
}

}  // namespace

TEST_CASE("MAML meta-gradient matches finite differences of the post-adaptation query loss", "[fewshot][maml]") {
    // Expected: central differences (h = 1e-6) of θ ↦ L_Q(θ_S(θ)) with the inner loop recomputed
    // from scratch; exact second-order MAML must agree to ~1e-6 (FD error O(h²) + rounding).
    const auto loss = GENERATE(Loss::mse, Loss::softmax_cross_entropy);
    const int steps = GENERATE(1, 3);
    Rng rng(21);
    const Index m = loss == Loss::mse ? 1 : 3;
    const Network net({2, 4, 3, m}, Activation::tanh);
    const double alpha = 0.3;  // large, so that the second-order term matters
    Maml maml(net, {.inner_steps = steps, .inner_learning_rate = alpha, .seed = 3}, loss);
    const Episode e = small_episode(loss, rng);
    Vector grad;
    const double q = maml.task_meta_gradient(e, grad);
    const Vector theta = maml.params();
    CHECK(q == Approx(post_adaptation_query_loss(net, theta, e, loss, steps, alpha)).epsilon(1e-12));
    Vector fd(net.n_params());
    const double h = 1e-6;
    for (Index i = 0; i < fd.size(); ++i) {
        Vector tp = theta, tm = theta;
        tp[i] += h;
        tm[i] -= h;
        fd[i] = (post_adaptation_query_loss(net, tp, e, loss, steps, alpha) -
                 post_adaptation_query_loss(net, tm, e, loss, steps, alpha)) /
                (2 * h);
    }
    REQUIRE_THAT(grad, metalearn::test::approx_matrix(fd, 1e-5, 1e-8));
    // The first-order gradient differs from it here (the Hessian term is not negligible).
    FirstOrderMaml fo(net, {.inner_steps = steps, .inner_learning_rate = alpha, .seed = 3}, loss);
    Vector fo_grad;
    fo.task_meta_gradient(e, fo_grad);
    CHECK((fo_grad - fd).norm() > 1e-3 * fd.norm());
}

TEST_CASE("first-order MAML gradient is the query gradient at the adapted parameters", "[fewshot][maml]") {
    Rng rng(5);
    const Network net({2, 6, 1});
    FirstOrderMaml fo(net, {.inner_steps = 2, .inner_learning_rate = 0.1, .seed = 9});
    const Episode e = small_episode(Loss::mse, rng);
    Vector grad;
    fo.task_meta_gradient(e, grad);
    const Vector adapted = inner_loop(net, fo.params(), e, Loss::mse, 2, 0.1);
    REQUIRE_THAT(adapted, metalearn::test::approx_matrix(fo.adapt(e.support_X, e.support_Y, 2), 1e-14));
    Network::Workspace ws;
    Vector expected;
    net.loss_and_gradient(adapted, e.query_X, e.query_Y, Loss::mse, ws, expected);
    REQUIRE_THAT(grad, metalearn::test::approx_matrix(expected, 1e-13));
}

TEST_CASE("Reptile direction after one inner step is alpha times the episode gradient", "[fewshot][reptile]") {
    // Closed form: φ = θ − α∇L(θ) on support ∪ query, so θ − φ = α∇L(θ).
    Rng rng(8);
    const Network net({2, 5, 1}, Activation::tanh);
    const double alpha = 0.05;
    Reptile reptile(net, {.inner_steps = 1, .inner_learning_rate = alpha, .seed = 2});
    const Episode e = small_episode(Loss::mse, rng);
    Vector grad;
    reptile.task_meta_gradient(e, grad);
    Matrix X(9, 2), Y(9, 1);
    X << e.support_X, e.query_X;
    Y << e.support_Y, e.query_Y;
    Network::Workspace ws;
    Vector g;
    net.loss_and_gradient(reptile.params(), X, Y, Loss::mse, ws, g);
    REQUIRE_THAT(grad, metalearn::test::approx_matrix(Vector(alpha * g), 1e-12));
    // The pretrained baseline's direction is that gradient itself.
    PretrainedBaseline pre(net, {.seed = 2});
    Vector pg;
    pre.task_meta_gradient(e, pg);
    REQUIRE_THAT(pg, metalearn::test::approx_matrix(g, 1e-13));
}

TEST_CASE("sinusoid tasks follow y = A sin(x - phi) within the documented ranges", "[fewshot][tasks]") {
    const SinusoidTasks tasks({.support_size = 5, .query_size = 7});
    Rng rng(4);
    Episode e;
    for (int t = 0; t < 50; ++t) {
        Rng probe = rng;  // the same draws: the task comes first
        const auto task = tasks.sample_task(probe);
        tasks.sample_episode(rng, e);
        REQUIRE(e.support_X.rows() == 5);
        REQUIRE(e.query_X.rows() == 7);
        CHECK(task.amplitude >= 0.1);
        CHECK(task.amplitude <= 5.0);
        CHECK(task.phase >= 0.0);
        CHECK(task.phase <= 3.15);
        CHECK(e.support_X.cwiseAbs().maxCoeff() <= 5.0);
        REQUIRE_THAT(Matrix(e.query_Y), metalearn::test::approx_matrix(task(e.query_X), 1e-14));
        REQUIRE_THAT(Matrix(e.support_Y), metalearn::test::approx_matrix(task(e.support_X), 1e-14));
    }
}

TEST_CASE("classification episodes draw N distinct classes, K shots each, from the listed classes", "[fewshot][tasks]") {
    // 6 classes × 10 rows; feature 0 is the class code, feature 1 the row index.
    Matrix X(60, 2);
    IndexVector y(60);
    for (Index i = 0; i < 60; ++i) {
        y[i] = i % 6;
        X(i, 0) = static_cast<double>(i % 6);
        X(i, 1) = static_cast<double>(i);
    }
    const ClassificationTasks tasks(X, y, {1, 2, 4, 5}, {.n_way = 3, .k_shot = 2, .query_per_class = 3});
    Rng rng(13);
    Episode e;
    for (int t = 0; t < 30; ++t) {
        tasks.sample_episode(rng, e);
        REQUIRE(e.support_X.rows() == 6);
        REQUIRE(e.query_X.rows() == 9);
        REQUIRE(e.support_Y.cols() == 3);
        std::set<double> classes;
        std::set<double> rows;
        for (Index label = 0; label < 3; ++label) {
            const double cls = e.support_X(label * 2, 0);
            CHECK((cls == 1 || cls == 2 || cls == 4 || cls == 5));
            classes.insert(cls);
            for (Index i = 0; i < 2; ++i) {
                CHECK(e.support_X(label * 2 + i, 0) == cls);
                CHECK(e.support_Y(label * 2 + i, label) == 1.0);
                CHECK(e.support_Y.row(label * 2 + i).sum() == 1.0);
                rows.insert(e.support_X(label * 2 + i, 1));
            }
            for (Index i = 0; i < 3; ++i) {
                CHECK(e.query_X(label * 3 + i, 0) == cls);
                CHECK(e.query_Y(label * 3 + i, label) == 1.0);
                rows.insert(e.query_X(label * 3 + i, 1));
            }
        }
        CHECK(classes.size() == 3);
        CHECK(rows.size() == 15);  // no example drawn twice
    }
}

TEST_CASE("a short MAML meta-training on sinusoids beats no meta-training after adaptation", "[fewshot][maml]") {
    // 600 meta-iterations (K = 10, 1-40-40-1 ReLU, α = 0.01, meta-batch 25, Adam 1e-3) then
    // 10 SGD steps on 10 support points of 200 new tasks, MSE on 50 query points. Without
    // meta-training (random init) the MSE is about 4.2 here; MAML (1.15 measured) must be below
    // 50 % of it, and the 95 % intervals must not overlap (cannot pass by chance).
    const Network net({1, 40, 40, 1});
    const MetaLearnerParams p{.inner_steps = 1, .inner_learning_rate = 0.01, .meta_batch_size = 25,
                              .meta_learning_rate = 1e-3, .iterations = 600, .seed = 42};
    Maml untrained(net, p);
    Maml maml(net, p);
    const auto result = maml.meta_train(SinusoidTasks({.support_size = 10, .query_size = 10}));
    REQUIRE(result.iterations == 600);
    const SinusoidTasks eval_tasks({.support_size = 10, .query_size = 50});
    const auto before = untrained.evaluate(eval_tasks, 200, {0, 10}, 777);
    const auto after = maml.evaluate(eval_tasks, 200, {0, 10}, 777);
    INFO("untrained MSE after 10 steps " << before.loss[1] << " ± " << before.loss_ci[1] << ", MAML "
                                         << after.loss[1] << " ± " << after.loss_ci[1]);
    CHECK(after.loss[1] < 0.5 * before.loss[1]);
    CHECK(after.loss[1] + after.loss_ci[1] < before.loss[1] - before.loss_ci[1]);
    // Adaptation itself helps the meta-learned initialisation.
    CHECK(after.loss[1] < after.loss[0]);
}

TEST_CASE("meta-training is deterministic for a seed and differs between seeds", "[fewshot][maml]") {
    const Network net({1, 8, 1});
    const SinusoidTasks tasks({.support_size = 5, .query_size = 5});
    MetaLearnerParams p{.inner_steps = 2, .meta_batch_size = 4, .iterations = 20, .seed = 1};
    Maml a(net, p), b(net, p);
    a.meta_train(tasks);
    b.meta_train(tasks);
    REQUIRE(a.params() == b.params());
    // The same with the meta-batch split over 3 threads (bit-identical: summed in task order).
    MetaLearnerParams pt = p;
    pt.n_threads = 3;
    Maml t(net, pt);
    t.meta_train(tasks);
    REQUIRE(t.params() == a.params());
    p.seed = 2;
    Maml c(net, p);
    c.meta_train(tasks);
    REQUIRE(a.params() != c.params());
    // The progress callback sees every iteration and can stop the run.
    Maml d(net, p);
    std::size_t calls = 0;
    const auto r = d.meta_train(tasks, [&](const metalearn::Progress& pr) {
        ++calls;
        CHECK(pr.total == 20);
        return pr.done == 5;
    });
    CHECK(calls == 5);
    CHECK(r.iterations == 5);
    CHECK(d.iterations_done() == 5);
}

TEST_CASE("meta-learners reject invalid settings and data", "[fewshot][errors]") {
    const Network net({1, 8, 1});
    REQUIRE_THROWS_AS(Maml(net, {.inner_learning_rate = 0.0}), metalearn::ConfigError);
    REQUIRE_THROWS_WITH(Maml(net, {.meta_batch_size = 0}), Catch::Contains("Maml::Maml(): meta_batch_size must be >= 1"));
    REQUIRE_THROWS_AS(Reptile(net, {.inner_steps = 0}), metalearn::ConfigError);
    REQUIRE_THROWS_AS(Maml(Network()), metalearn::ConfigError);
    REQUIRE_THROWS_AS(SinusoidTasks({.support_size = 0}), metalearn::ConfigError);
    REQUIRE_THROWS_AS(SinusoidTasks({.amplitude_min = 3.0, .amplitude_max = 1.0}), metalearn::ConfigError);
    Maml maml(net, {.iterations = 1});
    Matrix X = Matrix::Zero(3, 1), Y = Matrix::Zero(3, 1);
    REQUIRE_THROWS_AS(maml.adapt(X, Y, -1), metalearn::ConfigError);
    REQUIRE_THROWS_AS(maml.adapt(Matrix::Zero(3, 2), Y, 1), metalearn::DataError);
    X(1, 0) = std::nan("");
    REQUIRE_THROWS_WITH(maml.adapt(X, Y, 1), Catch::Contains("Maml::adapt(): examples contain NaN"));
    // Tasks whose width does not match the network.
    Matrix CX = Matrix::Zero(20, 3);
    IndexVector cy(20);
    for (Index i = 0; i < 20; ++i) cy[i] = i % 4;
    const ClassificationTasks ctasks(CX, cy, {0, 1, 2, 3}, {.n_way = 2, .k_shot = 1, .query_per_class = 2});
    REQUIRE_THROWS_AS(maml.meta_train(ctasks), metalearn::DataError);
    REQUIRE_THROWS_AS(ClassificationTasks(CX, cy, {0, 1, 2, 3}, {.n_way = 2, .k_shot = 3, .query_per_class = 3}),
                      metalearn::DataError);
    REQUIRE_THROWS_AS(ClassificationTasks(CX, cy, {0, 1}, {.n_way = 3}), metalearn::ConfigError);
    // Divergence is reported, not hidden.
    Maml wild(Network({1, 8, 1}), {.inner_learning_rate = 1e300, .meta_batch_size = 2, .iterations = 5});
    REQUIRE_THROWS_AS(wild.meta_train(SinusoidTasks()), metalearn::NumericalError);
}

namespace {

// Sinusoid episodes, except that the draws listed in `nan_draws` get a NaN query target and
// those in `narrow_draws` an empty support set (draws are counted from 0 across calls; the
// learner draws a meta-batch's episodes in order on the calling thread).
class FaultyTasks {
public:
    FaultyTasks(std::set<int> nan_draws, std::set<int> narrow_draws)
        : nan_draws_(std::move(nan_draws)), narrow_draws_(std::move(narrow_draws)) {}
    void sample_episode(Rng& rng, Episode& e) const {
        inner_.sample_episode(rng, e);
        const int k = draws_++;
        if (nan_draws_.count(k)) e.query_Y(0, 0) = std::nan("");
        if (narrow_draws_.count(k)) {
            e.support_X.resize(0, 1);
            e.support_Y.resize(0, 1);
        }
    }
    [[nodiscard]] Index n_inputs() const { return inner_.n_inputs(); }
    [[nodiscard]] Index n_outputs() const { return inner_.n_outputs(); }
    [[nodiscard]] Loss loss() const { return inner_.loss(); }

private:
    SinusoidTasks inner_{{.support_size = 5, .query_size = 5}};
    std::set<int> nan_draws_;
    std::set<int> narrow_draws_;
    mutable int draws_ = 0;
};
static_assert(metalearn::fewshot::TaskDistribution<FaultyTasks>);

}  // namespace

TEST_CASE("meta-training hands a bad episode's DataError from a worker to the caller, for any thread count",
          "[fewshot][errors]") {
    const Network net({1, 8, 1});
    for (int threads : {0, 1, 2, 3, 8}) {
        INFO("threads " << threads);
        // episode 56 of the meta-batch of 60 (blocks of 20) is checked by the last worker
        Maml nan_case(net, {.meta_batch_size = 60, .iterations = 3, .seed = 1, .n_threads = threads});
        REQUIRE_THROWS_AS(nan_case.meta_train(FaultyTasks({56}, {})), metalearn::DataError);
        REQUIRE_THROWS_WITH(Maml(net, {.meta_batch_size = 60, .iterations = 3, .seed = 1, .n_threads = threads})
                                .meta_train(FaultyTasks({56}, {})),
                            "Maml::meta_train(): examples contain NaN or Inf (expected finite values)");
        CHECK(nan_case.iterations_done() == 0);
        // two bad episodes in different blocks: the caller sees the first one's error (3: empty
        // support), not 45's
        Reptile two_bad(net, {.meta_batch_size = 60, .iterations = 3, .seed = 1, .n_threads = threads});
        REQUIRE_THROWS_WITH(two_bad.meta_train(FaultyTasks({45}, {3})),
                            Catch::Contains("Reptile::meta_train(): examples are 0x1 with targets 0x1"));
    }
    REQUIRE_THROWS_WITH(Maml(net, {.n_threads = -1}), Catch::Contains("n_threads must be >= 0"));
}

TEST_CASE("meta-training with n_threads 0 (all hardware threads) equals one thread", "[fewshot][maml]") {
    const Network net({1, 8, 1});
    const SinusoidTasks tasks({.support_size = 5, .query_size = 5});
    Maml one(net, {.inner_steps = 1, .meta_batch_size = 5, .iterations = 10, .seed = 4, .n_threads = 1});
    Maml all(net, {.inner_steps = 1, .meta_batch_size = 5, .iterations = 10, .seed = 4, .n_threads = 0});
    one.meta_train(tasks);
    all.meta_train(tasks);
    REQUIRE(all.params() == one.params());
}

TEST_CASE("meta-gradients of stacked episodes equal the episode-by-episode reference", "[fewshot][maml]") {
    // Reference: task_meta_gradient, one episode at a time with per-episode passes. meta_step
    // stacks the episodes of each block and runs the passes at the shared θ once over the stack;
    // the math is the same, so they agree up to rounding (observed: every entry within 1e-13
    // relative; checked at 1e-10).
    const auto loss = GENERATE(Loss::mse, Loss::softmax_cross_entropy);
    const int steps = GENERATE(0, 1, 3);
    const Index m = loss == Loss::mse ? 1 : 3;
    const Network net({2, 6, 5, m}, Activation::tanh);
    const MetaLearnerParams p{.inner_steps = steps, .inner_learning_rate = 0.3, .seed = 6};
    Rng rng(31);
    std::vector<Episode> episodes;
    for (int b = 0; b < 27; ++b) episodes.push_back(small_episode(loss, rng));  // blocks of 13 and 14
    const auto check = [&](metalearn::fewshot::MetaLearner& learner) {
        INFO(learner.name() << ", " << steps << " inner steps");
        Matrix grads;
        const std::vector<double> losses = learner.task_meta_gradients(episodes, grads);
        REQUIRE(grads.cols() == 27);
        Vector mean_expected = Vector::Zero(learner.network().n_params());
        double mean_loss = 0.0;
        for (std::size_t b = 0; b < episodes.size(); ++b) {
            Vector expected;
            const double q = learner.task_meta_gradient(episodes[b], expected);
            CHECK(losses[b] == Approx(q).epsilon(1e-12));
            REQUIRE_THAT(Vector(grads.col(static_cast<Index>(b))),
                         metalearn::test::approx_matrix(expected, 1e-10, 1e-14 * expected.norm()));
            mean_expected += expected / static_cast<double>(episodes.size());
            mean_loss += q / static_cast<double>(episodes.size());
        }
        // What meta_step uses: block sums (for one inner step of MAML and first-order MAML, the
        // low-rank passes of Network::one_step_meta_gradient_sum).
        Vector mean;
        CHECK(learner.mean_meta_gradient(episodes, mean) == Approx(mean_loss).epsilon(1e-12));
        REQUIRE_THAT(mean, metalearn::test::approx_matrix(mean_expected, 1e-10, 1e-14 * mean_expected.norm()));
    };
    Maml maml(net, p, loss);
    check(maml);
    FirstOrderMaml fo(net, p, loss);
    check(fo);
    if (steps > 0) {
        Reptile reptile(net, p, loss);
        check(reptile);
    }
    PretrainedBaseline pre(net, p, loss);
    check(pre);
}

TEST_CASE("Network per-task gradients and Hessian-vector products of stacked tasks match single-task passes",
          "[models][network]") {
    // Reference: loss_and_gradient and hessian_vector_product on each task's rows alone.
    const auto loss = GENERATE(Loss::mse, Loss::softmax_cross_entropy);
    const Index m = loss == Loss::mse ? 2 : 3;
    const Network net({3, 7, 4, m}, Activation::logistic);
    Rng rng(12);
    const Vector theta = net.init_params(rng);
    const Index T = 4, n = 5;
    Matrix X(T * n, 3), Y = Matrix::Zero(T * n, m), V(net.n_params(), T);
    for (Index i = 0; i < X.size(); ++i) X.data()[i] = rng.normal();
    for (Index i = 0; i < T * n; ++i) {
        if (loss == Loss::mse) Y.row(i) << rng.normal(), rng.normal();
        else Y(i, i % m) = 1.0;
    }
    for (Index i = 0; i < V.size(); ++i) V.data()[i] = rng.normal();
    Network::Workspace ws, ws1;
    Matrix G, HV;
    Vector losses;
    net.task_gradients(theta, X, Y, T, loss, ws, G, losses);
    net.task_hessian_vector_products(theta, X, T, loss, V, ws, HV);
    for (Index t = 0; t < T; ++t) {
        Vector g, hv;
        const Matrix Xt = X.middleRows(t * n, n), Yt = Y.middleRows(t * n, n);
        const double l = net.hessian_vector_product(theta, Xt, Yt, loss, V.col(t), ws1, hv, &g);
        CHECK(losses[t] == Approx(l).epsilon(1e-13));
        REQUIRE_THAT(Vector(G.col(t)), metalearn::test::approx_matrix(g, 1e-12, 1e-15));
        REQUIRE_THAT(Vector(HV.col(t)), metalearn::test::approx_matrix(hv, 1e-12, 1e-15));
    }
    REQUIRE_THROWS_AS(net.task_gradients(theta, X, Y, 3, loss, ws, G, losses), metalearn::DataError);
    REQUIRE_THROWS_AS(net.task_hessian_vector_products(theta, X, T, loss, V.leftCols(2), ws, HV), metalearn::DataError);
}

TEST_CASE("meta-training with several blocks of episodes does not depend on the thread count", "[fewshot][maml]") {
    const Network net({1, 8, 8, 1});
    const SinusoidTasks tasks({.support_size = 4, .query_size = 6});
    for (const int steps : {1, 2}) {
        Maml one(net, {.inner_steps = steps, .meta_batch_size = 60, .iterations = 5, .seed = 4, .n_threads = 1});
        one.meta_train(tasks);
        for (const int threads : {2, 3, 0}) {
            Maml many(net, {.inner_steps = steps, .meta_batch_size = 60, .iterations = 5, .seed = 4, .n_threads = threads});
            many.meta_train(tasks);
            REQUIRE(many.params() == one.params());
        }
    }
}
