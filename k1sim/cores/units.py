"""An execution unit of a core: busy for each op's issue cycles, plus a fill.

A unit is private to its core, so its time needs no SimPy event of its own: the
core's thread adds it to its clock, and meets other threads only at shared
links and barriers.
"""

from __future__ import annotations


class Unit:
    """A pipelined unit (scalar pipe, RVV, a matrix engine, the load/store path).

    ``occupies`` names the core units an op on this one keeps busy: an IME
    instruction runs on the vector registers and pipeline, so it occupies the
    vector unit too; an attached matrix unit does not.
    """

    occupies: tuple = ()

    def __init__(self, env, cfg, name: str):
        self.env = env
        self.cfg = cfg
        self.name = name
        self.occupies = self.occupies or (name,)
        self.ops = 0.0

    def execute(self, work) -> float:
        """The op's compute time: max(issue-bound, operand-bound) plus a fill."""
        self.ops += sum(work.ops.values())
        return work.cycles(self.cfg)
