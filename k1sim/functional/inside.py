"""The part of a block pointer's window inside its bounds: what every load and store of
the pointer checks, and what the timing model moves for it, in one pass over its dims."""

from __future__ import annotations

from typing import NamedTuple


class Inside(NamedTuple):
    """The part of a block pointer's window inside its bounds, per dim a run of block
    positions ``[lo, hi)``: what a load or store checks and the timing model reads.

    ``runs`` are the runs clipped to the block (a dim with ``hi <= lo`` has none of it
    inside), ``partial`` the dims whose run is not the whole block, ``start`` the address
    of the first in-bounds element (None when the part is empty) and ``reaches_out``
    whether the part's address range may leave the allocation (then each address is
    checked). ``base`` and ``shape`` are the part as the memory moves it (its first element
    and its extent per dim), ``share`` its share of the window, ``origin`` the address of
    the window's first element."""

    runs: tuple
    partial: tuple
    start: int | None
    reaches_out: bool
    base: int
    shape: tuple
    share: float
    origin: int

    def box(self) -> tuple:
        """The runs as slices (empty where ``hi <= lo``)."""
        return tuple(slice(lo, max(lo, hi)) for lo, hi in self.runs)


# block shape -> its runs when the whole window is inside (a few shapes per kernel)
_WHOLE: dict = {}
# ``Inside``'s fields straight into the tuple: a NamedTuple's own ``__new__`` is a Python
# function, and ``inside_of`` runs for every block pointer a program loads or stores
_new = tuple.__new__


def inside_of(p) -> Inside:
    """The ``Inside`` of block pointer ``p`` (``BlockPtr.inside`` keeps it)."""
    start, low, high = p.base, 0, 0
    for off, n, bound, stride in zip(p.offsets, p.block, p.shape, p.strides):
        if off < 0 or off + n > bound or not n:
            return _clipped(p)
        start += off * stride
        span = (n - 1) * stride
        if span < 0:
            low += span
        else:
            high += span
    runs = _WHOLE.get(p.block)
    if runs is None:
        runs = _WHOLE[p.block] = tuple((0, n) for n in p.block)
    return _new(Inside, (runs, (), start, start + low < 0 or start + high >= p.alloc.size,
                         start, p.block, 1.0, start))


def _clipped(p) -> Inside:
    """``inside_of`` a window that reaches out of its bounds on some dim (or is empty)."""
    runs, partial, start, low, high = [], [], p.base, 0, 0
    base = origin = p.base
    shape, inside, total, empty = [], 1, 1, False
    for d, (off, n, bound, stride) in enumerate(zip(p.offsets, p.block, p.shape, p.strides)):
        lo, hi = min(n, max(0, -off)), max(0, min(n, bound - off))
        runs.append((lo, hi))
        if (lo, hi) != (0, n):
            partial.append(d)
        empty = empty or hi <= lo
        start += (off + lo) * stride
        span = (hi - lo - 1) * stride
        low, high = low + min(0, span), high + max(0, span)
        # the moved part's first element: unclipped below, so a window wholly before its
        # bounds starts at the bounds' edge (the timing model's descriptor of it)
        first = -off if off < 0 else 0
        extent = min(bound - off, n) - first
        extent = extent if extent > 0 else 0
        shape.append(extent)
        base += (off + first) * stride
        origin += off * stride
        inside *= extent
        total *= n
    return Inside(tuple(runs), tuple(partial), None if empty else start,
                  not empty and (start + low < 0 or start + high >= p.alloc.size),
                  base, tuple(shape), inside / total if total else 0.0, origin)
