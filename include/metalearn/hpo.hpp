#pragma once
/// @file hpo.hpp
/// @brief Umbrella header of the hpo layer: search spaces, samplers, metrics, cross-validation,
/// the ask/tell tuner (Bayesian optimisation with a GP, random-forest or RGPE transfer surrogate),
/// successive halving and Hyperband over a budget.

#include "metalearn/hpo/cross_validate.hpp"
#include "metalearn/hpo/hyperband.hpp"
#include "metalearn/hpo/metrics.hpp"
#include "metalearn/hpo/search_space.hpp"
#include "metalearn/hpo/sobol.hpp"
#include "metalearn/hpo/tuner.hpp"
#include "metalearn/hpo/tuner_forest.hpp"
#include "metalearn/hpo/tuner_transfer.hpp"
