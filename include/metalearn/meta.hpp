#pragma once
/// @file meta.hpp
/// @brief Umbrella header of the meta layer: records, record store, meta-models, hyperparameter predictor, outer loop, meta-evaluation.

#include "metalearn/meta/any_meta_model.hpp"
#include "metalearn/meta/evaluation.hpp"
#include "metalearn/meta/gaussian_process.hpp"
#include "metalearn/meta/knn_meta_model.hpp"
#include "metalearn/meta/knowledge.hpp"
#include "metalearn/meta/meta_learner.hpp"
#include "metalearn/meta/meta_model.hpp"
#include "metalearn/meta/mlp_meta_model.hpp"
#include "metalearn/meta/new_task.hpp"
#include "metalearn/meta/predictor.hpp"
#include "metalearn/meta/random_forest_meta_model.hpp"
#include "metalearn/meta/record.hpp"
#include "metalearn/meta/record_store.hpp"
#include "metalearn/meta/ridge_meta_model.hpp"
#include "metalearn/meta/strategies.hpp"
#include "metalearn/meta/study_records.hpp"
#include "metalearn/meta/task_table.hpp"
#include "metalearn/meta/warm_start.hpp"
