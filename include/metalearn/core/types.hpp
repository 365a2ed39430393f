#pragma once
/// @file types.hpp
/// @brief The numeric types every layer shares.
///
/// Convention used everywhere in metalearn: a data matrix `X` is n×p, one row per sample and one
/// column per feature; a target or score vector is n.

#include <Eigen/Core>  // decompositions: include the module where used (Eigen/Cholesky, Eigen/Eigenvalues, ...)

#include <cstddef>
#include <cstdint>

namespace metalearn {

/// Signed index type for sizes and positions (Eigen's, so no sign conversions at the boundary).
using Index = Eigen::Index;

/// Dense, column-major, double-precision matrix (rows are samples).
using Matrix = Eigen::MatrixXd;

/// Dense double-precision column vector.
using Vector = Eigen::VectorXd;

/// Dense double-precision row vector.
using RowVector = Eigen::RowVectorXd;

/// Dense integer column vector (labels, indices).
using IndexVector = Eigen::Matrix<Index, Eigen::Dynamic, 1>;

/// Read-only reference to a matrix, a block of one or a map, passed without a copy.
using MatrixRef = Eigen::Ref<const Matrix>;

/// Read-only reference to a vector, a segment of one or a map, passed without a copy.
using VectorRef = Eigen::Ref<const Vector>;

}  // namespace metalearn
