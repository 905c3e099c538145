"""Whole-model speed: light ResNet-50 int8 on 0xA03C (4 threads), timing-only.

Run with::

    python -m pytest benchmarks/bench_model.py --benchmark-enable -q -s

Cold: an empty result cache, every distinct kernel simulated on the local process pool
(the issue's target: 3 minutes on the 2-core dev VM). Warm: the same model again, every
kernel from the cache (target: 5 s). The guard is the ratio in one run: a warm run must
cost a small fraction of a cold one, or the cache is not doing its job.
"""

from __future__ import annotations

import time

from k1sim.model import model

# Measured on the 2-core dev VM under load (2026-12-06): cold 54 s, warm 1.5 s (~3%).
GUARD_WARM_OVER_COLD = 0.15


def test_resnet50_int8_cold_and_warm(tmp_path, bench_report, benchmark):
    start = time.perf_counter()
    cold = model("resnet50", "0xA03C", 4, "int8", cache_dir=tmp_path)
    t_cold = time.perf_counter() - start
    warm = benchmark.pedantic(model, args=("resnet50", "0xA03C", 4, "int8"),
                              kwargs={"cache_dir": tmp_path}, rounds=1, iterations=1)
    start = time.perf_counter()
    model("resnet50", "0xA03C", 4, "int8", cache_dir=tmp_path)
    t_warm = time.perf_counter() - start
    bench_report.append(f"model: resnet50 int8 on 0xA03C x4: cold {t_cold:.1f} s "
                        f"({cold.simulations} distinct kernel simulations), warm {t_warm:.2f} s "
                        f"({warm.simulations} simulated); {len(cold.rows)} layers, "
                        f"{cold.total_seconds * 1e3:.2f} ms simulated")
    assert cold.simulations == cold.distinct_kernels and warm.simulations == 0
    assert warm.total_seconds == cold.total_seconds
    assert t_warm / t_cold < GUARD_WARM_OVER_COLD
