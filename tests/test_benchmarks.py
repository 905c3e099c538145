"""The README's benchmark command runs every benchmark (it once collected nothing: the
files are bench_*.py, which pytest does not collect by default)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_documented_benchmark_command_collects_every_benchmark_file():
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"^python -m pytest benchmarks[^\n]*$", readme, re.M).group(0)
    argv = command.split()[3:]          # after "python -m pytest"
    out = subprocess.run([sys.executable, "-m", "pytest", *argv, "--collect-only", "-q"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    # -q prints "FILE::TEST" per test; -qq (pyproject's -q plus ours) "FILE: COUNT" per file
    collected = {re.split(r"::|: \d", line)[0] for line in out.stdout.splitlines()
                 if line.startswith("benchmarks/")}
    files = {p.relative_to(ROOT).as_posix() for p in (ROOT / "benchmarks").glob("bench_*.py")}
    assert files and collected == files
