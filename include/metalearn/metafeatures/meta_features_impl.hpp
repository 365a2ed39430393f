#pragma once
/// @file meta_features_impl.hpp
/// @brief Bodies of meta_features.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/metafeatures/meta_features.hpp"

namespace metalearn::metafeatures {

METALEARN_INLINE Matrix to_matrix(const std::vector<MetaFeatures>& rows, std::vector<std::string>* names) {
    std::vector<std::string> cols;
    std::unordered_map<std::string, Index> pos;
    for (const auto& r : rows)
        for (const auto& n : r.names())
            if (pos.emplace(n, static_cast<Index>(cols.size())).second) cols.push_back(n);
    Matrix Z = Matrix::Constant(static_cast<Index>(rows.size()), static_cast<Index>(cols.size()),
                                std::numeric_limits<double>::quiet_NaN());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        for (Index k = 0; k < r.size(); ++k) Z(static_cast<Index>(i), pos[r.names()[static_cast<std::size_t>(k)]]) = r.at(k);
    }
    if (names) *names = std::move(cols);
    return Z;
}

METALEARN_INLINE Matrix impute_nan(const MatrixRef& Z) { return MetaFeatureImputer().fit_transform(Z); }

}  // namespace metalearn::metafeatures

namespace metalearn::metafeatures {

METALEARN_INLINE MetaFeatures::MetaFeatures(std::vector<std::string> names, std::vector<double> values)
    : names_(std::move(names)), values_(std::move(values)) {
    if (names_.size() != values_.size())
        throw DataError(fmt::format("MetaFeatures::MetaFeatures(): {} names for {} values", names_.size(),
                                    values_.size()));
    for (std::size_t i = 0; i < names_.size(); ++i) {
        if (!index_.emplace(names_[i], i).second)
            throw DataError(fmt::format("MetaFeatures::MetaFeatures(): duplicate name '{}'", names_[i]));
    }
}

METALEARN_INLINE void MetaFeatures::add(std::string name, double value) {
    if (!index_.emplace(name, names_.size()).second)
        throw DataError(fmt::format("MetaFeatures::add(): duplicate name '{}'", name));
    names_.push_back(std::move(name));
    values_.push_back(value);
}

METALEARN_INLINE Vector MetaFeatures::values() const {
    return Eigen::Map<const Vector>(values_.data(), static_cast<Index>(values_.size()));
}

METALEARN_INLINE double MetaFeatures::at(Index i) const {
    if (i < 0 || i >= size())
        throw ConfigError(fmt::format("MetaFeatures::at(): index {} out of range [0, {})", i, size()));
    return values_[static_cast<std::size_t>(i)];
}

METALEARN_INLINE std::string MetaFeatures::to_table() const {
    std::size_t w = 4;
    for (const auto& n : names_) w = std::max(w, n.size());
    std::string out = fmt::format("{:<{}}  {}\n", "name", w, "value");
    for (std::size_t i = 0; i < names_.size(); ++i) out += fmt::format("{:<{}}  {:.6g}\n", names_[i], w, values_[i]);
    return out;
}

METALEARN_INLINE std::string MetaFeatures::to_json(int indent) const {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < names_.size(); ++i) {
        if (std::isfinite(values_[i])) j[names_[i]] = values_[i];
        else j[names_[i]] = nullptr;
    }
    return j.dump(indent);
}

METALEARN_INLINE std::string MetaFeatures::csv_row() const {
    std::string out;
    for (std::size_t i = 0; i < values_.size(); ++i) {
        if (i) out += ',';
        out += std::isnan(values_[i]) ? std::string("nan") : fmt::format("{:.17g}", values_[i]);
    }
    return out;
}

}  // namespace metalearn::metafeatures

namespace metalearn::metafeatures {

METALEARN_INLINE MetaFeatureImputer::MetaFeatureImputer(Vector medians) : medians_(std::move(medians)), fitted_(true) {
    for (Index j = 0; j < medians_.size(); ++j)
        if (!std::isfinite(medians_[j]))
            throw DataError(fmt::format("MetaFeatureImputer::MetaFeatureImputer(): median {} is {} (expected a finite value)",
                                        j, medians_[j]));
}

METALEARN_INLINE MetaFeatureImputer& MetaFeatureImputer::fit(const MatrixRef& Z) {
    if (Z.rows() == 0) throw DataError("MetaFeatureImputer::fit(): empty matrix (expected >= 1 row, got 0)");
    medians_.resize(Z.cols());
    std::vector<double> col;
    for (Index j = 0; j < Z.cols(); ++j) {
        col.clear();
        for (Index i = 0; i < Z.rows(); ++i)
            if (std::isfinite(Z(i, j))) col.push_back(Z(i, j));
        if (col.empty()) {
            medians_[j] = 0.0;
            continue;
        }
        std::sort(col.begin(), col.end());
        const std::size_t h = col.size() / 2;
        medians_[j] = col.size() % 2 ? col[h] : 0.5 * (col[h - 1] + col[h]);
    }
    fitted_ = true;
    return *this;
}

METALEARN_INLINE Matrix MetaFeatureImputer::transform(const MatrixRef& Z) const {
    if (!fitted_) throw NotFitted("MetaFeatureImputer::transform(): call fit() first");
    if (Z.cols() != medians_.size())
        throw DataError(fmt::format("MetaFeatureImputer::transform(): wrong width (expected {} columns, got {})",
                                    medians_.size(), Z.cols()));
    Matrix out = Z;
    for (Index j = 0; j < out.cols(); ++j)
        for (Index i = 0; i < out.rows(); ++i)
            if (!std::isfinite(out(i, j))) out(i, j) = medians_[j];
    return out;
}

}  // namespace metalearn::metafeatures
