// libFuzzer harness of the IDX reader (which reads files: the bytes are written to a scratch
// file first): shape, images, labels and an image+label dataset from the same file must succeed
// or throw a metalearn::Error (ParseError, IoError, DataError); any other exception, a crash, a
// sanitizer report, a timeout or an out-of-memory is a finding. Run through scripts/fuzz.

#include <metalearn/core/error.hpp>
#include <metalearn/data/idx.hpp>

#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto path = metalearn::fuzz::write_input("input-idx-ubyte", data, size);
    namespace d = metalearn::data;
    try {
        (void)d::read_idx_shape(path);
    } catch (const metalearn::Error&) {
    }
    try {
        (void)d::read_idx_images(path);
    } catch (const metalearn::Error&) {
    }
    try {
        (void)d::read_idx_images(path, 1);
    } catch (const metalearn::Error&) {
    }
    try {
        (void)d::read_idx_labels(path);
    } catch (const metalearn::Error&) {
    }
    try {
        (void)d::read_idx_dataset(path, path, "fuzz");
    } catch (const metalearn::Error&) {
    }
    return 0;
}
