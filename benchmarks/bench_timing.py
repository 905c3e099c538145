"""Speed of the timed simulator on FlagGems' mm EVEN_K (0xA064, 8 threads, f16).

Run with::

    python -m pytest benchmarks/bench_timing.py --benchmark-enable -q

Measures, in one run: timing-only wall time at 512³, 1024³ and 2048³ (the
2048³ target is 2 s), simulated ops per second, the exponent of wall time
against op count fitted over the three sizes (1.0 is linear), and the wall time
of a full (functional + timing) run at 512³. Wall-clock targets depend on the
machine, so the assertions are loose regression guards; the figures are
printed in the terminal summary.
"""

from __future__ import annotations

import math
import time

from k1sim import Simulator
from k1sim.library import mm_even_k

SIZES = (512, 1024, 2048)


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def test_timing_only_speed_and_scaling(benchmark, bench_report):
    sim = Simulator()
    modules = {n: mm_even_k(n, n, n).module for n in SIZES}
    sim.execute(modules[512], timing_only=True)  # warm the caches of the cost model
    rows = []
    for n in SIZES:
        result = sim.execute(modules[n], timing_only=True)
        ops = sum(result.op_counts.values())
        wall = min(_timed(lambda: sim.execute(modules[n], timing_only=True)) for _ in range(2))
        rows.append((n, ops, wall, result.cycles))
    benchmark(sim.execute, modules[512], timing_only=True)
    (_, o0, w0, _), (_, o2, w2, _) = rows[0], rows[-1]
    exponent = math.log(w2 / w0) / math.log(o2 / o0)
    full = _timed(lambda: sim.execute(modules[512]))
    for n, ops, wall, cycles in rows:
        bench_report.append(f"timing-only {n}^3: {ops} ops in {wall:.2f} s = "
                            f"{ops / wall:,.0f} simulated ops/s ({cycles} cycles)")
    bench_report.append(f"wall time ~ ops^{exponent:.2f} over {SIZES}; full run 512^3 "
                        f"(values + timing) {full:.2f} s")
    assert exponent < 1.3
    assert rows[-1][2] < 4.0  # target 2 s; guard for a loaded shared machine
