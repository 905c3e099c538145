"""The interpreter: walks a kernel's ops on one thread, as a SimPy process.

Values come from the semantic table (``k1sim.functional.semantics``), through each op's
step (``k1sim.engine.steps``: what a timing-only run leaves uncomputed is decided there);
structured control flow, the parallel loop and barrier waits live here because they
decide what runs next or block the thread. Every executed op (and each loop
iteration's control) passes through its ``Launch.timing.issuer``: the one timing seam.
"""

from __future__ import annotations

import simpy

from k1sim.engine.state import FirstRun, ThreadCtx, fault, op_where
from k1sim.engine.steps import computed, pure, runner
from k1sim.errors import K1SimError
from k1sim.functional.semantics import as_type

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


# How ``block`` runs an op, decided once per op (see ``Interpreter._steps``).
_RUN, _TERMINATOR, _CONTROL, _SIGNAL = range(4)


class Interpreter:
    def __init__(self, launch):
        self.launch = launch
        self.control = {"scf.for": self._for, "scf.if": self._if,
                        "xsmt_async.mbarrier_wait": self._wait}
        self._plans: dict = {}   # block -> its steps
        # The values that are the same at every execution in the launch, and those that
        # every run computes, a timing-only one too (``steps.runner``)
        self._same: set = set()
        self._known: set = set()

    def _steps(self, block) -> list[tuple]:
        """Per op of ``block``: (op, its step (None for a terminator or control flow), for an
        op that just runs its issue function (``Timing.issuer``) else None, None for an op
        that just runs else (how it runs, whether the thread's time passes first), the
        block's ``Tally`` at its first op else None, a ``FirstRun`` until the op has run),
        made once per op. Ops are counted by block, not one by one: the count per op cost
        as much as the rest of the loop."""
        steps = self._plans.get(block)
        if steps is None:
            launch = self.launch
            timing = launch.timing
            flush_before = timing.flush_before
            same, known = self._same, self._known
            owner = block.parent.parent.name
            if owner in ("tt.func", "func.func"):
                same.update(block.args)     # every program runs with the same arguments
                known.update(block.args)
            elif owner == "scf.for":
                known.add(block.args[0])    # the loop index (not what the loop carries)
            steps = self._plans[block] = []
            tally = launch.tally([op.name for op in block.ops])
            for i, op in enumerate(block.ops):
                kind, flush = _kind(op.name, self.control), op.name in flush_before
                run = None
                if kind in (_RUN, _SIGNAL):
                    fixed = pure(op) and all(v in same for v in op.operands)
                    if fixed:
                        same.update(op.results)
                    given = all(v in known for v in op.operands)
                    if given and computed(op):
                        known.update(op.results)
                    run = runner(op, launch.timing_only, fixed, given)
                plain = kind == _RUN and not flush
                steps.append((op, run, timing.issuer(op) if plain else None,
                              None if plain else (kind, flush), None if i else tally,
                              FirstRun(steps, i)))
        return steps

    def block(self, ctx: ThreadCtx, block, vals: dict):
        """Run a block's ops; return the values its terminator passes on."""
        launch = self.launch
        timing = launch.timing
        for op, run, issue, special, tally, first in self._steps(block):
            if tally is not None:
                tally.runs += 1
            if first is not None:
                first.ran(launch)
            if issue is not None:
                wait = issue(ctx, run(ctx, vals))   # ``_issue`` inline: most ops need no
                if wait is not None:                # generator
                    yield from wait
                continue
            kind, flush = special
            if flush:
                yield from timing.flush(ctx)
            if kind == _RUN:
                yield from self._issue(ctx, op, run(ctx, vals))
            elif kind == _TERMINATOR:
                out = [vals[v] for v in op.operands]
                yield from self._issue(ctx, op, out)
                return out
            elif kind == _CONTROL:
                yield from self.control[op.name](ctx, op, vals)
            else:                                           # a signal
                args = [vals[v] for v in op.operands]
                yield from self._issue(ctx, op, args)
                yield from timing.flush(ctx)
                run(ctx, vals)
        return []

    def _issue(self, ctx: ThreadCtx, op, args):
        """Let ``op``'s time pass on ``ctx``'s thread (``yield from``): its issue function
        returns what to wait for, or None when the op's time passed without a wait."""
        wait = self.launch.timing.issuer(op)(ctx, args)
        if wait is not None:
            yield from wait

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
        for i in range(lb, ub, step):
            vals[body.args[0]] = as_type(i, iv_type)
            for arg, value in zip(body.args[1:], carried):
                vals[arg] = value
            yield from self._issue(ctx, op, ())
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
                yield from self._issue(tctx, op, ())
                yield from self.block(tctx, body, frame)
            yield from self.launch.timing.flush(tctx)
            tctx.finished()

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
        yield from self._issue(ctx, op, ())
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
        yield from self._issue(ctx, op, (bar,))
