"""The AME of one core as a SimPy component."""

from __future__ import annotations

from k1sim.cores.units import Unit


class Ame(Unit):
    """Runs an mmt4d on the attached unit: its tile instructions over the issue
    rate, maxed by the cost model with the bound of loading tiles from L1 into
    its own tile registers, plus one fill. The vector unit stays free."""

    occupies = ("matrix",)
