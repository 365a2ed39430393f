#pragma once
/// @file corpus_impl.hpp
/// @brief Bodies of corpus.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/data/corpus.hpp"
#include "metalearn/data/checksum.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/detail/text.hpp"
#include "metalearn/data/read.hpp"
#include "metalearn/data/split.hpp"
#include "metalearn/data/subsample.hpp"
#include "metalearn/core/random.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace metalearn::data {

METALEARN_INLINE std::string_view to_string(SkipReason reason) noexcept {
    switch (reason) {
        case SkipReason::unreadable_folder: return "unreadable_folder";
        case SkipReason::unreadable: return "unreadable";
        case SkipReason::wrong_task: return "wrong_task";
        case SkipReason::too_large: return "too_large";
        case SkipReason::degenerate: return "degenerate";
        case SkipReason::duplicate: return "duplicate";
        case SkipReason::same_family: return "same_family";
    }
    return "unknown";
}

METALEARN_INLINE std::uint64_t content_hash(const Dataset& dataset) {
    const Index n = dataset.n_samples();
    const Index p = dataset.n_features();
    const Matrix& X = dataset.X();
    const Vector& y = dataset.y();
    std::vector<std::uint64_t> rows(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i) {
        std::uint64_t h = detail::fnv_basis;
        for (Index j = 0; j < p; ++j) h = detail::fnv_mix(h, detail::canonical_bits(X(i, j)));
        rows[static_cast<std::size_t>(i)] = detail::fnv_mix(h, detail::canonical_bits(y[i]));
    }
    std::sort(rows.begin(), rows.end());  // row order does not matter

    std::uint64_t h = detail::fnv_shape(dataset);
    for (const std::uint64_t r : rows) h = detail::fnv_mix(h, r);
    return h;
}

METALEARN_INLINE std::string data_family(const std::filesystem::path& file) {
    std::filesystem::path name = file.filename();
    if (name.extension() == ".gz") name = name.stem();
    std::string family = name.stem().string();
    family = family.substr(0, family.find('.'));
    for (const std::string_view suffix : {std::string_view("-train"), std::string_view("-test"),
                                          std::string_view("-challenge")})
        if (family.size() > suffix.size() && family.ends_with(suffix)) family.resize(family.size() - suffix.size());
    return family;
}

namespace detail {

/// FNV-1a (64-bit) of a string's bytes.
inline std::uint64_t fnv_string(std::string_view s) noexcept {
    std::uint64_t h = fnv_basis;
    for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * fnv_prime;
    return h;
}

/// Rows a table keeps under `CorpusOptions::subsample`: min of the limits that are set.
inline Index subsample_rows(const Dataset& d, const CorpusOptions& o) {
    Index m = d.n_samples();
    if (o.max_samples > 0) m = std::min(m, o.max_samples);
    if (o.max_cells > 0) m = std::min(m, o.max_cells / std::max<Index>(d.n_features(), 1));
    return m;
}

/// A seeded subsample of m < n rows (`data::subsample_rows`: stratified by class for
/// classification), in row order.
inline Dataset subsample(const Dataset& d, Index m, std::uint64_t seed) { return d.subset(data::subsample_rows(d, m, seed)); }

/// Whether a column name looks like an identifier: `id` in any case, or ending with "Id" or "_id".
inline bool id_like_name(std::string_view name) {
    if (name.size() == 2 && (name[0] == 'i' || name[0] == 'I') && (name[1] == 'd' || name[1] == 'D')) return true;
    return (name.size() > 2 && name.ends_with("Id")) || (name.size() > 3 && name.ends_with("_id"));
}

/// `d` without its identifier columns (see `CorpusOptions::drop_id_columns`); their names in `dropped`.
inline Dataset drop_id_columns(Dataset d, std::vector<std::string>& dropped) {
    std::vector<Index> keep;
    for (Index j = 0; j < d.n_features(); ++j) {
        const auto& f = d.feature(j);
        bool id = !f.is_nominal() && id_like_name(f.name) && d.n_samples() > 1;
        if (id) {
            std::vector<double> v(static_cast<std::size_t>(d.n_samples()));
            for (Index i = 0; i < d.n_samples(); ++i) v[static_cast<std::size_t>(i)] = d.X()(i, j);
            id = std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x) && x == std::floor(x); });
            if (id) {
                std::sort(v.begin(), v.end());
                id = std::adjacent_find(v.begin(), v.end()) == v.end();
            }
        }
        if (id) dropped.push_back(f.name);
        else keep.push_back(j);
    }
    if (dropped.empty()) return d;
    Matrix X(d.n_samples(), static_cast<Index>(keep.size()));
    std::vector<FeatureInfo> features;
    for (std::size_t k = 0; k < keep.size(); ++k) {
        X.col(static_cast<Index>(k)) = d.X().col(keep[k]);
        features.push_back(d.feature(keep[k]));
    }
    return Dataset(d.name(), std::move(X), d.y(), std::move(features), d.task(), d.class_names(), d.target_name());
}

/// Why a dataset fails the type, size and usability checks of `load_corpus`; nullopt if it passes.
inline std::optional<std::pair<SkipReason, std::string>> corpus_check(const Dataset& d, const CorpusOptions& o) {
    if (o.task && d.task() != *o.task)
        return std::pair{SkipReason::wrong_task,
                         std::string(d.is_classification() ? "classification task" : "regression task")};
    const Index n = d.n_samples();
    const Index p = d.n_features();
    const bool too_many_rows = o.max_samples > 0 && n > o.max_samples;
    const bool too_many_cells = o.max_cells > 0 && n * std::max<Index>(p, 1) > o.max_cells;
    if ((too_many_rows || too_many_cells) && !(o.subsample && subsample_rows(d, o) >= 10)) {
        std::string limits;
        if (o.max_samples > 0) limits = fmt::format("max_samples {}", o.max_samples);
        if (o.max_cells > 0) limits += fmt::format("{}max_cells {}", limits.empty() ? "" : ", ", o.max_cells);
        return std::pair{SkipReason::too_large, fmt::format("too large ({} x {}; limits: {})", n, p, limits)};
    }
    if (d.is_classification()) {
        const Index present = d.n_classes_present();
        if (present < 2 || p == 0)
            return std::pair{SkipReason::degenerate, fmt::format("{} classes present, {} features", present, p)};
        // ten classes or more and more classes than half the rows: the "target" is an identifier or
        // a measurement (a file listing, say), not classes; no k-fold CV can use it
        if (present >= 10 && 2 * present > n)
            return std::pair{SkipReason::degenerate,
                             fmt::format("{} classes for {} rows (more than half the rows: the target column looks like an "
                                         "identifier or a continuous value)",
                                         present, n)};
    } else if (p == 0) {
        return std::pair{SkipReason::degenerate, std::string("0 features")};
    }
    return std::nullopt;
}

}  // namespace detail

METALEARN_INLINE Corpus load_corpus(const std::vector<std::filesystem::path>& folders, const CorpusOptions& options) {
    if (options.max_samples < 0)
        throw ConfigError(fmt::format("load_corpus(): max_samples must be >= 0 (0 = no limit; got {})", options.max_samples));
    if (options.max_cells < 0)
        throw ConfigError(fmt::format("load_corpus(): max_cells must be >= 0 (0 = no limit; got {})", options.max_cells));
    namespace fs = std::filesystem;
    for (const auto& folder : folders) {  // a mistyped folder is an error, not an empty corpus
        std::error_code ec;
        const auto status = fs::status(folder, ec);
        if (!fs::exists(status))
            throw IoError(fmt::format("load_corpus(): dataset folder '{}' does not exist (expected a folder of "
                                      "ARFF/CSV/TSV files; check the path, or fill the repository's data/ folder with "
                                      "scripts/get-datasets)",
                                      folder.string()));
        if (!fs::is_directory(status))
            throw IoError(fmt::format("load_corpus(): '{}' is not a folder (expected a folder of dataset files; "
                                      "read_dataset reads a single file)",
                                      folder.string()));
    }
    Corpus corpus;
    std::set<std::string> ids;                       // ids of the kept tasks
    std::map<std::uint64_t, std::string> by_hash;    // content hash -> first kept id
    struct Kept {
        std::string id;
        Index n = 0;
        Index p = 0;
    };
    std::multimap<std::string, Kept> by_family;      // data family -> kept tasks of that family
    for (const auto& folder : folders) {
        std::vector<fs::path> files;
        try {
            files = list_dataset_files(folder, options.recursive);
        } catch (const std::exception& e) {
            corpus.skipped.push_back(
                {detail::utf8_escaped(folder.generic_string()), folder, SkipReason::unreadable_folder, e.what(), {}});
            continue;
        }
        for (const auto& file : files) {
            std::error_code ec;
            // lexically: fs::relative resolves symbolic links, which would id a link by its target
            fs::path relative = file.lexically_relative(folder);
            if (relative.empty() || *relative.begin() == "..") relative = file.filename();
            // Ids go into records and JSON, which must be UTF-8: a file name that is not (a Latin-1
            // name, say) gets its stray bytes written as \xNN instead of failing the whole run.
            std::string id = detail::utf8_escaped(relative.generic_string());
            if (ids.count(id)) id = detail::utf8_escaped((folder / relative).generic_string());
            if (ids.count(id)) id += fmt::format("#{}", ids.size());
            const auto skip = [&](SkipReason reason, std::string message, std::string same_as = {}) {
                corpus.skipped.push_back({id, file, reason, std::move(message), std::move(same_as)});
            };
            try {
                Dataset d = read_dataset(file, options.read);
                std::vector<std::string> dropped;
                if (options.drop_id_columns) {
                    d = detail::drop_id_columns(std::move(d), dropped);
                    if (!dropped.empty() && options.read.on_warning)
                        options.read.on_warning(fmt::format("{}: dropped identifier column(s) {} (all values distinct "
                                                            "integers; CorpusOptions::drop_id_columns)",
                                                            id, fmt::join(dropped, ", ")));
                }
                if (const auto failed = detail::corpus_check(d, options)) {
                    skip(failed->first, failed->second);
                    continue;
                }
                Index subsampled_from = 0;
                if (options.subsample) {
                    const Index m = detail::subsample_rows(d, options);
                    if (m < d.n_samples()) {
                        subsampled_from = d.n_samples();
                        d = detail::subsample(d, m, derive_seed(options.subsample_seed, {detail::fnv_string(id)}));
                        if (const auto failed = detail::corpus_check(d, options)) {  // e.g. a class lost
                            skip(failed->first, failed->second);
                            continue;
                        }
                    }
                }
                const std::uint64_t hash = content_hash(d);
                if (options.skip_duplicates)
                    if (const auto it = by_hash.find(hash); it != by_hash.end()) {
                        skip(SkipReason::duplicate, fmt::format("same data as {}", it->second), it->second);
                        continue;
                    }
                std::string family = data_family(file);
                if (options.one_task_per_family) {
                    // same family name, and the same rows (a projection) or the same columns (a
                    // train/test split): `data.csv` files of unrelated tables in their own folders
                    // are not versions of one another
                    const Kept* same = nullptr;
                    for (auto [it, end] = by_family.equal_range(family); it != end && !same; ++it)
                        if (it->second.n == d.n_samples() || it->second.p == d.n_features()) same = &it->second;
                    if (same) {
                        skip(SkipReason::same_family, fmt::format("another version of the same data as {}", same->id),
                             same->id);
                        continue;
                    }
                }
                by_hash.emplace(hash, id);
                by_family.emplace(std::move(family), Kept{id, d.n_samples(), d.n_features()});
                ids.insert(id);
                corpus.tasks.push_back({id, file, std::move(d), hash, subsampled_from, std::move(dropped)});
            } catch (const std::exception& e) {
                skip(SkipReason::unreadable, e.what());
            }
        }
    }
    return corpus;
}

}  // namespace metalearn::data
