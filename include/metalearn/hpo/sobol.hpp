#pragma once
/// @file sobol.hpp
/// @brief `hpo::sobol_points`: defined in core/sobol.hpp; this header includes it.

#include "metalearn/core/sobol.hpp"
