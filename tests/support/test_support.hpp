#pragma once
// Helpers shared by the test suite: where the real datasets are, and an Eigen matcher that
// prints both sides.

#include <metalearn/core.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace metalearn::test {

/// Folder filled by scripts/get-datasets (fails the test with a clear message if missing).
inline std::filesystem::path data_dir() {
    const std::filesystem::path dir(METALEARN_DATA_DIR);
    if (!std::filesystem::is_directory(dir))
        FAIL("real datasets not found in " << dir << ": run scripts/get-datasets first");
    return dir;
}

/// A file in the data folder, e.g. data_file("weka/iris.arff").
inline std::filesystem::path data_file(const std::string& relative) {
    auto p = data_dir() / relative;
    if (!std::filesystem::exists(p)) FAIL("dataset " << p << " missing: run scripts/get-datasets");
    return p;
}

/// The PMLB folder, or an empty path when it is not there (tests that use it skip cleanly).
inline std::filesystem::path pmlb_dir() {
    const std::filesystem::path dir(METALEARN_PMLB_DIR);
    return std::filesystem::is_directory(dir) ? dir : std::filesystem::path{};
}

/// Matcher: two Eigen objects of the same shape with isApprox(expected, rel), printing both.
template <class Derived>
class ApproxMatrix : public Catch::MatcherBase<Derived> {
public:
    ApproxMatrix(Derived expected, double rel, double abs) : expected_(std::move(expected)), rel_(rel), abs_(abs) {}
    bool match(const Derived& actual) const override {
        if (actual.rows() != expected_.rows() || actual.cols() != expected_.cols()) return false;
        for (Eigen::Index i = 0; i < actual.rows(); ++i)
            for (Eigen::Index j = 0; j < actual.cols(); ++j) {
                const double a = actual(i, j);
                const double e = expected_(i, j);
                if (std::abs(a - e) > abs_ + rel_ * std::abs(e)) return false;
            }
        return true;
    }
    std::string describe() const override {
        return fmt::format("is within rel {} / abs {} of\n{}", rel_, abs_, expected_);
    }

private:
    Derived expected_;
    double rel_;
    double abs_;
};

/// `REQUIRE_THAT(actual, approx_matrix(expected, 1e-9))`: element-wise |a−e| ≤ abs + rel·|e|.
template <class Derived>
ApproxMatrix<typename Derived::PlainObject> approx_matrix(const Eigen::DenseBase<Derived>& expected, double rel = 1e-9,
                                                          double abs = 0.0) {
    return {expected.derived().eval(), rel, abs};
}

/// A fresh, empty folder `metalearn_test_<name>` under the system's temporary folder, removed at
/// the end of the test.
class TempFolder {
public:
    /// A folder of its own per process: CTest runs test cases as parallel processes, and two
    /// cases that share a name must not share (or remove) each other's files.
    explicit TempFolder(const std::string& name)
        : path_(std::filesystem::temp_directory_path() /
                ("metalearn_test_" + name + "_" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempFolder() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;

    /// Write `bytes` to `relative` (creating subfolders) and return the file's path.
    std::filesystem::path write(const std::string& relative, const std::string& bytes) const {
        const std::filesystem::path file = path_ / relative;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << bytes;
        return file;
    }
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace metalearn::test

namespace Catch {
template <class Derived>
struct StringMaker<Derived, std::enable_if_t<std::is_base_of_v<Eigen::DenseBase<Derived>, Derived>>> {
    static std::string convert(const Derived& m) { return fmt::format("\n{}", m); }
};
}  // namespace Catch
