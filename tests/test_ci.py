"""CI (.ci/run) tests what a newcomer gets: a fresh virtual environment, the README's commands."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CI = (ROOT / ".ci" / "run").read_text()


def _commands(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_ci_installs_into_a_fresh_virtual_environment():
    """A venv is made on every run before anything is installed, and every pip, python and
    k1sim after it is that venv's (an install into the machine's python reused its packages:
    an old pytest hid a failure the newest one shows)."""
    lines = _commands(CI)
    venv = next(i for i, line in enumerate(lines) if re.search(r"python3 -m venv ", line))
    assert "mktemp -d" in " ".join(lines[:venv]), "the venv is not created anew on each run"
    path = next(i for i, line in enumerate(lines) if line.startswith("export PATH=")
                and "/venv/bin:" in line)
    installs = [i for i, line in enumerate(lines) if "pip install" in line]
    assert installs and venv < path < min(installs)
    assert not any(re.search(r"\bpython3 -m (pip|pytest)\b", line) for line in lines)
    assert "set -euo pipefail" in lines


def test_ci_runs_the_readme_commands():
    block = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    install_and_run, test_command = block.strip().splitlines()
    lines = _commands(CI)
    assert install_and_run.split("&& ", 1)[1] in lines
    assert test_command in lines
    assert any(line.startswith("time k1sim report kernels/") for line in lines)
    assert "lint-imports" in lines
