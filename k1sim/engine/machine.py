"""The machine facts the engine needs before the arch files exist: cores, clusters,
local memory capacities and the vector register file.

Every number is from ``spec/HARDWARE.md`` (row named in the comment) except
0xF000's, which nobody publishes and are assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

from k1sim.errors import K1SimError


@dataclass(frozen=True)
class Machine:
    arch_id: str
    core: str
    cores: int              # "cores" row
    cores_per_cluster: int  # "cores" row (2 x 4 clusters)
    l2_kib_per_cluster: int  # "L2" row
    scratchpad_kib_per_core: int  # "local scratchpad" row; 0 = none
    vlen_bits: int          # "RVV VLEN" row

    @property
    def register_file_bytes(self) -> int:
        """32 vector registers of VLEN bits: where ``fragment`` allocations live."""
        return 32 * self.vlen_bits // 8

    def scope_capacity(self, scope: str) -> tuple[str, int | None]:
        """The memory a local allocation in ``scope`` takes and its bytes per thread
        (None: unchecked), per FORMAT.md 4.3."""
        if scope == "global":
            return "DRAM", None
        if scope == "fragment":
            return "vector registers", self.register_file_bytes
        if self.scratchpad_kib_per_core:
            return "scratchpad", self.scratchpad_kib_per_core * 1024
        if scope == "tcm":
            raise K1SimError(f"storage 'tcm' needs a core scratchpad; {self.arch_id} "
                             f"({self.core}) has none (use 'l2', which takes a share of L2)")
        share = self.l2_kib_per_cluster * 1024 // self.cores_per_cluster
        return "L2 share", share


MACHINES = {m.arch_id: m for m in (
    Machine("0x503C", "spacemit-x60", 8, 4, 512, 0, 256),
    Machine("0xA03C", "spacemit-a60", 4, 4, 512, 128, 256),
    Machine("0x5064", "spacemit-x100", 8, 4, 4096, 0, 256),
    Machine("0xA064", "spacemit-a100", 8, 4, 1024, 384, 1024),
    # assumed: a200m is projected; K3 A100's layout with its IME swapped for a matrix unit.
    Machine("0xF000", "spacemit-a200m", 8, 4, 1024, 384, 1024),
)}


def machine(arch_id: str) -> Machine:
    key = arch_id.strip()
    for known, m in MACHINES.items():
        if key.lower() == known.lower():
            return m
    raise K1SimError(f"unknown arch '{arch_id}'; known archs: {', '.join(MACHINES)}")
