"""What the timing model records per op: trace events and per-op statistics."""

from __future__ import annotations

from collections import Counter


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
        self.bound = Counter()

    def to_dict(self) -> dict:
        return {"op": self.op, "where": self.where, "count": self.count,
                "cycles": self.cycles, "wait": self.wait,
                "bound": self.bound.most_common(1)[0][0]}


def where(op) -> str:
    return op.python_loc() or (str(op.pos) if op.pos is not None else op.name)
