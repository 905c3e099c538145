"""FlagGems' SpacemiT ``bmm`` (``_spacemit/ops/bmm.py``, ``bmm_kernel``) as a parametric
Builder program.

A 3-D grid (cdiv(M, TILE_M), cdiv(N, TILE_N), batch) whose z coordinate picks the batch:
each operand's block pointer starts at the batch's matrix (A + pid_b * M * K, ...), then
the body is mm's: EVEN_K loads the whole K (TILE_K = next_pow2(K)) in one block per
operand and issues one ``smt.dot``; otherwise a packed accumulator is carried over
cdiv(K, SUB_BLK_K) windows, SUB_BLK_K = min(1024, TILE_K) as FlagGems' host sets it.
"""

from __future__ import annotations

from k1sim.ir.builder import Builder, i32, ptr
from k1sim.library import checks
from k1sim.library.mm import GemmBody, cdiv, next_pow2


def bmm_meta(B: int, M: int, N: int, K: int, TILE_M: int, TILE_N: int, EVEN_K: int,
             MICRO_M: int, MICRO_N: int, MICRO_K: int, arch: str = "0xA064",
             threads: int = 8, dtype: str = "f16") -> Builder:
    """``o[b] = a[b] @ w[b]`` for ``B`` problems of M x K by K x N, from FlagGems'
    ``bmm_spacemit`` META keys."""
    op = f"bmm on {arch}"
    el = checks.element(op, dtype)
    checks.positive(op, B=B, M=M, N=N, K=K, TILE_M=TILE_M, TILE_N=TILE_N,
                    threads=threads)
    checks.micro_triple(op, (MICRO_M, MICRO_K, MICRO_N))
    tile_k = next_pow2(K)
    b = Builder(arch=arch, num_threads=threads, grid=(cdiv(M, TILE_M), cdiv(N, TILE_N), B))
    b.expect("o = a @ b", rtol=2e-2, atol=2e-2)
    with b.kernel("bmm") as kb:
        a = kb.arg("a", ptr(el), shape=(B, M, K), init="randn")
        w = kb.arg("b", ptr(el), shape=(B, K, N), init="randn")
        o = kb.arg("o", ptr(el), shape=(B, M, N))
        dims = [kb.arg(name, i32, value=v) for name, v in (("M", M), ("N", N), ("K", K))]
        batch = kb.program_id(2)
        a, w, o = (kb.addptr(p, kb.mul(batch, size)) for p, size in
                   ((a, M * K), (w, K * N), (o, M * N)))
        body = GemmBody(kb, dims, o, el, el, (MICRO_M, MICRO_K, MICRO_N),
                        (TILE_M, TILE_N, tile_k), (TILE_M, TILE_N, min(1024, tile_k)))
        body.run("EVEN_K" if EVEN_K else "SPLIT_K", a, w)
    return b
