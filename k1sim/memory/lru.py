"""A cache modelled at block granularity with least-recently-used replacement.

The simulator never sees addresses per line: a load touches a block (a tile, a
block-pointer window), named by an opaque key. The cache remembers which blocks it
holds and their sizes; a block is a hit when it is still resident, so a B panel that
every M block re-reads hits as long as it and what came since fit the capacity.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable


class BlockLRU:
    """LRU set of blocks whose sizes sum to at most ``capacity_bytes``."""

    def __init__(self, capacity_bytes: int):
        if capacity_bytes < 0:
            raise ValueError(f"cache capacity must be >= 0, got {capacity_bytes}")
        self.capacity_bytes = capacity_bytes
        self.used_bytes = 0
        self.hits = 0
        self.misses = 0
        self._blocks: OrderedDict[Hashable, int] = OrderedDict()   # key -> bytes, LRU first

    def __contains__(self, key: Hashable) -> bool:
        """Resident? (a peek: neither counts nor changes the LRU order)"""
        return key in self._blocks

    def __len__(self) -> int:
        return len(self._blocks)

    def access(self, key: Hashable, nbytes: int) -> bool:
        """Touch a block: True on a hit (it becomes most recent); on a miss the block is
        inserted, evicting least-recent blocks until it fits. A block larger than the
        whole cache streams through it: it evicts everything and is not retained, as
        line-granular LRU would leave none of the earlier contents behind."""
        if key in self._blocks:
            self.hits += 1
            self._blocks.move_to_end(key)
            return True
        self.misses += 1
        if nbytes > self.capacity_bytes:
            self._blocks.clear()
            self.used_bytes = 0
            return False
        while self.used_bytes + nbytes > self.capacity_bytes:
            _, evicted = self._blocks.popitem(last=False)
            self.used_bytes -= evicted
        self._blocks[key] = nbytes
        self.used_bytes += nbytes
        return False
