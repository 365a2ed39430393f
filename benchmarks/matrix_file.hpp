#pragma once
// The matrix files the comparison scripts hand to the benchmark programs (benchmarks/matrix_file.py
// writes them): int64 rows, int64 cols, then rows×cols float64 in row-major order.
#include <metalearn/core/types.hpp>

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>

namespace metalearn::bench {

/// Read a matrix file. @throws std::runtime_error when the file is missing, short or malformed.
inline Matrix read_matrix_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::int64_t r = 0, c = 0;
    in.read(reinterpret_cast<char*>(&r), 8);
    in.read(reinterpret_cast<char*>(&c), 8);
    if (!in || r < 1 || c < 1) throw std::runtime_error("bad header in " + path);
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(r, c);
    in.read(reinterpret_cast<char*>(m.data()), static_cast<std::streamsize>(sizeof(double) * static_cast<std::size_t>(r * c)));
    if (!in) throw std::runtime_error("short file " + path);
    return m;
}

}  // namespace metalearn::bench
