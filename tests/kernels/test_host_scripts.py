"""Each Python kernel file's host script (its ``__main__``) runs with the front end
active on the arch of its .xsmt twin: its own numpy checks pass, as they would on the
board, and every launch it makes is simulated."""

from pathlib import Path

import pytest

from k1sim import frontend

KERNELS = Path(__file__).resolve().parents[2] / "kernels"
# file -> (arch of its .xsmt twin, launches its __main__ makes)
SCRIPTS = {"mm": ("0xA03C", 4), "bmm": ("0x5064", 1), "addmm": ("0x503C", 1),
           "softmax": ("0xA03C", 1), "flash_attention": ("0xA064", 2),
           "qk_scale": ("0xA03C", 1), "attention": ("0xA064", 1), "fifo": ("0xA064", 2),
           "gemm_i8": ("0xA03C", 1)}


def test_every_python_kernel_file_has_a_host_script_here():
    assert {p.stem for p in KERNELS.glob("*.py")} == set(SCRIPTS)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_host_script_checks_pass(name, capsys):
    arch, launches = SCRIPTS[name]
    with frontend.target(arch) as t:
        frontend.run_script(str(KERNELS / f"{name}.py"))
    out = capsys.readouterr().out
    assert out.count(": ok") == launches == len(t.results)
    assert all(r.arch == arch for r in t.results)
