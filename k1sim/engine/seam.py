"""The seam between the engine and a timing model: the one interface the engine times through.

The interpreter asks ``issuer`` once per op for the function that issues it, and calls that
for every execution of the op (after computing its values; it returns what the thread must
wait for, or None), ``flush`` before an op that meets other
threads and at the end of a program, and ``waited`` after a barrier wait. A timing model never sees array values: for a pointer operand it asks
the thread context for an ``Access`` (``ctx.access(value)``), the address pattern the engine
derives from the pointer's metadata (allocation, first element, shape, strides).

``NullTiming`` lets no time pass: a functional-only run. ``k1sim.cores.ArchTiming`` is the
arch's model (pipelined cores, matrix engines, the memory system).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import NamedTuple, Protocol

from k1sim.functional.memory import BlockPtr, Pointer, Pointers


class Timing(Protocol):
    flush_before: frozenset   # op names whose thread's pending time passes before them

    def issuer(self, op) -> Callable[[object, list], Generator | None]:
        """The function ``(ctx, args)`` that lets one execution of ``op`` pass on ``ctx``'s
        thread: it returns None when the time passed without a SimPy wait (most ops: the
        interpreter then makes no generator), else a generator that waits, which the
        thread runs with ``yield from`` before its next op. Asked once per op, so an
        execution costs one call."""

    def flush(self, ctx) -> Generator:
        """Let everything the thread issued complete (``yield from``)."""

    def waited(self, ctx, op, start: float, end: float) -> None:
        """The thread was blocked on a barrier from ``start`` to ``end``."""

    def results(self, arch, threads: int) -> dict:
        """The RunResult fields the model fills."""

    def trace_warnings(self) -> list[str]:
        """What the run should say about its trace (events it did not keep)."""

    def finish(self) -> Generator:
        """The kernel's end, after every program (a SimPy process body): write back what
        the caches still hold dirty."""


class NullTiming:
    """No time passes: values only. Its results are those of a run that took no time."""

    flush_before = frozenset()

    def issuer(self, op):
        return _no_time

    def flush(self, ctx):
        return
        yield

    def waited(self, ctx, op, start, end) -> None:
        pass

    def results(self, arch, threads: int) -> dict:
        return {}

    def trace_warnings(self) -> list[str]:
        return []

    def finish(self):
        return
        yield


def _no_time(ctx, args) -> None:
    """``NullTiming``'s issue function for every op."""


class Access(NamedTuple):
    """What a memory access touches, without its data: ``alloc`` identifies the allocation
    (its serial: a buffer allocated after another was freed is new memory, cold in the caches),
    ``origin`` is the element address of the first element (None for a gather or scatter,
    whose lanes are runtime values), ``block`` the shape, ``strides`` its element strides,
    ``in_bounds`` the share of the block inside its bounds (a boundary-checked block moves
    only that part), ``itemsize`` bytes per element; ``base`` and ``shape`` are the part
    inside the bounds (its first element and its shape), the window memory really moves."""

    alloc: int
    origin: int | None
    block: tuple
    strides: tuple
    in_bounds: float
    itemsize: int
    base: int | None = None
    shape: tuple = ()


_new = tuple.__new__   # an ``Access`` without NamedTuple's Python ``__new__``


def access(value, window: tuple | None = None) -> Access | None:
    """The ``Access`` of a pointer value (None for anything else). ``window``, an
    ``(offsets, shape)`` pair, asks for that window inside a block pointer instead. A block
    pointer keeps its ``Access`` (it never changes, and programs share one pointer where
    ``tt.make_tensor_ptr`` made the same one before), so each is made once."""
    if isinstance(value, BlockPtr):
        if window is not None:
            value = value.window(*window)
        made = value.seam_access
        if made is None:
            inside, alloc = value.inside(), value.alloc
            made = value.seam_access = _new(Access, (
                alloc.serial, inside.origin, value.block, value.strides, inside.share,
                alloc.itemsize, inside.base, inside.shape))
        return made
    if isinstance(value, Pointers):
        return Access(value.alloc.serial, None, value.offsets.shape, (), 1.0,
                      value.alloc.itemsize)
    if isinstance(value, Pointer):
        return Access(value.alloc.serial, value.offset, (), (), 1.0, value.alloc.itemsize,
                      value.offset, ())
    return None
