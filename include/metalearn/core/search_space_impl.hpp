#pragma once
/// @file search_space_impl.hpp
/// @brief Bodies of search_space.hpp (`detail::SpaceCore`). Included by that header in
/// header-only mode; compiled into the library in compiled mode (core/config.hpp).

#include "metalearn/core/search_space.hpp"

namespace metalearn::hpo {

METALEARN_INLINE ValueMap values_from_json(const nlohmann::json& j) {
    if (!j.is_object())
        throw ConfigError(fmt::format("SearchSpace::from_json(): expected a JSON object, got {}", j.type_name()));
    ValueMap values;
    for (auto it = j.begin(); it != j.end(); ++it) {
        const nlohmann::json& v = it.value();
        const std::string& name = it.key();
        if (v.is_number_unsigned()) {
            const auto u = v.get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(std::numeric_limits<long>::max()))
                throw ConfigError(fmt::format("SearchSpace::from_json(): '{}' is too large (got {})", name, u));
            values.emplace(name, static_cast<long>(u));
        } else if (v.is_number_integer()) {
            values.emplace(name, v.get<long>());
        } else if (v.is_number_float()) {
            values.emplace(name, v.get<double>());
        } else if (v.is_string()) {
            values.emplace(name, v.get<std::string>());
        } else {
            throw ConfigError(fmt::format(
                "SearchSpace::from_json(): wrong type for '{}' (expected a number or a label, got {})", name, v.type_name()));
        }
    }
    return values;
}

METALEARN_INLINE nlohmann::json values_to_json(const ValueMap& values) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& entry : values) {
        const std::string& name = entry.first;
        std::visit([&j, &name](const auto& x) { j[name] = x; }, entry.second);
    }
    return j;
}

namespace detail {

METALEARN_INLINE std::vector<std::string> SpaceCore::names() const {
    std::vector<std::string> out;
    for (const auto& d : dims_) out.push_back(d.info.name);
    return out;
}

METALEARN_INLINE void SpaceCore::valid_range(const std::string& name, double lo, double hi) {
    auto& d = dims_[find(name, "valid_range")];
    auto& i = d.info;
    if (i.is_categorical())
        throw ConfigError(fmt::format("SearchSpace::valid_range(): '{}' is categorical (expected a numeric dimension)", name));
    if (!std::isfinite(lo) || !std::isfinite(hi) || lo > i.lo || hi < i.hi || (i.is_log() && !(lo > 0)))
        throw ConfigError(fmt::format("SearchSpace::valid_range(): '{}' needs finite bounds containing its search range "
                                      "[{}, {}]{} (got [{}, {}])",
                                      name, i.lo, i.hi, i.is_log() ? " and lo > 0 (log scale)" : "", lo, hi));
    i.valid_lo = lo;
    i.valid_hi = hi;
}

METALEARN_INLINE std::vector<std::string> SpaceCore::fixed_names() const {
    std::vector<std::string> out;
    for (const auto& d : fixed_) out.push_back(d.info.name);
    return out;
}

METALEARN_INLINE void SpaceCore::set_bounds(const std::string& name, double lo, double hi) {
    auto& d = dims_[find(name, "with_bounds")];
    auto& i = d.info;
    if (i.is_categorical() || !(lo < hi) || lo < i.valid_lo || hi > i.valid_hi)
        throw ConfigError(fmt::format("SearchSpace::with_bounds(): '{}' needs a numeric range lo < hi inside its valid "
                                      "range [{}, {}] (got [{}, {}])",
                                      name, i.valid_lo, i.valid_hi, lo, hi));
    i.lo = lo;
    i.hi = hi;
    d.sample_lo = lo;
    d.sample_hi = hi;
}

METALEARN_INLINE void SpaceCore::restrict_to(const std::vector<const void*>& configs) {
    if (configs.empty()) return;
    for (const void* c : configs) validate(c);
    for (auto& d : dims_) {
        if (d.info.is_categorical()) {
            std::set<std::size_t> used;
            for (const auto& c : configs) used.insert(*d.get_index(c));
            d.allowed.assign(used.begin(), used.end());
        } else {
            double lo = std::numeric_limits<double>::infinity();
            double hi = -lo;
            for (const auto& c : configs) {
                const double v = d.info.is_integer() ? static_cast<double>(d.get_int(c)) : d.get_real(c);
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
            d.sample_lo = lo;
            d.sample_hi = hi;
        }
    }
    for (auto& f : fixed_) {
        std::vector<std::pair<Value, std::size_t>> counts;  // in order of first appearance
        for (const auto& c : configs) {
            const Value v = value_of(f, c);
            auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& e) { return e.first == v; });
            if (it == counts.end()) counts.emplace_back(v, 1);
            else ++it->second;
        }
        auto best = counts.begin();
        for (auto it = counts.begin(); it != counts.end(); ++it)
            if (it->second > best->second) best = it;
        f.pinned = best->first;
    }
}

METALEARN_INLINE bool SpaceCore::within_restriction(const void* p) const {
    for (const auto& d : dims_) {
        if (d.info.is_categorical()) {
            const auto k = d.get_index(p);
            if (!k || std::find(d.allowed.begin(), d.allowed.end(), *k) == d.allowed.end()) return false;
        } else {
            const double v = d.info.is_integer() ? static_cast<double>(d.get_int(p)) : d.get_real(p);
            if (!(v >= d.sample_lo && v <= d.sample_hi)) return false;
        }
    }
    return true;
}

METALEARN_INLINE Index SpaceCore::encoded_size() const noexcept {
    Index n = 0;
    for (const auto& d : dims_) n += d.info.encoded_width();
    return n;
}

METALEARN_INLINE std::vector<std::string> SpaceCore::encoded_names() const {
    std::vector<std::string> out;
    for (const auto& d : dims_) {
        if (d.info.is_categorical())
            for (const auto& l : d.info.labels) out.push_back(d.info.name + "=" + l);
        else
            out.push_back(d.info.name);
    }
    return out;
}

METALEARN_INLINE void SpaceCore::validate(const void* p) const {
    for (const auto& d : dims_) {
        const auto& i = d.info;
        if (i.is_categorical()) {
            if (!d.get_index(p))
                throw ConfigError(fmt::format("SearchSpace::validate(): '{}' holds a value that is none of the choices ({})",
                                              i.name, fmt::join(i.labels, ", ")));
        } else if (i.is_integer()) {
            const long v = d.get_int(p);
            if (static_cast<double>(v) < i.lo || static_cast<double>(v) > i.hi)
                throw ConfigError(fmt::format("SearchSpace::validate(): '{}' out of range (expected {} to {}, got {})",
                                              i.name, i.lo, i.hi, v));
        } else {
            const double v = d.get_real(p);
            if (!(v >= i.lo && v <= i.hi))
                throw ConfigError(fmt::format("SearchSpace::validate(): '{}' out of range (expected {} to {}, got {})",
                                              i.name, i.lo, i.hi, v));
        }
    }
}

METALEARN_INLINE ValueMap SpaceCore::to_values(const void* p, const void* defaults) const {
    ValueMap out;
    for (const auto& d : dims_) out.emplace(d.info.name, value_of(d, p));
    // fixed members only when they differ from the default, so configs that do not set them
    // keep the name -> value view (and the record keys) they had before the member was declared
    for (const auto& f : fixed_) {
        Value v = value_of(f, p);
        if (v != value_of(f, defaults)) out.emplace(f.info.name, std::move(v));
    }
    return out;
}

METALEARN_INLINE std::string SpaceCore::to_string(const void* p) const {
    std::string out;
    for (const auto& d : dims_) {
        if (!out.empty()) out += ", ";
        out += d.info.name + "=" + hpo::to_string(value_of(d, p));
    }
    return out;
}

METALEARN_INLINE Vector SpaceCore::encode(const void* p) const {
    validate(p);
    Vector z = Vector::Zero(encoded_size());
    Index c = 0;
    for (const auto& d : dims_) {
        const auto& i = d.info;
        if (i.is_categorical()) {
            z[c + static_cast<Index>(*d.get_index(p))] = 1.0;
            c += static_cast<Index>(i.labels.size());
        } else {
            const double v = i.is_integer() ? static_cast<double>(d.get_int(p)) : d.get_real(p);
            z[c++] = std::clamp(detail::to_unit(i, v), 0.0, 1.0);
        }
    }
    return z;
}

METALEARN_INLINE void SpaceCore::decode_into(const VectorRef& z, void* base) const {
    if (z.size() != encoded_size())
        throw ConfigError(fmt::format("SearchSpace::decode(): wrong length (expected {}, got {})", encoded_size(), z.size()));
    if (z.hasNaN()) throw ConfigError("SearchSpace::decode(): the encoded vector holds NaN");
    Index c = 0;
    for (const auto& d : dims_) {
        const auto& i = d.info;
        if (i.is_categorical()) {
            const auto k = static_cast<Index>(i.labels.size());
            Index best = 0;
            best = static_cast<Index>(d.allowed.front());
            for (const std::size_t a : d.allowed)
                if (z[c + static_cast<Index>(a)] > z[c + best]) best = static_cast<Index>(a);
            d.set_index(base, static_cast<std::size_t>(best));
            c += k;
        } else if (i.is_integer()) {
            const double v = std::clamp(std::round(detail::from_unit(i, z[c++])), d.sample_lo, d.sample_hi);
            d.set_int(base, static_cast<long>(v));
        } else {
            d.set_real(base, std::clamp(detail::from_unit(i, z[c++]), d.sample_lo, d.sample_hi), d.sample_lo,
                       d.sample_hi);
        }
    }
    apply_pinned(base);
}

METALEARN_INLINE void SpaceCore::from_unit_cube_into(const VectorRef& u, void* base) const {
    if (u.size() != size())
        throw ConfigError(fmt::format("SearchSpace::from_unit_cube(): wrong length (expected {}, got {})", size(), u.size()));
    for (std::size_t j = 0; j < dims_.size(); ++j) {
        const auto& d = dims_[j];
        const double t = std::clamp(u[static_cast<Index>(j)], 0.0, 1.0);
        const Dimension& info = d.info;
        const double lo = d.sample_lo;  // sampled inside the restriction, if any
        const double hi = d.sample_hi;
        if (info.is_categorical()) {
            const auto k = d.allowed.size();
            d.set_index(base, d.allowed[std::min(static_cast<std::size_t>(t * static_cast<double>(k)), k - 1)]);
        } else if (lo == hi) {
            if (info.is_integer()) d.set_int(base, static_cast<long>(lo));
            else d.set_real(base, lo, lo, hi);
        } else if (info.is_integer()) {
            double v = 0;
            if (info.is_log())
                v = std::floor(std::exp(std::log(lo) + t * (std::log(hi + 1.0) - std::log(lo))));
            else
                v = std::floor(lo + t * (hi - lo + 1.0));
            d.set_int(base, static_cast<long>(std::clamp(v, lo, hi)));
        } else {
            d.set_real(base, detail::from_unit(info.is_log(), lo, hi, t), lo, hi);
        }
    }
    apply_pinned(base);
}

METALEARN_INLINE std::vector<std::vector<double>> SpaceCore::grid_axes(const std::map<std::string, Index>& resolution, Index default_resolution) const {
    for (const auto& [name, r] : resolution) {
        if (dims_[find(name, "grid")].info.is_categorical())
            throw ConfigError(fmt::format("SearchSpace::grid(): '{}' is categorical: its grid is all its labels", name));
        if (r < 1) throw ConfigError(fmt::format("SearchSpace::grid(): resolution of '{}' (expected >= 1, got {})", name, r));
    }
    if (default_resolution < 1)
        throw ConfigError(fmt::format("SearchSpace::grid(): default resolution (expected >= 1, got {})", default_resolution));
    std::vector<std::vector<double>> axis;  // per dimension: real value, integer value or label index
    double total = 1;
    for (const auto& d : dims_) {
        const auto& i = d.info;
        std::vector<double> values;
        if (i.is_categorical()) {
            for (std::size_t k = 0; k < i.labels.size(); ++k) values.push_back(static_cast<double>(k));
        } else {
            const auto it = resolution.find(i.name);
            const Index r = it == resolution.end() ? default_resolution : it->second;
            for (Index k = 0; k < r; ++k) {
                const double t = r == 1 ? 0.5 : static_cast<double>(k) / static_cast<double>(r - 1);
                double v = detail::from_unit(i, t);
                if (k == 0 && r > 1) v = i.lo;  // exact end points
                if (k == r - 1 && r > 1) v = i.hi;
                if (i.is_integer()) v = std::clamp(std::round(v), i.lo, i.hi);
                if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
            }
        }
        total *= static_cast<double>(values.size());
        axis.push_back(std::move(values));
    }
    if (total > 1e7)
        throw ConfigError(fmt::format("SearchSpace::grid(): grid too large (expected at most 1e7 points, got {:.3g})", total));
    return axis;
}

METALEARN_INLINE void SpaceCore::grid_assign(const std::vector<std::vector<double>>& axis, const std::vector<std::size_t>& pos, void* p) const {
    for (std::size_t j = 0; j < dims_.size(); ++j) {
        const auto& d = dims_[j];
        const double v = axis[j][pos[j]];
        if (d.info.is_categorical()) d.set_index(p, static_cast<std::size_t>(v));
        else if (d.info.is_integer()) d.set_int(p, static_cast<long>(v));
        else d.set_real(p, v, d.info.lo, d.info.hi);
    }
}

METALEARN_INLINE void SpaceCore::push(BoundDimension d) {
    if (d.info.name.empty()) throw ConfigError("SearchSpace::add(): empty dimension name");
    if (contains(d.info.name) || find_fixed(d.info.name))
        throw ConfigError(fmt::format("SearchSpace::add(): duplicate dimension name '{}'", d.info.name));
    d.sample_lo = d.info.lo;
    d.sample_hi = d.info.hi;
    d.allowed.clear();
    for (std::size_t k = 0; k < d.info.labels.size(); ++k) d.allowed.push_back(k);
    dims_.push_back(std::move(d));
}

METALEARN_INLINE const BoundDimension* SpaceCore::find_fixed(const std::string& name) const {
    for (const auto& d : fixed_)
        if (d.info.name == name) return &d;
    return nullptr;
}

METALEARN_INLINE const BoundDimension& SpaceCore::lookup(const std::string& name, const char* method) const {
    for (const auto& d : dims_)
        if (d.info.name == name) return d;
    if (const auto* f = find_fixed(name)) return *f;
    std::vector<std::string> all = names();
    for (const auto& f : fixed_) all.push_back(f.info.name);
    throw ConfigError(fmt::format("SearchSpace::{}(): unknown hyperparameter '{}' (expected one of: {})", method, name,
                                  fmt::join(all, ", ")));
}

METALEARN_INLINE void SpaceCore::set_entry(const BoundDimension& d, const std::string& name, const Value& value, void* base, const LenientOptions* lenient) {
    const auto& i = d.info;
    const auto wrong_type = [&](const char* expected) {
        return ConfigError(fmt::format("SearchSpace::from_values(): wrong type for '{}' (expected {}, got {})", name,
                                       expected, type_name(value)));
    };
    const double lo = lenient && lenient->valid_range ? i.valid_lo : i.lo;
    const double hi = lenient && lenient->valid_range ? i.valid_hi : i.hi;
    const auto out_of_range = [&](const std::string& got) {
        return ConfigError(fmt::format("SearchSpace::from_values(): '{}' out of range (expected {} to {}, got {})",
                                       name, lo, hi, got));
    };
    // a value this close to a bound of the search or valid range (rounding noise, e.g.
    // 9.999999999999999e-05 for 1e-4) is that bound
    const auto snap = [&](double v) {
        if (!lenient || !(lenient->relative_tolerance > 0) || !std::isfinite(v)) return v;
        for (const double b : {i.lo, i.hi, lo, hi})
            if (std::abs(v - b) <= lenient->relative_tolerance * std::max(std::abs(b), std::abs(v))) return b;
        return v;
    };
    if (i.is_categorical()) {
        std::string label;
        if (const auto* l = std::get_if<std::string>(&value)) label = *l;
        else if (lenient && lenient->labels_from_numbers) label = hpo::to_string(value);
        else throw wrong_type("a label");
        const auto it = std::find(i.labels.begin(), i.labels.end(), label);
        if (it == i.labels.end())
            throw ConfigError(fmt::format("SearchSpace::from_values(): unknown label for '{}' (expected one of {}, got '{}')",
                                          name, fmt::join(i.labels, ", "), label));
        d.set_index(base, static_cast<std::size_t>(it - i.labels.begin()));
    } else if (i.is_integer()) {
        long v = 0;
        if (const auto* l = std::get_if<long>(&value)) {
            v = *l;
        } else if (const auto* x = std::get_if<double>(&value)) {
            if (!(std::isfinite(*x) && *x == std::floor(*x) && std::abs(*x) <= 0x1.0p52)) throw wrong_type("an integer");
            v = static_cast<long>(*x);
        } else {
            throw wrong_type("an integer");
        }
        if (static_cast<double>(v) < lo || static_cast<double>(v) > hi) throw out_of_range(fmt::format("{}", v));
        d.set_int(base, v);
    } else {
        double v = 0;
        if (const auto* x = std::get_if<double>(&value)) v = *x;
        else if (const auto* l = std::get_if<long>(&value)) v = static_cast<double>(*l);
        else throw wrong_type("a number");
        v = snap(v);
        if (!(v >= lo && v <= hi)) throw out_of_range(fmt::format("{}", v));
        d.set_real(base, v, lo, hi);
    }
}

METALEARN_INLINE const BoundDimension& SpaceCore::bound(Index i) const {
    if (i < 0 || i >= size())
        throw ConfigError(fmt::format("SearchSpace::dimension(): index out of range (expected 0 to {}, got {})", size() - 1, i));
    return dims_[static_cast<std::size_t>(i)];
}

METALEARN_INLINE std::size_t SpaceCore::find(const std::string& name, const char* method) const {
    for (std::size_t j = 0; j < dims_.size(); ++j)
        if (dims_[j].info.name == name) return j;
    throw ConfigError(fmt::format("SearchSpace::{}(): unknown hyperparameter '{}' (expected one of: {})", method, name,
                                  fmt::join(names(), ", ")));
}

METALEARN_INLINE const char* SpaceCore::type_name(const Value& v) {
    switch (v.index()) {
        case 0: return "a real number";
        case 1: return "an integer";
        default: return "a string";
    }
}

METALEARN_INLINE Value SpaceCore::value_of(const BoundDimension& d, const void* p) {
    const auto& i = d.info;
    if (i.is_categorical()) {
        const auto k = d.get_index(p);
        if (!k)
            throw ConfigError(fmt::format("SearchSpace::to_values(): '{}' holds a value that is none of the choices ({})",
                                          i.name, fmt::join(i.labels, ", ")));
        return i.labels[*k];
    }
    if (i.is_integer()) return d.get_int(p);
    return d.get_real(p);
}

}  // namespace detail
}  // namespace metalearn::hpo
