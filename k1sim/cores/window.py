"""The windowed out-of-order core (X100): ops issue when ready, within a reorder window.

An approximation of a 4-issue out-of-order pipeline with a ``window_entries``-entry reorder
buffer: ops enter the window in program order, ``width_per_cycle`` per cycle; each issues as
soon as its operands are ready and its units can take it, whatever older ops are still
waiting; and an op cannot enter until the op ``window_entries`` places older has retired
(results retire in order). Each op takes one entry, whatever its instruction count, and a
unit's free time only moves forward (a younger op never fills a gap an older one left):
both are simplifications of a real reorder buffer and scheduler.
"""

from __future__ import annotations

from collections import deque

from k1sim.cores.core import InOrderCore


class WindowedCore(InOrderCore):
    def __init__(self, arch, index: int):
        super().__init__(arch, index)
        self.entries = arch.issue.window_entries
        self.retiring: deque = deque()   # retire cycles of the ops in the window, oldest first
        self.retired = 0.0               # the retire cycle of the youngest op so far

    def issue(self, timed, deps: float) -> tuple[float, float]:
        """Out of order: an op enters the window no earlier than ``cursor`` and, with the
        window full, than the oldest op's retirement; it issues from there as an in-order
        op would, and the next op enters one front-end slot after it entered, whether or
        not it could issue yet."""
        entered = self.cursor
        if len(self.retiring) >= self.entries:
            oldest = self.retiring.popleft()
            if oldest > entered:
                entered = oldest
        self.cursor = entered
        issued = super().issue(timed, deps)
        self.cursor = entered + self.slot
        return issued

    def complete(self, end: float) -> None:
        super().complete(end)
        if end > self.retired:
            self.retired = end
        self.retiring.append(self.retired)
