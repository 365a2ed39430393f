#pragma once
/// @file averaging.hpp
/// @brief Fitted ensembles that average their members: `WeightedAveraging` (ŷ = Σ_k w_k f_k(x))
///        and `ModelAveraging` (uniform weights).

#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/ensemble/any_model.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace metalearn::ensemble {

/// A weighted average of fitted models: ŷ(x) = Σ_k w_k f_k(x), with w ≥ 0 and Σ w = 1.
///
/// Classifiers: the class probabilities are averaged (`predict_proba`, m×K) and `predict`
/// returns the argmax (ties → lowest class code). Regressors: the predicted values are averaged.
/// Members may be of different model types (held as `AnyModel`) but must all be classifiers or
/// all regressors. Members with weight 0 are neither fitted nor evaluated.
///
/// Cost: one virtual call per member and batch, O(M·mK) for the sum.
class WeightedAveraging {
public:
    WeightedAveraging() = default;

    /// @param members M ≥ 1 models (fitted or not; `fit` fits them).
    /// @param weights M non-negative finite weights with a positive sum; normalised to sum 1.
    /// @throws DataError on an empty member list, a weight count ≠ M, a negative or non-finite
    ///         weight, an all-zero weight vector, an empty `AnyModel`, or a mix of classifiers
    ///         and regressors.
    WeightedAveraging(std::vector<AnyModel> members, const VectorRef& weights) : members_(std::move(members)) {
        init(weights);
    }

protected:
    struct uniform_tag {};
    /// Uniform weights 1/M (for `ModelAveraging`).
    WeightedAveraging(uniform_tag, std::vector<AnyModel> members) : members_(std::move(members)) {
        const auto m = static_cast<Index>(members_.size());
        init(m == 0 ? Vector() : Vector(Vector::Constant(m, 1.0 / static_cast<double>(m))));
    }

public:
    /// Fit every member with positive weight on X n×p and y n (K declared classes for
    /// classifiers; 0 = max(y) + 1). Member m is seeded with `derive_seed(seed, {m})` if it has
    /// `set_seed`.
    /// @throws DataError for an empty ensemble; what the members' `fit` throws.
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes = 0, std::uint64_t seed = 0) {
        check_members("fit");
        for (std::size_t m = 0; m < members_.size(); ++m) {
            if (weights_[static_cast<Index>(m)] == 0.0) continue;
            members_[m].set_seed(derive_seed(seed, {static_cast<std::uint64_t>(m)}));
            members_[m].fit(X, y, n_classes);
        }
    }

    /// The weighted average of the members' `predict_matrix`: m×K probabilities or m×1 values.
    /// @throws NotFitted if a member with positive weight is not fitted; DataError if members
    ///         disagree on the output width.
    [[nodiscard]] Matrix predict_matrix(const MatrixRef& X) const {
        check_members("predict_matrix");
        Matrix out;
        for (std::size_t m = 0; m < members_.size(); ++m) {
            const double w = weights_[static_cast<Index>(m)];
            if (w == 0.0) continue;
            if (!members_[m].is_fitted())
                throw NotFitted(fmt::format("WeightedAveraging::predict_matrix(): member {} ('{}') is not fitted (call "
                                            "fit() first)",
                                            m, members_[m].name()));
            const Matrix p = members_[m].predict_matrix(X);
            if (out.size() == 0) {
                out = w * p;
            } else {
                if (p.rows() != out.rows() || p.cols() != out.cols())
                    throw DataError(fmt::format("WeightedAveraging::predict_matrix(): member {} predicts {}x{} but "
                                                "earlier members {}x{} (expected equal shapes)",
                                                m, p.rows(), p.cols(), out.rows(), out.cols()));
                out.noalias() += w * p;
            }
        }
        return out;
    }

    /// m×K averaged class probabilities. @throws ConfigError for regressors; as `predict_matrix`.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const {
        if (!is_classifier())
            throw ConfigError("WeightedAveraging::predict_proba(): the members are regressors (expected classifiers)");
        return predict_matrix(X);
    }

    /// m predictions: argmax of the averaged probabilities (classifiers) or averaged values.
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        const Matrix p = predict_matrix(X);
        if (!is_classifier()) return p.col(0);
        Vector out(p.rows());
        for (Index i = 0; i < p.rows(); ++i) {
            Index best = 0;
            for (Index k = 1; k < p.cols(); ++k)
                if (p(i, k) > p(i, best)) best = k;
            out[i] = static_cast<double>(best);
        }
        return out;
    }

    [[nodiscard]] const std::vector<AnyModel>& members() const noexcept { return members_; }
    /// M weights, w ≥ 0, Σ w = 1.
    [[nodiscard]] const Vector& weights() const noexcept { return weights_; }
    [[nodiscard]] Index size() const noexcept { return static_cast<Index>(members_.size()); }
    /// Whether the members are classifiers. @throws DataError for an empty ensemble.
    [[nodiscard]] bool is_classifier() const {
        check_members("is_classifier");
        return members_.front().is_classifier();
    }
    /// Whether every member with positive weight is fitted (false for an empty ensemble).
    [[nodiscard]] bool is_fitted() const {
        if (members_.empty()) return false;
        for (std::size_t m = 0; m < members_.size(); ++m)
            if (weights_[static_cast<Index>(m)] > 0.0 && !members_[m].is_fitted()) return false;
        return true;
    }

private:
    void init(const VectorRef& weights) {
        constexpr std::string_view where = "WeightedAveraging::WeightedAveraging()";
        if (members_.empty()) throw DataError(fmt::format("{}: no members (expected at least 1 model, got 0)", where));
        if (weights.size() != static_cast<Index>(members_.size()))
            throw DataError(fmt::format("{}: {} weights for {} members (expected equal counts)", where, weights.size(),
                                        members_.size()));
        for (Index j = 0; j < weights.size(); ++j)
            if (!std::isfinite(weights[j]) || weights[j] < 0.0)
                throw DataError(fmt::format("{}: weight {} is {} (expected a finite value >= 0)", where, j, weights[j]));
        const double total = weights.sum();
        if (!(total > 0.0)) throw DataError(fmt::format("{}: all weights are 0 (expected a positive sum)", where));
        weights_ = weights / total;
        for (std::size_t m = 0; m < members_.size(); ++m) {
            if (!members_[m].has_value())
                throw DataError(fmt::format("{}: member {} is an empty AnyModel (expected a held model)", where, m));
            if (members_[m].is_classifier() != members_.front().is_classifier())
                throw DataError(fmt::format("{}: member {} ('{}') is a {} but member 0 ('{}') a {} (expected one kind)",
                                            where, m, members_[m].name(),
                                            members_[m].is_classifier() ? "classifier" : "regressor",
                                            members_.front().name(),
                                            members_.front().is_classifier() ? "classifier" : "regressor"));
        }
    }


    void check_members(std::string_view method) const {
        if (members_.empty())
            throw DataError(fmt::format("WeightedAveraging::{}(): empty ensemble (construct it with members)", method));
    }

    std::vector<AnyModel> members_;
    Vector weights_;
};

/// Plain model averaging: a `WeightedAveraging` with w = 1/M.
class ModelAveraging : public WeightedAveraging {
public:
    ModelAveraging() = default;
    /// @throws DataError as `WeightedAveraging` (empty list, mixed kinds, empty `AnyModel`).
    explicit ModelAveraging(std::vector<AnyModel> members) : WeightedAveraging(uniform_tag{}, std::move(members)) {}
};

}  // namespace metalearn::ensemble
