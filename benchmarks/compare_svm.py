#!/usr/bin/python3
"""metalearn's SVC against scikit-learn's SVC (libsvm), side by side: CPU time of fit + predict,
support vectors, test accuracy, peak memory.

    /usr/bin/python3 benchmarks/compare_svm.py \
        --binary BUILD/benchmarks/bench_svm [--pmlb DIR] [--datasets a,b,...]
        [--rounds 3] [--min-time 0.5] [--C 1] [--kernel rbf]

Needs Debian's python3-sklearn and python3-pandas; the binary comes from a Release build with
-DMETALEARN_BUILD_BENCHMARKS=ON. --pmlb is a folder of PMLB datasets (<name>/<name>.tsv.gz with a
"target" column; default ../shared/datasets/pmlb next to the repository); a dataset not found
there is looked for in its sibling pmlb_extra/.

1. Each dataset is read once (pandas), the classes coded 0..K-1, split by a seeded shuffle into
   75 % training and 25 % test rows, and standardised with the training rows' mean and standard
   deviation; the four float64 matrices go to a temporary folder.
2. For each dataset, --rounds rounds of turns, the order alternated every round, each turn a
   fresh process that loads the matrices, then repeats fit + predict(test) until --min-time
   seconds of CPU have passed and reports the process CPU time per repetition:
   - "metalearn": bench_svm (SVC with C, kernel, gamma "scale", tol 1e-3, cache 200 MB);
   - "sklearn": sklearn.svm.SVC with the same settings (its defaults but C and kernel).
   One thread on both sides (OMP/OpenBLAS threads pinned to 1).
3. Prints per dataset the median CPU seconds per fit + predict of each side, the ratio
   sklearn / metalearn (> 1: metalearn faster), the number of support vectors of each side and
   of rows that are support vectors on one side only, the test accuracy of each side, each side's
   peak resident memory (VmHWM; the Python side includes the interpreter and the libraries) and
   the load average at the end of the dataset's turns.
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

DEFAULT_DATASETS = "churn,splice,kr_vs_kp,phoneme,optdigits,satimage,twonorm,pendigits,magic"


def find_dataset(pmlb, name):
    for folder in (pmlb, os.path.join(os.path.dirname(os.path.abspath(pmlb)), "pmlb_extra")):
        path = os.path.join(folder, name, f"{name}.tsv.gz")
        if os.path.exists(path):
            return path
    sys.exit(f"compare_svm: dataset {name} not found under {pmlb} or its sibling pmlb_extra/")


def prepare(pmlb, name, out_dir):
    """Read, code, split and standardise a PMLB classification dataset; return (rows, cols, classes)."""
    import numpy as np
    import pandas as pd
    df = pd.read_csv(find_dataset(pmlb, name), sep="\t")
    y = df.pop("target").to_numpy()
    X = df.to_numpy(dtype=np.float64)
    classes = np.unique(y)
    y = np.searchsorted(classes, y).astype(np.float64)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    cut = int(round(0.75 * len(y)))
    tr, te = np.sort(order[:cut]), np.sort(order[cut:])
    mean = X[tr].mean(axis=0)
    sd = X[tr].std(axis=0)
    sd[sd == 0] = 1.0
    Z = (X - mean) / sd
    for part, a in (("Xtr", Z[tr]), ("Xte", Z[te]), ("ytr", y[tr]), ("yte", y[te])):
        write_matrix_file(os.path.join(out_dir, f"{part}.bin"), a)
    return len(y), X.shape[1], len(classes)


def python_worker(spec):
    """Runs in a child process: time scikit-learn's SVC on one prepared dataset, print JSON."""
    import numpy as np
    from sklearn.svm import SVC
    d = spec["dir"]
    Xtr, Xte = read_matrix_file(f"{d}/Xtr.bin"), read_matrix_file(f"{d}/Xte.bin")
    ytr, yte = read_matrix_file(f"{d}/ytr.bin")[:, 0], read_matrix_file(f"{d}/yte.bin")[:, 0]
    loaded = peak_rss_kb()
    reps, start = 0, time.process_time()
    while True:
        m = SVC(C=spec["C"], kernel=spec["kernel"], gamma="scale").fit(Xtr, ytr)
        pred = m.predict(Xte)
        reps += 1
        if time.process_time() - start >= spec["min_time"]:
            break
    cpu = (time.process_time() - start) / reps
    with open(spec["support_out"], "w") as f:
        f.write("".join(f"{i}\n" for i in m.support_))
    print(json.dumps({"cpu": cpu, "score": float(np.mean(pred == yte)), "n_sv": int(len(m.support_)),
                      "peak_kb": peak_rss_kb(), "data_kb": loaded, "reps": reps}))


def run_metalearn(binary, spec):
    env = dict(os.environ, METALEARN_SVM_DATA=spec["dir"], METALEARN_SVM_PARAMS=f"{spec['C']},{spec['kernel']}",
               METALEARN_SVM_SUPPORT=spec["support_out"])
    out = subprocess.run([binary, "--benchmark_format=json", f"--benchmark_min_time={spec['min_time']}"],
                         env=env, check=True, capture_output=True, text=True).stdout
    b = json.loads(out)["benchmarks"][0]
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    return {"cpu": b["cpu_time"] * scale, "score": b["score"], "n_sv": int(b["n_sv"]), "peak_kb": b["peak_kb"],
            "data_kb": b["data_kb"], "reps": b["iterations"]}


def run_python(spec):
    out = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def read_support(path):
    with open(path) as f:
        return {int(line) for line in f if line.strip()}


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        python_worker(json.loads(sys.argv[2]))
        return
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(here, "..", "build", "release", "benchmarks", "bench_svm"))
    ap.add_argument("--pmlb", default=os.path.join(here, "..", "..", "shared", "datasets", "pmlb"))
    ap.add_argument("--datasets", default=DEFAULT_DATASETS)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--kernel", choices=("rbf", "linear"), default="rbf")
    args = ap.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"compare_svm: no benchmark program at {args.binary} "
                 "(configure with -DMETALEARN_BUILD_BENCHMARKS=ON and build bench_svm)")
    sides = ["metalearn", "sklearn"]
    print(f"# SVC fit + predict, 1 thread, C={args.C} kernel={args.kernel} gamma=scale tol=1e-3; "
          f"median CPU s over {args.rounds} rounds; ratio > 1: metalearn faster")
    print(f"{'dataset':<12} {'n x p':>11} {'K':>3}  {'metalearn':>9} {'sklearn':>9} {'sk/ml':>6}  "
          f"{'SV ml':>6} {'SV sk':>6} {'differ':>6}  {'acc ml':>7} {'acc sk':>7}  {'peak MB ml/sk':>13}  load")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.datasets.split(","):
            d = os.path.join(tmp, name)
            os.makedirs(d)
            n, p, k = prepare(args.pmlb, name, d)
            spec = dict(dir=d, min_time=args.min_time, C=args.C, kernel=args.kernel)
            results = {s: [] for s in sides}
            supports = {}
            for r in range(args.rounds):
                for s in (sides if r % 2 == 0 else sides[::-1]):
                    spec["support_out"] = os.path.join(d, f"support_{s}.txt")
                    results[s].append(run_metalearn(args.binary, spec) if s == "metalearn" else run_python(spec))
                    supports[s] = read_support(spec["support_out"])
            med = {s: statistics.median(x["cpu"] for x in results[s]) for s in sides}
            differ = len(supports["metalearn"] ^ supports["sklearn"])
            peak = {s: max(x["peak_kb"] for x in results[s]) / 1024 for s in sides}
            load = os.getloadavg()[0]
            print(f"{name:<12} {f'{n}x{p}':>11} {k:>3}  {med['metalearn']:9.3f} {med['sklearn']:9.3f} "
                  f"{med['sklearn'] / med['metalearn']:6.2f}  {results['metalearn'][-1]['n_sv']:6d} "
                  f"{results['sklearn'][-1]['n_sv']:6d} {differ:6d}  {results['metalearn'][-1]['score']:7.4f} "
                  f"{results['sklearn'][-1]['score']:7.4f}  {peak['metalearn']:6.0f}/{peak['sklearn']:5.0f}  {load:.2f}",
                  flush=True)
    print("# differ: rows that are support vectors on one side only; accuracy on the 25 % test rows")


if __name__ == "__main__":
    main()
