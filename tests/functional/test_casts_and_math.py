"""arith casts and math ops against the independent Python references of test_arith."""

import math
import struct
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import k1sim.functional.casts  # noqa: F401  (registers the semantics)
import k1sim.functional.math_fns  # noqa: F401
from k1sim.functional import storage_dtype
from k1sim.functional.semantics import SEMANTICS
from k1sim.ir import types as T
from k1sim.ir.registry import OPS, load_all
from tests.functional.test_arith import (FLOATS, INF, INTS, NAN, SETTINGS, WIDTH, as_storage,
                                         float_strategy, int_strategy, int_values, round_exact,
                                         run, tensor_of, wrap)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")  # none from numpy may escape


# -- casts --------------------------------------------------------------------------

def cast(op, src, dst, x):
    return run(f"arith.{op}", [T.SCALARS[src]], T.SCALARS[dst], as_storage(x, src)[()])


@SETTINGS
@given(x=st.floats(allow_nan=False, width=64))
def test_truncf_rounds_once_to_nearest_even(x):
    for dst in ("f32", "f16", "bf16"):
        assert float(cast("truncf", "f64", dst, x)) == round_exact(x, dst)
    x32 = round_exact(x, "f32")
    for dst in ("f16", "bf16"):
        assert float(cast("truncf", "f32", dst, x32)) == round_exact(x32, dst)
    assert float(cast("extf", "bf16", "f64", round_exact(x, "bf16"))) == round_exact(x, "bf16")


def test_truncf_ties_nan_and_tensors():
    assert float(cast("truncf", "f64", "bf16", 1 + 2**-8 + 2**-30)) == 1 + 2**-7
    assert float(cast("truncf", "f32", "bf16", 1 + 2**-8)) == 1.0  # tie to even
    assert float(cast("truncf", "f32", "bf16", 1 + 3 * 2**-8)) == 1 + 2**-6
    assert math.isnan(cast("truncf", "f32", "f16", NAN))
    t_in, t_out = tensor_of("f32", 2), tensor_of("f16", 2)
    got = run("arith.truncf", [t_in], t_out, np.array([1e6, 1 + 2**-11], np.float32))
    assert got.dtype == np.float16 and got.tolist() == [INF, 1.0]
    assert cast("extf", "f16", "f32", 65504.0) == 65504.0


@SETTINGS
@given(data=st.data(), src=st.sampled_from(INTS), dst=st.sampled_from(FLOATS))
def test_int_to_float(data, src, dst):
    x = data.draw(int_strategy(WIDTH[src]))
    assert float(cast("sitofp", src, dst, x)) == round_exact(x, dst)
    assert float(cast("uitofp", src, dst, x)) == round_exact(x % 2 ** WIDTH[src], dst)


def saturate(x, w, is_unsigned):
    lo, hi = (0, 2**w - 1) if is_unsigned else (-(2 ** (w - 1)), 2 ** (w - 1) - 1)
    return hi if math.isnan(x) else min(max(math.trunc(x), lo), hi) if math.isfinite(x) \
        else (hi if x > 0 else lo)


@SETTINGS
@given(data=st.data(), src=st.sampled_from(FLOATS), dst=st.sampled_from(INTS))
def test_float_to_int_truncates_and_saturates(data, src, dst):
    x = data.draw(st.one_of(float_strategy(src), st.sampled_from([NAN, INF, -INF, -0.7, 2.5])))
    x = float(as_storage(x, src))
    w = WIDTH[dst]
    assert int_values(cast("fptosi", src, dst, x), w) == [wrap(saturate(x, w, False), w)]
    assert int_values(cast("fptoui", src, dst, x), w) == [wrap(saturate(x, w, True), w)]


def test_float_to_int_examples():
    assert cast("fptosi", "f32", "i8", 1e10) == 127 and cast("fptosi", "f32", "i8", -1e10) == -128
    assert cast("fptosi", "f32", "i32", NAN) == 2**31 - 1
    assert cast("fptoui", "f64", "i8", NAN) == -1  # 255
    assert cast("fptoui", "f32", "i8", -5.0) == 0 and cast("fptoui", "f32", "i8", 200.9) == -56
    assert cast("fptosi", "f64", "i64", 1e19) == 2**63 - 1
    assert cast("fptosi", "f16", "i16", -2.75) == -2
    t_in, t_out = tensor_of("bf16", 2), tensor_of("i64", 2)
    assert run("arith.fptoui", [t_in], t_out, np.array([3e19, -1], np.float32)).tolist() == [-1, 0]


@SETTINGS
@given(data=st.data(), src=st.sampled_from(INTS), dst=st.sampled_from(INTS))
def test_integer_casts(data, src, dst):
    x = data.draw(int_strategy(WIDTH[src]))
    ws, wd = WIDTH[src], WIDTH[dst]
    for op, want in (("extsi", x), ("trunci", x), ("index_cast", x), ("extui", x % 2**ws)):
        assert int_values(cast(op, src, dst, x), wd) == [wrap(want, wd)]
    n = 3
    got = run("arith.extui", [tensor_of(src, n)], tensor_of(dst, n), as_storage([x] * n, src))
    assert got.dtype == storage_dtype(dst) and int_values(got, wd) == [wrap(x % 2**ws, wd)] * n


BIT_FORMATS = {"f16": ("<e", "<h"), "f32": ("<f", "<i"), "f64": ("<d", "<q")}


@SETTINGS
@given(data=st.data(), name=st.sampled_from(sorted(BIT_FORMATS)))
def test_bitcast_float_int(data, name):
    fmt_f, fmt_i = BIT_FORMATS[name]
    w = struct.calcsize(fmt_i) * 8
    i = data.draw(int_strategy(w))
    f = struct.unpack(fmt_f, struct.pack(fmt_i, i))[0]
    got = cast("bitcast", f"i{w}", name, i)
    assert int(np.asarray(got).view(f"<i{w // 8}")) == i  # NaN payloads included
    assert int(cast("bitcast", name, f"i{w}", got)) == i
    f = struct.unpack(fmt_f, struct.pack(fmt_i, i))[0]
    if not math.isnan(f):  # (struct canonicalises NaNs)
        assert float(got) == f and int(cast("bitcast", name, f"i{w}", f)) == i


def test_bitcast_bf16_uses_the_top_16_bits():
    assert cast("bitcast", "bf16", "i16", -2.0) == -16384  # 0xC000
    assert float(cast("bitcast", "i16", "bf16", 0x3F80)) == 1.0
    t16, tb = tensor_of("i16", 2), tensor_of("bf16", 2)
    snan = np.array([0x7F81, -0x4000], np.int16)  # a signalling NaN stays unchanged
    there = run("arith.bitcast", [t16], tb, snan)
    assert there.dtype == np.float32 and there[1] == -2.0
    assert run("arith.bitcast", [tb], t16, there).tolist() == snan.tolist()


# -- math ---------------------------------------------------------------------------

MATH_REF = {"exp": math.exp, "exp2": lambda x: 2.0**x, "log": math.log, "log2": math.log2,
            "sqrt": math.sqrt, "rsqrt": lambda x: 1 / math.sqrt(x), "tanh": math.tanh,
            "erf": math.erf, "absf": abs, "floor": math.floor, "ceil": math.ceil}


@pytest.mark.parametrize("name", FLOATS)
@pytest.mark.parametrize("fn", sorted(MATH_REF))
def test_math_unary(name, fn):
    xs = [float(as_storage(v, name)) for v in (0.3, 1.0, 2.5, 7.75, 0.01)]
    xs += [-x for x in xs] if fn not in ("log", "log2", "sqrt", "rsqrt") else []
    want = [round_exact(float(MATH_REF[fn](x)), name) for x in xs]
    t = tensor_of(name, len(xs))
    got = run(f"math.{fn}", [t], t, as_storage(xs, name))
    assert got.dtype == storage_dtype(name)
    np.testing.assert_allclose(got, want, rtol=4e-16 if name == "f64" else 0)
    s = T.SCALARS[name]
    assert float(run(f"math.{fn}", [s], s, as_storage(xs[1], name)[()])) == want[1]


def test_math_special_values():
    f = T.f32
    assert math.isnan(run("math.log", [f], f, np.float32(-1))) and math.isnan(
        run("math.sqrt", [f], f, np.float32(-1)))
    assert run("math.rsqrt", [f], f, np.float32(0)) == INF
    assert run("math.exp", [T.f16], T.f16, np.float16(12)) == INF
    assert run("math.erf", [f], f, np.float32(0.5)) == np.float32(0.5204998778130465)


@SETTINGS
@given(data=st.data(), name=st.sampled_from(["f16", "bf16", "f32"]))
def test_fma_rounds_once(data, name):
    a, b, c = (data.draw(float_strategy(name)) for _ in range(3))
    want = round_exact(Fraction(a) * Fraction(b) + Fraction(c), name)
    t = T.SCALARS[name]
    assert float(run("math.fma", [t] * 3, t, *(as_storage(v, name)[()] for v in (a, b, c)))) \
        == want


def test_fma_is_fused():
    a = np.float32(1 + 2**-23)
    got = run("math.fma", [T.f32] * 3, T.f32, a, a, np.float32(-(1 + 2**-22)))
    assert got == np.float32(2**-46)  # unfused in f32: a*a rounds to 1 + 2**-22, giving 0
    # a*b + c = 1 + 3*2**-24 - 2**-70: just below an f32 tie, which a float64 sum rounds onto
    a, b, c = np.float32(2**-24 * (1 + 2**-23)), np.float32(1 - 2**-23), np.float32(1 + 2**-23)
    assert run("math.fma", [T.f32] * 3, T.f32, a, b, c) == np.float32(1 + 2**-23)
    t = tensor_of("f64", 2)
    got = run("math.fma", [t] * 3, t, *(np.array(v) for v in ([1.5, 2.0], [3.0, 3.0], [0.25, 2.0])))
    assert got.tolist() == [4.75, 8.0]


def test_every_arith_and_math_op_has_semantics():
    load_all()
    names = [n for n in OPS if n.startswith(("arith.", "math."))]
    assert len(names) > 50 and [n for n in names if n not in SEMANTICS] == []
