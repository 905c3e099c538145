"""Timing-only CPU seconds of FlagGems' mm EVEN_K, for ``bench_timing.py``.

Run in a fresh interpreter against whichever k1sim comes first on PYTHONPATH (the current
checkout, or an older commit unpacked elsewhere), so it uses only what every version since
4d0fdae has: ``Simulator().execute(module, timing_only=True)`` and
``k1sim.library.mm_even_k`` (0xA064, 8 threads, f16). Prints one JSON object:
``{"k1sim": its file, "sizes": {n: {"ops", "cpu_s", "cycles"}}}``, the least CPU time of
``repeat`` runs per size::

    PYTHONPATH=TREE python benchmarks/timing_probe.py 512,2048 2
"""

from __future__ import annotations

import json
import math
import sys
import time


def main(argv: list[str]) -> None:
    sizes = [int(n) for n in argv[1].split(",")]
    repeat = int(argv[2]) if len(argv) > 2 else 2
    import k1sim
    from k1sim import Simulator
    from k1sim.library import mm_even_k

    sim = Simulator()
    sim.execute(mm_even_k(256, 256, 256).module, timing_only=True)   # imports, arch, caches
    out = {}
    for n in sizes:
        module = mm_even_k(n, n, n).module
        best, result = math.inf, None
        for _ in range(repeat):
            start = time.process_time()
            result = sim.execute(module, timing_only=True)
            best = min(best, time.process_time() - start)
        out[n] = {"ops": sum(result.op_counts.values()), "cpu_s": best,
                  "cycles": result.cycles}
    print(json.dumps({"k1sim": k1sim.__file__, "sizes": out}))


if __name__ == "__main__":
    main(sys.argv)
