#pragma once
/// @file ensemble.hpp
/// @brief Umbrella header of the ensemble layer: model averaging, weighted averaging, ensemble selection.
