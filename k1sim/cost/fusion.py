"""The fusions spine-triton's lowering performs, as predicates over the use lists.

The model costs what the hardware runs (DESIGN.md "Modelling rules"):

1. a block ``tt.load`` whose only user is an ``xsmt.pack`` is a ``descriptor_load_view``: the
   pack reads only the packed window, and the load is free (it runs as part of the pack,
   whose window offsets may be computed after the load). Only when the pack is in the load's
   block with nothing between them that orders memory or meets other threads (a store, a
   barrier op, an op with regions): a load is never moved past those;
2. ``arith.addf`` / ``addi`` chains that sum a loop-carried accumulator and single-use results
   of 2-operand ``mmt4d`` (``acc + p0``, ``acc + p0 + p1`` in any association) are the mmt4d
   accumulating in place (``C += A * B^T``): every add of the chain is free and each mmt4d
   reads its accumulator;
3. ``tt.trans [1, 0, 3, 2]`` of a pack's result whose only user is an mmt4d is a transposed
   pack: free;
4. an ``xsmt.unpack`` whose only user is a ``tt.store`` (as the value stored) writes straight
   to the destination: free, the store moves the bytes.

Without ``uses`` nothing fuses: every op is costed on its own.
"""

from __future__ import annotations

from typing import NamedTuple

from k1sim.cost.uses import SYNC_OPS, Uses, defining_op, is_loop_carried
from k1sim.ir import types as T

TRANSPOSED_PACK = (1, 0, 3, 2)
ACC_ADDS = ("arith.addf", "arith.addi")
_ORDERING = SYNC_OPS | {"tt.store"}


class Fused(NamedTuple):
    """The context of an op a neighbour absorbs."""

    into: str


def load_window(load, uses: Uses | None) -> tuple | None:
    """The (S0, S1) window of the pack a block load fuses with, or None."""
    ptr = load.operands[0].type
    if uses is None or not (isinstance(ptr, T.PtrType) and ptr.is_block):
        return None
    user = uses.only_user(load.results[0])
    if (user is None or user.name != "xsmt.pack" or user.operands[0] is not load.results[0]
            or not _movable_to(load, user)):
        return None
    return tuple(user.prop("shape"))


def _movable_to(load, pack) -> bool:
    """Whether the load can run where the pack is."""
    block = load.parent
    if block is None or pack.parent is not block:
        return False
    ops = block.ops
    between = ops[ops.index(load) + 1:ops.index(pack)]
    return not any(op.regions or op.name in _ORDERING for op in between)


def absorbed_load(pack, uses: Uses | None):
    """The block ``tt.load`` this pack absorbs, or None."""
    src = defining_op(pack.operands[0])
    if src is not None and src.name == "tt.load" and load_window(src, uses) is not None:
        return src
    return None


def trans_fused(trans, uses: Uses | None) -> bool:
    if uses is None or tuple(trans.prop("order") or ()) != TRANSPOSED_PACK:
        return False
    src = defining_op(trans.operands[0])
    user = uses.only_user(trans.results[0])
    return (src is not None and src.name == "xsmt.pack" and user is not None
            and user.name == "xsmt.mmt4d" and trans.results[0] in user.operands[:2])


def unpack_fused(unpack, uses: Uses | None) -> bool:
    if uses is None:
        return False
    user = uses.only_user(unpack.results[0])
    return (user is not None and user.name == "tt.store"
            and user.operands[1] is unpack.results[0] and user.operands[0] is not unpack.results[0])


def accumulated_mmt4d(add, uses: Uses | None):
    """An mmt4d the ``addf``/``addi`` accumulates in place, or None: the add is part of a
    chain of adds (``acc + p0 + p1`` in any association) whose leaves are one loop-carried
    accumulator and single-use results of 2-operand mmt4d."""
    chain = _accumulation(add, uses)
    return defining_op(chain[1][0]) if chain is not None else None


def _accumulation(add, uses: Uses | None) -> tuple | None:
    """(the loop-carried accumulator, the mmt4d results) of the chain of adds ``add`` is
    in, or None when it is not an in-place accumulation."""
    if uses is None or add.name not in ACC_ADDS or len(add.operands) != 2:
        return None
    leaves = _chain_leaves(_chain_root(add, uses), uses)
    carried = [v for v in leaves if is_loop_carried(v)]
    parts = [v for v in leaves if not is_loop_carried(v)]
    if len(carried) != 1 or not parts or not all(_accumulable(v, uses) for v in parts):
        return None
    return carried[0], parts


def _accumulable(value, uses: Uses) -> bool:
    """A single-use result of a 2-operand mmt4d."""
    mm = defining_op(value)
    return (mm is not None and mm.name == "xsmt.mmt4d" and len(mm.operands) == 2
            and uses.only_user(value) is not None)


def _chain_root(add, uses: Uses):
    """The last add of the chain ``add`` is in: follow single users of the same kind."""
    for _ in range(1000):  # a chain is as long as the sum it writes
        user = uses.only_user(add.results[0])
        if user is None or user.name != add.name or user.parent is not add.parent:
            return add
        add = user
    return add


def _chain_leaves(add, uses: Uses) -> list:
    """The values a chain of adds sums: operands not made by a single-use add of the chain."""
    leaves, todo = [], [add]
    while todo:
        node = todo.pop()
        for v in node.operands:
            src = defining_op(v)
            if (src is not None and src.name == add.name and src.parent is add.parent
                    and uses.only_user(v) is node and len(src.operands) == 2):
                todo.append(src)
            else:
                leaves.append(v)
        if len(leaves) > 64:  # a sum that long is not an accumulation the lowering fuses
            break
    return leaves


def mmt4d_accumulator(mm, uses: Uses | None):
    """The loop-carried value an mmt4d accumulates into in place (its only user is an add
    of such a chain), or None. Every mmt4d of one chain accumulates into the same
    registers, one after another in program order."""
    if uses is None or len(mm.operands) != 2:
        return None
    user = uses.only_user(mm.results[0])
    chain = _accumulation(user, uses) if user is not None else None
    return chain[0] if chain is not None else None


def mmt4d_accumulates(mm, uses: Uses | None) -> bool:
    """Whether an mmt4d's only user is an add fused into a chain it accumulates into."""
    return mmt4d_accumulator(mm, uses) is not None
