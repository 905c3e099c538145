"""Semantics of xsmt pack/unpack/repack, xsmt.mmt4d and tle tiles, each against numpy."""

import numpy as np
import pytest

from k1sim.functional import tensor_ops, xsmt_values  # noqa: F401  (register the semantics)
from k1sim.functional import FunctionalError, round_bf16
from k1sim.functional.semantics import OP_WARNINGS
from tests.functional.test_tensor_ops import op_in, rng, run


# -- xsmt pack / unpack / repack ----------------------------------------------------------

def window_tiles(x, offsets, shape, packed):
    """The definition, element by element: tile (i, j) of the clipped, zero-padded window."""
    (o0, o1), (s0, s1), (p0, p1) = offsets, shape, packed
    out = np.zeros((-(-s0 // p0), -(-s1 // p1), p0, p1), x.dtype)
    for i, j, a, b in np.ndindex(*out.shape):
        w0, w1 = i * p0 + a, j * p1 + b
        r, c = o0 + w0, o1 + w1
        if w0 < s0 and w1 < s1 and 0 <= r < x.shape[0] and 0 <= c < x.shape[1]:
            out[i, j, a, b] = x[r, c]
    return out


def untile(p):
    b0, b1, t0, t1 = p.shape
    full = np.zeros((b0 * t0, b1 * t1), p.dtype)
    for i, j, a, b in np.ndindex(*p.shape):
        full[i * t0 + a, j * t1 + b] = p[i, j, a, b]
    return full


@pytest.mark.parametrize("offsets", [(3, 4), (-1, -2), (0, 0)])
def test_pack_clips_and_zero_pads_ragged_windows(offsets):
    x = (rng(7).standard_normal((5, 7)) + 10).astype(np.float32)  # no zeros in x
    op = op_in("%x: tensor<5x7xf32>, %i: i32, %j: i32", "%p = xsmt.pack %x, [%i, %j], [4, 6], "
               "[2, 4] : tensor<5x7xf32> -> tensor<2x2x2x4xf32>", "xsmt.pack")
    got = run(op, x, *map(np.int32, offsets))
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, window_tiles(x, offsets, (4, 6), (2, 4)))
    assert (got == 0).any()  # every case here pads


def test_pack_into_destination_keeps_the_value_semantics():
    x = np.arange(35, dtype=np.float16).reshape(5, 7)
    op = op_in("%x: tensor<5x7xf16>, %i: i32, %d: tensor<2x2x2x4xf16>",
               "%p = xsmt.pack %x, [%i, %i] into(%d : tensor<2x2x2x4xf16>), [4, 6], [2, 4] : "
               "tensor<5x7xf16> -> tensor<2x2x2x4xf16>", "xsmt.pack")
    got = run(op, x, np.int32(2), np.int32(2), np.full((2, 2, 2, 4), 9, np.float16))
    np.testing.assert_array_equal(got, window_tiles(x, (2, 2), (4, 6), (2, 4)))


@pytest.mark.parametrize("offsets,shape", [((2, 3), (5, 9)), ((6, 10), (4, 8))])
def test_unpack_slices_the_untiled_tensor(offsets, shape):
    p = rng(8).integers(1, 100, (2, 3, 4, 5)).astype(np.int32)
    op = op_in("%p: tensor<2x3x4x5xi32>, %i: i32, %j: i32", f"%u = xsmt.unpack %p, [%i, %j], "
               f"[{shape[0]}, {shape[1]}] : tensor<2x3x4x5xi32> -> "
               f"tensor<{shape[0]}x{shape[1]}xi32>", "xsmt.unpack")
    got = run(op, p, *map(np.int32, offsets))
    full, (o0, o1) = untile(p), offsets
    want = np.zeros(shape, np.int32)
    for r, c in np.ndindex(*shape):
        if o0 + r < full.shape[0] and o1 + c < full.shape[1]:
            want[r, c] = full[o0 + r, o1 + c]
    np.testing.assert_array_equal(got, want)


def test_repack_is_unpack_slice_pack():
    p = rng(9).integers(1, 100, (2, 3, 4, 5)).astype(np.int8)
    op = op_in("%p: tensor<2x3x4x5xi8>, %i: i32, %j: i32", "%r = xsmt.repack %p, [%i, %j], "
               "[6, 10], [4, 4] : tensor<2x3x4x5xi8> -> tensor<2x3x4x4xi8>", "xsmt.repack")
    got = run(op, p, np.int32(1), np.int32(7))
    np.testing.assert_array_equal(got, window_tiles(untile(p), (1, 7), (6, 10), (4, 4)))


# -- xsmt.mmt4d ---------------------------------------------------------------------------

def mmt4d_op(el, result_el, third=False):
    a_t, b_t = f"tensor<2x3x4x8x{el}>", f"tensor<5x3x2x8x{el}>"
    c_t = f"tensor<2x5x4x2x{result_el}>"
    if third:
        return op_in(f"%a: {a_t}, %b: {b_t}, %d: {c_t}",
                     f"%c = xsmt.mmt4d %a, %b, %d : {a_t}, {b_t}, {c_t} -> {c_t}", "xsmt.mmt4d")
    return op_in(f"%a: {a_t}, %b: {b_t}", f"%c = xsmt.mmt4d %a, %b : {a_t}, {b_t} -> {c_t}",
                 "xsmt.mmt4d")


def exact_mmt4d(a, b):
    """Untile to [M, K] and [N, K], multiply exactly (int64 or float64), retile."""
    wide = np.int64 if a.dtype.kind == "i" else np.float64
    a2 = a.transpose(0, 2, 1, 3).reshape(8, 24).astype(wide)
    b2 = b.transpose(0, 2, 1, 3).reshape(10, 24).astype(wide)
    return (a2 @ b2.T).reshape(2, 4, 5, 2).transpose(0, 2, 1, 3)


def operands(el, seed=10):
    # integers: every wide sum is exact; bf16's reach past 256, where bf16 must round
    lo, hi = {"i4": (-8, 8), "i8": (-128, 128), "bf16": (-16, 17)}.get(el, (-4, 5))
    storage = {"f16": np.float16, "bf16": np.float32, "f32": np.float32, "f64": np.float64,
               "i8": np.int8, "i4": np.int8}[el]
    g = rng(seed)
    return (g.integers(lo, hi, (2, 3, 4, 8)).astype(storage),
            g.integers(lo, hi, (5, 3, 2, 8)).astype(storage))


@pytest.mark.parametrize("el,result_el,convert", [
    ("f16", "f16", lambda c: c.astype(np.float16)),
    ("f16", "f32", lambda c: c.astype(np.float32)),
    ("bf16", "bf16", lambda c: round_bf16(c.astype(np.float32))),
    ("bf16", "f32", lambda c: c.astype(np.float32)),
    ("f32", "f32", lambda c: c.astype(np.float32)),
    ("f64", "f64", lambda c: c),
    ("i8", "i8", lambda c: c.astype(np.int8)),  # the i32 sum, truncated
    ("i8", "i32", lambda c: c.astype(np.int32)),
    ("i4", "i4", lambda c: (((c + 8) % 16) - 8).astype(np.int8)),
    ("i4", "i32", lambda c: c.astype(np.int32)),
])
def test_mmt4d_result_types(el, result_el, convert):
    a, b = operands(el)
    got = run(mmt4d_op(el, result_el), a, b)
    want = convert(exact_mmt4d(a, b))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    if result_el == "bf16":
        assert not (got.view(np.uint32) & 0xFFFF).any() and not np.array_equal(
            got, exact_mmt4d(a, b).astype(np.float32))  # some sums really were rounded


def test_mmt4d_f32_random_values():
    g = rng(11)
    a, b = g.standard_normal((2, 3, 4, 8)), g.standard_normal((5, 3, 2, 8))
    got = run(mmt4d_op("f32", "f32"), a.astype(np.float32), b.astype(np.float32))
    np.testing.assert_allclose(got, exact_mmt4d(a.astype(np.float32), b.astype(np.float32)),
                               rtol=1e-5, atol=1e-5)


def test_mmt4d_three_operands_discards_destination_and_says_so():
    a, b = operands("f16")
    op = mmt4d_op("f16", "f32", third=True)
    d = np.full((2, 5, 4, 2), 1e6, np.float32)
    got = run(op, a, b, d)
    np.testing.assert_array_equal(got, exact_mmt4d(a, b).astype(np.float32))
    message = OP_WARNINGS["xsmt.mmt4d"](op)
    for words in ("3-operand", "overwrites", "not a·b + d", "zero-fill", "arith.addf"):
        assert words in message
    assert OP_WARNINGS["xsmt.mmt4d"](mmt4d_op("f16", "f32")) is None


# -- tle -----------------------------------------------------------------------------------

TLE_ARGS = "%x: tensor<8x12xf32>, %i: i32, %t: tensor<4x3xf32>"
EXTRACT = ("%e = tle.extract_tile %x[%i] {tile_shape = array<i64: 4, 3>} : tensor<8x12xf32>, "
           "i32 -> tensor<4x3xf32>")
INSERT = ("%n = tle.insert_tile %x[%i] = %t : tensor<8x12xf32>, i32, tensor<4x3xf32> -> "
          "tensor<8x12xf32>")


def test_extract_and_insert_tile_round_trip():
    x = np.arange(96, dtype=np.float32).reshape(8, 12)
    extract, insert = op_in(TLE_ARGS, EXTRACT, "tle.extract_tile"), op_in(TLE_ARGS, INSERT,
                                                                          "tle.insert_tile")
    for index in range(8):  # grid 2 x 4, row-major
        r, c = divmod(index, 4)
        tile = run(extract, x, np.int32(index))
        np.testing.assert_array_equal(tile, x[r * 4:r * 4 + 4, c * 3:c * 3 + 3])
        np.testing.assert_array_equal(run(insert, x, np.int32(index), tile), x)
    new = -np.ones((4, 3), np.float32)
    got = run(insert, x, np.int32(6), new)
    want = x.copy()
    want[4:8, 6:9] = -1
    np.testing.assert_array_equal(got, want)
    assert x[4, 6] == 54  # the operand is untouched


@pytest.mark.parametrize("index", [8, -1])
def test_tile_index_outside_the_grid(index):
    x = np.zeros((8, 12), np.float32)
    tile = np.zeros((4, 3), np.float32)
    for op, args in ((op_in(TLE_ARGS, EXTRACT, "tle.extract_tile"), ()),
                     (op_in(TLE_ARGS, INSERT, "tle.insert_tile"), (tile,))):
        with pytest.raises(FunctionalError, match=rf"tile index {index} is outside the tile "
                                                  r"grid \[2, 4\]"):
            run(op, x, np.int32(index), *args)
