#pragma once
// Shared data for the model tests: the reference datasets split as in
// tests/reference/models_reference.py (test rows: i % 3 == 0).

#include "load_csv.hpp"

#include <support/test_support.hpp>

#include <string>
#include <vector>

namespace metalearn::test {

struct Split {
    Matrix Xtr, Xte;
    Vector ytr, yte;
};

/// Rows i % 3 == 0 form the test set, the others the training set.
inline Split split3(const Matrix& X, const Vector& y) {
    std::vector<Index> tr;
    std::vector<Index> te;
    for (Index i = 0; i < X.rows(); ++i) (i % 3 == 0 ? te : tr).push_back(i);
    return {X(tr, Eigen::all), X(te, Eigen::all), y(tr), y(te)};
}

/// A dataset from data/sklearn, raw or standardised over all rows, split by split3.
inline Split sklearn_split(const std::string& file, bool standardised) {
    auto d = load_sklearn_csv(data_file("sklearn/" + file));
    return split3(standardised ? standardize(d.X) : d.X, d.y);
}

/// Rows {0, 5, 10, 20, 30, 40} of a matrix (the reference probabilities' rows).
inline Matrix ref_rows(const Matrix& P) {
    return P(std::vector<Index>{0, 5, 10, 20, 30, 40}, Eigen::all);
}

/// A row-major reference vector as an r×c matrix.
inline Matrix as_matrix(const std::vector<double>& v, Index rows) {
    const Index cols = static_cast<Index>(v.size()) / rows;
    Matrix M(rows, cols);
    for (Index i = 0; i < rows; ++i)
        for (Index j = 0; j < cols; ++j) M(i, j) = v[static_cast<std::size_t>(i * cols + j)];
    return M;
}

/// Fraction of equal entries.
inline double accuracy(const Vector& a, const Vector& b) { return (a.array() == b.array()).cast<double>().mean(); }

}  // namespace metalearn::test
