"""Cores: the pipeline of one hardware thread each, and the arch's timing model.

``ArchTiming`` implements the engine's timing seam (``k1sim.engine.seam.Timing``): each op's
``Work`` (from ``k1sim.cost``) issues on its thread's core, an ``InOrderCore`` (scoreboarded
in-order issue, ``width_per_cycle`` per cycle) or a ``WindowedCore`` (out of order within a
reorder window), occupies its units (scalar pipe, RVV, the matrix engine of ``k1sim.ime`` /
``k1sim.ame``, the load path) and makes its result ready after its latency; its transfers go
through the shared memory system (``k1sim.memory``).
"""

from k1sim.cores.core import InOrderCore
from k1sim.cores.timing import ArchTiming
from k1sim.cores.window import WindowedCore

__all__ = ["ArchTiming", "InOrderCore", "WindowedCore"]
