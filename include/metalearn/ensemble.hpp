#pragma once
/// @file ensemble.hpp
/// @brief Umbrella header of the ensemble layer: model averaging, weighted averaging, ensemble selection.
///
/// - `ensemble/loss.hpp`: prediction libraries (M out-of-fold n×K matrices) and their losses.
/// - `ensemble/weights.hpp`: uniform, best-single, inverse-loss, softmax, NNLS and
///   simplex-optimal weights.
/// - `ensemble/ensemble_selection.hpp`: greedy forward selection (Caruana et al. 2004), bagged.
/// - `ensemble/method.hpp`: `EnsembleMethod` and `fit_weights`, one entry point for all rules.
/// - `ensemble/any_model.hpp`: `AnyModel`, type erasure for any `models::BaseModel`.
/// - `ensemble/averaging.hpp`: `WeightedAveraging`, `ModelAveraging` (fitted ensembles).
/// - `ensemble/build.hpp`: `build_ensemble`: cross-validate candidates, fit weights on their
///   out-of-fold predictions, refit the members.
/// - `ensemble/evaluate.hpp`: `compare_methods`: nested cross-validation of the methods.

#include "metalearn/ensemble/any_model.hpp"
#include "metalearn/ensemble/averaging.hpp"
#include "metalearn/ensemble/build.hpp"
#include "metalearn/ensemble/ensemble_selection.hpp"
#include "metalearn/ensemble/evaluate.hpp"
#include "metalearn/ensemble/loss.hpp"
#include "metalearn/ensemble/method.hpp"
#include "metalearn/ensemble/weights.hpp"
