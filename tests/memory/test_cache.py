"""LineCache: line sets per allocation, LRU over entries, dirty lines and write-backs."""

import copy
import random

from k1sim.memory.access import Access
from k1sim.memory.cache import LineCache
from k1sim.memory.lines import size, split_lines

LINE = 64


def rows(alloc, first_row, nrows, pitch_bytes=1024, col_bytes=0, width=256):
    """``nrows`` rows of ``width`` bytes of a row-major tensor: its rects."""
    a = Access(alloc, "global", 1, first_row * pitch_bytes + col_bytes, (nrows, width),
               (pitch_bytes, 1))
    return a.footprint(LINE).rects


def access(cache, alloc, rects, write: bool) -> tuple:
    """``cache.touch`` without the missed rects: (lines that hit, dirty victims)."""
    hits, _, victims = cache.touch(alloc, rects, write)
    return hits, victims


def test_overlapping_windows_share_the_lines_they_share():
    c = LineCache(1024)
    assert access(c, "X", rows("X", 0, 16), False) == (0, [])      # 16 rows x 4 lines
    hits, _ = access(c, "X", rows("X", 8, 16), False)               # rows 8..23
    assert hits == 8 * 4
    assert c.used == 24 * 4                                          # no line twice


def test_column_blocks_of_the_same_rows_share_nothing_and_a_re_read_hits_all():
    c = LineCache(1024)
    access(c, "X", rows("X", 0, 32, col_bytes=0), False)
    assert access(c, "X", rows("X", 0, 32, col_bytes=256), False)[0] == 0
    assert access(c, "X", rows("X", 0, 32, col_bytes=0), False)[0] == 32 * 4
    assert c.resident("Y", rows("Y", 0, 32)) == 0                  # other allocations apart


def test_random_windows_hit_exactly_what_a_set_of_lines_would_hold():
    rng, c, held = random.Random(3), LineCache(10 ** 6), set()
    for _ in range(300):
        a = Access("T", "global", 4, rng.randrange(0, 64) * 256 + rng.randrange(0, 64) * 4,
                   (rng.randrange(1, 9), rng.randrange(1, 40)), (256, 1))
        fp = a.footprint(LINE)
        lines = {ln for r in fp.rects for ln in _lines(r)}
        hits, _ = access(c, "T", fp.rects, False)
        assert hits == len(lines & held)
        held |= lines
        assert c.used == len(held)


def _lines(rect):
    p, r0, n, c0, c1 = rect
    return range(c0, c1) if not p else [(r0 + i) * p + c for i in range(n)
                                       for c in range(c0, c1)]


def test_least_recently_used_entries_leave_first():
    c = LineCache(12)
    for name in "abc":
        access(c, name, rows(name, 0, 1), False)                     # 4 lines each: full
    access(c, "a", rows("a", 0, 1), False)                           # a is now the newest
    access(c, "d", rows("d", 0, 1), False)                           # evicts b
    assert [c.resident(n, rows(n, 0, 1)) for n in "abcd"] == [4, 0, 4, 4]


def test_a_transfer_bigger_than_the_cache_streams_through_and_leaves_its_tail():
    c = LineCache(64)
    access(c, "hot", rows("hot", 0, 4), False)
    big = rows("big", 0, 64)                                        # 256 lines
    assert access(c, "big", big, False)[0] == 0
    assert c.used == 64                                             # full, not emptied
    assert c.resident("big", rows("big", 48, 16)) == 64             # its last 16 rows
    assert c.resident("big", rows("big", 0, 16)) == 0
    assert access(c, "big", big, False)[0] == 0                      # a re-sweep misses


def test_dirty_lines_are_handed_back_on_eviction_and_on_flush():
    c = LineCache(16)
    access(c, "C", rows("C", 0, 2), True)                            # 8 dirty lines
    assert c.dirty_lines == 8
    hits, victims = access(c, "A", rows("A", 0, 3), False)           # 12 lines: evict 4+
    assert sum(v[2] for v in victims) >= 4 and all(v[0] == "C" for v in victims)
    left = c.dirty_lines
    assert left == 8 - sum(v[2] for v in victims)
    assert sum(v[2] for v in c.take_dirty()) == left and c.dirty_lines == 0


def test_a_read_keeps_the_dirty_lines_it_finds_and_write_backs_are_absorbed():
    c = LineCache(64)
    access(c, "C", rows("C", 0, 4), True)
    access(c, "C", rows("C", 0, 4), False)
    assert c.dirty_lines == 16
    assert c.absorb("D", rows("D", 0, 1)[0], 4) == [] and c.dirty_lines == 20


def test_touch_names_the_lines_that_missed():
    c = LineCache(1024)
    access(c, "X", rows("X", 0, 16), False)
    hits, missed, _ = c.touch("X", rows("X", 8, 16), False)        # rows 8..23
    assert hits == 8 * 4 and missed == list(rows("X", 16, 8))       # rows 16..23 only
    assert c.touch("X", rows("X", 0, 24), False)[1] == []           # all held: none


def test_a_sweep_hands_back_what_evicting_entry_by_entry_would():
    # A transfer whose tail fills the cache empties it at once; it must leave the same
    # victims, in the same order, and the same entries as taking its lines out of the
    # entries and evicting the least recently used one by one.
    rng, sweeps = random.Random(8), 0
    for _ in range(40):
        c = LineCache(48)
        for _ in range(30):
            alloc = rng.choice("XY")
            pitch = rng.choice([4, 8])
            width = rng.randrange(1, pitch + 1)
            start = rng.randrange(0, 32) * pitch + rng.randrange(0, pitch - width + 1)
            fp = Access(alloc, "global", 1, start * LINE, (rng.randrange(1, 25), width * LINE),
                        (pitch * LINE, 1)).footprint(LINE)
            write = rng.random() < 0.5
            if fp.lines > c.capacity:
                slow = copy.deepcopy(c)
                kept = split_lines(fp.rects, slow.capacity, False)
                if sum(size(r) for r in kept) == slow.capacity:
                    dirty = slow._take(alloc, fp.rects)[1]
                    want = slow._insert(alloc, fp.rects, fp.lines if write else dirty,
                                        fp.lines, kept)
                    assert c.touch(alloc, fp.rects, write)[2] == want
                    assert _state(c) == _state(slow)
                    sweeps += 1
                    continue
            c.touch(alloc, fp.rects, write)
    assert sweeps > 100


def _state(c):
    """The entries in LRU order (the order evictions take them), with the lines used."""
    return c.used, sorted((e[3], i, e[0], e[1], e[2]) for i, e in c._entries.items())
