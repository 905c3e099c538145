"""cpufp's loops: register-resident operands, independent instructions, nothing but compute.

cpufp measures a core's peak with a long loop of independent multiply-accumulates on
operands held in registers; on the board such loops reach the vendor formulas of
HARDWARE.md. The same loops here must reach them too, whatever the micro tile, and run as
fast on each of 4 cores as on one (they share nothing). Expected rates come from
HARDWARE.md's formulas or the arch's issue rate, never from a printed run.
"""

import pytest

from k1sim import Simulator, load_arch
from k1sim.arch import ARCH_IDS
from k1sim.ir.builder import Builder, f16, f32, i8, i32

IME_I8 = [a for a in ARCH_IDS
          if load_arch(a).matrix.kind == "ime" and "i8" in load_arch(a).matrix.tiles]
TRIPS = 64
# (M1, N1, K1) micro-tile steps of one mmt4d and independent accumulators per trip (one
# mmt4d each), 32 IME instructions per trip either way: the issue's [2,4,4,8] x [2,4,4,8]
# step, and one tile per mmt4d. cpufp's multiply-accumulates are independent: each
# accumulator's next accumulate comes a whole trip later, so none waits for the latency
# (``test_chains.py`` shows what one accumulator costs).
SHAPES = [((2, 2, 4), 2), ((1, 1, 1), 16)]


def ime_loop(arch_id, steps, accumulators, threads=1) -> Builder:
    """``acc_j += mmt4d(a, b)`` for ``accumulators`` independent accumulators a trip, on
    constant i8 operands whose micro tile is one IME tile (m0 x k0 x n0 = the arch's i8
    tile); each thread runs the loop."""
    tile = load_arch(arch_id).matrix.tiles["i8"]
    m1, n1, k1 = steps
    b = Builder(arch=arch_id, num_threads=threads, grid=(threads,))
    with b.kernel("cpufp_ime") as k:
        a4 = k.const(1, i8, (m1, k1, tile.m, tile.k))
        b4 = k.const(2, i8, (n1, k1, tile.n, tile.k))
        zero = k.const(0, i32, (m1, n1, tile.m, tile.n))
        with k.range(0, TRIPS, 1, iter_args=[zero] * accumulators) as loop:
            # acc += p accumulates in place
            k.yield_(*[k.add(acc, k.dot(a4, b4, acc_dtype=i32)) for acc in loop.args])
    return b


def run(builder, arch_id):
    return Simulator(arch_id).execute(builder, timing_only=True)


@pytest.mark.parametrize("steps, accumulators", SHAPES, ids=["2x2x4-steps", "one-tile"])
@pytest.mark.parametrize("arch_id", IME_I8)
def test_an_ime_loop_on_register_operands_runs_at_the_ime_issue_rate(arch_id, steps,
                                                                      accumulators):
    arch = load_arch(arch_id)
    r = run(ime_loop(arch_id, steps, accumulators), arch_id)
    instructions = TRIPS * accumulators * steps[0] * steps[1] * steps[2]
    issue_rate = arch.matrix.instructions_per_cycle
    tile = arch.matrix.tiles["i8"]
    assert r.ops["ime", "i8"] == instructions * 2 * tile.m * tile.k * tile.n
    assert instructions / issue_rate / r.cycles >= 0.90      # >= 90% of the issue rate
    assert r.pct_of_peak()["ime", "i8"] <= 100.0 + 1e-9       # never above it
    assert r.bytes_by_level["L1"] == 0 and r.bytes_by_level["DRAM"] == 0  # registers only
    rows = [x for x in r.op_stats if x["op"] == "xsmt.mmt4d"]
    assert all(x["bound"] == "ime" and x["wait"] == 0 for x in rows)  # none waits on another


@pytest.mark.parametrize("arch_id", IME_I8)
def test_the_ime_loop_scales_linearly_to_four_cores(arch_id):
    """4 threads running the loop each: the same cycles (within 2%), 4x the ops per second."""
    steps, accumulators = SHAPES[0]
    one = run(ime_loop(arch_id, steps, accumulators, 1), arch_id)
    four = run(ime_loop(arch_id, steps, accumulators, 4), arch_id)
    assert len(four.unit_busy) == 4
    assert four.cycles == pytest.approx(one.cycles, rel=0.02)
    speedup = four.achieved_ops_per_s()["ime", "i8"] / one.achieved_ops_per_s()["ime", "i8"]
    assert speedup == pytest.approx(4.0, rel=0.02)


# HARDWARE.md, "vector peak (vendor)" of the X60: per core at 2 GHz.
X60_VECTOR_PEAK = {"f32": 0.032e12, "f16": 0.064e12}


def fma_loop(dtype, accumulators) -> Builder:
    """``acc_j = fma(x, y, acc_j)`` (RVV ``vfmacc``) on ``accumulators`` independent
    accumulators of one LMUL-4 register group each, on constant operands, on 0x503C."""
    arch = load_arch("0x503C")
    lanes = 4 * arch.rvv.vlen_bits // (32 if dtype is f32 else 16)
    b = Builder(arch="0x503C", num_threads=1, grid=(1,))
    with b.kernel("cpufp_rvv") as k:
        x, y = k.const(1.0, dtype, (lanes,)), k.const(0.5, dtype, (lanes,))
        with k.range(0, TRIPS, 1, iter_args=[k.const(0.0, dtype, (lanes,))] * accumulators) \
                as loop:
            k.yield_(*[k.fma(x, y, acc) for acc in loop.args])
    return b


@pytest.mark.parametrize("dtype, name", [(f32, "f32"), (f16, "f16")], ids=["f32", "f16"])
def test_an_rvv_fma_loop_on_x60_reaches_the_vendor_vector_peak(dtype, name):
    """Four independent accumulators cover the FMA latency: >= 90% of HARDWARE.md's vendor
    peak. One accumulator is a chain: each FMA waits for the previous one's latency, and its
    op stats show the wait."""
    r = run(fma_loop(dtype, 4), "0x503C")
    assert r.achieved_ops_per_s()["rvv", name] >= 0.90 * X60_VECTOR_PEAK[name]
    assert r.achieved_ops_per_s()["rvv", name] <= X60_VECTOR_PEAK[name] * (1 + 1e-9)
    rows = [x for x in r.op_stats if x["op"] == "math.fma"]
    assert len(rows) == 4 and all(x["wait"] == 0 for x in rows)
    chain = run(fma_loop(dtype, 1), "0x503C")
    (row,) = [x for x in chain.op_stats if x["op"] == "math.fma"]
    assert row["wait"] > 0
    assert chain.achieved_ops_per_s()["rvv", name] < 0.75 * X60_VECTOR_PEAK[name]
