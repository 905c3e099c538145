"""Loads and stores: the bytes each moves and the memory scope they move them in.

A block access (through a ``tt.make_tensor_ptr`` pointer or an ``xsmt`` view) moves its block:
elements x element size. A load fused with the ``xsmt.pack`` that is its only user is a
``descriptor_load_view``: it runs where the pack is (the window's offsets are known only
there) and moves only the packed window (the pack's S0 x S1 at its offsets, clipped to the
block). A gather or scatter (a tensor of pointers) moves one element per lane, masked lanes
included (the mask is a runtime value), and pays address generation on the core: indexed
accesses go one element per cycle (assumed: RVV indexed loads and stores are element-serial
on in-order cores). Block accesses cost nothing on the core beyond their transfer: the memory
model times the bytes (L1, L2, DRAM or scratchpad) and their latency.
"""

from __future__ import annotations

from math import ceil

from k1sim.cost.rates import element_bytes, nbytes, numel
from k1sim.cost.work import ABSORBED_LOAD, Transfer, Work
from k1sim.ir import types as T

INDEXED_ELEMENTS_PER_CYCLE = 1.0


def _access(ptr_type, data_type, scope: str, write: bool, nbytes_moved: int,
            operand: int = 0, window: bool = False) -> Work:
    transfer = (Transfer(scope, nbytes_moved, write, operand, window),)
    if isinstance(ptr_type, T.TensorType):  # a tensor of pointers: gather / scatter
        issue = numel(ptr_type) / INDEXED_ELEMENTS_PER_CYCLE
        return Work("lsu", "rvv", issue, 0.0, {}, 0, transfer)
    engine = "rvv" if isinstance(data_type, T.TensorType) else "scalar"
    return Work("lsu", engine, 0.0, 0.0, {}, 0, transfer)


def window_bytes(block: T.TensorType, window) -> int:
    """Bytes of an S0 x S1 window of a 2-D block, clipped to the block."""
    rows, cols = (min(s, b) for s, b in zip(window, block.shape))
    return int(ceil(rows * cols * element_bytes(block)))


def load(op, arch, scope: str) -> Work:
    ptr, data = op.operands[0].type, op.results[0].type
    return _access(ptr, data, scope, False, nbytes(data))


def packed_load(pack, arch, ptr_type, scope: str) -> Work:
    """An ``xsmt.pack`` with the block load (through ``ptr_type``) it absorbs: the window's
    bytes."""
    return _access(ptr_type, pack.results[0].type, scope, False,
                   window_bytes(pack.operands[0].type, pack.prop("shape")), ABSORBED_LOAD, True)


def store(op, arch, scope: str) -> Work:
    ptr, data = op.operands[0].type, op.operands[1].type
    return _access(ptr, data, scope, True, nbytes(data))


def descriptor_load_view(op, arch, scope: str) -> Work:
    """A block load of the window ``shape`` packed with ``packed_size``: the window's bytes."""
    block = op.operands[0].type.pointee
    return _access(op.operands[0].type, op.results[0].type, scope, False,
                   window_bytes(block, op.prop("shape")), 0, True)
