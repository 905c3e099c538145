"""IME vs RVV on int8 GEMMs of growing size: the speedup follows how compute-bound the run is.

The same FlagGems EVEN_K int8 GEMM (4 threads, micro tile 16 x 32 x 16, a multiple of the
A60's 4 x 8 x 4 IME tile) on 0xA03C (A60: the IME) and 0x503C (X60: mmt4d on RVV), which
share the K1's memory system. The matrix work itself is the peak ratio faster on the IME;
the time the two spend waiting on memory is not, so the cycle ratio sits between 1 and the
peak ratio and rises toward it as the IME run becomes compute-bound. At a small size the
summary's bound line says why the IME waits: memory latency or bandwidth.
"""

import re

from k1sim import Simulator, load_arch
from k1sim.library import mm
from k1sim.report import summary
from k1sim.report.bound import classify

# (M, N, K, block): from the small case to blocks large enough to reuse operands
SIZES = [(44, 40, 150, 32), (64, 64, 256, 32), (128, 128, 512, 64), (256, 256, 1024, 128),
         (512, 512, 1024, 256)]


def gemm(arch, m, n, k, block):
    b = mm(m, n, k, path="EVEN_K", arch=arch, threads=4, micro=(16, 32, 16), dtype="i8",
           out="i32", bm=block, bn=block)
    return Simulator(arch).execute(b, timing_only=True)


def peak_ratio():
    return (load_arch("0xA03C").peak_ops_per_cycle("ime", "i8")
            / load_arch("0x503C").peak_ops_per_cycle("rvv", "i8"))


def test_the_ime_speedup_rises_toward_the_peak_ratio_as_the_gemm_becomes_compute_bound():
    rows = []
    for size in SIZES:
        ime, rvv = gemm("0xA03C", *size), gemm("0x503C", *size)
        assert set(ime.ops) == {("ime", "i8")} and set(rvv.ops) == {("rvv", "i8")}
        assert ime.ops["ime", "i8"] == rvv.ops["rvv", "i8"]
        ratio = rvv.cycles / ime.cycles
        assert 1 < ratio < peak_ratio()                   # memory time is not sped up
        rows.append((ime.pct_of_peak()["ime", "i8"], ratio))
    # ordered by how compute-bound the IME run is, the speedups rise with it
    by_compute = [ratio for _, ratio in sorted(rows)]
    assert by_compute == sorted(by_compute)
    assert rows[-1][1] > rows[0][1] and rows[-1][0] > rows[0][0]


def test_at_the_small_size_the_bound_line_names_latency_or_bandwidth():
    r = gemm("0xA03C", *SIZES[0])
    b = classify(r)
    assert b.kind in ("DRAM", "L2") and b.reason in ("latency", "bandwidth")
    (line,) = [x for x in summary(r).splitlines() if x.startswith("bound")]
    assert re.match(rf"bound       {b.kind}: {b.reason}, ", line)
    link = r.links["DRAM"] if b.kind == "DRAM" else max(
        (v for k, v in r.links.items() if k.startswith("L2")), key=lambda v: v["busy_cycles"])
    saturated = link["saturated_cycles"] / link["busy_cycles"]
    assert (b.reason == "bandwidth") == (saturated >= 0.5)
    if b.reason == "latency":   # the link moved well below its peak while busy
        assert link["bytes"] / link["busy_cycles"] < link["bw_bytes_per_cycle"]
