"""LineCache: line sets per allocation, LRU over entries, dirty lines and write-backs."""

import random

from k1sim.memory.access import Access
from k1sim.memory.cache import LineCache

LINE = 64


def rows(alloc, first_row, nrows, pitch_bytes=1024, col_bytes=0, width=256):
    """``nrows`` rows of ``width`` bytes of a row-major tensor: its rects."""
    a = Access(alloc, "global", 1, first_row * pitch_bytes + col_bytes, (nrows, width),
               (pitch_bytes, 1))
    return a.footprint(LINE).rects


def test_overlapping_windows_share_the_lines_they_share():
    c = LineCache(1024)
    assert c.access("X", rows("X", 0, 16), False) == (0, [])      # 16 rows x 4 lines
    hits, _ = c.access("X", rows("X", 8, 16), False)               # rows 8..23
    assert hits == 8 * 4
    assert c.used == 24 * 4                                          # no line twice


def test_column_blocks_of_the_same_rows_share_nothing_and_a_re_read_hits_all():
    c = LineCache(1024)
    c.access("X", rows("X", 0, 32, col_bytes=0), False)
    assert c.access("X", rows("X", 0, 32, col_bytes=256), False)[0] == 0
    assert c.access("X", rows("X", 0, 32, col_bytes=0), False)[0] == 32 * 4
    assert c.resident("Y", rows("Y", 0, 32)) == 0                  # other allocations apart


def test_random_windows_hit_exactly_what_a_set_of_lines_would_hold():
    rng, c, held = random.Random(3), LineCache(10 ** 6), set()
    for _ in range(300):
        a = Access("T", "global", 4, rng.randrange(0, 64) * 256 + rng.randrange(0, 64) * 4,
                   (rng.randrange(1, 9), rng.randrange(1, 40)), (256, 1))
        fp = a.footprint(LINE)
        lines = {ln for r in fp.rects for ln in _lines(r)}
        hits, _ = c.access("T", fp.rects, False)
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
        c.access(name, rows(name, 0, 1), False)                     # 4 lines each: full
    c.access("a", rows("a", 0, 1), False)                           # a is now the newest
    c.access("d", rows("d", 0, 1), False)                           # evicts b
    assert [c.resident(n, rows(n, 0, 1)) for n in "abcd"] == [4, 0, 4, 4]


def test_a_transfer_bigger_than_the_cache_streams_through_and_leaves_its_tail():
    c = LineCache(64)
    c.access("hot", rows("hot", 0, 4), False)
    big = rows("big", 0, 64)                                        # 256 lines
    assert c.access("big", big, False)[0] == 0
    assert c.used == 64                                             # full, not emptied
    assert c.resident("big", rows("big", 48, 16)) == 64             # its last 16 rows
    assert c.resident("big", rows("big", 0, 16)) == 0
    assert c.access("big", big, False)[0] == 0                      # a re-sweep misses


def test_dirty_lines_are_handed_back_on_eviction_and_on_flush():
    c = LineCache(16)
    c.access("C", rows("C", 0, 2), True)                            # 8 dirty lines
    assert c.dirty_lines == 8
    hits, victims = c.access("A", rows("A", 0, 3), False)           # 12 lines: evict 4+
    assert sum(v[2] for v in victims) >= 4 and all(v[0] == "C" for v in victims)
    left = c.dirty_lines
    assert left == 8 - sum(v[2] for v in victims)
    assert sum(v[2] for v in c.take_dirty()) == left and c.dirty_lines == 0


def test_a_read_keeps_the_dirty_lines_it_finds_and_write_backs_are_absorbed():
    c = LineCache(64)
    c.access("C", rows("C", 0, 4), True)
    c.access("C", rows("C", 0, 4), False)
    assert c.dirty_lines == 16
    assert c.absorb("D", rows("D", 0, 1)[0], 4) == [] and c.dirty_lines == 20


def test_touch_names_the_lines_that_missed():
    c = LineCache(1024)
    c.access("X", rows("X", 0, 16), False)
    hits, missed, _ = c.touch("X", rows("X", 8, 16), False)        # rows 8..23
    assert hits == 8 * 4 and missed == list(rows("X", 16, 8))       # rows 16..23 only
    assert c.touch("X", rows("X", 0, 24), False)[1] == []           # all held: none
