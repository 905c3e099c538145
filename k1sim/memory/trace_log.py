"""A trace that keeps its first entries: a run's timeline costs bounded memory.

A grid of a million programs executes tens of millions of ops; recording each as a
trace event would make memory grow with the grid. A ``TraceLog`` keeps the first
``TRACE_LIMIT`` entries (ample for the timeline a person opens in Perfetto) and only
counts the rest, so the statistics built from counters stay exact and the run can say
how much of its timeline was left out.
"""

from __future__ import annotations

#: entries a trace keeps; about 100-300 bytes each
TRACE_LIMIT = 200_000


_store = list.append      # without super(): this runs for every op and transfer


class TraceLog(list):
    """A list whose ``append`` stops storing after ``limit`` entries; ``dropped``
    counts the ones not kept, ``total`` all that were appended."""

    def __init__(self, limit: int | None = None):
        super().__init__()
        self.limit = TRACE_LIMIT if limit is None else limit
        self.dropped = 0

    def append(self, item) -> None:
        if len(self) < self.limit:
            _store(self, item)
        else:
            self.dropped += 1

    @property
    def total(self) -> int:
        return len(self) + self.dropped
