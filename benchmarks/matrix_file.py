"""The matrix files the comparison scripts hand to the benchmark programs
(benchmarks/matrix_file.hpp reads them): int64 rows, int64 cols, then rows x cols float64, row-major."""


def write_matrix_file(path, a):
    import numpy as np
    a = np.ascontiguousarray(a, dtype=np.float64)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    with open(path, "wb") as f:
        f.write(np.array(a.shape, dtype=np.int64).tobytes())
        f.write(a.tobytes())


def read_matrix_file(path):
    import numpy as np
    with open(path, "rb") as f:
        r, c = np.frombuffer(f.read(16), dtype=np.int64)
        return np.frombuffer(f.read(), dtype=np.float64).reshape(r, c)
