#pragma once
/// @file models.hpp
/// @brief Umbrella header of the models layer: the `BaseModel` concept and the base models.

#include "metalearn/models/base_model.hpp"
#include "metalearn/models/decision_tree.hpp"
#include "metalearn/models/elastic_net.hpp"
#include "metalearn/models/gradient_boosting.hpp"
#include "metalearn/models/knn.hpp"
#include "metalearn/models/lda.hpp"
#include "metalearn/models/logistic_regression.hpp"
#include "metalearn/models/mlp.hpp"
#include "metalearn/models/naive_bayes.hpp"
#include "metalearn/models/random_forest.hpp"
#include "metalearn/models/ridge.hpp"
#include "metalearn/models/svm.hpp"
