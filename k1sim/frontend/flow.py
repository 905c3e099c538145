"""Control flow as Triton's code generator lowers it.

* ``if`` on a compile-time value: only the taken branch is walked.
* ``if`` on a runtime scalar: ``scf.if``; the names both branches leave bound
  (and that one of them changed) are yielded and rebound to its results.
* ``for`` over ``range``/``tl.range``: ``scf.for``; the names assigned in the body
  that were bound before the loop are its loop-carried values (found from the
  body's assignments, as Triton compares the names bound before and after).
  ``smt.parallel`` is the parallel loop (``bind_sub_block``); it carries nothing.
* ``tl.static_range`` is unrolled; ``while`` runs only on compile-time conditions.
"""

from __future__ import annotations

import ast

from k1sim.frontend import dtypes as D
from k1sim.frontend import semantic as S
from k1sim.frontend.builtins import need_int, unwrap
from k1sim.frontend.errors import UnsupportedError
from k1sim.frontend.language import range as tl_range
from k1sim.frontend.language import static_range
from k1sim.frontend.tensor import Tensor
from k1sim.ir.core import Block, Operation, Region

_UNROLL_LIMIT = 100_000
_MISSING = object()
_CARRIABLE = (Tensor, bool, int, float)


def assigned_names(stmts) -> list[str]:
    """Names a statement list binds (in order of first binding), nested blocks included."""
    seen: dict = {}
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                seen.setdefault(node.id, None)
    return list(seen)


class FlowVisitor(ast.NodeVisitor):
    # -- if ---------------------------------------------------------------
    def visit_If(self, node):
        cond = unwrap(self.visit(node.test))
        if not isinstance(cond, Tensor):
            self.visit_block(node.body if cond else node.orelse)
            return
        if cond.shape:
            raise UnsupportedError(f"'if' on a tensor of shape {list(cond.shape)}: a runtime "
                                   "if needs a scalar; use tl.where for elementwise choice")
        cond = S.as_condition(self, cond)
        before = self.scope
        then_block, then_scope = self._branch(node.body, before)
        else_block, else_scope = self._branch(node.orelse, before)
        names, then_vals, else_vals = [], [], []
        merged = dict(before)
        for name, a in then_scope.items():
            b = else_scope.get(name, _MISSING)
            if b is _MISSING:
                continue  # bound in one branch only: not visible after the if (as Triton)
            if a is b or (type(a) is type(b) and not isinstance(a, Tensor) and a == b):
                merged[name] = a
                continue
            if not (isinstance(a, _CARRIABLE) and isinstance(b, _CARRIABLE)):
                raise UnsupportedError(f"'{name}' is bound to different non-tensor values in "
                                       "the two branches of a runtime if")
            names.append(name)
            then_vals.append(a)
            else_vals.append(b)
        then_out, else_out = self._agree(names, then_vals, else_vals, then_block, else_block)
        for block, outs in ((then_block, then_out), (else_block, else_out)):
            if outs:
                self.k.push(block)
                self.k.op("scf.yield", [t.handle for t in outs])
                self.k.pop()
        regions = [Region([then_block])]
        if node.orelse or then_out:
            regions.append(Region([else_block]))
        op = Operation("scf.if", [cond.handle], [t.handle.type for t in then_out],
                       regions=regions, loc=self.loc())
        self.k.blocks[-1].append(op)
        self.k.check(op)
        for name, t, r in zip(names, then_out, op.results):
            merged[name] = S.wrap(self, r, t.dtype)
        self.scope = merged

    def _branch(self, stmts, before: dict):
        block = Block()
        self.k.push(block)
        self.scope = dict(before)
        self.depth += 1
        try:
            self.visit_block(stmts)
        finally:
            self.depth -= 1
            self.k.pop()
        scope, self.scope = self.scope, before
        return block, scope

    def _agree(self, names, then_vals, else_vals, then_block, else_block):
        """The yielded values of both branches as tensors of one type, made in their block."""
        then_out, else_out = [], []
        for name, a, b in zip(names, then_vals, else_vals):
            like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
            if like is None:
                like = S.to_tensor(self, a if isinstance(a, float) else b)
            for v, block, out in ((a, then_block, then_out), (b, else_block, else_out)):
                self.k.push(block)
                try:
                    out.append(self._like(name, v, like, "in one branch of an if"))
                finally:
                    self.k.pop()
        return then_out, else_out

    def _like(self, name: str, v, like: Tensor, where: str) -> Tensor:
        if not isinstance(v, Tensor):
            return S.to_tensor(self, v, like.dtype, like.shape or None)
        if v.dtype != like.dtype or v.shape != like.shape:
            raise UnsupportedError(f"'{name}' is {S.describe(like)} and {S.describe(v)} "
                                   f"{where}; cast it (.to(...)) so both agree")
        return v

    # -- for --------------------------------------------------------------
    def visit_For(self, node):
        it = self.visit(node.iter)
        if node.orelse:
            raise UnsupportedError("'for ... else' is not supported in a kernel")
        if not isinstance(node.target, ast.Name):
            raise UnsupportedError("a kernel loop binds one name (for i in range(...))")
        if isinstance(it, static_range):
            return self._unroll(node, it)
        if not isinstance(it, tl_range):
            raise UnsupportedError(f"a kernel loops over range, tl.range, tl.static_range or "
                                   f"smt.parallel, not {S.describe(it)}")
        parallel = getattr(it, "bind_sub_block", False)
        bounds = [unwrap(x) for x in (it.start, it.end, it.step)]
        for b in bounds:
            if isinstance(b, Tensor) and (b.shape or not b.dtype.is_int()):
                raise UnsupportedError(f"loop bounds are integer scalars, got {S.describe(b)}")
        handles = [b.handle if isinstance(b, Tensor) else need_int(b, "a bound", "range")
                   for b in bounds]
        before = self.scope
        target = node.target.id
        carried = [n for n in assigned_names(node.body)
                   if n != target and isinstance(before.get(n, _MISSING), _CARRIABLE)]
        if parallel and carried:
            raise UnsupportedError(f"smt.parallel iterations run concurrently and cannot carry "
                                   f"values: {', '.join(carried)} bound before the loop "
                                   "and assigned in it; use new names inside the loop")
        inits = [S.to_tensor(self, before[n]) for n in carried]
        loop = (self.k.parallel(*handles) if parallel
                else self.k.range(*handles, iter_args=[t.handle for t in inits]))
        with loop:
            self.scope = dict(before)
            self.scope[target] = S.wrap(self, loop.iv, D.from_ir(loop.iv.type))
            for n, t, arg in zip(carried, inits, loop.args):
                self.scope[n] = S.wrap(self, arg, t.dtype)
            self.depth += 1
            try:
                self.visit_block(node.body)
                outs = [self._like(n, self.scope.get(n), t, "at the end of the loop body")
                        for n, t in zip(carried, inits)]
            finally:
                self.depth -= 1
            if outs:
                self.k.yield_(*[t.handle for t in outs])
        after = dict(before)
        for n, t, r in zip(carried, inits, loop.results):
            after[n] = S.wrap(self, r, t.dtype)
        self.scope = after

    def _unroll(self, node, it) -> None:
        bounds = [need_int(x, "a bound", "tl.static_range") for x in (it.start, it.end,
                                                                       it.step)]
        for i in range(*bounds):
            self.scope[node.target.id] = i
            self.visit_block(node.body)

    # -- while ------------------------------------------------------------
    def visit_While(self, node):
        if node.orelse:
            raise UnsupportedError("'while ... else' is not supported in a kernel")
        for _ in range(_UNROLL_LIMIT):
            cond = unwrap(self.visit(node.test))
            if isinstance(cond, Tensor):
                raise UnsupportedError("'while' on a runtime (tensor-valued) condition is not "
                                       "supported: loop with range/tl.range over a bound "
                                       "instead")
            if not cond:
                return
            self.visit_block(node.body)
        raise UnsupportedError(f"a compile-time 'while' ran {_UNROLL_LIMIT} times; is its "
                               "condition ever false?")
