#pragma once
/// @file metafeatures.hpp
/// @brief Umbrella header of the metafeatures layer: meta-feature extraction (general, statistical, info-theory, landmarking, model-based).

#include "metalearn/metafeatures/autosklearn.hpp"
#include "metalearn/metafeatures/extract.hpp"
#include "metalearn/metafeatures/general.hpp"
#include "metalearn/metafeatures/info_theory.hpp"
#include "metalearn/metafeatures/landmarking.hpp"
#include "metalearn/metafeatures/meta_features.hpp"
#include "metalearn/metafeatures/model_based.hpp"
#include "metalearn/metafeatures/options.hpp"
#include "metalearn/metafeatures/statistical.hpp"
#include "metalearn/metafeatures/summary.hpp"
