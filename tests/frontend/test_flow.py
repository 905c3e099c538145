"""Control flow and the smt builtins: traced ops and the values they compute."""

from __future__ import annotations

import numpy as np

from k1sim import frontend
from tests.frontend.helpers import KERNELS

FLOW = KERNELS / "flow.py"


def _ops(kernel) -> list[str]:
    module = next(iter(kernel.cache.values()))
    return [op.name for op in module.walk()]


def test_loops_ifs_helpers_and_static_range():
    mod = frontend.load(FLOW)
    x = np.random.default_rng(0).standard_normal((4, 100)).astype(np.float32)
    out = np.zeros(4, np.float32)
    frontend.launch(mod.rowsum_kernel, (4,), x, out, 100, BLOCK_N=32, DOUBLE=True,
                    arch="0xA03C")
    sign = np.array([1, -1, 1, -1], np.float32)
    np.testing.assert_allclose(out, x.sum(1) * 2 * sign + 3, rtol=1e-5, atol=1e-4)
    ops = _ops(mod.rowsum_kernel)
    assert ops.count("scf.for") == 1 and ops.count("scf.if") == 1  # static_range unrolled
    loop = next(op for op in next(iter(mod.rowsum_kernel.cache.values())).walk()
                if op.name == "scf.for")
    assert len(loop.results) == 1  # acc is carried; offs and x are the body's own


def test_constexpr_if_is_folded():
    mod = frontend.load(FLOW)
    x = np.ones((2, 32), np.float32)
    out = np.zeros(2, np.float32)
    frontend.launch(mod.rowsum_kernel, (2,), x, out, 32, BLOCK_N=32, DOUBLE=False,
                    arch="0xA03C")
    np.testing.assert_allclose(out, [35, -29])
    assert "arith.mulf" not in _ops(mod.rowsum_kernel)


def test_acc_plus_equals_smt_dot_accumulates_over_a_k_loop():
    mod = frontend.load(FLOW)
    rng = np.random.default_rng(1)
    a = rng.standard_normal((32, 128)).astype(np.float16)
    b = rng.standard_normal((128, 32)).astype(np.float16)
    c = np.zeros((32, 32), np.float16)
    frontend.launch(mod.mm_k_loop, (1, 1), a, b, c, 32, 32, 128, BM=32, BN=32, BK=128,
                    SUB_K=32, MM=8, MK=32, MN=16, arch="0xA03C")
    ref = a.astype(np.float32) @ b.astype(np.float32)
    np.testing.assert_allclose(c.astype(np.float32), ref, rtol=2e-2, atol=1e-1)
    ops = _ops(mod.mm_k_loop)
    assert ops.count("xsmt.mmt4d") == 1 and "arith.addf" in ops


def test_parallel_loop_with_buffers_and_barriers():
    mod = frontend.load(FLOW)
    x = np.arange(16, dtype=np.float32)
    y = np.zeros(16, np.float32)
    threads = np.zeros(1, np.int32)
    with frontend.target("0xA03C", threads=2):
        frontend.launch(mod.staged_double, (1,), x, y, threads, N=16)
    np.testing.assert_array_equal(y, 2 * x + 1)
    assert threads[0] == 2
    ops = set(_ops(mod.staged_double))
    assert {"xsmt.alloc", "xsmt.alloc_copies", "xsmt.buffer_tensor_view",
            "xsmt.mbarrier_copies", "xsmt.mbarrier_subview", "xsmt_async.mbarrier_alloc",
            "xsmt_async.mbarrier_arrive", "xsmt_async.mbarrier_wait", "xsmt.annotation",
            "xsmt.get_num_of_thread"} <= ops
    loop = next(op for op in next(iter(mod.staged_double.cache.values())).walk()
                if op.name == "scf.for")
    assert loop.prop("bind_sub_block") is True


def test_global_barrier_between_programs():
    mod = frontend.load(FLOW)
    out = np.zeros(2, np.int32)
    frontend.launch(mod.all_programs_meet, (2,), out, arch="0xA03C", threads=2)
    np.testing.assert_array_equal(out, [1, 2])
    assert {"xsmt.global_mbarrier_init", "xsmt.barrier_set_expect"} <= set(
        _ops(mod.all_programs_meet))
