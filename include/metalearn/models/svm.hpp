#pragma once
/// @file svm.hpp
/// @brief Kernel support vector machines: `SVC` (C-support vector classification, one-vs-one for
/// K > 2 classes) and `SVR` (ε-support vector regression), trained by libsvm's method.
///
/// Training solves the dual by SMO with second-order working-set selection, shrinking and an LRU
/// cache of kernel columns (`detail/svm_solver.hpp`; Chang & Lin 2011, "LIBSVM: A Library for
/// Support Vector Machines", ACM TIST 2(3); Fan, Chen & Lin 2005, JMLR 6). The decision
/// functions, the one-vs-one voting, the class weights (per-class bounds C·w_k) and the
/// probability estimates (Platt's sigmoid per pair, fitted as Lin, Lin & Weng 2007, "A note on
/// Platt's probabilistic outputs for support vector machines", Machine Learning 68; coupled as
/// Wu, Lin & Weng 2004, "Probability Estimates for Multi-class Classification by Pairwise
/// Coupling", JMLR 5, method 2) are libsvm's, so results match scikit-learn's `SVC` / `SVR`
/// (which run libsvm) up to the solver's tolerance.
///
/// Kernels are computed in double precision from a row-major copy of the training rows (a
/// matrix–vector product per column) and cached as floats, as libsvm caches them.

#include <type_traits>

#include "metalearn/core/config.hpp"
#include "metalearn/core/error.hpp"
#include "metalearn/core/numeric.hpp"
#include "metalearn/core/parallel.hpp"
#include "metalearn/core/random.hpp"
#include "metalearn/core/search_space.hpp"
#include "metalearn/core/types.hpp"
#include "metalearn/models/base_model.hpp"
#include "metalearn/models/class_weight.hpp"
#include "metalearn/models/detail/serialization.hpp"
#include "metalearn/models/detail/svm_solver.hpp"
#include "metalearn/models/detail/validation.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace metalearn::models {

/// Kernel of a support vector machine.
enum class SvmKernel {
    rbf,     ///< K(x, x') = exp(−γ‖x − x'‖²) (Gaussian, "radial basis function").
    linear,  ///< K(x, x') = xᵀx'.
};

/// The name of a kernel as written in saved models and search spaces: "rbf", "linear".
[[nodiscard]] inline std::string_view to_string(SvmKernel k) { return k == SvmKernel::linear ? "linear" : "rbf"; }

/// Hyperparameters of `SVC`; defaults are scikit-learn 1.2's `SVC` (gamma "scale").
struct SVCParams {
    double C = 1.0;  ///< in (0, 1e100]: box constraint (the cost of a margin violation).
    SvmKernel kernel = SvmKernel::rbf;  ///< kernel.
    /// ≥ 0, finite: the RBF width γ. 0 (default) = scikit-learn's gamma="scale" times
    /// `gamma_scale`: γ = gamma_scale / (p · Var(X)), Var over every entry of the training X
    /// (γ = gamma_scale when that variance is 0). Ignored by the linear kernel (not resolved).
    double gamma = 0.0;
    /// > 0, finite: the factor of the "scale" heuristic when gamma = 0 (the searched dimension,
    /// see `SVC::search_space`).
    double gamma_scale = 1.0;
    /// > 0, finite: stopping tolerance on the maximal KKT violation (libsvm's eps). Absolute, in
    /// the units of the dual gradient: with y (SVR), C and epsilon scaled by s the violation scales
    /// by s too, so rescale the tolerance with them (the float kernel cache limits how small it can get).
    double tol = 1e-3;
    bool shrinking = true;     ///< shrink the active set during SMO (speed; the same solution within tol).
    double cache_size = 200;   ///< > 0, finite: megabytes of kernel columns cached per binary problem.
    /// ≥ 0: SMO iterations per binary problem; 0 = libsvm's own limit max(10⁷, 100·l) (scikit-learn's
    /// max_iter = −1, "no limit", runs into the same libsvm limit). Reaching it is not an error
    /// (`converged()` says so).
    Index max_iter = 0;
    /// Fit the pairwise Platt sigmoids on 5-fold cross-validated decision values (libsvm's and
    /// scikit-learn's `probability=True`: about 5× the training time, calibrated probabilities).
    /// false (default): fit them on the training decision values (no extra training; the
    /// probabilities are overconfident). `predict` uses the votes either way.
    bool probability = false;
    ClassWeight class_weight = ClassWeight::none;  ///< per-class bounds C·w_k (class_weight.hpp).
    std::vector<double> class_weights = {};        ///< the weights of `ClassWeight::explicit_weights`.
    Index n_threads = 1;  ///< ≥ 0: threads over the one-vs-one problems and over prediction rows; 0 = all.
    /// Member-wise equality.
    bool operator==(const SVCParams&) const = default;
};

/// Hyperparameters of `SVR`; defaults are scikit-learn 1.2's `SVR` (gamma "scale").
struct SVRParams {
    double C = 1.0;                     ///< in (0, 1e100]: box constraint.
    double epsilon = 0.1;               ///< ≥ 0, finite: half-width of the insensitive tube (units of y).
    SvmKernel kernel = SvmKernel::rbf;  ///< kernel.
    double gamma = 0.0;                 ///< as `SVCParams::gamma`.
    double gamma_scale = 1.0;           ///< as `SVCParams::gamma_scale`.
    double tol = 1e-3;                  ///< as `SVCParams::tol`.
    bool shrinking = true;              ///< as `SVCParams::shrinking`.
    double cache_size = 200;            ///< as `SVCParams::cache_size`.
    Index max_iter = 0;                 ///< as `SVCParams::max_iter`.
    Index n_threads = 1;                ///< ≥ 0: threads over prediction rows; 0 = all.
    /// Member-wise equality.
    bool operator==(const SVRParams&) const = default;
};

namespace detail {

/// Largest |x| accepted in X (and |y| for SVR): squared norms must stay far from overflow.
inline constexpr double kMaxSvmMagnitude = 1e100;

/// Platt's sigmoid P(y = +1 | f) = 1 / (1 + exp(A·f + B)), fitted by Newton's method with
/// backtracking on the regularised targets (Lin, Lin & Weng 2007, Algorithm 1; libsvm's
/// sigmoid_train): targets (N₊ + 1)/(N₊ + 2) and 1/(N₋ + 2), start A = 0,
/// B = log((N₋ + 1)/(N₊ + 1)), at most 100 iterations, stop when both gradient entries are
/// below 1e-5.
/// @param dec decision values (l); @param positive whether each belongs to the +1 class.
/// @return {A, B}.
[[nodiscard]] METALEARN_INLINE std::array<double, 2> platt_sigmoid(const std::vector<double>& dec,
                                                                  const std::vector<bool>& positive);

/// Platt's sigmoid at a decision value (libsvm's sigmoid_predict), in [0, 1] (exactly 0 or 1 when
/// |A·f + B| exceeds ~745).
[[nodiscard]] METALEARN_INLINE double platt_probability(double dec, double A, double B);

/// Class probabilities (k) from pairwise probabilities r(i, j) = P(i | i or j), r(j, i) =
/// 1 − r(i, j) (k×k), by Wu, Lin & Weng 2004, method 2 (libsvm's multiclass_probability): the
/// fixed-point iteration on min_p pᵀQp, Σp = 1, at most max(100, k) sweeps, tolerance 0.005/k.
[[nodiscard]] METALEARN_INLINE Vector couple_pairwise(const Matrix& r);

/// Row-major training rows: each kernel column is one matrix–vector product over contiguous rows.
using SvmRows = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// A kernel with its width, evaluated from dot products and squared norms.
struct SvmKernelFn {
    SvmKernel kind = SvmKernel::rbf;
    double gamma = 1.0;

    /// K(x, x) from the squared norm ‖x‖².
    [[nodiscard]] double diagonal(double sq) const { return kind == SvmKernel::linear ? sq : 1.0; }

    /// Turn dot products x_iᵀx into kernel values K(x_i, x) in place: `dots` and `sq_rows` hold
    /// one entry per row x_i (dot product, ‖x_i‖²), `sq` is ‖x‖², `p` the number of features.
    /// The linear kernel keeps them; the RBF takes exp(−γ·d²) with d² = ‖x_i‖² + ‖x‖² − 2·x_iᵀx
    /// (`exp_inplace`: within 2 units in the last place of std::exp, 0 below exp(−708)). d² is
    /// taken as 0 where it is at most (p + 1)·ε·(‖x_i‖² + ‖x‖²), the rounding error of the three
    /// sums of p products (Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed.,
    /// §3.1): such rows cannot be told apart from x, and K(x, x) is exactly 1 however large γ is
    /// (the difference of norms alone leaves residues that exp(−γ·d²) turns into 0 at large γ).
    /// `dots` must be contiguous (a vector or a column of a column-major matrix).
    template <class Dots, class Sq>
    void from_dots(Dots&& dots, const Sq& sq_rows, double sq, Index p) const {
        if (kind == SvmKernel::linear) return;
        static_assert(std::remove_reference_t<Dots>::InnerStrideAtCompileTime == 1, "from_dots: contiguous dots");
        const double tol = static_cast<double>(p + 1) * std::numeric_limits<double>::epsilon();
        const auto s = sq_rows.array() + sq;
        const auto d2 = s - 2.0 * dots.array();
        dots = (d2 <= tol * s).select(0.0, -gamma * d2).matrix();
        exp_inplace(dots.data(), static_cast<std::size_t>(dots.size()));
    }

    /// The kernel matrix K(A, B) (a×b) of rows A (a×p) and B (b×p), with their squared norms.
    [[nodiscard]] Matrix block(const MatrixRef& A, const Vector& sq_a, const MatrixRef& B, const Vector& sq_b) const;
};
}  // namespace detail

/// C-support vector classification (Cortes & Vapnik 1995; Boser, Guyon & Vapnik 1992) with libsvm's
/// training and scikit-learn's `SVC` semantics. For each pair of classes (a, b), a < b, present in
/// the training data, the binary problem on their rows (class a as +1, first in the data order,
/// then class b) is solved with bounds C·w_a and C·w_b (w: class weights, 1 without); a row is a
/// support vector when its coefficient is nonzero in any pair. `predict` takes the class with the
/// most one-vs-one votes (the lower code on ties, as libsvm); `predict_proba` couples the pairwise
/// Platt probabilities (see the file documentation and `SVCParams::probability`). A class
/// declared but absent from the training data is never predicted and has probability 0.
///
/// Scale matters: standardise the features (the preprocessing of `hpo::cross_validate` does).
/// Fit: each pair's SMO costs O(iterations × active rows) plus O(p) per kernel entry computed;
/// the kernel cache holds up to `cache_size` MB per pair (pairs run in parallel with n_threads).
/// Predict: O(m × n_SV × p) for the kernel between the rows and the support vectors.
class SVC {
public:
    using params_type = SVCParams;
    static constexpr std::string_view name = "svc";

    SVC() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit SVC(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError naming the member when one is out of the range its documentation gives.
    void set_params(const params_type& p);
    [[nodiscard]] params_type params() const { return params_; }
    /// Seed of the cross-validation folds of `probability = true` (default 0).
    void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }

    /// Fit with K = max(y) + 1 classes.
    void fit(const MatrixRef& X, const VectorRef& y) { fit(X, y, 0); }

    /// Solve the one-vs-one problems.
    /// @param X n×p finite features with |x| ≤ 1e100 (linear kernel: ‖x‖² ≤ 1e38);
    /// @param y n class codes in [0, K); @param n_classes declared K (0: max(y) + 1).
    /// @throws DataError on empty data, a shape mismatch, non-finite or huge values, bad labels,
    ///         a negative n_classes, fewer than two classes present, explicit class weights that
    ///         are not K, a class present whose bound C·w_k is 0 (a weight of 0, or an underflow),
    ///         or a "scale" γ that is not finite and > 0. On an exception the model is unfitted.
    void fit(const MatrixRef& X, const VectorRef& y, Index n_classes);

    /// One-vs-one decision values (m×P, P = K'(K'−1)/2 for the K' classes present in training,
    /// pairs (0,1), (0,2), …, (1,2), … of the present classes in increasing code order).
    /// For K' > 2 a positive value favours the lower class of its pair (scikit-learn's
    /// `decision_function_shape="ovo"`); for K' = 2 the single column favours the higher class
    /// when positive (scikit-learn's binary sign).
    /// @throws NotFitted before fit; DataError on a wrong column count, non-finite X or |x| > 1e100.
    [[nodiscard]] Matrix decision_function(const MatrixRef& X) const;

    /// Class with the most one-vs-one votes per row (m class codes; the lower code on ties).
    /// @throws NotFitted before fit; DataError on a wrong column count, non-finite X or |x| > 1e100.
    [[nodiscard]] Vector predict(const MatrixRef& X) const;

    /// Class probabilities (m×K, rows sum to 1; 0 for classes absent from training): the
    /// pairwise Platt probabilities, clipped to [1e-7, 1 − 1e-7], coupled by Wu, Lin & Weng's
    /// method 2 (for K' = 2 the pair's probability itself), as libsvm's svm_predict_probability.
    /// @throws NotFitted before fit; DataError on a wrong column count, non-finite X or |x| > 1e100.
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const;

    [[nodiscard]] bool is_fitted() const { return fitted_; }
    /// Declared number of classes K.
    [[nodiscard]] Index n_classes() const { return k_; }
    /// Training-row indices of the support vectors (n_SV), grouped by class in increasing code
    /// order, in data order within a class (scikit-learn's `support_`).
    [[nodiscard]] const std::vector<Index>& support() const { return support_; }
    /// The support vectors (n_SV×p), in the order of `support()`.
    [[nodiscard]] const Matrix& support_vectors() const { return sv_; }
    /// Support vectors per class (K; 0 for absent classes).
    [[nodiscard]] const std::vector<Index>& n_support() const { return n_support_; }
    /// Signed dual coefficients y·α ((K'−1)×n_SV), libsvm's layout (scikit-learn's `dual_coef_`
    /// for K' > 2; for K' = 2 scikit-learn stores the negative).
    [[nodiscard]] const Matrix& dual_coef() const { return dual_coef_; }
    /// Bias ρ of each pair (P); the pair's decision value is Σ coef·K − ρ (scikit-learn's
    /// `intercept_` is −ρ for K' > 2 and ρ for K' = 2).
    [[nodiscard]] const Vector& rho() const { return rho_; }
    /// Platt sigmoid parameters A and B of each pair (P each; scikit-learn's `probA_`, `probB_`).
    [[nodiscard]] const Vector& prob_a() const { return prob_a_; }
    [[nodiscard]] const Vector& prob_b() const { return prob_b_; }
    /// The RBF width γ used by the last fit (the resolved "scale" value when gamma = 0; 1 for the
    /// linear kernel, which does not use it).
    [[nodiscard]] double gamma() const { return kernel_.gamma; }
    /// SMO iterations of each pair's final solve (P).
    [[nodiscard]] const std::vector<Index>& n_iter() const { return n_iter_; }
    /// Whether every pair's final solve met the tolerance within max_iter (the cross-validation
    /// solves of `probability = true` are not counted).
    [[nodiscard]] bool converged() const { return converged_; }

    /// The fitted model as JSON: `{"kind": "svc", "version": 1, "params": {...}, "seed",
    /// "gamma_used", "n_features", "n_classes", "labels": [K' codes], "n_support": [K'],
    /// "support": [n_SV], "support_vectors": matrix, "dual_coef": matrix, "rho", "prob_a",
    /// "prob_b": [P], "n_iter": [P], "converged"}`. `from_json` of it predicts bit-identically.
    /// @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const;

    /// A fitted model from `to_json()`'s output.
    /// @throws ParseError on a wrong structure, kind or version; DataError when a value is
    ///         unusable (hyperparameters out of range, inconsistent shapes or counts, labels out
    ///         of range, non-finite numbers). Messages name the field as a JSON pointer.
    [[nodiscard]] static SVC from_json(const nlohmann::json& j);

    /// Declared search space: C log-uniform in [2⁻¹⁰, 2¹⁰] and γ log-uniform over the same range,
    /// the RBF SVM space of the Tunability study (Probst, Boulesteix & Bischl 2019, "Tunability:
    /// Importance of Hyperparameters of Machine Learning Algorithms", JMLR 20(53), Table 1: cost
    /// and gamma 2^x, x ∈ [−10, 10]). γ is searched as `gamma_scale`, a factor of scikit-learn's
    /// "scale" value 1/(p·Var(X)), so that one range suits datasets of any width (on standardised
    /// data the scale value is 1/p); the default configuration is scikit-learn's (factor 1).
    /// class_weight {none, balanced}. kernel, gamma, tol, shrinking, cache_size, max_iter and
    /// probability are fixed members, settable by name (n_threads is not part of a configuration).
    static hpo::SearchSpace<params_type> search_space();

private:
    /// Platt sigmoid of one pair from 5-fold cross-validated decision values (libsvm's
    /// svm_binary_svc_probability): a seeded shuffle, folds of l/5 rows; a training part with one
    /// class only gives its held-out rows decision +1 or −1.
    [[nodiscard]] std::array<double, 2> cv_sigmoid(const detail::SvmRows& R, const std::vector<signed char>& sign,
                                                   double cp, double cn, std::uint64_t seed) const;

    /// Raw pair decision values (m×P, positive favours the lower class), blocks of rows in parallel.
    /// @throws NumericalError (naming `where`) when a decision value is not finite.
    [[nodiscard]] Matrix pair_decisions(const MatrixRef& X, std::string_view where) const;

    params_type params_{};
    detail::SvmKernelFn kernel_{};
    std::vector<Index> labels_;
    std::vector<Index> sv_start_;
    std::vector<Index> support_;
    std::vector<Index> n_support_;
    Matrix sv_;
    Vector sv_sq_;
    Matrix dual_coef_;
    Vector rho_;
    Vector prob_a_;
    Vector prob_b_;
    std::vector<Index> n_iter_;
    bool converged_ = true;
    Index k_ = 0;
    Index n_features_ = 0;
    std::uint64_t seed_ = 0;
    bool fitted_ = false;
};

static_assert(Classifier<SVC>);

/// ε-support vector regression (Vapnik 1995; Smola & Schölkopf 2004) with libsvm's training and
/// scikit-learn's `SVR` semantics: the dual over 2n variables (α, α*) with Q built from the
/// kernel, p = (ε − y, ε + y), bounds C; the prediction is Σ (α_t − α*_t) K(x_t, x) − ρ.
/// Scale matters for X (standardise) and ε is in the units of y.
class SVR {
public:
    using params_type = SVRParams;
    static constexpr std::string_view name = "svr";

    SVR() = default;
    /// Construct with hyperparameters (validated as by `set_params`).
    explicit SVR(const params_type& p) { set_params(p); }

    /// Replace the hyperparameters; the model becomes unfitted.
    /// @throws ConfigError naming the member when one is out of range.
    void set_params(const params_type& p);
    [[nodiscard]] params_type params() const { return params_; }

    /// Solve the dual.
    /// @param X n×p finite features with |x| ≤ 1e100 (linear kernel: ‖x‖² ≤ 1e38);
    /// @param y n finite targets with |y| ≤ 1e100.
    /// @throws DataError on empty data, a shape mismatch, non-finite or huge values, or a
    ///         "scale" γ that is not finite and > 0. On an exception the model is unfitted.
    void fit(const MatrixRef& X, const VectorRef& y);

    /// Predicted values (m). @throws NotFitted before fit; DataError on a wrong column count,
    /// non-finite X or |x| > 1e100.
    [[nodiscard]] Vector predict(const MatrixRef& X) const;

    [[nodiscard]] bool is_fitted() const { return fitted_; }
    /// Training-row indices of the support vectors (n_SV, increasing; scikit-learn's `support_`).
    [[nodiscard]] const std::vector<Index>& support() const { return support_; }
    /// The support vectors (n_SV×p).
    [[nodiscard]] const Matrix& support_vectors() const { return sv_; }
    /// Coefficients α − α* of the support vectors (n_SV; scikit-learn's `dual_coef_`).
    [[nodiscard]] const Vector& dual_coef() const { return coef_; }
    /// The bias ρ (prediction Σ coef·K − ρ; scikit-learn's `intercept_` is −ρ).
    [[nodiscard]] double rho() const { return rho_; }
    /// The RBF width γ used by the last fit.
    [[nodiscard]] double gamma() const { return kernel_.gamma; }
    /// SMO iterations of the last fit.
    [[nodiscard]] Index n_iter() const { return n_iter_; }
    /// Whether the last fit met the tolerance within max_iter.
    [[nodiscard]] bool converged() const { return converged_; }

    /// The fitted model as JSON: `{"kind": "svr", "version": 1, "params": {...}, "gamma_used",
    /// "n_features", "support": [n_SV], "support_vectors": matrix, "dual_coef": [n_SV], "rho",
    /// "n_iter", "converged"}`. `from_json` of it predicts bit-identically. @throws NotFitted before fit.
    [[nodiscard]] nlohmann::json to_json() const;

    /// A fitted model from `to_json()`'s output.
    /// @throws ParseError on a wrong structure, kind or version; DataError when a value is
    ///         unusable. Messages name the field as a JSON pointer.
    [[nodiscard]] static SVR from_json(const nlohmann::json& j);

    /// Declared search space, after auto-sklearn's libsvm_svr component (Feurer et al. 2015,
    /// "Efficient and Robust Automated Machine Learning", NeurIPS; its search space: C
    /// log-uniform in [2⁻⁵, 2¹⁵], gamma in [2⁻¹⁵, 2³], epsilon in [0.001, 1]): C log-uniform in
    /// [2⁻⁵, 2¹⁵]; γ as `gamma_scale` (a factor of the "scale" value, see `SVC::search_space`)
    /// log-uniform in [2⁻¹⁰, 2¹⁰]; epsilon log-uniform in [0.001, 1] (plans may hold any epsilon
    /// > 0; 0, valid for `set_params`, has no place on the log scale). kernel, gamma, tol,
    /// shrinking, cache_size and max_iter are fixed members, settable by name.
    static hpo::SearchSpace<params_type> search_space();

private:
    params_type params_{};
    detail::SvmKernelFn kernel_{};
    std::vector<Index> support_;
    Matrix sv_;
    Vector sv_sq_;
    Vector coef_;
    double rho_ = 0.0;
    Index n_iter_ = 0;
    bool converged_ = true;
    Index n_features_ = 0;
    bool fitted_ = false;
};

static_assert(Regressor<SVR>);

}  // namespace metalearn::models

#ifdef METALEARN_HEADER_ONLY
#include "metalearn/models/detail/svm_impl.hpp"
#endif

#ifndef METALEARN_HEADER_ONLY
// Compiled mode: the library's instances for the bundled models (core/compiled_instances.hpp).
#define METALEARN_DECLARES_SVM
#include "metalearn/core/compiled_instances.hpp"
#endif
