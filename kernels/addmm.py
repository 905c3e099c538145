# FlagGems `addmm` on SpacemiT (spine-FlagGems src/flag_gems/runtime/backend/_spacemit/
# ops/addmm.py, addmm_kernel), written for k1sim's front end: c = alpha * (a @ b) +
# beta * bias, with alpha and beta f32 scalar arguments. The matmul is mm's EVEN_K path
# (or SPLIT_K chunks when EVEN_K is 0); the epilogue loads the bias block with a plain
# boundary-checked tl.load after the unpack and computes in f32 (Triton promotes an f16
# tensor times an f32 scalar), truncating to c's type for the store (kernels/addmm.xsmt).
# Host code in numpy; `k1sim run kernels/addmm.py --arch 0x503C` runs the shapes of
# addmm.xsmt.
import numpy as np

import triton
import triton.language as tl
import triton.language.extra.smt as smt


@triton.jit
def addmm_kernel(
    a_ptr, b_ptr, bias_ptr, c_ptr, alpha, beta, M, N, K,
    stride_am, stride_ak, stride_bk, stride_bn, stride_im, stride_in, stride_cm, stride_cn,
    BLOCK_SIZE_M: tl.constexpr, BLOCK_SIZE_N: tl.constexpr, EVEN_K: tl.constexpr,
    BLOCK_SIZE_K: tl.constexpr, MICRO_M: tl.constexpr, MICRO_K: tl.constexpr,
    MICRO_N: tl.constexpr, SUB_BLK_K: tl.constexpr,
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
        a = smt.view(smt.descriptor_load(a_block_ptr, (0, 0)), (0, 0),
                     (BLOCK_SIZE_M, BLOCK_SIZE_K), (MICRO_M, MICRO_K))
        b = smt.view(smt.descriptor_load(b_block_ptr, (0, 0)), (0, 0),
                     (BLOCK_SIZE_K, BLOCK_SIZE_N), (MICRO_K, MICRO_N))
        acc = smt.dot(a, b)
    else:
        acc = tl.zeros((BLOCK_SIZE_M, BLOCK_SIZE_N), dtype=a_ptr.type.element_ty)
        acc = smt.view(acc, (0, 0), (BLOCK_SIZE_M, BLOCK_SIZE_N), (MICRO_M, MICRO_N))
        for k in tl.range(0, (K + SUB_BLK_K - 1) // SUB_BLK_K):
            a = smt.view(smt.descriptor_load(a_block_ptr, (0, 0)), (0, k * SUB_BLK_K),
                         (BLOCK_SIZE_M, SUB_BLK_K), (MICRO_M, MICRO_K))
            b = smt.view(smt.descriptor_load(b_block_ptr, (0, 0)), (k * SUB_BLK_K, 0),
                         (SUB_BLK_K, BLOCK_SIZE_N), (MICRO_K, MICRO_N))
            acc += smt.dot(a, b)
    acc = smt.view(acc, (0, 0), (BLOCK_SIZE_M, BLOCK_SIZE_N), (1, 1))

    bias_block_ptr = tl.make_block_ptr(
        base=bias_ptr, shape=[M, N], strides=[stride_im, stride_in],
        offsets=[pid_m * BLOCK_SIZE_M, pid_n * BLOCK_SIZE_N],
        block_shape=[BLOCK_SIZE_M, BLOCK_SIZE_N], order=[1, 0])
    bias = tl.load(bias_block_ptr, boundary_check=(0, 1))
    acc = acc * alpha + bias * beta
    c_block_ptr = tl.make_block_ptr(
        base=c_ptr, shape=[M, N], strides=[stride_cm, stride_cn],
        offsets=[pid_m * BLOCK_SIZE_M, pid_n * BLOCK_SIZE_N],
        block_shape=[BLOCK_SIZE_M, BLOCK_SIZE_N], order=[1, 0])
    tl.store(c_block_ptr, acc.to(c_ptr.dtype.element_ty), boundary_check=(0, 1))


def addmm(bias, a, b, alpha=1.0, beta=1.0, micro=(16, 8, 32), block_m=128, block_n=256):
    """alpha * (a @ b) + beta * bias; bias is broadcast to [M, N] and made contiguous
    first, as FlagGems' host does."""
    M, K = a.shape
    N = b.shape[1]
    c = np.empty((M, N), dtype=a.dtype)
    bias = np.ascontiguousarray(np.broadcast_to(bias, (M, N)))
    block_k = triton.next_power_of_2(K)
    st = lambda x: [s // x.itemsize for s in x.strides]
    grid = lambda meta: (triton.cdiv(M, meta["BLOCK_SIZE_M"]),
                         triton.cdiv(N, meta["BLOCK_SIZE_N"]))
    addmm_kernel[grid](
        a, b, bias, c, alpha, beta, M, N, K, *st(a), *st(b), *st(bias), *st(c),
        BLOCK_SIZE_M=block_m, BLOCK_SIZE_N=block_n, EVEN_K=1, BLOCK_SIZE_K=block_k,
        MICRO_M=micro[0], MICRO_K=micro[1], MICRO_N=micro[2], SUB_BLK_K=min(1024, block_k))
    return c


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    a = rng.standard_normal((160, 64)).astype(np.float16)
    b = rng.standard_normal((64, 96)).astype(np.float16)
    bias = rng.standard_normal((160, 96)).astype(np.float16)
    c = addmm(bias, a, b, alpha=0.75, beta=-1.25)
    ref = 0.75 * (a.astype(np.float64) @ b) - 1.25 * bias.astype(np.float64)
    np.testing.assert_allclose(c, ref, rtol=2e-2, atol=2e-2)
    print("addmm 160x96x64 float16: ok")
