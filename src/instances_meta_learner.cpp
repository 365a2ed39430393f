// Part of the library of metalearn's compiled mode (include/metalearn/core/config.hpp): meta::MetaLearner with the random-forest meta-model instantiated
// for the bundled models, declared `extern` in metalearn/core/compiled_instances.hpp.
#ifndef METALEARN_COMPILED
#error "this file is part of the compiled mode's library: build it with METALEARN_COMPILED (target metalearn::compiled)"
#endif

#include "metalearn/meta/meta_learner.hpp"
#include "metalearn/meta/meta_learner_impl.hpp"
#include "metalearn/models/logistic_regression.hpp"
#include "metalearn/models/decision_tree.hpp"
#include "metalearn/models/knn.hpp"
#include "metalearn/models/random_forest.hpp"
#include "metalearn/models/svm.hpp"
#include "metalearn/models/gradient_boosting.hpp"
#include "metalearn/models/mlp.hpp"

namespace metalearn::meta {
template class MetaLearner<models::LogisticRegression>;
template class MetaLearner<models::DecisionTreeClassifier>;
template class MetaLearner<models::KNeighborsClassifier>;
template class MetaLearner<models::RandomForestClassifier>;
template class MetaLearner<models::SVC>;
template class MetaLearner<models::GradientBoostingClassifier>;
template class MetaLearner<models::MLPClassifier>;
}  // namespace metalearn::meta
