// The library of metalearn's compiled mode (include/metalearn/core/config.hpp): the bodies of the
// split headers, compiled once, and explicit instantiations of the common templates. Built by
// the CMake target `metalearn::compiled`, which defines METALEARN_COMPILED for it and for every
// program that links it.
#ifndef METALEARN_COMPILED
#error "src/metalearn.cpp is the compiled mode's library: build it with METALEARN_COMPILED (target metalearn::compiled)"
#endif

#include "metalearn/data/read_impl.hpp"
#include "metalearn/models/logistic_regression_impl.hpp"
#include "metalearn/meta/record_impl.hpp"
#include "metalearn/meta/record_store_impl.hpp"
#include "metalearn/meta/task_table_impl.hpp"
#include "metalearn/data/preprocess_impl.hpp"
#include "metalearn/data/split_impl.hpp"
#include "metalearn/hpo/metrics_impl.hpp"
#include "metalearn/metafeatures/extract_impl.hpp"
#include "metalearn/metafeatures/options_impl.hpp"
#include "metalearn/metafeatures/meta_features_impl.hpp"
#include "metalearn/hpo/cross_validate_impl.hpp"
#include "metalearn/models/detail/serialization_impl.hpp"
#include "metalearn/models/detail/cart_impl.hpp"
#include "metalearn/models/decision_tree_impl.hpp"
#include "metalearn/models/random_forest_impl.hpp"
#include "metalearn/meta/meta_model_impl.hpp"
#include "metalearn/meta/random_forest_meta_model_impl.hpp"
#include "metalearn/meta/meta_learner_impl.hpp"
#include "metalearn/hpo/tuner_gp_impl.hpp"
#include "metalearn/hpo/tuner_journal_impl.hpp"
#include "metalearn/hpo/tuner_transfer_impl.hpp"
#include "metalearn/models/knn_impl.hpp"
#include "metalearn/models/naive_bayes_impl.hpp"
#include "metalearn/models/lda_impl.hpp"
#include "metalearn/models/ridge_impl.hpp"
#include "metalearn/models/network_impl.hpp"
#include "metalearn/models/mlp_impl.hpp"

namespace metalearn::meta {
template class MetaLearner<models::LogisticRegression>;
}  // namespace metalearn::meta
#include "metalearn/data/corpus_impl.hpp"
