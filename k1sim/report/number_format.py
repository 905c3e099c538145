"""Numbers as the roofline's table and plot print them (shared, so neither imports the other)."""

from __future__ import annotations


def fmt(x: float | None, digits: int = 4) -> str:
    """A number to ``digits`` significant digits, plain (no exponent) from 1e-3 to 1e9."""
    if x is None:
        return "-"
    if x == 0:
        return "0"
    if not 1e-3 <= abs(x) < 1e9:
        return f"{x:.{digits - 1}e}"
    text = f"{x:.{max(0, digits - 1 - _exponent(x))}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _exponent(x: float) -> int:
    e = 0
    x = abs(x)
    while x >= 10:
        x, e = x / 10, e + 1
    while x < 1:
        x, e = x * 10, e - 1
    return e
