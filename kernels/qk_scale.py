# Scaled attention scores s = q @ k.T * sm_scale, f16 in / f32 out: the smt_qk_kernel of
# the public "attention on K1 with SMT" write-up (the Q @ K^T half of its two-kernel
# attention), in the current smt API with FlagGems' SPLIT_M sub-block count, written for
# k1sim's front end. K^T is read once per program through a block pointer with swapped
# strides (a [D, N] view of k, strides [1, D]) and packed (MICRO_K, MICRO_N); an
# smt.parallel loop runs one SUB_BLK_M-row Q sub-block per thread: pack Q, smt.dot,
# `out = acc * sm_scale`, unpack and a boundary-checked store.
# This is the kernel of the forum report of a dropped scale factor (seeds/003):
# kernels/qk_scale.xsmt is a correct compilation of it and qk_scale_miscompiled.xsmt the
# miscompiled one; `k1sim diff kernels/qk_scale.py kernels/qk_scale_miscompiled.xsmt`
# (docs/python_kernels.md) runs this source against the dump and reports every
# differing element. Host code in numpy; `k1sim run kernels/qk_scale.py --arch 0xA03C`.
import numpy as np

import triton
import triton.language as tl
import triton.language.extra.smt as smt


@triton.jit
def smt_qk_kernel(
    q, k, s, M, N, D, sm_scale,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_D: tl.constexpr,
    SUB_BLK_M: tl.constexpr, MICRO_M: tl.constexpr, MICRO_K: tl.constexpr,
    MICRO_N: tl.constexpr,
):
    pid_m = tl.program_id(0)
    pid_n = tl.program_id(1)
    off_m = pid_m * BLOCK_M
    off_n = pid_n * BLOCK_N
    q_block_ptr = tl.make_block_ptr(base=q, shape=[M, D], strides=[D, 1],
                                    offsets=[off_m, 0], block_shape=[BLOCK_M, BLOCK_D],
                                    order=[1, 0])
    # K^T without a transpose: the [D, N] view of k [N, D] has strides [1, D]
    kt_block_ptr = tl.make_block_ptr(base=k, shape=[D, N], strides=[1, D],
                                     offsets=[0, off_n], block_shape=[BLOCK_D, BLOCK_N],
                                     order=[0, 1])
    kt = smt.view(smt.descriptor_load(kt_block_ptr, (0, 0)), (0, 0), (BLOCK_D, BLOCK_N),
                  (MICRO_K, MICRO_N))
    sub_num = (min(M - off_m, BLOCK_M) + SUB_BLK_M - 1) // SUB_BLK_M
    for sub in smt.parallel(0, sub_num):
        a = smt.view(smt.descriptor_load(q_block_ptr, (0, 0)), (sub * SUB_BLK_M, 0),
                     (SUB_BLK_M, BLOCK_D), (MICRO_M, MICRO_K))
        acc = smt.dot(a, kt)
        out = acc * sm_scale
        out = smt.view(out, (0, 0), (SUB_BLK_M, BLOCK_N), (1, 1))
        out = out.to(s.dtype.element_ty)
        s_block_ptr = tl.make_block_ptr(base=s, shape=[M, N], strides=[N, 1],
                                        offsets=[off_m + sub * SUB_BLK_M, off_n],
                                        block_shape=[SUB_BLK_M, BLOCK_N], order=[1, 0])
        tl.store(s_block_ptr, out, boundary_check=(0, 1))


# The specialization of kernels/qk_scale.xsmt (0xA03C's f16 micro tile).
CONSTEXPRS = dict(BLOCK_M=64, BLOCK_N=32, BLOCK_D=64, SUB_BLK_M=16, MICRO_M=8, MICRO_K=16,
                  MICRO_N=16)


def qk_scores(q, k, sm_scale, **constexprs):
    """s = q @ k.T * sm_scale (f32) for q [M, D], k [N, D] in f16."""
    meta = {**CONSTEXPRS, **constexprs}
    (M, D), N = q.shape, k.shape[0]
    s = np.empty((M, N), dtype=np.float32)
    grid = (triton.cdiv(M, meta["BLOCK_M"]), triton.cdiv(N, meta["BLOCK_N"]))
    smt_qk_kernel[grid](q, k, s, M, N, D, sm_scale, **meta)
    return s


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    q = rng.standard_normal((64, 64)).astype(np.float16)
    k = rng.standard_normal((80, 64)).astype(np.float16)
    s = qk_scores(q, k, 0.125)
    ref = q.astype(np.float64) @ k.T.astype(np.float64) * 0.125
    np.testing.assert_allclose(s, ref, rtol=1e-2, atol=1e-2)
    print("qk scores 64x80x64 float16 -> float32: ok")
