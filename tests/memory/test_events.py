"""The event API of MemorySystem: non-blocking loads, the write buffer, write-backs,
the stream prefetcher and line-set caches, on the stand-in arch (see conftest)."""

from types import SimpleNamespace as NS

import pytest
import simpy

from k1sim.memory import Access, MemorySystem

KIB = 1024
LAT, PEAK, CORE_CAP = 200.0, 10.66e9 / 2e9, 8 * 64 / 200.0   # the stand-in's DRAM


def run(arch, thread):
    """Run ``thread(env, mem)`` on core 0 to completion: (end time, mem)."""
    env = simpy.Environment()
    mem = MemorySystem(env, arch)
    env.process(thread(env, mem))
    env.run()
    return env.now, mem


def run_at(mem_env, event):
    env = mem_env
    env.run(event)
    return env.now


def no_prefetch(arch_with, **over):
    return arch_with(prefetcher=NS(degree_lines=0, distance_lines=0, train_misses=1,
                                   streams=1), **over)


def chunk(alloc, i, size=4 * KIB):
    return Access.contiguous(alloc, size, base_bytes=i * size)


def test_a_load_pays_the_latency_once_not_on_top_of_its_bandwidth(arch):
    env = simpy.Environment()
    mem = MemorySystem(env, arch)
    small = mem.load(0, chunk("a", 0, 256))               # 4 lines: latency-bound
    assert run_at(env, small) == pytest.approx(LAT)
    t0 = env.now
    big = mem.load(0, chunk("b", 0, 64 * KIB))            # bandwidth-bound: no latency added
    assert run_at(env, big) - t0 == pytest.approx(64 * KIB / CORE_CAP)


def test_independent_loads_overlap_and_a_dependent_chain_waits_each_latency(arch_with):
    arch = no_prefetch(arch_with)

    def independent(env, mem):
        yield env.all_of([mem.load(0, chunk("x", 8 * i, 256)) for i in range(4)])

    def chain(env, mem):
        for i in range(4):
            yield mem.load(0, chunk("x", 8 * i, 256))
    t_ind, _ = run(arch, independent)
    t_chain, _ = run(arch, chain)
    assert t_chain == pytest.approx(4 * LAT)
    assert t_ind == pytest.approx(LAT * 2)                # 16 lines on 8 miss slots


def test_independent_misses_share_the_cores_outstanding_miss_slots(arch_with):
    def two(env, mem):
        yield env.all_of([mem.load(0, chunk("x", i, 64 * KIB)) for i in range(2)])
    t, mem = run(no_prefetch(arch_with), two)
    assert t == pytest.approx(2 * 64 * KIB / CORE_CAP)    # the cap is the core's, not each load's


def stream(kind, n=64, size=4 * KIB):
    def thread(env, mem):
        for i in range(n):
            if kind in ("read", "copy"):
                yield mem.load(0, chunk("src", i, size))
            if kind in ("write", "copy"):
                yield mem.store(0, chunk("dst", i, size))
        yield mem.flush(0)
    return thread


def test_a_fill_is_faster_than_a_read_and_a_copy_beats_read_plus_write(arch_with):
    arch = no_prefetch(arch_with)
    t_read, read = run(arch, stream("read"))
    t_write, write = run(arch, stream("write"))
    t_copy, copy = run(arch, stream("copy"))
    assert t_write < t_read                               # posted writes vs latency-bound reads
    assert t_copy < t_read + t_write
    nbytes = 64 * 4 * KIB
    assert read.bytes_by_level["DRAM"] == nbytes
    assert write.counters()["flushed"]["DRAM"] == nbytes  # the dirty lines leave at the end
    assert copy.bytes_by_level["DRAM"] == 2 * nbytes      # read + write-back, no RFO
    assert copy.counters()["rfo_bytes"] == 0


def test_a_copy_reads_for_ownership_when_the_core_does_not_skip_it(arch_with):
    arch = no_prefetch(arch_with, write_buffer=NS(
        entries=8, drain_bytes_per_cycle=16.0, write_allocate=True,
        full_line_writes_skip_rfo=False))
    _, copy = run(arch, stream("copy"))
    nbytes = 64 * 4 * KIB
    assert copy.counters()["rfo_bytes"] == nbytes
    assert copy.bytes_by_level["DRAM"] == 3 * nbytes      # read + RFO + write-back


def test_partial_line_stores_read_for_ownership_even_when_full_lines_skip_it(arch):
    def thread(env, mem):                                 # 16 rows of 32 B, 256 B apart
        yield mem.store(0, Access("C", "global", 4, 0, (16, 8), (64, 1)))
        yield mem.flush(0)
    _, mem = run(arch, thread)
    assert mem.counters()["rfo_bytes"] == 16 * 64


def test_the_write_buffer_takes_stores_without_waiting_until_it_is_full(arch):
    env = simpy.Environment()
    mem = MemorySystem(env, arch)
    first = mem.store(0, chunk("d", 0, 256))             # 4 lines of the 8 entries
    assert run_at(env, first) == 0                        # accepted at once, no DRAM wait
    burst = [mem.store(0, chunk("d", i, 512)) for i in range(1, 5)]
    env.run(env.all_of(burst))
    assert env.now > 0 and mem.counters()["write_buffer_stall_cycles"][0] > 0
    assert mem.counters()["write_buffer_stall_cycles"][1:] == [0.0] * 7


def test_dirty_lines_are_written_back_when_evicted_and_at_the_flush(arch_with):
    arch = arch_with(l2=NS(size_kib_per_cluster=64, latency_cycles=20,
                           bw_bytes_per_cycle_per_cluster=64.0))
    t, mem = run(arch, stream("write", n=64))             # 256 KiB through a 64 KiB L2
    c = mem.counters()
    assert c["written_back"]["L2"] > 0 and c["written_back"]["DRAM"] > 0
    assert c["written_back"]["DRAM"] + c["flushed"]["DRAM"] == 256 * KIB
    assert mem.l2_lines[0].dirty_lines == mem.l1_lines[0].dirty_lines == 0


@pytest.mark.parametrize("l2_bw", [64.0, 2.0])        # DRAM the slower stage, then L2
def test_the_flush_streams_through_l2_taking_its_slower_stage_not_their_sum(arch_with, l2_bw):
    arch = arch_with(l2=NS(size_kib_per_cluster=512, latency_cycles=20,
                           bw_bytes_per_cycle_per_cluster=l2_bw))
    env, nbytes = simpy.Environment(), 16 * KIB           # dirty in L1 only
    mem = MemorySystem(env, arch)
    env.run(env.all_of([mem.store(0, chunk("C", i, 1 * KIB)) for i in range(16)]))
    env.run(mem.write_buffers[0].idle())
    start = env.now
    env.run(mem.flush(0))
    assert mem.counters()["flushed"] == {"L2": nbytes, "DRAM": nbytes}
    assert env.now - start == pytest.approx(max(nbytes / l2_bw, nbytes / PEAK))


@pytest.mark.parametrize("other", [1, 4])                 # the same cluster, the other one
def test_a_line_two_cores_hold_dirty_reaches_dram_once(arch, other):
    env = simpy.Environment()                             # 8 KiB each, 4 KiB in common
    mem = MemorySystem(env, arch)
    env.run(env.all_of([mem.store(0, chunk("C", i)) for i in (0, 1)]
                       + [mem.store(other, chunk("C", i)) for i in (1, 2)]))
    env.run(mem.flush(0, other))
    assert mem.counters()["flushed"] == {"L2": 16 * KIB, "DRAM": 12 * KIB}


def test_the_prefetcher_helps_a_sequential_stream_and_not_a_strided_one(arch_with):
    def sequential(env, mem):
        for i in range(32):
            yield mem.load(0, chunk("s", i))

    def strided(env, mem):                                # every other 4 KiB chunk
        for i in range(32):
            yield mem.load(0, chunk("s", 2 * i))
    t_seq, seq = run(arch_with(), sequential)
    t_str, stri = run(arch_with(), strided)
    t_off, _ = run(no_prefetch(arch_with), sequential)
    assert seq.counters()["prefetched_lines"] > 0 and stri.counters()["prefetched_lines"] == 0
    assert t_seq < t_off
    assert t_str == pytest.approx(t_off)


def test_a_transposed_tile_costs_more_by_the_lines_it_touches(arch):
    def tile(strides):
        def thread(env, mem):
            yield mem.load(0, Access("A", "global", 1, 0, (8, 64), strides))
        return thread
    t_rows, rows = run(arch, tile((4096, 1)))             # 8 rows of a line each
    t_cols, cols = run(arch, tile((1, 4096)))             # 64 columns of a line each
    assert rows.bytes_by_level["DRAM"] == 8 * 64 and cols.bytes_by_level["DRAM"] == 64 * 64
    assert t_cols > t_rows


def test_a_big_transfer_streams_through_l1_and_its_tail_then_hits(arch):
    def thread(env, mem):
        yield mem.load(0, chunk("big", 0, 64 * KIB))     # twice L1
        yield mem.load(0, Access.contiguous("big", 16 * KIB, base_bytes=48 * KIB))
    _, mem = run(arch, thread)
    assert mem.counters()["hits"]["L1"] == 16 * KIB // 64


def test_a_line_in_flight_for_another_core_is_waited_for(arch):
    env = simpy.Environment()
    mem = MemorySystem(env, arch)
    first = mem.load(0, chunk("B", 0, 8 * KIB))
    env.run(10)
    second = mem.load(1, chunk("B", 0, 8 * KIB))          # same cluster: L2 has it "soon"
    env.run(second)
    assert first.processed and env.now == pytest.approx(8 * KIB / CORE_CAP + 8 * KIB / 64)
    assert mem.counters()["hits"]["L2"] == 8 * KIB // 64


def test_local_and_fragment_accesses(arch):
    env = simpy.Environment()
    mem = MemorySystem(env, arch)
    done = mem.load(2, Access.contiguous("buf", 8 * KIB, scope="local"))
    assert run_at(env, done) == pytest.approx(8 * KIB / 32.0)   # latency 4 overlaps
    assert run_at(env, mem.store(0, Access.contiguous("r", 64, scope="fragment"))) == \
        pytest.approx(8 * KIB / 32.0)
    assert mem.bytes_by_level["scratchpad"] == 8 * KIB


def test_a_run_is_deterministic_and_costs_a_handful_of_events_per_access(arch, count_steps):
    def once():
        env = simpy.Environment()
        mem = MemorySystem(env, arch)

        def thread(core):
            for i in range(200):
                yield mem.load(core, chunk(("s", core), i % 50, 2 * KIB))
                yield mem.store(core, chunk(("d", core), i, 1 * KIB))
            yield mem.flush(core)
        for core in range(8):
            env.process(thread(core))
        return count_steps(env), env.now, mem.counters(), dict(mem.bytes_by_level)
    a, b = once(), once()
    assert a == b
    print(f"\n3200 loads and stores: {a[0]} env steps")
    assert a[0] <= 10 * 8 * 400
