#pragma once
/// @file cross_validate_impl.hpp
/// @brief Bodies of cross_validate.hpp. Included by that header in header-only mode; compiled into the
/// library in compiled mode (core/config.hpp).

#include "metalearn/hpo/cross_validate.hpp"

namespace metalearn::hpo::detail {

METALEARN_INLINE void check_fold(const data::Fold& f, std::size_t index, Index n) {
    if (f.train.empty() || f.test.empty())
        throw DataError(fmt::format("hpo::cross_validate(): fold {} has an empty {} set", index, f.train.empty() ? "training" : "test"));
    for (const auto* part : {&f.train, &f.test})
        for (Index i : *part)
            if (i < 0 || i >= n)
                throw DataError(fmt::format("hpo::cross_validate(): fold {} holds row {} (expected 0 to {})", index, i, n - 1));
}

}  // namespace metalearn::hpo::detail
