"""Launch budgets, checked before anything is allocated or run.

A typo in a grid (``--grid 3000000000``) or a shape (``1e6 x 1e6``) should be refused in
a second with a message saying what to pass, not run for hours or die in numpy's
MemoryError. Two budgets: the number of programs (``max_programs``, default
:data:`DEFAULT_MAX_PROGRAMS`), and the memory the launch's tensors take (``memory_limit``
bytes, default :data:`DEFAULT_MEMORY_SHARE` of the RAM available when the run starts).
The CLI reads the defaults for its help text, so this module imports nothing heavy at
load time.
"""

from __future__ import annotations

import math
import numbers
import os

from k1sim.errors import K1SimError

#: programs one launch may run unless the caller allows more: about an hour of simulation
DEFAULT_MAX_PROGRAMS = 1_000_000
#: share of the available RAM a launch's tensors may take by default
DEFAULT_MEMORY_SHARE = 0.5
# float64 arrays of the output's size one expect check holds at once (the reference, the
# output as float64, the differences and the element masks).
_CHECK_ARRAYS = 4


def check_programs(grid: tuple, max_programs: int | None) -> None:
    """Refuse a grid of more than ``max_programs`` programs (None: no limit)."""
    if max_programs is not None and (isinstance(max_programs, bool)
                                     or not isinstance(max_programs, numbers.Integral)
                                     or max_programs < 1):
        raise K1SimError(f"max_programs must be a positive number of programs or None (no "
                         f"limit), got {max_programs!r}")
    total = math.prod(grid)
    if max_programs is not None and total > max_programs:
        raise K1SimError(
            f"grid {'x'.join(map(str, grid))} is {total:,} programs, over the launch budget "
            f"of {max_programs:,}; to run it anyway pass --max-programs {total} "
            f"(max_programs={total} in Python)")


def available_bytes() -> int | None:
    """RAM the system can give without swapping (Linux MemAvailable), None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def tensor_bytes(args, inputs: dict, expects: list, timing_only: bool) -> list[tuple[str, int]]:
    """What the launch will allocate, as (description, bytes) rows: each pointer
    argument's data, the input copies the expects read, and each expect's float64
    working arrays. A timing-only run allocates no tensor data."""
    if timing_only:
        return []
    import numpy as np
    from k1sim.functional.dtypes import storage_dtype
    from k1sim.ir import types as T

    rows, shapes = [], {}
    for a in args:
        if not a.is_pointer:
            continue
        shape = np.shape(inputs[a.name]) if a.name in inputs else a.shape
        if shape is None:
            continue  # the run refuses it (no k1sim.shape) before allocating
        element = str(T.element_of(a.type.pointee))
        shapes[a.name] = shape
        size = math.prod(shape) * storage_dtype(element).itemsize
        rows.append((f"{a.name} ({'x'.join(map(str, shape)) or 'scalar'} {element})", size))
    if expects:
        copies = sum(size for _, size in rows)
        rows.append(("copies of the inputs as they were before the run, for the expects",
                     copies))
    for e in expects:
        read = {name for name, _ in e._names if name in shapes}
        out = math.prod(shapes.get(e.name, ()))
        size = 8 * (sum(math.prod(shapes[n]) for n in read) + _CHECK_ARRAYS * out)
        rows.append((f'float64 working arrays of expect "{e.text}"', size))
    return rows


def check_memory(rows: list[tuple[str, int]], memory_limit: float | None) -> None:
    """Refuse a launch whose ``rows`` (from :func:`tensor_bytes`) add up to more than
    ``memory_limit`` bytes; None takes the default share of the available RAM."""
    if memory_limit is not None and (isinstance(memory_limit, bool)
                                     or not isinstance(memory_limit, numbers.Real)
                                     or not memory_limit > 0):
        raise K1SimError(f"memory_limit must be a positive number of bytes, math.inf (no "
                         f"limit) or None (the default), got {memory_limit!r}")
    need = sum(size for _, size in rows)
    limit, how = memory_limit, "--memory-limit"
    if limit is None:
        available = available_bytes()
        if available is None:
            return
        limit = DEFAULT_MEMORY_SHARE * available
        how = (f"{DEFAULT_MEMORY_SHARE:.0%} of the {_size(available)} of RAM available; "
               "change it with --memory-limit")
    if need <= limit:
        return
    lines = [f"  {_size(size):>9}  {what}" for what, size in rows]
    raise K1SimError(
        f"the launch needs {_size(need)} for its tensors, over the memory budget of "
        f"{_size(limit)} ({how} SIZE, or memory_limit= in Python; a timing-only run "
        "allocates no tensor data):\n" + "\n".join(lines))


def _size(n: float) -> str:
    """Bytes in decimal units, as memory is sold: 3200000000 -> '3.2 GB'."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"
