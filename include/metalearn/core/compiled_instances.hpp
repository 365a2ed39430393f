// What the library of the compiled mode (CMake target `metalearn::compiled`) instantiates for the
// bundled models, declared `extern` so that a program compiled with METALEARN_COMPILED uses those
// instances instead of compiling its own (src/instances_*.cpp define them):
//   hpo::cross_validate            every bundled model
//   hpo::Tuner, meta::Knowledge,    the seven classifiers with shipped knowledge (logistic regression,
//   meta::warm_start,               decision tree, k-NN, random forest, SVC, gradient boosting, MLP)
//   meta::MetaLearner (with the
//   random-forest meta-model and
//   with AnyMetaModel)
// An explicit instantiation declaration needs both the template and the model defined, in either
// include order, so every header involved includes this file at its end (compiled mode only) after
// defining its METALEARN_DECLARES_* marker; each block below is emitted once, by the second of its
// headers to be included. Not include-guarded on purpose. Adding a bundled model: a marker in its
// header, its blocks here, its definitions in src/instances_*.cpp.


// ---- hpo::cross_validate
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_LOGISTIC_REGRESSION) && !defined(METALEARN_EXTERN_CV_LOGISTIC_REGRESSION)
#define METALEARN_EXTERN_CV_LOGISTIC_REGRESSION
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::LogisticRegression>(
    const metalearn::models::LogisticRegression&, const metalearn::models::LogisticRegression::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_DECISION_TREE) && !defined(METALEARN_EXTERN_CV_DECISION_TREE_CLASSIFIER)
#define METALEARN_EXTERN_CV_DECISION_TREE_CLASSIFIER
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::DecisionTreeClassifier>(
    const metalearn::models::DecisionTreeClassifier&, const metalearn::models::DecisionTreeClassifier::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_DECISION_TREE) && !defined(METALEARN_EXTERN_CV_DECISION_TREE_REGRESSOR)
#define METALEARN_EXTERN_CV_DECISION_TREE_REGRESSOR
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::DecisionTreeRegressor>(
    const metalearn::models::DecisionTreeRegressor&, const metalearn::models::DecisionTreeRegressor::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_KNN) && !defined(METALEARN_EXTERN_CV_K_NEIGHBORS_CLASSIFIER)
#define METALEARN_EXTERN_CV_K_NEIGHBORS_CLASSIFIER
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::KNeighborsClassifier>(
    const metalearn::models::KNeighborsClassifier&, const metalearn::models::KNeighborsClassifier::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_KNN) && !defined(METALEARN_EXTERN_CV_K_NEIGHBORS_REGRESSOR)
#define METALEARN_EXTERN_CV_K_NEIGHBORS_REGRESSOR
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::KNeighborsRegressor>(
    const metalearn::models::KNeighborsRegressor&, const metalearn::models::KNeighborsRegressor::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_RANDOM_FOREST) && !defined(METALEARN_EXTERN_CV_RANDOM_FOREST_CLASSIFIER)
#define METALEARN_EXTERN_CV_RANDOM_FOREST_CLASSIFIER
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::RandomForestClassifier>(
    const metalearn::models::RandomForestClassifier&, const metalearn::models::RandomForestClassifier::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_RANDOM_FOREST) && !defined(METALEARN_EXTERN_CV_RANDOM_FOREST_REGRESSOR)
#define METALEARN_EXTERN_CV_RANDOM_FOREST_REGRESSOR
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::RandomForestRegressor>(
    const metalearn::models::RandomForestRegressor&, const metalearn::models::RandomForestRegressor::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_SVM) && !defined(METALEARN_EXTERN_CV_SVC)
#define METALEARN_EXTERN_CV_SVC
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::SVC>(
    const metalearn::models::SVC&, const metalearn::models::SVC::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_SVM) && !defined(METALEARN_EXTERN_CV_SVR)
#define METALEARN_EXTERN_CV_SVR
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::SVR>(
    const metalearn::models::SVR&, const metalearn::models::SVR::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_GRADIENT_BOOSTING) && !defined(METALEARN_EXTERN_CV_GRADIENT_BOOSTING_CLASSIFIER)
#define METALEARN_EXTERN_CV_GRADIENT_BOOSTING_CLASSIFIER
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::GradientBoostingClassifier>(
    const metalearn::models::GradientBoostingClassifier&, const metalearn::models::GradientBoostingClassifier::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_GRADIENT_BOOSTING) && !defined(METALEARN_EXTERN_CV_GRADIENT_BOOSTING_REGRESSOR)
#define METALEARN_EXTERN_CV_GRADIENT_BOOSTING_REGRESSOR
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::GradientBoostingRegressor>(
    const metalearn::models::GradientBoostingRegressor&, const metalearn::models::GradientBoostingRegressor::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_MLP) && !defined(METALEARN_EXTERN_CV_MLP_CLASSIFIER)
#define METALEARN_EXTERN_CV_MLP_CLASSIFIER
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::MLPClassifier>(
    const metalearn::models::MLPClassifier&, const metalearn::models::MLPClassifier::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_MLP) && !defined(METALEARN_EXTERN_CV_MLP_REGRESSOR)
#define METALEARN_EXTERN_CV_MLP_REGRESSOR
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::MLPRegressor>(
    const metalearn::models::MLPRegressor&, const metalearn::models::MLPRegressor::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_NAIVE_BAYES) && !defined(METALEARN_EXTERN_CV_GAUSSIAN_NAIVE_BAYES)
#define METALEARN_EXTERN_CV_GAUSSIAN_NAIVE_BAYES
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::GaussianNaiveBayes>(
    const metalearn::models::GaussianNaiveBayes&, const metalearn::models::GaussianNaiveBayes::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_LDA) && !defined(METALEARN_EXTERN_CV_LINEAR_DISCRIMINANT_ANALYSIS)
#define METALEARN_EXTERN_CV_LINEAR_DISCRIMINANT_ANALYSIS
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::LinearDiscriminantAnalysis>(
    const metalearn::models::LinearDiscriminantAnalysis&, const metalearn::models::LinearDiscriminantAnalysis::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_RIDGE) && !defined(METALEARN_EXTERN_CV_RIDGE)
#define METALEARN_EXTERN_CV_RIDGE
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::Ridge>(
    const metalearn::models::Ridge&, const metalearn::models::Ridge::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif
#if defined(METALEARN_DECLARES_CROSS_VALIDATE) && defined(METALEARN_DECLARES_ELASTIC_NET) && !defined(METALEARN_EXTERN_CV_ELASTIC_NET)
#define METALEARN_EXTERN_CV_ELASTIC_NET
extern template metalearn::hpo::CvResult metalearn::hpo::cross_validate<metalearn::models::ElasticNet>(
    const metalearn::models::ElasticNet&, const metalearn::models::ElasticNet::params_type&, const metalearn::data::Dataset&,
    const std::vector<metalearn::data::Fold>&, metalearn::hpo::Metric, std::uint64_t, const metalearn::hpo::CvOptions&);
#endif

// ---- hpo::Tuner of the tunable classifiers' hyperparameters
#if defined(METALEARN_DECLARES_TUNER) && defined(METALEARN_DECLARES_LOGISTIC_REGRESSION) && !defined(METALEARN_EXTERN_TUNER_LOGISTIC_REGRESSION)
#define METALEARN_EXTERN_TUNER_LOGISTIC_REGRESSION
extern template class metalearn::hpo::Tuner<metalearn::models::LogisticRegression::params_type>;
#endif
#if defined(METALEARN_DECLARES_TUNER) && defined(METALEARN_DECLARES_DECISION_TREE) && !defined(METALEARN_EXTERN_TUNER_DECISION_TREE_CLASSIFIER)
#define METALEARN_EXTERN_TUNER_DECISION_TREE_CLASSIFIER
extern template class metalearn::hpo::Tuner<metalearn::models::DecisionTreeClassifier::params_type>;
#endif
#if defined(METALEARN_DECLARES_TUNER) && defined(METALEARN_DECLARES_KNN) && !defined(METALEARN_EXTERN_TUNER_K_NEIGHBORS_CLASSIFIER)
#define METALEARN_EXTERN_TUNER_K_NEIGHBORS_CLASSIFIER
extern template class metalearn::hpo::Tuner<metalearn::models::KNeighborsClassifier::params_type>;
#endif
#if defined(METALEARN_DECLARES_TUNER) && defined(METALEARN_DECLARES_RANDOM_FOREST) && !defined(METALEARN_EXTERN_TUNER_RANDOM_FOREST_CLASSIFIER)
#define METALEARN_EXTERN_TUNER_RANDOM_FOREST_CLASSIFIER
extern template class metalearn::hpo::Tuner<metalearn::models::RandomForestClassifier::params_type>;
#endif
#if defined(METALEARN_DECLARES_TUNER) && defined(METALEARN_DECLARES_SVM) && !defined(METALEARN_EXTERN_TUNER_SVC)
#define METALEARN_EXTERN_TUNER_SVC
extern template class metalearn::hpo::Tuner<metalearn::models::SVC::params_type>;
#endif
#if defined(METALEARN_DECLARES_TUNER) && defined(METALEARN_DECLARES_GRADIENT_BOOSTING) && !defined(METALEARN_EXTERN_TUNER_GRADIENT_BOOSTING_CLASSIFIER)
#define METALEARN_EXTERN_TUNER_GRADIENT_BOOSTING_CLASSIFIER
extern template class metalearn::hpo::Tuner<metalearn::models::GradientBoostingClassifier::params_type>;
#endif
#if defined(METALEARN_DECLARES_TUNER) && defined(METALEARN_DECLARES_MLP) && !defined(METALEARN_EXTERN_TUNER_MLP_CLASSIFIER)
#define METALEARN_EXTERN_TUNER_MLP_CLASSIFIER
extern template class metalearn::hpo::Tuner<metalearn::models::MLPClassifier::params_type>;
#endif

// ---- meta::Knowledge (default meta-model)
#if defined(METALEARN_DECLARES_KNOWLEDGE) && defined(METALEARN_DECLARES_LOGISTIC_REGRESSION) && !defined(METALEARN_EXTERN_KNOWLEDGE_LOGISTIC_REGRESSION)
#define METALEARN_EXTERN_KNOWLEDGE_LOGISTIC_REGRESSION
extern template class metalearn::meta::Knowledge<metalearn::models::LogisticRegression>;
#endif
#if defined(METALEARN_DECLARES_KNOWLEDGE) && defined(METALEARN_DECLARES_DECISION_TREE) && !defined(METALEARN_EXTERN_KNOWLEDGE_DECISION_TREE_CLASSIFIER)
#define METALEARN_EXTERN_KNOWLEDGE_DECISION_TREE_CLASSIFIER
extern template class metalearn::meta::Knowledge<metalearn::models::DecisionTreeClassifier>;
#endif
#if defined(METALEARN_DECLARES_KNOWLEDGE) && defined(METALEARN_DECLARES_KNN) && !defined(METALEARN_EXTERN_KNOWLEDGE_K_NEIGHBORS_CLASSIFIER)
#define METALEARN_EXTERN_KNOWLEDGE_K_NEIGHBORS_CLASSIFIER
extern template class metalearn::meta::Knowledge<metalearn::models::KNeighborsClassifier>;
#endif
#if defined(METALEARN_DECLARES_KNOWLEDGE) && defined(METALEARN_DECLARES_RANDOM_FOREST) && !defined(METALEARN_EXTERN_KNOWLEDGE_RANDOM_FOREST_CLASSIFIER)
#define METALEARN_EXTERN_KNOWLEDGE_RANDOM_FOREST_CLASSIFIER
extern template class metalearn::meta::Knowledge<metalearn::models::RandomForestClassifier>;
#endif
#if defined(METALEARN_DECLARES_KNOWLEDGE) && defined(METALEARN_DECLARES_SVM) && !defined(METALEARN_EXTERN_KNOWLEDGE_SVC)
#define METALEARN_EXTERN_KNOWLEDGE_SVC
extern template class metalearn::meta::Knowledge<metalearn::models::SVC>;
#endif
#if defined(METALEARN_DECLARES_KNOWLEDGE) && defined(METALEARN_DECLARES_GRADIENT_BOOSTING) && !defined(METALEARN_EXTERN_KNOWLEDGE_GRADIENT_BOOSTING_CLASSIFIER)
#define METALEARN_EXTERN_KNOWLEDGE_GRADIENT_BOOSTING_CLASSIFIER
extern template class metalearn::meta::Knowledge<metalearn::models::GradientBoostingClassifier>;
#endif
#if defined(METALEARN_DECLARES_KNOWLEDGE) && defined(METALEARN_DECLARES_MLP) && !defined(METALEARN_EXTERN_KNOWLEDGE_MLP_CLASSIFIER)
#define METALEARN_EXTERN_KNOWLEDGE_MLP_CLASSIFIER
extern template class metalearn::meta::Knowledge<metalearn::models::MLPClassifier>;
#endif

// ---- meta::warm_start from a meta::Knowledge (default meta-model)
#if defined(METALEARN_DECLARES_WARM_START) && defined(METALEARN_DECLARES_LOGISTIC_REGRESSION) && !defined(METALEARN_EXTERN_WARM_START_LOGISTIC_REGRESSION)
#define METALEARN_EXTERN_WARM_START_LOGISTIC_REGRESSION
extern template metalearn::meta::WarmStartResult<metalearn::models::LogisticRegression::params_type>
metalearn::meta::warm_start<metalearn::models::LogisticRegression, metalearn::meta::RandomForestMetaModel>(
    metalearn::hpo::Tuner<metalearn::models::LogisticRegression::params_type>&, const metalearn::meta::Knowledge<metalearn::models::LogisticRegression, metalearn::meta::RandomForestMetaModel>&,
    const metalearn::data::Dataset&, const metalearn::meta::WarmStartOptions&);
#endif
#if defined(METALEARN_DECLARES_WARM_START) && defined(METALEARN_DECLARES_DECISION_TREE) && !defined(METALEARN_EXTERN_WARM_START_DECISION_TREE_CLASSIFIER)
#define METALEARN_EXTERN_WARM_START_DECISION_TREE_CLASSIFIER
extern template metalearn::meta::WarmStartResult<metalearn::models::DecisionTreeClassifier::params_type>
metalearn::meta::warm_start<metalearn::models::DecisionTreeClassifier, metalearn::meta::RandomForestMetaModel>(
    metalearn::hpo::Tuner<metalearn::models::DecisionTreeClassifier::params_type>&, const metalearn::meta::Knowledge<metalearn::models::DecisionTreeClassifier, metalearn::meta::RandomForestMetaModel>&,
    const metalearn::data::Dataset&, const metalearn::meta::WarmStartOptions&);
#endif
#if defined(METALEARN_DECLARES_WARM_START) && defined(METALEARN_DECLARES_KNN) && !defined(METALEARN_EXTERN_WARM_START_K_NEIGHBORS_CLASSIFIER)
#define METALEARN_EXTERN_WARM_START_K_NEIGHBORS_CLASSIFIER
extern template metalearn::meta::WarmStartResult<metalearn::models::KNeighborsClassifier::params_type>
metalearn::meta::warm_start<metalearn::models::KNeighborsClassifier, metalearn::meta::RandomForestMetaModel>(
    metalearn::hpo::Tuner<metalearn::models::KNeighborsClassifier::params_type>&, const metalearn::meta::Knowledge<metalearn::models::KNeighborsClassifier, metalearn::meta::RandomForestMetaModel>&,
    const metalearn::data::Dataset&, const metalearn::meta::WarmStartOptions&);
#endif
#if defined(METALEARN_DECLARES_WARM_START) && defined(METALEARN_DECLARES_RANDOM_FOREST) && !defined(METALEARN_EXTERN_WARM_START_RANDOM_FOREST_CLASSIFIER)
#define METALEARN_EXTERN_WARM_START_RANDOM_FOREST_CLASSIFIER
extern template metalearn::meta::WarmStartResult<metalearn::models::RandomForestClassifier::params_type>
metalearn::meta::warm_start<metalearn::models::RandomForestClassifier, metalearn::meta::RandomForestMetaModel>(
    metalearn::hpo::Tuner<metalearn::models::RandomForestClassifier::params_type>&, const metalearn::meta::Knowledge<metalearn::models::RandomForestClassifier, metalearn::meta::RandomForestMetaModel>&,
    const metalearn::data::Dataset&, const metalearn::meta::WarmStartOptions&);
#endif
#if defined(METALEARN_DECLARES_WARM_START) && defined(METALEARN_DECLARES_SVM) && !defined(METALEARN_EXTERN_WARM_START_SVC)
#define METALEARN_EXTERN_WARM_START_SVC
extern template metalearn::meta::WarmStartResult<metalearn::models::SVC::params_type>
metalearn::meta::warm_start<metalearn::models::SVC, metalearn::meta::RandomForestMetaModel>(
    metalearn::hpo::Tuner<metalearn::models::SVC::params_type>&, const metalearn::meta::Knowledge<metalearn::models::SVC, metalearn::meta::RandomForestMetaModel>&,
    const metalearn::data::Dataset&, const metalearn::meta::WarmStartOptions&);
#endif
#if defined(METALEARN_DECLARES_WARM_START) && defined(METALEARN_DECLARES_GRADIENT_BOOSTING) && !defined(METALEARN_EXTERN_WARM_START_GRADIENT_BOOSTING_CLASSIFIER)
#define METALEARN_EXTERN_WARM_START_GRADIENT_BOOSTING_CLASSIFIER
extern template metalearn::meta::WarmStartResult<metalearn::models::GradientBoostingClassifier::params_type>
metalearn::meta::warm_start<metalearn::models::GradientBoostingClassifier, metalearn::meta::RandomForestMetaModel>(
    metalearn::hpo::Tuner<metalearn::models::GradientBoostingClassifier::params_type>&, const metalearn::meta::Knowledge<metalearn::models::GradientBoostingClassifier, metalearn::meta::RandomForestMetaModel>&,
    const metalearn::data::Dataset&, const metalearn::meta::WarmStartOptions&);
#endif
#if defined(METALEARN_DECLARES_WARM_START) && defined(METALEARN_DECLARES_MLP) && !defined(METALEARN_EXTERN_WARM_START_MLP_CLASSIFIER)
#define METALEARN_EXTERN_WARM_START_MLP_CLASSIFIER
extern template metalearn::meta::WarmStartResult<metalearn::models::MLPClassifier::params_type>
metalearn::meta::warm_start<metalearn::models::MLPClassifier, metalearn::meta::RandomForestMetaModel>(
    metalearn::hpo::Tuner<metalearn::models::MLPClassifier::params_type>&, const metalearn::meta::Knowledge<metalearn::models::MLPClassifier, metalearn::meta::RandomForestMetaModel>&,
    const metalearn::data::Dataset&, const metalearn::meta::WarmStartOptions&);
#endif

// ---- meta::MetaLearner with the random-forest meta-model, and with AnyMetaModel
#if defined(METALEARN_DECLARES_META_LEARNER) && defined(METALEARN_DECLARES_LOGISTIC_REGRESSION) && !defined(METALEARN_EXTERN_META_LEARNER_LOGISTIC_REGRESSION)
#define METALEARN_EXTERN_META_LEARNER_LOGISTIC_REGRESSION
extern template class metalearn::meta::MetaLearner<metalearn::models::LogisticRegression>;
#endif
#if defined(METALEARN_DECLARES_META_LEARNER) && defined(METALEARN_DECLARES_DECISION_TREE) && !defined(METALEARN_EXTERN_META_LEARNER_DECISION_TREE_CLASSIFIER)
#define METALEARN_EXTERN_META_LEARNER_DECISION_TREE_CLASSIFIER
extern template class metalearn::meta::MetaLearner<metalearn::models::DecisionTreeClassifier>;
#endif
#if defined(METALEARN_DECLARES_META_LEARNER) && defined(METALEARN_DECLARES_KNN) && !defined(METALEARN_EXTERN_META_LEARNER_K_NEIGHBORS_CLASSIFIER)
#define METALEARN_EXTERN_META_LEARNER_K_NEIGHBORS_CLASSIFIER
extern template class metalearn::meta::MetaLearner<metalearn::models::KNeighborsClassifier>;
#endif
#if defined(METALEARN_DECLARES_META_LEARNER) && defined(METALEARN_DECLARES_RANDOM_FOREST) && !defined(METALEARN_EXTERN_META_LEARNER_RANDOM_FOREST_CLASSIFIER)
#define METALEARN_EXTERN_META_LEARNER_RANDOM_FOREST_CLASSIFIER
extern template class metalearn::meta::MetaLearner<metalearn::models::RandomForestClassifier>;
#endif
#if defined(METALEARN_DECLARES_META_LEARNER) && defined(METALEARN_DECLARES_SVM) && !defined(METALEARN_EXTERN_META_LEARNER_SVC)
#define METALEARN_EXTERN_META_LEARNER_SVC
extern template class metalearn::meta::MetaLearner<metalearn::models::SVC>;
#endif
#if defined(METALEARN_DECLARES_META_LEARNER) && defined(METALEARN_DECLARES_GRADIENT_BOOSTING) && !defined(METALEARN_EXTERN_META_LEARNER_GRADIENT_BOOSTING_CLASSIFIER)
#define METALEARN_EXTERN_META_LEARNER_GRADIENT_BOOSTING_CLASSIFIER
extern template class metalearn::meta::MetaLearner<metalearn::models::GradientBoostingClassifier>;
#endif
#if defined(METALEARN_DECLARES_META_LEARNER) && defined(METALEARN_DECLARES_MLP) && !defined(METALEARN_EXTERN_META_LEARNER_MLP_CLASSIFIER)
#define METALEARN_EXTERN_META_LEARNER_MLP_CLASSIFIER
extern template class metalearn::meta::MetaLearner<metalearn::models::MLPClassifier>;
#endif
#if defined(METALEARN_DECLARES_META_LEARNER) && defined(METALEARN_DECLARES_ANY_META_MODEL) && defined(METALEARN_DECLARES_LOGISTIC_REGRESSION) && !defined(METALEARN_EXTERN_META_LEARNER_ANY_LOGISTIC_REGRESSION)
#define METALEARN_EXTERN_META_LEARNER_ANY_LOGISTIC_REGRESSION
extern template class metalearn::meta::MetaLearner<metalearn::models::LogisticRegression, metalearn::meta::AnyMetaModel>;
#endif
#if defined(METALEARN_DECLARES_META_LEARNER) && defined(METALEARN_DECLARES_ANY_META_MODEL) && defined(METALEARN_DECLARES_DECISION_TREE) && !defined(METALEARN_EXTERN_META_LEARNER_ANY_DECISION_TREE_CLASSIFIER)
#define METALEARN_EXTERN_META_LEARNER_ANY_DECISION_TREE_CLASSIFIER
extern template class metalearn::meta::MetaLearner<metalearn::models::DecisionTreeClassifier, metalearn::meta::AnyMetaModel>;
#endif
#if defined(METALEARN_DECLARES_META_LEARNER) && defined(METALEARN_DECLARES_ANY_META_MODEL) && defined(METALEARN_DECLARES_KNN) && !defined(METALEARN_EXTERN_META_LEARNER_ANY_K_NEIGHBORS_CLASSIFIER)
#define METALEARN_EXTERN_META_LEARNER_ANY_K_NEIGHBORS_CLASSIFIER
extern template class metalearn::meta::MetaLearner<metalearn::models::KNeighborsClassifier, metalearn::meta::AnyMetaModel>;
#endif
#if defined(METALEARN_DECLARES_META_LEARNER) && defined(METALEARN_DECLARES_ANY_META_MODEL) && defined(METALEARN_DECLARES_RANDOM_FOREST) && !defined(METALEARN_EXTERN_META_LEARNER_ANY_RANDOM_FOREST_CLASSIFIER)
#define METALEARN_EXTERN_META_LEARNER_ANY_RANDOM_FOREST_CLASSIFIER
extern template class metalearn::meta::MetaLearner<metalearn::models::RandomForestClassifier, metalearn::meta::AnyMetaModel>;
#endif
#if defined(METALEARN_DECLARES_META_LEARNER) && defined(METALEARN_DECLARES_ANY_META_MODEL) && defined(METALEARN_DECLARES_SVM) && !defined(METALEARN_EXTERN_META_LEARNER_ANY_SVC)
#define METALEARN_EXTERN_META_LEARNER_ANY_SVC
extern template class metalearn::meta::MetaLearner<metalearn::models::SVC, metalearn::meta::AnyMetaModel>;
#endif
#if defined(METALEARN_DECLARES_META_LEARNER) && defined(METALEARN_DECLARES_ANY_META_MODEL) && defined(METALEARN_DECLARES_GRADIENT_BOOSTING) && !defined(METALEARN_EXTERN_META_LEARNER_ANY_GRADIENT_BOOSTING_CLASSIFIER)
#define METALEARN_EXTERN_META_LEARNER_ANY_GRADIENT_BOOSTING_CLASSIFIER
extern template class metalearn::meta::MetaLearner<metalearn::models::GradientBoostingClassifier, metalearn::meta::AnyMetaModel>;
#endif
#if defined(METALEARN_DECLARES_META_LEARNER) && defined(METALEARN_DECLARES_ANY_META_MODEL) && defined(METALEARN_DECLARES_MLP) && !defined(METALEARN_EXTERN_META_LEARNER_ANY_MLP_CLASSIFIER)
#define METALEARN_EXTERN_META_LEARNER_ANY_MLP_CLASSIFIER
extern template class metalearn::meta::MetaLearner<metalearn::models::MLPClassifier, metalearn::meta::AnyMetaModel>;
#endif
