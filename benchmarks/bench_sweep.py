"""Sweep speed, as ratios within one run: N points on a local pool of P workers against the
same points in a serial loop (about N/P x one point plus the pool's start-up), and the
time to tune mm for one 1024^3 shape on one arch over FlagGems' space, timing-only."""

from __future__ import annotations

import os
import time

import k1sim
from k1sim.sweep.tune.mm import space as mm_space
from k1sim.arch import load_arch

AXES = {"bm": [32, 64, 128], "bn": [32, 64, 128], "path": ["EVEN_K", "SPLIT_K"]}
FIXED = {"m": 256, "n": 256, "k": 256, "arch": "0xA064", "timing_only": True}


def _timed(**options):
    start = time.perf_counter()
    frame = k1sim.sweep("k1sim.library:mm", AXES, **FIXED, cache=None, **options)
    return time.perf_counter() - start, frame


def test_local_pool_against_a_serial_loop(bench_report):
    workers = os.cpu_count() or 1
    serial_s, serial = _timed(workers=1)
    pool_s, pooled = _timed(workers=workers)
    assert serial.equals(pooled)
    n = len(serial)
    bench_report.append(f"sweep: {n} points, serial {serial_s:.2f} s "
                        f"({serial_s / n:.3f} s/point), local pool of {workers} "
                        f"{pool_s:.2f} s: speed-up {serial_s / pool_s:.2f}x "
                        f"(ideal {workers}x; N/P x one point = {serial_s / workers:.2f} s)")


def test_tune_mm_1024_cubed_on_one_arch(bench_report):
    from k1sim.sweep.tune import tune

    configs, pruned = mm_space((1024, 1024, 1024), load_arch("0xA064"))
    start = time.perf_counter()
    tuned = tune("mm", ["1024x1024x1024"], ["0xA064"], cache=None)
    took = time.perf_counter() - start
    best = tuned.best[0]
    bench_report.append(f"tune mm 1024^3 on 0xA064: {len(configs)} legal configs "
                        f"({len(pruned)} pruned) in {took:.1f} s on {os.cpu_count()} cores; "
                        f"best {int(best['best']['cycles'])} cycles")
