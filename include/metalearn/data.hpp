#pragma once
/// @file data.hpp
/// @brief Umbrella header of the data layer: `Dataset`, readers, corpora of tasks, preprocessing, splits.

#include "metalearn/data/arff.hpp"
#include "metalearn/data/checksum.hpp"
#include "metalearn/data/corpus.hpp"
#include "metalearn/data/csv.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/idx.hpp"
#include "metalearn/data/preprocess.hpp"
#include "metalearn/data/read.hpp"
#include "metalearn/data/split.hpp"
#include "metalearn/data/subsample.hpp"
#include "metalearn/data/task_sampler.hpp"
