"""Run options are one frozen object; the launch is resolved from the IR once (ir/launch.py)."""

import dataclasses
import inspect

import numpy as np
import pytest

import k1sim
from k1sim.ir.core import Module
from k1sim.run_options import RunOptions
from k1sim.simulator import Simulator

MM = "kernels/mm_split_n.xsmt"


def test_execute_takes_one_options_object():
    """``execute`` grows by a RunOptions field, not by a parameter."""
    params = inspect.signature(Simulator.execute).parameters
    assert list(params) == ["self", "program", "options", "changes"]
    assert params["changes"].kind is inspect.Parameter.VAR_KEYWORD
    assert k1sim.RunOptions is RunOptions


def test_keywords_and_options_give_the_same_run():
    sim = Simulator("0xA03C")
    by_keyword = sim.execute(MM, seed=3, timing_only=True, grid=(2, 1))
    options = RunOptions(seed=3, timing_only=True, grid=(2, 1))
    by_object = sim.execute(MM, options)
    changed = sim.execute(MM, RunOptions(seed=9, grid=(2, 1)), seed=3, timing_only=True)
    for r in (by_object, changed):
        assert (r.cycles, r.grid, r.seed, r.timing_only) == \
            (by_keyword.cycles, (2, 1, 1), 3, True)
    assert options == RunOptions(seed=3, timing_only=True, grid=(2, 1))   # not mutated


def test_options_are_frozen_and_unknown_names_are_refused():
    options = RunOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.seed = 1
    with pytest.raises(TypeError, match="unknown run option.*sead.*options: kernel, grid"):
        Simulator("0xA03C").execute(MM, sead=1)


def test_inputs_and_args_pass_through_options():
    a = np.ones((72, 40), np.float16)
    r = Simulator("0xA03C").execute(MM, RunOptions(inputs={"a": a}))
    assert r.passed and r.outputs["a"].tolist() == a.tolist()


def test_execute_reads_module_attributes_only_through_ir_launch(monkeypatch):
    """The launch is resolved once: no code outside k1sim/ir reads a module attribute."""
    callers = []
    real = Module.attr

    def spy(self, *args, **kwargs):
        callers.append(inspect.stack()[1].filename)
        return real(self, *args, **kwargs)
    monkeypatch.setattr(Module, "attr", spy)
    Simulator().execute(MM, timing_only=True)
    assert callers, "Module.attr was never called: the spy is not in place"
    outside = {f for f in callers if "/k1sim/ir/" not in f.replace("\\", "/")}
    assert not outside, f"module attributes read outside k1sim/ir: {sorted(outside)}"
