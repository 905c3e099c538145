"""Number and arch formatting shared by ``k1sim archs`` and ``k1sim peak``."""

from __future__ import annotations


def g(x) -> str:
    """An input value as written (2000, 10.66, 0.4578)."""
    return f"{x:g}"


def sig(x: float) -> str:
    """A computed value to 3 significant digits (2.05, 128, 1024)."""
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.3g}"


def size(kib: int) -> str:
    if not kib:
        return "-"
    return f"{kib // 1024} MiB" if kib % 1024 == 0 else f"{kib} KiB"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def tile(t) -> str:
    return f"{t.m}x{t.k}x{t.n}"


def value(v) -> str:
    if hasattr(v, "m") and hasattr(v, "k"):
        return tile(v)
    if isinstance(v, tuple):
        return "(" + ", ".join(map(str, v)) + ")"
    if isinstance(v, float):
        return g(v)
    return str(v)


def ops_per_s(x: float, dtype: str) -> tuple[str, float, str]:
    """("2.05 TOPS", scale, unit): per-core figures reuse the unit of the total."""
    kind = "OPS" if dtype.startswith("i") else "FLOPS"
    scale, prefix = (1e12, "T") if x >= 1e12 else (1e9, "G")
    return f"{sig(x / scale)} {prefix}{kind}", scale, prefix + kind


def matrix(arch) -> str:
    m = arch.matrix
    if m.kind == "none":
        return "none"
    return f"{m.kind.upper()} " + ", ".join(f"{d} {tile(t)}" for d, t in m.tiles.items())
