#pragma once
// The examples' --seed check: CLI11 reads "-1" into an unsigned option as 2^64 - 1; a seed is an
// integer in [0, 2^64), so a leading minus sign is refused.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

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
            return std::string();
        },
        "NONNEGATIVE");
}
