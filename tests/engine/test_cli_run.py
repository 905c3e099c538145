"""``k1sim run``: output, exit codes 0/1/2/3, --output, --input, --arg, --expect."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from k1sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
MM = str(ROOT / "kernels/mm_even_k.xsmt")


def test_run_prints_what_ran_the_expects_and_the_cycles(capsys):
    assert main(["run", MM]) == 0
    out = capsys.readouterr().out
    assert f"kernel      mm_kernel ({MM})" in out and "\narch        0xA03C " in out
    assert re.search(r"\nlaunch      grid 2x2x1 \(4 programs\) on 4 threads; [\d,]+ ops executed\n",
                     out)
    assert "\n  ok      c = a @ b: ok (max abs err" in out
    assert "\ncycles " in out


def test_failing_expect_exits_1_and_still_writes_outputs(tmp_path, capsys):
    assert main(["run", MM, "--expect", "c = a @ b + 1", "--output", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert re.search(r"\n  FAILED  c = a @ b \+ 1: .*elements differ\n", out)
    c = np.load(tmp_path / "c.npy")
    a, b = np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy")
    assert c.shape == (64, 64) and c.dtype == np.float16
    assert np.allclose(c.astype(np.float32), a.astype(np.float32) @ b.astype(np.float32),
                       rtol=2e-2, atol=2e-2)


def test_inputs_args_and_grid_from_the_command_line(tmp_path, capsys):
    a = np.eye(64, dtype=np.float16)
    np.save(tmp_path / "a.npy", a)
    code = main(["run", MM, "--input", f"a={tmp_path / 'a.npy'}", "--expect", "c = b",
                 "--output", str(tmp_path / "out"), "--seed", "5"])
    assert code == 0
    code = main(["run", MM, "--grid", "1,1", "--arg", "M=32", "--arg", "N=32",
                 "--expect", "c = a @ b"])
    assert code == 1  # one 32x32 block of c is computed, the rest stays zero
    assert "elements differ" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--arg", "M"], "expected NAME=VALUE, got 'M'"),
    (["--arg", "M=big"], "--arg M=big: the value must be a number"),
    (["--grid", "2,x"], "grid must be X[,Y[,Z]] integers, got '2,x'"),
    (["--input", "a=/nonexistent.npy"], "--input a=/nonexistent.npy: cannot read a .npy array"),
    (["--arg", "a=1"], "'a' is a pointer argument: give its data with --input a=FILE.npy"),
    (["--expect", "c = a.shape"], "attribute '.shape' is not allowed"),
    (["--expect", "M = a"], "'M' is not a pointer argument (col 1); outputs: a, b, c"),
    (["--arch", "0xB00"], "unknown arch '0xB00'"),
    (["--threads", "9"], "threads = 9, but 0xA03C (spacemit-a60) has 4 cores"),
    (["--rtol", "-1"], "rtol must be >= 0, got -1.0"),
])
def test_input_errors_exit_2_with_a_message(argv, message, capsys):
    try:
        code = main(["run", MM, *argv])
    except SystemExit as e:  # argparse rejects malformed flags itself, with status 2
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_parse_error_exits_2_with_location(tmp_path, capsys):
    bad = tmp_path / "bad.xsmt"
    bad.write_text("module {\n  tt.func @k() {\n    %x = arith.nope 1 : i32\n  }\n}\n")
    assert main(["run", str(bad)]) == 2
    assert f"{bad}:3:10: error: unknown op 'arith.nope'" in capsys.readouterr().err


def test_runtime_fault_exits_3(tmp_path, capsys):
    from tests.engine.test_faults import DEADLOCK
    from tests.engine.kernels import module, ptr
    path = tmp_path / "dead.xsmt"
    path.write_text(module(DEADLOCK, ptr("y", [1])).to_text())
    assert main(["run", str(path)]) == 3
    err = capsys.readouterr().err
    assert "deadlock at cycle" in err and "Traceback" not in err


def test_timing_only_flag(capsys):
    assert main(["run", MM, "--timing-only"]) == 0
    captured = capsys.readouterr()
    assert "timing only" in captured.out
    assert "timing-only run: 1 expect(s) skipped" in captured.err


def test_console_script_runs_a_bundled_kernel():
    r = subprocess.run([sys.executable, "-m", "k1sim.cli", "run", MM], capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "  ok      c = a @ b: ok" in r.stdout
