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

from collections import Counter

from k1sim.cores.core import InOrderCore
from k1sim.cores.stats import OpStats, TraceEvent, where
from k1sim.cores.units import timed
from k1sim.cores.window import WindowedCore
from k1sim.cost import Uses, decompose
from k1sim.cost.uses import SYNC_OPS, defining_op, enclosing_op
from k1sim.cost.work import ABSORBED_LOAD, EngineDtype
from k1sim.memory import MemorySystem, TraceLog


_CONTROL = frozenset(("scf.yield", "scf.for", "scf.if", "tt.return", "func.return"))


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
        self.ops = Counter()
        self.op_stats: dict[int, OpStats] = {}
        self.trace: TraceLog = TraceLog()  # the first op events; memory bounded in grid size
        self.wait_cycles = Counter()
        self.transfer_cycles = Counter()
        # (thread, load) -> the pointer of a load a pack absorbs: the pack moves its bytes.
        self.absorbed: dict[tuple, object] = {}
        self._timed: dict[int, tuple] = {}       # id(work) -> (work, Timed)
        self._forwards: dict[int, list] = {}     # id(scf.yield) -> [(target, source)]

    def issue(self, ctx, op, args):
        work = decompose(op, self.arch, self.uses)
        if work.warning:
            ctx.warn(op, work.warning)
        core = self.cores[ctx.thread]
        name = op.name
        if name == "scf.yield":
            self._forward(core, op)
        elif name == "scf.for":
            self._enter_loop(core, op)
        if work.unit == "none" and not work.transfers:
            if work.fused_into == "xsmt.pack":
                self.absorbed[(ctx.thread, id(op))] = args[0]
            if op.results:  # a free op's results are ready when its operands are
                deps, producer = core.operands(op.operands)
                for r in op.results:
                    core.ready[r] = deps
                    core.producer[r] = producer
            return
        cached = self._timed.get(id(work))
        if cached is None or cached[0] is not work:
            cached = self._timed[id(work)] = (work, timed(work, self.arch))
        t = cached[1]
        # Control flow passes values on without reading them: it never waits for them.
        deps, producer = core.operands(op.operands) if name not in _CONTROL else (0.0, None)
        start, wait = core.issue(t, deps)
        end = start + t.busy + t.fill
        shown = start + t.busy     # the trace shows the op holding its unit
        level, moved = None, 0
        if work.transfers:
            blocks = [self._block(ctx, op, args, tr) for tr in work.transfers]
            begin = start + t.busy
            if begin > self.env.now:
                yield self.env.timeout(begin - self.env.now)
            start = begin = self.env.now   # the op's data move from here
            level = yield from self._transfer(core, work, blocks)
            self.transfer_cycles[ctx.thread] += self.env.now - begin
            moved = sum(nbytes for _, nbytes in blocks)
            end = shown = max(self.env.now, end)
        core.complete(end)
        made_by = level or "latency"
        for r in op.results:
            core.ready[r] = end
            core.producer[r] = made_by
        self._record(ctx, op, work, t, (start, shown, end), wait, producer, level, moved)

    def _record(self, ctx, op, work, t, times, wait, producer, level, moved) -> None:
        start, shown, end = times
        for dtype, n in work.ops.items():
            self.ops[EngineDtype(work.engine, dtype)] += n
        stats = self.op_stats.get(id(op))
        if stats is None:
            stats = self.op_stats[id(op)] = OpStats(op, where(op), _shown_name(op, work))
        core = self.cores[ctx.thread]
        stats.count += 1
        stats.cycles += core.attribute(end)
        stats.wait += wait
        bound = level or (producer if producer and wait > t.busy else t.bound)
        stats.bound[bound] += 1
        self.trace.append(TraceEvent(
            (ctx.thread, work.unit, stats.op, stats.where, start, shown),
            {"engine": work.engine, "bound": bound, "bytes": moved,
             "reg_bytes": t.reg_bytes, "ops": work.ops, "shapes": stats.shapes}))

    def _transfer(self, core, work, blocks):
        """Move the op's bytes through the memory system (``yield from``); returns the
        level that served the last transfer."""
        level = None
        for transfer, (key, nbytes) in zip(work.transfers, blocks):
            t0 = self.env.now
            level = yield from self.memory.access(core.index, key, nbytes,
                                                  transfer.scope, transfer.write)
            core.busy["lsu"] += self.env.now - t0
        return level

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
        ready, producer = core.ready, core.producer
        for target, source in pairs:
            t = ready.get(source)
            if t is not None:
                ready[target] = t
                producer[target] = producer.get(source)

    def _enter_loop(self, core, op) -> None:
        """An ``scf.for`` iteration: a loop-carried value starts from its initial value,
        and a parallel loop's thread starts no earlier than the loop."""
        if op.prop("bind_sub_block") is True:
            core.resume(self.env.now)
        body = op.regions[0].block
        ready = core.ready
        for arg, init in zip(body.args[1:], op.operands[3:]):
            if arg not in ready and init in ready:
                ready[arg] = ready[init]

    def flush(self, ctx):
        """Let everything the thread issued complete (``yield from``) before it meets other
        threads: a barrier, the start or end of a parallel loop or program."""
        core = self.cores[ctx.thread]
        if core.done > self.env.now:
            yield self.env.timeout(core.done - self.env.now)
        core.resume(self.env.now)

    def _block(self, ctx, op, args, transfer) -> tuple:
        """The transfer's cache key, and its bytes: a boundary-checked block moves only its
        in-bounds part (the rest reads as zeros without a memory access)."""
        if transfer.operand == ABSORBED_LOAD:
            value = self.absorbed[(ctx.thread, id(defining_op(op.operands[0])))]
        else:
            value = args[transfer.operand] if 0 <= transfer.operand < len(args) else None
        acc = ctx.access(value)
        if acc is not None and transfer.window:
            acc = acc.window(args[1:3], op.prop("shape"))
        if acc is None or acc.origin is None:  # keyed by where its bytes are used
            return (id(op), ctx.program_id), transfer.nbytes
        return acc.key, round(transfer.nbytes * acc.in_bounds)

    def waited(self, ctx, op, start, end) -> None:
        self.cores[ctx.thread].resume(end)
        self.wait_cycles[ctx.thread] += end - start
        self.trace.append(TraceEvent((ctx.thread, "sync", op.name, where(op), start, end), {}))

    def results(self, arch, threads: int) -> dict:
        """The RunResult fields this model fills."""
        peaks = {key: arch.peak_ops_per_s(key.engine, key.dtype, threads) for key in self.ops}
        rows = sorted((s.to_dict() for s in self.op_stats.values()),
                      key=lambda r: (-r["cycles"], r["where"], r["op"]))
        return {"ops": dict(self.ops), "peak_ops_per_s": peaks,
                "unit_busy": {c.index: dict(c.busy) for c in self.cores},
                "wait_cycles": dict(self.wait_cycles),
                "bytes_by_level": dict(self.memory.bytes_by_level),
                "caches": self.memory.counters(),
                "links": {link.name: {**link.stats(), "trace": list(link.trace)}
                          for link in self.memory.links},
                "overlap": self._overlap(), "op_stats": rows, "trace": list(self.trace)}

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
        """Per thread: cycles its transfers took, and how many of them compute hid (the
        busiest compute unit's time plus the transfer time, beyond the thread's own time)."""
        out = {}
        for core in self.cores:
            moved = self.transfer_cycles.get(core.index, 0.0)
            if not moved:
                continue
            compute = max(core.busy["scalar"], core.busy["vector"], core.busy["matrix"])
            hidden = max(0.0, min(moved, compute + moved - core.frontier))
            out[core.index] = {"transfer_cycles": moved, "hidden_cycles": hidden}
        return out


def _shown_name(op, work) -> str:
    """The op's name in reports; a pack that runs the load it absorbs says so."""
    if work.transfers and work.transfers[0].operand == ABSORBED_LOAD:
        return f"tt.load+{op.name}"
    return op.name
