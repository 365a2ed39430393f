// The task table of one base model from a record journal, as the leave-one-task-out benchmarks
// read it (loo_breakdown, tuner_loo).
#pragma once

#include <metalearn/meta/record_store.hpp>
#include <metalearn/meta/task_table.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace metalearn::bench {

/// The records of `Model` in the journal at `path` that its table holds, read without taking its
/// lock or changing it (a torn last line skipped with a warning on stderr): those of one protocol
/// (metric, folds, seed and seed scheme of the model's first record) and, per task, of its last
/// data checksum, in order of their task ids (a task's records in journal order).
/// @throws metalearn::IoError when `path` is not a file; what `RecordStore::read` throws.
template <class Model>
std::vector<meta::Record> read_journal_records(const std::string& path) {
    if (!std::filesystem::is_regular_file(path)) throw IoError(fmt::format("'{}' is not a file", path));
    const auto all = meta::RecordStore::read(path, [](const std::string& w) { fmt::print(stderr, "warning: {}\n", w); });
    std::vector<meta::Record> records;
    std::map<std::string, std::string> checksum;
    const meta::Record* first = nullptr;
    for (const auto& r : all)
        if (r.model == Model::name) {
            first = &r;
            break;
        }
    const auto same_protocol = [&](const meta::Record& r) {
        return first && r.model == Model::name && r.metric == first->metric && r.n_folds == first->n_folds &&
               r.seed == first->seed && r.seed_scheme == first->seed_scheme;
    };
    for (const auto& r : all)
        if (same_protocol(r)) checksum[r.task_id] = r.data_checksum;
    for (const auto& r : all)
        if (same_protocol(r) && checksum[r.task_id] == r.data_checksum) records.push_back(r);
    std::stable_sort(records.begin(), records.end(),
                     [](const meta::Record& a, const meta::Record& b) { return a.task_id < b.task_id; });
    return records;
}

/// The plan of `Model`'s records: the model's default followed by the other configurations in
/// the order of their JSON text (so it does not depend on how threads interleaved the journal).
template <class Model>
std::vector<nlohmann::json> journal_plan(const std::vector<meta::Record>& records) {
    const nlohmann::json default_config = Model::search_space().to_json(typename Model::params_type{});
    std::set<std::string> others;
    for (const auto& r : records)
        if (r.model == Model::name && r.config != default_config) others.insert(r.config.dump());
    std::vector<nlohmann::json> plan{default_config};
    for (const auto& c : others) plan.push_back(nlohmann::json::parse(c));
    return plan;
}

/// The task table of `records` over `plan` (the first entry the default), encoded by
/// `Model::search_space()`: `make_task_table` with the plan fixed.
template <class Model>
meta::TaskTable journal_task_table(const std::vector<meta::Record>& records, const std::vector<nlohmann::json>& plan) {
    const auto space = Model::search_space();
    return meta::make_task_table(
        records, Model::name, [&](const nlohmann::json& c) { return space.encode(space.from_json(c)); }, plan,
        plan.front());
}

/// The table of `Model`'s records in the journal at `path` (`read_journal_records`): tasks in
/// order of their ids, the plan of `journal_plan` — so the table does not depend on how threads
/// interleaved the journal. `n_tasks` > 0 keeps the first n tasks.
/// @throws metalearn::IoError when `path` is not a file; what `make_task_table` throws.
template <class Model>
meta::TaskTable read_task_table(const std::string& path, Index n_tasks = 0) {
    const auto records = read_journal_records<Model>(path);
    meta::TaskTable t = journal_task_table<Model>(records, journal_plan<Model>(records));
    if (n_tasks > 0 && n_tasks < t.n_tasks()) {
        t.task_ids.resize(static_cast<std::size_t>(n_tasks));
        t.task_names.resize(static_cast<std::size_t>(n_tasks));
        t.meta_features = t.meta_features.topRows(n_tasks).eval();
        t.scores = t.scores.topRows(n_tasks).eval();
    }
    return t;
}

}  // namespace metalearn::bench
