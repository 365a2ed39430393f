#pragma once
/// @file version.hpp
/// @brief The library version; CMake reads these three macros to version the package.

#define METALEARN_VERSION_MAJOR 0
#define METALEARN_VERSION_MINOR 1
#define METALEARN_VERSION_PATCH 0

/// The version as one integer, `major * 10000 + minor * 100 + patch`.
#define METALEARN_VERSION \
    (METALEARN_VERSION_MAJOR * 10000 + METALEARN_VERSION_MINOR * 100 + METALEARN_VERSION_PATCH)
