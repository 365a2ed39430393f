#pragma once
/// @file fewshot.hpp
/// @brief Umbrella header of the fewshot layer: MAML, first-order MAML, Reptile and task distributions.

#include "metalearn/fewshot/meta_learner.hpp"
#include "metalearn/fewshot/task_distribution.hpp"
