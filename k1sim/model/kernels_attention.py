"""Flash attention forward as a parametric Builder program (FlagGems' SpacemiT
``_attn_fwd``, as ``kernels/flash_attn_fwd.xsmt`` follows it, with grouped-query heads).

The G = q_heads / kv_heads query heads that share a KV head are one ``[G * S, D]`` query
matrix (row ``s * G + g``), so each K/V block is loaded once per group. Program
``(i, h)`` takes ``bm`` query rows of KV head h and walks the KV blocks with the online
softmax on the unpacked ``[bm, bn]`` scores: QK via mmt4d, the running max and sum, P cast
to the input type and packed for the PV mmt4d, the accumulator rescaled by alpha.
Causal: a block stops at the last key its last row may see (``cache + s``) and every
step masks the keys past each row's own position (and past the end), as the real
kernel's diagonal step does.
"""

from __future__ import annotations

from k1sim.ir.builder import Builder, ptr
from k1sim.ir.types import SCALARS
from k1sim.model.kernels import cdiv


def attention(seq: int, kv_len: int, q_heads: int, kv_heads: int, head_dim: int,
              dtype: str = "f16", arch: str = "0xA064", threads: int = 8,
              micro=(16, 8, 32), bm: int = 32, bn: int = 64, causal: bool = True) -> Builder:
    """``o = softmax(q kᵀ / sqrt(D)) v`` for ``seq`` queries against ``kv_len`` keys
    (the cache and the new tokens), per KV head."""
    el, f32 = SCALARS[dtype], SCALARS["f32"]
    m0, k0, n0 = micro
    group = q_heads // kv_heads
    rows = group * seq
    d = head_dim
    b = Builder(arch=arch, num_threads=threads, grid=(cdiv(rows, bm), kv_heads))
    with b.kernel("flash_attention") as kb:
        q_p = kb.arg("q", ptr(el), shape=(kv_heads * rows, d), init="randn")
        k_p = kb.arg("k", ptr(el), shape=(kv_heads * kv_len, d), init="randn")
        v_p = kb.arg("v", ptr(el), shape=(kv_heads * kv_len, d), init="randn")
        o_p = kb.arg("o", ptr(el), shape=(kv_heads * rows, d))
        pid, h = kb.program_id(0), kb.program_id(1)
        # Each head's own block pointers, so ragged blocks stop at the head's end.
        q_head, o_head = (kb.addptr(p, kb.mul(h, rows * d)) for p in (q_p, o_p))
        k_head, v_head = (kb.addptr(p, kb.mul(h, kv_len * d)) for p in (k_p, v_p))
        q_row = kb.mul(pid, bm)
        q_ptr = kb.make_block_ptr(q_head, [rows, d], [d, 1], [q_row, 0], (bm, d), (1, 0))
        q4 = kb.view(kb.descriptor_load(q_ptr), (0, 0), (bm, d), (m0, k0))
        if causal:      # keys up to cache + the block's last query position
            last = kb.min(kb.div(kb.sub(kb.mul(kb.add(pid, 1), bm), 1), group), seq - 1)
            n_blocks = kb.div(kb.add(last, kv_len - seq + bn), bn)
        else:
            n_blocks = cdiv(kv_len, bn)
        init = [kb.full((bm,), -1.0e30, f32), kb.zeros((bm,), f32), kb.zeros((bm, d), f32)]
        cols0 = kb.make_range(0, bn)
        # The last key each row may see: its position in the cache + sequence (causal),
        # else the last key.
        if causal:
            pos = kb.div(kb.add(kb.make_range(0, bm), kb.splat(q_row, (bm,))), group)
            last_key = kb.broadcast(kb.expand_dims(kb.add(pos, kv_len - seq), 1), (bm, bn))
        else:
            last_key = kv_len - 1
        scale = 1.0 / d ** 0.5

        def per_row(v, width):
            return kb.broadcast(kb.expand_dims(v, 1), (bm, width))

        with kb.range(0, n_blocks, 1, iter_args=init) as loop:
            m_i, l_i, acc = loop.args
            start = kb.mul(loop.iv, bn)
            kt_ptr = kb.make_block_ptr(k_head, [d, kv_len], [1, d], [0, start], (d, bn),
                                       (0, 1))
            kt4 = kb.view(kb.descriptor_load(kt_ptr), (0, 0), (d, bn), (k0, n0))
            s = kb.view(kb.dot(q4, kt4, acc_dtype=f32), (0, 0), (bm, bn), (1, 1))
            s = kb.mul(s, scale)
            cols = kb.broadcast(kb.expand_dims(kb.add(cols0, kb.splat(start, (bn,))), 0),
                                (bm, bn))
            s = kb.select(kb.cmp(">", cols, last_key), -1.0e6, s)
            m_new = kb.max(m_i, kb.reduce(s, 1, "max"))
            p = kb.exp(kb.sub(s, per_row(m_new, bn)))
            alpha = kb.exp(kb.sub(m_i, m_new))
            l_new = kb.add(kb.mul(l_i, alpha), kb.reduce(p, 1, "add"))
            p4 = kb.view(kb.cast(p, el), (0, 0), (bm, bn), (m0, k0))
            v_ptr = kb.make_block_ptr(v_head, [kv_len, d], [d, 1], [start, 0], (bn, d),
                                      (1, 0))
            v4 = kb.view(kb.descriptor_load(v_ptr), (0, 0), (bn, d), (k0, n0))
            pv = kb.view(kb.dot(p4, v4, acc_dtype=f32), (0, 0), (bm, d), (1, 1))
            kb.yield_(m_new, l_new, kb.add(kb.mul(acc, per_row(alpha, d)), pv))
        out = kb.div(loop.results[2], per_row(loop.results[1], d))
        o_ptr = kb.make_block_ptr(o_head, [rows, d], [d, 1], [q_row, 0], (bm, d), (1, 0))
        kb.store(o_ptr, out, boundary_check=(0, 1))
    return b


__all__ = ["attention"]
