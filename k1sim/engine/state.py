"""What one launch shares (``Launch``) and what each running thread carries (``ThreadCtx``).

``ThreadCtx`` is the ``ctx`` semantic functions receive: the program being run,
the thread running it, and the launch's services (warnings, local allocations,
barriers).
"""

from __future__ import annotations

import itertools
import weakref
from collections import Counter

import numpy as np

from k1sim.engine.barriers import Barrier
from k1sim.engine.seam import access
from k1sim.errors import K1SimError, RuntimeFault
from k1sim.functional.dtypes import storage_dtype
from k1sim.functional.memory import Allocation
from k1sim.ir import types as T


def op_where(op) -> str:
    """``file:line:col`` of an op in its ``.xsmt`` file, plus its Python location."""
    here = str(op.pos) if op.pos is not None else "<built>"
    py = op.python_loc()
    return f"{here} (at {py})" if py else here


def fault(op, ctx: "ThreadCtx | None", message: str) -> RuntimeFault:
    """A runtime fault at ``op``, saying which thread and program ran it."""
    notes = [f"  on {ctx.describe()}"] if ctx is not None else []
    if op.pos is None:
        return RuntimeFault(f"'{op.name}': {message}", None, op.python_loc(), notes,
                            filename=op.python_loc() or "<built>")
    return RuntimeFault(message, op.pos, op.python_loc(), notes)


class Launch:
    """State shared by every thread of one kernel launch."""

    def __init__(self, env, arch, timing, grid, num_threads: int,
                 timing_only: bool, poison_alloc: bool = False):
        self.env = env
        self.arch = arch
        self.timing = timing
        self.grid = grid
        self.num_programs = grid[0] * grid[1] * grid[2]
        self.num_threads = num_threads
        self.timing_only = timing_only
        self.poison_alloc = poison_alloc
        self.warnings: dict[tuple, str] = {}
        # Live barriers, oldest first, for the deadlock report (weak: a barrier goes away
        # with the last program that holds it).
        self.barriers: weakref.WeakValueDictionary[int, Barrier] = weakref.WeakValueDictionary()
        self._barrier_ids = itertools.count()
        self.global_barriers: dict[int, Barrier] = {}
        self.live_bytes: Counter = Counter()
        # How many times each block ran (``Tally``), and the op names in the order they
        # first ran: ``counts``
        self.tallies: list[Tally] = []
        self.names: dict[str, None] = {}
        self.programs_done = 0  # finished programs, for progress and an interrupted run
        # Live thread contexts, oldest first, for the deadlock report. A context leaves when
        # its program (or parallel-loop share) finishes, so memory does not grow with the
        # grid. (Not a weak dictionary: registering in one cost more than the rest of
        # starting a program.)
        self.contexts: dict[int, ThreadCtx] = {}
        self._context_ids = itertools.count()

    def tally(self, names: list[str]) -> "Tally":
        """The ``Tally`` of a block of ops called ``names``."""
        tally = Tally(names)
        self.tallies.append(tally)
        return tally

    @property
    def counts(self) -> dict[str, int]:
        """Executions per op name, in the order the names first ran (an interrupted run
        counts every op of the blocks its threads were in)."""
        counts = dict.fromkeys(self.names, 0)
        for tally in self.tallies:
            if tally.runs:
                for name in tally.names:
                    counts[name] = counts.get(name, 0) + tally.runs
        return counts

    def warn(self, op, message: str) -> None:
        key = (id(op), message)
        if key not in self.warnings:
            self.warnings[key] = f"{op_where(op)}: warning: {message}"

    def new_barrier(self, op, flag, arrive, expect) -> Barrier:
        n = next(self._barrier_ids)
        b = Barrier(self.env, f"barrier #{n}", op_where(op), flag, arrive, expect)
        self.barriers[n] = b
        return b

    def global_barrier(self, op, ident: int) -> Barrier:
        """The launch-wide barrier ``ident``: every program gets the same object."""
        b = self.global_barriers.get(ident)
        if b is None:
            b = self.new_barrier(op, 0, 0, self.num_programs)
            b.label = f"global barrier {ident}"
            self.global_barriers[ident] = b
        return b

    def allocate(self, ctx: "ThreadCtx", op, element: T.Type, shape, scope: str) -> Allocation:
        """A zeroed local buffer, after the capacity check of FORMAT.md 4.3."""
        dtype = storage_dtype(str(element))
        itemsize = max(1, T.bitwidth(element) // 8)
        alloc = Allocation(f"{op.name} at {op_where(op)}", str(element), shape, scope,
                           itemsize=itemsize)
        memory, capacity = self.arch.scope_capacity(scope)
        key = (ctx.thread, memory)
        total = self.live_bytes[key] + alloc.nbytes
        if capacity is not None and total > capacity:
            raise K1SimError(
                f"capacity fault: {op.name} of {_kib(alloc.nbytes)} in storage '{scope}' "
                f"({memory} of {self.arch.arch_id}) brings thread {ctx.thread}'s live total "
                f"to {_kib(total)}; the capacity is {_kib(capacity)} per thread")
        self.live_bytes[key] = total
        ctx.program_allocs.append((key, alloc.nbytes))
        if not self.timing_only:
            alloc.data = np.zeros(alloc.size, dtype)
            if self.poison_alloc:
                alloc.data.view(np.uint8)[:] = 0xAA
                if dtype.kind == "f":
                    alloc.data[:] = np.nan
        return alloc

    def release(self, allocs) -> None:
        for key, nbytes in allocs:
            self.live_bytes[key] -= nbytes


def _kib(n: int) -> str:
    return f"{n / 1024:g} KiB"


class Tally:
    """How many times a block of ops started (``runs``): each of its ops ran that often."""

    __slots__ = ("names", "runs")

    def __init__(self, names: list[str]):
        self.names = names
        self.runs = 0


class FirstRun:
    """Marks an op of a block's steps (``steps[index]``) that has not run yet: when it first
    runs, its name takes its place in ``Launch.names`` and the mark goes away."""

    __slots__ = ("steps", "index")

    def __init__(self, steps: list, index: int):
        self.steps, self.index = steps, index

    def ran(self, launch: Launch) -> None:
        step = self.steps[self.index]
        launch.names.setdefault(step[0].name)
        self.steps[self.index] = step[:-1] + (None,)


class ThreadCtx:
    """One hardware thread running one program (or its share of a parallel loop)."""

    __slots__ = ("launch", "thread", "program_id", "program_allocs", "blocked", "_key")

    def __init__(self, launch: Launch, thread: int, program_id: tuple, program_allocs: list):
        self.launch = launch
        self.thread = thread
        self.program_id = program_id
        self.program_allocs = program_allocs
        self.blocked = None  # what this thread waits for, for the deadlock report
        self._key = next(launch._context_ids)
        launch.contexts[self._key] = self

    def finished(self) -> None:
        """The thread is done with its program (or its share of a parallel loop)."""
        del self.launch.contexts[self._key]

    @property
    def grid(self) -> tuple:
        return self.launch.grid

    @property
    def num_threads(self) -> int:
        return self.launch.num_threads

    @property
    def env(self):
        return self.launch.env

    def warn(self, op, message: str) -> None:
        self.launch.warn(op, message)

    # ``access(value, window=None)``: what a pointer value (or the ``(offsets, shape)``
    # window inside a block pointer) touches, for the timing model (``k1sim.engine.seam``).
    access = staticmethod(access)

    def on_thread(self, thread: int) -> "ThreadCtx":
        """The same program on another thread of the stream (a parallel-loop worker)."""
        return ThreadCtx(self.launch, thread, self.program_id, self.program_allocs)

    def describe(self) -> str:
        return f"thread {self.thread}, program {self.program_id}"
