"""Two launch details the kernel library needs: a kernel parameter named like a Triton
launch option (FlagGems' flash attention has a ``num_ctas`` constexpr) is bound, not
dropped; and smt.dot of int8 tiles accumulates and returns int32."""

import numpy as np

from k1sim import frontend

from tests.frontend.helpers import write_kernel


def test_a_parameter_named_like_a_launch_option_is_bound(tmp_path):
    path = write_kernel(tmp_path, """
        @triton.jit
        def fill(out, num_ctas: tl.constexpr, num_warps: tl.constexpr):
            offs = tl.arange(0, 8)
            tl.store(out + offs, tl.full((8,), num_ctas * 10 + num_warps, tl.int32))
    """)
    out = np.zeros(8, np.int32)
    frontend.launch(frontend.load(str(path)).fill, (1,), out, num_ctas=3, num_warps=4,
                    arch="0xA064")
    assert (out == 34).all()


def test_an_int8_dot_returns_int32_sums(tmp_path):
    path = write_kernel(tmp_path, """
        @triton.jit
        def gemm(a_ptr, b_ptr, c_ptr, M: tl.constexpr, N: tl.constexpr, K: tl.constexpr):
            a_blk = tl.make_block_ptr(a_ptr, (M, K), (K, 1), (0, 0), (M, K), (1, 0))
            b_blk = tl.make_block_ptr(b_ptr, (K, N), (N, 1), (0, 0), (K, N), (1, 0))
            a = smt.view(smt.descriptor_load(a_blk, (0, 0)), (0, 0), (M, K), (4, 8))
            b = smt.view(smt.descriptor_load(b_blk, (0, 0)), (0, 0), (K, N), (8, 4))
            acc = smt.view(smt.dot(a, b), (0, 0), (M, N), (1, 1))
            c_blk = tl.make_block_ptr(c_ptr, (M, N), (N, 1), (0, 0), (M, N), (1, 0))
            tl.store(c_blk, acc)
    """)
    rng = np.random.default_rng(0)
    a = rng.integers(-100, 100, (8, 32)).astype(np.int8)
    b = rng.integers(-100, 100, (32, 8)).astype(np.int8)
    c = np.zeros((8, 8), np.int32)
    frontend.launch(frontend.load(str(path)).gemm, (1,), a, b, c, M=8, N=8, K=32,
                    arch="0xA03C")
    expected = a.astype(np.int32) @ b.astype(np.int32)
    assert np.abs(expected).max() > 127, "the sums need more than 8 bits"
    np.testing.assert_array_equal(c, expected)
