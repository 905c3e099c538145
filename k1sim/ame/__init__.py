"""AME: an attached matrix unit with its own tile registers (0xF000, a200, what-if archs).

Unlike the IME, an attached unit keeps operands and accumulators in tile registers of its
own and loads them through its own path from L1, so its work does not occupy the vector
registers or the vector unit. ``cost(shape, arch)`` gives an mmt4d's instructions, issue
cycles, latency and L1 traffic.
"""

from k1sim.ame.engine import EngineCost, cost, instructions

__all__ = ["EngineCost", "cost", "instructions"]

# The core units an AME instruction keeps busy: only the attached unit.
OCCUPIES = ("matrix",)
