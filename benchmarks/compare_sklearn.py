#!/usr/bin/python3
"""Side-by-side speed and accuracy of metalearn's base models and scikit-learn's, in one run.

    /usr/bin/python3 benchmarks/compare_sklearn.py [--binary BUILD/benchmarks/bench_models_compare]
                                                   [--min-time 0.5] [--filter REGEX]

1. Runs the Google Benchmark program bench_models_compare (fit + predict of every model on
   digits, credit-g, segment, churn, splice and 1028_SWD), which also writes the preprocessed
   train/test matrices it used (METALEARN_COMPARE_DUMP_DIR).
2. Fits the same scikit-learn estimators with the same hyperparameters on exactly those
   matrices, timing fit + predict the same way (repeat until min-time has passed, mean per run).
3. Prints per model and dataset: metalearn time, scikit-learn time, ratio (sklearn / metalearn),
   and test scores (accuracy, or R² for the regression dataset) with their difference in points.

Times are CPU times per fit + predict (process CPU time on both sides; BLAS/OpenMP threads are
pinned to 1 for scikit-learn so both run single-threaded), which is robust to a busy machine.
Wall times are printed too.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis  # noqa: E402
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.naive_bayes import GaussianNB  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor  # noqa: E402
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: E402

# The same hyperparameters as the metalearn defaults (which are scikit-learn 1.2's defaults).
ESTIMATORS = {
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
}
REGRESSORS = {"ridge", "knn_regressor", "decision_tree_regressor", "random_forest_regressor"}


def load(dump_dir, dataset, part):
    a = np.loadtxt(os.path.join(dump_dir, f"{dataset}_{part}.csv"), delimiter=",", ndmin=2)
    return a[:, :-1], a[:, -1]


def time_sklearn(model, Xtr, ytr, Xte, yte, min_time):
    runs = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while True:
        est = ESTIMATORS[model]()
        est.fit(Xtr, ytr)
        pred = est.predict(Xte)
        runs += 1
        if time.perf_counter() - wall0 >= min_time and runs >= 1:
            break
    cpu = (time.process_time() - cpu0) / runs
    wall = (time.perf_counter() - wall0) / runs
    if model in REGRESSORS:
        score = 1.0 - np.sum((pred - yte) ** 2) / np.sum((yte - yte.mean()) ** 2)
    else:
        score = float(np.mean(pred == yte))
    return cpu * 1e3, wall * 1e3, score


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(here, "..", "build", "benchmarks", "bench_models_compare"))
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--filter", default="")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    with tempfile.TemporaryDirectory() as dump_dir:
        env = dict(os.environ, METALEARN_COMPARE_DUMP_DIR=dump_dir)
        cmd = [args.binary, "--benchmark_format=json", f"--benchmark_min_time={args.min_time}"]
        if args.filter:
            cmd.append(f"--benchmark_filter={args.filter}")
        out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
        results = json.loads(out)["benchmarks"]
        print(f"scikit-learn {sklearn.__version__}; times in ms per fit+predict (CPU; wall in brackets); "
              f"ratio = sklearn / metalearn CPU time; score = test accuracy (R² for 1028_SWD)")
        header = (f"{'model':<26}{'dataset':<10}{'n_train':>8}{'p':>5}{'metalearn':>19}{'sklearn':>19}"
                  f"{'ratio':>8}{'score ml':>10}{'score sk':>10}{'diff pts':>9}")
        print(header)
        print("-" * len(header))
        for r in results:
            _, model, dataset = r["name"].split("/")[:3]
            Xtr, ytr = load(dump_dir, dataset, "train")
            Xte, yte = load(dump_dir, dataset, "test")
            sk_cpu, sk_wall, sk_score = time_sklearn(model, Xtr, ytr, Xte, yte, args.min_time)
            ml_cpu, ml_wall = r["cpu_time"], r["real_time"]
            unit = r.get("time_unit", "ms")
            scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
            ml_cpu *= scale
            ml_wall *= scale
            ml_score = r["score"]
            print(f"{model:<26}{dataset:<10}{int(r['n_train']):>8}{int(r['p']):>5}"
                  f"{ml_cpu:>9.2f} [{ml_wall:>7.2f}]{sk_cpu:>9.2f} [{sk_wall:>7.2f}]"
                  f"{sk_cpu / ml_cpu:>8.1f}{ml_score:>10.4f}{sk_score:>10.4f}{100 * (ml_score - sk_score):>9.2f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
