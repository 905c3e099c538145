"""``k1sim check``: a summary on success; on bad input exit 2 and a located diagnostic,
never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from k1sim.cli import main

ROOT = Path(__file__).resolve().parents[2]

KERNEL = (ROOT / "tests" / "corpus" / "launch_summary.xsmt").read_text(encoding="utf-8")

BAD = ('tt.func public @k(%x: tensor<32x32xf32>) {\n'
       '  %0 = "arith.addf"(%x, %x) : (tensor<32x32xf32>, tensor<32x32xf32>) -> '
       'tensor<32x16xf32> loc("kern.py":61:100)\n'
       '  tt.return\n'
       '}\n')


@pytest.fixture
def write(tmp_path):
    def write(text, name="k.xsmt", binary=False):
        path = tmp_path / name
        if binary:
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return str(path)
    return write


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_summary(capsys, write):
    path = write(KERNEL)
    code, out, err = run(capsys, "check", path)
    assert code == 0, err
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == f"{path}: ok"
    assert "kernel   mm" in lines
    assert "arch     0xA03C" in lines
    assert "threads  4" in lines
    assert "grid     2 x 1 x 1" in lines
    assert "args     2" in lines
    assert "  arg0: !tt.ptr<f16>  (shape=[64, 64], init=randn)" in lines
    assert "  n: i32  (value=64)" in lines
    assert "  arg0 = arg0" in lines
    assert lines[-1] == "ops      15: arith 8, scf 4, tt 3"


def test_summary_of_the_bundled_kernel(capsys):
    code, out, _ = run(capsys, "check", str(ROOT / "kernels" / "mm_even_k.xsmt"))
    assert code == 0
    assert "xsmt" in out.splitlines()[-1]


def test_defaults_are_named(capsys, write):
    code, out, _ = run(capsys, "check", write("tt.func @k(%p: !tt.ptr<f32>) {\n  tt.return\n}\n"))
    assert code == 0
    assert "arch     (none: give --arch when running)" in out
    assert "threads  (arch default)" in out
    assert "grid     1 x 1 x 1" in out
    assert "  p: !tt.ptr<f32>  (init=zeros)" in out
    assert out.splitlines()[-1] == "ops      1: tt 1"


def test_warnings_go_to_stderr(capsys, write):
    text = ('tt.func @k() {\n'
            '  %0 = "tt.get_program_id"() <{axis = 0 : i32, colour = 1 : i32}> : () -> i32\n'
            '  tt.return\n}\n')
    path = write(text)
    code, out, err = run(capsys, "check", path)
    assert code == 0
    assert f"{path}:2:3: warning: unknown property 'colour'" in err
    assert out.startswith(f"{path}: ok")


def test_choose_among_public_functions(capsys, write):
    text = ("tt.func public @a() {\n  tt.return\n}\n"
            "tt.func public @b() {\n  tt.return\n}\n")
    path = write(text)
    code, out, err = run(capsys, "check", path)
    assert code == 2 and out == ""
    assert err.startswith(f"{path}:4:1: error: two public functions, 'a' and 'b'")
    code, out, _ = run(capsys, "check", path, "--kernel", "b")
    assert code == 0 and "kernel   b" in out


def test_bad_input_exits_2_with_a_located_diagnostic(capsys, write):
    path = write(BAD)
    code, out, err = run(capsys, "check", path)
    assert code == 2
    assert out == ""
    assert err.startswith(f"{path}:2:3: error: result type tensor<32x16xf32> does not match")
    assert '\n  %0 = "arith.addf"' in err and "\n  ^\n" in err
    assert err.rstrip().endswith("at kern.py:61:100")
    assert "Traceback" not in err


@pytest.mark.parametrize("content, where, fragment", [
    (b"", "1:1", "empty file"),
    (b"tt.func @k() {\n  tt.ret\xc0urn\n}\n", "2:9", "UTF-8"),
    (b"tt.func @k() {\n  tt.return\n", "3:1", "expected '}'"),
    (b"#a = " + b"[" * 5000, "1:", "nesting too deep"),
    (b"tt.func @k() {\n  %0 = xsmt.unknown\n}\n", "2:8", "supported xsmt ops"),
])
def test_bad_files(capsys, write, content, where, fragment):
    path = write(content, binary=True)
    code, out, err = run(capsys, "check", path)
    assert code == 2 and out == ""
    assert err.startswith(f"{path}:{where}")
    assert ": error: " in err.splitlines()[0] and fragment in err
    assert "Traceback" not in err


def test_missing_file(capsys, tmp_path):
    code, _, err = run(capsys, "check", str(tmp_path / "nope.xsmt"))
    assert code == 2
    assert "cannot read" in err and "Traceback" not in err


def test_print_of_bad_input_exits_2(capsys, write):
    code, out, err = run(capsys, "print", write(BAD))
    assert code == 2 and out == "" and ": error: " in err


def test_no_command_prints_help(capsys):
    code, out, _ = run(capsys)
    assert code == 2 and "check" in out


def _subprocess(*argv):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "k1sim.cli", *argv], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


def test_real_process_has_no_traceback(write):
    path = write(BAD)
    proc = _subprocess("check", path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"{path}:2:3: error: ")
    assert "Traceback" not in proc.stderr


def test_real_process_success(write):
    proc = _subprocess("check", write(KERNEL))
    assert proc.returncode == 0, proc.stderr
    assert "kernel   mm" in proc.stdout and proc.stderr == ""
