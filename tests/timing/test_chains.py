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
from k1sim.ir.builder import Builder, f16, f32, tensor

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
