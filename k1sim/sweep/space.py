"""FlagGems' config spaces and its ``tune_configs.yaml``, for ``k1sim tune``.

``mm`` (``_spacemit/ops/mm.py``, tuned as ``mm_spacemit``): the four paths (EVEN_K,
SPLIT_M, SPLIT_N, SPLIT_K), BLOCK_SIZE_M/N, SUB_BLK_M/N, and the MICRO_M/K/N triples the
arch's LEGAL_CONFIGS allows (its ``legal_micro_tiles``). BLOCK_SIZE_K and SUB_BLK_K are not META keys: FlagGems' host
code passes next_pow2(K) and min(512, BLOCK_SIZE_K), so the space takes them from the shape
the same way (they are columns of the table, never exported). A path ignores the sub
blocks it does not use; they are pinned to the block size so no config is run twice.

Configs are pruned before anything runs, each with its reason: a micro tile the arch does
not accept, a block that is not a multiple of its micro tile or a sub block that does not
divide its block, a block larger than the (power-of-two rounded) matrix (the same programs
as the smaller block), and SPLIT_N's B stage (BLOCK_SIZE_K x BLOCK_SIZE_N in local memory)
over the arch's capacity per thread.
"""

from __future__ import annotations

import itertools

from k1sim.arch import ARCH_IDS, load_arch
from k1sim.arch_micro import legal_micro
from k1sim.errors import K1SimError
from k1sim.library import MM_PATHS

# The keys each FlagGems op reads from a tune_configs.yaml META dict (its kernel's
# constexprs that the host code does not pass itself).
META_KEYS = {
    "mm_spacemit": ("BLOCK_SIZE_M", "BLOCK_SIZE_N", "EVEN_K", "SPLIT_M", "SPLIT_N", "SPLIT_K",
                    "SUB_BLK_M", "SUB_BLK_N", "MICRO_M", "MICRO_K", "MICRO_N"),
}
OPS = {"mm": "mm_spacemit"}
BLOCKS = (32, 64, 128, 256)
SUB_BLOCKS = (32, 64)
ITEMSIZE = {"f16": 2, "bf16": 2, "f32": 4}


def next_pow2(x: int) -> int:
    return 1 << (x - 1).bit_length()


def micro_triples(arch, dtype: str) -> list:
    """The arch's legal triple, or every shipped arch's for an arch that lists none."""
    legal = legal_micro(arch, dtype)
    if legal is not None:
        return list(legal)
    return sorted({t for a in ARCH_IDS for t in legal_micro(load_arch(a), dtype) or []})


def mm_space(shape, arch, dtype: str = "f16", blocks=BLOCKS, sub_blocks=SUB_BLOCKS):
    """(configs, pruned) for ``mm`` of ``shape`` (M, N, K) on ``arch``: configs are META
    dicts plus BLOCK_SIZE_K and SUB_BLK_K; pruned are (config, reason) pairs."""
    if dtype not in ITEMSIZE:
        raise K1SimError(f"tune mm --dtype {dtype}: give one of {', '.join(ITEMSIZE)}")
    m, n, k = shape
    bk = next_pow2(k)
    sk = min(512, bk)
    configs, pruned, seen = [], [], set()
    for path, bm, bn, micro in itertools.product(MM_PATHS, blocks, blocks,
                                                 micro_triples(arch, dtype)):
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
            reason = mm_problem(meta, path, (m, n, k), arch, dtype)
            (pruned.append((meta, reason)) if reason else configs.append(meta))
    return configs, pruned


def mm_problem(meta: dict, path: str, shape, arch, dtype: str) -> str | None:
    """Why ``meta`` cannot or need not run, or None."""
    m, n, _ = shape
    mm_, mk, mn = meta["MICRO_M"], meta["MICRO_K"], meta["MICRO_N"]
    legal = legal_micro(arch, dtype)
    if legal is not None and (mm_, mk, mn) not in legal:
        return "illegal micro tile (LEGAL_CONFIGS)"
    checks = [("BLOCK_SIZE_M", "MICRO_M", meta["BLOCK_SIZE_M"], mm_),
              ("BLOCK_SIZE_N", "MICRO_N", meta["BLOCK_SIZE_N"], mn),
              ("BLOCK_SIZE_K", "MICRO_K", meta["BLOCK_SIZE_K"], mk),
              ("SUB_BLK_M", "MICRO_M", meta["SUB_BLK_M"], mm_),
              ("SUB_BLK_N", "MICRO_N", meta["SUB_BLK_N"], mn)]
    if path == "SPLIT_K":
        checks.append(("SUB_BLK_K", "MICRO_K", meta["SUB_BLK_K"], mk))
    for name, micro_name, size, micro in checks:
        if size % micro:
            return f"{name} not a multiple of {micro_name}"
    for sub, block in (("SUB_BLK_M", "BLOCK_SIZE_M"), ("SUB_BLK_N", "BLOCK_SIZE_N")):
        if meta[block] % meta[sub]:
            return f"{sub} does not divide {block}"
    for block, size, name in (("BLOCK_SIZE_M", m, "M"), ("BLOCK_SIZE_N", n, "N")):
        if meta[block] > max(next_pow2(size), 16):
            return f"{block} larger than next_pow2({name}): same programs as a smaller block"
    if path == "SPLIT_N":
        memory, capacity = arch.scope_capacity("l2")
        stage = meta["BLOCK_SIZE_K"] * meta["BLOCK_SIZE_N"] * ITEMSIZE[dtype]
        if capacity is not None and stage > capacity:
            return f"SPLIT_N's B stage over the {memory} capacity per thread"
    return None


def to_meta(config: dict, op_key: str = "mm_spacemit") -> dict:
    """Exactly the keys FlagGems reads, as plain ints."""
    return {key: int(config[key]) for key in META_KEYS[op_key]}


def tune_yaml(entries: dict) -> str:
    """``tune_configs.yaml`` text: {op_key: [(comment, config), ...]} as FlagGems' file
    lists them (``op_key:`` then ``- META: {...}``), each entry under a comment naming
    the shape it won."""
    lines = ["# Written by k1sim tune: the fastest simulated config per shape, in FlagGems'",
             "# tune_configs.yaml shape (src/flag_gems/runtime/backend/_spacemit/).", ""]
    for op_key, items in entries.items():
        lines.append(f"{op_key}:")
        for comment, config in items:
            lines.append(f"# {comment}")
            lines.append("- META:")
            lines += [f"    {key}: {value}" for key, value in to_meta(config, op_key).items()]
    return "\n".join(lines) + "\n"


def check_tune_file(text: str, arch_id: str, dtype: str) -> list[str]:
    """Problems of a ``tune_configs.yaml`` for ``arch_id``: keys other than exactly the
    ones FlagGems reads, and micro tiles outside LEGAL_CONFIGS."""
    import yaml

    data = yaml.safe_load(text) or {}
    problems = []
    for op_key, items in data.items():
        if op_key not in META_KEYS:
            problems.append(f"{op_key}: not an op k1sim tunes ({', '.join(META_KEYS)})")
            continue
        for i, item in enumerate(items or []):
            meta = item.get("META", {}) if isinstance(item, dict) else {}
            if set(item) != {"META"} or tuple(meta) != META_KEYS[op_key]:
                problems.append(f"{op_key}[{i}]: keys {sorted(meta)} are not FlagGems' "
                                f"{list(META_KEYS[op_key])}")
                continue
            triple = (meta["MICRO_M"], meta["MICRO_K"], meta["MICRO_N"])
            legal = legal_micro(load_arch(arch_id), dtype)
            if legal is not None and triple not in legal:
                problems.append(f"{op_key}[{i}]: micro tile {triple} is not legal on {arch_id}")
    return problems
