"""Micro-tile legality: the arch's ``legal_micro_tiles`` (FlagGems' ``LEGAL_CONFIGS``).

Each arch file lists, per dtype, the (MICRO_M, MICRO_K, MICRO_N) triple spine-FlagGems
(``_spacemit/utils/config_pre_hook.py``) lets its ``mm``, ``bmm``, ``addmm`` and
``attention`` kernels pack to, or none (0x5064). On the board another triple computes
garbage, and FlagGems' pre-hook silently rewrites it to the legal one. k1sim warns
instead (``--strict``: refuses), naming the legal triple, and the tuner never proposes
another. Dtypes the arch does not list are not checked.
"""

from __future__ import annotations

from k1sim.errors import K1SimError


def legal_micro(arch, dtype: str) -> list | None:
    """The legal triples of ``dtype`` on ``arch`` (an ``Arch``), or None when it has none."""
    triple = arch.legal_micro_tiles.get(dtype)
    return None if triple is None else [tuple(triple)]


def describe(triples) -> str:
    return ", ".join(f"(MICRO_M={m}, MICRO_K={k}, MICRO_N={n})" for m, k, n in triples)


def micro_problem(arch, dtype: str, triple) -> str | None:
    """Why ``triple`` (MICRO_M, MICRO_K, MICRO_N) of ``dtype`` is illegal on ``arch``, or
    None when it is legal or unchecked."""
    legal = legal_micro(arch, dtype)
    if legal is None or tuple(triple) in legal:
        return None
    m, k, n = triple
    return (f"micro tile (MICRO_M={m}, MICRO_K={k}, MICRO_N={n}) of {dtype} is not legal on "
            f"{arch.arch_id}: the hardware computes garbage with it (FlagGems' pre-hook would "
            f"rewrite it); legal: {describe(legal)}")


def check_micro(arch, found, strict: bool) -> list[str]:
    """Warnings for the illegal (where, dtype, triple) entries of ``found``; with
    ``strict`` the first one is a ``K1SimError`` instead."""
    warnings = []
    for where, dtype, triple in found:
        problem = micro_problem(arch, dtype, triple)
        if problem is None:
            continue
        if strict:
            raise K1SimError(f"{where}: error: {problem} (--strict)")
        warnings.append(f"{where}: warning: {problem}")
    return warnings
