"""One core of the arch, running one hardware thread's ops in order."""

from __future__ import annotations

from k1sim.ame.engine import Ame
from k1sim.cores.units import Unit
from k1sim.ime.engine import Ime

UNITS = ("scalar", "vector", "matrix", "lsu")


class Core:
    """An in-order core: each op runs to completion before the next issues.

    Compute first (on the op's unit: the larger of its issue cycles and of moving
    its operands between registers and L1, plus a fill), then the op's memory
    transfers. Busy cycles are counted per unit; ops on other cores overlap in
    time and meet only on shared links (L2, DRAM) and barriers.
    """

    def __init__(self, env, cfg, index: int, memory):
        self.env = env
        self.cfg = cfg
        self.index = index
        self.memory = memory
        matrix = {"ime": Ime, "ame": Ame}.get(cfg.matrix.kind, Unit)
        self.units = {"scalar": Unit(env, cfg, "scalar"), "vector": Unit(env, cfg, "vector"),
                      "matrix": matrix(env, cfg, "matrix"), "lsu": Unit(env, cfg, "lsu")}
        self.busy = dict.fromkeys(UNITS, 0.0)

    def compute(self, work) -> float:
        """The cycles of ``work`` on its unit, counted as busy for every unit it occupies."""
        unit = self.units.get(work.unit)
        if unit is None:
            return 0.0
        cycles = unit.execute(work)
        for name in unit.occupies:
            self.busy[name] += cycles
        return cycles

    def transfer(self, work, blocks):
        """Move the op's bytes (``yield from``); ``blocks`` gives each transfer's
        memory block (its cache key) and the bytes that really move.

        Returns the memory level that served the last transfer, if any.
        """
        level = None
        for transfer, (key, nbytes) in zip(work.transfers, blocks):
            t0 = self.env.now
            level = yield from self.memory.access(self.index, key, nbytes,
                                                  transfer.scope, transfer.write)
            self.busy["lsu"] += self.env.now - t0
        return level
