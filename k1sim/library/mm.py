"""FlagGems' SpacemiT ``mm`` as a parametric Builder program, every size a parameter.

``mm(m, n, k, path=...)`` builds one of the four paths of FlagGems' ``mm_kernel``
(``_spacemit/ops/mm.py``), every size and constexpr a parameter:

* ``EVEN_K``: one program per ``bm`` x ``bn`` block of C, the whole K in one
  block-pointer load per operand, packed to the micro tile, one ``smt.dot``;
* ``SPLIT_M``: B packed once, a parallel loop over ``sub_m`` row blocks of A;
* ``SPLIT_N``: B staged in an ``l2`` buffer by the first row of sub-blocks (one
  barrier, ``expect = sub_num_n``), a parallel loop over ``sub_m`` x ``sub_n`` blocks;
* ``SPLIT_K``: a packed accumulator carried over ``cdiv(K, sub_k)`` K windows.

``bk`` defaults to next_pow2(k) and ``sub_k`` to min(512, bk), as FlagGems' host code
sets BLOCK_SIZE_K and SUB_BLK_K. ``mm_even_k`` is the EVEN_K path. A config that would
fault or drop part of K is refused before building (``refuse``).
"""

from __future__ import annotations

from k1sim.arch import load_arch
from k1sim.arch_micro import legal_micro
from k1sim.errors import K1SimError
from k1sim.ir.builder import Builder, i32, ptr
from k1sim.library import checks

MM_PATHS = ("EVEN_K", "SPLIT_M", "SPLIT_N", "SPLIT_K")


def mm(m: int, n: int, k: int, path: str = "EVEN_K", arch: str = "0xA064", threads: int = 8,
       micro=None, dtype: str = "f16", out: str | None = None, bm: int = 32,
       bn: int = 32, bk: int | None = None, sub_m: int = 16, sub_n: int | None = None,
       sub_k: int | None = None) -> Builder:
    """``c = a @ b`` for ``a`` m x k and ``b`` k x n of ``dtype``, ``c`` of ``out``, on
    FlagGems' ``path``. ``micro`` is (MICRO_M, MICRO_K, MICRO_N), by default the arch's
    ``legal_micro_tiles`` entry for ``dtype`` (FlagGems' LEGAL_CONFIGS), else (16, 8, 32).
    ``sub_n`` is 16 when not given (FlagGems has no default: SUB_BLK_N is a META key); on
    an arch whose MICRO_N is 32 SPLIT_N then needs it given, a multiple of 32."""
    if path not in MM_PATHS:
        raise K1SimError(f"mm path {path!r}: give one of {', '.join(MM_PATHS)}")
    el, res = checks.element("mm", dtype), checks.element("mm", out or dtype)
    if micro is None:
        micro = (legal_micro(load_arch(arch), dtype) or [(16, 8, 32)])[0]
    micro = checks.micro_triple("mm", micro)
    bk = next_pow2(k) if bk is None else bk
    sub_k = min(512, bk) if sub_k is None else sub_k
    sub_n_name = "sub_n (SUB_BLK_N)" if sub_n is not None else "sub_n (SUB_BLK_N, the default)"
    sub_n = 16 if sub_n is None else sub_n
    checks.positive("mm", M=m, N=n, K=k, threads=threads, bm=bm, bn=bn, bk=bk, sub_m=sub_m,
                    sub_n=sub_n, sub_k=sub_k)
    refuse(f"mm {path} on {arch}", path, k, micro, (bm, bn, bk), (sub_n_name, sub_n))
    b = Builder(arch=arch, num_threads=threads, grid=(cdiv(m, bm), cdiv(n, bn)))
    b.expect("c = a @ b", rtol=2e-2, atol=2e-2)
    with b.kernel("mm") as kb:
        a = kb.arg("a", ptr(el), shape=(m, k), init="randn")
        w = kb.arg("b", ptr(el), shape=(k, n), init="randn")
        c = kb.arg("c", ptr(res), shape=(m, n))
        dims = [kb.arg(name, i32, value=v) for name, v in (("M", m), ("N", n), ("K", k))]
        GemmBody(kb, dims, c, res, el, micro, (bm, bn, bk), (sub_m, sub_n, sub_k)).run(
            path, a, w)
    return b


def refuse(op: str, path: str, k: int, micro, blocks, sub_n) -> None:
    """Refuse a config that would lose part of K or reach past SPLIT_N's B stage."""
    _, mk, mn = micro
    bm, bn, bk = blocks
    if bk < k:
        raise K1SimError(f"{op}: bk (BLOCK_SIZE_K) = {bk} is smaller than K = {k}: every "
                         "path loads the whole K in one block of bk columns (FlagGems' host "
                         f"passes next_pow2(K) = {next_pow2(k)}), so the rest would be "
                         f"dropped; give at least {k}")
    if path != "SPLIT_N":
        return
    why = (f"SPLIT_N stages B in a bk x bn = {bk} x {bn} buffer viewed in MICRO_K x MICRO_N "
           f"= {mk} x {mn} tiles, and a packed view of a buffer cannot pad")
    checks.whole_tiles(op, [("bn (BLOCK_SIZE_N)", bn, "MICRO_N", mn),
                            ("bk (BLOCK_SIZE_K)", bk, "MICRO_K", mk)], why)
    checks.sub_block(op, sub_n, ("bn (BLOCK_SIZE_N)", bn), ("MICRO_N", mn),
                     "each sub-block is a view of whole MICRO_N-wide tiles of the B stage "
                     f"({bk} x {bn}), so a sub-block that cuts a tile or runs past bn writes "
                     "past the stage buffer")


def mm_even_k(m: int, n: int, k: int, **kw) -> Builder:
    """FlagGems' EVEN_K ``mm`` (``mm(..., path="EVEN_K")``)."""
    return mm(m, n, k, path="EVEN_K", **kw)


def cdiv(a: int, b: int) -> int:
    return -(-a // b)


def next_pow2(x: int) -> int:
    return 1 << (x - 1).bit_length()


class GemmBody:
    """The body of one path, written as FlagGems writes it; sizes are Python ints. ``c``
    is the output's base pointer (moved to its batch by bmm); ``epilogue(acc, rows,
    cols)``, when set, rewrites the unpacked block before its store (addmm's bias)."""

    def __init__(self, kb, dims, c, res, el, micro, blocks, subs):
        self.kb, self.c, self.res, self.el = kb, c, res, el
        self.m, self.n, self.k = dims
        self.mm, self.mk, self.mn = micro
        self.bm, self.bn, self.bk = blocks
        self.sm, self.sn, self.sk = subs
        self.off_m = kb.mul(kb.program_id(0), self.bm)
        self.off_n = kb.mul(kb.program_id(1), self.bn)
        self.epilogue = None

    def run(self, path: str, a, w):
        """``path`` (EVEN_K, SPLIT_M, SPLIT_N, SPLIT_K) over A at ``a`` and B at ``w``."""
        kb = self.kb
        a_ptr = kb.make_block_ptr(a, [self.m, self.k], [self.k, 1], [self.off_m, 0],
                                  (self.bm, self.bk), (1, 0))
        b_ptr = kb.make_block_ptr(w, [self.k, self.n], [self.n, 1], [0, self.off_n],
                                  (self.bk, self.bn), (1, 0))
        getattr(self, path.lower())(a_ptr, b_ptr)

    def _store(self, acc, rows, cols, row=0, col=0):
        kb = self.kb
        acc = kb.view(acc, (0, 0), (rows, cols), (1, 1))
        if self.epilogue is not None:
            acc = self.epilogue(acc, rows, cols)
        elif self.res != self.el:
            acc = kb.cast(acc, self.res)
        c_ptr = kb.make_block_ptr(self.c, [self.m, self.n], [self.n, 1],
                                  [kb.add(self.off_m, row), kb.add(self.off_n, col)],
                                  (rows, cols), (1, 0))
        kb.store(c_ptr, acc, boundary_check=(0, 1))

    def _sub_num(self, size, block, offset, sub):
        """``(min(block, size - offset) + sub - 1) // sub``: sub-blocks left in this block."""
        kb = self.kb
        return kb.div(kb.add(kb.min(kb.sub(size, offset), block), sub - 1), sub)

    def even_k(self, a_ptr, b_ptr):
        kb = self.kb
        a4 = kb.view(kb.descriptor_load(a_ptr, (0, 0)), (0, 0), (self.bm, self.bk),
                     (self.mm, self.mk))
        b4 = kb.view(kb.descriptor_load(b_ptr, (0, 0)), (0, 0), (self.bk, self.bn),
                     (self.mk, self.mn))
        self._store(kb.dot(a4, b4), self.bm, self.bn)

    def split_m(self, a_ptr, b_ptr):
        kb = self.kb
        b4 = kb.view(kb.descriptor_load(b_ptr, (0, 0)), (0, 0), (self.bk, self.bn),
                     (self.mk, self.mn))
        sub_num = self._sub_num(self.m, self.bm, self.off_m, self.sm)
        with kb.parallel(0, sub_num) as loop:
            row = kb.mul(loop.iv, self.sm)
            a4 = kb.view(kb.descriptor_load(a_ptr, (0, 0)), (row, 0), (self.sm, self.bk),
                         (self.mm, self.mk))
            self._store(kb.dot(a4, b4), self.sm, self.bn, row=row)

    def split_n(self, a_ptr, b_ptr):
        kb = self.kb
        sub_num_m = self._sub_num(self.m, self.bm, self.off_m, self.sm)
        sub_num_n = self._sub_num(self.n, self.bn, self.off_n, self.sn)
        stage = kb.alloc((self.bk, self.bn), self.el)
        stage4 = kb.view(stage, (0, 0), (self.bk, self.bn), (self.mk, self.mn))
        bar = kb.mbarrier(expect_count=sub_num_n)
        with kb.parallel(0, kb.mul(sub_num_m, sub_num_n)) as loop:
            s_m, s_n = kb.div(loop.iv, sub_num_n), kb.rem(loop.iv, sub_num_n)
            row, col = kb.mul(s_m, self.sm), kb.mul(s_n, self.sn)
            a4 = kb.view(kb.descriptor_load(a_ptr, (0, 0)), (row, 0), (self.sm, self.bk),
                         (self.mm, self.mk))
            b_sub = kb.view(stage4, (0, col), (self.bk, self.sn))
            with kb.if_(kb.cmp("eq", s_m, 0)) as first_row:
                b4 = kb.view(kb.descriptor_load(b_ptr, (0, 0)), (0, col), (self.bk, self.sn),
                             (self.mk, self.mn))
                kb.store(b_sub, b4, boundary_check=(0, 1, 2, 3))
                kb.barrier_arrive(bar)
            with first_row.else_():
                kb.barrier_wait(bar, flag=1)
            b_tile = kb.load(b_sub, boundary_check=(0, 1, 2, 3))
            self._store(kb.dot(a4, b_tile), self.sm, self.sn, row=row, col=col)

    def split_k(self, a_ptr, b_ptr):
        kb = self.kb
        acc0 = kb.view(kb.zeros((self.bm, self.bn), self.el), (0, 0), (self.bm, self.bn),
                       (self.mm, self.mn))
        sub_num = kb.div(kb.add(self.k, self.sk - 1), self.sk)
        with kb.range(0, sub_num, iter_args=[acc0]) as loop:
            k_off = kb.mul(loop.iv, self.sk)
            a4 = kb.view(kb.descriptor_load(a_ptr, (0, 0)), (0, k_off), (self.bm, self.sk),
                         (self.mm, self.mk))
            b4 = kb.view(kb.descriptor_load(b_ptr, (0, 0)), (k_off, 0), (self.sk, self.bn),
                         (self.mk, self.mn))
            kb.yield_(kb.add(loop.args[0], kb.dot(a4, b4)))
        self._store(loop.result, self.bm, self.bn)


def mm_meta(M: int, N: int, K: int, BLOCK_SIZE_M: int, BLOCK_SIZE_N: int, EVEN_K: int,
            SPLIT_M: int, SPLIT_N: int, SPLIT_K: int, SUB_BLK_M: int, SUB_BLK_N: int,
            MICRO_M: int, MICRO_K: int, MICRO_N: int, BLOCK_SIZE_K: int | None = None,
            SUB_BLK_K: int | None = None, arch: str = "0xA064", threads: int = 8,
            dtype: str = "f16") -> Builder:
    """``mm`` from FlagGems' ``mm_spacemit`` META keys, as its kernel reads them: the first
    of EVEN_K, SPLIT_M, SPLIT_N, SPLIT_K that is set picks the path; BLOCK_SIZE_K and
    SUB_BLK_K default to what FlagGems' host code passes."""
    flags = {"EVEN_K": EVEN_K, "SPLIT_M": SPLIT_M, "SPLIT_N": SPLIT_N, "SPLIT_K": SPLIT_K}
    path = next((p for p in MM_PATHS if flags[p]), None)
    if path is None:
        raise K1SimError("mm META sets none of EVEN_K, SPLIT_M, SPLIT_N, SPLIT_K: FlagGems' "
                         "kernel would compute nothing")
    return mm(M, N, K, path=path, arch=arch, threads=threads, dtype=dtype,
              micro=(MICRO_M, MICRO_K, MICRO_N), bm=BLOCK_SIZE_M, bn=BLOCK_SIZE_N,
              bk=BLOCK_SIZE_K, sub_m=SUB_BLK_M, sub_n=SUB_BLK_N, sub_k=SUB_BLK_K)
