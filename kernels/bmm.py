# FlagGems `bmm` on SpacemiT (spine-FlagGems src/flag_gems/runtime/backend/_spacemit/ops/
# bmm.py, bmm_kernel), written for k1sim's front end: a 3-D grid whose z coordinate picks
# the batch; each operand's block pointer starts at the batch's base (A + pid_b *
# stride_ab). EVEN_K: one block-pointer load per operand and one smt.dot (the path of
# kernels/bmm.xsmt); otherwise a packed accumulator carried through SUB_BLK_K chunks.
# Host code in numpy; `k1sim run kernels/bmm.py --arch 0x5064` runs the shapes of
# bmm.xsmt and checks o against a @ b.
import numpy as np

import triton
import triton.language as tl
import triton.language.extra.smt as smt


@triton.jit
def bmm_kernel(
    A, B, O, M, N, K,
    stride_ab, stride_am, stride_ak, stride_bb, stride_bk, stride_bn,
    stride_cb, stride_cm, stride_cn,
    TILE_M: tl.constexpr, TILE_N: tl.constexpr, EVEN_K: tl.constexpr, TILE_K: tl.constexpr,
    MICRO_M: tl.constexpr, MICRO_K: tl.constexpr, MICRO_N: tl.constexpr,
    SUB_BLK_K: tl.constexpr,
):
    pid_m = tl.program_id(0)
    pid_n = tl.program_id(1)
    pid_b = tl.program_id(2)
    block_m = pid_m * TILE_M
    block_n = pid_n * TILE_N

    a_ptr = tl.make_block_ptr(A + pid_b * stride_ab, shape=(M, K),
                              strides=(stride_am, stride_ak), offsets=(block_m, 0),
                              block_shape=(TILE_M, TILE_K), order=(1, 0))
    b_ptr = tl.make_block_ptr(B + pid_b * stride_bb, shape=(K, N),
                              strides=(stride_bk, stride_bn), offsets=(0, block_n),
                              block_shape=(TILE_K, TILE_N), order=(1, 0))
    o_ptr = tl.make_block_ptr(O + pid_b * stride_cb, shape=(M, N),
                              strides=(stride_cm, stride_cn), offsets=(block_m, block_n),
                              block_shape=(TILE_M, TILE_N), order=(1, 0))

    if EVEN_K:
        a = smt.view(smt.descriptor_load(a_ptr, (0, 0)), (0, 0), (TILE_M, TILE_K),
                     (MICRO_M, MICRO_K))
        b = smt.view(smt.descriptor_load(b_ptr, (0, 0)), (0, 0), (TILE_K, TILE_N),
                     (MICRO_K, MICRO_N))
        acc = smt.dot(a, b)
    else:
        acc = tl.zeros((TILE_M, TILE_N), dtype=A.type.element_ty)
        acc = smt.view(acc, (0, 0), (TILE_M, TILE_N), (MICRO_M, MICRO_N))
        for k in tl.range(0, (K + SUB_BLK_K - 1) // SUB_BLK_K):
            a = smt.view(smt.descriptor_load(a_ptr, (0, 0)), (0, k * SUB_BLK_K),
                         (TILE_M, SUB_BLK_K), (MICRO_M, MICRO_K))
            b = smt.view(smt.descriptor_load(b_ptr, (0, 0)), (k * SUB_BLK_K, 0),
                         (SUB_BLK_K, TILE_N), (MICRO_K, MICRO_N))
            acc += smt.dot(a, b)
    acc = smt.view(acc, (0, 0), (TILE_M, TILE_N), (1, 1))
    tl.store(o_ptr, acc.to(O.dtype.element_ty), boundary_check=(0, 1))


def bmm(a, b, micro=(8, 32, 32), tile_m=128, tile_n=256, even_k=True):
    """o = a @ b for a [batch, M, K] and b [batch, K, N]; TILE_K = next_pow2(K) and
    SUB_BLK_K = min(1024, TILE_K), as FlagGems' host sets them."""
    batch, M, K = a.shape
    N = b.shape[2]
    o = np.empty((batch, M, N), dtype=a.dtype)
    tile_k = triton.next_power_of_2(K)
    el = a.itemsize
    grid = lambda meta: (triton.cdiv(M, meta["TILE_M"]), triton.cdiv(N, meta["TILE_N"]),
                         batch)
    bmm_kernel[grid](
        a, b, o, M, N, K,
        *(s // el for s in a.strides), *(s // el for s in b.strides),
        *(s // o.itemsize for s in o.strides),
        TILE_M=tile_m, TILE_N=tile_n, EVEN_K=int(even_k), TILE_K=tile_k,
        MICRO_M=micro[0], MICRO_K=micro[1], MICRO_N=micro[2], SUB_BLK_K=min(1024, tile_k))
    return o


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 160, 72)).astype(np.float32)
    b = rng.standard_normal((3, 72, 96)).astype(np.float32)
    o = bmm(a, b)
    np.testing.assert_allclose(o, a.astype(np.float64) @ b, rtol=1e-4, atol=1e-3)
    print("bmm 3x160x96x72 float32: ok")
