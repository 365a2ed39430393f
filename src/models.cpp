// Part of the library of metalearn's compiled mode (include/metalearn/core/config.hpp): the bodies
// of the split headers of the base models, compiled once. Built by the CMake target `metalearn::compiled`,
// which defines METALEARN_COMPILED for it and for every program that links it. Each *_impl.hpp is
// included by exactly one of the library's files (src/*.cpp).
#ifndef METALEARN_COMPILED
#error "src/models.cpp is part of the compiled mode's library: build it with METALEARN_COMPILED (target metalearn::compiled)"
#endif

#include "metalearn/models/detail/serialization_impl.hpp"
#include "metalearn/models/logistic_regression_impl.hpp"
#include "metalearn/models/detail/cart_impl.hpp"
#include "metalearn/models/decision_tree_impl.hpp"
#include "metalearn/models/random_forest_impl.hpp"
#include "metalearn/models/knn_impl.hpp"
#include "metalearn/models/naive_bayes_impl.hpp"
#include "metalearn/models/lda_impl.hpp"
#include "metalearn/models/ridge_impl.hpp"
#include "metalearn/models/network_impl.hpp"
#include "metalearn/models/mlp_impl.hpp"
#include "metalearn/models/elastic_net_impl.hpp"
#include "metalearn/models/gradient_boosting_impl.hpp"
#include "metalearn/models/detail/svm_impl.hpp"
