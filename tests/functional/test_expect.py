"""expect (FORMAT.md 6): the language against numpy and check() reports; refusals are
in test_expect_errors.py."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from k1sim.functional.dtypes import round_bf16
from k1sim.functional.expect import ExpectError, ExpectResult, check, evaluate, parse_expect

SETTINGS = settings(max_examples=40, deadline=None)
RNG = np.random.default_rng(7)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((4, 5))
C = RNG.standard_normal((3, 5))
P = RNG.uniform(0.5, 2.0, (3, 4))
T3 = RNG.standard_normal((2, 3, 4))
ENV = {"a": A, "b": B, "c": C, "p": P, "t": T3, "n": 2, "s": 1.5}


def ev(text, env=ENV):
    return evaluate(parse_expect(text), env)


# -- the language against numpy ------------------------------------------------------

OPERATORS = [
    ("c = a + p", lambda: A + P), ("c = a - p", lambda: A - P), ("c = a * p", lambda: A * P),
    ("c = a / p", lambda: A / P), ("c = a @ b", lambda: A @ B), ("c = p ** s", lambda: P ** 1.5),
    ("c = a ** 2", lambda: A ** 2), ("c = -a", lambda: -A), ("c = +a", lambda: A),
    ("c = - -a", lambda: A), ("c = a < p", lambda: (A < P) * 1.0),
    ("c = a <= 0", lambda: (A <= 0) * 1.0), ("c = a > p", lambda: (A > P) * 1.0),
    ("c = a >= 0", lambda: (A >= 0) * 1.0), ("c = a == a", lambda: np.ones((3, 4))),
    ("c = a != p", lambda: (A != P) * 1.0), ("c = a.T", lambda: A.T),
    ("c = t.T", lambda: T3.T), ("c = (a @ b).T", lambda: (A @ B).T),
    ("c = c + a @ b", lambda: C + A @ B), ("c = 2 * a + 0.5", lambda: 2 * A + 0.5),
    ("c = a / 0", lambda: np.sign(A) * np.inf), ("c = n * s", lambda: np.float64(3.0)),
    ("c = 1e3 * a", lambda: 1000 * A), ("c = t @ b", lambda: T3 @ B),
]


@pytest.mark.parametrize("text, want", OPERATORS, ids=[t for t, _ in OPERATORS])
def test_operators_match_numpy(text, want):
    got = ev(text)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, want())


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


FUNCTIONS = [
    ("c = exp(a)", lambda: np.exp(A)), ("c = log(p)", lambda: np.log(P)),
    ("c = sqrt(p)", lambda: np.sqrt(P)), ("c = tanh(a)", lambda: np.tanh(A)),
    ("c = abs(a)", lambda: np.abs(A)), ("c = maximum(a, 0)", lambda: np.maximum(A, 0)),
    ("c = minimum(a, p)", lambda: np.minimum(A, P)),
    ("c = where(a > 0, a, 0.1 * a)", lambda: np.where(A > 0, A, 0.1 * A)),
    ("c = transpose(a)", lambda: A.T), ("c = transpose(t, (1, 0, 2))", lambda: T3.transpose(1, 0, 2)),
    ("c = transpose(t, axes=(2, 0, 1))", lambda: T3.transpose(2, 0, 1)),
    ("c = reshape(a, (2, 6))", lambda: A.reshape(2, 6)), ("c = reshape(a, (-1,))", lambda: A.ravel()),
    ("c = reshape(a, shape=12)", lambda: A.ravel()),
    ("c = sum(a)", lambda: A.sum()), ("c = sum(a, 0)", lambda: A.sum(0)),
    ("c = sum(a, axis=1)", lambda: A.sum(1)), ("c = sum(t, (0, 2))", lambda: T3.sum((0, 2))),
    ("c = sum(t, axis=-1)", lambda: T3.sum(-1)), ("c = max(a)", lambda: A.max()),
    ("c = max(a, 1)", lambda: A.max(1)), ("c = min(a, axis=0)", lambda: A.min(0)),
    ("c = mean(a)", lambda: A.mean()), ("c = mean(t, axis=(1, 2))", lambda: T3.mean((1, 2))),
    ("c = softmax(a, 1)", lambda: _softmax(A, 1)), ("c = softmax(a, axis=0)", lambda: _softmax(A, 0)),
    ("c = softmax(a)", lambda: _softmax(A, None)),
    ("c = logsumexp(a, 1)", lambda: np.log(np.exp(A).sum(1))),
    ("c = logsumexp(a)", lambda: np.log(np.exp(A).sum())),
    ("c = tril(a)", lambda: np.tril(A)), ("c = triu(a)", lambda: np.triu(A)),
    ("c = tril(a, 1)", lambda: np.tril(A, 1)), ("c = tril(a, k=-1)", lambda: np.tril(A, -1)),
    ("c = triu(a, -2)", lambda: np.triu(A, -2)), ("c = triu(a, k=n)", lambda: np.triu(A, 2)),
    ("c = tril(t, 0)", lambda: np.tril(T3)),
    ("c = astype(a, 'f16')", lambda: A.astype(np.float16).astype(np.float64)),
    ("c = astype(a, dtype='f32')", lambda: A.astype(np.float32).astype(np.float64)),
    ("c = astype(a, \"f64\")", lambda: A),
    ("c = astype(a, 'bf16')", lambda: round_bf16(A.astype(np.float32)).astype(np.float64)),
    ("c = matmul(a, b)", lambda: A @ B), ("c = zeros((2, 3))", lambda: np.zeros((2, 3))),
    ("c = ones(n)", lambda: np.ones(2)), ("c = ones((n, 1)) * s", lambda: np.full((2, 1), 1.5)),
]


@pytest.mark.parametrize("text, want", FUNCTIONS, ids=[t for t, _ in FUNCTIONS])
def test_functions_match_numpy(text, want):
    got = ev(text)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want(), rtol=1e-13, atol=1e-15)
    assert got.shape == np.shape(want())


SLICES = [
    ("c = a[1]", lambda: A[1]), ("c = a[-1]", lambda: A[-1]), ("c = a[1, 2]", lambda: A[1, 2]),
    ("c = a[1:3, ::2]", lambda: A[1:3, ::2]), ("c = a[:, n:]", lambda: A[:, 2:]),
    ("c = a[::-1, -2]", lambda: A[::-1, -2]), ("c = t[..., 1]", lambda: T3[..., 1]),
    ("c = t[1, ...]", lambda: T3[1, ...]), ("c = a[n - 1, :n + 1]", lambda: A[1, :3]),
    ("c = a[2.0]", lambda: A[2]), ("c = (a @ b)[0, 1:4]", lambda: (A @ B)[0, 1:4]),
    ("c = a.T[0]", lambda: A.T[0]), ("c = a[:, :0]", lambda: A[:, :0]),
]


@pytest.mark.parametrize("text, want", SLICES, ids=[t for t, _ in SLICES])
def test_indexing_and_slicing(text, want):
    np.testing.assert_array_equal(ev(text), want())


def test_int8_inputs_are_exact_in_float64():
    a8 = np.full((4, 300), 127, np.int8)
    b8 = np.full((300, 3), -128, np.int8)
    got = ev("c = a @ b", {"a": a8, "b": b8, "c": np.zeros((4, 3), np.int32)})
    np.testing.assert_array_equal(got, np.full((4, 3), 127 * -128 * 300.0))


def test_old_output_value_is_the_input_and_inputs_are_untouched():
    before = {k: np.array(v, copy=True) for k, v in ENV.items()}
    got = ev("c = c + a @ b")
    np.testing.assert_array_equal(got, C + A @ B)
    for k, v in ENV.items():
        np.testing.assert_array_equal(v, before[k])
    with pytest.raises(ValueError):  # a result that aliases an input is read-only
        ev("c = a")[0, 0] = 1.0


# -- stability and rounding -----------------------------------------------------------

def test_softmax_is_stable_for_large_values():
    x = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]])
    got = ev("c = softmax(x, 1)", {"x": x, "c": x})
    want = _softmax(np.array([[0.0, 1.0, 2.0], [0.0, -1.0, -2.0]]), 1)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    assert np.isfinite(got).all()


def test_logsumexp_is_stable_for_large_values():
    x = np.array([[1000.0, 1000.0], [-1000.0, -1000.0], [-np.inf, -np.inf]])
    got = ev("c = logsumexp(x, axis=1)", {"x": x, "c": x})
    np.testing.assert_allclose(got[:2], [1000 + math.log(2), -1000 + math.log(2)], rtol=1e-15)
    assert got[2] == -np.inf
    assert ev("c = logsumexp(x[:2])", {"x": x, "c": x}) == pytest.approx(1000 + math.log(2))


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=6), data=st.data())
def test_softmax_random_shapes(shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(len(shape)).standard_normal(shape) * 30 + 500
    env = {"x": x, "c": x}
    got = ev(f"c = softmax(x, axis={axis})", env)
    np.testing.assert_allclose(got, _softmax(x - 500, axis), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(got.sum(axis=axis), 1.0, rtol=1e-12)
    lse = ev(f"c = logsumexp(x, {axis})", env)
    np.testing.assert_allclose(lse, np.log(np.exp(x - 500).sum(axis=axis)) + 500, rtol=1e-13)


@SETTINGS
@given(m=st.integers(1, 7), k=st.integers(0, 7), n=st.integers(1, 7), batch=st.integers(0, 2))
def test_matmul_random_shapes(m, k, n, batch):
    rng = np.random.default_rng(m * 100 + k * 10 + n)
    lead = (batch,) if batch else ()
    a, b = rng.standard_normal(lead + (m, k)), rng.standard_normal((k, n))
    env = {"a": a, "b": b, "c": np.zeros(lead + (m, n))}
    np.testing.assert_array_equal(ev("c = a @ b", env), np.matmul(a, b))
    np.testing.assert_array_equal(ev("c = matmul(a, b)", env), np.matmul(a, b))


def test_astype_f16_rounds_to_nearest_even_and_overflows():
    x = np.array([1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 70000.0, 1e-8, -2.5])
    got = ev("c = astype(x, 'f16')", {"x": x, "c": x})
    np.testing.assert_array_equal(got, [1.0, 1 + 2.0 ** -9, np.inf, 0.0, -2.5])


def test_astype_bf16_rounds_to_nearest_even():
    x = np.array([1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8, 3.4e38, np.nan, 1 + 2.0 ** -8 + 2.0 ** -20])
    got = ev("c = astype(x, 'bf16')", {"x": x, "c": x})
    np.testing.assert_array_equal(got[:3], [1.0, 1 + 2.0 ** -6, np.inf])
    assert np.isnan(got[3])
    assert got[4] == 1 + 2.0 ** -7


@pytest.mark.parametrize("dtype, x, want", [
    ("i8", [2.7, -2.7, 127.9, 128, 300, -300, -129], [2, -2, 127, -128, 44, -44, 127]),
    ("i16", [32768, -32769, 1e6], [-32768, 32767, 16960]),
    ("i32", [2.0 ** 31, -(2.0 ** 31) - 1, 2.0 ** 32 + 5.5, 1e20], [-(2 ** 31), 2 ** 31 - 1, 5, 1661992960]),
    ("i64", [2.0 ** 63, -(2.0 ** 63), 2.0 ** 64 + 2.0 ** 12], [-(2.0 ** 63), -(2.0 ** 63), 4096]),
])
def test_astype_ints_truncate_then_wrap(dtype, x, want):
    got = ev(f"c = astype(x, '{dtype}')", {"x": np.array(x, np.float64), "c": 0})
    np.testing.assert_array_equal(got, np.array(want, np.float64))
    # the same as numpy's C cast of the truncated value through int64, where it fits
    small = np.array(x)[np.abs(x) < 2.0 ** 62]
    np.testing.assert_array_equal(got[np.abs(x) < 2.0 ** 62],
                                  np.trunc(small).astype(np.int64).astype(f"int{dtype[1:]}"))


def test_astype_int_of_nan_and_inf_is_nan():
    got = ev("c = astype(x, 'i32')", {"x": np.array([np.nan, np.inf, -np.inf, 1.0]), "c": 0})
    assert np.isnan(got[:3]).all() and got[3] == 1.0


# -- check() ---------------------------------------------------------------------------

def grid():
    return np.arange(12.0).reshape(3, 4) * 0.25


def test_check_pass_report():
    ref = grid()
    out = ref.copy()
    out[0, 1] += 0.001  # ref 0.25: rel 4e-3
    out[2, 3] -= 0.002  # ref 2.75
    result = check(parse_expect("c = a"), out, {"a": ref, "c": 0}, rtol=0.01, atol=0.01)
    assert result.passed and result.index is None
    assert result.out_value is None and result.ref_value is None
    assert result.max_abs_err == pytest.approx(0.002, rel=1e-12)
    assert result.max_rel_err == pytest.approx(0.004, rel=1e-12)
    assert result.message == "c: ok (max abs err 2.0e-03, max rel err 4.0e-03)"


def test_check_fail_report_exact():
    ref = grid()
    out = ref.copy()
    out[2, 3] += 0.25  # 2.75 -> 3.0, the later of the two bad elements
    out[1, 2] += 0.5   # 1.5 -> 2.0, abs 0.5, rel 1/3
    out[0, 0] += 0.005  # within atol
    result = check(parse_expect("c = a"), out, {"a": ref, "c": 0}, rtol=0.01, atol=0.01)
    assert not result.passed
    assert result.max_abs_err == 0.5 and result.max_rel_err == 0.5 / 1.5
    assert result.index == (1, 2) and all(type(i) is int for i in result.index)
    assert (result.out_value, result.ref_value) == (2.0, 1.5)
    assert type(result.out_value) is float
    assert result.message == ("c: max abs err 5.0e-01, max rel err 3.3e-01 at (1, 2): got 2.0, "
                              "expected 1.5 (rtol 0.01, atol 0.01); 2 of 12 elements differ")


def test_check_first_bad_index_is_row_major_and_singular_message():
    out = grid()
    out[2, 0] = 100.0
    result = check(parse_expect("c = a"), out, {"a": grid(), "c": 0}, 0.0, 0.0)
    assert result.index == (2, 0) and result.message.endswith("1 of 12 element differs")
    out[0, 3] = -1.0
    assert check(parse_expect("c = a"), out, {"a": grid(), "c": 0}, 0.0, 0.0).index == (0, 3)


def test_check_tolerance_boundary_is_inclusive():
    ref = np.array([1.0, 2.0])
    env = {"a": ref, "c": 0}
    assert check(parse_expect("c = a"), ref + [0.5, 1.0], env, rtol=0.5, atol=0.0).passed
    assert not check(parse_expect("c = a"), ref + [0.5, 1.5], env, rtol=0.5, atol=0.0).passed
    assert check(parse_expect("c = a"), ref + 0.25, env, rtol=0.0, atol=0.25).passed


def test_check_nan_and_inf():
    ref = np.array([np.nan, 1.0, np.nan, np.inf, np.inf, -np.inf, 2.0, 0.0])
    out = np.array([np.nan, np.nan, 1.0, np.inf, -np.inf, -np.inf, 2.5, 1e-3])
    result = check(parse_expect("c = a"), out, {"a": ref, "c": 0}, rtol=0.0, atol=1e-2)
    assert not result.passed
    assert result.index == (1,) and math.isnan(result.out_value) and result.ref_value == 1.0
    assert "got nan, expected 1.0" in result.message and "4 of 8 elements differ" in result.message
    assert result.max_abs_err == 0.5  # only where both are finite
    assert result.max_rel_err == 0.25  # ref 0.0 is left out
    # NaN where both are NaN, and equal infinities, pass
    ok = check(parse_expect("c = a"), ref[[0, 3, 5]], {"a": ref[[0, 3, 5]], "c": 0}, 0.0, 0.0)
    assert ok.passed and ok.max_abs_err == 0.0 and ok.max_rel_err == 0.0
    # a finite value never matches an infinity, however loose rtol is
    assert not check(parse_expect("c = a"), np.array([1.0]), {"a": np.array([np.inf]), "c": 0},
                     rtol=1e9, atol=0.0).passed


def test_check_broadcasts_scalar_and_row_references():
    out = np.full((3, 4), 2.0)
    result = check(parse_expect("c = 2"), out, {"c": out}, 0.0, 0.0)
    assert result.passed
    out[1, 3] = 2.5
    assert check(parse_expect("c = 2"), out, {"c": out}, 0.0, 0.0).index == (1, 3)
    row = np.arange(4.0)
    assert check(parse_expect("c = r"), np.tile(row, (3, 1)), {"r": row, "c": 0}, 0.0, 0.0).passed
    assert check(parse_expect("c = s"), np.float32(1.5), {"s": 1.5, "c": 0}, 0.0, 0.0).index is None


def test_check_shape_mismatch_names_both_shapes():
    err = refused_check("c = a @ b", np.zeros((5, 3)))
    assert "(3, 5)" in str(err) and "(5, 3)" in str(err) and "output 'c'" in str(err)
    err = refused_check("c = a", np.zeros(4))  # a (3, 4) reference does not shrink to (4,)
    assert "(3, 4)" in str(err) and "(4,)" in str(err)


def refused_check(text, out, rtol=0.0, atol=0.0):
    with pytest.raises(ExpectError) as info:
        check(parse_expect(text), out, ENV, rtol, atol)
    return info.value


def test_check_rejects_negative_tolerances():
    assert "must be >= 0" in str(refused_check("c = a @ b", A @ B, rtol=-1.0))
    assert "must be >= 0" in str(refused_check("c = a @ b", A @ B, atol=float("nan")))


def test_to_dict_is_json_safe():
    out = np.array([np.nan, 1.0])
    result = check(parse_expect("c = a"), out, {"a": np.array([np.inf, 1.0]), "c": 0}, 0.0, 0.0)
    d = result.to_dict()
    assert d["index"] == [0] and d["out_value"] == "nan" and d["ref_value"] == "inf"
    assert d["passed"] is False and d["name"] == "c" and d["text"] == "c = a"
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    passed = check(parse_expect("c = a"), out[1:], {"a": out[1:], "c": 0}, 0, 0).to_dict()
    assert passed["index"] is None and passed["max_abs_err"] == 0.0
    assert set(passed) == set(ExpectResult.__dataclass_fields__)


@SETTINGS
@given(data=st.data(), rtol=st.sampled_from([0.0, 1e-3, 0.5]), atol=st.sampled_from([0.0, 0.1]))
def test_check_agrees_with_numpy_isclose(data, rtol, atol):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
    values = st.sampled_from([0.0, 1.0, -1.0, 1.05, 2.0, 1e-4, np.nan, np.inf, -np.inf])
    out = data.draw(hnp.arrays(np.float64, shape, elements=values))
    ref = data.draw(hnp.arrays(np.float64, shape, elements=values))
    result = check(parse_expect("c = r"), out, {"r": ref, "c": 0}, rtol, atol)
    close = np.isclose(out, ref, rtol=rtol, atol=atol, equal_nan=True)
    assert result.passed == bool(close.all())
    if not result.passed:
        first = tuple(int(i) for i in np.argwhere(~close)[0])
        assert result.index == first
        assert str(int((~close).sum())) + f" of {out.size}" in result.message
