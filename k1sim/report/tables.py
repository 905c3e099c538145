"""A run as machine-readable tables: the whole ``RunResult`` as JSON, its ops as CSV.

JSON is ``RunResult.to_dict()`` with sorted keys and two-space indent, so the same run
gives the same bytes (``docs/result.md`` documents every key). The CSV has one row per
op and source location, the ``op_stats`` rows in their order (most cycles first).
"""

from __future__ import annotations

import csv
import io
import json

CSV_COLUMNS = ("op", "where", "count", "cycles", "share", "bound")


def to_json(result, indent: int | None = 2) -> str:
    """``result.to_dict()`` as JSON text, keys sorted; numpy scalars become numbers."""
    return json.dumps(result.to_dict(), indent=indent, sort_keys=True, default=_plain) + "\n"


def op_rows(result) -> list[dict]:
    """``op_stats`` rows, most cycles first, each with ``share``: its cycles over the
    cycles of all rows (thread cycles, summed over threads), so shares add up to 1."""
    total = sum(r["cycles"] for r in result.op_stats)
    rows = sorted(result.op_stats, key=lambda r: (-r["cycles"], r["where"], r["op"]))
    return [{"op": r["op"], "where": r["where"], "count": r["count"], "cycles": r["cycles"],
             "share": r["cycles"] / total if total else 0.0, "bound": r["bound"]} for r in rows]


def to_csv(result) -> str:
    """The per-op rows as CSV text with a header; cycles rounded to whole cycles (the
    JSON's ``op_stats`` keeps the exact values)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in op_rows(result):
        writer.writerow([r["op"], r["where"], r["count"], round(r["cycles"]),
                         f"{r['share']:.6f}", r["bound"]])
    return out.getvalue()


def _plain(value):
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
