// libFuzzer harness of the CSV reader (comma- and tab-delimited, default and first-appearance
// category order): any input must parse or throw a metalearn::Error (ParseError, DataError,
// ConfigError); any other exception, a crash, a sanitizer report, a timeout or an out-of-memory
// is a finding. The headerless scikit-learn layout is read from a file: see
// fuzz_read_dataset.cpp. Run through scripts/fuzz.

#include <metalearn/core/error.hpp>
#include <metalearn/data/csv.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        metalearn::data::CsvOptions options;
        options.on_warning = [](const std::string&) {};
        (void)metalearn::data::read_csv_string(text, "fuzz.csv", options);
    } catch (const metalearn::Error&) {
    }
    try {
        metalearn::data::CsvOptions options;
        options.delimiter = '\t';
        options.rename_duplicate_columns = true;
        options.category_order = metalearn::data::CategoryOrder::first_appearance;
        options.task = metalearn::data::TaskType::classification;
        (void)metalearn::data::read_csv_string(text, "fuzz.tsv", options);
    } catch (const metalearn::Error&) {
    }
    return 0;
}
