"""Timing model of the memory hierarchy: line-set caches with write-back, write buffers,
stream prefetchers, fair-share bandwidth links and the per-SoC memory system (L1, L2 per
cluster, scratchpad, DRAM). ``MemorySystem.load`` / ``store`` / ``flush`` take an
``Access`` and return SimPy events; see ``k1sim.memory.system`` for the contract."""

from k1sim.memory.access import Access, Footprint
from k1sim.memory.cache import LineCache
from k1sim.memory.link import FairShareLink
from k1sim.memory.system import LEVELS, MemorySystem, dram_timing
from k1sim.memory.trace_log import TRACE_LIMIT, TraceLog

__all__ = ["LEVELS", "TRACE_LIMIT", "Access", "FairShareLink", "Footprint",
           "LineCache", "MemorySystem", "TraceLog", "dram_timing"]
