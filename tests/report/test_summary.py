"""summary(result): its content on a real kernel, and the bound on synthetic runs."""

import re
from pathlib import Path

import pytest

from k1sim.functional.expect import ExpectResult
from k1sim.report import bound, summary
from k1sim.report.summary import fmt_bytes, fmt_rate, fmt_seconds, one_line
from k1sim.result import EngineDtype, RunResult
from k1sim.simulator import Simulator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def split_n():
    return Simulator().execute(ROOT / "kernels/mm_split_n.xsmt")


def test_summary_of_a_real_kernel(split_n):
    text = summary(split_n)
    assert text == summary(split_n)
    assert "kernel      mm_kernel" in text
    assert "arch        0xA03C a60 (spacemit-a60, K1) at 2000 MHz" in text
    executed = sum(split_n.op_counts.values())
    assert f"launch      grid 3x3x1 (9 programs) on 4 threads; {executed:,} ops executed" in text
    assert f"\ncycles      {split_n.cycles:,} (" in text
    assert re.search(r"\nbound       (compute|DRAM|L2|scratchpad|sync): .*\d%", text)
    assert re.search(r"\n  rvv:f16: +[\d.]+ GFLOPS  [\d.]+% of peak \(256 GFLOPS\)\n", text)
    # bytes per memory level, human-readable
    for level, n in split_n.bytes_by_level.items():
        assert re.search(rf"\n  {level} +{re.escape(fmt_bytes(n))}", text), level
    # the top ops, with their Python lines and what bound each
    top = text.split("\ntop ops")[1].split("\n\n")[0].splitlines()[2:]
    assert len(top) == 10
    assert all("mm.py:" in line for line in top[:9])
    first = split_n.op_stats[0]
    assert f"{first['cycles']:,.0f}" in top[0] and first["bound"] in top[0]
    assert top[0].endswith(first["where"])
    # warnings and expects
    assert "warnings    1\n" in text and "has no f16 tile" in text
    assert "expects     1 of 1 passed\n  ok      c = a @ b: ok (max abs err" in text


def test_summary_counts_warnings_when_the_cli_prints_them(split_n):
    text = summary(split_n, source="x.xsmt", show_warnings=False)
    assert "kernel      mm_kernel (x.xsmt)" in text
    assert "warnings    1, printed on stderr" in text and "f16 tile" not in text


def test_columns_line_up(split_n):
    lines = summary(split_n).splitlines()
    for label in ("kernel", "arch", "launch", "cycles", "bound", "warnings", "expects"):
        line = next(x for x in lines if x.startswith(label + " "))
        assert line[:12].rstrip() == label and line[12] != " ", line
    head = next(i for i, x in enumerate(lines) if x.startswith("memory "))
    column = lines[head].index("bandwidth")
    rows = [x for x in lines[head + 1:head + 5] if "GB/s" in x]
    assert rows and all(re.search(r"\S+ of \S+ GB/s", x).start() == column for x in rows)


# -- synthetic runs: one per bound ----------------------------------------------------

def run(cycles=10_000, busy=None, wait=None, links=None, op_stats=None, ops=None,
        threads=4, expects=(), warnings=(), timing_only=False):
    busy = busy or {}
    return RunResult(
        kernel="k", arch="0xA03C", grid=(4, 1, 1), threads=threads, cycles=cycles,
        freq_mhz=2000.0, expects=list(expects), warnings=list(warnings),
        timing_only=timing_only, ops={EngineDtype("rvv", "f16"): 1_000_000} if ops is None else ops,
        peak_ops_per_s={EngineDtype("rvv", "f16"): 256e9, EngineDtype("ime", "i8"): 2.048e12},
        unit_busy={t: {"scalar": 0.0, "vector": 0.0, "matrix": 0.0, "lsu": 0.0,
                       **busy.get(t, {})} for t in range(threads)},
        wait_cycles=wait or {}, bytes_by_level={"L1": 0, "L2": 0, "DRAM": 0, "scratchpad": 0},
        links=links or {}, op_stats=op_stats or [])


def link(busy, nbytes=0, bw=32.0, saturated=None):
    """A link's stats; by default saturated for as long as its bytes take at full rate."""
    full = min(busy, nbytes / bw) if saturated is None else saturated
    return {"bytes": nbytes, "busy_cycles": busy, "saturated_cycles": full, "transfers": 1,
            "bw_bytes_per_cycle": bw}


def row(bound_, cycles, op="tt.load", where="k.py:1:1"):
    return {"op": op, "where": where, "count": 1, "cycles": cycles, "bound": bound_}


def every_thread(**units):
    return {t: dict(units) for t in range(4)}


def test_compute_bound_on_the_ime():
    r = run(ops={EngineDtype("ime", "i8"): 10**9},
            busy=every_thread(matrix=9400, vector=9400, lsu=300),
            links={"DRAM": link(500, 4000, 5.33)}, op_stats=[row("DRAM", 1200)])
    b = bound.classify(r)
    assert b.kind == "compute"
    assert b.evidence == "compute: ime busy 94% of the time"


def test_compute_bound_names_rvv_and_ime_shares_of_the_vector_unit():
    r = run(ops={EngineDtype("ime", "f16"): 10**6, EngineDtype("rvv", "f32"): 10**6},
            busy=every_thread(matrix=2000, vector=6000))
    assert bound.classify(r).evidence == \
        "compute: vector unit busy 60% of the time (rvv 40%, ime 20%)"


def test_compute_bound_is_judged_on_the_threads_that_ran():
    r = run(busy={0: {"vector": 8000}, 1: {"vector": 8000}})
    b = bound.classify(r)
    assert b.kind == "compute"
    assert b.evidence == "compute: rvv busy 80% of the time on the 2 threads that ran"
    assert "launch      grid 4x1x1 (4 programs) on 4 threads, 2 ran programs" in summary(r)


def test_dram_bound_with_bandwidth_evidence():
    # 91% of a 5.33 B/cycle channel busy; 41,000 bytes in 5 us = 8.2 GB/s
    r = run(busy=every_thread(vector=2000, lsu=7000),
            links={"DRAM": link(9100, 41_000, 5.33), "L2[0]": link(300, 9000)},
            op_stats=[row("DRAM", 4 * 6000), row("L2", 4 * 500), row("rvv", 8000, "arith.addf")])
    b = bound.classify(r)
    assert b.kind == "DRAM" and b.reason == "bandwidth"
    assert b.evidence == ("DRAM: bandwidth, the channel busy 91% of the run and saturated 85% "
                          "of that time, 8.2 of 10.66 GB/s; memory ops took 65% of thread time")


def test_a_busy_channel_that_is_rarely_saturated_is_latency_bound():
    """The same run, but the channel's transfers ran at their cores' miss caps most of the
    time it was busy: the reason is latency."""
    r = run(busy=every_thread(vector=2000, lsu=7000),
            links={"DRAM": link(9100, 41_000, 5.33, saturated=2000), "L2[0]": link(300, 9000)},
            op_stats=[row("DRAM", 4 * 6000), row("L2", 4 * 500), row("rvv", 8000, "arith.addf")])
    b = bound.classify(r)
    assert b.kind == "DRAM" and b.reason == "latency"
    assert b.evidence.startswith("DRAM: latency, the channel busy 91% of the run but saturated "
                                 "only 22% of that time (its transfers ran at the rate their "
                                 "misses in flight allow), 8.2 of 10.66 GB/s")


def test_l2_bound():
    r = run(busy=every_thread(vector=1000, lsu=8000),
            links={"DRAM": link(1000, 1000, 5.33), "L2[0]": link(8500, 200_000)},
            op_stats=[row("L2", 4 * 7000), row("DRAM", 4 * 500)])
    b = bound.classify(r)
    assert b.kind == "L2"
    assert b.evidence.startswith("L2: bandwidth, the L2 port busy 85% of the run and "
                                 "saturated 74% of that time, 40 of 64 GB/s")


def test_an_l2_hit_waiting_on_a_dram_fill_is_dram_bound():
    """Loads served by L2 whose time is another core's DRAM miss: the link shows it."""
    r = run(busy=every_thread(vector=1000, lsu=8000),
            links={"DRAM": link(8000, 40_000, 5.33), "L2[0]": link(1200, 38_000)},
            op_stats=[row("L2", 4 * 6000), row("DRAM", 4 * 1000)])
    assert bound.classify(r).kind == "DRAM"


def test_scratchpad_bound_names_the_busiest_port():
    r = run(busy=every_thread(vector=1000, lsu=7000),
            links={"DRAM": link(100, 100, 5.33), "scratchpad[0]": link(7000, 200_000),
                   "scratchpad[1]": link(6900, 190_000)},
            op_stats=[row("scratchpad", 4 * 6500)])
    b = bound.classify(r)
    assert b.kind == "scratchpad"
    assert b.evidence.startswith("scratchpad: bandwidth, scratchpad[0] busy 70% of the run and")
    assert "of 128 GB/s" in b.evidence


def test_sync_bound():
    r = run(busy=every_thread(vector=2000, lsu=1000),
            wait={0: 3000, 1: 3800, 2: 4000, 3: 4400}, op_stats=[row("DRAM", 4000)])
    b = bound.classify(r)
    assert b.kind == "sync"
    assert b.evidence == "sync: threads spent 38% of their time waiting on barriers"


def test_ties_and_empty_runs():
    assert bound.classify(run(busy=every_thread(vector=5000), wait={t: 5000 for t in range(4)},
                              op_stats=[row("DRAM", 20000)])).kind == "compute"
    empty = bound.classify(run(cycles=0))
    assert empty.kind == "none" and "0 cycles" in empty.evidence
    text = summary(run(cycles=0, ops={}))
    assert "bound       nothing ran" in text and "throughput  no arithmetic" in text


def test_l1_hits_are_shown_but_bound_nothing():
    r = run(busy=every_thread(vector=3000, lsu=6000), op_stats=[row("L1", 4 * 6000)])
    b = bound.classify(r)
    assert b.kind == "compute" and b.shares["L1"] == pytest.approx(0.6)
    assert "L1 hits 60%" in summary(r)


# -- the rest of the summary ----------------------------------------------------------

def test_expect_lines_warnings_and_timing_only():
    ok = ExpectResult("c", "c = a @ b", True, 1e-3, 1e-4, None, None, None,
                      "c: ok (max abs err 1.0e-03, max rel err 1.0e-04)")
    bad = ExpectResult("d", "d = a", False, 3.0, 1.0, (0, 1), 0.0, 3.0,
                       "d: max abs err 3.0e+00 at (0, 1); 1 of 4 elements differ")
    text = summary(run(expects=[ok, bad], warnings=["x.xsmt:3:1: warning: careful"]))
    assert "expects     1 of 2 passed\n" in text
    assert "  ok      c = a @ b: ok (max abs err 1.0e-03, max rel err 1.0e-04)\n" in text
    assert "  FAILED  d = a: max abs err 3.0e+00 at (0, 1); 1 of 4 elements differ\n" in text
    assert "warnings    1\n  x.xsmt:3:1: warning: careful\n" in text
    fast = summary(run(timing_only=True))
    assert "mode        timing only" in fast and "expects     skipped (timing only)" in fast


def test_one_line():
    r = run(cycles=20_000, ops={EngineDtype("rvv", "f16"): 655_360, EngineDtype("rvv", "f32"): 10})
    assert one_line(r) == "k 0xA03C 20000 cycles 10 us rvv:f16 25.6% of peak PASS (no expects)"


def test_unknown_arch_ids_are_shown_as_given():
    r = run()
    r.arch = "0xBEEF"
    assert "arch        0xBEEF at 2000 MHz" in summary(r)


@pytest.mark.parametrize("value, text", [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"),
                                         (5 << 20, "5.0 MiB"), (3 << 30, "3.0 GiB")])
def test_fmt_bytes(value, text):
    assert fmt_bytes(value) == text


def test_fmt_seconds_and_rates():
    assert fmt_seconds(1.4915e-5) == "14.92 us"
    assert fmt_seconds(2.5e-3) == "2.5 ms" and fmt_seconds(3e-8) == "30 ns"
    assert fmt_rate(3.16e11, "f16") == "316 GFLOPS"
    assert fmt_rate(2.048e12, "i8") == "2.05 TOPS"
    assert fmt_rate(5.9e8, "f32") == "590 MFLOPS"
