#pragma once
// Minimal reader for scikit-learn's bundled dataset CSVs (data/sklearn/*.csv[.gz]): first row
// "n,p,class names..." (absent in digits.csv.gz), then rows of p features and the target.

#include <metalearn/core.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#ifdef METALEARN_HAS_ZLIB
#include <zlib.h>
#endif

namespace metalearn::test {

struct SimpleData {
    Matrix X;
    Vector y;
};

inline std::string read_text(const std::filesystem::path& path) {
    const std::string name = path.string();
    if (name.size() > 3 && name.substr(name.size() - 3) == ".gz") {
#ifdef METALEARN_HAS_ZLIB
        gzFile f = gzopen(name.c_str(), "rb");
        if (f == nullptr) FAIL("cannot open " << name);
        std::string out;
        char buf[65536];
        int got = 0;
        while ((got = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(got));
        gzclose(f);
        return out;
#else
        FAIL("zlib is needed to read " << name);
#endif
    }
    std::ifstream in(path);
    if (!in) FAIL("cannot open " << name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// Read a scikit-learn CSV: the last column is the target. A first row whose first two cells
/// are n and p followed by non-numeric class names is skipped.
inline SimpleData load_sklearn_csv(const std::filesystem::path& path) {
    std::istringstream in(read_text(path));
    std::string line;
    std::vector<std::vector<double>> rows;
    bool first = true;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::vector<std::string> cells;
        std::stringstream ls(line);
        std::string cell;
        while (std::getline(ls, cell, ',')) cells.push_back(cell);
        if (first) {
            first = false;
            bool header = false;
            for (const auto& c : cells) {
                char* end = nullptr;
                std::strtod(c.c_str(), &end);
                if (end == c.c_str()) header = true;
            }
            if (header || cells.size() == 2) continue;
        }
        std::vector<double> row;
        for (const auto& c : cells) row.push_back(std::stod(c));
        rows.push_back(std::move(row));
    }
    const auto n = static_cast<Index>(rows.size());
    const auto p = static_cast<Index>(rows.front().size()) - 1;
    SimpleData d{Matrix(n, p), Vector(n)};
    for (Index i = 0; i < n; ++i) {
        for (Index j = 0; j < p; ++j) d.X(i, j) = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
        d.y[i] = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(p)];
    }
    return d;
}

/// Column-standardise with the population standard deviation (constant columns left centred).
inline Matrix standardize(const Matrix& X) {
    const RowVector mean = X.colwise().mean();
    Matrix Z = X.rowwise() - mean;
    RowVector sd = (Z.colwise().squaredNorm() / static_cast<double>(X.rows())).cwiseSqrt();
    for (Index j = 0; j < sd.size(); ++j)
        if (sd[j] == 0.0) sd[j] = 1.0;
    return Z.array().rowwise() / sd.array();
}

}  // namespace metalearn::test
