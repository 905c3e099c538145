"""DESIGN.md's layer table holds: the import-linter contracts in pyproject.toml pass, and
they do fail when a module imports against the table (so CI would catch it)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())"]


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(LINT, cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})


def test_contracts_hold():
    out = _lint(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


@pytest.mark.parametrize("module, line, broken", [
    # the cycle issue 13 found: a result that imports the report that reads it
    ("result.py", "import k1sim.report.summary", "k1sim.result -> k1sim.report.summary"),
    # functional code reading op definitions
    ("functional/arith.py", "import k1sim.ir.ops.arith", "k1sim.functional.arith -> "
     "k1sim.ir.ops.arith"),
    # report running a simulation
    ("report/tables.py", "import k1sim.simulator", "k1sim.report.tables -> k1sim.simulator"),
    # a file cycle inside a package
    ("report/number_format.py", "import k1sim.report.roofline", "No cycles are allowed"),
])
def test_a_violation_fails(tmp_path, module, line, broken):
    shutil.copytree(ROOT / "k1sim", tmp_path / "k1sim",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / "k1sim" / module
    target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    out = _lint(tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert broken in out.stdout
