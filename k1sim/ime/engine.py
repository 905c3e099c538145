"""The IME of one core as a SimPy component."""

from __future__ import annotations

from k1sim.cores.units import Unit


class Ime(Unit):
    """Runs an mmt4d's IME instructions. The cost model gives their count over
    the issue rate, maxed with the bound of feeding A and B tiles from L1 into
    vector registers; the pipeline fills once per op. The instructions occupy
    the vector unit as well (the same registers and issue slots)."""

    occupies = ("matrix", "vector")
