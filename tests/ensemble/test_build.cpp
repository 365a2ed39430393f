// AnyModel, WeightedAveraging / ModelAveraging and build_ensemble, with small models defined
// here (nearest-centroid classifier, class-prior classifier, ridge-like least squares) so that
// every expected value can be recomputed in the test by the obvious direct route.

#include "support/test_support.hpp"

#include <metalearn/data/preprocess.hpp>
#include <metalearn/data/split.hpp>
#include <metalearn/ensemble.hpp>
#include <metalearn/hpo/cross_validate.hpp>
#include <metalearn/hpo/search_space.hpp>

#include <cmath>
#include <string>
#include <vector>

using namespace metalearn;
using namespace metalearn::ensemble;
using metalearn::test::approx_matrix;

namespace {

// Probabilities ∝ exp(−||x − c_k||² / T) over the classes seen in training (absent classes 0).
struct CentroidClassifier {
    struct params_type {
        double temperature = 1.0;
        bool fail = false;  // make fit() throw, to test failure handling
    };
    static constexpr std::string_view name = "centroid";
    void set_params(const params_type& p) {
        if (!(p.temperature > 0)) throw ConfigError("CentroidClassifier::set_params(): temperature must be > 0");
        p_ = p;
        fitted_ = false;
    }
    [[nodiscard]] params_type params() const { return p_; }
    void fit(const MatrixRef& X, const VectorRef& y) { fit(X, y, static_cast<Index>(y.maxCoeff()) + 1); }
    void fit(const MatrixRef& X, const VectorRef& y, Index k) {
        if (p_.fail) throw DataError("CentroidClassifier::fit(): asked to fail");
        centroids_ = Matrix::Zero(k, X.cols());
        counts_ = Vector::Zero(k);
        for (Index i = 0; i < X.rows(); ++i) {
            centroids_.row(static_cast<Index>(y[i])) += X.row(i);
            counts_[static_cast<Index>(y[i])] += 1;
        }
        for (Index c = 0; c < k; ++c)
            if (counts_[c] > 0) centroids_.row(c) /= counts_[c];
        fitted_ = true;
    }
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const {
        if (!fitted_) throw NotFitted("CentroidClassifier::predict_proba(): call fit() first");
        Matrix p(X.rows(), centroids_.rows());
        for (Index i = 0; i < X.rows(); ++i) {
            double best = -std::numeric_limits<double>::infinity();
            for (Index c = 0; c < p.cols(); ++c) {
                p(i, c) = counts_[c] > 0 ? -(X.row(i) - centroids_.row(c)).squaredNorm() / p_.temperature
                                         : -std::numeric_limits<double>::infinity();
                best = std::max(best, p(i, c));
            }
            p.row(i) = (p.row(i).array() - best).exp();
            p.row(i) /= p.row(i).sum();
        }
        return p;
    }
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        const Matrix p = predict_proba(X);
        Vector out(p.rows());
        for (Index i = 0; i < p.rows(); ++i) {
            Index b = 0;
            p.row(i).maxCoeff(&b);
            out[i] = static_cast<double>(b);
        }
        return out;
    }
    [[nodiscard]] Index n_classes() const { return centroids_.rows(); }
    [[nodiscard]] bool is_fitted() const { return fitted_; }
    void set_seed(std::uint64_t s) { seed = s; }
    static hpo::SearchSpace<params_type> search_space() {
        return hpo::SearchSpace<params_type>().add("temperature", &params_type::temperature, hpo::log_uniform(1e-3, 1e3));
    }
    params_type p_{};
    Matrix centroids_;
    Vector counts_;
    bool fitted_ = false;
    std::uint64_t seed = 0;
};
static_assert(models::Classifier<CentroidClassifier>);

CentroidClassifier centroid(double temperature) {
    CentroidClassifier c;
    c.set_params({.temperature = temperature});
    return c;
}

// Predicts the training class frequencies for every sample.
struct PriorClassifier {
    struct params_type {
        double smoothing = 0.0;
    };
    static constexpr std::string_view name = "prior";
    void set_params(const params_type& p) { p_ = p; fitted_ = false; }
    [[nodiscard]] params_type params() const { return p_; }
    void fit(const MatrixRef& X, const VectorRef& y) { fit(X, y, static_cast<Index>(y.maxCoeff()) + 1); }
    void fit(const MatrixRef&, const VectorRef& y, Index k) {
        prior_ = Vector::Constant(k, p_.smoothing);
        for (Index i = 0; i < y.size(); ++i) prior_[static_cast<Index>(y[i])] += 1;
        prior_ /= prior_.sum();
        fitted_ = true;
    }
    [[nodiscard]] Matrix predict_proba(const MatrixRef& X) const {
        if (!fitted_) throw NotFitted("PriorClassifier::predict_proba(): call fit() first");
        return prior_.transpose().replicate(X.rows(), 1);
    }
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        Index b = 0;
        prior_.maxCoeff(&b);
        return Vector::Constant(X.rows(), static_cast<double>(b));
    }
    [[nodiscard]] Index n_classes() const { return prior_.size(); }
    [[nodiscard]] bool is_fitted() const { return fitted_; }
    static hpo::SearchSpace<params_type> search_space() {
        return hpo::SearchSpace<params_type>().add("smoothing", &params_type::smoothing, hpo::uniform(0.0, 10.0));
    }
    params_type p_{};
    Vector prior_;
    bool fitted_ = false;
};
static_assert(models::Classifier<PriorClassifier>);

// Ridge regression with an unpenalised intercept, solved by the normal equations.
struct LeastSquares {
    struct params_type {
        double alpha = 0.0;
    };
    static constexpr std::string_view name = "least_squares";
    void set_params(const params_type& p) { p_ = p; fitted_ = false; }
    [[nodiscard]] params_type params() const { return p_; }
    void fit(const MatrixRef& X, const VectorRef& y) {
        const Vector mx = X.colwise().mean();
        const Matrix Xc = X.rowwise() - mx.transpose();
        const Matrix A = Xc.transpose() * Xc + p_.alpha * Matrix::Identity(X.cols(), X.cols());
        coef_ = A.ldlt().solve(Xc.transpose() * (y.array() - y.mean()).matrix());
        intercept_ = y.mean() - mx.dot(coef_);
        fitted_ = true;
    }
    [[nodiscard]] Vector predict(const MatrixRef& X) const {
        if (!fitted_) throw NotFitted("LeastSquares::predict(): call fit() first");
        return (X * coef_).array() + intercept_;
    }
    [[nodiscard]] bool is_fitted() const { return fitted_; }
    static hpo::SearchSpace<params_type> search_space() {
        return hpo::SearchSpace<params_type>().add("alpha", &params_type::alpha, hpo::uniform(0.0, 1e6));
    }
    params_type p_{};
    Vector coef_;
    double intercept_ = 0.0;
    bool fitted_ = false;
};
static_assert(models::Regressor<LeastSquares>);

// Three overlapping Gaussian blobs in 2-D (classes 0, 1, 2), 40 samples each.
data::Dataset blobs(std::uint64_t seed) {
    Rng rng(seed);
    const Index n = 120;
    Matrix X(n, 2);
    Vector y(n);
    const double cx[3] = {0.0, 1.5, 0.5};
    const double cy[3] = {0.0, 0.3, 1.6};
    for (Index i = 0; i < n; ++i) {
        const Index c = i % 3;
        X(i, 0) = rng.normal(cx[c], 1.0);
        X(i, 1) = rng.normal(cy[c], 1.0);
        y[i] = static_cast<double>(c);
    }
    return {"blobs", X, y, {data::FeatureInfo::numeric("a"), data::FeatureInfo::numeric("b")},
            data::TaskType::classification, {"u", "v", "w"}};
}

// y = 2 x0 − x1 + 0.5 x2 + noise, with one useless feature.
data::Dataset linear(std::uint64_t seed) {
    Rng rng(seed);
    const Index n = 80;
    Matrix X(n, 4);
    Vector y(n);
    for (Index i = 0; i < n; ++i) {
        for (Index j = 0; j < 4; ++j) X(i, j) = rng.normal();
        y[i] = 2 * X(i, 0) - X(i, 1) + 0.5 * X(i, 2) + rng.normal(0.0, 0.5);
    }
    return {"linear", X, y,
            {data::FeatureInfo::numeric("a"), data::FeatureInfo::numeric("b"), data::FeatureInfo::numeric("c"),
             data::FeatureInfo::numeric("d")},
            data::TaskType::regression};
}

}  // namespace

TEST_CASE("AnyModel forwards to the held model and copies it deeply", "[ensemble][any_model]") {
    const data::Dataset d = blobs(1);
    CentroidClassifier direct;
    direct.set_params({.temperature = 0.5});
    AnyModel any(direct);
    REQUIRE(any.has_value());
    REQUIRE(any.name() == "centroid");
    REQUIRE(any.is_classifier());
    REQUIRE_FALSE(any.is_fitted());
    REQUIRE(any.describe().find("temperature=0.5") != std::string::npos);

    direct.fit(d.X(), d.y(), 3);
    any.fit(d.X(), d.y(), 3);
    REQUIRE(any.is_fitted());
    REQUIRE(any.n_classes() == 3);
    REQUIRE_THAT(any.predict_proba(d.X()), approx_matrix(direct.predict_proba(d.X()), 0.0, 0.0));
    REQUIRE_THAT(any.predict_matrix(d.X()), approx_matrix(direct.predict_proba(d.X()), 0.0, 0.0));
    REQUIRE(any.predict(d.X()) == direct.predict(d.X()));

    // A copy is independent: refitting it on other data leaves the original unchanged.
    AnyModel copy = any;
    copy.fit(d.X().topRows(30), d.y().head(30), 3);
    REQUIRE_THAT(any.predict_proba(d.X()), approx_matrix(direct.predict_proba(d.X()), 0.0, 0.0));
    REQUIRE(copy.target<CentroidClassifier>() != any.target<CentroidClassifier>());
    REQUIRE(any.target<PriorClassifier>() == nullptr);

    // Seeds reach models that have set_seed.
    any.set_seed(99);
    REQUIRE(any.target<CentroidClassifier>()->seed == 99);

    const data::Dataset r = linear(2);
    AnyModel reg(LeastSquares{});
    reg.fit(r.X(), r.y());
    REQUIRE_FALSE(reg.is_classifier());
    REQUIRE(reg.n_classes() == 0);
    REQUIRE(reg.predict_matrix(r.X()).cols() == 1);
    REQUIRE_THROWS_AS(reg.predict_proba(r.X()), ConfigError);

    AnyModel empty;
    REQUIRE_FALSE(empty.has_value());
    REQUIRE_THROWS_WITH(empty.predict(d.X()), Catch::Contains("empty AnyModel"));
    REQUIRE_THROWS_AS(AnyModel(CentroidClassifier{}).predict(d.X()), NotFitted);
}

TEST_CASE("weighted averaging averages the members' probabilities or values", "[ensemble][averaging]") {
    const data::Dataset d = blobs(3);
    CentroidClassifier a, b;
    a.set_params({.temperature = 0.2});
    b.set_params({.temperature = 5.0});
    PriorClassifier c;
    WeightedAveraging ens({AnyModel(a), AnyModel(b), AnyModel(c)}, Vector((Vector(3) << 2.0, 1.0, 1.0).finished()));
    REQUIRE_THAT(ens.weights(), approx_matrix(Vector((Vector(3) << 0.5, 0.25, 0.25).finished()), 1e-15));
    REQUIRE_FALSE(ens.is_fitted());
    REQUIRE_THROWS_AS(ens.predict(d.X()), NotFitted);
    ens.fit(d.X(), d.y(), 3);
    REQUIRE(ens.is_fitted());
    a.fit(d.X(), d.y(), 3);
    b.fit(d.X(), d.y(), 3);
    c.fit(d.X(), d.y(), 3);
    const Matrix expected = 0.5 * a.predict_proba(d.X()) + 0.25 * b.predict_proba(d.X()) + 0.25 * c.predict_proba(d.X());
    REQUIRE_THAT(ens.predict_proba(d.X()), approx_matrix(expected, 1e-12));
    const Vector labels = ens.predict(d.X());
    for (Index i = 0; i < labels.size(); ++i) {
        Index best = 0;
        expected.row(i).maxCoeff(&best);
        REQUIRE(labels[i] == static_cast<double>(best));
    }

    // Averaging identical members returns the member.
    ModelAveraging same({AnyModel(a), AnyModel(a), AnyModel(a)});
    REQUIRE_THAT(same.weights(), approx_matrix(Vector::Constant(3, 1.0 / 3), 1e-15));
    REQUIRE_THAT(same.predict_proba(d.X()), approx_matrix(a.predict_proba(d.X()), 1e-12));

    // Regression: the average of the values.
    const data::Dataset r = linear(4);
    LeastSquares l0, l1;
    l1.set_params({.alpha = 50.0});
    ModelAveraging reg({AnyModel(l0), AnyModel(l1)});
    reg.fit(r.X(), r.y());
    l0.fit(r.X(), r.y());
    l1.fit(r.X(), r.y());
    REQUIRE_THAT(reg.predict(r.X()), approx_matrix(Vector(0.5 * (l0.predict(r.X()) + l1.predict(r.X()))), 1e-12));
    REQUIRE_THROWS_AS(reg.predict_proba(r.X()), ConfigError);

    // A member with weight 0 is neither fitted nor used.
    WeightedAveraging zero({AnyModel(CentroidClassifier{}), AnyModel(PriorClassifier{})}, Vector::Unit(2, 1));
    zero.fit(d.X(), d.y(), 3);
    REQUIRE_FALSE(zero.members()[0].is_fitted());
    REQUIRE_THAT(zero.predict_proba(d.X()), approx_matrix(c.predict_proba(d.X()), 1e-15));
}

TEST_CASE("weighted averaging rejects invalid members and weights", "[ensemble][averaging][errors]") {
    const std::vector<AnyModel> two{AnyModel(CentroidClassifier{}), AnyModel(PriorClassifier{})};
    REQUIRE_THROWS_WITH(WeightedAveraging({}, Vector()), Catch::Contains("no members"));
    REQUIRE_THROWS_AS(ModelAveraging(std::vector<AnyModel>{}), DataError);
    REQUIRE_THROWS_WITH(WeightedAveraging(two, Vector::Ones(3)), Catch::Contains("3 weights for 2 members"));
    REQUIRE_THROWS_WITH(WeightedAveraging(two, Vector((Vector(2) << 1.0, -0.5).finished())),
                        Catch::Contains("expected a finite value >= 0"));
    REQUIRE_THROWS_AS(WeightedAveraging(two, Vector((Vector(2) << 1.0, std::nan("")).finished())), DataError);
    REQUIRE_THROWS_WITH(WeightedAveraging(two, Vector::Zero(2)), Catch::Contains("all weights are 0"));
    REQUIRE_THROWS_WITH(ModelAveraging({AnyModel(CentroidClassifier{}), AnyModel(LeastSquares{})}),
                        Catch::Contains("expected one kind"));
    REQUIRE_THROWS_WITH(ModelAveraging({AnyModel(CentroidClassifier{}), AnyModel()}), Catch::Contains("empty AnyModel"));
    WeightedAveraging none;
    REQUIRE_FALSE(none.is_fitted());
    REQUIRE_THROWS_AS(none.predict(Matrix::Zero(2, 2)), DataError);
}

TEST_CASE("build_ensemble fits weights on the out-of-fold predictions of hpo::cross_validate and refits the members",
          "[ensemble][build]") {
    const data::Dataset d = blobs(5);
    const std::uint64_t seed = 42;
    const std::vector<CentroidClassifier::params_type> configs{{.temperature = 0.05}, {.temperature = 1.0},
                                                               {.temperature = 20.0}};
    const auto metric = hpo::Metric::balanced_accuracy;
    const FittedEnsemble ens = build_ensemble(CentroidClassifier{}, configs, d, 3, metric, seed);

    // The folds are those hpo::cross_validate makes for the same seed.
    const auto folds = data::make_folds(d, 3, derive_seed(seed, {hpo::cv_fold_seed_id}));
    const CandidateLibrary& lib = ens.library();
    REQUIRE(lib.folds.size() == 3);
    for (std::size_t f = 0; f < 3; ++f) REQUIRE(lib.folds[f].test == folds[f].test);

    // Each candidate's library entry is exactly its cross_validate out-of-fold prediction.
    REQUIRE(lib.usable.size() == 3);
    for (std::size_t c = 0; c < configs.size(); ++c) {
        const hpo::CvResult cv = hpo::cross_validate(CentroidClassifier{}, configs[c], d, folds, metric,
                                                     derive_seed(seed, {c}), {.keep_oof_predictions = true});
        REQUIRE_THAT(lib.oof_predictions[c], approx_matrix(cv.oof_predictions, 0.0, 0.0));
        REQUIRE(lib.results[c].cv.mean == cv.mean);
    }

    // The weights are those of ensemble selection on balanced error for that library.
    const WeightFit expected = fit_weights(lib.oof_predictions, d.y(), EnsembleMethod::ensemble_selection,
                                           {.loss = Loss::balanced_error_rate});
    REQUIRE(ens.loss() == Loss::balanced_error_rate);
    REQUIRE(ens.weight_fit().weights == expected.weights);
    REQUIRE(ens.candidate_weights().sum() == Approx(1.0));
    REQUIRE(ens.oof_score() ==
            Approx(hpo::score(metric, d.y(), combine(lib.oof_predictions, expected.weights), 3)).epsilon(1e-15));

    // Prediction = Σ w_c · (member c refitted on the full, preprocessed data).
    data::Preprocessor prep;
    prep.fit(d);
    const Matrix X = prep.transform(d.X());
    Matrix sum = Matrix::Zero(d.n_samples(), 3);
    for (std::size_t c = 0; c < configs.size(); ++c) {
        const double w = expected.weights[static_cast<Index>(c)];
        if (w == 0.0) continue;
        CentroidClassifier m;
        m.set_params(configs[c]);
        m.fit(X, d.y(), 3);
        sum += w * m.predict_proba(X);
    }
    REQUIRE_THAT(ens.predict_proba(d.X()), approx_matrix(sum, 1e-12));
    REQUIRE(ens.predict(d.X()).size() == d.n_samples());
    REQUIRE(ens.best_candidate() >= 0);
}

TEST_CASE("build_ensemble mixes model types and regression members", "[ensemble][build]") {
    const data::Dataset d = blobs(6);
    CentroidClassifier cc;
    const FittedEnsemble mixed = build_ensemble({AnyModel(cc), AnyModel(PriorClassifier{})}, d, 4,
                                                hpo::Metric::log_loss, 1, {.method = EnsembleMethod::uniform});
    REQUIRE_THAT(mixed.candidate_weights(), approx_matrix(Vector::Constant(2, 0.5), 1e-15));
    REQUIRE(mixed.library().results[1].description.find("prior") == 0);
    REQUIRE(mixed.predict_proba(d.X()).cols() == 3);

    // Regression, loss-optimal simplex weights on squared error (metric RMSE).
    const data::Dataset r = linear(7);
    const FittedEnsemble reg = build_ensemble(LeastSquares{}, {{.alpha = 0.0}, {.alpha = 100.0}, {.alpha = 1e4}}, r, 5,
                                              hpo::Metric::rmse, 3, {.method = EnsembleMethod::simplex});
    REQUIRE(reg.loss() == Loss::squared_error);
    REQUIRE(reg.weight_fit().converged);
    REQUIRE(reg.candidate_weights().sum() == Approx(1.0));
    // The strongly regularised member (near-constant predictions) gets little weight, and the
    // weighted OOF error is no larger than the best single member's.
    REQUIRE(reg.candidate_weights()[2] < 0.1);
    const double best_rmse = std::min({reg.library().results[0].cv.mean, reg.library().results[1].cv.mean});
    REQUIRE(reg.oof_score() <= best_rmse * 1.05);  // pooled vs mean-of-folds RMSE: 5 % slack
    REQUIRE(reg.predict(r.X()).size() == r.n_samples());
}

TEST_CASE("build_ensemble skips failed candidates when asked and reports bad input", "[ensemble][build][errors]") {
    const data::Dataset d = blobs(8);
    const std::vector<CentroidClassifier::params_type> configs{{.temperature = 1.0}, {.temperature = 1.0, .fail = true}};
    REQUIRE_THROWS_WITH(build_ensemble(CentroidClassifier{}, configs, d, 3, hpo::Metric::accuracy, 0),
                        Catch::Contains("asked to fail"));
    std::vector<std::string> messages;
    BuildOptions opts;
    opts.on_failure = [&](const std::string& m) { messages.push_back(m); };
    const FittedEnsemble ens = build_ensemble(CentroidClassifier{}, configs, d, 3, hpo::Metric::accuracy, 0, opts);
    REQUIRE(messages.size() == 1);
    REQUIRE(messages[0].find("candidate 1") != std::string::npos);
    REQUIRE(ens.library().results[1].failed);
    REQUIRE_THAT(ens.candidate_weights(), approx_matrix(Vector::Unit(2, 0), 0.0, 0.0));

    const std::vector<CentroidClassifier::params_type> all_fail{{.fail = true}};
    REQUIRE_THROWS_WITH(build_ensemble(CentroidClassifier{}, all_fail, d, 3, hpo::Metric::accuracy, 0, opts),
                        Catch::Contains("failed"));
    REQUIRE_THROWS_WITH(build_ensemble(std::vector<AnyModel>{}, d, 3, hpo::Metric::accuracy, 0),
                        Catch::Contains("no candidates"));
    REQUIRE_THROWS_AS(build_ensemble({AnyModel(LeastSquares{})}, d, 3, hpo::Metric::accuracy, 0), ConfigError);
    REQUIRE_THROWS_AS(build_ensemble(CentroidClassifier{}, {{.temperature = -1.0}}, d, 3, hpo::Metric::accuracy, 0),
                      ConfigError);
    // Folds whose test sets miss rows leave rows without out-of-fold predictions.
    auto folds = data::make_folds(d, 3, 1);
    folds.pop_back();
    REQUIRE_THROWS_WITH(build_ensemble({AnyModel(PriorClassifier{})}, d, folds, hpo::Metric::accuracy, 0),
                        Catch::Contains("in no test fold"));
    REQUIRE_THROWS_AS(FittedEnsemble().predict(d.X()), NotFitted);
}

TEST_CASE("compare_methods scores each method as an ensemble fitted on the outer training rows", "[ensemble][evaluate]") {
    // Direct route for every outer fold: evaluate_candidates + fit_ensemble on the training rows
    // with the same inner folds and seeds, then the metric of its predictions on the test rows.
    // The test models ignore seeds, so both routes must agree exactly.
    const data::Dataset d = blobs(9);
    const std::vector<AnyModel> candidates{AnyModel(centroid(0.1)),
                                           AnyModel(centroid(3.0)),
                                           AnyModel(PriorClassifier{})};
    const auto outer = data::make_folds(d, 3, 21);
    const std::vector<EnsembleMethod> methods{EnsembleMethod::best_single, EnsembleMethod::simplex,
                                              EnsembleMethod::ensemble_selection};
    const auto metric = hpo::Metric::accuracy;
    const std::uint64_t seed = 4;
    const MethodComparison cmp = compare_methods(candidates, d, outer, 4, metric, seed, methods);
    REQUIRE(cmp.scores.rows() == 3);
    REQUIRE(cmp.scores.cols() == 3);
    for (std::size_t f = 0; f < outer.size(); ++f) {
        const data::Dataset train = d.subset(outer[f].train);
        const data::Dataset test = d.subset(outer[f].test);
        const auto inner = data::make_folds(train, 4, derive_seed(seed, {f, hpo::cv_fold_seed_id}));
        for (std::size_t j = 0; j < methods.size(); ++j) {
            const BuildOptions opts{.method = methods[j]};
            const FittedEnsemble ens =
                fit_ensemble(evaluate_candidates(candidates, train, inner, metric, derive_seed(seed, {f}), opts), train,
                             seed, opts);
            const double expected = hpo::score(metric, test.y(), ens.predict_proba(test.X()), 3);
            REQUIRE(cmp.scores(static_cast<Index>(f), static_cast<Index>(j)) == Approx(expected).epsilon(1e-12));
            REQUIRE_THAT(cmp.weights[f][j], approx_matrix(ens.candidate_weights(), 0.0, 0.0));
        }
    }
    REQUIRE(cmp.column(EnsembleMethod::simplex) == 1);
    REQUIRE_THROWS_AS(cmp.column(EnsembleMethod::nnls), ConfigError);
    // Deterministic: the same call gives the same table.
    REQUIRE(compare_methods(candidates, d, outer, 4, metric, seed, methods).scores == cmp.scores);
    REQUIRE_THROWS_AS(compare_methods(candidates, d, {}, 4, metric, seed), DataError);
    REQUIRE_THROWS_AS(compare_methods(candidates, d, outer, 4, metric, seed, {}), ConfigError);
}

TEST_CASE("evaluate_candidates reports progress and stops when asked", "[ensemble][build]") {
    const data::Dataset d = blobs(10);
    std::vector<std::size_t> seen;
    BuildOptions opts;
    opts.progress = [&](const Progress& p) {
        seen.push_back(p.done);
        REQUIRE(p.total == 3);
        return p.done == 2;  // stop after the second candidate
    };
    const CandidateLibrary lib = evaluate_candidates(
        {AnyModel(PriorClassifier{}), AnyModel(CentroidClassifier{}), AnyModel(centroid(9.0))},
        d, data::make_folds(d, 3, 2), hpo::Metric::accuracy, 0, opts);
    REQUIRE(seen == std::vector<std::size_t>{1, 2});
    REQUIRE(lib.results.size() == 2);
    REQUIRE(lib.oof_predictions.size() == 2);
}
