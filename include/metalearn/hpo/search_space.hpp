#pragma once
/// @file search_space.hpp
/// @brief `hpo::SearchSpace`: defined in core/search_space.hpp (below the models, which declare
/// their search spaces with it); this header includes it.

#include "metalearn/core/search_space.hpp"
