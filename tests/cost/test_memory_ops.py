"""Loads and stores: bytes, scope from the pointer's origin, gathers, descriptor_load_view."""

from k1sim.cost import decompose, is_loop_carried, scope_of
from tests.cost.helpers import A60, C32, kernel, op, ops

ARGS = "%a: !tt.ptr<f32>"


def transfers(func, uses, name, i=0):
    w = decompose(ops(func, name)[i], A60, uses)
    return [(t.scope, t.nbytes, t.write, t.operand) for t in w.transfers]


def test_a_block_pointer_from_a_kernel_argument_is_global():
    func, uses = kernel(C32 + """
    %p = tt.make_tensor_ptr %a, [%c64_64, %c64_64], [%c64_64, %c1_64], [%c0, %c0] {order = array<i32: 1, 0>} : <tensor<16x32xf32>>
    %q = tt.advance %p, [%c1, %c0] : <tensor<16x32xf32>>
    %x = tt.load %q {boundaryCheck = array<i32: 0, 1>} : !tt.ptr<tensor<16x32xf32>>
    tt.store %q, %x : !tt.ptr<tensor<16x32xf32>>""", ARGS)
    assert transfers(func, uses, "tt.load") == [("global", 16 * 32 * 4, False, 0)]
    assert transfers(func, uses, "tt.store") == [("global", 16 * 32 * 4, True, 0)]
    w = decompose(op(func, "tt.load"), A60, uses)
    assert (w.unit, w.issue_cycles, w.reg_bytes) == ("lsu", 0.0, 0)


def test_an_alloc_through_views_is_local_and_a_fragment_alloc_is_fragment():
    func, uses = kernel(C32 + """
    %m = xsmt.alloc [[64, 32]] storage("l2") : <tensor<64x32xf16>>
    %v = xsmt.subview_pack %m, [%c0, %c0], [[64, 32]], [[16, 16]] : <tensor<64x32xf16>> -> <tensor<4x2x16x16xf16>>
    %s = xsmt.subview %v, [%c0, %c0], [[64, 16]] : <tensor<4x2x16x16xf16>> -> <tensor<4x1x16x16xf16>>
    %x = tt.load %s {boundaryCheck = array<i32: 0, 1, 2, 3>} : !tt.ptr<tensor<4x1x16x16xf16>>
    %f = xsmt.alloc [[16, 16]] storage("fragment") : <tensor<16x16xf32>>
    %y = tt.load %f : !tt.ptr<tensor<16x16xf32>>
    %t = xsmt.alloc [[16, 16]] scope("tcm") : <tensor<16x16xf32>>
    %z = tt.load %t : !tt.ptr<tensor<16x16xf32>>""")
    assert transfers(func, uses, "tt.load", 0) == [("local", 64 * 16 * 2, False, 0)]
    assert transfers(func, uses, "tt.load", 1) == [("fragment", 16 * 16 * 4, False, 0)]
    assert transfers(func, uses, "tt.load", 2) == [("local", 16 * 16 * 4, False, 0)]


def test_a_multi_copy_buffer_view_is_local():
    func, uses = kernel(C32 + """
    %b = xsmt.alloc_copies [[2, 16, 64]] storage("l2") : !xsmt.buffer<shape=[2, 16, 64], elementType=f32, copies=2, storageKind="l2">
    %v = xsmt.buffer_tensor_view %b[%c1] : <shape=[2, 16, 64], elementType=f32, copies=2, storageKind="l2"> -> <tensor<16x64xf32>>
    %x = tt.load %v {boundaryCheck = array<i32: 0, 1>} : !tt.ptr<tensor<16x64xf32>>""")
    assert transfers(func, uses, "tt.load") == [("local", 16 * 64 * 4, False, 0)]


def test_gathers_and_scatters_move_one_element_per_lane_and_pay_address_generation():
    func, uses = kernel(C32 + """
    %row = tt.addptr %a, %c2 : !tt.ptr<f32>, i32
    %ps = tt.splat %row : !tt.ptr<f32> -> tensor<64x!tt.ptr<f32>>
    %r = tt.make_range {end = 64 : i32, start = 0 : i32} : tensor<64xi32>
    %pp = tt.addptr %ps, %r : tensor<64x!tt.ptr<f32>>, tensor<64xi32>
    %x = tt.load %pp : tensor<64x!tt.ptr<f32>>
    tt.store %pp, %x : tensor<64x!tt.ptr<f32>>
    %s = tt.load %row : !tt.ptr<f32>""", ARGS)
    assert transfers(func, uses, "tt.load", 0) == [("global", 64 * 4, False, 0)]
    assert transfers(func, uses, "tt.store") == [("global", 64 * 4, True, 0)]
    w = decompose(op(func, "tt.load"), A60, uses)
    assert (w.unit, w.issue_cycles) == ("lsu", 64.0)
    assert transfers(func, uses, "tt.load", 1) == [("global", 4, False, 0)]
    # the pointer arithmetic: scalar addptr on the scalar pipe, tensor addptr on the vector unit
    scalar_ptr, tensor_ptr = (decompose(o, A60, uses) for o in ops(func, "tt.addptr"))
    assert scalar_ptr.unit == "scalar" and tensor_ptr.unit == "vector"


def test_a_pointer_carried_by_a_loop_keeps_its_origin():
    func, uses = kernel(C32 + """
    %m = xsmt.alloc [[16, 16]] storage("l2") : <tensor<16x16xf32>>
    %p = tt.make_tensor_ptr %a, [%c64_64, %c64_64], [%c64_64, %c1_64], [%c0, %c0] {order = array<i32: 1, 0>} : <tensor<16x16xf32>>
    %r = scf.for %i = %c0 to %c2 step %c1 iter_args(%q = %p) -> (!tt.ptr<tensor<16x16xf32>>) : i32 {
      %x = tt.load %q : !tt.ptr<tensor<16x16xf32>>
      tt.store %m, %x : !tt.ptr<tensor<16x16xf32>>
      %n = tt.advance %q, [%c1, %c0] : <tensor<16x16xf32>>
      scf.yield %n : !tt.ptr<tensor<16x16xf32>>
    }
    %y = tt.load %r : !tt.ptr<tensor<16x16xf32>>""", ARGS)
    q = op(func, "tt.load").operands[0]
    assert is_loop_carried(q) and scope_of(q) == "global"
    assert scope_of(op(func, "tt.load", 1).operands[0]) == "global"  # the loop's result
    assert transfers(func, uses, "tt.store") == [("local", 16 * 16 * 4, True, 0)]
    assert not is_loop_carried(op(func, "scf.for").regions[0].blocks[0].args[0])  # the IV


def test_descriptor_load_view_reads_the_window():
    func, uses = kernel(C32 + """
    %p = tt.make_tensor_ptr %a, [%c64_64, %c64_64], [%c64_64, %c1_64], [%c0, %c0] {order = array<i32: 1, 0>} : <tensor<32x64xf32>>
    %z = arith.constant 0 : i64
    %v = xsmt.descriptor_load_view %p, [%z, %z], [[16, 64]], [[8, 32]] : <tensor<32x64xf32>> -> tensor<2x2x8x32xf32>""",
                        ARGS)
    assert transfers(func, uses, "xsmt.descriptor_load_view") == [("global", 16 * 64 * 4, False, 0)]
