"""The examples of FORMAT.md: section 4.3's custom forms (with the `…` filled in), the
generic pack of section 1 and the xsmt_async ops of section 4.4 parse inside a small
function and give the documented result types; a printed result type that disagrees
with the inferred one is an error naming both."""

from __future__ import annotations

import pytest

import k1sim
from k1sim.errors import ParseError
from k1sim.ir import types as T

ARGS = ("%x: tensor<32x128xf16>, %o0: i32, %o1: i32, %o0_64: i64, %o1_64: i64, %k: i32, "
        "%k64: i64, %kidx: index, %id: i16, %n: i16")


def wrap(body: str, args: str = ARGS) -> str:
    return f"tt.func @f({args}) {{\n{body}\n  tt.return\n}}\n"


def ops_of(text: str, args: str = ARGS) -> list:
    """The ops of the wrapped body (without the tt.return), after a parse and verify."""
    func = k1sim.parse(wrap(text, args)).functions[0]
    return func.regions[0].block.ops[:-1]


def only_op(text: str, args: str = ARGS):
    (op,) = ops_of(text, args)
    return op


def tensor(*dims_and_element):
    *dims, element = dims_and_element
    return T.TensorType(tuple(dims), T.SCALARS[element])


def ptr(pointee):
    return T.PtrType(pointee)


def cdiv(a, b):
    return -(-a // b)


# -- 4.3: pack / unpack / repack ----------------------------------------------------

@pytest.mark.parametrize("src, shape, packed", [
    ((32, 128), (32, 128), (8, 16)),      # exact tiling
    ((32, 128), (30, 100), (8, 16)),      # ragged window: zero padded to whole tiles
    ((128, 512), (16, 512), (16, 8)),     # one row panel (SPLIT_M, notes 5a)
    ((64, 64), (64, 33), (16, 32)),       # last tile column mostly padding
])
def test_pack_result_is_cdiv_tiles(src, shape, packed):
    (s0, s1), (p0, p1) = shape, packed
    want = tensor(cdiv(s0, p0), cdiv(s1, p1), p0, p1, "f16")
    text = (f"  %p = xsmt.pack %x, [%o0, %o1], [{s0}, {s1}], [{p0}, {p1}] : "
            f"tensor<{src[0]}x{src[1]}xf16> -> {want}")
    op = only_op(text, f"%x: tensor<{src[0]}x{src[1]}xf16>, %o0: i32, %o1: i32")
    assert op.name == "xsmt.pack"
    assert op.results[0].type == want
    assert op.prop("shape") == shape and op.prop("packed_size") == packed
    assert op.prop("operandSegmentSizes") == (1, 2, 0)


def test_pack_into_destination_has_the_result_type():
    op = ops_of("  %d = arith.constant dense<0.000000e+00> : tensor<4x8x8x16xf16>\n"
                "  %q = xsmt.pack %x, [%o0, %o1] into(%d : tensor<4x8x8x16xf16>), [32, 128], "
                "[8, 16] : tensor<32x128xf16> -> tensor<4x8x8x16xf16>")[1]
    assert op.results[0].type == tensor(4, 8, 8, 16, "f16")
    assert op.prop("operandSegmentSizes") == (1, 2, 1)
    assert op.operands[-1].type == op.results[0].type


def test_unpack_result_is_the_window():
    op = only_op("  %u = xsmt.unpack %p, [%o0, %o1], [20, 40] : tensor<4x7x8x16xf16> -> "
                 "tensor<20x40xf16>", "%p: tensor<4x7x8x16xf16>, %o0: i32, %o1: i32")
    assert op.results[0].type == tensor(20, 40, "f16")
    assert op.prop("shape") == (20, 40)


def test_repack_retiles_a_packed_tensor():
    op = only_op("  %r = xsmt.repack %p, [%o0, %o1], [32, 112], [16, 8] : "
                 "tensor<4x7x8x16xf16> -> tensor<2x14x16x8xf16>",
                 "%p: tensor<4x7x8x16xf16>, %o0: i32, %o1: i32")
    assert op.results[0].type == tensor(2, 14, 16, 8, "f16")


# -- 4.3: mmt4d ----------------------------------------------------------------------

MMT4D_ARGS = ("%a: tensor<4x2x8x16xf16>, %b: tensor<3x2x16x16xf16>, "
              "%ai: tensor<2x4x16x8xi8>, %bi: tensor<1x4x32x8xi8>, %d: tensor<4x3x8x16xf32>")


@pytest.mark.parametrize("operands, types, result", [
    ("%a, %b", "tensor<4x2x8x16xf16>, tensor<3x2x16x16xf16>", tensor(4, 3, 8, 16, "f16")),
    ("%a, %b", "tensor<4x2x8x16xf16>, tensor<3x2x16x16xf16>", tensor(4, 3, 8, 16, "f32")),
    ("%ai, %bi", "tensor<2x4x16x8xi8>, tensor<1x4x32x8xi8>", tensor(2, 1, 16, 32, "i8")),
    ("%ai, %bi", "tensor<2x4x16x8xi8>, tensor<1x4x32x8xi8>", tensor(2, 1, 16, 32, "i32")),
    ("%a, %b, %d", "tensor<4x2x8x16xf16>, tensor<3x2x16x16xf16>, tensor<4x3x8x16xf32>",
     tensor(4, 3, 8, 16, "f32")),
])
def test_mmt4d_result_is_m1_n1_m0_n0(operands, types, result):
    op = only_op(f"  %c = xsmt.mmt4d {operands} : {types} -> {result}", MMT4D_ARGS)
    assert op.results[0].type == result
    assert len(op.operands) == operands.count("%")


@pytest.mark.parametrize("result", ["tensor<4x3x8x16xf64>", "tensor<4x3x8x16xbf16>"])
def test_mmt4d_result_element_must_be_input_or_wide(result):
    with pytest.raises(ParseError) as e:
        ops_of(f"  %c = xsmt.mmt4d %a, %b : tensor<4x2x8x16xf16>, tensor<3x2x16x16xf16> -> "
               f"{result}", MMT4D_ARGS)
    assert "f16 or f32" in e.value.message


def test_mmt4d_disagreeing_operands_name_both_shapes():
    with pytest.raises(ParseError) as e:
        ops_of("  %c = xsmt.mmt4d %a, %b : tensor<4x2x8x16xf16>, tensor<3x4x16x16xf16> -> "
               "tensor<4x3x8x16xf16>", "%a: tensor<4x2x8x16xf16>, %b: tensor<3x4x16x16xf16>")
    assert "tensor<4x2x8x16xf16>" in e.value.message
    assert "tensor<3x4x16x16xf16>" in e.value.message


# -- 4.3: pointer views and local buffers ---------------------------------------------

@pytest.mark.parametrize("brackets", ["[[{}]]", "[{}]"])
def test_subview_of_a_packed_pointer_counts_whole_tiles(brackets):
    ops = ops_of(
        f"  %s = xsmt.subview %p4, [%o0, %o1], {brackets.format('512, 64')} : "
        "!tt.ptr<tensor<16x4x32x32xf32>> -> !tt.ptr<tensor<16x2x32x32xf32>>\n"
        f"  %r = xsmt.subview %p4, [%o0, %o1], {brackets.format('100, 40')} : "
        "<tensor<16x4x32x32xf32>> -> <tensor<4x2x32x32xf32>>",
        "%p4: !tt.ptr<tensor<16x4x32x32xf32>>, %o0: i32, %o1: i32")
    assert ops[0].results[0].type == ptr(tensor(16, 2, 32, 32, "f32"))
    assert ops[1].results[0].type == ptr(tensor(cdiv(100, 32), cdiv(40, 32), 32, 32, "f32"))


@pytest.mark.parametrize("brackets", ["[[{}]]", "[{}]"])
def test_subview_pack_is_a_packed_pointer(brackets):
    op = only_op(
        f"  %v = xsmt.subview_pack %p2, [%o0, %o1], {brackets.format('512, 128')}, "
        f"{brackets.format('32, 32')} : !tt.ptr<tensor<512x128xf32>> -> "
        "!tt.ptr<tensor<16x4x32x32xf32>>",
        "%p2: !tt.ptr<tensor<512x128xf32>>, %o0: i32, %o1: i32")
    assert op.results[0].type == ptr(tensor(16, 4, 32, 32, "f32"))


def test_subview_pack_shape_must_divide():
    with pytest.raises(ParseError) as e:
        ops_of("  %v = xsmt.subview_pack %p2, [%o0, %o1], [[500, 128]], [[32, 32]] : "
               "!tt.ptr<tensor<512x128xf32>> -> !tt.ptr<tensor<16x4x32x32xf32>>",
               "%p2: !tt.ptr<tensor<512x128xf32>>, %o0: i32, %o1: i32")
    assert "divisible" in e.value.message


@pytest.mark.parametrize("brackets", ["[[{}]]", "[{}]"])
def test_descriptor_load_view_is_a_packed_tensor(brackets):
    op = only_op(
        f"  %l = xsmt.descriptor_load_view %b, [%o0_64, %o1_64], {brackets.format('16, 512')}, "
        f"{brackets.format('16, 8')} : <tensor<128x512xf16>> -> tensor<1x64x16x8xf16>",
        "%b: !tt.ptr<tensor<128x512xf16>>, %o0_64: i64, %o1_64: i64")
    assert op.results[0].type == tensor(1, 64, 16, 8, "f16")


@pytest.mark.parametrize("spelling, key", [('storage("l2")', "storage"), ('scope("l2")', "scope"),
                                           ('scope("tcm")', "scope")])
@pytest.mark.parametrize("brackets", ["[[64, 128]]", "[64, 128]"])
def test_alloc_gives_a_block_pointer(spelling, key, brackets):
    op = only_op(f"  %m = xsmt.alloc {brackets} {spelling} : !tt.ptr<tensor<64x128xf32>>")
    assert op.results[0].type == ptr(tensor(64, 128, "f32"))
    assert op.prop(key) == spelling.split('"')[1]
    assert op.prop("shape") == (64, 128)


BUF = '!xsmt.buffer<shape=[2, 64, 64], elementType=f16, copies=2, storageKind="l2">'


def test_alloc_copies_and_buffer_tensor_view():
    alloc, view = ops_of(
        f'  %b = xsmt.alloc_copies [[2, 64, 64]] storage("l2") : {BUF}\n'
        f"  %i = xsmt.buffer_tensor_view %b[%k] : {BUF} -> !tt.ptr<tensor<64x64xf16>>")
    t = alloc.results[0].type
    assert isinstance(t, T.BufferType)
    assert (t.shape, t.element, t.copies, t.storage) == ((2, 64, 64), T.f16, 2, "l2")
    assert view.results[0].type == ptr(tensor(64, 64, "f16"))


def test_buffer_tensor_view_result_must_be_one_copy():
    with pytest.raises(ParseError) as e:
        ops_of(f'  %b = xsmt.alloc_copies [[2, 64, 64]] storage("l2") : {BUF}\n'
               f"  %i = xsmt.buffer_tensor_view %b[%k] : {BUF} -> !tt.ptr<tensor<2x64x64xf16>>")
    assert "!tt.ptr<tensor<2x64x64xf16>>" in e.value.message
    assert "!tt.ptr<tensor<64x64xf16>>" in e.value.message


# -- 4.3: barriers, threads, annotations ----------------------------------------------

@pytest.mark.parametrize("index, index_type", [("%k64", "i64"), ("%k", "i32"), ("%kidx", "index")])
def test_mbarrier_copies_and_subview(index, index_type):
    m, h = ops_of("  %M = xsmt.mbarrier_copies copies(2) flag(0) arrive(0) txn(1024) expect(1) : "
                  "!xsmt.mbarrier<2>\n"
                  f"  %h = xsmt.mbarrier_subview %M[{index}] : (!xsmt.mbarrier<2>, {index_type}) "
                  "-> i64")
    assert m.results[0].type == T.MBarrierType(2)
    assert {k: m.prop(k) for k in ("numCopies", "flag", "arriveCount", "transactionCount",
                                   "expectCount")} == {
        "numCopies": 2, "flag": 0, "arriveCount": 0, "transactionCount": 1024, "expectCount": 1}
    assert h.results[0].type == T.i64


def test_get_num_of_thread_is_i32():
    op = only_op("  %nt = xsmt.get_num_of_thread")
    assert op.results[0].type == T.i32 and not op.operands


def test_annotation_keeps_its_attribute_and_has_no_result():
    op = only_op("  xsmt.annotation %x {key = 7 : i32} : tensor<32x128xf16>")
    assert op.results == [] and op.prop("key") == 7


def test_global_barrier_init_and_set_expect():
    g, s = ops_of("  %g = xsmt.global_mbarrier_init %id : i64\n"
                  "  xsmt.barrier_set_expect %g, %n : i64")
    assert g.results[0].type == T.i64
    assert s.results == [] and [v.type for v in s.operands] == [T.i64, T.i16]


# -- section 1: the generic pack -------------------------------------------------------

GENERIC_PACK = ('  %c0 = arith.constant 0 : i32\n'
                '  %r = "xsmt.pack"(%x, %c0, %c0) <{operandSegmentSizes = array<i32: 1, 2, 0>, '
                'packed_size = array<i32: 8, 16>, shape = array<i32: 32, 128>}> : '
                '(tensor<32x128xf16>, i32, i32) -> tensor<4x8x8x16xf16>')
CUSTOM_PACK = ('  %c0 = arith.constant 0 : i32\n'
               '  %r = xsmt.pack %x, [%c0, %c0], [32, 128], [8, 16] : tensor<32x128xf16> -> '
               'tensor<4x8x8x16xf16>')


def test_generic_pack_example_is_the_custom_pack():
    op = ops_of(GENERIC_PACK)[1]
    assert op.results[0].type == tensor(4, 8, 8, 16, "f16")
    assert (op.prop("shape"), op.prop("packed_size")) == ((32, 128), (8, 16))
    assert k1sim.parse(wrap(GENERIC_PACK)) == k1sim.parse(wrap(CUSTOM_PACK))


# -- 4.4: xsmt_async -------------------------------------------------------------------

ASYNC = ('  %bar = "xsmt_async.mbarrier_alloc"(%flag, %arrive, %txn, %expect) : '
         '(i16, i16, i16, i16) -> i64\n'
         '  "xsmt_async.mbarrier_arrive"(%bar) : (i64) -> ()\n'
         '  "xsmt_async.mbarrier_wait"(%bar, %parity, %count) : (i64, i16, i16) -> ()\n'
         '  "xsmt_async.mbarrier_release"(%bar) : (i64) -> ()')
ASYNC_ARGS = ("%flag: i16, %arrive: i16, %txn: i16, %expect: i16, %parity: i16, %count: i16")


def test_xsmt_async_examples():
    alloc, arrive, wait, release = ops_of(ASYNC, ASYNC_ARGS)
    assert alloc.results[0].type == T.i64
    assert [o.name for o in (arrive, wait, release)] == [
        "xsmt_async.mbarrier_arrive", "xsmt_async.mbarrier_wait", "xsmt_async.mbarrier_release"]
    assert all(o.results == [] for o in (arrive, wait, release))
    assert [v.type for v in wait.operands] == [T.i64, T.i16, T.i16]


def test_xsmt_async_wrong_operand_types_are_an_error():
    with pytest.raises(ParseError) as e:
        ops_of('  %bar = "xsmt_async.mbarrier_alloc"(%a, %a, %a, %a) : (i32, i32, i32, i32) -> i64',
               "%a: i32")
    assert "(i16, i16, i16, i16)" in e.value.message


def test_xsmt_async_has_no_custom_form():
    with pytest.raises(ParseError) as e:
        ops_of("  xsmt_async.mbarrier_arrive %b : i64", "%b: i64")
    assert "generic form" in e.value.message


# -- result types that disagree with inference ---------------------------------------

MISMATCHES = [
    # (body, args, printed, inferred)
    ("  %p = xsmt.pack %x, [%o0, %o1], [30, 100], [8, 16] : tensor<32x128xf16> -> "
     "tensor<4x8x8x16xf16>", ARGS, "tensor<4x8x8x16xf16>", "tensor<4x7x8x16xf16>"),
    ("  %u = xsmt.unpack %p, [%o0, %o1], [20, 40] : tensor<4x7x8x16xf16> -> tensor<32x112xf16>",
     "%p: tensor<4x7x8x16xf16>, %o0: i32, %o1: i32", "tensor<32x112xf16>", "tensor<20x40xf16>"),
    ("  %r = xsmt.repack %p, [%o0, %o1], [32, 112], [16, 8] : tensor<4x7x8x16xf16> -> "
     "tensor<2x14x8x16xf16>", "%p: tensor<4x7x8x16xf16>, %o0: i32, %o1: i32",
     "tensor<2x14x8x16xf16>", "tensor<2x14x16x8xf16>"),
    ("  %c = xsmt.mmt4d %a, %b : tensor<4x2x8x16xf16>, tensor<3x2x16x16xf16> -> "
     "tensor<3x4x8x16xf16>", MMT4D_ARGS, "tensor<3x4x8x16xf16>", "tensor<4x3x8x16xf16>"),
    ("  %s = xsmt.subview %p4, [%o0, %o1], [[512, 64]] : <tensor<16x4x32x32xf32>> -> "
     "<tensor<16x4x32x32xf32>>", "%p4: !tt.ptr<tensor<16x4x32x32xf32>>, %o0: i32, %o1: i32",
     "!tt.ptr<tensor<16x4x32x32xf32>>", "!tt.ptr<tensor<16x2x32x32xf32>>"),
    ("  %l = xsmt.descriptor_load_view %b, [%o0_64, %o1_64], [[16, 512]], [[16, 8]] : "
     "<tensor<128x512xf16>> -> tensor<1x64x8x16xf16>",
     "%b: !tt.ptr<tensor<128x512xf16>>, %o0_64: i64, %o1_64: i64",
     "tensor<1x64x8x16xf16>", "tensor<1x64x16x8xf16>"),
    ('  %r = "xsmt.pack"(%x, %o0, %o1) <{operandSegmentSizes = array<i32: 1, 2, 0>, '
     'packed_size = array<i32: 8, 16>, shape = array<i32: 32, 128>}> : '
     '(tensor<32x128xf16>, i32, i32) -> tensor<8x4x8x16xf16>', ARGS,
     "tensor<8x4x8x16xf16>", "tensor<4x8x8x16xf16>"),
    ("  %h = xsmt.mbarrier_subview %M[%k] : (<2>, i32) -> i32", "%M: !xsmt.mbarrier<2>, %k: i32",
     "i32", "i64"),
    ('  %g = "xsmt_async.mbarrier_alloc"(%n, %n, %n, %n) : (i16, i16, i16, i16) -> i32', ARGS,
     "i32", "i64"),
]


@pytest.mark.parametrize("body, args, printed, inferred", MISMATCHES,
                         ids=[m[0].split("=")[1].split()[0].strip('"') for m in MISMATCHES])
def test_result_type_mismatch_shows_both_types(body, args, printed, inferred):
    with pytest.raises(ParseError) as e:
        ops_of(body, args)
    assert printed in e.value.message and inferred in e.value.message, e.value.message
    assert e.value.line == 2 and e.value.column == 3, "verifier errors point at the op's result"
