"""MemorySystem on the shipped arch files."""

import pytest
import simpy

from k1sim.arch import ARCH_IDS, load_arch
from k1sim.memory import Access, MemorySystem, dram_timing


@pytest.fixture(params=ARCH_IDS)
def arch(request):
    return load_arch(request.param)


def test_dram_timing_agrees_with_the_arch_derived_values(arch):
    latency, peak, core = dram_timing(arch)
    assert latency == pytest.approx(arch.dram.latency_ns * arch.cycles_per_ns)
    assert peak == pytest.approx(arch.dram_bytes_per_cycle)
    assert core == pytest.approx(arch.core_dram_bytes_per_cycle)


def test_all_cores_streaming_never_exceed_the_peak_and_one_core_stays_below_it(arch):
    latency, peak, core_cap = dram_timing(arch)
    size, blocks = 64 * 1024, 8
    for cores in (1, arch.cores):
        env = simpy.Environment()
        mem, ends = MemorySystem(env, arch), []

        def stream(c):
            for i in range(blocks):          # scattered blocks: no prefetch stream
                yield mem.load(c, Access.contiguous((c, i), size))
            ends.append(env.now)
        for c in range(cores):
            env.process(stream(c))
        env.run()
        achieved = cores * blocks * size / max(ends)
        bound = min(peak, cores * core_cap)      # the channel or the cores' misses
        assert 0.95 * bound <= achieved <= bound * (1 + 1e-9)
        if cores == 1:
            assert achieved < peak / 2           # one core: far below the peak


def test_every_cache_port_and_buffer_exists(arch):
    mem = MemorySystem(simpy.Environment(), arch)
    assert len(mem.l1_lines) == len(mem.write_buffers) == len(mem.prefetchers) == arch.cores
    assert len(mem.l2_lines) == len(mem.l2_links) == arch.clusters
    assert len(mem.scratchpads) == (arch.cores if arch.scratchpad.size_kib > 0 else 0)


def test_a_slower_clock_gives_more_dram_bytes_per_cycle_and_fewer_latency_cycles():
    fast, slow = load_arch("0xA03C"), load_arch("0xA03C", freq_mhz=1600)
    (lat_f, peak_f, _), (lat_s, peak_s, _) = dram_timing(fast), dram_timing(slow)
    assert peak_s == pytest.approx(peak_f * fast.freq_mhz / 1600)
    assert lat_s == pytest.approx(lat_f * 1600 / fast.freq_mhz)
