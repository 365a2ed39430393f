#pragma once
/// @file class_weight_json.hpp
/// @brief The saved form of a classifier's class weights ("class_weight", "class_weights").

#include "metalearn/models/class_weight.hpp"
#include "metalearn/models/detail/serialization.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string>

namespace metalearn::models::detail {

/// Read `"class_weight"` ("none", "balanced" or "explicit") and `"class_weights"` (an array of
/// finite numbers) of the saved params object `pj` at `pa` into `p.class_weight` and
/// `p.class_weights` (any params type with those members). The values are checked by the model's
/// `set_params`, not here.
/// @throws ParseError when a member is missing, of the wrong JSON type, or an unknown weighting;
///         DataError on a non-finite weight.
template <class P>
void read_class_weight_json(const nlohmann::json& pj, const JsonAt& pa, P& p) {
    const std::string& cw = json_string(json_field(pj, pa, "class_weight"), pa / "class_weight");
    if (cw == "none") p.class_weight = ClassWeight::none;
    else if (cw == "balanced") p.class_weight = ClassWeight::balanced;
    else if (cw == "explicit") p.class_weight = ClassWeight::explicit_weights;
    else
        json_structure_error(pa / "class_weight",
                             fmt::format("unknown class weighting (expected \"none\", \"balanced\" or \"explicit\", got {})",
                                         json_preview(json_field(pj, pa, "class_weight"))));
    const Vector w = json_vector(json_field(pj, pa, "class_weights"), pa / "class_weights");
    p.class_weights.assign(w.data(), w.data() + w.size());
}

}  // namespace metalearn::models::detail
