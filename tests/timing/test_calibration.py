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
def test_streaming_copy_on_one_core_is_limited_by_its_misses_in_flight(arch_id):
    """One core streams what its misses in flight allow: its outstanding-miss slots plus
    the lines its trained stream prefetcher keeps ahead (Little's law), never the
    channel; the copy's stores retire into the write buffer behind the reads."""
    arch = load_arch(arch_id)
    r = run("stream_copy.xsmt", arch_id, 1)
    in_flight = arch.outstanding_misses + arch.prefetcher.degree_lines
    core_limit = min(in_flight * arch.l1.line_bytes / arch.dram_latency_cycles,
                     arch.dram_bytes_per_cycle)
    read_cycles = r.cycles - r.flush_cycles
    # the reads never outrun the core's misses in flight; with the copy's write-backs
    # sharing the channel they run at least at half of that limit
    assert 0.5 * core_limit <= COPY_BYTES / 2 / read_cycles <= core_limit * 1.0001
    # one core alone stays below the channel's peak (HARDWARE.md: per-core bandwidth is
    # limited by misses in flight), and its stores reach DRAM as write-backs
    assert COPY_BYTES / r.seconds < arch.dram.bw_gb_per_s * 1e9
    assert r.bytes_by_level["DRAM"] >= COPY_BYTES


@pytest.mark.parametrize("arch_id", ["0x503C", "0xA064"])
def test_streaming_copy_on_every_core_approaches_the_dram_peak(arch_id):
    arch = load_arch(arch_id)
    r = run("stream_copy.xsmt", arch_id, arch.cores)
    assert r.bytes_by_level["DRAM"] == COPY_BYTES
    assert COPY_BYTES / r.seconds == pytest.approx(arch.dram.bw_gb_per_s * 1e9, rel=0.10)
    assert COPY_BYTES / r.seconds <= arch.dram.bw_gb_per_s * 1e9 * 1.0001


def test_l2_resident_reread_runs_at_the_l2_bandwidth():
    """The 16 reads issue back to back (a load blocks nothing until a consumer needs its
    value); the first brings the block from DRAM, the other 15 hit in L2 and share the
    cluster's L2 link behind it, so they finish one L2 transfer time apart in total."""
    arch = load_arch("0x503C")
    r = run("l2_reread.xsmt")
    loads = sorted((e for e in r.trace if e[2] == "tt.load"), key=lambda e: e[4])
    assert len(loads) == 16
    nbytes = 128 * 256 * 4
    m = r.caches
    l2_reads = r.bytes_by_level["L2"] - m["written_back"]["L2"] - m["flushed"]["L2"]
    assert r.bytes_by_level["DRAM"] - m["flushed"]["DRAM"] == nbytes and l2_reads == 15 * nbytes
    first_done = min(e[5] for e in loads)
    last_done = max(e[5] for e in loads)
    expected = 15 * nbytes / arch.l2.bw_bytes_per_cycle_per_cluster
    assert last_done - first_done == pytest.approx(expected, rel=0.10)
    assert loads[-1][4] - loads[0][4] < 100   # issued back to back, not one after another
