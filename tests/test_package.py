"""Package-level promises: lazy heavy imports, the public names, and what a wheel ships."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import k1sim
from k1sim.arch import ARCH_IDS

try:
    import tomllib
except ModuleNotFoundError:     # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("commands", [[["--help"]], [["archs"], ["peak", "--arch", "0xA064"]]])
def test_quick_commands_do_not_import_numpy_numba_or_simpy(commands):
    calls = "".join(f"try:\n    cli.main({c!r})\nexcept SystemExit:\n    pass\n" for c in commands)
    code = ("import sys\nfrom k1sim import cli\n" + calls +
            "print(sorted(m for m in ('numba', 'simpy', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_public_names_resolve():
    for name in k1sim.__all__:
        assert getattr(k1sim, name) is not None
    assert issubclass(k1sim.ParseError, k1sim.K1SimError)
    assert issubclass(k1sim.VerifyError, k1sim.ParseError)


def test_unknown_attribute_is_an_attribute_error():
    try:
        k1sim.no_such_name
    except AttributeError as e:
        assert "no_such_name" in str(e)
    else:
        raise AssertionError("k1sim.no_such_name resolved")


def test_pyproject_lists_every_package():
    with open(ROOT / "pyproject.toml", "rb") as f:
        listed = set(tomllib.load(f)["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "k1sim").rglob("__init__.py")}
    assert on_disk | {"k1sim.archs"} == listed


@pytest.mark.slow
def test_a_wheel_install_finds_its_arch_files(tmp_path):
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(pip + ["wheel", "--no-deps", "-w", str(tmp_path / "dist"), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("k1sim-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        shipped = {n for n in z.namelist() if n.startswith("k1sim/archs/")}
    assert shipped == {f"k1sim/archs/{p.name}" for p in (ROOT / "archs").glob("*.yaml")}
    target = tmp_path / "site"
    subprocess.run(pip + ["install", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    code = ("from k1sim.arch import ARCHS_DIR, ARCH_IDS, load_arch\n"
            "print(ARCHS_DIR)\nprint([load_arch(i).arch_id for i in ARCH_IDS])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(target)})
    where, ids = out.stdout.splitlines()
    assert Path(where) == target / "k1sim" / "archs"
    assert ids == repr(list(ARCH_IDS))
