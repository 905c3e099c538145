"""The matrix kernels a model's layers run, as parametric Builder programs.

``gemm`` is FlagGems' SpacemiT ``mm`` with a K loop (the SPLIT_K accumulation of
``kernels/mm_split_k.xsmt``: a packed accumulator carried by ``scf.for``, the 2-operand
mmt4d added to it, which the cost model fuses into an in-place accumulation) and an
epilogue on the unpacked block: requantize (int8), bias, Relu/Clip. ``im2col`` is the
copy FlagGems' SpacemiT ``conv2d`` makes before its GEMM: one program per output row,
copying for each kernel tap the ``[OW, C]`` window of the padded NHWC input into the
im2col matrix, so its traffic is costed as loads and stores.

Every builder here returns a ``Builder`` whose module prints as ``.xsmt`` and runs with
``k1sim run`` on its own (``k1sim model --dump-kernels DIR`` writes them).
"""

from __future__ import annotations

from k1sim.errors import K1SimError
from k1sim.ir.builder import Builder, i32, ptr
from k1sim.ir.types import SCALARS
from k1sim.library.mm import cdiv

# What a GEMM of each model dtype reads, accumulates in and writes: int8 is
# i8 x i8 -> i32, requantized to i8 by the epilogue; f16 accumulates in f32.
ACCUMULATOR = {"i8": "i32", "f16": "f32", "f32": "f32"}


def pow2(n: int) -> int:
    return 1 << max(0, n - 1).bit_length()


def micro_tile(arch, dtype: str) -> tuple:
    """(MICRO_M, MICRO_K, MICRO_N) for ``dtype`` on ``arch``: the matrix engine's tile
    scaled up to at least 16 x 8 x 32 (0xA064 f16's LEGAL_CONFIGS entry is exactly that);
    without a tile for the dtype, FlagGems' RVV fp32 entry (8, 32, 32)."""
    tile = arch.matrix.tiles.get(dtype) if arch.matrix.kind != "none" else None
    if tile is None:
        return (8, 32, 32)
    m, k, n = tile.m, tile.k, tile.n
    return (m * cdiv(16, m), k * cdiv(8, k), n * cdiv(32, n))


def gemm_config(m: int, n: int, k: int, micro: tuple) -> dict:
    """The default block config (until a tuned one is given): 64 x 64 blocks of C, K in
    steps of 256, each shrunk to the problem (rounded up to the micro tile)."""
    m0, k0, n0 = micro

    def fit(size, block, tile):
        return min(block, tile * cdiv(size, tile))

    return {"bm": fit(m, 64, m0), "bn": fit(n, 64, n0), "bk": fit(k, 256, k0)}


def gemm(m: int, n: int, k: int, dtype: str = "f16", arch: str = "0xA064",
         threads: int = 8, micro=(16, 8, 32), bm: int = 64, bn: int = 64, bk: int = 256,
         batch: int = 1, bias: bool = False, act: str | None = None) -> Builder:
    """``c[b] = act(a[b] @ w[b] (* scale) + bias)`` for ``batch`` problems of m x k by k x n.

    ``act`` is None, ``relu`` or ``clip`` (Relu6 as a compiler lowers Clip(0, 6)).
    """
    if dtype not in ACCUMULATOR:
        raise K1SimError(f"gemm dtype {dtype!r}: use one of {', '.join(ACCUMULATOR)}")
    el, acc_t = SCALARS[dtype], SCALARS[ACCUMULATOR[dtype]]
    m0, k0, n0 = micro
    if bm % m0 or bn % n0 or bk % k0:
        raise K1SimError(f"gemm blocks {bm} x {bn} x {bk} are not multiples of the micro "
                         f"tile {m0} x {n0} x {k0} (M x N x K)")
    b = Builder(arch=arch, num_threads=threads, grid=(cdiv(m, bm), cdiv(n, bn), batch))
    with b.kernel("gemm") as kb:
        a = kb.arg("a", ptr(el), shape=(batch * m, k), init="randn")
        w = kb.arg("w", ptr(el), shape=(batch * k, n), init="randn")
        c = kb.arg("c", ptr(el), shape=(batch * m, n))
        bias_p = kb.arg("bias", ptr(SCALARS["f32"]), shape=(n,), init="randn") if bias else None
        scale = kb.arg("scale", SCALARS["f32"], value=0.01) if dtype == "i8" else None
        pm, pn, pb = kb.program_id(0), kb.program_id(1), kb.program_id(2)
        row_a, row_w = kb.mul(pb, m), kb.mul(pb, k)
        a_ptr = kb.make_block_ptr(a, [kb.add(row_a, m), k], [k, 1],
                                  [kb.add(row_a, kb.mul(pm, bm)), 0], (bm, bk), (1, 0))
        w_ptr = kb.make_block_ptr(w, [kb.add(row_w, k), n], [n, 1],
                                  [row_w, kb.mul(pn, bn)], (bk, bn), (1, 0))
        acc0 = kb.zeros((bm // m0, bn // n0, m0, n0), acc_t)
        with kb.range(0, cdiv(k, bk), 1, iter_args=[acc0]) as loop:
            koff = kb.mul(loop.iv, bk)
            a4 = kb.view(kb.descriptor_load(a_ptr, (0, koff)), (0, 0), (bm, bk), (m0, k0))
            w4 = kb.view(kb.descriptor_load(w_ptr, (koff, 0)), (0, 0), (bk, bn), (k0, n0))
            kb.yield_(kb.add(loop.args[0], kb.dot(a4, w4, acc_dtype=acc_t)))
        out = kb.view(loop.results[0], (0, 0), (bm, bn), (1, 1))
        out = _epilogue(kb, out, dtype, (bm, bn), bias_p, pn, bn, n, scale, act)
        c_ptr = kb.make_block_ptr(c, [kb.add(row_a, m), n], [n, 1],
                                  [kb.add(row_a, kb.mul(pm, bm)), kb.mul(pn, bn)], (bm, bn),
                                  (1, 0))
        kb.store(c_ptr, out, boundary_check=(0, 1))
    return b


def _epilogue(kb, acc, dtype, shape, bias_p, pn, bn, shape_n, scale, act):
    """Requantize (int8: i32 -> f32 times the scale), add the bias, apply the activation
    and narrow to the output type, on the unpacked block."""
    f32 = SCALARS["f32"]
    x = kb.cast(acc, f32) if dtype == "i8" else acc
    if scale is not None:
        x = kb.mul(x, scale)
    if bias_p is not None:
        row = kb.load(kb.make_block_ptr(bias_p, [shape_n], [1], [kb.mul(pn, bn)],
                                        (bn,), (0,)), boundary_check=(0,))
        x = kb.add(x, kb.broadcast(kb.expand_dims(row, 0), shape))
    if act in ("relu", "clip"):
        x = kb.max(x, 0.0)
    if act == "clip":
        x = kb.min(x, 6.0)
    elif act not in (None, "relu"):
        raise K1SimError(f"gemm epilogue act {act!r}: use relu or clip")
    return x if dtype == "f32" else kb.cast(x, SCALARS[dtype])


def im2col(rows: int, ow: int, c: int, kh: int, kw: int, stride: int, h_pad: int,
           w_pad: int, oh: int, dtype: str = "f16", arch: str = "0xA064",
           threads: int = 8) -> Builder:
    """The im2col matrix ``[rows * ow, kh * kw * c]`` of a padded NHWC input
    ``[batch * h_pad, w_pad * c]`` (``rows`` = batch x OH output rows of ``oh`` each).

    Program r builds output row r's OW im2col rows whole: for each tap t = (i, j) it
    reads input row ``n * h_pad + oh_r * stride + i`` from column ``j * c``, an
    ``[OW, C]`` block at a row stride of ``stride * c``, and writes it as columns
    ``t * c .. t * c + c`` of those rows. One program owns each output line, as in
    FlagGems' kernel (whose programs write runs of BLOCK_M contiguous elements): a grid
    over (row, tap) would have several cores write a few bytes of the same lines.
    """
    el = SCALARS[dtype]
    kdim = kh * kw * c
    bo, bc = pow2(ow), pow2(c)
    batch = rows // oh
    b = Builder(arch=arch, num_threads=threads, grid=(rows,))
    with b.kernel("im2col") as kb:
        x = kb.arg("x", ptr(el), shape=(batch * h_pad, w_pad * c), init="randn")
        out = kb.arg("cols", ptr(el), shape=(rows * ow, kdim))
        r = kb.program_id(0)
        n, o = kb.div(r, oh), kb.rem(r, oh)
        top = kb.add(kb.mul(n, h_pad), kb.mul(o, stride))
        out_row = kb.addptr(out, kb.mul(kb.mul(r, ow), kdim))
        with kb.range(0, kh * kw) as taps:
            t = taps.iv
            i, j = kb.div(t, kw), kb.rem(t, kw)
            start = kb.add(kb.mul(kb.add(top, i), w_pad * c), kb.mul(j, c))
            src = kb.make_block_ptr(kb.addptr(x, start), [ow, c], [stride * c, 1], [0, 0],
                                    (bo, bc), (1, 0))
            block = kb.load(src, boundary_check=(0, 1))
            dst = kb.make_block_ptr(kb.addptr(out_row, kb.mul(t, c)), [ow, c], [kdim, 1],
                                    [0, 0], (bo, bc), (1, 0))
            kb.store(dst, block, boundary_check=(0, 1))
    return b


__all__ = ["gemm", "im2col", "micro_tile", "gemm_config", "ACCUMULATOR", "cdiv", "pow2"]
