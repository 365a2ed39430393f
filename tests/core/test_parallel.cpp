// Tests of parallel_for / parallel_for_monitored: every index runs exactly once, the meaning of
// n_threads, worker indices, and exceptions carried to the caller with their type.
#include <metalearn/core/error.hpp>
#include <metalearn/core/parallel.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace metalearn;

namespace {

// Visit counts of parallel_for(count, threads) for one schedule.
std::vector<int> visits(Index count, Index threads, Schedule schedule) {
    std::vector<std::atomic<int>> hits(static_cast<std::size_t>(count));
    parallel_for(count, threads, [&](Index i) { ++hits[static_cast<std::size_t>(i)]; }, schedule);
    std::vector<int> out;
    for (const auto& h : hits) out.push_back(h.load());
    return out;
}

}  // namespace

TEST_CASE("parallel_for visits every index exactly once", "[core][parallel]") {
    for (Schedule schedule : {Schedule::static_blocks, Schedule::dynamic})
        for (Index count : {0, 1, 2, 3, 7, 64, 1001})
            for (Index threads : {0, 1, 2, 3, 8}) {
                INFO("count " << count << ", threads " << threads << ", dynamic " << (schedule == Schedule::dynamic));
                CHECK(visits(count, threads, schedule) == std::vector<int>(static_cast<std::size_t>(count), 1));
            }
}

TEST_CASE("parallel_for_monitored visits every index exactly once and reports on the calling thread",
          "[core][parallel]") {
    const auto caller = std::this_thread::get_id();
    for (Index count : {0, 1, 5, 100})
        for (Index threads : {0, 1, 2, 4}) {
            INFO("count " << count << ", threads " << threads);
            std::vector<std::atomic<int>> hits(static_cast<std::size_t>(count));
            std::atomic<Index> done{0};
            Index last_seen = -1;
            std::size_t calls = 0;
            bool on_caller = true;
            parallel_for_monitored(
                count, threads,
                [&](Index i) {
                    ++hits[static_cast<std::size_t>(i)];
                    ++done;
                },
                [&] {
                    ++calls;
                    on_caller = on_caller && std::this_thread::get_id() == caller;
                    last_seen = done.load();
                    return false;
                },
                std::chrono::milliseconds(5));
            for (const auto& h : hits) CHECK(h.load() == 1);
            CHECK(calls >= 1);
            CHECK(on_caller);
            CHECK(last_seen == count);  // the last call sees the final count
        }
}

TEST_CASE("parallel_for_monitored stops handing out work when the monitor asks", "[core][parallel]") {
    for (Index threads : {1, 2}) {
        std::atomic<Index> done{0};
        parallel_for_monitored(
            1000, threads,
            [&](Index) {
                std::this_thread::sleep_for(std::chrono::microseconds(200));
                ++done;
            },
            [&] { return done.load() >= 3; }, std::chrono::milliseconds(1));
        INFO("threads " << threads);
        CHECK(done.load() >= 3);
        CHECK(done.load() < 1000);
        if (threads == 1) CHECK(done.load() == 3);  // inline: the monitor runs after every item
    }
}

TEST_CASE("n_threads 1 runs inline on the calling thread; a body may take the worker index", "[core][parallel]") {
    const auto caller = std::this_thread::get_id();
    bool inline_only = true;
    parallel_for(50, 1, [&](Index, Index worker) {
        inline_only = inline_only && std::this_thread::get_id() == caller && worker == 0;
    });
    CHECK(inline_only);

    // Worker indices are in [0, worker_count) and one worker never runs two items at once.
    for (Schedule schedule : {Schedule::static_blocks, Schedule::dynamic}) {
        const Index count = 200;
        const Index threads = 3;
        const Index n_workers = worker_count(count, threads);
        REQUIRE(n_workers == 3);
        std::vector<std::atomic<int>> busy(static_cast<std::size_t>(n_workers));
        std::atomic<bool> overlap{false};
        std::atomic<bool> out_of_range{false};
        std::vector<std::atomic<int>> hits(static_cast<std::size_t>(count));
        parallel_for(
            count, threads,
            [&](Index i, Index worker) {
                if (worker < 0 || worker >= n_workers) {
                    out_of_range = true;
                    return;
                }
                if (busy[static_cast<std::size_t>(worker)]++ != 0) overlap = true;
                ++hits[static_cast<std::size_t>(i)];
                std::this_thread::yield();
                --busy[static_cast<std::size_t>(worker)];
            },
            schedule);
        CHECK_FALSE(out_of_range);
        CHECK_FALSE(overlap);
        for (const auto& h : hits) CHECK(h.load() == 1);
    }
}

TEST_CASE("static blocks are contiguous and balanced", "[core][parallel]") {
    // 10 items on 3 workers: [0, 3), [3, 6), [6, 10) — worker w takes [w·n/T, (w+1)·n/T).
    std::vector<Index> owner(10, -1);
    parallel_for(10, 3, [&](Index i, Index worker) { owner[static_cast<std::size_t>(i)] = worker; });
    CHECK(owner == std::vector<Index>{0, 0, 0, 1, 1, 1, 2, 2, 2, 2});
}

TEST_CASE("resolve_threads: 0 means all hardware threads, >= 1 exact, negative is a ConfigError",
          "[core][parallel][errors]") {
    const auto hw = static_cast<Index>(std::thread::hardware_concurrency());
    CHECK(resolve_threads(0) == std::max<Index>(1, hw));
    CHECK(resolve_threads(1) == 1);
    CHECK(resolve_threads(5) == 5);
    CHECK(worker_count(0, 4) == 1);
    CHECK(worker_count(2, 4) == 2);
    CHECK(worker_count(10, 4) == 4);
    CHECK(worker_count(10, 0) == std::min<Index>(10, std::max<Index>(1, hw)));
    REQUIRE_THROWS_AS(resolve_threads(-1), ConfigError);
    REQUIRE_THROWS_WITH(resolve_threads(-2, "Thing::run()"),
                        "Thing::run(): n_threads out of range (expected >= 0, 0 = all hardware threads; got -2)");
    bool ran = false;
    REQUIRE_THROWS_AS(parallel_for(3, -1, [&](Index) { ran = true; }), ConfigError);
    REQUIRE_THROWS_WITH(parallel_for(0, -1, [&](Index) { ran = true; }), Catch::Contains("parallel_for()"));
    REQUIRE_THROWS_AS(parallel_for_monitored(3, -1, [&](Index) { ran = true; }, [] { return false; }), ConfigError);
    CHECK_FALSE(ran);
}

TEST_CASE("an exception thrown by a worker reaches the caller with its type and message",
          "[core][parallel][errors]") {
    for (Schedule schedule : {Schedule::static_blocks, Schedule::dynamic})
        for (Index threads : {0, 1, 2, 4}) {
            INFO("threads " << threads << ", dynamic " << (schedule == Schedule::dynamic));
            const auto throw_data_error = [](Index i) {
                if (i == 37) throw DataError("item 37 is bad");
            };
            REQUIRE_THROWS_AS(parallel_for(100, threads, throw_data_error, schedule), DataError);
            REQUIRE_THROWS_WITH(parallel_for(100, threads, throw_data_error, schedule), "item 37 is bad");
            const auto throw_runtime = [](Index i) {
                if (i == 90) throw std::runtime_error("plain runtime error");
            };
            REQUIRE_THROWS_AS(parallel_for(100, threads, throw_runtime, schedule), std::runtime_error);
            REQUIRE_THROWS_WITH(parallel_for(100, threads, throw_runtime, schedule), "plain runtime error");
            // not derived from std::exception
            REQUIRE_THROWS_AS(parallel_for(
                                  10, threads, [](Index i) { if (i == 3) throw 42; }, schedule),
                              int);
            // the monitored variant carries it too
            REQUIRE_THROWS_AS(parallel_for_monitored(100, threads, throw_data_error, [] { return false; }), DataError);
            REQUIRE_THROWS_WITH(parallel_for_monitored(100, threads, throw_data_error, [] { return false; }),
                                "item 37 is bad");
        }
}

TEST_CASE("when several items throw, the lowest index wins for every thread count", "[core][parallel][errors]") {
    // Items 11, 40 and 77 throw distinct messages; the caller always sees item 11's.
    const auto body = [](Index i) {
        if (i == 11 || i == 40 || i == 77) {
            if (i != 11) std::this_thread::sleep_for(std::chrono::microseconds(100 * (100 - i)));
            throw DataError("item " + std::to_string(i));
        }
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    };
    for (Schedule schedule : {Schedule::static_blocks, Schedule::dynamic})
        for (Index threads : {1, 2, 3, 8}) {
            INFO("threads " << threads << ", dynamic " << (schedule == Schedule::dynamic));
            REQUIRE_THROWS_WITH(parallel_for(100, threads, body, schedule), "item 11");
            REQUIRE_THROWS_WITH(parallel_for_monitored(100, threads, body, [] { return false; }), "item 11");
        }
}

TEST_CASE("after a failure no item above it starts", "[core][parallel][errors]") {
    // Item 0 fails at once; the other workers own only higher items, so with static blocks at
    // most the item each of them already started can run.
    std::atomic<Index> ran{0};
    REQUIRE_THROWS_AS(parallel_for(1000, 4,
                                   [&](Index i) {
                                       if (i == 0) throw ConfigError("stop");
                                       ++ran;
                                       std::this_thread::sleep_for(std::chrono::milliseconds(1));
                                   }),
                      ConfigError);
    CHECK(ran.load() < 1000 - 1);
}

TEST_CASE("an exception from the monitor stops the run and reaches the caller", "[core][parallel][errors]") {
    for (Index threads : {1, 3}) {
        std::atomic<Index> ran{0};
        REQUIRE_THROWS_AS(parallel_for_monitored(
                              1000, threads,
                              [&](Index) {
                                  ++ran;
                                  std::this_thread::sleep_for(std::chrono::microseconds(200));
                              },
                              [] () -> bool { throw IoError("monitor failed"); }, std::chrono::milliseconds(1)),
                          IoError);
        CHECK(ran.load() < 1000);
    }
}
