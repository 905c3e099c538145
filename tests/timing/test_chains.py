"""Dependent chains: an op that needs the previous result waits for its latency.

N mmt4d, each taking the previous one's result as its A operand, against the same N on the
same operands with no dependence. The independent ones pipeline (one issue slot apart, the
latency paid once at the end); each link of the chain waits for the latency beyond its
predecessor's issue. So the chain is slower by (N - 1) x that wait, the per-op stats show
it as ``wait`` on every link but the first, and nothing else changes. Latencies come from
the arch files (the IME's ``matrix.latency_cycles``, RVV's vector float latency).
"""

import pytest

from k1sim import Simulator, load_arch
from k1sim.arch import ARCH_IDS
from k1sim.ir.builder import Builder, f16, f32, i8, i32, tensor

N = 8
TILE = 8          # an 8 x 8 x 8 micro tile: 0xA064's f16 IME tile; the result feeds A


def mmt4ds(arch_id, dtype, dependent: bool) -> Builder:
    shape = (1, 1, TILE, TILE)
    b = Builder(arch=arch_id, num_threads=1, grid=(1,))
    with b.kernel("chain") as k:
        a, w = k.const(0.5, dtype, shape), k.const(0.25, dtype, shape)
        x = a
        for _ in range(N):
            x = k.emit("xsmt.mmt4d", [x if dependent else a, w], tensor(shape, dtype))
    return b


def link_wait(arch, engine: str) -> float:
    """Cycles a consumer waits beyond its producer's issue slots: the result latency."""
    if engine == "ime":   # one IME instruction per mmt4d: latency less its issue slot
        return arch.matrix.latency_cycles - 1 / arch.matrix.instructions_per_cycle
    return arch.latency.vector_float_cycles - 1   # RVV: latency less the last vector slot


@pytest.mark.parametrize("arch_id, dtype, engine", [
    ("0xA064", f16, "ime"), ("0x503C", f32, "rvv"), ("0xA064", f32, "rvv")],
    ids=["a100-ime-f16", "x60-rvv-f32", "a100-rvv-f32"])
def test_a_chain_of_mmt4d_is_slower_by_the_latency_and_the_op_stats_show_the_wait(
        arch_id, dtype, engine):
    arch = load_arch(arch_id)
    free = Simulator(arch).execute(mmt4ds(arch_id, dtype, False), timing_only=True)
    chain = Simulator(arch).execute(mmt4ds(arch_id, dtype, True), timing_only=True)
    assert {k.engine for k in chain.ops} == {engine} and chain.ops == free.ops
    wait = link_wait(arch, engine)
    assert wait > 0
    assert chain.cycles - free.cycles == pytest.approx((N - 1) * wait, abs=1.0)
    links = [x for x in chain.op_stats if x["op"] == "xsmt.mmt4d"]
    assert len(links) == N
    assert sum(x["wait"] for x in links) == pytest.approx((N - 1) * wait)
    assert sorted(x["wait"] for x in links)[0] == 0             # the first link waits for none
    assert all(x["wait"] == 0 for x in free.op_stats)
    if engine == "ime":
        # one instruction per link: each link takes the whole latency, and the stats name it
        assert chain.cycles == pytest.approx(N * arch.matrix.latency_cycles, abs=1.0)
        assert sum(x["bound"] == "latency" for x in links) == N - 1


# In-place accumulation: ``acc += mmt4d(a, b)`` reads the accumulator registers the previous
# accumulate into them wrote, so it waits for that result, less the instructions that lie
# between the two writes of each tile.
IME_I8 = [a for a in ARCH_IDS
          if load_arch(a).matrix.kind == "ime" and "i8" in load_arch(a).matrix.tiles]
TRIPS = 32


def accumulating(arch_id, tiles: int, per_acc: int, accumulators: int) -> Builder:
    """Each trip, ``per_acc`` mmt4d (``acc + p0 + p1 ...``) into each of ``accumulators``
    accumulators, every mmt4d ``tiles`` i8 IME tiles (M1 = tiles, one K step), on
    constants."""
    t = load_arch(arch_id).matrix.tiles["i8"]
    b = Builder(arch=arch_id, num_threads=1, grid=(1,))
    with b.kernel("accumulate") as k:
        a4, b4 = k.const(1, i8, (tiles, 1, t.m, t.k)), k.const(2, i8, (1, 1, t.n, t.k))
        zero = k.const(0, i32, (tiles, 1, t.m, t.n))
        with k.range(0, TRIPS, 1, iter_args=[zero] * accumulators) as loop:
            out = []
            for acc in loop.args:
                for _ in range(per_acc):
                    acc = k.add(acc, k.dot(a4, b4, acc_dtype=i32))
                out.append(acc)
            k.yield_(*out)
    return b


def timed_run(builder, arch_id):
    return Simulator(arch_id).execute(builder, timing_only=True)


@pytest.mark.parametrize("arch_id", IME_I8)
def test_accumulates_into_one_tile_wait_for_the_latency_and_independent_ones_do_not(arch_id):
    """16 one-tile accumulates a trip into one accumulator against one into each of 16: the
    chain pays the latency beyond the issue slot on every link, the op stats show it as
    wait with bound ``latency``; the independent ones never wait."""
    arch = load_arch(arch_id)
    n, slot, latency = 16, 1 / arch.matrix.instructions_per_cycle, arch.matrix.latency_cycles
    chain = timed_run(accumulating(arch_id, 1, n, 1), arch_id)
    free = timed_run(accumulating(arch_id, 1, 1, n), arch_id)
    assert chain.ops == free.ops
    link = latency - slot
    assert chain.cycles - free.cycles == pytest.approx(TRIPS * n * link, rel=0.05)
    links = [x for x in chain.op_stats if x["op"] == "xsmt.mmt4d"]
    assert sum(x["wait"] for x in links) == pytest.approx((TRIPS * n - 1) * link, rel=0.01)
    assert all(x["bound"] == "latency" for x in links[1:])
    assert all(x["wait"] == 0 for x in free.op_stats if x["op"] == "xsmt.mmt4d")


@pytest.mark.parametrize("tiles", [1, 2, 4, 8])
@pytest.mark.parametrize("arch_id", IME_I8)
def test_independent_tiles_of_one_accumulate_hide_the_latency(arch_id, tiles):
    """One accumulator of ``tiles`` tiles, one accumulate a trip: each tile is written once
    per op at the same place in its instruction order, so a trip takes the longer of the
    op's issue time and the latency: the more tiles, the less of the latency shows."""
    arch = load_arch(arch_id)
    slot, latency = 1 / arch.matrix.instructions_per_cycle, arch.matrix.latency_cycles
    r = timed_run(accumulating(arch_id, tiles, 1, 1), arch_id)
    assert r.cycles / TRIPS == pytest.approx(max(tiles * slot, latency), abs=1.0)
