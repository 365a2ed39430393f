#pragma once
/// @file metalearn.hpp
/// @brief Everything in metalearn, one include.

#include "metalearn/core.hpp"
#include "metalearn/data.hpp"
#include "metalearn/models.hpp"
