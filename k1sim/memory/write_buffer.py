"""A core's write buffer: stores retire into it and drain to L1 behind the thread.

A store is accepted once the buffer has room for it (``entries`` lines); the thread
waits only then. Accepted stores drain one after another at ``drain_bytes_per_cycle``,
and a drain lasts as long as the memory work it carries (a read-for-ownership of the
lines it misses, write-backs of the dirty lines it evicts), so a slow memory below
fills the buffer and the thread feels it. A store larger than the whole buffer is
accepted when all but its last ``entries`` lines have drained at the drain rate.

Stores waiting for room are accepted in order. A store that finds room is accepted at once:
``store`` returns an event that has already fired (no SimPy step). The drain works
through the queue in callbacks, one step per event as a drain process would take (a
store wakes it with an event, each drain ends with a join), without a process to
resume at each.
"""

from __future__ import annotations

from collections import deque

from k1sim.memory.events import Join


class WriteBuffer:
    """One core's buffer; ``stall_cycles`` is the time stores waited for room."""

    def __init__(self, env, entries: int, line_bytes: int, drain_bytes_per_cycle: float):
        self.env = env
        self.capacity_bytes = entries * line_bytes
        self.drain_bytes_per_cycle = drain_bytes_per_cycle
        self.queued_bytes = 0
        self.stall_cycles = 0.0
        self._queue: deque = deque()      # (nbytes, drain, accepted or None) not yet drained
        self._wake = None                 # an idle drain waits for this to fire
        self._waiting: deque = deque()    # (nbytes, drain, accepted, since) without room
        self._idle = None                 # fires when the queue empties
        self._now = env.event()           # an event that has fired: "accepted at once"
        self._now.succeed()
        self._sleep()

    def store(self, nbytes: int, drain) -> object:
        """Queue a store; ``drain()``, called when its turn to drain comes, does the
        memory work after the buffer and returns the events that work waits for.
        Returns the event of the store's acceptance."""
        if not self._waiting and self.queued_bytes + nbytes <= self.capacity_bytes:
            self._enqueue(nbytes, drain, None)
            return self._now
        accepted = self.env.event()
        self._waiting.append((nbytes, drain, accepted, self.env.now))
        self._admit()
        return accepted

    def idle(self):
        """An event that fires once every store so far has drained."""
        if not self._queue and not self._waiting:
            return self._now
        if self._idle is None:
            self._idle = self.env.event()
        return self._idle

    def _enqueue(self, nbytes, drain, accepted) -> None:
        self.queued_bytes += nbytes
        self._queue.append((nbytes, drain, accepted, self.env.now))
        if self._wake is not None:
            wake, self._wake = self._wake, None
            wake.succeed()

    def _admit(self) -> None:
        """Let waiting stores in, in order, while they fit (one larger than the whole
        buffer enters an empty buffer and is accepted as it drains)."""
        while self._waiting:
            nbytes, drain, accepted, since = self._waiting[0]
            if self.queued_bytes + nbytes <= self.capacity_bytes:
                self._waiting.popleft()
                self._enqueue(nbytes, drain, None)
                self._accept(accepted, since)
            elif self.queued_bytes == 0:
                self._waiting.popleft()
                self._enqueue(nbytes, drain, accepted)
            else:
                return

    def _accept(self, accepted, since) -> None:
        self.stall_cycles += self.env.now - since
        accepted.succeed()

    def _sleep(self) -> None:
        """The queue is empty: tell ``idle`` waiters, and wait for a store."""
        if self._idle is not None:
            idle, self._idle = self._idle, None
            idle.succeed()
        self._wake = wake = self.env.event()
        wake.callbacks.append(self._next)

    def _next(self, _event=None) -> None:
        """Drain the oldest store: its bytes at the drain rate, and its memory work."""
        env, rate = self.env, self.drain_bytes_per_cycle
        nbytes, drain, accepted, since = self._queue[0]
        if accepted is not None:                        # larger than the buffer
            excess = (nbytes - self.capacity_bytes) / rate
            env.timeout(excess).callbacks.append(
                lambda _e, a=accepted, s=since: self._accept(a, s))
        Join(env, [env.timeout(nbytes / rate), *drain()]).callbacks.append(self._drained)

    def _drained(self, _event) -> None:
        nbytes = self._queue.popleft()[0]
        self.queued_bytes -= nbytes
        self._admit()
        if self._queue:
            self._next()
        else:
            self._sleep()
