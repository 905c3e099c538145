"""Values of ``arith`` constants, binary ops, comparisons and select (FORMAT.md 4.1).

Integers are two's complement of their type's width and wrap modulo 2^width (i4 in
an int8 wraps to 4 bits; i1 is a 1-bit integer whose signed value is 0 or -1). Every
integer op works on the values widened to int64 (signed ops) or uint64 (unsigned ops,
which read the bits as unsigned) and wraps the result back, so no numpy overflow
warning escapes. Where the IR says nothing, k1sim does what RISC-V does:

* division by zero gives a quotient of all ones (-1 signed, the maximum unsigned) and
  a remainder equal to the dividend, and warns; ``MIN / -1`` gives ``MIN`` remainder 0;
* a shift amount is taken modulo the width; ``shrsi`` is arithmetic;
* ``maxnumf``/``minnumf`` return the other operand when one is NaN, ``maximumf``/
  ``minimumf`` return NaN; all four order -0.0 below +0.0 (RISC-V ``fmax``/``fmin``).

Float ops compute in the storage dtype (bf16 in float32, then rounded; for + - * /
that double rounding is exact since 24 >= 2*8 + 2), with inf/NaN warnings silenced.
"""

from __future__ import annotations

import operator
from operator import index

import numpy as np

from k1sim.functional.dtypes import round_bf16, storage_dtype
from k1sim.functional.errors import FunctionalError
from k1sim.functional.semantics import as_type, prepared, semantic
from k1sim.ir import attrs as A
from k1sim.ir import types as T
from k1sim.ir.attrs import CMPF, CMPI

_ONES = np.uint64(0xFFFF_FFFF_FFFF_FFFF)


# -- integer and float storage ------------------------------------------------

def width(t: T.Type) -> int:
    """Bit width of an integer (or float) type's elements; index is 64."""
    return T.bitwidth(t)


def wrap(v, w: int):
    """int64 values reduced to the signed range of ``w`` bits."""
    if w >= 64:
        return v
    half, mask = np.int64(1 << (w - 1)), np.int64((1 << w) - 1)
    return ((v + half) & mask) - half


def signed(x, t: T.Type) -> np.ndarray:
    """The signed values of integer ``x`` of type ``t``, as int64."""
    return wrap(np.asarray(x).astype(np.int64), width(t))


def unsigned(x, t: T.Type) -> np.ndarray:
    """The bits of integer ``x`` of type ``t`` read as unsigned, as uint64."""
    w = width(t)
    mask = _ONES if w >= 64 else np.uint64((1 << w) - 1)
    return np.asarray(x).astype(np.int64).astype(np.uint64) & mask


def from_int(v, t: T.Type):
    """int64 or uint64 values stored as integer type ``t`` (wrapped to its width)."""
    return as_type(wrap(np.asarray(v).astype(np.int64), width(t)), t)


# Scalar address arithmetic dominates a kernel's op count: scalar integer ops run on Python
# ints (then wrap) instead of through numpy, with the same results. type -> (width, the
# zero of its numpy storage type), for scalar integer types wider than i1 (whose storage
# is bool, not a two's complement integer). ``zero + v`` is the numpy scalar of a Python
# int ``v`` in range (NEP 50: the Python int takes the scalar's type), five times faster
# than calling the type, and out of range the same OverflowError.
_SCALAR_INTS: dict = {}


def scalar_int_type(t: T.Type) -> tuple[int, np.integer] | None:
    """(width, storage zero) of a scalar integer type of more than one bit, else None."""
    hit = _SCALAR_INTS.get(t)
    if hit is None:
        hit = _SCALAR_INTS[t] = (
            (T.bitwidth(t), storage_dtype(str(t)).type(0))
            if T.is_integer(t) and not isinstance(t, T.TensorType) and T.bitwidth(t) > 1
            else False)
    return hit or None


def wrap_int(v: int, w: int) -> int:
    """A Python int reduced to the signed range of ``w`` bits (``wrap`` without numpy)."""
    half = 1 << (w - 1)
    return ((v + half) & ((1 << w) - 1)) - half


def _round_odd_f32(x: np.ndarray) -> np.ndarray:
    """float64 -> float32 rounded to odd, so that rounding on to bf16 is correct (not double)."""
    r = x.astype(np.float32)
    inexact = (r.astype(np.float64) != x) & ~np.isnan(x) & ((r.view(np.uint32) & 1) == 0)
    toward = np.where(x > r, np.float32(np.inf), np.float32(-np.inf))
    return np.where(inexact, np.nextafter(r, toward), r)


def round_to(x, t: T.Type):
    """Values rounded once (nearest even) from float64 to float type ``t``'s storage."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        if T.element_of(t) == T.bf16:
            x = round_bf16(_round_odd_f32(x))
        return as_type(x, t)


# -- integer binary ops -------------------------------------------------------

# name -> (reads bits as unsigned, numpy function on int64 / uint64 values)
INT_BINARY = {
    "addi": (False, np.add), "subi": (False, np.subtract), "muli": (False, np.multiply),
    "andi": (False, np.bitwise_and), "ori": (False, np.bitwise_or),
    "xori": (False, np.bitwise_xor),
    "minsi": (False, np.minimum), "maxsi": (False, np.maximum),
    "minui": (True, np.minimum), "maxui": (True, np.maximum),
    "shli": (True, np.left_shift), "shrsi": (False, np.right_shift),
    "shrui": (True, np.right_shift),
}
SHIFTS = ("shli", "shrsi", "shrui")  # the amount is taken modulo the width


def _divsi(a, b):
    return (a - np.fmod(a, b)) // b


# name -> (unsigned, is a remainder, fn(a, b) for b != 0 and not MIN / -1)
DIVISIONS = {
    "divsi": (False, False, _divsi),
    "remsi": (False, True, np.fmod),
    "floordivsi": (False, False, np.floor_divide),
    "ceildivsi": (False, False, lambda a, b: a // b + (a % b != 0)),
    "divui": (True, False, np.floor_divide),
    "remui": (True, True, np.remainder),
}


def _int_operands(op, args, is_unsigned: bool):
    t = op.operands[0].type
    read = unsigned if is_unsigned else signed
    return read(args[0], t), read(args[1], t), width(t)


# The integer ops that run on Python ints for scalars (see ``scalar_int_type``).
_SCALAR_INT = {"addi": operator.add, "subi": operator.sub, "muli": operator.mul,
               "andi": operator.and_, "ori": operator.or_, "xori": operator.xor,
               "maxsi": max, "minsi": min}


def _int_binary(op, args, ctx):
    scalar = _scalar_int_binary(op)
    if scalar is not None:
        return scalar(op, args, ctx)
    name = op.name.removeprefix("arith.")
    is_unsigned, fn = INT_BINARY[name]
    a, b, w = _int_operands(op, args, is_unsigned)
    if name in SHIFTS:
        b = b % b.dtype.type(w)
    with np.errstate(all="ignore"):
        return from_int(fn(a, b), op.results[0].type)


def _division(op, args, ctx):
    is_unsigned, is_rem, fn = DIVISIONS[op.name.removeprefix("arith.")]
    a, b, w = _int_operands(op, args, is_unsigned)
    zero = b == 0
    if np.any(zero):
        ctx.warn(op, f"{op.name} divides by zero: the result is RISC-V's (quotient all ones, "
                     "remainder = dividend)")
    safe = np.where(zero, np.ones_like(b), b)
    if not is_unsigned:  # MIN / -1 computed as MIN / 1: quotient MIN, remainder 0
        safe = np.where((a == -(1 << (w - 1))) & (b == -1), np.int64(1), safe)
    with np.errstate(all="ignore"):
        r = fn(a, safe)
    all_ones = np.full_like(a, _ONES if is_unsigned else -1)
    r = np.where(zero, a if is_rem else all_ones, r)
    return from_int(r, op.results[0].type)


semantic(*(f"arith.{n}" for n in INT_BINARY))(_int_binary)


@prepared(*(f"arith.{n}" for n in _SCALAR_INT))
def _scalar_int_binary(op):
    """The op on Python ints when its result is a scalar integer, decided once per op."""
    fn = _SCALAR_INT.get(op.name.removeprefix("arith."))
    scalar = scalar_int_type(op.results[0].type)
    if fn is None or scalar is None:
        return None
    w, zero = scalar
    half, mask = 1 << (w - 1), (1 << w) - 1     # ``wrap_int``'s, inline: this runs per op
    # ``operator.index``: the Python int of a numpy integer, in half the time of ``int``
    return lambda op, args, ctx: zero + (((fn(index(args[0]), index(args[1])) + half) & mask)
                                         - half)


semantic(*(f"arith.{n}" for n in DIVISIONS))(_division)


# -- float binary ops ---------------------------------------------------------

def _signed_zeros(pick_negative: bool):
    """fn(a, b, r): ``r`` except that -0.0 and +0.0 order as -0.0 < +0.0."""
    def fix(a, b, r):
        both = (a == 0) & (b == 0)
        neg = np.signbit(a) if pick_negative else ~np.signbit(a)
        return np.where(both, np.where(neg, a, b), r)
    return fix


def _zero_ordered(fn, pick_negative: bool):
    fix = _signed_zeros(pick_negative)
    return lambda a, b: fix(a, b, fn(a, b))


FLOAT_BINARY = {
    "addf": np.add, "subf": np.subtract, "mulf": np.multiply, "divf": np.divide,
    "remf": np.fmod,
    "maxnumf": _zero_ordered(np.fmax, False), "minnumf": _zero_ordered(np.fmin, True),
    "maximumf": _zero_ordered(np.maximum, False), "minimumf": _zero_ordered(np.minimum, True),
}


@semantic(*(f"arith.{n}" for n in FLOAT_BINARY))
def _float_binary(op, args, ctx):
    a, b = (np.asarray(x) for x in args)
    with np.errstate(all="ignore"):
        return as_type(FLOAT_BINARY[op.name.removeprefix("arith.")](a, b), op.results[0].type)


@semantic("arith.negf")
def _negf(op, args, ctx):
    return as_type(np.negative(np.asarray(args[0])), op.results[0].type)


# -- comparisons --------------------------------------------------------------

# predicate -> (reads bits as unsigned, comparison)
CMPI_FNS = {
    "eq": (False, np.equal), "ne": (False, np.not_equal),
    "slt": (False, np.less), "sle": (False, np.less_equal),
    "sgt": (False, np.greater), "sge": (False, np.greater_equal),
    "ult": (True, np.less), "ule": (True, np.less_equal),
    "ugt": (True, np.greater), "uge": (True, np.greater_equal),
}


def _always(value: bool):
    return lambda a, b: np.full(np.broadcast(a, b).shape, value)


# predicate -> (ordered: false when a NaN is present / unordered: true then, comparison)
CMPF_FNS = {
    "false": (True, _always(False)), "true": (False, _always(True)),
    "ord": (True, _always(True)), "uno": (False, _always(False)),
    "oeq": (True, np.equal), "ogt": (True, np.greater), "oge": (True, np.greater_equal),
    "olt": (True, np.less), "ole": (True, np.less_equal), "one": (True, np.not_equal),
    "ueq": (False, np.equal), "ugt": (False, np.greater), "uge": (False, np.greater_equal),
    "ult": (False, np.less), "ule": (False, np.less_equal), "une": (False, np.not_equal),
}


@semantic("arith.cmpi")
def _cmpi(op, args, ctx):
    is_unsigned, fn = CMPI_FNS[CMPI[op.prop("predicate")]]
    a, b, _ = _int_operands(op, args, is_unsigned)
    return as_type(fn(a, b), op.results[0].type)


@semantic("arith.cmpf")
def _cmpf(op, args, ctx):
    ordered, fn = CMPF_FNS[CMPF[op.prop("predicate")]]
    a, b = (np.asarray(x) for x in args)
    with np.errstate(all="ignore"):
        either_nan = np.isnan(a) | np.isnan(b)
        r = fn(a, b) & ~either_nan if ordered else fn(a, b) | either_nan
    return as_type(r, op.results[0].type)


# -- select and constant ------------------------------------------------------

@semantic("arith.select")
def _select(op, args, ctx):
    cond, a, b = args
    if not isinstance(op.operands[0].type, T.TensorType):
        return a if bool(cond) else b
    if hasattr(a, "map") or hasattr(b, "map"):
        raise FunctionalError(f"{op.name} with a tensor condition on tensors of pointers is "
                              "not supported; select whole tensors with a scalar condition")
    return as_type(np.where(np.asarray(cond), a, b), op.results[0].type)


def _wrap_python(v: int, w: int) -> int:
    v &= (1 << w) - 1
    return v - (1 << w) if v >> (w - 1) else v


@semantic("arith.constant")
def _constant(op, args, ctx):
    attr, t = op.props["value"], op.results[0].type
    values = attr.values if isinstance(attr, A.DenseAttr) else (attr.value,)
    if (scalar := scalar_int_type(t)) is not None:
        w, zero = scalar
        return zero + wrap_int(int(values[0]), w)
    if T.is_integer(t):
        v = np.array([_wrap_python(int(x), width(t)) for x in values], dtype=np.int64)
    else:
        v = np.array(values, dtype=np.float64)
    full = isinstance(t, T.TensorType) and v.size == t.numel
    v = v.reshape(t.shape) if full else v[0]  # a splat is broadcast by as_type
    return from_int(v, t) if T.is_integer(t) else round_to(v, t)


@prepared("arith.constant")
def _scalar_constant(op):
    """A scalar constant's value, made once per op (a numpy scalar is immutable, so every
    execution can share it); a tensor constant is made afresh each time."""
    if isinstance(op.results[0].type, T.TensorType):
        return None
    try:
        value = _constant(op, [], None)
    except FunctionalError:
        return None       # then it fails where it runs, with its location
    return lambda op, args, ctx: value
