# FlagGems `mm` on SpacemiT, all four paths of its mm_kernel (spine-FlagGems
# src/flag_gems/runtime/backend/_spacemit/ops/mm.py), written for k1sim's front end:
#   EVEN_K  the whole K in one block per operand, one smt.dot (kernels/mm_even_k.xsmt);
#   SPLIT_M B packed once, an smt.parallel loop over SUB_BLK_M row windows of A
#           (kernels/mm_split_m.xsmt);
#   SPLIT_N B staged in an smt.alloc buffer by the first row of sub-blocks, the other rows
#           wait on one mbarrier whose expect count is the number of column sub-blocks
#           (kernels/mm_split_n.xsmt);
#   SPLIT_K a packed accumulator carried through a tl.range loop over SUB_BLK_K chunks
#           (kernels/mm_split_k.xsmt).
# One deviation from upstream, as in mm_split_n.xsmt: the B stage is allocated with
# type=c_ptr's element type instead of smt.alloc's default f32, so smt.dot reads the f16
# tiles it was given.
# The host code is numpy: `python -m k1sim run kernels/mm.py --arch 0xA03C` (or
# `k1sim run kernels/mm.py`) runs every path on the shapes of the .xsmt files and checks
# c against a @ b.
import numpy as np

import triton
import triton.language as tl
import triton.language.extra.smt as smt


@triton.jit
def _store_c(c_ptr, acc, M, N, stride_cm, stride_cn, off_m, off_n, BM: tl.constexpr,
             BN: tl.constexpr):
    """Store a [BM, BN] block of C at (off_m, off_n), clipped to [M, N], in C's type."""
    c_block_ptr = tl.make_block_ptr(base=c_ptr, shape=[M, N], strides=[stride_cm, stride_cn],
                                    offsets=[off_m, off_n], block_shape=[BM, BN], order=[1, 0])
    tl.store(c_block_ptr, acc.to(c_ptr.dtype.element_ty), boundary_check=(0, 1))


@triton.jit
def mm_kernel(
    a_ptr, b_ptr, c_ptr, M, N, K,
    stride_am, stride_ak, stride_bk, stride_bn, stride_cm, stride_cn,
    BLOCK_SIZE_M: tl.constexpr, BLOCK_SIZE_N: tl.constexpr, BLOCK_SIZE_K: tl.constexpr,
    EVEN_K: tl.constexpr, SPLIT_M: tl.constexpr, SPLIT_N: tl.constexpr,
    SPLIT_K: tl.constexpr, SUB_BLK_M: tl.constexpr, SUB_BLK_N: tl.constexpr,
    MICRO_M: tl.constexpr, MICRO_K: tl.constexpr, MICRO_N: tl.constexpr,
    SUB_BLK_K: tl.constexpr,
):
    pid_m = tl.program_id(0)
    pid_n = tl.program_id(1)
    a_block_ptr = tl.make_block_ptr(
        base=a_ptr, shape=[M, K], strides=[stride_am, stride_ak],
        offsets=[pid_m * BLOCK_SIZE_M, 0], block_shape=[BLOCK_SIZE_M, BLOCK_SIZE_K],
        order=[1, 0])
    b_block_ptr = tl.make_block_ptr(
        base=b_ptr, shape=[K, N], strides=[stride_bk, stride_bn],
        offsets=[0, pid_n * BLOCK_SIZE_N], block_shape=[BLOCK_SIZE_K, BLOCK_SIZE_N],
        order=[1, 0])

    if EVEN_K:
        a_tile = smt.descriptor_load(a_block_ptr, (0, 0))
        a = smt.view(a_tile, (0, 0), (BLOCK_SIZE_M, BLOCK_SIZE_K), (MICRO_M, MICRO_K))
        b_tile = smt.descriptor_load(b_block_ptr, (0, 0))
        b = smt.view(b_tile, (0, 0), (BLOCK_SIZE_K, BLOCK_SIZE_N), (MICRO_K, MICRO_N))
        acc = smt.dot(a, b)
        acc = smt.view(acc, (0, 0), (BLOCK_SIZE_M, BLOCK_SIZE_N), (1, 1))
        _store_c(c_ptr, acc, M, N, stride_cm, stride_cn, pid_m * BLOCK_SIZE_M,
                 pid_n * BLOCK_SIZE_N, BLOCK_SIZE_M, BLOCK_SIZE_N)

    elif SPLIT_M:
        b_tile = smt.descriptor_load(b_block_ptr, (0, 0))
        b = smt.view(b_tile, (0, 0), (BLOCK_SIZE_K, BLOCK_SIZE_N), (MICRO_K, MICRO_N))
        # a ragged last row block runs fewer sub-blocks
        sub_num = (min(BLOCK_SIZE_M, M - BLOCK_SIZE_M * pid_m) + SUB_BLK_M - 1) // SUB_BLK_M
        for s in smt.parallel(0, sub_num):
            a_tile = smt.descriptor_load(a_block_ptr, (0, 0))
            a = smt.view(a_tile, (s * SUB_BLK_M, 0), (SUB_BLK_M, BLOCK_SIZE_K),
                         (MICRO_M, MICRO_K))
            acc = smt.dot(a, b)
            acc = smt.view(acc, (0, 0), (SUB_BLK_M, BLOCK_SIZE_N), (1, 1))
            _store_c(c_ptr, acc, M, N, stride_cm, stride_cn,
                     pid_m * BLOCK_SIZE_M + s * SUB_BLK_M, pid_n * BLOCK_SIZE_N, SUB_BLK_M,
                     BLOCK_SIZE_N)

    elif SPLIT_N:
        sub_num_m = (min(BLOCK_SIZE_M, M - BLOCK_SIZE_M * pid_m) + SUB_BLK_M - 1) // SUB_BLK_M
        sub_num_n = (min(BLOCK_SIZE_N, N - BLOCK_SIZE_N * pid_n) + SUB_BLK_N - 1) // SUB_BLK_N
        total_sub_blocks = sub_num_m * sub_num_n
        b_stage = smt.alloc(shape=[BLOCK_SIZE_K, BLOCK_SIZE_N], type=c_ptr.dtype.element_ty)
        b_stage_view = smt.view(b_stage, (0, 0), (BLOCK_SIZE_K, BLOCK_SIZE_N),
                                (MICRO_K, MICRO_N))
        # one arrival per column sub-block releases every waiting row
        bar = smt.mbarrier(flag=0, expect_count=sub_num_n)
        for s in smt.parallel(0, total_sub_blocks):
            s_m = s // sub_num_n
            s_n = s % sub_num_n
            a_tile = smt.descriptor_load(a_block_ptr, (0, 0))
            a = smt.view(a_tile, (s_m * SUB_BLK_M, 0), (SUB_BLK_M, BLOCK_SIZE_K),
                         (MICRO_M, MICRO_K))
            b_sub = smt.view(b_stage_view, (0, s_n * SUB_BLK_N), (BLOCK_SIZE_K, SUB_BLK_N))
            if s_m == 0:
                b_tile = smt.descriptor_load(b_block_ptr, (0, 0))
                b = smt.view(b_tile, (0, s_n * SUB_BLK_N), (BLOCK_SIZE_K, SUB_BLK_N),
                             (MICRO_K, MICRO_N))
                tl.store(b_sub, b, boundary_check=(0, 1, 2, 3))
                smt.barrier_arrive(bar)
            else:
                smt.barrier_wait(bar, flag=1)
            b_staged = tl.load(b_sub, boundary_check=(0, 1, 2, 3))
            acc = smt.dot(a, b_staged)
            acc = smt.view(acc, (0, 0), (SUB_BLK_M, SUB_BLK_N), (1, 1))
            _store_c(c_ptr, acc, M, N, stride_cm, stride_cn,
                     pid_m * BLOCK_SIZE_M + s_m * SUB_BLK_M,
                     pid_n * BLOCK_SIZE_N + s_n * SUB_BLK_N, SUB_BLK_M, SUB_BLK_N)

    elif SPLIT_K:
        # upstream keeps the accumulator in a's element type: each chunk rounds to it
        acc = tl.zeros((BLOCK_SIZE_M, BLOCK_SIZE_N), dtype=a_ptr.type.element_ty)
        acc = smt.view(acc, (0, 0), (BLOCK_SIZE_M, BLOCK_SIZE_N), (MICRO_M, MICRO_N))
        sub_num = (K + SUB_BLK_K - 1) // SUB_BLK_K
        for k in tl.range(0, sub_num):
            a_tile = smt.descriptor_load(a_block_ptr, (0, 0))
            a = smt.view(a_tile, (0, k * SUB_BLK_K), (BLOCK_SIZE_M, SUB_BLK_K),
                         (MICRO_M, MICRO_K))
            b_tile = smt.descriptor_load(b_block_ptr, (0, 0))
            b = smt.view(b_tile, (k * SUB_BLK_K, 0), (SUB_BLK_K, BLOCK_SIZE_N),
                         (MICRO_K, MICRO_N))
            acc += smt.dot(a, b)
        acc = smt.view(acc, (0, 0), (BLOCK_SIZE_M, BLOCK_SIZE_N), (1, 1))
        _store_c(c_ptr, acc, M, N, stride_cm, stride_cn, pid_m * BLOCK_SIZE_M,
                 pid_n * BLOCK_SIZE_N, BLOCK_SIZE_M, BLOCK_SIZE_N)


PATHS = ("EVEN_K", "SPLIT_M", "SPLIT_N", "SPLIT_K")


def mm(a, b, path="EVEN_K", micro=(16, 8, 32), block_m=32, block_n=32, sub_blk_m=16,
       sub_blk_n=16):
    """c = a @ b through one path of mm_kernel. ``micro`` is (MICRO_M, MICRO_K, MICRO_N);
    BLOCK_SIZE_K = next_pow2(K) and SUB_BLK_K = min(512, BLOCK_SIZE_K), as FlagGems'
    host sets them."""
    M, K = a.shape
    _, N = b.shape
    c = np.empty((M, N), dtype=a.dtype)
    block_k = triton.next_power_of_2(K)
    flags = {name: int(name == path) for name in PATHS}
    grid = lambda meta: (triton.cdiv(M, meta["BLOCK_SIZE_M"]),
                         triton.cdiv(N, meta["BLOCK_SIZE_N"]))
    mm_kernel[grid](
        a, b, c, M, N, K,
        a.strides[0] // a.itemsize, a.strides[1] // a.itemsize,
        b.strides[0] // b.itemsize, b.strides[1] // b.itemsize,
        c.strides[0] // c.itemsize, c.strides[1] // c.itemsize,
        BLOCK_SIZE_M=block_m, BLOCK_SIZE_N=block_n, BLOCK_SIZE_K=block_k,
        SUB_BLK_M=sub_blk_m, SUB_BLK_N=sub_blk_n, MICRO_M=micro[0], MICRO_K=micro[1],
        MICRO_N=micro[2], SUB_BLK_K=min(512, block_k), **flags)
    return c


# The shapes, dtypes, micro tiles and tolerances (rtol, atol) of the .xsmt versions.
# SPLIT_K's wider atol: its f16 accumulator rounds each 512-long chunk's partial sum.
CASES = (
    ("EVEN_K", 64, 64, 64, np.float16, (8, 16, 16), (2e-2, 2e-2)),
    ("SPLIT_M", 88, 64, 128, np.float32, (8, 32, 32), (1e-4, 1e-3)),
    ("SPLIT_N", 72, 80, 40, np.float16, (8, 16, 16), (2e-2, 2e-2)),
    ("SPLIT_K", 64, 96, 1100, np.float16, (16, 8, 32), (1e-2, 1.25e-1)),
)


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    for path, M, N, K, dtype, micro, (rtol, atol) in CASES:
        a = rng.standard_normal((M, K)).astype(dtype)
        b = rng.standard_normal((K, N)).astype(dtype)
        c = mm(a, b, path, micro)
        ref = a.astype(np.float64) @ b.astype(np.float64)
        np.testing.assert_allclose(c, ref, rtol=rtol, atol=atol)
        print(f"mm {path} {M}x{N}x{K} {np.dtype(dtype).name}: ok")
