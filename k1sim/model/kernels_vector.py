"""The vector (RVV) kernels of a model's non-matrix layers, as parametric Builder programs.

* ``elementwise``: residual sums, activations, SiLU·mul, RoPE, copies (Concat, a
  Transpose that is not a view), on the tensor flattened to rows of 1024 elements; every
  input is read once and the output written once, the arithmetic in f32.
* ``rowwise``: Softmax, RMSNorm and LayerNorm, one block of whole rows per program
  (the row is reduced in registers, then normalized).
* ``window``: MaxPool, AveragePool and depthwise conv on the padded NHWC input, one output
  row per program, accumulating the kernel's taps over ``[OW, C]`` blocks (depthwise conv
  multiplies each tap by its channel weights first: it runs on RVV, not the IME).
* ``global_pool``: GlobalAveragePool, one image and channel block per program.
"""

from __future__ import annotations

from k1sim.errors import K1SimError
from k1sim.ir.builder import Builder, ptr
from k1sim.ir.types import SCALARS
from k1sim.model.kernels import cdiv, pow2

ROW = 1024          # elements per row of a flattened elementwise tensor
BLOCK = 8192        # elements a vector program handles at once (8 KiB-32 KiB of registers)

# op -> (inputs, combine(kb, xs) on f32 blocks)
ELEMENTWISE = {
    "copy": (1, lambda kb, x: x[0]),
    "relu": (1, lambda kb, x: kb.max(x[0], 0.0)),
    "clip": (1, lambda kb, x: kb.min(kb.max(x[0], 0.0), 6.0)),
    "sigmoid": (1, lambda kb, x: kb.div(1.0, kb.add(1.0, kb.exp(kb.sub(0.0, x[0]))))),
    "silu": (1, lambda kb, x: kb.div(x[0], kb.add(1.0, kb.exp(kb.sub(0.0, x[0]))))),
    "tanh": (1, lambda kb, x: kb.tanh(x[0])),
    "exp": (1, lambda kb, x: kb.exp(x[0])),
    "sqrt": (1, lambda kb, x: kb.sqrt(x[0])),
    "add": (2, lambda kb, x: kb.add(x[0], x[1])),
    "sub": (2, lambda kb, x: kb.sub(x[0], x[1])),
    "mul": (2, lambda kb, x: kb.mul(x[0], x[1])),
    "div": (2, lambda kb, x: kb.div(x[0], x[1])),
    "add_relu": (2, lambda kb, x: kb.max(kb.add(x[0], x[1]), 0.0)),
    "silu_mul": (2, lambda kb, x: kb.mul(kb.div(x[0], kb.add(1.0, kb.exp(kb.sub(0.0, x[0])))),
                                         x[1])),
    # x * cos + rotate_half(x) * sin: x is read twice (its two halves swapped).
    "rope": (4, lambda kb, x: kb.add(kb.mul(x[0], x[2]), kb.mul(x[1], x[3]))),
}


def _widen(kb, x, dtype):
    """Loaded block -> f32 for the arithmetic (integers convert, f16 extends)."""
    return x if dtype == "f32" else kb.cast(x, SCALARS["f32"])


def elementwise(op: str, elements: int, dtype: str = "f16", arch: str = "0xA064",
                threads: int = 8) -> Builder:
    """``y = op(x0, x1, ...)`` over ``elements`` values of ``dtype``."""
    if op not in ELEMENTWISE:
        raise K1SimError(f"elementwise op {op!r}: use one of {', '.join(ELEMENTWISE)}")
    n_in, combine = ELEMENTWISE[op]
    el = SCALARS[dtype]
    rows = cdiv(elements, ROW)
    br = min(pow2(rows), BLOCK // ROW)
    b = Builder(arch=arch, num_threads=threads, grid=(cdiv(rows, br),))
    with b.kernel(f"elementwise_{op}") as kb:
        ins = [kb.arg(f"x{i}", ptr(el), shape=(rows, ROW), init="randn") for i in range(n_in)]
        out = kb.arg("y", ptr(el), shape=(rows, ROW))
        row0 = kb.mul(kb.program_id(0), br)

        def block(p):
            return kb.make_block_ptr(p, [rows, ROW], [ROW, 1], [row0, 0], (br, ROW), (1, 0))

        xs = [_widen(kb, kb.load(block(p), boundary_check=(0,)), dtype) for p in ins]
        kb.store(block(out), combine(kb, xs), boundary_check=(0,))
    return b


def rowwise(op: str, rows: int, cols: int, dtype: str = "f16", arch: str = "0xA064",
            threads: int = 8) -> Builder:
    """Softmax, RMSNorm or LayerNorm over the last axis of a ``[rows, cols]`` tensor."""
    if op not in ("softmax", "rmsnorm", "layernorm"):
        raise K1SimError(f"rowwise op {op!r}: use softmax, rmsnorm or layernorm")
    el, f32 = SCALARS[dtype], SCALARS["f32"]
    bc = cols      # the whole row, unpadded: padding would enter the max, sum and mean
    br = max(1, min(pow2(rows), BLOCK // bc))
    b = Builder(arch=arch, num_threads=threads, grid=(cdiv(rows, br),))
    with b.kernel(op) as kb:
        x_p = kb.arg("x", ptr(el), shape=(rows, cols), init="randn")
        y_p = kb.arg("y", ptr(el), shape=(rows, cols))
        g_p = None if op == "softmax" else kb.arg("gamma", ptr(f32), shape=(cols,),
                                                  init="randn")
        row0 = kb.mul(kb.program_id(0), br)

        def block(p):
            return kb.make_block_ptr(p, [rows, cols], [cols, 1], [row0, 0], (br, bc), (1, 0))

        def per_row(v):                       # [br] -> [br, bc]
            return kb.broadcast(kb.expand_dims(v, 1), (br, bc))

        x = _widen(kb, kb.load(block(x_p), boundary_check=(0, 1)), dtype)
        if op == "softmax":
            e = kb.exp(kb.sub(x, per_row(kb.reduce(x, 1, "max"))))
            y = kb.div(e, per_row(kb.reduce(e, 1, "add")))
        else:
            if op == "layernorm":
                x = kb.sub(x, per_row(kb.mul(kb.reduce(x, 1, "add"), 1.0 / cols)))
            ms = kb.mul(kb.reduce(kb.mul(x, x), 1, "add"), 1.0 / cols)
            y = kb.mul(x, per_row(kb.rsqrt(kb.add(ms, 1e-6))))
            gamma = kb.load(kb.make_block_ptr(g_p, [cols], [1], [0], (bc,), (0,)),
                            boundary_check=(0,))
            y = kb.mul(y, kb.broadcast(kb.expand_dims(gamma, 0), (br, bc)))
        kb.store(block(y_p), y, boundary_check=(0, 1))
    return b


def window(op: str, rows: int, oh: int, ow: int, c: int, kh: int, kw: int, stride: int,
           h_pad: int, w_pad: int, dtype: str = "f16", arch: str = "0xA064",
           threads: int = 8) -> Builder:
    """MaxPool (``max``), AveragePool (``avg``) or depthwise conv (``dw``) of a padded
    NHWC input ``[batch * h_pad, w_pad * c]`` into ``[rows * ow, c]``."""
    if op not in ("max", "avg", "dw"):
        raise K1SimError(f"window op {op!r}: use max, avg or dw")
    el, f32 = SCALARS[dtype], SCALARS["f32"]
    bo, bc = pow2(ow), pow2(c)
    b = Builder(arch=arch, num_threads=threads, grid=(rows,))
    with b.kernel(f"window_{op}") as kb:
        x_p = kb.arg("x", ptr(el), shape=(rows // oh * h_pad, w_pad * c), init="randn")
        y_p = kb.arg("y", ptr(el), shape=(rows * ow, c))
        w_p = kb.arg("w", ptr(f32), shape=(kh * kw, c), init="randn") if op == "dw" else None
        r = kb.program_id(0)
        top = kb.add(kb.mul(kb.div(r, oh), h_pad), kb.mul(kb.rem(r, oh), stride))
        acc = None
        for i in range(kh):
            for j in range(kw):
                start = kb.add(kb.mul(kb.add(top, i), w_pad * c), j * c)
                src = kb.make_block_ptr(kb.addptr(x_p, start), [ow, c], [stride * c, 1],
                                        [0, 0], (bo, bc), (1, 0))
                tap = _widen(kb, kb.load(src, boundary_check=(0, 1)), dtype)
                if op == "dw":
                    wrow = kb.load(kb.make_block_ptr(w_p, [kh * kw, c], [c, 1], [i * kw + j, 0],
                                                     (1, bc), (1, 0)), boundary_check=(1,))
                    tap = kb.mul(tap, kb.broadcast(wrow, (bo, bc)))
                acc = tap if acc is None else (kb.max(acc, tap) if op == "max"
                                               else kb.add(acc, tap))
        if op == "avg":
            acc = kb.mul(acc, 1.0 / (kh * kw))
        dst = kb.make_block_ptr(kb.addptr(y_p, kb.mul(kb.mul(r, ow), c)), [ow, c], [c, 1],
                                [0, 0], (bo, bc), (1, 0))
        kb.store(dst, acc, boundary_check=(0, 1))
    return b


def global_pool(batch: int, hw: int, c: int, dtype: str = "f16", arch: str = "0xA064",
                threads: int = 8) -> Builder:
    """GlobalAveragePool of NHWC ``[batch * hw, c]`` into ``[batch, c]``."""
    el = SCALARS[dtype]
    bh = pow2(hw)
    bc = max(1, min(pow2(c), BLOCK // bh))
    b = Builder(arch=arch, num_threads=threads, grid=(batch, cdiv(c, bc)))
    with b.kernel("global_pool") as kb:
        x_p = kb.arg("x", ptr(el), shape=(batch * hw, c), init="randn")
        y_p = kb.arg("y", ptr(el), shape=(batch, c))
        n, cb = kb.program_id(0), kb.mul(kb.program_id(1), bc)
        src = kb.make_block_ptr(kb.addptr(x_p, kb.mul(n, hw * c)), [hw, c], [c, 1], [0, cb],
                                (bh, bc), (1, 0))
        x = _widen(kb, kb.load(src, boundary_check=(0, 1)), dtype)
        mean = kb.expand_dims(kb.mul(kb.reduce(x, 0, "add"), 1.0 / hw), 0)
        kb.store(kb.make_block_ptr(y_p, [batch, c], [c, 1], [n, cb], (1, bc), (1, 0)), mean,
                 boundary_check=(1,))
    return b


__all__ = ["elementwise", "rowwise", "window", "global_pool", "ELEMENTWISE"]
