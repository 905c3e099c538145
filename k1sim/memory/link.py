"""A shared bandwidth link with processor sharing (fair share, not first come first served).

An L2 port, a DRAM channel or a scratchpad port moves bytes for every requester at
once: with n transfers in flight each progresses at ``bytes_per_cycle / n``. A
requester can be slower than its share on its own: a core with a few outstanding
misses cannot pull more than ``misses * line / latency`` from DRAM however idle the
channel is. That limit is the transfer's ``cap``; whatever a capped transfer leaves
unused is split among the others (max-min fairness, "water filling"). Transfers of one
``owner`` share its cap (a core's misses in flight serve all its requests).

The link is event-driven: on every arrival and departure it advances each transfer's
progress to now, recomputes the rates and schedules one wake-up at the earliest finish.
A superseded wake-up is recognised by its version and ignored, so the cost is O(1)
events per arrival or departure and never one per cycle.
"""

from __future__ import annotations

import math

from k1sim.memory.trace_log import TraceLog

# A transfer left with less than this fraction of its bytes when another finishes is
# finishing at the same instant (float rounding), not a separate event.
_SAME_INSTANT = 1e-9


class _Flow:
    """One transfer in flight."""

    __slots__ = ("nbytes", "remaining", "cap", "owner", "start", "rate", "done")

    def __init__(self, nbytes, cap, owner, start, done):
        self.nbytes = nbytes
        self.remaining = float(nbytes)
        self.cap = cap
        self.owner = owner
        self.start = start
        self.rate = 0.0
        self.done = done


class FairShareLink:
    """Processor-sharing bandwidth of ``bytes_per_cycle``, shared by concurrent transfers.

    Records ``bytes`` moved, ``busy_cycles`` (time with at least one transfer in flight),
    ``saturated_cycles`` (the part of it the transfers used the whole bandwidth; the rest
    of the busy time every transfer ran at its cap: latency, not bandwidth, held it)
    and ``trace``: one ``(start, end, nbytes, owner)`` per finished transfer.
    """

    def __init__(self, env, bytes_per_cycle: float, name: str):
        if not bytes_per_cycle > 0:
            raise ValueError(f"link {name!r}: bytes_per_cycle must be > 0, got {bytes_per_cycle}")
        self.env = env
        self.bytes_per_cycle = float(bytes_per_cycle)
        self.name = name
        self.bytes = 0
        self.busy_cycles = 0.0
        self.saturated_cycles = 0.0
        self._saturated = False          # the transfers in flight use the whole bandwidth
        self.trace: TraceLog = TraceLog()  # (start, end, nbytes, owner); the first ones
        self.rates: TraceLog = TraceLog()  # (cycle, aggregate bytes/cycle) at each change
        self._active: list[_Flow] = []   # arrival order, so ties resolve the same every run
        self._last = env.now
        self._version = 0
        self._target: _Flow | None = None

    def transfer(self, nbytes: int, cap: float | None = None, owner=None):
        """Move ``nbytes`` (``yield from``); returns when the last byte has arrived."""
        if nbytes > 0:
            yield self.start(nbytes, cap, owner)

    def start(self, nbytes: int, cap: float | None = None, owner=None):
        """Start moving ``nbytes`` now; returns the event of the last byte's arrival.

        ``cap`` (bytes/cycle) bounds this transfer's rate, shared with the owner's other
        capped transfers; None = only the fair share bounds it.
        """
        if nbytes <= 0:
            return self.env.timeout(0)
        if cap is not None and not cap > 0:
            raise ValueError(f"link {self.name!r}: cap must be > 0, got {cap}")
        self._advance()
        flow = _Flow(nbytes, cap, owner, self.env.now, self.env.event())
        self._active.append(flow)
        self._reschedule()
        return flow.done

    def stats(self) -> dict:
        return {"bytes": self.bytes, "busy_cycles": self.busy_cycles,
                "saturated_cycles": self.saturated_cycles, "transfers": self.trace.total,
                "bw_bytes_per_cycle": self.bytes_per_cycle}

    def _advance(self) -> None:
        """Credit every transfer with the bytes it moved since the last change."""
        now = self.env.now
        dt = now - self._last
        if dt > 0 and self._active:
            self.busy_cycles += dt
            if self._saturated:
                self.saturated_cycles += dt
            for flow in self._active:
                flow.remaining -= flow.rate * dt
        self._last = now

    def _assign_rates(self) -> None:
        """Max-min fair rates: visit transfers from the tightest cap up; each takes
        the smaller of its cap and an equal split of what is left."""
        active = self._active
        left, n_left = self.bytes_per_cycle, len(active)
        if all(f.cap is None for f in active):
            for f in active:        # no caps: every limit is inf, visited in arrival order
                f.rate = rate = left / n_left
                left -= rate
                n_left -= 1
            return
        capped: dict = {}
        for f in active:
            if f.cap is not None and f.owner is not None:
                capped[f.owner] = capped.get(f.owner, 0) + 1
        limits = [math.inf if f.cap is None
                  else f.cap / capped[f.owner] if f.owner is not None else f.cap
                  for f in active]
        for i in sorted(range(n_left), key=limits.__getitem__):   # stable: ties by arrival
            rate = min(limits[i], left / n_left)
            active[i].rate = rate
            left -= rate
            n_left -= 1

    def _reschedule(self) -> None:
        """Recompute the rates and arm one wake-up at the earliest finish."""
        self._version += 1
        active = self._active
        if not active:
            self._target = None
            self._saturated = False
            self._note_rate(0.0)
            return
        self._assign_rates()
        rate = sum(f.rate for f in active)
        self._saturated = rate >= self.bytes_per_cycle * (1 - _SAME_INSTANT)
        self._note_rate(rate)
        target, soonest = None, 0.0
        for f in active:             # the first of the earliest finishes, as min() picks
            finish = f.remaining / f.rate
            if target is None or finish < soonest:
                target, soonest = f, finish
        self._target = target
        wake = self.env.timeout(max(soonest, 0.0))
        version = self._version
        wake.callbacks.append(lambda _event: self._wake(version))

    def _note_rate(self, rate: float) -> None:
        """Keep the link's aggregate rate where it changes (the timeline's counter)."""
        now = self.env.now
        if self.rates and self.rates[-1][0] == now:
            self.rates[-1] = (now, rate)
        elif not self.rates or self.rates[-1][1] != rate:
            self.rates.append((now, rate))

    def _wake(self, version: int) -> None:
        if version != self._version:
            return                                  # superseded by a later arrival/departure
        self._advance()
        self._target.remaining = 0.0
        finished, going = [], []
        for f in self._active:
            (going if f.remaining > _SAME_INSTANT * f.nbytes else finished).append(f)
        self._active = going
        now = self.env.now
        for flow in finished:
            self.bytes += flow.nbytes
            self.trace.append((flow.start, now, flow.nbytes, flow.owner))
            flow.done.succeed()
        self._reschedule()
