#pragma once
/// @file sobol_impl.hpp
/// @brief Body of `sobol_points` (sobol.hpp). Included by that header in header-only mode;
/// compiled into the library in compiled mode (core/config.hpp).

#include "metalearn/core/sobol.hpp"

namespace metalearn::hpo {

METALEARN_INLINE Matrix sobol_points(Index n, Index d, std::uint64_t seed, bool scramble) {
    if (d < 1 || d > sobol_max_dimensions)
        throw ConfigError(fmt::format("hpo::sobol_points(): unsupported number of dimensions (expected 1 to {}, got {})",
                                      sobol_max_dimensions, d));
    if (n < 0 || n > (Index{1} << 32))
        throw ConfigError(fmt::format("hpo::sobol_points(): invalid number of points (expected 0 to 2^32, got {})", n));
    Matrix points(n, d);
    Rng rng(seed);
    for (Index j = 0; j < d; ++j) {
        auto v = detail::sobol_direction_numbers(static_cast<int>(j));
        std::uint32_t x = 0;
        if (scramble) {
            detail::sobol_linear_scramble(v, rng);
            x = static_cast<std::uint32_t>(rng() >> 32U);
        }
        for (Index i = 0; i < n; ++i) {
            if (i > 0) x ^= v[static_cast<std::size_t>(std::countr_zero(static_cast<std::uint64_t>(i)))];
            points(i, j) = static_cast<double>(x) * 0x1.0p-32;
        }
    }
    return points;
}

}  // namespace metalearn::hpo
