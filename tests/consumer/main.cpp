// A program outside the project that uses the installed package, header-only. It includes only
// what it uses (the header check compiles the umbrella metalearn/metalearn.hpp).
#include <metalearn/core/random.hpp>
#include <metalearn/data/dataset.hpp>
#include <metalearn/version.hpp>

#include <cstdio>

int main() {
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
