"""The caches see the lines a kernel's windows really touch, end to end through the engine's
block pointers: two overlapping windows of one tensor share their common lines (and only
those: L2 is asked for the lines that missed L1), a window of every other row touches
only its rows' lines, and a block bigger than L1 streams through it, leaving
its tail (a re-read of the tail hits L1)."""

import pytest

import k1sim
from k1sim import Simulator

ROW_LINES = 256 // 64                  # a 64-element f32 row of x is four lines

KERNEL = """
module attributes {tt.arch_id = "0xA03C", tt.num_threads = 1 : i32, k1sim.grid = array<i32: 1>} {
  tt.func public @windows(%x: !tt.ptr<f32> {k1sim.shape = array<i64: 512, 64>}, %y: !tt.ptr<f32> {k1sim.shape = array<i64: 512, 64>}) {
    %c0_i32 = arith.constant 0 : i32
    %first = arith.constant FIRST : i32
    %second = arith.constant SECOND : i32
    %c1_i64 = arith.constant 1 : i64
    %c64_i64 = arith.constant 64 : i64
    %c512_i64 = arith.constant 512 : i64
    %pitch = arith.constant PITCH : i64
    %nrows = arith.constant LIMIT : i64
    %col = arith.constant COL : i32
    %pa = tt.make_tensor_ptr %x, [%nrows, %pitch], [%pitch, %c1_i64], [%first, %c0_i32] {order = array<i32: 1, 0>} : <tensor<ROWSx64xf32>>
    %a = tt.load %pa : !tt.ptr<tensor<ROWSx64xf32>>
    %pb = tt.make_tensor_ptr %x, [%nrows, %pitch], [%pitch, %c1_i64], [%second, %col] {order = array<i32: 1, 0>} : <tensor<ROWS2x64xf32>>
    %b = tt.load %pb : !tt.ptr<tensor<ROWS2x64xf32>>
    %py = tt.make_tensor_ptr %y, [%c512_i64, %c64_i64], [%c64_i64, %c1_i64], [%c0_i32, %c0_i32] {order = array<i32: 1, 0>} : <tensor<ROWS2x64xf32>>
    tt.store %py, %b : !tt.ptr<tensor<ROWS2x64xf32>>
    tt.return
  }
}
"""


def run(first, second, rows, rows2=None, pitch=64, col=0):
    text = (KERNEL.replace("COL", str(col)).replace("ROWS2", str(rows2 or rows)).replace("ROWS", str(rows))
            .replace("FIRST", str(first)).replace("SECOND", str(second))
            .replace("PITCH", str(pitch)).replace("LIMIT", str(512 * 64 // pitch)))
    return Simulator("0xA03C").execute(k1sim.parse(text), timing_only=True)


@pytest.mark.parametrize("second,common", [(8, 8), (0, 16), (16, 0)])
def test_overlapping_windows_of_one_tensor_share_their_common_lines(second, common):
    r = run(0, second, 16)                                   # rows 0..15, then second..+15
    assert r.caches["hits"]["L1"] == common * ROW_LINES
    assert r.caches["misses"]["L2"] == (32 - common) * ROW_LINES   # the rest from DRAM


def test_a_window_of_every_other_row_touches_only_its_rows_lines():
    r = run(0, 0, 16, pitch=128, col=64)   # rows 0, 2, .., 30 of x, then 1, 3, .., 31
    assert r.caches["hits"]["L1"] == 0                       # no line of the one in the other
    assert r.caches["misses"]["L2"] == 2 * 16 * ROW_LINES    # not the 31-row span each


def test_a_block_bigger_than_l1_streams_through_it_and_leaves_its_tail():
    r = run(0, 448, 512, rows2=64)    # 128 KiB (4x the 32 KiB L1), then its last 16 KiB
    assert r.caches["hits"]["L1"] == 64 * ROW_LINES          # the tail stayed in L1
    assert r.caches["hits"]["L2"] == 0 and r.caches["misses"]["L2"] == 512 * ROW_LINES
