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

from pathlib import Path

import simpy

from k1sim.simulator import Simulator

KERNEL = Path(__file__).resolve().parents[1] / "kernels/mm_split_mn.xsmt"
# Regression guards on the CPU-time ratio to bare SimPy, about 1.5x the ratios measured on
# the 2-CPU dev VM with the pipelined core (full 64, timing-only 33; 2026-12-06; before it,
# 44 and 26). CPU time keeps the ratio steady while other work shares the machine.
GUARD_FULL, GUARD_TIMING = 96, 50


def _bare_simpy(n_events: int) -> None:
    env = simpy.Environment()

    def proc():
        for _ in range(n_events):
            yield env.timeout(1)

    env.process(proc())
    env.run()


def test_simulated_ops_per_second(benchmark, bench_report, cpu_seconds):
    sim = Simulator()
    result = benchmark(sim.execute, KERNEL)
    n_ops = sum(result.op_counts.values())
    full = cpu_seconds(sim.execute, KERNEL)
    fast = cpu_seconds(lambda: sim.execute(KERNEL, timing_only=True))
    bare = cpu_seconds(_bare_simpy, n_ops)
    bench_report.append(f"engine: {n_ops} ops; full {n_ops / full:,.0f} ops/s "
                        f"({full / bare:.1f}x bare SimPy), timing-only {n_ops / fast:,.0f} ops/s "
                        f"({fast / bare:.1f}x), bare SimPy {n_ops / bare:,.0f} events/s")
    assert full / bare < GUARD_FULL
    assert fast / bare < GUARD_TIMING
