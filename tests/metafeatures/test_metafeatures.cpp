// Meta-feature extraction: hand-computed cases, closed forms, reference values, edge cases and
// invariance properties.
//
// Reference values marked [ref] come from tests/reference/metafeatures_reference.py
// (numpy/scipy/scikit-learn, recomputed from each documented definition), tolerance 1e-9
// relative unless said otherwise.

#include <metalearn/metafeatures.hpp>

#include "support/test_support.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace metalearn;
namespace mf = metalearn::metafeatures;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

/// The 12-row reference dataset of metafeatures_reference.py: x1, x2, x3 numeric, c nominal
/// (3 categories), y with 3 classes of 4.
data::Dataset reference_dataset() {
    const std::vector<double> x1 = {1.0, 2.5, 3.1, 4.7, 5.2, 6.8, 7.3, 8.9, 9.4, 10.0, 11.6, 12.1};
    const std::vector<double> x2 = {2.3, 1.1, 4.5, 3.3, 6.7, 5.2, 8.8, 7.4, 10.1, 9.9, 12.5, 11.2};
    const std::vector<double> x3 = {0.5, 3.2, 1.7, 8.4, 2.2, 0.9, 5.5, 7.7, 1.3, 4.4, 6.1, 9.8};
    const std::vector<double> c = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 0};
    const std::vector<double> y = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2};
    Matrix X(12, 4);
    Vector yy(12);
    for (Index i = 0; i < 12; ++i) {
        const auto k = static_cast<std::size_t>(i);
        X.row(i) << x1[k], x2[k], x3[k], c[k];
        yy[i] = y[k];
    }
    return data::Dataset("ref", X, yy,
                         {data::FeatureInfo::numeric("x1"), data::FeatureInfo::numeric("x2"),
                          data::FeatureInfo::numeric("x3"), data::FeatureInfo::nominal("c", {"a", "b", "c"})},
                         data::TaskType::classification, {"k0", "k1", "k2"});
}

mf::MetaFeatures only(const data::Dataset& d, std::vector<mf::Group> groups, std::vector<mf::Summary> s = {mf::Summary::mean, mf::Summary::sd}) {
    mf::ExtractOptions o;
    o.groups = std::move(groups);
    o.summaries = std::move(s);
    return mf::extract(d, o);
}

double mean_of(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
}

}  // namespace

TEST_CASE("summaries match direct computation", "[metafeatures][summary]") {
    const std::vector<double> v = {3, 1, 4, 1, 5, 9, 2, 6};
    CHECK_THAT(mf::summarize(v, mf::Summary::mean)[0], WithinRel(31.0 / 8.0, 1e-12));
    CHECK_THAT(mf::summarize(v, mf::Summary::sd)[0], WithinRel(2.74837614393871, 1e-12));  // [ref]
    CHECK(mf::summarize(v, mf::Summary::min)[0] == 1.0);
    CHECK(mf::summarize(v, mf::Summary::max)[0] == 9.0);
    CHECK(mf::summarize(v, mf::Summary::range)[0] == 8.0);
    CHECK(mf::summarize(v, mf::Summary::median)[0] == 3.5);
    const auto q = mf::summarize(v, mf::Summary::quantiles);  // [ref] numpy percentile
    REQUIRE(q.size() == 5);
    CHECK(q == std::vector<double>{1, 1.75, 3.5, 5.25, 9});
    CHECK_THAT(mf::summarize(v, mf::Summary::skewness)[0], WithinRel(0.546986434662718, 1e-12));   // [ref]
    CHECK_THAT(mf::summarize(v, mf::Summary::kurtosis)[0], WithinRel(-1.11269580042922, 1e-12));   // [ref]
    const auto h = mf::summarize(v, mf::Summary::histogram);  // [ref] numpy histogram / n
    const std::vector<double> href = {0.25, 0.125, 0.125, 0.125, 0, 0.125, 0.125, 0, 0, 0.125};
    REQUIRE(h.size() == 10);
    for (std::size_t i = 0; i < 10; ++i) CHECK_THAT(h[i], WithinAbs(href[i], 1e-15));
}

TEST_CASE("sort_values (radix above 1024 values) sorts as std::sort", "[metafeatures][summary]") {
    Rng rng(11);
    for (const std::size_t n : {std::size_t{5}, std::size_t{1023}, std::size_t{1024}, std::size_t{5000}}) {
        std::vector<double> v(n);
        for (std::size_t i = 0; i < n; ++i) {
            switch (i % 6) {
                case 0: v[i] = rng.normal(); break;
                case 1: v[i] = -rng.normal() * 1e300; break;
                case 2: v[i] = rng.normal() * 1e-300; break;
                case 3: v[i] = i % 4 == 1 ? -0.0 : 0.0; break;
                case 4: v[i] = std::floor(rng.normal() * 3.0); break;  // repeated values
                default: v[i] = std::numeric_limits<double>::denorm_min() * static_cast<double>(i % 7);
            }
        }
        std::vector<double> expected = v;
        std::sort(expected.begin(), expected.end());
        mf::detail::sort_values(v);
        INFO(n);
        CHECK(v == expected);  // == : -0 and +0 compare equal, their order is free
        CHECK(std::is_sorted(v.begin(), v.end()));
    }
}

TEST_CASE("summaries of one value, constants and NaN are defined or NaN as documented", "[metafeatures][summary]") {
    CHECK(mf::summarize({2.0}, mf::Summary::mean)[0] == 2.0);
    CHECK(std::isnan(mf::summarize({2.0}, mf::Summary::sd)[0]));        // ddof = 1
    CHECK(std::isnan(mf::summarize({2.0, 2.0}, mf::Summary::skewness)[0]));  // 0/0
    const auto h = mf::summarize({2.0, 2.0}, mf::Summary::histogram);  // numpy: range [1.5, 2.5]
    CHECK(h[5] == 1.0);
    // pymfe 0.4.4's summaries: "mean" is np.mean, which propagates a NaN; "skewness" and
    // "histogram" drop NaN first (its sum_skewness / sum_histogram).
    CHECK(std::isnan(mf::summarize({1.0, std::nan(""), 3.0}, mf::Summary::mean)[0]));
    CHECK(std::isnan(mf::summarize({1.0, std::nan(""), 3.0}, mf::Summary::max)[0]));
    CHECK(mf::summarize({1.0, std::nan(""), 2.0, 3.0}, mf::Summary::skewness)[0] == 0.0);  // of {1, 2, 3}
    CHECK(mf::summarize({1.0, std::nan(""), 3.0}, mf::Summary::histogram)[0] == 0.5);
    CHECK(std::isnan(mf::summarize({}, mf::Summary::max)[0]));
    CHECK(mf::summarize({}, mf::Summary::quantiles).size() == 5);
}

TEST_CASE("Shapiro-Wilk p-values match scipy", "[metafeatures][statistical]") {
    // [ref] scipy.stats.shapiro on a_i = sin(1.7 i)(1 + 0.1 i) + 0.05 i², i < n; tolerance 1e-6
    // absolute (scipy's swilk computes its coefficients in single precision).
    const std::vector<std::pair<int, double>> cases = {{3, 0.147422090172768},  {4, 0.628945052623749},
                                                       {5, 0.561520397663116},  {7, 0.947201371192932},
                                                       {11, 0.369362354278564}, {20, 0.0602290034294128},
                                                       {50, 0.000351675698766485}};
    for (const auto& [n, expected] : cases) {
        std::vector<double> a;
        for (int i = 0; i < n; ++i) a.push_back(std::sin(1.7 * i) * (1 + 0.1 * i) + 0.05 * i * i);
        INFO("n = " << n);
        CHECK_THAT(mf::detail::shapiro_wilk_pvalue(a), WithinAbs(expected, 5e-6));
    }
    CHECK(std::isnan(mf::detail::shapiro_wilk_pvalue({1.0, 2.0})));
}

TEST_CASE("general meta-features of a small dataset are counted exactly", "[metafeatures][general]") {
    const auto m = only(reference_dataset(), {mf::Group::general});
    CHECK(m["nr_inst"] == 12);
    CHECK(m["nr_attr"] == 4);
    CHECK(m["nr_num"] == 3);
    CHECK(m["nr_cat"] == 1);
    CHECK(m["nr_bin"] == 0);
    CHECK(m["nr_class"] == 3);
    CHECK_THAT(m["attr_to_inst"], WithinRel(4.0 / 12.0, 1e-15));
    CHECK(m["inst_to_attr"] == 3.0);
    CHECK_THAT(m["cat_to_num"], WithinRel(1.0 / 3.0, 1e-15));
    CHECK(m["num_to_cat"] == 3.0);
    CHECK_THAT(m["freq_class.mean"], WithinRel(1.0 / 3.0, 1e-15));
    CHECK(m["freq_class.sd"] == 0.0);
}

TEST_CASE("statistical meta-features match numpy/scipy reference values", "[metafeatures][statistical]") {
    const auto m = only(reference_dataset(), {mf::Group::statistical});
    // N = x1, x2, x3 and the one-hot columns of c (6 columns).
    CHECK_THAT(m["t_mean.mean"], WithinRel(mean_of({6.925, 6.9875, 4.0125, 0.375, 0.25, 0.125}), 1e-12));
    CHECK_THAT(m["mad.mean"], WithinRel(mean_of({3.92889, 4.37367, 3.55824, 0, 0, 0}), 1e-5));
    CHECK_THAT(m["iq_range.mean"], WithinRel(mean_of({5.25, 5.75, 4.9, 1, 1, 0.25}), 1e-12));
    CHECK_THAT(m["sd.mean"], WithinRel(mean_of({3.63689011340317, 3.68531072658944, 3.172168267156, 0.514928650544437,
                                                0.492365963917331, 0.452267016866645}),
                                       1e-12));
    CHECK_THAT(m["cor.mean"], WithinRel(0.312085354857452, 1e-12));
    CHECK_THAT(m["nr_cor_attr"], WithinRel(0.266666666666667, 1e-12));
    CHECK_THAT(m["cov.mean"], WithinRel(1.71909090909091, 1e-12));
    CHECK_THAT(m["eigenvalues.mean"],
               WithinRel(mean_of({0.0, 0.146233496147795, 0.376195540091712, 0.691677746384636, 7.31845055577848,
                                  29.050700237355}),
                         1e-12));
    CHECK(m["nr_norm"] == 3);  // [ref] x1, x2, x3 pass; the 0/1 columns fail
    CHECK(m["nr_outliers"] == 1);
    CHECK_THAT(m["can_cor.mean"], WithinRel((0.992868681851879 + 0.280310584991376) / 2, 1e-9));
    CHECK(m["nr_disc"] == 2);
    CHECK_THAT(m["w_lambda"], WithinRel(0.0130951038071173, 1e-8));
    CHECK_THAT(m["p_trace"], WithinRel(1.0643622434605, 1e-9));
    CHECK_THAT(m["lh_trace"], WithinRel(69.4494341030712, 1e-7));
    CHECK_THAT(m["roy_root"], WithinRel(69.3641597282329, 1e-7));
    CHECK_THAT(m["gravity"], WithinRel(6.01804577915456, 1e-12));
    CHECK_THAT(m["sd_ratio"], WithinRel(1.44225427548352, 1e-10));  // textbook Box's M
    CHECK_THAT(m["sparsity.mean"], WithinRel(0.272727272727273 / 4, 1e-12));
    // g_mean / h_mean: x1..x3 from scipy; the one-hot columns contain 0 → 0.
    CHECK_THAT(m["g_mean.mean"], WithinRel((5.66999911871775 + 5.70681345387367 + 3.05276397385195) / 6, 1e-12));
    CHECK_THAT(m["h_mean.mean"], WithinRel((4.13893940321749 + 4.24213441203846 + 1.94817638795482) / 6, 1e-12));
}

TEST_CASE("skewness and kurtosis per column are e1071 type 3", "[metafeatures][statistical]") {
    // Only the numeric columns: restrict the dataset to x1, x2, x3.
    const auto d = reference_dataset();
    const data::Dataset num("num", d.X().leftCols(3), d.y(), {d.feature(0), d.feature(1), d.feature(2)},
                            data::TaskType::classification, d.class_names());
    const auto m = only(num, {mf::Group::statistical}, {mf::Summary::min, mf::Summary::max});
    CHECK_THAT(m["skewness.min"], WithinRel(-0.0966827255166149, 1e-10));  // [ref]
    CHECK_THAT(m["skewness.max"], WithinRel(0.339515552338854, 1e-10));
    CHECK_THAT(m["kurtosis.min"], WithinRel(-1.50199626084469, 1e-10));
    CHECK_THAT(m["kurtosis.max"], WithinRel(-1.48080687664705, 1e-10));
}

TEST_CASE("correlation of a linear column is 1 and its eigen-structure is rank one", "[metafeatures][statistical]") {
    Matrix X(5, 2);
    X << 1, 3, 2, 5, 3, 7, 4, 9, 5, 11;  // x2 = 2 x1 + 1
    const Vector y = (Vector(5) << 0, 0, 1, 1, 1).finished();
    const data::Dataset d("lin", X, y, {data::FeatureInfo::numeric("a"), data::FeatureInfo::numeric("b")},
                          data::TaskType::classification, {"u", "v"});
    const auto m = only(d, {mf::Group::statistical});
    CHECK_THAT(m["cor.mean"], WithinRel(1.0, 1e-12));
    CHECK(m["nr_cor_attr"] == 1.0);
    CHECK_THAT(m["cov.mean"], WithinRel(5.0, 1e-12));  // var(a) = 2.5, cov = 2·2.5
    // Eigenvalues of [[2.5, 5], [5, 10]]: 0 and 12.5.
    CHECK_THAT(m["eigenvalues.mean"], WithinRel(6.25, 1e-12));
    CHECK(m["nr_disc"] == 1);
}

TEST_CASE("wide data (fewer rows than columns): covariance eigenvalues and canonical correlations", "[metafeatures][statistical]") {
    // 4 rows × 6 columns: the n×n Gram route. Reference: numpy.linalg.eigvalsh(numpy.cov(X.T)) =
    // {≈0, ≈0, ≈0, 2.82514576, 5.43400444, 14.5741831}: mean 3.805555555555555 (= trace / 6), sd
    // (ddof 1) 5.710046377187283, max 14.574183125633208.
    Matrix X(4, 6);
    X << 1, 0, 2, 1, 3, 0,  //
        2, 1, 0, 4, 1, 1,   //
        3, 5, 1, 0, 2, 2,   //
        5, 2, 2, 1, 0, 7;
    const Vector y = (Vector(4) << 0, 0, 1, 1).finished();
    std::vector<data::FeatureInfo> info;
    for (int j = 0; j < 6; ++j) info.push_back(data::FeatureInfo::numeric(fmt::format("x{}", j)));
    const data::Dataset d("wide", X, y, info, data::TaskType::classification, {"u", "v"});
    const auto m = only(d, {mf::Group::statistical}, {mf::Summary::mean, mf::Summary::sd, mf::Summary::max});
    CHECK_THAT(m["eigenvalues.mean"], WithinRel(3.805555555555555, 1e-12));
    CHECK_THAT(m["eigenvalues.sd"], WithinRel(5.710046377187283, 1e-12));
    CHECK_THAT(m["eigenvalues.max"], WithinRel(14.574183125633208, 1e-12));
    // Six generic columns span every centred 4-vector: the class indicator is reached exactly.
    CHECK_THAT(m["can_cor.max"], WithinAbs(1.0, 1e-12));
    CHECK(m["nr_disc"] == 1);

    // Six multiples of one column a = (1, 2, 3, 5): one direction, ρ = |corr(a, y)| = 0.8451542547285166
    // (numpy.corrcoef).
    Matrix Xr(4, 6);
    for (int j = 0; j < 6; ++j) Xr.col(j) = (Vector(4) << 1, 2, 3, 5).finished() * (j + 1.0);
    const data::Dataset dr("rank1", Xr, y, info, data::TaskType::classification, {"u", "v"});
    const auto mr = only(dr, {mf::Group::statistical});
    CHECK_THAT(mr["can_cor.mean"], WithinRel(0.8451542547285166, 1e-10));
}

TEST_CASE("information-theoretic meta-features match reference values", "[metafeatures][info_theory]") {
    const auto m = only(reference_dataset(), {mf::Group::info_theory});
    CHECK_THAT(m["attr_ent.mean"], WithinRel(mean_of({1, 1, 1, 1.5545851693378}), 1e-12));
    CHECK_THAT(m["class_ent"], WithinRel(std::log2(3.0), 1e-14));  // uniform class: log2 K
    // [ref] pymfe 0.4.4's formulas: joint entropy and concentration on the frequency table of the
    // values present plus 1e-8 per cell (pd.crosstab(normalize=True) + 1e-8), MI not clipped.
    CHECK_THAT(m["joint_ent.mean"],
               WithinRel(mean_of({1.91829639125368, 1.91829639125368, 2.45914799386404, 3.08496266352522}), 1e-12));
    CHECK_THAT(m["mut_inf.mean"],
               WithinRel(mean_of({0.666666109467475, 0.666666109467475, 0.125814506857117, 0.0545850065337348}), 1e-11));
    CHECK_THAT(m["eq_num_attr"], WithinRel(4.18822560662294, 1e-12));
    CHECK_THAT(m["ns_ratio"], WithinRel(2.0088456706525, 1e-12));
    CHECK_THAT(m["class_conc.mean"],
               WithinRel(mean_of({0.666666646666666, 0.666666646666666, 0.166666616666658, 0.0425531436984983}), 1e-12));
    CHECK_THAT(m["attr_conc.mean"], WithinRel(0.375059073412129, 1e-12));
}

TEST_CASE("class entropy of a uniform class over K classes is log2 K", "[metafeatures][info_theory]") {
    for (Index k : {2, 4, 5}) {
        Matrix X(4 * k, 1);
        Vector y(4 * k);
        for (Index i = 0; i < 4 * k; ++i) {
            X(i, 0) = static_cast<double>(i);
            y[i] = static_cast<double>(i % k);
        }
        std::vector<std::string> cls;
        for (Index c = 0; c < k; ++c) cls.push_back(fmt::format("c{}", c));
        const data::Dataset d("u", X, y, {data::FeatureInfo::numeric("a")}, data::TaskType::classification, cls);
        CHECK_THAT(only(d, {mf::Group::info_theory})["class_ent"], WithinRel(std::log2(static_cast<double>(k)), 1e-14));
    }
}

TEST_CASE("a tiny-scale attribute whose top edges merge keeps its values above the last edge as one more level",
          "[metafeatures][info_theory]") {
    // 27 rows: 9 zeros, 17 values 1e-9, one 1.5e-9. pymfe's 3 equal-frequency bins have edges at
    // the 1/3, 2/3 and 1 quantiles (6.67e-10, 1e-9, 1.5e-9); edges within 1e-8 of the one
    // before are dropped, leaving 6.67e-10 alone, and the 18 values above it form a level of
    // their own (numpy's digitize): counts 9 and 18, attr_ent = H(1/3, 2/3) in bits.
    Matrix X(27, 1);
    Vector y(27);
    for (Index i = 0; i < 27; ++i) {
        X(i, 0) = i < 9 ? 0.0 : i < 26 ? 1e-9 : 1.5e-9;
        y[i] = static_cast<double>(i % 2);
    }
    const data::Dataset d("tiny", X, y, {data::FeatureInfo::numeric("a")}, data::TaskType::classification, {"c0", "c1"});
    const double h = -(std::log2(1.0 / 3.0) / 3.0 + 2.0 * std::log2(2.0 / 3.0) / 3.0);
    CHECK_THAT(only(d, {mf::Group::info_theory})["attr_ent.mean"], WithinRel(h, 1e-12));
}

TEST_CASE("the tree of a separable set has one split", "[metafeatures][model_based]") {
    Matrix X(8, 2);
    X << 1, 5, 2, 3, 3, 8, 4, 1, 10, 2, 11, 7, 12, 4, 13, 6;  // column 0 separates the classes
    const Vector y = (Vector(8) << 0, 0, 0, 0, 1, 1, 1, 1).finished();
    const data::Dataset d("sep", X, y, {data::FeatureInfo::numeric("a"), data::FeatureInfo::numeric("b")},
                          data::TaskType::classification, {"n", "p"});
    const auto m = only(d, {mf::Group::model_based}, {mf::Summary::mean, mf::Summary::sd, mf::Summary::max});
    CHECK(m["leaves"] == 2);
    CHECK(m["nodes"] == 1);
    CHECK(m["nodes_per_attr"] == 0.5);
    CHECK(m["nodes_per_inst"] == 1.0 / 8.0);
    CHECK(m["tree_depth.mean"] == 2.0 / 3.0);  // depths 0, 1, 1
    CHECK(m["leaves_branch.mean"] == 1.0);
    CHECK(m["leaves_corrob.mean"] == 0.5);
    CHECK(m["tree_shape.mean"] == 0.5);        // d·2^-d with d = 1
    CHECK(m["leaves_homo.mean"] == 4.0);       // 2 leaves / 0.5
    CHECK(m["leaves_per_class.mean"] == 0.5);  // one leaf per class
    CHECK(m["nodes_per_level.mean"] == 1.0);
    CHECK(m["nodes_repeated.mean"] == 1.0);
    CHECK(m["var_importance.max"] == 1.0);     // all importance on column 0
    CHECK(m["var_importance.mean"] == 0.5);
    // two leaves at depth 1: π = 1/2, c = 2, a = 2^-1 → −a log2 a = 0.5
    CHECK(m["tree_imbalance.mean"] == 0.5);
}

TEST_CASE("the tree of values beyond float32's range is undefined, as scikit-learn refuses them", "[metafeatures][model_based]") {
    // the separable set above with column 0 scaled: at 1e30 (within float32's 3.4e38) the tree is
    // the same one split; at 1e40 scikit-learn raises "a value too large for dtype('float32')"
    Matrix X(8, 2);
    X << 1, 5, 2, 3, 3, 8, 4, 1, 10, 2, 11, 7, 12, 4, 13, 6;
    const Vector y = (Vector(8) << 0, 0, 0, 0, 1, 1, 1, 1).finished();
    for (const double scale : {1e30, 1e40}) {
        Matrix Xs = X;
        Xs.col(0) *= scale;
        const data::Dataset d("scaled", Xs, y, {data::FeatureInfo::numeric("a"), data::FeatureInfo::numeric("b")},
                              data::TaskType::classification, {"n", "p"});
        mf::ExtractOptions o;
        o.groups = {mf::Group::model_based};
        std::vector<std::string> warnings;
        o.on_warning = [&](const std::string& w) { warnings.push_back(w); };
        const auto m = mf::extract(d, o);
        // said, not only NaN: one warning naming the cause when the tree is undefined
        CHECK(warnings.size() == (scale < 1e38 ? 0U : 1U));
        if (!warnings.empty()) CHECK(warnings.front().find("float32") != std::string::npos);
        if (scale < 1e38) {
            CHECK(m["leaves"] == 2);
            CHECK(m["nodes"] == 1);
            CHECK(m["var_importance.mean"] == 0.5);
        } else {
            for (const char* name : {"leaves", "nodes", "tree_depth.mean", "var_importance.mean", "leaves_branch.mean"})
                CHECK(std::isnan(m[name]));
        }
    }
}

TEST_CASE("sd and var of a table of more than 2000 columns are each column's, without the covariance matrix",
          "[metafeatures][statistical]") {
    // 4 rows × 2,001 columns: column j holds j·(0, 1, 2, 3), whose sample variance is j²·5/3
    const Index q = 2001;
    Matrix X(4, q);
    for (Index j = 0; j < q; ++j)
        for (Index i = 0; i < 4; ++i) X(i, j) = static_cast<double>(j) * static_cast<double>(i);
    std::vector<data::FeatureInfo> info;
    for (Index j = 0; j < q; ++j) info.push_back(data::FeatureInfo::numeric("x" + std::to_string(j)));
    const data::Dataset d("wide", X, (Vector(4) << 0, 1, 0, 1).finished(), info, data::TaskType::classification, {"a", "b"});
    mf::ExtractOptions o;
    o.groups = {mf::Group::statistical};
    o.features = {"sd", "var"};
    o.summaries = {mf::Summary::mean, mf::Summary::max};
    const auto m = mf::extract(d, o);
    // mean over j of j·√(5/3) = 1000·√(5/3); mean of j²·5/3 = (5/3)·(q−1)(2q−1)/6
    CHECK(m["sd.mean"] == Approx(1000.0 * std::sqrt(5.0 / 3.0)).epsilon(1e-12));
    CHECK(m["sd.max"] == Approx(2000.0 * std::sqrt(5.0 / 3.0)).epsilon(1e-12));
    CHECK(m["var.mean"] == Approx(5.0 / 3.0 * 2000.0 * 4001.0 / 6.0).epsilon(1e-12));
}

TEST_CASE("features needing a q x q matrix beyond max_matrix_bytes are NaN and listed, the others computed",
          "[metafeatures][statistical]") {
    const auto d = reference_dataset();
    mf::ExtractOptions o;
    o.groups = {mf::Group::statistical};
    o.features = {"cor", "sd"};
    const auto full = mf::extract(d, o);
    o.max_matrix_bytes = 8;  // room for one double: less than any covariance of two or more columns
    std::vector<std::string> warnings;
    o.on_warning = [&](const std::string& w) { warnings.push_back(w); };
    const auto capped = mf::extract(d, o);
    CHECK(std::isnan(capped["cor.mean"]));
    CHECK(capped["sd.mean"] == Approx(full["sd.mean"]).epsilon(1e-12));  // from each column, not the covariance
    REQUIRE(capped.timed_out() == std::vector<std::string>{"cor"});
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("max_matrix_bytes"));
    o.max_matrix_bytes = 0;  // no limit
    CHECK(mf::extract(d, o)["cor.mean"] == full["cor.mean"]);
}

TEST_CASE("landmarkers reach accuracy 1 on a separable set", "[metafeatures][landmarking]") {
    Matrix X(20, 2);
    Vector y(20);
    for (Index i = 0; i < 20; ++i) {
        X(i, 0) = i < 10 ? static_cast<double>(i) : 100.0 + static_cast<double>(i);
        X(i, 1) = static_cast<double>((i * 7) % 5);  // noise
        y[i] = i < 10 ? 0 : 1;
    }
    const data::Dataset d("sep", X, y, {data::FeatureInfo::numeric("a"), data::FeatureInfo::numeric("b")},
                          data::TaskType::classification, {"n", "p"});
    const auto m = only(d, {mf::Group::landmarking});
    CHECK(m["best_node.mean"] == 1.0);
    CHECK(m["best_node.sd"] == 0.0);
    CHECK(m["elite_nn.mean"] == 1.0);  // column 0 is the most important
    CHECK(m["one_nn.mean"] == 1.0);    // column 0 dominates the distances
    CHECK(m["linear_discr.mean"] == 1.0);
    CHECK(m["naive_bayes.mean"] == 1.0);
    CHECK(m["worst_node.mean"] < 1.0);  // the noise column
}

TEST_CASE("landmarking_max_rows landmarks a stratified subsample, 0 every row", "[metafeatures][landmarking]") {
    // 300 rows, 3 numeric columns, 3 classes (noisy, so accuracies are not all 1).
    Matrix X(300, 3);
    Vector y(300);
    for (Index i = 0; i < 300; ++i) {
        y[i] = static_cast<double>(i % 3);
        for (Index j = 0; j < 3; ++j)
            X(i, j) = std::sin(0.37 * static_cast<double>(i * (j + 2))) + 0.4 * y[i] * static_cast<double>(j == 1);
    }
    const std::vector<data::FeatureInfo> info = {data::FeatureInfo::numeric("a"), data::FeatureInfo::numeric("b"),
                                                 data::FeatureInfo::numeric("c")};
    const data::Dataset d("noisy", X, y, info, data::TaskType::classification, {"k0", "k1", "k2"});
    mf::ExtractOptions o;
    o.groups = {mf::Group::landmarking};
    o.seed = 3;
    o.landmarking_max_rows = 120;
    const auto capped = mf::extract(d, o);
    // The same as landmarking the subsample itself (same seed-derived rows, folds and models).
    const auto rows = data::subsample_rows(d, 120, metalearn::derive_seed(3, {0x5AB5ULL}));
    REQUIRE(rows.size() == 120);
    std::vector<Index> per_class(3, 0);
    for (const Index r : rows) ++per_class[static_cast<std::size_t>(y[r])];
    CHECK(per_class == std::vector<Index>{40, 40, 40});  // stratified
    o.landmarking_max_rows = 0;
    const auto on_subset = mf::extract(d.subset(rows), o);
    const auto exact = mf::extract(d, o);
    for (const auto& name : {"one_nn.mean", "naive_bayes.mean", "best_node.mean", "linear_discr.sd", "elite_nn.mean"}) {
        INFO(name);
        CHECK(capped[name] == on_subset[name]);
    }
    CHECK(capped["one_nn.mean"] != exact["one_nn.mean"]);  // 0 = every row: another table, another value
    o.landmarking_max_rows = 300;  // a cap at or above n changes nothing
    CHECK(mf::extract(d, o)["one_nn.mean"] == exact["one_nn.mean"]);
    o.landmarking_max_rows = 19;
    CHECK_THROWS_AS(mf::extract(d, o), ConfigError);

    // A cap that leaves classes with fewer than 2 rows is said through on_warning; the 3-class
    // cap of 120 (40 rows per class) says nothing.
    std::vector<std::string> warnings;
    o.on_warning = [&](const std::string& w) { warnings.push_back(w); };
    o.landmarking_max_rows = 120;
    (void)mf::extract(d, o);
    CHECK(warnings.empty());
    Vector y30(300);
    std::vector<std::string> names30;
    for (Index i = 0; i < 300; ++i) y30[i] = static_cast<double>(i % 30);
    for (int c = 0; c < 30; ++c) names30.push_back(fmt::format("k{}", c));
    const data::Dataset d30("thirty", X, y30, info, data::TaskType::classification, names30);
    o.landmarking_max_rows = 20;  // at most one row for each of 20 of the 30 classes (10 rows each)
    const auto thin = mf::extract(d30, o);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] ==
          "metafeatures::extract(): landmarking on a stratified subsample of 20 of 300 rows keeps fewer than 2 rows of "
          "30 of the 30 classes; its accuracies are unreliable (expected at least 2 rows of every class: a larger "
          "landmarking_max_rows, e.g. 300 for 10 rows per class, or 0 for every row)");
    CHECK(thin.contains("one_nn.mean"));
    // one class: said, and extracted all the same
    warnings.clear();
    const data::Dataset one("one", X, Vector::Zero(300), info, data::TaskType::classification, {"k0"});
    (void)mf::extract(one, o);
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::StartsWith("metafeatures::extract(): the dataset has 1 class with rows (expected at least 2)"));
    o.on_warning = {};

    // The auto-sklearn set's landmarks follow the same cap; its other features use every row.
    mf::ExtractOptions a;
    a.feature_set = mf::FeatureSet::autosklearn;
    a.landmarking_max_rows = 0;
    const auto a_exact = mf::extract(d, a);
    a.landmarking_max_rows = 300;
    CHECK(mf::extract(d, a)["Landmark1NN"] == a_exact["Landmark1NN"]);
    a.landmarking_max_rows = 120;
    const auto a_capped = mf::extract(d, a);
    CHECK(a_capped["Landmark1NN"] != a_exact["Landmark1NN"]);
    CHECK(std::isfinite(a_capped["LandmarkLDA"]));
    CHECK(a_capped["NumberOfInstances"] == 300);
    CHECK(a_capped["SkewnessMean"] == a_exact["SkewnessMean"]);
}

TEST_CASE("auto-sklearn set follows auto-sklearn's conventions", "[metafeatures][autosklearn]") {
    mf::ExtractOptions o;
    o.feature_set = mf::FeatureSet::autosklearn;
    const auto m = mf::extract(reference_dataset(), o);
    REQUIRE(m.size() == 46);
    CHECK(m.names() == mf::autosklearn_feature_names());
    CHECK(m["NumberOfInstances"] == 12);
    CHECK_THAT(m["LogNumberOfInstances"], WithinRel(std::log(12.0), 1e-15));
    CHECK(m["NumberOfFeatures"] == 4);
    CHECK(m["NumberOfClasses"] == 3);
    CHECK(m["NumberOfCategoricalFeatures"] == 1);
    CHECK(m["RatioNumericalToNominal"] == 3);
    CHECK_THAT(m["LogInverseDatasetRatio"], WithinRel(std::log(3.0), 1e-15));
    CHECK_THAT(m["ClassProbabilityMean"], WithinRel(1.0 / 3.0, 1e-15));
    CHECK(m["ClassProbabilitySTD"] == 0.0);
    CHECK(m["SymbolsSum"] == 3);
    CHECK(m["SymbolsMean"] == 3);
    CHECK_THAT(m["ClassEntropy"], WithinRel(1.58496250072116, 1e-14));  // [ref] scipy entropy base 2
    CHECK(m["NumberOfMissingValues"] == 0);
    // Skewness of the standardised columns: scipy's biased skew is scale-invariant, so the
    // numeric columns give [ref] values; one-hot columns contribute too, so compare the max of
    // the numeric ones only through the min/max bounds.
    CHECK(m["SkewnessMax"] >= 0.38684992262172 - 1e-9);
    for (const auto& name : m.names()) {
        INFO(name);
        CHECK(std::isfinite(m[name]));
    }
}

TEST_CASE("missing values are imputed and counted", "[metafeatures][edge]") {
    auto d = reference_dataset();
    Matrix X = d.X();
    X(0, 0) = std::nan("");
    X(3, 3) = std::nan("");
    X(3, 1) = std::nan("");
    const data::Dataset dm("miss", X, d.y(), d.features(), d.task(), d.class_names());
    const auto m = mf::extract(dm);
    for (const auto& name : m.names()) {
        if (name.find(".sd") != std::string::npos || name == "sd_ratio") continue;
        INFO(name);
        CHECK(std::isfinite(m[name]));
    }
    mf::ExtractOptions o;
    o.feature_set = mf::FeatureSet::autosklearn;
    const auto a = mf::extract(dm, o);
    CHECK(a["NumberOfMissingValues"] == 3);
    CHECK(a["NumberOfInstancesWithMissingValues"] == 2);
    CHECK(a["NumberOfFeaturesWithMissingValues"] == 3);
    CHECK_THAT(a["PercentageOfMissingValues"], WithinRel(3.0 / 48.0, 1e-15));
}

TEST_CASE("edge cases give values or documented NaN, never an exception", "[metafeatures][edge]") {
    mf::ExtractOptions all;
    all.summaries = mf::all_summaries();
    mf::ExtractOptions ask;
    ask.feature_set = mf::FeatureSet::autosklearn;

    SECTION("a constant attribute") {
        Matrix X(10, 2);
        Vector y(10);
        for (Index i = 0; i < 10; ++i) {
            X(i, 0) = 3.0;
            X(i, 1) = static_cast<double>(i);
            y[i] = i % 2;
        }
        const data::Dataset d("const", X, y, {data::FeatureInfo::numeric("k"), data::FeatureInfo::numeric("a")},
                              data::TaskType::classification, {"a", "b"});
        const auto m = mf::extract(d, all);
        CHECK(std::isnan(m["cor.mean"]));          // the only pair has a constant column
        // The constant column's skewness is NaN: pymfe's "mean" (np.mean) and "max" propagate it,
        // its "skewness" summary drops it.
        CHECK(std::isnan(m["skewness.mean"]));
        CHECK(std::isnan(m["skewness.max"]));
        CHECK(std::isnan(m["sd_ratio"]));  // column k is constant within each class: singular covariances
        CHECK_NOTHROW(mf::extract(d, ask));
    }
    SECTION("single-class data") {
        Matrix X(6, 2);
        X << 1, 2, 2, 1, 3, 5, 4, 4, 5, 3, 6, 9;
        const Vector y = Vector::Zero(6);
        const data::Dataset d("one", X, y, {data::FeatureInfo::numeric("a"), data::FeatureInfo::numeric("b")},
                              data::TaskType::classification, {"only"});
        const auto m = mf::extract(d, all);
        CHECK(m["nr_class"] == 1);
        CHECK(m["class_ent"] == 0.0);
        CHECK(std::isnan(m["gravity"]));
        CHECK(std::isnan(m["can_cor.mean"]));
        // [ref] pymfe 0.4.4 on this table: one bin per attribute (int(6 ** (1/3)) = 1), so the
        // smoothed joint entropy is −(1 + 1e-8) log2(1 + 1e-8) and the mutual information
        // 1.4427e-8 (not 0): eq_num_attr = 0 / MI = 0, ns_ratio = (0 − MI) / MI = −1.
        CHECK(m["eq_num_attr"] == 0.0);
        CHECK_THAT(m["ns_ratio"], WithinAbs(-1.0, 1e-9));
        CHECK_THAT(m["mut_inf.mean"], WithinRel(1.4426950393345013e-08, 1e-6));
        CHECK(m["leaves"] == 1);
        CHECK(std::isnan(m["leaves_homo.mean"]));  // single leaf: tree_shape 0
        CHECK(m["best_node.mean"] == 1.0);
        CHECK(std::isnan(m["linear_discr.mean"]));  // LDA needs two classes
        CHECK_NOTHROW(mf::extract(d, ask));
    }
    SECTION("n < 10 and a single row") {
        Matrix X(1, 2);
        X << 1, 2;
        const Vector y = Vector::Zero(1);
        const data::Dataset d("tiny", X, y, {data::FeatureInfo::numeric("a"), data::FeatureInfo::numeric("b")},
                              data::TaskType::classification, {"only"});
        const auto m = mf::extract(d, all);
        CHECK(m["nr_inst"] == 1);
        CHECK(std::isnan(m["sd.mean"]));
        CHECK(std::isnan(m["best_node.mean"]));
        CHECK_NOTHROW(mf::extract(d, ask));
        const auto m5 = mf::extract(reference_dataset().subset(std::vector<Index>{0, 4, 8, 1, 5}), all);
        CHECK(m5["nr_inst"] == 5);
    }
    SECTION("p >> n") {
        Rng rng(7);
        Matrix X(8, 60);
        for (Index i = 0; i < X.rows(); ++i)
            for (Index j = 0; j < X.cols(); ++j) X(i, j) = rng.normal();
        const Vector y = (Vector(8) << 0, 1, 0, 1, 0, 1, 0, 1).finished();
        std::vector<data::FeatureInfo> f;
        for (Index j = 0; j < 60; ++j) f.push_back(data::FeatureInfo::numeric(fmt::format("f{}", j)));
        const data::Dataset d("wide", X, y, f, data::TaskType::classification, {"a", "b"});
        const auto m = mf::extract(d, all);
        CHECK(std::isnan(m["sd_ratio"]));  // singular class covariances
        CHECK_THAT(m["can_cor.mean"], WithinRel(1.0, 1e-6));  // perfect separation in 60 dimensions
        CHECK(std::isnan(m["roy_root"]));  // infinite
        CHECK(m["eigenvalues.min"] > -1e-9);
        CHECK_NOTHROW(mf::extract(d, ask));
    }
    SECTION("regression targets and no attributes") {
        Matrix X(5, 1);
        X << 1, 2, 3, 4, 5;
        const Vector y = (Vector(5) << 0.5, 1.5, 2.0, 3.5, 4.0).finished();
        const data::Dataset d("reg", X, y, {data::FeatureInfo::numeric("a")}, data::TaskType::regression);
        const auto m = mf::extract(d, all);
        CHECK(std::isnan(m["nr_class"]));
        CHECK(std::isnan(m["class_ent"]));
        CHECK(std::isnan(m["leaves"]));
        CHECK(m["nr_inst"] == 5);
        CHECK_NOTHROW(mf::extract(d, ask));
        const data::Dataset empty("none", Matrix(4, 0), Vector::Zero(4), {}, data::TaskType::classification, {"c"});
        CHECK(mf::extract(empty, all)["nr_attr"] == 0);
        CHECK_NOTHROW(mf::extract(empty, ask));
    }
}

TEST_CASE("statistical features are invariant to row order", "[metafeatures][property]") {
    const auto d = reference_dataset();
    Rng rng(3);
    const auto perm = rng.permutation(d.n_samples());
    const auto shuffled = d.subset(perm);
    mf::ExtractOptions o;
    o.groups = {mf::Group::statistical, mf::Group::info_theory, mf::Group::general};
    o.summaries = mf::all_summaries();
    const auto a = mf::extract(d, o);
    const auto b = mf::extract(shuffled, o);
    REQUIRE(a.names() == b.names());
    for (Index i = 0; i < a.size(); ++i) {
        INFO(a.names()[static_cast<std::size_t>(i)]);
        if (std::isnan(a.at(i))) CHECK(std::isnan(b.at(i)));
        else CHECK_THAT(b.at(i), WithinAbs(a.at(i), 1e-9 * (1 + std::abs(a.at(i)))));
    }
}

TEST_CASE("scale-free statistical features of columns in other units (x 1e-15, x 1e160) equal the original's",
          "[metafeatures][property]") {
    // Expected: correlations, skewness, kurtosis, canonical correlations, Wilks' lambda, the SD
    // ratio and the normality test are invariant under x -> c x for c > 0 (closed form); a column
    // is constant relative to its own magnitude, not below an absolute threshold.
    const auto d = reference_dataset();
    const auto numeric = [&](double c) {
        return data::Dataset("num", d.X().leftCols(3) * c, d.y(), {d.feature(0), d.feature(1), d.feature(2)},
                             data::TaskType::classification, d.class_names());
    };
    const auto a = only(numeric(1.0), {mf::Group::statistical});
    const std::vector<std::string> scale_free = {"skewness.mean", "skewness.sd", "kurtosis.mean", "kurtosis.sd",
                                                 "can_cor.mean",  "w_lambda",    "p_trace",       "nr_disc",
                                                 "nr_norm"};
    for (const double c : {1e-15, 1e160}) {
        const auto b = only(numeric(c), {mf::Group::statistical});
        for (const auto& name : scale_free) {
            INFO(name << " at scale " << c);
            REQUIRE_FALSE(std::isnan(a[name]));
            CHECK_THAT(b[name], WithinAbs(a[name], 1e-9 * (1 + std::abs(a[name]))));
        }
        if (c < 1) {  // a covariance of values near 1e160 overflows; of values near 1e-15 it does not
            for (const std::string name : {"cor.mean", "cor.sd", "nr_cor_attr", "sd_ratio"}) {
                INFO(name << " at scale " << c);
                CHECK_THAT(b[name], WithinAbs(a[name], 1e-9 * (1 + std::abs(a[name]))));
            }
        }
    }
}

TEST_CASE("info-theory features are invariant to monotone transforms of a column", "[metafeatures][property]") {
    const auto d = reference_dataset();
    Matrix X = d.X();
    for (Index i = 0; i < X.rows(); ++i) {
        X(i, 0) = std::exp(X(i, 0) / 3.0);
        X(i, 2) = std::pow(X(i, 2), 3.0) - 7.0;
    }
    const data::Dataset t("t", X, d.y(), d.features(), d.task(), d.class_names());
    mf::ExtractOptions o;
    o.groups = {mf::Group::info_theory};
    o.summaries = mf::all_summaries();
    const auto a = mf::extract(d, o);
    const auto b = mf::extract(t, o);
    REQUIRE(a.names() == b.names());
    for (Index i = 0; i < a.size(); ++i) {
        INFO(a.names()[static_cast<std::size_t>(i)]);
        if (std::isnan(a.at(i))) CHECK(std::isnan(b.at(i)));
        else CHECK_THAT(b.at(i), WithinAbs(a.at(i), 1e-12));
    }
}

TEST_CASE("extraction is deterministic for a seed and pays only for what is asked", "[metafeatures][options]") {
    const auto d = reference_dataset();
    mf::ExtractOptions o;
    o.seed = 42;
    const auto a = mf::extract(d, o);
    const auto b = mf::extract(d, o);
    CHECK(a.csv_row() == b.csv_row());
    mf::ExtractOptions only_cor;
    only_cor.features = {"cor", "nr_inst"};
    const auto c = mf::extract(d, only_cor);
    CHECK(c.names() == std::vector<std::string>{"cor.mean", "cor.sd", "nr_inst"});
    only_cor.features = {"nonsense"};
    CHECK_THROWS_AS(mf::extract(d, only_cor), ConfigError);
    CHECK_THROWS_AS(mf::parse_group("geometry"), ConfigError);
    CHECK(mf::parse_group("info_theory") == mf::Group::info_theory);
    CHECK(mf::parse_summary("histogram") == mf::Summary::histogram);
}

TEST_CASE("a group over its time limit reports NaN and the skipped features", "[metafeatures][options]") {
    mf::ExtractOptions o;
    o.groups = {mf::Group::statistical};
    o.time_limit_per_group = std::chrono::milliseconds(1);
    // A dataset big enough that the first statistical features take longer than 1 ms.
    Rng rng(1);
    Matrix X(3000, 40);
    for (Index i = 0; i < X.rows(); ++i)
        for (Index j = 0; j < X.cols(); ++j) X(i, j) = rng.normal();
    Vector y(3000);
    for (Index i = 0; i < 3000; ++i) y[i] = static_cast<double>(i % 3);
    std::vector<data::FeatureInfo> f;
    for (Index j = 0; j < 40; ++j) f.push_back(data::FeatureInfo::numeric(fmt::format("f{}", j)));
    const data::Dataset d("big", X, y, f, data::TaskType::classification, {"a", "b", "c"});
    const auto m = mf::extract(d, o);
    REQUIRE_FALSE(m.timed_out().empty());
    for (const auto& name : m.timed_out()) {
        INFO(name);
        CHECK(std::isnan(m.contains(name) ? m[name] : m[fmt::format("{}.mean", name)]));
    }
    CHECK(m.size() == mf::extract(d, mf::ExtractOptions{.groups = {mf::Group::statistical}}).size());
}

TEST_CASE("a time limit of centuries is no limit (its end is past the clock's range)", "[metafeatures][options]") {
    // 1e13 ms is 317 years: start + limit in nanoseconds overflowed, and every feature was
    // skipped as if the limit had expired
    Rng rng(2);
    Matrix X(60, 3);
    for (Index i = 0; i < X.rows(); ++i)
        for (Index j = 0; j < X.cols(); ++j) X(i, j) = rng.normal() + static_cast<double>((i % 2) * j);
    Vector y(60);
    for (Index i = 0; i < 60; ++i) y[i] = static_cast<double>(i % 2);
    const std::vector<data::FeatureInfo> f = {data::FeatureInfo::numeric("a"), data::FeatureInfo::numeric("b"),
                                              data::FeatureInfo::numeric("c")};
    const data::Dataset d("small", X, y, f, data::TaskType::classification, {"no", "yes"});
    const auto plain = mf::extract(d, mf::ExtractOptions{.groups = {mf::Group::general, mf::Group::statistical}});
    for (const auto limit : {std::chrono::milliseconds(10'000'000'000'000), std::chrono::milliseconds::max()}) {
        mf::ExtractOptions o{.groups = {mf::Group::general, mf::Group::statistical}};
        o.time_limit = limit;
        o.time_limit_per_group = limit;
        const auto m = mf::extract(d, o);
        CHECK(m.timed_out().empty());
        REQUIRE(m.names() == plain.names());
        const Vector a = m.values(), b = plain.values();
        for (Index k = 0; k < a.size(); ++k) CHECK(((std::isnan(a[k]) && std::isnan(b[k])) || a[k] == b[k]));
    }
}

namespace {

/// The high-cardinality reproducer, small: n rows, "name" and "id" nominal with a distinct
/// category in every row, x1 = i mod 3, x2 = i mod 5, and a 3-class target y = i mod 3.
data::Dataset unique_text_dataset(Index n) {
    std::vector<std::string> names, ids;
    for (Index i = 0; i < n; ++i) {
        names.push_back(fmt::format("name_{:03d}", i));
        ids.push_back(fmt::format("ID{:05d}", i));
    }
    Matrix X(n, 4);
    Vector y(n);
    for (Index i = 0; i < n; ++i) {
        X.row(i) << static_cast<double>(i), static_cast<double>(n - 1 - i), static_cast<double>(i % 3),
            static_cast<double>(i % 5);
        y[i] = static_cast<double>(i % 3);
    }
    return data::Dataset("ids", X, y,
                         {data::FeatureInfo::nominal("name", names), data::FeatureInfo::nominal("id", ids),
                          data::FeatureInfo::numeric("x1"), data::FeatureInfo::numeric("x2")},
                         data::TaskType::classification, {"a", "b", "c"});
}

}  // namespace

TEST_CASE("extract caps the one-hot columns of identifier attributes at max_categories and warns naming them",
          "[metafeatures][options]") {
    // 120 rows, pymfe's "gray" encoding with the cap. The first identifier attribute gives 32
    // columns (31 kept categories + "(other)"), whose column means sum to 1 (every row has exactly
    // one 1 in the block); the second drops its first kept category by name (one row), so 31
    // columns whose means sum to 1 − 1/120; x1 and x2 have means 1 and 2 (i mod 3 and i mod 5 over
    // whole cycles). Closed form of mean.mean, the mean of the q column means:
    // (1 + 2 + 1 + 1 − 1/120) / q, q = 2 + 32 + 31 = 65 with the default cap, 2 + 120 + 119 = 241
    // without.
    const auto d = unique_text_dataset(120);
    mf::ExtractOptions o;
    o.groups = {mf::Group::statistical};
    o.features = {"mean"};
    std::vector<std::string> warnings;
    o.on_warning = [&](const std::string& m) { warnings.push_back(m); };
    CHECK(o.max_categories == 32);
    CHECK_THAT(mf::extract(d, o)["mean.mean"], WithinRel((5.0 - 1.0 / 120.0) / 65.0, 1e-12));
    REQUIRE(warnings.size() == 2);
    CHECK_THAT(warnings[0], Catch::Contains("nominal attribute 'name' looks like free text or an identifier (120 "
                                            "distinct values in 120 rows)"));
    CHECK_THAT(warnings[0], Catch::Contains("keep the 31 most frequent categories and fold the other 89 into "
                                            "'name=(other)'"));
    CHECK_THAT(warnings[1], Catch::Contains("'id'"));
    o.max_categories = 0;
    CHECK_THAT(mf::extract(d, o)["mean.mean"], WithinRel((5.0 - 1.0 / 120.0) / 241.0, 1e-12));
    o.max_categories = 4;  // 3 kept + other, the second attribute without its first: q = 2 + 4 + 3 = 9
    CHECK_THAT(mf::extract(d, o)["mean.mean"], WithinRel((5.0 - 1.0 / 120.0) / 9.0, 1e-12));
    o.max_categories = 1;
    CHECK_THROWS_AS(mf::extract(d, o), ConfigError);
    o.max_categories = 32;
    o.time_limit = std::chrono::milliseconds(-1);
    CHECK_THROWS_AS(mf::extract(d, o), ConfigError);
}

TEST_CASE("every group of the capped reproducer is computed, and the tree sees the capped columns",
          "[metafeatures][options]") {
    // Same table, 90 rows: nodes_per_attr = nodes / q with q = 2 + 32 + 31 = 65 (gray encoding with
    // the cap; closed form from the definition, given the number of nodes the same extraction reports).
    const auto d = unique_text_dataset(90);
    mf::ExtractOptions o;
    const auto m = mf::extract(d, o);
    CHECK(m.timed_out().empty());
    CHECK_THAT(m["nodes_per_attr"], WithinRel(m["nodes"] / 65.0, 1e-12));
    CHECK(m["nr_cat"] == 2.0);
    CHECK(std::isfinite(m["one_nn.mean"]));
    CHECK(std::isfinite(m["linear_discr.mean"]));
}

TEST_CASE("a step that would outlast the time limit is refused or interrupted, NaN and reported",
          "[metafeatures][options]") {
    // 900 rows × 800 numeric columns (more rows than columns: the 800×800 route): the eigenvalues
    // need about 4 · 800³ ≈ 2·10⁹ flops (≥ 0.2 s at 10 Gflop/s), far over a 30 ms budget, and the
    // covariance before them ≈ 6·10⁸ flops; either
    // the covariance is interrupted between blocks or the eigen-decomposition is refused by its
    // estimate. Either way the feature is NaN, listed as timed out, and the reason is sent to the
    // warning callback.
    Rng rng(3);
    Matrix X(900, 800);
    for (Index i = 0; i < X.rows(); ++i)
        for (Index j = 0; j < X.cols(); ++j) X(i, j) = rng.normal();
    Vector y(900);
    for (Index i = 0; i < 900; ++i) y[i] = static_cast<double>(i % 2);
    std::vector<data::FeatureInfo> f;
    for (Index j = 0; j < 800; ++j) f.push_back(data::FeatureInfo::numeric(fmt::format("f{}", j)));
    const data::Dataset d("wide", X, y, f, data::TaskType::classification, {"a", "b"});
    mf::ExtractOptions o;
    o.groups = {mf::Group::statistical};
    o.features = {"eigenvalues"};
    o.time_limit = std::chrono::milliseconds(30);
    std::vector<std::string> warnings;
    o.on_warning = [&](const std::string& m) { warnings.push_back(m); };
    const auto m = mf::extract(d, o);
    REQUIRE(m.timed_out() == std::vector<std::string>{"eigenvalues"});
    CHECK(std::isnan(m["eigenvalues.mean"]));
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("by the time limit") && Catch::Contains("(feature 'eigenvalues')"));
}

TEST_CASE("MetaFeatures prints as table, JSON and CSV, and the imputer fills NaN with medians", "[metafeatures][output]") {
    mf::MetaFeatures m({"a", "b"}, {1.5, std::nan("")});
    CHECK(m.to_json() == R"({"a":1.5,"b":null})");
    CHECK(m.csv_header() == "a,b");
    CHECK(m.csv_row() == "1.5,nan");
    CHECK(m.to_table().find("1.5") != std::string::npos);
    CHECK_THROWS_AS(m["c"], ConfigError);
    CHECK_THROWS_AS(mf::MetaFeatures({"a", "a"}, {1, 2}), DataError);

    mf::MetaFeatures r2({"b", "c"}, {2.0, 3.0});
    std::vector<std::string> names;
    const Matrix Z = mf::to_matrix({m, r2}, &names);
    CHECK(names == std::vector<std::string>{"a", "b", "c"});
    CHECK(std::isnan(Z(1, 0)));
    Matrix W(3, 2);
    W << 1, std::nan(""), std::nan(""), 4, 3, 6;
    mf::MetaFeatureImputer imp;
    const Matrix F = imp.fit_transform(W);
    CHECK(F(1, 0) == 2.0);  // median of {1, 3}
    CHECK(F(0, 1) == 5.0);  // median of {4, 6}
    Matrix allnan = Matrix::Constant(2, 1, std::nan(""));
    CHECK(mf::impute_nan(allnan).isZero());
    CHECK_THROWS_AS(mf::MetaFeatureImputer().transform(W), NotFitted);
    CHECK_THROWS_AS(imp.transform(Matrix(1, 3)), DataError);
}

TEST_CASE("auto-sklearn moments and PCA features match scipy/scikit-learn on numeric data", "[metafeatures][autosklearn]") {
    // x1, x2, x3 only: standardising does not change scipy's skewness/kurtosis. [ref]
    const auto d = reference_dataset();
    const data::Dataset num("num", d.X().leftCols(3), d.y(), {d.feature(0), d.feature(1), d.feature(2)},
                            data::TaskType::classification, d.class_names());
    mf::ExtractOptions o;
    o.feature_set = mf::FeatureSet::autosklearn;
    const auto m = mf::extract(num, o);
    CHECK_THAT(m["SkewnessMin"], WithinRel(-0.11016197822841, 1e-10));
    CHECK_THAT(m["SkewnessMax"], WithinRel(0.38684992262172, 1e-10));
    CHECK_THAT(m["SkewnessMean"], WithinRel((-0.11016197822841 - 0.0824153212595577 + 0.38684992262172) / 3, 1e-10));
    CHECK_THAT(m["KurtosisMin"], WithinRel(-1.21725174844326, 1e-10));
    CHECK_THAT(m["KurtosisMax"], WithinRel(-1.1920346300593, 1e-10));
    CHECK_THAT(m["PCAFractionOfComponentsFor95PercentVariance"], WithinRel(2.0 / 3.0, 1e-12));
    CHECK_THAT(m["PCAKurtosisFirstPC"], WithinRel(-1.03427643151166, 1e-9));
    CHECK_THAT(m["PCASkewnessFirstPC"], WithinRel(0.0292062792400542, 1e-7));  // sign: scikit-learn's svd_flip
    CHECK(m["SymbolsSum"] == 0);  // no nominal attribute: auto-sklearn's 0
    CHECK(m["RatioNumericalToNominal"] == 0);
}

TEST_CASE("extract() rejects an empty dataset", "[metafeatures][extract][errors]") {
    // a default-constructed Dataset has 0 samples and 0 features: no meta-feature is defined
    REQUIRE_THROWS_AS(metafeatures::extract(data::Dataset{}), DataError);
    metafeatures::ExtractOptions as;
    as.feature_set = metafeatures::FeatureSet::autosklearn;
    REQUIRE_THROWS_WITH(metafeatures::extract(data::Dataset{}, as), Catch::Contains("empty dataset"));
}

TEST_CASE("cor does not depend on the units: the same at 1e-100 and 1e100, NaN once the covariance overflows",
          "[metafeatures][statistical]") {
    // |cor| is scale-free; √(s_ii·s_jj) overflowed beyond about 1e77 (cor 0) and underflowed
    // below 1e-77 (NaN). Reference: the unscaled dataset's own value.
    const auto ref = reference_dataset();  // its three numeric columns
    const std::vector<data::FeatureInfo> numeric(ref.features().begin(), ref.features().begin() + 3);
    const data::Dataset base("numeric", ref.X().leftCols(3), ref.y(), numeric, data::TaskType::classification,
                             ref.class_names());
    mf::ExtractOptions o;
    o.groups = {mf::Group::statistical};
    o.features = {"cor"};
    const double expected = mf::extract(base, o)["cor.mean"];
    REQUIRE(std::isfinite(expected));
    REQUIRE(expected > 0.1);
    const auto scaled = [&](double s) {
        const Matrix X = base.X() * s;
        return data::Dataset("scaled", X, base.y(), base.features(), data::TaskType::classification, base.class_names());
    };
    for (const double s : {1e-100, 1e-60, 1e80, 1e100, 1e150})
        CHECK_THAT(mf::extract(scaled(s), o)["cor.mean"], WithinRel(expected, 1e-12));
    CHECK(std::isnan(mf::extract(scaled(1e160), o)["cor.mean"]));
}
