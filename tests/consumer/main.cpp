// A program outside the project that uses the installed package, header-only. It includes only
// what it uses (the header check compiles the umbrella metalearn/metalearn.hpp). Its argument is
// the folder the package's knowledge files were installed to: the package must point
// `Knowledge::builtin()` there.
#include <metalearn/core/random.hpp>
#include <metalearn/data/dataset.hpp>
#include <metalearn/meta/knowledge.hpp>
#include <metalearn/models/logistic_regression.hpp>
#include <metalearn/version.hpp>

#include <cstdio>
#include <filesystem>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: consumer INSTALLED_KNOWLEDGE_DIR\n");
        return 2;
    }
    const auto found = metalearn::meta::Knowledge<metalearn::models::LogisticRegression>::builtin_path();
    const auto expected = std::filesystem::path(argv[1]) / "logistic_regression.json";
    if (!std::filesystem::equivalent(found, expected)) {
        std::fprintf(stderr, "Knowledge::builtin_path() is %s, expected the installed %s\n", found.c_str(), expected.c_str());
        return 1;
    }
    metalearn::Rng rng(42);
    metalearn::Matrix X(2, 1);
    X << 1.0, 2.0;
    metalearn::Vector y(2);
    y << 0.0, 1.0;
    const metalearn::data::Dataset d("consumer", X, y, {metalearn::data::FeatureInfo::numeric("x")},
                                     metalearn::data::TaskType::classification, {"a", "b"});
    std::printf("metalearn %d.%d.%d: %ld samples, first draw %.6f\n", METALEARN_VERSION_MAJOR,
                METALEARN_VERSION_MINOR, METALEARN_VERSION_PATCH, static_cast<long>(d.n_samples()), rng.uniform());
    return d.n_classes() == 2 ? 0 : 1;
}
