#pragma once
/// @file predictor_impl.hpp
/// @brief Bodies of the non-template parts of predictor.hpp (`Suggestion::config_text`, `detail::diverse_top`). Included by that
/// header in header-only mode; compiled into the library in compiled mode (core/config.hpp).

#include "metalearn/meta/predictor.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace metalearn::meta {

METALEARN_INLINE std::string Suggestion::config_text() const {
    return config.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace metalearn::meta

namespace metalearn::meta::detail {

METALEARN_INLINE std::vector<Index> diverse_top(const Matrix& encoding, Index k, double d) {
    const Index n = encoding.rows();
    const double scale = std::sqrt(static_cast<double>(std::max<Index>(encoding.cols(), 1)));
    std::vector<Index> chosen;
    for (double dist = d; static_cast<Index>(chosen.size()) < std::min(k, n); dist /= 2) {
        chosen.clear();
        for (Index i = 0; i < n && static_cast<Index>(chosen.size()) < k; ++i) {
            bool ok = true;
            for (Index c : chosen)
                if ((encoding.row(i) - encoding.row(c)).norm() / scale < dist) {
                    ok = false;
                    break;
                }
            if (ok) chosen.push_back(i);
        }
        if (dist < 1e-6) break;
    }
    return chosen;
}

}  // namespace metalearn::meta::detail
