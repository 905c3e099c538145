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
    transfers. Busy
    cycles are counted per unit; ops on other cores overlap in time and meet
    only on shared links (L2, DRAM) and barriers.
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

    def run(self, work, keys):
        """Run one op's ``work``; ``keys`` name the memory blocks of its transfers.

        Returns the memory level that served the op's last transfer, if any.
        """
        env = self.env
        start = env.now
        unit = self.units.get(work.unit)
        if unit is not None:
            yield from unit.execute(work)
            for name in unit.occupies:
                self.busy[name] += env.now - start
        level = None
        for transfer, key in zip(work.transfers, keys):
            t0 = env.now
            level = yield from self.memory.access(self.index, key, transfer.nbytes,
                                                  transfer.scope, transfer.write)
            self.busy["lsu"] += env.now - t0
        return level
