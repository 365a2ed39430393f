// Part of the library of metalearn's compiled mode (include/metalearn/core/config.hpp): the bodies
// of the split headers of the meta layer (records, the journal, meta-models, the outer loop), compiled once. Built by the CMake target `metalearn::compiled`,
// which defines METALEARN_COMPILED for it and for every program that links it. Each *_impl.hpp is
// included by exactly one of the library's files (src/*.cpp).
#ifndef METALEARN_COMPILED
#error "src/meta.cpp is part of the compiled mode's library: build it with METALEARN_COMPILED (target metalearn::compiled)"
#endif

#include "metalearn/meta/record_impl.hpp"
#include "metalearn/meta/record_store_impl.hpp"
#include "metalearn/meta/task_table_impl.hpp"
#include "metalearn/meta/meta_model_impl.hpp"
#include "metalearn/meta/predictor_impl.hpp"
#include "metalearn/meta/random_forest_meta_model_impl.hpp"
#include "metalearn/meta/gaussian_process_impl.hpp"
#include "metalearn/meta/knn_meta_model_impl.hpp"
#include "metalearn/meta/ridge_meta_model_impl.hpp"
#include "metalearn/meta/mlp_meta_model_impl.hpp"
#include "metalearn/meta/strategies_impl.hpp"
#include "metalearn/meta/evaluation_impl.hpp"
#include "metalearn/meta/meta_learner_core_impl.hpp"
#include "metalearn/meta/meta_learner_impl.hpp"
#include "metalearn/meta/knowledge_impl.hpp"

#include "metalearn/meta/any_meta_model.hpp"

namespace metalearn::meta {
template class HyperparameterPredictor<RandomForestMetaModel>;  // declared `extern` in predictor.hpp
template class HyperparameterPredictor<AnyMetaModel>;           // declared `extern` in any_meta_model.hpp
}  // namespace metalearn::meta
