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

from k1sim.cost.uses import defining_op
from k1sim.cost.work import ABSORBED_LOAD
from k1sim.memory import Access

def describe(ctx, op, args, transfer, absorbed) -> Access:
    """The memory ``Access`` of one of ``op``'s transfers."""
    if transfer.operand == ABSORBED_LOAD:
        value = absorbed[(ctx.thread, id(defining_op(op.operands[0])))]
    else:
        value = args[transfer.operand] if 0 <= transfer.operand < len(args) else None
    acc = ctx.access(value, (args[1:3], op.prop("shape")) if transfer.window else None)
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
