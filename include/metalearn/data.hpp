#pragma once
/// @file data.hpp
/// @brief Umbrella header of the data layer: `Dataset`, readers, preprocessing, splits.

#include "metalearn/data/dataset.hpp"
