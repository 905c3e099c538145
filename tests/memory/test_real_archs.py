"""MemorySystem on the shipped arch files (skipped until k1sim/arch.py exists)."""

import pytest
import simpy

arch_mod = pytest.importorskip("k1sim.arch")

from k1sim.memory import MemorySystem, dram_timing  # noqa: E402

ARCH_IDS = ["0x503C", "0xA03C", "0x5064", "0xA064", "0xF000", "0x50C8", "0xA0C8"]


def derived(arch, name):
    value = getattr(arch, name)
    return value() if callable(value) else value


@pytest.fixture(params=ARCH_IDS)
def arch(request):
    return arch_mod.load_arch(request.param)


def test_dram_timing_agrees_with_the_arch_derived_values(arch):
    latency, peak, core = dram_timing(arch)
    assert latency == pytest.approx(arch.dram.latency_ns * derived(arch, "cycles_per_ns"))
    assert peak == pytest.approx(derived(arch, "dram_bytes_per_cycle"))
    assert core == pytest.approx(derived(arch, "core_dram_bytes_per_cycle"))


def test_one_core_is_capped_and_all_cores_never_exceed_the_peak(arch):
    latency, peak, core_cap = dram_timing(arch)
    size, blocks = 64 * 1024, 8
    for cores in (1, derived(arch, "cores")):
        env = simpy.Environment()
        mem, ends = MemorySystem(env, arch), []

        def stream(c):
            for i in range(blocks):
                yield from mem.access(c, (c, i), size, "global", False)
            ends.append(env.now)
        for c in range(cores):
            env.process(stream(c))
        env.run()
        achieved = cores * blocks * size / max(ends)
        bound = min(peak, cores * core_cap)      # the channel or the cores' misses
        assert 0.95 * bound <= achieved <= bound * (1 + 1e-9)
        if cores == 1:
            assert achieved < peak / 2               # one in-order core: far below the peak


def test_every_cache_and_port_exists(arch):
    mem = MemorySystem(simpy.Environment(), arch)
    cores = derived(arch, "cores")
    assert len(mem.l1) == cores and len(mem.l2) == len(mem.l2_links) == arch.clusters
    assert len(mem.scratchpads) == (cores if arch.scratchpad.size_kib > 0 else 0)


def test_a_slower_clock_gives_more_dram_bytes_per_cycle_and_fewer_latency_cycles():
    fast, slow = arch_mod.load_arch("0xA03C"), arch_mod.load_arch("0xA03C", freq_mhz=1600)
    (lat_f, peak_f, _), (lat_s, peak_s, _) = dram_timing(fast), dram_timing(slow)
    assert peak_s == pytest.approx(peak_f * fast.freq_mhz / 1600)
    assert lat_s == pytest.approx(lat_f * 1600 / fast.freq_mhz)
