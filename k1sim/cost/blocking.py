"""The register-blocking plan of an mmt4d: which engine tiles stay in registers, and the L1
traffic that follows.

A compiler's micro kernel for ``C += A . B^T`` holds an ``mr x nr`` block of accumulator tiles
in registers and, for each step along K, loads ``mr`` A tiles and ``nr`` B tiles and issues the
``mr * nr`` engine instructions between them. The plan, in order:

1. A, B and C together fit the registers: they never leave them. Register-resident operands
   (constants, loop-invariant tiles, values the producing op left in registers) cost no L1
   traffic at all.
2. Every accumulator tile fits beside one K step's operands (``block_bytes(mt, nt)``): the
   accumulators stay in registers for the whole op and, in an in-place accumulation, from
   one op to the next (a micro kernel's K loop keeps them there), so only the A and B tiles
   stream, each once.
3. Otherwise the block is chosen to fit the registers and, among the blocks that fit, to
   load the fewest bytes: every A tile is loaded once per column block, every B tile once
   per row block, and each accumulator tile once (read too when the op accumulates in
   place), as a compiler would.
4. Not even one accumulator tile fits beside its operands: all three stream per K step.

The plan depends only on the tile counts and sizes, so it is computed once per shape. Each
engine's package applies it to its own tiles and registers: the IME to its tile in the 32
vector registers (``k1sim.ime``), the AME to its tile registers (``k1sim.ame``), the RVV
fallback to row x vector tiles (``k1sim.cores.rvv``). ``chain_gap`` says how far apart, in
instructions, two in-place accumulates into the same accumulator tile are.
"""

from __future__ import annotations

from functools import lru_cache
from math import ceil
from typing import NamedTuple


class Plan(NamedTuple):
    mr: int            # accumulator tiles per row of the block (0: everything resident)
    nr: int            # accumulator tiles per column of the block
    a_bytes: int       # A bytes loaded from L1 over the op
    b_bytes: int       # B bytes loaded
    c_bytes: int       # accumulator bytes loaded and stored

    @property
    def l1_bytes(self) -> int:
        return self.a_bytes + self.b_bytes + self.c_bytes


class EngineCost(NamedTuple):
    """What a matrix engine's package makes of one mmt4d."""

    instructions: int
    issue_cycles: float    # the engine's occupancy: instructions / rate
    fill_cycles: float     # result latency beyond the last instruction's issue slot
    reg_bytes: int         # L1 <-> register bytes of the blocking plan
    plan: Plan
    chain_gap: int         # instructions between two in-place accumulates into one tile


def block_bytes(mr: int, nr: int, a_tile: float, b_tile: float, c_tile: float) -> float:
    """Registers an ``mr x nr`` block of accumulator tiles takes beside the ``mr`` A and
    ``nr`` B tiles of one K step: the plan's fit test, and the tuner's register pruning."""
    return mr * nr * c_tile + mr * a_tile + nr * b_tile


@lru_cache(maxsize=4096)
def plan(mt: int, nt: int, kt: int, a_tile: float, b_tile: float, c_tile: float,
         register_bytes: int, accumulates: bool) -> Plan:
    """The plan for ``mt x nt`` accumulator tiles over ``kt`` K steps, with tiles of
    ``a_tile``, ``b_tile`` and ``c_tile`` bytes and ``register_bytes`` of registers."""
    whole = mt * kt * a_tile + nt * kt * b_tile + mt * nt * c_tile
    if whole <= register_bytes:
        return Plan(0, 0, 0, 0, 0)
    if block_bytes(mt, nt, a_tile, b_tile, c_tile) <= register_bytes:
        # Every accumulator tile fits beside one K step's operands: the micro kernel keeps
        # them all in registers for the whole op, and from one op to the next of an in-place
        # accumulation, and streams each A and B tile once.
        return Plan(mt, nt, ceil(mt * kt * a_tile), ceil(nt * kt * b_tile), 0)
    best = None
    for mr in range(1, mt + 1):
        for nr in range(1, nt + 1):
            if block_bytes(mr, nr, a_tile, b_tile, c_tile) > register_bytes:
                break
            a = mt * kt * a_tile * ceil(nt / nr)
            b = nt * kt * b_tile * ceil(mt / mr)
            if best is None or a + b < best[0]:
                best = (a + b, mr, nr, a, b)
    if best is None:  # not even one accumulator tile beside its operands: stream all three
        mr = nr = 1
        a, b = mt * kt * a_tile * nt, nt * kt * b_tile * mt
        c = mt * nt * kt * c_tile * 2
        return Plan(mr, nr, ceil(a), ceil(b), ceil(c))
    _, mr, nr, a, b = best
    c = mt * nt * c_tile * (2 if accumulates else 1)
    return Plan(mr, nr, ceil(a), ceil(b), ceil(c))


def chain_gap(plan: Plan, mt: int, nt: int, kt: int) -> int:
    """Instructions from an accumulator tile's last write in one op to its first write by
    the next op of the same shape that accumulates into it in place. The op runs a block's
    K steps one after another, ``mr x nr`` instructions each (all ``mt x nt`` tiles when
    the accumulators are not blocked), blocks in the same order in every op: so a tile's
    two writes are the op's instructions less its block's K steps but one apart."""
    per_step = plan.mr * plan.nr if plan.mr else mt * nt
    return mt * nt * kt - (kt - 1) * per_step


def engine_cost(mt: int, nt: int, kt: int, shape, per_cycle: float, latency: int,
                registers: int) -> EngineCost:
    """A matrix engine's cost of an mmt4d of ``mt x nt`` accumulator tiles (its
    ``shape.tile``) over ``kt`` K steps: one instruction per tile and step at ``per_cycle``,
    the result ``latency`` after the last one issues, operands by the plan above."""
    tm, tk, tn = shape.tile
    p = plan(mt, nt, kt, tm * tk * shape.in_bytes, tn * tk * shape.in_bytes,
             tm * tn * shape.out_bytes, registers, shape.accumulates)
    n = mt * nt * kt
    return EngineCost(n, n / per_cycle, max(latency - 1 / per_cycle, 0.0), p.l1_bytes, p,
                      chain_gap(p, mt, nt, kt))
