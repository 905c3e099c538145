"""The progress line a long run draws on a terminal's stderr."""

from __future__ import annotations

import sys
import time


class Progress:
    """``programs done/total`` on one stderr line, redrawn at most 10 times a second,
    from the first second of a run on (short runs never show it)."""

    delay_s = 1.0

    def __init__(self):
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.start < self.delay_s or (now - self.last < 0.1 and done < total):
            return
        self.last, self.shown = now, True
        width = 30
        filled = width * done // total
        sys.stderr.write(f"\rk1sim: [{'#' * filled}{'.' * (width - filled)}] "
                         f"{done}/{total} programs")
        sys.stderr.flush()

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
