"""An execution unit of a core: busy for each op's issue cycles, plus a fill."""

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

    def execute(self, work):
        """Let the op's compute time pass: max(issue-bound, operand-bound) plus a fill."""
        self.ops += sum(work.ops.values())
        cycles = work.cycles(self.cfg)
        if cycles > 0:
            yield self.env.timeout(cycles)
