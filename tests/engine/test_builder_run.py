"""A kernel built in Python runs like a parsed one (docs/builder.md's example)."""

import numpy as np

from k1sim import Simulator, parse
from k1sim.library import mm_even_k


def build():
    # docs/builder.md's example: 0xA03C, fp32 micro tile (8, 32, 32), f16 in, f32 out.
    return mm_even_k(128, 128, 64, arch="0xA03C", threads=4, micro=(8, 32, 32), out="f32",
                     bn=64)


def test_built_kernel_runs_and_matches_its_printed_form():
    b = build()
    built = Simulator().execute(b, seed=2)
    assert built.passed and built.expects
    printed = Simulator().execute(parse(b.module.to_text()), seed=2)
    assert printed.cycles == built.cycles
    assert np.array_equal(printed.outputs["c"], built.outputs["c"])


def test_built_kernel_on_too_small_a_grid_fails_its_expect():
    # Two block rows of 32 cover rows 0..63 of the 128 rows of c.
    r = Simulator().execute(build(), grid=(2, 2))
    assert not r.passed and r.expects[0].index[0] >= 64
