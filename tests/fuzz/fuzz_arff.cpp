// libFuzzer harness of the ARFF reader: any input must parse or throw a metalearn::Error
// (ParseError, DataError, ConfigError); any other exception, a crash, a sanitizer report, a
// timeout or an out-of-memory is a finding. Run through scripts/fuzz.

#include <metalearn/core/error.hpp>
#include <metalearn/data/arff.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        metalearn::data::ArffOptions options;
        options.on_warning = [](const std::string&) {};
        (void)metalearn::data::read_arff_string(text, "fuzz.arff", options);
    } catch (const metalearn::Error&) {
    }
    try {
        // The other policy for string attributes, and a forced task.
        metalearn::data::ArffOptions options;
        options.string_attributes = metalearn::data::UnsupportedAttributes::reject;
        options.task = metalearn::data::TaskType::classification;
        (void)metalearn::data::read_arff_string(text, "fuzz.arff", options);
    } catch (const metalearn::Error&) {
    }
    return 0;
}
