# A two-slot FIFO between a QK producer and a PV consumer, f32, written for k1sim's front
# end: the pipeline of kernels/fifo_split1.xsmt (SPLIT = 1) and fifo_split2.xsmt
# (SPLIT = 2). An smt.parallel loop of two iterations: iteration 0 (thread 0) produces
# S_t = Q K_t^T for NUM_TILES KV tiles of TILE_N keys into the slots of an
# smt.alloc_copies buffer; iteration 1 (thread 1) pops each S_t and accumulates
# O += S_t V_t, so o = q @ k.T @ v (no softmax: the point is the pipeline). Two
# smt.mbarrier_copies sets hand the slots over: "full" (producer -> consumer) and
# "empty" (consumer -> producer). Tile t goes to slot t % 2 in round t // 2; the
# producer waits for an empty slot from round 1 on, with parity round & 1, and the
# consumer waits for a full one with parity (round & 1) ^ 1.
# SPLIT = 1 writes each entry with one store; SPLIT = 2 writes it as two half-width
# sub-tiles at a column offset inside the entry (the FIFO feature request's
# `entry_offset`), waiting for the slot before the first ("allocate") and arriving after
# the last ("record"). Host code in numpy; `k1sim run kernels/fifo.py --arch 0xA064`.
import numpy as np

import triton
import triton.language as tl
import triton.language.extra.smt as smt


@triton.jit
def fifo_qk_pv(
    q, k, v, o,
    SEQ_Q: tl.constexpr, SEQ_KV: tl.constexpr, HEAD_DIM: tl.constexpr,
    BLOCK_M: tl.constexpr, TILE_N: tl.constexpr, NUM_TILES: tl.constexpr,
    SPLIT: tl.constexpr, MICRO_M: tl.constexpr, MICRO_K: tl.constexpr,
    MICRO_N: tl.constexpr,
):
    off_m = tl.program_id(0) * BLOCK_M
    fifo = smt.alloc_copies([BLOCK_M, TILE_N], dtype=tl.float32, storage="l2", copies=2)
    full = smt.mbarrier_copies(flag=0, expect_count=1, copies=2)
    empty = smt.mbarrier_copies(flag=0, expect_count=1, copies=2)
    for role in smt.parallel(0, 2):
        if role == 0:
            q_ptr = tl.make_block_ptr(q, shape=[SEQ_Q, HEAD_DIM], strides=[HEAD_DIM, 1],
                                      offsets=[off_m, 0], block_shape=[BLOCK_M, HEAD_DIM],
                                      order=[1, 0])
            q_tiles = smt.view(smt.descriptor_load(q_ptr, (0, 0)), (0, 0),
                               (BLOCK_M, HEAD_DIM), (MICRO_M, MICRO_K))
            for t in range(NUM_TILES):
                slot = t % 2
                rnd = t // 2
                full_bar = full[slot]
                empty_bar = empty[slot]
                entry = smt.view(fifo[slot], (0, 0), (BLOCK_M, TILE_N), (MICRO_M, MICRO_N))
                if SPLIT == 1:
                    if t >= 2:
                        smt.barrier_wait(empty_bar, flag=rnd & 1)
                    k_ptr = tl.make_block_ptr(k, shape=[SEQ_KV, HEAD_DIM],
                                              strides=[HEAD_DIM, 1], offsets=[t * TILE_N, 0],
                                              block_shape=[TILE_N, HEAD_DIM], order=[1, 0])
                    k_tiles = smt.view(smt.descriptor_load(k_ptr, (0, 0)), (0, 0),
                                       (TILE_N, HEAD_DIM), (MICRO_N, MICRO_K))
                    s_t = smt.dot(q_tiles, tl.permute(k_tiles, (1, 0, 3, 2)))
                    tl.store(entry, s_t, boundary_check=(0, 1, 2, 3))
                    smt.barrier_arrive(full_bar)
                else:
                    parity = rnd & 1
                    for j in range(SPLIT):
                        if (j == 0) & (t >= 2):
                            smt.barrier_wait(empty_bar, flag=parity)
                        col = j * (TILE_N // SPLIT)
                        k_ptr = tl.make_block_ptr(k, shape=[SEQ_KV, HEAD_DIM],
                                                  strides=[HEAD_DIM, 1],
                                                  offsets=[t * TILE_N + col, 0],
                                                  block_shape=[TILE_N // SPLIT, HEAD_DIM],
                                                  order=[1, 0])
                        k_tiles = smt.view(smt.descriptor_load(k_ptr, (0, 0)), (0, 0),
                                           (TILE_N // SPLIT, HEAD_DIM), (MICRO_N, MICRO_K))
                        s_sub = smt.dot(q_tiles, tl.permute(k_tiles, (1, 0, 3, 2)))
                        sub_entry = smt.view(entry, (0, col), (BLOCK_M, TILE_N // SPLIT))
                        tl.store(sub_entry, s_sub, boundary_check=(0, 1, 2, 3))
                        if j == SPLIT - 1:
                            smt.barrier_arrive(full_bar)
        else:
            acc = tl.zeros([BLOCK_M // MICRO_M, HEAD_DIM // MICRO_N, MICRO_M, MICRO_N],
                           dtype=tl.float32)
            for t in range(NUM_TILES):
                slot = t % 2
                rnd = t // 2
                full_bar = full[slot]
                empty_bar = empty[slot]
                smt.barrier_wait(full_bar, flag=(rnd & 1) ^ 1)
                s_t = tl.load(fifo[slot], boundary_check=(0, 1))
                smt.barrier_arrive(empty_bar)
                s_tiles = smt.view(s_t, (0, 0), (BLOCK_M, TILE_N), (MICRO_M, MICRO_K))
                v_ptr = tl.make_block_ptr(v, shape=[SEQ_KV, HEAD_DIM], strides=[HEAD_DIM, 1],
                                          offsets=[t * TILE_N, 0],
                                          block_shape=[TILE_N, HEAD_DIM], order=[1, 0])
                v_tiles = smt.view(smt.descriptor_load(v_ptr, (0, 0)), (0, 0),
                                   (TILE_N, HEAD_DIM), (MICRO_K, MICRO_N))
                acc += smt.dot(s_tiles, v_tiles)
            out = smt.view(acc, (0, 0), (BLOCK_M, HEAD_DIM), (1, 1))
            o_ptr = tl.make_block_ptr(o, shape=[SEQ_Q, HEAD_DIM], strides=[HEAD_DIM, 1],
                                      offsets=[off_m, 0], block_shape=[BLOCK_M, HEAD_DIM],
                                      order=[1, 0])
            tl.store(o_ptr, out, boundary_check=(0, 1))


def qk_pv(q, k, v, split=1, tile_n=64, block_m=16, micro=(8, 32, 32)):
    """o = q @ k.T @ v through the FIFO, on a stream of 2 threads."""
    seq_q, d = q.shape
    o = np.empty((seq_q, d), dtype=np.float32)
    fifo_qk_pv[(triton.cdiv(seq_q, block_m),)](
        q, k, v, o, SEQ_Q=seq_q, SEQ_KV=k.shape[0], HEAD_DIM=d, BLOCK_M=block_m,
        TILE_N=tile_n, NUM_TILES=k.shape[0] // tile_n, SPLIT=split, MICRO_M=micro[0],
        MICRO_K=micro[1], MICRO_N=micro[2])
    return o


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    q = rng.standard_normal((32, 32)).astype(np.float32)
    k = rng.standard_normal((384, 32)).astype(np.float32)
    v = rng.standard_normal((384, 32)).astype(np.float32)
    ref = q.astype(np.float64) @ k.T @ v
    for split in (1, 2):
        np.testing.assert_allclose(qk_pv(q, k, v, split), ref, rtol=1e-4, atol=1e-3)
        print(f"fifo split {split} 32x384x32 float32: ok")
