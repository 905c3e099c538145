"""pack / unpack / repack: numba kernels == numpy twins bit for bit, and FORMAT.md 4.3 by hand."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k1sim.functional import (FunctionalError, pack, pack_ref, repack, repack_ref, round_bf16,
                              unpack, unpack_ref)

SETTINGS = settings(max_examples=80, deadline=None)
DTYPES = ["f32", "f16", "bf16", "f64", "i8", "i32", "bool"]

dims = st.integers(1, 40)
sizes = st.integers(0, 40)
tiles = st.integers(1, 16)
offsets = st.integers(-45, 45)


def random_array(dtype: str, shape, seed: int) -> np.ndarray:
    """Any bit pattern of the dtype (NaNs, infs, -0.0 included), so compares are bitwise."""
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    storage = {"f32": np.float32, "f16": np.float16, "bf16": np.float32, "f64": np.float64,
               "i8": np.int8, "i32": np.int32}[dtype]
    size = int(np.prod(shape)) * np.dtype(storage).itemsize
    x = np.frombuffer(rng.bytes(size), storage).reshape(shape).copy()
    return round_bf16(x) if dtype == "bf16" else x


def assert_bits_equal(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()


def window(x, o, s):
    """x[o0:o0+S0, o1:o1+S1] element by element, zero where out of bounds (the definition)."""
    w = np.zeros(s, x.dtype)
    for r in range(s[0]):
        for c in range(s[1]):
            if 0 <= o[0] + r < x.shape[0] and 0 <= o[1] + c < x.shape[1]:
                w[r, c] = x[o[0] + r, o[1] + c]
    return w


def test_pack_3x5_with_2x2_tiles_zero_pads_the_ragged_tiles():
    x = np.arange(1, 16, dtype=np.int32).reshape(3, 5)
    want = np.array([[[[1, 2], [6, 7]], [[3, 4], [8, 9]], [[5, 0], [10, 0]]],
                     [[[11, 12], [0, 0]], [[13, 14], [0, 0]], [[15, 0], [0, 0]]]], np.int32)
    assert_bits_equal(pack(x, [0, 0], [3, 5], [2, 2]), want)
    assert_bits_equal(pack_ref(x, [0, 0], [3, 5], [2, 2]), want)


def test_pack_clips_negative_and_past_the_end_offsets():
    x = np.arange(1, 7, dtype=np.float32).reshape(2, 3)  # [[1 2 3] [4 5 6]]
    got = pack(x, [-1, 2], [3, 2], [2, 2])
    # window rows -1..1, cols 2..3 -> [[0 0] [3 0] [6 0]], padded to 4 rows
    want = np.array([[[[0, 0], [3, 0]]], [[[6, 0], [0, 0]]]], np.float32)
    assert_bits_equal(got, want)
    assert not pack(x, [5, -9], [2, 2], [1, 1]).any()


def test_unpack_takes_the_window_of_the_untiled_tensor():
    p = np.arange(16, dtype=np.int8).reshape(2, 2, 2, 2)
    full = np.array([[0, 1, 4, 5], [2, 3, 6, 7], [8, 9, 12, 13], [10, 11, 14, 15]], np.int8)
    assert_bits_equal(unpack(p, [0, 0], [4, 4]), full)
    assert_bits_equal(unpack(p, [1, -1], [4, 3]), window(full, (1, -1), (4, 3)))


def test_repack_is_pack_of_the_untiled_tensor():
    p = np.arange(24, dtype=np.float64).reshape(2, 3, 2, 2)
    full = p.transpose(0, 2, 1, 3).reshape(4, 6)
    assert_bits_equal(repack(p, [1, 1], [3, 5], [4, 2]), pack_ref(full, [1, 1], [3, 5], [4, 2]))


@SETTINGS
@given(dtype=st.sampled_from(DTYPES), r=dims, c=dims, o0=offsets, o1=offsets, s0=sizes,
       s1=sizes, p0=tiles, p1=tiles, seed=st.integers(0, 2**32 - 1))
def test_pack_matches_ref_and_unpack_recovers_the_window(dtype, r, c, o0, o1, s0, s1, p0, p1, seed):
    x = random_array(dtype, (r, c), seed)
    got = pack(x, (o0, o1), (s0, s1), (p0, p1))
    assert got.shape == (-(-s0 // p0), -(-s1 // p1), p0, p1)
    assert_bits_equal(got, pack_ref(x, (o0, o1), (s0, s1), (p0, p1)))
    assert_bits_equal(unpack(got, (0, 0), (s0, s1)), window(x, (o0, o1), (s0, s1)))


@SETTINGS
@given(dtype=st.sampled_from(DTYPES), b0=st.integers(0, 5), b1=st.integers(0, 5), t0=tiles,
       t1=tiles, o0=offsets, o1=offsets, s0=sizes, s1=sizes, seed=st.integers(0, 2**32 - 1))
def test_unpack_matches_ref(dtype, b0, b1, t0, t1, o0, o1, s0, s1, seed):
    p = random_array(dtype, (b0, b1, t0, t1), seed)
    got = unpack(p, (o0, o1), (s0, s1))
    assert_bits_equal(got, unpack_ref(p, (o0, o1), (s0, s1)))
    full = p.transpose(0, 2, 1, 3).reshape(b0 * t0, b1 * t1)
    assert_bits_equal(got, window(full, (o0, o1), (s0, s1)))


@SETTINGS
@given(dtype=st.sampled_from(DTYPES), b0=st.integers(0, 5), b1=st.integers(0, 5), t0=tiles,
       t1=tiles, o0=offsets, o1=offsets, s0=sizes, s1=sizes, p0=tiles, p1=tiles,
       seed=st.integers(0, 2**32 - 1))
def test_repack_matches_ref(dtype, b0, b1, t0, t1, o0, o1, s0, s1, p0, p1, seed):
    p = random_array(dtype, (b0, b1, t0, t1), seed)
    assert_bits_equal(repack(p, (o0, o1), (s0, s1), (p0, p1)),
                      repack_ref(p, (o0, o1), (s0, s1), (p0, p1)))


def test_pack_of_a_strided_view():
    x = np.arange(60, dtype=np.float16).reshape(6, 10)[::2, 1::3]  # not contiguous
    assert_bits_equal(pack(x, (1, -1), (4, 5), (3, 2)), pack_ref(x, (1, -1), (4, 5), (3, 2)))
    assert_bits_equal(pack(x.T, (0, 0), (4, 3), (2, 2)), pack_ref(x.T, (0, 0), (4, 3), (2, 2)))


@pytest.mark.parametrize("call, message", [
    (lambda: pack(np.zeros(3), (0, 0), (1, 1), (1, 1)), "pack needs a 2-D tensor, got shape [3]"),
    (lambda: unpack(np.zeros((2, 2)), (0, 0), (1, 1)), "unpack needs a 4-D tensor"),
    (lambda: pack(np.zeros((2, 2)), (0, 0), (1, 1), (0, 2)), "pack: packed tile must be in [1"),
    (lambda: repack(np.zeros((1, 1, 2, 2)), (0, 0), (-1, 1), (1, 1)),
     "repack: shape must be in [0"),
    (lambda: pack(np.zeros((2, 2)), (0,), (1, 1), (1, 1)), "pack: offsets must be two integers"),
    (lambda: pack(np.zeros((2, 2), complex), (0, 0), (1, 1), (1, 1)), "cannot pack elements of"),
])
def test_bad_operands_are_errors(call, message):
    with pytest.raises(FunctionalError, match=message.replace("[", r"\[")):
        call()
