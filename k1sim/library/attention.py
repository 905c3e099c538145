"""FlagGems' SpacemiT flash attention forward (``_spacemit/ops/flash_attention.py``,
``_attn_fwd`` with ``_attn_fwd_inner`` inlined) as a parametric Builder program, non-causal
(STAGE 1: every KV block, the column mask on the last), as ``kernels/flash_attn_fwd.xsmt``
follows it.

A persistent grid of ``num_ctas`` programs (16, FlagGems' host default) walks the
Z * H_Q * cdiv(Q_CTX, BLOCK_M) tasks. Per task Q is packed once to (MICRO_M, MICRO_K)
tiles; per KV block K is packed (MICRO_N, MICRO_K) and permuted, S = smt.dot(Q, K^T) *
sm_scale, the online softmax runs on the 4-D [BLOCK_M/MICRO_M, BLOCK_N/MICRO_N, MICRO_M,
MICRO_N] layout (reductions over axis 3 then axis 1), P is cast and repacked to
(MICRO_M, MICRO_K) tiles for acc += smt.dot(P, V) in f32. The epilogue unpacks, divides
by l_i and stores O and M = m_i + log(l_i). Every query head has its own KV head
(GROUP_SIZE 1). That layout needs whole micro tiles (``tiling``): another config is
refused before building.
"""

from __future__ import annotations

from k1sim.ir.builder import Builder, i32, ptr
from k1sim.ir.types import SCALARS
from k1sim.library import checks
from k1sim.library.mm import cdiv, next_pow2

NUM_CTAS = 16


def attention_meta(Z: int, H: int, S: int, D: int, BLOCK_M: int, BLOCK_N: int,
                   MICRO_M: int, MICRO_K: int, MICRO_N: int, arch: str = "0xA064",
                   threads: int = 8, dtype: str = "f16") -> Builder:
    """``o = softmax(q k^T / sqrt(D)) v`` for ``Z`` x ``H`` heads of ``S`` queries and keys
    of ``D`` features (BLOCK_SIZE_K = next_pow2(D)), from FlagGems' ``attention`` META
    keys."""
    op = f"attention on {arch}"
    el, f32 = checks.element(op, dtype), SCALARS["f32"]
    checks.positive(op, Z=Z, H=H, S=S, D=D, BLOCK_M=BLOCK_M, BLOCK_N=BLOCK_N,
                    threads=threads)
    mm_, mk, mn = micro = checks.micro_triple(op, (MICRO_M, MICRO_K, MICRO_N))
    checks.whole_tiles(op, tiling(D, BLOCK_M, BLOCK_N, micro),
                       "the online softmax and P @ V work on a 4-D layout of whole micro "
                       "tiles (S is BLOCK_M / MICRO_M x BLOCK_N / MICRO_N tiles, the "
                       "accumulator BLOCK_M / MICRO_M x next_pow2(D) / MICRO_N)")
    bm, bn, bk = BLOCK_M, BLOCK_N, next_pow2(D)
    nmt, nnt, nkt = bm // mm_, bn // mn, bk // mn
    b = Builder(arch=arch, num_threads=threads, grid=(NUM_CTAS,))
    scale = 1.0 / D ** 0.5
    scores = f"matmul(q, transpose(k, (0, 2, 1))) * {scale!r}"
    b.expect(f"o = matmul(softmax({scores}, 2), v)", rtol=1e-2, atol=5e-3)
    b.expect(f"m = logsumexp({scores}, 2)", rtol=1e-2, atol=5e-3)
    with b.kernel("attention") as kb:
        q_p = kb.arg("q", ptr(el), shape=(Z * H, S, D), init="randn")
        k_p = kb.arg("k", ptr(el), shape=(Z * H, S, D), init="randn")
        v_p = kb.arg("v", ptr(el), shape=(Z * H, S, D), init="randn")
        m_p = kb.arg("m", ptr(f32), shape=(Z * H, S))
        o_p = kb.arg("o", ptr(el), shape=(Z * H, S, D))
        sm_scale = kb.arg("sm_scale", f32, value=scale)
        h_q, ctx, dim = (kb.arg(name, i32, value=v) for name, v in
                         (("H_Q", H), ("Q_CTX", S), ("HEAD_DIM", D)))
        blocks_m = kb.div(kb.add(ctx, bm - 1), bm)
        pid = kb.program_id(0)
        todo = kb.max(kb.sub(kb.mul(kb.mul(blocks_m, Z), h_q), pid), 0)
        with kb.range(0, kb.div(kb.add(todo, NUM_CTAS - 1), NUM_CTAS)) as tasks:
            task = kb.add(pid, kb.mul(tasks.iv, NUM_CTAS))
            hz, task_m = kb.div(task, blocks_m), kb.rem(task, blocks_m)
            head = kb.add(kb.mul(kb.div(hz, h_q), H * S * D), kb.mul(kb.rem(hz, h_q), S * D))
            row = kb.mul(task_m, bm)

            def block(base, offset, start, rows):
                return kb.make_block_ptr(kb.addptr(base, offset), [ctx, dim], [dim, 1],
                                         [start, 0], (rows, bk), (1, 0))

            q4 = kb.view(kb.descriptor_load(block(q_p, head, row, bm)), (0, 0), (bm, bk),
                         (mm_, mk))
            offs_n = kb.make_range(0, bn)
            init = [kb.zeros((nmt, nkt, mm_, mn), f32), kb.full((nmt, mm_), 1.0, f32),
                    kb.full((nmt, mm_), float("-inf"), f32),
                    block(v_p, head, 0, bn), block(k_p, head, 0, bn)]
            with kb.range(0, ctx, bn, iter_args=init) as kv:
                acc, l_i, m_i, v_ptr, k_ptr = kv.args
                k4 = kb.view(kb.descriptor_load(k_ptr), (0, 0), (bn, bk), (mn, mk))
                s = kb.dot(q4, kb.trans(k4, (1, 0, 3, 2)))
                s = kb.mul(kb.cast(s, f32), sm_scale)
                cols = kb.add(kb.splat(kv.iv, (bn,)), offs_n)
                keep = kb.broadcast(kb.reshape(kb.cmp("slt", cols, kb.splat(ctx, (bn,))),
                                               (1, nnt, 1, mn)), (nmt, nnt, mm_, mn))
                s = kb.select(keep, s, -1.0e6)
                m_new = kb.max(m_i, kb.reduce(kb.reduce(s, 3, "max"), 1, "max"))
                p = kb.exp(kb.sub(s, kb.broadcast(kb.reshape(m_new, (nmt, 1, mm_, 1)),
                                                  (nmt, nnt, mm_, mn))))
                alpha = kb.exp(kb.sub(m_i, m_new))
                l_new = kb.add(kb.mul(l_i, alpha), kb.reduce(kb.reduce(p, 3, "add"), 1, "add"))
                acc = kb.mul(acc, kb.broadcast(kb.reshape(alpha, (nmt, 1, mm_, 1)),
                                               (nmt, nkt, mm_, mn)))
                v4 = kb.view(kb.descriptor_load(v_ptr), (0, 0), (bn, bk), (mk, mn))
                p4 = kb.view(kb.cast(p, el), (0, 0), (bm, bn), (mm_, mk))
                acc = kb.add(acc, kb.dot(p4, v4, acc_dtype=f32))
                kb.yield_(acc, l_new, m_new, kb.advance(v_ptr, [bn, 0]),
                          kb.advance(k_ptr, [bn, 0]))
            acc, l_i, m_i = kv.results[:3]
            l_row = kb.reshape(l_i, (bm,))
            out = kb.div(kb.view(acc, (0, 0), (bm, bk), (1, 1)),
                         kb.broadcast(kb.expand_dims(l_row, 1), (bm, bk)))
            rows = kb.add(kb.splat(row, (bm,)), kb.make_range(0, bm))
            m_ptrs = kb.addptr(kb.splat(kb.addptr(m_p, kb.mul(hz, S)), (bm,)), rows)
            kb.store(m_ptrs, kb.add(kb.reshape(m_i, (bm,)), kb.log(l_row)),
                     mask=kb.cmp("slt", rows, kb.splat(ctx, (bm,))))
            kb.store(block(o_p, head, row, bm), out, boundary_check=(0, 1))
    return b


def tiling(D: int, BLOCK_M: int, BLOCK_N: int, micro) -> list:
    """(name, size, micro name, micro) pairs whose size must be whole micro tiles: Q, K, P
    and V are packed to them and the softmax is laid out in them."""
    mm_, mk, mn = micro
    bk = next_pow2(D)
    return [("BLOCK_M", BLOCK_M, "MICRO_M", mm_), ("BLOCK_N", BLOCK_N, "MICRO_N", mn),
            ("BLOCK_N", BLOCK_N, "MICRO_K", mk),
            ("BLOCK_SIZE_K (next_pow2(D))", bk, "MICRO_K", mk),
            ("BLOCK_SIZE_K (next_pow2(D))", bk, "MICRO_N", mn)]
