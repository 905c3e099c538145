"""Kernels built in Python at any size, for sweeps: FlagGems' SpacemiT ``mm``.

``mm_even_k(m, n, k)`` builds FlagGems' EVEN_K path (``_spacemit/ops/mm.py``): one
program per ``bm`` × ``bn`` block of C, the whole K in one block-pointer load
per operand, packed to the micro tile, one ``smt.dot``, the unpack and a
boundary-checked store. It is the kernel of ``kernels/mm_even_k.xsmt`` with
every size a parameter.
"""

from __future__ import annotations

from k1sim.ir.builder import Builder, i32, ptr
from k1sim.ir.types import SCALARS


def mm_even_k(m: int, n: int, k: int, arch: str = "0xA064", threads: int = 8,
              micro=(16, 8, 32), dtype: str = "f16", out: str | None = None,
              bm: int = 32, bn: int = 32, bk: int | None = None) -> Builder:
    """``c = a @ b`` for ``a`` m × k and ``b`` k × n of ``dtype``, ``c`` of ``out``.

    ``micro`` is (MICRO_M, MICRO_K, MICRO_N), by default 0xA064's fp16 LEGAL_CONFIGS
    entry; ``bm``/``bn`` default to FlagGems' tuned blocks and ``bk`` to
    next_pow2(k), as its host code sets BLOCK_SIZE_K.
    """
    el, res = SCALARS[dtype], SCALARS[out or dtype]
    bk = bk or 1 << (k - 1).bit_length()
    mm_, mk, mn = micro
    b = Builder(arch=arch, num_threads=threads, grid=(-(-m // bm), -(-n // bn)))
    b.expect("c = a @ b", rtol=2e-2, atol=2e-2)
    with b.kernel("mm") as kb:
        a = kb.arg("a", ptr(el), shape=(m, k), init="randn")
        w = kb.arg("b", ptr(el), shape=(k, n), init="randn")
        c = kb.arg("c", ptr(res), shape=(m, n))
        mv, nv, kv = (kb.arg(name, i32, value=v) for name, v in (("M", m), ("N", n), ("K", k)))
        pm, pn = kb.program_id(0), kb.program_id(1)
        a_ptr = kb.make_block_ptr(a, [mv, kv], [kv, 1], [kb.mul(pm, bm), 0], (bm, bk), (1, 0))
        b_ptr = kb.make_block_ptr(w, [kv, nv], [nv, 1], [0, kb.mul(pn, bn)], (bk, bn), (1, 0))
        a4 = kb.view(kb.descriptor_load(a_ptr, (0, 0)), (0, 0), (bm, bk), (mm_, mk))
        b4 = kb.view(kb.descriptor_load(b_ptr, (0, 0)), (0, 0), (bk, bn), (mk, mn))
        acc = kb.view(kb.dot(a4, b4), (0, 0), (bm, bn), (1, 1))
        if res != el:
            acc = kb.cast(acc, res)
        c_ptr = kb.make_block_ptr(c, [mv, nv], [nv, 1], [kb.mul(pm, bm), kb.mul(pn, bn)],
                                  (bm, bn), (1, 0))
        kb.store(c_ptr, acc, boundary_check=(0, 1))
    return b
