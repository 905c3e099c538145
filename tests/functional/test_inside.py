"""A block pointer's in-bounds part (``BlockPtr.inside``), which loads, stores and the
timing model read, against each element of the window on its own."""

import itertools

import numpy as np
from hypothesis import given, settings, strategies as st

from k1sim.functional.memory import Allocation, BlockPtr


@st.composite
def windows(draw):
    rank = draw(st.integers(1, 3))
    block = tuple(draw(st.integers(0, 5)) for _ in range(rank))
    shape = tuple(draw(st.integers(0, 6)) for _ in range(rank))
    strides = tuple(draw(st.integers(-3, 8)) for _ in range(rank))
    offsets = tuple(draw(st.integers(-7, 7)) for _ in range(rank))
    alloc = Allocation("x", "f32", (64,), "global", itemsize=4)
    return BlockPtr(alloc, draw(st.integers(0, 63)), shape, strides, offsets, block)


@settings(max_examples=500, deadline=None)
@given(windows())
def test_inside_is_the_in_bounds_elements(p):
    inside = p.inside()
    positions = list(itertools.product(*map(range, p.block)))
    kept = [pos for pos in positions
            if all(0 <= o + i < b for o, i, b in zip(p.offsets, pos, p.shape))]
    assert inside.share == (len(kept) / len(positions) if positions else 0.0)
    assert inside.origin == p.base + sum(o * s for o, s in zip(p.offsets, p.strides))
    per_dim = [sorted({pos[d] for pos in kept}) for d in range(len(p.block))]
    if kept:
        first = min(kept)
        address = p.base + sum((o + i) * s for o, i, s in zip(p.offsets, first, p.strides))
        assert inside.start == inside.base == address
        assert inside.shape == tuple(len(run) for run in per_dim)
        assert inside.runs == tuple((run[0], run[-1] + 1) for run in per_dim)
        addresses = [p.base + sum((o + i) * s for o, i, s in zip(p.offsets, pos, p.strides))
                     for pos in kept]
        leaves = min(addresses) < 0 or max(addresses) >= p.alloc.size
        assert inside.reaches_out or not leaves    # may over-approximate, never miss
    else:
        assert inside.start is None and not inside.reaches_out
        assert 0 in inside.shape
    assert inside.partial == tuple(d for d, (lo, hi) in enumerate(inside.runs)
                                   if (lo, hi) != (0, p.block[d]))
    assert p.inside() is inside                  # computed once per pointer


def test_a_whole_window_and_its_moves_share_the_pointer():
    alloc = Allocation("a", "f16", (64, 64), "global", itemsize=2)
    p = BlockPtr(alloc, 0, (64, 64), (64, 1), (32, 0), (32, 64))
    assert p.advance((0, 0)) is p
    assert p.window((np.int32(0), np.int32(0)), (32, 64)) is p
    moved = p.advance((1, 0))
    assert moved is not p and moved.offsets == (33, 0) and moved == BlockPtr(
        alloc, 0, (64, 64), (64, 1), (33, 0), (32, 64))
    part = p.window((0, 8), (32, 64))
    assert part.offsets == (32, 8) and part.block == (32, 56)
