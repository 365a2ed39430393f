#pragma once
/// @file hpo.hpp
/// @brief Umbrella header of the hpo layer: search spaces, samplers, metrics, cross-validation.

#include "metalearn/hpo/cross_validate.hpp"
#include "metalearn/hpo/metrics.hpp"
#include "metalearn/hpo/search_space.hpp"
#include "metalearn/hpo/sobol.hpp"
