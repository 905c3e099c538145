"""Values of ``xsmt.pack`` / ``unpack`` / ``repack`` / ``mmt4d`` (FORMAT.md 4.3).

Thin adapters from an op and its operand values to the numba kernels of
``packing`` and ``mmt4d``: they read the op's properties (``shape``,
``packed_size``, ``operandSegmentSizes``) and its printed result type.
"""

from __future__ import annotations

import numpy as np

from k1sim.functional.mmt4d import mmt4d as mmt4d_kernel
from k1sim.functional.packing import pack as pack_kernel
from k1sim.functional.packing import repack as repack_kernel
from k1sim.functional.packing import unpack as unpack_kernel
from k1sim.functional.semantics import op_warning, semantic
from k1sim.ir import types as T

MMT4D_DEST_WARNING = (
    "the 3-operand xsmt.mmt4d overwrites its destination: its value is a·b alone, not "
    "a·b + d (spine-triton lowers it to a zero-filled linalg.mmt4d written into d's "
    "storage); to accumulate, use a 2-operand mmt4d followed by arith.addf")


def _base_and_offsets(op, args) -> tuple[np.ndarray, tuple[int, ...]]:
    """The base tensor and the offsets as ints. An ``into(%d)`` destination only names
    storage, so its value is never read."""
    n_offsets = op.prop("operandSegmentSizes")[1]
    return args[0], tuple(int(o) for o in args[1:1 + n_offsets])


@semantic("xsmt.pack")
def pack(op, args, ctx):
    x, offsets = _base_and_offsets(op, args)
    return pack_kernel(x, offsets, op.prop("shape"), op.prop("packed_size"))


@semantic("xsmt.unpack")
def unpack(op, args, ctx):
    p, offsets = _base_and_offsets(op, args)
    return unpack_kernel(p, offsets, op.prop("shape"))


@semantic("xsmt.repack")
def repack(op, args, ctx):
    p, offsets = _base_and_offsets(op, args)
    return repack_kernel(p, offsets, op.prop("shape"), op.prop("packed_size"))


@op_warning("xsmt.mmt4d")
def mmt4d_warning(op):
    return MMT4D_DEST_WARNING if len(op.operands) == 3 else None


@semantic("xsmt.mmt4d")
def mmt4d(op, args, ctx):
    """``C[i, j, a, b] = Σ A[i, k, a, c] · B[j, k, b, c]``, summed in the wide type and
    converted once to the printed result element type. A third operand's values are
    discarded (``mmt4d_warning`` says so): the op's value is the product alone."""
    a, b = args[0], args[1]
    element = str(T.element_of(op.results[0].type))
    if element == "i4":  # stored in int8: wrap the i32 sums to 4 bits, sign-extended
        c = mmt4d_kernel(a, b, "i32")
        return (((c + 8) & 15) - 8).astype(np.int8)
    return mmt4d_kernel(a, b, element)
