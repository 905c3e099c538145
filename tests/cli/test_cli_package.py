"""The command line is one package: one exit-code table, one version, one module per command."""

import ast
import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import k1sim
from k1sim import cli
from k1sim.cli.exit_codes import ExitCode

ROOT = Path(__file__).resolve().parents[2]
CLI_DIR = ROOT / "k1sim" / "cli"


def _modules():
    return {p.stem: ast.parse(p.read_text(), str(p)) for p in CLI_DIR.glob("*.py")}


def test_exit_codes_are_defined_once():
    """No module but exit_codes.py names an exit code, and no command returns a bare int."""
    for name, tree in _modules().items():
        if name == "exit_codes":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                assert not node.id.startswith("EXIT"), f"k1sim/cli/{name}.py defines {node.id}"
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Constant):
                assert not isinstance(node.value.value, int), \
                    f"k1sim/cli/{name}.py:{node.lineno} returns {node.value.value}, not an ExitCode"
    assert [int(c) for c in ExitCode] == sorted(set(int(c) for c in ExitCode))


def test_every_command_module_is_registered():
    commands = {name for name, tree in _modules().items()
                if any(isinstance(n, ast.FunctionDef) and n.name == "add_parser"
                       for n in tree.body)}
    assert commands == {m.__name__.rsplit(".", 1)[1] for m in cli.COMMANDS}


def test_one_version(capsys):
    """The version is written once (k1sim.__version__); pyproject and --version read it."""
    installed = importlib.metadata.version("k1sim")
    assert installed == k1sim.__version__
    try:
        cli.main(["--version"])
    except SystemExit as e:
        assert e.code == 0
    assert capsys.readouterr().out.strip() == f"k1sim {installed}"
    literal = re.compile(r"""(?m)^\s*(version|__version__)\s*=\s*["']\d""")
    written = [p for p in [ROOT / "pyproject.toml", *(ROOT / "k1sim").rglob("*.py")]
               if literal.search(p.read_text())]
    assert written == [ROOT / "k1sim" / "__init__.py"]


def test_python_dash_m_runs_the_same_cli():
    out = subprocess.run([sys.executable, "-m", "k1sim.cli", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == f"k1sim {k1sim.__version__}"


def test_no_command_is_given_is_an_input_error(capsys):
    assert cli.main([]) == ExitCode.INPUT
    assert "COMMAND" in capsys.readouterr().out
