#pragma once
/// @file preprocess_impl.hpp
/// @brief Bodies of preprocess.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/core/memory.hpp"
#include "metalearn/data/preprocess.hpp"

namespace metalearn::data::detail {

METALEARN_INLINE void check_width(const char* where, Index expected, Index got) {
    if (expected != got)
        throw DataError(fmt::format("{}: wrong number of columns (expected {}, got {})", where, expected, got));
}

METALEARN_INLINE void check_no_inf(const char* where, const MatrixRef& X) {
    for (Index j = 0; j < X.cols(); ++j)
        for (Index i = 0; i < X.rows(); ++i)
            if (std::isinf(X(i, j)))
                throw DataError(fmt::format("{}: infinite value at row {}, column {} (expected finite or NaN)", where,
                                            i, j));
}

METALEARN_INLINE void check_features(const char* where, const MatrixRef& X, const std::vector<FeatureInfo>& features) {
    check_width(where, static_cast<Index>(features.size()), X.cols());
    if (X.rows() == 0) throw DataError(fmt::format("{}: no rows to fit on (expected n >= 1, got 0)", where));
    check_no_inf(where, X);
}

}  // namespace metalearn::data::detail

namespace metalearn::data {

METALEARN_INLINE void SimpleImputer::fit(const MatrixRef& X, const std::vector<FeatureInfo>& features) {
    detail::check_features("SimpleImputer::fit()", X, features);
    fill_.resize(X.cols());
    std::vector<double> values;
    for (Index j = 0; j < X.cols(); ++j) {
        values.clear();
        for (Index i = 0; i < X.rows(); ++i)
            if (!std::isnan(X(i, j))) values.push_back(X(i, j));
        if (values.empty()) {
            fill_[j] = 0.0;
            continue;
        }
        if (!features[static_cast<std::size_t>(j)].is_nominal()) {
            // the median by selection, O(m): the upper middle value, and for even m the largest
            // value below it (the same values a full sort gives)
            const std::size_t m = values.size();
            const auto mid = values.begin() + static_cast<std::ptrdiff_t>(m / 2);
            std::nth_element(values.begin(), mid, values.end());
            fill_[j] = m % 2 == 1 ? *mid : 0.5 * (*std::max_element(values.begin(), mid) + *mid);
            continue;
        }
        std::sort(values.begin(), values.end());
        {
            double best = values.front();
            std::size_t best_count = 0;
            for (std::size_t a = 0; a < values.size();) {
                std::size_t b = a;
                while (b < values.size() && values[b] == values[a]) ++b;
                if (b - a > best_count) {
                    best_count = b - a;
                    best = values[a];
                }
                a = b;
            }
            fill_[j] = best;
        }
    }
    fitted_ = true;
}

METALEARN_INLINE Matrix SimpleImputer::transform(const MatrixRef& X) const {
    if (!fitted_) throw NotFitted("SimpleImputer::transform(): call fit() first");
    detail::check_width("SimpleImputer::transform()", fill_.size(), X.cols());
    detail::check_no_inf("SimpleImputer::transform()", X);
    Matrix out = X;
    for (Index j = 0; j < out.cols(); ++j)
        for (Index i = 0; i < out.rows(); ++i)
            if (std::isnan(out(i, j))) out(i, j) = fill_[j];
    return out;
}

METALEARN_INLINE const Vector& SimpleImputer::fill_values() const {
    if (!fitted_) throw NotFitted("SimpleImputer::fill_values(): call fit() first");
    return fill_;
}

}  // namespace metalearn::data

namespace metalearn::data {

METALEARN_INLINE OneHotEncoder::OneHotEncoder(OneHotOptions options) : options_(options) {
    if (options_.max_categories < 0 || options_.max_categories == 1)
        throw ConfigError(fmt::format("OneHotEncoder::OneHotEncoder(): max_categories out of range (expected 0 = no "
                                      "limit or >= 2, got {})",
                                      options_.max_categories));
}

METALEARN_INLINE void OneHotEncoder::fit(const std::vector<FeatureInfo>& features) {
    const Index cap = options_.max_categories;
    if (cap > 0)
        for (const auto& f : features)
            if (f.is_nominal() && static_cast<Index>(f.categories.size()) > cap)
                throw ConfigError(fmt::format("OneHotEncoder::fit(): feature '{}' declares {} categories, more than "
                                              "max_categories = {} (expected fit(X, features), whose training rows "
                                              "decide the categories kept)",
                                              f.name, f.categories.size(), cap));
    layout(nullptr, features);
}

METALEARN_INLINE void OneHotEncoder::fit(const MatrixRef& X, const std::vector<FeatureInfo>& features) {
    detail::check_width("OneHotEncoder::fit()", static_cast<Index>(features.size()), X.cols());
    layout(&X, features);
}

METALEARN_INLINE void OneHotEncoder::layout(const MatrixRef* X, const std::vector<FeatureInfo>& features) {
    features_ = features;
    slot_.assign(features_.size(), {});
    width_.assign(features_.size(), 1);
    n_out_ = 0;
    const Index cap = options_.max_categories;
    for (std::size_t j = 0; j < features_.size(); ++j) {
        const auto& f = features_[j];
        if (!f.is_nominal()) {
            n_out_ += 1;
            continue;
        }
        const auto K = static_cast<Index>(f.categories.size());
        auto& slot = slot_[j];
        slot.resize(static_cast<std::size_t>(K));
        if (cap == 0 || K <= cap) {
            for (Index c = 0; c < K; ++c) slot[static_cast<std::size_t>(c)] = c;
            width_[j] = K;
            n_out_ += K;
            continue;
        }
        // Count the training codes; keep the cap − 1 most frequent (ties → lower code).
        std::vector<Index> count(static_cast<std::size_t>(K), 0);
        for (Index i = 0; i < X->rows(); ++i) {
            const double v = (*X)(i, static_cast<Index>(j));
            if (std::isnan(v) || v < 0 || v >= static_cast<double>(K) || v != std::floor(v)) continue;
            ++count[static_cast<std::size_t>(v)];
        }
        std::vector<Index> order(static_cast<std::size_t>(K));
        for (Index c = 0; c < K; ++c) order[static_cast<std::size_t>(c)] = c;
        std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) {
            return count[static_cast<std::size_t>(a)] > count[static_cast<std::size_t>(b)];
        });
        std::vector<bool> kept(static_cast<std::size_t>(K), false);
        for (Index r = 0; r < cap - 1; ++r) kept[static_cast<std::size_t>(order[static_cast<std::size_t>(r)])] = true;
        Index next = 0;
        for (Index c = 0; c < K; ++c)
            if (kept[static_cast<std::size_t>(c)]) slot[static_cast<std::size_t>(c)] = next++;
        for (Index c = 0; c < K; ++c)
            if (!kept[static_cast<std::size_t>(c)]) slot[static_cast<std::size_t>(c)] = cap - 1;
        width_[j] = cap;
        n_out_ += cap;
    }
    fitted_ = true;
}

METALEARN_INLINE Matrix OneHotEncoder::transform(const MatrixRef& X) const {
    if (!fitted_) throw NotFitted("OneHotEncoder::transform(): call fit() first");
    detail::check_width("OneHotEncoder::transform()", static_cast<Index>(features_.size()), X.cols());
    Matrix out = Matrix::Zero(X.rows(), n_out_);
    Index col = 0;
    for (std::size_t j = 0; j < features_.size(); ++j) {
        const auto& f = features_[j];
        const auto jj = static_cast<Index>(j);
        if (!f.is_nominal()) {
            out.col(col++) = X.col(jj);
            continue;
        }
        const auto K = static_cast<Index>(f.categories.size());
        for (Index i = 0; i < X.rows(); ++i) {
            const double v = X(i, jj);
            if (std::isnan(v) || v < 0 || v >= static_cast<double>(K) || v != std::floor(v)) continue;
            out(i, col + slot_[j][static_cast<std::size_t>(v)]) = 1.0;
        }
        col += width_[j];
    }
    return out;
}

METALEARN_INLINE Index OneHotEncoder::n_output_features() const {
    if (!fitted_) throw NotFitted("OneHotEncoder::n_output_features(): call fit() first");
    return n_out_;
}

METALEARN_INLINE std::vector<std::string> OneHotEncoder::output_names() const {
    if (!fitted_) throw NotFitted("OneHotEncoder::output_names(): call fit() first");
    std::vector<std::string> names;
    for (std::size_t j = 0; j < features_.size(); ++j) {
        const auto& f = features_[j];
        if (!f.is_nominal()) {
            names.push_back(f.name);
            continue;
        }
        const auto K = static_cast<Index>(f.categories.size());
        const bool capped = width_[j] < K;
        const Index kept = capped ? width_[j] - 1 : K;
        std::vector<std::string> block(static_cast<std::size_t>(kept));
        for (Index c = 0; c < K; ++c) {
            const Index s = slot_[j][static_cast<std::size_t>(c)];
            if (s < kept) block[static_cast<std::size_t>(s)] = f.name + "=" + f.categories[static_cast<std::size_t>(c)];
        }
        names.insert(names.end(), block.begin(), block.end());
        if (capped) names.push_back(f.name + "=(other)");
    }
    return names;
}

METALEARN_INLINE std::vector<bool> OneHotEncoder::is_indicator() const {
    if (!fitted_) throw NotFitted("OneHotEncoder::is_indicator(): call fit() first");
    std::vector<bool> out;
    for (std::size_t j = 0; j < features_.size(); ++j)
        out.insert(out.end(), static_cast<std::size_t>(width_[j]), features_[j].is_nominal());
    return out;
}

METALEARN_INLINE std::vector<std::string> OneHotEncoder::infrequent_categories(Index j) const {
    if (!fitted_) throw NotFitted("OneHotEncoder::infrequent_categories(): call fit() first");
    if (j < 0 || j >= static_cast<Index>(features_.size()))
        throw ConfigError(fmt::format("OneHotEncoder::infrequent_categories(): column out of range (expected [0, {}), "
                                      "got {})",
                                      features_.size(), j));
    const auto ju = static_cast<std::size_t>(j);
    const auto& f = features_[ju];
    std::vector<std::string> out;
    if (!f.is_nominal() || width_[ju] >= static_cast<Index>(f.categories.size())) return out;
    for (std::size_t c = 0; c < f.categories.size(); ++c)
        if (slot_[ju][c] == width_[ju] - 1) out.push_back(f.categories[c]);
    return out;
}

METALEARN_INLINE std::vector<IdentifierLikeColumn> identifier_like_columns(const MatrixRef& X,
                                                                           const std::vector<FeatureInfo>& features,
                                                                           double max_fraction, Index min_distinct) {
    constexpr const char* where = "data::identifier_like_columns()";
    detail::check_width(where, static_cast<Index>(features.size()), X.cols());
    if (!(max_fraction > 0.0 && max_fraction <= 1.0))
        throw ConfigError(fmt::format("{}: max_fraction out of range (expected (0, 1], got {})", where, max_fraction));
    if (min_distinct < 0)
        throw ConfigError(fmt::format("{}: min_distinct out of range (expected >= 0, got {})", where, min_distinct));
    std::vector<IdentifierLikeColumn> out;
    std::vector<double> v;
    for (std::size_t j = 0; j < features.size(); ++j) {
        if (!features[j].is_nominal()) continue;
        v.clear();
        for (Index i = 0; i < X.rows(); ++i)
            if (!std::isnan(X(i, static_cast<Index>(j)))) v.push_back(X(i, static_cast<Index>(j)));
        std::sort(v.begin(), v.end());
        const auto distinct = static_cast<Index>(std::unique(v.begin(), v.end()) - v.begin());
        const auto m = static_cast<Index>(v.size());
        if (distinct > min_distinct && static_cast<double>(distinct) > max_fraction * static_cast<double>(m))
            out.push_back({static_cast<Index>(j), features[j].name, distinct, m});
    }
    return out;
}

}  // namespace metalearn::data

namespace metalearn::data {

METALEARN_INLINE bool StandardScaler::column_statistics(const MatrixRef& X, Index j, double& mean_out,
                                                        double& scale_out) {
    // The column is divided by a power of two near its largest magnitude first: exact, so the
    // mean and sd are those of the plain formulas, but without overflow of the squares for
    // values near 1e160 or underflow for values near 1e-160.
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    Index count = 0;
    for (Index i = 0; i < X.rows(); ++i)
        if (!std::isnan(X(i, j))) {
            lo = std::min(lo, X(i, j));
            hi = std::max(hi, X(i, j));
            ++count;
        }
    if (count == 0) return false;
    const double magnitude = std::max(std::abs(lo), std::abs(hi));
    int exponent = 0;
    (void)std::frexp(magnitude, &exponent);  // magnitude = f·2^exponent, f in [0.5, 1)
    double sum = 0.0;
    for (Index i = 0; i < X.rows(); ++i)
        if (!std::isnan(X(i, j))) sum += std::ldexp(X(i, j), -exponent);
    const double mean = sum / static_cast<double>(count);
    double ss = 0.0;
    for (Index i = 0; i < X.rows(); ++i)
        if (!std::isnan(X(i, j))) {
            const double d = std::ldexp(X(i, j), -exponent) - mean;
            ss += d * d;
        }
    const double sd = std::sqrt(ss / static_cast<double>(count));
    mean_out = std::ldexp(mean, exponent);
    // Constant: every value equal (scale 1), or a spread at rounding level relative to the
    // values' magnitude, whatever that magnitude (a column times 1e-15 is scaled like the
    // original); such rounding noise is divided by the magnitude when it exceeds 1, so that
    // it maps to about 0 in any units.
    // A spread so small that the scale underflows (values that differ only by a few
    // subnormals, e.g. 0 and 5e-324) cannot be divided by: such a column is treated as
    // constant at rounding level too, and maps to about 0 rather than to 0/0.
    if (lo == hi) scale_out = 1.0;
    else if (is_constant_range(lo, hi)) scale_out = std::max(1.0, magnitude);
    else scale_out = std::ldexp(sd, exponent);
    if (!(scale_out > 0.0)) scale_out = std::max(1.0, magnitude);
    return true;
}

METALEARN_INLINE void StandardScaler::fit(const MatrixRef& X, const std::vector<bool>& skip) {
    constexpr const char* where = "StandardScaler::fit()";
    if (X.rows() == 0) throw DataError(fmt::format("{}: no rows to fit on (expected n >= 1, got 0)", where));
    if (!skip.empty()) detail::check_width(where, static_cast<Index>(skip.size()), X.cols());
    detail::check_no_inf(where, X);
    mean_ = Vector::Zero(X.cols());
    scale_ = Vector::Ones(X.cols());
    for (Index j = 0; j < X.cols(); ++j) {
        if (!skip.empty() && skip[static_cast<std::size_t>(j)]) continue;
        double mean = 0.0;
        double scale = 1.0;
        if (!column_statistics(X, j, mean, scale)) continue;
        mean_[j] = mean;
        scale_[j] = scale;
    }
    fitted_ = true;
}

METALEARN_INLINE void StandardScaler::fit(const MatrixRef& X, const std::vector<Index>& placement, Index width) {
    constexpr const char* where = "StandardScaler::fit()";
    if (X.rows() == 0) throw DataError(fmt::format("{}: no rows to fit on (expected n >= 1, got 0)", where));
    if (width < 0) throw ConfigError(fmt::format("{}: negative width {} (expected >= 0 output columns)", where, width));
    if (static_cast<Index>(placement.size()) != X.cols())
        throw ConfigError(fmt::format("{}: placement lists {} output columns for {} input columns (expected one each)",
                                      where, placement.size(), X.cols()));
    std::vector<bool> taken(static_cast<std::size_t>(std::max<Index>(width, 0)), false);
    for (std::size_t j = 0; j < placement.size(); ++j) {
        const Index t = placement[j];
        if (t < 0 || t >= width || taken[static_cast<std::size_t>(t)])
            throw ConfigError(fmt::format("{}: placement[{}] = {} is out of range or repeated (expected distinct "
                                          "output columns in [0, {}))",
                                          where, j, t, width));
        taken[static_cast<std::size_t>(t)] = true;
    }
    detail::check_no_inf(where, X);
    mean_ = Vector::Zero(width);
    scale_ = Vector::Ones(width);
    for (Index j = 0; j < X.cols(); ++j) {
        double mean = 0.0;
        double scale = 1.0;
        if (!column_statistics(X, j, mean, scale)) continue;
        mean_[placement[static_cast<std::size_t>(j)]] = mean;
        scale_[placement[static_cast<std::size_t>(j)]] = scale;
    }
    fitted_ = true;
}

METALEARN_INLINE Matrix StandardScaler::transform(const MatrixRef& X) const {
    if (!fitted_) throw NotFitted("StandardScaler::transform(): call fit() first");
    detail::check_width("StandardScaler::transform()", mean_.size(), X.cols());
    return (X.rowwise() - mean_.transpose()).array().rowwise() / scale_.transpose().array();
}

METALEARN_INLINE void StandardScaler::transform_in_place(Matrix& X) const {
    if (!fitted_) throw NotFitted("StandardScaler::transform_in_place(): call fit() first");
    detail::check_width("StandardScaler::transform_in_place()", mean_.size(), X.cols());
    X.array().rowwise() -= mean_.transpose().array();
    X.array().rowwise() /= scale_.transpose().array();
}

METALEARN_INLINE const Vector& StandardScaler::mean() const {
    if (!fitted_) throw NotFitted("StandardScaler::mean(): call fit() first");
    return mean_;
}

METALEARN_INLINE const Vector& StandardScaler::scale() const {
    if (!fitted_) throw NotFitted("StandardScaler::scale(): call fit() first");
    return scale_;
}

}  // namespace metalearn::data

namespace metalearn::data {

METALEARN_INLINE void Preprocessor::fit(const MatrixRef& X, const std::vector<FeatureInfo>& features) {
    detail::check_features("Preprocessor::fit()", X, features);
    fitted_ = false;  // a fit that throws part-way (e.g. from on_warning) leaves no half-updated state in use
    features_ = features;
    if (options_.impute) imputer_.fit(X, features_);
    const Matrix Z = options_.impute ? imputer_.transform(X) : Matrix(X);
    if (options_.one_hot) {
        encoder_ = OneHotEncoder({.max_categories = options_.max_categories});
        encoder_.fit(Z, features_);
    } else {
        encoder_ = OneHotEncoder({.max_categories = options_.max_categories});  // checks the cap, unused here
        encoder_.fit(as_numeric(features_));
    }
    if (options_.one_hot && options_.on_warning)
        for (const auto& c : identifier_like_columns(Z, features_)) {
            const auto folded = encoder_.infrequent_categories(c.column).size();
            options_.on_warning(fmt::format(
                "Preprocessor::fit(): nominal column '{}' looks like free text or an identifier ({} distinct values "
                "in {} rows){}",
                c.name, c.distinct, c.non_missing,
                folded > 0 ? fmt::format("; one-hot keeps {} of its categories and folds {} into '{}=(other)'",
                                         options_.max_categories - 1, folded, c.name)
                           : std::string()));
        }
    if (options_.standardize) {
        // Only the numeric columns are scaled (indicators, or nominal codes without one-hot, stay
        // unchanged): fit on them alone, each placed at its column of the encoded output,
        // instead of encoding the n×q matrix to read a few of its columns.
        const auto indicator = encoder_.is_indicator();  // false for every column without one-hot
        std::vector<Index> placement;  // the encoded column of each numeric input column, in order
        for (std::size_t k = 0; k < indicator.size(); ++k)
            if (options_.one_hot ? !indicator[k] : !features_[k].is_nominal()) placement.push_back(static_cast<Index>(k));
        Matrix numeric_columns(Z.rows(), static_cast<Index>(placement.size()));
        Index c = 0;
        for (std::size_t j = 0; j < features_.size(); ++j)
            if (!features_[j].is_nominal()) numeric_columns.col(c++) = Z.col(static_cast<Index>(j));
        scaler_.fit(numeric_columns, placement, static_cast<Index>(indicator.size()));
    }
    fitted_ = true;
}

METALEARN_INLINE Matrix Preprocessor::transform(const MatrixRef& X) const {
    if (!fitted_) throw NotFitted("Preprocessor::transform(): call fit() first");
    detail::check_width("Preprocessor::transform()", static_cast<Index>(features_.size()), X.cols());
    detail::check_no_inf("Preprocessor::transform()", X);
    // Impute, encode and scale each input column straight into its output columns: one pass and
    // no intermediate matrix. The values are those of the separate steps (SimpleImputer,
    // OneHotEncoder, StandardScaler::transform) to the bit: (v − mean) / scale per value.
    const Index n = X.rows();
    Matrix Z(n, encoder_.n_out_);
    advise_huge_pages(Z.data(), static_cast<std::size_t>(Z.size()) * sizeof(double));  // filled once, below
    const Vector* fill = options_.impute ? &imputer_.fill_values() : nullptr;
    Index col = 0;
    for (std::size_t j = 0; j < features_.size(); ++j) {
        const auto jj = static_cast<Index>(j);
        const double fill_j = fill != nullptr ? (*fill)[jj] : 0.0;
        const bool one_hot = options_.one_hot && features_[j].is_nominal();
        if (one_hot) {
            const auto& slot = encoder_.slot_[j];
            const auto K = static_cast<double>(slot.size());
            Z.middleCols(col, encoder_.width_[j]).setZero();
            for (Index i = 0; i < n; ++i) {
                double v = X(i, jj);
                if (fill != nullptr && std::isnan(v)) v = fill_j;
                if (std::isnan(v) || v < 0 || v >= K || v != std::floor(v)) continue;  // no indicator set
                Z(i, col + slot[static_cast<std::size_t>(v)]) = 1.0;
            }
            col += encoder_.width_[j];
            continue;
        }
        // numeric, or a nominal code kept as it is (scaler mean 0, scale 1)
        const double mean = options_.standardize ? scaler_.mean()[col] : 0.0;
        const double scale = options_.standardize ? scaler_.scale()[col] : 1.0;
        // branch-free loops (a select, a subtraction and a division per value), so they vectorise
        double* out = Z.col(col).data();
        if (fill != nullptr) {
            for (Index i = 0; i < n; ++i) {
                const double v = X(i, jj);
                out[i] = ((std::isnan(v) ? fill_j : v) - mean) / scale;
            }
        } else {
            for (Index i = 0; i < n; ++i) out[i] = (X(i, jj) - mean) / scale;
        }
        for (Index i = 0; i < n; ++i) {
            if (std::isfinite(out[i])) continue;
            const auto name = [&] { return encoder_.output_names()[static_cast<std::size_t>(col)]; };
            if (std::isnan(out[i]))
                throw DataError(fmt::format(
                    "Preprocessor::transform(): missing value at row {}, output column '{}' (expected no NaN; "
                    "enable imputation)",
                    i, name()));
            // v − mean overflowed (values of opposite signs near ±1.8e308): the same in halves
            const double v = std::isnan(X(i, jj)) ? fill_j : X(i, jj);
            out[i] = 2.0 * ((0.5 * v - 0.5 * mean) / scale);
            if (!std::isfinite(out[i]))
                throw DataError(fmt::format(
                    "Preprocessor::transform(): value {} at row {}, output column '{}' is out of range once "
                    "standardised with the training mean {} and scale {} (|z| above 1.8e308)",
                    v, i, name(), mean, scale));
        }
        ++col;
    }
    return Z;
}

METALEARN_INLINE Matrix Preprocessor::fit_transform(const Dataset& train) {
    fit(train);
    return transform(train.X());
}

METALEARN_INLINE Index Preprocessor::n_output_features() const {
    if (!fitted_) throw NotFitted("Preprocessor::n_output_features(): call fit() first");
    return encoder_.n_output_features();
}

METALEARN_INLINE std::vector<std::string> Preprocessor::output_names() const {
    if (!fitted_) throw NotFitted("Preprocessor::output_names(): call fit() first");
    return encoder_.output_names();
}

METALEARN_INLINE std::vector<FeatureInfo> Preprocessor::as_numeric(std::vector<FeatureInfo> features) {
    for (auto& f : features) f.kind = FeatureKind::numeric;
    return features;
}

}  // namespace metalearn::data
