#pragma once
/// @file journal.hpp
/// @brief `ShardedJournal`: the record journal of a distributed run. Rank 0 writes the journal
/// itself; every other rank r appends to its own shard `<journal>.rank<r>` beside it (one writer
/// per file, as `meta::RecordStore` requires). Rank 0 merges the shards into the journal
/// (`RecordStore::merge`: keys it holds are skipped, so nothing is duplicated) at the end of each
/// distributed collection, and when the journal is opened again after a killed run, so a
/// record any rank wrote is never lost.
///
/// The journal's folder must be on a file system every rank sees (one machine, or NFS, Lustre,
/// GPFS on a cluster): rank 0 reads the shards the other ranks write.

#include "metalearn/core/progress.hpp"
#include "metalearn/meta/record_store.hpp"
#include "metalearn/mpi/environment.hpp"

#include <mpi.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace metalearn::mpi {

/// The record journal of a distributed run: rank 0's store is the journal, every other rank's
/// its shard `<journal>.rank<r>`; see the file documentation.
///
/// Thread safety: as `meta::RecordStore`. Every member marked collective must be called by every
/// rank of the communicator, in the same order.
class ShardedJournal {
public:
    /// Collective. Rank 0 opens the journal for writing (`meta::RecordStore`: created if needed,
    /// locked for the whole run, a torn last line repaired), merges into it every shard an earlier
    /// run left (`<journal>.rank<digits>`, from any number of ranks), makes it durable (`fsync`)
    /// and removes those shards; then every other rank opens its shard, empty, and rank 0 checks
    /// that it sees them (a shared file system).
    /// @param comm    the ranks of the run (duplicated: the journal's messages never mix with the
    ///                caller's).
    /// @param journal the JSON Lines journal; its folder must exist and be shared by all ranks.
    /// @param warn    receives warnings on each rank (a torn last line, a duplicate record); may be empty.
    /// @throws IoError on every rank when the journal or a shard cannot be opened, read, locked
    ///         (another run writes it), merged or removed, or when rank 0 does not see a shard
    ///         (the folder is not shared); ConfigError for an empty path; MpiError when MPI fails.
    ShardedJournal(MPI_Comm comm, std::filesystem::path journal, WarningCallback warn = {})
        : journal_(std::move(journal)), warn_(std::move(warn)) {
        check(MPI_Comm_dup(comm, &comm_), "MPI_Comm_dup");
        rank_ = mpi::rank(comm_);
        size_ = mpi::size(comm_);
        try {
            open();
        } catch (...) {
            MPI_Comm_free(&comm_);
            throw;
        }
    }

    ShardedJournal(const ShardedJournal&) = delete;
    ShardedJournal& operator=(const ShardedJournal&) = delete;

    /// Closes this rank's store and frees the duplicated communicator. Shards are left in place;
    /// the next opening merges them (`close` merges and removes them now). Destroy it before MPI
    /// is finalised.
    ~ShardedJournal() {
        store_ = meta::RecordStore();
        int finalized = 0;
        MPI_Finalized(&finalized);
        if (comm_ != MPI_COMM_NULL && !finalized) MPI_Comm_free(&comm_);
    }

    /// This rank's store: the journal on rank 0, the shard elsewhere. Give it to the
    /// `meta::MetaLearner` of every rank.
    [[nodiscard]] meta::RecordStore& store() noexcept { return store_; }

    /// The journal's path (the same on every rank).
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return journal_; }

    /// The communicator of the run (a duplicate of the one given).
    [[nodiscard]] MPI_Comm comm() const noexcept { return comm_; }

    /// This rank and the number of ranks.
    [[nodiscard]] int rank() const noexcept { return rank_; }
    [[nodiscard]] int size() const noexcept { return size_; }

    /// The shard of rank `r`: `<journal>.rank<r>`.
    [[nodiscard]] static std::filesystem::path shard_path(const std::filesystem::path& journal, int r) {
        std::filesystem::path p = journal;
        p += fmt::format(".rank{}", r);
        return p;
    }

    /// The shard files beside `journal` (`<journal>.rank<digits>`), sorted by rank.
    /// @throws IoError when the folder cannot be listed.
    [[nodiscard]] static std::vector<std::filesystem::path> shards(const std::filesystem::path& journal) {
        namespace fs = std::filesystem;
        const fs::path folder = journal.has_parent_path() ? journal.parent_path() : fs::path(".");
        const std::string prefix = journal.filename().string() + ".rank";
        std::vector<std::pair<long, fs::path>> found;
        std::error_code ec;
        fs::directory_iterator it(folder, ec), end;
        if (ec) throw IoError(fmt::format("ShardedJournal: cannot list '{}' ({})", folder.string(), ec.message()));
        for (; it != end; it.increment(ec)) {
            if (ec) throw IoError(fmt::format("ShardedJournal: cannot list '{}' ({})", folder.string(), ec.message()));
            const std::string name = it->path().filename().string();
            if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
            const std::string digits = name.substr(prefix.size());
            if (digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
                continue;
            found.emplace_back(std::stol(digits), journal.has_parent_path() ? it->path() : fs::path(name));
        }
        std::sort(found.begin(), found.end());
        std::vector<fs::path> out;
        for (auto& f : found) out.push_back(std::move(f.second));
        return out;
    }

    /// Rank 0 only (not collective): append to the journal every record of the shards that it
    /// does not hold yet, in rank order (`RecordStore::merge`; an incomplete last line, an append
    /// in flight or torn by a kill, is skipped). Call it when no other rank is appending.
    /// @param remove also make the journal durable (`fsync`) and delete the shards.
    /// @return the records added (0 on other ranks).
    /// @throws IoError, ParseError as `RecordStore::merge`; IoError when a shard cannot be removed.
    std::size_t merge_shards(bool remove = false) {
        if (rank_ != 0) return 0;
        std::size_t added = 0;
        const auto files = shards(journal_);
        for (const auto& shard : files) added += store_.merge(shard, warn_);
        if (remove && !files.empty()) {
            store_.sync();
            for (const auto& shard : files) {
                std::error_code ec;
                std::filesystem::remove(shard, ec);
                if (ec)
                    throw IoError(fmt::format("ShardedJournal: merged '{}' into '{}' but cannot remove it ({})",
                                              shard.string(), journal_.string(), ec.message()));
            }
        }
        return added;
    }

    /// Collective: close every rank's store, then rank 0 merges the shards into the journal,
    /// makes it durable and removes them. The journal cannot be used afterwards (its store is
    /// an empty in-memory one).
    /// @throws IoError (on every rank) as `merge_shards`.
    void close() {
        all_or_none(comm_, [&] {
            if (rank_ != 0) store_ = meta::RecordStore();
        });
        all_or_none(comm_, [&] {
            if (rank_ != 0) return;
            merge_shards(/*remove=*/true);
            store_.sync();
            store_ = meta::RecordStore();
        });
    }

private:
    // The collective steps of the constructor.
    void open() {
        if (journal_.empty()) throw ConfigError("ShardedJournal::ShardedJournal(): empty journal path");
        all_or_none(comm_, [&] {
            if (rank_ != 0) return;
            store_ = meta::RecordStore(journal_, warn_);
            merge_shards(/*remove=*/true);
        });
        all_or_none(comm_, [&] {
            if (rank_ != 0) store_ = meta::RecordStore(shard_path(journal_, rank_), warn_);
        });
        all_or_none(comm_, [&] {
            if (rank_ != 0) return;
            for (int r = 1; r < size_; ++r) {
                std::error_code ec;
                if (!std::filesystem::exists(shard_path(journal_, r), ec))
                    throw IoError(fmt::format(
                        "ShardedJournal: rank 0 does not see the shard '{}' that rank {} opened: the journal's "
                        "folder must be on a file system that every rank shares",
                        shard_path(journal_, r).string(), r));
            }
        });
    }

    std::filesystem::path journal_;
    WarningCallback warn_;
    MPI_Comm comm_ = MPI_COMM_NULL;
    int rank_ = 0;
    int size_ = 1;
    meta::RecordStore store_;
};

}  // namespace metalearn::mpi
