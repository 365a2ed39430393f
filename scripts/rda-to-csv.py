#!/usr/bin/env python3
"""Extract data frames from R data files into CSV files (standard library only).

Reads R's serialization format (versions 2 and 3, XDR encoding) as found in:
  - .rda / .RData files written by save(): "RDX2\\n" or "RDX3\\n", then "X\\n" and a
    serialized pairlist of named objects; gzip, bzip2 or xz compressed, or not at all;
  - .rds files written by saveRDS(): "X\\n" and one serialized object (compressed or not);
  - lazy-load databases of installed packages (data/Rdata.rdb with its index Rdata.rdx).

A data.frame (tibbles included) becomes one CSV file with a header row: numeric, integer,
logical, character and factor columns (factors written as their level labels), NA written as
an empty cell. Matrix columns and nested data frames are flattened into "name.column" columns.
Row names are not written. The target column (--target, or the TSV's target column) is moved
last. Objects that are not data frames (lists, time series, functions) are skipped with a
message; a numeric matrix is written only when a label vector is named for it ("X+y").

usage:
  rda-to-csv.py --list FILE...                     list the objects of R data files
  rda-to-csv.py FILE [--object NAME] [--target COLUMN] [--out DIR]
                                                   write DIR/NAME.csv per data frame
  rda-to-csv.py --tsv LIST.tsv --root DIR --out DIR [--quiet]
                                                   write OUT/<package>/<name>.csv for each
                                                   line of LIST.tsv, finding the package's
                                                   data folder under ROOT

FILE may be a .rda/.RData/.rds file, an Rdata.rdb/.rdx file, or a package's data folder.
In the TSV (tab-separated, '#' comments, a header line starting with "package"):
  package  object  target  task  debian  name  drop
where object may be "X+y" (a matrix or data frame X, and a separate vector y appended as the
column named by target), name is the output file's stem ("-" or empty: the object's name) and
drop lists columns to leave out, comma-separated ("-" or empty: none). task is "classification"
or "regression" (informative only: the CSV reader decides from the target column's values).
"""

import argparse
import bz2
import csv
import gzip
import io
import lzma
import math
import os
import struct
import sys
import zlib

# SEXP types
NILSXP, SYMSXP, LISTSXP, CLOSXP, ENVSXP, PROMSXP, LANGSXP = 0, 1, 2, 3, 4, 5, 6
SPECIALSXP, BUILTINSXP, CHARSXP, LGLSXP, INTSXP, REALSXP = 7, 8, 9, 10, 13, 14
CPLXSXP, STRSXP, DOTSXP, VECSXP, EXPRSXP, BCODESXP = 15, 16, 17, 19, 20, 21
EXTPTRSXP, WEAKREFSXP, RAWSXP, S4SXP = 22, 23, 24, 25
# pseudo types of the serialization stream
REFSXP, NILVALUE_SXP, GLOBALENV_SXP, UNBOUNDVALUE_SXP = 255, 254, 253, 252
MISSINGARG_SXP, BASENAMESPACE_SXP, NAMESPACESXP, PACKAGESXP = 251, 250, 249, 248
PERSISTSXP, CLASSREFSXP, GENERICREFSXP, BCREPDEF, BCREPREF = 247, 246, 245, 244, 243
EMPTYENV_SXP, BASEENV_SXP, ATTRLANGSXP, ATTRLISTSXP, ALTREP_SXP = 242, 241, 240, 239, 238

NA_INTEGER = -(2 ** 31)
PAIRLIST_TYPES = (LISTSXP, LANGSXP, CLOSXP, PROMSXP, DOTSXP, ATTRLANGSXP, ATTRLISTSXP)
MARKER_TYPES = (GLOBALENV_SXP, UNBOUNDVALUE_SXP, MISSINGARG_SXP, BASENAMESPACE_SXP,
                EMPTYENV_SXP, BASEENV_SXP)


class RFormatError(Exception):
    """The input is not (a supported form of) R's serialization format."""


class RObj:
    """An R value: its type, its payload and its attributes (name -> RObj, in order).

    Payloads: a tuple of numbers (logical, integer, double), a list of str/None (character,
    None being NA), a list of RObj (list, expression), a list of (tag, RObj) pairs (pairlists,
    calls), a str (symbol, single string), bytes (raw) or None.
    """
    __slots__ = ("type", "value", "attr")

    def __init__(self, type_, value=None, attr=None):
        self.type = type_
        self.value = value
        self.attr = attr if attr is not None else {}

    def classes(self):
        c = self.attr.get("class")
        return list(c.value) if c is not None and c.type == STRSXP else []

    def __repr__(self):
        return "RObj(type=%d)" % self.type


NULL = RObj(NILSXP)


def _decode_string(raw, levels):
    if levels & 4:  # LATIN1
        return raw.decode("latin-1")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class Unserializer:
    """Reads one serialized R object from XDR bytes (after the "X\\n" format line)."""

    def __init__(self, buf, pos=0):
        self.buf = buf
        self.pos = pos
        self.refs = []

    # -- primitives -------------------------------------------------------------------
    def _int(self):
        try:
            v = struct.unpack_from(">i", self.buf, self.pos)[0]
        except struct.error:
            raise RFormatError("truncated stream at byte %d" % self.pos) from None
        self.pos += 4
        return v

    def _length(self):
        n = self._int()
        if n == -1:  # long vector: two more words
            hi, lo = self._int(), self._int()
            n = (hi << 32) + (lo & 0xFFFFFFFF)
        if n < 0:
            raise RFormatError("negative length at byte %d" % self.pos)
        return n

    def _bytes(self, n):
        if self.pos + n > len(self.buf):
            raise RFormatError("truncated stream at byte %d" % self.pos)
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return b

    def _numbers(self, code, n):
        size = struct.calcsize(code)
        if self.pos + n * size > len(self.buf):
            raise RFormatError("truncated vector at byte %d" % self.pos)
        v = struct.unpack_from(">%d%s" % (n, code), self.buf, self.pos)
        self.pos += n * size
        return v

    def header(self):
        """Reads the version words after "X\\n"; returns the format version (2 or 3)."""
        version = self._int()
        self._int()  # R version that wrote it
        self._int()  # minimal R version to read it
        if version == 3:
            self._bytes(self._int())  # native encoding name
        elif version != 2:
            raise RFormatError("unsupported serialization version %d" % version)
        return version

    def _strvec(self):
        if self._int() != 0:
            raise RFormatError("bad string vector in a reference object")
        n = self._length()
        return [self.item().value for _ in range(n)]

    # -- items ------------------------------------------------------------------------
    def item(self):
        return self._dispatch(self._int())

    def _dispatch(self, flags):
        t = flags & 0xFF
        levels = flags >> 12
        has_attr = bool(flags & (1 << 9))
        has_tag = bool(flags & (1 << 10))

        if t == NILVALUE_SXP:
            return NULL
        if t in MARKER_TYPES:
            return RObj(t)
        if t == REFSXP:
            index = flags >> 8
            if index == 0:
                index = self._int()
            if not 1 <= index <= len(self.refs):
                raise RFormatError("bad reference index %d" % index)
            return self.refs[index - 1]
        if t in (PERSISTSXP, NAMESPACESXP, PACKAGESXP):
            obj = RObj(t, self._strvec())
            self.refs.append(obj)
            return obj
        if t == SYMSXP:
            obj = RObj(SYMSXP, self.item().value)
            self.refs.append(obj)
            return obj
        if t == ENVSXP:
            self._int()  # locked
            obj = RObj(ENVSXP)
            self.refs.append(obj)
            enclos, frame, hashtab = self.item(), self.item(), self.item()
            attr = self.item()
            obj.value = (enclos, frame, hashtab)
            obj.attr = self._attributes(attr)
            return obj
        if t in PAIRLIST_TYPES:
            return self._pairlist(flags)
        if t in (CLASSREFSXP, GENERICREFSXP):
            raise RFormatError("class references (type %d) cannot be read" % t)
        if t == ALTREP_SXP:
            return self._altrep()

        attr = None
        if t == CHARSXP:
            n = self._int()
            obj = RObj(CHARSXP, None if n == -1 else _decode_string(self._bytes(n), levels))
        elif t in (LGLSXP, INTSXP):
            obj = RObj(t, self._numbers("i", self._length()))
        elif t == REALSXP:
            obj = RObj(t, self._numbers("d", self._length()))
        elif t == CPLXSXP:
            obj = RObj(t, self._numbers("d", 2 * self._length()))
        elif t == STRSXP:
            n = self._length()
            values = []
            for _ in range(n):
                f = self._int()
                if f & 0xFF != CHARSXP:
                    raise RFormatError("a character vector holds type %d" % (f & 0xFF))
                k = self._int()
                values.append(None if k == -1 else _decode_string(self._bytes(k), f >> 12))
            obj = RObj(t, values)
        elif t in (VECSXP, EXPRSXP):
            obj = RObj(t, [self.item() for _ in range(self._length())])
        elif t == RAWSXP:
            obj = RObj(t, self._bytes(self._length()))
        elif t in (SPECIALSXP, BUILTINSXP):
            obj = RObj(t, self._bytes(self._int()).decode("latin-1"))
        elif t == EXTPTRSXP:
            obj = RObj(t)
            self.refs.append(obj)
            self.item()  # protected value
            self.item()  # tag
        elif t == WEAKREFSXP:
            obj = RObj(t)
            self.refs.append(obj)
        elif t == S4SXP:
            obj = RObj(t)
        elif t == BCODESXP:
            obj = RObj(t)
            reps = [None] * self._int()
            self._bytecode(reps)
        else:
            raise RFormatError("unknown type %d at byte %d" % (t, self.pos - 4))
        if has_attr:
            attr = self.item()
        obj.attr = self._attributes(attr)
        _ = has_tag
        return obj

    def _pairlist(self, flags):
        """A pairlist, call, closure or promise; the CDR chain is read iteratively."""
        first_type = flags & 0xFF
        kind = LANGSXP if first_type in (LANGSXP, ATTRLANGSXP) else first_type
        if kind == ATTRLISTSXP:
            kind = LISTSXP
        cells = []
        attr = None
        while True:
            t = flags & 0xFF
            has_attr = bool(flags & (1 << 9)) or t in (ATTRLANGSXP, ATTRLISTSXP)
            has_tag = bool(flags & (1 << 10))
            a = self.item() if has_attr else None
            if attr is None:
                attr = a
            tag = self.item() if has_tag else None
            car = self.item()
            cells.append((tag.value if tag is not None and tag.type == SYMSXP else None, car))
            flags = self._int()
            t = flags & 0xFF
            if t in (LISTSXP, ATTRLISTSXP) or (t in (LANGSXP, ATTRLANGSXP) and kind == LANGSXP):
                continue
            tail = self._dispatch(flags)
            if tail.type != NILSXP:
                cells.append((None, tail))
            break
        return RObj(kind, cells, self._attributes(attr))

    def _attributes(self, attr):
        if attr is None or attr.type == NILSXP:
            return {}
        if attr.type != LISTSXP:
            raise RFormatError("attributes are not a pairlist")
        return {tag: value for tag, value in attr.value}

    def _altrep(self):
        info = self.item()
        state = self.item()
        attr = self.item()
        cls = info.value[0][1].value if info.type == LISTSXP and info.value else "?"
        if cls in ("compact_intseq", "compact_realseq"):
            n, start, step = state.value[:3]
            n = int(n)
            if cls == "compact_intseq":
                obj = RObj(INTSXP, tuple(int(start + i * step) for i in range(n)))
            else:
                obj = RObj(REALSXP, tuple(start + i * step for i in range(n)))
        elif cls == "deferred_string":
            arg = state.value[0][1] if state.type == LISTSXP else state
            obj = RObj(STRSXP, [None if _is_na(arg.type, v) else _format_number(arg.type, v)
                                for v in arg.value])
        elif cls.startswith("wrap_"):
            inner = state.value[0] if state.type == VECSXP else state
            obj = RObj(inner.type, inner.value, dict(inner.attr))
        elif state.type in (LGLSXP, INTSXP, REALSXP, STRSXP, VECSXP, CPLXSXP, RAWSXP):
            obj = RObj(state.type, state.value)
        else:
            raise RFormatError("unsupported ALTREP class %s" % cls)
        obj.attr = self._attributes(attr) or obj.attr
        return obj

    def _bytecode(self, reps):
        self.item()  # the code (an integer vector)
        for _ in range(self._int()):
            t = self._int()
            if t == BCODESXP:
                self._bytecode(reps)
            elif t in (LANGSXP, LISTSXP, BCREPDEF, BCREPREF, ATTRLANGSXP, ATTRLISTSXP):
                self._bytecode_lang(t, reps)
            else:
                self.item()

    def _bytecode_lang(self, t, reps):
        if t == BCREPREF:
            return reps[self._int()]
        if t in (BCREPDEF, LANGSXP, LISTSXP, ATTRLANGSXP, ATTRLISTSXP):
            pos = -1
            if t == BCREPDEF:
                pos = self._int()
                t = self._int()
            obj = RObj(LANGSXP if t in (LANGSXP, ATTRLANGSXP) else LISTSXP, [])
            if pos >= 0:
                reps[pos] = obj
            if t in (ATTRLANGSXP, ATTRLISTSXP):
                self.item()
            self.item()  # tag
            self._bytecode_lang(self._int(), reps)  # car
            self._bytecode_lang(self._int(), reps)  # cdr
            return obj
        return self.item()


def _is_na(type_, v):
    if type_ in (INTSXP, LGLSXP):
        return v == NA_INTEGER
    return isinstance(v, float) and math.isnan(v)


def _format_number(type_, v):
    if type_ == LGLSXP:
        return "TRUE" if v else "FALSE"
    if type_ == INTSXP:
        return str(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


# -- files ------------------------------------------------------------------------------

def decompress(data):
    """Undoes gzip, bzip2 or xz compression (detected by magic bytes); else returns data."""
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:3] == b"BZh":
        return bz2.decompress(data)
    if data[:6] == b"\xfd7zXZ\x00":
        return lzma.decompress(data)
    return data


def unserialize(data):
    """One object from serialize()/saveRDS() bytes starting with "X\\n"."""
    if data[:2] != b"X\n":
        kind = {b"A\n": "ASCII", b"B\n": "native binary"}.get(data[:2], "unknown")
        raise RFormatError("%s serialization format; only XDR (\"X\") is supported" % kind)
    u = Unserializer(data, 2)
    u.header()
    return u.item()


def read_rda(path):
    """The named objects of a save() file, as a list of (name, RObj)."""
    with open(path, "rb") as f:
        data = decompress(f.read())
    if data[:5] in (b"RDX2\n", b"RDX3\n"):
        top = unserialize(data[5:])
        if top.type != LISTSXP:
            raise RFormatError("%s: the saved objects are not a pairlist" % path)
        return [(name, obj) for name, obj in top.value]
    if data[:2] == b"X\n":  # an .rds file: one unnamed object
        return [(os.path.splitext(os.path.basename(path))[0], unserialize(data))]
    raise RFormatError("%s: not an R data file (header %r)" % (path, data[:5]))


def _rdb_payload(blob, compressed):
    if len(blob) < 4:
        raise RFormatError("lazy-load entry too short")
    if compressed in (0, False):
        return blob[4:]
    if compressed in (1, True):
        return zlib.decompress(blob[4:])
    kind = blob[4:5]
    body = blob[5:]
    if kind == b"0":
        return body
    if kind == b"1":
        return zlib.decompress(body)
    if kind == b"2":
        return bz2.decompress(body)
    if kind == b"Z":
        try:
            return lzma.decompress(body, format=lzma.FORMAT_RAW,
                                   filters=[{"id": lzma.FILTER_LZMA2,
                                             "preset": 9 | lzma.PRESET_EXTREME}])
        except lzma.LZMAError:
            return lzma.decompress(body)
    return zlib.decompress(blob[4:])


class LazyLoadDB:
    """A package's lazy-load database (Rdata.rdb + Rdata.rdx)."""

    def __init__(self, rdb_path):
        base = rdb_path[:-4]
        with open(base + ".rdx", "rb") as f:
            index = unserialize(decompress(f.read()))
        entries = {n: v for n, v in zip(_names(index), index.value)}
        variables = entries.get("variables")
        compressed = entries.get("compressed")
        self.compressed = compressed.value[0] if compressed is not None and compressed.value else 1
        self.offsets = {}
        if variables is not None:
            for name, v in zip(_names(variables), variables.value):
                self.offsets[name] = (int(v.value[0]), int(v.value[1]))
        self.path = base + ".rdb"

    def names(self):
        return list(self.offsets)

    def get(self, name):
        offset, length = self.offsets[name]
        with open(self.path, "rb") as f:
            f.seek(offset)
            blob = f.read(length)
        return unserialize(_rdb_payload(blob, self.compressed))


def _names(obj):
    n = obj.attr.get("names")
    return list(n.value) if n is not None else [None] * len(obj.value or [])


class DataFolder:
    """The objects of a package's data folder (.rda/.RData/.rds files and Rdata.rdb)."""

    def __init__(self, folder):
        self.folder = folder
        self.files = sorted(f for f in os.listdir(folder)
                            if f.lower().endswith((".rda", ".rdata", ".rds")) and f != "Rdata.rds")
        rdb = os.path.join(folder, "Rdata.rdb")
        self.db = LazyLoadDB(rdb) if os.path.exists(rdb) else None
        self._loaded = {}

    def _load_file(self, fname):
        if fname not in self._loaded:
            self._loaded[fname] = read_rda(os.path.join(self.folder, fname))
        return self._loaded[fname]

    def get(self, name):
        if self.db is not None and name in self.db.offsets:
            return self.db.get(name)
        stems = [f for f in self.files if os.path.splitext(f)[0] == name]
        for fname in stems + [f for f in self.files if f not in stems]:
            for n, obj in self._load_file(fname):
                if n == name:
                    return obj
        raise KeyError(name)

    def items(self):
        if self.db is not None:
            for name in self.db.names():
                yield name, self.db.get(name)
        for fname in self.files:
            yield from self._load_file(fname)


# -- data frames to columns -------------------------------------------------------------

def is_data_frame(obj):
    return obj.type == VECSXP and "data.frame" in obj.classes()


def _dim(obj):
    d = obj.attr.get("dim")
    return tuple(d.value) if d is not None and d.type in (INTSXP, REALSXP) else None


def vector_cells(obj):
    """A vector's cells as text (None = NA); raises ValueError for unsupported types."""
    if obj.type == INTSXP and "levels" in obj.attr:
        labels = obj.attr["levels"].value
        out = []
        for code in obj.value:
            out.append(None if code == NA_INTEGER or not 1 <= code <= len(labels)
                       else labels[code - 1])
        return out
    if obj.type in (INTSXP, LGLSXP, REALSXP):
        t = obj.type
        return [None if _is_na(t, v) or (t == REALSXP and math.isinf(v)) else _format_number(t, v)
                for v in obj.value]
    if obj.type == STRSXP:
        return list(obj.value)
    raise ValueError("type %d" % obj.type)


def frame_columns(obj, prefix="", skipped=None):
    """(name, cells) per column of a data frame, matrix or vector, flattening matrices."""
    cols = []
    if is_data_frame(obj):
        for name, col in zip(_names(obj), obj.value):
            cols.extend(frame_columns(col, (prefix + "." if prefix else "") + (name or ""), skipped))
        return cols
    dim = _dim(obj)
    if dim is not None and len(dim) == 2 and obj.type in (INTSXP, LGLSXP, REALSXP, STRSXP):
        nrow, ncol = int(dim[0]), int(dim[1])
        cells = vector_cells(obj)
        colnames = None
        dn = obj.attr.get("dimnames")
        if dn is not None and dn.type == VECSXP and len(dn.value) == 2 and dn.value[1].type == STRSXP:
            colnames = dn.value[1].value
        sep = "." if prefix else ""
        for j in range(ncol):
            cname = colnames[j] if colnames else str(j + 1)
            cols.append((prefix + sep + cname, cells[j * nrow:(j + 1) * nrow]))
        return cols
    try:
        cols.append((prefix, vector_cells(obj)))
    except ValueError as e:
        if skipped is not None:
            skipped.append("%s (%s)" % (prefix, e))
    return cols


def describe(obj):
    cls = obj.classes()
    if is_data_frame(obj):
        cols = _names(obj)
        n = len(obj.value[0].value) if obj.value else 0
        return "data.frame %d x %d" % (n, len(cols))
    dim = _dim(obj)
    kind = {LGLSXP: "logical", INTSXP: "integer", REALSXP: "double", STRSXP: "character",
            VECSXP: "list"}.get(obj.type, "type %d" % obj.type)
    if dim is not None:
        return "%s matrix/array %s" % (kind, "x".join(str(int(d)) for d in dim))
    length = len(obj.value) if isinstance(obj.value, (list, tuple)) else 0
    return "%s%s length %d" % (kind, " (" + ",".join(cls) + ")" if cls else "", length)


def table_for(obj, target=None, label=None, label_name=None, drop=()):
    """(header, rows, notes) of a data frame (or matrix + label vector); target moved last,
    columns named in drop left out."""
    if not is_data_frame(obj) and not (label is not None and _dim(obj) is not None):
        raise ValueError("not a data frame (%s)" % describe(obj))
    notes = []
    cols = frame_columns(obj, "", notes)
    if label is not None:
        cols.append((label_name or "class", vector_cells(label)))
    if not cols:
        raise ValueError("no columns")
    missing = [d for d in drop if d not in {c for c, _ in cols}]
    if missing:
        raise ValueError("cannot drop missing column(s) %s" % ", ".join(missing))
    cols = [(c, v) for c, v in cols if c not in drop]
    n = len(cols[0][1])
    bad = [c for c, v in cols if len(v) != n]
    if bad:
        raise ValueError("columns of unequal length: %s" % ", ".join(bad))
    if target:
        idx = [i for i, (c, _) in enumerate(cols) if c == target]
        if not idx:
            raise ValueError("no column named %r (columns: %s)"
                             % (target, ", ".join(c for c, _ in cols[:20])))
        cols.append(cols.pop(idx[0]))
    header = [c for c, _ in cols]
    rows = zip(*[v for _, v in cols])
    return header, rows, notes


def write_csv(path, header, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow(["" if v is None else v for v in row])
    os.replace(tmp, path)


# -- command line -----------------------------------------------------------------------

def open_source(path):
    if os.path.isdir(path):
        return DataFolder(path)
    if path.endswith((".rdb", ".rdx")):
        folder = DataFolder.__new__(DataFolder)
        folder.folder, folder.files, folder._loaded = os.path.dirname(path), [], {}
        folder.db = LazyLoadDB(path[:-4] + ".rdb")
        return folder
    folder = DataFolder.__new__(DataFolder)
    folder.folder, folder.db, folder._loaded = os.path.dirname(path) or ".", None, {}
    folder.files = [os.path.basename(path)]
    return folder


def cmd_list(paths):
    for path in paths:
        src = open_source(path)
        for name, obj in src.items():
            cols = ""
            if is_data_frame(obj):
                parts = []
                for c, v in zip(_names(obj), obj.value):
                    k = "factor" if "levels" in v.attr else describe(v).split()[0]
                    if "levels" in v.attr:
                        k += "(%d)" % len(v.attr["levels"].value)
                    parts.append("%s:%s" % (c, k))
                cols = "  " + " ".join(parts)
            print("%s\t%s\t%s%s" % (path, name, describe(obj), cols))


def convert(src, obj_spec, target, out_path, drop=()):
    if "+" in obj_spec:
        xname, yname = obj_spec.split("+", 1)
        header, rows, notes = table_for(src.get(xname), None, src.get(yname), target, drop)
    else:
        header, rows, notes = table_for(src.get(obj_spec), target or None, drop=drop)
    write_csv(out_path, header, rows)
    return notes


def find_data_folder(root, debian, package):
    base = os.path.join(root, "unpacked-" + debian, "usr", "lib", "R")
    for lib in ("site-library", "library"):
        d = os.path.join(base, lib, package, "data")
        if os.path.isdir(d):
            return d
    return None


def cmd_tsv(tsv, root, out, quiet):
    written = failed = present = 0
    folders = {}
    with open(tsv, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    for line in lines:
        fields = line.split("\t")
        if fields[0] == "package":
            continue
        if len(fields) < 5:
            print("rda-to-csv: bad line in %s: %r" % (tsv, line), file=sys.stderr)
            failed += 1
            continue
        package, obj_spec, target, _task, debian = fields[:5]
        stem = fields[5] if len(fields) > 5 and fields[5] not in ("", "-") else obj_spec.split("+")[0]
        drop = [d for d in fields[6].split(",") if d] if len(fields) > 6 and fields[6] != "-" else []
        dest_dir = os.path.join(out, package)
        dest = os.path.join(dest_dir, stem + ".csv")
        if os.path.exists(dest):
            present += 1
            continue
        key = (debian, package)
        if key not in folders:
            d = find_data_folder(root, debian, package)
            try:
                folders[key] = DataFolder(d) if d else None
            except (OSError, RFormatError, ValueError) as e:
                print("rda-to-csv: %s: %s" % (d, e), file=sys.stderr)
                folders[key] = None
        src = folders[key]
        if src is None:
            print("rda-to-csv: no data folder for R package %s (Debian %s) under %s"
                  % (package, debian, root), file=sys.stderr)
            failed += 1
            continue
        os.makedirs(dest_dir, exist_ok=True)
        try:
            notes = convert(src, obj_spec, target, dest, drop)
            written += 1
            if notes and not quiet:
                print("%s/%s: columns left out: %s" % (package, stem, "; ".join(notes)))
        except KeyError as e:
            print("rda-to-csv: %s::%s: no object named %s" % (package, obj_spec, e), file=sys.stderr)
            failed += 1
        except (ValueError, RFormatError, OSError, EOFError, zlib.error, lzma.LZMAError) as e:
            print("rda-to-csv: %s::%s: %s" % (package, obj_spec, e), file=sys.stderr)
            failed += 1
    if not quiet:
        print("rda-to-csv: %d CSV file(s) written, %d already present, %d failed"
              % (written, present, failed))
    return 1 if failed else 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="*", help="R data files or data folders")
    p.add_argument("--list", action="store_true", help="list the objects and exit")
    p.add_argument("--object", action="append", default=[], help="object to write (repeatable)")
    p.add_argument("--target", default="", help="column to move last")
    p.add_argument("--drop", default="", help="columns to leave out, comma-separated")
    p.add_argument("--out", default=".", help="output folder")
    p.add_argument("--tsv", help="list of datasets to write (see above)")
    p.add_argument("--root", help="with --tsv: folder holding unpacked-<debian>/ folders")
    p.add_argument("--quiet", action="store_true", help="print only errors")
    a = p.parse_args(argv)
    if a.tsv:
        if not a.root:
            p.error("--tsv needs --root")
        return cmd_tsv(a.tsv, a.root, a.out, a.quiet)
    if not a.files:
        p.error("no input file")
    if a.list:
        cmd_list(a.files)
        return 0
    status = 0
    os.makedirs(a.out, exist_ok=True)
    for path in a.files:
        src = open_source(path)
        wanted = a.object or [n for n, _ in src.items()]
        for name in wanted:
            try:
                out = os.path.join(a.out, name.split("+")[0] + ".csv")
                if "+" not in name and not is_data_frame(src.get(name)):
                    print("skipped %s: %s" % (name, describe(src.get(name))), file=sys.stderr)
                    continue
                notes = convert(src, name, a.target, out, [d for d in a.drop.split(",") if d])
                if not a.quiet:
                    print("wrote %s" % out + ("" if not notes else "; left out: " + "; ".join(notes)))
            except (KeyError, ValueError, RFormatError) as e:
                print("rda-to-csv: %s: %s: %s" % (path, name, e), file=sys.stderr)
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
