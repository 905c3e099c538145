"""A core's write buffer: stores retire into it and drain to L1 behind the thread.

A store is accepted once the buffer has room for it (``entries`` lines); the thread
waits only then. Accepted stores drain one after another at ``drain_bytes_per_cycle``,
and a drain lasts as long as the memory work it carries (a read-for-ownership of the
lines it misses, write-backs of the dirty lines it evicts), so a slow memory below
fills the buffer and the thread feels it. A store larger than the whole buffer is
accepted when all but its last ``entries`` lines have drained at the drain rate.

A core's thread waits for each store's acceptance before it issues the next, so at
most one store per core waits for room.
"""

from __future__ import annotations


class WriteBuffer:
    """One core's buffer; ``stall_cycles`` is the time stores waited for room."""

    def __init__(self, env, entries: int, line_bytes: int, drain_bytes_per_cycle: float):
        self.env = env
        self.capacity_bytes = entries * line_bytes
        self.drain_bytes_per_cycle = drain_bytes_per_cycle
        self.queued_bytes = 0
        self.stall_cycles = 0.0
        self._drained = env.event()     # fires (and is re-armed) whenever a drain ends
        self._tail = None               # the last accepted store's drain

    def store(self, nbytes: int, drain) -> object:
        """Queue a store; ``drain()``, called when its turn to drain comes, does the
        memory work after the buffer and returns the events that work waits for.
        Returns the event of the store's acceptance."""
        accepted = self.env.event()
        accepted.callbacks.append(self._stalled(self.env.now))
        self.env.process(self._run(nbytes, drain, accepted))
        return accepted

    def idle(self):
        """An event that fires once every store so far has drained."""
        return self._tail if self._tail is not None else self.env.timeout(0)

    def _stalled(self, t0):
        def note(_event):
            self.stall_cycles += self.env.now - t0
        return note

    def _run(self, nbytes, drain, accepted):
        room = min(nbytes, self.capacity_bytes)
        while self.queued_bytes and self.queued_bytes + room > self.capacity_bytes:
            yield self._drained
        self.queued_bytes += nbytes
        previous, mine = self._tail, self.env.event()
        self._tail = mine
        if nbytes <= self.capacity_bytes:
            accepted.succeed()
        if previous is not None and not previous.processed:
            yield previous
        if not accepted.triggered:                  # larger than the buffer
            excess = (nbytes - self.capacity_bytes) / self.drain_bytes_per_cycle
            self.env.timeout(excess).callbacks.append(lambda _e: accepted.succeed())
        yield self.env.all_of([self.env.timeout(nbytes / self.drain_bytes_per_cycle),
                               *drain()])
        self.queued_bytes -= nbytes
        mine.succeed()
        drained, self._drained = self._drained, self.env.event()
        drained.succeed()
        if self._tail is mine:
            self._tail = None
