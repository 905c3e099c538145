"""The timing seam: what the interpreter asks for every op it executes.

A timing model has ``issue(ctx, op, args)``, a generator that lets simulated
time pass for ``op`` on ``ctx``'s thread (SimPy events: a timeout, a transfer
on a shared link); ``args`` are the op's operand values (pointers locate the
memory it touches; control ops pass none). The interpreter has computed the
op's values before it asks. ``waited(ctx, op, start, end)`` hears how long a
barrier wait blocked.
"""

from __future__ import annotations


class UnitTiming:
    """Every op, and every loop iteration's control, costs one cycle.

    The stand-in until the arch timing model: it keeps the order of events
    (and so barriers, overlap and deadlocks) real while every cost is equal.
    """

    def issue(self, ctx, op, args):
        yield ctx.launch.env.timeout(1)

    def waited(self, ctx, op, start, end) -> None:
        pass
