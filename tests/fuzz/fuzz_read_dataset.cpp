// libFuzzer harness of read_dataset, the entry point that picks a reader from the file name:
// the bytes are written as .arff, .csv (read_csv or read_sklearn_csv, by content) and .tsv (with
// the PMLB target rule) and each must parse or throw a metalearn::Error (ParseError, IoError,
// DataError, ConfigError); any other exception, a crash, a sanitizer report, a timeout or an
// out-of-memory is a finding. Run through scripts/fuzz.

#include <metalearn/core/error.hpp>
#include <metalearn/data/read.hpp>

#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    metalearn::data::ReadOptions options;
    options.on_warning = [](const std::string&) {};
    for (const char* name : {"input.arff", "input.csv", "input.tsv"}) {
        const auto path = metalearn::fuzz::write_input(name, data, size);
        try {
            (void)metalearn::data::read_dataset(path, options);
        } catch (const metalearn::Error&) {
        }
    }
    return 0;
}
