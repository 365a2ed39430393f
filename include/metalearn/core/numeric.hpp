#pragma once
/// @file numeric.hpp
/// @brief Small numeric helpers shared by the layers.

#include <algorithm>
#include <cmath>

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

}  // namespace metalearn
