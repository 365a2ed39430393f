#!/usr/bin/python3
"""Independent reference for data::content_hash (include/metalearn/data/corpus.hpp).

Recomputes, from the definition in that header, the hash of the small tables pinned in
tests/data/test_corpus.cpp: FNV-1a 64-bit over little-endian 64-bit words; each row hashed
alone (its cells, then its target, as IEEE-754 bits with -0 as +0 and every NaN as one quiet
NaN); the row hashes sorted; then a header (0 = classification / 1 = regression, n, p, K, one
word per feature: 0 = numeric / 1 = nominal) followed by the sorted row hashes.

    /usr/bin/python3 tests/data/reference_content_hash.py
"""
import struct

BASIS = 14695981039346656037
PRIME = 1099511628211
MASK = (1 << 64) - 1


def mix(h, word):
    for b in range(8):
        h = ((h ^ ((word >> (8 * b)) & 0xFF)) * PRIME) & MASK
    return h


def bits(v):
    if v != v:
        v = float("nan")  # 0x7ff8000000000000, the quiet NaN of IEEE-754 binary64
    elif v == 0.0:
        v = 0.0
    return struct.unpack("<Q", struct.pack("<d", v))[0]


def content_hash(X, y, kinds, n_classes, regression=False):
    rows = []
    for xi, yi in zip(X, y):
        h = BASIS
        for v in xi:
            h = mix(h, bits(v))
        rows.append(mix(h, bits(yi)))
    rows.sort()
    h = BASIS
    for word in [1 if regression else 0, len(X), len(kinds), n_classes] + kinds + rows:
        h = mix(h, word)
    return h


if __name__ == "__main__":
    # The table of test_corpus.cpp: x1, x2 numeric; class {a, b} as codes 0, 1.
    X = [[1.5, 2.0], [0.0, -1.0], [3.0, 4.0]]
    y = [0, 1, 0]
    print("table      0x%016x" % content_hash(X, y, [0, 0], 2))
    # A regression table of one numeric feature with a missing cell.
    print("regression 0x%016x" % content_hash([[1.0], [float("nan")]], [0.5, -2.25], [0], 0, True))
