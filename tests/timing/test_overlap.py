"""Overlap in practice: a software-pipelined K loop hides its loads behind its mmt4d.

The same int8 K loop on 0xA03C written twice: the plain one loads a K tile of A and B and
multiplies it at once, so each mmt4d waits for its own loads; the pipelined one issues the
next tile's loads before the current mmt4d (the tiles ride the loop as carried values), so
the loads are in flight while the IME computes. Loads are non-blocking: only a consumer
waits. The summary's ``overlap`` line shows what compute hid.
"""

import re

import pytest

from k1sim import Simulator
from k1sim.ir.builder import Builder, i8, i32, ptr
from k1sim.report import summary

M = N = 32
BK = 64
TRIPS = 16
MICRO = (16, 32, 16)          # multiples of the A60's 4 x 8 x 4 int8 IME tile


def k_loop(pipelined: bool) -> Builder:
    k_total = (TRIPS + 1) * BK           # room for the pipelined loop's last prefetch
    b = Builder(arch="0xA03C", num_threads=1, grid=(1,))
    with b.kernel("k_loop") as k:
        a = k.arg("a", ptr(i8), shape=(M, k_total), init="randint:-8:8")
        bt = k.arg("bt", ptr(i8), shape=(N, k_total), init="randint:-8:8")
        c = k.arg("c", ptr(i32), shape=(M, N))
        kk = k.arg("K", i32, value=k_total)
        a_ptr = k.make_block_ptr(a, [M, kk], [kk, 1], [0, 0], (M, BK), (1, 0))
        b_ptr = k.make_block_ptr(bt, [N, kk], [kk, 1], [0, 0], (N, BK), (1, 0))

        def tiles(off):
            mm, mk, mn = MICRO
            return (k.view(k.descriptor_load(a_ptr, (0, off)), (0, 0), (M, BK), (mm, mk)),
                    k.view(k.descriptor_load(b_ptr, (0, off)), (0, 0), (N, BK), (mn, mk)))

        zero = k.const(0, i32, (M // MICRO[0], N // MICRO[2], MICRO[0], MICRO[2]))
        if pipelined:
            with k.range(0, TRIPS, 1, iter_args=[zero, *tiles(0)]) as loop:
                acc, ta, tb = loop.args
                nxt = tiles(k.mul(k.add(loop.iv, 1), BK))      # next tile's loads first
                k.yield_(k.add(acc, k.dot(ta, tb, acc_dtype=i32)), *nxt)
        else:
            with k.range(0, TRIPS, 1, iter_args=[zero]) as loop:
                ta, tb = tiles(k.mul(loop.iv, BK))
                k.yield_(k.add(loop.args[0], k.dot(ta, tb, acc_dtype=i32)))
        c_ptr = k.make_block_ptr(c, [M, N], [N, 1], [0, 0], (M, N), (1, 0))
        k.store(c_ptr, k.view(loop.results[0], (0, 0), (M, N), (1, 1)), boundary_check=(0, 1))
    return b


def run(pipelined):
    return Simulator("0xA03C").execute(k_loop(pipelined), timing_only=True)


def shown_overlap(r) -> tuple[int, int]:
    (line,) = [x for x in summary(r).splitlines() if x.startswith("overlap")]
    hid, moved = re.match(r"overlap     compute hid at least ([\d,]+) of ([\d,]+) transfer cycles",
                          line).groups()
    return int(hid.replace(",", "")), int(moved.replace(",", ""))


def test_the_next_tiles_loads_issued_before_the_mmt4d_hide_behind_it():
    plain, piped = run(False), run(True)
    (o_plain,), (o_piped,) = plain.overlap.values(), piped.overlap.values()
    compute = piped.unit_busy[0]["matrix"]
    assert compute == plain.unit_busy[0]["matrix"] > 0
    # plain: every mmt4d waits for the loads just before it; nothing runs under them
    assert o_plain["hidden_cycles"] == 0
    # pipelined: (nearly) all the IME time runs while the next tiles are in flight
    assert o_piped["hidden_cycles"] >= 0.9 * compute
    assert piped.cycles < plain.cycles
    # what it saves is the compute it hid, less the transfer time of its extra prefetch
    extra = o_piped["transfer_cycles"] - o_plain["transfer_cycles"]
    assert plain.cycles - piped.cycles == pytest.approx(o_piped["hidden_cycles"] - extra,
                                                        abs=0.01 * plain.cycles)
    # each mmt4d still waits for its data, only less: the op stats say so
    (w_plain,), (w_piped,) = ([x["wait"] for x in r.op_stats if x["op"] == "xsmt.mmt4d"]
                              for r in (plain, piped))
    assert 0 < w_piped < w_plain
    # the summary shows it
    for r, o in ((plain, o_plain), (piped, o_piped)):
        assert shown_overlap(r) == (round(o["hidden_cycles"]), round(o["transfer_cycles"]))


def test_a_loop_carried_load_is_waited_for_after_it_lands():
    """A tile loaded before the loop and carried into it: the first mmt4d cannot issue
    before the tile's data arrive (the loop-carried copy waits for the same load)."""
    r = run(True)
    loads = [e for e in r.trace if e[2] == "tt.load+xsmt.pack"]
    first_mmt4d = min(e[4] for e in r.trace if e[2] == "xsmt.mmt4d")
    assert first_mmt4d >= max(e[5] for e in loads[:2])
