"""Random elementwise and reduction expressions, traced and run, equal numpy's values."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k1sim import frontend
from tests.frontend.helpers import HEADER

DTYPES = {"float32": np.float32, "float16": np.float16, "int32": np.int32}
SIZES = st.sampled_from([1, 2, 4, 8, 16])

# (kernel text, numpy function) per operator; {0} and {1} are the operands.
BINARY = {
    "add": ("({0} + {1})", lambda a, b: a + b),
    "sub": ("({0} - {1})", lambda a, b: a - b),
    "mul": ("({0} * {1})", lambda a, b: a * b),
    "maximum": ("tl.maximum({0}, {1})", np.maximum),
    "minimum": ("tl.minimum({0}, {1})", np.minimum),
    "where": ("tl.where({0} > {1}, {0}, {1} - {0})", lambda a, b: np.where(a > b, a, b - a)),
}
UNARY = {
    "neg": ("(-{0})", lambda a: -a),
    "abs": ("tl.abs({0})", np.abs),
    "scale": ("({0} * 3)", lambda a: a * 3),
}
FLOAT32_UNARY = {"sqrt": ("tl.sqrt(tl.abs({0}))", lambda a: np.sqrt(np.abs(a))),
                 "exp": ("tl.exp({0} * 0.125)", lambda a: np.exp(a * np.float32(0.125)))}
REDUCTIONS = {"sum": np.sum, "max": np.max, "min": np.min, "argmax": np.argmax,
              "argmin": np.argmin}


@st.composite
def expressions(draw, dtype: str, depth: int = 3):
    """(kernel text, numpy function of x and y)."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        leaf = draw(st.sampled_from(["x", "y"]))
        return leaf, (lambda x, y: x) if leaf == "x" else (lambda x, y: y)
    unary = {**UNARY, **(FLOAT32_UNARY if dtype == "float32" else {})}
    if draw(st.booleans()):
        text, fn = unary[draw(st.sampled_from(sorted(unary)))]
        t, f = draw(expressions(dtype, depth - 1))
        return text.format(t), lambda x, y: fn(f(x, y))
    text, fn = BINARY[draw(st.sampled_from(sorted(BINARY)))]
    (ta, fa), (tb, fb) = draw(expressions(dtype, depth - 1)), draw(expressions(dtype, depth - 1))
    return text.format(ta, tb), lambda x, y: fn(fa(x, y), fb(x, y))


def _run(body: str, x, y, out, m: int, n: int):
    source = HEADER + f"""
@triton.jit
def k(x_ptr, y_ptr, out_ptr, M: tl.constexpr, N: tl.constexpr):
    offs = tl.arange(0, M)[:, None] * N + tl.arange(0, N)[None, :]
    x = tl.load(x_ptr + offs)
    y = tl.load(y_ptr + offs)
{body}
"""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "expr.py"
        path.write_text(source)
        mod = frontend.load(path)
        frontend.launch(mod.k, (1,), x, y, out, arch="0xA03C", M=m, N=n)


def _inputs(data, dtype: str, m: int, n: int):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    if dtype == "int32":
        return (rng.integers(-50, 50, (m, n)).astype(np.int32) for _ in range(2))
    return (rng.standard_normal((m, n)).astype(DTYPES[dtype]) for _ in range(2))


def _close(got, want, dtype: str, scale=None):
    if dtype == "int32":
        np.testing.assert_array_equal(got, want)
        return
    tol = 1e-2 if dtype == "float16" else 1e-5
    got, want = got.astype(np.float64), want.astype(np.float64)
    bound = tol * (1 + (np.abs(want) if scale is None else scale))
    same = (np.abs(got - want) <= bound) | (np.isnan(got) & np.isnan(want)) | (got == want)
    assert same.all(), f"got {got[~same]}, want {want[~same]} (tolerance {bound})"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), dtype=st.sampled_from(sorted(DTYPES)), m=SIZES, n=SIZES)
def test_elementwise_expressions_equal_numpy(data, dtype, m, n):
    text, fn = data.draw(expressions(dtype))
    x, y = _inputs(data, dtype, m, n)
    out = np.zeros((m, n), DTYPES[dtype])
    _run(f"    tl.store(out_ptr + offs, {text})", x, y, out, m, n)
    with np.errstate(all="ignore"):
        want = fn(x, y)
    _close(out, want, dtype)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), dtype=st.sampled_from(sorted(DTYPES)), m=SIZES, n=SIZES,
       axis=st.sampled_from([0, 1]), reduction=st.sampled_from(sorted(REDUCTIONS)))
def test_reductions_equal_numpy(data, dtype, m, n, axis, reduction):
    text, fn = data.draw(expressions(dtype, depth=2))
    x, y = _inputs(data, dtype, m, n)
    length = m if axis == 1 else n
    out_dtype = np.int32 if reduction.startswith("arg") else DTYPES[dtype]
    out = np.zeros(length, out_dtype)
    _run(f"    r = tl.{reduction}({text}, axis={axis})\n"
         f"    tl.store(out_ptr + tl.arange(0, {length}), r)", x, y, out, m, n)
    with np.errstate(all="ignore"):
        e = fn(x, y)
    want = REDUCTIONS[reduction](e, axis=axis)
    if reduction.startswith("arg"):
        # Ties may pick any of the equal values' indices; the value there must be the extreme.
        picked = np.take_along_axis(e, np.expand_dims(out, axis).astype(np.int64), axis)
        best = (np.max if reduction == "argmax" else np.min)(e, axis=axis, keepdims=True)
        np.testing.assert_array_equal(picked, best)
        return
    scale = np.abs(e).sum(axis=axis) if reduction == "sum" else None
    _close(out, want.astype(out_dtype), dtype, scale)
