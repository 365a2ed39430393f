#pragma once
/// @file radix_sort.hpp
/// @brief A stable LSD radix sort on unsigned integer keys, and the order-preserving integer
/// images of floats and doubles it sorts them by.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace metalearn {

/// The unsigned integer whose order is the order of the finite double x (−0 just before +0):
/// the sign bit flipped for x ≥ 0, every bit flipped for x < 0.
[[nodiscard]] inline std::uint64_t ordered_bits(double x) noexcept {
    const auto u = std::bit_cast<std::uint64_t>(x);
    return (u >> 63U) != 0 ? ~u : (u | (std::uint64_t{1} << 63U));
}

/// As above for a finite float.
[[nodiscard]] inline std::uint32_t ordered_bits(float x) noexcept {
    const auto u = std::bit_cast<std::uint32_t>(x);
    return (u >> 31U) != 0 ? ~u : (u | 0x80000000U);
}

/// Sort v[0, n) stably by `key(element)` (an unsigned integer below 2^key_bits): least
/// significant digit first, `DigitBits` bits a pass (11 by default; fewer suit short arrays,
/// whose passes cost n + 2^DigitBits), a pass skipped when every element shares its digit.
/// Elements of equal key keep their order. O((n + 2^DigitBits) · ⌈key_bits / DigitBits⌉).
/// `buf` is scratch (resized to n).
template <unsigned DigitBits = 11, class T, class Key>
void radix_sort(T* v, std::size_t n, std::vector<T>& buf, Key key, unsigned key_bits) {
    static_assert(DigitBits >= 1 && DigitBits <= 16, "radix_sort: 1 to 16 bits a digit");
    if (n < 2) return;
    buf.resize(n);
    constexpr unsigned bits = DigitBits;
    constexpr std::uint64_t mask = (std::uint64_t{1} << bits) - 1U;
    std::array<std::size_t, std::size_t{1} << bits> count{};
    T* from = v;
    T* to = buf.data();
    for (unsigned shift = 0; shift < key_bits; shift += bits) {
        const auto digit = [&](const T& x) { return static_cast<std::size_t>((static_cast<std::uint64_t>(key(x)) >> shift) & mask); };
        count.fill(0);
        for (std::size_t i = 0; i < n; ++i) ++count[digit(from[i])];
        if (count[digit(from[0])] == n) continue;  // one digit for all: the pass would not move anything
        std::size_t sum = 0;
        for (auto& c : count) {
            const std::size_t t = c;
            c = sum;
            sum += t;
        }
        for (std::size_t i = 0; i < n; ++i) to[count[digit(from[i])]++] = from[i];
        std::swap(from, to);
    }
    if (from != v) std::copy(from, from + n, v);
}

}  // namespace metalearn
