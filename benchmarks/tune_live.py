#!/usr/bin/env python3
"""Live tuning under a wall-clock budget: the best score a user gets per second.

    /usr/bin/python3 benchmarks/tune_live.py --budget 60 \\
        [--tune build/release/examples/tune] [--data data] [--pmlb ../shared/datasets/pmlb] \\
        [--knowledge FOREST_KNOWLEDGE.json] [--mlp-knowledge MLP_KNOWLEDGE.json] \\
        [--models random_forest,mlp] [--seed 0]

Needs Debian's python3-sklearn, python3-optuna and python3-pandas (the PMLB sets are read with
pandas), and a Release build of the `tune` example.

For each model (random forest, MLP) and each of five real classification datasets (credit-g and
diabetes from data/weka, vehicle, wine_quality_red and splice from PMLB; 768-3,188 rows), every
method gets the same wall-clock budget, one thread each:

- metalearn random search: `tune --method random`;
- metalearn cold Bayesian optimisation: `tune --cold`;
- metalearn warm Bayesian optimisation: `tune --knowledge FILE` (the forest's knowledge from
  --knowledge, the MLP's from --mlp-knowledge; a model whose knowledge file is missing has no warm
  run, which the script says);
- Optuna's TPE (TPESampler(seed), its defaults otherwise: 10 random start-up trials) tuning
  scikit-learn's RandomForestClassifier / MLPClassifier.

metalearn's random search and cold Bayesian optimisation use the same seed, so they share their
first trials (the initial Sobol design: 8 for the forest, 7 for the MLP) and differ after it.

Each run is its own process (`tune --threads 1 --time-budget B --trace FILE`, or this script with
--worker), turns alternated between the sides (the order of the methods rotates from dataset to
dataset), with OMP/OpenBLAS/MKL threads set to 1. A run stops asking new trials once B seconds have
passed since it started; the trial in flight finishes. metalearn's clock starts with the process
(reading the data and the warm start's meta-features included); the Python worker's clock starts
after its imports (interpreter start-up and importing scikit-learn and Optuna, about 1-2 s, are not
counted), before it reads the data.

Same objective on both sides: stratified 3-fold CV balanced accuracy, preprocessing fitted on the
training folds as metalearn's `hpo::cross_validate` does (`data::Preprocessor`; PMLB features that
the dataset's metadata.yaml types categorical, all of splice's, are nominal, as metalearn reads them): numeric columns
imputed by the median and standardised (population sd; constant columns map to 0), nominal columns
imputed by the most frequent category and one-hot encoded with a column per declared category
(indicators not standardised; metalearn caps a nominal column at 32 output columns, which none of
these datasets reaches). The search space is read from a metalearn journal (the library's own
declaration) and given to Optuna as the matching distributions (int_log_uniform -> IntDistribution
log=True, categoricals by their labels). The hyperparameters map one to one:

- random forest: n_estimators, criterion, max_depth (0 -> None), min_samples_leaf, max_features
  ("sqrt", "log2" or a fraction), bootstrap, class_weight ("none" -> None, "balanced"); the
  parameters outside the space are at metalearn's defaults, which are scikit-learn 1.2's
  (min_samples_split 2, n_jobs 1); random_state = the seed.
- MLP: hidden_layer_sizes = (hidden_units,) * hidden_layers, activation, learning_rate_init,
  alpha, batch_size; outside the space metalearn's defaults, which are scikit-learn 1.2's (adam,
  max_iter 200, tol 1e-4, no early stopping, n_iter_no_change 10); random_state = the seed.

The two sides' CV scores are not bit-comparable: the models are different implementations, the
folds are drawn by different code (both stratified and seeded) and each side's best is a maximum
over its own noise. So the best configuration of every run is also re-scored by one common
yardstick: scikit-learn's model on three repeats of stratified 3-fold CV with other seeds (1, 2,
3) for the folds and the model ("re-scored" column; no selection bias on that noise for any method).

Printed per model: for each dataset and method, the best CV balanced accuracy reached at 1/12,
1/4, 1/2 and all of the budget (5, 15, 30, 60 s for 60 s), the trials completed within the budget,
the process's CPU seconds and peak memory (getrusage of the child: ru_maxrss, which also counts the
parent's small interpreter as a floor), the load average at start and end, and the re-scored best
configuration. Note the warm runs' knowledge files: the shipped ones have seen these datasets; pass
held-out ones (built without them) for a fair warm start.
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

DATASETS = [  # name, path template
    ("credit-g", "{data}/weka/credit-g.arff"),
    ("diabetes", "{data}/weka/diabetes.arff"),
    ("vehicle", "{pmlb}/vehicle/vehicle.tsv.gz"),
    ("wine_quality_red", "{pmlb}/wine_quality_red/wine_quality_red.tsv.gz"),
    ("splice", "{pmlb}/splice/splice.tsv.gz"),
]
METHODS = {"random": "metalearn random", "tpe": "Optuna TPE (sklearn)", "cold": "metalearn cold BO",
           "warm": "metalearn warm BO"}
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# ---------------------------------------------------------------------------------------- worker side
# (imports scikit-learn and Optuna; the parent process stays small, so that its memory is a small
# floor under the children's ru_maxrss)

def load_dataset(path):
    """X (float, NaN = missing; nominal columns hold codes), y (codes), nominal column indices and
    their category counts; the target is the last column or attribute, as metalearn reads it."""
    import numpy as np
    if path.endswith(".arff"):
        from scipy.io import arff
        rows, meta = arff.loadarff(path)
        names = meta.names()
        cols, nominal, levels = [], [], []
        for j, name in enumerate(names[:-1]):
            kind, declared = meta[name]
            if kind == "nominal":
                index = {v: i for i, v in enumerate(declared)}
                cols.append([index.get(v.decode() if isinstance(v, bytes) else v, math.nan) for v in rows[name]])
                nominal.append(j)
                levels.append(len(declared))
            else:
                cols.append(rows[name].astype(float))
        X = np.column_stack(cols).astype(float)
        kind, declared = meta[names[-1]]
        index = {v: i for i, v in enumerate(declared)}
        y = np.array([index[v.decode() if isinstance(v, bytes) else v] for v in rows[names[-1]]])
        return X, y, nominal, levels
    import pandas as pd
    frame = pd.read_csv(path, sep="\t")
    X = frame.iloc[:, :-1].to_numpy(dtype=float)
    _, y = np.unique(frame.iloc[:, -1].to_numpy(), return_inverse=True)
    # PMLB's metadata.yaml declares the categorical features; metalearn reads them as nominal, with
    # the distinct values of the file, in numeric order, as the categories
    nominal, levels = [], []
    categorical = pmlb_categorical(os.path.join(os.path.dirname(path), "metadata.yaml"))
    for j, name in enumerate(frame.columns[:-1]):
        if name in categorical:
            values, codes = np.unique(X[:, j], return_inverse=True)
            X[:, j] = codes
            nominal.append(j)
            levels.append(len(values))
    return X, y, nominal, levels


def pmlb_categorical(yaml):
    """The feature names a PMLB metadata.yaml types as categorical or nominal (the two keys read
    line by line, as metalearn's reader does; no YAML parser needed)."""
    names, pending, in_features = set(), None, False
    if not os.path.isfile(yaml):
        return names
    for raw in open(yaml):
        line = raw.strip()
        if raw[:1] not in (" ", "\t", "-", "") and raw.strip():
            in_features = line.startswith("features:")
            continue
        if not in_features:
            continue
        if line.startswith("- name:"):
            pending = line[7:].strip().strip("'\"")
        elif line.startswith("type:") and pending is not None:
            if line[5:].strip().lower() in ("categorical", "nominal"):
                names.add(pending)
            pending = None
    return names


def pipeline(model, values, nominal, levels, p, seed):
    """metalearn's preprocessing and the model with the metalearn configuration `values`."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    numeric = [j for j in range(p) if j not in nominal]
    parts = [("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numeric)]
    if nominal:
        parts.append(("nom", Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                                       ("onehot", OneHotEncoder(categories=[list(range(k)) for k in levels],
                                                                handle_unknown="ignore", sparse_output=False))]),
                      nominal))
    prep = ColumnTransformer(parts)
    if model == "random_forest":
        from sklearn.ensemble import RandomForestClassifier
        mf = values["max_features"]
        est = RandomForestClassifier(
            n_estimators=int(values["n_estimators"]), criterion=values["criterion"],
            max_depth=int(values["max_depth"]) or None, min_samples_leaf=int(values["min_samples_leaf"]),
            max_features=mf if mf in ("sqrt", "log2") else float(mf), bootstrap=values["bootstrap"] == "true",
            class_weight=None if values["class_weight"] == "none" else values["class_weight"],
            n_jobs=1, random_state=seed)
    else:
        from sklearn.neural_network import MLPClassifier
        est = MLPClassifier(
            hidden_layer_sizes=(int(values["hidden_units"]),) * int(values["hidden_layers"]),
            activation=values["activation"], learning_rate_init=float(values["learning_rate_init"]),
            alpha=float(values["alpha"]), batch_size=int(values["batch_size"]), solver="adam", max_iter=200,
            tol=1e-4, early_stopping=False, n_iter_no_change=10, random_state=seed)
    return Pipeline([("prep", prep), ("model", est)])


def cv_score(model, values, data, seed, folds=3):
    """Mean stratified `folds`-fold balanced accuracy, preprocessing fitted on the training folds."""
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import StratifiedKFold
    X, y, nominal, levels = data
    scores = []
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
        pipe = pipeline(model, values, nominal, levels, X.shape[1], seed)
        pipe.fit(X[tr], y[tr])
        scores.append(balanced_accuracy_score(y[te], pipe.predict(X[te])))
    return sum(scores) / len(scores)


def worker_tpe(args):
    import warnings
    import optuna
    from sklearn.exceptions import ConvergenceWarning
    from tuner_loo_optuna import distributions  # the metalearn space as Optuna distributions
    t0 = time.perf_counter()  # after the imports
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    data = load_dataset(args.dataset)
    dists = distributions(json.load(open(args.space)))
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=args.seed))
    best, best_values = math.nan, None
    with open(args.trace, "w") as trace:
        trace.write("trial\telapsed_s\tcpu_s\tscore\tbest_so_far\n")
        n = 0
        while time.perf_counter() - t0 < args.budget:
            trial = study.ask(dists)
            n += 1
            try:
                score = cv_score(args.model, trial.params, data, args.seed)
                study.tell(trial, score)
            except Exception as e:  # a failed trial, as metalearn's tuner records one
                print(f"trial {n} failed: {e}", file=sys.stderr)
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
                score = math.nan
            if not score <= best:
                best, best_values = score, dict(trial.params)
            trace.write(f"{n}\t{time.perf_counter() - t0:.3f}\t{time.process_time():.3f}\t{score:.6f}\t{best:.6f}\n")
            trace.flush()
    json.dump({"best": best, "values": best_values}, open(args.result, "w"))


def worker_rescore(args):
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    data = load_dataset(args.dataset)
    configs = json.load(open(args.configs))
    out = {}
    for key, values in configs.items():
        out[key] = sum(cv_score(args.model, values, data, s) for s in (1, 2, 3)) / 3
    json.dump(out, open(args.result, "w"))


# ---------------------------------------------------------------------------------------- parent side

def run_child(cmd, log, timeout):
    """Run cmd single-threaded; (exit code, wall s, CPU s, peak RSS MB, load at start, load at end)."""
    env = dict(os.environ, **ONE_THREAD)
    load0 = os.getloadavg()[0]
    start = time.perf_counter()
    with open(log, "w") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                p.kill()
            time.sleep(0.05)
    p.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    return (p.returncode, time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
            load0, os.getloadavg()[0])


def read_trace(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        next(f, None)
        for line in f:
            trial, elapsed, cpu, score, best = line.split("\t")
            rows.append((float(elapsed), float(cpu), float(score), float(best)))
    return rows


def best_at(trace, t):
    best = math.nan
    for elapsed, _, score, _ in trace:
        if elapsed <= t and not score <= best:
            best = score
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", type=float, default=60.0, help="wall-clock seconds per run (default 60)")
    ap.add_argument("--tune", default="build/release/examples/tune", help="the tune example")
    ap.add_argument("--data", default="data", help="folder of scripts/get-datasets (weka/credit-g.arff, weka/diabetes.arff)")
    ap.add_argument("--pmlb", default="../shared/datasets/pmlb", help="PMLB folder (<name>/<name>.tsv.gz)")
    ap.add_argument("--knowledge", default="share/knowledge/random_forest_classifier.json",
                    help="forest knowledge of the warm runs (default: the shipped one, which has seen these datasets)")
    ap.add_argument("--mlp-knowledge", default="share/knowledge/mlp_classifier.json",
                    help="MLP knowledge of the warm runs (default: the shipped one, which has seen these datasets)")
    ap.add_argument("--models", default="random_forest,mlp", help="comma-separated: random_forest, mlp")
    ap.add_argument("--datasets", default=",".join(n for n, _ in DATASETS), help="comma-separated subset of the five")
    ap.add_argument("--seed", type=int, default=0, help="seed of every run (default 0)")
    ap.add_argument("--keep", default="", help="folder to keep the journals, traces and logs in (default: a temporary one)")
    # worker modes (internal)
    ap.add_argument("--worker", choices=["tpe", "rescore"], help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--dataset", help=argparse.SUPPRESS)
    ap.add_argument("--space", help=argparse.SUPPRESS)
    ap.add_argument("--trace", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    ap.add_argument("--configs", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker == "tpe":
        return worker_tpe(args)
    if args.worker == "rescore":
        return worker_rescore(args)

    if not (math.isfinite(args.budget) and args.budget > 0):
        ap.error(f"--budget must be a finite number of seconds > 0 (got {args.budget})")
    if args.seed < 0:
        ap.error(f"--seed must be >= 0 (got {args.seed})")
    models = [m for m in args.models.split(",") if m]
    if not models or any(m not in ("random_forest", "mlp") for m in models):
        ap.error(f"--models: expected a comma-separated list of random_forest and mlp (got '{args.models}')")
    known = dict(DATASETS)
    names = [n for n in args.datasets.split(",") if n]
    if not names or any(n not in known for n in names):
        ap.error(f"--datasets: expected names among {', '.join(known)} (got '{args.datasets}')")
    if not os.access(args.tune, os.X_OK):
        ap.error(f"--tune: '{args.tune}' is not an executable (cmake --build build/release --target tune)")
    knowledge = {"random_forest": args.knowledge, "mlp": args.mlp_knowledge}
    for m in models:
        if not os.path.isfile(knowledge[m]):
            option = "--knowledge" if m == "random_forest" else "--mlp-knowledge"
            if knowledge[m] != ap.get_default(option.lstrip("-").replace("-", "_")):
                ap.error(f"{option}: '{knowledge[m]}' is not a file")
            print(f"tune_live: no {m} knowledge at '{knowledge[m]}': {m} has no warm run", flush=True)
    paths = {n: known[n].format(data=args.data, pmlb=args.pmlb) for n in names}
    for n, path in paths.items():
        if not os.path.isfile(path):
            ap.error(f"dataset {n}: '{path}' is missing (scripts/get-datasets for data/, --pmlb for PMLB)")
    work = args.keep or tempfile.mkdtemp(prefix="tune_live.")
    os.makedirs(work, exist_ok=True)
    budget = args.budget
    marks = [budget / 12, budget / 4, budget / 2, budget]
    timeout = 3 * budget + 300  # a run past it is killed (a trial in flight may overrun the budget)
    me = os.path.abspath(__file__)
    print(f"tune_live: budget {budget:g} s per run, one thread per side, seed {args.seed}; knowledge: "
          + ", ".join(f"{m} {knowledge[m]}" for m in models if os.path.isfile(knowledge[m]))
          + f"; files in {work}", flush=True)

    for model in models:
        # the search space as the library declares it: from the journal of a one-trial study
        j = os.path.join(work, f"space-{model}.jsonl")
        if os.path.exists(j):
            os.remove(j)
        rc = run_child([args.tune, paths[names[0]], "--model", model, "--method", "random", "--trials", "1",
                        "--threads", "1", "--journal", j], os.path.join(work, f"space-{model}.log"), timeout)[0]
        if rc != 0:
            sys.exit(f"tune_live.py: '{args.tune}' failed on {paths[names[0]]} (see {work}/space-{model}.log)")
        with open(j) as f:
            space = json.loads(f.readline())["space"]
        space_file = os.path.join(work, f"space-{model}.json")
        json.dump(space, open(space_file, "w"))

        kn = os.path.abspath(knowledge[model])
        methods = ["random", "tpe", "cold"] + (["warm"] if os.path.isfile(kn) else [])
        results = {}
        for i, name in enumerate(names):
            order = methods[i % len(methods):] + methods[:i % len(methods)]  # rotated from dataset to dataset
            for method in order:
                tag = f"{model}-{name}-{method}"
                trace = os.path.join(work, tag + ".tsv")
                for f in (trace, os.path.join(work, tag + ".jsonl")):
                    if os.path.exists(f):
                        os.remove(f)
                if method == "tpe":
                    res = os.path.join(work, tag + ".json")
                    cmd = [sys.executable, me, "--worker", "tpe", "--model", model, "--dataset", paths[name],
                           "--budget", str(budget), "--space", space_file, "--trace", trace, "--result", res,
                           "--seed", str(args.seed)]
                else:
                    cmd = [args.tune, paths[name], "--model", model, "--threads", "1", "--time-budget", str(budget),
                           "--trace", trace, "--journal", os.path.join(work, tag + ".jsonl"), "--seed", str(args.seed)]
                    cmd += {"random": ["--method", "random"], "cold": ["--cold"], "warm": ["--knowledge", kn]}[method]
                log = os.path.join(work, tag + ".log")
                rc, wall, cpu, rss, load0, load1 = run_child(cmd, log, timeout)
                values, note = None, "" if rc == 0 else f"exit {rc}, see {log}"
                if rc == 0 and method == "tpe":
                    values = json.load(open(res))["values"]
                elif rc == 0:
                    m = re.search(r"^best of \d+ (?:finished )?trials: \S+  (\{.*\})  \(trial", open(log).read(), re.M)
                    values = json.loads(m.group(1)) if m else None
                tr = read_trace(trace)
                results[(name, method)] = {
                    "trace": tr, "wall": wall, "cpu": cpu, "rss": rss, "load": (load0, load1), "values": values,
                    "trials": sum(1 for e, *_ in tr if e <= budget), "after": len(tr), "note": note}
                print(f"  {model:<13} {name:<17} {METHODS[method]:<21} {len(tr):>4} trials  best "
                      f"{best_at(tr, math.inf):.4f}  wall {wall:6.1f} s  cpu {cpu:6.1f} s  load {load0:.2f}->{load1:.2f}"
                      f"{'  ' + note if note else ''}", flush=True)
            # the best configuration of every run, re-scored by one yardstick (scikit-learn, other seeds)
            configs = {m: results[(name, m)]["values"] for m in methods if results[(name, m)]["values"]}
            cfile, res = os.path.join(work, f"rescore-{model}-{name}.json"), os.path.join(work, f"rescored-{model}-{name}.json")
            json.dump(configs, open(cfile, "w"))
            rc = run_child([sys.executable, me, "--worker", "rescore", "--model", model, "--dataset", paths[name],
                            "--configs", cfile, "--result", res], os.path.join(work, f"rescore-{model}-{name}.log"),
                           timeout)[0]
            rescored = json.load(open(res)) if rc == 0 else {}
            for m in methods:
                results[(name, m)]["rescored"] = rescored.get(m, math.nan)

        # the table of this model
        head = "".join(f" {f'@{t:.4g}s':>7}" for t in marks)
        print(f"\n== {model}: best CV balanced accuracy reached within the time (each side's own CV; budget "
              f"{budget:g} s, one thread)")
        print(f"{'dataset':<17} {'method':<21}{head} {'trials':>6} {'after':>5} {'wall s':>6} {'CPU s':>6} "
              f"{'peak MB':>7} {'load start/end':>14} {'re-scored':>9}")
        for name in names:
            for method in methods:
                r = results[(name, method)]
                cells = "".join(f" {best_at(r['trace'], t):>7.4f}" for t in marks).replace("    nan", "      -")
                print(f"{name:<17} {METHODS[method]:<21}{cells} {r['trials']:>6} {r['after'] - r['trials']:>5} "
                      f"{r['wall']:>6.1f} {r['cpu']:>6.1f} {r['rss']:>7.0f} {r['load'][0]:>6.2f}/{r['load'][1]:<7.2f} "
                      f"{r['rescored']:>9.4f}{'  ' + r['note'] if r['note'] else ''}")
        print(f"{'mean':<17}")
        for method in methods:
            cells = ""
            for t in marks:
                v = [best_at(results[(n, method)]["trace"], t) for n in names]
                cells += f" {sum(v) / len(v):>7.4f}" if all(not math.isnan(x) for x in v) else f" {'-':>7}"
            rs = [results[(n, method)]["rescored"] for n in names]
            print(f"{'':<17} {METHODS[method]:<21}{cells} {sum(results[(n, method)]['trials'] for n in names):>6}"
                  f"{'':>47} {sum(rs) / len(rs):>9.4f}")
        print("trials: completed within the budget; after: completed past it (the trial in flight when it ran out); "
              "re-scored: the run's best configuration, scikit-learn's model, 3 x stratified 3-fold CV with seeds 1-3\n",
              flush=True)
    print(f"parent's peak memory {peak_mb():.0f} MB (the floor of the children's peak); "
          f"load average at the end {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def peak_mb():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from peak_rss import peak_rss_kb
    return peak_rss_kb() / 1024


if __name__ == "__main__":
    main()
