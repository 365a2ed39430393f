#!/usr/bin/python3
"""How metalearn's meta-feature extraction and pymfe's grow with the number of rows, group by group.

usage:
    /usr/bin/python3 benchmarks/pymfe_scaling.py --pymfe-src /path/to/pymfe-0.4.4 \
        [--binary build/release/examples/extract_metafeatures] \
        [--datasets adult connect_4 fars sleep kddcup synthetic] \
        [--rows 1000 2000 5000 10000 20000 50000 100000] \
        [--groups general statistical info-theory model-based landmarking] \
        [--repeats 1] [--pymfe-timeout 600] [--seed 0] [--extra "--option value"] \
        [--no-pymfe] [--json results.json] [--keep-data]

Sources: PMLB datasets of --pmlb-dir (default ../shared/datasets/pmlb_extra; <name>/<name>.tsv.gz
with its metadata.yaml, which both sides read for the task and the categorical features) and
`synthetic`, a seeded Gaussian-mixture classification table (20 numeric columns, 3 classes of
unequal size, each class a mixture of two correlated Gaussian components) with as many rows as the
largest --rows. For each source and each row count (counts larger than the source are skipped, a
count equal to it takes the whole source) a seeded stratified subsample is drawn (plain random
when stratification is impossible, e.g. a class with a single row), its lines copied verbatim into
a TSV.gz (with the source's metadata.yaml beside it) in a temporary folder.

Then, for each group, both sides run in their own processes, one at a time, turns alternated
(metalearn first on even repeats, pymfe first on odd ones), single-threaded (OMP/OpenBLAS/MKL
threads set to 1), with benchmarks/compare_pymfe.py's run_measured: CPU time (user + system) from
wait4, peak resident memory from GNU time. metalearn runs `extract_metafeatures --groups <group>
--summary mean sd --seed 0 --format json` (plus --extra); pymfe runs
tests/reference/pymfe_reference.py's call (summaries mean and sd, transform_cat="gray",
random_state=0) with groups=[<group>] on the same file, loaded and imputed as that script does.
Each entry is the smallest over the repeats; the load average (1 min) is the largest seen before
the pairs.

Reported per (source, rows, group): metalearn's whole-process CPU seconds and peak MiB; pymfe's
CPU seconds in fit + extract alone (measured inside its process, without the Python imports and
the loading) and its process's peak MiB; the speed ratio = pymfe's fit + extract CPU /
metalearn's whole-process CPU (the metalearn process also starts and reads the file, so the
ratio is on the conservative side); metalearn's CPU seconds in the extraction alone (printed by
extract_metafeatures, file reading excluded) and the ratio of pymfe's fit + extract to it, the
like-for-like comparison; the number of values each side produced. pymfe's fit +
extract is stopped after --pymfe-timeout CPU seconds (a CPU-time timer set in its process just
before fit): its entry then reads "> T" and the ratio is the lower bound ">T / metalearn's CPU".

Growth exponents: per source, group and side, the least-squares slope of log(CPU seconds) against
log(rows) over the row counts measured (pymfe: those that finished), and the same slope over the
counts >= 10,000 rows alone (where fixed costs weigh least). 1 is linear growth, 2 quadratic.
"""
import argparse
import gzip
import json
import math
import os
import shlex
import shutil
import signal
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
import compare_pymfe as cp  # noqa: E402  (also puts tests/reference on sys.path)

ref = cp.ref

SOURCES = ("adult", "connect_4", "fars", "sleep", "kddcup", "synthetic")
ROWS = (1000, 2000, 5000, 10000, 20000, 50000, 100000)
# The pymfe worker killed by its CPU-time timer (SIGPROF): GNU time reports 128 + signal, a
# direct child -signal.
TIMEOUT_RC = (128 + signal.SIGPROF, -signal.SIGPROF)
UPPER_ROWS = 10000


# ---------------------------------------------------------------------------------------------
# Data


def read_source(pmlb_dir, name):
    """(header line, data lines verbatim, class labels as str, metadata.yaml path or None)."""
    folder = os.path.join(pmlb_dir, name)
    with gzip.open(os.path.join(folder, name + ".tsv.gz"), "rt", encoding="utf-8") as f:
        header = f.readline().rstrip("\r\n")
        lines = [s for s in f.read().splitlines() if s.strip()]
    j = header.split("\t").index("target")
    y = np.array([s.split("\t")[j] for s in lines])
    meta = os.path.join(folder, "metadata.yaml")
    return header, lines, y, (meta if os.path.exists(meta) else None)


def synthetic_source(n, seed, n_features=20, n_classes=3, components=2):
    """A Gaussian-mixture classification table in the same form as read_source's."""
    rng = np.random.default_rng(seed)
    priors = np.array([0.5, 0.3, 0.2])[:n_classes]
    y = rng.choice(n_classes, size=n, p=priors / priors.sum())
    comp = rng.integers(components, size=n)
    means = rng.normal(0.0, 1.5, size=(n_classes, components, n_features))
    scales = rng.uniform(0.5, 2.0, size=(n_classes, components, n_features))
    mixing = np.eye(n_features) + 0.5 * rng.normal(size=(n_features, n_features)) / math.sqrt(n_features)
    X = (rng.standard_normal((n, n_features)) * scales[y, comp] + means[y, comp]) @ mixing
    names = [f"x{j}" for j in range(n_features)]
    header = "\t".join(names + ["target"])
    lines = ["\t".join(f"{v:.7g}" for v in row) + f"\t{c}" for row, c in zip(X, y)]
    meta = "dataset: synthetic\ntask: classification\nfeatures:\n" + "".join(
        f"  - name: {c}\n    type: continuous\n" for c in names)
    return header, lines, y.astype(str), meta


def subsample(y, n, seed):
    """(sorted row indices, how): seeded stratified sample of n rows, plain random as a fallback."""
    if n >= len(y):
        return np.arange(len(y)), "all"
    from sklearn.model_selection import train_test_split

    try:
        idx, _ = train_test_split(np.arange(len(y)), train_size=n, stratify=y, random_state=seed)
        how = "stratified"
    except ValueError:  # a class with one row, or fewer rows than classes
        idx = np.random.default_rng(seed).choice(len(y), size=n, replace=False)
        how = "random"
    return np.sort(idx), how


def write_sample(tmp, source, header, lines, idx, meta):
    """Write the rows idx as <tmp>/<source>_<n>/<source>_<n>.tsv.gz; returns (name, path)."""
    name = f"{source}_{len(idx)}"
    folder = os.path.join(tmp, name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name + ".tsv.gz")
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=4) as f:
        f.write(header + "\n")
        f.writelines(lines[i] + "\n" for i in idx)
    yaml = os.path.join(folder, "metadata.yaml")
    if meta is not None and os.path.exists(meta):
        shutil.copyfile(meta, yaml)
    elif meta is not None:
        with open(yaml, "w") as f:
            f.write(meta)
    return name, path


# ---------------------------------------------------------------------------------------------
# The pymfe side


def pymfe_worker(args):
    """Child process: pymfe's group args.group on one sample; print {"cpu", "n_values", "groups"}."""
    _, MFE = ref.import_pymfe(args.pymfe_src)
    cols, y = ref.load(None, args.pmlb_dir, "pmlb:" + args.worker)
    X = ref.impute(cols)
    if args.pymfe_timeout > 0:
        # default action of SIGPROF: the process ends; the parent reads the signal as a timeout
        signal.setitimer(signal.ITIMER_PROF, args.pymfe_timeout)
    t0 = time.process_time()
    values = ref.run_pymfe(MFE, X, y, groups=[args.group])
    cpu = time.process_time() - t0
    signal.setitimer(signal.ITIMER_PROF, 0)
    groups = sorted(set(ref.group_of(MFE, values.keys()).values()))
    print(json.dumps({"cpu": cpu, "n_values": len(values), "groups": groups, "rows": len(y)}))


# ---------------------------------------------------------------------------------------------
# Measurement


def measure_pair(args, tmp, name, path, group, log):
    """Both sides on one sample and group, --repeats times; returns the entry of the results."""
    ours_cmd = ([args.binary, "--groups", group, "--summary", "mean", "sd", "--seed", "0", "--format", "json"]
                + args.extra_args + [path])
    theirs_cmd = [sys.executable, os.path.abspath(__file__), "--worker", name, "--group", group,
                  "--pymfe-src", str(args.pymfe_src), "--pmlb-dir", tmp, "--pymfe-timeout", str(args.pymfe_timeout)]
    ours_out = os.path.join(tmp, f"{name}.{group}.ours.json")
    theirs_out = os.path.join(tmp, f"{name}.{group}.pymfe.json")
    e = {"load1": 0.0, "ml_cpu": None, "ml_extract_cpu": None, "ml_mib": None, "ml_values": None, "ml_failed": False,
         "py_cpu": None, "py_mib": None, "py_values": None, "py_status": None if args.no_pymfe else "ok"}
    ml, py = [], []
    for r in range(args.repeats):
        e["load1"] = max(e["load1"], os.getloadavg()[0])
        order = [("ours", ours_cmd, ours_out)]
        if not args.no_pymfe:
            order.append(("pymfe", theirs_cmd, theirs_out))
        if r % 2 == 1:
            order.reverse()
        for side, cmd, out in order:
            if side == "ours":
                cpu, mib, rc = cp.run_measured(cmd, out, err_path=out + ".err")
                if rc != 0:
                    e["ml_failed"] = True
                    continue
                ml.append((cpu, mib))
                c = cp.extraction_cpu(out + ".err")  # file reading excluded
                if c is not None:
                    e["ml_extract_cpu"] = c if e["ml_extract_cpu"] is None else min(e["ml_extract_cpu"], c)
                try:
                    e["ml_values"] = len(json.load(open(out)))
                except ValueError:
                    e["ml_values"] = None
            else:
                cpu, mib, rc = cp.run_measured(cmd, out, expected_rc=(0,) + TIMEOUT_RC)
                if rc in TIMEOUT_RC:
                    e["py_status"] = "timeout"
                    py.append((math.inf, mib))
                elif rc != 0:
                    e["py_status"] = "failed"
                else:
                    res = json.load(open(out))
                    py.append((res["cpu"], mib))
                    e["py_values"] = res["n_values"]
                    if res["groups"] not in ([], [group]):
                        print(f"pymfe_scaling: pymfe's values of {name} {group} fall in groups {res['groups']}",
                              file=sys.stderr)
                        e["py_status"] = "groups " + ",".join(res["groups"])
    if ml:
        e["ml_cpu"] = min(c for c, _ in ml)
        e["ml_mib"] = min(m for _, m in ml)
    if py:
        finished = [x for x in py if math.isfinite(x[0])]
        if finished:  # a timeout in one repeat and not another: the finished run counts
            e["py_cpu"] = min(c for c, _ in finished)
            e["py_mib"] = min(m for _, m in finished)
            if e["py_status"] == "timeout":
                e["py_status"] = "ok"
        else:
            e["py_mib"] = max(m for _, m in py)  # the process's peak until it was stopped
    log(e)
    return e


# ---------------------------------------------------------------------------------------------
# Report


def fmt_num(v, spec):
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)


def py_cell(e, timeout):
    if e["py_status"] == "timeout":
        return f"> {timeout:g}"
    if e["py_status"] == "failed":
        return "failed"
    return fmt_num(e["py_cpu"], ".3f")


def ratio_cell(e, timeout, key="ml_cpu"):
    if not e[key]:
        return "n/a"
    if e["py_status"] == "timeout":
        return f">{timeout / e[key]:.1f}x"
    if e["py_cpu"] is None:
        return "n/a"
    return f"{e['py_cpu'] / e[key]:.1f}x"


def exponent(points):
    """Least-squares slope of log(cpu) against log(rows); None with fewer than two row counts."""
    pts = [(n, c) for n, c in points if c is not None and c > 0 and math.isfinite(c)]
    if len({n for n, _ in pts}) < 2:
        return None
    slope, _ = np.polyfit(np.log([n for n, _ in pts]), np.log([c for _, c in pts]), 1)
    return float(slope)


def print_report(args, results, samples):
    pymfe = not args.no_pymfe
    print("## CPU time and peak memory per group (each side in its own process, single-threaded)\n")
    head = ("| source | rows | sample | group | load avg (1 min) | metalearn CPU s | metalearn extract CPU s |"
            " metalearn peak MiB |")
    rule = "|---|---:|---|---|---:|---:|---:|---:|"
    if pymfe:
        head += (" pymfe fit+extract CPU s | pymfe peak MiB | speed ratio | ratio, extraction only |"
                 " values (metalearn / pymfe) |")
        rule += "---:|---:|---:|---:|---:|"
    else:
        head += " values |"
        rule += "---:|"
    print(head)
    print(rule)
    for (src, n, g), e in results.items():
        ml_cpu = "failed" if e["ml_cpu"] is None else f"{e['ml_cpu']:.3f}"
        row = (f"| {src} | {n} | {samples[(src, n)]} | {g} | {e['load1']:.2f} | {ml_cpu} | "
               f"{fmt_num(e.get('ml_extract_cpu'), '.3f')} | {fmt_num(e['ml_mib'], '.1f')} |")
        if pymfe:
            row += (f" {py_cell(e, args.pymfe_timeout)} | {fmt_num(e['py_mib'], '.1f')} | "
                    f"{ratio_cell(e, args.pymfe_timeout)} | {ratio_cell(e, args.pymfe_timeout, 'ml_extract_cpu')} | "
                    f"{fmt_num(e['ml_values'], 'd')} / "
                    f"{fmt_num(e['py_values'], 'd')} |")
        else:
            row += f" {fmt_num(e['ml_values'], 'd')} |"
        print(row)
    print()

    print(f"## Growth exponents: slope of log(CPU) against log(rows) (all counts; counts >= {UPPER_ROWS:,})\n")
    head = f"| source | group | rows measured | metalearn | metalearn >= {UPPER_ROWS // 1000}k |"
    rule = "|---|---|---|---:|---:|"
    if pymfe:
        head += f" pymfe | pymfe >= {UPPER_ROWS // 1000}k | pymfe rows finished |"
        rule += "---:|---:|---|"
    print(head)
    print(rule)
    keys = []
    for src, _, g in results:
        if (src, g) not in keys:
            keys.append((src, g))
    for src, g in keys:
        entries = [(n, e) for (s, n, gg), e in results.items() if s == src and gg == g]
        ns = [n for n, _ in entries]
        ml = [(n, e["ml_cpu"]) for n, e in entries]
        cells = [fmt_num(exponent(ml), ".2f"), fmt_num(exponent([p for p in ml if p[0] >= UPPER_ROWS]), ".2f")]
        row = f"| {src} | {g} | {min(ns)}–{max(ns)} ({len(ns)}) | {cells[0]} | {cells[1]} |"
        if pymfe:
            py = [(n, e["py_cpu"]) for n, e in entries if e["py_cpu"] is not None]
            upper = [p for p in py if p[0] >= UPPER_ROWS]
            row += (f" {fmt_num(exponent(py), '.2f')} | {fmt_num(exponent(upper), '.2f')}"
                    f" | {' '.join(str(n) for n, _ in py) or 'none'} |")
        print(row)
    print()
    print(f"binary: {args.binary}" + (f" (extra: {' '.join(args.extra_args)})" if args.extra_args else "")
          + f"; repeats: {args.repeats}; subsample seed: {args.seed}"
          + (f"; pymfe timeout: {args.pymfe_timeout:g} CPU s" if pymfe else "; pymfe not run"))


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pymfe-src", help="folder holding pymfe's source (the one with pymfe/); needed unless --no-pymfe")
    ap.add_argument("--binary", default=os.path.join(REPO, "build", "release", "examples", "extract_metafeatures"))
    ap.add_argument("--pmlb-dir", default=os.path.join(REPO, "..", "shared", "datasets", "pmlb_extra"))
    ap.add_argument("--datasets", nargs="+", default=list(SOURCES),
                    help="PMLB names under --pmlb-dir and/or 'synthetic'")
    ap.add_argument("--rows", nargs="+", type=int, default=list(ROWS))
    ap.add_argument("--groups", nargs="+", default=list(cp.GROUPS), choices=cp.GROUPS)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0, help="seed of the subsamples and of the synthetic table")
    ap.add_argument("--pymfe-timeout", type=float, default=600.0,
                    help="CPU seconds of pymfe's fit + extract before it is stopped (0 = none)")
    ap.add_argument("--no-pymfe", action="store_true", help="metalearn only")
    ap.add_argument("--extra", action="append", default=[], metavar="ARGS",
                    help="arguments appended to metalearn's command (split as a shell would; repeatable; "
                    "write --extra=--option or --extra \"--option value\")")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--keep-data", action="store_true", help="keep the temporary folder of subsamples")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--group", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return pymfe_worker(args)
    args.extra_args = [a for s in args.extra for a in shlex.split(s)]
    if not os.path.exists(args.binary):
        sys.exit(f"pymfe_scaling: {args.binary} not found (build the extract_metafeatures example)")
    if not args.no_pymfe and not args.pymfe_src:
        sys.exit("pymfe_scaling: --pymfe-src is needed (or --no-pymfe)")
    for d in args.datasets:
        if d != "synthetic" and not os.path.exists(os.path.join(args.pmlb_dir, d, d + ".tsv.gz")):
            sys.exit(f"pymfe_scaling: {d}/{d}.tsv.gz not found under {args.pmlb_dir}")
    rows = sorted(set(args.rows))

    def log(e):
        py = "" if args.no_pymfe else f", pymfe {py_cell(e, args.pymfe_timeout)} s / {fmt_num(e['py_mib'], '.0f')} MiB"
        print(f"  {cur[0]} {cur[1]} {cur[2]}: metalearn {fmt_num(e['ml_cpu'], '.3f')} s / "
              f"{fmt_num(e['ml_mib'], '.0f')} MiB{py}", file=sys.stderr, flush=True)

    tmp = tempfile.mkdtemp(prefix="pymfe_scaling_")
    results, samples, cur = {}, {}, [None, None, None]
    try:
        for src in args.datasets:
            if src == "synthetic":
                header, lines, y, meta = synthetic_source(max(rows), args.seed)
            else:
                header, lines, y, meta = read_source(args.pmlb_dir, src)
            counts = [n for n in rows if n <= len(lines)]
            if len(counts) < len(rows):
                print(f"pymfe_scaling: {src} has {len(lines)} rows: skipping "
                      f"{' '.join(str(n) for n in rows if n > len(lines))}", file=sys.stderr)
            paths = []
            for n in counts:
                idx, how = subsample(y, n, args.seed)
                samples[(src, n)] = how
                paths.append((n,) + write_sample(tmp, src, header, lines, idx, meta))
            del header, lines, y
            for n, name, path in paths:
                for g in args.groups:
                    cur[:] = [src, n, g]
                    results[(src, n, g)] = measure_pair(args, tmp, name, path, g, log)
    finally:
        if args.keep_data:
            print(f"pymfe_scaling: subsamples kept in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print_report(args, results, samples)
    if args.json:
        with open(args.json, "w") as f:
            json.dump([dict(source=s, rows=n, group=g, sample=samples[(s, n)], **e)
                       for (s, n, g), e in results.items()], f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
