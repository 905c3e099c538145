"""Scalar pipe, barriers, the Uses lists and the Work cache."""

import copy

from k1sim.cost import Uses, clear_cache, decompose
from tests.cost.helpers import A60, C32, X60, fake_arch, kernel, op, ops

PER_OP = 1 / A60.issue.scalar_ops_per_cycle


def test_scalar_ops_and_loop_control_cost_one_scalar_instruction():
    func, uses = kernel(C32 + """
    %pid = tt.get_program_id x : i32
    %x = arith.muli %pid, %c2 : i32
    %p = tt.make_tensor_ptr %a, [%c64_64, %c64_64], [%c64_64, %c1_64], [%x, %c0] {order = array<i32: 1, 0>} : <tensor<16x16xf32>>
    %q = tt.advance %p, [%c1, %c0] : <tensor<16x16xf32>>
    %f = arith.sitofp %x : i32 to f32
    %g = arith.mulf %f, %f : f32
    scf.for %i = %c0 to %c2 step %c1 : i32 {
      %c = arith.cmpi eq, %i, %c0 : i32
      scf.if %c {
        %y = arith.addi %i, %c1 : i32
      }
    }""", "%a: !tt.ptr<f32>")
    for name in ("tt.get_program_id", "arith.muli", "tt.make_tensor_ptr", "tt.advance",
                 "arith.sitofp", "scf.for", "scf.if", "arith.cmpi", "arith.addi"):
        w = decompose(op(func, name), A60, uses)
        assert (w.unit, w.engine, w.issue_cycles, w.fill_cycles, w.ops) == (
            "scalar", "scalar", PER_OP, A60.latency.scalar_cycles - PER_OP, {}), name
    assert decompose(op(func, "arith.mulf"), A60, uses).ops == {"f32": 1}  # a scalar flop
    for o in ops(func, "arith.constant") + ops(func, "tt.return"):
        w = decompose(o, A60, uses)
        assert (w.unit, w.engine, w.issue_cycles) == ("none", "none", 0.0)


def test_barriers_and_allocs_are_short_scalar_sequences_and_sync_pays_an_l2_round_trip():
    func, uses = kernel("""
    %c0_i16 = arith.constant 0 : i16
    %c1_i16 = arith.constant 1 : i16
    %bar = "xsmt_async.mbarrier_alloc"(%c0_i16, %c0_i16, %c0_i16, %c1_i16) : (i16, i16, i16, i16) -> i64
    "xsmt_async.mbarrier_arrive"(%bar) : (i64) -> ()
    "xsmt_async.mbarrier_wait"(%bar, %c1_i16, %c0_i16) : (i64, i16, i16) -> ()
    "xsmt_async.mbarrier_release"(%bar) : (i64) -> ()
    %m = xsmt.alloc [[16, 16]] storage("l2") : <tensor<16x16xf32>>""")
    for name in ("xsmt_async.mbarrier_arrive", "xsmt_async.mbarrier_wait"):
        w = decompose(op(func, name), A60, uses)
        assert (w.unit, w.issue_cycles, w.fill_cycles) == (
            "scalar", 2 * PER_OP + A60.l2.latency_cycles, 0.0)
    for name in ("xsmt_async.mbarrier_alloc", "xsmt_async.mbarrier_release", "xsmt.alloc"):
        w = decompose(op(func, name), A60, uses)
        assert (w.unit, w.issue_cycles, w.fill_cycles) == ("scalar", 2 * PER_OP, 0.0)


def test_uses_include_nested_regions():
    func, uses = kernel(C32 + """
    scf.for %i = %c0 to %c2 step %c1 : i32 {
      %y = arith.addi %i, %c1 : i32
      %z = arith.addi %y, %c1 : i32
    }""")
    c1 = op(func, "arith.constant", 1).results[0]
    assert [o.name for o in uses.of_value(c1)] == ["scf.for", "arith.addi", "arith.addi"]
    y = op(func, "arith.addi").results[0]
    assert uses.only_user(y) is op(func, "arith.addi", 1)
    assert uses.only_user(c1) is None
    assert uses.of_value(op(func, "arith.addi", 1).results[0]) == []


MM = """
    %a{i} = arith.constant dense<0> : tensor<1x1x{m}x8xi8>
    %b{i} = arith.constant dense<0> : tensor<1x1x4x8xi8>
    %c{i} = xsmt.mmt4d %a{i}, %b{i} : tensor<1x1x{m}x8xi8>, tensor<1x1x4x8xi8> -> tensor<1x1x{m}x4xi32>"""


def test_ops_of_one_shape_share_one_work_object():
    func, uses = kernel(MM.format(i=0, m=4) + MM.format(i=1, m=4) + MM.format(i=2, m=8))
    w0, w1, w2 = (decompose(o, A60, uses) for o in ops(func, "xsmt.mmt4d"))
    assert w0 is w1 and w0 is not w2
    other, other_uses = kernel(MM.format(i=7, m=4))  # another kernel, another arch object
    assert decompose(op(other, "xsmt.mmt4d"), copy.deepcopy(A60), other_uses) is w0
    assert decompose(op(other, "xsmt.mmt4d"), A60) is w0  # no uses: same Work, no fusion here
    slower = fake_arch(ipc=0.5)
    assert decompose(op(func, "xsmt.mmt4d"), slower, uses) is not w0


def test_a_warning_names_the_op_and_repeats_are_cached():
    # The engine prefixes each warning with the op's location.
    func, uses = kernel(MM.format(i=0, m=4) + MM.format(i=1, m=4))
    first, second = ops(func, "xsmt.mmt4d")
    w0, w1 = decompose(first, X60, uses), decompose(second, X60, uses)
    assert w0.warning.startswith("xsmt.mmt4d runs on RVV: ")
    assert w0 is w1  # same shapes on the same arch: one cached Work
    assert decompose(first, X60, uses) is w0
    assert decompose(first, X60, Uses.of(func)) is w0  # pure: a fresh Uses gives the same
    assert w0.issue_cycles == w1.issue_cycles


def test_decompose_is_pure_across_archs():
    func, uses = kernel(MM.format(i=0, m=4))
    mm = op(func, "xsmt.mmt4d")
    a = decompose(mm, A60, uses)
    x = decompose(mm, X60, uses)
    assert decompose(mm, A60, uses) is a and decompose(mm, X60, uses) is x
    assert (a.engine, x.engine) == ("ime", "rvv")


def test_clearing_the_cache_recomputes_the_same_work():
    func, uses = kernel(MM.format(i=0, m=4))
    mm = op(func, "xsmt.mmt4d")
    before = decompose(mm, X60)
    clear_cache()
    after = decompose(mm, X60)
    assert after == before and after is not before
