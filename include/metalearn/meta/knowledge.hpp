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

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/progress.hpp"
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
#include <functional>
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
    /// Space search (candidates, refinement, seed), and the top-k's diversity: `search.min_distance`
    /// (default 0.1 in the [0,1] encoding). `restrict_to_plan` keeps it inside what the
    /// knowledge's plan evaluated (the default: the meta-model has seen nothing outside it).
    SpaceSearchOptions search = {.n_candidates = 2048};
    /// Receives the extraction's warnings about the new dataset (`metafeatures::ExtractOptions::
    /// on_warning`: e.g. values beyond float32's range that leave a group undefined); none when empty.
    WarningCallback on_warning{};
};

/// What `Knowledge::suggest` did with the new dataset.
struct ZeroShotReport {
    std::vector<std::string> timed_out;  ///< meta-features cut by `ZeroShotOptions::time_limit`
    std::vector<std::string> missing;    ///< knowledge meta-features this dataset does not define (NaN)
    std::vector<std::string> notes;      ///< e.g. the subsample used
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

/// Search-space dimensions as a knowledge file stores them: [{name, kind, lo, hi, labels}] in
/// declaration order (`kind` as the `hpo::DomainKind` number).
[[nodiscard]] METALEARN_INLINE nlohmann::json space_to_json(const std::vector<hpo::Dimension>& dims);

/// The dimensions of a search space as JSON (see above).
template <class Space>
nlohmann::json space_to_json(const Space& space) {
    return space_to_json(hpo::detail::space_dimensions(space));
}

/// The name of a domain kind ("uniform", "log_uniform", ...).
[[nodiscard]] METALEARN_INLINE const char* domain_kind_name(hpo::DomainKind k);

/// A numeric dimension whose stored bounds differ from the declared ones.
struct StoredBounds {
    std::string name;
    double lo = 0.0;
    double hi = 0.0;
};

/// Compare stored dimensions (`space_to_json`) with `dims`, the library's.
/// @return the numeric dimensions whose stored bounds differ, in order.
/// @throws ConfigError when the stored dimensions are not `dims` (count, names, order, kinds,
///         labels); nlohmann::json exceptions on missing fields.
[[nodiscard]] METALEARN_INLINE std::vector<StoredBounds> stored_bounds(const nlohmann::json& j,
                                                                       const std::vector<hpo::Dimension>& dims,
                                                                       std::string_view where);

/// `space` with the bounds stored by `space_to_json`.
/// @throws ConfigError when the stored dimensions are not those of `space` (names, order, kinds,
///         labels) or a stored range leaves a dimension's valid range.
template <class Space>
Space space_from_json(const nlohmann::json& j, Space space, std::string_view where) {
    for (const StoredBounds& b : stored_bounds(j, hpo::detail::space_dimensions(space), where))
        space = space.with_bounds(b.name, b.lo, b.hi);
    return space;
}

/// Meta-feature extraction options as a knowledge file stores them (groups, summaries, features,
/// seed, max_categories, feature set).
[[nodiscard]] METALEARN_INLINE nlohmann::json extract_options_to_json(const metafeatures::ExtractOptions& o);

/// Inverse of `extract_options_to_json`. @throws ConfigError on an unknown group, summary or
/// feature set; nlohmann::json exceptions on missing fields.
[[nodiscard]] METALEARN_INLINE metafeatures::ExtractOptions extract_options_from_json(const nlohmann::json& j);

/// The base name of a meta-feature ("attr_ent" of "attr_ent.mean", "ClassEntropy" of itself).
[[nodiscard]] METALEARN_INLINE std::string base_feature_name(const std::string& name);

/// A training task near a new one (`KnowledgeCore::nearest`): its row in the task list, its
/// distance and its best plan configuration (index into the plan; -1 when every evaluation failed).
struct NearTask {
    Index task = 0;
    double distance = 0.0;
    Index best = -1;
};

/// The part of `Knowledge` that does not depend on the base model's or the meta-model's type:
/// the plan as JSON, the meta-feature names and options, the learned default, the portfolio, the
/// nearest-datasets table, the task list and provenance, their JSON form and the new dataset's
/// meta-features. Not a template, so the compiled mode builds it once. `Knowledge` documents its
/// members and forwards here.
class KnowledgeCore {
public:
    std::string model;                              ///< base model's name
    std::vector<nlohmann::json> plan_json;          ///< the plan (m configurations)
    std::vector<std::string> meta_feature_names;    ///< f names
    metafeatures::ExtractOptions mf_options;        ///< extraction options (no time limits, no callback)
    hpo::Metric metric = hpo::Metric::balanced_accuracy;
    Index n_folds = 3;
    std::uint64_t seed = 0;
    std::vector<Index> learned_order;               ///< plan indices, best mean normalised score first
    std::vector<Index> portfolio_order;             ///< plan indices of the greedy portfolio, in order
    NearestDatasetsStrategy nearest_table;          ///< scaled meta-features and per-task rankings
    std::vector<std::string> task_ids, task_names;  ///< training tasks, in table order
    KnowledgeProvenance provenance;

    /// Everything `Knowledge::fit` fits but the meta-model: learned default, portfolio, nearest
    /// datasets, names and provenance. @throws what the strategies' `fit` throws.
    void fit(const TaskTable& table, hpo::Metric metric, Index n_folds, std::uint64_t seed,
             const metafeatures::ExtractOptions& mf_options, KnowledgeProvenance provenance);

    /// The knowledge file's JSON, given the stored space (`space_to_json`) and the fitted predictor's JSON.
    [[nodiscard]] nlohmann::json to_json(nlohmann::json space, nlohmann::json predictor) const;

    /// Read the head of what `to_json` wrote: format, version, model (must be `model_name`),
    /// metric, folds (≥ 2), seed and the plan's JSON.
    /// @throws ConfigError naming what is wrong; nlohmann::json exceptions on missing fields.
    void read_head(const nlohmann::json& j, std::string_view model_name);

    /// Read the rest but the space, the plan's typed configurations and the predictor: meta-feature
    /// names (checked against this library's extractor) and options, orders, nearest-datasets
    /// table, tasks and provenance.
    /// @throws ConfigError naming what is wrong; nlohmann::json exceptions on missing fields.
    void read_body(const nlohmann::json& j);

    /// The checks of a read file that need only what the core holds: orders and rankings inside
    /// the plan, task list and nearest-datasets table of one length, the human-readable copies
    /// (`learned_default`, `portfolio`) equal to what the orders name.
    /// @throws ConfigError naming what disagrees.
    void check(const nlohmann::json& j) const;

    /// Read a knowledge file as JSON. @throws IoError when unreadable; ParseError (file, line,
    /// column) on invalid JSON.
    [[nodiscard]] static nlohmann::json read(const std::filesystem::path& path);

    /// `<dir>/<model_name>.json` (or `.json.gz`) in the first of `dirs` that has it.
    /// @throws IoError naming the folders searched when none has it.
    [[nodiscard]] static std::filesystem::path builtin_path(std::string_view model_name,
                                                            const std::vector<std::filesystem::path>& dirs);

    /// `Knowledge::meta_features`.
    [[nodiscard]] Vector meta_features(const data::Dataset& dataset, const ZeroShotOptions& opts,
                                       ZeroShotReport* report) const;

    /// The `k` training tasks nearest to aligned meta-features (f), nearest first (ties by table
    /// order). @throws DataError when the length is not f; ConfigError when k < 1.
    [[nodiscard]] std::vector<NearTask> nearest(const VectorRef& meta_features, Index k) const;

private:
    void check_meta_feature_names() const;
};

}  // namespace detail

/// The folders searched for installed knowledge files, in order (the first that holds the file
/// wins; missing folders are skipped):
/// - `$METALEARN_KNOWLEDGE_DIR` when set at run time;
/// - header-only mode: the folder named by the program's `METALEARN_KNOWLEDGE_DIR` macro (CMake
///   sets it: the source tree's `share/knowledge` for a build-tree target,
///   `<prefix>/share/metalearn/knowledge` for the installed package);
/// - compiled mode, where this function is in the library and so sees the library's macros: the
///   source tree the library was built from (`share/knowledge`, while it exists), then the folder
///   it was configured to install to (`CMAKE_INSTALL_PREFIX`; a later `cmake --install --prefix`
///   elsewhere needs `$METALEARN_KNOWLEDGE_DIR`).
[[nodiscard]] METALEARN_INLINE std::vector<std::filesystem::path> knowledge_directories();

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
        std::vector<Index> all(static_cast<std::size_t>(table.n_tasks()));
        std::iota(all.begin(), all.end(), Index{0});
        k.predictor_ = HyperparameterPredictor<MM>(std::move(meta_model));
        k.predictor_.fit(table, all);
        k.core_.fit(table, metric, n_folds, seed, mf_options, std::move(provenance));
        k.restricted_ = space.restricted_to(k.plan_);
        return k;
    }

    /// Read a knowledge file written by `save` (plain or gzip JSON).
    /// @throws IoError when the file cannot be read; ParseError on invalid JSON; ConfigError when it
    ///         is not a knowledge file of this model and format, or its space or meta-features
    ///         differ from this library's (the message says what differs).
    [[nodiscard]] static Knowledge load(const std::filesystem::path& path) {
        const nlohmann::json j = detail::KnowledgeCore::read(path);
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
    [[nodiscard]] static std::filesystem::path builtin_path() {
        return detail::KnowledgeCore::builtin_path(Model::name, knowledge_directories());
    }

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
        return core_.to_json(detail::space_to_json(space_), predictor_.to_json());
    }

    /// Restore from `to_json`. @throws ConfigError as `load`.
    [[nodiscard]] static Knowledge from_json(const nlohmann::json& j) {
        Knowledge k;
        try {
            k.core_.read_head(j, Model::name);
            k.space_ = detail::space_from_json(j.at("space"), Model::search_space(), "knowledge");
            for (const auto& c : k.core_.plan_json) k.plan_.push_back(k.space_.from_json(c));
            k.core_.read_body(j);
            k.predictor_ = HyperparameterPredictor<MM>::from_json(j.at("predictor"));
        } catch (const nlohmann::json::exception& e) {
            throw ConfigError(fmt::format("malformed knowledge file: {}", e.what()));
        } catch (const DataError& e) {
            throw ConfigError(fmt::format("malformed knowledge file: {}", e.what()));
        }
        k.core_.check(j);
        const auto f = static_cast<Index>(k.core_.meta_feature_names.size());
        const Index q = k.space_.encode(k.plan_.front()).size();
        if (k.predictor_.n_meta_features() != f || k.predictor_.n_encoded() != q ||
            k.core_.nearest_table.n_meta_features() != f)
            throw ConfigError(fmt::format("malformed knowledge file: {} meta-feature names and {} encoded values, but the "
                                          "predictor expects {} and {}, the nearest-datasets table {} meta-features",
                                          f, q, k.predictor_.n_meta_features(), k.predictor_.n_encoded(),
                                          k.core_.nearest_table.n_meta_features()));
        k.restricted_ = k.space_.restricted_to(k.plan_);
        return k;
    }

    /// The k best configurations for `dataset` by the meta-model, diversified
    /// (`ZeroShotOptions::search.min_distance`), best first; fewer than k when the search's
    /// candidates (`n_candidates` Sobol points and the refinement's improvements) hold fewer
    /// distinct configurations (a small space, a small plan, or k above the candidates). Meta-features are extracted with the
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
        return suggest(mf, k, opts, min_training_rows(dataset, core_.n_folds));
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
        // leave out what the data size rules out (unless that is everything), before the top-k
        std::function<bool(const nlohmann::json&)> fits;
        if constexpr (models::DeclaresRowNeeds<Model>)
            if (training_rows > 0)
                fits = [&](const nlohmann::json& c) { return models::fits_rows<Model>(space_.from_json(c), training_rows); };
        return detail::with_params(predictor_.suggest(meta_features, k, space, opts.search, fits), space_);
    }

    /// The configuration with the best mean normalised score over the training tasks (from the plan).
    [[nodiscard]] params_type learned_default() const {
        return plan_[static_cast<std::size_t>(core_.learned_order.front())];
    }

    /// The first `k` configurations of the greedy portfolio (fewer if the plan is smaller), in order.
    /// @throws ConfigError when k < 1.
    [[nodiscard]] std::vector<params_type> portfolio(Index k) const {
        if (k < 1) throw ConfigError(fmt::format("Knowledge::portfolio(): k must be >= 1 (got {})", k));
        std::vector<params_type> out;
        for (Index c : core_.portfolio_order) {
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
        std::vector<Neighbour<params_type>> out;
        for (const detail::NearTask& t : core_.nearest(meta_features, k)) {
            Neighbour<params_type> n;
            n.task_id = core_.task_ids[static_cast<std::size_t>(t.task)];
            n.task_name = core_.task_names[static_cast<std::size_t>(t.task)];
            n.distance = t.distance;
            if (t.best >= 0) {
                n.best_config = core_.plan_json[static_cast<std::size_t>(t.best)];
                n.best = plan_[static_cast<std::size_t>(t.best)];
            }
            out.push_back(std::move(n));
        }
        return out;
    }

    /// The new dataset's meta-features aligned with `meta_feature_names()` (f; NaN = missing):
    /// extracted with the knowledge's options, restricted to the features it uses, on a stratified
    /// subsample above `opts.max_rows` rows. @throws DataError as `suggest`.
    [[nodiscard]] Vector meta_features(const data::Dataset& dataset, const ZeroShotOptions& opts = {},
                                       ZeroShotReport* report = nullptr) const {
        return core_.meta_features(dataset, opts, report);
    }

    [[nodiscard]] const space_type& space() const noexcept { return space_; }
    [[nodiscard]] const std::vector<params_type>& plan() const noexcept { return plan_; }
    [[nodiscard]] const std::vector<std::string>& meta_feature_names() const noexcept { return core_.meta_feature_names; }
    [[nodiscard]] const metafeatures::ExtractOptions& extract_options() const noexcept { return core_.mf_options; }
    [[nodiscard]] const HyperparameterPredictor<MM>& predictor() const noexcept { return predictor_; }
    [[nodiscard]] const KnowledgeProvenance& provenance() const noexcept { return core_.provenance; }
    [[nodiscard]] const std::vector<std::string>& task_ids() const noexcept { return core_.task_ids; }
    [[nodiscard]] hpo::Metric metric() const noexcept { return core_.metric; }
    [[nodiscard]] Index n_folds() const noexcept { return core_.n_folds; }

private:
    Knowledge() = default;

    detail::KnowledgeCore core_;
    space_type space_ = Model::search_space();
    space_type restricted_ = Model::search_space();
    std::vector<params_type> plan_;
    HyperparameterPredictor<MM> predictor_;
};

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

/// The k best diversified configurations (`ZeroShotOptions::search.min_distance`), best first.
/// @throws as above; ConfigError when k < 1.
template <models::BaseModel Model>
[[nodiscard]] std::vector<typename Model::params_type> zero_shot(const data::Dataset& dataset, Index k,
                                                                 const meta::ZeroShotOptions& opts = {}) {
    std::vector<typename Model::params_type> out;
    for (auto& s : meta::Knowledge<Model>::builtin().suggest(dataset, k, opts)) out.push_back(std::move(s.params));
    return out;
}

}  // namespace metalearn

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/meta/knowledge_impl.hpp"
#endif

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library's instances for the bundled models (core/compiled_instances.hpp).
#define METALEARN_DECLARES_KNOWLEDGE
#include "metalearn/core/compiled_instances.hpp"
#endif
