// A `Tuner` on a task whose plan is a lookup table (the HPO-B protocol: `Tuner::set_candidates`,
// scores from the journal), warm-started from a meta-model's predictions of the plan as
// `meta::warm_start` does: shared by the benchmarks tuner_loo and iterate_loop.
#pragma once

#include <metalearn/core/error.hpp>
#include <metalearn/core/types.hpp>
#include <metalearn/hpo/tuner.hpp>
#include <metalearn/meta/knowledge.hpp>
#include <metalearn/meta/strategies.hpp>
#include <metalearn/models/decision_tree.hpp>
#include <metalearn/models/knn.hpp>
#include <metalearn/models/logistic_regression.hpp>

#include <fmt/core.h>

#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

namespace metalearn::bench {

/// The row of `encoding` (m×q, the plan's encodings) equal to `z`. @throws Error when none is:
/// the tuner asked a configuration outside the plan.
inline Index plan_row(const Matrix& encoding, const Eigen::VectorXd& z) {
    for (Index c = 0; c < encoding.rows(); ++c)
        if (encoding.row(c) == z.transpose()) return c;
    throw Error("the tuner asked a configuration outside the plan");
}

/// Start a lookup-table tuner from a meta-model's predicted normalised scores of the plan
/// (`predicted`, m, plan order): its diversified top 3 are enqueued (as `meta::warm_start`
/// enqueues `Knowledge::suggest`'s: pairwise encoded distances / √q ≥ its `min_distance`, 0.1)
/// and, when `prior_mean`, the prediction becomes the prior mean (affine scaling, decay 5:
/// `meta::warm_start`'s defaults).
template <class Params>
void warm_start_from_predictions(hpo::Tuner<Params>& tuner, const std::vector<Params>& plan, const Matrix& encoding,
                                 const Vector& predicted, bool prior_mean) {
    const auto order = meta::detail::argsort_desc(predicted);
    Matrix sorted(encoding.rows(), encoding.cols());
    for (Index i = 0; i < encoding.rows(); ++i) sorted.row(i) = encoding.row(order[static_cast<std::size_t>(i)]);
    for (Index i : meta::detail::diverse_top(sorted, 3, meta::SpaceSearchOptions{}.min_distance))
        tuner.enqueue(plan[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])]);
    if (prior_mean)
        tuner.set_prior_mean([predicted, encoding](const Eigen::VectorXd& z) { return predicted[plan_row(encoding, z)]; },
                             hpo::PriorScaling::affine, 5.0);
}

/// Run up to `budget` trials of a tuner restricted to the plan (`set_candidates`): each asked
/// configuration is looked up in `encoding` (m×q, `Model::search_space()`'s encoding of the plan)
/// and told `score(row)`, a non-finite score as a failure. @return the plan rows asked, in order.
template <class Model, class Score>
std::vector<Index> run_lookup_trials(hpo::Tuner<typename Model::params_type>& tuner, const Matrix& encoding, Index budget,
                                     Score&& score) {
    const auto space = Model::search_space();
    std::vector<Index> picks;
    for (Index k = 0; k < budget && k < encoding.rows(); ++k) {
        const auto t = tuner.ask();
        const Index c = plan_row(encoding, space.encode(t.params));
        picks.push_back(c);
        const double s = score(c);
        if (std::isfinite(s)) tuner.tell(t.id, s);
        else tuner.tell_failed(t.id, "failed in the journal");
    }
    return picks;
}

/// Call `f(std::type_identity<Model>{})` for the base model named `name`: logistic_regression,
/// decision_tree (or decision_tree_classifier), knn (or knn_classifier); `program` names the
/// caller in the error. @return f's result, or 2 (with a message on stderr) for another name.
template <class F>
int with_model(const std::string& name, const char* program, F&& f) {
    if (name == "logistic_regression") return f(std::type_identity<models::LogisticRegression>{});
    if (name == "decision_tree" || name == "decision_tree_classifier")
        return f(std::type_identity<models::DecisionTreeClassifier>{});
    if (name == "knn" || name == "knn_classifier") return f(std::type_identity<models::KNeighborsClassifier>{});
    fmt::print(stderr, "{}: unknown --model '{}' (expected logistic_regression, decision_tree or knn)\n", program, name);
    return 2;
}

}  // namespace metalearn::bench
