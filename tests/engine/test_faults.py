"""Runtime faults: memory faults, capacity, deadlocks (FORMAT.md 4.2-4.4, section 7)."""

import re

import numpy as np
import pytest

from k1sim.errors import RuntimeFault
from k1sim.simulator import Simulator
from tests.engine.kernels import module, ptr

BLOCK_LOAD = """
    %c0 = arith.constant 0 : i32
    %c{off} = arith.constant {off} : i32
    %c1_i64 = arith.constant 1 : i64
    %c8_i64 = arith.constant 8 : i64
    %p = tt.make_tensor_ptr %x, [%c8_i64, %c8_i64], [%c8_i64, %c1_i64], [%c{off}, %c0] {{order = array<i32: 1, 0>}} : <tensor<4x8xf32>>
    %v = tt.load %p {{boundaryCheck = array<i32: {checked}>}} : !tt.ptr<tensor<4x8xf32>>
    %q = tt.make_tensor_ptr %y, [%c8_i64, %c8_i64], [%c8_i64, %c1_i64], [%c0, %c0] {{order = array<i32: 1, 0>}} : <tensor<4x8xf32>>
    tt.store %q, %v {{boundaryCheck = array<i32: 0, 1>}} : !tt.ptr<tensor<4x8xf32>>"""
XY = ptr("x", [8, 8], init="ones") + ", " + ptr("y", [8, 8])


def test_checked_out_of_bounds_rows_read_zero():
    r = Simulator().execute(module(BLOCK_LOAD.format(off=6, checked="0, 1"), XY))
    assert r.outputs["y"][:4].tolist() == [[1.0] * 8] * 2 + [[0.0] * 8] * 2


def test_unchecked_out_of_bounds_dim_is_a_memory_fault():
    with pytest.raises(RuntimeFault) as e:
        Simulator().execute(module(BLOCK_LOAD.format(off=6, checked="1"), XY))
    f = e.value
    assert (f.filename, f.line, f.column) == ("k.xsmt", 9, 5)
    assert "memory fault from an out-of-bounds load: index 8 on dim 0 is outside the bounds [0, 8) and dim 0 is not " \
           "boundary-checked (boundaryCheck = [1])" in f.message
    assert "on thread 0, program (0, 0, 0)" in str(f)


def test_in_bounds_element_outside_the_allocation_is_a_memory_fault():
    # The block pointer claims 8 rows of a tensor that has only 4.
    with pytest.raises(RuntimeFault, match=r"memory fault from an out-of-bounds load: element 32 of 'x' \(global, 4x8 f32, "
                                           r"32 elements\), outside \[0, 32\)"):
        Simulator().execute(module(BLOCK_LOAD.format(off=2, checked="0, 1"),
                                   ptr("x", [4, 8]) + ", " + ptr("y", [8, 8])))


GATHER = """
    %r = tt.make_range {{end = 8 : i32, start = 0 : i32}} : tensor<8xi32>
    %n = arith.constant dense<{n}> : tensor<8xi32>
    %m = arith.cmpi slt, %r, %n : tensor<8xi32>
    %other = arith.constant dense<-1.0> : tensor<8xf32>
    %xs = tt.splat %x : !tt.ptr<f32> -> tensor<8x!tt.ptr<f32>>
    %xp = tt.addptr %xs, %r : tensor<8x!tt.ptr<f32>>, tensor<8xi32>
    %v = tt.load {load} : tensor<8x!tt.ptr<f32>>
    %ys = tt.splat %y : !tt.ptr<f32> -> tensor<8x!tt.ptr<f32>>
    %yp = tt.addptr %ys, %r : tensor<8x!tt.ptr<f32>>, tensor<8xi32>
    tt.store %yp, %v, %m : tensor<8x!tt.ptr<f32>>"""


def test_masked_gather_reads_other_and_masked_scatter_skips():
    m = module(GATHER.format(n=5, load="%xp, %m, %other"),
               ptr("x", [5], init="ones") + ", " + ptr("y", [8], init="arange"))
    r = Simulator().execute(m)
    assert r.outputs["y"].tolist() == [1, 1, 1, 1, 1, 5, 6, 7]


def test_unmasked_gather_outside_the_allocation_is_a_memory_fault():
    m = module(GATHER.format(n=5, load="%xp"), ptr("x", [5]) + ", " + ptr("y", [8]))
    with pytest.raises(RuntimeFault, match=r"memory fault from an out-of-bounds load: element 5 of 'x' .*outside \[0, 5\)"):
        Simulator().execute(m)


ALLOC = """
    %a = xsmt.alloc [[{rows}, 256]] storage("{scope}") : <tensor<{rows}x256xf32>>
    %b = xsmt.alloc [[{rows}, 256]] storage("{scope}") : <tensor<{rows}x256xf32>>"""


def test_allocations_within_capacity_run():
    # 2 x 64 KiB fills the a60's 128 KiB per-core TCM exactly.
    Simulator().execute(module(ALLOC.format(rows=64, scope="l2"), ptr("y", [1])))


def test_allocation_over_capacity_is_a_fault_with_its_numbers():
    with pytest.raises(RuntimeFault) as e:
        Simulator().execute(module(ALLOC.format(rows=96, scope="tcm"), ptr("y", [1])))
    assert e.value.line == 5
    assert ("capacity fault: xsmt.alloc of 96 KiB in storage 'tcm' (scratchpad of 0xA03C) "
            "brings thread 0's live total to 192 KiB; the capacity is 128 KiB per thread"
            ) in e.value.message


def test_l2_storage_without_a_scratchpad_takes_a_share_of_l2():
    # x60: 512 KiB L2 per 4-core cluster = 128 KiB per thread.
    with pytest.raises(RuntimeFault, match=r"\(L2 share of 0x503C\) .* 192 KiB; the "
                                           "capacity is 128 KiB"):
        Simulator().execute(module(ALLOC.format(rows=96, scope="l2"), ptr("y", [1]),
                                   arch="0x503C"))


def test_tcm_on_an_arch_without_one_is_a_fault():
    with pytest.raises(RuntimeFault, match="storage 'tcm' needs a core scratchpad; 0x503C "
                                           r"\(spacemit-x60\) has none"):
        Simulator().execute(module(ALLOC.format(rows=1, scope="tcm"), ptr("y", [1]),
                                   arch="0x503C"))


def test_allocations_are_freed_when_their_program_ends():
    # Each program allocates 96 KiB; 8 programs on 4 threads reuse the space.
    body = '    %a = xsmt.alloc [[96, 256]] storage("tcm") : <tensor<96x256xf32>>'
    Simulator().execute(module(body, ptr("y", [1]), grid=(8,)))


DEADLOCK = """
    %c0 = arith.constant 0 : i16
    %c1 = arith.constant 1 : i16
    %c2 = arith.constant 2 : i16
    %b = "xsmt_async.mbarrier_alloc"(%c0, %c0, %c0, %c2) : (i16, i16, i16, i16) -> i64
    %l = arith.constant 0 : i32
    %h = arith.constant 3 : i32
    %s = arith.constant 1 : i32
    scf.for %i = %l to %h step %s : i32 {
      %z = arith.constant 0 : i32
      %first = arith.cmpi eq, %i, %z : i32
      scf.if %first {
        "xsmt_async.mbarrier_arrive"(%b) : (i64) -> ()
      } else {
        "xsmt_async.mbarrier_wait"(%b, %c1, %c0) : (i64, i16, i16) -> ()
      }
    } {bind_sub_block = true}"""


def test_deadlock_names_blocked_threads_and_barriers():
    with pytest.raises(RuntimeFault) as e:
        Simulator().execute(module(DEADLOCK, ptr("y", [1])))
    text = str(e.value)
    assert "deadlock at cycle" in text and "2 thread(s) wait forever on a barrier" in text
    # A whole cycle, not the float the event clock stopped at (25.999999999999996).
    assert re.search(r"deadlock at cycle \d+: ", text)
    for t in (1, 2):
        assert (f"thread {t}, program (0, 0, 0): blocked in xsmt_async.mbarrier_wait at "
                "k.xsmt:17:9, waiting for phase 1 of barrier #0") in text
    assert "thread 0, program (0, 0, 0): waits for the parallel loop at k.xsmt:11:5" in text
    assert "barrier #0 (allocated at k.xsmt:7:5): phase 0, count 1, expect 2, 2 waiting" in text


def test_barrier_releases_waiters_when_expect_is_reached():
    # The same kernel with two arrivals: both iterations 0 and 1 arrive.
    body = DEADLOCK.replace("%first = arith.cmpi eq, %i, %z", "%first = arith.cmpi sle, %i, %s")
    r = Simulator().execute(module(body, ptr("y", [1])))
    assert r.op_counts["xsmt_async.mbarrier_wait"] == 1


def test_global_barrier_between_programs_that_are_not_resident_deadlocks():
    body = """
    %c0 = arith.constant 0 : i16
    %c1 = arith.constant 1 : i16
    %g = xsmt.global_mbarrier_init %c0 : i64
    "xsmt_async.mbarrier_arrive"(%g) : (i64) -> ()
    "xsmt_async.mbarrier_wait"(%g, %c1, %c0) : (i64, i16, i16) -> ()"""
    Simulator().execute(module(body, ptr("y", [1]), grid=(4,)))
    with pytest.raises(RuntimeFault, match=r"(?s)global barrier 0 .*phase 0, count 4, "
                                           r"expect 6.*2 program\(s\) never started"):
        Simulator().execute(module(body, ptr("y", [1]), grid=(6,)))


BUFFER = """
    %buf = xsmt.alloc_copies [[2, 4, 8]] storage("l2") : !xsmt.buffer<shape=[2, 4, 8], elementType=f32, copies=2, storageKind="l2">
    %k = arith.constant {k} : i32
    %v = xsmt.buffer_tensor_view %buf[%k] : !xsmt.buffer<shape=[2, 4, 8], elementType=f32, copies=2, storageKind="l2"> -> !tt.ptr<tensor<4x8xf32>>
    %t = tt.load %v {{boundaryCheck = array<i32: 0, 1>}} : !tt.ptr<tensor<4x8xf32>>"""


def test_buffer_slot_outside_the_copies_is_a_memory_fault():
    Simulator().execute(module(BUFFER.format(k=1), ptr("y", [1])))
    with pytest.raises(RuntimeFault, match=r"buffer slot 2 of 'xsmt.alloc_copies at k.xsmt:4:5' "
                                           r"\(l2, 2x4x8 f32, 64 elements\), which has 2 copies"):
        Simulator().execute(module(BUFFER.format(k=2), ptr("y", [1])))


def test_poison_alloc_fills_local_buffers_with_nan():
    body = BUFFER.format(k=0) + """
    %c0 = arith.constant 0 : i32
    %c1 = arith.constant 1 : i64
    %c8 = arith.constant 8 : i64
    %q = tt.make_tensor_ptr %y, [%c8, %c8], [%c8, %c1], [%c0, %c0] {order = array<i32: 1, 0>} : <tensor<4x8xf32>>
    tt.store %q, %t {boundaryCheck = array<i32: 0, 1>} : !tt.ptr<tensor<4x8xf32>>"""
    m = module(body, ptr("y", [8, 8]))
    assert (Simulator().execute(m).outputs["y"] == 0).all()
    y = Simulator().execute(m, poison_alloc=True).outputs["y"]
    assert np.isnan(y[:4]).all() and (y[4:] == 0).all()


SLOTS = """
    %m = xsmt.mbarrier_copies copies(2) flag(0) arrive(0) txn(0) expect(1) : !xsmt.mbarrier<2>
    %k = arith.constant {k} : i64
    %b = xsmt.mbarrier_subview %m[%k] : (!xsmt.mbarrier<2>, i64) -> i64
    "xsmt_async.mbarrier_arrive"(%b) : (i64) -> ()
    {after}"""


def test_barrier_slot_outside_the_copies_is_a_fault():
    with pytest.raises(RuntimeFault, match="barrier slot 5 of an mbarrier with 2 slots"):
        Simulator().execute(module(SLOTS.format(k=5, after=""), ptr("y", [1])))


def test_barrier_used_after_release_is_a_fault():
    after = ('"xsmt_async.mbarrier_release"(%b) : (i64) -> ()\n'
             '    "xsmt_async.mbarrier_arrive"(%b) : (i64) -> ()')
    with pytest.raises(RuntimeFault, match="arrive on barrier #1 after its mbarrier_release") as e:
        Simulator().execute(module(SLOTS.format(k=1, after=after), ptr("y", [1])))
    assert e.value.line == 9


SUBVIEW = """
    %a = xsmt.alloc [[64, 32]] storage("l2") : <tensor<64x32xf32>>
    %p = xsmt.subview_pack %a, [%c0, %c0], [[64, 32]], [[32, 32]] : <tensor<64x32xf32>> -> <tensor<2x1x32x32xf32>>
    %s = xsmt.subview %p, [%c0, %c{col}], [[64, 16]] : <tensor<2x1x32x32xf32>> -> <tensor<2x1x32x32xf32>>"""


def test_subview_rounding_past_its_parent_warns():
    # FlagGems SPLIT_N with MICRO_N 32 and SUB_BLK_N 16: the second sub-block's
    # view starts at tile ceil(16 / 32) = 1 of a view one tile wide.
    consts = "\n    %c0 = arith.constant 0 : i32\n    %c16 = arith.constant 16 : i32"
    ok = Simulator().execute(module(consts + SUBVIEW.format(col=0), ptr("y", [1])))
    assert not [w for w in ok.warnings if "subview" in w]
    r = Simulator().execute(module(consts + SUBVIEW.format(col=16), ptr("y", [1])))
    assert any("k.xsmt:8:5: warning: subview [0:2, 1:2] (tiles) reaches past its parent's "
               "[2, 1] on dim 1: accesses there reach other data of 'xsmt.alloc" in w
               for w in r.warnings), r.warnings
