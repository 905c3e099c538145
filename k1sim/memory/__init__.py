"""Timing model of the memory hierarchy: block-granular LRU caches, fair-share
bandwidth links and the per-SoC memory system (L1, L2 per cluster, scratchpad, DRAM)."""

from k1sim.memory.link import FairShareLink
from k1sim.memory.lru import BlockLRU
from k1sim.memory.system import LEVELS, MemorySystem, dram_timing
from k1sim.memory.trace_log import TRACE_LIMIT, TraceLog

__all__ = ["LEVELS", "BlockLRU", "FairShareLink", "MemorySystem", "dram_timing", "TRACE_LIMIT",
           "TraceLog"]
