"""The IME's cost of one mmt4d: instructions, issue time, latency and L1 operand traffic.

An IME instruction computes one engine tile (``tile`` M x K x N) with its operands and
accumulators in the 32 RVV registers. An mmt4d whose micro tiles are multiples of the tile
issues ``M1*N1*K1 * (m0/M)(n0/N)(k0/K)`` of them at ``matrix.instructions_per_cycle``; its
result is ready ``matrix.latency_cycles`` after the last one issues. Its operands reach the
registers by the register-blocking plan (``k1sim.cost.blocking``) over engine tiles, with the
vector register file (32 x VLEN/8 bytes) as the registers; an in-place accumulate into the
same tiles waits for them by ``chain_gap``.
"""

from __future__ import annotations

from functools import lru_cache
from k1sim.cost.blocking import EngineCost, engine_cost


def instructions(shape) -> int:
    """IME instructions of an mmt4d (its micro tiles are multiples of the tile)."""
    tm, tk, tn = shape.tile
    return shape.M1 * shape.N1 * shape.K1 * (shape.m0 // tm) * (shape.n0 // tn) * (shape.k0 // tk)


def cost(shape, arch) -> EngineCost:
    # The plan's budget is the whole vector register file (``arch.register_file_bytes``,
    # 32 x VLEN/8): the IME profile keeps an instruction's operands and accumulators in the
    # RVV registers, so every tile of a micro kernel's block lives there. The arch's
    # ``matrix.register_bytes`` is one instruction's footprint (one A, B and C tile), which
    # the plan already counts from the tile; it is not the budget.
    return _cost(shape, arch.matrix.instructions_per_cycle, arch.matrix.latency_cycles,
                 arch.register_file_bytes)


@lru_cache(maxsize=4096)
def _cost(shape, per_cycle: float, latency: int, registers: int) -> EngineCost:
    tm, tk, tn = shape.tile
    return engine_cost(shape.M1 * shape.m0 // tm, shape.N1 * shape.n0 // tn,
                       shape.K1 * shape.k0 // tk, shape, per_cycle, latency, registers)
