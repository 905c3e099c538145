"""The arch's timing model behind the engine's seam: cost model, pipelined cores, memory.

For each executed op it asks ``k1sim.cost.decompose`` what the hardware runs (after
spine-triton's fusions), issues it on its thread's core (``InOrderCore`` or, for an
out-of-order arch, ``WindowedCore``): the op waits for its operands' ready cycles and its
units, and its result is ready after its latency. An op's memory transfers go through the
shared memory system, from the cycle the op issues; their result is ready when the data
arrive, and only consumers wait. It keeps what a RunResult reports: busy cycles per unit,
operations per dtype, per-op cycles by source location, the trace, barrier waits and how
much transfer time compute hid.
"""

from __future__ import annotations

from collections import defaultdict

from k1sim.cores.core import PENDING, InOrderCore
from k1sim.cores.plan import Plan, issuer
from k1sim.cores.stats import OpStats, TraceEvents, where
from k1sim.cores.window import WindowedCore
from k1sim.cost import Uses, decompose
from k1sim.cores.transfers import describe, level_served, store_level
from k1sim.cost.uses import SYNC_OPS, enclosing_op
from k1sim.cost.work import ABSORBED_LOAD
from k1sim.memory import MemorySystem, TraceLog


class ArchTiming:
    """Implements ``k1sim.engine.seam.Timing`` for one arch."""

    # Ops that meet other threads: everything their thread issued completes first.
    flush_before = SYNC_OPS

    def __init__(self, env, arch, func, num_threads: int):
        self.env = env
        self.arch = arch
        self.uses = Uses.of(func)
        self.memory = MemorySystem(env, arch)
        core = WindowedCore if arch.issue.out_of_order else InOrderCore
        self.cores = [core(arch, i) for i in range(num_threads)]
        # the plans recorded so far, first recorded first: ``results`` counts their
        # arithmetic from their executions (``OpStats.count``) instead of once per op
        self._counted: list[Plan] = []
        self.op_stats: dict[int, OpStats] = {}
        # The first op events, as rows of plain values (a row holds no object, so the
        # garbage collector stops tracking it and a long trace costs no collection time);
        # ``results`` hands them on as TraceEvents. Memory bounded in grid size.
        self.trace: TraceLog = TraceLog()
        self._traced: list[Plan] = []          # the plans op rows name by index
        # the trace's list append, bound once: its own ``append`` checks the limit, which
        # the per-op paths check themselves
        self._append = list.append.__get__(self.trace)
        # per thread (defaultdicts: a Counter's += costs a Python-level store, see OpStats)
        self.wait_cycles = defaultdict(int)
        self.transfer_cycles = defaultdict(int)   # per thread: time with a transfer in flight
        self._in_flight = [0] * num_threads       # transfers in flight per thread
        self._since = [0.0] * num_threads         # when the current in-flight stretch began
        # (thread, load) -> the pointer of a load a pack absorbs: the pack moves its bytes.
        self.absorbed: dict[tuple, object] = {}
        self._issuers = _Compiled(self._compile)  # op -> its issue function (cores.plan)
        self._forwards: dict[int, list] = {}     # id(scf.yield) -> [(target, source)]
        self.in_flight = [[] for _ in range(num_threads)]   # per thread: loads not yet landed
        # per thread: accumulator -> (when the last in-place accumulate into its registers
        # is ready, when the next one may issue)
        self._accumulated = [{} for _ in range(num_threads)]
        self.flush_cycles = 0.0

    def issuer(self, op):
        """The function ``(ctx, args)`` that issues one execution of ``op`` on ``ctx``'s
        thread: it returns None when the time is accounted without a SimPy wait, else the
        generator to run with ``yield from`` (``k1sim.cores.plan``)."""
        return self._issuers[op]

    def _compile(self, op):
        """``op``'s issue function, made the first time it runs (``_issuers``)."""
        plan = Plan(op, decompose(op, self.arch, self.uses), self.arch, self.uses)
        plan.index = len(self._traced)
        self._traced.append(plan)
        return issuer(self, plan)

    def _issue(self, ctx, op, args, plan):
        """Any op, by the general path (``yield from``); ``k1sim.cores.plan`` compiles
        the common kinds into faster functions that give the same results."""
        if plan.warning:
            ctx.warn(op, plan.warning)
        core = self.cores[ctx.thread]
        if plan.enters is not None:
            getattr(self, plan.enters)(core, op)
        t = plan.timed
        if t is None:                  # free: fused into a neighbour, or metadata
            if plan.absorbs:
                self.absorbed[(ctx.thread, id(op))] = args[0]
            self._pass_through(core, op)
            return
        # Control flow passes values on without reading them: it never waits for them.
        if plan.control:
            deps, producer, pending = 0.0, None, ()
        else:
            deps, producer, pending = core.operands(op.operands)
        if pending:   # a load's data are still on their way: the thread waits for them
            for event in pending:
                if not event.processed:
                    yield event
            deps, producer, _ = core.operands(op.operands)
        acc = plan.accumulator
        if acc is not None:
            deps, producer = yield from self._accumulator(core, acc, deps, producer)
        start, wait = core.issue(t, deps)
        if acc is not None:
            self._accumulated[ctx.thread][acc] = (start + t.busy + t.fill, start + t.again)
        if plan.work.transfers:
            yield from self._memory(ctx, op, args, plan, start, wait)
            return
        end = start + t.busy + t.fill
        core.complete(end)
        ready, made_by = core.ready, core.producer
        for r in op.results:
            ready[r] = end
            made_by[r] = "latency"
        bound = producer if producer and wait > t.busy else t.bound
        self._record(ctx.thread, core, plan, start, start + t.busy, end, wait, bound, 0)

    def _accumulator(self, core, acc, deps: float, producer):
        """(when an mmt4d accumulating in place into ``acc``'s registers may issue, what
        bound it) (``yield from``): after its operands (``deps``) and after the accumulator.
        That is the previous in-place accumulate into the same registers, which it may
        follow by ``Timed.again``, while the accumulator still holds what that one wrote;
        else the accumulator's own value (its initial value, waited for if a load is still
        bringing it)."""
        ready = core.ready.get(acc)
        if ready == PENDING:
            event = core.arriving[acc]
            if not event.processed:
                yield event
            ready = core.ready.get(acc)
            if ready == PENDING:
                ready = None
        made_by = core.producer.get(acc)
        last = self._accumulated[core.index].get(acc)
        if last is not None and (ready is None or last[0] >= ready):
            ready, made_by = last[1], "latency"
        if ready is not None and ready > deps:
            return ready, made_by
        return deps, producer

    def _moved(self, core, cycles: float) -> None:
        """A transfer took ``cycles`` from request to data (or to the write buffer). The
        thread's transfer time counts the stretches with any transfer in flight once, so
        transfers that overlap each other are not counted twice."""
        i = core.index
        self._in_flight[i] -= 1
        if not self._in_flight[i]:
            self.transfer_cycles[i] += self.env.now - self._since[i]
        core.busy["lsu"] += cycles

    def _pass_through(self, core, op) -> None:
        """A free op (fused, metadata): its results are ready when its operands are."""
        if not op.results:
            return
        deps, producer, pending = core.operands(op.operands)
        for r in op.results:
            if pending:
                event = pending[0] if len(pending) == 1 else self.env.all_of(pending)
                core.pend(r, event, producer or "L1", self.env)
            else:
                core.ready[r] = deps
                core.producer[r] = producer

    def _memory(self, ctx, op, args, plan, start, wait):
        """Issue the op's transfers when its address work is done (``yield from``)."""
        env = self.env
        begin = start + plan.timed.busy
        if begin > env.now:
            yield env.timeout(begin - env.now)
        begin = env.now
        thread, absorbed = ctx.thread, self.absorbed
        accesses, moved = [], 0
        for site in plan.sites:   # a loop: a comprehension costs a frame per transfer
            access = describe(ctx, op, args, site, absorbed)
            accesses.append(access)
            moved += access.nbytes
        core, memory, transfers = self.cores[thread], self.memory, plan.work.transfers
        scope = transfers[-1].scope
        # A transfer leaves the thread now: a stretch with one in flight starts (``_moved``)
        if not self._in_flight[thread]:
            self._since[thread] = begin
        self._in_flight[thread] += 1
        if transfers[0].write:
            for access in accesses:
                accepted = memory.store(thread, access)
                if not accepted.processed:
                    yield accepted
            level = store_level(memory, scope, env.now > begin)
            core.complete(env.now)
            core.resume_issue(env.now)
            self._moved(core, env.now - begin)
            self._record(thread, core, plan, begin, env.now, env.now, wait, level, moved)
            return
        events, served = memory.loads(thread, accesses)
        level = level_served(served, scope)
        arrived = events[0] if len(events) == 1 else env.all_of(events)
        results = op.results
        core.hold(results, arrived, level)
        core.complete(begin)
        self.in_flight[thread].append(arrived)

        def landed(_event):   # one callback: the results land, then the transfer is done
            now = env.now
            core.land(results, arrived, now)
            self._moved(core, now - begin)
            core.complete(now)
            self._record(thread, core, plan, begin, now, now, wait, level, moved)
        arrived.callbacks.append(landed)

    def _record(self, thread, core, plan, start, shown, end, wait, bound, moved) -> None:
        """One execution of a timed op that ``bound`` limited, into the run's statistics
        and trace (this runs for nearly every op, so it appends to the trace's list
        itself, the limit checked here)."""
        stats = plan.stats
        if stats is None:
            stats = self._stats(plan)
        stats.count += 1
        # The cycles this op adds to the thread's time: how far its end moves the latest
        # end so far. Summed over ops, they give the thread's busy time once, with
        # overlapped work counted nowhere twice.
        frontier = core.frontier
        if end > frontier:
            stats.cycles += end - frontier
            core.frontier = end
        stats.wait += wait
        stats.bound[bound] += 1
        trace = self.trace
        if len(trace) < trace.limit:
            self._append((thread, plan.index, start, shown, bound, moved))
        else:
            trace.dropped += 1

    def _stats(self, plan) -> OpStats:
        """The statistics of ``plan``'s op, made at its first execution."""
        op = plan.op
        stats = self.op_stats.get(id(op))
        if stats is None:
            stats = self.op_stats[id(op)] = OpStats(op, where(op), _shown_name(op, plan.work))
        plan.stats = stats
        self._counted.append(plan)
        return stats

    def _forward(self, core, op) -> None:
        """An ``scf.yield`` passes its operands' ready cycles to the loop's next iteration
        and to the results of its ``scf.for`` / ``scf.if``."""
        pairs = self._forwards.get(id(op))
        if pairs is None:
            pairs = []
            parent = enclosing_op(op.parent) if op.parent is not None else None
            if parent is not None and parent.name == "scf.for":
                pairs = list(zip(op.parent.args[1:], op.operands))
            if parent is not None and parent.name in ("scf.for", "scf.if"):
                pairs += list(zip(parent.results, op.operands))
            self._forwards[id(op)] = pairs
        for target, source in pairs:
            core.copy(target, source, self.env)

    def _enter_loop(self, core, op) -> None:
        """An ``scf.for`` iteration: a loop-carried value starts from its initial value,
        and a parallel loop's thread starts no earlier than the loop."""
        if op.prop("bind_sub_block") is True:
            core.resume(self.env.now)
        body = op.regions[0].block
        ready = core.ready
        for arg, init in zip(body.args[1:], op.operands[3:]):
            if arg not in ready:
                core.copy(arg, init, self.env)

    def flush(self, ctx):
        """Let everything the thread issued complete (``yield from``) before it meets other
        threads: a barrier, the start or end of a parallel loop or program. Its loads land
        and its write buffer drains, so what it wrote is visible."""
        core, env = self.cores[ctx.thread], self.env
        waiting = [e for e in self.in_flight[ctx.thread] if not e.processed]
        self.in_flight[ctx.thread] = []
        if waiting:
            yield env.all_of(waiting)
        drained = self.memory.write_buffers[core.index].idle()
        if not drained.processed:
            yield drained
        if core.done > env.now:
            yield env.timeout(core.done - env.now)
        core.resume(env.now)

    def finish(self):
        """The kernel's end (a process body): every core's write buffer drains and its
        dirty lines go back to DRAM; ``flush_cycles`` is how long that took."""
        start = self.env.now
        yield self.memory.flush(*(c.index for c in self.cores))
        self.flush_cycles = self.env.now - start

    def waited(self, ctx, op, start, end) -> None:
        self.cores[ctx.thread].resume(end)
        self.wait_cycles[ctx.thread] += end - start
        self.trace.append((ctx.thread, None, start, end, op.name, where(op)))

    def results(self, arch, threads: int) -> dict:
        """The RunResult fields this model fills."""
        ops = {}
        for plan in self._counted:
            for key, n in plan.op_counts:
                ops[key] = ops.get(key, 0) + n * plan.stats.count
        peaks = {key: arch.peak_ops_per_s(key.engine, key.dtype, threads) for key in ops}
        rows = sorted((s.to_dict() for s in self.op_stats.values()),
                      key=lambda r: (-r["cycles"], r["where"], r["op"]))
        return {"ops": ops, "peak_ops_per_s": peaks,
                "unit_busy": {c.index: dict(c.busy) for c in self.cores},
                "wait_cycles": dict(self.wait_cycles),
                "bytes_by_level": dict(self.memory.bytes_by_level),
                "caches": self.memory.counters(), "flush_cycles": self.flush_cycles,
                "links": {link.name: {**link.stats(), "trace": list(link.trace),
                                      "rates": list(link.rates)}
                          for link in self.memory.links},
                "overlap": self._overlap(), "op_stats": rows,
                "trace": TraceEvents(list(self.trace), self._traced)}

    def trace_warnings(self) -> list[str]:
        """What a run says when its timeline keeps only the first events."""
        out = []
        for name, log in [("op", self.trace)] + [(f"{link.name} transfer", link.trace)
                                                 for link in self.memory.links]:
            if log.dropped:
                out.append(f"the trace keeps the first {len(log):,} {name} events of "
                           f"{log.total:,}; the timeline (--trace) ends there, every total "
                           "counts them all")
        return out

    def _overlap(self) -> dict:
        """Per thread: cycles it had a transfer in flight, and how many of them compute hid
        (the busiest compute unit's time plus the transfer time, beyond the thread's own
        time: what the two cannot both have had alone)."""
        out = {}
        for core in self.cores:
            moved = self.transfer_cycles.get(core.index, 0.0)
            if not moved:
                continue
            compute = max(core.busy["scalar"], core.busy["vector"], core.busy["matrix"])
            hidden = max(0.0, min(moved, compute + moved - core.frontier))
            out[core.index] = {"transfer_cycles": moved, "hidden_cycles": hidden}
        return out


class _Compiled(dict):
    """A dict that makes a missing entry with ``make(key)`` (one lookup per execution)."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        value = self[key] = self.make(key)
        return value


def _shown_name(op, work) -> str:
    """The op's name in reports; a pack that runs the load it absorbs says so."""
    if work.transfers and work.transfers[0].operand == ABSORBED_LOAD:
        return f"tt.load+{op.name}"
    return op.name
