#!/usr/bin/python3
"""metalearn's gradient boosting against xgboost (hist) and scikit-learn's HistGradientBoosting,
side by side: CPU time of fit + predict, test score, peak memory.

    /usr/bin/python3 benchmarks/compare_gradient_boosting.py \
        --binary BUILD/benchmarks/bench_gradient_boosting [--pmlb DIR] [--datasets a,b,...]
        [--rounds 3] [--min-time 0.5] [--n-estimators 100] [--max-depth 6] [--learning-rate 0.3]

Needs Debian's python3-xgboost (1.7), python3-sklearn, python3-pandas; the binary comes from a
Release build with -DMETALEARN_BUILD_BENCHMARKS=ON. --pmlb defaults to ../shared/datasets/pmlb_extra
next to the repository (PMLB folders <name>/<name>.tsv.gz with a "target" column).

1. Each dataset is read once (pandas), the classes coded 0..K-1, and split by a seeded shuffle
   into 75 % training and 25 % test rows; the four float64 matrices go to a temporary folder.
2. For each dataset, --rounds rounds of turns, the order rotated every round, each turn a fresh
   process that loads the matrices, then repeats fit + predict(test) until --min-time seconds of
   CPU have passed and reports the process CPU time per repetition:
   - "metalearn": bench_gradient_boosting (GradientBoostingClassifier/Regressor);
   - "xgboost": xgb.train with tree_method "hist", max_bin 256, the DMatrix built inside the
     timed part (xgboost needs it; metalearn bins inside fit), then predict on a test DMatrix;
   - "sklearn": HistGradientBoostingClassifier/Regressor with max_iter = n_estimators, the same
     learning rate and max_depth, max_leaf_nodes=None, min_samples_leaf=1, l2_regularization=1
     (xgboost's and metalearn's lambda), max_bins=255 (its maximum), early_stopping=False.
   Every side uses the same number of rounds, depth, learning rate, lambda = 1 and
   min_child_weight = 1 (scikit-learn has no min_child_weight; it stops on min_samples_leaf),
   one thread (nthread=1; OMP/OpenBLAS threads pinned to 1).
3. Prints per dataset the median CPU seconds per fit + predict of each side, the ratios
   xgboost / metalearn and sklearn / metalearn (> 1: metalearn faster), the test score of each
   side (accuracy for classification, RMSE for regression) and each side's peak resident memory
   (VmHWM of its process; the Python sides include the interpreter and the libraries), with the
   load average of the machine at the end of the dataset's turns.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

from matrix_file import read_matrix_file, write_matrix_file  # noqa: E402  (beside this script)
from peak_rss import peak_rss_kb  # noqa: E402  (benchmarks/peak_rss.py, beside this script)

DEFAULT_DATASETS = "magic,pendigits,letter,adult,shuttle,connect_4,537_houses,574_house_16H"


def prepare(pmlb, name, out_dir):
    """Read, code and split a PMLB dataset; return (task, rows, cols, classes)."""
    import numpy as np
    import pandas as pd
    df = pd.read_csv(os.path.join(pmlb, name, f"{name}.tsv.gz"), sep="\t")
    y = df.pop("target").to_numpy()
    X = df.to_numpy(dtype=np.float64)
    classes = np.unique(y)
    classification = len(classes) <= 50 and np.all(np.equal(np.mod(y, 1), 0))
    if classification:
        y = np.searchsorted(classes, y).astype(np.float64)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    cut = int(round(0.75 * len(y)))
    tr, te = np.sort(order[:cut]), np.sort(order[cut:])
    for part, a in (("Xtr", X[tr]), ("Xte", X[te]), ("ytr", y[tr]), ("yte", y[te])):
        write_matrix_file(os.path.join(out_dir, f"{part}.bin"), a)
    return ("classification" if classification else "regression"), len(y), X.shape[1], len(classes)


def python_worker(spec):
    """Runs in a child process: time one Python side on one prepared dataset, print JSON."""
    import numpy as np
    d = spec["dir"]
    Xtr, Xte = read_matrix_file(f"{d}/Xtr.bin"), read_matrix_file(f"{d}/Xte.bin")
    ytr, yte = read_matrix_file(f"{d}/ytr.bin")[:, 0], read_matrix_file(f"{d}/yte.bin")[:, 0]
    clf = spec["task"] == "classification"
    k = int(ytr.max()) + 1 if clf else 1
    n_est, depth, eta = spec["n_estimators"], spec["max_depth"], spec["learning_rate"]
    if spec["side"] == "xgboost":
        import xgboost as xgb
        params = dict(tree_method="hist", max_bin=256, nthread=1, max_depth=depth, eta=eta, reg_lambda=1.0,
                      min_child_weight=1.0)
        if not clf:
            params["objective"] = "reg:squarederror"
        elif k == 2:
            params["objective"] = "binary:logistic"
        else:
            params.update(objective="multi:softprob", num_class=k)

        def run():
            booster = xgb.train(params, xgb.DMatrix(Xtr, label=ytr), n_est)
            p = booster.predict(xgb.DMatrix(Xte))
            if not clf:
                return p
            return (p > 0.5).astype(float) if k == 2 else p.argmax(1).astype(float)
    else:
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
        cls = HistGradientBoostingClassifier if clf else HistGradientBoostingRegressor
        kwargs = dict(max_iter=n_est, learning_rate=eta, max_depth=depth, max_leaf_nodes=None, min_samples_leaf=1,
                      l2_regularization=1.0, max_bins=255, early_stopping=False)

        def run():
            return cls(**kwargs).fit(Xtr, ytr).predict(Xte)
    loaded = peak_rss_kb()
    reps, start = 0, time.process_time()
    while True:
        pred = run()
        reps += 1
        if time.process_time() - start >= spec["min_time"]:
            break
    cpu = (time.process_time() - start) / reps
    score = float(np.mean(pred == yte)) if clf else float(np.sqrt(np.mean((pred - yte) ** 2)))
    print(json.dumps({"cpu": cpu, "score": score, "peak_kb": peak_rss_kb(), "data_kb": loaded, "reps": reps}))


def run_metalearn(binary, spec):
    env = dict(os.environ, METALEARN_GBT_DATA=spec["dir"], METALEARN_GBT_TASK=spec["task"],
               METALEARN_GBT_PARAMS=f"{spec['n_estimators']},{spec['max_depth']},{spec['learning_rate']}")
    out = subprocess.run([binary, "--benchmark_format=json", f"--benchmark_min_time={spec['min_time']}"],
                         env=env, check=True, capture_output=True, text=True).stdout
    b = json.loads(out)["benchmarks"][0]
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    return {"cpu": b["cpu_time"] * scale, "score": b["score"], "peak_kb": b["peak_kb"], "data_kb": b["data_kb"],
            "reps": b["iterations"]}


def run_python(side, spec):
    out = subprocess.run([sys.executable, __file__, "--worker", json.dumps(dict(spec, side=side))], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        python_worker(json.loads(sys.argv[2]))
        return
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(here, "..", "build", "release", "benchmarks", "bench_gradient_boosting"))
    ap.add_argument("--pmlb", default=os.path.join(here, "..", "..", "shared", "datasets", "pmlb_extra"))
    ap.add_argument("--datasets", default=DEFAULT_DATASETS)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--n-estimators", type=int, default=100)
    ap.add_argument("--max-depth", type=int, default=6)
    ap.add_argument("--learning-rate", type=float, default=0.3)
    args = ap.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"compare_gradient_boosting: no benchmark program at {args.binary} "
                 "(configure with -DMETALEARN_BUILD_BENCHMARKS=ON and build bench_gradient_boosting)")
    sides = ["metalearn", "xgboost", "sklearn"]
    print(f"# fit + predict, 1 thread, n_estimators={args.n_estimators} max_depth={args.max_depth} "
          f"learning_rate={args.learning_rate}; median CPU s over {args.rounds} rounds; ratio > 1: metalearn faster")
    print(f"{'dataset':<16} {'n x p':>12} {'K':>3}  {'metalearn':>9} {'xgboost':>9} {'sklearn':>9}  {'xgb/ml':>6} "
          f"{'sk/ml':>6}  {'score ml':>8} {'xgb':>8} {'sk':>8}  {'peak MB ml/xgb/sk':>18}  load")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.datasets.split(","):
            d = os.path.join(tmp, name)
            os.makedirs(d)
            task, n, p, k = prepare(args.pmlb, name, d)
            spec = dict(dir=d, task=task, min_time=args.min_time, n_estimators=args.n_estimators,
                        max_depth=args.max_depth, learning_rate=args.learning_rate)
            results = {s: [] for s in sides}
            for r in range(args.rounds):
                for s in sides[r % 3:] + sides[:r % 3]:
                    results[s].append(run_metalearn(args.binary, spec) if s == "metalearn" else run_python(s, spec))
            med = {s: statistics.median(x["cpu"] for x in results[s]) for s in sides}
            score = {s: results[s][-1]["score"] for s in sides}
            peak = {s: max(x["peak_kb"] for x in results[s]) / 1024 for s in sides}
            load = os.getloadavg()[0]
            kk = k if task == "classification" else "-"
            print(f"{name:<16} {f'{n}x{p}':>12} {kk:>3}  {med['metalearn']:9.3f} {med['xgboost']:9.3f} "
                  f"{med['sklearn']:9.3f}  {med['xgboost'] / med['metalearn']:6.2f} {med['sklearn'] / med['metalearn']:6.2f}  "
                  f"{score['metalearn']:8.4f} {score['xgboost']:8.4f} {score['sklearn']:8.4f}  "
                  f"{peak['metalearn']:5.0f}/{peak['xgboost']:4.0f}/{peak['sklearn']:4.0f}  {load:.2f}", flush=True)
    print("# score: test accuracy (classification) or test RMSE (regression); 25 % of the rows held out")


if __name__ == "__main__":
    main()
