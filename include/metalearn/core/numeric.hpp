#pragma once
/// @file numeric.hpp
/// @brief Small numeric helpers shared by the layers.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#if defined(__AVX__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>  // SSE2 only: the small header (as Eigen includes it)
#endif

namespace metalearn {

/// Relative spread below which `is_constant_range` calls a set of values constant: 10⁻¹² of their
/// largest magnitude, about 4500 units in the last place of a double — rounding noise, not data.
inline constexpr double constant_relative_spread = 1e-12;

/// Whether values with minimum `lo` and maximum `hi` are constant: all equal, or spread by no
/// more than `rel`·max(|lo|, |hi|). The test is relative, so it does not depend on the units: a
/// column multiplied by 1e-15 or 1e160 is constant exactly when the original is.
/// @param lo  the smallest value.
/// @param hi  the largest value (≥ lo).
/// @param rel the relative spread tolerated, ≥ 0; default `constant_relative_spread`.
/// @return true when constant; also true when `lo` or `hi` is NaN (no spread can be measured).
/// Complexity O(1).
[[nodiscard]] inline bool is_constant_range(double lo, double hi, double rel = constant_relative_spread) noexcept {
    if (lo == hi) return true;
    return !(hi - lo > rel * std::max(std::abs(lo), std::abs(hi)));
}

/// out[b] = Σ weight(i) over the i in [0, n) with slot(i) = b, for b in [0, m): per-class (or
/// per-bucket) sums over one pass. For m ≤ 64, four interleaved copies of the sums, so that
/// consecutive items of one slot do not wait on each other's addition (≈2× on long runs of one
/// class); each sum is then (copy 0 + copy 1) + copy 2 + copy 3, the same order for every m ≤ 64.
/// For m > 64, one copy, accumulated straight into `out`.
/// @tparam T     the sum type (an integer or floating-point type).
/// @param n      number of items, ≥ 0.
/// @param m      number of slots; out has m elements.
/// @param slot   callable Index → integer in [0, m) (not checked).
/// @param weight callable Index → T.
/// @param out    m sums, overwritten.
template <class T, class Slot, class Weight>
inline void sum_by_slot(std::ptrdiff_t n, std::size_t m, Slot slot, Weight weight, T* out) {
    constexpr std::size_t interleaved_max = 64;
    if (m > interleaved_max) {
        std::fill(out, out + m, T{});
        for (std::ptrdiff_t i = 0; i < n; ++i) out[slot(i)] += weight(i);
        return;
    }
    T part[4][interleaved_max];
    for (auto& q : part) std::fill(q, q + m, T{});
    std::ptrdiff_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (std::ptrdiff_t u = 0; u < 4; ++u) part[u][slot(i + u)] += weight(i + u);
    for (; i < n; ++i) part[0][slot(i)] += weight(i);
    for (std::size_t b = 0; b < m; ++b) out[b] = part[0][b] + part[1][b] + part[2][b] + part[3][b];
}

namespace numeric_detail {

/// Cody–Waite split of ln 2 (fdlibm's e_exp.c constants): the high part has 21 trailing zero
/// bits, so n·ln2_hi is exact for |n| < 2²¹.
inline constexpr double exp_ln2_hi = 6.93147180369123816490e-01;
inline constexpr double exp_ln2_lo = 1.90821492927058770002e-10;
/// Below this argument `exp_inplace` returns 0 (exp(−708) ≈ 3.3e-308, just above the smallest
/// normal double).
inline constexpr double exp_flush_below = -708.0;
/// Arguments are clamped to this from above: exp(710.5) overflows, and n = round(x / ln 2) ≤ 1025
/// keeps the exponent arithmetic in range (2¹⁰²⁴ becomes +∞).
inline constexpr double exp_clamp_above = 710.5;

/// Lane-wise helpers of `exp_kernel` for a vector type V of the GCC/Clang vector extensions
/// (x86 instructions where available: the generic forms compile to compare-and-select
/// sequences) or V = double.
template <class V>
inline V exp_max(V a, V b) {  // a > b ? a : b — NaN in a gives b (maxpd)
#if defined(__SSE2__)
    if constexpr (sizeof(V) == 16) return reinterpret_cast<V>(_mm_max_pd(reinterpret_cast<__m128d>(a), reinterpret_cast<__m128d>(b)));
#endif
#if defined(__AVX__)
    if constexpr (sizeof(V) == 32) return reinterpret_cast<V>(_mm256_max_pd(reinterpret_cast<__m256d>(a), reinterpret_cast<__m256d>(b)));
#endif
    return a > b ? a : b;
}
template <class V>
inline V exp_min(V a, V b) {  // a < b ? a : b — NaN in a gives b (minpd)
#if defined(__SSE2__)
    if constexpr (sizeof(V) == 16) return reinterpret_cast<V>(_mm_min_pd(reinterpret_cast<__m128d>(a), reinterpret_cast<__m128d>(b)));
#endif
#if defined(__AVX__)
    if constexpr (sizeof(V) == 32) return reinterpret_cast<V>(_mm256_min_pd(reinterpret_cast<__m256d>(a), reinterpret_cast<__m256d>(b)));
#endif
    return a < b ? a : b;
}

/// The unsigned 64-bit integer type as wide as V (1, 2 or 4 lanes).
template <std::size_t Bytes>
struct ExpBits {
    using type = std::uint64_t;
};
#if defined(__GNUC__)
template <>
struct ExpBits<16> {
    using type = std::uint64_t __attribute__((vector_size(16)));
};
template <>
struct ExpBits<32> {
    using type = std::uint64_t __attribute__((vector_size(32)));
};
#endif

/// exp of the lanes of x by the arithmetic of `exp_inplace`, for V = double or a vector of
/// doubles of the GCC/Clang vector extensions. Branch-free; ±∞ and NaN are handled by the clamps
/// and the final selections.
template <class V>
inline V exp_kernel(V x) {
    constexpr double shifter = 0x1.8p52;  // 1.5·2⁵²: adding it rounds to an integer in the low bits
    const V xc = exp_min(exp_max(x, V{} + exp_flush_below), V{} + exp_clamp_above);  // a NaN becomes −708 here
    const V t = xc * 1.4426950408889634074 + shifter;  // 1.5·2⁵² + n, n = round(x / ln 2)
    const V n = t - shifter;
    const V r = (xc - n * exp_ln2_hi) - n * exp_ln2_lo;  // |r| ≤ ln2 / 2
    // exp(r) = 1 + (r + r²·q(r)), q the Taylor polynomial Σ_{k=2..12} r^(k−2)/k! (remainder
    // ≤ 0.347¹³ / 13! < 1.8e-16 relative) in Estrin's scheme: a few levels of independent
    // multiply–adds instead of Horner's chain. The small correction r²·q carries the rounding of
    // q; the two last additions are the only roundings at the scale of the result.
    const V r2 = r * r;
    const V r4 = r2 * r2;
    const V r8 = r4 * r4;
    const V u0 = (0.5 + r * (1.0 / 6.0)) + (1.0 / 24.0 + r * (1.0 / 120.0)) * r2;
    const V u1 = (1.0 / 720.0 + r * (1.0 / 5040.0)) + (1.0 / 40320.0 + r * (1.0 / 362880.0)) * r2;
    const V u2 = (1.0 / 3628800.0 + r * (1.0 / 39916800.0)) + (1.0 / 479001600.0) * r2;
    const V q = (u0 + u1 * r4) + u2 * r8;
    const V p = 1.0 + (r + r2 * q);
    // the low bits of t hold n; (bits + 1022) << 52 is the double 2ⁿ⁻¹ (−1021 ≤ n ≤ 1025; 2¹⁰²⁴ is +∞)
    using I = typename ExpBits<sizeof(V)>::type;
    I bits;
    std::memcpy(&bits, &t, sizeof bits);
    bits = static_cast<I>((bits + 1022) << 52);
    V scale;
    std::memcpy(&scale, &bits, sizeof scale);
    const V y = (p * scale) * 2.0 + (x - x);  // + (x − x): +0, or NaN for a NaN (and ±∞, selected next)
    const V y0 = x < exp_flush_below ? 0.0 : y;
    return x > exp_clamp_above ? std::numeric_limits<double>::infinity() : y0;
}

}  // namespace numeric_detail

/// exp(x) in place for the n values at `x`, vectorised (2 doubles at a time with SSE2, 4 with
/// AVX2) and without a division: n = round(x / ln 2), r = x − n·ln 2 in two parts (Cody & Waite
/// 1980), a degree-12 Taylor polynomial in r, and 2ⁿ put in the exponent bits (Muller,
/// *Elementary Functions*, 2016, ch. 11).
/// Accuracy: within 2 units in the last place of std::exp over [−708, ln(DBL_MAX) ≈ 709.7827],
/// 3 where the compiler contracts multiply–adds into FMA instructions (measured by the tests'
/// sweep, hard cases near the odd multiples of ln 2 / 2 included); exp(0) = 1 exactly. The same
/// arithmetic runs on every lane and on the last, zero-padded vector, so a value's result does
/// not depend on its position or on n.
/// Differs from std::exp on purpose below −708, where it returns 0 instead of a value below
/// 3.3e-308; above ln(DBL_MAX) it returns +∞, as std::exp does; NaN stays NaN.
/// Complexity O(n), no allocation. Used where a model evaluates millions of kernel values
/// (the RBF kernel of the SVMs); about 1.5× Eigen's `array().exp()` at SSE2.
inline void exp_inplace(double* x, std::size_t n) noexcept {
    std::size_t i = 0;
#if defined(__GNUC__)
#if defined(__AVX2__)
    constexpr std::size_t width = 4;
#else
    constexpr std::size_t width = 2;
#endif
    using V = double __attribute__((vector_size(width * sizeof(double))));
    for (; i + width <= n; i += width) {
        V v;
        std::memcpy(&v, x + i, sizeof v);
        v = numeric_detail::exp_kernel(v);
        std::memcpy(x + i, &v, sizeof v);
    }
    if (i < n) {  // the last n − i < width values, in one zero-padded vector (the same arithmetic)
        V v{};
        std::memcpy(&v, x + i, (n - i) * sizeof(double));
        v = numeric_detail::exp_kernel(v);
        std::memcpy(x + i, &v, (n - i) * sizeof(double));
    }
#else
    for (; i < n; ++i) x[i] = numeric_detail::exp_kernel(x[i]);
#endif
}

}  // namespace metalearn
