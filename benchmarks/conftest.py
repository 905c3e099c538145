"""Benchmarks print what they measured in the terminal summary, even under ``-q``, and time
CPU seconds of this process: on a machine shared with other work, wall time counts their
load too (pytest-benchmark's own timer is set to ``time.process_time`` in pyproject.toml)."""

from __future__ import annotations

import os
import sys
import time

import pytest

# numpy's BLAS runs one thread, as k1sim's kernels do: the comparison is per core, and CPU
# time undercounts BLAS worker threads while they run. Set before anything imports numpy.
if "numpy" in sys.modules:
    raise RuntimeError("benchmarks/conftest.py must run before numpy is imported")
os.environ["OPENBLAS_NUM_THREADS"] = "1"

_REPORT = pytest.StashKey[list]()


@pytest.fixture
def bench_report(request) -> list:
    """Lines a benchmark wants shown after the run (ops/s, ratios against a baseline)."""
    return request.config.stash.setdefault(_REPORT, [])


def pytest_terminal_summary(terminalreporter, config):
    lines = config.stash.get(_REPORT, [])
    if lines:
        terminalreporter.section("k1sim benchmarks")
        for line in lines:
            terminalreporter.write_line(line)


def _best_cpu_seconds(fn, *args, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn(*args)
        best = min(best, time.process_time() - start)
    return best


@pytest.fixture
def cpu_seconds():
    """``cpu_seconds(fn, *args, repeat=3)``: the least CPU time of ``repeat`` calls."""
    return _best_cpu_seconds
