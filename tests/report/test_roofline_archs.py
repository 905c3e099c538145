"""Several archs on one roofline chart: one roofline line per arch in its own colour, each
kernel in its arch's colour and under its arch's line; `k1sim roofline --arch A,B` and
saved runs (JSON) of several archs."""

import re
from pathlib import Path

import pytest

from k1sim import Simulator
from k1sim.cli import main
from k1sim.errors import K1SimError
from k1sim.report import to_json
from k1sim.report.roofline import plot_rooflines, read_run_json, roofline, roofline_table
from k1sim.report.roofline_archs import build, roof_ceiling

pytest.importorskip("matplotlib")
ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "kernels"
ARCHS = ("0xA03C", "0xA064")


@pytest.fixture(scope="module")
def runs():
    """{arch: {kernel: RunResult}}: an int8 and an f16 GEMM, timing-only, on each arch."""
    return {arch: {name: Simulator(arch).execute(KERNELS / f"{name}.xsmt", timing_only=True)
                   for name in ("gemm_i8", "mm_even_k")} for arch in ARCHS}


@pytest.fixture(scope="module")
def named(runs):
    return [(arch, roofline(arch, runs[arch])) for arch in ARCHS]


def _gid(line) -> str:
    return line.get_gid() or ""


def test_one_roofline_line_per_arch_in_distinct_colours(named):
    _, ax, _ = build(named)
    roofs = [line for line in ax.lines if _gid(line).startswith("roofline:")]
    assert [_gid(line) for line in roofs] == [f"roofline:{a}" for a in ARCHS]
    assert len({line.get_color() for line in roofs}) == len(ARCHS)
    for (arch, data), line in zip(named, roofs):
        xs, ys = line.get_data()
        roof = roof_ceiling(data)
        bw = data.bandwidth("DRAM") / 1e9
        # min(peak, bandwidth x intensity) at every vertex: a diagonal, then flat
        assert ys == pytest.approx([min(roof.ops_per_s / 1e9, bw * x) for x in xs])
        assert ys[-1] == pytest.approx(roof.ops_per_s / 1e9) and ys[0] < ys[-1]


def test_each_kernel_is_in_its_arch_colour_under_a_line_of_its_arch(named):
    _, ax, placed = build(named)
    colour = {_gid(line).split(":", 1)[1]: line.get_color() for line in ax.lines
              if _gid(line).startswith("roofline:")}
    kernels = [line for line in ax.lines if _gid(line).startswith("kernel:")]
    assert len(kernels) == 4
    for line in kernels:
        _, arch, label = _gid(line).split(":", 2)
        data = dict(named)[arch]
        point = next(p for p in data.points if p.label == label)
        assert line.get_color() == colour[arch]
        (x,), (y,) = line.get_data()
        assert x == pytest.approx(point.intensity_dram)
        # Under the DRAM roofline of its own main engine:dtype (drawn solid or dotted)
        bound = min(data.ceiling(*point.main_key), data.bandwidth("DRAM") * x) / 1e9
        assert y <= bound
        ceiling_gid = (f"roofline:{arch}" if point.main_key == roof_ceiling(data).key
                       else f"ceiling:{arch}:{point.main_key}")
        assert any(_gid(line) == ceiling_gid for line in ax.lines)
    assert sorted(t for t, _ in placed) == sorted(["gemm_i8", "mm_even_k"] * 2)


def test_the_roofline_follows_most_kernels_of_the_arch(named):
    a064 = dict(named)["0xA064"]
    keys = [p.main_key for p in a064.points]
    assert sorted(map(str, keys)) == ["ime:f16", "ime:i8"]
    # a tie: the higher ceiling, and the other kernel's ceiling dotted
    assert roof_ceiling(a064).key == max(keys, key=lambda k: a064.ceiling(*k))
    assert roof_ceiling(roofline("0xA064")) == roofline("0xA064").compute[0]


def test_the_svg_has_one_roofline_per_arch_and_is_reproducible(named, tmp_path):
    png, svg = tmp_path / "r.png", tmp_path / "r.svg"
    plot_rooflines(named, png, svg)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text()
    assert sorted(re.findall(r'id="(roofline:[^"]+)"', text)) == [f"roofline:{a}"
                                                                  for a in ARCHS]
    again = tmp_path / "again.svg"
    plot_rooflines(named, None, again)
    assert again.read_bytes() == svg.read_bytes()


def test_cli_draws_several_archs_on_one_chart(tmp_path, capsys):
    code = main(["roofline", "--arch", ",".join(ARCHS), str(KERNELS / "gemm_i8.xsmt"),
                 "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    both = tmp_path / "roofline_0xA03C_0xA064"
    assert f"0xA03C, 0xA064 on one chart -> {both}.png, {both}.svg" in out
    for name in ("roofline_0xA03C", "roofline_0xA064", "roofline_0xA03C_0xA064"):
        assert (tmp_path / f"{name}.svg").stat().st_size > 0
    assert text_ids(tmp_path / "roofline_0xA03C_0xA064.svg") == [
        "kernel:0xA03C:gemm_i8", "kernel:0xA064:gemm_i8", "roofline:0xA03C",
        "roofline:0xA064"]


def text_ids(svg: Path) -> list:
    return sorted(re.findall(r'id="((?:roofline|kernel):[^"]+)"', svg.read_text()))


def test_saved_runs_of_several_archs_give_the_same_tables(runs, tmp_path, capsys):
    for arch in ARCHS:
        path = tmp_path / f"gemm_i8_{arch}.json"
        path.write_text(to_json(runs[arch]["gemm_i8"]))
    code = main(["roofline", str(tmp_path / "gemm_i8_0xA03C.json"),
                 str(tmp_path / "gemm_i8_0xA064.json"), "--out", str(tmp_path / "out")])
    assert code == 0
    for arch in ARCHS:
        from_json = (tmp_path / "out" / f"roofline_{arch}.md").read_text()
        direct = roofline_table(roofline(arch, {f"gemm_i8_{arch}": runs[arch]["gemm_i8"]}))
        assert from_json == direct
    assert (tmp_path / "out/roofline_0xA03C_0xA064.svg").exists()


def test_a_saved_run_is_read_as_the_run(runs, tmp_path):
    r = runs["0xA064"]["gemm_i8"]
    path = tmp_path / "r.json"
    path.write_text(to_json(r))
    saved = read_run_json(path)
    assert (saved.arch, saved.arch_spec, saved.cycles, saved.threads) == (
        "0xA064", "0xA064", r.cycles, r.threads)
    assert saved.ops == r.ops and saved.main_engine() == r.main_engine()
    assert saved.bytes_by_level == r.bytes_by_level


def test_bad_inputs_say_what_is_wrong(tmp_path, capsys):
    (tmp_path / "x.json").write_text('{"kernel": "k"}')
    with pytest.raises(K1SimError, match=r"x.json: not a k1sim run's JSON .*no arch, "):
        read_run_json(tmp_path / "x.json")
    assert main(["roofline", "--out", str(tmp_path)]) == 2
    assert "give --arch" in capsys.readouterr().err
    assert main(["roofline", str(tmp_path / "x.json"), "--out", str(tmp_path)]) == 2
    assert "not a k1sim run's JSON" in capsys.readouterr().err
