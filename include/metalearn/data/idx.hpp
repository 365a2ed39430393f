#pragma once
/// @file idx.hpp
/// @brief Reader for the IDX format of MNIST and Fashion-MNIST (plain or gzip-compressed).
///
/// IDX (LeCun et al., "The MNIST database", yann.lecun.com/exdb/mnist): a 4-byte magic
/// `0x00 0x00 <type> <number of dimensions>`, one big-endian 32-bit size per dimension, then the
/// values in row-major order. Only unsigned bytes (type 0x08) are supported, which is what
/// MNIST and Fashion-MNIST use. Pixel values are returned unscaled, 0..255 as doubles; scale
/// them (e.g. divide by 255, or `StandardScaler`) as the model needs.

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/data/dataset.hpp"
#include "metalearn/data/detail/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace metalearn::data {

namespace detail {

/// A decoded IDX file: dimension sizes and the raw bytes after the header.
struct IdxFile {
    std::vector<Index> dims;
    std::string bytes;
    std::size_t offset = 0;  // start of the values in `bytes`
};

inline IdxFile read_idx(const std::filesystem::path& path, const char* where) {
    IdxFile f;
    f.bytes = read_file(path, where);
    const std::string label = path.string();
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(f.bytes[i]); };
    if (f.bytes.size() < 4)
        throw ParseError(label, 0, 0, fmt::format("{}: file too short for an IDX header (expected at least 4 bytes, got {})",
                                                  where, f.bytes.size()));
    if (byte(0) != 0 || byte(1) != 0)
        throw ParseError(label, 0, 0, fmt::format("{}: not an IDX file (expected magic bytes 00 00, got {:02x} {:02x})",
                                                  where, byte(0), byte(1)));
    if (byte(2) != 0x08)
        throw ParseError(label, 0, 0,
                         fmt::format("{}: IDX value type 0x{:02x} not supported (expected 0x08, unsigned byte)", where,
                                     byte(2)));
    const std::size_t ndims = byte(3);
    if (ndims == 0) throw ParseError(label, 0, 0, fmt::format("{}: IDX file with 0 dimensions", where));
    if (f.bytes.size() < 4 + 4 * ndims)
        throw ParseError(label, 0, 0, fmt::format("{}: truncated IDX header ({} dimensions declared)", where, ndims));
    f.offset = 4 + 4 * ndims;
    const std::size_t available = f.bytes.size() - f.offset;
    std::string declared;
    for (std::size_t d = 0; d < ndims; ++d) {
        const std::size_t o = 4 + 4 * d;
        const std::uint32_t size = (std::uint32_t{byte(o)} << 24U) | (std::uint32_t{byte(o + 1)} << 16U) |
                                   (std::uint32_t{byte(o + 2)} << 8U) | std::uint32_t{byte(o + 3)};
        f.dims.push_back(static_cast<Index>(size));
        declared += fmt::format("{}{}", d ? " x " : "", size);
    }
    // A dimension of size 0 declares no values at all. Not read as an empty result: the other
    // dimensions (a row size of 2^31 x 2^32 pixels, say) could not be checked against the data,
    // and a Dataset needs at least one sample anyway.
    for (std::size_t d = 0; d < ndims; ++d)
        if (f.dims[d] == 0)
            throw ParseError(label, 0, 0,
                             fmt::format("{}: IDX file declares no values (dimensions {}; expected every dimension "
                                         "to be at least 1)",
                                         where, declared));
    // The product of the dimensions is checked by division, so it can never wrap around; then it
    // must fit in the data. Every dimension being at least 1, every partial product (such as
    // rows x cols, the size of one image) is then at most the number of bytes of data too.
    const auto limit = static_cast<std::size_t>(std::numeric_limits<Index>::max());
    std::size_t total = 1;
    for (std::size_t d = ndims; d-- > 0;) {
        const auto size = static_cast<std::size_t>(f.dims[d]);
        if (total > limit / size)
            throw ParseError(label, 0, 0,
                             fmt::format("{}: declared IDX size {} is too large for the file (its product exceeds "
                                         "{} values; expected at most {} values, the file holds {} bytes of data)",
                                         where, declared, limit, available, available));
        total *= size;
    }
    if (available < total)
        throw ParseError(label, 0, 0,
                         fmt::format("{}: truncated IDX data (expected {} values, got {})", where, total,
                                     f.bytes.size() - f.offset));
    // Bytes after the declared values mean the header does not describe the file (a damaged or
    // concatenated file): refused rather than ignored.
    if (available > total)
        throw ParseError(label, 0, 0,
                         fmt::format("{}: {} byte(s) after the {} values the IDX header declares (dimensions {}; "
                                     "expected the file to end there)",
                                     where, available - total, total, declared));
    return f;
}

/// The images of a read IDX file (see `read_idx_images`).
[[nodiscard]] inline Matrix idx_images(const IdxFile& f, const std::filesystem::path& path, Index max_samples) {
    if (f.dims.size() != 3)
        throw ParseError(path.string(), 0, 0,
                         fmt::format("read_idx_images(): expected 3 dimensions (n x rows x cols), got {}", f.dims.size()));
    const Index n = max_samples >= 0 ? std::min(max_samples, f.dims[0]) : f.dims[0];
    const Index p = f.dims[1] * f.dims[2];
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> M(n, p);
    const auto* data = reinterpret_cast<const std::uint8_t*>(f.bytes.data() + f.offset);
    for (Index k = 0; k < n * p; ++k) M.data()[k] = static_cast<double>(data[k]);
    return Matrix(M);
}

/// The labels of a read IDX file (see `read_idx_labels`).
[[nodiscard]] inline IndexVector idx_labels(const IdxFile& f, const std::filesystem::path& path, Index max_samples) {
    if (f.dims.size() != 1)
        throw ParseError(path.string(), 0, 0,
                         fmt::format("read_idx_labels(): expected 1 dimension, got {}", f.dims.size()));
    const Index n = max_samples >= 0 ? std::min(max_samples, f.dims[0]) : f.dims[0];
    IndexVector labels(n);
    for (Index i = 0; i < n; ++i)
        labels[i] = static_cast<std::uint8_t>(f.bytes[f.offset + static_cast<std::size_t>(i)]);
    return labels;
}

}  // namespace detail

/// The dimension sizes declared in an IDX file's header, e.g. {10000, 28, 28} for images.
///
/// The whole file is read and checked before anything is allocated for its values: every
/// dimension must be at least 1 (a file declaring 0 values is rejected, not read as empty), and
/// the product of the dimensions, computed without overflow, must fit in the bytes that follow
/// the header, so every row size does too.
/// @throws IoError if unreadable; ParseError if the header is malformed, a dimension is 0, the
///         declared size does not fit in the file or the data is truncated.
[[nodiscard]] inline std::vector<Index> read_idx_shape(const std::filesystem::path& path) {
    return detail::read_idx(path, "read_idx_shape()").dims;
}

/// Read an IDX image file (3 dimensions: n × rows × cols) as an n×(rows·cols) matrix.
/// Row i holds image i in row-major pixel order; values are the raw bytes 0..255.
/// @param path        `*-images-idx3-ubyte` or `.gz`.
/// @param max_samples read at most this many images (the first ones); -1 = all.
/// @throws IoError if unreadable; ParseError if not a 3-dimensional unsigned-byte IDX file, a
///         dimension is 0, or the declared size does not fit in the file (see `read_idx_shape`).
[[nodiscard]] inline Matrix read_idx_images(const std::filesystem::path& path, Index max_samples = -1) {
    return detail::idx_images(detail::read_idx(path, "read_idx_images()"), path, max_samples);
}

/// Read an IDX label file (1 dimension) as n integer labels.
/// @param max_samples read at most this many labels; -1 = all.
/// @throws IoError if unreadable; ParseError if not a 1-dimensional unsigned-byte IDX file,
///         empty (0 labels declared) or truncated.
[[nodiscard]] inline IndexVector read_idx_labels(const std::filesystem::path& path, Index max_samples = -1) {
    return detail::idx_labels(detail::read_idx(path, "read_idx_labels()"), path, max_samples);
}

/// Read an image file and its label file as a classification dataset.
///
/// Features are the rows·cols pixels (numeric, named "pixel0", ...; raw 0..255); classes are
/// the labels present, in increasing order and named by their value, at most 256 of them as
/// labels are bytes (for Fashion-MNIST "0".."9": T-shirt/top, Trouser, Pullover, Dress, Coat,
/// Sandal, Shirt, Sneaker, Bag, Ankle boot; a subset missing a label has fewer classes).
/// @param images      `*-images-idx3-ubyte[.gz]`.
/// @param labels      `*-labels-idx1-ubyte[.gz]`.
/// @param name        dataset name.
/// @param max_samples keep the first this many samples; -1 = all (60000×784 doubles are 376 MB).
/// @throws IoError / ParseError as the two readers; DataError if the counts differ.
[[nodiscard]] inline Dataset read_idx_dataset(const std::filesystem::path& images, const std::filesystem::path& labels,
                                              const std::string& name, Index max_samples = -1) {
    // the counts the two files declare must agree, whatever max_samples keeps: the first n
    // images of one set with the first n labels of another would pair silently
    const auto fi = detail::read_idx(images, "read_idx_images()");
    const auto fl = detail::read_idx(labels, "read_idx_labels()");
    if (fi.dims.size() == 3 && fl.dims.size() == 1 && fi.dims[0] != fl.dims[0])
        throw DataError(fmt::format("read_idx_dataset(): {} images in '{}' but {} labels in '{}' (expected equal counts)",
                                    fi.dims[0], images.string(), fl.dims[0], labels.string()));
    Matrix X = detail::idx_images(fi, images, max_samples);
    const IndexVector y = detail::idx_labels(fl, labels, max_samples);
    if (y.size() != X.rows())
        throw DataError(fmt::format("read_idx_dataset(): {} images but {} labels (expected equal counts)", X.rows(),
                                    y.size()));
    if (y.size() == 0) throw DataError("read_idx_dataset(): no samples (expected at least one)");
    // the classes are the labels present, in increasing order (as the CSV reader's integer
    // targets): a file holding only labels 0, 1 and 255 has 3 classes, not 256
    std::vector<Index> code_of(256, -1);
    for (Index i = 0; i < y.size(); ++i) code_of[static_cast<std::size_t>(y[i])] = 0;
    std::vector<std::string> classes;
    for (Index v = 0; v < 256; ++v)
        if (code_of[static_cast<std::size_t>(v)] == 0) {
            code_of[static_cast<std::size_t>(v)] = static_cast<Index>(classes.size());
            classes.push_back(fmt::format("{}", v));
        }
    Vector codes(y.size());
    for (Index i = 0; i < y.size(); ++i) codes[i] = static_cast<double>(code_of[static_cast<std::size_t>(y[i])]);
    std::vector<FeatureInfo> features;
    features.reserve(static_cast<std::size_t>(X.cols()));
    for (Index j = 0; j < X.cols(); ++j) features.push_back(FeatureInfo::numeric(fmt::format("pixel{}", j)));
    return Dataset(name, std::move(X), std::move(codes), std::move(features), TaskType::classification,
                   std::move(classes), "label");
}

}  // namespace metalearn::data
