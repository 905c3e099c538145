"""Values of the ``math`` dialect (FORMAT.md 4.1).

Each function is evaluated in float64 and rounded once to the result type, which is
as accurate as the f16/bf16/f32 hardware result can be and independent of numpy's
per-CPU float32 kernels. ``erf`` is the C library's (Python's ``math.erf``) applied
element by element. ``rsqrt`` is ``1 / sqrt(x)`` (so ``rsqrt(-0.0) = -inf``).

``fma`` is ``a*b + c`` rounded once for f16, bf16 and f32: the product of two such
values is exact in float64, the sum is rounded to odd there (TwoSum tells whether it
was exact), and the final rounding to the narrower type is then correct. An f64
``fma`` rounds twice (numpy has no fused multiply-add).
"""

from __future__ import annotations

import math

import numpy as np

from k1sim.functional.arith import round_to
from k1sim.functional.semantics import semantic
from k1sim.ir import types as T

_erf = np.frompyfunc(math.erf, 1, 1)

UNARY = {
    "exp": np.exp, "exp2": np.exp2, "log": np.log, "log2": np.log2, "sqrt": np.sqrt,
    "rsqrt": lambda x: 1.0 / np.sqrt(x), "tanh": np.tanh,
    "erf": lambda x: np.asarray(_erf(x), dtype=np.float64),
    "absf": np.abs, "floor": np.floor, "ceil": np.ceil,
}


@semantic(*(f"math.{n}" for n in UNARY))
def _unary(op, args, ctx):
    x = np.asarray(args[0], dtype=np.float64)
    with np.errstate(all="ignore"):
        return round_to(UNARY[op.name.removeprefix("math.")](x), op.results[0].type)


def _sum_round_odd(p: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``p + c`` in float64, rounded to odd (inexact sums get an odd last bit)."""
    s = p + c
    b = s - p
    err = (p - (s - b)) + (c - b)  # TwoSum: p + c == s + err exactly
    even = (s.view(np.uint64) & np.uint64(1)) == 0
    inexact = np.isfinite(s) & (err != 0) & even
    return np.where(inexact, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)


@semantic("math.fma")
def _fma(op, args, ctx):
    a, b, c = (np.asarray(x, dtype=np.float64) for x in args)
    t = op.results[0].type
    with np.errstate(all="ignore"):
        r = a * b + c if T.element_of(t) == T.f64 else _sum_round_odd(a * b, c)
        return round_to(r, t)
