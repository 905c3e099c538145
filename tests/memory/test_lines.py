"""Line sets as rects, and the lines a transfer descriptor touches, against brute force."""

import random

import pytest

from k1sim.memory.access import Access, _lines_of
from k1sim.memory.lines import (RectIndex, bounds, flat, minus, overlap, size, split_lines,
                              to_pitch)

LINE = 64


def lines_of(rect) -> set:
    p, r0, n, c0, c1 = rect
    if not p:
        return set(range(c0, c1))
    return {(r0 + i) * p + c for i in range(n) for c in range(c0, c1)}


def union(rects) -> set:
    out = set()
    for r in rects:
        out |= lines_of(r)
    return out


def random_rect(rng):
    if rng.random() < 0.3:
        a = rng.randrange(0, 60)
        return flat(a, a + rng.randrange(1, 30))
    p = rng.choice([4, 6, 8])
    c0 = rng.randrange(0, p)
    return (p, rng.randrange(0, 6), rng.randrange(1, 6), c0, rng.randrange(c0 + 1, p + 1))


def test_overlap_minus_and_reframing_agree_with_sets():
    rng = random.Random(7)
    for _ in range(3000):
        x, e = random_rect(rng), random_rect(rng)
        assert overlap(x, e) == len(lines_of(x) & lines_of(e))
        assert union(minus(e, x)) == lines_of(e) - lines_of(x)
        assert sum(size(r) for r in minus(e, x)) == len(lines_of(e) - lines_of(x))
        for p in (0, 5, 8):
            assert union(to_pitch(e, p)) == lines_of(e)


def test_split_lines_keeps_the_front_or_the_back():
    rects = [flat(0, 10), (8, 2, 3, 0, 4)]            # 10 lines, then 3 rows of 4
    assert union(split_lines(rects, 12, True)) == set(range(10)) | {16, 17, 18, 19}
    assert union(split_lines(rects, 8, False)) == {24, 25, 26, 27, 32, 33, 34, 35}


def touched(access: Access) -> set:
    """Every line of every element, the slow way."""
    out = set()

    def walk(dim, addr):
        if dim == len(access.shape):
            first = addr * access.elem_bytes
            out.update(range(first // LINE, (first + access.elem_bytes - 1) // LINE + 1))
            return
        for i in range(access.shape[dim]):
            walk(dim + 1, addr + i * access.strides[dim])
    walk(0, access.base)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_footprints_are_the_lines_every_element_touches(seed):
    rng = random.Random(seed)
    for _ in range(150):
        eb = rng.choice([1, 2, 4])
        rank = rng.randrange(1, 4)
        shape = tuple(rng.randrange(1, 9) for _ in range(rank))
        strides = tuple(rng.choice([0, 1, 3, 8, 16, 40, 64, 150, 256]) for _ in range(rank))
        a = Access("t", "global", eb, rng.randrange(0, 200), shape, strides)
        fp = a.footprint(LINE)
        assert union(fp.rects) == touched(a), a
        assert fp.lines == len(touched(a))
        assert 0 <= fp.partial_lines <= fp.lines


def test_a_window_far_along_has_the_footprint_computed_from_its_own_start():
    # Footprints of one shape are computed once and shifted by whole rows (a store per
    # output tile): every field must equal the computation from the window's own start.
    rng = random.Random(5)
    for _ in range(300):
        eb = rng.choice([1, 2, 4])
        rank = rng.randrange(1, 4)
        shape = tuple(rng.randrange(2, 9) for _ in range(rank))
        strides = tuple(rng.choice([1, 3, 16, 32, 40, 64, 96, 256, 1024]) for _ in range(rank))
        a = Access("t", "global", eb, rng.randrange(0, 10 ** 6), shape, strides)
        dims = tuple(sorted((s * eb, n) for n, s in zip(shape, strides)))
        assert a.footprint(LINE) == _lines_of(a.base * eb, dims, eb, LINE), a


def test_a_transposed_tile_touches_a_line_per_column():
    rows_major = Access("A", "global", 1, 0, (4, 64), (4096, 1)).footprint(LINE)
    column = Access("A", "global", 1, 0, (4, 64), (1, 4096)).footprint(LINE)
    assert (rows_major.lines, column.lines) == (4, 64)
    assert rows_major.partial_lines == 0 and column.partial_lines == 64


def test_a_packed_window_is_one_block_and_a_contiguous_run_is_sequential():
    packed = Access("A", "global", 1, 0, (2, 4, 4, 8), (4 * 128, 8, 128, 1)).footprint(LINE)
    assert len(packed.rects) == 1 and packed.lines == 8 and not packed.sequential
    run = Access.contiguous("A", 4096, base_bytes=64).footprint(LINE)
    assert run.sequential and (run.first_line, run.last_line, run.lines) == (1, 65, 64)
    assert Access.contiguous("A", 100, base_bytes=10).footprint(LINE).partial_lines == 2


def test_bad_descriptors_are_refused():
    with pytest.raises(ValueError, match="global, local or fragment"):
        Access("A", "tcm", 1, 0, (4,), (1,))
    with pytest.raises(ValueError, match="differ in rank"):
        Access("A", "global", 1, 0, (4, 4), (1,))


@pytest.mark.parametrize("disjoint", [False, True])
def test_the_address_index_finds_exactly_the_rects_whose_bounds_meet_a_rects(disjoint):
    rng = random.Random(11)
    for _ in range(200):
        index, held = RectIndex(disjoint=disjoint), {}
        for key in range(rng.randrange(1, 3 * RectIndex.SCAN_MOST)):   # scanned, then sorted
            r = random_rect(rng)
            if disjoint and not r[0]:
                if any(lines_of(r) & lines_of(h) for h in held.values() if not h[0]):
                    continue                   # a cache's flat entries never share a line
            index.add(key, r)
            held[key] = r
        for key in rng.sample(sorted(held), len(held) // 3):
            held.pop(key)
            index.remove(key)
        assert len(index) == len(held)
        for _ in range(10):
            query = random_rect(rng)               # a flat range or a pitched rect
            a, b = bounds(query)
            want = {k for k, r in held.items() if bounds(r)[0] < b and a < bounds(r)[1]}
            got = index.meeting(query)
            assert sorted(got) == sorted(want) and len(got) == len(set(got))


def test_a_footprint_of_many_interleaved_rows_is_disjoint_and_complete():
    # Rows 40 bytes long every 100 bytes (a pitch of no whole lines), then the same rows
    # shifted by half a row: every touched line once, none twice.
    fp = Access("t", "global", 1, 0, (2, 300, 40), (20, 100, 1)).footprint(LINE)
    want = {(base + i * 100 + j) // LINE for base in (0, 20) for i in range(300)
            for j in range(40)}
    got = [line for r in fp.rects for line in lines_of(r)]
    assert len(got) == len(set(got)) and set(got) == want and fp.lines == len(want)
