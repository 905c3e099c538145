"""What one op costs: ``Work`` (busy cycles on a unit, arithmetic, register traffic) and the
``Transfer`` s beyond L1 that the memory model times.

A ``Work`` is a pure description; the timing model turns it into simulated time. The core-side
duration is ``max(issue-bound, operand-bound) + fill``: the unit issues ``issue_cycles`` of
compute while ``reg_bytes`` stream between the vector registers and L1, and the two overlap
(an in-order core keeps loading the next operand tile while the matrix or vector unit works on
this one). Memory ``transfers`` are timed on top by the memory model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

UNITS = ("scalar", "vector", "matrix", "lsu", "none")
ENGINES = ("ime", "ame", "rvv", "scalar", "none")
SCOPES = ("global", "local", "fragment")


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

    def operand_cycles(self, arch) -> float:
        """Cycles the register <-> L1 traffic needs at the L1 bandwidth."""
        return self.reg_bytes / arch.l1.bw_bytes_per_cycle if self.reg_bytes else 0.0

    def cycles(self, arch) -> float:
        """The op's time on its core: max(issue-bound, operand-bound) + fill (no transfers)."""
        return max(self.issue_cycles, self.operand_cycles(arch)) + self.fill_cycles

    def bound(self, arch) -> str:
        """``"operand"`` when register <-> L1 traffic sets the time, else ``"issue"``."""
        return "operand" if self.operand_cycles(arch) > self.issue_cycles else "issue"


FREE = Work("none", "none", 0.0, 0.0, {}, 0, ())


@lru_cache(maxsize=None)
def fused(into: str) -> Work:
    """The Work of an op a neighbour absorbs: nothing, and who absorbed it."""
    return Work("none", "none", 0.0, 0.0, {}, 0, (), fused_into=into)
