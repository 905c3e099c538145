"""The AME's cost of one mmt4d: an attached unit with tile registers of its own.

The AME masks partial tiles, so each micro-tile step issues ``ceil(m0/M) ceil(n0/N)
ceil(k0/K)`` instructions at ``matrix.instructions_per_cycle``; the result is ready
``matrix.latency_cycles`` after the last. Its operands are loaded from L1 into its own tile
registers (``matrix.register_bytes``) by the same register-blocking plan the IME uses
(``k1sim.cost.blocking``), so the vector registers and vector unit stay free; an in-place
accumulate into the same tiles waits for them by ``chain_gap``.
"""

from __future__ import annotations

from functools import lru_cache
from math import ceil
from k1sim.cost.blocking import EngineCost, engine_cost


def instructions(shape) -> int:
    tm, tk, tn = shape.tile
    return (shape.M1 * shape.N1 * shape.K1
            * ceil(shape.m0 / tm) * ceil(shape.n0 / tn) * ceil(shape.k0 / tk))


def cost(shape, arch) -> EngineCost:
    m = arch.matrix
    return _cost(shape, m.instructions_per_cycle, m.latency_cycles, m.register_bytes)


@lru_cache(maxsize=4096)
def _cost(shape, per_cycle: float, latency: int, registers: int) -> EngineCost:
    tm, tk, tn = shape.tile
    return engine_cost(shape.M1 * ceil(shape.m0 / tm), shape.N1 * ceil(shape.n0 / tn),
                       shape.K1 * ceil(shape.k0 / tk), shape, per_cycle, latency, registers)
