"""The timeline of a run as Chrome trace-event JSON, for Perfetto and chrome://tracing.

Layout (``docs/trace.md`` has more):

* one process per cluster (``pid`` = cluster index, named ``cluster N``), with one thread
  track per hardware thread (``tid`` = thread index, named ``thread N (core N)``: the
  simulator runs one hardware thread per core, thread ``N`` on core ``N``); a pipelined core
  runs several ops at once, so a thread spreads over more lanes when they overlap
  (``thread N (core N) (2)``...);
* each op a complete slice (``"ph": "X"``) named ``op @ file:line:col``, category its unit,
  args its engine, bound, shapes, bytes, ops and MACs and its exact cycles; each barrier
  wait a slice ``wait op @ file:line:col`` of category ``sync``;
* one more process, ``shared memory`` (``pid`` = the arch's cluster count), with a track
  per link (``L2[c]``, ``DRAM``, ``scratchpad[c]``) whose slices are the transfers, named
  by the core that asked. A shared link moves several transfers at once, and a track's
  slices must not overlap, so a busy link spreads over lanes: ``DRAM``, ``DRAM (2)``...;
* counter tracks ``L2[c] bandwidth`` and ``DRAM bandwidth`` in GB/s.

Time is the arch clock's: ``ts`` and ``dur`` are microseconds (cycles / ``freq_mhz``), so
Perfetto shows real time. They are rounded to whole nanoseconds, the resolution Perfetto
keeps; every start and end is rounded on its own, so back-to-back slices still touch and
never overlap. The exact cycles are in each slice's args.

A link's bandwidth counter is its aggregate rate as the link recorded it
(``links.*.rates``: the rate at each change); for a result without that record, the rate
under the link model (``k1sim.memory.link``): a fair-share link runs at full bandwidth while any uncapped
transfer is in flight; a DRAM transfer is capped by its core's miss-level parallelism
(``Arch.core_dram_bytes_per_cycle``), so DRAM runs at ``min(peak, cores in flight x cap)``.
Its integral over the run is the bytes the link moved. (Summing each transfer's average
rate would not do: a transfer that ran alone, then shared, averages more than its share
while it shares, and the sum exceeds the link's bandwidth.)
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from k1sim.errors import K1SimError

MAC_OPS = frozenset({"xsmt.mmt4d", "tt.dot"})   # ops whose arithmetic is multiply-accumulates
COUNTER_LINKS = ("L2", "DRAM")                   # links with a bandwidth counter
LANE_TIDS = 1_000_000                            # tids of a thread's extra lanes start here


def chrome_trace(result, arch=None) -> dict:
    """The run's timeline as a Chrome trace-event dict (``traceEvents``, ``displayTimeUnit``,
    ``otherData``). ``arch`` (default: loaded from ``result.arch`` at the run's clock) maps
    threads to clusters and gives the DRAM cap per core; the same result and arch always
    give the same dict."""
    if not result.freq_mhz:
        raise K1SimError("chrome_trace: the result has no clock (freq_mhz); "
                         "it did not come from a timed run")
    arch = arch if arch is not None else _arch_for(result)
    clock = _Clock(result.freq_mhz)
    per_cluster = arch.cores_per_cluster
    threads = sorted({e[0] for e in result.trace} | set(result.unit_busy))
    clusters = sorted({t // per_cluster for t in threads})
    shared = arch.clusters
    events = []
    for c in clusters:
        events += _process(c, f"cluster {c}", c)
    for t in threads:
        events += _thread(t // per_cluster, t, f"thread {t} (core {t})", t)
    events += _thread_slices(result.trace, per_cluster, clock)
    events += _process(shared, "shared memory", shared)
    first_tid = 1000 * (max(threads, default=0) // 1000 + 1)
    events += _links(result.links, shared, first_tid, clock)
    events += _counters(result, arch, shared, clock)
    return {"traceEvents": events, "displayTimeUnit": "ns",
            "otherData": {"kernel": result.kernel, "arch": result.arch,
                          "freq_mhz": result.freq_mhz, "cycles": result.cycles,
                          "grid": list(result.grid), "threads": result.threads}}


def write_chrome_trace(result, path, arch=None) -> Path:
    """Write ``chrome_trace(result, arch)`` to ``path`` as compact JSON; returns the path."""
    path = Path(path)
    text = json.dumps(chrome_trace(result, arch), separators=(",", ":"), allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


class _Clock:
    """Cycles to trace time: whole nanoseconds, written as microseconds."""

    def __init__(self, freq_mhz: float):
        self.ns_per_cycle = 1000.0 / freq_mhz
        self.freq_mhz = freq_mhz

    def ns(self, cycles: float) -> int:
        return round(cycles * self.ns_per_cycle)

    def span(self, start: float, end: float) -> dict:
        """``ts`` and ``dur`` of [start, end) cycles, each end rounded on its own."""
        t0, t1 = self.ns(start), self.ns(end)
        return {"ts": t0 / 1000, "dur": (t1 - t0) / 1000}

    def gb_per_s(self, bytes_per_cycle: float) -> float:
        return bytes_per_cycle * self.freq_mhz / 1000.0


def _arch_for(result):
    try:
        return result.used_arch()
    except K1SimError as e:
        raise K1SimError(f"chrome_trace: cannot load the arch {result.arch!r} of this run "
                         f"({e}); pass the Arch the run used as arch=") from None


def _process(pid: int, name: str, order: int) -> list:
    return [{"ph": "M", "name": "process_name", "pid": pid, "args": {"name": name}},
            {"ph": "M", "name": "process_sort_index", "pid": pid, "args": {"sort_index": order}}]


def _thread(pid: int, tid: int, name: str, order: int) -> list:
    return [{"ph": "M", "name": "thread_name", "pid": pid, "tid": tid, "args": {"name": name}},
            {"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid,
             "args": {"sort_index": order}}]


def _thread_slices(trace, per_cluster: int, clock: _Clock) -> list:
    """Each thread's ops and waits. A pipelined core runs ops at once (a load beside an
    mmt4d, loop control beside both), and a track's slices must not overlap, so a thread
    spreads over lanes: ``thread T (core T)``, then ``thread T (core T) (2)``..."""
    events, lanes = [], {}
    for entry in sorted(trace, key=lambda e: (e[0], e[4], e[5])):
        thread, pid = entry[0], entry[0] // per_cluster
        ends = lanes.setdefault(thread, [])
        t0 = clock.ns(entry[4])
        lane = next((i for i, last in enumerate(ends) if last <= t0), len(ends))
        if lane == len(ends):
            ends.append(0)
            if lane:
                events += _thread(pid, _lane_tid(thread, lane),
                                  f"thread {thread} (core {thread}) ({lane + 1})",
                                  _lane_tid(thread, lane))
        ends[lane] = max(clock.ns(entry[5]), t0)
        events.append(_slice(entry, pid, _lane_tid(thread, lane), clock))
    return events


def _lane_tid(thread: int, lane: int) -> int:
    return thread if lane == 0 else LANE_TIDS + thread * 100 + lane


def _slice(entry, pid: int, tid: int, clock: _Clock) -> dict:
    """An op's or a barrier wait's complete event."""
    thread, unit, op, where, start, end = entry
    args = {"op": op, "where": where, "unit": unit}
    extra = getattr(entry, "args", None) or {}
    for key in ("engine", "bound", "shapes", "bytes", "reg_bytes"):
        if key in extra:
            args[key] = extra[key]
    ops = extra.get("ops")
    if ops:
        args["ops"] = dict(sorted(ops.items()))
        if op in MAC_OPS:
            args["MACs"] = sum(ops.values()) // 2
    args["start_cycle"] = start
    args["cycles"] = end - start
    name = f"wait {op} @ {where}" if unit == "sync" else f"{op} @ {where}"
    return {"ph": "X", "name": name, "cat": unit, "pid": pid, "tid": tid,
            **clock.span(start, end), "args": args}


def _links(links: dict, pid: int, first_tid: int, clock: _Clock) -> list:
    """Each link's transfers as slices, on as many lanes (tracks) as overlap needs."""
    events, tid = [], first_tid
    for name, link in links.items():
        transfers = sorted(link["trace"], key=lambda x: (x[0], x[1]))
        lane_ends: list[int] = []          # each lane's last end, in ns
        slices = []
        for start, end, nbytes, owner in transfers:
            t0 = clock.ns(start)
            lane = next((i for i, last in enumerate(lane_ends) if last <= t0), len(lane_ends))
            if lane == len(lane_ends):
                lane_ends.append(0)
            lane_ends[lane] = clock.ns(end)
            cycles = end - start
            slices.append({"ph": "X", "name": f"core {owner}", "cat": "transfer",
                           "pid": pid, "tid": tid + lane, **clock.span(start, end),
                           "args": {"link": name, "core": owner, "bytes": nbytes,
                                    "start_cycle": start, "cycles": cycles,
                                    "avg_gb_per_s": clock.gb_per_s(nbytes / cycles)
                                    if cycles > 0 else 0.0}})
        for lane in range(len(lane_ends)):
            label = name if lane == 0 else f"{name} ({lane + 1})"
            events += _thread(pid, tid + lane, label, tid + lane)
        events += slices
        tid += len(lane_ends)
    return events


def _counters(result, arch, pid: int, clock: _Clock) -> list:
    """``<link> bandwidth`` counters (GB/s) of the L2 and DRAM links."""
    events = []
    for name, link in result.links.items():
        if not name.startswith(COUNTER_LINKS):
            continue
        if "rates" in link:   # the link's own record of its aggregate rate
            points = [(0.0, 0.0)] + [tuple(p) for p in link["rates"]]
        else:
            cap = arch.core_dram_bytes_per_cycle if name == "DRAM" else None
            points = [(0.0, 0.0)] + link_rates(link["trace"], link["bw_bytes_per_cycle"], cap)
        points.append((max(result.cycles, points[-1][0]), 0.0))
        samples: dict[int, float] = {}      # ns -> GB/s; the last change in a ns wins
        for cycle, rate in points:
            samples[clock.ns(cycle)] = clock.gb_per_s(rate)
        last = None
        for ns, value in samples.items():
            if value != last:
                events.append({"ph": "C", "name": f"{name} bandwidth", "pid": pid,
                               "ts": ns / 1000, "args": {"GB/s": value}})
                last = value
    return events


def link_rates(transfers, bw_bytes_per_cycle: float, cap: float | None) -> list:
    """``(cycle, bytes per cycle)`` at each change of a link's aggregate rate, from its
    transfers ``(start, end, nbytes, owner)``: the full bandwidth while any uncapped
    transfer is in flight, else ``min(bandwidth, owners in flight x cap)``."""
    edges = sorted([(s, 1, o) for s, e, _, o in transfers if e > s]
                   + [(e, -1, o) for s, e, _, o in transfers if e > s],
                   key=lambda x: (x[0], x[1]))
    active = Counter()
    points: list[tuple[float, float]] = []
    i = 0
    while i < len(edges):
        now = edges[i][0]
        while i < len(edges) and edges[i][0] == now:
            active[edges[i][2]] += edges[i][1]
            i += 1
        owners = sum(1 for n in active.values() if n > 0)
        if not owners:
            rate = 0.0
        elif cap is None:
            rate = bw_bytes_per_cycle
        else:
            rate = min(bw_bytes_per_cycle, owners * cap)
        if not points or points[-1][1] != rate:
            points.append((now, rate))
    return points
