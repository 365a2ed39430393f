#!/usr/bin/python3
"""Reference values for the Preprocessor test, computed with scikit-learn 1.2 (Debian's
/usr/bin/python3).

Data: weka/labor.arff (57 rows, 8 numeric + 8 nominal features, 326 missing cells). Fit on the
first 40 rows, transform the last 17. scikit-learn pipeline equivalent to
Preprocessor({.impute = true, .one_hot = true, .standardize = true}):
  numeric: SimpleImputer(median) -> StandardScaler
  nominal: category codes (declared order) -> SimpleImputer(most_frequent; ties -> smallest
           code) -> OneHotEncoder(all declared categories)
Output columns are put back in metalearn's order (each feature in place, indicators expanded).
Prints the transformed test matrix's column sums and its first row, as C++ initialisers.
usage: /usr/bin/python3 tests/data/reference_preprocess.py data/weka/labor.arff
"""
import sys

import numpy as np
from scipy.io import arff
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

data, meta = arff.loadarff(sys.argv[1] if len(sys.argv) > 1 else "data/weka/labor.arff")
names = meta.names()[:-1]
train, test = slice(0, 40), slice(40, None)
blocks = []
for n in names:
    kind, cats = meta[n]
    if kind == "nominal":
        codes = np.array([np.nan if v == b"?" else cats.index(v.decode()) for v in data[n]], float).reshape(-1, 1)
        imp = SimpleImputer(strategy="most_frequent").fit(codes[train])
        enc = OneHotEncoder(categories=[list(range(len(cats)))], handle_unknown="ignore").fit(
            imp.transform(codes[train]))
        blocks.append(enc.transform(imp.transform(codes[test])).toarray())
    else:
        col = np.asarray(data[n], float).reshape(-1, 1)
        imp = SimpleImputer(strategy="median").fit(col[train])
        sc = StandardScaler().fit(imp.transform(col[train]))
        blocks.append(sc.transform(imp.transform(col[test])))
Z = np.hstack(blocks)
fmt = lambda v: ", ".join(repr(float(x)) for x in v)
print(f"// {Z.shape[0]} x {Z.shape[1]}")
print("column sums:", fmt(Z.sum(axis=0)))
print("first row:", fmt(Z[0]))
