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
A superseded wake-up is recognised (not the one in force) and ignored, so the cost is O(1)
events per arrival or departure and never one per cycle.
"""

from __future__ import annotations

import math
from operator import attrgetter

from k1sim.memory.trace_log import TraceLog

# A transfer left with less than this fraction of its bytes when another finishes is
# finishing at the same instant (float rounding), not a separate event.
_SAME_INSTANT = 1e-9


class _Flow:
    """One transfer in flight."""

    __slots__ = ("nbytes", "remaining", "cap", "owner", "start", "rate", "limit", "done")

    def __init__(self, nbytes, cap, owner, start, done):
        self.nbytes = nbytes
        self.remaining = float(nbytes)
        self.cap = cap
        self.owner = owner
        self.start = start
        self.rate = 0.0
        self.limit = math.inf        # its cap's share, while capped transfers are in flight
        self.done = done


_BY_LIMIT = attrgetter("limit")


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
        self._whole = self.bytes_per_cycle * (1 - _SAME_INSTANT)   # a rate that uses it all
        self.trace: TraceLog = TraceLog()  # (start, end, nbytes, owner); the first ones
        self.rates: TraceLog = TraceLog()  # (cycle, aggregate bytes/cycle) at each change
        self._active: list[_Flow] = []   # arrival order, so ties resolve the same every run
        self._n_capped = 0               # transfers in flight with a cap
        self._capped: dict = {}          # owner -> its capped transfers in flight
        self._last = env.now
        self._wake_at = None             # the wake-up in force; earlier ones are stale
        self._target: _Flow | None = None
        self._unsettled = False          # transfers added since the last sharing

    def transfer(self, nbytes: int, cap: float | None = None, owner=None):
        """Move ``nbytes`` (``yield from``); returns when the last byte has arrived."""
        if nbytes > 0:
            yield self.start(nbytes, cap, owner)

    def start(self, nbytes: int, cap: float | None = None, owner=None):
        """Start moving ``nbytes`` now; returns the event of the last byte's arrival.

        ``cap`` (bytes/cycle) bounds this transfer's rate, shared with the owner's other
        capped transfers; None = only the fair share bounds it.
        """
        done = self.add(nbytes, cap, owner)
        self.settle()
        return done

    def add(self, nbytes: int, cap: float | None = None, owner=None):
        """``start`` without sharing the bandwidth anew: several transfers that start at
        one instant (one request's fill and write-backs) are shared out once, by
        ``settle``, which must follow before the caller yields. The shares, finishes and
        records are those of starting them one by one: the shares in between were never
        in force (no time passes) and their wake-ups would have been superseded."""
        if nbytes <= 0:
            return self.env.timeout(0)
        if cap is not None:
            if not cap > 0:
                raise ValueError(f"link {self.name!r}: cap must be > 0, got {cap}")
            self._n_capped += 1
            if owner is not None:
                self._capped[owner] = self._capped.get(owner, 0) + 1
        env = self.env
        now = env.now
        if now != self._last:                # the bytes moved since the last change
            self._advance(now)
        flow = _Flow(nbytes, cap, owner, now, env.event())
        self._active.append(flow)
        self._unsettled = True
        return flow.done

    def settle(self) -> None:
        """Share the bandwidth among the transfers ``add`` started (see there)."""
        if self._unsettled:
            self._unsettled = False
            self._reschedule()

    def stats(self) -> dict:
        return {"bytes": self.bytes, "busy_cycles": self.busy_cycles,
                "saturated_cycles": self.saturated_cycles, "transfers": self.trace.total,
                "bw_bytes_per_cycle": self.bytes_per_cycle}

    def _advance(self, now: float) -> None:
        """Credit every transfer with the bytes it moved since the last change."""
        dt = now - self._last
        if dt > 0 and self._active:
            self.busy_cycles += dt
            if self._saturated:
                self.saturated_cycles += dt
            for flow in self._active:
                flow.remaining -= flow.rate * dt
        self._last = now

    def _assign_rates(self) -> None:
        """Max-min fair rates: visit transfers from the tightest cap up (ties in arrival
        order); each takes the smaller of its cap and an equal split of what is left. A
        cap is shared by its owner's capped transfers. (Without caps every transfer
        takes an equal split: ``_reschedule`` does that in its own pass.)"""
        active = self._active
        left, n_left = self.bytes_per_cycle, len(active)
        capped = self._capped
        for f in active:
            cap = f.cap
            if cap is not None:
                f.limit = cap / capped[f.owner] if f.owner is not None else cap
        for f in sorted(active, key=_BY_LIMIT):
            share = left / n_left
            limit = f.limit
            f.rate = rate = share if share < limit else limit
            left -= rate
            n_left -= 1

    def _reschedule(self) -> None:
        """Recompute the rates and arm one wake-up at the earliest finish."""
        active = self._active
        if not active:
            self._wake_at = None
            self._target = None
            self._saturated = False
            self._note_rate(0.0)
            return
        rate, target, soonest = 0.0, None, 0.0
        if self._n_capped:
            self._assign_rates()
            for f in active:         # arrival order: the sum and the first earliest finish
                rate += f.rate
                finish = f.remaining / f.rate
                if target is None or finish < soonest:
                    target, soonest = f, finish
        else:                        # equal splits, assigned and summed in arrival order
            left, n_left = self.bytes_per_cycle, len(active)
            for f in active:
                f.rate = share = left / n_left
                left -= share
                n_left -= 1
                rate += share
                finish = f.remaining / share
                if target is None or finish < soonest:
                    target, soonest = f, finish
        self._saturated = rate >= self._whole
        self._note_rate(rate)
        self._target = target
        self._wake_at = wake = self.env.timeout(soonest if soonest > 0.0 else 0.0)
        wake.callbacks.append(self._wake)

    def _note_rate(self, rate: float) -> None:
        """Keep the link's aggregate rate where it changes (the timeline's counter). Of
        several changes at one instant the last holds; one that ends where the rate was
        before the instant is no change."""
        now, rates = self.env.now, self.rates
        if rates and rates[-1][0] == now:
            if len(rates) > 1 and rates[-2][1] == rate and not rates.dropped:
                rates.pop()
            else:
                rates[-1] = (now, rate)
        elif not rates or rates[-1][1] != rate:
            rates.append((now, rate))

    def _wake(self, wake) -> None:
        if wake is not self._wake_at:
            return                                  # superseded by a later arrival/departure
        now = self.env.now
        self._advance(now)
        self._target.remaining = 0.0
        finished, going = [], []
        for f in self._active:
            (going if f.remaining > _SAME_INSTANT * f.nbytes else finished).append(f)
        self._active = going
        for flow in finished:
            if flow.cap is not None:
                self._n_capped -= 1
                if flow.owner is not None:
                    self._capped[flow.owner] -= 1
            self.bytes += flow.nbytes
            self.trace.append((flow.start, now, flow.nbytes, flow.owner))
            flow.done.succeed()
        self._reschedule()
