"""Each op's timing, compiled once per op into the function that issues one execution of it.

A ``Plan`` holds what never changes during a run (the op's Work and Timed, where its
statistics go); ``issuer`` turns it into a function ``(ctx, args) -> None | generator``.
Most executions need no SimPy wait: a free op, or a compute op whose operands all hold
ready cycles, only reads and writes its core's scoreboard. Their functions do that and
return None, so the engine makes no generator for them (a timing-only 2048^3 mm runs
131,072 ops, 9 in 10 of them such). A transfer returns the generator that sends it to the
memory system; an in-place accumulate, loop control and an op with a warning return
``ArchTiming._issue``'s, the general path. A fast path that meets
a pending operand waits for it and starts again, or hands the op to the general path,
before it has changed anything: every path gives the same cycles and the same SimPy
event order.
"""

from __future__ import annotations

from k1sim.cores.core import PENDING, InOrderCore
from k1sim.cores.transfers import sites
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
                 "op_counts", "stats", "index", "accumulator", "sites")

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
        self.index = None      # its place in ArchTiming._traced, which names it in trace rows
        # the loop-carried value an mmt4d accumulates into in place: it reads its registers
        self.accumulator = (mmt4d_accumulator(op, uses)
                            if work.matrix is not None and work.matrix.accumulates else None)
        self.sites = sites(op, work.transfers)   # what describes its transfers


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
    t = plan.timed
    if (timing.cores[0].__class__ is InOrderCore and len(t.units) == 1 and not t.operand
            and len(op.results) == 1):
        return _compute(timing, plan)
    return _timed(timing, plan)


def _nothing(ctx, args) -> None:
    """A free op without results (a terminator): nothing to time or to pass on."""


def _scored(op, timing) -> tuple:
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
    key, operands, results = id(op), _scored(op, timing), tuple(op.results)
    absorbs = plan.absorbs
    if not operands and not absorbs and not plan.control:
        return _constant(cores, results)

    def issue(ctx, args):
        thread = ctx.thread
        if absorbs:
            absorbed[(thread, key)] = args[0]
        if not results:
            return
        core = cores[thread]
        ready, made_by = core.ready, core.producer
        deps, latest = 0.0, None           # latest: the first operand ready at deps
        for value in operands:
            r = ready.get(value, 0.0)
            if r > deps:
                deps, latest = r, value
        if deps == PENDING:                # the results wait for the pending data
            timing._pass_through(core, op)
            return
        producer = made_by.get(latest) if latest is not None else None
        for r in results:
            ready[r] = deps
            made_by[r] = producer
    return issue


def _constant(cores, results: tuple):
    """A free op whose results are ready at cycle 0, whatever ran before (a constant, not
    an ``scf.if``: its yield writes its results). Nothing else writes them, and no op reads
    them on a thread before they are made there (SSA), so they are written on every core
    once, here, and an execution has nothing to do."""
    for core in cores:
        for r in results:
            core.ready[r] = 0.0
            core.producer[r] = None
    return _nothing


def _transfer(timing, plan: Plan, general):
    """An op that moves memory (a load, a store, a pack that runs the load it absorbs):
    it issues when its operands are ready, then its transfers go to the memory system
    (``ArchTiming._memory``'s generator)."""
    op, cores, memory = plan.op, timing.cores, timing._memory
    operands, t = _scored(op, timing), plan.timed

    def issue(ctx, args):
        core = cores[ctx.thread]
        ready = core.ready
        # the operand scan ``_compute`` and ``_free`` make too, inline in each: a helper
        # would add a call per op, which costs more than the scan
        deps = 0.0
        for value in operands:
            r = ready.get(value, 0.0)
            if r > deps:
                deps = r
        if deps == PENDING:                # a load's data are still on their way
            return general(ctx, args)
        start, wait = core.issue(t, deps)
        return memory(ctx, op, args, plan, start, wait)
    return issue


def _compute(timing, plan: Plan):
    """A timed op of one unit and one result, with no transfer, no L1 operand traffic, no
    accumulator and no control, on an in-order core (the scalar work that addresses and
    loops are made of): ``InOrderCore.issue`` and ``ArchTiming._record`` for this case,
    inline, because a call costs as much as their bodies do here."""
    cores, trace, limit = timing.cores, timing.trace, timing.trace.limit
    operands, (result,) = _scored(plan.op, timing), plan.op.results
    t = plan.timed
    (unit,), busy, fill, own = t.units, t.busy, t.fill, t.bound
    slot = cores[0].slot
    index, append = plan.index, timing._append
    stats = None          # made at its first execution (``ArchTiming._stats``)

    def issue(ctx, args):
        nonlocal stats
        thread = ctx.thread
        core = cores[thread]
        ready = core.ready
        deps = 0.0
        for value in operands:
            r = ready.get(value, 0.0)
            if r > deps:
                deps = r
        if deps == PENDING:                # a load's data are still on their way
            return _after(core, operands, issue, ctx, args)
        able = core.cursor
        free = core.free
        if free[unit] > able:
            able = free[unit]
        if stats is None:
            stats = timing._stats(plan)
        bound = own
        if deps > able:                    # it waited for an operand: most ops do not
            start = deps
            wait = deps - able
            stats.wait += wait
            # what bound it: the producer of the operand it waited for, when that wait
            # was longer than its own time
            if wait > busy:
                bound = core.producer.get(_latest(ready, operands, deps)) or own
        else:
            start = able
        shown = start + busy
        free[unit] = shown
        core.busy[unit] += busy
        core.cursor = start + slot
        end = shown + fill
        if end > core.done:
            core.done = end
        ready[result] = end
        core.producer[result] = "latency"
        stats.count += 1
        if end > core.frontier:
            stats.cycles += end - core.frontier
            core.frontier = end
        stats.bound[bound] += 1
        if len(trace) < limit:
            append((thread, index, start, shown, bound, 0))
        else:
            trace.dropped += 1
    return issue


def _timed(timing, plan: Plan):
    """Any other timed op with no transfer, accumulator or control (an mmt4d, vector work,
    an op on an out-of-order core): the general path's steps without its generator, which
    only an op whose operand is pending needs (``_after``)."""
    cores, record = timing.cores, timing._record
    operands, results = _scored(plan.op, timing), plan.op.results
    t = plan.timed
    busy, fill, own = t.busy, t.fill, t.bound

    def issue(ctx, args):
        core = cores[ctx.thread]
        ready = core.ready
        deps, latest = 0.0, None           # latest: the first operand ready at deps
        for value in operands:
            r = ready.get(value, 0.0)
            if r > deps:
                deps, latest = r, value
        if deps == PENDING:                # a load's data are still on their way
            return _after(core, operands, issue, ctx, args)
        start, wait = core.issue(t, deps)
        end = start + busy + fill
        core.complete(end)
        made_by = core.producer
        bound = (made_by.get(latest) or own) if wait > busy else own
        for r in results:
            ready[r] = end
            made_by[r] = "latency"
        record(ctx.thread, core, plan, start, start + busy, end, wait, bound, 0)
    return issue


def _latest(ready: dict, operands: tuple, deps: float):
    """The first of ``operands`` ready at ``deps``: the one an op waited for last (None
    when it waited for none)."""
    for value in operands:
        if ready.get(value) == deps:
            return value
    return None


def _after(core, operands, run, ctx, args):
    """Wait for the first pending operand's data, then issue again (``yield from``): the
    thread waits for each pending operand in operand order, as the general path does."""
    ready = core.ready
    for value in operands:          # a loop, not next(genexpr): no generator to make
        if ready.get(value) == PENDING:
            event = core.arriving[value]
            break
    if not event.processed:
        yield event
    wait = run(ctx, args)
    if wait is not None:
        yield from wait
