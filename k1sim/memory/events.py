"""Cheap SimPy events for the memory system's per-transfer paths.

``Arrival(env, due)`` is data coming over a link whose latency overlaps the transfer:
hand ``arrival.moved`` to the transfer's event, and the arrival fires when the bytes
are in, or at ``due`` if they beat the latency (a timeout, then the arrival, the steps
a closure per transfer took).

``join(env, events)`` stands for ``env.all_of(events)`` where nobody reads the value:
it fires in the same step (the one that processes the last of ``events``, or at once
when all have been processed), so every later event keeps its place in SimPy's queue,
but it neither builds a ``ConditionValue`` nor keeps the events. The memory system's
events never fail, so neither does a join.
"""

from __future__ import annotations

from simpy.events import Event


class Join(Event):
    """Fires once every one of its events has been processed (see the module)."""

    def __init__(self, env, events):
        self.env = env               # Event.__init__, inline (as SimPy's Timeout has it)
        self.callbacks = []
        left = 0
        for event in events:
            if event.callbacks is not None:      # not processed yet
                event.callbacks.append(self._one)
                left += 1
        self._left = left
        if not left:
            self.succeed()

    def _one(self, _event) -> None:
        self._left -= 1
        if not self._left:
            self.succeed()


def join(env, events: list):
    """An event for all of ``events``: the one event itself, or a ``Join``."""
    return events[0] if len(events) == 1 else Join(env, events)


class Arrival(Event):
    """Fires when the bytes have moved and ``due`` has come (see the module)."""

    def __init__(self, env, due: float):
        self.env = env               # Event.__init__, inline (as SimPy's Timeout has it)
        self.callbacks = []
        self._due = due

    def moved(self, _event) -> None:
        env = self.env
        if env.now >= self._due:
            self.succeed()
        else:                                   # the bytes beat the latency
            env.timeout(self._due - env.now).callbacks.append(self.trigger)
