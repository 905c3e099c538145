"""Each op's timing, compiled once per op into the function that issues one execution of it.

A ``Plan`` holds what never changes during a run (the op's Work and Timed, where its
statistics go); ``issuer`` turns it into a function ``(ctx, args) -> None | generator``.
Most executions need no SimPy wait: a free op, or a compute op whose operands all hold
ready cycles, only reads and writes its core's scoreboard. Their functions do that and
return None, so the engine makes no generator for them (a timing-only 2048^3 mm runs
131,072 ops, 9 in 10 of them such). A transfer returns the generator that sends it to the
memory system; anything else that may wait (an in-place accumulate, loop control, an op
with a warning) returns ``ArchTiming._issue``'s, the general path. A fast path that meets
a pending operand waits for it and starts again, or hands the op to the general path,
before it has changed anything: every path gives the same cycles and the same SimPy
event order.
"""

from __future__ import annotations

from k1sim.cores.core import InOrderCore
from k1sim.cores.units import timed
from k1sim.cost import decompose
from k1sim.cost.fusion import mmt4d_accumulator
from k1sim.cost.uses import defining_op, enclosing_op
from k1sim.cost.work import EngineDtype

_CONTROL = frozenset(("scf.yield", "scf.for", "scf.if", "tt.return", "func.return"))
_ENTERS = {"scf.yield": "_forward", "scf.for": "_enter_loop"}
_FUNCTIONS = ("tt.func", "func.func")


class Plan:
    """What the timing of one op needs that never changes during a run: its Work and
    Timed (cached per op, so an op executed a million times is decomposed once), what
    it does to the scoreboard before it issues, and where its statistics go."""

    __slots__ = ("op", "work", "timed", "warning", "enters", "absorbs", "control",
                 "op_counts", "stats", "index", "accumulator")

    def __init__(self, op, work, arch, uses):
        self.op = op
        self.work = work
        self.warning = work.warning
        self.enters = _ENTERS.get(op.name)       # the ArchTiming method it runs first
        free = work.unit == "none" and not work.transfers
        self.timed = None if free else timed(work, arch)
        self.absorbs = free and work.fused_into == "xsmt.pack"
        self.control = op.name in _CONTROL
        self.op_counts = tuple((EngineDtype(work.engine, d), n) for d, n in work.ops.items())
        self.stats = None
        self.index = None      # its place in ArchTiming._traced, once the trace holds it
        # the loop-carried value an mmt4d accumulates into in place: it reads its registers
        self.accumulator = (mmt4d_accumulator(op, uses)
                            if work.matrix is not None and work.matrix.accumulates else None)


def issuer(timing, plan: Plan):
    """The function that issues one execution of ``plan``'s op on ``timing``."""
    op = plan.op
    general = lambda ctx, args: timing._issue(ctx, op, args, plan)   # noqa: E731
    if plan.warning or plan.enters is not None:
        return general
    if plan.timed is None:
        if not op.results and not plan.absorbs:
            return _nothing
        return _free(timing, plan)
    if plan.control or plan.accumulator is not None:
        return general
    if plan.work.transfers:
        return _transfer(timing, plan, general)
    if timing.cores[0].__class__ is not InOrderCore:
        return general
    return _compute(timing, plan)


def _nothing(ctx, args) -> None:
    """A free op without results (a terminator): nothing to time or to pass on."""


def scored(op, timing) -> tuple:
    """The operands of ``op`` the scoreboard may hold a cycle other than 0 for. It
    never holds a kernel argument or a loop's induction variable, and it holds 0 for a
    free op's result whose operands are all such values (a constant): neither can move
    an op's operands-ready cycle, so the fast paths skip them."""
    return tuple(v for v in op.operands if not _at_zero(v, timing))


def _at_zero(value, timing) -> bool:
    op = defining_op(value)
    if op is None:                                 # a block argument
        parent = enclosing_op(value.owner)
        return parent is None or parent.name in _FUNCTIONS or (
            parent.name == "scf.for" and value.index == 0)
    work = decompose(op, timing.arch, timing.uses)
    return (work.unit == "none" and not work.transfers
            and all(_at_zero(v, timing) for v in op.operands))


def _free(timing, plan: Plan):
    """A free op (fused into a neighbour, or metadata): its results are ready when its
    operands are; a load a pack absorbs leaves the pack its pointer."""
    op, cores, absorbed = plan.op, timing.cores, timing.absorbed
    key, operands, results = id(op), scored(op, timing), tuple(op.results)
    absorbs = plan.absorbs

    def issue(ctx, args):
        thread = ctx.thread
        if absorbs:
            absorbed[(thread, key)] = args[0]
        if not results:
            return
        core = cores[thread]
        ready = core.ready
        deps, latest = 0.0, None
        for value in operands:
            t = ready.get(value)
            if t is None:
                continue
            if t.__class__ is not float:          # pending: the results wait for its data
                timing._pass_through(core, op)
                return
            if t > deps:
                deps, latest = t, value
        made_by = core.producer
        producer = made_by.get(latest) if latest is not None else None
        for r in results:
            ready[r] = deps
            made_by[r] = producer
    return issue


def _transfer(timing, plan: Plan, general):
    """An op that moves memory (a load, a store, a pack that runs the load it absorbs):
    it issues when its operands are ready, then its transfers go to the memory system
    (``ArchTiming._memory``'s generator)."""
    op, cores, memory = plan.op, timing.cores, timing._memory
    operands, t = scored(op, timing), plan.timed

    def issue(ctx, args):
        core = cores[ctx.thread]
        deps, producer, pending = core.operands(operands)
        if pending:
            return general(ctx, args)
        start, wait = core.issue(t, deps)
        return memory(ctx, op, args, plan, start, wait)
    return issue


def _compute(timing, plan: Plan):
    """A timed op with no transfer, no accumulator and no control: it issues on its core
    when its operands are ready, and its results are ready at issue + busy + fill."""
    cores, trace, traced = timing.cores, timing.trace, timing._traced
    operands, results = scored(plan.op, timing), tuple(plan.op.results)
    t = plan.timed
    busy, fill, own, units, operand = t.busy, t.fill, t.bound, t.units, t.operand

    def issue(ctx, args):
        thread = ctx.thread
        core = cores[thread]
        ready = core.ready
        deps, latest = 0.0, None
        for value in operands:
            r = ready.get(value)
            if r is None:
                continue
            if r.__class__ is not float:   # a load's data are still on their way
                return _after(r, issue, ctx, args)
            if r > deps:
                deps, latest = r, value
        able = core.cursor
        free = core.free
        for unit in units:
            if free[unit] > able:
                able = free[unit]
        if operand and free["lsu"] > able:
            able = free["lsu"]
        start = able if able > deps else deps
        shown = start + busy
        used = core.busy
        for unit in units:
            free[unit] = shown
            used[unit] += busy
        if operand:
            free["lsu"] = start + operand
        core.cursor = start + core.slot
        wait = start - able
        end = shown + fill
        if end > core.done:
            core.done = end
        made_by = core.producer
        bound = (made_by.get(latest) or own) if wait > busy and latest is not None else own
        for r in results:
            ready[r] = end
            made_by[r] = "latency"
        stats = plan.stats
        if stats is None:
            stats = timing._stats(plan)
        stats.count += 1
        frontier = core.frontier
        if end > frontier:
            stats.cycles += end - frontier
            core.frontier = end
        stats.wait += wait
        stats.bound[bound] += 1
        if len(trace) < trace.limit:
            index = plan.index
            if index is None:
                index = plan.index = len(traced)
                traced.append(plan)
            list.append(trace, (thread, index, start, shown, bound, 0))
        else:
            trace.dropped += 1
    return issue


def _after(event, run, ctx, args):
    """Wait for a pending operand's data, then issue again (``yield from``): the thread
    waits for each pending operand in operand order, as the general path does."""
    if not event.processed:
        yield event
    wait = run(ctx, args)
    if wait is not None:
        yield from wait
