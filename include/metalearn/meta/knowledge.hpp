#pragma once
/// @file knowledge.hpp
/// @brief `Knowledge<Model>`: what the outer loop learned about one base model, as a fitted,
/// self-describing object that can be saved, shipped and loaded alone; and `zero_shot<Model>`,
/// hyperparameters for a new dataset in one call from the knowledge installed with the library.
///
/// A knowledge file (JSON, optionally gzip-compressed when zlib is available) holds:
/// - `format`, `format_version`, the library version that wrote it, the base model's name;
/// - the search space (names, kinds, bounds, labels) and the plan the tasks were evaluated on;
/// - the meta-feature names and the extraction options (groups, summaries, seed, one-hot cap);
/// - the fitted `HyperparameterPredictor` (meta-model and preprocessing: medians, transforms);
/// - the learned default (best mean normalised score over the tasks), the greedy portfolio
///   (Feurer et al. 2015/2018; Wistuba et al. 2015) and the nearest-datasets table (scaled
///   meta-features and per-task rankings; Feurer, Springenberg & Hutter, AAAI 2015);
/// - provenance: the tasks (ids, shapes, checksums, notes such as a subsample), metric, folds,
///   seed, seed scheme, and free fields written by the builder (date, command, notes).
///
/// Loading checks the format version, the model name and the search space against
/// `Model::search_space()` (every stored dimension must exist with the same kind and labels; the
/// stored bounds are applied, since the meta-model's encoding depends on them) and the meta-feature
/// names against the extractor of this library version; a mismatch is a `ConfigError` that says
/// what differs.

#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/detail/text.hpp"
#include "metalearn/data/subsample.hpp"
#include "metalearn/hpo/metrics.hpp"
#include "metalearn/meta/new_task.hpp"
#include "metalearn/meta/predictor.hpp"
#include "metalearn/meta/random_forest_meta_model.hpp"
#include "metalearn/meta/strategies.hpp"
#include "metalearn/meta/task_table.hpp"
#include "metalearn/metafeatures/extract.hpp"
#include "metalearn/metafeatures/options.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/version.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <unordered_map>
#include <string>
#include <vector>

namespace metalearn::meta {

/// The knowledge file format this library writes and reads.
inline constexpr int knowledge_format_version = 1;

/// One training task of a knowledge file (provenance).
struct KnowledgeTask {
    std::string id;            ///< task id of the records (path below the corpus folder)
    std::string name;          ///< dataset name
    Index n_samples = 0;       ///< rows used (after any subsample)
    Index n_features = 0;      ///< feature columns
    Index n_classes = 0;       ///< classes (0 for regression)
    std::string checksum;      ///< `data::table_checksum` of the data used
    std::string note;          ///< e.g. "stratified subsample of 5000 of 48842 rows (seed 0)"
};

/// What a `Knowledge` was built from; written to the file as is.
struct KnowledgeProvenance {
    std::vector<KnowledgeTask> tasks;  ///< the training tasks, in table order
    std::string built;                 ///< when (free text, e.g. an ISO date); not used by the library
    std::string command;               ///< how to rebuild it
    std::vector<std::string> notes;    ///< anything else worth knowing (skipped tasks, timings)
};

/// Options of `Knowledge::suggest` and `zero_shot`.
struct ZeroShotOptions {
    /// Rows above which the new dataset's meta-features are computed on a seeded stratified
    /// subsample of this many rows (said in `ZeroShotReport::notes`); 0 = never subsample.
    Index max_rows = 5000;
    /// Wall-clock limit of the meta-feature extraction (0 = none). Features it cuts are treated
    /// as missing (the training median) and listed in `ZeroShotReport::timed_out`.
    std::chrono::milliseconds time_limit{0};
    /// Minimum distance between two suggestions, in the [0,1] encoding (Euclidean, divided by
    /// √q so that 1 is the cube's diagonal); the top-k are the best predictions that keep it,
    /// relaxed by halves when the space cannot hold k such points. 0 = only distinct configs.
    double min_distance = 0.1;
    /// Space search (candidates, refinement, seed); `restrict_to_plan` keeps it inside what the
    /// knowledge's plan evaluated (the default: the meta-model has seen nothing outside it).
    SpaceSearchOptions search = {.n_candidates = 2048};
};

/// What `Knowledge::suggest` did with the new dataset.
struct ZeroShotReport {
    std::vector<std::string> timed_out;  ///< meta-features cut by `ZeroShotOptions::time_limit`
    std::vector<std::string> missing;    ///< knowledge meta-features this dataset does not define (NaN)
    std::vector<std::string> notes;      ///< e.g. the subsample used
};

/// A suggested configuration with its typed parameters.
template <class Params>
struct TypedSuggestion : Suggestion {
    Params params{};  ///< the configuration as the model's parameter struct
};

/// A training task close to a new one (`Knowledge::nearest`).
template <class Params>
struct Neighbour {
    std::string task_id;       ///< the training task
    std::string task_name;     ///< its dataset name
    double distance = 0.0;     ///< L1 distance in the scaled meta-feature space (0 = identical)
    nlohmann::json best_config;///< its best configuration of the plan (null if every evaluation failed)
    Params best{};             ///< the same, typed
};

namespace detail {

/// The dimensions of a search space as JSON: [{name, kind, lo, hi, labels}] in declaration order.
template <class Space>
nlohmann::json space_to_json(const Space& space) {
    nlohmann::json dims = nlohmann::json::array();
    for (Index i = 0; i < space.size(); ++i) {
        const auto& d = space.dimension(i);
        nlohmann::json e = {{"name", d.name}, {"kind", static_cast<int>(d.kind)}};
        if (d.is_categorical()) e["labels"] = d.labels;
        else {
            e["lo"] = d.lo;
            e["hi"] = d.hi;
        }
        dims.push_back(std::move(e));
    }
    return dims;
}

inline const char* domain_kind_name(hpo::DomainKind k) {
    switch (k) {
        case hpo::DomainKind::uniform: return "uniform";
        case hpo::DomainKind::log_uniform: return "log_uniform";
        case hpo::DomainKind::int_uniform: return "int_uniform";
        case hpo::DomainKind::int_log_uniform: return "int_log_uniform";
        case hpo::DomainKind::categorical: return "categorical";
    }
    return "?";
}

/// `space` with the bounds stored by `space_to_json`.
/// @throws ConfigError when the stored dimensions are not those of `space` (names, order, kinds,
///         labels) or a stored range leaves a dimension's valid range.
template <class Space>
Space space_from_json(const nlohmann::json& j, Space space, std::string_view where) {
    if (!j.is_array() || static_cast<Index>(j.size()) != space.size())
        throw ConfigError(fmt::format("{}: the search space differs: the file has {} dimension(s), this library's {} "
                                      "has {} ({})",
                                      where, j.is_array() ? j.size() : 0, "model", space.size(), fmt::join(space.names(), ", ")));
    for (Index i = 0; i < space.size(); ++i) {
        const auto& e = j[static_cast<std::size_t>(i)];
        const auto d = space.dimension(i);
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
            if (lo != d.lo || hi != d.hi) space = space.with_bounds(name, lo, hi);
        }
    }
    return space;
}

inline nlohmann::json extract_options_to_json(const metafeatures::ExtractOptions& o) {
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

inline metafeatures::ExtractOptions extract_options_from_json(const nlohmann::json& j) {
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

/// The base name of a meta-feature ("attr_ent" of "attr_ent.mean", "ClassEntropy" of itself).
inline std::string base_feature_name(const std::string& name) { return name.substr(0, name.find('.')); }

/// Indices of `k` rows of `encoding` (n×q, sorted best first) keeping pairwise distances (Euclidean / √q)
/// ≥ d, d halved until k rows are found or d < 1e-6 (then the first distinct rows fill up).
inline std::vector<Index> diverse_top(const Matrix& encoding, Index k, double d) {
    const Index n = encoding.rows();
    const double scale = std::sqrt(static_cast<double>(std::max<Index>(encoding.cols(), 1)));
    std::vector<Index> chosen;
    for (double dist = d; static_cast<Index>(chosen.size()) < std::min(k, n); dist /= 2) {
        chosen.clear();
        for (Index i = 0; i < n && static_cast<Index>(chosen.size()) < k; ++i) {
            bool ok = true;
            for (Index c : chosen)
                if ((encoding.row(i) - encoding.row(c)).norm() / scale < dist) {
                    ok = false;
                    break;
                }
            if (ok) chosen.push_back(i);
        }
        if (dist < 1e-6) break;
    }
    return chosen;
}

}  // namespace detail

/// What the outer loop learned about base model `Model`; see the file documentation.
///
/// Build one with `Knowledge::fit` from a task table (e.g. `MetaLearner::table()` after
/// `collect`), save it with `save`, load it with `load` or `builtin`, then ask it for a new
/// dataset: `suggest` (meta-model, diversified top-k), `learned_default`, `portfolio`, `nearest`.
/// Const member functions are safe to call from several threads.
/// @tparam Model a `models::BaseModel` with a declared `search_space()`.
/// @tparam MM    the meta-model (`MetaModel`), default `RandomForestMetaModel`.
template <models::BaseModel Model, MetaModel MM = RandomForestMetaModel>
class Knowledge {
public:
    using params_type = typename Model::params_type;
    using space_type = decltype(Model::search_space());
    using suggestion_type = TypedSuggestion<params_type>;

    /// Fit the knowledge on every task of `table`.
    /// @param table      tasks × plan scores with meta-features (`MetaLearner::table()`); the plan is
    ///                   `table.configs`, encoded by `space` as `table.config_encoding`.
    /// @param space      the space the table was encoded with (`MetaLearner::space()`).
    /// @param metric     the metric of the scores; @param n_folds their CV folds; @param seed the
    ///                   outer loop's seed (provenance).
    /// @param mf_options the meta-feature extraction the table's meta-features came from (applied
    ///                   to new datasets).
    /// @param provenance the tasks' shapes and checksums and free notes (written as given).
    /// @param meta_model unfitted meta-model (its parameters are kept).
    /// @throws DataError when the table has no task with two distinct finite scores, or its name
    ///         is not `Model::name`; ConfigError when a plan config is outside `space`.
    [[nodiscard]] static Knowledge fit(const TaskTable& table, const space_type& space, hpo::Metric metric,
                                       Index n_folds, std::uint64_t seed, const metafeatures::ExtractOptions& mf_options,
                                       KnowledgeProvenance provenance = {}, MM meta_model = MM()) {
        if (table.model != Model::name)
            throw DataError(fmt::format("Knowledge::fit(): the table is of model '{}' (expected '{}')", table.model,
                                        Model::name));
        Knowledge k;
        k.space_ = space;
        for (const auto& c : table.configs) k.plan_.push_back(space.from_json(c));
        k.plan_json_ = table.configs;
        k.meta_feature_names_ = table.meta_feature_names;
        k.mf_options_ = mf_options;
        k.mf_options_.on_warning = {};
        k.mf_options_.time_limit = k.mf_options_.time_limit_per_group = std::chrono::milliseconds{0};
        k.metric_ = metric;
        k.n_folds_ = n_folds;
        k.seed_ = seed;
        k.provenance_ = std::move(provenance);
        std::vector<Index> all(static_cast<std::size_t>(table.n_tasks()));
        std::iota(all.begin(), all.end(), Index{0});
        k.predictor_ = HyperparameterPredictor<MM>(std::move(meta_model));
        k.predictor_.fit(table, all);
        LearnedDefaultStrategy learned;
        learned.fit(table, all);
        k.learned_order_ = learned.propose(Vector(), table.n_configs(), {});
        PortfolioStrategy portfolio;
        portfolio.fit(table, all);
        k.portfolio_order_ = portfolio.propose(Vector(), table.n_configs(), {});
        k.nearest_.fit(table, all);
        k.task_ids_ = table.task_ids;
        k.task_names_ = table.task_names;
        k.restricted_ = space.restricted_to(k.plan_);
        return k;
    }

    /// Read a knowledge file written by `save` (plain or gzip JSON).
    /// @throws IoError when the file cannot be read; ParseError on invalid JSON; ConfigError when it
    ///         is not a knowledge file of this model and format, or its space or meta-features
    ///         differ from this library's (the message says what differs).
    [[nodiscard]] static Knowledge load(const std::filesystem::path& path) {
        const std::string text = data::detail::read_file(path, "Knowledge::load()");
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(text);
        } catch (const nlohmann::json::parse_error& e) {
            throw parse_error_at(path.string(), text, e.byte > 0 ? e.byte - 1 : 0, fmt::format("invalid JSON ({})", printable(e.what(), 400)));
        } catch (const nlohmann::json::exception& e) {  // well-formed, but a number beyond a double's range
            throw parse_error_at(path.string(), text, quoted_token_offset(text, e.what()),
                                 fmt::format("unreadable JSON ({})", printable(e.what(), 400)));
        }
        try {
            return from_json(j);
        } catch (const ConfigError& e) {
            throw ConfigError(fmt::format("Knowledge::load('{}'): {}", path.string(), e.what()));
        }
    }

    /// The knowledge installed with the library for `Model`: `<dir>/<Model::name>.json` (or
    /// `.json.gz`) in the first of `knowledge_directories()` that has it.
    /// @throws IoError naming the folders searched when none has it; what `load` throws.
    [[nodiscard]] static Knowledge builtin() { return load(builtin_path()); }

    /// The file `builtin()` reads. @throws IoError as `builtin`.
    [[nodiscard]] static std::filesystem::path builtin_path();

    /// Save as JSON (gzip is not written; compress the file yourself if you want, `load` reads it).
    /// @throws IoError when the file cannot be written completely.
    void save(const std::filesystem::path& path) const {
        const std::string text = to_json().dump();  // compact: the trees of a meta-model are most of the file
        {
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            if (!out) throw IoError(fmt::format("Knowledge::save(): cannot open '{}' for writing", path.string()));
            out << text << '\n';
            out.flush();
            if (!out) throw IoError(fmt::format("Knowledge::save(): error while writing '{}'", path.string()));
        }
    }

    /// The whole knowledge as JSON (what `save` writes).
    [[nodiscard]] nlohmann::json to_json() const {
        std::vector<nlohmann::json> tasks;
        for (const auto& t : provenance_.tasks)
            tasks.push_back({{"id", t.id},
                             {"name", t.name},
                             {"n_samples", t.n_samples},
                             {"n_features", t.n_features},
                             {"n_classes", t.n_classes},
                             {"checksum", t.checksum},
                             {"note", t.note}});
        const auto configs_of = [&](const std::vector<Index>& order) {
            nlohmann::json a = nlohmann::json::array();
            for (Index c : order) a.push_back(plan_json_[static_cast<std::size_t>(c)]);
            return a;
        };
        return {{"format", "metalearn-knowledge"},
                {"format_version", knowledge_format_version},
                {"library_version", fmt::format("{}.{}.{}", METALEARN_VERSION_MAJOR, METALEARN_VERSION_MINOR,
                                                METALEARN_VERSION_PATCH)},
                {"model", std::string(Model::name)},
                {"metric", std::string(hpo::to_string(metric_))},
                {"n_folds", n_folds_},
                {"seed", seed_},
                {"seed_scheme", current_seed_scheme},
                {"space", detail::space_to_json(space_)},
                {"plan", plan_json_},
                {"meta_features", {{"names", meta_feature_names_}, {"options", detail::extract_options_to_json(mf_options_)}}},
                {"predictor", predictor_.to_json()},
                {"learned_default", plan_json_[static_cast<std::size_t>(learned_order_.front())]},
                {"learned_order", learned_order_},
                {"portfolio", configs_of(portfolio_order_)},
                {"portfolio_order", portfolio_order_},
                {"nearest", nearest_.to_json()},
                {"task_ids", task_ids_},
                {"task_names", task_names_},
                {"provenance", {{"tasks", tasks}, {"built", provenance_.built}, {"command", provenance_.command},
                                {"notes", provenance_.notes}}}};
    }

    /// Restore from `to_json`. @throws ConfigError as `load`.
    [[nodiscard]] static Knowledge from_json(const nlohmann::json& j) {
        Knowledge k;
        try {
            if (!j.is_object() || j.value("format", "") != "metalearn-knowledge")
                throw ConfigError("not a metalearn knowledge file (no \"format\": \"metalearn-knowledge\")");
            const int version = j.at("format_version").get<int>();
            if (version != knowledge_format_version)
                throw ConfigError(fmt::format("format version {} (this library reads version {}; written by metalearn {})",
                                              version, knowledge_format_version, j.value("library_version", "?")));
            const auto model = j.at("model").get<std::string>();
            if (model != Model::name)
                throw ConfigError(fmt::format("knowledge of model '{}' (expected '{}')", model, Model::name));
            k.metric_ = hpo::metric_from_string(j.at("metric").get<std::string>());
            k.n_folds_ = j.at("n_folds").get<Index>();
            k.seed_ = j.at("seed").get<std::uint64_t>();
            k.space_ = detail::space_from_json(j.at("space"), Model::search_space(), "knowledge");
            k.plan_json_ = j.at("plan").get<std::vector<nlohmann::json>>();
            for (const auto& c : k.plan_json_) k.plan_.push_back(k.space_.from_json(c));
            k.meta_feature_names_ = j.at("meta_features").at("names").get<std::vector<std::string>>();
            k.mf_options_ = detail::extract_options_from_json(j.at("meta_features").at("options"));
            k.check_meta_feature_names();
            k.predictor_ = HyperparameterPredictor<MM>::from_json(j.at("predictor"));
            k.learned_order_ = j.at("learned_order").get<std::vector<Index>>();
            k.portfolio_order_ = j.at("portfolio_order").get<std::vector<Index>>();
            k.nearest_ = NearestDatasetsStrategy::from_json(j.at("nearest"));
            k.task_ids_ = j.at("task_ids").get<std::vector<std::string>>();
            k.task_names_ = j.at("task_names").get<std::vector<std::string>>();
            const auto& p = j.at("provenance");
            for (const auto& t : p.at("tasks"))
                k.provenance_.tasks.push_back({t.at("id").get<std::string>(), t.at("name").get<std::string>(),
                                               t.at("n_samples").get<Index>(), t.at("n_features").get<Index>(),
                                               t.at("n_classes").get<Index>(), t.at("checksum").get<std::string>(),
                                               t.at("note").get<std::string>()});
            k.provenance_.built = p.at("built").get<std::string>();
            k.provenance_.command = p.at("command").get<std::string>();
            k.provenance_.notes = p.at("notes").get<std::vector<std::string>>();
        } catch (const nlohmann::json::exception& e) {
            throw ConfigError(fmt::format("malformed knowledge file: {}", e.what()));
        } catch (const DataError& e) {
            throw ConfigError(fmt::format("malformed knowledge file: {}", e.what()));
        }
        const auto m = static_cast<Index>(k.plan_.size());
        const auto valid_order = [m](const std::vector<Index>& o) {
            return !o.empty() && std::all_of(o.begin(), o.end(), [m](Index c) { return c >= 0 && c < m; });
        };
        if (m == 0 || !valid_order(k.learned_order_) || !valid_order(k.portfolio_order_))
            throw ConfigError("malformed knowledge file: empty plan, or a learned-default or portfolio index outside the plan");
        if (k.task_ids_.size() != k.nearest_.rankings().size() || k.task_names_.size() != k.task_ids_.size())
            throw ConfigError("malformed knowledge file: the task list and the nearest-datasets table differ in length");
        // the redundant, human-readable copies must agree with what is used
        if (!j.contains("learned_default") || !j.contains("portfolio"))
            throw ConfigError("malformed knowledge file: no \"learned_default\" or \"portfolio\"");
        if (j.at("learned_default") != k.plan_json_[static_cast<std::size_t>(k.learned_order_.front())])
            throw ConfigError("malformed knowledge file: \"learned_default\" is not the plan configuration \"learned_order\" names");
        const auto& portfolio = j.at("portfolio");
        if (!portfolio.is_array() || portfolio.size() != k.portfolio_order_.size())
            throw ConfigError("malformed knowledge file: \"portfolio\" and \"portfolio_order\" differ in length");
        for (std::size_t i = 0; i < portfolio.size(); ++i)
            if (portfolio[i] != k.plan_json_[static_cast<std::size_t>(k.portfolio_order_[i])])
                throw ConfigError(fmt::format("malformed knowledge file: \"portfolio\" entry {} is not the plan configuration "
                                              "\"portfolio_order\" names",
                                              i));
        const auto f = static_cast<Index>(k.meta_feature_names_.size());
        const Index q = k.space_.encode(k.plan_.front()).size();
        if (k.predictor_.n_meta_features() != f || k.predictor_.n_encoded() != q || k.nearest_.n_meta_features() != f)
            throw ConfigError(fmt::format("malformed knowledge file: {} meta-feature names and {} encoded values, but the "
                                          "predictor expects {} and {}, the nearest-datasets table {} meta-features",
                                          f, q, k.predictor_.n_meta_features(), k.predictor_.n_encoded(),
                                          k.nearest_.n_meta_features()));
        k.restricted_ = k.space_.restricted_to(k.plan_);
        return k;
    }

    /// The k best configurations for `dataset` by the meta-model, diversified
    /// (`ZeroShotOptions::min_distance`), best first. Meta-features are extracted with the
    /// knowledge's options, only those it uses, on a stratified subsample when the dataset has more
    /// than `opts.max_rows` rows.
    /// Configurations the dataset's size rules out (`models::fits_rows` on the fewest training rows
    /// of the knowledge's CV folds, `min_training_rows`: a k-NN with more neighbours than rows) are
    /// left out, unless every candidate is ruled out.
    /// @param report optional: receives what was cut, missing or subsampled.
    /// @throws DataError when the dataset's task type differs from the knowledge's (metric), it has
    ///         no feature, fewer rows than the folds, or (classification) fewer than two classes
    ///         with samples; ConfigError when k < 1.
    [[nodiscard]] std::vector<suggestion_type> suggest(const data::Dataset& dataset, Index k = 1,
                                                       const ZeroShotOptions& opts = {}, ZeroShotReport* report = nullptr) const {
        if (k < 1) throw ConfigError(fmt::format("Knowledge::suggest(): k must be >= 1 (got {})", k));
        const Vector mf = meta_features(dataset, opts, report);
        return suggest(mf, k, opts, min_training_rows(dataset, n_folds_));
    }

    /// As above from meta-features already extracted with `extract_options()` (names aligned with
    /// `meta_feature_names()`; f values, NaN = missing).
    /// @param training_rows the rows a configuration will be fitted on: candidates that
    ///        `models::fits_rows` rules out for them are left out (unless all are); 0 = unknown.
    /// @throws DataError when the length is not f; ConfigError when k < 1.
    [[nodiscard]] std::vector<suggestion_type> suggest(const VectorRef& meta_features, Index k,
                                                       const ZeroShotOptions& opts = {}, Index training_rows = 0) const {
        if (k < 1) throw ConfigError(fmt::format("Knowledge::suggest(): k must be >= 1 (got {})", k));
        const space_type& space = opts.search.restrict_to_plan ? restricted_ : space_;
        // every candidate of the space search, best first, so that the diversified top-k can reach
        // beyond the cluster around the best prediction
        const Index pool = std::max<Index>(opts.search.n_candidates + opts.search.n_refine * opts.search.refine_steps, k);
        auto ranked = predictor_.suggest(meta_features, pool, space, opts.search);
        if constexpr (models::DeclaresRowNeeds<Model>) {
            if (training_rows > 0) {  // leave out what the data size rules out, unless that is everything
                std::vector<Suggestion> fit;
                for (const auto& r : ranked)
                    if (models::fits_rows<Model>(space_.from_json(r.config), training_rows)) fit.push_back(r);
                if (!fit.empty()) ranked = std::move(fit);
            }
        }
        Matrix enc(static_cast<Index>(ranked.size()), ranked.empty() ? 0 : ranked.front().encoding.size());
        for (std::size_t i = 0; i < ranked.size(); ++i) enc.row(static_cast<Index>(i)) = ranked[i].encoding.transpose();
        std::vector<suggestion_type> out;
        for (Index i : detail::diverse_top(enc, k, opts.min_distance)) {
            suggestion_type s;
            static_cast<Suggestion&>(s) = ranked[static_cast<std::size_t>(i)];
            s.params = space_.from_json(s.config);
            out.push_back(std::move(s));
        }
        return out;
    }

    /// The configuration with the best mean normalised score over the training tasks (from the plan).
    [[nodiscard]] params_type learned_default() const { return plan_[static_cast<std::size_t>(learned_order_.front())]; }

    /// The first `k` configurations of the greedy portfolio (fewer if the plan is smaller), in order.
    [[nodiscard]] std::vector<params_type> portfolio(Index k) const {
        std::vector<params_type> out;
        for (Index c : portfolio_order_) {
            if (static_cast<Index>(out.size()) >= k) break;
            out.push_back(plan_[static_cast<std::size_t>(c)]);
        }
        return out;
    }

    /// The `k` training tasks nearest to `dataset` (meta-features as in `suggest`), nearest first
    /// (ties by table order), with their best plan configuration.
    /// @throws as `suggest`.
    [[nodiscard]] std::vector<Neighbour<params_type>> nearest(const data::Dataset& dataset, Index k,
                                                              const ZeroShotOptions& opts = {},
                                                              ZeroShotReport* report = nullptr) const {
        return nearest(meta_features(dataset, opts, report), k);
    }

    /// As above from aligned meta-features (f). @throws DataError when the length is not f.
    [[nodiscard]] std::vector<Neighbour<params_type>> nearest(const VectorRef& meta_features, Index k) const {
        const Vector d = nearest_.distances(meta_features);
        std::vector<Index> order(static_cast<std::size_t>(d.size()));
        std::iota(order.begin(), order.end(), Index{0});
        std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return d[a] < d[b]; });
        std::vector<Neighbour<params_type>> out;
        for (Index t : order) {
            if (static_cast<Index>(out.size()) >= k) break;
            Neighbour<params_type> n;
            n.task_id = task_ids_[static_cast<std::size_t>(t)];
            n.task_name = task_names_[static_cast<std::size_t>(t)];
            n.distance = d[t];
            const auto& r = nearest_.rankings()[static_cast<std::size_t>(t)];
            if (!r.empty()) {
                n.best_config = plan_json_[static_cast<std::size_t>(r.front())];
                n.best = plan_[static_cast<std::size_t>(r.front())];
            }
            out.push_back(std::move(n));
        }
        return out;
    }

    /// The new dataset's meta-features aligned with `meta_feature_names()` (f; NaN = missing):
    /// extracted with the knowledge's options, restricted to the features it uses, on a stratified
    /// subsample above `opts.max_rows` rows. @throws DataError as `suggest`.
    [[nodiscard]] Vector meta_features(const data::Dataset& dataset, const ZeroShotOptions& opts = {},
                                       ZeroShotReport* report = nullptr) const;

    [[nodiscard]] const space_type& space() const noexcept { return space_; }
    [[nodiscard]] const std::vector<params_type>& plan() const noexcept { return plan_; }
    [[nodiscard]] const std::vector<std::string>& meta_feature_names() const noexcept { return meta_feature_names_; }
    [[nodiscard]] const metafeatures::ExtractOptions& extract_options() const noexcept { return mf_options_; }
    [[nodiscard]] const HyperparameterPredictor<MM>& predictor() const noexcept { return predictor_; }
    [[nodiscard]] const KnowledgeProvenance& provenance() const noexcept { return provenance_; }
    [[nodiscard]] const std::vector<std::string>& task_ids() const noexcept { return task_ids_; }
    [[nodiscard]] hpo::Metric metric() const noexcept { return metric_; }
    [[nodiscard]] Index n_folds() const noexcept { return n_folds_; }

private:
    Knowledge() = default;

    void check_meta_feature_names() const {
        std::set<std::string> known;
        if (mf_options_.feature_set == metafeatures::FeatureSet::autosklearn)
            for (auto& n : metafeatures::autosklearn_feature_names()) known.insert(n);
        else
            for (auto g : mf_options_.groups)
                for (auto& n : metafeatures::feature_names(g)) known.insert(n);
        for (const auto& n : meta_feature_names_)
            if (!known.count(detail::base_feature_name(n)))
                throw ConfigError(fmt::format("meta-feature '{}' is not computed by this library version's extractor "
                                              "(with the file's groups); rebuild the knowledge",
                                              n));
    }

    space_type space_ = Model::search_space();
    space_type restricted_ = Model::search_space();
    std::vector<params_type> plan_;
    std::vector<nlohmann::json> plan_json_;
    std::vector<std::string> meta_feature_names_;
    metafeatures::ExtractOptions mf_options_;
    hpo::Metric metric_ = hpo::Metric::balanced_accuracy;
    Index n_folds_ = 3;
    std::uint64_t seed_ = 0;
    HyperparameterPredictor<MM> predictor_;
    std::vector<Index> learned_order_, portfolio_order_;
    NearestDatasetsStrategy nearest_;
    std::vector<std::string> task_ids_, task_names_;
    KnowledgeProvenance provenance_;
};

/// The folders searched for installed knowledge files, in order: `$METALEARN_KNOWLEDGE_DIR` when
/// set, then the folder the build (`METALEARN_KNOWLEDGE_DIR` macro: the source tree's
/// `share/knowledge` for a build-tree target, `<prefix>/share/metalearn/knowledge` once
/// installed) points to.
[[nodiscard]] inline std::vector<std::filesystem::path> knowledge_directories() {
    std::vector<std::filesystem::path> dirs;
    if (const char* env = std::getenv("METALEARN_KNOWLEDGE_DIR"); env != nullptr && *env != '\0') dirs.emplace_back(env);
#ifdef METALEARN_KNOWLEDGE_DIR
    dirs.emplace_back(METALEARN_KNOWLEDGE_DIR);
#endif
    return dirs;
}

template <models::BaseModel Model, MetaModel MM>
std::filesystem::path Knowledge<Model, MM>::builtin_path() {
    const auto dirs = knowledge_directories();
    std::vector<std::string> tried;
    for (const auto& d : dirs)
        for (const char* ext : {".json", ".json.gz"}) {
            const auto p = d / (std::string(Model::name) + ext);
            std::error_code ec;
            if (std::filesystem::is_regular_file(p, ec)) return p;
            tried.push_back(p.string());
        }
    throw IoError(fmt::format("Knowledge::builtin(): no knowledge file for '{}' (looked for {}); set "
                              "METALEARN_KNOWLEDGE_DIR to a folder holding {}.json, or build one with "
                              "scripts/build-knowledge",
                              Model::name, tried.empty() ? std::string("nothing: no folder known") : fmt::format("{}", fmt::join(tried, ", ")),
                              Model::name));
}

template <models::BaseModel Model, MetaModel MM>
Vector Knowledge<Model, MM>::meta_features(const data::Dataset& dataset, const ZeroShotOptions& opts,
                                           ZeroShotReport* report) const {
    check_new_task(dataset, metric_, n_folds_, "Knowledge::suggest()");
    if (opts.max_rows < 0 || opts.max_rows == 1)
        throw ConfigError(fmt::format("Knowledge::suggest(): max_rows must be 0 or >= 2 (got {})", opts.max_rows));
    ZeroShotReport local;
    ZeroShotReport& rep = report != nullptr ? *report : local;
    rep = {};
    metafeatures::ExtractOptions o = mf_options_;
    o.time_limit = opts.time_limit;
    if (o.feature_set == metafeatures::FeatureSet::mfe) {
        std::set<std::string> bases;
        for (const auto& n : meta_feature_names_) bases.insert(detail::base_feature_name(n));
        o.features.assign(bases.begin(), bases.end());
    }
    metafeatures::MetaFeatures mf;
    if (opts.max_rows > 0 && dataset.n_samples() > opts.max_rows) {
        const auto rows = data::subsample_rows(dataset, opts.max_rows, mf_options_.seed);
        mf = metafeatures::extract(dataset.subset(rows), o);
        rep.notes.push_back(fmt::format("meta-features of a stratified subsample of {} of {} rows (seed {})", opts.max_rows,
                                        dataset.n_samples(), mf_options_.seed));
    } else {
        mf = metafeatures::extract(dataset, o);
    }
    rep.timed_out = mf.timed_out();
    Vector x = Vector::Constant(static_cast<Index>(meta_feature_names_.size()), std::numeric_limits<double>::quiet_NaN());
    const auto& names = mf.names();
    const Vector values = mf.values();
    std::unordered_map<std::string, Index> where;
    for (std::size_t j = 0; j < names.size(); ++j) where.emplace(names[j], static_cast<Index>(j));
    for (std::size_t i = 0; i < meta_feature_names_.size(); ++i) {
        const auto it = where.find(meta_feature_names_[i]);
        if (it != where.end()) x[static_cast<Index>(i)] = values[it->second];
        if (it == where.end() || !std::isfinite(x[static_cast<Index>(i)])) rep.missing.push_back(meta_feature_names_[i]);
    }
    return x;
}

}  // namespace metalearn::meta

namespace metalearn {

/// Zero-shot hyperparameters for `dataset` from the knowledge installed with the library
/// (`meta::Knowledge<Model>::builtin()`): the meta-model's best configuration.
/// Example: `auto params = metalearn::zero_shot<models::RandomForestClassifier>(data);`
/// @throws IoError when no knowledge of `Model` is installed; what `Knowledge::suggest` throws.
template <models::BaseModel Model>
[[nodiscard]] typename Model::params_type zero_shot(const data::Dataset& dataset, const meta::ZeroShotOptions& opts = {}) {
    return meta::Knowledge<Model>::builtin().suggest(dataset, 1, opts).front().params;
}

/// The k best diversified configurations (`ZeroShotOptions::min_distance`), best first.
/// @throws as above; ConfigError when k < 1.
template <models::BaseModel Model>
[[nodiscard]] std::vector<typename Model::params_type> zero_shot(const data::Dataset& dataset, Index k,
                                                                 const meta::ZeroShotOptions& opts = {}) {
    std::vector<typename Model::params_type> out;
    for (auto& s : meta::Knowledge<Model>::builtin().suggest(dataset, k, opts)) out.push_back(std::move(s.params));
    return out;
}

}  // namespace metalearn
