"""The engine's timing seam: one Protocol, a null model for functional-only runs, and a
timing model that never changes a value (issue 10, "Where it lives")."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from k1sim import Simulator
from k1sim.cores import ArchTiming
from k1sim.engine.seam import NullTiming, Timing

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ["gemm_i8.xsmt", "mm_split_n.xsmt", "fifo_split2.xsmt", "flash_attn_fwd.xsmt",
           "softmax_rows.xsmt", "scratchpad_roundtrip.xsmt"]


@pytest.mark.parametrize("name", KERNELS)
def test_a_timed_run_and_a_functional_only_run_give_the_same_values(name):
    sim = Simulator("0xA064")
    timed = sim.execute(ROOT / "kernels" / name)
    functional = sim.execute(ROOT / "kernels" / name, functional_only=True)
    assert timed.cycles > 0 and functional.cycles == 0
    assert functional.trace == [] and functional.ops == {}
    assert timed.outputs.keys() == functional.outputs.keys()
    for key, value in timed.outputs.items():
        np.testing.assert_array_equal(value, functional.outputs[key], err_msg=key)
    assert [e.passed for e in timed.expects] == [e.passed for e in functional.expects]


def test_both_timing_models_implement_the_seam_protocol():
    for model in (NullTiming, ArchTiming):
        for name in ("flush_before", "issuer", "flush", "waited", "results", "trace_warnings"):
            assert hasattr(model, name), (model, name)
        assert all(callable(getattr(model, n)) for n in Timing.__dict__
                   if not n.startswith("_") and n != "flush_before")


@pytest.mark.parametrize("package", ["k1sim.ime", "k1sim.ame", "k1sim.cores"])
def test_each_timing_package_imports_alone_in_a_fresh_interpreter(package):
    done = subprocess.run([sys.executable, "-c", f"import {package}"], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_the_engine_imports_no_timing_package():
    for path in (ROOT / "k1sim/engine").glob("*.py"):
        text = path.read_text()
        for package in ("k1sim.cores", "k1sim.ime", "k1sim.ame", "k1sim.memory", "k1sim.cost"):
            assert f"from {package}" not in text and f"import {package}" not in text, path


def test_a_block_pointer_keeps_its_access_and_a_window_has_its_own():
    from k1sim.engine.seam import access
    from k1sim.functional.memory import Allocation, BlockPtr

    p = BlockPtr(Allocation("x", "f32", (40, 40), "global"), 0, (40, 40), (40, 1), (32, 8),
                 (16, 16))
    made = access(p)
    assert access(p) is made and access(p, ((0, 0), (16, 16))) is made
    assert (made.origin, made.base, made.shape, made.in_bounds) == (32 * 40 + 8, 32 * 40 + 8,
                                                                    (8, 16), 0.5)
    part = access(p, ((4, 0), (4, 16)))
    assert (part.origin, part.shape, part.in_bounds) == (36 * 40 + 8, (4, 16), 1.0)
