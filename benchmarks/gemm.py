"""FlagGems' mm EVEN_K kernel at any size, built in Python for the speed benchmarks."""

from k1sim.ir.builder import Builder, f16, i32, ptr

BM = BN = 32                 # mm_spacemit tuned blocks
MM, MK, MN = 16, 8, 32       # LEGAL_CONFIGS 0xA064 fp16 (MICRO_M, MICRO_K, MICRO_N)


def even_k_gemm(m: int, n: int, k: int, arch="0xA064", threads=8):
    bk = 1 << (k - 1).bit_length()   # BLOCK_SIZE_K = next_pow2(K)
    b = Builder(arch=arch, num_threads=threads, grid=(-(-m // BM), -(-n // BN)))
    b.expect("c = a @ b", rtol=2e-2, atol=2e-2)
    with b.kernel("mm") as kb:
        a = kb.arg("a", ptr(f16), shape=(m, k), init="randn")
        w = kb.arg("b", ptr(f16), shape=(k, n), init="randn")
        c = kb.arg("c", ptr(f16), shape=(m, n))
        mv, nv, kv = (kb.arg(name, i32, value=v) for name, v in (("M", m), ("N", n), ("K", k)))
        pm, pn = kb.program_id(0), kb.program_id(1)
        a_ptr = kb.make_block_ptr(a, [mv, kv], [kv, 1], [kb.mul(pm, BM), 0], (BM, bk), (1, 0))
        b_ptr = kb.make_block_ptr(w, [kv, nv], [nv, 1], [0, kb.mul(pn, BN)], (bk, BN), (1, 0))
        a4 = kb.view(kb.descriptor_load(a_ptr, (0, 0)), (0, 0), (BM, bk), (MM, MK))
        b4 = kb.view(kb.descriptor_load(b_ptr, (0, 0)), (0, 0), (bk, BN), (MK, MN))
        acc = kb.view(kb.dot(a4, b4), (0, 0), (BM, BN), (1, 1))
        c_ptr = kb.make_block_ptr(c, [mv, nv], [nv, 1], [kb.mul(pm, BM), kb.mul(pn, BN)],
                                  (BM, BN), (1, 0))
        kb.store(c_ptr, acc, boundary_check=(0, 1))
    return b.module
