"""What one op costs: ``Work`` (busy cycles on a unit, arithmetic, register traffic) and the
``Transfer`` s beyond L1 that the memory model times.

A ``Work`` is a pure description; the timing packages turn it into simulated time
(``k1sim.cores``): the op occupies its unit for ``issue_cycles`` (reciprocal throughput x
instructions) while ``reg_bytes`` stream between the vector registers and L1 on the load
path, and its result is ready ``fill_cycles`` after the unit is done (the latency of its
last instruction beyond its issue slot). A matrix op carries its ``MatrixShape`` instead:
the engine's own package (``k1sim.ime``, ``k1sim.ame``, or the RVV unit) counts its
instructions and plans its register blocking. Memory ``transfers`` are timed by the memory
model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

UNITS = ("scalar", "vector", "matrix", "lsu", "none")
ENGINES = ("ime", "ame", "rvv", "scalar", "none")
SCOPES = ("global", "local", "fragment")


class EngineDtype(NamedTuple):
    """Which engine did arithmetic on which input dtype: the key of a run's operation
    counts and peaks. Prints as ``ime:i8``, the form reports and JSON show."""

    engine: str
    dtype: str

    def __str__(self) -> str:
        return f"{self.engine}:{self.dtype}"


@dataclass(frozen=True)
class Transfer:
    """Memory traffic beyond L1, decided by the memory model (cache hit or miss, link share)."""

    scope: str          # "global" (DRAM via L2, L1), "local" (scratchpad or L2 share), "fragment"
    nbytes: int
    write: bool
    operand: int        # the op's operand that holds the pointer (the engine keys blocks by
                        # it), or ABSORBED_LOAD
    window: bool = False  # it moves the op's ``shape`` window at its offsets (operands 1, 2)


# The pointer is the one of the tt.load a pack absorbs (the load runs as part of the pack).
ABSORBED_LOAD = -1


class MatrixShape(NamedTuple):
    """An mmt4d as its engine sees it: ``A [M1, K1, m0, k0] x B [N1, K1, n0, k0]``, element
    bytes of the inputs and of the result, and the engine tile (None on RVV)."""

    dtype: str
    M1: int
    N1: int
    K1: int
    m0: int
    k0: int
    n0: int
    in_bytes: float
    out_bytes: float
    accumulates: bool   # it accumulates in place into a loop-carried value (reads C)
    tile: tuple | None  # (M, K, N) of one engine instruction


@dataclass(frozen=True)
class Work:
    unit: str
    engine: str
    issue_cycles: float
    fill_cycles: float
    ops: dict = field(hash=False)   # dtype -> arithmetic ops (a MAC = 2); read-only by convention
    reg_bytes: int
    transfers: tuple
    fused_into: str | None = None
    warning: str | None = None
    matrix: MatrixShape | None = None


FREE = Work("none", "none", 0.0, 0.0, {}, 0, ())


@lru_cache(maxsize=None)
def fused(into: str) -> Work:
    """The Work of an op a neighbour absorbs: nothing, and who absorbed it."""
    return Work("none", "none", 0.0, 0.0, {}, 0, (), fused_into=into)
