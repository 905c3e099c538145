"""The memory hierarchy one K1/K3 SoC offers its cores, timed per block transfer.

Each core has an L1 D cache and, on A60/A100, a local scratchpad (TCM) behind its own
port. The cores of a cluster share an L2 and its bandwidth; every core of the SoC shares
the DRAM channel. A ``global`` access looks the block up in L1, then the cluster's L2,
then goes to DRAM, and fills L2 and L1 on the way back (writes allocate the same way:
the caches are write-back, and dirty evictions are not charged). A ``local`` buffer
lives in the scratchpad, or in the L2 share the runtime locks when there is none.
``fragment`` values are registers and cost nothing here.

One in-order core keeps only ``outstanding_misses`` lines in flight, so it cannot pull
more than ``misses * line / latency`` from DRAM: that cap, not the channel's peak,
bounds a single core; several cores together approach the peak.
"""

from __future__ import annotations

from collections.abc import Hashable

from k1sim.memory.link import FairShareLink
from k1sim.memory.lru import BlockLRU

LEVELS = ("L1", "L2", "DRAM", "scratchpad")


def dram_timing(arch) -> tuple[float, float, float]:
    """(latency cycles, channel bytes/cycle, one core's bytes/cycle) at the arch clock."""
    latency = arch.dram.latency_ns * arch.freq_mhz / 1000.0
    peak = arch.dram.bw_gb_per_s * 1e9 / (arch.freq_mhz * 1e6)
    core = min(peak, arch.outstanding_misses * arch.l1.line_bytes / latency)
    return latency, peak, core


class MemorySystem:
    """L1 per core, L2 + link per cluster, one DRAM link, scratchpad port per core."""

    def __init__(self, env, arch):
        self.env = env
        self.arch = arch
        cores = arch.clusters * arch.cores_per_cluster
        self.l1 = [BlockLRU(arch.l1.size_kib * 1024) for _ in range(cores)]
        self.l2 = [BlockLRU(arch.l2.size_kib_per_cluster * 1024) for _ in range(arch.clusters)]
        self.l2_links = [FairShareLink(env, arch.l2.bw_bytes_per_cycle_per_cluster, f"L2[{c}]")
                         for c in range(arch.clusters)]
        self.dram_latency_cycles, dram_peak, self.core_dram_bytes_per_cycle = dram_timing(arch)
        self.dram = FairShareLink(env, dram_peak, "DRAM")
        pad = arch.scratchpad
        self.scratchpads = ([FairShareLink(env, pad.bw_bytes_per_cycle, f"scratchpad[{c}]")
                             for c in range(cores)] if pad.size_kib > 0 else [])
        self.bytes_by_level = dict.fromkeys(LEVELS, 0)
        self._fills: dict[tuple, list] = {}   # (level, index, key) in flight -> waiters

    @property
    def links(self) -> list[FairShareLink]:
        return [*self.l2_links, self.dram, *self.scratchpads]

    def access(self, core: int, key: Hashable, nbytes: int, scope: str, write: bool = False):
        """Move ``nbytes`` of block ``key`` for ``core`` (``yield from``); returns the
        level that served it ("L1", "L2", "DRAM", "scratchpad" or "registers"; None for
        zero bytes, which touch nothing)."""
        if nbytes <= 0:
            return None
        if scope == "fragment":
            return "registers"
        if scope == "global":
            level = yield from self._global(core, key, nbytes)
        elif scope == "local":
            level = yield from self._local(core, nbytes)
        else:
            raise ValueError(f"memory scope must be global, local or fragment, got {scope!r}")
        self.bytes_by_level[level] += nbytes
        return level

    def _global(self, core, key, nbytes):
        cluster = core // self.arch.cores_per_cluster
        l1 = self.arch.l1
        if self.l1[core].access(key, nbytes):
            yield from self._await_fill(("L1", core, key))
            yield self.env.timeout(l1.latency_cycles + nbytes / l1.bw_bytes_per_cycle)
            return "L1"
        l1_fill = self._start_fill(("L1", core, key))
        if self.l2[cluster].access(key, nbytes):
            yield from self._await_fill(("L2", cluster, key))
            yield from self._port(self.arch.l2.latency_cycles, self.l2_links[cluster], nbytes, core)
            level = "L2"
        else:
            l2_fill = self._start_fill(("L2", cluster, key))
            yield from self._port(self.dram_latency_cycles, self.dram, nbytes, core,
                                  cap=self.core_dram_bytes_per_cycle)
            self._end_fill(("L2", cluster, key), l2_fill)
            level = "DRAM"
        self._end_fill(("L1", core, key), l1_fill)
        return level

    def _local(self, core, nbytes):
        if self.scratchpads:
            yield from self._port(self.arch.scratchpad.latency_cycles, self.scratchpads[core],
                                  nbytes, core)
            return "scratchpad"
        cluster = core // self.arch.cores_per_cluster
        yield from self._port(self.arch.l2.latency_cycles, self.l2_links[cluster], nbytes, core)
        return "L2"

    def _port(self, latency_cycles, link, nbytes, core, cap=None):
        """Pay the level's latency, then this core's share of its bandwidth."""
        if latency_cycles > 0:
            yield self.env.timeout(latency_cycles)
        yield from link.transfer(nbytes, cap=cap, owner=core)

    # A block already allocated in a cache but still arriving (another core's miss, or
    # this core's other thread) is a hit only once the fill lands: the request merges
    # with the miss in flight instead of overtaking it. Waiters cost an event each; an
    # uncontended fill costs none.
    def _start_fill(self, slot: tuple) -> list:
        waiters: list = []
        self._fills[slot] = waiters
        return waiters

    def _end_fill(self, slot: tuple, waiters: list) -> None:
        if self._fills.get(slot) is waiters:
            del self._fills[slot]
        for event in waiters:
            event.succeed()

    def _await_fill(self, slot: tuple):
        waiters = self._fills.get(slot)
        if waiters is not None:
            event = self.env.event()
            waiters.append(event)
            yield event

    def stats(self) -> dict:
        """Counters for RunResult: bytes per level, hits/misses per cache level, and
        bytes/busy cycles per link."""
        return {
            "bytes_by_level": dict(self.bytes_by_level),
            "hits": {"L1": sum(c.hits for c in self.l1), "L2": sum(c.hits for c in self.l2)},
            "misses": {"L1": sum(c.misses for c in self.l1), "L2": sum(c.misses for c in self.l2)},
            "links": {link.name: link.stats() for link in self.links},
        }
