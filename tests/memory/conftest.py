"""A stand-in Arch for the memory model: the spec's field names, K1-like numbers."""

from types import SimpleNamespace as NS

import pytest
import simpy


def make_arch(**over):
    """K1-like: 2 clusters x 4 cores at 2 GHz; DRAM 10.66 GB/s = 5.33 B/cycle, 100 ns =
    200 cycles, 8 misses x 64 B / 200 cycles = 2.56 B/cycle per core."""
    fields = dict(
        arch_id="0xTEST", freq_mhz=2000.0, clusters=2, cores_per_cluster=4,
        l1=NS(size_kib=32, line_bytes=64, latency_cycles=3, bw_bytes_per_cycle=32.0),
        l2=NS(size_kib_per_cluster=512, latency_cycles=20, bw_bytes_per_cycle_per_cluster=64.0),
        scratchpad=NS(size_kib=128, latency_cycles=4, bw_bytes_per_cycle=32.0),
        dram=NS(bw_gb_per_s=10.66, latency_ns=100.0),
        outstanding_misses=8,
        write_buffer=NS(entries=8, drain_bytes_per_cycle=16.0, write_allocate=True,
                        full_line_writes_skip_rfo=True),
        prefetcher=NS(degree_lines=8, distance_lines=4, train_misses=2, streams=4),
    )
    fields.update(over)
    return NS(**fields)


@pytest.fixture
def arch():
    return make_arch()


@pytest.fixture
def env():
    return simpy.Environment()


def run_steps(env) -> int:
    """Run to completion, counting SimPy events processed."""
    steps = 0
    while env.peek() != float("inf"):
        env.step()
        steps += 1
    return steps


@pytest.fixture
def arch_with():
    """Build a stand-in arch with some fields replaced."""
    return make_arch


@pytest.fixture
def count_steps():
    return run_steps
