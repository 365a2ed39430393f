#pragma once
/// @file random.hpp
/// @brief Seeded, platform-independent random numbers.
///
/// The standard library's distributions are implementation-defined, so the same seed gives
/// different numbers under libstdc++ and libc++. metalearn therefore draws every random number
/// through `Rng`, whose generator (xoshiro256**, Blackman & Vigna 2018) and distributions are
/// fully specified here: the same seed gives the same stream on every platform.
///
/// There is no global generator. Every stochastic API takes a seed or an `Rng&`. Independent
/// streams (one per task, configuration and fold) come from `derive_seed`, so results do not
/// depend on the order or the thread in which evaluations run.

#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <numbers>
#include <utility>
#include <vector>

namespace metalearn {

/// SplitMix64 step (Steele, Lea & Flood 2014): advances `state` and returns a well-mixed value.
/// Used to seed `Rng` and to derive seeds.
[[nodiscard]] constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
}

/// Derive an independent seed from a base seed and any number of identifiers.
///
/// `derive_seed(global, task, config, fold)` gives each evaluation its own stream; the result
/// depends only on the values, never on call order. Different identifier lists give (with
/// overwhelming probability) unrelated seeds.
/// @param base the global seed.
/// @param ids  identifiers (task id, config id, fold, ...), each hashed in turn.
[[nodiscard]] constexpr std::uint64_t derive_seed(std::uint64_t base,
                                                  std::initializer_list<std::uint64_t> ids) noexcept {
    std::uint64_t state = base;
    std::uint64_t out = splitmix64(state);
    for (std::uint64_t id : ids) {
        state = out ^ (id + 0x632BE59BD9B4E019ULL);
        out = splitmix64(state);
    }
    return out;
}

/// A seeded pseudo-random generator: xoshiro256** with fixed, documented distributions.
///
/// Satisfies `std::uniform_random_bit_generator`, so it also works with `std::shuffle`, but
/// prefer the member functions, which are reproducible across standard libraries.
/// Period 2^256 − 1. Not cryptographically secure. Not thread-safe: use one per thread
/// (seeded with `derive_seed`).
class Rng {
public:
    using result_type = std::uint64_t;

    /// Seed the generator; the 256-bit state is filled by SplitMix64 from `seed`.
    explicit Rng(std::uint64_t seed = 0) noexcept { reseed(seed); }

    /// Reset the state as if newly constructed with `seed`.
    void reseed(std::uint64_t seed) noexcept {
        std::uint64_t sm = seed;
        for (auto& word : s_) word = splitmix64(sm);
        has_spare_normal_ = false;
    }

    [[nodiscard]] static constexpr result_type min() noexcept { return 0; }
    [[nodiscard]] static constexpr result_type max() noexcept {
        return std::numeric_limits<result_type>::max();
    }

    /// Next 64 random bits.
    result_type operator()() noexcept {
        const std::uint64_t result = rotl(s_[1] * 5U, 7) * 9U;
        const std::uint64_t t = s_[1] << 17U;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    /// Uniform double in [0, 1), 53 random bits.
    [[nodiscard]] double uniform() noexcept {
        return static_cast<double>((*this)() >> 11U) * 0x1.0p-53;
    }

    /// Uniform double in [lo, hi).
    [[nodiscard]] double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }

    /// Uniform integer in [0, n); returns 0 when n == 0. Unbiased (Lemire 2019, rejection).
    [[nodiscard]] std::uint64_t uniform_index(std::uint64_t n) noexcept {
        if (n == 0) return 0;
        __uint128_t m = static_cast<__uint128_t>((*this)()) * n;
        auto low = static_cast<std::uint64_t>(m);
        if (low < n) {
            const std::uint64_t threshold = (0 - n) % n;
            while (low < threshold) {
                m = static_cast<__uint128_t>((*this)()) * n;
                low = static_cast<std::uint64_t>(m);
            }
        }
        return static_cast<std::uint64_t>(m >> 64U);
    }

    /// Uniform integer in [lo, hi] (inclusive); requires lo <= hi.
    [[nodiscard]] std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) noexcept {
        const auto span = static_cast<std::uint64_t>(hi - lo) + 1U;
        return lo + static_cast<std::int64_t>(uniform_index(span));
    }

    /// Standard normal N(0, 1) by the Marsaglia polar method (pairs; the spare is cached).
    [[nodiscard]] double normal() noexcept {
        if (has_spare_normal_) {
            has_spare_normal_ = false;
            return spare_normal_;
        }
        double u = 0.0;
        double v = 0.0;
        double s = 0.0;
        do {
            u = 2.0 * uniform() - 1.0;
            v = 2.0 * uniform() - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        const double factor = std::sqrt(-2.0 * std::log(s) / s);
        spare_normal_ = v * factor;
        has_spare_normal_ = true;
        return u * factor;
    }

    /// Normal N(mean, sd²).
    [[nodiscard]] double normal(double mean, double sd) noexcept { return mean + sd * normal(); }

    /// Fisher–Yates shuffle of a random-access range, reproducible across platforms.
    template <class RandomIt>
    void shuffle(RandomIt first, RandomIt last) noexcept {
        const auto n = last - first;
        for (auto i = n - 1; i > 0; --i) {
            const auto j = static_cast<decltype(i)>(uniform_index(static_cast<std::uint64_t>(i) + 1U));
            using std::swap;
            swap(first[i], first[j]);
        }
    }

    /// A random permutation of 0..n-1.
    [[nodiscard]] std::vector<std::int64_t> permutation(std::int64_t n) {
        std::vector<std::int64_t> p(static_cast<std::size_t>(n < 0 ? 0 : n));
        for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::int64_t>(i);
        shuffle(p.begin(), p.end());
        return p;
    }

private:
    [[nodiscard]] static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
        return (x << static_cast<unsigned>(k)) | (x >> static_cast<unsigned>(64 - k));
    }

    std::array<std::uint64_t, 4> s_{};
    double spare_normal_ = 0.0;
    bool has_spare_normal_ = false;
};

}  // namespace metalearn
