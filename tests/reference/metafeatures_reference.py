#!/usr/bin/python3
"""Reference values for tests/metafeatures/test_metafeatures.cpp, from numpy/scipy/scikit-learn.

Each meta-feature is recomputed from its documented definition with numpy/scipy (independently
of the C++ code); the information-theoretic ones with pymfe 0.4.4's formulas (its discretisation
and smoothed tables; tests/reference/pymfe_reference.py compares with pymfe itself on real data). Run with Debian's python3
(numpy, scipy, scikit-learn 1.2):  /usr/bin/python3 tests/reference/metafeatures_reference.py
and paste the printed values into the test.
"""
import numpy as np
import scipy.stats as st

x1 = [1.0, 2.5, 3.1, 4.7, 5.2, 6.8, 7.3, 8.9, 9.4, 10.0, 11.6, 12.1]
x2 = [2.3, 1.1, 4.5, 3.3, 6.7, 5.2, 8.8, 7.4, 10.1, 9.9, 12.5, 11.2]
x3 = [0.5, 3.2, 1.7, 8.4, 2.2, 0.9, 5.5, 7.7, 1.3, 4.4, 6.1, 9.8]
c = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 0])
y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
n = len(y)
onehot = np.eye(3)[c]
N = np.column_stack([x1, x2, x3, onehot])
q = N.shape[1]


def p(name, v):
    v = np.atleast_1d(np.asarray(v, dtype=float))
    print(f"{name}: " + ", ".join(f"{x:.15g}" for x in v))


def skew3(a):
    m = len(a)
    return st.skew(a, bias=True) * ((m - 1) / m) ** 1.5


def kurt3(a):
    m = len(a)
    return (st.kurtosis(a, fisher=False, bias=True)) * ((m - 1) / m) ** 2 - 3


num = N[:, :3]
p("skewness(x1,x2,x3)", [skew3(num[:, j]) for j in range(3)])
p("kurtosis(x1,x2,x3)", [kurt3(num[:, j]) for j in range(3)])
p("t_mean", st.trim_mean(N, 0.2, axis=0))
p("mad", 1.4826 * np.median(np.abs(N - np.median(N, axis=0)), axis=0))
p("iq_range", st.iqr(N, axis=0))
p("g_mean(x1..x3)", st.gmean(num, axis=0))
p("h_mean(x1..x3)", st.hmean(num, axis=0))
p("sd", N.std(axis=0, ddof=1))
cor = np.abs(np.corrcoef(N, rowvar=False))[np.triu_indices(q, 1)]
p("cor.mean", np.mean(cor))
p("nr_cor_attr", np.mean(cor >= 0.5))
cov = np.abs(np.cov(N, rowvar=False))[np.triu_indices(q, 1)]
p("cov.mean", np.mean(cov))
p("eigenvalues", np.linalg.eigvalsh(np.cov(N, rowvar=False)))
p("shapiro p (x1,x2,x3)", [st.shapiro(num[:, j]).pvalue for j in range(3)])
p("nr_norm", sum(st.shapiro(N[:, j]).pvalue > 0.05 for j in range(q)))
for m in (3, 4, 5, 7, 11, 20, 50):
    a = np.array([np.sin(1.7 * i) * (1 + 0.1 * i) + 0.05 * i * i for i in range(m)])
    p(f"shapiro_p n={m}", st.shapiro(a).pvalue)
lo, hi = np.percentile(N, [25, 75], axis=0)
w = 1.5 * (hi - lo)
p("nr_outliers", np.sum((N.min(axis=0) < lo - w) | (N.max(axis=0) > hi + w)))

# Canonical discriminant analysis via W^-1 B on the numeric columns plus two one-hot columns
# (dropping one one-hot column removes the exact collinearity; canonical correlations are
# unchanged because the column space is the same).
Z = np.column_stack([num, onehot[:, :2]])
mu = Z.mean(axis=0)
W = np.zeros((Z.shape[1],) * 2)
B = np.zeros_like(W)
for k in range(3):
    Zk = Z[y == k]
    d = Zk - Zk.mean(axis=0)
    W += d.T @ d
    e = (Zk.mean(axis=0) - mu)[:, None]
    B += len(Zk) * e @ e.T
lam = np.sort(np.real(np.linalg.eigvals(np.linalg.solve(W, B))))[::-1][:2]
rho = np.sqrt(lam / (1 + lam))
p("can_cor", rho)
p("w_lambda", np.prod(1 / (1 + lam)))
p("p_trace", np.sum(rho ** 2))
p("lh_trace", np.sum(lam))
p("roy_root", lam[0])

# gravity: most frequent class 0 (4, tie broken by smallest code), least frequent other class 1
p("gravity", np.linalg.norm(N[y == 0].mean(axis=0) - N[y == 1].mean(axis=0)))

# Textbook SD ratio (Box's M) on the numeric attributes.
S_i = [np.cov(num[y == k], rowvar=False) for k in range(3)]
n_i = np.array([np.sum(y == k) for k in range(3)])
K = 3
pp = 3
S = sum((n_i[k] - 1) * S_i[k] for k in range(K)) / (n - K)
gamma = 1 - (2 * pp ** 2 + 3 * pp - 1) / (6 * (pp + 1) * (K - 1)) * (np.sum(1 / (n_i - 1)) - 1 / (n - K))
M = gamma * sum((n_i[k] - 1) * np.log(np.linalg.det(S) / np.linalg.det(S_i[k])) for k in range(K))
p("sd_ratio", np.exp(M / (pp * np.sum(n_i - 1))))

# sparsity on the raw attributes (x1, x2, x3, c)
raw = np.column_stack([x1, x2, x3, c])
p("sparsity", [(n / len(np.unique(raw[:, j])) - 1) / (n - 1) for j in range(4)])


# Information theory as pymfe 0.4.4 computes it: int(12 ** (1/3)) = 2 equal-frequency bins closed
# on the right (digitize(x, quantiles at 1/2 and 1, right=True)); joint entropy and concentration
# on pd.crosstab(..., normalize=True) + 1e-8 (the values present only).
def H(*cols):
    _, counts = np.unique(np.column_stack(cols), axis=0, return_counts=True)
    pr = counts / counts.sum()
    return -np.sum(pr * np.log2(pr))


def table(a, b):
    """Frequencies of (a, b) over the values present, plus 1e-8 per cell."""
    ra, rb = np.unique(a), np.unique(b)
    t = np.array([[np.sum((a == u) & (b == v)) for v in rb] for u in ra], dtype=float)
    return t / t.sum() + 1e-8


def joint(a, b):
    t = table(b, a)
    return -np.sum(t * np.log2(t))


disc = np.column_stack([np.digitize(num[:, j], np.quantile(num[:, j], [0.5, 1.0]), right=True) for j in range(3)])
D = np.column_stack([disc, c])
ha = np.array([H(D[:, j]) for j in range(4)])
hy = H(y)
hj = np.array([joint(D[:, j], y) for j in range(4)])
mi = ha + hy - hj
p("attr_ent", ha)
p("class_ent", hy)
p("joint_ent", hj)
p("mut_inf", mi)
p("eq_num_attr", hy / mi.mean())
p("ns_ratio", (ha.mean() - mi.mean()) / mi.mean())


def conc(pred, targ):
    # Goodman-Kruskal tau of pred predicting targ, on the smoothed table of (targ, pred)
    t = table(targ, pred)
    col = t.sum(axis=0)
    row2 = np.sum(t.sum(axis=1) ** 2)
    return (np.sum(t ** 2 / col) - row2) / (1 - row2)


p("class_conc", [conc(y, D[:, j]) for j in range(4)])
p("attr_conc.mean", np.mean([conc(D[:, b], D[:, a]) for a in range(4) for b in range(4) if a != b]))

p("skewness(x1,x2,x3)", [skew3(num[:, j]) for j in range(3)])
p("kurtosis(x1,x2,x3)", [kurt3(num[:, j]) for j in range(3)])
p("t_mean", st.trim_mean(N, 0.2, axis=0))
p("mad", 1.4826 * np.median(np.abs(N - np.median(N, axis=0)), axis=0))
p("iq_range", st.iqr(N, axis=0))
p("g_mean(x1..x3)", st.gmean(num, axis=0))
p("h_mean(x1..x3)", st.hmean(num, axis=0))
p("sd", N.std(axis=0, ddof=1))
cor = np.abs(np.corrcoef(N, rowvar=False))[np.triu_indices(q, 1)]
p("cor.mean", np.mean(cor))
p("nr_cor_attr", np.mean(cor >= 0.5))
cov = np.abs(np.cov(N, rowvar=False))[np.triu_indices(q, 1)]
p("cov.mean", np.mean(cov))
p("eigenvalues", np.linalg.eigvalsh(np.cov(N, rowvar=False)))
p("shapiro p (x1,x2,x3)", [st.shapiro(num[:, j]).pvalue for j in range(3)])
p("nr_norm", sum(st.shapiro(N[:, j]).pvalue > 0.05 for j in range(q)))
for m in (3, 4, 5, 7, 11, 20, 50):
    a = np.array([np.sin(1.7 * i) * (1 + 0.1 * i) + 0.05 * i * i for i in range(m)])
    p(f"shapiro_p n={m}", st.shapiro(a).pvalue)
lo, hi = np.percentile(N, [25, 75], axis=0)
w = 1.5 * (hi - lo)
p("nr_outliers", np.sum((N.min(axis=0) < lo - w) | (N.max(axis=0) > hi + w)))

# Canonical discriminant analysis via W^-1 B on the numeric columns plus two one-hot columns
# (dropping one one-hot column removes the exact collinearity; canonical correlations are
# unchanged because the column space is the same).
Z = np.column_stack([num, onehot[:, :2]])
mu = Z.mean(axis=0)
W = np.zeros((Z.shape[1],) * 2)
B = np.zeros_like(W)
for k in range(3):
    Zk = Z[y == k]
    d = Zk - Zk.mean(axis=0)
    W += d.T @ d
    e = (Zk.mean(axis=0) - mu)[:, None]
    B += len(Zk) * e @ e.T
lam = np.sort(np.real(np.linalg.eigvals(np.linalg.solve(W, B))))[::-1][:2]
rho = np.sqrt(lam / (1 + lam))
p("can_cor", rho)
p("w_lambda", np.prod(1 / (1 + lam)))
p("p_trace", np.sum(rho ** 2))
p("lh_trace", np.sum(lam))
p("roy_root", lam[0])

# gravity: most frequent class 0 (4, tie broken by smallest code), least frequent other class 1
p("gravity", np.linalg.norm(N[y == 0].mean(axis=0) - N[y == 1].mean(axis=0)))

# Textbook SD ratio (Box's M) on the numeric attributes.
S_i = [np.cov(num[y == k], rowvar=False) for k in range(3)]
n_i = np.array([np.sum(y == k) for k in range(3)])
K = 3
pp = 3
S = sum((n_i[k] - 1) * S_i[k] for k in range(K)) / (n - K)
gamma = 1 - (2 * pp ** 2 + 3 * pp - 1) / (6 * (pp + 1) * (K - 1)) * (np.sum(1 / (n_i - 1)) - 1 / (n - K))
M = gamma * sum((n_i[k] - 1) * np.log(np.linalg.det(S) / np.linalg.det(S_i[k])) for k in range(K))
p("sd_ratio", np.exp(M / (pp * np.sum(n_i - 1))))

# sparsity on the raw attributes (x1, x2, x3, c)
raw = np.column_stack([x1, x2, x3, c])
p("sparsity", [(n / len(np.unique(raw[:, j])) - 1) / (n - 1) for j in range(4)])


# Information theory: floor(12^(1/3)) = 2 equal-frequency bins.
def H(*cols):
    _, counts = np.unique(np.column_stack(cols), axis=0, return_counts=True)
    pr = counts / counts.sum()
    return -np.sum(pr * np.log2(pr))


kb = KBinsDiscretizer(n_bins=2, encode="ordinal", strategy="quantile")
D = np.column_stack([kb.fit_transform(num).astype(int), c])
ha = np.array([H(D[:, j]) for j in range(4)])
hy = H(y)
hj = np.array([H(D[:, j], y) for j in range(4)])
mi = ha + hy - hj
p("attr_ent", ha)
p("class_ent", hy)
p("joint_ent", hj)
p("mut_inf", mi)
p("eq_num_attr", hy / mi.mean())
p("ns_ratio", (ha.mean() - mi.mean()) / mi.mean())


def conc(pred, targ):
    # Goodman-Kruskal tau of pred predicting targ
    t = np.zeros((pred.max() + 1, targ.max() + 1))
    for a, b in zip(pred, targ):
        t[a, b] += 1
    t /= t.sum()
    rp = t.sum(axis=1)
    ct = t.sum(axis=0)
    num_ = sum(t[i, j] ** 2 / rp[i] for i in range(t.shape[0]) for j in range(t.shape[1]) if rp[i] > 0)
    return (num_ - np.sum(ct ** 2)) / (1 - np.sum(ct ** 2))


p("class_conc", [conc(y, D[:, j]) for j in range(4)])
p("attr_conc.mean", np.mean([conc(D[:, b], D[:, a]) for a in range(4) for b in range(4) if a != b]))

# auto-sklearn conventions: scipy biased skewness / Fisher kurtosis of standardised columns.
p("scipy skew (x1,x2,x3)", st.skew(num, axis=0))
p("scipy kurtosis (x1,x2,x3)", st.kurtosis(num, axis=0))
p("ClassEntropy", st.entropy([4, 4, 4], base=2))

# Summaries of v = [3, 1, 4, 1, 5, 9, 2, 6]
v = np.array([3, 1, 4, 1, 5, 9, 2, 6], dtype=float)
p("summary quantiles", np.percentile(v, [0, 25, 50, 75, 100]))
p("summary sd", v.std(ddof=1))
p("summary skewness", skew3(v))
p("summary kurtosis", kurt3(v))
p("summary histogram", np.histogram(v, bins=10)[0] / len(v))

# auto-sklearn PCA features on the numeric columns only (standardised as auto-sklearn's
# preprocessing does; row order does not matter).
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
Xs = StandardScaler().fit_transform(num)
pca = PCA().fit(Xs)
s, idx = 0.0, 0
while s < 0.95 and idx < len(pca.explained_variance_ratio_):
    s += pca.explained_variance_ratio_[idx]
    idx += 1
p("PCAFractionOfComponentsFor95PercentVariance", idx / Xs.shape[1])
t = pca.transform(Xs)[:, 0]
p("PCAKurtosisFirstPC", st.kurtosis(t))
p("PCASkewnessFirstPC", st.skew(t))
