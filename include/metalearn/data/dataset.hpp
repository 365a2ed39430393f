#pragma once
/// @file dataset.hpp
/// @brief `Dataset`: one supervised learning task — features, target and their description.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

namespace metalearn::data {

/// Whether the target is a class (classification) or a real value (regression).
enum class TaskType { classification, regression };

/// Whether a feature column holds real values or category codes.
enum class FeatureKind { numeric, nominal };

/// Description of one feature column.
struct FeatureInfo {
    std::string name;                     ///< column name, unique within a dataset
    FeatureKind kind = FeatureKind::numeric;
    std::vector<std::string> categories;  ///< nominal only: category names; code c ↔ categories[c]

    /// A numeric feature.
    static FeatureInfo numeric(std::string name) { return {std::move(name), FeatureKind::numeric, {}}; }
    /// A nominal feature with its declared categories.
    static FeatureInfo nominal(std::string name, std::vector<std::string> categories) {
        return {std::move(name), FeatureKind::nominal, std::move(categories)};
    }
    [[nodiscard]] bool is_nominal() const noexcept { return kind == FeatureKind::nominal; }
};

/// One supervised task: an n×p feature matrix, an n-vector target, and their description.
///
/// Invariants (checked by the constructor, which throws `DataError` naming the first violation):
/// - `X` is n×p with n ≥ 1 and p == `features.size()` (p may be 0); `y` has n entries.
/// - Numeric cells are finite or NaN (NaN = missing); ±Inf is rejected.
/// - Nominal cells hold a category code `0 ≤ c < categories.size()` as a double, or NaN.
/// - Classification: `class_names` is non-empty and every `y[i]` is an integer code in
///   `[0, class_names.size())`; missing targets are not allowed (readers drop or reject them).
/// - Regression: every `y[i]` is finite; `class_names` is empty.
/// - Feature names are unique, and so are class names.
///
/// The number of classes K is the number of *declared* classes, even if some have no sample:
/// classifiers and metrics use it so that `predict_proba` keeps its width on any fold.
class Dataset {
public:
    Dataset() = default;

    /// Build and validate a dataset.
    /// @param name        a label for messages and records (e.g. the file stem).
    /// @param X           n×p features (see the invariants above).
    /// @param y           n targets: class codes (classification) or real values (regression).
    /// @param features    p feature descriptions.
    /// @param task        classification or regression.
    /// @param class_names the K class names (classification only).
    /// @param target_name the target column's name.
    /// @throws DataError when an invariant does not hold.
    Dataset(std::string name, Matrix X, Vector y, std::vector<FeatureInfo> features, TaskType task,
            std::vector<std::string> class_names = {}, std::string target_name = "class")
        : name_(std::move(name)),
          X_(std::move(X)),
          y_(std::move(y)),
          features_(std::move(features)),
          task_(task),
          class_names_(std::move(class_names)),
          target_name_(std::move(target_name)) {
        validate();
    }

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    /// n×p feature matrix (NaN = missing; nominal columns hold category codes).
    [[nodiscard]] const Matrix& X() const noexcept { return X_; }
    /// n targets.
    [[nodiscard]] const Vector& y() const noexcept { return y_; }
    [[nodiscard]] const std::vector<FeatureInfo>& features() const noexcept { return features_; }
    [[nodiscard]] const FeatureInfo& feature(Index j) const { return features_.at(static_cast<std::size_t>(j)); }
    [[nodiscard]] TaskType task() const noexcept { return task_; }
    [[nodiscard]] bool is_classification() const noexcept { return task_ == TaskType::classification; }
    /// Declared class names (empty for regression).
    [[nodiscard]] const std::vector<std::string>& class_names() const noexcept { return class_names_; }
    [[nodiscard]] const std::string& target_name() const noexcept { return target_name_; }

    /// n, the number of samples (rows).
    [[nodiscard]] Index n_samples() const noexcept { return X_.rows(); }
    /// p, the number of features (columns).
    [[nodiscard]] Index n_features() const noexcept { return X_.cols(); }
    /// K, the number of declared classes (0 for regression).
    [[nodiscard]] Index n_classes() const noexcept { return static_cast<Index>(class_names_.size()); }

    /// Number of nominal features.
    [[nodiscard]] Index n_nominal() const noexcept {
        Index c = 0;
        for (const auto& f : features_) c += f.is_nominal() ? 1 : 0;
        return c;
    }

    /// Number of missing (NaN) cells in X.
    [[nodiscard]] Index n_missing() const noexcept { return X_.array().isNaN().count(); }

    /// Classification targets as integer codes (n). @throws DataError for regression.
    [[nodiscard]] IndexVector labels() const {
        if (!is_classification()) throw DataError("Dataset::labels(): '" + name_ + "' is a regression task");
        return y_.cast<Index>();
    }

    /// Samples per declared class (K entries, zero for an absent class). @throws DataError for regression.
    [[nodiscard]] std::vector<Index> class_counts() const {
        if (!is_classification())
            throw DataError("Dataset::class_counts(): '" + name_ + "' is a regression task");
        std::vector<Index> counts(class_names_.size(), 0);
        for (Index i = 0; i < y_.size(); ++i) ++counts[static_cast<std::size_t>(y_[i])];
        return counts;
    }

    /// Declared classes that have at least one sample (≤ K). @throws DataError for regression.
    [[nodiscard]] Index n_classes_present() const {
        Index present = 0;
        for (const Index c : class_counts()) present += c > 0 ? 1 : 0;
        return present;
    }

    /// A new dataset with the given rows (in that order; repeats allowed), same description.
    /// @throws DataError if `rows` is empty or an index is out of range.
    template <class IndexRange>
    [[nodiscard]] Dataset subset(const IndexRange& rows) const {
        const auto m = static_cast<Index>(std::size(rows));
        Matrix Xs(m, X_.cols());
        Vector ys(m);
        Index r = 0;
        for (auto idx : rows) {
            const auto i = static_cast<Index>(idx);
            if (i < 0 || i >= n_samples())
                throw DataError(fmt::format("Dataset::subset(): row {} out of range [0, {})", i, n_samples()));
            Xs.row(r) = X_.row(i);
            ys[r] = y_[i];
            ++r;
        }
        return Dataset(name_, std::move(Xs), std::move(ys), features_, task_, class_names_, target_name_);
    }

private:
    // The first repeated name in index order, with the index where that name first appears:
    // {first, repeat}, or {0, n} when the n names name(0..n-1) are distinct. O(n log n): the
    // indices sorted by (name, index) put each repeated name in one run.
    template <class Name>
    static std::pair<std::size_t, std::size_t> first_repeat(std::size_t n, Name name) {
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            const int c = name(a).compare(name(b));
            return c != 0 ? c < 0 : a < b;
        });
        std::size_t run = 0;
        std::pair<std::size_t, std::size_t> out{0, n};
        for (std::size_t i = 1; i < n; ++i) {
            if (name(order[i]) != name(order[i - 1]))
                run = i;
            else if (order[i] < out.second)
                out = {order[run], order[i]};
        }
        return out;
    }

    void validate() const {
        const auto where = [this] { return fmt::format("Dataset('{}')", name_); };
        if (X_.rows() == 0) throw DataError(where() + ": no samples (expected n >= 1, got 0 rows)");
        if (y_.size() != X_.rows())
            throw DataError(fmt::format("{}: target has {} entries but X has {} rows", where(), y_.size(), X_.rows()));
        if (static_cast<Index>(features_.size()) != X_.cols())
            throw DataError(fmt::format("{}: {} feature descriptions for {} columns", where(), features_.size(), X_.cols()));
        if (const auto [first, repeat] = first_repeat(features_.size(), [this](std::size_t j) -> const std::string& {
                return features_[j].name;
            });
            repeat < features_.size())
            throw DataError(fmt::format("{}: duplicate feature name '{}' (columns {} and {})", where(),
                                        features_[repeat].name, first, repeat));
        if (const auto [first, repeat] =
                first_repeat(class_names_.size(), [this](std::size_t c) -> const std::string& { return class_names_[c]; });
            repeat < class_names_.size())
            throw DataError(fmt::format("{}: duplicate class name '{}' (class codes {} and {})", where(),
                                        class_names_[repeat], first, repeat));
        for (Index j = 0; j < X_.cols(); ++j) {
            const auto& f = features_[static_cast<std::size_t>(j)];
            const auto k = static_cast<double>(f.categories.size());
            for (Index i = 0; i < X_.rows(); ++i) {
                const double v = X_(i, j);
                if (std::isnan(v)) continue;
                if (std::isinf(v))
                    throw DataError(fmt::format("{}: infinite value in row {}, feature '{}'", where(), i, f.name));
                if (f.is_nominal() && (v < 0 || v >= k || v != std::floor(v)))
                    throw DataError(fmt::format("{}: row {}, nominal feature '{}' holds {} (expected a code in [0, {}))",
                                                where(), i, f.name, v, f.categories.size()));
            }
        }
        if (task_ == TaskType::classification) {
            if (class_names_.empty()) throw DataError(where() + ": classification task without declared classes");
            const auto k = static_cast<double>(class_names_.size());
            for (Index i = 0; i < y_.size(); ++i) {
                const double v = y_[i];
                if (!(v >= 0 && v < k && v == std::floor(v)))
                    throw DataError(fmt::format("{}: row {} has class code {} (expected an integer in [0, {}))", where(),
                                                i, v, class_names_.size()));
            }
        } else {
            if (!class_names_.empty()) throw DataError(where() + ": regression task with class names");
            for (Index i = 0; i < y_.size(); ++i)
                if (!std::isfinite(y_[i]))
                    throw DataError(fmt::format("{}: row {} has a non-finite target {}", where(), i, y_[i]));
        }
    }

    std::string name_;
    Matrix X_;
    Vector y_;
    std::vector<FeatureInfo> features_;
    TaskType task_ = TaskType::classification;
    std::vector<std::string> class_names_;
    std::string target_name_ = "class";
};

}  // namespace metalearn::data
