#!/usr/bin/python3
"""Tests of scripts/rda-to-csv.py (standard library only).

Run: python3 tests/reference/test_rda_to_csv.py

The R data files are built here byte by byte in R's XDR serialization format, so nothing is
downloaded and R is not needed. When scripts/get-datasets has unpacked r-cran-mlbench into
data/.cache, a few known values of its datasets are checked too (skipped otherwise).
"""
import bz2
import csv
import gzip
import importlib.util
import io
import lzma
import os
import struct
import sys
import tempfile
import unittest
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "rda-to-csv.py")
spec = importlib.util.spec_from_file_location("rda_to_csv", SCRIPT)
rda = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rda)

NA_INT = -(2 ** 31)
NA_REAL = struct.unpack(">d", struct.pack(">Q", 0x7FF00000000007A2))[0]


class Writer:
    """Builds an XDR serialization stream; symbols after their first use are references."""

    def __init__(self):
        self.out = io.BytesIO()
        self.symbols = {}
        self.nrefs = 0

    def i32(self, *vs):
        for v in vs:
            self.out.write(struct.pack(">i", v))

    def flags(self, t, obj=False, attr=False, tag=False, levels=0):
        self.i32(t | (obj << 8) | (attr << 9) | (tag << 10) | (levels << 12))

    def header(self, version=3):
        self.out.write(b"X\n")
        self.i32(version, 0x040202, 0x030500)
        if version == 3:
            self.i32(5)
            self.out.write(b"UTF-8")

    def charsxp(self, s):
        if s is None:
            self.flags(9)
            self.i32(-1)
        else:
            b = s.encode("utf-8")
            self.flags(9, levels=8)  # UTF8 flag
            self.i32(len(b))
            self.out.write(b)

    def sym(self, name):
        if name in self.symbols:
            self.i32(255 | (self.symbols[name] << 8))  # REFSXP, index packed in the flags
        else:
            self.flags(1)
            self.charsxp(name)
            self.nrefs += 1
            self.symbols[name] = self.nrefs

    def nil(self):
        self.flags(254)

    def attrs(self, pairs):
        """A pairlist of (name, writer function) attributes."""
        for name, write in pairs:
            self.flags(2, tag=True)
            self.sym(name)
            write()
        self.nil()

    def strsxp(self, values, attrs=()):
        self.flags(16, obj=any(n == "class" for n, _ in attrs), attr=bool(attrs))
        self.i32(len(values))
        for v in values:
            self.charsxp(v)
        if attrs:
            self.attrs(attrs)

    def intsxp(self, values, attrs=(), t=13):
        self.flags(t, obj=any(n == "class" for n, _ in attrs), attr=bool(attrs))
        self.i32(len(values), *values)
        if attrs:
            self.attrs(attrs)

    def realsxp(self, values, attrs=()):
        self.flags(14, attr=bool(attrs))
        self.i32(len(values))
        for v in values:
            self.out.write(struct.pack(">d", v))
        if attrs:
            self.attrs(attrs)

    def compact_intseq(self, n, start):
        """An ALTREP compact integer sequence start, start+1, ..., start+n-1."""
        self.flags(238)
        self.flags(2)                      # info: pairlist(class, package, type)
        self.sym("compact_intseq")
        self.flags(2)
        self.sym("base")
        self.flags(2)
        self.intsxp([13])
        self.nil()
        self.realsxp([float(n), float(start), 1.0])  # state
        self.nil()                         # attributes

    def data_frame(self, columns, row_names):
        """columns: list of (name, writer function); row_names: writer function."""
        self.flags(19, obj=True, attr=True)
        self.i32(len(columns))
        for _, write in columns:
            write()
        self.attrs([
            ("names", lambda: self.strsxp([n for n, _ in columns])),
            ("class", lambda: self.strsxp(["data.frame"])),
            ("row.names", row_names),
        ])

    def getvalue(self):
        return self.out.getvalue()


def example_frame(w, altrep_rows=False):
    """x (double), n (integer), flag (logical), grp (factor), name (character); 3 rows."""
    factor_attrs = [("levels", lambda: w.strsxp(["a", "b, c"])),
                    ("class", lambda: w.strsxp(["factor"]))]
    w.data_frame(
        [("grp", lambda: w.intsxp([2, 1, NA_INT], factor_attrs)),
         ("x", lambda: w.realsxp([1.5, NA_REAL, 3.0])),
         ("n", lambda: w.intsxp([1, NA_INT, -7])),
         ("flag", lambda: w.intsxp([1, 0, NA_INT], t=10)),
         ("name", lambda: w.strsxp(["u", None, 'w"q']))],
        (lambda: w.compact_intseq(3, 1)) if altrep_rows else (lambda: w.intsxp([NA_INT, -3])))


EXPECTED = [["x", "n", "flag", "name", "grp"],
            ["1.5", "1", "TRUE", "u", "b, c"],
            ["", "", "FALSE", "", "a"],
            ["3", "-7", "", 'w"q', ""]]


def rda_bytes(version=3, compress=gzip.compress, altrep_rows=False, extra_list=True):
    """A save() file holding the data frame "df" and, optionally, a list "lst"."""
    w = Writer()
    w.header(version)
    w.flags(2, tag=True)
    w.sym("df")
    example_frame(w, altrep_rows)
    if extra_list:
        w.flags(2, tag=True)
        w.sym("lst")
        w.flags(19, attr=True)            # list(a = 1) with an environment attribute
        w.i32(1)
        w.realsxp([1.0])
        w.attrs([("names", lambda: w.strsxp(["a"])), (".Environment", lambda: w.flags(253))])
    w.nil()
    head = b"RDX3\n" if version == 3 else b"RDX2\n"
    return compress(head + w.getvalue())


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


class RdaToCsvTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def convert(self, path, *args):
        out = os.path.join(self.dir, "out")
        self.assertEqual(rda.main([path, "--out", out, "--quiet", *args]), 0)
        return out

    def test_versions_and_compressions(self):
        cases = [(3, gzip.compress), (2, bz2.compress), (3, lzma.compress), (2, lambda b: b)]
        for version, compress in cases:
            with self.subTest(version=version, compress=compress):
                path = self.write("t.rda", rda_bytes(version, compress))
                objs = dict(rda.read_rda(path))
                self.assertEqual(sorted(objs), ["df", "lst"])
                self.assertTrue(rda.is_data_frame(objs["df"]))
                self.assertFalse(rda.is_data_frame(objs["lst"]))
                out = self.convert(path, "--object", "df", "--target", "grp")
                self.assertEqual(read_csv(os.path.join(out, "df.csv")), EXPECTED)

    def test_altrep_row_names(self):
        path = self.write("t.rda", rda_bytes(altrep_rows=True, extra_list=False))
        df = dict(rda.read_rda(path))["df"]
        self.assertEqual(df.attr["row.names"].value, (1, 2, 3))
        out = self.convert(path, "--target", "grp")
        self.assertEqual(read_csv(os.path.join(out, "df.csv")), EXPECTED)

    def test_non_data_frames_are_skipped(self):
        path = self.write("t.rda", rda_bytes())
        out = os.path.join(self.dir, "out")
        rda.main([path, "--out", out, "--quiet", "--target", "grp"])
        self.assertEqual(sorted(os.listdir(out)), ["df.csv"])

    def test_drop_and_missing_target(self):
        path = self.write("t.rda", rda_bytes())
        out = self.convert(path, "--object", "df", "--drop", "x,name")
        self.assertEqual(read_csv(os.path.join(out, "df.csv"))[0], ["grp", "n", "flag"])
        src = rda.open_source(path)
        with self.assertRaises(ValueError):
            rda.table_for(src.get("df"), "nosuchcolumn")

    def test_lazy_load_database_and_tsv(self):
        w = Writer()
        w.header(2)
        example_frame(w)
        payload = w.getvalue()
        blob = struct.pack(">i", len(payload)) + zlib.compress(payload)
        data = os.path.join(self.dir, "unpacked-r-cran-toy", "usr", "lib", "R", "site-library",
                            "toy", "data")
        os.makedirs(data)
        with open(os.path.join(data, "Rdata.rdb"), "wb") as f:
            f.write(b"\0" * 10 + blob)  # the entry need not start at offset 0
        ix = Writer()
        ix.header(2)
        ix.flags(19, attr=True)
        ix.i32(3)
        ix.flags(19, attr=True)                         # variables = list(frame = c(10L, len))
        ix.i32(1)
        ix.intsxp([10, len(blob)])
        ix.attrs([("names", lambda: ix.strsxp(["frame"]))])
        ix.flags(19)                                     # references = list()
        ix.i32(0)
        ix.intsxp([1], t=10)                             # compressed = TRUE
        ix.attrs([("names", lambda: ix.strsxp(["variables", "references", "compressed"]))])
        with open(os.path.join(data, "Rdata.rdx"), "wb") as f:
            f.write(gzip.compress(ix.getvalue()))
        tsv = self.write("list.tsv", (
            "# comment\npackage\tobject\ttarget\ttask\tdebian\tname\tdrop\n"
            "toy\tframe\tgrp\tclassification\tr-cran-toy\tframe2\tname\n").encode())
        out = os.path.join(self.dir, "r")
        self.assertEqual(rda.main(["--tsv", tsv, "--root", self.dir, "--out", out, "--quiet"]), 0)
        rows = read_csv(os.path.join(out, "toy", "frame2.csv"))
        self.assertEqual(rows, [[c for c in r if c is not None] for r in
                                [[r[0], r[1], r[2], r[4]] for r in EXPECTED]])
        # a second run leaves the file alone; a missing package is an error, not a crash
        self.assertEqual(rda.main(["--tsv", tsv, "--root", self.dir, "--out", out, "--quiet"]), 0)
        bad = self.write("bad.tsv", b"nopkg\tx\ty\tclassification\tr-cran-nopkg\t-\t-\n")
        self.assertEqual(rda.main(["--tsv", bad, "--root", self.dir, "--out", out, "--quiet"]), 1)

    def test_matrix_with_label_vector(self):
        w = Writer()
        w.header(3)
        w.flags(2, tag=True)
        w.sym("X")
        w.realsxp([1, 2, 3, 4, 5, 6], [
            ("dim", lambda: w.intsxp([3, 2])),
            ("dimnames", lambda: (w.flags(19), w.i32(2), w.nil(), w.strsxp(["p", "q"])))])
        w.flags(2, tag=True)
        w.sym("y")
        w.intsxp([1, 2, 1], [("levels", lambda: w.strsxp(["no", "yes"])),
                             ("class", lambda: w.strsxp(["factor"]))])
        w.nil()
        path = self.write("m.RData", gzip.compress(b"RDX2\n" + w.getvalue()))
        out = self.convert(path, "--object", "X+y", "--target", "Class")
        self.assertEqual(read_csv(os.path.join(out, "X.csv")),
                         [["p", "q", "Class"], ["1", "4", "no"], ["2", "5", "yes"], ["3", "6", "no"]])

    def test_truncated_input_is_an_error(self):
        data = gzip.decompress(rda_bytes())
        path = self.write("cut.rda", gzip.compress(data[: len(data) // 2]))
        with self.assertRaises(rda.RFormatError):
            rda.read_rda(path)


MLBENCH = os.path.join(ROOT, "data", ".cache", "unpacked-r-cran-mlbench", "usr", "lib", "R",
                       "site-library", "mlbench", "data")


@unittest.skipUnless(os.path.isdir(MLBENCH), "r-cran-mlbench not unpacked (run scripts/get-datasets)")
class MlbenchTest(unittest.TestCase):
    def table(self, name, target):
        header, rows, _ = rda.table_for(rda.DataFolder(MLBENCH).get(name), target)
        return header, [list(r) for r in rows]

    def test_pima(self):
        header, rows = self.table("PimaIndiansDiabetes", "diabetes")
        self.assertEqual((len(rows), len(header)), (768, 9))
        self.assertEqual(rows[0], ["6", "148", "72", "35", "0", "33.6", "0.627", "50", "pos"])

    def test_sonar_and_glass(self):
        header, rows = self.table("Sonar", "Class")
        self.assertEqual((len(rows), len(header)), (208, 61))
        self.assertEqual({r[-1] for r in rows}, {"M", "R"})
        header, rows = self.table("Glass", "Type")
        self.assertEqual((len(rows), len(header)), (214, 10))
        self.assertEqual(header[-1], "Type")


if __name__ == "__main__":
    unittest.main()
