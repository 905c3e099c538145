"""mmt4d: numba kernel vs numpy twin, FORMAT.md 4.3 by hand, i32 wrap-around, bf16 rounding."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k1sim.functional import (FunctionalError, mmt4d, mmt4d_ref, pack, round_bf16,
                              storage_dtype, wide_dtype)

SETTINGS = settings(max_examples=60, deadline=None)
# (operand type, result types): the operands' own type and the wide one (FORMAT.md 4.3)
TYPES = {"f32": ("f32",), "f16": ("f16", "f32"), "bf16": ("bf16", "f32"), "f64": ("f64",),
         "i8": ("i8", "i32")}


def out_arg(name):
    return "bf16" if name == "bf16" else storage_dtype(name)


def operands(dtype, shape_a, shape_b, seed, small_ints=False):
    rng = np.random.default_rng(seed)
    if dtype == "i8" or small_ints:
        lo, hi = (-128, 128) if dtype == "i8" and not small_ints else (-8, 9)
        a, b = rng.integers(lo, hi, shape_a), rng.integers(lo, hi, shape_b)
    else:
        a, b = rng.standard_normal(shape_a) * 4, rng.standard_normal(shape_b) * 4
    a, b = a.astype(storage_dtype(dtype)), b.astype(storage_dtype(dtype))
    return (round_bf16(a), round_bf16(b)) if dtype == "bf16" else (a, b)


def untile(x):
    b0, b1, t0, t1 = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b0 * t0, b1 * t1)


shapes = dict(m1=st.integers(1, 3), n1=st.integers(1, 3), k1=st.integers(1, 3),
              m0=st.integers(1, 16), n0=st.integers(1, 16), k0=st.integers(1, 16))


def test_hand_computed_2x2_tiles():
    a = np.array([[[[1, 2], [3, 4]]]], np.float32)           # A[1, 1, 2, 2]: rows (1 2), (3 4)
    b = np.array([[[[1, 0], [0, 1]]], [[[2, 1], [1, 2]]]], np.float32)  # B[2, 1, 2, 2]
    want = np.array([[[[1, 2], [3, 4]], [[4, 5], [10, 11]]]], np.float32)  # C[1, 2, 2, 2]
    np.testing.assert_array_equal(mmt4d(a, b), want)
    np.testing.assert_array_equal(mmt4d_ref(a, b), want)


@SETTINGS
@given(dtype=st.sampled_from(list(TYPES)), seed=st.integers(0, 2**32 - 1), **shapes)
def test_kernel_matches_ref(dtype, seed, m1, n1, k1, m0, n0, k0):
    a, b = operands(dtype, (m1, k1, m0, k0), (n1, k1, n0, k0), seed)
    wide = wide_dtype(a.dtype)
    got, want = mmt4d(a, b, wide), mmt4d_ref(a, b, wide)
    assert got.dtype == want.dtype == wide and got.shape == (m1, n1, m0, n0)
    if wide.kind == "i":
        np.testing.assert_array_equal(got, want)
    else:  # both sum in the wide type, in different orders: |error| <= K * eps * sum|a*b| each
        bound = 2 * k1 * k0 * np.finfo(wide).eps * mmt4d_ref(np.abs(a), np.abs(b), wide)
        assert np.all(np.abs(got.astype(np.float64) - want) <= bound)
    for name in TYPES[dtype]:  # converted once from the wide sums
        np.testing.assert_array_equal(mmt4d(a, b, out_arg(name)), convert(got, name))
        np.testing.assert_array_equal(mmt4d_ref(a, b, out_arg(name)), convert(want, name))


def convert(c, name):
    return round_bf16(c) if name == "bf16" else c.astype(storage_dtype(name))


@SETTINGS
@given(dtype=st.sampled_from(list(TYPES)), seed=st.integers(0, 2**32 - 1), **shapes)
def test_exact_sums_are_bit_identical_and_equal_unpacked_matmul(dtype, seed, m1, n1, k1, m0, n0,
                                                                k0):
    # small integers: every partial sum is exact in the wide type, so order cannot matter
    a, b = operands(dtype, (m1, k1, m0, k0), (n1, k1, n0, k0), seed, small_ints=True)
    for name in TYPES[dtype]:
        got = mmt4d(a, b, out_arg(name))
        np.testing.assert_array_equal(got, mmt4d_ref(a, b, out_arg(name)))
    c2d = untile(a).astype(np.float64) @ untile(b).astype(np.float64).T
    np.testing.assert_array_equal(untile(mmt4d(a, b, wide_dtype(a.dtype))), c2d)


def test_equals_matmul_of_packed_operands_with_ragged_edges():
    rng = np.random.default_rng(7)
    x, y = rng.integers(-9, 10, (37, 29)).astype(np.float32), rng.integers(-9, 10, (21, 29))
    a = pack(x, (0, 0), (37, 29), (8, 16))      # M 37 -> 40, K 29 -> 32 (zeros)
    b = pack(y.astype(np.float32), (0, 0), (21, 29), (4, 16))
    np.testing.assert_array_equal(untile(mmt4d(a, b))[:37, :21], x @ y.T.astype(np.float32))


def test_i8_products_accumulate_in_i32():
    a = np.full((1, 1, 1, 4), 100, np.int8)
    b = np.full((1, 1, 1, 4), 100, np.int8)
    assert mmt4d(a, b, np.int32)[0, 0, 0, 0] == 40000
    assert mmt4d(a, b)[0, 0, 0, 0] == np.int32(40000).astype(np.int8)  # wraps once at the end
    assert mmt4d(a, b).dtype == np.int8


def test_i32_accumulation_wraps_like_the_hardware():
    k = 140_000  # 140000 * 16384 > 2**31
    a = np.full((1, k // 16, 1, 16), -128, np.int8)
    got = mmt4d(a, a, np.int32)[0, 0, 0, 0]
    want = (k * 16384 + 2**31) % 2**32 - 2**31
    assert got == want == mmt4d_ref(a, a, np.int32)[0, 0, 0, 0]


@pytest.mark.parametrize("dtype", list(TYPES))
def test_acc_is_added_in_the_wide_type_before_the_conversion(dtype):
    a, b = operands(dtype, (2, 3, 4, 5), (3, 3, 2, 5), 1)
    wide = wide_dtype(a.dtype)
    acc = operands(dtype, (2, 3, 4, 2), (1,), 2)[0].astype(wide) * 3
    for name in TYPES[dtype]:
        for fn in (mmt4d, mmt4d_ref):
            want = convert(fn(a, b, wide) + acc, name)
            np.testing.assert_array_equal(fn(a, b, out_arg(name), acc=acc), want)


def test_nan_and_inf_propagate():
    a = np.ones((1, 1, 2, 2), np.float32)
    b = np.array([[[[np.nan, 1], [np.inf, 1]]]], np.float32)
    for fn in (mmt4d, mmt4d_ref):
        c = fn(a, b)
        assert np.isnan(c[0, 0, :, 0]).all() and np.isposinf(c[0, 0, :, 1]).all()


def test_empty_dims():
    assert mmt4d(np.zeros((0, 2, 4, 4), np.float32), np.zeros((3, 2, 4, 4), np.float32)).shape \
        == (0, 3, 4, 4)
    c = mmt4d(np.ones((1, 0, 2, 3), np.int8), np.ones((2, 0, 5, 3), np.int8), np.int32)
    assert c.shape == (1, 2, 2, 5) and not c.any()


@pytest.mark.parametrize("a, b, kwargs, message", [
    ((1, 2, 4, 4), (1, 3, 4, 4), {}, r"disagree on K1 or k0: A \[1, 2, 4, 4\].*B \[1, 3, 4, 4\]"),
    ((1, 2, 4, 4), (1, 2, 4, 8), {}, "disagree on K1 or k0"),
    ((1, 2, 4), (1, 2, 4, 4), {}, "needs 4-D operands"),
    ((1, 1, 2, 2), (1, 1, 2, 2), {"out_dtype": np.float16}, "produces float32, not float16"),
    ((1, 1, 2, 2), (1, 1, 2, 2), {"acc": np.zeros((1, 1, 2, 3))}, r"acc has shape \[1, 1, 2, 3\]"),
])
def test_bad_operands_are_errors(a, b, kwargs, message):
    with pytest.raises(FunctionalError, match=message):
        mmt4d(np.zeros(a, np.float32), np.zeros(b, np.float32), **kwargs)


def test_unsupported_dtypes_are_errors():
    with pytest.raises(FunctionalError, match="different dtypes"):
        mmt4d(np.zeros((1, 1, 1, 1), np.int8), np.zeros((1, 1, 1, 1), np.float32))
    with pytest.raises(FunctionalError, match="no accumulation type for int16"):
        mmt4d(np.zeros((1, 1, 1, 1), np.int16), np.zeros((1, 1, 1, 1), np.int16))
    with pytest.raises(FunctionalError, match="cannot produce bf16"):
        mmt4d(np.zeros((1, 1, 1, 1), np.int8), np.zeros((1, 1, 1, 1), np.int8), "bf16")
    with pytest.raises(FunctionalError, match="produces int8 or int32, not float32"):
        mmt4d(np.zeros((1, 1, 1, 1), np.int8), np.zeros((1, 1, 1, 1), np.int8), "f32")
    with pytest.raises(FunctionalError, match="acc of float32 cannot join int32 sums"):
        mmt4d(np.zeros((1, 1, 1, 1), np.int8), np.zeros((1, 1, 1, 1), np.int8),
              acc=np.zeros((1, 1, 1, 1), np.float32))


# ------------------------------------------------------------------ round_bf16


def bf16_oracle(x: np.ndarray) -> np.ndarray:
    """Nearest of the two bf16 neighbours by float64 distance, ties to the even one."""
    bits = x.view(np.uint32)
    down = bits & np.uint32(0xFFFF0000)  # toward zero
    up = down + np.uint32(0x10000)       # away from zero; 0x7F800000 counts as 2**128
    down_v = down.view(np.float32).astype(np.float64)
    up_v = np.where((up & 0x7FFFFFFF) == 0x7F800000, np.copysign(2.0**128, x.astype(np.float64)),
                    up.view(np.float32).astype(np.float64))
    d_down, d_up = np.abs(x - down_v), np.abs(up_v - x)
    pick_up = (d_up < d_down) | ((d_up == d_down) & ((down >> 16) & 1 == 1))
    return np.where(pick_up, up, down).view(np.float32)


def test_round_bf16_known_values():
    x = np.array([1.0, 1 + 2**-8, 1 + 3 * 2**-8, -(1 + 2**-8 + 2**-20), -0.0, np.inf,
                  np.finfo(np.float32).max, 3.3895314e38, 1e-45], np.float32)
    want = np.array([1.0, 1.0, 1 + 2**-6, -(1 + 2**-7), -0.0, np.inf, np.inf, 3.3895314e38,
                     0.0], np.float32)
    np.testing.assert_array_equal(round_bf16(x), want)
    assert np.signbit(round_bf16(np.float32(-0.0)))


def test_round_bf16_keeps_nan_even_with_a_low_bit_payload():
    nan_bits = np.array([0x7F800001, 0xFF800001, 0x7FC00000, 0x7F80FFFF], np.uint32)
    got = round_bf16(nan_bits.view(np.float32))
    assert np.isnan(got).all()
    assert list(np.signbit(got)) == [False, True, False, False]
    assert not (got.view(np.uint32) & 0xFFFF).any()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=64))
def test_round_bf16_is_nearest_even(words):
    x = np.array(words, np.uint32).view(np.float32)
    x = x[np.isfinite(x)]
    np.testing.assert_array_equal(round_bf16(x).view(np.uint32), bf16_oracle(x).view(np.uint32))
