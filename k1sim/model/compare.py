"""Several runs of one model side by side: archs and thread counts in one table."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ModelComparison:
    """``results``: one ModelResult per (arch, threads); ``notes``: thread counts left out
    on an arch with fewer cores."""

    results: list
    notes: list = field(default_factory=list)

    @property
    def table(self):
        """One row per (arch, threads): total ms, cycles, speedup over the first run of the
        same arch, what dominates (op kind and bound), distinct kernels."""
        import pandas as pd
        first = {}
        rows = []
        for r in self.results:
            base = first.setdefault(r.arch, r.total_seconds)
            rows.append({"arch": r.arch, "threads": r.threads, "dtype": r.dtype,
                         "total_ms": r.total_seconds * 1e3, "cycles": r.total_cycles,
                         "speedup": base / r.total_seconds if r.total_seconds else 0.0,
                         "top_kind": r.dominant("kind"), "top_bound": r.dominant("bound"),
                         "distinct_kernels": r.distinct_kernels})
        return pd.DataFrame(rows)

    @property
    def simulations(self) -> int:
        return sum(r.simulations for r in self.results)

    def to_dict(self) -> dict:
        return {"runs": [r.to_dict() for r in self.results], "notes": list(self.notes)}


__all__ = ["ModelComparison"]
