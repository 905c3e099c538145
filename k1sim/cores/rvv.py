"""The RVV unit's matrix fallback: an mmt4d without a usable matrix tile, as vector FMAs.

A compiler's RVV micro kernel keeps an ``mr x nr`` block of accumulator vectors (rows of
VLEN-wide vectors) in registers and, per K step, loads ``nr`` B vectors and broadcasts ``mr``
A elements, so the register-blocking plan (``k1sim.cost.blocking``) applies with a 1 x 1 x
(VLEN / element bits) "tile": A a scalar, B one vector, C one accumulator vector.
"""

from __future__ import annotations

from math import ceil

from k1sim.cost.blocking import chain_gap, plan


def mmt4d_cost(shape, arch) -> tuple[int, int, int]:
    """(L1 <-> register bytes, vector FMA instructions, instructions between two in-place
    accumulates into one accumulator vector) of an mmt4d running as RVV FMAs."""
    vlen_bytes = arch.rvv.vlen_bits // 8
    lanes = max(int(vlen_bytes / shape.in_bytes), 1)
    rows, cols, k = shape.M1 * shape.m0, ceil(shape.N1 * shape.n0 / lanes), shape.K1 * shape.k0
    p = plan(rows, cols, k, shape.in_bytes, lanes * shape.in_bytes, lanes * shape.out_bytes,
             arch.register_file_bytes, shape.accumulates)
    return p.l1_bytes, rows * cols * k, chain_gap(p, rows, cols, k)
