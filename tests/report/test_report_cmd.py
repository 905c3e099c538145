"""``k1sim report`` (every kernel x arch, checked against golden cycles and expects) and
``k1sim roofline`` on small directories of kernels copied from kernels/."""

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from k1sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "kernels"
ARCHS = "0xA03C,0xA064"


def make_dir(tmp_path, *names, golden=True) -> tuple[Path, Path]:
    """A kernel directory with copies of kernels/<name>.xsmt and their golden files."""
    kdir, gdir = tmp_path / "kernels", tmp_path / "expected"
    kdir.mkdir()
    gdir.mkdir()
    for name in names:
        shutil.copy(KERNELS / f"{name}.xsmt", kdir)
        if golden:
            shutil.copy(KERNELS / "expected" / f"{name}.json", gdir)
    return kdir, gdir


def report(kdir, gdir, out, capsys, archs=ARCHS):
    code = main(["report", str(kdir), "--archs", archs, "--out", str(out),
                 "--expected", str(gdir)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def passing(tmp_path_factory):
    """Two kernels, one of them unsupported on 0xA03C (8 threads), reported twice."""
    tmp = tmp_path_factory.mktemp("passing")
    kdir, gdir = make_dir(tmp, "mm_even_k", "mv")
    out = []
    for name in ("a", "b"):
        with pytest.MonkeyPatch.context() as mp:
            err = _Capture()
            mp.setattr(sys, "stderr", err)
            code = main(["report", str(kdir), "--archs", ARCHS, "--out", str(tmp / name),
                         "--expected", str(gdir)])
        out.append((code, tmp / name, err.text))
    return out


class _Capture:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def test_a_passing_report_exits_0_and_writes_every_file(passing):
    code, out, err = passing[0]
    assert code == 0
    for arch in ("0xA03C", "0xA064"):
        for ext in ("png", "svg", "md"):
            assert (out / f"roofline_{arch}.{ext}").stat().st_size > 0
    assert sorted(p.name for p in (out / "results").iterdir()) == [
        "mm_even_k__0xA03C.json", "mm_even_k__0xA064.json", "mv__0xA064.json"]
    golden = json.loads((KERNELS / "expected/mm_even_k.json").read_text())
    saved = json.loads((out / "results/mm_even_k__0xA064.json").read_text())
    assert saved["cycles"] == golden["0xA064"]["cycles"] and saved["arch"] == "0xA064"
    assert saved["expects"][0]["passed"] is True


def test_the_summary_lists_cycles_peak_share_and_bound(passing):
    _, out, _ = passing[0]
    text = (out / "summary.md").read_text()
    assert "**PASS**" in text
    golden = json.loads((KERNELS / "expected/mm_even_k.json").read_text())
    assert f"| mm_even_k | {golden['0xA03C']['cycles']} | {golden['0xA064']['cycles']} |" in text
    assert "| mv | unsupported |" in text
    row = next(line for line in text.splitlines() if line.startswith("| mm_even_k | 0xA03C |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[4] == "rvv:f16" and re.fullmatch(r"\d+\.\d%", cells[5])
    assert cells[6] in ("compute", "DRAM", "L2", "scratchpad", "sync")
    assert "- mv @ 0xA03C: tt.num_threads = 8, but 0xA03C" in text


def test_progress_is_one_line_per_kernel_and_arch_on_stderr(passing):
    _, _, err = passing[0]
    lines = [line for line in err.splitlines() if re.match(r"\[\d/4\] ", line)]
    assert [line.split(":")[0] for line in lines] == [
        "[1/4] mm_even_k @ 0xA03C", "[2/4] mm_even_k @ 0xA064",
        "[3/4] mv @ 0xA03C", "[4/4] mv @ 0xA064"]
    assert "unsupported" in lines[2]


def test_the_report_is_reproducible(passing):
    (_, a, _), (_, b, _) = passing
    names = ["summary.md", *(f"roofline_{x}.{e}" for x in ("0xA03C", "0xA064")
                             for e in ("md", "svg"))]
    names += [f"results/{p.name}" for p in (a / "results").iterdir()]
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_a_changed_golden_number_fails_and_every_difference_is_reported(tmp_path, capsys):
    kdir, gdir = make_dir(tmp_path, "mm_even_k", "qk_scale")
    for name in ("mm_even_k", "qk_scale"):
        path = gdir / f"{name}.json"
        golden = json.loads(path.read_text())
        golden["0xA064"]["cycles"] += 1
        path.write_text(json.dumps(golden))
    code, out, err = report(kdir, gdir, tmp_path / "out", capsys)
    assert code == 1
    want = json.loads((KERNELS / "expected/mm_even_k.json").read_text())["0xA064"]["cycles"]
    failures = [line for line in err.splitlines() if line.startswith("FAIL ")]
    assert len(failures) == 2
    assert failures[0].startswith(f"FAIL mm_even_k @ 0xA064: {want} cycles, golden "
                                  f"{want + 1} cycles")
    assert failures[1].startswith("FAIL qk_scale @ 0xA064: ")
    assert "FAIL (2 problems)" in out
    assert "**FAIL (2 problems)**" in (tmp_path / "out/summary.md").read_text()


def test_a_kernel_without_golden_file_is_not_compared(tmp_path, capsys):
    kdir, gdir = make_dir(tmp_path, "mm_even_k", golden=False)
    code, _, _ = report(kdir, gdir, tmp_path / "out", capsys, archs="0xA03C")
    assert code == 0
    assert "mm_even_k: no golden file" in (tmp_path / "out/summary.md").read_text()


def test_a_failing_expect_fails_the_report(tmp_path, capsys):
    kdir, gdir = make_dir(tmp_path, "qk_scale_miscompiled")
    code, _, err = report(kdir, gdir, tmp_path / "out", capsys, archs="0xA03C")
    assert code == 1
    assert "qk_scale_miscompiled @ 0xA03C: expect s = q @ k.T * 0.125 failed" in err


def test_an_expected_failure_passes_when_it_fails_and_fails_when_it_passes(tmp_path, capsys):
    kdir, gdir = make_dir(tmp_path, "qk_scale_miscompiled", "qk_scale")
    (gdir / "expected_failures.txt").write_text("# must fail\nqk_scale_miscompiled.xsmt\n")
    code, _, _ = report(kdir, gdir, tmp_path / "out", capsys, archs="0xA03C")
    assert code == 0
    (gdir / "expected_failures.txt").write_text("qk_scale_miscompiled.xsmt\nqk_scale.xsmt\n")
    code, _, err = report(kdir, gdir, tmp_path / "out", capsys, archs="0xA03C")
    assert code == 1
    assert "qk_scale @ 0xA03C: expected to fail (expected_failures.txt), but its expects " \
        "passed" in err


def test_the_shipped_expected_failures_name_the_miscompiled_kernel():
    lines = (KERNELS / "expected/expected_failures.txt").read_text().splitlines()
    assert [x for x in lines if x and not x.startswith("#")] == ["qk_scale_miscompiled.xsmt"]


def test_a_kernel_that_cannot_run_on_its_own_arch_fails(tmp_path, capsys):
    kdir, gdir = make_dir(tmp_path, golden=False)
    text = (KERNELS / "mv.xsmt").read_text().replace('tt.arch_id = "0x503C"',
                                                     'tt.arch_id = "0xA03C"')
    (kdir / "mv.xsmt").write_text(text)
    code, _, err = report(kdir, gdir, tmp_path / "out", capsys, archs="0xA03C")
    assert code == 1 and "mv cannot run on its own arch 0xA03C" in err


def test_input_errors_exit_2(tmp_path, capsys):
    assert main(["report", str(tmp_path / "none"), "--out", str(tmp_path / "o")]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "no .xsmt kernels" in capsys.readouterr().err
    kdir, _ = make_dir(tmp_path, "mm_even_k", golden=False)
    assert main(["report", str(kdir), "--archs", "0xBAD", "--out", str(tmp_path / "o")]) == 2
    assert "unknown arch '0xBAD'" in capsys.readouterr().err


def test_roofline_command_writes_png_svg_and_markdown(tmp_path, capsys):
    code = main(["roofline", "--arch", "0xA03C", str(KERNELS / "gemm_i8.xsmt"),
                 str(KERNELS / "mv.xsmt"), "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 0
    assert "mv.xsmt: skipped on 0xA03C: tt.num_threads = 8" in captured.err
    for ext in ("png", "svg", "md"):
        assert (tmp_path / f"roofline_0xA03C.{ext}").stat().st_size > 0
    table = (tmp_path / "roofline_0xA03C.md").read_text()
    assert "| gemm_i8 | 4 |" in table and "| mv |" not in table


def test_roofline_command_without_matplotlib_says_how_to_install_it(tmp_path, capsys,
                                                                     monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["roofline", "--arch", "0xA03C", "--out", str(tmp_path)]) == 2
    assert 'pip install -e ".[plot]"' in capsys.readouterr().err
    assert (tmp_path / "roofline_0xA03C.md").exists()


def test_a_what_if_arch_file_is_named_by_its_stem_and_not_compared(tmp_path, capsys):
    kdir, gdir = make_dir(tmp_path, "mm_even_k")
    text = (ROOT / "archs/0xA03C.yaml").read_text()
    assert "bw_gb_per_s: {value: 10.66" in text
    (tmp_path / "fast_dram.yaml").write_text(text.replace("bw_gb_per_s: {value: 10.66",
                                                          "bw_gb_per_s: {value: 21.32"))
    code, _, _ = report(kdir, gdir, tmp_path / "out", capsys,
                        archs=f"0xA03C,{tmp_path / 'fast_dram.yaml'}")
    assert code == 0
    summary = (tmp_path / "out/summary.md").read_text()
    assert "| kernel | 0xA03C | fast_dram |" in summary
    # Twice the channel, but 4 cores keep only 4 x 8 misses x 64 B / 300 cycles in flight.
    assert "| DRAM | 13.65 | 4 cores x 1.71 B/cycle in flight x 2000 MHz |" in \
        (tmp_path / "out/roofline_fast_dram.md").read_text()
    assert (tmp_path / "out/results/mm_even_k__fast_dram.json").exists()
