// Tests of hpo/search_space.hpp and hpo/sobol.hpp.
//
// Expected values: hand-computed from the domain definitions (stated next to each check), brute
// force in the test (Sobol net properties), and the plain Sobol sequence printed by
// tests/reference/hpo_sobol.py (SciPy's qmc.Sobol with the same Joe & Kuo direction numbers).

#include <metalearn/hpo/search_space.hpp>
#include <metalearn/hpo/sobol.hpp>

#include "support/test_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

using namespace metalearn;

namespace {

enum class Kernel { linear, rbf, poly };

struct TestParams {
    double alpha = 1.0;
    float ratio = 0.5F;
    int depth = 3;
    long trees = 10;
    Kernel kernel = Kernel::rbf;
    bool flag = true;
    std::string solver = "lbfgs";
    double unbound = 7.0;  // not in the space

    bool operator==(const TestParams&) const = default;
};

hpo::SearchSpace<TestParams> test_space() {
    return hpo::SearchSpace<TestParams>()
        .add("alpha", &TestParams::alpha, hpo::log_uniform(1e-3, 1e3))
        .add("ratio", &TestParams::ratio, hpo::uniform(0.0, 1.0))
        .add("depth", &TestParams::depth, hpo::int_uniform(1, 4))
        .add("trees", &TestParams::trees, hpo::int_log_uniform(1, 100))
        .add("kernel", &TestParams::kernel,
             hpo::categorical<Kernel>({{"linear", Kernel::linear}, {"rbf", Kernel::rbf}, {"poly", Kernel::poly}}))
        .add("flag", &TestParams::flag, hpo::boolean())
        .add("solver", &TestParams::solver, hpo::categorical({"lbfgs", "sgd"}));
}

}  // namespace

TEST_CASE("A search space binds named dimensions to members", "[hpo][search_space]") {
    const auto space = test_space();
    REQUIRE(space.size() == 7);
    REQUIRE_FALSE(space.empty());
    REQUIRE(space.names() == std::vector<std::string>{"alpha", "ratio", "depth", "trees", "kernel", "flag", "solver"});
    // 4 numeric columns + 3 + 2 + 2 one-hot columns.
    REQUIRE(space.encoded_size() == 11);
    REQUIRE(space.encoded_names() ==
            std::vector<std::string>{"alpha", "ratio", "depth", "trees", "kernel=linear", "kernel=rbf", "kernel=poly",
                                     "flag=false", "flag=true", "solver=lbfgs", "solver=sgd"});
    REQUIRE(space.dimension("alpha").kind == hpo::DomainKind::log_uniform);
    REQUIRE(space.dimension("alpha").is_log());
    REQUIRE(space.dimension(2).is_integer());
    REQUIRE(space.dimension("trees").kind == hpo::DomainKind::int_log_uniform);
    REQUIRE(space.dimension("kernel").labels == std::vector<std::string>{"linear", "rbf", "poly"});
    REQUIRE(space.dimension("kernel").encoded_width() == 3);
    REQUIRE(space.contains("flag"));
    REQUIRE_FALSE(space.contains("unbound"));
}

TEST_CASE("Configs convert to and from name-value maps, JSON and text", "[hpo][search_space]") {
    const auto space = test_space();
    const TestParams p{.alpha = 0.1, .ratio = 0.25F, .depth = 2, .trees = 50, .kernel = Kernel::poly, .flag = false,
                       .solver = "sgd", .unbound = 7.0};
    const hpo::ValueMap values = space.to_values(p);
    REQUIRE(values.size() == 7);
    REQUIRE(std::get<double>(values.at("alpha")) == 0.1);
    REQUIRE(std::get<double>(values.at("ratio")) == 0.25);
    REQUIRE(std::get<long>(values.at("depth")) == 2);
    REQUIRE(std::get<long>(values.at("trees")) == 50);
    REQUIRE(std::get<std::string>(values.at("kernel")) == "poly");
    REQUIRE(std::get<std::string>(values.at("flag")) == "false");
    REQUIRE(std::get<std::string>(values.at("solver")) == "sgd");
    REQUIRE(space.from_values(values) == p);

    SECTION("missing names keep the base value; members outside the space come from base") {
        TestParams base;
        base.unbound = -1.0;
        const auto q = space.from_values({{"depth", 4L}}, base);
        REQUIRE(q.depth == 4);
        REQUIRE(q.alpha == 1.0);
        REQUIRE(q.unbound == -1.0);
    }
    SECTION("an integer for a float dimension and an integral double for an integer dimension are accepted") {
        const auto q = space.from_values({{"alpha", 2L}, {"depth", 3.0}});
        REQUIRE(q.alpha == 2.0);
        REQUIRE(q.depth == 3);
    }
    SECTION("JSON round trip") {
        const nlohmann::json j = space.to_json(p);
        REQUIRE(j.dump() ==
                R"({"alpha":0.1,"depth":2,"flag":"false","kernel":"poly","ratio":0.25,"solver":"sgd","trees":50})");
        REQUIRE(space.from_json(nlohmann::json::parse(j.dump())) == p);
        REQUIRE(hpo::values_from_json(j) == values);
        REQUIRE(hpo::values_to_json(values) == j);
    }
    SECTION("text in declaration order") {
        REQUIRE(space.to_string(p) == "alpha=0.1, ratio=0.25, depth=2, trees=50, kernel=poly, flag=false, solver=sgd");
        REQUIRE(space.to_string(TestParams{}) ==
                "alpha=1, ratio=0.5, depth=3, trees=10, kernel=rbf, flag=true, solver=lbfgs");
    }
}

TEST_CASE("Encoding scales to [0, 1] in log space for log dimensions and one-hot encodes categoricals",
          "[hpo][search_space]") {
    const auto space = test_space();
    const Vector z = space.encode(TestParams{});
    Vector expected(11);
    // alpha = 1 on [1e-3, 1e3] in log scale: (ln 1 − ln 1e-3) / (ln 1e3 − ln 1e-3) = 1/2.
    // ratio 0.5 on [0, 1]: 1/2. depth 3 on [1, 4]: 2/3. trees 10 on [1, 100] log: 1/2.
    expected << 0.5, 0.5, 2.0 / 3.0, 0.5, 0, 1, 0, 0, 1, 1, 0;
    REQUIRE_THAT(z, test::approx_matrix(expected, 1e-12, 1e-15));
    REQUIRE(space.encode_values({{"alpha", 1e3}}) (0) == Approx(1.0));
}

TEST_CASE("Decoding inverts encoding on values of the space and picks the nearest valid value",
          "[hpo][search_space]") {
    const auto space = test_space();
    const auto check_round_trip = [&space](const TestParams& p) {
        const TestParams q = space.decode(space.encode(p));
        // Integer and categorical dimensions come back exactly; real ones to rounding error
        // (ln/exp and the affine map cost a few ulps; the float member ~1e-7 relative).
        REQUIRE(q.depth == p.depth);
        REQUIRE(q.trees == p.trees);
        REQUIRE(q.kernel == p.kernel);
        REQUIRE(q.flag == p.flag);
        REQUIRE(q.solver == p.solver);
        REQUIRE(q.alpha == Approx(p.alpha).epsilon(1e-12));
        REQUIRE(q.ratio == Approx(p.ratio).epsilon(1e-6));
    };
    for (const auto& p : space.random(200, 7)) check_round_trip(p);
    for (const auto& p : space.grid(4)) check_round_trip(p);
    // Values exactly representable after the affine map come back bit for bit.
    const TestParams simple{.alpha = 1.0, .ratio = 0.25F};
    REQUIRE(space.decode(space.encode(simple)) == simple);

    Vector z(11);
    // depth: 1 + 0.45·3 = 2.35 → 2; trees: exp(0.74·ln 100) = 30.2 → 30; alpha and ratio clamped.
    z << -0.3, 1.7, 0.45, 0.74, 0.1, 0.2, 0.9, 0.6, 0.4, 0.5, 0.5;
    const TestParams q = space.decode(z);
    REQUIRE(q.alpha == Approx(1e-3));
    REQUIRE(q.ratio == 1.0F);
    REQUIRE(q.depth == 2);
    REQUIRE(q.trees == 30);
    REQUIRE(q.kernel == Kernel::poly);  // argmax
    REQUIRE(q.flag == false);
    REQUIRE(q.solver == "lbfgs");  // tie: first label
}

TEST_CASE("A float member never rounds outside its domain", "[hpo][search_space]") {
    struct P {
        float x = 0.05F;
    };
    const auto space = hpo::SearchSpace<P>().add("x", &P::x, hpo::uniform(0.0, 0.1));
    const P hi = space.decode(Vector::Ones(1));
    REQUIRE(static_cast<double>(hi.x) <= 0.1);  // (float)0.1 > 0.1: stepped back inside
    REQUIRE(hi.x == Approx(0.1));
    REQUIRE_NOTHROW(space.validate(hi));
}

TEST_CASE("The grid is the full product: log spacing, deduplicated integers, every label", "[hpo][search_space]") {
    const auto space = test_space();
    // alpha 3 × ratio 3 × depth {1, 3, 4} (2.5 rounds up) × trees {1, 10, 100} × kernel 3 × flag 2 × solver 2.
    REQUIRE(space.grid(3).size() == 3U * 3U * 3U * 3U * 3U * 2U * 2U);

    struct P {
        double alpha = 1;
        int depth = 1;
        bool flag = false;
    };
    const auto small = hpo::SearchSpace<P>()
                           .add("alpha", &P::alpha, hpo::log_uniform(1e-2, 1e2))
                           .add("depth", &P::depth, hpo::int_uniform(1, 4))
                           .add("flag", &P::flag, hpo::boolean());
    const auto g = small.grid({{"alpha", 5}, {"depth", 10}});
    // alpha: 5 points evenly spaced in log10 from −2 to 2; depth: 10 points rounded, deduplicated
    // to {1, 2, 3, 4}; flag: both. First dimension varies slowest.
    REQUIRE(g.size() == 5U * 4U * 2U);
    const std::vector<double> alphas{0.01, 0.1, 1, 10, 100};
    for (std::size_t a = 0; a < 5; ++a)
        for (int d = 0; d < 4; ++d)
            for (int f = 0; f < 2; ++f) {
                const auto& p = g[a * 8 + static_cast<std::size_t>(d) * 2 + static_cast<std::size_t>(f)];
                REQUIRE(p.alpha == Approx(alphas[a]).epsilon(1e-12));
                REQUIRE(p.depth == d + 1);
                REQUIRE(p.flag == (f == 1));
            }
    REQUIRE(g.front().alpha == 0.01);  // end points exact
    REQUIRE(g.back().alpha == 100.0);
    // Resolution 1 gives the midpoint in the encoded scale.
    const auto mid = small.grid({{"alpha", 1}, {"depth", 1}});
    REQUIRE(mid.size() == 2);
    REQUIRE(mid[0].alpha == Approx(1.0));
    REQUIRE(mid[0].depth == 3);  // 2.5 rounds to 3
    // An empty space has one config: the base.
    REQUIRE(hpo::SearchSpace<P>().grid(3, P{.alpha = 4}).size() == 1);
}

TEST_CASE("Random and Sobol samplers are deterministic and stay in the space", "[hpo][search_space]") {
    const auto space = test_space();
    for (const bool sobol : {false, true}) {
        const auto sample = [&](std::uint64_t seed) { return sobol ? space.sobol(64, seed) : space.random(64, seed); };
        const auto a = sample(42);
        const auto b = sample(42);
        const auto c = sample(43);
        REQUIRE(a.size() == 64);
        REQUIRE(a == b);
        REQUIRE(a != c);
        std::set<int> depths;
        std::set<std::string> solvers;
        for (const auto& p : a) {
            REQUIRE_NOTHROW(space.validate(p));
            REQUIRE(p.unbound == 7.0);
            depths.insert(p.depth);
            solvers.insert(p.solver);
        }
        REQUIRE(depths == std::set<int>{1, 2, 3, 4});
        REQUIRE(solvers.size() == 2);
    }
    REQUIRE(space.random(0, 1).empty());
}

TEST_CASE("Random sampling follows each domain's distribution", "[hpo][search_space]") {
    struct P {
        double alpha = 1;
        int k = 1;
        long trees = 1;
    };
    const auto space = hpo::SearchSpace<P>()
                           .add("alpha", &P::alpha, hpo::log_uniform(1e-4, 1e4))
                           .add("k", &P::k, hpo::int_uniform(1, 4))
                           .add("trees", &P::trees, hpo::int_log_uniform(1, 1000));
    const auto configs = space.random(4000, 3);
    std::vector<int> count(5, 0);
    int alpha_below_1 = 0;
    int trees_below_32 = 0;
    for (const auto& p : configs) {
        ++count[static_cast<std::size_t>(p.k)];
        alpha_below_1 += p.alpha < 1.0 ? 1 : 0;
        trees_below_32 += p.trees < 32 ? 1 : 0;
    }
    // Log-uniform on [1e-4, 1e4]: P(alpha < 1) = 1/2 (a uniform draw would give 1e-4).
    // int_log_uniform on [1, 1000]: floor of log-uniform on [1, 1001): P(trees < 32) = ln 32 / ln 1001 ≈ 0.50.
    // Each of the 4 integers has probability 1/4. Tolerance ±0.04 is over 5 binomial sd at n = 4000.
    REQUIRE(alpha_below_1 / 4000.0 == Approx(0.5).margin(0.04));
    REQUIRE(trees_below_32 / 4000.0 == Approx(std::log(32.0) / std::log(1001.0)).margin(0.04));
    for (int k = 1; k <= 4; ++k) REQUIRE(count[static_cast<std::size_t>(k)] / 4000.0 == Approx(0.25).margin(0.04));
}

TEST_CASE("Sobol configs stratify each dimension", "[hpo][search_space]") {
    struct P {
        double x = 0;
        int k = 0;
    };
    const auto space =
        hpo::SearchSpace<P>().add("x", &P::x, hpo::uniform(0.0, 1.0)).add("k", &P::k, hpo::int_uniform(0, 3));
    const auto configs = space.sobol(16, 5);
    std::vector<int> x_bins(16, 0);
    std::vector<int> k_count(4, 0);
    for (const auto& p : configs) {
        ++x_bins[static_cast<std::size_t>(p.x * 16)];
        ++k_count[static_cast<std::size_t>(p.k)];
    }
    for (int c : x_bins) REQUIRE(c == 1);   // one point in each interval of width 1/16
    for (int c : k_count) REQUIRE(c == 4);  // each of the 4 integers exactly 4 times
}

TEST_CASE("The plain Sobol sequence matches the published Joe-Kuo points", "[hpo][sobol]") {
    // tests/reference/hpo_sobol.py (SciPy qmc.Sobol, scramble=False): entries are k/16.
    const int expected[16][8] = {
        {0, 0, 0, 0, 0, 0, 0, 0},       {8, 8, 8, 8, 8, 8, 8, 8},     {12, 4, 4, 4, 12, 12, 4, 12},
        {4, 12, 12, 12, 4, 4, 12, 4},   {6, 6, 10, 14, 6, 2, 6, 14},  {14, 14, 2, 6, 14, 10, 14, 6},
        {10, 2, 14, 10, 10, 14, 2, 2},  {2, 10, 6, 2, 2, 6, 10, 10},  {3, 5, 15, 7, 9, 5, 7, 15},
        {11, 13, 7, 15, 1, 13, 15, 7},  {15, 1, 11, 3, 5, 9, 3, 3},   {7, 9, 3, 11, 13, 1, 11, 11},
        {5, 3, 5, 9, 15, 7, 1, 1},      {13, 11, 13, 1, 7, 15, 9, 9}, {9, 7, 1, 13, 3, 11, 5, 13},
        {1, 15, 9, 5, 11, 3, 13, 5},
    };
    const Matrix pts = hpo::sobol_points(16, 8, 0, false);
    for (int i = 0; i < 16; ++i)
        for (int j = 0; j < 8; ++j) REQUIRE(pts(i, j) == expected[i][j] / 16.0);

    // Points 1000 and 1023 in all 64 dimensions (direction numbers up to m_10, through the
    // recurrence), entries k / 2^30, from the same script.
    const std::vector<std::vector<long>> deep = {
        {235929600, 103809024, 556793856, 726663168, 300941312, 974127104, 49283072, 965738496, 537919488,
         74448896, 91226112, 273678336, 173015040, 412090368, 154140672, 397410304, 772800512, 370147328,
         1064304640, 779091968, 560988160, 590348288, 1020264448, 579862528, 625999872, 974127104, 42991616,
         1051721728, 63963136, 365953024, 158334976, 156237824, 317718528, 636485632, 860880896, 827326464,
         911212544, 892338176, 330301440, 514850816, 980418560, 273678336, 1030750208, 753926144, 902823936,
         99614720, 936378368, 986710016, 1072693248, 514850816, 378535936, 554696704, 808452096, 470810624,
         135266304, 957349888, 487587840, 84934656, 948961280, 613416960, 479199232, 646971392, 277872640,
         479199232},
        {1048576, 808452096, 657457152, 156237824, 200278016, 470810624, 149946368, 663748608, 370147328,
         913309696, 728760320, 38797312, 139460608, 714080256, 389021696, 498073600, 336592896, 940572672,
         628097024, 342884352, 930086912, 19922944, 852492288, 210763776, 256901120, 403701760, 546308096,
         816840704, 902823936, 466616320, 997195776, 659554304, 485490688, 938475520, 357564416, 927989760,
         1011875840, 1060110336, 967835648, 749731840, 678428672, 1045430272, 997195776, 116391936, 533725184,
         334495744, 1037041664, 818937856, 904921088, 883949568, 277872640, 185597952, 707788800, 437256192,
         974127104, 118489088, 856686592, 923795456, 781189120, 378535936, 110100480, 210763776, 848297984,
         42991616},
    };
    const Matrix many = hpo::sobol_points(1024, 64, 0, false);
    for (int j = 0; j < 64; ++j) {
        CAPTURE(j);
        REQUIRE(many(1000, j) * 0x1.0p30 == static_cast<double>(deep[0][static_cast<std::size_t>(j)]));
        REQUIRE(many(1023, j) * 0x1.0p30 == static_cast<double>(deep[1][static_cast<std::size_t>(j)]));
    }
}

TEST_CASE("Scrambled Sobol points keep the net properties and depend only on the seed", "[hpo][sobol]") {
    constexpr int m = 8;
    constexpr Index n = Index{1} << m;
    const Matrix pts = hpo::sobol_points(n, 20, 11);
    REQUIRE(pts == hpo::sobol_points(n, 20, 11));
    REQUIRE(pts != hpo::sobol_points(n, 20, 12));
    REQUIRE((pts.array() >= 0).all());
    REQUIRE((pts.array() < 1).all());
    REQUIRE(pts(0, 0) != 0.0);  // the scramble moves the first point off the origin
    // Every 1-D projection of 2^m points hits each interval of width 2^-m exactly once.
    for (Index j = 0; j < pts.cols(); ++j) {
        std::vector<int> bins(n, 0);
        for (Index i = 0; i < n; ++i) ++bins[static_cast<std::size_t>(pts(i, j) * n)];
        for (int c : bins) REQUIRE(c == 1);
    }
    // The first two dimensions form a (0, m, 2)-net: each box of size 2^-a × 2^-(m−a) holds one point.
    for (int a = 0; a <= m; ++a) {
        const Index ra = Index{1} << a;
        const Index rb = Index{1} << (m - a);
        std::vector<int> boxes(static_cast<std::size_t>(n), 0);
        for (Index i = 0; i < n; ++i) {
            const auto bx = static_cast<Index>(pts(i, 0) * static_cast<double>(ra));
            const auto by = static_cast<Index>(pts(i, 1) * static_cast<double>(rb));
            ++boxes[static_cast<std::size_t>(bx * rb + by)];
        }
        for (int c : boxes) REQUIRE(c == 1);
    }
}

TEST_CASE("Invalid domains, spaces and configs are ConfigErrors naming the problem", "[hpo][search_space][errors]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_AS(hpo::uniform(1, 1), ConfigError);
    REQUIRE_THROWS_WITH(hpo::uniform(2, 1), Catch::Contains("expected lo < hi"));
    REQUIRE_THROWS_AS(hpo::uniform(nan, 1), ConfigError);
    REQUIRE_THROWS_AS(hpo::uniform(0, std::numeric_limits<double>::infinity()), ConfigError);
    REQUIRE_THROWS_WITH(hpo::log_uniform(0, 1), Catch::Contains("expected lo > 0"));
    REQUIRE_THROWS_AS(hpo::log_uniform(-1, 1), ConfigError);
    REQUIRE_THROWS_AS(hpo::int_uniform(3, 3), ConfigError);
    REQUIRE_THROWS_AS(hpo::int_log_uniform(0, 10), ConfigError);
    REQUIRE_THROWS_AS(hpo::int_uniform(0, long{1} << 60), ConfigError);
    REQUIRE_THROWS_WITH(hpo::categorical(std::vector<std::string>{}), Catch::Contains("no choices"));
    REQUIRE_THROWS_WITH(hpo::categorical({"a", "b", "a"}), Catch::Contains("duplicate label 'a'"));
    REQUIRE_THROWS_AS(hpo::categorical<int>({{"", 1}}), ConfigError);

    REQUIRE_THROWS_WITH(test_space().add("alpha", &TestParams::unbound, hpo::uniform(0, 1)),
                        Catch::Contains("duplicate dimension name 'alpha'"));
    REQUIRE_THROWS_AS(test_space().add("", &TestParams::unbound, hpo::uniform(0, 1)), ConfigError);
    REQUIRE_THROWS_WITH(hpo::SearchSpace<TestParams>().add("depth", &TestParams::depth, hpo::int_uniform(0, 1L << 40)),
                        Catch::Contains("do not fit"));

    const auto space = test_space();
    REQUIRE_THROWS_AS(space.dimension(7), ConfigError);
    REQUIRE_THROWS_WITH(space.dimension("gamma"), Catch::Contains("unknown hyperparameter 'gamma'"));
    SECTION("from_values") {
        REQUIRE_THROWS_WITH(space.from_values({{"gamma", 1.0}}), Catch::Contains("unknown hyperparameter 'gamma'"));
        REQUIRE_THROWS_WITH(space.from_values({{"alpha", std::string("big")}}),
                            Catch::Contains("wrong type for 'alpha'") && Catch::Contains("expected a number"));
        REQUIRE_THROWS_WITH(space.from_values({{"depth", 2.5}}), Catch::Contains("wrong type for 'depth'"));
        REQUIRE_THROWS_WITH(space.from_values({{"kernel", 1L}}), Catch::Contains("wrong type for 'kernel'"));
        REQUIRE_THROWS_WITH(space.from_values({{"alpha", 1e4}}), Catch::Contains("'alpha' out of range"));
        REQUIRE_THROWS_AS(space.from_values({{"alpha", nan}}), ConfigError);
        REQUIRE_THROWS_WITH(space.from_values({{"depth", 0L}}), Catch::Contains("'depth' out of range"));
        REQUIRE_THROWS_WITH(space.from_values({{"kernel", std::string("sigmoid")}}),
                            Catch::Contains("unknown label for 'kernel'") && Catch::Contains("got 'sigmoid'"));
    }
    SECTION("from_json") {
        REQUIRE_THROWS_WITH(space.from_json(nlohmann::json::array()), Catch::Contains("expected a JSON object"));
        REQUIRE_THROWS_WITH(space.from_json(nlohmann::json{{"flag", true}}), Catch::Contains("wrong type for 'flag'"));
        REQUIRE_THROWS_AS(space.from_json(nlohmann::json{{"alpha", nullptr}}), ConfigError);
    }
    SECTION("validate, encode and decode") {
        TestParams p;
        p.alpha = 2e3;
        REQUIRE_THROWS_WITH(space.validate(p), Catch::Contains("'alpha' out of range"));
        REQUIRE_THROWS_AS(space.encode(p), ConfigError);
        p.alpha = nan;
        REQUIRE_THROWS_AS(space.validate(p), ConfigError);
        p = TestParams{};
        p.depth = 5;
        REQUIRE_THROWS_WITH(space.validate(p), Catch::Contains("'depth' out of range"));
        p = TestParams{};
        p.solver = "adam";
        REQUIRE_THROWS_WITH(space.validate(p), Catch::Contains("'solver' holds a value that is none of the choices"));
        REQUIRE_THROWS_AS(space.to_values(p), ConfigError);
        REQUIRE_THROWS_WITH(space.decode(Vector::Zero(10)), Catch::Contains("expected 11, got 10"));
        Vector z = Vector::Zero(11);
        z[3] = nan;
        REQUIRE_THROWS_AS(space.decode(z), ConfigError);
    }
    SECTION("samplers") {
        REQUIRE_THROWS_AS(space.grid(0), ConfigError);
        REQUIRE_THROWS_WITH(space.grid({{"gamma", 3}}), Catch::Contains("unknown hyperparameter 'gamma'"));
        REQUIRE_THROWS_WITH(space.grid({{"kernel", 3}}), Catch::Contains("'kernel' is categorical"));
        REQUIRE_THROWS_AS(space.grid({{"depth", -1}}), ConfigError);
        REQUIRE_THROWS_WITH(space.grid(100), Catch::Contains("grid too large"));
        REQUIRE_THROWS_AS(space.random(-1, 0), ConfigError);
        REQUIRE_THROWS_AS(space.sobol(-1, 0), ConfigError);
        REQUIRE_THROWS_AS(hpo::sobol_points(4, 0, 0), ConfigError);
        REQUIRE_THROWS_WITH(hpo::sobol_points(4, 65, 0), Catch::Contains("expected 1 to 64, got 65"));
        REQUIRE_THROWS_AS(space.from_unit_cube(Vector::Zero(3)), ConfigError);
    }
}

TEST_CASE("lenient reading: tolerance on bounds, valid ranges, numbers as labels, fixed members",
          "[hpo][search_space][plan]") {
    const auto space = test_space()
                           .valid_range("alpha", 1e-6, 1e6)
                           .valid_range("depth", 0, 100)
                           .fixed("unbound", &TestParams::unbound, hpo::uniform(0.0, 10.0));
    const hpo::LenientOptions lenient;
    // 1 ulp below the bound 1e-3 (as numpy's logspace gives it): clamped onto the bound; strict reading refuses it
    const double below = std::nextafter(1e-3, 0.0);
    CHECK(space.from_json({{"alpha", below}}, lenient).alpha == 1e-3);
    CHECK_THROWS_AS(space.from_json({{"alpha", below}}), ConfigError);
    // beyond the tolerance (1e-9 relative) but inside the valid range: kept as given
    CHECK(space.from_json({{"alpha", 5e-4}}, lenient).alpha == 5e-4);
    CHECK_THROWS_WITH(space.from_json({{"alpha", 1e-7}}, lenient), Catch::Contains("'alpha' out of range (expected 1e-06 to"));
    CHECK(space.from_json({{"depth", 50}}, lenient).depth == 50);
    // a categorical label given as a number; the boolean labels stay words
    const auto k = hpo::SearchSpace<TestParams>().add("depth", &TestParams::depth, hpo::categorical<int>({{"1", 1}, {"2", 2}}));
    CHECK(k.from_json({{"depth", 2}}, lenient).depth == 2);
    CHECK_THROWS_AS(k.from_json({{"depth", 2}}), ConfigError);
    // a fixed member: set by name, not encoded, written only when it differs from the default
    const auto p = space.from_json({{"unbound", 3.5}}, lenient);
    CHECK(p.unbound == 3.5);
    CHECK(space.encoded_size() == 11);
    CHECK(space.to_json(p).at("unbound") == 3.5);
    CHECK_FALSE(space.to_json(TestParams{}).contains("unbound"));
    CHECK(space.fixed_names() == std::vector<std::string>{"unbound"});
    // declaring a valid range that does not contain the search range is an error
    CHECK_THROWS_AS(test_space().valid_range("alpha", 1e-2, 1e6), ConfigError);
    CHECK_THROWS_AS(test_space().valid_range("kernel", 0, 1), ConfigError);
}

TEST_CASE("a space restricted to some configs samples and decodes only inside what they span",
          "[hpo][search_space][plan]") {
    const auto space = test_space().fixed("unbound", &TestParams::unbound, hpo::uniform(0.0, 10.0));
    // alpha in [0.01, 1], ratio held at 0.5, depth {2, 3}, kernel {rbf, poly}, flag held true; unbound 2 twice, 7 once
    std::vector<TestParams> configs{{.alpha = 0.01, .depth = 2, .kernel = Kernel::rbf, .unbound = 2.0},
                                    {.alpha = 1.0, .depth = 3, .kernel = Kernel::poly, .unbound = 2.0},
                                    {.alpha = 0.1, .depth = 3, .kernel = Kernel::rbf}};
    const auto r = space.restricted_to(configs);
    CHECK(r.encoded_size() == space.encoded_size());
    for (const auto& p : r.sobol(64, 5)) {
        CHECK(r.within_restriction(p));
        CHECK((p.alpha >= 0.01 && p.alpha <= 1.0));
        CHECK(p.ratio == 0.5F);
        CHECK((p.depth == 2 || p.depth == 3));
        CHECK(p.kernel != Kernel::linear);
        CHECK(p.flag);
        CHECK(p.solver == "lbfgs");
        CHECK(p.unbound == 2.0);  // the value most configs hold
        // encoding unchanged: the same vector as in the unrestricted space
        CHECK(r.encode(p) == space.encode(p));
    }
    // decode of an encoding outside the restriction lands inside it
    const Vector z = Vector::Ones(space.encoded_size());
    const auto d = r.decode(z);
    CHECK(d.alpha == Approx(1.0));
    CHECK(d.ratio == 0.5F);
    CHECK(d.kernel == Kernel::rbf);  // all-ones one-hot: the first allowed label
    CHECK(r.within_restriction(d));
    CHECK_FALSE(r.within_restriction(TestParams{.alpha = 5.0}));
    CHECK(space.within_restriction(TestParams{.alpha = 5.0}));
}
