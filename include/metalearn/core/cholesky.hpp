#pragma once
/// @file cholesky.hpp
/// @brief `robust_cholesky`: the Cholesky factor of a kernel matrix, with diagonal jitter added
/// when rounding makes it numerically indefinite (the usual remedy for Gaussian-process kernel
/// matrices; Rasmussen & Williams 2006, section 3.4.3 and appendix A.4).

#include "metalearn/core/error.hpp"
#include "metalearn/core/types.hpp"

#include <Eigen/Cholesky>
#include <fmt/format.h>

namespace metalearn {

/// LLᵀ factorisation of a symmetric n×n matrix K. When K is not numerically positive definite,
/// jitter ε·mean(diag K) is added to its diagonal, for ε = 1e-10, 1e-8, 1e-6, 1e-4 in turn (K is
/// modified in place: it holds the matrix that was factorised).
/// @param where names the caller in the error message.
/// @throws NumericalError when K stays indefinite with the largest jitter.
[[nodiscard]] inline Eigen::LLT<Matrix> robust_cholesky(Matrix& K, const char* where) {
    Eigen::LLT<Matrix> llt(K);
    if (llt.info() == Eigen::Success) return llt;
    const double base = K.diagonal().mean();
    for (double jitter = 1e-10; jitter <= 1e-4; jitter *= 100.0) {
        K.diagonal().array() += jitter * base;
        llt.compute(K);
        if (llt.info() == Eigen::Success) return llt;
    }
    throw NumericalError(fmt::format("{}: kernel matrix is not positive definite even with jitter", where));
}

}  // namespace metalearn
