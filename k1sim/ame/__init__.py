"""AME: an attached matrix unit with its own tile registers (0xF000, what-if archs).

Unlike the IME, an attached unit keeps operands and accumulators in tile
registers of its own and loads them through its own path from L1, so its work
does not occupy the vector registers.
"""

from k1sim.ame.engine import Ame

__all__ = ["Ame"]
