"""What moves through memory: boundary-checked edges move nothing."""

from pathlib import Path

from k1sim import Simulator
from k1sim.engine.arch_timing import in_bounds_share
from k1sim.functional.memory import Allocation, BlockPtr

ROOT = Path(__file__).resolve().parents[2]


def test_in_bounds_share_of_a_ragged_window():
    alloc = Allocation("x", "f32", (40, 40), "global")
    p = BlockPtr(alloc, 0, (40, 40), (40, 1), (32, -8), (16, 16))
    assert in_bounds_share(p) == (8 * 8) / (16 * 16)
    assert in_bounds_share(p.advance((100, 0))) == 0.0


def test_a_ragged_gemm_reads_each_tensor_byte_from_dram_once():
    # gemm_i8: a [96, 160] i8, b [160, 128] i8, c [96, 128] i32, K = 160 in blocks of 256:
    # the 96 columns past K are boundary-checked zeros, read from nowhere.
    r = Simulator().execute(ROOT / "kernels/gemm_i8.xsmt", timing_only=True)
    tensors = 96 * 160 + 160 * 128 + 96 * 128 * 4
    assert r.bytes_by_level["DRAM"] == tensors
