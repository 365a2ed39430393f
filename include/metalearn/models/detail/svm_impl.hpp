#pragma once
/// @file svm_impl.hpp
/// @brief Bodies of svm.hpp: the SMO problems, Platt scaling and pairwise coupling, and the members
/// of `SVC` and `SVR`. Included by that header in header-only mode; compiled into the library in
/// compiled mode (core/config.hpp).

#include "metalearn/models/detail/class_weight_json.hpp"
#include "metalearn/models/svm.hpp"

namespace metalearn::models {

namespace detail {

/// Largest squared row norm ‖x‖² accepted with the linear kernel: its values K = xᵀx' are cached
/// as floats (at most ~3.4e38).
inline constexpr double kMaxSvmLinearSquaredNorm = 1e38;

/// Throw DataError when the linear kernel's values of these rows could overflow a float.
inline void check_svm_linear_norms(std::string_view where, const MatrixRef& X) {
    for (Index i = 0; i < X.rows(); ++i) {
        const double sq = X.row(i).squaredNorm();
        if (!(sq <= kMaxSvmLinearSquaredNorm))
            throw DataError(fmt::format("{}: row {} has squared norm {} beyond 1e38, where the linear kernel's cached "
                                        "float values overflow (expected ||x||^2 <= 1e38; standardise the features)",
                                        where, i, sq));
    }
}

/// Check the hyperparameters both machines share. @throws ConfigError naming the member.
template <class P>
void check_svm_common(std::string_view where, const P& p) {
    auto fail = [&](std::string_view member, std::string_view expected, double got) {
        throw ConfigError(fmt::format("{}: {} out of range (expected {}, got {})", where, member, expected, got));
    };
    if (p.kernel != SvmKernel::rbf && p.kernel != SvmKernel::linear)
        throw ConfigError(fmt::format("{}: kernel {} is not an SvmKernel (expected rbf or linear)", where,
                                      static_cast<int>(p.kernel)));
    if (!(p.C > 0.0 && p.C <= kMaxSvmMagnitude)) fail("C", "in (0, 1e100]", p.C);
    if (!(p.gamma >= 0.0) || !std::isfinite(p.gamma)) fail("gamma", "finite >= 0 (0 = \"scale\")", p.gamma);
    if (!(p.gamma_scale > 0.0) || !std::isfinite(p.gamma_scale)) fail("gamma_scale", "finite > 0", p.gamma_scale);
    if (!(p.tol > 0.0) || !std::isfinite(p.tol)) fail("tol", "finite > 0", p.tol);
    if (!(p.cache_size > 0.0) || !std::isfinite(p.cache_size)) fail("cache_size", "finite > 0 (megabytes)", p.cache_size);
    if (p.max_iter < 0) fail("max_iter", ">= 0 (0 = libsvm's limit)", static_cast<double>(p.max_iter));
    if (p.n_threads < 0) fail("n_threads", ">= 0 (0 = all hardware threads)", static_cast<double>(p.n_threads));
}

/// Throw DataError unless every |x| ≤ 1e100.
inline void check_svm_magnitude(std::string_view where, const MatrixRef& X) {
    if (X.size() == 0 || X.cwiseAbs().maxCoeff() <= kMaxSvmMagnitude) return;
    for (Index j = 0; j < X.cols(); ++j)
        for (Index i = 0; i < X.rows(); ++i)
            if (std::abs(X(i, j)) > kMaxSvmMagnitude)
                throw DataError(fmt::format("{}: X[{}, {}] = {} is beyond ±1e100, where squared distances overflow "
                                            "(expected |x| <= 1e100; standardise the features)",
                                            where, i, j, X(i, j)));
}

/// The kernel of a fit: γ resolved from the "scale" rule when gamma = 0 (RBF only; the linear
/// kernel keeps γ = 1, unused), and the rows checked for the linear kernel's float cache.
/// @throws DataError when the resolved γ is not finite and > 0 (features of variance ~1e-308, or
///         a gamma_scale so small that γ underflows), or (linear) a squared row norm beyond 1e38.
template <class P>
SvmKernelFn svm_kernel_for(std::string_view where, const P& p, const MatrixRef& X) {
    SvmKernelFn k{p.kernel, p.gamma};
    if (p.kernel == SvmKernel::linear) {
        check_svm_linear_norms(where, X);
        return {SvmKernel::linear, 1.0};
    }
    if (p.gamma == 0.0) {
        const double n = static_cast<double>(X.size());
        const double mean = X.sum() / n;
        const double var = (X.array() - mean).square().sum() / n;
        k.gamma = var > 0.0 ? p.gamma_scale / (static_cast<double>(X.cols()) * var) : p.gamma_scale;
        if (!std::isfinite(k.gamma) || !(k.gamma > 0.0))
            throw DataError(fmt::format("{}: gamma \"scale\" = gamma_scale / (p * Var(X)) = {} (Var(X) = {}; expected "
                                        "a finite gamma > 0: features that are not all nearly constant and a gamma_scale "
                                        "that does not underflow, or an explicit gamma)",
                                        where, k.gamma, var));
    }
    return k;
}

/// libsvm's limit on SMO iterations, or the user's.
inline Index svm_iteration_limit(Index max_iter, Index l) {
    return max_iter > 0 ? max_iter : std::max<Index>(10000000, 100 * l);
}

/// Cache budget in floats from megabytes.
inline std::size_t svm_cache_entries(double megabytes) {
    return static_cast<std::size_t>(std::min(megabytes, 1e9) * 1024.0 * 1024.0 / sizeof(float));
}

/// Q of a C-SVC problem: Q_st = y_s y_t K(x_s, x_t) over positions, with the rows, their norms,
/// signs and diagonal exchanged along with the positions (libsvm's SVC_Q).
class SvcQ final : public SvmQMatrix {
public:
    SvcQ(SvmRows rows, std::vector<signed char> y, const SvmKernelFn& kernel, std::size_t cache_entries)
        : rows_(std::move(rows)), y_(std::move(y)), kernel_(kernel), cache_(rows_.rows(), cache_entries) {
        sq_ = rows_.rowwise().squaredNorm();
        diagonal.resize(static_cast<std::size_t>(rows_.rows()));
        for (Index i = 0; i < rows_.rows(); ++i) diagonal[static_cast<std::size_t>(i)] = kernel_.diagonal(sq_[i]);
        tmp_.resize(rows_.rows());
    }

    const float* column(Index i, Index len) override {
        float* data = nullptr;
        const Index start = cache_.get(i, len, data);
        if (start < len) {
            const Index cnt = len - start;
            auto t = tmp_.head(cnt);
            t.noalias() = rows_.middleRows(start, cnt) * rows_.row(i).transpose();
            const double yi = y_[static_cast<std::size_t>(i)];
            kernel_.from_dots(t, sq_.segment(start, cnt), sq_[i], rows_.cols());
            for (Index j = 0; j < cnt; ++j)
                data[start + j] = static_cast<float>(yi * y_[static_cast<std::size_t>(start + j)] * t[j]);
        }
        return data;
    }

    void swap_index(Index i, Index j) override {
        cache_.swap_index(i, j);
        rows_.row(i).swap(rows_.row(j));
        std::swap(sq_[i], sq_[j]);
        std::swap(y_[static_cast<std::size_t>(i)], y_[static_cast<std::size_t>(j)]);
        std::swap(diagonal[static_cast<std::size_t>(i)], diagonal[static_cast<std::size_t>(j)]);
    }

private:
    SvmRows rows_;
    Vector sq_;
    std::vector<signed char> y_;
    SvmKernelFn kernel_;
    SvmKernelCache cache_;
    Vector tmp_;
};

/// Q of an ε-SVR problem over 2n variables (α then α*): Q_st = s_s s_t K(x_{s mod n}, x_{t mod n})
/// with s = +1 for the first n, −1 for the others. The cache holds the n real kernel columns in
/// the original order; a column over positions is assembled into one of two buffers (libsvm's SVR_Q).
class SvrQ final : public SvmQMatrix {
public:
    SvrQ(const SvmRows& rows, const SvmKernelFn& kernel, std::size_t cache_entries)
        : rows_(rows), kernel_(kernel), cache_(rows.rows(), cache_entries) {
        const Index n = rows_.rows();
        sq_ = rows_.rowwise().squaredNorm();
        sign_.resize(static_cast<std::size_t>(2 * n));
        index_.resize(static_cast<std::size_t>(2 * n));
        diagonal.resize(static_cast<std::size_t>(2 * n));
        for (Index k = 0; k < n; ++k) {
            sign_[static_cast<std::size_t>(k)] = 1;
            sign_[static_cast<std::size_t>(k + n)] = -1;
            index_[static_cast<std::size_t>(k)] = index_[static_cast<std::size_t>(k + n)] = k;
            diagonal[static_cast<std::size_t>(k)] = diagonal[static_cast<std::size_t>(k + n)] =
                kernel_.diagonal(sq_[k]);
        }
        for (auto& b : buffer_) b.resize(static_cast<std::size_t>(2 * n));
        tmp_.resize(n);
    }

    const float* column(Index i, Index len) override {
        const Index n = rows_.rows();
        const Index real = index_[static_cast<std::size_t>(i)];
        float* data = nullptr;
        if (cache_.get(real, n, data) < n) {
            tmp_.noalias() = rows_ * rows_.row(real).transpose();
            kernel_.from_dots(tmp_, sq_, sq_[real], rows_.cols());
            for (Index j = 0; j < n; ++j) data[j] = static_cast<float>(tmp_[j]);
        }
        float* out = buffer_[next_buffer_].data();
        next_buffer_ = 1 - next_buffer_;
        const signed char si = sign_[static_cast<std::size_t>(i)];
        for (Index j = 0; j < len; ++j) {
            const auto uj = static_cast<std::size_t>(j);
            out[j] = static_cast<float>(si * sign_[uj]) * data[index_[uj]];
        }
        return out;
    }

    void swap_index(Index i, Index j) override {
        const auto ui = static_cast<std::size_t>(i);
        const auto uj = static_cast<std::size_t>(j);
        std::swap(sign_[ui], sign_[uj]);
        std::swap(index_[ui], index_[uj]);
        std::swap(diagonal[ui], diagonal[uj]);
    }

private:
    const SvmRows& rows_;
    SvmKernelFn kernel_;
    SvmKernelCache cache_;
    Vector sq_;
    std::vector<signed char> sign_;
    std::vector<Index> index_;
    std::array<std::vector<float>, 2> buffer_;
    std::size_t next_buffer_ = 0;
    Vector tmp_;
};

/// Platt's sigmoid P(y = +1 | f) = 1 / (1 + exp(A·f + B)), fitted by Newton's method with
/// backtracking on the regularised targets (Lin, Lin & Weng 2007, Algorithm 1; libsvm's
/// sigmoid_train): targets (N₊ + 1)/(N₊ + 2) and 1/(N₋ + 2), start A = 0,
/// B = log((N₋ + 1)/(N₊ + 1)), at most 100 iterations, stop when both gradient entries are
/// below 1e-5.
/// @param dec decision values (l); @param positive whether each belongs to the +1 class.
/// @return {A, B}.
METALEARN_INLINE std::array<double, 2> platt_sigmoid(const std::vector<double>& dec, const std::vector<bool>& positive) {
    const std::size_t l = dec.size();
    double prior1 = 0.0;
    for (bool b : positive) prior1 += b ? 1.0 : 0.0;
    const double prior0 = static_cast<double>(l) - prior1;
    constexpr int max_iter = 100;
    constexpr double min_step = 1e-10;
    constexpr double sigma = 1e-12;
    constexpr double eps = 1e-5;
    const double hi = (prior1 + 1.0) / (prior1 + 2.0);
    const double lo = 1.0 / (prior0 + 2.0);
    std::vector<double> t(l);
    for (std::size_t i = 0; i < l; ++i) t[i] = positive[i] ? hi : lo;
    double A = 0.0;
    double B = std::log((prior0 + 1.0) / (prior1 + 1.0));
    auto objective = [&](double a, double b) {
        double f = 0.0;
        for (std::size_t i = 0; i < l; ++i) {
            const double z = dec[i] * a + b;
            f += z >= 0.0 ? t[i] * z + std::log1p(std::exp(-z)) : (t[i] - 1.0) * z + std::log1p(std::exp(z));
        }
        return f;
    };
    double fval = objective(A, B);
    for (int it = 0; it < max_iter; ++it) {
        double h11 = sigma;
        double h22 = sigma;
        double h21 = 0.0;
        double g1 = 0.0;
        double g2 = 0.0;
        for (std::size_t i = 0; i < l; ++i) {
            const double z = dec[i] * A + B;
            double p = 0.0;
            double q = 0.0;
            if (z >= 0.0) {
                p = std::exp(-z) / (1.0 + std::exp(-z));
                q = 1.0 / (1.0 + std::exp(-z));
            } else {
                p = 1.0 / (1.0 + std::exp(z));
                q = std::exp(z) / (1.0 + std::exp(z));
            }
            const double d2 = p * q;
            h11 += dec[i] * dec[i] * d2;
            h22 += d2;
            h21 += dec[i] * d2;
            const double d1 = t[i] - p;
            g1 += dec[i] * d1;
            g2 += d1;
        }
        if (std::abs(g1) < eps && std::abs(g2) < eps) break;
        const double det = h11 * h22 - h21 * h21;
        const double dA = -(h22 * g1 - h21 * g2) / det;
        const double dB = -(-h21 * g1 + h11 * g2) / det;
        const double gd = g1 * dA + g2 * dB;
        double step = 1.0;
        while (step >= min_step) {
            const double nA = A + step * dA;
            const double nB = B + step * dB;
            const double nf = objective(nA, nB);
            if (nf < fval + 0.0001 * step * gd) {
                A = nA;
                B = nB;
                fval = nf;
                break;
            }
            step /= 2.0;
        }
        if (step < min_step) break;
    }
    return {A, B};
}

/// Platt's sigmoid at a decision value (libsvm's sigmoid_predict), in [0, 1] (exactly 0 or 1 when
/// |A·f + B| exceeds ~745).
METALEARN_INLINE double platt_probability(double dec, double A, double B) {
    const double z = dec * A + B;
    return z >= 0.0 ? std::exp(-z) / (1.0 + std::exp(-z)) : 1.0 / (1.0 + std::exp(z));
}

/// Class probabilities (k) from pairwise probabilities r(i, j) = P(i | i or j), r(j, i) =
/// 1 − r(i, j), by Wu, Lin & Weng 2004, method 2 (libsvm's multiclass_probability): the
/// fixed-point iteration on min_p pᵀQp, Σp = 1, at most max(100, k) sweeps, tolerance 0.005/k.
METALEARN_INLINE Vector couple_pairwise(const Matrix& r) {
    const Index k = r.rows();
    Matrix Q(k, k);
    for (Index t = 0; t < k; ++t) {
        Q(t, t) = 0.0;
        for (Index j = 0; j < k; ++j) {
            if (j == t) continue;
            Q(t, t) += r(j, t) * r(j, t);
            Q(t, j) = -r(j, t) * r(t, j);
        }
    }
    Vector p = Vector::Constant(k, 1.0 / static_cast<double>(k));
    Vector Qp(k);
    const Index max_iter = std::max<Index>(100, k);
    const double eps = 0.005 / static_cast<double>(k);
    for (Index it = 0; it < max_iter; ++it) {
        Qp.noalias() = Q * p;
        double pQp = p.dot(Qp);
        double max_error = 0.0;
        for (Index t = 0; t < k; ++t) max_error = std::max(max_error, std::abs(Qp[t] - pQp));
        if (max_error < eps) break;
        for (Index t = 0; t < k; ++t) {
            const double diff = (-Qp[t] + pQp) / Q(t, t);
            p[t] += diff;
            pQp = (pQp + diff * (diff * Q(t, t) + 2.0 * Qp[t])) / (1.0 + diff) / (1.0 + diff);
            for (Index j = 0; j < k; ++j) {
                Qp[j] = (Qp[j] + diff * Q(t, j)) / (1.0 + diff);
                p[j] /= (1.0 + diff);
            }
        }
    }
    return p;
}

/// One binary C-SVC problem solved: signed coefficients y_t α_t (l) over its rows, ρ, and the
/// training decision values Σ_s y_s α_s K(x_s, x_t) − ρ (l) obtained from the final gradient.
struct SvcBinary {
    std::vector<double> coef;
    std::vector<double> decision;
    double rho = 0.0;
    Index n_iter = 0;
    bool converged = true;
};

/// Solve the C-SVC dual on rows (l×p) with signs y, bounds cp (y = +1) and cn (y = −1).
inline SvcBinary svc_solve(SvmRows rows, const std::vector<signed char>& y, const SvmKernelFn& kernel, double cp,
                           double cn, double tol, bool shrinking, Index max_iter, double cache_mb) {
    const Index l = rows.rows();
    SvcQ Q(std::move(rows), y, kernel, svm_cache_entries(cache_mb));
    const SvmSolution s = SvmSolver::solve(Q, std::vector<double>(static_cast<std::size_t>(l), -1.0), y, cp, cn, tol,
                                           shrinking, svm_iteration_limit(max_iter, l));
    SvcBinary out;
    out.coef.resize(static_cast<std::size_t>(l));
    out.decision.resize(static_cast<std::size_t>(l));
    for (std::size_t t = 0; t < out.coef.size(); ++t) {
        out.coef[t] = s.alpha[t] * y[t];
        // (Qα)_t = y_t Σ_s y_s α_s K_st and G = Qα − 1, so Σ_s y_s α_s K_st = y_t (G_t + 1).
        out.decision[t] = y[t] * (s.gradient[t] + 1.0) - s.rho;
    }
    out.rho = s.rho;
    out.n_iter = s.n_iter;
    out.converged = s.converged;
    return out;
}

/// Rows per block when decision values are computed (bounds the m×n_SV kernel block).
inline constexpr Index kSvmPredictBlock = 256;

/// Members shared by the saved forms of both machines.
template <class P>
nlohmann::json svm_params_json(const P& p) {
    return {{"C", p.C},
            {"kernel", to_string(p.kernel)},
            {"gamma", p.gamma},
            {"gamma_scale", p.gamma_scale},
            {"tol", p.tol},
            {"shrinking", p.shrinking},
            {"cache_size", p.cache_size},
            {"max_iter", p.max_iter},
            {"n_threads", p.n_threads}};
}

/// Read the members shared by both machines from a saved `"params"` object.
template <class P>
void svm_params_from_json(const nlohmann::json& pj, const JsonAt& pa, P& p) {
    auto real = [&](std::string_view key) { return json_double(json_field(pj, pa, key), pa / key); };
    p.C = real("C");
    const std::string& kernel = json_string(json_field(pj, pa, "kernel"), pa / "kernel");
    if (kernel == "rbf") p.kernel = SvmKernel::rbf;
    else if (kernel == "linear") p.kernel = SvmKernel::linear;
    else
        json_structure_error(pa / "kernel", fmt::format("unknown kernel (expected \"rbf\" or \"linear\", got {})",
                                                        json_preview(json_field(pj, pa, "kernel"))));
    p.gamma = real("gamma");
    p.gamma_scale = real("gamma_scale");
    p.tol = real("tol");
    p.shrinking = json_bool(json_field(pj, pa, "shrinking"), pa / "shrinking");
    p.cache_size = real("cache_size");
    p.max_iter = json_index(json_field(pj, pa, "max_iter"), pa / "max_iter");
    p.n_threads = json_index(json_field(pj, pa, "n_threads"), pa / "n_threads");
}

/// The head of a saved machine: check `kind` and `version`, read the shared params, then the
/// model's own members (`read_own(pj, pa, p)`), and return a model with them set.
/// @throws ParseError on a wrong structure; DataError (at "/params") when set_params refuses them.
template <class Model, class ReadOwn>
Model svm_model_with_params(const nlohmann::json& j, const JsonAt& at, ReadOwn&& read_own) {
    json_check_header(j, at, Model::name, 1);
    const auto& pj = json_field(j, at, "params");
    const JsonAt pa = at / "params";
    typename Model::params_type p;
    svm_params_from_json(pj, pa, p);
    read_own(pj, pa, p);
    Model m;
    try {
        m.set_params(p);
    } catch (const ConfigError& e) {
        json_value_error(pa, e.what());
    }
    return m;
}

/// Dimensions shared by both search spaces: gamma_scale, then the fixed members.
template <class P>
hpo::SearchSpace<P>& svm_common_space(hpo::SearchSpace<P>& s) {
    constexpr double tiny = std::numeric_limits<double>::min();
    constexpr double huge = std::numeric_limits<double>::max();
    return s.add("gamma_scale", &P::gamma_scale, hpo::log_uniform(0x1p-10, 0x1p10))
        .valid_range("gamma_scale", tiny, huge)
        .fixed("kernel", &P::kernel, hpo::categorical<SvmKernel>({{"rbf", SvmKernel::rbf}, {"linear", SvmKernel::linear}}))
        .fixed("gamma", &P::gamma, hpo::uniform(0.0, huge))
        .fixed("tol", &P::tol, hpo::uniform(0.0, huge))
        .fixed("shrinking", &P::shrinking, hpo::boolean())
        .fixed("cache_size", &P::cache_size, hpo::uniform(0.0, huge))
        .fixed("max_iter", &P::max_iter, hpo::int_uniform(0, long{1} << 52));
}

/// The kernel of a saved model: its kind from the params and the γ it was fitted with.
inline SvmKernelFn svm_kernel_from_json(const nlohmann::json& j, const JsonAt& at, SvmKernel kind) {
    const double g = json_double(json_field(j, at, "gamma_used"), at / "gamma_used");
    if (!(g > 0.0)) json_value_error(at / "gamma_used", fmt::format("gamma out of range (expected > 0, got {})", g));
    return {kind, g};
}

/// Throw NumericalError naming the first row whose decision value is not finite (kernel values
/// times coefficients overflowed: possible only with a loaded model whose values sit at the
/// limits `from_json` accepts, or inputs near ±1e100 with the linear kernel).
inline void require_finite_decisions(std::string_view where, const MatrixRef& D) {
    if (D.allFinite()) return;
    for (Index i = 0; i < D.rows(); ++i)
        if (!D.row(i).allFinite())
            throw NumericalError(fmt::format("{}: the decision value of row {} is not finite (kernel values times the "
                                             "dual coefficients overflow; expected smaller inputs or coefficients)",
                                             where, i));
}

/// Largest |coefficient| of a saved model: a fit gives at most C·w ≤ 1e100·1e100.
inline constexpr double kMaxSvmCoef = 1e200;

/// Refuse saved dual coefficients beyond what a fit can produce.
inline void svm_check_saved_coef(const MatrixRef& coef, const JsonAt& at) {
    if (coef.size() > 0 && coef.cwiseAbs().maxCoeff() > kMaxSvmCoef)
        json_value_error(at, "a coefficient is beyond ±1e200 (a fit gives at most C * class weight <= 1e200)");
}

/// Refuse saved support vectors whose linear-kernel values could overflow (as `fit` does).
inline void svm_check_saved_linear(const MatrixRef& sv, const JsonAt& at) {
    for (Index i = 0; i < sv.rows(); ++i)
        if (!(sv.row(i).squaredNorm() <= kMaxSvmLinearSquaredNorm))
            json_value_error(at, fmt::format("support vector {} has squared norm beyond 1e38 (linear kernel)", i));
}

/// Support-vector indices of a saved model: n_SV integers in [0, 2⁶²).
inline std::vector<Index> svm_support_from_json(const nlohmann::json& j, const JsonAt& at, Index n_sv) {
    const auto& arr = json_array(json_field(j, at, "support"), at / "support", n_sv);
    std::vector<Index> out;
    out.reserve(arr.size());
    for (std::size_t i = 0; i < arr.size(); ++i) out.push_back(json_index(arr[i], at / "support" / i, 0, Index{1} << 62));
    return out;
}

}  // namespace detail

METALEARN_INLINE Matrix detail::SvmKernelFn::block(const MatrixRef& A, const Vector& sq_a, const MatrixRef& B,
                                                  const Vector& sq_b) const {
    Matrix D = A * B.transpose();
    for (Index j = 0; j < D.cols(); ++j) from_dots(D.col(j), sq_a, sq_b[j], A.cols());
    return D;
}

METALEARN_INLINE void SVC::set_params(const params_type& p) {
    constexpr std::string_view where = "SVC::set_params()";
    detail::check_svm_common(where, p);
    detail::check_class_weights(where, p.class_weight, p.class_weights);
    params_ = p;
    fitted_ = false;
}

METALEARN_INLINE void SVC::fit(const MatrixRef& X, const VectorRef& y, Index n_classes) {
    constexpr std::string_view where = "SVC::fit()";
    fitted_ = false;
    detail::check_xy(where, X, y);
    detail::check_svm_magnitude(where, X);
    Index k = 0;
    const auto codes = detail::class_codes(where, y, n_classes, k);
    const Vector counts = detail::class_counts(codes, k);
    detail::require_two_classes(where, counts);
    std::vector<double> w = detail::class_weight_values(where, codes, k, params_.class_weight, params_.class_weights);
    if (w.empty()) w.assign(static_cast<std::size_t>(k), 1.0);
    for (Index c = 0; c < k; ++c)
        if (counts[c] > 0 && !(params_.C * w[static_cast<std::size_t>(c)] > 0.0))
            throw DataError(fmt::format("{}: class {} has the bound C * class weight = {} * {} = 0 (expected > 0 for "
                                        "every class present: a class whose samples cannot carry weight cannot be "
                                        "separated; leave its rows out instead)",
                                        where, c, params_.C, w[static_cast<std::size_t>(c)]));
    kernel_ = detail::svm_kernel_for(where, params_, X);

    // Present classes and their rows, in data order.
    std::vector<Index> labels;
    std::vector<std::vector<Index>> rows_of;
    {
        std::vector<Index> slot(static_cast<std::size_t>(k), -1);
        for (Index c = 0; c < k; ++c)
            if (counts[c] > 0) {
                slot[static_cast<std::size_t>(c)] = static_cast<Index>(labels.size());
                labels.push_back(c);
            }
        rows_of.resize(labels.size());
        for (std::size_t i = 0; i < codes.size(); ++i)
            rows_of[static_cast<std::size_t>(slot[static_cast<std::size_t>(codes[i])])].push_back(static_cast<Index>(i));
    }
    const auto nl = static_cast<Index>(labels.size());
    std::vector<std::array<Index, 2>> pairs;
    for (Index a = 0; a < nl; ++a)
        for (Index b = a + 1; b < nl; ++b) pairs.push_back({a, b});
    const auto n_pairs = static_cast<Index>(pairs.size());

    std::vector<detail::SvcBinary> solved(pairs.size());
    std::vector<std::array<double, 2>> sigmoid(pairs.size());
    parallel_for(n_pairs, params_.n_threads, [&](Index q) {
        const auto [a, b] = pairs[static_cast<std::size_t>(q)];
        const auto& ra = rows_of[static_cast<std::size_t>(a)];
        const auto& rb = rows_of[static_cast<std::size_t>(b)];
        std::vector<Index> rows(ra);
        rows.insert(rows.end(), rb.begin(), rb.end());
        std::vector<signed char> sign(rows.size(), -1);
        std::fill(sign.begin(), sign.begin() + static_cast<std::ptrdiff_t>(ra.size()), 1);
        const double cp = params_.C * w[static_cast<std::size_t>(labels[static_cast<std::size_t>(a)])];
        const double cn = params_.C * w[static_cast<std::size_t>(labels[static_cast<std::size_t>(b)])];
        detail::SvmRows R = X(rows, Eigen::all);
        if (params_.probability)
            sigmoid[static_cast<std::size_t>(q)] =
                cv_sigmoid(R, sign, cp, cn,
                           derive_seed(seed_, {static_cast<std::uint64_t>(labels[static_cast<std::size_t>(a)]),
                                               static_cast<std::uint64_t>(labels[static_cast<std::size_t>(b)])}));
        solved[static_cast<std::size_t>(q)] = detail::svc_solve(std::move(R), sign, kernel_, cp, cn, params_.tol,
                                                                params_.shrinking, params_.max_iter,
                                                                params_.cache_size);
        if (!params_.probability) {
            std::vector<bool> positive(sign.size());
            for (std::size_t t = 0; t < sign.size(); ++t) positive[t] = sign[t] > 0;
            sigmoid[static_cast<std::size_t>(q)] =
                detail::platt_sigmoid(solved[static_cast<std::size_t>(q)].decision, positive);
        }
    });

    // Support vectors: rows with a nonzero coefficient in some pair, grouped by class.
    std::vector<char> is_sv(codes.size(), 0);
    for (Index q = 0; q < n_pairs; ++q) {
        const auto [a, b] = pairs[static_cast<std::size_t>(q)];
        const auto& ra = rows_of[static_cast<std::size_t>(a)];
        const auto& rb = rows_of[static_cast<std::size_t>(b)];
        const auto& coef = solved[static_cast<std::size_t>(q)].coef;
        for (std::size_t t = 0; t < coef.size(); ++t)
            if (coef[t] != 0.0) is_sv[static_cast<std::size_t>(t < ra.size() ? ra[t] : rb[t - ra.size()])] = 1;
    }
    support_.clear();
    n_support_ = std::vector<Index>(static_cast<std::size_t>(k), 0);
    std::vector<Index> sv_pos(codes.size(), -1);
    sv_start_.assign(static_cast<std::size_t>(nl) + 1, 0);
    for (Index a = 0; a < nl; ++a) {
        for (Index r : rows_of[static_cast<std::size_t>(a)])
            if (is_sv[static_cast<std::size_t>(r)]) {
                sv_pos[static_cast<std::size_t>(r)] = static_cast<Index>(support_.size());
                support_.push_back(r);
            }
        sv_start_[static_cast<std::size_t>(a) + 1] = static_cast<Index>(support_.size());
        n_support_[static_cast<std::size_t>(labels[static_cast<std::size_t>(a)])] =
            sv_start_[static_cast<std::size_t>(a) + 1] - sv_start_[static_cast<std::size_t>(a)];
    }
    const auto nsv = static_cast<Index>(support_.size());
    sv_ = X(support_, Eigen::all);
    sv_sq_ = sv_.rowwise().squaredNorm();
    dual_coef_ = Matrix::Zero(std::max<Index>(nl - 1, 1), nsv);
    rho_.resize(n_pairs);
    prob_a_.resize(n_pairs);
    prob_b_.resize(n_pairs);
    n_iter_.assign(pairs.size(), 0);
    converged_ = true;
    for (Index q = 0; q < n_pairs; ++q) {
        const auto [a, b] = pairs[static_cast<std::size_t>(q)];
        const auto& ra = rows_of[static_cast<std::size_t>(a)];
        const auto& rb = rows_of[static_cast<std::size_t>(b)];
        const auto& s = solved[static_cast<std::size_t>(q)];
        for (std::size_t t = 0; t < s.coef.size(); ++t) {
            if (s.coef[t] == 0.0) continue;
            const bool in_a = t < ra.size();
            const Index r = in_a ? ra[t] : rb[t - ra.size()];
            dual_coef_(in_a ? b - 1 : a, sv_pos[static_cast<std::size_t>(r)]) = s.coef[t];
        }
        rho_[q] = s.rho;
        prob_a_[q] = sigmoid[static_cast<std::size_t>(q)][0];
        prob_b_[q] = sigmoid[static_cast<std::size_t>(q)][1];
        n_iter_[static_cast<std::size_t>(q)] = s.n_iter;
        converged_ = converged_ && s.converged;
    }
    labels_ = std::move(labels);
    k_ = k;
    n_features_ = X.cols();
    fitted_ = true;
}

METALEARN_INLINE Matrix SVC::decision_function(const MatrixRef& X) const {
    constexpr std::string_view where = "SVC::decision_function()";
    detail::require_fitted(where, fitted_);
    detail::check_predict_x(where, X, n_features_);
    detail::check_svm_magnitude(where, X);
    Matrix D = pair_decisions(X, where);
    if (labels_.size() == 2) D = -D;
    return D;
}

METALEARN_INLINE Vector SVC::predict(const MatrixRef& X) const {
    constexpr std::string_view where = "SVC::predict()";
    detail::require_fitted(where, fitted_);
    detail::check_predict_x(where, X, n_features_);
    detail::check_svm_magnitude(where, X);
    const Matrix D = pair_decisions(X, where);
    const auto nl = static_cast<Index>(labels_.size());
    Vector out(X.rows());
    std::vector<Index> votes(static_cast<std::size_t>(nl));
    for (Index i = 0; i < X.rows(); ++i) {
        std::fill(votes.begin(), votes.end(), 0);
        Index q = 0;
        for (Index a = 0; a < nl; ++a)
            for (Index b = a + 1; b < nl; ++b, ++q) ++votes[static_cast<std::size_t>(D(i, q) > 0.0 ? a : b)];
        Index best = 0;
        for (Index a = 1; a < nl; ++a)
            if (votes[static_cast<std::size_t>(a)] > votes[static_cast<std::size_t>(best)]) best = a;
        out[i] = static_cast<double>(labels_[static_cast<std::size_t>(best)]);
    }
    return out;
}

METALEARN_INLINE Matrix SVC::predict_proba(const MatrixRef& X) const {
    constexpr std::string_view where = "SVC::predict_proba()";
    detail::require_fitted(where, fitted_);
    detail::check_predict_x(where, X, n_features_);
    detail::check_svm_magnitude(where, X);
    const Matrix D = pair_decisions(X, where);
    const auto nl = static_cast<Index>(labels_.size());
    Matrix P = Matrix::Zero(X.rows(), k_);
    constexpr double min_prob = 1e-7;
    Matrix r(nl, nl);
    for (Index i = 0; i < X.rows(); ++i) {
        r.setZero();
        Index q = 0;
        for (Index a = 0; a < nl; ++a)
            for (Index b = a + 1; b < nl; ++b, ++q) {
                const double pr = std::clamp(detail::platt_probability(D(i, q), prob_a_[q], prob_b_[q]), min_prob,
                                             1.0 - min_prob);
                r(a, b) = pr;
                r(b, a) = 1.0 - pr;
            }
        if (nl == 2) {
            P(i, labels_[0]) = r(0, 1);
            P(i, labels_[1]) = r(1, 0);
            continue;
        }
        const Vector p = detail::couple_pairwise(r);
        for (Index a = 0; a < nl; ++a) P(i, labels_[static_cast<std::size_t>(a)]) = p[a];
    }
    return P;
}

METALEARN_INLINE void SVR::set_params(const params_type& p) {
    constexpr std::string_view where = "SVR::set_params()";
    detail::check_svm_common(where, p);
    if (!(p.epsilon >= 0.0) || !std::isfinite(p.epsilon))
        throw ConfigError(fmt::format("{}: epsilon out of range (expected finite >= 0, got {})", where, p.epsilon));
    params_ = p;
    fitted_ = false;
}

METALEARN_INLINE std::array<double, 2> SVC::cv_sigmoid(const detail::SvmRows& R, const std::vector<signed char>& sign, double cp,
                                             double cn, std::uint64_t seed) const {
    constexpr Index n_folds = 5;
    const Index l = R.rows();
    Rng rng(seed);
    const std::vector<std::int64_t> perm = rng.permutation(l);
    std::vector<double> dec(static_cast<std::size_t>(l), 0.0);
    for (Index f = 0; f < n_folds; ++f) {
        const Index begin = f * l / n_folds;
        const Index end = (f + 1) * l / n_folds;
        std::vector<Index> train;
        std::vector<signed char> train_sign;
        Index n_pos = 0;
        for (Index t = 0; t < l; ++t) {
            if (t >= begin && t < end) continue;
            const auto r = static_cast<std::size_t>(perm[static_cast<std::size_t>(t)]);
            train.push_back(static_cast<Index>(r));
            train_sign.push_back(sign[r]);
            n_pos += sign[r] > 0 ? 1 : 0;
        }
        const auto n_train = static_cast<Index>(train.size());
        const Index n_neg = n_train - n_pos;
        if (n_pos == 0 || n_neg == 0) {
            const double v = n_pos > 0 ? 1.0 : (n_neg > 0 ? -1.0 : 0.0);
            for (Index t = begin; t < end; ++t) dec[static_cast<std::size_t>(perm[static_cast<std::size_t>(t)])] = v;
            continue;
        }
        detail::SvmRows sub = R(train, Eigen::all);
        const detail::SvcBinary s = detail::svc_solve(sub, train_sign, kernel_, cp, cn, params_.tol, params_.shrinking,
                                                      params_.max_iter, params_.cache_size);
        std::vector<Index> held;
        for (Index t = begin; t < end; ++t) held.push_back(static_cast<Index>(perm[static_cast<std::size_t>(t)]));
        if (held.empty()) continue;
        const Matrix H = R(held, Eigen::all);
        const Matrix Kh = kernel_.block(H, H.rowwise().squaredNorm(), sub, sub.rowwise().squaredNorm());
        const Eigen::Map<const Vector> coef(s.coef.data(), n_train);
        const Vector d = Kh * coef;
        for (std::size_t t = 0; t < held.size(); ++t)
            dec[static_cast<std::size_t>(held[t])] = d[static_cast<Index>(t)] - s.rho;
    }
    std::vector<bool> positive(sign.size());
    for (std::size_t t = 0; t < sign.size(); ++t) positive[t] = sign[t] > 0;
    return detail::platt_sigmoid(dec, positive);
}

METALEARN_INLINE Matrix SVC::pair_decisions(const MatrixRef& X, std::string_view where) const {
    const Index m = X.rows();
    const auto nl = static_cast<Index>(labels_.size());
    const Index n_pairs = nl * (nl - 1) / 2;
    Matrix D(m, n_pairs);
    const Index n_blocks = (m + detail::kSvmPredictBlock - 1) / detail::kSvmPredictBlock;
    parallel_for(n_blocks, params_.n_threads, [&](Index blk) {
        const Index r0 = blk * detail::kSvmPredictBlock;
        const Index rows = std::min(detail::kSvmPredictBlock, m - r0);
        const auto Xb = X.middleRows(r0, rows);
        const Matrix K = kernel_.block(Xb, Xb.rowwise().squaredNorm(), sv_, sv_sq_);
        Index q = 0;
        for (Index a = 0; a < nl; ++a)
            for (Index b = a + 1; b < nl; ++b, ++q) {
                const Index sa = sv_start_[static_cast<std::size_t>(a)];
                const Index na = sv_start_[static_cast<std::size_t>(a) + 1] - sa;
                const Index sb = sv_start_[static_cast<std::size_t>(b)];
                const Index nb = sv_start_[static_cast<std::size_t>(b) + 1] - sb;
                auto col = D.col(q).segment(r0, rows);
                col.noalias() = K.middleCols(sa, na) * dual_coef_.row(b - 1).segment(sa, na).transpose();
                col.noalias() += K.middleCols(sb, nb) * dual_coef_.row(a).segment(sb, nb).transpose();
                col.array() -= rho_[q];
            }
    });
    detail::require_finite_decisions(where, D);
    return D;
}

METALEARN_INLINE nlohmann::json SVC::to_json() const {
    detail::require_fitted("SVC::to_json()", fitted_);
    nlohmann::json p = detail::svm_params_json(params_);
    p["probability"] = params_.probability;
    p["class_weight"] = to_string(params_.class_weight);
    p["class_weights"] = params_.class_weights;
    std::vector<Index> n_sv;
    for (std::size_t a = 0; a + 1 < sv_start_.size(); ++a) n_sv.push_back(sv_start_[a + 1] - sv_start_[a]);
    return {{"kind", name},
            {"version", 1},
            {"params", std::move(p)},
            {"seed", seed_},
            {"gamma_used", kernel_.gamma},
            {"n_features", n_features_},
            {"n_classes", k_},
            {"labels", labels_},
            {"n_support", n_sv},
            {"support", support_},
            {"support_vectors", detail::matrix_json(sv_)},
            {"dual_coef", detail::matrix_json(dual_coef_)},
            {"rho", detail::vector_json(rho_)},
            {"prob_a", detail::vector_json(prob_a_)},
            {"prob_b", detail::vector_json(prob_b_)},
            {"n_iter", n_iter_},
            {"converged", converged_}};
}

METALEARN_INLINE SVC SVC::from_json(const nlohmann::json& j) {
    using namespace detail;
    const JsonAt at{"SVC::from_json()", ""};
    SVC m = svm_model_with_params<SVC>(j, at, [](const nlohmann::json& pj, const JsonAt& pa, params_type& p) {
        p.probability = json_bool(json_field(pj, pa, "probability"), pa / "probability");
        read_class_weight_json(pj, pa, p);
    });
    const params_type& p = m.params_;
    m.seed_ = json_uint64(json_field(j, at, "seed"), at / "seed");
    m.kernel_ = svm_kernel_from_json(j, at, p.kernel);
    m.n_features_ = json_index(json_field(j, at, "n_features"), at / "n_features", 1, Index{1} << 40);
    m.k_ = json_index(json_field(j, at, "n_classes"), at / "n_classes", 2, kMaxDeclaredClasses);
    const auto& lj = json_array(json_field(j, at, "labels"), at / "labels");
    const auto nl = static_cast<Index>(lj.size());
    if (nl < 2 || nl > m.k_)
        json_value_error(at / "labels", fmt::format("expected 2..n_classes = {} class codes, got {}", m.k_, nl));
    for (std::size_t a = 0; a < lj.size(); ++a) {
        m.labels_.push_back(json_index(lj[a], at / "labels" / a, 0, m.k_ - 1));
        if (a > 0 && m.labels_[a] <= m.labels_[a - 1])
            json_value_error(at / "labels" / a, "class codes must increase");
    }
    const auto& nj = json_array(json_field(j, at, "n_support"), at / "n_support", nl);
    m.sv_start_.assign(1, 0);
    m.n_support_.assign(static_cast<std::size_t>(m.k_), 0);
    for (std::size_t a = 0; a < nj.size(); ++a) {
        const Index c = json_index(nj[a], at / "n_support" / a, 0, (Index{1} << 40) - m.sv_start_.back());
        m.sv_start_.push_back(m.sv_start_.back() + c);
        m.n_support_[static_cast<std::size_t>(m.labels_[a])] = c;
    }
    const Index nsv = m.sv_start_.back();
    m.support_ = svm_support_from_json(j, at, nsv);
    m.sv_ = json_matrix(json_field(j, at, "support_vectors"), at / "support_vectors", nsv, m.n_features_);
    m.sv_sq_ = m.sv_.rowwise().squaredNorm();
    if (!m.sv_sq_.allFinite() || (nsv > 0 && m.sv_.cwiseAbs().maxCoeff() > kMaxSvmMagnitude))
        json_value_error(at / "support_vectors", "a value is beyond ±1e100 (expected |x| <= 1e100)");
    m.dual_coef_ = json_matrix(json_field(j, at, "dual_coef"), at / "dual_coef", nl - 1, nsv);
    svm_check_saved_coef(m.dual_coef_, at / "dual_coef");
    if (p.kernel == SvmKernel::linear) svm_check_saved_linear(m.sv_, at / "support_vectors");
    const Index n_pairs = nl * (nl - 1) / 2;
    m.rho_ = json_vector(json_field(j, at, "rho"), at / "rho", n_pairs);
    m.prob_a_ = json_vector(json_field(j, at, "prob_a"), at / "prob_a", n_pairs);
    m.prob_b_ = json_vector(json_field(j, at, "prob_b"), at / "prob_b", n_pairs);
    const auto& ij = json_array(json_field(j, at, "n_iter"), at / "n_iter", n_pairs);
    for (std::size_t q = 0; q < ij.size(); ++q) m.n_iter_.push_back(json_index(ij[q], at / "n_iter" / q, 0));
    m.converged_ = json_bool(json_field(j, at, "converged"), at / "converged");
    m.fitted_ = true;
    return m;
}

METALEARN_INLINE hpo::SearchSpace<SVC::params_type> SVC::search_space() {
    hpo::SearchSpace<params_type> s;
    s.add("C", &params_type::C, hpo::log_uniform(0x1p-10, 0x1p10))
        .valid_range("C", std::numeric_limits<double>::min(), detail::kMaxSvmMagnitude);
    detail::svm_common_space(s)
        .add("class_weight", &params_type::class_weight,
             hpo::categorical<ClassWeight>({{"none", ClassWeight::none}, {"balanced", ClassWeight::balanced}}))
        .fixed("probability", &params_type::probability, hpo::boolean());
    return s;
}

METALEARN_INLINE void SVR::fit(const MatrixRef& X, const VectorRef& y) {
    constexpr std::string_view where = "SVR::fit()";
    fitted_ = false;
    detail::check_xy(where, X, y);
    detail::check_svm_magnitude(where, X);
    for (Index i = 0; i < y.size(); ++i)
        if (std::abs(y[i]) > detail::kMaxSvmMagnitude)
            throw DataError(fmt::format("{}: y[{}] = {} is beyond ±1e100 (expected |y| <= 1e100; rescale the target)",
                                        where, i, y[i]));
    kernel_ = detail::svm_kernel_for(where, params_, X);
    const Index n = X.rows();
    const detail::SvmRows rows = X;
    detail::SvrQ Q(rows, kernel_, detail::svm_cache_entries(params_.cache_size));
    std::vector<double> p(static_cast<std::size_t>(2 * n));
    std::vector<signed char> sign(static_cast<std::size_t>(2 * n));
    for (Index i = 0; i < n; ++i) {
        p[static_cast<std::size_t>(i)] = params_.epsilon - y[i];
        p[static_cast<std::size_t>(i + n)] = params_.epsilon + y[i];
        sign[static_cast<std::size_t>(i)] = 1;
        sign[static_cast<std::size_t>(i + n)] = -1;
    }
    const detail::SvmSolution s = detail::SvmSolver::solve(Q, std::move(p), std::move(sign), params_.C, params_.C,
                                                           params_.tol, params_.shrinking,
                                                           detail::svm_iteration_limit(params_.max_iter, 2 * n));
    support_.clear();
    std::vector<double> coef;
    for (Index i = 0; i < n; ++i) {
        const double c = s.alpha[static_cast<std::size_t>(i)] - s.alpha[static_cast<std::size_t>(i + n)];
        if (c != 0.0) {
            support_.push_back(i);
            coef.push_back(c);
        }
    }
    coef_ = Eigen::Map<const Vector>(coef.data(), static_cast<Index>(coef.size()));
    sv_ = X(support_, Eigen::all);
    sv_sq_ = sv_.rowwise().squaredNorm();
    rho_ = s.rho;
    n_iter_ = s.n_iter;
    converged_ = s.converged;
    n_features_ = X.cols();
    fitted_ = true;
}

METALEARN_INLINE Vector SVR::predict(const MatrixRef& X) const {
    constexpr std::string_view where = "SVR::predict()";
    detail::require_fitted(where, fitted_);
    detail::check_predict_x(where, X, n_features_);
    detail::check_svm_magnitude(where, X);
    const Index m = X.rows();
    Vector out(m);
    const Index n_blocks = (m + detail::kSvmPredictBlock - 1) / detail::kSvmPredictBlock;
    parallel_for(n_blocks, params_.n_threads, [&](Index blk) {
        const Index r0 = blk * detail::kSvmPredictBlock;
        const Index rows = std::min(detail::kSvmPredictBlock, m - r0);
        const auto Xb = X.middleRows(r0, rows);
        const Matrix K = kernel_.block(Xb, Xb.rowwise().squaredNorm(), sv_, sv_sq_);
        out.segment(r0, rows).noalias() = K * coef_;
        out.segment(r0, rows).array() -= rho_;
    });
    detail::require_finite_decisions(where, out);
    return out;
}

METALEARN_INLINE nlohmann::json SVR::to_json() const {
    detail::require_fitted("SVR::to_json()", fitted_);
    nlohmann::json p = detail::svm_params_json(params_);
    p["epsilon"] = params_.epsilon;
    return {{"kind", name},
            {"version", 1},
            {"params", std::move(p)},
            {"gamma_used", kernel_.gamma},
            {"n_features", n_features_},
            {"support", support_},
            {"support_vectors", detail::matrix_json(sv_)},
            {"dual_coef", detail::vector_json(coef_)},
            {"rho", rho_},
            {"n_iter", n_iter_},
            {"converged", converged_}};
}

METALEARN_INLINE SVR SVR::from_json(const nlohmann::json& j) {
    using namespace detail;
    const JsonAt at{"SVR::from_json()", ""};
    SVR m = svm_model_with_params<SVR>(j, at, [](const nlohmann::json& pj, const JsonAt& pa, params_type& p) {
        p.epsilon = json_double(json_field(pj, pa, "epsilon"), pa / "epsilon");
    });
    const params_type& p = m.params_;
    m.kernel_ = svm_kernel_from_json(j, at, p.kernel);
    m.n_features_ = json_index(json_field(j, at, "n_features"), at / "n_features", 1, Index{1} << 40);
    m.coef_ = json_vector(json_field(j, at, "dual_coef"), at / "dual_coef");
    svm_check_saved_coef(m.coef_, at / "dual_coef");
    const Index nsv = m.coef_.size();
    m.support_ = svm_support_from_json(j, at, nsv);
    m.sv_ = json_matrix(json_field(j, at, "support_vectors"), at / "support_vectors", nsv, m.n_features_);
    m.sv_sq_ = m.sv_.rowwise().squaredNorm();
    if (!m.sv_sq_.allFinite() || (nsv > 0 && m.sv_.cwiseAbs().maxCoeff() > kMaxSvmMagnitude))
        json_value_error(at / "support_vectors", "a value is beyond ±1e100 (expected |x| <= 1e100)");
    if (p.kernel == SvmKernel::linear) svm_check_saved_linear(m.sv_, at / "support_vectors");
    m.rho_ = json_double(json_field(j, at, "rho"), at / "rho");
    m.n_iter_ = json_index(json_field(j, at, "n_iter"), at / "n_iter", 0);
    m.converged_ = json_bool(json_field(j, at, "converged"), at / "converged");
    m.fitted_ = true;
    return m;
}

METALEARN_INLINE hpo::SearchSpace<SVR::params_type> SVR::search_space() {
    constexpr double tiny = std::numeric_limits<double>::min();
    hpo::SearchSpace<params_type> s;
    s.add("C", &params_type::C, hpo::log_uniform(0x1p-5, 0x1p15)).valid_range("C", tiny, detail::kMaxSvmMagnitude);
    detail::svm_common_space(s)
        .add("epsilon", &params_type::epsilon, hpo::log_uniform(1e-3, 1.0))
        .valid_range("epsilon", tiny, std::numeric_limits<double>::max());
    return s;
}

}  // namespace metalearn::models
