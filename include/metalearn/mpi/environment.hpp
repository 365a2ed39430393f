#pragma once
/// @file environment.hpp
/// @brief The MPI side of metalearn's optional distributed component (CMake target
/// `metalearn::mpi`, option `METALEARN_MPI`): `MpiError`, `Environment` (initialise and finalise
/// MPI), and the small helpers the distributed algorithms share (collective error agreement,
/// string messages). Uses the MPI C API (MPI-3); the core library never includes this folder.

#include "metalearn/core/error.hpp"

#include <mpi.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <thread>

namespace metalearn::mpi {

/// An MPI call failed, or the ranks of a collective operation disagree (different data, options
/// or thread support). Thrown on every rank of the operation, with the same message.
class MpiError : public Error {
public:
    /// @param message the full, human-readable message.
    explicit MpiError(const std::string& message) : Error(message) {}
};

/// Throw `MpiError` when an MPI call did not return `MPI_SUCCESS` (only reachable when the
/// communicator's error handler returns errors; the default, `MPI_ERRORS_ARE_FATAL`, aborts).
/// @param rc   the return code.
/// @param what the call, for the message.
inline void check(int rc, std::string_view what) {
    if (rc == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(rc, text, &length) != MPI_SUCCESS) length = 0;
    throw MpiError(fmt::format("{}: MPI error {} ({})", what, rc, std::string(text, static_cast<std::size_t>(length))));
}

/// This process's rank in `comm`.
[[nodiscard]] inline int rank(MPI_Comm comm) {
    int r = 0;
    check(MPI_Comm_rank(comm, &r), "MPI_Comm_rank");
    return r;
}

/// The number of ranks in `comm`.
[[nodiscard]] inline int size(MPI_Comm comm) {
    int n = 0;
    check(MPI_Comm_size(comm, &n), "MPI_Comm_size");
    return n;
}

/// Initialises MPI (when it is not yet) with at least `MPI_THREAD_FUNNELED` thread support,
/// which the distributed collection needs (rank 0 evaluates in a second thread while its main
/// thread schedules), and finalises it on destruction when it initialised it. Create one at the
/// start of `main`, before any other MPI object, so that it is destroyed last.
///
/// Example: `int main(int argc, char** argv) { metalearn::mpi::Environment env(argc, argv); ... }`
class Environment {
public:
    /// @param argc, argv `main`'s arguments (MPI may remove its own).
    /// @throws MpiError when MPI cannot be initialised or grants less than `MPI_THREAD_FUNNELED`.
    Environment(int& argc, char**& argv) {
        int initialized = 0;
        check(MPI_Initialized(&initialized), "MPI_Initialized");
        if (!initialized) {
            int provided = MPI_THREAD_SINGLE;
            check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
            owns_ = true;
            if (provided < MPI_THREAD_FUNNELED) {
                MPI_Finalize();
                owns_ = false;
                throw MpiError(fmt::format("mpi::Environment: the MPI library grants thread level {} (expected at least "
                                           "MPI_THREAD_FUNNELED = {})",
                                           provided, MPI_THREAD_FUNNELED));
            }
        }
    }
    Environment(const Environment&) = delete;
    Environment& operator=(const Environment&) = delete;
    /// Finalises MPI if this object initialised it.
    ~Environment() {
        int finalized = 0;
        MPI_Finalized(&finalized);
        if (owns_ && !finalized) MPI_Finalize();
    }

    /// Rank in `MPI_COMM_WORLD`.
    [[nodiscard]] int rank() const { return mpi::rank(MPI_COMM_WORLD); }
    /// Number of ranks in `MPI_COMM_WORLD`.
    [[nodiscard]] int size() const { return mpi::size(MPI_COMM_WORLD); }

    /// End every rank of the job at once (`MPI_Abort` on `MPI_COMM_WORLD`): for an error met by
    /// one rank only, which the others, waiting in a collective operation, would never hear of.
    [[noreturn]] static void abort(int code) {
        MPI_Abort(MPI_COMM_WORLD, code);
        std::terminate();  // MPI_Abort does not return
    }

private:
    bool owns_ = false;
};

namespace detail {

/// Send a string to `dest` (blocking standard send of its bytes).
inline void send_string(MPI_Comm comm, const std::string& s, int dest, int tag) {
    check(MPI_Send(s.data(), static_cast<int>(s.size()), MPI_CHAR, dest, tag, comm), "MPI_Send");
}

/// Receive the string message matched by `status` (from a probe).
inline std::string receive_probed(MPI_Comm comm, const MPI_Status& status) {
    int count = 0;
    MPI_Status st = status;
    check(MPI_Get_count(&st, MPI_CHAR, &count), "MPI_Get_count");
    std::string s(static_cast<std::size_t>(count), '\0');
    check(MPI_Recv(s.data(), count, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, comm, MPI_STATUS_IGNORE), "MPI_Recv");
    return s;
}

/// Poll for a message from `source` with `tag` (`MPI_ANY_SOURCE` allowed) without busy-waiting:
/// immediate probes for about 50 µs (a reply often comes that fast), then sleeps doubling from
/// 10 µs up to `max_sleep`, so an idle rank leaves its core to the ranks that compute (Open MPI's
/// blocking receive spins).
/// @return the received string; `source_out` gets the sender's rank.
inline std::string receive_polling(MPI_Comm comm, int source, int tag, std::chrono::microseconds max_sleep,
                                   int* source_out = nullptr) {
    std::chrono::microseconds sleep{0};
    const auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
    for (;;) {
        int flag = 0;
        MPI_Status status;
        check(MPI_Iprobe(source, tag, comm, &flag, &status), "MPI_Iprobe");
        if (flag) {
            if (source_out) *source_out = status.MPI_SOURCE;
            return receive_probed(comm, status);
        }
        if (sleep.count() == 0 && std::chrono::steady_clock::now() < spin_until) continue;
        sleep = std::min(max_sleep, sleep.count() == 0 ? std::chrono::microseconds(10) : sleep * 2);
        std::this_thread::sleep_for(sleep);
    }
}

/// Broadcast a string from `root` (length, then bytes).
inline void broadcast_string(MPI_Comm comm, std::string& s, int root) {
    std::uint64_t n = s.size();
    check(MPI_Bcast(&n, 1, MPI_UINT64_T, root, comm), "MPI_Bcast");
    s.resize(static_cast<std::size_t>(n));
    if (n > 0) check(MPI_Bcast(s.data(), static_cast<int>(n), MPI_CHAR, root, comm), "MPI_Bcast");
}

/// A double as JSON that keeps every value: finite numbers as numbers (they round-trip exactly),
/// NaN and infinities as the strings "nan", "inf", "-inf".
inline nlohmann::json exact_number(double v) {
    if (std::isfinite(v)) return v;
    if (std::isnan(v)) return "nan";
    return v > 0 ? "inf" : "-inf";
}

/// Inverse of `exact_number`. @throws MpiError on anything else.
inline double exact_number_from(const nlohmann::json& j) {
    if (j.is_number()) return j.get<double>();
    if (j.is_string()) {
        const auto& s = j.get_ref<const std::string&>();
        if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
        if (s == "inf") return std::numeric_limits<double>::infinity();
        if (s == "-inf") return -std::numeric_limits<double>::infinity();
    }
    throw MpiError(fmt::format("mpi: malformed number in a message ({})", j.dump()));
}

/// Throw, on this rank, the error described by `kind` (`error_kind`) and `message`.
[[noreturn]] inline void throw_error(char kind, const std::string& message) {
    switch (kind) {
        case 'c': throw ConfigError(message);
        case 'd': throw DataError(message);
        case 'i': throw IoError(message);
        default: throw MpiError(message);
    }
}

/// The kind of an exception as `throw_error` rethrows it: 'c' ConfigError, 'd' DataError, 'i'
/// IoError (ParseError, a journal that cannot be read, is rethrown as IoError), 'm' any other.
inline char error_kind(const std::exception& e) {
    if (dynamic_cast<const ConfigError*>(&e)) return 'c';
    if (dynamic_cast<const DataError*>(&e)) return 'd';
    if (dynamic_cast<const IoError*>(&e) || dynamic_cast<const ParseError*>(&e)) return 'i';
    return 'm';
}

}  // namespace detail

/// Collective: run `body` on every rank, then agree on failure. Use it around work that can fail
/// on some ranks only (reading files, say) before a collective operation. When the body threw on any rank,
/// every rank throws the exception of the lowest failing rank — a ConfigError, DataError or
/// IoError as that (a ParseError as IoError), any other as `MpiError` — with its message
/// (prefixed with the rank when it is not 0), so no rank is left waiting in a later collective
/// operation.
inline void all_or_none(MPI_Comm comm, const std::function<void()>& body) {
    const int me = rank(comm);
    const int n = size(comm);
    std::string message;
    int failed = n;  // my rank when I failed, else n
    try {
        body();
    } catch (const std::exception& e) {
        message = std::string(1, detail::error_kind(e)) + e.what();
        failed = me;
    } catch (...) {
        message = "man exception not derived from std::exception";
        failed = me;
    }
    int first = n;
    check(MPI_Allreduce(&failed, &first, 1, MPI_INT, MPI_MIN, comm), "MPI_Allreduce");
    if (first == n) return;
    detail::broadcast_string(comm, message, first);
    const std::string text = message.substr(1);
    detail::throw_error(message[0], first == 0 ? text : fmt::format("rank {}: {}", first, text));
}

}  // namespace metalearn::mpi
