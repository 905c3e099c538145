"""A run as machine-readable tables: the whole ``RunResult`` as JSON, its ops as CSV.

JSON is ``to_dict(result)`` with sorted keys and two-space indent, so the same run
gives the same bytes (``docs/result.md`` documents every key). The CSV has one row per
op and source location, the ``op_stats`` rows in their order (most cycles first).
"""

from __future__ import annotations

import csv
import io
import json

CSV_COLUMNS = ("op", "where", "count", "cycles", "share", "bound")


def to_json(result, indent: int | None = 2) -> str:
    """``to_dict(result)`` as JSON text, keys sorted; numpy scalars become numbers."""
    return json.dumps(to_dict(result), indent=indent, sort_keys=True, default=_plain) + "\n"


def to_dict(result) -> dict:
    """A run as JSON-safe data (``docs/result.md``): arrays appear as their shape and
    dtype, engine:dtype keys as text, the trace is left out."""
    def by_engine(values: dict) -> dict:
        return {str(k): v for k, v in values.items()}
    return {
        "kernel": result.kernel,
        "arch": result.arch,
        "arch_info": arch_info(result),
        "grid": list(result.grid),
        "threads": result.threads,
        "programs": result.programs,
        "cycles": int(result.cycles),
        "freq_mhz": result.freq_mhz,
        "seconds": result.seconds,
        "timing_only": result.timing_only,
        "seed": result.seed,
        "outputs": {name: None if a is None else {"shape": list(a.shape), "dtype": str(a.dtype)}
                    for name, a in result.outputs.items()},
        "expects": [e.to_dict() for e in result.expects],
        "warnings": list(result.warnings),
        "op_counts": dict(result.op_counts),
        "ops": by_engine(result.ops),
        "achieved_ops_per_s": by_engine(result.achieved_ops_per_s()),
        "pct_of_peak": by_engine(result.pct_of_peak()),
        "utilization": result.utilization(),
        "unit_busy": {str(t): dict(u) for t, u in result.unit_busy.items()},
        "wait_cycles": {str(t): c for t, c in result.wait_cycles.items()},
        "bytes_by_level": dict(result.bytes_by_level),
        "links": {name: {k: v for k, v in link.items() if k not in ("trace", "rates")}
                  for name, link in result.links.items()},
        "overlap": {str(t): dict(o) for t, o in result.overlap.items()},
        "caches": dict(result.caches),
        "flush_cycles": result.flush_cycles,
        "op_stats": list(result.op_stats),
    }


def arch_info(result) -> dict:
    """The arch's name, its file, and each value (dotted path) that differs from the
    shipped arch of the same id (None for an id k1sim does not ship), so two runs on
    what-if YAMLs can be compared."""
    from k1sim.arch import ARCH_IDS, load_arch

    arch = result.used_arch()
    shipped_id = next((a for a in ARCH_IDS if a.lower() == arch.arch_id.lower()), None)
    differs = None
    if shipped_id is not None:
        this, shipped = _flat(arch.model_dump()), _flat(load_arch(shipped_id).model_dump())
        differs = {k: {"shipped": shipped.get(k), "this": this.get(k)}
                   for k in sorted(set(this) | set(shipped)) if this.get(k) != shipped.get(k)}
    return {"name": arch.name, "source": arch.source, "differs_from_shipped": differs}


def _flat(data, prefix: str = "") -> dict:
    if not isinstance(data, dict):
        return {prefix: list(data) if isinstance(data, tuple) else data}
    out = {}
    for key, value in data.items():
        out.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


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
