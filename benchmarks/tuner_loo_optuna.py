#!/usr/bin/env python3
"""Optuna's TPE sampler on the lookup tables of tuner_loo, and the combined table.

    tuner_loo --records JOURNAL --model M --out results.json
    python3 benchmarks/tuner_loo_optuna.py results.json [--seeds S] [--startup 10]

For every task and seed of results.json, a TPE study (Debian's python3-optuna; TPESampler with
the given seed, its default settings otherwise, n_startup_trials as given) runs on the model's
search space; each suggestion is snapped to the nearest plan configuration not yet tried
(Euclidean distance in the library's encoding: numeric dimensions scaled to [0, 1], log
dimensions in log scale, categoricals one-hot), which is scored from the table and told to TPE
as a complete trial with the snapped parameters (the suggestion itself is told failed, so TPE
models only configurations that were evaluated). A configuration that failed in the journal is
told failed and counts as the task's worst. Regret is normalised within the task as in
tuner_loo; ranks are recomputed per task, seed and budget among all strategies, TPE included.
Prints the table, TPE's CPU time per ask and the load average.
"""
import argparse
import json
import math
import os
import resource
import time

import numpy as np
import optuna


def distributions(space):
    out = {}
    for d in space:
        kind = d["kind"]
        if kind == "categorical":
            out[d["name"]] = optuna.distributions.CategoricalDistribution(d["labels"])
        elif kind in ("int_uniform", "int_log_uniform"):
            out[d["name"]] = optuna.distributions.IntDistribution(int(d["lo"]), int(d["hi"]), log=kind == "int_log_uniform")
        else:
            out[d["name"]] = optuna.distributions.FloatDistribution(d["lo"], d["hi"], log=kind == "log_uniform")
    return out


def label_of(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode(space, values):
    z = []
    for d in space:
        v = values[d["name"]]
        if d["kind"] == "categorical":
            z.extend(1.0 if label_of(v) == label_of(lab) else 0.0 for lab in d["labels"])
        elif d["kind"] in ("log_uniform", "int_log_uniform"):
            z.append((math.log(v) - math.log(d["lo"])) / (math.log(d["hi"]) - math.log(d["lo"])))
        else:
            z.append((v - d["lo"]) / (d["hi"] - d["lo"]) if d["hi"] > d["lo"] else 0.0)
    return np.array(z)


def optuna_params(space, config):
    """A plan configuration as the values Optuna's distributions accept."""
    out = {}
    for d in space:
        v = config[d["name"]]
        if d["kind"] == "categorical":
            out[d["name"]] = next(lab for lab in d["labels"] if label_of(lab) == label_of(v))
        elif d["kind"] in ("int_uniform", "int_log_uniform"):
            out[d["name"]] = int(v)
        else:
            out[d["name"]] = float(v)
    return out


def tpe_run(space, dists, configs, Z, scores, seed, budget, startup):
    finite = [s for s in scores if s is not None]
    if len(finite) < 2 or max(finite) == min(finite):
        raise SystemExit("tuner_loo_optuna.py: a task whose plan scores all tie (tuner_loo skips them; was the file edited?)")
    best, worst = max(finite), min(finite)
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    tried = np.zeros(len(configs), dtype=bool)
    regrets = []
    for _ in range(min(budget, len(configs))):
        trial = study.ask(dists)
        z = encode(space, trial.params)
        d = np.where(tried, np.inf, ((Z - z) ** 2).sum(axis=1))
        c = int(np.argmin(d))
        tried[c] = True
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
        s = scores[c]
        params = optuna_params(space, configs[c])
        if s is None:
            study.add_trial(optuna.trial.create_trial(params=params, distributions=dists,
                                                      state=optuna.trial.TrialState.FAIL))
            regrets.append(1.0)
        else:
            study.add_trial(optuna.trial.create_trial(params=params, distributions=dists, value=s))
            regrets.append((best - s) / (best - worst))
    return regrets


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", help="JSON written by tuner_loo --out")
    ap.add_argument("--seeds", type=int, default=0, help="seeds 0..S-1 (default: those of results.json)")
    ap.add_argument("--startup", type=int, default=10, help="TPE's n_startup_trials (random trials first)")
    args = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    r = json.load(open(args.results))
    space, configs, budgets = r["space"], r["configs"], r["budgets"]
    if not 0 <= args.seeds <= r["n_seeds"]:
        ap.error(f"--seeds must be between 1 and the {r['n_seeds']} seeds of {args.results} (0: all of them)")
    if args.startup < 0:
        ap.error("--startup must be >= 0")
    n_seeds = args.seeds or r["n_seeds"]
    dists = distributions(space)
    Z = np.array([encode(space, c) for c in configs])
    T, B = len(r["tasks"]), len(budgets)
    tpe = np.zeros((n_seeds, T, B))
    cpu0 = time.process_time()
    asks = 0
    for t, scores in enumerate(r["scores"]):
        for s in range(n_seeds):
            reg = tpe_run(space, dists, configs, Z, scores, s, max(budgets), args.startup)
            asks += len(reg)
            for b, k in enumerate(budgets):
                tpe[s, t, b] = min(reg[: min(k, len(reg))])
    cpu = time.process_time() - cpu0

    names = [g["name"] for g in r["strategies"]] + [f"Optuna TPE (startup {args.startup})"]
    groups = [np.array(g["best_so_far"], dtype=float)[:n_seeds] for g in r["strategies"]] + [tpe]
    vals = np.stack(groups)  # G × seeds × T × B
    mean_regret = vals.mean(axis=(1, 2))
    less = (vals[None, :] < vals[:, None]).sum(axis=1)  # [g, s, t, b]: how many groups are strictly better
    equal = (vals[None, :] == vals[:, None]).sum(axis=1)
    mean_rank = (less + (equal + 1) / 2).mean(axis=(1, 2))
    print(f"model {r['model']}: {T} tasks, plan of {len(configs)} configs, {n_seeds} seeds; Optuna {optuna.__version__}")
    head = "".join(f" {'k=' + str(k):>7}" for k in budgets)
    rank_head = "".join(f" {'k=' + str(k):>6}" for k in budgets)
    print(f"{'mean normalised regret':<30}{head}   mean rank{rank_head}")
    for g, name in enumerate(names):
        row = "".join(f" {v:>7.4f}" for v in mean_regret[g])
        ranks = "".join(f" {v:>6.2f}" for v in mean_rank[g])
        print(f"{name:<30}{row}   {'':>9}{ranks}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nOptuna TPE: {asks} asks in {cpu:.1f} s CPU ({1000 * cpu / max(asks, 1):.2f} ms per ask and tell); "
          f"peak RSS {peak:.0f} MB; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
