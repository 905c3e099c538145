"""What the model must show (issue 4): the mechanisms the seed kernels exist for.

Each test asserts a mechanism (bytes, transfers, barrier waits, overlap, engine choice) and
derives any ordering between two kernels from those modelled quantities, never from a hoped-for
winner. Expected sizes come from the kernels' types and the arch files, not from a printed run.
"""

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from k1sim import Simulator, load_arch
from k1sim.library import mm_even_k

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "kernels"
SPLIT_M_LIKE_N = Path(__file__).parent / "kernels/mm_split_m_like_split_n.xsmt"


def run(path, arch=None, **kw):
    return Simulator(arch).execute(path, timing_only=True, **kw)


def rows(r, op=None, where=None):
    return [x for x in r.op_stats
            if (op is None or x["op"] == op) and (where is None or x["where"].endswith(where))]


def busy(r, thread):
    """The (start, end) of every op the thread ran, barrier waits ("sync") excluded."""
    return [(s, e) for t, u, _, _, s, e in r.trace if t == thread and u != "sync" and e > s]


def overlap(a, b):
    """Cycles during which both interval lists have an op running (each list is in order)."""
    return sum(max(0.0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def traced(r, op, where):
    """Cycles the op's executions took in the trace (its transfers, or its unit's time)."""
    return sum(e - s for _, u, o, w, s, e in r.trace if o == op and w.endswith(where))


def syncs(r):
    return [(t, s, e) for t, u, _, _, s, e in r.trace if u == "sync"]


def with_dram_bw(arch, factor):
    return arch.model_copy(update={"dram": arch.dram.model_copy(
        update={"bw_gb_per_s": factor * arch.dram.bw_gb_per_s})})


# ---------------------------------------------------------------- SPLIT_N vs SPLIT_M
def test_split_n_stages_b_through_the_scratchpad_and_split_m_does_not():
    """B staging: SPLIT_N's first-row sub-blocks store their packed B columns into the
    storage("l2") alloc (the A60 scratchpad) and every sub-block reloads them; SPLIT_M on the
    same shape, arch, dtype and blocks keeps B in registers: no local traffic at all."""
    n, m = run(KERNELS / "mm_split_n.xsmt"), run(SPLIT_M_LIKE_N)
    assert n.arch == m.arch == "0xA03C" and n.grid == m.grid == (3, 3, 1)
    # 72 x 80 in 32 x 32 blocks of 16 x 16 sub-blocks: sub_num_m, sub_num_n per block row/col.
    sub_m, sub_n = [2, 2, 1], [2, 2, 1]
    first_row = len(sub_m) * sum(sub_n)                           # 15 stage stores
    every = sum(sub_m) * sum(sub_n)                               # 25 reloads
    tile = 64 * 16 * 2                                            # [4, 1, 16, 16] f16
    (store,) = rows(n, "tt.store", "mm.py:152:16")
    (reload,) = rows(n, "tt.load", "mm.py:157:22")
    assert (store["count"], store["bound"]) == (first_row, "scratchpad")
    assert (reload["count"], reload["bound"]) == (every, "scratchpad")
    assert store["cycles"] > 0 and reload["cycles"] > 0
    assert n.bytes_by_level["scratchpad"] == (first_row + every) * tile
    assert m.bytes_by_level["scratchpad"] == 0
    assert not [x for x in m.op_stats if x["bound"] == "scratchpad" or "mbarrier" in x["op"]]
    assert Simulator().execute(SPLIT_M_LIKE_N).passed       # the variant computes c = a @ b


def test_split_n_every_waiting_sub_block_blocks_until_the_stage_is_full():
    """Barrier waits: each sub-block with s_m > 0 waits on the stage barrier; its wait shows
    as a "sync" trace entry of positive length that ends exactly when the arrive of the last
    first-row sub-block of its program ends. SPLIT_M has no barrier and no wait."""
    n, m = run(KERNELS / "mm_split_n.xsmt"), run(SPLIT_M_LIKE_N)
    waiting = sum(s - 1 for s in [2, 2, 1]) * sum([2, 2, 1])     # (sub_num_m - 1) * sub_num_n
    waits = syncs(n)
    assert len(waits) == waiting == rows(n, "xsmt_async.mbarrier_wait")[0]["count"] == 10
    assert all(e > s for _, s, e in waits)
    arrives = [(t, e) for t, _, op, _, s, e in n.trace
               if op == "xsmt_async.mbarrier_arrive" and e > s]
    for t, _, end in waits:
        assert any(a_t != t and a_e == end for a_t, a_e in arrives)
    per_thread = defaultdict(float)
    for t, s, e in waits:
        per_thread[t] += e - s
    assert n.wait_cycles == pytest.approx(dict(per_thread))
    assert sum(n.wait_cycles.values()) > 0 and 0 not in n.wait_cycles   # thread 0: s_m == 0
    assert not syncs(m) and not any(m.wait_cycles.values())


@pytest.mark.parametrize("path", [KERNELS / "mm_split_n.xsmt", SPLIT_M_LIKE_N])
def test_split_sub_blocks_run_concurrently_on_their_threads(path):
    """Overlap: the sub-blocks of a program run on different threads at the same time, so
    their trace intervals intersect and the run is shorter than the threads' summed work."""
    r = run(path)
    threads = sorted({t for t, *_ in r.trace})
    assert len(threads) > 1
    assert overlap(busy(r, threads[0]), busy(r, threads[1])) > 0.25 * r.cycles
    assert r.cycles < sum(e - s for t in threads for s, e in busy(r, t))


# ---------------------------------------------------------------- FIFO split 1 vs 2
SLOT_BYTES = 16 * 64 * 4           # one [16, 64] f32 FIFO entry
TILES = 2 * 6                      # 2 programs x 6 KV tiles


def fifo(split):
    r = run(KERNELS / f"fifo_split{split}.xsmt")
    (producer,) = {t for t, _, _, w, *_ in r.trace if w.endswith("fifo_attn.py:58:16")}
    (consumer,) = {t for t, _, _, w, *_ in r.trace if w.endswith("fifo_attn.py:70:20")}
    return r, producer, consumer


def test_fifo_working_sets_against_registers_l1_and_scratchpad():
    """Working set: an entry is the whole 0xA064 register file (32 x VLEN/8 = 4 KiB), so it
    cannot stay in registers next to its operands; the 2-slot FIFO (8 KiB) would fit L1 but
    lives in the scratchpad (storage "l2" on A100): both kernels move exactly the slot bytes
    through it, split 2 in twice as many half-width writes."""
    arch = load_arch("0xA064")
    assert SLOT_BYTES == arch.register_file_bytes == 32 * arch.rvv.vlen_bits // 8
    assert SLOT_BYTES // 2 < arch.register_file_bytes
    assert 2 * SLOT_BYTES <= arch.l1.size_kib * 1024 <= arch.scratchpad.size_kib * 1024
    for split in (1, 2):
        r, _, _ = fifo(split)
        (store,) = rows(r, "tt.store", "fifo_attn.py:58:16")
        (load,) = rows(r, "tt.load", "fifo_attn.py:70:20")
        assert (store["count"], load["count"]) == (split * TILES, TILES)
        assert store["bound"] == load["bound"] == "scratchpad"
        assert r.bytes_by_level["scratchpad"] == 2 * TILES * SLOT_BYTES   # one write + one read
        assert r.bytes_by_level["L1"] == 0                      # no FIFO traffic through L1


@pytest.mark.parametrize("split", [1, 2])
def test_fifo_producer_and_consumer_overlap_and_the_consumer_waits(split):
    """Producer/consumer overlap and barrier waits: the two parallel iterations run on two
    threads at once; the consumer blocks on the "full" barrier before every entry (6 tiles x 2
    programs), and the producer never blocks on "empty" (the consumer frees slots in time)."""
    r, producer, consumer = fifo(split)
    assert producer != consumer
    assert overlap(busy(r, producer), busy(r, consumer)) > 0.5 * r.cycles
    waits = syncs(r)
    # the consumer blocks on entries the producer has not filled yet (not on every one:
    # the producer's loads do not block it, so it sometimes runs ahead)
    assert 0 < len(waits) <= TILES and all(t == consumer and e > s for t, s, e in waits)
    assert r.wait_cycles[consumer] > 0 and not r.wait_cycles.get(producer)


def test_fifo_split_cost_difference_is_the_producers_extra_transfers():
    """Which split is faster follows from the modelled work: the consumer waits on the
    producer for every entry, so the producer is the critical path and the cycle difference
    is the producer's extra time. Split 2 moves the same bytes and flops in twice as many
    K-tile loads and slot writes (each paying its latency again: 12 extra scratchpad writes x
    latency) plus an inner loop's scalar ops."""
    (r1, p1, c1), (r2, p2, c2) = fifo(1), fifo(2)
    assert r1.bytes_by_level == r2.bytes_by_level and r1.ops == r2.ops
    extra = (sum(e - s for s, e in busy(r2, p2)) - sum(e - s for s, e in busy(r1, p1)))
    # the producer's time moves the run by no more than it changes (its loads overlap)
    assert abs(r2.cycles - r1.cycles) <= abs(extra) + 0.01 * r1.cycles
    # the consumer's work is the same: what changes for it is how long it waits
    def compute(r, t):
        return sum(r.unit_busy[t][u] for u in ("scalar", "vector", "matrix"))
    assert compute(r2, c2) == pytest.approx(compute(r1, c1), rel=0.01)

    def delta(op, where):   # the time the op's executions took (trace: issue to done)
        return traced(r2, op, where) - traced(r1, op, where)
    pad = load_arch("0xA064").scratchpad
    # split 2 writes each slot as two halves, each taking max(latency, bytes / port)
    def write(nbytes):
        return max(pad.latency_cycles, nbytes / pad.bw_bytes_per_cycle)
    assert delta("tt.store", "fifo_attn.py:58:16") == pytest.approx(
        TILES * (2 * write(SLOT_BYTES // 2) - write(SLOT_BYTES)))
    # The K-tile load runs as the pack that absorbs it: 24 K tiles, not 12.
    (k1,), (k2,) = (rows(r, "tt.load+xsmt.pack", "fifo_attn.py:54:20") for r in (r1, r2))
    assert k2["count"] == 2 * k1["count"]
    assert delta("xsmt.mmt4d", "fifo_attn.py:56:21") == pytest.approx(0.0, abs=1e-6)
    only2 = sum(x["cycles"] for x in r2.op_stats
                if not rows(r1, x["op"], x["where"]))
    assert only2 > 0                                                   # the inner loop's ops


# ---------------------------------------------------------------- scratchpad round trip
def test_scratchpad_round_trip_is_measured_per_op_and_costs_its_latency():
    """The store of P into the alloc and its packed reload are their own op_stats rows at
    their source lines, bound by the scratchpad, each taking max(latency, bytes / port
    bandwidth); adding latency to the scratchpad adds it on each program's path."""
    arch = load_arch("0xA064")
    r = run(KERNELS / "scratchpad_roundtrip.xsmt")
    p_bytes = 32 * 32 * 2                                          # P: [32, 32] f16
    # the port's latency overlaps its transfer (k1sim.memory: max, never the sum)
    one = max(arch.scratchpad.latency_cycles, p_bytes / arch.scratchpad.bw_bytes_per_cycle)
    for op, where in (("tt.store", "scratchpad_roundtrip.py:53:4"),
                      ("tt.load", "scratchpad_roundtrip.py:55:15")):
        (row,) = rows(r, op, where)
        assert row["bound"] == "scratchpad" and row["count"] == 2
        assert traced(r, op, where) == pytest.approx(2 * one)
    assert r.bytes_by_level["scratchpad"] == 2 * 2 * p_bytes
    slow = arch.model_copy(update={"scratchpad": arch.scratchpad.model_copy(
        update={"latency_cycles": arch.scratchpad.latency_cycles + 100})})
    slow_one = max(arch.scratchpad.latency_cycles + 100,
                   p_bytes / arch.scratchpad.bw_bytes_per_cycle)
    # the slower port shows on each program's path (the reload waits for its data; the
    # store's port time may overlap other work), never more than both ops' extra time
    slower = run(KERNELS / "scratchpad_roundtrip.xsmt", slow).cycles
    assert r.cycles + (slow_one - one) - 2 <= slower <= r.cycles + 2 * (slow_one - one) + 2


# ---------------------------------------------------------------- engines
def test_int8_gemm_runs_on_the_ime_of_a60_and_on_rvv_of_x60():
    """Engine choice: int8 mmt4d runs on the IME of 0xA03C ("ime:i8") and falls back to RVV
    with a warning on 0x503C ("rvv:i8"). The matrix op is 4x faster (256 vs 64 i8 ops per
    cycle); the library GEMM gains less end to end because it is memory bound (59 ops/B
    against a ridge of ~192 ops/B on A60): the same bytes move on both archs, and the cycles
    saved are the matrix time saved, shared by the 4 threads."""
    a60, x60 = run(KERNELS / "gemm_i8.xsmt"), run(KERNELS / "gemm_i8.xsmt", "0x503C")
    assert set(a60.ops) == {("ime", "i8")} and set(x60.ops) == {("rvv", "i8")}
    assert a60.ops["ime", "i8"] == x60.ops["rvv", "i8"]
    assert any("runs on RVV" in w and "gemm_i8.py:62:18" in w for w in x60.warnings)
    assert not any("runs on RVV" in w for w in a60.warnings)
    ime, rvv = (rows(r, "xsmt.mmt4d")[0]["cycles"] for r in (a60, x60))
    peak_ratio = (load_arch("0xA03C").peak_ops_per_cycle("ime", "i8")
                  / load_arch("0x503C").peak_ops_per_cycle("rvv", "i8"))
    assert rvv / ime == pytest.approx(peak_ratio, rel=0.05) and rvv / ime >= 3
    assert a60.bytes_by_level == x60.bytes_by_level
    assert x60.cycles - a60.cycles == pytest.approx((rvv - ime) / a60.threads, rel=0.10)


def test_compute_bound_int8_gemm_is_far_faster_on_the_ime():
    """Where the GEMM is compute bound (operands reused from L1 64 times), the IME's 4x
    issue rate shows end to end: >= 3x fewer cycles than RVV on x60."""
    path = KERNELS / "micro/ime_i8_loop.xsmt"
    a60, x60 = run(path), run(path, "0x503C")
    assert set(a60.ops) == {("ime", "i8")} and set(x60.ops) == {("rvv", "i8")}
    assert x60.cycles >= 3 * a60.cycles


# ---------------------------------------------------------------- monotonic and physical
def gemm(M, N, K, arch, micro):
    """FlagGems EVEN_K mm built in Python: one whole-K block per program."""
    return mm_even_k(M, N, K, arch=arch, threads=4, micro=micro, out="f32", bk=K)


@pytest.mark.parametrize("arch, micro", [("0xA064", (16, 8, 32)), ("0xA03C", (8, 32, 32))])
@pytest.mark.parametrize("dim", ["M", "N", "K"])
def test_gemm_cycles_never_decrease_as_a_dimension_grows(arch, micro, dim):
    """Monotonic: growing M, N (more programs) or K (bigger blocks) never lowers cycles."""
    sizes = range(micro[1], 321, micro[1]) if dim == "K" else range(32, 321, 32)
    cycles = []
    for s in sizes:
        d = {"M": 96, "N": 96, "K": 64, dim: s}
        cycles.append(run(gemm(d["M"], d["N"], d["K"], arch, micro)).cycles)
    assert cycles == sorted(cycles) and cycles[-1] > cycles[0]


def test_gemm_i8_cycles_never_decrease_as_the_grid_grows():
    """Monotonic: running more of gemm_i8's programs (more C blocks) never lowers cycles."""
    cycles = [run(KERNELS / "gemm_i8.xsmt", grid=g).cycles
              for g in [(1, 1), (1, 2), (2, 2), (3, 2), (3, 3), (3, 4)]]
    assert cycles == sorted(cycles) and cycles[-1] > cycles[0]


@pytest.mark.parametrize("arch_id", ["0x503C", "0xA064"])
def test_twice_the_dram_bandwidth_speeds_a_copy_up_to_the_cores_miss_limit(arch_id):
    """Physical: a copy's reads run at min(channel peak, cores x one core's misses in
    flight), its write-backs share the channel; doubling the channel never slows it, at
    most halves it, and pays clearly where the channel is the limit."""
    arch = load_arch(arch_id)
    path = KERNELS / "micro/stream_copy.xsmt"
    for n in (arch.cores, 1):
        def bound(a):
            return min(a.dram_bytes_per_cycle, n * a.outstanding_misses * a.l1.line_bytes
                       / a.dram_latency_cycles)
        fast_arch = with_dram_bw(arch, 2)
        base = run(path, arch, grid=(n,), threads=n).cycles
        fast = run(path, fast_arch, grid=(n,), threads=n).cycles
        # never slower, and never more than the channel's growth: at most twice as fast
        assert 0.5 - 1e-6 <= fast / base <= 1.0
        if bound(arch) < bound(fast_arch):   # the channel limits: doubling it pays
            assert fast / base < 0.75


LIBRARY = sorted([*KERNELS.glob("*.xsmt"), *KERNELS.glob("micro/*.xsmt")])


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_twice_the_dram_bandwidth_never_slows_a_library_kernel(path):
    """Physical: more DRAM bandwidth never costs cycles, for any kernel of the library."""
    base = run(path)
    arch = load_arch(base.arch)
    assert run(path, with_dram_bw(arch, 2)).cycles <= base.cycles


# ---------------------------------------------------------------- determinism
@pytest.mark.parametrize("name", ["mm_split_n.xsmt", "fifo_split2.xsmt"])
def test_same_input_arch_and_seed_give_bit_identical_cycles_and_values(name):
    """Determinism: two full runs agree bit for bit (cycles, values, trace); a timing-only
    run takes the same cycles; timing never depends on the values (another seed, same
    cycles, different outputs)."""
    path = KERNELS / name
    a, b = (Simulator().execute(path, seed=7) for _ in range(2))
    assert a.passed and a.cycles == b.cycles and a.trace == b.trace
    assert all(np.array_equal(a.outputs[k], b.outputs[k]) for k in a.outputs)
    assert run(path, seed=7).cycles == a.cycles
    other = Simulator().execute(path, seed=8)
    assert other.cycles == a.cycles
    assert any(not np.array_equal(a.outputs[k], other.outputs[k]) for k in a.outputs)
