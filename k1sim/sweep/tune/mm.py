"""``mm``: FlagGems' ``mm_spacemit`` space (``_spacemit/ops/mm.py``, ``mm_kernel``).

The four paths (EVEN_K, SPLIT_M, SPLIT_N, SPLIT_K), BLOCK_SIZE_M/N, SUB_BLK_M/N and the
micro tiles of ``prune.micro_triples`` (LEGAL_CONFIGS' triples; the arch's own are kept).
BLOCK_SIZE_K and SUB_BLK_K are not META keys: FlagGems' host code passes next_pow2(K) and
min(512, BLOCK_SIZE_K), so the space takes them from the shape the same way (they are
columns of the table, never exported). A path ignores the sub blocks it does not use;
they are pinned to the block size so no config is run twice. SPLIT_N stages B
(BLOCK_SIZE_K x BLOCK_SIZE_N) in an ``smt.alloc`` buffer, the only local buffer of the
op (``prune.scratchpad``).
"""

from __future__ import annotations

import itertools

from k1sim.library import MM_PATHS
from k1sim.sweep.tune import prune
from k1sim.sweep.tune.op import Op, Pruned

BLOCKS = (32, 64, 128, 256)
SUB_BLOCKS = (32, 64)


def space(shape, arch, dtype: str = "f16", blocks=BLOCKS, sub_blocks=SUB_BLOCKS):
    """(configs, pruned) for ``mm`` of ``shape`` (M, N, K) on ``arch``: configs are META
    dicts plus BLOCK_SIZE_K and SUB_BLK_K; pruned are ``Pruned`` entries."""
    prune.check_dtype("mm", dtype)
    m, n, k = shape
    bk = prune.next_pow2(k)
    sk = min(512, bk)
    configs, pruned, seen = [], [], set()
    for path, bm, bn, micro in itertools.product(MM_PATHS, blocks, blocks,
                                                 prune.micro_triples(arch, dtype)):
        subs_m = sub_blocks if path in ("SPLIT_M", "SPLIT_N") else (bm,)
        subs_n = sub_blocks if path == "SPLIT_N" else (bn,)
        for sm, sn in itertools.product(subs_m, subs_n):
            meta = {"BLOCK_SIZE_M": bm, "BLOCK_SIZE_N": bn,
                    **{p: int(p == path) for p in MM_PATHS},
                    "SUB_BLK_M": sm, "SUB_BLK_N": sn,
                    "MICRO_M": micro[0], "MICRO_K": micro[1], "MICRO_N": micro[2],
                    "BLOCK_SIZE_K": bk, "SUB_BLK_K": sk}
            key = tuple(meta.values())
            if key in seen:
                continue
            seen.add(key)
            problem = problem_of(meta, path, (m, n, k), arch, dtype)
            (pruned.append(Pruned(meta, *problem)) if problem else configs.append(meta))
    return configs, pruned


def problem_of(meta: dict, path: str, shape, arch, dtype: str) -> tuple | None:
    """(kind, reason) why ``meta`` cannot or need not run, or None."""
    m, n, _ = shape
    mm_, mk, mn = micro = prune.micro_of(meta)
    checks = [("BLOCK_SIZE_M", meta["BLOCK_SIZE_M"], "MICRO_M", mm_),
              ("BLOCK_SIZE_N", meta["BLOCK_SIZE_N"], "MICRO_N", mn),
              ("BLOCK_SIZE_K", meta["BLOCK_SIZE_K"], "MICRO_K", mk),
              ("SUB_BLK_M", meta["SUB_BLK_M"], "MICRO_M", mm_),
              ("SUB_BLK_N", meta["SUB_BLK_N"], "MICRO_N", mn)]
    if path == "SPLIT_K":
        checks.append(("SUB_BLK_K", meta["SUB_BLK_K"], "MICRO_K", mk))
    stage = meta["BLOCK_SIZE_K"] * meta["BLOCK_SIZE_N"] * prune.ITEMSIZE[dtype]
    return prune.first(
        prune.illegal_micro(arch, dtype, micro),
        prune.tiling(checks),
        prune.divides([(s, meta[s], b, meta[b]) for s, b in
                       (("SUB_BLK_M", "BLOCK_SIZE_M"), ("SUB_BLK_N", "BLOCK_SIZE_N"))]),
        prune.redundant([("BLOCK_SIZE_M", meta["BLOCK_SIZE_M"], "M", m),
                         ("BLOCK_SIZE_N", meta["BLOCK_SIZE_N"], "N", n)]),
        prune.scratchpad(arch, stage, "SPLIT_N's B stage") if path == "SPLIT_N" else None,
        prune.registers(arch, dtype, dtype, micro))


def path_of(config: dict) -> str:
    return next(p for p in MM_PATHS if config[p])


def describe(config: dict) -> str:
    path = path_of(config)
    text = f"{path} {config['BLOCK_SIZE_M']}x{config['BLOCK_SIZE_N']}"
    if path in ("SPLIT_M", "SPLIT_N"):
        text += f" sub {config['SUB_BLK_M']}x{config['SUB_BLK_N']}"
    return text + f" micro {config['MICRO_M']}x{config['MICRO_K']}x{config['MICRO_N']}"


MM = Op(name="mm", key="mm_spacemit",
        meta_keys=("BLOCK_SIZE_M", "BLOCK_SIZE_N", "EVEN_K", "SPLIT_M", "SPLIT_N",
                   "SPLIT_K", "SUB_BLK_M", "SUB_BLK_N", "MICRO_M", "MICRO_K", "MICRO_N"),
        builder="k1sim.library:mm_meta", dims=("M", "N", "K"),
        dims_help="C is M x N, the inner dimension K", example="1024x1024x1024",
        space=space, describe=describe, heat=("BLOCK_SIZE_M", "BLOCK_SIZE_N"))
