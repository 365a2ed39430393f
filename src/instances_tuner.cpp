// Part of the library of metalearn's compiled mode (include/metalearn/core/config.hpp): the tuner, the knowledge and the warm start instantiated
// for the bundled models, declared `extern` in metalearn/core/compiled_instances.hpp.
#ifndef METALEARN_COMPILED
#error "this file is part of the compiled mode's library: build it with METALEARN_COMPILED (target metalearn::compiled)"
#endif

#include "metalearn/hpo/tuner.hpp"
#include "metalearn/meta/knowledge.hpp"
#include "metalearn/meta/warm_start.hpp"
#include "metalearn/models/logistic_regression.hpp"
#include "metalearn/models/decision_tree.hpp"
#include "metalearn/models/knn.hpp"
#include "metalearn/models/random_forest.hpp"
#include "metalearn/models/svm.hpp"
#include "metalearn/models/gradient_boosting.hpp"
#include "metalearn/models/mlp.hpp"

namespace metalearn {
template class hpo::Tuner<models::LogisticRegression::params_type>;
template class meta::Knowledge<models::LogisticRegression>;
template meta::WarmStartResult<models::LogisticRegression::params_type> meta::warm_start<models::LogisticRegression, meta::RandomForestMetaModel>(
    hpo::Tuner<models::LogisticRegression::params_type>&, const meta::Knowledge<models::LogisticRegression, meta::RandomForestMetaModel>&, const data::Dataset&,
    const meta::WarmStartOptions&);
template class hpo::Tuner<models::DecisionTreeClassifier::params_type>;
template class meta::Knowledge<models::DecisionTreeClassifier>;
template meta::WarmStartResult<models::DecisionTreeClassifier::params_type> meta::warm_start<models::DecisionTreeClassifier, meta::RandomForestMetaModel>(
    hpo::Tuner<models::DecisionTreeClassifier::params_type>&, const meta::Knowledge<models::DecisionTreeClassifier, meta::RandomForestMetaModel>&, const data::Dataset&,
    const meta::WarmStartOptions&);
template class hpo::Tuner<models::KNeighborsClassifier::params_type>;
template class meta::Knowledge<models::KNeighborsClassifier>;
template meta::WarmStartResult<models::KNeighborsClassifier::params_type> meta::warm_start<models::KNeighborsClassifier, meta::RandomForestMetaModel>(
    hpo::Tuner<models::KNeighborsClassifier::params_type>&, const meta::Knowledge<models::KNeighborsClassifier, meta::RandomForestMetaModel>&, const data::Dataset&,
    const meta::WarmStartOptions&);
template class hpo::Tuner<models::RandomForestClassifier::params_type>;
template class meta::Knowledge<models::RandomForestClassifier>;
template meta::WarmStartResult<models::RandomForestClassifier::params_type> meta::warm_start<models::RandomForestClassifier, meta::RandomForestMetaModel>(
    hpo::Tuner<models::RandomForestClassifier::params_type>&, const meta::Knowledge<models::RandomForestClassifier, meta::RandomForestMetaModel>&, const data::Dataset&,
    const meta::WarmStartOptions&);
template class hpo::Tuner<models::SVC::params_type>;
template class meta::Knowledge<models::SVC>;
template meta::WarmStartResult<models::SVC::params_type> meta::warm_start<models::SVC, meta::RandomForestMetaModel>(
    hpo::Tuner<models::SVC::params_type>&, const meta::Knowledge<models::SVC, meta::RandomForestMetaModel>&, const data::Dataset&,
    const meta::WarmStartOptions&);
template class hpo::Tuner<models::GradientBoostingClassifier::params_type>;
template class meta::Knowledge<models::GradientBoostingClassifier>;
template meta::WarmStartResult<models::GradientBoostingClassifier::params_type> meta::warm_start<models::GradientBoostingClassifier, meta::RandomForestMetaModel>(
    hpo::Tuner<models::GradientBoostingClassifier::params_type>&, const meta::Knowledge<models::GradientBoostingClassifier, meta::RandomForestMetaModel>&, const data::Dataset&,
    const meta::WarmStartOptions&);
template class hpo::Tuner<models::MLPClassifier::params_type>;
template class meta::Knowledge<models::MLPClassifier>;
template meta::WarmStartResult<models::MLPClassifier::params_type> meta::warm_start<models::MLPClassifier, meta::RandomForestMetaModel>(
    hpo::Tuner<models::MLPClassifier::params_type>&, const meta::Knowledge<models::MLPClassifier, meta::RandomForestMetaModel>&, const data::Dataset&,
    const meta::WarmStartOptions&);
}  // namespace metalearn
