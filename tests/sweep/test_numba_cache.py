"""Numba's on-disk cache is shared: no sweep worker, and no later process, recompiles a
kernel that one process compiled. Compiles are counted by numba's own statistics: a
dispatcher adds one ``cache_misses`` entry per signature it had to compile because the
on-disk cache did not hold it."""

import os
import subprocess
import sys

import k1sim.sweep.run as sweep_run
from k1sim.sweep.point import run_point
from k1sim.sweep.run import run_points
from k1sim.sweep.source import BuilderSource

MM = BuilderSource("k1sim.library:mm")
# Full runs (values computed, so numba's packing kernels run) of three small mms.
POINTS = [{"m": 64, "n": 64, "k": k, "arch": "0xA03C", "timing_only": False}
          for k in (32, 64, 128)]


def compiles() -> int:
    """Signatures this process's numba kernels compiled (cache misses) so far."""
    if "numba" not in sys.modules:
        return 0
    from numba.core.registry import CPUDispatcher

    from k1sim.functional import mmt4d, packing

    return sum(sum(d.stats.cache_misses.values()) for module in (mmt4d, packing)
               for d in vars(module).values() if isinstance(d, CPUDispatcher))


def counting_run_point(source, point):
    before = compiles()
    row = run_point(source, point)
    return {**row, "compiled": compiles() - before, "pid": os.getpid()}


def test_no_worker_of_the_local_pool_compiles(monkeypatch):
    monkeypatch.setattr(sweep_run, "run_point", counting_run_point)
    rows, stats = run_points(MM, POINTS, workers=2, cache=None)
    assert stats["ran"] == 3 and all(r["status"] == "ok" and r["expects"] == "pass"
                                     for r in rows)
    in_workers = [r for r in rows if r["pid"] != os.getpid()]
    assert len(in_workers) == 2                 # the first full point warmed up here
    assert [r["compiled"] for r in in_workers] == [0, 0]


def test_a_fresh_process_loads_the_kernels_from_the_disk_cache():
    # A Dask worker or the next k1sim run is a new process: nothing inherited in memory.
    run_point(MM, POINTS[0])                    # compiles here if the cache was cold
    code = ("from tests.sweep.test_numba_cache import MM, POINTS, compiles\n"
            "from k1sim.sweep.point import run_point\n"
            "row = run_point(MM, POINTS[0])\n"
            "print(row['status'], row['expects'], compiles())\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ok", "pass", "0"]


def test_a_timing_only_sweep_never_loads_numba():
    code = ("import sys\n"
            "from k1sim.sweep.run import run_points\n"
            "from k1sim.sweep.source import BuilderSource\n"
            "rows, _ = run_points(BuilderSource('k1sim.library:mm'), [{'m': 64, 'n': 64, "
            "'k': 64, 'arch': '0xA03C', 'timing_only': True}], cache=None)\n"
            "print(rows[0]['status'], 'numba' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ok", "False"]
