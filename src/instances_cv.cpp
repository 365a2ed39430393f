// Part of the library of metalearn's compiled mode (include/metalearn/core/config.hpp): hpo::cross_validate instantiated
// for the bundled models, declared `extern` in metalearn/core/compiled_instances.hpp.
#ifndef METALEARN_COMPILED
#error "this file is part of the compiled mode's library: build it with METALEARN_COMPILED (target metalearn::compiled)"
#endif

#include "metalearn/hpo/cross_validate.hpp"
#include "metalearn/models/logistic_regression.hpp"
#include "metalearn/models/decision_tree.hpp"
#include "metalearn/models/knn.hpp"
#include "metalearn/models/random_forest.hpp"
#include "metalearn/models/svm.hpp"
#include "metalearn/models/gradient_boosting.hpp"
#include "metalearn/models/mlp.hpp"
#include "metalearn/models/naive_bayes.hpp"
#include "metalearn/models/lda.hpp"
#include "metalearn/models/ridge.hpp"
#include "metalearn/models/elastic_net.hpp"

namespace metalearn::hpo {
template CvResult cross_validate<models::LogisticRegression>(const models::LogisticRegression&, const models::LogisticRegression::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
template CvResult cross_validate<models::DecisionTreeClassifier>(const models::DecisionTreeClassifier&, const models::DecisionTreeClassifier::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
template CvResult cross_validate<models::DecisionTreeRegressor>(const models::DecisionTreeRegressor&, const models::DecisionTreeRegressor::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
template CvResult cross_validate<models::KNeighborsClassifier>(const models::KNeighborsClassifier&, const models::KNeighborsClassifier::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
template CvResult cross_validate<models::KNeighborsRegressor>(const models::KNeighborsRegressor&, const models::KNeighborsRegressor::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
template CvResult cross_validate<models::RandomForestClassifier>(const models::RandomForestClassifier&, const models::RandomForestClassifier::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
template CvResult cross_validate<models::RandomForestRegressor>(const models::RandomForestRegressor&, const models::RandomForestRegressor::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
template CvResult cross_validate<models::SVC>(const models::SVC&, const models::SVC::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
template CvResult cross_validate<models::SVR>(const models::SVR&, const models::SVR::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
template CvResult cross_validate<models::GradientBoostingClassifier>(const models::GradientBoostingClassifier&, const models::GradientBoostingClassifier::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
template CvResult cross_validate<models::GradientBoostingRegressor>(const models::GradientBoostingRegressor&, const models::GradientBoostingRegressor::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
template CvResult cross_validate<models::MLPClassifier>(const models::MLPClassifier&, const models::MLPClassifier::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
template CvResult cross_validate<models::MLPRegressor>(const models::MLPRegressor&, const models::MLPRegressor::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
template CvResult cross_validate<models::GaussianNaiveBayes>(const models::GaussianNaiveBayes&, const models::GaussianNaiveBayes::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
template CvResult cross_validate<models::LinearDiscriminantAnalysis>(const models::LinearDiscriminantAnalysis&, const models::LinearDiscriminantAnalysis::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
template CvResult cross_validate<models::Ridge>(const models::Ridge&, const models::Ridge::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
template CvResult cross_validate<models::ElasticNet>(const models::ElasticNet&, const models::ElasticNet::params_type&, const data::Dataset&,
                                        const std::vector<data::Fold>&, Metric, std::uint64_t, const CvOptions&);
}  // namespace metalearn::hpo
