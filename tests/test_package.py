"""Package-level promises: lazy heavy imports and the public names."""

import subprocess
import sys

import pytest

import k1sim


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
