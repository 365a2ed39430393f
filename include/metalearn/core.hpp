#pragma once
/// @file core.hpp
/// @brief Umbrella header of the core layer: types, errors, random numbers, formatting, progress,
/// parallel loops.

#include "metalearn/core/error.hpp"
#include "metalearn/core/format.hpp"
#include "metalearn/core/numeric.hpp"
#include "metalearn/core/parallel.hpp"
#include "metalearn/core/progress.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/core/sobol.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/version.hpp"
