#pragma once
/// @file stats.hpp
/// @brief Small statistical helpers shared by the meta-feature groups (internal).
///
/// Conventions (numpy / scipy defaults unless said otherwise): quantiles interpolate linearly
/// between order statistics (numpy `percentile`, "linear"); variances are sample variances
/// (ddof = 1); skewness and kurtosis follow e1071's "type 3" (b1, b2), which pymfe uses by default.

#include "metalearn/core/radix_sort.hpp"
#include "metalearn/core/types.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <numeric>
#include <vector>

namespace metalearn::metafeatures::detail {

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

/// Quantile `q` in [0, 1] of an ascending-sorted range (numpy "linear" method). Empty → NaN.
inline double sorted_quantile(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return nan;
    const double pos = q * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const auto hi = std::min(lo + 1, sorted.size() - 1);
    const double frac = pos - static_cast<double>(lo);
    return sorted[lo] + frac * (sorted[hi] - sorted[lo]);
}

/// Mean of a vector. Empty → NaN.
inline double mean(const std::vector<double>& v) {
    if (v.empty()) return nan;
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

/// Sample variance (ddof = 1). Fewer than 2 values → NaN.
inline double variance(const std::vector<double>& v) {
    if (v.size() < 2) return nan;
    const double m = mean(v);
    double s = 0.0;
    for (double x : v) s += (x - m) * (x - m);
    return s / static_cast<double>(v.size() - 1);
}

/// Central moments m2, m3, m4 (divided by n).
struct Moments {
    double m2 = 0, m3 = 0, m4 = 0;
};

template <class Range>
inline Moments central_moments(const Range& v, double m) {
    Moments r;
    double n = 0;
    for (double x : v) {
        const double d = x - m;
        const double d2 = d * d;
        r.m2 += d2;
        r.m3 += d2 * d;
        r.m4 += d2 * d2;
        n += 1;
    }
    if (n > 0) {
        r.m2 /= n;
        r.m3 /= n;
        r.m4 /= n;
    }
    return r;
}

/// True when the spread is negligible relative to the values' magnitude (a constant sample):
/// sd = √m2 is 0, or at most 10⁻¹⁴·|mean| (rounding noise of a constant column's mean). The test
/// is relative, so a sample multiplied by 1e-15 or 1e160 is degenerate exactly when the original is.
inline bool is_degenerate(double m2, double m) {
    return !(m2 > 0) || !(std::sqrt(m2) > 1e-14 * std::abs(m));
}

/// Sort finite doubles ascending. Above 1024 values an LSD radix sort on the order-preserving
/// 64-bit image of each double (11 bits a pass, a pass skipped when every value shares its
/// digit), O(n) instead of O(n log n); the result is the sequence std::sort gives, except that
/// −0 always precedes +0 (std::sort leaves equal values in an unspecified order).
inline void sort_values(std::vector<double>& v) {
    if (v.size() < 1024) {
        std::sort(v.begin(), v.end());
        return;
    }
    std::vector<double> buf;
    radix_sort(v.data(), v.size(), buf, [](double x) { return ordered_bits(x); }, 64);
}

/// x · 2^e, the same number as std::ldexp(x, e) (a product with a power of two is rounded once, as
/// ldexp rounds), by one multiplication when 2^e is a normal number; `p2` = std::ldexp(1.0, e).
[[nodiscard]] inline double times_pow2(double x, double p2, int e) {
    return std::isnormal(p2) ? x * p2 : std::ldexp(x, e);
}

/// The values divided by the power of two just above their largest magnitude (exact: the results
/// of the moment formulas on them are those on the values, scaled), so that squares and fourth
/// powers neither overflow (values near 1e160) nor underflow (values near 1e-160).
template <class Range>
inline std::vector<double> power_of_two_scaled(const Range& v) {
    double magnitude = 0.0;
    for (double x : v) magnitude = std::max(magnitude, std::abs(x));
    int exponent = 0;
    (void)std::frexp(magnitude, &exponent);
    std::vector<double> out;
    const double p2 = std::ldexp(1.0, -exponent);
    for (double x : v) out.push_back(times_pow2(x, p2, -exponent));
    return out;
}

/// Skewness. type 3 (e1071/pymfe): g1·((n−1)/n)^{3/2}; biased (scipy default): g1 = m3/m2^{3/2}.
/// Constant sample or n < 1 → NaN (0/0).
template <class Range>
inline double skewness(const Range& values, bool type3 = true) {
    const std::vector<double> v = power_of_two_scaled(values);  // scale-free statistic
    double n = 0, s = 0;
    for (double x : v) {
        s += x;
        n += 1;
    }
    if (n < 1) return nan;
    const double m = s / n;
    const Moments mo = central_moments(v, m);
    if (is_degenerate(mo.m2, m)) return nan;
    const double g1 = mo.m3 / std::pow(mo.m2, 1.5);
    return type3 ? g1 * std::pow((n - 1) / n, 1.5) : g1;
}

/// Excess kurtosis. type 3 (e1071/pymfe): (g2 + 3)·((n−1)/n)² − 3; biased Fisher (scipy default):
/// g2 = m4/m2² − 3. Constant sample → NaN.
template <class Range>
inline double kurtosis(const Range& values, bool type3 = true) {
    const std::vector<double> v = power_of_two_scaled(values);  // scale-free statistic
    double n = 0, s = 0;
    for (double x : v) {
        s += x;
        n += 1;
    }
    if (n < 1) return nan;
    const double m = s / n;
    const Moments mo = central_moments(v, m);
    if (is_degenerate(mo.m2, m)) return nan;
    const double b = mo.m4 / (mo.m2 * mo.m2);
    return type3 ? b * ((n - 1) / n) * ((n - 1) / n) - 3.0 : b - 3.0;
}

/// Standard normal CDF.
inline double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

/// Standard normal quantile (inverse CDF) for p in (0, 1): Acklam's rational approximation
/// refined by one Halley step (relative error below 1e-13).
inline double normal_ppf(double p) {
    if (!(p > 0.0 && p < 1.0)) return p == 0.0 ? -std::numeric_limits<double>::infinity()
                                                : (p == 1.0 ? std::numeric_limits<double>::infinity() : nan);
    static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                   1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                   6.680131188771972e+01,  -1.328068155288572e+01};
    static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                   -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                   3.754408661907416e+00};
    constexpr double plow = 0.02425;
    double x = 0.0;
    if (p < plow) {
        const double q = std::sqrt(-2 * std::log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - plow) {
        const double q = p - 0.5;
        const double r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {
        const double q = std::sqrt(-2 * std::log(1 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    const double e = normal_cdf(x) - p;
    const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

/// Shapiro–Wilk test of normality: returns the p-value, NaN for n < 3, 1 for a constant sample
/// (scipy's convention: W = 1).
///
/// Royston's approximation (Royston 1992, "Approximating the Shapiro-Wilk W-test for
/// non-normality", Statistics and Computing 2:117–119; algorithm AS R94, 1995), as used by R and
/// scipy: coefficients from normal scores with polynomial corrections of the two extreme ones,
/// p-value from a normalising transform of log(1 − W).
inline double shapiro_wilk_pvalue(std::vector<double> x) {
    const std::size_t n = x.size();
    if (n < 3) return nan;
    sort_values(x);
    const double range = x.back() - x.front();
    if (!(range > 1e-14 * std::max(std::abs(x.front()), std::abs(x.back())))) return 1.0;  // relative: any units
    const double nd = static_cast<double>(n);
    std::vector<double> a(n, 0.0);
    if (n == 3) {
        a[0] = -std::sqrt(0.5);
        a[2] = std::sqrt(0.5);
    } else {
        std::vector<double> m(n);
        double mm = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            m[i] = normal_ppf((static_cast<double>(i + 1) - 0.375) / (nd + 0.25));
            mm += m[i] * m[i];
        }
        const double u = 1.0 / std::sqrt(nd);
        const auto poly = [u](const double* c) {
            return c[0] + u * (c[1] + u * (c[2] + u * (c[3] + u * (c[4] + u * c[5]))));
        };
        static constexpr double c1[] = {0.0, 0.221157, -0.147981, -2.071190, 4.434685, -2.706056};
        static constexpr double c2[] = {0.0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633};
        const double an = m[n - 1] / std::sqrt(mm) + poly(c1);
        if (n > 5) {
            const double an1 = m[n - 2] / std::sqrt(mm) + poly(c2);
            const double phi = (mm - 2 * m[n - 1] * m[n - 1] - 2 * m[n - 2] * m[n - 2]) /
                               (1 - 2 * an * an - 2 * an1 * an1);
            for (std::size_t i = 2; i + 2 < n; ++i) a[i] = m[i] / std::sqrt(phi);
            a[n - 1] = an;
            a[0] = -an;
            a[n - 2] = an1;
            a[1] = -an1;
        } else {
            const double phi = (mm - 2 * m[n - 1] * m[n - 1]) / (1 - 2 * an * an);
            for (std::size_t i = 1; i + 1 < n; ++i) a[i] = m[i] / std::sqrt(phi);
            a[n - 1] = an;
            a[0] = -an;
        }
    }
    const double xm = std::accumulate(x.begin(), x.end(), 0.0) / nd;
    double num = 0.0, den = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        num += a[i] * x[i];
        den += (x[i] - xm) * (x[i] - xm);
    }
    double w = std::min(1.0, num * num / den);
    if (n == 3) {
        const double p = 6.0 / std::numbers::pi * (std::asin(std::sqrt(w)) - std::asin(std::sqrt(0.75)));
        return std::clamp(p, 0.0, 1.0);
    }
    const double y = std::log1p(-w);
    double mu = 0.0, sigma = 0.0, z = 0.0;
    if (n <= 11) {
        const double gamma = -2.273 + 0.459 * nd;
        if (y >= gamma) return 1e-99;
        mu = 0.5440 + nd * (-0.39978 + nd * (0.025054 + nd * -6.714e-4));
        sigma = std::exp(1.3822 + nd * (-0.77857 + nd * (0.062767 + nd * -0.0020322)));
        z = (-std::log(gamma - y) - mu) / sigma;
    } else {
        const double ln = std::log(nd);
        mu = -1.5861 + ln * (-0.31082 + ln * (-0.083751 + ln * 0.0038915));
        sigma = std::exp(-0.4803 + ln * (-0.082676 + ln * 0.0030302));
        z = (y - mu) / sigma;
    }
    return 1.0 - normal_cdf(z);
}

/// Shannon entropy (log base 2) of a vector of counts; zero counts contribute nothing.
inline double entropy_from_counts(const std::vector<double>& counts) {
    double total = 0.0;
    for (double c : counts) total += c;
    if (total <= 0) return nan;
    double h = 0.0;
    for (double c : counts)
        if (c > 0) {
            const double p = c / total;
            h -= p * std::log2(p);
        }
    return h;
}

/// Quantile `q` of an ascending-sorted, non-empty range exactly as numpy 1.24's
/// `quantile(method="linear")` computes it, to the last bit: virtual index v = (m − 1)·q (the last
/// value when v ≥ m − 1), g = v − ⌊v⌋, and numpy's `_lerp`: a + (b − a)·g for g < 0.5,
/// b − (b − a)·(1 − g) otherwise. The discretisation depends on whether a value equals a cut
/// point, so the rounding must be numpy's.
inline double numpy_linear_quantile(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return nan;
    const auto m = static_cast<double>(sorted.size());
    const double v = (m - 1.0) * q;
    if (v >= m - 1.0) return sorted.back();
    if (v < 0.0) return sorted.front();
    const double lo = std::floor(v);
    const double g = v - lo;
    const double a = sorted[static_cast<std::size_t>(lo)];
    const double b = sorted[static_cast<std::size_t>(lo) + 1];
    const double diff = b - a;
    return g >= 0.5 ? b - diff * (1.0 - g) : a + diff * g;
}

}  // namespace metalearn::metafeatures::detail
