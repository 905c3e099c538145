"""The pipeline of one hardware thread: a scoreboard, in-order issue, and its units.

Every SSA value has a ready cycle (``ready``). An op issues in program order once its
operands are ready and every unit it occupies can accept it; it holds each unit for that
unit's occupancy, and its result is ready after its own time plus its latency (``Timed``).
Independent ops overlap; only a consumer waits. The front end issues ``width_per_cycle``
ops per cycle, so on a dual-issue X60 / A60 the loop control issues beside a vector or
matrix op. Memory transfers (loads, stores) issue the same way; their result is ready when
their data arrive.

The core keeps its own clock: compute touches nothing shared, so it takes no SimPy event.
``cursor`` is where the next op may issue, ``done`` when everything issued completes; the
thread meets SimPy time only at transfers and at ops that meet other threads.
"""

from __future__ import annotations

from k1sim.cores.units import UNITS

# The ready cycle of a value whose data are still on their way (its event in
# ``InOrderCore.arriving``): later than any cycle, so the latest operand of an op that
# reads one is pending, found with one comparison.
PENDING = float("inf")


class InOrderCore:
    """An in-order core: an op waiting for its operands or a unit holds up every later op."""

    def __init__(self, arch, index: int):
        self.arch = arch
        self.index = index
        self.slot = 1.0 / arch.issue.width_per_cycle   # front-end cycles per op
        self.free = dict.fromkeys(UNITS, 0.0)    # when each unit can take a new op
        self.busy = dict.fromkeys(UNITS, 0.0)    # occupied cycles per unit
        self.ready: dict = {}                    # SSA value -> cycle ready, or PENDING
        self.arriving: dict = {}                 # SSA value -> the event its data arrive by
        self.producer: dict = {}                 # SSA value -> what bound the op making it
        self.cursor = 0.0
        self.done = 0.0
        self.frontier = 0.0                      # the latest end the op stats accounted for

    def operands(self, values) -> tuple[float, str | None, list]:
        """(the cycle the last of ``values`` is ready, what bound the op that made it, the
        events of those still pending: loads whose data have not arrived)."""
        ready, latest, pending = 0.0, None, []
        get = self.ready.get
        for v in values:
            t = get(v)
            if t is None:
                continue
            if t == PENDING:
                pending.append(self.arriving[v])
            elif t > ready:
                ready, latest = t, v
        return ready, (self.producer.get(latest) if latest is not None else None), pending

    def pend(self, value, event, producer: str, env) -> None:
        """``value`` is ready when ``event`` fires (a load's data arriving)."""
        values = (value,)
        self.hold(values, event, producer)
        event.callbacks.append(lambda _event: self.land(values, event, env.now))

    def hold(self, values, event, producer: str) -> None:
        """``values`` wait for ``event``; ``land`` makes them ready when it fires."""
        ready, arriving, made_by = self.ready, self.arriving, self.producer
        for value in values:
            ready[value] = PENDING
            arriving[value] = event
            made_by[value] = producer

    def land(self, values, event, now: float) -> None:
        """``event`` fired at ``now``: each of ``values`` still waiting for it is ready."""
        ready, arriving = self.ready, self.arriving
        for value in values:
            if arriving.get(value) is event:   # not pending on another event since
                del arriving[value]
                if ready.get(value) == PENDING:   # nor made again
                    ready[value] = float(now)

    def copy(self, target, source, env) -> None:
        """``target`` takes ``source``'s ready cycle (a loop-carried or yielded value). A
        load still in flight is waited for through ``target`` too: it gets its own arrival
        callback, so once the data land it holds their cycle."""
        t = self.ready.get(source)
        if t is None:
            return
        if t != PENDING:
            self.ready[target] = t
            self.producer[target] = self.producer.get(source)
        else:
            self.pend(target, self.arriving[source], self.producer.get(source), env)

    def issue(self, timed, deps: float) -> tuple[float, float]:
        """Issue an op with ``timed`` occupancy whose operands are ready at ``deps``;
        returns its issue cycle and the cycles it waited for its operands alone. In
        order: it issues no earlier than ``cursor``, and the next op one front-end slot
        after it."""
        able = self.cursor
        free = self.free
        units = timed.units
        for unit in units:
            if free[unit] > able:
                able = free[unit]
        operand = timed.operand
        if operand and free["lsu"] > able:
            able = free["lsu"]
        start = able if able > deps else deps
        busy = timed.busy
        end = start + busy
        used = self.busy
        for unit in units:
            free[unit] = end
            used[unit] += busy
        if operand:
            free["lsu"] = start + operand
        self.cursor = start + self.slot
        return start, start - able

    def complete(self, end: float) -> None:
        if end > self.done:
            self.done = end

    def resume(self, now: float) -> None:
        """The thread was held (a barrier, a parallel loop's start): nothing issues before
        ``now``."""
        if now > self.cursor:
            self.cursor = now
        if now > self.done:
            self.done = now
        if now > self.frontier:
            self.frontier = now

    def resume_issue(self, now: float) -> None:
        """A store waited for room in the write buffer: an in-order core issues nothing
        after it until it is accepted."""
        if now > self.cursor:
            self.cursor = now
