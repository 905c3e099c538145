# One fused attention block o = softmax(q @ k.T * sm_scale) @ v with P passed through the
# scratchpad: the fused attention of the public "attention on K1 with SMT" write-up, in
# the current smt API, answering its open question (can P, computed after the softmax, be
# stored into an smt.alloc buffer and reloaded packed for smt.dot?). Written for k1sim's
# front end; kernels/scratchpad_roundtrip.xsmt is its dump form. Each program takes
# BLOCK_M rows of q against all BLOCK_N keys: S = smt.dot(Q, K^T) * sm_scale on
# (MICRO_M, MICRO_N) tiles, the row max and sum as reductions over axis 3 then axis 1,
# P = exp(S - max) stored into the alloc through a (MICRO_M, MICRO_N) packed view and
# read back through a (MICRO_M, MICRO_K) view of the same memory (the A layout of the
# P @ V dot, replacing a repack in registers), then O = (P @ V) / sum.
# Host code in numpy; `k1sim run kernels/attention.py --arch 0xA064`.
import numpy as np

import triton
import triton.language as tl
import triton.language.extra.smt as smt


@triton.jit
def attn_block_scratchpad(
    q, k, v, o, sm_scale,
    SEQ_Q: tl.constexpr, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,
    HEAD_DIM: tl.constexpr, MICRO_M: tl.constexpr, MICRO_K: tl.constexpr,
    MICRO_N: tl.constexpr,
):
    off_m = tl.program_id(0) * BLOCK_M
    q_ptr = tl.make_block_ptr(q, shape=[SEQ_Q, HEAD_DIM], strides=[HEAD_DIM, 1],
                              offsets=[off_m, 0], block_shape=[BLOCK_M, HEAD_DIM],
                              order=[1, 0])
    k_ptr = tl.make_block_ptr(k, shape=[BLOCK_N, HEAD_DIM], strides=[HEAD_DIM, 1],
                              offsets=[0, 0], block_shape=[BLOCK_N, HEAD_DIM], order=[1, 0])
    v_ptr = tl.make_block_ptr(v, shape=[BLOCK_N, HEAD_DIM], strides=[HEAD_DIM, 1],
                              offsets=[0, 0], block_shape=[BLOCK_N, HEAD_DIM], order=[1, 0])
    p_buf = smt.alloc(shape=[BLOCK_M, BLOCK_N], type=tl.float16)

    qt = smt.view(smt.descriptor_load(q_ptr, (0, 0)), (0, 0), (BLOCK_M, HEAD_DIM),
                  (MICRO_M, MICRO_K))
    kt = smt.view(smt.descriptor_load(k_ptr, (0, 0)), (0, 0), (BLOCK_N, HEAD_DIM),
                  (MICRO_N, MICRO_K))
    kt = tl.permute(kt, (1, 0, 3, 2))
    scores = smt.dot(qt, kt) * sm_scale
    row_max = tl.max(tl.max(scores, axis=3), axis=1)
    row_max_4d = tl.reshape(row_max, (BLOCK_M // MICRO_M, 1, MICRO_M, 1))
    p = tl.exp(scores - row_max_4d)
    row_sum = tl.sum(tl.sum(p, axis=3), axis=1)

    # the round trip: store P in (MICRO_M, MICRO_N) tiles, reload it in (MICRO_M, MICRO_K)
    p16 = p.to(tl.float16)
    p_out = smt.view(p_buf, (0, 0), (BLOCK_M, BLOCK_N), (MICRO_M, MICRO_N))
    tl.store(p_out, p16, boundary_check=(0, 1, 2, 3))
    p_in = smt.view(p_buf, (0, 0), (BLOCK_M, BLOCK_N), (MICRO_M, MICRO_K))
    p_tiles = tl.load(p_in, boundary_check=(0, 1, 2, 3))

    vt = smt.view(smt.descriptor_load(v_ptr, (0, 0)), (0, 0), (BLOCK_N, HEAD_DIM),
                  (MICRO_K, MICRO_N))
    pv = smt.view(smt.dot(p_tiles, vt), (0, 0), (BLOCK_M, HEAD_DIM), (1, 1))
    out = pv.to(tl.float32) / tl.reshape(row_sum, (BLOCK_M,))[:, None]
    o_ptr = tl.make_block_ptr(o, shape=[SEQ_Q, HEAD_DIM], strides=[HEAD_DIM, 1],
                              offsets=[off_m, 0], block_shape=[BLOCK_M, HEAD_DIM],
                              order=[1, 0])
    tl.store(o_ptr, out, boundary_check=(0, 1))


def attention_block(q, k, v, sm_scale, micro=(16, 8, 32), block_m=32):
    """o = softmax(q @ k.T * sm_scale) @ v in f32 for q [SEQ_Q, D], k, v [BLOCK_N, D]
    in f16 (every key in one block)."""
    seq_q, d = q.shape
    o = np.empty((seq_q, d), dtype=np.float32)
    attn_block_scratchpad[(triton.cdiv(seq_q, block_m),)](
        q, k, v, o, sm_scale, SEQ_Q=seq_q, BLOCK_M=block_m, BLOCK_N=k.shape[0],
        HEAD_DIM=d, MICRO_M=micro[0], MICRO_K=micro[1], MICRO_N=micro[2])
    return o


def attention_block_ref(q, k, v, sm_scale):
    s = q.astype(np.float64) @ k.T.astype(np.float64) * sm_scale
    p = np.exp(s - s.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True) @ v.astype(np.float64)


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    q = rng.standard_normal((64, 64)).astype(np.float16)
    k = rng.standard_normal((32, 64)).astype(np.float16)
    v = rng.standard_normal((32, 64)).astype(np.float16)
    o = attention_block(q, k, v, 0.125)
    np.testing.assert_allclose(o, attention_block_ref(q, k, v, 0.125), rtol=1e-2, atol=5e-3)
    print("attention block 64x32x64 float16 -> float32: ok")
