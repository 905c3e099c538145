"""A stream prefetcher per core: a run of sequential misses earns more lines in flight.

The prefetcher watches where a core's misses start. It tracks up to ``streams``
streams (a copy reads one and writes another), one per allocation, the least recently
used replaced. When a transfer's misses are one run of consecutive lines that begins
where its stream's previous run ended (or up to ``distance_lines`` past it), the
stream gains confidence; after ``train_misses`` such transfers it is trained and keeps
``degree_lines`` extra lines in flight ahead of the stream. A trained stream's transfer
therefore finds its first lines already requested (no latency wait of its own) and
pulls with ``outstanding_misses + degree_lines`` lines in flight instead of the core's
``outstanding_misses`` alone. A strided window (rows with gaps) or a jump elsewhere
resets its stream: no prefetch.
"""

from __future__ import annotations

from collections import OrderedDict


class StreamPrefetcher:
    """One core's stream table; ``lines`` counts the lines served by trained streams."""

    def __init__(self, degree_lines: int, distance_lines: int, train_misses: int,
                 streams: int):
        self.degree_lines = degree_lines
        self.distance_lines = distance_lines
        self.train_misses = train_misses
        self.streams = streams
        self.lines = 0
        self._table: OrderedDict = OrderedDict()   # alloc -> [next line, confidence]

    def observe(self, alloc, footprint) -> bool:
        """Note one transfer's misses; True when a trained stream covers it."""
        if not self.degree_lines:
            return False
        stream = self._table.pop(alloc, None)
        if not footprint.sequential:
            return False                             # strided or scattered: forget it
        follows = (stream is not None
                   and stream[0] <= footprint.first_line <= stream[0] + self.distance_lines)
        confidence = stream[1] + 1 if follows else 0
        self._table[alloc] = [footprint.last_line, confidence]
        if len(self._table) > self.streams:
            self._table.popitem(last=False)
        trained = confidence >= self.train_misses
        if trained:
            self.lines += footprint.lines
        return trained
