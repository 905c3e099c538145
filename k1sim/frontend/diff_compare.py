"""Element-wise comparison of two runs' final memory, for the differential check.

Two arrays agree where ``|python - dump| <= atol + rtol * |dump|`` or both are NaN;
integers must be equal. The default tolerance is the one a file's expect gets for that
element type (``k1sim.simulator.DEFAULT_TOLERANCE``): about one rounding of the type,
since a compiler may reorder a reduction. ``rtol = atol = 0`` asks for bit equality.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from k1sim.simulator import DEFAULT_TOLERANCE

_ELEMENT = {np.dtype(np.float16): "f16", np.dtype(np.float32): "f32",
            np.dtype(np.float64): "f64"}


@dataclass(frozen=True)
class Mismatch:
    """One argument whose final contents differ: ``count`` of ``total`` elements, the
    first (row-major) at ``index`` of the Python array's shape, with both values."""
    name: str
    count: int
    total: int
    index: tuple
    python_value: float
    dump_value: float
    rtol: float
    atol: float

    def describe(self) -> str:
        return (f"{self.count} of {self.total} elements differ (rtol {self.rtol:g}, atol "
                f"{self.atol:g}); first at {self.index}: Python {self.python_value!r}, "
                f"dump {self.dump_value!r}")


def compare(name: str, python: np.ndarray, dump: np.ndarray, rtol=None,
            atol=None) -> Mismatch | None:
    """The mismatch of one argument, or None when the two agree everywhere."""
    flat_py = np.ascontiguousarray(python).reshape(-1)
    flat_dump = np.ascontiguousarray(dump).reshape(-1)
    default = DEFAULT_TOLERANCE.get(_ELEMENT.get(flat_py.dtype), 0.0)
    rtol = default if rtol is None else float(rtol)
    atol = default if atol is None else float(atol)
    if flat_py.dtype.kind in "iub":
        bad = flat_py != flat_dump
    else:
        a, b = flat_py.astype(np.float64), flat_dump.astype(np.float64)
        with np.errstate(invalid="ignore"):
            close = np.abs(a - b) <= atol + rtol * np.abs(b)
        bad = ~(close | (np.isnan(a) & np.isnan(b)) | (a == b))
    count = int(np.count_nonzero(bad))
    if not count:
        return None
    first = int(np.flatnonzero(bad)[0])
    index = tuple(int(i) for i in np.unravel_index(first, np.shape(python)))
    return Mismatch(name, count, flat_py.size, index, flat_py[first].item(),
                    flat_dump[first].item(), rtol, atol)
