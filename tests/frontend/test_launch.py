"""The launch contract: load, target, kernel[grid](...), launch, in-place outputs, caching."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from k1sim import K1SimError, frontend
from k1sim.ir.core import FileLoc
from tests.frontend.helpers import KERNELS, line_of

MM = KERNELS / "mm_smt.py"
META = dict(BLOCK_SIZE_M=32, BLOCK_SIZE_N=32, BLOCK_SIZE_K=64, MICRO_M=8, MICRO_K=32,
            MICRO_N=32)


def _mm_args(m=64, n=64, k=64, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, k)).astype(np.float16)
    b = rng.standard_normal((k, n)).astype(np.float16)
    c = np.zeros((m, n), np.float16)
    return a, b, c


def _grid(m, n):
    return lambda meta: (-(-m // meta["BLOCK_SIZE_M"]), -(-n // meta["BLOCK_SIZE_N"]))


def _ref(a, b):
    return a.astype(np.float32) @ b.astype(np.float32)


def test_mm_under_a_target_writes_c_in_place_and_records_the_result():
    mod = frontend.load(MM)
    a, b, c = _mm_args()
    with frontend.target("0xA03C") as t:
        r = mod.mm_kernel[_grid(64, 64)](a, b, c, 64, 64, 64, 64, 1, 64, 1, 64, 1, **META)
    assert t.results == [r]
    assert r.kernel == "mm_kernel" and r.grid == (2, 2, 1) and r.cycles > 0
    np.testing.assert_allclose(c.astype(np.float32), _ref(a, b), rtol=1e-2, atol=5e-2)


def test_launch_traces_each_specialization_once_and_replays_the_same_cycles():
    mod = frontend.load(MM)
    kernel = mod.mm_kernel
    a, b, c = _mm_args()
    args = (a, b, c, 64, 64, 64, 64, 1, 64, 1, 64, 1)
    r1 = frontend.launch(kernel, (2, 2), *args, arch="0xA03C", timing_only=True, **META)
    r2 = frontend.launch(kernel, (2, 2), *args, arch="0xA03C", timing_only=True, **META)
    assert len(kernel.cache) == 1 and r1.cycles == r2.cycles
    assert not c.any()  # a timing-only run computes no values
    frontend.launch(kernel, (2, 2), *args, arch="0xA03C", timing_only=True,
                    **{**META, "MICRO_M": 16})
    assert len(kernel.cache) == 2


def test_strided_views_are_read_through_the_strides_the_host_passes():
    mod = frontend.load(MM)
    a, b, c = _mm_args()
    bt = np.ascontiguousarray(b.T).T  # b's values, column-major memory
    frontend.launch(mod.mm_kernel, (2, 2), a, bt, c, 64, 64, 64, 64, 1,
                    bt.strides[0] // 2, bt.strides[1] // 2, 64, 1, arch="0xA03C", **META)
    np.testing.assert_allclose(c.astype(np.float32), _ref(a, b), rtol=1e-2, atol=5e-2)


def test_every_op_is_located_at_its_python_line():
    mod = frontend.load(MM)
    a, b, c = _mm_args()
    frontend.launch(mod.mm_kernel, (2, 2), a, b, c, 64, 64, 64, 64, 1, 64, 1, 64, 1,
                    arch="0xA03C", timing_only=True, **META)
    module = next(iter(mod.mm_kernel.cache.values()))
    first, last = line_of(MM, "def mm_kernel"), line_of(MM, "tl.store(")
    ops = [op for op in module.walk() if op.name != "tt.return"]
    assert ops
    for op in ops:
        assert isinstance(op.loc, FileLoc) and op.loc.file == str(MM), op
        assert first <= op.loc.line <= last, op
    dots = [op for op in ops if op.name == "xsmt.mmt4d"]
    assert [op.loc.line for op in dots] == [line_of(MM, "smt.dot(")]


def test_load_leaves_sys_modules_as_it_was():
    before = {k for k in sys.modules if k == "triton" or k.startswith("triton.")}
    frontend.load(MM)
    after = {k for k in sys.modules if k == "triton" or k.startswith("triton.")}
    assert after == before


def test_a_launch_without_a_target_says_how_to_give_one():
    mod = frontend.load(MM)
    a, b, c = _mm_args()
    with pytest.raises(K1SimError, match="no target to launch on") as e:
        mod.mm_kernel[(2, 2)](a, b, c, 64, 64, 64, 64, 1, 64, 1, 64, 1, **META)
    assert f"mm_smt.py:{line_of(MM, 'def mm_kernel')}:" in str(e.value)
