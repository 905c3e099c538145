"""``attention``: FlagGems' ``attention`` space for its SpacemiT flash attention forward
(``_spacemit/ops/flash_attention.py``, ``_attn_fwd``, tuned as ``attention``).

The space is block_m and block_n, as FlagGems' tune file lists them ({32, 64, 128} each),
with the micro tiles of ``prune.micro_triples`` (LEGAL_CONFIGS has an ``attention`` row). The
kernel reads BLOCK_M, BLOCK_N and MICRO_M/K/N from its config (its host passes STAGE and
BLOCK_SIZE_K = next_pow2(HEAD_DIM) only), so those five are the exported META keys; the
tune file's PRE_LOAD_V is no parameter of the SpacemiT kernel, and num_warps / num_stages
are Triton launch options, not META. The kernel allocates no local memory.
"""

from __future__ import annotations

import itertools

from k1sim.library.attention import tiling
from k1sim.sweep.tune import prune
from k1sim.sweep.tune.op import Op, Pruned

BLOCKS = (32, 64, 128)


def space(shape, arch, dtype: str = "f16", blocks=BLOCKS):
    prune.check_dtype("attention", dtype)
    _, _, seq, dim = shape
    configs, pruned = [], []
    for bm, bn, micro in itertools.product(blocks, blocks, prune.micro_triples(arch, dtype)):
        mm_, mk, mn = micro
        meta = {"BLOCK_M": bm, "BLOCK_N": bn, "MICRO_M": mm_, "MICRO_K": mk, "MICRO_N": mn}
        problem = prune.first(
            prune.illegal_micro(arch, dtype, micro),
            prune.tiling(tiling(dim, bm, bn, micro)),
            prune.redundant([("BLOCK_M", bm, "seq", seq), ("BLOCK_N", bn, "seq", seq)]),
            prune.registers(arch, dtype, "f32", micro))     # P @ V accumulates in f32
        (pruned.append(Pruned(meta, *problem)) if problem else configs.append(meta))
    return configs, pruned


def describe(config: dict) -> str:
    return (f"{config['BLOCK_M']}x{config['BLOCK_N']} micro {config['MICRO_M']}x"
            f"{config['MICRO_K']}x{config['MICRO_N']}")


ATTENTION = Op(name="attention", key="attention",
               meta_keys=("BLOCK_M", "BLOCK_N", "MICRO_M", "MICRO_K", "MICRO_N"),
               builder="k1sim.library:attention_meta", dims=("Z", "H", "S", "D"),
               dims_help="Z batches of H heads, S queries and keys, head dim D",
               example="1x8x1024x64", space=space, describe=describe,
               heat=("BLOCK_M", "BLOCK_N"))
