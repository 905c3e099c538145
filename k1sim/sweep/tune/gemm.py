"""``bmm`` and ``addmm``: FlagGems' ``bmm_spacemit`` and ``addmm_spacemit`` spaces
(``_spacemit/ops/bmm.py``, ``addmm.py``).

Both kernels are mm's EVEN_K body, or with EVEN_K = 0 a packed accumulator over
cdiv(K, SUB_BLK_K) windows; their META keys are the block of C (TILE_M/N for bmm,
BLOCK_SIZE_M/N for addmm), EVEN_K and the micro tile, in the order FlagGems' file lists
them. The host passes the K block (next_pow2(K)) and SUB_BLK_K = min(1024, K block).
FlagGems' file holds one entry per op (128 x 256, EVEN_K, micro (8, 32, 32)); the space
is mm's block grid around it: blocks {32, 64, 128, 256} squared, EVEN_K 1 and 0, and the
micro tiles of ``prune.micro_triples``. Neither kernel allocates local memory, so nothing is
pruned for scratchpad capacity. EVEN_K = 0 with K <= SUB_BLK_K is a single K window:
EVEN_K's loads and dot plus a zeroed accumulator, so it need not run.
"""

from __future__ import annotations

import itertools

from k1sim.sweep.tune import prune
from k1sim.sweep.tune.mm import BLOCKS
from k1sim.sweep.tune.op import Op, Pruned


def blocked_space(op: str, m_key: str, n_key: str):
    """The space function of a GEMM whose block of C is ``m_key`` x ``n_key``."""

    def space(shape, arch, dtype: str = "f16", blocks=BLOCKS):
        prune.check_dtype(op, dtype)
        m, n, k = shape[-3:]
        bk = prune.next_pow2(k)
        sub_k = min(1024, bk)
        configs, pruned = [], []
        for bm, bn, even_k, micro in itertools.product(blocks, blocks, (1, 0),
                                                       prune.micro_triples(arch, dtype)):
            meta = {m_key: bm, n_key: bn, "EVEN_K": even_k, "MICRO_M": micro[0],
                    "MICRO_N": micro[2], "MICRO_K": micro[1]}
            checks = [(m_key, bm, "MICRO_M", micro[0]), (n_key, bn, "MICRO_N", micro[2]),
                      ("the K block", bk, "MICRO_K", micro[1])]
            if not even_k:
                checks.append(("SUB_BLK_K", sub_k, "MICRO_K", micro[1]))
            one_window = None if even_k or k > sub_k else (
                "redundant", "EVEN_K = 0 with K <= SUB_BLK_K: one K window, EVEN_K's work "
                "plus a zeroed accumulator")
            problem = prune.first(
                prune.illegal_micro(arch, dtype, micro),
                prune.tiling(checks),
                prune.redundant([(m_key, bm, "M", m), (n_key, bn, "N", n)]),
                one_window,
                prune.registers(arch, dtype, dtype, micro))
            (pruned.append(Pruned(meta, *problem)) if problem else configs.append(meta))
        return configs, pruned

    return space


def describer(m_key: str, n_key: str):
    def describe(config: dict) -> str:
        return (f"{'EVEN_K' if config['EVEN_K'] else 'K loop'} {config[m_key]}x"
                f"{config[n_key]} micro {config['MICRO_M']}x{config['MICRO_K']}x"
                f"{config['MICRO_N']}")
    return describe


BMM = Op(name="bmm", key="bmm_spacemit",
         meta_keys=("TILE_M", "TILE_N", "EVEN_K", "MICRO_M", "MICRO_N", "MICRO_K"),
         builder="k1sim.library:bmm_meta", dims=("B", "M", "N", "K"),
         dims_help="B batches of an M x K by K x N product", example="8x512x512x512",
         space=blocked_space("bmm", "TILE_M", "TILE_N"),
         describe=describer("TILE_M", "TILE_N"), heat=("TILE_M", "TILE_N"))

ADDMM = Op(name="addmm", key="addmm_spacemit",
           meta_keys=("BLOCK_SIZE_M", "BLOCK_SIZE_N", "EVEN_K", "MICRO_M", "MICRO_N",
                      "MICRO_K"),
           builder="k1sim.library:addmm_meta", dims=("M", "N", "K"),
           dims_help="C and bias are M x N, the inner dimension K", example="1024x1024x1024",
           space=blocked_space("addmm", "BLOCK_SIZE_M", "BLOCK_SIZE_N"),
           describe=describer("BLOCK_SIZE_M", "BLOCK_SIZE_N"),
           heat=("BLOCK_SIZE_M", "BLOCK_SIZE_N"))
