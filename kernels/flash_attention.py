# Flash attention forward, FlagGems' SpacemiT kernel (spine-FlagGems src/flag_gems/
# runtime/backend/_spacemit/ops/flash_attention.py, _attn_fwd and _attn_fwd_inner,
# FlagGems v2.2), written for k1sim's front end. A persistent grid of num_ctas programs
# walks the Z * H_Q * cdiv(Q_CTX, BLOCK_M) tasks; per task Q is packed once, and per KV
# block K is packed (MICRO_N, MICRO_K) and permuted, S = smt.dot(Q, K^T) * sm_scale with
# the column mask (and the causal mask in the diagonal stage), the online softmax runs on
# the 4-D [BM/MICRO_M, BN/MICRO_N, MICRO_M, MICRO_N] layout (reductions over axis 3, then
# axis 1), P is repacked to (MICRO_M, MICRO_K) tiles for acc += smt.dot(P, V). STAGE 1 is
# non-causal; STAGE 3 (causal, Q_CTX == KV_CTX) runs the off-diagonal blocks then the
# diagonal one (kernels/flash_attn_fwd.xsmt and flash_attn_fwd_causal.xsmt).
# Two changes from upstream: _attn_fwd_inner's runtime parameters (start_m, qk_scale,
# offs_m, offs_n, Q_CTX, KV_CTX) carry no tl.constexpr annotation, since they receive
# runtime values, and its callers pass the 21 arguments it takes (upstream passes a 22nd).
# Host code in numpy; `k1sim run kernels/flash_attention.py --arch 0xA064`.
import numpy as np

import triton
import triton.language as tl
import triton.language.extra.smt as smt


@triton.jit
def _attn_fwd_inner(
    acc, l_i_2d, m_i_2d, Q_block_ptr, K_block_ptr, V_block_ptr, start_m, qk_scale,
    BLOCK_M: tl.constexpr, BLOCK_SIZE_K: tl.constexpr, BLOCK_N: tl.constexpr,
    STAGE: tl.constexpr, offs_m, offs_n, Q_CTX, KV_CTX,
    MICRO_M: tl.constexpr, MICRO_K: tl.constexpr, MICRO_N: tl.constexpr,
    num_m_tiles: tl.constexpr, num_n_tiles: tl.constexpr,
):
    # STAGE 1: blocks left of the diagonal; 2: the diagonal block; 3: every block
    if STAGE == 1:
        tl.static_assert(BLOCK_M >= BLOCK_N)
        lo, hi = 0, start_m * BLOCK_M
    elif STAGE == 2:
        tl.static_assert(BLOCK_M >= BLOCK_N)
        lo, hi = start_m * BLOCK_M, (start_m + 1) * BLOCK_M
        lo = tl.multiple_of(lo, BLOCK_M)
    else:
        lo, hi = 0, KV_CTX
    K_block_ptr = tl.advance(K_block_ptr, (lo, 0))
    V_block_ptr = tl.advance(V_block_ptr, (lo, 0))

    q = smt.view(smt.descriptor_load(Q_block_ptr, (0, 0)), (0, 0), (BLOCK_M, BLOCK_SIZE_K),
                 (MICRO_M, MICRO_K))
    offs_m_4d = tl.reshape(offs_m, (num_m_tiles, 1, MICRO_M, 1))
    offs_n_4d = tl.reshape(offs_n, (1, num_n_tiles, 1, MICRO_N))
    causal_offset = KV_CTX - Q_CTX

    for start_n in tl.range(lo, hi, BLOCK_N):
        start_n = tl.multiple_of(start_n, BLOCK_N)
        k = smt.view(smt.descriptor_load(K_block_ptr, (0, 0)), (0, 0),
                     (BLOCK_N, BLOCK_SIZE_K), (MICRO_N, MICRO_K))
        qk = smt.dot(q, tl.permute(k, (1, 0, 3, 2))) * qk_scale

        mask_n_4d = tl.reshape((start_n + offs_n) < KV_CTX, (1, num_n_tiles, 1, MICRO_N))
        qk = tl.where(mask_n_4d, qk, -1.0e6)
        if (STAGE == 2) or (STAGE == 4):
            mask = ((offs_m_4d + causal_offset) >= (start_n + offs_n_4d)) & mask_n_4d
            qk = tl.where(mask, qk, -1.0e6)

        m_ij_2d = tl.maximum(m_i_2d, tl.max(tl.max(qk, axis=3), axis=1))
        qk = qk - tl.reshape(m_ij_2d, (num_m_tiles, 1, MICRO_M, 1))
        p = tl.math.exp(qk)
        l_ij_2d = tl.sum(tl.sum(p, axis=3), axis=1)
        alpha_2d = tl.math.exp(m_i_2d - m_ij_2d)
        l_i_2d = l_i_2d * alpha_2d + l_ij_2d
        acc = acc * tl.reshape(alpha_2d, (num_m_tiles, 1, MICRO_M, 1))

        v = smt.view(smt.descriptor_load(V_block_ptr, (0, 0)), (0, 0),
                     (BLOCK_N, BLOCK_SIZE_K), (MICRO_K, MICRO_N))
        p_cast = smt.view(p.to(v.dtype), (0, 0), (BLOCK_M, BLOCK_N), (MICRO_M, MICRO_K))
        acc += smt.dot(p_cast, v)

        m_i_2d = m_ij_2d
        V_block_ptr = tl.advance(V_block_ptr, (BLOCK_N, 0))
        K_block_ptr = tl.advance(K_block_ptr, (BLOCK_N, 0))
    return acc, l_i_2d, m_i_2d


@triton.jit
def _attn_fwd(
    Q, K, V, M, Out, acc_buffer, sm_scale,
    stride_qz: tl.constexpr, stride_qh: tl.constexpr, stride_qm: tl.constexpr,
    stride_qk: tl.constexpr, stride_kz: tl.constexpr, stride_kh: tl.constexpr,
    stride_kn: tl.constexpr, stride_kk: tl.constexpr, stride_vz: tl.constexpr,
    stride_vh: tl.constexpr, stride_vn: tl.constexpr, stride_vk: tl.constexpr,
    stride_oz: tl.constexpr, stride_oh: tl.constexpr, stride_om: tl.constexpr,
    stride_on: tl.constexpr,
    Z, H_Q, H_KV, GROUP_SIZE, Q_CTX, KV_CTX, HEAD_DIM,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, STAGE: tl.constexpr,
    BLOCK_SIZE_K: tl.constexpr, MICRO_M: tl.constexpr, MICRO_K: tl.constexpr,
    MICRO_N: tl.constexpr, num_ctas: tl.constexpr,
):
    NUM_BLOCKS_M = tl.cdiv(Q_CTX, BLOCK_M)
    NUM_BLOCKS = NUM_BLOCKS_M * Z * H_Q
    pid = tl.program_id(0)
    sub_num = tl.cdiv(max(NUM_BLOCKS - pid, 0), num_ctas)

    for block_idx in tl.range(0, sub_num):
        task_hz_idx = (pid + num_ctas * block_idx) // NUM_BLOCKS_M
        task_m_idx = (pid + num_ctas * block_idx) % NUM_BLOCKS_M
        off_z = task_hz_idx // H_Q
        off_hq = task_hz_idx % H_Q
        off_hkv = off_hq // GROUP_SIZE
        q_offset = off_z.to(tl.int64) * stride_qz + off_hq.to(tl.int64) * stride_qh
        kv_offset = off_z.to(tl.int64) * stride_kz + off_hkv.to(tl.int64) * stride_kh
        o_offset = off_z.to(tl.int64) * stride_oz + off_hq.to(tl.int64) * stride_oh

        Q_block_ptr = tl.make_block_ptr(
            base=Q + q_offset, shape=(Q_CTX, HEAD_DIM), strides=(stride_qm, stride_qk),
            offsets=(task_m_idx * BLOCK_M, 0), block_shape=(BLOCK_M, BLOCK_SIZE_K),
            order=(1, 0))
        K_block_ptr = tl.make_block_ptr(
            base=K + kv_offset, shape=(KV_CTX, HEAD_DIM), strides=(stride_kn, stride_kk),
            offsets=(0, 0), block_shape=(BLOCK_N, BLOCK_SIZE_K), order=(1, 0))
        V_block_ptr = tl.make_block_ptr(
            base=V + kv_offset, shape=(KV_CTX, HEAD_DIM), strides=(stride_vn, stride_vk),
            offsets=(0, 0), block_shape=(BLOCK_N, BLOCK_SIZE_K), order=(1, 0))
        O_block_ptr = tl.make_block_ptr(
            base=Out + o_offset, shape=(Q_CTX, HEAD_DIM), strides=(stride_om, stride_on),
            offsets=(task_m_idx * BLOCK_M, 0), block_shape=(BLOCK_M, BLOCK_SIZE_K),
            order=(1, 0))
        offs_m = task_m_idx * BLOCK_M + tl.arange(0, BLOCK_M)
        offs_n = tl.arange(0, BLOCK_N)

        num_m_tiles: tl.constexpr = BLOCK_M // MICRO_M
        num_k_tiles: tl.constexpr = BLOCK_SIZE_K // MICRO_N
        m_i_2d = tl.zeros([num_m_tiles, MICRO_M], dtype=tl.float32) - float("inf")
        l_i_2d = tl.zeros([num_m_tiles, MICRO_M], dtype=tl.float32) + 1.0
        acc_4d = tl.zeros([num_m_tiles, num_k_tiles, MICRO_M, MICRO_N], dtype=tl.float32)

        if STAGE & 1:
            acc_4d, l_i_2d, m_i_2d = _attn_fwd_inner(
                acc_4d, l_i_2d, m_i_2d, Q_block_ptr, K_block_ptr, V_block_ptr, task_m_idx,
                sm_scale, BLOCK_M, BLOCK_SIZE_K, BLOCK_N, 4 - STAGE, offs_m, offs_n,
                Q_CTX, KV_CTX, MICRO_M, MICRO_K, MICRO_N, BLOCK_M // MICRO_M,
                BLOCK_N // MICRO_N)
        if STAGE & 2:
            acc_4d, l_i_2d, m_i_2d = _attn_fwd_inner(
                acc_4d, l_i_2d, m_i_2d, Q_block_ptr, K_block_ptr, V_block_ptr, task_m_idx,
                sm_scale, BLOCK_M, BLOCK_SIZE_K, BLOCK_N, 2, offs_m, offs_n,
                Q_CTX, KV_CTX, MICRO_M, MICRO_K, MICRO_N, BLOCK_M // MICRO_M,
                BLOCK_N // MICRO_N)

        acc_2d = smt.view(acc_4d, (0, 0), (BLOCK_M, BLOCK_SIZE_K), (1, 1))
        m_i = tl.reshape(m_i_2d, (BLOCK_M,))
        l_i = tl.reshape(l_i_2d, (BLOCK_M,))
        m_i = m_i + tl.math.log(l_i)
        accumulator = acc_2d / l_i[:, None]
        m_ptrs = M + task_hz_idx * Q_CTX + offs_m
        tl.store(m_ptrs, m_i.to(M.type.element_ty), mask=offs_m < Q_CTX)
        tl.store(O_block_ptr, accumulator.to(Out.type.element_ty), boundary_check=(0, 1))


def attention(q, k, v, sm_scale, causal=False, micro=(16, 8, 32), block_m=32, block_n=32,
              num_ctas=4):
    """o, m = attention of q [Z, H, Q_CTX, D] over k, v [Z, H, KV_CTX, D] (m is the
    row log-sum-exp of the scaled scores). Causal needs Q_CTX == KV_CTX (STAGE 3)."""
    Z, H, Q_CTX, D = q.shape
    KV_CTX = k.shape[2]
    assert not causal or Q_CTX == KV_CTX, "STAGE 3 needs Q_CTX == KV_CTX"
    o = np.empty_like(q)
    acc = np.empty(q.shape, dtype=np.float32)
    m = np.empty((Z, H, Q_CTX), dtype=np.float32)
    st = lambda x: [s // x.itemsize for s in x.strides]
    _attn_fwd[(num_ctas,)](
        q, k, v, m, o, acc, sm_scale, *st(q), *st(k), *st(v), *st(o),
        Z, H, H, 1, Q_CTX, KV_CTX, D,
        BLOCK_M=block_m, BLOCK_N=block_n, STAGE=3 if causal else 1,
        BLOCK_SIZE_K=triton.next_power_of_2(D), MICRO_M=micro[0], MICRO_K=micro[1],
        MICRO_N=micro[2], num_ctas=num_ctas)
    return o, m


def attention_ref(q, k, v, sm_scale, causal=False):
    s = (q.astype(np.float64) @ np.swapaxes(k.astype(np.float64), -1, -2)) * sm_scale
    if causal:
        s = np.where(np.tril(np.ones(s.shape[-2:], dtype=bool)), s, -np.inf)
    m = s.max(axis=-1, keepdims=True)
    p = np.exp(s - m)
    lse = (m + np.log(p.sum(axis=-1, keepdims=True)))[..., 0]
    return (p / p.sum(axis=-1, keepdims=True)) @ v.astype(np.float64), lse


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    for causal, q_ctx, kv_ctx in ((False, 72, 80), (True, 80, 80)):
        q = rng.standard_normal((1, 2, q_ctx, 64)).astype(np.float16)
        k = rng.standard_normal((1, 2, kv_ctx, 64)).astype(np.float16)
        v = rng.standard_normal((1, 2, kv_ctx, 64)).astype(np.float16)
        o, m = attention(q, k, v, 0.125, causal)
        o_ref, m_ref = attention_ref(q, k, v, 0.125, causal)
        np.testing.assert_allclose(o, o_ref, rtol=1e-2, atol=5e-3)
        np.testing.assert_allclose(m, m_ref, rtol=1e-2, atol=5e-3)
        print(f"flash attention {'causal' if causal else 'non-causal'} "
              f"{q_ctx}x{kv_ctx}x64 float16: ok")
