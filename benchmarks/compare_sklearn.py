#!/usr/bin/python3
"""Side-by-side speed and accuracy of metalearn's base models and scikit-learn's, alternated.

    /usr/bin/python3 benchmarks/compare_sklearn.py [--binary BUILD/benchmarks/bench_models_compare]
        [--min-time 0.5] [--rounds 3] [--filter REGEX] [--modes fit,cv]

1. Runs bench_models_compare once with METALEARN_COMPARE_DUMP_DIR set: it reads digits,
   credit-g, segment, churn, splice, magic, adult and 1028_SWD, writes the matrices it uses (preprocessed and
   raw, with the raw columns' kinds) and lists its benchmarks. Nothing is timed in that run.
2. For every benchmark Compare/<model>/<dataset>/<mode>, --rounds rounds of two turns, the order
   swapped every round, each turn a fresh process:
   - "metalearn": bench_models_compare on that benchmark alone (--benchmark_filter), which reads
     only that dataset;
   - "sklearn": a Python process (numpy and scikit-learn imported, the dumped matrices loaded)
     timing the same estimator with the same hyperparameters (for gradient boosting: xgboost's
     XGBClassifier with tree_method "hist", the reference implementation of the method).
   Both repeat fit + predict until --min-time seconds of process CPU time have passed and report
   process CPU time per repetition (the Python side after one untimed repetition, since
   scikit-learn imports some modules on first use) (Google Benchmark's MeasureProcessCPUTime on the C++ side,
   time.process_time on the Python side). Modes:
   - "fit": fit + predict on the preprocessed matrices (impute, one-hot, standardise fitted on the
     training rows, outside the timing);
   - "cv": as the outer loop's cross-validation runs it: the preprocessing is fitted on the raw
     training rows and applied to both parts inside the timing (metalearn: data::Preprocessor;
     scikit-learn: a ColumnTransformer of SimpleImputer(median) + StandardScaler for numeric
     columns and SimpleImputer(most_frequent) + OneHotEncoder(max_categories=32,
     handle_unknown="infrequent_if_exist") for nominal ones, the same steps).
3. Prints per benchmark the median CPU ms per fit + predict of each side, the ratio (scikit-learn /
   metalearn, > 1: metalearn faster), the test scores (accuracy, or R² for 1028_SWD) and their
   difference in points, and each side's peak resident memory (VmHWM of its process; the Python
   side includes the interpreter and the libraries), with the load average after the turns.

Everything is single-threaded: OMP/OpenBLAS/MKL threads are pinned to 1 for Python; the models
run with one thread.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

from peak_rss import peak_rss_kb  # noqa: E402  (benchmarks/peak_rss.py, beside this script)

REGRESSORS = {"ridge", "knn_regressor", "decision_tree_regressor", "random_forest_regressor", "svr"}


def estimator(model):
    """The peer estimator with metalearn's default hyperparameters: scikit-learn 1.2's defaults, and for
    gradient boosting xgboost 1.7's XGBClassifier (tree_method "hist", the method metalearn's model
    follows, with its defaults: 100 rounds, depth 6, learning rate 0.3, 256 bins), one thread."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.svm import SVC, SVR
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
    return {
        "gaussian_nb": lambda: GaussianNB(),
        "lda": lambda: LinearDiscriminantAnalysis(),
        "logistic_regression": lambda: LogisticRegression(C=1.0, tol=1e-4, max_iter=100),
        "knn_classifier": lambda: KNeighborsClassifier(n_neighbors=5),
        "decision_tree_classifier": lambda: DecisionTreeClassifier(random_state=0),
        "random_forest_classifier": lambda: RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1),
        "ridge": lambda: Ridge(alpha=1.0),
        "knn_regressor": lambda: KNeighborsRegressor(n_neighbors=5),
        "decision_tree_regressor": lambda: DecisionTreeRegressor(random_state=0),
        "random_forest_regressor": lambda: RandomForestRegressor(n_estimators=100, random_state=0, n_jobs=1),
        "svc": lambda: SVC(),
        "gradient_boosting_classifier": lambda: __import__("xgboost").XGBClassifier(
            tree_method="hist", n_estimators=100, max_depth=6, learning_rate=0.3, max_bin=256, n_jobs=1),
        "mlp_classifier": lambda: __import__("sklearn.neural_network", fromlist=["MLPClassifier"]).MLPClassifier(
            random_state=0),
        "svr": lambda: SVR(),
    }[model]()


def python_worker(spec):
    """Runs in a child process: time scikit-learn on one benchmark, print JSON."""
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    d, name, model, mode = spec["dir"], spec["dataset"], spec["model"], spec["mode"]

    def load(part):
        a = np.loadtxt(os.path.join(d, f"{name}_{part}.csv"), delimiter=",", ndmin=2)
        return a[:, :-1], a[:, -1]

    if mode == "fit":
        Xtr, ytr = load("train")
        Xte, yte = load("test")

        def make():
            return estimator(model)
    else:
        Xtr, ytr = load("raw_train")
        Xte, yte = load("raw_test")
        with open(os.path.join(d, f"{name}_kinds.txt")) as f:
            kinds = [line.strip() for line in f]
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler
        num = [j for j, k in enumerate(kinds) if k == "numeric"]
        cat = [j for j, k in enumerate(kinds) if k == "nominal"]

        def make():
            steps = []
            if num:
                steps.append(("num", Pipeline([("impute", SimpleImputer(strategy="median")),
                                               ("scale", StandardScaler())]), num))
            if cat:
                steps.append(("cat", Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                                               ("onehot", OneHotEncoder(max_categories=32, sparse_output=False,
                                                                        handle_unknown="infrequent_if_exist"))]), cat))
            return Pipeline([("pre", ColumnTransformer(steps)), ("model", estimator(model))])
    make().fit(Xtr, ytr).predict(Xte)  # untimed: scikit-learn imports some modules on first use
    reps, start = 0, time.process_time()
    while True:
        pred = make().fit(Xtr, ytr).predict(Xte)
        reps += 1
        if time.process_time() - start >= spec["min_time"]:
            break
    cpu = (time.process_time() - start) / reps
    if model in REGRESSORS:
        score = 1.0 - np.sum((pred - yte) ** 2) / np.sum((yte - yte.mean()) ** 2)
    else:
        score = float(np.mean(pred == yte))
    print(json.dumps({"cpu_ms": cpu * 1e3, "score": float(score), "peak_kb": peak_rss_kb(), "reps": reps}))


def run_metalearn(binary, bench, min_time):
    # the names hold only [A-Za-z0-9_/-]: no regular-expression character to escape
    out = subprocess.run([binary, "--benchmark_format=json", f"--benchmark_min_time={min_time}",
                          f"--benchmark_filter=^{bench}$"], check=True, capture_output=True, text=True).stdout
    b = json.loads(out)["benchmarks"][0]
    if b.get("error_occurred"):
        raise RuntimeError(f"{bench}: {b.get('error_message')}")
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
    return {"cpu_ms": b["cpu_time"] * scale, "score": b["score"], "peak_kb": b["peak_kb"], "reps": b["iterations"],
            "n_train": int(b["n_train"]), "p": int(b["p"])}


def run_python(spec):
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", json.dumps(spec)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        python_worker(json.loads(sys.argv[2]))
        return
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(here, "..", "build", "release", "benchmarks", "bench_models_compare"))
    ap.add_argument("--min-time", type=float, default=0.5, help="CPU seconds per turn, both sides")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--filter", default="", help="regular expression on Compare/<model>/<dataset>/<mode>")
    ap.add_argument("--modes", default="fit,cv")
    args = ap.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"compare_sklearn: no benchmark program at {args.binary} "
                 "(configure with -DMETALEARN_BUILD_BENCHMARKS=ON and build bench_models_compare)")
    import sklearn
    modes = set(args.modes.split(","))
    with tempfile.TemporaryDirectory() as dump_dir:
        listed = subprocess.run([args.binary, "--benchmark_list_tests=true"],
                                env=dict(os.environ, METALEARN_COMPARE_DUMP_DIR=dump_dir), check=True,
                                capture_output=True, text=True).stdout.split()
        # names are Compare/<model>/<dataset>/<mode>/process_time
        benches = [b for b in listed if re.search(args.filter, b) and b.split("/")[3] in modes]
        print(f"# scikit-learn {sklearn.__version__}; CPU ms per fit + predict, median of {args.rounds} alternated "
              f"rounds; ratio = scikit-learn / metalearn; score: test accuracy (R² for 1028_SWD)")
        print("# mode fit: preprocessed matrices; mode cv: preprocessing fitted and applied inside the timing")
        header = (f"{'model':<30}{'dataset':<10}{'mode':<5}{'n_train':>8}{'p':>5}{'metalearn':>11}{'sklearn':>11}"
                  f"{'ratio':>8}{'score ml':>10}{'score sk':>10}{'diff pts':>9}{'peak MB ml/sk':>15}{'load':>6}")
        print(header)
        print("-" * len(header))
        for bench in benches:
            _, model, dataset, mode = bench.split("/")[:4]
            spec = dict(dir=dump_dir, dataset=dataset, model=model, mode=mode, min_time=args.min_time)
            ml, sk = [], []
            for r in range(args.rounds):
                for side in (("ml", "sk") if r % 2 == 0 else ("sk", "ml")):
                    if side == "ml":
                        ml.append(run_metalearn(args.binary, bench, args.min_time))
                    else:
                        sk.append(run_python(spec))
            ml_ms = statistics.median(x["cpu_ms"] for x in ml)
            sk_ms = statistics.median(x["cpu_ms"] for x in sk)
            ml_score, sk_score = ml[-1]["score"], sk[-1]["score"]
            peak = f"{max(x['peak_kb'] for x in ml) / 1024:.0f}/{max(x['peak_kb'] for x in sk) / 1024:.0f}"
            print(f"{model:<30}{dataset:<10}{mode:<5}{ml[-1]['n_train']:>8}{ml[-1]['p']:>5}{ml_ms:>11.2f}{sk_ms:>11.2f}"
                  f"{sk_ms / ml_ms:>8.2f}{ml_score:>10.4f}{sk_score:>10.4f}{100 * (ml_score - sk_score):>9.2f}"
                  f"{peak:>15}{os.getloadavg()[0]:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
