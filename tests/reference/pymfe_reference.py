#!/usr/bin/python3
"""pymfe's meta-features of real datasets, the reference of tests/metafeatures/test_pymfe_fidelity.cpp.

Regenerate (pymfe 0.4.4, tag 0.4.4 = commit 550648533ffed791cc52682c2e1ee447ca142160 of
ealcobaca/pymfe on GitHub, unpacked to a folder; Debian 12's python3-numpy 1.24, -scipy 1.10,
-sklearn 1.2, -pandas, -patsy, -texttable, -igraph; the data from scripts/get-datasets and the
PMLB folder):

    /usr/bin/python3 tests/reference/pymfe_reference.py --pymfe-src /path/to/pymfe-0.4.4

pymfe is imported from --pymfe-src (nothing of it is copied here). Only its complexity group
imports `gower`, which Debian does not package: an empty stub module is put on sys.path.

The call is pymfe's default: MFE() with groups "default" (general, statistical, info-theory,
landmarking, model-based), summaries ("mean", "sd"); fit() with its defaults transform_num=True
(numeric attributes into int(n ** (1/3)) equal-frequency bins for the info-theory group),
transform_cat="gray" (nominal attributes as a patsy model matrix "~ 0 + C0 + C1 + ...": every
level of the first nominal attribute, the levels but the first of each other one),
cat_cols="auto" (string columns are nominal), check_bool=False. One departure: random_state=0
(the default None draws attr_conc's attribute sample and the trees' tie-breaking from an unseeded
generator, so the values would change from run to run); metalearn's seed 0 stands for it.

The data are given to pymfe as metalearn reads them: ARFF nominal attributes and PMLB categorical
features as strings (their category names), the others as floats, the class as strings. pymfe
does not handle missing values (its "gray" encoding refuses them), so missing cells are imputed
first exactly as metalearn's extraction does (`metafeatures::detail::Context::X()`): numeric
with the column median, nominal with the most frequent category (ties: the first declared).

The landmarking group is left out of the run: each group seeds its own generator, so the others'
values are those of the full default call.

Output: a JSON object {dataset: {name: value}} with the non-landmarking values (landmarking
depends on the cross-validation folds and is compared by benchmarks/compare_pymfe.py only);
NaN is written as null.
"""
import argparse
import gzip
import io
import json
import os
import sys
import types
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))

# (name, path relative to the data folder or "pmlb:<name>"); numeric and nominal attributes,
# with and without missing values.
DATASETS = [
    ("iris", "weka/iris.arff"),
    ("labor", "weka/labor.arff"),
    ("credit-g", "weka/credit-g.arff"),
    ("vote", "weka/vote.arff"),
    ("breast-cancer", "weka/breast-cancer.arff"),
    ("diabetes", "weka/diabetes.arff"),
    ("glass", "weka/glass.arff"),
    ("segment", "weka/segment-challenge.arff"),
    ("breast_cancer", "sklearn/breast_cancer.csv"),
    ("digits", "sklearn/digits.csv.gz"),
    ("churn", "pmlb:churn"),
    ("splice", "pmlb:splice"),
    ("soybean", "weka/soybean.arff"),
    ("ionosphere", "weka/ionosphere.arff"),
    ("kr_vs_kp", "pmlb:kr_vs_kp"),
    ("flags", "pmlb:flags"),
]

NON_LANDMARKING = ("general", "statistical", "info-theory", "model-based")


def import_pymfe(src):
    """Import pymfe from its source folder (a stub `gower` keeps the import working)."""
    if "gower" not in sys.modules:
        sys.modules["gower"] = types.ModuleType("gower")
    sys.path.insert(0, os.path.abspath(src))
    import pymfe  # noqa: E402
    from pymfe.mfe import MFE  # noqa: E402

    return pymfe, MFE


def _read_arff(path):
    """(columns, nominal flags, class column) of an ARFF file; nominal cells as str, '?' as None."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        text = f.read()
    attrs, data_lines, in_data = [], [], False
    import shlex

    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("%"):
            continue
        if in_data:
            data_lines.append(s)
            continue
        low = s.lower()
        if low.startswith("@attribute"):
            rest = s[len("@attribute"):].strip()
            if rest.startswith("'") or rest.startswith('"'):
                q = rest[0]
                end = rest.index(q, 1)
                name, typ = rest[1:end], rest[end + 1:].strip()
            else:
                name, typ = rest.split(None, 1)
            if typ.startswith("{"):
                body = typ[1:typ.rindex("}")]
                lex = shlex.shlex(body, posix=True)
                lex.whitespace = ","
                lex.whitespace_split = True
                cats = [c.strip() for c in lex]
                attrs.append((name, cats))
            else:
                attrs.append((name, None))
        elif low.startswith("@data"):
            in_data = True
    rows = []
    for s in data_lines:
        lex = shlex.shlex(s, posix=True)
        lex.whitespace = ","
        lex.whitespace_split = True
        rows.append([c.strip() for c in lex])
    cols = []
    for j, (name, cats) in enumerate(attrs):
        raw = [r[j] for r in rows]
        if cats is None:
            cols.append(np.array([np.nan if v == "?" else float(v) for v in raw]))
        else:
            cols.append(([None if v == "?" else v for v in raw], cats))
    return [a[0] for a in attrs], cols


def load(data_dir, pmlb_dir, spec):
    """(X as a list of columns: float arrays or (list of str, categories), y as str array)."""
    if spec.startswith("pmlb:"):
        import pandas as pd

        name = spec[5:]
        folder = os.path.join(pmlb_dir, name)
        df = pd.read_csv(os.path.join(folder, name + ".tsv.gz"), sep="\t")
        cat = set()
        meta = os.path.join(folder, "metadata.yaml")
        if os.path.exists(meta):
            cur = None
            for line in open(meta, encoding="utf-8"):
                s = line.strip()
                if s.startswith("- name:"):
                    cur = s.split(":", 1)[1].strip()
                elif s.startswith("type:") and cur is not None:
                    if s.split(":", 1)[1].strip() in ("categorical", "nominal"):
                        cat.add(cur)
        y = df["target"].astype(str).to_numpy()
        cols = []
        for c in df.columns:
            if c == "target":
                continue
            if c in cat:
                vals = [_num_name(v) for v in df[c].tolist()]
                cats = sorted(set(vals), key=float)
                cols.append((vals, cats))
            else:
                cols.append(df[c].to_numpy(dtype=float))
        return cols, y
    path = os.path.join(data_dir, spec)
    if ".arff" in spec:
        _, cols = _read_arff(path)
        yvals, _ = cols[-1]
        return cols[:-1], np.array(yvals, dtype=object).astype(str)
    # scikit-learn's bundled CSV, the class last; some (breast_cancer.csv) start with a line
    # "n,p,class names..." shorter than the data rows, others (digits.csv.gz) do not.
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        lines = f.read().splitlines()
    if len(lines) > 1 and len(lines[0].split(",")) != len(lines[1].split(",")):
        lines = lines[1:]
    a = np.loadtxt(lines, delimiter=",")
    y = np.array([_num_name(v) for v in a[:, -1]])
    return [a[:, j] for j in range(a.shape[1] - 1)], y


def _num_name(v):
    """A numeric category written as metalearn's readers name it (3.0 -> "3")."""
    f = float(v)
    return str(int(f)) if f == int(f) else repr(f)


def impute(cols):
    """Missing cells imputed as metalearn's extraction does; returns an object matrix for pymfe."""
    out = []
    for c in cols:
        if isinstance(c, tuple):
            vals, cats = c
            counts = {k: 0 for k in cats}
            for v in vals:
                if v is not None:
                    counts[v] = counts.get(v, 0) + 1
            best = max(cats, key=lambda k: (counts[k], -cats.index(k))) if cats else ""
            out.append(np.array([best if v is None else v for v in vals], dtype=object))
        else:
            x = np.asarray(c, dtype=float)
            if np.isnan(x).any():
                x = np.where(np.isnan(x), np.median(x[~np.isnan(x)]), x)
            out.append(x.astype(object))
    return np.column_stack(out)


def run_pymfe(MFE, X, y, groups="default", random_state=0):
    """pymfe's default extraction (see the module docstring); returns {name: float or None}."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mfe = MFE(groups=groups, random_state=random_state)
        mfe.fit(X, y, suppress_warnings=True)
        names, values = mfe.extract(suppress_warnings=True)
    return {n: (None if v is None or not np.isfinite(float(v)) else float(v)) for n, v in zip(names, values)}


def group_of(MFE, names):
    """{name: group} for the names pymfe produced (from the per-group feature lists)."""
    from pymfe import _internal

    base_to_group = {}
    for g in NON_LANDMARKING + ("landmarking",):
        for b in MFE.valid_metafeatures(groups=[g]):
            base_to_group[b] = g
    return {n: base_to_group.get(n.split(".")[0], "?") for n in names}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pymfe-src", required=True, help="folder holding pymfe's source (the one with pymfe/)")
    ap.add_argument("--data-dir", default=os.path.join(REPO, "data"))
    ap.add_argument("--pmlb-dir", default=os.path.join(REPO, "..", "shared", "datasets", "pmlb"))
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "metafeatures", "data", "pymfe_reference.json"))
    ap.add_argument("--datasets", nargs="*", help="only these names")
    args = ap.parse_args()
    pymfe, MFE = import_pymfe(args.pymfe_src)
    result = {
        "_about": "pymfe %s (tag 0.4.4), default MFE().fit(X, y) call with random_state=0, "
        "non-landmarking values; regenerate with tests/reference/pymfe_reference.py" % pymfe.__version__
    }
    for name, spec in DATASETS:
        if args.datasets and name not in args.datasets:
            continue
        cols, y = load(args.data_dir, args.pmlb_dir, spec)
        X = impute(cols)
        vals = run_pymfe(MFE, X, y, groups=list(NON_LANDMARKING))
        result[name] = {"file": spec, "values": dict(sorted(vals.items()))}
        print(f"{name}: {len(vals)} values", file=sys.stderr)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()
