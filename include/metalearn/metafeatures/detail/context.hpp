#pragma once
/// @file context.hpp
/// @brief Lazily computed quantities shared by the meta-feature groups, and the output sink that
/// applies summaries, the feature filter and the time limit (internal).

#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/preprocess.hpp"
#include "metalearn/metafeatures/detail/stats.hpp"
#include "metalearn/metafeatures/meta_features.hpp"
#include "metalearn/metafeatures/options.hpp"
#include "metalearn/metafeatures/summary.hpp"

#include <Eigen/Eigenvalues>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <string_view>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace metalearn::metafeatures::detail {

/// The time budget of one extraction: a deadline per group and one for the whole extraction.
///
/// `check` is called between the pieces of long steps and throws `Interrupted` once the deadline
/// has passed; `afford` refuses, up front, a step that cannot be interrupted when its estimated
/// time (flops / the measured speed of a 128×128 matrix product) exceeds the time left. The
/// extraction turns `Interrupted` into NaN and a `timed_out()` entry.
class Budget {
public:
    using clock = std::chrono::steady_clock;

    /// No limit.
    Budget() = default;

    /// The limits of `options` (`time_limit_per_group`, `time_limit`), starting now.
    explicit Budget(const ExtractOptions& options)
        : per_group_(options.time_limit_per_group), total_(options.time_limit), max_matrix_bytes_(options.max_matrix_bytes) {
        if (limited()) calibrate();
    }

    /// Start the clock of a new group.
    void start_group() { group_start_ = clock::now(); }

    [[nodiscard]] bool limited() const noexcept { return per_group_.count() > 0 || total_.count() > 0; }

    /// Whether the current deadline (the earlier of group and total) has passed.
    [[nodiscard]] bool expired() const { return limited() && clock::now() >= deadline(); }

    /// Seconds until the deadline (≥ 0; +inf without a limit).
    [[nodiscard]] double seconds_left() const {
        if (!limited()) return std::numeric_limits<double>::infinity();
        return std::max(0.0, std::chrono::duration<double>(deadline() - clock::now()).count());
    }

    /// @throws Interrupted if the deadline has passed.
    void check(std::string_view what) const {
        if (expired())
            throw Interrupted(fmt::format("metafeatures::extract(): {} interrupted by the time limit", what));
    }

    /// @throws Interrupted if a step of about `flops` floating-point operations would not end
    ///         before the deadline at the measured speed.
    void afford(double flops, std::string_view what) const {
        if (!limited()) return;
        const double need = flops / flops_per_second_;
        const double left = seconds_left();
        if (need > left)
            throw Interrupted(fmt::format("metafeatures::extract(): {} skipped by the time limit (estimated {:.3g} s, "
                                          "{:.3g} s left)",
                                          what, need, left));
    }

    /// Whether a matrix of `rows`×`cols` doubles is within `ExtractOptions::max_matrix_bytes`.
    [[nodiscard]] bool fits_matrix(Index rows, Index cols) const noexcept {
        return max_matrix_bytes_ == 0 ||
               8.0 * static_cast<double>(rows) * static_cast<double>(cols) <= static_cast<double>(max_matrix_bytes_);
    }

    /// @throws Interrupted if a matrix of `rows`×`cols` doubles exceeds `ExtractOptions::max_matrix_bytes`.
    void afford_matrix(Index rows, Index cols, std::string_view what) const {
        if (fits_matrix(rows, cols)) return;
        const double bytes = 8.0 * static_cast<double>(rows) * static_cast<double>(cols);
        throw Interrupted(fmt::format("metafeatures::extract(): {} skipped: its {}×{} matrix would need {:.3g} GB, "
                                      "more than ExtractOptions::max_matrix_bytes ({:.3g} GB)",
                                      what, rows, cols, bytes / 1e9, static_cast<double>(max_matrix_bytes_) / 1e9));
    }

    /// A stop callback for models (`set_stop`): true once the deadline has passed.
    [[nodiscard]] std::function<bool()> stop() const {
        if (!limited()) return {};
        return [this] { return expired(); };
    }

    /// Measured speed (flop/s) used by `afford`.
    [[nodiscard]] double flops_per_second() const noexcept { return flops_per_second_; }

private:
    [[nodiscard]] clock::time_point deadline() const {
        auto d = clock::time_point::max();
        if (per_group_.count() > 0) d = std::min(d, later(group_start_, per_group_));
        if (total_.count() > 0) d = std::min(d, later(start_, total_));
        return d;
    }

    // t + limit, or the clock's end when that is past it (a limit of centuries is no limit; the
    // plain sum would overflow the clock's nanosecond count)
    [[nodiscard]] static clock::time_point later(clock::time_point t, std::chrono::milliseconds limit) {
        const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(clock::time_point::max() - t);
        return limit >= room ? clock::time_point::max() : t + std::chrono::duration_cast<clock::duration>(limit);
    }

    void calibrate() {
        constexpr Index m = 128;
        const Matrix a = Matrix::Constant(m, m, 0.5), b = Matrix::Constant(m, m, 0.25);
        Matrix c(m, m);
        const auto t0 = clock::now();
        for (int r = 0; r < 4; ++r) {
            c.noalias() = a * b;
            c(0, 0) += static_cast<double>(r);
        }
        const double sec = std::chrono::duration<double>(clock::now() - t0).count();
        const double flops = 4.0 * 2.0 * static_cast<double>(m * m * m);
        flops_per_second_ = std::clamp(sec > 0 ? flops / sec : 1e10, 1e8, 1e11);
        if (c(0, 0) < 0) flops_per_second_ = 1e8;  // keeps the product from being optimised away
    }

    std::chrono::milliseconds per_group_{0}, total_{0};
    std::size_t max_matrix_bytes_ = 0;  // 0 = no limit (a default Budget limits nothing)
    clock::time_point start_ = clock::now();
    clock::time_point group_start_ = start_;
    double flops_per_second_ = 1e9;
};

/// Estimated cost, in flops, of a symmetric eigen-decomposition of a q×q matrix: eigenvalues only
/// (4 q³) or with eigenvectors (16 q³). Measured on Eigen 3.4's SelfAdjointEigenSolver at q = 500
/// to 1500: 3.3 q³ and 14 q³ matrix-product flops.
[[nodiscard]] inline double eigen_flops(Index q, bool vectors) {
    const auto d = static_cast<double>(q);
    return (vectors ? 16.0 : 4.0) * d * d * d;
}

/// A discretised attribute: codes 0..levels-1 per row.
struct Discrete {
    std::vector<int> codes;
    int levels = 0;
};

/// Everything the groups share, each piece computed on first use only.
///
/// - `X()`: the raw n×p attributes with missing cells imputed (numeric: column median; nominal:
///   most frequent code, ties → smallest; an all-missing column → 0), as `data::SimpleImputer`.
/// - `N()`: n×q numeric view as pymfe builds it: the numeric attributes as they are, then the
///   nominal attributes in pymfe's "gray" encoding (`gray_levels`), with the cap `max_categories`.
/// - column means, covariance (ddof = 1) and its eigenvalues, sorted columns of N;
/// - `discrete(j)`: attribute j discretised (numeric: pymfe's ⌊n^{1/3}⌋ equal-frequency bins;
///   nominal: its codes), and the class codes.
class Context {
public:
    /// @param max_categories one-hot cap of `N()` (0 = none); @param budget time budget (may be
    ///        null: no limit); it must outlive the context.
    Context(const data::Dataset& d, std::uint64_t seed, Index max_categories = 0, const Budget* budget = nullptr)
        : d_(d), seed_(seed), max_categories_(max_categories), budget_(budget ? budget : &unlimited_) {}

    /// The time budget (checks and estimates for long steps).
    [[nodiscard]] const Budget& budget() const noexcept { return *budget_; }
    /// One-hot cap of `N()`.
    [[nodiscard]] Index max_categories() const noexcept { return max_categories_; }

    [[nodiscard]] const data::Dataset& dataset() const noexcept { return d_; }
    [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }
    [[nodiscard]] Index n() const noexcept { return d_.n_samples(); }
    [[nodiscard]] Index p() const noexcept { return d_.n_features(); }
    [[nodiscard]] bool classification() const noexcept { return d_.is_classification(); }

    /// Class codes (n); empty for regression.
    [[nodiscard]] const std::vector<int>& y() {
        if (!y_) {
            y_.emplace();
            if (classification()) {
                y_->resize(static_cast<std::size_t>(n()));
                for (Index i = 0; i < n(); ++i) (*y_)[static_cast<std::size_t>(i)] = static_cast<int>(d_.y()[i]);
            }
        }
        return *y_;
    }

    /// Members per declared class (K); empty for regression.
    [[nodiscard]] const std::vector<double>& class_counts() {
        if (!counts_) {
            counts_.emplace();
            if (classification()) {
                counts_->assign(static_cast<std::size_t>(d_.n_classes()), 0.0);
                for (int c : y()) (*counts_)[static_cast<std::size_t>(c)] += 1.0;
            }
        }
        return *counts_;
    }

    /// Number of classes with at least one member (0 for regression).
    [[nodiscard]] Index n_present_classes() {
        Index k = 0;
        for (double c : class_counts()) k += c > 0 ? 1 : 0;
        return k;
    }

    /// Imputed raw attributes (n×p).
    [[nodiscard]] const Matrix& X() {
        if (!X_) {
            if (d_.n_missing() == 0) {
                X_ = d_.X();
            } else {
                data::SimpleImputer imp;
                imp.fit(d_.X(), d_.features());
                X_ = imp.transform(d_.X());
            }
        }
        return *X_;
    }

    /// Numeric view (n×q): the numeric attributes (in their order), then the nominal attributes
    /// in pymfe's "gray" encoding (see `gray_levels`).
    [[nodiscard]] const Matrix& N() {
        if (!N_) {
            if (d_.n_nominal() == 0) {
                N_ = X();
            } else {
                const Matrix& x = X();
                std::vector<Index> numeric;
                std::vector<std::vector<int>> columns_of;  // per nominal attribute: code → column or -1
                Index q = 0;
                for (Index j = 0; j < p(); ++j)
                    if (!d_.feature(j).is_nominal()) numeric.push_back(j), ++q;
                bool first = true;
                std::vector<Index> nominal;
                for (Index j = 0; j < p(); ++j) {
                    if (!d_.feature(j).is_nominal()) continue;
                    nominal.push_back(j);
                    columns_of.push_back(gray_levels(j, first, q));
                    for (int c : columns_of.back()) q = std::max<Index>(q, c + 1);
                    first = false;
                }
                Matrix out = Matrix::Zero(n(), q);
                for (std::size_t k = 0; k < numeric.size(); ++k) out.col(static_cast<Index>(k)) = x.col(numeric[k]);
                for (std::size_t k = 0; k < nominal.size(); ++k) {
                    const auto& cols = columns_of[k];
                    for (Index i = 0; i < n(); ++i) {
                        const int c = cols[static_cast<std::size_t>(x(i, nominal[k]))];
                        if (c >= 0) out(i, c) = 1.0;
                    }
                }
                N_ = std::move(out);
            }
        }
        return *N_;
    }

    /// Columns of nominal attribute j in N, pymfe's "gray" encoding (pymfe 0.4.4
    /// `_internal.transform_cat_gray`: the patsy model matrix "~ 0 + C0 + C1 + ...", Alcobaça et al.
    /// 2020): the levels present in the (imputed) column ordered by category name (byte order, as
    /// Python sorts strings); every level of the first nominal attribute gets an indicator column,
    /// every level but the first one of each later attribute (treatment coding). With the one-hot
    /// cap `max_categories` (≥ 2) and more present levels than the cap, the cap − 1 most frequent
    /// levels (ties → lower code) are kept and the others share one "(other)" level, ordered last
    /// (pymfe has no cap: only such attributes then differ from pymfe).
    /// @param first whether j is the first nominal attribute; @param next first free column of N.
    /// @return per category code, its column in N or −1 (the reference level, or absent).
    [[nodiscard]] std::vector<int> gray_levels(Index j, bool first, Index next) {
        const auto& cats = d_.feature(j).categories;
        const auto k = cats.size();
        std::vector<double> count(k, 0.0);
        const auto col = X().col(j);
        for (Index i = 0; i < n(); ++i) count[static_cast<std::size_t>(col[i])] += 1.0;
        std::vector<int> present;
        for (std::size_t c = 0; c < k; ++c)
            if (count[c] > 0) present.push_back(static_cast<int>(c));
        std::vector<int> other;  // codes merged into "(other)"
        if (max_categories_ >= 2 && static_cast<Index>(present.size()) > max_categories_) {
            std::stable_sort(present.begin(), present.end(), [&](int a, int b) {
                return count[static_cast<std::size_t>(a)] > count[static_cast<std::size_t>(b)];
            });
            other.assign(present.begin() + (max_categories_ - 1), present.end());
            present.resize(static_cast<std::size_t>(max_categories_ - 1));
        }
        std::sort(present.begin(), present.end(), [&](int a, int b) {
            return cats[static_cast<std::size_t>(a)] < cats[static_cast<std::size_t>(b)];
        });
        std::vector<int> column(k, -1);
        auto c = static_cast<int>(next);
        for (std::size_t r = 0; r < present.size(); ++r)
            if (first || r > 0) column[static_cast<std::size_t>(present[r])] = c++;
        if (!other.empty())
            for (int o : other) column[static_cast<std::size_t>(o)] = c;
        return column;
    }

    /// Column means of N (q).
    [[nodiscard]] const Vector& means() {
        if (!means_) means_ = N().colwise().mean().transpose();
        return *means_;
    }

    /// Sample covariance of N (q×q, ddof = 1); all NaN when n < 2. Computed by blocks of columns
    /// between which the budget is checked (O(n q²)). @throws Interrupted past the deadline, or
    /// when q×q doubles exceed `ExtractOptions::max_matrix_bytes`.
    [[nodiscard]] const Matrix& cov() {
        if (!cov_) {
            const Index q = N().cols();
            if (q == 0) {
                cov_ = Matrix(0, 0);
            } else if (n() < 2) {
                cov_ = Matrix::Constant(q, q, nan);
            } else {
                budget_->afford_matrix(q, q, "the covariance matrix");
                const Matrix c = N().rowwise() - means().transpose();
                Matrix s(q, q);
                const double cost = static_cast<double>(n()) * static_cast<double>(q) * static_cast<double>(q);
                if (cost < 5e7) {
                    s.setZero();
                    s.selfadjointView<Eigen::Lower>().rankUpdate(c.transpose());
                    s = s.selfadjointView<Eigen::Lower>();
                } else {
                    // Lower triangle by blocks of about 1e8 flops: S[j0:, J] = C[:, j0:]ᵀ C[:, J].
                    const Index width = std::clamp<Index>(
                        static_cast<Index>(5e7 / (static_cast<double>(n()) * static_cast<double>(q))), 1, q);
                    for (Index j0 = 0; j0 < q; j0 += width) {
                        budget_->check("the covariance matrix");
                        const Index w = std::min(width, q - j0);
                        s.block(j0, j0, q - j0, w).noalias() = c.rightCols(q - j0).transpose() * c.middleCols(j0, w);
                    }
                    s.triangularView<Eigen::StrictlyUpper>() = s.transpose();
                }
                s /= static_cast<double>(n() - 1);
                cov_ = std::move(s);
            }
        }
        return *cov_;
    }

    /// Sample variance (ddof = 1) of column `j` of N; NaN when n < 2. The covariance's diagonal
    /// when the covariance is computed, or the table has at most 2,000 columns and the covariance
    /// fits `ExtractOptions::max_matrix_bytes`; otherwise from the column alone, so that per-column
    /// features never build the q×q matrix.
    [[nodiscard]] double column_variance(Index j) {
        const Index q = N().cols();
        if (cov_ || (q <= 2000 && budget_->fits_matrix(q, q))) return cov()(j, j);
        if (n() < 2) return nan;
        return (N().col(j).array() - means()[j]).square().sum() / static_cast<double>(n() - 1);
    }

    /// Eigenvalues of the covariance, ascending (q); NaN when n < 2 or the solver fails.
    /// @throws Interrupted when the decomposition (≈ 4 q³ flops) would not end before the deadline.
    [[nodiscard]] const Vector& cov_eigenvalues() {
        if (!eigval_) {
            const Matrix& c = cov();
            const Index q = c.cols();
            if (q == 0 || n() < 2) {
                eigval_ = Vector::Constant(q, nan);
            } else {
                const Index m = n();
                if (m < q && c.allFinite()) {
                    // Wide data: the covariance CᵀC/(n−1) (C = centred N, n×q) has rank < n; its
                    // nonzero eigenvalues are those of the n×n Gram matrix CCᵀ/(n−1), the other
                    // q − n are 0. O(n²·q + n³) instead of O(q³).
                    budget_->afford(static_cast<double>(m) * static_cast<double>(m) * static_cast<double>(q) +
                                        eigen_flops(m, false),
                                    "the eigenvalues of the covariance matrix");
                    const Matrix C = N().rowwise() - means().transpose();
                    Matrix G = Matrix::Zero(m, m);
                    G.selfadjointView<Eigen::Lower>().rankUpdate(C, 1.0 / static_cast<double>(m - 1));
                    G.triangularView<Eigen::StrictlyUpper>() = G.transpose();
                    Eigen::SelfAdjointEigenSolver<Matrix> es(G, Eigen::EigenvaluesOnly);
                    if (es.info() == Eigen::Success) {
                        eigval_ = Vector::Zero(q);
                        eigval_->tail(m) = es.eigenvalues();
                    } else {
                        eigval_ = Vector::Constant(q, nan);
                    }
                } else {
                    budget_->afford(eigen_flops(q, false), "the eigenvalues of the covariance matrix");
                    Eigen::SelfAdjointEigenSolver<Matrix> es(c, Eigen::EigenvaluesOnly);
                    eigval_ = es.info() == Eigen::Success ? Vector(es.eigenvalues()) : Vector::Constant(q, nan);
                }
            }
        }
        return *eigval_;
    }

    /// Column j of N sorted ascending.
    [[nodiscard]] const std::vector<double>& sorted_column(Index j) {
        if (sorted_.empty()) sorted_.resize(static_cast<std::size_t>(N().cols()));
        auto& s = sorted_[static_cast<std::size_t>(j)];
        if (!s) {
            s.emplace(N().col(j).data(), N().col(j).data() + n());
            sort_values(*s);
        }
        return *s;
    }

    /// Numeric attribute j (raw index) sorted ascending: `sorted_column` of its column in N (N holds
    /// the numeric attributes first, in their order, with X's values). Requires attribute j numeric.
    [[nodiscard]] const std::vector<double>& sorted_numeric_attribute(Index j) {
        if (numeric_rank_.empty()) {
            numeric_rank_.assign(static_cast<std::size_t>(p()), -1);
            Index k = 0;
            for (Index i = 0; i < p(); ++i)
                if (!d_.feature(i).is_nominal()) numeric_rank_[static_cast<std::size_t>(i)] = k++;
        }
        return sorted_column(numeric_rank_[static_cast<std::size_t>(j)]);
    }

    /// Attribute j (raw index) discretised for the information-theoretic features, as pymfe's
    /// `transform_num` (pymfe 0.4.4 `_internal._equal_freq_discretization`; Alcobaça et al. 2020).
    ///
    /// Numeric: B = ⌊n^{1/3}⌋ computed in floating point as pymfe does (`int(n ** (1/3))`, so 9 bins
    /// for n = 1000, at least 1); the cut points are the k/B quantiles for k = 1..B (linear
    /// interpolation; the last is the maximum); a cut point within 1e-8 of the previous (unfiltered)
    /// one is dropped; a value gets the number of cut points strictly below it (numpy
    /// `digitize(right=True)`: bins closed on the right). Only the order of the values matters.
    /// Nominal: the category codes themselves.
    [[nodiscard]] const Discrete& discrete(Index j) {
        if (disc_.empty()) disc_.resize(static_cast<std::size_t>(p()));
        auto& out = disc_[static_cast<std::size_t>(j)];
        if (out) return *out;
        out.emplace();
        const auto nn = static_cast<std::size_t>(n());
        out->codes.resize(nn);
        const auto col = X().col(j);
        if (d_.feature(j).is_nominal()) {
            int levels = 0;
            for (std::size_t i = 0; i < nn; ++i) {
                out->codes[i] = static_cast<int>(col[static_cast<Index>(i)]);
                levels = std::max(levels, out->codes[i] + 1);
            }
            out->levels = std::max(levels, static_cast<int>(d_.feature(j).categories.size()));
            return *out;
        }
        // The sorted values: N's sorted column when N exists (the statistical features built it),
        // else a sorted copy (building N for this alone would cost more than the sort).
        std::vector<double> own;
        if (!N_) {
            own.assign(col.data(), col.data() + n());
            sort_values(own);
        }
        const std::vector<double>& s = N_ ? sorted_numeric_attribute(j) : own;
        const Index bins = pymfe_bins(n());
        std::vector<double> raw, edges;
        raw.reserve(static_cast<std::size_t>(bins));
        // numpy's linspace(0, 1, B + 1)[1:]: k · (1/B), the last exactly 1.
        const double step = 1.0 / static_cast<double>(bins);
        for (Index k = 1; k <= bins; ++k)
            raw.push_back(numpy_linear_quantile(s, k == bins ? 1.0 : static_cast<double>(k) * step));
        for (std::size_t k = 0; k < raw.size(); ++k)
            if (k == 0 || raw[k] - raw[k - 1] > 1e-8) edges.push_back(raw[k]);
        edges.erase(std::unique(edges.begin(), edges.end()), edges.end());  // already ascending
        // Values above the last edge (the maximum's edge dropped as within 1e-8 of the one before:
        // tiny-scale attributes) get code edges.size(), as numpy's digitize gives them: one level more.
        int levels = static_cast<int>(edges.size());
        for (std::size_t i = 0; i < nn; ++i) {
            const double v = col[static_cast<Index>(i)];
            out->codes[i] = static_cast<int>(std::lower_bound(edges.begin(), edges.end(), v) - edges.begin());
            levels = std::max(levels, out->codes[i] + 1);
        }
        out->levels = levels;
        return *out;
    }

    /// pymfe's number of equal-frequency bins for n rows: `int(n ** (1/3))` in double precision
    /// (one less than the exact cube root for most perfect cubes: 3 for n = 64, 9 for n = 1000), at
    /// least 1.
    [[nodiscard]] static Index pymfe_bins(Index n) {
        return std::max<Index>(1, static_cast<Index>(std::pow(static_cast<double>(n), 1.0 / 3.0)));
    }

private:
    static inline const Budget unlimited_{};

    const data::Dataset& d_;
    std::uint64_t seed_;
    Index max_categories_ = 0;
    const Budget* budget_;
    std::optional<std::vector<int>> y_;
    std::optional<std::vector<double>> counts_;
    std::optional<Matrix> X_, N_, cov_;
    std::optional<Vector> means_, eigval_;
    std::vector<std::optional<std::vector<double>>> sorted_;
    std::vector<Index> numeric_rank_;  // per attribute: its column in N when numeric, else −1
    std::vector<std::optional<Discrete>> disc_;
};

/// Collects the values of one extraction: applies the feature filter, the summaries of
/// multi-valued features and the time budget (a feature whose computation throws `Interrupted` is
/// NaN and listed as timed out; the message goes to the warning callback).
class Sink {
public:
    Sink(const ExtractOptions& options, Budget& budget) : options_(options), budget_(budget) {}

    /// Start the clock of a new group.
    void start_group() { budget_.start_group(); }

    /// Whether the current group has exhausted its budget.
    [[nodiscard]] bool expired() const { return budget_.expired(); }

    /// Whether the options ask for this base feature.
    [[nodiscard]] bool wanted(const std::string& name) const {
        if (options_.features.empty()) return true;
        return std::find(options_.features.begin(), options_.features.end(), name) != options_.features.end();
    }

    /// A single-valued feature: `compute()` returns a double.
    template <class F>
    void single(const std::string& name, F&& compute) {
        if (!wanted(name)) return;
        if (expired()) {
            out_.emplace_back(name, nan);
            skipped(name);
            return;
        }
        double v = nan;
        try {
            v = static_cast<double>(compute());
        } catch (const Interrupted& e) {
            interrupted(name, e);
        }
        out_.emplace_back(name, v);
    }

    /// A multi-valued feature: `compute()` returns std::vector<double>; the summaries are applied.
    template <class F>
    void multi(const std::string& name, F&& compute) {
        if (!wanted(name)) return;
        std::vector<double> values;
        if (expired()) {
            skipped(name);
        } else {
            try {
                values = compute();
            } catch (const Interrupted& e) {
                values.clear();
                interrupted(name, e);
            }
        }
        emit_summaries(name, values);
    }

    /// Emit the summaries of precomputed values (used when a group computes several at once).
    void emit_summaries(const std::string& name, const std::vector<double>& values) {
        for (Summary s : options_.summaries) {
            const auto v = summarize(values, s);
            const auto suffixes = summary_suffixes(s);
            for (std::size_t i = 0; i < v.size(); ++i) out_.emplace_back(name + "." + suffixes[i], v[i]);
        }
    }

    /// Record a feature as skipped by the time limit (its values are emitted NaN by the caller).
    void mark_timed_out(const std::string& name) { skipped(name); }

    /// Finish: sort by name (pymfe's order) and build the result.
    [[nodiscard]] MetaFeatures finish(bool sort_names = true) {
        if (sort_names)
            std::stable_sort(out_.begin(), out_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        MetaFeatures mf;
        for (auto& [name, value] : out_) mf.add(name, value);
        for (auto& t : timed_out_) mf.add_timed_out(t);
        return mf;
    }

    [[nodiscard]] const ExtractOptions& options() const noexcept { return options_; }

private:
    /// A feature not started because the time limit had expired: listed and reported.
    void skipped(const std::string& name) {
        timed_out_.push_back(name);
        if (options_.on_warning)
            options_.on_warning(fmt::format(
                "metafeatures::extract(): skipped by the time limit, which had expired before it started (feature '{}')",
                name));
    }

    void interrupted(const std::string& name, const Interrupted& e) {
        timed_out_.push_back(name);
        if (options_.on_warning) options_.on_warning(fmt::format("{} (feature '{}')", e.what(), name));
    }

    const ExtractOptions& options_;
    Budget& budget_;
    std::vector<std::pair<std::string, double>> out_;
    std::vector<std::string> timed_out_;
};

}  // namespace metalearn::metafeatures::detail
