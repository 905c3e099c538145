"""Cores: one hardware thread each, issuing its ops in order to its units.

A core takes each op's ``Work`` (from ``k1sim.cost``), lets its compute time
pass on the unit that runs it (scalar pipe, RVV, the matrix engine), then moves
its bytes through the memory system, which may make it wait for shared links.
"""

from k1sim.cores.core import Core
from k1sim.cores.units import Unit

__all__ = ["Core", "Unit"]
