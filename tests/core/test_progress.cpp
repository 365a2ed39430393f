#include "support/test_support.hpp"

#include <metalearn/core/progress.hpp>

#include <cstdio>
#include <string>
#include <unistd.h>

using namespace metalearn;

namespace {

// What `f` writes to stderr (file descriptor 2 pointed at a temporary file meanwhile).
template <class F>
std::string captured_stderr(F&& f) {
    std::fflush(stderr);
    const int saved = dup(2);
    std::FILE* tmp = std::tmpfile();
    REQUIRE(saved >= 0);
    REQUIRE(tmp != nullptr);
    dup2(fileno(tmp), 2);
    f();
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    std::rewind(tmp);
    std::string out;
    for (int c = std::fgetc(tmp); c != EOF; c = std::fgetc(tmp)) out.push_back(static_cast<char>(c));
    std::fclose(tmp);
    return out;
}

}  // namespace

TEST_CASE("StderrProgressBar ends its line on the last unit, and on an empty run", "[core][progress]") {
    SECTION("a run of two units: no line end before the last one") {
        StderrProgressBar bar("work", std::chrono::milliseconds(0));
        const std::string first = captured_stderr([&] { CHECK_FALSE(bar({1, 2, 0, "a"})); });
        CHECK(first.find("work [") != std::string::npos);
        CHECK(first.find("1/2") != std::string::npos);
        CHECK(first.find('\n') == std::string::npos);
        const std::string last = captured_stderr([&] { CHECK_FALSE(bar({2, 2, 1, "b"})); });
        CHECK(last.find("2/2") != std::string::npos);
        CHECK(last.find("(1 failed)") != std::string::npos);
        CHECK(last.back() == '\n');
    }
    SECTION("nothing to do (0 of 0): the line ends, so the next message starts on its own line") {
        StderrProgressBar bar("records");
        const std::string out = captured_stderr([&] { CHECK_FALSE(bar({0, 0, 0, ""})); });
        CHECK(out.find("0/0") != std::string::npos);
        CHECK(out.back() == '\n');
    }
}
