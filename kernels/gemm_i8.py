# int8 x int8 -> int32 GEMM, written for k1sim's front end: FlagGems' SpacemiT `mm`
# EVEN_K path (spine-FlagGems src/flag_gems/runtime/backend/_spacemit/ops/mm.py) with
# int8 inputs and an int32 output; there is no public int8 Triton GEMM for SpacemiT, so
# this is an own kernel laid out like mm.py (kernels/gemm_i8.xsmt is its dump form).
# smt.dot of int8 tiles accumulates in int32 (the wide result type), which the store
# keeps. The micro tile must be a multiple of the arch's IME int8 tile for the dot to run
# on the IME (on 0xA03C, 4 x 8 x 4 (M x K x N): (MICRO_M, MICRO_K, MICRO_N) = (16, 32,
# 16)); otherwise it falls back to RVV with a warning. Inputs are integers in [-8, 8) and
# the check is exact. Host code in numpy; `k1sim run kernels/gemm_i8.py --arch 0xA03C`.
import numpy as np

import triton
import triton.language as tl
import triton.language.extra.smt as smt


@triton.jit
def gemm_i8_kernel(
    a_ptr, b_ptr, c_ptr, M, N, K,
    stride_am, stride_ak, stride_bk, stride_bn, stride_cm, stride_cn,
    BLOCK_SIZE_M: tl.constexpr, BLOCK_SIZE_N: tl.constexpr, BLOCK_SIZE_K: tl.constexpr,
    MICRO_M: tl.constexpr, MICRO_K: tl.constexpr, MICRO_N: tl.constexpr,
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
    a = smt.view(smt.descriptor_load(a_block_ptr, (0, 0)), (0, 0),
                 (BLOCK_SIZE_M, BLOCK_SIZE_K), (MICRO_M, MICRO_K))
    b = smt.view(smt.descriptor_load(b_block_ptr, (0, 0)), (0, 0),
                 (BLOCK_SIZE_K, BLOCK_SIZE_N), (MICRO_K, MICRO_N))
    acc = smt.view(smt.dot(a, b), (0, 0), (BLOCK_SIZE_M, BLOCK_SIZE_N), (1, 1))
    c_block_ptr = tl.make_block_ptr(
        base=c_ptr, shape=[M, N], strides=[stride_cm, stride_cn],
        offsets=[pid_m * BLOCK_SIZE_M, pid_n * BLOCK_SIZE_N],
        block_shape=[BLOCK_SIZE_M, BLOCK_SIZE_N], order=[1, 0])
    tl.store(c_block_ptr, acc.to(c_ptr.dtype.element_ty), boundary_check=(0, 1))


def gemm_i8(a, b, micro=(16, 32, 16), block_m=32, block_n=32):
    """c = a @ b in int32 for int8 a [M, K] and b [K, N]."""
    M, K = a.shape
    N = b.shape[1]
    c = np.empty((M, N), dtype=np.int32)
    grid = (triton.cdiv(M, block_m), triton.cdiv(N, block_n))
    gemm_i8_kernel[grid](
        a, b, c, M, N, K, a.strides[0], a.strides[1], b.strides[0], b.strides[1],
        c.strides[0] // 4, c.strides[1] // 4,
        BLOCK_SIZE_M=block_m, BLOCK_SIZE_N=block_n, BLOCK_SIZE_K=triton.next_power_of_2(K),
        MICRO_M=micro[0], MICRO_K=micro[1], MICRO_N=micro[2])
    return c


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    a = rng.integers(-8, 8, (96, 160)).astype(np.int8)
    b = rng.integers(-8, 8, (160, 128)).astype(np.int8)
    c = gemm_i8(a, b)
    np.testing.assert_array_equal(c, a.astype(np.int32) @ b.astype(np.int32))
    print("gemm int8 96x128x160 -> int32: ok")
