"""An op's memory transfers on the memory system's event API, as the core issues them.

A load does not block the thread: its request goes out when the op issues, and its result
value is *pending* (the SimPy event of its data arriving) until the data land; only an op
that reads the value waits for it (``k1sim.cores.core``). A store retires into the core's
write buffer: the thread waits only while the buffer has no room. The memory system
(``k1sim.memory``) bounds loads in flight by the core's outstanding-miss slots, drains the
write buffer, and at the kernel's end writes the dirty lines back.

What the memory sees of a transfer is a descriptor (allocation, scope, element size,
first element, shape and strides of the in-bounds window), so caches see the lines a
window really touches: two overlapping windows share lines, a column window touches a
line per column. A gather's lanes are runtime values the timing model never reads: its
bytes count as one contiguous run of its own.
"""

from __future__ import annotations

from typing import NamedTuple

from k1sim.cost.uses import defining_op
from k1sim.cost.work import ABSORBED_LOAD, Transfer
from k1sim.memory import Access


class Site(NamedTuple):
    """What ``describe`` needs of one of an op's transfers that never changes in a run."""

    transfer: Transfer
    load: int | None      # for a pack's absorbed load: the id of that tt.load, whose pointer
                          # ``ArchTiming.absorbed`` keeps per thread
    shape: object         # for a windowed transfer: the op's ``shape`` (offsets: operands 1, 2)


def sites(op, transfers) -> tuple:
    """The ``Site`` of each of ``op``'s transfers, worked out once per op."""
    return tuple(Site(t, id(defining_op(op.operands[0])) if t.operand == ABSORBED_LOAD else None,
                      op.prop("shape") if t.window else None) for t in transfers)


def describe(ctx, op, args, site: Site, absorbed) -> Access:
    """The memory ``Access`` of one of ``op``'s transfers."""
    transfer, load, shape = site
    if load is not None:
        value = absorbed[(ctx.thread, load)]
    else:
        value = args[transfer.operand] if 0 <= transfer.operand < len(args) else None
    acc = ctx.access(value, (args[1:3], shape) if transfer.window else None)
    if acc is None or acc.base is None:   # a gather / scatter, or a fused form
        return Access.contiguous((id(op), ctx.program_id), transfer.nbytes, transfer.scope)
    return Access(acc.alloc, transfer.scope, acc.itemsize, acc.base, acc.shape,
                  acc.strides if acc.shape else ())


def level_served(served: str, scope: str) -> str:
    """What served a load: registers for a fragment, else the deepest memory level the
    memory system says its request reached (``MemorySystem.loads``)."""
    return "registers" if scope == "fragment" else served


def store_level(memory, scope: str, stalled: bool) -> str:
    """What a store's time went to: L1 when the write buffer took it at once, else the
    level the buffer drains to."""
    if scope == "fragment":
        return "registers"
    if not stalled:
        return "L1"
    if scope == "local":
        return "scratchpad" if memory.scratchpads else "L2"
    return "DRAM"
