"""MemorySystem on a stand-in K1-like arch (see conftest): levels, sharing, caps."""

from types import SimpleNamespace as NS

import pytest
import simpy

from k1sim.memory import Access, MemorySystem, dram_timing

KIB = 1024
LAT, PEAK, CORE_CAP = 200.0, 10.66e9 / 2e9, 8 * 64 / 200.0   # the stand-in's DRAM


def block(name, nbytes, scope="global"):
    return Access.contiguous(name, nbytes, scope)


def no_prefetch(arch_with, **over):
    return arch_with(prefetcher=NS(degree_lines=0, distance_lines=0, train_misses=1,
                                   streams=1), **over)


def load_at(env, mem, core, access, at, log):
    """Load ``access`` on ``core`` from cycle ``at``; log[core] = arrival."""
    def proc():
        yield env.timeout(at - env.now)
        yield mem.load(core, access)
        log[core] = env.now
    return env.process(proc())


def stream(env, mem, core, blocks, nbytes, log):
    """One core reading distinct blocks, each after the last (no prefetch: see the arch)."""
    def proc():
        for i in range(blocks):
            yield mem.load(core, block((core, i), nbytes))
        log[core] = env.now
    return env.process(proc())


def test_dram_timing_from_arch_fields(arch):
    assert dram_timing(arch) == pytest.approx((LAT, PEAK, CORE_CAP))


def test_a_panel_in_l2_hits_from_the_same_cluster_and_misses_from_the_other(env, arch):
    mem, log, panel = MemorySystem(env, arch), {}, 64 * KIB   # > L1 32 KiB, < L2 512 KiB
    load_at(env, mem, 0, block("B", panel), 0, log)
    env.run()
    t0 = env.now
    load_at(env, mem, 1, block("B", panel), t0, log)         # cluster 0: its L2
    load_at(env, mem, 4, block("B", panel), t0, log)         # cluster 1: DRAM
    env.run()
    assert log[1] == pytest.approx(t0 + panel / 32.0)         # L1 port 32 B/cycle < L2 64
    assert log[4] == pytest.approx(t0 + panel / CORE_CAP)
    c = mem.counters()
    assert c["hits"]["L2"] == panel // 64 and c["misses"]["L2"] == 2 * panel // 64


def test_cores_of_a_cluster_share_the_l2_link_fairly(env, arch):
    mem, log = MemorySystem(env, arch), {}
    for core in range(4):                      # warm L2 from core 0 with four 16 KiB blocks
        load_at(env, mem, 0, block(core, 16 * KIB), 0, {})
    env.run()
    t0 = env.now
    for core in range(1, 4):                   # three cores read one each at once
        load_at(env, mem, core, block(core, 16 * KIB), t0, log)
    env.run()
    for core in range(1, 4):
        assert log[core] == pytest.approx(t0 + 3 * 16 * KIB / 64.0)


def test_one_core_streaming_is_bound_by_its_outstanding_misses(env, arch_with):
    mem, log, n, size = MemorySystem(env, no_prefetch(arch_with)), {}, 16, 64 * KIB
    stream(env, mem, 0, n, size, log)
    env.run()
    achieved = n * size / log[0]
    assert achieved == pytest.approx(CORE_CAP, rel=0.02)
    assert achieved < 0.5 * PEAK


def test_four_cores_streaming_approach_the_dram_peak(env, arch_with):
    mem, log, n, size = MemorySystem(env, no_prefetch(arch_with)), {}, 16, 64 * KIB
    for core in (0, 1, 4, 5):                  # across both clusters: one channel
        stream(env, mem, core, n, size, log)
    env.run()
    achieved = 4 * n * size / max(log.values())
    assert 0.95 * PEAK <= achieved <= PEAK
    assert mem.dram.bytes / mem.dram.busy_cycles <= PEAK * (1 + 1e-9)


def _scenario(arch, kind):
    """End time and counters of a small workload."""
    env = simpy.Environment()
    mem, log = MemorySystem(env, arch), {}
    if kind == "one core":
        stream(env, mem, 0, 8, 64 * KIB, log)
    elif kind == "all cores":
        for core in range(8):
            stream(env, mem, core, 8, 32 * KIB, log)
    else:                                      # every core re-reads a shared B panel
        def gemm_like(core):
            for m in range(4):
                yield env.all_of([mem.load(core, block(("A", core, m), 16 * KIB)),
                                  mem.load(core, block("B", 128 * KIB))])
                yield mem.store(core, block(("C", core, m), 8 * KIB))
                yield env.timeout(500)
            yield mem.flush(core)
        for core in range(8):
            env.process(gemm_like(core))
    env.run()
    return env.now, dict(mem.bytes_by_level), mem.counters()


@pytest.mark.parametrize("kind", ["one core", "all cores", "shared panel"])
def test_doubling_dram_bandwidth_never_slows_anything(arch_with, kind):
    base = arch_with()
    fast = arch_with(dram=NS(bw_gb_per_s=2 * base.dram.bw_gb_per_s,
                             latency_ns=base.dram.latency_ns))
    t_base = _scenario(base, kind)[0]
    t_fast = _scenario(fast, kind)[0]
    assert t_fast <= t_base
    if kind == "all cores":                    # bound by the channel: much faster
        assert t_fast < 0.7 * t_base


def test_same_run_twice_is_identical(arch):
    a = _scenario(arch, "shared panel")
    b = _scenario(arch, "shared panel")
    assert a == b
    assert a[2]["hits"]["L2"] > 0


def test_local_scope_without_scratchpad_uses_the_l2_share(env, arch_with):
    mem, log = MemorySystem(env, arch_with(scratchpad=NS(size_kib=0, latency_cycles=0,
                                                         bw_bytes_per_cycle=0.0))), {}
    load_at(env, mem, 0, block("buf", 8 * KIB, "local"), 0, log)
    load_at(env, mem, 1, block("buf", 8 * KIB, "local"), 0, log)
    env.run()
    for core in (0, 1):                        # the cluster's L2 link, shared
        assert log[core] == pytest.approx(2 * 8 * KIB / 64.0)
    assert mem.scratchpads == [] and mem.counters()["hits"] == {"L1": 0, "L2": 0}
    assert mem.bytes_by_level["L2"] == 16 * KIB


def test_links_are_named(env, arch):
    links = [link.name for link in MemorySystem(env, arch).links]
    assert links == ["L2[0]", "L2[1]", "DRAM"] + [f"scratchpad[{c}]" for c in range(8)]


def test_loads_name_the_deepest_level_that_served_them(env, arch):
    mem = MemorySystem(env, arch)
    assert mem.loads(0, [block("A", 4 * KIB)])[1] == "DRAM"
    env.run()
    assert mem.loads(0, [block("A", 4 * KIB)])[1] == "L1"            # held in L1
    assert mem.loads(1, [block("A", 4 * KIB)])[1] == "L2"            # its cluster's L2
    env.run()
    events, level = mem.loads(4, [block("A", KIB), block("B", KIB)])  # other cluster
    assert level == "DRAM" and len(events) == 2
    assert mem.loads(0, [block("F", KIB, "fragment")])[1] == "L1"    # no memory moved
