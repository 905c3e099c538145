"""``RunResult``: everything one simulated launch produced, as plain typed data.

It imports no report code: ``k1sim.report`` reads a RunResult (``summary(result)``,
``to_json(result)``, ``to_dict(result)``), never the other way round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from k1sim.cost.work import EngineDtype

if TYPE_CHECKING:   # types only: a result holds these, it needs none of their code
    from k1sim.arch import Arch
    from k1sim.cores.stats import TraceEvent
    from k1sim.functional.expect import ExpectResult


@dataclass
class RunResult:
    """The outcome of ``Simulator.execute``.

    Values: ``outputs`` maps every pointer argument's name to its array after
    the run (None in a timing-only run); ``expects`` holds one ``ExpectResult``
    per check.

    Time: ``cycles`` and ``seconds`` at ``freq_mhz``; ``ops`` counts arithmetic
    operations (a MAC is 2) by :class:`EngineDtype` (``result.ops["ime", "i8"]``; it
    prints as ``ime:i8``); ``peak_ops_per_s`` gives the arch's peak for each of those
    keys on the threads used; ``unit_busy`` is busy cycles per thread and unit;
    ``wait_cycles`` the time each thread spent blocked on barriers; ``bytes_by_level``
    the bytes served by each memory level; ``links`` each shared link's (L2 per cluster,
    DRAM, scratchpad ports) bytes, busy cycles and transfers (start, end, bytes,
    requesting core); ``caches`` the memory system's counters (``MemorySystem.counters``:
    hits and misses per cache level in lines, bytes written back per level by eviction
    and by the end-of-kernel flush, read-for-ownership bytes, prefetched lines, write
    buffer stall cycles per core); ``flush_cycles`` how long that end-of-kernel flush
    took (part of ``cycles``); ``overlap`` per thread the cycles it had a memory
    transfer in flight and how many of them its compute hid (``transfer_cycles``,
    ``hidden_cycles``);
    ``op_stats`` per-op rows keyed by source location (``cycles`` each op added to its
    thread's time, ``wait`` it spent waiting for operands, ``bound``);
    ``trace`` one (thread, unit, op, location, start, end) per executed op (a sequence
    that makes each ``TraceEvent`` as it is read, ``k1sim.cores.stats.TraceEvents``).
    ``arch_config`` is the ``Arch`` itself (``used_arch()``).
    ``op_counts`` counts executed ops by name (an ``scf.for`` counts once
    however many iterations it runs; the ops in its body count each time).
    """

    kernel: str
    arch: str
    grid: tuple[int, int, int]
    threads: int
    cycles: int
    freq_mhz: float = 0.0
    outputs: dict[str, object] = field(default_factory=dict)     # name -> ndarray or None
    expects: list[ExpectResult] = field(default_factory=list)    # one per check
    warnings: list[str] = field(default_factory=list)
    op_counts: dict[str, int] = field(default_factory=dict)
    timing_only: bool = False
    seed: int = 0
    ops: dict[EngineDtype, int] = field(default_factory=dict)
    peak_ops_per_s: dict[EngineDtype, float] = field(default_factory=dict)
    unit_busy: dict[int, dict[str, float]] = field(default_factory=dict)
    wait_cycles: dict[int, float] = field(default_factory=dict)
    bytes_by_level: dict[str, int] = field(default_factory=dict)
    links: dict[str, dict] = field(default_factory=dict)
    overlap: dict[int, dict[str, float]] = field(default_factory=dict)
    caches: dict[str, object] = field(default_factory=dict)
    flush_cycles: float = 0.0
    op_stats: list[dict] = field(default_factory=list)
    trace: Sequence[TraceEvent] = field(default_factory=list)
    # The Arch itself, so reports of a what-if YAML that keeps a shipped id use its values.
    arch_config: Arch | None = field(default=None, repr=False, compare=False)

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

    def main_engine(self) -> EngineDtype | None:
        """The engine and dtype that did the most operations (ties: the first by name)."""
        if not self.ops:
            return None
        return min(self.ops, key=lambda k: (-self.ops[k], k))

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
