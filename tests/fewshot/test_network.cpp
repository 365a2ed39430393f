// Tests of the network core (models/network.hpp): gradients and Hessian-vector products against
// central finite differences, and the Adam update against its closed form.

#include <metalearn/core/gemm.hpp>
#include <metalearn/models/network.hpp>

#include "support/test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using metalearn::Index;
using metalearn::Matrix;
using metalearn::Rng;
using metalearn::Vector;
using metalearn::models::Activation;
using metalearn::models::Adam;
using metalearn::models::Loss;
using metalearn::models::Network;

namespace {

Matrix random_matrix(Index r, Index c, Rng& rng) {
    Matrix m(r, c);
    for (Index j = 0; j < c; ++j)
        for (Index i = 0; i < r; ++i) m(i, j) = rng.normal();
    return m;
}

Matrix targets(Index n, Index m, Loss loss, Rng& rng) {
    if (loss == Loss::mse) return random_matrix(n, m, rng);
    Matrix y = Matrix::Zero(n, m);
    for (Index i = 0; i < n; ++i) y(i, static_cast<Index>(rng.uniform_index(static_cast<std::uint64_t>(m)))) = 1.0;
    return y;
}

}  // namespace

TEST_CASE("Network gradient matches central finite differences for every parameter", "[models][network]") {
    // Expected: (L(θ + h e_i) − L(θ − h e_i)) / 2h with h = 1e-6; error O(h²) + rounding ≈ 1e-8.
    const auto act = GENERATE(Activation::relu, Activation::tanh, Activation::logistic);
    const auto loss = GENERATE(Loss::mse, Loss::softmax_cross_entropy);
    Rng rng(7);
    const Network net({3, 4, 5, 2}, act);
    REQUIRE(net.n_params() == 3 * 4 + 4 + 4 * 5 + 5 + 5 * 2 + 2);
    const Vector theta = net.init_params(rng);
    const Matrix X = random_matrix(6, 3, rng);
    const Matrix Y = targets(6, 2, loss, rng);
    Network::Workspace ws;
    Vector grad;
    const double value = net.loss_and_gradient(theta, X, Y, loss, ws, grad);
    CHECK(value == Approx(net.loss(theta, X, Y, loss, ws)).epsilon(1e-14));
    Vector fd(net.n_params());
    const double h = 1e-6;
    for (Index i = 0; i < net.n_params(); ++i) {
        Vector tp = theta, tm = theta;
        tp[i] += h;
        tm[i] -= h;
        fd[i] = (net.loss(tp, X, Y, loss, ws) - net.loss(tm, X, Y, loss, ws)) / (2 * h);
    }
    REQUIRE_THAT(grad, metalearn::test::approx_matrix(fd, 1e-5, 1e-8));
}

TEST_CASE("Network Hessian-vector product matches finite differences of gradients", "[models][network]") {
    // Expected: (∇L(θ + h v) − ∇L(θ − h v)) / 2h with h = 1e-5 (error O(h²)).
    const auto act = GENERATE(Activation::relu, Activation::tanh, Activation::logistic);
    const auto loss = GENERATE(Loss::mse, Loss::softmax_cross_entropy);
    Rng rng(11);
    const Network net({2, 5, 4, 3}, act);
    const Vector theta = net.init_params(rng);
    const Matrix X = random_matrix(7, 2, rng);
    const Matrix Y = targets(7, 3, loss, rng);
    Vector v(net.n_params());
    for (Index i = 0; i < v.size(); ++i) v[i] = rng.normal();
    Network::Workspace ws;
    Vector hv, grad, gp, gm;
    net.hessian_vector_product(theta, X, Y, loss, v, ws, hv, &grad);
    const double h = 1e-5;
    net.loss_and_gradient(theta + h * v, X, Y, loss, ws, gp);
    net.loss_and_gradient(theta - h * v, X, Y, loss, ws, gm);
    const Vector fd = (gp - gm) / (2 * h);
    REQUIRE_THAT(hv, metalearn::test::approx_matrix(fd, 1e-5, 1e-7));
    // The gradient returned alongside is the plain gradient.
    Vector g2;
    net.loss_and_gradient(theta, X, Y, loss, ws, g2);
    REQUIRE_THAT(grad, metalearn::test::approx_matrix(g2, 1e-14));
}

TEST_CASE("Network Hessian-vector product of a linear model with MSE is the closed form 2XᵀXv/n", "[models][network]") {
    // One affine layer, one output: L = (1/n)||Xw + b − y||², H = (2/n) [XᵀX, Xᵀ1; 1ᵀX, n].
    Rng rng(3);
    const Network net({3, 1});
    const Vector theta = net.init_params(rng);
    const Matrix X = random_matrix(5, 3, rng);
    const Matrix Y = random_matrix(5, 1, rng);
    Matrix Xa(5, 4);
    Xa << X, Matrix::Ones(5, 1);
    const Matrix H = 2.0 / 5.0 * Xa.transpose() * Xa;
    Vector v(4);
    v << 0.5, -1.0, 2.0, 0.25;
    Network::Workspace ws;
    Vector hv;
    net.hessian_vector_product(theta, X, Y, Loss::mse, v, ws, hv);
    REQUIRE_THAT(hv, metalearn::test::approx_matrix(Vector(H * v), 1e-12));
}

TEST_CASE("Network forward pass of a hand-made ReLU network", "[models][network]") {
    // 1-2-1 network: W1 = [1, -1], b1 = [0, 1], W2 = [2; 3], b2 = 0.5.
    // x = 2: z1 = [2, -1] → a1 = [2, 0] → out = 4.5. x = -1: z1 = [-1, 2] → a1 = [0, 2] → 6.5.
    const Network net({1, 2, 1});
    Vector theta(7);
    theta << 1, -1, 0, 1, 2, 3, 0.5;
    Matrix X(2, 1);
    X << 2, -1;
    const Matrix out = net.predict(theta, X);
    CHECK(out(0, 0) == Approx(4.5));
    CHECK(out(1, 0) == Approx(6.5));
}

TEST_CASE("Network initialisation follows the documented bounds and is seeded", "[models][network]") {
    const Network net({4, 16, 1});
    Rng a(5), b(5);
    const Vector t1 = net.init_params(a);
    const Vector t2 = net.init_params(b);
    REQUIRE(t1 == t2);
    // PyTorch default: |w| ≤ 1/√fan_in; first layer fan_in 4 → 0.5, second 16 → 0.25.
    CHECK(t1.head(4 * 16 + 16).cwiseAbs().maxCoeff() <= 0.5);
    CHECK(t1.tail(17).cwiseAbs().maxCoeff() <= 0.25);
    CHECK(t1.head(80).cwiseAbs().maxCoeff() > 0.4);  // really spread over the range
}

TEST_CASE("Adam step matches the closed form of Kingma and Ba", "[models][network]") {
    // First step: m̂ = g, v̂ = g², so θ ← θ − lr · g/(|g| + ε) = θ − lr · sign(g) (ε negligible).
    Adam adam(3, {.learning_rate = 0.1});
    Vector theta(3);
    theta << 1.0, 2.0, 3.0;
    Vector g(3);
    g << 0.5, -2.0, 1e-3;
    adam.step(theta, g);
    const double first = 1.0 - 0.1 * 0.5 / (0.5 + 1e-8);
    CHECK(theta[0] == Approx(first).epsilon(1e-14));
    CHECK(theta[1] == Approx(2.0 + 0.1 * 2.0 / (2.0 + 1e-8)).epsilon(1e-14));
    CHECK(theta[2] == Approx(3.0 - 0.1 * 1e-3 / (1e-3 + 1e-8)).epsilon(1e-14));
    // Second step with g2: m = 0.09·... computed by hand from the recursions.
    Vector g2(3);
    g2 << 1.0, 1.0, 1.0;
    adam.step(theta, g2);
    const double m = 0.9 * 0.1 * 0.5 + 0.1 * 1.0;          // m for entry 0
    const double v = 0.999 * 0.001 * 0.25 + 0.001 * 1.0;   // v for entry 0
    const double mh = m / (1 - 0.81), vh = v / (1 - 0.999 * 0.999);
    CHECK(theta[0] == Approx(first - 0.1 * mh / (std::sqrt(vh) + 1e-8)).epsilon(1e-12));
}

TEST_CASE("Network and Adam reject bad shapes and settings", "[models][network][errors]") {
    REQUIRE_THROWS_AS(Network({3}), metalearn::ConfigError);
    REQUIRE_THROWS_WITH(Network({3, 0, 1}), Catch::Contains("Network::Network(): layer 1 has size 0"));
    const Network net({2, 3, 1});
    Rng rng(1);
    const Vector theta = net.init_params(rng);
    Network::Workspace ws;
    Vector g;
    REQUIRE_THROWS_AS(net.forward(theta, Matrix::Zero(4, 3), ws), metalearn::DataError);
    REQUIRE_THROWS_WITH(net.forward(theta.head(3), Matrix::Zero(4, 2), ws),
                        Catch::Contains("expected n_params() = 13"));
    REQUIRE_THROWS_AS(net.loss_and_gradient(theta, Matrix::Zero(4, 2), Matrix::Zero(3, 1), Loss::mse, ws, g),
                      metalearn::DataError);
    Network::Workspace fresh;
    Vector hv;
    REQUIRE_THROWS_AS(net.hessian_vector_product_cached(theta, Matrix::Zero(4, 2), Loss::mse, theta, fresh, hv),
                      metalearn::DataError);
    Network::Workspace ws0;
    REQUIRE_THROWS_AS(Network().forward(Vector(), Matrix::Zero(2, 0), ws0), metalearn::ConfigError);
    REQUIRE_THROWS_AS(Adam(3, {.learning_rate = 0.0}), metalearn::ConfigError);
    Adam adam(3);
    Vector t3 = Vector::Zero(3);
    REQUIRE_THROWS_AS(adam.step(t3, Vector::Zero(2)), metalearn::DataError);
}

TEST_CASE("Network passes agree between the AVX2/FMA products and Eigen's", "[models][network]") {
    // The two kernels round differently (fused multiply-add, summation order): equal to ~1e-12.
    Rng rng(5);
    const Network net({3, 16, 9, 2}, Activation::tanh);
    const Vector theta = net.init_params(rng);
    const Matrix X = random_matrix(24, 3, rng);
    const Matrix Y = targets(24, 2, Loss::mse, rng);
    const Vector v = random_matrix(net.n_params(), 1, rng);
    const Matrix Xq = random_matrix(24, 3, rng);
    const Matrix Yq = targets(24, 2, Loss::mse, rng);
    struct Out {
        Vector grad, hv, sum, query;
        double loss = 0.0;
    };
    const auto run = [&](metalearn::detail::GemmKernel k) {
        metalearn::detail::gemm_kernel_choice() = k;
        Out o;
        Network::Workspace ws;
        o.loss = net.loss_and_gradient(theta, X, Y, Loss::mse, ws, o.grad);
        net.hessian_vector_product(theta, X, Y, Loss::mse, v, ws, o.hv);
        Network::OneStepWorkspace ows;
        net.one_step_meta_gradient_sum(theta, X, Y, Xq, Yq, 4, 0.01, Loss::mse, true, ows, o.sum, o.query);
        metalearn::detail::gemm_kernel_choice() = metalearn::detail::GemmKernel::automatic;
        return o;
    };
    const Out a = run(metalearn::detail::GemmKernel::automatic);
    const Out e = run(metalearn::detail::GemmKernel::eigen);
    CHECK(a.loss == Approx(e.loss).epsilon(1e-13));
    CHECK_THAT(a.grad, metalearn::test::approx_matrix(e.grad, 1e-11, 1e-13));
    CHECK_THAT(a.hv, metalearn::test::approx_matrix(e.hv, 1e-11, 1e-13));
    CHECK_THAT(a.sum, metalearn::test::approx_matrix(e.sum, 1e-11, 1e-13));
    CHECK_THAT(a.query, metalearn::test::approx_matrix(e.query, 1e-11, 1e-13));
}
