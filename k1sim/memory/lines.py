"""Sets of cache lines as a few rectangles, so a cache costs per transfer, never per line.

A transfer of a tile touches the lines of its rows: the same run of lines in every row,
one row pitch apart. That is a *rect* ``(pitch, row0, rows, col0, col1)`` in line units:
the lines ``(row0 + i) * pitch + c`` for ``0 <= i < rows`` and ``col0 <= c < col1``, with
``0 <= col0 < col1 <= pitch``. A plain run of lines ``[a, b)`` is a *flat* rect
``(0, 0, 1, a, b)``. A B panel of 2048 rows is one rect, not 2048 intervals.

Two rects of the same pitch intersect and subtract as boxes on the (row, column) grid, in
O(1). A flat run meets a pitched rect in the rect's frame (the run cut into at most three
boxes); two rects of different pitches (the same buffer seen with two row lengths, rare)
meet row by row.
"""

from __future__ import annotations

from bisect import bisect_left, insort

Rect = tuple   # (pitch, row0, rows, col0, col1); pitch 0 = flat run [col0, col1)


def flat(a: int, b: int) -> Rect:
    return (0, 0, 1, a, b)


def size(r: Rect) -> int:
    return r[2] * (r[4] - r[3])


def bounds(r: Rect) -> tuple[int, int]:
    """First line and one past the last."""
    p, r0, n, c0, c1 = r
    if not p:
        return c0, c1
    return r0 * p + c0, (r0 + n - 1) * p + c1


def to_pitch(r: Rect, p: int) -> list[Rect]:
    """``r`` as boxes of pitch ``p`` (0 = flat runs)."""
    if r[0] == p:
        return [r]
    if r[0]:                                   # pitched -> flat runs, one per row
        q, r0, n, c0, c1 = r
        if c0 == 0 and c1 == q:
            return to_pitch(flat(r0 * q, (r0 + n) * q), p)
        runs = [flat((r0 + i) * q + c0, (r0 + i) * q + c1) for i in range(n)]
        return runs if not p else [b for run in runs for b in to_pitch(run, p)]
    a, b = r[3], r[4]                          # flat -> at most three boxes of pitch p
    ra, ca = divmod(a, p)
    rb, cb = divmod(b, p)
    if ra == rb:
        return [(p, ra, 1, ca, cb)]
    out = []
    if ca:
        out.append((p, ra, 1, ca, p))
        ra += 1
    if rb > ra:
        out.append((p, ra, rb - ra, 0, p))
    if cb:
        out.append((p, rb, 1, 0, cb))
    return out


def _frame(x: Rect, e: Rect) -> int:
    """The pitch two rects meet in: a shared one, the pitched one's, else flat."""
    if x[0] == e[0] or not x[0]:
        return e[0]
    return x[0] if not e[0] else 0


def _box_meet(x: Rect, e: Rect) -> Rect | None:
    """Intersection of two boxes of the same pitch."""
    r0, r1 = max(x[1], e[1]), min(x[1] + x[2], e[1] + e[2])
    c0, c1 = max(x[3], e[3]), min(x[4], e[4])
    if r0 >= r1 or c0 >= c1:
        return None
    return (e[0], r0, r1 - r0, c0, c1)


def _box_minus(e: Rect, m: Rect) -> list[Rect]:
    """``e`` without its sub-box ``m`` (same pitch): up to four boxes."""
    p, r0, n, c0, c1 = e
    out = []
    if m[1] > r0:
        out.append((p, r0, m[1] - r0, c0, c1))
    if m[1] + m[2] < r0 + n:
        out.append((p, m[1] + m[2], r0 + n - m[1] - m[2], c0, c1))
    if m[3] > c0:
        out.append((p, m[1], m[2], c0, m[3]))
    if m[4] < c1:
        out.append((p, m[1], m[2], m[4], c1))
    return out


def overlap(x: Rect, e: Rect) -> int:
    """Lines ``x`` and ``e`` have in common."""
    if x[0] == e[0]:                           # one pitch (the common case): two boxes
        m = _box_meet(x, e)
        return 0 if m is None else m[2] * (m[4] - m[3])
    xa, xb = bounds(x)
    ea, eb = bounds(e)
    if xb <= ea or eb <= xa:
        return 0
    p = _frame(x, e)
    return sum(size(m) for xp in to_pitch(x, p) for ep in to_pitch(e, p)
               if (m := _box_meet(xp, ep)) is not None)


def minus(e: Rect, x: Rect) -> list[Rect]:
    """The lines of ``e`` not in ``x``, as rects."""
    if x[0] == e[0]:                           # one pitch (the common case): two boxes
        m = _box_meet(x, e)
        return [e] if m is None else _box_minus(e, m)
    xa, xb = bounds(x)
    ea, eb = bounds(e)
    if xb <= ea or eb <= xa:
        return [e]
    p = _frame(x, e)
    pieces = to_pitch(e, p)
    for xp in to_pitch(x, p):
        nxt = []
        for piece in pieces:
            m = _box_meet(xp, piece)
            nxt.extend([piece] if m is None else _box_minus(piece, m))
        pieces = nxt
    return pieces


def minus_all(r: Rect, others) -> list[Rect]:
    """The lines of ``r`` in none of ``others``, as rects (cut by each in turn)."""
    pieces = [r]
    for x in others:
        pieces = [q for piece in pieces for q in minus(piece, x)]
    return pieces


def split_front(r: Rect, k: int) -> tuple[Rect | None, Rect | None]:
    """(first lines of ``r``, the rest): whole rows of a pitched rect (so the front can
    be up to a row longer than ``k``), exactly ``k`` lines of a flat run."""
    p, r0, n, c0, c1 = r
    if not p:
        if k >= c1 - c0:
            return r, None
        return (0, 0, 1, c0, c0 + k), (0, 0, 1, c0 + k, c1)     # flat(), inline: evictions
    rows = -(-k // (c1 - c0))
    if rows >= n:
        return r, None
    return (p, r0, rows, c0, c1), (p, r0 + rows, n - rows, c0, c1)


def split_lines(rects, k: int, keep_front: bool) -> list[Rect]:
    """The first (``keep_front``) or last ``k`` lines of rects in address order."""
    seq = list(rects) if keep_front else list(reversed(rects))
    out, left = [], k
    for r in seq:
        if left <= 0:
            break
        n = size(r)
        if n <= left:
            out.append(r)
        elif keep_front:
            out.append(split_front(r, left)[0])
        else:
            rest = split_front(r, n - left)[1]
            if rest is not None:
                out.append(rest)
        left -= n
    return out if keep_front else out[::-1]


class RectIndex:
    """Keys of rects by address, so a query finds the rects whose bounds meet a range
    without scanning them all: the cost of a transfer of many rows grows with its rows,
    not with the square of them.

    A few rects (at most ``SCAN_MOST``, as a cache mostly holds per allocation) are
    scanned: cheaper than keeping them sorted. Past that, flat runs and pitched rects are
    kept apart, each sorted by first line. A query takes the rects starting in
    ``[a - span, b)``, where ``span`` is the widest bounds of that kind held, and keeps
    those ending after ``a``. With ``disjoint`` flat runs (a cache's entries never share
    a line) a query instead takes the runs starting in ``[a, b)`` and the one before, so
    one long run does not widen every query. Either way a query finds the same keys; in
    no promised order.
    """

    SCAN_MOST = 16
    __slots__ = ("_disjoint", "_bounds", "_sorted", "_span")   # one per cached allocation

    def __init__(self, disjoint: bool = False):
        self._disjoint = disjoint
        self._bounds: dict = {}        # key -> (first line, end line, pitched?)
        self._sorted = None            # [flat, pitched] of (first line, end line, key)
        # _span, set when sorted: the widest bounds held, flat and pitched

    @classmethod
    def of(cls, rects) -> "RectIndex":
        """An index of ``rects`` keyed by their positions in the list."""
        index = cls()
        for n, r in enumerate(rects):
            index.add(n, r)
        return index

    def __len__(self) -> int:
        return len(self._bounds)

    def add(self, key, r: Rect) -> None:
        p, r0, n, c0, c1 = r
        self._bounds[key] = ab = (r0 * p + c0, (r0 + n - 1) * p + c1, 1) if p else (c0, c1, 0)
        if self._sorted is not None:
            a, b, kind = ab
            insort(self._sorted[kind], (a, b, key))
            if b - a > self._span[kind]:
                self._span[kind] = b - a
        elif len(self._bounds) > self.SCAN_MOST:
            self._sort()

    def remove(self, key) -> int:
        """Forget ``key``: how many keys are left."""
        a, b, kind = self._bounds.pop(key)
        left = len(self._bounds)
        if self._sorted is not None:
            rows = self._sorted[kind]
            del rows[bisect_left(rows, (a, b, key))]
            if left <= self.SCAN_MOST // 2:
                self._sorted = None
        return left

    def _sort(self) -> None:
        self._sorted, self._span = [[], []], [0, 0]
        for key, (a, b, kind) in self._bounds.items():
            self._sorted[kind].append((a, b, key))
            if b - a > self._span[kind]:
                self._span[kind] = b - a
        self._sorted[0].sort()
        self._sorted[1].sort()

    def meeting(self, r: Rect) -> list:
        """Keys whose bounds overlap those of rect ``r``."""
        p, r0, n, c0, c1 = r                       # its bounds, as ``bounds`` gives them
        a, b = (r0 * p + c0, (r0 + n - 1) * p + c1) if p else (c0, c1)
        if self._sorted is None:
            return [key for key, (ka, kb, _) in self._bounds.items() if ka < b and a < kb]
        flat, pitched = self._sorted
        if self._disjoint:                         # only the run before ``a`` may reach it
            j = bisect_left(flat, (a,))
            j -= bool(j and flat[j - 1][1] > a)
        else:
            j = bisect_left(flat, (a - self._span[0],))
        return (_ending_after(flat, j, a, b)
                + _ending_after(pitched, bisect_left(pitched, (a - self._span[1],)), a, b))


def _ending_after(rows: list, j: int, a: int, b: int) -> list:
    """Keys of ``rows[j:]`` that start before ``b`` and end after ``a``."""
    return [row[2] for row in rows[j:bisect_left(rows, (b,))] if row[1] > a]
