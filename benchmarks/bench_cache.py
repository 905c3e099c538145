"""The line caches cost per transfer and per row, not the square of the rows.

A row pitch that is not a whole number of 64-byte lines (1000 bytes here) makes every row
of a tile its own run of lines in the caches. Before the caches kept an address index per
allocation, each access scanned every entry of its allocation, so a 1 x 1000 x K int8 GEMM
on 0xA03C took 0.3 / 1.4 / 4.9 CPU s at K = 64 / 128 / 256 and over 120 s at K = 2048.

Run with::

    python -m pytest benchmarks/bench_cache.py --benchmark-enable -q

Asserted, as a ratio within the run: K = 1024 (8x the rows and the ops of K = 128) costs
at most 16x the CPU time of K = 128, where the square of the rows would cost 64x.
"""

from __future__ import annotations

from k1sim import Simulator
from k1sim.library import mm

SMALL_K, LARGE_K = 128, 1024
MOST = 16.0


def _run(k: int) -> None:
    program = mm(1, 1000, k, arch="0xA03C", threads=4, dtype="i8", out="i32").module
    Simulator().execute(program, timing_only=True)


def test_rows_of_no_whole_lines_cost_in_proportion(benchmark, bench_report, cpu_seconds):
    _run(SMALL_K)                              # imports, arch files, numba caches
    small = cpu_seconds(_run, SMALL_K)
    large = cpu_seconds(_run, LARGE_K, repeat=1)
    benchmark.pedantic(_run, args=(SMALL_K,), rounds=1, iterations=1)
    ratio = large / small
    bench_report.append(f"1x1000xK int8 mm on 0xA03C, timing-only: K={SMALL_K} {small:.2f} CPU s,"
                        f" K={LARGE_K} {large:.2f} CPU s, ratio {ratio:.1f} for 8x the rows "
                        f"(at most {MOST:.0f}; the square would be 64)")
    assert ratio <= MOST, f"K={LARGE_K} costs {ratio:.1f}x K={SMALL_K}: more than {MOST}x"
