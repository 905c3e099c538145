"""MemorySystem on a stand-in K1-like arch (see conftest): levels, sharing, caps."""

import pytest
import simpy

from k1sim.memory import MemorySystem, dram_timing

KIB = 1024
LAT, PEAK, CORE_CAP = 200.0, 10.66e9 / 2e9, 8 * 64 / 200.0   # the stand-in's DRAM


def access(env, mem, core, key, nbytes, scope="global", write=False, at=0, log=None):
    """Start one access; log[(core, key)] = (level, end time)."""
    def proc():
        if at:
            yield env.timeout(at)
        level = yield from mem.access(core, key, nbytes, scope, write)
        if log is not None:
            log[(core, key)] = (level, env.now)
    return env.process(proc())


def stream(env, mem, core, blocks, nbytes, log, prefix="s"):
    """One core reading distinct blocks back to back (an in-order thread)."""
    def proc():
        for i in range(blocks):
            yield from mem.access(core, (prefix, core, i), nbytes, "global", False)
        log[core] = env.now
    return env.process(proc())


def test_dram_timing_from_arch_fields(arch):
    assert dram_timing(arch) == pytest.approx((LAT, PEAK, CORE_CAP))


def test_first_access_misses_to_dram_second_hits_l1(env, arch):
    mem, log = MemorySystem(env, arch), {}
    access(env, mem, 0, "A", 4 * KIB, log=log)
    env.run()
    assert log[(0, "A")] == ("DRAM", pytest.approx(LAT + 4 * KIB / CORE_CAP))
    t0 = env.now
    access(env, mem, 0, "A", 4 * KIB, log=log)
    env.run()
    assert log[(0, "A")] == ("L1", pytest.approx(t0 + 3 + 4 * KIB / 32.0))
    s, lines = mem.counters(), 4 * KIB // 64
    assert mem.bytes_by_level == {"L1": 4 * KIB, "L2": 0, "DRAM": 4 * KIB, "scratchpad": 0}
    assert s["hits"] == {"L1": lines, "L2": 0} and s["misses"] == {"L1": lines, "L2": lines}


def test_panel_in_l2_hits_from_the_same_cluster_and_misses_from_the_other(env, arch):
    mem, log, panel = MemorySystem(env, arch), {}, 64 * KIB   # > L1 32 KiB, < L2 512 KiB
    access(env, mem, 0, "B", panel, log=log)
    env.run()
    assert log[(0, "B")][0] == "DRAM"
    t0 = env.now
    access(env, mem, 1, "B", panel, log=log)     # cluster 0
    access(env, mem, 4, "B", panel, log=log)     # cluster 1
    env.run()
    assert log[(1, "B")] == ("L2", pytest.approx(t0 + 20 + panel / 64.0))
    assert log[(4, "B")] == ("DRAM", pytest.approx(t0 + LAT + panel / CORE_CAP))
    t1 = env.now
    access(env, mem, 0, "B", panel, log=log)     # too big for L1: L2 again
    env.run()
    assert log[(0, "B")] == ("L2", pytest.approx(t1 + 20 + panel / 64.0))


def test_a_request_for_a_block_in_flight_waits_for_the_fill(env, arch):
    mem, log = MemorySystem(env, arch), {}
    access(env, mem, 0, "B", 8 * KIB, log=log)
    access(env, mem, 1, "B", 8 * KIB, at=10, log=log)
    env.run()
    fill = LAT + 8 * KIB / CORE_CAP
    assert log[(0, "B")] == ("DRAM", pytest.approx(fill))
    assert log[(1, "B")] == ("L2", pytest.approx(fill + 20 + 8 * KIB / 64.0))
    assert mem.dram.bytes == 8 * KIB


def test_cores_of_a_cluster_share_the_l2_link_fairly(env, arch):
    mem, log = MemorySystem(env, arch), {}
    for core in range(4):          # warm L2 from core 0 with four 16 KiB blocks
        access(env, mem, 0, core, 16 * KIB)
    env.run()
    t0 = env.now
    for core in range(4):          # each core reads a different one at once
        access(env, mem, core, core, 16 * KIB, log=log)
    env.run()
    for core in range(1, 4):
        assert log[(core, core)] == ("L2", pytest.approx(t0 + 20 + 4 * 16 * KIB / 64.0))


def test_one_core_streaming_is_bound_by_its_outstanding_misses(env, arch):
    mem, log, n, size = MemorySystem(env, arch), {}, 16, 64 * KIB
    stream(env, mem, 0, n, size, log)
    env.run()
    achieved = n * size / log[0]
    assert achieved == pytest.approx(CORE_CAP, rel=0.02)
    assert achieved < 0.5 * PEAK


def test_four_cores_streaming_approach_the_dram_peak(env, arch):
    mem, log, n, size = MemorySystem(env, arch), {}, 16, 64 * KIB
    for core in (0, 1, 4, 5):                    # across both clusters: one channel
        stream(env, mem, core, n, size, log)
    env.run()
    achieved = 4 * n * size / max(log.values())
    assert 0.95 * PEAK <= achieved <= PEAK
    assert mem.dram.bytes / mem.dram.busy_cycles <= PEAK * (1 + 1e-9)


def _scenario(arch, kind):
    """End time and stats of a small workload."""
    env = simpy.Environment()
    mem, log = MemorySystem(env, arch), {}
    if kind == "one core":
        stream(env, mem, 0, 8, 64 * KIB, log)
    elif kind == "all cores":
        for core in range(8):
            stream(env, mem, core, 8, 32 * KIB, log)
    else:                                        # every core re-reads a shared B panel
        def gemm_like(core):
            for m in range(4):
                yield from mem.access(core, ("A", core, m), 16 * KIB, "global", False)
                yield from mem.access(core, "B", 128 * KIB, "global", False)
                yield from mem.access(core, ("C", core, m), 8 * KIB, "global", True)
                yield env.timeout(500)
        for core in range(8):
            env.process(gemm_like(core))
    env.run()
    return env.now, mem.bytes_by_level, mem.counters()


@pytest.mark.parametrize("kind", ["one core", "all cores", "shared panel"])
def test_doubling_dram_bandwidth_never_slows_anything(arch_with, kind):
    base = arch_with()
    fast = arch_with(dram=type(base.dram)(bw_gb_per_s=2 * base.dram.bw_gb_per_s,
                                          latency_ns=base.dram.latency_ns))
    t_base = _scenario(base, kind)[0]
    t_fast = _scenario(fast, kind)[0]
    assert t_fast <= t_base
    if kind == "all cores":                      # bound by the channel: twice as fast
        assert t_fast < 0.6 * t_base


def test_same_run_twice_is_identical(arch):
    a = _scenario(arch, "shared panel")
    b = _scenario(arch, "shared panel")
    assert a == b
    assert a[2]["hits"]["L2"] > 0


def test_local_scope_uses_the_core_scratchpad_port(env, arch):
    mem, log = MemorySystem(env, arch), {}
    access(env, mem, 2, "buf", 8 * KIB, scope="local", log=log)
    access(env, mem, 3, "buf", 8 * KIB, scope="local", write=True, log=log)
    env.run()
    for core in (2, 3):                          # one port per core: no sharing
        assert log[(core, "buf")] == ("scratchpad", pytest.approx(4 + 8 * KIB / 32.0))
    assert mem.scratchpads[2].bytes == 8 * KIB and mem.dram.bytes == 0
    assert mem.bytes_by_level["scratchpad"] == 16 * KIB


def test_local_scope_without_scratchpad_uses_the_l2_share(env, arch_with):
    from types import SimpleNamespace as NS
    mem, log = MemorySystem(env, arch_with(scratchpad=NS(size_kib=0, latency_cycles=0,
                                                         bw_bytes_per_cycle=0.0))), {}
    access(env, mem, 0, "buf", 8 * KIB, scope="local", log=log)
    access(env, mem, 1, "buf", 8 * KIB, scope="local", log=log)
    env.run()
    for core in (0, 1):                          # the cluster's L2 link, shared
        assert log[(core, "buf")] == ("L2", pytest.approx(20 + 2 * 8 * KIB / 64.0))
    assert mem.scratchpads == [] and mem.counters()["hits"] == {"L1": 0, "L2": 0}


def test_fragment_scope_is_free(env, arch):
    mem, log = MemorySystem(env, arch), {}
    access(env, mem, 0, "r", 1024, scope="fragment", log=log)
    env.run()
    assert log[(0, "r")] == ("registers", 0)
    access(env, mem, 0, "z", 0, log=log)
    env.run()
    assert log[(0, "z")] == (None, 0)
    assert sum(mem.bytes_by_level.values()) == 0


def test_a_write_allocates(env, arch):
    mem, log = MemorySystem(env, arch), {}
    access(env, mem, 0, "C", 4 * KIB, write=True, log=log)
    env.run()
    assert log[(0, "C")][0] == "DRAM"
    access(env, mem, 0, "C", 4 * KIB, log=log)
    env.run()
    assert log[(0, "C")][0] == "L1"


def test_unknown_scope_is_rejected(env, arch):
    mem = MemorySystem(env, arch)
    with pytest.raises(ValueError, match="global, local or fragment"):
        next(mem.access(0, "k", 64, "tcm", False))


def test_links_are_named(env, arch):
    links = [link.name for link in MemorySystem(env, arch).links]
    assert links == ["L2[0]", "L2[1]", "DRAM"] + [f"scratchpad[{c}]" for c in range(8)]


def test_events_per_access_are_a_handful(arch, count_steps):
    """8 cores x 500 accesses: DRAM misses, L2 hits across the cluster, L1 hits."""
    import time
    env = simpy.Environment()
    mem = MemorySystem(env, arch)

    def thread(core):
        for i in range(500):
            key = ("blk", core // 4, i // 2 % 40)        # a cluster's 40 shared blocks
            yield from mem.access(core, key, 8 * KIB, "global", i % 3 == 0)
    for core in range(8):
        env.process(thread(core))
    t0 = time.perf_counter()
    steps = count_steps(env)
    wall = time.perf_counter() - t0
    s = mem.counters()
    print(f"\n4000 accesses: {steps} env steps, {wall * 1e3:.1f} ms; hits {s['hits']}, "
          f"misses {s['misses']}")
    assert steps <= 6 * 4000
