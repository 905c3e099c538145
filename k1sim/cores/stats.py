"""What the timing model records per op: trace events and per-op statistics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence


class TraceEvent(tuple):
    """One ``RunResult.trace`` entry: the tuple ``(thread, unit, op, where, start, end)``
    (unit ``"sync"`` for a barrier wait; start is the op's issue cycle and end the cycle its
    result is ready or its transfer done), plus ``args``, what the op did, for the timeline:
    ``engine``, ``bound`` (what limited the op, as in ``op_stats``), ``bytes`` moved beyond
    L1, ``reg_bytes`` between registers and L1, ``ops`` by dtype (a MAC = 2) and ``shapes``
    (operand -> result types); empty for a wait. The args ride outside the tuple, so
    unpacking and equality see six fields."""

    def __new__(cls, fields: tuple, args: dict):
        event = super().__new__(cls, fields)
        event.args = args
        return event

    def __getnewargs__(self):
        return tuple(self), self.args


class TraceEvents(Sequence):
    """``RunResult.trace``: the run's trace rows (plain tuples, as the timing model kept
    them), each made a ``TraceEvent`` when it is read. Most runs never read their trace,
    and building a TraceEvent per op took about a tenth of a timing-only run. It reads
    like the list of events it stands for: indexing, slicing (a list), iteration, ``len``,
    equality with another trace or a list; it pickles as that list."""

    __slots__ = ("_rows", "_plans")

    def __init__(self, rows: list, plans: list):
        self._rows = rows        # (thread, plan index, start, end, bound, bytes) or a wait's
        self._plans = plans      # the op plans the rows name by index

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._event(row) for row in self._rows[i]]
        return self._event(self._rows[i])

    def __iter__(self):
        return map(self._event, self._rows)

    def __eq__(self, other) -> bool:
        if isinstance(other, (TraceEvents, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return repr(list(self))

    def __reduce__(self):
        return list, (list(self),)

    def _event(self, row: tuple) -> TraceEvent:
        if row[1] is None:                      # a barrier wait
            thread, _, start, end, name, at = row
            return TraceEvent((thread, "sync", name, at, start, end), {})
        thread, index, start, shown, bound, moved = row
        plan = self._plans[index]
        work, stats = plan.work, plan.stats
        return TraceEvent((thread, work.unit, stats.op, stats.where, start, shown),
                          {"engine": work.engine, "bound": bound, "bytes": moved,
                           "reg_bytes": plan.timed.reg_bytes, "ops": work.ops,
                           "shapes": stats.shapes})


class OpStats:
    """One op (by source location) over the run: how often it ran, the thread cycles it
    accounts for (``cycles``: how far each run moved its thread's latest end, so ops that
    overlap others add little), the cycles it waited for operands (``wait``), and what
    bound it, by count."""

    __slots__ = ("op", "where", "shapes", "count", "cycles", "wait", "bound")

    def __init__(self, op, where: str, name: str):
        self.op = name
        self.where = where
        self.shapes = (", ".join(str(v.type) for v in op.operands) + " -> "
                       + ", ".join(str(v.type) for v in op.results))
        self.count = 0
        self.cycles = 0.0
        self.wait = 0.0
        # a defaultdict, not a Counter: Counter defines __delitem__ in Python, which makes
        # every ``bound[key] += 1`` store a Python-level call (once per executed op)
        self.bound = defaultdict(int)

    def to_dict(self) -> dict:
        return {"op": self.op, "where": self.where, "count": self.count,
                "cycles": self.cycles, "wait": self.wait,
                "bound": max(self.bound, key=self.bound.get)}   # the first most common


def where(op) -> str:
    return op.python_loc() or (str(op.pos) if op.pos is not None else op.name)
