#pragma once
/// @file knowledge_impl.hpp
/// @brief Bodies of knowledge.hpp's non-template parts (`detail::KnowledgeCore` and the helpers of
/// the file format). Included by that header in header-only mode; compiled into the library in
/// compiled mode (core/config.hpp).

#include "metalearn/meta/knowledge.hpp"
#include "metalearn/data/detail/text.hpp"
#include "metalearn/data/subsample.hpp"
#include "metalearn/metafeatures/extract.hpp"
#include "metalearn/version.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <numeric>
#include <set>

namespace metalearn::meta::detail {

METALEARN_INLINE nlohmann::json space_to_json(const std::vector<hpo::Dimension>& dims) {
    nlohmann::json out = nlohmann::json::array();
    for (const hpo::Dimension& d : dims) {
        nlohmann::json e = {{"name", d.name}, {"kind", static_cast<int>(d.kind)}};
        if (d.is_categorical()) e["labels"] = d.labels;
        else {
            e["lo"] = d.lo;
            e["hi"] = d.hi;
        }
        out.push_back(std::move(e));
    }
    return out;
}

METALEARN_INLINE const char* domain_kind_name(hpo::DomainKind k) {
    switch (k) {
        case hpo::DomainKind::uniform: return "uniform";
        case hpo::DomainKind::log_uniform: return "log_uniform";
        case hpo::DomainKind::int_uniform: return "int_uniform";
        case hpo::DomainKind::int_log_uniform: return "int_log_uniform";
        case hpo::DomainKind::categorical: return "categorical";
    }
    return "?";
}

METALEARN_INLINE std::vector<StoredBounds> stored_bounds(const nlohmann::json& j, const std::vector<hpo::Dimension>& dims,
                                                         std::string_view where) {
    if (!j.is_array() || j.size() != dims.size()) {
        std::vector<std::string> names;
        for (const auto& d : dims) names.push_back(d.name);
        throw ConfigError(fmt::format("{}: the search space differs: the file has {} dimension(s), this library's {} "
                                      "has {} ({})",
                                      where, j.is_array() ? j.size() : 0, "model", dims.size(), fmt::join(names, ", ")));
    }
    std::vector<StoredBounds> out;
    for (std::size_t i = 0; i < dims.size(); ++i) {
        const auto& e = j[i];
        const hpo::Dimension& d = dims[i];
        const auto name = e.at("name").get<std::string>();
        const auto kind = static_cast<hpo::DomainKind>(e.at("kind").get<int>());
        if (name != d.name || kind != d.kind)
            throw ConfigError(fmt::format("{}: the search space differs at dimension {}: the file has '{}' ({}), this "
                                          "library has '{}' ({})",
                                          where, i, name, domain_kind_name(kind), d.name, domain_kind_name(d.kind)));
        if (d.is_categorical()) {
            if (e.at("labels").get<std::vector<std::string>>() != d.labels)
                throw ConfigError(fmt::format("{}: the labels of '{}' differ: the file has [{}], this library [{}]", where,
                                              name, fmt::join(e.at("labels").get<std::vector<std::string>>(), ", "),
                                              fmt::join(d.labels, ", ")));
        } else {
            const double lo = e.at("lo").get<double>(), hi = e.at("hi").get<double>();
            if (lo != d.lo || hi != d.hi) out.push_back({name, lo, hi});
        }
    }
    return out;
}

METALEARN_INLINE nlohmann::json extract_options_to_json(const metafeatures::ExtractOptions& o) {
    std::vector<std::string> groups, summaries;
    for (auto g : o.groups) groups.emplace_back(metafeatures::group_name(g));
    for (auto s : o.summaries) summaries.emplace_back(metafeatures::summary_name(s));
    return {{"groups", groups},
            {"summaries", summaries},
            {"features", o.features},
            {"seed", o.seed},
            {"max_categories", o.max_categories},
            {"feature_set", o.feature_set == metafeatures::FeatureSet::mfe ? "mfe" : "autosklearn"}};
}

METALEARN_INLINE metafeatures::ExtractOptions extract_options_from_json(const nlohmann::json& j) {
    metafeatures::ExtractOptions o;
    o.groups.clear();
    for (const auto& g : j.at("groups")) o.groups.push_back(metafeatures::parse_group(g.get<std::string>()));
    o.summaries.clear();
    for (const auto& s : j.at("summaries")) o.summaries.push_back(metafeatures::parse_summary(s.get<std::string>()));
    o.features = j.at("features").get<std::vector<std::string>>();
    o.seed = j.at("seed").get<std::uint64_t>();
    o.max_categories = j.at("max_categories").get<Index>();
    const auto set = j.at("feature_set").get<std::string>();
    if (set != "mfe" && set != "autosklearn")
        throw ConfigError(fmt::format("unknown meta-feature set '{}' (expected mfe or autosklearn)", set));
    o.feature_set = set == "mfe" ? metafeatures::FeatureSet::mfe : metafeatures::FeatureSet::autosklearn;
    return o;
}

METALEARN_INLINE std::string base_feature_name(const std::string& name) { return name.substr(0, name.find('.')); }

METALEARN_INLINE void KnowledgeCore::fit(const TaskTable& table, hpo::Metric score_metric, Index folds,
                                         std::uint64_t outer_seed, const metafeatures::ExtractOptions& options,
                                         KnowledgeProvenance built_from) {
    model = table.model;
    plan_json = table.configs;
    meta_feature_names = table.meta_feature_names;
    mf_options = options;
    mf_options.on_warning = {};
    mf_options.time_limit = mf_options.time_limit_per_group = std::chrono::milliseconds{0};
    metric = score_metric;
    n_folds = folds;
    seed = outer_seed;
    provenance = std::move(built_from);
    std::vector<Index> all(static_cast<std::size_t>(table.n_tasks()));
    std::iota(all.begin(), all.end(), Index{0});
    LearnedDefaultStrategy learned;
    learned.fit(table, all);
    learned_order = learned.propose(Vector(), table.n_configs(), {});
    PortfolioStrategy portfolio;
    portfolio.fit(table, all);
    portfolio_order = portfolio.propose(Vector(), table.n_configs(), {});
    nearest_table.fit(table, all);
    task_ids = table.task_ids;
    task_names = table.task_names;
}

METALEARN_INLINE nlohmann::json KnowledgeCore::to_json(nlohmann::json space, nlohmann::json predictor) const {
    std::vector<nlohmann::json> tasks;
    for (const auto& t : provenance.tasks)
        tasks.push_back({{"id", t.id},
                         {"name", t.name},
                         {"n_samples", t.n_samples},
                         {"n_features", t.n_features},
                         {"n_classes", t.n_classes},
                         {"checksum", t.checksum},
                         {"note", t.note}});
    const auto configs_of = [&](const std::vector<Index>& order) {
        nlohmann::json a = nlohmann::json::array();
        for (Index c : order) a.push_back(plan_json[static_cast<std::size_t>(c)]);
        return a;
    };
    return {{"format", "metalearn-knowledge"},
            {"format_version", knowledge_format_version},
            {"library_version", fmt::format("{}.{}.{}", METALEARN_VERSION_MAJOR, METALEARN_VERSION_MINOR,
                                            METALEARN_VERSION_PATCH)},
            {"model", model},
            {"metric", std::string(hpo::to_string(metric))},
            {"n_folds", n_folds},
            {"seed", seed},
            {"seed_scheme", current_seed_scheme},
            {"space", std::move(space)},
            {"plan", plan_json},
            {"meta_features", {{"names", meta_feature_names}, {"options", extract_options_to_json(mf_options)}}},
            {"predictor", std::move(predictor)},
            {"learned_default", plan_json[static_cast<std::size_t>(learned_order.front())]},
            {"learned_order", learned_order},
            {"portfolio", configs_of(portfolio_order)},
            {"portfolio_order", portfolio_order},
            {"nearest", nearest_table.to_json()},
            {"task_ids", task_ids},
            {"task_names", task_names},
            {"provenance", {{"tasks", tasks}, {"built", provenance.built}, {"command", provenance.command},
                            {"notes", provenance.notes}}}};
}

METALEARN_INLINE void KnowledgeCore::read_head(const nlohmann::json& j, std::string_view model_name) {
    if (!j.is_object() || j.value("format", "") != "metalearn-knowledge")
        throw ConfigError("not a metalearn knowledge file (no \"format\": \"metalearn-knowledge\")");
    const int version = j.at("format_version").get<int>();
    if (version != knowledge_format_version)
        throw ConfigError(fmt::format("format version {} (this library reads version {}; written by metalearn {})",
                                      version, knowledge_format_version, j.value("library_version", "?")));
    model = j.at("model").get<std::string>();
    if (model != model_name) throw ConfigError(fmt::format("knowledge of model '{}' (expected '{}')", model, model_name));
    metric = hpo::metric_from_string(j.at("metric").get<std::string>());
    n_folds = j.at("n_folds").get<Index>();
    if (n_folds < 2)
        throw ConfigError(fmt::format("malformed knowledge file: n_folds {} (expected >= 2)", n_folds));
    seed = j.at("seed").get<std::uint64_t>();
    plan_json = j.at("plan").get<std::vector<nlohmann::json>>();
}

METALEARN_INLINE void KnowledgeCore::read_body(const nlohmann::json& j) {
    meta_feature_names = j.at("meta_features").at("names").get<std::vector<std::string>>();
    mf_options = extract_options_from_json(j.at("meta_features").at("options"));
    check_meta_feature_names();
    learned_order = j.at("learned_order").get<std::vector<Index>>();
    portfolio_order = j.at("portfolio_order").get<std::vector<Index>>();
    nearest_table = NearestDatasetsStrategy::from_json(j.at("nearest"));
    task_ids = j.at("task_ids").get<std::vector<std::string>>();
    task_names = j.at("task_names").get<std::vector<std::string>>();
    const auto& p = j.at("provenance");
    provenance = {};
    for (const auto& t : p.at("tasks"))
        provenance.tasks.push_back({t.at("id").get<std::string>(), t.at("name").get<std::string>(),
                                    t.at("n_samples").get<Index>(), t.at("n_features").get<Index>(),
                                    t.at("n_classes").get<Index>(), t.at("checksum").get<std::string>(),
                                    t.at("note").get<std::string>()});
    provenance.built = p.at("built").get<std::string>();
    provenance.command = p.at("command").get<std::string>();
    provenance.notes = p.at("notes").get<std::vector<std::string>>();
}

METALEARN_INLINE void KnowledgeCore::check(const nlohmann::json& j) const {
    const auto m = static_cast<Index>(plan_json.size());
    const auto valid_order = [m](const std::vector<Index>& o) {
        return !o.empty() && std::all_of(o.begin(), o.end(), [m](Index c) { return c >= 0 && c < m; });
    };
    if (m == 0 || !valid_order(learned_order) || !valid_order(portfolio_order))
        throw ConfigError("malformed knowledge file: empty plan, or a learned-default or portfolio index outside the plan");
    if (task_ids.size() != nearest_table.rankings().size() || task_names.size() != task_ids.size())
        throw ConfigError("malformed knowledge file: the task list and the nearest-datasets table differ in length");
    // the rankings index the plan (NearestDatasetsStrategy::from_json checked them against its n_configs)
    if (nearest_table.n_configs() != m)
        throw ConfigError(fmt::format("malformed knowledge file: the nearest-datasets table ranks {} configurations, "
                                      "the plan has {}",
                                      nearest_table.n_configs(), m));
    // the redundant, human-readable copies must agree with what is used
    if (!j.contains("learned_default") || !j.contains("portfolio"))
        throw ConfigError("malformed knowledge file: no \"learned_default\" or \"portfolio\"");
    if (j.at("learned_default") != plan_json[static_cast<std::size_t>(learned_order.front())])
        throw ConfigError("malformed knowledge file: \"learned_default\" is not the plan configuration \"learned_order\" names");
    const auto& portfolio = j.at("portfolio");
    if (!portfolio.is_array() || portfolio.size() != portfolio_order.size())
        throw ConfigError("malformed knowledge file: \"portfolio\" and \"portfolio_order\" differ in length");
    for (std::size_t i = 0; i < portfolio.size(); ++i)
        if (portfolio[i] != plan_json[static_cast<std::size_t>(portfolio_order[i])])
            throw ConfigError(fmt::format("malformed knowledge file: \"portfolio\" entry {} is not the plan configuration "
                                          "\"portfolio_order\" names",
                                          i));
}

METALEARN_INLINE nlohmann::json KnowledgeCore::read(const std::filesystem::path& path) {
    const std::string text = data::detail::read_file(path, "Knowledge::load()");
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw parse_error_at(path.string(), text, e.byte > 0 ? e.byte - 1 : 0,
                             fmt::format("invalid JSON ({})", printable(e.what(), 400)));
    } catch (const nlohmann::json::exception& e) {  // well-formed, but a number beyond a double's range
        throw parse_error_at(path.string(), text, quoted_token_offset(text, e.what()),
                             fmt::format("unreadable JSON ({})", printable(e.what(), 400)));
    }
}

METALEARN_INLINE std::filesystem::path KnowledgeCore::builtin_path(std::string_view model_name,
                                                                   const std::vector<std::filesystem::path>& dirs) {
    std::vector<std::string> tried;
    for (const auto& d : dirs)
        for (const char* ext : {".json", ".json.gz"}) {
            const auto p = d / (std::string(model_name) + ext);
            std::error_code ec;
            if (std::filesystem::is_regular_file(p, ec)) return p;
            tried.push_back(p.string());
        }
    throw IoError(fmt::format("Knowledge::builtin(): no knowledge file for '{}' (looked for {}); set "
                              "METALEARN_KNOWLEDGE_DIR to a folder holding {}.json, or build one with "
                              "scripts/build-knowledge",
                              model_name,
                              tried.empty() ? std::string("nothing: no folder known") : fmt::format("{}", fmt::join(tried, ", ")),
                              model_name));
}

METALEARN_INLINE Vector KnowledgeCore::meta_features(const data::Dataset& dataset, const ZeroShotOptions& opts,
                                                     ZeroShotReport* report) const {
    check_new_task(dataset, metric, n_folds, "Knowledge::suggest()");
    if (opts.max_rows < 0 || opts.max_rows == 1)
        throw ConfigError(fmt::format("Knowledge::suggest(): max_rows must be 0 or >= 2 (got {})", opts.max_rows));
    ZeroShotReport local;
    ZeroShotReport& rep = report != nullptr ? *report : local;
    rep = {};
    metafeatures::ExtractOptions o = mf_options;
    o.time_limit = opts.time_limit;
    o.on_warning = opts.on_warning;
    if (o.feature_set == metafeatures::FeatureSet::mfe) {
        std::set<std::string> bases;
        for (const auto& n : meta_feature_names) bases.insert(base_feature_name(n));
        o.features.assign(bases.begin(), bases.end());
    }
    metafeatures::MetaFeatures mf;
    if (opts.max_rows > 0 && dataset.n_samples() > opts.max_rows) {
        const auto rows = data::subsample_rows(dataset, opts.max_rows, mf_options.seed);
        mf = metafeatures::extract(dataset.subset(rows), o);
        rep.notes.push_back(fmt::format("meta-features of a stratified subsample of {} of {} rows (seed {})", opts.max_rows,
                                        dataset.n_samples(), mf_options.seed));
    } else {
        mf = metafeatures::extract(dataset, o);
    }
    rep.timed_out = mf.timed_out();
    Vector x = Vector::Constant(static_cast<Index>(meta_feature_names.size()), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t i = 0; i < meta_feature_names.size(); ++i) {
        const std::string& name = meta_feature_names[i];
        if (mf.contains(name)) x[static_cast<Index>(i)] = mf[name];
        if (!std::isfinite(x[static_cast<Index>(i)])) rep.missing.push_back(name);  // absent or undefined
    }
    return x;
}

METALEARN_INLINE std::vector<NearTask> KnowledgeCore::nearest(const VectorRef& meta_features, Index k) const {
    if (k < 1) throw ConfigError(fmt::format("Knowledge::nearest(): k must be >= 1 (got {})", k));
    const Vector d = nearest_table.distances(meta_features);
    std::vector<Index> order(static_cast<std::size_t>(d.size()));
    std::iota(order.begin(), order.end(), Index{0});
    std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return d[a] < d[b]; });
    std::vector<NearTask> out;
    for (Index t : order) {
        if (static_cast<Index>(out.size()) >= k) break;
        const auto& r = nearest_table.rankings()[static_cast<std::size_t>(t)];
        out.push_back({t, d[t], r.empty() ? Index{-1} : r.front()});
    }
    return out;
}

METALEARN_INLINE void KnowledgeCore::check_meta_feature_names() const {
    std::set<std::string> known;
    if (mf_options.feature_set == metafeatures::FeatureSet::autosklearn)
        for (auto& n : metafeatures::autosklearn_feature_names()) known.insert(n);
    else
        for (auto g : mf_options.groups)
            for (auto& n : metafeatures::feature_names(g)) known.insert(n);
    for (const auto& n : meta_feature_names)
        if (!known.count(base_feature_name(n)))
            throw ConfigError(fmt::format("meta-feature '{}' is not computed by this library version's extractor "
                                          "(with the file's groups); rebuild the knowledge",
                                          n));
}

}  // namespace metalearn::meta::detail

namespace metalearn::meta {

METALEARN_INLINE std::vector<std::filesystem::path> knowledge_directories() {
    std::vector<std::filesystem::path> dirs;
    if (const char* env = std::getenv("METALEARN_KNOWLEDGE_DIR"); env != nullptr && *env != '\0') dirs.emplace_back(env);
#ifdef METALEARN_KNOWLEDGE_DIR
    dirs.emplace_back(METALEARN_KNOWLEDGE_DIR);
#endif
#ifdef METALEARN_KNOWLEDGE_INSTALL_DIR  // the compiled mode's library: the install folder it was configured for
    dirs.emplace_back(METALEARN_KNOWLEDGE_INSTALL_DIR);
#endif
    return dirs;
}

}  // namespace metalearn::meta
