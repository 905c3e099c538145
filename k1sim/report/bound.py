"""What bound a run: compute, L2, DRAM, scratchpad or sync, and the evidence for it.

The rule, from a ``RunResult`` alone:

1. *Thread time* is ``cycles`` times the threads that did anything (busy on a unit or
   waiting on a barrier); threads that never got a program are left out, so a small
   grid on a wide arch is judged by the threads that ran.
2. Three shares of that time compete:

   * **compute**: the busiest compute unit (vector, matrix or scalar) over the run;
   * **memory**: the time spent in ops whose transfers an L2, DRAM or scratchpad
     served (``op_stats`` rows by ``bound``). L1 hits and register values count as
     neither: they are part of running on the core;
   * **sync**: the time threads spent blocked on barriers (``wait_cycles``).

   The largest wins; ties go to compute, then memory, then sync.
3. A memory bound names its level: the one whose busiest shared link (``links``) was
   busy the largest fraction of the run. A load served by L2 while another core's
   DRAM miss for the same block is still arriving waits on DRAM, and the link's busy
   time says so where the op's own level would not. Without link data, the level that
   served the most op time is named.
4. A memory bound gives its reason, from that link: **bandwidth** when the link spent
   most of its busy time saturated (its transfers together used its whole bandwidth),
   **latency** when most of it every transfer ran below its share, at the rate its
   requester's misses in flight allow (``links.*.saturated_cycles``).

The evidence quotes the numbers behind the verdict: a unit's busy share, a link's busy
share and achieved against peak bandwidth, or the barrier-wait share.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MEMORY_LEVELS = ("L2", "DRAM", "scratchpad")
COMPUTE_UNITS = ("matrix", "vector", "scalar")


@dataclass(frozen=True)
class Bound:
    """``kind`` is ``compute``, ``DRAM``, ``L2``, ``scratchpad``, ``sync`` or ``none``
    (nothing ran); ``evidence`` one sentence with the numbers; ``shares`` the thread-time
    shares of ``compute``, ``memory`` (and of each level, ``memory:DRAM``...), ``sync``,
    and ``L1`` (ops served by L1: shown, but no bound of their own)."""

    kind: str
    evidence: str
    shares: dict = field(default_factory=dict)
    reason: str = ""      # a memory bound's: "latency" or "bandwidth"


def active_threads(result) -> list:
    """Threads that were busy on some unit or waited on a barrier, in thread order."""
    threads = set(result.wait_cycles)
    threads.update(t for t, units in result.unit_busy.items() if any(units.values()))
    return sorted(threads, key=str)


def unit_shares(result, threads=None) -> dict:
    """Busy share of each unit over ``threads`` (default: the active ones) and the run."""
    threads = active_threads(result) if threads is None else threads
    span = result.cycles * len(threads)
    totals: dict = {}
    for t in threads:
        for unit, busy in result.unit_busy.get(t, {}).items():
            totals[unit] = totals.get(unit, 0.0) + busy
    return {u: b / span for u, b in totals.items()} if span else {}


def matrix_engine(result) -> str:
    """The matrix unit's engine as ops name it (``ime`` or ``ame``), else ``matrix``."""
    for key in result.ops:
        if key.engine in ("ime", "ame"):
            return key.engine
    return "matrix"


def level_links(result, level: str) -> dict:
    """The shared links of a memory level: ``DRAM``, ``L2[0]``..., ``scratchpad[0]``..."""
    return {name: link for name, link in result.links.items()
            if name == level or name.startswith(level + "[")}


def link_report(result, level: str) -> dict | None:
    """A level's links together: bytes, achieved and peak GB/s (summed over its links),
    the busiest link's name and busy share of the run, and the share of its busy time it
    was saturated. None without links."""
    links = level_links(result, level)
    if not links or not result.cycles:
        return None
    busiest = max(links, key=lambda n: (links[n]["busy_cycles"], n))
    moved = sum(link["bytes"] for link in links.values())
    hz = result.freq_mhz * 1e6
    return {"bytes": moved, "links": len(links), "busiest": busiest,
            "busy": links[busiest]["busy_cycles"] / result.cycles,
            "saturated": (links[busiest].get("saturated_cycles", 0.0)
                          / links[busiest]["busy_cycles"] if links[busiest]["busy_cycles"]
                          else 0.0),
            "achieved_gb_per_s": moved / result.seconds / 1e9 if result.seconds else 0.0,
            "peak_gb_per_s": sum(link["bw_bytes_per_cycle"] for link in links.values())
            * hz / 1e9}


def classify(result) -> Bound:
    """The bound of a run, by the rule in this module's docstring."""
    threads = active_threads(result)
    span = result.cycles * len(threads)
    if not span:
        return Bound("none", "nothing ran: no thread was busy" if result.cycles
                     else "nothing ran: the run took 0 cycles")
    units = unit_shares(result, threads)
    level_time = dict.fromkeys((*MEMORY_LEVELS, "L1"), 0.0)
    for row in result.op_stats:
        if row["bound"] in level_time:
            level_time[row["bound"]] += row["cycles"] / span
    l1 = level_time.pop("L1")
    shares = {"compute": max((units.get(u, 0.0) for u in COMPUTE_UNITS), default=0.0),
              "memory": sum(level_time.values()),
              "sync": sum(result.wait_cycles.values()) / span,
              **{f"memory:{lv}": s for lv, s in level_time.items()}, "L1": l1}
    winner = max(("compute", "memory", "sync"), key=lambda k: shares[k])  # first max wins
    if winner == "compute":
        return Bound("compute", _compute_evidence(result, units, threads), shares)
    if winner == "sync":
        return Bound("sync", f"sync: threads spent {pct(shares['sync'])} of their time "
                     f"waiting on barriers{_on(result, threads)}", shares)
    level = _memory_level(result, level_time)
    evidence, reason = _memory_evidence(result, level, shares["memory"])
    return Bound(level, evidence, shares, reason)


def _memory_level(result, level_time: dict) -> str:
    busy = {lv: r["busy"] for lv in MEMORY_LEVELS if (r := link_report(result, lv))}
    if any(busy.values()):
        return max(MEMORY_LEVELS, key=lambda lv: (busy.get(lv, 0.0), level_time[lv]))
    return max(MEMORY_LEVELS, key=lambda lv: level_time[lv])


def _compute_evidence(result, units: dict, threads) -> str:
    engine = matrix_engine(result)
    matrix, vector = units.get("matrix", 0.0), units.get("vector", 0.0)
    busiest = max(COMPUTE_UNITS, key=lambda u: units.get(u, 0.0))
    on = _on(result, threads)
    if busiest == "scalar":
        return f"compute: scalar pipe busy {pct(units['scalar'])} of the time{on}"
    if engine == "ime" and busiest == "vector" and matrix > 0:
        # IME instructions run on the vector registers: the vector unit's busy time
        # includes them. Split it so the reader sees which engine the time went to.
        rvv = max(vector - matrix, 0.0)
        if rvv < 0.005:
            return f"compute: ime busy {pct(matrix)} of the time{on}"
        return (f"compute: vector unit busy {pct(vector)} of the time{on} "
                f"(rvv {pct(rvv)}, ime {pct(matrix)})")
    name = engine if busiest == "matrix" else "rvv"
    return f"compute: {name} busy {pct(units[busiest])} of the time{on}"


def _memory_evidence(result, level: str, memory_share: float) -> tuple[str, str]:
    r = link_report(result, level)
    tail = f"; memory ops took {pct(memory_share)} of thread time"
    if r is None:
        return f"{level}: no link data{tail}", ""
    what = "the channel" if level == "DRAM" else (
        r["busiest"] if r["links"] > 1 else f"the {level} port")
    reason = "bandwidth" if r["saturated"] >= 0.5 else "latency"   # most of its busy time
    saturated = (f"and saturated {pct(r['saturated'])} of that time" if reason == "bandwidth"
                 else f"but saturated only {pct(r['saturated'])} of that time (its transfers "
                      "ran at the rate their misses in flight allow)")
    return (f"{level}: {reason}, {what} busy {pct(r['busy'])} of the run {saturated}, "
            f"{r['achieved_gb_per_s']:.3g} of {r['peak_gb_per_s']:.4g} GB/s{tail}"), reason


def _on(result, threads) -> str:
    total = len(result.unit_busy) or result.threads
    return f" on the {len(threads)} threads that ran" if len(threads) < total else ""


def pct(share: float) -> str:
    """0.912 -> '91%', 0.087 -> '8.7%'."""
    return f"{100 * share:.0f}%" if share >= 0.1 else f"{100 * share:.1f}%"
