"""Semantics of the tt shape/reduce/dot ops, each op parsed from text and checked against
an independent numpy computation. xsmt pack/mmt4d and tle tiles: test_tile_ops.py."""

import numpy as np
import pytest

from k1sim.functional import tensor_ops  # noqa: F401  (registers the semantics)
from k1sim.functional import FunctionalError
from k1sim.functional.semantics import SEMANTICS
from k1sim.ir.parser import parse


class FakeCtx:
    def __init__(self, program_id=(0, 0, 0), grid=(1, 1, 1), num_threads=1):
        self.program_id, self.grid, self.num_threads = program_id, grid, num_threads
        self.warnings = []

    def warn(self, op, message):
        self.warnings.append((op, message))


class FakePtrs:
    """A tensor of pointers: a base id and int64 offsets."""

    def __init__(self, offsets):
        self.offsets = np.asarray(offsets, np.int64)

    def map(self, fn):
        return FakePtrs(fn(self.offsets))


class FakePtr:
    def __init__(self, offset):
        self.offset = offset

    def splat(self, shape):
        return FakePtrs(np.full(shape, self.offset, np.int64))


def op_in(args: str, body: str, name: str):
    """The first op called ``name`` in a function with arguments ``args`` and ``body``."""
    module = parse(f"tt.func @f({args}) {{\n{body}\n  tt.return\n}}")
    return next(op for op in module.walk() if op.name == name)


def run(op, *args, ctx=None):
    return SEMANTICS[op.name](op, list(args), ctx or FakeCtx())


def rng(seed=0):
    return np.random.default_rng(seed)


# -- program ids, threads, annotation -----------------------------------------------

@pytest.mark.parametrize("axis,index", [("x", 0), ("y", 1), ("z", 2)])
def test_program_id_and_num_programs(axis, index):
    ctx = FakeCtx(program_id=(3, 5, 7), grid=(4, 6, 8))
    pid = op_in("", f"%p = tt.get_program_id {axis} : i32", "tt.get_program_id")
    num = op_in("", f"%n = tt.get_num_programs {axis} : i32", "tt.get_num_programs")
    got_pid, got_num = run(pid, ctx=ctx), run(num, ctx=ctx)
    assert type(got_pid) is np.int32 and got_pid == (3, 5, 7)[index]
    assert type(got_num) is np.int32 and got_num == (4, 6, 8)[index]


def test_num_of_thread_and_annotation():
    op = op_in("", "%n = xsmt.get_num_of_thread", "xsmt.get_num_of_thread")
    got = run(op, ctx=FakeCtx(num_threads=8))
    assert type(got) is np.int32 and got == 8
    ann = op_in("%t: tensor<4xf32>", "xsmt.annotation %t {k = 1 : i32} : tensor<4xf32>",
                "xsmt.annotation")
    assert run(ann, np.ones(4, np.float32)) is None


# -- shaping ------------------------------------------------------------------------

def test_splat_scalar_and_bf16_rounding():
    op = op_in("%s: f16", "%t = tt.splat %s : f16 -> tensor<2x3xf16>", "tt.splat")
    got = run(op, np.float16(1.5))
    assert got.dtype == np.float16 and got.shape == (2, 3) and (got == 1.5).all()
    op = op_in("%s: bf16", "%t = tt.splat %s : bf16 -> tensor<4xbf16>", "tt.splat")
    got = run(op, np.float32(1.00390625))  # 1 + 2^-8: halfway, rounds to even (1.0)
    assert got.dtype == np.float32 and (got == 1.0).all()


def test_splat_of_a_scalar_pointer_is_a_pointer_tensor():
    op = op_in("%p: !tt.ptr<f32>", "%t = tt.splat %p : !tt.ptr<f32> -> tensor<2x4x!tt.ptr<f32>>",
               "tt.splat")
    got = run(op, FakePtr(12))
    assert isinstance(got, FakePtrs) and got.offsets.shape == (2, 4) and (got.offsets == 12).all()


def shape_op(name, src, dst, props=""):
    """``name`` applied to a ``src``-typed argument, in the custom form."""
    return op_in(f"%x: {src}", f"%y = {name} %x {props} : {src} -> {dst}", name)


def test_broadcast_expand_dims_reshape_on_values():
    x = np.arange(4, dtype=np.int32)
    col = shape_op("tt.expand_dims", "tensor<4xi32>", "tensor<4x1xi32>", "{axis = 1 : i32}")
    col = run(col, x)
    assert col.shape == (4, 1) and col[:, 0].tolist() == [0, 1, 2, 3]
    row = shape_op("tt.expand_dims", "tensor<4xi32>", "tensor<1x4xi32>", "{axis = 0 : i32}")
    assert run(row, x).tolist() == [[0, 1, 2, 3]]
    got = run(shape_op("tt.broadcast", "tensor<4x1xi32>", "tensor<4x3xi32>"), col)
    assert got.tolist() == [[i] * 3 for i in range(4)]
    got[0, 0] = 99  # a real array, not a read-only view of the operand
    assert col[0, 0] == 0
    src = np.arange(12, dtype=np.int32).reshape(4, 3)
    got = run(shape_op("tt.reshape", "tensor<4x3xi32>", "tensor<2x6xi32>"), src)
    assert got.tolist() == [list(range(6)), list(range(6, 12))]


def test_trans_2d_and_4d():
    x = rng().standard_normal((3, 5)).astype(np.float32)
    op = shape_op("tt.trans", "tensor<3x5xf32>", "tensor<5x3xf32>", "{order = array<i32: 1, 0>}")
    got = run(op, x)
    assert got.shape == (5, 3) and all(got[j, i] == x[i, j] for i in range(3) for j in range(5))
    p = rng(1).standard_normal((2, 3, 4, 5)).astype(np.float16)
    op = op_in("%x: tensor<2x3x4x5xf16>", "%y = \"tt.trans\"(%x) "
               "<{order = array<i32: 1, 0, 3, 2>}> : (tensor<2x3x4x5xf16>) -> "
               "tensor<3x2x5x4xf16>", "tt.trans")
    got = run(op, p)
    assert got.shape == (3, 2, 5, 4) and got.dtype == np.float16 and got.flags.c_contiguous
    for i, j, a, b in np.ndindex(2, 3, 4, 5):
        assert got[j, i, b, a] == p[i, j, a, b]
    got = run(shape_op("tt.trans", "tensor<2x3x4x5xf16>", "tensor<4x2x5x3xf16>",
                       "{order = array<i32: 2, 0, 3, 1>}"), p)
    for i, j, a, b in np.ndindex(2, 3, 4, 5):
        assert got[a, i, b, j] == p[i, j, a, b]


def test_shape_ops_on_pointer_tensors():
    ptr = "x!tt.ptr<f32>>"
    row = run(shape_op("tt.expand_dims", "tensor<4" + ptr, "tensor<1x4" + ptr, "{axis = 0 : i32}"),
              FakePtrs(np.arange(4) * 8))
    assert isinstance(row, FakePtrs) and row.offsets.tolist() == [[0, 8, 16, 24]]
    grid = run(shape_op("tt.broadcast", "tensor<1x4" + ptr, "tensor<2x4" + ptr), row)
    assert grid.offsets.tolist() == [[0, 8, 16, 24]] * 2
    tr = shape_op("tt.trans", "tensor<2x4" + ptr, "tensor<4x2" + ptr, "{order = array<i32: 1, 0>}")
    assert run(tr, FakePtrs(np.arange(8).reshape(2, 4))).offsets.tolist() == \
        [[0, 4], [1, 5], [2, 6], [3, 7]]
    flat = run(shape_op("tt.reshape", "tensor<2x4" + ptr, "tensor<8" + ptr), grid)
    assert flat.offsets.tolist() == [0, 8, 16, 24] * 2


def test_make_range():
    op = op_in("", "%r = tt.make_range {end = 12 : i32, start = 4 : i32} : tensor<8xi32>",
               "tt.make_range")
    got = run(op)
    assert got.dtype == np.int32 and got.tolist() == list(range(4, 12))


# -- reduce ---------------------------------------------------------------------------

def reduce_op(combine: str, el: str, shape: str, axis: int, result: str):
    body = (f'%r = "tt.reduce"(%x) <{{axis = {axis} : i32}}> ({{\n'
            f'  ^bb0(%a: {el}, %b: {el}):\n'
            f'    %s = {combine} %a, %b : {el}\n'
            f'    tt.reduce.return %s : {el}\n'
            f'}}) : (tensor<{shape}x{el}>) -> {result}')
    return op_in(f"%x: tensor<{shape}x{el}>", body, "tt.reduce")


def test_reduce_addf_rows_columns_and_scalar():
    x = rng().standard_normal((5, 7)).astype(np.float32)
    rows = run(reduce_op("arith.addf", "f32", "5x7", 1, "tensor<5xf32>"), x)
    cols = run(reduce_op("arith.addf", "f32", "5x7", 0, "tensor<7xf32>"), x)
    exact = x.astype(np.float64)
    assert rows.dtype == np.float32 and rows.shape == (5,)
    np.testing.assert_allclose(rows, [sum(r) for r in exact], rtol=1e-5)
    np.testing.assert_allclose(cols, [sum(c) for c in exact.T], rtol=1e-5)
    total = run(reduce_op("arith.addf", "f32", "7", 0, "f32"), x[0])
    assert type(total) is np.float32
    np.testing.assert_allclose(total, sum(exact[0]), rtol=1e-5)


def test_reduce_f16_and_bf16_sums_round_at_each_step():
    # A tree in f16: (2048 + 1) + (1 + 1) = 2048 + 2, as 2049 rounds to 2048 (spacing 2).
    # Summing in f32 would give 2051, rounded to 2052.
    x = np.array([2048, 1, 1, 1], np.float16)
    got = run(reduce_op("arith.addf", "f16", "4", 0, "f16"), x)
    assert type(got) is np.float16 and got == 2050
    # bf16 likewise: (256 + 1) + (1 + 1) = 256 + 2, where f32 sums give 259 -> 260.
    got = run(reduce_op("arith.addf", "bf16", "4", 0, "bf16"), np.float32([256, 1, 1, 1]))
    assert type(got) is np.float32 and got == 258
    y = np.array([[60000, 60000, -60000]], np.float16)  # overflow is inf, as in f16
    assert np.isinf(run(reduce_op("arith.addf", "f16", "1x3", 1, "tensor<1xf16>"), y)[0])


@pytest.mark.parametrize("combine,want", [
    ("arith.maxnumf", [3.0, 5.0]), ("arith.minnumf", [1.0, -2.0]),
    ("arith.maximumf", [np.nan, 5.0]), ("arith.minimumf", [np.nan, -2.0]),
])
def test_reduce_max_min_nan_rules(combine, want):
    x = np.array([[1.0, np.nan, 3.0], [5.0, -2.0, 0.5]], np.float32)
    got = run(reduce_op(combine, "f32", "2x3", 1, "tensor<2xf32>"), x)
    np.testing.assert_array_equal(got, np.array(want, np.float32))


def test_reduce_mulf():
    x = np.array([[1.5, 2.0, -4.0], [0.5, 0.5, 8.0]], np.float32)
    got = run(reduce_op("arith.mulf", "f32", "2x3", 1, "tensor<2xf32>"), x)
    assert got.tolist() == [-12.0, 2.0]


def test_reduce_integers_wrap_and_max_min():
    x = np.array([100, 100, 100, -7], np.int8)
    assert run(reduce_op("arith.addi", "i8", "4", 0, "i8"), x) == np.int8(300 - 7 - 256)
    x = np.array([[2**31 - 1, 1], [-5, 9]], np.int32)
    got = run(reduce_op("arith.addi", "i32", "2x2", 1, "tensor<2xi32>"), x)
    assert got.tolist() == [-2**31, 4]
    assert run(reduce_op("arith.maxsi", "i32", "2x2", 0, "tensor<2xi32>"), x).tolist() == \
        [2**31 - 1, 9]
    assert run(reduce_op("arith.minsi", "i32", "2x2", 0, "tensor<2xi32>"), x).tolist() == [-5, 1]


def test_reduce_i1():
    x = np.array([[True, True, False], [True, False, False]])
    assert run(reduce_op("arith.addi", "i1", "2x3", 1, "tensor<2xi1>"), x).tolist() == \
        [False, True]
    assert run(reduce_op("arith.maxsi", "i1", "2x3", 1, "tensor<2xi1>"), x).tolist() == \
        [False, False]  # signed i1: true is -1
    assert run(reduce_op("arith.minsi", "i1", "2x3", 1, "tensor<2xi1>"), x).tolist() == \
        [True, True]


def test_reduce_with_two_operands_is_a_clear_error():
    body = ('%r:2 = "tt.reduce"(%x, %y) <{axis = 0 : i32}> ({\n'
            '  ^bb0(%a: f32, %b: f32, %c: f32, %d: f32):\n'
            '    %s = arith.addf %a, %c : f32\n'
            '    tt.reduce.return %s, %b : f32, f32\n'
            '}) : (tensor<4xf32>, tensor<4xf32>) -> (f32, f32)')
    op = op_in("%x: tensor<4xf32>, %y: tensor<4xf32>", body, "tt.reduce")
    with pytest.raises(FunctionalError, match="tt.reduce with 2 operands"):
        run(op, np.ones(4, np.float32), np.ones(4, np.float32))


# -- dot --------------------------------------------------------------------------------

def test_dot_f16_inputs_accumulate_in_f32():
    a = np.full((2, 128), 1000, np.float16)
    b = np.ones((128, 3), np.float16)
    c = np.arange(6, dtype=np.float32).reshape(2, 3)
    op = op_in("%a: tensor<2x128xf16>, %b: tensor<128x3xf16>, %c: tensor<2x3xf32>",
               "%d = tt.dot %a, %b, %c : tensor<2x128xf16> * tensor<128x3xf16> -> "
               "tensor<2x3xf32>", "tt.dot")
    got = run(op, a, b, c)
    assert got.dtype == np.float32
    assert got.tolist() == [[128000.0 + 3 * i + j for j in range(3)] for i in range(2)]


def test_dot_f32_matches_float64():
    a, b = rng(2).standard_normal((5, 7)), rng(3).standard_normal((7, 4))
    c = rng(4).standard_normal((5, 4))
    op = op_in("%a: tensor<5x7xf32>, %b: tensor<7x4xf32>, %c: tensor<5x4xf32>",
               "%d = tt.dot %a, %b, %c, inputPrecision = 0 : i32 : tensor<5x7xf32> * "
               "tensor<7x4xf32> -> tensor<5x4xf32>", "tt.dot")
    a32, b32, c32 = (v.astype(np.float32) for v in (a, b, c))
    want = np.einsum("ik,kj->ij", a32.astype(np.float64), b32.astype(np.float64)) + c32
    np.testing.assert_allclose(run(op, a32, b32, c32), want, rtol=1e-5, atol=1e-5)


def test_dot_i8_accumulates_in_i32_exactly():
    a = rng(5).integers(-128, 128, (3, 64)).astype(np.int8)
    b = rng(6).integers(-128, 128, (64, 2)).astype(np.int8)
    a[0], b[:, 0] = -128, -128  # 64 * 16384: far beyond i8 and i16
    c = np.full((3, 2), 7, np.int32)
    op = op_in("%a: tensor<3x64xi8>, %b: tensor<64x2xi8>, %c: tensor<3x2xi32>",
               "%d = tt.dot %a, %b, %c : tensor<3x64xi8> * tensor<64x2xi8> -> tensor<3x2xi32>",
               "tt.dot")
    want = [[sum(int(a[i, k]) * int(b[k, j]) for k in range(64)) + 7 for j in range(2)]
            for i in range(3)]
    got = run(op, a, b, c)
    assert got.dtype == np.int32 and got.tolist() == want and want[0][0] == 64 * 16384 + 7
