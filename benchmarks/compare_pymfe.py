#!/usr/bin/python3
"""metalearn's meta-feature extraction side by side with pymfe's: CPU time, peak memory, agreement.

usage:
    /usr/bin/python3 benchmarks/compare_pymfe.py --pymfe-src /path/to/pymfe-0.4.4 \
        [--binary build/release/examples/extract_metafeatures] [--datasets iris labor ...] \
        [--repeats 1] [--tol 1e-4] [--no-timing]

Each side runs in its own process, one at a time, turns alternated (metalearn first on even
repeats, pymfe first on odd ones), single-threaded (OMP/OpenBLAS/MKL threads set to 1). Per
dataset it prints the CPU time (user + system) and the peak resident memory of each process (the
smallest over the repeats; CPU from wait4, peak memory from GNU time when /usr/bin/time exists),
pymfe's CPU time spent in fit + extract alone (measured inside its process, without the Python
imports), the load average (1 min) before the dataset, and the speed ratio =
pymfe's fit + extract CPU / metalearn's whole-process CPU (the metalearn process also reads the
file, so the ratio is on the conservative side); then metalearn's CPU time in the extraction
alone (printed by extract_metafeatures, file reading excluded) and the like-for-like ratio
pymfe's fit + extract CPU / metalearn's extraction CPU.

Both sides compute pymfe's default call: the five default groups, summaries mean and sd; pymfe
with transform_cat="gray" (its default) and random_state=0, metalearn with seed 0. The data are
loaded and imputed for pymfe by tests/reference/pymfe_reference.py (metalearn reads the same files
and imputes the same way inside its extraction).

Agreement: a value agrees when both are NaN, or |ours - pymfe| <= tol * max(1, |pymfe|). The
table gives, per group and overall, the fraction of pymfe's non-landmarking values that agree
(a name pymfe produces and metalearn does not counts as a disagreement), then the disagreeing
names per dataset with both values. Landmarking values are reported separately: they depend on
each library's cross-validation folds and models.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "reference"))
import pymfe_reference as ref  # noqa: E402

GROUPS = ("general", "statistical", "info-theory", "model-based", "landmarking")
SINGLE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                 "OMP_THREAD_LIMIT": "1"}


GNU_TIME = "/usr/bin/time"


def run_measured(cmd, out_path, expected_rc=(0,), err_path=None):
    """Run cmd (stdout to out_path, stderr to err_path if given); return (cpu seconds, peak RSS in
    MiB, return code).

    A return code outside expected_rc is reported on stderr with the command's own stderr.

    CPU time: from wait4 (microsecond resolution). Peak memory: from GNU time (Debian package
    `time`), the command's own; without it from wait4, whose ru_maxrss also counts this Python
    process's resident size at the fork (Linux folds the pre-exec memory into the child's peak),
    about 30 MiB here.
    """
    env = dict(os.environ, **SINGLE_THREAD)
    use_time = os.access(GNU_TIME, os.X_OK)
    tfile = out_path + ".time"
    full = [GNU_TIME, "-f", "%M", "-o", tfile] + cmd if use_time else cmd
    with open(out_path, "w") as out:
        p = subprocess.Popen(full, stdout=out, stderr=subprocess.PIPE, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        err = p.stderr.read().decode(errors="replace")
        p.stderr.close()
    if err_path:
        with open(err_path, "w") as f:
            f.write(err)
    rc = os.waitstatus_to_exitcode(status)
    if rc not in expected_rc:
        print(f"command failed ({rc}): {' '.join(cmd)}\n{err}", file=sys.stderr)
    cpu = ru.ru_utime + ru.ru_stime  # microseconds; with GNU time, its own ~1 ms is included
    if use_time:
        kib = open(tfile).read().split()[-1]
        return cpu, float(kib) / 1024.0, rc
    return cpu, ru.ru_maxrss / 1024.0, rc


def extraction_cpu(err_path):
    """The extraction's own CPU seconds that extract_metafeatures prints on stderr ("(X s CPU)"),
    file reading excluded; None when absent."""
    m = re.search(r"\(([0-9.eE+-]+) s CPU\)", open(err_path).read())
    return float(m.group(1)) if m else None


def pymfe_worker(args):
    """Child process: run pymfe on one dataset, print {"values", "cpu"} as JSON."""
    _, MFE = ref.import_pymfe(args.pymfe_src)
    spec = dict(ref.DATASETS)[args.worker]
    cols, y = ref.load(args.data_dir, args.pmlb_dir, spec)
    X = ref.impute(cols)
    t0 = time.process_time()
    values = ref.run_pymfe(MFE, X, y, groups="default")
    cpu = time.process_time() - t0
    groups = ref.group_of(MFE, values.keys())
    print(json.dumps({"values": values, "groups": groups, "cpu": cpu}))


def data_path(args, spec):
    if spec.startswith("pmlb:"):
        name = spec[5:]
        return os.path.join(args.pmlb_dir, name, name + ".tsv.gz")
    return os.path.join(args.data_dir, spec)


def agree(a, b, tol):
    na = a is None or (isinstance(a, float) and math.isnan(a))
    nb = b is None or (isinstance(b, float) and math.isnan(b))
    if na or nb:
        return na and nb
    return abs(a - b) <= tol * max(1.0, abs(b))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pymfe-src", required=True)
    ap.add_argument("--binary", default=os.path.join(REPO, "build", "release", "examples", "extract_metafeatures"))
    ap.add_argument("--data-dir", default=os.path.join(REPO, "data"))
    ap.add_argument("--pmlb-dir", default=os.path.join(REPO, "..", "shared", "datasets", "pmlb"))
    ap.add_argument("--datasets", nargs="*", default=[d for d, _ in ref.DATASETS])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--no-timing", action="store_true", help="one run per side, no timing table")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return pymfe_worker(args)
    if not os.path.exists(args.binary):
        sys.exit(f"compare_pymfe: {args.binary} not found (build the extract_metafeatures example)")
    specs = dict(ref.DATASETS)
    unknown = [d for d in args.datasets if d not in specs]
    if unknown:
        sys.exit(f"compare_pymfe: unknown dataset(s) {unknown} (expected some of {list(specs)})")

    tmp = tempfile.mkdtemp(prefix="compare_pymfe_")
    timing, agreement, disagreeing = [], {}, {}
    lm_agree = [0, 0]
    for name in args.datasets:
        load1 = os.getloadavg()[0]
        ours_cmd = [args.binary, data_path(args, specs[name]), "--format", "json", "--seed", "0"]
        theirs_cmd = [sys.executable, os.path.abspath(__file__), "--worker", name, "--pymfe-src", args.pymfe_src,
                      "--data-dir", args.data_dir, "--pmlb-dir", args.pmlb_dir]
        ours_out, theirs_out = os.path.join(tmp, name + ".ours.json"), os.path.join(tmp, name + ".pymfe.json")
        runs = {"ours": [], "pymfe": []}
        extract_cpu = []
        for r in range(1 if args.no_timing else args.repeats):
            order = [("ours", ours_cmd, ours_out), ("pymfe", theirs_cmd, theirs_out)]
            if r % 2 == 1:
                order.reverse()
            for side, cmd, out in order:
                runs[side].append(run_measured(cmd, out, err_path=out + ".err"))
                if side == "ours" and (c := extraction_cpu(out + ".err")) is not None:
                    extract_cpu.append(c)
        ours = json.load(open(ours_out))
        theirs = json.load(open(theirs_out))
        if not args.no_timing:
            best = lambda side, i: min(x[i] for x in runs[side])  # noqa: E731
            pymfe_cpu = theirs["cpu"]
            ours_extract = min(extract_cpu) if extract_cpu else math.nan
            timing.append((name, load1, best("ours", 0), ours_extract, best("ours", 1), best("pymfe", 0), pymfe_cpu,
                           best("pymfe", 1), pymfe_cpu / max(best("ours", 0), 1e-9),
                           pymfe_cpu / max(ours_extract, 1e-4) if extract_cpu else math.nan))
        for n, v in theirs["values"].items():
            g = theirs["groups"][n]
            ok = agree(ours.get(n), v, args.tol) if n in ours else False
            if g == "landmarking":
                lm_agree[0] += ok
                lm_agree[1] += 1
                continue
            a = agreement.setdefault(g, [0, 0])
            a[0] += ok
            a[1] += 1
            if not ok:
                disagreeing.setdefault(name, []).append((n, ours.get(n, "missing"), v))

    if timing:
        print("## CPU time and peak memory (each side in its own process, single-threaded)\n")
        print("| dataset | load avg (1 min) | metalearn CPU s | metalearn extract CPU s | metalearn peak MiB | "
              "pymfe process CPU s | pymfe fit+extract CPU s | pymfe peak MiB | speed ratio | ratio, extraction only |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for row in timing:
            print("| {} | {:.2f} | {:.3f} | {:.3f} | {:.1f} | {:.2f} | {:.2f} | {:.1f} | {:.1f}x | {:.0f}x |".format(*row))
        print()
    print(f"## Agreement with pymfe (non-landmarking values, |ours - pymfe| <= {args.tol:g} * max(1, |pymfe|))\n")
    print("| group | agree | values | fraction |")
    print("|---|---:|---:|---:|")
    tot = [0, 0]
    for g in GROUPS[:-1]:
        if g in agreement:
            a, n = agreement[g]
            tot[0] += a
            tot[1] += n
            print(f"| {g} | {a} | {n} | {a / n:.1%} |")
    if tot[1]:
        print(f"| **overall** | {tot[0]} | {tot[1]} | {tot[0] / tot[1]:.1%} |")
    if lm_agree[1]:
        print(f"| (landmarking, not counted) | {lm_agree[0]} | {lm_agree[1]} | {lm_agree[0] / lm_agree[1]:.1%} |")
    print(f"\ndatasets: {' '.join(args.datasets)}\n")
    print("## Disagreeing values (name: metalearn vs pymfe)\n")
    for name, rows in disagreeing.items():
        print(f"- {name}: " + "; ".join(
            f"{n}: {o if not isinstance(o, float) else format(o, '.6g')} vs {'NaN' if v is None else format(v, '.6g')}"
            for n, o, v in rows))


if __name__ == "__main__":
    main()
