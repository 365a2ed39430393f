#include "support/test_support.hpp"

#include <metalearn/core/memory.hpp>
#include <metalearn/core/numeric.hpp>
#include <metalearn/core/random.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using metalearn::exp_inplace;

namespace {
// Units in the last place of `got` against the correctly rounded exp, taken as std::exp (glibc's
// exp is correctly rounded in practice, within 0.5 ulp).
double ulps(double got, double x) {
    const double ref = std::exp(x);
    return std::abs(got - ref) / (std::nextafter(ref, std::numeric_limits<double>::infinity()) - ref);
}
}  // namespace

// Without FMA contraction the arithmetic is the same on every build; a compiler that contracts
// multiply–adds (-march with FMA) rounds differently, one more unit at most.
#if defined(__FMA__)
constexpr double exp_max_ulps = 3.0;
#else
constexpr double exp_max_ulps = 2.0;
#endif

TEST_CASE("exp_inplace is within 2 ulp of std::exp over its whole range", "[core][numeric]") {
    // a dense sweep of [-708, 709.78], plus the reduction's hard cases: points near the odd
    // multiples of ln 2 / 2, where |r| is largest, and two values that were 4 ulp off in an
    // earlier version of the polynomial
    std::vector<double> x;
    const int n = 2'000'001;
    for (int i = 0; i < n; ++i) x.push_back(-708.0 + (709.78 + 708.0) * i / (n - 1));
    metalearn::Rng rng(3);
    for (int k = -2043; k <= 2047; k += 2) {
        const double m = k * std::log(2.0) / 2.0;
        if (m >= -708.0 && m <= 709.78)
            for (int j = 0; j < 200; ++j) x.push_back(m + (2.0 * rng.uniform() - 1.0) * 1e-6);
    }
    x.push_back(-130.65824353554859);
    x.push_back(-701.81152031687088);
    std::vector<double> y = x;
    exp_inplace(y.data(), y.size());
    double worst = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, ulps(y[i], x[i]));
    CHECK(worst <= exp_max_ulps);
    for (std::size_t len = 1; len <= 9; ++len) {  // every length of the padded tail, same numbers
        std::vector<double> part(x.begin() + 1000, x.begin() + 1000 + static_cast<std::ptrdiff_t>(len));
        exp_inplace(part.data(), part.size());
        for (std::size_t i = 0; i < len; ++i) CHECK(part[i] == y[1000 + i]);
    }
}

TEST_CASE("exp_inplace's special values: 1 at 0, 0 below -708, +inf above ln(DBL_MAX), NaN kept", "[core][numeric]") {
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> v = {0.0, -0.0, -708.5, -745.2, -1e300, -inf, 709.79, 710.6, 1e300, inf,
                             std::numeric_limits<double>::quiet_NaN(), 1e-300, -1e-300};
    exp_inplace(v.data(), v.size());
    CHECK(v[0] == 1.0);
    CHECK(v[1] == 1.0);
    for (int i = 2; i <= 5; ++i) CHECK(v[static_cast<std::size_t>(i)] == 0.0);  // flushed to +0
    for (int i = 6; i <= 9; ++i) CHECK(v[static_cast<std::size_t>(i)] == inf);  // exp(709.79) > DBL_MAX
    CHECK(std::isnan(v[10]));
    CHECK(v[11] == 1.0);  // exp(±1e-300) rounds to 1
    CHECK(v[12] == 1.0);
    // std::exp agrees where it is defined: exp(-708) ≈ 3.3e-308 is kept, exp(709.78) finite
    double edge[2] = {-708.0, 709.78};
    exp_inplace(edge, 2);
    CHECK(ulps(edge[0], -708.0) <= exp_max_ulps);
    CHECK(ulps(edge[1], 709.78) <= exp_max_ulps);
}

TEST_CASE("advise_huge_pages is a hint: any pointer and size, the buffer's values unchanged", "[core][memory]") {
    metalearn::advise_huge_pages(nullptr, 0);
    metalearn::advise_huge_pages(nullptr, std::size_t{1} << 30);
    std::vector<double> small(100, 1.5);
    metalearn::advise_huge_pages(small.data(), small.size() * sizeof(double));
    CHECK(small[99] == 1.5);
    // 12 MiB, not 2 MiB-aligned (an offset of one double): the whole 2 MiB pages inside are advised
    std::vector<double> big(std::size_t{3} << 19, 0.0);
    metalearn::advise_huge_pages(big.data() + 1, (big.size() - 1) * sizeof(double));
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<double>(i);
    double sum = 0.0;
    for (const double v : big) sum += v;
    const auto n = static_cast<double>(big.size());
    CHECK(sum == n * (n - 1) / 2);  // exact: below 2^53
}

TEST_CASE("sum_by_slot adds each item's weight to its slot, with and without interleaved copies", "[core][numeric]") {
    // 7 items over 3 slots: slot(i) = i mod 3, weight(i) = i + 1 (hand-computed sums: slot 0 gets
    // items 0, 3, 6 → 1 + 4 + 7 = 12; slot 1 gets 1, 4 → 2 + 5 = 7; slot 2 gets 2, 5 → 3 + 6 = 9)
    std::int64_t counts[3] = {-1, -1, -1};
    metalearn::sum_by_slot<std::int64_t>(7, 3, [](std::ptrdiff_t i) { return static_cast<std::size_t>(i % 3); },
                                         [](std::ptrdiff_t i) { return std::int64_t{i + 1}; }, counts);
    CHECK(counts[0] == 12);
    CHECK(counts[1] == 7);
    CHECK(counts[2] == 9);
    // no items: zeros
    double none[2] = {5.0, 5.0};
    metalearn::sum_by_slot(0, 2, [](std::ptrdiff_t) { return std::size_t{0}; }, [](std::ptrdiff_t) { return 1.0; }, none);
    CHECK(none[0] == 0.0);
    CHECK(none[1] == 0.0);
    // more slots than the interleaved copies hold (100 > 64): item i in slot i mod 100, weight 0.5,
    // 1003 items → slots 0, 1, 2 get 11 items (5.5), the others 10 (5.0)
    std::vector<double> sums(100, -1.0);
    metalearn::sum_by_slot(1003, sums.size(), [](std::ptrdiff_t i) { return static_cast<std::size_t>(i % 100); },
                           [](std::ptrdiff_t) { return 0.5; }, sums.data());
    for (std::size_t b = 0; b < sums.size(); ++b) CHECK(sums[b] == (b < 3 ? 5.5 : 5.0));
}
