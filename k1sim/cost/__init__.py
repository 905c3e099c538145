"""The cost model: what each op costs on an arch, after spine-triton's lowering.

``decompose(op, arch, uses)`` returns a ``Work``: which unit and engine run the op, its
compute cycles, pipeline fill, arithmetic ops by dtype, register <-> L1 bytes, and the memory
``Transfer`` s beyond L1 that the memory model times. ``Uses.of(func)`` (built once per
kernel) gives the use lists the fusion rules need. Pure: no simulated time, no values.
"""

from k1sim.cost.decompose import clear_cache, decompose
from k1sim.cost.uses import Uses, is_loop_carried, scope_of
from k1sim.cost.work import Transfer, Work

__all__ = ["decompose", "Work", "Transfer", "Uses", "is_loop_carried", "scope_of",
           "clear_cache"]
