"""The register-blocking plan's budgets: which registers each matrix engine plans with, and
accumulators that stay in them.

* An AME keeps its accumulator tile in its own tile registers (``matrix.register_bytes``).
  When the accumulators fit there beside one K step's A and B tiles but the whole of A and
  B does not, a micro kernel keeps the accumulators resident and streams only A and B: an
  in-place accumulating loop pays no C load or store per mmt4d, so it is not L1-bound.
* The IME's budget is the 32 x VLEN vector register file; an IME arch's
  ``matrix.register_bytes`` is one instruction's footprint (one A, B and C tile), not a
  budget.

Expected bytes come from the tile sizes of the arch files, never from a printed run.
"""

import pytest

from k1sim import Simulator, ame, ime, load_arch
from k1sim.arch import ARCH_IDS
from k1sim.cost.work import MatrixShape
from k1sim.ir.builder import Builder, i8, i32

AME_I8 = [a for a in ARCH_IDS
          if load_arch(a).matrix.kind == "ame" and "i8" in load_arch(a).matrix.tiles]
IME = [a for a in ARCH_IDS if load_arch(a).matrix.kind == "ime"]
TRIPS = 64
K1 = 2
# Input element bytes per tile dtype; every IME tile accumulates in 4-byte i32 / f32.
IN_BYTES = {"i8": 1, "i4": 0.5, "f16": 2, "bf16": 2}


def i8_step(arch, k1: int, accumulates=True) -> MatrixShape:
    """One engine tile per micro tile, ``k1`` K steps: ``A [1, k1, M, K] x B [1, k1, N, K]``."""
    t = arch.matrix.tiles["i8"]
    return MatrixShape("i8", 1, 1, k1, t.m, t.k, t.n, 1, 4, accumulates, (t.m, t.k, t.n))


def accumulating_loop(arch_id, k1: int) -> Builder:
    """``acc += mmt4d(a, b)`` each trip on constant i8 operands of one tile per micro tile
    and ``k1`` K steps, one accumulator."""
    t = load_arch(arch_id).matrix.tiles["i8"]
    b = Builder(arch=arch_id, num_threads=1, grid=(1,))
    with b.kernel("ame_loop") as k:
        a4, b4 = k.const(1, i8, (1, k1, t.m, t.k)), k.const(2, i8, (1, k1, t.n, t.k))
        with k.range(0, TRIPS, 1, iter_args=[k.const(0, i32, (1, 1, t.m, t.n))]) as loop:
            k.yield_(k.add(loop.args[0], k.dot(a4, b4, acc_dtype=i32)))
    return b


@pytest.mark.parametrize("arch_id", AME_I8)
def test_an_ame_accumulator_that_fits_its_tile_registers_stays_there(arch_id):
    arch = load_arch(arch_id)
    t = arch.matrix.tiles["i8"]
    a_tile, b_tile, c_tile = t.m * t.k, t.n * t.k, t.m * t.n * 4
    # the case: one accumulator tile beside one K step fits, the whole of A and B does not
    assert c_tile + a_tile + b_tile <= arch.matrix.register_bytes
    assert c_tile + K1 * (a_tile + b_tile) > arch.matrix.register_bytes
    cost = ame.cost(i8_step(arch, K1), arch)
    assert cost.plan.c_bytes == 0                               # no C load, no C store
    assert (cost.plan.a_bytes, cost.plan.b_bytes) == (K1 * a_tile, K1 * b_tile)  # A, B once
    assert cost.reg_bytes / arch.l1.bw_bytes_per_cycle <= cost.issue_cycles     # not L1-bound

    r = Simulator(arch).execute(accumulating_loop(arch_id, K1), timing_only=True)
    events = [e for e in r.trace if e[2] == "xsmt.mmt4d"]
    assert len(events) == TRIPS
    assert all(e.args["reg_bytes"] == K1 * (a_tile + b_tile) for e in events)
    (row,) = [x for x in r.op_stats if x["op"] == "xsmt.mmt4d"]
    assert row["bound"] != "L1"
    # the matrix unit is busy for the instructions alone; a trip adds at most the result
    # latency (the next accumulate into the same tile waits for it), never C traffic
    issue = K1 / arch.matrix.instructions_per_cycle
    assert r.unit_busy[0]["matrix"] == pytest.approx(TRIPS * issue)
    assert r.cycles <= TRIPS * (issue + arch.matrix.latency_cycles) + arch.matrix.latency_cycles


@pytest.mark.parametrize("arch_id", IME)
def test_an_ime_arch_register_bytes_is_one_instructions_footprint(arch_id):
    """``matrix.register_bytes`` on an IME arch is one tile's A + B + C, for every dtype."""
    arch = load_arch(arch_id)
    for dtype, t in arch.matrix.tiles.items():
        footprint = (t.m * t.k + t.n * t.k) * IN_BYTES[dtype] + t.m * t.n * 4
        assert footprint == arch.matrix.register_bytes, dtype


@pytest.mark.parametrize("arch_id", IME)
def test_the_ime_plans_with_the_whole_vector_register_file(arch_id):
    """A step bigger than one instruction's footprint but within 32 x VLEN stays in the
    vector registers (no L1 bytes); one bigger than the file is blocked and streams."""
    arch = load_arch(arch_id)
    t = arch.matrix.tiles["i8"]
    per_step = t.m * t.k + t.n * t.k + t.m * t.n * 4
    k1 = 1
    while per_step + k1 * (t.m * t.k + t.n * t.k) <= arch.register_file_bytes:
        k1 += 1           # the most K steps whose A, B and C fit the register file
    fits = i8_step(arch, k1)
    assert ime.cost(fits, arch).reg_bytes == 0
    assert per_step + (k1 - 1) * (t.m * t.k + t.n * t.k) > arch.matrix.register_bytes
    too_big = fits._replace(M1=8, N1=8, K1=8 * k1)
    assert ime.cost(too_big, arch).reg_bytes > 0
