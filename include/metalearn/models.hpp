#pragma once
/// @file models.hpp
/// @brief Umbrella header of the models layer: the `BaseModel` concept and the base models.

#include "metalearn/models/base_model.hpp"
