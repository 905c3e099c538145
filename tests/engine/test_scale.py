"""Huge grids: programs made lazily, live state dropped as programs finish, a bounded
trace; memory stays flat as the grid grows (issue 13, item 4)."""

import tracemalloc
from collections.abc import Iterator

import pytest

from k1sim.engine.launcher import programs
from k1sim.memory import trace_log
from k1sim.memory.trace_log import TraceLog
from k1sim.simulator import Simulator

MM = "kernels/mm_even_k.xsmt"


def test_programs_are_made_as_they_are_taken():
    ids = programs((3_000_000_000, 1, 1))  # a list of these would need ~300 GB
    assert isinstance(ids, Iterator)
    assert [next(ids) for _ in range(3)] == [(0, 0, 0), (1, 0, 0), (2, 0, 0)]
    assert list(programs((2, 2, 1))) == [(0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0)]


def test_trace_log_keeps_the_first_entries_and_counts_all():
    log = TraceLog(limit=3)
    for i in range(10):
        log.append(i)
    assert list(log) == [0, 1, 2] and log.dropped == 7 and log.total == 10


def _peak_bytes(grid: int) -> int:
    tracemalloc.start()
    Simulator().execute(MM, grid=(grid,), timing_only=True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_stays_flat_as_the_grid_grows(monkeypatch):
    monkeypatch.setattr(trace_log, "TRACE_LIMIT", 100)
    _peak_bytes(8)  # imports and caches out of the way
    small, large = _peak_bytes(40), _peak_bytes(400)
    # Before: contexts, barriers and trace events of every program stayed alive (~10 KB
    # per program here, so 400 programs took several times the memory of 40).
    assert large < small * 1.25 + 200_000


def test_a_capped_trace_says_so_and_totals_stay_exact(monkeypatch):
    full = Simulator().execute(MM, grid=(6,), timing_only=True)
    monkeypatch.setattr(trace_log, "TRACE_LIMIT", 10)
    capped = Simulator().execute(MM, grid=(6,), timing_only=True)
    assert capped.cycles == full.cycles and capped.op_stats == full.op_stats
    assert len(capped.trace) == 10 < len(full.trace)
    assert {n: {k: v for k, v in s.items() if k != "trace"} for n, s in capped.links.items()} \
        == {n: {k: v for k, v in s.items() if k != "trace"} for n, s in full.links.items()}
    notes = [w for w in capped.warnings if w.startswith("the trace keeps the first 10 op")]
    assert notes == [f"the trace keeps the first 10 op events of {len(full.trace):,}; the "
                     "timeline (--trace) ends there, every total counts them all"]
    assert not any("trace keeps" in w for w in full.warnings)
