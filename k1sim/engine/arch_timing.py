"""The arch timing model behind the engine's seam: cost model + cores + memory.

For each executed op it asks ``k1sim.cost.decompose`` what the hardware runs
(after spine-triton's fusions), lets that time pass on the op's core and the
shared memory system, and keeps the statistics a RunResult reports: busy
cycles per unit, operations per dtype, per-op cycles by source location, the
trace, and barrier waits.
"""

from __future__ import annotations

from collections import Counter

from k1sim.cores import Core
from k1sim.cost import Uses, decompose
from k1sim.cost.uses import SYNC_OPS, defining_op
from k1sim.cost.work import ABSORBED_LOAD
from k1sim.functional.memory import BlockPtr, Pointer, Pointers
from k1sim.memory import MemorySystem, TraceLog


def block_key(value):
    """What the cache model calls a block: the allocation, first element and shape."""
    if isinstance(value, BlockPtr):
        return (id(value.alloc), value.origin(), value.block)
    if isinstance(value, Pointers):
        first = int(value.offsets.min()) if value.offsets.size else 0
        return (id(value.alloc), first, value.offsets.shape)
    if isinstance(value, Pointer):
        return (id(value.alloc), value.offset, ())
    return None


def in_bounds_share(p: BlockPtr) -> float:
    """The share of a block pointer's window inside its bounds."""
    inside = total = 1
    for off, n, bound in zip(p.offsets, p.block, p.shape):
        inside *= max(0, min(n, bound - off) - max(0, -off))
        total *= n
    return inside / total if total else 0.0


class TraceEvent(tuple):
    """One ``RunResult.trace`` entry: the tuple ``(thread, unit, op, where, start, end)``
    (unit ``"sync"`` for a barrier wait; start and end in cycles), plus ``args``, what the
    op did, for the timeline: ``engine``, ``bound`` (the memory level that served its last
    transfer, else its engine), ``bytes`` moved beyond L1, ``reg_bytes`` between registers
    and L1, ``ops`` by dtype (a MAC = 2) and ``shapes`` (operand -> result types); empty
    for a wait. The args ride outside the tuple, so unpacking and equality see six fields."""

    def __new__(cls, fields: tuple, args: dict):
        event = super().__new__(cls, fields)
        event.args = args
        return event

    def __getnewargs__(self):
        return tuple(self), self.args


class OpStats:
    __slots__ = ("op", "where", "shapes", "count", "cycles", "bound")

    def __init__(self, op, where: str, name: str):
        self.op = name
        self.where = where
        self.shapes = (", ".join(str(v.type) for v in op.operands) + " -> "
                       + ", ".join(str(v.type) for v in op.results))
        self.count = 0
        self.cycles = 0.0
        self.bound = Counter()

    def to_dict(self) -> dict:
        return {"op": self.op, "where": self.where, "count": self.count,
                "cycles": self.cycles, "bound": self.bound.most_common(1)[0][0]}


class ArchTiming:
    """The seam's timing model (see ``k1sim.engine.interpreter``)."""

    # Ops that meet other threads: their thread's batched time passes first.
    flush_before = SYNC_OPS

    def __init__(self, env, arch, func, num_threads: int):
        self.env = env
        self.arch = arch
        self.uses = Uses.of(func)
        self.memory = MemorySystem(env, arch)
        self.cores = [Core(env, arch, i, self.memory) for i in range(num_threads)]
        self.ops = Counter()
        self.op_stats: dict[int, OpStats] = {}
        self.trace: TraceLog = TraceLog()  # the first op events; memory bounded in grid size
        self.wait_cycles = Counter()
        self.pending = [0.0] * num_threads  # compute time each thread has run ahead
        # (thread, load) -> the pointer of a load a pack absorbs: the pack moves its bytes.
        self.absorbed: dict[tuple, object] = {}

    def issue(self, ctx, op, args):
        work = decompose(op, self.arch, self.uses)
        if work.warning:
            ctx.warn(op, work.warning)
        if work.unit == "none" and not work.transfers:
            if work.fused_into == "xsmt.pack":
                self.absorbed[(ctx.thread, id(op))] = args[0]
            return
        thread = ctx.thread
        core = self.cores[thread]
        start = self.env.now + self.pending[thread]
        cycles = core.compute(work)
        level, moved = None, 0
        if work.transfers:
            blocks = [self._block(ctx, op, args, t) for t in work.transfers]
            self.pending[thread] = 0.0
            yield self.env.timeout(start + cycles - self.env.now)
            level = yield from core.transfer(work, blocks)
            moved = sum(nbytes for _, nbytes in blocks)
            end = self.env.now
        else:
            self.pending[thread] += cycles
            end = start + cycles
        for dtype, n in work.ops.items():
            self.ops[f"{work.engine}:{dtype}"] += n
        stats = self.op_stats.get(id(op))
        if stats is None:
            stats = self.op_stats[id(op)] = OpStats(op, _where(op), _shown_name(op, work))
        stats.count += 1
        stats.cycles += end - start
        bound = level or work.engine
        stats.bound[bound] += 1
        self.trace.append(TraceEvent(
            (thread, work.unit, stats.op, stats.where, start, end),
            {"engine": work.engine, "bound": bound, "bytes": moved,
             "reg_bytes": work.reg_bytes, "ops": work.ops, "shapes": stats.shapes}))

    def flush(self, ctx):
        """Let the thread's batched compute time pass (``yield from``) before it
        meets other threads: a barrier, the start or end of a parallel loop or
        program. Compute on a core touches nothing shared, so it needs no event
        until then."""
        pending = self.pending[ctx.thread]
        if pending:
            self.pending[ctx.thread] = 0.0
            yield self.env.timeout(pending)

    def _block(self, ctx, op, args, transfer) -> tuple:
        """The transfer's cache key, and its bytes: a boundary-checked block moves
        only its in-bounds part (the rest reads as zeros without a memory access)."""
        if transfer.operand == ABSORBED_LOAD:
            value = self.absorbed[(ctx.thread, id(defining_op(op.operands[0])))]
        else:
            value = args[transfer.operand] if 0 <= transfer.operand < len(args) else None
        if transfer.window and isinstance(value, BlockPtr):
            value = value.window(args[1:3], op.prop("shape"))
        key = block_key(value)
        if key is None:  # a fused form keyed by where its bytes live
            return (id(op), ctx.program_id), transfer.nbytes
        nbytes = transfer.nbytes
        if isinstance(value, BlockPtr):
            nbytes = round(nbytes * in_bounds_share(value))
        return key, nbytes

    def results(self, arch, threads: int) -> dict:
        """The RunResult fields this model fills."""
        peaks = {}
        for key in self.ops:
            engine, dtype = key.split(":")
            peaks[key] = arch.peak_ops_per_s(engine, dtype, threads)
        rows = sorted((s.to_dict() for s in self.op_stats.values()),
                      key=lambda r: (-r["cycles"], r["where"], r["op"]))
        return {"ops": dict(self.ops), "peak_ops_per_s": peaks,
                "unit_busy": {c.index: dict(c.busy) for c in self.cores},
                "wait_cycles": dict(self.wait_cycles),
                "bytes_by_level": dict(self.memory.bytes_by_level),
                "links": {link.name: {**link.stats(), "trace": list(link.trace)}
                          for link in self.memory.links},
                "op_stats": rows, "trace": list(self.trace)}

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

    def waited(self, ctx, op, start, end) -> None:
        self.wait_cycles[ctx.thread] += end - start
        self.trace.append(TraceEvent((ctx.thread, "sync", op.name, _where(op), start, end), {}))


def _shown_name(op, work) -> str:
    """The op's name in reports; a pack that runs the load it absorbs says so."""
    if work.transfers and work.transfers[0].operand == ABSORBED_LOAD:
        return f"tt.load+{op.name}"
    return op.name


def _where(op) -> str:
    return op.python_loc() or (str(op.pos) if op.pos is not None else op.name)
