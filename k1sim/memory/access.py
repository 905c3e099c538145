"""What one load or store touches: a transfer descriptor and the cache lines it covers.

An ``Access`` names the allocation (any hashable identity), the scope, the element size
and the window as ``base`` / ``shape`` / ``strides`` in elements, as a block pointer or a
packed view has them. ``footprint(line_bytes)`` works out, arithmetically and once per
shape and place within a row (cached; the same window further on is that one shifted),
the lines the window touches as a few rects
(``k1sim.memory.lines``), how many of them the window only partly covers (a store
there needs the rest of the line: read-for-ownership) and whether they are one
sequential run (what a stream prefetcher can follow).

Dimensions are folded before lines are counted: dimensions that continue each other in
memory merge (a packed ``[M1, K1, m0, k0]`` window of a row-major matrix is one 2-D
block), a stride of 0 repeats the same data, and rows that overlap or touch merge into
one run. So a transposed (column) window of a row-major tensor touches a line per
column, and a contiguous one a line per 64 bytes.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product
from math import lcm, prod
from typing import NamedTuple

from k1sim.memory.lines import Rect, RectIndex, bounds, flat, minus_all, size

SCOPES = ("global", "local", "fragment")


class Access:
    """One transfer: ``shape`` elements of ``elem_bytes`` at element ``base`` of
    ``alloc``, dimension ``d`` stepping ``strides[d]`` elements; ``nbytes`` in all.

    A plain slots class, not a dataclass: one is built per transfer of every timed op,
    and the memory system reads ``nbytes`` several times per transfer, so it is worked
    out once here. Treat it as immutable."""

    __slots__ = ("alloc", "scope", "elem_bytes", "base", "shape", "strides", "nbytes")

    def __init__(self, alloc, scope: str, elem_bytes: int, base: int, shape: tuple,
                 strides: tuple):
        if scope not in SCOPES:
            raise ValueError(f"memory scope must be global, local or fragment, got {scope!r}")
        if len(shape) != len(strides):
            raise ValueError(f"access shape {shape} and strides {strides} differ in rank")
        self.alloc = alloc
        self.scope = scope
        self.elem_bytes = elem_bytes
        self.base = base
        self.shape = shape
        self.strides = strides
        self.nbytes = prod(shape) * elem_bytes

    def __repr__(self) -> str:
        return (f"Access({self.alloc!r}, {self.scope!r}, {self.elem_bytes}, {self.base}, "
                f"{self.shape}, {self.strides})")

    @classmethod
    def contiguous(cls, alloc, nbytes: int, scope: str = "global", base_bytes: int = 0):
        """``nbytes`` in a row from byte ``base_bytes``."""
        return cls(alloc, scope, 1, base_bytes, (nbytes,), (1,))

    def footprint(self, line_bytes: int) -> "Footprint":
        return _footprint(self.elem_bytes, self.base, tuple(self.shape), tuple(self.strides),
                          line_bytes)


class Footprint(NamedTuple):
    rects: tuple          # disjoint rects in address order, line units
    lines: int
    partial_lines: int    # lines the window covers only in part
    sequential: bool      # one run of consecutive lines
    first_line: int
    last_line: int        # one past the end


_EMPTY = Footprint((), 0, 0, False, 0, 0)


@lru_cache(maxsize=4096)
def _footprint(eb: int, base: int, shape: tuple, strides: tuple, line: int) -> Footprint:
    # Moving a window by a whole number of its rects' row pitches moves its lines and
    # nothing else: windows of one shape at many places (a store per output tile) share
    # one computed footprint, shifted.
    shift, dims, period = _layout(eb, shape, strides, line)
    if dims is None:
        return _EMPTY
    start = base * eb + shift
    offset = start % period
    return _shifted(_lines_of(offset, dims, eb, line), (start - offset) // line)


@lru_cache(maxsize=1024)
def _layout(eb: int, shape: tuple, strides: tuple, line: int) -> tuple:
    """(bytes from the base to the window's lowest address, its dimensions as sorted
    (pitch bytes, count) without repeats, the shift that moves its lines whole rows of
    every pitch), or dims None for an empty window."""
    if any(n <= 0 for n in shape):
        return 0, None, 1
    shift, dims = 0, []
    for n, s in zip(shape, strides):
        if n == 1 or s == 0:
            continue                           # one element, or the same data repeated
        if s < 0:                              # walk it forwards from its lowest address
            shift += (n - 1) * s * eb
            s = -s
        dims.append((s * eb, n))
    dims.sort()
    return shift, tuple(dims), line * lcm(*(p // line for p, _ in dims if p % line == 0))


def _shifted(fp: Footprint, d: int) -> Footprint:
    """``fp`` moved ``d`` lines on (a whole number of rows of each pitched rect)."""
    if not d:
        return fp
    rects = tuple((r[0], r[1] + d // r[0], r[2], r[3], r[4]) if r[0]
                  else flat(r[3] + d, r[4] + d) for r in fp.rects)
    return Footprint(rects, fp.lines, fp.partial_lines, fp.sequential, fp.first_line + d,
                     fp.last_line + d)


@lru_cache(maxsize=4096)
def _lines_of(start: int, dims: tuple, eb: int, line: int) -> Footprint:
    """The footprint of ``dims`` (sorted (pitch bytes, count), elements of ``eb`` bytes)
    from byte ``start``."""
    run, levels = eb, []                       # contiguous run, then (pitch, count) levels
    for pitch, n in dims:
        if not levels and pitch <= run:        # continues (or overlaps) the run
            run = (n - 1) * pitch + run
        elif levels and pitch == levels[-1][0] * levels[-1][1]:
            levels[-1] = (levels[-1][0], levels[-1][1] * n)
        else:
            levels.append((pitch, n))
    if not levels:
        a, b = start // line, -(-(start + run) // line)
        return Footprint((flat(a, b),), b - a, _partial(start, run, line), True, a, b)
    (pitch, rows), outer = levels[0], levels[1:]
    rects, partial = [], 0
    for index in product(*(range(n) for _, n in outer)):
        row_start = start + sum(i * p for i, (p, _) in zip(index, outer))
        part, n_partial = _rows(row_start, run, pitch, rows, line)
        rects.extend(part)
        partial += n_partial
    if len(rects) > 1:
        rects = _disjoint(rects)
    lines = sum(size(r) for r in rects)
    ends = [bounds(r) for r in rects]
    return Footprint(tuple(rects), lines, min(partial, lines),
                     len(rects) == 1 and not rects[0][0],
                     min(a for a, _ in ends), max(b for _, b in ends))


def _partial(start: int, run: int, line: int) -> int:
    """Lines a run of bytes covers only in part (0, 1 or 2)."""
    head, tail = start % line, (start + run) % line
    if start // line == (start + run - 1) // line:     # inside one line
        return int(head != 0 or tail != 0)
    return int(head != 0) + int(tail != 0)


def _rows(start: int, run: int, pitch: int, rows: int, line: int) -> tuple[list[Rect], int]:
    """The rects of ``rows`` runs of ``run`` bytes, ``pitch`` bytes apart, and the lines
    they cover in part."""
    end = start + (rows - 1) * pitch + run
    if pitch - run < line:                     # no whole line between rows: one run
        a, b = start // line, -(-end // line)
        gaps = 0 if pitch == run else rows - 1
        return [flat(a, b)], min(b - a, _partial(start, run, line) + 2 * gaps)
    if pitch % line:                           # rows land on lines at varying phase
        out = [flat((start + i * pitch) // line, -(-(start + i * pitch + run) // line))
               for i in range(rows)]
        return out, sum(_partial(start + i * pitch, run, line) for i in range(rows))
    p = pitch // line
    a, b = start // line, -(-(start + run) // line)
    r0, c0 = divmod(a, p)
    c1 = c0 + (b - a)
    per_row = _partial(start, run, line) * rows
    if c1 <= p:
        return [(p, r0, rows, c0, c1)], per_row
    return [(p, r0, rows, c0, p), (p, r0 + 1, rows, 0, c1 - p)], per_row


def _disjoint(rects: list[Rect]) -> list[Rect]:
    """The same lines with no line in two rects (dimensions whose rows interleave or
    repeat, as overlapping windows of a sliding view do). Each rect loses the lines of
    the earlier ones its bounds meet, found through an address index."""
    out: list[Rect] = []
    index = RectIndex()
    for r in rects:
        for q in minus_all(r, [out[n] for n in sorted(index.meeting(r))]):
            index.add(len(out), q)
            out.append(q)
    return out
