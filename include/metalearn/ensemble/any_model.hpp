#pragma once
/// @file any_model.hpp
/// @brief `AnyModel`: a type-erased holder for any `models::BaseModel`, so that an ensemble can
///        mix model types (a random forest, a logistic regression and a k-NN in one vector).
///
/// Cost of the erasure: one virtual call per `fit` / `predict` / `predict_proba` batch (never
/// per sample), and one heap allocation per held model (at construction and at each copy, which
/// deep-copies the model). Moves are free.

#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/split.hpp"
#include "metalearn/hpo/cross_validate.hpp"
#include "metalearn/hpo/metrics.hpp"
#include "metalearn/models/base_model.hpp"

#include <fmt/format.h>

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace metalearn::ensemble {

class AnyModel;

namespace detail {

template <class M>
concept Seedable = requires(M m) { m.set_seed(std::uint64_t{}); };

template <class M>
concept Describable = requires(const M& m) {
    { M::search_space().to_string(m.params()) } -> std::convertible_to<std::string>;
};

/// The virtual interface behind `AnyModel`.
struct ModelConcept {
    virtual ~ModelConcept() = default;
    [[nodiscard]] virtual std::unique_ptr<ModelConcept> clone() const = 0;
    [[nodiscard]] virtual std::string_view name() const = 0;
    [[nodiscard]] virtual std::string describe() const = 0;
    [[nodiscard]] virtual bool is_classifier() const = 0;
    [[nodiscard]] virtual bool is_fitted() const = 0;
    [[nodiscard]] virtual Index n_classes() const = 0;
    virtual void set_seed(std::uint64_t seed) = 0;
    virtual void fit(const MatrixRef& X, const VectorRef& y, Index n_classes) = 0;
    [[nodiscard]] virtual Vector predict(const MatrixRef& X) const = 0;
    [[nodiscard]] virtual Matrix predict_matrix(const MatrixRef& X) const = 0;
    [[nodiscard]] virtual hpo::CvResult cross_validate(const data::Dataset& dataset, const std::vector<data::Fold>& folds,
                                                       hpo::Metric metric, std::uint64_t seed,
                                                       const hpo::CvOptions& options) const = 0;
};

template <models::BaseModel M>
struct ModelHolder final : ModelConcept {
    explicit ModelHolder(M m) : model(std::move(m)) {}
    [[nodiscard]] std::unique_ptr<ModelConcept> clone() const override { return std::make_unique<ModelHolder>(*this); }
    [[nodiscard]] std::string_view name() const override { return M::name; }
    [[nodiscard]] std::string describe() const override {
        if constexpr (Describable<M>) {
            const std::string p = M::search_space().to_string(model.params());
            return p.empty() ? std::string(M::name) : fmt::format("{}({})", M::name, p);
        } else {
            return std::string(M::name);
        }
    }
    [[nodiscard]] bool is_classifier() const override { return models::Classifier<M>; }
    [[nodiscard]] bool is_fitted() const override { return model.is_fitted(); }
    [[nodiscard]] Index n_classes() const override {
        if constexpr (models::Classifier<M>) return model.n_classes();
        else return 0;
    }
    void set_seed(std::uint64_t seed) override {
        if constexpr (Seedable<M>) model.set_seed(seed);
        else (void)seed;
    }
    void fit(const MatrixRef& X, const VectorRef& y, Index k) override {
        if constexpr (models::Classifier<M>) {
            if (k > 0) model.fit(X, y, k);
            else model.fit(X, y);
        } else {
            (void)k;
            model.fit(X, y);
        }
    }
    [[nodiscard]] Vector predict(const MatrixRef& X) const override { return model.predict(X); }
    [[nodiscard]] Matrix predict_matrix(const MatrixRef& X) const override {
        if constexpr (models::Classifier<M>) return model.predict_proba(X);
        else return Matrix(model.predict(X));
    }
    [[nodiscard]] hpo::CvResult cross_validate(const data::Dataset& dataset, const std::vector<data::Fold>& folds,
                                               hpo::Metric metric, std::uint64_t seed,
                                               const hpo::CvOptions& options) const override {
        return hpo::cross_validate(model, model.params(), dataset, folds, metric, seed, options);
    }
    M model;
};

}  // namespace detail

/// A copyable, type-erased holder for any `models::BaseModel` (classifier or regressor).
///
/// `AnyModel(models::RandomForestClassifier({.n_estimators = 200}))` keeps the model with its
/// hyperparameters; `fit` / `predict` / `predict_proba` forward to it through one virtual call
/// per batch. `predict_matrix` gives the uniform view ensembles average: m×K class
/// probabilities for a classifier, the m×1 predicted values for a regressor.
/// Copying deep-copies the held model (one heap allocation); moving is free.
/// A default-constructed `AnyModel` is empty: every call except `has_value()` throws `ConfigError`.
class AnyModel {
public:
    AnyModel() = default;

    /// Hold a copy of `model` (with its current hyperparameters and fitted state).
    /// @tparam M a `models::BaseModel`.
    /// (The self-exclusion is checked first so that testing the concept on `AnyModel` itself
    /// does not recurse through this constructor.)
    template <class M>
        requires(!std::same_as<std::remove_cvref_t<M>, AnyModel> && models::BaseModel<M>)
    explicit AnyModel(M model) : impl_(std::make_unique<detail::ModelHolder<M>>(std::move(model))) {}

    AnyModel(const AnyModel& other) : impl_(other.impl_ ? other.impl_->clone() : nullptr) {}
    AnyModel(AnyModel&&) noexcept = default;
    AnyModel& operator=(const AnyModel& other) {
        if (this != &other) impl_ = other.impl_ ? other.impl_->clone() : nullptr;
        return *this;
    }
    AnyModel& operator=(AnyModel&&) noexcept = default;
    ~AnyModel() = default;

    /// Whether a model is held.
    [[nodiscard]] bool has_value() const noexcept { return impl_ != nullptr; }
    /// The held model's `M::name`, e.g. "random_forest_classifier".
    [[nodiscard]] std::string_view name() const { return get("name").name(); }
    /// Name and hyperparameters, e.g. "ridge(alpha=0.1, fit_intercept=true)" (the name alone
    /// when the model's search space cannot print its parameters).
    [[nodiscard]] std::string describe() const { return get("describe").describe(); }
    /// Whether the held model is a `models::Classifier`.
    [[nodiscard]] bool is_classifier() const { return get("is_classifier").is_classifier(); }
    [[nodiscard]] bool is_fitted() const { return get("is_fitted").is_fitted(); }
    /// K of a fitted classifier, 0 for a regressor.
    [[nodiscard]] Index n_classes() const { return get("n_classes").n_classes(); }

    /// Seed the held model if it has `set_seed` (trees, forests, MLPs); no effect otherwise.
    void set_seed(std::uint64_t seed) { get("set_seed").set_seed(seed); }

    /// Fit on X n×p (numeric, no missing values) and y n. A classifier with `n_classes` > 0 is
    /// fitted with K = `n_classes` declared classes (`fit(X, y, K)`); otherwise `fit(X, y)`.
    /// @throws what the held model's `fit` throws.
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes = 0) { get("fit").fit(X, y, n_classes); }

    /// m predictions (class codes or values). @throws NotFitted before `fit`.
    [[nodiscard]] Vector predict(const MatrixRef& X) const { return get("predict").predict(X); }

    /// m×K class probabilities. @throws ConfigError for a regressor; NotFitted before `fit`.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const {
        const auto& m = get("predict_proba");
        if (!m.is_classifier())
            throw ConfigError(fmt::format("AnyModel::predict_proba(): '{}' is a regressor (expected a classifier)",
                                          m.name()));
        return m.predict_matrix(X);
    }

    /// m×K probabilities (classifier) or the m×1 predicted values (regressor).
    [[nodiscard]] Matrix predict_matrix(const MatrixRef& X) const { return get("predict_matrix").predict_matrix(X); }

    /// `hpo::cross_validate` of the held model with its current hyperparameters (dispatched to
    /// the concrete type, so the folds, preprocessing and seeding are exactly those of
    /// `hpo::cross_validate`).
    [[nodiscard]] hpo::CvResult cross_validate(const data::Dataset& dataset, const std::vector<data::Fold>& folds,
                                               hpo::Metric metric, std::uint64_t seed,
                                               const hpo::CvOptions& options = {}) const {
        return get("cross_validate").cross_validate(dataset, folds, metric, seed, options);
    }

    /// The held model if it is an `M`, else nullptr (like `std::function::target`).
    template <models::BaseModel M>
    [[nodiscard]] const M* target() const noexcept {
        const auto* h = dynamic_cast<const detail::ModelHolder<M>*>(impl_.get());
        return h ? &h->model : nullptr;
    }

private:
    [[nodiscard]] detail::ModelConcept& get(std::string_view method) {
        if (!impl_) throw ConfigError(fmt::format("AnyModel::{}(): empty AnyModel (expected a held model)", method));
        return *impl_;
    }
    [[nodiscard]] const detail::ModelConcept& get(std::string_view method) const {
        if (!impl_) throw ConfigError(fmt::format("AnyModel::{}(): empty AnyModel (expected a held model)", method));
        return *impl_;
    }

    std::unique_ptr<detail::ModelConcept> impl_;
};

/// Wrap each configuration of one model type: `make_candidates(prototype, configs)[i]` holds a
/// copy of `prototype` with `set_params(configs[i])`.
/// @throws ConfigError from `set_params` for an invalid configuration.
template <models::BaseModel M>
[[nodiscard]] std::vector<AnyModel> make_candidates(const M& prototype, const std::vector<typename M::params_type>& configs) {
    std::vector<AnyModel> out;
    out.reserve(configs.size());
    for (const auto& c : configs) {
        M m = prototype;
        m.set_params(c);
        out.emplace_back(std::move(m));
    }
    return out;
}

}  // namespace metalearn::ensemble
