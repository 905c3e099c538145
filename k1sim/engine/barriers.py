"""Barriers (FORMAT.md 4.4) as SimPy events.

A barrier has a phase bit, starting at ``flag & 1``, and an arrival count,
starting at ``arrive``. Each arrive adds one; when the count reaches
``expect`` it resets to zero and the phase flips, releasing every waiter that
asked for the new phase. ``wait(parity)`` returns at once when the phase already
equals ``parity``. spine-triton's runtime is closed: this is the model every
public kernel agrees with (allocate with flag 0, wait with flag 1).
"""

from __future__ import annotations

from k1sim.functional.errors import FunctionalError


class Barrier:
    __slots__ = ("env", "label", "where", "phase", "count", "expect", "waiters", "released",
                 "__weakref__")

    def __init__(self, env, label: str, where: str, flag: int, arrive: int, expect: int):
        self.env = env
        self.label = label
        self.where = where
        self.phase = int(flag) & 1
        self.count = int(arrive)
        self.expect = int(expect)
        self.waiters: list = []
        self.released = False

    def _check_live(self, what: str) -> None:
        if self.released:
            raise FunctionalError(f"{what} on {self.label} after its mbarrier_release")

    def arrive(self) -> None:
        self._check_live("arrive")
        self.count += 1
        self._maybe_flip()

    def set_expect(self, expect: int) -> None:
        self._check_live("barrier_set_expect")
        self.expect = int(expect)
        self._maybe_flip()

    def _maybe_flip(self) -> None:
        if self.expect > 0 and self.count >= self.expect:
            self.count = 0
            self.phase ^= 1
            still = []
            for parity, event in self.waiters:
                if parity == self.phase:
                    event.succeed()
                else:
                    still.append((parity, event))
            self.waiters = still

    def wait(self, parity: int):
        """None when the phase is already ``parity``, else an event that fires when it is."""
        self._check_live("wait")
        parity = int(parity) & 1
        if self.phase == parity:
            return None
        event = self.env.event()
        self.waiters.append((parity, event))
        return event

    def release(self) -> None:
        self.released = True

    def describe(self) -> str:
        return (f"{self.label} (allocated at {self.where}): phase {self.phase}, "
                f"count {self.count}, expect {self.expect}, {len(self.waiters)} waiting")
