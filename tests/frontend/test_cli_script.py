"""`k1sim run script.py`: the host script runs with the front end, each launch summarized."""

from __future__ import annotations

import json

from k1sim.cli import main
from tests.frontend.helpers import KERNELS

SCRIPT = """\
import sys
import numpy as np
import triton
import triton.language as tl
from triton.backends.spine_triton.driver import CPUDriver

triton.runtime.driver.set_active(CPUDriver())


@triton.jit
def add_kernel(x_ptr, y_ptr, out_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(x_ptr + offs, mask=mask)
    tl.store(out_ptr + offs, x + tl.load(y_ptr + offs, mask=mask), mask=mask)


if __name__ == "__main__":
    x = np.arange(100, dtype=np.float32)
    out = np.zeros_like(x)
    for block in (32, 64):
        add_kernel[(triton.cdiv(100, block),)](x, x, out, 100, BLOCK=block)
    np.testing.assert_allclose(out, 2 * x + float(sys.argv[-1] == "--break"))
"""


def _script(tmp_path):
    path = tmp_path / "host.py"
    path.write_text(SCRIPT)
    return path


def test_each_launch_is_summarized_and_the_script_decides_the_exit_code(tmp_path, capsys):
    path = _script(tmp_path)
    out_json = tmp_path / "runs.json"
    assert main(["run", str(path), "--arch", "0xA03C", "--quiet", "--json",
                 str(out_json)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("add_kernel 0xA03C ") for line in lines)
    runs = json.loads(out_json.read_text())
    assert [r["grid"] for r in runs] == [[4, 1, 1], [2, 1, 1]]


def test_a_failing_check_in_the_script_is_exit_code_1(tmp_path, capsys, monkeypatch):
    path = _script(tmp_path)
    path.write_text(SCRIPT.replace("2 * x +", "3 * x +"))
    assert main(["run", str(path), "--arch", "0xA03C", "--quiet"]) == 1
    assert "AssertionError" in capsys.readouterr().err


def test_a_script_needs_an_arch_and_refuses_file_flags(tmp_path, capsys):
    path = _script(tmp_path)
    assert main(["run", str(path)]) == 2
    assert "give --arch" in capsys.readouterr().err
    assert main(["run", str(path), "--arch", "0xA03C", "--grid", "2"]) == 2
    assert "--grid applies to .xsmt files" in capsys.readouterr().err


def test_the_kernel_library_mm_script_runs_all_four_paths(capsys):
    assert main(["run", str(KERNELS.parents[2] / "kernels" / "mm.py"), "--arch", "0xA03C",
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.count("mm_kernel 0xA03C") == 4
