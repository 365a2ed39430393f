#pragma once
/// @file meta_learner_core_impl.hpp
/// @brief Bodies of `detail::MetaLearnerCore` (meta_learner.hpp). Included by that header in
/// header-only mode; compiled into the library in compiled mode (core/config.hpp).

#include "metalearn/meta/meta_learner.hpp"
#include "metalearn/meta/new_task.hpp"
#include "metalearn/core/parallel.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/data/checksum.hpp"
#include "metalearn/metafeatures/extract.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <set>
#include <unordered_map>

namespace metalearn::meta::detail {

METALEARN_INLINE MetaLearnerCore::MetaLearnerCore(RecordStore& store, MetaLearnerOptions opts, std::string model_name)
    : store_(&store), opts_(std::move(opts)), model_(std::move(model_name)) {
    if (opts_.n_folds < 2 || opts_.n_threads < 0 || !(opts_.time_budget_seconds >= 0))
        throw ConfigError(fmt::format("MetaLearner: invalid options (expected n_folds >= 2, n_threads >= 0 "
                                      "(0 = all hardware threads), "
                                      "time_budget_seconds >= 0; got {}, {}, {})",
                                      opts_.n_folds, opts_.n_threads, opts_.time_budget_seconds));
}

METALEARN_INLINE std::vector<std::size_t> MetaLearnerCore::set_plan(const std::vector<nlohmann::json>& configs,
                                                                    const WarningCallback& warn) {
    std::vector<std::size_t> kept;
    std::vector<nlohmann::json> plan_json;
    std::set<std::string> seen;
    std::size_t duplicates = 0;
    for (std::size_t i = 0; i < configs.size(); ++i) {
        if (!seen.insert(configs[i].dump()).second) {
            ++duplicates;
            continue;
        }
        kept.push_back(i);
        plan_json.push_back(configs[i]);
    }
    const bool default_given =
        duplicates > 0 && std::any_of(configs.begin() + 1, configs.end(),
                                      [&](const nlohmann::json& c) { return c == plan_json.front(); });
    if (warn && !default_given)
        warn(fmt::format("{}: added the default configuration {} to the plan, first (the 'default' baseline needs "
                         "it): the plan has {} configurations",
                         model_, plan_json.front().dump(), plan_json.size()));
    if (warn && duplicates > (default_given ? 1u : 0u))
        warn(fmt::format("{}: dropped {} duplicate configuration(s) from the plan", model_,
                         duplicates - (default_given ? 1u : 0u)));
    plan_json_ = std::move(plan_json);
    return kept;
}

METALEARN_INLINE RecordKey MetaLearnerCore::key(const std::string& task_id, const std::string& data_checksum,
                                                const nlohmann::json& config) const {
    return {task_id,
            data_checksum,
            model_,
            config.dump(),
            std::string(hpo::to_string(opts_.metric)),
            static_cast<int>(opts_.n_folds),
            opts_.seed,
            current_seed_scheme};
}

METALEARN_INLINE RecordKey MetaLearnerCore::key(const Task& task, const nlohmann::json& config) const {
    return key(task.id, data::table_checksum(task.dataset), config);
}

METALEARN_INLINE CollectPlan MetaLearnerCore::plan_collect(const std::vector<Task>& tasks, const WarningCallback& warn) {
    // no tasks is a mistake (an empty or wrong folder): table() would fall back to every task of
    // the journal, as if collect had not been called
    if (tasks.empty())
        throw ConfigError("MetaLearner::collect(): no tasks to collect (expected at least one; an empty or wrong corpus folder?)");
    {
        std::map<std::string, std::string> names;  // task id -> dataset name
        for (const auto& task : tasks) {
            // records are JSON text: ids and names must be UTF-8 (data::load_corpus escapes other bytes)
            for (const std::string* text : {&task.id, &task.dataset.name()}) {
                try {
                    (void)nlohmann::json(*text).dump();
                } catch (const nlohmann::json::exception&) {
                    throw ConfigError(fmt::format(
                        "MetaLearner::collect(): task {} {} is not valid UTF-8 (records are JSON text); name the "
                        "task in UTF-8, e.g. as data::load_corpus does, which writes other bytes as \\xNN",
                        text == &task.id ? "id" : "name",
                        nlohmann::json(*text).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace)));
                }
            }
            if (task.dataset.is_classification() != hpo::is_classification_metric(opts_.metric))
                throw ConfigError(fmt::format(
                    "MetaLearner::collect(): task '{}' ({}) is a {} task, but the learner's metric '{}' is for {} "
                    "(expected only {} tasks)",
                    task.id, task.dataset.name(), task.dataset.is_classification() ? "classification" : "regression",
                    hpo::to_string(opts_.metric),
                    hpo::is_classification_metric(opts_.metric) ? "classification" : "regression",
                    hpo::is_classification_metric(opts_.metric) ? "classification" : "regression"));
            if (auto [it, fresh] = names.emplace(task.id, task.dataset.name()); !fresh)
                throw ConfigError(fmt::format(
                    "MetaLearner::collect(): duplicate task id '{}' (datasets '{}' and '{}'; expected unique ids, "
                    "e.g. the file paths that data::load_corpus gives)",
                    task.id, it->second, task.dataset.name()));
        }
    }
    CollectPlan plan;
    // the data of each task, as records key them
    plan.checksums.resize(tasks.size());
    parallel_for(static_cast<Index>(tasks.size()), opts_.n_threads, [&](Index t) {
        plan.checksums[static_cast<std::size_t>(t)] = data::table_checksum(tasks[static_cast<std::size_t>(t)].dataset);
    });
    const auto& checksums = plan.checksums;
    plan.meta_features.resize(tasks.size());
    plan.folds.resize(tasks.size());
    const auto existing = store_->snapshot();
    std::unordered_map<std::string, std::size_t> task_index;
    for (std::size_t t = 0; t < tasks.size(); ++t) task_index.emplace(tasks[t].id, t);
    std::unordered_map<std::string, const Record*> mf_source;  // a record of the same task and data
    std::vector<std::size_t> n_stale(tasks.size(), 0);         // this model's records of other data
    std::vector<std::string> stale_checksum(tasks.size());
    for (const auto& r : existing) {
        auto it = task_index.find(r.task_id);
        if (it == task_index.end()) continue;
        if (r.data_checksum != checksums[it->second]) {
            if (r.model == model_) {
                ++n_stale[it->second];
                stale_checksum[it->second] = r.data_checksum;
            }
            continue;
        }
        if (!r.meta_feature_names.empty() && !mf_source.count(r.task_id)) mf_source[r.task_id] = &r;
    }
    for (std::size_t t = 0; t < tasks.size(); ++t) {
        if (!data_checksums_.count(tasks[t].id)) task_order_.push_back(tasks[t].id);
        data_checksums_[tasks[t].id] = checksums[t];
        if (n_stale[t] > 0 && warn)
            warn(fmt::format("{}: {} stored {} records come from other data ({}; the data now have checksum {}): "
                             "they are not reused, and the task is evaluated again",
                             tasks[t].id, n_stale[t], model_,
                             stale_checksum[t].empty() ? std::string("written without a data checksum")
                                                       : "checksum " + stale_checksum[t],
                             checksums[t]));
    }
    for (std::size_t t = 0; t < tasks.size(); ++t) {
        bool any = false;
        for (std::size_t c = 0; c < plan_json_.size(); ++c) {
            ++plan.planned;
            const Record* stored = store_->find(key(tasks[t].id, checksums[t], plan_json_[c]));
            if (stored && !(opts_.retry_timeouts && stored->status == RecordStatus::timeout)) {
                ++plan.reused;
            } else {
                plan.jobs.push_back({t, c});
                any = true;
            }
        }
        if (!any) continue;
        auto it = mf_source.find(tasks[t].id);
        if (it != mf_source.end()) {
            plan.meta_features[t].names = it->second->meta_feature_names;
            plan.meta_features[t].values = it->second->meta_features;
        } else {
            plan.need_meta_features.push_back(t);
        }
        const WarningCallback small = [&](const std::string& m) {
            if (warn) warn(fmt::format("{}: {}", tasks[t].id, m));
        };
        plan.folds[t] = task_folds(tasks[t], small);
    }
    return plan;
}

METALEARN_INLINE TaskMetaFeatures MetaLearnerCore::extract_meta_features(const Task& task) const {
    TaskMetaFeatures out;
    try {
        const auto mf = metafeatures::extract(task.dataset, opts_.meta_features);
        out.names = mf.names();
        out.timed_out = mf.timed_out();
        const Vector v = mf.values();
        out.values.assign(v.data(), v.data() + v.size());
    } catch (const std::exception& e) {
        out = TaskMetaFeatures{};
        out.error = e.what();
    }
    return out;
}

METALEARN_INLINE TaskFolds MetaLearnerCore::task_folds(const Task& task, const WarningCallback& warn) const {
    TaskFolds out;
    // a class smaller than the fold count is accepted whether or not the caller listens
    const WarningCallback quiet = [](const std::string&) {};
    try {
        // one class: every configuration would score perfectly, which says nothing about it
        if (task.dataset.is_classification() && task.dataset.n_classes_present() < 2)
            throw DataError(fmt::format("MetaLearner::collect(): task '{}' ({}) has {} class with samples "
                                        "(expected at least 2: there is nothing to classify)",
                                        task.id, task.dataset.name(), task.dataset.n_classes_present()));
        out.folds = data::make_folds(task.dataset, opts_.n_folds, derive_seed(opts_.seed, {fnv1a(task.id)}),
                                     warn ? warn : quiet);
    } catch (const std::exception& e) {
        out.folds.clear();
        out.error = e.what();
    }
    return out;
}

METALEARN_INLINE Record MetaLearnerCore::evaluate_job(const Task& task, const std::string& data_checksum,
                                                     std::size_t config, const TaskFolds& folds,
                                                     const TaskMetaFeatures& meta_features, const CvRunner& run) const {
    if (config >= plan_json_.size())
        throw ConfigError(fmt::format("MetaLearner::evaluate_job(): configuration {} is not in the plan (expected "
                                      "an index below {})",
                                      config, plan_json_.size()));
    Record r = evaluate(task, data_checksum, config, folds.folds, folds.error, run);
    r.meta_feature_names = meta_features.names;
    r.meta_features = meta_features.values;
    return r;
}

METALEARN_INLINE CollectSummary MetaLearnerCore::collect(const std::vector<Task>& tasks, const ProgressCallback& progress,
                                                        const WarningCallback& warn, const CvRunner& run) {
    CollectPlan plan = plan_collect(tasks, warn);
    CollectSummary sum;
    sum.planned = plan.planned;
    sum.reused = plan.reused;
    const auto& jobs = plan.jobs;
    // meta-features, in parallel over tasks (datasets differ in size: dynamic schedule);
    // failures are reported afterwards, from this thread, in task order
    parallel_for(
        static_cast<Index>(plan.need_meta_features.size()), opts_.n_threads,
        [&](Index k) {
            const std::size_t t = plan.need_meta_features[static_cast<std::size_t>(k)];
            plan.meta_features[t] = extract_meta_features(tasks[t]);
        },
        Schedule::dynamic);
    if (warn)
        for (std::size_t t : plan.need_meta_features)
            if (auto w = meta_features_warning(tasks[t].id, plan.meta_features[t]); !w.empty()) warn(w);
    // evaluations: handed out dynamically (costs differ by orders of magnitude); progress is
    // reported from this thread
    std::atomic<std::size_t> done{0};
    std::atomic<std::size_t> failed{0};
    std::atomic<std::size_t> timed_out{0};
    bool stopped = false;
    std::size_t reported = static_cast<std::size_t>(-1);
    parallel_for_monitored(
        static_cast<Index>(jobs.size()), opts_.n_threads,
        [&](Index j) {
            const auto [t, c] = jobs[static_cast<std::size_t>(j)];
            const Record r = evaluate_job(tasks[t], plan.checksums[t], c, plan.folds[t], plan.meta_features[t], run);
            if (r.status == RecordStatus::failed) ++failed;
            if (r.status == RecordStatus::timeout) ++timed_out;
            try {
                store_->append(r);
            } catch (const std::exception& e) {
                throw IoError(fmt::format("MetaLearner::collect(): {}", e.what()));
            }
            ++done;
        },
        [&] {
            const std::size_t d = done;
            if (!progress || d == reported) return false;
            reported = d;
            const std::size_t last = d == 0 ? 0 : std::min(d, jobs.size()) - 1;
            const std::string label = jobs.empty() ? std::string() : tasks[jobs[last].task].id;
            if (progress({d, jobs.size(), failed + timed_out, label})) stopped = true;
            return stopped;
        });
    sum.evaluated = done;
    sum.failed = failed;
    sum.timed_out = timed_out;
    sum.stopped = stopped;
    return sum;
}

METALEARN_INLINE CollectSummary MetaLearnerCore::collect(const std::vector<data::Dataset>& datasets,
                                                        const ProgressCallback& progress, const WarningCallback& warn,
                                                        const CvRunner& run) {
    std::set<std::string> names;
    for (const auto& d : datasets)
        if (!names.insert(d.name()).second)
            throw ConfigError(fmt::format(
                "MetaLearner::collect(): two datasets are named '{}' (task ids must be unique; e.g. iris.arff and "
                "iris.csv in one folder): give them distinct names, pass meta::Task{{id, dataset}} with ids such "
                "as their paths, or read the folder with data::load_corpus, which ids tasks by path and leaves "
                "out copies of the same data",
                d.name()));
    std::vector<Task> tasks;
    for (const auto& d : datasets) tasks.push_back({d.name(), d});
    return collect(tasks, progress, warn, run);
}

METALEARN_INLINE TaskTable MetaLearnerCore::table(const ConfigEncoder& encode) const {
    std::vector<Record> matching;
    const std::string metric(hpo::to_string(opts_.metric));
    for (const auto& r : store_->snapshot())
        if (r.model == model_ && r.metric == metric && r.n_folds == opts_.n_folds && r.seed == opts_.seed &&
            r.seed_scheme == current_seed_scheme)
            matching.push_back(r);
    // the tasks given to collect (with the data last collected); for a learner that collected
    // nothing, every task of the journal with the data of its last record
    std::map<std::string, std::string> current = data_checksums_;
    if (data_checksums_.empty())
        for (const auto& r : matching) current[r.task_id] = r.data_checksum;
    std::vector<Record> mine;
    for (auto& r : matching)
        if (auto it = current.find(r.task_id); it != current.end() && it->second == r.data_checksum)
            mine.push_back(std::move(r));
    // rows in the order the tasks were first given to collect, not in the journal's order (which
    // varies with the threads or ranks that wrote it); a stable sort keeps each task's records in
    // journal order, so a later record's meta-features still win
    if (!task_order_.empty()) {
        std::unordered_map<std::string, std::size_t> position;
        for (std::size_t i = 0; i < task_order_.size(); ++i) position.emplace(task_order_[i], i);
        std::stable_sort(mine.begin(), mine.end(), [&](const Record& a, const Record& b) {
            return position.at(a.task_id) < position.at(b.task_id);
        });
    }
    return make_task_table(mine, model_, encode, plan_json_, plan_json_.front());
}

METALEARN_INLINE Record MetaLearnerCore::evaluate(const Task& task, const std::string& data_checksum, std::size_t config,
                                                 const std::vector<data::Fold>& folds, const std::string& fold_error,
                                                 const CvRunner& run) const {
    Record r;
    r.task_id = task.id;
    r.task_name = task.dataset.name();
    r.data_checksum = data_checksum;
    const nlohmann::json& config_json = plan_json_.at(config);
    r.config = config_json;
    r.model = model_;
    r.metric = std::string(hpo::to_string(opts_.metric));
    r.n_folds = static_cast<int>(opts_.n_folds);
    r.seed = opts_.seed;
    r.seed_scheme = current_seed_scheme;
    const auto t0 = std::chrono::steady_clock::now();
    const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    if (!fold_error.empty()) {
        r.status = RecordStatus::failed;
        r.error = fold_error;
        return r;
    }
    const std::uint64_t eval_seed = derive_seed(opts_.seed, {fnv1a(task.id), fnv1a(config_json.dump())});
    hpo::CvOptions cv_opts = opts_.cv;
    cv_opts.stop = {};
    if (opts_.time_budget_seconds > 0) {
        if (opts_.time_budget_clock == BudgetClock::thread_cpu)
            cv_opts.stop = [budget = opts_.time_budget_seconds, cpu0 = thread_cpu_seconds()](Index, double) {
                return thread_cpu_seconds() - cpu0 > budget;
            };
        else
            cv_opts.stop = [budget = opts_.time_budget_seconds](Index, double seconds) { return seconds > budget; };
    }
    try {
        const hpo::CvResult cv = run(task, config, folds, eval_seed, cv_opts);
        for (double v : cv.fold_scores) r.fold_scores.push_back(hpo::higher_is_better(opts_.metric) ? v : -v);
        if (cv.stopped) {
            r.status = RecordStatus::timeout;
            r.error = fmt::format("exceeded the time budget of {} {} s after fold {} of {} ({:.3g} s wall)",
                                  opts_.time_budget_seconds,
                                  opts_.time_budget_clock == BudgetClock::thread_cpu ? "CPU" : "wall",
                                  cv.fold_scores.size(), folds.size(), elapsed());
        }
    } catch (const std::exception& e) {
        r.status = RecordStatus::failed;
        r.error = e.what();
    }
    r.fit_seconds = elapsed();
    if (r.status == RecordStatus::ok) {
        double s = 0;
        for (double v : r.fold_scores) s += v;
        r.mean_score = s / static_cast<double>(r.fold_scores.size());
        if (!std::isfinite(r.mean_score)) {
            r.status = RecordStatus::failed;
            r.error = "non-finite score";
            r.mean_score = std::numeric_limits<double>::quiet_NaN();
        }
    } else {
        r.fold_scores.clear();
    }
    return r;
}

METALEARN_INLINE Vector MetaLearnerCore::new_task_meta_features(const data::Dataset& dataset, std::string_view who) const {
    check_new_task(dataset, opts_.metric, opts_.n_folds, who);
    const auto mf = metafeatures::extract(dataset, opts_.meta_features);
    Vector x = Vector::Constant(static_cast<Index>(meta_feature_names_.size()), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t i = 0; i < meta_feature_names_.size(); ++i)
        if (mf.contains(meta_feature_names_[i])) x[static_cast<Index>(i)] = mf[meta_feature_names_[i]];
    return x;
}

}  // namespace metalearn::meta::detail
