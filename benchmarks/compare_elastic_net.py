#!/usr/bin/python3
"""metalearn's ElasticNet against scikit-learn's, side by side: fit time, peak memory, coefficients.

    /usr/bin/python3 benchmarks/compare_elastic_net.py [--binary BUILD/benchmarks/bench_elastic_net]
                                                       [--rounds 3] [--min-time 0.5] [--filter REGEX]

1. Runs bench_elastic_net once to write the standardised datasets (float64 .bin files) and list its
   benchmarks (EnetFit/<dataset>/rho=<ρ>/f=<f>: one fit at α = f·α_max; EnetPath/<dataset>/rho=0.5:
   100 penalties with warm starts; see benchmarks/bench_elastic_net.cpp).
2. For each benchmark, `--rounds` rounds of turns, the order rotated every round:
   - "metalearn": the benchmark program alone on that benchmark (it loads only that dataset, from
     the .bin files);
   - "sklearn": a fresh Python process (numpy + scikit-learn imported, the same .bin files) fitting
     ElasticNet(alpha, l1_ratio) with scikit-learn's defaults (tol 1e-4, max_iter 1000,
     precompute=False, cyclic) — or, for a path, enet_path on the centred data with the same
     penalties, centring included in the time;
   - "sklearn+gram": the same with precompute=True (scikit-learn's covariance updates; a user
     tuning scikit-learn for speed would set it when n ≫ p).
   Each turn repeats its fit until --min-time seconds have passed and reports CPU time per fit.
3. Prints, per benchmark: the median over rounds of the CPU ms per fit of each side, the ratio
   sklearn / metalearn (> 1: metalearn faster) for both scikit-learn variants, the sweeps each
   side needed, the largest |coefficient difference| (intercepts included) between metalearn and
   scikit-learn (precompute=False) and that difference relative to the largest |coefficient|,
   and each side's peak resident memory (VmHWM of its process: the Python side includes the
   interpreter, numpy and scikit-learn) with the increase during fitting (peak at the end minus
   peak after loading the data). The load average is
   printed with every row: on a busy machine CPU times are robust, wall times are not.

Everything is single-threaded: OMP/OpenBLAS/MKL threads are pinned to 1 for Python, and the
benchmark program does not use threads.
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

from peak_rss import peak_rss_kb  # noqa: E402  (benchmarks/peak_rss.py, beside this script)


def file_id(bench):
    return bench.replace("/", "_")


def worker(spec):
    """Runs in a child process: time scikit-learn on one benchmark, print JSON."""
    import warnings

    import numpy as np
    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import ElasticNet, enet_path

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    d, ds = spec["dir"], spec["dataset"]
    with open(os.path.join(d, ds + ".shape")) as f:
        n, p = (int(v) for v in f.read().split())
    X = np.fromfile(os.path.join(d, ds + ".X.bin"), dtype=np.float64).reshape((p, n)).T  # column-major
    X = np.asfortranarray(X)
    y = np.fromfile(os.path.join(d, ds + ".y.bin"), dtype=np.float64)
    with open(os.path.join(d, file_id(spec["bench"]) + ".txt")) as f:
        alphas = np.array([float(v) for v in f.readline().split()])
    rho = spec["rho"]
    gram = spec["gram"]
    rss0 = peak_rss_kb()

    def fit():
        if spec["path"]:
            xm, ym = X.mean(axis=0), y.mean()
            Xc = np.asfortranarray(X - xm)
            pre = Xc.T @ Xc if gram else False
            _, coefs, _, n_iters = enet_path(Xc, y - ym, l1_ratio=rho, alphas=alphas, precompute=pre,
                                             return_n_iter=True)
            return coefs, ym - xm @ coefs, int(sum(n_iters))
        m = ElasticNet(alpha=alphas[0], l1_ratio=rho, precompute=gram).fit(X, y)
        return m.coef_[:, None], np.array([m.intercept_]), int(m.n_iter_)

    runs = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while True:
        coefs, intercepts, n_iter = fit()
        runs += 1
        if time.perf_counter() - wall0 >= spec["min_time"]:
            break
    cpu = (time.process_time() - cpu0) / runs
    wall = (time.perf_counter() - wall0) / runs
    rss1 = peak_rss_kb()
    res = {"cpu_ms": cpu * 1e3, "wall_ms": wall * 1e3, "n_iter": n_iter, "rss_start_kb": rss0, "rss_end_kb": rss1,
           "sklearn": sklearn.__version__,
           "coef": np.vstack([coefs, intercepts[None, :]]).T.tolist()}  # row k: coefficients, intercept
    print(json.dumps(res))


def run_child(cmd, env):
    """Run a command; return its stdout and its ru_maxrss (kB, from wait4; it includes the parent's
    pages at fork time, so the children's own VmHWM is what the table reports)."""
    with tempfile.TemporaryFile(mode="w+") as out, tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {err.read()}")
        out.seek(0)
        return out.read(), usage.ru_maxrss


def run_metalearn(binary, bench, dataset, data_dir, min_time):
    env = dict(os.environ, METALEARN_ENET_LOAD_DIR=data_dir, METALEARN_ENET_DUMP_DIR=data_dir,
               METALEARN_ENET_DATASET=dataset)
    name = bench.replace(".", "\\.")
    out, peak = run_child([binary, f"--benchmark_filter=^{name}$", f"--benchmark_min_time={min_time}",
                           "--benchmark_format=json"], env)
    r = json.loads(out)["benchmarks"]
    assert len(r) == 1, f"{bench}: {len(r)} benchmarks matched"
    r = r[0]
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[r.get("time_unit", "ms")]
    with open(os.path.join(data_dir, file_id(bench) + ".txt")) as f:
        f.readline()
        coef = [[float(v) for v in line.split()] for line in f if line.strip()]
    return {"cpu_ms": r["cpu_time"] * scale, "wall_ms": r["real_time"] * scale, "n_iter": int(r["n_iter"]),
            "rss_start_kb": r["rss_start_kb"], "rss_end_kb": r["rss_end_kb"], "peak_kb": peak, "coef": coef}


def run_sklearn(bench, dataset, data_dir, min_time, gram):
    parts = bench.split("/")
    rho = float(parts[2].split("=")[1])
    spec = {"dir": data_dir, "dataset": dataset, "bench": bench, "rho": rho, "path": parts[0] == "EnetPath",
            "gram": gram, "min_time": min_time}
    out, peak = run_child([sys.executable, os.path.abspath(__file__), "--worker", json.dumps(spec)], dict(os.environ))
    r = json.loads(out)
    r["peak_kb"] = peak
    return r


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(here, "..", "build", "benchmarks", "bench_elastic_net"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--filter", default="")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return

    import re

    import numpy as np
    import sklearn

    with tempfile.TemporaryDirectory() as data_dir:
        env = dict(os.environ, METALEARN_ENET_DUMP_DIR=data_dir)
        listing, _ = run_child([args.binary, "--benchmark_list_tests=true"], env)
        benches = [b for b in listing.split() if re.search(args.filter, b)]
        print(f"scikit-learn {sklearn.__version__}; {args.rounds} rounds, turns rotated; CPU ms per fit "
              f"(median over rounds); ratio = scikit-learn / metalearn CPU time; sk = ElasticNet defaults "
              f"(precompute=False), skG = precompute=True; |dw| = max |coef/intercept difference| vs sk, "
              f"rel = that / max |coef|; memory = peak RSS MB of each process (+ increase while fitting)")
        header = (f"{'benchmark':<52}{'n':>6}{'p':>5}{'metalearn':>10}{'sk':>9}{'skG':>9}{'sk/ml':>7}{'skG/ml':>7}"
                  f"{'it ml':>7}{'it sk':>7}{'|dw|':>9}{'rel':>9}{'MB ml':>13}{'MB sk':>13}{'load':>6}")
        print(header)
        print("-" * len(header))
        for bench in benches:
            dataset = bench.split("/")[1]
            run_metalearn(args.binary, bench, dataset, data_dir, 0.05)  # warm-up; writes the penalties
            turns = {"ml": [], "sk": [], "skG": []}
            order = ["ml", "sk", "skG"]
            for r in range(args.rounds):
                for who in order[r % 3:] + order[:r % 3]:
                    if who == "ml":
                        turns[who].append(run_metalearn(args.binary, bench, dataset, data_dir, args.min_time))
                    else:
                        turns[who].append(run_sklearn(bench, dataset, data_dir, args.min_time, who == "skG"))
            med = {k: statistics.median(t["cpu_ms"] for t in v) for k, v in turns.items()}
            ml, sk = turns["ml"][-1], turns["sk"][-1]
            a = np.array(ml["coef"])
            b = np.array(sk["coef"])
            dw = float(np.max(np.abs(a - b)))
            rel = dw / max(float(np.max(np.abs(b))), 1e-300)
            with open(os.path.join(data_dir, dataset + ".shape")) as f:
                n, p = (int(v) for v in f.read().split())
            mem = {}
            for k in ("ml", "sk"):
                t = turns[k][-1]
                mem[k] = f"{t['rss_end_kb'] / 1024:.1f} (+{(t['rss_end_kb'] - t['rss_start_kb']) / 1024:.1f})"
            print(f"{bench:<52}{n:>6}{p:>5}{med['ml']:>10.3f}{med['sk']:>9.3f}{med['skG']:>9.3f}"
                  f"{med['sk'] / med['ml']:>7.1f}{med['skG'] / med['ml']:>7.1f}{ml['n_iter']:>7}{sk['n_iter']:>7}"
                  f"{dw:>9.1e}{rel:>9.1e}{mem['ml']:>13}{mem['sk']:>13}{os.getloadavg()[0]:>6.2f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
