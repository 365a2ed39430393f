#pragma once
/// @file search_space.hpp
/// @brief `SearchSpace<Params>`: hyperparameter dimensions bound to the members of a model's
/// `params_type`, with samplers (grid, random, Sobol), an encoding for meta-models and a
/// name→value view for records.
///
/// One declaration gives everything:
/// @code
/// struct RidgeParams { double alpha = 1.0; bool fit_intercept = true; int max_iter = 100; };
/// auto space = hpo::SearchSpace<RidgeParams>()
///                  .add("alpha", &RidgeParams::alpha, hpo::log_uniform(1e-6, 1e3))
///                  .add("fit_intercept", &RidgeParams::fit_intercept, hpo::boolean())
///                  .add("max_iter", &RidgeParams::max_iter, hpo::int_log_uniform(10, 1000));
/// std::vector<RidgeParams> configs = space.sobol(32, /*seed=*/1);
/// Vector z = space.encode(configs[0]);  // 4 entries in [0,1]: alpha (log scale), fit_intercept
///                                      // one-hot (2), max_iter (log scale)
/// hpo::ValueMap values = space.to_values(configs[0]);   // {"alpha": 0.01, "fit_intercept": "true", ...}
/// @endcode
///
/// Domains:
/// | domain | member types | encoded as |
/// |---|---|---|
/// | `uniform(lo, hi)` | float, double | (v − lo)/(hi − lo) |
/// | `log_uniform(lo, hi)`, 0 < lo | float, double | (ln v − ln lo)/(ln hi − ln lo) |
/// | `int_uniform(lo, hi)` | any integer type but bool | (v − lo)/(hi − lo) |
/// | `int_log_uniform(lo, hi)`, 0 < lo | any integer type but bool | (ln v − ln lo)/(ln hi − ln lo) |
/// | `categorical<T>({{label, value}, ...})` | T copyable with == | one-hot over the labels |
///
/// Values in the name→value view (`Value`): `double` for float dimensions, `long` for integer
/// dimensions, the label (`std::string`) for categorical ones.
///
/// Randomness: `random` and `sobol` draw only through `Rng` / `sobol_points` seeded by their
/// `seed` argument: the same seed gives the same configs on every platform. A `SearchSpace` is
/// immutable after construction, so const use from several threads is safe.
///
/// Where it lives: in `core/`, below the models (each model declares its `search_space()`, and
/// `hpo::cross_validate` uses the models), but in namespace `hpo`, the layer that searches it.
/// `metalearn/hpo/search_space.hpp` includes this header.

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/core/sobol.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace metalearn::hpo {

// ------------------------------------------------------------------------------------ domains

/// The kind of a search dimension.
enum class DomainKind { uniform, log_uniform, int_uniform, int_log_uniform, categorical };

/// A real interval [lo, hi], sampled uniformly in the value (`log == false`) or in its logarithm.
struct FloatDomain {
    double lo = 0.0;
    double hi = 1.0;
    bool log = false;
};

/// An integer interval [lo, hi] (both included), sampled uniformly in the value or its logarithm.
struct IntDomain {
    long lo = 0;
    long hi = 1;
    bool log = false;
};

/// A finite set of labelled values of type T; the labels are what records and JSON show.
template <class T>
struct CategoricalDomain {
    std::vector<std::pair<std::string, T>> choices;
};

namespace detail {
inline void check_float_domain(const char* fn, double lo, double hi, bool log) {
    if (!std::isfinite(lo) || !std::isfinite(hi))
        throw ConfigError(fmt::format("hpo::{}(): bounds must be finite (got lo={}, hi={})", fn, lo, hi));
    if (!(lo < hi)) throw ConfigError(fmt::format("hpo::{}(): empty interval (expected lo < hi, got lo={}, hi={})", fn, lo, hi));
    if (log && !(lo > 0))
        throw ConfigError(fmt::format("hpo::{}(): log scale needs positive bounds (expected lo > 0, got lo={})", fn, lo));
}
inline void check_int_domain(const char* fn, long lo, long hi, bool log) {
    if (!(lo < hi)) throw ConfigError(fmt::format("hpo::{}(): empty interval (expected lo < hi, got lo={}, hi={})", fn, lo, hi));
    if (log && lo <= 0)
        throw ConfigError(fmt::format("hpo::{}(): log scale needs positive bounds (expected lo > 0, got lo={})", fn, lo));
    constexpr long limit = long{1} << 52;  // every value and the span are exact in a double
    if (lo < -limit || hi > limit)
        throw ConfigError(fmt::format("hpo::{}(): bounds too large (expected |lo|, |hi| <= 2^52, got lo={}, hi={})", fn, lo, hi));
}
}  // namespace detail

/// Real values uniform on [lo, hi]. @throws ConfigError unless lo < hi, both finite.
[[nodiscard]] inline FloatDomain uniform(double lo, double hi) {
    detail::check_float_domain("uniform", lo, hi, false);
    return {lo, hi, false};
}

/// Real values log-uniform on [lo, hi] (for wide positive ranges such as a regularisation
/// strength). @throws ConfigError unless 0 < lo < hi, both finite.
[[nodiscard]] inline FloatDomain log_uniform(double lo, double hi) {
    detail::check_float_domain("log_uniform", lo, hi, true);
    return {lo, hi, true};
}

/// Integers uniform on {lo, ..., hi}. @throws ConfigError unless lo < hi and |lo|, |hi| ≤ 2^52.
[[nodiscard]] inline IntDomain int_uniform(long lo, long hi) {
    detail::check_int_domain("int_uniform", lo, hi, false);
    return {lo, hi, false};
}

/// Integers on {lo, ..., hi}, spread evenly in log scale (e.g. a number of neighbours or trees).
/// @throws ConfigError unless 0 < lo < hi ≤ 2^52.
[[nodiscard]] inline IntDomain int_log_uniform(long lo, long hi) {
    detail::check_int_domain("int_log_uniform", lo, hi, true);
    return {lo, hi, true};
}

/// A choice among labelled values, e.g. `categorical<Kernel>({{"rbf", Kernel::rbf}, {"linear", Kernel::linear}})`.
/// @throws ConfigError if `choices` is empty, a label is empty or two labels are equal.
template <class T>
[[nodiscard]] CategoricalDomain<T> categorical(std::vector<std::pair<std::string, T>> choices) {
    if (choices.empty()) throw ConfigError("hpo::categorical(): no choices (expected at least 1, got 0)");
    for (std::size_t a = 0; a < choices.size(); ++a) {
        if (choices[a].first.empty()) throw ConfigError(fmt::format("hpo::categorical(): choice {} has an empty label", a));
        for (std::size_t b = a + 1; b < choices.size(); ++b)
            if (choices[a].first == choices[b].first)
                throw ConfigError(fmt::format("hpo::categorical(): duplicate label '{}'", choices[a].first));
    }
    return {std::move(choices)};
}

/// A choice among strings, for `std::string` members; each string is its own label.
/// @throws ConfigError if `choices` is empty, has an empty string or a duplicate.
[[nodiscard]] inline CategoricalDomain<std::string> categorical(const std::vector<std::string>& choices) {
    std::vector<std::pair<std::string, std::string>> labelled;
    labelled.reserve(choices.size());
    for (const auto& c : choices) labelled.emplace_back(c, c);
    return categorical<std::string>(std::move(labelled));
}

/// The two booleans, labelled "false" and "true".
[[nodiscard]] inline CategoricalDomain<bool> boolean() { return categorical<bool>({{"false", false}, {"true", true}}); }

// ------------------------------------------------------------------------------- values view

/// One hyperparameter value: `double` (float dims), `long` (integer dims), label (categorical).
using Value = std::variant<double, long, std::string>;

/// A configuration as name → value (what records store).
using ValueMap = std::map<std::string, Value>;

/// Text of a value: shortest round-trip form for doubles, the label for categoricals.
[[nodiscard]] inline std::string to_string(const Value& v) {
    return std::visit([](const auto& x) -> std::string {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::string>) return x;
        else return fmt::format("{}", x);
    }, v);
}

/// Convert a JSON object {name: number or label} to a `ValueMap`: integers → long, other
/// numbers → double, strings → labels.
/// @throws ConfigError if `j` is not an object or holds another JSON type (null, bool, array,
///         object) or an integer beyond the range of long.
[[nodiscard]] METALEARN_INLINE ValueMap values_from_json(const nlohmann::json& j);

/// A `ValueMap` as a JSON object (doubles and longs as numbers, labels as strings).
[[nodiscard]] METALEARN_INLINE nlohmann::json values_to_json(const ValueMap& values);

/// How `SearchSpace::from_values(values, opts)` reads configurations written by people or other
/// programs (plan files).
struct LenientOptions {
    /// A real value within this fraction (of the larger magnitude) of a bound of the search or
    /// valid range is that bound (`9.999999999999999e-05`, numpy's `logspace(-4, 3, 12)[0]`, is
    /// the bound 1e-4). ≥ 0.
    double relative_tolerance = 1e-9;
    /// Accept numeric values in the dimension's valid range (what the model accepts), not only in
    /// its search range.
    bool valid_range = true;
    /// A categorical may be given as a number whose shortest text is a label (`1` for "1").
    bool labels_from_numbers = true;
};

/// Public description of one dimension.
struct Dimension {
    std::string name;                  ///< unique within the space
    DomainKind kind = DomainKind::uniform;
    double lo = 0.0;                   ///< numeric dims: lower bound (integer dims: as a double)
    double hi = 0.0;                   ///< numeric dims: upper bound
    std::vector<std::string> labels;   ///< categorical dims: the labels, in declaration order
    /// Numeric dims: the values the model accepts, a superset of [lo, hi] (`SearchSpace::valid_range`;
    /// default [lo, hi]). Samplers stay in [lo, hi]; `from_values` with `LenientOptions` accepts
    /// the whole valid range.
    double valid_lo = 0.0;
    double valid_hi = 0.0;  ///< see `valid_lo`

    [[nodiscard]] bool is_categorical() const noexcept { return kind == DomainKind::categorical; }
    [[nodiscard]] bool is_integer() const noexcept {
        return kind == DomainKind::int_uniform || kind == DomainKind::int_log_uniform;
    }
    [[nodiscard]] bool is_log() const noexcept {
        return kind == DomainKind::log_uniform || kind == DomainKind::int_log_uniform;
    }
    /// Number of encoded columns: the number of labels for a categorical, else 1.
    [[nodiscard]] Index encoded_width() const noexcept {
        return is_categorical() ? static_cast<Index>(labels.size()) : 1;
    }
};

namespace detail {

template <class...>
inline constexpr bool always_false = false;

/// A dimension with type-erased access to its member: the accessors take the address of a
/// configuration (a `Params` of the `SearchSpace` that made them), so that everything else is
/// compiled once for every parameter type (`SpaceCore`).
struct BoundDimension {
    Dimension info;
    std::function<double(const void*)> get_real;                     // float dims
    std::function<void(void*, double, double, double)> set_real;  // value, then the interval to stay in
    std::function<long(const void*)> get_int;                        // integer dims
    std::function<void(void*, long)> set_int;
    std::function<std::optional<std::size_t>(const void*)> get_index;  // categorical dims
    std::function<void(void*, std::size_t)> set_index;
    // A restricted space (`SearchSpace::restricted_to`) samples and decodes inside these bounds
    // (numeric dims, value space) and among these labels (categorical dims); encoding keeps [lo, hi].
    double sample_lo = 0.0;
    double sample_hi = 0.0;
    std::vector<std::size_t> allowed;  // categorical: allowed label indices (all when not restricted)
    std::optional<Value> pinned;       // fixed members of a restricted space: the value they are given
};
/// Map t ∈ [0, 1] to [lo, hi] (in log scale when `log`), clamped to [lo, hi].
inline double from_unit(bool log, double lo, double hi, double t) {
    t = std::clamp(t, 0.0, 1.0);
    double v = log ? std::exp(std::log(lo) + t * (std::log(hi) - std::log(lo))) : lo + t * (hi - lo);
    return std::clamp(v, lo, hi);
}

/// Map t ∈ [0, 1] to a numeric dimension's value space (before rounding), clamped to [lo, hi].
inline double from_unit(const Dimension& d, double t) { return from_unit(d.is_log(), d.lo, d.hi, t); }

/// Map a numeric value to [0, 1] (log scale for log dims).
inline double to_unit(const Dimension& d, double v) {
    return d.is_log() ? (std::log(v) - std::log(d.lo)) / (std::log(d.hi) - std::log(d.lo)) : (v - d.lo) / (d.hi - d.lo);
}

/// The part of `SearchSpace<Params>` that does not depend on `Params`: its dimensions and fixed
/// members, and every operation on them, on configurations passed by address (`void*` pointing
/// to a `Params`). Each member function is the `SearchSpace` member of the same name (or the
/// one named in its comment), documented there.
class SpaceCore {
public:
    [[nodiscard]] Index size() const noexcept { return static_cast<Index>(dims_.size()); }
    /// True when no dimension is declared (every sampler then returns copies of `base`).
    [[nodiscard]] bool empty() const noexcept { return dims_.empty(); }
    /// The description of dimension `i` (0 ≤ i < size()). @throws ConfigError if out of range.
    [[nodiscard]] const Dimension& dimension(Index i) const { return bound(i).info; }
    /// The description of the dimension called `name`. @throws ConfigError if unknown.
    [[nodiscard]] const Dimension& dimension(const std::string& name) const { return dims_[find(name, "dimension")].info; }
    /// Whether a dimension called `name` exists.
    [[nodiscard]] bool contains(const std::string& name) const noexcept {
        return std::any_of(dims_.begin(), dims_.end(), [&](const auto& d) { return d.info.name == name; });
    }
    /// Dimension names in declaration order.
    [[nodiscard]] std::vector<std::string> names() const;

    /// Declare the values the model accepts for numeric dimension `name` (e.g. any k ≥ 1 for a
    /// number of neighbours searched in [1, 50]): [lo, hi] must contain the search range. Sampling
    /// stays in the search range; `from_values(values, LenientOptions{})` (plan files) accepts the
    /// valid range.
    /// @throws ConfigError if `name` is unknown or categorical, lo > search lo, hi < search hi,

    void valid_range(const std::string& name, double lo, double hi);

    [[nodiscard]] std::vector<std::string> fixed_names() const;

    void set_bounds(const std::string& name, double lo, double hi);

    void restrict_to(const std::vector<const void*>& configs);

    /// Whether `p` lies inside the sampling restriction (`restricted_to`); true for an

    [[nodiscard]] bool within_restriction(const void* p) const;

    /// Length of `encode`'s vector: 1 per numeric dimension + number of labels per categorical.
    [[nodiscard]] Index encoded_size() const noexcept;

    /// Names of the encoded columns: the dimension name, or `name=label` for a one-hot column.
    [[nodiscard]] std::vector<std::string> encoded_names() const;

    // ---------------------------------------------------------------------- validation

    /// Check that every bound member holds a value of its domain.
    /// @throws ConfigError naming the first dimension whose value is outside its domain (NaN,

    void validate(const void* p) const;

    [[nodiscard]] ValueMap to_values(const void* p, const void* defaults) const;

    /// Set the entries of `values` on the configuration at `base` (`SearchSpace::from_values`).
    void set_values(const ValueMap& values, void* base, const LenientOptions* lenient) const {
        for (const auto& entry : values) set_entry(lookup(entry.first, "from_values"), entry.first, entry.second, base, lenient);
    }

    [[nodiscard]] std::string to_string(const void* p) const;

    [[nodiscard]] Vector encode(const void* p) const;

    void decode_into(const VectorRef& z, void* base) const;

    void from_unit_cube_into(const VectorRef& u, void* base) const;

    /// The values of each dimension on `SearchSpace::grid`'s grid (real value, integer value or
    /// label index), checked as `grid` documents.
    [[nodiscard]] std::vector<std::vector<double>> grid_axes(const std::map<std::string, Index>& resolution,
                                                             Index default_resolution) const;

    /// Give the configuration at `p` the grid point `pos` of `axis` (`grid_axes`).
    void grid_assign(const std::vector<std::vector<double>>& axis, const std::vector<std::size_t>& pos, void* p) const;

    /// Append a searched dimension (`SearchSpace::add`). @throws ConfigError on an empty or used name.
    void push(BoundDimension d);

    /// @throws ConfigError when `name` is already a dimension or a fixed member (`SearchSpace::fixed`).
    void check_fixed_name(const std::string& name) const {
        if (contains(name) || find_fixed(name))
            throw ConfigError(fmt::format("SearchSpace::fixed(): duplicate name '{}'", name));
    }
    /// Append a fixed member (`SearchSpace::fixed`).
    void add_fixed(BoundDimension d) { fixed_.push_back(std::move(d)); }
    /// The first searched dimension, moved out (`SearchSpace::fixed` builds one in a space of its own).
    [[nodiscard]] BoundDimension take_first() { return std::move(dims_.front()); }

private:
    const BoundDimension* find_fixed(const std::string& name) const;

    // The bound dimension (searched or fixed) called `name`. @throws ConfigError if unknown.
    const BoundDimension& lookup(const std::string& name, const char* method) const;

    // Set one entry of a name -> value config on `base` (see `from_values`).
    static void set_entry(const BoundDimension& d, const std::string& name, const Value& value,
                          void* base, const LenientOptions* lenient);

    void apply_pinned(void* p) const {
        for (const auto& f : fixed_)
            if (f.pinned) set_entry(f, f.info.name, *f.pinned, p, nullptr);
    }

    const BoundDimension& bound(Index i) const;

    std::size_t find(const std::string& name, const char* method) const;

    static const char* type_name(const Value& v);

    static Value value_of(const BoundDimension& d, const void* p);

    std::vector<BoundDimension> dims_;
    std::vector<BoundDimension> fixed_;  // settable by name, not searched nor encoded
};

/// Advance the grid position `pos` over `axis` (last dimension fastest); false after the last point.
inline bool grid_next(const std::vector<std::vector<double>>& axis, std::vector<std::size_t>& pos) {
    std::size_t j = axis.size();
    while (j > 0) {
        --j;
        if (++pos[j] < axis[j].size()) return true;
        pos[j] = 0;
    }
    return false;
}

}  // namespace detail

// ------------------------------------------------------------------------------ SearchSpace

/// Dimensions bound to members of `Params` by pointer; samples, encodes and names configurations.
///
/// @tparam Params an aggregate of hyperparameters (a model's `params_type`), default-constructible
///         and copyable. Members not bound to a dimension keep the value of the `base` config
///         passed to the samplers (default: `Params{}`).
///
/// The space is a value type (copyable); models return theirs from `static search_space()`.
template <class Params>
class SearchSpace {
public:
    using params_type = Params;

    /// Bind a floating-point member to a real domain (`uniform` or `log_uniform`).
    /// @throws ConfigError if `name` is empty or already used.
    template <std::floating_point T>
    SearchSpace& add(std::string name, T Params::*member, FloatDomain domain) {
        detail::check_float_domain("SearchSpace::add", domain.lo, domain.hi, domain.log);
        detail::BoundDimension d;
        d.info = {std::move(name), domain.log ? DomainKind::log_uniform : DomainKind::uniform, domain.lo, domain.hi, {},
                  domain.lo, domain.hi};
        d.get_real = [member](const void* p) { return static_cast<double>(static_cast<const Params*>(p)->*member); };
        d.set_real = [member](void* p, double v, double lo, double hi) {
            auto t = static_cast<T>(v);
            // A float member may round outside [lo, hi]: step back inside.
            while (static_cast<double>(t) > hi) t = std::nextafter(t, static_cast<T>(lo));
            while (static_cast<double>(t) < lo) t = std::nextafter(t, static_cast<T>(hi));
            static_cast<Params*>(p)->*member = t;
        };
        core_.push(std::move(d));
        return *this;
    }

    /// Bind an integer member (any integer type but bool) to `int_uniform` or `int_log_uniform`.
    /// @throws ConfigError if `name` is empty or used, or the bounds do not fit in T.
    template <std::integral T>
        requires(!std::same_as<T, bool>)
    SearchSpace& add(std::string name, T Params::*member, IntDomain domain) {
        detail::check_int_domain("SearchSpace::add", domain.lo, domain.hi, domain.log);
        if (!std::in_range<T>(domain.lo) || !std::in_range<T>(domain.hi))
            throw ConfigError(fmt::format("SearchSpace::add(): bounds of '{}' do not fit the member's type (got lo={}, hi={})",
                                          name, domain.lo, domain.hi));
        detail::BoundDimension d;
        d.info = {std::move(name), domain.log ? DomainKind::int_log_uniform : DomainKind::int_uniform,
                  static_cast<double>(domain.lo), static_cast<double>(domain.hi), {},
                  static_cast<double>(domain.lo), static_cast<double>(domain.hi)};
        d.get_int = [member](const void* p) -> long {
            const T v = static_cast<const Params*>(p)->*member;
            if (!std::in_range<long>(v)) return std::numeric_limits<long>::max();  // out of range, caught by validate
            return static_cast<long>(v);
        };
        d.set_int = [member](void* p, long v) { static_cast<Params*>(p)->*member = static_cast<T>(v); };
        core_.push(std::move(d));
        return *this;
    }

    /// Bind a member of any copyable, equality-comparable type to a categorical domain whose
    /// values convert to it.
    /// @throws ConfigError if `name` is empty or used, or the domain is invalid.
    template <class T, class U>
        requires std::copyable<T> && std::equality_comparable<T> && std::convertible_to<U, T>
    SearchSpace& add(std::string name, T Params::*member, CategoricalDomain<U> domain) {
        auto checked = categorical<U>(std::move(domain.choices));
        std::vector<T> values;
        detail::BoundDimension d;
        d.info = {std::move(name), DomainKind::categorical, 0.0, 0.0, {}};
        for (auto& [label, value] : checked.choices) {
            d.info.labels.push_back(label);
            values.push_back(static_cast<T>(value));
        }
        d.info.hi = static_cast<double>(values.size() - 1);
        d.info.valid_hi = d.info.hi;
        d.get_index = [member, values](const void* p) -> std::optional<std::size_t> {
            for (std::size_t k = 0; k < values.size(); ++k)
                if (static_cast<const Params*>(p)->*member == values[k]) return k;
            return std::nullopt;
        };
        d.set_index = [member, values](void* p, std::size_t k) { static_cast<Params*>(p)->*member = values[k]; };
        core_.push(std::move(d));
        return *this;
    }

    /// Any other member/domain pairing is a compile-time error with a readable message.
    template <class T, class D>
    SearchSpace& add(std::string /*name*/, T Params::* /*member*/, D /*domain*/) {
        static_assert(detail::always_false<T, D>,
                      "SearchSpace::add(): the domain does not fit the member's type: uniform/log_uniform need a "
                      "float or double member, int_uniform/int_log_uniform an integer member other than bool, "
                      "categorical<T> a member that T converts to (use hpo::boolean() for bool)");
        return *this;
    }

    /// Number of dimensions.
    [[nodiscard]] Index size() const noexcept { return core_.size(); }
    /// True when no dimension is declared (every sampler then returns copies of `base`).
    [[nodiscard]] bool empty() const noexcept { return core_.empty(); }
    /// The description of dimension `i` (0 ≤ i < size()). @throws ConfigError if out of range.
    [[nodiscard]] const Dimension& dimension(Index i) const { return core_.dimension(i); }
    /// The description of the dimension called `name`. @throws ConfigError if unknown.
    [[nodiscard]] const Dimension& dimension(const std::string& name) const { return core_.dimension(name); }
    /// Whether a dimension called `name` exists.
    [[nodiscard]] bool contains(const std::string& name) const noexcept { return core_.contains(name); }
    /// Dimension names in declaration order.
    [[nodiscard]] std::vector<std::string> names() const { return core_.names(); }

    /// Declare the values the model accepts for numeric dimension `name` (e.g. any k ≥ 1 for a
    /// number of neighbours searched in [1, 50]): [lo, hi] must contain the search range. Sampling
    /// stays in the search range; `from_values(values, LenientOptions{})` (plan files) accepts the
    /// valid range.
    /// @throws ConfigError if `name` is unknown or categorical, lo > search lo, hi < search hi,
    ///         a bound is not finite, or (log dims) lo ≤ 0.
    SearchSpace& valid_range(const std::string& name, double lo, double hi) {
        core_.valid_range(name, lo, hi);
        return *this;
    }

    /// Declare a member that is settable by name (in `from_values`, `from_json`, plan files) but
    /// neither searched nor encoded, e.g. a solver's `max_iter`. `domain` (as in `add`) gives
    /// the values accepted. `to_values` lists a fixed member only when it differs from its value
    /// in `Params{}`.
    /// @throws ConfigError if `name` is empty or used, or the domain does not suit the member.
    template <class T, class D>
    SearchSpace& fixed(std::string name, T Params::*member, D domain) {
        core_.check_fixed_name(name);
        SearchSpace one;
        one.add(std::move(name), member, std::move(domain));
        core_.add_fixed(one.core_.take_first());
        return *this;
    }

    /// Names of the fixed members (`fixed`), in declaration order.
    [[nodiscard]] std::vector<std::string> fixed_names() const { return core_.fixed_names(); }

    /// A copy whose numeric dimension `name` has the search range [lo, hi] (inside its valid
    /// range): samplers and encoding use the new range.
    /// @throws ConfigError if `name` is unknown or categorical, !(lo < hi), or [lo, hi] leaves the
    ///         valid range.
    [[nodiscard]] SearchSpace with_bounds(const std::string& name, double lo, double hi) const {
        SearchSpace out = *this;
        out.core_.set_bounds(name, lo, hi);
        return out;
    }

    /// A copy that samples (`random`, `sobol`, `from_unit_cube`) and decodes only inside what
    /// `configs` span: each numeric dimension between the least and the greatest value the
    /// configs hold (a dimension they hold at one value stays at it), each categorical among the
    /// labels they use, each fixed member at the value most of them hold (the earliest on ties).
    /// The encoding is unchanged (same bounds, same width), so a meta-model fitted on the full
    /// space's encoding reads it. `grid` and `validate` are not restricted. An empty `configs`
    /// gives an unrestricted copy.
    /// @throws ConfigError if a config is outside the space (see `validate`).
    [[nodiscard]] SearchSpace restricted_to(const std::vector<Params>& configs) const {
        SearchSpace out = *this;
        std::vector<const void*> ptrs;
        ptrs.reserve(configs.size());
        for (const Params& c : configs) ptrs.push_back(&c);
        out.core_.restrict_to(ptrs);
        return out;
    }

    /// Whether `p` lies inside the sampling restriction (`restricted_to`); true for an
    /// unrestricted space and any config inside it.
    [[nodiscard]] bool within_restriction(const Params& p) const { return core_.within_restriction(&p); }

    /// Length of `encode`'s vector: 1 per numeric dimension + number of labels per categorical.
    [[nodiscard]] Index encoded_size() const noexcept { return core_.encoded_size(); }

    /// Names of the encoded columns: the dimension name, or `name=label` for a one-hot column.
    [[nodiscard]] std::vector<std::string> encoded_names() const { return core_.encoded_names(); }

    // ---------------------------------------------------------------------- validation

    /// Check that every bound member holds a value of its domain.
    /// @throws ConfigError naming the first dimension whose value is outside its domain (NaN,
    ///         outside [lo, hi], or a value matching no categorical choice).
    void validate(const Params& p) const { core_.validate(&p); }

    // ------------------------------------------------------------------ name → value view

    /// The bound members of `p` as name → value. @throws ConfigError if a categorical member holds
    /// a value that is none of its choices (it has no label).
    [[nodiscard]] ValueMap to_values(const Params& p) const {
        const Params defaults{};
        return core_.to_values(&p, &defaults);
    }

    /// A config from name → value; names not given keep `base`'s value.
    ///
    /// Float dims accept a `double` or a `long`; integer dims a `long`, or a `double` holding an
    /// integer; categorical dims a label.
    /// @throws ConfigError naming the entry: unknown name, wrong type, value outside the domain,
    ///         unknown label.
    [[nodiscard]] Params from_values(const ValueMap& values, Params base = {}) const {
        core_.set_values(values, &base, nullptr);
        return base;
    }

    /// As `from_values`, for configurations written by people or other programs (plan files):
    /// numeric values in the dimension's valid range (`Dimension::valid_lo`..`valid_hi`, not only
    /// the search range) are accepted, a real value beyond a bound by at most
    /// `opts.relative_tolerance` (relative to the larger magnitude) is clamped to that bound, and
    /// a categorical may be given as a number whose shortest text is a label (`p: 1` for the
    /// label "1"). Fixed members (`fixed`) are set like dimensions.
    /// @throws ConfigError naming the entry: unknown name, wrong type, value outside the valid
    ///         range (beyond the tolerance), unknown label.
    [[nodiscard]] Params from_values(const ValueMap& values, const LenientOptions& opts, Params base = {}) const {
        core_.set_values(values, &base, &opts);
        return base;
    }

    /// The bound members as a JSON object {name: number or label}.
    /// @throws ConfigError as `to_values`.
    [[nodiscard]] nlohmann::json to_json(const Params& p) const {
        return values_to_json(to_values(p));
    }

    /// A config from a JSON object {name: number or label}; names not given keep `base`'s value.
    /// @throws ConfigError if `j` is not an object, or as `from_values`.
    [[nodiscard]] Params from_json(const nlohmann::json& j, Params base = {}) const {
        return from_values(hpo::values_from_json(j), std::move(base));
    }

    /// A config from a JSON object read leniently (see `from_values(values, opts, base)`).
    /// @throws ConfigError if `j` is not an object, or as that `from_values`.
    [[nodiscard]] Params from_json(const nlohmann::json& j, const LenientOptions& opts, Params base = {}) const {
        return from_values(hpo::values_from_json(j), opts, std::move(base));
    }

    /// `name=value, ...` in declaration order, e.g. `alpha=0.1, fit_intercept=true`.
    [[nodiscard]] std::string to_string(const Params& p) const { return core_.to_string(&p); }

    // ------------------------------------------------------------------------ encoding

    /// The numeric vector a meta-model sees: each numeric dim scaled to [0, 1] (log dims in log
    /// scale), each categorical one-hot. Length `encoded_size()`, order `encoded_names()`.
    /// @throws ConfigError if `p` is outside the space (see `validate`).
    [[nodiscard]] Vector encode(const Params& p) const { return core_.encode(&p); }

    /// Encode a name → value config (names not given take `base`'s value).
    /// @throws ConfigError as `from_values` and `encode`.
    [[nodiscard]] Vector encode_values(const ValueMap& values, const Params& base = {}) const {
        return encode(from_values(values, base));
    }

    /// The config nearest to an encoded vector: numeric coordinates clamped to [0, 1] and mapped
    /// back (integers rounded to the nearest integer in value space), categoricals by argmax
    /// (first label on ties). Unbound members come from `base`.
    /// `decode(encode(p))` gives back p exactly for integer and categorical dims, and to within a
    /// few ulps for real dims.
    /// @throws ConfigError if `z.size() != encoded_size()` or z has a NaN.
    [[nodiscard]] Params decode(const VectorRef& z, Params base = {}) const {
        core_.decode_into(z, &base);
        return base;
    }

    /// Map a point u ∈ [0, 1)^size() (one coordinate per dimension) to a config so that a uniform
    /// u gives the sampling distribution of each domain: real dims uniform / log-uniform;
    /// integer dims uniform over {lo..hi} (floor of lo + u·(hi − lo + 1)), or for log dims the
    /// floor of a log-uniform value on [lo, hi + 1); categoricals uniform over the labels.
    /// Used by `random` and `sobol`. @throws ConfigError on a wrong length.
    [[nodiscard]] Params from_unit_cube(const VectorRef& u, Params base = {}) const {
        core_.from_unit_cube_into(u, &base);
        return base;
    }

    // ------------------------------------------------------------------------ samplers

    /// The full grid with the same resolution on every real and integer dimension.
    /// See the other overload.
    [[nodiscard]] std::vector<Params> grid(Index resolution = 5, const Params& base = {}) const {
        return grid(std::map<std::string, Index>{}, resolution, base);
    }

    /// The full Cartesian grid, first dimension varying slowest.
    ///
    /// Real dims: `r` points evenly spaced from lo to hi inclusive (in log scale for log dims;
    /// r = 1 gives the midpoint). Integer dims: the same points rounded to integers, duplicates
    /// removed (so a small range gives every integer once). Categoricals: every label.
    /// @param resolution per-dimension r by name (others use `default_resolution`).
    /// @param default_resolution r for dims not in `resolution`, ≥ 1.
    /// @param base values of the members not in the space.
    /// @return the grid points; one copy of `base` for an empty space.
    /// @throws ConfigError if a name is unknown or names a categorical, a resolution is < 1, or
    ///         the grid would have more than 10^7 points.
    [[nodiscard]] std::vector<Params> grid(const std::map<std::string, Index>& resolution, Index default_resolution = 5,
                                           const Params& base = {}) const {
        const std::vector<std::vector<double>> axis = core_.grid_axes(resolution, default_resolution);
        std::size_t total = 1;
        for (const auto& a : axis) total *= a.size();
        std::vector<Params> out;
        out.reserve(total);
        std::vector<std::size_t> pos(axis.size(), 0);
        do {
            Params p = base;
            core_.grid_assign(axis, pos, &p);
            out.push_back(std::move(p));
        } while (detail::grid_next(axis, pos));
        return out;
    }

    /// `n` independent random configs: each dimension drawn independently from its domain's
    /// distribution (see `from_unit_cube`), through `Rng(seed)`.
    /// @throws ConfigError if n < 0. Same seed → same configs.
    [[nodiscard]] std::vector<Params> random(Index n, std::uint64_t seed, const Params& base = {}) const {
        if (n < 0) throw ConfigError(fmt::format("SearchSpace::random(): negative number of configs ({})", n));
        Rng rng(seed);
        std::vector<Params> out;
        out.reserve(static_cast<std::size_t>(n));
        Vector u(size());
        for (Index s = 0; s < n; ++s) {
            for (Index j = 0; j < size(); ++j) u[j] = rng.uniform();
            out.push_back(from_unit_cube(u, base));
        }
        return out;
    }

    /// `n` configs from a scrambled Sobol design (`sobol_points(n, size(), seed)`, one Sobol
    /// coordinate per dimension, mapped by `from_unit_cube`). Spreads the configs more evenly than
    /// `random`: with n = 2^m, each real dimension's n values fall one in each of n equal
    /// intervals (of the encoded scale).
    /// @throws ConfigError if n < 0 or the space has more than `sobol_max_dimensions` dimensions.
    [[nodiscard]] std::vector<Params> sobol(Index n, std::uint64_t seed, const Params& base = {}) const {
        if (n < 0) throw ConfigError(fmt::format("SearchSpace::sobol(): negative number of configs ({})", n));
        std::vector<Params> out;
        out.reserve(static_cast<std::size_t>(n));
        if (empty()) {
            out.assign(static_cast<std::size_t>(n), base);
            return out;
        }
        const Matrix u = sobol_points(n, size(), seed, true);
        for (Index s = 0; s < n; ++s) out.push_back(from_unit_cube(u.row(s).transpose(), base));
        return out;
    }

private:
    detail::SpaceCore core_;
};

namespace detail {

/// The dimensions of `space`, in declaration order.
template <class Params>
std::vector<Dimension> space_dimensions(const SearchSpace<Params>& space) {
    std::vector<Dimension> out;
    out.reserve(static_cast<std::size_t>(space.size()));
    for (Index i = 0; i < space.size(); ++i) out.push_back(space.dimension(i));
    return out;
}

}  // namespace detail

}  // namespace metalearn::hpo

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/core/search_space_impl.hpp"
#endif
