#!/usr/bin/python3
"""Reference fold scores for tests/hpo/test_cross_validate.cpp, computed with scikit-learn 1.2.

Gaussian naive Bayes (default var_smoothing) after preprocessing fitted on each training fold:
numeric columns median-imputed then standardised (population sd), nominal columns imputed with
the most frequent code then one-hot encoded over the declared categories. Folds are fixed so
that both sides use the same rows: fold f tests rows i with i % 3 == f and trains on the rest.

Run from the repository root after scripts/get-datasets:
    /usr/bin/python3 tests/reference/hpo_cross_validate.py
"""
import numpy as np
from scipy.io import arff
from sklearn import metrics
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def load(path):
    data, meta = arff.loadarff(path)
    names = meta.names()
    target = names[-1]
    cols, nominal, categories = [], [], []
    for name in names[:-1]:
        kind, values = meta[name]
        if kind == "nominal":
            codes = np.array([values.index(v.decode()) if v != b"?" else np.nan for v in data[name]], dtype=float)
            cols.append(codes)
            nominal.append(True)
            categories.append(list(range(len(values))))
        else:
            cols.append(data[name].astype(float))
            nominal.append(False)
    classes = meta[target][1]
    y = np.array([classes.index(v.decode()) for v in data[target]])
    return np.column_stack(cols), y, np.array(nominal), categories


def run(path):
    X, y, nominal, categories = load(path)
    num = np.flatnonzero(~nominal)
    cat = np.flatnonzero(nominal)
    transformers = [("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), num)]
    if len(cat):
        transformers.append(("cat", Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                                              ("onehot", OneHotEncoder(categories=categories, handle_unknown="ignore"))]),
                             cat))
    pipe = Pipeline([("prep", ColumnTransformer(transformers)), ("nb", GaussianNB())])
    rows = np.arange(len(y))
    out = {"balanced_accuracy": [], "log_loss": [], "roc_auc": []}
    for f in range(3):
        test, train = rows[rows % 3 == f], rows[rows % 3 != f]
        pipe.fit(X[train], y[train])
        proba = pipe.predict_proba(X[test])
        out["balanced_accuracy"].append(metrics.balanced_accuracy_score(y[test], proba.argmax(axis=1)))
        out["log_loss"].append(metrics.log_loss(y[test], proba, labels=[0, 1]))
        out["roc_auc"].append(metrics.roc_auc_score(y[test], proba[:, 1]))
    print(path)
    for k, v in out.items():
        print(f"  {k}: {{{', '.join(repr(x) for x in v)}}}")


run("data/weka/labor.arff")
run("data/weka/diabetes.arff")
