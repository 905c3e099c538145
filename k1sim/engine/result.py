"""``RunResult``: everything one simulated launch produced."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class RunResult:
    """The outcome of ``Simulator.execute``.

    Values: ``outputs`` maps every pointer argument's name to its array after
    the run (None in a timing-only run); ``expects`` holds one ``ExpectResult``
    per check.

    Time: ``cycles`` and ``seconds`` at ``freq_mhz``; ``ops`` counts arithmetic
    operations (a MAC is 2) by engine and dtype, as ``"ime:i8"``; ``peak_ops_per_s``
    gives the arch's peak for each of those keys on the threads used;
    ``unit_busy`` is busy cycles per thread and unit; ``wait_cycles`` the time
    each thread spent blocked on barriers; ``bytes_by_level`` the bytes served by
    each memory level; ``links`` each shared link's (L2 per cluster, DRAM,
    scratchpad ports) bytes, busy cycles and transfers (start, end, bytes,
    requesting core); ``overlap`` per thread the cycles its memory transfers took
    and how many of them its compute hid (``transfer_cycles``, ``hidden_cycles``);
    ``op_stats`` per-op rows keyed by source location (``cycles`` each op added to its
    thread's time, ``wait`` it spent waiting for operands, ``bound``);
    ``trace`` one (thread, unit, op, location, start, end) per executed op.
    ``arch_config`` is the ``Arch`` itself (``used_arch()``).
    ``op_counts`` counts executed ops by name (an ``scf.for`` counts once
    however many iterations it runs; the ops in its body count each time).
    """

    kernel: str
    arch: str
    grid: tuple
    threads: int
    cycles: int
    freq_mhz: float = 0.0
    outputs: dict = field(default_factory=dict)
    expects: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    op_counts: dict = field(default_factory=dict)
    timing_only: bool = False
    seed: int = 0
    ops: dict = field(default_factory=dict)
    peak_ops_per_s: dict = field(default_factory=dict)
    unit_busy: dict = field(default_factory=dict)
    wait_cycles: dict = field(default_factory=dict)
    bytes_by_level: dict = field(default_factory=dict)
    links: dict = field(default_factory=dict)
    overlap: dict = field(default_factory=dict)
    op_stats: list = field(default_factory=list)
    trace: list = field(default_factory=list)
    # The Arch itself, so reports of a what-if YAML that keeps a shipped id use its values.
    arch_config: object = field(default=None, repr=False, compare=False)

    @property
    def programs(self) -> int:
        return self.grid[0] * self.grid[1] * self.grid[2]

    @property
    def passed(self) -> bool:
        """Every expect passed (vacuously true when there are none)."""
        return all(e.passed for e in self.expects)

    def used_arch(self):
        """The ``Arch`` the run used, at its clock (loaded by id for a result built without
        one)."""
        if self.arch_config is not None:
            return self.arch_config
        from k1sim.arch import load_arch
        return load_arch(self.arch, self.freq_mhz or None)

    @property
    def seconds(self) -> float:
        return self.cycles / (self.freq_mhz * 1e6) if self.freq_mhz else 0.0

    def achieved_ops_per_s(self) -> dict:
        """Operations per second by engine and dtype over the whole run."""
        s = self.seconds
        return {k: n / s for k, n in self.ops.items()} if s else {}

    def pct_of_peak(self) -> dict:
        """Achieved share of the arch's peak, in percent, by engine and dtype."""
        got = self.achieved_ops_per_s()
        return {k: 100.0 * v / self.peak_ops_per_s[k] for k, v in got.items()
                if self.peak_ops_per_s.get(k)}

    def utilization(self) -> dict:
        """Busy share of each unit, over every thread and the whole run."""
        total = {}
        for units in self.unit_busy.values():
            for unit, busy in units.items():
                total[unit] = total.get(unit, 0.0) + busy
        span = self.cycles * max(1, len(self.unit_busy))
        return {u: b / span for u, b in total.items()} if span else {}

    def summary(self) -> str:
        """The text report ``k1sim run`` prints (``k1sim.report.summary``)."""
        from k1sim.report.summary import summary
        return summary(self)

    def to_json(self) -> str:
        """``to_dict()`` as JSON text with sorted keys (``docs/result.md``)."""
        from k1sim.report.tables import to_json
        return to_json(self)

    def to_dict(self) -> dict:
        """A JSON-safe summary; arrays appear as their shape and dtype, the trace is left out."""
        return {
            "kernel": self.kernel,
            "arch": self.arch,
            "grid": list(self.grid),
            "threads": self.threads,
            "programs": self.programs,
            "cycles": int(self.cycles),
            "freq_mhz": self.freq_mhz,
            "seconds": self.seconds,
            "timing_only": self.timing_only,
            "seed": self.seed,
            "outputs": {name: None if a is None else
                        {"shape": list(a.shape), "dtype": str(np.asarray(a).dtype)}
                        for name, a in self.outputs.items()},
            "expects": [e.to_dict() for e in self.expects],
            "warnings": list(self.warnings),
            "op_counts": dict(self.op_counts),
            "ops": dict(self.ops),
            "achieved_ops_per_s": self.achieved_ops_per_s(),
            "pct_of_peak": self.pct_of_peak(),
            "utilization": self.utilization(),
            "unit_busy": {str(t): dict(u) for t, u in self.unit_busy.items()},
            "wait_cycles": {str(t): c for t, c in self.wait_cycles.items()},
            "bytes_by_level": dict(self.bytes_by_level),
            "links": {name: {k: v for k, v in link.items() if k != "trace"}
                      for name, link in self.links.items()},
            "overlap": {str(t): dict(o) for t, o in self.overlap.items()},
            "op_stats": list(self.op_stats),
        }
