"""``k1sim run`` on bad input and at scale (issue 13, items 4, 5, 8 and 11): launch and
memory budgets refused up front, the progress bar's ETA, seeds, the quiet timing-only
line, --roofline by extension, arch names."""

import io
import math
import re
import sys
from pathlib import Path

import pytest

from k1sim.cli import main
from k1sim.cli.progress import Progress
from k1sim.errors import K1SimError
from k1sim.simulator import Simulator

ROOT = Path(__file__).resolve().parents[2]
MM = str(ROOT / "kernels/mm_even_k.xsmt")


def _run(capsys, *argv):
    code = main(["run", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


# -- item 4: launch budget and progress ---------------------------------------------------

@pytest.mark.parametrize("grid, programs", [("3000000000", "3,000,000,000"),
                                            ("100000,100000,100000", "1,000,000,000,000,000")])
def test_absurd_grids_are_refused_up_front_saying_what_to_pass(capsys, grid, programs):
    code, out, err = _run(capsys, MM, "--grid", grid, "--timing-only")
    assert code == 2 and out == ""
    total = programs.replace(",", "")
    assert (f"is {programs} programs, over the launch budget of 1,000,000; to run it anyway "
            f"pass --max-programs {total} (max_programs={total} in Python)") in err


def test_max_programs_sets_the_budget(capsys):
    eight = (MM, "--grid", "8", "--timing-only", "-q", "--max-programs")
    assert _run(capsys, *eight, "7")[0] == 2
    assert _run(capsys, *eight, "8")[0] == 0
    assert _run(capsys, *eight, "none")[0] == 0
    with pytest.raises(SystemExit) as e:
        main(["run", MM, "--max-programs", "0"])
    assert e.value.code == 2
    with pytest.raises(K1SimError, match="max_programs must be a positive number"):
        Simulator().execute(MM, max_programs=-3)


def test_progress_shows_done_elapsed_and_eta_after_the_delay(monkeypatch):
    now = [100.0]
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    bar = Progress(clock=lambda: now[0])
    bar(1, 100)
    assert err.getvalue() == ""  # under 2 s: nothing drawn
    now[0] = 110.0
    bar(20, 100)
    assert err.getvalue().endswith("] 20/100 programs, 10 s, ETA 40 s\033[K")
    now[0] = 190.0
    bar(50, 100)
    assert err.getvalue().endswith("] 50/100 programs, 1m30s, ETA 1m30s\033[K")
    bar.clear()
    assert err.getvalue().endswith("\r\033[K")


def test_progress_flags_override_the_terminal_check(monkeypatch, capsys):
    monkeypatch.setattr(Progress, "delay_s", 0.0)
    assert _run(capsys, MM, "-q", "--progress")[2].count("programs, ") >= 1
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert "programs" not in _run(capsys, MM, "-q", "--no-progress")[2]


# -- item 5: memory budget ----------------------------------------------------------------

def _huge(tmp_path, rows: int, cols: int) -> str:
    text = Path(MM).read_text().replace("array<i64: 64, 64>", f"array<i64: {rows}, {cols}>")
    path = tmp_path / "huge.xsmt"
    path.write_text(text)
    return str(path)


def test_huge_tensors_are_refused_before_allocating_naming_each(tmp_path, capsys):
    path = _huge(tmp_path, 1_000_000, 1_000_000)
    code, out, err = _run(capsys, path)
    assert code == 2 and out == ""
    assert re.search(r"the launch needs [\d.]+ TB for its tensors", err)
    assert "over the memory budget of" in err and "of RAM available" in err
    for name in "abc":
        assert f"    2 TB  {name} (1000000x1000000 f16)\n" in err
    assert 'float64 working arrays of expect "c = a @ b"' in err


def test_memory_limit_flag_and_option(tmp_path, capsys):
    path = _huge(tmp_path, 400, 400)  # 3 x 320 kB of f16, plus the expect's arrays
    code, _, err = _run(capsys, path, "--memory-limit", "1M")
    assert code == 2 and "over the memory budget of 1 MB (--memory-limit SIZE" in err
    assert "  320 kB  a (400x400 f16)\n" in err
    with pytest.raises(K1SimError, match=r"the launch needs [\d.]+ MB for its tensors, over the "
                                         r"memory budget of 1 MB"):
        Simulator().execute(path, memory_limit=1e6)
    # Allowed, it runs (its expect fails: the 2x2 grid computes only 64x64 of the output).
    assert Simulator().execute(path, memory_limit=math.inf).expects[0].passed is False
    assert _run(capsys, path, "--memory-limit", "none", "-q")[0] == 1


def test_timing_only_runs_shapes_beyond_the_budget(tmp_path, capsys):
    path = _huge(tmp_path, 1_000_000, 1_000_000)
    code, out, _ = _run(capsys, path, "--timing-only", "-q")
    assert code == 0 and "TIMING-ONLY" in out


# -- item 8: seeds ------------------------------------------------------------------------

@pytest.mark.parametrize("seed", ["-1", "-12345678901234567890"])
def test_a_negative_seed_is_an_input_error(capsys, seed):
    code, out, err = _run(capsys, MM, "--seed", seed)
    assert code == 2 and out == ""
    assert f"seed must be a non-negative integer, got {int(seed)}" in err


@pytest.mark.parametrize("seed", [-1, 1.5, True, "3"])
def test_bad_seeds_from_python(seed):
    with pytest.raises(K1SimError, match="seed must be a non-negative integer"):
        Simulator().execute(MM, seed=seed)


def test_bad_seed_text_exits_2_not_1(capsys):
    with pytest.raises(SystemExit) as e:
        main(["run", MM, "--seed", "abc"])
    assert e.value.code == 2


# -- item 11: small things ----------------------------------------------------------------

def test_quiet_timing_only_does_not_read_as_pass(capsys):
    code, out, _ = _run(capsys, MM, "--timing-only", "-q")
    assert code == 0
    assert out.rstrip().endswith("TIMING-ONLY (expects not checked)") and "PASS" not in out


def test_roofline_by_extension(tmp_path, capsys):
    table = tmp_path / "r.txt"
    assert _run(capsys, MM, "-q", "--roofline", str(table))[0] == 0
    text = table.read_text()
    assert text.startswith("# Roofline: 0xA03C") and "\x89PNG" not in text
    assert "| mm_kernel |" in text or "mm_kernel" in text
    code, out, err = _run(capsys, MM, "-q", "--roofline", str(tmp_path / "r.jpg"))
    assert code == 2 and out == ""  # refused before the run
    assert "--roofline" in err and "name the file .png or .svg for the plot, or .md or .txt" in err
    assert not (tmp_path / "r.jpg").exists()


@pytest.mark.parametrize("name", ["a60", "A60", "0xa03c"])
def test_arch_names_as_k1sim_archs_lists_them(capsys, name):
    code, out, _ = _run(capsys, MM, "--arch", name, "-q")
    assert code == 0 and out.startswith("mm_kernel 0xA03C ")


def test_shapes_beyond_numpy_and_empty_randint_ranges_are_input_errors(tmp_path, capsys):
    # Found by the scale fuzzer: a shape over numpy's limits crashed the expect check with
    # a ValueError, and randint:3:3 crashed numpy's generator.
    path = _huge(tmp_path, 99999999999999999999 // 10 ** 6, 99999999999999)
    code, out, err = _run(capsys, path)
    assert code == 2 and "over the memory budget" in err
    text = Path(MM).read_text().replace('k1sim.init = "randn"', 'k1sim.init = "randint:3:3"', 1)
    (tmp_path / "r.xsmt").write_text(text)
    with pytest.raises(K1SimError, match=r'k1sim.init "randint:3:3": randint:LOW:HIGH needs '
                                         r"LOW < HIGH \(HIGH excluded\)"):
        Simulator().execute(str(tmp_path / "r.xsmt"))
