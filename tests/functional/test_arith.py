"""arith value semantics against independent Python computations: Python ints for
wrap-around, Fractions rounded by hand for floats. Casts and math: test_casts_and_math.py."""

import math
import struct
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import k1sim.functional.arith  # noqa: F401  (registers the semantics)
from k1sim.functional import FunctionalError, storage_dtype
from k1sim.functional.semantics import SEMANTICS
from k1sim.ir import attrs as A
from k1sim.ir import types as T
from k1sim.ir.core import Operation, Value
from k1sim.ir.attrs import CMPF, CMPI

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")  # none from numpy may escape
SETTINGS = settings(max_examples=150, deadline=None)
INTS = ["i1", "i4", "i8", "i16", "i32", "i64", "index"]
FLOATS = ["f16", "bf16", "f32", "f64"]
WIDTH = {"i1": 1, "i4": 4, "i8": 8, "i16": 16, "i32": 32, "i64": 64, "index": 64}


class Ctx:
    def __init__(self):
        self.warnings = []

    def warn(self, op, message):
        self.warnings.append((op, message))


def run(name, in_types, out_type, *args, ctx=None, **props):
    op = Operation(name, [Value(t) for t in in_types], [out_type], props)
    return SEMANTICS[name](op, list(args), ctx or Ctx())


def tensor_of(name, n):
    return T.TensorType((n,), T.SCALARS[name])


def wrap(v, w):
    v &= (1 << w) - 1
    return v - (1 << w) if w and v >> (w - 1) else v


def int_values(r, w):
    return [wrap(int(v), w) for v in np.ravel(r)]


def int_strategy(w):
    lo, hi = -(2 ** (w - 1)), 2 ** (w - 1) - 1
    return st.one_of(st.integers(lo, hi), st.sampled_from([lo, hi, 0, -1 if w > 1 else 0]))


# -- an independent float rounding: exact rationals, Python's half-even round ------

FORMATS = {"f16": (11, -14, 65504.0), "bf16": (8, -126, float.fromhex("0x1.fep127")),
           "f32": (24, -126, float.fromhex("0x1.fffffep127")), "f64": (53, -1022, sys.float_info.max)}


def round_exact(x, name):
    """The value of type ``name`` nearest the rational (or float) ``x``, ties to even."""
    if isinstance(x, float) and not math.isfinite(x):
        return x
    x = Fraction(x)
    if x == 0:
        return 0.0
    bits, emin, top = FORMATS[name]
    n, d = abs(x).numerator, abs(x).denominator
    e = n.bit_length() - d.bit_length()
    e += abs(x) >= Fraction(2) ** e  # now 2^(e-1) <= |x| < 2^e
    quantum = Fraction(2) ** (max(e, emin + 1) - bits)
    r = round(x / quantum) * quantum
    return (math.inf if r > 0 else -math.inf) if abs(r) > Fraction(top) else float(r)


def bf16_from_bits(b):
    return struct.unpack("<f", struct.pack("<I", (b & 0xFFFF) << 16))[0]


def float_strategy(name):
    if name == "bf16":
        return st.integers(0, 0xFFFF).map(bf16_from_bits).filter(math.isfinite)
    return st.floats(width={"f16": 16, "f32": 32, "f64": 64}[name], allow_nan=False,
                     allow_infinity=False)


def as_storage(values, name):
    return np.array(values, dtype=storage_dtype(name))


# -- integer binary ops ---------------------------------------------------------

def trunc_div(a, b):
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


INT_REF = {  # (a, b signed; ua, ub unsigned; w) -> exact result, wrapped afterwards
    "addi": lambda a, b, ua, ub, w: a + b, "subi": lambda a, b, ua, ub, w: a - b,
    "muli": lambda a, b, ua, ub, w: a * b, "andi": lambda a, b, ua, ub, w: a & b,
    "ori": lambda a, b, ua, ub, w: a | b, "xori": lambda a, b, ua, ub, w: a ^ b,
    "minsi": lambda a, b, ua, ub, w: min(a, b), "maxsi": lambda a, b, ua, ub, w: max(a, b),
    "minui": lambda a, b, ua, ub, w: min(ua, ub), "maxui": lambda a, b, ua, ub, w: max(ua, ub),
    "shli": lambda a, b, ua, ub, w: ua << (ub % w), "shrsi": lambda a, b, ua, ub, w: a >> (ub % w),
    "shrui": lambda a, b, ua, ub, w: ua >> (ub % w),
    "divsi": lambda a, b, ua, ub, w: -1 if b == 0 else trunc_div(a, b),
    "remsi": lambda a, b, ua, ub, w: a if b == 0 else a - b * trunc_div(a, b),
    "floordivsi": lambda a, b, ua, ub, w: -1 if b == 0 else a // b,
    "ceildivsi": lambda a, b, ua, ub, w: -1 if b == 0 else -(-a // b),
    "divui": lambda a, b, ua, ub, w: -1 if ub == 0 else ua // ub,
    "remui": lambda a, b, ua, ub, w: ua if ub == 0 else ua % ub,
}


@st.composite
def int_cases(draw):
    name = draw(st.sampled_from(INTS))
    pairs = draw(st.lists(st.tuples(int_strategy(WIDTH[name]), int_strategy(WIDTH[name])),
                          min_size=1, max_size=6))
    return name, pairs


@SETTINGS
@given(op=st.sampled_from(sorted(INT_REF)), case=int_cases())
def test_integer_ops_wrap_like_python_ints(op, case):
    name, pairs = case
    w, t = WIDTH[name], T.SCALARS[name]
    want = [wrap(INT_REF[op](a, b, a % 2**w, b % 2**w, w), w) for a, b in pairs]
    a, b = as_storage([p[0] for p in pairs], name), as_storage([p[1] for p in pairs], name)
    tt = tensor_of(name, len(pairs))
    got = run(f"arith.{op}", [tt, tt], tt, a, b)
    assert got.dtype == storage_dtype(name) and int_values(got, w) == want
    scalar = run(f"arith.{op}", [t, t], t, a[0], b[0])
    assert isinstance(scalar, np.generic) and scalar.dtype == storage_dtype(name)
    assert int_values(scalar, w) == want[:1]


@SETTINGS
@given(case=int_cases())
def test_division_identities(case):
    name, pairs = case
    w, t = WIDTH[name], T.SCALARS[name]
    for a, b in pairs:
        if b == 0:
            continue
        sa, sb = as_storage(a, name)[()], as_storage(b, name)[()]
        q, r, f, c = (wrap(int(run(f"arith.{o}", [t, t], t, sa, sb)), w)
                      for o in ("divsi", "remsi", "floordivsi", "ceildivsi"))
        assert wrap(b * q + r, w) == a and (r == 0 or (r < 0) == (a < 0))
        if r == 0:
            assert f == q == c
        else:
            assert wrap(f + 1, w) == c and q in (f, c)
        uq, ur = (int(run(f"arith.{o}", [t, t], t, sa, sb)) for o in ("divui", "remui"))
        assert (uq % 2**w) * (b % 2**w) + ur % 2**w == a % 2**w and ur % 2**w < b % 2**w


def test_division_by_zero_is_riscv_and_warns():
    ctx, t = Ctx(), tensor_of("i32", 3)
    a, b = np.array([7, -7, 5], np.int32), np.array([0, 0, 2], np.int32)
    assert list(run("arith.divsi", [t, t], t, a, b, ctx=ctx)) == [-1, -1, 2]
    assert list(run("arith.remsi", [t, t], t, a, b, ctx=ctx)) == [7, -7, 1]
    assert list(run("arith.divui", [t, t], t, a, b, ctx=ctx)) == [-1, -1, 2]  # 0xFFFFFFFF
    assert list(run("arith.remui", [t, t], t, a, b, ctx=ctx)) == [7, -7, 1]
    assert len(ctx.warnings) == 4 and all("divides by zero" in m for _, m in ctx.warnings)
    quiet = Ctx()
    run("arith.divsi", [T.i8, T.i8], T.i8, np.int8(-128), np.int8(-1), ctx=quiet)
    assert quiet.warnings == []
    assert run("arith.divsi", [T.i8, T.i8], T.i8, np.int8(-128), np.int8(-1)) == -128
    assert run("arith.remsi", [T.i64, T.i64], T.i64, np.int64(-2**63), np.int64(-1)) == 0


def test_i4_wraps_to_four_bits_and_shifts_mask_the_amount():
    t = tensor_of("i4", 3)
    got = run("arith.addi", [t, t], t, np.array([7, -8, 3], np.int8), np.array([1, -1, 4], np.int8))
    assert list(got) == [-8, 7, 7]
    assert run("arith.shli", [T.i32, T.i32], T.i32, np.int32(1), np.int32(33)) == 2
    assert run("arith.shrsi", [T.i8, T.i8], T.i8, np.int8(-128), np.int8(7)) == -1
    assert run("arith.shrui", [T.i8, T.i8], T.i8, np.int8(-128), np.int8(7)) == 1


# -- float binary ops -----------------------------------------------------------

FLOAT_REF = {
    "addf": lambda a, b: round_exact(Fraction(a) + Fraction(b), "f64"),
    "subf": lambda a, b: round_exact(Fraction(a) - Fraction(b), "f64"),
    "mulf": lambda a, b: Fraction(a) * Fraction(b),
    "divf": lambda a, b: Fraction(a) / Fraction(b),
    "remf": math.fmod, "maxnumf": max, "minnumf": min, "maximumf": max, "minimumf": min,
}


@SETTINGS
@given(data=st.data(), name=st.sampled_from(FLOATS), op=st.sampled_from(sorted(FLOAT_REF)))
def test_float_ops_round_once_to_the_type(data, name, op):
    pairs = data.draw(st.lists(st.tuples(float_strategy(name), float_strategy(name)),
                               min_size=1, max_size=5))
    if op in ("divf", "remf"):
        pairs = [(a, b) for a, b in pairs if b != 0] or [(1.0, 2.0)]
    exact = [FLOAT_REF[op](a, b) for a, b in pairs]
    # sums are rounded to f64 first: harmless, f64 has more than twice the bits plus 2
    want = [round_exact(x, name) for x in exact]
    a, b = as_storage([p[0] for p in pairs], name), as_storage([p[1] for p in pairs], name)
    t = tensor_of(name, len(pairs))
    got = run(f"arith.{op}", [t, t], t, a, b)
    assert got.dtype == storage_dtype(name) and [float(v) for v in got] == want
    scalar = run(f"arith.{op}", [T.SCALARS[name]] * 2, T.SCALARS[name], a[0], b[0])
    assert isinstance(scalar, np.generic) and float(scalar) == want[0]


INF, NAN = math.inf, math.nan
SPECIALS = [  # op, a, b, result (compared bit for bit, so the sign of zero counts)
    ("addf", INF, -INF, NAN), ("divf", 1.0, 0.0, INF), ("divf", -1.0, 0.0, -INF),
    ("divf", 0.0, 0.0, NAN), ("remf", 5.5, 2.0, 1.5), ("remf", -5.5, 2.0, -1.5),
    ("remf", 1.0, 0.0, NAN), ("remf", INF, 1.0, NAN), ("maxnumf", NAN, 1.0, 1.0),
    ("minnumf", 1.0, NAN, 1.0), ("maximumf", NAN, 1.0, NAN), ("minimumf", 1.0, NAN, NAN),
    ("maximumf", -0.0, 0.0, 0.0), ("maxnumf", 0.0, -0.0, 0.0), ("minimumf", 0.0, -0.0, -0.0),
    ("minnumf", -0.0, 0.0, -0.0), ("mulf", -0.0, 5.0, -0.0), ("mulf", "max", 2.0, INF), ("addf", "max", "max", INF),
]


@pytest.mark.parametrize("name", FLOATS)
@pytest.mark.parametrize("op,a,b,want", SPECIALS)
def test_float_special_values(name, op, a, b, want):
    t = T.SCALARS[name]
    a, b = (FORMATS[name][2] if v == "max" else v for v in (a, b))
    got = float(run(f"arith.{op}", [t, t], t, as_storage(a, name)[()], as_storage(b, name)[()]))
    assert (math.isnan(got) and math.isnan(want)) or (
        got == want and math.copysign(1, got) == math.copysign(1, want))


@pytest.mark.parametrize("name", FLOATS)
def test_negf_flips_the_sign(name):
    t = tensor_of(name, 4)
    got = run("arith.negf", [t], t, as_storage([0.0, -1.5, INF, NAN], name))
    assert [math.copysign(1, v) for v in got] == [-1, 1, -1, -1] and got[1] == 1.5


# -- comparisons ----------------------------------------------------------------

CMPI_REF = {"eq": lambda a, b, ua, ub: a == b, "ne": lambda a, b, ua, ub: a != b,
            "slt": lambda a, b, ua, ub: a < b, "sle": lambda a, b, ua, ub: a <= b,
            "sgt": lambda a, b, ua, ub: a > b, "sge": lambda a, b, ua, ub: a >= b,
            "ult": lambda a, b, ua, ub: ua < ub, "ule": lambda a, b, ua, ub: ua <= ub,
            "ugt": lambda a, b, ua, ub: ua > ub, "uge": lambda a, b, ua, ub: ua >= ub}


@SETTINGS
@given(pred=st.sampled_from(CMPI), case=int_cases())
def test_cmpi_every_predicate(pred, case):
    name, pairs = case
    w = WIDTH[name]
    want = [CMPI_REF[pred](a, b, a % 2**w, b % 2**w) for a, b in pairs]
    a, b = as_storage([p[0] for p in pairs], name), as_storage([p[1] for p in pairs], name)
    t = tensor_of(name, len(pairs))
    props = {"predicate": A.IntAttr(CMPI.index(pred))}
    got = run("arith.cmpi", [t, t], tensor_of("i1", len(pairs)), a, b, **props)
    assert got.dtype == np.bool_ and list(got) == want
    t = T.SCALARS[name]
    assert run("arith.cmpi", [t, t], T.i1, a[0], b[0], **props) is np.bool_(want[0])


def cmpf_ref(pred, a, b):
    unordered = math.isnan(a) or math.isnan(b)
    base = {"eq": a == b, "gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b, "ne": a != b}
    if pred in ("false", "true"):
        return pred == "true"
    if pred in ("ord", "uno"):
        return unordered == (pred == "uno")
    rel = base[pred[1:]] if not unordered else False
    return rel if pred[0] == "o" else (unordered or rel)


@pytest.mark.parametrize("name", FLOATS)
@pytest.mark.parametrize("pred", CMPF)
def test_cmpf_every_predicate_with_nans(name, pred):
    values = [NAN, -INF, -1.5, -0.0, 0.0, 2.0, INF]
    pairs = [(a, b) for a in values for b in values]
    a, b = as_storage([p[0] for p in pairs], name), as_storage([p[1] for p in pairs], name)
    t, props = tensor_of(name, len(pairs)), {"predicate": A.IntAttr(CMPF.index(pred))}
    got = run("arith.cmpf", [t, t], tensor_of("i1", len(pairs)), a, b, **props)
    assert got.dtype == np.bool_ and list(got) == [cmpf_ref(pred, x, y) for x, y in pairs]
    s = T.SCALARS[name]
    assert run("arith.cmpf", [s, s], T.i1, a[0], b[1], **props) == cmpf_ref(pred, NAN, -INF)


# -- select and constant ----------------------------------------------------------

class Pointers:
    def map(self, fn):
        return self


def test_select_scalar_and_tensor_conditions():
    t, c = tensor_of("f32", 3), tensor_of("i1", 3)
    a, b = np.array([1, 2, 3], np.float32), np.array([4, 5, 6], np.float32)
    assert run("arith.select", [T.i1, t, t], t, np.bool_(False), a, b) is b
    got = run("arith.select", [c, t, t], t, np.array([True, False, True]), a, b)
    assert got.dtype == np.float32 and list(got) == [1, 5, 3]
    assert run("arith.select", [T.i1, T.i8, T.i8], T.i8, np.bool_(True), np.int8(3),
               np.int8(4)) == 3
    p, q = Pointers(), Pointers()
    assert run("arith.select", [T.i1, t, t], t, np.bool_(True), p, q) is p
    with pytest.raises(FunctionalError, match="tensors of pointers is not supported"):
        run("arith.select", [c, t, t], t, np.array([True, False, True]), p, q)


def constant(attr, t):
    return run("arith.constant", [], t, value=attr)


def test_constants():
    assert constant(A.IntAttr(255, T.i8), T.i8) == -1
    assert constant(A.IntAttr(1, T.i1), T.i1) is np.bool_(True)
    assert constant(A.IntAttr(-3, T.index), T.index).dtype == np.int64
    assert float(constant(A.FloatAttr(3.3, T.bf16), T.bf16)) == round_exact(3.3, "bf16")
    assert float(constant(A.FloatAttr(0.1, T.f16), T.f16)) == round_exact(0.1, "f16")
    tie = 1 + 2**-8 + 2**-30  # rounding to f32 first would make a tie and round down to 1
    assert float(constant(A.FloatAttr(tie, T.bf16), T.bf16)) == 1 + 2**-7
    t = T.TensorType((2, 3), T.i4)
    splat = constant(A.DenseAttr((9,), t), t)
    assert splat.shape == (2, 3) and splat.dtype == np.int8 and np.all(splat == -7)
    t = T.TensorType((2, 2), T.f32)
    full = constant(A.DenseAttr((1.0, 2.0, 0.1, -0.0), t), t)
    assert full.dtype == np.float32 and full.tolist() == [[1, 2], [np.float32(0.1), 0]]


@SETTINGS
@given(st.sampled_from(["arith.addi", "arith.muli", "arith.xori", "arith.extsi",
                        "arith.extui", "arith.trunci"]),
       st.sampled_from([("i8", "i32"), ("i16", "i64"), ("i32", "i8"), ("i64", "i16")]),
       st.integers(-2**63, 2**63 - 1), st.integers(-2**63, 2**63 - 1))
def test_ops_prepared_once_compute_what_the_table_does(name, types, a, b):
    """The interpreter runs each scalar integer op through a function specialised to its
    types once (``semantics_of``); its values are those of the semantics table's general
    path (the numpy one, on 0-d arrays), for every width and overflow."""
    import k1sim.functional.casts  # noqa: F401  (registers the casts)
    from k1sim.functional.semantics import PREPARED, semantics_of

    src, dst = types
    if name in ("arith.extsi", "arith.extui") and WIDTH[dst] <= WIDTH[src] \
            or name == "arith.trunci" and WIDTH[dst] >= WIDTH[src]:
        src, dst = dst, src
    binary = name not in ("arith.extsi", "arith.extui", "arith.trunci")
    ins = [T.SCALARS[src]] * (2 if binary else 1)
    out = T.SCALARS[src if binary else dst]
    op = Operation(name, [Value(t) for t in ins], [out], {})
    values = [np.int64(v).astype(storage_dtype(src)) for v in (a, b)][:len(ins)]
    fast = semantics_of(op)
    assert fast is not SEMANTICS[name] and PREPARED[name](op) is not None
    tensors = Operation(name, [Value(T.TensorType((1,), t)) for t in ins],
                        [T.TensorType((1,), out)], {})
    general = SEMANTICS[name](tensors, [np.full(1, v) for v in values], Ctx())
    got = fast(op, values, Ctx())
    assert type(got) is storage_dtype(str(out)).type and int(got) == int(general[0])
