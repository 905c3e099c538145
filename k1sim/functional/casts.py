"""Values of the ``arith`` casts (FORMAT.md 4.1).

* ``extf``/``truncf``/``sitofp``/``uitofp`` round to nearest even, once: a value goes
  to float64 and from there to the result type (bf16 through a round-to-odd float32, so
  f64 -> bf16 is not rounded twice). Integers above 2^53 in magnitude converted to bf16
  are the exception: they are rounded to float64 first.
* ``fptosi``/``fptoui`` truncate toward zero and saturate like RISC-V ``fcvt``: a value
  below the range gives the minimum (0 for unsigned), above it the maximum, NaN the
  maximum.
* ``extsi``/``trunci``/``index_cast`` read the operand as signed and wrap to the result's
  width; ``extui`` reads it as unsigned. (MLIR's index_cast sign-extends.)
* ``bitcast`` reinterprets the bits; bf16's bits are the top 16 bits of its float32
  storage, and NaN payloads pass through unchanged.
"""

from __future__ import annotations

from operator import index

import numpy as np

from k1sim.functional.arith import (from_int, round_to, scalar_int_type, signed, unsigned,
                                    width, wrap_int)
from k1sim.functional.semantics import as_type, dtype_of, prepared, semantic
from k1sim.ir import types as T

# float type name -> the unsigned integer dtype of the same size as its storage
_FLOAT_BITS = {"f16": np.uint16, "f32": np.uint32, "f64": np.uint64, "bf16": np.uint32}


def _to_float(v: np.ndarray, dst: T.Type):
    """Integer values (int64 or uint64) converted to float type ``dst``."""
    with np.errstate(all="ignore"):
        if T.element_of(dst) == T.bf16:
            return round_to(v.astype(np.float64), dst)
        return as_type(v, dst)  # numpy's integer -> float casts round to nearest even


def _to_int(x, dst: T.Type, is_unsigned: bool):
    """Floats truncated toward zero, saturated to ``dst``'s range (NaN -> the maximum)."""
    w = width(dst)
    lo, hi = (0, 2**w - 1) if is_unsigned else (-(2 ** (w - 1)), 2 ** (w - 1) - 1)
    dt = np.uint64 if is_unsigned else np.int64
    f = np.trunc(np.asarray(x, dtype=np.float64))
    with np.errstate(all="ignore"):
        above, below = np.isnan(f) | (f >= float(hi + 1)), f < float(lo)
        v = np.where(above | below, 0.0, f).astype(dt)
    v = np.where(above, dt(hi), np.where(below, dt(lo), v))
    return from_int(v, dst)


def _bits(x, t: T.Type) -> np.ndarray:
    """The bits of ``x`` (type ``t``) as uint64."""
    el = T.element_of(t)
    if not isinstance(el, T.FloatType):
        return unsigned(x, t)
    u = np.asarray(x, dtype=dtype_of(el)).view(_FLOAT_BITS[el.name])
    return (u >> np.uint32(16) if el == T.bf16 else u).astype(np.uint64)


def _from_bits(u: np.ndarray, t: T.Type):
    """Values of type ``t`` whose bits are ``u`` (exact: no rounding, NaNs kept)."""
    el = T.element_of(t)
    if not isinstance(el, T.FloatType):
        return from_int(u, t)
    if el == T.bf16:
        u = u << np.uint64(16)
    v = u.astype(_FLOAT_BITS[el.name]).view(dtype_of(el))
    return v if isinstance(t, T.TensorType) else v[()]


# name -> fn(x, source type, result type)
CASTS = {
    "extf": lambda x, src, dst: round_to(x, dst),
    "truncf": lambda x, src, dst: round_to(x, dst),
    "sitofp": lambda x, src, dst: _to_float(signed(x, src), dst),
    "uitofp": lambda x, src, dst: _to_float(unsigned(x, src), dst),
    "fptosi": lambda x, src, dst: _to_int(x, dst, False),
    "fptoui": lambda x, src, dst: _to_int(x, dst, True),
    "extsi": lambda x, src, dst: from_int(signed(x, src), dst),
    "extui": lambda x, src, dst: from_int(unsigned(x, src), dst),
    "trunci": lambda x, src, dst: from_int(signed(x, src), dst),
    "index_cast": lambda x, src, dst: from_int(signed(x, src), dst),
    "bitcast": lambda x, src, dst: _from_bits(_bits(x, src), dst),
}


# Integer casts between scalars (address arithmetic) on Python ints, with the same values:
# name -> whether it reads the operand as unsigned.
_SCALAR_CASTS = {"extsi": False, "trunci": False, "index_cast": False, "extui": True}


@semantic(*(f"arith.{n}" for n in CASTS))
def _cast(op, args, ctx):
    fast = _scalar_cast(op)
    if fast is not None:
        return fast(op, args, ctx)
    return CASTS[op.name.removeprefix("arith.")](args[0], op.operands[0].type,
                                                 op.results[0].type)


@prepared(*(f"arith.{n}" for n in _SCALAR_CASTS))
def _scalar_cast(op):
    """A cast between scalar integers on Python ints, its widths decided once per op."""
    reads_unsigned = _SCALAR_CASTS.get(op.name.removeprefix("arith."))
    a, b = scalar_int_type(op.operands[0].type), scalar_int_type(op.results[0].type)
    if reads_unsigned is None or a is None or b is None:
        return None
    (src, _), (dst, zero) = a, b
    if reads_unsigned:
        mask = (1 << src) - 1
        return lambda op, args, ctx: zero + wrap_int(index(args[0]) & mask, dst)
    return lambda op, args, ctx: zero + wrap_int(wrap_int(index(args[0]), src), dst)
