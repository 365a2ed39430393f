#pragma once
/// @file format.hpp
/// @brief fmt support for Eigen types: `fmt::format("{}", matrix)` prints rows on lines.
///
/// fmt 9 does not print through `operator<<`; this formatter prints any dense Eigen expression
/// with the element format spec applied to each coefficient, e.g. `fmt::format("{:.3f}", v)`.

#include <Eigen/Core>
#include <fmt/format.h>

#include <string>
#include <type_traits>

template <class Derived>
struct fmt::formatter<Derived, char,
                      std::enable_if_t<std::is_base_of_v<Eigen::DenseBase<Derived>, Derived>>> {
    fmt::formatter<typename Derived::Scalar, char> element;

    constexpr auto parse(fmt::format_parse_context& ctx) { return element.parse(ctx); }

    template <class FormatContext>
    auto format(const Derived& m, FormatContext& ctx) const {
        auto out = ctx.out();
        const bool vector = m.cols() == 1;
        out = fmt::format_to(out, "[");
        for (Eigen::Index i = 0; i < m.rows(); ++i) {
            if (!vector) out = fmt::format_to(out, fmt::runtime(i == 0 ? "[" : " ["));
            for (Eigen::Index j = 0; j < m.cols(); ++j) {
                if (j > 0) out = fmt::format_to(out, ", ");
                ctx.advance_to(out);
                out = element.format(m(i, j), ctx);
            }
            if (!vector) out = fmt::format_to(out, fmt::runtime(i + 1 < m.rows() ? "]\n" : "]"));
            else if (i + 1 < m.rows()) out = fmt::format_to(out, ", ");
        }
        return fmt::format_to(out, "]");
    }
};
