"""A write-back LRU cache that holds line sets (rects per allocation), not blocks.

Each entry is a rect of lines of one allocation (see ``k1sim.memory.lines``) with the
time it was last used and how many of its lines are dirty. Entries never overlap: an
access takes the lines it touches out of older entries (a hit for each line it finds)
and holds them in entries of its own, so two overlapping windows of a tensor share the
lines they share and a strided window finds exactly the lines it touches. The cost is
per access and per entry it meets, never per line: each allocation's entries are kept in
an address index (``RectIndex``), so a transfer of many rows finds the few entries near
each row.

Replacement is least-recently-used over entries; an entry evicted in part loses whole
rows from its front. A transfer with more lines than the cache streams through it: the
cache keeps its last ``capacity`` lines (as line-granular LRU does), and only lines
among its first ``capacity`` count as hits, since a sweep evicts what it reaches late.

Dirty lines are counted, not placed: an entry knows how many of its lines are dirty,
and a split shares them in proportion. Evicting an entry with dirty lines hands back
``(alloc, rect, dirty lines)`` for the level below to write back.
"""

from __future__ import annotations

from functools import lru_cache
from heapq import heapify, heappop, heappush, heapreplace

from k1sim.memory.lines import (RectIndex, bounds, minus_all, overlap, size, split_front,
                                split_lines)

Victim = tuple   # (alloc, rect, dirty lines): lines leaving the cache that must be written


def _meet(x, e) -> bool:
    """May two rects share a line? Exact for two boxes of one pitch (the common case:
    windows of one tensor), else whether their address ranges overlap."""
    if x[0] and x[0] == e[0]:
        return x[1] < e[1] + e[2] and e[1] < x[1] + x[2] and x[3] < e[4] and e[3] < x[4]
    xa, xb = bounds(x)
    ea, eb = bounds(e)
    return xa < eb and ea < xb


class LineCache:
    """Holds at most ``capacity_lines`` lines (the memory system counts hits and misses)."""

    def __init__(self, capacity_lines: int):
        if capacity_lines < 0:
            raise ValueError(f"cache capacity must be >= 0 lines, got {capacity_lines}")
        self.capacity = capacity_lines
        self.used = 0
        self._entries: dict[int, list] = {}        # id -> [alloc, rect, dirty, stamp]
        self._by_alloc: dict[object, RectIndex] = {}
        self._lru: list[tuple[int, int]] = []      # (stamp, id); stale pairs are skipped
        self._clock = 0
        self._ids = 0

    @property
    def dirty_lines(self) -> int:
        return sum(e[2] for e in self._entries.values())

    def resident(self, alloc, rects) -> int:
        """Lines of ``rects`` the cache holds (a peek: counts and order unchanged)."""
        index = self._by_alloc.get(alloc)
        if index is None:
            return 0
        entries = self._entries
        return sum(overlap(x, e) for x in rects for i in index.meeting(x)
                   if _meet(x, e := entries[i][1]))

    def touch(self, alloc, rects, write: bool, total=None) -> tuple[int, list, list[Victim]]:
        """Touch ``rects`` of ``alloc`` (``total`` lines, when the caller knows): (lines
        that hit, the rects of the lines that missed, dirty victims). The missed rects are
        what the level below must serve (all of a sweep bigger than the cache). A write
        makes the lines dirty; a read keeps the dirty lines it finds dirty."""
        if total is None:
            total = sum(r[2] * (r[4] - r[3]) for r in rects)
        if total > self.capacity:
            return self._sweep(alloc, rects, write, total)
        if alloc not in self._by_alloc:            # nothing of it held: every line misses
            return 0, rects, self._insert(alloc, rects, total if write else 0, total, rects)
        touched: list = []
        hits, dirty = self._take(alloc, rects, touched)
        missed = rects if not hits else [] if hits == total else _without(rects, touched)
        return hits, missed, self._insert(alloc, rects, total if write else dirty, total, rects)

    def absorb(self, alloc, rect, dirty: int) -> list[Victim]:
        """Take lines written back from the level above (neither a hit nor a miss)."""
        held = self._take(alloc, (rect,))[1] if alloc in self._by_alloc else 0
        n = size(rect)
        return self._insert(alloc, (rect,), min(n, dirty + held), n, (rect,))

    def take_dirty(self) -> list[Victim]:
        """Every dirty line, marked clean (what a flush writes back)."""
        out = []
        for e in self._entries.values():
            if e[2]:
                out.append((e[0], e[1], e[2]))
                e[2] = 0
        return out

    def _sweep(self, alloc, rects, write: bool, total: int) -> tuple[int, list, list[Victim]]:
        """A transfer with more lines than the cache: it finds only what it reaches early
        and leaves its last ``capacity`` lines."""
        front, kept, kept_lines = _ends(rects if type(rects) is tuple else tuple(rects),
                                        self.capacity)
        held = alloc in self._by_alloc                    # else nothing to find or cut
        hits = self.resident(alloc, front) if held else 0
        if kept_lines < self.capacity:                     # whole rows fell short
            dirty = self._take(alloc, rects)[1]
            return hits, rects, self._insert(alloc, rects, total if write else dirty, total,
                                             kept)
        # The tail fills the cache, so every line held before leaves, oldest first: what
        # taking the sweep's lines out, then evicting entry by entry, would hand back,
        # without building the entries in between. A cut entry's pieces take new ids in
        # turn, as ``_take`` gives them. Only dirty lines are written, so only they are
        # listed.
        cuts = ({i: (pieces, left) for i, pieces, left in self._cuts(alloc, rects)} if held
                else None)
        leaving, nid, dirty = [], self._ids, 0
        for i, (alloc_, rect, e_dirty, stamp) in self._entries.items():   # id order
            cut = cuts.get(i) if cuts else None
            if cut is None:
                if e_dirty:
                    leaving.append((stamp, i, alloc_, rect, e_dirty))
                continue
            pieces, left = cut
            keep = e_dirty * left // size(rect)
            dirty += e_dirty - keep
            for q in pieces:
                nid += 1
                if share := keep * size(q) // left:
                    leaving.append((stamp, nid, alloc_, q, share))
        if leaving:
            leaving.sort()
            leaving = [(a, r, d) for _, _, a, r, d in leaving]
        self._ids = nid
        self._entries, self._by_alloc, self._lru, self.used = {}, {}, [], 0
        return hits, rects, self._insert(alloc, rects, total if write else dirty, total, kept,
                                         leaving)

    def _cuts(self, alloc, rects) -> list:
        """The entries ``rects`` take lines from, oldest first (by id): (id, the pieces
        left of it, their lines). Each is cut by the rects whose bounds meet it, in order."""
        index = self._by_alloc.get(alloc)
        if index is None:
            return []
        entries = self._entries
        if len(rects) == 1:
            x = rects[0]
            near = index.meeting(x)
            near.sort()
            pairs = [(i, rects) for i in near if _meet(x, entries[i][1])]
        else:
            meets: dict[int, list] = {}            # entry id -> rects that may cut it
            for x in rects:
                for i in index.meeting(x):
                    meets.setdefault(i, []).append(x)
            pairs = [(i, meets[i]) for i in sorted(meets)
                     if any(_meet(x, entries[i][1]) for x in meets[i])]
        out = []
        for i, near in pairs:                      # each shares a line with the access
            rect = entries[i][1]
            pieces = minus_all(rect, near)
            left = sum(q[2] * (q[4] - q[3]) for q in pieces)
            if left != rect[2] * (rect[4] - rect[3]):
                out.append((i, pieces, left))
        return out

    def _take(self, alloc, rects, touched=None) -> tuple[int, int]:
        """Remove ``rects``' lines from the entries holding them: (lines removed, how
        many of them were dirty); ``touched`` collects those entries' rects."""
        removed = dirty = 0
        entries = self._entries
        for i, pieces, left in self._cuts(alloc, rects):
            _, rect, e_dirty, stamp = entries[i]
            self._drop(i)
            if touched is not None:
                touched.append(rect)
            n = rect[2] * (rect[4] - rect[3])
            removed += n - left
            keep = e_dirty * left // n
            dirty += e_dirty - keep
            for q in pieces:
                self._add(alloc, q, keep * (q[2] * (q[4] - q[3])) // left if left else 0, stamp)
        return removed, dirty

    def _insert(self, alloc, rects, dirty: int, total: int, kept,
                gone=()) -> list[Victim]:
        """Hold ``kept`` (``rects``, or their tail when they outnumber the cache) as the
        newest lines, ``dirty`` of ``rects``' lines dirty; the dirty victims, after ``gone``
        (dirty ones too). Clean lines that leave are never listed: nothing is written."""
        one = len(kept) == 1
        kept_lines = kept[0][2] * (kept[0][4] - kept[0][3]) if one else sum(map(size, kept))
        victims = []
        if dirty > kept_lines:                     # streamed past: its head leaves at once
            for r in split_lines(rects, total - kept_lines, True):
                share = size(r) * (dirty - kept_lines) // (total - kept_lines)
                if share:
                    victims.append((alloc, r, share))
            dirty = kept_lines
        if gone:
            victims.extend(gone)
        self._clock = stamp = self._clock + 1
        if one:                                    # all of ``dirty`` is its share
            self._add(alloc, kept[0], dirty, stamp)
        else:
            for r in kept:
                self._add(alloc, r, dirty * size(r) // kept_lines if kept_lines else 0, stamp)
        if self.used > self.capacity:
            self._evict(victims)
        return victims

    def _evict(self, victims: list) -> None:
        """Evict least recently used entries (the dirty ones into ``victims``) until the
        lines fit, the last one in part (its first lines) when that is enough; stale LRU
        pairs (of entries no longer held) are skipped."""
        entries, lru, by_alloc, capacity = self._entries, self._lru, self._by_alloc, self.capacity
        while self.used > capacity:
            stamp, i = lru[0]
            entry = entries.pop(i, None)
            if entry is None:
                heappop(lru)
                continue
            alloc, rect, dirty, _ = entry
            need = self.used - capacity
            n = rect[2] * (rect[4] - rect[3])
            index = by_alloc[alloc]
            left = index.remove(i)
            self.used -= n
            front, rest = (rect, None) if need >= n else split_front(rect, need)
            if rest is None:
                heappop(lru)
                if not left:
                    del by_alloc[alloc]
                if dirty:
                    victims.append((alloc, rect, dirty))
                continue
            # The rest stays as a new entry (``_add``, inline: the index is at hand, and
            # the pair takes the old one's place at the top of the heap in one step).
            gone = dirty * (front[2] * (front[4] - front[3])) // n
            j = self._ids = self._ids + 1
            entries[j] = [alloc, rest, dirty - gone, stamp]
            index.add(j, rest)
            heapreplace(lru, (stamp, j))
            self.used += rest[2] * (rest[4] - rest[3])
            if gone:
                victims.append((alloc, front, gone))

    def _add(self, alloc, rect, dirty: int, stamp: int) -> None:
        i = self._ids = self._ids + 1
        self._entries[i] = [alloc, rect, dirty, stamp]
        index = self._by_alloc.get(alloc)
        if index is None:
            index = self._by_alloc[alloc] = RectIndex(True)    # disjoint: entries never meet
        index.add(i, rect)
        heappush(self._lru, (stamp, i))
        self.used += rect[2] * (rect[4] - rect[3])     # size(rect)

    def _drop(self, i: int) -> None:
        """Forget entry ``i``, leaving its LRU pair stale (the only way one goes stale:
        eviction pops its pair, a sweep starts the heap anew)."""
        entries = self._entries
        alloc, rect, _, _ = entries.pop(i)
        if not self._by_alloc[alloc].remove(i):
            del self._by_alloc[alloc]
        self.used -= rect[2] * (rect[4] - rect[3])
        if len(self._lru) > 4 * len(entries) + 64:     # drop the stale pairs
            self._lru = [(e[3], j) for j, e in entries.items()]
            heapify(self._lru)


@lru_cache(maxsize=1024)
def _ends(rects: tuple, k: int) -> tuple[list, list, int]:
    """The first and the last ``k`` lines of ``rects``, and how many the last are (a sweep
    of one window repeats)."""
    back = split_lines(rects, k, False)
    return tuple(split_lines(rects, k, True)), tuple(back), sum(size(r) for r in back)


def _without(rects, held) -> list:
    """The lines of ``rects`` in none of ``held``, as rects."""
    index = RectIndex.of(held)
    return [q for x in rects
            for q in minus_all(x, [held[n] for n in sorted(index.meeting(x))])]


def unique_victims(groups) -> list[list[Victim]]:
    """Each cache's victims without the lines an earlier cache's victims already hold: a
    line several caches hold dirty (their stores shared it; coherence is not modelled) is
    written once. A victim cut in part keeps its dirty count in proportion."""
    seen: dict[object, tuple[list, RectIndex]] = {}   # alloc -> rects kept so far, index
    out = []
    for victims in groups:
        kept = []
        for alloc, rect, dirty in victims:
            held, index = seen.get(alloc, ((), None))
            near = sorted(index.meeting(rect)) if index else ()
            pieces = minus_all(rect, [h for n in near if _meet(rect, h := held[n])])
            left = sum(size(q) for q in pieces)
            share = dirty * left // size(rect)
            kept.extend((alloc, q, share * size(q) // left) for q in pieces)
        for alloc, rect, _ in victims:
            held, index = seen.setdefault(alloc, ([], RectIndex()))
            index.add(len(held), rect)
            held.append(rect)
        out.append([v for v in kept if v[2] > 0])
    return out
