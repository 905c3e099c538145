"""Vector-unit work (RVV): elementwise arithmetic, math, casts, data movement and reductions.

* Elementwise: elements / ``alu_ops_per_cycle[dtype]`` (``math.fma``: 2 flops per element at
  ``fma_flops_per_cycle``). A cast runs at the rate of its wider type.
* Iterative and polynomial ops (exp, log, tanh, erf, sqrt, rsqrt, divf, remf): one VLEN-wide
  vector per ``transcendental_cycles_per_vector``.
* Data movement (pack, unpack, repack, trans, broadcast, splat, tile extract/insert): the bytes
  written, at DLEN bits per cycle. ``reshape`` and ``expand_dims`` are metadata: free.
* ``tt.reduce``: the elements at the ALU rate, plus one cycle per level of the log2 tree that
  combines the lanes (assumed).
* Latency: the result is ready ``fill`` cycles after the unit's last slot, from the class's
  latency in ``arch.latency`` (vector integer, vector float, divide; data movement runs on the
  vector integer unit).
* Arithmetic ops are counted for float math only (1 per element, an FMA 2); integer
  elementwise ops on tensors are address and mask arithmetic and are not counted.

Register residency: the op's tensor values are placed in the register file (32 x VLEN/8
bytes) smallest first; those that no longer fit live in L1 and the op pays their bytes as
``reg_bytes`` (read for an operand, write for a result). A value that fits on its own may
still spill when the op in flight needs the rest of the registers for its other values.
"""

from __future__ import annotations

from math import ceil, log2

from k1sim.cost.rates import dtype_name, element_bits, is_tensor, nbytes, numel, rate
from k1sim.cost.work import FREE, Work
from k1sim.ir import types as T

TRANSCENDENTAL = frozenset((
    "math.exp", "math.exp2", "math.log", "math.log2", "math.tanh", "math.erf", "math.sqrt",
    "math.rsqrt", "arith.divf", "arith.remf"))
DIVIDES = frozenset(("arith.divf", "arith.remf", "arith.divsi", "arith.divui", "arith.remsi",
                     "arith.remui", "math.sqrt", "math.rsqrt"))
CASTS = frozenset(f"arith.{n}" for n in (
    "extf truncf sitofp uitofp fptosi fptoui extsi extui trunci index_cast bitcast".split()))
MOVEMENT = frozenset(("xsmt.pack", "xsmt.unpack", "xsmt.repack", "tt.trans", "tt.broadcast",
                      "tt.splat", "tle.extract_tile", "tle.insert_tile"))
METADATA = frozenset(("tt.reshape", "tt.expand_dims"))
# Elementwise ops that compute something but are not arithmetic to count.
_UNCOUNTED = frozenset(("arith.cmpi", "arith.cmpf", "arith.select", "tt.addptr"))


def register_file_bytes(arch) -> int:
    return 32 * arch.rvv.vlen_bits // 8


def spilled_bytes(types, arch) -> int:
    """Bytes of the tensor values that do not fit the register file next to the others."""
    free = register_file_bytes(arch)
    spilled = 0
    for size in sorted(nbytes(t) for t in types if is_tensor(t)):
        if size <= free:
            free -= size
        else:
            spilled += size
    return spilled


def _types(op) -> list:
    return [v.type for v in op.operands] + [r.type for r in op.results]


def vector_fill(arch, dtype: str, divide: bool = False) -> float:
    """Cycles from a vector op's last issue slot to its result: its class's latency
    (``arch.latency``) less that slot, one cycle per LMUL-1 vector."""
    lat = arch.latency
    cycles = (lat.vector_divide_cycles if divide else
              lat.vector_float_cycles if dtype.startswith(("f", "bf")) else
              lat.vector_int_cycles)
    return float(max(cycles - 1, 0))


def _work(op, arch, cycles: float, ops: dict | None = None, fill: float | None = None) -> Work:
    if fill is None:
        fill = vector_fill(arch, dtype_name(op.results[0].type) if op.results else "i32")
    return Work("vector", "rvv", cycles, fill, ops or {}, spilled_bytes(_types(op), arch), ())


def movement(op, arch) -> Work:
    if op.name in METADATA:
        return FREE
    moved = op.operands[2].type if op.name == "tle.insert_tile" else op.results[0].type
    # data movement runs on the vector integer unit (slides, gathers, moves): its latency
    return _work(op, arch, nbytes(moved) / (arch.rvv.dlen_bits / 8), fill=vector_fill(arch, "i8"))


def elementwise(op, arch) -> Work:
    """An arith or math op, a cast, ``tt.addptr`` or ``tt.make_range`` on tensors."""
    out = op.results[0].type
    n = numel(out)
    dtype = dtype_name(out)
    if op.name in CASTS:
        src = op.operands[0].type
        if element_bits(src) > element_bits(out):
            dtype = dtype_name(src)
    elif op.name in ("arith.cmpi", "arith.cmpf"):
        dtype = dtype_name(op.operands[0].type)
    rv = arch.rvv
    if op.name == "math.fma":
        cycles = 2 * n / rate(rv.fma_flops_per_cycle, dtype)
    elif op.name in TRANSCENDENTAL:
        vectors = ceil(n / (rv.vlen_bits / element_bits(out)))
        cycles = vectors * rv.transcendental_cycles_per_vector
    else:
        cycles = n / rate(rv.alu_ops_per_cycle, dtype)
    counted = counted_ops(op, n)
    fill = vector_fill(arch, dtype, divide=op.name in DIVIDES)
    return _work(op, arch, cycles, {dtype: counted} if counted else None, fill)


def counted_ops(op, n: int) -> int:
    """Arithmetic ops of an elementwise op over ``n`` elements: float math only."""
    if op.name in CASTS or op.name in _UNCOUNTED or not T.is_float(op.results[0].type):
        return 0
    return 2 * n if op.name == "math.fma" else n


def reduce(op, arch) -> Work:
    src = op.operands[0].type
    axis = op.prop("axis")
    dtype = dtype_name(src)
    n_in = numel(src)
    n_out = sum(numel(r.type) for r in op.results) // max(len(op.results), 1)
    levels = ceil(log2(src.shape[axis])) if src.shape[axis] > 1 else 0
    cycles = len(op.operands) * n_in / rate(arch.rvv.alu_ops_per_cycle, dtype) + levels
    combines = len(op.operands) * (n_in - n_out)  # zero over an axis of one
    return _work(op, arch, cycles, {dtype: combines} if combines and T.is_float(src) else None,
                 vector_fill(arch, dtype))
