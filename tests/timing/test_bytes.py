"""What moves through memory: boundary-checked edges move nothing."""

from pathlib import Path

from k1sim import Simulator
from k1sim.engine.seam import access
from k1sim.functional.memory import Allocation, BlockPtr

ROOT = Path(__file__).resolve().parents[2]


def test_in_bounds_share_of_a_ragged_window():
    alloc = Allocation("x", "f32", (40, 40), "global")
    p = BlockPtr(alloc, 0, (40, 40), (40, 1), (32, -8), (16, 16))
    assert access(p).in_bounds == (8 * 8) / (16 * 16)
    assert access(p.advance((100, 0))).in_bounds == 0.0


def test_a_ragged_gemm_reads_each_tensor_byte_from_dram_once():
    # gemm_i8: a [96, 160] i8, b [160, 128] i8, c [96, 128] i32, K = 160 in blocks of 256:
    # the 96 columns past K are boundary-checked zeros, read from nowhere.
    r = Simulator().execute(ROOT / "kernels/gemm_i8.xsmt", timing_only=True)
    tensors = 96 * 160 + 160 * 128 + 96 * 128 * 4
    assert r.bytes_by_level["DRAM"] == tensors


def test_each_packed_window_of_a_block_is_its_own_transfer():
    # mm_split_k: each of the 2 x 3 programs loads a [32, 2048] block of A and of B once and
    # packs three K windows of 512 out of it (K = 1100 is ragged). The loads run as the
    # packs: every window moves its own in-bounds bytes, so no window hits in L1 as if it
    # were the first one, and A and B reach the core exactly once per program.
    r = Simulator().execute(ROOT / "kernels/mm_split_k.xsmt", timing_only=True)
    per_program = (32 * 1100 + 1100 * 32) * 2
    m = r.caches
    assert r.bytes_by_level["L1"] == 0 and m["hits"]["L1"] == 0
    # bytes read from beyond L1: whole lines (a 1100-wide f16 row is not line-aligned),
    # so at least the windows' bytes and at most a few percent more; the written c is
    # written back, not read (its stores cover whole lines: no read-for-ownership)
    reads = (r.bytes_by_level["L2"] + r.bytes_by_level["DRAM"]
             - sum(m["flushed"].values()) - sum(m["written_back"].values()))
    assert 6 * per_program <= reads <= 1.05 * 6 * per_program
    assert m["rfo_bytes"] == 0 and m["flushed"]["DRAM"] == 64 * 96 * 2


def test_a_window_is_clipped_to_its_block_and_offset_inside_it():
    alloc = Allocation("x", "f16", (64, 1100), "global")
    p = BlockPtr(alloc, 0, (64, 1100), (1100, 1), (32, 0), (32, 2048))
    w = p.window((0, 1024), (32, 512))
    assert (w.offsets, w.block) == ((32, 1024), (32, 512))
    assert access(w).in_bounds == 76 / 512
    assert p.window((0, 1792), (32, 512)).block == (32, 256)
