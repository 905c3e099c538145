"""The progress line a long run draws on stderr: a bar, programs done, elapsed and ETA."""

from __future__ import annotations

import sys
import time


class Progress:
    """``[####....] done/total programs, 12 s, ETA 40 s`` on one stderr line, redrawn at
    most 10 times a second, from ``delay_s`` into a run on (short runs never show it).
    The ETA assumes the remaining programs take as long as the finished ones did."""

    delay_s = 2.0

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.start = clock()
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        elapsed = now - self.start
        if elapsed < self.delay_s or (now - self.last < 0.1 and done < total):
            return
        self.last, self.shown = now, True
        width = 30
        filled = width * done // total
        eta = elapsed / done * (total - done) if done else 0.0
        sys.stderr.write(f"\rk1sim: [{'#' * filled}{'.' * (width - filled)}] "
                         f"{done:,}/{total:,} programs, {_duration(elapsed)}, "
                         f"ETA {_duration(eta)}\033[K")
        sys.stderr.flush()

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _duration(seconds: float) -> str:
    """4000 -> '1h06m', 95 -> '1m35s', 7.2 -> '7 s'."""
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s} s"
