"""The fusions spine-triton's lowering performs, as predicates over the use lists.

The model costs what the hardware runs (DESIGN.md "Modelling rules"):

1. a block ``tt.load`` whose only user is an ``xsmt.pack`` is a ``descriptor_load_view``: the
   pack reads only the packed window, and the load is free (it runs as part of the pack,
   whose window offsets may be computed after the load). Only when the pack is in the load's
   block with nothing between them that orders memory or meets other threads (a store, a
   barrier op, an op with regions): a load is never moved past those;
2. ``arith.addf`` / ``addi`` of a loop-carried accumulator with the single-use result of a
   2-operand ``mmt4d`` is the mmt4d accumulating in place (``C += A * B^T``): the add is free
   and the mmt4d reads its accumulator;
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
    """The 2-operand mmt4d an ``addf``/``addi`` accumulates in place, or None."""
    if uses is None or add.name not in ACC_ADDS or len(add.operands) != 2:
        return None
    x, y = add.operands
    for acc, part in ((x, y), (y, x)):
        mm = defining_op(part)
        if (mm is not None and mm.name == "xsmt.mmt4d" and len(mm.operands) == 2
                and is_loop_carried(acc) and uses.only_user(part) is add):
            return mm
    return None


def mmt4d_accumulates(mm, uses: Uses | None) -> bool:
    """Whether an mmt4d's only user is an add fused into it (so it reads its accumulator)."""
    if uses is None:
        return False
    user = uses.only_user(mm.results[0])
    return user is not None and accumulated_mmt4d(user, uses) is mm
