"""The interpreter: walks a kernel's ops on one thread, as a SimPy process.

Values come from the semantic table (``k1sim.functional.semantics``); structured
control flow, the parallel loop and barrier waits live here because they
decide what runs next or block the thread. Every executed op (and each loop
iteration's control) passes through ``Launch.timing.issue``: the one timing seam.

In a timing-only run a tensor of floats is never computed, and neither is
anything derived from a value that was not: those values are None. Scalars,
integer tensors (addresses, masks) and pointers are still computed, so control
flow, address checks, barriers and capacity checks behave as in a full run.
"""

from __future__ import annotations

import simpy

from k1sim.engine.state import ThreadCtx, op_where
from k1sim.errors import K1SimError, RuntimeFault
from k1sim.functional.semantics import OP_WARNINGS, SEMANTICS, as_type, semantics_of
from k1sim.ir import types as T

# Ops whose addresses are checked even when their data is unknown.
_MEMORY_OPS = ("tt.load", "tt.store", "xsmt.descriptor_load_view")
_TERMINATORS = ("scf.yield", "tt.return", "func.return")
# Ops whose effect other threads see: it happens when the op's time has passed, so a waiter
# is released at the end of the arrive, not at its start.
_SIGNALS = ("xsmt_async.mbarrier_arrive",)


def _kind(name: str, control: dict) -> int:
    if name in _TERMINATORS:
        return _TERMINATOR
    if name in control:
        return _CONTROL
    return _SIGNAL if name in _SIGNALS else _RUN


def is_parallel(op) -> bool:
    return op.name == "scf.for" and op.prop("bind_sub_block") is True


def fault(op, ctx: ThreadCtx | None, message: str) -> RuntimeFault:
    notes = [f"  on {ctx.describe()}"] if ctx is not None else []
    if op.pos is None:
        return RuntimeFault(f"'{op.name}': {message}", None, op.python_loc(), notes,
                            filename=op.python_loc() or "<built>")
    return RuntimeFault(message, op.pos, op.python_loc(), notes)


def _unknown(op, args) -> bool:
    """Whether a timing-only run leaves this op's results uncomputed."""
    if op.name in _MEMORY_OPS:
        return args[0] is None or any(a is None for a in args[2:])
    if any(a is None for a in args):
        return True
    return _float_results(op)


def _float_results(op) -> bool:
    return any(isinstance(r.type, T.TensorType) and T.is_float(r.type) for r in op.results)


# How ``block`` runs an op, decided once per op (see ``Interpreter._steps``).
_RUN, _TERMINATOR, _CONTROL, _SIGNAL = range(4)


class Interpreter:
    def __init__(self, launch):
        self.launch = launch
        self.control = {"scf.for": self._for, "scf.if": self._if,
                        "xsmt_async.mbarrier_wait": self._wait}
        self._plans: dict = {}   # block -> its steps

    def compute(self, ctx: ThreadCtx, op, args):
        warning = OP_WARNINGS.get(op.name)
        if warning is not None and (message := warning(op)):
            ctx.warn(op, message)
        if self.launch.timing_only and _unknown(op, args):
            return None if len(op.results) <= 1 else (None,) * len(op.results)
        try:
            return SEMANTICS[op.name](op, args, ctx)
        except K1SimError as e:
            if isinstance(e, RuntimeFault):
                raise
            raise fault(op, ctx, str(e)) from None

    def _steps(self, block) -> list[tuple]:
        """Per op of ``block``: (op, name, how it runs, whether the thread's time passes
        first, its warning check, its semantics (specialised to the op where its kind has
        a specialiser), and for a timing-only run whether it reads an address (then only
        missing addresses leave it uncomputed) and whether its results are float tensors
        (never computed)). The op-independent lookups of ``compute`` and ``block``, made
        once per op instead of once per execution."""
        steps = self._plans.get(block)
        if steps is None:
            flush_before = self.launch.timing.flush_before
            steps = self._plans[block] = [
                (op, op.name, _kind(op.name, self.control), op.name in flush_before,
                 OP_WARNINGS.get(op.name), semantics_of(op), op.name in _MEMORY_OPS,
                 _float_results(op))
                for op in block.ops]
        return steps

    def block(self, ctx: ThreadCtx, block, vals: dict):
        """Run a block's ops; return the values its terminator passes on."""
        launch = self.launch
        timing = launch.timing
        counts, issue, timing_only = launch.counts, timing.issue, launch.timing_only
        for op, name, kind, flush, warning, semantics, memory, floats in self._steps(block):
            counts[name] += 1
            if flush:
                yield from timing.flush(ctx)
            if kind != _RUN:
                if kind == _TERMINATOR:
                    out = [vals[v] for v in op.operands]
                    yield from issue(ctx, op, out)
                    return out
                if kind == _CONTROL:
                    yield from self.control[name](ctx, op, vals)
                    continue
                args = [vals[v] for v in op.operands]       # a signal
                yield from issue(ctx, op, args)
                yield from timing.flush(ctx)
                self.compute(ctx, op, args)
                continue
            args = [vals[v] for v in op.operands]
            if warning is not None and (message := warning(op)):
                ctx.warn(op, message)
            results = op.results
            # ``_unknown``, with the op's static part decided in advance
            if timing_only and (floats and not memory
                                or (any(a is None for a in args[2:]) or args[0] is None
                                    if memory else any(a is None for a in args))):
                out = None if len(results) <= 1 else (None,) * len(results)
            else:
                try:
                    out = (semantics or SEMANTICS[name])(op, args, ctx)
                except K1SimError as e:
                    if isinstance(e, RuntimeFault):
                        raise
                    raise fault(op, ctx, str(e)) from None
            if len(results) == 1:
                vals[results[0]] = out
            elif results:
                for r, v in zip(results, out):
                    vals[r] = v
            yield from issue(ctx, op, args)
        return []

    def _scalar(self, ctx, op, value, what: str) -> int:
        if value is None:
            raise fault(op, ctx, f"{what} depends on tensor data, which a timing-only run "
                                 "does not compute")
        return int(value)

    def _for(self, ctx: ThreadCtx, op, vals: dict):
        lb, ub, step = (self._scalar(ctx, op, vals[v], "the loop bound") for v in op.operands[:3])
        if step <= 0:
            raise fault(op, ctx, f"scf.for step must be positive, got {step}")
        body = op.regions[0].block
        iv_type = op.operands[0].type
        if is_parallel(op):
            yield from self._parallel(ctx, op, vals, range(lb, ub, step), iv_type)
            return
        carried = [vals[v] for v in op.operands[3:]]
        issue = self.launch.timing.issue
        for i in range(lb, ub, step):
            vals[body.args[0]] = as_type(i, iv_type)
            for arg, value in zip(body.args[1:], carried):
                vals[arg] = value
            yield from issue(ctx, op, ())
            carried = yield from self.block(ctx, body, vals)
        for r, value in zip(op.results, carried):
            vals[r] = value

    def _parallel(self, ctx: ThreadCtx, op, vals: dict, iters: range, iv_type):
        """Iteration i on thread i mod T, the threads concurrently (FORMAT.md 5)."""
        body = op.regions[0].block
        n_threads = self.launch.num_threads
        env = self.launch.env

        def worker(tctx: ThreadCtx, mine):
            for i in mine:
                frame = dict(vals)
                frame[body.args[0]] = as_type(i, iv_type)
                yield from self.launch.timing.issue(tctx, op, ())
                yield from self.block(tctx, body, frame)
            yield from self.launch.timing.flush(tctx)

        yield from self.launch.timing.flush(ctx)
        procs = [env.process(worker(ctx.on_thread(t), iters[t::n_threads]))
                 for t in range(min(n_threads, len(iters)))]
        ctx.blocked = (f"waits for the parallel loop at {op_where(op)} to finish "
                       f"({len(iters)} iterations on {n_threads} threads, each thread "
                       "running its iterations in order)")
        yield simpy.AllOf(env, procs)
        ctx.blocked = None

    def _if(self, ctx: ThreadCtx, op, vals: dict):
        cond = self._scalar(ctx, op, vals[op.operands[0]], "the condition")
        yield from self.launch.timing.issue(ctx, op, ())
        region = op.regions[0] if cond else (op.regions[1] if len(op.regions) > 1 else None)
        out = []
        if region is not None and region.blocks:
            out = yield from self.block(ctx, region.block, vals)
        for r, value in zip(op.results, out):
            vals[r] = value

    def _wait(self, ctx: ThreadCtx, op, vals: dict):
        bar = vals[op.operands[0]]
        parity = self._scalar(ctx, op, vals[op.operands[1]], "the wait parity")
        try:
            event = bar.wait(parity)
        except K1SimError as e:
            raise fault(op, ctx, str(e)) from None
        if event is not None:
            ctx.blocked = (op, bar, parity)
            start = self.launch.env.now
            yield event
            ctx.blocked = None
            self.launch.timing.waited(ctx, op, start, self.launch.env.now)
        yield from self.launch.timing.issue(ctx, op, (bar,))
