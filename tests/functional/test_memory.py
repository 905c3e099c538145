"""Block loads and stores against an element-by-element reference (FORMAT.md 4.2)."""

import itertools

import numpy as np
from hypothesis import given, settings, strategies as st

from k1sim.functional.memory import Allocation, BlockPtr, MemoryFault, read_block, write_block


def reference_read(p: BlockPtr, checked, fill=0.0):
    """Each element on its own: bounds per dim, then the allocation."""
    data = p.alloc.data
    out = np.full(p.block, fill, data.dtype)
    for pos in itertools.product(*map(range, p.block)):
        idx = [o + i for o, i in zip(p.offsets, pos)]
        inside = [0 <= x < b for x, b in zip(idx, p.shape)]
        for d, ok in enumerate(inside):
            if not ok and d not in checked:
                return "fault"
        if all(inside):
            addr = p.base + sum(x * s for x, s in zip(idx, p.strides))
            if not 0 <= addr < data.size:
                return "fault"
            out[pos] = data[addr]
    return out


@st.composite
def block_pointers(draw):
    rank = draw(st.integers(1, 3))
    size = draw(st.integers(1, 60))
    block = tuple(draw(st.integers(1, 5)) for _ in range(rank))
    shape = tuple(draw(st.integers(0, 6)) for _ in range(rank))
    strides = tuple(draw(st.integers(-3, 8)) for _ in range(rank))
    offsets = tuple(draw(st.integers(-3, 6)) for _ in range(rank))
    base = draw(st.integers(0, size - 1))
    checked = draw(st.sets(st.integers(0, rank - 1)))
    alloc = Allocation("x", "f32", (size,), "global", np.arange(size, dtype=np.float32), 4)
    return BlockPtr(alloc, base, shape, strides, offsets, block), checked


@settings(max_examples=400, deadline=None)
@given(block_pointers(), st.sampled_from([(None, 0.0), (2, np.nan), (3, -np.inf),
                                           (4, np.inf)]))
def test_read_block_matches_the_reference(case, padding):
    """tt.load's padding 2 / 3 / 4 (nan, neg_inf, pos_inf) fill the checked dims."""
    p, checked = case
    want = reference_read(p, checked, padding[1])
    try:
        got = read_block(p, checked, padding[0])
    except MemoryFault:
        got = "fault"
    if isinstance(want, str) or isinstance(got, str):
        assert got == want
    else:
        np.testing.assert_array_equal(got, want)


@settings(max_examples=300, deadline=None)
@given(block_pointers())
def test_write_block_writes_exactly_the_in_bounds_elements(case):
    p, checked = case
    if any(s == 0 for s in p.strides):
        return  # several elements at one address: which one lands is not defined
    # Writing the positions' own numbers, then reading back, must give the
    # reference's view of where each in-bounds element lives.
    value = np.arange(np.prod(p.block), dtype=np.float32).reshape(p.block) + 1000
    expected_reads = reference_read(p, checked)
    try:
        write_block(p, value, checked)
    except MemoryFault:
        assert isinstance(expected_reads, str)
        return
    assert not isinstance(expected_reads, str)
    got = read_block(p, checked)
    inside = np.ones(p.block, bool)
    for d, (o, n, b) in enumerate(zip(p.offsets, p.block, p.shape)):
        ok = (o + np.arange(n) >= 0) & (o + np.arange(n) < b)
        inside &= ok.reshape([n if i == d else 1 for i in range(len(p.block))])
    distinct = len({p.base + sum((o + i) * s for o, i, s in zip(p.offsets, pos, p.strides))
                    for pos in itertools.product(*map(range, p.block)) if inside[pos]})
    if distinct == inside.sum():  # no two in-bounds elements share an address
        np.testing.assert_array_equal(got[inside], value[inside])


def _corpus_ops(name: str) -> list:
    """The ops called ``name`` in two corpus kernels, semantics loaded."""
    from pathlib import Path

    from k1sim.functional.semantics import load_all
    from k1sim.ir.parser import parse

    load_all()
    root = Path(__file__).resolve().parents[2]
    return [op for path in ("tests/corpus/mm_split_k.xsmt", "tests/corpus/flash_attn_fwd.xsmt")
            for op in parse((root / path).read_text(), path).walk() if op.name == name]


def test_make_tensor_ptr_gives_the_pointer_it_made_before_within_a_grid_row():
    """The same operand values give the same block pointer object (its in-bounds part and
    its timing description are then worked out once), equal to the table's, while they
    recur within a row of the grid (``recurring``: programs run x fastest); a one-row grid
    keeps none, and an op holding a row's worth forgets them."""
    from types import SimpleNamespace

    from k1sim.functional.memory import Pointer
    from k1sim.functional.memory_ops import MAX_POINTERS, recurring
    from k1sim.functional.semantics import SEMANTICS, semantics_of

    op = _corpus_ops("tt.make_tensor_ptr")[0]
    base = Pointer(Allocation("a", "f16", (64, 128), "global"), 0)

    def args(row: int) -> tuple:
        return (base, np.int64(64), np.int64(128), np.int64(128), np.int64(1), np.int32(row),
                np.int32(0))

    def ctx(grid):
        return SimpleNamespace(launch=SimpleNamespace(grid=grid))

    assert recurring(ctx((8, 4, 1))) == 8 and recurring(ctx((8, 1, 2))) == 8
    assert recurring(ctx((8, 1, 1))) == 0 and recurring(None) == 0
    assert recurring(ctx((10 * MAX_POINTERS, 2, 1))) == MAX_POINTERS

    make, in_rows = semantics_of(op), ctx((8, 4, 1))
    first = make(op, args(32), in_rows)
    assert make(op, args(32), in_rows) is first == SEMANTICS[op.name](op, args(32), None)
    assert first.offsets == (32, 0) and first.block == (32, 128)
    assert make(op, args(0), in_rows).offsets == (0, 0)
    for row in range(8):                       # a row's worth of other pointers
        make(op, args(row + 100), in_rows)
    again = make(op, args(32), in_rows)
    assert again is not first and again == first

    one_row = semantics_of(op)                 # a new launch's op, on a one-row grid
    alone = one_row(op, args(32), ctx((64, 1, 1)))
    assert one_row(op, args(32), ctx((64, 1, 1))) is not alone and alone == first


def test_an_advance_by_constant_zeros_is_prepared_as_the_pointer_itself():
    """``tt.advance`` by deltas that are all ``arith.constant 0`` is decided once to be its
    pointer (what the table's advance gives); any other advance keeps the table's."""
    from k1sim.functional.semantics import PREPARED, SEMANTICS, semantics_of

    ops = _corpus_ops("tt.advance")
    p = BlockPtr(Allocation("x", "f16", (64, 64), "global"), 0, (64, 64), (64, 1), (0, 0),
                 (32, 32))
    zeros = [op for op in ops if all(v.owner.name == "arith.constant"
                                     and v.owner.prop("value") == 0 for v in op.operands[1:])]
    assert 0 < len(zeros) < len(ops)
    for op in ops:
        if op in zeros:
            args = (p, np.int32(0), np.int32(0))
            assert semantics_of(op)(op, args, None) is p is SEMANTICS[op.name](op, args, None)
        else:
            assert PREPARED[op.name](op) is None
