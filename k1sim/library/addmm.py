"""FlagGems' SpacemiT ``addmm`` (``_spacemit/ops/addmm.py``, ``addmm_kernel``) as a
parametric Builder program: ``c = alpha * (a @ b) + beta * bias``.

The matmul is mm's EVEN_K body (BLOCK_SIZE_K = next_pow2(K) in one block per operand),
or with EVEN_K = 0 a packed accumulator over cdiv(K, SUB_BLK_K) windows, SUB_BLK_K =
min(1024, BLOCK_SIZE_K) as FlagGems' host sets it. The epilogue loads the bias block
(the host broadcasts bias to M x N and makes it contiguous) after the unpack and works in
f32, as Triton promotes an f16 tensor times an f32 scalar, truncating for the store.
"""

from __future__ import annotations

from k1sim.ir.builder import Builder, i32, ptr
from k1sim.ir.types import SCALARS
from k1sim.library import checks
from k1sim.library.mm import GemmBody, cdiv, next_pow2


def addmm_meta(M: int, N: int, K: int, BLOCK_SIZE_M: int, BLOCK_SIZE_N: int, EVEN_K: int,
               MICRO_M: int, MICRO_N: int, MICRO_K: int, arch: str = "0xA064",
               threads: int = 8, dtype: str = "f16", alpha: float = 0.75,
               beta: float = -1.25) -> Builder:
    """``c = alpha * (a @ b) + beta * bias`` from FlagGems' ``addmm_spacemit`` META keys."""
    op = f"addmm on {arch}"
    el, f32 = checks.element(op, dtype), SCALARS["f32"]
    checks.positive(op, M=M, N=N, K=K, BLOCK_SIZE_M=BLOCK_SIZE_M,
                    BLOCK_SIZE_N=BLOCK_SIZE_N, threads=threads)
    checks.micro_triple(op, (MICRO_M, MICRO_K, MICRO_N))
    bm, bn, bk = BLOCK_SIZE_M, BLOCK_SIZE_N, next_pow2(K)
    b = Builder(arch=arch, num_threads=threads, grid=(cdiv(M, bm), cdiv(N, bn)))
    b.expect("c = alpha * (a @ b) + beta * bias", rtol=2e-2, atol=2e-2)
    with b.kernel("addmm") as kb:
        a = kb.arg("a", ptr(el), shape=(M, K), init="randn")
        w = kb.arg("b", ptr(el), shape=(K, N), init="randn")
        bias = kb.arg("bias", ptr(el), shape=(M, N), init="randn")
        c = kb.arg("c", ptr(el), shape=(M, N))
        scale = [kb.arg(name, f32, value=v) for name, v in (("alpha", alpha), ("beta", beta))]
        dims = [kb.arg(name, i32, value=v) for name, v in (("M", M), ("N", N), ("K", K))]
        body = GemmBody(kb, dims, c, el, el, (MICRO_M, MICRO_K, MICRO_N), (bm, bn, bk),
                        (bm, bn, min(1024, bk)))

        def epilogue(acc, rows, cols):
            bias_ptr = kb.make_block_ptr(bias, [body.m, body.n], [body.n, 1],
                                         [body.off_m, body.off_n], (rows, cols), (1, 0))
            term = kb.mul(kb.cast(kb.load(bias_ptr, boundary_check=(0, 1)), f32), scale[1])
            return kb.add(kb.mul(kb.cast(acc, f32), scale[0]), term)

        body.epilogue = epilogue
        body.run("EVEN_K" if EVEN_K else "SPLIT_K", a, w)
    return b
