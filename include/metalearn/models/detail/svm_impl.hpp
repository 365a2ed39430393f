#pragma once
/// @file svm_impl.hpp
/// @brief Definitions of the out-of-class members of `SVC` and `SVR` (svm.hpp): probability
/// cross-validation, prediction, saved form and search spaces.

#include "metalearn/models/detail/class_weight_json.hpp"
#include "metalearn/models/svm.hpp"

namespace metalearn::models {

namespace detail {

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

inline std::array<double, 2> SVC::cv_sigmoid(const detail::SvmRows& R, const std::vector<signed char>& sign, double cp,
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

inline Matrix SVC::pair_decisions(const MatrixRef& X, std::string_view where) const {
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

inline nlohmann::json SVC::to_json() const {
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

inline SVC SVC::from_json(const nlohmann::json& j) {
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

inline hpo::SearchSpace<SVC::params_type> SVC::search_space() {
    hpo::SearchSpace<params_type> s;
    s.add("C", &params_type::C, hpo::log_uniform(0x1p-10, 0x1p10))
        .valid_range("C", std::numeric_limits<double>::min(), detail::kMaxSvmMagnitude);
    detail::svm_common_space(s)
        .add("class_weight", &params_type::class_weight,
             hpo::categorical<ClassWeight>({{"none", ClassWeight::none}, {"balanced", ClassWeight::balanced}}))
        .fixed("probability", &params_type::probability, hpo::boolean());
    return s;
}

inline void SVR::fit(const MatrixRef& X, const VectorRef& y) {
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

inline Vector SVR::predict(const MatrixRef& X) const {
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

inline nlohmann::json SVR::to_json() const {
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

inline SVR SVR::from_json(const nlohmann::json& j) {
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

inline hpo::SearchSpace<SVR::params_type> SVR::search_space() {
    constexpr double tiny = std::numeric_limits<double>::min();
    hpo::SearchSpace<params_type> s;
    s.add("C", &params_type::C, hpo::log_uniform(0x1p-5, 0x1p15)).valid_range("C", tiny, detail::kMaxSvmMagnitude);
    detail::svm_common_space(s)
        .add("epsilon", &params_type::epsilon, hpo::log_uniform(1e-3, 1.0))
        .valid_range("epsilon", tiny, std::numeric_limits<double>::max());
    return s;
}

}  // namespace metalearn::models
