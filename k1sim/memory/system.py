"""The memory hierarchy one K1/K3 SoC offers its cores, timed per transfer.

Each core has an L1 D cache, a write buffer, a stream prefetcher and, on A60/A100, a
local scratchpad (TCM) behind its own port. The cores of a cluster share an L2 and its
bandwidth; every core of the SoC shares the DRAM channel. ``fragment`` values are
registers and cost nothing here. A ``local`` buffer lives in the scratchpad, or in the
L2 share the runtime locks when there is none.

The API a core uses (each call returns a SimPy event; nothing blocks the caller):

* ``load(core, access) -> Event`` fires when the data of ``access`` (an ``Access``:
  allocation, scope, base / shape / strides) have arrived. The load looks its lines up
  in L1, the misses in the cluster's L2, the rest in DRAM, all at once: the request
  pays each level's latency once, overlapped with its bandwidth (``max(latency, bytes
  / share)``, never their sum), and independent loads in flight overlap, their DRAM
  misses sharing the core's ``outstanding_misses`` lines in flight (Little's law: at
  most ``misses * line / latency`` bytes per cycle). A consumer that waits for the
  event, then issues the next load, pays the latency once per link of its chain.
* ``store(core, access) -> Event`` fires when the write buffer accepts the store;
  the buffer drains into L1 behind the thread (``k1sim.memory.write_buffer``).
  Write-allocate per the arch's ``write_buffer`` policy: a store miss reads the line
  first (read-for-ownership) unless the store covers it whole and the core skips RFO
  for full lines. Written lines are dirty.
* ``flush(*cores) -> Event``: at the end of a kernel, drain the cores' write buffers,
  then write the dirty lines of their L1s into their clusters' L2 and the L2s' to DRAM,
  streaming (both links at once).
* ``counters()``: hits and misses per cache level (lines), bytes written back per
  level (evictions and the end flush apart), RFO bytes, prefetched lines and write
  buffer stalls, for RunResult.

Caches hold line sets (``k1sim.memory.cache``): overlapping windows share lines,
strided and column windows touch the lines they really touch, a transfer larger than
a cache streams through it. A dirty line evicted from L1 is written to L2, one evicted
from L2 to DRAM, as part of the access that evicted it (a small victim buffer).
"""

from __future__ import annotations

from k1sim.memory.access import Access
from k1sim.memory.cache import LineCache, unique_victims
from k1sim.memory.events import Arrival, Join, join
from k1sim.memory.lines import RectIndex, overlap
from k1sim.memory.lines import size as size_of
from k1sim.memory.link import FairShareLink
from k1sim.memory.prefetch import StreamPrefetcher
from k1sim.memory.write_buffer import WriteBuffer

LEVELS = ("L1", "L2", "DRAM", "scratchpad")
_SERVED = ("DRAM", "L2", "scratchpad")        # deepest first, then L1


def dram_timing(arch) -> tuple[float, float, float]:
    """(latency cycles, channel bytes/cycle, one core's bytes/cycle) at the arch clock."""
    latency = arch.dram.latency_ns * arch.freq_mhz / 1000.0
    peak = arch.dram.bw_gb_per_s * 1e9 / (arch.freq_mhz * 1e6)
    core = min(peak, arch.outstanding_misses * arch.l1.line_bytes / latency)
    return latency, peak, core


class MemorySystem:
    """L1, write buffer and prefetcher per core; L2 + link per cluster; one DRAM link;
    a scratchpad port per core."""

    def __init__(self, env, arch):
        self.env = env
        self.arch = arch
        cores = arch.clusters * arch.cores_per_cluster
        self.l2_links = [FairShareLink(env, arch.l2.bw_bytes_per_cycle_per_cluster, f"L2[{c}]")
                         for c in range(arch.clusters)]
        self.dram_latency_cycles, dram_peak, self.core_dram_bytes_per_cycle = dram_timing(arch)
        self.dram = FairShareLink(env, dram_peak, "DRAM")
        pad = arch.scratchpad
        self.scratchpads = ([FairShareLink(env, pad.bw_bytes_per_cycle, f"scratchpad[{c}]")
                             for c in range(cores)] if pad.size_kib > 0 else [])
        self.bytes_by_level = dict.fromkeys(LEVELS, 0)
        line = self.line_bytes = arch.l1.line_bytes
        self.l1_lines = [LineCache(arch.l1.size_kib * 1024 // line) for _ in range(cores)]
        self.l2_lines = [LineCache(arch.l2.size_kib_per_cluster * 1024 // line)
                         for _ in range(arch.clusters)]
        wb, pf = arch.write_buffer, arch.prefetcher
        self.write_buffers = [WriteBuffer(self.env, wb.entries, line, wb.drain_bytes_per_cycle)
                              for _ in range(cores)]
        self.prefetchers = [StreamPrefetcher(pf.degree_lines, pf.distance_lines,
                                             pf.train_misses, pf.streams) for _ in range(cores)]
        self.stream_dram_bytes_per_cycle = min(
            self.dram.bytes_per_cycle,
            (arch.outstanding_misses + pf.degree_lines) * line / self.dram_latency_cycles)
        self.hits = {"L1": 0, "L2": 0}
        self.misses = {"L1": 0, "L2": 0}
        self.written_back = {"L2": 0, "DRAM": 0}     # dirty evictions
        self.flushed = {"L2": 0, "DRAM": 0}          # the end-of-kernel flush
        self.rfo_bytes = 0
        self._inflight: dict[tuple, list] = {}       # (cluster, alloc) -> [(rects, event)]
        self._started: list[FairShareLink] = []      # links a request added transfers to
        # What every transfer reads of the arch, looked up once.
        self._per_cluster = arch.cores_per_cluster
        self._l1_latency, self._l1_bw = arch.l1.latency_cycles, arch.l1.bw_bytes_per_cycle
        self._l2_latency = arch.l2.latency_cycles

    @property
    def links(self) -> list[FairShareLink]:
        return [*self.l2_links, self.dram, *self.scratchpads]

    # -- the API (see the module docstring) ----------------------------------------

    def load(self, core: int, access: Access):
        """The event of ``access``'s data arriving at ``core``."""
        if access.scope == "fragment" or access.nbytes <= 0:
            return self.env.timeout(0)
        arrived = (self._local_event(core, access.nbytes) if access.scope == "local"
                   else self._load(core, access))
        self._settle()
        return arrived

    def loads(self, core: int, accesses) -> tuple[list, str]:
        """``load`` of each of ``accesses``, and the deepest level that served them: the
        deepest whose bytes grew (a write-back a load causes counts), L1 if none did."""
        moved = self.bytes_by_level
        before = moved["DRAM"], moved["L2"], moved["scratchpad"]
        events = []
        for access in accesses:                  # a loop: a comprehension costs a frame
            events.append(self.load(core, access))
        for level, was in zip(_SERVED, before):
            if moved[level] > was:
                return events, level
        return events, "L1"

    def store(self, core: int, access: Access):
        """The event of ``access``'s store being accepted by ``core``'s write buffer."""
        if access.scope == "fragment" or access.nbytes <= 0:
            return self.env.timeout(0)
        if access.scope == "local":
            accepted = self._local_event(core, access.nbytes)
            self._settle()
            return accepted
        return self.write_buffers[core].store(access.nbytes,
                                              lambda: self._drain(core, access))

    def flush(self, *cores: int):
        """The event of ``cores``' write buffers drained and their dirty lines written
        back to DRAM (through their clusters' L2)."""
        return self.env.process(self._flush(cores))

    def counters(self) -> dict:
        """What RunResult reports of the caches: hits and misses per level (lines),
        bytes written back per level, by eviction and by the end flush, RFO bytes,
        lines served by trained prefetch streams, write-buffer stall cycles per core."""
        return {"hits": dict(self.hits), "misses": dict(self.misses),
                "written_back": dict(self.written_back), "flushed": dict(self.flushed),
                "rfo_bytes": self.rfo_bytes,
                "prefetched_lines": sum(p.lines for p in self.prefetchers),
                "write_buffer_stall_cycles": [wb.stall_cycles for wb in self.write_buffers]}

    def _load(self, core, access):
        fp = access.footprint(self.line_bytes)
        lines = fp.lines
        hits, missed, victims = self.l1_lines[core].touch(access.alloc, fp.rects, False, lines)
        self.hits["L1"] += hits
        self.misses["L1"] += lines - hits
        self.bytes_by_level["L1"] += hits * self.line_bytes
        port = max(self._l1_latency, access.nbytes / self._l1_bw)
        waits, soonest = (self._fetch(core, access.alloc, fp, lines - hits, missed)
                          if lines > hits else ([], 0.0))
        if victims:
            waits += self._write_back(core, victims)
        # The L1 port's time is a wait of its own only if no fetch surely lands after it
        # (by a margin far above float rounding): a join's event that is never its last
        # does not move the step it fires in, so it need not exist.
        if soonest > port * (1 + 1e-6):
            return Join(self.env, waits)
        return join(self.env, [self.env.timeout(port), *waits])

    def _drain(self, core, access):
        """A store's work after the write buffer (allocate with RFO, or write through
        to L2): the events it waits for."""
        waits = self._store_work(core, access)
        self._settle()
        return waits

    def _store_work(self, core, access):
        fp, policy = access.footprint(self.line_bytes), self.arch.write_buffer
        l1 = self.l1_lines[core]
        if not policy.write_allocate and l1.resident(access.alloc, fp.rects) < fp.lines:
            self.misses["L1"] += fp.lines            # a miss goes to L2 without allocating
            through = [(access.alloc, r, size_of(r)) for r in fp.rects]
            return self._write_back(core, through)
        hits, missed, victims = l1.touch(access.alloc, fp.rects, True, fp.lines)
        misses = fp.lines - hits
        self.hits["L1"] += hits
        self.misses["L1"] += misses
        rfo = min(misses, fp.partial_lines) if policy.full_line_writes_skip_rfo else misses
        waits = []
        if rfo:
            self.rfo_bytes += rfo * self.line_bytes
            waits += self._fetch(core, access.alloc, fp, rfo, missed)[0]
        if victims:
            waits += self._write_back(core, victims)
        return waits

    def _fetch(self, core, alloc, fp, lines, missed) -> tuple[list, float]:
        """Bring ``lines`` of ``fp`` that missed L1 (among the rects ``missed``) from the
        cluster's L2 or DRAM: the events of their arrival, and the cycles from now before
        which the last of them cannot land (its latency, or its bytes at the link's whole
        bandwidth or the cap, whichever binds)."""
        cluster = core // self._per_cluster
        held, _, victims = self.l2_lines[cluster].touch(alloc, missed, False,
                                                        fp.lines if missed is fp.rects else None)
        from_l2 = min(lines, held)
        from_dram = lines - from_l2
        self.hits["L2"] += from_l2
        self.misses["L2"] += from_dram
        line = self.line_bytes
        waits, soonest = [], 0.0
        if from_l2:
            self.bytes_by_level["L2"] += from_l2 * line
            link = self.l2_links[cluster]
            port = (self._l2_latency, link, from_l2 * line, core)
            arriving = self._arriving(cluster, alloc, fp)
            waits.append(self.env.process(self._after(arriving, port)) if arriving
                         else self._port_event(*port))
            soonest = max(port[0], port[2] / link.bytes_per_cycle)
        if from_dram:
            self.bytes_by_level["DRAM"] += from_dram * line
            streamed = self.prefetchers[core].observe(alloc, fp)
            cap = (self.stream_dram_bytes_per_cycle if streamed
                   else self.core_dram_bytes_per_cycle)
            latency = 0 if streamed else self.dram_latency_cycles
            done = self._port_event(latency, self.dram, from_dram * line, core, cap)
            self._track(cluster, alloc, fp, done)
            waits.append(done)
            soonest = max(soonest, latency,
                          from_dram * line / min(cap, self.dram.bytes_per_cycle))
        if victims:
            waits.append(self._write_back_dram(core, victims, self.written_back))
        return waits, soonest

    def _local_event(self, core, nbytes):
        """A ``local`` buffer: the core's scratchpad port, else its cluster's L2 link."""
        if self.scratchpads:
            self.bytes_by_level["scratchpad"] += nbytes
            return self._port_event(self.arch.scratchpad.latency_cycles,
                                    self.scratchpads[core], nbytes, core)
        self.bytes_by_level["L2"] += nbytes
        cluster = core // self._per_cluster
        return self._port_event(self._l2_latency, self.l2_links[cluster], nbytes,
                                core)

    def _port_event(self, latency, link, nbytes, core, cap=None):
        """The arrival of ``nbytes`` over ``link``: its latency overlaps the transfer."""
        moved = self._start(link, nbytes, core, cap)
        if not latency:
            return moved
        arrived = Arrival(self.env, self.env.now + latency)
        moved.callbacks.append(arrived.moved)
        return arrived

    def _after(self, first, port):
        yield Join(self.env, first)
        arrived = self._port_event(*port)
        self._settle()
        yield arrived

    # One request's transfers start at one instant: each link shares its bandwidth out
    # once they all have (``FairShareLink.add``), in the order of their last transfer, so
    # the wake-ups are armed in the order starting them one by one leaves in force.
    def _start(self, link, nbytes, core, cap=None):
        started = self._started
        if link in started:
            started.remove(link)
        started.append(link)
        return link.add(nbytes, cap, core)

    def _settle(self) -> None:
        for link in self._started:
            link.settle()
        self._started.clear()

    # A line still arriving from DRAM (another core's miss) is in L2 only once the fill
    # lands: a request for it waits for that fill instead of overtaking it.
    def _track(self, cluster, alloc, fp, done) -> None:
        fills = self._inflight.setdefault((cluster, alloc), [])
        fill = _Fill(fp, done, fills)
        fills.append(fill)
        done.callbacks.append(fill.landed)

    def _arriving(self, cluster, alloc, fp) -> list:
        return [fill.done for fill in self._inflight.get((cluster, alloc), ()) if fill.meets(fp)]

    def _write_back(self, core, victims, into=None) -> list:
        """Dirty lines leaving L1, written into the cluster's L2 (which may evict its
        own dirty lines to DRAM meanwhile): the events of both writes."""
        into = self.written_back if into is None else into
        cluster = core // self._per_cluster
        nbytes = sum(v[2] for v in victims) * self.line_bytes
        into["L2"] += nbytes
        self.bytes_by_level["L2"] += nbytes
        l2 = self.l2_lines[cluster]
        spilled = [v for alloc, rect, dirty in victims for v in l2.absorb(alloc, rect, dirty)]
        events = [self._start(self.l2_links[cluster], nbytes, core)]
        if spilled:
            events.append(self._write_back_dram(core, spilled, self.written_back))
        return events

    def _write_back_dram(self, core, victims, into):
        nbytes = sum(v[2] for v in victims) * self.line_bytes
        into["DRAM"] += nbytes
        self.bytes_by_level["DRAM"] += nbytes
        return self._start(self.dram, nbytes, core)

    # The flush streams: a line leaves for DRAM as soon as it reaches L2, so the L1 -> L2
    # and L2 -> DRAM writes run together and the flush takes the slower of the two. Every
    # flushed L1 reaches its L2 before the L2s are taken: a line two cores hold dirty (their
    # stores shared it; no coherence is modelled) goes to DRAM once, even from two clusters.
    def _flush(self, cores):
        yield Join(self.env, [self.write_buffers[core].idle() for core in cores])
        writes, clusters = [], {}
        for core in cores:
            dirty = self.l1_lines[core].take_dirty()
            if dirty:
                writes += self._write_back(core, dirty, self.flushed)
            clusters.setdefault(core // self._per_cluster, core)
        dirty = unique_victims(self.l2_lines[cluster].take_dirty() for cluster in clusters)
        for core, victims in zip(clusters.values(), dirty):
            if victims:
                writes.append(self._write_back_dram(core, victims, self.flushed))
        self._settle()
        if writes:
            yield Join(self.env, writes)


class _Fill:
    """A DRAM fill on its way into a cluster's L2: the footprint it brings, and an index
    of its rects built the first time a request's lines come within its span."""

    __slots__ = ("fp", "done", "_fills", "_index")

    def __init__(self, fp, done, fills: list):
        self.fp = fp
        self.done = done
        self._fills = fills
        self._index = None

    def meets(self, fp) -> bool:
        """Does ``fp`` share a line with this fill?"""
        mine = self.fp
        if fp.last_line <= mine.first_line or mine.last_line <= fp.first_line:
            return False
        index, held = self._index, mine.rects
        if index is None:
            index = self._index = RectIndex.of(held)
        return any(overlap(x, held[n]) for x in fp.rects for n in index.meeting(x))

    def landed(self, _event) -> None:
        self._fills.remove(self)
