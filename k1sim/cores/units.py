"""What an op keeps busy on its core: the units it occupies, for how long, and its latency.

``timed(work, arch)`` turns a ``Work`` into a ``Timed``: each unit's occupancy (reciprocal
throughput x instructions), the fill until its result is ready, and what bound it:

* scalar and RVV work occupy their unit for ``issue_cycles``;
* an IME mmt4d occupies the matrix engine and the vector unit (its instructions use the
  vector registers and issue slots); an AME mmt4d only the matrix unit; the engine's package
  (``k1sim.ime``, ``k1sim.ame``) counts its instructions, latency and operand traffic;
* register <-> L1 bytes occupy the load path (``lsu``) at the L1 bandwidth, in parallel with
  the compute: the op holds its units for the longer of the two (a unit waiting for its
  operands takes nothing else), and the bound names it (``L1`` when the operand traffic is
  longer, else the engine). The load path's busy time counts memory transfers only.

An mmt4d also says when the next in-place accumulate into its accumulator tiles may issue
(``again``): each tile's last write must be ready before the next op's first write to it,
and ``chain_gap`` of its instruction slots lie between the two, so the next op waits the
latency less the instructions in between (a one-tile chain waits the whole latency; many
interleaved tiles hide it).
"""

from __future__ import annotations

from typing import NamedTuple

from k1sim import ame, ime
from k1sim.cores.rvv import mmt4d_cost

UNITS = ("scalar", "vector", "matrix", "lsu")
_ENGINES = {"ime": ime, "ame": ame}


class Timed(NamedTuple):
    units: tuple         # the units the op holds for ``busy`` cycles
    busy: float          # the op's own time on its core: max(issue, operand)
    operand: float       # cycles its register <-> L1 bytes hold the load path (``lsu``)
    fill: float          # cycles from the end of ``busy`` until the result is ready
    bound: str           # the engine, or "L1" when operand traffic set ``busy``
    reg_bytes: int
    again: float = 0.0   # cycles from issue until an in-place accumulate into its tiles
                         # may issue (an mmt4d; 0 for anything else)


NOTHING = Timed((), 0.0, 0.0, 0.0, "none", 0)


def timed(work, arch) -> Timed:
    if work.unit == "none":
        return NOTHING
    issue, fill, reg_bytes, occupies = work.issue_cycles, work.fill_cycles, work.reg_bytes, None
    instructions = gap = 0
    engine = _ENGINES.get(work.engine) if work.matrix is not None else None
    if engine is not None:
        cost = engine.cost(work.matrix, arch)
        issue, fill, reg_bytes, occupies = (cost.issue_cycles, cost.fill_cycles, cost.reg_bytes,
                                            engine.OCCUPIES)
        instructions, gap = cost.instructions, cost.chain_gap
    elif work.matrix is not None:
        reg_bytes, instructions, gap = mmt4d_cost(work.matrix, arch)
    operand = reg_bytes / arch.l1.bw_bytes_per_cycle if reg_bytes else 0.0
    busy = max(issue, operand)
    bound = "L1" if operand > issue else work.engine
    units = occupies or (work.unit,)
    again = busy + fill
    if instructions:   # its instructions spread evenly over busy
        again = max(again - (gap - 1) * busy / instructions, 0.0)
    return Timed(units, busy, operand if "lsu" not in units else 0.0, fill, bound, reg_bytes,
                 again)
