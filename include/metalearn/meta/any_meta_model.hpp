#pragma once
/// @file any_meta_model.hpp
/// @brief `AnyMetaModel`: a meta-model whose type is chosen at run time (type erasure).
///
/// `MetaLearner<Model, MM>` and `HyperparameterPredictor<MM>` are templates on the meta-model, so
/// a program that lets its user pick one of k meta-models for one of m base models compiles m·k
/// outer loops. With `MM = AnyMetaModel` it compiles m; the meta-model's calls (a fit and a few
/// predictions per task, each O(n d) or more) go through one virtual call, which costs nothing
/// measurable. The files it writes are those of the meta-model it holds.
/// @code
/// meta::AnyMetaModel mm = use_ridge ? meta::AnyMetaModel(meta::RidgeMetaModel({.alpha = 10}))
///                                   : meta::AnyMetaModel(meta::RandomForestMetaModel());
/// meta::MetaLearner<models::DecisionTreeClassifier, meta::AnyMetaModel> learner(store, opts, {}, mm);
/// @endcode

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/meta/gaussian_process.hpp"
#include "metalearn/meta/knn_meta_model.hpp"
#include "metalearn/meta/meta_model.hpp"
#include "metalearn/meta/mlp_meta_model.hpp"
#include "metalearn/meta/random_forest_meta_model.hpp"
#include "metalearn/meta/ridge_meta_model.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/detail/validation.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <concepts>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace metalearn::meta {

namespace detail {
/// The calls of a meta-model, without `MetaModel`'s copyability test.
template <class M>
concept MetaModelShape = requires(M m, const M cm, const MatrixRef& Z, const VectorRef& s) {
    m.fit(Z, s);
    cm.predict(Z);
};
}  // namespace detail

/// A `MetaModel` holding any other `MetaModel` by value (deep copies; copying an `AnyMetaModel`
/// copies the model it holds, fitted state included). Default-constructed, it holds a
/// `RandomForestMetaModel` with default parameters, the meta-model `MetaLearner` uses by default.
///
/// `predict_std` exists on every `AnyMetaModel` (so `MetaModelWithStd<AnyMetaModel>` holds);
/// `has_std()` says whether the held model has one, and `HyperparameterPredictor` uses its
/// training RMSE instead when it has not, as it does for such a model held directly.
class AnyMetaModel {
public:
    /// A `RandomForestMetaModel` with default parameters.
    AnyMetaModel() : AnyMetaModel(RandomForestMetaModel()) {}

    /// Hold `model` (moved in). Any `MetaModel` type, including user-defined ones; `from_json`
    /// reads back only the library's meta-models.
    /// (The cheap shape test comes first: `MetaModel` asks whether M is copyable, and for a class
    /// that holds an `AnyMetaModel`, such as `HyperparameterPredictor<AnyMetaModel>`, that
    /// question would come back here.)
    template <class M>
        requires(!std::same_as<std::remove_cvref_t<M>, AnyMetaModel> && detail::MetaModelShape<M> && MetaModel<M>)
    AnyMetaModel(M model)  // NOLINT(google-explicit-constructor): a meta-model converts implicitly
        : self_(std::make_unique<Holder<M>>(std::move(model))) {}

    AnyMetaModel(const AnyMetaModel& other) : self_(other.self_->clone()) {}
    AnyMetaModel& operator=(const AnyMetaModel& other) {
        if (this != &other) self_ = other.self_->clone();
        return *this;
    }
    AnyMetaModel(AnyMetaModel&&) noexcept = default;
    AnyMetaModel& operator=(AnyMetaModel&&) noexcept = default;
    ~AnyMetaModel() = default;

    /// Fit the held model on Z (n×d) and scores s (n). Throws what the held model's `fit` throws
    /// (DataError on empty, non-finite or mismatched input).
    void fit(const MatrixRef& Z, const VectorRef& s) { self_->fit(Z, s); }

    /// Fit with the rows' tasks known (`MetaModelWithGroups`): the held model's grouped fit when
    /// it has one, otherwise its `fit(Z, s)`. @throws DataError, whatever the held model, when
    /// groups has not one id in [0, n_groups) per row or n_groups is not in [1, rows].
    void fit(const MatrixRef& Z, const VectorRef& s, const std::vector<Index>& groups, Index n_groups) {
        models::detail::check_row_groups("AnyMetaModel::fit()", groups, n_groups, Z.rows());
        self_->fit_grouped(Z, s, groups, n_groups);
    }

    /// m×d → m predicted scores. Throws what the held model's `predict` throws (NotFitted before
    /// fit, DataError on a wrong width).
    [[nodiscard]] Vector predict(const MatrixRef& Z) const { return self_->predict(Z); }

    /// Whether the held model reports a predictive standard deviation (`MetaModelWithStd`).
    [[nodiscard]] bool has_std() const noexcept { return self_->has_std(); }

    /// m predictive standard deviations (≥ 0) of the held model.
    /// @throws ConfigError when the held model has none (`has_std()` is false); what the held
    ///         model's `predict_std` throws otherwise.
    [[nodiscard]] Vector predict_std(const MatrixRef& Z) const { return self_->predict_std(Z); }

    /// The held model's `to_json()` (its own layout, with its `"type"`). @throws NotFitted
    /// before fit (as the held model does).
    [[nodiscard]] nlohmann::json to_json() const { return self_->to_json(); }

    /// A fitted meta-model from a document written by one of the library's meta-models
    /// (`RandomForestMetaModel`, `GaussianProcessMetaModel`, `KnnMetaModel`, `RidgeMetaModel`,
    /// `MlpMetaModel`), chosen by its `"type"`.
    /// @throws ParseError when `j` is not an object with a string `"type"` naming one of them;
    ///         what that model's `from_json` throws otherwise.
    [[nodiscard]] static AnyMetaModel from_json(const nlohmann::json& j) {
        namespace md = models::detail;
        const md::JsonAt at{"AnyMetaModel::from_json()", ""};
        const auto& type = md::json_string(md::json_field(j, at, "type"), at / "type");
        if (type == "RandomForestMetaModel") return RandomForestMetaModel::from_json(j);
        if (type == "GaussianProcessMetaModel") return GaussianProcessMetaModel::from_json(j);
        if (type == "KnnMetaModel") return KnnMetaModel::from_json(j);
        if (type == "RidgeMetaModel") return RidgeMetaModel::from_json(j);
        if (type == "MlpMetaModel") return MlpMetaModel::from_json(j);
        md::json_structure_error(at / "type", fmt::format("unknown meta-model type {} (expected RandomForestMetaModel, "
                                                          "GaussianProcessMetaModel, KnnMetaModel, RidgeMetaModel or "
                                                          "MlpMetaModel)",
                                                          md::json_preview(j.at("type"))));
    }

    /// The held model when it is an `M`, else nullptr (as `std::function::target`).
    template <MetaModel M>
    [[nodiscard]] const M* target() const noexcept {
        const auto* h = dynamic_cast<const Holder<M>*>(self_.get());
        return h != nullptr ? &h->model : nullptr;
    }

private:
    struct Concept {
        Concept() = default;
        Concept(const Concept&) = delete;
        Concept& operator=(const Concept&) = delete;
        virtual ~Concept() = default;
        [[nodiscard]] virtual std::unique_ptr<Concept> clone() const = 0;
        virtual void fit(const MatrixRef& Z, const VectorRef& s) = 0;
        virtual void fit_grouped(const MatrixRef& Z, const VectorRef& s, const std::vector<Index>& groups,
                                 Index n_groups) = 0;
        [[nodiscard]] virtual Vector predict(const MatrixRef& Z) const = 0;
        [[nodiscard]] virtual bool has_std() const noexcept = 0;
        [[nodiscard]] virtual Vector predict_std(const MatrixRef& Z) const = 0;
        [[nodiscard]] virtual nlohmann::json to_json() const = 0;
    };

    template <class M>
    struct Holder final : Concept {
        explicit Holder(M m) : model(std::move(m)) {}
        [[nodiscard]] std::unique_ptr<Concept> clone() const override { return std::make_unique<Holder>(model); }
        void fit(const MatrixRef& Z, const VectorRef& s) override { model.fit(Z, s); }
        void fit_grouped(const MatrixRef& Z, const VectorRef& s, const std::vector<Index>& groups,
                         Index n_groups) override {
            if constexpr (MetaModelWithGroups<M>)
                model.fit(Z, s, groups, n_groups);
            else
                model.fit(Z, s);
        }
        [[nodiscard]] Vector predict(const MatrixRef& Z) const override { return model.predict(Z); }
        [[nodiscard]] bool has_std() const noexcept override { return MetaModelWithStd<M>; }
        [[nodiscard]] Vector predict_std(const MatrixRef& Z) const override {
            if constexpr (MetaModelWithStd<M>)
                return model.predict_std(Z);
            else
                throw ConfigError("AnyMetaModel::predict_std(): the meta-model it holds has no predictive std (see has_std())");
        }
        [[nodiscard]] nlohmann::json to_json() const override { return model.to_json(); }
        M model;
    };

    std::unique_ptr<Concept> self_;
};

static_assert(MetaModelWithStd<AnyMetaModel>);
static_assert(MetaModelWithGroups<AnyMetaModel>);

}  // namespace metalearn::meta

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library holds the predictor over a meta-model chosen at run time.
#include "metalearn/meta/predictor.hpp"
namespace metalearn::meta {
extern template class HyperparameterPredictor<AnyMetaModel>;
}  // namespace metalearn::meta
// and its instances for the bundled models (core/compiled_instances.hpp)
#define METALEARN_DECLARES_ANY_META_MODEL
#include "metalearn/core/compiled_instances.hpp"
#endif
