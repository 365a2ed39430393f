// Tests of data/task_sampler.hpp: episode structure, label consistency, determinism, coverage.

#include <metalearn/data/idx.hpp>
#include <metalearn/data/task_sampler.hpp>

#include "support/test_support.hpp"

#include <algorithm>
#include <set>
#include <vector>

using namespace metalearn;
using namespace metalearn::data;

namespace {
// Classes 0..4 with 10 members each (interleaved), class 5 with 2 members, class 6 empty.
IndexVector toy_labels() {
    IndexVector y(52);
    for (Index i = 0; i < 50; ++i) y[i] = i % 5;
    y[50] = 5;
    y[51] = 5;
    return y;
}
}  // namespace

TEST_CASE("EpisodeSampler draws N-way K-shot episodes with consistent labels", "[data][task_sampler]") {
    const auto y = toy_labels();
    const EpisodeSampler sampler(y, 7, 3, 2, 3);
    REQUIRE(sampler.eligible_classes() == std::vector<Index>{0, 1, 2, 3, 4});  // class 5 has 2 < 5 members
    std::vector<int> picked(7, 0);
    Rng rng(17);
    for (int t = 0; t < 200; ++t) {
        const Episode e = sampler.sample(rng);
        REQUIRE(e.classes.size() == 3);
        REQUIRE(e.support.size() == 6);
        REQUIRE(e.query.size() == 9);
        REQUIRE(std::set<Index>(e.classes.begin(), e.classes.end()).size() == 3);
        std::set<Index> rows(e.support.begin(), e.support.end());
        rows.insert(e.query.begin(), e.query.end());
        REQUIRE(rows.size() == 15);  // support and query do not overlap, no repeats
        for (std::size_t i = 0; i < e.support.size(); ++i)
            REQUIRE(y[e.support[i]] == e.classes[static_cast<std::size_t>(e.support_labels[static_cast<Index>(i)])]);
        for (std::size_t i = 0; i < e.query.size(); ++i)
            REQUIRE(y[e.query[i]] == e.classes[static_cast<std::size_t>(e.query_labels[static_cast<Index>(i)])]);
        // Support grouped by episode class: labels 0,0,1,1,2,2.
        for (Index i = 0; i < 6; ++i) REQUIRE(e.support_labels[i] == i / 2);
        for (const Index c : e.classes) ++picked[static_cast<std::size_t>(c)];
    }
    // 200 episodes x 3 classes over 5 eligible classes: 120 expected each; ineligible never.
    for (int c = 0; c < 5; ++c) {
        REQUIRE(picked[static_cast<std::size_t>(c)] > 80);
        REQUIRE(picked[static_cast<std::size_t>(c)] < 160);
    }
    REQUIRE(picked[5] == 0);
    REQUIRE(picked[6] == 0);
}

TEST_CASE("EpisodeSampler is deterministic in its seed", "[data][task_sampler]") {
    const EpisodeSampler sampler(toy_labels(), 7, 2, 1, 4);
    const auto a = sampler.sample(std::uint64_t{5});
    const auto b = sampler.sample(std::uint64_t{5});
    REQUIRE(a.support == b.support);
    REQUIRE(a.query == b.query);
    REQUIRE(a.classes == b.classes);
    bool differs = false;
    for (std::uint64_t s = 6; s < 16 && !differs; ++s) differs = sampler.sample(s).support != a.support;
    REQUIRE(differs);
}

TEST_CASE("EpisodeSampler rejects impossible episodes", "[data][task_sampler][errors]") {
    const auto y = toy_labels();
    REQUIRE_THROWS_AS(EpisodeSampler(y, 7, 1, 1, 1), DataError);
    REQUIRE_THROWS_AS(EpisodeSampler(y, 7, 2, 0, 1), DataError);
    REQUIRE_THROWS_AS(EpisodeSampler(y, 7, 2, 1, 0), DataError);
    // Classes 0..5 have at least 2 members, class 6 none: 6 eligible for 1 + 1.
    REQUIRE_NOTHROW(EpisodeSampler(y, 7, 6, 1, 1));
    REQUIRE_THROWS_WITH(EpisodeSampler(y, 7, 7, 1, 1),
                        Catch::Contains("only 6 class(es) have at least k_shot + n_query = 2 samples (expected at least "
                                        "n_way = 7)"));
    REQUIRE_THROWS_WITH(EpisodeSampler(y, 7, 3, 5, 6), Catch::Contains("only 0 class(es) have at least k_shot + n_query = 11"));
    REQUIRE_THROWS_WITH(EpisodeSampler(y, 5, 2, 1, 1), Catch::Contains("label 5 at row 50 out of range"));
}

TEST_CASE("Fashion-MNIST 5-way 1-shot episodes as support and query datasets", "[data][task_sampler]") {
    const auto d = read_idx_dataset(metalearn::test::data_file("fashion-mnist/t10k-images-idx3-ubyte.gz"),
                                    metalearn::test::data_file("fashion-mnist/t10k-labels-idx1-ubyte.gz"), "fashion",
                                    1000);
    const EpisodeSampler sampler(d, 5, 1, 15);
    REQUIRE(sampler.eligible_classes().size() == 10);
    const Episode e = sampler.sample(std::uint64_t{3});
    const auto [support, query] = episode_datasets(d, e);
    REQUIRE(support.n_samples() == 5);
    REQUIRE(query.n_samples() == 75);
    REQUIRE(support.n_features() == 784);
    REQUIRE(support.n_classes() == 5);
    REQUIRE(query.class_counts() == std::vector<Index>{15, 15, 15, 15, 15});
    for (Index c = 0; c < 5; ++c)
        REQUIRE(support.class_names()[static_cast<std::size_t>(c)] ==
                d.class_names()[static_cast<std::size_t>(e.classes[static_cast<std::size_t>(c)])]);
    REQUIRE(support.X().row(2) == d.X().row(e.support[2]));
    REQUIRE(query.X().row(40) == d.X().row(e.query[40]));
}
