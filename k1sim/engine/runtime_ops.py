"""Semantics of the ops that need the launch: local allocations and barriers.

The barrier wait blocks its thread, so it lives in the interpreter; everything
else about barriers and buffers is here.
"""

from __future__ import annotations

from k1sim.functional.errors import FunctionalError
from k1sim.functional.memory import BlockPtr, Buffer
from k1sim.functional.semantics import semantic


def _storage(op) -> str:
    return op.prop("storage") or op.prop("scope") or "l2"


@semantic("xsmt.alloc")
def _alloc(op, args, ctx):
    t = op.results[0].type.pointee
    alloc = ctx.launch.allocate(ctx, op, t.element, t.shape, _storage(op))
    return BlockPtr.view(alloc, 0, t.shape)


@semantic("xsmt.alloc_copies")
def _alloc_copies(op, args, ctx):
    t = op.results[0].type
    alloc = ctx.launch.allocate(ctx, op, t.element, t.shape, _storage(op))
    return Buffer(alloc, t.copies, tuple(t.shape[1:]))


@semantic("xsmt_async.mbarrier_alloc")
def _mbarrier_alloc(op, args, ctx):
    flag, arrive, _txn, expect = (int(a) for a in args)
    return ctx.launch.new_barrier(op, flag, arrive, expect)


@semantic("xsmt.mbarrier_copies")
def _mbarrier_copies(op, args, ctx):
    flag, arrive, expect = (op.prop(k) for k in ("flag", "arriveCount", "expectCount"))
    return tuple(ctx.launch.new_barrier(op, flag, arrive, expect)
                 for _ in range(op.prop("numCopies")))


@semantic("xsmt.mbarrier_subview")
def _mbarrier_subview(op, args, ctx):
    slots, k = args[0], int(args[1])
    if not 0 <= k < len(slots):
        raise FunctionalError(f"barrier slot {k} of an mbarrier with {len(slots)} slots")
    return slots[k]


@semantic("xsmt_async.mbarrier_arrive")
def _mbarrier_arrive(op, args, ctx):
    args[0].arrive()


@semantic("xsmt_async.mbarrier_release")
def _mbarrier_release(op, args, ctx):
    args[0].release()


@semantic("xsmt.global_mbarrier_init")
def _global_mbarrier_init(op, args, ctx):
    return ctx.launch.global_barrier(op, int(args[0]))


@semantic("xsmt.barrier_set_expect")
def _barrier_set_expect(op, args, ctx):
    args[0].set_expect(int(args[1]))
