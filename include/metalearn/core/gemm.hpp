#pragma once
/// @file gemm.hpp
/// @brief `detail::gemm`: C (=|+=) op(A)·op(B) on column-major double matrices, with an AVX2/FMA
/// kernel chosen at run time when the processor has it and Eigen was compiled for SSE only.
///
/// A build without `-march` (the default) lets Eigen use SSE2, two doubles per instruction and
/// no fused multiply-add; most x86-64 processors since 2013 have AVX2 and FMA (four doubles,
/// multiply and add in one instruction). As numerical libraries do (OpenBLAS's DYNAMIC_ARCH,
/// PyTorch's CPU dispatch), the kernel below is compiled for AVX2/FMA with a function target
/// attribute and called only after `__builtin_cpu_supports` said the processor runs it; elsewhere,
/// and whenever Eigen itself was compiled with AVX (`-march=native`), Eigen computes the product.
/// The two paths round differently (FMA, summation order), so results may differ between
/// processors in the last bits; on one machine they are the same run after run and whatever the
/// thread count (every product is computed by one thread, in a fixed order).

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <type_traits>
#include <vector>

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__)) && !defined(EIGEN_VECTORIZE_AVX)
#define METALEARN_GEMM_DISPATCH 1
#include <immintrin.h>
#endif

namespace metalearn::detail {

/// Which product `gemm` uses: `automatic` (the AVX2/FMA kernel when the processor has it and Eigen
/// was built without AVX), or always Eigen's. Process-wide; for tests and comparisons.
enum class GemmKernel { automatic, eigen };

/// The process-wide choice (see `GemmKernel`); default `automatic`.
inline std::atomic<GemmKernel>& gemm_kernel_choice() noexcept {
    static std::atomic<GemmKernel> choice{GemmKernel::automatic};
    return choice;
}

/// True when `gemm` runs the AVX2/FMA kernel under the current choice (on this processor and build).
[[nodiscard]] inline bool gemm_uses_avx2() noexcept {
#ifdef METALEARN_GEMM_DISPATCH
    static const bool cpu = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return cpu && gemm_kernel_choice().load(std::memory_order_relaxed) == GemmKernel::automatic;
#else
    return false;
#endif
}

#ifdef METALEARN_GEMM_DISPATCH
/// One block of C: 4·MR rows (MR = 1 or 2 registers of four doubles; masked by m0, m1 when MASKED)
/// × NR columns, C = (acc ? C : 0) + alpha · A(4MR×k) · op(B)(k×NR). B(p, j) is at b[p·sp + j·sj].
template <int NR, int MR, bool MASKED>
__attribute__((target("avx2,fma"))) inline void gemm_avx2_block(Index k, const double* a, Index lda, const double* b,
                                                                 Index sp, Index sj, double* c, Index ldc, bool acc,
                                                                 double alpha, __m256i m0, __m256i m1) {
    __m256d acc_r[MR][NR];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int j = 0; j < NR; ++j) acc_r[r][j] = _mm256_setzero_pd();
    for (Index p = 0; p < k; ++p) {
        const double* ap = a + p * lda;
        __m256d av[MR];
#pragma GCC unroll 2
        for (int r = 0; r < MR; ++r) {
            if constexpr (MASKED) av[r] = _mm256_maskload_pd(ap + 4 * r, r == 0 ? m0 : m1);
            else av[r] = _mm256_loadu_pd(ap + 4 * r);
        }
        const double* bp = b + p * sp;
#pragma GCC unroll 4
        for (int j = 0; j < NR; ++j) {
            const __m256d bj = _mm256_broadcast_sd(bp + j * sj);
#pragma GCC unroll 2
            for (int r = 0; r < MR; ++r) acc_r[r][j] = _mm256_fmadd_pd(av[r], bj, acc_r[r][j]);
        }
    }
    const __m256d s = _mm256_set1_pd(alpha);
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) {
        double* cj = c + j * ldc;
#pragma GCC unroll 2
        for (int r = 0; r < MR; ++r) {
            __m256d v = alpha != 1.0 ? _mm256_mul_pd(acc_r[r][j], s) : acc_r[r][j];
            if constexpr (MASKED) {
                if (acc) v = _mm256_add_pd(v, _mm256_maskload_pd(cj + 4 * r, r == 0 ? m0 : m1));
                _mm256_maskstore_pd(cj + 4 * r, r == 0 ? m0 : m1, v);
            } else {
                if (acc) v = _mm256_add_pd(v, _mm256_loadu_pd(cj + 4 * r));
                _mm256_storeu_pd(cj + 4 * r, v);
            }
        }
    }
}

/// C(rows×n) (=|+=) alpha · A(rows×k, column-major, leading dimension lda) · op(B)(k×n), B(p, j)
/// at b[p·sp + j·sj]; rows ≤ 4·MR (all of them when !MASKED).
template <int MR, bool MASKED>
__attribute__((target("avx2,fma"))) inline void gemm_avx2_rows(Index rows, Index n, Index k, const double* a, Index lda,
                                                                const double* b, Index sp, Index sj, double* c, Index ldc,
                                                                bool acc, double alpha) {
    const auto lane = [rows](Index first) { return static_cast<long long>(first < rows ? -1 : 0); };
    const __m256i m0 = _mm256_set_epi64x(lane(3), lane(2), lane(1), lane(0));
    const __m256i m1 = _mm256_set_epi64x(lane(7), lane(6), lane(5), lane(4));
    Index j = 0;
    for (; j + 4 <= n; j += 4)
        gemm_avx2_block<4, MR, MASKED>(k, a, lda, b + j * sj, sp, sj, c + j * ldc, ldc, acc, alpha, m0, m1);
    switch (n - j) {
        case 3: gemm_avx2_block<3, MR, MASKED>(k, a, lda, b + j * sj, sp, sj, c + j * ldc, ldc, acc, alpha, m0, m1); break;
        case 2: gemm_avx2_block<2, MR, MASKED>(k, a, lda, b + j * sj, sp, sj, c + j * ldc, ldc, acc, alpha, m0, m1); break;
        case 1: gemm_avx2_block<1, MR, MASKED>(k, a, lda, b + j * sj, sp, sj, c + j * ldc, ldc, acc, alpha, m0, m1); break;
        default: break;
    }
}

/// out (m×k, column-major, leading dimension m) = Aᵀ for A stored k×m (leading dimension lda):
/// 4×4 blocks transposed in registers, the edges one by one.
__attribute__((target("avx2,fma"))) inline void gemm_avx2_pack_transposed(Index m, Index k, const double* A, Index lda,
                                                                          double* out) {
    Index i = 0;
    for (; i + 4 <= m; i += 4) {
        Index p = 0;
        for (; p + 4 <= k; p += 4) {
            const __m256d r0 = _mm256_loadu_pd(A + p + (i + 0) * lda);  // A(p..p+3, i)
            const __m256d r1 = _mm256_loadu_pd(A + p + (i + 1) * lda);
            const __m256d r2 = _mm256_loadu_pd(A + p + (i + 2) * lda);
            const __m256d r3 = _mm256_loadu_pd(A + p + (i + 3) * lda);
            const __m256d t0 = _mm256_unpacklo_pd(r0, r1);  // A(p,i) A(p,i+1) A(p+2,i) A(p+2,i+1)
            const __m256d t1 = _mm256_unpackhi_pd(r0, r1);  // A(p+1,i) A(p+1,i+1) A(p+3,i) A(p+3,i+1)
            const __m256d t2 = _mm256_unpacklo_pd(r2, r3);
            const __m256d t3 = _mm256_unpackhi_pd(r2, r3);
            _mm256_storeu_pd(out + i + (p + 0) * m, _mm256_permute2f128_pd(t0, t2, 0x20));
            _mm256_storeu_pd(out + i + (p + 1) * m, _mm256_permute2f128_pd(t1, t3, 0x20));
            _mm256_storeu_pd(out + i + (p + 2) * m, _mm256_permute2f128_pd(t0, t2, 0x31));
            _mm256_storeu_pd(out + i + (p + 3) * m, _mm256_permute2f128_pd(t1, t3, 0x31));
        }
        for (; p < k; ++p)
            for (Index c = i; c < i + 4; ++c) out[c + p * m] = A[p + c * lda];
    }
    for (; i < m; ++i)
        for (Index p = 0; p < k; ++p) out[i + p * m] = A[p + i * lda];
}

/// C(m×n) (=|+=) alpha · A(m×k) · op(B)(k×n) as above: strips of 8 rows, then the tail (4 rows
/// unmasked, the rest masked); k cut into panels of 256 so that a strip of A stays in the L1
/// cache across the columns of C.
__attribute__((target("avx2,fma"))) inline void gemm_avx2(Index m, Index n, Index k, const double* a, Index lda,
                                                          const double* b, Index sp, Index sj, double* c, Index ldc,
                                                          bool acc, double alpha) {
    constexpr Index kc = 256;
    for (Index p0 = 0; p0 < k; p0 += kc) {
        const Index kb = std::min(kc, k - p0);
        const bool add = acc || p0 > 0;
        const double* bk = b + p0 * sp;
        Index i = 0;
        for (; i + 8 <= m; i += 8) gemm_avx2_rows<2, false>(8, n, kb, a + i + p0 * lda, lda, bk, sp, sj, c + i, ldc, add, alpha);
        if (i + 4 <= m) {
            gemm_avx2_rows<1, false>(4, n, kb, a + i + p0 * lda, lda, bk, sp, sj, c + i, ldc, add, alpha);
            i += 4;
        }
        if (i < m) gemm_avx2_rows<1, true>(m - i, n, kb, a + i + p0 * lda, lda, bk, sp, sj, c + i, ldc, add, alpha);
    }
}
#endif

/// C(m×n) = alpha · op(A)(m×k) · op(B)(k×n), plus C's previous value when `accumulate`; all column-major.
/// op(A) is A (stored m×k, leading dimension lda ≥ m) or, when `trans_a`, Aᵀ (A stored k×m,
/// lda ≥ k); likewise op(B) with `trans_b`. C (leading dimension ldc ≥ m) must not overlap A or B.
/// m, n, k ≥ 0 (k = 0 gives C = 0, or leaves C unchanged when accumulating). A and B are read even
/// when alpha = 0 (a NaN in them gives NaN, unlike BLAS, which skips them).
/// Kernel: see the file documentation. Cost O(m·n·k); on the AVX2 path a transposed A is first
/// copied into a per-thread buffer (O(m·k); the buffer keeps its largest size for the thread's life).
inline void gemm(Index m, Index n, Index k, double alpha, const double* A, Index lda, bool trans_a, const double* B,
                 Index ldb, bool trans_b, double* C, Index ldc, bool accumulate) {
    if (m <= 0 || n <= 0) return;
#ifdef METALEARN_GEMM_DISPATCH
    if (gemm_uses_avx2()) {
        if (k <= 0) {
            if (!accumulate)
                for (Index j = 0; j < n; ++j)
                    for (Index i = 0; i < m; ++i) C[i + j * ldc] = 0.0;
            return;
        }
        const double* a = A;
        Index la = lda;
        if (trans_a) {  // the kernel reads columns of op(A): copy Aᵀ once
            thread_local std::vector<double> packed;
            packed.resize(static_cast<std::size_t>(m) * static_cast<std::size_t>(k));
            gemm_avx2_pack_transposed(m, k, A, lda, packed.data());
            a = packed.data();
            la = m;
        }
        gemm_avx2(m, n, k, a, la, B, trans_b ? ldb : 1, trans_b ? 1 : ldb, C, ldc, accumulate, alpha);
        return;
    }
#endif
    using Stride = Eigen::OuterStride<>;
    using In = Eigen::Map<const Matrix, 0, Stride>;
    Eigen::Map<Matrix, 0, Stride> c(C, m, n, Stride(ldc));
    const In a(A, trans_a ? k : m, trans_a ? m : k, Stride(lda));
    const In b(B, trans_b ? n : k, trans_b ? k : n, Stride(ldb));
    if (k <= 0) {
        if (!accumulate) c.setZero();
        return;
    }
    if (!accumulate) c.setZero();
    if (trans_a && trans_b) c.noalias() += alpha * a.transpose() * b.transpose();
    else if (trans_a) c.noalias() += alpha * a.transpose() * b;
    else if (trans_b) c.noalias() += alpha * a * b.transpose();
    else c.noalias() += alpha * a * b;
}

}  // namespace metalearn::detail

namespace metalearn::detail {

/// `gemm` on Eigen column-major operands with unit inner stride (Matrix, Map, Ref, blocks of whole
/// columns or rows of them): c = alpha · op(a)·op(b) (+ c when `accumulate`), c already of size m×n
/// and not overlapping a or b (not checked).
/// @throws DataError when the sizes do not match.
template <class C, class A, class B>
inline void gemm_into(C&& c, const A& a, bool trans_a, const B& b, bool trans_b, bool accumulate, double alpha = 1.0) {
    static_assert(!(std::decay_t<C>::IsRowMajor || A::IsRowMajor || B::IsRowMajor), "gemm_into: column-major operands only");
    const Index m = trans_a ? a.cols() : a.rows();
    const Index k = trans_a ? a.rows() : a.cols();
    const Index n = trans_b ? b.rows() : b.cols();
    if ((trans_b ? b.cols() : b.rows()) != k || c.rows() != m || c.cols() != n || a.innerStride() != 1 ||
        b.innerStride() != 1 || c.innerStride() != 1)
        throw DataError("detail::gemm_into(): operand sizes or strides do not match");
    gemm(m, n, k, alpha, a.data(), a.outerStride(), trans_a, b.data(), b.outerStride(), trans_b, c.data(),
         c.outerStride(), accumulate);
}

}  // namespace metalearn::detail
