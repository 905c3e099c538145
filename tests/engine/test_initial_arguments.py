"""``initial_arguments`` gives the inputs a run starts from, so another run can share them."""

from pathlib import Path

import numpy as np

from k1sim.simulator import Simulator, initial_arguments

KERNEL = Path(__file__).resolve().parents[2] / "kernels" / "mm_split_m.xsmt"


def test_the_arrays_are_the_ones_execute_fills_from_the_same_seed():
    start = initial_arguments(KERNEL, seed=3)
    assert start["M"] == 88 and isinstance(start["M"], int)
    assert start["a"].shape == (88, 128) and start["a"].dtype == np.float32
    ran = Simulator().execute(KERNEL, seed=3)
    for name in ("a", "b"):          # inputs the kernel does not write
        np.testing.assert_array_equal(ran.outputs[name], start[name])
    assert not start["c"].any(), "c has no k1sim.init: it starts as zeros"


def test_another_seed_gives_other_data_and_a_run_on_them_computes_from_them():
    start = initial_arguments(KERNEL, seed=4)
    assert not np.array_equal(start["a"], initial_arguments(KERNEL, seed=3)["a"])
    ran = Simulator().execute(KERNEL, inputs={"a": start["a"], "b": start["b"]})
    np.testing.assert_allclose(ran.outputs["c"], start["a"].astype(np.float64) @ start["b"],
                               rtol=1e-4, atol=1e-3)
