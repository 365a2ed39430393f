"""Reference accuracies of scikit-learn's MLPClassifier / MLPRegressor for tests/fewshot/test_mlp.cpp.

Protocol (mirrored in the test): rows i % 3 == 0 are the test set, the others the training set;
features standardised with the training mean and (population) standard deviation; default
hyperparameters except where noted. Prints the accuracy / R² over 5 seeds (min, mean).
Run with a Python that has scikit-learn 1.2: python3 tests/reference/mlp_reference.py
"""
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

warnings.simplefilter("ignore", ConvergenceWarning)


def split(X, y):
    idx = np.arange(len(y))
    te, tr = idx % 3 == 0, idx % 3 != 0
    mu, sd = X[tr].mean(0), X[tr].std(0)
    sd[sd == 0] = 1
    return (X[tr] - mu) / sd, y[tr], (X[te] - mu) / sd, y[te]


for name, loader in [("iris", load_iris), ("breast_cancer", load_breast_cancer)]:
    Xtr, ytr, Xte, yte = split(*loader(return_X_y=True))
    accs = [MLPClassifier(random_state=s).fit(Xtr, ytr).score(Xte, yte) for s in range(5)]
    print(f"{name}: MLPClassifier() test accuracy min {min(accs):.4f} mean {np.mean(accs):.4f}")

# y = sin(2x) on [-2, 2], 200 training points on a grid, test on the midpoints.
x = np.linspace(-2, 2, 200)[:, None]
xt = (x[:-1] + x[1:]) / 2
for units in (10, 100):
    r2 = [MLPRegressor(hidden_layer_sizes=(units,), max_iter=2000, random_state=s).fit(x, np.sin(2 * x[:, 0]))
          .score(xt, np.sin(2 * xt[:, 0])) for s in range(5)]
    print(f"sin(2x): MLPRegressor(({units},), max_iter=2000) test R2 min {min(r2):.4f} mean {np.mean(r2):.4f}")

# Early stopping (validation_fraction 0.1, n_iter_no_change 10) on breast_cancer.
Xtr, ytr, Xte, yte = split(*load_breast_cancer(return_X_y=True))
runs = [MLPClassifier(early_stopping=True, random_state=s).fit(Xtr, ytr) for s in range(5)]
accs = [m.score(Xte, yte) for m in runs]
print(f"breast_cancer: MLPClassifier(early_stopping=True) test accuracy min {min(accs):.4f} "
      f"mean {np.mean(accs):.4f}, epochs {[m.n_iter_ for m in runs]}")
