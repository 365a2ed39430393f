#pragma once
/// @file metalearn.hpp
/// @brief Everything in metalearn, one include.

#include "metalearn/core.hpp"
#include "metalearn/data.hpp"
#include "metalearn/ensemble.hpp"
#include "metalearn/fewshot.hpp"
#include "metalearn/hpo.hpp"
#include "metalearn/meta.hpp"
#include "metalearn/metafeatures.hpp"
#include "metalearn/models.hpp"
