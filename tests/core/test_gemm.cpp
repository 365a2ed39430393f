// Tests of detail::gemm (core/gemm.hpp): both kernels against a triple loop in long double, for
// every transpose, alpha, accumulation, stride and tail size.
#include "support/test_support.hpp"

#include <metalearn/core/gemm.hpp>
#include <metalearn/core/random.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using metalearn::Index;
using metalearn::Matrix;
using metalearn::Rng;
namespace detail = metalearn::detail;

namespace {

// Restores the process-wide kernel choice when a test ends, even on failure.
struct KernelChoice {
    explicit KernelChoice(detail::GemmKernel k) { detail::gemm_kernel_choice() = k; }
    ~KernelChoice() { detail::gemm_kernel_choice() = detail::GemmKernel::automatic; }
    KernelChoice(const KernelChoice&) = delete;
    KernelChoice& operator=(const KernelChoice&) = delete;
};

Matrix normal_matrix(Index r, Index c, Rng& rng) {
    Matrix m(r, c);
    for (Index j = 0; j < c; ++j)
        for (Index i = 0; i < r; ++i) m(i, j) = rng.normal();
    return m;
}

}  // namespace

TEST_CASE("gemm equals a long-double triple loop for every transpose, alpha, accumulation and tail size", "[core][gemm]") {
    const auto kernel = GENERATE(detail::GemmKernel::automatic, detail::GemmKernel::eigen);
    const KernelChoice choice(kernel);
    INFO("kernel " << (kernel == detail::GemmKernel::eigen ? "eigen" : "automatic") << ", AVX2 in use "
                   << detail::gemm_uses_avx2());
    if (kernel == detail::GemmKernel::eigen) CHECK_FALSE(detail::gemm_uses_avx2());
    Rng rng(11);
    // m and n cover the 8-row strips and 4-column blocks with every tail; k crosses the 256-panel cut
    for (Index m : {1, 3, 4, 7, 8, 9, 17}) {
        for (Index n : {1, 2, 3, 4, 5, 11}) {
            for (Index k : {0, 1, 5, 40, 300}) {
                const bool ta = rng.uniform_index(2) == 1;
                const bool tb = rng.uniform_index(2) == 1;
                const bool acc = rng.uniform_index(2) == 1;
                const double alpha = k % 2 == 0 ? 1.0 : -0.37;
                const Index lda = (ta ? k : m) + 2, ldb = (tb ? n : k) + 1, ldc = m + 3;  // padded columns
                const Matrix A = normal_matrix(lda, ta ? m : k, rng);
                const Matrix B = normal_matrix(ldb, tb ? k : n, rng);
                const Matrix C0 = normal_matrix(ldc, n, rng);
                Matrix C = C0;
                detail::gemm(m, n, k, alpha, A.data(), lda, ta, B.data(), ldb, tb, C.data(), ldc, acc);
                INFO("m " << m << " n " << n << " k " << k << " ta " << ta << " tb " << tb << " acc " << acc);
                double worst = 0.0;
                for (Index j = 0; j < n; ++j)
                    for (Index i = 0; i < m; ++i) {
                        long double s = 0.0L;
                        for (Index p = 0; p < k; ++p)
                            s += static_cast<long double>(ta ? A(p, i) : A(i, p)) * (tb ? B(j, p) : B(p, j));
                        const long double want = alpha * s + (acc ? C0(i, j) : 0.0L);
                        worst = std::max(worst, static_cast<double>(std::fabs(C(i, j) - want)));
                    }
                // rounding: k products of N(0,1) entries, each sum within ~k·2^-52·max partial sum
                CHECK(worst <= 1e-14 * static_cast<double>(k + 1) * 10.0);
                // the padding rows of C are not written
                CHECK(C.bottomRows(ldc - m) == C0.bottomRows(ldc - m));
            }
        }
    }
}

TEST_CASE("gemm_into checks sizes and accepts blocks of rows", "[core][gemm][errors]") {
    Rng rng(3);
    const Matrix A = normal_matrix(10, 4, rng), B = normal_matrix(4, 6, rng);
    Matrix C = Matrix::Zero(10, 6);
    detail::gemm_into(C.middleRows(2, 5), A.middleRows(2, 5), false, B, false, false);  // rows 2..6 only
    REQUIRE_THAT(Matrix(C.middleRows(2, 5)), metalearn::test::approx_matrix(Matrix(A.middleRows(2, 5) * B), 1e-13, 1e-13));
    CHECK(C.topRows(2).isZero(0.0));
    CHECK(C.bottomRows(3).isZero(0.0));
    Matrix wrong(3, 6);
    CHECK_THROWS_AS(detail::gemm_into(wrong, A, false, B, false, false), metalearn::DataError);
    CHECK_THROWS_AS(detail::gemm_into(C, A, true, B, false, false), metalearn::DataError);  // Aᵀ is 4×10
}
