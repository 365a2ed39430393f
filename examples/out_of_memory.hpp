#pragma once
// The examples' message when an allocation fails (std::bad_alloc): what ran out and what to do,
// instead of std::terminate's abort.
#include <fmt/format.h>

#include <cstdio>
#include <string_view>

inline void print_out_of_memory(std::string_view prefix) {
    fmt::print(stderr,
               "{}: out of memory: the data needs more memory than this machine has (very wide tables: features "
               "such as cor and cov hold q×q values); use fewer rows or columns\n",
               prefix);
}
