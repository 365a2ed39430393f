#!/usr/bin/python3
"""Cross-check of the ARFF reader against scipy.io.arff (Debian's python3-scipy).

For every ARFF file under <data>/weka and <data>/openml, prints
`file,rows,features,nominal,missing` as metalearn's reader defines them (the class is the last
attribute; rows with a missing class are dropped; missing cells counted in the features only).
Compare with the same columns of `list_datasets <data> --format csv`:

    /usr/bin/python3 tests/data/reference_arff_counts.py data > ref.csv
    build/tools/examples/list_datasets data --format csv | awk -F, 'NR>1{print $1","$2","$3","$4","$6}' | grep arff

scipy cannot read weka/soybean.arff (it does not accept the space after a comma in a nominal
declaration); every other file gives the same numbers.
"""
import glob
import gzip
import io
import os
import sys

import numpy as np
from scipy.io import arff

root = sys.argv[1] if len(sys.argv) > 1 else "data"
os.chdir(root)
for f in sorted(glob.glob("weka/*.arff")) + sorted(glob.glob("openml/*.arff.gz")):
    try:
        text = gzip.open(f, "rt").read() if f.endswith(".gz") else open(f).read()
        data, meta = arff.loadarff(io.StringIO(text))
        names = meta.names()
        target = names[-1]
        keep = np.ones(len(data), bool)
        if meta[target][0] == "nominal":
            keep = np.array([v != b"?" for v in data[target]])
        missing = 0
        nominal = 0
        for n in names[:-1]:
            col = data[n][keep]
            if meta[n][0] == "nominal":
                nominal += 1
                missing += sum(1 for v in col if v == b"?")
            else:
                missing += int(np.isnan(col).sum())
        print(f"{f},{keep.sum()},{len(names) - 1},{nominal},{missing}")
    except Exception as e:  # report, do not hide
        print(f"{f},ERROR {type(e).__name__}: {str(e)[:80]}")
