#pragma once
/// @file fewshot.hpp
/// @brief Umbrella header of the fewshot layer: MAML, first-order MAML, Reptile and task distributions.
