#pragma once
/// @file context.hpp
/// @brief Lazily computed quantities shared by the meta-feature groups, and the output sink that
/// applies summaries, the feature filter and the time limit (internal).

#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/preprocess.hpp"
#include "metalearn/metafeatures/detail/stats.hpp"
#include "metalearn/metafeatures/meta_features.hpp"
#include "metalearn/metafeatures/options.hpp"
#include "metalearn/metafeatures/summary.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace metalearn::metafeatures::detail {

/// A discretised attribute: codes 0..levels-1 per row.
struct Discrete {
    std::vector<int> codes;
    int levels = 0;
};

/// Everything the groups share, each piece computed on first use only.
///
/// - `X()`: the raw n×p attributes with missing cells imputed (numeric: column median; nominal:
///   most frequent code, ties → smallest; an all-missing column → 0), as `data::SimpleImputer`.
/// - `N()`: n×q numeric view: numeric attributes as they are, each nominal attribute one-hot
///   encoded over its declared categories (in place), as `data::OneHotEncoder`.
/// - column means, covariance (ddof = 1) and its eigen-decomposition, sorted columns of N;
/// - `discrete(j)`: attribute j discretised (numeric: ⌊n^{1/3}⌋ equal-frequency bins; nominal:
///   its codes), and the class codes.
class Context {
public:
    Context(const data::Dataset& d, std::uint64_t seed) : d_(d), seed_(seed) {}

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

    /// Numeric view (n×q): numeric attributes plus one-hot nominal attributes.
    [[nodiscard]] const Matrix& N() {
        if (!N_) {
            if (d_.n_nominal() == 0) {
                N_ = X();
            } else {
                data::OneHotEncoder enc;
                enc.fit(d_.features());
                N_ = enc.transform(X());
            }
        }
        return *N_;
    }

    /// Column means of N (q).
    [[nodiscard]] const Vector& means() {
        if (!means_) means_ = N().colwise().mean().transpose();
        return *means_;
    }

    /// Sample covariance of N (q×q, ddof = 1); all NaN when n < 2.
    [[nodiscard]] const Matrix& cov() {
        if (!cov_) {
            const Index q = N().cols();
            if (q == 0) {
                cov_ = Matrix(0, 0);
            } else if (n() < 2) {
                cov_ = Matrix::Constant(q, q, nan);
            } else {
                const Matrix c = N().rowwise() - means().transpose();
                Matrix s(q, q);
                s.setZero();
                s.selfadjointView<Eigen::Lower>().rankUpdate(c.transpose());
                cov_ = s.selfadjointView<Eigen::Lower>();
                *cov_ /= static_cast<double>(n() - 1);
            }
        }
        return *cov_;
    }

    /// Eigenvalues of the covariance, ascending (q); NaN when n < 2.
    [[nodiscard]] const Vector& cov_eigenvalues() {
        if (!eigval_) compute_cov_eigen();
        return *eigval_;
    }
    /// Eigenvectors of the covariance (q×q, columns match `cov_eigenvalues`).
    [[nodiscard]] const Matrix& cov_eigenvectors() {
        if (!eigvec_) compute_cov_eigen();
        return *eigvec_;
    }

    /// Column j of N sorted ascending.
    [[nodiscard]] const std::vector<double>& sorted_column(Index j) {
        if (sorted_.empty()) sorted_.resize(static_cast<std::size_t>(N().cols()));
        auto& s = sorted_[static_cast<std::size_t>(j)];
        if (!s) {
            s.emplace(N().col(j).data(), N().col(j).data() + n());
            std::sort(s->begin(), s->end());
        }
        return *s;
    }

    /// Attribute j (raw index) discretised for the information-theoretic features.
    ///
    /// Numeric: B = ⌊n^{1/3}⌋ (exact integer cube root, at least 1) equal-frequency bins; the
    /// inner edges are the k/B quantiles (linear interpolation), duplicates removed, and a value
    /// goes to the bin = number of inner edges ≤ value (scikit-learn's KBinsDiscretizer
    /// "quantile" rule). Only the order of the values matters, so the result is invariant under
    /// strictly increasing transforms. Nominal: the category codes themselves.
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
        std::vector<double> s(col.data(), col.data() + n());
        std::sort(s.begin(), s.end());
        const Index bins = std::max<Index>(1, integer_cube_root(n()));
        std::vector<double> edges;
        for (Index k = 1; k < bins; ++k) {
            const double e = sorted_quantile(s, static_cast<double>(k) / static_cast<double>(bins));
            if (edges.empty() || e > edges.back()) edges.push_back(e);
        }
        // Drop edges equal to the minimum: they would create an empty first bin.
        while (!edges.empty() && edges.front() <= s.front()) edges.erase(edges.begin());
        for (std::size_t i = 0; i < nn; ++i) {
            const double v = col[static_cast<Index>(i)];
            out->codes[i] = static_cast<int>(std::upper_bound(edges.begin(), edges.end(), v) - edges.begin());
        }
        out->levels = static_cast<int>(edges.size()) + 1;
        return *out;
    }

private:
    void compute_cov_eigen() {
        const Matrix& c = cov();
        const Index q = c.cols();
        if (q == 0 || n() < 2) {
            eigval_ = Vector::Constant(q, nan);
            eigvec_ = Matrix::Constant(q, q, nan);
            return;
        }
        Eigen::SelfAdjointEigenSolver<Matrix> es(c);
        if (es.info() != Eigen::Success) {
            eigval_ = Vector::Constant(q, nan);
            eigvec_ = Matrix::Constant(q, q, nan);
            return;
        }
        eigval_ = es.eigenvalues();
        eigvec_ = es.eigenvectors();
    }

    const data::Dataset& d_;
    std::uint64_t seed_;
    std::optional<std::vector<int>> y_;
    std::optional<std::vector<double>> counts_;
    std::optional<Matrix> X_, N_, cov_, eigvec_;
    std::optional<Vector> means_, eigval_;
    std::vector<std::optional<std::vector<double>>> sorted_;
    std::vector<std::optional<Discrete>> disc_;
};

/// Collects the values of one extraction: applies the feature filter, the summaries of
/// multi-valued features and the per-group time limit.
class Sink {
public:
    using clock = std::chrono::steady_clock;

    Sink(const ExtractOptions& options) : options_(options) {}

    /// Start the clock of a new group.
    void start_group() { start_ = clock::now(); }

    /// Whether the current group has exhausted its budget.
    [[nodiscard]] bool expired() const {
        return options_.time_limit_per_group.count() > 0 &&
               clock::now() - start_ >= options_.time_limit_per_group;
    }

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
            timed_out_.push_back(name);
            return;
        }
        out_.emplace_back(name, static_cast<double>(compute()));
    }

    /// A multi-valued feature: `compute()` returns std::vector<double>; the summaries are applied.
    template <class F>
    void multi(const std::string& name, F&& compute) {
        if (!wanted(name)) return;
        std::vector<double> values;
        if (expired()) timed_out_.push_back(name);
        else values = compute();
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
    void mark_timed_out(const std::string& name) { timed_out_.push_back(name); }

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
    const ExtractOptions& options_;
    clock::time_point start_ = clock::now();
    std::vector<std::pair<std::string, double>> out_;
    std::vector<std::string> timed_out_;
};

}  // namespace metalearn::metafeatures::detail
