"""The scalar pipe: scalar arithmetic, address arithmetic, loop control, barriers and allocs.

Every scalar op (and each loop iteration's ``scf.for`` control, each ``scf.if`` and
``scf.yield``) is one instruction at ``issue.scalar_ops_per_cycle``; its result is ready
after ``latency.scalar_cycles``. Constants, annotations,
returns and function headers cost nothing (the compiler materialises constants once, outside
the hot loop, or folds them into immediates).

Barriers and allocations are runtime calls (assumed costs, nobody publishes them):
* ``xsmt.alloc`` / ``alloc_copies`` bump a per-thread pointer and check the capacity:
  ``ALLOC_SCALAR_OPS`` instructions.
* Creating, setting or releasing a barrier writes its word: ``BARRIER_SCALAR_OPS``.
* ``mbarrier_arrive`` is an atomic add on the barrier word and ``mbarrier_wait`` polls it; the
  word is shared by the cores of the cluster, so each pays one L2 round trip
  (``l2.latency_cycles``) on top of ``BARRIER_SCALAR_OPS``, holding the scalar pipe (an
  atomic orders memory: nothing after it issues until it returns). The time a wait blocks
  for the phase to flip is measured by the engine, not costed here.
"""

from __future__ import annotations

from k1sim.cost.rates import dtype_name
from k1sim.cost.vector import counted_ops
from k1sim.cost.work import FREE, Work

ALLOC_SCALAR_OPS = 2
BARRIER_SCALAR_OPS = 2

FREE_OPS = frozenset(("arith.constant", "xsmt.annotation", "tt.return", "func.return",
                      "tt.reduce.return", "tt.func", "func.func"))
BARRIER_SYNC = frozenset(("xsmt_async.mbarrier_arrive", "xsmt_async.mbarrier_wait"))
BARRIER_SETUP = frozenset(("xsmt_async.mbarrier_alloc", "xsmt_async.mbarrier_release",
                           "xsmt.mbarrier_copies", "xsmt.global_mbarrier_init",
                           "xsmt.barrier_set_expect"))
ALLOCS = frozenset(("xsmt.alloc", "xsmt.alloc_copies"))


def scalar(op, arch) -> Work:
    """One scalar instruction, or the barrier / alloc costs above."""
    if op.name in FREE_OPS:
        return FREE
    per_op = 1.0 / arch.issue.scalar_ops_per_cycle
    if op.name in BARRIER_SYNC:  # an atomic: the in-order pipe waits for its round trip
        return Work("scalar", "scalar", BARRIER_SCALAR_OPS * per_op + arch.l2.latency_cycles,
                    0.0, {}, 0, ())
    if op.name in BARRIER_SETUP:
        return Work("scalar", "scalar", BARRIER_SCALAR_OPS * per_op, 0.0, {}, 0, ())
    if op.name in ALLOCS:
        return Work("scalar", "scalar", ALLOC_SCALAR_OPS * per_op, 0.0, {}, 0, ())
    fill = max(arch.latency.scalar_cycles - per_op, 0.0)
    return Work("scalar", "scalar", per_op, fill, scalar_flops(op), 0, ())


def scalar_flops(op) -> dict:
    """A scalar float arith or math op is one flop of its type (an FMA two)."""
    if op.dialect not in ("arith", "math") or not op.results:
        return {}
    n = counted_ops(op, 1)
    return {dtype_name(op.results[0].type): n} if n else {}
