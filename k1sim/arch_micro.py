"""The micro tiles each arch's matrix path accepts: FlagGems' ``LEGAL_CONFIGS``.

spine-FlagGems (``_spacemit/utils/config_pre_hook.py``) lists, per arch id and dtype,
the (MICRO_M, MICRO_K, MICRO_N) triples its kernels may pack to; the same table serves
``mm``, ``bmm``, ``addmm`` and ``attention``. On the board another triple computes
garbage, and FlagGems' pre-hook silently rewrites it to the first legal one. k1sim
warns instead (``--strict``: refuses), naming the legal triples, and the tuner never
proposes another. Archs FlagGems does not list (0x5064, what-if ids) and dtypes it does
not list for an arch are not checked.
"""

from __future__ import annotations

from k1sim.errors import K1SimError

# arch id -> dtype -> legal (MICRO_M, MICRO_K, MICRO_N) triples, in FlagGems' order.
LEGAL_MICRO = {
    "0x503C": {"f32": [(8, 32, 32)], "f16": [(16, 8, 32)]},
    "0xA03C": {"f32": [(8, 32, 32)], "f16": [(8, 16, 16)]},
    "0xA064": {"f32": [(8, 32, 32)], "f16": [(16, 8, 32)]},
    "0xF000": {"f32": [(8, 32, 32)], "f16": [(32, 2, 32)]},
}

# The ops FlagGems gives this table to (its LEGAL_CONFIGS keys).
LEGAL_OPS = ("mm", "bmm", "addmm", "attention")


def legal_micro(arch_id: str, dtype: str) -> list | None:
    """The legal triples of ``dtype`` on ``arch_id``, or None when the table has none."""
    for known, by_dtype in LEGAL_MICRO.items():
        if known.lower() == str(arch_id).lower():
            return by_dtype.get(dtype)
    return None


def describe(triples) -> str:
    return ", ".join(f"(MICRO_M={m}, MICRO_K={k}, MICRO_N={n})" for m, k, n in triples)


def micro_problem(arch_id: str, dtype: str, triple) -> str | None:
    """Why ``triple`` (MICRO_M, MICRO_K, MICRO_N) of ``dtype`` is illegal on ``arch_id``,
    or None when it is legal or unchecked."""
    legal = legal_micro(arch_id, dtype)
    if legal is None or tuple(triple) in legal:
        return None
    m, k, n = triple
    return (f"micro tile (MICRO_M={m}, MICRO_K={k}, MICRO_N={n}) of {dtype} is not legal on "
            f"{arch_id}: the hardware computes garbage with it (FlagGems' pre-hook would "
            f"rewrite it); legal: {describe(legal)}")


def check_micro(arch_id: str, found, strict: bool) -> list[str]:
    """Warnings for the illegal (where, dtype, triple) entries of ``found``; with
    ``strict`` the first one is a ``K1SimError`` instead."""
    warnings = []
    for where, dtype, triple in found:
        problem = micro_problem(arch_id, dtype, triple)
        if problem is None:
            continue
        if strict:
            raise K1SimError(f"{where}: error: {problem} (--strict)")
        warnings.append(f"{where}: warning: {problem}")
    return warnings
