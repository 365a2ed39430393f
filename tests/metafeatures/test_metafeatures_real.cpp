// Meta-feature extraction on real datasets (scripts/get-datasets): every group and the
// auto-sklearn set extract without exceptions, and the only NaN values are the documented ones.

#include <metalearn/data.hpp>
#include <metalearn/metafeatures.hpp>

#include "support/test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <string>

using namespace metalearn;
namespace mf = metalearn::metafeatures;

namespace {

/// Base name of an output name ("cor.mean" → "cor", "cor.quantiles.0" → "cor").
std::string base_of(const std::string& name) { return name.substr(0, name.find('.')); }

}  // namespace

TEST_CASE("all groups and the auto-sklearn set extract on real datasets", "[metafeatures][real]") {
    // Allowed NaN, each documented in its header:
    // - sd_ratio: a singular class covariance (a numeric column constant within a class, or a
    //   class with n_i <= p), e.g. the 0/16 pixels of digits;
    // - lh_trace, roy_root: a canonical correlation of 1 (perfectly separating direction);
    // - sd / skewness / kurtosis / histogram summaries of a feature whose values are all equal
    //   (e.g. one fold accuracy pattern) or a single value;
    // - leaves_homo: never here (the trees have more than one leaf);
    // - nominal-only data: sd_ratio (no numeric attribute);
    // - num_to_cat / cat_to_num: no nominal / no numeric attribute (zero denominator);
    // - any summary of cor, skewness, kurtosis: a constant column (digits' always-blank pixels)
    //   makes its correlations and moments NaN, and pymfe's mean, min, max, ... propagate a NaN.
    const std::set<std::string> allowed_base = {"sd_ratio", "lh_trace", "roy_root", "num_to_cat", "cat_to_num",
                                                "cor",      "skewness", "kurtosis"};
    const std::set<std::string> allowed_summaries = {"sd", "skewness", "kurtosis"};
    const std::vector<std::string> files = {"weka/iris.arff", "weka/credit-g.arff", "weka/vote.arff",
                                            "weka/labor.arff", "sklearn/digits.csv.gz"};
    for (const auto& file : files) {
        INFO(file);
        const auto d = data::read_dataset(test::data_file(file));
        mf::ExtractOptions o;
        o.summaries = mf::all_summaries();
        o.seed = 1;
        mf::MetaFeatures m;
        REQUIRE_NOTHROW(m = mf::extract(d, o));
        CHECK(m["nr_inst"] == static_cast<double>(d.n_samples()));
        CHECK(m["nr_attr"] == static_cast<double>(d.n_features()));
        CHECK(m.timed_out().empty());
        for (const auto& name : m.names()) {
            if (!std::isnan(m[name])) continue;
            INFO(name);
            const auto dot = name.find('.');
            const std::string summary = dot == std::string::npos ? "" : name.substr(dot + 1);
            const bool ok = allowed_base.count(base_of(name)) > 0 ||
                            allowed_summaries.count(summary.substr(0, summary.find('.'))) > 0;
            CHECK(ok);
        }
        mf::ExtractOptions a;
        a.feature_set = mf::FeatureSet::autosklearn;
        mf::MetaFeatures s;
        REQUIRE_NOTHROW(s = mf::extract(d, a));
        CHECK(s.size() == 46);
        for (const auto& name : s.names()) {
            INFO(name);
            CHECK(std::isfinite(s[name]));
        }
    }
}

TEST_CASE("iris meta-features agree with their closed forms", "[metafeatures][real]") {
    const auto d = data::read_dataset(test::data_file("weka/iris.arff"));
    const auto m = mf::extract(d);
    CHECK(m["nr_inst"] == 150);
    CHECK(m["nr_attr"] == 4);
    CHECK(m["nr_class"] == 3);
    CHECK_THAT(m["class_ent"], Catch::Matchers::WithinRel(std::log2(3.0), 1e-14));  // 50/50/50
    CHECK(m["freq_class.sd"] == 0.0);
    CHECK(m["best_node.mean"] < 0.7);  // a stump separates one class of three at best
    CHECK(m["best_node.mean"] > 0.6);
    CHECK(m["one_nn.mean"] > 0.9);
    CHECK(m["linear_discr.mean"] > 0.95);
}
