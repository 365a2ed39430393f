#!/usr/bin/python3
"""Reference values for tests/hpo/test_metrics.cpp, computed with scikit-learn 1.2.

Run with the Debian python (which has scikit-learn): /usr/bin/python3 tests/reference/hpo_metrics.py
The arrays below are copied verbatim in the C++ test; the printed values are pasted there.
"""
import numpy as np
from sklearn import metrics

np.set_printoptions(precision=17)


def show(name, value):
    print(f"{name} = {value!r}")


# --- binary, with tied scores across classes
y_bin = np.array([0, 1, 1, 0, 1, 0, 1, 1, 0, 0])
p1 = np.array([0.1, 0.8, 0.8, 0.3, 0.6, 0.6, 0.9, 0.4, 0.2, 0.8])
P_bin = np.column_stack([1 - p1, p1])
pred_bin = P_bin.argmax(axis=1)
show("binary accuracy", metrics.accuracy_score(y_bin, pred_bin))
show("binary balanced_accuracy", metrics.balanced_accuracy_score(y_bin, pred_bin))
show("binary log_loss", metrics.log_loss(y_bin, P_bin, labels=[0, 1]))
show("binary roc_auc", metrics.roc_auc_score(y_bin, p1))

# --- three classes, a zero probability on a true class (clipping), ties
y_3 = np.array([0, 1, 2, 2, 1, 0, 0, 2, 1, 1, 2, 0])
P_3 = np.array([
    [0.7, 0.2, 0.1],
    [0.1, 0.6, 0.3],
    [0.2, 0.2, 0.6],
    [0.3, 0.4, 0.3],
    [0.5, 0.0, 0.5],
    [0.4, 0.4, 0.2],
    [0.6, 0.3, 0.1],
    [0.1, 0.1, 0.8],
    [0.2, 0.5, 0.3],
    [0.3, 0.3, 0.4],
    [0.25, 0.25, 0.5],
    [0.2, 0.6, 0.2],
])
pred_3 = P_3.argmax(axis=1)
show("3-class accuracy", metrics.accuracy_score(y_3, pred_3))
show("3-class balanced_accuracy", metrics.balanced_accuracy_score(y_3, pred_3))
show("3-class log_loss", metrics.log_loss(y_3, P_3, labels=[0, 1, 2]))
show("3-class roc_auc ovr macro", metrics.roc_auc_score(y_3, P_3, multi_class="ovr", average="macro", labels=[0, 1, 2]))

# --- four declared classes, class 3 absent from y_true but predicted once
y_4 = np.array([0, 1, 2, 0, 1, 2, 0, 1])
P_4 = np.array([
    [0.6, 0.1, 0.1, 0.2],
    [0.1, 0.5, 0.2, 0.2],
    [0.1, 0.1, 0.2, 0.6],
    [0.4, 0.3, 0.2, 0.1],
    [0.3, 0.3, 0.3, 0.1],
    [0.2, 0.2, 0.5, 0.1],
    [0.1, 0.6, 0.2, 0.1],
    [0.2, 0.4, 0.3, 0.1],
])
pred_4 = P_4.argmax(axis=1)
show("4-class (absent class) balanced_accuracy", metrics.balanced_accuracy_score(y_4, pred_4))
show("4-class (absent class) log_loss", metrics.log_loss(y_4, P_4, labels=[0, 1, 2, 3]))
# sklearn refuses multiclass AUC when a declared class is absent; metalearn averages the
# one-vs-rest AUCs of the classes present, computed here with the binary sklearn function.
show("4-class (absent class) roc_auc, mean OvR over present classes",
     np.mean([metrics.roc_auc_score(y_4 == c, P_4[:, c]) for c in (0, 1, 2)]))

# --- regression
y_r = np.array([3.0, -0.5, 2.0, 7.0, 4.2, 1.1, 0.0, 5.5])
f_r = np.array([2.5, 0.0, 2.1, 7.8, 3.9, 1.0, -0.3, 6.0])
show("regression rmse", metrics.mean_squared_error(y_r, f_r, squared=False))
show("regression mae", metrics.mean_absolute_error(y_r, f_r))
show("regression r2", metrics.r2_score(y_r, f_r))
show("r2 constant y_true, imperfect", metrics.r2_score([2.0, 2.0, 2.0], [2.0, 2.5, 2.0]))
show("r2 constant y_true, perfect", metrics.r2_score([2.0, 2.0, 2.0], [2.0, 2.0, 2.0]))
