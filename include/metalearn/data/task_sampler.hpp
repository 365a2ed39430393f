#pragma once
/// @file task_sampler.hpp
/// @brief N-way K-shot episodes drawn from a classification dataset, for few-shot learning.
///
/// An episode picks N classes at random among those with enough samples, then K "support" and
/// Q "query" samples of each, without overlap (the protocol of Vinyals et al. 2016, "Matching
/// Networks for One Shot Learning", and Finn et al. 2017, MAML). Within an episode the chosen
/// classes are relabelled 0..N-1 in the order they were drawn.
///
/// Randomness: `sample(seed)` is a pure function of the seed; `sample(rng)` advances `rng`.

#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace metalearn::data {

/// One N-way K-shot episode: row indices into the source data and episode labels.
struct Episode {
    std::vector<Index> support;  ///< N·K rows, grouped by episode class (class 0 first)
    std::vector<Index> query;    ///< N·Q rows, grouped by episode class
    IndexVector support_labels;  ///< N·K episode labels in [0, N)
    IndexVector query_labels;    ///< N·Q episode labels in [0, N)
    std::vector<Index> classes;  ///< N original class codes; episode label c ↔ classes[c]
};

/// Draws N-way K-shot episodes with Q query samples per class from labelled rows.
class EpisodeSampler {
public:
    /// @param labels    n class codes in [0, n_classes).
    /// @param n_classes K_total, the number of declared classes.
    /// @param n_way     N ≥ 2 classes per episode.
    /// @param k_shot    K ≥ 1 support samples per class.
    /// @param n_query   Q ≥ 1 query samples per class.
    /// @throws DataError on a label out of range, invalid N/K/Q, or fewer than N classes with at
    ///         least K + Q members (the message lists how many classes qualify).
    EpisodeSampler(const IndexVector& labels, Index n_classes, Index n_way, Index k_shot, Index n_query)
        : n_way_(n_way), k_shot_(k_shot), n_query_(n_query) {
        constexpr const char* where = "EpisodeSampler::EpisodeSampler()";
        if (n_way < 2) throw DataError(fmt::format("{}: expected n_way >= 2, got {}", where, n_way));
        if (k_shot < 1) throw DataError(fmt::format("{}: expected k_shot >= 1, got {}", where, k_shot));
        if (n_query < 1) throw DataError(fmt::format("{}: expected n_query >= 1, got {}", where, n_query));
        if (n_classes < 1) throw DataError(fmt::format("{}: expected n_classes >= 1, got {}", where, n_classes));
        std::vector<std::vector<Index>> members(static_cast<std::size_t>(n_classes));
        for (Index i = 0; i < labels.size(); ++i) {
            const Index c = labels[i];
            if (c < 0 || c >= n_classes)
                throw DataError(fmt::format("{}: label {} at row {} out of range (expected a code in [0, {}))", where,
                                            c, i, n_classes));
            members[static_cast<std::size_t>(c)].push_back(i);
        }
        for (std::size_t c = 0; c < members.size(); ++c)
            if (static_cast<Index>(members[c].size()) >= k_shot + n_query) {
                eligible_.push_back(static_cast<Index>(c));
                members_.push_back(std::move(members[c]));
            }
        if (static_cast<Index>(eligible_.size()) < n_way)
            throw DataError(fmt::format("{}: only {} class(es) have at least k_shot + n_query = {} samples (expected "
                                        "at least n_way = {})",
                                        where, eligible_.size(), k_shot + n_query, n_way));
    }

    /// Sampler over a classification dataset's labels and declared classes.
    /// @throws DataError for a regression dataset or as the other constructor.
    EpisodeSampler(const Dataset& data, Index n_way, Index k_shot, Index n_query)
        : EpisodeSampler(data.labels(), data.n_classes(), n_way, k_shot, n_query) {}

    /// Draw one episode, advancing `rng`. Complexity O(N·(K+Q) + C + Σ members of chosen classes).
    [[nodiscard]] Episode sample(Rng& rng) const {
        Episode e;
        std::vector<Index> order(eligible_.size());
        for (std::size_t c = 0; c < order.size(); ++c) order[c] = static_cast<Index>(c);
        // Partial Fisher–Yates: the first N entries are a uniform random N-subset in random order.
        for (Index t = 0; t < n_way_; ++t) {
            const auto rest = static_cast<std::uint64_t>(static_cast<Index>(order.size()) - t);
            const auto j = static_cast<std::size_t>(t) + static_cast<std::size_t>(rng.uniform_index(rest));
            std::swap(order[static_cast<std::size_t>(t)], order[j]);
        }
        e.support_labels.resize(n_way_ * k_shot_);
        e.query_labels.resize(n_way_ * n_query_);
        for (Index c = 0; c < n_way_; ++c) {
            const auto pick = static_cast<std::size_t>(order[static_cast<std::size_t>(c)]);
            e.classes.push_back(eligible_[pick]);
            std::vector<Index> pool = members_[pick];
            const Index need = k_shot_ + n_query_;
            for (Index t = 0; t < need; ++t) {
                const auto rest = static_cast<std::uint64_t>(static_cast<Index>(pool.size()) - t);
                const auto j = static_cast<std::size_t>(t) + static_cast<std::size_t>(rng.uniform_index(rest));
                std::swap(pool[static_cast<std::size_t>(t)], pool[j]);
            }
            for (Index t = 0; t < k_shot_; ++t) {
                e.support_labels[static_cast<Index>(e.support.size())] = c;
                e.support.push_back(pool[static_cast<std::size_t>(t)]);
            }
            for (Index t = k_shot_; t < need; ++t) {
                e.query_labels[static_cast<Index>(e.query.size())] = c;
                e.query.push_back(pool[static_cast<std::size_t>(t)]);
            }
        }
        return e;
    }

    /// Draw one episode from a fresh generator seeded with `seed` (same seed → same episode).
    [[nodiscard]] Episode sample(std::uint64_t seed) const {
        Rng rng(seed);
        return sample(rng);
    }

    /// Classes with at least K + Q members (the ones episodes are drawn from), in code order.
    [[nodiscard]] const std::vector<Index>& eligible_classes() const noexcept { return eligible_; }
    [[nodiscard]] Index n_way() const noexcept { return n_way_; }
    [[nodiscard]] Index k_shot() const noexcept { return k_shot_; }
    [[nodiscard]] Index n_query() const noexcept { return n_query_; }

private:
    Index n_way_;
    Index k_shot_;
    Index n_query_;
    std::vector<Index> eligible_;
    std::vector<std::vector<Index>> members_;
};

/// The support and query sets of an episode as two datasets with N classes (episode labels;
/// class names taken from the source's class names).
/// @throws DataError if `data` is not a classification dataset or an index is out of range.
[[nodiscard]] inline std::pair<Dataset, Dataset> episode_datasets(const Dataset& data, const Episode& episode) {
    if (!data.is_classification())
        throw DataError(fmt::format("episode_datasets(): '{}' is a regression task (expected classification)",
                                    data.name()));
    std::vector<std::string> names;
    for (const Index c : episode.classes) {
        if (c < 0 || c >= data.n_classes())
            throw DataError(fmt::format("episode_datasets(): class {} out of range (expected [0, {}))", c,
                                        data.n_classes()));
        names.push_back(data.class_names()[static_cast<std::size_t>(c)]);
    }
    const auto build = [&](const std::vector<Index>& rows, const IndexVector& labels, const char* part) {
        const Dataset sub = data.subset(rows);
        return Dataset(data.name() + "/" + part, sub.X(), labels.cast<double>(), data.features(),
                       TaskType::classification, names, data.target_name());
    };
    return {build(episode.support, episode.support_labels, "support"),
            build(episode.query, episode.query_labels, "query")};
}

}  // namespace metalearn::data
