#pragma once
/// @file metafeatures.hpp
/// @brief Umbrella header of the metafeatures layer: meta-feature extraction (general, statistical, info-theory, landmarking, model-based).
