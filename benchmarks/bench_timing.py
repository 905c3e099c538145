"""Speed of the timed simulator on FlagGems' mm EVEN_K (0xA064, 8 threads, f16).

Run with::

    python -m pytest benchmarks/bench_timing.py --benchmark-enable -q

Measures, in one run: timing-only CPU time at 512³, 1024³ and 2048³ (the
2048³ target is 2 s), simulated ops per second, the exponent of time against op
count fitted over the three sizes (1.0 is linear), and the time of a full
(functional + timing) run at 512³. Absolute times depend on the machine, so the
figures (and whether the 2 s target is met) are printed in the terminal summary
and only the scaling exponent, a ratio within the run, is asserted.
"""

from __future__ import annotations

import math

from k1sim import Simulator
from k1sim.library import mm_even_k

SIZES = (512, 1024, 2048)


TARGET_2048_S = 2.0


def test_timing_only_speed_and_scaling(benchmark, bench_report, cpu_seconds):
    sim = Simulator()
    modules = {n: mm_even_k(n, n, n).module for n in SIZES}
    sim.execute(modules[512], timing_only=True)  # warm the caches of the cost model
    rows = []
    for n in SIZES:
        result = sim.execute(modules[n], timing_only=True)
        ops = sum(result.op_counts.values())
        cpu = cpu_seconds(lambda: sim.execute(modules[n], timing_only=True), repeat=2)
        rows.append((n, ops, cpu, result.cycles))
    benchmark(sim.execute, modules[512], timing_only=True)
    (_, o0, w0, _), (_, o2, w2, _) = rows[0], rows[-1]
    exponent = math.log(w2 / w0) / math.log(o2 / o0)
    full = cpu_seconds(sim.execute, modules[512], repeat=1)
    for n, ops, cpu, cycles in rows:
        bench_report.append(f"timing-only {n}^3: {ops} ops in {cpu:.2f} s = "
                            f"{ops / cpu:,.0f} simulated ops/s ({cycles} cycles)")
    met = "met" if w2 <= TARGET_2048_S else "NOT met"
    bench_report.append(f"CPU time ~ ops^{exponent:.2f} over {SIZES}; full run 512^3 "
                        f"(values + timing) {full:.2f} s; 2048^3 target {TARGET_2048_S:g} s: "
                        f"{met}")
    assert exponent < 1.3
