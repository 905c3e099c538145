"""Calibration: kernels whose answer the spec implies land within 10% of it.

Each expectation is computed from HARDWARE.md's figures (through the arch
files, whose values are sourced from it or assumed and say so), never from a
number the simulator printed.
"""

from pathlib import Path

import pytest

from k1sim import Simulator, load_arch

MICRO = Path(__file__).resolve().parents[2] / "kernels/micro"
COPY_BYTES = 2 * 2048 * 256 * 4  # read x, write y


def run(name, arch=None, n=None):
    kw = {"grid": (n,), "threads": n} if n else {}
    return Simulator(arch).execute(MICRO / name, timing_only=True, **kw)


@pytest.mark.parametrize("cores", [1, 4])
def test_ime_int8_loop_runs_at_half_a_tops_per_a60_core(cores):
    r = run("ime_i8_loop.xsmt", n=cores)
    got = r.achieved_ops_per_s()["ime", "i8"]
    # HARDWARE.md: 2 * 4 * 8 * 4 MACs per instruction, 1 per cycle, at 2 GHz.
    assert got == pytest.approx(0.512e12 * cores, rel=0.10)
    assert got <= load_arch("0xA03C").peak_ops_per_s("ime", "i8", cores)


@pytest.mark.parametrize("cores", [1, 8])
def test_rvv_fp32_loop_runs_at_the_vector_peak_of_x60(cores):
    r = run("rvv_f32_loop.xsmt", n=cores)
    # HARDWARE.md: 0.032 TFLOPS fp32 per core at 2 GHz.
    assert r.achieved_ops_per_s()["rvv", "f32"] == pytest.approx(0.032e12 * cores, rel=0.10)
    assert any("runs on RVV" in w for w in r.warnings)


@pytest.mark.parametrize("arch_id", ["0x503C", "0xA064"])
def test_streaming_copy_on_one_core_is_limited_by_its_outstanding_misses(arch_id):
    arch = load_arch(arch_id)
    r = run("stream_copy.xsmt", arch_id, 1)
    core_limit = arch.outstanding_misses * arch.l1.line_bytes / arch.dram_latency_cycles
    assert COPY_BYTES / r.cycles == pytest.approx(core_limit, rel=0.10)
    assert COPY_BYTES / r.seconds < 0.8 * arch.dram.bw_gb_per_s * 1e9


@pytest.mark.parametrize("arch_id", ["0x503C", "0xA064"])
def test_streaming_copy_on_every_core_approaches_the_dram_peak(arch_id):
    arch = load_arch(arch_id)
    r = run("stream_copy.xsmt", arch_id, arch.cores)
    assert r.bytes_by_level["DRAM"] == COPY_BYTES
    assert COPY_BYTES / r.seconds == pytest.approx(arch.dram.bw_gb_per_s * 1e9, rel=0.10)
    assert COPY_BYTES / r.seconds <= arch.dram.bw_gb_per_s * 1e9 * 1.0001


def test_l2_resident_reread_runs_at_the_l2_bandwidth():
    arch = load_arch("0x503C")
    r = run("l2_reread.xsmt")
    loads = [e for e in r.trace if e[2] == "tt.load"]
    assert len(loads) == 16
    nbytes = 128 * 256 * 4
    assert r.bytes_by_level["DRAM"] >= nbytes and r.bytes_by_level["L2"] == 15 * nbytes
    expected = arch.l2.latency_cycles + nbytes / arch.l2.bw_bytes_per_cycle_per_cluster
    for _, _, _, _, start, end in loads[1:]:
        assert end - start == pytest.approx(expected, rel=0.10)
