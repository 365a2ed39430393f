#pragma once
/// @file new_task.hpp
/// @brief `check_new_task`: what a dataset must be for suggestions learned on other tasks.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/hpo/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

namespace metalearn::meta {

/// Check that `dataset` is a task that knowledge learned on tasks scored by `metric` with
/// `n_folds`-fold CV can be asked about: the same task type as the metric's (classification or
/// regression), at least one feature, at least `n_folds` rows and (classification) at least two
/// classes with samples — the meta-features of anything else do not describe a learning task.
/// @param who names the caller in the message (e.g. "MetaLearner::suggest()").
/// @throws DataError saying which condition fails, for which dataset.
inline void check_new_task(const data::Dataset& dataset, hpo::Metric metric, Index n_folds, std::string_view who) {
    const bool classification = hpo::is_classification_metric(metric);
    if (dataset.is_classification() != classification)
        throw DataError(fmt::format("{}: '{}' is a {} task (expected a {} task like the training tasks, metric '{}')", who,
                                    dataset.name(), dataset.is_classification() ? "classification" : "regression",
                                    classification ? "classification" : "regression", hpo::to_string(metric)));
    if (dataset.n_features() == 0)
        throw DataError(fmt::format("{}: '{}' has no feature columns (expected at least one)", who, dataset.name()));
    if (dataset.n_samples() < n_folds)
        throw DataError(fmt::format("{}: '{}' has {} row(s) (expected at least {}, one per cross-validation fold)", who,
                                    dataset.name(), dataset.n_samples(), n_folds));
    if (dataset.is_classification()) {
        const Index present = dataset.n_classes_present();
        if (present < 2)
            throw DataError(fmt::format("{}: '{}' has {} class with samples (expected at least 2: there is nothing to "
                                        "classify)",
                                        who, dataset.name(), present));
    }
}

/// The fewest training rows a fold of `n_folds`-fold cross-validation leaves on `dataset`: its
/// rows minus the largest test fold (stratified folds put at most ⌈n_c / k⌉ rows of class c in
/// one test fold; without classes, ⌈n / k⌉). A lower bound, for `models::fits_rows`.
[[nodiscard]] inline Index min_training_rows(const data::Dataset& dataset, Index n_folds) {
    if (n_folds < 2) return dataset.n_samples();
    Index test = 0;
    if (dataset.is_classification())
        for (const Index c : dataset.class_counts()) test += (c + n_folds - 1) / n_folds;
    else
        test = (dataset.n_samples() + n_folds - 1) / n_folds;
    return std::max<Index>(0, dataset.n_samples() - test);
}

}  // namespace metalearn::meta
