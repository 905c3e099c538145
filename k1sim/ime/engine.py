"""The IME's cost of one mmt4d: instructions, issue time, latency and L1 operand traffic.

An IME instruction computes one engine tile (``tile`` M x K x N) with its operands and
accumulators in the 32 RVV registers. An mmt4d whose micro tiles are multiples of the tile
issues ``M1*N1*K1 * (m0/M)(n0/N)(k0/K)`` of them at ``matrix.instructions_per_cycle``; its
result is ready ``matrix.latency_cycles`` after the last one issues. Its operands reach the
registers by the register-blocking plan (``k1sim.cost.blocking``) over engine tiles, with the
vector register file (32 x VLEN/8 bytes) as the registers.
"""

from __future__ import annotations

from functools import lru_cache
from k1sim.cost.blocking import EngineCost, plan


def instructions(shape) -> int:
    """IME instructions of an mmt4d (its micro tiles are multiples of the tile)."""
    tm, tk, tn = shape.tile
    return shape.M1 * shape.N1 * shape.K1 * (shape.m0 // tm) * (shape.n0 // tn) * (shape.k0 // tk)


def register_file_bytes(arch) -> int:
    """IME operands and accumulators live in the 32 RVV registers."""
    return 32 * arch.rvv.vlen_bits // 8


def cost(shape, arch) -> EngineCost:
    return _cost(shape, arch.matrix.instructions_per_cycle, arch.matrix.latency_cycles,
                 register_file_bytes(arch))


@lru_cache(maxsize=4096)
def _cost(shape, per_cycle: float, latency: int, registers: int) -> EngineCost:
    tm, tk, tn = shape.tile
    n = instructions(shape)
    p = plan(shape.M1 * shape.m0 // tm, shape.N1 * shape.n0 // tn, shape.K1 * shape.k0 // tk,
             tm * tk * shape.in_bytes, tn * tk * shape.in_bytes, tm * tn * shape.out_bytes,
             registers, shape.accumulates)
    return EngineCost(n, n / per_cycle, max(latency - 1 / per_cycle, 0.0), p.l1_bytes, p)
