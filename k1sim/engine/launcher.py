"""The launcher: programs of the grid onto the threads of a stream (FORMAT.md 5).

Without a parallel loop, each thread takes the next program whenever it is free
(one program per thread at a time). With one, programs run one after another on
the whole stream: thread 0 runs the code around the loop, and the loop's
iterations run on all the threads. A run that ends with a thread still waiting
is a deadlock, reported with every blocked thread and every barrier.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from heapq import heappop

from k1sim.engine.interpreter import Interpreter, is_parallel
from k1sim.engine.state import Launch, ThreadCtx, op_where
from k1sim.errors import K1SimError, RuntimeFault


def programs(grid) -> Iterator[tuple]:
    """Program ids in launch order, x fastest, made as threads take them: a grid of
    billions of programs costs no memory before it runs."""
    return ((x, y, z) for z in range(grid[2]) for y in range(grid[1]) for x in range(grid[0]))


def run_kernel(launch: Launch, func, arg_values: list, filename: str, progress=None) -> None:
    """Run every program of the launch to completion (or raise a ``RuntimeFault``).
    ``progress(done, total)``, when given, is called as each program finishes."""
    interp = Interpreter(launch)
    body = func.regions[0].block
    env = launch.env
    total = math.prod(launch.grid)
    queue = programs(launch.grid)
    parallel = any(is_parallel(op) for op in func.walk())
    started = 0

    arguments = dict(zip(body.args, arg_values))

    def stream_thread(thread: int):
        """Programs, one after another, as this thread takes them."""
        nonlocal started
        flush = launch.timing.flush
        for pid in queue:
            started += 1
            ctx = ThreadCtx(launch, thread, pid, [])
            yield from interp.block(ctx, body, arguments.copy())
            yield from flush(ctx)
            launch.release(ctx.program_allocs)
            ctx.finished()
            launch.programs_done += 1
            if progress is not None:
                progress(launch.programs_done, total)

    n = 1 if parallel else min(launch.num_threads, total)
    procs = [env.process(stream_thread(t)) for t in range(n)]
    try:
        drive(env)
    except K1SimError as e:
        # SimPy rethrows a failed process's exception into its waiter as a copy
        # built from ``args``; the original, with its location, is the cause.
        while isinstance(e.__cause__, type(e)):
            e = e.__cause__
        raise e from None
    if any(p.is_alive for p in procs) or started < total:
        raise deadlock(launch, total - started, filename)
    env.process(launch.timing.finish())   # the kernel's end: dirty lines go back
    drive(env)


def drive(env) -> None:
    """``env.run()``: every event in order until none is left. SimPy's ``Environment.step``
    written out in one loop, because a run processes ~20 events per program and the call
    per event, with its checks, cost more than the event's own work. It reads SimPy 4's
    queue entries ``(time, priority, serial, event)`` and processes each the same way: its
    callbacks in order, then, if it failed and nobody defused it, the failure raised as a
    copy whose cause is the original."""
    queue = env._queue
    while queue:
        env._now, _, _, event = heappop(queue)
        callbacks, event.callbacks = event.callbacks, None
        for callback in callbacks:
            callback(event)
        if not event._ok and not hasattr(event, "_defused"):
            failure = event._value
            error = type(failure)(*failure.args)
            error.__cause__ = failure
            raise error


def deadlock(launch: Launch, not_started: int, filename: str) -> RuntimeFault:
    lines = []
    for ctx in launch.contexts.values():
        if isinstance(ctx.blocked, tuple):
            op, bar, parity = ctx.blocked
            lines.append(f"  {ctx.describe()}: blocked in {op.name} at {op_where(op)}, "
                         f"waiting for phase {parity} of {bar.label}")
        elif ctx.blocked:
            lines.append(f"  {ctx.describe()}: {ctx.blocked}")
    lines += [f"  {b.describe()}" for b in launch.barriers.values()]
    if not_started:
        why = " (a global barrier only works between programs resident at the same time)" \
            if launch.global_barriers else ""
        lines.append(f"  {not_started} program(s) never started: the threads that would run "
                     f"them are blocked{why}")
    blocked = sum(isinstance(c.blocked, tuple) for c in launch.contexts.values())
    return RuntimeFault(f"deadlock at cycle {math.ceil(launch.env.now)}: {blocked} thread(s) "
                        "wait forever on a barrier", notes=lines, filename=filename)

