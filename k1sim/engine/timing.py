"""The timing seam: what the interpreter asks for every op it executes.

A timing model has ``issue(ctx, op)``, a generator that lets simulated time
pass for ``op`` on ``ctx``'s thread (SimPy events: a timeout, a resource
request). The interpreter has computed the op's values before it asks.
"""

from __future__ import annotations


class UnitTiming:
    """Every op, and every loop iteration's control, costs one cycle.

    The stand-in until the arch timing model: it keeps the order of events
    (and so barriers, overlap and deadlocks) real while every cost is equal.
    """

    def issue(self, ctx, op):
        yield ctx.launch.env.timeout(1)
