#pragma once
/// @file sobol.hpp
/// @brief Sobol low-discrepancy points in [0, 1)^d, optionally scrambled.
///
/// Why Sobol and not Halton: Sobol points in base 2 are (t, m, s)-nets, so any 2^m consecutive
/// points starting at 0 stratify every one-dimensional projection perfectly (one point per
/// interval of width 2^-m), and the Joe–Kuo direction numbers are chosen so that two-dimensional
/// projections are good too. Halton sequences use a different prime base per dimension and their
/// projections on pairs of high dimensions show strong correlation unless heavily scrambled.
///
/// Construction: direction numbers from Joe & Kuo (2008) (see detail/sobol_directions.hpp),
/// points in Gray-code order (Antonov & Saleev 1979), 32-bit precision. Scrambling is the linear
/// matrix scramble plus a random digital shift (Matoušek 1998, "On the L2-discrepancy for
/// anchored boxes", J. Complexity 14): each dimension's generator matrix is multiplied by a random
/// non-singular lower-triangular binary matrix and the points are XOR-ed with a random 32-bit
/// vector. Both keep the net properties above, and they remove the points on the lower faces of
/// the cube (the unscrambled sequence starts at the origin).
///
/// Where it lives: in `core/` with `SearchSpace` (core/search_space.hpp), in namespace `hpo`;
/// `metalearn/hpo/sobol.hpp` includes this header.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/core/detail/sobol_directions.hpp"

#include <fmt/format.h>

#include <array>
#include <bit>
#include <cstdint>
#include <vector>

namespace metalearn::hpo {

/// Largest number of dimensions `sobol_points` supports.
inline constexpr Index sobol_max_dimensions = detail::sobol_max_dimensions;

namespace detail {

/// The 32 direction numbers of Sobol dimension `dim` (0-based), as 32-bit integers whose most
/// significant bit is the first binary digit.
inline std::array<std::uint32_t, 32> sobol_direction_numbers(int dim) {
    std::array<std::uint32_t, 32> v{};
    if (dim == 0) {
        for (int k = 0; k < 32; ++k) v[static_cast<std::size_t>(k)] = 1U << static_cast<unsigned>(31 - k);
        return v;
    }
    const auto& row = detail::sobol_polynomials[static_cast<std::size_t>(dim - 1)];
    const unsigned s = row.degree;
    for (unsigned k = 0; k < 32; ++k) {
        if (k < s) {
            v[k] = row.m[k] << (31U - k);
        } else {
            std::uint32_t x = v[k - s] ^ (v[k - s] >> s);
            for (unsigned j = 1; j < s; ++j)
                if ((row.coefficients >> (s - 1U - j)) & 1U) x ^= v[k - j];
            v[k] = x;
        }
    }
    return v;
}

/// Apply a random linear matrix scramble (lower-triangular, unit diagonal, over GF(2)) to the
/// direction numbers of one dimension. Row r of the matrix acts on digit r (bit 31 − r).
inline void sobol_linear_scramble(std::array<std::uint32_t, 32>& v, Rng& rng) {
    std::array<std::uint32_t, 32> rows{};
    for (unsigned r = 0; r < 32; ++r) {
        const std::uint32_t diagonal = 1U << (31U - r);
        // Random bits in the positions of digits 0..r-1 (the bits above the diagonal bit).
        const std::uint32_t above = r == 0 ? 0U : static_cast<std::uint32_t>(rng() >> 32U) & ~((diagonal << 1U) - 1U);
        rows[r] = diagonal | above;
    }
    // y = M x over GF(2) as the XOR of the columns of M at the set bits of x (column c: the
    // rows r whose row has bit 31 − c, as bit 31 − r): the same bits as the row-by-row parities.
    std::array<std::uint32_t, 32> columns{};
    for (unsigned r = 0; r < 32; ++r)
        for (unsigned c = 0; c < 32; ++c)
            if ((rows[r] >> (31U - c)) & 1U) columns[c] |= 1U << (31U - r);
    for (auto& x : v) {
        std::uint32_t y = 0;
        for (unsigned c = 0; c < 32; ++c)
            if ((x >> (31U - c)) & 1U) y ^= columns[c];
        x = y;
    }
}

}  // namespace detail

/// The first `n` points of the `d`-dimensional Sobol sequence, in Gray-code order.
///
/// @param n        number of points, 0 ≤ n ≤ 2^32. Balance properties hold for n a power of two
///                 (any 2^m first points stratify each axis into 2^m equal intervals).
/// @param d        number of dimensions, 1 ≤ d ≤ `sobol_max_dimensions` (64).
/// @param seed     seed of the scramble (ignored when `scramble` is false).
/// @param scramble true (default): linear matrix scramble + digital shift (Matoušek 1998);
///                 false: the plain sequence, whose first point is the origin (matches the
///                 published values of Joe & Kuo and, e.g., SciPy's `Sobol(scramble=False)`).
/// @return n×d matrix, each entry in [0, 1), a multiple of 2^-32.
/// @throws ConfigError if n or d is out of range.
/// Complexity O(n·d) after O(d·32²) set-up. Same seed → same points.
[[nodiscard]] METALEARN_INLINE Matrix sobol_points(Index n, Index d, std::uint64_t seed, bool scramble = true);

}  // namespace metalearn::hpo

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/core/sobol_impl.hpp"
#endif
