"""Structured control flow for ``Kernel``: ``scf.for`` and ``scf.if`` as ``with`` blocks.

A loop is ``with k.range(lb, ub, step, iter_args=[...]) as loop:``; inside,
``loop.iv`` and ``loop.args`` are the induction variable and the carried
values, and the body ends with ``k.yield_(...)`` giving the next ones;
``loop.results`` exist after the block. ``k.parallel`` is ``smt.parallel``.
``with k.if_(cond) as br:`` builds the then branch; ``with br.else_():``
directly after it the else branch. An ``scf.if`` is verified once no else
can follow (the next op, the end of the enclosing block, or ``br.results``).
"""

from __future__ import annotations

import itertools
import sys

from k1sim.errors import BuildError
from k1sim.ir import attrs as A
from k1sim.ir import types as T
from k1sim.ir.core import Block, FileLoc, Operation, Region, Value


def caller_loc() -> FileLoc:
    """The user's Python file:line:col that called into the builder."""
    f = sys._getframe(1)
    while f.f_back is not None and f.f_globals.get("__name__", "").startswith("k1sim.ir.builder"):
        f = f.f_back
    col = 0
    positions = getattr(f.f_code, "co_positions", None)
    if positions is not None:
        pos = next(itertools.islice(positions(), f.f_lasti // 2, None), None)
        col = (pos[2] or 0) if pos else 0
    return FileLoc(f.f_code.co_filename, f.f_lineno, col)


class FlowOps:
    """Loops and conditionals; the insertion point is the innermost open block."""

    def range(self, lb, ub, step=1, iter_args=()) -> "Loop":
        """``scf.for``: ``with k.range(0, n, iter_args=[acc]) as loop:``."""
        return Loop(self, lb, ub, step, list(iter_args), {})

    def parallel(self, lb, ub, step=1) -> "Loop":
        """``smt.parallel``: ``scf.for … {bind_sub_block = true}`` over the stream's threads."""
        return Loop(self, lb, ub, step, [], {"bind_sub_block": A.BoolAttr(True)})

    def if_(self, cond) -> "If":
        """``scf.if``: ``with k.if_(c) as br:`` then ``with br.else_():`` right after."""
        return If(self, cond)

    def yield_(self, *values) -> None:
        """``scf.yield`` ending a loop body or an if branch."""
        vals = [self.value(v) for v in values]
        op = self.op("scf.yield", vals)
        if not vals:
            op.loc = None  # printed elided, so a location could not survive a round trip

    def push(self, block: Block) -> None:
        self.close_if()
        self.blocks.append(block)

    def pop(self) -> Block:
        self.close_if()
        return self.blocks.pop()

    def close_if(self) -> None:
        """Verify a finished ``scf.if`` once no else branch can follow it."""
        pending, self._open_if = self._open_if, None
        if pending is not None:
            self.check(pending.op, pending.where)


class Loop:
    """An ``scf.for`` being built; ``iv``/``args`` inside, ``results`` after."""

    def __init__(self, k: FlowOps, lb, ub, step, inits: list, attrs: dict):
        self.k = k
        bound = next((v.type for v in (lb, ub, step) if isinstance(v, Value)), T.i32)
        self.bounds = [k.to_int(v, bound) for v in (lb, ub, step)]
        self.inits = [k.value(v) for v in inits]
        self.attrs = attrs
        self.loc = k.builder.loc()
        self.block = Block([Value(bound)] + [Value(v.type) for v in self.inits])
        self.op: Operation | None = None

    @property
    def iv(self) -> Value:
        return self.block.args[0]

    @property
    def args(self) -> list[Value]:
        return self.block.args[1:]

    @property
    def results(self) -> list[Value]:
        if self.op is None:
            raise BuildError("a loop's results exist after its 'with' block")
        return self.op.results

    @property
    def result(self) -> Value:
        return self.results[0]

    def __enter__(self) -> "Loop":
        self.k.push(self.block)
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.k.pop()
        if exc_type is not None:
            return False
        last = self.block.terminator
        if self.inits and (last is None or last.name != "scf.yield"):
            raise BuildError("a loop with iter_args must end its body with k.yield_(...) "
                             f"giving {len(self.inits)} value(s)")
        self.op = self.k.op("scf.for", self.bounds + self.inits, [v.type for v in self.inits],
                            attrs=self.attrs, regions=[Region([self.block])])
        self.op.loc = self.loc
        return False


class If:
    """An ``scf.if`` being built; verified when its else branch ends or cannot follow."""

    def __init__(self, k: FlowOps, cond):
        self.k = k
        self.cond = k.value(cond)
        self.where = caller_loc()  # verification may come later, from another line
        self.loc = self.where if k.builder.locations else None
        self.op: Operation | None = None

    def __enter__(self) -> "If":
        self.k.push(Block())
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        then = self.k.pop()
        if exc_type is not None:
            return False
        last = then.terminator
        types = [v.type for v in last.operands] if last and last.name == "scf.yield" else []
        self.op = Operation("scf.if", [self.cond], types, regions=[Region([then])], loc=self.loc)
        self.k.blocks[-1].append(self.op)
        self.k._open_if = self
        return False

    def else_(self) -> "_Else":
        """The else branch: ``with br.else_():`` directly after the then block."""
        if self.k._open_if is not self:
            raise BuildError("else_() must directly follow its if_ block")
        return _Else(self)

    @property
    def results(self) -> list[Value]:
        if self.op is None:
            raise BuildError("an if's results exist after its 'with' block")
        if self.k._open_if is self:
            self.k.close_if()
        return self.op.results

    @property
    def result(self) -> Value:
        return self.results[0]


class _Else:
    def __init__(self, branch: If):
        self.branch = branch

    def __enter__(self) -> None:
        k = self.branch.k
        k._open_if = None
        k.blocks.append(Block())

    def __exit__(self, exc_type, exc, tb) -> bool:
        k, op = self.branch.k, self.branch.op
        block = k.pop()
        if exc_type is not None:
            return False
        region = Region([block])
        region.parent = op
        op.regions.append(region)
        k.check(op, self.branch.where)
        return False
