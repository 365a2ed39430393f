#pragma once
/// @file meta.hpp
/// @brief Umbrella header of the meta layer: records, record store, meta-models, hyperparameter predictor, outer loop, meta-evaluation.
