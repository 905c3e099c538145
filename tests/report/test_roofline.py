"""The roofline: ceilings from the arch, points from RunResults, the Markdown table, and
the plots (written, non-empty, reproducible, no overlapping labels)."""

import sys
from pathlib import Path

import pytest

from k1sim import Simulator
from k1sim.errors import K1SimError
from k1sim.report.roofline import (fmt, plot_roofline, roofline, roofline_table,
                                   single)

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "kernels"


@pytest.fixture(scope="module")
def runs():
    """Timing-only runs of three 0xA03C kernels (cycles equal a full run's)."""
    sim = Simulator("0xA03C")
    return {name: sim.execute(KERNELS / f"{name}.xsmt", timing_only=True)
            for name in ("gemm_i8", "mm_even_k", "micro/ime_i8_loop")}


def test_ceilings_of_0xA03C():
    data = roofline("0xA03C")
    assert data.ceiling("ime", "i8") == pytest.approx(2.048e12)        # 2 x 4x8x4 x 2 GHz x 4
    assert data.ceiling("rvv", "f32") == pytest.approx(128e9)
    assert data.ceiling("rvv", "f16") == pytest.approx(256e9)
    assert data.ceiling("rvv", "i8") == pytest.approx(512e9)
    assert data.ceiling("ime", "f16") == 0.0                           # the A60 IME is int8 only
    assert data.bandwidth("DRAM") == pytest.approx(10.66e9)
    assert data.bandwidth("L2") == pytest.approx(64e9)              # 32 B/cycle x 1 cluster
    assert data.bandwidth("scratchpad") == pytest.approx(256e9)     # 32 B/cycle x 4 cores
    assert [c.ops_per_s for c in data.compute] == sorted(
        (c.ops_per_s for c in data.compute), reverse=True)
    assert data.cores == 4 and data.points == []


def test_ceilings_follow_the_engines_of_each_arch():
    a100 = roofline("0xA064")
    assert a100.ceiling("ime", "f16") == pytest.approx(2 * 8 * 8 * 8 * 0.4578 * 2e9 * 8)
    assert a100.bandwidth("L2") == pytest.approx(64 * 2 * 2e9)      # per cluster x 2 clusters
    assert {c.engine for c in roofline("0x503C").compute} == {"rvv"}
    assert "scratchpad" not in {m.level for m in roofline("0x503C").memory}
    assert roofline("0xF000").ceiling("ame", "i8") == \
        pytest.approx(2 * 32 * 4 * 32 * 0.25 * 2e9 * 8)


def test_a_point_is_ops_per_byte_and_ops_per_second(runs):
    r = runs["gemm_i8"]
    data = roofline("0xA03C", {"gemm_i8": r})
    (p,) = data.points
    ops = sum(r.ops.values())
    assert p.label == "gemm_i8" and p.cycles == r.cycles
    assert p.intensity_dram == pytest.approx(ops / r.bytes_by_level["DRAM"])
    assert p.intensity_l2 == pytest.approx(ops / r.bytes_by_level["L2"])
    assert p.ops_per_s == pytest.approx(ops / r.seconds)
    assert p.main_key == r.main_engine() == ("ime", "i8") and str(p.main_key) == "ime:i8"
    bound = min(2.048e12, 10.66e9 * p.intensity_dram, 64e9 * p.intensity_l2)
    assert p.attainable(data) == pytest.approx(bound)


def test_unlabelled_results_take_the_kernel_name_numbered_when_repeated(runs):
    r = runs["mm_even_k"]
    data = roofline("0xA03C", [r, r])
    assert [p.label for p in data.points] == [r.kernel, f"{r.kernel}#2"]


def test_a_result_of_another_arch_is_refused(runs):
    with pytest.raises(K1SimError, match="ran on 0xA03C"):
        roofline("0xA064", {"gemm_i8": runs["gemm_i8"]})


def test_markdown_table(runs):
    data = roofline("0xA03C", runs)
    text = roofline_table(data)
    assert text.startswith("# Roofline: 0xA03C a60 (spacemit-a60, K1): 4 cores (1x4) at 2000 MHz")
    assert "| IME i8\u2192i32 | ime:i8 | 2048 | 192.1 | 32 |" in text   # ridges: 2048/10.66, /64
    assert "| RVV f32 | rvv:f32 | 128 | 12.01 | 2 |" in text
    assert "| DRAM | 10.66 | SoC peak 10.66 GB/s |" in text
    assert "| L2 | 64 | 32 B/cycle per cluster x 1 cluster x 2000 MHz |" in text
    r, p = runs["gemm_i8"], data.points[0]
    row = next(line for line in text.splitlines() if line.startswith("| gemm_i8 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[:3] == ["gemm_i8", "4", str(r.cycles)]
    assert cells[6] == fmt(p.intensity_dram) and cells[8] == fmt(p.intensity_l2)
    assert cells[9] == "ime:i8"
    assert roofline_table(roofline("0xA03C", runs)) == text


def test_fmt_is_plain_and_short():
    assert [fmt(x) for x in (2048e0, 10.66, 192.1200, 0.0034, 0, None, 1.5e10)] == \
        ["2048", "10.66", "192.1", "0.0034", "0", "-", "1.500e+10"]


def test_plots_are_written_reproducible_and_labels_do_not_overlap(runs, tmp_path):
    data = roofline("0xA03C", runs)
    png, svg = tmp_path / "r.png", tmp_path / "r.svg"
    placed = plot_roofline(data, png, svg)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert svg.read_text().startswith("<?xml") and svg.stat().st_size > 20_000
    texts = [t for t, _ in placed]
    assert set(runs) <= set(texts)                          # every kernel is labelled
    assert any(t.startswith("IME i8") for t in texts) and "DRAM: 10.66 GB/s" in texts
    boxes = [b for _, b in placed]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), \
                f"labels overlap: {placed}"
    again = tmp_path / "again.svg"
    plot_roofline(data, None, again)
    assert again.read_bytes() == svg.read_bytes()


def test_single_draws_one_run_on_its_arch(runs, tmp_path):
    out = tmp_path / "one.png"
    data = single(runs["gemm_i8"], path_png=out)
    assert out.stat().st_size > 0 and [p.label for p in data.points] == [
        runs["gemm_i8"].kernel]


def test_without_matplotlib_the_error_says_how_to_install_it(runs, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)     # import matplotlib -> ImportError
    with pytest.raises(K1SimError, match=r'pip install -e "\.\[plot\]"'):
        plot_roofline(roofline("0xA03C", runs), tmp_path / "x.png")
