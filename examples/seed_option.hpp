#pragma once
// The examples' --seed check: CLI11 reads "-1" into an unsigned option as 2^64 - 1, and a number
// of 2^64 or more as 2^64 - 1 too; a seed is an integer in [0, 2^64), so a leading minus sign and
// a number beyond the range are refused.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>

inline CLI::Validator non_negative_seed() {
    return CLI::Validator(
        [](std::string& v) {
            const auto first = v.find_first_not_of(" \t");
            if (first != std::string::npos && v[first] == '-')
                return fmt::format("must be a non-negative integer (expected 0 to {}, got {})",
                                   std::numeric_limits<std::uint64_t>::max(), v);
            if (first != std::string::npos) {
                const auto last = v.find_last_not_of(" \t");
                std::uint64_t parsed = 0;
                const auto r = std::from_chars(v.data() + first, v.data() + last + 1, parsed);
                if (r.ec == std::errc::result_out_of_range)
                    return fmt::format("is too large (expected 0 to {}, got {})", std::numeric_limits<std::uint64_t>::max(),
                                       v);
            }
            return std::string();  // anything else is CLI11's to accept or refuse
        },
        "NONNEGATIVE");
}
