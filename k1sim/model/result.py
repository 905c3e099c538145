"""``ModelResult``: a model's per-layer table, totals and breakdowns, and its exports
(JSON contract, CSV, Perfetto trace). Charts are in ``charts.py``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

COLUMNS = ["name", "op", "kind", "shape", "kernel", "config", "cycles", "ms", "pct_of_peak",
           "bound", "macs", "mapped"]


@dataclass
class ModelResult:
    """``rows`` holds one dict per layer (COLUMNS, plus ``seconds``, ``engine``,
    ``threads_used``, ``ops``, ``dram_bytes``, ``l2_bytes``); ``distinct_kernels`` is the
    number of distinct kernel calls, ``simulations`` how many of them this run simulated
    (the rest came from the cache); ``tuning`` what GEMM tuning did for this run's arch:
    ``shapes`` tuned, config ``points`` looked at and how many were ``simulated`` (0 when
    the sweep cache, or an earlier run of the same arch, had them)."""

    model: str
    arch: str
    threads: int
    dtype: str
    freq_mhz: float
    rows: list
    distinct_kernels: int
    simulations: int
    warnings: list = field(default_factory=list)
    arch_config: object = field(default=None, repr=False)
    tuning: dict = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return float(sum(r["seconds"] for r in self.rows))

    @property
    def total_cycles(self) -> int:
        return int(sum(r["cycles"] for r in self.rows))

    @property
    def unmapped(self) -> list:
        return [r["name"] for r in self.rows if not r["mapped"]]

    @property
    def table(self):
        """The per-layer table as a pandas DataFrame."""
        import pandas as pd
        return pd.DataFrame([{c: r[c] for c in COLUMNS} for r in self.rows], columns=COLUMNS)

    def groups(self, by: str = "kind") -> list[tuple]:
        """(value of ``by``, seconds, share, layers) per ``kind`` or ``bound``, longest
        first (plain Python: the text report needs no pandas)."""
        seconds: dict = {}
        counts: dict = {}
        for r in self.rows:
            seconds[r[by]] = seconds.get(r[by], 0.0) + r["seconds"]
            counts[r[by]] = counts.get(r[by], 0) + 1
        total = self.total_seconds or 1.0
        order = sorted(seconds, key=lambda k: (-seconds[k], str(k)))
        return [(k, seconds[k], seconds[k] / total, counts[k]) for k in order]

    def breakdown(self, by: str = "kind"):
        """Time per ``kind`` (op kind) or ``bound``, longest first: ms and share."""
        import pandas as pd
        groups = self.groups(by)
        return pd.DataFrame({"ms": [g[1] * 1e3 for g in groups],
                             "share": [g[2] for g in groups],
                             "layers": [g[3] for g in groups]},
                            index=pd.Index([g[0] for g in groups], name=by))

    def dominant(self, by: str = "kind") -> str:
        return str(self.groups(by)[0][0])

    def to_dict(self) -> dict:
        return {"model": self.model, "arch": self.arch, "threads": self.threads,
                "dtype": self.dtype, "freq_mhz": self.freq_mhz,
                "total_seconds": self.total_seconds, "total_cycles": self.total_cycles,
                "distinct_kernels": self.distinct_kernels, "simulations": self.simulations,
                "unmapped": len(self.unmapped), "warnings": list(self.warnings),
                "tuning": dict(self.tuning),
                "by_kind": _shares(self.groups("kind")),
                "by_bound": _shares(self.groups("bound")),
                "layers": [{**{c: r[c] for c in COLUMNS}, "seconds": r["seconds"],
                            "engine": r["engine"], "threads_used": r["threads_used"]}
                           for r in self.rows]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_csv(self) -> str:
        return self.table.to_csv(index=False)

    def chrome_trace(self) -> dict:
        """A Chrome/Perfetto trace: one track per hardware thread, one slice per layer on
        each thread that ran it, layers back to back."""
        events = [{"ph": "M", "pid": 1, "name": "process_name",
                   "args": {"name": f"{self.model} on {self.arch} ({self.dtype})"}}]
        threads = sorted({t for r in self.rows for t in r["threads_used"]}, key=_thread_order)
        tid = {t: i for i, t in enumerate(threads)}
        events += [{"ph": "M", "pid": 1, "tid": i, "name": "thread_name",
                    "args": {"name": f"thread {t}"}} for t, i in tid.items()]
        start = 0.0
        for r in self.rows:
            dur = r["seconds"] * 1e6
            for t in r["threads_used"]:
                events.append({"ph": "X", "pid": 1, "tid": tid[t], "name": r["name"],
                               "cat": r["kind"], "ts": start, "dur": dur,
                               "args": {"op": r["op"], "kernel": r["kernel"],
                                        "config": r["config"], "cycles": r["cycles"],
                                        "bound": r["bound"], "macs": r["macs"]}})
            start += dur
        return {"traceEvents": events, "displayTimeUnit": "ns"}

    def summary(self) -> str:
        from k1sim.model.text import summary
        return summary(self)


def _thread_order(t: str):
    return (0, int(t)) if t.isdigit() else (1, t)


def _shares(groups) -> dict:
    return {str(k): {"ms": float(sec * 1e3), "share": float(share)}
            for k, sec, share, _ in groups}


__all__ = ["ModelResult", "COLUMNS"]
