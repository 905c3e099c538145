"""Simulation speed: ops executed per second, against SimPy's own event rate.

Run with::

    python -m pytest benchmarks/bench_engine.py --benchmark-enable -q

The kernel is spine-triton's SPLIT_MN mm at 512³ (kernels/mm_split_mn.xsmt:
16 programs, 13,776 ops, two barriers). The baseline, measured in the same
run, is a bare SimPy process doing one timeout per op: the least any
event-per-op simulator can cost. The ratio says what interpreting the op and
computing its values add on top; the timing-only run shows the share of the
values.
"""

from __future__ import annotations

import time
from pathlib import Path

import simpy

from k1sim.simulator import Simulator

KERNEL = Path(__file__).resolve().parents[1] / "kernels/mm_split_mn.xsmt"
# Regression guards on the ratio to bare SimPy, about 1.5x the ratios measured
# on the 2-CPU dev VM (full 24, timing-only 12.5; 2026-11-21).
GUARD_FULL, GUARD_TIMING = 36, 19


def _bare_simpy(n_events: int) -> float:
    env = simpy.Environment()

    def proc():
        for _ in range(n_events):
            yield env.timeout(1)

    env.process(proc())
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start


def _best(fn, repeat=3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def test_simulated_ops_per_second(benchmark, bench_report):
    sim = Simulator()
    result = benchmark(sim.execute, KERNEL)
    n_ops = sum(result.op_counts.values())
    full = _best(lambda: sim.execute(KERNEL))
    fast = _best(lambda: sim.execute(KERNEL, timing_only=True))
    bare = min(_bare_simpy(n_ops) for _ in range(3))
    bench_report.append(f"engine: {n_ops} ops; full {n_ops / full:,.0f} ops/s "
                        f"({full / bare:.1f}x bare SimPy), timing-only {n_ops / fast:,.0f} ops/s "
                        f"({fast / bare:.1f}x), bare SimPy {n_ops / bare:,.0f} events/s")
    assert full / bare < GUARD_FULL
    assert fast / bare < GUARD_TIMING
