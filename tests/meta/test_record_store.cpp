// Tests of the record journal: round trip, torn last line, malformed middle line, duplicates,
// CSV export.
#include <metalearn/meta/record_store.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <limits>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmath>
#include <vector>

using metalearn::meta::Record;
using metalearn::meta::RecordStatus;
using metalearn::meta::RecordStore;

namespace {

std::filesystem::path temp_file(const std::string& stem) {
    auto p = std::filesystem::temp_directory_path() /
             ("metalearn_test_" + stem + "_" + std::to_string(::getpid()) + ".jsonl");
    std::filesystem::remove(p);
    return p;
}

Record make_record(int i) {
    Record r;
    r.task_id = "task" + std::to_string(i % 3);
    r.task_name = r.task_id;
    r.meta_feature_names = {"nr_inst", "cor.mean"};
    r.meta_features = {100.0 + i, i == 1 ? std::nan("") : 0.5};
    r.config = {{"alpha", 0.1 * i}, {"kernel", "rbf"}};
    r.model = "ridge";
    r.metric = "balanced_accuracy";
    r.n_folds = 3;
    r.fold_scores = {0.5, 0.6, 0.7 + 0.01 * i};
    r.mean_score = (0.5 + 0.6 + 0.7 + 0.01 * i) / 3;
    r.fit_seconds = 0.25;
    r.seed = 42;
    return r;
}

std::string read_all(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("records survive a write and reload with every field intact", "[meta][record_store]") {
    const auto path = temp_file("roundtrip");
    {
        RecordStore store(path);
        for (int i = 0; i < 5; ++i) REQUIRE(store.append(make_record(i)));
        Record failed = make_record(7);
        failed.status = RecordStatus::failed;
        failed.error = "LogisticRegression::fit(): single class";
        failed.fold_scores.clear();
        failed.mean_score = std::nan("");
        REQUIRE(store.append(failed));
    }
    RecordStore again(path);
    REQUIRE(again.size() == 6);
    const auto& r1 = again.records()[1];
    CHECK(r1.task_id == "task1");
    CHECK(r1.config["alpha"].get<double>() == Approx(0.1));
    CHECK(r1.config["kernel"] == "rbf");
    CHECK(std::isnan(r1.meta_features[1]));  // NaN written as null, read back as NaN
    CHECK(r1.fold_scores[2] == Approx(0.71));
    CHECK(r1.seed == 42);
    const auto& f = again.records()[5];
    CHECK(f.status == RecordStatus::failed);
    CHECK(f.error == "LogisticRegression::fit(): single class");
    CHECK(std::isnan(f.mean_score));
    CHECK(again.contains(make_record(3).key()));
    CHECK_FALSE(again.contains(make_record(9).key()));
    std::filesystem::remove(path);
}

TEST_CASE("a torn last line is skipped with a warning and complete records are kept", "[meta][record_store]") {
    const auto path = temp_file("torn");
    {
        RecordStore store(path);
        for (int i = 0; i < 4; ++i) store.append(make_record(i));
    }
    // Simulate a process killed in the middle of writing a fifth record.
    const std::string full = read_all(path);
    const std::string fifth = metalearn::meta::to_json(make_record(4)).dump();
    {
        std::ofstream f(path, std::ios::app | std::ios::binary);
        f << fifth.substr(0, fifth.size() / 2);
    }
    std::vector<std::string> warnings;
    {
        RecordStore store(path, [&](const std::string& w) { warnings.push_back(w); });
        REQUIRE(store.size() == 4);
        REQUIRE(warnings.size() == 1);
        CHECK(warnings[0].find("torn last line") != std::string::npos);
        CHECK(read_all(path) == full);  // the fragment was truncated away
        REQUIRE(store.append(make_record(4)));
    }
    RecordStore reloaded(path);
    CHECK(reloaded.size() == 5);
    std::filesystem::remove(path);
}

TEST_CASE("a complete last record without its newline is kept", "[meta][record_store]") {
    const auto path = temp_file("nonewline");
    {
        std::ofstream f(path, std::ios::binary);
        f << metalearn::meta::to_json(make_record(0)).dump() << "\n" << metalearn::meta::to_json(make_record(1)).dump();
    }
    {
        RecordStore store(path);
        CHECK(store.size() == 2);
        store.append(make_record(2));
    }
    CHECK(RecordStore(path).size() == 3);
    std::filesystem::remove(path);
}

TEST_CASE("a malformed line in the middle is a ParseError with its line number", "[meta][record_store][errors]") {
    const auto path = temp_file("malformed");
    {
        std::ofstream f(path, std::ios::binary);
        f << metalearn::meta::to_json(make_record(0)).dump() << "\n{\"task_id\": oops}\n"
          << metalearn::meta::to_json(make_record(1)).dump() << "\n";
    }
    try {
        RecordStore store(path);
        FAIL("expected ParseError");
    } catch (const metalearn::ParseError& e) {
        CHECK(e.line() == 2);
    }
    std::filesystem::remove(path);
}

TEST_CASE("duplicate keys are refused on append and ignored with a warning on load", "[meta][record_store]") {
    const auto path = temp_file("dup");
    {
        RecordStore store(path);
        REQUIRE(store.append(make_record(0)));
        REQUIRE_FALSE(store.append(make_record(0)));
        CHECK(store.size() == 1);
    }
    {
        std::ofstream f(path, std::ios::app | std::ios::binary);
        f << metalearn::meta::to_json(make_record(0)).dump() << "\n";
    }
    int warned = 0;
    RecordStore store(path, [&](const std::string&) { ++warned; });
    CHECK(store.size() == 1);
    CHECK(warned == 1);
    std::filesystem::remove(path);
}

TEST_CASE("a record replaces a stored timeout of its key, on append and on load", "[meta][record_store]") {
    const auto path = temp_file("retry");
    Record timeout = make_record(0);
    timeout.status = metalearn::meta::RecordStatus::timeout;
    timeout.error = "exceeded the time budget";
    timeout.fold_scores.clear();
    timeout.mean_score = std::numeric_limits<double>::quiet_NaN();
    const Record ok = make_record(0);
    {
        RecordStore store(path);
        REQUIRE(store.append(timeout));
        REQUIRE(store.append(ok));  // the retry replaces the timeout
        CHECK(store.size() == 1);
        REQUIRE(store.find(ok.key()) != nullptr);
        CHECK(store.find(ok.key())->status == metalearn::meta::RecordStatus::ok);
        CHECK_FALSE(store.append(timeout));  // a completed record is never replaced
        CHECK(store.find(ok.key())->status == metalearn::meta::RecordStatus::ok);
    }
    int warned = 0;
    RecordStore store(path, [&](const std::string&) { ++warned; });  // both lines are in the journal
    CHECK(store.size() == 1);
    CHECK(warned == 0);
    REQUIRE(store.find(ok.key()) != nullptr);
    CHECK(store.find(ok.key())->status == metalearn::meta::RecordStatus::ok);
    CHECK(store.find(ok.key())->mean_score == ok.mean_score);
    std::filesystem::remove(path);
}

TEST_CASE("concurrent appends give whole lines", "[meta][record_store]") {
    const auto path = temp_file("threads");
    {
        RecordStore store(path);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < 25; ++i) {
                    Record r = make_record(i);
                    r.task_id = fmt::format("t{}", t);
                    store.append(r);
                }
            });
        for (auto& th : threads) th.join();
    }
    CHECK(RecordStore(path).size() == 100);
    std::filesystem::remove(path);
}

TEST_CASE("CSV export has one column per meta-feature and hyperparameter", "[meta][record_store]") {
    RecordStore store;  // in memory
    store.append(make_record(0));
    store.append(make_record(1));
    const auto out = temp_file("csv");
    store.export_csv(out);
    std::istringstream lines(read_all(out));
    std::string header;
    std::string row0;
    std::string row1;
    std::getline(lines, header);
    std::getline(lines, row0);
    std::getline(lines, row1);
    CHECK(header ==
          "task_id,task_name,model,metric,n_folds,seed,status,mean_score,fit_seconds,fold_1,fold_2,fold_3,"
          "mf:cor.mean,mf:nr_inst,hp:alpha,hp:kernel,error");
    CHECK(row0.rfind("task0,task0,ridge,balanced_accuracy,3,42,ok,0.6,0.25,0.5,0.6,0.7,0.5,100,0,rbf,", 0) == 0);
    CHECK(row1.find(",,101,0.1,rbf,") != std::string::npos);  // NaN meta-feature → empty cell
    std::filesystem::remove(out);
}

TEST_CASE("a file that is not a journal is refused and left unmodified", "[meta][record_store][errors]") {
    const std::string plan = R"({"models":["ridge"],"budget":10})";  // one JSON line without newline
    for (const std::string& content : {std::string("my notes\nsecond line\n"), std::string("just one line"), plan}) {
        const auto path = temp_file("notjournal");
        {
            std::ofstream f(path, std::ios::binary);
            f << content;
        }
        try {
            RecordStore store(path);
            FAIL("expected a ParseError");
        } catch (const metalearn::ParseError& e) {
            CHECK_THAT(e.what(), Catch::Contains("is not a metalearn record journal"));
        }
        CHECK(read_all(path) == content);
        std::filesystem::remove(path);
    }
}

TEST_CASE("a line that is not JSON is a ParseError naming its line and the column where the JSON breaks",
          "[meta][record_store][errors]") {
    const auto good = metalearn::meta::to_json(make_record(0)).dump();
    const auto path = temp_file("badjson");
    {
        std::ofstream f(path, std::ios::binary);
        f << good << "\n" << R"({"task_id": x})" << "\n" << good << "\n";  // an edited line: x is not a value
    }
    try {
        RecordStore store(path);
        FAIL("expected a ParseError");
    } catch (const metalearn::ParseError& e) {
        CHECK(e.line() == 2);
        CHECK(e.column() == 13);  // the 'x' (nlohmann::json reports the byte where parsing failed)
        CHECK_THAT(e.what(), Catch::Contains("not valid JSON"));
        // the location is given once, at the start (not again inside the reason)
        const std::string what = e.what();
        const std::string location = path.string() + ":2:13:";
        CHECK(what.rfind(location, 0) == 0);
        CHECK(what.find(location, 1) == std::string::npos);
    }
    std::filesystem::remove(path);
}

TEST_CASE("records with non-numeric or out-of-range scores are a ParseError naming the line",
          "[meta][record_store][errors]") {
    auto good = metalearn::meta::to_json(make_record(0)).dump();
    auto bad_line = [](const std::string& field, const nlohmann::json& value) {
        auto j = metalearn::meta::to_json(make_record(1));
        j[field] = value;
        return j.dump();
    };
    const std::vector<std::string> bad = {bad_line("mean_score", "abc"),
                                          bad_line("fold_scores", nlohmann::json::parse(R"(["x",null,{}])")),
                                          bad_line("fold_scores", "0.5"),
                                          bad_line("mean_score", 17.0),   // balanced accuracy must be in [0, 1]
                                          bad_line("fold_scores", nlohmann::json::array({0.5, -0.2, 0.7}))};
    for (const auto& line : bad) {
        for (bool with_newline : {true, false}) {
            const auto path = temp_file("badscore");
            {
                std::ofstream f(path, std::ios::binary);
                f << good << "\n" << line << (with_newline ? "\n" : "");
            }
            try {
                (void)RecordStore::read(path);
                FAIL("expected a ParseError for " << line);
            } catch (const metalearn::ParseError& e) {
                CHECK(e.line() == 2);
            }
            std::filesystem::remove(path);
        }
    }
    // A failed record keeps null scores, and a negated lower-is-better metric may be below 0.
    auto failed = make_record(2);
    failed.status = RecordStatus::failed;
    failed.fold_scores.clear();
    failed.mean_score = std::nan("");
    CHECK(std::isnan(metalearn::meta::record_from_json(metalearn::meta::to_json(failed)).mean_score));
    auto logloss = make_record(2);
    logloss.metric = "log_loss";
    logloss.fold_scores = {-0.6, -0.7, -0.8};
    logloss.mean_score = (-0.6 + -0.7 + -0.8) / 3;
    CHECK(metalearn::meta::record_from_json(metalearn::meta::to_json(logloss)).mean_score == logloss.mean_score);
}

// --- one writer at a time, readers beside it, repair and merge -------------------------------

TEST_CASE("a second writer on one journal is refused with a clear error, and may open it once the first is gone",
          "[meta][record_store][errors]") {
    const auto path = temp_file("onewriter");
    {
        RecordStore first(path);
        REQUIRE(first.append(make_record(0)));
        try {
            RecordStore second(path);
            FAIL("expected IoError");
        } catch (const metalearn::IoError& e) {
            CHECK(std::string(e.what()).find("open for writing by another RecordStore") != std::string::npos);
        }
        // readers take no lock
        CHECK(RecordStore::read(path).size() == 1);
        REQUIRE(first.append(make_record(1)));
    }
    RecordStore again(path);
    CHECK(again.size() == 2);
    std::filesystem::remove(path);
}

TEST_CASE("a reader skips a first record still being appended; a writer refuses such a file as no journal",
          "[meta][record_store][errors]") {
    // What a reader sees while a writer's first append is in flight: part of one line, no newline.
    const auto full = metalearn::meta::to_json(make_record(0)).dump();
    const auto path = temp_file("inflight");
    {
        std::ofstream f(path, std::ios::binary);
        f << full.substr(0, full.size() / 2);
    }
    std::vector<std::string> warnings;
    CHECK(RecordStore::read(path, [&](const std::string& w) { warnings.push_back(w); }).empty());
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains(":1: incomplete last line"));
    REQUIRE_THROWS_WITH(RecordStore(path), Catch::Contains("is not a metalearn record journal"));
    CHECK(read_all(path) == full.substr(0, full.size() / 2));  // untouched
    std::filesystem::remove(path);
}

TEST_CASE("a process opening a journal that another process appends to loses no record",
          "[meta][record_store][processes]") {
    // The reproducer: a writer appends 300 records of ~40 KB while another process opens the
    // journal over and over. Before the lock, an open could cut the writer's append in flight
    // as a "torn line" and delete everything appended until the next reopen.
    const auto path = temp_file("twoprocs");
    constexpr int n_records = 300;
    auto big = [](int i) {
        Record r = make_record(i % 10);          // scores stay in [0, 1]
        r.task_id = "task" + std::to_string(i);  // unique keys
        r.meta_feature_names.assign(2000, "f");
        for (std::size_t k = 0; k < r.meta_feature_names.size(); ++k) r.meta_feature_names[k] += std::to_string(k);
        r.meta_features.assign(2000, 0.123456789 * i);
        return r;
    };
    int ready[2];
    int go[2];
    int done[2];  // the writer has appended everything and still holds the journal
    int finish[2];
    REQUIRE(::pipe(ready) == 0);
    REQUIRE(::pipe(go) == 0);
    REQUIRE(::pipe(done) == 0);
    REQUIRE(::pipe(finish) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // only this side's ends: when the other process dies, a read here sees the end of file
        for (int fd : {ready[0], go[1], done[0], finish[1]}) ::close(fd);
        int status = 0;
        try {
            RecordStore writer(path);
            char c = 'x';
            if (::write(ready[1], &c, 1) != 1) ::_exit(3);
            if (::read(go[0], &c, 1) != 1) ::_exit(3);  // the other process has tried once
            for (int i = 0; i < n_records; ++i)
                if (!writer.append(big(i))) status = 4;
            // still the journal's writer: say so, and keep it until the other process stops
            // trying (once the writer is closed, opening the journal is legitimate)
            if (::write(done[1], &c, 1) != 1) ::_exit(3);
            if (::read(finish[0], &c, 1) != 1) ::_exit(3);
        } catch (...) {
            status = 5;
        }
        ::_exit(status);
    }
    // only this side's ends: a writer that dies early reads as end of file
    for (int fd : {ready[1], go[0], done[1], finish[0]}) ::close(fd);
    REQUIRE(::fcntl(done[0], F_SETFL, O_NONBLOCK) == 0);
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);  // the writer holds the journal
    int refused = 0;
    int opened = 0;
    try {
        RecordStore other(path);  // before any append: refused too
        ++opened;
    } catch (const metalearn::IoError&) {
        ++refused;
    }
    REQUIRE(::write(go[1], &c, 1) == 1);  // now the writer appends
    for (int fd : {ready[0], go[1]}) ::close(fd);
    std::size_t seen = 0;
    bool monotone = true;
    int status = 0;
    ssize_t writer_done = -1;
    for (;;) {
        char d = 0;
        writer_done = ::read(done[0], &d, 1);
        if (writer_done >= 0) break;  // all appended (1) or the writer is gone (0)
        try {
            RecordStore other(path);  // must not open (or truncate) while the writer is alive
            ++opened;
        } catch (const metalearn::IoError&) {
            ++refused;
        }
        const std::size_t now = RecordStore::read(path).size();  // a reader sees only whole records
        monotone = monotone && now >= seen;
        seen = now;
    }
    if (writer_done == 1) REQUIRE(::write(finish[1], &c, 1) == 1);
    ::close(done[0]);
    ::close(finish[1]);
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(opened == 0);
    CHECK(refused > 0);
    CHECK(monotone);
    std::vector<std::string> warnings;
    RecordStore after(path, [&](const std::string& w) { warnings.push_back(w); });
    CHECK(after.size() == static_cast<std::size_t>(n_records));
    CHECK(warnings.empty());
    std::filesystem::remove(path);
}

TEST_CASE("repair keeps every valid record and moves the bad lines aside", "[meta][record_store][errors]") {
    const auto path = temp_file("repair");
    auto rejected = path;
    rejected += ".rejected";
    std::filesystem::remove(rejected);
    const std::string r0 = metalearn::meta::to_json(make_record(0)).dump();
    const std::string r1 = metalearn::meta::to_json(make_record(1)).dump();
    const std::string r2 = metalearn::meta::to_json(make_record(2)).dump();
    {
        std::ofstream f(path, std::ios::binary);
        f << r0 << "\n{\"task_id\": oops}\n" << r1 << "\n" << r0 << "\n\n" << r2 << "\n";
    }
    try {
        RecordStore store(path);
        FAIL("expected ParseError");
    } catch (const metalearn::ParseError& e) {
        CHECK(e.line() == 2);
        CHECK(std::string(e.what()).find("RecordStore::repair") != std::string::npos);
    }
    const auto summary = RecordStore::repair(path);
    CHECK(summary.kept == 3);
    CHECK(summary.rejected == 2);  // the bad line and the duplicate of record 0
    CHECK(summary.rejected_path == rejected);
    CHECK(read_all(path) == r0 + "\n" + r1 + "\n" + r2 + "\n");  // valid lines byte for byte, in order
    CHECK(read_all(rejected) == "{\"task_id\": oops}\n" + r0 + "\n");
    RecordStore store(path);
    CHECK(store.size() == 3);
    CHECK_THROWS_AS(RecordStore::repair(path), metalearn::IoError);  // a writer holds the journal
    std::filesystem::remove(path);
    std::filesystem::remove(rejected);
}

TEST_CASE("repair leaves a sound journal untouched", "[meta][record_store]") {
    const auto path = temp_file("repair_sound");
    {
        RecordStore store(path);
        for (int i = 0; i < 3; ++i) store.append(make_record(i));
    }
    const std::string before = read_all(path);
    const auto summary = RecordStore::repair(path);
    CHECK(summary.kept == 3);
    CHECK(summary.rejected == 0);
    CHECK(summary.rejected_path.empty());
    CHECK(read_all(path) == before);
    std::filesystem::remove(path);
}

TEST_CASE("merge adds the records of another journal that the store does not hold", "[meta][record_store]") {
    const auto a = temp_file("merge_a");
    const auto b = temp_file("merge_b");
    {
        RecordStore other(b);
        for (int i = 1; i < 5; ++i) other.append(make_record(i));  // records 1..4
    }
    RecordStore store(a);
    store.append(make_record(0));
    store.append(make_record(2));
    CHECK(store.merge(b) == 3);  // 1, 3, 4; 2 is already there
    CHECK(store.size() == 5);
    CHECK(store.merge(b) == 0);
    CHECK(RecordStore::read(a).size() == 5);
    std::filesystem::remove(a);
    std::filesystem::remove(b);
}

TEST_CASE("the data checksum is written, read back and part of the key", "[meta][record_store]") {
    Record r = make_record(0);
    r.data_checksum = "0123456789abcdef";
    const auto j = metalearn::meta::to_json(r);
    CHECK(j.at("data_checksum") == "0123456789abcdef");
    const Record back = metalearn::meta::record_from_json(j);
    CHECK(back.data_checksum == r.data_checksum);
    CHECK(back.key() == r.key());
    Record other = r;
    other.data_checksum = "fedcba9876543210";
    CHECK_FALSE(other.key() == r.key());
    CHECK(metalearn::meta::to_json(make_record(0)).count("data_checksum") == 0);  // older form kept
    auto bad = j;
    bad["data_checksum"] = 7;
    CHECK_THROWS_AS(metalearn::meta::record_from_json(bad), metalearn::ConfigError);
}

TEST_CASE("append refuses, writing nothing, a record the journal could not read back", "[meta][record_store][errors]") {
    // Each of these was written by append and then made reopening the journal a ParseError.
    const auto path = temp_file("append_checks");
    {
        RecordStore store(path);
        REQUIRE(store.append(make_record(0)));
        Record score = make_record(1);
        score.mean_score = 1e308;  // balanced accuracy is in [0, 1]
        CHECK_THROWS_AS(store.append(score), metalearn::ConfigError);
        CHECK_THROWS_WITH(store.append(score), Catch::Contains("would not read back") && Catch::Contains("mean_score"));
        Record lengths = make_record(1);
        lengths.meta_features.push_back(1.0);  // 2 names, 3 values
        CHECK_THROWS_WITH(store.append(lengths), Catch::Contains("2 meta-feature names for 3 values"));
        Record config = make_record(1);
        config.config = 5;
        CHECK_THROWS_WITH(store.append(config), Catch::Contains("'config' is not an object"));
        // records that contradict themselves: a score the meta-model would learn wrongly
        Record no_mean = make_record(1);
        no_mean.mean_score = std::nan("");
        CHECK_THROWS_WITH(store.append(no_mean), Catch::Contains("status 'ok' with no finite 'mean_score'"));
        Record folds = make_record(1);
        folds.n_folds = 2;
        CHECK_THROWS_WITH(store.append(folds), Catch::Contains("3 'fold_scores' for 'n_folds' 2"));
        Record mean = make_record(1);
        mean.mean_score = 0.99;
        CHECK_THROWS_WITH(store.append(mean), Catch::Contains("is not the mean"));
        Record n_folds = make_record(1);
        n_folds.n_folds = -3;
        n_folds.fold_scores.clear();
        CHECK_THROWS_WITH(store.append(n_folds), Catch::Contains("'n_folds' must be >= 1"));
        Record utf8 = make_record(1);
        utf8.task_id = std::string("task\xff\xfe", 6);  // not UTF-8: a metalearn error naming it escaped
        CHECK_THROWS_AS(store.append(utf8), metalearn::DataError);
        CHECK_THROWS_WITH(store.append(utf8), Catch::Contains("task\\xff\\xfe") && Catch::Contains("UTF-8"));
        CHECK(store.size() == 1);
        REQUIRE(store.append(make_record(1)));  // a valid record still goes in
    }
    RecordStore reopened(path);  // every line written reads back
    CHECK(reopened.size() == 2);
    std::filesystem::remove(path);
}
