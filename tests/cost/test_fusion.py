"""The four fusions of DESIGN.md "Modelling rules", each with a case that must not fuse."""

from pathlib import Path

import pytest

from k1sim.cost import Uses, decompose
from k1sim.cost.blocking import plan
from k1sim.ir.parser import parse
from k1sim.cost.work import ABSORBED_LOAD
from tests.cost.helpers import A60, C32, kernel, op, ops

ROOT = Path(__file__).resolve().parents[2]
BLOCK = "%a: !tt.ptr<f16>"
MAKE_PTR = ("    %p = tt.make_tensor_ptr %a, [%c64_64, %c64_64], [%c64_64, %c1_64], [%c0, %c0] "
            "{order = array<i32: 1, 0>} : <tensor<32x64xf16>>\n"
            "    %blk = tt.load %p {boundaryCheck = array<i32: 0, 1>} : !tt.ptr<tensor<32x64xf16>>\n")


def is_free(w, into):
    return (w.fused_into, w.unit, w.issue_cycles, w.reg_bytes, w.transfers, w.ops) == (
        into, "none", 0.0, 0, (), {})


# -- 1. load + pack = descriptor_load_view -------------------------------------

def test_a_load_whose_only_user_is_a_pack_reads_only_the_packed_window():
    func, uses = kernel(C32 + "\n" + MAKE_PTR +
                        "    %pk = xsmt.pack %blk, [%c0, %c0], [16, 64], [8, 16] : "
                        "tensor<32x64xf16> -> tensor<2x4x8x16xf16>", BLOCK)
    pack = decompose(op(func, "xsmt.pack"), A60, uses)
    assert [(t.scope, t.nbytes, t.write, t.operand, t.window) for t in pack.transfers] == [
        ("global", 16 * 64 * 2, False, ABSORBED_LOAD, True)]
    assert (pack.unit, pack.issue_cycles, pack.reg_bytes) == ("lsu", 0.0, 0)
    assert is_free(decompose(op(func, "tt.load"), A60, uses), "xsmt.pack")


def test_the_window_is_clipped_to_the_block():
    func, uses = kernel(C32 + "\n" + MAKE_PTR +
                        "    %pk = xsmt.pack %blk, [%c0, %c0], [48, 64], [16, 16] : "
                        "tensor<32x64xf16> -> tensor<3x4x16x16xf16>", BLOCK)
    assert decompose(op(func, "xsmt.pack"), A60, uses).transfers[0].nbytes == 32 * 64 * 2


def test_a_load_is_not_moved_past_a_barrier_to_its_pack():
    barrier = ('    %z = arith.constant 0 : i16\n    %one = arith.constant 1 : i16\n'
               '    %bar = "xsmt_async.mbarrier_alloc"(%z, %z, %z, %one) : '
               '(i16, i16, i16, i16) -> i64\n'
               '    "xsmt_async.mbarrier_arrive"(%bar) : (i64) -> ()\n')
    pack = ("    %pk = xsmt.pack %blk, [%c0, %c0], [16, 64], [8, 16] : "
            "tensor<32x64xf16> -> tensor<2x4x8x16xf16>")
    func, uses = kernel(C32 + "\n" + MAKE_PTR + barrier + pack, BLOCK)
    assert decompose(op(func, "tt.load"), A60, uses).transfers[0].nbytes == 32 * 64 * 2
    assert decompose(op(func, "xsmt.pack"), A60, uses).unit == "vector"
    func, uses = kernel(C32 + "\n" + barrier + MAKE_PTR + pack, BLOCK)
    assert decompose(op(func, "tt.load"), A60, uses).fused_into == "xsmt.pack"


def test_a_load_with_two_users_reads_the_whole_block_and_the_pack_moves_data():
    func, uses = kernel(C32 + "\n" + MAKE_PTR +
                        "    %pk = xsmt.pack %blk, [%c0, %c0], [16, 64], [8, 16] : "
                        "tensor<32x64xf16> -> tensor<2x4x8x16xf16>\n"
                        "    %n = arith.negf %blk : tensor<32x64xf16>", BLOCK)
    assert decompose(op(func, "tt.load"), A60, uses).transfers[0].nbytes == 32 * 64 * 2
    pack = decompose(op(func, "xsmt.pack"), A60, uses)
    assert pack.fused_into is None and pack.unit == "vector"
    assert pack.issue_cycles == 2 * 4 * 8 * 16 * 2 / (A60.rvv.dlen_bits / 8)


def test_without_uses_nothing_fuses():
    func, uses = kernel(C32 + "\n" + MAKE_PTR +
                        "    %pk = xsmt.pack %blk, [%c0, %c0], [16, 64], [8, 16] : "
                        "tensor<32x64xf16> -> tensor<2x4x8x16xf16>", BLOCK)
    assert decompose(op(func, "tt.load"), A60).transfers[0].nbytes == 32 * 64 * 2
    assert decompose(op(func, "xsmt.pack"), A60).fused_into is None


# -- 2. acc += mmt4d in place ----------------------------------------------------

ACC_LOOP = """
    %a = arith.constant dense<0> : tensor<1x2x4x8xi8>
    %b = arith.constant dense<0> : tensor<1x2x4x8xi8>
    %z = arith.constant dense<0> : tensor<1x1x4x4xi32>
    %r = scf.for %i = %c0 to %c2 step %c1 iter_args(%acc = %z) -> (tensor<1x1x4x4xi32>) : i32 {
      %part = xsmt.mmt4d %a, %b%THIRD : tensor<1x2x4x8xi8>, tensor<1x2x4x8xi8>%THIRDT -> tensor<1x1x4x4xi32>
      %sum = arith.addi %LHS, %part : tensor<1x1x4x4xi32>%EXTRA
      scf.yield %sum : tensor<1x1x4x4xi32>
    }"""


def acc_loop(lhs="%acc", extra="", third=False):
    body = (ACC_LOOP.replace("%LHS", lhs).replace("%EXTRA", extra)
            .replace("%THIRDT", ", tensor<1x1x4x4xi32>" if third else "")
            .replace("%THIRD", ", %z" if third else ""))
    return kernel(C32 + body)


def test_adding_an_mmt4d_into_a_loop_carried_accumulator_is_free():
    func, uses = acc_loop()
    assert is_free(decompose(op(func, "arith.addi"), A60, uses), "xsmt.mmt4d")
    # ... and the mmt4d reads its accumulator: when the plan streams accumulator tiles,
    # it loads them as well as storing them
    mm = decompose(op(func, "xsmt.mmt4d"), A60, uses)
    lone = decompose(op(func, "xsmt.mmt4d"), A60)
    assert mm.matrix.accumulates and not lone.matrix.accumulates
    assert mm.ops == lone.ops
    args = (64, 64, 64, 32.0, 32.0, 64.0, 1024)
    assert plan(*args, True).c_bytes == 2 * plan(*args, False).c_bytes == 2 * 64 * 64 * 64


CHAIN_LOOP = """
    %a = arith.constant dense<0> : tensor<1x2x4x8xi8>
    %b = arith.constant dense<0> : tensor<1x2x4x8xi8>
    %z = arith.constant dense<0> : tensor<1x1x4x4xi32>
    %r = scf.for %i = %c0 to %c2 step %c1 iter_args(%acc = %z) -> (tensor<1x1x4x4xi32>) : i32 {
      %p0 = xsmt.mmt4d %a, %b : tensor<1x2x4x8xi8>, tensor<1x2x4x8xi8> -> tensor<1x1x4x4xi32>
      %p1 = xsmt.mmt4d %b, %a : tensor<1x2x4x8xi8>, tensor<1x2x4x8xi8> -> tensor<1x1x4x4xi32>
      %s1 = arith.addi %X, %Y : tensor<1x1x4x4xi32>
      %s2 = arith.addi %U, %V : tensor<1x1x4x4xi32>
      scf.yield %s2 : tensor<1x1x4x4xi32>
    }"""


@pytest.mark.parametrize("x, y, u, v", [
    ("%acc", "%p0", "%s1", "%p1"),     # (acc + p0) + p1
    ("%p0", "%acc", "%p1", "%s1"),     # p1 + (p0 + acc)
    ("%p0", "%p1", "%acc", "%s1"),     # acc + (p0 + p1)
    ("%p1", "%p0", "%s1", "%acc"),     # (p1 + p0) + acc
])
def test_a_chain_acc_plus_p0_plus_p1_accumulates_both_mmt4d_in_place(x, y, u, v):
    text = (CHAIN_LOOP.replace("%X", x).replace("%Y", y).replace("%U", u).replace("%V", v))
    func, uses = kernel(C32 + text)
    adds = ops(func, "arith.addi")
    assert all(is_free(decompose(a, A60, uses), "xsmt.mmt4d") for a in adds)
    assert all(decompose(m, A60, uses).matrix.accumulates for m in ops(func, "xsmt.mmt4d"))


def test_a_chain_without_a_loop_carried_value_is_two_vector_adds():
    text = (CHAIN_LOOP.replace("%X", "%p0").replace("%Y", "%p1").replace("%U", "%s1")
            .replace("%V", "%z"))
    func, uses = kernel(C32 + text)
    assert all(decompose(a, A60, uses).unit == "vector" for a in ops(func, "arith.addi"))


def test_an_add_of_a_value_that_is_not_loop_carried_is_a_vector_add():
    func, uses = acc_loop(lhs="%z")
    w = decompose(op(func, "arith.addi"), A60, uses)
    assert w.fused_into is None and w.unit == "vector"
    assert w.issue_cycles == 16 / A60.rvv.alu_ops_per_cycle["i32"]


def test_an_mmt4d_result_with_a_second_user_is_not_accumulated_in_place():
    extra = "\n      %twice = arith.addi %part, %part : tensor<1x1x4x4xi32>"
    func, uses = acc_loop(extra=extra)
    assert decompose(op(func, "arith.addi"), A60, uses).fused_into is None
    assert decompose(op(func, "xsmt.mmt4d"), A60, uses) == decompose(op(func, "xsmt.mmt4d"), A60)


def test_a_three_operand_mmt4d_does_not_accumulate():
    func, uses = acc_loop(third=True)
    assert decompose(op(func, "arith.addi"), A60, uses).fused_into is None


# -- 3. transposed pack ------------------------------------------------------------

TRANS = C32 + """
    %x = arith.constant dense<0.0> : tensor<64x32xf16>
    %pk = xsmt.pack %x, [%c0, %c0], [64, 32], [16, 16] : tensor<64x32xf16> -> tensor<4x2x16x16xf16>
    %a = arith.constant dense<0.0> : tensor<1x4x8x16xf16>
"""


def test_a_1032_trans_between_a_pack_and_an_mmt4d_is_free():
    func, uses = kernel(TRANS + """
    %bt = tt.trans %pk {order = array<i32: 1, 0, 3, 2>} : tensor<4x2x16x16xf16> -> tensor<2x4x16x16xf16>
    %c = xsmt.mmt4d %a, %bt : tensor<1x4x8x16xf16>, tensor<2x4x16x16xf16> -> tensor<1x2x8x16xf16>""")
    assert is_free(decompose(op(func, "tt.trans"), A60, uses), "xsmt.pack")
    assert decompose(op(func, "xsmt.pack"), A60, uses).fused_into is None  # a constant, not a load


def test_a_trans_of_a_trans_is_data_movement():
    func, uses = kernel(TRANS + """
    %t1 = tt.trans %pk {order = array<i32: 1, 0, 3, 2>} : tensor<4x2x16x16xf16> -> tensor<2x4x16x16xf16>
    %t2 = tt.trans %t1 {order = array<i32: 1, 0, 3, 2>} : tensor<2x4x16x16xf16> -> tensor<4x2x16x16xf16>
    %t3 = tt.trans %t2 {order = array<i32: 1, 0, 3, 2>} : tensor<4x2x16x16xf16> -> tensor<2x4x16x16xf16>
    %c = xsmt.mmt4d %a, %t3 : tensor<1x4x8x16xf16>, tensor<2x4x16x16xf16> -> tensor<1x2x8x16xf16>""")
    for t in ops(func, "tt.trans"):
        w = decompose(t, A60, uses)
        assert w.fused_into is None
        assert w.issue_cycles == 4 * 2 * 16 * 16 * 2 / (A60.rvv.dlen_bits / 8)


def test_a_trans_with_another_order_is_not_fused():
    func, uses = kernel(TRANS + """
    %t = tt.trans %pk {order = array<i32: 1, 0, 2, 3>} : tensor<4x2x16x16xf16> -> tensor<2x4x16x16xf16>
    %c = xsmt.mmt4d %a, %t : tensor<1x4x8x16xf16>, tensor<2x4x16x16xf16> -> tensor<1x2x8x16xf16>""")
    assert decompose(op(func, "tt.trans"), A60, uses).fused_into is None


# -- 4. unpack into the store --------------------------------------------------------

UNPACK = C32 + """
    %acc = arith.constant dense<0.0> : tensor<2x2x8x16xf32>
    %out = xsmt.unpack %acc, [%c0, %c0], [16, 32] : tensor<2x2x8x16xf32> -> tensor<16x32xf32>
    %p = tt.make_tensor_ptr %c, [%c64_64, %c64_64], [%c64_64, %c1_64], [%c0, %c0] {order = array<i32: 1, 0>} : <tensor<16x32xf32>>
    tt.store %p, %out {boundaryCheck = array<i32: 0, 1>} : !tt.ptr<tensor<16x32xf32>>"""


def test_an_unpack_whose_only_user_is_a_store_writes_through_the_store():
    func, uses = kernel(UNPACK, "%c: !tt.ptr<f32>")
    assert is_free(decompose(op(func, "xsmt.unpack"), A60, uses), "tt.store")
    store = decompose(op(func, "tt.store"), A60, uses)
    assert [(t.scope, t.nbytes, t.write) for t in store.transfers] == [("global", 16 * 32 * 4, True)]


def test_an_unpack_with_another_user_moves_its_data():
    func, uses = kernel(UNPACK + "\n    %n = arith.negf %out : tensor<16x32xf32>",
                        "%c: !tt.ptr<f32>")
    w = decompose(op(func, "xsmt.unpack"), A60, uses)
    assert w.fused_into is None and w.issue_cycles == 16 * 32 * 4 / 16


# -- a whole kernel ---------------------------------------------------------------------

def test_mm_even_k_costs_what_the_lowering_runs():
    func = parse((ROOT / "kernels/mm_even_k.xsmt").read_text(), "mm_even_k.xsmt").functions[0]
    uses = Uses.of(func)
    fused = {op.name: decompose(op, A60, uses).fused_into for op in func.walk()
             if decompose(op, A60, uses).fused_into}
    assert fused == {"tt.load": "xsmt.pack", "tt.trans": "xsmt.pack", "xsmt.unpack": "tt.store"}
    loads = [decompose(o, A60, uses).transfers for o in ops(func, "xsmt.pack")]
    assert [t.nbytes for (t,) in loads] == [32 * 64 * 2, 64 * 32 * 2]  # the whole blocks
    mm = decompose(op(func, "xsmt.mmt4d"), A60, uses)
    assert mm.engine == "rvv" and "no f16 tile" in mm.warning  # A60's IME is int8 only
